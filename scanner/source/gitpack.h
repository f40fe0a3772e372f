/*
 * gitpack.h - read the blobs of a git packfile in pack order.
 *
 * libgit2 reads one object at a time and caches only the base of each
 * delta chain, so reading every version of a file costs the whole chain
 * each time (and a zlib set-up per delta). A history scan reads nearly
 * every blob, so this reader walks the pack in offset order instead: each
 * object is inflated once with one reused zlib stream, and deltas are
 * applied to bases kept in a bounded cache. It reads only version-2 index
 * files and the pack format git documents (gitformat-pack); anything else
 * is left to libgit2 by the caller.
 *
 * A ks_pack is immutable after ks_pack_open and may be read from several
 * threads, each with its own ks_pack_reader.
 */
#ifndef KS_GITPACK_H
#define KS_GITPACK_H

#include "../core/ks.h"

typedef struct ks_pack ks_pack;
typedef struct ks_pack_reader ks_pack_reader;

/* Open pack `base` (path without .idx/.pack). */
int ks_pack_open(ks_pack **out, const char *base);
void ks_pack_free(ks_pack *p);
size_t ks_pack_count(const ks_pack *p);
/* Offset in the pack of the i-th object in offset order. */
uint64_t ks_pack_offset(const ks_pack *p, size_t i);
/* The path it was opened with (no .idx/.pack). */
const char *ks_pack_name(const ks_pack *p);
/* True when the pack's trailer is not the checksum its index names (the
 * pack was truncated or damaged): *size is the pack's size in bytes, *lost
 * how many objects the index places at or beyond its end. The objects
 * before the end are still read. */
bool ks_pack_damage(const ks_pack *p, uint64_t *size, size_t *lost);
/* True when the pack holds the object. */
bool ks_pack_has(const ks_pack *p, const uint8_t oid[20]);
/* True when the index lists the object beyond the end of a damaged pack. */
bool ks_pack_lost(const ks_pack *p, const uint8_t oid[20]);

/* A reader with its own zlib stream and delta-base cache of at most
 * `cache_bytes`. */
ks_pack_reader *ks_pack_reader_new(const ks_pack *p, size_t cache_bytes);
void ks_pack_reader_free(ks_pack_reader *r);

/* The i-th object in offset order (0 <= i < ks_pack_count): its id, and
 * whether it is a blob (delta chains followed, nothing inflated). */
int ks_pack_entry(ks_pack_reader *r, size_t i, uint8_t oid[20], bool *is_blob);

/* An object's type by id (git's type number, delta chains followed,
 * nothing inflated): KS_ENOTFOUND when this pack does not hold it. */
int ks_pack_type_oid(ks_pack_reader *r, const uint8_t oid[20], int *type);

/* Read an object by id: KS_ENOTFOUND when this pack does not hold it.
 * *type is git's object type number (1 commit, 2 tree, 3 blob, 4 tag). */
int ks_pack_read_oid(ks_pack_reader *r, const uint8_t oid[20], int *type, const uint8_t **data,
                     size_t *len);

/* The content of the i-th object in offset order. *data stays valid until
 * the next call on this reader. Errors name the object. */
int ks_pack_read(ks_pack_reader *r, size_t i, const uint8_t **data, size_t *len);

/* Apply git delta d[0..dlen) to base[0..blen): the new object (the caller
 * frees it; one byte more is allocated) and its length in *outlen, or NULL
 * when the delta is malformed or is not for a base of that length. */
uint8_t *ks_pack_apply_delta(const uint8_t *base, size_t blen, const uint8_t *d, size_t dlen,
                             size_t *outlen);

#endif
