/*
 * main.c - the keysift command line: parse options, build the ruleset and
 * engine, run a source through the pipeline, hand the results to a reporter.
 *
 * Exit codes: 0 nothing at or above --fail-on, 1 findings, 2 an error that
 * stopped the scan (bad option, rule file, missing path, unwritable output).
 */
#include "engine/engine.h"
#include "engine/rules.h"
#include "pipeline/pipeline.h"
#include "report/report.h"
#include "source/source.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EXIT_FINDINGS 1
#define EXIT_ERROR 2

typedef struct options {
    const char *format;
    const char *output;
    const char *cache_dir;
    char **rule_paths;
    size_t nrule_paths;
    char **excludes;
    size_t nexcludes;
    unsigned threads;
    uint64_t max_file_size;
    ks_severity fail_on;
    int color; /* -1 auto, 0 never, 1 always */
    bool show_secrets, quiet, strict, no_cache;
} options;

enum {
    OPT_COLOR = 256,
    OPT_CACHE_DIR,
    OPT_EXCLUDE,
    OPT_FAIL_ON,
    OPT_FORMAT,
    OPT_MAX_FILE_SIZE,
    OPT_NO_CACHE,
    OPT_RULES,
    OPT_SHOW_SECRETS,
    OPT_STRICT,
    OPT_VERSION,
};

/* One sorted table of options, shared by every sub-command. */
static const struct option long_options[] = {
    {"cache-dir", required_argument, NULL, OPT_CACHE_DIR},
    {"color", required_argument, NULL, OPT_COLOR},
    {"exclude", required_argument, NULL, OPT_EXCLUDE},
    {"fail-on", required_argument, NULL, OPT_FAIL_ON},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"help", no_argument, NULL, 'h'},
    {"max-file-size", required_argument, NULL, OPT_MAX_FILE_SIZE},
    {"no-cache", no_argument, NULL, OPT_NO_CACHE},
    {"output", required_argument, NULL, 'o'},
    {"quiet", no_argument, NULL, 'q'},
    {"rules", required_argument, NULL, OPT_RULES},
    {"show-secrets", no_argument, NULL, OPT_SHOW_SECRETS},
    {"strict", no_argument, NULL, OPT_STRICT},
    {"threads", required_argument, NULL, 'j'},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

static const char usage_text[] =
    "usage: keysift scan [OPTIONS] [PATH...]   scan files and directories ('-' = stdin)\n"
    "       keysift rules list [--rules PATH]  list the rules\n"
    "       keysift rules test [--rules PATH]  check every rule against its examples\n"
    "       keysift --version | --help\n"
    "\n"
    "Options:\n"
    "  --format FMT          text (default), json, jsonl\n"
    "  -o, --output FILE     write the report to FILE (atomically) instead of stdout\n"
    "  -j, --threads N       worker threads (default: all cores)\n"
    "  --rules FILE|DIR      add rule files (repeatable); a rule with a built-in id replaces it\n"
    "  --fail-on SEV         exit 1 only for findings at or above SEV: low (default), medium,\n"
    "                        high, critical\n"
    "  --show-secrets        print secrets in full (default: redacted in every format)\n"
    "  --max-file-size SIZE  skip files larger than SIZE (default 256M; K, M, G suffixes;\n"
    "                        0 = no limit); skipped files are warnings\n"
    "  --exclude GLOB        skip paths matching GLOB (repeatable); a glob without '/' matches\n"
    "                        the base name, one with '/' the path relative to the scan root\n"
    "  --strict              exit 2 when any file could not be read\n"
    "  --color WHEN          auto (default), always, never\n"
    "  --cache-dir DIR       where the compiled rule database is cached\n"
    "                        (default $XDG_CACHE_HOME/keysift or ~/.cache/keysift)\n"
    "  --no-cache            do not read or write the compiled-rule cache\n"
    "  -q, --quiet           no warnings or progress on stderr, no summary in text output\n"
    "  --version, --help\n"
    "\n"
    "Exit status: 0 no findings at or above --fail-on, 1 findings, 2 error.\n";

__attribute__((format(printf, 1, 2))) static int die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "keysift: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return EXIT_ERROR;
}

