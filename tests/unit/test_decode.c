/*
 * test_decode.c - the decoders against known encodings (RFC 4648 vectors,
 * values made with python3's base64 module, base64(1) and xxd), their
 * refusals and output capacities, the "worth scanning" test, and
 * ks_find_encoded: each rule of the candidate definition, the edges of
 * buffers and of its 64-byte chunks, and random buffers against a slow
 * reference written from the definition in decode.h.
 *
 * The same file builds twice: test_decode (SSE2 where the compiler targets
 * it) and test_decode_portable (KS_DECODE_PORTABLE), so both paths must
 * give the same spans as the reference.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "core/decode.h"
#include "engine/validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S(x) (const uint8_t *)(x), strlen(x)

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */

/* Decodes with a heap buffer of exactly the capacity ks_decoded_cap gives,
 * so ASan sees any write past it; returns the decoded length (or -1) and
 * the bytes in *outp (caller frees). */
static long dec(ks_enc e, const char *in, uint8_t **outp)
{
    size_t n = strlen(in);
    size_t cap = ks_decoded_cap(e, n);
    uint8_t *out = malloc(cap ? cap : 1);
    assert_non_null(out);
    long r = -2;
    const uint8_t *p = (const uint8_t *)in;
    switch (e) {
    case KS_ENC_BASE64:
        r = ks_decode_base64(out, cap, p, n, false);
        break;
    case KS_ENC_BASE64URL:
        r = ks_decode_base64(out, cap, p, n, true);
        break;
    case KS_ENC_HEX:
        r = ks_decode_hex(out, cap, p, n);
        break;
    case KS_ENC_PERCENT:
        r = ks_decode_percent(out, cap, p, n);
        break;
    case KS_ENC_ESCAPE:
        r = ks_unescape(out, cap, p, n);
        break;
    }
    if (r >= 0)
        assert_true((size_t)r <= cap);
    if (outp)
        *outp = out;
    else
        free(out);
    return r;
}

/* Decodes and compares with want[0..wn). */
static void check_dec(ks_enc e, const char *in, const void *want, size_t wn)
{
    uint8_t *out;
    long r = dec(e, in, &out);
    if (r != (long)wn || memcmp(out, want, wn) != 0)
        fail_msg("%s of \"%s\": got %ld bytes, want %zu", ks_enc_name(e), in, r, wn);
    free(out);
}

#define CHECK(e, in, lit) check_dec(e, in, lit, sizeof(lit) - 1)

static void check_bad(ks_enc e, const char *in)
{
    long r = dec(e, in, NULL);
    if (r != -1)
        fail_msg("%s of \"%s\": got %ld, want -1", ks_enc_name(e), in, r);
}

typedef struct spans {
    ks_span s[4096];
    size_t n;
    size_t stop_after; /* 0: never stop */
} spans;

static int collect(void *payload, const ks_span *s)
{
    spans *sp = payload;
    if (sp->n < sizeof sp->s / sizeof *sp->s)
        sp->s[sp->n] = *s;
    sp->n++;
    return sp->stop_after && sp->n >= sp->stop_after ? 7 : 0;
}

/* The spans of d[0..n), copied to an exact-size heap buffer first so ASan
 * sees any read past its end. */
static void find(const void *d, size_t n, spans *sp)
{
    uint8_t *copy = malloc(n ? n : 1);
    assert_non_null(copy);
    memcpy(copy, d, n);
    sp->n = 0;
    sp->stop_after = 0;
    int rc = ks_find_encoded(copy, n, collect, sp);
    assert_int_equal(rc, 0);
    free(copy);
}

static void finds(const char *text, spans *sp)
{
    find(text, strlen(text), sp);
}

/* The text of span i of text. */
static void assert_span(const char *text, const spans *sp, size_t i, ks_enc enc, const char *want)
{
    if (i >= sp->n)
        fail_msg("\"%s\": %zu spans, want span %zu \"%s\"", text, sp->n, i, want);
    const ks_span *s = &sp->s[i];
    if (s->enc != enc || s->len != strlen(want) || memcmp(text + s->start, want, s->len) != 0)
        fail_msg("\"%s\": span %zu is %s \"%.*s\", want %s \"%s\"", text, i, ks_enc_name(s->enc),
                 (int)s->len, text + s->start, ks_enc_name(enc), want);
}

static void assert_none(const char *text)
{
    spans sp;
    finds(text, &sp);
    if (sp.n != 0)
        fail_msg("\"%s\": want no span, got %s \"%.*s\"", text, ks_enc_name(sp.s[0].enc),
                 (int)sp.s[0].len, text + sp.s[0].start);
}

static void assert_one(const char *text, ks_enc enc, const char *want)
{
    spans sp;
    finds(text, &sp);
    assert_span(text, &sp, 0, enc, want);
    if (sp.n != 1)
        fail_msg("\"%s\": %zu spans, want 1", text, sp.n);
}

/* Base64 of bytes 0..255, from python3 base64.b64encode / urlsafe_b64encode. */
static const char B64_ALL[] =
    "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+P0BBQkNER"
    "UZHSElKS0xNTk9QUVJTVFVWV1hZWltcXV5fYGFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6e3x9fn+AgYKDhIWGh4iJio"
    "uMjY6PkJGSk5SVlpeYmZqbnJ2en6ChoqOkpaanqKmqq6ytrq+wsbKztLW2t7i5uru8vb6/wMHCw8TFxsfIycrLzM3Oz9D"
    "R0tPU1dbX2Nna29zd3t/g4eLj5OXm5+jp6uvs7e7v8PHy8/T19vf4+fr7/P3+/w==";
static const char B64URL_ALL[] =
    "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0-P0BBQkNER"
    "UZHSElKS0xNTk9QUVJTVFVWV1hZWltcXV5fYGFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6e3x9fn-AgYKDhIWGh4iJio"
    "uMjY6PkJGSk5SVlpeYmZqbnJ2en6ChoqOkpaanqKmqq6ytrq-wsbKztLW2t7i5uru8vb6_wMHCw8TFxsfIycrLzM3Oz9D"
    "R0tPU1dbX2Nna29zd3t_g4eLj5OXm5-jp6uvs7e7v8PHy8_T19vf4-fr7_P3-_w==";

/* ------------------------------------------------------------------------ */
/* Decoders                                                                 */

static void test_decode__enc_names(void **state)
{
    (void)state;
    assert_string_equal(ks_enc_name(KS_ENC_BASE64), "base64");
    assert_string_equal(ks_enc_name(KS_ENC_BASE64URL), "base64url");
    assert_string_equal(ks_enc_name(KS_ENC_HEX), "hex");
    assert_string_equal(ks_enc_name(KS_ENC_PERCENT), "percent");
    assert_string_equal(ks_enc_name(KS_ENC_ESCAPE), "escape");
    assert_string_equal(ks_enc_name((ks_enc)0), "?");
}

