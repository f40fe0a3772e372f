/*
 * ubifs.c - UBIFS file systems: an image made by mkfs.ubifs, or the
 * contents of a UBI volume (ubi.c emits those).
 *
 * Written from the on-flash format (Linux fs/ubifs/ubifs-media.h; no
 * Debian library reads it). Everything is a node: a 24-byte common header
 * (magic, CRC-32 of the rest, sequence number, length, type), little
 * endian, at (LEB number, offset) in the volume. LEB 0 holds the
 * superblock node (LEB size, compressor), LEBs 1 and 2 the master node,
 * written again at each commit (the newest valid one counts), which
 * points at the root of the index: a B+-tree of index nodes whose
 * level-0 branches point at the leaves (inode, directory-entry and data
 * nodes), each branch carrying the leaf's key (inode number, key type,
 * name hash or block number).
 *
 * DESIGN: the index is walked once from the root (depth bounded, every
 * index node visited once: a loop in a damaged tree ends), keeping small
 * records of the inodes, directory entries and data blocks; a data node
 * is only read when its file is. Paths are put together from the
 * directory entries (parent links bounded, so a cycle ends). The regular
 * files are then read in parallel batches, each task with decompressors
 * of its own (LZO through liblzo2, zlib's raw deflate through libdeflate,
 * zstd through libzstd), block by block (4096 bytes; a block with no data
 * node is a hole, zeros), through ks_outbuf_fill, so a file larger than
 * ks_fmt_hold goes out as a stream. When a file is behind the image
 * (an input on disk, a volume spilled to a temporary file) nodes are read
 * from it with pread, so the image's pages do not stay resident. A node
 * whose CRC does not match is
 * warned about and left out (its block reads as zeros); the rest is read.
 * Nodes of the journal not yet committed to the index (an image dumped
 * from a running device) are not replayed: the files are as of the last
 * commit.
 */
#include "format.h"

#include <libdeflate.h>
#include <lzo/lzo1x.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#define MAGIC 0x06101831u
#define CH 24
#define T_INO 0
#define T_DATA 1
#define T_DENT 2
#define T_SB 6
#define T_MST 7
#define T_IDX 9
#define K_INO 0
#define K_DATA 1
#define K_DENT 2
#define BLOCK 4096
#define INO_SZ 160
#define DATA_SZ 48
#define DENT_SZ 56
#define MST_SZ 512
#define ROOT_INO 1
#define MAX_LEVEL 64  /* index depth believed (the kernel allows 512; real trees are < 10) */
#define MAX_PATH 4096 /* a path longer than this is cut */
#define MAX_WARN 16   /* damaged nodes reported one by one, then counted */
#define BATCH 256     /* files per parallel task */
#define FLG_ENCRYPT 0x10u
#define FLG_AUTH 0x20u
#define S_REG 0100000u
#define S_FMT 0170000u

static uint32_t node_crc(const uint8_t *p, size_t n)
{
    return (uint32_t)~crc32(0, p, (uInt)n);
}

/* A node with a valid header and CRC at d[0..n)? Its length, else 0. */
static uint32_t node_ok(const uint8_t *d, size_t n)
{
    if (n < CH || ks_le32(d) != MAGIC)
        return 0;
    uint32_t len = ks_le32(d + 16);
    if (len < CH || len > n || node_crc(d + 8, len - 8) != ks_le32(d + 4))
        return 0;
    return len;
}

static bool ubifs_sniff(const uint8_t *d, size_t n)
{
    /* The superblock node: every other node has the same magic, so only
     * this one starts a file system. */
    return n >= BLOCK && d[20] == T_SB && node_ok(d, n) == BLOCK && ks_le32(d + 36) >= 4096 &&
           ks_le32(d + 36) <= (64u << 20);
}

/* Records of the leaves; sqnum tells copies apart when the nodes are
 * found by scanning the LEBs instead of through the index. */
typedef struct ino_rec {
    uint32_t inum, mode;
    uint64_t size, sqnum;
} ino_rec;

typedef struct dent_rec {
    uint32_t parent, inum, hash;
    uint8_t type;
    uint16_t nlen;
    uint64_t name; /* offset of the name in fs.names */
    uint64_t sqnum;
} dent_rec;

typedef struct data_rec {
    uint32_t inum, block;
    uint64_t at; /* offset of the node in the image */
    uint32_t len;
    uint64_t sqnum;
} data_rec;

