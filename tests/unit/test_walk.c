/*
 * test_walk.c - the file-system source: every file once across threads,
 * excludes, version-control directories, special files, unreadable input.
 */
#include "support.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const RULES = "rules:\n"
                                 "  - id: t.marker\n"
                                 "    severity: low\n"
                                 "    pattern: 'KSMARK_[0-9]{6}'\n";

static void mkdirs(const char *dir, const char *sub)
{
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", dir, sub);
    assert_int_equal(mkdir(p, 0755), 0);
}

static void test_walk__every_file_once_in_parallel(void **state)
{
    (void)state;
    ks_ruleset rs;
    t_rules(&rs, RULES);
    ks_engine *e = t_engine(&rs);
    char *dir = t_tmpdir();
    const char *subs[] = {"a", "a/b", "a/b/c", "d", "node_modules", ".git"};
    for (size_t i = 0; i < sizeof subs / sizeof *subs; i++)
        mkdirs(dir, subs[i]);
    /* 500 files with distinct markers, more than one batch per directory. */
    const char *place[] = {"", "a", "a/b", "a/b/c", "d"};
    for (int i = 0; i < 500; i++) {
        char name[64], text[64];
        snprintf(name, sizeof name, "%s/f%03d.txt", place[i % 5], i);
        snprintf(text, sizeof text, "v = KSMARK_%06d\n", i);
        free(t_write(dir, name, text, strlen(text)));
    }
    free(t_write(dir, ".git/config", "x KSMARK_999999\n", 16));
    free(t_write(dir, "node_modules/dep.js", "x KSMARK_888888\n", 16));
    free(t_write(dir, "d/skip.min.js", "x KSMARK_777777\n", 16));
    char fifo[4096];
    snprintf(fifo, sizeof fifo, "%s/a/pipe", dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    char link[4096];
    snprintf(link, sizeof link, "%s/a/link", dir);
    assert_int_equal(symlink("/etc/passwd", link), 0);

    char *excl[] = {(char[]){"node_modules"}, (char[]){"*.min.js"}};
    ks_scan_request req;
    t_request(&req, &rs, e, &dir, 1, 4);
    req.excludes = excl;
    req.nexcludes = 2;
    ks_results res;
    assert_int_equal(ks_scan_run(&req, &res), 0);
    assert_int_equal(res.nfindings, 500);
    assert_int_equal(res.sum.files, 500);
    assert_int_equal(res.sum.excluded, 3); /* .git, node_modules, skip.min.js */
    assert_int_equal(res.sum.skipped, 2);  /* the fifo (never opened) and the symlink */
    for (size_t i = 0; i < res.nfindings; i++)
        assert_int_equal(res.findings[i].nlocs, 1);
    ks_results_dispose(&res);
    t_rmtree(dir);
    free(dir);
    ks_engine_free(e);
    ks_ruleset_dispose(&rs);
}

static void test_walk__exclude_globs(void **state)
{
    (void)state;
    char *g[] = {(char[]){"*.lock"}, (char[]){"vendor/**"}, (char[]){"**/fixtures/*.json"},
                 (char[]){"build"}};
    assert_true(ks_path_excluded(g, 4, "deps/yarn.lock", "yarn.lock"));
    assert_true(ks_path_excluded(g, 4, "vendor", "vendor"));
    assert_true(ks_path_excluded(g, 4, "vendor/x/y.c", "y.c"));
    assert_true(ks_path_excluded(g, 4, "fixtures/a.json", "a.json"));
    assert_true(ks_path_excluded(g, 4, "src/fixtures/a.json", "a.json"));
    assert_true(ks_path_excluded(g, 4, "src/build", "build"));
    assert_false(ks_path_excluded(g, 4, "src/main.c", "main.c"));
    assert_false(ks_path_excluded(g, 4, "src/vendor.c", "vendor.c"));
}

/* What fnmatch alone answers, the way globs are anchored (glob.h):
 * ks_path_excluded must give the same answer for every kind of glob. */
static bool reference_match(const char *g, const char *rel, const char *base)
{
    if (!strchr(g, '/'))
        return fnmatch(g, base, 0) == 0;
    if (fnmatch(g, rel, 0) == 0 || (strncmp(g, "**/", 3) == 0 && fnmatch(g + 3, rel, 0) == 0))
        return true;
    size_t gl = strlen(g);
    if (gl > 3 && strcmp(g + gl - 3, "/**") == 0) {
        char d[256];
        snprintf(d, sizeof d, "%.*s", (int)(gl - 3), g);
        return fnmatch(d, rel, 0) == 0;
    }
    return false;
}

static void test_walk__glob_precheck_agrees_with_fnmatch(void **state)
{
    (void)state;
    const char *globs[] = {"*.lock", "vendor/**", "**/fixtures/*.json", "build", "*kubeconfig*",
                           "**/.kube/config", "admin.conf", "**/rclone/*.conf", "*.pgpass",
                           "a?c.txt", "[ab]*.ini", "x\\*y", "**/etc/config/**", "**", "*",
                           "**/git/credentials", "src/*/main.[ch]", "*.tar.*", "?", ".env*"};
    const char *paths[] = {"deps/yarn.lock", "vendor", "vendor/x/y.c", "fixtures/a.json",
                           "src/fixtures/a.json", "build", "src/build", ".kube/config",
                           "home/u/.kube/config", "my-kubeconfig.yaml", "kubeconfig", "admin.conf",
                           "etc/admin.conf", "rclone/r.conf", "x/rclone/r.conf", "rclone.conf",
                           "db.pgpass", ".pgpass", "abc.txt", "a/abc.txt", "b1.ini", "c1.ini",
                           "x*y", "etc/config", "etc/config/wireless", "a/etc/config/network",
                           ".config/git/credentials", "src/a/main.c", "src/a/b/main.h",
                           "x.tar.gz", "q", ".env.local", "main.c", ""};
    /* Malformed bracket expressions are translated without reading past
     * the glob (what fnmatch makes of them is its own business). */
    const char *odd[] = {"[[:a]", "[[:alpha:]x", "[", "[!", "[]", "[!]]", "a[[:b:]", "x[:]y]", "\\"};
    for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) {
        char gbuf[64];
        snprintf(gbuf, sizeof gbuf, "%s", odd[i]);
        char *g[] = {gbuf};
        char *re = ks_glob_regex(g, 1);
        assert_non_null(re);
        free(re);
    }
    for (size_t i = 0; i < sizeof globs / sizeof globs[0]; i++)
        for (size_t j = 0; j < sizeof paths / sizeof paths[0]; j++) {
            const char *rel = paths[j], *slash = strrchr(rel, '/');
            const char *base = slash ? slash + 1 : rel;
            char gbuf[64];
            snprintf(gbuf, sizeof gbuf, "%s", globs[i]);
            char *g[] = {gbuf};
            if (ks_path_excluded(g, 1, rel, base) != reference_match(globs[i], rel, base))
                fail_msg("glob %s, path %s: %d, fnmatch says %d", globs[i], rel,
                         ks_path_excluded(g, 1, rel, base), reference_match(globs[i], rel, base));
        }
}

