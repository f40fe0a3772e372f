/*
 * fuzz_gitdelta.c - libFuzzer target: git delta application
 * (scanner/source/gitpack.c). The input is a base object and a delta: two
 * bytes give the base's length, the rest of the bytes after it are the
 * delta.
 */
#include "fuzz.h"
#include "source/gitpack.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    size_t blen = (size_t)data[0] << 8 | data[1];
    data += 2;
    size -= 2;
    if (blen > size)
        blen = size;
    size_t out_len = 0;
    uint8_t *out = ks_pack_apply_delta(data, blen, data + blen, size - blen, &out_len);
    if (out) {
        fz_touch(out, out_len);
        free(out);
    }
    return 0;
}
