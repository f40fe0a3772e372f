/*
 * fs.c - the file-system source: a parallel directory walk.
 *
 * DESIGN
 * Work items sit on one shared stack: a directory to read, or a batch of
 * files of a directory already read. A worker that pops a directory reads
 * it once (d_type tells files from directories without a stat), pushes its
 * subdirectories and all but one batch of its files, and scans that batch
 * itself. Files are opened with openat() relative to the directory's fd,
 * which a batch holds by reference, so no path is resolved twice. The
 * stack (LIFO) keeps the walk depth-first and the number of open directory
 * fds small. The lock is taken once per directory or batch, never per byte.
 */
#include "source.h"

#include "../core/glob.h"

#include <dirent.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BATCH 64

/* Directories that are never walked: version-control metadata (history is
 * scanned with --git, where objects are read decompressed and once). */
static const char *const default_excluded_dirs[] = {".git", ".hg", ".svn"};

typedef struct dirref {
    int fd;
    char *path;
    size_t rootlen; /* length of the root argument prefix of path */
    _Atomic int refs;
} dirref;

typedef enum { ITEM_DIR, ITEM_FILES, ITEM_PATH, ITEM_STDIN } item_kind;

typedef struct item {
    item_kind kind;
    char *path;     /* ITEM_DIR, ITEM_PATH */
    size_t rootlen; /* ITEM_DIR */
    dirref *dir;    /* ITEM_FILES */
    char **names;   /* ITEM_FILES: names[0..n), one allocation */
    size_t n;
} item;

typedef struct ks_fs_source {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    item *stack;
    size_t n, cap;
    unsigned active; /* directories being read: they may push more items */
    bool stop;
} ks_fs_source;

static void push_locked(ks_fs_source *s, item it)
{
    ks_grow((void **)&s->stack, &s->cap, s->n + 1, sizeof(item));
    s->stack[s->n++] = it;
}

static void push(ks_fs_source *s, item it)
{
    pthread_mutex_lock(&s->lock);
    push_locked(s, it);
    pthread_cond_signal(&s->cond);
    pthread_mutex_unlock(&s->lock);
}

/* Pop an item, waiting while others may still produce work. Returns false
 * when the walk is over. */
static bool pop(ks_fs_source *s, item *out)
{
    pthread_mutex_lock(&s->lock);
    while (s->n == 0 && s->active > 0 && !s->stop)
        pthread_cond_wait(&s->cond, &s->lock);
    if (s->n == 0 || s->stop) {
        pthread_cond_broadcast(&s->cond);
        pthread_mutex_unlock(&s->lock);
        return false;
    }
    *out = s->stack[--s->n];
    if (out->kind == ITEM_DIR)
        s->active++; /* only a directory being read can add work */
    pthread_mutex_unlock(&s->lock);
    return true;
}

/* A directory has pushed all it will push: workers waiting for work may
 * stop waiting for it (and leave, to help with jobs, if nothing is left). */
static void dir_done(ks_fs_source *s)
{
    pthread_mutex_lock(&s->lock);
    s->active--;
    if (s->active == 0 || s->n > 0)
        pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
}

static void dir_unref(dirref *d)
{
    if (atomic_fetch_sub(&d->refs, 1) == 1) {
        close(d->fd);
        free(d->path);
        free(d);
    }
}

static char *join(const char *dir, const char *name)
{
    size_t dl = strlen(dir), nl = strlen(name);
    char *p = ks_xmalloc(dl + nl + 2);
    memcpy(p, dir, dl);
    size_t o = dl;
    if (dl == 0 || dir[dl - 1] != '/')
        p[o++] = '/';
    memcpy(p + o, name, nl + 1);
    return p;
}

static const char *relative(const char *path, size_t rootlen)
{
    const char *r = path + rootlen;
    while (*r == '/')
        r++;
    return r;
}

/* ------------------------------------------------------------------------ */

static void scan_file_at(ks_worker *w, int dfd, const char *dirpath, const char *name)
{
    char *path = join(dirpath, name);
    /* d_type said regular; O_NOFOLLOW and O_NONBLOCK keep a file swapped
     * for a symlink or a FIFO during the walk from misleading or blocking. */
    int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        if (errno == ELOOP)
            ks_worker_skipped(w); /* a symlink that replaced the file during the walk */
        else
            ks_worker_warn(w, path, "cannot open: %s", strerror(errno));
        free(path);
        return;
    }
    ks_origin o = {.parent = NULL, .name = path, .sep = NULL};
    ks_worker_scan_fd(w, fd, &o, 0, KS_BLOB_REGULAR | ks_scan_flags_for_name(path));
    close(fd);
    free(path);
}

