/*
 * rules.c - read rule files (YAML, through libyaml's document API).
 *
 * A rule file is a mapping with one key, `rules`, holding a list of rules.
 * Unknown keys are errors, not warnings: a misspelt `negative_exmaples`
 * would otherwise silently drop the checks that keep a rule honest. Every
 * message names the file, the line and the rule.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "rules.h"

#include "../core/glob.h"
#include "../core/yaml.h"

#include <dirent.h>
#include <errno.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void ks_ruleset_init(ks_ruleset *rs)
{
    memset(rs, 0, sizeof *rs);
}

static void free_examples(ks_example *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].text);
        free(v[i].secret);
        free(v[i].path);
    }
    free(v);
}

void ks_rule_dispose(ks_rule *r)
{
    free(r->id);
    free(r->name);
    free(r->kind);
    free(r->pattern);
    free(r->remediation);
    free(r->check);
    free(r->extract);
    free(r->trigger);
    free(r->syntax);
    free(r->file);
    free(r->path_regex);
    pcre2_code_free(r->path_re);
    ks_strv_free(r->keywords, r->nkeywords);
    ks_strv_free(r->references, r->nreferences);
    ks_strv_free(r->paths, r->npaths);
    free_examples(r->examples, r->nexamples);
    free_examples(r->negatives, r->nnegatives);
    memset(r, 0, sizeof *r);
}

void ks_ruleset_dispose(ks_ruleset *rs)
{
    for (size_t i = 0; i < rs->nrules; i++)
        ks_rule_dispose(&rs->rules[i]);
    free(rs->rules);
    memset(rs, 0, sizeof *rs);
}

long ks_ruleset_find(const ks_ruleset *rs, const char *id)
{
    for (size_t i = 0; i < rs->nrules; i++)
        if (strcmp(rs->rules[i].id, id) == 0)
            return (long)i;
    return -1;
}

/* ------------------------------------------------------------------------ */
/* One rule                                                                  */

static int scalar(ks_yaml *y, yaml_node_t *n, const char *key, char **out)
{
    if (n->type != YAML_SCALAR_NODE)
        return ks_yaml_fail(y, n, "`%s` must be a string", key);
    free(*out);
    *out = ks_yaml_strdup(n);
    return 0;
}

static int string_list(ks_yaml *y, yaml_node_t *n, const char *key, char ***out, size_t *nout)
{
    ks_strv_free(*out, *nout);
    *out = NULL;
    *nout = 0;
    return ks_yaml_strings(y, n, key, true, out, nout);
}

static int example(ks_yaml *y, yaml_node_t *item, const char *key, ks_example *ex)
{
    ex->line = ks_yaml_line(item);
    if (item->type == YAML_SCALAR_NODE) {
        ex->text = ks_yaml_strdup(item);
        return 0;
    }
    if (item->type != YAML_MAPPING_NODE)
        return ks_yaml_fail(y, item, "each of `%s` must be a string or a mapping", key);
    KS_YAML_EACH_PAIR(item, p)
    {
        yaml_node_t *k = ks_yaml_node(y, p->key);
        yaml_node_t *v = ks_yaml_node(y, p->value);
        const char *ks = ks_yaml_text(k);
        int rc;
        if (!ks)
            return ks_yaml_fail(y, k, "%s", "example keys must be strings");
        if (strcmp(ks, "text") == 0)
            rc = scalar(y, v, "text", &ex->text);
        else if (strcmp(ks, "secret") == 0)
            rc = scalar(y, v, "secret", &ex->secret);
        else if (strcmp(ks, "path") == 0)
            rc = scalar(y, v, "path", &ex->path);
        else
            return ks_yaml_fail(y, k, "unknown example key `%s` (expected text, secret, path)",
                                ks);
        if (rc)
            return rc;
    }
    if (!ex->text)
        return ks_yaml_fail(y, item, "%s", "example mapping without `text`");
    return 0;
}

/* Examples are strings, or mappings {text: ..., secret: ...}. */
static int example_list(ks_yaml *y, yaml_node_t *n, const char *key, ks_example **out,
                        size_t *nout)
{
    free_examples(*out, *nout);
    *out = NULL;
    *nout = 0;
    if (n->type != YAML_SEQUENCE_NODE)
        return ks_yaml_fail(y, n, "`%s` must be a list", key);
    size_t cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    *out = ks_xcalloc(cnt, sizeof(ks_example));
    KS_YAML_EACH_ITEM(n, it)
    {
        int rc = example(y, ks_yaml_node(y, *it), key, &(*out)[(*nout)++]);
        if (rc)
            return rc;
    }
    return 0;
}

