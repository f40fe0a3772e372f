/*
 * diff.h - two keysift JSON reports compared (`keysift diff OLD NEW`).
 *
 * A finding's identity is the one the baseline uses: its fingerprint (a
 * hash of rule id and secret, baseline.h). A finding shared across images
 * (fleet.h) also carries the fingerprints it merged (`shared.merged`: the
 * same key in another form), and matches a finding of the other report by
 * any of them. Each finding of NEW is new or still present; each of OLD
 * that nothing in NEW matches is removed. The reports' own finding objects
 * are kept (borrowed from the documents): the caller prints them.
 */
#ifndef KS_DIFF_H
#define KS_DIFF_H

#include "../core/ks.h"

struct json_t;

typedef struct ks_diff {
    /* Finding objects, borrowed from the documents, in report order. */
    struct json_t **added;   /* in NEW only */
    struct json_t **removed; /* in OLD only */
    struct json_t **present; /* in both (NEW's object) */
    size_t nadded, nremoved, npresent;
} ks_diff;

/* Check that `doc` is a keysift JSON report (an object with a `findings`
 * array whose entries have a 32-hex-digit `fingerprint`); `name` (the
 * file) is in the error message. */
int ks_diff_check_report(const struct json_t *doc, const char *name);

/* Compare two reports already checked. `d` is released with
 * ks_diff_dispose; the documents must outlive it. */
void ks_diff_reports(ks_diff *d, const struct json_t *old_doc, const struct json_t *new_doc);
void ks_diff_dispose(ks_diff *d);

#endif
