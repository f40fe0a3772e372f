/*
 * crypto.c - reading keys and certificates with OpenSSL, linking them, and
 * the findings of weak material. See crypto.h.
 *
 * A match's bytes are the text as found: a PEM block perhaps quoted in a C
 * or JSON string. The armour's label says what the body is; the body is
 * reduced to base64 (the same normalisation fingerprints use), decoded,
 * and given to the matching d2i_* function. OpenSSH and PuTTY keys carry
 * an SSH public-key blob that is read here, so an OpenSSH key links to its
 * .pub, and to nothing by accident. A JWK (a match starting with '{') is
 * read by jwk.c.
 */
#include "crypto.h"

#include "../core/pemwrap.h"
#include "../core/sha256.h"
#include "../core/sshwire.h"
#include "../engine/validate.h"

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void ks_crypto_free(ks_crypto *c)
{
    if (!c)
        return;
    free(c->subject);
    free(c->issuer);
    free(c);
}

const char *ks_crypto_algorithm_oid(const char *algorithm)
{
    static const char *const oids[][2] = {
        {"RSA", "1.2.840.113549.1.1.1"}, {"EC", "1.2.840.10045.2.1"},
        {"DSA", "1.2.840.10040.4.1"},    {"Ed25519", "1.3.101.112"},
        {"Ed448", "1.3.101.113"},        {"X25519", "1.3.101.110"},
        {"X448", "1.3.101.111"},
    };
    for (size_t i = 0; i < sizeof oids / sizeof oids[0]; i++)
        if (strcmp(algorithm, oids[i][0]) == 0)
            return oids[i][1];
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* Facts of a public key                                                     */

/* Algorithm, size, curve and SPKI fingerprint of a key. */
static void key_facts(ks_crypto *c, EVP_PKEY *k)
{
    const char *name;
    switch (EVP_PKEY_get_base_id(k)) {
    case EVP_PKEY_RSA:
    case EVP_PKEY_RSA_PSS:
        name = "RSA";
        break;
    case EVP_PKEY_EC:
        name = "EC";
        break;
    case EVP_PKEY_DSA:
        name = "DSA";
        break;
    case EVP_PKEY_ED25519:
        name = "Ed25519";
        break;
    case EVP_PKEY_ED448:
        name = "Ed448";
        break;
    case EVP_PKEY_X25519:
        name = "X25519";
        break;
    case EVP_PKEY_X448:
        name = "X448";
        break;
    default:
        name = EVP_PKEY_get0_type_name(k) ? EVP_PKEY_get0_type_name(k) : "unknown";
    }
    snprintf(c->algorithm, sizeof c->algorithm, "%s", name);
    c->bits = EVP_PKEY_get_bits(k);
    size_t gl = 0;
    if (EVP_PKEY_get_base_id(k) == EVP_PKEY_EC)
        EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, c->curve, sizeof c->curve,
                                       &gl);
    unsigned char *der = NULL;
    int dl = i2d_PUBKEY(k, &der);
    if (dl > 0)
        ks_sha256_hex(c->spki_sha256, der, (size_t)dl);
    OPENSSL_free(der);
}

void ks_crypto_key_facts(ks_crypto *c, EVP_PKEY *k)
{
    key_facts(c, k);
}

