/*
 * scan.h - keysift as a library: one call runs a scan.
 *
 *     ks_scan_request req;
 *     ks_scan_request_init(&req);
 *     req.paths = paths;
 *     req.npaths = n;
 *     ks_results res;
 *     if (ks_scan_run(&req, &res) != 0)
 *         fprintf(stderr, "%s\n", ks_error_msg());
 *     else
 *         ... res.findings[0 .. res.nfindings) ...
 *     ks_results_dispose(&res);
 *
 * The order of a scan, written down once (scan.c): the configuration
 * (.keysift.yaml), the rules, the engine, the source, the pipeline over
 * the source's blobs, then the findings steps (findings.h): provenance,
 * known secrets, context, keys and certificates, order, allowlist and
 * baseline; last, the guidance and what was scanned, for the reports.
 * Reporters (report/report.h) turn the results into output.
 */
#ifndef KS_SCAN_H
#define KS_SCAN_H

#include "engine/engine.h"
#include "findings/findings.h"
#include "pipeline/pipeline.h"

typedef enum ks_scan_source {
    KS_SCAN_FILES = 0, /* files and directories ("-": standard input) */
    KS_SCAN_GIT,       /* a repository's history, or a range of it */
    KS_SCAN_STAGED,    /* what the next commit would add */
} ks_scan_source;

typedef struct ks_scan_request {
    /* What to scan. */
    ks_scan_source source;
    char *const *paths; /* files and directories; git: the repository; none: "." */
    size_t npaths;
    const char *range; /* KS_SCAN_GIT: "BASE..HEAD", NULL: the whole history */
    bool all_objects;  /* KS_SCAN_GIT: also unreachable and dangling objects */

    /* Rules: the built-in ones and these files, or the caller's own set. */
    char *const *rule_paths;
    size_t nrule_paths;
    const ks_ruleset *rules; /* borrowed; used as it is (the configuration's
                              * rules, disables and severities do not apply) */
    const ks_engine *engine; /* borrowed, compiled from `rules`; NULL: compiled here */
    const char *cache_dir;   /* compiled-database cache; NULL: the default */
    bool no_cache;

    /* The project configuration; NULL: .keysift.yaml at the scan root. */
    const char *config_path;
    /* A gitleaks / Betterleaks configuration; NULL: $GITLEAKS_CONFIG, else
     * .gitleaks.toml, gitleaks.toml or .betterleaks.toml at the scan root
     * (gitleaks.h). Not read when `rules` is given. */
    const char *gitleaks_config;

    /* The walk and its budgets. */
    char *const *excludes;
    size_t nexcludes;
    unsigned threads; /* 0: every core */
    uint64_t max_file_size;
    bool max_file_size_default; /* not given: files named on the command line are exempt */
    ks_unpack_limits limits;
    size_t chunk_size; /* bytes per read; 0: the default */
    bool no_decode;    /* no decoding stage (base64, hex, ... and wrapped PEM) */

    /* Judging findings. */
    int64_t support_until;     /* end of support (CRA Art. 13); 0: the configuration's */
    const char *baseline_path; /* findings it accepts are suppressed */

    /* Reporting. */
    bool show_secrets;
    bool quiet;    /* no warnings on stderr (still counted) */
    bool progress; /* a progress line on stderr */
    bool targets;  /* record what was scanned with digests (evidence reports) */
    ks_severity fail_on; /* the gate, recorded for the evidence report */
} ks_scan_request;

/* Defaults: the current directory, built-in rules, every core, the
 * default size limit and unpacking budgets. */
void ks_scan_request_init(ks_scan_request *req);

/* Run the scan. On success `res` holds the findings, the inventory, the
 * suppressions, the diagnostics and the summary, and owns what it points
 * into (the ruleset, the guidance): release it with ks_results_dispose.
 * An error that stops the scan (a bad request, configuration or rule, a
 * path that does not exist, not a repository) returns non-zero with a
 * one-line message (ks_error_msg) and leaves `res` empty. */
int ks_scan_run(const ks_scan_request *req, ks_results *res);

/* The default cache directory of compiled databases ($KEYSIFT_CACHE_DIR,
 * $XDG_CACHE_HOME/keysift, ~/.cache/keysift), or NULL; a new string. */
char *ks_default_cache_dir(void);

#endif
