/*
 * glob.h - path globs, as --exclude and a rule's `paths` use them: a glob
 * without '/' matches the base name (`*.min.js`, `.pgpass`); one with '/'
 * matches the path, '*' crossing directories (`vendor/` then `**`, or
 * `**` then `/.kube/config`).
 */
#ifndef KS_GLOB_H
#define KS_GLOB_H

#include "ks.h"

/* Does any glob match? `relpath` is the path relative to where globs are
 * anchored, `base` its last component. */
bool ks_path_excluded(char *const *globs, size_t nglobs, const char *relpath, const char *base);
/* The same for a whole path ("/etc/config/wireless", "src/app/.npmrc"):
 * leading "/" and "./" are ignored. */
bool ks_glob_match_path(char *const *globs, size_t nglobs, const char *path);

/* The globs as one regular expression (Vectorscan and PCRE2 syntax, '.'
 * matching any byte) that finds a path exactly when ks_glob_match_path
 * matches it, given the path without its leading "/" and "./"
 * (ks_glob_path_start). Allocated. */
char *ks_glob_regex(char *const *globs, size_t nglobs);
/* Where ks_glob_match_path starts reading a path. */
const char *ks_glob_path_start(const char *path);

#endif
