/*
 * unread.c - containers keysift recognises but does not read yet: F2FS,
 * and SquashFS before version 4 or big endian.
 *
 * Each is reported as "not unpacked" (once per input and kind, counted in
 * the summary) instead of being passed over in silence; its bytes are then
 * searched like any unknown binary, so what these file systems store
 * uncompressed, or as zlib, xz or lzma streams, is still found.
 */
#include "format.h"

#include <string.h>
#include <zlib.h>

static bool f2fs_sniff(const uint8_t *d, size_t n)
{
    return n >= 1024 + 64 && ks_le32(d + 1024) == 0xf2f52010u && ks_le16(d + 1028) == 1;
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

UNREAD(f2fs, "f2fs", "an F2FS file system", f2fs_sniff, {"\x10\x20\xf5\xf2", 4, 1024})

/* SquashFS 1 to 3 and big-endian images: libsquashfs reads only version
 * 4.0 little endian, and unsquashfs (squashfs-tools) is a program, not a
 * library a scan may depend on. Say which variant it is and why. */
static int squashfs3_expand(ks_fmt_ctx *ctx, const uint8_t *d, size_t n, uint64_t *consumed)
{
    (void)n;
    bool be = memcmp(d, "sqsh", 4) == 0;
    unsigned major = be ? (unsigned)(d[28] << 8 | d[29]) : ks_le16(d + 28);
    unsigned minor = be ? (unsigned)(d[30] << 8 | d[31]) : ks_le16(d + 30);
    *consumed = 0;
    ks_fmt_not_unpacked(ctx, 0,
                        "%sSquashFS %u.%u: no library reads it (libsquashfs reads only version "
                        "4.0, little endian); its bytes are searched for strings and embedded "
                        "streams instead",
                        be ? "big-endian " : "", major, minor);
    return KS_EINVAL;
}

static const ks_signature squashfs3_sigs[] = {{"sqsh", 4, 0}, {"hsqs", 4, 0}};

const ks_format ks_format_squashfs3 = {
    .name = "squashfs3",
    .sniff = squashfs3_sniff,
    .expand = squashfs3_expand,
    .sigs = squashfs3_sigs,
    .nsigs = 2,
};
