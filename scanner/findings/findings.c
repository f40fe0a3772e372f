/*
 * findings.c - fingerprints, redaction, and merging hits into findings.
 */
#include "findings.h"

#include "crypto.h"

#include "../engine/engine.h"
#include "../engine/validate.h"
#include "../core/glob.h"
#include "../core/sha256.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ks_fingerprint(uint8_t out[16], const char *rule_id, const uint8_t *secret, size_t len)
{
    uint8_t *norm = ks_xmalloc(len + 1);
    size_t nl = ks_secret_normalise(norm, secret, len);
    uint8_t h[32];
    ks_sha256_ctx md;
    ks_sha256_init(&md);
    ks_sha256_update(&md, rule_id, strlen(rule_id) + 1);
    ks_sha256_update(&md, norm, nl);
    ks_sha256_final(&md, h);
    memcpy(out, h, 16);
    free(norm);
}

char *ks_printable(const uint8_t *s, size_t len)
{
    char *out = ks_xmalloc(len * 4 + 1);
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] >= 0x20 && s[i] < 0x7f) {
            out[o++] = (char)s[i];
        } else {
            snprintf(out + o, 5, "\\x%02x", s[i]);
            o += 4;
        }
    }
    out[o] = '\0';
    return out;
}

char *ks_redact(const uint8_t *s, size_t len)
{
    size_t show;
    /* Armored keys: the BEGIN line says what it is and is not secret. */
    if (len > 16 && memcmp(s, "-----BEGIN", 10) == 0) {
        const uint8_t *d = memmem(s + 10, len - 10, "-----", 5);
        show = d ? (size_t)(d - s) + 5 : 10;
    } else if (len >= 32) {
        show = 8;
    } else if (len >= 20) {
        show = 6;
    } else if (len >= 12) {
        show = 3;
    } else {
        show = 0;
    }
    for (size_t i = 0; i < show; i++)
        if (s[i] < 0x20 || s[i] >= 0x7f) {
            show = i;
            break;
        }
    char *p = ks_printable(s, show);
    size_t l = strlen(p);
    p = ks_xrealloc(p, l + 4);
    memcpy(p + l, "\xe2\x80\xa6", 4); /* … */
    return p;
}

void ks_provenance_free(ks_provenance *p)
{
    if (!p)
        return;
    free(p->author);
    free(p->summary);
    free(p);
}

void ks_location_dispose(ks_location *l)
{
    free(l->path);
    free(l->snippet);
    free(l->key);
    ks_provenance_free(l->prov);
    if (l->bin) {
        for (size_t i = 0; i < l->bin->nchain; i++)
            free(l->bin->chain[i].name);
        free(l->bin->chain);
        free(l->bin->symbol);
        free(l->bin);
    }
    memset(l, 0, sizeof *l);
}

static char *dup_or_null(const char *s)
{
    return s ? ks_xstrdup(s) : NULL;
}

static ks_provenance *provenance_copy(const ks_provenance *p)
{
    if (!p)
        return NULL;
    ks_provenance *d = ks_xmalloc(sizeof *d);
    *d = *p;
    d->author = dup_or_null(p->author);
    d->summary = dup_or_null(p->summary);
    return d;
}

void ks_location_copy(ks_location *dst, const ks_location *src)
{
    *dst = *src;
    dst->path = dup_or_null(src->path);
    dst->snippet = dup_or_null(src->snippet);
    dst->key = dup_or_null(src->key);
    dst->prov = provenance_copy(src->prov);
    if (src->bin) {
        dst->bin = ks_xmalloc(sizeof *dst->bin);
        *dst->bin = *src->bin;
        dst->bin->symbol = dup_or_null(src->bin->symbol);
        dst->bin->chain = ks_xcalloc(src->bin->nchain, sizeof(ks_chain_link));
        for (size_t i = 0; i < src->bin->nchain; i++) {
            dst->bin->chain[i].name = ks_xstrdup(src->bin->chain[i].name);
            dst->bin->chain[i].offset = src->bin->chain[i].offset;
        }
    }
}

/* Name the root of a location's origin: the first root_len bytes of its
 * path (the source's placeholder for the blob) become `root`. */
