/*
 * fuzz_unpack.c - libFuzzer target: one input through the whole unpacking
 * pipeline (sniff, every decoder, carving, strings, the engine with the
 * built-in rules, key and certificate parsing).
 *
 *   cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DKEYSIFT_FUZZ=ON
 *   cmake --build build-fuzz --target fuzz_unpack
 *   build-fuzz/tests/fuzz_unpack -max_total_time=600 build-fuzz/fuzz-corpus
 *
 * Seed the corpus with the firmware fixtures (corpus/firmware/build.sh).
 */
#include "engine/engine.h"
#include "findings/crypto.h"
#include "pipeline/pipeline.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct one_blob {
    const uint8_t *data;
    size_t len;
    _Atomic bool taken;
} one_blob;

static int run_one(void *src, ks_worker *w)
{
    one_blob *b = src;
    if (atomic_exchange(&b->taken, true))
        return 0;
    ks_origin o = {.parent = NULL, .name = "input", .sep = NULL};
    return ks_worker_scan_mem(w, b->data, b->len, &o, 0);
}

static const ks_source_ops ops = {.name = "fuzz", .run = run_one};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static ks_ruleset rs;
    static ks_engine *engine;
    if (!engine) {
        ks_ruleset_init(&rs);
        ks_engine_opts eo = {.cache_dir = getenv("KEYSIFT_CACHE_DIR")};
        if (ks_ruleset_load_builtin(&rs) != 0 || ks_engine_new(&engine, &rs, &eo) != 0)
            abort();
    }
    ks_unpack_limits lim = ks_unpack_limits_default();
    lim.max_expanded = 64u << 20; /* a fuzzer makes bombs; keep each run short */
    ks_scan_config cfg = {.rs = &rs,
                          .engine = engine,
                          .threads = 2,
                          .max_file_size = 16u << 20,
                          .quiet = true,
                          .limits = lim};
    one_blob b = {.data = data, .len = size};
    ks_results res;
    memset(&res, 0, sizeof res);
    if (ks_pipeline_run(&cfg, &ops, &b, &res) == 0)
        ks_results_crypto(&res, (int64_t)time(NULL), 0);
    ks_results_dispose(&res);
    return 0;
}
