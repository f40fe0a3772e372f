/*
 * generic.c - credentials found by context (see generic.h).
 *
 * DESIGN
 * Three small steps, each testable on its own:
 *   1. the key: the identifier around the keyword, split into words; its
 *      last word (after dropping digits and neutral words such as
 *      "confirmation") decides whether it names a password or a secret;
 *   2. the syntax (assign.c): what stands around the key says where its value is
 *      (after = : := => ?=, in <key>..</key>, in key="..", as the first
 *      argument of a setter, as the next argument after a quoted key, on
 *      the `value:` line under `- name: KEY`, in ${KEY:-..}, after
 *      #define KEY, ...), and the value is read as a string literal or,
 *      outside code, as one bare token;
 *   3. the value: references, calls, identifiers, placeholders, types,
 *      paths and prose are not secrets; what is left is judged by its
 *      strength (weak passwords are a finding of their own).
 * Lines are the unit: apart from the two documented multi-line forms
 * (Kubernetes env lists, Terraform variable defaults) a value is on its
 * key's line, so a keyword in prose never reaches a value lines away.
 */
#include "generic.h"
#include "generic_text.h"

#include "engine.h"
#include "validate.h"

#include "../core/decode.h"

#include <string.h>

/* ------------------------------------------------------------------------ */
/* 1. The key                                                                */

/* Split an identifier into words at _ - . : and camelCase (dbPassword,
 * DBPassword, db_password, DB-PASSWORD). Returns the number of words
 * (at most `max`, the last ones). */
size_t ks_gen_split_words(const uint8_t *k, size_t n, word *w, size_t max)
{
    size_t nw = 0, start = 0;
    for (size_t i = 0; i <= n; i++) {
        bool cut = i == n || !is_alpha(k[i]) || is_digit(k[i]);
        bool camel = !cut && i > start && is_upper(k[i]) &&
                     (is_lower(k[i - 1]) || (i + 1 < n && is_lower(k[i + 1]) && is_upper(k[i - 1])));
        if (cut || camel) {
            if (i > start) {
                if (nw == max) {
                    memmove(w, w + 1, (max - 1) * sizeof *w);
                    nw--;
                }
                w[nw++] = (word){k + start, i - start};
            }
            start = camel ? i : i + 1;
        }
    }
    return nw;
}

static const char *const password_words[] = {"password", "passwd",   "passphrase", "pass",
                                              "pwd",      "pw",       "passcode",   "pswd",
                                              "passwort", "motdepasse", "senha",    "contrasena"};
/* One word that names a secret by itself. */
static const char *const secret_words[] = {
    "secret",     "secrets",      "token",        "apikey",        "apitoken",
    "apisecret",  "secretkey",    "privatekey",    "signingkey",
    "encryptionkey", "masterkey", "clientsecret", "appsecret",     "authtoken",
    "accesstoken",   "refreshtoken", "bearer",    "bearertoken",   "credential",
    "credentials",   "creds",     "auth",         "authkey",       "sharedsecret",
    "hmackey",    "webhooksecret", "sessionkey",  "apipassword",   "secretaccesskey",
};
/* The word before "key" or "token" that makes it a secret (api key). */
static const char *const key_qualifiers[] = {
    "api",    "secret", "private", "signing", "encryption", "master", "app",
    "client", "hmac",   "shared", "session", "auth",    "license",    "service", "admin",
    "bot",    "refresh", "bearer", "oauth",  "jwt",     "webhook",    "deploy",  "crypt",
};
/* Words after the name that do not change what the value is. */
static const char *const neutral_words[] = {
    "confirmation", "confirm", "again", "repeat", "value", "val", "plain", "plaintext",
    "clear", "cleartext", "raw", "str", "string", "literal", "default", "dflt", "env", "var",
    "base", /* secret_key_base (Rails) */
};
/* Words anywhere in a name that make a key or token public by design:
 * publishable keys, browser client keys and tokens, search-only keys. */
static const char *const public_words[] = {"public", "publishable", "pub", "search", "site",
                                           "anon", "anonymous", "readonly"};
/* Words before "key" or "token" (not "secret") that make it an identifier:
 * an access key is the name half of an access key / secret key pair
 * (S3, MinIO), a client key or token is given to browsers. */
static const char *const id_prefixes[] = {"access", "client", "id", "public", "project"};
/* ...and before "token": a client token is given to browsers. */
static const char *const token_id_prefixes[] = {"client", "id", "public"};
/* Words before "token" or "secret" that make it something else. */
static const char *const not_secret_prefixes[] = {
    "page",   "next",   "prev",   "continuation", "cursor", "cancel",  "cancellation",
    "csrf",   "xsrf",   "sync",   "resume",       "lexer",  "parser",  "syntax",
    "end",    "start",  "eof",    "invalid",      "unexpected", "last", "first",
};

/* Configuration directives that take a password (redis.conf, slapd.conf). */
static const char *const password_directives[] = {"requirepass", "rootpw", "masterpassword"};
/* ...and those that take a secret. */
static const char *const secret_directives[] = {"masterauth"};

bool ks_gen_directive(const uint8_t *k, size_t n)
{
    return IN(k, n, password_directives) || IN(k, n, secret_directives);
}

/* English words that end like a password word but are not one. */
static const char *const not_passwords[] = {
    "bypass",   "compass",  "surpass",  "trespass",   "overpass",  "underpass", "encompass",
    "passpass", "askpass",  "getpass",  "minipass",   "multipass", "onepass",   "twopass",
    "firstpass", "secondpass", "surrogatepass", "nopass", "setpass"};
/* Words in a key (not the last) that make it name a condition or a
 * property of a password, not a password: ERROR_WRONG_PASSWORD,
 * GPG_ERR_BAD_PASSPHRASE, NSS_BUFLEN_PASSWD, no_password. */
static const char *const condition_words[] = {
    "error", "err",     "errno",   "errcode", "status", "invalid", "wrong",  "bad",
    "incorrect", "missing", "expired", "expire", "unexpire", "null", "need", "needs",
    "required", "fail",  "failed",  "failure", "mismatch", "empty", "no",    "not",
    "buflen", "len",     "length",  "max",     "min",    "size",   "count",
    /* ...or an element that holds or shows one, not one */
    "name",   "property", "prop",   "attr",    "attribute", "field", "index", "offset",
    "val", /* REGSTR_VAL_SHARES_RW_PASS: the name of a registry value */
    "flag",   "flags",   "mask",    "option",  "opt",    "param",  "parameter", "style",
    "label",  "prompt",  "title",   "caption", "msg",    "message", "event"};

/* One all-capital or all-lower word that ends with a secret word:
 * PGPASSWORD, DBPASS, SLACKTOKEN, apisecret. */
