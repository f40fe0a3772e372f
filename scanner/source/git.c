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
#include "gitpack.h"

#include <dirent.h>
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
    ks_diags warns; /* diagnostics from enumeration */
    uint64_t submodules;
    git_oid base;
    bool has_base;
    char *desc;
    /* Whole-history mode: one worker walks while the others read the packs
     * in pack order (gitpack.c); blobs outside the packs are read through
     * libgit2 once the walk has listed them. */
    git_oid *roots;
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

const char *ks_git_errmsg(void)
{
    const git_error *e = git_error_last();
    return e && e->message ? e->message : "unknown error";
}

void ks_git_init(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, init_once);
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
    if (s->warns.n < 1000)
        ks_diags_add(&s->warns, path, msg);
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

/* Commits and trees are read from the packs with the walker's own readers
 * (gitpack.c caches intermediate delta bases, which libgit2 does not: a
 * history's trees are long delta chains), and through libgit2 when no
 * pack holds them (loose objects) or a pack read fails. The caller frees
 * *data. */
static int load_object(ks_git_source *s, const git_oid *oid, int want, uint8_t **data, size_t *len)
{
    for (size_t k = 0; k < s->npacks; k++) {
        if (!s->walk_readers[k])
            continue;
        int type;
        const uint8_t *d;
        size_t l;
        int rc = ks_pack_read_oid(s->walk_readers[k], oid->id, &type, &d, &l);
        if (rc == KS_ENOTFOUND)
            continue;
        if (rc != 0 || type != want)
            break; /* let libgit2 say what is wrong with it */
        *data = ks_xmalloc(l + 1);
        memcpy(*data, d, l);
        *len = l;
        return 0;
    }
    git_odb_object *o = NULL;
    if (!s->odb || git_odb_read(&o, s->odb, oid) != 0)
        return -1;
    int ok = (int)git_odb_object_type(o) == want;
    if (ok) {
        *len = git_odb_object_size(o);
        *data = ks_xmalloc(*len + 1);
        memcpy(*data, git_odb_object_data(o), *len);
    }
    git_odb_object_free(o);
    if (!ok)
        git_error_set_str(GIT_ERROR_INVALID, "object has the wrong type");
    return ok ? 0 : -1;
}

typedef struct tent {
    const char *name;
    size_t nlen;
    uint32_t mode;
    const uint8_t *oid;
} tent;

/* Next entry of a tree object ("<octal mode> <name>\0<20-byte id>"). */
static bool tree_next(const uint8_t *d, size_t n, size_t *pos, tent *e)
{
    size_t p = *pos;
    uint32_t mode = 0;
    while (p < n && d[p] >= '0' && d[p] <= '7')
        mode = mode * 8 + (uint32_t)(d[p++] - '0');
    if (p >= n || d[p] != ' ')
        return false;
    p++;
    const uint8_t *nul = memchr(d + p, '\0', n - p);
    if (!nul || (size_t)(nul - d) + 21 > n)
        return false;
    e->name = (const char *)d + p;
    e->nlen = (size_t)(nul - (d + p));
    e->mode = mode;
    e->oid = nul + 1;
    *pos = (size_t)(nul - d) + 21;
    return true;
}

static bool is_dir(const tent *e)
{
    return e->mode == 040000;
}

/* git's tree order: names compared as if a directory's name ended in '/'. */
static int tree_cmp(const tent *a, const tent *b)
{
    size_t m = a->nlen < b->nlen ? a->nlen : b->nlen;
    int c = memcmp(a->name, b->name, m);
    if (c)
        return c;
    int ca = a->nlen > m ? (uint8_t)a->name[m] : is_dir(a) ? '/' : 0;
    int cb = b->nlen > m ? (uint8_t)b->name[m] : is_dir(b) ? '/' : 0;
    return ca - cb;
}

typedef struct tbuf {
    uint8_t *d;
    size_t n;
} tbuf;

/* Compare a tree with the same directory in each parent. An entry any
 * parent has with the same id is not new: for a subtree that prunes the
 * whole directory, so a commit costs what it changed, not the size of the
 * tree. A blob no parent has at this path is introduced by the commit. */