/* An SSH public-key blob (RFC 4253 6.6, RFC 5656, RFC 8709). */
static EVP_PKEY *ssh_public_key(const uint8_t *d, size_t n)
{
    size_t pos = 0, tl, al, bl;
    const uint8_t *t, *a, *b;
    if (!ks_ssh_string(d, n, &pos, &t, &tl))
        return NULL;
    if (tl == 11 && memcmp(t, "ssh-ed25519", 11) == 0) {
        if (!ks_ssh_string(d, n, &pos, &a, &al) || al != 32)
            return NULL;
        return EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, a, 32);
    }
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    EVP_PKEY *k = NULL;
    BIGNUM *e = NULL, *m = NULL;
    if (bld && tl == 7 && memcmp(t, "ssh-rsa", 7) == 0 && ks_ssh_string(d, n, &pos, &a, &al) &&
        ks_ssh_string(d, n, &pos, &b, &bl) && (e = BN_bin2bn(a, (int)al, NULL)) &&
        (m = BN_bin2bn(b, (int)bl, NULL)) && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, m) &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e)) {
        k = ks_pkey_from_params("RSA", EVP_PKEY_PUBLIC_KEY, bld);
    } else if (bld && tl > 19 && memcmp(t, "ecdsa-sha2-nistp", 16) == 0 &&
               ks_ssh_string(d, n, &pos, &a, &al) && ks_ssh_string(d, n, &pos, &b, &bl)) {
        const char *group = al == 8 && memcmp(a, "nistp256", 8) == 0   ? "P-256"
                            : al == 8 && memcmp(a, "nistp384", 8) == 0 ? "P-384"
                            : al == 8 && memcmp(a, "nistp521", 8) == 0 ? "P-521"
                                                                       : NULL;
        if (group && OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) &&
            OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, b, bl))
            k = ks_pkey_from_params("EC", EVP_PKEY_PUBLIC_KEY, bld);
    }
    BN_free(e);
    BN_free(m);
    OSSL_PARAM_BLD_free(bld);
    return k;
}

/* openssh-key-v1 (PROTOCOL.key): magic, cipher, kdf, kdf options, the
 * number of keys, then the first public key. */
static bool openssh_private(ks_crypto *c, const uint8_t *d, size_t n)
{
    static const char magic[] = "openssh-key-v1";
    if (n < sizeof magic || memcmp(d, magic, sizeof magic) != 0)
        return false;
    size_t pos = sizeof magic;
    const uint8_t *cipher, *kdf, *opts, *pub;
    size_t cl, kl, ol, pl;
    if (!ks_ssh_string(d, n, &pos, &cipher, &cl) || !ks_ssh_string(d, n, &pos, &kdf, &kl) ||
        !ks_ssh_string(d, n, &pos, &opts, &ol) || n - pos < 4)
        return false;
    pos += 4;
    if (!ks_ssh_string(d, n, &pos, &pub, &pl))
        return false;
    c->type = KS_ASSET_PRIVATE_KEY;
    c->format = "OpenSSH";
    c->encrypted = !(cl == 4 && memcmp(cipher, "none", 4) == 0);
    EVP_PKEY *k = ssh_public_key(pub, pl);
    if (k)
        key_facts(c, k);
    EVP_PKEY_free(k);
    return true;
}

/* ------------------------------------------------------------------------ */
/* Certificates                                                              */

static char *name_text(const X509_NAME *nm)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *out = NULL;
    if (b && X509_NAME_print_ex(b, nm, 0, XN_FLAG_RFC2253) >= 0) {
        char *p;
        long l = BIO_get_mem_data(b, &p);
        out = ks_xstrndup(p, (size_t)l);
    }
    BIO_free(b);
    return out ? out : ks_xstrdup("");
}

static int64_t asn1_time(const ASN1_TIME *t)
{
    struct tm tm;
    if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
        return 0;
    return (int64_t)timegm(&tm);
}

static void cert_facts(ks_crypto *c, X509 *x)
{
    c->type = KS_ASSET_CERTIFICATE;
    c->format = "X.509";
    c->subject = name_text(X509_get_subject_name(x));
    c->issuer = name_text(X509_get_issuer_name(x));
    BIGNUM *sn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
    char *hex = sn ? BN_bn2hex(sn) : NULL;
    snprintf(c->serial, sizeof c->serial, "%s", hex ? hex : "");
    OPENSSL_free(hex);
    BN_free(sn);
    c->not_before = asn1_time(X509_get0_notBefore(x));
    c->not_after = asn1_time(X509_get0_notAfter(x));
    c->self_signed = X509_self_signed(x, 0) == 1;
    c->ca = X509_check_ca(x) > 0;
    int nid = X509_get_signature_nid(x);
    const char *sig = OBJ_nid2ln(nid);
    snprintf(c->sig_alg, sizeof c->sig_alg, "%s", sig ? sig : "unknown");
    const ASN1_OBJECT *obj = OBJ_nid2obj(nid);
    if (obj)
        OBJ_obj2txt(c->sig_oid, sizeof c->sig_oid, obj, 1);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned ml = 0;
    if (X509_digest(x, EVP_sha256(), md, &ml) == 1)
        ks_hex(c->sha256, md, 32);
    EVP_PKEY *k = X509_get0_pubkey(x);
    if (k)
        key_facts(c, k);
}