static ks_key_class suffix_class(const word *w)
{
    static const char *const pw_suffixes[] = {"password", "passwd", "passphrase", "pass", "pwd"};
    static const char *const secret_suffixes[] = {"secret", "token", "apikey", "credentials"};
    static const char *const refusals[] = {"bad", "wrong", "invalid", "incorrect", "get"};
    if (w->n < 5 || IN(w->s, w->n, not_passwords))
        return KS_KEY_CLASS_NONE;
    for (size_t i = 0; i < sizeof refusals / sizeof refusals[0]; i++) {
        size_t m = strlen(refusals[i]);
        if (w->n > m && in_list(w->s, m, &refusals[i], 1) &&
            (IN(w->s + m, w->n - m, pw_suffixes) || IN(w->s + m, w->n - m, secret_suffixes)))
            return KS_KEY_CLASS_NONE; /* badpassword, wrongpass: made to be refused;
                                       * getpassword: a getter's or command's name */
    }
    for (size_t i = 0; i < sizeof pw_suffixes / sizeof pw_suffixes[0]; i++) {
        size_t m = strlen(pw_suffixes[i]);
        if (w->n > m + 1 && eq_nocase(w->s + w->n - m, m, pw_suffixes[i]))
            return KS_KEY_CLASS_PASSWORD;
    }
    for (size_t i = 0; i < sizeof secret_suffixes / sizeof secret_suffixes[0]; i++) {
        size_t m = strlen(secret_suffixes[i]);
        if (w->n > m + 1 && eq_nocase(w->s + w->n - m, m, secret_suffixes[i]))
            return KS_KEY_CLASS_SECRET;
    }
    return KS_KEY_CLASS_NONE;
}

/* Configuration directives that take a password (redis.conf, slapd.conf). */

ks_key_class ks_key_classify(const uint8_t *key, size_t n)
{
    if (n == 3 && memcmp(key, "PWD", 3) == 0)
        return KS_KEY_CLASS_NONE; /* $PWD: the shell's working directory (pwd, Pwd= are passwords) */
    if (IN(key, n, password_directives))
        return KS_KEY_CLASS_PASSWORD;
    if (IN(key, n, secret_directives))
        return KS_KEY_CLASS_SECRET;
    word w[6];
    size_t nw = ks_gen_split_words(key, n, w, 6);
    size_t all = nw;
    while (nw > 1 && IN(w[nw - 1].s, w[nw - 1].n, neutral_words))
        nw--;
    if (nw < all && nw == 1 && eq_nocase(w[0].s, w[0].n, "pass"))
        return KS_KEY_CLASS_NONE; /* passString, pass_value: a value passed on */
    if (nw == 0)
        return KS_KEY_CLASS_NONE;
    const word *last = &w[nw - 1], *prev = nw > 1 ? &w[nw - 2] : NULL;
    if (prev && last->n == 3 && memcmp(last->s, "PWD", 3) == 0 && is_lower(last->s[-1]))
        return KS_KEY_CLASS_NONE; /* "...%dPWD=", "goxPWD=": $PWD glued to the strings
                                   * before it in a binary, not a camelCase name */
    const word *prev2 = nw > 2 ? &w[nw - 3] : NULL;
    for (size_t i = 0; i + 1 < nw; i++)
        if (IN(w[i].s, w[i].n, condition_words) ||
            (w[i].n > 5 && eq_nocase(w[i].s + w[i].n - 5, 5, "error")))
            return KS_KEY_CLASS_NONE; /* ...and NZERROR_, KRB5KDCERROR_ */
    if (IN(last->s, last->n, password_words))
        return KS_KEY_CLASS_PASSWORD;
    for (size_t i = 0; i < nw; i++)
        if (IN(w[i].s, w[i].n, public_words))
            return KS_KEY_CLASS_NONE;
    bool is_key = eq_nocase(last->s, last->n, "key");
    if (is_key && prev && IN(prev->s, prev->n, id_prefixes) &&
        !(prev2 && (eq_nocase(prev2->s, prev2->n, "secret") ||
                    eq_nocase(prev2->s, prev2->n, "shared"))))
        return KS_KEY_CLASS_NONE; /* ...but SecretAccessKey, SharedAccessKey are secrets */
    if (is_key && prev && eq_nocase(prev->s, prev->n, "access") && prev2)
        return KS_KEY_CLASS_SECRET;
    if (eq_nocase(last->s, last->n, "token") && prev && IN(prev->s, prev->n, token_id_prefixes))
        return KS_KEY_CLASS_NONE;
    if (IN(last->s, last->n, secret_words))
        return prev && IN(prev->s, prev->n, not_secret_prefixes) ? KS_KEY_CLASS_NONE
                                                                 : KS_KEY_CLASS_SECRET;
    if (prev && (eq_nocase(last->s, last->n, "key") || eq_nocase(last->s, last->n, "token") ||
                 eq_nocase(last->s, last->n, "secret")) &&
        IN(prev->s, prev->n, key_qualifiers))
        return KS_KEY_CLASS_SECRET;
    ks_key_class c = suffix_class(last);
    if (c != KS_KEY_CLASS_NONE)
        return c;
    /* NONCE_KEY, AUTH_SALT: a secret if the value says so. */
    if (prev && (is_key || eq_nocase(last->s, last->n, "salt")))
        return KS_KEY_CLASS_KEY;
    return KS_KEY_CLASS_NONE;
}

/* ------------------------------------------------------------------------ */
/* 3. The value                                                              */

static bool has_char(const uint8_t *s, size_t n, uint8_t c)
{
    return memchr(s, c, n) != NULL;
}

