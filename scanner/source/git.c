/*
 * git.c - the git history source (whole history, or a range for CI).
 *
 * DESIGN
 * Enumeration runs on one thread before the scan: every commit reachable
 * from every ref (branches, tags, remotes, stash, notes, HEAD) is visited
 * once, and its tree is compared with its parents' trees. A blob is
 * "introduced" at a path by a commit when no parent has that blob at that
 * path; each (blob, path) keeps its earliest introducing commit. Only the
 * blob index (object ids, introductions, interned paths) and a small
 * per-commit record (id, time) are kept, so memory follows the number of
 * distinct blobs, not the length of the history.
 *
 * The walk is our own depth-first search rather than git_revwalk: a
 * missing or corrupt commit is a warning naming it, and the rest of the
 * history is still walked. Workers then take blobs by an atomic index,
 * each with its own repository handle, and read each blob once.
 *
 * Range mode (BASE..HEAD) walks the commits reachable from HEAD and not
 * from BASE; a secret found in what they introduce is reported only if it
 * does not already occur in BASE's tree.
 */
#include "git.h"

#include "../core/hashmap.h"

#include <git2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

struct ks_git_source {
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
    char **wpath, **wmsg; /* diagnostics from enumeration */
    size_t nwarn, wcap;
    uint64_t submodules;
    git_oid base;
    bool has_base;
    char *desc;
};

static void init_once(void)
{
    git_libgit2_init();
    /* Bound libgit2's memory: its object cache (default 256 MB per
     * repository handle, one per worker) and the pack windows it maps
     * (default 8 GB) would otherwise grow with the history. */
    git_libgit2_opts(GIT_OPT_SET_CACHE_MAX_SIZE, (ssize_t)(16 << 20));
    git_libgit2_opts(GIT_OPT_SET_MWINDOW_SIZE, (size_t)(8 << 20));
    git_libgit2_opts(GIT_OPT_SET_MWINDOW_MAPPED_LIMIT, (size_t)(64 << 20));
}

void ks_git_init(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, init_once);
}

static const char *git_msg(void)
{
    const git_error *e = git_error_last();
    return e && e->message ? e->message : "unknown error";
}

