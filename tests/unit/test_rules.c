/*
 * test_rules.c - the rule loader and ruleset compilation: clear errors that
 * name the file, line and rule; prefilter and unbounded rules; the on-disk
 * database cache; the built-in ruleset.
 */
#include "support.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int load(ks_ruleset *rs, const char *yaml)
{
    ks_ruleset_init(rs);
    return ks_ruleset_load_buffer(rs, "bad.yaml", (const uint8_t *)yaml, strlen(yaml));
}

#define RULE_HEAD "rules:\n  - id: bad.one\n    name: n\n    severity: high\n"

static void test_rules__malformed_yaml_names_file_and_line(void **state)
{
    (void)state;
    ks_ruleset rs;
    assert_int_equal(load(&rs, RULE_HEAD "    pattern: 'abc\n  - [\n"), KS_ERULE);
    assert_non_null(strstr(ks_error_msg(), "bad.yaml:"));
    assert_non_null(strstr(ks_error_msg(), "YAML error"));
    ks_ruleset_dispose(&rs);
}

static void test_rules__pattern_that_does_not_compile(void **state)
{
    (void)state;
    ks_ruleset rs;
    assert_int_equal(load(&rs, RULE_HEAD "    pattern: '(abc[0-9]{4}'\n"), 0);
    ks_engine *e = NULL;
    assert_int_equal(ks_engine_new(&e, &rs, NULL), KS_ERULE);
    assert_null(e);
    assert_non_null(strstr(ks_error_msg(), "bad.yaml:2: rule bad.one: pattern does not compile"));
    ks_ruleset_dispose(&rs);
}

static void test_rules__unknown_key_and_missing_fields(void **state)
{
    (void)state;
    ks_ruleset rs;
    assert_int_equal(load(&rs, RULE_HEAD "    pattern: 'x'\n    negative_exmaples: []\n"),
                     KS_ERULE);
    assert_non_null(
        strstr(ks_error_msg(), "bad.yaml:6: rule bad.one: unknown rule key `negative_exmaples`"));
    ks_ruleset_dispose(&rs);

    assert_int_equal(load(&rs, "rules:\n  - id: x.y\n    pattern: 'abc'\n"), KS_ERULE);
    assert_non_null(strstr(ks_error_msg(), "rule x.y: rule without `severity`"));
    ks_ruleset_dispose(&rs);

    assert_int_equal(load(&rs, "rules:\n  - name: nameless\n"), KS_ERULE);
    assert_non_null(strstr(ks_error_msg(), "rule without `id`"));
    ks_ruleset_dispose(&rs);

    assert_int_equal(load(&rs, RULE_HEAD "    pattern: 'x'\n    severity: severe\n"), KS_ERULE);
    assert_non_null(strstr(ks_error_msg(), "severity `severe`"));
    ks_ruleset_dispose(&rs);

    assert_int_equal(load(&rs, RULE_HEAD "    pattern: 'x'\n    validate: [luhn]\n"), KS_ERULE);
    assert_non_null(strstr(ks_error_msg(), "unknown validator `luhn`"));
    ks_ruleset_dispose(&rs);

    assert_int_equal(load(&rs, "rulez: []\n"), KS_ERULE);
    ks_ruleset_dispose(&rs);
}

static void test_rules__secret_group_must_exist(void **state)
{
    (void)state;
    ks_ruleset rs;
    assert_int_equal(load(&rs, RULE_HEAD "    pattern: 'a(b)c'\n    secret_group: 2\n"), 0);
    ks_engine *e = NULL;
    assert_int_equal(ks_engine_new(&e, &rs, NULL), KS_ERULE);
    assert_non_null(strstr(ks_error_msg(), "secret_group 2 but the pattern has 1 groups"));
    ks_ruleset_dispose(&rs);
}

static int found(const ks_match *m, void *payload)
{
    (void)m;
    (*(int *)payload)++;
    return 0;
}

static void test_rules__prefilter_and_unbounded_rules(void **state)
{
    (void)state;
    ks_ruleset rs;
    /* A backreference is beyond Vectorscan: it takes the rule in prefilter
     * mode and PCRE2 decides. */
    assert_int_equal(load(&rs, "rules:\n"
                               "  - id: t.backref\n    severity: low\n"
                               "    pattern: '(q[a-z]{3})=\\1'\n"
                               "  - id: t.unbounded\n    severity: low\n"
                               "    pattern: 'zz[0-9]+'\n"),
                     0);
    ks_engine *e = t_engine(&rs);
    assert_true(ks_engine_rule_prefilter(e, 0));
    assert_false(ks_engine_rule_prefilter(e, 1));
    assert_int_equal(ks_engine_rule_width(e, 1), SIZE_MAX);
    ks_scratch *s;
    assert_int_equal(ks_scratch_new(&s, e), 0);
    const char *yes = "x qabc=qabc y", *no = "x qabc=qabd y";
    int n = 0;
    ks_scan_args a = {.data = (const uint8_t *)yes, .len = strlen(yes), .own_to = strlen(yes)};
    ks_engine_scan(e, s, &a, found, &n);
    assert_int_equal(n, 1);
    n = 0;
    a.data = (const uint8_t *)no;
    ks_engine_scan(e, s, &a, found, &n);
    assert_int_equal(n, 0);
    ks_scratch_free(s);
    ks_engine_free(e);
    ks_ruleset_dispose(&rs);
}

