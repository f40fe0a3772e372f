/*
 * report.h - reporters: findings and summary out, in one format each.
 *
 * Reporters see only ks_results (findings already merged and redacted, the
 * ruleset for names and remediation); never blob memory, never sources.
 */
#ifndef KS_REPORT_H
#define KS_REPORT_H

#include "../findings/findings.h"

#include <stdio.h>

typedef struct ks_report_opts {
    bool color;
} ks_report_opts;

typedef struct ks_reporter {
    const char *name;
    int (*write)(FILE *f, const ks_results *res, const ks_report_opts *opts);
    /* The report shows what was scanned, with digests (ks_scan_request.targets). */
    bool targets;
} ks_reporter;

/* The reporter for a --format name, or NULL. */
const ks_reporter *ks_reporter_find(const char *name);
/* Comma-separated list of format names, for help and errors. */
const char *ks_reporter_names(void);
/* The i-th format name, text (the default) first, the others in table
 * order; NULL past the last (for the man page and shell completions). */
const char *ks_reporter_name_at(size_t i);

int ks_report_text(FILE *f, const ks_results *res, const ks_report_opts *opts);
int ks_report_json(FILE *f, const ks_results *res, const ks_report_opts *opts);
int ks_report_jsonl(FILE *f, const ks_results *res, const ks_report_opts *opts);
int ks_report_sarif(FILE *f, const ks_results *res, const ks_report_opts *opts);
int ks_report_cra(FILE *f, const ks_results *res, const ks_report_opts *opts);
int ks_report_cyclonedx(FILE *f, const ks_results *res, const ks_report_opts *opts);
int ks_report_html(FILE *f, const ks_results *res, const ks_report_opts *opts);

/* A JSON string for text from files or paths, which may not be UTF-8:
 * what jansson would refuse is escaped (\xNN) rather than lost. NULL
 * gives JSON null. Declared with jansson's type to keep jansson out of the
 * other reporters. */
struct json_t;
struct json_t *ks_report_json_string(const char *s);
/* Write a JSON document (ASCII-escaped, `indent` spaces or compact when 0),
 * then a newline, and release it; `what` names the output in the error. */
int ks_report_json_write(FILE *f, struct json_t *doc, int indent, const char *what);

/* Write a report to `path` atomically (temporary file in the same
 * directory, then rename): a failed scan never leaves half a report. A
 * path of NULL or "-" writes to stdout. */
int ks_report_to_path(const ks_reporter *r, const char *path, const ks_results *res,
                      const ks_report_opts *opts);

#endif
