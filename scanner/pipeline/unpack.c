/*
 * unpack.c - what a blob contains: decoders, carving, and the strings of
 * binary bytes, between the sources and the engine.
 *
 * DESIGN
 * A blob that is not plain text is unpacked:
 *
 *   1. A container recognised at offset 0 (formats/registry.c sniffs) is
 *      expanded by its decoder; each child it emits is unpacked in turn,
 *      before emit returns (so children live on the decoder's stack or
 *      buffers, and memory is bounded by depth x largest child). Bytes
 *      after the container are searched as in 2.
 *   2. Other binary bytes are searched for containers at any offset
 *      (carving: one Vectorscan pass over the formats' magic bytes, in
 *      windows; each candidate checked by its format's strict sniff), and
 *      the bytes between containers are scanned as strings: runs of
 *      printable ASCII and UTF-16LE, one run per line, with an offset map
 *      (ks_view) back to the blob.
 *   3. Text is scanned as it is, with lines.
 *
 * A carved candidate that its decoder cannot read is a lookalike, not a
 * corrupt container: its warnings are held until it emits something and
 * dropped otherwise. A container recognised at offset 0 that turns out
 * unreadable is warned about and scanned as plain bytes.
 *
 * Budgets belong to the input (what a source gave): bytes expanded by all
 * decoders together, and per expansion the ratio of output to input and
 * the number of entries; the depth of nesting per blob. Hitting one is a
 * warning naming the blob and is counted (budget_hits); what was read
 * before is still scanned.
 *
 * Pages of a mapped input are released behind the passes that read them
 * (MADV_DONTNEED re-reads from the page cache if touched again), so a
 * large image does not stay resident; so are those of a decoded blob that
 * outbuf.c keeps in a temporary file (the frame's `map`), which decoders
 * below it read by fd.
 */
#include "internal.h"

#include <errno.h>
#include <stdarg.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MIN_RUN 6                 /* shortest printable run kept by a strings pass */
#define TEXT_PROBE 8192           /* bytes looked at to tell text from binary */
#define CARVE_WINDOW (16u << 20)  /* bytes searched for magics at a time */
#define RELEASE_EVERY (32u << 20) /* pages of a mapping released this often */

/* ------------------------------------------------------------------------ */
/* Per input and per expansion                                              */

#define MAX_REPORTED 32

typedef struct ks_input {
    uint64_t size; /* bytes the source gave */
    _Atomic uint64_t expanded;
    _Atomic bool spent; /* max_expanded reached: nothing more is unpacked */
    /* Formats already reported as not unpacked: once per input is enough
     * (a UBI image has a header in every erase block). */
    pthread_mutex_t lock;
    const ks_format *reported[MAX_REPORTED];
    size_t nreported;
    _Atomic unsigned warnings, dropped; /* said about this input, and held back */
} ks_input;

#define MAX_INPUT_WARNINGS 100

/* Counters of one expansion, shared by its parallel tasks. */
typedef struct expansion {
    _Atomic uint64_t entries, out;
    _Atomic bool entries_warned, ratio_warned;
    _Atomic unsigned warnings; /* said about this container so far */
} expansion;

/* A broken container can have something wrong with every entry: a few
 * warnings say so; the rest would only bury the others. */
#define MAX_CONTAINER_WARNINGS 8

/* One blob on its way through unpacking: what the walk passes down. */
typedef struct frame {
    ks_worker *w;
    ks_input *in;
    const uint8_t *data;
    size_t len;
    const ks_origin *origin;
    uint32_t flags;
    unsigned depth; /* containers around the blob */
    int fd;         /* the blob's bytes in a file at fd_off, or -1 */
    uint64_t fd_off;
    /* The mapping of a file that data lies in (the input's, or a decoded
     * blob kept in a temporary file), whose pages are released behind the
     * passes that read them; NULL when data is heap memory. */
    const uint8_t *map;
    size_t map_len;
} frame;

struct ks_fmt_ctx {
    frame fr;      /* the blob being decoded; fd_off: where the container starts */
    expansion *x;
    const ks_format *fmt;
    char label[64];     /* "gzip@0x40" when carved, "" otherwise */
    uint64_t label_off; /* where the container starts in the blob */
    bool carved;
    bool claimed; /* the header checked out: warnings are real */
    bool emitted; /* a child was emitted: the container was read */
    uint64_t released_in; /* input bytes whose pages were released behind the decoder */
    ks_diags pending; /* carved: warnings held until something is emitted */
};

static void unpack_blob(const frame *f, bool opaque, size_t skip);

/* A stream: its first bytes in memory (head), the rest from read. */
struct ks_fmt_stream {
    const uint8_t *head;
    size_t head_len, head_pos;
    ks_fmt_read_fn read;
    void *payload;
    uint8_t *buf; /* the piece read last */
    size_t cap;
    uint64_t pos; /* bytes handed out */
    bool end;
};

/* ------------------------------------------------------------------------ */
/* Text or binary                                                            */

static bool is_text(const uint8_t *d, size_t n)
{
    size_t m = n < TEXT_PROBE ? n : TEXT_PROBE;
    if (m >= 2 && ((d[0] == 0xff && d[1] == 0xfe) || (d[0] == 0xfe && d[1] == 0xff)))
        return false; /* UTF-16 with a byte-order mark: decoded by the strings pass */
    return memchr(d, 0, m) == NULL;
}

bool ks_unpack_wanted(const ks_scan_config *cfg, const uint8_t *head, size_t n)
{
    if (cfg->limits.no_unpack || n == 0)
        return false;
    return !is_text(head, n) || ks_format_sniff(head, n) != NULL;
}

/* Release the pages of the blob's mapping that hold [p, p + n), whole
 * pages at either end: a page released too early is only read again (the
 * mapping is of a file, never written through here). */