static int parse_size(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *s == '-')
        return -1;
    uint64_t mult = 1;
    if (*end == 'K' || *end == 'k')
        mult = 1ull << 10, end++;
    else if (*end == 'M' || *end == 'm')
        mult = 1ull << 20, end++;
    else if (*end == 'G' || *end == 'g')
        mult = 1ull << 30, end++;
    if (*end == 'B' || *end == 'b')
        end++;
    if (*end || v > UINT64_MAX / mult)
        return -1;
    *out = v * mult;
    return 0;
}

static void push_str(char ***v, size_t *n, char *s)
{
    *v = ks_xrealloc(*v, (*n + 1) * sizeof(char *));
    (*v)[(*n)++] = s;
}

/* Parse options; returns -1 to continue, or an exit code. */
static int parse_options(int argc, char **argv, options *o)
{
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "ho:qj:", long_options, NULL)) != -1) {
        switch (c) {
        case 'h':
            fputs(usage_text, stdout);
            return 0;
        case OPT_VERSION:
            printf("keysift %s\n", KS_VERSION);
            return 0;
        case 'o':
            o->output = optarg;
            break;
        case 'q':
            o->quiet = true;
            break;
        case 'j': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || v < 1 || v > 1024)
                return die("--threads: '%s' is not a number of threads (1-1024)", optarg);
            o->threads = (unsigned)v;
            break;
        }
        case OPT_CACHE_DIR:
            o->cache_dir = optarg;
            break;
        case OPT_COLOR:
            if (strcmp(optarg, "auto") == 0)
                o->color = -1;
            else if (strcmp(optarg, "always") == 0)
                o->color = 1;
            else if (strcmp(optarg, "never") == 0)
                o->color = 0;
            else
                return die("--color: '%s' is not auto, always or never", optarg);
            break;
        case OPT_EXCLUDE:
            push_str(&o->excludes, &o->nexcludes, optarg);
            break;
        case OPT_FAIL_ON:
            if ((o->fail_on = ks_severity_parse(optarg)) == KS_SEV_NONE)
                return die("--fail-on: '%s' is not low, medium, high or critical", optarg);
            break;
        case OPT_FORMAT:
            if (!ks_reporter_find(optarg)) {
                fprintf(stderr, "keysift: --format: '%s' is not one of %s\n", optarg,
                        ks_reporter_names());
                return EXIT_ERROR;
            }
            o->format = optarg;
            break;
        case OPT_MAX_FILE_SIZE:
            if (parse_size(optarg, &o->max_file_size) != 0)
                return die("--max-file-size: '%s' is not a size (e.g. 100M)", optarg);
            break;
        case OPT_NO_CACHE:
            o->no_cache = true;
            break;
        case OPT_RULES:
            push_str(&o->rule_paths, &o->nrule_paths, optarg);
            break;
        case OPT_SHOW_SECRETS:
            o->show_secrets = true;
            break;
        case OPT_STRICT:
            o->strict = true;
            break;
        default:
            fprintf(stderr, "Try 'keysift --help'.\n");
            return EXIT_ERROR;
        }
    }
    return -1;
}

static char *default_cache_dir(void)
{
    const char *e = getenv("KEYSIFT_CACHE_DIR");
    if (e && *e)
        return ks_xstrdup(e);
    const char *x = getenv("XDG_CACHE_HOME");
    const char *h = getenv("HOME");
    char buf[4096];
    if (x && *x)
        snprintf(buf, sizeof buf, "%s/keysift", x);
    else if (h && *h)
        snprintf(buf, sizeof buf, "%s/.cache/keysift", h);
    else
        return NULL;
    return ks_xstrdup(buf);
}

static int load_rules(const options *o, ks_ruleset *rs)
{
    int rc = ks_ruleset_load_builtin(rs);
    for (size_t i = 0; rc == 0 && i < o->nrule_paths; i++)
        rc = ks_ruleset_load_path(rs, o->rule_paths[i]);
    if (rc)
        fprintf(stderr, "keysift: %s\n", ks_error_msg());
    return rc;
}

static int build_engine(const options *o, const ks_ruleset *rs, ks_engine **e)
{
    char *dir = o->no_cache ? NULL : o->cache_dir ? ks_xstrdup(o->cache_dir) : default_cache_dir();
    ks_engine_opts eo = {.cache_dir = dir};
    int rc = ks_engine_new(e, rs, &eo);
    free(dir);
    if (rc)
        fprintf(stderr, "keysift: %s\n", ks_error_msg());
    return rc;
}

