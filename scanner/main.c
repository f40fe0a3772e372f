/*
 * main.c - the keysift command line: parse options, build the ruleset and
 * engine, run a source through the pipeline, hand the results to a reporter.
 *
 * Exit codes: 0 nothing at or above --fail-on, 1 findings, 2 an error that
 * stopped the scan (bad option, rule file, missing path, unwritable output).
 */
#include "config.h"
#include "engine/engine.h"
#include "engine/guidance.h"
#include "engine/rules.h"
#include "findings/baseline.h"
#include "findings/crypto.h"
#include "pipeline/pipeline.h"
#include "report/report.h"
#include "source/git.h"
#include "source/source.h"

#include <errno.h>
#include <getopt.h>
#include <openssl/evp.h>
#include <git2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
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
    bool max_file_size_set;
    ks_unpack_limits limits;
    ks_severity fail_on;
    int color; /* -1 auto, 0 never, 1 always */
    bool show_secrets, quiet, strict, no_cache;
    bool git, all_objects, staged, force;
    const char *range;
    const char *baseline; /* --baseline FILE */
    const char *config;   /* --config FILE */
    int64_t support_until; /* --support-until DATE; 0: not given */
    bool baseline_create; /* `keysift baseline create` */
} options;

enum {
    OPT_ALL_OBJECTS = 256,
    OPT_BASELINE,
    OPT_COLOR,
    OPT_CONFIG,
    OPT_CACHE_DIR,
    OPT_EXCLUDE,
    OPT_FAIL_ON,
    OPT_FORCE,
    OPT_FORMAT,
    OPT_GIT,
    OPT_MAX_DEPTH,
    OPT_MAX_ENTRIES,
    OPT_MAX_EXPANDED,
    OPT_MAX_FILE_SIZE,
    OPT_MAX_RATIO,
    OPT_NO_CACHE,
    OPT_NO_UNPACK,
    OPT_RANGE,
    OPT_RULES,
    OPT_SHOW_SECRETS,
    OPT_STAGED,
    OPT_STRICT,
    OPT_SUPPORT_UNTIL,
    OPT_VERSION,
};

/* One sorted table of options, shared by every sub-command. */
static const struct option long_options[] = {
    {"all-objects", no_argument, NULL, OPT_ALL_OBJECTS},
    {"baseline", required_argument, NULL, OPT_BASELINE},
    {"cache-dir", required_argument, NULL, OPT_CACHE_DIR},
    {"color", required_argument, NULL, OPT_COLOR},
    {"config", required_argument, NULL, OPT_CONFIG},
    {"exclude", required_argument, NULL, OPT_EXCLUDE},
    {"fail-on", required_argument, NULL, OPT_FAIL_ON},
    {"force", no_argument, NULL, OPT_FORCE},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"git", no_argument, NULL, OPT_GIT},
    {"help", no_argument, NULL, 'h'},
    {"max-depth", required_argument, NULL, OPT_MAX_DEPTH},
    {"max-entries", required_argument, NULL, OPT_MAX_ENTRIES},
    {"max-expanded", required_argument, NULL, OPT_MAX_EXPANDED},
    {"max-file-size", required_argument, NULL, OPT_MAX_FILE_SIZE},
    {"max-ratio", required_argument, NULL, OPT_MAX_RATIO},
    {"no-cache", no_argument, NULL, OPT_NO_CACHE},
    {"no-unpack", no_argument, NULL, OPT_NO_UNPACK},
    {"output", required_argument, NULL, 'o'},
    {"quiet", no_argument, NULL, 'q'},
    {"range", required_argument, NULL, OPT_RANGE},
    {"rules", required_argument, NULL, OPT_RULES},
    {"show-secrets", no_argument, NULL, OPT_SHOW_SECRETS},
    {"staged", no_argument, NULL, OPT_STAGED},
    {"strict", no_argument, NULL, OPT_STRICT},
    {"support-until", required_argument, NULL, OPT_SUPPORT_UNTIL},
    {"threads", required_argument, NULL, 'j'},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

