/*
 * jwk.c - JSON Web Keys to OpenSSL keys. See jwk.h.
 *
 * The members are base64url (RFC 7515 section 2: no padding; padding is
 * tolerated), unsigned big-endian integers for RSA and EC, raw key bytes
 * for OKP. Keys are built with EVP_PKEY_fromdata from those numbers, then
 * the public part is checked against the private one, cheaply: one scalar
 * multiplication (EC), one derivation (OKP), a few multiplications and
 * reductions (RSA with factors) or one modular exponentiation (RSA
 * without). A random "d" under a real public key is thereby refused.
 */
#include "jwk.h"

#include "sshwire.h"

#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/param_build.h>
#include <stdlib.h>
#include <string.h>

#define MAX_JWK (64u * 1024u)
#define MAX_MEMBER 2048 /* bytes of one decoded member: RSA-16384 */

/* A member of the object as bytes, decoded from base64url into out
 * (capacity MAX_MEMBER). -1 when absent or not base64url. */
static long member(const json_t *o, const char *name, uint8_t *out)
{
    const char *v = json_string_value(json_object_get(o, name));
    if (!v)
        return -1;
    size_t n = strlen(v);
    while (n > 0 && v[n - 1] == '=')
        n--;
    if (n == 0 || n % 4 == 1 || n / 4 * 3 + 3 > MAX_MEMBER)
        return -1;
    uint32_t acc = 0;
    int bits = 0;
    long o_len = 0;
    for (size_t i = 0; i < n; i++) {
        char c = v[i];
        int d = c >= 'A' && c <= 'Z'   ? c - 'A'
                : c >= 'a' && c <= 'z' ? c - 'a' + 26
                : c >= '0' && c <= '9' ? c - '0' + 52
                : c == '-'             ? 62
                : c == '_'             ? 63
                                       : -1;
        if (d < 0)
            return -1;
        acc = (acc << 6 | (uint32_t)d) & 0xffffff;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o_len++] = (uint8_t)(acc >> bits);
        }
    }
    return o_len;
}

static BIGNUM *member_bn(const json_t *o, const char *name)
{
    uint8_t buf[MAX_MEMBER];
    long l = member(o, name, buf);
    BIGNUM *b = l > 0 ? BN_bin2bn(buf, (int)l, NULL) : NULL;
    OPENSSL_cleanse(buf, sizeof buf);
    return b;
}

static bool is(const json_t *o, const char *name, const char *want)
{
    const char *v = json_string_value(json_object_get(o, name));
    return v && strcmp(v, want) == 0;
}

/* ------------------------------------------------------------------------ */
/* RSA                                                                       */

/* d·e ≡ 1 (mod p−1) and (mod q−1), n = p·q, and the CRT values are d's. */
static bool rsa_factors_fit(const BIGNUM *n, const BIGNUM *e, const BIGNUM *d, const BIGNUM *p,
                            const BIGNUM *q, const BIGNUM *dp, const BIGNUM *dq, const BIGNUM *qi)
{
    BN_CTX *bc = BN_CTX_new();
    BIGNUM *t = BN_new(), *pm1 = BN_new(), *qm1 = BN_new(), *r = BN_new();
    bool ok = bc && t && pm1 && qm1 && r && BN_mul(t, p, q, bc) && BN_cmp(t, n) == 0 &&
              BN_sub(pm1, p, BN_value_one()) && BN_sub(qm1, q, BN_value_one()) &&
              BN_mod_mul(r, d, e, pm1, bc) && BN_is_one(r) && BN_mod_mul(r, d, e, qm1, bc) &&
              BN_is_one(r) && BN_mod(r, d, pm1, bc) && BN_cmp(r, dp) == 0 &&
              BN_mod(r, d, qm1, bc) && BN_cmp(r, dq) == 0 && BN_mod_mul(r, qi, q, p, bc) &&
              BN_is_one(r);
    BN_clear_free(t);
    BN_clear_free(pm1);
    BN_clear_free(qm1);
    BN_clear_free(r);
    BN_CTX_free(bc);
    return ok;
}

