/*
 * yaml.h - reading YAML documents with libyaml's document API, with one
 * way of saying what is wrong: "file:line: message". Rule files, the
 * guidance and .keysift.yaml are all read through it.
 */
#ifndef KS_YAML_H
#define KS_YAML_H

#include "ks.h"

#include <yaml.h>

typedef struct ks_yaml {
    yaml_document_t doc;
    bool loaded;
    const char *name;    /* the file, in messages */
    const char *context; /* put before messages ("rule x.y"), or NULL */
    int code;            /* the error code messages are set with */
} ks_yaml;

/* Parse a document from memory. A syntax error returns `code` with
 * "name:line:column: YAML error: what". `name` must outlive y. */
int ks_yaml_load(ks_yaml *y, const char *name, const uint8_t *data, size_t len, int code);
/* The same, reading the file `path` (which names it in messages). */
int ks_yaml_load_file(ks_yaml *y, const char *path, int code);
void ks_yaml_dispose(ks_yaml *y);

yaml_node_t *ks_yaml_root(ks_yaml *y);
yaml_node_t *ks_yaml_node(ks_yaml *y, int id);
/* 1-based line of a node. */
int ks_yaml_line(const yaml_node_t *n);
/* Set the error "name:line: [context: ]message" for node n (NULL: line 0)
 * and return the document's code. */
int ks_yaml_fail(const ks_yaml *y, const yaml_node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A scalar's text, or NULL when n is not a scalar. */
const char *ks_yaml_text(const yaml_node_t *n);
/* A copy of a scalar's text, or NULL when n is not a scalar. */
char *ks_yaml_strdup(const yaml_node_t *n);
/* Append the strings of a sequence of non-empty scalars (or, when
 * `scalar_ok`, of one scalar) to *out; an error names `key`. */
int ks_yaml_strings(ks_yaml *y, yaml_node_t *n, const char *key, bool scalar_ok, char ***out,
                    size_t *nout);
/* Free a list of strings. */
void ks_strv_free(char **v, size_t n);

/* Iterate over the pairs of a mapping node / the items of a sequence node. */
#define KS_YAML_EACH_PAIR(node, p)                                                                 \
    for (yaml_node_pair_t *p = (node)->data.mapping.pairs.start; p < (node)->data.mapping.pairs.top; \
         p++)
#define KS_YAML_EACH_ITEM(node, it)                                                                \
    for (yaml_node_item_t *it = (node)->data.sequence.items.start;                                \
         it < (node)->data.sequence.items.top; it++)

#endif
