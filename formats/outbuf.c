/*
 * outbuf.c - the bounded buffer stream decoders write into.
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

void ks_outbuf_dispose(ks_outbuf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
