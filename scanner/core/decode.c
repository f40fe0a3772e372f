/*
 * decode.c - the decoders of decode.h: plain loops, run on candidate spans
 * (which are rare), and the judgement of what a decoding is worth
 * scanning. The search for candidate spans, which runs on every byte of
 * every text file, is encfind.c.
 */
#include "decode.h"
#include "decode_text.h"

#include <limits.h>
#include <string.h>

const char *ks_enc_name(ks_enc e)
{
    switch (e) {
    case KS_ENC_BASE64:
        return "base64";
    case KS_ENC_BASE64URL:
        return "base64url";
    case KS_ENC_HEX:
        return "hex";
    case KS_ENC_PERCENT:
        return "percent";
    case KS_ENC_ESCAPE:
        return "escape";
    }
    return "?";
}

/* ------------------------------------------------------------------------ */
/* Decoders                                                                 */

/* Appends a byte to a capped output. */
static inline void put(uint8_t *out, size_t cap, size_t *o, uint8_t b)
{
    if (*o < cap)
        out[*o] = b;
    (*o)++;
}

static int b64val(uint8_t c, bool url)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == (url ? '-' : '+'))
        return 62;
    if (c == (url ? '_' : '/'))
        return 63;
    return -1;
}

long ks_decode_base64(uint8_t *out, size_t cap, const uint8_t *in, size_t n, bool url)
{
    size_t pad = 0;
    while (pad < n && in[n - 1 - pad] == '=')
        pad++;
    if (pad > 0 && (pad > 2 || n % 4 != 0))
        return -1;
    size_t m = n - pad;
    if (m % 4 == 1 || m / 4 * 3 > (size_t)LONG_MAX - 2)
        return -1;
    uint32_t acc = 0;
    unsigned bits = 0;
    size_t o = 0;
    for (size_t i = 0; i < m; i++) {
        int v = b64val(in[i], url);
        if (v < 0)
            return -1;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            put(out, cap, &o, (uint8_t)(acc >> bits));
        }
    }
    return (long)o;
}

