/*
 * erofs.c - EROFS images (Linux's read-only file system of Android and
 * embedded systems), read by hand: there is no Debian library for it
 * (erofs-utils has no shared liberofs).
 *
 * The superblock sits at 1024: block size, the block of the inode table
 * ("meta"), the root directory's inode number (nid: 32-byte slots from
 * meta). An inode is compact (32 bytes) or extended (64), then its
 * extended attributes, then, for the inline layout, the tail of its data.
 * Data layouts read: flat plain (contiguous blocks), flat inline (blocks,
 * then the tail after the inode) and chunk based (a table of block
 * addresses, one per chunk, holes as zeros). Directory blocks hold 12-byte
 * entries (nid, name offset, type) with the names after them.
 *
 * The children are the regular files, by path ("/etc/passwd"). Files whose
 * data are compressed (lz4, lzma, deflate clusters) are not read: reported
 * once as not unpacked, their bytes left to carving and strings. The walk
 * is bounded: every entry counted (ks_fmt_entry), every byte of a file
 * reserved, a directory entered once (a bitmap of the nids seen: a loop
 * is a warning), the depth limited by the path's length; every offset is
 * checked against the image before it is read, and what lies past the end
 * of a truncated image is warned about, once per file.
 */
#include "format.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define SB 1024
#define NID_SIZE 32
#define NULL_ADDR 0xffffffffu
#define PATH_MAX_LEN 4096
#define MAX_DEPTH 256

enum { FLAT_PLAIN = 0, COMPRESSED_FULL = 1, FLAT_INLINE = 2, COMPRESSED_COMPACT = 3,
       CHUNK_BASED = 4 };

static const uint8_t zeros[4096];

typedef struct erofs {
    ks_fmt_ctx *ctx;
    const uint8_t *d;
    size_t n;
    unsigned blkbits;
    uint64_t blksz, meta; /* meta: where nid 0 is */
    uint8_t *seen;        /* directories entered, a bit per nid */
    uint64_t nids;
    char path[PATH_MAX_LEN];
    unsigned depth;
} erofs;

typedef struct inode {
    uint64_t nid, at, size;
    uint16_t mode;
    unsigned layout, isize, xsize;
    uint32_t u; /* block address, or the chunk format */
} inode;

static bool erofs_sniff(const uint8_t *d, size_t n)
{
    if (n < SB + 128 || ks_le32(d + SB) != 0xe0f5e1e2u || d[SB + 12] < 9 || d[SB + 12] > 16)
        return false;
    uint64_t blksz = 1ull << d[SB + 12];
    return ks_le32(d + SB + 36) > 0 && (uint64_t)ks_le32(d + SB + 40) * blksz < 1ull << 40;
}

static bool read_inode(erofs *e, uint64_t nid, inode *ino)
{
    uint64_t at = e->meta + nid * NID_SIZE;
    if (nid >= e->nids || at > e->n || e->n - at < 32) {
        ks_fmt_warn(e->ctx, at, "%s: inode %llu lies past the end of the image",
                    e->path[0] ? e->path : "/", (unsigned long long)nid);
        return false;
    }
    const uint8_t *p = e->d + at;
    uint16_t format = ks_le16(p), icount = ks_le16(p + 2);
    bool ext = format & 1;
    *ino = (inode){.nid = nid,
                   .at = at,
                   .mode = ks_le16(p + 4),
                   .layout = (format >> 1) & 7,
                   .isize = ext ? 64 : 32,
                   .xsize = icount ? 12 + 4 * (unsigned)(icount - 1) : 0,
                   .u = ks_le32(p + 16)};
    if (ext && e->n - at < 64) {
        ks_fmt_warn(e->ctx, at, "%s: inode %llu is cut", e->path[0] ? e->path : "/",
                    (unsigned long long)nid);
        return false;
    }
    ino->size = ext ? ks_le64(p + 8) : ks_le32(p + 8);
    if (ino->layout > CHUNK_BASED) {
        ks_fmt_warn(e->ctx, at, "%s: inode %llu has an unknown data layout %u",
                    e->path[0] ? e->path : "/", (unsigned long long)nid, ino->layout);
        return false;
    }
    return true;
}

/* The file's bytes at `off` (< size): a pointer into the image and in
 * *avail how many follow contiguously; NULL (*avail 0) when they lie past
 * the end of the image or the layout is not read. A hole reads as zeros. */