static void set_root(ks_location *l, const char *root)
{
    size_t pl = strlen(l->path), rl = strlen(root), old = l->root_len < pl ? l->root_len : pl;
    char *p = ks_xmalloc(rl + pl - old + 1);
    memcpy(p, root, rl);
    memcpy(p + rl, l->path + old, pl - old + 1);
    free(l->path);
    l->path = p;
    l->root_len = rl;
    if (l->bin && l->bin->nchain) {
        free(l->bin->chain[0].name);
        l->bin->chain[0].name = ks_xstrdup(root);
    }
}

static void shared_free(ks_shared *s)
{
    if (!s)
        return;
    free(s->images);
    for (size_t i = 0; i < s->nmatches; i++)
        free(s->matches[i]);
    free(s->matches);
    free(s->merged);
    free(s);
}

void ks_finding_dispose(ks_finding *f)
{
    shared_free(f->shared);
    ks_crypto_free(f->crypto);
    free(f->secret);
    free(f->redacted);
    for (size_t j = 0; j < f->nlocs; j++)
        ks_location_dispose(&f->locs[j]);
    free(f->locs);
    memset(f, 0, sizeof *f);
}

void ks_results_add_diags(ks_results *res, ks_diags *d)
{
    res->sum.warnings += d->n;
    ks_diags_move(&res->diags, d);
}

static void record_suppression(ks_results *res, const ks_finding *f, const ks_acceptance *why)
{
    res->suppressed =
        ks_xrealloc(res->suppressed, (res->nsuppressed + 1) * sizeof(ks_suppression));
    ks_suppression *s = &res->suppressed[res->nsuppressed++];
    memset(s, 0, sizeof *s);
    memcpy(s->fingerprint, f->fingerprint, sizeof s->fingerprint);
    s->rule_id = ks_xstrdup(res->rs->rules[f->rule].id);
    s->where = ks_xstrdup(f->nlocs ? f->locs[0].path : "");
    s->how = why->how;
    s->reason = why->reason && *why->reason ? ks_xstrdup(why->reason) : NULL;
    s->owner = why->owner && *why->owner ? ks_xstrdup(why->owner) : NULL;
    snprintf(s->expires, sizeof s->expires, "%s", why->expires ? why->expires : "");
}

void ks_hitlist_dispose(ks_hitlist *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].secret);
        ks_location_dispose(&l->v[i].loc);
    }
    free(l->v);
    memset(l, 0, sizeof *l);
}

/* Keep the findings `keep` says yes to (in order); dispose of the rest. */
static void filter(ks_results *res, bool (*keep)(ks_results *res, ks_finding *f, size_t i,
                                                  void *payload),
                   void *payload)
{
    size_t k = 0;
    for (size_t i = 0; i < res->nfindings; i++) {
        ks_finding *f = &res->findings[i];
        if (keep(res, f, i, payload))
            res->findings[k++] = *f;
        else
            ks_finding_dispose(f);
    }
    res->nfindings = k;
}

/* ------------------------------------------------------------------------ */
/* 1. From hits                                                              */

static int cmp_hit(const void *pa, const void *pb)
{
    const ks_hit *a = *(const ks_hit *const *)pa, *b = *(const ks_hit *const *)pb;
    int c = memcmp(a->fp, b->fp, 16);
    if (c)
        return c;
    c = strcmp(a->loc.path, b->loc.path);
    if (c)
        return c;
    return a->loc.offset < b->loc.offset ? -1 : a->loc.offset > b->loc.offset;
}

/* The hits all[i..j) share a fingerprint: one finding. */
static void make_finding(ks_finding *f, ks_hit **all, size_t i, size_t j)
{
    ks_hit *h = all[i];
    f->rule = h->rule;
    ks_hex(f->fingerprint, h->fp, 16);
    f->secret = h->secret;
    f->secret_len = h->secret_len;
    h->secret = NULL;
    f->redacted = ks_redact(f->secret, f->secret_len);
    f->locs = ks_xcalloc(j - i, sizeof(ks_location));
    f->present_at_head = -1;
    for (size_t m = i; m < j; m++) {
        ks_hit *x = all[m];
        if (x->confidence > f->confidence)
            f->confidence = x->confidence;
        f->checks |= x->checks;
        /* The same place reached twice (a path given twice): one location. */
        if (f->nlocs && strcmp(f->locs[f->nlocs - 1].path, x->loc.path) == 0 &&
            f->locs[f->nlocs - 1].offset == x->loc.offset) {
            ks_location_dispose(&x->loc);
        } else {
            f->locs[f->nlocs++] = x->loc;
        }
        memset(&x->loc, 0, sizeof x->loc);
        free(x->secret);
        x->secret = NULL;
    }
    /* A checksum that verified anywhere is what the finding reports. */
    if (f->checks & KS_CHECK_CHECKSUM_OK)
        f->checks &= ~(uint32_t)KS_CHECK_CHECKSUM_BAD;
}

