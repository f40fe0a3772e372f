/*
 * git.h - git sources: the whole history (every unique blob reachable from
 * any ref, optionally every object), a range of commits for CI, and the
 * staged change for a pre-commit hook.
 *
 * A git blob is just another blob for the pipeline; its origin is its
 * object id. Provenance (path, introducing commit, author, date, whether it
 * is still in HEAD) is attached after the scan, so a blob reachable from
 * 500 commits is read and scanned once.
 */
#ifndef KS_GIT_H
#define KS_GIT_H

#include "../pipeline/pipeline.h"

typedef struct ks_git_opts {
    const char *repo;  /* a path inside the repository */
    const char *range; /* "BASE..HEAD": only what the range adds; NULL: all history */
    bool all_objects;  /* also unreachable and dangling objects */
    uint64_t max_blob_size;
} ks_git_opts;

typedef struct ks_git_source ks_git_source;

/* Open the repository and enumerate the blobs to scan. Errors (not a
 * repository, a bad range) stop the scan; damage inside the repository
 * (a corrupt or missing object) is recorded and reported as a warning. */
int ks_git_source_new(ks_git_source **out, const ks_git_opts *o);
void ks_git_source_free(ks_git_source *s);
extern const ks_source_ops ks_git_source_ops;

typedef struct ks_staged_source ks_staged_source;

/* The index against HEAD: blobs this commit would add or change, and for
 * each the lines it adds. Works with no commits yet, renames, merges. */
int ks_staged_source_new(ks_staged_source **out, const char *repo);
void ks_staged_source_free(ks_staged_source *s);
/* Number of staged files to scan (a pre-commit run starts no more threads). */
size_t ks_staged_source_count(const ks_staged_source *s);
extern const ks_source_ops ks_staged_source_ops;

/* libgit2's global state: once per process. */
void ks_git_init(void);
/* libgit2's last error message on this thread (never NULL). */
const char *ks_git_errmsg(void);

#endif