static void release(const frame *f, const uint8_t *p, size_t n)
{
    if (!f->map || p < f->map || p >= f->map + f->map_len)
        return;
    long pg = sysconf(_SC_PAGESIZE);
    uintptr_t a = (uintptr_t)p & ~((uintptr_t)pg - 1);
    uintptr_t e = ((uintptr_t)p + n + (uintptr_t)pg - 1) & ~((uintptr_t)pg - 1);
    uintptr_t me = ((uintptr_t)(f->map + f->map_len) + (uintptr_t)pg - 1) & ~((uintptr_t)pg - 1);
    if (e > me)
        e = me;
    if (e > a)
        (void)madvise((void *)a, e - a, MADV_DONTNEED);
}

/* ------------------------------------------------------------------------ */
/* Strings of binary bytes                                                   */

/* Bytes kept in a printable run: ASCII graphic characters, space, tab, CR
 * and LF (so a PEM block in a binary stays one run). */
static const uint8_t printable[256] = {
    ['\t'] = 1, ['\n'] = 1, ['\r'] = 1,
#define R8(c) [c] = 1, [c + 1] = 1, [c + 2] = 1, [c + 3] = 1, [c + 4] = 1, [c + 5] = 1, \
              [c + 6] = 1, [c + 7] = 1
    R8(0x20), R8(0x28), R8(0x30), R8(0x38), R8(0x40), R8(0x48), R8(0x50), R8(0x58),
    R8(0x60), R8(0x68), R8(0x70), [0x78] = 1, [0x79] = 1, [0x7a] = 1, [0x7b] = 1,
    [0x7c] = 1, [0x7d] = 1, [0x7e] = 1,
#undef R8
};

typedef struct strings_src {
    ks_worker *w;
    const frame *f;
    const uint8_t *d;
    size_t pos, end;  /* bytes still to look at */
    size_t released;  /* bytes before this are released */
    uint64_t vpos;    /* text produced so far */
    size_t run_at;    /* a run being copied (cut by the end of a chunk) */
    size_t run_left;  /* characters of it still to copy */
    uint32_t stride;  /* 1 ASCII, 2 UTF-16LE */
    uint32_t cont;    /* the run goes on at pos (it was longer than RELEASE_EVERY): its stride */
    bool sep;         /* a line break is owed after the last run */
} strings_src;

/* Release what lies behind the bytes still needed, every RELEASE_EVERY
 * bytes, so that a long stretch with no run (a sparse image: gigabytes
 * of zeros) or one long run does not stay resident. */
static void release_behind(strings_src *s, size_t upto)
{
    if (upto > s->released && upto - s->released >= RELEASE_EVERY) {
        release(s->f, s->d + s->released, upto - s->released);
        s->released = upto;
    }
}

/* The first byte at or after `pos` that is printable (a run can start
 * there), or `end`. Padding and code are mostly not: skip 16 at a time. */
static size_t skip_unprintable(const uint8_t *d, size_t pos, size_t end)
{
#ifdef __SSE2__
    const __m128i lo = _mm_set1_epi8(0x1f), hi = _mm_set1_epi8(0x7f);
    const __m128i tab = _mm_set1_epi8('\t'), lf = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r');
    while (pos + 16 <= end) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(d + pos));
        /* Signed compares: bytes >= 0x80 are negative, so never in range. */
        __m128i m = _mm_and_si128(_mm_cmpgt_epi8(v, lo), _mm_cmplt_epi8(v, hi));
        m = _mm_or_si128(m, _mm_or_si128(_mm_cmpeq_epi8(v, tab),
                                         _mm_or_si128(_mm_cmpeq_epi8(v, lf),
                                                      _mm_cmpeq_epi8(v, cr))));
        int bits = _mm_movemask_epi8(m);
        if (bits)
            return pos + (size_t)__builtin_ctz((unsigned)bits);
        pos += 16;
    }
#endif
    while (pos < end && !printable[d[pos]])
        pos++;
    return pos;
}

#ifdef __SSE2__
/* Bit i: byte i of p[0, 64) is printable; *zero: bit i, it is 0. */
static uint64_t printable64(const uint8_t *p, uint64_t *zero)
{
    const __m128i lo = _mm_set1_epi8(0x1f), hi = _mm_set1_epi8(0x7f), nul = _mm_setzero_si128();
    const __m128i tab = _mm_set1_epi8('\t'), lf = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r');
    uint64_t pm = 0, zm = 0;
    for (unsigned k = 0; k < 4; k++) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * k));
        __m128i m = _mm_and_si128(_mm_cmpgt_epi8(v, lo), _mm_cmplt_epi8(v, hi));
        m = _mm_or_si128(m, _mm_or_si128(_mm_cmpeq_epi8(v, tab),
                                         _mm_or_si128(_mm_cmpeq_epi8(v, lf),
                                                      _mm_cmpeq_epi8(v, cr))));
        pm |= (uint64_t)(unsigned)_mm_movemask_epi8(m) << (16 * k);
        zm |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, nul)) << (16 * k);
    }
    *zero = zm;
    return pm;
}
#endif

/* The first byte at or after `pos` where next_run can find a run: MIN_RUN
 * printable bytes in a row, or MIN_RUN printable characters each followed
 * by a zero byte (UTF-16LE); `end` when there is none. Code and tables are
 * full of printable bytes in short runs, which the byte loop of next_run
 * would look at one by one: 64 bytes are judged at a time instead. A start
 * is judged where all the bytes it needs (2 x MIN_RUN) are in the window, so
 * windows advance by 64 - 2 x MIN_RUN + 1; the last bytes are left to
 * skip_unprintable and next_run, which find the same runs. */
