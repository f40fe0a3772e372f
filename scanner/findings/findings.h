/*
 * findings.h - from matches to findings: the one place findings are made
 * and rewritten.
 *
 * A hit is one confirmed match at one place, made by a worker thread and
 * owned by that worker's hit list. A finding is (rule, secret): every hit
 * with the same fingerprint becomes one finding with several locations.
 * Hits cross threads only when the scan is over, so nothing here takes a
 * lock.
 *
 * The steps of a scan that make or change findings are functions of this
 * module, and ks_scan_run (scan.c) calls them in this order:
 *   1. ks_results_from_hits     hits grouped into findings by fingerprint
 *   2. ks_results_join          the source's provenance records replace the
 *                               blob keys (git paths and commits; staged:
 *                               only added lines), locations without a
 *                               record and findings without a location go;
 *                               rules with `paths` judged by those paths,
 *                               and one rule kept where such a rule's
 *                               provisional match shares a place with
 *                               another's
 *   3. ks_results_drop_known    secrets the source already had (--range BASE)
 *   4. ks_results_context       where a finding is changes what it means
 *   5. keys (inventory.c)       certificates and public keys leave for the
 *                               inventory, keys are read and linked, weak
 *                               material is added (ks_results_add)
 *   5b. fleet (fleet.c)         with several images: one private key in
 *                               several forms merged, what two images or
 *                               more hold marked shared (ks_shared)
 *   6. ks_results_sort          severity, then first location: once
 *   7. ks_results_accept        the allowlist, then the baseline (the order
 *                               is kept, and so is the order of what they
 *                               suppress); then each image's counts
 *                               (ks_fleet_count)
 * Other parts of keysift read results; none writes findings.
 */
#ifndef KS_FINDINGS_H
#define KS_FINDINGS_H

#include "../core/diag.h"
#include "../engine/rules.h"
#include "../source/provenance.h"

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
    ks_source_key blob_key; /* the blob's key in its source (see provenance.h) */
    size_t root_len;   /* bytes of `path` that name the source's blob */
    uint64_t line, column, offset; /* offset: in the blob scanned (the last link) */
    char *snippet;       /* the line, secret masked unless --show-secrets */
    char *key;           /* the name the secret was assigned to (generic rules), or NULL */
    const char *syntax;  /* how it was written (static: "assignment", "url", ...), or NULL */
    /* The decodings the secret was found through, outermost first
     * (static names: "base64", "hex", ...); none for bytes as they are. */
    const char *encoding[4];
    unsigned nencoding;
    ks_provenance *prov; /* NULL outside git sources */
    /* What the scan's mark function (ks_scan_config.mark) said of the
     * match's bytes, for acceptance by location (gitleaks allowlists). */
    uint64_t marks;
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

/* A secret found in several images (fleet.h): one finding for all. */
typedef struct ks_shared {
    ks_severity severity; /* one level above the rule's */
    size_t *images;       /* indexes into ks_results.images, ascending */
    size_t nimages;
    /* The certificates and public keys of a shared private key, as text
     * ("certificate CN=... at PATH"); none for other secrets. */
    char **matches;
    size_t nmatches;
    /* Fingerprints of the findings merged into this one (the same key in
     * another form: PEM, DER, ...). */
    char (*merged)[33];
    size_t nmerged;
} ks_shared;

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
    ks_shared *shared; /* found in several images, or NULL */
} ks_finding;

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

/* One image of a scan that covers several (fleet.h). */
typedef struct ks_image {
    char *path;
    char digest[72]; /* "sha256:<hex>"; "" when it could not be read again */
    size_t findings; /* findings with a location in it */
    size_t shared;   /* of those, shared with other images */
} ks_image;

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
    ks_diags diags;
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
    /* The images, sorted by path, when the scan covered two or more
     * (fleet.h); none otherwise. */
    ks_image *images;
    size_t nimages;
    /* What the scan made that the results point into (the ruleset, the
     * guidance): released by ks_results_dispose. */
    void *owned;
    void (*owned_free)(void *owned);
} ks_results;

