/*
 * pipeline.c - worker threads, chunked blob scanning, hits, progress.
 *
 * DESIGN
 * ks_worker_scan_fd reads a blob in chunks of CHUNK bytes into the worker's
 * buffer. Consecutive chunks overlap by 2 * ks_engine_overlap() bytes and
 * each chunk owns the match ends (prev_own_to, base + len - overlap]; the
 * last chunk owns everything to the end. Every match is therefore reported
 * exactly once and always seen whole (see engine.h). Line numbers are kept
 * as a checkpoint at the start of the buffer plus a cursor that moves
 * forward over newlines; matches come in increasing order of start, so
 * counting lines is one pass over the bytes that precede matches.
 */
#include "pipeline.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (4u << 20)
#define SNIPPET_SIDE 80 /* bytes of context kept each side of the secret */

struct ks_pipeline {
    const ks_scan_config *cfg;
    size_t chunk; /* bytes read per chunk */
    size_t ov;    /* bytes consecutive chunks share */
    const ks_source_ops *ops;
    void *src;
    ks_worker *workers;
    unsigned nworkers;
    ks_results *res;
    pthread_mutex_t diag_lock;
    _Atomic bool done;
    double t0;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

const ks_scan_config *ks_worker_config(const ks_worker *w)
{
    return w->p->cfg;
}

uint32_t ks_scan_flags_for_name(const char *name)
{
    static const char *const docs[] = {".md", ".markdown", ".rst", ".adoc", ".txt", ".html"};
    size_t l = strlen(name);
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
        size_t m = strlen(docs[i]);
        if (l > m && strcasecmp(name + l - m, docs[i]) == 0)
            return KS_SCAN_DOCS;
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Diagnostics                                                               */

void ks_worker_warn(ks_worker *w, const char *path, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ks_pipeline *p = w->p;
    pthread_mutex_lock(&p->diag_lock);
    ks_results_diag(p->res, path, msg);
    if (!p->cfg->quiet)
        fprintf(stderr, "%skeysift: warning: %s: %s\n", p->cfg->progress ? "\r\033[K" : "", path,
                msg);
    pthread_mutex_unlock(&p->diag_lock);
}

/* ------------------------------------------------------------------------ */
/* Hits                                                                      */

static void render_origin(ks_worker *w)
{
    if (w->origin_text)
        return;
    size_t len = 0;
    for (const ks_origin *o = w->origin; o; o = o->parent)
        len += strlen(o->name) + (o->sep ? strlen(o->sep) : 0);
    char *s = ks_xmalloc(len + 1);
    size_t end = len;
    s[end] = '\0';
    for (const ks_origin *o = w->origin; o; o = o->parent) {
        size_t nl = strlen(o->name);
        end -= nl;
        memcpy(s + end, o->name, nl);
        if (o->parent && o->sep) {
            size_t sl = strlen(o->sep);
            end -= sl;
            memcpy(s + end, o->sep, sl);
        }
    }
    w->origin_text = s;
}

/* Advance the line cursor to absolute offset `abs` (inside the buffer). */
static void line_at(ks_worker *w, uint64_t abs, uint64_t *line, uint64_t *col)
{
    if (!w->cur_valid || abs < w->cur_abs) {
        w->cur_abs = w->base;
        w->cur_line = w->cp_line;
        w->cur_lastnl = w->cp_lastnl;
        w->cur_valid = true;
    }
    const uint8_t *p = w->buf + (w->cur_abs - w->base);
    const uint8_t *end = w->buf + (abs - w->base);
    while (p < end) {
        const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            break;
        w->cur_line++;
        w->cur_lastnl = w->base + (uint64_t)(nl - w->buf) + 1;
        p = nl + 1;
    }
    w->cur_abs = abs;
    *line = w->cur_line;
    *col = abs - w->cur_lastnl + 1;
}

static void put_clean(char *out, size_t *o, const uint8_t *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[(*o)++] = s[i] == '\t' ? ' ' : (s[i] >= 0x20 && s[i] < 0x7f) ? (char)s[i] : '.';
}

/* The line holding the secret, with the secret masked, trimmed to a few
 * dozen bytes each side. Never contains the secret unless asked. */
static char *make_snippet(const uint8_t *d, size_t len, size_t ss, size_t se, bool show)
{
    size_t ls = ss, le = se;
    while (ls > 0 && ss - ls < SNIPPET_SIDE && d[ls - 1] != '\n')
        ls--;
    const uint8_t *nl = memchr(d + ss, '\n', se - ss);
    size_t sec_end = nl ? (size_t)(nl - d) : se; /* multi-line secrets: first line */
    le = sec_end;
    while (le < len && le - sec_end < SNIPPET_SIDE && d[le] != '\n')
        le++;
    while (ls < ss && (d[ls] == ' ' || d[ls] == '\t'))
        ls++;
    char *red = show ? NULL : ks_redact(d + ss, se - ss);
    size_t cap = (ss - ls) + (le - sec_end) + (show ? sec_end - ss : strlen(red)) + 8;
    char *out = ks_xmalloc(cap);
    size_t o = 0;
    if (ls > 0 && d[ls - 1] != '\n') {
        memcpy(out, "...", 3);
        o = 3;
    }
    put_clean(out, &o, d + ls, ss - ls);
    if (show) {
        put_clean(out, &o, d + ss, sec_end - ss);
    } else {
        size_t rl = strlen(red);
        memcpy(out + o, red, rl);
        o += rl;
    }
    put_clean(out, &o, d + sec_end, le - sec_end);
    out[o] = '\0';
    free(red);
    return out;
}

/* on_match runs inside the scan of one chunk; snippets and the allow
 * comment need the chunk's valid length, kept here. */
typedef struct chunk_ctx {
    ks_worker *w;
    size_t len;
} chunk_ctx;

/* An inline "keysift:allow" on the line where the secret starts accepts it
 * (the comment syntax is the file's own: #, //, <!-- -->, ...). */
static bool allowed_inline(const uint8_t *d, size_t len, size_t at)
{
    static const char tag[] = "keysift:allow";
    size_t ls = at, le = at;
    while (ls > 0 && d[ls - 1] != '\n' && at - ls < 4096)
        ls--;
    while (le < len && d[le] != '\n' && le - at < 4096)
        le++;
    return memmem(d + ls, le - ls, tag, sizeof tag - 1) != NULL;
}

/* A confirmed match becomes a hit: a copy of the secret, its fingerprint
 * and its location. */
static int on_match(const ks_match *m, void *payload)
{
    chunk_ctx *c = payload;
    ks_worker *w = c->w;
    if (allowed_inline(w->buf, c->len, m->sstart)) {
        w->allowed++;
        return 0;
    }
    const ks_rule *r = &w->p->cfg->rs->rules[m->rule];
    ks_grow((void **)&w->hits.v, &w->hits.cap, w->hits.n + 1, sizeof(ks_hit));
    ks_hit *h = &w->hits.v[w->hits.n++];
    memset(h, 0, sizeof *h);
    h->rule = m->rule;
    h->confidence = m->confidence;
    h->checks = m->checks;
    h->secret_len = m->send - m->sstart;
    h->secret = ks_xmalloc(h->secret_len ? h->secret_len : 1);
    memcpy(h->secret, w->buf + m->sstart, h->secret_len);
    ks_fingerprint(h->fp, r->id, h->secret, h->secret_len);
    render_origin(w);
    h->loc.path = ks_xstrdup(w->origin_text);
    h->loc.offset = w->base + m->sstart;
    line_at(w, w->base + m->sstart, &h->loc.line, &h->loc.column);
    h->loc.snippet = make_snippet(w->buf, c->len, m->sstart, m->send, w->p->cfg->show_secrets);
    return 0;
}

static int scan_chunk(ks_worker *w, size_t len, size_t own_from, size_t own_to, uint32_t flags)
{
    ks_scan_args a = {
        .data = w->buf, .len = len, .own_from = own_from, .own_to = own_to, .flags = flags};
    chunk_ctx c = {w, len};
    int rc = ks_engine_scan(w->p->cfg->engine, w->scratch, &a, on_match, &c);
    if (rc) {
        render_origin(w);
        ks_worker_warn(w, w->origin_text, "%s", ks_error_msg());
    }
    return rc;
}

static void blob_begin(ks_worker *w, const ks_origin *origin)
{
    w->origin = origin;
    free(w->origin_text);
    w->origin_text = NULL;
    w->base = 0;
    w->cp_line = 1;
    w->cp_lastnl = 0;
    w->cur_valid = false;
}

static void blob_end(ks_worker *w, uint64_t bytes)
{
    free(w->origin_text);
    w->origin_text = NULL;
    w->origin = NULL;
    atomic_fetch_add_explicit(&w->files, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&w->bytes, bytes, memory_order_relaxed);
}

/* Read up to `want` bytes. For a regular file a short read means the end
 * of the file, so it is not confirmed by a second read that returns 0:
 * one read() is all a small file costs. */
static ssize_t read_full(int fd, uint8_t *buf, size_t want, bool regular)
{
    size_t got = 0;
    while (got < want) {
        ssize_t n = read(fd, buf + got, want - got);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (n == 0)
            break;
        got += (size_t)n;
        if (regular)
            break;
    }
    return (ssize_t)got;
}

/* Where the bytes of a blob come from: fill dst with up to `want` bytes,
 * return how many (fewer only at the end), or -1 on a read error. */
typedef ssize_t (*fill_fn)(void *ctx, uint8_t *dst, size_t want);

typedef struct fd_ctx {
    int fd;
    bool regular;
} fd_ctx;

static ssize_t fill_fd(void *ctx, uint8_t *dst, size_t want)
{
    fd_ctx *c = ctx;
    return read_full(c->fd, dst, want, c->regular);
}

typedef struct mem_ctx {
    const uint8_t *data;
    size_t len, pos;
} mem_ctx;

static ssize_t fill_mem(void *ctx, uint8_t *dst, size_t want)
{
    mem_ctx *m = ctx;
    size_t n = m->len - m->pos < want ? m->len - m->pos : want;
    memcpy(dst, m->data + m->pos, n);
    m->pos += n;
    return (ssize_t)n;
}

/* The chunk loop (see DESIGN at the top of this file). */
static int scan_stream(ks_worker *w, fill_fn fill, void *ctx, const ks_origin *origin,
                       uint32_t flags, ssize_t prefilled)
{
    const ks_scan_config *cfg = w->p->cfg;
    const size_t ov = w->p->ov, chunk = w->p->chunk;
    size_t carry = 0;
    uint64_t total = 0, prev_own_to = 0;
    int rc = 0;

    blob_begin(w, origin);
    flags &= ~(uint32_t)KS_BLOB_REGULAR;
    for (;;) {
        ssize_t n = prefilled >= 0 ? prefilled : fill(ctx, w->buf + carry, chunk);
        prefilled = -1;
        if (n < 0) {
            render_origin(w);
            ks_worker_warn(w, w->origin_text, "read error after %llu bytes: %s",
                           (unsigned long long)total, strerror(errno));
            break;
        }
        total += (uint64_t)n;
        size_t len = carry + (size_t)n;
        bool eof = (size_t)n < chunk;
        if (cfg->max_file_size && total > cfg->max_file_size) {
            render_origin(w);
            total -= (uint64_t)n;
            if (total == 0) {
                w->skipped++;
                ks_worker_warn(w, w->origin_text,
                               "skipped: larger than --max-file-size (%llu bytes)",
                               (unsigned long long)cfg->max_file_size);
            } else {
                ks_worker_warn(w, w->origin_text,
                               "larger than --max-file-size (%llu bytes): only the first %llu "
                               "bytes scanned",
                               (unsigned long long)cfg->max_file_size, (unsigned long long)total);
            }
            break;
        }
        uint64_t own_to = eof ? w->base + len : w->base + len - ov / 2;
        if (len > 0)
            rc = scan_chunk(w, len, (size_t)(prev_own_to - w->base), (size_t)(own_to - w->base),
                            flags);
        if (rc || eof)
            break;
        /* Keep the tail: matches ending after own_to start at or after
         * own_to - overlap. Move the line checkpoint along with it. */
        uint64_t keep_from = own_to - ov / 2;
        uint64_t line, col;
        line_at(w, keep_from, &line, &col);
        w->cp_line = line;
        w->cp_lastnl = w->cur_lastnl;
        size_t shift = (size_t)(keep_from - w->base);
        carry = len - shift;
        memmove(w->buf, w->buf + shift, carry);
        w->base = keep_from;
        w->cur_valid = false;
        prev_own_to = own_to;
    }
    blob_end(w, total);
    return rc == KS_EENGINE ? rc : 0;
}

int ks_worker_scan_fd(ks_worker *w, int fd, const ks_origin *origin, uint64_t size_hint,
                      uint32_t flags)
{
    fd_ctx c = {fd, (flags & KS_BLOB_REGULAR) != 0};
    ssize_t first = -1;
    if (c.regular && size_hint == 0) {
        /* Most files fit in one chunk: read first, and ask the size only of
         * files that fill it (one system call saved per small file). */
        first = read_full(fd, w->buf, w->p->chunk, true);
        if (first == (ssize_t)w->p->chunk) {
            struct stat st;
            if (fstat(fd, &st) == 0)
                size_hint = (uint64_t)st.st_size;
            const uint64_t max = w->p->cfg->max_file_size;
            if (max && size_hint > max) {
                w->skipped++;
                ks_worker_warn(w, origin->name,
                               "skipped: %llu bytes is larger than --max-file-size (%llu)",
                               (unsigned long long)size_hint, (unsigned long long)max);
                return 0;
            }
        }
    }
    if (size_hint > w->p->chunk)
        (void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    return scan_stream(w, fill_fd, &c, origin, flags, first);
}

int ks_worker_scan_mem(ks_worker *w, const uint8_t *data, size_t len, const ks_origin *origin,
                       uint32_t flags)
{
    mem_ctx c = {data, len, 0};
    return scan_stream(w, fill_mem, &c, origin, flags, -1);
}

/* ------------------------------------------------------------------------ */
/* Threads                                                                   */

static void *worker_main(void *arg)
{
    ks_worker *w = arg;
    int rc = w->p->ops->run(w->p->src, w);
    if (rc && !w->error)
        w->error = rc;
    return NULL;
}

static void *progress_main(void *arg)
{
    ks_pipeline *p = arg;
    bool shown = false;
    while (!atomic_load(&p->done)) {
        struct timespec ts = {0, 200 * 1000 * 1000};
        nanosleep(&ts, NULL);
        double el = now_s() - p->t0;
        if (el < 1.0 || atomic_load(&p->done))
            continue;
        uint64_t files = 0, bytes = 0;
        for (unsigned i = 0; i < p->nworkers; i++) {
            files += atomic_load_explicit(&p->workers[i].files, memory_order_relaxed);
            bytes += atomic_load_explicit(&p->workers[i].bytes, memory_order_relaxed);
        }
        pthread_mutex_lock(&p->diag_lock);
        fprintf(stderr, "\r\033[Kscanning: %llu files, %.1f MB, %.0f MB/s",
                (unsigned long long)files, (double)bytes / 1e6, (double)bytes / 1e6 / el);
        fflush(stderr);
        pthread_mutex_unlock(&p->diag_lock);
        shown = true;
    }
    if (shown) {
        fprintf(stderr, "\r\033[K");
        fflush(stderr);
    }
    return NULL;
}

int ks_pipeline_run(const ks_scan_config *cfg, const ks_source_ops *ops, void *src, ks_results *res)
{
    ks_pipeline p = {.cfg = cfg, .ops = ops, .src = src, .res = res};
    unsigned n = cfg->threads ? cfg->threads : 1;
    int rc = 0;
    pthread_t *tids = ks_xcalloc(n, sizeof(pthread_t));
    pthread_t prog;
    bool have_prog = false;

    pthread_mutex_init(&p.diag_lock, NULL);
    res->rs = cfg->rs;
    res->show_secrets = cfg->show_secrets;
    snprintf(res->ruleset_digest, sizeof res->ruleset_digest, "%s", ks_engine_digest(cfg->engine));
    p.t0 = now_s();
    p.workers = ks_xcalloc(n, sizeof(ks_worker));
    p.nworkers = n;
    p.ov = 2 * ks_engine_overlap(cfg->engine) + 64;
    p.chunk = cfg->chunk_size ? cfg->chunk_size : CHUNK;
    if (p.chunk < p.ov)
        p.chunk = p.ov;
    for (unsigned i = 0; i < n; i++) {
        ks_worker *w = &p.workers[i];
        w->p = &p;
        w->index = i;
        w->bufcap = p.chunk + p.ov;
        w->buf = ks_xmalloc(w->bufcap);
        if ((rc = ks_scratch_new(&w->scratch, cfg->engine)) != 0) {
            n = i;
            goto done;
        }
    }
    if (cfg->progress && pthread_create(&prog, NULL, progress_main, &p) == 0)
        have_prog = true;
    unsigned started = 0;
    for (unsigned i = 1; i < n; i++) {
        if (pthread_create(&tids[i], NULL, worker_main, &p.workers[i]) != 0)
            break;
        started = i;
    }
    worker_main(&p.workers[0]);
    for (unsigned i = 1; i <= started; i++)
        pthread_join(tids[i], NULL);
    atomic_store(&p.done, true);
    if (have_prog)
        pthread_join(prog, NULL);

    ks_hitlist *lists = ks_xcalloc(n, sizeof(ks_hitlist));
    for (unsigned i = 0; i < n; i++) {
        ks_worker *w = &p.workers[i];
        res->sum.files += atomic_load(&w->files);
        res->sum.bytes += atomic_load(&w->bytes);
        res->sum.skipped += w->skipped;
        res->sum.excluded += w->excluded;
        res->sum.allowed += w->allowed;
        lists[i] = w->hits;
        memset(&w->hits, 0, sizeof w->hits);
        if (w->error && !rc)
            rc = w->error;
    }
    ks_results_merge(res, lists, n);
    free(lists);
    if (ops->finish && !rc)
        rc = ops->finish(src, res);
    res->sum.elapsed_s = now_s() - p.t0;
    res->sum.threads = p.nworkers;
    res->sum.rules = 0;
    for (size_t i = 0; i < cfg->rs->nrules; i++)
        if (!cfg->rs->rules[i].disabled)
            res->sum.rules++;
done:
    for (unsigned i = 0; i < p.nworkers; i++) {
        ks_worker *w = &p.workers[i];
        ks_scratch_free(w->scratch);
        free(w->buf);
        free(w->origin_text);
        ks_hitlist_dispose(&w->hits);
    }
    free(p.workers);
    free(tids);
    pthread_mutex_destroy(&p.diag_lock);
    return rc;
}