/* ${VAR} $VAR %VAR% {{ x }} %(x)s #{x} @VAR@ __VAR__ <placeholder> ... */
static bool is_reference(const uint8_t *v, size_t n)
{
    if (n >= 2 && v[0] == '$' && (is_digit(v[1]) || (n == 2 && strchr("@*#?!$-", v[1])))) {
        /* $1, $9, $@: a shell script's (or a function's) arguments */
        size_t i = 1;
        while (i < n && is_digit(v[i]))
            i++;
        if (i == n || n == 2)
            return true;
    }
    if (n >= 2 && v[0] == '$' && (v[1] == '{' || v[1] == '(' || is_alpha(v[1]) || v[1] == '_')) {
        /* ...but "$apr1$salt$hash" and "$6$salt$hash" are crypt(5) hashes. */
        size_t i = 1;
        while (i < n && i < 8 && (is_alpha(v[i]) || is_digit(v[i])))
            i++;
        return !(i < n && v[i] == '$' && memchr(v + i + 1, '$', n - i - 1));
    }
    if (n >= 2 && v[0] == '%' && v[n - 1] == '%')
        return true;
    if (n >= 2 && v[0] == '%' && (v[1] == '(' || v[1] == 's' || v[1] == 'd' || is_digit(v[1]) ||
                                  v[1] == '*' || v[1] == '~'))
        return true; /* printf formats, batch arguments (%1, %~dp0) */
    if (n >= 2 && ((v[0] == '<' && v[n - 1] == '>') || (v[0] == '{' && v[n - 1] == '}') ||
                   (v[0] == '[' && v[n - 1] == ']')))
        return true;
    if (n >= 2 && v[0] == '@' && v[n - 1] == '@')
        return true;
    if (n >= 4 && v[0] == '_' && v[1] == '_' && v[n - 1] == '_' && v[n - 2] == '_')
        return true;
    if (n >= 5 && memmem(v, n, "@var{", 5))
        return true; /* Texinfo: @var{password} */
    for (size_t i = 0; i + 3 < n; i++) {
        /* "-U$DOMAIN/$ADMIN_USER%$ADMIN_PASSWORD": a shell variable inside */
        size_t k = i + 1;
        while (k < n && (is_upper(v[k]) || v[k] == '_'))
            k++;
        if (v[i] == '$' && k - i > 3 && (k == n || !is_lower(v[k])))
            return true;
    }
    if (n >= 2 && v[0] == '{' && (is_alpha(v[1]) || v[1] == '_')) {
        size_t i = 1; /* {key_password, cut at its brace by a closing ")" */
        while (i < n && (is_word(v[i]) || v[i] == '.'))
            i++;
        if (i == n || v[i] == '}')
            return true;
    }
    if (memmem(v, n, "{0", 2) || memmem(v, n, "{1", 2))
        return true; /* a message format: '{0} bits' */
    for (size_t i = 0; i + 1 < n; i++) {
        /* a printf format: '(sAMAccountName=%s)', '%m', '%ld', Go's '%+v' */
        if (v[i] != '%')
            continue;
        size_t k = i + 1;
        while (k < n && strchr("-+ #0", v[k]))
            k++;
        while (k < n && (is_digit(v[k]) || v[k] == '.'))
            k++;
        while (k < n && strchr("hlzjtL", v[k]))
            k++;
        bool url_escape = i + 2 < n && is_hex(v[i + 1]) && is_hex(v[i + 2]); /* %5E, %EF */
        if (k < n && strchr("diouxXeEfgGcspnmv", v[k]) && !url_escape)
            return true;
    }
    static const char *const marks[] = {"${", "{{", "{%", "#{", "%(", "$(", "<%"};
    for (size_t i = 0; i < sizeof marks / sizeof marks[0]; i++)
        if (n >= 2 && memmem(v, n, marks[i], 2))
            return true;
    return false;
}

/* The words users write instead of a secret. */
static const char *const placeholders[] = {
    "changeme", "change_me", "change-me", "secret", "password", "passwd", "pass",
    "token", "apikey", "api_key", "example", "dummy", "sample", "placeholder", "redacted",
    "todo", "fixme", "tbd", "none", "null", "nil", "undefined", "empty", "unused", "notset",
    "not_set", "n/a", "na", "foo", "bar", "foobar", "xxx", "yyy", "abc",
    "secret_key", "secretkey", "mysecret", "my-secret", "mypassword", "your_password",
    "your-password", "yourpassword", "your_token", "your-token", "your_api_key", "your-api-key",
    "required", "optional", "hidden", "masked", "removed", "omitted", "<redacted>", "*",
    "value", "pwd", "blah", "missing", "unknown",
    /* values that say they are not valid: a test's refused input */
    "invalid", "ignored", "doesnotexist", "nonexistent",
};
static const char *const booleans[] = {"true",  "false", "yes", "no", "on", "off",
                                       "enabled", "disabled", "y", "n", "t", "f",
                                       "define", "undef"}; /* Perl's Config.pm */
static const char *const type_names[] = {
    "str",        "string",     "bytes",      "int",      "bool",        "char",
    "secretstr",  "securestring", "password", "optional", "any",         "object",
    "text",       "varchar",    "secretbytes", "char*",   "const",       "byte[]",
    "record",
};
/* Common and default passwords: a finding of the weak rule. */
static const char *const weak_passwords[] = {
    "admin",    "administrator", "root",     "toor",     "guest",    "default",  "user",
    "login",    "welcome",       "letmein",  "qwerty",   "qwertyuiop", "asdf",   "abc123",
    "admin123", "admin1234",     "password1", "password123", "passw0rd", "p@ssw0rd", "p@ssword",
    "pa$$word", "123456",        "1234567",  "12345678", "123456789", "1234567890", "111111",
    "000000",   "654321",        "iloveyou", "monkey",   "dragon",   "master",   "sunshine",
    "princess", "football",      "baseball", "trustno1", "raspberry", "ubnt",    "support",
    "service",  "system",        "manager",  "operator", "cisco",    "router",   "1234",
    "12345",    "pi",            "alpine",   "vagrant",  "postgres", "mysql",    "oracle",
    "test",     "testing",       "changeit", "secret1",  "qwerty123", "letmein1",
};

/* A password hash, not the password: {SSHA}.., MySQL *<40 hex>, crypt(3)
 * strings. The hash rules report those. */
static bool looks_like_hash(const uint8_t *v, size_t n)
{
    static const char *const schemes[] = {"{ssha}", "{sha}", "{smd5}", "{md5}", "{crypt}",
                                          "{pbkdf2", "{ssha256}", "{ssha512}", "{argon2"};
    for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++) {
        size_t m = strlen(schemes[i]);
        if (n > m && in_list(v, m, &schemes[i], 1))
            return true;
    }
    if (n == 41 && v[0] == '*') {
        size_t hex = 0;
        for (size_t i = 1; i < n; i++)
            hex += is_digit(v[i]) || (lower(v[i]) >= 'a' && lower(v[i]) <= 'f');
        if (hex == 40)
            return true;
    }
    /* $id$[params$]salt$hash: $1$ $5$ $6$ $2b$ $y$ $argon2id$ ... */
    if (n > 20 && v[0] == '$') {
        size_t dollars = 0;
        for (size_t i = 0; i < n; i++)
            dollars += v[i] == '$';
        return dollars >= 3;
    }
    return false;
}

/* A path, not a secret: /run/secrets/db, ./secret.txt, ~/.pgpass, C:\x. */
static bool looks_like_path(const uint8_t *v, size_t n)
{
    if (n >= 2 && ((v[0] == '.' && v[1] == '/') || (v[0] == '~' && v[1] == '/')))
        return true;
    if (n >= 3 && is_alpha(v[0]) && v[1] == ':' && (v[2] == '\\' || v[2] == '/'))
        return true;
    if (!has_char(v, n, '/') || has_char(v, n, '+') || has_char(v, n, '='))
        return false;
    /* Segments of lower-case words: etc/ssl/private, ld-x86-64/pr24905-x32. */
    size_t upper = 0;
    for (size_t i = 0; i < n; i++)
        if (is_upper(v[i]))
            upper++;
    return v[0] == '/' || upper * 4 < n;
}