static void test_decode__base64_rfc4648_vectors(void **state)
{
    (void)state;
    /* RFC 4648 section 10, padded and not. */
    CHECK(KS_ENC_BASE64, "", "");
    CHECK(KS_ENC_BASE64, "Zg==", "f");
    CHECK(KS_ENC_BASE64, "Zm8=", "fo");
    CHECK(KS_ENC_BASE64, "Zm9v", "foo");
    CHECK(KS_ENC_BASE64, "Zm9vYg==", "foob");
    CHECK(KS_ENC_BASE64, "Zm9vYmE=", "fooba");
    CHECK(KS_ENC_BASE64, "Zm9vYmFy", "foobar");
    CHECK(KS_ENC_BASE64, "Zg", "f");
    CHECK(KS_ENC_BASE64, "Zm8", "fo");
    CHECK(KS_ENC_BASE64, "Zm9vYg", "foob");
    CHECK(KS_ENC_BASE64, "Zm9vYmE", "fooba");
    /* base64(1): printf 'Alice:open sesame' | base64 */
    CHECK(KS_ENC_BASE64, "QWxpY2U6b3BlbiBzZXNhbWU=", "Alice:open sesame");
    CHECK(KS_ENC_BASE64URL, "Zm9vYmFy", "foobar");
}

static void test_decode__base64_all_bytes(void **state)
{
    (void)state;
    uint8_t all[256];
    for (unsigned i = 0; i < 256; i++)
        all[i] = (uint8_t)i;
    check_dec(KS_ENC_BASE64, B64_ALL, all, 256);
    check_dec(KS_ENC_BASE64URL, B64URL_ALL, all, 256);
    /* Each alphabet refuses the other's two characters. */
    check_bad(KS_ENC_BASE64, B64URL_ALL);
    check_bad(KS_ENC_BASE64URL, B64_ALL);
    /* python3: urlsafe_b64encode(fb ff bf fe 3e 3f) */
    const uint8_t sym[] = {0xfb, 0xff, 0xbf, 0xfe, 0x3e, 0x3f};
    check_dec(KS_ENC_BASE64, "+/+//j4/", sym, sizeof sym);
    check_dec(KS_ENC_BASE64URL, "-_-__j4_", sym, sizeof sym);
    check_bad(KS_ENC_BASE64, "-_-__j4_");
    check_bad(KS_ENC_BASE64URL, "+/+//j4/");
}

static void test_decode__base64_padding(void **state)
{
    (void)state;
    /* Missing padding is fine; wrong padding is not. */
    CHECK(KS_ENC_BASE64, "YWJj", "abc");
    CHECK(KS_ENC_BASE64, "YWI=", "ab");
    CHECK(KS_ENC_BASE64, "YWI", "ab");
    check_bad(KS_ENC_BASE64, "abc=d");
    check_bad(KS_ENC_BASE64, "Zg=");
    check_bad(KS_ENC_BASE64, "Zg===");
    check_bad(KS_ENC_BASE64, "Zm8==");
    check_bad(KS_ENC_BASE64, "a===");
    check_bad(KS_ENC_BASE64, "====");
    check_bad(KS_ENC_BASE64, "=");
    check_bad(KS_ENC_BASE64, "Zg==Zg==");
    check_bad(KS_ENC_BASE64, "Zm9vY");  /* 4k+1 characters */
    check_bad(KS_ENC_BASE64, "Zm9vY="); /* padding that does not make 4k */
    /* Leftover bits in the last character are ignored (as ks_base64_decode). */
    CHECK(KS_ENC_BASE64, "Zh==", "f");
}

static void test_decode__base64_invalid_characters(void **state)
{
    (void)state;
    check_bad(KS_ENC_BASE64, "Zm9v YmFy");
    check_bad(KS_ENC_BASE64, "Zm9v\nYmFy");
    check_bad(KS_ENC_BASE64, "Zm9v*mFy");
    check_bad(KS_ENC_BASE64, "Zm9v.mFy");
    check_bad(KS_ENC_BASE64, "Zm9v\x80mFy");
    check_bad(KS_ENC_BASE64URL, "Zm9v+mFy");
    check_bad(KS_ENC_BASE64, "Zm9v_mFy");
}

/* A small encoder, to compare with ks_base64_decode on many inputs. */
static size_t b64enc(char *out, const uint8_t *in, size_t n, bool pad)
{
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < n)
            v |= in[i + 2];
        size_t k = n - i >= 3 ? 4 : n - i + 1;
        for (size_t j = 0; j < k; j++)
            out[o++] = a[v >> (18 - 6 * j) & 63];
        for (size_t j = k; pad && j < 4; j++)
            out[o++] = '=';
    }
    out[o] = 0;
    return o;
}

static void test_decode__base64_matches_validate(void **state)
{
    (void)state;
    uint8_t in[200], a[200], b[200];
    char enc[300];
    srand(7);
    for (int iter = 0; iter < 2000; iter++) {
        size_t n = (size_t)rand() % sizeof in;
        for (size_t i = 0; i < n; i++)
            in[i] = (uint8_t)rand();
        size_t m = b64enc(enc, in, n, iter % 2 == 0);
        long ra = ks_decode_base64(a, sizeof a, (const uint8_t *)enc, m, false);
        long rb = ks_base64_decode(b, (const uint8_t *)enc, m);
        assert_int_equal(ra, (long)n);
        assert_int_equal(rb, ra);
        assert_memory_equal(a, in, n);
        assert_memory_equal(b, in, n);
        /* The same in the URL alphabet (ks_base64_decode takes both). */
        for (size_t i = 0; i < m; i++)
            enc[i] = enc[i] == '+' ? '-' : enc[i] == '/' ? '_' : enc[i];
        ra = ks_decode_base64(a, sizeof a, (const uint8_t *)enc, m, true);
        rb = ks_base64_decode(b, (const uint8_t *)enc, m);
        assert_int_equal(ra, (long)n);
        assert_int_equal(rb, ra);
        assert_memory_equal(a, b, n);
    }
}

static void test_decode__hex(void **state)
{
    (void)state;
    /* RFC 4648 section 10 (base16). */
    CHECK(KS_ENC_HEX, "", "");
    CHECK(KS_ENC_HEX, "66", "f");
    CHECK(KS_ENC_HEX, "666F", "fo");
    CHECK(KS_ENC_HEX, "666F6F626172", "foobar");
    /* xxd -p */
    CHECK(KS_ENC_HEX, "68656c6c6f20776f726c64", "hello world");
    CHECK(KS_ENC_HEX, "68656C6c6F", "hello");
    CHECK(KS_ENC_HEX, "00ff", "\x00\xff");
    check_bad(KS_ENC_HEX, "666");
    check_bad(KS_ENC_HEX, "6");
    check_bad(KS_ENC_HEX, "6g");
    check_bad(KS_ENC_HEX, "66 6f");
    check_bad(KS_ENC_HEX, "0x66");
}

