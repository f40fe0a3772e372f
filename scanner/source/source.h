/*
 * source.h - where blobs come from: the source interface and its three
 * implementations (the file system, a git history, the staged index).
 *
 * A source is a small vtable. During the scan its `run` hands blobs to the
 * pipeline's workers, each named by an origin whose root carries the
 * source's key for the blob (provenance.h). After the scan, ks_scan_run
 * asks it about those keys and joins the answers with the findings; a
 * source never sees findings.
 */
#ifndef KS_SOURCE_H
#define KS_SOURCE_H

#include "../core/diag.h"
#include "../core/glob.h"
#include "../pipeline/pipeline.h"
#include "provenance.h"

typedef struct ks_source_ops {
    const char *name;
    ks_source_run_fn run;
    /* Each of the following may be NULL. */
    /* How many worker threads are worth starting, of `wanted`. */
    unsigned (*threads)(void *src, unsigned wanted);
    /* The records of a location of blob `key` at `where` (see provenance.h):
     * their number, in *out (a new array the caller owns); 0 drops it. */
    size_t (*provenance)(void *src, const ks_source_key *key, ks_place where,
                         ks_prov_record **out);
    /* Set known[i] for each secret the source already holds (a range's
     * base tree). */
    void (*known)(void *src, const ks_secret_ref *secrets, size_t n, bool *known);
    /* What was scanned, for reports ("git history of ."); a new string. */
    char *(*describe)(void *src);
    /* Move the diagnostics the source collected (enumeration, damage). */
    void (*diagnostics)(void *src, ks_diags *out);
    void (*free)(void *src);
} ks_source_ops;

typedef struct ks_source {
    const ks_source_ops *ops;
    void *impl;
} ks_source;

/* Release a source (nothing when it was never opened). */
void ks_source_close(ks_source *s);

/* The file system: the PATH arguments of `keysift scan` (files,
 * directories, "-" for standard input). Every path must exist (a missing
 * one is an error naming it). Paths are copied. */
int ks_fs_source_open(ks_source *out, char *const *paths, size_t npaths);


/* A git history: every unique blob reachable from any ref (optionally
 * every object), or what a range of commits adds. */
typedef struct ks_git_opts {
    const char *repo;  /* a path inside the repository */
    const char *range; /* "BASE..HEAD": only what the range adds; NULL: all history */
    bool all_objects;  /* also unreachable and dangling objects */
    uint64_t max_blob_size;
} ks_git_opts;
int ks_git_source_open(ks_source *out, const ks_git_opts *o);

/* The index against HEAD: blobs this commit would add or change, and for
 * each the lines it adds. Works with no commits yet, renames, merges. */
int ks_staged_source_open(ks_source *out, const char *repo);

/* Install keysift's pre-commit hook in the repository at `repo` (where
 * core.hooksPath or .git/hooks says), refusing to replace a hook that is
 * not keysift's unless `force`. The hook's path goes to installed[cap]. */
int ks_hook_install(const char *repo, bool force, char *installed, size_t cap);

#endif
