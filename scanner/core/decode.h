/*
 * decode.h - encoded spans of text: decoding base64, hex, percent-encoding
 * and string escapes, and finding the spans of a text buffer worth
 * decoding, so the scanner can look for secrets inside them.
 *
 * Pure functions: no global state, no allocation, safe from any number of
 * threads. The caller owns every buffer; a decoder writes only into the
 * (out, cap) it is given.
 *
 * One level only. A decoded span may itself hold an encoded span (base64
 * of percent-encoded text, escapes inside base64, ...), and nothing here
 * stops a caller from decoding the same bytes forever: finding spans in
 * decoded output, and bounding the depth and the total size of that
 * nesting, is the caller's business.
 */
#ifndef KS_DECODE_H
#define KS_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum ks_enc {
    KS_ENC_BASE64 = 1, /* RFC 4648 section 4: A-Z a-z 0-9 + / */
    KS_ENC_BASE64URL,  /* RFC 4648 section 5: A-Z a-z 0-9 - _ */
    KS_ENC_HEX,        /* two hex digits a byte, either case */
    KS_ENC_PERCENT,    /* RFC 3986 %XX; other bytes as they are */
    KS_ENC_ESCAPE,     /* backslash escapes of JSON, C, Java, Python, JavaScript */
} ks_enc;

/* "base64", "base64url", "hex", "percent", "escape"; "?" for anything else. */
const char *ks_enc_name(ks_enc e);

/*
 * The decoders. Each decodes in[0..n) and returns the length of the whole
 * decoded output, or -1 when the input is not a valid, complete encoding of
 * its kind. It writes the first min(length, cap) bytes of that output to
 * out and never more, so a return value greater than cap means the output
 * was cut (as with snprintf); out may be NULL when cap is 0, to ask for the
 * length. The input is checked to its end whatever cap is. A buffer of
 * ks_decoded_cap(enc, n) bytes is always enough.
 */

/* Base64 (url false: + and /) or base64url (url true: - and _); the other
 * alphabet's two characters are invalid, as are whitespace and line breaks.
 * Padding is optional, but when present it must be one or two '=' that make
 * the length a multiple of 4 ("abc=" and "abc" are valid, "abc==", "ab=" and
 * "abc=d" are not); a length of 4k+1 is invalid. Bits left over in the last
 * character are ignored, as most decoders do. On valid standard base64 the
 * result is that of ks_base64_decode (engine/validate.h). */
long ks_decode_base64(uint8_t *out, size_t cap, const uint8_t *in, size_t n, bool url);

/* Hex digits in pairs, upper, lower or mixed case; an odd length or any
 * other character is invalid. */
long ks_decode_hex(uint8_t *out, size_t cap, const uint8_t *in, size_t n);

/* %XX becomes the byte XX (either case); every other byte, '+' included, is
 * kept as it is (RFC 3986, not HTML forms). A '%' not followed by two hex
 * digits is invalid. */
long ks_decode_percent(uint8_t *out, size_t cap, const uint8_t *in, size_t n);

/* Backslash escapes, the union of JSON, C, Java, Python and JavaScript:
 *   \n \r \t \b \f \v \a \e \0 \" \' \\ \/    the usual control bytes and
 *                                             characters
 *   \ooo      one to three octal digits, at most \377: one byte
 *   \xHH      exactly two hex digits: the byte HH (C and Python bytes; not
 *             the code point U+00HH of Python str and JavaScript)
 *   \uHHHH    a code point as UTF-8; a high surrogate must be followed by
 *             \u and a low surrogate (the pair becomes one 4-byte
 *             sequence), and a lone surrogate of either kind is invalid
 *   \UHHHHHHHH  a code point up to 10FFFF, not a surrogate, as UTF-8
 * Any other escape, a truncated one ("\u12", "\x4", a trailing '\') is
 * invalid. Bytes outside escapes, quotes and line breaks included, are
 * kept as they are. */
long ks_unescape(uint8_t *out, size_t cap, const uint8_t *in, size_t n);

/* An output capacity that is always enough to decode n input bytes of
 * encoding e (never more than n). */
