/*
 * test_fleet.c - secrets shared across images (findings/fleet.h) and two
 * reports compared (findings/diff.h), on results and reports built here.
 */
#include "support.h"

#include "findings/crypto.h"
#include "findings/diff.h"
#include "findings/fleet.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static const char *const RULES = "rules:\n"
                                 "  - id: t.key\n"
                                 "    name: Private key\n"
                                 "    kind: private-key\n"
                                 "    severity: high\n"
                                 "    confidence: high\n"
                                 "    pattern: 'KEY[0-9]+'\n"
                                 "  - id: t.der\n"
                                 "    name: Private key (DER)\n"
                                 "    kind: private-key\n"
                                 "    severity: medium\n"
                                 "    confidence: high\n"
                                 "    pattern: 'DER[0-9]+'\n"
                                 "  - id: t.token\n"
                                 "    name: Token\n"
                                 "    kind: saas-api-token\n"
                                 "    severity: high\n"
                                 "    confidence: high\n"
                                 "    pattern: 'TOK[0-9]+'\n"
                                 "  - id: t.hash\n"
                                 "    name: Hash\n"
                                 "    kind: password-hash\n"
                                 "    severity: critical\n"
                                 "    confidence: high\n"
                                 "    pattern: 'HASH[0-9]+'\n";

typedef struct fixture {
    ks_ruleset rs;
    ks_results res;
} fixture;

static int setup(void **state)
{
    fixture *f = ks_xcalloc(1, sizeof *f);
    t_rules(&f->rs, RULES);
    f->res.rs = &f->rs;
    const char *images[] = {"rel/fw-a.bin", "rel/fw-b.bin", "rel/fw-c.bin"};
    f->res.images = ks_xcalloc(3, sizeof(ks_image));
    for (size_t i = 0; i < 3; i++)
        f->res.images[i].path = ks_xstrdup(images[i]);
    f->res.nimages = 3;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    f->res.rs = NULL;
    ks_results_dispose(&f->res);
    ks_ruleset_dispose(&f->rs);
    free(f);
    return 0;
}

static uint32_t rule_index(const ks_ruleset *rs, const char *id)
{
    for (size_t i = 0; i < rs->nrules; i++)
        if (strcmp(rs->rules[i].id, id) == 0)
            return (uint32_t)i;
    fail_msg("no rule %s", id);
    return 0;
}

/* A finding of `rule` with one location per path ("root!inner": the
 * root is the part before '!'); spki: a private key's public key, or NULL. */
static ks_finding *add(fixture *fx, const char *rule, const char *fp, const char *spki,
                       const char *const *paths, size_t n)
{
    ks_finding f = {0};
    f.rule = rule_index(&fx->rs, rule);
    snprintf(f.fingerprint, sizeof f.fingerprint, "%s", fp);
    f.secret = (uint8_t *)ks_xstrdup(fp);
    f.secret_len = strlen(fp);
    f.redacted = ks_xstrdup("x...");
    f.present_at_head = -1;
    f.locs = ks_xcalloc(n, sizeof(ks_location));
    for (size_t i = 0; i < n; i++) {
        f.locs[i].path = ks_xstrdup(paths[i]);
        const char *bang = strchr(paths[i], '!');
        f.locs[i].root_len = bang ? (size_t)(bang - paths[i]) : strlen(paths[i]);
    }
    f.nlocs = n;
    if (spki) {
        f.crypto = ks_xcalloc(1, sizeof(ks_crypto));
        f.crypto->type = KS_ASSET_PRIVATE_KEY;
        snprintf(f.crypto->spki_sha256, sizeof f.crypto->spki_sha256, "%s", spki);
    }
    ks_results_add(&fx->res, &f);
    return &fx->res.findings[fx->res.nfindings - 1];
}

static const ks_finding *by_fp(const ks_results *res, const char *fp)
{
    for (size_t i = 0; i < res->nfindings; i++)
        if (strcmp(res->findings[i].fingerprint, fp) == 0)
            return &res->findings[i];
    return NULL;
}

