/*
 * inventory.c - keys and certificates after a scan. See inventory.h.
 */
#include "inventory.h"

#include "crypto.h"

#include "../core/dates.h"
#include "../core/sha256.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What a derived finding shows: a description of the material, public. */
static char *describe(const char *check, const ks_crypto *c, int64_t support_until)
{
    char buf[1024], d[11], s[11];
    const char *who = c->subject && *c->subject ? c->subject : NULL;
    if (strcmp(check, "rsa-short") == 0) {
        snprintf(buf, sizeof buf, "RSA %d-bit %s%s%s", c->bits,
                 c->type == KS_ASSET_CERTIFICATE ? "key of the certificate "
                 : c->type == KS_ASSET_PUBLIC_KEY ? "public key"
                                                  : "private key",
                 who ? who : "", "");
    } else if (strcmp(check, "weak-signature") == 0) {
        snprintf(buf, sizeof buf, "%s signature on %s", c->sig_alg, who ? who : "a certificate");
    } else if (strcmp(check, "cert-expired") == 0) {
        ks_format_date(d, c->not_after);
        snprintf(buf, sizeof buf, "%s expired on %s", who ? who : "certificate", d);
    } else {
        ks_format_date(d, c->not_after);
        ks_format_date(s, support_until);
        snprintf(buf, sizeof buf, "%s expires on %s, before the end of support on %s",
                 who ? who : "certificate", d, s);
    }
    return ks_xstrdup(buf);
}

static ks_crypto *crypto_copy(const ks_crypto *c)
{
    ks_crypto *d = ks_xmalloc(sizeof *d);
    *d = *c;
    d->subject = c->subject ? ks_xstrdup(c->subject) : NULL;
    d->issuer = c->issuer ? ks_xstrdup(c->issuer) : NULL;
    return d;
}

/* The finding of `rule` about an asset: its fingerprint comes from the
 * rule and the asset's, its locations are the asset's. */
static void derive(const ks_results *res, size_t rule, const ks_finding *asset, ks_finding *f)
{
    const ks_rule *r = &res->rs->rules[rule];
    memset(f, 0, sizeof *f);
    f->rule = (uint32_t)rule;
    uint8_t h[32];
    ks_sha256_ctx md;
    ks_sha256_init(&md);
    ks_sha256_update(&md, r->id, strlen(r->id) + 1);
    ks_sha256_update(&md, asset->fingerprint, strlen(asset->fingerprint));
    ks_sha256_final(&md, h);
    ks_hex(f->fingerprint, h, 16);
    char *text = describe(r->check, asset->crypto, res->support_until);
    f->secret = (uint8_t *)text;
    f->secret_len = strlen(text);
    f->redacted = ks_xstrdup(text);
    f->public_value = true;
    f->confidence = KS_CONF_HIGH;
    f->present_at_head = asset->present_at_head;
    f->crypto = crypto_copy(asset->crypto);
    f->locs = ks_xcalloc(asset->nlocs ? asset->nlocs : 1, sizeof(ks_location));
    for (size_t i = 0; i < asset->nlocs; i++)
        ks_location_copy(&f->locs[i], &asset->locs[i]);
    f->nlocs = asset->nlocs;
}

/* The one of a and b that comes first in the findings' order. */
static ks_finding *first(const ks_results *res, ks_finding *a, ks_finding *b)
{
    return !a || (b && ks_finding_cmp(res->rs, b, a) < 0) ? b : a;
}

/* A private key and the certificate or public key with its public key
 * link to each other; where there are several, to the first in the
 * findings' order, whatever order the steps saw them in. */
static void link_all(ks_results *res)
{
    for (size_t i = 0; i < res->nfindings; i++) {
        ks_finding *f = &res->findings[i], *best = NULL;
        if (!f->crypto || !f->crypto->spki_sha256[0])
            continue;
        for (size_t j = 0; j < res->ninventory; j++) {
            ks_finding *c = &res->inventory[j];
            if (c->crypto && strcmp(c->crypto->spki_sha256, f->crypto->spki_sha256) == 0)
                best = first(res, best, c);
        }
        if (best)
            memcpy(f->crypto->linked, best->fingerprint, sizeof f->crypto->linked);
    }
    for (size_t j = 0; j < res->ninventory; j++) {
        ks_finding *c = &res->inventory[j], *best = NULL;
        if (!c->crypto || !c->crypto->spki_sha256[0])
            continue;
        for (size_t i = 0; i < res->nfindings; i++) {
            ks_finding *f = &res->findings[i];
            if (f->crypto && strcmp(c->crypto->spki_sha256, f->crypto->spki_sha256) == 0)
                best = first(res, best, f);
        }
        if (best)
            memcpy(c->crypto->linked, best->fingerprint, sizeof c->crypto->linked);
    }
}