static void diff_rec(ks_git_source *s, uint32_t idx, const tbuf *tree, const tbuf *parents,
                     size_t np, char *path, size_t plen, size_t pcap)
{
    size_t pos = 0, ppos[MAX_PARENTS] = {0};
    tent pe[MAX_PARENTS];
    bool have[MAX_PARENTS];
    for (size_t p = 0; p < np; p++)
        have[p] = parents[p].d && tree_next(parents[p].d, parents[p].n, &ppos[p], &pe[p]);
    tent e;
    while (tree_next(tree->d, tree->n, &pos, &e)) {
        bool same = false;
        const tent *match[MAX_PARENTS] = {NULL};
        for (size_t p = 0; p < np; p++) {
            while (have[p] && tree_cmp(&pe[p], &e) < 0)
                have[p] = tree_next(parents[p].d, parents[p].n, &ppos[p], &pe[p]);
            if (have[p] && pe[p].nlen == e.nlen && memcmp(pe[p].name, e.name, e.nlen) == 0) {
                match[p] = &pe[p];
                same = same || memcmp(pe[p].oid, e.oid, 20) == 0;
            }
        }
        if (same)
            continue;
        if (plen + e.nlen + 2 > pcap)
            continue; /* a path beyond PATH_MAX: not a real checkout */
        memcpy(path + plen, e.name, e.nlen);
        path[plen + e.nlen] = '\0';
        git_oid id;
        git_oid_fromraw(&id, e.oid);
        if (is_dir(&e)) {
            tbuf sub = {NULL, 0}, psub[MAX_PARENTS];
            memset(psub, 0, sizeof psub);
            if (load_object(s, &id, GIT_OBJECT_TREE, &sub.d, &sub.n) != 0) {
                char hex[GIT_OID_HEXSZ + 1];
                git_oid_tostr(hex, sizeof hex, &id);
                warn(s, path, "tree %s: %s", hex, ks_git_errmsg());
                path[plen] = '\0';
                continue;
            }
            for (size_t p = 0; p < np; p++)
                if (match[p] && is_dir(match[p])) {
                    git_oid pid;
                    git_oid_fromraw(&pid, match[p]->oid);
                    if (load_object(s, &pid, GIT_OBJECT_TREE, &psub[p].d, &psub[p].n) != 0)
                        psub[p].d = NULL;
                }
            path[plen + e.nlen] = '/';
            path[plen + e.nlen + 1] = '\0';
            diff_rec(s, idx, &sub, psub, np, path, plen + e.nlen + 1, pcap);
            for (size_t p = 0; p < np; p++)
                free(psub[p].d);
            free(sub.d);
        } else if (e.mode == 0160000) {
            s->submodules++;
        } else if (e.mode == 0100644 || e.mode == 0100755 || e.mode == 0120000 ||
                   e.mode == 0100664) {
            add_intro(s, &id, path, idx);
        }
        path[plen] = '\0';
    }
}

/* "tree", "parent" and "committer" of a commit object. */
static bool parse_commit(const uint8_t *d, size_t n, git_oid *tree, git_oid *parents, size_t *np,
                         size_t maxp, int64_t *time)
{
    size_t pos = 0;
    bool have_tree = false;
    *np = 0;
    *time = 0;
    while (pos < n && d[pos] != '\n') {
        const uint8_t *nl = memchr(d + pos, '\n', n - pos);
        size_t end = nl ? (size_t)(nl - d) : n;
        const char *line = (const char *)d + pos;
        size_t ll = end - pos;
        if (ll >= 45 && memcmp(line, "tree ", 5) == 0)
            have_tree = git_oid_fromstrn(tree, line + 5, 40) == 0;
        else if (ll >= 47 && memcmp(line, "parent ", 7) == 0 && *np < maxp &&
                 git_oid_fromstrn(&parents[*np], line + 7, 40) == 0)
            (*np)++;
        else if (ll > 10 && memcmp(line, "committer ", 10) == 0) {
            const char *gt = memrchr(line, '>', ll);
            if (gt)
                *time = strtoll(gt + 1, NULL, 10);
        }
        pos = end + 1;
    }
    return have_tree;
}

