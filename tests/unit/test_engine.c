/*
 * test_engine.c - the two-stage matcher through the whole pipeline: chunk
 * boundaries, overlaps, several rules on a line, binary bytes, empty and
 * large files, deduplication.
 */
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const RULES =
    "rules:\n"
    "  - id: t.ghp\n"
    "    name: GitHub token\n"
    "    kind: source-hosting-token\n"
    "    severity: high\n"
    "    confidence: high\n"
    "    pattern: '\\b(ghp_[0-9A-Za-z]{36})\\b'\n"
    "    secret_group: 1\n"
    "    validate: [github-crc32]\n"
    "  - id: t.akia\n"
    "    name: AWS key id\n"
    "    kind: cloud-credential\n"
    "    severity: critical\n"
    "    confidence: high\n"
    "    pattern: '\\b((?:AKIA|ASIA)[A-Z2-7]{16})\\b'\n"
    "    secret_group: 1\n"
    "  - id: t.password\n"
    "    name: password\n"
    "    kind: password\n"
    "    severity: medium\n"
    "    confidence: low\n"
    "    pattern: '(?i)password\\s{0,4}[:=]\\s{0,4}\"([^\"\\s]{8,64})\"'\n"
    "    secret_group: 1\n"
    "    entropy: 2.5\n"
    "  - id: t.var\n"
    "    name: variable width\n"
    "    kind: token\n"
    "    severity: low\n"
    "    pattern: '\\btok_[a-z0-9]{8,40}'\n";

typedef struct fixture {
    ks_ruleset rs;
    ks_engine *e;
    char *dir;
} fixture;

static int setup(void **state)
{
    fixture *f = ks_xcalloc(1, sizeof *f);
    t_rules(&f->rs, RULES);
    f->e = t_engine(&f->rs);
    f->dir = t_tmpdir();
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    t_rmtree(f->dir);
    free(f->dir);
    ks_engine_free(f->e);
    ks_ruleset_dispose(&f->rs);
    free(f);
    return 0;
}

static void fill_text(char *buf, size_t n, unsigned seed)
{
    static const char words[] = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do ";
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        buf[i] = (i % 61 == 60) ? '\n' : words[(seed >> 16) % (sizeof words - 1)];
    }
}

/* Line and column of offset `off` in buf, counted the slow obvious way. */
static void line_col(const char *buf, size_t off, uint64_t *line, uint64_t *col)
{
    *line = 1;
    size_t last = 0;
    for (size_t i = 0; i < off; i++)
        if (buf[i] == '\n') {
            (*line)++;
            last = i + 1;
        }
    *col = off - last + 1;
}

static void test_engine__secret_straddling_chunk_boundary(void **state)
{
    fixture *f = *state;
    const size_t chunk = 4096;
    char *paths[64];
    char tokens[64][48];
    size_t offs[64], n = 0;
    /* Slide a token across the region where one chunk's owned range ends
     * and the next chunk begins, one file per position. */
    for (size_t off = 3800; off < 4200 && n < 64; off += 7, n++) {
        char buf[9000];
        fill_text(buf, sizeof buf, (unsigned)off);
        t_make_token(tokens[n], "ghp_", (unsigned)off);
        buf[off - 1] = ' ';
        memcpy(buf + off, tokens[n], 40);
        buf[off + 40] = ' ';
        char name[32];
        snprintf(name, sizeof name, "f%zu.txt", off);
        paths[n] = t_write(f->dir, name, buf, sizeof buf);
        offs[n] = off;
    }
    ks_results res;
    t_scan(&f->rs, f->e, paths, n, chunk, 2, &res);
    assert_int_equal(t_count(&res, "t.ghp"), n);
    for (size_t i = 0; i < n; i++) {
        const ks_finding *fd = t_find(&res, "t.ghp", tokens[i]);
        assert_non_null(fd);
        assert_int_equal(fd->nlocs, 1);
        assert_int_equal(fd->locs[0].offset, offs[i]);
        free(paths[i]);
    }
    ks_results_dispose(&res);
}

