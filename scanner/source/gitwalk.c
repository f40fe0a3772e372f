/*
 * gitwalk.c - enumeration for the git history source: which blobs to scan
 * and, for each, where it was introduced.
 *
 * DESIGN
 * Every commit reachable from every ref (branches, tags, remotes, stash,
 * notes, HEAD) is visited once, and its tree is compared with its
 * parents' trees. A blob is "introduced" at a path by a commit when no
 * parent has that blob at that path; each (blob, path) keeps its earliest
 * introducing commit. Only the blob index (object ids, introductions,
 * interned paths) and a small per-commit record (id, time) are kept, so
 * memory follows the number of distinct blobs, not the length of the
 * history.
 *
 * The walk is our own depth-first search rather than git_revwalk: a
 * missing or corrupt commit is a warning naming it, and the rest of the
 * history is still walked. Commits and trees are read from the packs with
 * the walker's own readers (gitpack.c caches delta bases, which libgit2
 * does not), through libgit2 otherwise.
 *
 * Range mode (BASE..HEAD) walks the commits reachable from HEAD and not
 * from BASE with git_revwalk.
 */
#include "git.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ------------------------------------------------------------------------ */
/* Enumeration                                                               */

static void walk_begin(ks_git_source *s);

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

#define MAX_PARENTS 8

/* load()'s error for an object in a damaged pack (truncated, or its
 * trailer wrong) that nothing else holds: the pack's warning covers it, so
 * the walk does not warn once per commit (a pack cut in half can take the
 * trees of most of a history with it). */
#define LOST_IN_PACK (-2)

/* Commits and trees are read from the packs with the walker's own readers
 * (gitpack.c caches intermediate delta bases, which libgit2 does not: a
 * history's trees are long delta chains), and through libgit2 when no
 * pack holds them (loose objects) or a pack read fails. The caller frees
 * *data; *got is its type (`want` 0: any type). */
