/*
 * gitleaks.c - read a gitleaks / Betterleaks configuration (TOML, through
 * core/toml.h) into keysift rules and allowlists, and apply them.
 *
 * DESIGN: the rules become ordinary keysift rules (kind from their tags,
 * severity medium, source "gitleaks-config"), so the engine treats them as
 * it treats its own: one Vectorscan database, PCRE2 confirmation,
 * keywords and entropy checked on confirmed matches, `path` as a path
 * regex asked through the pipeline. Allowlists are split where what they
 * need is known: regexes and stopwords on a match's bytes in the worker
 * (two bits per allowlist, carried with the location), paths and commits
 * on locations after provenance. Nothing here runs per byte.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "gitleaks.h"

#include "core/diag.h"
#include "core/strbuf.h"
#include "core/toml.h"
#include "core/yaml.h"
#include "engine/validate.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { TARGET_SECRET = 0, TARGET_MATCH, TARGET_LINE };

struct ks_gl_allowlist {
    char *where; /* for messages: "rule ID: allowlists #1" */
    bool all;    /* condition = "AND" */
    int target;
    pcre2_code **regexes;
    size_t nregexes;
    pcre2_code **paths;
    size_t npaths;
    char **commits;
    size_t ncommits;
    char **stopwords; /* lower-case */
    size_t nstopwords;
    char **target_rules; /* a global allowlist's targetRules; none: every rule */
    size_t ntarget_rules;
    char *rule_id; /* a rule's own allowlist; NULL: global */
};

#define MAX_EXTEND_DEPTH 16

/* ------------------------------------------------------------------------ */
/* RE2 to PCRE2                                                              */


static void put_hex(ks_strbuf *b, unsigned c)
{
    char x[16];
    snprintf(x, sizeof x, "\\x{%x}", c);
    ks_strbuf_puts(b, x);
}

static char *fail(ks_strbuf *b, char *why, size_t whylen, const char *what)
{
    snprintf(why, whylen, "%s", what);
    free(b->s);
    return NULL;
}

/* \Q...\E: each character as a literal. */
static size_t quoted(ks_strbuf *b, const char *re, size_t i)
{
    const char *end = strstr(re + i, "\\E");
    size_t stop = end ? (size_t)(end - re) : strlen(re);
    for (; i < stop; i++) {
        unsigned char c = (unsigned char)re[i];
        if (isalnum(c) || c == ' ' || c == '_')
            ks_strbuf_put(b, re + i, 1);
        else
            put_hex(b, c);
    }
    return end ? stop + 2 : stop;
}

char *ks_re2_translate(const char *re, char *why, size_t whylen)
{
    ks_strbuf b = {0};
    bool in_class = false;
    ks_strbuf_puts(&b, "");
    for (size_t i = 0; re[i];) {
        unsigned char c = (unsigned char)re[i];
        if (c == '\\') {
            char n = re[i + 1];
            if (!n)
                return fail(&b, why, whylen, "a trailing backslash");
            if (n == 'Q') {
                if (in_class)
                    return fail(&b, why, whylen, "\\Q inside a character class");
                i = quoted(&b, re, i + 2);
                continue;
            }
            if (n == 'p' || n == 'P')
                return fail(&b, why, whylen,
                            "\\p / \\P (Unicode classes) are not translated: keysift matches "
                            "bytes, not UTF-8 characters");
            if (n == 'C') {
                if (in_class)
                    return fail(&b, why, whylen, "\\C inside a character class");
                ks_strbuf_puts(&b, "[\\x00-\\xff]");
            } else if (n == 'v') {
                ks_strbuf_puts(&b, "\\x0b"); /* RE2: the vertical tab; PCRE2: any vertical space */
            } else if (n == 's') {
                /* RE2's \s is [\t\n\f\r ]: no vertical tab, as PCRE2's has */
                ks_strbuf_puts(&b, in_class ? "\\t\\n\\f\\r " : "[\\t\\n\\f\\r ]");
            } else if (n == 'S') {
                ks_strbuf_puts(&b, in_class ? "\\x00-\\x08\\x0b\\x0e-\\x1f\\x21-\\xff"
                                            : "[^\\t\\n\\f\\r ]");
            } else if (n >= '0' && n <= '7') {
                /* RE2: \123 is octal (up to three digits), \1 alone an error. */
                size_t j = i + 1;
                unsigned v = 0, k = 0;
                while (k < 3 && re[j] >= '0' && re[j] <= '7')
                    v = v * 8 + (unsigned)(re[j++] - '0'), k++;
                if (k == 1 && n != '0')
                    return fail(&b, why, whylen,
                                "a backreference (\\1): RE2 has none");
                put_hex(&b, v & 0xff);
                i = j;
                continue;
            } else if (n == '8' || n == '9') {
                return fail(&b, why, whylen, "a backreference (\\8, \\9): RE2 has none");
            } else {
                ks_strbuf_put(&b, re + i, 2);
            }
            i += 2;
            continue;
        }
        if (c >= 0x80 && in_class)
            return fail(&b, why, whylen,
                        "a non-ASCII character inside a character class (keysift matches "
                        "bytes, not UTF-8 characters)");
        if (in_class) {
            if (c == '[' && re[i + 1] == ':') {
                const char *e = strstr(re + i + 2, ":]");
                if (!e)
                    return fail(&b, why, whylen, "an unterminated [: class");
                ks_strbuf_put(&b, re + i, (size_t)(e - (re + i)) + 2);
                i = (size_t)(e - re) + 2;
                continue;
            }
            if (c == ']') /* a ']' first in the class was taken as a literal below */
                in_class = false;
            ks_strbuf_put(&b, re + i, 1);
            i++;
            continue;
        }
        if (c == '[') {
            in_class = true;
            ks_strbuf_put(&b, re + i, 1);
            i++;
            if (re[i] == '^')
                ks_strbuf_put(&b, re + i++, 1);
            if (re[i] == ']') /* a ']' first is a literal, in RE2 as in PCRE2 */
                ks_strbuf_put(&b, re + i++, 1);
            continue;
        }
        if (c == '(' && re[i + 1] == '?') {
            if (re[i + 2] == 'P' && re[i + 3] == '<') {
                ks_strbuf_puts(&b, "(?<"); /* a named group, the spelling Vectorscan reads too */
                i += 4;
                continue;
            }
            if (re[i + 2] == 'P' && re[i + 3] == '=')
                return fail(&b, why, whylen, "(?P=name): RE2 has no backreferences");
            /* A flag group, (?flags) or (?flags:re): RE2's flags are i, m, s, U. */
            for (size_t j = i + 2; re[j] && strchr("imsU-", re[j]); j++)
                if (re[j] == 'U')
                    return fail(&b, why, whylen, "the U (ungreedy) flag is not translated");
        }
        ks_strbuf_put(&b, re + i, 1);
        i++;
    }
    if (in_class)
        return fail(&b, why, whylen, "an unterminated character class");
    return b.s;
}