static void test_engine__line_numbers_across_many_chunks(void **state)
{
    fixture *f = *state;
    const size_t size = 300000;
    char *buf = ks_xmalloc(size);
    fill_text(buf, size, 7);
    char tokens[100][48];
    size_t offs[100];
    for (int i = 0; i < 100; i++) {
        size_t off = 1000 + (size_t)i * 2900 + (size_t)(i * 37 % 50);
        t_make_token(tokens[i], "ghp_", 1000u + (unsigned)i);
        buf[off - 1] = ' ';
        memcpy(buf + off, tokens[i], 40);
        buf[off + 40] = ' ';
        offs[i] = off;
    }
    char *path = t_write(f->dir, "big.txt", buf, size);
    size_t chunks[] = {4096, 0};
    for (int c = 0; c < 2; c++) {
        ks_results res;
        t_scan(&f->rs, f->e, &path, 1, chunks[c], 1, &res);
        assert_int_equal(t_count(&res, "t.ghp"), 100);
        for (int i = 0; i < 100; i++) {
            const ks_finding *fd = t_find(&res, "t.ghp", tokens[i]);
            assert_non_null(fd);
            uint64_t line, col;
            line_col(buf, offs[i], &line, &col);
            assert_int_equal(fd->locs[0].offset, offs[i]);
            assert_int_equal(fd->locs[0].line, line);
            assert_int_equal(fd->locs[0].column, col);
        }
        ks_results_dispose(&res);
    }
    free(path);
    free(buf);
}

static void test_engine__several_rules_on_one_line(void **state)
{
    fixture *f = *state;
    char tok[48], line[256];
    t_make_token(tok, "ghp_", 42);
    snprintf(line, sizeof line, "creds = {\"aws\": \"AKIAQWERTYUIOPASDF23\", \"gh\": \"%s\"}\n",
             tok);
    char *path = t_write(f->dir, "one.json", line, strlen(line));
    ks_results res;
    t_scan(&f->rs, f->e, &path, 1, 0, 1, &res);
    const ks_finding *a = t_find(&res, "t.akia", "AKIAQWERTYUIOPASDF23");
    const ks_finding *g = t_find(&res, "t.ghp", tok);
    assert_non_null(a);
    assert_non_null(g);
    assert_int_equal(a->locs[0].line, 1);
    assert_int_equal(a->locs[0].column, 18);
    assert_int_equal(g->locs[0].column, 48);
    assert_int_equal(res.nfindings, 2);
    ks_results_dispose(&res);
    free(path);
}

typedef struct counter {
    size_t n;
    uint32_t rules[8];
} counter;

static int count_match(const ks_match *m, void *payload)
{
    counter *c = payload;
    if (c->n < 8)
        c->rules[c->n] = m->rule;
    c->n++;
    return 0;
}

static void test_engine__overlapping_matches_keep_the_specific_rule(void **state)
{
    fixture *f = *state;
    char tok[48], text[128];
    t_make_token(tok, "ghp_", 5);
    snprintf(text, sizeof text, "password = \"%s\"\n", tok);
    ks_scratch *s;
    assert_int_equal(ks_scratch_new(&s, f->e), 0);
    ks_scan_args a = {.data = (const uint8_t *)text, .len = strlen(text), .own_to = strlen(text)};
    counter c = {0};
    assert_int_equal(ks_engine_scan(f->e, s, &a, count_match, &c), 0);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.rules[0], (uint32_t)ks_ruleset_find(&f->rs, "t.ghp"));
    /* Without suppression both rules report the same bytes. */
    a.flags = KS_SCAN_NO_SUPPRESS;
    memset(&c, 0, sizeof c);
    assert_int_equal(ks_engine_scan(f->e, s, &a, count_match, &c), 0);
    assert_int_equal(c.n, 2);
    ks_scratch_free(s);
}

/* A rule restricted to paths, over the same bytes as t.password. */
static const char *const PATH_RULES =
    "rules:\n"
    "  - id: t.password\n"
    "    name: password\n"
    "    kind: password\n"
    "    severity: medium\n"
    "    confidence: low\n"
    "    pattern: '(?i)password\\s{0,4}[:=]\\s{0,4}\"([^\"\\s]{8,64})\"'\n"
    "    secret_group: 1\n"
    "  - id: t.conf\n"
    "    name: password in device.conf\n"
    "    kind: password\n"
    "    severity: high\n"
    "    confidence: high\n"
    "    paths: ['device.conf']\n"
    "    pattern: '(?m)^password\\s{0,4}=\\s{0,4}\"([^\"\\s]{8,64})\"'\n"
    "    secret_group: 1\n";

