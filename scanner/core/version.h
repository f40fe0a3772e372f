/*
 * version.h - what `keysift --version` reports: keysift's own version, the
 * git commit it was built from (captured at build time), and the versions of
 * the libraries it runs with, asked of each library at run time (a binary
 * linked against one release may run with another).
 */
#ifndef KS_CORE_VERSION_H
#define KS_CORE_VERSION_H

#include <stddef.h>

typedef struct ks_version_component {
    const char *name; /* "vectorscan", "pcre2", ... */
    char version[96]; /* as the library reports it */
} ks_version_component;

/* The git commit keysift was built from (12 hex digits, "-dirty" when the
 * work tree had changes), or "unknown" outside a git checkout. Static. */
const char *ks_version_commit(void);

/* Fill out[0..cap) with the linked libraries; returns how many there are
 * (at most cap are filled). */
size_t ks_version_components(ks_version_component *out, size_t cap);

#endif