static void test_rules__database_cache_round_trip(void **state)
{
    (void)state;
    ks_ruleset rs;
    assert_int_equal(load(&rs, RULE_HEAD "    pattern: 'cache_[0-9]{4}'\n"), 0);
    char *dir = t_tmpdir();
    ks_engine_opts o = {.cache_dir = dir};
    ks_engine *e1 = NULL, *e2 = NULL;
    assert_int_equal(ks_engine_new(&e1, &rs, &o), 0);
    assert_false(ks_engine_stats_get(e1)->cache_hit);
    assert_int_equal(ks_engine_new(&e2, &rs, &o), 0);
    assert_true(ks_engine_stats_get(e2)->cache_hit);
    assert_string_equal(ks_engine_digest(e1), ks_engine_digest(e2));
    assert_int_equal(ks_engine_rule_width(e2, 0), ks_engine_rule_width(e1, 0));
    ks_scratch *s;
    assert_int_equal(ks_scratch_new(&s, e2), 0);
    const char *text = "x cache_1234 y";
    int n = 0;
    ks_scan_args a = {.data = (const uint8_t *)text, .len = strlen(text), .own_to = strlen(text)};
    ks_engine_scan(e2, s, &a, found, &n);
    assert_int_equal(n, 1);
    ks_scratch_free(s);
    ks_engine_free(e1);
    ks_engine_free(e2);
    /* A different ruleset has a different digest: no stale database. */
    ks_ruleset rs2;
    assert_int_equal(load(&rs2, RULE_HEAD "    pattern: 'cache_[0-9]{5}'\n"), 0);
    ks_engine *e3 = NULL;
    assert_int_equal(ks_engine_new(&e3, &rs2, &o), 0);
    assert_false(ks_engine_stats_get(e3)->cache_hit);
    ks_engine_free(e3);
    ks_ruleset_dispose(&rs2);
    t_rmtree(dir);
    free(dir);
    ks_ruleset_dispose(&rs);
}

static void test_rules__directory_load_and_override(void **state)
{
    (void)state;
    char *dir = t_tmpdir();
    const char *a = "rules:\n  - id: t.a\n    severity: low\n    pattern: 'aaa[0-9]{2}'\n";
    const char *b = "rules:\n  - id: t.a\n    severity: high\n    pattern: 'bbb[0-9]{2}'\n";
    free(t_write(dir, "1-first.yaml", a, strlen(a)));
    free(t_write(dir, "2-second.yml", b, strlen(b)));
    free(t_write(dir, "notes.txt", "not a rule", 10));
    ks_ruleset rs;
    ks_ruleset_init(&rs);
    assert_int_equal(ks_ruleset_load_path(&rs, dir), 0);
    assert_int_equal(rs.nrules, 1);
    assert_int_equal(rs.rules[0].severity, KS_SEV_HIGH);
    assert_string_equal(rs.rules[0].pattern, "bbb[0-9]{2}");
    assert_int_equal(ks_ruleset_load_path(&rs, "/nonexistent/rules.yaml"), KS_EIO);
    assert_non_null(strstr(ks_error_msg(), "/nonexistent/rules.yaml"));
    ks_ruleset_dispose(&rs);
    t_rmtree(dir);
    free(dir);
}

/* Paths made from a glob: each '*' as nothing, one name and two
 * directories, each '?' as a letter, with and without a leading "/",
 * "./" and directories in front. */
static size_t paths_from_glob(const char *g, char out[][160], size_t cap)
{
    static const char *const star[] = {"", "x", "a/b"};
    static const char *const front[] = {"", "/", "./", "deep/dir/", "/etc/"};
    size_t n = 0;
    for (size_t si = 0; si < 3; si++)
        for (size_t fi = 0; fi < 5 && n < cap; fi++) {
            char *o = out[n];
            size_t ol = (size_t)snprintf(o, 160, "%s", front[fi]);
            for (const char *c = g; *c && ol < 150; c++) {
                if (*c == '*')
                    ol += (size_t)snprintf(o + ol, 160 - ol, "%s", star[si]);
                else if (*c == '?' || *c == '[')
                    o[ol++] = 'q';
                else if (*c != ']' && *c != '\\')
                    o[ol++] = *c;
                o[ol] = '\0';
            }
            n++;
        }
    return n;
}

