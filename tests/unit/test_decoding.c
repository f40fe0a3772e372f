/*
 * test_decoding.c - the decoding stage (pipeline/decode.c) through
 * ks_scan_run with the built-in rules: secrets in base64, hex, percent-
 * encoding and string escapes, nested encodings and their bound, HTTP
 * Basic credentials, YAML !!binary, PEM keys behind comment prefixes,
 * spans across chunk boundaries, keysift:allow and --no-decode.
 */
#include "support.h"

#include "findings/findings.h"

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char gh[64]; /* a GitHub token with a valid checksum */

static char *b64(const char *s)
{
    size_t n = strlen(s);
    char *out = malloc(4 * ((n + 2) / 3) + 1);
    assert_non_null(out);
    EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)s, (int)n);
    return out;
}

static char *hex(const char *s)
{
    size_t n = strlen(s);
    char *out = malloc(2 * n + 1);
    assert_non_null(out);
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", (unsigned char)s[i]);
    return out;
}

/* Scan dir with the built-in rules. */
static void scan(char *dir, size_t chunk, bool no_decode, ks_results *res)
{
    ks_scan_request req;
    ks_scan_request_init(&req);
    req.paths = &dir;
    req.npaths = 1;
    req.quiet = true;
    req.chunk_size = chunk;
    req.no_decode = no_decode;
    assert_int_equal(ks_scan_run(&req, res), 0);
}

static const ks_finding *find(const ks_results *res, const char *rule, const char *secret)
{
    for (size_t i = 0; i < res->nfindings; i++) {
        const ks_finding *f = &res->findings[i];
        if (strcmp(res->rs->rules[f->rule].id, rule) == 0 && f->secret_len == strlen(secret) &&
            memcmp(f->secret, secret, f->secret_len) == 0)
            return f;
    }
    return NULL;
}

static void assert_chain(const ks_location *l, unsigned n, const char *a, const char *b)
{
    assert_int_equal(l->nencoding, n);
    if (n > 0)
        assert_string_equal(l->encoding[0], a);
    if (n > 1)
        assert_string_equal(l->encoding[1], b);
}

/* A Kubernetes Secret's data: the password is found in its decoding,
 * reported at the base64 on its line, with the key it was assigned to;
 * the snippet shows neither the password nor the whole base64. */
static void test_decoding__kubernetes_secret_data(void **state)
{
    (void)state;
    char *dir = t_tmpdir();
    const char *pw = "Quartz!Fjord-4471";
    char *e = b64(pw), *tok = b64(gh), text[1024];
    snprintf(text, sizeof text,
             "apiVersion: v1\nkind: Secret\ndata:\n  DB_USER: b3JkZXJz\n  DB_PASSWORD: %s\n"
             "  GITHUB_TOKEN: %s\n",
             e, tok);
    free(t_write(dir, "secret.yaml", text, strlen(text)));
    ks_results res;
    scan(dir, 0, false, &res);
    const ks_finding *f = find(&res, "generic.password.assignment", pw);
    assert_non_null(f);
    assert_int_equal(f->locs[0].line, 5);
    assert_int_equal(f->locs[0].column, 16);
    assert_string_equal(f->locs[0].key, "DB_PASSWORD");
    assert_chain(&f->locs[0], 1, "base64", NULL);
    assert_null(strstr(f->locs[0].snippet, e));
    assert_null(strstr(f->locs[0].snippet, pw));
    /* The provider rule wins over the generic one for the token, found
     * through its decoding, and the raw base64 is not a secret itself. */
    f = find(&res, "github.pat.classic", gh);
    assert_non_null(f);
    assert_int_equal(f->locs[0].line, 6);
    assert_chain(&f->locs[0], 1, "base64", NULL);
    assert_int_equal(res.nfindings, 2);
    ks_results_dispose(&res);

    /* --no-decode: neither. */
    scan(dir, 0, true, &res);
    assert_int_equal(res.nfindings, 0);
    ks_results_dispose(&res);
    free(e);
    free(tok);
    t_rmtree(dir);
    free(dir);
}

