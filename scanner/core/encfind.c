/*
 * encfind.c - ks_find_encoded (see decode.h); the decoders are decode.c.
 *
 * DESIGN. ks_find_encoded runs on every byte of every text file, so it
 * is built around a pass that classifies 64 bytes at a time into two
 * bitmasks: the base64 alphabet (A) and the trigger bytes '%' and '\' (T),
 * 16 bytes at a time with SSE2 (the x86-64 baseline), 32 with AVX2 where
 * the CPU has it (asked once a call), one at a time in portable C. Runs of A
 * shorter than 16 are dropped with four shift-and steps (a bit survives only
 * where 16 alphabet bytes start), so a chunk of ordinary code costs the
 * classification and a test. What survives, and each trigger, is an event,
 * handled in order of position:
 *
 *  - a run of 16 to 31 is judged from two case masks of its bytes (most are
 *    snake_case or camelCase and stop there); a longer one, or one with
 *    digits or symbols, is classified once more (case counts, digits,
 *    symbols, hex runs) and becomes a base64, base64url or hex candidate,
 *    or nothing;
 *  - a '%' followed by two hex digits makes us measure the URL run around
 *    it (percent candidate?);
 *  - a '\' followed by x, u or U and hex digits puts its whole line into
 *    "line mode": a scalar tokenizer finds the quoted strings with two or
 *    more such escapes (escape candidates), and the pieces of the line
 *    between them are scanned again without escape triggers.
 *
 * Chunks go in batches of 32: masks and events first, then only the chunks
 * with events, through a bitmap, so no branch per chunk is mispredicted
 * (a third of the chunks of source code have an event, at random).
 *
 * Candidates nest (base64 inside URL text inside a string), and the outer
 * one wins. Events come in order of position, so an inner candidate could
 * be found before we know its container: before reporting a token, or URL
 * text, we look ahead on its line for an escape trigger, and before
 * reporting a token we look ahead along its URL run for a '%'. Each
 * look-ahead remembers how far it got (esc_clean, pct_clean), so it reads
 * each byte once: a byte is classified once, looked at once more by each
 * look-ahead, once or twice more if it is in a long run, and a few times
 * more if it is on a line with escapes.
 *
 * Spans never cross a line break: no candidate's characters include one.
 * The paths differ only in how masks are computed (masks64, batch_avx2,
 * case32, classify_run, hex_masks, find_nl_bs); the event logic is shared,
 * and the unit tests run each build (AVX2 if the CPU has it, SSE2 alone,
 * portable) against a slow reference written from decode.h.
 */
#include "decode.h"
#include "decode_text.h"

#include <limits.h>
#include <string.h>

#if defined(__SSE2__) && !defined(KS_DECODE_PORTABLE)
#define KS_DECODE_SSE2 1
#include <emmintrin.h>
#else
#define KS_DECODE_SSE2 0
#endif
/* AVX2 where the CPU has it, chosen at run time: the baseline stays SSE2. */
#if KS_DECODE_SSE2 && defined(__x86_64__) && defined(__GNUC__) && !defined(KS_DECODE_NO_AVX2)
#define KS_DECODE_AVX2 1
#include <immintrin.h>
#else
#define KS_DECODE_AVX2 0
#endif

/* ------------------------------------------------------------------------ */
/* Masks: 64 bytes at a time                                                */

#define CHUNK 64u
#define MIN_B64 16u /* long_runs is written for it */
#define MIN_HEX 32u

typedef struct masks {
    uint64_t a; /* base64 alphabet (A-Z a-z 0-9 + / - _) */
    uint64_t t; /* '%', and '\' when escapes are triggers */
} masks;

/* Bits i of lo where lo:hi (a 128-bit mask, lo first) has 16 ones from i. */
static inline uint64_t long_runs(uint64_t lo, uint64_t hi)
{
    lo &= (lo >> 1) | (hi << 63);
    hi &= hi >> 1;
    lo &= (lo >> 2) | (hi << 62);
    hi &= hi >> 2;
    lo &= (lo >> 4) | (hi << 60);
    hi &= hi >> 4;
    return lo & ((lo >> 8) | (hi << 56));
}

/* What one long run holds, from classify_run. */
typedef struct runinfo {
    size_t upper, lower;
    bool digit, std, url; /* a digit; + or /; - or _ */
    bool hex_long;        /* a maximal run of 32 or more hex digits */
    bool hex_cand;        /* one of them a candidate */
} runinfo;

/* The maximal hex run being followed through 16-byte blocks. */
typedef struct hexrun {
    size_t start, len;
    unsigned cls; /* C_HEXU, C_HEXL: letters seen */
} hexrun;

#if KS_DECODE_SSE2

static inline __m128i set8(int c)
{
    return _mm_set1_epi8((char)c);
}

