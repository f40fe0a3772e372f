/*
 * decode.c - the decoding stage: secrets written in an encoding.
 *
 * DESIGN
 * After the engine has scanned a chunk of text as it is, the chunk is
 * searched for encoded spans (core/decode.h: base64, hex, percent-encoding,
 * string escapes) and for PEM blocks wrapped in line prefixes or string
 * concatenation (core/pemwrap.h). Each span that decodes to text is
 * scanned again, by every rule, as a view: the bytes of its line before
 * the span, the decoded bytes, the bytes of its line after it. The line's
 * context is what lets an assignment rule see `DB_PASSWORD: <base64>` as
 * `DB_PASSWORD: <password>`, and a header rule see `Authorization: Basic
 * <base64>` as `Basic user:password`.
 *
 * A hit of a view counts when its secret lies in the decoded bytes (what
 * lies in the context was the raw scan's to find). It is reported at the
 * span of the chunk it came from: that line and column, a snippet with the
 * whole encoded span masked, the decoded secret (so the same token
 * base64-encoded in one file and plain in another is one finding), and
 * the chain of encodings, outermost first. A hit whose secret runs out of
 * the decoded bytes into the context is not one (a JWT's header decodes
 * to text, but the secret is the whole token), and a span the raw scan
 * already reported a secret over is not reported again from its decoding.
 *
 * The decoded bytes are searched again for encoded spans (base64 inside a
 * base64 Docker config, a base64 PEM), to DEPTH decodings. Each chunk may
 * decode at most BUDGET bytes: a file of nothing but base64 costs a
 * bounded multiple of its size.
 *
 * Decoded bytes that are not text (binary key material, random bytes) are
 * not scanned: the rules are written for text.
 */
#include "internal.h"

#include "../core/decode.h"
#include "../core/pemwrap.h"

#include <stdlib.h>
#include <string.h>

#define DEPTH 3           /* decodings inside decodings */
#define SIDE 200          /* bytes of the line kept each side of a span */
#define BUDGET (1u << 20) /* decoded bytes per chunk */
#define VIEW_CAP (KS_PEM_UNWRAP_WINDOW + 2 * SIDE + 64)

#define PEM_BEGIN "-----BEGIN "

const char *const ks_pipeline_marks[] = {PEM_BEGIN};
const size_t ks_pipeline_nmarks = sizeof ks_pipeline_marks / sizeof ks_pipeline_marks[0];

void ks_decode_on_mark(void *ctx, size_t which, size_t end)
{
    ks_worker *w = ctx;
    if ((long)which != w->p->pem_mark)
        return;
    ks_grow((void **)&w->pem_at, &w->pem_cap, w->npem + 1, sizeof(size_t));
    w->pem_at[w->npem++] = end - (sizeof PEM_BEGIN - 1);
}

struct ks_decoder {
    uint8_t *view[DEPTH]; /* VIEW_CAP bytes each */
};

/* A view being scanned: its bytes, where the decoded ones are, and where
 * the spans found in it are counted from. */
typedef struct frame {
    const uint8_t *d;
    size_t len;
    size_t dfrom, dto;
    size_t span_base;
    /* Secrets the rules matched in it: spans inside them are not decoded
     * again (the secret was found in its encoded form). */
    size_t cov_s[8], cov_e[8];
    unsigned ncov;
} frame;

typedef struct dctx {
    ks_worker *w;
    size_t len;            /* valid bytes of the chunk */
    size_t own_from, own_to;
    uint32_t flags;
    size_t hits0;          /* the chunk's raw hits are w->hits.v[hits0..] */
    size_t budget;         /* decoded bytes left for this chunk */
    size_t ss, se;         /* the chunk's span being decoded: where hits are reported */
    const char *enc[DEPTH]; /* its encodings, outermost first */
    unsigned depth;         /* decodings of the view being scanned */
    frame *cur;
} dctx;
static uint8_t *view_buf(ks_worker *w, unsigned depth)
{
    if (!w->decoder)
        w->decoder = ks_xcalloc(1, sizeof *w->decoder);
    if (!w->decoder->view[depth])
        w->decoder->view[depth] = ks_xmalloc(VIEW_CAP);
    return w->decoder->view[depth];
}

