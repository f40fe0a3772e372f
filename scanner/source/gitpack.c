/*
 * gitpack.c - packfile reader for bulk blob reading (see gitpack.h).
 *
 * Everything read from the files is bounds-checked: offsets inside the
 * pack, sizes against a cap, delta instructions against both buffers,
 * inflated lengths against the sizes the headers declare. A failure is an
 * error for that object only; the caller falls back to libgit2 for it.
 *
 * A damaged pack is still read. The index holds the checksum of its pack;
 * when the pack's trailer differs (a truncated copy, a disk error, an
 * interrupted transfer), libgit2 refuses the whole pack, but the index
 * still lists every object with its offset: every object that lies before
 * the end of the file and inflates cleanly is read, and the objects the
 * index places beyond the end are reported as lost (ks_pack_damage).
 * Packs are read with pread(), not mapped, so memory does not grow with
 * the size of the pack: it is one compressed object, one result and the
 * delta-base cache per reader.
 */
#include "gitpack.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <libdeflate.h>

#define MAX_OBJECT (1ull << 30) /* refuse objects claiming more than 1 GiB */
#define DEFLATE_MAX_RATIO 1032 /* the most deflate can expand (a run of 258-byte matches) */
#define MAX_CHAIN 10000         /* delta chains deeper than this are corrupt */
#define CACHE_SLOTS 4096

enum {
    OBJ_COMMIT = 1,
    OBJ_TREE = 2,
    OBJ_BLOB = 3,
    OBJ_TAG = 4,
    OBJ_OFS_DELTA = 6,
    OBJ_REF_DELTA = 7
};

typedef struct entry {
    uint64_t off;
    uint32_t idx; /* position in the index (oid order) */
} entry;

struct ks_pack {
    char *name;
    int fd;
    uint64_t packlen;
    uint64_t dataend; /* where object data ends: before the trailer, or the end of a damaged file */
    bool damaged;     /* the trailer is not the checksum the index names */
    size_t lost;      /* objects the index places at or beyond the end of the file */
    uint8_t *idx;     /* the whole .idx file */
    size_t idxlen;
    uint32_t n;
    const uint8_t *oids;
    const uint8_t *off32;
    const uint8_t *off64;
    size_t noff64;
    entry *by_off; /* sorted by offset */
};

typedef struct slot {
    uint64_t off;
    uint8_t *data;
    size_t len;
} slot;

#define WINDOW (1u << 20) /* bytes read at a time: objects come in offset order */

struct ks_pack_reader {
    const ks_pack *p;
    uint8_t *win; /* pack bytes [win_off, win_off + win_len) */
    uint64_t win_off;
    size_t win_len;
    struct libdeflate_decompressor *z;
    uint8_t *cbuf;
    size_t ccap;
    uint8_t *out; /* last result when not cached */
    slot *cache;
    size_t cache_bytes, cache_max, evict;
    uint8_t *types; /* per sorted entry: 0 unknown, else the resolved type */
};

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int cmp_entry(const void *a, const void *b)
{
    uint64_t x = ((const entry *)a)->off, y = ((const entry *)b)->off;
    return x < y ? -1 : x > y;
}