/* Bytes in [lo, lo+len): add so that lo lands on -128, then compare signed. */
static inline __m128i in_range(__m128i v, int lo, int len)
{
    return _mm_cmplt_epi8(_mm_add_epi8(v, set8(0x80 - lo)), set8(0x80 + len));
}

static inline uint64_t mm16(__m128i v)
{
    return (uint64_t)(unsigned)_mm_movemask_epi8(v);
}

static inline __m128i load16(const uint8_t *p)
{
    return _mm_loadu_si128((const __m128i *)(const void *)p);
}

static inline __m128i trig_vec(__m128i v, bool esc)
{
    return _mm_or_si128(_mm_cmpeq_epi8(v, set8('%')), _mm_cmpeq_epi8(v, set8(esc ? '\\' : '%')));
}

/* The trigger bits of p[0..64), for the few chunks that have any. */
static __attribute__((noinline)) uint64_t trig64(const uint8_t *p, bool esc)
{
    uint64_t t = 0;
    for (unsigned k = 0; k < 4; k++)
        t |= mm16(trig_vec(load16(p + 16 * k), esc)) << (16 * k);
    return t;
}

/* The base64 alphabet among 16 bytes. */
static inline __m128i alpha_vec(__m128i v)
{
    __m128i letter = in_range(_mm_or_si128(v, set8(0x20)), 'a', 26);
    /* '+' ',' '-' '.' '/' '0'..'9' less ',' and '.' (the two with (c|2)=='.') */
    __m128i sym = in_range(v, '+', 15);
    sym = _mm_andnot_si128(_mm_cmpeq_epi8(_mm_or_si128(v, set8(2)), set8('.')), sym);
    sym = _mm_or_si128(sym, _mm_cmpeq_epi8(v, set8('_')));
    return _mm_or_si128(letter, sym);
}

/* Masks of p[0..64): the caller guarantees 64 readable bytes. Triggers are
 * rare: one movemask says whether the chunk has any. (Written out: GCC at
 * -O2 keeps a loop here, with shifts by a register.) */
static inline __attribute__((always_inline)) masks masks64(const uint8_t *p, bool esc)
{
    __m128i v0 = load16(p), v1 = load16(p + 16), v2 = load16(p + 32), v3 = load16(p + 48);
    masks m;
    m.a = mm16(alpha_vec(v0)) | mm16(alpha_vec(v1)) << 16 | mm16(alpha_vec(v2)) << 32 |
          mm16(alpha_vec(v3)) << 48;
    __m128i any = _mm_or_si128(_mm_or_si128(trig_vec(v0, esc), trig_vec(v1, esc)),
                               _mm_or_si128(trig_vec(v2, esc), trig_vec(v3, esc)));
    m.t = _mm_movemask_epi8(any) ? trig64(p, esc) : 0;
    return m;
}

#if KS_DECODE_AVX2

#define AVX2 __attribute__((target("avx2")))

AVX2 static inline __m256i set32(int c)
{
    return _mm256_set1_epi8((char)c);
}

AVX2 static inline __m256i in_range32(__m256i v, int lo, int len)
{
    return _mm256_cmpgt_epi8(set32(0x80 + len), _mm256_add_epi8(v, set32(0x80 - lo)));
}

AVX2 static inline uint64_t mm32(__m256i v)
{
    return (uint64_t)(uint32_t)_mm256_movemask_epi8(v);
}

AVX2 static inline __m256i alpha_vec32(__m256i v)
{
    __m256i letter = in_range32(_mm256_or_si256(v, set32(0x20)), 'a', 26);
    __m256i sym = in_range32(v, '+', 15);
    sym = _mm256_andnot_si256(_mm256_cmpeq_epi8(_mm256_or_si256(v, set32(2)), set32('.')), sym);
    sym = _mm256_or_si256(sym, _mm256_cmpeq_epi8(v, set32('_')));
    return _mm256_or_si256(letter, sym);
}

AVX2 static inline __m256i trig_vec32(__m256i v, bool esc)
{
    return _mm256_or_si256(_mm256_cmpeq_epi8(v, set32('%')),
                           _mm256_cmpeq_epi8(v, set32(esc ? '\\' : '%')));
}

AVX2 static inline masks masks64_avx2(const uint8_t *p, bool esc)
{
    __m256i v0 = _mm256_loadu_si256((const __m256i *)(const void *)p);
    __m256i v1 = _mm256_loadu_si256((const __m256i *)(const void *)(p + 32));
    masks m;
    m.a = mm32(alpha_vec32(v0)) | mm32(alpha_vec32(v1)) << 32;
    __m256i t0 = trig_vec32(v0, esc), t1 = trig_vec32(v1, esc);
    __m256i any = _mm256_or_si256(t0, t1);
    m.t = _mm256_testz_si256(any, any) ? 0 : mm32(t0) | mm32(t1) << 32;
    return m;
}