void ks_decode_worker_dispose(ks_worker *w)
{
    if (!w->decoder)
        return;
    for (unsigned i = 0; i < DEPTH; i++)
        free(w->decoder->view[i]);
    free(w->decoder);
    w->decoder = NULL;
}

/* Did the raw scan of this chunk already report a secret over the span?
 * Its decoding is the same secret. */
static bool raw_hit(const dctx *c)
{
    const ks_worker *w = c->w;
    uint64_t from = w->base + c->ss, to = w->base + c->se;
    for (size_t i = c->hits0; i < w->hits.n; i++) {
        const ks_hit *h = &w->hits.v[i];
        if (h->loc.nencoding == 0 && h->loc.offset < to &&
            h->loc.offset + h->secret_len > from)
            return true;
    }
    return false;
}

static int on_view_match(const ks_match *m, void *payload)
{
    dctx *c = payload;
    frame *f = c->cur;
    ks_worker *w = c->w;
    if (f->ncov < sizeof f->cov_s / sizeof f->cov_s[0]) {
        f->cov_s[f->ncov] = m->sstart;
        f->cov_e[f->ncov++] = m->send;
    }
    if (m->sstart < f->dfrom || m->send > f->dto || m->send == m->sstart || raw_hit(c))
        return 0;
    if (ks_worker_allowed(w, c->len, c->ss))
        return 0;
    ks_hit *h = ks_worker_hit(w, m->rule, c->len, c->ss, c->se, f->d + m->sstart,
                              m->send - m->sstart);
    h->confidence = m->confidence;
    h->checks = m->checks;
    if (m->kend > m->kstart)
        h->loc.key = ks_printable(f->d + m->kstart, m->kend - m->kstart);
    h->loc.syntax = m->syntax;
    for (unsigned i = 0; i < c->depth && i < sizeof h->loc.encoding / sizeof h->loc.encoding[0];
         i++)
        h->loc.encoding[h->loc.nencoding++] = c->enc[i];
    return 0;
}

static bool is_blank(const uint8_t *d, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (d[i] != ' ' && d[i] != '\t')
            return false;
    return true;
}

static bool ends_with(const uint8_t *d, size_t n, const char *lit)
{
    size_t m = strlen(lit);
    return n >= m && memcmp(d + n - m, lit, m) == 0;
}

/* The context before a span at d[s]: the line up to it, at most SIDE
 * bytes. A YAML tag `!!binary ` before the span is dropped (the view holds
 * what it decodes to). A span alone on its line under `key: |` (a block
 * scalar, `!!binary |` included) takes `key: ` as its context. */
static void context_before(const uint8_t *d, size_t s, size_t *from, size_t *n,
                           const uint8_t **extra, size_t *nextra)
{
    size_t ls = s;
    while (ls > 0 && s - ls < SIDE && d[ls - 1] != '\n')
        ls--;
    *from = ls;
    *n = s - ls;
    *extra = NULL;
    *nextra = 0;
    if (ends_with(d + ls, *n, "!!binary "))
        *n -= strlen("!!binary ");
    if (!is_blank(d + ls, *n) || ls == 0 || (ls > 0 && d[ls - 1] != '\n'))
        return;
    size_t pe = ls - 1, ps = pe;
    if (ps > 0 && d[ps - 1] == '\r')
        pe = --ps;
    while (ps > 0 && pe - ps < SIDE && d[ps - 1] != '\n')
        ps--;
    size_t k = pe;
    while (k > ps && (d[k - 1] == ' ' || d[k - 1] == '\t'))
        k--;
    size_t ind = k; /* block indicators: | > with chomping and indentation */
    while (ind > ps && (d[ind - 1] == '|' || d[ind - 1] == '>' || d[ind - 1] == '-' ||
                        d[ind - 1] == '+' || (d[ind - 1] >= '1' && d[ind - 1] <= '9')))
        ind--;
    if (ind == k || (d[ind] != '|' && d[ind] != '>'))
        return;
    while (ind > ps && (d[ind - 1] == ' ' || d[ind - 1] == '\t'))
        ind--;
    if (ends_with(d + ps, ind - ps, "!!binary"))
        ind -= strlen("!!binary");
    while (ind > ps && (d[ind - 1] == ' ' || d[ind - 1] == '\t'))
        ind--;
    if (ind > ps && d[ind - 1] == ':') {
        *extra = d + ps;
        *nextra = ind - ps;
    }
}

