/*
 * engine.c - compile the ruleset (Vectorscan + PCRE2) and match bytes.
 *
 * See engine.h for the design. This file has three parts: building the
 * engine (with the on-disk database cache), per-thread scratch, and the
 * scan itself (hit -> confirm -> validate -> suppress overlaps -> report).
 *
 * DESIGN (databases)
 * The rules are split over two Vectorscan databases: DB_MAIN holds every
 * rule that can match any buffer, DB_PATHS the rules restricted to paths
 * (`paths:`: /etc/ppp/chap-secrets, .pgpass, OpenWrt's /etc/config/...).
 * The second is scanned only when the caller says one of its rules applies
 * to the buffer (or may: KS_APPLIES_LATER), so the line-anchored patterns
 * those files need cost nothing on the other files. A hit of a rule that
 * does not apply is dropped in confirm() without any effect, so skipping
 * the database changes no result. Rules whose patterns are the same text
 * (generic.password.assignment and .weak) are one expression: its hits are
 * handed to each of them in turn (`twin`), as two expressions' hits would
 * be; each rule keeps its own state (covered, gen).
 *
 * A third database holds no content patterns: the `paths` globs of every
 * rule that has them, translated to expressions over the file's path
 * (glob.c). Whether each such rule applies to a file is then one scan of
 * the path, once per file, however many rules and globs there are
 * (ks_engine_paths_apply); it has its own Vectorscan scratch, as it is
 * asked from inside a content scan's callback.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "engine.h"

#include "generic.h"
#include "validate.h"

#include "../core/glob.h"
#include "../core/outfile.h"
#include "../core/sha256.h"

#include <errno.h>
#include <fcntl.h>
#include <hs.h>
#include <limits.h>
#include <pcre2.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Window used for a rule whose pattern has no bounded width. `keysift
 * rules test` fails such rules; the cap keeps a user's rule from making
 * every confirmation scan to the end of the buffer. */
#define UNBOUNDED_WINDOW 4096
/* Context searched for a rule's keywords, each side of the match. */
#define KEYWORD_CONTEXT 256
/* PCRE2 limits: a hostile input must not make a pattern backtrack forever. */
#define MATCH_LIMIT 200000
/* Capture groups a rule may have (match data is sized once per thread). */
#define MAX_GROUPS 63
#define DEPTH_LIMIT 10000

typedef enum extract_kind { EXTRACT_NONE = 0, EXTRACT_PASSWORD, EXTRACT_WEAK, EXTRACT_SECRET } extract_kind;

typedef struct erule {
    bool enabled;
    extract_kind extract; /* generic rules: the extractor that replaces PCRE2 */
    pcre2_code *re;      /* compiled up front, or on first use after a cache hit */
    _Atomic bool jitted; /* JIT-compiled on the rule's first hit */
    size_t width;        /* maximum match width, capped */
    bool unbounded;      /* pattern had no bounded width */
    bool prefilter;      /* Vectorscan only approximates it */
    uint32_t ngroups;    /* capture groups */
    uint8_t db;          /* DB_MAIN or DB_PATHS */
    /* The next rule (higher index) with the same pattern in the same
     * database, or NO_TWIN; a rule with an earlier twin has no expression
     * of its own. */
    uint32_t twin;
    bool has_earlier_twin;
} erule;

enum { DB_MAIN, DB_PATHS, NDB };
#define NO_TWIN UINT32_MAX

struct ks_engine {
    const ks_ruleset *rs;
    pthread_mutex_t *jit_lock; /* the one mutable part: lazy JIT compilation */
    erule *rules;              /* one per rule of rs; re == NULL when disabled */
    hs_database_t *db[NDB]; /* NULL where a database has no expression */
    uint32_t *path_rules;   /* the rules of DB_PATHS */
    size_t npath_rules;
    hs_database_t *names;   /* the globs of rules with `paths`, over a path; or NULL */
    uint32_t *pathish;      /* the rules with paths (`paths` or a path regex) */
    size_t npathish;
    const char *const *marks; /* literals reported to ks_scan_args.mark; ids nrules.. */
    size_t nmarks;
    size_t overlap;
    char digest[65];
    ks_engine_stats stats;
};

struct ks_scratch {
    const ks_engine *e;
    hs_scratch_t *hs;
    hs_scratch_t *hs_names; /* for e->names */
    pcre2_match_data *md;
    pcre2_match_context *mctx;
    pcre2_jit_stack *jit;
    size_t *covered; /* per rule: end of the last match already handled... */
    uint32_t *gen;   /* ...valid when gen[rule] == scan (no reset per buffer) */
    uint32_t scan;
    ks_match *matches;
    size_t nmatches, cap;
    /* Spans a rule's structural validator refused (a checksum or a key
     * that does not parse): the bytes have a format's shape but are not
     * a real one, and generic rules do not report them either. */
    ks_match *refused;
    size_t nrefused, refused_cap;
    const ks_scan_args *args;
};

/* ------------------------------------------------------------------------ */
/* Building                                                                  */

/* The expression Vectorscan looks for: the rule's trigger, else its
 * pattern. */