static void test_fleet__image_of_matches_the_whole_root(void **state)
{
    fixture *fx = *state;
    char in[] = "rel/fw-b.bin!tar:/etc/shadow", longer[] = "rel/fw-b.bin2!tar:/x",
         shorter[] = "rel/fw-b.bi", deeper[] = "rel/sub/fw-a.bin!x";
    ks_location l = {.path = in, .root_len = 12};
    assert_int_equal(ks_fleet_image_of(&fx->res, &l), 1);
    /* A root that only starts like an image is not that image. */
    l = (ks_location){.path = longer, .root_len = 13};
    assert_int_equal(ks_fleet_image_of(&fx->res, &l), -1);
    l = (ks_location){.path = shorter, .root_len = 11};
    assert_int_equal(ks_fleet_image_of(&fx->res, &l), -1);
    l = (ks_location){.path = deeper, .root_len = 16};
    assert_int_equal(ks_fleet_image_of(&fx->res, &l), -1);
}

static void test_fleet__one_key_in_two_forms_is_one_shared_finding(void **state)
{
    fixture *fx = *state;
    const char *pem[] = {"rel/fw-a.bin!tar:/etc/key.pem", "rel/fw-c.bin!tar:/etc/key.pem"};
    const char *der[] = {"rel/fw-b.bin!cpio:/etc/key.der!pem"};
    const char *other[] = {"rel/fw-b.bin!cpio:/etc/other.pem"};
    add(fx, "t.key", "11111111111111111111111111111111", "aa", pem, 2);
    add(fx, "t.der", "22222222222222222222222222222222", "aa", der, 1);
    add(fx, "t.key", "33333333333333333333333333333333", "bb", other, 1);
    ks_fleet_share(&fx->res);
    assert_int_equal(fx->res.nfindings, 2);
    const ks_finding *k = by_fp(&fx->res, "11111111111111111111111111111111");
    assert_non_null(k);
    assert_non_null(k->shared);
    assert_int_equal(k->nlocs, 3);
    assert_int_equal(k->shared->nimages, 3);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(k->shared->images[i], i);
    assert_int_equal(k->shared->nmerged, 1);
    assert_string_equal(k->shared->merged[0], "22222222222222222222222222222222");
    /* One level above the highest of its rules (high). */
    assert_int_equal(k->shared->severity, KS_SEV_CRITICAL);
    assert_int_equal(ks_finding_severity(&fx->rs, k), KS_SEV_CRITICAL);
    const ks_finding *o = by_fp(&fx->res, "33333333333333333333333333333333");
    assert_non_null(o);
    assert_null(o->shared);
    assert_int_equal(ks_finding_severity(&fx->rs, o), KS_SEV_HIGH);
    ks_fleet_count(&fx->res);
    assert_int_equal(fx->res.images[0].findings, 1);
    assert_int_equal(fx->res.images[0].shared, 1);
    assert_int_equal(fx->res.images[1].findings, 2);
    assert_int_equal(fx->res.images[1].shared, 1);
}

static void test_fleet__only_keys_hashes_and_device_credentials(void **state)
{
    fixture *fx = *state;
    const char *two[] = {"rel/fw-a.bin!tar:/etc/app.conf", "rel/fw-b.bin!tar:/etc/app.conf"};
    const char *hash[] = {"rel/fw-a.bin!tar:/etc/shadow", "rel/fw-c.bin!tar:/etc/shadow",
                          "rel/fw-c.bin!tar:/etc/shadow-"};
    const char *one_image[] = {"rel/fw-a.bin!tar:/etc/k", "rel/fw-a.bin!tar:/etc/k2"};
    const char *no_image[] = {"notes/k.pem", "other/k.pem"};
    add(fx, "t.token", "44444444444444444444444444444444", NULL, two, 2);
    add(fx, "t.hash", "55555555555555555555555555555555", NULL, hash, 3);
    add(fx, "t.key", "66666666666666666666666666666666", "cc", one_image, 2);
    add(fx, "t.key", "77777777777777777777777777777777", "dd", no_image, 2);
    ks_fleet_share(&fx->res);
    assert_int_equal(fx->res.nfindings, 4);
    assert_null(by_fp(&fx->res, "44444444444444444444444444444444")->shared);
    const ks_finding *h = by_fp(&fx->res, "55555555555555555555555555555555");
    assert_non_null(h->shared);
    assert_int_equal(h->shared->nimages, 2);
    /* Critical stays critical. */
    assert_int_equal(h->shared->severity, KS_SEV_CRITICAL);
    assert_null(by_fp(&fx->res, "66666666666666666666666666666666")->shared);
    assert_null(by_fp(&fx->res, "77777777777777777777777777777777")->shared);
    assert_true(ks_fleet_kind("iot-credential"));
    assert_false(ks_fleet_kind("saas-api-token"));
}

