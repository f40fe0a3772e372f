/*
 * der.c - keys and certificates in DER (binary ASN.1), wherever they are:
 * a key.der file, a PKCS#12 bundle, a C array in .rodata.
 *
 * The rules find keys and certificates by their PEM armour, so this
 * decoder renders what it finds as PEM: one child, "pem", whose offsets
 * all map to where the DER starts. What is rendered is what OpenSSL
 * parses: PKCS#1 RSA, SEC 1 EC and DSA private keys, PKCS#8 (plain and
 * encrypted, also under a Java keystore's key protection), X.509
 * certificates, and PKCS#12 bundles (as "PKCS12", a label keysift uses
 * for the binary bundle since PEM defines none).
 *
 * Sniffing is structural first (a SEQUENCE whose length fits, starting
 * like one of these), then a parse with OpenSSL, within the DER's length.
 */
#include "format.h"

#include <openssl/evp.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

typedef enum der_kind {
    DER_NONE,
    DER_RSA,       /* RSAPrivateKey (PKCS#1) */
    DER_EC,        /* ECPrivateKey (SEC 1) */
    DER_DSA,       /* DSA private key (OpenSSL's traditional form) */
    DER_PKCS8,     /* PrivateKeyInfo */
    DER_PKCS8_ENC, /* EncryptedPrivateKeyInfo */
    DER_CERT,      /* Certificate */
    DER_PKCS12,    /* PFX */
} der_kind;

static const char *const labels[] = {
    [DER_RSA] = "RSA PRIVATE KEY",
    [DER_EC] = "EC PRIVATE KEY",
    [DER_DSA] = "DSA PRIVATE KEY",
    [DER_PKCS8] = "PRIVATE KEY",
    [DER_PKCS8_ENC] = "ENCRYPTED PRIVATE KEY",
    [DER_CERT] = "CERTIFICATE",
    [DER_PKCS12] = "PKCS12",
};

/* The header of a DER element at d: tag, and the total length (header
 * and contents) in *total. False when it is not well formed. */
static bool der_header(const uint8_t *d, size_t n, uint8_t tag, size_t *hdr, size_t *total)
{
    if (n < 2 || d[0] != tag)
        return false;
    size_t len, h;
    if (d[1] < 0x80) {
        len = d[1];
        h = 2;
    } else if (d[1] == 0x81 && n >= 3 && d[2] >= 0x80) {
        len = d[2];
        h = 3;
    } else if (d[1] == 0x82 && n >= 4 && d[2] != 0) {
        len = (size_t)d[2] << 8 | d[3];
        h = 4;
    } else if (d[1] == 0x83 && n >= 5 && d[2] != 0) {
        len = (size_t)d[2] << 16 | (size_t)d[3] << 8 | d[4];
        h = 5;
    } else {
        return false;
    }
    if (len > n - h)
        return false;
    *hdr = h;
    *total = h + len;
    return true;
}

static const uint8_t oid_pbes2[] = {0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05, 0x0d};
static const uint8_t oid_pkcs12_pbe[] = {0x06, 0x0a, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x01};
/* Java keystores' key protection (jks.c): Sun's KeyProtector, 1.3.6.1.4.1.42.2.17.1.1 (JKS), and
 * PBEWithMD5AndTripleDES, 1.3.6.1.4.1.42.2.19.1 (JCEKS). */
static const uint8_t oid_jdk_protector[] = {0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04,
                                            0x01, 0x2a, 0x02, 0x11, 0x01, 0x01};
static const uint8_t oid_jce_pbe[] = {0x06, 0x09, 0x2b, 0x06, 0x01, 0x04,
                                      0x01, 0x2a, 0x02, 0x13, 0x01};

/* What the DER at d is, judged by its shape and confirmed by OpenSSL. */
/* What the DER's first elements say it is (not yet parsed). */
static der_kind shape(const uint8_t *c, size_t cl)
{
    size_t h2, t2;
    if (cl >= 3 && c[0] == 0x02 && c[1] == 0x01 && c[2] == 0x00) {
        /* version 0: PKCS#1 RSA, DSA, or PKCS#8 (an AlgorithmIdentifier follows) */
        if (cl >= 4 && c[3] == 0x30)
            return DER_PKCS8;
        if (cl >= 4 && c[3] == 0x02)
            return DER_RSA; /* or DSA: the parse tells */
        return DER_NONE;
    }
    if (cl >= 4 && c[0] == 0x02 && c[1] == 0x01 && c[2] == 0x01 && c[3] == 0x04)
        return DER_EC;
    if (cl >= 4 && c[0] == 0x02 && c[1] == 0x01 && c[2] == 0x03 && c[3] == 0x30)
        return DER_PKCS12;
    if (!der_header(c, cl, 0x30, &h2, &t2))
        return DER_NONE;
    /* EncryptedPrivateKeyInfo: SEQUENCE { AlgorithmIdentifier { PBES2 | PKCS#12 PBE | Java } } */
    if ((t2 >= h2 + sizeof oid_pbes2 && memcmp(c + h2, oid_pbes2, sizeof oid_pbes2) == 0) ||
        (t2 >= h2 + sizeof oid_pkcs12_pbe && memcmp(c + h2, oid_pkcs12_pbe, 10) == 0) ||
        (t2 >= h2 + sizeof oid_jdk_protector &&
         memcmp(c + h2, oid_jdk_protector, sizeof oid_jdk_protector) == 0) ||
        (t2 >= h2 + sizeof oid_jce_pbe && memcmp(c + h2, oid_jce_pbe, sizeof oid_jce_pbe) == 0))
        return DER_PKCS8_ENC;
    return DER_CERT; /* tbsCertificate */
}