/* ------------------------------------------------------------------------ */
/* One match                                                                 */

static const uint8_t *find(const uint8_t *s, size_t n, const char *what)
{
    if (n > PTRDIFF_MAX)
        return NULL;
    return memmem(s, n, what, strlen(what));
}

/* The label of a PEM armour ("RSA PRIVATE KEY"), into out. */
static bool pem_label(const uint8_t *s, size_t n, char *out, size_t cap)
{
    const uint8_t *b = find(s, n, "-----BEGIN ");
    if (!b)
        return false;
    b += 11;
    const uint8_t *e = memmem(b, n - (size_t)(b - s), "-----", 5);
    if (!e || (size_t)(e - b) >= cap)
        return false;
    memcpy(out, b, (size_t)(e - b));
    out[e - b] = '\0';
    return true;
}

/* A private key from its DER, by the label's type. The typed d2i functions
 * are used, not d2i_AutoPrivateKey: OpenSSL 3 makes that try every
 * decoder it has, which costs a millisecond a key (and more on the
 * lookalikes a source tree is full of); these cost a tenth of that. */
static EVP_PKEY *private_key(const char *label, const uint8_t *der, long len)
{
    const unsigned char *p = der;
    if (strcmp(label, "RSA PRIVATE KEY") == 0)
        return d2i_PrivateKey(EVP_PKEY_RSA, NULL, &p, len);
    if (strcmp(label, "EC PRIVATE KEY") == 0)
        return d2i_PrivateKey(EVP_PKEY_EC, NULL, &p, len);
    if (strcmp(label, "DSA PRIVATE KEY") == 0)
        return d2i_PrivateKey(EVP_PKEY_DSA, NULL, &p, len);
    if (strcmp(label, "PRIVATE KEY") != 0)
        return NULL;
    /* PKCS#8: RSA and the Edwards keys directly from the inner key; the
     * rest (EC, whose curve is in the algorithm parameters) through
     * OpenSSL's PKCS#8 conversion. */
    PKCS8_PRIV_KEY_INFO *p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, len);
    if (!p8)
        return NULL;
    const ASN1_OBJECT *obj;
    const unsigned char *pk;
    int pklen;
    EVP_PKEY *k = NULL;
    if (PKCS8_pkey_get0(&obj, &pk, &pklen, NULL, p8) == 1) {
        int nid = OBJ_obj2nid(obj);
        const unsigned char *q = pk;
        if (nid == NID_rsaEncryption)
            k = d2i_PrivateKey(EVP_PKEY_RSA, NULL, &q, pklen);
        else if ((nid == NID_ED25519 || nid == NID_X25519) && pklen == 34 && pk[0] == 0x04 &&
                 pk[1] == 32)
            k = EVP_PKEY_new_raw_private_key(nid == NID_ED25519 ? EVP_PKEY_ED25519
                                                               : EVP_PKEY_X25519,
                                             NULL, pk + 2, 32);
        else
            k = EVP_PKCS82PKEY(p8);
    }
    PKCS8_PRIV_KEY_INFO_free(p8);
    return k;
}

/* Is d[0..n) one well-formed DER element, every constructed one inside it
 * too (OpenSSL's TLV reader)? Keys that only look like keys (random base64
 * under a PEM armour, as test fixtures and templates have) fail here in
 * microseconds; OpenSSL's decoders would take a millisecond to refuse them. */
static bool der_well_formed(const unsigned char *d, long n, int depth)
{
    const unsigned char *p = d;
    while (p < d + n) {
        long len;
        int tag, cls;
        const unsigned char *start = p;
        int r = ASN1_get_object(&p, &len, &tag, &cls, (long)(d + n - p));
        if (r & 0x80 || r == 0x21) /* error, or indefinite length (not DER) */
            return false;
        if ((r & V_ASN1_CONSTRUCTED) && (depth > 32 || !der_well_formed(p, len, depth + 1)))
            return false;
        p += len;
        if (depth == 0)
            return p == d + n && start == d;
    }
    return p == d + n;
}