static const char *expression(const ks_rule *r)
{
    return r->trigger ? r->trigger : r->pattern;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void compute_digest(ks_engine *e)
{
    ks_sha256_ctx md;
    uint8_t h[32];
    ks_sha256_init(&md);
    const char *ver = hs_version();
    ks_sha256_update(&md, "keysift-db-4\0", 13);
    ks_sha256_update(&md, ver, strlen(ver) + 1);
    for (size_t i = 0; i < e->rs->nrules; i++) {
        const ks_rule *r = &e->rs->rules[i];
        if (!ks_rule_matched(r))
            continue;
        ks_sha256_update(&md, r->id, strlen(r->id) + 1);
        ks_sha256_update(&md, r->pattern, strlen(r->pattern) + 1);
        if (r->trigger)
            ks_sha256_update(&md, r->trigger, strlen(r->trigger) + 1);
        if (r->extract) /* an extractor widens the rule's window */
            ks_sha256_update(&md, r->extract, strlen(r->extract) + 1);
        /* the database a rule is compiled into */
        ks_sha256_update(&md, r->npaths ? "P" : "A", 1);
        for (size_t k = 0; k < r->npaths; k++) /* the names database */
            ks_sha256_update(&md, r->paths[k], strlen(r->paths[k]) + 1);
    }
    for (size_t i = 0; i < e->nmarks; i++)
        ks_sha256_update(&md, e->marks[i], strlen(e->marks[i]) + 1);
    ks_sha256_final(&md, h);
    ks_hex(e->digest, h, 32);
}

static int compile_pcre(ks_engine *e, size_t i)
{
    const ks_rule *r = &e->rs->rules[i];
    int err;
    PCRE2_SIZE off;
    pcre2_code *re =
        pcre2_compile((PCRE2_SPTR)r->pattern, PCRE2_ZERO_TERMINATED, 0, &err, &off, NULL);
    if (!re) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(err, msg, sizeof msg);
        return ks_error_set(KS_ERULE, "%s:%d: rule %s: pattern does not compile at offset %zu: %s",
                            r->file, r->line, r->id, (size_t)off, (const char *)msg);
    }
    uint32_t ng = 0;
    pcre2_pattern_info(re, PCRE2_INFO_CAPTURECOUNT, &ng);
    if (ng > MAX_GROUPS) {
        pcre2_code_free(re);
        return ks_error_set(KS_ERULE, "%s:%d: rule %s: %u capture groups (at most %d)", r->file,
                            r->line, r->id, ng, MAX_GROUPS);
    }
    if ((uint32_t)r->key_group > ng) {
        pcre2_code_free(re);
        return ks_error_set(KS_ERULE, "%s:%d: rule %s: key_group %d but the pattern has %u groups",
                            r->file, r->line, r->id, r->key_group, ng);
    }
    if ((uint32_t)r->secret_group > ng) {
        pcre2_code_free(re);
        return ks_error_set(KS_ERULE,
                            "%s:%d: rule %s: secret_group %d but the pattern has %u groups",
                            r->file, r->line, r->id, r->secret_group, ng);
    }
    e->rules[i].re = re;
    e->rules[i].ngroups = ng;
    return 0;
}

/* Ask Vectorscan about one pattern: can it take it exactly, and how wide
 * can a match be? With a trigger, the width is the pattern's and the
 * question of exactness is the trigger's. */
static int analyse_rule(ks_engine *e, size_t i)
{
    const ks_rule *r = &e->rs->rules[i];
    hs_expr_info_t *info = NULL;
    hs_compile_error_t *cerr = NULL;
    erule *er = &e->rules[i];

    if (hs_expression_info(r->pattern, 0, &info, &cerr) != HS_SUCCESS) {
        hs_free_compile_error(cerr);
        cerr = NULL;
        if (hs_expression_info(r->pattern, HS_FLAG_PREFILTER, &info, &cerr) != HS_SUCCESS) {
            int rc =
                ks_error_set(KS_ERULE, "%s:%d: rule %s: Vectorscan cannot compile the pattern: %s",
                             r->file, r->line, r->id, cerr ? cerr->message : "unknown error");
            hs_free_compile_error(cerr);
            return rc;
        }
        er->prefilter = true;
    }
    if (info->max_width == UINT_MAX || info->max_width > 65536) {
        er->unbounded = true;
        er->width = UNBOUNDED_WINDOW;
    } else {
        er->width = info->max_width;
    }
    free(info);
    info = NULL;
    if (r->trigger) {
        er->prefilter = false;
        if (hs_expression_info(r->trigger, 0, &info, &cerr) != HS_SUCCESS) {
            hs_free_compile_error(cerr);
            cerr = NULL;
            if (hs_expression_info(r->trigger, HS_FLAG_PREFILTER, &info, &cerr) != HS_SUCCESS) {
                int rc = ks_error_set(
                    KS_ERULE, "%s:%d: rule %s: Vectorscan cannot compile the trigger: %s",
                    r->file, r->line, r->id, cerr ? cerr->message : "unknown error");
                hs_free_compile_error(cerr);
                return rc;
            }
            er->prefilter = true;
        }
    }
    /* An extractor reads the assignment around the keyword it was given. */
    if (er->extract && er->width < KS_GENERIC_WIDTH)
        er->width = KS_GENERIC_WIDTH;
    free(info);
    return 0;
}

static char *cache_path(const ks_engine *e, const char *dir)
{
    size_t l = strlen(dir) + 80;
    char *p = ks_xmalloc(l);
    snprintf(p, l, "%s/%s.hsdb", dir, e->digest);
    return p;
}

#define CACHE_MAGIC "KSHSDB4\n"

/* Cache layout: magic, rule count, per rule (width u64, flags u8), then for
 * each database (the NDB content databases, then the names database) its
 * length (u64, 0: none) and its serialized bytes. The file name is the
 * ruleset digest. */
static bool cache_load(ks_engine *e, const char *dir)
{
    char *path = cache_path(e, dir);
    FILE *f = fopen(path, "rb");
    free(path);
    if (!f)
        return false;
    bool ok = false;
    char *blob = NULL;
    char magic[8];
    uint64_t n;
    if (fread(magic, 1, 8, f) != 8 || memcmp(magic, CACHE_MAGIC, 8) != 0 ||
        fread(&n, sizeof n, 1, f) != 1 || n != e->rs->nrules)
        goto done;
    for (size_t i = 0; i < n; i++) {
        uint64_t w;
        uint8_t fl;
        if (fread(&w, sizeof w, 1, f) != 1 || fread(&fl, 1, 1, f) != 1)
            goto done;
        e->rules[i].width = (size_t)w;
        e->rules[i].prefilter = fl & 1;
        e->rules[i].unbounded = fl & 2;
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0)
        goto done;
    for (size_t d = 0; d <= NDB; d++) {
        hs_database_t **db = d < NDB ? &e->db[d] : &e->names;
        uint64_t bl;
        long pos = ftell(f);
        if (fread(&bl, sizeof bl, 1, f) != 1 || pos < 0 || bl > (uint64_t)st.st_size)
            goto done;
        if (bl == 0)
            continue;
        free(blob);
        blob = ks_xmalloc((size_t)bl);
        if (fread(blob, 1, (size_t)bl, f) != bl ||
            hs_deserialize_database(blob, (size_t)bl, db) != HS_SUCCESS)
            goto done;
    }
    ok = e->db[DB_MAIN] || e->db[DB_PATHS];
done:
    if (!ok) {
        for (size_t d = 0; d < NDB; d++) {
            hs_free_database(e->db[d]);
            e->db[d] = NULL;
        }
        hs_free_database(e->names);
        e->names = NULL;
    }
    free(blob);
    fclose(f);
    return ok;
}

