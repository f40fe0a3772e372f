/*
 * fwhdr.c - vendor firmware headers around a kernel and a root file
 * system, read from their public layouts (OpenWrt's firmware-utils:
 * trx.c, mkchkimg.c, seama.h, mktplinkfw.c, mktplinkfw2.c):
 *
 *   trx     Broadcom TRX: "HDR0", total length, CRC-32, flags and version,
 *           3 (version 1) or 4 (version 2) partition offsets; little endian
 *   chk     Netgear CHK: 0x2a23245e, header length (with the board id),
 *           kernel and rootfs checksums and lengths; big endian
 *   seama   D-Link SEAMA: 0x5ea3a417, meta data size, image size, MD5
 *   tplink  TP-Link v1 (vendor and version strings) and v2 (version string)
 *           headers of 512 bytes: kernel and rootfs offsets and lengths
 *
 * Each emits its parts as sections named after the format and the part
 * ("fw.bin!trx!rootfs"), slices of the input, which are then sniffed like
 * any blob (a SquashFS, a gzip'd kernel). A checksum that does not match
 * or a part that runs past the end is warned about, and what is there is
 * read all the same; a header found by carving counts only when its
 * checksum matches (TP-Link's MD5 is salted per model: there, only the
 * strict sniff). Xiaomi and QNAP images have no public layout clear enough
 * to read and are left to carving.
 */
#include "format.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

/* Emit part `name` of format `fmt`: d[off, off + len) of the n bytes
 * there, cut (with a warning) where it runs past them. */
static int emit_part(ks_fmt_ctx *ctx, const char *fmt, const char *name, const uint8_t *d,
                     size_t n, uint64_t off, uint64_t len)
{
    char label[64];
    if (off >= n) {
        ks_fmt_warn(ctx, off, "truncated: the %s (%llu bytes) is missing", name,
                    (unsigned long long)len);
        return 0;
    }
    if (len > n - off) {
        ks_fmt_warn(ctx, off, "truncated: the %s has %llu of its %llu bytes", name,
                    (unsigned long long)(n - off), (unsigned long long)len);
        len = n - off;
    }
    if (len == 0)
        return 0;
    snprintf(label, sizeof label, "%s!%s", fmt, name);
    ks_child c = {.kind = KS_CHILD_SECTION,
                  .name = label,
                  .data = d + off,
                  .len = (size_t)len,
                  .parent_offset = off};
    return ks_fmt_emit(ctx, &c);
}

/* ------------------------------------------------------------------------ */
/* Broadcom TRX                                                              */

#define TRX_MAGIC 0x30524448u /* "HDR0" */

static unsigned trx_nparts(const uint8_t *d)
{
    return (ks_le32(d + 12) >> 16) == 2 ? 4 : 3;
}

static bool trx_sniff(const uint8_t *d, size_t n)
{
    if (n < 32 || ks_le32(d) != TRX_MAGIC)
        return false;
    unsigned version = ks_le32(d + 12) >> 16, np = trx_nparts(d);
    uint32_t len = ks_le32(d + 4), hdr = 16 + 4 * np, prev = 0;
    if (version < 1 || version > 2 || len < hdr || ks_le32(d + 16) == 0)
        return false;
    for (unsigned i = 0; i < np; i++) {
        uint32_t off = ks_le32(d + 16 + 4 * i);
        if (off == 0)
            break;
        if (off < hdr || off >= len || off <= prev)
            return false;
        prev = off;
    }
    return true;
}

