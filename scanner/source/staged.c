/*
 * staged.c - the pre-commit source: what `git commit` would record.
 *
 * DESIGN
 * The index is compared with HEAD's tree (an empty tree before the first
 * commit), with rename detection so a moved file does not count as new.
 * For each added or changed file the lines the commit adds are kept in a
 * bitmap; the staged blob (from the object database, not the work tree) is
 * scanned whole, so a secret's context is complete, and only locations on
 * added lines are reported. A secret already in the file is not reported
 * again on every commit that touches the file.
 */
#include "git.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct staged_file {
    git_oid blob;
    char *path;
    uint8_t *added; /* bitmap of added line numbers (1-based) */
    size_t nbits;
    bool all; /* binary or unreadable patch: every location counts */
} staged_file;

typedef struct ks_staged_source {
    git_repository *repo;
    char *gitdir;
    staged_file *files;
    size_t n, cap;
    _Atomic size_t next;
    ks_diags warns;
} ks_staged_source;

static void warn(ks_staged_source *s, const char *path, const char *msg)
{
    ks_diags_add(&s->warns, path, msg);
}

static void mark(staged_file *f, size_t line)
{
    if (line >= f->nbits) {
        size_t nb = f->nbits ? f->nbits : 1024;
        while (nb <= line)
            nb *= 2;
        f->added = ks_xrealloc(f->added, nb / 8);
        memset(f->added + f->nbits / 8, 0, (nb - f->nbits) / 8);
        f->nbits = nb;
    }
    f->added[line / 8] |= (uint8_t)(1u << (line % 8));
}

static bool is_added(const staged_file *f, uint64_t line)
{
    return f->all || (line < f->nbits && (f->added[line / 8] >> (line % 8)) & 1);
}

static int add_delta(ks_staged_source *s, git_diff *diff, size_t i)
{
    const git_diff_delta *d = git_diff_get_delta(diff, i);
    switch (d->status) {
    case GIT_DELTA_ADDED:
    case GIT_DELTA_MODIFIED:
    case GIT_DELTA_RENAMED:
    case GIT_DELTA_COPIED:
    case GIT_DELTA_TYPECHANGE:
        break;
    case GIT_DELTA_CONFLICTED:
        warn(s, d->new_file.path ? d->new_file.path : d->old_file.path,
             "has unresolved merge conflicts: not scanned until they are resolved and staged");
        return 0;
    default:
        return 0;
    }
    if (d->new_file.mode != GIT_FILEMODE_BLOB && d->new_file.mode != GIT_FILEMODE_BLOB_EXECUTABLE)
        return 0; /* submodules and symlinks */
    ks_grow((void **)&s->files, &s->cap, s->n + 1, sizeof(staged_file));
    staged_file *f = &s->files[s->n++];
    memset(f, 0, sizeof *f);
    f->blob = d->new_file.id;
    f->path = ks_xstrdup(d->new_file.path);

    git_patch *patch = NULL;
    if (git_patch_from_diff(&patch, diff, i) != 0 || !patch ||
        (git_patch_get_delta(patch)->flags & GIT_DIFF_FLAG_BINARY)) {
        f->all = true; /* binary: no lines to compare, the whole blob counts */
        git_patch_free(patch);
        return 0;
    }
    size_t nh = git_patch_num_hunks(patch);
    for (size_t h = 0; h < nh; h++) {
        size_t nl = 0;
        const git_diff_hunk *hunk;
        if (git_patch_get_hunk(&hunk, &nl, patch, h) != 0)
            continue;
        for (size_t l = 0; l < nl; l++) {
            const git_diff_line *line;
            if (git_patch_get_line_in_hunk(&line, patch, h, l) == 0 && line->origin == '+' &&
                line->new_lineno > 0)
                mark(f, (size_t)line->new_lineno);
        }
    }
    git_patch_free(patch);
    return 0;
}

static void staged_free(void *src);

/* libgit2 reserves room for as many entries as an index's header claims
 * before it reads them (a 4-byte count: up to 32 GiB). An entry takes at
 * least 62 bytes, so a header claiming more than the file can hold is
 * refused here, with the file named. A missing index is libgit2's to
 * handle. */
static int check_index(const char *gitdir)
{
    char path[4096];
    snprintf(path, sizeof path, "%sindex", gitdir);
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    uint8_t h[12];
    struct stat st;
    bool ok = fstat(fileno(f), &st) == 0 && fread(h, 1, sizeof h, f) == sizeof h;
    fclose(f);
    if (!ok || memcmp(h, "DIRC", 4) != 0)
        return 0; /* libgit2 says what is wrong with it */
    uint64_t count = (uint64_t)h[8] << 24 | (uint64_t)h[9] << 16 | (uint64_t)h[10] << 8 | h[11];
    if (count > ((uint64_t)st.st_size - 12) / 62)
        return ks_error_set(KS_EINVAL, "%s: corrupt index: %llu entries claimed in %lld bytes",
                            path, (unsigned long long)count, (long long)st.st_size);
    return 0;
}

