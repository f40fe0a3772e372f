/*
 * pipeline.c - worker threads, chunked engine passes, hits, progress, jobs.
 *
 * DESIGN
 * ks_scan_pass reads a blob in chunks of CHUNK bytes into the worker's
 * buffer. Consecutive chunks overlap by 2 * ks_engine_overlap() bytes and
 * each chunk owns the match ends (prev_own_to, base + len - overlap]; the
 * last chunk owns everything to the end. Every match is therefore reported
 * exactly once and always seen whole (see engine.h). Line numbers are kept
 * as a checkpoint at the start of the buffer plus a cursor that moves
 * forward over newlines; matches come in increasing order of start, so
 * counting lines is one pass over the bytes that precede matches.
 *
 * A blob that is not plain text goes to unpack.c, which decodes what it
 * contains and runs passes over text and over the strings of binary parts;
 * a strings pass carries an offset map (ks_view) so a hit is reported at
 * the blob offset it came from.
 *
 * Jobs: a decoder with many independent children (the files of a large
 * file system) hands them out as a job. The worker that made it runs its
 * tasks, and so does every worker whose source has run dry; a worker
 * leaves only when no worker is busy and no job is left.
 */
#include "internal.h"

#include "../core/glob.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (4u << 20)
#define SNIPPET_SIDE 80 /* bytes of context kept each side of the secret */
/* stdin (or a pipe) that must be unpacked is read whole, up to this. */
#define STREAM_MAX (256ull << 20)

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

static bool ends_with_nocase(const char *s, size_t l, const char *suffix)
{
    size_t m = strlen(suffix);
    return l > m && strncasecmp(s + l - m, suffix, m) == 0; /* s[0..l) ends with suffix */
}

/* Where a bare word after `=` is an expression, not a value. */
static const char *const code_exts[] = {
    ".c",   ".h",    ".cc",  ".cpp", ".cxx",   ".hpp", ".hh",   ".hxx", ".ino", ".m",
    ".mm",  ".cs",   ".java", ".kt", ".kts",   ".scala", ".groovy", ".gradle", ".go",
    ".rs",  ".swift", ".js", ".mjs", ".cjs",   ".jsx", ".ts",   ".tsx", ".py",  ".pyw",
    ".rb",  ".php",  ".pl",  ".pm",  ".lua",   ".dart", ".ex",  ".exs", ".erl", ".hs",
    ".clj", ".r",    ".jl",  ".vue", ".svelte", ".tf", ".hcl",  ".sol", ".zig", ".nim",
    ".pas", ".pp",   ".dpr", ".lpr", ".idl",
};
static const char *const doc_exts[] = {".md",  ".markdown", ".rst", ".adoc", ".txt", ".html",
                                       ".pod", ".texi",     ".info", ".mo",   ".po"};
/* Directories of documentation: manual pages, a project's docs. */
static const char *const doc_dirs[] = {"/man/", "/doc/", "/docs/"};
/* Compression suffixes that leave the name's own extension before them. */
static const char *const stream_exts[] = {".gz", ".xz", ".bz2", ".zst", ".lz4", ".z"};
/* Directories of tests, examples and fixtures (a finding there keeps a
 * lower confidence). */
static const char *const test_dirs[] = {
    "/test/",      "/tests/",     "/spec/",      "/specs/",     "/__tests__/", "/testdata/",
    "/fixtures/",  "/examples/",  "/example/",   "/samples/",   "/mocks/",     "/testing/",
    "/t/",         "/selftest/",  "/testsuite/", "/testprogs/", "/unittests/", "/unittest/",
    "/test-data/", "/test_data/"};

/* Is ext[0..el) (".c") one of the list's (case-insensitive)? */
static bool ext_in(const char *ext, size_t el, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(list[i]) == el && strncasecmp(ext, list[i], el) == 0)
            return true;
    return false;
}

/* Is dir[0..dl) one of the directory names the list spells "/name/"? */
static bool dir_in(const char *dir, size_t dl, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(list[i]) == dl + 2 && memcmp(list[i] + 1, dir, dl) == 0)
            return true;
    return false;
}

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Asked once per file and per archive member: each directory of the path
 * and the name's last extension are compared with the lists, not each
 * list entry searched for in the path. */