static bool cert_der(ks_crypto *c, const char *label, const uint8_t *der, long len)
{
    const unsigned char *p = der;
    X509 *x = strcmp(label, "TRUSTED CERTIFICATE") == 0 ? d2i_X509_AUX(NULL, &p, len)
                                                        : d2i_X509(NULL, &p, len);
    if (x)
        cert_facts(c, x);
    X509_free(x);
    return x != NULL;
}

static bool public_der(ks_crypto *c, const char *label, const uint8_t *der, long len)
{
    const unsigned char *p = der;
    bool spki = strcmp(label, "PUBLIC KEY") == 0;
    EVP_PKEY *k = spki ? d2i_PUBKEY(NULL, &p, len) : d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, len);
    if (k) {
        c->type = KS_ASSET_PUBLIC_KEY;
        c->format = spki ? "SubjectPublicKeyInfo" : "PKCS#1";
        key_facts(c, k);
    }
    EVP_PKEY_free(k);
    return k != NULL;
}

static bool pkcs8_encrypted_der(ks_crypto *c, const uint8_t *der, long len)
{
    const unsigned char *p = der;
    X509_SIG *sig = d2i_X509_SIG(NULL, &p, len);
    if (sig) {
        c->type = KS_ASSET_PRIVATE_KEY;
        c->format = "PKCS#8";
        c->encrypted = true;
    }
    X509_SIG_free(sig);
    return sig != NULL;
}

/* Does a PKCS#12 hold a key bag where one can look without the password?
 * Keys sit in a shrouded (or plain) key bag inside a safe that is itself
 * not encrypted: OpenSSL, Java's keytool, Windows and the libraries built
 * on them all put keys there, and certificates in the password-encrypted
 * safe. So a file with no key bag in its plain safes holds certificates
 * only (a trust store, a chain), or is corrupt. */
static bool pkcs12_has_key_bag(PKCS12 *p12)
{
    STACK_OF(PKCS7) *safes = PKCS12_unpack_authsafes(p12);
    bool found = false;
    for (int i = 0; safes && !found && i < sk_PKCS7_num(safes); i++) {
        PKCS7 *p7 = sk_PKCS7_value(safes, i);
        if (OBJ_obj2nid(p7->type) != NID_pkcs7_data)
            continue;
        STACK_OF(PKCS12_SAFEBAG) *bags = PKCS12_unpack_p7data(p7);
        for (int j = 0; bags && !found && j < sk_PKCS12_SAFEBAG_num(bags); j++) {
            int nid = PKCS12_SAFEBAG_get_nid(sk_PKCS12_SAFEBAG_value(bags, j));
            found = nid == NID_keyBag || nid == NID_pkcs8ShroudedKeyBag;
        }
        sk_PKCS12_SAFEBAG_pop_free(bags, PKCS12_SAFEBAG_free);
    }
    sk_PKCS7_pop_free(safes, PKCS7_free);
    return found;
}

static bool pkcs12_der(ks_crypto *c, const uint8_t *der, long len)
{
    const unsigned char *p = der;
    PKCS12 *p12 = d2i_PKCS12(NULL, &p, len);
    if (!p12)
        return false;
    c->type = KS_ASSET_PRIVATE_KEY;
    c->format = "PKCS#12";
    EVP_PKEY *k = NULL;
    X509 *x = NULL;
    bool key;
    /* Bundles made for devices often have an empty password. */
    if (PKCS12_parse(p12, "", &k, &x, NULL) == 1 || PKCS12_parse(p12, NULL, &k, &x, NULL) == 1) {
        key = k != NULL;
        if (k)
            key_facts(c, k);
    } else {
        c->encrypted = true;
        key = pkcs12_has_key_bag(p12);
    }
    EVP_PKEY_free(k);
    X509_free(x);
    PKCS12_free(p12);
    return key;
}