static void test_decode__percent(void **state)
{
    (void)state;
    CHECK(KS_ENC_PERCENT, "", "");
    CHECK(KS_ENC_PERCENT, "plain", "plain");
    CHECK(KS_ENC_PERCENT, "a%20b%2Fc%2fd", "a b/c/d");
    CHECK(KS_ENC_PERCENT, "a+b", "a+b");
    CHECK(KS_ENC_PERCENT, "%00%FF", "\x00\xff");
    CHECK(KS_ENC_PERCENT, "p%40ss%3Aw0rd", "p@ss:w0rd");
    check_bad(KS_ENC_PERCENT, "abc%2");
    check_bad(KS_ENC_PERCENT, "abc%");
    check_bad(KS_ENC_PERCENT, "%zz");
    check_bad(KS_ENC_PERCENT, "%2z");
    check_bad(KS_ENC_PERCENT, "100%");
}

static void test_decode__unescape(void **state)
{
    (void)state;
    CHECK(KS_ENC_ESCAPE, "", "");
    CHECK(KS_ENC_ESCAPE, "plain \"quoted\"\n", "plain \"quoted\"\n");
    CHECK(KS_ENC_ESCAPE, "\\n\\r\\t\\b\\f\\v\\a\\e", "\n\r\t\b\f\v\a\x1b");
    CHECK(KS_ENC_ESCAPE, "\\\"\\'\\\\\\/", "\"'\\/");
    CHECK(KS_ENC_ESCAPE, "a\\0b", "a\0b");
    CHECK(KS_ENC_ESCAPE, "\\101\\60\\7\\377\\0101", "A0\a\xff\b1");
    CHECK(KS_ENC_ESCAPE, "\\x41\\x4a\\x4B\\xff", "AJK\xff");
    CHECK(KS_ENC_ESCAPE, "\\x414", "A4");
    /* python3: "é€😀".encode() */
    CHECK(KS_ENC_ESCAPE, "\\u00e9\\u20AC", "\xc3\xa9\xe2\x82\xac");
    CHECK(KS_ENC_ESCAPE, "\\u0041\\u0000", "A\0");
    CHECK(KS_ENC_ESCAPE, "\\ud83d\\ude00", "\xf0\x9f\x98\x80");
    CHECK(KS_ENC_ESCAPE, "\\U0001F600", "\xf0\x9f\x98\x80");
    CHECK(KS_ENC_ESCAPE, "\\U0010FFFF", "\xf4\x8f\xbf\xbf");
    CHECK(KS_ENC_ESCAPE, "\\U00000041", "A");
}

static void test_decode__unescape_invalid(void **state)
{
    (void)state;
    check_bad(KS_ENC_ESCAPE, "\\u12");
    check_bad(KS_ENC_ESCAPE, "ab\\u12xy");
    check_bad(KS_ENC_ESCAPE, "\\x4");
    check_bad(KS_ENC_ESCAPE, "\\x4g");
    check_bad(KS_ENC_ESCAPE, "\\U0001F60");
    check_bad(KS_ENC_ESCAPE, "trailing\\");
    check_bad(KS_ENC_ESCAPE, "\\q");
    check_bad(KS_ENC_ESCAPE, "\\d+");
    check_bad(KS_ENC_ESCAPE, "\\X41");
    check_bad(KS_ENC_ESCAPE, "\\400");
    /* Lone surrogates, and a high one followed by something else. */
    check_bad(KS_ENC_ESCAPE, "\\ud83d");
    check_bad(KS_ENC_ESCAPE, "\\ud83dx");
    check_bad(KS_ENC_ESCAPE, "\\ud83d\\u0041");
    check_bad(KS_ENC_ESCAPE, "\\ud83d\\ud83d");
    check_bad(KS_ENC_ESCAPE, "\\ude00");
    check_bad(KS_ENC_ESCAPE, "\\ude00\\ud83d");
    check_bad(KS_ENC_ESCAPE, "\\U0000D800");
    check_bad(KS_ENC_ESCAPE, "\\U00110000");
}

/* Each decoder with a capacity of exactly the output length, one short,
 * and 0: heap buffers of exactly that size, so ASan catches a write past
 * them; the return value is the whole length every time. */
static void check_caps(ks_enc e, const char *in, const char *want)
{
    size_t n = strlen(in), wn = strlen(want);
    for (size_t cap = 0; cap <= wn + 1; cap++) {
        if (cap != 0 && cap + 1 < wn && cap != wn / 2)
            continue;
        uint8_t *out = cap ? malloc(cap) : NULL;
        long r = -2;
        switch (e) {
        case KS_ENC_BASE64:
        case KS_ENC_BASE64URL:
            r = ks_decode_base64(out, cap, (const uint8_t *)in, n, e == KS_ENC_BASE64URL);
            break;
        case KS_ENC_HEX:
            r = ks_decode_hex(out, cap, (const uint8_t *)in, n);
            break;
        case KS_ENC_PERCENT:
            r = ks_decode_percent(out, cap, (const uint8_t *)in, n);
            break;
        case KS_ENC_ESCAPE:
            r = ks_unescape(out, cap, (const uint8_t *)in, n);
            break;
        }
        assert_int_equal(r, (long)wn);
        size_t got = cap < wn ? cap : wn;
        if (got)
            assert_memory_equal(out, want, got);
        free(out);
    }
}

static void test_decode__capacity(void **state)
{
    (void)state;
    check_caps(KS_ENC_BASE64, "Zm9vYmFy", "foobar");
    check_caps(KS_ENC_BASE64, "Zm9vYmE=", "fooba");
    check_caps(KS_ENC_BASE64URL, "Zm9vYg", "foob");
    check_caps(KS_ENC_HEX, "68656c6c6f", "hello");
    check_caps(KS_ENC_PERCENT, "a%20b%2F", "a b/");
    check_caps(KS_ENC_ESCAPE, "\\x41\\ud83d\\ude00\\u00e9z", "A\xf0\x9f\x98\x80\xc3\xa9z");
    /* A cut output still checks the whole input. */
    uint8_t one[1];
    assert_int_equal(ks_decode_base64(one, 1, S("Zm9v*mFy"), false), -1);
    assert_int_equal(ks_decode_hex(one, 1, S("6666g6")), -1);
    assert_int_equal(ks_decode_percent(one, 1, S("ab%2")), -1);
    assert_int_equal(ks_unescape(one, 1, S("ab\\u12")), -1);
}