/* ------------------------------------------------------------------------ */
/* Kinds from tags                                                           */

const char *ks_gitleaks_kind(char *const *tags, size_t ntags)
{
    static const char *const kinds[] = {
        "cloud-credential", "source-hosting-token", "payment-key", "messaging-token",
        "webhook-url", "ai-api-key", "package-registry-token", "private-key", "jwt",
        "connection-string", "password", "registry-auth", "password-hash", "saas-api-token",
        "identity-secret", "ci-cd-token", "iot-credential", "encrypted-secret",
        "default-password", "pre-shared-key", "generic-secret"};
    static const struct {
        const char *tag, *kind;
    } words[] = {
        {"aws", "cloud-credential"},        {"gcp", "cloud-credential"},
        {"azure", "cloud-credential"},      {"cloud", "cloud-credential"},
        {"github", "source-hosting-token"}, {"gitlab", "source-hosting-token"},
        {"payment", "payment-key"},         {"stripe", "payment-key"},
        {"slack", "messaging-token"},       {"webhook", "webhook-url"},
        {"openai", "ai-api-key"},           {"ai", "ai-api-key"},
        {"npm", "package-registry-token"},  {"pypi", "package-registry-token"},
        {"private-key", "private-key"},     {"privatekey", "private-key"},
        {"ssh", "private-key"},             {"database", "connection-string"},
        {"db", "connection-string"},        {"connection-string", "connection-string"},
        {"password", "password"},           {"passwd", "password"},
        {"docker", "registry-auth"},        {"hash", "password-hash"},
        {"oauth", "identity-secret"},       {"ci", "ci-cd-token"},
        {"iot", "iot-credential"},          {"psk", "pre-shared-key"},
    };
    for (size_t t = 0; t < ntags; t++) {
        char low[64];
        size_t l = 0;
        for (; tags[t][l] && l + 1 < sizeof low; l++)
            low[l] = (char)tolower((unsigned char)tags[t][l]);
        low[l] = '\0';
        for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++)
            if (strcmp(low, kinds[k]) == 0)
                return kinds[k];
        for (size_t k = 0; k < sizeof words / sizeof *words; k++)
            if (strcmp(low, words[k].tag) == 0)
                return words[k].kind;
    }
    return "generic-secret";
}

/* ------------------------------------------------------------------------ */
/* Reading                                                                   */

typedef struct reader {
    ks_gitleaks *g;
    const char *file;
    char *text; /* the file, to find the line of a rule for messages */
    const char *stack[MAX_EXTEND_DEPTH];
    size_t depth;
} reader;

