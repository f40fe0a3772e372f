/*
 * outfile.c - files written whole and safely (see outfile.h).
 *
 * DESIGN
 * The stream is a stdio cookie stream over the fd, so the reporters keep
 * writing with fprintf/json_dumpf while the first failing write(2) leaves
 * its errno here: when a report cannot be written the message says why
 * (ENOSPC, EDQUOT, EIO) and where, whichever reporter was writing. After
 * that first failure nothing more is written. The temporary name is random
 * and created exclusively, so no name is predictable from the pid.
 */
#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static ssize_t sink_write(void *cookie, const char *buf, size_t n)
{
    ks_outfile *o = cookie;
    size_t done = 0;
    while (!o->err && done < n) {
        ssize_t w = write(o->fd, buf + done, n - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            o->err = w < 0 ? errno : EIO;
        else
            done += (size_t)w;
    }
    /* Short of n: stdio marks the stream in error. */
    return (ssize_t)done;
}

static FILE *sink_stream(ks_outfile *o)
{
    cookie_io_functions_t io = {.read = NULL, .write = sink_write, .seek = NULL, .close = NULL};
    FILE *f = fopencookie(o, "w", io);
    if (!f)
        abort(); /* only allocation fails here */
    return f;
}

/* Six random name characters; getrandom, or the clock and a counter where
 * it has no entropy yet (O_EXCL keeps that safe, only less unpredictable). */
static void random_suffix(char out[7])
{
    static const char set[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    static _Atomic unsigned counter;
    unsigned char r[6];
    if (getrandom(r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        uint64_t x = (uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 20) ^ (uint64_t)counter++;
        for (size_t i = 0; i < sizeof r; i++, x >>= 8)
            r[i] = (unsigned char)x;
    }
    for (size_t i = 0; i < 6; i++)
        out[i] = set[r[i] % (sizeof set - 1)];
    out[6] = '\0';
}

/* A target that is not a file to replace: a device (/dev/null) or a FIFO,
 * where renaming would put a regular file in its place (as root: over
 * /dev/null itself). A symlink at the target is replaced, never followed
 * (someone may have planted it pointing at a disk), except the kernel's
 * own under /dev and /proc (/dev/stdout, /dev/fd/1). *follow: open
 * through a symlink. */
static bool write_in_place(const char *path, bool *follow)
{
    struct stat st;
    *follow = false;
    if (lstat(path, &st) != 0)
        return false;
    if (S_ISLNK(st.st_mode)) {
        if (strncmp(path, "/dev/", 5) != 0 && strncmp(path, "/proc/", 6) != 0)
            return false;
        *follow = true;
        return stat(path, &st) == 0 && !S_ISDIR(st.st_mode);
    }
    return !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode);
}

int ks_outfile_open(ks_outfile *o, const char *path, unsigned mode, const char *what)
{
    *o = (ks_outfile){.fd = -1};
    bool follow;
    if (write_in_place(path, &follow)) {
        int flags = O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOCTTY | (follow ? 0 : O_NOFOLLOW);
        int fd = open(path, flags);
        if (fd < 0)
            return ks_error_set(KS_EIO, "%s: cannot write the %s: %s", path, what,
                                strerror(errno));
        ks_outfile_open_fd(o, fd);
        o->path = ks_xstrdup(path);
        o->owned = true;
        return 0;
    }
    size_t l = strlen(path) + 16;
    char *tmp = ks_xmalloc(l);
    int fd = -1;
    for (int tries = 0; fd < 0 && tries < 64; tries++) {
        char sfx[7];
        random_suffix(sfx);
        snprintf(tmp, l, "%s.tmp.%s", path, sfx);
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY,
                  (mode_t)mode);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0) {
        int rc = ks_error_set(KS_EIO, "%s: cannot write the %s: %s", path, what, strerror(errno));
        free(tmp);
        return rc;
    }
    o->fd = fd;
    o->tmp = tmp;
    o->path = ks_xstrdup(path);
    o->f = sink_stream(o);
    return 0;
}

void ks_outfile_open_fd(ks_outfile *o, int fd)
{
    *o = (ks_outfile){.fd = fd};
    if (fd == STDOUT_FILENO)
        fflush(stdout); /* anything printed before comes first */
    o->f = sink_stream(o);
}

bool ks_outfile_failed(const ks_outfile *o)
{
    return o->err != 0 || (o->f && ferror(o->f));
}

static void release(ks_outfile *o, bool remove)
{
    if ((o->tmp || o->owned) && o->fd >= 0)
        close(o->fd);
    if (o->tmp && remove)
        unlink(o->tmp);
    free(o->tmp);
    free(o->path);
    *o = (ks_outfile){.fd = -1};
}

int ks_outfile_commit(ks_outfile *o, const char *what)
{
    int err = 0;
    bool bad = ferror(o->f) != 0;
    if (fclose(o->f) != 0 || bad || o->err)
        err = o->err ? o->err : EIO;
    o->f = NULL;
    if (o->tmp) {
        if (!err && fsync(o->fd) != 0)
            err = errno;
        if (close(o->fd) != 0 && !err)
            err = errno;
        o->fd = -1;
        if (!err && rename(o->tmp, o->path) != 0)
            err = errno;
    } else if (o->owned) {
        if (close(o->fd) != 0 && !err)
            err = errno;
        o->fd = -1;
    }
    int rc = 0;
    if (err) {
        char fdname[32];
        const char *name = o->path;
        if (!name) {
            snprintf(fdname, sizeof fdname, "fd %d", o->fd);
            name = o->fd == STDOUT_FILENO ? "standard output" : fdname;
        }
        rc = ks_error_set(KS_EIO, "%s: cannot write the %s: %s", name, what, strerror(err));
    }
    release(o, err != 0);
    return rc;
}

void ks_outfile_abort(ks_outfile *o)
{
    if (o->f)
        fclose(o->f);
    o->f = NULL;
    release(o, true);
}
