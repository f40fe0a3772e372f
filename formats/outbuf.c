/*
 * outbuf.c - the bounded buffer stream decoders write into, and the one
 * place that decides whether a decoded child is held in memory or read as
 * a stream (ks_outbuf_fill: up to ks_fmt_hold bytes, then the decoder
 * emits the child as a stream, ks_fmt_emit_stream).
 *
 * DESIGN
 * A decoded member or stream is scanned as one blob, so its bytes must be
 * contiguous while it is scanned, and may be as large as --max-file-size
 * (256 MB by default); nested (a .deb's data.tar.xz, its tar, a member of
 * the tar) and on every worker at once. Small buffers stay on the heap.
 * A buffer that grows past SPILL_AT moves into an unlinked temporary file
 * (in $TMPDIR, else /tmp), mapped shared: the decoder goes on writing
 * through the mapping, the pages it has written are released behind it
 * (they stay in the page cache, and are read back from there), and the
 * pipeline reads the child through the same mapping, releasing behind its
 * passes, or through the file (ks_outbuf_file) for decoders that read by
 * pread. The file's blocks are reserved before they are written to, so a
 * full disk is a warning, never a SIGBUS. Where no temporary file can be
 * made, the buffer stays on the heap as before.
 *
 * The buffers kept in files are listed per thread: a buffer is made,
 * emitted and disposed of by the thread of one decoder call. Buffers
 * filled by ks_outbuf_fill hold at most ks_fmt_hold (16 MB) and never
 * spill: only ks_outbuf_room grows a buffer past SPILL_AT.
 */
#include "format.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define SPILL_AT (16u << 20)    /* a larger buffer lives in a temporary file */
#define RELEASE_EVERY (8u << 20) /* written pages are released this often */

static _Thread_local ks_outbuf *spilled;

const char *ks_temp_dir(void)
{
    const char *dir = getenv("TMPDIR");
    return dir && *dir ? dir : "/tmp";
}

int ks_temp_file(void)
{
    const char *dir = ks_temp_dir();
    int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0)
        return fd;
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s/keysift-XXXXXX", dir) >= sizeof path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    fd = mkstemp(path);
    if (fd >= 0)
        unlink(path);
    return fd;
}

static bool write_all(int fd, const uint8_t *p, size_t n)
{
    size_t off = 0;
    while (off < n) {
        ssize_t w = pwrite(fd, p + off, n - off, (off_t)off);
        if (w <= 0)
            return false;
        off += (size_t)w;
    }
    return true;
}

/* Move the heap buffer into a temporary file of `cap` bytes; false (the
 * buffer unchanged) when none can be made. */
static bool spill(ks_outbuf *b, size_t cap)
{
    int fd = ks_temp_file();
    if (fd < 0)
        return false;
    void *m = MAP_FAILED;
    if (posix_fallocate(fd, 0, (off_t)cap) == 0 && write_all(fd, b->data, b->len))
        m = mmap(NULL, cap, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED) {
        close(fd);
        return false;
    }
    free(b->data);
    b->data = m;
    b->cap = cap;
    b->fd = fd;
    b->spilled = true;
    b->released = b->len & ~(size_t)(sysconf(_SC_PAGESIZE) - 1);
    b->next = spilled;
    spilled = b;
    return true;
}

static bool grow_file(ks_outbuf *b, size_t cap)
{
    if (posix_fallocate(b->fd, 0, (off_t)cap) != 0)
        return false;
    void *m = mremap(b->data, b->cap, cap, MREMAP_MAYMOVE);
    if (m == MAP_FAILED)
        return false;
    b->data = m;
    b->cap = cap;
    return true;
}

/* The pages the decoder has written and moved past leave memory (they
 * stay in the file's page cache). */
static void release_written(ks_outbuf *b)
{
    size_t pg = (size_t)sysconf(_SC_PAGESIZE);
    if (b->len < b->released) /* the buffer is being reused from the start */
        b->released = 0;
    size_t upto = b->len & ~(pg - 1);
    if (upto - b->released >= RELEASE_EVERY) {
        (void)madvise(b->data + b->released, upto - b->released, MADV_DONTNEED);
        b->released = upto;
    }
}