static int mkdir_p(const char *dir)
{
    char *p = ks_xstrdup(dir);
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        mkdir(p, 0700);
        *s = '/';
    }
    int rc = mkdir(p, 0700) == 0 || errno == EEXIST ? 0 : -1;
    free(p);
    return rc;
}

/* Best effort: a cache that cannot be written costs only start-up time. */
static void cache_store(const ks_engine *e, const char *dir)
{
    char *bytes[NDB + 1] = {NULL};
    size_t len[NDB + 1] = {0};
    if (mkdir_p(dir) != 0)
        return;
    for (size_t d = 0; d <= NDB; d++) {
        hs_database_t *db = d < NDB ? e->db[d] : e->names;
        if (db && hs_serialize_database(db, &bytes[d], &len[d]) != HS_SUCCESS)
            goto done;
    }
    char *path = cache_path(e, dir);
    ks_outfile out;
    if (ks_outfile_open(&out, path, 0666, "rule cache") == 0) {
        FILE *f = out.f;
        uint64_t n = e->rs->nrules;
        bool ok = fwrite(CACHE_MAGIC, 1, 8, f) == 8 && fwrite(&n, sizeof n, 1, f) == 1;
        for (size_t i = 0; ok && i < n; i++) {
            uint64_t w = e->rules[i].width;
            uint8_t fl =
                (uint8_t)((e->rules[i].prefilter ? 1 : 0) | (e->rules[i].unbounded ? 2 : 0));
            ok = fwrite(&w, sizeof w, 1, f) == 1 && fwrite(&fl, 1, 1, f) == 1;
        }
        for (size_t d = 0; ok && d <= NDB; d++) {
            uint64_t l = len[d];
            ok = fwrite(&l, sizeof l, 1, f) == 1 &&
                 (len[d] == 0 || fwrite(bytes[d], 1, len[d], f) == len[d]);
        }
        if (ok)
            ks_outfile_commit(&out, "rule cache");
        else
            ks_outfile_abort(&out);
    }
    free(path);
done:
    for (size_t d = 0; d <= NDB; d++)
        free(bytes[d]);
}

/* A literal as a Vectorscan expression: every byte but letters and digits
 * escaped. */
static char *literal_expression(const char *lit)
{
    size_t n = strlen(lit);
    char *out = ks_xmalloc(4 * n + 1), *o = out;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)lit[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
            *o++ = (char)c;
        else
            o += snprintf(o, 5, "\\x%02x", c);
    }
    *o = '\0';
    return out;
}

/* Which database each rule goes into, and which rules share a pattern.
 * Quadratic in the rules with a hit on the first bytes of most
 * comparisons: a millisecond for 500 rules, once per start-up. */
static void assign_databases(ks_engine *e)
{
    size_t n = e->rs->nrules;
    e->path_rules = ks_xcalloc(n ? n : 1, sizeof(uint32_t));
    e->pathish = ks_xcalloc(n ? n : 1, sizeof(uint32_t));
    for (size_t i = 0; i < n; i++) {
        erule *er = &e->rules[i];
        er->twin = NO_TWIN;
        if (ks_rule_has_paths(&e->rs->rules[i]))
            e->pathish[e->npathish++] = (uint32_t)i;
        if (!er->enabled)
            continue;
        er->db = e->rs->rules[i].npaths ? DB_PATHS : DB_MAIN;
        if (er->db == DB_PATHS)
            e->path_rules[e->npath_rules++] = (uint32_t)i;
    }
    for (size_t i = 0; i < n; i++) {
        erule *er = &e->rules[i];
        if (!er->enabled || er->has_earlier_twin)
            continue;
        size_t last = i;
        for (size_t j = i + 1; j < n; j++) {
            erule *ej = &e->rules[j];
            if (ej->enabled && !ej->has_earlier_twin && ej->db == er->db &&
                strcmp(expression(&e->rs->rules[i]), expression(&e->rs->rules[j])) == 0) {
                e->rules[last].twin = (uint32_t)j;
                ej->has_earlier_twin = true;
                last = j;
            }
        }
    }
}

/* The names database: each rule's globs as one expression over a path. */
static int compile_names(ks_engine *e)
{
    size_t n = e->rs->nrules, k = 0;
    char **pats = ks_xcalloc(n ? n : 1, sizeof(char *));
    unsigned *flags = ks_xcalloc(n ? n : 1, sizeof(unsigned));
    unsigned *ids = ks_xcalloc(n ? n : 1, sizeof(unsigned));
    hs_compile_error_t *cerr = NULL;
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        const ks_rule *r = &e->rs->rules[i];
        if (!r->npaths)
            continue;
        pats[k] = ks_glob_regex(r->paths, r->npaths);
        flags[k] = HS_FLAG_DOTALL | HS_FLAG_SINGLEMATCH;
        ids[k++] = (unsigned)i;
    }
    if (k && hs_compile_multi((const char *const *)pats, flags, ids, (unsigned)k, HS_MODE_BLOCK,
                              NULL, &e->names, &cerr) != HS_SUCCESS) {
        if (cerr && cerr->expression >= 0 && (unsigned)cerr->expression < k) {
            const ks_rule *r = &e->rs->rules[ids[cerr->expression]];
            rc = ks_error_set(KS_ERULE, "%s:%d: rule %s: its `paths` cannot be compiled: %s",
                              r->file, r->line, r->id, cerr->message);
        } else {
            rc = ks_error_set(KS_EENGINE, "cannot compile the rules' paths: %s",
                              cerr ? cerr->message : "unknown error");
        }
        hs_free_compile_error(cerr);
    }
    for (size_t j = 0; j < k; j++)
        free(pats[j]);
    free(pats);
    free(flags);
    free(ids);
    return rc;
}

