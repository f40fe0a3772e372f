/*
 * crypto.h - reading keys and certificates with OpenSSL: what a matched
 * key or certificate is (algorithm, size, encryption, subject, validity,
 * ...), and the checks `check` rules make of those facts (short RSA keys,
 * MD5/SHA-1 signatures, expired certificates, certificates that expire
 * within the support period). Pure functions of the bytes given: the step
 * that applies them to a scan's findings is inventory.c.
 */
#ifndef KS_CRYPTO_H
#define KS_CRYPTO_H

#include "findings.h"

#include <openssl/evp.h>

typedef enum ks_asset_type {
    KS_ASSET_PRIVATE_KEY = 1,
    KS_ASSET_PUBLIC_KEY,
    KS_ASSET_CERTIFICATE,
} ks_asset_type;

/* The OID of a key algorithm name of ks_crypto ("RSA": 1.2.840.113549.1.1.1),
 * or NULL. */
const char *ks_crypto_algorithm_oid(const char *algorithm);

typedef struct ks_crypto {
    ks_asset_type type;
    const char *format; /* static: "PKCS#8", "PKCS#1", "SEC 1", "OpenSSH", "X.509", ... */
    char algorithm[24]; /* "RSA", "EC", "Ed25519", "DSA", ...; "" when it cannot be read */
    int bits;           /* key size; 0 when unknown (an encrypted key) */
    char curve[24];     /* EC curve, "" otherwise */
    bool encrypted;     /* a private key protected by a passphrase */
    char spki_sha256[65]; /* SHA-256 of the public key (SubjectPublicKeyInfo DER); "" if unknown */
    /* Certificates. */
    char *subject, *issuer; /* RFC 2253 */
    char serial[80];
    int64_t not_before, not_after; /* seconds since the epoch */
    bool self_signed, ca;
    char sig_alg[48]; /* "sha256WithRSAEncryption" */
    char sig_oid[48]; /* "1.2.840.113549.1.1.11" */
    char sha256[65];  /* of the certificate's DER */
    /* The certificate of this key, or the key of this certificate, found
     * in the same scan (by public key): its finding's fingerprint, or "". */
    char linked[33];
} ks_crypto;

/* The key or certificate a match holds: a PEM block as found in the source
 * (quoted or not), an OpenSSH or PuTTY key, an OpenSSH public key line.
 * NULL when there is none OpenSSL reads. */
ks_crypto *ks_crypto_parse(const uint8_t *s, size_t n);
void ks_crypto_free(ks_crypto *c);
/* Is this a PEM armour of a private key that ks_crypto_parse reads (the
 * PKCS#1, SEC 1, PKCS#8, traditional and OpenSSH labels, and PKCS#12)?
 * When it is and ks_crypto_parse returns NULL, OpenSSL found no usable key
 * in it: a public key under a PRIVATE label, a PKCS#12 of certificates
 * only, a deliberately broken or invalid key, a lookalike. */
bool ks_crypto_key_armour(const uint8_t *s, size_t n);

/* For an armour of ks_crypto_key_armour that ks_crypto_parse does not read:
 * true when it is positively no key (well-formed DER that holds none, DER
 * whose outer length says more than the body holds, base64 padding inside
 * the body, encrypted ciphertext too short for a key); false
 * when its body is no DER at all, a key damaged, cut short or made up, which
 * is still reported (with a lower confidence): its shape is a leak's. */
bool ks_crypto_key_refuted(const uint8_t *s, size_t n);

/* Algorithm, size, curve and public-key fingerprint of a key, into c: for
 * readers of key forms kept in files of their own (jwk.c). */
void ks_crypto_key_facts(ks_crypto *c, EVP_PKEY *k);

/* A JWK or JWK Set holding a private key (jwk.c): format "JWK" and the
 * key's facts; NULL when OpenSSL builds no private key from it. */
ks_crypto *ks_crypto_from_jwk(const uint8_t *s, size_t n);

/* Checks that rules can ask for (`check:`). */
bool ks_crypto_check_known(const char *check);
/* Does `check` hold for these facts, at `now`, with the product supported
 * until `support_until` (0: not given)? */
bool ks_crypto_check(const char *check, const ks_crypto *c, int64_t now, int64_t support_until);

#endif