static size_t skip_to_run(const uint8_t *d, size_t pos, size_t end)
{
#ifdef __SSE2__
    const unsigned judged = 64 - 2 * MIN_RUN + 1;
    while (pos + 64 <= end) {
        uint64_t z, p = printable64(d + pos, &z);
        uint64_t ascii = p, utf16 = p & z >> 1;
        for (unsigned k = 1; k < MIN_RUN; k++) {
            ascii &= p >> k;
            utf16 &= p >> (2 * k) & z >> (2 * k + 1);
        }
        uint64_t at = (ascii | utf16) & ((1ull << judged) - 1);
        if (at)
            return pos + (size_t)__builtin_ctzll(at);
        pos += judged;
    }
#endif
    return skip_unprintable(d, pos, end);
}

/* Find the next run at or after s->pos; false at the end. A run is
 * looked at RELEASE_EVERY bytes at a time: a longer one is handed out in
 * parts with no line break between them (s->cont). */
static bool next_run(strings_src *s)
{
    const uint8_t *d = s->d;
    size_t pos = s->pos, end = s->end;
    uint32_t cont = s->cont;
    s->cont = 0;
    while (pos < end) {
        size_t lim = end - pos > RELEASE_EVERY ? pos + RELEASE_EVERY : end;
        if (!cont) {
            pos = skip_to_run(d, pos, lim);
            if (pos >= lim) {
                release_behind(s, pos);
                continue;
            }
            lim = end - pos > RELEASE_EVERY ? pos + RELEASE_EVERY : end; /* for the run */
        }
        size_t i = pos;
        if (cont != 2)
            while (i < lim && printable[d[i]])
                i++;
        if (i - pos >= MIN_RUN || (cont == 1 && i > pos)) {
            s->run_at = pos;
            s->run_left = i - pos;
            s->stride = 1;
            s->pos = i;
            if (i == lim && lim < end && printable[d[lim]])
                s->cont = 1;
            return true;
        }
        /* UTF-16LE: printable characters each followed by a zero byte. */
        size_t j = pos, c = 0;
        while (j + 1 < lim && printable[d[j]] && d[j + 1] == 0) {
            j += 2;
            c++;
        }
        if (c >= MIN_RUN || (cont == 2 && c > 0)) {
            s->run_at = pos;
            s->run_left = c;
            s->stride = 2;
            s->pos = j;
            if (j + 1 >= lim && j + 1 < end && printable[d[j]] && d[j + 1] == 0)
                s->cont = 2;
            return true;
        }
        cont = 0;
        /* A short run ending at a zero byte may be where UTF-16 starts. */
        if (i > pos + 1 && i < end && d[i] == 0)
            pos = i - 1;
        else
            pos = i > pos ? i : pos + 1;
    }
    s->pos = end;
    return false;
}

static void view_add(ks_view *v, uint64_t view, uint64_t orig, uint32_t len, uint32_t stride)
{
    ks_grow((void **)&v->v, &v->cap, v->n + 1, sizeof(ks_seg));
    v->v[v->n++] = (ks_seg){view, orig, len, stride};
}

static ssize_t fill_strings(void *ctx, uint8_t *dst, size_t want)
{
    strings_src *s = ctx;
    ks_view *v = s->w->view;
    /* Segments wholly before the buffer are not needed any more. */
    while (v->first < v->n && v->v[v->first].view + v->v[v->first].len <= s->w->base)
        v->first++;
    if (v->first > 1024 && v->first * 2 > v->n) {
        memmove(v->v, v->v + v->first, (v->n - v->first) * sizeof(ks_seg));
        v->n -= v->first;
        v->first = 0;
    }
    size_t o = 0;
    while (o < want) {
        if (s->sep) {
            dst[o++] = '\n';
            s->vpos++;
            s->sep = false;
            continue;
        }
        if (s->run_left) {
            size_t k = s->run_left < want - o ? s->run_left : want - o;
            view_add(v, s->vpos, s->run_at, (uint32_t)k, s->stride);
            if (s->stride == 1) {
                memcpy(dst + o, s->d + s->run_at, k);
            } else {
                for (size_t i = 0; i < k; i++)
                    dst[o + i] = s->d[s->run_at + 2 * i];
            }
            o += k;
            s->vpos += k;
            s->run_at += k * s->stride;
            s->run_left -= k;
            if (!s->run_left)
                s->sep = !s->cont;
            continue;
        }
        if (!next_run(s))
            break;
    }
    release_behind(s, s->run_left ? s->run_at : s->pos);
    return (ssize_t)o;
}

/* One engine pass over the strings of d[from, to). */
static void strings_pass(ks_worker *w, const frame *f, const uint8_t *d, size_t from, size_t to,
                         uint32_t flags, uint64_t *scanned)
{
    if (to <= from)
        return;
    ks_view view = {0};
    strings_src s = {.w = w, .f = f, .d = d, .pos = from, .end = to, .released = from};
    uint64_t text = 0;
    w->view = &view;
    ks_scan_pass(w, fill_strings, &s, flags, -1, 0, &text);
    w->view = NULL;
    *scanned += to - from; /* the blob's bytes covered, not the text made of them */
    free(view.v);
    release(f, d + s.released, to - s.released);
}

/* ------------------------------------------------------------------------ */
/* Carving: candidates from the registry's signature database               */

typedef struct cand {
    uint64_t off;
    const ks_format *fmt;
} cand;

typedef struct carver {
    const uint8_t *d;
    size_t len;
    cand *v;
    size_t n, cap, next;
    size_t scanned_to; /* magics ending at or before this were found */
    size_t from;       /* candidates before this are not wanted */
    uint64_t win_start;
} carver;

static void on_magic(void *payload, const ks_format *fmt, size_t to, size_t reach)
{
    carver *c = payload;
    uint64_t end = c->win_start + to;
    if (end <= c->scanned_to || end < reach)
        return;
    uint64_t off = end - reach;
    if (off < c->from)
        return;
    ks_grow((void **)&c->v, &c->cap, c->n + 1, sizeof(cand));
    c->v[c->n++] = (cand){off, fmt};
}