static void note_ignored(ks_gitleaks *g, const char *file, const char *what)
{
    char *s = ks_strdupf("%s: %s", file, what);
    for (size_t i = 0; i < g->nignored; i++)
        if (strcmp(g->ignored[i], s) == 0) {
            free(s);
            return;
        }
    g->ignored = ks_xrealloc(g->ignored, (g->nignored + 1) * sizeof(char *));
    g->ignored[g->nignored++] = s;
}

/* The line of `id = "ID"` in the file (1-based), or 0. */
static int rule_line(const char *text, const char *id)
{
    int line = 1;
    size_t il = strlen(id);
    for (const char *p = text; p && *p; line++) {
        const char *q = p;
        while (*q == ' ' || *q == '\t')
            q++;
        if (strncmp(q, "id", 2) == 0) {
            q += 2;
            while (*q == ' ' || *q == '\t' || *q == '=')
                q++;
            if ((*q == '"' || *q == '\'') && strncmp(q + 1, id, il) == 0 && q[1 + il] == *q)
                return line;
        }
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    return 0;
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t len = 0, cap = 0, n;
    do {
        ks_grow((void **)&buf, &cap, len + 65537, 1);
        n = fread(buf + len, 1, cap - len - 1, f);
        len += n;
    } while (n > 0);
    buf[len] = '\0';
    fclose(f);
    return buf;
}

static int expect(const reader *rd, const ks_toml *v, ks_toml_type t, const char *where)
{
    if (v->type != t)
        return ks_error_set(KS_EINVAL, "%s: %s must be %s, not %s", rd->file, where,
                            ks_toml_type_name(t), ks_toml_type_name(v->type));
    return 0;
}

static int strings(const reader *rd, const ks_toml *v, const char *where, char ***out, size_t *n)
{
    int rc = expect(rd, v, KS_TOML_ARRAY, where);
    for (size_t i = 0; !rc && i < v->nitems; i++) {
        if ((rc = expect(rd, &v->items[i], KS_TOML_STRING, where)) != 0)
            break;
        *out = ks_xrealloc(*out, (*n + 1) * sizeof(char *));
        (*out)[(*n)++] = ks_xstrdup(v->items[i].string);
    }
    return rc;
}

/* An RE2 regex of the file, translated and compiled (for allowlists; a
 * rule's pattern is compiled by the engine). */
static int compile_re2(const reader *rd, const char *re2, const char *where, pcre2_code **out)
{
    char why[256];
    char *pat = ks_re2_translate(re2, why, sizeof why);
    if (!pat)
        return ks_error_set(KS_EINVAL, "%s: %s: regex '%s' cannot be translated from RE2: %s",
                            rd->file, where, re2, why);
    int err;
    PCRE2_SIZE off;
    *out = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, 0, &err, &off, NULL);
    free(pat);
    if (!*out) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(err, msg, sizeof msg);
        return ks_error_set(KS_EINVAL, "%s: %s: regex '%s' does not compile: %s", rd->file, where,
                            re2, (const char *)msg);
    }
    return 0;
}

static void allowlist_dispose(ks_gl_allowlist *a)
{
    free(a->where);
    for (size_t i = 0; i < a->nregexes; i++)
        pcre2_code_free(a->regexes[i]);
    free(a->regexes);
    for (size_t i = 0; i < a->npaths; i++)
        pcre2_code_free(a->paths[i]);
    free(a->paths);
    ks_strv_free(a->commits, a->ncommits);
    ks_strv_free(a->stopwords, a->nstopwords);
    ks_strv_free(a->target_rules, a->ntarget_rules);
    free(a->rule_id);
}

static int regex_list(const reader *rd, const ks_toml *v, const char *where, pcre2_code ***out,
                      size_t *n)
{
    char **texts = NULL;
    size_t nt = 0;
    int rc = strings(rd, v, where, &texts, &nt);
    for (size_t i = 0; !rc && i < nt; i++) {
        *out = ks_xrealloc(*out, (*n + 1) * sizeof(pcre2_code *));
        if ((rc = compile_re2(rd, texts[i], where, &(*out)[*n])) == 0)
            (*n)++;
    }
    ks_strv_free(texts, nt);
    return rc;
}