static int scan_view(dctx *c, frame *f);

/* Build the view of span [s, e) of frame `pf`, whose `dn` decoded bytes
 * are in buf at SIDE + 1, and scan it. */
static int view_of_span(dctx *c, frame *pf, size_t s, size_t e, uint8_t *buf, size_t dn)
{
    size_t from, nb, nx;
    const uint8_t *extra;
    context_before(pf->d, s, &from, &nb, &extra, &nx);
    uint8_t *dec = buf + SIDE + 1;
    size_t pre = nx ? nx + 1 : nb; /* `key:` and a space, or the line before the span */
    uint8_t *v = dec - pre;
    if (nx) {
        memcpy(v, extra, nx);
        v[nx] = ' ';
    } else {
        memcpy(v, pf->d + from, nb);
    }
    size_t le = e;
    while (le < pf->len && le - e < SIDE && pf->d[le] != '\n')
        le++;
    memcpy(dec + dn, pf->d + e, le - e);
    frame f = {.d = v, .len = pre + dn + (le - e), .dfrom = pre, .dto = pre + dn, .span_base = pre};
    return scan_view(c, &f);
}

/* The start of a DER object (binary key material): not text, whatever
 * follows. Text never starts so: 0x81 and 0x82 cannot follow '0' in UTF-8. */
static bool der_start(const uint8_t *d, size_t n)
{
    return n >= 2 && d[0] == 0x30 && (d[1] == 0x81 || d[1] == 0x82);
}

static long decode(const ks_span *sp, const uint8_t *in, uint8_t *out, size_t cap)
{
    switch (sp->enc) {
    case KS_ENC_BASE64:
    case KS_ENC_BASE64URL:
        return ks_decode_base64(out, cap, in, sp->len, sp->enc == KS_ENC_BASE64URL);
    case KS_ENC_HEX:
        return ks_decode_hex(out, cap, in, sp->len);
    case KS_ENC_PERCENT:
        return ks_decode_percent(out, cap, in, sp->len);
    case KS_ENC_ESCAPE:
        return ks_unescape(out, cap, in, sp->len);
    }
    return -1;
}

/* A span found in the current frame: decode it; scan it when it is text. */
static int decode_span(void *payload, const ks_span *found)
{
    dctx *c = payload;
    frame *pf = c->cur;
    ks_span sp = *found;
    sp.start += pf->span_base;
    size_t end = sp.start + sp.len;
    for (unsigned i = 0; i < pf->ncov; i++)
        if (pf->cov_s[i] < end && pf->cov_e[i] > sp.start)
            return 0;
    if (c->depth == 0) {
        if (sp.start < c->own_from || sp.start >= c->own_to)
            return 0; /* another chunk's */
        if (end == c->len && c->own_to < c->len)
            return 0; /* cut by the chunk's end: the next chunk has it whole */
    }
    size_t cap = ks_decoded_cap(sp.enc, sp.len);
    if (cap > c->budget || cap > KS_PEM_UNWRAP_WINDOW)
        return 0;
    uint8_t *buf = view_buf(c->w, c->depth);
    uint8_t *dec = buf + SIDE + 1;
    long dn = decode(&sp, pf->d + sp.start, dec, cap);
    if (dn <= 0 || (size_t)dn > cap || der_start(dec, (size_t)dn) ||
        !ks_decoded_worth_scanning(dec, (size_t)dn))
        return 0;
    c->budget -= (size_t)dn;
    size_t ss = c->ss, se = c->se;
    if (c->depth == 0) {
        c->ss = sp.start;
        c->se = end;
    }
    c->enc[c->depth] = ks_enc_name(sp.enc);
    int rc = view_of_span(c, pf, sp.start, end, buf, (size_t)dn);
    c->cur = pf;
    c->ss = ss;
    c->se = se;
    return rc;
}