/* (m^e)^d ≡ m (mod n) for one m. */
static bool rsa_roundtrip(const BIGNUM *n, const BIGNUM *e, const BIGNUM *d)
{
    BN_CTX *bc = BN_CTX_new();
    BIGNUM *m = BN_new(), *c = BN_new(), *back = BN_new();
    bool ok = bc && m && c && back && BN_set_word(m, 0x6b657973u) && BN_cmp(m, n) < 0 &&
              BN_mod_exp(c, m, e, n, bc) && BN_mod_exp(back, c, d, n, bc) && BN_cmp(back, m) == 0;
    BN_free(m);
    BN_free(c);
    BN_clear_free(back);
    BN_CTX_free(bc);
    return ok;
}

static EVP_PKEY *rsa_key(const json_t *o)
{
    static const char *const names[8] = {"n", "e", "d", "p", "q", "dp", "dq", "qi"};
    static const char *const params[8] = {
        OSSL_PKEY_PARAM_RSA_N,         OSSL_PKEY_PARAM_RSA_E,
        OSSL_PKEY_PARAM_RSA_D,         OSSL_PKEY_PARAM_RSA_FACTOR1,
        OSSL_PKEY_PARAM_RSA_FACTOR2,   OSSL_PKEY_PARAM_RSA_EXPONENT1,
        OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1};
    BIGNUM *b[8] = {NULL};
    EVP_PKEY *key = NULL;
    OSSL_PARAM_BLD *bld = NULL;
    size_t have = 0;
    for (size_t i = 0; i < 8; i++)
        if (json_object_get(o, names[i]) && (b[i] = member_bn(o, names[i])) != NULL)
            have++;
    /* n, e, d; the five others all or none (RFC 7518 section 6.3.2). */
    if (!b[0] || !b[1] || !b[2] || (have != 3 && have != 8))
        goto done;
    /* Up to RSA-8192: the check costs one exponentiation at most. */
    if (BN_num_bits(b[0]) < 256 || BN_num_bits(b[0]) > 8192 || !BN_is_odd(b[0]) ||
        !BN_is_odd(b[1]) || BN_is_one(b[1]) || BN_cmp(b[2], b[0]) >= 0)
        goto done;
    if (have == 8 ? !rsa_factors_fit(b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7])
                  : !rsa_roundtrip(b[0], b[1], b[2]))
        goto done;
    if (!(bld = OSSL_PARAM_BLD_new()))
        goto done;
    for (size_t i = 0; i < have; i++)
        if (!OSSL_PARAM_BLD_push_BN(bld, params[i], b[i]))
            goto done;
    key = ks_pkey_from_params("RSA", EVP_PKEY_KEYPAIR, bld);
done:
    OSSL_PARAM_BLD_free(bld);
    for (size_t i = 0; i < 8; i++)
        BN_clear_free(b[i]);
    return key;
}

/* ------------------------------------------------------------------------ */
/* EC and OKP                                                                */

static EVP_PKEY *ec_key(const json_t *o)
{
    static const struct {
        const char *crv;
        size_t size;
    } curves[] = {{"P-256", 32}, {"P-384", 48}, {"P-521", 66}};
    size_t c;
    for (c = 0; c < sizeof curves / sizeof curves[0]; c++)
        if (is(o, "crv", curves[c].crv))
            break;
    if (c == sizeof curves / sizeof curves[0])
        return NULL;
    size_t size = curves[c].size;
    uint8_t pub[1 + 2 * MAX_MEMBER], d[MAX_MEMBER];
    EVP_PKEY *key = NULL;
    EVP_PKEY_CTX *pc = NULL;
    BIGNUM *bd = NULL;
    OSSL_PARAM_BLD *bld = NULL;
    /* Coordinates are the full size of the field (RFC 7518 6.2.1.2); d is
     * that long too (6.2.2.1), though a shorter one is still read. */
    long dl = member(o, "d", d);
    if (member(o, "x", pub + 1) != (long)size || member(o, "y", pub + 1 + size) != (long)size ||
        dl <= 0 || dl > (long)size)
        goto done;
    pub[0] = 0x04;
    if (!(bd = BN_bin2bn(d, (int)dl, NULL)) || !(bld = OSSL_PARAM_BLD_new()) ||
        !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, curves[c].crv, 0) ||
        !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, 1 + 2 * size) ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, bd))
        goto done;
    key = ks_pkey_from_params("EC", EVP_PKEY_KEYPAIR, bld);
    /* d·G must be the point (x, y). */
    pc = key ? EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL) : NULL;
    if (key && (!pc || EVP_PKEY_pairwise_check(pc) != 1)) {
        EVP_PKEY_free(key);
        key = NULL;
    }
