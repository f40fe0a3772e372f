/*
 * fuzz_pemwrap.c - libFuzzer target: wrapped PEM blocks rebuilt
 * (scanner/core/pemwrap.c), from every "-----BEGIN " in the input, into
 * an exact buffer of the capacity the first byte chooses.
 */
#include "core/pemwrap.h"
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t cap = data[0] & 0x80 ? (size_t)(data[0] & 0x7f) * 16 : 2 * (size_t)KS_PEM_UNWRAP_WINDOW;
    data++;
    size--;
    uint8_t *out = malloc(cap ? cap : 1);
    if (!out)
        abort();
    static const char marker[] = "-----BEGIN ";
    const uint8_t *p = data;
    size_t left = size;
    const uint8_t *hit;
    while ((hit = memmem(p, left, marker, sizeof marker - 1))) {
        size_t begin = (size_t)(hit - data);
        size_t consumed = 99;
        long n = ks_pem_unwrap(out, cap, data, size, begin, &consumed);
        if (n < 0) {
            FZ_CHECK(n == -1 && consumed == 0);
        } else {
            FZ_CHECK((size_t)n <= cap);
            FZ_CHECK(consumed > 0 && consumed <= size - begin);
            fz_touch(out, (size_t)n);
        }
        left = size - begin - 1;
        p = hit + 1;
    }
    free(out);
    return 0;
}
