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
    OPT_GITLEAKS_CONFIG,
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

#define SCAN (KS_CMD_SCAN | KS_CMD_BASELINE) /* what a scan takes, and so a baseline */
#define RULES (KS_CMD_RULES_LIST | KS_CMD_RULES_TEST)
static const char UNPACKING[] = "Unpacking (archives, file systems, compressed streams, ELF)";

/* Every option, sorted by long name: the one description of each (see
 * ks_cli_option in cli.h). */
const ks_cli_option ks_cli_option_table[] = {
    {"all-objects", 0, OPT_ALL_OBJECTS, KS_ARG_NONE, NULL, SCAN, NULL,
     "with --git: also unreachable and dangling objects"},
    {"baseline", 0, OPT_BASELINE, KS_ARG_FILE, "FILE", KS_CMD_SCAN, NULL,
     "report only findings not accepted in FILE (see baseline create)"},
    {"cache-dir", 0, OPT_CACHE_DIR, KS_ARG_DIR, "DIR", SCAN | KS_CMD_RULES_TEST, NULL,
     "where the compiled rule database is cached (default $KEYSIFT_CACHE_DIR,\n"
     "else $XDG_CACHE_HOME/keysift, else ~/.cache/keysift)"},
    {"color", 0, OPT_COLOR, KS_ARG_ENUM, "WHEN", KS_CMD_SCAN, NULL,
     "colour in text output (default auto: when stdout is a terminal)"},
    {"config", 0, OPT_CONFIG, KS_ARG_FILE, "FILE", SCAN, NULL,
     "project configuration (default: .keysift.yaml at the scan root)"},
    {"exclude", 0, OPT_EXCLUDE, KS_ARG_TEXT, "GLOB", SCAN, UNPACKING,
     "skip paths matching GLOB (repeatable); a glob without '/' matches\n"
     "the base name, one with '/' the path relative to the scan root"},
    {"fail-on", 0, OPT_FAIL_ON, KS_ARG_ENUM, "SEV", KS_CMD_SCAN | KS_CMD_DIFF, NULL,
     "exit 1 only for findings at or above SEV (default low); diff: for\n"
     "new findings at or above SEV"},
    {"force", 0, OPT_FORCE, KS_ARG_NONE, NULL, KS_CMD_HOOK, NULL,
     "hook install: replace a pre-commit hook that is not keysift's"},
    {"format", 0, OPT_FORMAT, KS_ARG_ENUM, "FMT", KS_CMD_SCAN | KS_CMD_RULES_LIST | KS_CMD_DIFF,
     NULL,
     "the report's format (default text): cyclonedx is the bill of\n"
     "materials of keys and certificates (CBOM), cra the evidence report in\n"
     "Markdown, html the same as a page; rules list: every field but the\n"
     "examples in json or jsonl; diff: text or json"},
    {"git", 0, OPT_GIT, KS_ARG_NONE, NULL, SCAN, NULL,
     "scan the history: each unique blob reachable from any ref, once"},
    {"gitleaks-config", 0, OPT_GITLEAKS_CONFIG, KS_ARG_FILE, "FILE", SCAN, NULL,
     "a gitleaks or Betterleaks configuration (default: $GITLEAKS_CONFIG,\n"
     "else .gitleaks.toml, gitleaks.toml or .betterleaks.toml at the scan root)"},
    {"help", 'h', 'h', KS_ARG_NONE, NULL, KS_CMD_ALL, NULL, "print this help and exit"},
    {"max-depth", 0, OPT_MAX_DEPTH, KS_ARG_TEXT, "N", SCAN, UNPACKING,
     "containers inside containers (default 16)"},
    {"max-entries", 0, OPT_MAX_ENTRIES, KS_ARG_TEXT, "N", SCAN, UNPACKING,
     "entries read from one archive or file system (default 1000000)"},
    {"max-expanded", 0, OPT_MAX_EXPANDED, KS_ARG_TEXT, "SIZE", SCAN, UNPACKING,
     "bytes decoded from one input (default 8G)"},
    {"max-file-size", 0, OPT_MAX_FILE_SIZE, KS_ARG_TEXT, "SIZE", SCAN, NULL,
     "skip files larger than SIZE (default 256M; K, M, G suffixes;\n"
     "0 = no limit); skipped files are warnings. The default does\n"
     "not apply to files named on the command line"},
    {"max-ratio", 0, OPT_MAX_RATIO, KS_ARG_TEXT, "N", SCAN, UNPACKING,
     "a stream may expand to N times its size past 64M (default 200)"},
    {"no-cache", 0, OPT_NO_CACHE, KS_ARG_NONE, NULL, SCAN | KS_CMD_RULES_TEST, NULL,
     "do not read or write the compiled-rule cache"},
    {"no-decode", 0, OPT_NO_DECODE, KS_ARG_NONE, NULL, SCAN, UNPACKING,
     "do not look for secrets inside base64, hex, percent-encoded and\n"
     "escaped text or PEM blocks wrapped in prefixes"},
    {"no-unpack", 0, OPT_NO_UNPACK, KS_ARG_NONE, NULL, SCAN, UNPACKING,
     "scan every input as the bytes it is"},
    {"output", 'o', 'o', KS_ARG_FILE, "FILE", SCAN | KS_CMD_BASELINE_IMPORT | KS_CMD_DIFF, NULL,
     "write the report to FILE (atomically) instead of stdout"},
    {"quiet", 'q', 'q', KS_ARG_NONE, NULL, SCAN | KS_CMD_RULES_TEST, NULL,
     "no warnings or progress on stderr, no summary in text output"},
    {"range", 0, OPT_RANGE, KS_ARG_TEXT, "BASE..HEAD", SCAN, NULL,
     "with --git: blobs the range introduces, minus secrets in BASE"},
    {"rules", 0, OPT_RULES, KS_ARG_PATH, "FILE|DIR", SCAN | RULES, NULL,
     "add rule files (repeatable); a rule with a built-in id replaces it"},
    {"show-secrets", 0, OPT_SHOW_SECRETS, KS_ARG_NONE, NULL, KS_CMD_SCAN | KS_CMD_DIFF, NULL,
     "print secrets in full (default: redacted in every format)"},
    {"staged", 0, OPT_STAGED, KS_ARG_NONE, NULL, SCAN, NULL,
     "the index against HEAD: only secrets on added lines"},
    {"strict", 0, OPT_STRICT, KS_ARG_NONE, NULL, KS_CMD_SCAN, UNPACKING,
     "exit 2 when any file could not be read"},
    {"support-until", 0, OPT_SUPPORT_UNTIL, KS_ARG_TEXT, "DATE", SCAN, NULL,
     "end of the product's support period (YYYY-MM-DD): certificates\n"
     "that expire before it are findings"},
    {"threads", 'j', 'j', KS_ARG_TEXT, "N", SCAN, NULL, "worker threads (default: all cores)"},
    {"version", 0, OPT_VERSION, KS_ARG_NONE, NULL, KS_CMD_ALL, NULL,
     "print the version, the commit and the libraries' versions, and exit"},
    {NULL, 0, 0, KS_ARG_NONE, NULL, 0, NULL, NULL},
};