/* Is a key that OpenSSL read one that works? An EC key's private scalar
 * must lie in [1, n) and give its public point (EVP_PKEY_check: a
 * microsecond-scale multiplication; test suites carry keys made to fail
 * it). A raw X25519/Ed25519/X448/Ed448 key is any 32 or 57 bytes, so
 * OpenSSL reads every such run of bytes as a key: real ones are random, and
 * random bytes repeat few values (32 random bytes hold about 30 distinct
 * ones), where bytes that only follow a PKCS#8 header by chance (code,
 * padding, zeros) repeat many. RSA and DSA keys are not checked: their
 * check tests primality, milliseconds a key. */
static bool usable_key(EVP_PKEY *k)
{
    /* By name: keys a provider made (SM2) have no legacy id. */
    if (EVP_PKEY_is_a(k, "EC") || EVP_PKEY_is_a(k, "SM2")) {
        EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, k, NULL);
        bool ok = ctx && EVP_PKEY_check(ctx) == 1;
        EVP_PKEY_CTX_free(ctx);
        return ok;
    }
    if (EVP_PKEY_is_a(k, "ED25519") || EVP_PKEY_is_a(k, "X25519") || EVP_PKEY_is_a(k, "ED448") ||
        EVP_PKEY_is_a(k, "X448")) {
        unsigned char raw[64];
        size_t rl = sizeof raw;
        if (EVP_PKEY_get_raw_private_key(k, raw, &rl) != 1 || rl == 0)
            return false;
        bool seen[256] = {false};
        size_t distinct = 0;
        for (size_t i = 0; i < rl; i++)
            if (!seen[raw[i]]) {
                seen[raw[i]] = true;
                distinct++;
            }
        OPENSSL_cleanse(raw, sizeof raw);
        return distinct * 4 >= rl * 3;
    }
    return true;
}

/* PKCS#1, SEC 1, PKCS#8 and traditional private keys. */
static bool private_der(ks_crypto *c, const char *label, const uint8_t *der, long len,
                        bool legacy_enc)
{
    c->type = KS_ASSET_PRIVATE_KEY;
    c->format = strcmp(label, "PRIVATE KEY") == 0       ? "PKCS#8"
                : strcmp(label, "EC PRIVATE KEY") == 0  ? "SEC 1"
                : strcmp(label, "RSA PRIVATE KEY") == 0 ? "PKCS#1"
                                                        : "traditional";
    if (legacy_enc) {
        /* Proc-Type: 4,ENCRYPTED: the type is in the label, no more. The
         * ciphertext is whole cipher blocks, long enough for the smallest
         * key of the type (a 512-bit RSA or DSA key is some 300 bytes of
         * DER, a P-192 EC key about 100): a stub with a few bytes to test a
         * PEM header parser holds no key. */
        c->encrypted = true;
        snprintf(c->algorithm, sizeof c->algorithm, "%s",
                 strncmp(label, "RSA", 3) == 0   ? "RSA"
                 : strncmp(label, "EC", 2) == 0  ? "EC"
                 : strncmp(label, "DSA", 3) == 0 ? "DSA"
                                                 : "");
        long least = strcmp(c->algorithm, "EC") == 0 ? 80 : 256;
        return len % 8 == 0 && len >= least;
    }
    EVP_PKEY *k = private_key(label, der, len);
    bool ok = k && usable_key(k);
    if (ok)
        key_facts(c, k);
    EVP_PKEY_free(k);
    return ok;
}

static ks_crypto *from_der(const char *label, const uint8_t *der, size_t n, bool legacy_enc)
{
    /* The traditional encrypted form is ciphertext, not DER: only its label
     * and headers say anything; OpenSSH keys are not ASN.1; PKCS#12 made on
     * Windows is BER. Everything else must be DER. */
    if (!legacy_enc && strcmp(label, "OPENSSH PRIVATE KEY") != 0 && strcmp(label, "PKCS12") != 0 &&
        !der_well_formed(der, (long)n, 0))
        return NULL;
    ks_crypto *c = ks_xcalloc(1, sizeof *c);
    long len = (long)n;
    bool ok = false;
    if (strcmp(label, "CERTIFICATE") == 0 || strcmp(label, "X509 CERTIFICATE") == 0 ||
        strcmp(label, "TRUSTED CERTIFICATE") == 0)
        ok = cert_der(c, label, der, len);
    else if (strcmp(label, "PUBLIC KEY") == 0 || strcmp(label, "RSA PUBLIC KEY") == 0)
        ok = public_der(c, label, der, len);
    else if (strcmp(label, "ENCRYPTED PRIVATE KEY") == 0)
        ok = pkcs8_encrypted_der(c, der, len);
    else if (strcmp(label, "OPENSSH PRIVATE KEY") == 0)
        ok = openssh_private(c, der, n);
    else if (strcmp(label, "PKCS12") == 0)
        ok = pkcs12_der(c, der, len);
    else if (strstr(label, "PRIVATE KEY") && !strstr(label, "PGP"))
        ok = private_der(c, label, der, len, legacy_enc);
    if (!ok) {
        ks_crypto_free(c);
        return NULL;
    }
    return c;
}