/* A file to read: its path, inode number and size. */
typedef struct file_rec {
    char *path;
    uint32_t inum;
    uint64_t size;
} file_rec;

typedef struct fs {
    ks_fmt_ctx *ctx;
    const uint8_t *d;
    size_t n;
    int fd; /* the image's bytes are also in this file, at fd_off; or -1 */
    uint64_t fd_off;
    uint32_t leb_size, leb_cnt, flags, branch;
    char *names; /* the names of the directory entries, one after another */
    size_t names_len, names_cap;
    /* Nodes read from the file: one buffer per index level, one for leaves. */
    uint8_t *lvl[MAX_LEVEL + 2], *leafbuf;
    size_t lvl_cap[MAX_LEVEL + 2], leafcap;
    ino_rec *inos;
    dent_rec *dents;
    data_rec *data;
    size_t ninos, ndents, ndata, cap_inos, cap_dents, cap_data;
    uint64_t *seen; /* index nodes visited: an open-addressing set of lnum << 32 | offs */
    size_t seen_cap, nseen;
    file_rec *files;
    size_t nfiles, per_batch;
    atomic_uint damaged; /* nodes left out, by every task */
    bool index_damaged;
} fs;

static void bad_node(fs *f, ks_fmt_ctx *ctx, uint64_t at, const char *what)
{
    if (atomic_fetch_add(&f->damaged, 1) < MAX_WARN)
        ks_fmt_warn(ctx, at, "%s; the node is left out", what);
}

/* The node of `len` bytes at offset `at` of the image, inside one LEB: a
 * pointer to it (into the image, or into *buf when it is read from the
 * file), or NULL (warned). */
static const uint8_t *node_at(fs *f, ks_fmt_ctx *ctx, uint64_t at, uint32_t len, int type,
                              uint8_t **buf, size_t *cap)
{
    uint64_t offs = at % f->leb_size;
    if (len < CH || len > f->leb_size - offs || at > f->n || len > f->n - at) {
        bad_node(f, ctx, at < f->n ? at : f->n,
                 "a node lies past the end of its LEB or of the image");
        return NULL;
    }
    const uint8_t *p = f->d + at;
    if (f->fd >= 0) {
        if (len > *cap)
            ks_grow((void **)buf, cap, len, 1);
        size_t got = 0;
        while (got < len) {
            ssize_t r = pread(f->fd, *buf + got, len - got, (off_t)(f->fd_off + at + got));
            if (r <= 0) {
                bad_node(f, ctx, at, "read error");
                return NULL;
            }
            got += (size_t)r;
        }
        p = *buf;
    }
    if (ks_le32(p) != MAGIC || ks_le32(p + 16) != len) {
        bad_node(f, ctx, at, "bad node header");
        return NULL;
    }
    if (node_ok(p, len) != len) {
        /* A data node's bytes are still worth searching; the fields of
         * other nodes cannot be trusted. */
        if (type != T_DATA || p[20] != T_DATA) {
            bad_node(f, ctx, at, "node CRC does not match");
            return NULL;
        }
        ks_fmt_warn(ctx, at, "data node CRC does not match; read all the same");
    }
    if (type >= 0 && p[20] != type) {
        bad_node(f, ctx, at, "a node of an unexpected type");
        return NULL;
    }
    return p;
}

static uint64_t pos(const fs *f, uint32_t lnum, uint32_t offs)
{
    return (uint64_t)lnum * f->leb_size + offs;
}

/* ------------------------------------------------------------------------ */
/* The index                                                                 */

/* Mark an index node visited; false when it was already. */
static bool visit(fs *f, uint32_t lnum, uint32_t offs)
{
    uint64_t key = (uint64_t)lnum << 32 | offs;
    if (2 * (f->nseen + 1) > f->seen_cap) {
        size_t cap = f->seen_cap ? 2 * f->seen_cap : 1024;
        uint64_t *t = ks_xcalloc(cap, sizeof(uint64_t));
        for (size_t i = 0; i < f->seen_cap; i++) {
            uint64_t k = f->seen[i];
            if (!k)
                continue;
            size_t h = (size_t)((k + 1) * 0x9e3779b97f4a7c15ull) & (cap - 1);
            while (t[h])
                h = (h + 1) & (cap - 1);
            t[h] = k;
        }
        free(f->seen);
        f->seen = t;
        f->seen_cap = cap;
    }
    uint64_t k = key + 1; /* 0 marks an empty slot */
    size_t h = (size_t)((k + 1) * 0x9e3779b97f4a7c15ull) & (f->seen_cap - 1);
    while (f->seen[h]) {
        if (f->seen[h] == k)
            return false;
        h = (h + 1) & (f->seen_cap - 1);
    }
    f->seen[h] = k;
    f->nseen++;
    return true;
}

