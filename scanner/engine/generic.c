/*
 * generic.c - credentials found by context (see generic.h).
 *
 * DESIGN
 * Three small steps, each testable on its own:
 *   1. the key: the identifier around the keyword, split into words; its
 *      last word (after dropping digits and neutral words such as
 *      "confirmation") decides whether it names a password or a secret;
 *   2. the syntax: what stands around the key says where its value is
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

#include "engine.h"
#include "validate.h"

#include "../core/decode.h"

#include <string.h>

/* ------------------------------------------------------------------------ */
/* Characters                                                                */

static bool is_alpha(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

static bool is_upper(uint8_t c)
{
    return c >= 'A' && c <= 'Z';
}

static bool is_lower(uint8_t c)
{
    return c >= 'a' && c <= 'z';
}

static bool is_hex(uint8_t c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_word(uint8_t c)
{
    return is_alpha(c) || is_digit(c) || c == '_';
}

/* Characters of a key: identifiers, and - . inside names (smtp-password,
 * spring.datasource.password). */
static bool is_keych(uint8_t c)
{
    return is_word(c) || c == '-' || c == '.';
}

static bool is_space(uint8_t c)
{
    return c == ' ' || c == '\t';
}

static uint8_t lower(uint8_t c)
{
    return is_upper(c) ? (uint8_t)(c + 32) : c;
}

static bool eq_nocase(const uint8_t *s, size_t n, const char *w)
{
    size_t m = strlen(w);
    if (m != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (lower(s[i]) != (uint8_t)w[i])
            return false;
    return true;
}

static bool in_list(const uint8_t *s, size_t n, const char *const *list, size_t nlist)
{
    for (size_t i = 0; i < nlist; i++)
        if (eq_nocase(s, n, list[i]))
            return true;
    return false;
}

#define IN(s, n, list) in_list(s, n, list, sizeof list / sizeof list[0])

/* ------------------------------------------------------------------------ */
/* 1. The key                                                                */

typedef struct word {
    const uint8_t *s;
    size_t n;
} word;

/* Split an identifier into words at _ - . : and camelCase (dbPassword,
 * DBPassword, db_password, DB-PASSWORD). Returns the number of words
 * (at most `max`, the last ones). */
static size_t split_words(const uint8_t *k, size_t n, word *w, size_t max)
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

/* English words that end like a password word but are not one. */
static const char *const not_passwords[] = {
    "bypass",   "compass",  "surpass",  "trespass",   "overpass",  "underpass", "encompass",
    "passpass", "askpass",  "getpass",  "minipass",   "multipass", "onepass",   "twopass",
    "firstpass", "secondpass", "surrogatepass", "nopass"};
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
    "flag",   "flags",   "mask",    "option",  "opt",    "param",  "parameter", "style",
    "label",  "prompt",  "title",   "caption", "msg",    "message", "event"};

/* One all-capital or all-lower word that ends with a secret word:
 * PGPASSWORD, DBPASS, SLACKTOKEN, apisecret. */
static ks_key_class suffix_class(const word *w)
{
    static const char *const pw_suffixes[] = {"password", "passwd", "passphrase", "pass", "pwd"};
    static const char *const secret_suffixes[] = {"secret", "token", "apikey", "credentials"};
    if (w->n < 5 || IN(w->s, w->n, not_passwords))
        return KS_KEY_CLASS_NONE;
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
    size_t nw = split_words(key, n, w, 6);
    while (nw > 1 && IN(w[nw - 1].s, w[nw - 1].n, neutral_words))
        nw--;
    if (nw == 0)
        return KS_KEY_CLASS_NONE;
    const word *last = &w[nw - 1], *prev = nw > 1 ? &w[nw - 2] : NULL;
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

static unsigned classes(const uint8_t *v, size_t n)
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

static bool all_digits(const uint8_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_digit(v[i]))
            return false;
    return n > 0;
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
    while (i < n) {
        if (!is_upper(s[i++]))
            return false;
        size_t lo = 0;
        while (i < n && is_lower(s[i]))
            i++, lo++;
        if (lo == 0)
            return false;
    }
    return true;
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
                     (all_digits(v + start, i - start) ||
                      (v[start] == '-' && all_digits(v + start + 1, i - start - 1)));
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

/* Does the value look machine-made: long, varied, not words? Hex (and
 * UUIDs) of 32 digits or more; otherwise at least 16 characters with a
 * digit or mixed case, spread over the alphabet (Shannon entropy), and not
 * an identifier spelled as words. */
static bool random_looking(const uint8_t *v, size_t n)
{
    if (n < 16 || has_char(v, n, ' '))
        return false;
    double h = ks_entropy(v, n);
    unsigned c = classes(v, n);
    bool hex = true;
    for (size_t i = 0; i < n && hex; i++)
        hex = is_digit(v[i]) || (lower(v[i]) >= 'a' && lower(v[i]) <= 'f') || v[i] == '-';
    if (hex)
        return n >= 32 && h >= 3.0;
    if (identifier_like(v, n) || wordy(v, n))
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
    return !(out[0] == 0x30 && dn >= 2 && (out[1] == 0x81 || out[1] == 0x82)) &&
           ks_decoded_worth_scanning(out, (size_t)dn);
}

/* A number that is a constant, not a password: fewer than four digits (a
 * count, an enum value, a flag; a PIN has four), a hex literal (0x1F,
 * Pascal's $1F, a .reg file's dword:0000001F), dotted digits (a version,
 * an OID, an address). */
static bool numeric_constant(const uint8_t *v, size_t n)
{
    if (all_digits(v, n))
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

/* Bytes written as escapes (\x2A\x86, \u5BC6\u7801, \0): binary data (an
 * OID's DER, a NUL) or text in another script (a translated message), not
 * a password someone types. True when escapes make up half the value. */
static bool mostly_escapes(const uint8_t *v, size_t n)
{
    size_t covered = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i] >= 0x80) {
            covered++; /* UTF-8 text of another script: a message */
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
    "environ[", "...", "fake", "anonymous", "mypass",
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
        !has_alnum(v, n))
        return j; /* bytes, a prompt, markup, a label, a call, a list of name=value, a flag,
                   * punctuation */
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
        if (placeholder(v, n) || !random_looking(v, n))
            return j;
        if (cls == KS_KEY_CLASS_KEY && !(n >= 32 && classes(v, n) >= 3 && ks_entropy(v, n) >= 4.3))
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
        bool weak = n < 8 || all_digits(v, n) || (classes(v, n) == 1 && n < 12);
        j.verdict = weak ? KS_VERDICT_WEAK : KS_VERDICT_SECRET;
        j.confidence = !weak && n >= 12 && classes(v, n) >= 3 ? KS_CONF_HIGH : KS_CONF_MEDIUM;
    }
    if (flags & (KS_SCAN_DOCS | KS_SCAN_TESTS))
        j.confidence = KS_CONF_LOW;
    return j;
}

/* ------------------------------------------------------------------------ */
/* 2. The syntax                                                             */

typedef struct scan {
    const uint8_t *d;
    size_t from, to; /* the window */
    uint32_t flags;
    bool query; /* the key is a URL query or form parameter: the value ends at & */
} scan;

static size_t line_start(const scan *s, size_t p)
{
    while (p > s->from && s->d[p - 1] != '\n')
        p--;
    return p;
}

static size_t line_end(const scan *s, size_t p)
{
    while (p < s->to && s->d[p] != '\n' && s->d[p] != '\r')
        p++;
    return p;
}

static size_t skip_spaces(const scan *s, size_t p)
{
    while (p < s->to && is_space(s->d[p]))
        p++;
    return p;
}

static size_t skip_spaces_back(const scan *s, size_t p)
{
    while (p > s->from && is_space(s->d[p - 1]))
        p--;
    return p;
}

static bool at(const scan *s, size_t p, const char *lit)
{
    size_t m = strlen(lit);
    return p + m <= s->to && memcmp(s->d + p, lit, m) == 0;
}

static bool is_quote(uint8_t c)
{
    return c == '"' || c == '\'' || c == '`';
}

typedef struct value {
    size_t start, end;
    uint8_t quote;  /* the quote character of a string literal, 0 when bare */
    bool reference; /* an interpolating string with a reference in it */
} value;

/* A string literal at p (after any Python/C/C# prefix): its contents to the
 * closing quote on the same line. */
static bool string_literal(const scan *s, size_t p, value *v)
{
    const uint8_t *d = s->d;
    bool interp = false, raw = false;
    /* Prefixes: r b u f rb br fr (Python), L u8 u U (C/C++), @ $ (C#). */
    size_t q = p;
    while (q < s->to && q - p < 3 && (is_alpha(d[q]) || d[q] == '8' || d[q] == '@' || d[q] == '$')) {
        if (d[q] == 'f' || d[q] == 'F' || d[q] == '$')
            interp = true;
        if (d[q] == 'r' || d[q] == 'R' || d[q] == '@')
            raw = true;
        q++;
    }
    if (q >= s->to || !is_quote(d[q]) || (q > p && !(q - p <= 3)))
        return false;
    if (q > p) {
        /* a prefix must be one of the known ones, not the tail of a word */
        static const char *const prefixes[] = {"r",  "b",  "u",  "f",  "rb", "br", "fr", "rf",
                                               "l",  "u8", "@",  "$",  "$@", "@$"};
        if (!in_list(d + p, q - p, prefixes, sizeof prefixes / sizeof prefixes[0]))
            return false;
    }
    uint8_t quote = d[q];
    if (q + 2 < s->to && d[q + 1] == quote && d[q + 2] == quote)
        return false; /* triple-quoted: a block of text */
    size_t e = q + 1;
    while (e < s->to && d[e] != quote && d[e] != '\n') {
        if (d[e] == '\\' && !raw && e + 1 < s->to)
            e++;
        e++;
    }
    if (e >= s->to || d[e] != quote)
        return false;
    v->start = q + 1;
    v->end = e;
    v->quote = quote;
    v->reference = interp && memchr(d + q + 1, '{', e - q - 1) != NULL;
    return true;
}

/* The value at p: a string literal, or (outside code) one bare token that
 * ends the line, or a number. */
static bool read_value_ex(const scan *s, size_t p, value *v, bool glued);

static bool read_value(const scan *s, size_t p, value *v)
{
    return read_value_ex(s, p, v, false);
}

/* `glued`: shell style, NAME=value with nothing around '=': the value is
 * one word, whatever follows it on the line (NAME=v cmd, -e NAME=v img). */
static bool read_value_ex(const scan *s, size_t p, value *v, bool glued)
{
    const uint8_t *d = s->d;
    p = skip_spaces(s, p);
    if (p >= s->to || d[p] == '\n' || d[p] == '\r')
        return false;
    memset(v, 0, sizeof *v);
    if (string_literal(s, p, v))
        return true;
    static const char securestring[] = "convertto-securestring";
    if (p + sizeof securestring < s->to &&
        in_list(d + p, sizeof securestring - 1, (const char *const[]){securestring}, 1)) {
        /* PowerShell: ConvertTo-SecureString "v" -AsPlainText */
        size_t q = skip_spaces(s, p + sizeof securestring - 1);
        return string_literal(s, q, v);
    }
    if (d[p] == '|' || d[p] == '>' || d[p] == '&' || d[p] == '*' || d[p] == '!')
        return false; /* YAML block scalars, anchors, aliases, tags */
    size_t e = p;
    while (e < s->to && !is_space(d[e]) && d[e] != '\n' && d[e] != '\r' &&
           !(glued && (is_quote(d[e]) || (s->query && d[e] == '&'))))
        e++;
    size_t end = e;
    /* Punctuation that closes the statement or the structure. */
    while (end > p && (d[end - 1] == ';' || d[end - 1] == ',' || d[end - 1] == ')' ||
                       d[end - 1] == '}' || d[end - 1] == ']'))
        end--;
    if (end == p)
        return false;
    bool number = all_digits(d + p, end - p);
    if ((s->flags & KS_SCAN_CODE) && !number)
        return false; /* an expression: a name, a call, an attribute */
    if (!number && d[e - 1] == ';' && (is_alpha(d[p]) || d[p] == '_' || d[p] == '^')) {
        /* A statement that ends in ';' with a name in it, in a file not
         * known as code (a Pascal or C include, a script in a bundle):
         * FPassword := APassword;  _password: NSString; */
        size_t i = p;
        while (i < end && (is_word(d[i]) || d[i] == '.' || d[i] == '^' || d[i] == '$'))
            i++;
        if (i == end)
            return false;
    }
    size_t commas = 0;
    for (size_t i = p; i < end; i++) {
        if (d[i] == '(' || d[i] == ')' || d[i] == '[' || is_quote(d[i]))
            return false; /* a call, an index, a quoted part: an expression */
        commas += d[i] == ',';
    }
    if (commas >= 2)
        return false; /* the rest of a CSV row or a list, not one value */
    /* Nothing but a comment may follow a bare value: else it is prose. */
    size_t rest = skip_spaces(s, e);
    if (!glued && rest < s->to && d[rest] != '\n' && d[rest] != '\r' && d[rest] != '#' &&
        !at(s, rest, "//") && d[rest] != ';')
        return false;
    v->start = p;
    v->end = end;
    return true;
}

/* The operator after a key, from p: returns where the value starts, or 0.
 * Skips a C array suffix and a type annotation (password: str = "x"). */
static size_t operator_at(const scan *s, size_t p, const char **syntax)
{
    const uint8_t *d = s->d;
    p = skip_spaces(s, p);
    if (p < s->to && d[p] == '[') { /* char pass[32] = "..." */
        size_t q = p + 1;
        while (q < s->to && q - p < 24 && d[q] != ']' && d[q] != '\n')
            q++;
        if (q < s->to && d[q] == ']')
            p = skip_spaces(s, q + 1);
    }
    if (at(s, p, "PROGMEM"))
        p = skip_spaces(s, p + 7);
    if (at(s, p, ":=") || at(s, p, "?=") || at(s, p, "=>")) {
        *syntax = d[p] == '=' ? "mapping" : "assignment";
        return p + 2;
    }
    if (at(s, p, "||") || at(s, p, "??")) {
        *syntax = "fallback";
        return p + 2;
    }
    if (p < s->to && d[p] == '=' && !at(s, p, "==") && !at(s, p, "=~")) {
        *syntax = "assignment";
        return p + 1;
    }
    if (p < s->to && d[p] == ':' && !at(s, p, "::")) {
        /* A type annotation: "password: str = ..." or "password: string;". */
        size_t q = skip_spaces(s, p + 1);
        size_t t = q;
        while (t < s->to && (is_word(s->d[t]) || s->d[t] == '[' || s->d[t] == ']' ||
                             s->d[t] == '.' || s->d[t] == '<' || s->d[t] == '>' || s->d[t] == '?' ||
                             s->d[t] == '&' || s->d[t] == '\'' || s->d[t] == '*'))
            t++;
        size_t after = skip_spaces(s, t);
        if (t > q && (is_alpha(d[q]) || d[q] == '&') && after < s->to && d[after] == '=' &&
            !at(s, after, "==")) {
            *syntax = "assignment";
            return after + 1;
        }
        *syntax = "mapping";
        return p + 1;
    }
    return 0;
}

/* Verbs of a call that reads, tests or shows a value rather than setting
 * it: checkProperty("x.password", "v") compares, _get_password("attr")
 * looks up, assertEqual(...) tests. */
static const char *const query_verbs[] = {
    "check", "assert", "expect", "verify", "validate", "compare", "match", "contains",
    "test",  "print",  "log",    "warn",   "error",    "format",  "describe", "show",
    "display", "has",  "is",     "find",   "lookup",   "remove",  "delete",  "clear",
    "unset", "prompt", "ask",    "input",  "query"};
/* ...and of a method named for the key, which reads it: get_password("attr"). */
static const char *const getter_verbs[] = {"get", "read", "fetch", "load"};

/* Does the name of the call that ends at `end` (the '(' excluded) start
 * with one of those verbs? With the getter verbs when `getter` (a method
 * named for the key: .get_password("attr")); get("password", "v") and
 * ENV.fetch("X", "v") are lookups with a literal default, which stay
 * findings. */
static bool query_call(const scan *s, size_t end, bool getter)
{
    size_t a = end;
    while (a > s->from && (is_word(s->d[a - 1])))
        a--;
    word w[6];
    size_t nw = split_words(s->d + a, end - a, w, 6);
    if (nw == 0)
        return false;
    return IN(w[0].s, w[0].n, query_verbs) || (getter && IN(w[0].s, w[0].n, getter_verbs));
}

/* For a quoted key, what follows its closing quote. */
static bool after_quoted_key(const scan *s, size_t ks, size_t ke, value *v, const char **syntax,
                             bool *strict)
{
    const uint8_t *d = s->d;
    uint8_t q = d[ks - 1];
    if (ke >= s->to || d[ke] != q)
        return false;
    size_t p = skip_spaces(s, ke + 1);
    size_t before = skip_spaces_back(s, ks - 1);
    uint8_t prev = before > s->from ? d[before - 1] : '\n';
    if (prev == '?')
        return false; /* ok ? "pass" : "fail": a conditional's two strings */
    if (p < s->to && d[p] == ']') { /* os.environ["X"] = "v", $_ENV['X'] = 'v' */
        size_t vp = operator_at(s, p + 1, syntax);
        *syntax = "index-assignment";
        return vp && read_value(s, vp, v);
    }
    if (p < s->to && d[p] == ',' && (prev == '(' || prev == '{' || prev == ',')) {
        /* put("password", "v"), define('DB_PASSWORD', 'v'), getenv("X", "v"),
         * {"password", "v"}: the next argument; (2,'smtp_password','v') in a
         * SQL dump, a weaker form: only a strong secret counts there. */
        *syntax = prev == '(' ? "call-argument" : prev == '{' ? "initializer" : "name-value-row";
        *strict = prev == ',';
        if (prev == '(' && query_call(s, skip_spaces_back(s, before - 1), false))
            return false;
        if (!string_literal(s, skip_spaces(s, p + 1), v))
            return false;
        /* A pair: the value closes the call or the braces. More arguments
         * after it make a list of strings or a call with literals
         * (scrypt('password', 'salt', 64), {"password", "salt", "n"}). */
        size_t after = skip_spaces(s, v->end + 1);
        return prev == ',' || (after < s->to && d[after] == (prev == '(' ? ')' : '}'));
    }
    if (p < s->to && d[p] == ')') {
        /* A literal fallback after a lookup: env::var("X").unwrap_or("v"),
         * os.getenv("X") or "v", process.env["X"] || "v". */
        static const char *const fallbacks[] = {".unwrap_or_else(|_|", ".unwrap_or(", " or ",
                                                " || ", " ?? ", ".orElse(", ".getOrElse("};
        for (size_t i = 0; i < sizeof fallbacks / sizeof fallbacks[0]; i++)
            if (at(s, p + 1, fallbacks[i])) {
                *syntax = "fallback";
                return string_literal(s, skip_spaces(s, p + 1 + strlen(fallbacks[i])), v);
            }
        return false;
    }
    if (p < s->to && d[p] == ',' && prev == ':' && before >= 2) {
        /* {"name": "DB_PASSWORD", "value": "v"} (ECS, Kubernetes JSON) */
        size_t e = p + 1, lim = p + 200 < s->to ? p + 200 : s->to;
        const uint8_t *m = memmem(d + e, lim - e, "\"value\"", 7);
        if (!m)
            return false;
        size_t vp = operator_at(s, (size_t)(m - d) + 7, syntax);
        *syntax = "name-value";
        return vp && string_literal(s, skip_spaces(s, vp), v);
    }
    if (prev == '=' && before >= 2) {
        /* <add key="SmtpPassword" value="v"/>: the value attribute of the tag. */
        size_t lim = p + 200 < s->to ? p + 200 : s->to, e = p;
        while (e < lim && d[e] != '>' && d[e] != '\n')
            e++;
        const uint8_t *m = memmem(d + p, e - p, "value=", 6);
        if (!m)
            return false;
        *syntax = "xml-attribute-pair";
        return string_literal(s, (size_t)(m - d) + 6, v);
    }
    size_t vp = operator_at(s, p, syntax);
    return vp && read_value(s, vp, v);
}

/* - name: DB_PASSWORD
 *   value: v               (Kubernetes env, the next line or the one after) */
static bool k8s_env(const scan *s, size_t ke, value *v)
{
    const uint8_t *d = s->d;
    size_t p = line_end(s, ke);
    for (int lines = 0; lines < 2 && p < s->to; lines++) {
        while (p < s->to && (d[p] == '\n' || d[p] == '\r'))
            p++;
        size_t q = skip_spaces(s, p);
        if (at(s, q, "value:")) {
            const char *syn;
            size_t vp = operator_at(s, q + 5, &syn);
            return vp && read_value(s, vp, v);
        }
        p = line_end(s, q);
    }
    return false;
}

/* variable "db_password" { ... default = "v" ... } and
 * resource "aws_ssm_parameter" "payments_api_key" { ... value = "v" ... }
 * (Terraform): the block's label names what its literal is. */
static bool terraform_block(const scan *s, size_t ke, value *v)
{
    static const char *const fields[] = {"default", "value", "secret_string"};
    const uint8_t *d = s->d;
    size_t lim = ke + 600 < s->to ? ke + 600 : s->to;
    for (size_t p = ke; p < lim; p++) {
        if (d[p] == '}')
            return false;
        for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++) {
            size_t m = strlen(fields[f]);
            if (p + m < lim && memcmp(d + p, fields[f], m) == 0 && (p == 0 || !is_word(d[p - 1])) &&
                !is_word(d[p + m])) {
                const char *syn;
                size_t vp = operator_at(s, p + m, &syn);
                if (vp && string_literal(s, skip_spaces(s, vp), v))
                    return true;
            }
        }
    }
    return false;
}

