/*
 * gzip.c - gzip files (RFC 1952, members one after another) and zlib
 * streams (RFC 1950), inflated with zlib.
 *
 * One child: the decoded stream, held in memory, or read as a stream when
 * it is large (gz_read pulls input and produces output as the scan asks
 * for it; the input itself may be a stream). A stream that breaks off (truncated, or a
 * corrupt block) is warned about with the offset where it broke, and what
 * was decoded before is still scanned. A stream found by carving counts
 * only when it decodes to its end and its checksum matches (a zlib magic
 * is two bytes: random data has one every 64 KiB).
 *
 * Raw deflate has no signature of its own; it is read where a container
 * frames it (zip members, through libarchive).
 */
#include "format.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define STEP (1u << 20) /* output produced between budget checks */

/* Does inflate accept the first bytes? (A few KB of input, a little
 * output: enough to tell a stream from bytes that look like its header.) */
static bool probe(const uint8_t *d, size_t n, int wbits)
{
    uint8_t out[1024];
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, wbits) != Z_OK)
        return false;
    z.next_in = (Bytef *)(uintptr_t)d;
    z.avail_in = (uInt)(n < 4096 ? n : 4096);
    z.next_out = out;
    z.avail_out = sizeof out;
    int rc = inflate(&z, Z_SYNC_FLUSH);
    bool ok = rc == Z_STREAM_END || ((rc == Z_OK || rc == Z_BUF_ERROR) && z.total_out > 0);
    inflateEnd(&z);
    return ok;
}

static bool gzip_sniff(const uint8_t *d, size_t n)
{
    if (n < 18 || d[0] != 0x1f || d[1] != 0x8b || d[2] != 8 || (d[3] & 0xe0))
        return false;
    if (d[8] != 0 && d[8] != 2 && d[8] != 4)
        return false;
    if (d[9] > 13 && d[9] != 255)
        return false;
    return probe(d, n, 16 + MAX_WBITS);
}

static bool zlib_sniff(const uint8_t *d, size_t n)
{
    if (n < 8 || (d[0] & 0x0f) != 8 || (d[0] >> 4) > 7 || (d[1] & 0x20) ||
        ((unsigned)d[0] << 8 | d[1]) % 31 != 0)
        return false;
    return probe(d, n, MAX_WBITS);
}

/* A stream being inflated, read by whoever pulls its output (gz_read):
 * the input is a blob in memory (d, n) or a stream (st). */
typedef struct gz {
    ks_fmt_ctx *ctx;
    z_stream z;
    bool gzip;
    ks_fmt_input in; /* handed to zlib so far: in.fed */
    uint64_t out;    /* bytes decoded */
    bool ended;      /* no more output: the end, damage, or a budget */
    bool complete;   /* the last stream came to its end, checksum checked */
} gz;

/* Input bytes consumed by inflate. */
static uint64_t gz_used(const gz *g)
{
    return g->in.fed - g->z.avail_in;
}

/* More input for inflate once it has used what it had; false at the end. */
static bool gz_refill(gz *g)
{
    const uint8_t *p;
    size_t k = ks_fmt_input_next(&g->in, &p);
    if (k == 0)
        return false;
    g->z.next_in = (Bytef *)(uintptr_t)p;
    g->z.avail_in = (uInt)k;
    return true;
}

/* Another gzip member follows the one that ended (cat a.gz b.gz)? */
static bool gz_next_member(gz *g)
{
    if (!g->gzip)
        return false;
    if (g->z.avail_in == 0 && !gz_refill(g))
        return false;
    if (g->z.avail_in < 3 && g->in.fd >= 0) {
        /* The next header straddles a piece read from the file: read again
         * from here. (From memory all the rest is at hand.) */
        ks_fmt_input_unread(&g->in, g->z.avail_in);
        g->z.avail_in = 0;
        gz_refill(g);
    }
    const uint8_t *p = g->z.next_in;
    if (g->z.avail_in < 3 || p[0] != 0x1f || p[1] != 0x8b || p[2] != 8)
        return false;
    return inflateReset(&g->z) == Z_OK;
}