static const char usage_text[] =
    "usage: keysift scan [OPTIONS] [PATH...]   scan files and directories ('-' = stdin)\n"
    "       keysift scan --git [OPTIONS] [REPO] every blob in the history of a git repository\n"
    "       keysift scan --git --range BASE..HEAD [REPO]  what the commits of a range add (CI)\n"
    "       keysift scan --staged [REPO]       the lines this commit adds (pre-commit hook)\n"
    "       keysift hook install [--force] [REPO]  install the pre-commit hook\n"
    "       keysift baseline create -o FILE [OPTIONS] [PATH...]  accept the current findings\n"
    "       keysift rules list [--rules PATH]  list the rules\n"
    "       keysift rules test [--rules PATH]  check every rule against its examples\n"
    "       keysift --version | --help\n"
    "\n"
    "Options:\n"
    "  --git                 scan the history: each unique blob reachable from any ref, once\n"
    "  --all-objects         with --git: also unreachable and dangling objects\n"
    "  --range BASE..HEAD    with --git: blobs the range introduces, minus secrets in BASE\n"
    "  --staged              the index against HEAD: only secrets on added lines\n"
    "  --format FMT          text (default), json, jsonl, sarif, cyclonedx (CBOM), cra\n"
    "                        (Markdown evidence), html (the evidence as a page)\n"
    "  --baseline FILE       report only findings not accepted in FILE (see baseline create)\n"
    "  --config FILE         project configuration (default: .keysift.yaml at the scan root)\n"
    "  -o, --output FILE     write the report to FILE (atomically) instead of stdout\n"
    "  -j, --threads N       worker threads (default: all cores)\n"
    "  --rules FILE|DIR      add rule files (repeatable); a rule with a built-in id replaces it\n"
    "  --fail-on SEV         exit 1 only for findings at or above SEV: low (default), medium,\n"
    "                        high, critical\n"
    "  --show-secrets        print secrets in full (default: redacted in every format)\n"
    "  --max-file-size SIZE  skip files larger than SIZE (default 256M; K, M, G suffixes;\n"
    "                        0 = no limit); skipped files are warnings. The default does\n"
    "                        not apply to files named on the command line\n"
    "Unpacking (archives, file systems, compressed streams, ELF; see README):\n"
    "  --max-depth N         containers inside containers (default 16)\n"
    "  --max-expanded SIZE   bytes decoded from one input (default 8G)\n"
    "  --max-ratio N         a stream may expand to N times its size past 64M (default 200)\n"
    "  --max-entries N       entries read from one archive or file system (default 1000000)\n"
    "  --no-unpack           scan every input as the bytes it is\n"
    "  --exclude GLOB        skip paths matching GLOB (repeatable); a glob without '/' matches\n"
    "                        the base name, one with '/' the path relative to the scan root\n"
    "  --strict              exit 2 when any file could not be read\n"
    "  --support-until DATE  end of the product's support period (YYYY-MM-DD): certificates\n"
    "                        that expire before it are findings\n"
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

static int parse_count(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || *s == '-')
        return -1;
    *out = v;
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
        case OPT_ALL_OBJECTS:
            o->all_objects = true;
            break;
        case OPT_BASELINE:
            o->baseline = optarg;
            break;
        case OPT_CACHE_DIR:
            o->cache_dir = optarg;
            break;
        case OPT_CONFIG:
            o->config = optarg;
            break;
        case OPT_FORCE:
            o->force = true;
            break;
        case OPT_GIT:
            o->git = true;
            break;
        case OPT_RANGE:
            o->range = optarg;
            o->git = true;
            break;
        case OPT_STAGED:
            o->staged = true;
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
            o->max_file_size_set = true;
            break;
        case OPT_MAX_DEPTH: {
            uint64_t v;
            if (parse_count(optarg, &v) != 0 || v > 1000)
                return die("--max-depth: '%s' is not a number from 0 to 1000", optarg);
            o->limits.max_depth = (unsigned)v;
            break;
        }
        case OPT_MAX_ENTRIES:
            if (parse_count(optarg, &o->limits.max_entries) != 0)
                return die("--max-entries: '%s' is not a number (0 = no limit)", optarg);
            break;
        case OPT_MAX_EXPANDED:
            if (parse_size(optarg, &o->limits.max_expanded) != 0)
                return die("--max-expanded: '%s' is not a size (e.g. 4G; 0 = no limit)", optarg);
            break;
        case OPT_MAX_RATIO:
            if (parse_count(optarg, &o->limits.max_ratio) != 0)
                return die("--max-ratio: '%s' is not a number (0 = no limit)", optarg);
            break;
        case OPT_NO_UNPACK:
            o->limits.no_unpack = true;
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
        case OPT_SUPPORT_UNTIL:
            if ((o->support_until = ks_parse_date(optarg)) < 0)
                return die("--support-until: '%s' is not a date (YYYY-MM-DD)", optarg);
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

