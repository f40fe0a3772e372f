/*
 * romfs.c - RomFS images (genromfs; Documentation/filesystems/romfs.rst):
 * read from the on-media format, which no Debian library reads.
 *
 * DESIGN
 * All big-endian, everything 16-byte aligned. The superblock ("-rom1fs-",
 * size, checksum, volume name) is followed by the root directory's first
 * file header. A file header is the offset of the next header in the same
 * directory (its low 4 bits the type and an executable flag), a type
 * dependent word (a directory's first entry, a hard link's target), the
 * size, a checksum (the header and name sum to 0 as big-endian words),
 * the name (NUL-terminated, padded to 16), then the data.
 *
 * Regular files are emitted by path, as slices of the image (their offsets
 * are the image's). The directory tree is walked depth first with a stack
 * of bounded depth; every header is visited at most once (a bitmap over
 * the image), so a next-offset chain or a directory that points back ends.
 * Hard links are not followed: what they name is emitted under its own
 * path. A header with a bad checksum is warned about and still read; one
 * outside the image ends its directory with a warning.
 */
#include "format.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 128
#define PATH_MAX_LEN 4096
#define T_HARDLINK 0
#define T_DIR 1
#define T_FILE 2

/* The big-endian words of the first 512 bytes (or of the whole image, if
 * smaller) sum to 0. */
static bool super_sum_ok(const uint8_t *d, size_t n)
{
    uint32_t size = ks_be32(d + 8), sum = 0;
    size_t m = size < 512 ? size : 512;
    if (m > n)
        return false;
    for (size_t i = 0; i + 4 <= m; i += 4)
        sum += ks_be32(d + i);
    return sum == 0;
}

/* "-rom1fs-" and a plausible size; the checksum is checked by expand,
 * which reads a damaged superblock with a warning (but not a carved one). */
static bool romfs_sniff(const uint8_t *d, size_t n)
{
    return n >= 32 && memcmp(d, "-rom1fs-", 8) == 0 && ks_be32(d + 8) >= 32 &&
           ks_be32(d + 8) % 16 == 0;
}

/* Length of the NUL-terminated name at d[at..n), padded to 16; 0 when it
 * does not end inside the image. */
static size_t name_span(const uint8_t *d, size_t n, size_t at, size_t *len)
{
    const uint8_t *z = memchr(d + at, 0, n - at);
    if (!z)
        return 0;
    *len = (size_t)(z - (d + at));
    return (*len + 16) & ~(size_t)15;
}

typedef struct romfs {
    ks_fmt_ctx *ctx;
    const uint8_t *d;
    size_t n;
    uint8_t *seen; /* a bit per 16-byte slot: header visited */
    char path[PATH_MAX_LEN];
} romfs;

/* Mark header `at` visited; false when it was already. */
static bool visit(romfs *r, size_t at)
{
    size_t slot = at / 16;
    uint8_t bit = (uint8_t)(1u << (slot % 8));
    if (r->seen[slot / 8] & bit)
        return false;
    r->seen[slot / 8] |= bit;
    return true;
}

/* The header at `at`: checked, its name appended to the path (*plen is
 * the directory's path length). Returns the offset of its data, or 0 when
 * it cannot be read. */
static size_t header(romfs *r, size_t at, size_t dirlen, size_t *namelen)
{
    size_t span = at + 16 < r->n ? name_span(r->d, r->n, at + 16, namelen) : 0;
    if (span == 0 || at + 16 + span > r->n) {
        ks_fmt_warn(r->ctx, at, "truncated: a file header runs past the end of the image");
        return 0;
    }
    uint32_t sum = 0;
    for (size_t i = 0; i < 16 + span; i += 4)
        sum += ks_be32(r->d + at + i);
    if (sum != 0)
        ks_fmt_warn(r->ctx, at, "file header \"%.*s\": bad checksum; read all the same",
                    (int)(*namelen > 255 ? 255 : *namelen), (const char *)r->d + at + 16);
    if (dirlen + 1 + *namelen < sizeof r->path) {
        r->path[dirlen] = '/';
        memcpy(r->path + dirlen + 1, r->d + at + 16, *namelen);
        r->path[dirlen + 1 + *namelen] = '\0';
    } else {
        snprintf(r->path + dirlen, sizeof r->path - dirlen, "/(name too long)");
    }
    return at + 16 + span;
}