static void test_walk__read_error_is_a_warning(void **state)
{
    (void)state;
    ks_ruleset rs;
    t_rules(&rs, RULES);
    ks_engine *e = t_engine(&rs);
    /* Reading /proc/self/mem from offset 0 fails with EIO, even as root. */
    char mem[] = "/proc/self/mem";
    char *paths[] = {mem};
    ks_scan_request req;
    t_request(&req, &rs, e, paths, 1, 1);
    ks_results res;
    assert_int_equal(ks_scan_run(&req, &res), 0);
    assert_int_equal(res.sum.warnings, 1);
    assert_int_equal(res.diags.n, 1);
    assert_string_equal(res.diags.v[0].path, "/proc/self/mem");
    assert_non_null(strstr(res.diags.v[0].message, "read error"));
    ks_results_dispose(&res);

    /* A missing path is an error naming it, before anything is scanned. */
    char missing[] = "/nonexistent/dir";
    paths[0] = missing;
    assert_int_equal(ks_scan_run(&req, &res), KS_ENOTFOUND);
    assert_non_null(strstr(ks_error_msg(), "/nonexistent/dir"));
    ks_engine_free(e);
    ks_ruleset_dispose(&rs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_walk__every_file_once_in_parallel),
        cmocka_unit_test(test_walk__exclude_globs),
        cmocka_unit_test(test_walk__glob_precheck_agrees_with_fnmatch),
        cmocka_unit_test(test_walk__read_error_is_a_warning),
    };
    return cmocka_run_group_tests_name("walk", tests, NULL, NULL);
}
