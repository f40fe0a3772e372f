/*
 * cyclonedx.c - a CycloneDX 1.6 cryptographic bill of materials (CBOM) of the
 * keys and certificates a scan found.
 *
 * Each key and certificate is a `cryptographic-asset` component: private
 * and public keys as related-crypto-material, certificates as certificate
 * (subject, issuer, validity, with references to their signature algorithm
 * and their subject's public key). The algorithms they use are components
 * of their own (assetType algorithm, with OIDs), shared by reference. Where
 * each was found is its evidence: one occurrence per location, with the
 * origin chain, line or offset and ELF symbol. No key material is written:
 * a private key is identified by the SHA-256 of its public key.
 */
#include "report.h"

#include "../findings/crypto.h"

#include <jansson.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static json_t *iso_time(int64_t t)
{
    char b[32];
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm))
        return json_null();
    strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return json_string(b);
}

static json_t *property(const char *name, const char *value)
{
    json_t *p = json_object();
    json_object_set_new(p, "name", json_string(name));
    json_object_set_new(p, "value", ks_report_json_string(value));
    return p;
}

/* The algorithm components, one per distinct name, in order of first use. */
typedef struct algs {
    const ks_results *res; /* for the paths of a shared key's images */
    json_t *components;
    char (*names)[64];
    size_t n, cap;
} algs;

/* bom-ref of the algorithm component `name`, adding it when new. */
static const char *algorithm_ref(algs *a, const char *name, const char *primitive, const char *oid,
                                 int bits, const char *curve)
{
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->names[i] + 17, name) == 0)
            return a->names[i];
    ks_grow((void **)&a->names, &a->cap, a->n + 1, sizeof *a->names);
    char *ref = a->names[a->n++];
    snprintf(ref, 64, "crypto/algorithm/%s", name);
    json_t *c = json_object();
    json_object_set_new(c, "type", json_string("cryptographic-asset"));
    json_object_set_new(c, "bom-ref", json_string(ref));
    json_object_set_new(c, "name", json_string(name));
    json_t *cp = json_object();
    json_object_set_new(cp, "assetType", json_string("algorithm"));
    json_t *ap = json_object();
    json_object_set_new(ap, "primitive", json_string(primitive));
    if (bits) {
        char b[16];
        snprintf(b, sizeof b, "%d", bits);
        json_object_set_new(ap, "parameterSetIdentifier", json_string(b));
    }
    if (curve && *curve)
        json_object_set_new(ap, "curve", json_string(curve));
    json_object_set_new(ap, "executionEnvironment", json_string("software-plain-ram"));
    json_object_set_new(cp, "algorithmProperties", ap);
    if (oid)
        json_object_set_new(cp, "oid", json_string(oid));
    json_object_set_new(c, "cryptoProperties", cp);
    json_array_append_new(a->components, c);
    return ref;
}

/* The key algorithm of an asset ("RSA-2048", "EC-prime256v1", "Ed25519"). */
static const char *key_algorithm(algs *a, const ks_crypto *c)
{
    if (!c->algorithm[0])
        return NULL;
    char name[48];
    if (c->curve[0])
        snprintf(name, sizeof name, "%s-%s", c->algorithm, c->curve);
    else if (c->bits && strcmp(c->algorithm, "RSA") == 0)
        snprintf(name, sizeof name, "RSA-%d", c->bits);
    else
        snprintf(name, sizeof name, "%s", c->algorithm);
    bool agree = strcmp(c->algorithm, "X25519") == 0 || strcmp(c->algorithm, "X448") == 0;
    return algorithm_ref(a, name, agree                            ? "key-agree"
                                  : strcmp(c->algorithm, "RSA") == 0 ? "pke"
                                                                     : "signature",
                         ks_crypto_algorithm_oid(c->algorithm), c->bits, c->curve);
}

static json_t *occurrences(const ks_finding *f)
{
    json_t *occ = json_array();
    for (size_t i = 0; i < f->nlocs; i++) {
        const ks_location *l = &f->locs[i];
        json_t *o = json_object();
        json_object_set_new(o, "location", ks_report_json_string(l->path));
        if (!(l->bin && l->bin->strings))
            json_object_set_new(o, "line", json_integer((json_int_t)l->line));
        json_object_set_new(o, "offset", json_integer((json_int_t)l->offset));
        if (l->bin && l->bin->symbol)
            json_object_set_new(o, "symbol", ks_report_json_string(l->bin->symbol));
        if (l->prov && l->prov->commit[0]) {
            char ctx[96];
            snprintf(ctx, sizeof ctx, "git commit %s", l->prov->commit);
            json_object_set_new(o, "additionalContext", json_string(ctx));
        }
        json_array_append_new(occ, o);
    }
    return occ;
}

