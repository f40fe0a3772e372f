/*
 * findings.h - from matches to findings.
 *
 * A hit is one confirmed match at one place, made by a worker thread and
 * owned by that worker's hit list. A finding is (rule, secret): every hit
 * with the same fingerprint becomes one finding with several locations.
 * Hits cross threads only when the scan is over (ks_results_merge), so
 * nothing here takes a lock.
 */
#ifndef KS_FINDINGS_H
#define KS_FINDINGS_H

#include "../engine/rules.h"

/* Where in a repository's history a location comes from (git sources). */
typedef struct ks_provenance {
    char blob[41];    /* object id of the blob scanned */
    char commit[41];  /* commit that introduced the blob at this path; "" if none */
    char *author;     /* "Name <email>" */
    int64_t time;     /* author time, seconds since the epoch */
    char *summary;    /* first line of the commit message */
    bool at_head;     /* this blob is at this path in HEAD's tree */
    bool unreachable; /* reached only through --all-objects */
} ks_provenance;

/* One link of an origin chain, and where the secret sits in it. */
typedef struct ks_chain_link {
    char *name;      /* as rendered, with the separator before it ("!.rodata") */
    uint64_t offset; /* the secret's offset in this blob; KS_NO_OFFSET past a decoder */
} ks_chain_link;

/* Where a location is inside a decoded or binary blob. */
typedef struct ks_binloc {
    ks_chain_link *chain; /* root first; the last link is the blob scanned */
    size_t nchain;
    uint64_t file_offset; /* in the innermost file (the root or an archive member) */
    bool has_vaddr;
    uint64_t vaddr;
    char *symbol; /* nearest symbol (ELF), or NULL */
    uint64_t symbol_delta;
    const char *encoding; /* "utf-16le" when decoded from UTF-16, else NULL (static) */
    bool strings;         /* found in a binary's strings: line and column are 0 */
} ks_binloc;

typedef struct ks_location {
    char *path; /* origin chain as text */
    uint64_t line, column, offset; /* offset: in the blob scanned (the last link) */
    char *snippet;       /* the line, secret masked unless --show-secrets */
    ks_provenance *prov; /* NULL outside git sources */
    ks_binloc *bin;      /* NULL for text files read as they are */
} ks_location;

typedef struct ks_hit {
    uint32_t rule;
    uint8_t fp[16];
    uint8_t *secret;
    size_t secret_len;
    ks_confidence confidence;
    uint32_t checks; /* KS_CHECK_* from the engine */
    ks_location loc;
} ks_hit;

typedef struct ks_hitlist {
    ks_hit *v;
    size_t n, cap;
} ks_hitlist;

/* A place that changes what a finding means: an SSH host key in an image
 * is the identity of every device built from it. Static table
 * (findings.c); `id` is stable, `note` is for people. */
typedef struct ks_context {
    const char *id;
    const char *kind; /* the rule kind it applies to */
    const char *paths[3]; /* a location whose path contains one of these */
    const char *note;
} ks_context;

typedef struct ks_finding {
    uint32_t rule;
    char fingerprint[33];
    uint8_t *secret;
    size_t secret_len;
    char *redacted;
    ks_confidence confidence;
    uint32_t checks;
    ks_location *locs;
    size_t nlocs;
    int present_at_head; /* git: 1 still in HEAD's tree, 0 only in history; -1 not git */
    const ks_context *context; /* where it was found changes what it means, or NULL */
    struct ks_crypto *crypto;  /* the key or certificate it is, read by OpenSSL (crypto.h) */
    /* The value shown is public, not a secret (a finding about a weak
     * certificate shows what the certificate is): not redacted. */
    bool public_value;
} ks_finding;



typedef struct ks_diag {
    char *path;
    char *message;
} ks_diag;

typedef struct ks_summary {
    uint64_t files;     /* files (blobs) scanned */
    uint64_t bytes;     /* bytes scanned */
    uint64_t skipped;   /* not scanned: too large, special files, symlinks */
    uint64_t excluded;  /* excluded by --exclude or default excludes */
    uint64_t warnings;  /* unreadable files and other diagnostics */
    uint64_t allowed;   /* matches accepted by an inline keysift:allow comment */
    uint64_t baselined; /* findings accepted by the --baseline file */
    uint64_t containers;   /* containers unpacked (archives, images, streams, ELF) */
    uint64_t not_unpacked; /* regions recognised but not read (see the warnings) */
    uint64_t budget_hits;  /* unpacking stopped by a budget (see the warnings) */
    double elapsed_s;
    unsigned threads;
    size_t rules;
} ks_summary;

