/*
 * gzip.c - gzip files (RFC 1952, members one after another) and zlib
 * streams (RFC 1950), inflated with zlib.
 *
 * One child: the decoded stream. A stream that breaks off (truncated, or a
 * corrupt block) is warned about with the offset where it broke, and what
 * was decoded before is still scanned. A stream found by carving counts
 * only when it decodes to its end and its checksum matches (a zlib magic
 * is two bytes: random data has one every 64 KiB).
 *
 * Raw deflate has no signature of its own; it is read where a container
 * frames it (zip members, through libarchive).
 */
#include "format.h"

#include <string.h>
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

/* Inflate d[0..n) into out. gzip: members follow each other. Returns the
 * bytes of input used, and in *complete whether the stream ended properly. */
static size_t inflate_all(ks_fmt_ctx *ctx, const uint8_t *d, size_t n, int wbits, bool gzip,
                          ks_outbuf *out, bool *complete)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    *complete = false;
    if (inflateInit2(&z, wbits) != Z_OK)
        return 0;
    size_t used = 0;
    for (;;) {
        z.next_in = (Bytef *)(uintptr_t)(d + used);
        size_t left = n - used;
        z.avail_in = left > UINT32_MAX ? UINT32_MAX : (uInt)left;
        uLong in0 = z.total_in;
        int rc = Z_OK;
        while (rc == Z_OK) {
            if (ks_outbuf_room(ctx, out, STEP) != 0)
                goto stop;
            size_t room = out->cap - out->len;
            z.next_out = out->data + out->len;
            z.avail_out = room > STEP ? STEP : (uInt)room;
            uInt before = z.avail_out;
            rc = inflate(&z, Z_NO_FLUSH);
            size_t got = before - z.avail_out;
            out->len += got;
            if (got && ks_fmt_reserve(ctx, got, used + (z.total_in - in0)) != 0)
                goto stop;
            if (rc == Z_BUF_ERROR && z.avail_in == 0)
                break;
            if (rc == Z_BUF_ERROR && got)
                rc = Z_OK;
        }
        used += z.total_in - in0;
        if (rc == Z_STREAM_END) {
            *complete = true;
            /* Another gzip member may follow (cat a.gz b.gz). */
            if (gzip && n - used >= 18 && d[used] == 0x1f && d[used + 1] == 0x8b &&
                d[used + 2] == 8 && inflateReset(&z) == Z_OK)
                continue;
            break;
        }
        *complete = false;
        if (rc == Z_BUF_ERROR || (rc == Z_OK && used >= n))
            ks_fmt_warn(ctx, used,
                        "truncated: the stream ends after %zu bytes of input, %zu decoded", used,
                        out->len);
        else
            ks_fmt_warn(ctx, used, "corrupt stream (%s) after %zu bytes decoded",
                        z.msg ? z.msg : "data error", out->len);
        break;
    }
stop:
    inflateEnd(&z);
    return used;
}

static int expand(ks_fmt_ctx *ctx, const uint8_t *d, size_t n, uint64_t *consumed, int wbits,
                  bool gzip)
{
    ks_outbuf out = {0};
    bool complete = false;
    size_t used = inflate_all(ctx, d, n, wbits, gzip, &out, &complete);
    int rc = 0;
    /* Found by carving, only a stream that checks out (to its end, with its
     * CRC-32 or Adler-32) counts: a lookalike must not swallow the bytes
     * behind it, which are scanned as strings instead. */
    if (ks_fmt_carved(ctx) && !complete) {
        rc = KS_EINVAL;
    } else if (out.len) {
        ks_child c = {.kind = KS_CHILD_STREAM,
                      .data = out.data,
                      .len = out.len,
                      .parent_offset = KS_NO_OFFSET};
        ks_fmt_emit(ctx, &c);
    } else if (!complete) {
        rc = KS_EINVAL;
    }
    *consumed = used;
    ks_outbuf_dispose(&out);
    return rc;
}

static int gzip_expand(ks_fmt_ctx *ctx, const uint8_t *d, size_t n, uint64_t *consumed)
{
    return expand(ctx, d, n, consumed, 16 + MAX_WBITS, true);
}

static int zlib_expand(ks_fmt_ctx *ctx, const uint8_t *d, size_t n, uint64_t *consumed)
{
    return expand(ctx, d, n, consumed, MAX_WBITS, false);
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
};

const ks_format ks_format_zlib = {
    .name = "zlib",
    .sniff = zlib_sniff,
    .expand = zlib_expand,
    .sigs = zlib_sigs,
    .nsigs = sizeof zlib_sigs / sizeof zlib_sigs[0],
};
