/*
 * test_generic.c - the generic credential detector (engine/generic.c) in
 * its three steps: which key names say password, secret or key
 * (ks_key_classify), which values are literal secrets (ks_judge_value),
 * and which syntax gives a keyword's key its value (ks_find_assignment),
 * one test per syntax family, with the key span, the value span, the quote
 * and the syntax name each reports.
 *
 * Texts are copied to heap buffers of their exact length (no NUL after
 * them), and the boundary tests put every window of the examples against
 * an inaccessible page on either side, so a read outside d[from, to)
 * fails the test even without the sanitizer build (./scripts/sanitize).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "engine/engine.h"
#include "engine/generic.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Values used throughout: a strong password (12 characters, three
 * classes), a random token (40 characters of base64 of random bytes) and
 * a 32-character random key. */
#define STRONG "Zk3qT9fW2xLm"
#define STRONG_SYM "Zk3q#T9fW2xLm"
#define TOKEN "pU3KGCUwux1tEyze1iN7LtkeP3IfyxlxF0SU1kk8"
#define KEY32 "q8Vn2LxP4rT7wZ1kM9sD3fH6jB0cY5gA"

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */

static uint8_t *dup_exact(const char *s, size_t n)
{
    uint8_t *b = malloc(n ? n : 1);
    assert_non_null(b);
    memcpy(b, s, n);
    return b;
}

static ks_key_class classify(const char *k)
{
    size_t n = strlen(k);
    uint8_t *b = dup_exact(k, n);
    ks_key_class c = ks_key_classify(b, n);
    free(b);
    return c;
}

static const char *class_name(ks_key_class c)
{
    switch (c) {
    case KS_KEY_CLASS_NONE:
        return "none";
    case KS_KEY_CLASS_PASSWORD:
        return "password";
    case KS_KEY_CLASS_SECRET:
        return "secret";
    case KS_KEY_CLASS_KEY:
        return "key";
    }
    return "?";
}

static void expect_classes(const char *const *keys, size_t n, ks_key_class want)
{
    for (size_t i = 0; i < n; i++) {
        ks_key_class got = classify(keys[i]);
        if (got != want)
            fail_msg("%s: class %s, expected %s", keys[i], class_name(got), class_name(want));
    }
}

#define EXPECT_CLASSES(list, want) expect_classes(list, sizeof list / sizeof *list, want)

static ks_judgement judge_n(ks_key_class c, const char *v, size_t n, uint8_t quote, uint32_t flags)
{
    uint8_t *b = dup_exact(v, n);
    ks_judgement j = ks_judge_value(c, b, n, quote, flags);
    free(b);
    return j;
}

static ks_judgement judge(ks_key_class c, const char *v, uint8_t quote, uint32_t flags)
{
    return judge_n(c, v, strlen(v), quote, flags);
}

static const char *verdict_name(ks_verdict v)
{
    return v == KS_VERDICT_NONE ? "none" : v == KS_VERDICT_WEAK ? "weak" : "secret";
}

static void expect_judgement(int line, ks_key_class c, const char *v, uint8_t quote, uint32_t flags,
                             ks_verdict verdict, ks_confidence conf)
{
    ks_judgement j = judge(c, v, quote, flags);
    if (j.verdict != verdict || j.confidence != conf)
        fail_msg("line %d: %s value '%s' (quote %c): %s/%d, expected %s/%d", line, class_name(c), v,
                 quote ? quote : '0', verdict_name(j.verdict), (int)j.confidence,
                 verdict_name(verdict), (int)conf);
}

/* A verdict of NONE always comes with LOW confidence. */
#define JUDGE(c, v, q, f, verdict, conf) expect_judgement(__LINE__, c, v, q, f, verdict, conf)
#define NOT_SECRET(c, v, q) JUDGE(c, v, q, 0, KS_VERDICT_NONE, KS_CONF_LOW)

static void expect_none_list(int line, ks_key_class c, const char *const *vals, size_t n,
                             uint8_t quote)
{
    for (size_t i = 0; i < n; i++)
        expect_judgement(line, c, vals[i], quote, 0, KS_VERDICT_NONE, KS_CONF_LOW);
}

#define NONE_LIST(c, list, q) expect_none_list(__LINE__, c, list, sizeof list / sizeof *list, q)

/* The assignment around the first occurrence of kw in text[0, n) (the
 * keyword's end is the hit, as the engine hands it over), the whole text
 * being the window. */
static bool find_n(const char *text, size_t n, const char *kw, uint32_t flags, ks_assignment *a,
                   uint8_t **copy)
{
    const char *k = memmem(text, n, kw, strlen(kw));
    if (!k)
        fail_msg("keyword '%s' not in the test's text", kw);
    uint8_t *b = dup_exact(text, n);
    size_t hit = (size_t)(k - text) + strlen(kw);
    memset(a, 0, sizeof *a);
    bool r = ks_find_assignment(b, 0, n, hit, flags, a);
    if (copy)
        *copy = b;
    else
        free(b);
    return r;
}

static void span_is(int line, const char *what, const char *text, size_t s, size_t e,
                    const char *want, size_t wn)
{
    if (e < s || e - s != wn || memcmp(text + s, want, wn) != 0)
        fail_msg("line %d: %s is '%.*s' [%zu, %zu), expected '%.*s'", line, what,
                 (int)(e >= s ? e - s : 0), text + s, s, e, (int)wn, want);
}

static void expect_assignment_n(int line, const char *text, size_t n, const char *kw,
                                uint32_t flags, const char *key, const char *value, size_t vn,
                                char quote, const char *syntax)
{
    ks_assignment a;
    if (!find_n(text, n, kw, flags, &a, NULL))
        fail_msg("line %d: no assignment found in: %s", line, text);
    span_is(line, "key", text, a.kstart, a.kend, key, strlen(key));
    span_is(line, "value", text, a.vstart, a.vend, value, vn);
    if (a.quote != (uint8_t)quote)
        fail_msg("line %d: quote '%c', expected '%c' in: %s", line, a.quote ? a.quote : '0',
                 quote ? quote : '0', text);
    if (!a.syntax || strcmp(a.syntax, syntax) != 0)
        fail_msg("line %d: syntax %s, expected %s in: %s", line, a.syntax ? a.syntax : "(null)",
                 syntax, text);
    /* The whole runs from the key to the value and its closing quote. */
    if (a.start != a.kstart || a.end != a.vend + (a.quote ? 1 : 0))
        fail_msg("line %d: whole [%zu, %zu) for key [%zu, %zu) value [%zu, %zu)", line, a.start,
                 a.end, a.kstart, a.kend, a.vstart, a.vend);
    if (strcmp(syntax, "name-value-row") != 0 && a.strict)
        fail_msg("line %d: strict outside a name/value row in: %s", line, text);
}

#define EXPECT(text, kw, flags, key, value, quote, syntax)                                         \
    expect_assignment_n(__LINE__, text, strlen(text), kw, flags, key, value, strlen(value), quote, \
                        syntax)

static void expect_no_assignment_n(int line, const char *text, size_t n, const char *kw,
                                   uint32_t flags)
{
    ks_assignment a;
    if (find_n(text, n, kw, flags, &a, NULL))
        fail_msg("line %d: assignment (%s, value '%.*s') found in: %s", line, a.syntax,
                 (int)(a.vend - a.vstart), text + a.vstart, text);
}

#define REFUSE(text, kw, flags) expect_no_assignment_n(__LINE__, text, strlen(text), kw, flags)

static ks_key_class class_of(const char *text, const char *kw, uint32_t flags)
{
    ks_assignment a;
    if (!find_n(text, strlen(text), kw, flags, &a, NULL))
        fail_msg("no assignment found in: %s", text);
    return a.cls;
}

/* ------------------------------------------------------------------------ */
/* 1. Key classification                                                    */

static void test_generic__classify_password_words(void **state)
{
    (void)state;
    /* Each word alone, in any case. */
    const char *const words[] = {"password", "PASSWORD",   "Password", "passwd",    "passphrase",
                                 "pass",     "pwd",        "pw",       "passcode",  "pswd",
                                 "passwort", "motdepasse", "senha",    "contrasena"};
    EXPECT_CLASSES(words, KS_KEY_CLASS_PASSWORD);
    /* The last word of a name, in every case style. */
    const char *const names[] = {"DB_PASSWORD",    "dbPassword",        "DBPassword",
                                 "smtp-password",  "db.password",       "MYSQL_PWD",
                                 "admin_pass",     "olcRootPW",         "ldap:bind_pw",
                                 "UserPassphrase", "mail__smtp__passwd"};
    EXPECT_CLASSES(names, KS_KEY_CLASS_PASSWORD);
    assert_int_equal(classify("spring.datasource.password"), KS_KEY_CLASS_PASSWORD);
}

static void test_generic__classify_glued_password_names(void **state)
{
    (void)state;
    /* One all-capital or all-lower word that ends with a password word:
     * the suffix must leave at least two letters before it. */
    const char *const pw[] = {"PGPASSWORD",   "DBPASS",  "dbpass",       "smtppasswd",
                              "MYPASSPHRASE", "rootpwd", "adminpassword"};
    EXPECT_CLASSES(pw, KS_KEY_CLASS_PASSWORD);
    /* English words that end like one, and suffixes with one letter or
     * none before them ("xpass" is five letters, "pass" needs two more). */
    const char *const none[] = {"bypass",    "compass",   "surpass",  "trespass", "overpass",
                                "underpass", "encompass", "passpass", "xpass",    "xpwd",
                                "COMPASS",   "passenger", "passage",  "passport", "passthrough"};
    EXPECT_CLASSES(none, KS_KEY_CLASS_NONE);
}

static void test_generic__classify_secret_words(void **state)
{
    (void)state;
    /* One word. */
    const char *const words[] = {"secret",      "SECRET",      "secrets",    "token", "TOKEN",
                                 "apikey",      "apitoken",    "apisecret",  "auth",  "AUTH",
                                 "authkey",     "credentials", "credential", "creds", "bearer",
                                 "bearertoken", "sessionkey"};
    EXPECT_CLASSES(words, KS_KEY_CLASS_SECRET);
    /* A secret word last, after any word but those of the next tests. */
    const char *const last[] = {"client_secret", "clientSecret",   "CLIENT_SECRET", "app_secret",
                                "shared_secret", "webhook_secret", "jwt_secret",    "access_token",
                                "accessToken",   "refresh_token",  "auth_token",    "github_token",
                                "admin_token",   "bot_token",      "deploy_token",  "oauth_token",
                                "SECRET_TOKEN"};
    EXPECT_CLASSES(last, KS_KEY_CLASS_SECRET);
    /* "key" after a word that makes it a secret. */
    const char *const keys[] = {"API_KEY",     "api_key",        "apiKey",          "api-key",
                                "x-api-key",   "secret_key",     "SECRET_KEY_BASE", "private_key",
                                "signing_key", "encryption_key", "master_key",      "hmac_key",
                                "session_key", "license_key",    "service_key",     "crypt_key"};
    EXPECT_CLASSES(keys, KS_KEY_CLASS_SECRET);
    /* Glued names that end with a secret word. */
    const char *const glued[] = {"SLACKTOKEN", "githubtoken", "myapisecret", "azurecredentials"};
    EXPECT_CLASSES(glued, KS_KEY_CLASS_SECRET);
}

static void test_generic__classify_access_keys(void **state)
{
    (void)state;
    /* An access key is the name half of a pair (S3, MinIO)... */
    const char *const none[] = {"access_key",       "ACCESS_KEY",     "accessKey",
                                "my_access_key",    "aws_access_key", "access_key_id",
                                "AWS_ACCESS_KEY_ID"};
    EXPECT_CLASSES(none, KS_KEY_CLASS_NONE);
    /* ...the secret half and Azure's shared access key are secrets. */
    const char *const secret[] = {"secret_access_key", "AWS_SECRET_ACCESS_KEY", "SharedAccessKey",
                                  "secretAccessKey", "aws_secretaccesskey"};
    EXPECT_CLASSES(secret, KS_KEY_CLASS_SECRET);
}

static void test_generic__classify_public_and_id_keys(void **state)
{
    (void)state;
    /* Keys and tokens public by design, and ids. */
    const char *const none[] = {
        "public_key", "PUBLIC_KEY",        "publishable_key", "stripe_publishable_key",
        "pub_key",    "search_api_key",    "site_key",        "recaptcha_site_key",
        "anon_key",   "SUPABASE_ANON_KEY", "readonly_token",  "public_token",
        "client_key", "project_key",       "id_key",          "client_token",
        "id_token",   "public_secret",     "anonymous_auth",  "client_id"};
    EXPECT_CLASSES(none, KS_KEY_CLASS_NONE);
    /* A password word wins over a public word: a public password is still one. */
    assert_int_equal(classify("public_password"), KS_KEY_CLASS_PASSWORD);
}

static void test_generic__classify_not_secret_prefixes(void **state)
{
    (void)state;
    /* Paging, parser and CSRF tokens are not credentials. */
    const char *const none[] = {
        "page_token",   "nextToken",          "NEXT_TOKEN",    "prev_token",   "continuation_token",
        "cursor_token", "cancellation_token", "csrf_token",    "xsrf_token",   "sync_token",
        "resume_token", "lexer_token",        "parser_token",  "syntax_token", "end_token",
        "start_token",  "eof_token",          "invalid_token", "last_token",   "first_token",
        "csrf_secret"};
    EXPECT_CLASSES(none, KS_KEY_CLASS_NONE);
}

static void test_generic__classify_key_and_salt(void **state)
{
    (void)state;
    /* A key or salt of no telling kind: judged by its value alone. */
    const char *const key[] = {"NONCE_KEY",  "AUTH_SALT",   "LOGGED_IN_KEY",
                               "nonce_salt", "storage_key", "cacheKey"};
    EXPECT_CLASSES(key, KS_KEY_CLASS_KEY);
    /* ...but a lone "key" or "salt" is any key at all. */
    const char *const none[] = {"key", "KEY", "salt", "Salt"};
    EXPECT_CLASSES(none, KS_KEY_CLASS_NONE);
}