/* Prose: several words separated by spaces. */
static bool looks_like_prose(const uint8_t *v, size_t n)
{
    size_t spaces = 0;
    for (size_t i = 0; i < n; i++)
        if (v[i] == ' ')
            spaces++;
    return spaces >= 2;
}

unsigned ks_gen_classes(const uint8_t *v, size_t n)
{
    bool up = false, lo = false, dig = false, sym = false;
    for (size_t i = 0; i < n; i++) {
        up |= is_upper(v[i]);
        lo |= is_lower(v[i]);
        dig |= is_digit(v[i]);
        sym |= !is_alpha(v[i]) && !is_digit(v[i]);
    }
    return (unsigned)up + lo + dig + sym;
}

bool ks_gen_all_digits(const uint8_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_digit(v[i]))
            return false;
    return n > 0;
}

/* Three letters or more without a vowel (y counts). */
static bool no_vowel(const uint8_t *s, size_t n)
{
    if (n < 3)
        return false;
    for (size_t i = 0; i < n; i++)
        if (strchr("aeiouy", lower(s[i])))
            return false;
    return true;
}

/* A segment spelled like the words of an identifier: lower, UPPER,
 * Capital, camelCase or PascalCase, letters only. */
static bool wordy(const uint8_t *s, size_t n)
{
    /* An acronym may end a name (virtualCryptSHA). */
    size_t caps = 0;
    while (caps < n && caps <= 4 && is_upper(s[n - 1 - caps]))
        caps++;
    if (caps > 1 && caps <= 4 && caps < n && is_lower(s[n - 1 - caps]))
        n -= caps;
    size_t up = 0;
    for (size_t k = 0; k < n; k++) {
        if (!is_alpha(s[k]))
            return false;
        up += is_upper(s[k]);
    }
    if (n == 0 || up == n)
        return true;
    size_t i = 0; /* [a-z]* then ([A-Z][a-z]+)* */
    while (i < n && is_lower(s[i]))
        i++;
    size_t unspoken = no_vowel(s, i) ? 1 : 0;
    while (i < n) {
        size_t start = i;
        if (!is_upper(s[i++]))
            return false;
        size_t lo = 0;
        while (i < n && is_lower(s[i]))
            i++, lo++;
        if (lo == 0)
            return false;
        unspoken += no_vowel(s + start, i - start);
    }
    /* Words are spoken: one abbreviation (Ctx, Mgr) passes, but random
     * letters that happen to alternate in case (sXnsLplFbwvqUkGz) hold
     * several "words" with no vowel. */
    return unspoken < 2;
}

/* A name rather than a value: db_password, settings.db.password,
 * adminPassword, smtp-pass, JSReceiver|Undefined (words joined by separators or
 * camelCase). */
static bool identifier_like_sep(const uint8_t *v, size_t n, bool hyphen)
{
    size_t start = 0, parts = 0;
    bool camel = false;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && v[i] != '.' && v[i] != '_' && (v[i] != '-' || !hyphen) && v[i] != ':' &&
            v[i] != '/' && v[i] != '|' && v[i] != ',' && v[i] != '?' && v[i] != '[' &&
            v[i] != ']') {
            camel |= i > 0 && is_upper(v[i]) && is_lower(v[i - 1]);
            continue;
        }
        /* An index between words (labels.0.password, Shards[-1]) names an
         * element. */
        size_t open = start > 1 && v[start - 1] == '-' ? start - 1 : start; /* [-1] */
        bool index = i > start && i < n && open > 0 &&
                     ((v[open - 1] == '.' && v[i] == '.') || (v[open - 1] == '[' && v[i] == ']')) &&
                     (ks_gen_all_digits(v + start, i - start) ||
                      (v[start] == '-' && ks_gen_all_digits(v + start + 1, i - start - 1)));
        if (i > start && !index && !wordy(v + start, i - start))
            return false;
        parts += i > start && !index;
        start = i + 1;
    }
    return parts > 1 || camel;
}

static bool identifier_like(const uint8_t *v, size_t n)
{
    return identifier_like_sep(v, n, true);
}

/* Words and short numbers joined into a name: BOB_dh2048_different_pg,
 * P-256_NAMED_CURVE_EXPLICIT, ref_token_abc123, JSReceiver|Undefined|Symbol,
 * base64webEncodedPrivacyFlowResult, oauth2client_4_0.client.OAuth2Credentials.
 * Runs of letters split into words at camelCase; a word is spoken (it has
 * a vowel) or a short acronym; numbers have at most four digits; and
 * spoken words of three letters or more, two at least, hold two thirds of
 * the letters. A generated token has long digit runs or case changes that
 * leave unspoken fragments (FL95Q19q7MQmFpd, wbER7576mc_1YOII0dGk7jEE). */
static bool name_like(const uint8_t *v, size_t n)
{
    size_t letters = 0, in_words = 0, words = 0, unspoken = 0, seps = 0, short_parts = 0;
    for (size_t i = 0; i < n;) {
        if (is_digit(v[i])) {
            size_t k = i;
            while (k < n && is_digit(v[k]))
                k++;
            if (k - i > 4)
                return false;
            i = k;
            continue;
        }
        if (!is_alpha(v[i])) {
            if (!v[i] || !strchr("._-:|/, ", v[i]))
                return false;
            seps++;
            i++;
            continue;
        }
        /* one word: [A-Z]*[a-z]* with an acronym's last capital left to
         * the word it starts (JSReceiver: JS, Receiver) */
        size_t k = i, up = 0;
        while (k < n && is_upper(v[k]))
            k++, up++;
        if (up > 1 && k < n && is_lower(v[k]))
            k--, up--;
        while (k < n && is_lower(v[k]))
            k++;
        size_t len = k - i;
        bool vowel = false;
        for (size_t m = i; m < k; m++)
            vowel |= strchr("aeiouy", lower(v[m])) != NULL;
        letters += len;
        if ((len >= 3 && vowel) || (len >= 3 && up == len && len <= 5)) {
            words++; /* a spoken word, or an acronym (RFC, SHA, GCM) */
            in_words += len;
        } else if (len >= 3) {
            unspoken++;
        } else if (len < 3 && up != len) {
            short_parts++; /* Pg, Us, dh: a fragment, unless an acronym */
        }
        i = k;
    }
    /* Without a separator only whole words will do: camelCase with
     * digits (base64webEncodedPrivacyFlowResult), where a token's case
     * changes leave fragments (apxsaeRnic12PgUsMeoSUR7PsqngXola). */
    if (!seps && (unspoken || short_parts))
        return false;
    return words >= 2 && unspoken < 2 && in_words * 3 >= letters * 2;
}