static int allowlist_key(reader *rd, ks_gl_allowlist *a, const ks_toml *k)
{
    const char *key = k->key;
    if (strcmp(key, "description") == 0)
        return 0;
    if (strcmp(key, "condition") == 0) {
        int rc = expect(rd, k, KS_TOML_STRING, a->where);
        if (!rc && strcasecmp(k->string, "AND") != 0 && strcasecmp(k->string, "OR") != 0)
            rc = ks_error_set(KS_EINVAL, "%s: %s: condition must be OR or AND, not '%s'",
                              rd->file, a->where, k->string);
        a->all = !rc && strcasecmp(k->string, "AND") == 0;
        return rc;
    }
    if (strcmp(key, "regexTarget") == 0) {
        int rc = expect(rd, k, KS_TOML_STRING, a->where);
        if (rc)
            return rc;
        if (strcmp(k->string, "secret") == 0)
            a->target = TARGET_SECRET;
        else if (strcmp(k->string, "match") == 0)
            a->target = TARGET_MATCH;
        else if (strcmp(k->string, "line") == 0)
            a->target = TARGET_LINE;
        else
            return ks_error_set(KS_EINVAL,
                                "%s: %s: regexTarget must be secret, match or line, not '%s'",
                                rd->file, a->where, k->string);
        return 0;
    }
    if (strcmp(key, "regexes") == 0)
        return regex_list(rd, k, a->where, &a->regexes, &a->nregexes);
    if (strcmp(key, "paths") == 0)
        return regex_list(rd, k, a->where, &a->paths, &a->npaths);
    if (strcmp(key, "commits") == 0)
        return strings(rd, k, a->where, &a->commits, &a->ncommits);
    if (strcmp(key, "stopwords") == 0) {
        int rc = strings(rd, k, a->where, &a->stopwords, &a->nstopwords);
        for (size_t i = 0; !rc && i < a->nstopwords; i++)
            for (char *p = a->stopwords[i]; *p; p++)
                *p = (char)tolower((unsigned char)*p);
        return rc;
    }
    if (strcmp(key, "targetRules") == 0 && !a->rule_id)
        return strings(rd, k, a->where, &a->target_rules, &a->ntarget_rules);
    char *what = ks_strdupf("allowlist key `%s`", key);
    note_ignored(rd->g, rd->file, what);
    free(what);
    return 0;
}

static int read_allowlist(reader *rd, const ks_toml *t, const char *rule_id, const char *label)
{
    ks_gitleaks *g = rd->g;
    if (g->nallow >= KS_GITLEAKS_MAX_ALLOWLISTS)
        return ks_error_set(KS_EINVAL, "%s: %s: more than %d allowlists in all", rd->file, label,
                            KS_GITLEAKS_MAX_ALLOWLISTS);
    ks_gl_allowlist a = {0};
    a.where = ks_xstrdup(label);
    a.rule_id = rule_id ? ks_xstrdup(rule_id) : NULL;
    int rc = expect(rd, t, KS_TOML_TABLE, label);
    for (size_t i = 0; !rc && i < t->nitems; i++)
        rc = allowlist_key(rd, &a, &t->items[i]);
    if (!rc && !a.nregexes && !a.npaths && !a.ncommits && !a.nstopwords)
        rc = ks_error_set(KS_EINVAL, "%s: %s: no regexes, paths, commits or stopwords", rd->file,
                          a.where);
    if (rc) {
        allowlist_dispose(&a);
        return rc;
    }
    g->allow = ks_xrealloc(g->allow, (g->nallow + 1) * sizeof *g->allow);
    g->allow[g->nallow++] = a;
    return 0;
}

/* `allowlist` (one table) and `allowlists` (an array of tables). */
static int read_allowlists(reader *rd, const ks_toml *owner, const char *rule_id)
{
    const ks_toml *one = ks_toml_get(owner, "allowlist");
    const ks_toml *many = ks_toml_get(owner, "allowlists");
    char label[256];
    int rc = 0;
    if (one) {
        snprintf(label, sizeof label, "%s%s%sallowlist", rule_id ? "rule " : "",
                 rule_id ? rule_id : "", rule_id ? ": " : "[");
        if (!rule_id)
            snprintf(label, sizeof label, "[allowlist]");
        rc = read_allowlist(rd, one, rule_id, label);
    }
    if (!rc && many && (rc = expect(rd, many, KS_TOML_ARRAY, "allowlists")) == 0)
        for (size_t i = 0; !rc && i < many->nitems; i++) {
            snprintf(label, sizeof label, "%s%s%sallowlists #%zu", rule_id ? "rule " : "",
                     rule_id ? rule_id : "", rule_id ? ": " : "[[", i + 1);
            if (!rule_id)
                snprintf(label, sizeof label, "[[allowlists]] #%zu", i + 1);
            rc = read_allowlist(rd, &many->items[i], rule_id, label);
        }
    return rc;
}

static const char GENERIC_REMEDIATION[] =
    "Revoke this credential where it was issued and issue a new one; keep the new one out of "
    "the code (a secret store or the environment at run time), and remove the old one from "
    "the history if the repository is shared.";