done:
    EVP_PKEY_CTX_free(pc);
    OSSL_PARAM_BLD_free(bld);
    BN_clear_free(bd);
    OPENSSL_cleanse(d, sizeof d);
    return key;
}

static EVP_PKEY *okp_key(const json_t *o)
{
    static const struct {
        const char *crv, *type;
        size_t size;
    } curves[] = {{"Ed25519", "ED25519", 32},
                  {"X25519", "X25519", 32},
                  {"Ed448", "ED448", 57},
                  {"X448", "X448", 56}};
    size_t c;
    for (c = 0; c < sizeof curves / sizeof curves[0]; c++)
        if (is(o, "crv", curves[c].crv))
            break;
    if (c == sizeof curves / sizeof curves[0])
        return NULL;
    uint8_t x[MAX_MEMBER], d[MAX_MEMBER], derived[64];
    size_t size = curves[c].size, dlen = sizeof derived;
    EVP_PKEY *key = NULL;
    OSSL_PARAM_BLD *bld = NULL;
    if (member(o, "x", x) != (long)size || member(o, "d", d) != (long)size ||
        !(bld = OSSL_PARAM_BLD_new()) ||
        !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PRIV_KEY, d, size))
        goto done;
    /* Built from d alone: OpenSSL derives the public key, which must be x. */
    key = ks_pkey_from_params(curves[c].type, EVP_PKEY_KEYPAIR, bld);
    if (key && (EVP_PKEY_get_raw_public_key(key, derived, &dlen) != 1 || dlen != size ||
                CRYPTO_memcmp(derived, x, size) != 0)) {
        EVP_PKEY_free(key);
        key = NULL;
    }
done:
    OSSL_PARAM_BLD_free(bld);
    OPENSSL_cleanse(d, sizeof d);
    return key;
}

/* ------------------------------------------------------------------------ */

static EVP_PKEY *object_key(const json_t *o)
{
    if (!json_is_object(o) || !json_is_string(json_object_get(o, "d")))
        return NULL;
    if (is(o, "kty", "RSA"))
        return rsa_key(o);
    if (is(o, "kty", "EC"))
        return ec_key(o);
    if (is(o, "kty", "OKP"))
        return okp_key(o);
    return NULL;
}

/* One level of string escaping undone: \" \\ \/ \n \r \t. */
static size_t unescape(char *out, const uint8_t *s, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\\' && i + 1 < n) {
            char c = (char)s[++i];
            out[o++] = c == 'n' ? '\n' : c == 'r' ? '\r' : c == 't' ? '\t' : c;
        } else {
            out[o++] = (char)s[i];
        }
    }
    return o;
}

EVP_PKEY *ks_jwk_private_key(const uint8_t *s, size_t n)
{
    if (n < 16 || n > MAX_JWK)
        return NULL;
    json_t *j = json_loadb((const char *)s, n, 0, NULL);
    if (!j && memmem(s, n, "\\\"", 2)) {
        char *plain = ks_xmalloc(n);
        size_t pl = unescape(plain, s, n);
        j = json_loadb(plain, pl, 0, NULL);
        OPENSSL_cleanse(plain, n);
        free(plain);
    }
    if (!j)
        return NULL;
    EVP_PKEY *key = object_key(j);
    const json_t *set = json_object_get(j, "keys");
    for (size_t i = 0; !key && i < json_array_size(set); i++)
        key = object_key(json_array_get(set, i));
    json_decref(j);
    return key;
}
