/*
 * provenance.h - what a source tells about the blobs it gave, as data.
 *
 * A source names each blob with a key (a git object id, the index of a
 * staged file) in the root of its origin; every location found in the
 * blob carries that key. After the scan, the source answers for a key with
 * provenance records: the path to show for the blob and, for history, the
 * commit that introduced it there. ks_scan_run joins the records with the
 * findings (findings.c does the rewriting); a source never touches
 * findings, and nothing parses a path back into a key.
 */
#ifndef KS_PROVENANCE_H
#define KS_PROVENANCE_H

#include "../core/ks.h"

typedef enum ks_key_kind {
    KS_KEY_NONE = 0, /* a file: its path is all there is to say */
    KS_KEY_OID,      /* a git object id */
    KS_KEY_INDEX,    /* an entry of the source's own list */
} ks_key_kind;

typedef struct ks_source_key {
    ks_key_kind kind;
    uint8_t oid[20]; /* KS_KEY_OID */
    uint64_t index;  /* KS_KEY_INDEX */
} ks_source_key;

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

/* One place a blob is: the name shown for it (replacing the placeholder
 * its origin had during the scan) and, for history, where it came from.
 * Both are owned by whoever receives the record. */
typedef struct ks_prov_record {
    char *root;
    ks_provenance *prov; /* NULL when the source has no history to tell */
} ks_prov_record;

/* Where a location sits in its blob, as a source needs it to decide. */
typedef struct ks_place {
    uint64_t line;   /* 1-based; 0 in a binary's strings */
    bool strings;    /* found in a binary's strings: the blob has no lines */
} ks_place;

/* A secret's bytes, when a source is asked whether it knows them. */
typedef struct ks_secret_ref {
    const uint8_t *data;
    size_t len;
} ks_secret_ref;

void ks_provenance_free(ks_provenance *p);

#endif