/* "sha256:<hex>" of a regular file, or NULL. */
static char *file_digest(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_DigestInit_ex(md, EVP_sha256(), NULL);
    unsigned char buf[65536], h[EVP_MAX_MD_SIZE];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        EVP_DigestUpdate(md, buf, n);
    unsigned hl = 0;
    EVP_DigestFinal_ex(md, h, &hl);
    EVP_MD_CTX_free(md);
    bool ok = !ferror(f);
    fclose(f);
    if (!ok)
        return NULL;
    char *out = ks_xmalloc(7 + 65);
    memcpy(out, "sha256:", 7);
    ks_hex(out + 7, h, 32);
    return out;
}

/* "commit <id>" of a repository's HEAD, or NULL. */
static char *head_digest(const char *repo_path)
{
    git_repository *repo = NULL;
    git_oid oid;
    char *out = NULL;
    ks_git_init();
    if (git_repository_open_ext(&repo, repo_path, 0, NULL) == 0 &&
        git_reference_name_to_id(&oid, repo, "HEAD") == 0) {
        out = ks_xmalloc(8 + GIT_OID_HEXSZ + 1);
        memcpy(out, "commit ", 7);
        git_oid_tostr(out + 7, GIT_OID_HEXSZ + 1, &oid);
    }
    git_repository_free(repo);
    return out;
}

/* What the scan covered, for the evidence report. */
static void record_targets(ks_results *res, const options *o, char **paths, size_t npaths)
{
    size_t n = npaths ? npaths : 1;
    res->targets = ks_xcalloc(n, sizeof(char *));
    res->target_digest = ks_xcalloc(n, sizeof(char *));
    for (size_t i = 0; i < n; i++) {
        const char *p = npaths ? paths[i] : ".";
        res->targets[i] = ks_xstrdup(p);
        if (o->git || o->staged)
            res->target_digest[i] = head_digest(p);
        else if (strcmp(p, "-") != 0)
            res->target_digest[i] = file_digest(p);
    }
    res->ntargets = n;
    res->fail_on = o->fail_on;
}