static void test_decode__decoded_cap_is_enough(void **state)
{
    (void)state;
    /* The densest inputs of each kind, every length up to 64. */
    char in[80];
    for (size_t n = 0; n <= 64; n++) {
        memset(in, 'A', n);
        in[n] = 0;
        long r = ks_decode_base64(NULL, 0, (const uint8_t *)in, n, false);
        if (r >= 0)
            assert_true((size_t)r <= ks_decoded_cap(KS_ENC_BASE64, n));
        if (n % 4 != 1)
            assert_int_equal(r, (long)ks_decoded_cap(KS_ENC_BASE64, n));
        memset(in, '0', n);
        r = ks_decode_hex(NULL, 0, (const uint8_t *)in, n);
        if (n % 2 == 0)
            assert_int_equal(r, (long)ks_decoded_cap(KS_ENC_HEX, n));
        r = ks_decode_percent(NULL, 0, (const uint8_t *)in, n);
        assert_int_equal(r, (long)ks_decoded_cap(KS_ENC_PERCENT, n));
    }
    /* Escapes never grow: \U (10 bytes) gives 4, \u (6) at most 3, \0 (2) 1. */
    assert_true(ks_unescape(NULL, 0, S("\\U0010FFFF")) <= 10);
    assert_int_equal(ks_unescape(NULL, 0, S("\\uffff")), 3);
    assert_int_equal(ks_decoded_cap(KS_ENC_ESCAPE, 6), 6);
}

/* ------------------------------------------------------------------------ */
/* Worth scanning                                                           */

static void test_decode__worth_scanning(void **state)
{
    (void)state;
    assert_false(ks_decoded_worth_scanning((const uint8_t *)"", 0));
    assert_true(ks_decoded_worth_scanning(S("password=hunter2\r\n\tuser=admin")));
    assert_true(ks_decoded_worth_scanning(S("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80")));
    /* NUL: never text. */
    assert_false(ks_decoded_worth_scanning((const uint8_t *)"abc\0def", 7));
    /* 90%: one bad byte in 10 passes, two do not. */
    assert_true(ks_decoded_worth_scanning(S("abcdefghi\x01")));
    assert_false(ks_decoded_worth_scanning(S("abcdefgh\x01\x02")));
    assert_false(ks_decoded_worth_scanning(S("abcdefgh\xff\xfe")));
    /* Overlong and surrogate UTF-8 are not valid. */
    assert_false(ks_decoded_worth_scanning(S("ab\xc0\xaf\xed\xa0\x80")));
    /* Random bytes (python3 os.urandom). */
    assert_false(ks_decoded_worth_scanning(S("\x8f\x1e\xd2\x7c\x03\xb9\x55\xe1\x9a\x40\x6d\xc7")));
}

static void test_decode__worth_scanning_der(void **state)
{
    (void)state;
    /* openssl genrsa | openssl rsa -outform DER | head -c 8: 30 82 04 a4 02 01 00 02 */
    const uint8_t rsa[] = {0x30, 0x82, 0x04, 0xa4, 0x02, 0x01, 0x00, 0x02};
    assert_true(ks_decoded_worth_scanning(rsa, sizeof rsa));
    const uint8_t cert[] = {0x30, 0x82, 0x01, 0x0a, 0x30, 0x82};
    assert_true(ks_decoded_worth_scanning(cert, sizeof cert));
    const uint8_t short_form[] = {0x30, 0x81, 0x87, 0x02, 0x01, 0x00};
    assert_true(ks_decoded_worth_scanning(short_form, sizeof short_form));
    assert_true(ks_decoded_worth_scanning(rsa, 4)); /* the header alone */
    /* Lengths DER would write shorter, a wrong first tag, bytes past the end. */
    const uint8_t nonmin2[] = {0x30, 0x82, 0x00, 0x10, 0x02, 0x01};
    assert_false(ks_decoded_worth_scanning(nonmin2, sizeof nonmin2));
    const uint8_t nonmin1[] = {0x30, 0x81, 0x10, 0x02, 0x01};
    assert_false(ks_decoded_worth_scanning(nonmin1, sizeof nonmin1));
    const uint8_t tag[] = {0x30, 0x82, 0x01, 0x0a, 0x04, 0x00};
    assert_false(ks_decoded_worth_scanning(tag, sizeof tag));
    uint8_t past[0x80 + 3 + 1] = {0x30, 0x81, 0x80, 0x02};
    assert_false(ks_decoded_worth_scanning(past, sizeof past));
    assert_true(ks_decoded_worth_scanning(past, sizeof past - 1));
}

/* ------------------------------------------------------------------------ */
/* ks_find_encoded                                                          */

static void test_decode__find_base64(void **state)
{
    (void)state;
    assert_one("auth = \"QWxpY2U6b3BlbiBzZXNhbWU=\";", KS_ENC_BASE64, "QWxpY2U6b3BlbiBzZXNhbWU=");
    assert_one("x: dXNlcjpodW50ZXIyLXZlcnktc2VjcmV0LXBhc3N3b3Jk\n", KS_ENC_BASE64,
               "dXNlcjpodW50ZXIyLXZlcnktc2VjcmV0LXBhc3N3b3Jk");
    assert_one("t=-_-__j4_Zm9vYmFyYmF6\n", KS_ENC_BASE64URL, "-_-__j4_Zm9vYmFyYmF6");
    /* + / with - _ is neither alphabet. */
    assert_none("t=+/+//j4_Zm9vYmFyYmF6\n");
    /* Padding only as much as the length needs. */
    assert_one("Zm9vYmFyYmF6cXV4eA== ", KS_ENC_BASE64, "Zm9vYmFyYmF6cXV4eA==");
    assert_one("Zm9vYmFyYmF6cXV4eHk= ", KS_ENC_BASE64, "Zm9vYmFyYmF6cXV4eHk=");
    assert_one("Zm9vYmFyYmF6cXV4eA=;", KS_ENC_BASE64, "Zm9vYmFyYmF6cXV4eA");
    assert_one("Zm9vYmFyYmF6cXV4eHl6=x", KS_ENC_BASE64, "Zm9vYmFyYmF6cXV4eHl6");
}

static void test_decode__find_case_rules(void **state)
{
    (void)state;
    assert_none("some_long_snake_case_name_here");
    assert_none("SOME_LONG_CONSTANT_NAME_HERE_X");
    assert_none("/usr/local/lib/python3/site-packages");
    assert_none("12345678901234567890123456789012345");
    assert_one("path = /usr/local/lib/Python3/site ", KS_ENC_BASE64, "/usr/local/lib/Python3/site");
}

static void test_decode__find_min_length(void **state)
{
    (void)state;
    assert_none("k=\"QWxpY2U6b3Bl1iB\"");                                    /* 15 */
    assert_one("k=\"QWxpY2U6b3Bl1iBz\"", KS_ENC_BASE64, "QWxpY2U6b3Bl1iBz"); /* 16 */
    /* Padding does not count towards 16. */
    assert_none("k=\"QWxpY2U6b3BlbiB=\"");
    assert_none("QWxpY2U6b3Bl1iB");
    assert_one("QWxpY2U6b3Bl1iBz", KS_ENC_BASE64, "QWxpY2U6b3Bl1iBz");
}