/* What precedes the key on its line, trimmed ("- name:", "#define", "ENV"). */
static bool line_prefix_is(const scan *s, size_t ks, const char *what)
{
    size_t ls = skip_spaces(s, line_start(s, ks));
    if (!*what)
        return ls == ks;
    size_t e = skip_spaces_back(s, ks);
    size_t m = strlen(what);
    if (e < ls || e - ls != m)
        return false;
    return memcmp(s->d + ls, what, m) == 0;
}

/* A configuration directive: the key starts its line (outside code), is a
 * known directive word or made of several words (AuthLDAPBindPassword,
 * olcRootPW: not the English word "password" that begins a sentence),
 * and a value follows after blanks. */
static bool directive(const scan *s, size_t ks, size_t ke)
{
    if ((s->flags & KS_SCAN_CODE) || !line_prefix_is(s, ks, "") || ke >= s->to ||
        !is_space(s->d[ke]))
        return false;
    size_t p = skip_spaces(s, ke);
    if (p < s->to && (s->d[p] == '=' || s->d[p] == ':'))
        return false; /* KEY =v, KEY :v: an operator, not a directive's value */
    if (IN(s->d + ks, ke - ks, password_directives) || IN(s->d + ks, ke - ks, secret_directives))
        return true;
    if (s->flags & KS_SCAN_DOCS)
        return false;
    /* ...whose last word is not "pass" alone: SearchOnePass, FunctionPass
     * are the passes of compilers and matchers, in messages and logs. */
    word w[4];
    size_t nw = split_words(s->d + ks, ke - ks, w, 4);
    return nw >= 2 && !eq_nocase(w[nw - 1].s, w[nw - 1].n, "pass");
}