static void test_generic__classify_neutral_words_and_digits(void **state)
{
    (void)state;
    /* Trailing neutral words and digits do not change the class. */
    const char *const pw[] = {"password_confirmation", "passwordConfirm",   "password_again",
                              "password_repeat",       "password2",         "PASSWORD_1",
                              "password123",           "db_password_value", "password_plain",
                              "PASSWORD_CLEARTEXT",    "PASSWORD_ENV",      "password_str",
                              "password_default_value"};
    EXPECT_CLASSES(pw, KS_KEY_CLASS_PASSWORD);
    assert_int_equal(classify("api_token_value"), KS_KEY_CLASS_SECRET);
    /* A neutral word alone is not dropped (there would be nothing left). */
    const char *const none[] = {"value", "confirm", "default"};
    EXPECT_CLASSES(none, KS_KEY_CLASS_NONE);
}

static void test_generic__classify_directives(void **state)
{
    (void)state;
    /* redis.conf, slapd.conf and Maven directives, in any case. */
    assert_int_equal(classify("requirepass"), KS_KEY_CLASS_PASSWORD);
    assert_int_equal(classify("RequirePass"), KS_KEY_CLASS_PASSWORD);
    assert_int_equal(classify("rootpw"), KS_KEY_CLASS_PASSWORD);
    assert_int_equal(classify("masterpassword"), KS_KEY_CLASS_PASSWORD);
    assert_int_equal(classify("masterauth"), KS_KEY_CLASS_SECRET);
    /* The words alone are not directives. */
    assert_int_equal(classify("require"), KS_KEY_CLASS_NONE);
    assert_int_equal(classify("master"), KS_KEY_CLASS_NONE);
}

static void test_generic__classify_names_containing_the_word(void **state)
{
    (void)state;
    /* The word inside a name that is about something else. */
    const char *const none[] = {
        "password_hint",    "passwordHint",  "password_policy", "PASSWORD_MIN_LENGTH",
        "password_reset",   "password_file", "passwordField",   "password_expiry",
        "tokenizer",        "tokens",        "token_type",      "TOKEN_URL",
        "token_endpoint",   "secret_name",   "secretRef",       "secret_arn",
        "api_key_header",   "auth_url",      "auth_method",     "authorization",
        "credentials_file", "authenticate",  "pass2word",       "secretary",
        "keyboard",         "monkey",        "password_length", "PASS_LEN"};
    EXPECT_CLASSES(none, KS_KEY_CLASS_NONE);
}

static void test_generic__classify_odd_names(void **state)
{
    (void)state;
    /* No words at all. */
    assert_int_equal(ks_key_classify((const uint8_t *)"", 0), KS_KEY_CLASS_NONE);
    const char *const none[] = {"_", "___", "-.-", "1234", "::"};
    EXPECT_CLASSES(none, KS_KEY_CLASS_NONE);
    /* Bytes outside ASCII separate words. */
    assert_int_equal(classify("\xff\xfepassword"), KS_KEY_CLASS_PASSWORD);
    assert_int_equal(classify("db\xc3\xa4password"), KS_KEY_CLASS_PASSWORD);
    /* More words than the six kept: the last ones decide. */
    assert_int_equal(classify("a_b_c_d_e_f_g_h_db_password"), KS_KEY_CLASS_PASSWORD);
    assert_int_equal(classify("password_a_b_c_d_e_f_g_h_hint"), KS_KEY_CLASS_NONE);
}

/* ------------------------------------------------------------------------ */
/* 3. Value judgement                                                       */

static void test_generic__judge_references(void **state)
{
    (void)state;
    /* Each of these would be a password if it were a literal (most are
     * long and mixed enough to be a strong one). */
    const char *const shell[] = {"${DB_PASSWORD}", "$DB_PASSWORD", "$db_password", "$_PASS",
                                 "$(cat pw.txt)",  "pre${X}post",  "Zk3q$(pw)"};
    NONE_LIST(KS_KEY_CLASS_PASSWORD, shell, '"');
    NONE_LIST(KS_KEY_CLASS_SECRET, shell, '"');
    /* printf formats, batch variables and arguments. */
    const char *const formats[] = {"%DB_PASSWORD%", "%(password)s", "%s",        "%d", "%1",
                                   "%~dp0",         "%*",           "Zk3q%(pw)s"};
    NONE_LIST(KS_KEY_CLASS_PASSWORD, formats, '"');
    NONE_LIST(KS_KEY_CLASS_SECRET, formats, '"');
    /* Templates and placeholders in brackets. */
    const char *const templates[] = {
        "<placeholder>",   "<db-password>", "{{ .Values.db.password }}",
        "{password}",      "[DB_PASSWORD]", "@DB_PASSWORD@",
        "__DB_PASSWORD__", "a{{pw}}",       "x{% pw %}",
        "#{password}",     "<%= pw %>"};
    NONE_LIST(KS_KEY_CLASS_PASSWORD, templates, '"');
    NONE_LIST(KS_KEY_CLASS_SECRET, templates, '"');
    /* Lookups: the environment through getenv, os.environ, process.env. */
    const char *const lookups[] = {"os.getenv('DB_PASSWORD')", "getenv(\"PW\")", "os.environ['PW']",
                                   "process.env.DB_PASSWORD", "System.getenv(\"API_TOKEN_X9\")"};
    NONE_LIST(KS_KEY_CLASS_PASSWORD, lookups, 0);
    NONE_LIST(KS_KEY_CLASS_SECRET, lookups, 0);
}

static void test_generic__judge_empty_long_and_unnamed(void **state)
{
    (void)state;
    JUDGE(KS_KEY_CLASS_PASSWORD, "", '"', 0, KS_VERDICT_NONE, KS_CONF_LOW);
    /* A key that names nothing gives nothing, however strong the value. */
    JUDGE(KS_KEY_CLASS_NONE, STRONG, '"', 0, KS_VERDICT_NONE, KS_CONF_LOW);
    JUDGE(KS_KEY_CLASS_NONE, TOKEN, '"', 0, KS_VERDICT_NONE, KS_CONF_LOW);
    /* 256 bytes are judged, 257 are a blob. */
    char v[258];
    for (size_t i = 0; i < 257; i++)
        v[i] = KEY32[i % 32]; /* 32 distinct characters */
    v[0] = '!';               /* not base64: not decoded */
    v[256] = '\0';
    ks_judgement j = judge_n(KS_KEY_CLASS_SECRET, v, 256, '"', 0);
    assert_int_equal(j.verdict, KS_VERDICT_SECRET);
    v[256] = 'x';
    v[257] = '\0';
    j = judge_n(KS_KEY_CLASS_SECRET, v, 257, '"', 0);
    assert_int_equal(j.verdict, KS_VERDICT_NONE);
    j = judge_n(KS_KEY_CLASS_PASSWORD, v, 257, '"', 0);
    assert_int_equal(j.verdict, KS_VERDICT_NONE);
}

static void test_generic__judge_booleans_and_lines(void **state)
{
    (void)state;
    const char *const bools[] = {"true",    "False",    "YES", "no", "on", "Off",
                                 "enabled", "disabled", "y",   "N",  "t",  "f"};
    NONE_LIST(KS_KEY_CLASS_PASSWORD, bools, 0);
    NONE_LIST(KS_KEY_CLASS_PASSWORD, bools, '"');
    /* A value over lines is a block of text, not a password. */
    NOT_SECRET(KS_KEY_CLASS_PASSWORD, "Zk3q\nT9fW2xLm", '"');
}

static void test_generic__judge_numbers(void **state)
{
    (void)state;
    /* A number for a password is a PIN-like, weak password... */
    JUDGE(KS_KEY_CLASS_PASSWORD, "8675309421", 0, 0, KS_VERDICT_WEAK, KS_CONF_MEDIUM);
    JUDGE(KS_KEY_CLASS_PASSWORD, "5432", 0, 0, KS_VERDICT_WEAK, KS_CONF_MEDIUM);
    JUDGE(KS_KEY_CLASS_PASSWORD, "867530942186753094", '"', 0, KS_VERDICT_WEAK, KS_CONF_MEDIUM);
    /* ...and not a secret token: a short number is not random enough. */
    NOT_SECRET(KS_KEY_CLASS_SECRET, "1234567890123456", 0);
    NOT_SECRET(KS_KEY_CLASS_SECRET, "3600", 0);
}

static void test_generic__judge_paths_and_urls(void **state)
{
    (void)state;
    const char *const paths[] = {
        "/run/secrets/db_password", "./secret.txt",     "~/.pgpass",
        "C:\\secrets\\db.txt",      "D:/keys/pw",       "etc/ssl/private/server",
        "secrets/prod/db",          "/Zk3qT9fW2xLmP8rB"};
    NONE_LIST(KS_KEY_CLASS_PASSWORD, paths, '"');
    NONE_LIST(KS_KEY_CLASS_SECRET, paths, '"');
    /* Base64 holds slashes too: mixed case and + or = keep it a value. */
    JUDGE(KS_KEY_CLASS_PASSWORD, "Zk3q/T9fW2xLmP8r", '"', 0, KS_VERDICT_SECRET, KS_CONF_HIGH);
    JUDGE(KS_KEY_CLASS_PASSWORD, "zk3q/t9+fw2xlmp8", '"', 0, KS_VERDICT_SECRET, KS_CONF_HIGH);
    /* URLs: the URL rules judge the credentials in them (the '+' keeps
     * this one from looking like a path). */
    const char *const urls[] = {"https://db.example.com/x", "redis://:Zk3qT9fW2xLm+@cache:6379",
                                "mongodb+srv://U:Zk3qT9@Host"};
    NONE_LIST(KS_KEY_CLASS_PASSWORD, urls, '"');
    NONE_LIST(KS_KEY_CLASS_SECRET, urls, '"');
}

static void test_generic__judge_type_names_only_bare(void **state)
{
    (void)state;
    /* password: str, password: SecureString, char* password ... */
    const char *const types[] = {"str",       "String",       "bytes",   "int",
                                 "SecretStr", "SecureString", "varchar", "char*",
                                 "const",     "byte[]",       "Any"};
    NONE_LIST(KS_KEY_CLASS_PASSWORD, types, 0);
    /* Quoted, a type name is a string like any other: a weak password. */
    JUDGE(KS_KEY_CLASS_PASSWORD, "varchar", '"', 0, KS_VERDICT_WEAK, KS_CONF_MEDIUM);
    JUDGE(KS_KEY_CLASS_PASSWORD, "bytes", '\'', 0, KS_VERDICT_WEAK, KS_CONF_MEDIUM);
}

