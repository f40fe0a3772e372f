/*
 * lzop.c - lzop files (lzop 0.90 and later), decompressed with liblzo2.
 *
 * A header (magic, versions, method, flags, optional filter, mode, times,
 * the original name, a header checksum: Adler-32 or CRC-32), then blocks:
 * decompressed and compressed sizes, the checksums the flags ask for, and
 * the block's bytes (stored as they are when compression did not make
 * them smaller). A zero size ends the stream. Every method lzop writes
 * (LZO1X-1, LZO1X-1(15), LZO1X-999) is decoded by lzo1x_decompress_safe.
 *
 * One child: the decompressed stream ("file.lzo!lzop"), produced block by
 * block as the scan reads it (lz_read), each block reserved against the
 * input's budget before it is decompressed, held in memory or read as a
 * stream when large. A block that is cut short, does not decompress, or
 * fails its checksum is warned about at its offset; what came before it
 * is still scanned (a checksum failure: the block too). The header's
 * checksum must match for the bytes to count as lzop at all.
 */
#include "format.h"

#include <lzo1x.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define F_ADLER32_D 0x0001u
#define F_ADLER32_C 0x0002u
#define F_H_EXTRA_FIELD 0x0040u
#define F_CRC32_D 0x0100u
#define F_CRC32_C 0x0200u
#define F_H_FILTER 0x0800u
#define F_H_CRC32 0x1000u
#define MAX_BLOCK (64u << 20) /* lzop's own limit */
#define MAGIC_LEN 9

static const uint8_t magic[MAGIC_LEN] = {0x89, 'L', 'Z', 'O', 0, '\r', '\n', 0x1a, '\n'};

static pthread_once_t lzo_once = PTHREAD_ONCE_INIT;
static bool lzo_ok;

static void lzo_start(void)
{
    lzo_ok = lzo_init() == LZO_E_OK;
}

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

/* The header's fields keysift needs. */
typedef struct lzop_hdr {
    unsigned version;
    uint8_t method;
    uint32_t flags, filter;
    size_t len; /* the header's bytes, magic to the end of the extra field */
} lzop_hdr;

/* Parse and check the header; false when it is not one (cut, a bad
 * version or method, a checksum that does not match). */
static bool parse_header(const uint8_t *d, size_t n, lzop_hdr *h)
{
    if (n < MAGIC_LEN + 25 || memcmp(d, magic, MAGIC_LEN) != 0)
        return false;
    size_t p = MAGIC_LEN;
    h->version = be16(d + p);
    p += 4; /* version, library version */
    if (h->version < 0x0900 || h->version >= 0x2000)
        return false;
    if (h->version >= 0x0940)
        p += 2; /* version needed to extract */
    h->method = d[p++];
    if (h->version >= 0x0940)
        p++; /* level */
    h->flags = ks_be32(d + p);
    p += 4;
    h->filter = 0;
    if (h->flags & F_H_FILTER) {
        h->filter = ks_be32(d + p);
        p += 4;
    }
    p += h->version >= 0x0940 ? 12 : 8; /* mode, mtime (low, high) */
    if (p + 1 > n)
        return false;
    p += 1 + d[p]; /* the name */
    if (p + 4 > n || h->method < 1 || h->method > 3)
        return false;
    uint32_t sum = h->flags & F_H_CRC32 ? lzo_crc32(0, d + MAGIC_LEN, p - MAGIC_LEN)
                                        : lzo_adler32(1, d + MAGIC_LEN, p - MAGIC_LEN);
    if (sum != ks_be32(d + p))
        return false;
    p += 4;
    if (h->flags & F_H_EXTRA_FIELD) {
        if (p + 4 > n)
            return false;
        uint32_t extra = ks_be32(d + p);
        if (extra > n - p - 4 || n - p - 4 - extra < 4)
            return false;
        p += 4 + (size_t)extra + 4;
    }
    h->len = p;
    return true;
}

static bool lzop_sniff(const uint8_t *d, size_t n)
{
    lzop_hdr h;
    pthread_once(&lzo_once, lzo_start);
    return lzo_ok && parse_header(d, n, &h);
}

/* The stream being decompressed, read by whoever pulls its output. */
typedef struct lzop {
    ks_fmt_ctx *ctx;
    const uint8_t *d;
    size_t n;
    uint32_t flags;
    uint64_t pos; /* the next block's header in d */
    uint8_t *block;
    size_t cap, have, served; /* the block decoded last: block[served..have) still to hand out */
    uint64_t out, nblocks;
    bool ended;
} lzop;

/* The first checksum of decoded bytes the flags ask for (Adler-32 comes
 * before CRC-32 in a block's header). */
static uint32_t check_of(uint32_t flags, const uint8_t *p, size_t k)
{
    return flags & F_ADLER32_D ? lzo_adler32(1, p, k) : lzo_crc32(0, p, k);
}

/* Past the blocks not read (the scan stopped reading the stream early), by
 * their headers alone, to the end of the stream. */
static void lz_skip(lzop *l)
{
    unsigned nd = !!(l->flags & F_ADLER32_D) + !!(l->flags & F_CRC32_D);
    unsigned nc = !!(l->flags & F_ADLER32_C) + !!(l->flags & F_CRC32_C);
    while (l->pos + 4 <= l->n) {
        uint32_t dlen = ks_be32(l->d + l->pos);
        if (dlen == 0) {
            l->pos += 4;
            return;
        }
        if (l->pos + 8 > l->n)
            return;
        uint32_t slen = ks_be32(l->d + l->pos + 4);
        uint64_t next = l->pos + 8 + 4 * (uint64_t)nd + (slen < dlen ? 4 * (uint64_t)nc : 0) +
                        slen;
        if (slen == 0 || slen > dlen || next > l->n)
            return;
        l->pos = next;
    }
}

