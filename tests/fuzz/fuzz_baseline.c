/*
 * fuzz_baseline.c - libFuzzer target: the baseline reader
 * (scanner/findings/baseline.c), from a file as `--baseline` reads it.
 */
#include "findings/baseline.h"
#include "fuzz.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fz_path("baseline.json");
    fz_write(path, data, size);
    ks_baseline b;
    memset(&b, 0, sizeof b);
    if (ks_baseline_load(&b, path) != 0) {
        const char *msg = ks_error_msg();
        FZ_CHECK(msg && *msg);
        return 0;
    }
    for (size_t i = 0; i < b.n; i++) {
        FZ_CHECK(strlen(b.v[i].fingerprint) < sizeof b.v[i].fingerprint);
        FZ_CHECK(strlen(b.v[i].expires) < sizeof b.v[i].expires);
        if (b.v[i].rule_id)
            fz_touch(b.v[i].rule_id, strlen(b.v[i].rule_id));
    }
    ks_baseline_dispose(&b);
    return 0;
}