static int cmd_scan(options *o, char **paths, size_t npaths)
{
    static char dotpath[] = ".";
    char *dot[] = {dotpath};
    ks_ruleset rs;
    ks_engine *engine = NULL;
    ks_fs_source *src = NULL;
    ks_git_source *gsrc = NULL;
    ks_staged_source *ssrc = NULL;
    ks_config conf;
    ks_guidance_set guidance = {0};
    ks_results res;
    int status = EXIT_ERROR;

    memset(&res, 0, sizeof res);
    memset(&conf, 0, sizeof conf);
    ks_ruleset_init(&rs);
    if ((o->git || o->staged) && npaths > 1) {
        status = die("--%s takes one repository path", o->staged ? "staged" : "git");
        goto done;
    }
    if (o->git && o->staged) {
        status = die("--git and --staged are different scans: choose one");
        goto done;
    }
    if (o->all_objects && (!o->git || o->range)) {
        status = die("--all-objects goes with --git (whole history), not with --range");
        goto done;
    }
    /* The configuration: --config, or .keysift.yaml at the scan root. */
    char found[4096] = "";
    if (!o->config) {
        const char *root = npaths ? paths[0] : ".";
        struct stat st;
        if (strcmp(root, "-") != 0 && stat(root, &st) == 0 && S_ISDIR(st.st_mode)) {
            snprintf(found, sizeof found, "%s/.keysift.yaml", root);
            if (access(found, F_OK) != 0)
                found[0] = '\0';
        }
    }
    const char *config_path = o->config ? o->config : found[0] ? found : NULL;
    if (config_path) {
        if (ks_config_load(&conf, config_path) != 0) {
            fprintf(stderr, "keysift: %s\n", ks_error_msg());
            goto done;
        }
        for (size_t i = 0; i < conf.nexcludes; i++)
            push_str(&o->excludes, &o->nexcludes, conf.excludes[i]);
        for (size_t i = 0; i < conf.nrule_paths; i++)
            push_str(&o->rule_paths, &o->nrule_paths, conf.rule_paths[i]);
    }
    if (load_rules(o, &rs))
        goto done;
    if (ks_config_apply_rules(&conf, &rs) != 0) {
        fprintf(stderr, "keysift: %s\n", ks_error_msg());
        goto done;
    }
    if (build_engine(o, &rs, &engine))
        goto done;
    const ks_source_ops *ops = &ks_fs_source_ops;
    void *srcp = NULL;
    int src_rc;
    if (o->git) {
        ks_git_opts go = {.repo = npaths ? paths[0] : ".",
                          .range = o->range,
                          .all_objects = o->all_objects,
                          .max_blob_size = o->max_file_size};
        src_rc = ks_git_source_new(&gsrc, &go);
        ops = &ks_git_source_ops;
        srcp = gsrc;
    } else if (o->staged) {
        src_rc = ks_staged_source_new(&ssrc, npaths ? paths[0] : ".");
        ops = &ks_staged_source_ops;
        srcp = ssrc;
    } else {
        if (npaths == 0) {
            paths = dot;
            npaths = 1;
        }
        src_rc = ks_fs_source_new(&src, paths, npaths);
        srcp = src;
    }
    if (src_rc != 0) {
        fprintf(stderr, "keysift: %s\n", ks_error_msg());
        goto done;
    }
    if (!o->threads) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        o->threads = n > 0 ? (unsigned)n : 1;
    }
    if (ssrc && ks_staged_source_count(ssrc) <= 64)
        o->threads = 1; /* a typical commit: a second thread costs more than it saves */
    bool out_tty = !o->output && isatty(STDOUT_FILENO);
    ks_scan_config cfg = {
        .rs = &rs,
        .engine = engine,
        .threads = o->threads,
        .max_file_size = o->max_file_size,
        .max_file_size_default = !o->max_file_size_set,
        .limits = o->limits,
        .excludes = o->excludes,
        .nexcludes = o->nexcludes,
        .show_secrets = o->show_secrets,
        .quiet = o->quiet,
        .progress = !o->quiet && isatty(STDERR_FILENO),
    };
    if (ks_pipeline_run(&cfg, ops, srcp, &res) != 0) {
        fprintf(stderr, "keysift: scan stopped: %s\n", ks_error_msg());
        goto done;
    }
    /* Keys and certificates: facts, links, weak material. */
    ks_results_crypto(&res, (int64_t)time(NULL),
                      o->support_until ? o->support_until : conf.support_until);
    res.sum.allowed += ks_config_apply_allow(&conf, &res);
    /* Guidance is read only when there is something to explain: a clean
     * pre-commit run does not pay for parsing it. */
    if (res.nfindings && ks_guidance_load_builtin(&guidance) != 0) {
        fprintf(stderr, "keysift: %s\n", ks_error_msg());
        goto done;
    }
    res.guidance = &guidance;
    if (o->baseline_create) {
        ks_baseline old = {0};
        if (access(o->output, F_OK) == 0 && ks_baseline_load(&old, o->output) != 0) {
            fprintf(stderr, "keysift: %s\n", ks_error_msg());
            goto done;
        }
        int brc = ks_baseline_write(&res, &old, o->output);
        ks_baseline_dispose(&old);
        if (brc) {
            fprintf(stderr, "keysift: %s\n", ks_error_msg());
            goto done;
        }
        if (!o->quiet)
            fprintf(stderr, "keysift: baseline of %zu finding%s written to %s\n", res.nfindings,
                    res.nfindings == 1 ? "" : "s", o->output);
        status = 0;
        goto done;
    }
    if (o->baseline) {
        ks_baseline b;
        char today[11];
        if (ks_baseline_load(&b, o->baseline) != 0) {
            fprintf(stderr, "keysift: %s\n", ks_error_msg());
            goto done;
        }
        ks_today(today);
        res.sum.baselined = ks_baseline_apply(&b, &res, today);
        ks_baseline_dispose(&b);
    }
    if (o->format && (strcmp(o->format, "cra") == 0 || strcmp(o->format, "cyclonedx") == 0 ||
                      strcmp(o->format, "html") == 0))
        record_targets(&res, o, paths, npaths);
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
    if (o->staged && status == EXIT_FINDINGS)
        fprintf(stderr,
                "keysift: this commit adds %zu secret%s (listed above, with file and line).\n"
                "  Remove %s from the staged files and rotate any secret that was ever pushed or\n"
                "  shared. If a finding is a false alarm or an accepted test value, add a\n"
                "  `keysift:allow` comment on that line. Then `git add` and commit again.\n",
                res.nfindings, res.nfindings == 1 ? "" : "s", res.nfindings == 1 ? "it" : "them");
