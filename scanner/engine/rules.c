/*
 * rules.c - read rule files (YAML, through libyaml's document API).
 *
 * A rule file is a mapping with one key, `rules`, holding a list of rules.
 * Unknown keys are errors, not warnings: a misspelt `negative_exmaples`
 * would otherwise silently drop the checks that keep a rule honest. Every
 * message names the file, the line and the rule.
 */
#include "rules.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

void ks_ruleset_init(ks_ruleset *rs)
{
    memset(rs, 0, sizeof *rs);
}

static void free_strv(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static void free_examples(ks_example *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].text);
        free(v[i].secret);
    }
    free(v);
}

static void rule_dispose(ks_rule *r)
{
    free(r->id);
    free(r->name);
    free(r->kind);
    free(r->pattern);
    free(r->remediation);
    free(r->check);
    free(r->file);
    free_strv(r->keywords, r->nkeywords);
    free_strv(r->references, r->nreferences);
    free_examples(r->examples, r->nexamples);
    free_examples(r->negatives, r->nnegatives);
    memset(r, 0, sizeof *r);
}

void ks_ruleset_dispose(ks_ruleset *rs)
{
    for (size_t i = 0; i < rs->nrules; i++)
        rule_dispose(&rs->rules[i]);
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
/* YAML document helpers                                                     */

typedef struct ctx {
    yaml_document_t *doc;
    const char *file;
    const char *rule; /* id of the rule being read, for messages */
} ctx;

static int line_of(const yaml_node_t *n)
{
    return (int)n->start_mark.line + 1;
}

__attribute__((format(printf, 3, 4))) static int fail(const ctx *c, const yaml_node_t *n,
                                                      const char *fmt, ...)
{
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (c->rule)
        return ks_error_set(KS_ERULE, "%s:%d: rule %s: %s", c->file, n ? line_of(n) : 0, c->rule,
                            what);
    return ks_error_set(KS_ERULE, "%s:%d: %s", c->file, n ? line_of(n) : 0, what);
}

static int scalar(const ctx *c, yaml_node_t *n, const char *key, char **out)
{
    if (n->type != YAML_SCALAR_NODE)
        return fail(c, n, "`%s` must be a string", key);
    free(*out);
    *out = ks_xstrndup((const char *)n->data.scalar.value, n->data.scalar.length);
    return 0;
}

static int string_list(const ctx *c, yaml_node_t *n, const char *key, char ***out, size_t *nout)
{
    free_strv(*out, *nout);
    *out = NULL;
    *nout = 0;
    if (n->type == YAML_SCALAR_NODE) {
        *out = ks_xmalloc(sizeof(char *));
        (*out)[0] = ks_xstrndup((const char *)n->data.scalar.value, n->data.scalar.length);
        *nout = 1;
        return 0;
    }
    if (n->type != YAML_SEQUENCE_NODE)
        return fail(c, n, "`%s` must be a list of strings", key);
    size_t cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    *out = ks_xcalloc(cnt, sizeof(char *));
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
         it++) {
        yaml_node_t *item = yaml_document_get_node(c->doc, *it);
        if (!item || item->type != YAML_SCALAR_NODE)
            return fail(c, item ? item : n, "`%s` must be a list of strings", key);
        (*out)[(*nout)++] =
            ks_xstrndup((const char *)item->data.scalar.value, item->data.scalar.length);
    }
    return 0;
}

/* Examples are strings, or mappings {text: ..., secret: ...}. */
static int example_list(const ctx *c, yaml_node_t *n, const char *key, ks_example **out,
                        size_t *nout)
{
    free_examples(*out, *nout);
    *out = NULL;
    *nout = 0;
    if (n->type != YAML_SEQUENCE_NODE)
        return fail(c, n, "`%s` must be a list", key);
    size_t cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    *out = ks_xcalloc(cnt, sizeof(ks_example));
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
         it++) {
        yaml_node_t *item = yaml_document_get_node(c->doc, *it);
        ks_example *ex = &(*out)[(*nout)++];
        ex->line = line_of(item);
        if (item->type == YAML_SCALAR_NODE) {
            ex->text = ks_xstrndup((const char *)item->data.scalar.value, item->data.scalar.length);
            continue;
        }
        if (item->type != YAML_MAPPING_NODE)
            return fail(c, item, "each of `%s` must be a string or a mapping", key);
        for (yaml_node_pair_t *p = item->data.mapping.pairs.start; p < item->data.mapping.pairs.top;
             p++) {
            yaml_node_t *k = yaml_document_get_node(c->doc, p->key);
            yaml_node_t *v = yaml_document_get_node(c->doc, p->value);
            if (k->type != YAML_SCALAR_NODE)
                return fail(c, k, "%s", "example keys must be strings");
            const char *ks = (const char *)k->data.scalar.value;
            int rc;
            if (strcmp(ks, "text") == 0)
                rc = scalar(c, v, "text", &ex->text);
            else if (strcmp(ks, "secret") == 0)
                rc = scalar(c, v, "secret", &ex->secret);
            else
                return fail(c, k, "unknown example key `%s` (expected text, secret)", ks);
            if (rc)
                return rc;
        }
        if (!ex->text)
            return fail(c, item, "%s", "example mapping without `text`");
    }
    return 0;
}