static int trx_expand(ks_fmt_ctx *ctx, const uint8_t *d, size_t n, uint64_t *consumed)
{
    static const char *const names2[] = {"kernel", "rootfs"};
    static const char *const names3[] = {"loader", "kernel", "rootfs"};
    uint32_t len = ks_le32(d + 4), np = trx_nparts(d), offs[5];
    unsigned k = 0;
    while (k < np && ks_le32(d + 16 + 4 * k) != 0) {
        offs[k] = ks_le32(d + 16 + 4 * k);
        k++;
    }
    offs[k] = len;
    /* The CRC covers flags, version, offsets and the parts: zlib's CRC-32
     * without its final inversion. */
    bool whole = len <= n;
    bool crc_ok = whole && (uint32_t)~crc32(0, d + 12, len - 12) == ks_le32(d + 8);
    if (ks_fmt_carved(ctx) && !crc_ok)
        return KS_EINVAL;
    ks_fmt_claim(ctx);
    if (!whole)
        ks_fmt_warn(ctx, n, "truncated: the header says %u bytes, %zu are there", len, n);
    else if (!crc_ok)
        ks_fmt_warn(ctx, 8, "CRC-32 does not match the header; the parts are read all the same");
    *consumed = whole ? len : n;
    for (unsigned i = 0; i < k; i++) {
        char part[16];
        const char *name = part;
        if (k == 2)
            name = names2[i];
        else if (k == 3)
            name = names3[i];
        else
            snprintf(part, sizeof part, "part%u", i);
        if (emit_part(ctx, "trx", name, d, n, offs[i], offs[i + 1] - offs[i]) != 0)
            break;
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Netgear CHK                                                               */

#define CHK_MAGIC 0x2a23245eu
#define CHK_FIXED 40   /* the header before the board id */
#define CHK_BOARD 64   /* longest board id */

/* Netgear's checksum: two running sums folded to 16 bits each. */
static uint32_t netgear_sum(const uint8_t *p, size_t n, const uint8_t *skip)
{
    uint32_t c0 = 0, c1 = 0;
    for (size_t i = 0; i < n; i++) {
        /* The header's own checksum counts as zeros. */
        uint8_t b = skip && p + i >= skip && p + i < skip + 4 ? 0 : p[i];
        c0 += b;
        c1 += c0;
    }
    uint32_t b = (c0 & 0xffff) + (c0 >> 16);
    c0 = ((b >> 16) + b) & 0xffff;
    b = (c1 & 0xffff) + (c1 >> 16);
    c1 = ((b >> 16) + b) & 0xffff;
    return c1 << 16 | c0;
}

static bool chk_sniff(const uint8_t *d, size_t n)
{
    if (n < CHK_FIXED || ks_be32(d) != CHK_MAGIC)
        return false;
    uint32_t hl = ks_be32(d + 4), kl = ks_be32(d + 24), rl = ks_be32(d + 28);
    if (hl < CHK_FIXED || hl > CHK_FIXED + CHK_BOARD || hl > n || kl == 0)
        return false;
    /* The board id: printable, e.g. "U12H139T00_NETGEAR". */
    for (uint32_t i = CHK_FIXED; i < hl; i++)
        if (d[i] < 0x20 || d[i] > 0x7e)
            return false;
    return (uint64_t)kl + rl <= UINT32_MAX;
}

static int chk_expand(ks_fmt_ctx *ctx, const uint8_t *d, size_t n, uint64_t *consumed)
{
    uint32_t hl = ks_be32(d + 4), kl = ks_be32(d + 24), rl = ks_be32(d + 28);
    uint64_t end = (uint64_t)hl + kl + rl;
    bool whole = end <= n;
    bool hdr_ok = netgear_sum(d, hl, d + 36) == ks_be32(d + 36);
    bool k_ok = whole && netgear_sum(d + hl, kl, NULL) == ks_be32(d + 16);
    bool r_ok = whole && netgear_sum(d + hl + kl, rl, NULL) == ks_be32(d + 20);
    if (ks_fmt_carved(ctx) && !(hdr_ok && k_ok))
        return KS_EINVAL;
    ks_fmt_claim(ctx);
    if (!whole)
        ks_fmt_warn(ctx, n, "truncated: the header says %llu bytes, %zu are there",
                    (unsigned long long)end, n);
    else if (!hdr_ok || !k_ok || !r_ok)
        ks_fmt_warn(ctx, 16, "%s checksum does not match; the parts are read all the same",
                    !hdr_ok ? "header" : !k_ok ? "kernel" : "rootfs");
    *consumed = whole ? end : n;
    if (emit_part(ctx, "chk", "kernel", d, n, hl, kl) == 0)
        emit_part(ctx, "chk", "rootfs", d, n, (uint64_t)hl + kl, rl);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* D-Link SEAMA                                                              */

#define SEAMA_MAGIC 0x5ea3a417u
#define SEAMA_HDR 28

static bool seama_sniff(const uint8_t *d, size_t n)
{
    if (n < SEAMA_HDR || ks_be32(d) != SEAMA_MAGIC || d[4] != 0 || d[5] != 0)
        return false;
    size_t meta = (size_t)(d[6] << 8 | d[7]);
    if (meta > n - SEAMA_HDR || meta > 4096)
        return false;
    /* Meta data: NUL-separated "key=value" strings. */
    for (size_t i = 0; i < meta; i++) {
        uint8_t c = d[SEAMA_HDR + i];
        if (c != 0 && (c < 0x20 || c > 0x7e))
            return false;
    }
    return true;
}

static bool md5_matches(const uint8_t *p, size_t n, const uint8_t *want)
{
    uint8_t md[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    return EVP_Digest(p, n, md, &len, EVP_md5(), NULL) == 1 && len == 16 &&
           memcmp(md, want, 16) == 0;
}

static int seama_expand(ks_fmt_ctx *ctx, const uint8_t *d, size_t n, uint64_t *consumed)
{
    size_t meta = (size_t)(d[6] << 8 | d[7]);
    uint64_t off = SEAMA_HDR + meta, size = ks_be32(d + 8);
    /* A "seal" header has no size of its own: what follows is the image
     * (usually another SEAMA header). */
    bool seal = size == 0;
    if (seal)
        size = n - off;
    bool whole = size <= n - off;
    bool md5_ok = seal || (whole && md5_matches(d + off, (size_t)size, d + 12));
    if (ks_fmt_carved(ctx) && (!whole || !md5_ok || seal))
        return KS_EINVAL;
    ks_fmt_claim(ctx);
    if (!whole)
        ks_fmt_warn(ctx, n, "truncated: the header says %llu bytes of image, %llu are there",
                    (unsigned long long)size, (unsigned long long)(n - off));
    else if (!md5_ok)
        ks_fmt_warn(ctx, 12, "MD5 of the image does not match; read all the same");
    *consumed = whole ? off + size : n;
    emit_part(ctx, "seama", "image", d, n, off, size);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* TP-Link                                                                   */

#define TPL_HDR 512

/* A NUL-padded string field of `len` bytes: at least `min` printable
 * characters, then only NULs. */
static bool padded_string(const uint8_t *p, size_t len, size_t min)
{
    size_t i = 0;
    while (i < len && p[i] >= 0x20 && p[i] <= 0x7e)
        i++;
    if (i < min)
        return false;
    for (; i < len; i++)
        if (p[i] != 0)
            return false;
    return true;
}

/* Where the v1 (0x74) or v2 (0x68) header keeps kernel_la and what
 * follows it: load address, entry, total length, kernel offset and
 * length, rootfs offset and length. */
static size_t tpl_fields(const uint8_t *d)
{
    return ks_be32(d) == 1 ? 0x74 : 0x68;
}

static bool tplink_sniff(const uint8_t *d, size_t n)
{
    if (n < TPL_HDR)
        return false;
    uint32_t version = ks_be32(d);
    if (version == 1) {
        if (!padded_string(d + 4, 24, 4) || !padded_string(d + 28, 36, 1))
            return false;
    } else if (version == 2 || version == 3) {
        if (!padded_string(d + 4, 48, 4))
            return false;
    } else {
        return false;
    }
    const uint8_t *f = d + tpl_fields(d);
    uint64_t total = ks_be32(f + 8), ko = ks_be32(f + 12), kl = ks_be32(f + 16);
    uint64_t ro = ks_be32(f + 20), rl = ks_be32(f + 24);
    return ko >= TPL_HDR && kl > 0 && ko + kl <= total && (rl == 0 || ro >= TPL_HDR) &&
           ro + rl <= total && (rl == 0 || ro >= ko + kl || ro + rl <= ko);
}

static int tplink_expand(ks_fmt_ctx *ctx, const uint8_t *d, size_t n, uint64_t *consumed)
{
    const uint8_t *f = d + tpl_fields(d);
    uint64_t total = ks_be32(f + 8), ko = ks_be32(f + 12), kl = ks_be32(f + 16);
    uint64_t ro = ks_be32(f + 20), rl = ks_be32(f + 24);
    ks_fmt_claim(ctx);
    if (total > n)
        ks_fmt_warn(ctx, n, "truncated: the header says %llu bytes, %zu are there",
                    (unsigned long long)total, n);
    *consumed = total <= n ? total : n;
    if (emit_part(ctx, "tplink", "kernel", d, n, ko, kl) == 0 && rl)
        emit_part(ctx, "tplink", "rootfs", d, n, ro, rl);
    return 0;
}

static const ks_signature trx_sigs[] = {{"HDR0", 4, 0}};
static const ks_signature chk_sigs[] = {{"\x2a\x23\x24\x5e", 4, 0}};
static const ks_signature seama_sigs[] = {{"\x5e\xa3\xa4\x17", 4, 0}};
static const ks_signature tplink_sigs[] = {{"TP-LINK Technologies", 20, 4}};

const ks_format ks_format_trx = {
    .name = "trx",
    .sniff = trx_sniff,
    .expand = trx_expand,
    .sigs = trx_sigs,
    .nsigs = 1,
};

const ks_format ks_format_chk = {
    .name = "chk",
    .sniff = chk_sniff,
    .expand = chk_expand,
    .sigs = chk_sigs,
    .nsigs = 1,
};

const ks_format ks_format_seama = {
    .name = "seama",
    .sniff = seama_sniff,
    .expand = seama_expand,
    .sigs = seama_sigs,
    .nsigs = 1,
};

const ks_format ks_format_tplink = {
    .name = "tplink",
    .sniff = tplink_sniff,
    .expand = tplink_expand,
    .sigs = tplink_sigs,
    .nsigs = 1,
};