size_t ks_decoded_cap(ks_enc e, size_t n);

/*
 * Whether decoded bytes are worth a scan:
 *  - text: no NUL, and at least 90% of the bytes printable ASCII, tab, CR,
 *    LF or part of a valid UTF-8 sequence; or
 *  - the start of a DER object as keys and certificates begin: 0x30 0x81
 *    with a length of 0x80-0xFF, or 0x30 0x82 with a length of
 *    0x100-0xFFFF (the forms DER requires for those lengths), then, if
 *    present, INTEGER (0x02) or SEQUENCE (0x30), and no bytes after the
 *    object's end (a prefix of the object is enough: one line of a PEM).
 * Nothing (n == 0) is not worth scanning.
 */
bool ks_decoded_worth_scanning(const uint8_t *d, size_t n);

/* A candidate span: d[start .. start+len) is text in encoding enc. */
typedef struct ks_span {
    size_t start, len;
    ks_enc enc;
} ks_span;

/* Called for each span; a non-zero return stops the search. */
typedef int (*ks_span_fn)(void *payload, const ks_span *s);

/* Candidates are at most this long: a longer run is a data blob or a
 * minified bundle, not a secret. */
#define KS_DECODE_MAX_RUN (64u * 1024u)

/*
 * Calls fn for each candidate span of d[0..n), in order of start, never
 * overlapping. A span never crosses a line break. The candidates:
 *
 *  base64, base64url: a maximal run of A-Z a-z 0-9 + / - _ of 16 or more
 *    characters (not counting padding) that mixes upper and lower case
 *    letters, holds no run of 32 or more hex digits, and does not mix + /
 *    with - _. A run that holds long hex ("objects/ab/<sha1>",
 *    "0x<digest>") is reported as its hex candidates, if any: random base64
 *    never has 32 hex digits in a row. With - or _ it is base64url,
 *    otherwise base64. The '=' padding after it is part of the span when it
 *    is exactly what the run's length needs. A run of letters only is a
 *    candidate when at least a quarter of its letters are upper case and a
 *    quarter lower case: base64 without a digit or symbol is rare but
 *    occurs (base64 of lower-case text), and a camelCase identifier such as
 *    thisIsALongJavaIdentifierName (6 capitals of 29) is not one.
 *  hex: a maximal run of hex digits of 32 or more, of even length, all its
 *    letters one case, with at least one letter (a long decimal number is
 *    not hex).
 *  percent: a maximal run of URL characters (A-Z a-z 0-9 - . _ ~ : / ? # @
 *    ! $ & * + , ; = %) holding at least two %XX escapes, every '%' in it
 *    followed by two hex digits.
 *  escape: the contents (without the quotes) of a "..." or '...' string
 *    that opens and closes on one line, holds at least two \xHH, \uHHHH or
 *    \UHHHHHHHH escapes and only escapes ks_unescape knows the shape of. A
 *    quote after a letter or digit (don't) does not open a string, unless
 *    the letters are a string prefix (b"", r'', u8"", L"", f"").
 *
 * A run of the base64 alphabet longer than KS_DECODE_MAX_RUN is not a
 * candidate, nor is hex inside it; URL text or a string longer than that
 * is not one either, but the runs inside it can be. Where candidates would
 * nest, the outer one is reported: an escape string over the URL text and
 * base64 inside it, URL text over the base64 inside it. The inner ones are
 * found by a search of the decoded output (see the top of this file). A
 * span is a candidate by its shape: decoding it may still fail (a base64
 * run of 4k+1 characters, a lone surrogate), and the caller decides with
 * ks_decoded_worth_scanning what to scan.
 *
 * Returns 0 after the last span, or the non-zero value fn returned. Looks
 * at each byte a small constant number of times: SSE2 where the compiler
 * targets it (all of x86-64), AVX2 where the CPU has it, portable C
 * elsewhere; all give the same spans. d[0..n) is only read.
 */
int ks_find_encoded(const uint8_t *d, size_t n, ks_span_fn fn, void *payload);

#endif