/* Record what commit `idx` introduces, and return its parents' ids. */
static void visit_commit(ks_git_source *s, uint32_t idx, git_oid *parents_out, size_t *nparents)
{
    char hex[GIT_OID_HEXSZ + 1];
    git_oid oid = s->commits[idx].oid, tree_id;
    uint8_t *cd = NULL;
    size_t cl = 0, np = 0;
    tbuf tree = {NULL, 0}, ptree[MAX_PARENTS];
    memset(ptree, 0, sizeof ptree);

    git_oid_tostr(hex, sizeof hex, &oid);
    *nparents = 0;
    if (load_object(s, &oid, GIT_OBJECT_COMMIT, &cd, &cl) != 0) {
        warn(s, s->opts.repo, "commit %s: %s (its history is not scanned)", hex, ks_git_errmsg());
        return;
    }
    bool ok = parse_commit(cd, cl, &tree_id, parents_out, nparents, 16, &s->commits[idx].time);
    free(cd);
    if (!ok || load_object(s, &tree_id, GIT_OBJECT_TREE, &tree.d, &tree.n) != 0) {
        warn(s, s->opts.repo, "commit %s: cannot read its tree", hex);
        return;
    }
    np = *nparents < MAX_PARENTS ? *nparents : MAX_PARENTS;
    for (size_t i = 0; i < np; i++) {
        uint8_t *pd = NULL;
        size_t pl = 0;
        git_oid ptid, pp[16];
        size_t pnp;
        int64_t pt;
        if (load_object(s, &parents_out[i], GIT_OBJECT_COMMIT, &pd, &pl) != 0 ||
            !parse_commit(pd, pl, &ptid, pp, &pnp, 16, &pt) ||
            load_object(s, &ptid, GIT_OBJECT_TREE, &ptree[i].d, &ptree[i].n) != 0) {
            if (!git_repository_is_shallow(s->repo))
                warn(s, s->opts.repo, "commit %s: parent %zu unreadable", hex, i);
            ptree[i].d = NULL;
        }
        free(pd);
    }
    char path[4096] = "";
    diff_rec(s, idx, &tree, ptree, np, path, 0, sizeof path);
    for (size_t i = 0; i < MAX_PARENTS; i++)
        free(ptree[i].d);
    free(tree.d);
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
        warn(s, s->opts.repo, "cannot list references: %s", ks_git_errmsg());
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
                     ks_git_errmsg());
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
        warn(o->s, o->s->opts.repo, "object %s: %s", hex, ks_git_errmsg());
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
        warn(s, s->opts.repo, "cannot open the object database: %s", ks_git_errmsg());
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
                                : ks_git_errmsg());
    git_object *from = NULL, *to = NULL;
    if (git_object_peel(&from, spec.from, GIT_OBJECT_COMMIT) != 0 ||
        git_object_peel(&to, spec.to, GIT_OBJECT_COMMIT) != 0) {
        rc = ks_error_set(KS_EINVAL, "--range %s: both ends must be commits: %s", s->opts.range,
                          ks_git_errmsg());
        goto done;
    }
    s->base = *git_object_id(from);
    s->has_base = true;
    if (git_revwalk_new(&w, s->repo) != 0 || git_revwalk_push(w, git_object_id(to)) != 0 ||
        git_revwalk_hide(w, git_object_id(from)) != 0) {
        rc = ks_error_set(KS_EINVAL, "--range %s: %s", s->opts.range, ks_git_errmsg());
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
        warn(s, s->opts.repo, "walking %s stopped early: %s", s->opts.range, ks_git_errmsg());
done:
    git_revwalk_free(w);
    git_object_free(from);
    git_object_free(to);
    git_object_free(spec.from);
    git_object_free(spec.to);
    return rc;
}

/* The walker's object access: its own pack readers and libgit2 odb. */
static void walk_begin(ks_git_source *s)
{
    if (git_repository_odb(&s->odb, s->repo) != 0)
        s->odb = NULL;
    s->walk_readers = ks_xcalloc(s->npacks ? s->npacks : 1, sizeof(ks_pack_reader *));
    for (size_t k = 0; k < s->npacks; k++)
        s->walk_readers[k] = ks_pack_reader_new(s->packs[k], 16u << 20);
}

static void walk_end(ks_git_source *s)
{
    for (size_t k = 0; k < s->npacks && s->walk_readers; k++)
        ks_pack_reader_free(s->walk_readers[k]);
    free(s->walk_readers);
    s->walk_readers = NULL;
    git_odb_free(s->odb);
    s->odb = NULL;
}

