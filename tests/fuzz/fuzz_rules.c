/*
 * fuzz_rules.c - libFuzzer target: the rule YAML loader
 * (scanner/engine/rules.c, scanner/core/yaml.c) on one rule file, with
 * the built-in rules loaded before it (as `--rules FILE` loads a user's
 * file, which may override them). A failed load must leave a message.
 */
#include "engine/rules.h"
#include "fuzz.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ks_ruleset rs;
    ks_ruleset_init(&rs);
    /* Loading the built-in rules every time costs most of a run: a user
     * file alone has the same parser, and one input in 16 overrides. */
    if (size && (data[0] & 0x0f) == 0 && ks_ruleset_load_builtin(&rs) != 0)
        fz_fail("built-in rules: %s", ks_error_msg());
    if (ks_ruleset_load_buffer(&rs, "input.yaml", data, size) != 0) {
        const char *msg = ks_error_msg();
        FZ_CHECK(msg && *msg);
    } else {
        for (size_t i = 0; i < rs.nrules; i++) {
            FZ_CHECK(rs.rules[i].id && rs.rules[i].pattern);
            fz_touch(rs.rules[i].id, strlen(rs.rules[i].id));
            fz_touch(rs.rules[i].pattern, strlen(rs.rules[i].pattern));
        }
    }
    ks_ruleset_dispose(&rs);
    return 0;
}
