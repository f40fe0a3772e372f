/*
 * archive.c - what libarchive reads: archives (zip/jar/apk, tar, cpio
 * including initramfs, 7z, ar and .deb, ISO 9660, RAR, CAB, xar) and the
 * compression filters zlib and liblzma do not cover (bzip2, zstd, lz4,
 * lzip, compress).
 *
 * Each family is a format of its own (its own name in origins, its own
 * strict sniff and carving signatures); they share one expand. Archives
 * are read with no filter: a .tar.bz2 is the bzip2 stream first, whose
 * decoded bytes are then sniffed as a tar, the same two steps as gzip.
 * Filters are read with libarchive's "raw" format: one child, the stream.
 *
 * Members are read block by block (archive_read_data_block, so the bytes
 * read before damage are kept): held in memory up to ks_fmt_hold bytes,
 * larger ones handed on as streams, chunk by chunk, whatever their size.
 * A member cut short (a truncated archive, a size field larger than what
 * follows) is warned about once, with the member's name and where it was
 * cut, and the bytes read are scanned. A header that libarchive cannot
 * read is a warning with the offset reached; the members before it are
 * scanned. Encrypted members are reported as not unpacked.
 *
 * The bytes come from memory, through pread from the file behind them
 * when there is one (a large archive given on the command line), so that
 * reading does not keep every page of a mapping, or from a stream (an
 * archive inside a decoded stream too large to hold: a .tar.gz of a few
 * GB is read as it is inflated).
 */
#include "format.h"

#include <archive.h>
#include <archive_entry.h>
#include <locale.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define READ_BLOCK (1u << 20)

typedef struct src {
    const uint8_t *d;
    size_t n, pos;
    int fd;
    uint64_t fd_off;
    uint8_t *buf;
    ks_fmt_stream *st; /* the bytes come from a stream (then no d, no fd) */
} src;

static la_ssize_t src_read(struct archive *a, void *p, const void **out)
{
    (void)a;
    src *s = p;
    if (s->st) {
        const uint8_t *b = NULL;
        size_t got = ks_fmt_stream_next(s->st, &b, READ_BLOCK);
        *out = b;
        return (la_ssize_t)got;
    }
    size_t k = s->n - s->pos < READ_BLOCK ? s->n - s->pos : READ_BLOCK;
    if (s->fd < 0) {
        *out = s->d + s->pos;
        s->pos += k;
        return (la_ssize_t)k;
    }
    ssize_t r = pread(s->fd, s->buf, k, (off_t)(s->fd_off + s->pos));
    if (r < 0)
        return -1;
    *out = s->buf;
    s->pos += (size_t)r;
    return (la_ssize_t)r;
}

static la_int64_t src_skip(struct archive *a, void *p, la_int64_t req)
{
    (void)a;
    src *s = p;
    size_t k = (uint64_t)req < s->n - s->pos ? (size_t)req : s->n - s->pos;
    s->pos += k;
    return (la_int64_t)k;
}

static la_int64_t src_seek(struct archive *a, void *p, la_int64_t off, int whence)
{
    (void)a;
    src *s = p;
    int64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? (int64_t)s->pos : (int64_t)s->n;
    int64_t to = base + off;
    if (to < 0 || (uint64_t)to > s->n)
        return ARCHIVE_FATAL;
    s->pos = (size_t)to;
    return to;
}

/* ------------------------------------------------------------------------ */

static bool is_filter(const ks_format *f);

/* A member being read, block by block, by whoever pulls it (member_read). */
typedef struct member {
    ks_fmt_ctx *ctx;
    struct archive *a;
    const char *name;
    int64_t size;       /* from the header, or -1 */
    const uint8_t *blk; /* the rest of the block being copied */
    size_t blk_len;
    uint64_t blk_off; /* where blk sits in the member */
    uint64_t pos;     /* bytes of the member produced */
    bool ended;
    int rc; /* KS_EIO: the archive cannot go on; KS_ELIMIT: a budget said stop */
} member;