const ks_cli_usage_line ks_cli_usage_table[] = {
    {KS_CMD_SCAN, "scan", "[OPTIONS] [PATH...]", "scan files and directories ('-' = stdin)"},
    {KS_CMD_SCAN, "scan", "--git [OPTIONS] [REPO]",
     "every blob in the history of a git repository"},
    {KS_CMD_SCAN, "scan", "--git --range BASE..HEAD [REPO]",
     "what the commits of a range add (CI)"},
    {KS_CMD_SCAN, "scan", "--staged [REPO]", "the lines this commit adds (pre-commit hook)"},
    {KS_CMD_DIFF, "diff", "[--format FMT] OLD.json NEW.json",
     "new, removed and still present findings of two reports"},
    {KS_CMD_HOOK, "hook install", "[--force] [REPO]", "install the pre-commit hook"},
    {KS_CMD_BASELINE, "baseline create", "-o FILE [OPTIONS] [PATH...]",
     "accept the current findings"},
    {KS_CMD_BASELINE_IMPORT, "baseline import-gitleaks", "-o FILE REPORT.json",
     "a baseline from a gitleaks JSON report"},
    {KS_CMD_RULES_LIST, "rules list", "[--format FMT] [--rules PATH]", "list the rules"},
    {KS_CMD_RULES_TEST, "rules test", "[--rules PATH]", "check every rule against its examples"},
    {0, NULL, NULL, NULL},
};

static const char *const colors[] = {"auto", "always", "never"};
static const char *const rule_formats[] = {"text", "json", "jsonl"};
static const char *const diff_formats[] = {"text", "json"};