static int parse_int(const ctx *c, yaml_node_t *n, const char *key, int lo, int hi, int *out)
{
    if (n->type != YAML_SCALAR_NODE)
        return fail(c, n, "`%s` must be a number", key);
    char *end;
    errno = 0;
    long v = strtol((const char *)n->data.scalar.value, &end, 10);
    if (errno || *end || end == (char *)n->data.scalar.value || v < lo || v > hi)
        return fail(c, n, "`%s` is not a valid number", key);
    *out = (int)v;
    return 0;
}

static int parse_validators(const ctx *c, yaml_node_t *n, uint32_t *out)
{
    static const struct {
        const char *name;
        uint32_t bit;
    } names[] = {
        {"github-crc32", KS_VALIDATE_GITHUB_CRC32},
        {"npm-crc32", KS_VALIDATE_NPM_CRC32},
        {"jwt", KS_VALIDATE_JWT},
        {"pem", KS_VALIDATE_PEM},
        {"password", KS_VALIDATE_PASSWORD},
    };
    char **v = NULL;
    size_t nv = 0;
    int rc = string_list(c, n, "validate", &v, &nv);
    *out = 0;
    for (size_t i = 0; rc == 0 && i < nv; i++) {
        size_t j;
        for (j = 0; j < sizeof names / sizeof names[0]; j++)
            if (strcmp(v[i], names[j].name) == 0)
                break;
        if (j == sizeof names / sizeof names[0])
            rc = fail(c, n,
                      "unknown validator `%s` (known: github-crc32, npm-crc32, jwt, pem, password)",
                      v[i]);
        else
            *out |= names[j].bit;
    }
    free_strv(v, nv);
    return rc;
}

static int parse_rule(ctx *c, yaml_node_t *n, ks_rule *r)
{
    if (n->type != YAML_MAPPING_NODE)
        return fail(c, n, "%s", "each rule must be a mapping");
    r->line = line_of(n);
    r->file = ks_xstrdup(c->file);
    r->confidence = KS_CONF_MEDIUM;

    /* Find the id first so every later message can name the rule. */
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(c->doc, p->key);
        yaml_node_t *v = yaml_document_get_node(c->doc, p->value);
        if (k->type == YAML_SCALAR_NODE && strcmp((const char *)k->data.scalar.value, "id") == 0) {
            int rc = scalar(c, v, "id", &r->id);
            if (rc)
                return rc;
            c->rule = r->id;
        }
    }
    if (!r->id)
        return fail(c, n, "%s", "rule without `id`");
    if (!*r->id)
        return fail(c, n, "%s", "rule with an empty `id`");

    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(c->doc, p->key);
        yaml_node_t *v = yaml_document_get_node(c->doc, p->value);
        if (k->type != YAML_SCALAR_NODE)
            return fail(c, k, "%s", "rule keys must be strings");
        const char *key = (const char *)k->data.scalar.value;
        int rc = 0;
        if (strcmp(key, "id") == 0)
            continue;
        else if (strcmp(key, "name") == 0)
            rc = scalar(c, v, key, &r->name);
        else if (strcmp(key, "kind") == 0)
            rc = scalar(c, v, key, &r->kind);
        else if (strcmp(key, "pattern") == 0)
            rc = scalar(c, v, key, &r->pattern);
        else if (strcmp(key, "remediation") == 0)
            rc = scalar(c, v, key, &r->remediation);
        else if (strcmp(key, "secret_group") == 0)
            rc = parse_int(c, v, key, 0, 99, &r->secret_group);
        else if (strcmp(key, "severity") == 0) {
            char *s = NULL;
            rc = scalar(c, v, key, &s);
            if (!rc && (r->severity = ks_severity_parse(s)) == KS_SEV_NONE)
                rc = fail(c, v, "severity `%s` is not one of low, medium, high, critical", s);
            free(s);
        } else if (strcmp(key, "confidence") == 0) {
            char *s = NULL;
            rc = scalar(c, v, key, &s);
            if (!rc && (r->confidence = (ks_confidence)ks_confidence_parse(s)) == 0)
                rc = fail(c, v, "confidence `%s` is not one of low, medium, high", s);
            free(s);
        } else if (strcmp(key, "entropy") == 0) {
            char *s = NULL, *end;
            rc = scalar(c, v, key, &s);
            if (!rc) {
                r->entropy = strtod(s, &end);
                if (*end || end == s || r->entropy < 0 || r->entropy > 8)
                    rc = fail(c, v, "entropy `%s` must be a number of bits between 0 and 8", s);
            }
            free(s);
        } else if (strcmp(key, "validate") == 0)
            rc = parse_validators(c, v, &r->validators);
        else if (strcmp(key, "keywords") == 0)
            rc = string_list(c, v, key, &r->keywords, &r->nkeywords);
        else if (strcmp(key, "references") == 0)
            rc = string_list(c, v, key, &r->references, &r->nreferences);
        else if (strcmp(key, "examples") == 0)
            rc = example_list(c, v, key, &r->examples, &r->nexamples);
        else if (strcmp(key, "negative_examples") == 0)
            rc = example_list(c, v, key, &r->negatives, &r->nnegatives);
        else if (strcmp(key, "inventory") == 0) {
            char *s = NULL;
            rc = scalar(c, v, key, &s);
            if (!rc)
                r->inventory = strcmp(s, "true") == 0 || strcmp(s, "yes") == 0;
            free(s);
        } else if (strcmp(key, "check") == 0)
            rc = scalar(c, v, key, &r->check);
        else if (strcmp(key, "disabled") == 0) {
            char *s = NULL;
            rc = scalar(c, v, key, &s);
            if (!rc)
                r->disabled = strcmp(s, "true") == 0 || strcmp(s, "yes") == 0;
            free(s);
        } else
            rc = fail(c, k, "unknown rule key `%s`", key);
        if (rc)
            return rc;
    }

    if (r->check && r->pattern)
        return fail(c, n, "%s", "a rule has a `pattern` or a `check`, not both");
    if (!r->check && (!r->pattern || !*r->pattern))
        return fail(c, n, "%s", "rule without `pattern`");
    if (!r->name)
        r->name = ks_xstrdup(r->id);
    if (!r->kind)
        r->kind = ks_xstrdup("secret");
    if (r->severity == KS_SEV_NONE)
        return fail(c, n, "%s", "rule without `severity`");
    for (size_t i = 0; i < r->nkeywords; i++) {
        if (!*r->keywords[i])
            return fail(c, n, "%s", "empty keyword");
        for (char *k = r->keywords[i]; *k; k++) /* matched case-insensitively */
            if (*k >= 'A' && *k <= 'Z')
                *k = (char)(*k + 32);
    }
    return 0;
}