static void finish_walk(ks_git_source *s)
{
    if (s->submodules)
        warn(s, s->opts.repo,
             "%llu submodule entries not followed (scan each submodule's repository on its own)",
             (unsigned long long)s->submodules);
    build_index(s);
}

/* Every pack of the repository that gitpack.c can read. A pack it cannot
 * read is left to libgit2: its blobs go on the loose list. */
static void open_packs(ks_git_source *s)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%sobjects/pack", s->gitdir);
    DIR *d = opendir(dir);
    size_t cap = 0;
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l < 10 || strncmp(e->d_name, "pack-", 5) != 0 || strcmp(e->d_name + l - 4, ".idx"))
            continue;
        char base[4400];
        snprintf(base, sizeof base, "%s/%.*s", dir, (int)(l - 4), e->d_name);
        ks_pack *p;
        if (ks_pack_open(&p, base) != 0)
            continue;
        ks_grow((void **)&s->packs, &cap, s->npacks + 1, sizeof(ks_pack *));
        s->packs[s->npacks++] = p;
    }
    closedir(d);
    s->pack_start = ks_xcalloc(s->npacks + 1, sizeof(size_t));
    for (size_t i = 0; i < s->npacks; i++)
        s->pack_start[i + 1] = s->pack_start[i] + ks_pack_count(s->packs[i]);
    s->back = s->pack_start[s->npacks];
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
        rc =
            ks_error_set(KS_EINVAL, "%s: not a git repository (%s)", s->opts.repo, ks_git_errmsg());
        goto fail;
    }
    s->gitdir = ks_xstrdup(git_repository_path(s->repo));
    if (git_repository_is_shallow(s->repo))
        warn(s, s->opts.repo,
             "shallow clone: only the history that was fetched is scanned (fetch with "
             "--unshallow, or fetch-depth: 0 in CI, for all of it)");
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->walked, NULL);
    open_packs(s);
    if (o->range) {
        walk_begin(s);
        rc = range_walk(s);
        walk_end(s);
        if (rc)
            goto fail;
        finish_walk(s);
    } else {
        collect_roots(s, &s->roots, &s->nroots);
    }
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
    for (size_t i = 0; i < s->npacks; i++)
        ks_pack_free(s->packs[i]);
    free(s->packs);
    free(s->pack_start);
    free(s->roots);
    free(s->loose);
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->walked);
    git_repository_free(s->repo);
    free(s->gitdir);
    free(s->commits);
    free(s->intros);
    free(s->blobs);
    free(s->order);
    ks_oidmap_dispose(&s->commit_idx);
    ks_oidmap_dispose(&s->blob_idx);
    ks_strtab_dispose(&s->paths);
    ks_diags_dispose(&s->warns);
    free(s->desc);
    free(s);
}

/* ------------------------------------------------------------------------ */
/* Scanning                                                                  */

#define BLOB_PREFIX "blob:"

/* Read one blob through libgit2 and scan it; `path` only chooses flags. */
static void scan_odb_blob(ks_worker *w, git_odb *odb, const git_oid *oid, const char *path,
                          uint64_t max)
{
    char name[sizeof BLOB_PREFIX + GIT_OID_HEXSZ];
    memcpy(name, BLOB_PREFIX, sizeof BLOB_PREFIX - 1);
    char *hex = name + sizeof BLOB_PREFIX - 1;
    git_oid_tostr(hex, GIT_OID_HEXSZ + 1, oid);
    const char *where = path && *path ? path : hex;
    size_t len;
    git_object_t type;
    if (git_odb_read_header(&len, &type, odb, oid) != 0) {
        ks_worker_warn(w, where, "blob %s: %s", hex, ks_git_errmsg());
        return;
    }
    if (max && len > max) {
        w->skipped++;
        ks_worker_warn(w, where, "blob %s skipped: %zu bytes is larger than --max-file-size (%llu)",
                       hex, len, (unsigned long long)max);
        return;
    }
    git_odb_object *obj = NULL;
    if (git_odb_read(&obj, odb, oid) != 0) {
        ks_worker_warn(w, where, "blob %s: %s", hex, ks_git_errmsg());
        return;
    }
    ks_origin o = {.parent = NULL, .name = name, .sep = NULL};
    ks_worker_scan_mem(w, git_odb_object_data(obj), git_odb_object_size(obj), &o,
                       path ? ks_scan_flags_for_name(path) : 0);
    git_odb_object_free(obj);
}