static void test_decode__find_identifiers(void **state)
{
    (void)state;
    /* camelCase: letters only, few capitals. Not a candidate (and 29
     * characters would not decode anyway). */
    assert_none("thisIsALongJavaIdentifierName");
    assert_none("AbstractSingletonProxyFactoryBean.class");
    assert_none("  getUserAccountNameForDisplay();");
    /* Letters-only base64 does occur: python3 b64encode(b"aaaaaaaaaaaa"). */
    assert_one("YWFhYWFhYWFhYWFh", KS_ENC_BASE64, "YWFhYWFhYWFhYWFh");
    /* With a digit, an identifier is a candidate; decoding tells. */
    assert_one("userAccount2Name", KS_ENC_BASE64, "userAccount2Name");
}

static void test_decode__find_hex(void **state)
{
    (void)state;
    assert_one("sha=\"0123456789abcdef0123456789abcdef\"", KS_ENC_HEX,
               "0123456789abcdef0123456789abcdef");
    assert_one("0123456789ABCDEF0123456789ABCDEF01234567", KS_ENC_HEX,
               "0123456789ABCDEF0123456789ABCDEF01234567");
    /* xxd -p of a connection string. */
    assert_one("blob: 706f7374677265733a2f2f61646d696e3a7333637233744064623a353433322f617070\n",
               KS_ENC_HEX,
               "706f7374677265733a2f2f61646d696e3a7333637233744064623a353433322f617070");
    assert_none("0123456789abcdef0123456789abcde");   /* 31 */
    assert_none("0123456789abcdef0123456789abcdef0"); /* odd */
    assert_none("12345678901234567890123456789012");  /* no letter */
    /* Mixed case is neither hex nor base64 (EIP-55 addresses, ...). */
    assert_none("0123456789abcdefABCDEF0123456789abcdef");
    assert_none("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed");
    /* Hex inside a base64-alphabet run is reported alone. */
    assert_one("objects/Ab/0123456789abcdef0123456789abcdef", KS_ENC_HEX,
               "0123456789abcdef0123456789abcdef");
    assert_one("0x0123456789abcdef0123456789abcdef", KS_ENC_HEX,
               "0123456789abcdef0123456789abcdef");
    spans sp;
    const char *two = "Key_0123456789abcdef0123456789abcdef_0123456789ABCDEF0123456789ABCDEF";
    finds(two, &sp);
    assert_int_equal(sp.n, 2);
    assert_span(two, &sp, 0, KS_ENC_HEX, "0123456789abcdef0123456789abcdef");
    assert_span(two, &sp, 1, KS_ENC_HEX, "0123456789ABCDEF0123456789ABCDEF");
}

static void test_decode__find_percent(void **state)
{
    (void)state;
    assert_one("curl 'https://api.test/login?user=admin&pass=p%40ss%3Aw0rd' -X", KS_ENC_PERCENT,
               "https://api.test/login?user=admin&pass=p%40ss%3Aw0rd");
    assert_one("%41%42", KS_ENC_PERCENT, "%41%42");
    assert_none("https://api.test/a%20b");
    /* Every '%' must be an escape. */
    assert_none("a%20b%2Fc%2");
    assert_none("a%20b%2Fc%zz");
    assert_none("printf(\"%02x:%s\", a)");
    /* A URL with a base64 token and escapes is one percent span. */
    assert_one("u=https://x.test/?t=QWxpY2U6b3BlbiBzZXNhbWU%3D%3D ", KS_ENC_PERCENT,
               "u=https://x.test/?t=QWxpY2U6b3BlbiBzZXNhbWU%3D%3D");
    assert_one("u=https://x.test/?a=%20&t=QWxpY2U6b3BlbiBzZXNhbWU%3D ", KS_ENC_PERCENT,
               "u=https://x.test/?a=%20&t=QWxpY2U6b3BlbiBzZXNhbWU%3D");
}

static void test_decode__find_escape(void **state)
{
    (void)state;
    assert_one("s = \"\\x41\\x42\\x43\";", KS_ENC_ESCAPE, "\\x41\\x42\\x43");
    assert_one("{\"k\": \"\\u0041\\u0042 and \\\"more\\\"\"}", KS_ENC_ESCAPE,
               "\\u0041\\u0042 and \\\"more\\\"");
    assert_one("b = b'\\x00\\x01\\x02'", KS_ENC_ESCAPE, "\\x00\\x01\\x02");
    assert_one("w = L\"\\U0001F600\\U0001F601\"", KS_ENC_ESCAPE, "\\U0001F600\\U0001F601");
    assert_one("// don't \"\\x41\\x42\"", KS_ENC_ESCAPE, "\\x41\\x42");
    assert_none("s = \"\\x41 only one\"");
    assert_none("s = \\x41\\x42 not quoted");
    assert_none("s = \"\\x41\\x42 never closed");
    assert_none("s = \"\\x41\\x42\\d+\""); /* an escape ks_unescape refuses */
    assert_none("s = \"\\\\x41\\\\x42\""); /* escaped backslashes */
    assert_none("s = \"\\u12\\u0041\"");   /* truncated */
    /* Two strings on a line, and the one between them. */
    const char *t = "f(\"\\x41\\x42\", \"plain\", '\\u0041\\u0042')";
    spans sp;
    finds(t, &sp);
    assert_int_equal(sp.n, 2);
    assert_span(t, &sp, 0, KS_ENC_ESCAPE, "\\x41\\x42");
    assert_span(t, &sp, 1, KS_ENC_ESCAPE, "\\u0041\\u0042");
}

static void test_decode__find_nesting_outer_wins(void **state)
{
    (void)state;
    /* base64 and URL text inside an escape string: the string. */
    assert_one("x = \"QWxpY2U6b3BlbiBzZXNhbWU= \\x41\\x42\"", KS_ENC_ESCAPE,
               "QWxpY2U6b3BlbiBzZXNhbWU= \\x41\\x42");
    assert_one("x = \"%41%42\\x41\\x42\"", KS_ENC_ESCAPE, "%41%42\\x41\\x42");
    /* Outside the string, on the same line, other spans stay. */
    const char *t = "QWxpY2U6b3BlbiBzZXNhbWU= \"\\x41\\x42\" %41%42";
    spans sp;
    finds(t, &sp);
    assert_int_equal(sp.n, 3);
    assert_span(t, &sp, 0, KS_ENC_BASE64, "QWxpY2U6b3BlbiBzZXNhbWU=");
    assert_span(t, &sp, 1, KS_ENC_ESCAPE, "\\x41\\x42");
    assert_span(t, &sp, 2, KS_ENC_PERCENT, "%41%42");
}