/* PuTTY .ppk: "PuTTY-User-Key-File-N: <type>", "Encryption: <cipher>",
 * "Public-Lines: N" and the public blob in base64. */
static ks_crypto *from_putty(const uint8_t *s, size_t n)
{
    const uint8_t *enc = find(s, n, "Encryption: ");
    const uint8_t *pl = find(s, n, "Public-Lines: ");
    if (!enc || !pl)
        return NULL;
    ks_crypto *c = ks_xcalloc(1, sizeof *c);
    c->type = KS_ASSET_PRIVATE_KEY;
    c->format = "PuTTY";
    enc += 12;
    c->encrypted = !((size_t)(s + n - enc) >= 4 && memcmp(enc, "none", 4) == 0);
    const uint8_t *p = pl + 14;
    while (p < s + n && *p >= '0' && *p <= '9')
        p++;
    const uint8_t *end = find(p, (size_t)(s + n - p), "Private-Lines");
    if (!end)
        end = s + n;
    uint8_t *b64 = ks_xmalloc((size_t)(end - p) + 1), *blob = ks_xmalloc((size_t)(end - p) + 4);
    size_t bl = 0;
    for (const uint8_t *q = p; q < end; q++) /* the base64 lines, whatever quoting is around */
        if ((*q >= 'A' && *q <= 'Z') || (*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9') ||
            *q == '+' || *q == '/' || *q == '=')
            b64[bl++] = *q;
        else if (*q == '\\' && q + 1 < end && (q[1] == 'n' || q[1] == 'r'))
            q++;
    long dl = ks_base64_decode(blob, b64, bl);
    EVP_PKEY *k = dl > 0 ? ssh_public_key(blob, (size_t)dl) : NULL;
    if (k)
        key_facts(c, k);
    EVP_PKEY_free(k);
    free(b64);
    free(blob);
    return c;
}

/* "ssh-ed25519 AAAA... comment": a public key line (authorized_keys, .pub). */
static ks_crypto *from_ssh_line(const uint8_t *s, size_t n)
{
    const uint8_t *sp = memchr(s, ' ', n);
    if (!sp)
        return NULL;
    const uint8_t *b = sp + 1, *e = b;
    while (e < s + n && *e != ' ' && *e != '\n' && *e != '"' && *e != '\'')
        e++;
    uint8_t *blob = ks_xmalloc((size_t)(e - b) + 4);
    long dl = ks_base64_decode(blob, b, (size_t)(e - b));
    EVP_PKEY *k = dl > 0 ? ssh_public_key(blob, (size_t)dl) : NULL;
    free(blob);
    if (!k)
        return NULL;
    ks_crypto *c = ks_xcalloc(1, sizeof *c);
    c->type = KS_ASSET_PUBLIC_KEY;
    c->format = "OpenSSH";
    key_facts(c, k);
    EVP_PKEY_free(k);
    return c;
}

static bool b64_char(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/';
}

/* A PEM block (its label read into `label`), as found: reduced to its
 * base64 body, decoded, and read by the label's type. */
/* Padding ends the base64 body: a body with '=' and then base64 again is
 * malformed (OpenSSL refuses it, and test suites carry such files). */
static bool padding_inside(const uint8_t *s, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++)
        if (s[i] == '=' && b64_char(s[i + 1]))
            return true;
    return false;
}

/* The bytes of a PEM block's base64 body, in *der (freed by the caller);
 * their number, or <= 0 when the body does not decode. */