static void add_ino(fs *f, const uint8_t *p, uint32_t len)
{
    if (len < INO_SZ)
        return;
    ks_grow((void **)&f->inos, &f->cap_inos, f->ninos + 1, sizeof(ino_rec));
    f->inos[f->ninos++] =
        (ino_rec){ks_le32(p + 24), ks_le32(p + 104), ks_le64(p + 48), ks_le64(p + 8)};
}

static void add_dent(fs *f, const uint8_t *p, uint32_t len)
{
    uint16_t nlen = ks_le16(p + 50);
    if (len < DENT_SZ || nlen == 0 || nlen > len - DENT_SZ)
        return;
    ks_grow((void **)&f->names, &f->names_cap, f->names_len + nlen, 1);
    memcpy(f->names + f->names_len, p + DENT_SZ, nlen);
    ks_grow((void **)&f->dents, &f->cap_dents, f->ndents + 1, sizeof(dent_rec));
    f->dents[f->ndents++] = (dent_rec){
        ks_le32(p + 24), (uint32_t)ks_le64(p + 40), ks_le32(p + 28), p[49], nlen, f->names_len,
        ks_le64(p + 8)};
    f->names_len += nlen;
}

/* One branch of a level-0 index node: a leaf. Inodes and entries are read
 * now, data nodes when their file is (the key says which block). */
static void leaf(fs *f, uint32_t lnum, uint32_t offs, uint32_t len, const uint8_t *key)
{
    uint32_t inum = ks_le32(key), hi = ks_le32(key + 4);
    unsigned type = hi >> 29;
    if (type == K_DATA) {
        ks_grow((void **)&f->data, &f->cap_data, f->ndata + 1, sizeof(data_rec));
        f->data[f->ndata++] = (data_rec){inum, hi & 0x1fffffffu, pos(f, lnum, offs), len, 0};
        return;
    }
    if (type != K_INO && type != K_DENT)
        return; /* extended attributes, truncation records */
    const uint8_t *p = node_at(f, f->ctx, pos(f, lnum, offs), len, type == K_INO ? T_INO : T_DENT,
                               &f->leafbuf, &f->leafcap);
    if (!p)
        return;
    if (type == K_INO)
        add_ino(f, p, len);
    else
        add_dent(f, p, len);
}

/* Walk the index from the node at (lnum, offs, len), `depth` levels down. */
static void walk(fs *f, uint32_t lnum, uint32_t offs, uint32_t len, unsigned depth)
{
    uint64_t at = pos(f, lnum, offs);
    const uint8_t *p = NULL;
    if (depth > MAX_LEVEL)
        bad_node(f, f->ctx, at, "the index is deeper than 64 levels");
    else if (!visit(f, lnum, offs))
        bad_node(f, f->ctx, at, "an index node is reached twice (a loop)");
    else
        p = node_at(f, f->ctx, at, len, T_IDX, &f->lvl[depth], &f->lvl_cap[depth]);
    if (!p) {
        f->index_damaged = true;
        return;
    }
    uint16_t nb = ks_le16(p + 24), level = ks_le16(p + 26);
    size_t bsz = f->branch;
    for (size_t i = 0; i < nb && 28 + (i + 1) * bsz <= len; i++) {
        const uint8_t *b = p + 28 + i * bsz;
        if (level == 0)
            leaf(f, ks_le32(b), ks_le32(b + 4), ks_le32(b + 8), b + 12);
        else
            walk(f, ks_le32(b), ks_le32(b + 4), ks_le32(b + 8), depth + 1);
    }
}

/* Without a usable index (no master node, damaged index nodes): every
 * node of every LEB, found by its header, 8-byte aligned. Older copies
 * are dropped later by sequence number; deleted files may come back,
 * which for a search for secrets is no loss. */