static ks_applies applies_as(void *ctx, uint32_t rule)
{
    (void)rule;
    return *(const ks_applies *)ctx;
}

/* Whether the path rule applies decides the overlap; where the path is not
 * known yet (a git blob), its match is provisional and rivals no other. */
static void test_engine__path_rule_unknown_path_rivals_no_other(void **state)
{
    (void)state;
    ks_ruleset rs;
    t_rules(&rs, PATH_RULES);
    ks_engine *e = t_engine(&rs);
    const char *text = "password = \"Hx7#kQ2m9vLp\"\n";
    ks_scratch *s;
    assert_int_equal(ks_scratch_new(&s, e), 0);
    uint32_t pw = (uint32_t)ks_ruleset_find(&rs, "t.password");
    uint32_t conf = (uint32_t)ks_ruleset_find(&rs, "t.conf");
    ks_applies ap;
    ks_scan_args a = {.data = (const uint8_t *)text,
                      .len = strlen(text),
                      .own_to = strlen(text),
                      .applies = applies_as,
                      .applies_ctx = &ap};
    counter c = {0};
    ap = KS_APPLIES_YES; /* device.conf: the specific rule wins */
    assert_int_equal(ks_engine_scan(e, s, &a, count_match, &c), 0);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.rules[0], conf);
    memset(&c, 0, sizeof c);
    ap = KS_APPLIES_NO; /* another file: only the other rule */
    assert_int_equal(ks_engine_scan(e, s, &a, count_match, &c), 0);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.rules[0], pw);
    memset(&c, 0, sizeof c);
    ap = KS_APPLIES_LATER; /* not known yet: both, the caller settles them */
    assert_int_equal(ks_engine_scan(e, s, &a, count_match, &c), 0);
    assert_int_equal(c.n, 2);
    assert_true((c.rules[0] == pw && c.rules[1] == conf) ||
                (c.rules[0] == conf && c.rules[1] == pw));
    ks_scratch_free(s);
    ks_engine_free(e);
    ks_ruleset_dispose(&rs);
}

/* Two rules with one pattern (a password and its weak twin) are one
 * Vectorscan expression; each rule still confirms its own hits. A path
 * rule sits in a database of its own, scanned only where a rule of it
 * applies; both databases come back from the on-disk cache. */
static const char *const TWIN_RULES =
    "rules:\n"
    "  - id: t.one\n"
    "    name: one\n"
    "    kind: token\n"
    "    severity: low\n"
    "    pattern: '\\b(tw_[a-z0-9]{12})\\b'\n"
    "    secret_group: 1\n"
    "  - id: t.conf\n"
    "    name: password in device.conf\n"
    "    kind: password\n"
    "    severity: high\n"
    "    confidence: high\n"
    "    paths: ['device.conf']\n"
    "    pattern: '(?m)^password\\s{0,4}=\\s{0,4}\"([^\"\\s]{8,64})\"'\n"
    "    secret_group: 1\n"
    "  - id: t.two\n"
    "    name: two\n"
    "    kind: token\n"
    "    severity: low\n"
    "    pattern: '\\b(tw_[a-z0-9]{12})\\b'\n"
    "    secret_group: 1\n";