static int parse_int(ks_yaml *y, yaml_node_t *n, const char *key, int lo, int hi, int *out)
{
    if (n->type != YAML_SCALAR_NODE)
        return ks_yaml_fail(y, n, "`%s` must be a number", key);
    char *end;
    errno = 0;
    long v = strtol((const char *)n->data.scalar.value, &end, 10);
    if (errno || *end || end == (char *)n->data.scalar.value || v < lo || v > hi)
        return ks_yaml_fail(y, n, "`%s` is not a valid number", key);
    *out = (int)v;
    return 0;
}

static int parse_bool(ks_yaml *y, yaml_node_t *n, const char *key, bool *out)
{
    char *s = NULL;
    int rc = scalar(y, n, key, &s);
    if (!rc)
        *out = strcmp(s, "true") == 0 || strcmp(s, "yes") == 0;
    free(s);
    return rc;
}

/* The names of the validators (rule field `validate`), by bit. */
static const struct {
    const char *name;
    uint32_t bit;
} validator_names[] = {
    {"github-crc32", KS_VALIDATE_GITHUB_CRC32},
    {"npm-crc32", KS_VALIDATE_NPM_CRC32},
    {"jwt", KS_VALIDATE_JWT},
    {"pem", KS_VALIDATE_PEM},
    {"password", KS_VALIDATE_PASSWORD},
    {"password-value", KS_VALIDATE_PASSWORD_VALUE},
    {"secret-value", KS_VALIDATE_SECRET_VALUE},
    {"base64-userpass", KS_VALIDATE_BASE64_USERPASS},
    {"jwk", KS_VALIDATE_JWK},
    {"bech32", KS_VALIDATE_BECH32},
    {"openvpn-static", KS_VALIDATE_OPENVPN},
    {"not-a-word", KS_VALIDATE_COMMAND_WORD},
    {"random-salt", KS_VALIDATE_CRYPT_SALT},
};

const char *ks_validator_name(uint32_t bit)
{
    for (size_t i = 0; i < sizeof validator_names / sizeof validator_names[0]; i++)
        if (validator_names[i].bit == bit)
            return validator_names[i].name;
    return NULL;
}

static int parse_validators(ks_yaml *y, yaml_node_t *n, uint32_t *out)
{
    char **v = NULL;
    size_t nv = 0;
    int rc = string_list(y, n, "validate", &v, &nv);
    *out = 0;
    for (size_t i = 0; rc == 0 && i < nv; i++) {
        size_t j;
        for (j = 0; j < sizeof validator_names / sizeof validator_names[0]; j++)
            if (strcmp(v[i], validator_names[j].name) == 0)
                break;
        if (j == sizeof validator_names / sizeof validator_names[0])
            rc = ks_yaml_fail(
                y, n, "unknown validator `%s` (known: github-crc32, npm-crc32, jwt, pem, password, "
                "password-value, secret-value, base64-userpass, jwk, bech32, openvpn-static, "
                "not-a-word, random-salt)",
                v[i]);
        else
            *out |= validator_names[j].bit;
    }
    ks_strv_free(v, nv);
    return rc;
}

static int parse_level(ks_yaml *y, yaml_node_t *n, const char *key, ks_rule *r)
{
    char *s = NULL;
    int rc = scalar(y, n, key, &s);
    if (rc)
        return rc;
    if (strcmp(key, "severity") == 0 && (r->severity = ks_severity_parse(s)) == KS_SEV_NONE)
        rc = ks_yaml_fail(y, n, "severity `%s` is not one of low, medium, high, critical", s);
    else if (strcmp(key, "confidence") == 0 &&
             (r->confidence = (ks_confidence)ks_confidence_parse(s)) == 0)
        rc = ks_yaml_fail(y, n, "confidence `%s` is not one of low, medium, high", s);
    free(s);
    return rc;
}

static int parse_entropy(ks_yaml *y, yaml_node_t *n, ks_rule *r)
{
    char *s = NULL, *end;
    int rc = scalar(y, n, "entropy", &s);
    if (!rc) {
        r->entropy = strtod(s, &end);
        if (*end || end == s || r->entropy < 0 || r->entropy > 8)
            rc = ks_yaml_fail(y, n, "entropy `%s` must be a number of bits between 0 and 8", s);
    }
    free(s);
    return rc;
}

