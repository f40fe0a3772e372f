/*
 * cmd_scan.c - `keysift scan` and `keysift baseline create`: a request
 * from the options, one library call, a reporter from the table, and the
 * exit status.
 */
#include "cli.h"

#include "../findings/baseline.h"
#include "../report/report.h"
#include "../scan.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void make_request(const ks_cli_options *o, char **paths, size_t npaths,
                         const ks_reporter *rep, ks_scan_request *r)
{
    ks_scan_request_init(r);
    r->source = o->git ? KS_SCAN_GIT : o->staged ? KS_SCAN_STAGED : KS_SCAN_FILES;
    r->paths = paths;
    r->npaths = npaths;
    r->range = o->range;
    r->all_objects = o->all_objects;
    r->rule_paths = o->rule_paths;
    r->nrule_paths = o->nrule_paths;
    r->cache_dir = o->cache_dir;
    r->no_cache = o->no_cache;
    r->config_path = o->config;
    r->gitleaks_config = o->gitleaks_config;
    r->excludes = o->excludes;
    r->nexcludes = o->nexcludes;
    r->threads = o->threads;
    r->max_file_size = o->max_file_size;
    r->max_file_size_default = !o->max_file_size_set;
    r->limits = o->limits;
    r->support_until = o->support_until;
    r->baseline_path = o->baseline;
    r->show_secrets = o->show_secrets;
    r->no_decode = o->no_decode;
    r->quiet = o->quiet;
    r->progress = !o->quiet && isatty(STDERR_FILENO);
    r->targets = rep && rep->targets;
    r->fail_on = o->fail_on;
}

static int run(const ks_cli_options *o, char **paths, size_t npaths, const ks_reporter *rep,
               ks_results *res)
{
    ks_scan_request req;
    if (o->git && o->staged)
        return ks_cli_die("--git and --staged are different scans: choose one");
    make_request(o, paths, npaths, rep, &req);
    if (ks_scan_run(&req, res) != 0)
        return ks_cli_die("%s", ks_error_msg());
    return 0;
}

/* What a pre-commit hook says when it blocks a commit. */
static void staged_advice(size_t n)
{
    fprintf(stderr,
            "keysift: this commit adds %zu secret%s (listed above, with file and line).\n"
            "  Remove %s from the staged files and rotate any secret that was ever pushed or\n"
            "  shared. If a finding is a false alarm or an accepted test value, add a\n"
            "  `keysift:allow` comment on that line. Then `git add` and commit again.\n",
            n, n == 1 ? "" : "s", n == 1 ? "it" : "them");
}

int ks_cli_scan(ks_cli_options *o, char **paths, size_t npaths)
{
    const ks_reporter *rep = ks_reporter_find(o->format ? o->format : "text");
    ks_results res;
    int status = run(o, paths, npaths, rep, &res);
    if (status)
        return status;
    status = EXIT_ERROR;
    ks_report_opts ro = {.color = o->color == 1 ||
                                  (o->color == -1 && !o->output && isatty(STDOUT_FILENO))};
    if (ks_report_to_path(rep, o->output, &res, &ro) != 0) {
        ks_cli_die("%s", ks_error_msg());
        goto done;
    }
    if (o->strict && res.sum.warnings) {
        ks_cli_die("--strict: %llu file(s) could not be scanned completely",
                   (unsigned long long)res.sum.warnings);
        goto done;
    }
    status = ks_results_max_severity(&res) >= o->fail_on && res.nfindings ? EXIT_FINDINGS : 0;
    if (o->staged && status == EXIT_FINDINGS)
        staged_advice(res.nfindings);
done:
    ks_results_dispose(&res);
    return status;
}

int ks_cli_baseline_create(ks_cli_options *o, char **paths, size_t npaths)
{
    if (!o->output || strcmp(o->output, "-") == 0)
        return ks_cli_die("baseline create: give the file to write with -o FILE");
    ks_baseline old = {0};
    if (access(o->output, F_OK) == 0 && ks_baseline_load(&old, o->output) != 0)
        return ks_cli_die("%s", ks_error_msg());
    const char *keep = o->baseline;
    o->baseline = NULL; /* every current finding is written, accepted or not */
    ks_results res;
    int status = run(o, paths, npaths, NULL, &res);
    o->baseline = keep;
    if (status == 0) {
        if (ks_baseline_write(&res, &old, o->output) != 0)
            status = ks_cli_die("%s", ks_error_msg());
        else if (!o->quiet)
            fprintf(stderr, "keysift: baseline of %zu finding%s written to %s\n", res.nfindings,
                    res.nfindings == 1 ? "" : "s", o->output);
        ks_results_dispose(&res);
    }
    ks_baseline_dispose(&old);
    return status;
}

int ks_cli_baseline_import_gitleaks(ks_cli_options *o, const char *report)
{
    if (!o->output || strcmp(o->output, "-") == 0)
        return ks_cli_die("baseline import-gitleaks: give the file to write with -o FILE");
    size_t n = 0;
    if (ks_baseline_import_gitleaks(report, o->output, &n) != 0)
        return ks_cli_die("%s", ks_error_msg());
    if (!o->quiet)
        fprintf(stderr, "keysift: baseline of %zu finding%s from %s written to %s\n", n,
                n == 1 ? "" : "s", report, o->output);
    return 0;
}