/* The member ends before its end: say where, once; what was read stays. */
static void member_cut(member *m, int r)
{
    const char *why = archive_error_string(m->a) ? archive_error_string(m->a) : "read error";
    char of[48] = "";
    if (m->size >= 0)
        snprintf(of, sizeof of, " of %lld", (long long)m->size);
    ks_fmt_warn(m->ctx, (uint64_t)archive_filter_bytes(m->a, -1),
                "member %s is cut at byte %llu%s (%s): the %llu bytes read are scanned", m->name,
                (unsigned long long)m->pos, of, why, (unsigned long long)m->pos);
    m->ended = true;
    if (r == ARCHIVE_FATAL)
        m->rc = KS_EIO;
}

/* ks_fmt_read_fn: the next bytes of the member. */
static size_t member_read(void *payload, uint8_t *dst, size_t want)
{
    member *m = payload;
    size_t o = 0;
    while (o < want && !m->ended) {
        if (m->blk_len == 0) {
            const void *b = NULL;
            size_t len = 0;
            la_int64_t off = 0;
            int r = archive_read_data_block(m->a, &b, &len, &off);
            if (r == ARCHIVE_EOF) {
                m->ended = true;
                break;
            }
            if (r < ARCHIVE_WARN) {
                member_cut(m, r);
                break;
            }
            m->blk = b;
            m->blk_len = len;
            m->blk_off = off > 0 ? (uint64_t)off : 0;
            if (m->blk_off < m->pos) { /* never behind what was produced */
                uint64_t back = m->pos - m->blk_off;
                size_t skip = back < len ? (size_t)back : len;
                m->blk += skip;
                m->blk_len -= skip;
                m->blk_off += skip;
            }
            continue;
        }
        size_t k;
        if (m->blk_off > m->pos) { /* a hole of a sparse member reads as zeros */
            uint64_t gap = m->blk_off - m->pos;
            k = gap < want - o ? (size_t)gap : want - o;
            memset(dst + o, 0, k);
        } else {
            k = m->blk_len < want - o ? m->blk_len : want - o;
            memcpy(dst + o, m->blk, k);
            m->blk += k;
            m->blk_len -= k;
            m->blk_off += k;
        }
        o += k;
        m->pos += k;
    }
    if (o && ks_fmt_reserve(m->ctx, o, (uint64_t)archive_filter_bytes(m->a, -1)) != 0) {
        m->ended = true;
        m->rc = KS_ELIMIT;
    }
    return o;
}

/* Member names. libarchive converts them to the character set of the
 * calling thread's locale, and keysift runs in the "C" locale (ASCII)
 * whatever LANG says: a UTF-8 name (zip's UTF-8 flag, pax) failed to
 * convert, a warning and no name. The thread reads archives in C.UTF-8
 * (LC_CTYPE only, uselocale: per thread, no lock), where such names stay
 * the UTF-8 bytes they are; names in other encodings stay their raw bytes.
 * The members, scanned from inside the read, see the same <ctype.h>
 * classes for every byte as in "C" (glibc), so nothing else changes. */
static locale_t utf8_locale;
static pthread_once_t utf8_once = PTHREAD_ONCE_INIT;