/* Does OpenSSL read d[0..len) as `*k`? Sets *end past what it read; an
 * RSA shape that is a DSA key becomes DER_DSA. */
static bool parses(der_kind *k, const uint8_t *d, long len, const unsigned char **end)
{
    const unsigned char *p = d;
    bool ok = false;
    switch (*k) {
    case DER_RSA: {
        EVP_PKEY *key = d2i_PrivateKey(EVP_PKEY_RSA, NULL, &p, len);
        if (!key) {
            p = d;
            key = d2i_PrivateKey(EVP_PKEY_DSA, NULL, &p, len);
            *k = DER_DSA;
        }
        ok = key != NULL;
        EVP_PKEY_free(key);
        break;
    }
    case DER_EC: {
        EVP_PKEY *key = d2i_PrivateKey(EVP_PKEY_EC, NULL, &p, len);
        ok = key != NULL;
        EVP_PKEY_free(key);
        break;
    }
    case DER_PKCS8: {
        PKCS8_PRIV_KEY_INFO *p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, len);
        ok = p8 != NULL;
        PKCS8_PRIV_KEY_INFO_free(p8);
        break;
    }
    case DER_PKCS8_ENC: {
        X509_SIG *sig = d2i_X509_SIG(NULL, &p, len);
        ok = sig != NULL;
        X509_SIG_free(sig);
        break;
    }
    case DER_CERT: {
        X509 *x = d2i_X509(NULL, &p, len);
        ok = x != NULL;
        X509_free(x);
        break;
    }
    case DER_PKCS12: {
        PKCS12 *p12 = d2i_PKCS12(NULL, &p, len);
        ok = p12 != NULL;
        PKCS12_free(p12);
        break;
    }
    default:
        break;
    }
    *end = p;
    return ok;
}

static der_kind classify(const uint8_t *d, size_t n, size_t *total)
{
    size_t h, t;
    if (!der_header(d, n, 0x30, &h, &t) || t < 16)
        return DER_NONE;
    der_kind k = shape(d + h, t - h);
    const unsigned char *end = d;
    /* The parse must use the bytes the header promised, no fewer. */
    if (k == DER_NONE || !parses(&k, d, (long)t, &end) || end != d + t)
        return DER_NONE;
    *total = t;
    return k;
}

static bool der_sniff(const uint8_t *d, size_t n)
{
    size_t t;
    return classify(d, n, &t) != DER_NONE;
}

static int der_expand(ks_fmt_ctx *ctx, const uint8_t *d, size_t n, uint64_t *consumed)
{
    size_t t = 0;
    der_kind k = classify(d, n, &t);
    if (k == DER_NONE)
        return KS_EINVAL;
    const char *label = labels[k];
    size_t b64 = 4 * ((t + 2) / 3);
    size_t cap = 2 * (strlen(label) + 16) + b64 + b64 / 64 + 4;
    char *pem = ks_xmalloc(cap);
    size_t o = (size_t)snprintf(pem, cap, "-----BEGIN %s-----\n", label);
    for (size_t i = 0; i < t; i += 48) {
        size_t m = t - i < 48 ? t - i : 48;
        o += (size_t)EVP_EncodeBlock((unsigned char *)pem + o, d + i, (int)m);
        pem[o++] = '\n';
    }
    o += (size_t)snprintf(pem + o, cap - o, "-----END %s-----\n", label);
    ks_child c = {.kind = KS_CHILD_SECTION,
                  .name = "pem",
                  .data = (const uint8_t *)pem,
                  .len = o,
                  .parent_offset = 0,
                  .whole = true,
                  .opaque = true};
    ks_fmt_emit(ctx, &c);
    free(pem);
    *consumed = t;
    return 0;
}

/* SEQUENCE with a two-byte length, then version 0 (PKCS#1, PKCS#8),
 * version 1 and an OCTET STRING (SEC 1 EC), version 3 (PKCS#12), or a
 * nested SEQUENCE (certificates, encrypted PKCS#8). One-byte lengths: the
 * small EC and Ed25519 keys. */
static const ks_signature der_sigs[] = {
    {"\x02\x01\x00\x02", 4, 4},
    {"\x02\x01\x00\x30", 4, 4},
    {"\x02\x01\x01\x04", 4, 2},
    {"\x02\x01\x01\x04", 4, 3},
    {"\x02\x01\x00\x30", 4, 2},
    {"\x02\x01\x03\x30", 4, 4},
    {"\x30\x82", 2, 4},
};

const ks_format ks_format_der = {
    .name = "der",
    .sniff = der_sniff,
    .expand = der_expand,
    .sigs = der_sigs,
    .nsigs = sizeof der_sigs / sizeof der_sigs[0],
};
