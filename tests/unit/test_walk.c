/*
 * test_walk.c - the file-system source: every file once across threads,
 * excludes, version-control directories, special files, unreadable input.
 */
#include "support.h"

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
        cmocka_unit_test(test_walk__read_error_is_a_warning),
    };
    return cmocka_run_group_tests_name("walk", tests, NULL, NULL);
}
