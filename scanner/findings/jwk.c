/*
 * jwk.c - what a JWK private key is: the key built from its members by
 * core/jwk.c, read like any other key. See crypto.h.
 */
#include "crypto.h"

#include "../core/jwk.h"

ks_crypto *ks_crypto_from_jwk(const uint8_t *s, size_t n)
{
    EVP_PKEY *k = ks_jwk_private_key(s, n);
    if (!k)
        return NULL;
    ks_crypto *c = ks_xcalloc(1, sizeof *c);
    c->type = KS_ASSET_PRIVATE_KEY;
    c->format = "JWK";
    ks_crypto_key_facts(c, k);
    EVP_PKEY_free(k);
    return c;
}
