/*
 * cramfs.c - CramFS images (mkfs.cramfs; fs/cramfs/README in the kernel),
 * either byte order: read from the on-media format, which no Debian
 * library reads.
 *
 * DESIGN
 * A 76-byte superblock (magic, size, flags, "Compressed ROMFS", a CRC of
 * the image, the root inode), then 12-byte inodes: mode, uid, a 24-bit
 * size, gid, a 6-bit name length (in 4-byte words) and a 26-bit offset (in
 * 4-byte words). A directory's offset is where its entries (inode, then
 * name) start and its size their length. A regular file's offset is where
 * its block pointers start: one per 4 KiB page, the end of that block's
 * zlib stream, so block i runs from the end of block i-1 (the first from
 * behind the pointers). With the extended block pointers flag a pointer
 * may mark its block stored uncompressed (bit 31) or point to it directly
 * (bit 30: the offset in 4-byte words, a compressed one led by its 16-bit
 * length). An empty block is a hole (zeros).
 *
 * Little-endian images hold the inode words with the first field in the
 * low bits; big-endian ones (mkfs.cramfs -N big) with the first field in
 * the high bits. Each file is produced in order, a page at a time, held in
 * memory or handed on as a stream. The tree is walked depth first with a
 * stack of bounded depth; every directory is read at most once (a bitmap
 * of the offsets seen), so a directory that points back ends. A block that
 * does not decode, or lies outside the image, is warned about and the file
 * has zeros there.
 */
#include "format.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#define MAGIC 0x28cd3d45u
#define SUPER 76
#define INODE 12
#define PAGE 4096u
#define MAX_DEPTH 128
#define PATH_MAX_LEN 4096
#define F_FSID_V2 0x1u
#define F_EXT_PTRS 0x800u
#define F_KNOWN 0xf03u /* version 2, sorted, holes, wrong signature, shifted root, ext pointers */
#define B_UNCOMPRESSED 0x80000000u
#define B_DIRECT 0x40000000u

typedef struct cinode {
    uint32_t mode, size, offset, namelen;
} cinode;

typedef struct cramfs {
    ks_fmt_ctx *ctx;
    const uint8_t *d;
    size_t n;
    bool be;
    uint32_t flags;
    uint8_t *seen; /* a bit per 4-byte word: directory read */
    char path[PATH_MAX_LEN];
} cramfs;

static uint32_t rd32(const cramfs *c, const uint8_t *p)
{
    return c->be ? ks_be32(p) : ks_le32(p);
}

static bool cramfs_sniff(const uint8_t *d, size_t n)
{
    return n >= SUPER && (ks_le32(d) == MAGIC || ks_be32(d) == MAGIC) &&
           memcmp(d + 16, "Compressed ROMFS", 16) == 0;
}

static cinode inode_at(const cramfs *c, const uint8_t *p)
{
    uint32_t w0 = rd32(c, p), w1 = rd32(c, p + 4), w2 = rd32(c, p + 8);
    if (c->be)
        return (cinode){w0 >> 16, w1 >> 8, (w2 & 0x3ffffffu) * 4, (w2 >> 26) * 4};
    return (cinode){w0 & 0xffff, w1 & 0xffffff, (w2 >> 6) * 4, (w2 & 0x3f) * 4};
}

/* ------------------------------------------------------------------------ */
/* Files                                                                     */

typedef struct cfile {
    cramfs *c;
    uint64_t ptrs; /* where the block pointers start */
    uint32_t size, nblocks, block;
    uint64_t prev_end;  /* end of the previous block */
    uint8_t page[PAGE]; /* the block being handed out */
    size_t have, given;
    bool stop;
} cfile;