static int load(ks_git_source *s, const git_oid *oid, int want, int *got, uint8_t **data,
                size_t *len)
{
    char packerr[512] = "";
    size_t damaged = SIZE_MAX;
    for (size_t k = 0; k < s->npacks; k++) {
        if (!s->walk_readers[k])
            continue;
        int type;
        const uint8_t *d;
        size_t l;
        int rc = ks_pack_read_oid(s->walk_readers[k], oid->id, &type, &d, &l);
        if (rc == KS_ENOTFOUND)
            continue;
        if (rc != 0 || (want && type != want)) {
            /* Let libgit2 say what is wrong with it, or find another copy;
             * a damaged pack is one libgit2 will not open, so keep our
             * reason in case it has none better. */
            uint64_t size;
            size_t lost;
            if (rc != 0) {
                snprintf(packerr, sizeof packerr, "%s", ks_error_msg());
                if (ks_pack_damage(s->packs[k], &size, &lost))
                    damaged = k;
            }
            break;
        }
        *data = ks_xmalloc(l + 1);
        memcpy(*data, d, l);
        *len = l;
        *got = type;
        return 0;
    }
    git_odb_object *o = NULL;
    if (!s->odb || git_odb_read(&o, s->odb, oid) != 0) {
        if (*packerr)
            git_error_set_str(GIT_ERROR_ODB, packerr);
        if (damaged == SIZE_MAX)
            return -1;
        s->pack_walk_lost[damaged] = true;
        return LOST_IN_PACK;
    }
    int ok = !want || (int)git_odb_object_type(o) == want;
    *got = (int)git_odb_object_type(o);
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

static int load_object(ks_git_source *s, const git_oid *oid, int want, uint8_t **data, size_t *len)
{
    int got;
    return load(s, oid, want, &got, data, len);
}

int ks_gitwalk_load(ks_git_source *s, const git_oid *oid, int want, uint8_t **data, size_t *len)
{
    if (!s->walk_readers)
        walk_begin(s);
    return load_object(s, oid, want, data, len);
}

typedef ks_tree_entry tent;

bool ks_gitwalk_tree_next(const uint8_t *d, size_t n, size_t *pos, tent *e)
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

/* HEAD's tree, read with the walker's readers (a pack libgit2 refuses
 * may still hold it); false when there is none or it cannot be read. */
static bool head_tree_id(ks_git_source *s, git_oid *out)
{
    if (!s->head_loaded) {
        git_oid id;
        uint8_t *d = NULL;
        size_t n = 0;
        s->head_loaded = true;
        s->has_head = git_reference_name_to_id(&id, s->repo, "HEAD") == 0 &&
                      ks_gitwalk_load(s, &id, GIT_OBJECT_COMMIT, &d, &n) == 0 && n >= 45 &&
                      memcmp(d, "tree ", 5) == 0 &&
                      git_oid_fromstrn(&s->head_tree, (const char *)d + 5, 40) == 0;
        free(d);
    }
    *out = s->head_tree;
    return s->has_head;
}

bool ks_gitwalk_in_head(ks_git_source *s, const char *path, const git_oid *blob)
{
    git_oid id;
    if (!*path || !head_tree_id(s, &id))
        return false;
    for (;;) {
        const char *slash = strchr(path, '/');
        size_t len = slash ? (size_t)(slash - path) : strlen(path);
        uint8_t *d = NULL;
        size_t n = 0, pos = 0;
        tent e;
        bool found = false;
        if (ks_gitwalk_load(s, &id, GIT_OBJECT_TREE, &d, &n) != 0)
            return false;
        while (!found && ks_gitwalk_tree_next(d, n, &pos, &e))
            found =
                e.nlen == len && memcmp(e.name, path, len) == 0 && (slash != NULL) == is_dir(&e);
        if (found)
            git_oid_fromraw(&id, e.oid);
        free(d);
        if (!found)
            return false;
        if (!slash)
            return git_oid_equal(&id, blob);
        path = slash + 1;
    }
}

int ks_gitwalk_tree_cmp(const tent *a, const tent *b)
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
        have[p] = parents[p].d && ks_gitwalk_tree_next(parents[p].d, parents[p].n, &ppos[p], &pe[p]);
    tent e;
    while (ks_gitwalk_tree_next(tree->d, tree->n, &pos, &e)) {
        bool same = false;
        const tent *match[MAX_PARENTS] = {NULL};
        for (size_t p = 0; p < np; p++) {
            while (have[p] && ks_gitwalk_tree_cmp(&pe[p], &e) < 0)
                have[p] = ks_gitwalk_tree_next(parents[p].d, parents[p].n, &ppos[p], &pe[p]);
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
            int lrc = load_object(s, &id, GIT_OBJECT_TREE, &sub.d, &sub.n);
            if (lrc != 0) {
                char hex[GIT_OID_HEXSZ + 1];
                git_oid_tostr(hex, sizeof hex, &id);
                if (lrc != LOST_IN_PACK)
                    ks_git_warn(s, path, "tree %s: %s", hex, ks_git_errmsg());
                s->incomplete = true;
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

bool ks_gitwalk_parse_commit(const uint8_t *d, size_t n, git_oid *tree, git_oid *parents, size_t *np,
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
            /* "committer NAME <EMAIL> SECONDS ZONE": the line is not
             * NUL-terminated, so the number is read within it. */
            const char *gt = memrchr(line, '>', ll);
            if (gt) {
                size_t k = (size_t)(gt + 1 - line);
                while (k < ll && line[k] == ' ')
                    k++;
                int64_t t = 0;
                while (k < ll && line[k] >= '0' && line[k] <= '9' && t < INT64_MAX / 10 - 9)
                    t = t * 10 + (line[k++] - '0');
                *time = t;
            }
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
    int lrc = load_object(s, &oid, GIT_OBJECT_COMMIT, &cd, &cl);
    if (lrc != 0) {
        if (lrc != LOST_IN_PACK)
            ks_git_warn(s, s->opts.repo, "commit %s: %s (its history is not scanned)", hex,
                        ks_git_errmsg());
        s->incomplete = true;
        return;
    }
    bool ok = ks_gitwalk_parse_commit(cd, cl, &tree_id, parents_out, nparents, 16, &s->commits[idx].time);
    free(cd);
    if (!ok || (lrc = load_object(s, &tree_id, GIT_OBJECT_TREE, &tree.d, &tree.n)) != 0) {
        if (!ok || lrc != LOST_IN_PACK)
            ks_git_warn(s, s->opts.repo, "commit %s: cannot read its tree: %s", hex,
                        ok ? ks_git_errmsg() : "no tree in the commit");
        s->incomplete = true;
        return;
    }
    np = *nparents < MAX_PARENTS ? *nparents : MAX_PARENTS;
    for (size_t i = 0; i < np; i++) {
        uint8_t *pd = NULL;
        size_t pl = 0;
        git_oid ptid, pp[16];
        size_t pnp;
        int64_t pt;
        if ((lrc = load_object(s, &parents_out[i], GIT_OBJECT_COMMIT, &pd, &pl)) != 0 ||
            !ks_gitwalk_parse_commit(pd, pl, &ptid, pp, &pnp, 16, &pt) ||
            (lrc = load_object(s, &ptid, GIT_OBJECT_TREE, &ptree[i].d, &ptree[i].n)) != 0) {
            if (!git_repository_is_shallow(s->repo)) {
                if (lrc != LOST_IN_PACK)
                    ks_git_warn(s, s->opts.repo, "commit %s: parent %zu unreadable", hex, i);
                s->incomplete = true;
            }
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

/* What every ref names, and HEAD, as object ids: resolving a ref reads
 * only refs, so a damaged pack cannot lose the roots. Tags are peeled by
 * the walk (peel_root), which reads objects as the walk does. */
static void add_root(ks_git_source *s, git_reference *ref, size_t *cap)
{
    git_reference *res = NULL;
    if (git_reference_resolve(&res, ref) == 0 && git_reference_target(res)) {
        ks_grow((void **)&s->roots, cap, s->nroots + 1, sizeof(git_oid));
        s->root_names = ks_xrealloc(s->root_names, *cap * sizeof(char *));
        s->roots[s->nroots] = *git_reference_target(res);
        s->root_names[s->nroots++] = ks_xstrdup(git_reference_name(ref));
    }
    git_reference_free(res);
    git_reference_free(ref);
}

static void collect_roots(ks_git_source *s)
{
    git_reference_iterator *it = NULL;
    git_reference *ref;
    size_t cap = 0;
    if (git_reference_iterator_new(&it, s->repo) != 0) {
        ks_git_warn(s, s->opts.repo, "cannot list references: %s", ks_git_errmsg());
        s->incomplete = true;
        return;
    }
    while (git_reference_next(&ref, it) == 0)
        add_root(s, ref, &cap);
    git_reference_iterator_free(it);
    /* HEAD, unless it is a branch already listed (it usually is). */
    size_t nrefs = s->nroots;
    if (git_repository_head(&ref, s->repo) == 0)
        add_root(s, ref, &cap);
    for (size_t i = 0; i < nrefs && s->nroots > nrefs; i++)
        if (git_oid_equal(&s->roots[i], &s->roots[nrefs]) &&
            strcmp(s->root_names[i], s->root_names[nrefs]) == 0)
            free(s->root_names[--s->nroots]);
}

/* The commit a root names, tags peeled. False for a tag of a tree or blob
 * (rare; its blob is in no path) and for a missing object (a warning). */
static bool peel_root(ks_git_source *s, size_t i, git_oid *out)
{
    git_oid id = s->roots[i];
    for (int depth = 0; depth < 16; depth++) {
        uint8_t *d = NULL;
        size_t n = 0;
        int type = 0;
        int lrc = load(s, &id, 0, &type, &d, &n);
        if (lrc != 0) {
            if (lrc != LOST_IN_PACK)
                ks_git_warn(s, s->root_names[i], "reference points to a missing object: %s",
                            ks_git_errmsg());
            s->incomplete = true;
            return false;
        }
        bool next = type == GIT_OBJECT_TAG && n >= 47 && memcmp(d, "object ", 7) == 0 &&
                    git_oid_fromstrn(&id, (const char *)d + 7, 40) == 0;
        free(d);
        if (type == GIT_OBJECT_COMMIT) {
            *out = id;
            return true;
        }
        if (!next)
            return false;
    }
    return false;
}

/* Walk from every root. */
static void walk_roots(ks_git_source *s)
{
    git_oid *commits = ks_xcalloc(s->nroots ? s->nroots : 1, sizeof(git_oid));
    size_t n = 0;
    for (size_t i = 0; i < s->nroots; i++)
        if (peel_root(s, i, &commits[n]))
            n++;
    walk(s, commits, n, false);
    free(commits);
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
    int type = 0;
    bool lost = false;
    for (size_t k = 0; k < o->s->npacks && !type; k++) {
        if (o->s->walk_readers[k] && ks_pack_type_oid(o->s->walk_readers[k], id->id, &type) != 0)
            type = 0;
        lost = lost || ks_pack_lost(o->s->packs[k], id->id);
    }
    git_object_t gt;
    if (!type && git_odb_read_header(&len, &gt, o->odb, id) == 0)
        type = (int)gt;
    if (!type) {
        /* One beyond the end of a damaged pack is counted in that pack's
         * warning; any other is named. */
        if (!lost) {
            char hex[GIT_OID_HEXSZ + 1];
            git_oid_tostr(hex, sizeof hex, id);
            ks_git_warn(o->s, o->s->opts.repo, "object %s: %s", hex, ks_git_errmsg());
        }
        o->s->incomplete = true;
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
        ks_git_warn(s, s->opts.repo, "cannot open the object database: %s", ks_git_errmsg());
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

static int64_t intro_time(const ks_git_source *s, const intro *in)
{
    return in->commit == NO_COMMIT ? INT64_MAX : s->commits[in->commit].time;
}

static int cmp_intro(const void *pa, const void *pb, void *ctx)
{
    const ks_git_source *s = ctx;
    const intro *a = pa, *b = pb;
    int c = git_oid_cmp(&a->blob, &b->blob);
    if (c)
        return c;
    if (a->path != b->path)
        return a->path < b->path ? -1 : 1;
    int64_t ta = intro_time(s, a), tb = intro_time(s, b);
    return ta < tb ? -1 : ta > tb;
}

static int cmp_order(const void *pa, const void *pb, void *ctx)
{
    const ks_git_source *s = ctx;
    const intro *a = &s->intros[s->blobs[*(const uint32_t *)pa].first];
    const intro *b = &s->intros[s->blobs[*(const uint32_t *)pb].first];
    if (a->path != b->path)
        return a->path < b->path ? -1 : 1;
    int64_t ta = intro_time(s, a), tb = intro_time(s, b);
    return ta < tb ? -1 : ta > tb;
}

/* Sort introductions, keep the earliest per (blob, path), index blobs. */
static void build_index(ks_git_source *s)
{
    if (s->nintros > 1)
        qsort_r(s->intros, s->nintros, sizeof(intro), cmp_intro, s);
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
        qsort_r(s->order, s->nblobs, sizeof(uint32_t), cmp_order, s);
}

static int range_walk(ks_git_source *s)
{
    git_revspec spec;
    git_revwalk *w = NULL;
    int rc = 0;
    if (git_revparse(&spec, s->repo, s->opts.range) != 0)
        return ks_error_set(KS_EINVAL, "--range %s: %s", s->opts.range, ks_git_errmsg());
    if (!(spec.flags & GIT_REVSPEC_RANGE)) {
        git_object_free(spec.from);
        git_object_free(spec.to);
        return ks_error_set(KS_EINVAL, "--range %s: expected BASE..HEAD", s->opts.range);
    }
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
        ks_git_warn(s, s->opts.repo, "walking %s stopped early: %s", s->opts.range, ks_git_errmsg());
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

void ks_gitwalk_close(ks_git_source *s)
{
    walk_end(s);
}

static void finish_walk(ks_git_source *s)
{
    if (s->submodules)
        ks_git_warn(s, s->opts.repo,
             "%llu submodule entries not followed (scan each submodule's repository on its own)",
             (unsigned long long)s->submodules);
    build_index(s);
}

/* Every pack of the repository that gitpack.c can read. A pack it cannot
 * read is left to libgit2: its blobs go on the loose list. A pack without
 * its index can be read by neither: a warning says so. */
void ks_gitwalk_open_packs(ks_git_source *s)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%sobjects/pack", s->gitdir);
    DIR *d = opendir(dir);
    size_t cap = 0;
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            size_t l = strlen(e->d_name);
            if (l < 10 || strncmp(e->d_name, "pack-", 5) != 0)
                continue;
            char base[4400], other[4500];
            bool idx = strcmp(e->d_name + l - 4, ".idx") == 0;
            if (!idx && (l < 11 || strcmp(e->d_name + l - 5, ".pack") != 0))
                continue;
            snprintf(base, sizeof base, "%s/%.*s", dir, (int)(l - (idx ? 4 : 5)), e->d_name);
            if (!idx) {
                snprintf(other, sizeof other, "%s.idx", base);
                if (access(other, F_OK) != 0) {
                    snprintf(other, sizeof other, "%s.pack", base);
                    ks_git_warn(s, other,
                                "pack without its index (.idx): its objects are not scanned "
                                "(`git index-pack` rebuilds the index)");
                    s->incomplete = true;
                }
                continue;
            }
            ks_pack *p;
            if (ks_pack_open(&p, base) != 0) {
                ks_git_warn(s, dir, "%s (its objects are left to libgit2)", ks_error_msg());
                continue;
            }
            uint64_t size;
            size_t lost;
            if (ks_pack_damage(p, &size, &lost) && lost)
                s->incomplete = true;
            ks_grow((void **)&s->packs, &cap, s->npacks + 1, sizeof(ks_pack *));
            s->packs[s->npacks++] = p;
        }
        closedir(d);
    }
    s->pack_start = ks_xcalloc(s->npacks + 1, sizeof(size_t));
    for (size_t i = 0; i < s->npacks; i++)
        s->pack_start[i + 1] = s->pack_start[i] + ks_pack_count(s->packs[i]);
    s->back = s->pack_start[s->npacks];
}

void ks_gitwalk_roots(ks_git_source *s)
{
    collect_roots(s);
}

int ks_gitwalk_range(ks_git_source *s)
{
    walk_begin(s);
    int rc = range_walk(s);
    walk_end(s);
    if (rc == 0)
        finish_walk(s);
    return rc;
}

/* The walk, on the worker that took that role: then the list of reachable
 * blobs that no readable pack holds. */
void ks_gitwalk_all(ks_git_source *s)
{
    walk_begin(s);
    walk_roots(s);
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
