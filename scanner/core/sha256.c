/*
 * sha256.c - see sha256.h.
 */
#include "sha256.h"

#include <openssl/evp.h>
#include <stdlib.h>

void ks_sha256_init(ks_sha256_ctx *h)
{
    h->md = EVP_MD_CTX_new();
    if (!h->md || EVP_DigestInit_ex(h->md, EVP_sha256(), NULL) != 1)
        abort(); /* libcrypto without SHA-256, or out of memory */
}

void ks_sha256_update(ks_sha256_ctx *h, const void *data, size_t len)
{
    EVP_DigestUpdate(h->md, data, len);
}

void ks_sha256_final(ks_sha256_ctx *h, uint8_t out[32])
{
    unsigned len = 0;
    EVP_DigestFinal_ex(h->md, out, &len);
    EVP_MD_CTX_free(h->md);
    h->md = NULL;
}

void ks_sha256(uint8_t out[32], const void *data, size_t len)
{
    ks_sha256_ctx h;
    ks_sha256_init(&h);
    ks_sha256_update(&h, data, len);
    ks_sha256_final(&h, out);
}

void ks_sha256_hex(char out[65], const void *data, size_t len)
{
    uint8_t h[32];
    ks_sha256(h, data, len);
    ks_hex(out, h, 32);
}
