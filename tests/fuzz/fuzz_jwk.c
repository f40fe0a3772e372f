/*
 * fuzz_jwk.c - libFuzzer target: the JSON Web Key parser
 * (scanner/core/jwk.c): a JWK or JWK Set, escaped or not, built into a
 * private key with OpenSSL.
 */
#include "core/jwk.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    EVP_PKEY *k = ks_jwk_private_key(data, size);
    EVP_PKEY_free(k);
    return 0;
}