/* One key of a rule mapping. */
static int rule_key(ks_yaml *y, const char *key, yaml_node_t *k, yaml_node_t *v, ks_rule *r)
{
    if (strcmp(key, "id") == 0)
        return 0;
    if (strcmp(key, "name") == 0)
        return scalar(y, v, key, &r->name);
    if (strcmp(key, "kind") == 0)
        return scalar(y, v, key, &r->kind);
    if (strcmp(key, "pattern") == 0)
        return scalar(y, v, key, &r->pattern);
    if (strcmp(key, "trigger") == 0)
        return scalar(y, v, key, &r->trigger);
    if (strcmp(key, "remediation") == 0)
        return scalar(y, v, key, &r->remediation);
    if (strcmp(key, "secret_group") == 0)
        return parse_int(y, v, key, 0, 99, &r->secret_group);
    if (strcmp(key, "severity") == 0 || strcmp(key, "confidence") == 0)
        return parse_level(y, v, key, r);
    if (strcmp(key, "entropy") == 0)
        return parse_entropy(y, v, r);
    if (strcmp(key, "validate") == 0)
        return parse_validators(y, v, &r->validators);
    if (strcmp(key, "keywords") == 0)
        return string_list(y, v, key, &r->keywords, &r->nkeywords);
    if (strcmp(key, "references") == 0)
        return string_list(y, v, key, &r->references, &r->nreferences);
    if (strcmp(key, "paths") == 0)
        return string_list(y, v, key, &r->paths, &r->npaths);
    if (strcmp(key, "examples") == 0)
        return example_list(y, v, key, &r->examples, &r->nexamples);
    if (strcmp(key, "negative_examples") == 0)
        return example_list(y, v, key, &r->negatives, &r->nnegatives);
    if (strcmp(key, "inventory") == 0)
        return parse_bool(y, v, key, &r->inventory);
    if (strcmp(key, "check") == 0)
        return scalar(y, v, key, &r->check);
    if (strcmp(key, "extract") == 0)
        return scalar(y, v, key, &r->extract);
    if (strcmp(key, "key_group") == 0)
        return parse_int(y, v, key, 0, 99, &r->key_group);
    if (strcmp(key, "syntax") == 0)
        return scalar(y, v, key, &r->syntax);
    if (strcmp(key, "fallback") == 0)
        return parse_bool(y, v, key, &r->fallback);
    if (strcmp(key, "disabled") == 0)
        return parse_bool(y, v, key, &r->disabled);
    return ks_yaml_fail(y, k, "unknown rule key `%s`", key);
}

/* What every rule must have, and the defaults of what it may leave out. */
static int rule_complete(ks_yaml *y, yaml_node_t *n, ks_rule *r)
{
    if (r->check && r->pattern)
        return ks_yaml_fail(y, n, "%s", "a rule has a `pattern` or a `check`, not both");
    if (r->extract && strcmp(r->extract, "password") != 0 &&
        strcmp(r->extract, "weak-password") != 0 && strcmp(r->extract, "secret") != 0)
        return ks_yaml_fail(y, n, "unknown extractor `%s` (known: password, weak-password, secret)",
                            r->extract);
    if (!r->check && (!r->pattern || !*r->pattern))
        return ks_yaml_fail(y, n, "%s", "rule without `pattern`");
    if (r->trigger && (!*r->trigger || r->extract))
        return ks_yaml_fail(y, n, "%s",
                            r->extract ? "a rule with `extract` has no `trigger` (its pattern is one)"
                                       : "empty `trigger`");
    if (!r->name)
        r->name = ks_xstrdup(r->id);
    if (!r->kind)
        r->kind = ks_xstrdup("secret");
    if (r->severity == KS_SEV_NONE)
        return ks_yaml_fail(y, n, "%s", "rule without `severity`");
    for (size_t i = 0; i < r->nkeywords; i++) {
        if (!*r->keywords[i])
            return ks_yaml_fail(y, n, "%s", "empty keyword");
        for (char *k = r->keywords[i]; *k; k++) /* matched case-insensitively */
            if (*k >= 'A' && *k <= 'Z')
                *k = (char)(*k + 32);
    }
    return 0;
}