/* Decode block f->block into f->page (zeros where it cannot be read). */
static void read_block(cfile *f)
{
    cramfs *c = f->c;
    uint32_t i = f->block, len = f->size - i * PAGE < PAGE ? f->size - i * PAGE : PAGE;
    uint32_t ptr = rd32(c, c->d + f->ptrs + 4ull * i);
    uint64_t start = f->prev_end, end = ptr;
    bool raw = false;
    memset(f->page, 0, PAGE);
    f->have = len;
    f->given = 0;
    if (c->flags & F_EXT_PTRS) {
        raw = ptr & B_UNCOMPRESSED;
        end = ptr & ~(B_UNCOMPRESSED | B_DIRECT);
        if (ptr & B_DIRECT) {
            start = end * 4;
            /* A compressed block pointed to directly leads with its length. */
            uint32_t blen = start + 2 > c->n ? 0
                            : c->be          ? (uint32_t)c->d[start] << 8 | c->d[start + 1]
                                             : (uint32_t)c->d[start + 1] << 8 | c->d[start];
            end = raw ? start + len : start + 2 + blen;
            start += raw ? 0 : 2;
        }
    }
    f->prev_end = end; /* the next block follows this one, direct or not */
    if (end == start)
        return; /* a hole */
    if (end < start || end > c->n) {
        ks_fmt_warn(c->ctx, start, "%s: block %u lies outside the image", c->path, i);
        return;
    }
    if (raw) {
        memcpy(f->page, c->d + start, end - start < len ? end - start : len);
        return;
    }
    uLongf got = PAGE;
    int rc = uncompress(f->page, &got, c->d + start, (uLong)(end - start));
    if (rc != Z_OK)
        ks_fmt_warn(c->ctx, start, "%s: block %u does not decode (zlib: %s)", c->path, i,
                    zError(rc));
}

/* ks_fmt_read_fn: the file's next bytes, a block at a time. */
static size_t cfile_read(void *payload, uint8_t *dst, size_t want)
{
    cfile *f = payload;
    size_t o = 0;
    while (o < want && !f->stop) {
        if (f->given == f->have) {
            if (f->block == f->nblocks)
                break;
            if (ks_fmt_reserve(f->c->ctx, PAGE, f->c->n) != 0) {
                f->stop = true;
                break;
            }
            read_block(f);
            f->block++;
        }
        size_t k = f->have - f->given < want - o ? f->have - f->given : want - o;
        memcpy(dst + o, f->page + f->given, k);
        f->given += k;
        o += k;
    }
    return o;
}