/* batch_whole (below) with AVX2, 32 bytes at a time. */
AVX2 static __attribute__((noinline)) uint32_t batch_avx2(const uint8_t *p, bool have0, unsigned nk,
                                                          bool esc, masks *m, uint64_t *evs)
{
    masks prev = have0 ? m[0] : masks64_avx2(p, esc);
    m[0] = prev;
    uint32_t nz = 0;
    for (unsigned k = 0; k < nk; k++) {
        masks nxt = masks64_avx2(p + (k + 1) * CHUNK, esc);
        m[k + 1] = nxt;
        evs[k] = long_runs(prev.a, nxt.a) | prev.t;
        nz |= (uint32_t)(evs[k] != 0) << k;
        prev = nxt;
    }
    return nz;
}

#endif

/* The upper-case and lower-case bits of p[0..32). */
static inline void case32(const uint8_t *p, uint64_t *up, uint64_t *lw)
{
    __m128i v0 = load16(p), v1 = load16(p + 16);
    *up = mm16(in_range(v0, 'A', 26)) | mm16(in_range(v1, 'A', 26)) << 16;
    *lw = mm16(in_range(v0, 'a', 26)) | mm16(in_range(v1, 'a', 26)) << 16;
}

#else

static inline masks masks64(const uint8_t *p, bool esc)
{
    masks m = {0, 0};
    for (unsigned i = 0; i < CHUNK; i++) {
        uint8_t c = p[i];
        if (is_b64(c))
            m.a |= 1ULL << i;
        if (c == '%' || (esc && c == '\\'))
            m.t |= 1ULL << i;
    }
    return m;
}

static inline void case32(const uint8_t *p, uint64_t *up, uint64_t *lw)
{
    *up = *lw = 0;
    for (unsigned i = 0; i < 32; i++) {
        *up |= (uint64_t)(p[i] >= 'A' && p[i] <= 'Z') << i;
        *lw |= (uint64_t)(p[i] >= 'a' && p[i] <= 'z') << i;
    }
}

#endif

/* ------------------------------------------------------------------------ */
/* The search                                                               */

typedef struct scan {
    const uint8_t *d;
    size_t n;
    ks_span_fn fn;
    void *payload;
    int rc;           /* fn's non-zero return: stop */
    size_t last_end;  /* end of the last span reported */
    size_t esc_clean; /* no escape trigger from the current event to here
                         (a line end) */
    size_t pct_clean; /* the URL run ending here has no candidate */
    bool avx2;        /* the CPU has AVX2 */
} scan;

static void emit(scan *c, size_t start, size_t len, ks_enc enc)
{
    if (c->rc || start < c->last_end)
        return; /* cannot happen: events come in order */
    ks_span s = {start, len, enc};
    c->last_end = start + len;
    c->rc = c->fn(c->payload, &s);
}

/* masks64 of the last bytes of the buffer, zero-padded (NUL is in no set). */
static __attribute__((noinline)) masks tail_masks(const scan *c, size_t base, bool esc)
{
    uint8_t tmp[CHUNK] = {0};
    memcpy(tmp, c->d + base, c->n - base);
    return masks64(tmp, esc);
}

/* Masks of d[base .. min(base+64, hi)); bits at or past hi are clear. */
static inline __attribute__((always_inline)) masks chunk_masks(const scan *c, size_t base,
                                                               size_t hi, bool esc)
{
    masks m = c->n - base >= CHUNK ? masks64(c->d + base, esc) : tail_masks(c, base, esc);
    if (hi - base < CHUNK) {
        uint64_t keep = (1ULL << (hi - base)) - 1;
        m.a &= keep;
        m.t &= keep;
    }
    return m;
}

static inline unsigned ctz64(uint64_t x)
{
    return (unsigned)__builtin_ctzll(x);
}

/* run_end past the 64 bytes from the run's start. */
static __attribute__((noinline)) size_t run_end_far(const scan *c, size_t base, masks nxt,
                                                    size_t hi)
{
    uint64_t z = ~nxt.a;
    if (z)
        return base + CHUNK + ctz64(z); /* nxt is clear past hi */
    for (size_t q = base + 2 * CHUNK; q < hi; q += CHUNK) {
        z = ~chunk_masks(c, q, hi, false).a;
        if (z)
            return q + ctz64(z);
    }
    return hi;
}

/* The end of the alphabet run that starts at base+i: the first clear bit
 * of the 64 from i in cur:nxt (both clear past hi), most often. */
static inline size_t run_end(const scan *c, size_t base, unsigned i, masks cur, masks nxt,
                             size_t hi)
{
    uint64_t w = (~cur.a >> i) | ((~nxt.a << 1) << (63 - i));
    return w ? base + i + ctz64(w) : run_end_far(c, base, nxt, hi);
}

