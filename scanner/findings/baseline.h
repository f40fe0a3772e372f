/*
 * baseline.h - accepted findings, recorded by fingerprint.
 *
 * A baseline file is JSON: {"version": 1, "entries": [{"fingerprint",
 * "rule_id", "reason", "owner", "expires"}]}, sorted by fingerprint. It
 * holds no secret and no line number, so it does not churn when code moves
 * and merges without conflicts. An entry whose `expires` date (YYYY-MM-DD)
 * has passed stops suppressing.
 */
#ifndef KS_BASELINE_H
#define KS_BASELINE_H

#include "findings.h"

typedef struct ks_baseline_entry {
    char fingerprint[33];
    char *rule_id;
    char *reason;
    char *owner;
    char expires[11]; /* "" when the entry does not expire */
    /* The entry accepts its secret whichever rule finds it ("match":
     * "secret": imported from another scanner's report, whose rule ids are
     * not keysift's); its fingerprint is ks_fingerprint(KS_ANY_RULE, ...). */
    bool any_rule;
} ks_baseline_entry;

#define KS_ANY_RULE "*"

typedef struct ks_baseline {
    ks_baseline_entry *v;
    size_t n;
    bool any_rule; /* some entry is any_rule */
} ks_baseline;

/* Load a baseline; errors name the file, line and what is wrong. */
int ks_baseline_load(ks_baseline *b, const char *path);
void ks_baseline_dispose(ks_baseline *b);

/* The baseline as an acceptor (ks_results_accept): its entries that have
 * not expired on `today` (YYYY-MM-DD). */
typedef struct ks_baseline_check {
    const ks_baseline *b;
    char today[11];
} ks_baseline_check;
bool ks_baseline_accepts(void *check, const ks_finding *f, ks_acceptance *why);

/* Write the findings of `res` as a baseline to `path` (atomically), keeping
 * the reason, owner and expiry of entries `old` already had. */
int ks_baseline_write(const ks_results *res, const ks_baseline *old, const char *path);

/* Write a baseline to `path` from a gitleaks JSON report (an array of
 * findings with RuleID and Secret, as `gitleaks --report-format json`
 * writes it): each entry is the fingerprint keysift gives (RuleID, Secret),
 * which the findings of a gitleaks configuration's rule of that id have.
 * *count: the entries written. */
int ks_baseline_import_gitleaks(const char *report, const char *path, size_t *count);

#endif
