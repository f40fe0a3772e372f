/*
 * outbuf.c - the bounded buffer stream decoders write into, and the one
 * place that decides whether a decoded child is held in memory or read as
 * a stream (ks_outbuf_fill).
 */
#include "format.h"

#include <stdlib.h>

int ks_outbuf_room(ks_fmt_ctx *ctx, ks_outbuf *b, size_t want)
{
    uint64_t max = ks_fmt_max_blob(ctx);
    if (b->cap - b->len >= want)
        return 0;
    if (b->len >= max) {
        ks_fmt_warn(ctx, KS_NO_OFFSET,
                    "decoded data larger than --max-file-size (%llu bytes): only the first %zu "
                    "bytes are scanned",
                    (unsigned long long)max, b->len);
        return KS_ELIMIT;
    }
    size_t cap = b->cap ? b->cap : 65536;
    while (cap - b->len < want && cap < max)
        cap = cap > SIZE_MAX / 2 ? SIZE_MAX : cap * 2;
    if (cap > max)
        cap = (size_t)max;
    b->data = ks_xrealloc(b->data, cap);
    b->cap = cap;
    return 0;
}

bool ks_outbuf_fill(ks_fmt_ctx *ctx, ks_outbuf *b, ks_fmt_read_fn read, void *payload)
{
    uint64_t hold = ks_fmt_hold(ctx);
    b->len = 0;
    for (;;) {
        if (b->len >= hold)
            return false;
        if (b->cap == b->len) {
            size_t cap = b->cap ? b->cap * 2 : 65536;
            if (cap > hold)
                cap = (size_t)hold;
            b->data = ks_xrealloc(b->data, cap);
            b->cap = cap;
        }
        size_t got = read(payload, b->data + b->len, b->cap - b->len);
        if (got == 0)
            return true;
        b->len += got;
    }
}

void ks_outbuf_dispose(ks_outbuf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
