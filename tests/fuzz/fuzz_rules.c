/*
 * fuzz_rules.c - libFuzzer target: the rule YAML loader
 * (scanner/engine/rules.c, scanner/core/yaml.c) on one rule file, as
 * `--rules FILE` loads a user's file (without the built-in rules before
 * it: loading them takes over half of libFuzzer's second under ASan), and
 * each rule's `paths` globs translated to a path expression (glob.c). A
 * failed load must leave a message.
 */
#include "core/glob.h"
#include "engine/rules.h"
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ks_ruleset rs;
    ks_ruleset_init(&rs);
    if (ks_ruleset_load_buffer(&rs, "input.yaml", data, size) != 0) {
        const char *msg = ks_error_msg();
        FZ_CHECK(msg && *msg);
    } else {
        for (size_t i = 0; i < rs.nrules; i++) {
            FZ_CHECK(rs.rules[i].id && rs.rules[i].pattern);
            fz_touch(rs.rules[i].id, strlen(rs.rules[i].id));
            fz_touch(rs.rules[i].pattern, strlen(rs.rules[i].pattern));
            if (rs.rules[i].npaths) {
                /* `paths` globs: their translation for the names database,
                 * and fnmatch's reading of them. */
                char *re = ks_glob_regex(rs.rules[i].paths, rs.rules[i].npaths);
                FZ_CHECK(re);
                fz_touch(re, strlen(re));
                free(re);
                (void)ks_glob_match_path(rs.rules[i].paths, rs.rules[i].npaths, "/etc/config/a.conf");
            }
        }
    }
    ks_ruleset_dispose(&rs);
    return 0;
}
