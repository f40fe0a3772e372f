/*
 * git.c - the git history source (whole history, or a range for CI):
 * reading the blobs, then telling where each was (provenance).
 *
 * DESIGN
 * Enumeration (gitwalk.c) lists every blob and where it was introduced.
 * In whole-history mode one worker walks while the others read the packs
 * in pack order (gitpack.c), each blob once; blobs outside the packs are
 * read through libgit2 once the walk has listed them. In range mode the
 * walk is done before the scan, and only the blobs the range introduces
 * are read. A blob is scanned under a placeholder name with its object id
 * as its key; after the scan each key gets its records: every path the
 * blob was introduced at, the introducing commit, and whether it is still
 * in HEAD. A range also says which secrets BASE's tree already had.
 */
#include "git.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

void ks_git_warn(ks_git_source *s, const char *path, const char *fmt, ...)
{
    if (s->warns.n >= 1000)
        return;
    va_list ap;
    va_start(ap, fmt);
    ks_diags_vaddf(&s->warns, path, fmt, ap);
    va_end(ap);
}

/* ------------------------------------------------------------------------ */
/* The source                                                                */

static void git_free(void *src);

static int git_open(ks_git_source **out, const ks_git_opts *o)
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
        ks_git_warn(s, s->opts.repo,
             "shallow clone: only the history that was fetched is scanned (fetch with "
             "--unshallow, or fetch-depth: 0 in CI, for all of it)");
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->walked, NULL);
    ks_gitwalk_open_packs(s);
    s->pack_bad = ks_xcalloc(s->npacks + 1, sizeof(size_t));
    s->pack_bad_off = ks_xcalloc(s->npacks + 1, sizeof(uint64_t));
    s->pack_bad_msg = ks_xcalloc(s->npacks + 1, sizeof(char *));
    s->pack_walk_lost = ks_xcalloc(s->npacks + 1, sizeof(bool));
    if (o->range) {
        if ((rc = ks_gitwalk_range(s)) != 0)
            goto fail;
    } else {
        ks_gitwalk_roots(s);
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
    git_free(s);
    return rc;
}

