/*
 * cli.h - the command line: options, and one function per command. The
 * commands build a request for the library (scan.h) and hand the results
 * to a reporter; they hold no logic of a scan.
 */
#ifndef KS_CLI_H
#define KS_CLI_H

#include "../pipeline/pipeline.h"

#include <stdio.h>

#define EXIT_FINDINGS 1
#define EXIT_ERROR 2

typedef struct ks_cli_options {
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
    bool show_secrets, quiet, strict, no_cache, no_decode;
    bool git, all_objects, staged, force;
    const char *range;
    const char *baseline;  /* --baseline FILE */
    const char *config;    /* --config FILE */
    const char *gitleaks_config; /* --gitleaks-config FILE */
    int64_t support_until; /* --support-until DATE; 0: not given */
} ks_cli_options;

/* The commands, as bits: which options each takes (for --help, the man
 * page and the shell completions; parsing accepts every option). */
enum {
    KS_CMD_SCAN = 1u << 0,
    KS_CMD_BASELINE = 1u << 1, /* baseline create */
    KS_CMD_RULES_LIST = 1u << 2,
    KS_CMD_RULES_TEST = 1u << 3,
    KS_CMD_HOOK = 1u << 4, /* hook install */
    KS_CMD_BASELINE_IMPORT = 1u << 5, /* baseline import-gitleaks */
    KS_CMD_DIFF = 1u << 6, /* diff OLD.json NEW.json */
    KS_CMD_ALL = (1u << 7) - 1,
};

/* What an option's argument is: what a completion offers for it. */
typedef enum ks_cli_arg {
    KS_ARG_NONE, /* a flag */
    KS_ARG_TEXT, /* a number, size, date, glob, range: nothing to offer */
    KS_ARG_FILE,
    KS_ARG_DIR,
    KS_ARG_PATH, /* a file or a directory */
    KS_ARG_ENUM, /* one of ks_cli_option_values() */
} ks_cli_arg;

/* One option: the table in options.c is the only place options are
 * described. getopt_long's table, --help, the man page and the bash, zsh
 * and fish completions (docgen.c, at build time) are all made from it. */
typedef struct ks_cli_option {
    const char *name; /* long name, without "--" */
    char short_name;  /* 0: none */
    int id;           /* what getopt_long returns for it */
    ks_cli_arg arg;
    const char *metavar; /* "FILE", "N"; NULL for a flag */
    unsigned commands;   /* KS_CMD_* bits */
    const char *group;   /* heading in --help and the man page; NULL: the first */
    const char *help;    /* '\n' breaks the lines of --help; one paragraph in the man page */
} ks_cli_option;

/* A command and one way to call it (a command may have several). */
typedef struct ks_cli_usage_line {
    unsigned command;     /* KS_CMD_* bit */
    const char *words;    /* "rules list" */
    const char *synopsis; /* the rest of the line: "[OPTIONS] [PATH...]" */
    const char *summary;
} ks_cli_usage_line;

/* The tables, each ending with an entry whose name (words) is NULL. The
 * option table holds fewer than KS_CLI_MAX_OPTIONS rows (docgen checks). */
#define KS_CLI_MAX_OPTIONS 64
extern const ks_cli_option ks_cli_option_table[];
extern const ks_cli_usage_line ks_cli_usage_table[];
/* The values a KS_ARG_ENUM option takes under `command` (one KS_CMD_*
 * bit): fills out[0..cap) and returns how many there are. */
size_t ks_cli_option_values(const ks_cli_option *opt, unsigned command, const char **out,
                            size_t cap);

void ks_cli_options_init(ks_cli_options *o);
void ks_cli_options_dispose(ks_cli_options *o);
/* Parse argv[1..argc) (getopt_long; optind says where operands start).
 * Returns -1 to go on, or the exit status (after --help, or an error). */
int ks_cli_parse(int argc, char **argv, ks_cli_options *o);
void ks_cli_usage(FILE *f);
/* "keysift: message" on stderr; returns EXIT_ERROR. */
int ks_cli_die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The commands; each returns the exit status. */
int ks_cli_scan(ks_cli_options *o, char **paths, size_t npaths);
int ks_cli_baseline_create(ks_cli_options *o, char **paths, size_t npaths);
int ks_cli_baseline_import_gitleaks(ks_cli_options *o, const char *report);
int ks_cli_rules_list(ks_cli_options *o);
int ks_cli_rules_test(ks_cli_options *o);
int ks_cli_hook_install(ks_cli_options *o, const char *repo);
/* `keysift diff OLD.json NEW.json`: 1 when NEW has findings OLD has not. */
int ks_cli_diff(ks_cli_options *o, char **paths, size_t npaths);
/* `keysift --version`: keysift, its commit, and the libraries it runs with. */
int ks_cli_version(void);

#endif