static void test_decode__find_buffer_edges(void **state)
{
    (void)state;
    /* At the start and at the end, no line break. */
    const char *t = "QWxpY2U6b3BlbiBzZXNhbWU=\nfiller text\n0123456789abcdef0123456789abcdef";
    spans sp;
    finds(t, &sp);
    assert_int_equal(sp.n, 2);
    assert_span(t, &sp, 0, KS_ENC_BASE64, "QWxpY2U6b3BlbiBzZXNhbWU=");
    assert_int_equal(sp.s[0].start, 0);
    assert_span(t, &sp, 1, KS_ENC_HEX, "0123456789abcdef0123456789abcdef");
    assert_int_equal(sp.s[1].start + sp.s[1].len, strlen(t));
    assert_one("\"\\x41\\x42\"", KS_ENC_ESCAPE, "\\x41\\x42");
    assert_one("%41%42", KS_ENC_PERCENT, "%41%42");
    assert_none("");
    assert_int_equal(ks_find_encoded(NULL, 0, collect, &sp), 0);
}

static void test_decode__find_adjacent(void **state)
{
    (void)state;
    /* A JWT (jwt.io's example): three base64url runs split by dots. */
    const char *jwt =
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6Ikpv"
        "aG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
    spans sp;
    finds(jwt, &sp);
    assert_int_equal(sp.n, 3);
    assert_span(jwt, &sp, 0, KS_ENC_BASE64, "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9");
    assert_span(jwt, &sp, 1, KS_ENC_BASE64,
                "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ");
    assert_span(jwt, &sp, 2, KS_ENC_BASE64URL, "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c");
    /* Padding then the next run at once. */
    const char *pad = "QWxpY2U6b3BlbiBzZXNhbWU=QWxpY2U6b3BlbiBzZXNhbWU=";
    finds(pad, &sp);
    assert_int_equal(sp.n, 2);
    assert_span(pad, &sp, 0, KS_ENC_BASE64, "QWxpY2U6b3BlbiBzZXNhbWU=");
    assert_span(pad, &sp, 1, KS_ENC_BASE64, "QWxpY2U6b3BlbiBzZXNhbWU=");
    /* Different kinds side by side. */
    const char *mix = "0123456789abcdef0123456789abcdef:QWxpY2U6b3BlbiBzZXNhbWU=\"\\x41\\x42\"";
    finds(mix, &sp);
    assert_int_equal(sp.n, 3);
    assert_span(mix, &sp, 0, KS_ENC_HEX, "0123456789abcdef0123456789abcdef");
    assert_span(mix, &sp, 1, KS_ENC_BASE64, "QWxpY2U6b3BlbiBzZXNhbWU=");
    assert_span(mix, &sp, 2, KS_ENC_ESCAPE, "\\x41\\x42");
}

static void test_decode__find_long_runs(void **state)
{
    (void)state;
    /* 70 KiB of base64: a blob, not a candidate; 64 KiB exactly is one. */
    size_t big = 70 * 1024;
    char *t = malloc(big + 64);
    assert_non_null(t);
    for (size_t i = 0; i < big; i++)
        t[i] = "Ab0+"[i % 4];
    spans sp;
    find(t, big, &sp);
    assert_int_equal(sp.n, 0);
    find(t, KS_DECODE_MAX_RUN, &sp);
    assert_int_equal(sp.n, 1);
    assert_int_equal(sp.s[0].len, KS_DECODE_MAX_RUN);
    find(t, KS_DECODE_MAX_RUN + 1, &sp);
    assert_int_equal(sp.n, 0);
    /* Hex inside a long run is not a candidate either. */
    memcpy(t + 1000, "0123456789abcdef0123456789abcdef", 32);
    find(t, big, &sp);
    assert_int_equal(sp.n, 0);
    /* After the long run, on the next line, a candidate. */
    memcpy(t + big, "\nQWxpY2U6b3BlbiBzZXNhbWU=", 25);
    find(t, big + 25, &sp);
    assert_int_equal(sp.n, 1);
    assert_int_equal(sp.s[0].start, big + 1);
    free(t);
}

static void test_decode__find_every_offset(void **state)
{
    (void)state;
    /* Each candidate at every offset across two 64-byte chunks and across
     * the end of a batch of 32 chunks, in filler of short words, at the end
     * of the buffer and not. */
    const char *cands[] = {"QWxpY2U6b3BlbiBzZXNhbWU=", "0123456789abcdef0123456789abcdef", "%41%42",
                           "\"\\x41\\x42\"", "Ab0+Ab0+Ab0+Ab0+"};
    const ks_enc encs[] = {KS_ENC_BASE64, KS_ENC_HEX, KS_ENC_PERCENT, KS_ENC_ESCAPE, KS_ENC_BASE64};
    static char buf[2400];
    for (size_t c = 0; c < sizeof cands / sizeof *cands; c++) {
        size_t cl = strlen(cands[c]);
        for (size_t off = 0; off < 2200; off = off == 140 ? 1980 : off + 1) {
            for (size_t i = 0; i < off; i++)
                buf[i] = i % 5 == 4 ? ' ' : "ab1_"[i % 4];
            if (off > 0)
                buf[off - 1] = ' ';
            memcpy(buf + off, cands[c], cl);
            for (int tail = 0; tail < 2; tail++) {
                size_t n = off + cl;
                if (tail) {
                    memcpy(buf + n, " and more words (here) to 0x7;\n", 31);
                    n += 31;
                }
                spans sp;
                find(buf, n, &sp);
                if (sp.n != 1)
                    fail_msg("%s at %zu: %zu spans", cands[c], off, sp.n);
                size_t q = encs[c] == KS_ENC_ESCAPE;
                assert_int_equal(sp.s[0].enc, encs[c]);
                assert_int_equal(sp.s[0].start, off + q);
                assert_int_equal(sp.s[0].len, cl - 2 * q);
            }
        }
    }
}

static void test_decode__find_stops(void **state)
{
    (void)state;
    const char *t = "QWxpY2U6b3BlbiBzZXNhbWU= QWxpY2U6b3BlbiBzZXNhbWU= QWxpY2U6b3BlbiBzZXNhbWU=";
    spans sp;
    sp.n = 0;
    sp.stop_after = 2;
    assert_int_equal(ks_find_encoded((const uint8_t *)t, strlen(t), collect, &sp), 7);
    assert_int_equal(sp.n, 2);
}

static int decode_span(const uint8_t *d, const ks_span *s, uint8_t *out, size_t cap)
{
    const uint8_t *in = d + s->start;
    switch (s->enc) {
    case KS_ENC_BASE64:
    case KS_ENC_BASE64URL:
        return (int)ks_decode_base64(out, cap, in, s->len, s->enc == KS_ENC_BASE64URL);
    case KS_ENC_HEX:
        return (int)ks_decode_hex(out, cap, in, s->len);
    case KS_ENC_PERCENT:
        return (int)ks_decode_percent(out, cap, in, s->len);
    case KS_ENC_ESCAPE:
        return (int)ks_unescape(out, cap, in, s->len);
    }
    return -1;
}