static bool key_syntax(const scan *s, size_t ks, size_t ke, value *v, const char **syntax,
                       bool *strict)
{
    const uint8_t *d = s->d;
    uint8_t prev = ks > s->from ? d[ks - 1] : '\n';
    if (is_quote(prev)) {
        size_t ls = skip_spaces(s, line_start(s, ks));
        if ((at(s, ls, "variable ") || at(s, ls, "resource ")) && terraform_block(s, ke, v)) {
            *syntax = "terraform-block";
            return true;
        }
        if (line_prefix_is(s, ks - 1, "- name:") || line_prefix_is(s, ks - 1, "name:")) {
            *syntax = "k8s-env";
            return k8s_env(s, ke, v);
        }
        if (ke < s->to && d[ke] == '=' && ks >= s->from + 4) {
            /* set "REPORTS_API_KEY=v" (Windows batch): to the closing quote */
            size_t e = ke + 1;
            while (e < s->to && d[e] != prev && d[e] != '\n')
                e++;
            if (e < s->to && d[e] == prev && e > ke + 1) {
                *syntax = "assignment";
                *v = (value){ke + 1, e, prev, false};
                return true;
            }
        }
        return after_quoted_key(s, ks, ke, v, syntax, strict);
    }
    if (prev == '<') { /* <password>v</password> */
        if (ke >= s->to || d[ke] != '>')
            return false;
        size_t e = ke + 1, lim = ke + 260 < s->to ? ke + 260 : s->to;
        while (e < lim && d[e] != '<' && d[e] != '\n')
            e++;
        if (e >= lim || !at(s, e, "</"))
            return false;
        *syntax = "xml-element";
        *v = (value){ke + 1, e, '<', false};
        return e > ke + 1;
    }
    if (prev == '{' && ks >= s->from + 2 && d[ks - 2] == '$') { /* ${PASSWORD:-v} */
        size_t p = ke;
        if (at(s, p, ":-") || at(s, p, ":="))
            p += 2;
        else if (p < s->to && (d[p] == '-' || d[p] == '='))
            p++;
        else
            return false;
        size_t e = p;
        while (e < s->to && d[e] != '}' && d[e] != '\n' && e - p < 256)
            e++;
        if (e >= s->to || d[e] != '}')
            return false;
        *syntax = "shell-default";
        if (e > p + 1 && is_quote(d[p]) && d[e - 1] == d[p])
            *v = (value){p + 1, e - 1, d[p], false};
        else
            *v = (value){p, e, 0, false};
        return true;
    }
    if (line_prefix_is(s, ks, "- name:") || line_prefix_is(s, ks, "name:")) {
        *syntax = "k8s-env";
        return k8s_env(s, ke, v);
    }
    size_t ls = skip_spaces(s, line_start(s, ks));
    const uint8_t *hash = ks > ls ? memchr(d + ls, '#', ks - ls) : NULL;
    if (hash && memmem(hash, (size_t)(d + ks - hash), "define", 6) != NULL) {
        /* #define MQTT_PASS "k9#mQ2" */
        size_t p = skip_spaces(s, ke);
        *syntax = "define";
        return p > ke && string_literal(s, p, v);
    }
    if (directive(s, ks, ke)) {
        size_t p = skip_spaces(s, ke); /* requirepass v, AuthLDAPBindPassword "v" */
        *syntax = "directive";
        return p > ke && read_value(s, p, v);
    }
    if (line_prefix_is(s, ks, "ENV") || line_prefix_is(s, ks, "SetEnv")) {
        size_t p = skip_spaces(s, ke);
        if (p > ke && p < s->to && d[p] != '=') { /* ENV KEY value */
            *syntax = "dockerfile-env";
            return read_value(s, p, v);
        }
    }
    if (ke < s->to && d[ke] == '(' && (prev == '.' || memchr(d + ks, '.', ke - ks))) {
        /* .setPassword("v"), .password("v"), .withPassword("v") */
        if (query_call(s, ke, true))
            return false;
        *syntax = "setter";
        if (!string_literal(s, skip_spaces(s, ke + 1), v))
            return false;
        /* The value is the setter's one argument (.toCharArray() and the
         * like may follow): fromUserPass("user1", "pw") passes a user first. */
        size_t after = skip_spaces(s, v->end + 1);
        return after >= s->to || d[after] != ',';
    }
    return false;
}

