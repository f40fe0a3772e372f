/*
 * sshwire.h - the SSH wire format (RFC 4251 section 5) and building OpenSSL
 * keys from their numbers: shared by the Dropbear decoder, which renders
 * binary keys as PEM, and the key inventory, which reads OpenSSH and PuTTY
 * public-key blobs.
 */
#ifndef KS_SSHWIRE_H
#define KS_SSHWIRE_H

#include "ks.h"

#include <openssl/evp.h>
#include <openssl/param_build.h>

/* An SSH string at d[*pos]: a big-endian length, then that many bytes.
 * Advances *pos; false when it does not fit in d[0..n). */
bool ks_ssh_string(const uint8_t *d, size_t n, size_t *pos, const uint8_t **s, size_t *len);

/* An EVP_PKEY of `type` ("RSA", "EC") from the parameters in b, with
 * `selection` EVP_PKEY_KEYPAIR or EVP_PKEY_PUBLIC_KEY; NULL when OpenSSL
 * refuses them. */
EVP_PKEY *ks_pkey_from_params(const char *type, int selection, OSSL_PARAM_BLD *b);

#endif