static void scan_lebs(fs *f)
{
    for (uint64_t at = 0; at + CH <= f->n;) {
        const uint8_t *p = f->d + at;
        uint64_t room = f->leb_size - at % f->leb_size;
        uint32_t len = ks_le32(p) == MAGIC ? node_ok(p, room < f->n - at ? room : f->n - at) : 0;
        if (!len) {
            at += 8;
            continue;
        }
        if (p[20] == T_INO)
            add_ino(f, p, len);
        else if (p[20] == T_DENT)
            add_dent(f, p, len);
        else if (p[20] == T_DATA && len >= DATA_SZ) {
            uint32_t hi = ks_le32(p + 28);
            if (hi >> 29 == K_DATA) {
                ks_grow((void **)&f->data, &f->cap_data, f->ndata + 1, sizeof(data_rec));
                f->data[f->ndata++] =
                    (data_rec){ks_le32(p + 24), hi & 0x1fffffffu, at, len, ks_le64(p + 8)};
            }
        }
        at += (len + 7u) & ~7u;
    }
}

/* ------------------------------------------------------------------------ */
/* Sorting, and dropping older copies of a node                              */

#define CMP(a, b) ((a) < (b) ? -1 : (a) > (b))

static int cmp_ino(const void *a, const void *b)
{
    const ino_rec *x = a, *y = b;
    return x->inum != y->inum ? CMP(x->inum, y->inum) : CMP(y->sqnum, x->sqnum);
}

static int cmp_data(const void *a, const void *b)
{
    const data_rec *x = a, *y = b;
    if (x->inum != y->inum)
        return CMP(x->inum, y->inum);
    return x->block != y->block ? CMP(x->block, y->block) : CMP(y->sqnum, x->sqnum);
}

/* Entries by the inode they name; the same entry (parent, hash, inode)
 * found twice: newest first. */
static int cmp_dent(const void *a, const void *b)
{
    const dent_rec *x = a, *y = b;
    if (x->inum != y->inum)
        return CMP(x->inum, y->inum);
    if (x->parent != y->parent)
        return CMP(x->parent, y->parent);
    return x->hash != y->hash ? CMP(x->hash, y->hash) : CMP(y->sqnum, x->sqnum);
}

static void sort_records(fs *f)
{
    if (f->ninos)
        qsort(f->inos, f->ninos, sizeof(ino_rec), cmp_ino);
    if (f->ndata)
        qsort(f->data, f->ndata, sizeof(data_rec), cmp_data);
    if (f->ndents)
        qsort(f->dents, f->ndents, sizeof(dent_rec), cmp_dent);
    size_t k = 0;
    for (size_t i = 0; i < f->ninos; i++)
        if (!k || f->inos[k - 1].inum != f->inos[i].inum)
            f->inos[k++] = f->inos[i];
    f->ninos = k;
    k = 0;
    for (size_t i = 0; i < f->ndata; i++)
        if (!k || f->data[k - 1].inum != f->data[i].inum ||
            f->data[k - 1].block != f->data[i].block)
            f->data[k++] = f->data[i];
    f->ndata = k;
    k = 0;
    for (size_t i = 0; i < f->ndents; i++) {
        const dent_rec *a = k ? &f->dents[k - 1] : NULL, *b = &f->dents[i];
        if (!a || a->inum != b->inum || a->parent != b->parent || a->hash != b->hash)
            f->dents[k++] = *b;
    }
    f->ndents = k;
}

static const ino_rec *find_ino(const fs *f, uint32_t inum)
{
    size_t lo = 0, hi = f->ninos;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (f->inos[mid].inum < inum)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < f->ninos && f->inos[lo].inum == inum ? &f->inos[lo] : NULL;
}

/* The entry that names directory `inum` (a directory has one). */
static const dent_rec *find_dir(const fs *f, uint32_t inum)
{
    size_t lo = 0, hi = f->ndents;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (f->dents[mid].inum < inum)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < f->ndents && f->dents[lo].inum == inum ? &f->dents[lo] : NULL;
}

/* The data blocks of inode `inum`: [*first, return). */
static size_t file_blocks(const fs *f, uint32_t inum, size_t *first)
{
    size_t lo = 0, hi = f->ndata;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (f->data[mid].inum < inum)
            lo = mid + 1;
        else
            hi = mid;
    }
    *first = lo;
    while (hi < f->ndata && f->data[hi].inum == inum)
        hi++;
    return hi;
}