/* One [[rules]] entry into a keysift rule. */
static int rule_key(reader *rd, ks_rule *r, const ks_toml *k, char **regex, char ***tags,
                    size_t *ntags)
{
    const char *key = k->key;
    char where[300];
    snprintf(where, sizeof where, "rule %s: %s", r->id, key);
    if (strcmp(key, "id") == 0 || strcmp(key, "allowlist") == 0 ||
        strcmp(key, "allowlists") == 0)
        return 0;
    if (strcmp(key, "description") == 0) {
        int rc = expect(rd, k, KS_TOML_STRING, where);
        if (!rc) {
            free(r->name);
            r->name = ks_xstrdup(k->string);
        }
        return rc;
    }
    if (strcmp(key, "regex") == 0) {
        int rc = expect(rd, k, KS_TOML_STRING, where);
        if (!rc)
            *regex = ks_xstrdup(k->string);
        return rc;
    }
    if (strcmp(key, "path") == 0) {
        int rc = expect(rd, k, KS_TOML_STRING, where);
        char why[256];
        if (!rc && !(r->path_regex = ks_re2_translate(k->string, why, sizeof why)))
            rc = ks_error_set(KS_EINVAL, "%s:%d: rule %s: path '%s' cannot be translated from RE2: %s",
                              rd->file, r->line, r->id, k->string, why);
        return rc;
    }
    if (strcmp(key, "secretGroup") == 0) {
        int rc = expect(rd, k, KS_TOML_INTEGER, where);
        if (!rc && (k->integer < 0 || k->integer > 63))
            rc = ks_error_set(KS_EINVAL, "%s:%d: rule %s: secretGroup %lld is out of range",
                              rd->file, r->line, r->id, (long long)k->integer);
        if (!rc)
            r->secret_group = (int)k->integer;
        return rc;
    }
    if (strcmp(key, "entropy") == 0) {
        if (k->type != KS_TOML_FLOAT && k->type != KS_TOML_INTEGER)
            return expect(rd, k, KS_TOML_FLOAT, where);
        r->entropy = k->number;
        return 0;
    }
    if (strcmp(key, "keywords") == 0) {
        int rc = strings(rd, k, where, &r->keywords, &r->nkeywords);
        for (size_t i = 0; !rc && i < r->nkeywords; i++)
            for (char *p = r->keywords[i]; *p; p++) /* matched case-insensitively */
                *p = (char)tolower((unsigned char)*p);
        return rc;
    }
    if (strcmp(key, "tags") == 0)
        return strings(rd, k, where, tags, ntags);
    char *what = ks_strdupf("rule key `%s`%s", key,
                            strcmp(key, "validate") == 0 || strcmp(key, "filter") == 0 ||
                                    strcmp(key, "validation") == 0
                                ? " (a Betterleaks expression keysift cannot evaluate)"
                                : "");
    note_ignored(rd->g, rd->file, what);
    free(what);
    return 0;
}

/* Is the pattern's group count at least `g`? Groups of the translated
 * pattern, as PCRE2 counts them. */
static uint32_t group_count(const char *pat)
{
    int err;
    PCRE2_SIZE off;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, 0, &err, &off, NULL);
    uint32_t n = 0;
    if (re)
        pcre2_pattern_info(re, PCRE2_INFO_CAPTURECOUNT, &n);
    pcre2_code_free(re);
    return n;
}

/* A rule with only a path: it reports the file itself, its first line as
 * what was found (gitleaks reports "file detected"). */
static const char PATH_ONLY_PATTERN[] = "\\A[\\x00-\\xff][^\\n]{0,79}";

static int read_rule(reader *rd, const ks_toml *t, size_t index)
{
    ks_gitleaks *g = rd->g;
    char label[64];
    snprintf(label, sizeof label, "[[rules]] #%zu", index + 1);
    int rc = expect(rd, t, KS_TOML_TABLE, label);
    if (rc)
        return rc;
    const ks_toml *id = ks_toml_get(t, "id");
    if (!id || id->type != KS_TOML_STRING || !*id->string)
        return ks_error_set(KS_EINVAL, "%s: %s: no `id`", rd->file, label);
    ks_rule r = {0};
    r.id = ks_xstrdup(id->string);
    r.file = ks_xstrdup(rd->file);
    r.line = rule_line(rd->text, r.id);
    r.name = ks_xstrdup(r.id);
    r.severity = KS_SEV_MEDIUM;
    r.confidence = KS_CONF_MEDIUM;
    r.source = "gitleaks-config";
    r.remediation = ks_xstrdup(GENERIC_REMEDIATION);
    char *regex = NULL, **tags = NULL;
    size_t ntags = 0;
    for (size_t i = 0; !rc && i < t->nitems; i++)
        rc = rule_key(rd, &r, &t->items[i], &regex, &tags, &ntags);
    if (!rc && !regex && !r.path_regex)
        rc = ks_error_set(KS_EINVAL, "%s:%d: rule %s: neither `regex` nor `path`", rd->file,
                          r.line, r.id);
    char why[256];
    if (!rc && regex && !(r.pattern = ks_re2_translate(regex, why, sizeof why)))
        rc = ks_error_set(KS_EINVAL, "%s:%d: rule %s: regex cannot be translated from RE2: %s",
                          rd->file, r.line, r.id, why);
    if (!rc && !regex) {
        r.pattern = ks_xstrdup(PATH_ONLY_PATTERN);
        r.whole_file = true;
    }
    if (!rc) {
        r.kind = ks_xstrdup(ks_gitleaks_kind(tags, ntags));
        /* gitleaks: without secretGroup, the first group that matched. */
        uint32_t ng = group_count(r.pattern);
        if (r.secret_group == 0 && ng > 0)
            r.secret_group = 1;
        if ((uint32_t)r.secret_group > ng && regex)
            rc = ks_error_set(KS_EINVAL, "%s:%d: rule %s: secretGroup %d but the regex has %u groups",
                              rd->file, r.line, r.id, r.secret_group, ng);
    }
    if (!rc)
        rc = read_allowlists(rd, t, r.id);
    free(regex);
    ks_strv_free(tags, ntags);
    if (rc) {
        ks_rule_dispose(&r);
        return rc;
    }
    for (size_t i = 0; i < g->nrules; i++)
        if (strcmp(g->rules[i].id, r.id) == 0) {
            /* The extending file's rule replaces its base's. */
            ks_rule_dispose(&g->rules[i]);
            g->rules[i] = r;
            return 0;
        }
    g->rules = ks_xrealloc(g->rules, (g->nrules + 1) * sizeof(ks_rule));
    g->rules[g->nrules++] = r;
    return 0;
}