/* Hex, percent-encoding and \u escapes each lead to the token inside. */
static void test_decoding__hex_percent_escape(void **state)
{
    (void)state;
    char *dir = t_tmpdir();
    char *h = hex(gh), text[2048], pct[256], esc[512];
    size_t o = 0;
    for (const char *p = gh; *p; p++) /* percent-encode every byte after the prefix */
        o += (size_t)snprintf(pct + o, sizeof pct - o, p - gh < 4 ? "%c" : "%%%02X",
                              (unsigned char)*p);
    o = 0;
    for (const char *p = gh; *p; p++)
        o += (size_t)snprintf(esc + o, sizeof esc - o, "\\u%04x", (unsigned char)*p);
    snprintf(text, sizeof text,
             "static const char seed_hex[] = \"%s\";\n"
             "callback=https://ci.example.test/hook?t=%s&x=1\n"
             "{\"note\": \"%s\"}\n",
             h, pct, esc);
    free(t_write(dir, "mixed.txt", text, strlen(text)));
    ks_results res;
    scan(dir, 0, false, &res);
    const ks_finding *f = find(&res, "github.pat.classic", gh);
    assert_non_null(f);
    assert_int_equal(f->nlocs, 3); /* one token, three places */
    bool seen[3] = {false, false, false};
    for (size_t i = 0; i < f->nlocs; i++) {
        const ks_location *l = &f->locs[i];
        assert_int_equal(l->nencoding, 1);
        assert_true(l->line >= 1 && l->line <= 3);
        seen[l->line - 1] = true;
        const char *want = l->line == 1 ? "hex" : l->line == 2 ? "percent" : "escape";
        assert_string_equal(l->encoding[0], want);
    }
    assert_true(seen[0] && seen[1] && seen[2]);
    ks_results_dispose(&res);
    free(h);
    t_rmtree(dir);
    free(dir);
}

/* base64 of base64 is followed; nesting deeper than the stage's bound
 * ends quietly, whatever the depth. */
static void test_decoding__nesting_and_its_bound(void **state)
{
    (void)state;
    char *dir = t_tmpdir();
    char *lvl[12];
    lvl[0] = strdup(gh);
    for (int i = 1; i < 12; i++)
        lvl[i] = b64(lvl[i - 1]);
    size_t cap = strlen(lvl[11]) + strlen(lvl[2]) + 64;
    char *text = malloc(cap);
    snprintf(text, cap, "blob: %s\ndeep: %s\n", lvl[2], lvl[11]);
    free(t_write(dir, "nested.yaml", text, strlen(text)));
    ks_results res;
    scan(dir, 0, false, &res);
    const ks_finding *f = find(&res, "github.pat.classic", gh);
    assert_non_null(f);
    assert_int_equal(f->nlocs, 1);
    assert_int_equal(f->locs[0].line, 1);
    assert_chain(&f->locs[0], 2, "base64", "base64");
    assert_int_equal(res.nfindings, 1);
    ks_results_dispose(&res);
    for (int i = 0; i < 12; i++)
        free(lvl[i]);
    free(text);
    t_rmtree(dir);
    free(dir);
}

/* Authorization: Basic is the user:password it encodes; a Docker
 * config's "auth" inside base64 is found once, by the Docker rule. */
static void test_decoding__basic_auth_and_docker_config(void **state)
{
    (void)state;
    char *dir = t_tmpdir();
    char *basic = b64("report-bot:Vq8#Lm2xTz7w!"), *auth = b64("ci-pusher:Z1UjD.u.TGhNYx_T");
    char cfg[512], text[2048];
    snprintf(cfg, sizeof cfg, "{\"auths\":{\"registry.example.test\":{\"auth\":\"%s\"}}}", auth);
    char *dcfg = b64(cfg);
    snprintf(text, sizeof text,
             "curl -H \"Authorization: Basic %s\" https://grafana.example.test/api\n"
             "data:\n  .dockerconfigjson: %s\n",
             basic, dcfg);
    free(t_write(dir, "deploy.sh", text, strlen(text)));
    ks_results res;
    scan(dir, 0, false, &res);
    const ks_finding *f = find(&res, "generic.http-basic-auth", "Vq8#Lm2xTz7w!");
    assert_non_null(f);
    assert_int_equal(f->locs[0].line, 1);
    assert_chain(&f->locs[0], 1, "base64", NULL);
    f = find(&res, "docker.registry-auth", auth);
    assert_non_null(f);
    assert_int_equal(f->locs[0].line, 3);
    assert_chain(&f->locs[0], 1, "base64", NULL);
    assert_int_equal(res.nfindings, 2); /* not again from the auth's own decoding */
    ks_results_dispose(&res);
    free(basic);
    free(auth);
    free(dcfg);
    t_rmtree(dir);
    free(dir);
}