/* Directory entries through getdents64 on the fd the batch keeps: no DIR
 * stream, no dup/fstat/fcntl that opendir would add per directory. */
typedef struct linux_dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
} linux_dirent64;

typedef struct names {
    char **v;
    size_t n, cap;
} names;

/* The type of a directory entry, asking the file system when getdents
 * does not say; DT_UNKNOWN (warned) when it cannot be told. */
static unsigned char entry_type(ks_worker *w, int dfd, const char *dir, const linux_dirent64 *e)
{
    if (e->d_type != DT_UNKNOWN)
        return e->d_type;
    struct stat st;
    if (fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        char *p = join(dir, e->d_name);
        ks_worker_warn(w, p, "cannot stat: %s", strerror(errno));
        free(p);
        return DT_UNKNOWN;
    }
    return S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : S_ISLNK(st.st_mode) ? DT_LNK : DT_SOCK;
}

static bool excluded(const ks_scan_config *cfg, const char *rel, const char *name, bool dir)
{
    if (ks_path_excluded(cfg->excludes, cfg->nexcludes, rel, name))
        return true;
    for (size_t i = 0; dir && i < sizeof default_excluded_dirs / sizeof *default_excluded_dirs; i++)
        if (strcmp(name, default_excluded_dirs[i]) == 0)
            return true;
    return false;
}

/* One entry of a directory being read: a subdirectory is pushed, a file
 * joins the directory's list, anything else is counted. */
static void dir_entry(ks_fs_source *s, ks_worker *w, const item *it, int dfd,
                      const linux_dirent64 *e, names *files)
{
    const char *nm = e->d_name;
    if (nm[0] == '.' && (nm[1] == '\0' || (nm[1] == '.' && nm[2] == '\0')))
        return;
    unsigned char type = entry_type(w, dfd, it->path, e);
    if (type == DT_UNKNOWN)
        return;
    if (type != DT_DIR && type != DT_REG) {
        /* Symlinks are not followed (no loops, no escaping the tree);
         * fifos, sockets and devices could block. */
        ks_worker_skipped(w);
        return;
    }
    char *p = join(it->path, nm);
    if (excluded(ks_worker_config(w), relative(p, it->rootlen), nm, type == DT_DIR)) {
        ks_worker_excluded(w);
        free(p);
        return;
    }
    if (type == DT_DIR) {
        push(s, (item){.kind = ITEM_DIR, .path = p, .rootlen = it->rootlen});
        return;
    }
    free(p);
    ks_grow((void **)&files->v, &files->cap, files->n + 1, sizeof(char *));
    files->v[files->n++] = ks_xstrdup(nm);
}

static void read_dir(ks_fs_source *s, ks_worker *w, item *it)
{
    int fd = open(it->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        ks_worker_warn(w, it->path, "cannot open directory: %s", strerror(errno));
        dir_done(s);
        return;
    }
    dirref *ref = ks_xcalloc(1, sizeof *ref);
    ref->fd = fd;
    ref->path = ks_xstrdup(it->path);
    ref->rootlen = it->rootlen;
    atomic_store(&ref->refs, 1);

    names files = {0};
    _Alignas(linux_dirent64) char dbuf[32768];
    for (;;) {
        ssize_t got = getdents64(fd, dbuf, sizeof dbuf);
        if (got < 0)
            ks_worker_warn(w, it->path, "error while reading directory: %s", strerror(errno));
        if (got <= 0)
            break;
        for (ssize_t off = 0; off < got;) {
            const linux_dirent64 *e = (const linux_dirent64 *)(dbuf + off);
            off += e->d_reclen;
            dir_entry(s, w, it, fd, e, &files);
        }
    }

    /* Hand batches beyond the first to other workers; scan the first here. */
    for (size_t b = BATCH; b < files.n; b += BATCH) {
        size_t cnt = files.n - b < BATCH ? files.n - b : BATCH;
        char **part = ks_xmalloc(cnt * sizeof(char *));
        memcpy(part, files.v + b, cnt * sizeof(char *));
        atomic_fetch_add(&ref->refs, 1);
        push(s, (item){.kind = ITEM_FILES, .dir = ref, .names = part, .n = cnt});
    }
    dir_done(s);
    size_t first = files.n < BATCH ? files.n : BATCH;
    for (size_t i = 0; i < first; i++) {
        scan_file_at(w, fd, ref->path, files.v[i]);
        free(files.v[i]);
    }
    free(files.v);
    dir_unref(ref);
}

