/*
 * diff.c - two keysift JSON reports compared. See diff.h.
 *
 * Each report's identities (fingerprints and merged fingerprints) are
 * sorted once and searched: n log n in the number of findings.
 */
#include "diff.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static bool is_hex32(const char *s)
{
    if (!s || strlen(s) != 32)
        return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return false;
    return true;
}

int ks_diff_check_report(const json_t *doc, const char *name)
{
    json_t *findings = json_object_get(doc, "findings");
    if (!json_is_object(doc) || !json_is_array(findings))
        return ks_error_set(KS_EINVAL,
                            "%s: not a keysift JSON report (expected an object with a "
                            "`findings` array: keysift scan --format json)",
                            name);
    size_t i;
    json_t *f;
    json_array_foreach(findings, i, f)
    {
        json_t *fp = json_object_get(f, "fingerprint");
        if (!json_is_object(f) || !is_hex32(json_string_value(fp)))
            return ks_error_set(KS_EINVAL, "%s: finding %zu: `fingerprint` must be 32 hex digits",
                                name, i + 1);
        json_t *merged = json_object_get(json_object_get(f, "shared"), "merged");
        size_t k;
        json_t *m;
        json_array_foreach(merged, k, m) if (!is_hex32(json_string_value(m))) return ks_error_set(
            KS_EINVAL, "%s: finding %zu: `shared.merged` holds a value that is no fingerprint",
            name, i + 1);
    }
    return 0;
}

/* One identity of one finding: a fingerprint and the finding's index. */
typedef struct ident {
    const char *fp;
    size_t index;
} ident;

static int cmp_ident(const void *pa, const void *pb)
{
    const ident *a = pa, *b = pb;
    int c = strcmp(a->fp, b->fp);
    return c ? c : (a->index > b->index) - (a->index < b->index);
}

/* Every identity of every finding of a report, sorted. */
static size_t identities(const json_t *doc, ident **out)
{
    json_t *findings = json_object_get(doc, "findings");
    size_t n = 0, cap = 0, i;
    ident *v = NULL;
    json_t *f;
    json_array_foreach(findings, i, f)
    {
        ks_grow((void **)&v, &cap, n + 1, sizeof *v);
        v[n++] = (ident){json_string_value(json_object_get(f, "fingerprint")), i};
        json_t *merged = json_object_get(json_object_get(f, "shared"), "merged");
        size_t k;
        json_t *m;
        json_array_foreach(merged, k, m)
        {
            ks_grow((void **)&v, &cap, n + 1, sizeof *v);
            v[n++] = (ident){json_string_value(m), i};
        }
    }
    if (n > 1)
        qsort(v, n, sizeof *v, cmp_ident);
    *out = v;
    return n;
}

/* The index of the first finding of `v` with fingerprint fp, or -1. */
static long find(const ident *v, size_t n, const char *fp)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(v[mid].fp, fp) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && strcmp(v[lo].fp, fp) == 0 ? (long)v[lo].index : -1;
}

static void push(json_t ***v, size_t *n, json_t *f)
{
    *v = ks_xrealloc(*v, (*n + 1) * sizeof(json_t *));
    (*v)[(*n)++] = f;
}

void ks_diff_reports(ks_diff *d, const json_t *old_doc, const json_t *new_doc)
{
    memset(d, 0, sizeof *d);
    json_t *olds = json_object_get(old_doc, "findings"),
           *news = json_object_get(new_doc, "findings");
    ident *oid;
    size_t noid = identities(old_doc, &oid);
    bool *matched = ks_xcalloc(json_array_size(olds) + 1, sizeof(bool));
    size_t i;
    json_t *f;
    json_array_foreach(news, i, f)
    {
        long hit = find(oid, noid, json_string_value(json_object_get(f, "fingerprint")));
        json_t *merged = json_object_get(json_object_get(f, "shared"), "merged");
        for (size_t k = 0; hit < 0 && k < json_array_size(merged); k++)
            hit = find(oid, noid, json_string_value(json_array_get(merged, k)));
        if (hit < 0) {
            push(&d->added, &d->nadded, f);
        } else {
            matched[hit] = true;
            push(&d->present, &d->npresent, f);
        }
    }
    json_array_foreach(olds, i, f) if (!matched[i]) push(&d->removed, &d->nremoved, f);
    free(matched);
    free(oid);
}

void ks_diff_dispose(ks_diff *d)
{
    free(d->added);
    free(d->removed);
    free(d->present);
    memset(d, 0, sizeof *d);
}