/* Does the value look machine-made: long, varied, not words? Hex (and
 * UUIDs) of 32 digits or more; otherwise at least 16 characters with a
 * digit or mixed case, spread over the alphabet (Shannon entropy), and not
 * an identifier spelled as words. */
static bool sequence(const uint8_t *v, size_t n);

bool ks_gen_random_looking(const uint8_t *v, size_t n)
{
    if (n < 16 || has_char(v, n, ' '))
        return false;
    double h = ks_entropy(v, n);
    unsigned c = ks_gen_classes(v, n);
    bool hex = true;
    for (size_t i = 0; i < n && hex; i++)
        hex = is_digit(v[i]) || (lower(v[i]) >= 'a' && lower(v[i]) <= 'f') || v[i] == '-';
    if (hex)
        return n >= 32 && h >= 3.0;
    if (identifier_like(v, n) || wordy(v, n) || name_like(v, n) || sequence(v, n))
        return false;
    return (c >= 3 && h >= 3.5) || (c >= 2 && n >= 20 && h >= 4.0);
}

/* Is the value base64 or hex of text? Then it is not the secret itself:
 * the decoding stage (pipeline/decode.c) scans what it decodes to, in the
 * same context, and reports the secret inside. */
static bool encoded_text(const uint8_t *v, size_t n)
{
    if (n < 16 || n > 256)
        return false;
    uint8_t out[256];
    long dn = -1;
    bool hex = true;
    for (size_t i = 0; i < n && hex; i++)
        hex = is_digit(v[i]) || (lower(v[i]) >= 'a' && lower(v[i]) <= 'f');
    if (hex)
        dn = ks_decode_hex(out, sizeof out, v, n);
    else if (ks_decode_base64(out, sizeof out, v, n, false) < 0)
        dn = ks_decode_base64(out, sizeof out, v, n, true);
    else
        dn = ks_decode_base64(out, sizeof out, v, n, false);
    if (dn <= 0 || (size_t)dn > sizeof out)
        return false;
    /* Text, as a person writes it: printable ASCII with at most a few bytes
     * of UTF-8 (random bytes pass a looser test now and then: 12 random
     * bytes are valid UTF-8 with one stray byte about once in 200). */
    size_t ascii = 0;
    bool utf8 = true; /* every other byte in a whole UTF-8 sequence (D\xc3\xbcnya) */
    for (long i = 0; i < dn; i++) {
        if ((out[i] >= 0x20 && out[i] < 0x7F) || out[i] == '\t' || out[i] == '\n' ||
            out[i] == '\r') {
            ascii++;
            continue;
        }
        long more = out[i] >= 0xC2 && out[i] <= 0xDF ? 1 : out[i] >= 0xE0 && out[i] <= 0xEF ? 2
                    : out[i] >= 0xF0 && out[i] <= 0xF4 ? 3 : -1;
        for (long k = 1; k <= more && utf8; k++)
            utf8 = i + k < dn && (out[i + k] & 0xC0) == 0x80;
        if (more < 0 || !utf8) {
            utf8 = false;
            continue;
        }
        i += more;
    }
    /* ...or text with a few words in another script: the non-ASCII bytes
     * make whole UTF-8 characters, which random bytes seldom do. */
    return (ascii * 10 >= (size_t)dn * 9 || (utf8 && ascii * 10 >= (size_t)dn * 8)) &&
           ks_decoded_worth_scanning(out, (size_t)dn);
}

/* A number that is a constant, not a password: fewer than four digits (a
 * count, an enum value, a flag; a PIN has four), a hex literal (0x1F,
 * Pascal's $1F, a .reg file's dword:0000001F), dotted digits (a version,
 * an OID, an address). */
static bool numeric_constant(const uint8_t *v, size_t n)
{
    if (ks_gen_all_digits(v, n))
        return n < 4;
    size_t p = 0;
    if (n > 2 && v[0] == '0' && lower(v[1]) == 'x')
        p = 2;
    else if (n > 1 && v[0] == '$')
        p = 1;
    else if (n > 6 && (memcmp(v, "dword:", 6) == 0 || memcmp(v, "qword:", 6) == 0))
        p = 6;
    if (p) {
        size_t i = p;
        while (i < n && is_hex(v[i]))
            i++;
        while (i > p && i < n && strchr("uUlL", v[i]))
            i++; /* 0x0020L */
        return i == n;
    }
    /* A version or a range of versions (1.0, ^7.0.4, ~3.1, >=2.0.0-rc1,
     * v1.2.3), an OID, an address. */
    size_t i = 0;
    while (i < n && strchr("^~<>=v", v[i]))
        i++;
    size_t dots = 0, start = i;
    for (; i < n; i++) {
        if (v[i] == '.')
            dots++;
        else if (!is_digit(v[i]))
            break;
    }
    if (i < n && v[i] == '-' && dots > 0) /* -rc1, -beta.2 */
        for (i++; i < n && (is_alpha(v[i]) || is_digit(v[i]) || v[i] == '.');)
            i++;
    return i == n && dots > 0 && is_digit(v[start]);
}

/* Bytes written as escapes (\x2A\x86, \u5BC6\u7801, \0, %C3%A9): binary
 * data (an OID's DER, a NUL), text in another script (a translated message,
 * the percent-encoded UTF-8 a URL test feeds its parser), not a password
 * someone types. True when escapes make up half the value. */
static bool mostly_escapes(const uint8_t *v, size_t n)
{
    size_t covered = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i] >= 0x80) {
            covered++; /* UTF-8 text of another script: a message */
            continue;
        }
        if (v[i] == '%' && i + 2 < n && is_hex(v[i + 1]) && is_hex(v[i + 2]) &&
            (v[i + 1] >= '8' || v[i + 1] <= '1' || (v[i + 1] == '7' && lower(v[i + 2]) == 'f'))) {
            covered += 3; /* percent-encoded UTF-8 or control bytes: %F0%9F%92%A9, %7F */
            i += 2;
            continue;
        }
        if (v[i] != '\\' || i + 1 == n)
            continue;
        size_t len = 0;
        uint8_t c = v[i + 1];
        if (c == 'x' && i + 3 < n && is_hex(v[i + 2]) && is_hex(v[i + 3]))
            len = 4;
        else if (c == 'u' && i + 5 < n && is_hex(v[i + 2]) && is_hex(v[i + 3]) &&
                 is_hex(v[i + 4]) && is_hex(v[i + 5]))
            len = 6;
        else if (c >= '0' && c <= '7')
            for (len = 1; len < 4 && i + len < n && v[i + len] >= '0' && v[i + len] <= '7';)
                len++;
        else if (c == 'n' || c == 't' || c == 'r')
            len = 2;
        if (len) {
            covered += len;
            i += len - 1;
        }
    }
    return covered * 2 >= n;
}

