/*
 * outfile.h - every file keysift writes: reports, baselines, the rule cache,
 * the pre-commit hook.
 *
 * A file is written whole or not at all, and never through a name someone
 * else planted: bytes go to a new temporary file in the target's directory,
 * created with O_CREAT|O_EXCL|O_NOFOLLOW under a random name (a file or
 * symlink already there is never opened, let alone truncated), and rename()
 * puts it in place, replacing a symlink at the target rather than writing
 * through it. A target that is no file to replace (a device such as
 * /dev/null, a FIFO, or one of the kernel's links under /dev and /proc
 * such as /dev/stdout) is written in place.
 * Standard output goes through the same stream type, so a write error
 * names the output and the system's reason the same way.
 *
 * The caller owns the ks_outfile; ks_outfile_commit or ks_outfile_abort
 * releases everything it holds, whatever happened.
 */
#ifndef KS_OUTFILE_H
#define KS_OUTFILE_H

#include "ks.h"

#include <stdio.h>

typedef struct ks_outfile {
    FILE *f;    /* write through this */
    int fd;     /* the temporary file, or the fd given */
    int err;    /* errno of the first write that failed, 0 when none */
    char *path; /* the file to create or replace; NULL for an fd */
    char *tmp;  /* the temporary file; NULL for an fd */
    bool owned; /* fd opened here and written in place (a device, a FIFO) */
} ks_outfile;

/* Start writing `path` (created with `mode`, less the umask). On error
 * returns KS_EIO with "PATH: cannot write the WHAT: reason". */
int ks_outfile_open(ks_outfile *o, const char *path, unsigned mode, const char *what);
/* Write to an fd the caller keeps open (standard output): flushed, never
 * closed. */
void ks_outfile_open_fd(ks_outfile *o, int fd);
/* Whether a write has failed so far. */
bool ks_outfile_failed(const ks_outfile *o);
/* Flush, sync and rename into place (a file), or flush (an fd). On a write
 * error the temporary file is removed and the error is KS_EIO with "PATH:
 * cannot write the WHAT: reason" (PATH "standard output" for fd 1). */
int ks_outfile_commit(ks_outfile *o, const char *what);
/* Give up: close and remove the temporary file. */
void ks_outfile_abort(ks_outfile *o);

#endif