long ks_decode_hex(uint8_t *out, size_t cap, const uint8_t *in, size_t n)
{
    if (n % 2 != 0 || n / 2 > (size_t)LONG_MAX)
        return -1;
    size_t o = 0;
    for (size_t i = 0; i < n; i += 2) {
        int hi = hexval(in[i]), lo = hexval(in[i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        put(out, cap, &o, (uint8_t)(hi << 4 | lo));
    }
    return (long)o;
}

long ks_decode_percent(uint8_t *out, size_t cap, const uint8_t *in, size_t n)
{
    if (n > (size_t)LONG_MAX)
        return -1;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (in[i] != '%') {
            put(out, cap, &o, in[i]);
            continue;
        }
        if (n - i < 3)
            return -1;
        int hi = hexval(in[i + 1]), lo = hexval(in[i + 2]);
        if (hi < 0 || lo < 0)
            return -1;
        put(out, cap, &o, (uint8_t)(hi << 4 | lo));
        i += 2;
    }
    return (long)o;
}

static void put_utf8(uint8_t *out, size_t cap, size_t *o, uint32_t cp)
{
    if (cp < 0x80) {
        put(out, cap, o, (uint8_t)cp);
    } else if (cp < 0x800) {
        put(out, cap, o, (uint8_t)(0xC0 | cp >> 6));
        put(out, cap, o, (uint8_t)(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        put(out, cap, o, (uint8_t)(0xE0 | cp >> 12));
        put(out, cap, o, (uint8_t)(0x80 | (cp >> 6 & 0x3F)));
        put(out, cap, o, (uint8_t)(0x80 | (cp & 0x3F)));
    } else {
        put(out, cap, o, (uint8_t)(0xF0 | cp >> 18));
        put(out, cap, o, (uint8_t)(0x80 | (cp >> 12 & 0x3F)));
        put(out, cap, o, (uint8_t)(0x80 | (cp >> 6 & 0x3F)));
        put(out, cap, o, (uint8_t)(0x80 | (cp & 0x3F)));
    }
}

long ks_unescape(uint8_t *out, size_t cap, const uint8_t *in, size_t n)
{
    if (n > (size_t)LONG_MAX)
        return -1;
    size_t o = 0;
    size_t i = 0;
    while (i < n) {
        if (in[i] != '\\') {
            put(out, cap, &o, in[i++]);
            continue;
        }
        if (n - i < 2)
            return -1;
        uint8_t c = in[i + 1];
        int s = simple_escape(c);
        if (s >= 0) {
            put(out, cap, &o, (uint8_t)s);
            i += 2;
            continue;
        }
        if (c >= '0' && c <= '7') {
            unsigned v = 0;
            size_t k = i + 1;
            while (k < n && k < i + 4 && in[k] >= '0' && in[k] <= '7')
                v = v * 8 + (unsigned)(in[k++] - '0');
            if (v > 0377)
                return -1;
            put(out, cap, &o, (uint8_t)v);
            i = k;
            continue;
        }
        size_t nd = escape_digits(c);
        if (nd == 0 || n - i - 2 < nd)
            return -1;
        int64_t v = hexnum(in + i + 2, nd);
        if (v < 0)
            return -1;
        i += 2 + nd;
        if (c == 'x') {
            put(out, cap, &o, (uint8_t)v);
            continue;
        }
        uint32_t cp = (uint32_t)v;
        if (c == 'u' && cp >= 0xD800 && cp <= 0xDBFF) {
            /* A high surrogate: the low one must follow as \uDC00-\uDFFF. */
            if (n - i < 6 || in[i] != '\\' || in[i + 1] != 'u')
                return -1;
            int64_t lo = hexnum(in + i + 2, 4);
            if (lo < 0xDC00 || lo > 0xDFFF)
                return -1;
            cp = 0x10000 + ((cp - 0xD800) << 10) + ((uint32_t)lo - 0xDC00);
            i += 6;
        } else if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
            return -1;
        }
        put_utf8(out, cap, &o, cp);
    }
    return (long)o;
}

size_t ks_decoded_cap(ks_enc e, size_t n)
{
    switch (e) {
    case KS_ENC_BASE64:
    case KS_ENC_BASE64URL:
        return n / 4 * 3 + n % 4 * 3 / 4;
    case KS_ENC_HEX:
        return n / 2;
    case KS_ENC_PERCENT:
    case KS_ENC_ESCAPE:
        return n;
    }
    return n;
}

/* ------------------------------------------------------------------------ */
/* Worth scanning                                                           */

/* The length of the valid UTF-8 sequence (2-4 bytes) at d[0..n), or 0
 * (RFC 3629: no overlong forms, no surrogates, nothing above 10FFFF). */
static size_t utf8_len(const uint8_t *d, size_t n)
{
    uint8_t c = d[0];
    size_t len;
    uint8_t lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else {
        return 0;
    }
    if (n < len || d[1] < lo || d[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if (d[i] < 0x80 || d[i] > 0xBF)
            return 0;
    return len;
}

static bool der_like(const uint8_t *d, size_t n)
{
    if (n < 3 || d[0] != 0x30)
        return false;
    size_t hdr, len;
    if (d[1] == 0x81) {
        hdr = 3;
        len = d[2];
        if (len < 0x80)
            return false;
    } else if (d[1] == 0x82 && n >= 4) {
        hdr = 4;
        len = (size_t)d[2] << 8 | d[3];
        if (len < 0x100)
            return false;
    } else {
        return false;
    }
    if (n > hdr && d[hdr] != 0x02 && d[hdr] != 0x30)
        return false;
    return n <= hdr + len;
}

bool ks_decoded_worth_scanning(const uint8_t *d, size_t n)
{
    if (n == 0)
        return false;
    if (der_like(d, n))
        return true;
    size_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = d[i];
        if ((c >= 0x20 && c < 0x7F) || c == '\t' || c == '\n' || c == '\r')
            continue;
        if (c == 0)
            return false;
        size_t k = c >= 0x80 ? utf8_len(d + i, n - i) : 0;
        if (k > 0)
            i += k - 1;
        else if (++bad > n / 10)
            return false; /* binary: most decoded spans are, and end here early */
    }
    return true;
}