done:
    ks_results_dispose(&res);
    ks_guidance_dispose(&guidance);
    ks_config_dispose(&conf);
    ks_fs_source_free(src);
    ks_git_source_free(gsrc);
    ks_staged_source_free(ssrc);
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
        printf("%-34s %-9s %-7s %-23s %s%s%s\n", r->id, ks_severity_name(r->severity),
               ks_confidence_name(r->confidence), r->kind, r->name,
               r->disabled ? " (disabled)" : "", r->check      ? " (computed)"
                                                 : r->inventory ? " (inventory)"
                                                                : "");
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

/* A computed rule: its check must hold for every example (a PEM block or
 * key) and for no negative example, judged now with a support period of
 * 200 years. Returns the number of failures. */
static size_t test_check_rule(const ks_rule *r, size_t *nex, size_t *nneg)
{
    size_t failures = 0;
    int64_t now = (int64_t)time(NULL), until = now + 200ll * 365 * 86400;
    if (!ks_crypto_check_known(r->check)) {
        printf("FAIL %s (%s:%d): unknown check `%s`\n", r->id, r->file, r->line, r->check);
        return 1;
    }
    if (r->nexamples == 0 || r->nnegatives == 0) {
        printf("FAIL %s (%s:%d): every rule needs examples and negative_examples\n", r->id,
               r->file, r->line);
        failures++;
    }
    for (size_t j = 0; j < r->nexamples + r->nnegatives; j++) {
        bool positive = j < r->nexamples;
        const ks_example *ex = positive ? &r->examples[j] : &r->negatives[j - r->nexamples];
        ks_crypto *c = ks_crypto_parse((const uint8_t *)ex->text, strlen(ex->text));
        bool fires = c && ks_crypto_check(r->check, c, now, until);
        ks_crypto_free(c);
        (*(positive ? nex : nneg))++;
        if (fires != positive) {
            printf("FAIL %s (%s:%d): %s\n", r->id, r->file, ex->line,
                   positive ? "the check does not hold for this example"
                            : "the check holds for this negative example");
            failures++;
        }
    }
    return failures;
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
    ks_guidance_set guidance = {0};
    if (ks_guidance_load_builtin(&guidance) != 0) {
        fprintf(stderr, "keysift: %s\n", ks_error_msg());
        goto done;
    }
    for (size_t i = 0; i < rs.nrules; i++) {
        const ks_rule *r = &rs.rules[i];
        if (r->disabled)
            continue;
        nrules++;
        if (!ks_guidance_find(&guidance, r->kind)) {
            printf("FAIL %s (%s:%d): no guidance for kind `%s` in rules/guidance/\n", r->id,
                   r->file, r->line, r->kind);
            failures++;
        }
        size_t before = failures;
        if (r->check) {
            failures += test_check_rule(r, &nex, &nneg);
            if (!o->quiet && failures == before)
                printf("ok   %s (computed: %s)\n", r->id, r->check);
            continue;
        }
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
                printf("FAIL %s (%s:%d): negative example matched: %s\n", r->id, r->file, ex->line,
                       ex->text);
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
    ks_guidance_dispose(&guidance);
done:
    ks_scratch_free(s);
    ks_engine_free(e);
    ks_ruleset_dispose(&rs);
    return status;
}

/* ------------------------------------------------------------------------ */
/* keysift hook install                                                      */

#define HOOK_MARKER "# keysift pre-commit hook"

static int cmd_hook_install(options *o, const char *repo_path)
{
    git_repository *repo = NULL;
    git_config *cfg = NULL;
    git_buf hooks = {0};
    int status = EXIT_ERROR;
    char path[4096], self[4096];

    ks_git_init();
    if (git_repository_open_ext(&repo, repo_path, 0, NULL) != 0) {
        fprintf(stderr, "keysift: %s: not a git repository\n", repo_path);
        return EXIT_ERROR;
    }
    /* core.hooksPath wins over .git/hooks, as it does for git. */
    if (git_repository_config(&cfg, repo) == 0 &&
        git_config_get_path(&hooks, cfg, "core.hooksPath") == 0) {
        const char *base = git_repository_workdir(repo);
        if (hooks.ptr[0] == '/' || !base)
            snprintf(path, sizeof path, "%s/pre-commit", hooks.ptr);
        else
            snprintf(path, sizeof path, "%s%s/pre-commit", base, hooks.ptr);
    } else {
        snprintf(path, sizeof path, "%shooks/pre-commit", git_repository_path(repo));
    }
    FILE *f = fopen(path, "r");
    if (f) {
        char head[4096];
        size_t n = fread(head, 1, sizeof head - 1, f);
        head[n] = '\0';
        fclose(f);
        if (!strstr(head, HOOK_MARKER) && !o->force) {
            fprintf(stderr,
                    "keysift: %s exists and is not keysift's: not overwritten (add a line\n"
                    "  `keysift scan --staged || exit 1` to it, or use --force to replace it)\n",
                    path);
            goto done;
        }
    }
    ssize_t sl = readlink("/proc/self/exe", self, sizeof self - 1);
    self[sl > 0 ? sl : 0] = '\0';
    char *slash = strrchr(path, '/');
    *slash = '\0';
    char mk[4200];
    snprintf(mk, sizeof mk, "%s", path);
    for (char *p = mk + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(mk, 0755);
            *p = '/';
        }
    mkdir(mk, 0755);
    *slash = '/';
    f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "keysift: %s: cannot write the hook: %s\n", path, strerror(errno));
        goto done;
    }
    fprintf(f,
            "#!/bin/sh\n" HOOK_MARKER " (written by `keysift hook install`).\n"
            "# Blocks a commit that adds a hardcoded secret; see `keysift --help`.\n"
            "KEYSIFT=\"%s\"\n"
            "[ -x \"$KEYSIFT\" ] || KEYSIFT=keysift\n"
            "exec \"$KEYSIFT\" scan --staged\n",
            self);
    if (fclose(f) != 0 || chmod(path, 0755) != 0) {
        fprintf(stderr, "keysift: %s: cannot write the hook: %s\n", path, strerror(errno));
        goto done;
    }
    printf("keysift: pre-commit hook installed at %s\n", path);
    status = 0;
