/*
 * yaml.c - see yaml.h.
 */
#include "yaml.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int load(ks_yaml *y, yaml_parser_t *parser)
{
    int rc = 0;
    if (!yaml_parser_load(parser, &y->doc))
        rc = ks_error_set(y->code, "%s:%zu:%zu: YAML error: %s%s%s", y->name,
                          parser->problem_mark.line + 1, parser->problem_mark.column + 1,
                          parser->problem ? parser->problem : "malformed document",
                          parser->context ? " " : "", parser->context ? parser->context : "");
    else
        y->loaded = true;
    yaml_parser_delete(parser);
    return rc;
}

int ks_yaml_load(ks_yaml *y, const char *name, const uint8_t *data, size_t len, int code)
{
    yaml_parser_t parser;
    memset(y, 0, sizeof *y);
    y->name = name;
    y->code = code;
    if (!yaml_parser_initialize(&parser))
        return ks_error_set(KS_ENOMEM, "%s: cannot initialise the YAML parser", name);
    yaml_parser_set_input_string(&parser, data, len);
    return load(y, &parser);
}

int ks_yaml_load_file(ks_yaml *y, const char *path, int code)
{
    yaml_parser_t parser;
    memset(y, 0, sizeof *y);
    y->name = path;
    y->code = code;
    FILE *f = fopen(path, "rb");
    if (!f)
        return ks_error_set(KS_EIO, "%s: cannot read: %s", path, strerror(errno));
    if (!yaml_parser_initialize(&parser)) {
        fclose(f);
        return ks_error_set(KS_ENOMEM, "%s: cannot initialise the YAML parser", path);
    }
    yaml_parser_set_input_file(&parser, f);
    int rc = load(y, &parser);
    fclose(f);
    return rc;
}

void ks_yaml_dispose(ks_yaml *y)
{
    if (y->loaded)
        yaml_document_delete(&y->doc);
    y->loaded = false;
}

yaml_node_t *ks_yaml_root(ks_yaml *y)
{
    return y->loaded ? yaml_document_get_root_node(&y->doc) : NULL;
}

yaml_node_t *ks_yaml_node(ks_yaml *y, int id)
{
    return yaml_document_get_node(&y->doc, id);
}

int ks_yaml_line(const yaml_node_t *n)
{
    return n ? (int)n->start_mark.line + 1 : 0;
}

int ks_yaml_fail(const ks_yaml *y, const yaml_node_t *n, const char *fmt, ...)
{
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (y->context)
        return ks_error_set(y->code, "%s:%d: %s: %s", y->name, ks_yaml_line(n), y->context, what);
    return ks_error_set(y->code, "%s:%d: %s", y->name, ks_yaml_line(n), what);
}

const char *ks_yaml_text(const yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

char *ks_yaml_strdup(const yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE
               ? ks_xstrndup((const char *)n->data.scalar.value, n->data.scalar.length)
               : NULL;
}

static void push(char ***out, size_t *nout, char *s)
{
    *out = ks_xrealloc(*out, (*nout + 1) * sizeof(char *));
    (*out)[(*nout)++] = s;
}

int ks_yaml_strings(ks_yaml *y, yaml_node_t *n, const char *key, bool scalar_ok, char ***out,
                    size_t *nout)
{
    if (scalar_ok && n->type == YAML_SCALAR_NODE) {
        push(out, nout, ks_yaml_strdup(n));
        return 0;
    }
    if (n->type != YAML_SEQUENCE_NODE)
        return ks_yaml_fail(y, n, "`%s` must be a list of strings", key);
    KS_YAML_EACH_ITEM(n, it)
    {
        yaml_node_t *v = yaml_document_get_node(&y->doc, *it);
        if (!v || v->type != YAML_SCALAR_NODE || (!scalar_ok && !v->data.scalar.length))
            return ks_yaml_fail(y, v ? v : n, "`%s` must be a list of strings", key);
        push(out, nout, ks_yaml_strdup(v));
    }
    return 0;
}

void ks_strv_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}
