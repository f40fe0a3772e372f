/*
 * config.c - read .keysift.yaml (libyaml document API) and apply it.
 */
#include "config.h"

#include "core/dates.h"
#include "core/sha256.h"
#include "core/yaml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static int load_rules(ks_config *c, ks_yaml *y, yaml_node_t *v)
{
    size_t first = c->nrule_paths;
    int rc = ks_yaml_strings(y, v, "rules", false, &c->rule_paths, &c->nrule_paths);
    for (size_t i = first; !rc && i < c->nrule_paths; i++) {
        char *b = beside(c->path, c->rule_paths[i]);
        free(c->rule_paths[i]);
        c->rule_paths[i] = b;
    }
    return rc;
}

static int load_severity(ks_config *c, ks_yaml *y, yaml_node_t *v)
{
    if (v->type != YAML_MAPPING_NODE)
        return ks_yaml_fail(y, v, "`severity` must map rule ids to low, medium, high, critical");
    KS_YAML_EACH_PAIR(v, q)
    {
        yaml_node_t *rk = ks_yaml_node(y, q->key);
        yaml_node_t *rv = ks_yaml_node(y, q->value);
        const char *text = ks_yaml_text(rv);
        ks_severity sv = text ? ks_severity_parse(text) : KS_SEV_NONE;
        if (!ks_yaml_text(rk) || sv == KS_SEV_NONE)
            return ks_yaml_fail(y, rv, "`severity`: values are low, medium, high or critical");
        c->sev_rule = ks_xrealloc(c->sev_rule, (c->nsev + 1) * sizeof(char *));
        c->sev_value = ks_xrealloc(c->sev_value, (c->nsev + 1) * sizeof(ks_severity));
        c->sev_rule[c->nsev] = ks_yaml_strdup(rk);
        c->sev_value[c->nsev++] = sv;
    }
    return 0;
}

/* One entry of `allow`: {sha256: HEX, reason: TEXT}. */
static int load_allow_entry(ks_config *c, ks_yaml *y, yaml_node_t *e)
{
    const char *hex = NULL, *why = NULL;
    if (e->type == YAML_MAPPING_NODE)
        KS_YAML_EACH_PAIR(e, q)
        {
            yaml_node_t *ek = ks_yaml_node(y, q->key);
            yaml_node_t *ev = ks_yaml_node(y, q->value);
            const char *name = ks_yaml_text(ek) ? ks_yaml_text(ek) : "";
            if (strcmp(name, "sha256") == 0 && ks_yaml_text(ev))
                hex = ks_yaml_text(ev);
            else if (strcmp(name, "reason") == 0 && ks_yaml_text(ev))
                why = ks_yaml_text(ev);
            else if (strcmp(name, "reason") != 0)
                return ks_yaml_fail(y, ek, "`allow`: unknown key `%s` (sha256, reason)", name);
        }
    if (!hex || !is_hex64(hex))
        return ks_yaml_fail(y, e,
                            "`allow`: each entry needs `sha256`: 64 lower-case hex digits "
                            "(sha256sum of the secret value)");
    c->allow = ks_xrealloc(c->allow, (c->nallow + 1) * sizeof *c->allow);
    c->allow_reason = ks_xrealloc(c->allow_reason, (c->nallow + 1) * sizeof(char *));
    c->allow_reason[c->nallow] = why ? ks_xstrdup(why) : NULL;
    memcpy(c->allow[c->nallow++], hex, 65);
    return 0;
}

static int load_allow(ks_config *c, ks_yaml *y, yaml_node_t *v)
{
    if (v->type != YAML_SEQUENCE_NODE)
        return ks_yaml_fail(y, v, "`allow` must be a list of {sha256: HEX, reason: TEXT}");
    KS_YAML_EACH_ITEM(v, it)
    {
        int rc = load_allow_entry(c, y, ks_yaml_node(y, *it));
        if (rc)
            return rc;
    }
    return 0;
}

static int load_key(ks_config *c, ks_yaml *y, yaml_node_t *k, yaml_node_t *v)
{
    const char *key = ks_yaml_text(k) ? ks_yaml_text(k) : "";
    if (strcmp(key, "exclude") == 0)
        return ks_yaml_strings(y, v, key, false, &c->excludes, &c->nexcludes);
    if (strcmp(key, "rules") == 0)
        return load_rules(c, y, v);
    if (strcmp(key, "disable") == 0)
        return ks_yaml_strings(y, v, key, false, &c->disable, &c->ndisable);
    if (strcmp(key, "severity") == 0)
        return load_severity(c, y, v);
    if (strcmp(key, "allow") == 0)
        return load_allow(c, y, v);
    if (strcmp(key, "support_until") == 0) {
        if (!ks_yaml_text(v) || (c->support_until = ks_parse_date(ks_yaml_text(v))) < 0)
            return ks_yaml_fail(y, v, "`support_until` must be a date, YYYY-MM-DD");
        return 0;
    }
    return ks_yaml_fail(y, k,
                        "unknown key `%s` (exclude, rules, disable, severity, allow, support_until)",
                        key);
}

int ks_config_load(ks_config *c, const char *path)
{
    memset(c, 0, sizeof *c);
    c->path = ks_xstrdup(path);
    ks_yaml y;
    int rc = ks_yaml_load_file(&y, c->path, KS_EINVAL);
    if (rc) {
        ks_config_dispose(c);
        return rc;
    }
    yaml_node_t *root = ks_yaml_root(&y);
    if (root && root->type != YAML_MAPPING_NODE)
        rc = ks_yaml_fail(&y, root, "the configuration must be a mapping");
    else if (root)
        KS_YAML_EACH_PAIR(root, p)
        {
            if ((rc = load_key(c, &y, ks_yaml_node(&y, p->key), ks_yaml_node(&y, p->value))) != 0)
                break;
        }
    ks_yaml_dispose(&y);
    if (rc)
        ks_config_dispose(c); /* a failed load leaves nothing to free */
    return rc;
}

void ks_config_dispose(ks_config *c)
{
    free(c->path);
    ks_strv_free(c->excludes, c->nexcludes);
    ks_strv_free(c->rule_paths, c->nrule_paths);
    ks_strv_free(c->disable, c->ndisable);
    ks_strv_free(c->sev_rule, c->nsev);
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

bool ks_config_accepts(void *config, const ks_finding *f, ks_acceptance *why)
{
    const ks_config *c = config;
    if (!c->nallow)
        return false;
    char hex[65];
    ks_sha256_hex(hex, f->secret, f->secret_len);
    for (size_t j = 0; j < c->nallow; j++)
        if (strcmp(hex, c->allow[j]) == 0) {
            *why = (ks_acceptance){"allowlist", c->allow_reason[j], NULL, NULL};
            return true;
        }
    return false;
}