static int emit_file(romfs *r, size_t data, size_t at)
{
    uint32_t size = ks_be32(r->d + at + 8);
    if (size > r->n - data) {
        ks_fmt_warn(r->ctx, data, "truncated: %s has %u bytes, %zu are there", r->path, size,
                    r->n - data);
        size = (uint32_t)(r->n - data);
    }
    ks_child c = {.kind = KS_CHILD_MEMBER,
                  .name = r->path,
                  .data = r->d + data,
                  .len = size,
                  .parent_offset = data};
    return ks_fmt_emit(r->ctx, &c);
}

/* A directory being walked: the next header, the length of its path. */
typedef struct level {
    size_t next, pathlen;
} level;

static void walk(romfs *r, size_t first)
{
    level stack[MAX_DEPTH];
    size_t depth = 1;
    stack[0] = (level){first, 0};
    while (depth > 0) {
        level *lv = &stack[depth - 1];
        size_t at = lv->next, namelen = 0;
        if (at == 0) {
            depth--;
            continue;
        }
        if (at % 16 || at + 16 > r->n || !visit(r, at)) {
            ks_fmt_warn(r->ctx, at,
                        "file header %s (a loop, or out of the image); the rest of "
                        "the directory is not read",
                        at % 16 || at + 16 > r->n ? "out of place" : "seen before");
            depth--;
            continue;
        }
        uint32_t next = ks_be32(r->d + at), spec = ks_be32(r->d + at + 4);
        lv->next = next & ~15u;
        size_t data = header(r, at, lv->pathlen, &namelen);
        if (data == 0 || ks_fmt_entry(r->ctx) != 0)
            return;
        const uint8_t *name = r->d + at + 16;
        bool dot =
            (namelen == 1 && name[0] == '.') || (namelen == 2 && name[0] == '.' && name[1] == '.');
        if ((next & 7) == T_FILE) {
            if (emit_file(r, data, at) != 0)
                return;
        } else if ((next & 7) == T_DIR && !dot && spec != 0) {
            if (depth == MAX_DEPTH) {
                ks_fmt_warn(r->ctx, at, "%s: directories nested deeper than %d; not read", r->path,
                            MAX_DEPTH);
                continue;
            }
            stack[depth++] = (level){spec & ~15u, strlen(r->path)};
        }
    }
}

static int romfs_expand(ks_fmt_ctx *ctx, const uint8_t *d, size_t n, uint64_t *consumed)
{
    romfs r = {.ctx = ctx, .d = d};
    uint32_t size = ks_be32(d + 8);
    size_t vlen;
    if (!super_sum_ok(d, n)) {
        if (ks_fmt_carved(ctx))
            return KS_EINVAL;
        ks_fmt_warn(ctx, 12, "bad superblock checksum; read all the same");
    }
    ks_fmt_claim(ctx);
    r.n = size < n ? size : n;
    *consumed = r.n;
    if (size > n)
        ks_fmt_warn(ctx, n, "truncated: the superblock says %u bytes, %zu are there", size, n);
    size_t span = name_span(d, r.n, 16, &vlen);
    if (span == 0) {
        ks_fmt_warn(ctx, 16, "the volume name does not end inside the image");
        return 0;
    }
    r.seen = ks_xcalloc(r.n / 128 + 1, 1);
    walk(&r, 16 + span);
    free(r.seen);
    return 0;
}

static const ks_signature romfs_sigs[] = {{"-rom1fs-", 8, 0}};

const ks_format ks_format_romfs = {
    .name = "romfs",
    .sniff = romfs_sniff,
    .expand = romfs_expand,
    .sigs = romfs_sigs,
    .nsigs = 1,
};
