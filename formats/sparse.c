/*
 * sparse.c - Android sparse images (img2simg, fastboot): a 28-byte header,
 * then chunks that describe the image block by block: raw (the blocks'
 * bytes follow), fill (a 4-byte pattern repeated), don't care (a hole:
 * zeros) and CRC32 (a checksum of the image so far, skipped).
 *
 * One child: the image the chunks describe ("img!android-sparse"), so
 * that the file system inside (ext4, SquashFS, EROFS, ...) is unpacked in
 * turn. It is produced as it is read (sp_read): raw blocks are copied from
 * the input, fills and holes written with memset, so a hole of gigabytes
 * costs no memory; every byte produced is reserved against the input's
 * budget (a hole too: a header can describe terabytes of zeros, and a
 * scan of them is what the budget bounds). A chunk cut short or
 * inconsistent with the header is warned about at its offset; the image
 * up to there is still scanned.
 */
#include "format.h"

#include <string.h>

#define FILE_HDR 28
#define CHUNK_HDR 12
#define CHUNK_RAW 0xcac1
#define CHUNK_FILL 0xcac2
#define CHUNK_DONT_CARE 0xcac3
#define CHUNK_CRC32 0xcac4
#define STEP (1u << 20) /* bytes produced between budget checks */

static bool sparse_sniff(const uint8_t *d, size_t n)
{
    if (n < FILE_HDR || ks_le32(d) != 0xed26ff3au || ks_le16(d + 4) != 1 ||
        ks_le16(d + 8) < FILE_HDR || ks_le16(d + 10) < CHUNK_HDR)
        return false;
    uint32_t blk = ks_le32(d + 12);
    return blk >= 512 && blk <= (64u << 20) && blk % 4 == 0 && ks_le32(d + 20) > 0;
}

typedef struct sparse {
    ks_fmt_ctx *ctx;
    const uint8_t *d;
    size_t n;
    uint32_t blk, chunk_hdr, nchunks, chunk; /* chunks begun so far */
    uint64_t pos;                            /* the current chunk's body in d */
    uint64_t next;                           /* the next chunk's header in d */
    uint64_t image, out;                     /* the image's size; bytes produced */
    /* The chunk being produced. */
    uint16_t type;
    uint64_t left; /* its bytes still to produce */
    uint64_t src;  /* raw: where the next ones are in d */
    uint8_t fill[4];
    bool ended;
} sparse;

/* Where the chunks end, walking their headers only; false when they do
 * not describe the header's image exactly (cut short, a bad type or size,
 * blocks missing or too many). */
static bool sp_walk(const uint8_t *d, size_t n, uint64_t *end)
{
    uint32_t blk = ks_le32(d + 12), chdr = ks_le16(d + 10), nchunks = ks_le32(d + 20);
    uint64_t blocks = 0, pos = ks_le16(d + 8);
    for (uint32_t i = 0; i < nchunks; i++) {
        if (pos > n || n - pos < chdr)
            break;
        uint16_t type = ks_le16(d + pos);
        uint64_t nb = ks_le32(d + pos + 4), total = ks_le32(d + pos + 8);
        uint64_t want = type == CHUNK_RAW ? nb * blk : type == CHUNK_DONT_CARE ? 0 : 4;
        if (type < CHUNK_RAW || type > CHUNK_CRC32 || total < chdr || total - chdr != want ||
            total > n - pos) {
            *end = pos;
            return false;
        }
        blocks += type == CHUNK_CRC32 ? 0 : nb;
        pos += total;
        if (i + 1 == nchunks) {
            *end = pos;
            return blocks == ks_le32(d + 16);
        }
    }
    *end = pos < n ? pos : n;
    return false;
}