static void paths_agree(const ks_ruleset *rs, const ks_engine *e)
{
    ks_scratch *s;
    assert_int_equal(ks_scratch_new(&s, e), 0);
    ks_applies *ok = calloc(rs->nrules, sizeof *ok);
    static const char *const others[] = {"src/main.c", "README.md", "etc/config", "", "/",
                                         "a/.git-credentials/x", ".kube", "kubeconfig.d/x"};
    size_t checked = 0, yes = 0;
    for (size_t i = 0; i < rs->nrules; i++)
        for (size_t k = 0; k <= rs->rules[i].npaths; k++) {
            char paths[32][160]; /* from the glob, then the others */
            size_t np = k < rs->rules[i].npaths
                            ? paths_from_glob(rs->rules[i].paths[k], paths, 16)
                            : 0;
            for (size_t j = 0; j < sizeof others / sizeof others[0]; j++)
                snprintf(paths[np++], 160, "%s", others[j]);
            for (size_t p = 0; p < np; p++) {
                ks_engine_paths_apply(e, s, paths[p], ok);
                for (size_t r = 0; r < rs->nrules; r++) {
                    if (!ks_rule_has_paths(&rs->rules[r]))
                        continue;
                    bool want = ks_rule_path_applies(&rs->rules[r], paths[p]);
                    if ((ok[r] == KS_APPLIES_YES) != want)
                        fail_msg("rule %s, path \"%s\": the names database says %d, the globs %d",
                                 rs->rules[r].id, paths[p], ok[r] == KS_APPLIES_YES, want);
                    checked++;
                    yes += want;
                }
            }
        }
    assert_true(yes > 20 && checked > 10 * yes); /* both answers were asked */
    free(ok);
    ks_scratch_free(s);
}

/* Whether a rule's `paths` apply is answered by one Vectorscan scan of the
 * path (the names database): it must agree with the globs read by
 * fnmatch, for the built-in rules and for globs with every kind of part,
 * compiled and from the cache. */
static void test_rules__paths_database_agrees_with_globs(void **state)
{
    (void)state;
    ks_ruleset rs;
    ks_ruleset_init(&rs);
    assert_int_equal(ks_ruleset_load_builtin(&rs), 0);
    const char *user = RULE_HEAD "    pattern: 'globs_[0-9]{4}'\n"
                                 "    paths: ['a?c.txt', '[ab]*.ini', '[!x]y.conf', 'x\\\\*y', "
                                 "'**/etc/config/**', 'src/*/main.[ch]', '*.tar.*', '.env*', "
                                 "'dir/**', '*[[:digit:]].key', 'weird(1)+.cfg', '**/a.b/c$d']\n";
    assert_int_equal(ks_ruleset_load_buffer(&rs, "user.yaml", (const uint8_t *)user, strlen(user)), 0);
    char *dir = t_tmpdir();
    ks_engine_opts o = {.cache_dir = dir};
    ks_engine *e1 = NULL, *e2 = NULL;
    assert_int_equal(ks_engine_new(&e1, &rs, &o), 0);
    paths_agree(&rs, e1);
    assert_int_equal(ks_engine_new(&e2, &rs, &o), 0);
    assert_true(ks_engine_stats_get(e2)->cache_hit);
    paths_agree(&rs, e2);
    ks_engine_free(e1);
    ks_engine_free(e2);
    t_rmtree(dir);
    free(dir);
    ks_ruleset_dispose(&rs);
}

static void test_rules__builtin_ruleset(void **state)
{
    (void)state;
    ks_ruleset rs;
    ks_ruleset_init(&rs);
    assert_int_equal(ks_ruleset_load_builtin(&rs), 0);
    assert_true(rs.nrules >= 40);
    for (size_t i = 0; i < rs.nrules; i++) {
        const ks_rule *r = &rs.rules[i];
        assert_non_null(r->remediation);
        assert_true(r->nreferences > 0);
        assert_true(r->nexamples > 0);
        assert_true(r->nnegatives > 0);
    }
    ks_engine *e = t_engine(&rs);
    for (size_t i = 0; i < rs.nrules; i++)
        assert_true(ks_engine_rule_width(e, i) != SIZE_MAX);
    ks_engine_free(e);
    ks_ruleset_dispose(&rs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rules__malformed_yaml_names_file_and_line),
        cmocka_unit_test(test_rules__pattern_that_does_not_compile),
        cmocka_unit_test(test_rules__unknown_key_and_missing_fields),
        cmocka_unit_test(test_rules__secret_group_must_exist),
        cmocka_unit_test(test_rules__prefilter_and_unbounded_rules),
        cmocka_unit_test(test_rules__database_cache_round_trip),
        cmocka_unit_test(test_rules__directory_load_and_override),
        cmocka_unit_test(test_rules__builtin_ruleset),
        cmocka_unit_test(test_rules__paths_database_agrees_with_globs),
    };
    return cmocka_run_group_tests_name("rules", tests, NULL, NULL);
}