/* A key (private, or the public key of a certificate or a key file). */
static json_t *key_component(algs *a, const ks_finding *f, const ks_crypto *c, bool private_key,
                             const char *ref, bool with_evidence)
{
    json_t *o = json_object();
    json_object_set_new(o, "type", json_string("cryptographic-asset"));
    json_object_set_new(o, "bom-ref", json_string(ref));
    char name[96];
    bool sized = c->bits && (strcmp(c->algorithm, "RSA") == 0 || strcmp(c->algorithm, "DSA") == 0);
    if (sized)
        snprintf(name, sizeof name, "%s-%d %s key", c->algorithm, c->bits,
                 private_key ? "private" : "public");
    else if (c->curve[0])
        snprintf(name, sizeof name, "%s-%s %s key", c->algorithm, c->curve,
                 private_key ? "private" : "public");
    else
        snprintf(name, sizeof name, "%s %s key", c->algorithm[0] ? c->algorithm : "unknown",
                 private_key ? "private" : "public");
    json_object_set_new(o, "name", json_string(name));
    json_t *cp = json_object();
    json_object_set_new(cp, "assetType", json_string("related-crypto-material"));
    json_t *rp = json_object();
    json_object_set_new(rp, "type", json_string(private_key ? "private-key" : "public-key"));
    if (c->spki_sha256[0]) {
        char id[80];
        snprintf(id, sizeof id, "sha256:%s", c->spki_sha256);
        json_object_set_new(rp, "id", json_string(id));
    }
    /* A private key found in source or in an image is exposed: compromised
     * in the sense of NIST SP 800-57. */
    json_object_set_new(rp, "state", json_string(private_key ? "compromised" : "active"));
    const char *alg = key_algorithm(a, c);
    if (alg)
        json_object_set_new(rp, "algorithmRef", json_string(alg));
    if (c->bits)
        json_object_set_new(rp, "size", json_integer(c->bits));
    if (c->format && c->type != KS_ASSET_CERTIFICATE)
        json_object_set_new(rp, "format", json_string(c->format));
    if (private_key) {
        json_t *sb = json_object();
        json_object_set_new(sb, "mechanism", json_string(c->encrypted ? "passphrase" : "none"));
        json_object_set_new(rp, "securedBy", sb);
    }
    json_object_set_new(cp, "relatedCryptoMaterialProperties", rp);
    json_object_set_new(o, "cryptoProperties", cp);
    if (with_evidence) {
        json_t *ev = json_object();
        json_object_set_new(ev, "occurrences", occurrences(f));
        json_object_set_new(o, "evidence", ev);
        json_t *props = json_array();
        json_array_append_new(props, property("keysift:fingerprint", f->fingerprint));
        if (c->linked[0])
            json_array_append_new(props, property("keysift:linked", c->linked));
        if (f->shared) {
            /* One key in several images (README, "Secrets shared across images"). */
            char n[24];
            snprintf(n, sizeof n, "%zu", f->shared->nimages);
            json_array_append_new(props, property("keysift:shared-images", n));
            for (size_t i = 0; i < f->shared->nimages; i++)
                json_array_append_new(props, property("keysift:shared-image",
                                                      a->res->images[f->shared->images[i]].path));
        }
        json_object_set_new(o, "properties", props);
    }
    return o;
}

static json_t *certificate_component(algs *a, json_t *components, const ks_finding *f,
                                     const ks_crypto *c, const char *ref)
{
    char kref[96];
    snprintf(kref, sizeof kref, "%s/public-key", ref);
    json_array_append_new(components, key_component(a, f, c, false, kref, false));
    json_t *o = json_object();
    json_object_set_new(o, "type", json_string("cryptographic-asset"));
    json_object_set_new(o, "bom-ref", json_string(ref));
    json_object_set_new(o, "name", ks_report_json_string(c->subject ? c->subject : "certificate"));
    json_t *cp = json_object();
    json_object_set_new(cp, "assetType", json_string("certificate"));
    json_t *ce = json_object();
    json_object_set_new(ce, "subjectName", ks_report_json_string(c->subject ? c->subject : ""));
    json_object_set_new(ce, "issuerName", ks_report_json_string(c->issuer ? c->issuer : ""));
    if (c->not_before)
        json_object_set_new(ce, "notValidBefore", iso_time(c->not_before));
    if (c->not_after)
        json_object_set_new(ce, "notValidAfter", iso_time(c->not_after));
    if (c->sig_alg[0])
        json_object_set_new(ce, "signatureAlgorithmRef",
                            json_string(algorithm_ref(a, c->sig_alg, "signature",
                                                      c->sig_oid[0] ? c->sig_oid : NULL, 0, NULL)));
    json_object_set_new(ce, "subjectPublicKeyRef", json_string(kref));
    json_object_set_new(ce, "certificateFormat", json_string("X.509"));
    json_object_set_new(cp, "certificateProperties", ce);
    json_object_set_new(o, "cryptoProperties", cp);
    json_t *ev = json_object();
    json_object_set_new(ev, "occurrences", occurrences(f));
    json_object_set_new(o, "evidence", ev);
    json_t *props = json_array();
    json_array_append_new(props, property("keysift:fingerprint", f->fingerprint));
    json_array_append_new(props, property("keysift:serial", c->serial));
    json_array_append_new(props, property("keysift:sha256", c->sha256));
    json_array_append_new(props, property("keysift:self-signed", c->self_signed ? "true" : "false"));
    json_array_append_new(props, property("keysift:ca", c->ca ? "true" : "false"));
    if (c->linked[0])
        json_array_append_new(props, property("keysift:linked", c->linked));
    json_object_set_new(o, "properties", props);
    return o;
}

