/*
 * engine.h - the two-stage matcher.
 *
 * Stage one: every rule in one Vectorscan pass over the bytes (the rules
 * restricted to paths in a second database, scanned only where one of
 * them applies: see engine.c). Stage two: for each hit, PCRE2 (JIT) on a bounded window ending
 * where Vectorscan saw the match end, to confirm the rule and extract the
 * secret's capture group; then the rule's validators.
 *
 * DESIGN
 * Vectorscan reports where matches end, not where they start (start-of-
 * match tracking costs speed and memory). Every rule has a bounded maximum
 * width W (from hs_expression_info), so a match ending at e starts at or
 * after e - W: PCRE2 runs on [e - W, e + W]. The same property makes
 * chunking safe: a caller scanning a large input in chunks overlaps them
 * by ks_engine_overlap() bytes and passes, for each chunk, the range of
 * match ends the chunk "owns"; each end is owned by exactly one chunk, and
 * every owned end has its whole match inside the chunk.
 *
 * The engine is immutable once built and shared by all threads; each
 * thread owns a ks_scratch. The engine never sees paths or origins.
 */
#ifndef KS_ENGINE_H
#define KS_ENGINE_H

#include "rules.h"

typedef struct ks_engine ks_engine;
typedef struct ks_scratch ks_scratch;

/* Flags describing the bytes scanned (set by the caller from the source). */
enum {
    KS_SCAN_DOCS = 1u << 0,        /* documentation: doc-only placeholders apply */
    KS_SCAN_NO_SUPPRESS = 1u << 1, /* keep overlapping matches of weaker rules */
    KS_SCAN_ONE_RULE = 1u << 2,    /* only report the rule given in `only_rule` */
    KS_SCAN_CODE = 1u << 3,        /* source code: a bare word after `=` is an expression */
    KS_SCAN_TESTS = 1u << 4,       /* tests, examples, fixtures: lower confidence */
};

/* Validation outcome attached to a match. */
enum {
    KS_CHECK_CHECKSUM_OK = 1u << 0,
    KS_CHECK_CHECKSUM_BAD = 1u << 1,
    KS_CHECK_STRUCTURE_OK = 1u << 2,
};

typedef struct ks_match {
    uint32_t rule;       /* index into the ruleset */
    size_t start, end;   /* whole match, offsets in the scanned buffer */
    size_t sstart, send; /* the secret */
    size_t kstart, kend; /* the key it was assigned to (generic rules); empty if none */
    const char *syntax;  /* how it was assigned (generic rules, static), or NULL */
    ks_confidence confidence;
    uint32_t checks; /* KS_CHECK_* */
    /* Its rule has `paths` and the caller did not know the path yet
     * (KS_APPLIES_LATER): the caller judges the match by its path later, so
     * it neither drops nor is dropped by another rule's match over the same
     * bytes. */
    bool provisional;
} ks_match;

typedef struct ks_engine_opts {
    const char *cache_dir; /* compiled-database cache; NULL: no cache */
    /* Marks: literal strings the scan reports the places of (through
     * ks_scan_args.mark), for a caller that wants to know where they are
     * without a search of its own; they cost nothing when a rule holds
     * the same literal. Must outlive the engine. */
    const char *const *marks;
    size_t nmarks;
} ks_engine_opts;

typedef struct ks_engine_stats {
    bool cache_hit;
    double compile_ms;
} ks_engine_stats;

/* Compile the enabled rules of `rs` (which must outlive the engine). On a
 * rule that does not compile, the message names its file, line and id. */
int ks_engine_new(ks_engine **out, const ks_ruleset *rs, const ks_engine_opts *opts);
void ks_engine_free(ks_engine *e);
const ks_engine_stats *ks_engine_stats_get(const ks_engine *e);

/* The index of mark `lit` among the engine's marks, or -1 when it has no
 * such mark. */
long ks_engine_mark_index(const ks_engine *e, const char *lit);

/* Bytes consecutive chunks must overlap by. */
size_t ks_engine_overlap(const ks_engine *e);
/* Maximum match width of a rule (SIZE_MAX if it has none: unbounded). */
size_t ks_engine_rule_width(const ks_engine *e, size_t rule);
/* True when Vectorscan took the rule only in prefilter mode. */
bool ks_engine_rule_prefilter(const ks_engine *e, size_t rule);
/* Hex digest identifying the compiled ruleset (rules + library version). */
const char *ks_engine_digest(const ks_engine *e);

int ks_scratch_new(ks_scratch **out, const ks_engine *e);
void ks_scratch_free(ks_scratch *s);

typedef int (*ks_match_fn)(const ks_match *m, void *payload);

/* Whether a rule with `paths` applies to the buffer (ks_scan_args.applies). */
typedef enum ks_applies {
    KS_APPLIES_NO = 0,
    KS_APPLIES_YES = 1,
    KS_APPLIES_LATER = 2, /* the path is not known yet: the match is provisional */
} ks_applies;

typedef struct ks_scan_args {
    const uint8_t *data; /* the chunk */
    size_t len;
    /* Report the matches Vectorscan sees end at own_from < end <= own_to
     * (a generic rule's keyword): a match confirmed from there may reach
     * further, up to its rule's width. */
    size_t own_from, own_to;
    uint32_t flags;          /* KS_SCAN_* */
    uint32_t only_rule;      /* with KS_SCAN_ONE_RULE */
    /* Rules with `paths` apply only where the caller says so (the engine
     * knows no paths): asked once a hit of such a rule is seen. NULL: they
     * apply. */
    ks_applies (*applies)(void *ctx, uint32_t rule);
    void *applies_ctx;
    /* Called with each place a mark ends, own_from < end <= own_to, in no
     * particular order (before any match is reported); NULL: not wanted. */
    void (*mark)(void *ctx, size_t which, size_t end);
    void *mark_ctx;
} ks_scan_args;

/* Whether each rule with paths (`paths`, a path regex) applies to a file at
 * `path`, as ks_rule_path_applies answers, found with one scan of the path
 * for all the rules' globs: sets ok[rule] (KS_APPLIES_YES or _NO) for
 * those rules and leaves the others. `ok` has one entry per rule. */
void ks_engine_paths_apply(const ks_engine *e, ks_scratch *s, const char *path, ks_applies *ok);

/* Scan one buffer; calls fn for each confirmed match, in order of where
 * its secret starts (sstart; a match's own start may come earlier).
 * A non-zero return from fn stops the scan and is returned. */
int ks_engine_scan(const ks_engine *e, ks_scratch *s, const ks_scan_args *a, ks_match_fn fn,
                   void *payload);

#endif