static int read_file(reader *rd, const char *path);

/* A relative `path` of [extend] is relative to the file that names it. */
static char *beside(const char *file, const char *p)
{
    const char *slash = strrchr(file, '/');
    if (p[0] == '/' || !slash)
        return ks_xstrdup(p);
    return ks_strdupf("%.*s/%s", (int)(slash - file), file, p);
}

static int read_extend(reader *rd, const ks_toml *ext)
{
    int rc = expect(rd, ext, KS_TOML_TABLE, "[extend]");
    for (size_t i = 0; !rc && i < ext->nitems; i++) {
        const ks_toml *k = &ext->items[i];
        if (strcmp(k->key, "useDefault") == 0) {
            if ((rc = expect(rd, k, KS_TOML_BOOL, "[extend] useDefault")) == 0 && k->integer)
                rd->g->use_default = true;
        } else if (strcmp(k->key, "disabledRules") == 0) {
            rc = strings(rd, k, "[extend] disabledRules", &rd->g->disabled, &rd->g->ndisabled);
        } else if (strcmp(k->key, "path") == 0) {
            if ((rc = expect(rd, k, KS_TOML_STRING, "[extend] path")) != 0)
                break;
            char *other = beside(rd->file, k->string);
            rc = read_file(rd, other);
            free(other);
        } else {
            char *what = ks_strdupf("[extend] key `%s`", k->key);
            note_ignored(rd->g, rd->file, what);
            free(what);
        }
    }
    return rc;
}

static int read_file(reader *rd, const char *path)
{
    char *real = realpath(path, NULL);
    if (!real)
        return ks_error_set(KS_EINVAL, "%s: cannot read gitleaks configuration: %s", path,
                            strerror(errno));
    for (size_t i = 0; i < rd->depth; i++)
        if (strcmp(rd->stack[i], real) == 0) {
            int rc = ks_error_set(KS_EINVAL, "%s: [extend] path leads back to %s: a cycle",
                                  rd->file, path);
            free(real);
            return rc;
        }
    if (rd->depth == MAX_EXTEND_DEPTH) {
        free(real);
        return ks_error_set(KS_EINVAL, "%s: [extend] chain deeper than %d files", path,
                            MAX_EXTEND_DEPTH);
    }
    ks_toml *doc = NULL;
    int rc = ks_toml_load_file(&doc, path);
    if (rc) {
        free(real);
        return rc;
    }
    reader saved = *rd;
    rd->stack[rd->depth++] = real;
    rd->file = path;
    rd->text = read_text(path);
    if (!rd->text)
        rd->text = ks_xstrdup("");
    /* The base first: this file's rules replace its rules of the same id. */
    const ks_toml *ext = ks_toml_get(doc, "extend");
    if (ext)
        rc = read_extend(rd, ext);
    const ks_toml *rules = ks_toml_get(doc, "rules");
    if (!rc && rules && (rc = expect(rd, rules, KS_TOML_ARRAY, "[[rules]]")) == 0)
        for (size_t i = 0; !rc && i < rules->nitems; i++)
            rc = read_rule(rd, &rules->items[i], i);
    if (!rc)
        rc = read_allowlists(rd, doc, NULL);
    for (size_t i = 0; !rc && i < doc->nitems; i++) {
        const char *k = doc->items[i].key;
        if (strcmp(k, "extend") && strcmp(k, "rules") && strcmp(k, "allowlist") &&
            strcmp(k, "allowlists") && strcmp(k, "title") && strcmp(k, "description") &&
            strcmp(k, "minVersion")) {
            char *what = ks_strdupf("top-level key `%s`", k);
            note_ignored(rd->g, path, what);
            free(what);
        }
    }
    free(rd->text);
    free(real);
    ks_toml_free(doc);
    rd->file = saved.file;
    rd->text = saved.text;
    rd->depth = saved.depth;
    return rc;
}