/* YAML !!binary, inline and as a block scalar under its key. */
static void test_decoding__yaml_binary(void **state)
{
    (void)state;
    char *dir = t_tmpdir();
    const char *pw = "Lantern~1849x", *tok = "oBUgw6cgbU2TfgtxDMgCOmj0Z1wp0OteOTJECvH5";
    char *e1 = b64(pw), *e2 = b64(tok), text[1024];
    snprintf(text, sizeof text,
             "bridge_user: gw\nbridge_password: !!binary %s\nbridge_api_token: !!binary |\n  %s\n"
             "other: 1\n",
             e1, e2);
    free(t_write(dir, "vars.yml", text, strlen(text)));
    ks_results res;
    scan(dir, 0, false, &res);
    const ks_finding *f = find(&res, "generic.password.assignment", pw);
    assert_non_null(f);
    assert_int_equal(f->locs[0].line, 2);
    f = find(&res, "generic.secret.assignment", tok);
    assert_non_null(f);
    assert_int_equal(f->locs[0].line, 4);
    assert_string_equal(f->locs[0].key, "bridge_api_token");
    ks_results_dispose(&res);
    free(e1);
    free(e2);
    t_rmtree(dir);
    free(dir);
}

/* A PEM key in a shell comment, each line behind "# ": found, read by
 * OpenSSL, reported at its BEGIN line. */
static void test_decoding__commented_pem_key(void **state)
{
    (void)state;
    char *dir = t_tmpdir();
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    assert_non_null(k);
    BIO *b = BIO_new(BIO_s_mem());
    assert_int_equal(PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL), 1);
    char *pem;
    long n = BIO_get_mem_data(b, &pem);
    char text[4096] = "#!/bin/sh\n# old key, kept for reference:\n";
    size_t o = strlen(text);
    for (long i = 0; i < n;) {
        const char *nl = memchr(pem + i, '\n', (size_t)(n - i));
        size_t l = nl ? (size_t)(nl - (pem + i)) + 1 : (size_t)(n - i);
        o += (size_t)snprintf(text + o, sizeof text - o, "# %.*s", (int)l, pem + i);
        i += (long)l;
    }
    o += (size_t)snprintf(text + o, sizeof text - o, "echo done\n");
    free(t_write(dir, "provision.sh", text, o));
    ks_results res;
    scan(dir, 0, false, &res);
    assert_int_equal(res.nfindings, 1);
    const ks_finding *f = &res.findings[0];
    assert_non_null(strstr(res.rs->rules[f->rule].id, "privkey."));
    assert_int_equal(f->locs[0].line, 3);
    assert_chain(&f->locs[0], 1, "pem-unwrapped", NULL);
    assert_non_null(f->crypto); /* OpenSSL read the rebuilt block */
    ks_results_dispose(&res);

    /* The same block as it is (no prefix) is the raw scan's, once. */
    free(t_write(dir, "provision.sh", pem, (size_t)n));
    scan(dir, 0, false, &res);
    assert_int_equal(res.nfindings, 1);
    assert_int_equal(res.findings[0].locs[0].nencoding, 0);
    ks_results_dispose(&res);
    BIO_free(b);
    EVP_PKEY_free(k);
    t_rmtree(dir);
    free(dir);
}

/* With an engine built without the pipeline's marks (a library user's own
 * engine), the stage finds the BEGIN lines itself. */
static void test_decoding__engine_without_marks(void **state)
{
    (void)state;
    char *dir = t_tmpdir();
    ks_ruleset rs;
    t_rules(&rs, "rules:\n"
                 "  - id: t.pkcs8\n"
                 "    name: PKCS#8 key\n"
                 "    kind: private-key\n"
                 "    severity: high\n"
                 "    confidence: high\n"
                 "    pattern: '(-----BEGIN PRIVATE KEY-----\\r?\\n[A-Za-z0-9+/=\\r\\n]{16,8000}"
                 "-----END PRIVATE KEY-----)'\n"
                 "    validate: [pem]\n");
    ks_engine *e = t_engine(&rs);
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    BIO *b = BIO_new(BIO_s_mem());
    assert_int_equal(PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL), 1);
    char *pem;
    long n = BIO_get_mem_data(b, &pem);
    char text[4096] = "/*\n";
    size_t o = strlen(text);
    for (long i = 0; i < n;) {
        const char *nl = memchr(pem + i, '\n', (size_t)(n - i));
        size_t l = nl ? (size_t)(nl - (pem + i)) + 1 : (size_t)(n - i);
        o += (size_t)snprintf(text + o, sizeof text - o, " * %.*s", (int)l, pem + i);
        i += (long)l;
    }
    o += (size_t)snprintf(text + o, sizeof text - o, " */\n");
    free(t_write(dir, "keys.h", text, o));
    ks_results res;
    t_scan(&rs, e, &dir, 1, 0, 1, &res);
    assert_int_equal(res.nfindings, 1);
    assert_int_equal(res.findings[0].locs[0].line, 2);
    assert_chain(&res.findings[0].locs[0], 1, "pem-unwrapped", NULL);
    ks_results_dispose(&res);
    BIO_free(b);
    EVP_PKEY_free(k);
    ks_engine_free(e);
    ks_ruleset_dispose(&rs);
    t_rmtree(dir);
    free(dir);
}

