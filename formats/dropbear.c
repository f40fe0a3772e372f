/*
 * dropbear.c - Dropbear SSH private keys (/etc/dropbear/dropbear_*_host_key),
 * the binary form embedded SSH servers keep: SSH wire strings and mpints,
 * "ssh-rsa" e n d p q, "ssh-ed25519" seed||public, "ecdsa-sha2-nistpN"
 * curve Q d.
 *
 * Like DER (der.c), the key is rendered as what the rules read: a PKCS#8
 * PEM block, made by OpenSSL from the key's numbers, in one child "pem"
 * whose offsets map to the start of the key file.
 */
#include "format.h"

#include "../scanner/core/sshwire.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <string.h>

typedef struct cursor {
    const uint8_t *d;
    size_t n, pos;
} cursor;

static bool get_string(cursor *c, const uint8_t **s, size_t *len)
{
    return ks_ssh_string(c->d, c->n, &c->pos, s, len);
}

static BIGNUM *get_mpint(cursor *c)
{
    const uint8_t *s;
    size_t l;
    if (!get_string(c, &s, &l) || l == 0 || l > 2048 || (s[0] & 0x80))
        return NULL;
    return BN_bin2bn(s, (int)l, NULL);
}

static bool name_is(const uint8_t *s, size_t l, const char *name)
{
    return l == strlen(name) && memcmp(s, name, l) == 0;
}

static EVP_PKEY *rsa_key(cursor *c)
{
    BIGNUM *e = get_mpint(c), *n = get_mpint(c), *d = get_mpint(c), *p = get_mpint(c),
           *q = get_mpint(c);
    BIGNUM *dp = BN_new(), *dq = BN_new(), *qi = BN_new(), *t = BN_new();
    BN_CTX *bc = BN_CTX_new();
    OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
    EVP_PKEY *key = NULL;
    /* The CRT values PKCS#1 stores: d mod (p-1), d mod (q-1), q^-1 mod p. */
    if (e && n && d && p && q && dp && dq && qi && t && bc && b && BN_sub(t, p, BN_value_one()) &&
        BN_mod(dp, d, t, bc) && BN_sub(t, q, BN_value_one()) && BN_mod(dq, d, t, bc) &&
        BN_mod_inverse(qi, q, p, bc) && OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_N, n) &&
        OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_E, e) &&
        OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_D, d) &&
        OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_FACTOR1, p) &&
        OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_FACTOR2, q) &&
        OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_EXPONENT1, dp) &&
        OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_EXPONENT2, dq) &&
        OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, qi))
        key = ks_pkey_from_params("RSA", EVP_PKEY_KEYPAIR, b);
    OSSL_PARAM_BLD_free(b);
    BN_CTX_free(bc);
    BN_free(e);
    BN_free(n);
    BN_clear_free(d);
    BN_clear_free(p);
    BN_clear_free(q);
    BN_clear_free(dp);
    BN_clear_free(dq);
    BN_clear_free(qi);
    BN_clear_free(t);
    return key;
}

static EVP_PKEY *ed25519_key(cursor *c)
{
    const uint8_t *s;
    size_t l;
    if (!get_string(c, &s, &l) || l != 64)
        return NULL;
    return EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, s, 32);
}

static EVP_PKEY *ecdsa_key(cursor *c, const uint8_t *name, size_t nl)
{
    static const char *const curves[][2] = {
        {"nistp256", "P-256"}, {"nistp384", "P-384"}, {"nistp521", "P-521"}};
    const uint8_t *curve, *q;
    size_t cl, ql;
    if (!get_string(c, &curve, &cl) || !get_string(c, &q, &ql) || nl != 11 + cl ||
        memcmp(name + 11, curve, cl) != 0)
        return NULL;
    const char *group = NULL;
    for (size_t i = 0; i < 3; i++)
        if (name_is(curve, cl, curves[i][0]))
            group = curves[i][1];
    BIGNUM *d = get_mpint(c);
    OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
    EVP_PKEY *key = NULL;
    if (group && d && b && OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) &&
        OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, q, ql) &&
        OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_PRIV_KEY, d))
        key = ks_pkey_from_params("EC", EVP_PKEY_KEYPAIR, b);
    OSSL_PARAM_BLD_free(b);
    BN_clear_free(d);
    return key;
}

/* The key in d[0..n), and in *used the bytes it took; NULL if none. */
static EVP_PKEY *parse(const uint8_t *d, size_t n, size_t *used)
{
    cursor c = {d, n, 0};
    const uint8_t *name;
    size_t nl;
    if (!get_string(&c, &name, &nl))
        return NULL;
    EVP_PKEY *key = NULL;
    if (name_is(name, nl, "ssh-rsa"))
        key = rsa_key(&c);
    else if (name_is(name, nl, "ssh-ed25519"))
        key = ed25519_key(&c);
    else if (nl > 11 && memcmp(name, "ecdsa-sha2-", 11) == 0)
        key = ecdsa_key(&c, name, nl);
    *used = c.pos;
    return key;
}

static bool dropbear_sniff(const uint8_t *d, size_t n)
{
    static const char *const names[] = {"ssh-rsa", "ssh-ed25519", "ecdsa-sha2-nistp"};
    if (n < 40 || d[0] || d[1] || d[2])
        return false;
    bool shaped = false;
    for (size_t i = 0; i < 3 && !shaped; i++) {
        size_t l = strlen(names[i]);
        shaped = d[3] >= l && d[3] <= l + 3 && n > 4 + l && memcmp(d + 4, names[i], l) == 0;
    }
    if (!shaped)
        return false;
    size_t used;
    EVP_PKEY *k = parse(d, n, &used);
    EVP_PKEY_free(k);
    return k != NULL;
}

static int dropbear_expand(ks_fmt_ctx *ctx, const uint8_t *d, size_t n, uint64_t *consumed)
{
    size_t used = 0;
    EVP_PKEY *key = parse(d, n, &used);
    if (!key)
        return KS_EINVAL;
    BIO *bio = BIO_new(BIO_s_mem());
    int rc = KS_ENOMEM;
    if (bio && PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL) == 1) {
        char *pem;
        long len = BIO_get_mem_data(bio, &pem);
        ks_child c = {.kind = KS_CHILD_SECTION,
                      .name = "pem",
                      .data = (const uint8_t *)pem,
                      .len = (size_t)len,
                      .parent_offset = 0,
                      .whole = true,
                      .opaque = true};
        ks_fmt_emit(ctx, &c);
        rc = 0;
    }
    BIO_free(bio);
    EVP_PKEY_free(key);
    *consumed = used;
    return rc;
}

/* Dropbear keys are files of their own: read where a blob starts. */
static const ks_signature none[1];

const ks_format ks_format_dropbear = {
    .name = "dropbear",
    .sniff = dropbear_sniff,
    .expand = dropbear_expand,
    .sigs = none,
    .nsigs = 0,
};