/* What a path that is neither a regular file nor a directory is. */
static const char *special_kind(mode_t m)
{
    return S_ISFIFO(m)  ? "a FIFO (named pipe)"
           : S_ISCHR(m) ? "a character device"
           : S_ISBLK(m) ? "a block device"
           : S_ISSOCK(m) ? "a socket"
                         : "not a regular file";
}

static void scan_path(ks_worker *w, const char *path)
{
    /* fs_new refused special files; O_NONBLOCK keeps one swapped in since
     * from blocking the open, and fstat from being read. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        ks_worker_warn(w, path, "cannot open: %s", strerror(errno));
        return;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        ks_worker_warn(w, path, "cannot stat: %s", strerror(errno));
        close(fd);
        return;
    }
    if (!S_ISREG(st.st_mode)) {
        ks_worker_warn(w, path, "%s: not read", special_kind(st.st_mode));
        close(fd);
        return;
    }
    ks_origin o = {.parent = NULL, .name = path, .sep = NULL};
    ks_worker_scan_fd(w, fd, &o, (uint64_t)st.st_size,
                      KS_BLOB_REGULAR | KS_BLOB_NAMED | ks_scan_flags_for_name(path));
    close(fd);
}

static int fs_run(void *src, ks_worker *w)
{
    ks_fs_source *s = src;
    item it;
    while (pop(s, &it)) {
        switch (it.kind) {
        case ITEM_DIR:
            read_dir(s, w, &it);
            free(it.path);
            break;
        case ITEM_FILES:
            for (size_t i = 0; i < it.n; i++) {
                scan_file_at(w, it.dir->fd, it.dir->path, it.names[i]);
                free(it.names[i]);
            }
            free(it.names);
            dir_unref(it.dir);
            break;
        case ITEM_PATH:
            scan_path(w, it.path);
            free(it.path);
            break;
        case ITEM_STDIN: {
            ks_origin o = {.parent = NULL, .name = "-", .sep = NULL};
            ks_worker_scan_fd(w, 0, &o, 0, 0);
            break;
        }
        }
    }
    return 0;
}

static void fs_free(void *src);

static const ks_source_ops fs_ops = {.name = "fs", .run = fs_run, .free = fs_free};

static int fs_new(ks_fs_source **out, char *const *paths, size_t npaths)
{
    ks_fs_source *s = ks_xcalloc(1, sizeof *s);
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->cond, NULL);
    *out = NULL;
    bool have_stdin = false;
    /* Push in reverse so the stack hands paths out in command-line order. */
    for (size_t i = npaths; i-- > 0;) {
        const char *p = paths[i];
        if (strcmp(p, "-") == 0) {
            if (!have_stdin)
                push_locked(s, (item){.kind = ITEM_STDIN});
            have_stdin = true;
            continue;
        }
        struct stat st;
        if (stat(p, &st) != 0) {
            int rc = ks_error_set(KS_ENOTFOUND, "%s: %s", p, strerror(errno));
            fs_free(s);
            return rc;
        }
        if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) {
            /* Reading one could block for ever (a FIFO) or never end
             * (/dev/zero): refused like a missing path. */
            int rc = ks_error_set(KS_EINVAL,
                                  "%s: %s: only regular files and directories are scanned "
                                  "(use '-' to scan standard input)",
                                  p, special_kind(st.st_mode));
            fs_free(s);
            return rc;
        }
        char *copy = ks_xstrdup(p);
        size_t l = strlen(copy);
        while (l > 1 && copy[l - 1] == '/')
            copy[--l] = '\0';
        if (S_ISDIR(st.st_mode))
            push_locked(s, (item){.kind = ITEM_DIR, .path = copy, .rootlen = l});
        else
            push_locked(s, (item){.kind = ITEM_PATH, .path = copy});
    }
    *out = s;
    return 0;
}

static void fs_free(void *src)
{
    ks_fs_source *s = src;
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++) {
        free(s->stack[i].path);
        if (s->stack[i].kind == ITEM_FILES) {
            for (size_t j = 0; j < s->stack[i].n; j++)
                free(s->stack[i].names[j]);
            free(s->stack[i].names);
            dir_unref(s->stack[i].dir);
        }
    }
    free(s->stack);
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->cond);
    free(s);
}

int ks_fs_source_open(ks_source *out, char *const *paths, size_t npaths)
{
    ks_fs_source *s;
    int rc = fs_new(&s, paths, npaths);
    *out = (ks_source){rc ? NULL : &fs_ops, rc ? NULL : s};
    return rc;
}

void ks_source_close(ks_source *s)
{
    if (s->ops && s->ops->free)
        s->ops->free(s->impl);
    s->ops = NULL;
    s->impl = NULL;
}
