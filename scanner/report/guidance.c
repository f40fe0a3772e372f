/*
 * guidance.c - read rules/guidance/kinds.yaml (libyaml document API).
 */
#include "guidance.h"

#include "../core/yaml.h"
#include "../engine/rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const ks_embedded_file ks_builtin_guidance_files[];
extern const size_t ks_builtin_guidance_nfiles;

static void strv_push(ks_strv *s, char *x)
{
    s->v = ks_xrealloc(s->v, (s->n + 1) * sizeof(char *));
    s->v[s->n++] = x;
}

static void strv_free(ks_strv *s)
{
    ks_strv_free(s->v, s->n);
}

static int list(ks_yaml *y, yaml_node_t *n, const char *key, ks_strv *out)
{
    return ks_yaml_strings(y, n, key, false, &out->v, &out->n);
}

/* `cra`: a list of {ref, text}. */
static int cra_list(ks_yaml *y, yaml_node_t *v, ks_guidance *g)
{
    if (v->type != YAML_SEQUENCE_NODE)
        return ks_yaml_fail(y, v, "`cra` must be a list of {ref, text}");
    KS_YAML_EACH_ITEM(v, it)
    {
        yaml_node_t *c = ks_yaml_node(y, *it);
        const char *ref = NULL, *text = NULL;
        if (c->type == YAML_MAPPING_NODE)
            KS_YAML_EACH_PAIR(c, q)
            {
                const char *k = ks_yaml_text(ks_yaml_node(y, q->key));
                const char *val = ks_yaml_text(ks_yaml_node(y, q->value));
                if (k && !strcmp(k, "ref") && !ref)
                    ref = val;
                else if (k && !strcmp(k, "text") && !text)
                    text = val;
            }
        if (!ref || !text)
            return ks_yaml_fail(y, c, "each of `cra` needs `ref` and `text`");
        strv_push(&g->cra_ref, ks_xstrdup(ref));
        strv_push(&g->cra_text, ks_xstrdup(text));
    }
    return 0;
}

static int text_field(ks_yaml *y, yaml_node_t *v, const char *key, char **out)
{
    free(*out);
    if (!(*out = ks_yaml_strdup(v)))
        return ks_yaml_fail(y, v, "`%s` must be a string", key);
    return 0;
}

static int entry_key(ks_yaml *y, const char *key, yaml_node_t *k, yaml_node_t *v, ks_guidance *g)
{
    static const char *const text_keys[] = {"kind", "title", "risk", "article14", "firmware"};
    char **texts[] = {&g->kind, &g->title, &g->risk, &g->article14, &g->firmware};
    static const char *const list_keys[] = {"owasp_nhi", "cwe", "etsi_en_303_645", "nist_csf",
                                            "steps"};
    ks_strv *lists[] = {&g->owasp_nhi, &g->cwe, &g->etsi, &g->nist_csf, &g->steps};
    for (size_t i = 0; i < sizeof text_keys / sizeof text_keys[0]; i++)
        if (!strcmp(key, text_keys[i]))
            return text_field(y, v, key, texts[i]);
    for (size_t i = 0; i < sizeof list_keys / sizeof list_keys[0]; i++)
        if (!strcmp(key, list_keys[i]))
            return list(y, v, key, lists[i]);
    if (!strcmp(key, "cra"))
        return cra_list(y, v, g);
    return ks_yaml_fail(y, k, "unknown guidance key `%s`", key);
}

static int entry(ks_yaml *y, yaml_node_t *n, ks_guidance *g)
{
    if (n->type != YAML_MAPPING_NODE)
        return ks_yaml_fail(y, n, "malformed guidance entry");
    KS_YAML_EACH_PAIR(n, p)
    {
        yaml_node_t *k = ks_yaml_node(y, p->key);
        const char *key = ks_yaml_text(k) ? ks_yaml_text(k) : "";
        int rc = entry_key(y, key, k, ks_yaml_node(y, p->value), g);
        if (rc)
            return rc;
    }
    return g->kind && g->title ? 0 : ks_yaml_fail(y, n, "guidance entry without `kind` or `title`");
}

static void guidance_free(ks_guidance *g)
{
    free(g->kind);
    free(g->title);
    free(g->risk);
    free(g->article14);
    free(g->firmware);
    strv_free(&g->cra_ref);
    strv_free(&g->cra_text);
    strv_free(&g->owasp_nhi);
    strv_free(&g->cwe);
    strv_free(&g->etsi);
    strv_free(&g->nist_csf);
    strv_free(&g->steps);
}

int ks_guidance_load_buffer(ks_guidance_set *gs, const char *name, const uint8_t *data, size_t len)
{
    ks_yaml y;
    int rc = ks_yaml_load(&y, name, data, len, KS_ERULE);
    if (rc)
        return rc;
    yaml_node_t *root = ks_yaml_root(&y);
    yaml_node_t *kinds = NULL;
    if (root && root->type == YAML_MAPPING_NODE)
        KS_YAML_EACH_PAIR(root, p)
        {
            const char *k = ks_yaml_text(ks_yaml_node(&y, p->key));
            if (k && !strcmp(k, "kinds"))
                kinds = ks_yaml_node(&y, p->value);
        }
    if (!kinds || kinds->type != YAML_SEQUENCE_NODE) {
        rc = ks_error_set(KS_ERULE, "%s: expected a `kinds` list", name);
        goto done;
    }
    KS_YAML_EACH_ITEM(kinds, it)
    {
        ks_guidance g;
        memset(&g, 0, sizeof g);
        if ((rc = entry(&y, ks_yaml_node(&y, *it), &g)) != 0) {
            guidance_free(&g);
            goto done;
        }
        gs->v = ks_xrealloc(gs->v, (gs->n + 1) * sizeof *gs->v);
        gs->v[gs->n++] = g;
    }
done:
    ks_yaml_dispose(&y);
    return rc;
}

int ks_guidance_load_builtin(ks_guidance_set *g)
{
    for (size_t i = 0; i < ks_builtin_guidance_nfiles; i++) {
        const ks_embedded_file *f = &ks_builtin_guidance_files[i];
        int rc = ks_guidance_load_buffer(g, f->name, f->data, f->len);
        if (rc)
            return rc;
    }
    return 0;
}

void ks_guidance_dispose(ks_guidance_set *g)
{
    for (size_t i = 0; i < g->n; i++)
        guidance_free(&g->v[i]);
    free(g->v);
    memset(g, 0, sizeof *g);
}

const ks_guidance *ks_guidance_find(const ks_guidance_set *g, const char *kind)
{
    for (size_t i = 0; g && i < g->n; i++)
        if (!strcmp(g->v[i].kind, kind))
            return &g->v[i];
    return NULL;
}
