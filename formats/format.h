/*
 * format.h - the decoder interface: sniff a blob, then emit its children.
 *
 * A decoder turns one blob (bytes in memory) into child blobs: the files of
 * an archive or file system, the sections of an ELF, the one stream inside a
 * gzip file. It never prints, never sees rules or paths outside its blob,
 * and is bounded: every byte it expands is first reserved against the
 * input's budget (ks_fmt_reserve), every archive entry counted
 * (ks_fmt_entry), and it stops as soon as either says no.
 *
 * The pipeline implements ks_fmt_ctx. ks_fmt_emit hands a child to it; the
 * child is scanned (and itself unpacked) before emit returns, so the
 * child's bytes only need to live for the duration of the call.
 *
 * A child too large to hold (past ks_fmt_hold bytes: a decoded stream, an
 * archive member) is emitted as a stream instead (ks_fmt_emit_stream): its
 * first bytes in memory and a read function for the rest, which the
 * pipeline pulls in chunks while it scans (text), unpacks (a container at
 * its start, through the format's expand_stream) or spills to a temporary
 * file (other binary bytes). Memory stays bounded by the chunk sizes, not
 * by the size of what is decoded.
 *
 * A decoder reports trouble with ks_fmt_warn (the pipeline adds the blob's
 * origin) and goes on with whatever it can still read. It returns 0 when
 * it read the container, even partly, and KS_EINVAL when the bytes turned
 * out not to be one (then the pipeline scans them as plain bytes).
 */
#ifndef KS_FORMAT_H
#define KS_FORMAT_H

#include "../scanner/core/ks.h"

#include <stdarg.h>

/* A budget said stop (returned by ks_fmt_emit / _reserve / _entry). */
#define KS_ELIMIT (-20)

typedef struct ks_fmt_ctx ks_fmt_ctx;
typedef struct ks_fmt_stream ks_fmt_stream;

/* A producer of bytes read in order (a decoder's output, a member being
 * read): write up to `want` bytes to dst and return how many; 0 at the
 * end, which comes early when the bytes are cut or a budget said stop
 * (the producer has warned about it). */
typedef size_t (*ks_fmt_read_fn)(void *payload, uint8_t *dst, size_t want);

typedef enum ks_child_kind {
    KS_CHILD_MEMBER,  /* a file of an archive or file system: "parent:name" */
    KS_CHILD_SECTION, /* a part with a name (ELF section, image part): "parent!name" */
    KS_CHILD_STREAM,  /* the decoded stream of a compressed blob: "parent!format" */
} ks_child_kind;

/* Nearest symbol to an address: its name, and in *delta how far past its
 * start the address is; NULL when there is none. */
typedef const char *(*ks_symbol_fn)(const void *payload, uint64_t addr, uint64_t *delta);

typedef struct ks_child {
    ks_child_kind kind;
    const char *name; /* member path or section name; streams: NULL (the format's name) */
    const uint8_t *data;
    size_t len;
    /* Offset of data[0] in the parent's bytes when the child is a slice of
     * them (a section, a stored member); KS_NO_OFFSET when it was decoded. */
    uint64_t parent_offset;
    /* The address data[0] is loaded at (ELF section, HEX record). */
    bool has_vaddr;
    uint64_t vaddr;
    ks_symbol_fn symbol;
    const void *symbol_payload;
    /* A rendering of the parent's bytes at parent_offset (DER shown as
     * PEM): every offset inside maps to parent_offset. */
    bool whole;
    /* Do not look inside: scan the bytes as they are (what a budget or a
     * decoder already knows cannot be unpacked further). */
    bool opaque;
} ks_child;

typedef struct ks_signature {
    const char *bytes; /* literal magic bytes */
    size_t len;
    size_t at; /* where the magic sits from the start of the container */
} ks_signature;

typedef struct ks_format {
    const char *name; /* "elf", "gzip", ...: used in origins ("gzip@0x40") */
    /* Does a container of this format start at data[0]? `len` bytes are
     * available. Cheap and strict: magic, header fields, checksums. */
    bool (*sniff)(const uint8_t *data, size_t len);
    /* Emit the children of [data, len); set *consumed to the bytes the
     * container occupies (what follows is searched for more). */
    int (*expand)(ks_fmt_ctx *ctx, const uint8_t *data, size_t len, uint64_t *consumed);
    /* Magics to find the container at any offset inside an unknown binary
     * (carving); none for formats that are only read from their start. */
    const ks_signature *sigs;
    size_t nsigs;
    /* Emit the children of a container read in order from a stream (one
     * too large to hold in memory); NULL for formats that need to read at
     * random (ELF, SquashFS). */
    int (*expand_stream)(ks_fmt_ctx *ctx, ks_fmt_stream *in);
} ks_format;

/* Hand a child to the scan. Returns 0, or KS_ELIMIT when the decoder must
 * stop (a budget is spent, the scan is stopping). */