static void scan_twins(ks_engine *e, const ks_ruleset *rs, ks_applies ap)
{
    const char *text = "a tw_q8w7e6r5t4y3 b\npassword = \"Hx7#kQ2m9vLp\"\nc tw_z9x8c7v6b5n4\n";
    uint32_t one = (uint32_t)ks_ruleset_find(rs, "t.one");
    uint32_t two = (uint32_t)ks_ruleset_find(rs, "t.two");
    uint32_t conf = (uint32_t)ks_ruleset_find(rs, "t.conf");
    ks_scratch *s;
    assert_int_equal(ks_scratch_new(&s, e), 0);
    ks_scan_args a = {.data = (const uint8_t *)text,
                      .len = strlen(text),
                      .own_to = strlen(text),
                      .flags = KS_SCAN_NO_SUPPRESS,
                      .applies = applies_as,
                      .applies_ctx = &ap};
    counter c = {0};
    assert_int_equal(ks_engine_scan(e, s, &a, count_match, &c), 0);
    /* in order of the secret's start: each token by both rules, in rule
     * order; the password only where its rule applies */
    size_t k = 0;
    assert_int_equal(c.n, ap == KS_APPLIES_NO ? 4 : 5);
    assert_int_equal(c.rules[k++], one);
    assert_int_equal(c.rules[k++], two);
    if (ap != KS_APPLIES_NO)
        assert_int_equal(c.rules[k++], conf);
    assert_int_equal(c.rules[k++], one);
    assert_int_equal(c.rules[k++], two);
    /* One rule alone: the later twin, and the path rule. */
    a.flags = KS_SCAN_NO_SUPPRESS | KS_SCAN_ONE_RULE;
    a.only_rule = two;
    memset(&c, 0, sizeof c);
    assert_int_equal(ks_engine_scan(e, s, &a, count_match, &c), 0);
    assert_int_equal(c.n, 2);
    assert_int_equal(c.rules[0], two);
    assert_int_equal(c.rules[1], two);
    a.only_rule = conf;
    memset(&c, 0, sizeof c);
    assert_int_equal(ks_engine_scan(e, s, &a, count_match, &c), 0);
    assert_int_equal(c.n, ap == KS_APPLIES_NO ? 0 : 1);
    ks_scratch_free(s);
}

static void test_engine__rules_sharing_a_pattern_and_path_rules(void **state)
{
    (void)state;
    ks_ruleset rs;
    t_rules(&rs, TWIN_RULES);
    char *dir = t_tmpdir();
    ks_engine_opts o = {.cache_dir = dir};
    for (int pass = 0; pass < 2; pass++) { /* compiled, then from the cache */
        ks_engine *e = NULL;
        assert_int_equal(ks_engine_new(&e, &rs, &o), 0);
        assert_int_equal(ks_engine_stats_get(e)->cache_hit, pass == 1);
        scan_twins(e, &rs, KS_APPLIES_YES);
        scan_twins(e, &rs, KS_APPLIES_NO);
        scan_twins(e, &rs, KS_APPLIES_LATER);
        ks_engine_free(e);
    }
    t_rmtree(dir);
    free(dir);
    ks_ruleset_dispose(&rs);
}

static void test_engine__variable_width_match_reported_once(void **state)
{
    fixture *f = *state;
    const char *text = "x tok_q8w7e6r5t4y3u2i1zx y tok_qq\n";
    char *path = t_write(f->dir, "v.txt", text, strlen(text));
    ks_results res;
    t_scan(&f->rs, f->e, &path, 1, 0, 1, &res);
    assert_int_equal(t_count(&res, "t.var"), 1);
    assert_non_null(t_find(&res, "t.var", "tok_q8w7e6r5t4y3u2i1zx"));
    ks_results_dispose(&res);
    free(path);
}

static void test_engine__binary_bytes_around_a_secret(void **state)
{
    fixture *f = *state;
    uint8_t blob[200];
    for (size_t i = 0; i < sizeof blob; i++)
        blob[i] = (uint8_t)(i * 151 + 7);
    memcpy(blob + 50, "\0\xff\x01", 3);
    memcpy(blob + 53, "AKIAZXCVBNMASDFGHJKL", 20);
    blob[73] = 0;
    char *path = t_write(f->dir, "fw.bin", blob, sizeof blob);
    ks_results res;
    t_scan(&f->rs, f->e, &path, 1, 0, 1, &res);
    const ks_finding *a = t_find(&res, "t.akia", "AKIAZXCVBNMASDFGHJKL");
    assert_non_null(a);
    assert_int_equal(a->locs[0].offset, 53);
    /* The snippet is printable and does not contain the secret. */
    for (const char *p = a->locs[0].snippet; *p; p++)
        assert_true((unsigned char)*p >= 0x20);
    assert_null(strstr(a->locs[0].snippet, "AKIAZXCVBNMASDFGHJKL"));
    ks_results_dispose(&res);
    free(path);
}