/* a, b := "x", "y" (Go), a, b = "x", "y" (Python): the value at the key's
 * place in the list. 1: found; -1: not such a list; 0: a list of names
 * that starts its line, with a blank before the operator as gofmt and
 * PEP 8 write it, whose value at the key's place is no literal: then no
 * other form may read the value after the operator, which is another
 * name's (user, pass := "admin", getPass()). A list glued to its '='
 * reads as call arguments (f(\n  host, password="v")) and falls through. */
static int multi_assignment(const scan *s, size_t ks, size_t ke, value *v, const char **syntax)
{
    const uint8_t *d = s->d;
    size_t idx = 0, p = ks;
    /* Names before the key: ", name" repeated back to the line start. */
    for (;;) {
        size_t q = skip_spaces_back(s, p);
        if (q <= s->from || d[q - 1] != ',')
            break;
        q = skip_spaces_back(s, q - 1);
        size_t n = q;
        while (n > s->from && is_word(d[n - 1]))
            n--;
        if (n == q)
            return -1;
        idx++;
        p = n;
    }
    /* The list starts a statement (a, b = ...; var a, b = ...): not a
     * member (s.password, x = ...), not a call's arguments (f(password,
     * encoding='x')), not the right side of an assignment. */
    size_t head = skip_spaces_back(s, p);
    if (head > s->from && d[head - 1] != '\n' && d[head - 1] != ';' && d[head - 1] != '{') {
        size_t w = head;
        while (w > s->from && is_alpha(d[w - 1]))
            w--;
        static const char *const decl[] = {"var", "let", "const", "my", "our", "local", "auto"};
        if (w == head || !in_list(d + w, head - w, decl, sizeof decl / sizeof decl[0]) ||
            (w > s->from && !is_space(d[w - 1]) && d[w - 1] != '\n'))
            return -1;
    }
    /* ...and after it, to the operator. */
    size_t q = skip_spaces(s, ke);
    while (q < s->to && d[q] == ',') {
        q = skip_spaces(s, q + 1);
        while (q < s->to && is_word(d[q]))
            q++;
        q = skip_spaces(s, q);
    }
    if (idx == 0 && q == skip_spaces(s, ke))
        return -1; /* not a list */
    size_t vp;
    if (at(s, q, ":="))
        vp = q + 2;
    else if (q < s->to && d[q] == '=' && !at(s, q, "=="))
        vp = q + 1;
    else
        return -1;
    bool statement = line_prefix_is(s, p, "") || line_prefix_is(s, p, "var");
    int miss = statement && is_space(d[q - 1]) ? 0 : -1;
    for (size_t i = 0;; i++) {
        vp = skip_spaces(s, vp);
        if (!string_literal(s, vp, v))
            return miss;
        if (i == idx) {
            *syntax = "multi-assignment";
            return 1;
        }
        vp = skip_spaces(s, v->end + 1);
        if (vp >= s->to || d[vp] != ',')
            return miss;
        vp++;
    }
}

