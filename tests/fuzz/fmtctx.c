/*
 * fmtctx.c - the decoder context (formats/format.h) for fuzzing one
 * decoder on its own, without the pipeline.
 *
 * DESIGN
 * The pipeline's context (scanner/pipeline/unpack.c) scans each child and
 * unpacks it again; here a child is only checked against what format.h
 * promises and every byte of it read, so a campaign spends its time in the
 * decoder under test. The budgets are the pipeline's, made small enough
 * that one input stays well under libFuzzer's second and 256 MB.
 *
 * Linking this file instead of unpack.c's definitions: the fuzz targets of
 * single decoders reference nothing else of unpack.o, so the static
 * library never pulls it in beside this one.
 */
#include "fmt_target.h"

#include <stdio.h>
#include <string.h>

#define MAX_BLOB (16u << 20)
#define MAX_EXPANDED (64u << 20)
#define MAX_RATIO 200
#define RATIO_FLOOR (1u << 20)
#define MAX_ENTRIES 4096

struct ks_fmt_ctx {
    const uint8_t *data; /* the container's bytes */
    size_t len;
    uint64_t expanded, entries;
    bool carved, claimed, spent;
};

static void check_child(const ks_fmt_ctx *ctx, const ks_child *c)
{
    FZ_CHECK(c->kind == KS_CHILD_MEMBER || c->kind == KS_CHILD_SECTION ||
             c->kind == KS_CHILD_STREAM);
    FZ_CHECK(c->len == 0 || c->data);
    FZ_CHECK(c->len <= MAX_BLOB || c->parent_offset != KS_NO_OFFSET);
    if (c->kind != KS_CHILD_STREAM) {
        FZ_CHECK(c->name);
        fz_touch(c->name, strlen(c->name));
    }
    if (c->parent_offset != KS_NO_OFFSET) {
        /* A slice (or a rendering of one) lies inside the container. */
        FZ_CHECK(c->parent_offset <= ctx->len);
        if (!c->whole) {
            FZ_CHECK(c->len <= ctx->len - c->parent_offset);
            FZ_CHECK(c->data == ctx->data + c->parent_offset);
        }
    }
    fz_touch(c->data, c->len);
}

int ks_fmt_emit(ks_fmt_ctx *ctx, const ks_child *c)
{
    check_child(ctx, c);
    /* Slices count against the budget, as the pipeline counts them. */
    if (c->parent_offset != KS_NO_OFFSET && !c->whole && ks_fmt_reserve(ctx, c->len, 0) != 0)
        return KS_ELIMIT;
    return ctx->spent ? KS_ELIMIT : 0;
}

static void vsay(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
static void vsay(const char *fmt, va_list ap)
{
    char msg[512];
    int n = vsnprintf(msg, sizeof msg, fmt, ap);
    FZ_CHECK(n >= 0);
    fz_touch(msg, strlen(msg));
}

void ks_fmt_warn(ks_fmt_ctx *ctx, uint64_t offset, const char *fmt, ...)
{
    (void)ctx;
    (void)offset;
    va_list ap;
    va_start(ap, fmt);
    vsay(fmt, ap);
    va_end(ap);
}

void ks_fmt_not_unpacked(ks_fmt_ctx *ctx, uint64_t offset, const char *fmt, ...)
{
    (void)ctx;
    (void)offset;
    va_list ap;
    va_start(ap, fmt);
    vsay(fmt, ap);
    va_end(ap);
}

int ks_fmt_reserve(ks_fmt_ctx *ctx, uint64_t bytes, uint64_t in_bytes)
{
    if (ctx->spent)
        return KS_ELIMIT;
    ctx->expanded += bytes;
    if (ctx->expanded > MAX_EXPANDED ||
        (ctx->expanded > RATIO_FLOOR && ctx->len && ctx->expanded / ctx->len > MAX_RATIO) ||
        (in_bytes && ctx->expanded > RATIO_FLOOR && ctx->expanded / in_bytes > MAX_RATIO)) {
        ctx->spent = true;
        return KS_ELIMIT;
    }
    return 0;
}

int ks_fmt_entry(ks_fmt_ctx *ctx)
{
    return ++ctx->entries > MAX_ENTRIES ? KS_ELIMIT : 0;
}

uint64_t ks_fmt_max_blob(const ks_fmt_ctx *ctx)
{
    (void)ctx;
    return MAX_BLOB;
}

/* Streams: a child past HOLD bytes is pulled to its end here (every byte
 * touched, within the input's budget), as the pipeline scans it in chunks;
 * HOLD is small so that short inputs reach the streaming path. */
#define HOLD (1u << 20)

uint64_t ks_fmt_hold(const ks_fmt_ctx *ctx)
{
    (void)ctx;
    return HOLD;
}

int ks_fmt_emit_stream(ks_fmt_ctx *ctx, const ks_child *c, ks_fmt_read_fn read, void *payload)
{
    check_child(ctx, c);
    static uint8_t piece[64 * 1024];
    uint64_t total = c->len;
    for (;;) {
        size_t k = read(payload, piece, sizeof piece);
        if (k == 0)
            break;
        FZ_CHECK(k <= sizeof piece);
        fz_touch(piece, k);
        total += k;
        if (total > MAX_EXPANDED)
            return KS_ELIMIT;
    }
    return ctx->spent ? KS_ELIMIT : 0;
}

/* The pipeline's stream (unpack.c) is opaque to decoders; expand_stream is
 * not called by these targets, but the decoders that offer it link it. */
struct ks_fmt_stream {
    const uint8_t *d;
    size_t n, pos;
};

size_t ks_fmt_stream_next(ks_fmt_stream *s, const uint8_t **p, size_t max)
{
    size_t k = s->n - s->pos < max ? s->n - s->pos : max;
    *p = s->d + s->pos;
    s->pos += k;
    return k;
}

int ks_fmt_fd(const ks_fmt_ctx *ctx, uint64_t *offset)
{
    (void)ctx;
    *offset = 0;
    return -1;
}

int ks_fmt_parallel(ks_fmt_ctx *ctx, size_t n, ks_fmt_task_fn fn, void *payload)
{
    for (size_t i = 0; i < n && !ctx->spent; i++) {
        ks_fmt_ctx t = *ctx;
        fn(&t, payload, i);
        ctx->expanded = t.expanded;
        ctx->entries = t.entries;
        ctx->spent = t.spent;
    }
    return ctx->spent ? KS_ELIMIT : 0;
}

void ks_fmt_claim(ks_fmt_ctx *ctx)
{
    ctx->claimed = true;
}

bool ks_fmt_carved(const ks_fmt_ctx *ctx)
{
    return ctx->carved;
}

int fz_format_run(const ks_format *const *fmts, size_t nfmts, const uint8_t *data, size_t size)
{
    for (size_t i = 0; i < nfmts; i++) {
        if (!fmts[i]->sniff(data, size))
            continue;
        ks_fmt_ctx ctx = {.data = data, .len = size};
        uint64_t consumed = 0;
        int rc = fmts[i]->expand(&ctx, data, size, &consumed);
        FZ_CHECK(rc <= 0);
        /* *consumed past the end is allowed: the pipeline takes it as the
         * whole blob. */
        return 0;
    }
    return 0;
}
