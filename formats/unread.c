/*
 * unread.c - containers keysift recognises but does not read yet: UBI and
 * UBIFS, JFFS2, CramFS, RomFS, ext2/3/4, F2FS, and SquashFS
 * before version 4 or big endian.
 *
 * Each is reported as "not unpacked" (once per input and kind, counted in
 * the summary) instead of being passed over in silence; its bytes are then
 * searched like any unknown binary, so what these file systems store
 * uncompressed, or as zlib, xz or lzma streams, is still found.
 */
#include "format.h"

#include <string.h>
#include <zlib.h>

/* CRC-32 (IEEE polynomial, reflected) from `seed`, without the final
 * inversion: what the Linux kernel's crc32() computes, used by JFFS2. */
static uint32_t crc32_raw(uint32_t crc, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++)
            crc = crc & 1 ? (crc >> 1) ^ 0xedb88320u : crc >> 1;
    }
    return crc;
}

static bool ubi_sniff(const uint8_t *d, size_t n)
{
    /* Erase-counter header: "UBI#", version 1, CRC of the first 60 bytes
     * (seed all ones, no final inversion). */
    return n >= 64 && memcmp(d, "UBI#", 4) == 0 && d[4] == 1 &&
           (uint32_t)~crc32(0, d, 60) == ks_be32(d + 60);
}

static bool ubifs_sniff(const uint8_t *d, size_t n)
{
    if (n < 24 || ks_le32(d) != 0x06101831u)
        return false;
    uint32_t len = ks_le32(d + 16);
    return len >= 24 && len <= n && len <= 1u << 20 && d[20] <= 12 &&
           (uint32_t)~crc32(0, d + 8, len - 8) == ks_le32(d + 4);
}

static bool jffs2_sniff(const uint8_t *d, size_t n)
{
    if (n < 12)
        return false;
    bool le = d[0] == 0x85 && d[1] == 0x19, be = d[0] == 0x19 && d[1] == 0x85;
    if (!le && !be)
        return false;
    uint32_t crc = le ? ks_le32(d + 8) : ks_be32(d + 8);
    return crc32_raw(0, d, 8) == crc;
}

static bool cramfs_sniff(const uint8_t *d, size_t n)
{
    return n >= 32 && (ks_le32(d) == 0x28cd3d45u || ks_be32(d) == 0x28cd3d45u) &&
           memcmp(d + 16, "Compressed ROMFS", 16) == 0;
}

static bool romfs_sniff(const uint8_t *d, size_t n)
{
    /* "-rom1fs-", the size, and a checksum that makes the big-endian words
     * of the first 512 bytes (or of the whole image, if smaller) sum to 0. */
    if (n < 32 || memcmp(d, "-rom1fs-", 8) != 0)
        return false;
    uint32_t size = ks_be32(d + 8);
    size_t m = size < 512 ? size : 512;
    if (size < 32 || m > n || m % 4)
        return false;
    uint32_t sum = 0;
    for (size_t i = 0; i < m; i += 4)
        sum += ks_be32(d + i);
    return sum == 0;
}

static bool ext_sniff(const uint8_t *d, size_t n)
{
    if (n < 2048 || ks_le16(d + 1080) != 0xef53)
        return false;
    const uint8_t *sb = d + 1024;
    return ks_le32(sb) > 0 && ks_le32(sb + 24) <= 6 && ks_le32(sb + 32) > 0 &&
           ks_le16(sb + 58) >= 1 && ks_le16(sb + 58) <= 4; /* inodes, log block size, state */
}

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

UNREAD(ubi, "ubi", "a UBI image", ubi_sniff, {"UBI#\001", 5, 0})
UNREAD(ubifs, "ubifs", "a UBIFS file system", ubifs_sniff, {"\x31\x18\x10\x06", 4, 0})
UNREAD(jffs2, "jffs2", "a JFFS2 file system", jffs2_sniff, {"\x85\x19\x01\xe0", 4, 0},
       {"\x85\x19\x02\xe0", 4, 0}, {"\x85\x19\x03\x20", 4, 0}, {"\x19\x85\xe0\x01", 4, 0},
       {"\x19\x85\xe0\x02", 4, 0}, {"\x19\x85\x20\x03", 4, 0})
UNREAD(cramfs, "cramfs", "a CramFS file system", cramfs_sniff, {"Compressed ROMFS", 16, 16})
UNREAD(romfs, "romfs", "a RomFS file system", romfs_sniff, {"-rom1fs-", 8, 0})
UNREAD(ext, "ext4", "an ext2/3/4 file system", ext_sniff, {"\x53\xef", 2, 1080})
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