/* Is the material the product's own credential, so that its weaknesses are
 * findings? A private key always is. A certificate or public key is when
 * its private key was found in the same scan (linked): it is the identity
 * the product presents. Any other certificate or public key belongs to
 * someone else: a CA the product trusts (a system trust store, a CA
 * bundle), a peer's certificate, a test vector, a blocklist entry. Its
 * expiry, signature and key size are facts of the inventory (JSON
 * `inventory`, the CycloneDX bill of materials, the evidence report, which
 * marks expired and expiring certificates), not findings: a trust store of
 * hundreds of expired or SHA-1 roots is not hundreds of problems of the
 * product. A leaf certificate whose key is provisioned apart from the
 * scanned tree is in the inventory with its dates too. */
static bool product_material(const ks_crypto *c)
{
    return c->type == KS_ASSET_PRIVATE_KEY || c->linked[0] != '\0';
}

/* Asset i: a finding (private keys) or an inventory entry. */
static ks_finding *asset(ks_results *res, size_t i)
{
    return i < res->nfindings ? &res->findings[i] : &res->inventory[i - res->nfindings];
}

size_t ks_inventory_prepare(ks_results *res)
{
    ks_results_split_inventory(res);
    return res->nfindings + res->ninventory;
}

void ks_inventory_read(ks_results *res, size_t i)
{
    ks_finding *f = asset(res, i);
    bool want = i >= res->nfindings || strcmp(res->rs->rules[f->rule].kind, "private-key") == 0;
    if (want && !f->crypto)
        f->crypto = ks_crypto_parse(f->secret, f->secret_len);
}

/* A private key in a PEM armour OpenSSL reads, from which it read no usable
 * key. */
static bool unread_key(const ks_results *res, const ks_finding *f)
{
    return !f->crypto && strcmp(res->rs->rules[f->rule].kind, "private-key") == 0 &&
           ks_crypto_key_armour(f->secret, f->secret_len);
}

/* ...is not a key when the bytes say so (crypto.h, ks_crypto_key_refuted);
 * a body that is no DER at all (damaged, made up) stays a finding, of
 * medium confidence at most. */
static bool refuted_key(const ks_results *res, const ks_finding *f, void *payload)
{
    (void)payload;
    return unread_key(res, f) && ks_crypto_key_refuted(f->secret, f->secret_len);
}

static void lower_unread_keys(ks_results *res)
{
    for (size_t i = 0; i < res->nfindings; i++)
        if (unread_key(res, &res->findings[i]) && res->findings[i].confidence > KS_CONF_MEDIUM)
            res->findings[i].confidence = KS_CONF_MEDIUM;
}

void ks_inventory_finish(ks_results *res, int64_t now, int64_t support_until)
{
    const ks_ruleset *rs = res->rs;
    res->now = now;
    res->support_until = support_until;
    ks_results_remove(res, refuted_key, NULL);
    lower_unread_keys(res);
    link_all(res);
    /* The findings the `check` rules compute, from the assets as they were
     * before any was added. */
    size_t nassets = res->nfindings + res->ninventory, nfind = res->nfindings;
    ks_finding *extra = NULL;
    size_t n = 0, cap = 0;
    for (size_t r = 0; r < rs->nrules; r++) {
        if (!rs->rules[r].check || rs->rules[r].disabled)
            continue;
        for (size_t i = 0; i < nassets; i++) {
            const ks_finding *a = i < nfind ? &res->findings[i] : &res->inventory[i - nfind];
            if (!a->crypto || !product_material(a->crypto) ||
                !ks_crypto_check(rs->rules[r].check, a->crypto, now, support_until))
                continue;
            ks_grow((void **)&extra, &cap, n + 1, sizeof(ks_finding));
            derive(res, r, a, &extra[n++]);
        }
    }
    for (size_t i = 0; i < n; i++)
        ks_results_add(res, &extra[i]);
    free(extra);
}
