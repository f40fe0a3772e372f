/*
 * uimage.c - U-Boot legacy images (mkimage): a 64-byte big-endian header
 * with its own CRC32, then the payload (a kernel, a ramdisk, a script, or
 * for multi-file images a table of sizes and the parts).
 *
 * The child is the payload, a slice of the input (its offsets are the
 * image's); a compressed payload is then sniffed as gzip, lzma, ... like
 * any blob. A payload CRC that does not match is warned about and the
 * payload is read all the same.
 */
#include "format.h"

#include <stdio.h>
#include <string.h>
#include <zlib.h>

#define HDR 64
#define IH_TYPE_MULTI 4
#define IH_COMP_NONE 0

static bool uimage_sniff(const uint8_t *d, size_t n)
{
    if (n < HDR || ks_be32(d) != 0x27051956u)
        return false;
    uint8_t h[HDR];
    memcpy(h, d, HDR);
    memset(h + 4, 0, 4);
    return crc32(0, h, HDR) == ks_be32(d + 4);
}

static int uimage_expand(ks_fmt_ctx *ctx, const uint8_t *d, size_t n, uint64_t *consumed)
{
    uint32_t size = ks_be32(d + 12), load = ks_be32(d + 16), dcrc = ks_be32(d + 24);
    uint8_t type = d[30], comp = d[31];
    char name[33];
    memcpy(name, d + 32, 32);
    name[32] = '\0';
    ks_fmt_claim(ctx);
    size_t avail = n - HDR;
    if (size > avail) {
        ks_fmt_warn(ctx, n, "truncated: the header says %u bytes of payload, %zu are there",
                    size, avail);
        size = (uint32_t)avail;
    } else if (crc32(0, d + HDR, size) != dcrc) {
        ks_fmt_warn(ctx, HDR, "payload CRC does not match the header (image \"%s\")", name);
    }
    *consumed = HDR + (uint64_t)size;
    if (type != IH_TYPE_MULTI) {
        ks_child c = {.kind = KS_CHILD_STREAM,
                      .data = d + HDR,
                      .len = size,
                      .parent_offset = HDR,
                      .has_vaddr = comp == IH_COMP_NONE && load != 0,
                      .vaddr = load};
        ks_fmt_emit(ctx, &c);
        return 0;
    }
    /* Multi-file: sizes (big-endian words, ending with 0), then the parts,
     * each padded to four bytes. */
    size_t nparts = 0;
    while (4 * (nparts + 1) <= size && ks_be32(d + HDR + 4 * nparts) != 0)
        nparts++;
    uint64_t off = HDR + 4 * ((uint64_t)nparts + 1);
    for (size_t i = 0; i < nparts; i++) {
        uint32_t len = ks_be32(d + HDR + 4 * i);
        if (off + len > HDR + (uint64_t)size) {
            ks_fmt_warn(ctx, off, "part %zu runs past the payload", i);
            break;
        }
        char part[32];
        snprintf(part, sizeof part, "part%zu", i);
        ks_child c = {.kind = KS_CHILD_SECTION,
                      .name = part,
                      .data = d + off,
                      .len = len,
                      .parent_offset = off};
        if (ks_fmt_emit(ctx, &c) != 0)
            break;
        off += ((uint64_t)len + 3) & ~3ull;
    }
    return 0;
}

static const ks_signature uimage_sigs[] = {{"\x27\x05\x19\x56", 4, 0}};

const ks_format ks_format_uimage = {
    .name = "uimage",
    .sniff = uimage_sniff,
    .expand = uimage_expand,
    .sigs = uimage_sigs,
    .nsigs = 1,
};