void ks_results_from_hits(ks_results *res, ks_hitlist *lists, size_t nlists)
{
    size_t total = 0;
    for (size_t i = 0; i < nlists; i++)
        total += lists[i].n;
    ks_hit **all = ks_xcalloc(total ? total : 1, sizeof(ks_hit *));
    size_t k = 0;
    for (size_t i = 0; i < nlists; i++)
        for (size_t j = 0; j < lists[i].n; j++)
            all[k++] = &lists[i].v[j];
    qsort(all, total, sizeof(ks_hit *), cmp_hit);

    res->findings = ks_xcalloc(total ? total : 1, sizeof(ks_finding));
    res->nfindings = 0;
    for (size_t i = 0; i < total;) {
        size_t j = i;
        while (j < total && memcmp(all[j]->fp, all[i]->fp, 16) == 0)
            j++;
        make_finding(&res->findings[res->nfindings++], all, i, j);
        i = j;
    }
    free(all);
    for (size_t i = 0; i < nlists; i++) {
        free(lists[i].v);
        memset(&lists[i], 0, sizeof lists[i]);
    }
}

/* ------------------------------------------------------------------------ */
/* 2. Provenance                                                             */

typedef struct join_ctx {
    ks_prov_fn fn;
    void *payload;
} join_ctx;

/* A rule with `paths` whose blob had no path when it was scanned (a git
 * blob from a pack) is judged now, by the path the record gives. A file
 * inside the blob (an archive or file system member, `:` in the origin) was
 * judged by its own path when it was scanned; a part or a decoded stream
 * (`blob!uimage!gzip`) has no path of its own, and is in the blob's file. */
static bool path_allowed(const ks_rule *rule, const ks_location *l)
{
    if (!ks_rule_has_paths(rule))
        return true;
    size_t pl = strlen(l->path), rl = l->root_len < pl ? l->root_len : pl;
    if (memchr(l->path + rl, ':', pl - rl))
        return true;
    char *root = ks_xstrndup(l->path, rl);
    bool ok = ks_rule_path_applies(rule, root);
    free(root);
    return ok;
}

/* Each location of f as the source's records say; false when none is left. */
static bool join_one(ks_results *res, ks_finding *f, size_t i, void *payload)
{
    (void)i;
    join_ctx *j = payload;
    const ks_rule *rule = &res->rs->rules[f->rule];
    ks_location *locs = NULL;
    size_t n = 0, cap = 0;
    bool history = false, at_head = false;
    for (size_t li = 0; li < f->nlocs; li++) {
        ks_location *l = &f->locs[li];
        if (l->blob_key.kind == KS_KEY_NONE) {
            ks_grow((void **)&locs, &cap, n + 1, sizeof(ks_location));
            locs[n++] = *l;
            continue;
        }
        ks_place where = {.line = l->line, .strings = l->bin && l->bin->strings};
        ks_prov_record *recs = NULL;
        size_t nr = j->fn(j->payload, &l->blob_key, where, &recs);
        for (size_t r = 0; r < nr; r++) {
            ks_grow((void **)&locs, &cap, n + 1, sizeof(ks_location));
            ks_location *nl = &locs[n++];
            ks_location_copy(nl, l);
            set_root(nl, recs[r].root);
            if (!path_allowed(rule, nl)) {
                ks_location_dispose(nl);
                n--;
                ks_provenance_free(recs[r].prov);
                free(recs[r].root);
                continue;
            }
            ks_provenance_free(nl->prov);
            nl->prov = recs[r].prov;
            if (nl->prov) {
                history = true;
                at_head = at_head || nl->prov->at_head;
            }
            free(recs[r].root);
        }
        free(recs);
        ks_location_dispose(l);
    }
    free(f->locs);
    f->locs = locs;
    f->nlocs = n;
    if (history)
        f->present_at_head = at_head ? 1 : 0;
    return n > 0;
}