static void test_decode__find_then_decode(void **state)
{
    (void)state;
    /* The whole path: find, decode, judge. Each of these hides text. */
    const char *t = "a: cGFzc3dvcmQ9aHVudGVyMg==\n"
                    "b: 706f7374677265733a2f2f61646d696e3a7333637233744064623a353433322f617070\n"
                    "c: https://x.test/?p=s3cr%33t%21\n"
                    "d: \"\\u0070\\u0077=\\x68\\x75nter2\"\n"
                    "e: Q2ZYiRkvqMPhLcEWaNbTuKXAJzgfmoB3\n"; /* random: not text */
    const char *want[] = {"password=hunter2", "postgres://admin:s3cr3t@db:5432/app",
                          "https://x.test/?p=s3cr3t!", "pw=hunter2"};
    spans sp;
    finds(t, &sp);
    assert_int_equal(sp.n, 5);
    uint8_t out[128];
    for (size_t i = 0; i < 4; i++) {
        int r = decode_span((const uint8_t *)t, &sp.s[i], out, sizeof out);
        assert_int_equal(r, (int)strlen(want[i]));
        assert_memory_equal(out, want[i], (size_t)r);
        assert_true(ks_decoded_worth_scanning(out, (size_t)r));
    }
    int r = decode_span((const uint8_t *)t, &sp.s[4], out, sizeof out);
    assert_int_equal(r, 24);
    assert_false(ks_decoded_worth_scanning(out, (size_t)r));
}

/* ------------------------------------------------------------------------ */
/* The reference: the definition in decode.h, written for clarity           */

static bool r_b64(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/' || c == '-' || c == '_';
}

static bool r_hex(uint8_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool r_url(uint8_t c)
{
    return c != 0 && ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      strchr("-._~:/?#@!$&*+,;=%", c));
}

static bool r_alnum(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

typedef struct rspans {
    ks_span s[4096];
    size_t n;
} rspans;

static void r_add(rspans *r, size_t start, size_t len, ks_enc enc)
{
    assert_true(r->n < 4096);
    r->s[r->n++] = (ks_span){start, len, enc};
}

/* Hex runs of 32+ in d[s..e): adds the candidates; whether any run was
 * that long. */
static bool r_hex_runs(const uint8_t *d, size_t s, size_t e, rspans *out)
{
    bool any = false;
    size_t i = s;
    while (i < e) {
        if (!r_hex(d[i])) {
            i++;
            continue;
        }
        size_t a = i;
        while (i < e && r_hex(d[i]))
            i++;
        if (i - a < 32)
            continue;
        any = true;
        bool up = false, lw = false;
        for (size_t k = a; k < i; k++) {
            up |= d[k] >= 'A' && d[k] <= 'F';
            lw |= d[k] >= 'a' && d[k] <= 'f';
        }
        if ((i - a) % 2 == 0 && up != lw && out)
            r_add(out, a, i - a, KS_ENC_HEX);
    }
    return any;
}

static void r_tokens(const uint8_t *d, size_t s, size_t e, rspans *out)
{
    size_t i = s;
    while (i < e) {
        if (!r_b64(d[i])) {
            i++;
            continue;
        }
        size_t a = i;
        while (i < e && r_b64(d[i]))
            i++;
        size_t len = i - a;
        if (len < 16 || len > KS_DECODE_MAX_RUN)
            continue;
        rspans hex;
        hex.n = 0;
        if (r_hex_runs(d, a, i, &hex)) {
            for (size_t k = 0; k < hex.n; k++)
                r_add(out, hex.s[k].start, hex.s[k].len, KS_ENC_HEX);
            continue;
        }
        size_t up = 0, lw = 0;
        bool digit = false, std = false, url = false;
        for (size_t k = a; k < i; k++) {
            up += d[k] >= 'A' && d[k] <= 'Z';
            lw += d[k] >= 'a' && d[k] <= 'z';
            digit |= d[k] >= '0' && d[k] <= '9';
            std |= d[k] == '+' || d[k] == '/';
            url |= d[k] == '-' || d[k] == '_';
        }
        if (!up || !lw || (std && url))
            continue;
        if (!digit && !std && !url && (up < lw ? up : lw) * 4 < up + lw)
            continue;
        size_t need = len % 4 == 2 ? 2 : len % 4 == 3 ? 1 : 0, pad = 0;
        while (pad < need && i + pad < e && d[i + pad] == '=')
            pad++;
        if (pad < need)
            pad = 0;
        r_add(out, a, len + pad, url ? KS_ENC_BASE64URL : KS_ENC_BASE64);
        i += pad;
    }
}

/* Pieces of a line outside escape strings: URL runs, then tokens. */
static void r_plain(const uint8_t *d, size_t s, size_t e, rspans *out)
{
    size_t i = s;
    while (i < e) {
        if (!r_url(d[i])) {
            i++;
            continue;
        }
        size_t a = i;
        while (i < e && r_url(d[i]))
            i++;
        size_t escs = 0;
        bool bad = false;
        for (size_t k = a; k < i; k++) {
            if (d[k] != '%')
                continue;
            if (k + 2 < i && r_hex(d[k + 1]) && r_hex(d[k + 2]))
                escs++;
            else
                bad = true;
        }
        if (escs >= 2 && !bad && i - a <= KS_DECODE_MAX_RUN)
            r_add(out, a, i - a, KS_ENC_PERCENT);
        else
            r_tokens(d, a, i, out);
    }
}

/* The length of a well-shaped escape at d[j], or 0; *xu for \x \u \U. */
static size_t r_escape(const uint8_t *d, size_t j, size_t e, bool *xu)
{
    *xu = false;
    if (j + 1 >= e)
        return 0;
    uint8_t c = d[j + 1];
    if (strchr("nrtbfvae\"'\\/", c) && c)
        return 2;
    if (c >= '0' && c <= '7') {
        size_t k = j + 1;
        unsigned v = 0;
        while (k < e && k < j + 4 && d[k] >= '0' && d[k] <= '7')
            v = v * 8 + (unsigned)(d[k++] - '0');
        return v <= 255 ? k - j : 0;
    }
    size_t nd = c == 'x' ? 2 : c == 'u' ? 4 : c == 'U' ? 8 : 0;
    if (!nd || j + 2 + nd > e)
        return 0;
    for (size_t k = 0; k < nd; k++)
        if (!r_hex(d[j + 2 + k]))
            return 0;
    *xu = true;
    return 2 + nd;
}

static void r_line(const uint8_t *d, size_t ls, size_t le, rspans *out)
{
    size_t cur = ls, i = ls;
    bool dead[2] = {false, false};
    while (i < le) {
        uint8_t q = d[i];
        if ((q != '"' && q != '\'') || dead[q == '\'']) {
            i++;
            continue;
        }
        bool opens = true;
        if (i > ls && d[i - 1] == '\\') {
            opens = false;
        } else if (i > ls && r_alnum(d[i - 1])) {
            size_t k = i;
            while (k > ls && r_alnum(d[k - 1]))
                k--;
            opens = i - k <= 2;
            for (size_t m = k; m < i; m++)
                opens &= strchr("bBrRuUfFL8", d[m]) != NULL;
        }
        if (!opens) {
            i++;
            continue;
        }
        size_t j = i + 1, xus = 0;
        bool ok = true;
        while (j < le && d[j] != q) {
            if (d[j] != '\\') {
                j++;
                continue;
            }
            bool xu;
            size_t k = r_escape(d, j, le, &xu);
            ok &= k > 0;
            xus += xu;
            j += k ? k : 2;
        }
        if (j >= le) {
            dead[q == '\''] = true;
            i++;
            continue;
        }
        if (ok && xus >= 2 && j - i - 1 <= KS_DECODE_MAX_RUN) {
            r_plain(d, cur, i + 1, out);
            r_add(out, i + 1, j - i - 1, KS_ENC_ESCAPE);
            cur = j;
        }
        i = j + 1;
    }
    r_plain(d, cur, le, out);
}

static void r_find(const uint8_t *d, size_t n, rspans *out)
{
    out->n = 0;
    size_t ls = 0;
    while (ls <= n) {
        const uint8_t *nl = memchr(d + ls, '\n', n - ls);
        size_t le = nl ? (size_t)(nl - d) : n;
        r_line(d, ls, le, out);
        ls = le + 1;
    }
}

static void compare_with_reference(const uint8_t *d, size_t n)
{
    static rspans want;
    static spans got;
    r_find(d, n, &want);
    find(d, n, &got);
    size_t k = 0;
    for (; k < want.n && k < got.n; k++)
        if (want.s[k].start != got.s[k].start || want.s[k].len != got.s[k].len ||
            want.s[k].enc != got.s[k].enc)
            break;
    if (k == want.n && k == got.n)
        return;
    fprintf(stderr, "input (%zu bytes): \"", n);
    for (size_t i = 0; i < n && i < 600; i++)
        fprintf(stderr, d[i] >= 0x20 && d[i] < 0x7f && d[i] != '"' ? "%c" : "\\x%02x", d[i]);
    fprintf(stderr, "\"\n");
    if (k < want.n)
        fprintf(stderr, "want %s @%zu+%zu\n", ks_enc_name(want.s[k].enc), want.s[k].start,
                want.s[k].len);
    if (k < got.n)
        fprintf(stderr, "got  %s @%zu+%zu\n", ks_enc_name(got.s[k].enc), got.s[k].start,
                got.s[k].len);
    fail_msg("span %zu differs: %zu spans wanted, %zu found", k, want.n, got.n);
}

static uint64_t rng_state;

static uint32_t rnd(void)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(rng_state >> 33);
}