uint32_t ks_scan_flags_for_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *name = slash ? slash + 1 : path;
    size_t l = strlen(name);
    for (size_t i = 0; i < COUNT(stream_exts); i++)
        if (ends_with_nocase(name, l, stream_exts[i]))
            l -= strlen(stream_exts[i]); /* foo.1.gz, config.md.xz */
    uint32_t flags = 0;
    for (const char *d = path; slash && d < slash;) {
        const char *e = memchr(d, '/', (size_t)(slash - d) + 1);
        size_t dl = (size_t)(e - d);
        if (dir_in(d, dl, doc_dirs, COUNT(doc_dirs)))
            flags |= KS_SCAN_DOCS;
        if (dir_in(d, dl, test_dirs, COUNT(test_dirs)))
            flags |= KS_SCAN_TESTS;
        d = e + 1;
    }
    const char *dot = NULL;
    for (size_t i = l; i > 1 && !dot; i--) /* the last '.', not the name's first byte */
        if (name[i - 1] == '.')
            dot = name + i - 1;
    if (dot) {
        size_t el = (size_t)(name + l - dot);
        if (ext_in(dot, el, doc_exts, COUNT(doc_exts)))
            flags |= KS_SCAN_DOCS;
        if (ext_in(dot, el, code_exts, COUNT(code_exts)))
            flags |= KS_SCAN_CODE;
        if (el == 2 && (dot[1] == 't' || dot[1] == 'T'))
            flags |= KS_SCAN_TESTS;
    }
    if (strncmp(name, "test_", 5) == 0 || strncmp(name, "test-", 5) == 0 || strstr(name, "_test.") ||
        strstr(name, ".test.") || strstr(name, ".spec.") || strstr(name, "Test.java") ||
        strstr(name, "Tests.java") || strstr(name, "_spec.rb") || strstr(name, "_unittest.") ||
        strstr(name, "_tests."))
        flags |= KS_SCAN_TESTS;
    return flags;
}

/* ------------------------------------------------------------------------ */
/* Diagnostics                                                               */

void ks_worker_warn(ks_worker *w, const char *path, const char *fmt, ...)
{
    ks_pipeline *p = w->p;
    va_list ap;
    va_start(ap, fmt);
    pthread_mutex_lock(&p->diag_lock);
    ks_diags_vaddf(&p->diags, path, fmt, ap);
    if (!p->cfg->quiet)
        fprintf(stderr, "%skeysift: warning: %s: %s\n", p->cfg->progress ? "\r\033[K" : "", path,
                p->diags.v[p->diags.n - 1].message);
    pthread_mutex_unlock(&p->diag_lock);
    va_end(ap);
}

void ks_worker_skipped(ks_worker *w)
{
    w->skipped++;
}

void ks_worker_excluded(ks_worker *w)
{
    w->excluded++;
}

/* ------------------------------------------------------------------------ */
/* Hits                                                                      */