/* A maximal hex run ended at start+len: is it long, a candidate? */
static void hex_done(scan *c, const hexrun *hr, runinfo *ri)
{
    if (hr->len < MIN_HEX)
        return;
    ri->hex_long = true;
    if (hr->len % 2 == 0 && (hr->cls == C_HEXU || hr->cls == C_HEXL)) {
        ri->hex_cand = true;
        if (c)
            emit(c, hr->start, hr->len, KS_ENC_HEX);
    }
}

/* Follows hex runs through the block at pos: h, hu, hl are its hex digits,
 * A-F and a-f (bits past the run's end clear). A run of 32 or more spans
 * blocks, so only a block's first and last runs matter. */
static inline void hex_feed(scan *c, hexrun *hr, size_t pos, unsigned h, unsigned hu, unsigned hl,
                            runinfo *ri)
{
    unsigned pre = (unsigned)__builtin_ctz(~h | 0x10000u); /* ones from bit 0 */
    unsigned m = (1u << pre) - 1;
    hr->len += pre;
    hr->cls |= (hu & m ? C_HEXU : 0) | (hl & m ? C_HEXL : 0);
    if (pre == 16)
        return;
    hex_done(c, hr, ri);
    unsigned suf = (unsigned)__builtin_clz((~h & 0xFFFFu) << 16); /* ones down from bit 15 */
    m = ~((1u << (16 - suf)) - 1) & 0xFFFFu;
    hr->start = pos + 16 - suf;
    hr->len = suf;
    hr->cls = (hu & m ? C_HEXU : 0) | (hl & m ? C_HEXL : 0);
}

#if KS_DECODE_SSE2

/* 16 bytes of d[i..e), zero-padded past e (NUL is in no class). */
static inline __m128i load_run16(const uint8_t *d, size_t i, size_t e)
{
    if (e - i >= 16)
        return load16(d + i);
    uint8_t tmp[16] = {0};
    memcpy(tmp, d + i, e - i);
    return load16(tmp);
}

static inline void hex_masks(__m128i v, unsigned *h, unsigned *hu, unsigned *hl)
{
    __m128i u = in_range(v, 'A', 6), l = in_range(v, 'a', 6);
    *hu = (unsigned)_mm_movemask_epi8(u);
    *hl = (unsigned)_mm_movemask_epi8(l);
    *h = (unsigned)_mm_movemask_epi8(_mm_or_si128(in_range(v, '0', 10), _mm_or_si128(u, l)));
}

/* Sums the 16 byte counters of v. */
static inline size_t sum_bytes(__m128i v)
{
    __m128i s = _mm_sad_epu8(v, _mm_setzero_si128());
    return (size_t)_mm_cvtsi128_si32(s) + (size_t)_mm_cvtsi128_si32(_mm_srli_si128(s, 8));
}

/* Follows the hex runs of d[s..e) (see hex_feed); reports candidates
 * when c is given. */
static void hex_runs(scan *c, const uint8_t *d, size_t s, size_t e, runinfo *ri)
{
    hexrun hr = {s, 0, 0};
    for (size_t i = s; i < e && !(c && c->rc); i += 16) {
        unsigned h, hu, hl;
        hex_masks(load_run16(d, i, e), &h, &hu, &hl);
        hex_feed(c, &hr, i, h, hu, hl, ri);
    }
    hex_done(c, &hr, ri);
}

static runinfo classify_run(const uint8_t *d, size_t s, size_t e)
{
    runinfo ri = {0, 0, false, false, false, false, false};
    __m128i zero = _mm_setzero_si128(), acc_d = zero, acc_s = zero, acc_u = zero;
    __m128i n_up = zero, n_lw = zero; /* byte counters, emptied before they wrap */
    unsigned blocks = 0;
    bool hex16 = false; /* a block all hex: a run of 32 holds one */
    for (size_t i = s; i < e; i += 16) {
        __m128i v = load_run16(d, i, e);
        __m128i up = in_range(v, 'A', 26), lw = in_range(v, 'a', 26), dg = in_range(v, '0', 10);
        n_up = _mm_sub_epi8(n_up, up);
        n_lw = _mm_sub_epi8(n_lw, lw);
        if (++blocks == 255) {
            ri.upper += sum_bytes(n_up);
            ri.lower += sum_bytes(n_lw);
            n_up = n_lw = zero;
            blocks = 0;
        }
        acc_d = _mm_or_si128(acc_d, dg);
        acc_s = _mm_or_si128(
            acc_s, _mm_or_si128(_mm_cmpeq_epi8(v, set8('+')), _mm_cmpeq_epi8(v, set8('/'))));
        acc_u = _mm_or_si128(
            acc_u, _mm_or_si128(_mm_cmpeq_epi8(v, set8('-')), _mm_cmpeq_epi8(v, set8('_'))));
        __m128i hx = _mm_or_si128(dg, in_range(_mm_or_si128(v, set8(0x20)), 'a', 6));
        hex16 |= _mm_movemask_epi8(hx) == 0xFFFF;
    }
    ri.upper += sum_bytes(n_up);
    ri.lower += sum_bytes(n_lw);
    ri.digit = _mm_movemask_epi8(acc_d) != 0;
    ri.std = _mm_movemask_epi8(acc_s) != 0;
    ri.url = _mm_movemask_epi8(acc_u) != 0;
    if (hex16)
        hex_runs(NULL, d, s, e, &ri);
    return ri;
}