struct ks_guidance_set;

/* A finding accepted by the baseline or the configuration's allowlist, and
 * why (for the evidence report). */
typedef struct ks_suppression {
    char fingerprint[33];
    char *rule_id;
    char *where;     /* the first location's path */
    const char *how; /* static: "baseline", "allowlist" */
    char *reason, *owner;
    char expires[11];
} ks_suppression;

typedef struct ks_results {
    const ks_ruleset *rs;
    const struct ks_guidance_set *guidance; /* per kind; NULL when not loaded */
    ks_finding *findings;
    size_t nfindings;
    ks_diag *diags;
    size_t ndiags, diagcap;
    ks_summary sum;
    bool show_secrets;
    char ruleset_digest[65];
    char *source; /* what was scanned, for reports ("git history of ...") */
    /* For the CRA evidence report: the gate, and what was scanned. */
    ks_severity fail_on;
    ks_suppression *suppressed;
    size_t nsuppressed;
    /* Certificates and public keys found (rules marked `inventory`). */
    ks_finding *inventory;
    size_t ninventory;
    int64_t now;           /* the time the facts were judged at */
    int64_t support_until; /* end of the product's support period; 0: not given */
    char **targets;       /* paths given (or the repository) */
    char **target_digest; /* "sha256:<hex>" of a regular file, a git commit id, or NULL */
    size_t ntargets;
} ks_results;

/* Fingerprint of (rule id, normalised secret): 16 bytes of SHA-256. */
void ks_fingerprint(uint8_t out[16], const char *rule_id, const uint8_t *secret, size_t len);

/* Redacted form shown instead of a secret: a short prefix and an ellipsis.
 * Returns a new string. */
char *ks_redact(const uint8_t *secret, size_t len);
/* Printable form of bytes: non-printable bytes as \xNN. New string. */
char *ks_printable(const uint8_t *s, size_t len);

void ks_hitlist_dispose(ks_hitlist *l);

/* Move every hit of `lists` into findings (grouped by fingerprint, sorted
 * by severity then path), leaving the lists empty. */
void ks_results_merge(ks_results *res, ks_hitlist *lists, size_t nlists);
void ks_results_dispose(ks_results *res);
/* Sort findings: severity, then first location. Sources that rewrite
 * locations after the merge call it again. */
void ks_results_sort(ks_results *res);
void ks_location_dispose(ks_location *l);
/* Deep copy (sources that give one location several provenances). */
void ks_location_copy(ks_location *dst, const ks_location *src);
/* Replace the root of a location's origin (the first `old_len` bytes of
 * its path, a source's placeholder such as "blob:<id>") with `root`. */
void ks_location_set_root(ks_location *l, size_t old_len, const char *root);
/* Free what a finding owns (sources that drop findings in `finish`). */
void ks_finding_dispose(ks_finding *f);
/* A list of diagnostics, for sources that collect them before the scan
 * and hand them to the results in their finish step. */
typedef struct ks_diags {
    ks_diag *v;
    size_t n, cap;
} ks_diags;
void ks_diags_add(ks_diags *d, const char *path, const char *msg);
/* Move every diagnostic of d into the results (d is left empty). */
void ks_diags_move(ks_diags *d, ks_results *res);
void ks_diags_dispose(ks_diags *d);

/* Record that finding f is accepted (`how`: "baseline", "allowlist"). */
void ks_results_suppress(ks_results *res, const ks_finding *f, const char *how, const char *reason,
                         const char *owner, const char *expires);

/* Record a diagnostic in the results (single-threaded phases only). */
void ks_results_diag(ks_results *res, const char *path, const char *msg);

/* Highest severity among findings (KS_SEV_NONE when there are none). */
ks_severity ks_results_max_severity(const ks_results *res);

/* Attach contexts to findings, from their kind and locations. */
void ks_results_context(ks_results *res);

#endif