int ks_pack_open(ks_pack **out, const char *base)
{
    ks_pack *p = ks_xcalloc(1, sizeof *p);
    char path[4096];
    int rc = 0;
    struct stat st;
    p->fd = -1;
    p->name = ks_xstrdup(base);
    *out = NULL;

    snprintf(path, sizeof path, "%s.idx", base);
    FILE *f = fopen(path, "rb");
    if (!f || fstat(fileno(f), &st) != 0) {
        rc = ks_error_set(KS_EIO, "%s: %s", path, strerror(errno));
        if (f)
            fclose(f);
        goto fail;
    }
    p->idxlen = (size_t)st.st_size;
    p->idx = ks_xmalloc(p->idxlen ? p->idxlen : 1);
    bool ok = fread(p->idx, 1, p->idxlen, f) == p->idxlen;
    fclose(f);
    if (!ok || p->idxlen < 8 + 1024 + 40 || memcmp(p->idx, "\377tOc", 4) != 0 ||
        be32(p->idx + 4) != 2) {
        rc = ks_error_set(KS_EINVAL, "%s: not a version-2 pack index", path);
        goto fail;
    }
    p->n = be32(p->idx + 8 + 255 * 4);
    size_t need = 8 + 1024 + (size_t)p->n * (20 + 4 + 4) + 40;
    if (need > p->idxlen) {
        rc = ks_error_set(KS_EINVAL, "%s: truncated pack index", path);
        goto fail;
    }
    /* The fan-out table bounds every lookup's binary search, so it must
     * count the ids as they are, in order: a corrupt one would send the
     * search past the table. */
    for (size_t b = 0, i = 0; b < 256; b++) {
        uint32_t upto = be32(p->idx + 8 + b * 4);
        const uint8_t *ids = p->idx + 8 + 1024;
        while (i < upto && i < p->n && ids[i * 20] == b &&
               (i == 0 || memcmp(ids + (i - 1) * 20, ids + i * 20, 20) < 0))
            i++;
        if (i != upto) {
            rc = ks_error_set(KS_EINVAL, "%s: corrupt pack index (ids not in order)", path);
            goto fail;
        }
    }
    p->oids = p->idx + 8 + 1024;
    p->off32 = p->oids + (size_t)p->n * 24; /* after oids and CRCs */
    p->off64 = p->off32 + (size_t)p->n * 4;
    p->noff64 = (p->idxlen - 40 - (size_t)(p->off64 - p->idx)) / 8;

    snprintf(path, sizeof path, "%s.pack", base);
    p->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (p->fd < 0 || fstat(p->fd, &st) != 0) {
        rc = ks_error_set(KS_EIO, "%s: %s", path, strerror(errno));
        goto fail;
    }
    p->packlen = (uint64_t)st.st_size;
    uint8_t hdr[12], trailer[20];
    if (p->packlen < 12 || pread(p->fd, hdr, 12, 0) != 12 || memcmp(hdr, "PACK", 4) != 0 ||
        be32(hdr + 8) != p->n) {
        rc = ks_error_set(KS_EINVAL, "%s: not a pack, or it does not match its index", path);
        goto fail;
    }
    /* The index ends with the pack's checksum, then its own. */
    p->damaged = p->packlen < 32 || pread(p->fd, trailer, 20, (off_t)(p->packlen - 20)) != 20 ||
                 memcmp(trailer, p->idx + p->idxlen - 40, 20) != 0;
    p->dataend = p->damaged ? p->packlen : p->packlen - 20;
    p->by_off = ks_xcalloc(p->n ? p->n : 1, sizeof(entry));
    for (uint32_t i = 0; i < p->n; i++) {
        uint32_t o = be32(p->off32 + (size_t)i * 4);
        uint64_t off = o;
        if (o & 0x80000000u) {
            size_t k = o & 0x7fffffffu;
            if (k >= p->noff64) {
                rc = ks_error_set(KS_EINVAL, "%s: bad large offset", path);
                goto fail;
            }
            const uint8_t *q = p->off64 + k * 8;
            off = (uint64_t)be32(q) << 32 | be32(q + 4);
        }
        if (off < 12 || (!p->damaged && off >= p->dataend)) {
            rc = ks_error_set(KS_EINVAL, "%s: object offset out of range", path);
            goto fail;
        }
        if (off >= p->dataend)
            p->lost++;
        p->by_off[i].off = off;
        p->by_off[i].idx = i;
    }
    qsort(p->by_off, p->n, sizeof(entry), cmp_entry);
    *out = p;
    return 0;
fail:
    ks_pack_free(p);
    return rc;
}

void ks_pack_free(ks_pack *p)
{
    if (!p)
        return;
    if (p->fd >= 0)
        close(p->fd);
    free(p->idx);
    free(p->by_off);
    free(p->name);
    free(p);
}

size_t ks_pack_count(const ks_pack *p)
{
    return p->n;
}

uint64_t ks_pack_offset(const ks_pack *p, size_t i)
{
    return p->by_off[i].off;
}

const char *ks_pack_name(const ks_pack *p)
{
    return p->name;
}

bool ks_pack_damage(const ks_pack *p, uint64_t *size, size_t *lost)
{
    *size = p->packlen;
    *lost = p->lost;
    return p->damaged;
}