static void test_generic__judge_placeholders(void **state)
{
    (void)state;
    /* The placeholder words, exactly (any case). */
    const char *const words[] = {"changeme", "CHANGEME",    "change_me",  "redacted", "REDACTED",
                                 "xxx",      "TODO",        "fixme",      "tbd",      "none",
                                 "null",     "nil",         "undefined",  "password", "secret",
                                 "example",  "placeholder", "replace_me", "mysecret", "hidden",
                                 "masked",   "*",           "foo",        "foobar"};
    NONE_LIST(KS_KEY_CLASS_PASSWORD, words, '"');
    NONE_LIST(KS_KEY_CLASS_PASSWORD, words, 0);
    NONE_LIST(KS_KEY_CLASS_SECRET, words, '"');
    /* Marks anywhere in the value, and one character repeated. */
    const char *const marks[] = {
        "your-password-here", "YOUR_PASSWORD",  "****",           "********", "Zk3q****T9fW",
        "xxxxxxxxxxxx",       "XXXX-XXXX-XXXX", "my-example-pw9", "dummy123", "REPLACEME_NOW9",
        "insert_password_9",  "sample-Zk3q",    "<your-key>",     "....",     "n/a"};
    NONE_LIST(KS_KEY_CLASS_PASSWORD, marks, '"');
    NONE_LIST(KS_KEY_CLASS_PASSWORD, marks, 0);
    NONE_LIST(KS_KEY_CLASS_SECRET, marks, '"');
    /* Long enough to look random, but an example. */
    NOT_SECRET(KS_KEY_CLASS_SECRET, "sk_live_EXAMPLE9x7Kq2mZ4pL8wT", '"');
    NOT_SECRET(KS_KEY_CLASS_SECRET, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", '"');
    /* Cut short with an ellipsis (a mark of bytes outside ASCII). */
    NOT_SECRET(KS_KEY_CLASS_PASSWORD, "pw\xe2\x80\xa6", '"');
    NOT_SECRET(KS_KEY_CLASS_SECRET, "pU3KGCUwux1tEyze1iN7\xe2\x80\xa6", '"');
    /* One digit repeated is a number, not a mask. */
    JUDGE(KS_KEY_CLASS_PASSWORD, "00000000", '"', 0, KS_VERDICT_WEAK, KS_CONF_MEDIUM);
}

static void test_generic__judge_prose_and_code_spans(void **state)
{
    (void)state;
    /* Three spaces: a sentence, quoted or not. */
    NOT_SECRET(KS_KEY_CLASS_PASSWORD, "correct horse battery staple", '"');
    NOT_SECRET(KS_KEY_CLASS_PASSWORD, "the password is set", 0);
    /* Two spaces: a sentence when bare, a passphrase when quoted. */
    NOT_SECRET(KS_KEY_CLASS_PASSWORD, "correct horse battery", 0);
    /* Quoted, three lower-case words read as a message too ("invalid user
     * name"): real passphrases in configuration are rarer than messages. */
    NOT_SECRET(KS_KEY_CLASS_PASSWORD, "correct horse battery", '"');
    /* A code span with a space is a command. */
    NOT_SECRET(KS_KEY_CLASS_PASSWORD, "Zk3q T9fW2xL", '`');
    JUDGE(KS_KEY_CLASS_PASSWORD, "Zk3q T9fW2xL", '"', 0, KS_VERDICT_SECRET, KS_CONF_HIGH);
    JUDGE(KS_KEY_CLASS_PASSWORD, STRONG, '`', 0, KS_VERDICT_SECRET, KS_CONF_HIGH);
    /* A secret is never prose: a space makes it not random. */
    NOT_SECRET(KS_KEY_CLASS_SECRET, "pU3KGCUwux1tEy ze1iN7LtkeP3If", '"');
}

static void test_generic__judge_identifiers(void **state)
{
    (void)state;
    /* A name rather than a value (the key's value is another variable). */
    const char *const names[] = {"db_password",      "settings.db.password", "adminPassword",
                                 "DB_PASSWORD_NAME", "config:db:pass",       "SmtpPassword"};
    NONE_LIST(KS_KEY_CLASS_PASSWORD, names, 0);
    NONE_LIST(KS_KEY_CLASS_PASSWORD, names, '"');
    /* Hyphenated words are a name when bare and a passphrase when quoted
     * (correct-horse-battery). */
    NOT_SECRET(KS_KEY_CLASS_PASSWORD, "smtp-pass", 0);
    JUDGE(KS_KEY_CLASS_PASSWORD, "smtp-pass", '"', 0, KS_VERDICT_SECRET, KS_CONF_MEDIUM);
    /* A single word in letters only is no identifier: a password. */
    JUDGE(KS_KEY_CLASS_PASSWORD, "Sunflower", '"', 0, KS_VERDICT_SECRET, KS_CONF_MEDIUM);
    /* Identifiers for a secret: words, not random. */
    NOT_SECRET(KS_KEY_CLASS_SECRET, "my-app-token-value-for-prod", '"');
    NOT_SECRET(KS_KEY_CLASS_SECRET, "MyApplicationSecretValueName", '"');
    /* An acronym may end a name; random letters that alternate in case are
     * no words (several without a vowel), even with capitals at the end. */
    NOT_SECRET(KS_KEY_CLASS_PASSWORD, "virtualCryptSHA", '"');
    JUDGE(KS_KEY_CLASS_PASSWORD, "sXnsLplFbwvqUkGzSTQI", '"', 0, KS_VERDICT_SECRET,
          KS_CONF_MEDIUM);
}

static void test_generic__judge_weak_passwords(void **state)
{
    (void)state;
    /* Common and default passwords, in any case: a finding of their own. */
    const char *const weak[] = {"admin",    "ADMIN",    "Admin",    "root",      "test",
                                "changeit", "p@ssw0rd", "Passw0rd", "123456",    "letmein",
                                "qwerty",   "postgres", "vagrant",  "password1", "secret1"};
    for (size_t i = 0; i < sizeof weak / sizeof *weak; i++) {
        JUDGE(KS_KEY_CLASS_PASSWORD, weak[i], '"', 0, KS_VERDICT_WEAK, KS_CONF_MEDIUM);
        JUDGE(KS_KEY_CLASS_PASSWORD, weak[i], 0, 0, KS_VERDICT_WEAK, KS_CONF_MEDIUM);
        /* A secret-named key with a dictionary word is not a leaked token. */
        NOT_SECRET(KS_KEY_CLASS_SECRET, weak[i], '"');
    }
    /* Short, digits only, or one class under twelve characters. */
    JUDGE(KS_KEY_CLASS_PASSWORD, "hunter2", '"', 0, KS_VERDICT_WEAK, KS_CONF_MEDIUM);
    JUDGE(KS_KEY_CLASS_PASSWORD, "Zk3q!", '"', 0, KS_VERDICT_WEAK, KS_CONF_MEDIUM);
    JUDGE(KS_KEY_CLASS_PASSWORD, "correcthors", '"', 0, KS_VERDICT_WEAK, KS_CONF_MEDIUM);
    /* Capitals only: a usage text's metavariable (PASSWORD, PASSWORT). */
    NOT_SECRET(KS_KEY_CLASS_PASSWORD, "CORRECTHORS", '"');
    /* Twelve letters of one class are enough. */
    JUDGE(KS_KEY_CLASS_PASSWORD, "correcthorse", '"', 0, KS_VERDICT_SECRET, KS_CONF_MEDIUM);
}

static void test_generic__judge_strong_passwords(void **state)
{
    (void)state;
    /* Twelve or more characters of three classes: high. */
    JUDGE(KS_KEY_CLASS_PASSWORD, STRONG, '"', 0, KS_VERDICT_SECRET, KS_CONF_HIGH);
    JUDGE(KS_KEY_CLASS_PASSWORD, STRONG, 0, 0, KS_VERDICT_SECRET, KS_CONF_HIGH);
    JUDGE(KS_KEY_CLASS_PASSWORD, "k9#mQ2xZ7!vb", '"', 0, KS_VERDICT_SECRET, KS_CONF_HIGH);
    /* Shorter, or fewer classes: medium. */
    JUDGE(KS_KEY_CLASS_PASSWORD, "hunter2!x", '"', 0, KS_VERDICT_SECRET, KS_CONF_MEDIUM);
    JUDGE(KS_KEY_CLASS_PASSWORD, "Tr0ub4dor&3", '"', 0, KS_VERDICT_SECRET, KS_CONF_MEDIUM);
    JUDGE(KS_KEY_CLASS_PASSWORD, "zk3qt9fw", '"', 0, KS_VERDICT_SECRET, KS_CONF_MEDIUM);
    JUDGE(KS_KEY_CLASS_PASSWORD, "zk3qt9fw2xlm", '"', 0, KS_VERDICT_SECRET, KS_CONF_MEDIUM);
    /* Invalid UTF-8 counts as symbols. */
    JUDGE(KS_KEY_CLASS_PASSWORD, "zk3qt9fw2x\xff\xfe", '"', 0, KS_VERDICT_SECRET, KS_CONF_HIGH);
}

static void test_generic__judge_docs_and_tests_lower_confidence(void **state)
{
    (void)state;
    JUDGE(KS_KEY_CLASS_PASSWORD, STRONG, '"', KS_SCAN_DOCS, KS_VERDICT_SECRET, KS_CONF_LOW);
    JUDGE(KS_KEY_CLASS_PASSWORD, STRONG, '"', KS_SCAN_TESTS, KS_VERDICT_SECRET, KS_CONF_LOW);
    JUDGE(KS_KEY_CLASS_PASSWORD, "admin", '"', KS_SCAN_DOCS, KS_VERDICT_WEAK, KS_CONF_LOW);
    JUDGE(KS_KEY_CLASS_SECRET, TOKEN, '"', KS_SCAN_TESTS, KS_VERDICT_SECRET, KS_CONF_LOW);
    JUDGE(KS_KEY_CLASS_KEY, KEY32 KEY32, '"', KS_SCAN_DOCS | KS_SCAN_TESTS, KS_VERDICT_SECRET,
          KS_CONF_LOW);
    /* The flags never hide nor reveal: the verdict is the same. */
    const char *const vals[] = {STRONG,        TOKEN,
                                KEY32,         "admin",
                                "hunter2",     "changeme",
                                "${X}",        "true",
                                "str",         "correct horse x",
                                "db_password", "/etc/pw",
                                "8675309421",  "zk3qt9fw2xlmp8rbqw4n"};
    const ks_key_class classes[] = {KS_KEY_CLASS_PASSWORD, KS_KEY_CLASS_SECRET, KS_KEY_CLASS_KEY};
    const uint32_t flags[] = {KS_SCAN_DOCS, KS_SCAN_TESTS, KS_SCAN_CODE,
                              KS_SCAN_DOCS | KS_SCAN_TESTS | KS_SCAN_CODE};
    for (size_t c = 0; c < 3; c++)
        for (size_t i = 0; i < sizeof vals / sizeof *vals; i++)
            for (uint8_t q = 0; q < 2; q++) {
                ks_judgement base = judge(classes[c], vals[i], q ? '"' : 0, 0);
                for (size_t f = 0; f < sizeof flags / sizeof *flags; f++) {
                    ks_judgement j = judge(classes[c], vals[i], q ? '"' : 0, flags[f]);
                    if (j.verdict != base.verdict)
                        fail_msg("%s under flags %u: %s, without: %s", vals[i], flags[f],
                                 verdict_name(j.verdict), verdict_name(base.verdict));
                    /* Code is not documentation: only docs and tests lower it. */
                    ks_confidence want = base.verdict == KS_VERDICT_NONE ? KS_CONF_LOW
                                         : flags[f] == KS_SCAN_CODE      ? base.confidence
                                                                         : KS_CONF_LOW;
                    if (j.confidence != want)
                        fail_msg("%s under flags %u: confidence %d, expected %d", vals[i], flags[f],
                                 (int)j.confidence, (int)want);
                }
            }
}

static void test_generic__judge_secret_class_needs_random(void **state)
{
    (void)state;
    /* 16 or more characters, three classes spread over the alphabet. */
    JUDGE(KS_KEY_CLASS_SECRET, "Zk3qT9fW2xLmP8rB", '"', 0, KS_VERDICT_SECRET, KS_CONF_MEDIUM);
    NOT_SECRET(KS_KEY_CLASS_SECRET, "Zk3qT9fW2xLmP8r", '"'); /* 15 */
    NOT_SECRET(KS_KEY_CLASS_SECRET, STRONG, '"');            /* a password, not a token */
    /* 32 or more with four bits a character: high. */
    JUDGE(KS_KEY_CLASS_SECRET, TOKEN, '"', 0, KS_VERDICT_SECRET, KS_CONF_HIGH);
    JUDGE(KS_KEY_CLASS_SECRET, TOKEN, 0, 0, KS_VERDICT_SECRET, KS_CONF_HIGH);
    /* Two classes need 20 characters and four bits. */
    NOT_SECRET(KS_KEY_CLASS_SECRET, "zk3qt9fw2xlmp8rb", '"');
    JUDGE(KS_KEY_CLASS_SECRET, "zk3qt9fw2xlmp8rbqw4n", '"', 0, KS_VERDICT_SECRET, KS_CONF_MEDIUM);
    /* Low entropy: a repeated pattern. */
    NOT_SECRET(KS_KEY_CLASS_SECRET, "Ab1Ab1Ab1Ab1Ab1Ab1Ab1Ab1", '"');
    /* Hex of 32 digits or more (a digest, an API key): sixteen symbols
     * carry at most four bits, so the confidence stays medium. */
    JUDGE(KS_KEY_CLASS_SECRET, "9d5c3460be31201e69fedaa0eee8b9997f5c7c29", '"', 0,
          KS_VERDICT_SECRET, KS_CONF_MEDIUM);
    NOT_SECRET(KS_KEY_CLASS_SECRET, "9d5c3460be31201e69fedaa0eee8b99", '"'); /* 31 */
    /* A UUID (Heroku API keys) is hex with dashes. */
    JUDGE(KS_KEY_CLASS_SECRET, "3f2504e0-4f89-11d3-9a0c-0305e82c3301", '"', 0, KS_VERDICT_SECRET,
          KS_CONF_MEDIUM);
    /* The words of a name, however long. */
    NOT_SECRET(KS_KEY_CLASS_SECRET, "ThisIsMyVeryLongSecretTokenName", '"');
    NOT_SECRET(KS_KEY_CLASS_SECRET, "settings.api.token.production", '"');
}

static void test_generic__judge_key_class_needs_plain_randomness(void **state)
{
    (void)state;
    /* NONCE_KEY and friends: 32 or more, three classes, 4.3 bits. */
    JUDGE(KS_KEY_CLASS_KEY, KEY32, '"', 0, KS_VERDICT_SECRET, KS_CONF_HIGH);
    JUDGE(KS_KEY_CLASS_KEY, TOKEN, '"', 0, KS_VERDICT_SECRET, KS_CONF_HIGH);
    /* What a token would pass but a key does not: short, or hex. */
    JUDGE(KS_KEY_CLASS_SECRET, "Zk3qT9fW2xLmP8rB", '"', 0, KS_VERDICT_SECRET, KS_CONF_MEDIUM);
    NOT_SECRET(KS_KEY_CLASS_KEY, "Zk3qT9fW2xLmP8rB", '"');
    const char *hex64 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    JUDGE(KS_KEY_CLASS_SECRET, hex64, '"', 0, KS_VERDICT_SECRET, KS_CONF_MEDIUM);
    NOT_SECRET(KS_KEY_CLASS_KEY, hex64, '"');
    /* 32 characters of three classes with 4.19 bits each: a token, not a key. */
    JUDGE(KS_KEY_CLASS_SECRET, "aB3dE5gH7jK9mN2pQ4saB3dE5gH7jK9m", '"', 0, KS_VERDICT_SECRET,
          KS_CONF_HIGH);
    NOT_SECRET(KS_KEY_CLASS_KEY, "aB3dE5gH7jK9mN2pQ4saB3dE5gH7jK9m", '"');
    /* A key class value is never "weak". */
    NOT_SECRET(KS_KEY_CLASS_KEY, "admin", '"');
    NOT_SECRET(KS_KEY_CLASS_KEY, "put your unique phrase here", '"');
}

static void test_generic__judge_encoded_text(void **state)
{
    (void)state;
    /* base64 of "postgres:Sup3rS3cretPassw0rd" and of a sentence, hex of
     * "supersecretpassword!": the decoding stage judges what they decode
     * to, so the encoding itself is not reported. */
    const char *const enc[] = {
        "cG9zdGdyZXM6U3VwM3JTM2NyZXRQYXNzdzByZA==", "dGhlIGFkbWluIHBhc3N3b3JkIGlzIGh1bnRlcjI=",
        "cG9zdGdyZXM6U3VwM3JTM2NyZXRQYXNzdzByZA", "737570657273656372657470617373776f726421"};
    NONE_LIST(KS_KEY_CLASS_PASSWORD, enc, '"');
    NONE_LIST(KS_KEY_CLASS_SECRET, enc, '"');
    NONE_LIST(KS_KEY_CLASS_KEY, enc, '"');
    /* base64 and hex of random bytes are the secret. */
    JUDGE(KS_KEY_CLASS_SECRET, TOKEN, '"', 0, KS_VERDICT_SECRET, KS_CONF_HIGH);
    JUDGE(KS_KEY_CLASS_PASSWORD, TOKEN, '"', 0, KS_VERDICT_SECRET, KS_CONF_HIGH);
    JUDGE(KS_KEY_CLASS_SECRET, "9d5c3460be31201e69fedaa0eee8b9997f5c7c29", '"', 0,
          KS_VERDICT_SECRET, KS_CONF_MEDIUM);
    /* 16 characters that decode to bytes which pass for UTF-8 text with one
     * stray byte (e6 b3 b2 'Y}&\\M' d6 a9 'Z' aa): random, a password. */
    JUDGE(KS_KEY_CLASS_PASSWORD, "5rOyWX0mXE3WqVqq", '"', 0, KS_VERDICT_SECRET, KS_CONF_HIGH);
}

static void test_generic__judge_hashes(void **state)
{
    (void)state;
    /* A password hash is the hash rules' finding, not a password. */
    const char *const hashes[] = {
        "{SSHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=",
        "{ssha512}W6ph5Mm5Pz8GgiULbPgzG37mj9gW6ph5Mm5Pz8GgiULbPgzG37mj9g=",
        "{PBKDF2-SHA256}10000$Zk3qT9fW2xLm$abc",
        "*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19",
        "$6$rounds=5000$saltsalt$Zk3qT9fW2xLmP8rBq4Wn7EsA9dF1",
        "$2b$12$Zk3qT9fW2xLmP8rBq4Wn7EsA9dF1hJ6kZk3qT9fW2xLmP8rB",
        "$apr1$Zk3qT9fW$2xLmP8rBq4Wn7EsA9dF1",
        "$argon2id$v=19$m=65536,t=3,p=4$Zk3qT9fW2xLm$P8rBq4Wn7EsA9dF1"};
    NONE_LIST(KS_KEY_CLASS_PASSWORD, hashes, '"');
    NONE_LIST(KS_KEY_CLASS_SECRET, hashes, '"');
    /* A * and 40 characters that are not all hex is no MySQL hash. */
    JUDGE(KS_KEY_CLASS_PASSWORD, "*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E1Z", '"', 0,
          KS_VERDICT_SECRET, KS_CONF_HIGH);
}

/* ------------------------------------------------------------------------ */
/* 2. Assignments, one syntax family at a time                              */

static void test_generic__assign_shell(void **state)
{
    (void)state;
    EXPECT("DB_PASSWORD=" STRONG, "PASS", 0, "DB_PASSWORD", STRONG, 0, "assignment");
    /* NAME=v cmd: the value is one word, whatever follows. */
    EXPECT("DB_PASSWORD=" STRONG " psql -h db", "PASS", 0, "DB_PASSWORD", STRONG, 0, "assignment");
    EXPECT("export DB_PASSWORD='" STRONG "'", "PASS", 0, "DB_PASSWORD", STRONG, '\'', "assignment");
    EXPECT("export API_TOKEN=\"" TOKEN "\"\n", "TOKEN", 0, "API_TOKEN", TOKEN, '"', "assignment");
    /* With blanks around '=' a bare value must end the line. */
    REFUSE("PASSWORD = foo bar", "PASS", 0);
    /* Comparisons are not assignments. */
    REFUSE("if [ \"$PASSWORD\" == \"" STRONG "\" ]; then", "PASS", 0);
    REFUSE("if password == \"" STRONG "\":", "pass", KS_SCAN_CODE);
    REFUSE("password =~ /" STRONG "/", "pass", 0);
}

static void test_generic__assign_shell_default(void **state)
{
    (void)state;
    EXPECT("psql -W \"${DB_PASSWORD:-" STRONG "}\"", "PASS", 0, "DB_PASSWORD", STRONG, 0,
           "shell-default");
    EXPECT("${DB_PASSWORD:='" STRONG "'}", "PASS", 0, "DB_PASSWORD", STRONG, '\'', "shell-default");
    /* Without the colon: the '-' ends the name, it does not join the default to it. */
    EXPECT("x=${API_TOKEN-" TOKEN "}", "TOKEN", 0, "API_TOKEN", TOKEN, 0, "shell-default");
    EXPECT("psql -W ${DB_PASSWORD-" STRONG "}", "PASS", 0, "DB_PASSWORD", STRONG, 0,
           "shell-default");
    EXPECT("x=${API_TOKEN=" TOKEN "}", "TOKEN", 0, "API_TOKEN", TOKEN, 0, "shell-default");
    /* A keyword in the default is not the name's. */
    REFUSE("${DB_USER-password}", "pass", 0);
    /* No default, or another operator: a reference only. */
    REFUSE("psql -W \"${DB_PASSWORD}\"", "PASS", 0);
    REFUSE("${DB_PASSWORD:?must be set}", "PASS", 0);
    /* An error message or an alternate value is not a default. */
    REFUSE("  db: ${DB_PASSWORD:?required}", "PASS", 0);
    REFUSE("  db: ${DB_PASSWORD?required}", "PASS", 0);
    REFUSE("  redis: ${REDIS_PASSWORD:+" STRONG "}", "PASS", 0);
    REFUSE("  db: ${DB_PASSWORD:?}", "PASS", 0);
    /* Not closed on the line: no default, and no mapping of ":-v". */
    REFUSE("${DB_PASSWORD:-" STRONG "\n}", "PASS", 0);
    REFUSE("psql -W ${DB_PASSWORD:-" STRONG, "PASS", 0);
    /* Spring's ${NAME:default}: the mapping after the name reads it. */
    EXPECT("    password: ${DB_PASSWORD:" STRONG "}", "PASS", 0, "DB_PASSWORD", STRONG, 0,
           "mapping");
}

static void test_generic__assign_dotenv(void **state)
{
    (void)state;
    EXPECT("# database\nDB_PASSWORD=\"" STRONG "\"\nDB_USER=app\n", "PASS", 0, "DB_PASSWORD",
           STRONG, '"', "assignment");
    EXPECT("STRIPE_SECRET_KEY=" TOKEN "\n", "SECRET", 0, "STRIPE_SECRET_KEY", TOKEN, 0,
           "assignment");
    /* Makefile and Go-style operators. */
    EXPECT("DB_PASSWORD ?= " STRONG "\n", "PASS", 0, "DB_PASSWORD", STRONG, 0, "assignment");
    EXPECT("DB_PASSWORD := " STRONG "\n", "PASS", 0, "DB_PASSWORD", STRONG, 0, "assignment");
}

static void test_generic__assign_dockerfile_env(void **state)
{
    (void)state;
    EXPECT("FROM postgres:16\nENV POSTGRES_PASSWORD " STRONG "\n", "PASS", 0, "POSTGRES_PASSWORD",
           STRONG, 0, "dockerfile-env");
    EXPECT("SetEnv DB_PASSWORD " STRONG "\n", "PASS", 0, "DB_PASSWORD", STRONG, 0,
           "dockerfile-env");
    /* ENV K=v is the plain form. */
    EXPECT("ENV POSTGRES_PASSWORD=" STRONG "\n", "PASS", 0, "POSTGRES_PASSWORD", STRONG, 0,
           "assignment");
    /* docker run -e K=v image: one word, then the command goes on. */
    EXPECT("docker run -e POSTGRES_PASSWORD=" STRONG " -d postgres:16", "PASS", 0,
           "POSTGRES_PASSWORD", STRONG, 0, "assignment");
    EXPECT("docker run --env API_TOKEN=\"" TOKEN "\" img", "TOKEN", 0, "API_TOKEN", TOKEN, '"',
           "assignment");
}

static void test_generic__assign_yaml(void **state)
{
    (void)state;
    EXPECT("db:\n  password: " STRONG "\n", "pass", 0, "password", STRONG, 0, "mapping");
    EXPECT("db:\n  password: \"" STRONG "\"  # prod\n", "pass", 0, "password", STRONG, '"',
           "mapping");
    EXPECT("  password: " STRONG "   # set by ops\n", "pass", 0, "password", STRONG, 0, "mapping");
    /* A dotted name keeps the whole name as the key. */
    EXPECT("spring.datasource.password: " STRONG "\n", "pass", 0, "spring.datasource.password",
           STRONG, 0, "mapping");
    /* Block scalars, anchors, aliases and tags are not values on the line. */
    REFUSE("password: |\n  " STRONG "\n", "pass", 0);
    REFUSE("password: >-\n  " STRONG "\n", "pass", 0);
    REFUSE("password: *default_password\n", "pass", 0);
    REFUSE("password: &pw " STRONG "\n", "pass", 0);
    REFUSE("password: !vault |\n", "pass", 0);
    /* A bare value followed by more words is prose. */
    REFUSE("password: see the wiki page\n", "pass", 0);
}

static void test_generic__assign_kubernetes_env(void **state)
{
    (void)state;
    EXPECT("env:\n  - name: DB_PASSWORD\n    value: " STRONG "\n", "PASS", 0, "DB_PASSWORD", STRONG,
           0, "k8s-env");
    EXPECT("env:\n  - name: \"DB_PASSWORD\"\n    value: \"" STRONG "\"\n", "PASS", 0, "DB_PASSWORD",
           STRONG, '"', "k8s-env");
    /* The value may come a line later. */
    EXPECT("- name: API_TOKEN\n  # the bot's token\n  value: '" TOKEN "'\n", "TOKEN", 0,
           "API_TOKEN", TOKEN, '\'', "k8s-env");
    /* A secretKeyRef is no literal. */
    REFUSE("- name: DB_PASSWORD\n  valueFrom:\n    secretKeyRef:\n      name: db\n", "PASS", 0);
    /* Too far down. */
    REFUSE("- name: DB_PASSWORD\n  a: 1\n  b: 2\n  value: " STRONG "\n", "PASS", 0);
    /* ECS and Kubernetes JSON: {"name": K, "value": v}. */
    EXPECT("{\"name\": \"DB_PASSWORD\", \"value\": \"" STRONG "\"}", "PASS", 0, "DB_PASSWORD",
           STRONG, '"', "name-value");
}

static void test_generic__assign_json(void **state)
{
    (void)state;
    EXPECT("{\"password\": \"" STRONG "\"}", "pass", 0, "password", STRONG, '"', "mapping");
    EXPECT("{\"user\":\"app\",\"password\":\"" STRONG "\"}", "pass", 0, "password", STRONG, '"',
           "mapping");
    EXPECT("  \"client_secret\" : \"" TOKEN "\",\n", "secret", 0, "client_secret", TOKEN, '"',
           "mapping");
    assert_int_equal(class_of("{\"client_secret\": \"" TOKEN "\"}", "secret", 0),
                     KS_KEY_CLASS_SECRET);
    assert_int_equal(class_of("{\"password\": \"" STRONG "\"}", "pass", 0), KS_KEY_CLASS_PASSWORD);
    /* A name that only contains the word is nobody's password. */
    REFUSE("{\"password_hint\": \"" STRONG "\"}", "pass", 0);
}

static void test_generic__assign_ini_toml(void **state)
{
    (void)state;
    EXPECT("[database]\npassword = " STRONG "\n", "pass", 0, "password", STRONG, 0, "assignment");
    EXPECT("[database]\npassword=" STRONG "\r\n", "pass", 0, "password", STRONG, 0, "assignment");
    EXPECT("[database]\npassword = \"" STRONG "\"\n", "pass", 0, "password", STRONG, '"',
           "assignment");
    EXPECT("api_token = '" TOKEN "' # rotate\n", "token", 0, "api_token", TOKEN, '\'',
           "assignment");
    /* A multi-word name at the start of a line with "= v" after it. */
    EXPECT("db_password = " STRONG "\n", "pass", 0, "db_password", STRONG, 0, "assignment");
}

static void test_generic__assign_xml(void **state)
{
    (void)state;
    /* The element's text, reported with '<' for a quote. */
    EXPECT("<db><password>" STRONG "</password></db>", "pass", 0, "password", STRONG, '<',
           "xml-element");
    EXPECT("<ApiToken>" TOKEN "</ApiToken>", "Token", 0, "ApiToken", TOKEN, '<', "xml-element");
    REFUSE("<password/>", "pass", 0);
    REFUSE("<password></password>", "pass", 0);
    REFUSE("<password>" STRONG "\n</password>", "pass", 0);
    /* An attribute of the element. */
    EXPECT("<datasource user=\"app\" password=\"" STRONG "\" />", "pass", 0, "password", STRONG,
           '"', "assignment");
    /* <add key="K" value="v"/>: the key attribute names the value attribute. */
    EXPECT("<add key=\"SmtpPassword\" value=\"" STRONG "\" />", "Pass", 0, "SmtpPassword", STRONG,
           '"', "xml-attribute-pair");
    EXPECT("<add key='ApiToken' value='" TOKEN "'/>", "Token", 0, "ApiToken", TOKEN, '\'',
           "xml-attribute-pair");
    /* No value attribute before the tag ends. */
    REFUSE("<add key=\"SmtpPassword\" /><x value=\"" STRONG "\"/>", "Pass", 0);
}

static void test_generic__assign_terraform(void **state)
{
    (void)state;
    EXPECT("variable \"db_password\" {\n  type      = string\n  sensitive = true\n"
           "  default   = \"" STRONG "\"\n}\n",
           "pass", 0, "db_password", STRONG, '"', "terraform-block");
    EXPECT("resource \"aws_ssm_parameter\" \"payments_api_key\" {\n"
           "  name  = \"/payments/key\"\n  type  = \"SecureString\"\n  value = \"" TOKEN "\"\n}\n",
           "api_key", 0, "payments_api_key", TOKEN, '"', "terraform-block");
    EXPECT("resource \"aws_secretsmanager_secret_version\" \"db_password\" {\n"
           "  secret_string = \"" STRONG "\"\n}\n",
           "pass", 0, "db_password", STRONG, '"', "terraform-block");
    /* The block ends before any default. */
    REFUSE("variable \"db_password\" {\n  type = string\n}\ndefault = \"" STRONG "\"\n", "pass", 0);
    /* A word that only ends like a field is not one. */
    REFUSE("variable \"db_password\" {\n  nodefault = \"" STRONG "\"\n}\n", "pass", 0);
    /* An HCL attribute is the plain form. */
    EXPECT("  db_password = \"" STRONG "\"\n", "pass", 0, "db_password", STRONG, '"', "assignment");
}

static void test_generic__assign_batch_and_powershell(void **state)
{
    (void)state;
    /* set "K=V": the value runs to the closing quote. */
    EXPECT("set \"REPORTS_API_KEY=" TOKEN "\"\r\n", "API_KEY", 0, "REPORTS_API_KEY", TOKEN, '"',
           "assignment");
    EXPECT("set \"DB_PASSWORD=" STRONG " x\"\r\n", "PASS", 0, "DB_PASSWORD", STRONG " x", '"',
           "assignment");
    EXPECT("set DB_PASSWORD=" STRONG "\r\n", "PASS", 0, "DB_PASSWORD", STRONG, 0, "assignment");
    EXPECT("$env:DB_PASSWORD = \"" STRONG "\"", "PASS", KS_SCAN_CODE, "DB_PASSWORD", STRONG, '"',
           "assignment");
    /* ConvertTo-SecureString "v" -AsPlainText: the string is the value. */
    EXPECT("$password = ConvertTo-SecureString \"" STRONG "\" -AsPlainText -Force", "pass",
           KS_SCAN_CODE, "password", STRONG, '"', "assignment");
    EXPECT("$pw = convertto-securestring '" STRONG "' -asplaintext -force", "pw", KS_SCAN_CODE,
           "pw", STRONG, '\'', "assignment");
    /* Read from the user: no literal. */
    REFUSE("$password = Read-Host -AsSecureString", "pass", KS_SCAN_CODE);
}

static void test_generic__assign_c(void **state)
{
    (void)state;
    EXPECT("#define MQTT_PASS \"k9#mQ2xZ7\"\n", "PASS", KS_SCAN_CODE, "MQTT_PASS", "k9#mQ2xZ7", '"',
           "define");
    EXPECT("#  define WIFI_PASSWORD  \"" STRONG "\"\n", "PASS", KS_SCAN_CODE, "WIFI_PASSWORD",
           STRONG, '"', "define");
    /* Commented out, still in the source. */
    EXPECT("// #define DB_PASSWORD \"" STRONG "\"\n", "PASS", KS_SCAN_CODE, "DB_PASSWORD", STRONG,
           '"', "define");
    EXPECT("/* #define API_TOKEN \"" TOKEN "\" */\n", "TOKEN", KS_SCAN_CODE, "API_TOKEN", TOKEN,
           '"', "define");
    REFUSE("#define DB_PASSWORD get_password()\n", "PASS", KS_SCAN_CODE);
    REFUSE("#define PASS_LEN 16\n", "PASS", KS_SCAN_CODE);
    /* Arrays, PROGMEM, pointers. */
    EXPECT("static const char wifi_password[] = \"" STRONG "\";", "pass", KS_SCAN_CODE,
           "wifi_password", STRONG, '"', "assignment");
    EXPECT("char pass[32] = \"" STRONG "\";", "pass", KS_SCAN_CODE, "pass", STRONG, '"',
           "assignment");
    EXPECT("const char mqtt_pass[] PROGMEM = \"k9#mQ2xZ7\";", "pass", KS_SCAN_CODE, "mqtt_pass",
           "k9#mQ2xZ7", '"', "assignment");
    EXPECT("static const wchar_t *api_token = L\"" TOKEN "\";", "token", KS_SCAN_CODE, "api_token",
           TOKEN, '"', "assignment");
    /* Struct initialisers: designated, and {name, value} pairs. */
    EXPECT("struct cfg c = { .user = \"app\", .password = \"" STRONG "\" };", "pass", KS_SCAN_CODE,
           "password", STRONG, '"', "assignment");
    EXPECT("static const kv defaults[] = { {\"password\", \"" STRONG "\"} };", "pass", KS_SCAN_CODE,
           "password", STRONG, '"', "initializer");
    /* In code, a bare word is an expression; a number is a literal. */
    REFUSE("char *password = get_password();", "pass", KS_SCAN_CODE);
    REFUSE("const char *password = DEFAULT_PW;", "pass", KS_SCAN_CODE);
    /* ...but a bare number after "pass" is a count or a constant (int pass = 0);
     * after another password word, a number is a PIN. */
    REFUSE("int db_pass = 8675309;", "pass", KS_SCAN_CODE);
    EXPECT("int db_pin_password = 8675309;", "pass", KS_SCAN_CODE, "db_pin_password", "8675309", 0,
           "assignment");
}

static void test_generic__assign_python(void **state)
{
    (void)state;
    EXPECT("conn = psycopg2.connect(host=\"db\", user=\"app\", password=\"" STRONG "\")", "pass",
           KS_SCAN_CODE, "password", STRONG, '"', "assignment");
    EXPECT("DATABASES = {'default': {'PASSWORD': '" STRONG "'}}", "PASS", KS_SCAN_CODE, "PASSWORD",
           STRONG, '\'', "mapping");
    /* An annotation before the '=' is skipped. */
    EXPECT("    password: str = \"" STRONG "\"", "pass", KS_SCAN_CODE, "password", STRONG, '"',
           "assignment");
    EXPECT("API_TOKEN: Final[str] = '" TOKEN "'", "TOKEN", KS_SCAN_CODE, "API_TOKEN", TOKEN, '\'',
           "assignment");
    /* String prefixes. */
    EXPECT("password = r'" STRONG "'", "pass", KS_SCAN_CODE, "password", STRONG, '\'',
           "assignment");
    EXPECT("password = b\"" STRONG "\"", "pass", KS_SCAN_CODE, "password", STRONG, '"',
           "assignment");
    /* The environment: item assignment, a getenv default, a fallback. */
    EXPECT("os.environ[\"DB_PASSWORD\"] = \"" STRONG "\"", "PASS", KS_SCAN_CODE, "DB_PASSWORD",
           STRONG, '"', "index-assignment");
    EXPECT("pw = os.getenv(\"DB_PASSWORD\", \"" STRONG "\")", "PASS", KS_SCAN_CODE, "DB_PASSWORD",
           STRONG, '"', "call-argument");
    EXPECT("pw = os.getenv(\"DB_PASSWORD\") or \"" STRONG "\"", "PASS", KS_SCAN_CODE, "DB_PASSWORD",
           STRONG, '"', "fallback");
    /* An f-string with a field, a call, a name, a text block. */
    REFUSE("password = f\"{prefix}" STRONG "\"", "pass", KS_SCAN_CODE);
    REFUSE("password = get_password()", "pass", KS_SCAN_CODE);
    REFUSE("password = settings.DB_PASSWORD", "pass", KS_SCAN_CODE);
    REFUSE("password = \"\"\"" STRONG "\"\"\"", "pass", KS_SCAN_CODE);
    REFUSE("pw = os.getenv(\"DB_PASSWORD\")", "PASS", KS_SCAN_CODE);
}

static void test_generic__assign_javascript(void **state)
{
    (void)state;
    EXPECT("const cfg = { user: \"app\", password: \"" STRONG "\" };", "pass", KS_SCAN_CODE,
           "password", STRONG, '"', "mapping");
    EXPECT("  apiKey: '" TOKEN "',", "Key", KS_SCAN_CODE, "apiKey", TOKEN, '\'', "mapping");
    EXPECT("const token = `" TOKEN "`;", "token", KS_SCAN_CODE, "token", TOKEN, '`', "assignment");
    /* TypeScript annotations. */
    EXPECT("private password: string = '" STRONG "';", "pass", KS_SCAN_CODE, "password", STRONG,
           '\'', "assignment");
    REFUSE("  password: string;", "pass", KS_SCAN_CODE);
    /* Lookups with a literal fallback: the key is the whole dotted name. */
    EXPECT("const k = process.env.API_KEY || \"" TOKEN "\";", "API_KEY", KS_SCAN_CODE,
           "process.env.API_KEY", TOKEN, '"', "fallback");
    EXPECT("const t = process.env.API_TOKEN ?? '" TOKEN "';", "TOKEN", KS_SCAN_CODE,
           "process.env.API_TOKEN", TOKEN, '\'', "fallback");
    /* With an index: the form is read as an index assignment. */
    EXPECT("const k = process.env[\"API_KEY\"] || \"" TOKEN "\";", "API_KEY", KS_SCAN_CODE,
           "API_KEY", TOKEN, '"', "index-assignment");
    REFUSE("const password = req.body.password;", "pass", KS_SCAN_CODE);
}

static void test_generic__assign_go_multi(void **state)
{
    (void)state;
    /* The value at the key's place in the list. */
    EXPECT("user, pass := \"admin\", \"" STRONG "\"", "pass", KS_SCAN_CODE, "pass", STRONG, '"',
           "multi-assignment");
    EXPECT("pass, user := \"" STRONG "\", \"admin\"", "pass", KS_SCAN_CODE, "pass", STRONG, '"',
           "multi-assignment");
    EXPECT("host, user, password = \"db\", \"app\", '" STRONG "'", "pass", KS_SCAN_CODE, "password",
           STRONG, '\'', "multi-assignment");
    EXPECT("password := \"" STRONG "\"", "pass", KS_SCAN_CODE, "password", STRONG, '"',
           "assignment");
    /* The key's place holds no literal: the value after the operator is
     * another name's, never the key's. */
    REFUSE("user, pass := \"admin\", getPass()", "pass", KS_SCAN_CODE);
    REFUSE("\tuser, pass := \"admin\"", "pass", KS_SCAN_CODE);
    REFUSE("var user, pass = \"admin\", os.Getenv(\"PW\")", "pass", KS_SCAN_CODE);
    REFUSE("user, password = \"admin\", input()", "pass", KS_SCAN_CODE);
    REFUSE("user, password = \"admin\", getpass()", "pass", 0);
    /* Names glued to '=' after a comma are call arguments, not a list. */
    EXPECT("conn = connect(\n    host, password=\"" STRONG "\")", "pass", KS_SCAN_CODE, "password",
           STRONG, '"', "assignment");
    EXPECT("conn = connect(host, password = \"" STRONG "\")", "pass", KS_SCAN_CODE, "password",
           STRONG, '"', "assignment");
}

static void test_generic__assign_java_setters(void **state)
{
    (void)state;
    /* The key is the whole dotted call name. */
    EXPECT("ds.setPassword(\"" STRONG "\");", "Pass", KS_SCAN_CODE, "ds.setPassword", STRONG, '"',
           "setter");
    EXPECT("    .withPassword(\"" STRONG "\")\n", "Pass", KS_SCAN_CODE, "withPassword", STRONG, '"',
           "setter");
    EXPECT("builder.apiToken( \"" TOKEN "\" )", "Token", KS_SCAN_CODE, "builder.apiToken", TOKEN,
           '"', "setter");
    /* A call without an object could be any function. */
    REFUSE("setPassword(\"" STRONG "\");", "Pass", KS_SCAN_CODE);
    REFUSE("ds.setPassword(cfg.get(\"pw\"));", "Pass", KS_SCAN_CODE);
    EXPECT("String password = \"" STRONG "\";", "pass", KS_SCAN_CODE, "password", STRONG, '"',
           "assignment");
    EXPECT("props.put(\"mail.smtp.password\", \"" STRONG "\");", "pass", KS_SCAN_CODE,
           "mail.smtp.password", STRONG, '"', "call-argument");
    EXPECT("this.password = \"" STRONG "\";", "pass", KS_SCAN_CODE, "this.password", STRONG, '"',
           "assignment");
    EXPECT("var s = new Credentials { Password = @\"" STRONG "\" };", "Pass", KS_SCAN_CODE,
           "Password", STRONG, '"', "assignment");
}

static void test_generic__assign_rust(void **state)
{
    (void)state;
    EXPECT("let password = \"" STRONG "\";", "pass", KS_SCAN_CODE, "password", STRONG, '"',
           "assignment");
    EXPECT("const API_KEY: &str = \"" TOKEN "\";", "API_KEY", KS_SCAN_CODE, "API_KEY", TOKEN, '"',
           "assignment");
    EXPECT("static DB_PASS: &str = \"" STRONG "\";", "PASS", KS_SCAN_CODE, "DB_PASS", STRONG, '"',
           "assignment");
    EXPECT("let pw = env::var(\"DB_PASSWORD\").unwrap_or(\"" STRONG "\".to_string());", "PASS",
           KS_SCAN_CODE, "DB_PASSWORD", STRONG, '"', "fallback");
    EXPECT("let pw = env::var(\"DB_PASSWORD\").unwrap_or_else(|_| \"" STRONG "\".into());", "PASS",
           KS_SCAN_CODE, "DB_PASSWORD", STRONG, '"', "fallback");
    EXPECT("val pw = sys.env.get(\"DB_PASSWORD\").getOrElse(\"" STRONG "\")", "PASS", KS_SCAN_CODE,
           "DB_PASSWORD", STRONG, '"', "fallback");
    REFUSE("let pw = env::var(\"DB_PASSWORD\").expect(\"set it\");", "PASS", KS_SCAN_CODE);
    REFUSE("let pw = env::var(\"DB_PASSWORD\")?;", "PASS", KS_SCAN_CODE);
}

static void test_generic__assign_php_ruby(void **state)
{
    (void)state;
    EXPECT("define('DB_PASSWORD', '" STRONG "');", "PASS", KS_SCAN_CODE, "DB_PASSWORD", STRONG,
           '\'', "call-argument");
    EXPECT("    'password' => '" STRONG "',", "pass", KS_SCAN_CODE, "password", STRONG, '\'',
           "mapping");
    EXPECT("$db_password = \"" STRONG "\";", "pass", KS_SCAN_CODE, "db_password", STRONG, '"',
           "assignment");
    EXPECT("$_ENV['DB_PASSWORD'] = '" STRONG "';", "PASS", KS_SCAN_CODE, "DB_PASSWORD", STRONG,
           '\'', "index-assignment");
    /* Ruby: attribute writers, symbols, hash rockets, ENV.fetch. */
    EXPECT("config.password = \"" STRONG "\"", "pass", KS_SCAN_CODE, "config.password", STRONG, '"',
           "assignment");
    EXPECT("  password: \"" STRONG "\",", "pass", KS_SCAN_CODE, "password", STRONG, '"', "mapping");
    EXPECT("  :password => '" STRONG "',", "pass", KS_SCAN_CODE, "password", STRONG, '\'',
           "mapping");
    EXPECT("pw = ENV.fetch(\"DB_PASSWORD\", \"" STRONG "\")", "PASS", KS_SCAN_CODE, "DB_PASSWORD",
           STRONG, '"', "call-argument");
}

static void test_generic__assign_sql_rows(void **state)
{
    (void)state;
    /* (id, name, value): a weak form, only a strong secret counts: machine-made, or
     * three classes with a symbol that a name does not have. */
    const char *t = "INSERT INTO settings VALUES (2,'smtp_password','" STRONG_SYM "');";
    EXPECT(t, "pass", 0, "smtp_password", STRONG_SYM, '\'', "name-value-row");
    ks_assignment a;
    assert_true(find_n(t, strlen(t), "pass", 0, &a, NULL));
    assert_true(a.strict);
    REFUSE("INSERT INTO settings VALUES (2,'smtp_password','" STRONG "');", "pass", 0);
    /* A name first in the row reads as a call's argument (not strict). */
    t = "INSERT INTO settings VALUES ('smtp_password', '" STRONG "');";
    EXPECT(t, "pass", 0, "smtp_password", STRONG, '\'', "call-argument");
    assert_true(find_n(t, strlen(t), "pass", 0, &a, NULL));
    assert_false(a.strict);
    /* The value column must be a string. */
    REFUSE("INSERT INTO settings VALUES (2,'smtp_password',NULL);", "pass", 0);
}

static void test_generic__assign_directives(void **state)
{
    (void)state;
    EXPECT("bind 127.0.0.1\nrequirepass " STRONG "\n", "pass", 0, "requirepass", STRONG, 0,
           "directive");
    EXPECT("  requirepass \"" STRONG "\"\n", "pass", 0, "requirepass", STRONG, '"', "directive");
    EXPECT("rootpw {SSHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\n", "rootpw", 0, "rootpw",
           "{SSHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=", 0, "directive");
    EXPECT("masterauth " TOKEN "\n", "auth", 0, "masterauth", TOKEN, 0, "directive");
    assert_int_equal(class_of("masterauth " TOKEN "\n", "auth", 0), KS_KEY_CLASS_SECRET);
    /* Several words: a directive (Apache, OpenLDAP). */
    EXPECT("AuthLDAPBindPassword \"" STRONG "\"\n", "Pass", 0, "AuthLDAPBindPassword", STRONG, '"',
           "directive");
    EXPECT("olcRootPW " STRONG "\n", "PW", 0, "olcRootPW", STRONG, 0, "directive");
    /* In documentation only the known directive words count... */
    EXPECT("requirepass " STRONG "\n", "pass", KS_SCAN_DOCS, "requirepass", STRONG, 0, "directive");
    REFUSE("AuthLDAPBindPassword " STRONG "\n", "Pass", KS_SCAN_DOCS);
    /* ...and in code none do. */
    REFUSE("requirepass " STRONG "\n", "pass", KS_SCAN_CODE);
    /* One word that begins a sentence is no directive. */
    REFUSE("Password " STRONG "\n", "Pass", 0);
    REFUSE("Password is required here\n", "Pass", 0);
    REFUSE("requirepass foo bar\n", "pass", 0);
    /* A blank before the operator does not make a name a directive: the
     * operator is not part of the value. */
    EXPECT("DB_PASSWORD =" STRONG "\n", "PASS", 0, "DB_PASSWORD", STRONG, 0, "assignment");
    EXPECT("db_password :" STRONG "\n", "pass", 0, "db_password", STRONG, 0, "mapping");
    EXPECT("DB_PASSWORD = " STRONG "\n", "PASS", 0, "DB_PASSWORD", STRONG, 0, "assignment");
}

static void test_generic__assign_query_parameters(void **state)
{
    (void)state;
    EXPECT("curl 'https://api.example.com/v1/items?api_key=" TOKEN "&format=json'", "api_key", 0,
           "api_key", TOKEN, 0, "query-parameter");
    EXPECT("GET /login?user=bob&password=" STRONG "&next=/ HTTP/1.1", "pass", 0, "password", STRONG,
           0, "query-parameter");
    EXPECT("https://h/x?token=" TOKEN, "token", 0, "token", TOKEN, 0, "query-parameter");
}

static void test_generic__assign_not_a_value(void **state)
{
    (void)state;
    /* A keyword in prose, a name without a value, a name class NONE. */
    REFUSE("Enter your password and press enter.", "pass", 0);
    REFUSE("password_hint = \"" STRONG "\"", "pass", 0);
    REFUSE("tokenizer = \"" TOKEN "\"", "token", 0);
    REFUSE("access_key_id = \"" TOKEN "\"", "key", 0);
    REFUSE("password:\n  " STRONG "\n", "pass", 0);
    REFUSE("password = \n" STRONG "\n", "pass", 0);
    /* A reference is found (and judged NONE later), a call is not. */
    REFUSE("password = \"${DB_PASSWORD}\"", "pass", 0);
    REFUSE("password = config.get('db_password')", "pass", 0);
    REFUSE("password = config.get('db_password')", "pass", KS_SCAN_CODE);
}

/* ------------------------------------------------------------------------ */
/* False alarms on real material (tests/bench/fp_scan.py), by cause         */

static void test_generic__classify_refused_and_glued_names(void **state)
{
    (void)state;
    /* One word that says the password is made to be refused, like the
     * multi-word names (bad_password, WRONG_PASS) already were. */
    const char *const none[] = {"badpassword", "BADPASS", "wrongpasswd", "invalidtoken",
                                "incorrectpassphrase", "goxPWD", "dPWD", "getpassword",
                                "passString", "REGSTR_VAL_SHARES_RW_PASS"};
    EXPECT_CLASSES(none, KS_KEY_CLASS_NONE);
    /* ...but not names that only start with the letters, and $PWD stays a
     * password where a separator or another spelling says so. */
    const char *const pw[] = {"badgepassword", "DB_PWD", "dbPwd", "oldpassword"};
    EXPECT_CLASSES(pw, KS_KEY_CLASS_PASSWORD);
}

static void test_generic__judge_percent_encoded(void **state)
{
    (void)state;
    /* URL parser test vectors: percent-encoded UTF-8 and control bytes. */
    const char *const bytes[] = {"%F0%9F%92%A9", "%c3%89t%C3%A9", "%EF%BF%BDnode"};
    NONE_LIST(KS_KEY_CLASS_PASSWORD, bytes, '"');
    /* The decoding is judged: prose, a prompt, a placeholder. */
    NOT_SECRET(KS_KEY_CLASS_PASSWORD, "pass%20pass", '"');
    NOT_SECRET(KS_KEY_CLASS_PASSWORD, "pass%3A", '"');
    /* A weak decoding: reported in code and configuration, an example of
     * the encoding in documentation and tests. */
    JUDGE(KS_KEY_CLASS_PASSWORD, "g%5Eod", '"', 0, KS_VERDICT_WEAK, KS_CONF_MEDIUM);
    JUDGE(KS_KEY_CLASS_PASSWORD, "g%5Eod", '"', KS_SCAN_TESTS, KS_VERDICT_NONE, KS_CONF_LOW);
    JUDGE(KS_KEY_CLASS_PASSWORD, "foo%40bar", '"', KS_SCAN_DOCS, KS_VERDICT_NONE, KS_CONF_LOW);
    /* A strong password percent-encoded for a URL stays a finding, in
     * tests too. */
    JUDGE(KS_KEY_CLASS_PASSWORD, "z2%2BoEHI7y%40%2F", '"', 0, KS_VERDICT_SECRET, KS_CONF_HIGH);
    JUDGE(KS_KEY_CLASS_PASSWORD, "Tz4%21kWq8Rm2x", '"', KS_SCAN_TESTS, KS_VERDICT_SECRET,
          KS_CONF_LOW);
}

static void test_generic__judge_hex_test_vectors(void **state)
{
    (void)state;
    /* A password's bytes in hex: 'pass\0word', a BMPString, "password"
     * after OpenSSL's hexpass: prefix. */
    const char *const text[] = {"7061737300776f7264", "0073006D006500670000",
                                "hexpass:70617373776f7264", "007100750065006500670000"};
    NONE_LIST(KS_KEY_CLASS_PASSWORD, text, 0);
    /* Hex of random bytes under a password name (an LM or NT hash) stays. */
    JUDGE(KS_KEY_CLASS_PASSWORD, "193130B61A7F81C0AAD3B435B51404EE", 0, KS_SCAN_TESTS,
          KS_VERDICT_SECRET, KS_CONF_LOW);
    /* In tests, hex under a secret name is an algorithm's test vector (a
     * KDF secret, a shared secret, a session key), and so is a GUID;
     * elsewhere it is a key. */
    const char *const hex = "bded7fa5c1699c010be23dd06ada3a48349f21e5f86263d512c0c5cc379f0e78";
    JUDGE(KS_KEY_CLASS_SECRET, hex, 0, 0, KS_VERDICT_SECRET, KS_CONF_MEDIUM);
    JUDGE(KS_KEY_CLASS_SECRET, hex, 0, KS_SCAN_DOCS, KS_VERDICT_SECRET, KS_CONF_LOW);
    JUDGE(KS_KEY_CLASS_SECRET, hex, 0, KS_SCAN_TESTS, KS_VERDICT_NONE, KS_CONF_LOW);
    JUDGE(KS_KEY_CLASS_SECRET, "hexsecret:000102030405060708090a0b0c0d0e0f10111213", 0,
          KS_SCAN_TESTS, KS_VERDICT_NONE, KS_CONF_LOW);
    JUDGE(KS_KEY_CLASS_SECRET, "3f373ea8e4af954f14faa506f8eebdc4", '"', KS_SCAN_TESTS,
          KS_VERDICT_NONE, KS_CONF_LOW);
    JUDGE(KS_KEY_CLASS_SECRET, "37185d02-e055-11e7-80c1-9a214cf093ae", '"', KS_SCAN_TESTS,
          KS_VERDICT_NONE, KS_CONF_LOW);
    /* A test's base64 key is not a vector of hex digits: still reported. */
    JUDGE(KS_KEY_CLASS_SECRET, "iMSM9eeXliDZHSBJZO71R98tfeW/+87VXTpk5chGd6Y=", '"', KS_SCAN_TESTS,
          KS_VERDICT_SECRET, KS_CONF_LOW);
}

static void test_generic__judge_names_with_digits(void **state)
{
    (void)state;
    /* Words and short numbers joined into a name: a key's or a curve's
     * name, a type union, a storage key, a class name. */
    const char *const names[] = {"BOB_dh2048_different_pg",
                                 "P-256_NAMED_CURVE_EXPLICIT",
                                 "DSA-1024-FIPS186-2",
                                 "JSReceiver|Undefined|Symbol",
                                 "base64webEncodedPrivacyFlowResult",
                                 "oauth2client_4_0.client.OAuth2Credentials",
                                 "gs_oauth2_refresh_token",
                                 "testPrivateCredential-1",
                                 "ASAuthorizationAppleIDProvider"};
    NONE_LIST(KS_KEY_CLASS_SECRET, names, '"');
    /* Generated tokens: long digit runs, or case changes that leave
     * fragments nobody would say. */
    const char *const tokens[] = {"apxsaeRnic12PgUsMeoSUR7PsqngXola", "wbER7576mc_1YOII0dGk7jEE",
                                  "d-FL95Q19q7MQmFpd7hHD0Ty", "ZmssLNjJy2998hD4CTg2ejr2",
                                  "abcdef12345699qwerty"};
    for (size_t i = 0; i < sizeof tokens / sizeof *tokens; i++)
        if (judge(KS_KEY_CLASS_SECRET, tokens[i], '"', 0).verdict != KS_VERDICT_SECRET)
            fail_msg("token '%s' not judged a secret", tokens[i]);
}

static void test_generic__judge_patterns_and_queries(void **state)
{
    (void)state;
    /* A regular expression matches values; a query string lists them. */
    const char *const none[] = {"Credential=(?P<access_key>\\w+)/\\d+/", ".*as.user.*_member",
                                "wbinfo\\(chgdcpass\\)",
                                "&authMechanism=MONGODB-OIDC&authMechanismProperties=ENV:gcp"};
    NONE_LIST(KS_KEY_CLASS_SECRET, none, '\'');
    NONE_LIST(KS_KEY_CLASS_PASSWORD, none, '\'');
    /* A backslash alone does not make a pattern: DOMAIN\user%password. */
    JUDGE(KS_KEY_CLASS_SECRET, "dom2\\testadm2%12345678", '\'', 0, KS_VERDICT_SECRET,
          KS_CONF_MEDIUM);
}

static void test_generic__weak_is_example_in_documentation(void **state)
{
    (void)state;
    /* A manual, a README, a message catalogue: a weak password there is
     * the manual's example. Code under doc/ and tests keep it (a test
     * environment's password is real). */
    assert_true(ks_gen_weak_is_example(KS_SCAN_DOCS));
    assert_false(ks_gen_weak_is_example(KS_SCAN_DOCS | KS_SCAN_TESTS));
    assert_false(ks_gen_weak_is_example(KS_SCAN_DOCS | KS_SCAN_CODE));
    assert_false(ks_gen_weak_is_example(KS_SCAN_TESTS));
    assert_false(ks_gen_weak_is_example(KS_SCAN_CODE | KS_SCAN_TESTS));
    assert_false(ks_gen_weak_is_example(0));
    /* Lines that are examples in any file: a shell prompt's command, and
     * in code a block comment's line. */
    const char *const prompt = "Examples:\n  $ {command} my-db --password=postgres\n";
    const char *const javadoc = "/**\n *     jrs.setPassword(\"sancho\");\n */\n";
    const char *const commented = "# DB_PASSWORD=sancho\n";
    size_t p1 = (size_t)(strstr(prompt, "postgres") - prompt);
    size_t p2 = (size_t)(strstr(javadoc, "sancho") - javadoc);
    assert_true(ks_gen_example_line((const uint8_t *)prompt, strlen(prompt), p1, 0));
    assert_true(
        ks_gen_example_line((const uint8_t *)javadoc, strlen(javadoc), p2, KS_SCAN_CODE));
    assert_false(ks_gen_example_line((const uint8_t *)javadoc, strlen(javadoc), p2, 0));
    assert_false(ks_gen_example_line((const uint8_t *)commented, strlen(commented), 15,
                                     KS_SCAN_CODE));
    assert_false(ks_gen_example_line((const uint8_t *)prompt, strlen(prompt), 0, 0));
}

static void test_generic__judge_addresses_sequences_refusals(void **state)
{
    (void)state;
    /* An anonymous FTP login, a run of the alphabet, a Vim variable, and
     * the words and names that say a value is refused. */
    const char *const none[] = {"nobody@nowhere.com", "ops.bot+ci@acme-orders.example",
                                "a:2", "s:netrw_passwd", "invalid", "ignored", "doesnotexist",
                                "badpass", "bad-password", "badpw", "your@login"};
    NONE_LIST(KS_KEY_CLASS_PASSWORD, none, '"');
    /* A run of the alphabet is a weak password however long, and never a
     * machine-made secret. */
    const char *const runs[] = {"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
                                "abcdefghij", "abcdefghijklmnopqrst"};
    for (size_t i = 0; i < sizeof runs / sizeof *runs; i++) {
        JUDGE(KS_KEY_CLASS_PASSWORD, runs[i], '"', 0, KS_VERDICT_WEAK, KS_CONF_MEDIUM);
        NOT_SECRET(KS_KEY_CLASS_SECRET, runs[i], '"');
    }
    /* ...but a password with an @ or a short run in it stays, and so does
     * "wrong" (the corpus's test value: a weak password). */
    JUDGE(KS_KEY_CLASS_PASSWORD, "Kq7@pL2x!Wm9", '"', 0, KS_VERDICT_SECRET, KS_CONF_HIGH);
    JUDGE(KS_KEY_CLASS_PASSWORD, "abc123", '"', 0, KS_VERDICT_WEAK, KS_CONF_MEDIUM);
    JUDGE(KS_KEY_CLASS_PASSWORD, "wrong", '"', 0, KS_VERDICT_WEAK, KS_CONF_MEDIUM);
    /* Acronyms count as words of a name; a hexsecret: prefix makes any
     * length of hex a test vector in tests. */
    NOT_SECRET(KS_KEY_CLASS_SECRET, "BRAINPOOLP256R1_RFC7027", '"');
    /* Base64 of text with a word in another script is text: its decoding
     * is scanned instead (user:Selam D\u00fcnya.). */
    NOT_SECRET(KS_KEY_CLASS_SECRET, "dXNlcjpTZWxhbSBEw7xueWEu", '"');
    JUDGE(KS_KEY_CLASS_SECRET, "hexsecret:4646779d", 0, KS_SCAN_TESTS, KS_VERDICT_NONE,
          KS_CONF_LOW);
}

static void test_generic__assign_prompts_results_and_hashing(void **state)
{
    (void)state;
    /* A prompt, a name made of words, a result, a hash function's test. */
    REFUSE("Please Enter Password: " STRONG "\n", "Password", 0);
    REFUSE("Next page token: " TOKEN "\n", "token", 0);
    REFUSE("pass = console_attr.Colorizer('PASS', '" STRONG "')", "'PASS", 0);
    REFUSE("new String[] { \"pass\", \"" STRONG "\" }", "\"pass", KS_SCAN_CODE);
    REFUSE("cr = crypt.crypt('mypassword', '" STRONG "')", "mypassword", KS_SCAN_CODE);
    REFUSE("SELECT crypt('longlongpassword', '_J9..j2zz');", "longlongpassword", 0);
    /* OpenSSL's pass phrase argument is read, glued as it is. */
    EXPECT("secret = pass:insta # demo CA", "pass", 0, "pass", "insta", 0, "mapping");
    /* ...and a call that sets one still gives its value. */
    EXPECT("put(\"password\", \"" STRONG "\")", "password", KS_SCAN_CODE, "password", STRONG,
           '"', "call-argument");
}

static void test_generic__assign_manual_pages_and_namespaced_names(void **state)
{
    (void)state;
    /* A manual page's source: its examples configure nothing. */
    const char *const gcloud =
        "\\fB$ gcloud alloydb users create my\\-user \\-\\-password=" STRONG "\n";
    REFUSE(gcloud, "password", KS_SCAN_DOCS);
    REFUSE(".B password = " STRONG "\n", "password", KS_SCAN_DOCS);
    REFUSE("\\& secret = " STRONG "\n", "secret", KS_SCAN_DOCS);
    /* ...outside documentation the same bytes are read */
    EXPECT(gcloud, "password", 0, "password", STRONG, 0, "assignment");
    EXPECT("password = " STRONG "\n", "pass", KS_SCAN_DOCS, "password", STRONG, 0, "assignment");
    /* name:name with no blank: Scheme's passwd:dir, a test's name. */
    REFUSE("(passwd:dir passwd:gid)", "passwd", 0);
    REFUSE("^samba.wbinfo_simple.allocate-uid.wbinfo\\(chgdcpass:local\\)", "pass", 0);
    REFUSE("passwd:files\n", "passwd", 0);
    REFUSE("chkeypass:key+cert\n", "pass", 0);
    EXPECT("pass:" STRONG, "pass", 0, "pass", STRONG, 0, "mapping");
    EXPECT("passwd: files\n", "passwd", 0, "passwd", "files", 0, "mapping");
}

/* ------------------------------------------------------------------------ */
/* Windows, buffer edges and odd bytes                                      */

static void test_generic__hit_outside_window(void **state)
{
    (void)state;
    const char *t = "DB_PASSWORD=" STRONG;
    size_t n = strlen(t);
    uint8_t *b = dup_exact(t, n);
    ks_assignment a;
    /* The hit must lie in (from, to]. */
    assert_false(ks_find_assignment(b, 0, n, 0, 0, &a));
    assert_false(ks_find_assignment(b, 5, n, 5, 0, &a));
    assert_false(ks_find_assignment(b, 0, 10, 11, 0, &a));
    assert_false(ks_find_assignment(b, 0, n, n + 1, 0, &a));
    assert_true(ks_find_assignment(b, 0, n, 7, 0, &a));
    /* A window that cuts the key's head: the key starts at the window. */
    assert_true(ks_find_assignment(b, 3, n, 7, 0, &a));
    assert_int_equal(a.kstart, 3);
    assert_int_equal(a.kend, 11);
    assert_int_equal(a.cls, KS_KEY_CLASS_PASSWORD);
    /* ...down to a key that no longer names a password ("WORD"). */
    assert_false(ks_find_assignment(b, 7, n, 9, 0, &a));
    free(b);
}

static void test_generic__keyword_at_buffer_edges(void **state)
{
    (void)state;
    /* At the very start. */
    EXPECT("password=" STRONG, "pass", 0, "password", STRONG, 0, "assignment");
    EXPECT("pass:" STRONG, "pass", 0, "pass", STRONG, 0, "mapping");
    /* At the very end, with no value or half a form after it. */
    const char *const ends[] = {"x = 1\nDB_PASSWORD",
                                "DB_PASSWORD=",
                                "DB_PASSWORD:",
                                "DB_PASSWORD = \"",
                                "DB_PASSWORD = '" STRONG,
                                "<password>",
                                "<password>" STRONG,
                                "${DB_PASSWORD",
                                "${DB_PASSWORD:-",
                                "${DB_PASSWORD:-" STRONG,
                                "set \"DB_PASSWORD=",
                                "- name: DB_PASSWORD",
                                "- name: DB_PASSWORD\n",
                                "- name: DB_PASSWORD\n  value:",
                                "variable \"db_password\" {\n  default = ",
                                "#define DB_PASSWORD",
                                "#define DB_PASSWORD \"" STRONG,
                                "requirepass",
                                "requirepass ",
                                "ENV DB_PASSWORD",
                                "ds.setPassword(",
                                "ds.setPassword(\"" STRONG,
                                "{\"name\": \"DB_PASSWORD\",",
                                "<add key=\"SmtpPassword\"",
                                "user, pass := ",
                                "user, pass := \"admin\", ",
                                "password: str =",
                                "os.environ[\"DB_PASSWORD\"]",
                                "getenv(\"DB_PASSWORD\") or ",
                                "$pw = ConvertTo-SecureString \"" STRONG,
                                "char pw[32",
                                "x?password="};
    for (size_t i = 0; i < sizeof ends / sizeof *ends; i++) {
        const char *kw = strstr(ends[i], "PASS")   ? "PASS"
                         : strstr(ends[i], "Pass") ? "Pass"
                         : strstr(ends[i], "pass") ? "pass"
                                                   : "pw";
        expect_no_assignment_n(__LINE__, ends[i], strlen(ends[i]), kw, 0);
        expect_no_assignment_n(__LINE__, ends[i], strlen(ends[i]), kw, KS_SCAN_CODE);
    }
}

static void test_generic__window_cuts_value(void **state)
{
    (void)state;
    /* A bare value ends where the window does. */
    const char *t = "DB_PASSWORD=" STRONG "\n";
    uint8_t *b = dup_exact(t, strlen(t));
    ks_assignment a;
    assert_true(ks_find_assignment(b, 0, 18, 7, 0, &a));
    assert_int_equal(a.vstart, 12);
    assert_int_equal(a.vend, 18);
    assert_int_equal(a.end, 18);
    free(b);
    /* A quoted one must close inside it. */
    t = "DB_PASSWORD=\"" STRONG "\"\n";
    b = dup_exact(t, strlen(t));
    assert_false(ks_find_assignment(b, 0, strlen(t) - 2, 7, 0, &a));
    assert_true(ks_find_assignment(b, 0, strlen(t) - 1, 7, 0, &a));
    assert_int_equal(a.end, strlen(t) - 1);
    free(b);
    /* The Kubernetes value line outside the window. */
    t = "- name: DB_PASSWORD\n  value: " STRONG "\n";
    b = dup_exact(t, strlen(t));
    assert_false(ks_find_assignment(b, 0, 20, 12, 0, &a));
    assert_true(ks_find_assignment(b, 0, strlen(t), 12, 0, &a));
    free(b);
}

static void test_generic__long_values(void **state)
{
    (void)state;
    /* A 300-byte string literal is found (and judged too long). */
    char v[301];
    for (size_t i = 0; i < 300; i++)
        v[i] = KEY32[(i * 7) % 32];
    v[300] = '\0';
    char t[400];
    snprintf(t, sizeof t, "password = \"%s\"", v);
    ks_assignment a;
    uint8_t *b;
    assert_true(find_n(t, strlen(t), "pass", KS_SCAN_CODE, &a, &b));
    assert_int_equal(a.vend - a.vstart, 300);
    ks_judgement j = ks_judge_value(a.cls, b + a.vstart, a.vend - a.vstart, a.quote, 0);
    assert_int_equal(j.verdict, KS_VERDICT_NONE);
    free(b);
    /* XML text and ${K:-v} defaults stop looking after 256 bytes or so. */
    snprintf(t, sizeof t, "<password>%s</password>", v);
    REFUSE(t, "pass", 0);
    snprintf(t, sizeof t, "${DB_PASSWORD:-%s}", v);
    REFUSE(t, "PASS", 0);
    /* A 255-byte default is read. */
    snprintf(t, sizeof t, "${DB_PASSWORD:-%.255s}", v);
    assert_true(find_n(t, strlen(t), "PASS", 0, &a, NULL));
    assert_int_equal(a.vend - a.vstart, 255);
}

static void test_generic__long_lines_and_keys(void **state)
{
    (void)state;
    /* Blanks without end between key, operator and value. */
    size_t pad = 5000;
    size_t n = 8 + pad + 2 + strlen(STRONG) + 2;
    char *t = malloc(n + 1);
    assert_non_null(t);
    memcpy(t, "password", 8);
    memset(t + 8, ' ', pad);
    snprintf(t + 8 + pad, n + 1 - 8 - pad, "= \"%s\"", STRONG);
    ks_assignment a;
    assert_true(find_n(t, n, "pass", 0, &a, NULL));
    span_is(__LINE__, "value", t, a.vstart, a.vend, STRONG, strlen(STRONG));
    free(t);
    /* A key longer than the reach around the keyword: cut, still named. */
    char k[512];
    memset(k, 'x', 300);
    snprintf(k + 300, sizeof k - 300, "_password=%s", STRONG);
    assert_true(find_n(k, strlen(k), "pass", 0, &a, NULL));
    assert_true(a.kend - a.kstart < 300);
    assert_int_equal(a.kend, 309);
    assert_int_equal(a.cls, KS_KEY_CLASS_PASSWORD);
    span_is(__LINE__, "value", k, a.vstart, a.vend, STRONG, strlen(STRONG));
    /* A long line of keywords and operators. */
    size_t reps = 2000;
    char *l = malloc(reps * 11 + 1);
    assert_non_null(l);
    for (size_t i = 0; i < reps; i++)
        memcpy(l + i * 11, "password:= ", 11);
    l[reps * 11] = '\0';
    uint8_t *b = dup_exact(l, reps * 11);
    for (size_t i = 0; i < reps; i += 97)
        (void)ks_find_assignment(b, 0, reps * 11, i * 11 + 4, 0, &a);
    free(b);
    free(l);
}

static void test_generic__nul_bytes(void **state)
{
    (void)state;
    /* NUL is a byte like another: inside a literal and in a bare word. */
    static const char t1[] = "password = \"Zk3q\0T9fW2xLm\"";
    expect_assignment_n(__LINE__, t1, sizeof t1 - 1, "pass", KS_SCAN_CODE, "password",
                        "Zk3q\0T9fW2xLm", 13, '"', "assignment");
    static const char t2[] = "DB_PASSWORD=Zk3q\0rest";
    expect_assignment_n(__LINE__, t2, sizeof t2 - 1, "PASS", 0, "DB_PASSWORD", "Zk3q\0rest", 9, 0,
                        "assignment");
    /* NUL ends a key and is no operator. */
    static const char t3[] = "\0password\0= \"Zk3qT9fW2xLm\"";
    expect_no_assignment_n(__LINE__, t3, sizeof t3 - 1, "pass", 0);
    static const char t4[] = "\0password = \"Zk3qT9fW2xLm\"\0";
    expect_assignment_n(__LINE__, t4, sizeof t4 - 1, "pass", 0, "password", STRONG, 12, '"',
                        "assignment");
    static const char t5[] = "<password>Zk3q\0T9</password>";
    expect_assignment_n(__LINE__, t5, sizeof t5 - 1, "pass", 0, "password", "Zk3q\0T9", 7, '<',
                        "xml-element");
}

static void test_generic__crlf(void **state)
{
    (void)state;
    EXPECT("DB_PASSWORD=" STRONG "\r\nOTHER=1\r\n", "PASS", 0, "DB_PASSWORD", STRONG, 0,
           "assignment");
    EXPECT("db:\r\n  password: " STRONG "\r\n", "pass", 0, "password", STRONG, 0, "mapping");
    EXPECT("requirepass " STRONG "\r\n", "pass", 0, "requirepass", STRONG, 0, "directive");
    EXPECT("ENV DB_PASSWORD " STRONG "\r\n", "PASS", 0, "DB_PASSWORD", STRONG, 0, "dockerfile-env");
    EXPECT("- name: DB_PASSWORD\r\n  value: " STRONG "\r\n", "PASS", 0, "DB_PASSWORD", STRONG, 0,
           "k8s-env");
    EXPECT("x=1\r\n#define DB_PASSWORD \"" STRONG "\"\r\n", "PASS", KS_SCAN_CODE, "DB_PASSWORD",
           STRONG, '"', "define");
    /* A value does not run over a line end. */
    REFUSE("password:\r\n  " STRONG "\r\n", "pass", 0);
}

static void test_generic__invalid_utf8(void **state)
{
    (void)state;
    EXPECT("password = \"\xc3\x28\xff\xfeZk3q\"", "pass", 0, "password", "\xc3\x28\xff\xfeZk3q",
           '"', "assignment");
    EXPECT("\xff\xfe"
           "DB_PASSWORD=" STRONG,
           "PASS", 0, "DB_PASSWORD", STRONG, 0, "assignment");
    EXPECT("<password>\x80\x81" STRONG "</password>", "pass", 0, "password", "\x80\x81" STRONG, '<',
           "xml-element");
    /* A byte outside ASCII ends the key: "pass" before it, no operator after. */
    REFUSE("pass\xffword = \"" STRONG "\"", "pass", 0);
}

/* A mapping with an inaccessible page on each side of a data area. */
typedef struct guarded {
    uint8_t *map, *data;
    size_t maplen, datalen;
} guarded;

static void guarded_init(guarded *g, size_t datalen)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    g->datalen = (datalen + page - 1) / page * page;
    g->maplen = g->datalen + 2 * page;
    g->map = mmap(NULL, g->maplen, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(g->map != MAP_FAILED);
    g->data = g->map + page;
    assert_int_equal(mprotect(g->map, page, PROT_NONE), 0);
    assert_int_equal(mprotect(g->data + g->datalen, page, PROT_NONE), 0);
}

/* Looks for the assignment with text[from, to) placed against the front
 * guard (at_end false) or the back guard (at_end true): d[from, to) are
 * those bytes, and any read outside them faults. */
static bool guarded_find(guarded *g, const char *text, size_t from, size_t to, size_t hit,
                         uint32_t flags, bool at_end, ks_assignment *a)
{
    size_t n = to - from;
    uint8_t *w = at_end ? g->data + g->datalen - n : g->data;
    memcpy(w, text + from, n);
    /* d + from is w; d itself may point into the guard page before it. */
    const uint8_t *d = (const uint8_t *)((uintptr_t)w - from);
    bool r = ks_find_assignment(d, from, to, hit, flags, a);
    if (r) {
        if (a->kstart < from || a->kend > to || a->kstart >= a->kend || a->vstart < from ||
            a->vend > to || a->vstart > a->vend || a->start < from || a->end > to ||
            a->kend > a->vstart || !a->syntax)
            fail_msg("spans outside [%zu, %zu): key [%zu, %zu) value [%zu, %zu) whole [%zu, %zu)"
                     " in: %s",
                     from, to, a->kstart, a->kend, a->vstart, a->vend, a->start, a->end, text);
    }
    return r;
}

static void test_generic__every_window_stays_inside(void **state)
{
    (void)state;
    /* One example of each family; every window around its hit. */
    static const struct {
        const char *text, *kw;
        uint32_t flags;
    } ex[] = {
        {"DB_PASSWORD=" STRONG " psql", "PASS", 0},
        {"export DB_PASSWORD='" STRONG "'", "PASS", 0},
        {"x \"${DB_PASSWORD:-'" STRONG "'}\"", "PASS", 0},
        {"x=${DB_PASSWORD-" STRONG "}", "PASS", 0},
        {"ENV DB_PASSWORD " STRONG, "PASS", 0},
        {"docker run -e DB_PASSWORD=" STRONG " img", "PASS", 0},
        {"db:\n  password: \"" STRONG "\" # c", "pass", 0},
        {"- name: DB_PASSWORD\n  value: " STRONG, "PASS", 0},
        {"- name: \"DB_PASSWORD\"\r\n  value: \"" STRONG "\"", "PASS", 0},
        {"{\"name\": \"DB_PASSWORD\", \"value\": \"" STRONG "\"}", "PASS", 0},
        {"{\"password\": \"" STRONG "\"}", "pass", 0},
        {"password = " STRONG, "pass", 0},
        {"<password>" STRONG "</password>", "pass", 0},
        {"<add key=\"SmtpPassword\" value=\"" STRONG "\"/>", "Pass", 0},
        {"variable \"db_password\" {\n  default = \"" STRONG "\"\n}", "pass", 0},
        {"set \"DB_PASSWORD=" STRONG "\"", "PASS", 0},
        {"$password = ConvertTo-SecureString \"" STRONG "\" -AsPlainText", "pass", KS_SCAN_CODE},
        {"// #define DB_PASSWORD \"" STRONG "\"", "PASS", KS_SCAN_CODE},
        {"static const char pass[32] PROGMEM = \"" STRONG "\";", "pass", KS_SCAN_CODE},
        {"{ {\"password\", \"" STRONG "\"} }", "pass", KS_SCAN_CODE},
        {"password: str = r'" STRONG "'", "pass", KS_SCAN_CODE},
        {"user, pass := \"admin\", \"" STRONG "\"", "pass", KS_SCAN_CODE},
        {"ds.setPassword(\"" STRONG "\");", "Pass", KS_SCAN_CODE},
        {"env::var(\"DB_PASSWORD\").unwrap_or_else(|_| \"" STRONG "\")", "PASS", KS_SCAN_CODE},
        {"os.environ[\"DB_PASSWORD\"] = \"" STRONG "\"", "PASS", KS_SCAN_CODE},
        {"(2,'smtp_password','" STRONG_SYM "')", "pass", 0},
        {"requirepass " STRONG, "pass", 0},
        {"AuthLDAPBindPassword \"" STRONG "\"", "Pass", 0},
        {"/x?user=a&password=" STRONG "&y=1", "pass", 0},
        {"process.env.API_KEY || \"" TOKEN "\"", "API_KEY", KS_SCAN_CODE},
        {"const k = process.env[\"API_KEY\"] ?? \"" TOKEN "\"", "API_KEY", KS_SCAN_CODE},
    };
    guarded g;
    guarded_init(&g, 4096);
    for (size_t i = 0; i < sizeof ex / sizeof *ex; i++) {
        const char *t = ex[i].text;
        size_t n = strlen(t);
        size_t hit = (size_t)(strstr(t, ex[i].kw) - t) + strlen(ex[i].kw);
        ks_assignment full;
        /* The whole text is a finding; a window holding all of it agrees. */
        if (!guarded_find(&g, t, 0, n, hit, ex[i].flags, true, &full))
            fail_msg("no assignment in: %s", t);
        ks_assignment a;
        assert_true(guarded_find(&g, t, 0, n, hit, ex[i].flags, false, &a));
        assert_int_equal(a.kstart, full.kstart);
        assert_int_equal(a.kend, full.kend);
        assert_int_equal(a.vstart, full.vstart);
        assert_int_equal(a.vend, full.vend);
        assert_int_equal(a.quote, full.quote);
        assert_string_equal(a.syntax, full.syntax);
        /* Windows that end anywhere from the hit on, against the back guard;
         * windows that start anywhere before it, against the front guard. */
        for (size_t to = hit; to <= n; to++)
            (void)guarded_find(&g, t, 0, to, hit, ex[i].flags, true, &a);
        for (size_t from = 0; from < hit; from++) {
            (void)guarded_find(&g, t, from, n, hit, ex[i].flags, false, &a);
            (void)guarded_find(&g, t, from, n, hit, ex[i].flags, true, &a);
        }
        /* Both ends at once, around the hit. */
        for (size_t from = 0; from < hit; from += 3)
            for (size_t to = hit; to <= n; to += 5)
                (void)guarded_find(&g, t, from, to, hit, ex[i].flags, true, &a);
        /* And every hit in the text (any keyword may land anywhere). */
        for (size_t h = 1; h <= n; h++) {
            (void)guarded_find(&g, t, 0, n, h, ex[i].flags, true, &a);
            (void)guarded_find(&g, t, 0, n, h, ex[i].flags, false, &a);
        }
    }
    munmap(g.map, g.maplen);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generic__classify_password_words),
        cmocka_unit_test(test_generic__classify_glued_password_names),
        cmocka_unit_test(test_generic__classify_secret_words),
        cmocka_unit_test(test_generic__classify_access_keys),
        cmocka_unit_test(test_generic__classify_public_and_id_keys),
        cmocka_unit_test(test_generic__classify_not_secret_prefixes),
        cmocka_unit_test(test_generic__classify_key_and_salt),
        cmocka_unit_test(test_generic__classify_neutral_words_and_digits),
        cmocka_unit_test(test_generic__classify_directives),
        cmocka_unit_test(test_generic__classify_names_containing_the_word),
        cmocka_unit_test(test_generic__classify_odd_names),
        cmocka_unit_test(test_generic__classify_refused_and_glued_names),
        cmocka_unit_test(test_generic__judge_percent_encoded),
        cmocka_unit_test(test_generic__judge_hex_test_vectors),
        cmocka_unit_test(test_generic__judge_names_with_digits),
        cmocka_unit_test(test_generic__judge_patterns_and_queries),
        cmocka_unit_test(test_generic__weak_is_example_in_documentation),
        cmocka_unit_test(test_generic__assign_manual_pages_and_namespaced_names),
        cmocka_unit_test(test_generic__judge_addresses_sequences_refusals),
        cmocka_unit_test(test_generic__assign_prompts_results_and_hashing),
        cmocka_unit_test(test_generic__judge_references),
        cmocka_unit_test(test_generic__judge_empty_long_and_unnamed),
        cmocka_unit_test(test_generic__judge_booleans_and_lines),
        cmocka_unit_test(test_generic__judge_numbers),
        cmocka_unit_test(test_generic__judge_paths_and_urls),
        cmocka_unit_test(test_generic__judge_type_names_only_bare),
        cmocka_unit_test(test_generic__judge_placeholders),
        cmocka_unit_test(test_generic__judge_prose_and_code_spans),
        cmocka_unit_test(test_generic__judge_identifiers),
        cmocka_unit_test(test_generic__judge_weak_passwords),
        cmocka_unit_test(test_generic__judge_strong_passwords),
        cmocka_unit_test(test_generic__judge_docs_and_tests_lower_confidence),
        cmocka_unit_test(test_generic__judge_secret_class_needs_random),
        cmocka_unit_test(test_generic__judge_key_class_needs_plain_randomness),
        cmocka_unit_test(test_generic__judge_encoded_text),
        cmocka_unit_test(test_generic__judge_hashes),
        cmocka_unit_test(test_generic__assign_shell),
        cmocka_unit_test(test_generic__assign_shell_default),
        cmocka_unit_test(test_generic__assign_dotenv),
        cmocka_unit_test(test_generic__assign_dockerfile_env),
        cmocka_unit_test(test_generic__assign_yaml),
        cmocka_unit_test(test_generic__assign_kubernetes_env),
        cmocka_unit_test(test_generic__assign_json),
        cmocka_unit_test(test_generic__assign_ini_toml),
        cmocka_unit_test(test_generic__assign_xml),
        cmocka_unit_test(test_generic__assign_terraform),
        cmocka_unit_test(test_generic__assign_batch_and_powershell),
        cmocka_unit_test(test_generic__assign_c),
        cmocka_unit_test(test_generic__assign_python),
        cmocka_unit_test(test_generic__assign_javascript),
        cmocka_unit_test(test_generic__assign_go_multi),
        cmocka_unit_test(test_generic__assign_java_setters),
        cmocka_unit_test(test_generic__assign_rust),
        cmocka_unit_test(test_generic__assign_php_ruby),
        cmocka_unit_test(test_generic__assign_sql_rows),
        cmocka_unit_test(test_generic__assign_directives),
        cmocka_unit_test(test_generic__assign_query_parameters),
        cmocka_unit_test(test_generic__assign_not_a_value),
        cmocka_unit_test(test_generic__hit_outside_window),
        cmocka_unit_test(test_generic__keyword_at_buffer_edges),
        cmocka_unit_test(test_generic__window_cuts_value),
        cmocka_unit_test(test_generic__long_values),
        cmocka_unit_test(test_generic__long_lines_and_keys),
        cmocka_unit_test(test_generic__nul_bytes),
        cmocka_unit_test(test_generic__crlf),
        cmocka_unit_test(test_generic__invalid_utf8),
        cmocka_unit_test(test_generic__every_window_stays_inside),
    };
    return cmocka_run_group_tests_name("generic", tests, NULL, NULL);
}