static void test_engine__empty_file(void **state)
{
    fixture *f = *state;
    char *path = t_write(f->dir, "empty", "", 0);
    ks_results res;
    t_scan(&f->rs, f->e, &path, 1, 0, 1, &res);
    assert_int_equal(res.nfindings, 0);
    assert_int_equal(res.sum.files, 1);
    assert_int_equal(res.sum.bytes, 0);
    ks_results_dispose(&res);
    free(path);
}

static void test_engine__huge_file(void **state)
{
    fixture *f = *state;
    const size_t size = 40u << 20;
    char *buf = ks_xmalloc(size);
    fill_text(buf, size, 99);
    const size_t off = size - 100;
    buf[off - 1] = ' ';
    memcpy(buf + off, "AKIAHUGEFILEKEYZ2345", 20);
    buf[off + 20] = '\n';
    char *path = t_write(f->dir, "huge.log", buf, size);
    ks_results res;
    t_scan(&f->rs, f->e, &path, 1, 0, 2, &res);
    const ks_finding *a = t_find(&res, "t.akia", "AKIAHUGEFILEKEYZ2345");
    assert_non_null(a);
    uint64_t line, col;
    line_col(buf, off, &line, &col);
    assert_int_equal(a->locs[0].line, line);
    assert_int_equal(a->locs[0].offset, off);
    assert_int_equal(res.sum.bytes, size);
    ks_results_dispose(&res);
    free(path);
    free(buf);
}

static void test_engine__same_secret_in_two_files_is_one_finding(void **state)
{
    fixture *f = *state;
    const char *text = "key = AKIAQQQQWWWWEEEERRRR\n";
    char *paths[2] = {t_write(f->dir, "a.cfg", text, strlen(text)),
                      t_write(f->dir, "b.cfg", text, strlen(text))};
    ks_results res;
    t_scan(&f->rs, f->e, paths, 2, 0, 2, &res);
    assert_int_equal(res.nfindings, 1);
    assert_int_equal(res.findings[0].nlocs, 2);
    ks_results_dispose(&res);
    free(paths[0]);
    free(paths[1]);
}

static void test_engine__placeholders_and_bad_checksums(void **state)
{
    fixture *f = *state;
    char tok[48];
    t_make_token(tok, "ghp_", 77);
    tok[10] = tok[10] == 'A' ? 'B' : 'A'; /* break the checksum */
    char text[512];
    snprintf(text, sizeof text,
             "aws = AKIAIOSFODNN7EXAMPLE\n"
             "password = \"${DB_PASSWORD}\"\n"
             "password = \"xxxxxxxxxxxx\"\n"
             "password = \"aaaaaaaaaa\"\n"
             "gh = %s\n",
             tok);
    char *path = t_write(f->dir, "p.cfg", text, strlen(text));
    ks_results res;
    t_scan(&f->rs, f->e, &path, 1, 0, 1, &res);
    assert_int_equal(res.nfindings, 1);
    const ks_finding *g = t_find(&res, "t.ghp", tok);
    assert_non_null(g);
    assert_int_equal(g->confidence, KS_CONF_LOW);
    assert_true(g->checks & KS_CHECK_CHECKSUM_BAD);
    ks_results_dispose(&res);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_engine__secret_straddling_chunk_boundary, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_engine__line_numbers_across_many_chunks, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_engine__several_rules_on_one_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_engine__overlapping_matches_keep_the_specific_rule,
                                        setup, teardown),
        cmocka_unit_test(test_engine__path_rule_unknown_path_rivals_no_other),
        cmocka_unit_test(test_engine__rules_sharing_a_pattern_and_path_rules),
        cmocka_unit_test_setup_teardown(test_engine__variable_width_match_reported_once, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_engine__binary_bytes_around_a_secret, setup, teardown),
        cmocka_unit_test_setup_teardown(test_engine__empty_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_engine__huge_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_engine__same_secret_in_two_files_is_one_finding, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_engine__placeholders_and_bad_checksums, setup,
                                        teardown),
    };
    return cmocka_run_group_tests_name("engine", tests, NULL, NULL);
}