/* A prompt or a label: text that ends with a colon ("Password: ",
 * "Printer:"). */
static bool prompt_text(const uint8_t *v, size_t n)
{
    if (n > 0 && (v[0] == ' ' || v[n - 1] == ' '))
        return true; /* ' and ', ' Confirm: ': text around a quote, not a password */
    while (n > 0 && v[n - 1] == ' ')
        n--;
    return n > 1 && v[n - 1] == ':';
}

/* Text formatted for troff (\fI \fR \- \&) or written as markup
 * (STRING</arg>): documentation around a value, not a value. */
static bool formatted_text(const uint8_t *v, size_t n, uint8_t quote)
{
    for (size_t i = 0; i + 1 < n; i++)
        if (v[i] == '\\' && strchr("f-&(*es", v[i + 1]))
            return true;
    for (size_t i = 0; i + 2 < n; i++)
        if (v[i] == 0xe2 && v[i + 1] == 0x80 && v[i + 2] >= 0x98 && v[i + 2] <= 0x9d)
            return true; /* typographic quotes: prose from a manual */
    if (quote)
        return false;
    if (has_char(v, n, '<') || has_char(v, n, '>'))
        return true;
    /* A word that ends a sentence ("updated.", "COMMAND.") */
    size_t i = 0;
    while (i + 1 < n && is_alpha(v[i]))
        i++;
    return n > 2 && i == n - 1 && v[n - 1] == '.';
}

/* A metavariable of a usage text: PASSWORD, STRING, PASSWORT, PW (capital
 * letters, '_' and '-' only). */
static bool metavariable(const uint8_t *v, size_t n)
{
    size_t letters = 0;
    for (size_t i = 0; i < n; i++) {
        if (is_upper(v[i]))
            letters++;
        else if (v[i] != '_' && v[i] != '-')
            return false;
    }
    return letters >= 2;
}

/* Words and spaces only ("key password", "Importiert ein Kennwort",
 * "top secret"): a label or a message; letters may be non-ASCII or \u
 * escapes. A passphrase of words is one a person would not write in
 * code; the long ones (three spaces and more) are prose anyway. */
static bool word_label(const uint8_t *v, size_t n)
{
    bool space = false;
    for (size_t i = 0; i < n; i++) {
        if (v[i] == ' ')
            space = true;
        else if (v[i] == '\\' && i + 5 < n && v[i + 1] == 'u')
            i += 5;
        else if (!is_alpha(v[i]) && v[i] < 0x80 && !strchr("-';,.!?", v[i]))
            return false;
    }
    return space && v[0] != ' ' && v[n - 1] != ' ';
}

/* name(arguments), name[T], name<T>: a call, a function notation
 * (rgb(255, 255, 0)) or a type (list[V1ObjectReference]); and an LDAP
 * filter, (&(objectClass=user)(uid=x)). */
static bool call_notation(const uint8_t *v, size_t n)
{
    if (n > 2 && v[0] == '(' && v[n - 1] == ')' && has_char(v, n, '='))
        return true;
    size_t i = 0;
    while (i < n && (is_word(v[i]) || v[i] == '.'))
        i++;
    if (i == 0 || !is_alpha(v[0]) || i >= n)
        return false;
    return (v[i] == '(' && v[n - 1] == ')') || (v[i] == '[' && v[n - 1] == ']') ||
           (v[i] == '<' && v[n - 1] == '>');
}

/* A list of assignments: name=value inside the value (a query string, a
 * flag's NAME=REF pairs, key=value lists, -Dname=value options). A name is
 * snake_case or UPPER_CASE, after the value's start or a separator (, & ;
 * / : - space), and '=' then something other than padding; two such pairs
 * make a list, and so does one lower-case name of four letters or more.
 * Random secrets (WordPress salts are full of '=' and ',') almost never
 * hold either. */
static bool assignment_list(const uint8_t *v, size_t n)
{
    size_t pairs = 0;
    bool named = false;
    for (size_t i = 1; i + 1 < n; i++) {
        if (v[i] != '=' || v[i + 1] == '=')
            continue;
        size_t k = i, lo = 0, up = 0, other = 0;
        while (k > 0 && (is_word(v[k - 1]) || v[k - 1] == '.' || v[k - 1] == '-')) {
            k--;
            lo += is_lower(v[k]);
            up += is_upper(v[k]);
            other += !is_alpha(v[k]) && v[k] != '_';
        }
        while (k < i && (v[k] == '-' || v[k] == '.')) {
            other--; /* the option's dashes are not the name's */
            k++;
        }
        if (k >= 1 && v[k - 1] == '-' && up == 1 && is_upper(v[k]))
            up = 0; /* -Dname=value */
        if (i - k < 3 || (lo && up) || !is_alpha(v[k]))
            continue;
        if (k > 0 && !strchr(",&;/ :-", v[k - 1]))
            continue;
        pairs++;
        named |= lo >= 4 && !other;
    }
    return pairs >= 2 || named;
}

/* A command-line option (-p, -W, -nodes, --no-password): the flag that
 * asks for a password, not one. */
static bool option_flag(const uint8_t *v, size_t n)
{
    size_t i = v[0] == '-' ? (n > 1 && v[1] == '-' ? 2 : 1) : 0;
    if (i == 0 || i == n)
        return false;
    for (; i < n; i++)
        if (!is_alpha(v[i]) && v[i] != '-')
            return false;
    return true;
}

static bool has_alnum(const uint8_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (is_alpha(v[i]) || is_digit(v[i]) || v[i] >= 0x80)
            return true;
    return false;
}

/* A GUID (bf967a6e-0de6-11d0-a285-00aa003049e2): an identifier, such as a
 * directory schema's attribute id; API tokens shaped like one are left to
 * the secret rules. */
static bool guid(const uint8_t *v, size_t n)
{
    static const size_t dash[] = {8, 13, 18, 23};
    if (n != 36)
        return false;
    for (size_t i = 0, d = 0; i < n; i++) {
        if (d < 4 && i == dash[d]) {
            if (v[i] != '-')
                return false;
            d++;
        } else if (!is_hex(v[i])) {
            return false;
        }
    }
    return true;
}

/* A file name: name.ext with an extension files have (jdk_jks.p12.data,
 * pr28639a.o, server.key). */