/* One location of one finding, for settle_places. */
typedef struct place_ref {
    const char *path;
    uint64_t offset;
    size_t finding, loc;
} place_ref;

static int cmp_place(const void *pa, const void *pb)
{
    const place_ref *a = pa, *b = pb;
    int c = strcmp(a->path, b->path);
    if (c)
        return c;
    if (a->offset != b->offset)
        return a->offset < b->offset ? -1 : 1;
    if (a->finding != b->finding)
        return a->finding < b->finding ? -1 : 1;
    return a->loc < b->loc ? -1 : a->loc > b->loc;
}

/* Of two rules at one place, whether a is the better: a rule for the
 * file's own format (it has `paths`, and they held) over one that is not,
 * then as the engine prefers, a specific rule over a fallback and higher
 * confidence. 0: no telling. */
static int better_at_place(const ks_rule *a, const ks_rule *b)
{
    if (ks_rule_has_paths(a) != ks_rule_has_paths(b))
        return ks_rule_has_paths(a) ? 1 : -1;
    if (a->fallback != b->fallback)
        return a->fallback ? -1 : 1;
    if (a->confidence != b->confidence)
        return a->confidence > b->confidence ? 1 : -1;
    return 0;
}

static bool has_locations(ks_results *res, ks_finding *f, size_t i, void *payload)
{
    (void)res;
    (void)i;
    (void)payload;
    return f->nlocs > 0;
}

/* A rule with `paths` whose blob had no path when it was scanned (a git
 * blob from a pack) rivalled no other rule there (its match was
 * provisional); now that its path held, the two are settled as the engine
 * settles them: one finding for one place. */
static void settle_places(ks_results *res)
{
    size_t n = 0;
    bool any = false;
    for (size_t i = 0; i < res->nfindings; i++) {
        n += res->findings[i].nlocs;
        any = any || ks_rule_has_paths(&res->rs->rules[res->findings[i].rule]);
    }
    if (!any || n < 2)
        return;
    place_ref *refs = ks_xcalloc(n, sizeof *refs);
    size_t *base = ks_xcalloc(res->nfindings, sizeof(size_t));
    size_t k = 0;
    for (size_t i = 0; i < res->nfindings; i++) {
        base[i] = k;
        for (size_t li = 0; li < res->findings[i].nlocs; li++)
            refs[k++] = (place_ref){res->findings[i].locs[li].path,
                                    res->findings[i].locs[li].offset, i, li};
    }
    qsort(refs, n, sizeof *refs, cmp_place);
    bool *drop = ks_xcalloc(n, sizeof(bool)); /* by base[finding] + loc */
    for (size_t a = 0; a < n; a++) {
        for (size_t b = a + 1;
             b < n && refs[b].offset == refs[a].offset && strcmp(refs[b].path, refs[a].path) == 0;
             b++) {
            size_t ga = base[refs[a].finding] + refs[a].loc;
            size_t gb = base[refs[b].finding] + refs[b].loc;
            const ks_rule *ra = &res->rs->rules[res->findings[refs[a].finding].rule];
            const ks_rule *rb = &res->rs->rules[res->findings[refs[b].finding].rule];
            if (drop[ga] || drop[gb] || ra == rb || ra->inventory != rb->inventory ||
                (!ks_rule_has_paths(ra) && !ks_rule_has_paths(rb)))
                continue;
            int c = better_at_place(ra, rb);
            if (c > 0)
                drop[gb] = true;
            else if (c < 0)
                drop[ga] = true;
        }
    }
    free(refs); /* its paths are the locations', some freed below */
    for (size_t i = 0; i < res->nfindings; i++) {
        ks_finding *f = &res->findings[i];
        size_t m = 0;
        for (size_t li = 0; li < f->nlocs; li++) {
            if (drop[base[i] + li])
                ks_location_dispose(&f->locs[li]);
            else
                f->locs[m++] = f->locs[li];
        }
        f->nlocs = m;
    }
    free(drop);
    free(base);
    filter(res, has_locations, NULL);
}

void ks_results_join(ks_results *res, ks_prov_fn fn, void *payload)
{
    join_ctx j = {fn, payload};
    filter(res, join_one, &j);
    settle_places(res);
}