static int emit_file(cramfs *c, const cinode *ino, ks_outbuf *out)
{
    cfile *f = ks_xcalloc(1, sizeof *f);
    f->c = c;
    f->ptrs = ino->offset;
    f->size = ino->size;
    f->nblocks = (ino->size + PAGE - 1) / PAGE;
    f->prev_end = f->ptrs + 4ull * f->nblocks;
    if (f->prev_end > c->n) {
        ks_fmt_warn(c->ctx, ino->offset, "%s: block pointers lie outside the image", c->path);
        f->nblocks = 0;
        f->size = 0;
    }
    ks_child ch = {.kind = KS_CHILD_MEMBER, .name = c->path, .parent_offset = KS_NO_OFFSET};
    bool whole = ks_outbuf_fill(c->ctx, out, cfile_read, f);
    ch.data = out->data;
    ch.len = out->len;
    int rc = whole ? ks_fmt_emit(c->ctx, &ch) : ks_fmt_emit_stream(c->ctx, &ch, cfile_read, f);
    if (f->stop)
        rc = KS_ELIMIT;
    free(f);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* The tree                                                                  */

/* Mark the directory at `off` read; false when it was already. */
static bool visit(cramfs *c, uint32_t off)
{
    size_t w = off / 4;
    uint8_t bit = (uint8_t)(1u << (w % 8));
    if (c->seen[w / 8] & bit)
        return false;
    c->seen[w / 8] |= bit;
    return true;
}

/* A directory being walked: its next entry, its end, its path's length. */
typedef struct level {
    uint64_t next, end;
    size_t pathlen;
} level;

/* Append the entry's name (NUL-padded) to the directory's path. */
static void name_path(cramfs *c, const uint8_t *name, uint32_t len, size_t dirlen)
{
    while (len && name[len - 1] == 0)
        len--;
    if (dirlen + 1 + len >= sizeof c->path) {
        snprintf(c->path + dirlen, sizeof c->path - dirlen, "/(name too long)");
        return;
    }
    c->path[dirlen] = '/';
    for (uint32_t i = 0; i < len; i++)
        c->path[dirlen + 1 + i] = name[i] == 0 || name[i] == '/' ? '?' : (char)name[i];
    c->path[dirlen + 1 + len] = '\0';
}

/* Push directory `ino` (its entries) on the stack; false when it cannot
 * be read (warned). */
static bool enter(cramfs *c, level *stack, size_t *depth, const cinode *ino, size_t pathlen)
{
    if (ino->size == 0)
        return true;
    if (ino->offset < SUPER || (uint64_t)ino->offset + ino->size > c->n) {
        ks_fmt_warn(c->ctx, ino->offset, "directory %s: its entries lie outside the image",
                    pathlen ? c->path : "/");
        return false;
    }
    if (!visit(c, ino->offset)) {
        ks_fmt_warn(c->ctx, ino->offset, "directory %s: read before (a loop); not read again",
                    pathlen ? c->path : "/");
        return false;
    }
    if (*depth == MAX_DEPTH) {
        ks_fmt_warn(c->ctx, ino->offset, "%s: directories nested deeper than %d; not read", c->path,
                    MAX_DEPTH);
        return false;
    }
    stack[(*depth)++] = (level){ino->offset, (uint64_t)ino->offset + ino->size, pathlen};
    return true;
}

static void walk(cramfs *c, const cinode *root)
{
    level stack[MAX_DEPTH];
    size_t depth = 0;
    ks_outbuf out = {0};
    c->path[0] = '\0';
    enter(c, stack, &depth, root, 0);
    while (depth > 0) {
        level *lv = &stack[depth - 1];
        if (lv->next + INODE > lv->end) {
            depth--;
            continue;
        }
        const uint8_t *p = c->d + lv->next;
        cinode ino = inode_at(c, p);
        if (ino.namelen == 0 || lv->next + INODE + ino.namelen > lv->end) {
            ks_fmt_warn(c->ctx, lv->next,
                        "directory entry: bad name length; the rest of the "
                        "directory is not read");
            depth--;
            continue;
        }
        lv->next += INODE + ino.namelen;
        name_path(c, p + INODE, ino.namelen, lv->pathlen);
        if (ks_fmt_entry(c->ctx) != 0)
            break;
        if (S_ISDIR(ino.mode))
            enter(c, stack, &depth, &ino, strlen(c->path));
        else if (S_ISREG(ino.mode) && emit_file(c, &ino, &out) != 0)
            break;
    }
    ks_outbuf_dispose(&out);
}

static int cramfs_expand(ks_fmt_ctx *ctx, const uint8_t *d, size_t n, uint64_t *consumed)
{
    cramfs c = {.ctx = ctx, .d = d, .be = ks_be32(d) == MAGIC};
    uint32_t size = rd32(&c, d + 4);
    c.flags = rd32(&c, d + 8);
    ks_fmt_claim(ctx);
    c.n = size >= SUPER && size < n ? size : n;
    *consumed = c.n;
    if (size > n)
        ks_fmt_warn(ctx, n, "truncated: the superblock says %u bytes, %zu are there", size, n);
    else if (c.flags & F_FSID_V2) {
        /* The CRC of the image with its CRC field zero. */
        uint32_t crc = (uint32_t)crc32(0, d, 32);
        crc = (uint32_t)crc32(crc, (const Bytef *)"\0\0\0\0", 4);
        crc = (uint32_t)crc32(crc, d + 36, (uInt)(c.n - 36));
        if (crc != rd32(&c, d + 32))
            ks_fmt_warn(ctx, 32, "the image's CRC does not match; read all the same");
    }
    if (c.flags & ~F_KNOWN)
        ks_fmt_warn(ctx, 8, "unknown flags 0x%x; read all the same", c.flags & ~F_KNOWN);
    cinode root = inode_at(&c, d + 64);
    if (!S_ISDIR(root.mode)) {
        ks_fmt_warn(ctx, 64, "the root inode is not a directory");
        return 0;
    }
    c.seen = ks_xcalloc(c.n / 32 + 1, 1);
    walk(&c, &root);
    free(c.seen);
    return 0;
}

static const ks_signature cramfs_sigs[] = {{"Compressed ROMFS", 16, 16}};

const ks_format ks_format_cramfs = {
    .name = "cramfs",
    .sniff = cramfs_sniff,
    .expand = cramfs_expand,
    .sigs = cramfs_sigs,
    .nsigs = 1,
};
