/*
 * toml.h - TOML files read into a plain tree, for C.
 *
 * Debian 12 packages no C TOML library, so the reading is done by cpptoml
 * (libcpptoml-dev, header-only C++) in toml.cpp, the one C++ file of
 * keysift; this header is all the rest of keysift sees of it. The tree is
 * built once, owned by the caller, and freed with ks_toml_free.
 */
#ifndef KS_TOML_H
#define KS_TOML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ks_toml_type {
    KS_TOML_TABLE = 0,
    KS_TOML_ARRAY, /* an array of values, or of tables ([[x]]) */
    KS_TOML_STRING,
    KS_TOML_INTEGER,
    KS_TOML_FLOAT,
    KS_TOML_BOOL,
    KS_TOML_OTHER, /* dates and times: not used by keysift */
} ks_toml_type;

typedef struct ks_toml ks_toml;
struct ks_toml {
    ks_toml_type type;
    char *key;      /* the key in its table; NULL for an item of an array */
    char *string;   /* KS_TOML_STRING */
    int64_t integer; /* KS_TOML_INTEGER, and KS_TOML_BOOL (0 or 1) */
    double number;  /* KS_TOML_FLOAT and KS_TOML_INTEGER */
    ks_toml *items; /* a table's entries (sorted by key) or an array's items */
    size_t nitems;
};

/* Read a TOML file. On error returns KS_EINVAL with a message naming the
 * file and, for a syntax error, the line ("f.toml:7: ...") and *out NULL. */
int ks_toml_load_file(ks_toml **out, const char *path);
void ks_toml_free(ks_toml *t);

/* The entry `key` of a table, or NULL. */
const ks_toml *ks_toml_get(const ks_toml *table, const char *key);
/* The name of a type, for messages ("a string"). */
const char *ks_toml_type_name(ks_toml_type t);

#ifdef __cplusplus
}
#endif

#endif
