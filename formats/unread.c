/*
 * unread.c - containers keysift recognises but does not read yet: EROFS,
 * F2FS, Android sparse images, lzop files, and SquashFS before version 4.
 *
 * Each is reported as "not unpacked" (once per input and kind, counted in
 * the summary) instead of being passed over in silence; its bytes are then
 * searched like any unknown binary, so what these file systems store
 * uncompressed, or as zlib, xz or lzma streams, is still found.
 */
#include "format.h"

#include <string.h>
#include <zlib.h>

static bool erofs_sniff(const uint8_t *d, size_t n)
{
    return n >= 1024 + 128 && ks_le32(d + 1024) == 0xe0f5e1e2u && d[1024 + 12] >= 9 &&
           d[1024 + 12] <= 16;
}

static bool f2fs_sniff(const uint8_t *d, size_t n)
{
    return n >= 1024 + 64 && ks_le32(d + 1024) == 0xf2f52010u && ks_le16(d + 1028) == 1;
}

static bool sparse_sniff(const uint8_t *d, size_t n)
{
    return n >= 28 && ks_le32(d) == 0xed26ff3au && ks_le16(d + 4) == 1 && ks_le16(d + 8) == 28;
}

static bool lzop_sniff(const uint8_t *d, size_t n)
{
    /* Magic, then lzop's version (0.90 and later) and an LZO1X method. */
    if (n < 32 || memcmp(d, "\x89LZO\0\r\n\x1a\n", 9) != 0)
        return false;
    unsigned version = (unsigned)d[9] << 8 | d[10];
    uint8_t method = version >= 0x0940 ? d[15] : d[13];
    return version >= 0x0900 && version < 0x2000 && method >= 1 && method <= 3;
}

static bool squashfs3_sniff(const uint8_t *d, size_t n)
{
    /* The version-1 to -3 superblock: major at 28, block_log at 34, and
     * from version 2 the block size at 51, which must be 2^block_log. */
    if (n < 96)
        return false;
    bool be = memcmp(d, "sqsh", 4) == 0;
    if (!be && memcmp(d, "hsqs", 4) != 0)
        return false;
    unsigned major = be ? (unsigned)(d[28] << 8 | d[29]) : ks_le16(d + 28);
    unsigned log = be ? (unsigned)(d[34] << 8 | d[35]) : ks_le16(d + 34);
    if (major < 1 || major > (be ? 4u : 3u) || log < 12 || log > 20)
        return false;
    if (major >= 2) {
        uint32_t bs = be ? ks_be32(d + 51) : ks_le32(d + 51);
        return bs == 1u << log;
    }
    return true;
}

static int report(ks_fmt_ctx *ctx, const char *what)
{
    ks_fmt_not_unpacked(ctx, 0, "%s is not read by keysift yet; its bytes are searched for "
                                "strings and embedded streams instead",
                        what);
    return KS_EINVAL;
}

#define UNREAD(var, nm, what, sniffer, ...)                                                   \
    static int var##_expand(ks_fmt_ctx *ctx, const uint8_t *d, size_t n, uint64_t *consumed)  \
    {                                                                                         \
        (void)d;                                                                              \
        (void)n;                                                                              \
        *consumed = 0;                                                                        \
        return report(ctx, what);                                                             \
    }                                                                                         \
    static const ks_signature var##_sigs[] = {__VA_ARGS__};                                   \
    const ks_format ks_format_##var = {                                                       \
        .name = nm,                                                                           \
        .sniff = sniffer,                                                                     \
        .expand = var##_expand,                                                               \
        .sigs = var##_sigs,                                                                   \
        .nsigs = sizeof var##_sigs / sizeof var##_sigs[0],                                    \
    };

UNREAD(erofs, "erofs", "an EROFS file system", erofs_sniff, {"\xe2\xe1\xf5\xe0", 4, 1024})
UNREAD(f2fs, "f2fs", "an F2FS file system", f2fs_sniff, {"\x10\x20\xf5\xf2", 4, 1024})
UNREAD(sparse, "android-sparse", "an Android sparse image", sparse_sniff,
       {"\x3a\xff\x26\xed", 4, 0})
UNREAD(lzop, "lzop", "an lzop stream (no LZO library)", lzop_sniff,
       {"\x89LZO\0\r\n\x1a\n", 9, 0})
UNREAD(squashfs3, "squashfs3", "SquashFS before version 4 (or big endian)", squashfs3_sniff,
       {"sqsh", 4, 0}, {"hsqs", 4, 0})
