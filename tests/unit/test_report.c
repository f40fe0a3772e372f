/*
 * test_report.c - JSON, JSON Lines and text reports parse and carry the
 * documented fields, redact secrets by default, and files are written
 * atomically.
 */
#include "support.h"

#include "report/report.h"

#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const RULES = "rules:\n"
                                 "  - id: t.akia\n"
                                 "    name: AWS key id\n"
                                 "    kind: cloud-credential\n"
                                 "    severity: critical\n"
                                 "    confidence: high\n"
                                 "    pattern: '\\b(AKIA[A-Z2-7]{16})\\b'\n"
                                 "    secret_group: 1\n"
                                 "    remediation: Deactivate the key in IAM.\n"
                                 "    references: [https://docs.aws.amazon.com/IAM/]\n";

static const char *const SECRET = "AKIAQWERTYUIOPASDF23";

typedef struct fixture {
    ks_ruleset rs;
    ks_engine *e;
    char *dir;
    ks_results res;
} fixture;

static int setup(void **state)
{
    fixture *f = ks_xcalloc(1, sizeof *f);
    t_rules(&f->rs, RULES);
    f->e = t_engine(&f->rs);
    f->dir = t_tmpdir();
    char text[128];
    snprintf(text, sizeof text, "# config\naws_key = \"%s\"\n", SECRET);
    char *paths[2] = {t_write(f->dir, "a.py", text, strlen(text)),
                      t_write(f->dir, "b.py", text, strlen(text))};
    t_scan(&f->rs, f->e, paths, 2, 0, 1, &f->res);
    free(paths[0]);
    free(paths[1]);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    ks_results_dispose(&f->res);
    t_rmtree(f->dir);
    free(f->dir);
    ks_engine_free(f->e);
    ks_ruleset_dispose(&f->rs);
    free(f);
    return 0;
}

static char *render(const ks_results *res, const char *format)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    ks_report_opts o = {.color = false};
    assert_int_equal(ks_reporter_find(format)->write(m, res, &o), 0);
    fclose(m);
    return buf;
}

static void check_finding(json_t *fd, bool redacted)
{
    const char *keys[] = {"rule_id",     "rule_name", "kind",        "severity", "confidence",
                          "fingerprint", "secret",    "remediation", "locations"};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        if (!json_object_get(fd, keys[i]))
            fail_msg("finding without %s", keys[i]);
    assert_string_equal(json_string_value(json_object_get(fd, "rule_id")), "t.akia");
    assert_string_equal(json_string_value(json_object_get(fd, "severity")), "critical");
    assert_int_equal(strlen(json_string_value(json_object_get(fd, "fingerprint"))), 32);
    const char *secret = json_string_value(json_object_get(fd, "secret"));
    if (redacted)
        assert_string_not_equal(secret, SECRET);
    else
        assert_string_equal(secret, SECRET);
    json_t *locs = json_object_get(fd, "locations");
    assert_int_equal(json_array_size(locs), 2);
    for (size_t i = 0; i < 2; i++) {
        json_t *l = json_array_get(locs, i);
        assert_int_equal(json_integer_value(json_object_get(l, "line")), 2);
        assert_int_equal(json_integer_value(json_object_get(l, "column")), 12);
        assert_int_equal(json_integer_value(json_object_get(l, "offset")), 20);
        assert_non_null(strstr(json_string_value(json_object_get(l, "path")), ".py"));
    }
}

static void test_report__json_document(void **state)
{
    fixture *f = *state;
    char *out = render(&f->res, "json");
    assert_null(strstr(out, SECRET));
    json_error_t err;
    json_t *doc = json_loads(out, 0, &err);
    assert_non_null(doc);
    json_t *findings = json_object_get(doc, "findings");
    assert_int_equal(json_array_size(findings), 1);
    check_finding(json_array_get(findings, 0), true);
    json_t *sum = json_object_get(doc, "summary");
    assert_int_equal(json_integer_value(json_object_get(sum, "files")), 2);
    assert_int_equal(json_integer_value(json_object_get(sum, "findings")), 1);
    assert_true(json_integer_value(json_object_get(sum, "bytes")) > 0);
    assert_non_null(json_object_get(sum, "warnings"));
    assert_non_null(json_object_get(sum, "elapsed_s"));
    json_decref(doc);
    free(out);
}

static void test_report__json_lines(void **state)
{
    fixture *f = *state;
    char *out = render(&f->res, "jsonl");
    assert_null(strstr(out, SECRET));
    size_t lines = 0;
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
        json_error_t err;
        json_t *fd = json_loads(line, 0, &err);
        assert_non_null(fd);
        check_finding(fd, true);
        json_decref(fd);
        lines++;
    }
    assert_int_equal(lines, 1);
    free(out);
}

static void test_report__show_secrets_is_explicit(void **state)
{
    fixture *f = *state;
    f->res.show_secrets = true;
    char *out = render(&f->res, "jsonl");
    json_error_t err;
    json_t *fd = json_loads(out, 0, &err);
    check_finding(fd, false);
    json_decref(fd);
    free(out);
    f->res.show_secrets = false;
}

static void test_report__text(void **state)
{
    fixture *f = *state;
    char *out = render(&f->res, "text");
    assert_null(strstr(out, SECRET));
    assert_non_null(strstr(out, "CRITICAL"));
    assert_non_null(strstr(out, "AWS key id"));
    assert_non_null(strstr(out, "a.py:2:12"));
    assert_non_null(strstr(out, "b.py:2:12"));
    assert_non_null(strstr(out, "aws_key = \"AKIAQW\xe2\x80\xa6\""));
    assert_non_null(strstr(out, "Deactivate the key in IAM."));
    assert_non_null(strstr(out, "1 finding (1 critical) in 2 files"));
    free(out);
}

static void test_report__atomic_output_file(void **state)
{
    fixture *f = *state;
    char path[4096];
    snprintf(path, sizeof path, "%s/out/report.json", f->dir);
    ks_report_opts o = {0};
    /* Directory missing: an error naming the file, and nothing left behind. */
    assert_int_equal(ks_report_to_path(ks_reporter_find("json"), path, &f->res, &o), KS_EIO);
    assert_non_null(strstr(ks_error_msg(), path));
    snprintf(path, sizeof path, "%s/report.json", f->dir);
    assert_int_equal(ks_report_to_path(ks_reporter_find("json"), path, &f->res, &o), 0);
    json_error_t err;
    json_t *doc = json_load_file(path, 0, &err);
    assert_non_null(doc);
    json_decref(doc);
    /* No temporary file left beside it. */
    DIR *d = opendir(f->dir);
    assert_non_null(d);
    int left = 0;
    for (struct dirent *e; (e = readdir(d));)
        left += strncmp(e->d_name, "report.json.tmp", 15) == 0;
    closedir(d);
    assert_int_equal(left, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_report__json_document, setup, teardown),
        cmocka_unit_test_setup_teardown(test_report__json_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_report__show_secrets_is_explicit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_report__text, setup, teardown),
        cmocka_unit_test_setup_teardown(test_report__atomic_output_file, setup, teardown),
    };
    return cmocka_run_group_tests_name("report", tests, NULL, NULL);
}
