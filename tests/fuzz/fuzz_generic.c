/*
 * fuzz_generic.c - libFuzzer target: the generic-credential judge
 * (scanner/engine/generic.c): the assignment around a keyword that ends
 * at an offset the first two bytes choose, the class of its key and the
 * verdict on its value; and the whole input judged as a value. Checks
 * that every offset found lies in the window it was given.
 */
#include "engine/engine.h"
#include "engine/generic.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    size_t sel = (size_t)data[0] << 8 | data[1];
    uint32_t flags = data[2] & (KS_SCAN_DOCS | KS_SCAN_CODE | KS_SCAN_TESTS);
    data += 3;
    size -= 3;
    size_t at = size ? sel % (size + 1) : 0;
    size_t from = at > KS_GENERIC_WIDTH ? at - KS_GENERIC_WIDTH : 0;
    size_t to = size - at > KS_GENERIC_WIDTH ? at + KS_GENERIC_WIDTH : size;
    ks_assignment a;
    if (ks_find_assignment(data, from, to, at, flags, &a)) {
        FZ_CHECK(from <= a.start && a.start <= a.end && a.end <= to);
        FZ_CHECK(a.kstart <= a.kend && a.kend <= to && a.kstart >= from);
        FZ_CHECK(a.vstart <= a.vend && a.vend <= to && a.vstart >= from);
        FZ_CHECK(a.syntax);
        (void)ks_key_classify(data + a.kstart, a.kend - a.kstart);
        (void)ks_judge_value(a.cls, data + a.vstart, a.vend - a.vstart, a.quote, flags);
    }
    size_t k = size < 64 ? size : 64;
    ks_key_class cls = ks_key_classify(data, k);
    ks_judgement j = ks_judge_value(cls ? cls : KS_KEY_CLASS_SECRET, data + k, size - k,
                                    (uint8_t)(sel & 1 ? '"' : 0), flags);
    FZ_CHECK(j.verdict <= KS_VERDICT_SECRET);
    return 0;
}
