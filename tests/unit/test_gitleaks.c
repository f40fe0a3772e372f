/*
 * test_gitleaks.c - RE2 regexes as PCRE2 reads them, TOML errors with
 * their line, and gitleaks tags as kinds of secret.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "support.h"

#include "core/toml.h"
#include "gitleaks.h"

#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Does the translation of `re2` find `subject`? */
static bool finds(const char *re2, const char *subject)
{
    char why[256];
    char *pat = ks_re2_translate(re2, why, sizeof why);
    assert_non_null(pat);
    int err;
    PCRE2_SIZE off;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, 0, &err, &off, NULL);
    assert_non_null(re);
    pcre2_match_data *md = pcre2_match_data_create(1, NULL);
    int rc = pcre2_match(re, (PCRE2_SPTR)subject, strlen(subject), 0, 0, md, NULL);
    pcre2_match_data_free(md);
    pcre2_code_free(re);
    free(pat);
    return rc >= 0;
}

static void refused(const char *re2, const char *reason)
{
    char why[256] = "";
    char *pat = ks_re2_translate(re2, why, sizeof why);
    assert_null(pat);
    assert_non_null(strstr(why, reason));
}

static void test_gitleaks__re2_quoted_literal(void **state)
{
    (void)state;
    assert_true(finds("\\Qa.b*\\E!", "a.b*!"));
    assert_false(finds("\\Qa.b*\\E!", "axbb!"));
    assert_true(finds("x\\Q(y)", "x(y)")); /* \Q to the end */
}

static void test_gitleaks__re2_named_groups_and_classes(void **state)
{
    (void)state;
    assert_true(finds("(?P<tok>[[:alnum:]]{4})-(?P<n>[[:digit:]]+)", "ab12-99"));
    assert_false(finds("^[[:alpha:]]+$", "ab1"));
    assert_true(finds("(?i)acme_[[:upper:]]{2}", "ACME_xy"));
    assert_true(finds("a(?i:b)c", "aBc"));
    assert_false(finds("a(?i:b)c", "aBC"));
    assert_true(finds("[]a]+", "]]a"));
    assert_true(finds("[^]a]", "b"));
    assert_true(finds("^[]]+$", "]]")); /* a ']' first, then the one that closes */
    assert_true(finds("(?<User>u)(?P<Up>p)", "up")); /* a name with a U is no flag */
}

static void test_gitleaks__re2_escapes(void **state)
{
    (void)state;
    assert_true(finds("\\101\\x42\\x{43}", "ABC")); /* octal, hex */
    assert_true(finds("acme\\137x", "acme_x"));
    assert_false(finds("a\\sb", "a\vb")); /* RE2's \s has no vertical tab */
    assert_true(finds("a\\sb", "a\tb"));
    assert_true(finds("a\\Sb", "a\vb"));
    assert_true(finds("a[\\s,]b", "a,b"));
    assert_false(finds("a[\\s,]b", "a\vb"));
    assert_true(finds("a\\vb", "a\vb"));
    assert_false(finds("a\\vb", "a\nb")); /* PCRE2's \v would take a newline */
    assert_true(finds("end\\z", "the end"));
    assert_false(finds("end\\z", "the end\n"));
}

static void test_gitleaks__re2_refused(void **state)
{
    (void)state;
    refused("(a)\\1", "backreference");
    refused("\\p{Greek}+", "Unicode");
    refused("\\PL", "Unicode");
    refused("(?U)a+", "ungreedy");
    refused("[é]", "non-ASCII");
    refused("[abc", "unterminated");
    refused("abc\\", "trailing backslash");
}

static void test_gitleaks__toml_error_names_line(void **state)
{
    (void)state;
    char path[] = "/tmp/ks-toml-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char text[] = "[[rules]]\nid = \"x\"\n\nregex = '''ok'''\nbad = [1,\n";
    assert_int_equal(write(fd, text, sizeof text - 1), (ssize_t)(sizeof text - 1));
    close(fd);
    ks_toml *t = NULL;
    assert_int_equal(ks_toml_load_file(&t, path), KS_EINVAL);
    assert_null(t);
    char want[64];
    snprintf(want, sizeof want, "%s:", path);
    assert_non_null(strstr(ks_error_msg(), want));
    assert_non_null(strstr(ks_error_msg(), "TOML"));
    unlink(path);
}

static void test_gitleaks__toml_tree(void **state)
{
    (void)state;
    char path[] = "/tmp/ks-toml-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char text[] = "title = \"t\"\n[extend]\nuseDefault = true\n[[rules]]\nid = \"a\"\n"
                        "entropy = 3.5\nsecretGroup = 2\nkeywords = [\"k1\", \"k2\"]\n"
                        "regex = '''\\d+\\.\\w'''\n[[rules]]\nid = \"b\"\n";
    assert_int_equal(write(fd, text, sizeof text - 1), (ssize_t)(sizeof text - 1));
    close(fd);
    ks_toml *t = NULL;
    assert_int_equal(ks_toml_load_file(&t, path), 0);
    assert_string_equal(ks_toml_get(t, "title")->string, "t");
    assert_int_equal(ks_toml_get(ks_toml_get(t, "extend"), "useDefault")->integer, 1);
    const ks_toml *rules = ks_toml_get(t, "rules");
    assert_int_equal(rules->type, KS_TOML_ARRAY);
    assert_int_equal(rules->nitems, 2);
    const ks_toml *a = &rules->items[0];
    assert_true(ks_toml_get(a, "entropy")->number == 3.5);
    assert_int_equal(ks_toml_get(a, "secretGroup")->integer, 2);
    assert_int_equal(ks_toml_get(a, "keywords")->nitems, 2);
    assert_string_equal(ks_toml_get(a, "regex")->string, "\\d+\\.\\w"); /* literal string */
    assert_string_equal(ks_toml_get(&rules->items[1], "id")->string, "b");
    ks_toml_free(t);
    unlink(path);
}

static void test_gitleaks__tags_to_kinds(void **state)
{
    (void)state;
    char db[] = "db", password[] = "Password", key[] = "key", pk[] = "private-key", api[] = "api",
         tok[] = "token";
    char *pw[] = {db, password};
    assert_string_equal(ks_gitleaks_kind(pw, 1), "connection-string");
    assert_string_equal(ks_gitleaks_kind(pw + 1, 1), "password");
    char *k[] = {key, pk};
    assert_string_equal(ks_gitleaks_kind(k, 2), "private-key");
    char *none[] = {api, tok};
    assert_string_equal(ks_gitleaks_kind(none, 2), "generic-secret");
    assert_string_equal(ks_gitleaks_kind(NULL, 0), "generic-secret");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gitleaks__re2_quoted_literal),
        cmocka_unit_test(test_gitleaks__re2_named_groups_and_classes),
        cmocka_unit_test(test_gitleaks__re2_escapes),
        cmocka_unit_test(test_gitleaks__re2_refused),
        cmocka_unit_test(test_gitleaks__toml_error_names_line),
        cmocka_unit_test(test_gitleaks__toml_tree),
        cmocka_unit_test(test_gitleaks__tags_to_kinds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
