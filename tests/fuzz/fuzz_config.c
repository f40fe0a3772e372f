/*
 * fuzz_config.c - libFuzzer target: the project configuration file,
 * .keysift.yaml (scanner/config.c), read from a file as a scan reads it,
 * and its rule settings applied to a small ruleset.
 */
#include "config.h"
#include "fuzz.h"

#include <string.h>

static const char rules_yaml[] = "rules:\n"
                                 "  - id: test.token\n"
                                 "    name: Test token\n"
                                 "    pattern: 'tok_([a-z0-9]{16})'\n"
                                 "    secret_group: 1\n"
                                 "    kind: token\n"
                                 "    severity: high\n"
                                 "    confidence: high\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fz_path(".keysift.yaml");
    fz_write(path, data, size);
    ks_config c;
    memset(&c, 0, sizeof c);
    if (ks_config_load(&c, path) != 0) {
        const char *msg = ks_error_msg();
        FZ_CHECK(msg && *msg);
        return 0;
    }
    ks_ruleset rs;
    ks_ruleset_init(&rs);
    if (ks_ruleset_load_buffer(&rs, "rules.yaml", (const uint8_t *)rules_yaml,
                               sizeof rules_yaml - 1) != 0)
        fz_fail("test rule: %s", ks_error_msg());
    (void)ks_config_apply_rules(&c, &rs);
    ks_ruleset_dispose(&rs);
    ks_config_dispose(&c);
    return 0;
}
