/*
 * xz.c - xz streams (concatenated ones too) and legacy .lzma files, through
 * liblzma.
 *
 * One child: the decoded stream, held in memory or, when it is large,
 * read as a stream (xz_read decodes as the scan asks; the input may itself
 * be a stream). liblzma is given a memory limit: a header
 * may ask for a dictionary of any size, and a stream that needs more than
 * MEMLIMIT is reported as not unpacked rather than trusted. Legacy .lzma
 * (LZMA_Alone, common in kernels and bootloaders) has no magic, only a
 * header of properties: the sniff checks them and that the range coder's
 * first byte is zero, as every encoder writes it.
 */
#include "format.h"

#include <lzma.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* Streams being decoded, read by whoever pulls their output (xz_read):
 * the input is a blob in memory (d, n) or a stream (st). */
typedef struct xzd {
    ks_fmt_ctx *ctx;
    lzma_stream z;
    bool alone, open;
    ks_fmt_input in; /* handed to liblzma so far: in.fed */
    uint64_t out;    /* bytes decoded */
    uint64_t good;   /* output of the streams that came to their end */
    bool ended;      /* no more output */
    bool any_end;    /* a stream came to its end */
} xzd;

static uint64_t xz_used(const xzd *x)
{
    return x->in.fed - x->z.avail_in;
}

static bool xz_refill(xzd *x)
{
    const uint8_t *p;
    size_t k = ks_fmt_input_next(&x->in, &p);
    if (k == 0)
        return false;
    x->z.next_in = p;
    x->z.avail_in = k;
    return true;
}

static bool xz_start(xzd *x)
{
    lzma_ret rc = x->alone ? lzma_alone_decoder(&x->z, MEMLIMIT)
                           : lzma_stream_decoder(&x->z, MEMLIMIT, 0);
    x->open = rc == LZMA_OK;
    return x->open;
}

/* xz streams may follow each other, with zero padding in words. The next
 * one must start within the input bytes at hand (32 of them sniffed). */
static bool xz_next_stream(xzd *x)
{
    if (x->alone)
        return false;
    for (;;) {
        if (x->z.avail_in == 0 && !xz_refill(x))
            return false;
        while (x->z.avail_in >= 4 && ks_le32(x->z.next_in) == 0) {
            x->z.next_in += 4;
            x->z.avail_in -= 4;
        }
        if (x->z.avail_in)
            break;
    }
    if (x->z.avail_in < 32 && x->in.fd >= 0) {
        /* The next header straddles a piece read from the file: read again
         * from here. (From memory all the rest is at hand.) */
        ks_fmt_input_unread(&x->in, x->z.avail_in);
        x->z.avail_in = 0;
        xz_refill(x);
    }
    if (x->z.avail_in < 32 || !xz_sniff(x->z.next_in, x->z.avail_in))
        return false;
    return xz_start(x);
}

/* ks_fmt_read_fn: the next decoded bytes. */
static size_t xz_read(void *payload, uint8_t *dst, size_t want)
{
    xzd *x = payload;
    size_t o = 0;
    while (o < want && !x->ended) {
        if (x->z.avail_in == 0)
            xz_refill(x);
        size_t room = want - o;
        x->z.next_out = dst + o;
        x->z.avail_out = room > STEP ? STEP : room;
        size_t before = x->z.avail_out;
        lzma_ret rc = lzma_code(&x->z, x->z.avail_in ? LZMA_RUN : LZMA_FINISH);
        size_t got = before - x->z.avail_out;
        o += got;
        x->out += got;
        if (got && ks_fmt_reserve(x->ctx, got, xz_used(x)) != 0) {
            x->ended = true;
            break;
        }
        if (rc == LZMA_OK)
            continue;
        if (rc == LZMA_STREAM_END) {
            x->any_end = true;
            x->good = x->out;
            if (!xz_next_stream(x))
                x->ended = true;
            continue;
        }
        x->ended = true;
        if (rc == LZMA_MEMLIMIT_ERROR)
            ks_fmt_not_unpacked(x->ctx, 0, "needs more than %llu MB of memory to decode",
                                (unsigned long long)(MEMLIMIT >> 20));
        else if (rc == LZMA_BUF_ERROR)
            ks_fmt_warn(x->ctx, xz_used(x),
                        "truncated: the stream ends after %llu bytes of input, %llu decoded",
                        (unsigned long long)xz_used(x), (unsigned long long)x->out);
        else
            ks_fmt_warn(x->ctx, xz_used(x),
                        "corrupt stream (liblzma error %d) after %llu bytes decoded", (int)rc,
                        (unsigned long long)x->out);
    }
    return o;
}

/* Decode from memory (d, n) or from st; emit the decoded bytes, held in
 * memory or, when they are large, as a stream. */
static int decode(ks_fmt_ctx *ctx, const uint8_t *d, size_t n, ks_fmt_stream *st,
                  uint64_t *consumed, bool alone)
{
    xzd x = {.ctx = ctx, .z = LZMA_STREAM_INIT, .alone = alone};
    ks_fmt_input_open(ctx, &x.in, d, n, st);
    if (!xz_start(&x)) {
        lzma_end(&x.z);
        return KS_EINVAL;
    }
    ks_outbuf out = {0};
    int result = 0;
    ks_child c = {.kind = KS_CHILD_STREAM, .parent_offset = KS_NO_OFFSET};
    if (ks_outbuf_fill(ctx, &out, xz_read, &x)) {
        *consumed = xz_used(&x);
        /* Found by carving, only streams that came to their end count: a
         * lookalike (lzma has no magic to speak of) must not swallow the
         * bytes behind it, which are scanned as strings instead. */
        if (ks_fmt_carved(ctx)) {
            out.len = (size_t)x.good;
            if (!x.good)
                *consumed = 0;
        }
        if (out.len) {
            c.data = out.data;
            c.len = out.len;
            ks_fmt_emit(ctx, &c);
        } else if (!x.any_end) {
            result = KS_EINVAL;
        }
    } else {
        c.data = out.data;
        c.len = out.len;
        ks_fmt_emit_stream(ctx, &c, xz_read, &x);
        /* Decode what the reader left, unseen, to know where it ends. */
        uint8_t sink[65536];
        while (!x.ended && xz_read(&x, sink, sizeof sink) > 0)
            ;
        *consumed = xz_used(&x);
    }
    lzma_end(&x.z);
    ks_outbuf_dispose(&out);
    ks_fmt_input_dispose(&x.in);
    return result;
}

static int xz_expand(ks_fmt_ctx *ctx, const uint8_t *d, size_t n, uint64_t *consumed)
{
    return decode(ctx, d, n, NULL, consumed, false);
}

static int lzma_expand(ks_fmt_ctx *ctx, const uint8_t *d, size_t n, uint64_t *consumed)
{
    return decode(ctx, d, n, NULL, consumed, true);
}

static int xz_expand_stream(ks_fmt_ctx *ctx, ks_fmt_stream *in)
{
    uint64_t consumed;
    return decode(ctx, NULL, 0, in, &consumed, false);
}

static int lzma_expand_stream(ks_fmt_ctx *ctx, ks_fmt_stream *in)
{
    uint64_t consumed;
    return decode(ctx, NULL, 0, in, &consumed, true);
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
    .expand_stream = xz_expand_stream,
};

const ks_format ks_format_lzma = {
    .name = "lzma",
    .sniff = lzma_sniff,
    .expand = lzma_expand,
    .sigs = lzma_sigs,
    .nsigs = sizeof lzma_sigs / sizeof lzma_sigs[0],
    .expand_stream = lzma_expand_stream,
};