/* Claim up to 64 pack entries, from the front or (the walker, once done)
 * from the back, never across a pack boundary. */
static bool claim(ks_git_source *s, bool from_back, size_t *from, size_t *to)
{
    bool ok = false;
    pthread_mutex_lock(&s->lock);
    if (s->front < s->back) {
        size_t k = 0;
        if (!from_back) {
            while (s->pack_start[k + 1] <= s->front)
                k++;
            *from = s->front;
            *to = s->front + 64;
            if (*to > s->back)
                *to = s->back;
            if (*to > s->pack_start[k + 1])
                *to = s->pack_start[k + 1];
            s->front = *to;
        } else {
            while (s->pack_start[k + 1] < s->back)
                k++;
            *to = s->back;
            *from = s->back > 64 ? s->back - 64 : 0;
            if (*from < s->front)
                *from = s->front;
            if (*from < s->pack_start[k])
                *from = s->pack_start[k];
            s->back = *from;
        }
        ok = true;
    }
    pthread_mutex_unlock(&s->lock);
    return ok;
}

typedef struct pack_cursor {
    ks_pack_reader *r;
    size_t pack;
} pack_cursor;

static void scan_pack_entries(ks_git_source *s, ks_worker *w, git_odb *odb, pack_cursor *c,
                              size_t from, size_t to, uint64_t max)
{
    size_t k = 0;
    while (s->pack_start[k + 1] <= from)
        k++;
    if (!c->r || c->pack != k) {
        ks_pack_reader_free(c->r);
        c->r = ks_pack_reader_new(s->packs[k], 8u << 20);
        c->pack = k;
    }
    char name[sizeof BLOB_PREFIX + GIT_OID_HEXSZ];
    memcpy(name, BLOB_PREFIX, sizeof BLOB_PREFIX - 1);
    for (size_t g = from; g < to; g++) {
        size_t i = g - s->pack_start[k];
        uint8_t raw[20];
        bool is_blob = false;
        git_oid oid;
        const uint8_t *data;
        size_t len;
        int rc = c->r ? ks_pack_entry(c->r, i, raw, &is_blob) : KS_ENOMEM;
        git_oid_fromraw(&oid, raw);
        if (rc != 0) {
            /* Unreadable here: libgit2 decides what it is. */
            size_t l;
            git_object_t t;
            if (git_odb_read_header(&l, &t, odb, &oid) == 0 && t == GIT_OBJECT_BLOB)
                scan_odb_blob(w, odb, &oid, NULL, max);
            continue;
        }
        if (!is_blob)
            continue;
        if (ks_pack_read(c->r, i, &data, &len) != 0) {
            scan_odb_blob(w, odb, &oid, NULL, max);
            continue;
        }
        git_oid_tostr(name + sizeof BLOB_PREFIX - 1, GIT_OID_HEXSZ + 1, &oid);
        if (max && len > max) {
            w->skipped++;
            ks_worker_warn(w, name + sizeof BLOB_PREFIX - 1,
                           "blob skipped: %zu bytes is larger than --max-file-size (%llu)", len,
                           (unsigned long long)max);
            continue;
        }
        ks_origin o = {.parent = NULL, .name = name, .sep = NULL};
        ks_worker_scan_mem(w, data, len, &o, 0);
    }
}

/* The walk, on the worker that took that role: then the list of reachable
 * blobs that no readable pack holds. */
static void walk_all(ks_git_source *s)
{
    walk_begin(s);
    walk(s, s->roots, s->nroots, false);
    if (s->opts.all_objects)
        add_unreachable(s);
    walk_end(s);
    finish_walk(s);
    size_t cap = 0;
    for (size_t i = 0; i < s->nblobs; i++) {
        bool packed = false;
        for (size_t k = 0; k < s->npacks && !packed; k++)
            packed = ks_pack_has(s->packs[k], s->blobs[i].oid.id);
        if (packed)
            continue;
        ks_grow((void **)&s->loose, &cap, s->nloose + 1, sizeof(git_oid));
        s->loose[s->nloose++] = s->blobs[i].oid;
    }
    pthread_mutex_lock(&s->lock);
    s->walk_done = true;
    pthread_cond_broadcast(&s->walked);
    pthread_mutex_unlock(&s->lock);
}

