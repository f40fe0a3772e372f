/*
 * git.h - what the git sources share (internal to source/): libgit2's
 * set-up, and the state of the history source, which gitwalk.c fills
 * (enumeration: commits, trees, which commit introduced which blob at
 * which path) and git.c reads (scanning the blobs, then provenance).
 */
#ifndef KS_GIT_H
#define KS_GIT_H

#include "../core/hashmap.h"
#include "gitpack.h"
#include "source.h"

#include <git2.h>
#include <pthread.h>
#include <stdatomic.h>

#define NO_COMMIT UINT32_MAX

typedef struct commit_rec {
    git_oid oid;
    int64_t time;
    bool unreachable;
} commit_rec;

typedef struct intro {
    git_oid blob;
    uint32_t path;   /* interned; "" for an unreachable blob with no path */
    uint32_t commit; /* index into commits, or NO_COMMIT */
} intro;

typedef struct blob_rec {
    git_oid oid;
    uint32_t first, n; /* its introductions: intros[first .. first+n) */
} blob_rec;

typedef struct ks_git_source {
    ks_git_opts opts;
    git_repository *repo;
    char *gitdir;
    commit_rec *commits;
    size_t ncommits, ccap;
    ks_oidmap commit_idx;
    intro *intros;
    size_t nintros, icap;
    ks_strtab paths;
    blob_rec *blobs;
    size_t nblobs;
    uint32_t *order; /* blobs in reading order: by path, then history */
    ks_oidmap blob_idx;
    _Atomic size_t next;
    ks_diags warns;  /* diagnostics from enumeration */
    bool incomplete; /* the walk lost objects: some blobs may have no path */
    uint64_t submodules;
    git_oid base;
    bool has_base;
    char *desc;
    /* Whole-history mode: one worker walks while the others read the packs
     * in pack order (gitpack.c); blobs outside the packs are read through
     * libgit2 once the walk has listed them. */
    git_oid *roots; /* what each ref resolves to (tags not peeled) */
    char **root_names;
    size_t nroots;
    ks_pack **packs;
    size_t npacks;
    size_t *pack_start; /* entry i of pack k is global entry pack_start[k] + i */
    pthread_mutex_t lock;
    pthread_cond_t walked;
    size_t front, back; /* pack entries not yet claimed: [front, back) */
    _Atomic int roles;
    bool walk_done;
    git_oid *loose;
    size_t nloose;
    ks_pack_reader **walk_readers; /* the walker's own, one per pack */
    git_odb *odb;                  /* the walker's */
    _Atomic size_t loose_next;
    /* Pack objects that could not be read, by any means, during the scan
     * (under lock): counted per pack, the first one's reason kept. */
    size_t *pack_bad;
    uint64_t *pack_bad_off;
    char **pack_bad_msg;
    bool *pack_walk_lost; /* the walk lost commits or trees in this damaged pack */
    /* After the scan: HEAD's tree, for "is this blob still there". */
    git_oid head_tree;
    bool head_loaded, has_head;
} ks_git_source;

/* libgit2's global state: once per process. */
void ks_git_init(void);
/* libgit2's last error message on this thread (never NULL). */
const char *ks_git_errmsg(void);
/* Record a diagnostic about the repository (the first 1000 are kept). */
void ks_git_warn(ks_git_source *s, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Enumeration (gitwalk.c). */
/* Every pack of the repository that gitpack.c can read. */
void ks_gitwalk_open_packs(ks_git_source *s);
/* The commits every ref names (tags peeled), and HEAD: s->roots. */
void ks_gitwalk_roots(ks_git_source *s);
/* Walk BASE..HEAD (s->opts.range) and index what it introduces. Errors
 * (a bad range) stop the scan. */
int ks_gitwalk_range(ks_git_source *s);
/* Walk the whole history from s->roots (and, with --all-objects, what no
 * ref reaches), index it, and list the blobs no pack holds (s->loose). */
void ks_gitwalk_all(ks_git_source *s);
/* Read an object (of type `want`, 0 for any) from the packs with the
 * walker's readers, else through libgit2: for provenance after the scan
 * (one thread). The caller frees *data. ks_gitwalk_close frees the readers. */
int ks_gitwalk_load(ks_git_source *s, const git_oid *oid, int want, uint8_t **data, size_t *len);
void ks_gitwalk_close(ks_git_source *s);
/* Is `blob` at `path` in HEAD's tree? (After the scan, one thread.) */
bool ks_gitwalk_in_head(ks_git_source *s, const char *path, const git_oid *blob);
/* Raw objects, as the walk reads them (also for tests and fuzzing). */
typedef struct ks_tree_entry {
    const char *name; /* not NUL-terminated: nlen bytes */
    size_t nlen;
    uint32_t mode;
    const uint8_t *oid; /* 20 bytes */
} ks_tree_entry;
/* The entry of tree object d[0..n) at *pos ("<octal mode> <name>\0<20-byte
 * id>"), *pos moved past it; false at the end or at bytes that are not
 * one. The entry points into d. */
bool ks_gitwalk_tree_next(const uint8_t *d, size_t n, size_t *pos, ks_tree_entry *e);
/* git's tree order: names compared as if a directory's name ended in '/'. */
int ks_gitwalk_tree_cmp(const ks_tree_entry *a, const ks_tree_entry *b);
/* "tree", "parent" (at most maxp) and "committer" time of commit object
 * d[0..n); false when it names no tree. */
bool ks_gitwalk_parse_commit(const uint8_t *d, size_t n, git_oid *tree, git_oid *parents,
                             size_t *np, size_t maxp, int64_t *time);

#endif