/* ------------------------------------------------------------------------ */
/* Paths                                                                     */

/* Append the name of entry e to buf at *len, escaping NUL and '/'. */
static void put_name(const fs *f, const dent_rec *e, char *buf, size_t *len)
{
    if (*len + 1 + e->nlen >= MAX_PATH)
        return;
    buf[(*len)++] = '/';
    const char *nm = f->names + e->name;
    for (size_t i = 0; i < e->nlen; i++)
        buf[(*len)++] = nm[i] == 0 || nm[i] == '/' ? '_' : (char)nm[i];
}

/* The full path of the file entry e ("/etc/shadow"), or NULL when a
 * directory above it is missing or the chain of parents loops (warned). */
static char *make_path(fs *f, const dent_rec *e)
{
    const dent_rec *chain[MAX_LEVEL];
    size_t depth = 0;
    const dent_rec *c = e;
    while (c->parent != ROOT_INO) {
        const dent_rec *up = find_dir(f, c->parent);
        if (!up || depth == MAX_LEVEL) {
            ks_fmt_warn(f->ctx, KS_NO_OFFSET,
                        up ? "a directory chain deeper than %d levels (a loop?); the file is "
                             "named from its inode"
                           : "the directory of a file (inode %u) is missing; the file is named "
                             "from its inode",
                        up ? MAX_LEVEL : (int)c->parent);
            char name[64];
            snprintf(name, sizeof name, "/#%u", (unsigned)e->inum);
            return ks_xstrdup(name);
        }
        chain[depth++] = up;
        c = up;
    }
    char buf[MAX_PATH];
    size_t len = 0;
    while (depth)
        put_name(f, chain[--depth], buf, &len);
    put_name(f, e, buf, &len);
    buf[len] = '\0';
    return ks_xstrdup(buf);
}