int ks_gitleaks_load(ks_gitleaks *g, const char *path)
{
    memset(g, 0, sizeof *g);
    g->path = ks_xstrdup(path);
    reader rd = {.g = g};
    int rc = read_file(&rd, g->path);
    if (rc)
        ks_gitleaks_dispose(g);
    return rc;
}

void ks_gitleaks_dispose(ks_gitleaks *g)
{
    for (size_t i = 0; i < g->nrules; i++)
        ks_rule_dispose(&g->rules[i]);
    free(g->rules);
    ks_strv_free(g->disabled, g->ndisabled);
    for (size_t i = 0; i < g->nallow; i++)
        allowlist_dispose(&g->allow[i]);
    free(g->allow);
    ks_strv_free(g->ignored, g->nignored);
    free(g->rule_allow);
    ks_strv_free(g->ignore, g->nignore);
    free(g->ignore_path);
    free(g->root);
    free(g->path);
    memset(g, 0, sizeof *g);
}

/* ------------------------------------------------------------------------ */
/* Applying                                                                  */

int ks_gitleaks_apply(ks_gitleaks *g, ks_ruleset *rs)
{
    if (!g->use_default)
        for (size_t i = 0; i < rs->nrules; i++)
            if (rs->rules[i].builtin)
                rs->rules[i].disabled = true;
    for (size_t i = 0; i < g->nrules; i++) {
        int rc = ks_ruleset_add(rs, &g->rules[i]);
        if (rc) {
            for (size_t j = i + 1; j < g->nrules; j++)
                ks_rule_dispose(&g->rules[j]);
            g->nrules = 0;
            return rc;
        }
        g->nadded++;
    }
    g->nrules = 0;
    for (size_t i = 0; i < g->ndisabled; i++) {
        long r = ks_ruleset_find(rs, g->disabled[i]);
        if (r >= 0)
            rs->rules[r].disabled = true;
        else {
            char *what = ks_strdupf("disabledRules: no rule `%s` (keysift's own rules have "
                                    "other ids: see keysift rules list)",
                                    g->disabled[i]);
            note_ignored(g, g->path, what);
            free(what);
        }
    }
    g->rule_allow = ks_xcalloc(rs->nrules ? rs->nrules : 1, sizeof(uint32_t));
    g->nrule_allow = rs->nrules;
    for (size_t a = 0; a < g->nallow; a++) {
        const ks_gl_allowlist *al = &g->allow[a];
        for (size_t r = 0; r < rs->nrules; r++) {
            bool applies;
            if (al->rule_id)
                applies = strcmp(al->rule_id, rs->rules[r].id) == 0;
            else {
                applies = al->ntarget_rules == 0;
                for (size_t t = 0; t < al->ntarget_rules && !applies; t++)
                    applies = strcmp(al->target_rules[t], rs->rules[r].id) == 0;
            }
            if (applies)
                g->rule_allow[r] |= 1u << a;
        }
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Judging                                                                   */

static bool re_finds(pcre2_code *re, const uint8_t *s, size_t n)
{
    pcre2_match_data *md = pcre2_match_data_create(1, NULL);
    int rc = pcre2_match(re, (PCRE2_SPTR)s, n, 0, 0, md, NULL);
    pcre2_match_data_free(md);
    return rc >= 0;
}

uint64_t ks_gitleaks_mark(const void *payload, uint32_t rule, const uint8_t *d, size_t len,
                          size_t mstart, size_t mend, size_t sstart, size_t send)
{
    const ks_gitleaks *g = payload;
    if (rule >= g->nrule_allow || !g->rule_allow[rule])
        return 0;
    uint64_t marks = 0;
    for (size_t a = 0; a < g->nallow; a++) {
        if (!(g->rule_allow[rule] & (1u << a)))
            continue;
        const ks_gl_allowlist *al = &g->allow[a];
        size_t from = sstart, to = send;
        if (al->target == TARGET_MATCH) {
            from = mstart;
            to = mend;
        } else if (al->target == TARGET_LINE) {
            from = mstart;
            to = mend;
            while (from > 0 && d[from - 1] != '\n')
                from--;
            while (to < len && d[to] != '\n')
                to++;
        }
        for (size_t i = 0; i < al->nregexes; i++)
            if (re_finds(al->regexes[i], d + from, to - from)) {
                marks |= 1ull << (2 * a);
                break;
            }
        for (size_t i = 0; i < al->nstopwords; i++)
            if (ks_contains_nocase(d + sstart, send - sstart, al->stopwords[i])) {
                marks |= 1ull << (2 * a + 1);
                break;
            }
    }
    return marks;
}

/* The location's file, relative to the scan root as gitleaks writes it. */
static const char *relative(const ks_gitleaks *g, const char *path)
{
    size_t rl = g->root ? strlen(g->root) : 0;
    if (rl && strncmp(path, g->root, rl) == 0 && path[rl] == '/')
        path += rl + 1;
    while (path[0] == '.' && path[1] == '/')
        path += 2;
    return path;
}

static bool commit_listed(const ks_gl_allowlist *al, const ks_location *l)
{
    if (!l->prov || !l->prov->commit[0])
        return false;
    for (size_t i = 0; i < al->ncommits; i++) {
        size_t cl = strlen(al->commits[i]);
        if (cl >= 4 && strncmp(l->prov->commit, al->commits[i], cl) == 0)
            return true;
    }
    return false;
}

static bool allowlist_accepts(const ks_gitleaks *g, size_t a, const ks_location *l)
{
    const ks_gl_allowlist *al = &g->allow[a];
    bool checks[4];
    size_t n = 0;
    if (al->ncommits)
        checks[n++] = commit_listed(al, l);
    if (al->npaths) {
        const char *p = relative(g, l->path);
        bool found = false;
        for (size_t i = 0; i < al->npaths && !found; i++)
            found = re_finds(al->paths[i], (const uint8_t *)p, strlen(p));
        checks[n++] = found;
    }
    if (al->nregexes)
        checks[n++] = (l->marks >> (2 * a)) & 1;
    if (al->nstopwords)
        checks[n++] = (l->marks >> (2 * a + 1)) & 1;
    bool any = false, all = true;
    for (size_t i = 0; i < n; i++) {
        any = any || checks[i];
        all = all && checks[i];
    }
    return al->all ? all && n : any;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool ignored(const ks_gitleaks *g, const char *rule_id, const ks_location *l)
{
    if (!g->nignore || !l->line)
        return false;
    const char *p = relative(g, l->path);
    char *fp = ks_strdupf("%s:%s:%llu", p, rule_id, (unsigned long long)l->line);
    bool hit = bsearch(&fp, g->ignore, g->nignore, sizeof(char *), cmp_str) != NULL;
    free(fp);
    if (!hit && l->prov && l->prov->commit[0]) {
        fp = ks_strdupf("%s:%s:%s:%llu", l->prov->commit, p, rule_id,
                        (unsigned long long)l->line);
        hit = bsearch(&fp, g->ignore, g->nignore, sizeof(char *), cmp_str) != NULL;
        free(fp);
    }
    return hit;
}

bool ks_gitleaks_accepts_location(void *payload, const ks_results *res, const ks_finding *f,
                                  const ks_location *l)
{
    const ks_gitleaks *g = payload;
    if (ignored(g, res->rs->rules[f->rule].id, l))
        return true;
    uint32_t mask = f->rule < g->nrule_allow ? g->rule_allow[f->rule] : 0;
    for (size_t a = 0; mask && a < g->nallow; a++)
        if ((mask & (1u << a)) && allowlist_accepts(g, a, l))
            return true;
    return false;
}

int ks_gitleaks_load_ignore(ks_gitleaks *g, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return ks_error_set(KS_EIO, "%s: cannot read: %s", path, strerror(errno));
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int rc = 0, lineno = 0;
    while ((n = getline(&line, &cap, f)) >= 0) {
        lineno++;
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' ' ||
                         line[n - 1] == '\t'))
            line[--n] = '\0';
        char *s = line;
        while (*s == ' ' || *s == '\t')
            s++;
        if (!*s || *s == '#')
            continue;
        /* file:rule:line or commit:file:rule:line: at least two colons and a
         * line number at the end. */
        char *last = strrchr(s, ':');
        char *end = NULL;
        if (last)
            (void)strtoull(last + 1, &end, 10);
        if (!last || last == s || !end || end == last + 1 || *end || !memchr(s, ':', (size_t)(last - s))) {
            rc = ks_error_set(KS_EINVAL,
                              "%s:%d: not a gitleaks fingerprint (file:rule:line or "
                              "commit:file:rule:line): %s",
                              path, lineno, s);
            break;
        }
        g->ignore = ks_xrealloc(g->ignore, (g->nignore + 1) * sizeof(char *));
        g->ignore[g->nignore++] = ks_xstrdup(s);
    }
    free(line);
    fclose(f);
    if (g->nignore) /* qsort takes no NULL, even for nothing */
        qsort(g->ignore, g->nignore, sizeof(char *), cmp_str);
    if (!rc) {
        free(g->ignore_path);
        g->ignore_path = ks_xstrdup(path);
    }
    return rc;
}