static void add_rule(ks_ruleset *rs, ks_rule *r)
{
    long prev = ks_ruleset_find(rs, r->id);
    if (prev >= 0) {
        rule_dispose(&rs->rules[prev]);
        rs->rules[prev] = *r;
        return;
    }
    ks_grow((void **)&rs->rules, &rs->cap, rs->nrules + 1, sizeof(ks_rule));
    rs->rules[rs->nrules++] = *r;
}

int ks_ruleset_load_buffer(ks_ruleset *rs, const char *name, const uint8_t *data, size_t len)
{
    yaml_parser_t parser;
    yaml_document_t doc;
    int rc = 0;
    bool have_doc = false;
    ctx c = {.doc = &doc, .file = name, .rule = NULL};

    if (!yaml_parser_initialize(&parser))
        return ks_error_set(KS_ENOMEM, "%s: cannot initialise the YAML parser", name);
    yaml_parser_set_input_string(&parser, data, len);
    if (!yaml_parser_load(&parser, &doc)) {
        rc = ks_error_set(KS_ERULE, "%s:%zu:%zu: YAML error: %s%s%s", name,
                          parser.problem_mark.line + 1, parser.problem_mark.column + 1,
                          parser.problem ? parser.problem : "malformed document",
                          parser.context ? " " : "", parser.context ? parser.context : "");
        goto done;
    }
    have_doc = true;
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (!root) {
        rc = ks_error_set(KS_ERULE, "%s: empty rule file", name);
        goto done;
    }
    if (root->type != YAML_MAPPING_NODE) {
        rc = fail(&c, root, "%s", "a rule file must be a mapping with a `rules` list");
        goto done;
    }
    bool found = false;
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = yaml_document_get_node(&doc, p->key);
        yaml_node_t *v = yaml_document_get_node(&doc, p->value);
        if (k->type != YAML_SCALAR_NODE || strcmp((const char *)k->data.scalar.value, "rules")) {
            rc = fail(&c, k, "%s", "unknown top-level key (expected `rules`)");
            goto done;
        }
        found = true;
        if (v->type != YAML_SEQUENCE_NODE) {
            rc = fail(&c, v, "%s", "`rules` must be a list");
            goto done;
        }
        for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
             it++) {
            ks_rule r;
            memset(&r, 0, sizeof r);
            c.rule = NULL;
            rc = parse_rule(&c, yaml_document_get_node(&doc, *it), &r);
            if (rc) {
                rule_dispose(&r);
                goto done;
            }
            add_rule(rs, &r);
        }
    }
    if (!found)
        rc = fail(&c, root, "%s", "no `rules` list");
done:
    if (have_doc)
        yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    return rc;
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
    free_strv(names, n);
    return rc;
}

int ks_ruleset_load_builtin(ks_ruleset *rs)
{
    for (size_t i = 0; i < ks_builtin_rule_nfiles; i++) {
        const ks_embedded_file *f = &ks_builtin_rule_files[i];
        int rc = ks_ruleset_load_buffer(rs, f->name, f->data, f->len);
        if (rc)
            return rc;
    }
    return 0;
}