static void git_free(void *src)
{
    ks_git_source *s = src;
    if (!s)
        return;
    ks_gitwalk_close(s);
    for (size_t i = 0; i < s->npacks; i++) {
        ks_pack_free(s->packs[i]);
        if (s->pack_bad_msg)
            free(s->pack_bad_msg[i]);
    }
    free(s->pack_bad);
    free(s->pack_bad_off);
    free(s->pack_bad_msg);
    free(s->pack_walk_lost);
    for (size_t i = 0; i < s->nroots; i++)
        free(s->root_names[i]);
    free(s->root_names);
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

/* A blob's name during the scan, before provenance gives it its paths. */
#define BLOB_PREFIX "blob:"

/* Read one blob through libgit2 and scan it; `path` only chooses flags.
 * A blob libgit2 cannot read is a warning, or with `quiet` only an error
 * code: the caller tells it its own way. */
static int scan_odb_blob(ks_worker *w, git_odb *odb, const git_oid *oid, const char *path,
                         uint64_t max, bool quiet)
{
    char name[sizeof BLOB_PREFIX + GIT_OID_HEXSZ];
    memcpy(name, BLOB_PREFIX, sizeof BLOB_PREFIX - 1);
    char *hex = name + sizeof BLOB_PREFIX - 1;
    git_oid_tostr(hex, GIT_OID_HEXSZ + 1, oid);
    const char *where = path && *path ? path : hex;
    size_t len;
    git_object_t type;
    if (git_odb_read_header(&len, &type, odb, oid) != 0) {
        if (!quiet)
            ks_worker_warn(w, where, "blob %s: %s", hex, ks_git_errmsg());
        return KS_EIO;
    }
    if (max && len > max) {
        ks_worker_skipped(w);
        ks_worker_warn(w, where, "blob %s skipped: %zu bytes is larger than --max-file-size (%llu)",
                       hex, len, (unsigned long long)max);
        return 0;
    }
    git_odb_object *obj = NULL;
    if (git_odb_read(&obj, odb, oid) != 0) {
        if (!quiet)
            ks_worker_warn(w, where, "blob %s: %s", hex, ks_git_errmsg());
        return KS_EIO;
    }
    ks_source_key key = {.kind = KS_KEY_OID};
    memcpy(key.oid, oid->id, 20);
    ks_origin o = {.parent = NULL, .name = name, .sep = NULL, .key = &key};
    ks_worker_scan_mem(w, git_odb_object_data(obj), git_odb_object_size(obj), &o,
                       path ? ks_scan_flags_for_name(path) : 0);
    git_odb_object_free(obj);
    return 0;
}

/* An object of pack k that neither our reader nor libgit2 could read:
 * counted, the first (by offset) reason kept, for one warning per pack
 * after the scan. Rare, so a lock is fine. */
static void pack_failed(ks_git_source *s, size_t k, uint64_t off, const char *why)
{
    /* The warning names the pack; the reason need not again. */
    const char *name = ks_pack_name(s->packs[k]);
    size_t nl = strlen(name);
    if (strncmp(why, name, nl) == 0 && strncmp(why + nl, ".pack: ", 7) == 0)
        why += nl + 7;
    pthread_mutex_lock(&s->lock);
    if (!s->pack_bad[k]++ || off < s->pack_bad_off[k]) {
        s->pack_bad_off[k] = off;
        free(s->pack_bad_msg[k]);
        s->pack_bad_msg[k] = ks_xstrdup(why);
    }
    pthread_mutex_unlock(&s->lock);
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
            /* Unreadable here: libgit2 decides what it is, and may have
             * another copy. */
            char why[512];
            snprintf(why, sizeof why, "%s", ks_error_msg());
            size_t l;
            git_object_t t;
            if (git_odb_read_header(&l, &t, odb, &oid) != 0 ||
                (t == GIT_OBJECT_BLOB && scan_odb_blob(w, odb, &oid, NULL, max, true) != 0))
                pack_failed(s, k, ks_pack_offset(s->packs[k], i), why);
            continue;
        }
        if (!is_blob)
            continue;
        if (ks_pack_read(c->r, i, &data, &len) != 0) {
            char why[512];
            snprintf(why, sizeof why, "%s", ks_error_msg());
            if (scan_odb_blob(w, odb, &oid, NULL, max, true) != 0)
                pack_failed(s, k, ks_pack_offset(s->packs[k], i), why);
            continue;
        }
        git_oid_tostr(name + sizeof BLOB_PREFIX - 1, GIT_OID_HEXSZ + 1, &oid);
        if (max && len > max) {
            ks_worker_skipped(w);
            ks_worker_warn(w, name + sizeof BLOB_PREFIX - 1,
                           "blob skipped: %zu bytes is larger than --max-file-size (%llu)", len,
                           (unsigned long long)max);
            continue;
        }
        ks_source_key key = {.kind = KS_KEY_OID};
        memcpy(key.oid, raw, 20);
        ks_origin o = {.parent = NULL, .name = name, .sep = NULL, .key = &key};
        ks_worker_scan_mem(w, data, len, &o, 0);
    }
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
        ks_gitwalk_all(s);
    if (rc)
        goto done;
    if (s->opts.range) {
        /* Range: the walk is done; read the blobs it introduced. */
        size_t i;
        while ((i = atomic_fetch_add_explicit(&s->next, 1, memory_order_relaxed)) < s->nblobs) {
            const blob_rec *b = &s->blobs[s->order[i]];
            scan_odb_blob(w, odb, &b->oid, ks_strtab_str(&s->paths, s->intros[b->first].path), max,
                          false);
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
        scan_odb_blob(w, odb, &s->loose[i], path, max, false);
    }
done:
    git_odb_free(odb);
    git_repository_free(repo);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* After the scan                                                            */

/* The same from the commit's own bytes, read from the packs, when libgit2
 * cannot read it (a pack it refuses): "author NAME <EMAIL> TIME TZ" and
 * the first line of the message. */
static void fill_commit_raw(ks_git_source *s, ks_provenance *p, uint32_t ci)
{
    uint8_t *d = NULL;
    size_t n = 0, pos = 0;
    if (ks_gitwalk_load(s, &s->commits[ci].oid, GIT_OBJECT_COMMIT, &d, &n) != 0)
        return;
    d[n] = '\0'; /* ks_gitwalk_load leaves room */
    while (pos < n && d[pos] != '\n') {
        char *line = (char *)d + pos, *nl = strchr(line, '\n');
        size_t ll = nl ? (size_t)(nl - line) : n - pos;
        char *gt = ll > 7 && strncmp(line, "author ", 7) == 0 ? memrchr(line, '>', ll) : NULL;
        if (gt) {
            p->author = ks_strdupf("%.*s", (int)(gt + 1 - (line + 7)), line + 7);
            p->time = strtoll(gt + 1, NULL, 10);
        }
        pos += ll + 1;
    }
    if (pos < n) {
        const char *msg = (const char *)d + pos + 1, *nl = strchr(msg, '\n');
        p->summary = ks_strdupf("%.*s", (int)(nl ? (size_t)(nl - msg) : strlen(msg)), msg);
    }
    free(d);
}

static void fill_commit(ks_git_source *s, ks_provenance *p, uint32_t ci)
{
    if (ci == NO_COMMIT)
        return;
    git_oid_tostr(p->commit, sizeof p->commit, &s->commits[ci].oid);
    p->unreachable = s->commits[ci].unreachable;
    git_commit *c = NULL;
    if (git_commit_lookup(&c, s->repo, &s->commits[ci].oid) != 0) {
        fill_commit_raw(s, p, ci);
        return;
    }
    const git_signature *a = git_commit_author(c);
    if (a) {
        p->author = ks_strdupf("%s <%s>", a->name, a->email);
        p->time = (int64_t)a->when.time;
    }
    const char *sum = git_commit_summary(c);
    p->summary = ks_xstrdup(sum ? sum : "");
    git_commit_free(c);
}

/* Every path the blob was introduced at, with its commit. A blob read from
 * a pack that no ref reaches (and --all-objects not given) has none: it is
 * not part of this scan. */
static size_t git_provenance(void *src, const ks_source_key *key, ks_place where,
                             ks_prov_record **out)
{
    ks_git_source *s = src;
    (void)where;
    if (key->kind != KS_KEY_OID)
        return 0;
    uint32_t bi = ks_oidmap_get(&s->blob_idx, key->oid);
    if (bi == UINT32_MAX && s->incomplete && !s->opts.range) {
        /* The walk lost commits or trees (a damaged pack): a blob it did
         * not reach may be in the history all the same, so it is reported
         * by its id rather than dropped. */
        ks_provenance *p = ks_xcalloc(1, sizeof *p);
        git_oid id;
        git_oid_fromraw(&id, key->oid);
        git_oid_tostr(p->blob, sizeof p->blob, &id);
        *out = ks_xcalloc(1, sizeof(ks_prov_record));
        (*out)[0].root = ks_strdupf("(blob %s, path unknown: history incomplete)", p->blob);
        (*out)[0].prov = p;
        return 1;
    }
    if (bi == UINT32_MAX)
        return 0;
    const blob_rec *b = &s->blobs[bi];
    *out = ks_xcalloc(b->n, sizeof(ks_prov_record));
    for (uint32_t k = 0; k < b->n; k++) {
        const intro *in = &s->intros[b->first + k];
        const char *path = ks_strtab_str(&s->paths, in->path);
        ks_provenance *p = ks_xcalloc(1, sizeof *p);
        git_oid_tostr(p->blob, sizeof p->blob, &b->oid);
        if (*path) {
            (*out)[k].root = ks_xstrdup(path);
        } else {
            (*out)[k].root = ks_strdupf("(unreachable blob %s)", p->blob);
            p->unreachable = true;
        }
        fill_commit(s, p, in->commit);
        p->at_head = ks_gitwalk_in_head(s, path, &b->oid);
        (*out)[k].prov = p;
    }
    return b->n;
}

/* Which secrets occur anywhere in BASE's tree (--range). */
typedef struct base_check {
    git_repository *repo;
    const ks_secret_ref *secrets;
    size_t n;
    bool *known;
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
    for (size_t i = 0; i < b->n; i++) {
        if (!b->known[i] && memmem(d, n, b->secrets[i].data, b->secrets[i].len)) {
            b->known[i] = true;
            b->left--;
        }
    }
    git_blob_free(blob);
    return b->left ? 0 : -1;
}

static void git_known(void *src, const ks_secret_ref *secrets, size_t n, bool *known)
{
    ks_git_source *s = src;
    git_commit *c = NULL;
    git_tree *t = NULL;
    if (!s->has_base || !n || git_commit_lookup(&c, s->repo, &s->base) != 0 ||
        git_commit_tree(&t, c) != 0) {
        git_commit_free(c);
        return;
    }
    base_check b = {s->repo, secrets, n, known, n};
    git_tree_walk(t, GIT_TREEWALK_PRE, base_blob, &b);
    git_tree_free(t);
    git_commit_free(c);
}

static char *git_describe(void *src)
{
    ks_git_source *s = src;
    size_t bad = 0;
    for (size_t k = 0; k < s->npacks; k++)
        bad += s->pack_bad[k];
    if (s->incomplete || bad)
        return ks_strdupf("%s (incomplete: objects could not be read, see the warnings)", s->desc);
    return ks_xstrdup(s->desc);
}

/* One warning per pack that is damaged or had objects no one could read:
 * where it ends or first failed, and how much was lost. */
static void pack_diagnostics(ks_git_source *s, ks_diags *out)
{
    for (size_t k = 0; k < s->npacks; k++) {
        uint64_t size;
        size_t lost, bad = s->pack_bad[k];
        bool damaged = ks_pack_damage(s->packs[k], &size, &lost);
        if (!damaged && !bad)
            continue;
        char *path = ks_strdupf("%s.pack", ks_pack_name(s->packs[k]));
        char *first = bad ? ks_strdupf("%zu object%s could not be read, the first at offset "
                                       "%llu (%s)",
                                       bad, bad == 1 ? "" : "s",
                                       (unsigned long long)s->pack_bad_off[k], s->pack_bad_msg[k])
                          : ks_strdupf("every object was read");
        const char *walk = s->pack_walk_lost[k]
                               ? "; commits or trees were among them, so some blobs may be "
                                 "reported by object id without a path"
                               : "";
        if (lost)
            ks_diags_addf(out, path,
                          "pack truncated at offset %llu: its index lists %zu of its %zu objects "
                          "at or beyond that offset; %s%s; the objects before the cut were "
                          "scanned",
                          (unsigned long long)size, lost, ks_pack_count(s->packs[k]), first, walk);
        else if (damaged)
            ks_diags_addf(out, path,
                          "pack damaged: it ends at offset %llu without the checksum its index "
                          "names; %s%s",
                          (unsigned long long)size, first, walk);
        else
            ks_diags_addf(out, path, "pack damaged: %s", first);
        free(first);
        free(path);
    }
}

static void git_diagnostics(void *src, ks_diags *out)
{
    ks_git_source *s = src;
    pack_diagnostics(s, out);
    ks_diags_move(out, &s->warns);
}

static const ks_source_ops git_ops = {
    .name = "git",
    .run = git_run,
    .provenance = git_provenance,
    .known = git_known,
    .describe = git_describe,
    .diagnostics = git_diagnostics,
    .free = git_free,
};

int ks_git_source_open(ks_source *out, const ks_git_opts *o)
{
    ks_git_source *s;
    int rc = git_open(&s, o);
    *out = (ks_source){rc ? NULL : &git_ops, rc ? NULL : s};
    return rc;
}