static int compile_db(ks_engine *e)
{
    size_t n = e->rs->nrules, cap = n + e->nmarks + 1, total = 0;
    const char **pats = ks_xcalloc(cap, sizeof(char *));
    unsigned *flags = ks_xcalloc(cap, sizeof(unsigned));
    unsigned *ids = ks_xcalloc(cap, sizeof(unsigned));
    char **lits = ks_xcalloc(e->nmarks ? e->nmarks : 1, sizeof(char *));
    hs_compile_error_t *cerr = NULL;
    int rc = 0;

    for (size_t i = 0; i < n; i++)
        if (e->rules[i].enabled && (rc = analyse_rule(e, i)) != 0)
            goto done;
    for (size_t j = 0; j < e->nmarks; j++)
        lits[j] = literal_expression(e->marks[j]);
    for (uint8_t d = 0; d < NDB; d++) {
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            if (!e->rules[i].enabled || e->rules[i].db != d || e->rules[i].has_earlier_twin)
                continue;
            pats[k] = expression(&e->rs->rules[i]);
            flags[k] = e->rules[i].prefilter ? HS_FLAG_PREFILTER : 0;
            ids[k] = (unsigned)i;
            k++;
        }
        total += k;
        if (d == DB_MAIN)
            for (size_t j = 0; j < e->nmarks; j++) {
                pats[k] = lits[j];
                flags[k] = 0;
                ids[k++] = (unsigned)(n + j);
            }
        if (k == 0)
            continue;
        if (hs_compile_multi(pats, flags, ids, (unsigned)k, HS_MODE_BLOCK, NULL, &e->db[d],
                             &cerr) != HS_SUCCESS) {
            if (cerr && cerr->expression >= 0 && (unsigned)cerr->expression < k &&
                ids[cerr->expression] < n) {
                const ks_rule *r = &e->rs->rules[ids[cerr->expression]];
                rc = ks_error_set(KS_ERULE,
                                  "%s:%d: rule %s: Vectorscan cannot compile the pattern: %s",
                                  r->file, r->line, r->id, cerr->message);
            } else {
                rc = ks_error_set(KS_EENGINE, "cannot compile the ruleset: %s",
                                  cerr ? cerr->message : "unknown error");
            }
            hs_free_compile_error(cerr);
            goto done;
        }
    }
    if (total == 0)
        rc = ks_error_set(KS_ERULE, "no rules enabled");
    else
        rc = compile_names(e);
done:
    for (size_t j = 0; j < e->nmarks; j++)
        free(lits[j]);
    free(lits);
    free(pats);
    free(flags);
    free(ids);
    return rc;
}

int ks_engine_new(ks_engine **out, const ks_ruleset *rs, const ks_engine_opts *opts)
{
    double t0 = now_ms();
    ks_engine *e = ks_xcalloc(1, sizeof *e);
    int rc = 0;
    e->rs = rs;
    e->jit_lock = ks_xmalloc(sizeof *e->jit_lock);
    pthread_mutex_init(e->jit_lock, NULL);
    e->rules = ks_xcalloc(rs->nrules ? rs->nrules : 1, sizeof(erule));
    if (opts) {
        e->marks = opts->marks;
        e->nmarks = opts->nmarks;
    }
    *out = NULL;

    if (hs_valid_platform() != HS_SUCCESS) {
        rc = ks_error_set(KS_EENGINE, "this CPU lacks the instructions Vectorscan needs (SSSE3)");
        goto fail;
    }
    for (size_t i = 0; i < rs->nrules; i++) {
        const ks_rule *r = &rs->rules[i];
        e->rules[i].enabled = ks_rule_matched(r);
        e->rules[i].extract = !r->extract                             ? EXTRACT_NONE
                              : strcmp(r->extract, "password") == 0      ? EXTRACT_PASSWORD
                              : strcmp(r->extract, "weak-password") == 0 ? EXTRACT_WEAK
                                                                        : EXTRACT_SECRET;
    }
    compute_digest(e);
    assign_databases(e);

    /* A cached database means these exact patterns compiled before, with
     * PCRE2 as well: their PCRE2 compilation waits for each rule's first
     * hit (a pre-commit run hits few rules). Without a cache, every rule is
     * compiled now, so a broken pattern is reported before anything runs. */
    const char *dir = opts ? opts->cache_dir : NULL;
    if (dir && cache_load(e, dir)) {
        e->stats.cache_hit = true;
    } else {
        for (size_t i = 0; i < rs->nrules; i++)
            if (e->rules[i].enabled && (rc = compile_pcre(e, i)) != 0)
                goto fail;
        if ((rc = compile_db(e)) != 0)
            goto fail;
        if (dir)
            cache_store(e, dir);
    }
    for (size_t i = 0; i < rs->nrules; i++)
        if (e->rules[i].enabled && e->rules[i].width > e->overlap)
            e->overlap = e->rules[i].width;
    e->stats.compile_ms = now_ms() - t0;
    *out = e;
    return 0;
fail:
    ks_engine_free(e);
    return rc;
}

void ks_engine_free(ks_engine *e)
{
    if (!e)
        return;
    for (size_t i = 0; i < e->rs->nrules; i++)
        pcre2_code_free(e->rules[i].re);
    free(e->rules);
    free(e->path_rules);
    free(e->pathish);
    for (size_t d = 0; d < NDB; d++)
        hs_free_database(e->db[d]);
    hs_free_database(e->names);
    pthread_mutex_destroy(e->jit_lock);
    free(e->jit_lock);
    free(e);
}