static bool file_name(const uint8_t *v, size_t n)
{
    static const char *const exts[] = {
        "txt", "json", "yaml", "yml", "xml",  "pem", "key", "crt", "cer", "der", "p12", "pfx",
        "jks", "data", "conf", "cfg", "ini", "properties", "so", "o", "a", "dll", "exe", "log",
        "csv", "bin", "gz", "zip", "tar", "py", "sh", "js", "c", "h", "java", "html", "db"};
    const uint8_t *dot = NULL;
    for (size_t i = 0; i < n; i++) {
        if (v[i] == '.')
            dot = v + i;
        else if (!is_word(v[i]) && v[i] != '-')
            return false;
    }
    if (!dot || dot == v)
        return false;
    size_t el = (size_t)(v + n - dot - 1);
    return in_list(dot + 1, el, exts, sizeof exts / sizeof exts[0]);
}

/* "Password" in other languages, inside a value: a translated label
 * (Schlüsselkennwort, Ziel-Keystore-Kennwort, nyckellösenord). */
static const char *const password_translations[] = {
    "kennwort", "passwort", "senord", "contrase", "wachtwoord", "salasana", "adgangskode",
    "passord",  "jelsz",    "heslo",  "haslo",    "parola",     "senha",    "motdepasse",
    "mot de passe",
};

static bool translated_label(const uint8_t *v, size_t n)
{
    for (size_t i = 0; i < sizeof password_translations / sizeof password_translations[0]; i++)
        if (ks_contains_nocase(v, n, password_translations[i]))
            return true;
    return false;
}

/* Words inside a value that mark it as an example or a template. */
static const char *const placeholder_marks[] = {
    "example", "xxxx", "****", "....", "\xe2\x80\xa6", "<your", "{your", "your_", "your-",
    "yourkey", "yourtoken", "yourpass", "replace_me", "replace-me", "replaceme", "changeme",
    "change_me", "change-me", "dummy", "placeholder", "redacted", "sample", "insert_",
    "insert-", "<password>", "<secret>", "<token>", "os.environ", "process.env", "getenv",
    "environ[", "...", "fake", "anonymous", "mypass", "badpass", "bad-pass", "bad_pass", "badpw",
    "wrongpass", "wrong-pass", "wrong_pass", "your@",
};

static bool placeholder(const uint8_t *v, size_t n)
{
    if (IN(v, n, placeholders))
        return true;
    for (size_t i = 0; i < sizeof placeholder_marks / sizeof placeholder_marks[0]; i++)
        if (ks_contains_nocase(v, n, placeholder_marks[i]))
            return true;
    size_t same = 1; /* one character repeated: ********, xxxxxxxx */
    for (size_t i = 1; i < n; i++)
        same += v[i] == v[0];
    return same == n && !is_digit(v[0]);
}

/* The hex digits of a value, after an OpenSSL-style "hexpass:",
 * "hexsecret:" or "hexkey:" prefix (the bytes of the value in hex). Sets
 * *hn to their count; false when the rest is not hex digits only. */
static bool hex_digits(const uint8_t *v, size_t n, const uint8_t **h, size_t *hn)
{
    size_t p = 0;
    if (n > 4 && lower(v[0]) == 'h' && lower(v[1]) == 'e' && lower(v[2]) == 'x') {
        size_t i = 3;
        while (i < n && i < 16 && is_alpha(v[i]))
            i++;
        if (i < n && v[i] == ':')
            p = i + 1;
    }
    for (size_t i = p; i < n; i++)
        if (!is_hex(v[i]))
            return false;
    *h = v + p;
    *hn = n - p;
    return *hn > 0;
}

/* Hex of text, NUL bytes allowed: a BMPString ("0073006D006500670000"),
 * a C string with a NUL inside ('pass\0word'), "hexpass:70617373776f7264"
 * ("password"): the way the tests of a KDF or of PKCS#12 write a
 * password's bytes. A person types the text; the hex is a test vector's
 * input (and hex of text is decoded and scanned as text anyway). */
static bool hex_of_text(const uint8_t *v, size_t n)
{
    const uint8_t *h;
    size_t hn;
    uint8_t out[128];
    if (!hex_digits(v, n, &h, &hn) || hn < 12 || hn > 2 * sizeof out)
        return false;
    long dn = ks_decode_hex(out, sizeof out, h, hn);
    if (dn <= 0)
        return false;
    size_t text = 0;
    for (long i = 0; i < dn; i++) {
        if (out[i] >= 0x20 && out[i] < 0x7F)
            text++;
        else if (out[i] != 0)
            return false;
    }
    return text >= 3;
}

/* Sixteen hex digits or more, or any after a "hexsecret:" prefix: in tests,
 * the input or output of an algorithm (a KDF's secret, a key agreement's
 * shared secret, a session key), not a credential anyone configures. */
static bool hex_vector(const uint8_t *v, size_t n)
{
    const uint8_t *h;
    size_t hn;
    return hex_digits(v, n, &h, &hn) && (hn >= 16 || (h > v && hn >= 2));
}

/* A regular expression ('Credential=(?P<access_key>\w+)/', '.*as.user.*',
 * 'wbinfo\(chgdcpass:local\)'): a pattern that matches values, not one. */
static bool regex_text(const uint8_t *v, size_t n)
{
    static const char *const marks[] = {"(?",  "\\d", "\\w",  "\\s", "\\(", "\\)",
                                        "\\.", "\\[", "[^",   ".*",  ".+",  "\\b("};
    size_t hits = 0;
    for (size_t i = 0; i < sizeof marks / sizeof marks[0]; i++) {
        size_t m = strlen(marks[i]);
        for (const uint8_t *p = v, *e = v + n; p + m <= e;) {
            const uint8_t *q = memmem(p, (size_t)(e - p), marks[i], m);
            if (!q)
                break;
            hits++;
            p = q + m;
        }
    }
    return hits >= 2 || (hits == 1 && (memmem(v, n, "(?", 2) || memmem(v, n, "\\(", 2) ||
                                       memmem(v, n, "\\d", 2) || memmem(v, n, "\\w", 2)));
}

/* An e-mail address: the login an anonymous FTP server asks for as a
 * password ('nobody@nowhere.com'), or a user name; not a secret. */
static bool email_address(const uint8_t *v, size_t n)
{
    const uint8_t *at = memchr(v, '@', n);
    if (!at || at == v || memchr(at + 1, '@', (size_t)(v + n - at - 1)))
        return false;
    size_t dots = 0;
    for (size_t i = 0; i < n; i++) {
        if (v + i == at)
            continue;
        if (v[i] == '.')
            dots += v + i > at;
        else if (!is_word(v[i]) && v[i] != '-' && v[i] != '+')
            return false;
    }
    return dots > 0 && v[n - 1] != '.';
}

/* A run through the alphabet or the digits ("ABCDEF...xyz0123456789",
 * "abcdefghij"): a weak password however long, like "123456", and never
 * a machine-made secret. Most neighbours follow each other. */
static bool sequence(const uint8_t *v, size_t n)
{
    if (n < 10)
        return false;
    size_t next = 0;
    for (size_t i = 1; i < n; i++)
        next += v[i] == v[i - 1] + 1;
    return next * 10 >= (n - 1) * 8;
}