static const uint8_t *data_at(const erofs *e, const inode *ino, uint64_t off, size_t *avail)
{
    uint64_t phys, run = ino->size - off;
    uint64_t after = ino->at + ino->isize + ino->xsize; /* inline tail or chunk table */
    *avail = 0;
    if (ino->layout == FLAT_PLAIN) {
        phys = (uint64_t)ino->u * e->blksz + off;
    } else if (ino->layout == FLAT_INLINE) {
        uint64_t full = (ino->size - 1) >> e->blkbits; /* blocks before the tail */
        if (off >> e->blkbits < full) {
            phys = (uint64_t)ino->u * e->blksz + off;
            run = (full << e->blkbits) - off;
        } else {
            phys = after + (off & (e->blksz - 1));
        }
    } else if (ino->layout == CHUNK_BASED) {
        bool idx = ino->u & 0x20;
        unsigned bits = e->blkbits + (ino->u & 0x1f), unit = idx ? 8 : 4;
        if (bits > 48)
            return NULL;
        uint64_t entry = ((after + unit - 1) & ~(uint64_t)(unit - 1)) + (off >> bits) * unit;
        if (entry > e->n || e->n - entry < unit)
            return NULL;
        uint32_t blk = ks_le32(e->d + entry + (idx ? 4 : 0));
        if (idx && ks_le16(e->d + entry + 2) != 0)
            return NULL; /* on another device */
        uint64_t in = off & ((1ull << bits) - 1);
        if ((1ull << bits) - in < run)
            run = (1ull << bits) - in;
        if (blk == NULL_ADDR) {
            *avail = run < sizeof zeros ? (size_t)run : sizeof zeros;
            return zeros;
        }
        phys = (uint64_t)blk * e->blksz + in;
    } else {
        return NULL;
    }
    if (phys >= e->n)
        return NULL;
    *avail = (size_t)(run < e->n - phys ? run : e->n - phys);
    return e->d + phys;
}

/* ------------------------------------------------------------------------ */
/* Files                                                                     */

typedef struct file_rd {
    erofs *e;
    const inode *ino;
    uint64_t off;
    bool warned;
} file_rd;

/* ks_fmt_read_fn: the next bytes of a file. */
static size_t file_read(void *payload, uint8_t *dst, size_t want)
{
    file_rd *f = payload;
    size_t o = 0;
    while (o < want && f->off < f->ino->size && !f->warned) {
        size_t avail;
        const uint8_t *p = data_at(f->e, f->ino, f->off, &avail);
        if (!p || avail == 0) {
            ks_fmt_warn(f->e->ctx, KS_NO_OFFSET,
                        "%s: data past the end of the image (truncated) or on another device, "
                        "after %llu of %llu bytes",
                        f->e->path, (unsigned long long)f->off,
                        (unsigned long long)f->ino->size);
            f->warned = true;
            break;
        }
        size_t k = avail < want - o ? avail : want - o;
        if (ks_fmt_reserve(f->e->ctx, k, f->e->n) != 0) {
            f->warned = true;
            break;
        }
        memcpy(dst + o, p, k);
        o += k;
        f->off += k;
    }
    return o;
}