const ks_engine_stats *ks_engine_stats_get(const ks_engine *e)
{
    return &e->stats;
}

long ks_engine_mark_index(const ks_engine *e, const char *lit)
{
    for (size_t i = 0; i < e->nmarks; i++)
        if (strcmp(e->marks[i], lit) == 0)
            return (long)i;
    return -1;
}

size_t ks_engine_overlap(const ks_engine *e)
{
    return e->overlap;
}

size_t ks_engine_rule_width(const ks_engine *e, size_t rule)
{
    return e->rules[rule].unbounded ? SIZE_MAX : e->rules[rule].width;
}

bool ks_engine_rule_prefilter(const ks_engine *e, size_t rule)
{
    return e->rules[rule].prefilter;
}

const char *ks_engine_digest(const ks_engine *e)
{
    return e->digest;
}

/* ------------------------------------------------------------------------ */
/* Scratch                                                                   */

int ks_scratch_new(ks_scratch **out, const ks_engine *e)
{
    ks_scratch *s = ks_xcalloc(1, sizeof *s);
    s->e = e;
    for (size_t d = 0; d < NDB; d++)
        if (e->db[d] && hs_alloc_scratch(e->db[d], &s->hs) != HS_SUCCESS) {
            hs_free_scratch(s->hs);
            free(s);
            return ks_error_set(KS_ENOMEM, "cannot allocate Vectorscan scratch");
        }
    if (e->names && hs_alloc_scratch(e->names, &s->hs_names) != HS_SUCCESS) {
        hs_free_scratch(s->hs);
        free(s);
        return ks_error_set(KS_ENOMEM, "cannot allocate Vectorscan scratch");
    }
    s->md = pcre2_match_data_create(MAX_GROUPS + 1, NULL);
    s->mctx = pcre2_match_context_create(NULL);
    s->jit = pcre2_jit_stack_create(32 * 1024, 1024 * 1024, NULL);
    if (!s->md || !s->mctx || !s->jit) {
        ks_scratch_free(s);
        return ks_error_set(KS_ENOMEM, "cannot allocate PCRE2 match data");
    }
    pcre2_jit_stack_assign(s->mctx, NULL, s->jit);
    pcre2_set_match_limit(s->mctx, MATCH_LIMIT);
    pcre2_set_depth_limit(s->mctx, DEPTH_LIMIT);
    s->covered = ks_xcalloc(e->rs->nrules ? e->rs->nrules : 1, sizeof(size_t));
    s->gen = ks_xcalloc(e->rs->nrules ? e->rs->nrules : 1, sizeof(uint32_t));
    *out = s;
    return 0;
}

void ks_scratch_free(ks_scratch *s)
{
    if (!s)
        return;
    hs_free_scratch(s->hs);
    hs_free_scratch(s->hs_names);
    pcre2_match_data_free(s->md);
    pcre2_match_context_free(s->mctx);
    pcre2_jit_stack_free(s->jit);
    free(s->covered);
    free(s->gen);
    free(s->matches);
    free(s->refused);
    free(s);
}

/* ------------------------------------------------------------------------ */
/* Scanning                                                                  */

/* Keywords are lower-cased when the rule is loaded. */
static bool has_keyword(const ks_rule *r, const uint8_t *d, size_t from, size_t to)
{
    for (size_t k = 0; k < r->nkeywords; k++)
        if (ks_contains_nocase(d + from, to - from, r->keywords[k]))
            return true;
    return false;
}

typedef enum verdict {
    ACCEPT,
    DROP,   /* not this rule's secret */
    REFUSE, /* the rule's format, but its structure is wrong: no rule reports it */
} verdict;

/* Is the salt of a crypt(3) string written on its own near it, as the input
 * of the call that computed it (crypt('', '$2a$06$RQiO...'), salt =>
 * '$5$saltstring')? Then the hash is a computed test vector shown with its
 * inputs: a stored password hash never comes with its salt apart. */
static bool salt_given_nearby(const ks_scan_args *a, const ks_match *m, const uint8_t *sec,
                              size_t sl)
{
    size_t pl = ks_crypt_salt_prefix(sec, sl);
    if (pl < 6)
        return false;
    size_t from = m->sstart > 1024 ? m->sstart - 1024 : 0;
    size_t to = m->send + 1024 < a->len ? m->send + 1024 : a->len;
    for (size_t p = from; p + pl < to;) {
        const uint8_t *hit = memmem(a->data + p, to - p - pl, sec, pl);
        if (!hit)
            return false;
        size_t at = (size_t)(hit - a->data);
        uint8_t next = a->data[at + pl];
        if (at != m->sstart && next != '$' && !(sec[1] == '2' && (next == '.' || next == '/' ||
                                                                 (next >= '0' && next <= '9') ||
                                                                 (next >= 'A' && next <= 'Z') ||
                                                                 (next >= 'a' && next <= 'z'))))
            return true;
        p = at + 1;
    }
    return false;
}