#else

/* The hex masks of d[i..min(i+16, e)). */
static void hex_masks(const uint8_t *d, size_t i, size_t e, unsigned *h, unsigned *hu, unsigned *hl)
{
    *h = *hu = *hl = 0;
    for (unsigned k = 0; k < 16 && i + k < e; k++) {
        unsigned cls = CLASS[d[i + k]];
        *h |= (unsigned)((cls & C_HEX) != 0) << k;
        *hu |= (unsigned)((cls & C_HEXU) != 0) << k;
        *hl |= (unsigned)((cls & C_HEXL) != 0) << k;
    }
}

static void hex_runs(scan *c, const uint8_t *d, size_t s, size_t e, runinfo *ri)
{
    hexrun hr = {s, 0, 0};
    for (size_t i = s; i < e && !(c && c->rc); i += 16) {
        unsigned h, hu, hl;
        hex_masks(d, i, e, &h, &hu, &hl);
        hex_feed(c, &hr, i, h, hu, hl, ri);
    }
    hex_done(c, &hr, ri);
}

static runinfo classify_run(const uint8_t *d, size_t s, size_t e)
{
    runinfo ri = {0, 0, false, false, false, false, false};
    bool hex16 = false;
    size_t hexlen = 0;
    for (size_t i = s; i < e; i++) {
        uint8_t ch = d[i];
        ri.upper += ch >= 'A' && ch <= 'Z';
        ri.lower += ch >= 'a' && ch <= 'z';
        ri.digit |= ch >= '0' && ch <= '9';
        ri.std |= ch == '+' || ch == '/';
        ri.url |= ch == '-' || ch == '_';
        if ((i - s) % 16 == 0)
            hexlen = 0;
        hexlen = is_hex(ch) ? hexlen + 1 : 0;
        hex16 |= hexlen == 16;
    }
    if (hex16)
        hex_runs(NULL, d, s, e, &ri);
    return ri;
}

#endif

/* Reports the hex candidates of the run d[s..e). */
static void emit_hex(scan *c, size_t s, size_t e)
{
    runinfo ri = {0, 0, false, false, false, false, false};
    hex_runs(c, c->d, s, e, &ri);
}

enum { K_NONE, K_B64, K_B64URL, K_HEX, K_ASK };

/* What the alphabet run d[s..e) (16 or more) is a candidate for. */
static int classify(const uint8_t *d, size_t s, size_t e)
{
    if (e - s > KS_DECODE_MAX_RUN)
        return K_NONE;
    runinfo ri = classify_run(d, s, e);
    if (ri.hex_long) /* not base64; mixed-case hex, odd length, digits only: nothing */
        return ri.hex_cand ? K_HEX : K_NONE;
    if (ri.upper == 0 || ri.lower == 0 || (ri.std && ri.url))
        return K_NONE;
    if (!ri.digit && !ri.std && !ri.url) {
        /* Letters only: camelCase has few capitals, base64 about half. */
        size_t few = ri.upper < ri.lower ? ri.upper : ri.lower;
        if (few * 4 < ri.upper + ri.lower)
            return K_NONE;
    }
    return ri.url ? K_B64URL : K_B64;
}

/* What the run d[p..p+len), 16 to 31 long, is, as classify would say,
 * from two masks of its bytes; K_ASK when classify must look (it mixes case
 * and has a digit or symbol). Too short to hold 32 hex digits. */
static inline int quick_kind(const scan *c, size_t p, size_t len)
{
    uint64_t up, lw;
    if (c->n - p >= 32) {
        case32(c->d + p, &up, &lw);
    } else {
        uint8_t tmp[32] = {0};
        memcpy(tmp, c->d + p, c->n - p);
        case32(tmp, &up, &lw);
    }
    uint64_t run = (1ULL << len) - 1;
    up &= run;
    lw &= run;
    if (!up || !lw)
        return K_NONE;
    if (run & ~(up | lw))
        return K_ASK;
    /* Both counts in one pass: up in the low half, lw in the high. */
    uint64_t x = up | lw << 32;
    x -= (x >> 1) & 0x5555555555555555ULL;
    x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
    x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0FULL;
    size_t nu = (size_t)((x & 0xFFFFFFFFULL) * 0x01010101ULL >> 24 & 0xFF);
    size_t nl = (size_t)((x >> 32) * 0x01010101ULL >> 24 & 0xFF);
    return (nu < nl ? nu : nl) * 4 < nu + nl ? K_NONE : K_B64;
}

