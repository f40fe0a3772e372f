/*
 * fuzz_decode.c - libFuzzer target: the encoded-span search and the
 * decoders of scanner/core/decode.c. Checks what decode.h promises: spans
 * in order, inside the buffer, not overlapping, on one line; a decoder
 * never writes past the capacity it is given (the buffers are exactly
 * that size, so ASan sees one byte more) and returns at most
 * ks_decoded_cap of its input.
 */
#include "core/decode.h"
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

typedef struct state {
    const uint8_t *d;
    size_t n, prev_end;
    size_t small; /* a capacity that cuts the output */
} state;

static long decode(ks_enc e, uint8_t *out, size_t cap, const uint8_t *in, size_t n)
{
    switch (e) {
    case KS_ENC_BASE64:
        return ks_decode_base64(out, cap, in, n, false);
    case KS_ENC_BASE64URL:
        return ks_decode_base64(out, cap, in, n, true);
    case KS_ENC_HEX:
        return ks_decode_hex(out, cap, in, n);
    case KS_ENC_PERCENT:
        return ks_decode_percent(out, cap, in, n);
    case KS_ENC_ESCAPE:
        return ks_unescape(out, cap, in, n);
    }
    fz_fail("unknown encoding %d", (int)e);
}

/* Decode in[0..n) into an exact buffer of the promised capacity, and into
 * one of `small` bytes: the same length, the same first bytes. */
static void check_decoder(ks_enc e, const uint8_t *in, size_t n, size_t small)
{
    size_t cap = ks_decoded_cap(e, n);
    FZ_CHECK(cap <= n);
    uint8_t *out = malloc(cap ? cap : 1);
    uint8_t *cut = malloc(small ? small : 1);
    if (!out || !cut)
        abort();
    long r = decode(e, out, cap, in, n);
    long rc = decode(e, small ? cut : NULL, small, in, n);
    FZ_CHECK(r == rc);
    if (r >= 0) {
        FZ_CHECK((size_t)r <= cap);
        size_t k = (size_t)r < small ? (size_t)r : small;
        FZ_CHECK(memcmp(out, cut, k) == 0);
        (void)ks_decoded_worth_scanning(out, (size_t)r);
    }
    free(out);
    free(cut);
}

static int on_span(void *payload, const ks_span *s)
{
    state *st = payload;
    FZ_CHECK(s->len > 0 && s->len <= st->n && s->start <= st->n - s->len);
    FZ_CHECK(s->start >= st->prev_end);
    FZ_CHECK(s->enc >= KS_ENC_BASE64 && s->enc <= KS_ENC_ESCAPE);
    FZ_CHECK(!memchr(st->d + s->start, '\n', s->len));
    FZ_CHECK(strcmp(ks_enc_name(s->enc), "?") != 0);
    st->prev_end = s->start + s->len;
    check_decoder(s->enc, st->d + s->start, s->len, st->small);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t small = data[0] % 16;
    data++;
    size--;
    state st = {.d = data, .n = size, .small = small};
    FZ_CHECK(ks_find_encoded(data, size, on_span, &st) == 0);
    /* The whole input, each way: most of it is not a valid encoding, which
     * is the decoders' other half. */
    if (size <= 4096)
        for (int e = KS_ENC_BASE64; e <= KS_ENC_ESCAPE; e++)
            check_decoder((ks_enc)e, data, size, small);
    return 0;
}
