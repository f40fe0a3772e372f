/*
 * guidance.c - read rules/guidance/kinds.yaml (libyaml document API).
 */
#include "guidance.h"

#include "rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

extern const ks_embedded_file ks_builtin_guidance_files[];
extern const size_t ks_builtin_guidance_nfiles;

static char *scalar_dup(const yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE
               ? ks_xstrndup((const char *)n->data.scalar.value, n->data.scalar.length)
               : NULL;
}

static void strv_push(ks_strv *s, char *x)
{
    s->v = ks_xrealloc(s->v, (s->n + 1) * sizeof(char *));
    s->v[s->n++] = x;
}

static void strv_free(ks_strv *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
}

static int list(yaml_document_t *d, yaml_node_t *n, ks_strv *out)
{
    if (n->type != YAML_SEQUENCE_NODE)
        return -1;
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
         it++) {
        char *s = scalar_dup(yaml_document_get_node(d, *it));
        if (!s)
            return -1;
        strv_push(out, s);
    }
    return 0;
}

static int entry(yaml_document_t *d, yaml_node_t *n, ks_guidance *g)
{
    if (n->type != YAML_MAPPING_NODE)
        return -1;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(d, p->key);
        yaml_node_t *v = yaml_document_get_node(d, p->value);
        const char *key = k->type == YAML_SCALAR_NODE ? (const char *)k->data.scalar.value : "";
        int rc = 0;
        if (!strcmp(key, "kind"))
            rc = (g->kind = scalar_dup(v)) ? 0 : -1;
        else if (!strcmp(key, "title"))
            rc = (g->title = scalar_dup(v)) ? 0 : -1;
        else if (!strcmp(key, "risk"))
            rc = (g->risk = scalar_dup(v)) ? 0 : -1;
        else if (!strcmp(key, "article14"))
            rc = (g->article14 = scalar_dup(v)) ? 0 : -1;
        else if (!strcmp(key, "firmware"))
            rc = (g->firmware = scalar_dup(v)) ? 0 : -1;
        else if (!strcmp(key, "owasp_nhi"))
            rc = list(d, v, &g->owasp_nhi);
        else if (!strcmp(key, "cwe"))
            rc = list(d, v, &g->cwe);
        else if (!strcmp(key, "etsi_en_303_645"))
            rc = list(d, v, &g->etsi);
        else if (!strcmp(key, "nist_csf"))
            rc = list(d, v, &g->nist_csf);
        else if (!strcmp(key, "steps"))
            rc = list(d, v, &g->steps);
        else if (!strcmp(key, "cra")) {
            if (v->type != YAML_SEQUENCE_NODE)
                return -1;
            for (yaml_node_item_t *it = v->data.sequence.items.start;
                 it < v->data.sequence.items.top; it++) {
                yaml_node_t *c = yaml_document_get_node(d, *it);
                char *ref = NULL, *text = NULL;
                if (c->type != YAML_MAPPING_NODE)
                    return -1;
                for (yaml_node_pair_t *q = c->data.mapping.pairs.start;
                     q < c->data.mapping.pairs.top; q++) {
                    yaml_node_t *ck = yaml_document_get_node(d, q->key);
                    const char *cks =
                        ck->type == YAML_SCALAR_NODE ? (const char *)ck->data.scalar.value : "";
                    char *val = scalar_dup(yaml_document_get_node(d, q->value));
                    if (!strcmp(cks, "ref") && !ref)
                        ref = val;
                    else if (!strcmp(cks, "text") && !text)
                        text = val;
                    else
                        free(val);
                }
                if (!ref || !text) {
                    free(ref);
                    free(text);
                    return -1;
                }
                strv_push(&g->cra_ref, ref);
                strv_push(&g->cra_text, text);
            }
        } else
            return -1;
        if (rc)
            return -1;
    }
    return g->kind && g->title ? 0 : -1;
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
    yaml_parser_t parser;
    yaml_document_t doc;
    int rc = 0;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_string(&parser, data, len);
    if (!yaml_parser_load(&parser, &doc)) {
        rc = ks_error_set(KS_ERULE, "%s:%zu: YAML error: %s", name, parser.problem_mark.line + 1,
                          parser.problem ? parser.problem : "malformed");
        yaml_parser_delete(&parser);
        return rc;
    }
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    yaml_node_t *kinds = NULL;
    if (root && root->type == YAML_MAPPING_NODE)
        for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
             p++) {
            yaml_node_t *k = yaml_document_get_node(&doc, p->key);
            if (k->type == YAML_SCALAR_NODE && !strcmp((const char *)k->data.scalar.value, "kinds"))
                kinds = yaml_document_get_node(&doc, p->value);
        }
    if (!kinds || kinds->type != YAML_SEQUENCE_NODE) {
        rc = ks_error_set(KS_ERULE, "%s: expected a `kinds` list", name);
        goto done;
    }
    for (yaml_node_item_t *it = kinds->data.sequence.items.start;
         it < kinds->data.sequence.items.top; it++) {
        yaml_node_t *n = yaml_document_get_node(&doc, *it);
        ks_guidance g;
        memset(&g, 0, sizeof g);
        if (entry(&doc, n, &g) != 0) {
            guidance_free(&g);
            rc = ks_error_set(KS_ERULE, "%s:%zu: malformed guidance entry", name,
                              n->start_mark.line + 1);
            goto done;
        }
        gs->v = ks_xrealloc(gs->v, (gs->n + 1) * sizeof *gs->v);
        gs->v[gs->n++] = g;
    }
done:
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
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