static int parse_rule(ks_yaml *y, yaml_node_t *n, ks_rule *r)
{
    char context[300];
    if (n->type != YAML_MAPPING_NODE)
        return ks_yaml_fail(y, n, "%s", "each rule must be a mapping");
    r->line = ks_yaml_line(n);
    r->file = ks_xstrdup(y->name);
    r->confidence = KS_CONF_MEDIUM;

    /* Find the id first so every later message can name the rule. */
    KS_YAML_EACH_PAIR(n, p)
    {
        const char *key = ks_yaml_text(ks_yaml_node(y, p->key));
        if (key && strcmp(key, "id") == 0) {
            int rc = scalar(y, ks_yaml_node(y, p->value), "id", &r->id);
            if (rc)
                return rc;
            snprintf(context, sizeof context, "rule %s", r->id);
            y->context = context;
        }
    }
    int rc = 0;
    if (!r->id)
        rc = ks_yaml_fail(y, n, "%s", "rule without `id`");
    else if (!*r->id)
        rc = ks_yaml_fail(y, n, "%s", "rule with an empty `id`");
    KS_YAML_EACH_PAIR(n, p)
    {
        if (rc)
            break;
        yaml_node_t *k = ks_yaml_node(y, p->key);
        const char *key = ks_yaml_text(k);
        rc = key ? rule_key(y, key, k, ks_yaml_node(y, p->value), r)
                 : ks_yaml_fail(y, k, "%s", "rule keys must be strings");
    }
    if (!rc)
        rc = rule_complete(y, n, r);
    y->context = NULL;
    return rc;
}

/* Add a rule; one whose id is taken replaces the earlier one, unless
 * `unique` (the built-in rules: two files defining one id is a mistake). */
static int add_rule(ks_ruleset *rs, ks_rule *r, bool unique)
{
    long prev = ks_ruleset_find(rs, r->id);
    if (prev >= 0 && unique)
        return ks_error_set(KS_ERULE, "%s:%d: rule %s is already defined at %s:%d", r->file,
                            r->line, r->id, rs->rules[prev].file, rs->rules[prev].line);
    if (prev >= 0) {
        ks_rule_dispose(&rs->rules[prev]);
        rs->rules[prev] = *r;
        return 0;
    }
    ks_grow((void **)&rs->rules, &rs->cap, rs->nrules + 1, sizeof(ks_rule));
    rs->rules[rs->nrules++] = *r;
    return 0;
}

int ks_ruleset_add(ks_ruleset *rs, ks_rule *r)
{
    int rc = 0;
    if (r->path_regex && !r->path_re) {
        int err;
        PCRE2_SIZE off;
        r->path_re = pcre2_compile((PCRE2_SPTR)r->path_regex, PCRE2_ZERO_TERMINATED, 0, &err,
                                   &off, NULL);
        if (!r->path_re) {
            PCRE2_UCHAR msg[256];
            pcre2_get_error_message(err, msg, sizeof msg);
            rc = ks_error_set(KS_ERULE, "%s:%d: rule %s: path regex does not compile at offset %zu: %s",
                              r->file, r->line, r->id, (size_t)off, (const char *)msg);
        }
    }
    if (!rc)
        rc = add_rule(rs, r, false);
    if (rc)
        ks_rule_dispose(r);
    memset(r, 0, sizeof *r);
    return rc;
}

bool ks_rule_path_applies(const ks_rule *r, const char *path)
{
    if (r->npaths && !ks_glob_match_path(r->paths, r->npaths, path))
        return false;
    return ks_rule_path_regex_applies(r, path);
}

bool ks_rule_path_regex_applies(const ks_rule *r, const char *path)
{
    if (!r->path_re)
        return true;
    /* The regex was written for paths relative to where gitleaks ran,
     * which the engine does not know: it is tried on the path and on each
     * part of it that follows a '/' ("./config/app.ini", "config/app.ini").
     * Only rules with a path regex pay for match data, once per file. */
    pcre2_match_data *md = pcre2_match_data_create(1, NULL);
    while (path[0] == '.' && path[1] == '/')
        path += 2;
    bool found = false;
    for (const char *p = path; p && !found; p = strchr(p, '/') ? strchr(p, '/') + 1 : NULL)
        found = pcre2_match(r->path_re, (PCRE2_SPTR)p, strlen(p), 0, 0, md, NULL) >= 0;
    pcre2_match_data_free(md);
    return found;
}