/* Whether d[p] starts an escape we trigger on: \x, \u or \U with its hex
 * digits. */
static bool escape_trigger(const scan *c, size_t p)
{
    if (c->d[p] != '\\' || c->n - p < 2)
        return false;
    size_t nd = escape_digits(c->d[p + 1]);
    return nd > 0 && c->n - p - 2 >= nd && hexnum(c->d + p + 2, nd) >= 0;
}

/* The first '\n' or '\' in d[from..to), or to. */
static size_t find_nl_bs(const uint8_t *d, size_t from, size_t to)
{
    size_t i = from;
#if KS_DECODE_SSE2
    __m128i nl = set8('\n'), bs = set8('\\');
    for (; to - i >= 16; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(d + i));
        unsigned m =
            (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, nl), _mm_cmpeq_epi8(v, bs)));
        if (m)
            return i + (unsigned)__builtin_ctz(m);
    }
#endif
    for (; i < to; i++)
        if (d[i] == '\n' || d[i] == '\\')
            return i;
    return to;
}

/* Whether the line of p has an escape trigger at or after p. Events come
 * in order, so a trigger before p on its line was an event already. */
static bool escape_ahead(scan *c, size_t p, size_t hi)
{
    if (p < c->esc_clean)
        return false;
    size_t q = p;
    for (;;) {
        q = find_nl_bs(c->d, q, hi);
        if (q == hi || c->d[q] == '\n') {
            c->esc_clean = q;
            return false;
        }
        if (escape_trigger(c, q))
            return true;
        q++;
    }
}

/* The URL run around p, within [lo, hi) and after the last span. */
static size_t url_start(const scan *c, size_t p, size_t lo)
{
    size_t bound = lo > c->last_end ? lo : c->last_end;
    while (p > bound && is_url(c->d[p - 1]))
        p--;
    return p;
}

static size_t url_end(const scan *c, size_t p, size_t hi)
{
    while (p < hi && is_url(c->d[p]))
        p++;
    return p;
}

/* Whether the URL run d[us..ue) is a percent candidate. */
static bool pct_candidate(const uint8_t *d, size_t us, size_t ue)
{
    if (ue - us > KS_DECODE_MAX_RUN)
        return false;
    size_t count = 0;
    const uint8_t *p = d + us, *end = d + ue;
    while ((p = memchr(p, '%', (size_t)(end - p))) != NULL) {
        if (end - p < 3 || hexval(p[1]) < 0 || hexval(p[2]) < 0)
            return false;
        count++;
        p += 3;
    }
    return count >= 2;
}

/* The length of the escape at d[j] ('\') within [.., le), 0 when ks_unescape
 * would refuse its shape; *xu: it is \x, \u or \U. */
static size_t escape_len(const uint8_t *d, size_t j, size_t le, bool *xu)
{
    *xu = false;
    if (le - j < 2)
        return 0;
    uint8_t e = d[j + 1];
    if (simple_escape(e) >= 0)
        return 2;
    if (e >= '0' && e <= '7') {
        size_t k = j + 1;
        unsigned v = 0;
        while (k < le && k < j + 4 && d[k] >= '0' && d[k] <= '7')
            v = v * 8 + (unsigned)(d[k++] - '0');
        return v <= 0377 ? k - j : 0;
    }
    size_t nd = escape_digits(e);
    if (nd == 0 || le - j - 2 < nd || hexnum(d + j + 2, nd) < 0)
        return 0;
    *xu = true;
    return 2 + nd;
}

/* Whether the quote at d[i] opens a string: not after a letter or digit
 * ("don't"), unless that is a string prefix (b'', r"", u8"", L"", f''). */
static bool opens_string(const uint8_t *d, size_t ls, size_t i)
{
    if (i == ls)
        return true;
    if (d[i - 1] == '\\')
        return false;
    if (!is_alnum(d[i - 1]))
        return true;
    size_t k = i;
    while (k > ls && i - k < 3 && is_alnum(d[k - 1])) {
        if (!memchr("bBrRuUfFL8", d[k - 1], 10))
            return false;
        k--;
    }
    return i - k <= 2 && (k == ls || !is_alnum(d[k - 1]));
}

static void scan_range(scan *c, size_t lo, size_t hi, bool top);

/* Line mode for d[ls..le): escape strings, and the pieces between them
 * scanned without escape triggers. */