/* ks_fmt_read_fn: the next decoded bytes. */
static size_t gz_read(void *payload, uint8_t *dst, size_t want)
{
    gz *g = payload;
    size_t o = 0;
    while (o < want && !g->ended) {
        if (g->z.avail_in == 0 && !gz_refill(g)) {
            g->ended = true;
            ks_fmt_warn(g->ctx, gz_used(g),
                        "truncated: the stream ends after %llu bytes of input, %llu decoded",
                        (unsigned long long)gz_used(g), (unsigned long long)g->out);
            break;
        }
        size_t room = want - o;
        g->z.next_out = dst + o;
        g->z.avail_out = room > STEP ? STEP : (uInt)room;
        uInt before = g->z.avail_out;
        int rc = inflate(&g->z, Z_NO_FLUSH);
        size_t got = before - g->z.avail_out;
        o += got;
        g->out += got;
        g->complete = false;
        if (got && ks_fmt_reserve(g->ctx, got, gz_used(g)) != 0) {
            g->ended = true;
            break;
        }
        if (rc == Z_OK || (rc == Z_BUF_ERROR && (got || g->z.avail_in == 0)))
            continue;
        if (rc == Z_STREAM_END) {
            g->complete = true;
            if (!gz_next_member(g))
                g->ended = true;
            continue;
        }
        g->ended = true;
        ks_fmt_warn(g->ctx, gz_used(g), "corrupt stream (%s) after %llu bytes decoded",
                    g->z.msg ? g->z.msg : "data error", (unsigned long long)g->out);
    }
    return o;
}

/* Inflate from memory (d, n) or from st; emit the decoded stream, held in
 * memory or, when it is large, as a stream. */
static int inflate_emit(ks_fmt_ctx *ctx, const uint8_t *d, size_t n, ks_fmt_stream *st,
                        uint64_t *consumed, int wbits, bool gzip)
{
    gz g = {.ctx = ctx, .gzip = gzip};
    ks_fmt_input_open(ctx, &g.in, d, n, st);
    if (inflateInit2(&g.z, wbits) != Z_OK)
        return KS_ENOMEM;
    ks_outbuf out = {0};
    int rc = 0;
    ks_child c = {.kind = KS_CHILD_STREAM, .parent_offset = KS_NO_OFFSET};
    if (ks_outbuf_fill(ctx, &out, gz_read, &g)) {
        /* Found by carving, only a stream that checks out (to its end,
         * with its CRC-32 or Adler-32) counts: a lookalike must not
         * swallow the bytes behind it, which are scanned as strings
         * instead. */
        if (ks_fmt_carved(ctx) && !g.complete) {
            rc = KS_EINVAL;
        } else if (out.len) {
            c.data = out.data;
            c.len = out.len;
            ks_fmt_emit(ctx, &c);
        } else if (!g.complete) {
            rc = KS_EINVAL;
        }
    } else {
        c.data = out.data;
        c.len = out.len;
        ks_fmt_emit_stream(ctx, &c, gz_read, &g);
        /* What reads the stream may stop before its end (a tar's end
         * marker): inflate the rest unseen, to know where it ends. */
        uint8_t sink[65536];
        while (!g.ended && gz_read(&g, sink, sizeof sink) > 0)
            ;
    }
    *consumed = gz_used(&g);
    inflateEnd(&g.z);
    ks_outbuf_dispose(&out);
    ks_fmt_input_dispose(&g.in);
    return rc;
}

static int gzip_expand(ks_fmt_ctx *ctx, const uint8_t *d, size_t n, uint64_t *consumed)
{
    return inflate_emit(ctx, d, n, NULL, consumed, 16 + MAX_WBITS, true);
}

static int zlib_expand(ks_fmt_ctx *ctx, const uint8_t *d, size_t n, uint64_t *consumed)
{
    return inflate_emit(ctx, d, n, NULL, consumed, MAX_WBITS, false);
}

static int gzip_expand_stream(ks_fmt_ctx *ctx, ks_fmt_stream *in)
{
    uint64_t consumed;
    return inflate_emit(ctx, NULL, 0, in, &consumed, 16 + MAX_WBITS, true);
}

static int zlib_expand_stream(ks_fmt_ctx *ctx, ks_fmt_stream *in)
{
    uint64_t consumed;
    return inflate_emit(ctx, NULL, 0, in, &consumed, MAX_WBITS, false);
}

static const ks_signature gzip_sigs[] = {{"\x1f\x8b\x08", 3, 0}};
static const ks_signature zlib_sigs[] = {
    {"\x78\x01", 2, 0},
    {"\x78\x5e", 2, 0},
    {"\x78\x9c", 2, 0},
    {"\x78\xda", 2, 0},
};

const ks_format ks_format_gzip = {
    .name = "gzip",
    .sniff = gzip_sniff,
    .expand = gzip_expand,
    .sigs = gzip_sigs,
    .nsigs = 1,
    .expand_stream = gzip_expand_stream,
};

const ks_format ks_format_zlib = {
    .name = "zlib",
    .sniff = zlib_sniff,
    .expand = zlib_expand,
    .sigs = zlib_sigs,
    .nsigs = sizeof zlib_sigs / sizeof zlib_sigs[0],
    .expand_stream = zlib_expand_stream,
};