int ks_fmt_emit(ks_fmt_ctx *ctx, const ks_child *c);
/* Hand a child that is a stream to the scan: c->data and c->len are its
 * first bytes (already read), `read` produces the rest. Scanned (text in
 * chunks with overlap, a container at its start unpacked as it is read,
 * other binary bytes through a temporary file) before the call returns;
 * read may not have reached its end then (a container that ended before
 * the stream did). Returns as ks_fmt_emit. */
int ks_fmt_emit_stream(ks_fmt_ctx *ctx, const ks_child *c, ks_fmt_read_fn read, void *payload);
/* The next bytes of a stream being expanded: *p points at up to `max` of
 * them, valid until the next call; 0 at the end. */
size_t ks_fmt_stream_next(ks_fmt_stream *s, const uint8_t **p, size_t max);
/* Warning about the blob being decoded, at `offset` in it (KS_NO_OFFSET:
 * none), e.g. "truncated: 1200 of 4096 bytes". */
void ks_fmt_warn(ks_fmt_ctx *ctx, uint64_t offset, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A region that was recognised but is not read (an unsupported compressor,
 * a file system keysift does not read yet): a warning, counted apart. */
void ks_fmt_not_unpacked(ks_fmt_ctx *ctx, uint64_t offset, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Reserve `bytes` of expanded output against the input's budget and, for a
 * stream that has read `in_bytes` so far, its ratio. KS_ELIMIT (warned and
 * counted) when the budget is exceeded. */
int ks_fmt_reserve(ks_fmt_ctx *ctx, uint64_t bytes, uint64_t in_bytes);
/* One more entry of an archive or file system: KS_ELIMIT past the limit. */
int ks_fmt_entry(ks_fmt_ctx *ctx);
/* Largest blob a decoder may hold in memory (--max-file-size). */
uint64_t ks_fmt_max_blob(const ks_fmt_ctx *ctx);
/* Most bytes of a decoded stream or member held in memory before it is
 * emitted as a stream instead (ks_fmt_emit_stream): KS_FMT_HOLD, or
 * --max-file-size when that is smaller. */
#define KS_FMT_HOLD (16u << 20)
uint64_t ks_fmt_hold(const ks_fmt_ctx *ctx);
/* A file descriptor holding the blob's bytes at *offset (a file on disk),
 * for decoders that read at random and should not touch every page of a
 * mapping; -1 when there is none. */
int ks_fmt_fd(const ks_fmt_ctx *ctx, uint64_t *offset);
/* Run fn(task_ctx, payload, i) for i in [0, n), on this thread and on any
 * worker that is idle; returns when all have run. Each call gets a context
 * of its own (emit from it, not from ctx). Returns KS_ELIMIT when the scan
 * is stopping. */
typedef void (*ks_fmt_task_fn)(ks_fmt_ctx *task_ctx, void *payload, size_t i);
int ks_fmt_parallel(ks_fmt_ctx *ctx, size_t n, ks_fmt_task_fn fn, void *payload);

/* A growing buffer for decoded bytes (outbuf.c). It never grows past
 * ks_fmt_max_blob; decoders reserve what they produce with
 * ks_fmt_reserve. Initialise with {0}; data[0..len) is the content,
 * contiguous, writable up to cap. Past a few MB the buffer moves into a
 * temporary file (a shared mapping whose pages are released behind the
 * writer), so that a worker holds little decoded data in memory however
 * large the member. */
typedef struct ks_outbuf {
    uint8_t *data;
    size_t len, cap;
    /* In a temporary file: its descriptor (else unused), the bytes before
     * `released` not resident, and this thread's other such buffers. */
    bool spilled;
    int fd;
    size_t released;
    struct ks_outbuf *next;
} ks_outbuf;
/* Room for at least `want` more bytes (fewer when the blob limit is near:
 * at least 1). KS_ELIMIT, warned, when the blob limit is reached. */
int ks_outbuf_room(ks_fmt_ctx *ctx, ks_outbuf *b, size_t want);
/* Read from `read` into b (emptied first) up to ks_fmt_hold bytes. True
 * when read came to its end within them: b holds the whole child (emit it
 * with ks_fmt_emit); false when there is more (emit b as the first bytes
 * of a stream with ks_fmt_emit_stream). */
bool ks_outbuf_fill(ks_fmt_ctx *ctx, ks_outbuf *b, ks_fmt_read_fn read, void *payload);
void ks_outbuf_dispose(ks_outbuf *b);
/* The compressed input of a stream decoder (gzip.c, xz.c), a piece at a
 * time: the container's bytes in memory, or read from its file with pread
 * when a file is behind them (a large input is not kept resident through
 * its mapping), or pulled from a stream (expand_stream). */
typedef struct ks_fmt_input {
    const uint8_t *d;
    size_t n;
    ks_fmt_stream *st;
    int fd; /* read d's bytes from this file at fd_off, or -1 */
    uint64_t fd_off;
    uint8_t *piece; /* the piece read last from the file */
    uint64_t fed;   /* bytes handed out so far */
    bool end;       /* no more bytes */
} ks_fmt_input;
void ks_fmt_input_open(ks_fmt_ctx *ctx, ks_fmt_input *in, const uint8_t *d, size_t n,
                       ks_fmt_stream *st);
/* The next piece (*p, at most 4 GiB - 1); 0 at the end or on a read error. */
size_t ks_fmt_input_next(ks_fmt_input *in, const uint8_t **p);
/* Hand the last `k` bytes out again with the next piece, read afresh (a
 * header straddling two pieces); only for input read from a file. */
void ks_fmt_input_unread(ks_fmt_input *in, size_t k);
void ks_fmt_input_dispose(ks_fmt_input *in);
/* An unlinked temporary file for decoded bytes, in ks_temp_dir() ($TMPDIR,
 * else /tmp), opened read-write (O_TMPFILE where the file system has it);
 * -1 with errno set when none can be made. */
int ks_temp_file(void);
const char *ks_temp_dir(void);
/* For the pipeline: when p lies in a buffer of this thread that is kept in
 * a temporary file, that file's descriptor (its bytes from offset 0), and
 * in *map, *len the buffer's mapping; else -1. */
int ks_outbuf_file(const uint8_t *p, const uint8_t **map, size_t *len);

/* The bytes are this format for sure (its header checked out): from now
 * on warnings are reported even for a carved container that then turns out
 * unreadable. */
void ks_fmt_claim(ks_fmt_ctx *ctx);

/* True when the container was found by carving inside unknown bytes: a
 * decoder then accepts only what checks out completely (a checksum). */
bool ks_fmt_carved(const ks_fmt_ctx *ctx);

/* The registry (registry.c): every decoder, in the order they are sniffed. */
extern const ks_format *const ks_formats[];
extern const size_t ks_nformats;
/* The first format whose sniff accepts data[0..len), or NULL. */
const ks_format *ks_format_sniff(const uint8_t *data, size_t len);

/* Carving (registry.c): the signatures of every format in one literal
 * database, compiled on first use, searched with a scratch per thread. */
typedef struct ks_carve_scratch ks_carve_scratch;
/* NULL when carving is not available (the database did not compile). */
ks_carve_scratch *ks_carve_scratch_new(void);
void ks_carve_scratch_free(ks_carve_scratch *s);
/* How far a signature reaches back from its end (magic length plus its
 * place in the container): windows searched one after another must
 * overlap by this much. */
size_t ks_carve_reach(void);
/* A signature of `fmt` ends at `end` (an offset in the bytes searched);
 * the container would start `reach` bytes before it. */
typedef void (*ks_carve_fn)(void *payload, const ks_format *fmt, size_t end, size_t reach);
void ks_carve_scan(ks_carve_scratch *s, const uint8_t *data, size_t len, ks_carve_fn fn,
                   void *payload);

/* Decoders, one per file of formats/. */
extern const ks_format ks_format_elf;
extern const ks_format ks_format_gzip;
extern const ks_format ks_format_zlib;
extern const ks_format ks_format_xz;
extern const ks_format ks_format_lzma;
extern const ks_format ks_format_zip;
extern const ks_format ks_format_tar;
extern const ks_format ks_format_cpio;
extern const ks_format ks_format_sevenzip;
extern const ks_format ks_format_ar;
extern const ks_format ks_format_iso9660;
extern const ks_format ks_format_rar;
extern const ks_format ks_format_cab;
extern const ks_format ks_format_xar;
extern const ks_format ks_format_bzip2;
extern const ks_format ks_format_zstd;
extern const ks_format ks_format_lz4;
extern const ks_format ks_format_lzip;
extern const ks_format ks_format_compress;
extern const ks_format ks_format_squashfs;
extern const ks_format ks_format_uimage;
extern const ks_format ks_format_jffs2;
extern const ks_format ks_format_cramfs;
extern const ks_format ks_format_romfs;
extern const ks_format ks_format_fdt;
extern const ks_format ks_format_ext;
extern const ks_format ks_format_ihex;
extern const ks_format ks_format_srec;
extern const ks_format ks_format_der;
extern const ks_format ks_format_dropbear;
extern const ks_format ks_format_jks;
/* Vendor firmware headers (fwhdr.c). */
extern const ks_format ks_format_trx;
extern const ks_format ks_format_chk;
extern const ks_format ks_format_seama;
extern const ks_format ks_format_tplink;
extern const ks_format ks_format_ubi;
extern const ks_format ks_format_ubifs;
/* Recognised, not read (unread.c). */
extern const ks_format ks_format_erofs;
extern const ks_format ks_format_f2fs;
extern const ks_format ks_format_sparse;
extern const ks_format ks_format_lzop;
extern const ks_format ks_format_squashfs3;

/* Big-endian and little-endian reads of input bytes. */
static inline uint32_t ks_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline uint32_t ks_le32(const uint8_t *p)
{
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}
static inline uint16_t ks_le16(const uint8_t *p)
{
    return (uint16_t)(p[1] << 8 | p[0]);
}
static inline uint64_t ks_le64(const uint8_t *p)
{
    return (uint64_t)ks_le32(p + 4) << 32 | ks_le32(p);
}

#endif
