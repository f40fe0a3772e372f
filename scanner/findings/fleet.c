/*
 * fleet.c - secrets shared across images. See fleet.h.
 *
 * DESIGN
 * The step sees findings only: a finding already groups every place its
 * secret occurs, in any image, so the images of a finding are read off its
 * locations' roots. The one regrouping is for private keys, whose
 * fingerprints differ by form (PEM, DER, OpenSSH) while their public key
 * is one: findings are sorted by identity (public key, else fingerprint)
 * and each run of equal identities is one candidate. Memory is the
 * findings' and one index per location.
 */
#include "fleet.h"

#include "crypto.h"

#include "../core/diag.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const fleet_kinds[] = {
    "private-key",    "password-hash",    "iot-credential",
    "pre-shared-key", "default-password", "password",
};

bool ks_fleet_kind(const char *kind)
{
    for (size_t i = 0; i < sizeof fleet_kinds / sizeof fleet_kinds[0]; i++)
        if (strcmp(kind, fleet_kinds[i]) == 0)
            return true;
    return false;
}

long ks_fleet_image_of(const ks_results *res, const ks_location *l)
{
    size_t pl = strlen(l->path), rl = l->root_len && l->root_len < pl ? l->root_len : pl;
    size_t lo = 0, hi = res->nimages;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const char *img = res->images[mid].path;
        int c = strncmp(img, l->path, rl);
        if (c == 0 && img[rl] != '\0')
            c = 1; /* the image's path is longer than the root */
        if (c == 0)
            return (long)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* ------------------------------------------------------------------------ */
/* Identity                                                                   */

/* What makes two findings one secret across images: a private key's public
 * key, any other secret's fingerprint. */
static const char *identity(const ks_results *res, const ks_finding *f)
{
    if (f->crypto && f->crypto->type == KS_ASSET_PRIVATE_KEY && f->crypto->spki_sha256[0] &&
        strcmp(res->rs->rules[f->rule].kind, "private-key") == 0)
        return f->crypto->spki_sha256;
    return f->fingerprint;
}

typedef struct candidate {
    size_t index;
    const char *id;
} candidate;

static int cmp_candidate(const void *pa, const void *pb)
{
    const candidate *a = pa, *b = pb;
    int c = strcmp(a->id, b->id);
    return c ? c : (a->index > b->index) - (a->index < b->index);
}

static int cmp_size(const void *pa, const void *pb)
{
    size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
    return (a > b) - (a < b);
}

/* The distinct images of findings[run[0..n)]: a new ascending array. */
static size_t images_of(const ks_results *res, const candidate *run, size_t n, size_t **out)
{
    size_t total = 0, k = 0;
    for (size_t i = 0; i < n; i++)
        total += res->findings[run[i].index].nlocs;
    size_t *v = ks_xcalloc(total ? total : 1, sizeof(size_t));
    for (size_t i = 0; i < n; i++) {
        const ks_finding *f = &res->findings[run[i].index];
        for (size_t j = 0; j < f->nlocs; j++) {
            long img = ks_fleet_image_of(res, &f->locs[j]);
            if (img >= 0)
                v[k++] = (size_t)img;
        }
    }
    qsort(v, k, sizeof(size_t), cmp_size);
    size_t u = 0;
    for (size_t i = 0; i < k; i++)
        if (u == 0 || v[u - 1] != v[i])
            v[u++] = v[i];
    *out = v;
    return u;
}

/* ------------------------------------------------------------------------ */
/* Sharing                                                                    */

static int cmp_location(const void *pa, const void *pb)
{
    const ks_location *a = pa, *b = pb;
    int c = strcmp(a->path, b->path);
    return c ? c : (a->offset > b->offset) - (a->offset < b->offset);
}

/* Move the locations of `from` into `to`; `from` is left with none (and
 * leaves the results). */
static void merge(ks_finding *to, ks_finding *from, ks_shared *sh)
{
    to->locs = ks_xrealloc(to->locs, (to->nlocs + from->nlocs) * sizeof(ks_location));
    memcpy(to->locs + to->nlocs, from->locs, from->nlocs * sizeof(ks_location));
    to->nlocs += from->nlocs;
    free(from->locs);
    from->locs = NULL;
    from->nlocs = 0;
    if (from->confidence > to->confidence)
        to->confidence = from->confidence;
    to->checks |= from->checks;
    sh->merged = ks_xrealloc(sh->merged, (sh->nmerged + 1) * sizeof *sh->merged);
    memcpy(sh->merged[sh->nmerged++], from->fingerprint, 33);
}

/* The certificates and public keys of a shared key, as text. */
static void add_matches(const ks_results *res, const ks_finding *f, ks_shared *sh)
{
    if (!f->crypto || !f->crypto->spki_sha256[0])
        return;
    for (size_t i = 0; i < res->ninventory; i++) {
        const ks_finding *c = &res->inventory[i];
        if (!c->crypto || strcmp(c->crypto->spki_sha256, f->crypto->spki_sha256) != 0)
            continue;
        bool cert = c->crypto->type == KS_ASSET_CERTIFICATE;
        const char *subject = cert && c->crypto->subject ? c->crypto->subject : "";
        char *text = ks_strdupf("%s%s%s at %s%s", cert ? "certificate" : "public key",
                                *subject ? " " : "", subject, c->nlocs ? c->locs[0].path : "?",
                                c->nlocs > 1 ? " (and elsewhere)" : "");
        sh->matches = ks_xrealloc(sh->matches, (sh->nmatches + 1) * sizeof(char *));
        sh->matches[sh->nmatches++] = text;
    }
}

static bool merged_away(const ks_results *res, const ks_finding *f, void *payload)
{
    (void)res;
    (void)payload;
    return f->nlocs == 0;
}

/* One run of findings with the same identity, found in two images or more:
 * one shared finding (the first in the findings' order keeps the rule). */
static void share(ks_results *res, const candidate *run, size_t n, size_t *images, size_t nimg)
{
    size_t keep = run[0].index;
    for (size_t i = 1; i < n; i++)
        if (ks_finding_cmp(res->rs, &res->findings[run[i].index], &res->findings[keep]) < 0)
            keep = run[i].index;
    ks_finding *f = &res->findings[keep];
    ks_shared *sh = ks_xcalloc(1, sizeof *sh);
    sh->images = images;
    sh->nimages = nimg;
    ks_severity sev = res->rs->rules[f->rule].severity;
    for (size_t i = 0; i < n; i++) {
        ks_severity s = res->rs->rules[res->findings[run[i].index].rule].severity;
        if (s > sev)
            sev = s;
        if (run[i].index != keep)
            merge(f, &res->findings[run[i].index], sh);
    }
    sh->severity = sev < KS_SEV_CRITICAL ? (ks_severity)(sev + 1) : KS_SEV_CRITICAL;
    if (sh->nmerged)
        qsort(f->locs, f->nlocs, sizeof(ks_location), cmp_location);
    /* A certificate linked to a form that left links to the one kept. */
    for (size_t i = 0; i < res->ninventory; i++) {
        ks_crypto *c = res->inventory[i].crypto;
        for (size_t m = 0; c && m < sh->nmerged; m++)
            if (strcmp(c->linked, sh->merged[m]) == 0)
                memcpy(c->linked, f->fingerprint, sizeof c->linked);
    }
    add_matches(res, f, sh);
    f->shared = sh;
}

void ks_fleet_share(ks_results *res)
{
    if (res->nimages < 2)
        return;
    candidate *c = ks_xcalloc(res->nfindings ? res->nfindings : 1, sizeof *c);
    size_t n = 0;
    for (size_t i = 0; i < res->nfindings; i++)
        if (ks_fleet_kind(res->rs->rules[res->findings[i].rule].kind) && res->findings[i].nlocs)
            c[n++] = (candidate){i, identity(res, &res->findings[i])};
    qsort(c, n, sizeof *c, cmp_candidate);
    bool merged = false;
    for (size_t i = 0, j; i < n; i = j) {
        for (j = i + 1; j < n && strcmp(c[j].id, c[i].id) == 0; j++)
            ;
        size_t *images;
        size_t nimg = images_of(res, c + i, j - i, &images);
        if (nimg < 2) {
            free(images);
            continue;
        }
        share(res, c + i, j - i, images, nimg);
        merged |= j - i > 1;
    }
    free(c);
    if (merged)
        ks_results_remove(res, merged_away, NULL);
}

void ks_fleet_count(ks_results *res)
{
    if (res->nimages < 2)
        return;
    /* seen[img]: the last finding (plus one) counted for that image. */
    size_t *seen = ks_xcalloc(res->nimages, sizeof(size_t));
    for (size_t i = 0; i < res->nimages; i++)
        res->images[i].findings = res->images[i].shared = 0;
    for (size_t i = 0; i < res->nfindings; i++) {
        const ks_finding *f = &res->findings[i];
        for (size_t j = 0; j < f->nlocs; j++) {
            long img = ks_fleet_image_of(res, &f->locs[j]);
            if (img < 0 || seen[img] == i + 1)
                continue;
            seen[img] = i + 1;
            res->images[img].findings++;
            res->images[img].shared += f->shared != NULL;
        }
    }
    free(seen);
}
