/*
 * sha256.h - SHA-256 (libcrypto), the one place keysift hashes: rule
 * database digests, fingerprints, allowlist entries, file digests.
 */
#ifndef KS_SHA256_H
#define KS_SHA256_H

#include "ks.h"

struct evp_md_ctx_st;

/* An incremental hash: init, any number of updates, final (which also
 * releases what init took). */
typedef struct ks_sha256 {
    struct evp_md_ctx_st *md;
} ks_sha256_ctx;

void ks_sha256_init(ks_sha256_ctx *h);
void ks_sha256_update(ks_sha256_ctx *h, const void *data, size_t len);
void ks_sha256_final(ks_sha256_ctx *h, uint8_t out[32]);

/* The hash of one buffer. */
void ks_sha256(uint8_t out[32], const void *data, size_t len);
/* The same as 64 lower-case hex digits (out: 65 bytes). */
void ks_sha256_hex(char out[65], const void *data, size_t len);

#endif