static int git_run(void *src, ks_worker *w)
{
    ks_git_source *s = src;
    git_repository *repo = NULL;
    git_odb *odb = NULL;
    const ks_scan_config *cfg = ks_worker_config(w);
    uint64_t max = s->opts.max_blob_size ? s->opts.max_blob_size : cfg->max_file_size;
    bool walker = !s->opts.range && atomic_fetch_add(&s->roles, 1) == 0;
    int rc = 0;

    if (git_repository_open(&repo, s->gitdir) != 0 || git_repository_odb(&odb, repo) != 0) {
        ks_worker_warn(w, s->opts.repo, "cannot open the repository: %s", ks_git_errmsg());
        rc = KS_EIO;
    }
    if (walker)
        walk_all(s);
    if (rc)
        goto done;
    if (s->opts.range) {
        /* Range: the walk is done; read the blobs it introduced. */
        size_t i;
        while ((i = atomic_fetch_add_explicit(&s->next, 1, memory_order_relaxed)) < s->nblobs) {
            const blob_rec *b = &s->blobs[s->order[i]];
            scan_odb_blob(w, odb, &b->oid, ks_strtab_str(&s->paths, s->intros[b->first].path), max);
        }
        goto done;
    }
    pack_cursor c = {NULL, 0};
    size_t from, to;
    while (claim(s, walker, &from, &to))
        scan_pack_entries(s, w, odb, &c, from, to, max);
    ks_pack_reader_free(c.r);
    pthread_mutex_lock(&s->lock);
    while (!s->walk_done)
        pthread_cond_wait(&s->walked, &s->lock);
    pthread_mutex_unlock(&s->lock);
    size_t i;
    while ((i = atomic_fetch_add_explicit(&s->loose_next, 1, memory_order_relaxed)) < s->nloose) {
        uint32_t bi = ks_oidmap_get(&s->blob_idx, s->loose[i].id);
        const char *path =
            bi == UINT32_MAX ? NULL : ks_strtab_str(&s->paths, s->intros[s->blobs[bi].first].path);
        scan_odb_blob(w, odb, &s->loose[i], path, max);
    }
done:
    git_odb_free(odb);
    git_repository_free(repo);
    return rc;
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

    ks_diags_move(&s->warns, res);
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
                /* Read from a pack but reachable from no ref (and not asked
                 * for with --all-objects): not part of this scan. */
                ks_location_dispose(l);
                continue;
            }
            const blob_rec *b = &s->blobs[bi];
            for (uint32_t k = 0; k < b->n; k++) {
                const intro *in = &s->intros[b->first + k];
                const char *path = ks_strtab_str(&s->paths, in->path);
                ks_grow((void **)&locs, &cap, n + 1, sizeof(ks_location));
                ks_location *nl = &locs[n++];
                ks_location_copy(nl, l);
                nl->prov = ks_xcalloc(1, sizeof(ks_provenance));
                git_oid_tostr(nl->prov->blob, sizeof nl->prov->blob, &b->oid);
                /* The root of the origin is the blob; what a decoder found
                 * inside it (a section, an archive member) follows. */
                size_t root_len = sizeof BLOB_PREFIX - 1 + GIT_OID_HEXSZ;
                if (*path) {
                    ks_location_set_root(nl, root_len, path);
                } else {
                    char un[64];
                    snprintf(un, sizeof un, "(unreachable blob %s)", nl->prov->blob);
                    ks_location_set_root(nl, root_len, un);
                    nl->prov->unreachable = true;
                }
                fill_commit(s, nl->prov, in->commit);
                nl->prov->at_head = *path && in_tree(head, path, &b->oid);
                if (nl->prov->at_head)
                    f->present_at_head = 1;
            }
            ks_location_dispose(l);
        }
        free(f->locs);
        f->locs = locs;
        f->nlocs = n;
    }
    size_t kept = 0;
    for (size_t i = 0; i < res->nfindings; i++) {
        if (res->findings[i].nlocs)
            res->findings[kept++] = res->findings[i];
        else
            ks_finding_dispose(&res->findings[i]);
    }
    res->nfindings = kept;
    if (s->has_base)
        drop_present_in_base(s, res);
    ks_results_sort(res);
    git_object_free(hobj);
    git_reference_free(href);
    return 0;
}

const ks_source_ops ks_git_source_ops = {.name = "git", .run = git_run, .finish = git_finish};