/* The plain forms: key operator value, with the operator after the key. */
static bool plain_assignment(const scan *s, size_t ke, value *v, const char **syntax)
{
    size_t vp = operator_at(s, ke, syntax);
    bool glued = vp == ke + 1 && s->d[ke] == '=' && vp < s->to && !is_space(s->d[vp]);
    return vp && read_value_ex(s, vp, v, glued);
}

/* The leading "." of a method or attribute, and of an identifier's
 * object, belong to the expression, not to the key. */
static void key_bounds(const scan *s, size_t hit, size_t *ks, size_t *ke)
{
    const uint8_t *d = s->d;
    size_t a = hit, b = hit;
    while (a > s->from && is_keych(d[a - 1]) && hit - a < 96)
        a--;
    while (b < s->to && is_keych(d[b]) && b - hit < 96)
        b++;
    /* A shell name is word characters only: the '-' of ${NAME-default}
     * ends it (it would join the default to the key, as in smtp-password). */
    if (a >= s->from + 2 && d[a - 1] == '{' && d[a - 2] == '$') {
        size_t w = a;
        while (w < b && is_word(d[w]))
            w++;
        if (hit < w)
            b = w;
    }
    /* Only the last part of a dotted name is the key when a call or an
     * object comes before it (this.password, process.env.DB_PASSWORD keeps
     * DB_PASSWORD): the words are classified by the last part anyway. */
    while (a < b && (d[a] == '.' || d[a] == '-'))
        a++;
    while (b > a && (d[b - 1] == '.' || d[b - 1] == '-'))
        b--;
    *ks = a;
    *ke = b;
}