static void asset(algs *a, json_t *components, const ks_finding *f)
{
    const ks_crypto *c = f->crypto;
    char ref[80];
    snprintf(ref, sizeof ref, "crypto/%s/%s",
             c->type == KS_ASSET_CERTIFICATE ? "certificate"
             : c->type == KS_ASSET_PRIVATE_KEY ? "private-key"
                                               : "public-key",
             f->fingerprint);
    if (c->type == KS_ASSET_CERTIFICATE)
        json_array_append_new(components, certificate_component(a, components, f, c, ref));
    else
        json_array_append_new(components,
                              key_component(a, f, c, c->type == KS_ASSET_PRIVATE_KEY, ref, true));
}

/* An RFC 4122 version 4 UUID. */
static void uuid4(char out[37])
{
    uint8_t b[16];
    if (RAND_bytes(b, sizeof b) != 1)
        memset(b, 0, sizeof b);
    b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
             b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
             b[14], b[15]);
}

int ks_report_cyclonedx(FILE *f, const ks_results *res, const ks_report_opts *opts)
{
    (void)opts;
    json_t *doc = json_object();
    char uuid[37], serial[48];
    uuid4(uuid);
    snprintf(serial, sizeof serial, "urn:uuid:%s", uuid);
    json_object_set_new(doc, "bomFormat", json_string("CycloneDX"));
    json_object_set_new(doc, "specVersion", json_string("1.6"));
    json_object_set_new(doc, "serialNumber", json_string(serial));
    json_object_set_new(doc, "version", json_integer(1));

    json_t *meta = json_object();
    json_object_set_new(meta, "timestamp", iso_time(res->now ? res->now : (int64_t)time(NULL)));
    json_t *tool = json_object();
    json_object_set_new(tool, "type", json_string("application"));
    json_object_set_new(tool, "name", json_string("keysift"));
    json_object_set_new(tool, "version", json_string(KS_VERSION));
    json_t *tools = json_object(), *tl = json_array();
    json_array_append_new(tl, tool);
    json_object_set_new(tools, "components", tl);
    json_object_set_new(meta, "tools", tools);
    /* What was scanned: the first target, with its digest when it is a file. */
    if (res->ntargets) {
        json_t *c = json_object();
        json_object_set_new(c, "type", json_string("file"));
        json_object_set_new(c, "bom-ref", json_string("target"));
        json_object_set_new(c, "name", ks_report_json_string(res->targets[0]));
        const char *dg = res->target_digest[0];
        if (dg && strncmp(dg, "sha256:", 7) == 0) {
            json_t *h = json_object(), *hs = json_array();
            json_object_set_new(h, "alg", json_string("SHA-256"));
            json_object_set_new(h, "content", json_string(dg + 7));
            json_array_append_new(hs, h);
            json_object_set_new(c, "hashes", hs);
        }
        json_object_set_new(meta, "component", c);
    }
    json_object_set_new(doc, "metadata", meta);

    json_t *components = json_array();
    algs a = {.res = res, .components = json_array()};
    for (size_t i = 0; i < res->nfindings; i++)
        if (res->findings[i].crypto && !res->findings[i].public_value)
            asset(&a, components, &res->findings[i]);
    for (size_t i = 0; i < res->ninventory; i++)
        if (res->inventory[i].crypto)
            asset(&a, components, &res->inventory[i]);
    json_array_extend(components, a.components);
    json_decref(a.components);
    free(a.names);
    json_object_set_new(doc, "components", components);

    return ks_report_json_write(f, doc, 2, "CycloneDX");
}
