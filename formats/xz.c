/*
 * xz.c - xz streams (concatenated ones too) and legacy .lzma files, through
 * liblzma.
 *
 * One child: the decoded stream. liblzma is given a memory limit: a header
 * may ask for a dictionary of any size, and a stream that needs more than
 * MEMLIMIT is reported as not unpacked rather than trusted. Legacy .lzma
 * (LZMA_Alone, common in kernels and bootloaders) has no magic, only a
 * header of properties: the sniff checks them and that the range coder's
 * first byte is zero, as every encoder writes it.
 */
#include "format.h"

#include <lzma.h>
#include <string.h>

#define STEP (1u << 20)
#define MEMLIMIT (256ull << 20)

static bool probe(const uint8_t *d, size_t n, bool alone)
{
    lzma_stream z = LZMA_STREAM_INIT;
    if ((alone ? lzma_alone_decoder(&z, MEMLIMIT) : lzma_stream_decoder(&z, MEMLIMIT, 0)) !=
        LZMA_OK)
        return false;
    uint8_t out[1024];
    z.next_in = d;
    z.avail_in = n < 4096 ? n : 4096;
    z.next_out = out;
    z.avail_out = sizeof out;
    lzma_ret rc = lzma_code(&z, LZMA_RUN);
    bool ok = rc == LZMA_STREAM_END || (rc == LZMA_OK && (z.total_out > 0 || !alone));
    lzma_end(&z);
    return ok;
}

static bool xz_sniff(const uint8_t *d, size_t n)
{
    static const uint8_t magic[6] = {0xfd, '7', 'z', 'X', 'Z', 0};
    if (n < 32 || memcmp(d, magic, 6) != 0 || d[6] != 0 || (d[7] & 0xf0))
        return false;
    return probe(d, n, false);
}

static bool lzma_sniff(const uint8_t *d, size_t n)
{
    if (n < 32 || d[0] >= 9 * 5 * 5 || d[13] != 0)
        return false;
    uint32_t dict = ks_le32(d + 1);
    /* Dictionary sizes an encoder writes: 2^n or 2^n + 2^(n-1), 4 KiB..1 GiB. */
    bool shaped = false;
    for (int b = 12; b <= 30 && !shaped; b++)
        shaped = dict == 1u << b || dict == (1u << b) + (1u << (b - 1));
    if (!shaped)
        return false;
    uint64_t size = ks_le64(d + 5);
    if (size != UINT64_MAX && (size == 0 || size > (1ull << 40)))
        return false;
    return probe(d, n, true);
}

/* Decode one stream from d[0..n) into out. Returns the input bytes used;
 * *ended tells whether the stream came to its proper end. */
static size_t decode_one(ks_fmt_ctx *ctx, const uint8_t *d, size_t n, uint64_t base, bool alone,
                         ks_outbuf *out, bool *ended, bool *stop)
{
    lzma_stream z = LZMA_STREAM_INIT;
    *ended = false;
    if ((alone ? lzma_alone_decoder(&z, MEMLIMIT) : lzma_stream_decoder(&z, MEMLIMIT, 0)) !=
        LZMA_OK) {
        *stop = true;
        return 0;
    }
    z.next_in = d;
    z.avail_in = n;
    for (;;) {
        if (ks_outbuf_room(ctx, out, STEP) != 0) {
            *stop = true;
            break;
        }
        size_t room = out->cap - out->len;
        z.next_out = out->data + out->len;
        z.avail_out = room > STEP ? STEP : room;
        size_t before = z.avail_out;
        lzma_ret rc = lzma_code(&z, z.avail_in ? LZMA_RUN : LZMA_FINISH);
        size_t got = before - z.avail_out;
        out->len += got;
        if (got && ks_fmt_reserve(ctx, got, base + z.total_in) != 0) {
            *stop = true;
            break;
        }
        if (rc == LZMA_OK)
            continue;
        if (rc == LZMA_STREAM_END) {
            *ended = true;
            break;
        }
        *stop = true;
        if (rc == LZMA_MEMLIMIT_ERROR)
            ks_fmt_not_unpacked(ctx, base, "needs more than %llu MB of memory to decode",
                                (unsigned long long)(MEMLIMIT >> 20));
        else if (rc == LZMA_BUF_ERROR)
            ks_fmt_warn(ctx, base + z.total_in,
                        "truncated: the stream ends after %llu bytes of input, %zu decoded",
                        (unsigned long long)(base + z.total_in), out->len);
        else
            ks_fmt_warn(ctx, base + z.total_in,
                        "corrupt stream (liblzma error %d) after %zu bytes decoded", (int)rc,
                        out->len);
        break;
    }
    size_t used = (size_t)z.total_in;
    lzma_end(&z);
    return used;
}

static int decode(ks_fmt_ctx *ctx, const uint8_t *d, size_t n, uint64_t *consumed, bool alone)
{
    ks_outbuf out = {0};
    size_t used = 0, good = 0; /* good: output of the streams that ended properly */
    bool ended = false, stop = false, any_end = false;
    for (;;) {
        used += decode_one(ctx, d + used, n - used, used, alone, &out, &ended, &stop);
        any_end |= ended;
        if (ended)
            good = out.len;
        if (stop || !ended || alone)
            break;
        /* xz streams may follow each other, with zero padding in words. */
        size_t p = used;
        while (p + 4 <= n && ks_le32(d + p) == 0)
            p += 4;
        if (n - p < 32 || !xz_sniff(d + p, n - p))
            break;
        used = p;
    }
    *consumed = used;
    int result = 0;
    /* Found by carving, only streams that came to their end count: a
     * lookalike (lzma has no magic to speak of) must not swallow the bytes
     * behind it, which are scanned as strings instead. */
    if (ks_fmt_carved(ctx)) {
        out.len = good;
        if (!good)
            *consumed = 0;
    }
    if (out.len) {
        ks_child c = {.kind = KS_CHILD_STREAM,
                      .data = out.data,
                      .len = out.len,
                      .parent_offset = KS_NO_OFFSET};
        ks_fmt_emit(ctx, &c);
    } else if (!any_end) {
        result = KS_EINVAL;
    }
    ks_outbuf_dispose(&out);
    return result;
}

static int xz_expand(ks_fmt_ctx *ctx, const uint8_t *d, size_t n, uint64_t *consumed)
{
    return decode(ctx, d, n, consumed, false);
}

static int lzma_expand(ks_fmt_ctx *ctx, const uint8_t *d, size_t n, uint64_t *consumed)
{
    return decode(ctx, d, n, consumed, true);
}

static const ks_signature xz_sigs[] = {{"\xfd" "7zXZ\0", 6, 0}};
/* Properties byte of the usual settings (lc=3 lp=0 pb=2; lc=1 lp=2 pb=2 of
 * OpenWrt kernels) followed by the low bytes of a dictionary size. */
static const ks_signature lzma_sigs[] = {
    {"\x5d\x00\x00", 3, 0},
    {"\x6d\x00\x00", 3, 0},
};

const ks_format ks_format_xz = {
    .name = "xz",
    .sniff = xz_sniff,
    .expand = xz_expand,
    .sigs = xz_sigs,
    .nsigs = 1,
};

const ks_format ks_format_lzma = {
    .name = "lzma",
    .sniff = lzma_sniff,
    .expand = lzma_expand,
    .sigs = lzma_sigs,
    .nsigs = sizeof lzma_sigs / sizeof lzma_sigs[0],
};