static int read_file(erofs *e, const inode *ino)
{
    if (ino->layout == COMPRESSED_FULL || ino->layout == COMPRESSED_COMPACT) {
        ks_fmt_not_unpacked(e->ctx, ino->at,
                            "compressed files (lz4/lzma clusters) are not read, e.g. %s: no "
                            "Debian library reads EROFS and keysift's reader reads only "
                            "uncompressed data; their bytes are searched for strings instead",
                            e->path);
        return 0;
    }
    ks_child c = {.kind = KS_CHILD_MEMBER, .name = e->path, .parent_offset = KS_NO_OFFSET};
    size_t avail = 0;
    const uint8_t *p = ino->size ? data_at(e, ino, 0, &avail) : NULL;
    if (ino->size == 0 || (p && p != zeros && avail == ino->size)) {
        /* Contiguous in the image: the child is a slice of it. */
        if (ks_fmt_reserve(e->ctx, ino->size, e->n) != 0)
            return KS_ELIMIT;
        c.data = p;
        c.len = (size_t)ino->size;
        c.parent_offset = p ? (uint64_t)(p - e->d) : KS_NO_OFFSET;
        return ks_fmt_emit(e->ctx, &c);
    }
    file_rd f = {.e = e, .ino = ino};
    ks_outbuf out = {0};
    int rc;
    bool held = ks_outbuf_fill(e->ctx, &out, file_read, &f);
    c.data = out.data;
    c.len = out.len;
    rc = held ? ks_fmt_emit(e->ctx, &c) : ks_fmt_emit_stream(e->ctx, &c, file_read, &f);
    ks_outbuf_dispose(&out);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Directories                                                               */

static int walk_dir(erofs *e, const inode *dir);

/* One entry of a directory: name[0..len), path so far path[0..plen). */
static int visit(erofs *e, uint64_t nid, const uint8_t *name, size_t len, size_t plen)
{
    if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.'))
        return 0;
    if (ks_fmt_entry(e->ctx) != 0)
        return KS_ELIMIT;
    if (len == 0 || memchr(name, '/', len) || memchr(name, 0, len) ||
        plen + 1 + len >= sizeof e->path) {
        ks_fmt_warn(e->ctx, KS_NO_OFFSET, "%s: an entry with a bad name or too long a path",
                    e->path[0] ? e->path : "/");
        return 0;
    }
    e->path[plen] = '/';
    memcpy(e->path + plen + 1, name, len);
    e->path[plen + 1 + len] = '\0';
    inode ino;
    int rc = 0;
    if (read_inode(e, nid, &ino)) {
        if (S_ISREG(ino.mode))
            rc = read_file(e, &ino);
        else if (S_ISDIR(ino.mode))
            rc = walk_dir(e, &ino);
    }
    e->path[plen] = '\0';
    return rc;
}

/* The entries of one directory block (blk[0..len)). */
static int walk_block(erofs *e, const uint8_t *blk, size_t len, uint64_t at)
{
    size_t plen = strlen(e->path);
    uint16_t first = len >= 12 ? ks_le16(blk + 8) : 0;
    if (first < 12 || first % 12 || first > len) {
        ks_fmt_warn(e->ctx, at, "%s: corrupt directory block", e->path[0] ? e->path : "/");
        return 0;
    }
    size_t count = first / 12;
    for (size_t i = 0; i < count; i++) {
        const uint8_t *de = blk + 12 * i;
        size_t from = ks_le16(de + 8);
        size_t to = i + 1 < count ? ks_le16(de + 20) : len;
        if (from < first || to < from || to > len) {
            ks_fmt_warn(e->ctx, at, "%s: corrupt directory entry %zu",
                        e->path[0] ? e->path : "/", i);
            return 0;
        }
        if (i + 1 == count) { /* the last name ends at the first NUL */
            const uint8_t *z = memchr(blk + from, 0, to - from);
            if (z)
                to = (size_t)(z - blk);
        }
        int rc = visit(e, ks_le64(de), blk + from, to - from, plen);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int walk_dir(erofs *e, const inode *dir)
{
    const char *shown = e->path[0] ? e->path : "/";
    if (e->seen[dir->nid / 8] & (1u << (dir->nid % 8))) {
        ks_fmt_warn(e->ctx, dir->at, "%s: a directory loop (inode %llu is entered twice)",
                    shown, (unsigned long long)dir->nid);
        return 0;
    }
    e->seen[dir->nid / 8] |= (uint8_t)(1u << (dir->nid % 8));
    if (dir->layout == COMPRESSED_FULL || dir->layout == COMPRESSED_COMPACT) {
        ks_fmt_not_unpacked(e->ctx, dir->at, "%s: a compressed directory is not read", shown);
        return 0;
    }
    if (++e->depth > MAX_DEPTH) {
        ks_fmt_warn(e->ctx, dir->at, "%s: directories nested too deep", shown);
        e->depth--;
        return 0;
    }
    int rc = 0;
    for (uint64_t off = 0; off < dir->size && rc == 0; off += e->blksz) {
        size_t avail, len = (size_t)(dir->size - off < e->blksz ? dir->size - off : e->blksz);
        const uint8_t *blk = data_at(e, dir, off, &avail);
        if (!blk || avail < len) {
            ks_fmt_warn(e->ctx, KS_NO_OFFSET,
                        "%s: directory block %llu lies past the end of the image (truncated)",
                        shown, (unsigned long long)(off >> e->blkbits));
            break;
        }
        rc = walk_block(e, blk, len, (uint64_t)(blk - e->d));
    }
    e->depth--;
    return rc;
}

static int erofs_expand(ks_fmt_ctx *ctx, const uint8_t *d, size_t n, uint64_t *consumed)
{
    const uint8_t *sb = d + SB;
    erofs e = {.ctx = ctx, .d = d, .n = n, .blkbits = sb[12]};
    e.blksz = 1ull << e.blkbits;
    e.meta = (uint64_t)ks_le32(sb + 40) * e.blksz;
    uint64_t size = (uint64_t)ks_le32(sb + 36) * e.blksz;
    uint32_t incompat = ks_le32(sb + 80);
    e.nids = e.meta < n ? (n - e.meta) / NID_SIZE : 0;
    inode root;
    /* Found by carving, only an image whose root is a directory counts. */
    uint64_t root_at = e.meta + (uint64_t)ks_le16(sb + 14) * NID_SIZE;
    bool root_ok = root_at < n && n - root_at >= 32 && S_ISDIR(ks_le16(d + root_at + 4));
    if (ks_fmt_carved(ctx) && !root_ok)
        return KS_EINVAL;
    ks_fmt_claim(ctx);
    *consumed = size < n ? size : n;
    if (size > n)
        ks_fmt_warn(ctx, n, "truncated: the superblock says %llu bytes, %zu are there",
                    (unsigned long long)size, n);
    if (incompat & ~0x7fu)
        ks_fmt_warn(ctx, SB + 80, "unknown incompatible features 0x%x; reading what can be read",
                    incompat);
    if (!read_inode(&e, ks_le16(sb + 14), &root) || !S_ISDIR(root.mode)) {
        ks_fmt_warn(ctx, SB, "the root directory cannot be read");
        return 0;
    }
    e.seen = ks_xcalloc((size_t)(e.nids / 8 + 1), 1);
    walk_dir(&e, &root);
    free(e.seen);
    return 0;
}

static const ks_signature erofs_sigs[] = {{"\xe2\xe1\xf5\xe0", 4, 1024}};

const ks_format ks_format_erofs = {
    .name = "erofs",
    .sniff = erofs_sniff,
    .expand = erofs_expand,
    .sigs = erofs_sigs,
    .nsigs = 1,
};