/* Random text built from pieces that make and break candidates. */
static size_t random_text(uint8_t *buf, size_t cap)
{
    static const char *const pieces[] = {
        "\n",       " ",      "\"",      "'",           "\\",
        "%",        "=",      "==",      ".",           "/",
        "+",        "-",      "_",       "(",           "x",
        "u",        "\\x41",  "\\u00e9", "\\U0001F600", "\\ud83d\\ude00",
        "\\n",      "\\\\",   "\\q",     "%20",         "%2F",
        "%2",       "%zz",    "it's",    "b'",          "u8\"",
        "0x",       "ABCDEF", "abcdef",  "0123456789",  "Zz",
        "\xc3\xa9", "\x80",   "\t"};
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_";
    size_t n = 0, want = rnd() % cap;
    while (n < want) {
        unsigned kind = rnd() % 10;
        if (kind < 5) {
            const char *p = pieces[rnd() % (sizeof pieces / sizeof *pieces)];
            size_t l = strlen(p);
            if (n + l > cap)
                break;
            memcpy(buf + n, p, l);
            n += l;
        } else if (kind < 8) {
            /* A run of base64 letters and digits, sometimes with symbols. */
            size_t l = 8 + rnd() % 40, alpha = rnd() % 2 ? 62 : rnd() % 2 ? 64 : 66;
            for (size_t i = 0; i < l && n < cap; i++)
                buf[n++] = (uint8_t)b64[alpha == 66 && rnd() % 2 ? 62 + rnd() % 4 : rnd() % alpha];
        } else {
            /* A run of hex digits, one case or two. */
            size_t l = 28 + rnd() % 10;
            unsigned cs = rnd() % 3;
            for (size_t i = 0; i < l && n < cap; i++) {
                char c = "0123456789abcdef"[rnd() % 16];
                if (c > '9' && (cs == 1 || (cs == 2 && rnd() % 8 == 0)))
                    c = (char)(c - 32);
                buf[n++] = (uint8_t)c;
            }
        }
    }
    return n;
}

static void test_decode__find_matches_reference(void **state)
{
    (void)state;
    /* Mostly short texts; some past a batch of chunks (2 KiB). */
    static uint8_t buf[6000];
    rng_state = 20240611;
    for (int iter = 0; iter < 30000; iter++) {
        size_t n = random_text(buf, iter % 20 == 0 ? sizeof buf : iter % 10 == 0 ? 1200 : 200);
        compare_with_reference(buf, n);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode__enc_names),
        cmocka_unit_test(test_decode__base64_rfc4648_vectors),
        cmocka_unit_test(test_decode__base64_all_bytes),
        cmocka_unit_test(test_decode__base64_padding),
        cmocka_unit_test(test_decode__base64_invalid_characters),
        cmocka_unit_test(test_decode__base64_matches_validate),
        cmocka_unit_test(test_decode__hex),
        cmocka_unit_test(test_decode__percent),
        cmocka_unit_test(test_decode__unescape),
        cmocka_unit_test(test_decode__unescape_invalid),
        cmocka_unit_test(test_decode__capacity),
        cmocka_unit_test(test_decode__decoded_cap_is_enough),
        cmocka_unit_test(test_decode__worth_scanning),
        cmocka_unit_test(test_decode__worth_scanning_der),
        cmocka_unit_test(test_decode__find_base64),
        cmocka_unit_test(test_decode__find_case_rules),
        cmocka_unit_test(test_decode__find_min_length),
        cmocka_unit_test(test_decode__find_identifiers),
        cmocka_unit_test(test_decode__find_hex),
        cmocka_unit_test(test_decode__find_percent),
        cmocka_unit_test(test_decode__find_escape),
        cmocka_unit_test(test_decode__find_nesting_outer_wins),
        cmocka_unit_test(test_decode__find_buffer_edges),
        cmocka_unit_test(test_decode__find_adjacent),
        cmocka_unit_test(test_decode__find_long_runs),
        cmocka_unit_test(test_decode__find_every_offset),
        cmocka_unit_test(test_decode__find_stops),
        cmocka_unit_test(test_decode__find_then_decode),
        cmocka_unit_test(test_decode__find_matches_reference),
    };
    return cmocka_run_group_tests_name("decode", tests, NULL, NULL);
}