static int staged_new(ks_staged_source **out, const char *repo_path)
{
    ks_git_init();
    ks_staged_source *s = ks_xcalloc(1, sizeof *s);
    git_tree *head = NULL;
    git_object *hobj = NULL;
    git_reference *href = NULL;
    git_index *index = NULL;
    git_diff *diff = NULL;
    int rc = 0;
    const char *path = repo_path ? repo_path : ".";
    *out = NULL;

    if (git_repository_open_ext(&s->repo, path, 0, NULL) != 0) {
        rc = ks_error_set(KS_EINVAL, "%s: not a git repository (%s)", path, ks_git_errmsg());
        goto done;
    }
    if (git_repository_is_bare(s->repo)) {
        rc = ks_error_set(KS_EINVAL, "%s: --staged needs a work tree (this repository is bare)",
                          path);
        goto done;
    }
    s->gitdir = ks_xstrdup(git_repository_path(s->repo));
    /* No commit yet: compare with the empty tree. */
    int hr = git_repository_head(&href, s->repo);
    if (hr == 0 && git_reference_peel(&hobj, href, GIT_OBJECT_TREE) == 0)
        head = (git_tree *)hobj;
    else if (hr != GIT_EUNBORNBRANCH && hr != GIT_ENOTFOUND && hr != 0) {
        rc = ks_error_set(KS_EINVAL, "%s: cannot read HEAD: %s", path, ks_git_errmsg());
        goto done;
    }
    if ((rc = check_index(s->gitdir)) != 0)
        goto done;
    if (git_repository_index(&index, s->repo) != 0) {
        rc = ks_error_set(KS_EIO, "%s: cannot read the index: %s", path, ks_git_errmsg());
        goto done;
    }
    git_diff_options o;
    git_diff_options_init(&o, GIT_DIFF_OPTIONS_VERSION);
    o.flags = GIT_DIFF_INCLUDE_TYPECHANGE;
    o.context_lines = 0;
    if (git_diff_tree_to_index(&diff, s->repo, head, index, &o) != 0) {
        rc = ks_error_set(KS_EIO, "%s: cannot compare the index with HEAD: %s", path,
                          ks_git_errmsg());
        goto done;
    }
    git_diff_find_options fo;
    git_diff_find_options_init(&fo, GIT_DIFF_FIND_OPTIONS_VERSION);
    fo.flags = GIT_DIFF_FIND_RENAMES;
    git_diff_find_similar(diff, &fo);
    size_t nd = git_diff_num_deltas(diff);
    for (size_t i = 0; i < nd; i++)
        add_delta(s, diff, i);
done:
    git_diff_free(diff);
    git_index_free(index);
    git_object_free(hobj);
    git_reference_free(href);
    if (rc) {
        staged_free(s);
        return rc;
    }
    *out = s;
    return 0;
}

/* A typical commit: a second thread costs more than it saves. */
static unsigned staged_threads(void *src, unsigned wanted)
{
    return ((ks_staged_source *)src)->n <= 64 ? 1 : wanted;
}

static void staged_free(void *src)
{
    ks_staged_source *s = src;
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++) {
        free(s->files[i].path);
        free(s->files[i].added);
    }
    free(s->files);
    ks_diags_dispose(&s->warns);
    git_repository_free(s->repo);
    free(s->gitdir);
    free(s);
}

static int staged_run(void *src, ks_worker *w)
{
    ks_staged_source *s = src;
    git_repository *repo = NULL;
    git_odb *odb = NULL;
    if (git_repository_open(&repo, s->gitdir) != 0 || git_repository_odb(&odb, repo) != 0) {
        ks_worker_warn(w, s->gitdir, "cannot open the repository: %s", ks_git_errmsg());
        git_repository_free(repo);
        return KS_EIO;
    }
    size_t i;
    while ((i = atomic_fetch_add_explicit(&s->next, 1, memory_order_relaxed)) < s->n) {
        const staged_file *f = &s->files[i];
        git_odb_object *obj = NULL;
        if (git_odb_read(&obj, odb, &f->blob) != 0) {
            ks_worker_warn(w, f->path, "staged blob unreadable: %s", ks_git_errmsg());
            continue;
        }
        ks_source_key key = {.kind = KS_KEY_INDEX, .index = i};
        ks_origin o = {.parent = NULL, .name = f->path, .sep = NULL, .key = &key};
        ks_worker_scan_mem(w, git_odb_object_data(obj), git_odb_object_size(obj), &o,
                           ks_scan_flags_for_name(f->path));
        git_odb_object_free(obj);
    }
    git_odb_free(odb);
    git_repository_free(repo);
    return 0;
}

/* A location counts when it is on a line the commit adds; a binary's
 * strings have no lines: the whole staged blob is new. */
static size_t staged_provenance(void *src, const ks_source_key *key, ks_place where,
                                ks_prov_record **out)
{
    ks_staged_source *s = src;
    if (key->kind != KS_KEY_INDEX || key->index >= s->n)
        return 0;
    const staged_file *f = &s->files[key->index];
    if (!where.strings && !is_added(f, where.line))
        return 0;
    *out = ks_xcalloc(1, sizeof(ks_prov_record));
    (*out)[0].root = ks_xstrdup(f->path);
    return 1;
}

static char *staged_describe(void *src)
{
    (void)src;
    return ks_xstrdup("staged changes");
}

static void staged_diagnostics(void *src, ks_diags *out)
{
    ks_diags_move(out, &((ks_staged_source *)src)->warns);
}

static const ks_source_ops staged_ops = {
    .name = "staged",
    .run = staged_run,
    .threads = staged_threads,
    .provenance = staged_provenance,
    .describe = staged_describe,
    .diagnostics = staged_diagnostics,
    .free = staged_free,
};

int ks_staged_source_open(ks_source *out, const char *repo)
{
    ks_staged_source *s;
    int rc = staged_new(&s, repo);
    *out = (ks_source){rc ? NULL : &staged_ops, rc ? NULL : s};
    return rc;
}