static long pem_body(const uint8_t *s, size_t n, uint8_t **der)
{
    uint8_t *body = ks_xmalloc(n + 1);
    *der = ks_xmalloc(n + 4);
    long dl = ks_base64_decode(*der, body, ks_secret_normalise(body, s, n));
    free(body);
    return dl;
}

static ks_crypto *from_pem(const char *label, const uint8_t *s, size_t n)
{
    if (padding_inside(s, n))
        return NULL;
    uint8_t *der;
    long dl = pem_body(s, n, &der);
    bool legacy = find(s, n, "Proc-Type: 4,ENCRYPTED") != NULL;
    ks_crypto *c = dl > 0 ? from_der(label, der, (size_t)dl, legacy) : NULL;
    free(der);
    return c;
}

/* A PEM block whose lines are string literals of a concatenation
 * ("...\n" + "..."): the match runs from the marker to the END line, inside
 * the first and last literals, so their quotes are put back and the block
 * rebuilt (core/pemwrap.h).
 * NULL when it is not such a block. */
static ks_crypto *from_quoted_pem(const char *label, const uint8_t *s, size_t n)
{
    static const uint8_t quotes[] = {'"', '\'', '`'};
    if (n > KS_PEM_UNWRAP_WINDOW)
        return NULL;
    uint8_t *text = ks_xmalloc(n + 2), *clean = ks_xmalloc(n + 64);
    ks_crypto *c = NULL;
    for (size_t i = 0; i < sizeof quotes && !c; i++) {
        if (!memchr(s, quotes[i], n))
            continue;
        text[0] = quotes[i]; /* the quotes around the match */
        memcpy(text + 1, s, n);
        text[n + 1] = quotes[i];
        size_t consumed;
        long cl = ks_pem_unwrap(clean, n + 64, text, n + 2, 1, &consumed);
        if (cl > 0)
            c = from_pem(label, clean, (size_t)cl);
    }
    free(text);
    free(clean);
    return c;
}

/* A PEM block whose lines all sit behind the same prefix ("// ", "# ",
 * " * ", a log line's timestamp): the match starts at the marker, so the
 * prefix is what precedes "-----END" on the last line; it is put back
 * before the first line and the block rebuilt (core/pemwrap.h). */
static ks_crypto *from_prefixed_pem(const char *label, const uint8_t *s, size_t n)
{
    const uint8_t *end = NULL;
    for (const uint8_t *p = find(s, n, "-----END"); p; p = find(p + 1, (size_t)(s + n - p - 1), "-----END"))
        end = p;
    if (!end || n > KS_PEM_UNWRAP_WINDOW)
        return NULL;
    const uint8_t *ls = end;
    while (ls > s && ls[-1] != '\n')
        ls--;
    size_t pl = (size_t)(end - ls);
    if (ls == s || pl == 0 || pl > KS_PEM_UNWRAP_PREFIX)
        return NULL;
    uint8_t *text = ks_xmalloc(pl + n + 1), *clean = ks_xmalloc(n + 64);
    memcpy(text, ls, pl);
    memcpy(text + pl, s, n);
    text[pl + n] = '\n';
    size_t consumed;
    long cl = ks_pem_unwrap(clean, n + 64, text, pl + n + 1, pl, &consumed);
    ks_crypto *c = cl > 0 ? from_pem(label, clean, (size_t)cl) : NULL;
    free(text);
    free(clean);
    return c;
}

ks_crypto *ks_crypto_parse(const uint8_t *s, size_t n)
{
    if (n > (4u << 20))
        return NULL;
    char label[64];
    if (pem_label(s, n, label, sizeof label)) {
        if (strstr(label, "PGP")) {
            if (!strstr(label, "PRIVATE"))
                return NULL;
            ks_crypto *c = ks_xcalloc(1, sizeof *c);
            c->type = KS_ASSET_PRIVATE_KEY;
            c->format = "OpenPGP";
            return c;
        }
        ks_crypto *c = from_quoted_pem(label, s, n);
        if (!c)
            c = from_prefixed_pem(label, s, n);
        return c ? c : from_pem(label, s, n);
    }
    if (n > 20 && memcmp(s, "PuTTY-User-Key-File-", 20) == 0)
        return from_putty(s, n);
    if ((n > 8 && memcmp(s, "ssh-", 4) == 0) || (n > 12 && memcmp(s, "ecdsa-sha2-", 11) == 0))
        return from_ssh_line(s, n);
    if (n > 16 && s[0] == '{')
        return ks_crypto_from_jwk(s, n);
    return NULL;
}