int ks_outbuf_room(ks_fmt_ctx *ctx, ks_outbuf *b, size_t want)
{
    uint64_t max = ks_fmt_max_blob(ctx);
    if (b->spilled)
        release_written(b);
    if (b->cap - b->len >= want)
        return 0;
    if (b->len >= max) {
        ks_fmt_warn(ctx, KS_NO_OFFSET,
                    "decoded data larger than --max-file-size (%llu bytes): only the first %zu "
                    "bytes are scanned",
                    (unsigned long long)max, b->len);
        return KS_ELIMIT;
    }
    size_t cap = b->cap ? b->cap : 65536;
    while (cap - b->len < want && cap < max)
        cap = cap > SIZE_MAX / 2 ? SIZE_MAX : cap * 2;
    if (cap > max)
        cap = (size_t)max;
    if (b->spilled) {
        if (grow_file(b, cap))
            return 0;
        ks_fmt_warn(ctx, KS_NO_OFFSET,
                    "no room for decoded data in the temporary directory: only the first %zu "
                    "bytes are scanned",
                    b->len);
        return KS_ELIMIT;
    }
    if (cap > SPILL_AT && spill(b, cap))
        return 0;
    b->data = ks_xrealloc(b->data, cap);
    b->cap = cap;
    return 0;
}

bool ks_outbuf_fill(ks_fmt_ctx *ctx, ks_outbuf *b, ks_fmt_read_fn read, void *payload)
{
    uint64_t hold = ks_fmt_hold(ctx);
    b->len = 0;
    for (;;) {
        if (b->len >= hold)
            return false;
        if (b->cap == b->len) {
            size_t cap = b->cap ? b->cap * 2 : 65536;
            if (cap > hold)
                cap = (size_t)hold;
            b->data = ks_xrealloc(b->data, cap);
            b->cap = cap;
        }
        size_t got = read(payload, b->data + b->len, b->cap - b->len); /* never spilled */
        if (got == 0)
            return true;
        b->len += got;
    }
}

void ks_outbuf_dispose(ks_outbuf *b)
{
    if (b->spilled) {
        for (ks_outbuf **pp = &spilled; *pp; pp = &(*pp)->next)
            if (*pp == b) {
                *pp = b->next;
                break;
            }
        munmap(b->data, b->cap);
        close(b->fd);
    } else {
        free(b->data);
    }
    memset(b, 0, sizeof *b);
}

int ks_outbuf_file(const uint8_t *p, const uint8_t **map, size_t *len)
{
    for (const ks_outbuf *b = spilled; b; b = b->next)
        if (p >= b->data && p < b->data + b->cap) {
            *map = b->data;
            *len = b->cap;
            return b->fd;
        }
    return -1;
}

#define PIECE (1u << 20) /* input read at a time from a stream or a file */

void ks_fmt_input_open(ks_fmt_ctx *ctx, ks_fmt_input *in, const uint8_t *d, size_t n,
                       ks_fmt_stream *st)
{
    *in = (ks_fmt_input){.d = d, .n = n, .st = st, .fd = -1};
    if (!st)
        in->fd = ks_fmt_fd(ctx, &in->fd_off);
}

size_t ks_fmt_input_next(ks_fmt_input *in, const uint8_t **p)
{
    size_t k = 0;
    if (in->end)
        return 0;
    if (in->st) {
        k = ks_fmt_stream_next(in->st, p, PIECE);
    } else if (in->fed < in->n) {
        size_t left = in->n - (size_t)in->fed;
        if (in->fd >= 0) {
            if (!in->piece)
                in->piece = ks_xmalloc(PIECE);
            ssize_t r;
            do
                r = pread(in->fd, in->piece, left < PIECE ? left : PIECE,
                          (off_t)(in->fd_off + in->fed));
            while (r < 0 && errno == EINTR);
            k = r > 0 ? (size_t)r : 0; /* a read error ends the input (truncated) */
            *p = in->piece;
        } else {
            k = left < UINT32_MAX ? left : UINT32_MAX;
            *p = in->d + in->fed;
        }
    }
    if (k == 0)
        in->end = true;
    in->fed += k;
    return k;
}

void ks_fmt_input_unread(ks_fmt_input *in, size_t k)
{
    if (in->fd >= 0 && !in->st && k <= in->fed) {
        in->fed -= k;
        in->end = false;
    }
}

void ks_fmt_input_dispose(ks_fmt_input *in)
{
    free(in->piece);
    in->piece = NULL;
}