/* Scan a view, then the encoded spans of its decoded bytes. */
static int scan_view(dctx *c, frame *f)
{
    ks_worker *w = c->w;
    frame *parent = c->cur;
    c->cur = f;
    c->depth++;
    ks_scan_args a = {.data = f->d,
                      .len = f->len,
                      .own_from = 0,
                      .own_to = f->len,
                      .flags = c->flags,
                      .applies = ks_worker_rule_applies,
                      .applies_ctx = w};
    int rc = ks_engine_scan(w->p->cfg->engine, w->scratch, &a, on_view_match, c);
    if (rc == 0 && c->depth < DEPTH && c->budget > 0)
        rc = ks_find_encoded(f->d + f->dfrom, f->dto - f->dfrom, decode_span, c);
    c->depth--;
    c->cur = parent;
    return rc;
}

/* The next "-----BEGIN " of the chunk at or after p, before own_to: from
 * the engine's marks (*k indexes them), or by a search where the engine
 * has no such mark. */
static bool next_begin(const dctx *c, size_t *k, size_t p, size_t *at)
{
    const ks_worker *w = c->w;
    if (w->p->pem_mark >= 0) {
        while (*k < w->npem && w->pem_at[*k] < p)
            (*k)++;
        if (*k >= w->npem || w->pem_at[*k] >= c->own_to)
            return false;
        *at = w->pem_at[(*k)++];
        return true;
    }
    const uint8_t *m = memmem(w->buf + p, c->len - p, PEM_BEGIN, sizeof PEM_BEGIN - 1);
    if (!m || (size_t)(m - w->buf) >= c->own_to)
        return false;
    *at = (size_t)(m - w->buf);
    return true;
}

/* Was the block at `at` read by the raw scan (a hit over it)? */
static bool raw_pem(const dctx *c, size_t at)
{
    const ks_worker *w = c->w;
    for (size_t i = c->hits0; i < w->hits.n; i++) {
        const ks_hit *h = &w->hits.v[i];
        if (h->loc.nencoding == 0 && h->loc.offset <= w->base + at &&
            h->loc.offset + h->secret_len > w->base + at)
            return true;
    }
    return false;
}

/* PEM blocks behind line prefixes or in string concatenations, rebuilt
 * and scanned as views of their own. A block the raw scan read is left
 * alone. */
static int unwrap_pem(dctx *c)
{
    ks_worker *w = c->w;
    const uint8_t *d = w->buf;
    size_t p = c->own_from, k = 0, at;
    while (next_begin(c, &k, p, &at)) {
        size_t ls = at;
        p = at + sizeof PEM_BEGIN - 1;
        while (ls > 0 && d[ls - 1] != '\n' && at - ls < KS_PEM_UNWRAP_PREFIX)
            ls--;
        if (is_blank(d + ls, at - ls) || c->budget < KS_PEM_UNWRAP_WINDOW)
            continue;
        uint8_t *buf = view_buf(w, 0);
        size_t consumed = 0;
        long n = ks_pem_unwrap(buf, VIEW_CAP, d, c->len, at, &consumed);
        if (n <= 0 || raw_pem(c, at))
            continue;
        c->ss = at;
        c->se = at + consumed;
        c->budget -= (size_t)n;
        c->enc[0] = "pem-unwrapped";
        frame f = {.d = buf, .len = (size_t)n, .dto = (size_t)n};
        c->cur = NULL;
        int rc = scan_view(c, &f);
        if (rc)
            return rc;
        p = at + consumed;
    }
    return 0;
}

int ks_decode_chunk(ks_worker *w, size_t len, size_t own_from, size_t own_to, uint32_t flags,
                    size_t hits0)
{
    dctx c = {.w = w,
              .len = len,
              .own_from = own_from,
              .own_to = own_to,
              .flags = flags,
              .hits0 = hits0,
              .budget = BUDGET};
    /* Spans never cross a line: searching from the line of own_from finds
     * a span that starts there whole. */
    size_t from = own_from;
    while (from > 0 && w->buf[from - 1] != '\n' && own_from - from < KS_DECODE_MAX_RUN)
        from--;
    frame chunk = {.d = w->buf, .len = len, .dto = len, .span_base = from};
    c.cur = &chunk;
    int rc = ks_find_encoded(w->buf + from, len - from, decode_span, &c);
    if (rc == 0)
        rc = unwrap_pem(&c);
    return rc == KS_EENGINE || rc == 0 ? rc : KS_EENGINE;
}