static void warn(ks_git_source *s, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void warn(ks_git_source *s, const char *path, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (s->nwarn >= 1000)
        return;
    if (s->nwarn + 1 > s->wcap) {
        s->wcap = s->wcap ? s->wcap * 2 : 16;
        s->wpath = ks_xrealloc(s->wpath, s->wcap * sizeof(char *));
        s->wmsg = ks_xrealloc(s->wmsg, s->wcap * sizeof(char *));
    }
    s->wpath[s->nwarn] = ks_xstrdup(path);
    s->wmsg[s->nwarn] = ks_xstrdup(msg);
    s->nwarn++;
}

/* ------------------------------------------------------------------------ */
/* Enumeration                                                               */

static uint32_t commit_index(ks_git_source *s, const git_oid *oid, bool *is_new)
{
    uint32_t idx = ks_oidmap_put(&s->commit_idx, oid->id, (uint32_t)s->ncommits);
    *is_new = idx == s->ncommits;
    if (*is_new) {
        ks_grow((void **)&s->commits, &s->ccap, s->ncommits + 1, sizeof(commit_rec));
        memset(&s->commits[s->ncommits], 0, sizeof(commit_rec));
        s->commits[s->ncommits].oid = *oid;
        s->ncommits++;
    }
    return idx;
}

static void add_intro(ks_git_source *s, const git_oid *blob, const char *path, uint32_t commit)
{
    ks_grow((void **)&s->intros, &s->icap, s->nintros + 1, sizeof(intro));
    intro *in = &s->intros[s->nintros++];
    in->blob = *blob;
    in->path = ks_strtab_intern(&s->paths, path);
    in->commit = commit;
}

static bool in_tree(git_tree *t, const char *path, const git_oid *blob)
{
    git_tree_entry *e = NULL;
    if (!t || git_tree_entry_bypath(&e, t, path) != 0)
        return false;
    bool same = git_oid_equal(git_tree_entry_id(e), blob);
    git_tree_entry_free(e);
    return same;
}

#define MAX_PARENTS 8

/* Compare `tree` with the same directory in each parent. An entry any
 * parent has with the same id is not new: for a subtree that prunes the
 * whole directory, so a commit costs what it changed, not the size of the
 * tree. A blob no parent has at this path is introduced by the commit. */
static void diff_rec(ks_git_source *s, uint32_t idx, git_tree *tree, git_tree **parents, size_t np,
                     char *path, size_t plen, size_t pcap)
{
    size_t n = git_tree_entrycount(tree);
    for (size_t i = 0; i < n; i++) {
        const git_tree_entry *e = git_tree_entry_byindex(tree, i);
        const char *name = git_tree_entry_name(e);
        const git_oid *id = git_tree_entry_id(e);
        git_filemode_t mode = git_tree_entry_filemode(e);
        const git_tree_entry *pe[MAX_PARENTS] = {NULL};
        bool same = false;
        for (size_t p = 0; p < np && !same; p++) {
            pe[p] = parents[p] ? git_tree_entry_byname(parents[p], name) : NULL;
            same = pe[p] && git_oid_equal(git_tree_entry_id(pe[p]), id);
        }
        if (same)
            continue;
        size_t nl = strlen(name);
        if (plen + nl + 2 > pcap)
            continue; /* a path beyond PATH_MAX: not a real checkout */
        memcpy(path + plen, name, nl + 1);
        if (mode == GIT_FILEMODE_TREE) {
            git_tree *sub = NULL, *psub[MAX_PARENTS] = {NULL};
            if (git_tree_lookup(&sub, s->repo, id) != 0) {
                char hex[GIT_OID_HEXSZ + 1];
                git_oid_tostr(hex, sizeof hex, id);
                warn(s, path, "tree %s: %s", hex, git_msg());
                continue;
            }
            for (size_t p = 0; p < np; p++)
                if (pe[p] && git_tree_entry_type(pe[p]) == GIT_OBJECT_TREE &&
                    git_tree_lookup(&psub[p], s->repo, git_tree_entry_id(pe[p])) != 0)
                    psub[p] = NULL;
            path[plen + nl] = '/';
            path[plen + nl + 1] = '\0';
            diff_rec(s, idx, sub, psub, np, path, plen + nl + 1, pcap);
            for (size_t p = 0; p < np; p++)
                git_tree_free(psub[p]);
            git_tree_free(sub);
        } else if (mode == GIT_FILEMODE_COMMIT) {
            s->submodules++;
        } else if (mode == GIT_FILEMODE_BLOB || mode == GIT_FILEMODE_BLOB_EXECUTABLE ||
                   mode == GIT_FILEMODE_LINK) {
            add_intro(s, id, path, idx);
        }
        path[plen] = '\0';
    }
}

/* Record what commit `idx` introduces, and return its parents' ids. */
static void visit_commit(ks_git_source *s, uint32_t idx, git_oid *parents_out, size_t *nparents)
{
    char hex[GIT_OID_HEXSZ + 1];
    git_oid oid = s->commits[idx].oid;
    git_commit *c = NULL;
    git_tree *tree = NULL, *ptree[MAX_PARENTS] = {NULL};
    size_t np = 0;

    git_oid_tostr(hex, sizeof hex, &oid);
    *nparents = 0;
    if (git_commit_lookup(&c, s->repo, &oid) != 0) {
        warn(s, s->opts.repo, "commit %s: %s (its history is not scanned)", hex, git_msg());
        return;
    }
    s->commits[idx].time = (int64_t)git_commit_time(c);
    np = git_commit_parentcount(c);
    for (size_t i = 0; i < np && i < 16; i++)
        parents_out[(*nparents)++] = *git_commit_parent_id(c, (unsigned)i);
    if (git_commit_tree(&tree, c) != 0) {
        warn(s, s->opts.repo, "commit %s: cannot read its tree: %s", hex, git_msg());
        goto done;
    }
    if (np > MAX_PARENTS)
        np = MAX_PARENTS;
    for (size_t i = 0; i < np; i++) {
        git_commit *p = NULL;
        if (git_commit_parent(&p, c, (unsigned)i) != 0 || git_commit_tree(&ptree[i], p) != 0) {
            if (!git_repository_is_shallow(s->repo))
                warn(s, s->opts.repo, "commit %s: parent %zu unreadable: %s", hex, i, git_msg());
            ptree[i] = NULL;
        }
        git_commit_free(p);
    }
    char path[4096] = "";
    diff_rec(s, idx, tree, ptree, np, path, 0, sizeof path);
done:
    for (size_t i = 0; i < MAX_PARENTS; i++)
        git_tree_free(ptree[i]);
    git_tree_free(tree);
    git_commit_free(c);
}

/* Depth-first over commits from `roots`, each commit once. */
static void walk(ks_git_source *s, const git_oid *roots, size_t nroots, bool unreachable)
{
    git_oid *stack = NULL;
    size_t n = 0, cap = 0;
    for (size_t i = 0; i < nroots; i++) {
        bool is_new;
        uint32_t idx = commit_index(s, &roots[i], &is_new);
        if (!is_new)
            continue;
        s->commits[idx].unreachable = unreachable;
        ks_grow((void **)&stack, &cap, n + 1, sizeof(git_oid));
        stack[n++] = roots[i];
    }
    git_oid parents[16];
    while (n > 0) {
        git_oid oid = stack[--n];
        bool is_new;
        uint32_t idx = commit_index(s, &oid, &is_new);
        size_t np = 0;
        visit_commit(s, idx, parents, &np);
        for (size_t i = 0; i < np; i++) {
            uint32_t pi = commit_index(s, &parents[i], &is_new);
            if (!is_new)
                continue;
            s->commits[pi].unreachable = unreachable;
            ks_grow((void **)&stack, &cap, n + 1, sizeof(git_oid));
            stack[n++] = parents[i];
        }
    }
    free(stack);
}

/* Commits named by every ref (tags peeled), and HEAD. */
static void collect_roots(ks_git_source *s, git_oid **out, size_t *nout)
{
    git_reference_iterator *it = NULL;
    git_reference *ref;
    size_t cap = 0;
    *out = NULL;
    *nout = 0;
    if (git_reference_iterator_new(&it, s->repo) != 0) {
        warn(s, s->opts.repo, "cannot list references: %s", git_msg());
        return;
    }
    while (git_reference_next(&ref, it) == 0) {
        git_object *obj = NULL;
        if (git_reference_peel(&obj, ref, GIT_OBJECT_COMMIT) == 0) {
            ks_grow((void **)out, &cap, *nout + 1, sizeof(git_oid));
            (*out)[(*nout)++] = *git_object_id(obj);
        } else if (git_reference_type(ref) == GIT_REFERENCE_DIRECT) {
            /* A tag of a tree or blob: rare; its blob is not in any path. */
            git_object *any = NULL;
            if (git_reference_peel(&any, ref, GIT_OBJECT_ANY) != 0)
                warn(s, git_reference_name(ref), "reference points to a missing object: %s",
                     git_msg());
            git_object_free(any);
        }
        git_object_free(obj);
        git_reference_free(ref);
    }
    git_reference_iterator_free(it);
    git_reference *head = NULL;
    git_object *obj = NULL;
    if (git_repository_head(&head, s->repo) == 0 &&
        git_reference_peel(&obj, head, GIT_OBJECT_COMMIT) == 0) {
        ks_grow((void **)out, &cap, *nout + 1, sizeof(git_oid));
        (*out)[(*nout)++] = *git_object_id(obj);
    }
    git_object_free(obj);
    git_reference_free(head);
}

typedef struct odb_scan {
    ks_git_source *s;
    git_odb *odb;
    git_oid *commits;
    size_t ncommits, ccap;
    git_oid *blobs;
    size_t nblobs, bcap;
} odb_scan;

static int odb_each(const git_oid *id, void *payload)
{
    odb_scan *o = payload;
    size_t len;
    git_object_t type;
    if (git_odb_read_header(&len, &type, o->odb, id) != 0) {
        char hex[GIT_OID_HEXSZ + 1];
        git_oid_tostr(hex, sizeof hex, id);
        warn(o->s, o->s->opts.repo, "object %s: %s", hex, git_msg());
        return 0;
    }
    if (type == GIT_OBJECT_COMMIT && ks_oidmap_get(&o->s->commit_idx, id->id) == UINT32_MAX) {
        ks_grow((void **)&o->commits, &o->ccap, o->ncommits + 1, sizeof(git_oid));
        o->commits[o->ncommits++] = *id;
    } else if (type == GIT_OBJECT_BLOB) {
        ks_grow((void **)&o->blobs, &o->bcap, o->nblobs + 1, sizeof(git_oid));
        o->blobs[o->nblobs++] = *id;
    }
    return 0;
}

/* --all-objects: walk commits no ref reaches (a rewritten history that was
 * never garbage-collected), then add blobs no commit reaches at all. */
static void add_unreachable(ks_git_source *s)
{
    odb_scan o = {.s = s};
    if (git_repository_odb(&o.odb, s->repo) != 0) {
        warn(s, s->opts.repo, "cannot open the object database: %s", git_msg());
        return;
    }
    git_odb_foreach(o.odb, odb_each, &o);
    walk(s, o.commits, o.ncommits, true);
    ks_oidmap seen;
    ks_oidmap_init(&seen);
    for (size_t i = 0; i < s->nintros; i++)
        ks_oidmap_put(&seen, s->intros[i].blob.id, 0);
    for (size_t i = 0; i < o.nblobs; i++)
        if (ks_oidmap_get(&seen, o.blobs[i].id) == UINT32_MAX)
            add_intro(s, &o.blobs[i], "", NO_COMMIT);
    ks_oidmap_dispose(&seen);
    free(o.commits);
    free(o.blobs);
    git_odb_free(o.odb);
}

static const ks_git_source *sort_src;

static int cmp_intro(const void *pa, const void *pb)
{
    const intro *a = pa, *b = pb;
    int c = git_oid_cmp(&a->blob, &b->blob);
    if (c)
        return c;
    if (a->path != b->path)
        return a->path < b->path ? -1 : 1;
    int64_t ta = a->commit == NO_COMMIT ? INT64_MAX : sort_src->commits[a->commit].time;
    int64_t tb = b->commit == NO_COMMIT ? INT64_MAX : sort_src->commits[b->commit].time;
    return ta < tb ? -1 : ta > tb;
}

static int cmp_order(const void *pa, const void *pb)
{
    const intro *a = &sort_src->intros[sort_src->blobs[*(const uint32_t *)pa].first];
    const intro *b = &sort_src->intros[sort_src->blobs[*(const uint32_t *)pb].first];
    if (a->path != b->path)
        return a->path < b->path ? -1 : 1;
    int64_t ta = a->commit == NO_COMMIT ? INT64_MAX : sort_src->commits[a->commit].time;
    int64_t tb = b->commit == NO_COMMIT ? INT64_MAX : sort_src->commits[b->commit].time;
    return ta < tb ? -1 : ta > tb;
}

/* Sort introductions, keep the earliest per (blob, path), index blobs. */
static void build_index(ks_git_source *s)
{
    sort_src = s;
    if (s->nintros > 1)
        qsort(s->intros, s->nintros, sizeof(intro), cmp_intro);
    size_t k = 0;
    for (size_t i = 0; i < s->nintros; i++) {
        if (k && git_oid_equal(&s->intros[k - 1].blob, &s->intros[i].blob) &&
            s->intros[k - 1].path == s->intros[i].path)
            continue;
        s->intros[k++] = s->intros[i];
    }
    s->nintros = k;
    s->blobs = ks_xcalloc(k ? k : 1, sizeof(blob_rec));
    for (size_t i = 0; i < k; i++) {
        if (s->nblobs && git_oid_equal(&s->blobs[s->nblobs - 1].oid, &s->intros[i].blob)) {
            s->blobs[s->nblobs - 1].n++;
            continue;
        }
        blob_rec *b = &s->blobs[s->nblobs];
        b->oid = s->intros[i].blob;
        b->first = (uint32_t)i;
        b->n = 1;
        ks_oidmap_put(&s->blob_idx, b->oid.id, (uint32_t)s->nblobs);
        s->nblobs++;
    }
    /* Read successive versions of a file one after another: packs store
     * them as deltas of each other, so the base is still in libgit2's
     * delta cache when the next version is read. */
    s->order = ks_xcalloc(s->nblobs ? s->nblobs : 1, sizeof(uint32_t));
    for (size_t i = 0; i < s->nblobs; i++)
        s->order[i] = (uint32_t)i;
    if (s->nblobs > 1)
        qsort(s->order, s->nblobs, sizeof(uint32_t), cmp_order);
}

static int range_walk(ks_git_source *s)
{
    git_revspec spec;
    git_revwalk *w = NULL;
    int rc = 0;
    if (git_revparse(&spec, s->repo, s->opts.range) != 0 || !(spec.flags & GIT_REVSPEC_RANGE))
        return ks_error_set(KS_EINVAL, "--range %s: %s", s->opts.range,
                            spec.flags & GIT_REVSPEC_RANGE || !git_error_last()
                                ? "expected BASE..HEAD"
                                : git_msg());
    git_object *from = NULL, *to = NULL;
    if (git_object_peel(&from, spec.from, GIT_OBJECT_COMMIT) != 0 ||
        git_object_peel(&to, spec.to, GIT_OBJECT_COMMIT) != 0) {
        rc = ks_error_set(KS_EINVAL, "--range %s: both ends must be commits: %s", s->opts.range,
                          git_msg());
        goto done;
    }
    s->base = *git_object_id(from);
    s->has_base = true;
    if (git_revwalk_new(&w, s->repo) != 0 || git_revwalk_push(w, git_object_id(to)) != 0 ||
        git_revwalk_hide(w, git_object_id(from)) != 0) {
        rc = ks_error_set(KS_EINVAL, "--range %s: %s", s->opts.range, git_msg());
        goto done;
    }
    git_oid oid, parents[16];
    int wr;
    while ((wr = git_revwalk_next(&oid, w)) == 0) {
        bool is_new;
        uint32_t idx = commit_index(s, &oid, &is_new);
        size_t np;
        if (is_new)
            visit_commit(s, idx, parents, &np);
    }
    if (wr != GIT_ITEROVER)
        warn(s, s->opts.repo, "walking %s stopped early: %s", s->opts.range, git_msg());
done:
    git_revwalk_free(w);
    git_object_free(from);
    git_object_free(to);
    git_object_free(spec.from);
    git_object_free(spec.to);
    return rc;
}

int ks_git_source_new(ks_git_source **out, const ks_git_opts *o)
{
    ks_git_init();
    ks_git_source *s = ks_xcalloc(1, sizeof *s);
    int rc = 0;
    s->opts = *o;
    s->opts.repo = o->repo ? o->repo : ".";
    ks_oidmap_init(&s->commit_idx);
    ks_oidmap_init(&s->blob_idx);
    ks_strtab_init(&s->paths);
    *out = NULL;

    if (git_repository_open_ext(&s->repo, s->opts.repo, 0, NULL) != 0) {
        rc = ks_error_set(KS_EINVAL, "%s: not a git repository (%s)", s->opts.repo, git_msg());
        goto fail;
    }
    s->gitdir = ks_xstrdup(git_repository_path(s->repo));
    if (git_repository_is_shallow(s->repo))
        warn(s, s->opts.repo,
             "shallow clone: only the history that was fetched is scanned (fetch with "
             "--unshallow, or fetch-depth: 0 in CI, for all of it)");
    if (o->range) {
        if ((rc = range_walk(s)) != 0)
            goto fail;
    } else {
        git_oid *roots;
        size_t nroots;
        collect_roots(s, &roots, &nroots);
        walk(s, roots, nroots, false);
        free(roots);
        if (o->all_objects)
            add_unreachable(s);
    }
    if (s->submodules)
        warn(s, s->opts.repo,
             "%llu submodule entries not followed (scan each submodule's repository on its own)",
             (unsigned long long)s->submodules);
    build_index(s);
    size_t dl = strlen(s->opts.repo) + 64 + (o->range ? strlen(o->range) : 0);
    s->desc = ks_xmalloc(dl);
    if (o->range)
        snprintf(s->desc, dl, "git range %s of %s", o->range, s->opts.repo);
    else
        snprintf(s->desc, dl, "git history of %s%s", s->opts.repo,
                 o->all_objects ? " (all objects)" : "");
    *out = s;
    return 0;
fail:
    ks_git_source_free(s);
    return rc;
}

void ks_git_source_free(ks_git_source *s)
{
    if (!s)
        return;
    git_repository_free(s->repo);
    free(s->gitdir);
    free(s->commits);
    free(s->intros);
    free(s->blobs);
    free(s->order);
    ks_oidmap_dispose(&s->commit_idx);
    ks_oidmap_dispose(&s->blob_idx);
    ks_strtab_dispose(&s->paths);
    for (size_t i = 0; i < s->nwarn; i++) {
        free(s->wpath[i]);
        free(s->wmsg[i]);
    }
    free(s->wpath);
    free(s->wmsg);
    free(s->desc);
    free(s);
}

/* ------------------------------------------------------------------------ */
/* Scanning                                                                  */

#define BLOB_PREFIX "blob:"

static int git_run(void *src, ks_worker *w)
{
    ks_git_source *s = src;
    git_repository *repo = NULL;
    git_odb *odb = NULL;
    const ks_scan_config *cfg = ks_worker_config(w);
    uint64_t max = s->opts.max_blob_size ? s->opts.max_blob_size : cfg->max_file_size;

    if (git_repository_open(&repo, s->gitdir) != 0 || git_repository_odb(&odb, repo) != 0) {
        ks_worker_warn(w, s->opts.repo, "cannot open the repository: %s", git_msg());
        git_repository_free(repo);
        return KS_EIO;
    }
    size_t i;
    while ((i = atomic_fetch_add_explicit(&s->next, 1, memory_order_relaxed)) < s->nblobs) {
        const blob_rec *b = &s->blobs[s->order[i]];
        const char *path = ks_strtab_str(&s->paths, s->intros[b->first].path);
        char name[sizeof BLOB_PREFIX + GIT_OID_HEXSZ];
        memcpy(name, BLOB_PREFIX, sizeof BLOB_PREFIX - 1);
        git_oid_tostr(name + sizeof BLOB_PREFIX - 1, GIT_OID_HEXSZ + 1, &b->oid);
        size_t len;
        git_object_t type;
        if (git_odb_read_header(&len, &type, odb, &b->oid) != 0) {
            ks_worker_warn(w, *path ? path : name + sizeof BLOB_PREFIX - 1,
                           "blob %s: %s", name + sizeof BLOB_PREFIX - 1, git_msg());
            continue;
        }
        if (max && len > max) {
            w->skipped++;
            ks_worker_warn(w, *path ? path : name, "blob %s skipped: %zu bytes is larger than "
                           "--max-file-size (%llu)", name + sizeof BLOB_PREFIX - 1, len,
                           (unsigned long long)max);
            continue;
        }
        git_odb_object *obj = NULL;
        if (git_odb_read(&obj, odb, &b->oid) != 0) {
            ks_worker_warn(w, *path ? path : name, "blob %s: %s", name + sizeof BLOB_PREFIX - 1,
                           git_msg());
            continue;
        }
        ks_origin o = {.parent = NULL, .name = name, .sep = NULL};
        ks_worker_scan_mem(w, git_odb_object_data(obj), git_odb_object_size(obj), &o,
                           ks_scan_flags_for_name(path));
        git_odb_object_free(obj);
    }
    git_odb_free(odb);
    git_repository_free(repo);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Provenance                                                                */

static void fill_commit(ks_git_source *s, ks_provenance *p, uint32_t ci)
{
    if (ci == NO_COMMIT)
        return;
    git_oid_tostr(p->commit, sizeof p->commit, &s->commits[ci].oid);
    p->unreachable = s->commits[ci].unreachable;
    git_commit *c = NULL;
    if (git_commit_lookup(&c, s->repo, &s->commits[ci].oid) != 0)
        return;
    const git_signature *a = git_commit_author(c);
    if (a) {
        size_t l = strlen(a->name) + strlen(a->email) + 4;
        p->author = ks_xmalloc(l);
        snprintf(p->author, l, "%s <%s>", a->name, a->email);
        p->time = (int64_t)a->when.time;
    }
    const char *sum = git_commit_summary(c);
    p->summary = ks_xstrdup(sum ? sum : "");
    git_commit_free(c);
}

/* Whether each finding's secret occurs anywhere in BASE's tree. */
typedef struct base_check {
    git_repository *repo;
    ks_results *res;
    bool *present;
    size_t left;
} base_check;

static int base_blob(const char *root, const git_tree_entry *e, void *payload)
{
    (void)root;
    base_check *b = payload;
    if (git_tree_entry_type(e) != GIT_OBJECT_BLOB)
        return 0;
    git_blob *blob = NULL;
    if (git_blob_lookup(&blob, b->repo, git_tree_entry_id(e)) != 0)
        return 0;
    const void *d = git_blob_rawcontent(blob);
    size_t n = (size_t)git_blob_rawsize(blob);
    for (size_t i = 0; i < b->res->nfindings; i++) {
        const ks_finding *f = &b->res->findings[i];
        if (!b->present[i] && memmem(d, n, f->secret, f->secret_len)) {
            b->present[i] = true;
            b->left--;
        }
    }
    git_blob_free(blob);
    return b->left ? 0 : -1;
}

static void drop_present_in_base(ks_git_source *s, ks_results *res)
{
    git_commit *c = NULL;
    git_tree *t = NULL;
    if (!res->nfindings || git_commit_lookup(&c, s->repo, &s->base) != 0 ||
        git_commit_tree(&t, c) != 0) {
        git_commit_free(c);
        return;
    }
    base_check b = {s->repo, res, ks_xcalloc(res->nfindings, sizeof(bool)), res->nfindings};
    git_tree_walk(t, GIT_TREEWALK_PRE, base_blob, &b);
    size_t k = 0;
    for (size_t i = 0; i < res->nfindings; i++) {
        if (!b.present[i]) {
            res->findings[k++] = res->findings[i];
            continue;
        }
        ks_finding_dispose(&res->findings[i]);
    }
    res->nfindings = k;
    free(b.present);
    git_tree_free(t);
    git_commit_free(c);
}

static int git_finish(void *src, ks_results *res)
{
    ks_git_source *s = src;
    git_tree *head = NULL;
    git_reference *href = NULL;
    git_object *hobj = NULL;
    if (git_repository_head(&href, s->repo) == 0 &&
        git_reference_peel(&hobj, href, GIT_OBJECT_TREE) == 0)
        head = (git_tree *)hobj;

    for (size_t i = 0; i < s->nwarn; i++)
        ks_results_diag(res, s->wpath[i], s->wmsg[i]);
    res->source = ks_xstrdup(s->desc);

    for (size_t i = 0; i < res->nfindings; i++) {
        ks_finding *f = &res->findings[i];
        ks_location *locs = NULL;
        size_t n = 0, cap = 0;
        f->present_at_head = 0;
        for (size_t j = 0; j < f->nlocs; j++) {
            ks_location *l = &f->locs[j];
            git_oid oid;
            uint32_t bi = UINT32_MAX;
            if (strncmp(l->path, BLOB_PREFIX, sizeof BLOB_PREFIX - 1) == 0 &&
                git_oid_fromstr(&oid, l->path + sizeof BLOB_PREFIX - 1) == 0)
                bi = ks_oidmap_get(&s->blob_idx, oid.id);
            if (bi == UINT32_MAX) {
                ks_grow((void **)&locs, &cap, n + 1, sizeof(ks_location));
                locs[n++] = *l;
                continue;
            }
            const blob_rec *b = &s->blobs[bi];
            for (uint32_t k = 0; k < b->n; k++) {
                const intro *in = &s->intros[b->first + k];
                const char *path = ks_strtab_str(&s->paths, in->path);
                ks_grow((void **)&locs, &cap, n + 1, sizeof(ks_location));
                ks_location *nl = &locs[n++];
                *nl = *l;
                nl->snippet = l->snippet ? ks_xstrdup(l->snippet) : NULL;
                nl->prov = ks_xcalloc(1, sizeof(ks_provenance));
                git_oid_tostr(nl->prov->blob, sizeof nl->prov->blob, &b->oid);
                if (*path) {
                    nl->path = ks_xstrdup(path);
                } else {
                    nl->path = ks_xmalloc(64);
                    snprintf(nl->path, 64, "(unreachable blob %s)", nl->prov->blob);
                    nl->prov->unreachable = true;
                }
                fill_commit(s, nl->prov, in->commit);
                nl->prov->at_head = *path && in_tree(head, path, &b->oid);
                if (nl->prov->at_head)
                    f->present_at_head = 1;
            }
            free(l->path);
            free(l->snippet);
        }
        free(f->locs);
        f->locs = locs;
        f->nlocs = n;
    }
    if (s->has_base)
        drop_present_in_base(s, res);
    ks_results_sort(res);
    git_object_free(hobj);
    git_reference_free(href);
    return 0;
}

const ks_source_ops ks_git_source_ops = {.name = "git", .run = git_run, .finish = git_finish};