/* A test runner's result line (DejaGnu, Automake, lit, Go: "PASS: name",
 * "FAIL: name", "--- PASS: TestX"): what follows is a test's name. */
static bool test_result_line(const scan *s, size_t p)
{
    static const char *const results[] = {"pass",     "fail",  "xpass",      "xfail",
                                           "kpass",    "kfail", "unresolved", "unsupported",
                                           "untested", "error", "skip",       "skipped"};
    size_t ls = skip_spaces(s, line_start(s, p));
    if (at(s, ls, "--- "))
        ls += 4;
    size_t e = ls;
    while (e < s->to && is_upper(s->d[e]))
        e++;
    return e < s->to && s->d[e] == ':' && IN(s->d + ls, e - ls, results);
}

static size_t alnum_lower(uint8_t *out, size_t cap, const uint8_t *v, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o < cap; i++)
        if (is_alpha(v[i]) || is_digit(v[i]))
            out[o++] = lower(v[i]);
    return o;
}

/* Only the characters of names, hosts and paths (rpc.samba3-getusername,
 * localhost:22, ATHENA.MIT.EDUraeburn): no symbol a password adds. */
static bool name_chars(const uint8_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_word(v[i]) && !strchr(".-:/", v[i]))
            return false;
    return true;
}

/* The value names its key ("SN_id_it_revPassphrase" "id-it-revPassphrase",
 * KEYSTORE_PASSWORD_ENV = "keystorepasswordenv"): a name table, not a
 * secret. The value must hold a credential word itself, so that
 * admin_password = "admin" stays a weak password. */