static void utf8_locale_init(void)
{
    utf8_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

static int archive_read_all(ks_fmt_ctx *ctx, const ks_format *fmt, const uint8_t *d, size_t n,
                            ks_fmt_stream *st, uint64_t *consumed);

static int archive_expand(ks_fmt_ctx *ctx, const ks_format *fmt, const uint8_t *d, size_t n,
                          ks_fmt_stream *st, uint64_t *consumed)
{
    pthread_once(&utf8_once, utf8_locale_init);
    locale_t prev = utf8_locale ? uselocale(utf8_locale) : (locale_t)0;
    int rc = archive_read_all(ctx, fmt, d, n, st, consumed);
    if (prev)
        uselocale(prev);
    return rc;
}

static int archive_read_all(ks_fmt_ctx *ctx, const ks_format *fmt, const uint8_t *d, size_t n,
                            ks_fmt_stream *st, uint64_t *consumed)
{
    bool filter = is_filter(fmt);
    struct archive *a = archive_read_new();
    if (!a)
        return KS_ENOMEM;
    if (filter) {
        archive_read_support_filter_all(a);
        archive_read_support_format_raw(a);
    } else {
        archive_read_support_filter_none(a);
        archive_read_support_format_all(a);
    }
    src s = {.d = d, .n = n, .fd = -1, .st = st};
    if (!st) {
        s.fd = ks_fmt_fd(ctx, &s.fd_off);
        if (s.fd >= 0)
            s.buf = ks_xmalloc(READ_BLOCK);
        /* A stream is only read forward: libarchive reads what it skips. */
        archive_read_set_skip_callback(a, src_skip);
        archive_read_set_seek_callback(a, src_seek);
    }
    archive_read_set_read_callback(a, src_read);
    archive_read_set_callback_data(a, &s);
    int rc = 0;
    size_t members = 0;
    ks_outbuf out = {0};
    if (archive_read_open1(a) != ARCHIVE_OK) {
        ks_fmt_warn(ctx, 0, "unreadable: %s",
                    archive_error_string(a) ? archive_error_string(a) : "?");
        rc = KS_EINVAL;
        goto done;
    }
    for (;;) {
        struct archive_entry *e;
        int r = archive_read_next_header(a, &e);
        if (r == ARCHIVE_EOF)
            break;
        if (r == ARCHIVE_WARN) {
            ks_fmt_warn(ctx, (uint64_t)archive_filter_bytes(a, -1), "%s",
                        archive_error_string(a) ? archive_error_string(a) : "warning");
        } else if (r != ARCHIVE_OK) {
            ks_fmt_warn(ctx, (uint64_t)archive_filter_bytes(a, -1),
                        "%s after %zu members: the rest is not read",
                        archive_error_string(a) ? archive_error_string(a) : "unreadable header",
                        members);
            if (members == 0)
                rc = KS_EINVAL;
            break;
        }
        if (ks_fmt_entry(ctx) != 0)
            break;
        members++;
        /* Regular files; ar (and some zip) members carry no file type at all. */
        unsigned type = archive_entry_filetype(e);
        if ((type != AE_IFREG && type != 0) || archive_entry_hardlink(e))
            continue;
        const char *name = archive_entry_pathname(e);
        char fallback[32];
        if (!name || !*name) {
            snprintf(fallback, sizeof fallback, "entry%zu", members);
            name = fallback;
        }
        if (archive_entry_is_data_encrypted(e)) {
            ks_fmt_not_unpacked(ctx, (uint64_t)archive_filter_bytes(a, -1),
                                "member %s is encrypted", name);
            continue;
        }
        member m = {.ctx = ctx,
                    .a = a,
                    .name = name,
                    .size = archive_entry_size_is_set(e) ? archive_entry_size(e) : -1};
        ks_child c = {.kind = filter ? KS_CHILD_STREAM : KS_CHILD_MEMBER,
                      .name = name,
                      .parent_offset = KS_NO_OFFSET};
        bool whole = ks_outbuf_fill(ctx, &out, member_read, &m);
        c.data = out.data;
        c.len = out.len;
        int er = 0;
        if (!whole)
            er = ks_fmt_emit_stream(ctx, &c, member_read, &m);
        else if (out.len || (!filter && m.rc == 0))
            er = ks_fmt_emit(ctx, &c);
        if (er != 0 || m.rc != 0)
            break;
    }
done:
    *consumed = (uint64_t)archive_filter_bytes(a, -1);
    archive_read_free(a);
    ks_outbuf_dispose(&out);
    free(s.buf);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Sniffs: magic, then the header fields an archiver always writes.          */

static bool all_of(const uint8_t *p, size_t n, const char *set)
{
    for (size_t i = 0; i < n; i++)
        if (!p[i] || !strchr(set, p[i]))
            return false;
    return true;
}

static bool tar_sniff(const uint8_t *d, size_t n)
{
    if (n < 512 || memcmp(d + 257, "ustar", 5) != 0)
        return false;
    /* The checksum: the header's bytes summed, the field itself as spaces. */
    unsigned sum = 0, want = 0;
    for (size_t i = 0; i < 512; i++)
        sum += i >= 148 && i < 156 ? ' ' : d[i];
    size_t i = 148;
    while (i < 156 && d[i] == ' ')
        i++;
    if (i == 156 || d[i] < '0' || d[i] > '7')
        return false;
    for (; i < 156 && d[i] >= '0' && d[i] <= '7'; i++)
        want = want * 8 + (unsigned)(d[i] - '0');
    return sum == want;
}

static bool cpio_sniff(const uint8_t *d, size_t n)
{
    if (n >= 110 && (memcmp(d, "070701", 6) == 0 || memcmp(d, "070702", 6) == 0))
        return all_of(d + 6, 104, "0123456789abcdefABCDEF");
    if (n >= 76 && memcmp(d, "070707", 6) == 0)
        return all_of(d + 6, 70, "01234567");
    return false;
}

static bool zip_sniff(const uint8_t *d, size_t n)
{
    if (n < 30 || memcmp(d, "PK\003\004", 4) != 0)
        return false;
    uint16_t ver = ks_le16(d + 4), method = ks_le16(d + 8), nlen = ks_le16(d + 26);
    static const uint16_t methods[] = {0, 1, 6, 8, 9, 12, 14, 19, 93, 95, 96, 97, 98, 99};
    bool known = false;
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
        known |= method == methods[i];
    return known && ver <= 100 && nlen > 0 && nlen <= 4096 && (size_t)30 + nlen <= n;
}

static bool sevenzip_sniff(const uint8_t *d, size_t n)
{
    static const uint8_t magic[6] = {'7', 'z', 0xbc, 0xaf, 0x27, 0x1c};
    if (n < 32 || memcmp(d, magic, 6) != 0 || d[6] != 0 || d[7] > 4)
        return false;
    return crc32(0, d + 12, 20) == ks_le32(d + 8);
}

static bool ar_sniff(const uint8_t *d, size_t n)
{
    return n >= 68 && memcmp(d, "!<arch>\n", 8) == 0 && d[66] == '`' && d[67] == '\n';
}

static bool iso_sniff(const uint8_t *d, size_t n)
{
    return n >= 0x8800 && memcmp(d + 0x8001, "CD001\001", 6) == 0 &&
           (d[0x8000] <= 3 || d[0x8000] == 255);
}

static bool rar_sniff(const uint8_t *d, size_t n)
{
    return n >= 16 && (memcmp(d, "Rar!\032\007\000", 7) == 0 ||
                       memcmp(d, "Rar!\032\007\001\000", 8) == 0);
}

static bool cab_sniff(const uint8_t *d, size_t n)
{
    /* "MSCF", four reserved zero bytes, the cabinet size, version 1.3. */
    return n >= 36 && memcmp(d, "MSCF\0\0\0\0", 8) == 0 && d[24] == 3 && d[25] == 1;
}

static bool xar_sniff(const uint8_t *d, size_t n)
{
    return n >= 28 && memcmp(d, "xar!", 4) == 0 && d[4] == 0 && d[5] == 28;
}

static bool bzip2_sniff(const uint8_t *d, size_t n)
{
    return n >= 14 && d[0] == 'B' && d[1] == 'Z' && d[2] == 'h' && d[3] >= '1' && d[3] <= '9' &&
           (memcmp(d + 4, "1AY&SY", 6) == 0 || memcmp(d + 4, "\x17\x72\x45\x38\x50\x90", 6) == 0);
}

static bool zstd_sniff(const uint8_t *d, size_t n)
{
    /* Frame header descriptor: bit 3 is reserved and zero. */
    return n >= 9 && ks_le32(d) == 0xfd2fb528u && !(d[4] & 0x08);
}

static bool lz4_sniff(const uint8_t *d, size_t n)
{
    if (n >= 7 && ks_le32(d) == 0x184d2204u) /* frame: version 01, reserved bits 0 */
        return (d[4] >> 6) == 1 && !(d[4] & 0x02) && !(d[5] & 0x8f) && (d[5] >> 4) >= 4;
    /* Legacy frames (Linux kernels and initramfs): the first block's size. */
    return n >= 12 && ks_le32(d) == 0x184c2102u && ks_le32(d + 4) > 0 &&
           ks_le32(d + 4) <= 8u << 20;
}

static bool lzip_sniff(const uint8_t *d, size_t n)
{
    return n >= 20 && memcmp(d, "LZIP", 4) == 0 && d[4] == 1 && (d[5] & 0x1f) >= 12 &&
           (d[5] & 0x1f) <= 29;
}

static bool compress_sniff(const uint8_t *d, size_t n)
{
    return n >= 4 && d[0] == 0x1f && d[1] == 0x9d && (d[2] & 0x1f) >= 9 && (d[2] & 0x1f) <= 16 &&
           !(d[2] & 0x60);
}

/* ------------------------------------------------------------------------ */

#define FORMAT(var, nm, sniffer, ...)                                                         \
    static int var##_expand(ks_fmt_ctx *ctx, const uint8_t *d, size_t n, uint64_t *consumed); \
    static int var##_expand_stream(ks_fmt_ctx *ctx, ks_fmt_stream *in);                       \
    static const ks_signature var##_sigs[] = {__VA_ARGS__};                                   \
    const ks_format ks_format_##var = {                                                       \
        .name = nm,                                                                           \
        .sniff = sniffer,                                                                     \
        .expand = var##_expand,                                                               \
        .sigs = var##_sigs,                                                                   \
        .nsigs = sizeof var##_sigs / sizeof var##_sigs[0],                                    \
        .expand_stream = var##_expand_stream,                                                 \
    };                                                                                        \
    static int var##_expand(ks_fmt_ctx *ctx, const uint8_t *d, size_t n, uint64_t *consumed)  \
    {                                                                                         \
        return archive_expand(ctx, &ks_format_##var, d, n, NULL, consumed);                   \
    }                                                                                         \
    static int var##_expand_stream(ks_fmt_ctx *ctx, ks_fmt_stream *in)                        \
    {                                                                                         \
        uint64_t consumed;                                                                    \
        return archive_expand(ctx, &ks_format_##var, NULL, 0, in, &consumed);                 \
    }

FORMAT(zip, "zip", zip_sniff, {"PK\003\004", 4, 0})
FORMAT(tar, "tar", tar_sniff, {"ustar", 5, 257})
FORMAT(cpio, "cpio", cpio_sniff, {"07070", 5, 0})
FORMAT(sevenzip, "7z", sevenzip_sniff, {"7z\xbc\xaf\x27\x1c", 6, 0})
FORMAT(ar, "ar", ar_sniff, {"!<arch>\n", 8, 0})
FORMAT(iso9660, "iso9660", iso_sniff, {"CD001\001", 6, 0x8001})
FORMAT(rar, "rar", rar_sniff, {"Rar!\032\007", 6, 0})
FORMAT(cab, "cab", cab_sniff, {"MSCF\0\0\0\0", 8, 0})
FORMAT(xar, "xar", xar_sniff, {"xar!\0\034", 6, 0})
FORMAT(bzip2, "bzip2", bzip2_sniff, {"1AY&SY", 6, 4})
FORMAT(zstd, "zstd", zstd_sniff, {"\x28\xb5\x2f\xfd", 4, 0})
FORMAT(lz4, "lz4", lz4_sniff, {"\x04\x22\x4d\x18", 4, 0}, {"\x02\x21\x4c\x18", 4, 0})
FORMAT(lzip, "lzip", lzip_sniff, {"LZIP\001", 5, 0})
/* compress(1) has a two-byte magic: read at the start of a blob only. */
static const ks_signature no_sigs[1];
static int compress_expand(ks_fmt_ctx *ctx, const uint8_t *d, size_t n, uint64_t *consumed);
static int compress_expand_stream(ks_fmt_ctx *ctx, ks_fmt_stream *in);
const ks_format ks_format_compress = {
    .name = "compress",
    .sniff = compress_sniff,
    .expand = compress_expand,
    .sigs = no_sigs,
    .nsigs = 0,
    .expand_stream = compress_expand_stream,
};
static int compress_expand(ks_fmt_ctx *ctx, const uint8_t *d, size_t n, uint64_t *consumed)
{
    return archive_expand(ctx, &ks_format_compress, d, n, NULL, consumed);
}
static int compress_expand_stream(ks_fmt_ctx *ctx, ks_fmt_stream *in)
{
    uint64_t consumed;
    return archive_expand(ctx, &ks_format_compress, NULL, 0, in, &consumed);
}

static bool is_filter(const ks_format *f)
{
    return f == &ks_format_bzip2 || f == &ks_format_zstd || f == &ks_format_lz4 ||
           f == &ks_format_lzip || f == &ks_format_compress;
}