/* Validators and filters on one candidate. */
static verdict accept(ks_scratch *s, const ks_rule *r, ks_match *m)
{
    const ks_scan_args *a = s->args;
    const uint8_t *sec = a->data + m->sstart;
    size_t sl = m->send - m->sstart;

    if (sl == 0)
        return DROP;
    if (r->nkeywords && !r->extract) {
        size_t from = m->start > KEYWORD_CONTEXT ? m->start - KEYWORD_CONTEXT : 0;
        size_t to = m->end + KEYWORD_CONTEXT < a->len ? m->end + KEYWORD_CONTEXT : a->len;
        if (!has_keyword(r, a->data, from, to))
            return DROP;
    }
    if (!(r->validators & KS_VALIDATE_KEY_MATERIAL) &&
        ks_is_placeholder(sec, sl, a->flags & KS_SCAN_DOCS))
        return DROP;
    if (r->entropy > 0 && ks_entropy(sec, sl) < r->entropy)
        return DROP;
    if (r->validators & (KS_VALIDATE_GITHUB_CRC32 | KS_VALIDATE_NPM_CRC32)) {
        /* A failed checksum is not proof of a false alarm (a token typed by
         * hand, a test fixture), so it lowers confidence instead of
         * dropping the match. */
        if (ks_check_crc32_token(sec, sl)) {
            m->checks |= KS_CHECK_CHECKSUM_OK;
            m->confidence = KS_CONF_HIGH;
        } else {
            m->checks |= KS_CHECK_CHECKSUM_BAD;
            m->confidence = KS_CONF_LOW;
        }
    }
    if (r->validators & KS_VALIDATE_JWT) {
        if (!ks_check_jwt(sec, sl))
            return REFUSE;
        m->checks |= KS_CHECK_STRUCTURE_OK;
    }
    if ((r->validators & KS_VALIDATE_PASSWORD) && !ks_check_password_value(sec, sl))
        return DROP;
    if ((r->validators & KS_VALIDATE_COMMAND_WORD) && m->sstart > 0 &&
        (a->data[m->sstart - 1] == ' ' || a->data[m->sstart - 1] == '\t')) {
        /* "--password to", "-p, --password PASSWORT": after a blank, a value
         * of letters only is the next word of a sentence or a usage text
         * (a password there holds a digit or a symbol, or is quoted). */
        size_t i = 0;
        while (i < sl && ((sec[i] >= 'a' && sec[i] <= 'z') || (sec[i] >= 'A' && sec[i] <= 'Z') ||
                          sec[i] >= 0x80 || sec[i] == '-' || sec[i] == '.' || sec[i] == ','))
            i++;
        if (i == sl)
            return DROP;
    }
    if ((r->validators & KS_VALIDATE_BASE64_USERPASS) && !ks_check_base64_userpass(sec, sl))
        return DROP;
    if ((r->validators & KS_VALIDATE_CRYPT_SALT) &&
        (!ks_check_crypt_salt(sec, sl) || salt_given_nearby(a, m, sec, sl)))
        return DROP;
    if (r->validators & (KS_VALIDATE_PASSWORD_VALUE | KS_VALIDATE_SECRET_VALUE)) {
        ks_key_class cls = r->validators & KS_VALIDATE_SECRET_VALUE ? KS_KEY_CLASS_SECRET
                                                                    : KS_KEY_CLASS_PASSWORD;
        ks_judgement j = ks_judge_value(cls, sec, sl, '"', a->flags);
        if (j.verdict == KS_VERDICT_NONE)
            return DROP;
        if (j.verdict == KS_VERDICT_WEAK &&
            (ks_gen_example_line(a->data, a->len, m->sstart, a->flags) ||
             (r->syntax && strcmp(r->syntax, "url") == 0 &&
              (a->flags & (KS_SCAN_DOCS | KS_SCAN_TESTS))) ||
             (r->syntax && strcmp(r->syntax, "command-line") != 0 &&
              ks_gen_weak_is_example(a->flags))))
            return DROP; /* a help text's example; a URL example or a URL parser's input; a
                          * manual's SQL or connection string (a weak pair on a command line
                          * stays: the corpus's curl --user admin:admin) */
        m->confidence = j.verdict == KS_VERDICT_WEAK ? KS_CONF_LOW : j.confidence;
    }
    if (r->validators & KS_VALIDATE_PEM) {
        if (!ks_check_pem(sec, sl))
            return REFUSE;
        m->checks |= KS_CHECK_STRUCTURE_OK;
    }
    if (r->validators & (KS_VALIDATE_JWK | KS_VALIDATE_BECH32 | KS_VALIDATE_OPENVPN)) {
        if (((r->validators & KS_VALIDATE_JWK) && !ks_check_jwk(sec, sl)) ||
            ((r->validators & KS_VALIDATE_BECH32) && !ks_check_bech32_key(sec, sl)) ||
            ((r->validators & KS_VALIDATE_OPENVPN) && !ks_check_openvpn_static(sec, sl)))
            return REFUSE;
        m->checks |= KS_CHECK_STRUCTURE_OK;
    }
    return ACCEPT;
}

static void push_match(ks_scratch *s, const ks_match *m)
{
    ks_grow((void **)&s->matches, &s->cap, s->nmatches + 1, sizeof(ks_match));
    s->matches[s->nmatches++] = *m;
}

static void push_checked(ks_scratch *s, const ks_rule *r, ks_match *m)
{
    verdict v = accept(s, r, m);
    if (v == ACCEPT) {
        push_match(s, m);
    } else if (v == REFUSE) {
        ks_grow((void **)&s->refused, &s->refused_cap, s->nrefused + 1, sizeof(ks_match));
        s->refused[s->nrefused++] = *m;
    }
}

/* A generic rule: the keyword's assignment, judged (generic.c). */
static void confirm_extract(ks_scratch *s, uint32_t id, size_t e_end, size_t from, size_t to,
                            bool provisional)
{
    const ks_scan_args *a = s->args;
    const erule *er = &s->e->rules[id];
    ks_assignment asg;
    if (!ks_find_assignment(a->data, from, to, e_end, a->flags, &asg))
        return;
    if (asg.start < s->covered[id])
        return;
    bool secret_class = asg.cls == KS_KEY_CLASS_SECRET || asg.cls == KS_KEY_CLASS_KEY;
    if (secret_class != (er->extract == EXTRACT_SECRET))
        return;
    ks_judgement j = ks_judge_value(asg.cls, a->data + asg.vstart, asg.vend - asg.vstart,
                                    asg.quote, a->flags);
    ks_verdict need = er->extract == EXTRACT_WEAK ? KS_VERDICT_WEAK : KS_VERDICT_SECRET;
    if (j.verdict != need || (asg.strict && j.verdict != KS_VERDICT_SECRET))
        return;
    if (j.verdict == KS_VERDICT_WEAK &&
        (ks_gen_weak_is_example(a->flags) ||
         ks_gen_example_line(a->data, a->len, asg.kstart, a->flags)))
        return;
    s->covered[id] = asg.end;
    ks_match m = {.rule = id,
                  .start = asg.start,
                  .end = asg.end,
                  .sstart = asg.vstart,
                  .send = asg.vend,
                  .kstart = asg.kstart,
                  .kend = asg.kend,
                  .syntax = asg.syntax,
                  .confidence = j.confidence,
                  .provisional = provisional};
    push_match(s, &m);
}