/* Spans on every side of chunk boundaries are each found once, and a
 * JWT (whose header decodes to text) gives nothing from its decoding. */
static void test_decoding__chunk_boundaries(void **state)
{
    (void)state;
    char *dir = t_tmpdir();
    size_t cap = 1 << 20, o = 0;
    char *text = malloc(cap);
    char *tok = b64(gh);
    unsigned lines = 0;
    for (unsigned i = 0; o + 512 < cap / 4; i++) {
        /* Lines of varying length, so the spans fall everywhere. */
        o += (size_t)snprintf(text + o, cap - o, "%.*s\n  API_TOKEN_%u: %s\n", (int)(i * 37 % 300),
                              "............................................................"
                              "............................................................"
                              "............................................................"
                              "............................................................"
                              "............................................................",
                              i, tok);
        lines++;
    }
    o += (size_t)snprintf(text + o, cap - o,
                          "jwt: eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
                          "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk\n");
    free(t_write(dir, "big.yaml", text, o));
    ks_results res;
    scan(dir, 4096, false, &res);
    const ks_finding *f = find(&res, "github.pat.classic", gh);
    assert_non_null(f);
    assert_int_equal(f->nlocs, lines);
    for (size_t i = 1; i < f->nlocs; i++)
        assert_true(f->locs[i].line > f->locs[i - 1].line);
    for (size_t i = 0; i < res.nfindings; i++)
        assert_string_not_equal(res.rs->rules[res.findings[i].rule].id,
                                "generic.secret.assignment");
    ks_results_dispose(&res);
    free(tok);
    free(text);
    t_rmtree(dir);
    free(dir);
}

/* keysift:allow on the line of the encoded span accepts what it holds. */
static void test_decoding__allow_comment(void **state)
{
    (void)state;
    char *dir = t_tmpdir();
    char *tok = b64(gh), text[512];
    snprintf(text, sizeof text, "GITHUB_TOKEN: %s  # keysift:allow test fixture\n", tok);
    free(t_write(dir, "fixture.yaml", text, strlen(text)));
    ks_results res;
    scan(dir, 0, false, &res);
    assert_int_equal(res.nfindings, 0);
    assert_int_equal(res.sum.allowed, 1);
    ks_results_dispose(&res);
    free(tok);
    t_rmtree(dir);
    free(dir);
}

/* A file of nothing but base64 of text costs a bounded decoding budget
 * and still completes with its findings. */
static void test_decoding__budget(void **state)
{
    (void)state;
    char *dir = t_tmpdir();
    size_t cap = 6u << 20, o = 0;
    char *text = malloc(cap);
    char line[256];
    for (unsigned i = 0; o + 300 < cap; i++) {
        snprintf(line, sizeof line, "just some log text, entry %u, nothing secret here at all", i);
        char *e = b64(line);
        o += (size_t)snprintf(text + o, cap - o, "%s\n", e);
        free(e);
    }
    free(t_write(dir, "blob.txt", text, o));
    ks_results res;
    scan(dir, 0, false, &res);
    assert_int_equal(res.nfindings, 0);
    assert_int_equal(res.sum.files, 1);
    ks_results_dispose(&res);
    free(text);
    t_rmtree(dir);
    free(dir);
}

int main(void)
{
    t_make_token(gh, "ghp_", 11);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decoding__kubernetes_secret_data),
        cmocka_unit_test(test_decoding__hex_percent_escape),
        cmocka_unit_test(test_decoding__nesting_and_its_bound),
        cmocka_unit_test(test_decoding__basic_auth_and_docker_config),
        cmocka_unit_test(test_decoding__yaml_binary),
        cmocka_unit_test(test_decoding__commented_pem_key),
        cmocka_unit_test(test_decoding__engine_without_marks),
        cmocka_unit_test(test_decoding__chunk_boundaries),
        cmocka_unit_test(test_decoding__allow_comment),
        cmocka_unit_test(test_decoding__budget),
    };
    return cmocka_run_group_tests_name("decoding", tests, NULL, NULL);
}
