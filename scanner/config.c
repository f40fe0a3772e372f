/*
 * config.c - read .keysift.yaml (libyaml document API) and apply it.
 */
#include "config.h"

#include "findings/crypto.h"

#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

__attribute__((format(printf, 3, 4))) static int fail(const char *file, const yaml_node_t *n,
                                                      const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return ks_error_set(KS_EINVAL, "%s:%zu: %s", file, n ? n->start_mark.line + 1 : 0, msg);
}

static int str_list(yaml_document_t *d, const char *file, yaml_node_t *n, const char *key,
                    char ***out, size_t *nout)
{
    if (n->type != YAML_SEQUENCE_NODE)
        return fail(file, n, "`%s` must be a list of strings", key);
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
         it++) {
        yaml_node_t *v = yaml_document_get_node(d, *it);
        if (!v || v->type != YAML_SCALAR_NODE || !v->data.scalar.length)
            return fail(file, v ? v : n, "`%s` must be a list of strings", key);
        *out = ks_xrealloc(*out, (*nout + 1) * sizeof(char *));
        (*out)[(*nout)++] = ks_xstrndup((const char *)v->data.scalar.value, v->data.scalar.length);
    }
    return 0;
}

/* A relative rule path is relative to the directory of the config file. */
static char *beside(const char *config, const char *p)
{
    const char *slash = strrchr(config, '/');
    if (p[0] == '/' || !slash)
        return ks_xstrdup(p);
    size_t dl = (size_t)(slash - config) + 1, l = dl + strlen(p) + 1;
    char *out = ks_xmalloc(l);
    memcpy(out, config, dl);
    memcpy(out + dl, p, strlen(p) + 1);
    return out;
}

static bool is_hex64(const char *s)
{
    if (strlen(s) != 64)
        return false;
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
            return false;
    return true;
}

int ks_config_load(ks_config *c, const char *path)
{
    memset(c, 0, sizeof *c);
    c->path = ks_xstrdup(path);
    FILE *f = fopen(path, "rb");
    if (!f)
        return ks_error_set(KS_EIO, "%s: cannot read the configuration", path);
    yaml_parser_t parser;
    yaml_document_t doc;
    int rc = 0;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_file(&parser, f);
    if (!yaml_parser_load(&parser, &doc)) {
        rc = ks_error_set(KS_EINVAL, "%s:%zu:%zu: YAML error: %s", path,
                          parser.problem_mark.line + 1, parser.problem_mark.column + 1,
                          parser.problem ? parser.problem : "malformed");
        yaml_parser_delete(&parser);
        fclose(f);
        return rc;
    }
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (root && root->type != YAML_MAPPING_NODE) {
        rc = fail(path, root, "the configuration must be a mapping");
        goto done;
    }
    for (yaml_node_pair_t *p = root ? root->data.mapping.pairs.start : NULL;
         root && p < root->data.mapping.pairs.top && !rc; p++) {
        yaml_node_t *k = yaml_document_get_node(&doc, p->key);
        yaml_node_t *v = yaml_document_get_node(&doc, p->value);
        const char *key = k->type == YAML_SCALAR_NODE ? (const char *)k->data.scalar.value : "";
        if (strcmp(key, "exclude") == 0) {
            rc = str_list(&doc, path, v, key, &c->excludes, &c->nexcludes);
        } else if (strcmp(key, "rules") == 0) {
            rc = str_list(&doc, path, v, key, &c->rule_paths, &c->nrule_paths);
            for (size_t i = 0; !rc && i < c->nrule_paths; i++) {
                char *b = beside(path, c->rule_paths[i]);
                free(c->rule_paths[i]);
                c->rule_paths[i] = b;
            }
        } else if (strcmp(key, "disable") == 0) {
            rc = str_list(&doc, path, v, key, &c->disable, &c->ndisable);
        } else if (strcmp(key, "severity") == 0) {
            if (v->type != YAML_MAPPING_NODE) {
                rc = fail(path, v, "`severity` must map rule ids to low, medium, high, critical");
                break;
            }
            for (yaml_node_pair_t *q = v->data.mapping.pairs.start;
                 q < v->data.mapping.pairs.top && !rc; q++) {
                yaml_node_t *rk = yaml_document_get_node(&doc, q->key);
                yaml_node_t *rv = yaml_document_get_node(&doc, q->value);
                ks_severity sv = rv->type == YAML_SCALAR_NODE
                                     ? ks_severity_parse((const char *)rv->data.scalar.value)
                                     : KS_SEV_NONE;
                if (rk->type != YAML_SCALAR_NODE || sv == KS_SEV_NONE) {
                    rc = fail(path, rv, "`severity`: values are low, medium, high or critical");
                    break;
                }
                c->sev_rule = ks_xrealloc(c->sev_rule, (c->nsev + 1) * sizeof(char *));
                c->sev_value = ks_xrealloc(c->sev_value, (c->nsev + 1) * sizeof(ks_severity));
                c->sev_rule[c->nsev] = ks_xstrdup((const char *)rk->data.scalar.value);
                c->sev_value[c->nsev++] = sv;
            }
        } else if (strcmp(key, "allow") == 0) {
            if (v->type != YAML_SEQUENCE_NODE) {
                rc = fail(path, v, "`allow` must be a list of {sha256: HEX, reason: TEXT}");
                break;
            }
            for (yaml_node_item_t *it = v->data.sequence.items.start;
                 it < v->data.sequence.items.top && !rc; it++) {
                yaml_node_t *e = yaml_document_get_node(&doc, *it);
                const char *hex = NULL, *why = NULL;
                if (e->type == YAML_MAPPING_NODE)
                    for (yaml_node_pair_t *q = e->data.mapping.pairs.start;
                         q < e->data.mapping.pairs.top; q++) {
                        yaml_node_t *ek = yaml_document_get_node(&doc, q->key);
                        yaml_node_t *ev = yaml_document_get_node(&doc, q->value);
                        const char *name =
                            ek->type == YAML_SCALAR_NODE ? (const char *)ek->data.scalar.value : "";
                        if (strcmp(name, "sha256") == 0 && ev->type == YAML_SCALAR_NODE)
                            hex = (const char *)ev->data.scalar.value;
                        else if (strcmp(name, "reason") == 0 && ev->type == YAML_SCALAR_NODE)
                            why = (const char *)ev->data.scalar.value;
                        else if (strcmp(name, "reason") != 0) {
                            rc = fail(path, ek, "`allow`: unknown key `%s` (sha256, reason)", name);
                            break;
                        }
                    }
                if (!rc && (!hex || !is_hex64(hex)))
                    rc = fail(path, e,
                              "`allow`: each entry needs `sha256`: 64 lower-case hex digits "
                              "(sha256sum of the secret value)");
                if (!rc) {
                    c->allow = ks_xrealloc(c->allow, (c->nallow + 1) * sizeof *c->allow);
                    c->allow_reason =
                        ks_xrealloc(c->allow_reason, (c->nallow + 1) * sizeof(char *));
                    c->allow_reason[c->nallow] = why ? ks_xstrdup(why) : NULL;
                    memcpy(c->allow[c->nallow++], hex, 65);
                }
            }
        } else if (strcmp(key, "support_until") == 0) {
            if (v->type != YAML_SCALAR_NODE ||
                (c->support_until = ks_parse_date((const char *)v->data.scalar.value)) < 0)
                rc = fail(path, v, "`support_until` must be a date, YYYY-MM-DD");
        } else {
            rc = fail(path, k,
                      "unknown key `%s` (exclude, rules, disable, severity, allow, support_until)",
                      key);
        }
    }
done:
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    fclose(f);
    return rc;
}