/* Compile a rule whose database came from the cache. Runs under jit_lock;
 * the engine is otherwise immutable. */
static void compile_lazy(const ks_engine *ce, uint32_t id)
{
    ks_engine *e = (ks_engine *)(uintptr_t)ce;
    if (compile_pcre(e, id) != 0)
        e->rules[id].re = NULL;
}

static void confirm(ks_scratch *s, uint32_t id, size_t e_end)
{
    const ks_scan_args *a = s->args;
    const ks_engine *e = s->e;
    erule *er = &e->rules[id];
    const ks_rule *r = &e->rs->rules[id];

    if (s->gen[id] != s->scan) {
        s->gen[id] = s->scan;
        s->covered[id] = 0;
    }
    if (e_end <= s->covered[id])
        return;
    bool provisional = false;
    if (ks_rule_has_paths(r) && a->applies) {
        ks_applies ap = a->applies(a->applies_ctx, id);
        if (ap == KS_APPLIES_NO) {
            s->covered[id] = SIZE_MAX; /* not in this buffer */
            return;
        }
        provisional = ap == KS_APPLIES_LATER;
    }
    if (!atomic_load_explicit(&er->jitted, memory_order_acquire)) {
        /* JIT-compile on first use: most rules never hit in a pre-commit
         * run, and compiling all of them would cost more than the scan.
         * No thread matches with the rule before the flag is set, so the
         * code object is never read while the JIT writes it. JIT is an
         * accelerator: where it is unavailable the interpreter gives the
         * same answers. */
        pthread_mutex_lock(e->jit_lock);
        if (!atomic_load_explicit(&er->jitted, memory_order_relaxed)) {
            if (!er->re)
                compile_lazy(e, id);
            if (er->re)
                (void)pcre2_jit_compile(er->re, PCRE2_JIT_COMPLETE);
            atomic_store_explicit(&er->jitted, true, memory_order_release);
        }
        pthread_mutex_unlock(e->jit_lock);
    }
    size_t w = er->width;
    size_t from = e_end > w ? e_end - w : 0;
    size_t subject_end = a->len - e_end > w ? e_end + w : a->len;
    if (er->extract) {
        confirm_extract(s, id, e_end, from, subject_end, provisional);
        return;
    }
    if (!er->re)
        return; /* the pattern stopped compiling since it was cached */
    PCRE2_SIZE pos = from;

    while (pos <= subject_end) {
        int rc = pcre2_match(er->re, (PCRE2_SPTR)a->data, subject_end, pos, 0, s->md, s->mctx);
        if (rc < 0)
            return; /* no match, or a limit hit: nothing confirmed */
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(s->md);
        size_t ms = ov[0], me = ov[1];
        if (ms >= e_end)
            return;
        if (me < e_end || ms < s->covered[id]) {
            /* An earlier match (reported through its own hit), or one
             * overlapping a match already handled: look further. */
            pos = me > ms ? me : ms + 1;
            if (me >= e_end)
                return;
            continue;
        }
        s->covered[id] = me;
        ks_match m = {.rule = id,
                      .start = ms,
                      .end = me,
                      .confidence = r->confidence,
                      .provisional = provisional};
        uint32_t g = (uint32_t)r->secret_group;
        if (g > 0 && (g >= (uint32_t)rc || ov[2 * g] == PCRE2_UNSET)) {
            /* The named group did not take part: use the first that did. */
            for (g = 1; g < (uint32_t)rc && ov[2 * g] == PCRE2_UNSET; g++)
                ;
            if (g >= (uint32_t)rc)
                g = 0;
        }
        m.sstart = ov[2 * g];
        m.send = ov[2 * g + 1];
        uint32_t kg = (uint32_t)r->key_group;
        if (kg > 0 && kg < (uint32_t)rc && ov[2 * kg] != PCRE2_UNSET) {
            m.kstart = ov[2 * kg];
            m.kend = ov[2 * kg + 1];
        }
        m.syntax = r->syntax;
        push_checked(s, r, &m);
        return;
    }
}

static int on_hit(unsigned int id, unsigned long long from, unsigned long long to,
                  unsigned int flags, void *ctx)
{
    (void)from;
    (void)flags;
    ks_scratch *s = ctx;
    const ks_scan_args *a = s->args;
    if (to <= a->own_from || to > a->own_to)
        return 0;
    if (id >= s->e->rs->nrules) {
        if (a->mark && !(a->flags & KS_SCAN_ONE_RULE))
            a->mark(a->mark_ctx, id - s->e->rs->nrules, (size_t)to);
        return 0;
    }
    for (uint32_t r = id; r != NO_TWIN; r = s->e->rules[r].twin)
        if (!(a->flags & KS_SCAN_ONE_RULE) || r == a->only_rule)
            confirm(s, r, (size_t)to);
    return 0;
}

static int on_name(unsigned int id, unsigned long long from, unsigned long long to,
                   unsigned int flags, void *ctx)
{
    (void)from;
    (void)to;
    (void)flags;
    ((ks_applies *)ctx)[id] = KS_APPLIES_YES;
    return 0;
}