static void render_origin(ks_worker *w)
{
    if (!w->origin_text)
        w->origin_text = ks_origin_render(w->origin, NULL);
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
 * (the comment syntax is the file's own: #, //, <!-- -->, ...); so does
 * gitleaks' "gitleaks:allow", which teams coming from gitleaks have. */
static bool allowed_inline(const uint8_t *d, size_t len, size_t at)
{
    static const char tag[] = "keysift:allow", gl[] = "gitleaks:allow";
    size_t ls = at, le = at;
    while (ls > 0 && d[ls - 1] != '\n' && at - ls < 4096)
        ls--;
    while (le < len && d[le] != '\n' && le - at < 4096)
        le++;
    return memmem(d + ls, le - ls, tag, sizeof tag - 1) != NULL ||
           memmem(d + ls, le - ls, gl, sizeof gl - 1) != NULL;
}

uint64_t ks_view_map(const ks_view *v, uint64_t at, uint32_t *stride)
{
    size_t lo = v->first, hi = v->n;
    *stride = 1;
    if (lo == hi)
        return at;
    /* The last segment starting at or before `at`. */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (v->v[mid].view <= at)
            lo = mid;
        else
            hi = mid;
    }
    const ks_seg *g = &v->v[lo];
    *stride = g->stride;
    uint64_t d = at > g->view ? at - g->view : 0;
    if (d >= g->len)
        d = g->len ? g->len - 1 : 0;
    return g->orig + d * g->stride;
}

/* Where the hit is in a decoded or binary blob: the chain of origins root
 * first, with the secret's offset in each as long as the bytes are a
 * slice of their parent's. */
static ks_binloc *make_binloc(const ks_worker *w, uint64_t off, uint32_t stride)
{
    size_t n = 0;
    for (const ks_origin *o = w->origin; o; o = o->parent)
        n++;
    ks_binloc *b = ks_xcalloc(1, sizeof *b);
    b->chain = ks_xcalloc(n, sizeof(ks_chain_link));
    b->nchain = n;
    b->strings = w->view != NULL || w->origin->whole;
    b->encoding = stride == 2 ? "utf-16le" : NULL;
    b->file_offset = KS_NO_OFFSET;
    uint64_t cur = off;
    size_t i = n;
    for (const ks_origin *o = w->origin; o; o = o->parent) {
        i--;
        size_t nl = strlen(o->name), sl = o->parent && o->sep ? strlen(o->sep) : 0;
        char *name = ks_xmalloc(sl + nl + 1);
        if (sl)
            memcpy(name, o->sep, sl);
        memcpy(name + sl, o->name, nl + 1);
        b->chain[i].name = name;
        b->chain[i].offset = cur;
        if (b->file_offset == KS_NO_OFFSET && (o->file || !o->parent))
            b->file_offset = cur;
        /* The innermost blob with an address (an ELF section; also when the
         * secret is in a DER key carved out of it) gives address and symbol. */
        bool placed = b->has_vaddr || b->symbol;
        if (!placed && cur != KS_NO_OFFSET && o->has_vaddr) {
            b->has_vaddr = true;
            b->vaddr = o->vaddr + cur;
        }
        if (!placed && cur != KS_NO_OFFSET && o->symbol) {
            const char *sym = o->symbol(o->symbol_payload, cur, &b->symbol_delta);
            if (sym)
                b->symbol = ks_xstrdup(sym);
        }
        if (!o->parent)
            break;
        if (o->whole)
            cur = o->parent_offset;
        else if (cur != KS_NO_OFFSET && o->parent_offset != KS_NO_OFFSET)
            cur += o->parent_offset;
        else
            cur = KS_NO_OFFSET;
    }
    return b;
}

/* A hit of `rule` whose secret is `secret` (copied), located at
 * w->buf[ss, se) of a chunk of `len` valid bytes: the origin, line and
 * column (or offsets in a binary), and the line as a snippet with
 * [ss, se) masked. The caller sets confidence, checks, key and syntax. */
ks_hit *ks_worker_hit(ks_worker *w, uint32_t rule, size_t len, size_t ss, size_t se,
                      const uint8_t *secret, size_t secret_len)
{
    const ks_rule *r = &w->p->cfg->rs->rules[rule];
    ks_grow((void **)&w->hits.v, &w->hits.cap, w->hits.n + 1, sizeof(ks_hit));
    ks_hit *h = &w->hits.v[w->hits.n++];
    memset(h, 0, sizeof *h);
    h->rule = rule;
    h->secret_len = secret_len;
    h->secret = ks_xmalloc(secret_len ? secret_len : 1);
    memcpy(h->secret, secret, secret_len);
    ks_fingerprint(h->fp, r->id, h->secret, h->secret_len);
    render_origin(w);
    h->loc.path = ks_xstrdup(w->origin_text);
    if (w->root && w->root->key)
        h->loc.blob_key = *w->root->key;
    h->loc.root_len = w->root ? strlen(w->root->name) : 0;
    uint64_t at = w->base + ss;
    uint32_t stride = 1;
    h->loc.offset = w->view ? ks_view_map(w->view, at, &stride) : at;
    if (w->view || w->origin->whole) {
        h->loc.line = h->loc.column = 0; /* a binary's strings (or a rendering) have no lines */
    } else {
        line_at(w, at, &h->loc.line, &h->loc.column);
    }
    if (w->origin->parent || w->view)
        h->loc.bin = make_binloc(w, h->loc.offset, stride);
    h->loc.snippet = make_snippet(w->buf, len, ss, se, w->p->cfg->show_secrets);
    return h;
}

bool ks_worker_allowed(ks_worker *w, size_t len, size_t at)
{
    if (!allowed_inline(w->buf, len, at))
        return false;
    w->allowed++;
    return true;
}

/* A confirmed match becomes a hit: a copy of the secret, its fingerprint
 * and its location. */
static int on_match(const ks_match *m, void *payload)
{
    chunk_ctx *c = payload;
    ks_worker *w = c->w;
    if (ks_worker_allowed(w, c->len, m->sstart))
        return 0;
    ks_hit *h = ks_worker_hit(w, m->rule, c->len, m->sstart, m->send, w->buf + m->sstart,
                              m->send - m->sstart);
    h->confidence = m->confidence;
    h->checks = m->checks;
    if (m->kend > m->kstart)
        h->loc.key = ks_printable(w->buf + m->kstart, m->kend - m->kstart);
    h->loc.syntax = m->syntax;
    const ks_scan_config *cfg = w->p->cfg;
    if (cfg->mark)
        h->loc.marks = cfg->mark(cfg->mark_payload, m->rule, w->buf, c->len, m->start, m->end,
                                 m->sstart, m->send);
    return 0;
}

/* The path a rule's `paths` are matched against: the innermost file of
 * the origin (an archive member, or what the source gave). NULL when it
 * is not known yet: a git blob read from a pack, whose paths come with
 * provenance (findings.c checks them then). */
static const char *file_path(const ks_origin *o)
{
    for (; o->parent; o = o->parent)
        if (o->file) {
            const char *member = strstr(o->name, ":/"); /* "squashfs@0x40:/etc/x" */
            return member && o->name[0] != '/' ? member + 1 : o->name;
        }
    return o->key && o->key->kind == KS_KEY_OID ? NULL : o->name;
}

ks_applies ks_worker_rule_applies(void *ctx, uint32_t rule)
{
    ks_worker *w = ctx;
    const ks_rule *r = &w->p->cfg->rs->rules[rule];
    if (!w->path_ok) {
        w->path_ok = ks_xcalloc(w->p->cfg->rs->nrules, sizeof(ks_applies));
        w->whole_gen = ks_xcalloc(w->p->cfg->rs->nrules, sizeof(uint32_t));
    }
    if (r->whole_file) {
        /* Once per file: the first blob of it asked about (its bytes, its
         * strings, or its first part when it is unpacked), not the others.
         * Not cached: the answer changes within a blob. */
        if (w->whole_gen[rule] == w->file_gen)
            return KS_APPLIES_NO;
        w->whole_gen[rule] = w->file_gen;
    }
    if (w->paths_gen != w->blob_gen) {
        /* Every rule's answer at once, on the first question of the blob. */
        const char *path = file_path(w->origin);
        w->paths_later = !path;
        if (path)
            ks_engine_paths_apply(w->p->cfg->engine, w->scratch, path, w->path_ok);
        w->paths_gen = w->blob_gen;
    }
    if (w->paths_later)
        return KS_APPLIES_LATER;
    return ks_rule_has_paths(r) ? w->path_ok[rule] : KS_APPLIES_YES;
}

static int scan_chunk(ks_worker *w, size_t len, size_t own_from, size_t own_to, uint32_t flags)
{
    ks_scan_args a = {.data = w->buf,
                      .len = len,
                      .own_from = own_from,
                      .own_to = own_to,
                      .flags = flags,
                      .applies = ks_worker_rule_applies,
                      .applies_ctx = w};
    if (w->p->pem_mark >= 0 && !w->p->cfg->no_decode) {
        a.mark = ks_decode_on_mark;
        a.mark_ctx = w;
    }
    w->npem = 0;
    chunk_ctx c = {w, len};
    size_t hits0 = w->hits.n;
    int rc = ks_engine_scan(w->p->cfg->engine, w->scratch, &a, on_match, &c);
    if (rc == 0 && !w->p->cfg->no_decode)
        rc = ks_decode_chunk(w, len, own_from, own_to, flags, hits0);
    if (rc) {
        render_origin(w);
        ks_worker_warn(w, w->origin_text, "%s", ks_error_msg());
    }
    return rc;
}

void ks_blob_begin(ks_worker *w, const ks_origin *origin)
{
    w->origin = origin;
    if (++w->blob_gen == 0) { /* wrapped: forget every answer */
        w->paths_gen = 0;
        w->blob_gen = 1;
    }

    const ks_origin *r = origin;
    while (r && r->parent)
        r = r->parent;
    w->root = r;
    free(w->origin_text);
    w->origin_text = NULL;
}

void ks_worker_new_file(ks_worker *w)
{
    if (++w->file_gen == 0) { /* wrapped: forget which files rules applied in */
        if (w->whole_gen)
            memset(w->whole_gen, 0, w->p->cfg->rs->nrules * sizeof(uint32_t));
        w->file_gen = 1;
    }
}

void ks_blob_end(ks_worker *w, uint64_t bytes, bool file)
{
    free(w->origin_text);
    w->origin_text = NULL;
    w->origin = NULL;
    w->root = NULL;
    if (file)
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

typedef struct fd_ctx {
    int fd;
    bool regular;
} fd_ctx;

static ssize_t fill_fd(void *ctx, uint8_t *dst, size_t want)
{
    fd_ctx *c = ctx;
    return read_full(c->fd, dst, want, c->regular);
}

ssize_t ks_fill_mem(void *ctx, uint8_t *dst, size_t want)
{
    ks_mem_src *m = ctx;
    size_t n = m->len - m->pos < want ? m->len - m->pos : want;
    memcpy(dst, m->data + m->pos, n);
    m->pos += n;
    return (ssize_t)n;
}

/* A data table, not a configuration: when the generic secret rule finds
 * one key name assigned COLUMN or more different values in one blob (test
 * vectors: "SharedSecret = <hex>" a hundred times, "PrivateKey = <name>", a
 * PRF table), the values are a column of data, and none of them is
 * reported. A configuration sets a secret once, or once per environment.
 * Passwords are left alone: one name with many passwords is a list of
 * accounts (test users, environments), each a credential. */
#define COLUMN 6

static int cmp_column(const void *pa, const void *pb)
{
    const ks_hit *a = *(const ks_hit *const *)pa, *b = *(const ks_hit *const *)pb;
    int c = strcmp(a->loc.key, b->loc.key);
    return c ? c : memcmp(a->fp, b->fp, 16);
}

static void drop_data_columns(ks_worker *w, size_t h0)
{
    const ks_ruleset *rs = w->p->cfg->rs;
    size_t n = w->hits.n, m = 0;
    if (n - h0 < COLUMN)
        return;
    const ks_hit **hv = ks_xmalloc((n - h0) * sizeof *hv);
    for (size_t i = h0; i < n; i++)
        if (rs->rules[w->hits.v[i].rule].extract &&
            strcmp(rs->rules[w->hits.v[i].rule].extract, "secret") == 0 && w->hits.v[i].loc.key)
            hv[m++] = &w->hits.v[i];
    qsort(hv, m, sizeof *hv, cmp_column);
    bool *drop = ks_xcalloc(n - h0, sizeof *drop);
    bool any = false;
    for (size_t a = 0; a < m;) {
        size_t b = a, distinct = 0;
        while (b < m && strcmp(hv[b]->loc.key, hv[a]->loc.key) == 0) {
            if (b == a || memcmp(hv[b]->fp, hv[b - 1]->fp, 16) != 0)
                distinct++;
            b++;
        }
        if (distinct >= COLUMN)
            for (size_t k = a; k < b; k++)
                drop[(size_t)(hv[k] - w->hits.v) - h0] = any = true;
        a = b;
    }
    if (any) {
        size_t k = h0;
        for (size_t i = h0; i < n; i++) {
            if (drop[i - h0]) {
                free(w->hits.v[i].secret);
                ks_location_dispose(&w->hits.v[i].loc);
            } else {
                w->hits.v[k++] = w->hits.v[i];
            }
        }
        w->hits.n = k;
    }
    free(drop);
    free(hv);
}

/* The chunk loop (see DESIGN at the top of this file). */
int ks_scan_pass(ks_worker *w, ks_fill_fn fill, void *ctx, uint32_t flags, ssize_t prefilled,
                 uint64_t limit, uint64_t *scanned)
{
    const size_t ov = w->p->ov, chunk = w->p->chunk;
    size_t carry = 0;
    uint64_t total = 0, prev_own_to = 0;
    int rc = 0;

    size_t h0 = w->hits.n;
    w->base = 0;
    w->cp_line = 1;
    w->cp_lastnl = 0;
    w->cur_valid = false;
    flags &= ~(uint32_t)(KS_BLOB_REGULAR | KS_BLOB_NAMED);
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
        if (limit && total > limit) {
            render_origin(w);
            total -= (uint64_t)n;
            if (total == 0) {
                w->skipped++;
                ks_worker_warn(w, w->origin_text,
                               "skipped: larger than --max-file-size (%llu bytes)",
                               (unsigned long long)limit);
            } else {
                ks_worker_warn(w, w->origin_text,
                               "larger than --max-file-size (%llu bytes): only the first %llu "
                               "bytes scanned",
                               (unsigned long long)limit, (unsigned long long)total);
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
    *scanned += total;
    drop_data_columns(w, h0);
    return rc == KS_EENGINE ? rc : 0;
}

/* The whole of a file or stream in memory, for unpacking: a regular file
 * is mapped; anything else is read (the first `have` bytes are in w->buf).
 * Returns NULL after a warning. */
static uint8_t *load_whole(ks_worker *w, int fd, const ks_origin *origin, bool regular,
                           uint64_t size, size_t have, size_t *len, ks_guard **mapped)
{
    *mapped = NULL;
    if (regular && size > 0 && size == (size_t)size) {
        void *m = mmap(NULL, (size_t)size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m != MAP_FAILED) {
            /* Only a mapping that survives the file shrinking is used. */
            *mapped = ks_guard_add(m, (size_t)size);
            if (*mapped) {
                (void)madvise(m, (size_t)size, MADV_SEQUENTIAL);
                *len = (size_t)size;
                return m;
            }
            munmap(m, (size_t)size);
        }
    }
    /* Not mappable (a pipe, stdin, a file of /proc): read it all. */
    uint64_t max = w->p->cfg->max_file_size ? w->p->cfg->max_file_size : STREAM_MAX;
    size_t cap = have > 65536 ? have * 2 : 131072, n = have;
    uint8_t *buf = ks_xmalloc(cap);
    memcpy(buf, w->buf, have);
    for (;;) {
        if (n == cap) {
            if (cap >= max) {
                ks_worker_warn(w, origin->name,
                               "larger than %llu bytes: only the first %llu bytes unpacked",
                               (unsigned long long)max, (unsigned long long)n);
                break;
            }
            cap = cap * 2 > max ? (size_t)max : cap * 2;
            buf = ks_xrealloc(buf, cap);
        }
        ssize_t r = read_full(fd, buf + n, cap - n, regular);
        if (r < 0) {
            ks_worker_warn(w, origin->name, "read error after %zu bytes: %s", n, strerror(errno));
            break;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    *len = n;
    return buf;
}

/* A file shrank (or its mapping could not be read) while it was scanned:
 * the scan of it is incomplete, which is a warning like any read error. */
static void changed_warn(ks_worker *w, int fd, const ks_origin *origin, uint64_t was)
{
    struct stat st;
    if (fstat(fd, &st) == 0 && (uint64_t)st.st_size < was)
        ks_worker_warn(w, origin->name,
                       "changed during the scan: %llu bytes when it was opened, %llu now; only "
                       "what was read before it shrank is scanned",
                       (unsigned long long)was, (unsigned long long)st.st_size);
    else
        ks_worker_warn(w, origin->name,
                       "changed during the scan, or an I/O error: part of the mapped file could "
                       "not be read, and was not scanned");
}

int ks_worker_scan_fd(ks_worker *w, int fd, const ks_origin *origin, uint64_t size_hint,
                      uint32_t flags)
{
    const ks_scan_config *cfg = w->p->cfg;
    bool regular = (flags & KS_BLOB_REGULAR) != 0;
    ks_worker_new_file(w);
    /* The default size limit is for what a walk finds; a file the user
     * named is scanned whatever its size (an image of a few GB). */
    uint64_t max = (flags & KS_BLOB_NAMED) && cfg->max_file_size_default ? 0 : cfg->max_file_size;
    if (regular && max && size_hint > max)
        goto too_large;
    /* Most files fit in one chunk: read first, and ask the size only of
     * files that fill it (one system call saved per small file). */
    ssize_t first = read_full(fd, w->buf, w->p->chunk, regular);
    if (first < 0) {
        ks_worker_warn(w, origin->name, "read error: %s", strerror(errno));
        return 0;
    }
    if (regular && size_hint == 0) {
        struct stat st;
        if (first < (ssize_t)w->p->chunk)
            size_hint = (uint64_t)first;
        else if (fstat(fd, &st) == 0)
            size_hint = (uint64_t)st.st_size;
        if (max && size_hint > max)
            goto too_large;
    }
    if (ks_unpack_wanted(cfg, w->buf, (size_t)first)) {
        size_t len = 0;
        ks_guard *mapped = NULL;
        uint8_t *data = load_whole(w, fd, origin, regular && first > 0, size_hint,
                                   (size_t)first, &len, &mapped);
        ks_unpack_root(w, data, len, origin, flags, mapped ? fd : -1, 0);
        if (mapped) {
            if (ks_guard_remove(mapped))
                changed_warn(w, fd, origin, len);
            munmap(data, len);
        } else {
            free(data);
        }
        return 0;
    }
    if (size_hint > w->p->chunk)
        (void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    fd_ctx c = {fd, regular};
    uint64_t total = 0;
    ks_blob_begin(w, origin);
    int rc = ks_scan_pass(w, fill_fd, &c, flags, first, regular ? 0 : max, &total);
    ks_blob_end(w, total, true);
    /* The end of a regular file came early: it shrank while it was read.
     * (Only past the first chunk: files of /sys say 4096 bytes and hold
     * fewer, and a file read in one chunk cannot change under the scan.) */
    if (regular && size_hint > w->p->chunk && total < size_hint)
        changed_warn(w, fd, origin, size_hint);
    return rc;

too_large:
    w->skipped++;
    ks_worker_warn(w, origin->name, "skipped: %llu bytes is larger than --max-file-size (%llu)",
                   (unsigned long long)size_hint, (unsigned long long)max);
    return 0;
}

int ks_worker_scan_mem(ks_worker *w, const uint8_t *data, size_t len, const ks_origin *origin,
                       uint32_t flags)
{
    ks_worker_new_file(w);
    ks_unpack_root(w, data, len, origin, flags, -1, 0);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Threads                                                                   */

/* Take the next task of a listed job (under the job lock); false if none.
 * A job leaves the list when its last task is handed out, so a worker
 * only touches a job that is listed or whose task it holds. */
static bool take_task(ks_pipeline *p, ks_job **job, size_t *i)
{
    while (p->jobs) {
        ks_job *j = p->jobs;
        *i = atomic_fetch_add_explicit(&j->next_i, 1, memory_order_relaxed);
        if (*i + 1 >= j->n)
            p->jobs = j->next;
        if (*i < j->n) {
            *job = j;
            return true;
        }
    }
    return false;
}

/* Under the job lock: one task of `j` finished. */
static void task_done(ks_pipeline *p, ks_job *j)
{
    if (++j->done == j->n)
        pthread_cond_broadcast(&p->job_cond);
}

void ks_pipeline_run_job(ks_worker *w, ks_job *job)
{
    ks_pipeline *p = w->p;
    atomic_store(&job->next_i, 0);
    job->done = 0;
    if (job->n == 0)
        return;
    pthread_mutex_lock(&p->job_lock);
    bool listed = job->n > 1 && p->nworkers > 1;
    if (listed) {
        job->next = p->jobs;
        p->jobs = job;
        pthread_cond_broadcast(&p->job_cond);
    }
    for (;;) {
        size_t i = atomic_fetch_add_explicit(&job->next_i, 1, memory_order_relaxed);
        if (i >= job->n)
            break;
        if (listed && i + 1 >= job->n) {
            for (ks_job **pp = &p->jobs; *pp; pp = &(*pp)->next)
                if (*pp == job) {
                    *pp = job->next;
                    break;
                }
        }
        pthread_mutex_unlock(&p->job_lock);
        job->run(w, job, i);
        pthread_mutex_lock(&p->job_lock);
        task_done(p, job);
    }
    while (job->done < job->n)
        pthread_cond_wait(&p->job_cond, &p->job_lock);
    pthread_mutex_unlock(&p->job_lock);
}

static void *worker_main(void *arg)
{
    ks_worker *w = arg;
    ks_pipeline *p = w->p;
    int rc = p->run(p->src, w);
    if (rc && !w->error)
        w->error = rc;
    /* The source has no more work for this worker: help with jobs until
     * no worker can make another. */
    pthread_mutex_lock(&p->job_lock);
    p->busy--;
    pthread_cond_broadcast(&p->job_cond);
    for (;;) {
        ks_job *j;
        size_t i;
        if (take_task(p, &j, &i)) {
            p->busy++;
            pthread_mutex_unlock(&p->job_lock);
            j->run(w, j, i);
            pthread_mutex_lock(&p->job_lock);
            task_done(p, j);
            p->busy--;
            pthread_cond_broadcast(&p->job_cond);
            continue;
        }
        if (p->busy == 0)
            break;
        pthread_cond_wait(&p->job_cond, &p->job_lock);
    }
    pthread_mutex_unlock(&p->job_lock);
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

/* Start n workers (scratch only for a scan) and run worker_main on each;
 * the calling thread is worker 0. */
static int run_workers(ks_pipeline *p, unsigned n, bool scan)
{
    const ks_scan_config *cfg = p->cfg;
    pthread_t *tids = ks_xcalloc(n, sizeof(pthread_t));
    pthread_t prog;
    bool have_prog = false;
    int rc = 0;
    p->t0 = now_s();
    p->workers = ks_xcalloc(n, sizeof(ks_worker));
    p->nworkers = n;
    for (unsigned i = 0; i < n; i++) {
        ks_worker *w = &p->workers[i];
        w->p = p;
        w->index = i;
        if (!scan)
            continue;
        w->bufcap = p->chunk + p->ov;
        w->buf = ks_xmalloc(w->bufcap);
        if ((rc = ks_scratch_new(&w->scratch, cfg->engine)) != 0) {
            free(tids);
            return rc;
        }
    }
    if (scan && cfg->progress && pthread_create(&prog, NULL, progress_main, p) == 0)
        have_prog = true;
    /* Every worker is busy from the start (in its source's run); a worker
     * that cannot be started gives its share back, under the lock, since
     * the started ones already count down. */
    unsigned started = 0;
    p->busy = n;
    for (unsigned i = 1; i < n; i++) {
        if (pthread_create(&tids[i], NULL, worker_main, &p->workers[i]) != 0) {
            pthread_mutex_lock(&p->job_lock);
            p->busy -= n - i;
            pthread_cond_broadcast(&p->job_cond);
            pthread_mutex_unlock(&p->job_lock);
            break;
        }
        started = i;
    }
    worker_main(&p->workers[0]);
    for (unsigned i = 1; i <= started; i++)
        pthread_join(tids[i], NULL);
    atomic_store(&p->done, true);
    if (have_prog)
        pthread_join(prog, NULL);
    free(tids);
    return 0;
}

static void pipeline_init(ks_pipeline *p, const ks_scan_config *cfg)
{
    memset(p, 0, sizeof *p);
    p->cfg = cfg;
    pthread_mutex_init(&p->diag_lock, NULL);
    pthread_mutex_init(&p->job_lock, NULL);
    pthread_cond_init(&p->job_cond, NULL);
}

static void pipeline_dispose(ks_pipeline *p)
{
    for (unsigned i = 0; i < p->nworkers; i++) {
        ks_worker *w = &p->workers[i];
        ks_scratch_free(w->scratch);
        ks_unpack_worker_dispose(w);
        ks_decode_worker_dispose(w);
        free(w->pem_at);
        free(w->buf);
        free(w->origin_text);
        free(w->path_ok);
        free(w->whole_gen);
        ks_hitlist_dispose(&w->hits);
    }
    free(p->workers);
    ks_diags_dispose(&p->diags);
    pthread_mutex_destroy(&p->diag_lock);
    pthread_mutex_destroy(&p->job_lock);
    pthread_cond_destroy(&p->job_cond);
}

/* What the workers leave: their hits, their counts, the warnings. */
static int collect(ks_pipeline *p, ks_scan_output *out)
{
    int rc = 0;
    out->lists = ks_xcalloc(p->nworkers, sizeof(ks_hitlist));
    out->nlists = p->nworkers;
    for (unsigned i = 0; i < p->nworkers; i++) {
        ks_worker *w = &p->workers[i];
        out->sum.files += atomic_load(&w->files);
        out->sum.bytes += atomic_load(&w->bytes);
        out->sum.skipped += w->skipped;
        out->sum.excluded += w->excluded;
        out->sum.allowed += w->allowed;
        out->sum.containers += w->containers;
        out->sum.not_unpacked += w->not_unpacked;
        out->sum.budget_hits += w->budget_hits;
        out->lists[i] = w->hits;
        memset(&w->hits, 0, sizeof w->hits);
        if (w->error && !rc)
            rc = w->error;
    }
    out->sum.elapsed_s = now_s() - p->t0;
    out->sum.threads = p->nworkers;
    ks_diags_move(&out->diags, &p->diags);
    return rc;
}

int ks_pipeline_run(const ks_scan_config *cfg, ks_source_run_fn run, void *src,
                    ks_scan_output *out)
{
    ks_pipeline p;
    pipeline_init(&p, cfg);
    memset(out, 0, sizeof *out);
    p.run = run;
    p.src = src;
    p.ov = 2 * ks_engine_overlap(cfg->engine) + 64;
    p.pem_mark = ks_engine_mark_index(cfg->engine, ks_pipeline_marks[0]);
    p.chunk = cfg->chunk_size ? cfg->chunk_size : CHUNK;
    if (p.chunk < p.ov)
        p.chunk = p.ov;
    int rc = run_workers(&p, cfg->threads ? cfg->threads : 1, true);
    if (rc == 0)
        rc = collect(&p, out);
    pipeline_dispose(&p);
    return rc;
}

void ks_scan_output_dispose(ks_scan_output *out)
{
    for (size_t i = 0; i < out->nlists; i++)
        ks_hitlist_dispose(&out->lists[i]);
    free(out->lists);
    ks_diags_dispose(&out->diags);
    memset(out, 0, sizeof *out);
}

/* Tasks after a scan: a job every worker takes part in. */
typedef struct task_job {
    ks_job job; /* first: the pipeline hands this back */
    ks_task_fn fn;
    void *payload;
} task_job;

static void run_task(ks_worker *w, ks_job *job, size_t i)
{
    (void)w;
    task_job *t = (task_job *)job;
    t->fn(t->payload, i);
}

/* Worker 0 lists the job and takes part; the others, their source empty,
 * take its tasks like any job's. */
static int tasks_run(void *src, ks_worker *w)
{
    if (w->index == 0)
        ks_pipeline_run_job(w, src);
    return 0;
}

void ks_pipeline_tasks(const ks_scan_config *cfg, size_t n, ks_task_fn fn, void *payload)
{
    unsigned threads = cfg->threads ? cfg->threads : 1;
    if (n == 0)
        return;
    if (threads < 2 || n < 64) {
        for (size_t i = 0; i < n; i++)
            fn(payload, i);
        return;
    }
    ks_pipeline p;
    pipeline_init(&p, cfg);
    task_job t = {.job = {.n = n, .run = run_task}, .fn = fn, .payload = payload};
    p.run = tasks_run;
    p.src = &t.job;
    (void)run_workers(&p, threads, false);
    pipeline_dispose(&p);
}
