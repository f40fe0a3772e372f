/*
 * scan_target.c - see scan_target.h.
 */
#include "scan_target.h"

#include "findings/inventory.h"
#include "pipeline/pipeline.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static ks_ruleset rules;
static ks_engine *engine;

static void build(void)
{
    if (engine)
        return;
    ks_ruleset_init(&rules);
    ks_engine_opts eo = {
        .cache_dir = fz_cache_dir(), .marks = ks_pipeline_marks, .nmarks = ks_pipeline_nmarks};
    if (ks_ruleset_load_builtin(&rules) != 0 || ks_engine_new(&engine, &rules, &eo) != 0)
        fz_fail("the built-in rules do not build: %s", ks_error_msg());
}

const ks_ruleset *fz_rules(void)
{
    build();
    return &rules;
}

const ks_engine *fz_engine(void)
{
    build();
    return engine;
}

typedef struct one_blob {
    const uint8_t *data;
    size_t len;
    atomic_bool taken;
} one_blob;

static int run_one(void *src, ks_worker *w)
{
    one_blob *b = src;
    if (atomic_exchange(&b->taken, true))
        return 0;
    ks_origin o = {.name = "input"};
    return ks_worker_scan_mem(w, b->data, b->len, &o, KS_BLOB_NAMED);
}

static void read_asset(void *payload, size_t i)
{
    ks_inventory_read(payload, i);
}

void fz_scan(const uint8_t *data, size_t size, bool unpack)
{
    ks_unpack_limits lim = ks_unpack_limits_default();
    /* A fuzzer makes bombs (zips of zips): the budgets stop them, but
     * scanning what they let through must stay under libFuzzer's second
     * with ASan (32 MB did not). */
    lim.max_expanded = 4u << 20;
    lim.ratio_floor = 256u << 10;
    lim.max_entries = 4096;
    lim.no_unpack = !unpack;
    ks_scan_config cfg = {.rs = fz_rules(),
                          .engine = fz_engine(),
                          .threads = 1,
                          .max_file_size = 16u << 20,
                          .quiet = true,
                          .limits = lim};
    one_blob b = {.data = data, .len = size};
    ks_scan_output out;
    memset(&out, 0, sizeof out);
    ks_results res;
    memset(&res, 0, sizeof res);
    res.rs = fz_rules();
    if (ks_pipeline_run(&cfg, run_one, &b, &out) == 0) {
        ks_results_from_hits(&res, out.lists, out.nlists);
        ks_results_add_diags(&res, &out.diags);
        ks_results_context(&res);
        size_t assets = ks_inventory_prepare(&res);
        ks_pipeline_tasks(&cfg, assets, read_asset, &res);
        ks_inventory_finish(&res, 1767225600, 0);
        ks_results_sort(&res);
        for (size_t i = 0; i < res.nfindings; i++) {
            const ks_finding *f = &res.findings[i];
            FZ_CHECK(f->nlocs > 0);
            fz_touch(f->secret, f->secret_len);
        }
    }
    ks_scan_output_dispose(&out);
    ks_results_dispose(&res);
}