/* Fingerprint of (rule id, normalised secret): 16 bytes of SHA-256. */
void ks_fingerprint(uint8_t out[16], const char *rule_id, const uint8_t *secret, size_t len);

/* Redacted form shown instead of a secret: a short prefix and an ellipsis.
 * Returns a new string. */
char *ks_redact(const uint8_t *secret, size_t len);
/* Printable form of bytes: non-printable bytes as \xNN. New string. */
char *ks_printable(const uint8_t *s, size_t len);

void ks_hitlist_dispose(ks_hitlist *l);

void ks_results_dispose(ks_results *res);
void ks_location_dispose(ks_location *l);
/* Deep copy of a location. */
void ks_location_copy(ks_location *dst, const ks_location *src);
/* Free what a finding owns. */
void ks_finding_dispose(ks_finding *f);

/* 1. Move every hit of `lists` into findings (grouped by fingerprint),
 * leaving the lists empty. */
void ks_results_from_hits(ks_results *res, ks_hitlist *lists, size_t nlists);

/* 2. The records of each location's blob (see provenance.h): a location
 * becomes one location per record, its root named as the record says;
 * one with no record leaves, and so does a finding left with no location.
 * `fn` returns the number of records it put in *out (a new array). */
typedef size_t (*ks_prov_fn)(void *payload, const ks_source_key *key, ks_place where,
                             ks_prov_record **out);
void ks_results_join(ks_results *res, ks_prov_fn fn, void *payload);

/* 3. Drop the findings whose secret the source already has: `fn` sets
 * known[i] for each of the n secrets it holds. */
typedef void (*ks_known_fn)(void *payload, const ks_secret_ref *secrets, size_t n, bool *known);
void ks_results_drop_known(ks_results *res, ks_known_fn fn, void *payload);

/* 4. Attach contexts to findings, from their kind and locations. */
void ks_results_context(ks_results *res);

/* 5. A finding computed from another (weak key material): the caller's
 * `f` is moved into the results. */
void ks_results_add(ks_results *res, ks_finding *f);
/* Findings of inventory rules (certificates, public keys) move to
 * res->inventory. */
void ks_results_split_inventory(ks_results *res);
/* Findings that turn out not to be what their rule reports (a private key
 * OpenSSL cannot read) leave: `drop` says which. Returns how many left. */
size_t ks_results_remove(ks_results *res,
                         bool (*drop)(const ks_results *res, const ks_finding *f, void *payload),
                         void *payload);

/* 7. Why a finding is accepted (static strings or the acceptor's own). */
typedef struct ks_acceptance {
    const char *how; /* "baseline", "allowlist" */
    const char *reason, *owner, *expires;
} ks_acceptance;
/* Does the acceptor accept f? Fill *why when it does. */
typedef bool (*ks_accept_fn)(void *payload, const ks_finding *f, ks_acceptance *why);
/* Remove the findings `fn` accepts, recording each as a suppression;
 * returns how many. */
size_t ks_results_accept(ks_results *res, ks_accept_fn fn, void *payload);

/* 7. The same by location: a location `fn` accepts leaves its finding, and
 * a finding left without one leaves the results (recorded as a
 * suppression, how = `how`). Returns how many locations were accepted. */
typedef bool (*ks_accept_loc_fn)(void *payload, const ks_results *res, const ks_finding *f,
                                 const ks_location *l);
size_t ks_results_accept_locations(ks_results *res, ks_accept_loc_fn fn, void *payload,
                                   const char *how);

/* 6. Sort findings and the inventory: severity, then first location. */
void ks_results_sort(ks_results *res);
/* The order of that sort (severity, path, offset, fingerprint). */
int ks_finding_cmp(const ks_ruleset *rs, const ks_finding *a, const ks_finding *b);

/* Record diagnostics in the results (moved; d is left empty). */
void ks_results_add_diags(ks_results *res, ks_diags *d);

/* A finding's severity: its rule's, or a shared finding's own. */
ks_severity ks_finding_severity(const ks_ruleset *rs, const ks_finding *f);

/* Highest severity among findings (KS_SEV_NONE when there are none). */
ks_severity ks_results_max_severity(const ks_results *res);

#endif
