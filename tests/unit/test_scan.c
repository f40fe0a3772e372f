/*
 * test_scan.c - ks_scan_run, the one call a scan is: with the built-in
 * rules on a small tree (configuration, excludes, allowlist, baseline,
 * targets), on a small git repository whose history holds a removed
 * secret, on its staged change, and its errors.
 */
#include "support.h"

#include "core/sha256.h"
#include "pipeline/pipeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A GitHub token with a valid checksum, and a Stripe key. */
static char gh[64];
static const char *const STRIPE = "sk_live_51tRhrOKjlS80L7mkLIV98OlA9wwb3MzPf74sTma7uET11R6D";

static const ks_finding *find_rule(const ks_results *res, const char *id)
{
    for (size_t i = 0; i < res->nfindings; i++)
        if (strcmp(res->rs->rules[res->findings[i].rule].id, id) == 0)
            return &res->findings[i];
    return NULL;
}

static void sh(const char *dir, const char *cmd)
{
    char full[4096];
    snprintf(full, sizeof full,
             "cd '%s' && GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 "
             "GIT_AUTHOR_NAME=T GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=T "
             "GIT_COMMITTER_EMAIL=t@example.com %s >/dev/null 2>&1 </dev/null",
             dir, cmd);
    assert_int_equal(system(full), 0);
}

static void test_scan__tree_with_configuration(void **state)
{
    (void)state;
    char *dir = t_tmpdir();
    char text[256];
    snprintf(text, sizeof text, "export GITHUB_TOKEN=%s\n", gh);
    free(t_write(dir, "deploy.sh", text, strlen(text)));
    free(t_write(dir, "vendor/lib.sh", text, strlen(text)));
    snprintf(text, sizeof text, "STRIPE_KEY=%s\n", STRIPE);
    free(t_write(dir, "billing.env", text, strlen(text)));
    /* The project's configuration: an exclude, and the Stripe key accepted. */
    char hex[65], conf[512];
    ks_sha256_hex(hex, STRIPE, strlen(STRIPE));
    snprintf(conf, sizeof conf,
             "exclude: ['vendor/**']\nallow:\n  - sha256: %s\n    reason: test mode key\n", hex);
    free(t_write(dir, ".keysift.yaml", conf, strlen(conf)));

    ks_scan_request req;
    ks_scan_request_init(&req);
    req.paths = &dir;
    req.npaths = 1;
    req.quiet = true;
    req.targets = true;
    ks_results res;
    assert_int_equal(ks_scan_run(&req, &res), 0);
    assert_true(res.sum.rules > 100); /* the built-in rules */
    assert_int_equal(res.nfindings, 1);
    const ks_finding *f = find_rule(&res, "github.pat.classic");
    assert_non_null(f);
    assert_int_equal(f->nlocs, 1);
    assert_non_null(strstr(f->locs[0].path, "deploy.sh"));
    assert_int_equal(f->locs[0].line, 1);
    assert_int_equal(res.sum.excluded, 1);
    assert_int_equal(res.sum.allowed, 1);
    assert_int_equal(res.nsuppressed, 1);
    assert_string_equal(res.suppressed[0].how, "allowlist");
    assert_string_equal(res.suppressed[0].reason, "test mode key");
    assert_non_null(res.guidance);
    assert_int_equal(res.ntargets, 1);
    assert_string_equal(res.targets[0], dir);
    ks_results_dispose(&res);
    t_rmtree(dir);
    free(dir);
}

static void test_scan__git_history_and_staged(void **state)
{
    (void)state;
    char *dir = t_tmpdir();
    char text[256];
    sh(dir, "git init -q -b main .");
    snprintf(text, sizeof text, "token = \"%s\"\n", gh);
    free(t_write(dir, "app/settings.py", text, strlen(text)));
    sh(dir, "git add -A && git commit -q -m 'add settings'");
    sh(dir, "git rm -q app/settings.py && git commit -q -m 'remove the token'");

    ks_scan_request req;
    ks_scan_request_init(&req);
    req.source = KS_SCAN_GIT;
    req.paths = &dir;
    req.npaths = 1;
    req.quiet = true;
    ks_results res;
    assert_int_equal(ks_scan_run(&req, &res), 0);
    const ks_finding *f = find_rule(&res, "github.pat.classic");
    assert_non_null(f);
    assert_int_equal(f->nlocs, 1);
    /* The blob's key became its path and the commit that added it. */
    assert_string_equal(f->locs[0].path, "app/settings.py");
    assert_non_null(f->locs[0].prov);
    assert_int_equal(strlen(f->locs[0].prov->commit), 40);
    assert_string_equal(f->locs[0].prov->summary, "add settings");
    assert_false(f->locs[0].prov->at_head);
    assert_int_equal(f->present_at_head, 0);
    assert_non_null(strstr(res.source, "git history"));
    ks_results_dispose(&res);

    /* Staged: only the line this commit adds is reported. */
    snprintf(text, sizeof text, "old = \"%s\"\n", STRIPE);
    free(t_write(dir, "billing.py", text, strlen(text)));
    sh(dir, "git add -A && git commit -q -m billing");
    snprintf(text, sizeof text, "old = \"%s\"\nnew = \"%s\"\n", STRIPE, gh);
    free(t_write(dir, "billing.py", text, strlen(text)));
    sh(dir, "git add billing.py");
    req.source = KS_SCAN_STAGED;
    assert_int_equal(ks_scan_run(&req, &res), 0);
    assert_int_equal(res.nfindings, 1);
    f = find_rule(&res, "github.pat.classic");
    assert_non_null(f);
    assert_string_equal(f->locs[0].path, "billing.py");
    assert_int_equal(f->locs[0].line, 2);
    assert_string_equal(res.source, "staged changes");
    ks_results_dispose(&res);
    t_rmtree(dir);
    free(dir);
}

