/*
 * source.h - where blobs come from.
 *
 * Each source implements ks_source_ops (pipeline.h). The file-system source
 * takes the PATH arguments of `keysift scan`: files, directories, and "-"
 * for standard input.
 */
#ifndef KS_SOURCE_H
#define KS_SOURCE_H

#include "../pipeline/pipeline.h"

typedef struct ks_fs_source ks_fs_source;

/* Check every path exists (a missing one is an error naming it) and set up
 * the walk. Paths are copied. */
int ks_fs_source_new(ks_fs_source **out, char *const *paths, size_t npaths);
void ks_fs_source_free(ks_fs_source *s);
extern const ks_source_ops ks_fs_source_ops;

/* True when a path relative to the scan root is excluded by one of the
 * globs: a glob without '/' is matched against the base name, one with
 * '/' against the whole relative path ('*' crosses directories). */
bool ks_path_excluded(char *const *globs, size_t nglobs, const char *relpath, const char *base);

#endif
