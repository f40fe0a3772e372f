/*
 * jwk.h - a JSON Web Key (RFC 7517) holding a private key, built with
 * OpenSSL: shared by the `jwk` validator (engine/validate.c), which only
 * asks whether there is one, and the key inventory (findings/jwk.c), which
 * reads its facts.
 */
#ifndef KS_JWK_H
#define KS_JWK_H

#include "ks.h"

#include <openssl/evp.h>

/* The private key of the JWK in s[0..n): a JSON object with "kty" and "d"
 * (RFC 7518 section 6: RSA with n, e, d and optionally all of p, q, dp, dq,
 * qi; EC on P-256, P-384 or P-521 with x, y, d; RFC 8037: OKP on Ed25519,
 * X25519, Ed448 or X448 with x, d), or a JWK Set ({"keys": [...]}) holding
 * one. The object may be escaped inside a string (\"kty\": ...). Returns the
 * key (the caller frees it) when OpenSSL builds it and its public part is
 * the private part's: EC and OKP public keys are derived from d and compared
 * with x (and y); an RSA key's factors are checked against n, e and d, or,
 * without factors, one encryption with e is decrypted with d. NULL
 * otherwise: not JSON, a public key, a member that is not base64url, a d
 * that does not belong to the public key. */
EVP_PKEY *ks_jwk_private_key(const uint8_t *s, size_t n);

#endif