size_t ks_cli_option_values(const ks_cli_option *opt, unsigned command, const char **out,
                            size_t cap)
{
    size_t n = 0;
    const char *v;
    switch (opt->id) {
    case OPT_COLOR:
        for (; n < sizeof colors / sizeof colors[0]; n++)
            if (n < cap)
                out[n] = colors[n];
        return n;
    case OPT_FAIL_ON:
        for (int s = KS_SEV_LOW; s <= KS_SEV_CRITICAL; s++, n++)
            if (n < cap)
                out[n] = ks_severity_name((ks_severity)s);
        return n;
    case OPT_FORMAT:
        if (command == KS_CMD_RULES_LIST) {
            for (; n < sizeof rule_formats / sizeof rule_formats[0]; n++)
                if (n < cap)
                    out[n] = rule_formats[n];
            return n;
        }
        if (command == KS_CMD_DIFF) {
            for (; n < sizeof diff_formats / sizeof diff_formats[0]; n++)
                if (n < cap)
                    out[n] = diff_formats[n];
            return n;
        }
        for (; (v = ks_reporter_name_at(n)); n++)
            if (n < cap)
                out[n] = v;
        return n;
    }
    return 0;
}

/* --help: the usage lines, then each group of options with its help; an
 * option with a fixed set of values lists them. */
static void print_option(FILE *f, const ks_cli_option *opt)
{
    char head[64];
    const char *vals[16];
    int w = opt->short_name ? snprintf(head, sizeof head, "-%c, --%s", opt->short_name, opt->name)
                            : snprintf(head, sizeof head, "--%s", opt->name);
    if (opt->metavar && w > 0 && (size_t)w < sizeof head)
        snprintf(head + w, sizeof head - (size_t)w, " %s", opt->metavar);
    fprintf(f, "  %-20s  ", head);
    for (const char *p = opt->help; *p; p++) {
        fputc(*p, f);
        if (*p == '\n')
            fprintf(f, "%24s", "");
    }
    fputc('\n', f);
    size_t n = ks_cli_option_values(opt, KS_CMD_SCAN, vals, 16);
    for (size_t i = 0; i < n && i < 16; i++) {
        if (i == 0)
            fprintf(f, "%24s%s:", "", opt->metavar);
        fprintf(f, "%s %s", i ? "," : "", vals[i]);
    }
    if (n)
        fputc('\n', f);
}

void ks_cli_usage(FILE *f)
{
    for (const ks_cli_usage_line *u = ks_cli_usage_table; u->words; u++) {
        char line[96];
        int w = snprintf(line, sizeof line, "keysift %s %s", u->words, u->synopsis);
        fprintf(f, "%s %s", u == ks_cli_usage_table ? "usage:" : "      ", line);
        if (w > 40) /* the summary on a line of its own */
            fprintf(f, "\n%49s%s\n", "", u->summary);
        else
            fprintf(f, "%*s%s\n", 42 - w, "", u->summary);
    }
    fprintf(f, "       keysift --version | --help\n");
    for (int pass = 0; pass < 2; pass++) {
        fprintf(f, "\n%s:\n", pass == 0 ? "Options" : UNPACKING);
        for (const ks_cli_option *opt = ks_cli_option_table; opt->name; opt++)
            if ((opt->group != NULL) == (pass == 1))
                print_option(f, opt);
    }
    fprintf(f, "\nExit status: 0 no findings at or above --fail-on, 1 findings, 2 error.\n"
               "The manual: man keysift.\n");
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
    case OPT_GITLEAKS_CONFIG:
        o->gitleaks_config = arg;
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

/* getopt_long's tables, from ks_cli_option_table. */
static void getopt_tables(struct option *longs, char *shorts, size_t cap)
{
    size_t n = 0, ns = 0;
    for (const ks_cli_option *opt = ks_cli_option_table; opt->name && n + 1 < KS_CLI_MAX_OPTIONS;
         opt++, n++) {
        int has_arg = opt->arg == KS_ARG_NONE ? no_argument : required_argument;
        longs[n] = (struct option){opt->name, has_arg, NULL, opt->id};
        if (opt->short_name && ns + 3 < cap) {
            shorts[ns++] = opt->short_name;
            if (has_arg == required_argument)
                shorts[ns++] = ':';
        }
    }
    longs[n] = (struct option){NULL, 0, NULL, 0};
    shorts[ns] = '\0';
}

int ks_cli_parse(int argc, char **argv, ks_cli_options *o)
{
    int c;
    struct option longs[KS_CLI_MAX_OPTIONS];
    char shorts[2 * KS_CLI_MAX_OPTIONS + 1];
    getopt_tables(longs, shorts, sizeof shorts);
    optind = 1;
    while ((c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
        if (c == 'h') {
            ks_cli_usage(stdout);
            return 0;
        }
        if (c == OPT_VERSION)
            return ks_cli_version();
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