/* The regular files, by path; every entry counts as an archive entry. */
static int collect_files(fs *f)
{
    size_t cap = 0;
    for (size_t i = 0; i < f->ndents; i++) {
        const dent_rec *e = &f->dents[i];
        if (ks_fmt_entry(f->ctx) != 0)
            return KS_ELIMIT;
        if (e->type != 0) /* UBIFS_ITYPE_REG */
            continue;
        const ino_rec *ino = find_ino(f, e->inum);
        uint64_t size;
        char *path = make_path(f, e);
        if (ino) {
            size = ino->size;
        } else {
            size_t first, end = file_blocks(f, e->inum, &first);
            size = end > first ? ((uint64_t)f->data[end - 1].block + 1) * BLOCK : 0;
            ks_fmt_warn(f->ctx, KS_NO_OFFSET, "%s: no inode node; read as far as its data goes",
                        path);
        }
        ks_grow((void **)&f->files, &cap, f->nfiles + 1, sizeof(file_rec));
        f->files[f->nfiles++] = (file_rec){path, e->inum, size};
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Reading files                                                             */

static pthread_once_t lzo_once = PTHREAD_ONCE_INIT;
static void lzo_setup(void)
{
    (void)lzo_init();
}

/* A file being read, block by block (ks_fmt_read_fn: file_read). */
typedef struct file_rd {
    fs *f;
    ks_fmt_ctx *ctx;
    struct libdeflate_decompressor *dd;
    ZSTD_DCtx *zd;
    const file_rec *file;
    const data_rec *blk, *blk_end;
    uint8_t *node; /* a data node read from the file */
    size_t node_cap;
    uint64_t pos, in;
    uint8_t buf[BLOCK];
    size_t len, off; /* bytes of buf that belong to the file, read so far */
    bool ended;
} file_rd;

/* Decode data node x into out (BLOCK bytes, zeros past what it holds). */
static void decode_block(file_rd *r, const data_rec *x, uint8_t *out)
{
    memset(out, 0, BLOCK);
    const uint8_t *p = node_at(r->f, r->ctx, x->at, x->len, T_DATA, &r->node, &r->node_cap);
    if (!p || x->len < DATA_SZ)
        return;
    uint32_t size = ks_le32(p + 40);
    uint16_t compr = ks_le16(p + 44);
    const uint8_t *src = p + DATA_SZ;
    size_t slen = x->len - DATA_SZ, got = 0;
    bool ok = size <= BLOCK;
    r->in += slen;
    if (ok && compr == 0) {
        ok = slen >= size;
        if (ok)
            memcpy(out, src, size);
    } else if (ok && compr == 1) {
        lzo_uint dl = BLOCK;
        ok = lzo1x_decompress_safe(src, slen, out, &dl, NULL) == LZO_E_OK && dl == size;
    } else if (ok && compr == 2) {
        ok = r->dd &&
             libdeflate_deflate_decompress(r->dd, src, slen, out, size, &got) == LIBDEFLATE_SUCCESS;
    } else if (ok && compr == 3) {
        size_t k = r->zd ? ZSTD_decompressDCtx(r->zd, out, BLOCK, src, slen) : 0;
        ok = r->zd && !ZSTD_isError(k) && k == size;
    } else if (ok) {
        bad_node(r->f, r->ctx, x->at, "a data node with an unknown compressor");
        return;
    }
    if (!ok) {
        memset(out, 0, BLOCK);
        ks_fmt_warn(r->ctx, x->at, "%s: block %u does not decompress; read as zeros", r->file->path,
                    (unsigned)x->block);
    }
}

static size_t file_read(void *payload, uint8_t *dst, size_t want)
{
    file_rd *r = payload;
    size_t o = 0;
    while (o < want && !r->ended) {
        if (r->off == r->len) {
            if (r->pos >= r->file->size) {
                r->ended = true;
                break;
            }
            uint64_t b = r->pos / BLOCK, left = r->file->size - r->pos;
            r->len = left < BLOCK ? (size_t)left : BLOCK;
            r->off = 0;
            if (ks_fmt_reserve(r->ctx, r->len, r->f->n) != 0) {
                r->ended = true;
                break;
            }
            while (r->blk < r->blk_end && r->blk->block < b)
                r->blk++;
            if (r->blk < r->blk_end && r->blk->block == b)
                decode_block(r, r->blk, r->buf);
            else
                memset(r->buf, 0, BLOCK); /* a hole */
            r->pos += r->len;
        }
        size_t k = r->len - r->off < want - o ? r->len - r->off : want - o;
        memcpy(dst + o, r->buf + r->off, k);
        r->off += k;
        o += k;
    }
    return o;
}

static void read_file(file_rd *r, const file_rec *file, ks_outbuf *ob)
{
    size_t first, end = file_blocks(r->f, file->inum, &first);
    r->file = file;
    r->blk = r->blk_end = NULL; /* a file without data blocks: all holes */
    if (end > first) {
        r->blk = r->f->data + first;
        r->blk_end = r->f->data + end;
    }
    r->pos = r->in = 0;
    r->len = r->off = 0;
    r->ended = false;
    if (file->size > (uint64_t)BLOCK * 0x20000000u) {
        ks_fmt_warn(r->ctx, KS_NO_OFFSET, "%s: a size of %llu bytes is past what UBIFS can hold",
                    file->path, (unsigned long long)file->size);
        return;
    }
    ks_child c = {.kind = KS_CHILD_MEMBER, .name = file->path, .parent_offset = KS_NO_OFFSET};
    if (ks_outbuf_fill(r->ctx, ob, file_read, r)) {
        c.data = ob->data;
        c.len = ob->len;
        ks_fmt_emit(r->ctx, &c);
    } else {
        c.data = ob->data;
        c.len = ob->len;
        ks_fmt_emit_stream(r->ctx, &c, file_read, r);
    }
}

/* One parallel task: a batch of files, with decompressors of its own. */
static void read_batch(ks_fmt_ctx *ctx, void *payload, size_t i)
{
    fs *f = payload;
    file_rd *r = ks_xcalloc(1, sizeof *r);
    r->f = f;
    r->ctx = ctx;
    r->dd = libdeflate_alloc_decompressor();
    r->zd = ZSTD_createDCtx();
    ks_outbuf ob = {0};
    size_t end = (i + 1) * f->per_batch < f->nfiles ? (i + 1) * f->per_batch : f->nfiles;
    for (size_t k = i * f->per_batch; k < end; k++)
        read_file(r, &f->files[k], &ob);
    ks_outbuf_dispose(&ob);
    libdeflate_free_decompressor(r->dd);
    ZSTD_freeDCtx(r->zd);
    free(r->node);
    free(r);
}

/* ------------------------------------------------------------------------ */
/* The superblock, the master node, the whole                                */

/* The newest valid master node in LEBs 1 and 2, or NULL. */
static const uint8_t *find_master(fs *f)
{
    const uint8_t *best = NULL;
    for (uint64_t at = f->leb_size; at < 3ull * f->leb_size && at + MST_SZ <= f->n; at += 8) {
        const uint8_t *p = f->d + at;
        if (ks_le32(p) != MAGIC || p[20] != T_MST || node_ok(p, MST_SZ) != MST_SZ)
            continue;
        if (!best || ks_le64(p + 8) > ks_le64(best + 8))
            best = p;
        at += MST_SZ - 8;
    }
    return best;
}

/* Hash lengths of the kernel's hash_algo numbers, for authenticated images
 * (each index branch then carries the hash of its child). */
static uint32_t hash_len(unsigned algo)
{
    static const uint8_t lens[] = {16, 16, 20, 20, 32, 48, 64, 28};
    return algo < sizeof lens ? lens[algo] : 0;
}

static bool read_super(fs *f)
{
    const uint8_t *sb = f->d;
    f->flags = ks_le32(sb + 28);
    f->leb_size = ks_le32(sb + 36);
    f->leb_cnt = ks_le32(sb + 40);
    f->branch = 12 + 8;
    if (f->flags & FLG_AUTH) {
        uint32_t h = hash_len(ks_le16(sb + 256));
        if (!h) {
            ks_fmt_not_unpacked(f->ctx, 256, "UBIFS authenticated with an unknown hash (%u)",
                                (unsigned)ks_le16(sb + 256));
            return false;
        }
        f->branch += h;
    }
    if (f->flags & FLG_ENCRYPT)
        ks_fmt_warn(f->ctx, 28,
                    "the file system may hold encrypted files: their blocks do "
                    "not decompress and their names are ciphertext");
    return true;
}

static void fs_dispose(fs *f)
{
    for (size_t i = 0; i < f->nfiles; i++)
        free(f->files[i].path);
    free(f->files);
    free(f->inos);
    free(f->dents);
    free(f->data);
    free(f->seen);
    free(f->names);
    free(f->leafbuf);
    for (size_t i = 0; i < MAX_LEVEL + 2; i++)
        free(f->lvl[i]);
}

static int ubifs_expand(ks_fmt_ctx *ctx, const uint8_t *d, size_t n, uint64_t *consumed)
{
    fs f = {.ctx = ctx, .d = d, .n = n};
    f.fd = ks_fmt_fd(ctx, &f.fd_off);
    *consumed = 0;
    if (!ubifs_sniff(d, n) || !read_super(&f))
        return KS_EINVAL;
    ks_fmt_claim(ctx);
    uint64_t size = (uint64_t)f.leb_cnt * f.leb_size;
    *consumed = size && size < n ? size : n;
    const uint8_t *m = find_master(&f);
    if (!m) {
        ks_fmt_warn(ctx, f.leb_size,
                    "no valid master node: the index cannot be found; every "
                    "LEB is searched for nodes instead");
        f.index_damaged = true;
    } else {
        walk(&f, ks_le32(m + 48), ks_le32(m + 52), ks_le32(m + 56), 0);
        if (f.index_damaged)
            ks_fmt_warn(ctx, KS_NO_OFFSET,
                        "the index is damaged; every LEB is searched for "
                        "nodes too");
    }
    if (f.index_damaged)
        scan_lebs(&f);
    sort_records(&f);
    unsigned bad = atomic_load(&f.damaged);
    if (bad > MAX_WARN)
        ks_fmt_warn(ctx, KS_NO_OFFSET, "%u damaged nodes in the index walk, left out", bad);
    collect_files(&f);
    pthread_once(&lzo_once, lzo_setup);
    size_t nb = (f.nfiles + BATCH - 1) / BATCH;
    if (nb > 64)
        nb = 64;
    f.per_batch = nb ? (f.nfiles + nb - 1) / nb : 0;
    ks_fmt_parallel(ctx, nb, read_batch, &f);
    fs_dispose(&f);
    return 0;
}

static const ks_signature ubifs_sigs[] = {{"\x31\x18\x10\x06", 4, 0}};

const ks_format ks_format_ubifs = {
    .name = "ubifs",
    .sniff = ubifs_sniff,
    .expand = ubifs_expand,
    .sigs = ubifs_sigs,
    .nsigs = 1,
};
