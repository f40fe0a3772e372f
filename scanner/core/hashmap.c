/*
 * hashmap.c - see hashmap.h. Linear probing, load factor at most 1/2.
 * Object ids are SHA-1 digests: their first bytes are already a uniform
 * hash. Strings use FNV-1a.
 */
#include "hashmap.h"

#include <stdlib.h>
#include <string.h>

void ks_oidmap_init(ks_oidmap *m)
{
    memset(m, 0, sizeof *m);
}

void ks_oidmap_dispose(ks_oidmap *m)
{
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof *m);
}

static size_t oid_hash(const uint8_t *k)
{
    uint64_t h;
    memcpy(&h, k, sizeof h);
    return (size_t)h;
}

static size_t oid_slot(const ks_oidmap *m, const uint8_t *key)
{
    size_t mask = m->cap - 1, i = oid_hash(key) & mask;
    while (m->vals[i] != UINT32_MAX && memcmp(m->keys + i * KS_OID_LEN, key, KS_OID_LEN) != 0)
        i = (i + 1) & mask;
    return i;
}

uint32_t ks_oidmap_get(const ks_oidmap *m, const uint8_t *key)
{
    if (m->cap == 0)
        return UINT32_MAX;
    return m->vals[oid_slot(m, key)];
}

static void oid_grow(ks_oidmap *m)
{
    ks_oidmap n;
    n.cap = m->cap ? m->cap * 2 : 1024;
    n.len = 0;
    n.keys = ks_xmalloc(n.cap * KS_OID_LEN);
    n.vals = ks_xmalloc(n.cap * sizeof(uint32_t));
    memset(n.vals, 0xff, n.cap * sizeof(uint32_t));
    for (size_t i = 0; i < m->cap; i++)
        if (m->vals[i] != UINT32_MAX)
            ks_oidmap_put(&n, m->keys + i * KS_OID_LEN, m->vals[i]);
    free(m->keys);
    free(m->vals);
    *m = n;
}

uint32_t ks_oidmap_put(ks_oidmap *m, const uint8_t *key, uint32_t val)
{
    if ((m->len + 1) * 2 > m->cap)
        oid_grow(m);
    size_t i = oid_slot(m, key);
    if (m->vals[i] != UINT32_MAX)
        return m->vals[i];
    memcpy(m->keys + i * KS_OID_LEN, key, KS_OID_LEN);
    m->vals[i] = val;
    m->len++;
    return val;
}

/* ------------------------------------------------------------------------ */

void ks_strtab_init(ks_strtab *t)
{
    memset(t, 0, sizeof *t);
}

void ks_strtab_dispose(ks_strtab *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->strs[i]);
    free(t->strs);
    free(t->slots);
    memset(t, 0, sizeof *t);
}

static size_t str_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 1099511628211ull;
    return (size_t)h;
}

static void str_rehash(ks_strtab *t, size_t cap)
{
    free(t->slots);
    t->cap = cap;
    t->slots = ks_xcalloc(cap, sizeof(uint32_t));
    for (size_t id = 0; id < t->n; id++) {
        size_t i = str_hash(t->strs[id]) & (cap - 1);
        while (t->slots[i])
            i = (i + 1) & (cap - 1);
        t->slots[i] = (uint32_t)id + 1;
    }
}

uint32_t ks_strtab_intern(ks_strtab *t, const char *s)
{
    if ((t->n + 1) * 2 > t->cap)
        str_rehash(t, t->cap ? t->cap * 2 : 1024);
    size_t i = str_hash(s) & (t->cap - 1);
    while (t->slots[i]) {
        uint32_t id = t->slots[i] - 1;
        if (strcmp(t->strs[id], s) == 0)
            return id;
        i = (i + 1) & (t->cap - 1);
    }
    ks_grow((void **)&t->strs, &t->strcap, t->n + 1, sizeof(char *));
    t->strs[t->n] = ks_xstrdup(s);
    t->slots[i] = (uint32_t)t->n + 1;
    return (uint32_t)t->n++;
}