static int load_buffer(ks_ruleset *rs, const char *name, const uint8_t *data, size_t len,
                       bool unique)
{
    ks_yaml y;
    int rc = ks_yaml_load(&y, name, data, len, KS_ERULE);
    if (rc)
        return rc;
    yaml_node_t *root = ks_yaml_root(&y);
    if (!root) {
        rc = ks_error_set(KS_ERULE, "%s: empty rule file", name);
        goto done;
    }
    if (root->type != YAML_MAPPING_NODE) {
        rc = ks_yaml_fail(&y, root, "%s", "a rule file must be a mapping with a `rules` list");
        goto done;
    }
    bool found = false;
    KS_YAML_EACH_PAIR(root, p)
    {
        yaml_node_t *k = ks_yaml_node(&y, p->key);
        yaml_node_t *v = ks_yaml_node(&y, p->value);
        const char *key = ks_yaml_text(k);
        if (!key || strcmp(key, "rules") != 0) {
            rc = ks_yaml_fail(&y, k, "%s", "unknown top-level key (expected `rules`)");
            goto done;
        }
        found = true;
        if (v->type != YAML_SEQUENCE_NODE) {
            rc = ks_yaml_fail(&y, v, "%s", "`rules` must be a list");
            goto done;
        }
        KS_YAML_EACH_ITEM(v, it)
        {
            ks_rule r;
            memset(&r, 0, sizeof r);
            rc = parse_rule(&y, ks_yaml_node(&y, *it), &r);
            if (!rc)
                rc = add_rule(rs, &r, unique);
            if (rc) {
                ks_rule_dispose(&r);
                goto done;
            }
        }
    }
    if (!found)
        rc = ks_yaml_fail(&y, root, "%s", "no `rules` list");
done:
    ks_yaml_dispose(&y);
    return rc;
}

int ks_ruleset_load_buffer(ks_ruleset *rs, const char *name, const uint8_t *data, size_t len)
{
    return load_buffer(rs, name, data, len, false);
}

static int load_file(ks_ruleset *rs, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return ks_error_set(KS_EIO, "%s: cannot read rule file: %s", path, strerror(errno));
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        ks_grow((void **)&buf, &cap, len + 65536, 1);
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0)
            break;
    }
    int err = ferror(f);
    fclose(f);
    int rc = err ? ks_error_set(KS_EIO, "%s: read error", path)
                 : ks_ruleset_load_buffer(rs, path, buf, len);
    free(buf);
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_yaml_name(const char *n)
{
    size_t l = strlen(n);
    return (l > 5 && strcmp(n + l - 5, ".yaml") == 0) || (l > 4 && strcmp(n + l - 4, ".yml") == 0);
}

int ks_ruleset_load_path(ks_ruleset *rs, const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return ks_error_set(KS_EIO, "%s: cannot read rules: %s", path, strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return load_file(rs, path);

    DIR *d = opendir(path);
    if (!d)
        return ks_error_set(KS_EIO, "%s: cannot read rule directory: %s", path, strerror(errno));
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.' || !is_yaml_name(e->d_name))
            continue;
        ks_grow((void **)&names, &cap, n + 1, sizeof(char *));
        size_t l = strlen(path) + strlen(e->d_name) + 2;
        names[n] = ks_xmalloc(l);
        snprintf(names[n], l, "%s/%s", path, e->d_name);
        n++;
    }
    closedir(d);
    qsort(names, n, sizeof(char *), cmp_str);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = load_file(rs, names[i]);
    if (rc == 0 && n == 0)
        rc = ks_error_set(KS_ERULE, "%s: no rule files (*.yaml) in this directory", path);
    ks_strv_free(names, n);
    return rc;
}

int ks_ruleset_load_builtin(ks_ruleset *rs)
{
    for (size_t i = 0; i < ks_builtin_rule_nfiles; i++) {
        const ks_embedded_file *f = &ks_builtin_rule_files[i];
        int rc = load_buffer(rs, f->name, f->data, f->len, true);
        if (rc)
            return rc;
    }
    for (size_t i = 0; i < rs->nrules; i++)
        rs->rules[i].builtin = true;
    return 0;
}

int ks_ruleset_load_all(ks_ruleset *rs, char *const *paths, size_t npaths)
{
    int rc = ks_ruleset_load_builtin(rs);
    for (size_t i = 0; rc == 0 && i < npaths; i++)
        rc = ks_ruleset_load_path(rs, paths[i]);
    return rc;
}