static void test_scan__errors_leave_no_results(void **state)
{
    (void)state;
    char missing[] = "/nonexistent/keysift";
    char *paths[] = {missing};
    ks_scan_request req;
    ks_scan_request_init(&req);
    req.paths = paths;
    req.npaths = 1;
    req.quiet = true;
    ks_results res;
    assert_int_not_equal(ks_scan_run(&req, &res), 0);
    assert_non_null(strstr(ks_error_msg(), "/nonexistent/keysift"));
    assert_int_equal(res.nfindings, 0);
    assert_null(res.rs);

    char *dir = t_tmpdir();
    req.paths = &dir;
    req.source = KS_SCAN_GIT;
    assert_int_not_equal(ks_scan_run(&req, &res), 0);
    assert_non_null(strstr(ks_error_msg(), "not a git repository"));

    req.source = KS_SCAN_FILES;
    free(t_write(dir, ".keysift.yaml", "exclude: 3\n", 11));
    assert_int_not_equal(ks_scan_run(&req, &res), 0);
    assert_non_null(strstr(ks_error_msg(), ".keysift.yaml:1"));
    t_rmtree(dir);
    free(dir);
}

/* A key name given six different values in one file is a column of data
 * (test vectors), not configuration: none of its values is a finding; the
 * same name with two values in another file is. */
static void test_scan__data_column(void **state)
{
    (void)state;
    char *dir = t_tmpdir();
    static const char *const hex[] = {
        "9f2c41d07be35a68c1e4f09b27d583ae6c10f4b2", "3b8e07a5d1c96f24e08b7d3a5c1f92e6b04d7a81",
        "e41a9c27f5b08d63a2e5c1f07b94d36e8a2c5f10", "70d5b3e8a1c64f29b07e3d5a9c12f8e46b0a7d53",
        "c29f6e14b8a37d05e6f1a9c43b2d80e7f5c16a94", "5a0e8d37c1f46b92e0a7d4c3b9f15e28d6c0a7b3",
    };
    char text[2048] = "# KDF test vectors\n";
    for (size_t i = 0; i < 6; i++)
        snprintf(text + strlen(text), sizeof text - strlen(text), "SharedSecret = %s\n", hex[i]);
    free(t_write(dir, "vectors.txt", text, strlen(text)));
    snprintf(text, sizeof text, "SharedSecret = %s\nSharedSecret = %s\n", hex[0], hex[1]);
    free(t_write(dir, "radius.conf", text, strlen(text)));

    ks_scan_request req;
    ks_scan_request_init(&req);
    req.paths = &dir;
    req.npaths = 1;
    req.quiet = true;
    ks_results res;
    assert_int_equal(ks_scan_run(&req, &res), 0);
    size_t in_conf = 0;
    for (size_t i = 0; i < res.nfindings; i++)
        for (size_t j = 0; j < res.findings[i].nlocs; j++) {
            assert_null(strstr(res.findings[i].locs[j].path, "vectors.txt"));
            in_conf += strstr(res.findings[i].locs[j].path, "radius.conf") != NULL;
        }
    assert_int_equal(in_conf, 2);
    ks_results_dispose(&res);
    t_rmtree(dir);
    free(dir);
}

/* What a name says about its bytes: code, documentation, tests. */
static void test_scan__flags_for_name(void **state)
{
    (void)state;
    assert_int_equal(ks_scan_flags_for_name("src/app.py"), KS_SCAN_CODE);
    assert_int_equal(ks_scan_flags_for_name("README.md"), KS_SCAN_DOCS);
    assert_int_equal(ks_scan_flags_for_name("/usr/share/man/man1/git.1.gz"), KS_SCAN_DOCS);
    assert_int_equal(ks_scan_flags_for_name("docs/setup.yaml"), KS_SCAN_DOCS);
    assert_int_equal(ks_scan_flags_for_name("notes.md.xz"), KS_SCAN_DOCS);
    assert_int_equal(ks_scan_flags_for_name("app.py.gz"), KS_SCAN_CODE);
    assert_int_equal(ks_scan_flags_for_name("po/de.po"), KS_SCAN_DOCS);
    assert_int_equal(ks_scan_flags_for_name("tests/conf.ini"), KS_SCAN_TESTS);
    assert_int_equal(ks_scan_flags_for_name("config/app.env"), 0);
    assert_int_equal(ks_scan_flags_for_name("gz"), 0);
    assert_int_equal(ks_scan_flags_for_name(".gz"), 0);
    assert_int_equal(ks_scan_flags_for_name("domain/model.go"), KS_SCAN_CODE); /* not /doc/ */
}

int main(void)
{
    t_make_token(gh, "ghp_", 7);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scan__tree_with_configuration),
        cmocka_unit_test(test_scan__git_history_and_staged),
        cmocka_unit_test(test_scan__errors_leave_no_results),
        cmocka_unit_test(test_scan__data_column),
        cmocka_unit_test(test_scan__flags_for_name),
    };
    return cmocka_run_group_tests_name("scan", tests, NULL, NULL);
}