static long find_oid(const ks_pack *p, const uint8_t *oid)
{
    uint32_t lo = oid[0] ? be32(p->idx + 8 + (size_t)(oid[0] - 1) * 4) : 0;
    uint32_t hi = be32(p->idx + 8 + (size_t)oid[0] * 4);
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int c = memcmp(p->oids + (size_t)mid * 20, oid, 20);
        if (c == 0)
            return (long)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

bool ks_pack_has(const ks_pack *p, const uint8_t oid[20])
{
    return find_oid(p, oid) >= 0;
}

/* Sorted position of the object at `off`, or -1. */
static long pos_of_offset(const ks_pack *p, uint64_t off)
{
    size_t lo = 0, hi = p->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (p->by_off[mid].off == off)
            return (long)mid;
        if (p->by_off[mid].off < off)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* Offset of the object at index position i (checked by ks_pack_open). */
static uint64_t offset_at(const ks_pack *p, long i)
{
    uint32_t o = be32(p->off32 + (size_t)i * 4);
    uint64_t off = o;
    if (o & 0x80000000u) {
        const uint8_t *q = p->off64 + (size_t)(o & 0x7fffffffu) * 8;
        off = (uint64_t)be32(q) << 32 | be32(q + 4);
    }
    return off;
}

static long pos_of_oid(const ks_pack *p, const uint8_t *oid)
{
    long i = find_oid(p, oid);
    return i < 0 ? -1 : pos_of_offset(p, offset_at(p, i));
}

bool ks_pack_lost(const ks_pack *p, const uint8_t oid[20])
{
    long i = find_oid(p, oid);
    return i >= 0 && offset_at(p, i) >= p->dataend;
}

ks_pack_reader *ks_pack_reader_new(const ks_pack *p, size_t cache_bytes)
{
    ks_pack_reader *r = ks_xcalloc(1, sizeof *r);
    r->p = p;
    r->cache = ks_xcalloc(CACHE_SLOTS, sizeof(slot));
    r->cache_max = cache_bytes;
    r->types = ks_xcalloc(p->n ? p->n : 1, 1);
    r->win = ks_xmalloc(WINDOW);
    if (!(r->z = libdeflate_alloc_decompressor())) {
        ks_pack_reader_free(r);
        return NULL;
    }
    return r;
}

void ks_pack_reader_free(ks_pack_reader *r)
{
    if (!r)
        return;
    if (r->z)
        libdeflate_free_decompressor(r->z);
    for (size_t i = 0; i < CACHE_SLOTS; i++)
        free(r->cache[i].data);
    free(r->cache);
    free(r->cbuf);
    free(r->out);
    free(r->types);
    free(r->win);
    free(r);
}

/* `len` bytes of the pack at `off` (fewer at its end: *got says how many),
 * valid until the next call. Reads go through a window, so walking the
 * pack in offset order costs a read() per window, not per object. */
static const uint8_t *pack_bytes(ks_pack_reader *r, uint64_t off, size_t len, size_t *got)
{
    const ks_pack *p = r->p;
    if (off >= p->packlen) {
        *got = 0;
        return NULL;
    }
    if (len > p->packlen - off)
        len = (size_t)(p->packlen - off);
    if (off >= r->win_off && off + len <= r->win_off + r->win_len) {
        *got = len;
        return r->win + (off - r->win_off);
    }
    /* Only forward progress moves the window; a jump back to a delta base
     * or a large object is read on its own. */
    if (len > WINDOW / 4 || off < r->win_off) {
        ks_grow((void **)&r->cbuf, &r->ccap, len, 1);
        ssize_t n = pread(p->fd, r->cbuf, len, (off_t)off);
        *got = n > 0 ? (size_t)n : 0;
        return n > 0 ? r->cbuf : NULL;
    }
    ssize_t n = pread(p->fd, r->win, WINDOW, (off_t)off);
    r->win_off = off;
    r->win_len = n > 0 ? (size_t)n : 0;
    *got = len <= r->win_len ? len : r->win_len;
    return r->win_len ? r->win : NULL;
}

/* ------------------------------------------------------------------------ */

typedef struct objhdr {
    uint64_t off; /* offset of the object */
    int type;
    uint64_t size; /* inflated size (of the delta, for deltas) */
    uint64_t data; /* offset of the compressed data */
    uint64_t end;  /* offset of the next object */
    long base;     /* deltas: sorted position of the base, or -1 */
} objhdr;

static int read_header(ks_pack_reader *r, size_t pos, objhdr *h)
{
    const ks_pack *p = r->p;
    uint64_t off = p->by_off[pos].off;
    if (off >= p->dataend)
        return ks_error_set(KS_EIO,
                            "%s.pack: object at %llu lies beyond the end of the pack (%llu bytes)",
                            p->name, (unsigned long long)off, (unsigned long long)p->packlen);
    h->off = off;
    h->end = pos + 1 < p->n ? p->by_off[pos + 1].off : p->dataend;
    if (h->end > p->dataend)
        h->end = p->dataend;
    size_t gotn = 0;
    const uint8_t *b = pack_bytes(r, off, 64, &gotn);
    ssize_t got = (ssize_t)gotn;
    if (!b || got < 2)
        return ks_error_set(KS_EIO, "%s.pack: cannot read object at %llu", p->name,
                            (unsigned long long)off);
    size_t i = 0;
    uint8_t c = b[i++];
    h->type = (c >> 4) & 7;
    h->size = c & 15;
    int shift = 4;
    while (c & 0x80) {
        if (i >= (size_t)got || shift > 60)
            return ks_error_set(KS_EINVAL, "%s.pack: bad object header at %llu", p->name,
                                (unsigned long long)off);
        c = b[i++];
        h->size |= (uint64_t)(c & 0x7f) << shift;
        shift += 7;
    }
    h->base = -1;
    if (h->type == OBJ_OFS_DELTA) {
        if (i >= (size_t)got)
            return ks_error_set(KS_EINVAL, "%s.pack: bad delta at %llu", p->name,
                                (unsigned long long)off);
        c = b[i++];
        uint64_t rel = c & 0x7f;
        while (c & 0x80) {
            if (i >= (size_t)got || rel > (UINT64_MAX >> 8))
                return ks_error_set(KS_EINVAL, "%s.pack: bad delta offset at %llu", p->name,
                                    (unsigned long long)off);
            c = b[i++];
            rel = ((rel + 1) << 7) | (c & 0x7f);
        }
        if (rel == 0 || rel > off)
            return ks_error_set(KS_EINVAL, "%s.pack: delta base out of range at %llu", p->name,
                                (unsigned long long)off);
        h->base = pos_of_offset(p, off - rel);
    } else if (h->type == OBJ_REF_DELTA) {
        if (i + 20 > (size_t)got)
            return ks_error_set(KS_EINVAL, "%s.pack: bad delta at %llu", p->name,
                                (unsigned long long)off);
        h->base = pos_of_oid(p, b + i);
        i += 20;
    } else if (h->type < OBJ_COMMIT || h->type > OBJ_TAG) {
        return ks_error_set(KS_EINVAL, "%s.pack: unknown object type %d at %llu", p->name, h->type,
                            (unsigned long long)off);
    }
    if ((h->type == OBJ_OFS_DELTA || h->type == OBJ_REF_DELTA) && h->base < 0)
        return ks_error_set(KS_EINVAL, "%s.pack: delta base not in this pack at %llu", p->name,
                            (unsigned long long)off);
    h->data = off + i;
    if (h->size > MAX_OBJECT || h->data > h->end)
        return ks_error_set(KS_EINVAL, "%s.pack: object at %llu is too large or truncated", p->name,
                            (unsigned long long)off);
    /* Deflate expands at most 1032 times: a header claiming more than its
     * compressed bytes can hold is corrupt, and its size is not allocated. */
    if (h->size / DEFLATE_MAX_RATIO > h->end - h->data)
        return ks_error_set(KS_EINVAL,
                            "%s.pack: object at %llu claims %llu bytes from %llu compressed",
                            p->name, (unsigned long long)off, (unsigned long long)h->size,
                            (unsigned long long)(h->end - h->data));
    return 0;
}

static int resolve_type(ks_pack_reader *r, size_t pos, int *type)
{
    size_t chain[64];
    size_t n = 0;
    for (int depth = 0; depth < MAX_CHAIN; depth++) {
        if (r->types[pos]) {
            *type = r->types[pos];
            break;
        }
        objhdr h;
        int rc = read_header(r, pos, &h);
        if (rc)
            return rc;
        if (n < 64)
            chain[n++] = pos;
        if (h.base < 0) {
            *type = h.type;
            break;
        }
        pos = (size_t)h.base;
        if (depth + 1 == MAX_CHAIN)
            return ks_error_set(KS_EINVAL, "%s.pack: delta chain too deep", r->p->name);
    }
    for (size_t i = 0; i < n; i++)
        r->types[chain[i]] = (uint8_t)*type;
    return 0;
}

int ks_pack_entry(ks_pack_reader *r, size_t i, uint8_t oid[20], bool *is_blob)
{
    const ks_pack *p = r->p;
    memcpy(oid, p->oids + (size_t)p->by_off[i].idx * 20, 20);
    int type = 0;
    int rc = resolve_type(r, i, &type);
    *is_blob = rc == 0 && type == OBJ_BLOB;
    return rc;
}

static uint8_t *inflate_obj(ks_pack_reader *r, const objhdr *h)
{
    size_t clen = (size_t)(h->end - h->data), got = 0;
    const uint8_t *src = pack_bytes(r, h->data, clen, &got);
    if (!src || got != clen) {
        ks_error_set(KS_EIO, "%s.pack: read error at %llu", r->p->name,
                     (unsigned long long)h->data);
        return NULL;
    }
    /* Both sizes are known (the header's, and the distance to the next
     * object), which is what libdeflate's one-shot decompressor wants. It
     * checks the zlib header and the Adler-32 trailer. */
    uint8_t *out = ks_xmalloc((size_t)h->size + 1);
    size_t in_used = 0, out_got = 0;
    enum libdeflate_result zr =
        libdeflate_zlib_decompress_ex(r->z, src, clen, out, (size_t)h->size, &in_used, &out_got);
    if (zr != LIBDEFLATE_SUCCESS || out_got != h->size) {
        free(out);
        if (r->p->damaged && h->end == r->p->dataend)
            ks_error_set(KS_EINVAL, "%s.pack: object at %llu is cut off by the end of the pack",
                         r->p->name, (unsigned long long)h->off);
        else
            ks_error_set(KS_EINVAL, "%s.pack: corrupt compressed data in the object at %llu",
                         r->p->name, (unsigned long long)h->off);
        return NULL;
    }
    return out;
}

static bool varint(const uint8_t *d, size_t n, size_t *pos, uint64_t *v)
{
    int shift = 0;
    *v = 0;
    for (;;) {
        if (*pos >= n || shift > 63)
            return false;
        uint8_t c = d[(*pos)++];
        *v |= (uint64_t)(c & 0x7f) << shift;
        shift += 7;
        if (!(c & 0x80))
            return true;
    }
}

/* The instructions of a delta from d[pos]: with out NULL only checked
 * (every copy inside the base, the output exactly dst bytes), else
 * written to out. */
static bool delta_run(const uint8_t *base, size_t blen, const uint8_t *d, size_t dlen, size_t pos,
                      uint8_t *out, uint64_t dst)
{
    uint64_t o = 0;
    while (pos < dlen) {
        uint8_t c = d[pos++];
        if (c & 0x80) {
            uint64_t off = 0, sz = 0;
            for (int k = 0; k < 4; k++)
                if (c & (1u << k)) {
                    if (pos >= dlen)
                        return false;
                    off |= (uint64_t)d[pos++] << (8 * k);
                }
            for (int k = 0; k < 3; k++)
                if (c & (0x10u << k)) {
                    if (pos >= dlen)
                        return false;
                    sz |= (uint64_t)d[pos++] << (8 * k);
                }
            if (sz == 0)
                sz = 0x10000;
            if (off + sz > blen || o + sz > dst)
                return false;
            if (out)
                memcpy(out + o, base + off, (size_t)sz);
            o += sz;
        } else if (c) {
            if (pos + c > dlen || o + c > dst)
                return false;
            if (out)
                memcpy(out + o, d + pos, c);
            pos += c;
            o += c;
        } else {
            return false;
        }
    }
    return o == dst;
}

uint8_t *ks_pack_apply_delta(const uint8_t *base, size_t blen, const uint8_t *d, size_t dlen,
                             size_t *outlen)
{
    size_t pos = 0;
    uint64_t src, dst;
    if (!varint(d, dlen, &pos, &src) || !varint(d, dlen, &pos, &dst) || src != blen ||
        dst > MAX_OBJECT)
        return NULL;
    /* Checked before the output is allocated: the size the delta claims is
     * only trusted once its instructions produce exactly that much, or a
     * few corrupt bytes would allocate up to MAX_OBJECT. */
    if (!delta_run(base, blen, d, dlen, pos, NULL, dst))
        return NULL;
    uint8_t *out = ks_xmalloc((size_t)dst + 1);
    delta_run(base, blen, d, dlen, pos, out, dst);
    *outlen = (size_t)dst;
    return out;
}

static slot *cache_get(ks_pack_reader *r, uint64_t off)
{
    slot *s = &r->cache[(off * 0x9E3779B97F4A7C15ull) >> 52];
    return s->data && s->off == off ? s : NULL;
}

static void cache_drop(ks_pack_reader *r, slot *s)
{
    if (!s->data)
        return;
    r->cache_bytes -= s->len;
    free(s->data);
    s->data = NULL;
}

/* Keep `data` (taking ownership) when it fits; returns true if kept. */
static bool cache_put(ks_pack_reader *r, uint64_t off, uint8_t *data, size_t len)
{
    if (len > r->cache_max / 8)
        return false;
    slot *s = &r->cache[(off * 0x9E3779B97F4A7C15ull) >> 52];
    cache_drop(r, s);
    while (r->cache_bytes + len > r->cache_max) {
        cache_drop(r, &r->cache[r->evict]);
        r->evict = (r->evict + 1) % CACHE_SLOTS;
    }
    s->off = off;
    s->data = data;
    s->len = len;
    r->cache_bytes += len;
    return true;
}

/* The content of the object at sorted position `pos`. *owned says whether
 * the caller must free it (false: it is in the cache). */
static int materialize(ks_pack_reader *r, size_t pos, int depth, uint8_t **data, size_t *len,
                       bool *owned)
{
    const ks_pack *p = r->p;
    slot *s = cache_get(r, p->by_off[pos].off);
    if (s) {
        *data = s->data;
        *len = s->len;
        *owned = false;
        return 0;
    }
    if (depth > MAX_CHAIN)
        return ks_error_set(KS_EINVAL, "%s.pack: delta chain too deep", p->name);
    objhdr h;
    int rc = read_header(r, pos, &h);
    if (rc)
        return rc;
    uint8_t *obj = inflate_obj(r, &h);
    if (!obj)
        return KS_EINVAL;
    size_t olen = (size_t)h.size;
    if (h.base >= 0) {
        uint8_t *base;
        size_t blen;
        bool bown;
        rc = materialize(r, (size_t)h.base, depth + 1, &base, &blen, &bown);
        if (rc) {
            free(obj);
            return rc;
        }
        uint8_t *res = ks_pack_apply_delta(base, blen, obj, olen, &olen);
        if (bown)
            free(base);
        free(obj);
        if (!res)
            return ks_error_set(KS_EINVAL, "%s.pack: corrupt delta at %llu", p->name,
                                (unsigned long long)p->by_off[pos].off);
        obj = res;
    }
    *data = obj;
    *len = olen;
    *owned = !cache_put(r, p->by_off[pos].off, obj, olen);
    return 0;
}

int ks_pack_read(ks_pack_reader *r, size_t i, const uint8_t **data, size_t *len)
{
    free(r->out);
    r->out = NULL;
    uint8_t *d;
    bool owned;
    int rc = materialize(r, i, 0, &d, len, &owned);
    if (rc)
        return rc;
    if (owned)
        r->out = d;
    *data = d;
    return 0;
}

int ks_pack_type_oid(ks_pack_reader *r, const uint8_t oid[20], int *type)
{
    long pos = pos_of_oid(r->p, oid);
    return pos < 0 ? KS_ENOTFOUND : resolve_type(r, (size_t)pos, type);
}

int ks_pack_read_oid(ks_pack_reader *r, const uint8_t oid[20], int *type, const uint8_t **data,
                     size_t *len)
{
    long pos = pos_of_oid(r->p, oid);
    if (pos < 0)
        return KS_ENOTFOUND;
    int rc = resolve_type(r, (size_t)pos, type);
    if (rc)
        return rc;
    return ks_pack_read(r, (size_t)pos, data, len);
}