/* ------------------------------------------------------------------------ */

static int cmd_scan(options *o, char **paths, size_t npaths)
{
    static char dotpath[] = ".";
    char *dot[] = {dotpath};
    ks_ruleset rs;
    ks_engine *engine = NULL;
    ks_fs_source *src = NULL;
    ks_results res;
    int status = EXIT_ERROR;

    memset(&res, 0, sizeof res);
    ks_ruleset_init(&rs);
    if (npaths == 0) {
        paths = dot;
        npaths = 1;
    }
    if (load_rules(o, &rs) || build_engine(o, &rs, &engine))
        goto done;
    if (ks_fs_source_new(&src, paths, npaths) != 0) {
        fprintf(stderr, "keysift: %s\n", ks_error_msg());
        goto done;
    }
    if (!o->threads) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        o->threads = n > 0 ? (unsigned)n : 1;
    }
    bool out_tty = !o->output && isatty(STDOUT_FILENO);
    ks_scan_config cfg = {
        .rs = &rs,
        .engine = engine,
        .threads = o->threads,
        .max_file_size = o->max_file_size,
        .excludes = o->excludes,
        .nexcludes = o->nexcludes,
        .show_secrets = o->show_secrets,
        .quiet = o->quiet,
        .progress = !o->quiet && isatty(STDERR_FILENO),
    };
    if (ks_pipeline_run(&cfg, &ks_fs_source_ops, src, &res) != 0) {
        fprintf(stderr, "keysift: scan stopped: %s\n", ks_error_msg());
        goto done;
    }
    const ks_reporter *rep = ks_reporter_find(o->format ? o->format : "text");
    ks_report_opts ro = {.color = o->color == 1 || (o->color == -1 && out_tty)};
    if (ks_report_to_path(rep, o->output, &res, &ro) != 0) {
        fprintf(stderr, "keysift: %s\n", ks_error_msg());
        goto done;
    }
    if (o->strict && res.sum.warnings) {
        fprintf(stderr, "keysift: --strict: %llu file(s) could not be scanned completely\n",
                (unsigned long long)res.sum.warnings);
        goto done;
    }
    status = ks_results_max_severity(&res) >= o->fail_on && res.nfindings ? EXIT_FINDINGS : 0;
done:
    ks_results_dispose(&res);
    ks_fs_source_free(src);
    ks_engine_free(engine);
    ks_ruleset_dispose(&rs);
    return status;
}

static int cmd_rules_list(options *o)
{
    ks_ruleset rs;
    ks_ruleset_init(&rs);
    if (load_rules(o, &rs)) {
        ks_ruleset_dispose(&rs);
        return EXIT_ERROR;
    }
    for (size_t i = 0; i < rs.nrules; i++) {
        const ks_rule *r = &rs.rules[i];
        printf("%-34s %-9s %-7s %-23s %s%s\n", r->id, ks_severity_name(r->severity),
               ks_confidence_name(r->confidence), r->kind, r->name,
               r->disabled ? " (disabled)" : "");
    }
    printf("%zu rules\n", rs.nrules);
    ks_ruleset_dispose(&rs);
    return 0;
}

typedef struct collect {
    const uint8_t *data;
    bool found;
    const char *want; /* expected secret, or NULL */
    bool secret_ok;
} collect;

static int collect_match(const ks_match *m, void *payload)
{
    collect *c = payload;
    c->found = true;
    if (c->want && strlen(c->want) == m->send - m->sstart &&
        memcmp(c->want, c->data + m->sstart, m->send - m->sstart) == 0)
        c->secret_ok = true;
    return 0;
}

static bool run_example(const ks_engine *e, ks_scratch *s, uint32_t rule, const ks_example *ex,
                        collect *c)
{
    const uint8_t *d = (const uint8_t *)ex->text;
    size_t len = strlen(ex->text);
    ks_scan_args a = {.data = d,
                      .len = len,
                      .own_from = 0,
                      .own_to = len,
                      .flags = KS_SCAN_ONE_RULE | KS_SCAN_NO_SUPPRESS,
                      .only_rule = rule};
    memset(c, 0, sizeof *c);
    c->data = d;
    c->want = ex->secret;
    return ks_engine_scan(e, s, &a, collect_match, c) == 0;
}