static void free_list(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void ks_config_dispose(ks_config *c)
{
    free(c->path);
    free_list(c->excludes, c->nexcludes);
    free_list(c->rule_paths, c->nrule_paths);
    free_list(c->disable, c->ndisable);
    free_list(c->sev_rule, c->nsev);
    free(c->sev_value);
    for (size_t i = 0; i < c->nallow; i++)
        free(c->allow_reason[i]);
    free(c->allow_reason);
    free(c->allow);
    memset(c, 0, sizeof *c);
}

int ks_config_apply_rules(const ks_config *c, ks_ruleset *rs)
{
    for (size_t i = 0; i < c->ndisable; i++) {
        long r = ks_ruleset_find(rs, c->disable[i]);
        if (r < 0)
            return ks_error_set(KS_EINVAL, "%s: disable: no rule `%s`", c->path, c->disable[i]);
        rs->rules[r].disabled = true;
    }
    for (size_t i = 0; i < c->nsev; i++) {
        long r = ks_ruleset_find(rs, c->sev_rule[i]);
        if (r < 0)
            return ks_error_set(KS_EINVAL, "%s: severity: no rule `%s`", c->path, c->sev_rule[i]);
        rs->rules[r].severity = c->sev_value[i];
    }
    return 0;
}

size_t ks_config_apply_allow(const ks_config *c, ks_results *res)
{
    if (!c->nallow)
        return 0;
    size_t k = 0, removed = 0;
    for (size_t i = 0; i < res->nfindings; i++) {
        ks_finding *f = &res->findings[i];
        uint8_t h[EVP_MAX_MD_SIZE];
        unsigned hl = 0;
        char hex[65];
        EVP_Digest(f->secret, f->secret_len, h, &hl, EVP_sha256(), NULL);
        ks_hex(hex, h, 32);
        size_t j = 0;
        while (j < c->nallow && strcmp(hex, c->allow[j]) != 0)
            j++;
        if (j < c->nallow) {
            ks_results_suppress(res, f, "allowlist", c->allow_reason[j], NULL, NULL);
            ks_finding_dispose(f);
            removed++;
        } else {
            res->findings[k++] = *f;
        }
    }
    res->nfindings = k;
    return removed;
}
