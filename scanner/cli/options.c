/*
 * options.c - the options of every command, in one sorted table, and
 * their parsing.
 */
#include "cli.h"

#include "../core/dates.h"
#include "../report/report.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

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
    OPT_NO_DECODE,
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
    {"no-decode", no_argument, NULL, OPT_NO_DECODE},
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
    "       keysift rules list [--format text|json|jsonl] [--rules PATH]  list the rules\n"
    "       keysift rules test [--rules PATH]  check every rule against its examples\n"
    "       keysift --version | --help\n"
    "\n"
    "Options:\n"
    "  --git                 scan the history: each unique blob reachable from any ref, once\n"
    "  --all-objects         with --git: also unreachable and dangling objects\n"
    "  --range BASE..HEAD    with --git: blobs the range introduces, minus secrets in BASE\n"
    "  --staged              the index against HEAD: only secrets on added lines\n"
    "  --format FMT          text (default), json, jsonl, sarif, cyclonedx (CBOM), cra\n"
    "                        (Markdown evidence), html (the evidence as a page);\n"
    "                        rules list: text (default), json, jsonl (every field but examples)\n"
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
    "  --no-decode           do not look for secrets inside base64, hex, percent-encoded and\n"
    "                        escaped text or PEM blocks wrapped in prefixes\n"
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

void ks_cli_usage(FILE *f)
{
    fputs(usage_text, f);
}

int ks_cli_die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "keysift: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return EXIT_ERROR;
}

void ks_cli_options_init(ks_cli_options *o)
{
    memset(o, 0, sizeof *o);
    o->fail_on = KS_SEV_LOW;
    o->color = -1;
    o->max_file_size = 256ull << 20;
    o->limits = ks_unpack_limits_default();
}

void ks_cli_options_dispose(ks_cli_options *o)
{
    free(o->rule_paths);
    free(o->excludes);
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

/* Options of the scan itself. Returns 1 when `c` is not one of them,
 * 0 when set, or an exit status. */
static int scan_option(ks_cli_options *o, int c, const char *arg)
{
    switch (c) {
    case 'o':
        o->output = arg;
        return 0;
    case 'q':
        o->quiet = true;
        return 0;
    case 'j': {
        char *end;
        long v = strtol(arg, &end, 10);
        if (*end || v < 1 || v > 1024)
            return ks_cli_die("--threads: '%s' is not a number of threads (1-1024)", arg);
        o->threads = (unsigned)v;
        return 0;
    }
    case OPT_ALL_OBJECTS:
        o->all_objects = true;
        return 0;
    case OPT_BASELINE:
        o->baseline = arg;
        return 0;
    case OPT_CACHE_DIR:
        o->cache_dir = arg;
        return 0;
    case OPT_CONFIG:
        o->config = arg;
        return 0;
    case OPT_FORCE:
        o->force = true;
        return 0;
    case OPT_GIT:
        o->git = true;
        return 0;
    case OPT_RANGE:
        o->range = arg;
        o->git = true;
        return 0;
    case OPT_STAGED:
        o->staged = true;
        return 0;
    case OPT_NO_CACHE:
        o->no_cache = true;
        return 0;
    case OPT_RULES:
        push_str(&o->rule_paths, &o->nrule_paths, (char *)(uintptr_t)arg);
        return 0;
    case OPT_SHOW_SECRETS:
        o->show_secrets = true;
        return 0;
    case OPT_STRICT:
        o->strict = true;
        return 0;
    case OPT_EXCLUDE:
        push_str(&o->excludes, &o->nexcludes, (char *)(uintptr_t)arg);
        return 0;
    }
    return 1;
}

/* Options whose value is checked: formats, levels, sizes and budgets. */
static int value_option(ks_cli_options *o, int c, const char *arg)
{
    uint64_t v;
    switch (c) {
    case OPT_COLOR:
        if (strcmp(arg, "auto") == 0)
            o->color = -1;
        else if (strcmp(arg, "always") == 0)
            o->color = 1;
        else if (strcmp(arg, "never") == 0)
            o->color = 0;
        else
            return ks_cli_die("--color: '%s' is not auto, always or never", arg);
        return 0;
    case OPT_FAIL_ON:
        if ((o->fail_on = ks_severity_parse(arg)) == KS_SEV_NONE)
            return ks_cli_die("--fail-on: '%s' is not low, medium, high or critical", arg);
        return 0;
    case OPT_FORMAT:
        if (!ks_reporter_find(arg))
            return ks_cli_die("--format: '%s' is not one of %s", arg, ks_reporter_names());
        o->format = arg;
        return 0;
    case OPT_MAX_FILE_SIZE:
        if (parse_size(arg, &o->max_file_size) != 0)
            return ks_cli_die("--max-file-size: '%s' is not a size (e.g. 100M)", arg);
        o->max_file_size_set = true;
        return 0;
    case OPT_MAX_DEPTH:
        if (parse_count(arg, &v) != 0 || v > 1000)
            return ks_cli_die("--max-depth: '%s' is not a number from 0 to 1000", arg);
        o->limits.max_depth = (unsigned)v;
        return 0;
    case OPT_MAX_ENTRIES:
        if (parse_count(arg, &o->limits.max_entries) != 0)
            return ks_cli_die("--max-entries: '%s' is not a number (0 = no limit)", arg);
        return 0;
    case OPT_MAX_EXPANDED:
        if (parse_size(arg, &o->limits.max_expanded) != 0)
            return ks_cli_die("--max-expanded: '%s' is not a size (e.g. 4G; 0 = no limit)", arg);
        return 0;
    case OPT_MAX_RATIO:
        if (parse_count(arg, &o->limits.max_ratio) != 0)
            return ks_cli_die("--max-ratio: '%s' is not a number (0 = no limit)", arg);
        return 0;
    case OPT_NO_DECODE:
        o->no_decode = true;
        return 0;
    case OPT_NO_UNPACK:
        o->limits.no_unpack = true;
        return 0;
    case OPT_SUPPORT_UNTIL:
        if ((o->support_until = ks_parse_date(arg)) < 0)
            return ks_cli_die("--support-until: '%s' is not a date (YYYY-MM-DD)", arg);
        return 0;
    }
    return 1;
}

int ks_cli_parse(int argc, char **argv, ks_cli_options *o)
{
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "ho:qj:", long_options, NULL)) != -1) {
        if (c == 'h') {
            ks_cli_usage(stdout);
            return 0;
        }
        if (c == OPT_VERSION) {
            printf("keysift %s\n", KS_VERSION);
            return 0;
        }
        int rc = scan_option(o, c, optarg);
        if (rc == 1)
            rc = value_option(o, c, optarg);
        if (rc == 1) {
            fprintf(stderr, "Try 'keysift --help'.\n");
            return EXIT_ERROR;
        }
        if (rc)
            return rc;
    }
    return -1;
}
