/*
 * findings.c - fingerprints, redaction, and merging hits into findings.
 */
#include "findings.h"

#include "crypto.h"

#include "../engine/engine.h"
#include "../engine/validate.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ks_fingerprint(uint8_t out[16], const char *rule_id, const uint8_t *secret, size_t len)
{
    uint8_t *norm = ks_xmalloc(len + 1);
    size_t nl = ks_secret_normalise(norm, secret, len);
    uint8_t h[EVP_MAX_MD_SIZE];
    unsigned hl = 0;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_DigestInit_ex(md, EVP_sha256(), NULL);
    EVP_DigestUpdate(md, rule_id, strlen(rule_id) + 1);
    EVP_DigestUpdate(md, norm, nl);
    EVP_DigestFinal_ex(md, h, &hl);
    EVP_MD_CTX_free(md);
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

void ks_location_dispose(ks_location *l)
{
    free(l->path);
    free(l->snippet);
    if (l->prov) {
        free(l->prov->author);
        free(l->prov->summary);
        free(l->prov);
    }
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

void ks_location_copy(ks_location *dst, const ks_location *src)
{
    *dst = *src;
    dst->path = dup_or_null(src->path);
    dst->snippet = dup_or_null(src->snippet);
    if (src->prov) {
        dst->prov = ks_xmalloc(sizeof *dst->prov);
        *dst->prov = *src->prov;
        dst->prov->author = dup_or_null(src->prov->author);
        dst->prov->summary = dup_or_null(src->prov->summary);
    }
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

void ks_location_set_root(ks_location *l, size_t old_len, const char *root)
{
    size_t pl = strlen(l->path), rl = strlen(root);
    if (old_len > pl)
        old_len = pl;
    char *p = ks_xmalloc(rl + pl - old_len + 1);
    memcpy(p, root, rl);
    memcpy(p + rl, l->path + old_len, pl - old_len + 1);
    free(l->path);
    l->path = p;
    if (l->bin && l->bin->nchain) {
        free(l->bin->chain[0].name);
        l->bin->chain[0].name = ks_xstrdup(root);
    }
}

void ks_finding_dispose(ks_finding *f)
{
    ks_crypto_free(f->crypto);
    free(f->secret);
    free(f->redacted);
    for (size_t j = 0; j < f->nlocs; j++)
        ks_location_dispose(&f->locs[j]);
    free(f->locs);
    memset(f, 0, sizeof *f);
}

void ks_diags_add(ks_diags *d, const char *path, const char *msg)
{
    ks_grow((void **)&d->v, &d->cap, d->n + 1, sizeof(ks_diag));
    d->v[d->n].path = ks_xstrdup(path);
    d->v[d->n].message = ks_xstrdup(msg);
    d->n++;
}

void ks_diags_move(ks_diags *d, ks_results *res)
{
    for (size_t i = 0; i < d->n; i++)
        ks_results_diag(res, d->v[i].path, d->v[i].message);
    ks_diags_dispose(d);
}

void ks_diags_dispose(ks_diags *d)
{
    for (size_t i = 0; i < d->n; i++) {
        free(d->v[i].path);
        free(d->v[i].message);
    }
    free(d->v);
    memset(d, 0, sizeof *d);
}

void ks_results_suppress(ks_results *res, const ks_finding *f, const char *how, const char *reason,
                         const char *owner, const char *expires)
{
    res->suppressed =
        ks_xrealloc(res->suppressed, (res->nsuppressed + 1) * sizeof(ks_suppression));
    ks_suppression *s = &res->suppressed[res->nsuppressed++];
    memset(s, 0, sizeof *s);
    memcpy(s->fingerprint, f->fingerprint, sizeof s->fingerprint);
    s->rule_id = ks_xstrdup(res->rs->rules[f->rule].id);
    s->where = ks_xstrdup(f->nlocs ? f->locs[0].path : "");
    s->how = how;
    s->reason = reason && *reason ? ks_xstrdup(reason) : NULL;
    s->owner = owner && *owner ? ks_xstrdup(owner) : NULL;
    snprintf(s->expires, sizeof s->expires, "%s", expires ? expires : "");
}

void ks_results_diag(ks_results *res, const char *path, const char *msg)
{
    ks_grow((void **)&res->diags, &res->diagcap, res->ndiags + 1, sizeof(ks_diag));
    res->diags[res->ndiags].path = ks_xstrdup(path);
    res->diags[res->ndiags].message = ks_xstrdup(msg);
    res->ndiags++;
    res->sum.warnings++;
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

static const ks_ruleset *sort_rs;

static int cmp_finding(const void *pa, const void *pb)
{
    const ks_finding *a = pa, *b = pb;
    ks_severity sa = sort_rs->rules[a->rule].severity, sb = sort_rs->rules[b->rule].severity;
    if (sa != sb)
        return sa > sb ? -1 : 1;
    int c = strcmp(a->locs[0].path, b->locs[0].path);
    if (c)
        return c;
    if (a->locs[0].offset != b->locs[0].offset)
        return a->locs[0].offset < b->locs[0].offset ? -1 : 1;
    return strcmp(a->fingerprint, b->fingerprint);
}

void ks_results_merge(ks_results *res, ks_hitlist *lists, size_t nlists)
{
    size_t total = 0;
    for (size_t i = 0; i < nlists; i++)
        total += lists[i].n;
    ks_hit **all = ks_xcalloc(total, sizeof(ks_hit *));
    size_t k = 0;
    for (size_t i = 0; i < nlists; i++)
        for (size_t j = 0; j < lists[i].n; j++)
            all[k++] = &lists[i].v[j];
    qsort(all, total, sizeof(ks_hit *), cmp_hit);

    res->findings = ks_xcalloc(total, sizeof(ks_finding));
    res->nfindings = 0;
    for (size_t i = 0; i < total;) {
        size_t j = i;
        while (j < total && memcmp(all[j]->fp, all[i]->fp, 16) == 0)
            j++;
        ks_finding *f = &res->findings[res->nfindings++];
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
        i = j;
    }
    free(all);
    for (size_t i = 0; i < nlists; i++) {
        free(lists[i].v);
        memset(&lists[i], 0, sizeof lists[i]);
    }
    ks_results_sort(res);
}

void ks_results_sort(ks_results *res)
{
    sort_rs = res->rs;
    if (res->nfindings > 1)
        qsort(res->findings, res->nfindings, sizeof(ks_finding), cmp_finding);
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
    for (size_t i = 0; i < res->ndiags; i++) {
        free(res->diags[i].path);
        free(res->diags[i].message);
    }
    free(res->diags);
    free(res->source);
    for (size_t i = 0; i < res->ntargets; i++) {
        free(res->targets[i]);
        free(res->target_digest[i]);
    }
    free(res->targets);
    free(res->target_digest);
    memset(res, 0, sizeof *res);
}

ks_severity ks_results_max_severity(const ks_results *res)
{
    ks_severity m = KS_SEV_NONE;
    for (size_t i = 0; i < res->nfindings; i++)
        if (res->rs->rules[res->findings[i].rule].severity > m)
            m = res->rs->rules[res->findings[i].rule].severity;
    return m;
}

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