/* ------------------------------------------------------------------------ */
/* 3. Known secrets                                                          */

static bool not_known(ks_results *res, ks_finding *f, size_t i, void *payload)
{
    (void)res;
    (void)f;
    return !((const bool *)payload)[i];
}

void ks_results_drop_known(ks_results *res, ks_known_fn fn, void *payload)
{
    if (!res->nfindings)
        return;
    ks_secret_ref *refs = ks_xcalloc(res->nfindings, sizeof *refs);
    bool *known = ks_xcalloc(res->nfindings, sizeof(bool));
    for (size_t i = 0; i < res->nfindings; i++)
        refs[i] = (ks_secret_ref){res->findings[i].secret, res->findings[i].secret_len};
    fn(payload, refs, res->nfindings, known);
    filter(res, not_known, known);
    free(known);
    free(refs);
}

/* ------------------------------------------------------------------------ */
/* 5. Added and moved findings                                               */

void ks_results_add(ks_results *res, ks_finding *f)
{
    res->findings = ks_xrealloc(res->findings, (res->nfindings + 1) * sizeof(ks_finding));
    res->findings[res->nfindings++] = *f;
    memset(f, 0, sizeof *f);
}

static bool not_inventory(ks_results *res, ks_finding *f, size_t i, void *payload)
{
    (void)i;
    size_t *icap = payload;
    if (!res->rs->rules[f->rule].inventory)
        return true;
    ks_grow((void **)&res->inventory, icap, res->ninventory + 1, sizeof(ks_finding));
    res->inventory[res->ninventory++] = *f;
    memset(f, 0, sizeof *f); /* moved: filter's dispose frees nothing */
    return false;
}

void ks_results_split_inventory(ks_results *res)
{
    size_t icap = res->ninventory;
    filter(res, not_inventory, &icap);
}

typedef struct remove_ctx {
    bool (*drop)(const ks_results *res, const ks_finding *f, void *payload);
    void *payload;
    size_t removed;
} remove_ctx;

static bool not_dropped(ks_results *res, ks_finding *f, size_t i, void *payload)
{
    (void)i;
    remove_ctx *r = payload;
    if (!r->drop(res, f, r->payload))
        return true;
    r->removed++;
    return false;
}

size_t ks_results_remove(ks_results *res,
                         bool (*drop)(const ks_results *res, const ks_finding *f, void *payload),
                         void *payload)
{
    remove_ctx r = {drop, payload, 0};
    filter(res, not_dropped, &r);
    return r.removed;
}

/* ------------------------------------------------------------------------ */
/* 6. Acceptance                                                             */

typedef struct accept_ctx {
    ks_accept_fn fn;
    void *payload;
    size_t removed;
} accept_ctx;

static bool not_accepted(ks_results *res, ks_finding *f, size_t i, void *payload)
{
    (void)i;
    accept_ctx *a = payload;
    ks_acceptance why = {0};
    if (!a->fn(a->payload, f, &why))
        return true;
    record_suppression(res, f, &why);
    a->removed++;
    return false;
}

size_t ks_results_accept(ks_results *res, ks_accept_fn fn, void *payload)
{
    accept_ctx a = {fn, payload, 0};
    filter(res, not_accepted, &a);
    return a.removed;
}

typedef struct accept_loc_ctx {
    ks_accept_loc_fn fn;
    void *payload;
    const char *how;
    size_t removed;
} accept_loc_ctx;

static bool some_location_left(ks_results *res, ks_finding *f, size_t i, void *payload)
{
    (void)i;
    accept_loc_ctx *a = payload;
    size_t k = 0, n = f->nlocs;
    for (size_t j = 0; j < n; j++) {
        if (a->fn(a->payload, res, f, &f->locs[j])) {
            a->removed++;
            if (k == 0 && j == n - 1) {
                /* The last one: it stays for the suppression's record. */
                f->locs[k++] = f->locs[j];
                f->nlocs = k;
                ks_acceptance why = {a->how, NULL, NULL, NULL};
                record_suppression(res, f, &why);
                return false;
            }
            ks_location_dispose(&f->locs[j]);
        } else {
            f->locs[k++] = f->locs[j];
        }
    }
    f->nlocs = k;
    return true;
}

