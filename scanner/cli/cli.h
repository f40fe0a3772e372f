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
    int64_t support_until; /* --support-until DATE; 0: not given */
} ks_cli_options;

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
int ks_cli_rules_list(ks_cli_options *o);
int ks_cli_rules_test(ks_cli_options *o);
int ks_cli_hook_install(ks_cli_options *o, const char *repo);

#endif