void ks_engine_paths_apply(const ks_engine *e, ks_scratch *s, const char *path, ks_applies *ok)
{
    const char *p = ks_glob_path_start(path);
    for (size_t i = 0; i < e->npathish; i++) {
        uint32_t r = e->pathish[i];
        ok[r] = e->rs->rules[r].npaths ? KS_APPLIES_NO : KS_APPLIES_YES;
    }
    if (e->names && hs_scan(e->names, p, (unsigned)strnlen(p, UINT_MAX), 0, s->hs_names, on_name,
                            ok) != HS_SUCCESS) {
        /* Vectorscan cannot fail on a valid database and scratch; if it
         * ever did, the globs are asked one by one. */
        for (size_t i = 0; i < e->npathish; i++) {
            const ks_rule *r = &e->rs->rules[e->pathish[i]];
            if (r->npaths)
                ok[e->pathish[i]] = ks_glob_match_path(r->paths, r->npaths, path)
                                        ? KS_APPLIES_YES
                                        : KS_APPLIES_NO;
        }
    }
    for (size_t i = 0; i < e->npathish; i++) {
        uint32_t r = e->pathish[i];
        if (ok[r] == KS_APPLIES_YES && e->rs->rules[r].path_re)
            ok[r] = ks_rule_path_regex_applies(&e->rs->rules[r], path) ? KS_APPLIES_YES
                                                                       : KS_APPLIES_NO;
    }
}

/* Whether DB_PATHS must be scanned: one of its rules applies, or may. */
static bool paths_wanted(const ks_engine *e, const ks_scan_args *a)
{
    if (!e->db[DB_PATHS])
        return false;
    if (a->flags & KS_SCAN_ONE_RULE)
        return e->rules[a->only_rule].db == DB_PATHS;
    if (!a->applies)
        return true;
    for (size_t i = 0; i < e->npath_rules; i++)
        if (a->applies(a->applies_ctx, e->path_rules[i]) != KS_APPLIES_NO)
            return true;
    return false;
}

static int cmp_match(const void *pa, const void *pb)
{
    const ks_match *a = pa, *b = pb;
    if (a->sstart != b->sstart)
        return a->sstart < b->sstart ? -1 : 1;
    if (a->rule != b->rule)
        return a->rule < b->rule ? -1 : 1;
    return 0;
}

/* Which of two matches over the same bytes is the better explanation: the
 * rule with higher confidence, then the one whose pattern saw more context
 * (a service-account JSON field beats a bare PEM block). */
static bool better(const ks_engine *e, const ks_match *a, const ks_match *b)
{
    bool fa = e->rs->rules[a->rule].fallback, fb = e->rs->rules[b->rule].fallback;
    if (fa != fb)
        return fb; /* a generic rule gives way to a specific one */
    ks_confidence ca = e->rs->rules[a->rule].confidence, cb = e->rs->rules[b->rule].confidence;
    if (ca != cb)
        return ca > cb;
    size_t la = a->end - a->start, lb = b->end - b->start;
    if (la != lb)
        return la > lb;
    return a->rule < b->rule;
}

/* Generic matches over bytes a specific rule refused. */
static void drop_refused(ks_scratch *s)
{
    size_t k = 0;
    for (size_t i = 0; i < s->nmatches; i++) {
        const ks_match *m = &s->matches[i];
        bool drop = false;
        for (size_t j = 0; j < s->nrefused && !drop && s->e->rs->rules[m->rule].fallback; j++)
            drop = !s->refused[j].provisional && s->refused[j].sstart < m->send &&
                   s->refused[j].send > m->sstart;
        if (!drop)
            s->matches[k++] = *m;
    }
    s->nmatches = k;
}

static void suppress_overlaps(ks_scratch *s)
{
    ks_match *m = s->matches;
    size_t n = s->nmatches;
    bool *drop = NULL;
    if (n < 2)
        return;
    drop = ks_xcalloc(n, sizeof(bool));
    for (size_t i = 0; i < n; i++) {
        for (size_t j = i + 1; j < n && m[j].sstart < m[i].send; j++) {
            if (drop[i] || drop[j])
                continue;
            /* A certificate next to a secret is inventory, not a rival. */
            if (s->e->rs->rules[m[i].rule].inventory != s->e->rs->rules[m[j].rule].inventory)
                continue;
            /* A match whose path is judged later may yet be dropped: until
             * then it is no rival (a history scan would lose the other). */
            if (m[i].provisional || m[j].provisional)
                continue;
            if (better(s->e, &m[i], &m[j]))
                drop[j] = true;
            else
                drop[i] = true;
        }
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!drop[i])
            m[k++] = m[i];
    s->nmatches = k;
    free(drop);
}

int ks_engine_scan(const ks_engine *e, ks_scratch *s, const ks_scan_args *a, ks_match_fn fn,
                   void *payload)
{
    if (a->len == 0)
        return 0;
    if (a->len > UINT_MAX)
        return ks_error_set(KS_EINVAL, "buffer too large for one scan (%zu bytes)", a->len);
    s->args = a;
    s->nmatches = 0;
    s->nrefused = 0;
    if (++s->scan == 0) { /* wrapped: every rule's `covered` is stale */
        memset(s->gen, 0, e->rs->nrules * sizeof(uint32_t));
        s->scan = 1;
    }
    hs_error_t hr = HS_SUCCESS;
    if (e->db[DB_MAIN] && !((a->flags & KS_SCAN_ONE_RULE) && e->rules[a->only_rule].db != DB_MAIN))
        hr = hs_scan(e->db[DB_MAIN], (const char *)a->data, (unsigned)a->len, 0, s->hs, on_hit, s);
    if (hr == HS_SUCCESS && paths_wanted(e, a))
        hr = hs_scan(e->db[DB_PATHS], (const char *)a->data, (unsigned)a->len, 0, s->hs, on_hit,
                     s);
    s->args = NULL;
    if (hr != HS_SUCCESS && hr != HS_SCAN_TERMINATED)
        return ks_error_set(KS_EENGINE, "Vectorscan scan failed (error %d)", (int)hr);
    if (s->nmatches > 1)
        qsort(s->matches, s->nmatches, sizeof(ks_match), cmp_match);
    if (s->nrefused)
        drop_refused(s);
    if (!(a->flags & KS_SCAN_NO_SUPPRESS))
        suppress_overlaps(s);
    for (size_t i = 0; i < s->nmatches; i++) {
        int rc = fn(&s->matches[i], payload);
        if (rc)
            return rc;
    }
    return 0;
}