done:
    git_buf_dispose(&hooks);
    git_config_free(cfg);
    git_repository_free(repo);
    return status;
}

int main(int argc, char **argv)
{
    options o = {.fail_on = KS_SEV_LOW,
                 .color = -1,
                 .max_file_size = 256ull << 20,
                 .limits = ks_unpack_limits_default()};
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
    if (strcmp(cmd, "baseline") == 0) {
        const char *sub = argc > 2 ? argv[2] : "";
        if (strcmp(sub, "create") != 0) {
            status = die("baseline: expected 'create', got '%s'", sub);
            goto done;
        }
        if ((status = parse_options(argc - 2, argv + 2, &o)) >= 0)
            goto done;
        if (!o.output || strcmp(o.output, "-") == 0) {
            status = die("baseline create: give the file to write with -o FILE");
            goto done;
        }
        o.baseline_create = true;
        status = cmd_scan(&o, argv + 2 + optind, (size_t)(argc - 2 - optind));
    } else if (strcmp(cmd, "scan") == 0) {
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
    } else if (strcmp(cmd, "hook") == 0) {
        const char *sub = argc > 2 ? argv[2] : "";
        if (strcmp(sub, "install") != 0) {
            status = die("hook: expected 'install', got '%s'", sub);
            goto done;
        }
        if ((status = parse_options(argc - 2, argv + 2, &o)) >= 0)
            goto done;
        if (argc - 2 - optind > 1) {
            status = die("hook install: one repository path at most");
            goto done;
        }
        status = cmd_hook_install(&o, optind < argc - 2 ? argv[2 + optind] : ".");
    } else {
        status = die("unknown command '%s' (try 'keysift --help')", cmd);
    }
done:
    free(o.rule_paths);
    free(o.excludes);
    return status;
}
