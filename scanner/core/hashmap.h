/*
 * hashmap.h - two small open-addressing tables the git source needs:
 * object ids to an index, and interned strings (paths).
 *
 * None of keysift's dependencies exposes a hash table (libgit2 keeps its
 * oidmap private; libc's hsearch is one global table of strings), so these
 * are written here, sized for millions of keys, and only ever grow.
 * Neither is thread-safe: they are filled before the workers start.
 */
#ifndef KS_HASHMAP_H
#define KS_HASHMAP_H

#include "ks.h"

#define KS_OID_LEN 20

typedef struct ks_oidmap {
    uint8_t *keys;  /* cap * KS_OID_LEN */
    uint32_t *vals; /* cap; UINT32_MAX = empty slot */
    size_t cap, len;
} ks_oidmap;

void ks_oidmap_init(ks_oidmap *m);
void ks_oidmap_dispose(ks_oidmap *m);
/* Value stored for key, or UINT32_MAX. */
uint32_t ks_oidmap_get(const ks_oidmap *m, const uint8_t *key);
/* Insert key -> val unless present; returns the value now stored. */
uint32_t ks_oidmap_put(ks_oidmap *m, const uint8_t *key, uint32_t val);

typedef struct ks_strtab {
    char **strs; /* id -> string */
    size_t n, strcap;
    uint32_t *slots; /* hash slots holding id + 1, 0 = empty */
    size_t cap;
} ks_strtab;

void ks_strtab_init(ks_strtab *t);
void ks_strtab_dispose(ks_strtab *t);
/* The id of s, adding a copy of it when new. */
uint32_t ks_strtab_intern(ks_strtab *t, const char *s);
static inline const char *ks_strtab_str(const ks_strtab *t, uint32_t id)
{
    return t->strs[id];
}

#endif