/* The next chunk's header; false at the end (warned when early). */
static bool sp_next_chunk(sparse *s)
{
    for (;;) {
        if (s->chunk == s->nchunks) {
            if (s->out < s->image)
                ks_fmt_warn(s->ctx, s->next,
                            "corrupt: the chunks describe %llu of the image's %llu bytes",
                            (unsigned long long)s->out, (unsigned long long)s->image);
            return false;
        }
        if (s->next > s->n || s->n - s->next < s->chunk_hdr) {
            ks_fmt_warn(s->ctx, s->next, "truncated: chunk %u of %u is missing", s->chunk + 1,
                        s->nchunks);
            return false;
        }
        const uint8_t *h = s->d + s->next;
        uint16_t type = ks_le16(h);
        uint64_t bytes = (uint64_t)ks_le32(h + 4) * s->blk, total = ks_le32(h + 8);
        uint64_t body = total >= s->chunk_hdr ? total - s->chunk_hdr : UINT64_MAX;
        uint64_t want = type == CHUNK_RAW ? bytes : type == CHUNK_DONT_CARE ? 0 : 4;
        if (type < CHUNK_RAW || type > CHUNK_CRC32 || body != want) {
            ks_fmt_warn(s->ctx, s->next, "corrupt: chunk %u: type 0x%04x, %llu bytes",
                        s->chunk + 1, type, (unsigned long long)total);
            return false;
        }
        if (type != CHUNK_CRC32 && bytes > s->image - s->out) {
            ks_fmt_warn(s->ctx, s->next, "corrupt: chunk %u runs past the image's %llu bytes",
                        s->chunk + 1, (unsigned long long)s->image);
            return false;
        }
        s->chunk++;
        s->pos = s->src = s->next + s->chunk_hdr;
        s->next = s->pos + body;
        s->type = type;
        if (type == CHUNK_FILL) {
            if (s->n - s->pos < 4) {
                ks_fmt_warn(s->ctx, s->pos, "truncated: chunk %u's fill value is cut",
                            s->chunk);
                return false;
            }
            memcpy(s->fill, s->d + s->pos, 4);
        }
        if (type != CHUNK_CRC32 && (s->left = bytes) > 0)
            return true;
    }
}

/* Up to `want` bytes of the current chunk into dst; 0 when its raw bytes
 * are cut. */
static size_t sp_chunk_bytes(sparse *s, uint8_t *dst, size_t want)
{
    size_t k = s->left < want ? (size_t)s->left : want;
    if (s->type == CHUNK_RAW) {
        size_t avail = s->src < s->n ? (size_t)(s->n - s->src) : 0;
        if (k > avail)
            k = avail;
        memcpy(dst, s->d + s->src, k);
        s->src += k;
    } else if (s->type == CHUNK_FILL && memcmp(s->fill, s->fill + 1, 3) != 0) {
        /* Chunks start on block boundaries, blocks are words: the
         * pattern's phase is the image offset's. */
        for (size_t i = 0; i < k; i++)
            dst[i] = s->fill[(s->out + i) % 4];
    } else if (s->type == CHUNK_FILL) {
        memset(dst, s->fill[0], k); /* zeros, as img2simg writes them, or one byte */
    } else {
        memset(dst, 0, k);
    }
    return k;
}

/* ks_fmt_read_fn: the next bytes of the image. */
static size_t sp_read(void *payload, uint8_t *dst, size_t want)
{
    sparse *s = payload;
    size_t o = 0;
    while (o < want && !s->ended) {
        if (s->left == 0 && !sp_next_chunk(s)) {
            s->ended = true;
            break;
        }
        size_t room = want - o < STEP ? want - o : STEP;
        size_t k = sp_chunk_bytes(s, dst + o, room);
        if (k == 0) {
            ks_fmt_warn(s->ctx, s->n, "truncated: chunk %u ends after %llu of its %llu bytes",
                        s->chunk, (unsigned long long)(s->src - s->pos),
                        (unsigned long long)(s->next - s->pos));
            s->ended = true;
            break;
        }
        if (ks_fmt_reserve(s->ctx, k, s->src) != 0) {
            s->ended = true;
            break;
        }
        o += k;
        s->out += k;
        s->left -= k;
    }
    return o;
}

static int sparse_expand(ks_fmt_ctx *ctx, const uint8_t *d, size_t n, uint64_t *consumed)
{
    sparse s = {
        .ctx = ctx,
        .d = d,
        .n = n,
        .blk = ks_le32(d + 12),
        .chunk_hdr = ks_le16(d + 10),
        .nchunks = ks_le32(d + 20),
        .next = ks_le16(d + 8),
        .image = (uint64_t)ks_le32(d + 16) * ks_le32(d + 12),
    };
    /* Found by carving, only chunks that describe the image exactly
     * count: four bytes of magic are no proof. */
    bool whole = sp_walk(d, n, consumed);
    if (ks_fmt_carved(ctx) && !whole)
        return KS_EINVAL;
    ks_fmt_claim(ctx);
    ks_outbuf out = {0};
    ks_child c = {.kind = KS_CHILD_STREAM, .parent_offset = KS_NO_OFFSET};
    bool held = ks_outbuf_fill(ctx, &out, sp_read, &s);
    c.data = out.data;
    c.len = out.len;
    if (!held)
        ks_fmt_emit_stream(ctx, &c, sp_read, &s);
    else if (out.len)
        ks_fmt_emit(ctx, &c);
    ks_outbuf_dispose(&out);
    return 0;
}

static const ks_signature sparse_sigs[] = {{"\x3a\xff\x26\xed", 4, 0}};

const ks_format ks_format_sparse = {
    .name = "android-sparse",
    .sniff = sparse_sniff,
    .expand = sparse_expand,
    .sigs = sparse_sigs,
    .nsigs = 1,
};