bool ks_crypto_key_armour(const uint8_t *s, size_t n)
{
    char label[64];
    if (n > (4u << 20) || !pem_label(s, n, label, sizeof label) || strstr(label, "PGP"))
        return false;
    return strstr(label, "PRIVATE KEY") != NULL || strcmp(label, "PKCS12") == 0;
}

bool ks_crypto_key_refuted(const uint8_t *s, size_t n)
{
    char label[64];
    if (!ks_crypto_key_armour(s, n) || !pem_label(s, n, label, sizeof label))
        return false;
    if (padding_inside(s, n))
        return true; /* malformed on purpose */
    if (find(s, n, "Proc-Type: 4,ENCRYPTED"))
        return true; /* ciphertext too short for a key (private_der) */
    if (strcmp(label, "OPENSSH PRIVATE KEY") == 0)
        return false;
    uint8_t *der;
    long dl = pem_body(s, n, &der);
    /* Well-formed DER that holds no usable key is something else under a
     * PRIVATE label (a public key, a key made to fail its check), and a
     * PKCS#12 that OpenSSL reads holds certificates only; bytes that are not
     * DER at all are a key damaged, cut or made up. */
    bool refuted = false;
    if (dl > 0 && strcmp(label, "PKCS12") == 0) {
        const unsigned char *p = der;
        PKCS12 *p12 = d2i_PKCS12(NULL, &p, dl);
        refuted = p12 != NULL;
        PKCS12_free(p12);
    } else if (dl > 0) {
        /* ...or DER cut short: an outer SEQUENCE that declares more bytes
         * than the body holds is an example with its middle elided (a key
         * that leaks is whole). */
        const unsigned char *p = der;
        long len = 0;
        int tag = -1, cls;
        int r = ASN1_get_object(&p, &len, &tag, &cls, dl);
        bool cut = (r & 0x80) && tag == V_ASN1_SEQUENCE && len > dl - (long)(p - der);
        refuted = cut || der_well_formed(der, dl, 0);
    }
    ERR_clear_error();
    free(der);
    return refuted;
}

/* ------------------------------------------------------------------------ */
/* Checks                                                                    */

static const char *const checks[] = {"rsa-short", "weak-signature", "cert-expired",
                                     "cert-expires-in-support"};

bool ks_crypto_check_known(const char *check)
{
    for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++)
        if (strcmp(check, checks[i]) == 0)
            return true;
    return false;
}

bool ks_crypto_check(const char *check, const ks_crypto *c, int64_t now, int64_t support_until)
{
    bool cert = c->type == KS_ASSET_CERTIFICATE;
    if (strcmp(check, "rsa-short") == 0)
        return strcmp(c->algorithm, "RSA") == 0 && c->bits > 0 && c->bits < 2048;
    if (strcmp(check, "weak-signature") == 0) {
        char l[sizeof c->sig_alg];
        size_t i = 0;
        for (; c->sig_alg[i] && i + 1 < sizeof l; i++)
            l[i] = (char)(c->sig_alg[i] >= 'A' && c->sig_alg[i] <= 'Z' ? c->sig_alg[i] + 32
                                                                        : c->sig_alg[i]);
        l[i] = '\0';
        /* A self-signed certificate is a trust anchor (or stands alone): its own
         * signature is not what a verifier relies on, so a SHA-1 root in a
         * trust store is not a finding. */
        return cert && !c->self_signed &&
               (strstr(l, "md5") || strstr(l, "md2") || strstr(l, "md4") || strstr(l, "sha1"));
    }
    if (strcmp(check, "cert-expired") == 0)
        return cert && c->not_after && c->not_after < now;
    if (strcmp(check, "cert-expires-in-support") == 0)
        return cert && support_until > 0 && c->not_after && c->not_after >= now &&
               c->not_after < support_until;
    return false;
}