static void scan_line(scan *c, size_t ls, size_t le)
{
    const uint8_t *d = c->d;
    size_t cur = ls;
    bool open_ok[2] = {true, true}; /* " and ': none unclosed yet */
    size_t i = ls;
    while (i < le && !c->rc) {
        uint8_t q = d[i];
        unsigned qi = q == '\'';
        if ((q != '"' && q != '\'') || !open_ok[qi] || !opens_string(d, ls, i)) {
            i++;
            continue;
        }
        size_t j = i + 1, escs = 0;
        bool ok = true;
        while (j < le && d[j] != q) {
            if (d[j] != '\\') {
                j++;
                continue;
            }
            bool xu;
            size_t k = escape_len(d, j, le, &xu);
            if (k == 0) {
                ok = false;
                k = 2;
            }
            escs += xu;
            j += k;
        }
        if (j >= le) {
            /* Unclosed: no closing quote of this kind on the rest of the
             * line, so none of this kind opens a string either. */
            open_ok[qi] = false;
            i++;
            continue;
        }
        if (ok && escs >= 2 && j - i - 1 <= KS_DECODE_MAX_RUN) {
            scan_range(c, cur, i + 1, false);
            emit(c, i + 1, j - i - 1, KS_ENC_ESCAPE);
            cur = j;
        }
        i = j + 1;
    }
    if (!c->rc)
        scan_range(c, cur, le, false);
}

/* Line mode for the line holding p; returns where the line ends. */
static size_t line_mode(scan *c, size_t p, size_t lo, size_t hi)
{
    size_t bound = lo > c->last_end ? lo : c->last_end;
    size_t ls = p;
    while (ls > bound && c->d[ls - 1] != '\n')
        ls--;
    const uint8_t *nl = memchr(c->d + p, '\n', hi - p);
    size_t le = nl ? (size_t)(nl - c->d) : hi;
    scan_line(c, ls, le);
    return le;
}

/* A '%' at p (or, in top mode, a '\'); returns where to go on. */
static size_t on_trigger(scan *c, size_t p, size_t lo, size_t hi, bool top)
{
    if (c->d[p] == '\\')
        return escape_trigger(c, p) ? line_mode(c, p, lo, hi) : p + 1;
    /* Not an escape: its URL run is no candidate, whatever else it holds. */
    if (p < c->pct_clean || hi - p < 3 || hexval(c->d[p + 1]) < 0 || hexval(c->d[p + 2]) < 0)
        return p + 1;
    size_t us = url_start(c, p, lo), ue = url_end(c, p, hi);
    if (!pct_candidate(c->d, us, ue)) {
        c->pct_clean = ue;
        return p + 1;
    }
    if (top && escape_ahead(c, p, hi))
        return line_mode(c, p, lo, hi);
    emit(c, us, ue - us, KS_ENC_PERCENT);
    return ue;
}

/* The alphabet run d[p..end) of 16 or more; returns where to go on. */
static size_t on_run(scan *c, size_t p, size_t end, size_t lo, size_t hi, bool top, int k)
{
    const uint8_t *d = c->d;
    if (k == K_ASK)
        k = classify(d, p, end);
    if (k == K_NONE)
        return end;
    if (top && escape_ahead(c, p, hi))
        return line_mode(c, p, lo, hi);
    if (end >= c->pct_clean) {
        /* A '%' before p on this URL run was an event already. */
        size_t ue = url_end(c, end, hi);
        if (memchr(d + end, '%', ue - end)) {
            size_t us = url_start(c, p, lo);
            if (pct_candidate(d, us, ue)) {
                emit(c, us, ue - us, KS_ENC_PERCENT);
                return ue;
            }
        }
        c->pct_clean = ue;
    }
    if (k == K_HEX) {
        emit_hex(c, p, end);
        return end;
    }
    size_t need = (4 - (end - p) % 4) % 4, pad = 0;
    if (need <= 2)
        while (pad < need && end + pad < hi && d[end + pad] == '=')
            pad++;
    if (pad < need)
        pad = 0;
    emit(c, p, end - p + pad, k == K_B64URL ? KS_ENC_BASE64URL : KS_ENC_BASE64);
    return end + pad;
}

/* A range being scanned: d[lo..hi), in top mode or line mode. */
typedef struct seg {
    scan *c;
    size_t lo, hi;
    bool top;
} seg;

/* The bits at and after bit sh (none when sh >= 64), without a branch:
 * whether a run crosses into the next chunk is a coin toss. */
static inline uint64_t keep_from(size_t sh)
{
    return (~0ULL << (sh & 63)) & (0 - (uint64_t)(sh < CHUNK));
}

/* The events of the chunk at base, whose masks are m[0] (and m[1] after
 * it): ev holds its bits at or after the last skip. Returns where the next
 * event may start. */