/* A Vim script's scoped variable (a:1, a:000, s:netrw_passwd, g:user):
 * a reference. */
static bool vim_variable(const uint8_t *v, size_t n)
{
    if (n < 3 || !strchr("abglstvw", v[0]) || !v[0] || v[1] != ':')
        return false;
    for (size_t i = 2; i < n; i++)
        if (!is_word(v[i]))
            return false;
    return true;
}

/* A percent-encoded value whose decoding is not a secret (a URL's
 * 'pass%20pass' is "pass pass", 'pass%3A' is "pass:"): the decoding is
 * the password, so it is judged; in documentation and tests a weak one
 * ('g%5Eod', 'foo%40bar') is an example of the encoding or a URL parser's
 * test input (a test environment's password is not written encoded).
 * Depth-bounded by the length. */
static bool percent_decoded_not_secret(ks_key_class cls, const uint8_t *v, size_t n,
                                       uint8_t quote, uint32_t flags)
{
    uint8_t out[256];
    bool esc = false;
    for (size_t i = 0; i + 2 < n && !esc; i++)
        esc = v[i] == '%' && is_hex(v[i + 1]) && is_hex(v[i + 2]);
    if (!esc || n > sizeof out)
        return false;
    long dn = ks_decode_percent(out, sizeof out, v, n);
    if (dn <= 0 || (size_t)dn >= n)
        return false;
    ks_verdict d = ks_judge_value(cls, out, (size_t)dn, quote, flags).verdict;
    return d == KS_VERDICT_NONE ||
           (d == KS_VERDICT_WEAK && (flags & (KS_SCAN_DOCS | KS_SCAN_TESTS)));
}

ks_judgement ks_judge_value(ks_key_class cls, const uint8_t *v, size_t n, uint8_t quote,
                            uint32_t flags)
{
    bool quoted = quote != 0;
    ks_judgement j = {KS_VERDICT_NONE, KS_CONF_LOW};
    while (n > 1 && (v[n - 1] == ',' || v[n - 1] == ';'))
        n--; /* password=None, in a signature a pattern read to the comma */
    if (n == 0 || n > 256 || cls == KS_KEY_CLASS_NONE)
        return j;
    if (is_reference(v, n) || IN(v, n, booleans) || has_char(v, n, '\n'))
        return j;
    if (mostly_escapes(v, n) || prompt_text(v, n) || formatted_text(v, n, quote) ||
        word_label(v, n) || call_notation(v, n) || assignment_list(v, n) || option_flag(v, n) ||
        !has_alnum(v, n) || regex_text(v, n) || email_address(v, n) || vim_variable(v, n))
        return j; /* bytes, a prompt, markup, a label, a call, a list of name=value, a flag,
                   * punctuation, a pattern, an address, a Vim variable */
    if ((v[0] == '&' || v[0] == '?') && has_char(v, n, '='))
        return j; /* a query string: &authMechanism=MONGODB-OIDC&... */
    if (hex_of_text(v, n) || ((flags & KS_SCAN_TESTS) && cls != KS_KEY_CLASS_PASSWORD &&
                              (hex_vector(v, n) || guid(v, n))))
        return j; /* a password's bytes in hex; an algorithm's test vector */
    if (percent_decoded_not_secret(cls, v, n, quote, flags))
        return j;
    if (n > 2 && v[0] == '_' && v[n - 1] == '_' && in_list(v + 1, n - 2, placeholders,
                                                             sizeof placeholders / sizeof placeholders[0]))
        return j; /* _null_ */
    if ((!quoted || quote == '`') && IN(v, n, type_names))
        return j;
    if (looks_like_path(v, n) || (n > 8 && memmem(v, n, "://", 3)) || looks_like_hash(v, n) ||
        encoded_text(v, n))
        return j; /* a path; a URL (the URL rules judge its credentials); a hash; encoded text */
    size_t spaces = 0;
    for (size_t i = 0; i < n; i++)
        spaces += v[i] == ' ';
    if (spaces >= 3 || (spaces && quote == '`'))
        return j; /* a sentence, a command in a code span */
    if (cls == KS_KEY_CLASS_SECRET || cls == KS_KEY_CLASS_KEY) {
        if (placeholder(v, n) || !ks_gen_random_looking(v, n))
            return j;
        if (cls == KS_KEY_CLASS_KEY && !(n >= 32 && ks_gen_classes(v, n) >= 3 && ks_entropy(v, n) >= 4.3))
            return j;
        j.verdict = KS_VERDICT_SECRET;
        j.confidence = n >= 32 && ks_entropy(v, n) >= 4.0 ? KS_CONF_HIGH : KS_CONF_MEDIUM;
    } else if (numeric_constant(v, n)) {
        return j;
    } else if (IN(v, n, weak_passwords)) {
        j.verdict = KS_VERDICT_WEAK;
        j.confidence = KS_CONF_MEDIUM;
    } else {
        if (placeholder(v, n) || metavariable(v, n) || identifier_like_sep(v, n, !quoted) ||
            (!quoted && looks_like_prose(v, n)) || guid(v, n) || file_name(v, n) ||
            translated_label(v, n))
            return j;
        bool weak = n < 8 || ks_gen_all_digits(v, n) || (ks_gen_classes(v, n) == 1 && n < 12) ||
                    sequence(v, n);
        j.verdict = weak ? KS_VERDICT_WEAK : KS_VERDICT_SECRET;
        j.confidence = !weak && n >= 12 && ks_gen_classes(v, n) >= 3 ? KS_CONF_HIGH : KS_CONF_MEDIUM;
    }
    if (flags & (KS_SCAN_DOCS | KS_SCAN_TESTS))
        j.confidence = KS_CONF_LOW;
    return j;
}

bool ks_gen_weak_is_example(uint32_t flags)
{
    return (flags & KS_SCAN_DOCS) && !(flags & (KS_SCAN_CODE | KS_SCAN_TESTS));
}

bool ks_gen_example_line(const uint8_t *d, size_t len, size_t pos, uint32_t flags)
{
    if (pos > len)
        return false;
    size_t a = pos;
    while (a > 0 && d[a - 1] != '\n' && pos - a < 4096)
        a--;
    while (a < pos && (d[a] == ' ' || d[a] == '\t'))
        a++;
    if (pos - a >= 2 && d[a] == '$' && d[a + 1] == ' ')
        return true; /* "$ gcloud sql instances create ... --root-password=..." */
    /* " * setPassword(...)" in a block comment of code: API documentation
     * (Javadoc, Doxygen), whose examples show a call */
    return (flags & KS_SCAN_CODE) && pos - a >= 2 && d[a] == '*' &&
           (d[a + 1] == ' ' || d[a + 1] == '\t');
}