static int cmp_cand(const void *a, const void *b)
{
    const cand *x = a, *y = b;
    return x->off < y->off ? -1 : x->off > y->off;
}

/* The next offset at or after `from` where a container starts (its
 * format's sniff agrees), other than `skip`; false when there is none. */
static bool next_container(ks_worker *w, const frame *f, carver *c, size_t from, size_t skip,
                           cand *out)
{
    if (!w->carver_tried) {
        w->carver = ks_carve_scratch_new();
        w->carver_tried = true;
    }
    if (!w->carver)
        return false;
    c->from = from;
    for (;;) {
        while (c->next < c->n) {
            const cand *k = &c->v[c->next++];
            if (k->off < from || k->off == skip || k->off >= c->len)
                continue;
            if (k->fmt->sniff(c->d + k->off, c->len - k->off)) {
                *out = *k;
                return true;
            }
        }
        if (c->scanned_to >= c->len)
            return false;
        size_t reach = ks_carve_reach();
        size_t ws = c->scanned_to > reach ? c->scanned_to - reach : 0;
        size_t we = c->len - c->scanned_to > CARVE_WINDOW ? c->scanned_to + CARVE_WINDOW : c->len;
        c->n = c->next = 0;
        c->win_start = ws;
        ks_carve_scan(w->carver, c->d + ws, we - ws, on_magic, c);
        c->scanned_to = we;
        if (c->n > 1)
            qsort(c->v, c->n, sizeof(cand), cmp_cand);
        /* From ws: the overlap with the last window was touched again. */
        release(f, c->d + ws, we - ws);
    }
}

/* ------------------------------------------------------------------------ */
/* The decoder context                                                       */

/* A warning about the input, past the per-input cap only counted. */
static void input_warn(ks_fmt_ctx *ctx, const char *path, const char *msg)
{
    if (atomic_fetch_add(&ctx->fr.in->warnings, 1) >= MAX_INPUT_WARNINGS)
        atomic_fetch_add(&ctx->fr.in->dropped, 1);
    else
        ks_worker_warn(ctx->fr.w, path, "%s", msg);
}

static void ctx_warn(ks_fmt_ctx *ctx, const char *msg)
{
    unsigned n = atomic_fetch_add(&ctx->x->warnings, 1) + 1;
    if (n > MAX_CONTAINER_WARNINGS + 1)
        return;
    if (n == MAX_CONTAINER_WARNINGS + 1)
        msg = "further warnings about this container are not shown";
    char *path = ks_origin_render(ctx->fr.origin, ctx->label);
    if (ctx->carved && !ctx->claimed && !ctx->emitted)
        ks_diags_add(&ctx->pending, path, msg);
    else
        input_warn(ctx, path, msg);
    free(path);
}

static void flush_pending(ks_fmt_ctx *ctx)
{
    for (size_t i = 0; i < ctx->pending.n; i++)
        input_warn(ctx, ctx->pending.v[i].path, ctx->pending.v[i].message);
    ks_diags_dispose(&ctx->pending);
}

static void vwarn(ks_fmt_ctx *ctx, uint64_t offset, const char *kind, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));
static void vwarn(ks_fmt_ctx *ctx, uint64_t offset, const char *kind, const char *fmt, va_list ap)
{
    char msg[512], full[640];
    vsnprintf(msg, sizeof msg, fmt, ap);
    if (offset != KS_NO_OFFSET)
        snprintf(full, sizeof full, "%s%s at offset 0x%llx: %s", kind, ctx->fmt->name,
                 (unsigned long long)offset, msg);
    else
        snprintf(full, sizeof full, "%s%s: %s", kind, ctx->fmt->name, msg);
    ctx_warn(ctx, full);
}

void ks_fmt_warn(ks_fmt_ctx *ctx, uint64_t offset, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vwarn(ctx, offset, "", fmt, ap);
    va_end(ap);
}

void ks_fmt_not_unpacked(ks_fmt_ctx *ctx, uint64_t offset, const char *fmt, ...)
{
    va_list ap;
    ks_fmt_claim(ctx); /* recognised: worth saying, even when carved */
    ks_input *in = ctx->fr.in;
    bool seen = false;
    pthread_mutex_lock(&in->lock);
    for (size_t i = 0; i < in->nreported; i++)
        seen |= in->reported[i] == ctx->fmt;
    if (!seen && in->nreported < MAX_REPORTED)
        in->reported[in->nreported++] = ctx->fmt;
    pthread_mutex_unlock(&in->lock);
    if (seen)
        return;
    ctx->fr.w->not_unpacked++;
    va_start(ap, fmt);
    vwarn(ctx, offset, "not unpacked: ", fmt, ap);
    va_end(ap);
}