static bool value_names_key(const uint8_t *k, size_t kn, const uint8_t *v, size_t vn)
{
    static const char *const words[] = {"pass", "pwd", "secret", "token", "key", "cred", "auth"};
    uint8_t kb[128], vb[128];
    if (kn > sizeof kb || vn > sizeof vb)
        return false;
    size_t kl = alnum_lower(kb, sizeof kb, k, kn), vl = alnum_lower(vb, sizeof vb, v, vn);
    if (vl < 3 || kl < 3)
        return false;
    bool has_word = false;
    for (size_t i = 0; i < sizeof words / sizeof words[0] && !has_word; i++)
        has_word = memmem(vb, vl, words[i], strlen(words[i])) != NULL;
    return has_word && (memmem(kb, kl, vb, vl) || memmem(vb, vl, kb, kl));
}

bool ks_find_assignment(const uint8_t *d, size_t from, size_t to, size_t hit, uint32_t flags,
                        ks_assignment *out)
{
    scan s = {d, from, to, flags, false};
    if (hit <= from || hit > to)
        return false;
    size_t ks, ke;
    key_bounds(&s, hit - 1, &ks, &ke);
    if (ke <= ks || test_result_line(&s, ks))
        return false;
    if (ks > from && d[ks - 1] == ':' && ke + 1 < to && d[ke] == ':' && d[ke + 1] == '`')
        return false; /* a reStructuredText role: :token:`name` */
    /* The key's own name: after the last '.', for dotted names whose value
     * follows (spring.datasource.password: v keeps the whole name). */
    ks_key_class cls = ks_key_classify(d + ks, ke - ks);
    if (cls == KS_KEY_CLASS_NONE)
        return false;
    value v;
    const char *syntax = "assignment";
    memset(&v, 0, sizeof v);
    bool strict = false;
    s.query = ks > from && (d[ks - 1] == '?' || d[ks - 1] == '&');
    /* ${NAME...}: an expansion gives a value only as a default, the
     * shell's (key_syntax) or Spring's ${NAME:v}, read as a mapping; not
     * ${NAME:?message}, ${NAME:+alternate} or a default not closed on its
     * line, where the mapping after the name would read "?message" or "-v". */
    bool expansion = ks >= from + 2 && d[ks - 1] == '{' && d[ks - 2] == '$';
    bool spring = ke + 1 < to && d[ke] == ':' && !memchr("-=?+", d[ke + 1], 4);
    if (!key_syntax(&s, ks, ke, &v, &syntax, &strict)) {
        if (expansion && !spring)
            return false;
        int multi = multi_assignment(&s, ks, ke, &v, &syntax);
        if (multi == 0 || (multi < 0 && !plain_assignment(&s, ke, &v, &syntax)))
            return false;
    }
    if (s.query)
        syntax = "query-parameter";
    if (v.reference || v.end <= v.start ||
        value_names_key(d + ks, ke - ks, d + v.start, v.end - v.start))
        return false;
    if (ks > from && d[ks - 1] == '$' && !v.quote)
        return false; /* $pass = conv: a variable's use, a comparison; no shell assigns so */
    /* "pass" alone ends the names of passes and results as often as of
     * passwords (GL_STENCIL_PASS_DEPTH_PASS = 2966, int pass = 0): with it
     * a bare number is a count or a constant ("12345678" is a password). */
    word kw[6];
    size_t nkw = split_words(d + ks, ke - ks, kw, 6);
    if (nkw && eq_nocase(kw[nkw - 1].s, kw[nkw - 1].n, "pass") && !v.quote &&
        all_digits(d + v.start, v.end - v.start))
        return false;
    /* A row of names and values (a SQL dump's INSERT, a list of strings):
     * only a strong value is a secret there: machine-made, or twelve
     * characters of three classes with a symbol a name does not have (not
     * 'PKPassLibrary', 'rpc.samba3-getusername'). */
    if (strict && !random_looking(d + v.start, v.end - v.start) &&
        !(v.end - v.start >= 12 && classes(d + v.start, v.end - v.start) >= 3 &&
          !name_chars(d + v.start, v.end - v.start)))
        return false;
    *out = (ks_assignment){.start = ks,
                           .end = v.end + (v.quote ? 1 : 0),
                           .kstart = ks,
                           .kend = ke,
                           .vstart = v.start,
                           .vend = v.end,
                           .quote = v.quote,
                           .strict = strict,
                           .cls = cls,
                           .syntax = syntax};
    if (out->end > to)
        out->end = to;
    return true;
}