static void test_fleet__fewer_than_two_images_change_nothing(void **state)
{
    fixture *fx = *state;
    const char *pem[] = {"rel/fw-a.bin!tar:/etc/key.pem", "rel/fw-c.bin!tar:/etc/key.pem"};
    add(fx, "t.key", "11111111111111111111111111111111", "aa", pem, 2);
    fx->res.nimages = 1; /* the others stay allocated: teardown frees them */
    ks_fleet_share(&fx->res);
    fx->res.nimages = 3;
    assert_null(fx->res.findings[0].shared);
}

/* ------------------------------------------------------------------------ */
/* diff                                                                      */

static json_t *doc(const char *text)
{
    json_error_t err;
    json_t *d = json_loads(text, 0, &err);
    if (!d)
        fail_msg("bad test JSON: %s", err.text);
    return d;
}

#define FP(c) "\"" c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c "\""

static void test_diff__new_removed_present_and_merged(void **state)
{
    (void)state;
    json_t *old = doc("{\"findings\": [{\"fingerprint\": " FP(
        "a") "},"
             " {\"fingerprint\": " FP("b") "}, {\"fingerprint\": " FP("c") "}]}");
    /* NEW: a again, c merged into d (the same key in another form), e new. */
    json_t *new = doc("{\"findings\": [{\"fingerprint\": " FP(
        "a") "},"
             " {\"fingerprint\": " FP("d") ", \"shared\": {\"merged\": [" FP(
                 "c") "]}},"
                      " {\"fingerprint\": " FP("e") "}]}");
    assert_int_equal(ks_diff_check_report(old, "old.json"), 0);
    assert_int_equal(ks_diff_check_report(new, "new.json"), 0);
    ks_diff d;
    ks_diff_reports(&d, old, new);
    assert_int_equal(d.nadded, 1);
    assert_string_equal(json_string_value(json_object_get(d.added[0], "fingerprint")),
                        "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee");
    assert_int_equal(d.nremoved, 1);
    assert_string_equal(json_string_value(json_object_get(d.removed[0], "fingerprint")),
                        "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
    assert_int_equal(d.npresent, 2);
    ks_diff_dispose(&d);
    /* The other way round, the merged fingerprint matches from OLD's side. */
    ks_diff_reports(&d, new, old);
    assert_int_equal(d.nadded, 1);
    assert_int_equal(d.nremoved, 1);
    assert_int_equal(d.npresent, 2);
    ks_diff_dispose(&d);
    json_decref(old);
    json_decref(new);
}

static void test_diff__reports_that_are_not_keysift_json(void **state)
{
    (void)state;
    json_t *a = doc("[1, 2]");
    assert_int_not_equal(ks_diff_check_report(a, "a.json"), 0);
    assert_non_null(strstr(ks_error_msg(), "a.json: not a keysift JSON report"));
    json_t *b = doc("{\"findings\": [{\"fingerprint\": " FP("a") "}, {\"rule_id\": \"x\"}]}");
    assert_int_not_equal(ks_diff_check_report(b, "b.json"), 0);
    assert_non_null(strstr(ks_error_msg(), "b.json: finding 2"));
    json_t *c = doc("{\"findings\": [{\"fingerprint\": " FP("A") "}]}");
    assert_int_not_equal(ks_diff_check_report(c, "c.json"), 0);
    json_t *e = doc("{\"findings\": [{\"fingerprint\": " FP("a") ", \"shared\": {\"merged\":"
                                                                 " [1]}}]}");
    assert_int_not_equal(ks_diff_check_report(e, "e.json"), 0);
    assert_non_null(strstr(ks_error_msg(), "e.json: finding 1"));
    json_decref(a);
    json_decref(b);
    json_decref(c);
    json_decref(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_fleet__image_of_matches_the_whole_root, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_fleet__one_key_in_two_forms_is_one_shared_finding,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_fleet__only_keys_hashes_and_device_credentials, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_fleet__fewer_than_two_images_change_nothing, setup,
                                        teardown),
        cmocka_unit_test(test_diff__new_removed_present_and_merged),
        cmocka_unit_test(test_diff__reports_that_are_not_keysift_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
