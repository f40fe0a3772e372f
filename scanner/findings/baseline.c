/*
 * baseline.c - read, apply and write baselines (see baseline.h).
 */
#include "baseline.h"

#include "../core/diag.h"
#include "../core/outfile.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static bool is_hex32(const char *s)
{
    if (strlen(s) != 32)
        return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return false;
    return true;
}

static bool is_date(const char *s)
{
    int y, m, d;
    char extra;
    return strlen(s) == 10 && sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &extra) == 3 && m >= 1 &&
           m <= 12 && d >= 1 && d <= 31;
}

static const char *opt_str(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static int cmp_entry(const void *a, const void *b)
{
    return strcmp(((const ks_baseline_entry *)a)->fingerprint,
                  ((const ks_baseline_entry *)b)->fingerprint);
}

int ks_baseline_load(ks_baseline *b, const char *path)
{
    json_error_t err;
    memset(b, 0, sizeof *b);
    json_t *doc = json_load_file(path, 0, &err);
    if (!doc)
        return ks_error_set(KS_EINVAL, "%s:%d:%d: baseline is not valid JSON: %s", path, err.line,
                            err.column, err.text);
    int rc = 0;
    json_t *entries = json_object_get(doc, "entries");
    if (!json_is_object(doc) || json_integer_value(json_object_get(doc, "version")) != 1 ||
        !json_is_array(entries)) {
        rc = ks_error_set(
            KS_EINVAL, "%s: not a keysift baseline (expected {\"version\": 1, \"entries\": [...]})",
            path);
        goto done;
    }
    b->v = ks_xcalloc(json_array_size(entries) + 1, sizeof(ks_baseline_entry));
    size_t i;
    json_t *e;
    json_array_foreach(entries, i, e)
    {
        const char *fp = json_is_object(e) ? opt_str(e, "fingerprint") : NULL;
        const char *exp = json_is_object(e) ? opt_str(e, "expires") : NULL;
        if (!fp || !is_hex32(fp)) {
            rc = ks_error_set(KS_EINVAL, "%s: entry %zu: `fingerprint` must be 32 hex digits", path,
                              i + 1);
            goto done;
        }
        if (exp && !is_date(exp)) {
            rc = ks_error_set(KS_EINVAL, "%s: entry %zu: `expires` must be a date (YYYY-MM-DD)",
                              path, i + 1);
            goto done;
        }
        ks_baseline_entry *be = &b->v[b->n++];
        memcpy(be->fingerprint, fp, 33);
        const char *s;
        be->rule_id = (s = opt_str(e, "rule_id")) ? ks_xstrdup(s) : NULL;
        be->reason = (s = opt_str(e, "reason")) ? ks_xstrdup(s) : NULL;
        be->owner = (s = opt_str(e, "owner")) ? ks_xstrdup(s) : NULL;
        snprintf(be->expires, sizeof be->expires, "%s", exp ? exp : "");
        be->any_rule = (s = opt_str(e, "match")) && strcmp(s, "secret") == 0;
        b->any_rule |= be->any_rule;
    }
    qsort(b->v, b->n, sizeof *b->v, cmp_entry);
done:
    json_decref(doc);
    if (rc)
        ks_baseline_dispose(b);
    return rc;
}

void ks_baseline_dispose(ks_baseline *b)
{
    for (size_t i = 0; i < b->n; i++) {
        free(b->v[i].rule_id);
        free(b->v[i].reason);
        free(b->v[i].owner);
    }
    free(b->v);
    memset(b, 0, sizeof *b);
}

static const ks_baseline_entry *find(const ks_baseline *b, const char *fp)
{
    if (!b || !b->n)
        return NULL;
    ks_baseline_entry key;
    memcpy(key.fingerprint, fp, 33);
    return bsearch(&key, b->v, b->n, sizeof key, cmp_entry);
}

bool ks_baseline_accepts(void *check, const ks_finding *f, ks_acceptance *why)
{
    const ks_baseline_check *c = check;
    const ks_baseline_entry *e = find(c->b, f->fingerprint);
    if (!e && c->b && c->b->any_rule) {
        uint8_t fp[16];
        char hex[33];
        ks_fingerprint(fp, KS_ANY_RULE, f->secret, f->secret_len);
        ks_hex(hex, fp, 16);
        e = find(c->b, hex);
        if (e && !e->any_rule)
            e = NULL;
    }
    if (!e || (e->expires[0] && strcmp(c->today, e->expires) > 0))
        return false;
    *why = (ks_acceptance){"baseline", e->reason, e->owner, e->expires};
    return true;
}

static int write_entries(ks_baseline_entry *v, size_t n, const ks_baseline *old,
                         const char *path)
{
    qsort(v, n, sizeof *v, cmp_entry);
    json_t *entries = json_array();
    for (size_t i = 0; i < n; i++) {
        if (i && strcmp(v[i].fingerprint, v[i - 1].fingerprint) == 0)
            continue;
        const ks_baseline_entry *prev = find(old, v[i].fingerprint);
        if (!prev && v[i].reason)
            prev = &v[i];
        json_t *e = json_object();
        json_object_set_new(e, "fingerprint", json_string(v[i].fingerprint));
        json_object_set_new(e, "rule_id", json_string(v[i].rule_id));
        if (v[i].any_rule)
            json_object_set_new(e, "match", json_string("secret"));
        json_object_set_new(e, "reason", json_string(prev && prev->reason ? prev->reason : ""));
        json_object_set_new(e, "owner", json_string(prev && prev->owner ? prev->owner : ""));
        json_object_set_new(e, "expires",
                            prev && prev->expires[0] ? json_string(prev->expires) : json_null());
        json_array_append_new(entries, e);
    }
    json_t *doc = json_object();
    json_object_set_new(doc, "version", json_integer(1));
    json_object_set_new(doc, "tool", json_string("keysift"));
    json_object_set_new(doc, "entries", entries);

    ks_outfile out;
    int rc = ks_outfile_open(&out, path, 0666, "baseline");
    if (rc == 0) {
        if (json_dumpf(doc, out.f, JSON_INDENT(2) | JSON_ENSURE_ASCII) != 0 &&
            !ks_outfile_failed(&out)) {
            ks_outfile_abort(&out);
            rc = ks_error_set(KS_EIO, "%s: cannot write the baseline", path);
        } else {
            rc = ks_outfile_commit(&out, "baseline");
        }
    }
    json_decref(doc);
    return rc;
}

int ks_baseline_write(const ks_results *res, const ks_baseline *old, const char *path)
{
    ks_baseline_entry *v = ks_xcalloc(res->nfindings + 1, sizeof *v);
    size_t n = 0;
    for (size_t i = 0; i < res->nfindings; i++) {
        memcpy(v[n].fingerprint, res->findings[i].fingerprint, 33);
        v[n].rule_id = res->rs->rules[res->findings[i].rule].id;
        n++;
    }
    int rc = write_entries(v, n, old, path);
    free(v);
    return rc;
}

/* A secret gitleaks wrote redacted (--redact, --redact=N) cannot be
 * fingerprinted. */
static bool redacted(const char *s)
{
    size_t l = strlen(s);
    return strcmp(s, "REDACTED") == 0 || (l >= 3 && strcmp(s + l - 3, "...") == 0);
}

int ks_baseline_import_gitleaks(const char *report, const char *path, size_t *count)
{
    json_error_t err;
    *count = 0;
    json_t *doc = json_load_file(report, 0, &err);
    if (!doc)
        return ks_error_set(KS_EINVAL, "%s:%d:%d: gitleaks report is not valid JSON: %s", report,
                            err.line, err.column, err.text);
    int rc = 0;
    size_t n = json_is_array(doc) ? json_array_size(doc) : 0;
    ks_baseline_entry *v = ks_xcalloc(n + 1, sizeof *v);
    if (!json_is_array(doc)) {
        rc = ks_error_set(KS_EINVAL,
                          "%s: not a gitleaks JSON report (expected an array of findings, as "
                          "gitleaks --report-format json writes)",
                          report);
        goto done;
    }
    size_t i;
    json_t *e;
    json_array_foreach(doc, i, e)
    {
        const char *rule = json_is_object(e) ? opt_str(e, "RuleID") : NULL;
        const char *secret = json_is_object(e) ? opt_str(e, "Secret") : NULL;
        const char *file = json_is_object(e) ? opt_str(e, "File") : NULL;
        const char *gfp = json_is_object(e) ? opt_str(e, "Fingerprint") : NULL;
        if (!rule || !*rule || !secret) {
            rc = ks_error_set(KS_EINVAL, "%s: finding %zu: no `RuleID` or `Secret`", report, i + 1);
            goto done;
        }
        if (!*secret || redacted(secret)) {
            rc = ks_error_set(KS_EINVAL,
                              "%s: finding %zu (%s in %s): the secret is redacted or empty; "
                              "make the report with gitleaks without --redact",
                              report, i + 1, rule, file ? file : "?");
            goto done;
        }
        uint8_t fp[16];
        /* gitleaks' rule ids are not keysift's: the secret is accepted
         * whichever rule finds it. */
        ks_fingerprint(fp, KS_ANY_RULE, (const uint8_t *)secret, strlen(secret));
        ks_hex(v[i].fingerprint, fp, 16);
        v[i].any_rule = true;
        v[i].rule_id = (char *)(uintptr_t)rule;
        v[i].reason = gfp ? ks_strdupf("imported from gitleaks (%s)", gfp)
                          : ks_strdupf("imported from gitleaks (%s)", file ? file : "");
    }
    size_t kept = 0;
    /* The same secret at several places is one keysift finding. */
    qsort(v, n, sizeof *v, cmp_entry);
    for (size_t j = 0; j < n; j++)
        if (!j || strcmp(v[j].fingerprint, v[j - 1].fingerprint) != 0)
            kept++;
    rc = write_entries(v, n, NULL, path);
    if (!rc)
        *count = kept;
done:
    for (size_t j = 0; j < n; j++)
        free(v[j].reason);
    free(v);
    json_decref(doc);
    return rc;
}