static int cmd_rules_test(options *o)
{
    ks_ruleset rs;
    ks_engine *e = NULL;
    ks_scratch *s = NULL;
    size_t failures = 0, nex = 0, nneg = 0, nrules = 0;
    int status = EXIT_ERROR;

    ks_ruleset_init(&rs);
    if (load_rules(o, &rs) || build_engine(o, &rs, &e))
        goto done;
    if (ks_scratch_new(&s, e) != 0) {
        fprintf(stderr, "keysift: %s\n", ks_error_msg());
        goto done;
    }
    for (size_t i = 0; i < rs.nrules; i++) {
        const ks_rule *r = &rs.rules[i];
        if (r->disabled)
            continue;
        nrules++;
        size_t before = failures;
        if (ks_engine_rule_width(e, i) == SIZE_MAX) {
            printf("FAIL %s (%s:%d): pattern has no bounded width; write {0,N} instead of * or +\n",
                   r->id, r->file, r->line);
            failures++;
        }
        if (r->nexamples == 0 || r->nnegatives == 0) {
            printf("FAIL %s (%s:%d): every rule needs examples and negative_examples\n", r->id,
                   r->file, r->line);
            failures++;
        }
        for (size_t j = 0; j < r->nexamples; j++) {
            collect c;
            const ks_example *ex = &r->examples[j];
            nex++;
            if (!run_example(e, s, (uint32_t)i, ex, &c) || !c.found) {
                printf("FAIL %s (%s:%d): example not matched: %s\n", r->id, r->file, ex->line,
                       ex->text);
                failures++;
            } else if (ex->secret && !c.secret_ok) {
                printf("FAIL %s (%s:%d): example matched but the secret is not '%s'\n", r->id,
                       r->file, ex->line, ex->secret);
                failures++;
            }
        }
        for (size_t j = 0; j < r->nnegatives; j++) {
            collect c;
            const ks_example *ex = &r->negatives[j];
            nneg++;
            if (!run_example(e, s, (uint32_t)i, ex, &c) || c.found) {
                printf("FAIL %s (%s:%d): negative example matched: %s\n", r->id, r->file,
                       ex->line, ex->text);
                failures++;
            }
        }
        if (!o->quiet && failures == before)
            printf("ok   %s%s\n", r->id,
                   ks_engine_rule_prefilter(e, i) ? " (Vectorscan prefilter mode)" : "");
    }
    printf("%zu rules, %zu examples, %zu negative examples: %zu failure%s\n", nrules, nex, nneg,
           failures, failures == 1 ? "" : "s");
    status = failures ? EXIT_FINDINGS : 0;
done:
    ks_scratch_free(s);
    ks_engine_free(e);
    ks_ruleset_dispose(&rs);
    return status;
}

int main(int argc, char **argv)
{
    options o = {.fail_on = KS_SEV_LOW, .color = -1, .max_file_size = 256ull << 20};
    int status;

    if (argc < 2) {
        fputs(usage_text, stderr);
        return EXIT_ERROR;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        printf("keysift %s\n", KS_VERSION);
        return 0;
    }
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        fputs(usage_text, stdout);
        return 0;
    }
    if (strcmp(cmd, "scan") == 0) {
        if ((status = parse_options(argc - 1, argv + 1, &o)) >= 0)
            goto done;
        status = cmd_scan(&o, argv + 1 + optind, (size_t)(argc - 1 - optind));
    } else if (strcmp(cmd, "rules") == 0) {
        const char *sub = argc > 2 ? argv[2] : "";
        if (strcmp(sub, "list") && strcmp(sub, "test")) {
            status = die("rules: expected 'list' or 'test', got '%s'", sub);
            goto done;
        }
        if ((status = parse_options(argc - 2, argv + 2, &o)) >= 0)
            goto done;
        if (optind < argc - 2) {
            status = die("rules %s: unexpected argument", sub);
            goto done;
        }
        status = strcmp(sub, "list") == 0 ? cmd_rules_list(&o) : cmd_rules_test(&o);
    } else {
        status = die("unknown command '%s' (try 'keysift --help')", cmd);
    }
done:
    free(o.rule_paths);
    free(o.excludes);
    return status;
}
