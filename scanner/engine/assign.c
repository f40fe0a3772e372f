/*
 * assign.c - the syntax half of generic detection (see generic.h): around
 * a keyword, the key that holds it and the value some syntax gives it.
 * generic.c classifies keys and judges values.
 */
#include "generic.h"
#include "engine.h"
#include "generic_text.h"

#include <string.h>

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
    bool number = ks_gen_all_digits(d + p, end - p);
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
    "unset", "prompt", "ask",    "input",  "query",
    /* ...or computes with it: crypt('password', 'salt') hashes a test vector */
    "crypt", "hash", "scrypt", "bcrypt", "pbkdf2", "digest"};
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
    size_t nw = ks_gen_split_words(s->d + a, end - a, w, 6);
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
        if (ke - ks == 4 && eq_nocase(d + ks, 4, "pass"))
            return false; /* Colorizer('PASS', 'green'), {"pass", "fail"}: a result */
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
    if (ks_gen_directive(s->d + ks, ke - ks))
        return true;
    if (s->flags & KS_SCAN_DOCS)
        return false;
    /* ...whose last word is not "pass" alone: SearchOnePass, FunctionPass
     * are the passes of compilers and matchers, in messages and logs. */
    word w[4];
    size_t nw = ks_gen_split_words(s->d + ks, ke - ks, w, 4);
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

/* A line of a manual page's source, in documentation: troff escapes
 * (\- \fB \fI \fR \& \e \(em) around the key. A manual's examples show how
 * to use a tool (--password=postgres in a sample command); they configure
 * nothing. */
static bool troff_line(const scan *s, size_t p)
{
    if (!(s->flags & KS_SCAN_DOCS))
        return false;
    size_t a = line_start(s, p), e = line_end(s, p);
    const uint8_t *d = s->d;
    if (e - a >= 3 && d[a] == '.' && is_alpha(d[a + 1]) &&
        (is_space(d[a + 2]) || (is_alpha(d[a + 2]) && (a + 3 == e || is_space(d[a + 3])))))
        return true; /* a request line: .B, .IP, .TP */
    for (size_t i = a; i + 2 < e; i++)
        if (d[i] == '\\' && d[i + 1] && d[i + 2] &&
            (strchr("-&e(", d[i + 1]) || (d[i + 1] == 'f' && strchr("BIRPC(", d[i + 2]))))
            return true;
    return false;
}

/* The word before the key, one blank away, makes it prose: a prompt
 * ("Please Enter Password:", "Confirm password:") or a name the words
 * make ("Next page token:", "resume token"). */
static bool prose_before(const scan *s, size_t ks)
{
    static const char *const words[] = {"enter", "confirm", "reenter", "page", "next",
                                        "continuation", "resume", "sync"};
    if (ks < s->from + 2 || s->d[ks - 1] != ' ')
        return false;
    size_t e = ks - 1, a = e;
    while (a > s->from && is_alpha(s->d[a - 1]))
        a--;
    return e > a && in_list(s->d + a, e - a, words, sizeof words / sizeof words[0]);
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

/* Lower-case letters, digits, '-', '_' and '+' only, and a letter first:
 * how names are spelled in Lisp, shell and test lists (dir, gid, local,
 * key+cert). */
static bool lower_name(const uint8_t *v, size_t n)
{
    if (n == 0 || !is_lower(v[0]))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!is_lower(v[i]) && !is_digit(v[i]) && v[i] != '-' && v[i] != '_' && v[i] != '\\' &&
            v[i] != ')' && v[i] != '+')
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
    if (ke <= ks || test_result_line(&s, ks) || troff_line(&s, ks))
        return false;
    if (ks > from && d[ks - 1] == ':' && ke + 1 < to && d[ke] == ':' && d[ke + 1] == '`')
        return false; /* a reStructuredText role: :token:`name` */
    /* The key's own name: after the last '.', for dotted names whose value
     * follows (spring.datasource.password: v keeps the whole name). */
    ks_key_class cls = ks_key_classify(d + ks, ke - ks);
    if (cls == KS_KEY_CLASS_NONE || prose_before(&s, ks))
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
    if (!v.quote && !expansion && ke < to && d[ke] == ':' && v.start == ke + 1 &&
        (ks == from || !is_quote(d[ks - 1])) && lower_name(d + v.start, v.end - v.start) &&
        !(ke - ks == 4 && memcmp(d + ks, "pass", 4) == 0))
        return false; /* passwd:dir, chgdcpass:local: a namespaced name (Scheme, zsh, a
                       * test's name), not a mapping, which YAML wants with a blank
                       * after ':'; OpenSSL's pass phrase argument pass:word is read) */
    if (v.reference || v.end <= v.start ||
        value_names_key(d + ks, ke - ks, d + v.start, v.end - v.start))
        return false;
    if (ks > from && d[ks - 1] == '$' && !v.quote)
        return false; /* $pass = conv: a variable's use, a comparison; no shell assigns so */
    /* "pass" alone ends the names of passes and results as often as of
     * passwords (GL_STENCIL_PASS_DEPTH_PASS = 2966, int pass = 0): with it
     * a bare number is a count or a constant ("12345678" is a password). */
    word kw[6];
    size_t nkw = ks_gen_split_words(d + ks, ke - ks, kw, 6);
    if (nkw && eq_nocase(kw[nkw - 1].s, kw[nkw - 1].n, "pass") && !v.quote &&
        ks_gen_all_digits(d + v.start, v.end - v.start))
        return false;
    /* A row of names and values (a SQL dump's INSERT, a list of strings):
     * only a strong value is a secret there: machine-made, or twelve
     * characters of three classes with a symbol a name does not have (not
     * 'PKPassLibrary', 'rpc.samba3-getusername'). */
    if (strict && !ks_gen_random_looking(d + v.start, v.end - v.start) &&
        !(v.end - v.start >= 12 && ks_gen_classes(d + v.start, v.end - v.start) >= 3 &&
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