size_t ks_results_accept_locations(ks_results *res, ks_accept_loc_fn fn, void *payload,
                                   const char *how)
{
    accept_loc_ctx a = {fn, payload, how, 0};
    filter(res, some_location_left, &a);
    return a.removed;
}

/* ------------------------------------------------------------------------ */
/* 7. Order                                                                  */

int ks_finding_cmp(const ks_ruleset *rs, const ks_finding *a, const ks_finding *b)
{
    ks_severity sa = ks_finding_severity(rs, a), sb = ks_finding_severity(rs, b);
    if (sa != sb)
        return sa > sb ? -1 : 1;
    int c = strcmp(a->locs[0].path, b->locs[0].path);
    if (c)
        return c;
    if (a->locs[0].offset != b->locs[0].offset)
        return a->locs[0].offset < b->locs[0].offset ? -1 : 1;
    return strcmp(a->fingerprint, b->fingerprint);
}

static int cmp_finding(const void *pa, const void *pb, void *ctx)
{
    return ks_finding_cmp(ctx, pa, pb);
}

void ks_results_sort(ks_results *res)
{
    void *rs = (void *)(uintptr_t)res->rs;
    if (res->nfindings > 1)
        qsort_r(res->findings, res->nfindings, sizeof(ks_finding), cmp_finding, rs);
    if (res->ninventory > 1)
        qsort_r(res->inventory, res->ninventory, sizeof(ks_finding), cmp_finding, rs);
}

void ks_results_dispose(ks_results *res)
{
    for (size_t i = 0; i < res->nfindings; i++)
        ks_finding_dispose(&res->findings[i]);
    free(res->findings);
    for (size_t i = 0; i < res->ninventory; i++)
        ks_finding_dispose(&res->inventory[i]);
    free(res->inventory);
    for (size_t i = 0; i < res->nsuppressed; i++) {
        free(res->suppressed[i].rule_id);
        free(res->suppressed[i].where);
        free(res->suppressed[i].reason);
        free(res->suppressed[i].owner);
    }
    free(res->suppressed);
    ks_diags_dispose(&res->diags);
    free(res->source);
    for (size_t i = 0; i < res->ntargets; i++) {
        free(res->targets[i]);
        free(res->target_digest[i]);
    }
    free(res->targets);
    free(res->target_digest);
    for (size_t i = 0; i < res->nimages; i++)
        free(res->images[i].path);
    free(res->images);
    if (res->owned_free)
        res->owned_free(res->owned);
    memset(res, 0, sizeof *res);
}

ks_severity ks_finding_severity(const ks_ruleset *rs, const ks_finding *f)
{
    return f->shared ? f->shared->severity : rs->rules[f->rule].severity;
}

ks_severity ks_results_max_severity(const ks_results *res)
{
    ks_severity m = KS_SEV_NONE;
    for (size_t i = 0; i < res->nfindings; i++)
        if (ks_finding_severity(res->rs, &res->findings[i]) > m)
            m = ks_finding_severity(res->rs, &res->findings[i]);
    return m;
}

/* ------------------------------------------------------------------------ */
/* 4. Context                                                                */

static const ks_context contexts[] = {
    {"ssh-host-key",
     "private-key",
     {"/etc/ssh/ssh_host_", "/etc/dropbear/", NULL},
     "SSH host key: every device that runs this image presents the same host identity, so "
     "one extracted key lets an attacker impersonate any of them and decrypt or intercept "
     "their SSH sessions. Remove host keys from the image and generate them on each device at "
     "first boot (ssh-keygen -A, dropbear -R), or provision them per device."},
};

void ks_results_context(ks_results *res)
{
    for (size_t i = 0; i < res->nfindings; i++) {
        ks_finding *f = &res->findings[i];
        const char *kind = res->rs->rules[f->rule].kind;
        for (size_t c = 0; c < sizeof contexts / sizeof contexts[0] && !f->context; c++) {
            if (strcmp(kind, contexts[c].kind) != 0)
                continue;
            for (size_t j = 0; j < f->nlocs && !f->context; j++)
                for (size_t k = 0; k < 3 && contexts[c].paths[k]; k++)
                    if (strstr(f->locs[j].path, contexts[c].paths[k]))
                        f->context = &contexts[c];
        }
    }
}