/* Decode the next block into l->block; false at the end (warned when it
 * came early or broke). */
static bool lz_next_block(lzop *l)
{
    const uint8_t *d = l->d;
    uint64_t p = l->pos;
    if (p + 4 > l->n) {
        ks_fmt_warn(l->ctx, p, "truncated: the stream ends after %llu blocks, %llu bytes decoded",
                    (unsigned long long)l->nblocks, (unsigned long long)l->out);
        return false;
    }
    uint32_t dlen = ks_be32(d + p);
    if (dlen == 0) {
        l->pos = p + 4;
        return false;
    }
    /* Sizes, then the checksums the flags ask for: of the decoded bytes,
     * and of the compressed ones when the block is compressed. */
    unsigned nd = !!(l->flags & F_ADLER32_D) + !!(l->flags & F_CRC32_D);
    unsigned nc = !!(l->flags & F_ADLER32_C) + !!(l->flags & F_CRC32_C);
    if (p + 8 + 4 * (uint64_t)(nd + nc) > l->n) {
        ks_fmt_warn(l->ctx, p, "truncated: block %llu's header is cut",
                    (unsigned long long)l->nblocks);
        return false;
    }
    uint32_t slen = ks_be32(d + p + 4);
    if (dlen > MAX_BLOCK || slen == 0 || slen > dlen) {
        ks_fmt_warn(l->ctx, p, "corrupt: block %llu: %u bytes said to decode to %u",
                    (unsigned long long)l->nblocks, slen, dlen);
        return false;
    }
    uint64_t q = p + 8;
    uint32_t dsum = nd ? ks_be32(d + q) : 0; /* the first of them is checked */
    q += 4 * (uint64_t)nd + (slen < dlen ? 4 * (uint64_t)nc : 0);
    if (q > l->n || slen > l->n - q) {
        ks_fmt_warn(l->ctx, q, "truncated: block %llu has %llu of its %u bytes",
                    (unsigned long long)l->nblocks,
                    (unsigned long long)(q < l->n ? l->n - q : 0), slen);
        return false;
    }
    if (ks_fmt_reserve(l->ctx, dlen, q + slen) != 0)
        return false;
    if (dlen > l->cap) {
        free(l->block);
        l->block = ks_xmalloc(dlen);
        l->cap = dlen;
    }
    lzo_uint got = dlen;
    if (slen == dlen) {
        memcpy(l->block, d + q, dlen);
    } else {
        int rc = lzo1x_decompress_safe(d + q, slen, l->block, &got, NULL);
        if (rc != LZO_E_OK || got != dlen) {
            ks_fmt_warn(l->ctx, q, "corrupt: block %llu does not decompress (LZO error %d)",
                        (unsigned long long)l->nblocks, rc);
            return false;
        }
    }
    if (nd && check_of(l->flags, l->block, dlen) != dsum)
        ks_fmt_warn(l->ctx, p, "block %llu's checksum does not match; read all the same",
                    (unsigned long long)l->nblocks);
    l->have = dlen;
    l->served = 0;
    l->nblocks++;
    l->pos = q + slen;
    return true;
}

/* ks_fmt_read_fn: the next decoded bytes. */
static size_t lz_read(void *payload, uint8_t *dst, size_t want)
{
    lzop *l = payload;
    size_t o = 0;
    while (o < want && !l->ended) {
        if (l->served == l->have && !lz_next_block(l)) {
            l->ended = true;
            break;
        }
        size_t k = l->have - l->served < want - o ? l->have - l->served : want - o;
        memcpy(dst + o, l->block + l->served, k);
        l->served += k;
        l->out += k;
        o += k;
    }
    return o;
}

static int lzop_expand(ks_fmt_ctx *ctx, const uint8_t *d, size_t n, uint64_t *consumed)
{
    lzop_hdr h;
    if (!lzop_sniff(d, n) || !parse_header(d, n, &h))
        return KS_EINVAL;
    *consumed = h.len;
    if (h.filter) {
        ks_fmt_not_unpacked(ctx, 0, "lzop stream with filter %u: filters are not read",
                            h.filter);
        return KS_EINVAL;
    }
    ks_fmt_claim(ctx);
    lzop l = {.ctx = ctx, .d = d, .n = n, .flags = h.flags, .pos = h.len};
    ks_outbuf out = {0};
    ks_child c = {.kind = KS_CHILD_STREAM, .parent_offset = KS_NO_OFFSET};
    bool held = ks_outbuf_fill(ctx, &out, lz_read, &l);
    c.data = out.data;
    c.len = out.len;
    if (!held) {
        ks_fmt_emit_stream(ctx, &c, lz_read, &l);
        /* What reads the stream may stop before its end: find its end
         * without decoding (the block headers give the sizes). */
        if (!l.ended)
            lz_skip(&l);
    } else if (out.len) {
        ks_fmt_emit(ctx, &c);
    }
    *consumed = l.pos;
    free(l.block);
    ks_outbuf_dispose(&out);
    return 0;
}

static const ks_signature lzop_sigs[] = {{"\x89LZO\0\r\n\x1a\n", 9, 0}};

const ks_format ks_format_lzop = {
    .name = "lzop",
    .sniff = lzop_sniff,
    .expand = lzop_expand,
    .sigs = lzop_sigs,
    .nsigs = 1,
};