static __attribute__((noinline)) size_t chunk_events(const seg *g, size_t base, const masks *m,
                                                     uint64_t ev)
{
    scan *c = g->c;
    size_t skip = base;
    while (ev) {
        unsigned i = ctz64(ev);
        size_t p = base + i, r;
        if (m[0].t >> i & 1) {
            r = on_trigger(c, p, g->lo, g->hi, g->top);
        } else {
            size_t end = run_end(c, base, i, m[0], m[1], g->hi);
            int k = end - p < MIN_HEX ? quick_kind(c, p, end - p) : K_ASK;
            r = k == K_NONE ? end : on_run(c, p, end, g->lo, g->hi, g->top, k);
        }
        skip = r;
        if (c->rc)
            break;
        ev &= keep_from(r - base);
    }
    return skip;
}

#define BATCH 32u

/* The masks of the chunks 0..nk from p, all whole (m[0] given when have0),
 * and the events of chunks 0..nk-1 in evs; returns the bitmap of chunks
 * with events. */
static inline __attribute__((always_inline)) uint32_t
batch_whole(const uint8_t *p, bool have0, unsigned nk, bool esc, masks *m, uint64_t *evs)
{
    masks prev = have0 ? m[0] : masks64(p, esc);
    m[0] = prev;
    uint32_t nz = 0;
    for (unsigned k = 0; k < nk; k++) {
        masks nxt = masks64(p + (k + 1) * CHUNK, esc);
        m[k + 1] = nxt;
        evs[k] = long_runs(prev.a, nxt.a) | prev.t;
        nz |= (uint32_t)(evs[k] != 0) << k;
        prev = nxt;
    }
    return nz;
}

/* The same where some chunks are cut by hi (the end of the range). */
static uint32_t batch_cut(const scan *c, size_t base, size_t hi, bool have0, unsigned nk, bool esc,
                          masks *m, uint64_t *evs)
{
    for (unsigned k = have0; k <= nk; k++) {
        size_t q = base + k * CHUNK;
        m[k] = q < hi ? chunk_masks(c, q, hi, esc) : (masks){0, 0};
    }
    uint32_t nz = 0;
    for (unsigned k = 0; k < nk; k++) {
        evs[k] = long_runs(m[k].a, m[k + 1].a) | m[k].t;
        nz |= (uint32_t)(evs[k] != 0) << k;
    }
    return nz;
}

/* Every candidate in d[lo..hi). Top mode (the whole buffer): '\' is a
 * trigger too, and inner candidates look ahead for escape strings.
 *
 * Chunks go in batches of 32 (2 KiB): their masks and events first, then
 * the chunks with events, found through a bitmap, so the branch per chunk
 * on "any event?" (taken by a third of the chunks of source code, at
 * random) is not there to be mispredicted. */
static inline __attribute__((always_inline)) void scan_impl(scan *c, size_t lo, size_t hi, bool top)
{
    const seg g = {c, lo, hi, top};
    masks m[BATCH + 1];
    uint64_t evs[BATCH];
    size_t base = lo, skip = lo;
    bool have0 = false; /* m[0] is already the chunk at base */
    while (base < hi) {
        size_t left = (hi - base + CHUNK - 1) / CHUNK;
        unsigned nk = left < BATCH ? (unsigned)left : BATCH;
        uint32_t nz;
        if (hi - base >= (nk + 1) * CHUNK) {
#if KS_DECODE_AVX2
            if (c->avx2)
                nz = batch_avx2(c->d + base, have0, nk, top, m, evs);
            else
#endif
                nz = batch_whole(c->d + base, have0, nk, top, m, evs);
        } else {
            nz = batch_cut(c, base, hi, have0, nk, top, m, evs);
        }
        size_t next = base + nk * CHUNK;
        while (nz) {
            unsigned k = (unsigned)__builtin_ctz(nz);
            nz &= nz - 1;
            size_t cb = base + k * CHUNK;
            uint64_t ev = evs[k] & keep_from(skip > cb ? skip - cb : 0);
            if (!ev)
                continue;
            skip = chunk_events(&g, cb, &m[k], ev);
            if (c->rc)
                return;
            if (skip >= next)
                break;
        }
        have0 = skip < next + CHUNK;
        if (have0)
            m[0] = m[nk];
        else
            next = lo + (skip - lo) / CHUNK * CHUNK;
        base = next;
    }
}

static void scan_range(scan *c, size_t lo, size_t hi, bool top)
{
    if (top)
        scan_impl(c, lo, hi, true);
    else
        scan_impl(c, lo, hi, false);
}

int ks_find_encoded(const uint8_t *d, size_t n, ks_span_fn fn, void *payload)
{
    if (n == 0 || d == NULL || fn == NULL)
        return 0;
    scan c = {d, n, fn, payload, 0, 0, 0, 0, false};
#if KS_DECODE_AVX2
    c.avx2 = __builtin_cpu_supports("avx2");
#endif
    scan_range(&c, 0, n, true);
    return c.rc;
}