static void budget_warn(ks_fmt_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void budget_warn(ks_fmt_ctx *ctx, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ctx->fr.w->budget_hits++;
    ks_fmt_claim(ctx); /* a budget hit is never a lookalike's */
    ctx_warn(ctx, msg);
}

int ks_fmt_reserve(ks_fmt_ctx *ctx, uint64_t bytes, uint64_t in_bytes)
{
    const ks_unpack_limits *l = &ks_worker_config(ctx->fr.w)->limits;
    /* A stream decoder reads its input once, front to back: the pages of
     * a mapping behind it can go (at worst they are read again). */
    if (in_bytes >= ctx->released_in + RELEASE_EVERY && ctx->label_off < ctx->fr.len) {
        size_t left = ctx->fr.len - (size_t)ctx->label_off;
        size_t upto = in_bytes < left ? (size_t)in_bytes : left;
        release(&ctx->fr, ctx->fr.data + ctx->label_off + ctx->released_in,
                upto - (size_t)ctx->released_in);
        ctx->released_in = upto;
    }
    if (atomic_load(&ctx->fr.in->spent))
        return KS_ELIMIT;
    uint64_t total = atomic_fetch_add(&ctx->fr.in->expanded, bytes) + bytes;
    if (l->max_expanded && total > l->max_expanded) {
        if (!atomic_exchange(&ctx->fr.in->spent, true))
            budget_warn(ctx,
                        "budget: more than %llu bytes expanded from this input (--max-expanded): "
                        "unpacking stopped here",
                        (unsigned long long)l->max_expanded);
        return KS_ELIMIT;
    }
    /* The whole input against its own size: nested bombs (zips of zips)
     * stay small at every level and are caught here. */
    if (l->max_ratio && ctx->fr.in->size && total > l->ratio_floor &&
        total / ctx->fr.in->size > l->max_ratio) {
        if (!atomic_exchange(&ctx->fr.in->spent, true))
            budget_warn(ctx,
                        "budget: this input expands to more than %llu times its size "
                        "(--max-ratio): unpacking stopped after %llu bytes",
                        (unsigned long long)l->max_ratio, (unsigned long long)total);
        return KS_ELIMIT;
    }
    uint64_t out = atomic_fetch_add(&ctx->x->out, bytes) + bytes;
    if (l->max_ratio && in_bytes && out > l->ratio_floor && out / in_bytes > l->max_ratio) {
        if (!atomic_exchange(&ctx->x->ratio_warned, true))
            budget_warn(ctx,
                        "budget: %s expands more than %llu times its size (--max-ratio): "
                        "stopped after %llu bytes",
                        ctx->fmt->name, (unsigned long long)l->max_ratio,
                        (unsigned long long)out);
        return KS_ELIMIT;
    }
    return 0;
}

int ks_fmt_entry(ks_fmt_ctx *ctx)
{
    const ks_unpack_limits *l = &ks_worker_config(ctx->fr.w)->limits;
    uint64_t n = atomic_fetch_add(&ctx->x->entries, 1) + 1;
    if (l->max_entries && n > l->max_entries) {
        if (!atomic_exchange(&ctx->x->entries_warned, true))
            budget_warn(ctx, "budget: more than %llu entries (--max-entries): the rest not read",
                        (unsigned long long)l->max_entries);
        return KS_ELIMIT;
    }
    return 0;
}

uint64_t ks_fmt_max_blob(const ks_fmt_ctx *ctx)
{
    uint64_t m = ks_worker_config(ctx->fr.w)->max_file_size;
    return m ? m : UINT64_MAX;
}

uint64_t ks_fmt_hold(const ks_fmt_ctx *ctx)
{
    uint64_t m = ks_fmt_max_blob(ctx);
    return m < KS_FMT_HOLD ? (m ? m : 1) : KS_FMT_HOLD;
}

void ks_fmt_claim(ks_fmt_ctx *ctx)
{
    ctx->claimed = true;
    flush_pending(ctx);
}

bool ks_fmt_carved(const ks_fmt_ctx *ctx)
{
    return ctx->carved;
}

int ks_fmt_fd(const ks_fmt_ctx *ctx, uint64_t *offset)
{
    *offset = ctx->fr.fd_off;
    return ctx->fr.fd;
}

/* A child of the blob being decoded: its origin (o, with the strings it
 * points at in *name and *member, freed by the caller) and its frame. */
static void child_frame(ks_fmt_ctx *ctx, const ks_child *c, ks_origin *o, char **name,
                        char **member, frame *child)
{
    const char *base = c->kind == KS_CHILD_STREAM ? ctx->fmt->name : c->name ? c->name : "";
    *member = NULL;
    if (c->kind == KS_CHILD_MEMBER) {
        /* One spelling for paths inside archives and file systems:
         * "./etc/shadow", "etc/shadow" and "/etc/shadow" are "/etc/shadow". */
        while (base[0] == '.' && base[1] == '/')
            base += 2;
        while (base[0] == '/')
            base++;
        size_t bl = strlen(base);
        *member = ks_xmalloc(bl + 2);
        (*member)[0] = '/';
        memcpy(*member + 1, base, bl + 1);
        base = *member;
    }
    const char *sep;
    if (ctx->label[0]) {
        size_t ll = strlen(ctx->label), bl = strlen(base);
        *name = ks_xmalloc(ll + bl + 2);
        memcpy(*name, ctx->label, ll);
        if (c->kind == KS_CHILD_STREAM) {
            (*name)[ll] = '\0';
        } else {
            (*name)[ll] = c->kind == KS_CHILD_MEMBER ? ':' : '!';
            memcpy(*name + ll + 1, base, bl + 1);
        }
        sep = "!";
    } else {
        *name = ks_xstrdup(base);
        sep = c->kind == KS_CHILD_MEMBER ? ":" : "!";
    }
    *o = (ks_origin){
        .parent = ctx->fr.origin,
        .name = *name,
        .sep = sep,
        .parent_offset =
            c->parent_offset == KS_NO_OFFSET ? KS_NO_OFFSET : ctx->label_off + c->parent_offset,
        .whole = c->whole,
        .file = c->kind == KS_CHILD_MEMBER,
        .has_vaddr = c->has_vaddr,
        .vaddr = c->vaddr,
        .symbol = c->symbol,
        .symbol_payload = c->symbol_payload,
    };
    *child = (frame){.w = ctx->fr.w,
                     .in = ctx->fr.in,
                     .data = c->data,
                     .len = c->len,
                     .origin = o,
                     /* a stream without a name (foo.1.gz!gzip) is its parent's text */
                     .flags = *member ? ks_scan_flags_for_name(*member) : ctx->fr.flags,
                     .depth = ctx->fr.depth + 1,
                     .fd = -1};
    if (ctx->fr.fd >= 0 && c->parent_offset != KS_NO_OFFSET && !c->whole) {
        child->fd = ctx->fr.fd;
        child->fd_off = ctx->fr.fd_off + c->parent_offset;
    }
    if (ctx->fr.map && c->data >= ctx->fr.map && c->data < ctx->fr.map + ctx->fr.map_len) {
        child->map = ctx->fr.map;
        child->map_len = ctx->fr.map_len;
    } else {
        /* Decoded bytes kept in a temporary file (outbuf.c): its mapping
         * is released behind the passes, and decoders read it by fd. */
        int fd = ks_outbuf_file(c->data, &child->map, &child->map_len);
        if (fd >= 0 && child->fd < 0) {
            child->fd = fd;
            child->fd_off = (uint64_t)(c->data - child->map);
        }
    }
    ctx->emitted = true;
    flush_pending(ctx);
}

int ks_fmt_emit(ks_fmt_ctx *ctx, const ks_child *c)
{
    /* After a budget is spent, what is already decoded is still scanned,
     * but nothing more is unpacked from it. */
    bool spent = atomic_load(&ctx->fr.in->spent);
    ks_origin o;
    char *name, *member;
    frame child;
    child_frame(ctx, c, &o, &name, &member, &child);
    /* A slice costs no decoding, but it is scanned, and slices can overlap
     * (ELF sections that each hold the whole file, each holding the ELF
     * again...): they count against the input's budgets like decoded bytes,
     * or crafted input could make the work exponential in the depth. */
    if (!spent && c->parent_offset != KS_NO_OFFSET && !c->whole &&
        ks_fmt_reserve(ctx, c->len, 0) != 0)
        spent = true;
    /* A slice at the container's own start begins with the container's
     * header: recognised there, it would be the container again, inside
     * itself, down to the depth limit. Not at that offset. */
    bool self = c->parent_offset == 0 && !c->whole;
    unpack_blob(&child, c->opaque || spent || self, self ? 0 : SIZE_MAX);
    free(name);
    free(member);
    return atomic_load(&ctx->fr.in->spent) ? KS_ELIMIT : 0;
}

/* ------------------------------------------------------------------------ */
/* Streams: children too large to hold                                       */

#define STREAM_PIECE (1u << 20) /* bytes read from a stream's producer at a time */

size_t ks_fmt_stream_next(ks_fmt_stream *s, const uint8_t **p, size_t max)
{
    if (s->head_pos < s->head_len) {
        size_t k = s->head_len - s->head_pos < max ? s->head_len - s->head_pos : max;
        *p = s->head + s->head_pos;
        s->head_pos += k;
        s->pos += k;
        return k;
    }
    if (s->end || max == 0)
        return 0;
    if (!s->buf) {
        s->cap = STREAM_PIECE;
        s->buf = ks_xmalloc(s->cap);
    }
    size_t k = s->read(s->payload, s->buf, max < s->cap ? max : s->cap);
    if (k == 0)
        s->end = true;
    *p = s->buf;
    s->pos += k;
    return k;
}

/* ks_fill_fn of a pass over a stream: full chunks until the end. */
static ssize_t fill_stream(void *ctx, uint8_t *dst, size_t want)
{
    ks_fmt_stream *s = ctx;
    size_t o = 0;
    while (o < want) {
        if (s->head_pos < s->head_len) {
            size_t k = s->head_len - s->head_pos < want - o ? s->head_len - s->head_pos : want - o;
            memcpy(dst + o, s->head + s->head_pos, k);
            s->head_pos += k;
            s->pos += k;
            o += k;
            continue;
        }
        if (s->end)
            break;
        size_t k = s->read(s->payload, dst + o, want - o);
        if (k == 0)
            s->end = true;
        s->pos += k;
        o += k;
    }
    return (ssize_t)o;
}

/* Binary bytes of a stream that is not a container read in order: into an
 * unlinked temporary file, mapped and unpacked like a file on disk
 * (carving, strings, containers read at random), its pages released
 * behind the passes. The file is as large as the stream, which the
 * input's budgets (--max-expanded, --max-ratio) bound. */
static void spill(const frame *f, ks_fmt_stream *st, bool opaque)
{
    ks_worker *w = f->w;
    int fd = ks_temp_file();
    const char *why = NULL;
    uint64_t len = 0;
    if (fd < 0) {
        why = strerror(errno);
    } else {
        for (;;) {
            const uint8_t *p;
            size_t k = ks_fmt_stream_next(st, &p, STREAM_PIECE);
            if (k == 0)
                break;
            size_t done = 0;
            while (done < k) {
                ssize_t r = write(fd, p + done, k - done);
                if (r < 0 && errno == EINTR)
                    continue;
                if (r <= 0) {
                    why = r < 0 ? strerror(errno) : "short write";
                    break;
                }
                done += (size_t)r;
            }
            len += done;
            if (why)
                break;
        }
    }
    void *m = MAP_FAILED;
    if (!why && len > 0 && len == (size_t)len) {
        m = mmap(NULL, (size_t)len, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m == MAP_FAILED)
            why = strerror(errno);
    }
    if (why) {
        /* Keep going with what is in memory: the stream's first bytes. */
        char *o = ks_origin_render(f->origin, NULL);
        ks_worker_warn(w, o,
                       "temporary file for a %llu-byte stream (in %s): %s: only its first %zu "
                       "bytes are scanned",
                       (unsigned long long)(len > f->len ? len : f->len),
                       ks_temp_dir(), why, f->len);
        free(o);
        unpack_blob(f, opaque, SIZE_MAX);
    } else if (m != MAP_FAILED) {
        (void)madvise(m, (size_t)len, MADV_SEQUENTIAL);
        frame g = *f;
        g.data = m;
        g.len = (size_t)len;
        g.fd = fd;
        g.fd_off = 0;
        g.map = m;
        g.map_len = (size_t)len;
        unpack_blob(&g, opaque, SIZE_MAX);
        munmap(m, (size_t)len);
    }
    if (fd >= 0)
        close(fd);
}

static bool too_deep(const frame *f, const ks_format *fmt);

/* A stream child (f->data: its first bytes): a container at its start that
 * reads in order is expanded from the stream; text is scanned in chunks;
 * other bytes are spilled to a file. */
static void unpack_stream(const frame *f, ks_fmt_stream *st, bool opaque)
{
    ks_worker *w = f->w;
    const ks_scan_config *cfg = ks_worker_config(w);
    bool file = f->origin->file;
    if (file)
        ks_worker_new_file(w);
    const ks_format *fmt =
        opaque || cfg->limits.no_unpack || !f->len ? NULL : ks_format_sniff(f->data, f->len);
    if (fmt && fmt->expand_stream && !too_deep(f, fmt) && !atomic_load(&f->in->spent)) {
        expansion x = {0};
        ks_fmt_ctx ctx = {.fr = *f, .x = &x, .fmt = fmt, .carved = !file};
        int rc = fmt->expand_stream(&ctx, st);
        if (ctx.carved && !ctx.emitted && !ctx.claimed) {
            ks_diags_dispose(&ctx.pending); /* a lookalike */
        } else {
            flush_pending(&ctx);
        }
        if (rc == 0 || ctx.emitted) {
            w->containers++;
            /* What follows the container in the stream (a tar's padding):
             * read to the end; anything but zeros is said, not hidden. */
            uint64_t at = st->pos, nonzero = 0;
            const uint8_t *p;
            size_t k;
            while ((k = ks_fmt_stream_next(st, &p, STREAM_PIECE)) > 0)
                for (size_t i = 0; i < k; i++)
                    nonzero += p[i] != 0;
            if (nonzero) {
                char *o = ks_origin_render(f->origin, NULL);
                ks_worker_warn(w, o,
                               "%llu bytes after the %s container, from offset %llu of the "
                               "stream on, are not scanned",
                               (unsigned long long)(st->pos - at), fmt->name,
                               (unsigned long long)at);
                free(o);
            }
            if (file)
                atomic_fetch_add_explicit(&w->files, 1, memory_order_relaxed);
            return;
        }
        /* Not one after all: from the start again, when that is still in
         * memory (the sniff reads far less than the first bytes). */
        if (st->pos <= st->head_len) {
            st->head_pos = 0;
            st->pos = 0;
        }
    }
    if (is_text(f->data, f->len)) {
        uint64_t scanned = 0;
        ks_blob_begin(w, f->origin);
        ks_scan_pass(w, fill_stream, st, f->flags, -1, 0, &scanned);
        ks_blob_end(w, scanned, file);
        return;
    }
    spill(f, st, opaque);
}

int ks_fmt_emit_stream(ks_fmt_ctx *ctx, const ks_child *c, ks_fmt_read_fn read, void *payload)
{
    bool spent = atomic_load(&ctx->fr.in->spent);
    ks_origin o;
    char *name, *member;
    frame child;
    child_frame(ctx, c, &o, &name, &member, &child);
    child.fd = -1; /* decoded: the bytes are not in a file */
    ks_fmt_stream st = {.head = c->data, .head_len = c->len, .read = read, .payload = payload};
    unpack_stream(&child, &st, c->opaque || spent);
    free(st.buf);
    free(name);
    free(member);
    return atomic_load(&ctx->fr.in->spent) ? KS_ELIMIT : 0;
}

/* Parallel tasks: each runs with a context of its own on the worker that
 * takes it, sharing the expansion's counters. */
typedef struct fmt_job {
    ks_job job; /* first: the pipeline hands this back */
    const ks_fmt_ctx *parent;
    ks_fmt_task_fn fn;
    void *payload;
} fmt_job;

static void run_fmt_task(ks_worker *w, ks_job *job, size_t i)
{
    fmt_job *fj = (fmt_job *)job;
    ks_fmt_ctx t = *fj->parent;
    t.fr.w = w;
    t.emitted = true; /* the container was read before its tasks were made */
    memset(&t.pending, 0, sizeof t.pending);
    fj->fn(&t, fj->payload, i);
}

int ks_fmt_parallel(ks_fmt_ctx *ctx, size_t n, ks_fmt_task_fn fn, void *payload)
{
    ctx->emitted = true;
    flush_pending(ctx);
    fmt_job fj = {.job = {.n = n, .run = run_fmt_task}, .parent = ctx, .fn = fn,
                  .payload = payload};
    ks_pipeline_run_job(ctx->fr.w, &fj.job);
    return atomic_load(&ctx->fr.in->spent) ? KS_ELIMIT : 0;
}

/* ------------------------------------------------------------------------ */
/* The walk                                                                  */

/* Expand the container of format `fmt` at f->data[off]. Returns 0 when it
 * was read (then *consumed is its size), or a negative code when it was
 * not a container after all. `carved`: found inside unknown bytes (it is
 * named "fmt@0x..."). `strict`: judged like a carved one (a lookalike's
 * warnings are dropped), as for what starts a section or a stream, where
 * a weak magic is no better evidence than anywhere in a binary. */
static int expand_at(const frame *f, size_t off, const ks_format *fmt, bool carved, bool strict,
                     uint64_t *consumed)
{
    expansion x = {0};
    ks_fmt_ctx ctx = {
        .fr = *f,
        .x = &x,
        .fmt = fmt,
        .label_off = off,
        .carved = carved || strict,
    };
    ctx.fr.fd_off = f->fd >= 0 ? f->fd_off + off : 0;
    if (carved)
        snprintf(ctx.label, sizeof ctx.label, "%s@0x%llx", fmt->name, (unsigned long long)off);
    *consumed = 0;
    int rc = fmt->expand(&ctx, f->data + off, f->len - off, consumed);
    if (ctx.carved && !ctx.emitted && !ctx.claimed) {
        ks_diags_dispose(&ctx.pending); /* a lookalike */
        return rc ? rc : KS_EINVAL;
    }
    flush_pending(&ctx);
    if (rc == 0 || ctx.emitted) {
        f->w->containers++;
        if (*consumed == 0 || *consumed > f->len - off)
            *consumed = f->len - off;
        return 0;
    }
    return rc;
}

/* Strings of binary bytes from `start`, and the containers carved from them. */
static void binary_scan(const frame *f, size_t start, size_t skip, bool file)
{
    ks_worker *w = f->w;
    const ks_scan_config *cfg = ks_worker_config(w);
    bool carve = !cfg->limits.no_unpack && f->depth < cfg->limits.max_depth;
    carver c = {.d = f->data, .len = f->len, .scanned_to = start};
    uint64_t scanned = 0;
    size_t pos = start;
    for (;;) {
        cand k;
        bool found = carve && !atomic_load(&f->in->spent) &&
                     next_container(w, f, &c, pos, skip, &k);
        size_t end = found ? (size_t)k.off : f->len;
        ks_blob_begin(w, f->origin);
        strings_pass(w, f, f->data, pos, end, f->flags, &scanned);
        if (!found)
            break;
        uint64_t consumed = 0;
        if (expand_at(f, (size_t)k.off, k.fmt, true, true, &consumed) == 0)
            pos = (size_t)(k.off + (consumed ? consumed : 1));
        else
            pos = (size_t)k.off;
        skip = (size_t)k.off;
    }
    ks_blob_begin(w, f->origin);
    ks_blob_end(w, scanned, file);
    free(c.v);
}

/* Containers nested deeper than --max-depth are not unpacked (said once
 * per blob, counted as a budget hit). */
static bool too_deep(const frame *f, const ks_format *fmt)
{
    ks_worker *w = f->w;
    const ks_scan_config *cfg = ks_worker_config(w);
    if (f->depth < cfg->limits.max_depth)
        return false;
    char *path = ks_origin_render(f->origin, NULL);
    w->budget_hits++;
    ks_worker_warn(w, path,
                   "budget: %s nested %u containers deep (--max-depth %u): not unpacked, "
                   "scanned as bytes",
                   fmt->name, f->depth, cfg->limits.max_depth);
    free(path);
    return true;
}

/* A container at the start of the blob: expanded, then what follows it.
 * Returns false when the blob is not (or may not be) unpacked as one; then
 * *skip says whether offset 0 was tried already. */
static bool unpack_container(const frame *f, bool file, size_t *skip)
{
    ks_worker *w = f->w;
    const ks_format *fmt = ks_format_sniff(f->data, f->len);
    if (!fmt)
        return false;
    if (too_deep(f, fmt))
        return false;
    if (atomic_load(&f->in->spent))
        return false;
    uint64_t consumed = 0;
    if (expand_at(f, 0, fmt, false, !file, &consumed) != 0) {
        *skip = 0; /* it was not one: scan it, without trying it again */
        return false;
    }
    if (consumed < f->len)
        binary_scan(f, (size_t)consumed, SIZE_MAX, file);
    else if (file)
        atomic_fetch_add_explicit(&w->files, 1, memory_order_relaxed);
    return true;
}

/* Text in memory, whose pages are released behind the pass when it lies
 * in a mapping. */
typedef struct text_src {
    ks_mem_src m;
    const frame *f;
    size_t released;
} text_src;

static ssize_t fill_text(void *ctx, uint8_t *dst, size_t want)
{
    text_src *t = ctx;
    ssize_t n = ks_fill_mem(&t->m, dst, want);
    if (t->m.pos - t->released >= RELEASE_EVERY || (n >= 0 && (size_t)n < want)) {
        release(t->f, t->m.data + t->released, t->m.pos - t->released);
        t->released = t->m.pos;
    }
    return n;
}

/* `skip`: an offset where no container is looked for (SIZE_MAX: none). */
static void unpack_blob(const frame *f, bool opaque, size_t skip)
{
    const ks_scan_config *cfg = ks_worker_config(f->w);
    bool file = f->origin->file || !f->origin->parent;
    if (f->origin->file)
        ks_worker_new_file(f->w);
    if (!opaque && !cfg->limits.no_unpack && f->len > 0 && unpack_container(f, file, &skip))
        return;
    if (f->len > 0 && is_text(f->data, f->len)) {
        text_src m = {{f->data, f->len, 0}, f, 0};
        uint64_t scanned = 0;
        ks_blob_begin(f->w, f->origin);
        ks_scan_pass(f->w, fill_text, &m, f->flags, -1, 0, &scanned);
        ks_blob_end(f->w, scanned, file);
        return;
    }
    binary_scan(f, 0, skip, file);
}

void ks_unpack_root(ks_worker *w, const uint8_t *data, size_t len, const ks_origin *origin,
                    uint32_t flags, int fd, uint64_t fd_off)
{
    ks_input in = {.size = len};
    pthread_mutex_init(&in.lock, NULL);
    frame f = {.w = w,
               .in = &in,
               .data = data,
               .len = len,
               .origin = origin,
               .flags = flags,
               .depth = 0,
               .fd = fd,
               .fd_off = fd_off,
               .map = fd >= 0 ? data : NULL,
               .map_len = fd >= 0 ? len : 0};
    unpack_blob(&f, false, SIZE_MAX);
    unsigned dropped = atomic_load(&in.dropped);
    if (dropped)
        ks_worker_warn(w, origin->name, "%u more warnings about this input are not shown", dropped);
    pthread_mutex_destroy(&in.lock);
}

ks_unpack_limits ks_unpack_limits_default(void)
{
    return (ks_unpack_limits){
        .max_depth = 16,
        .max_expanded = 8ull << 30,
        .max_ratio = 200,
        .ratio_floor = 64ull << 20,
        .max_entries = 1000000,
    };
}

void ks_unpack_worker_dispose(ks_worker *w)
{
    ks_carve_scratch_free(w->carver);
    w->carver = NULL;
}
