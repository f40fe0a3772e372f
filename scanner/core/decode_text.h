/*
 * decode_text.h - the character classes and escape tables that the
 * decoders (decode.c) and the search for encoded spans (encfind.c) share.
 * Internal to scanner/core.
 */
#ifndef KS_DECODE_TEXT_H
#define KS_DECODE_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------------------ */
/* Character classes                                                        */

/* One table of classes, written out by the macros from their definitions. */
enum { C_B64 = 1, C_HEX = 2, C_URL = 4, C_HEXU = 8, C_HEXL = 16 };

#define IN(c, a, b) ((c) >= (a) && (c) <= (b))
#define ALNUM(c) (IN(c, '0', '9') || IN(c, 'A', 'Z') || IN(c, 'a', 'z'))
#define B64SYM(c) ((c) == '+' || (c) == '/' || (c) == '-' || (c) == '_')
#define URLSYM(c)                                                                                  \
    ((c) == '-' || (c) == '.' || (c) == '_' || (c) == '~' || (c) == ':' || (c) == '/' ||           \
     (c) == '?' || (c) == '#' || (c) == '@' || (c) == '!' || (c) == '$' || (c) == '&' ||           \
     (c) == '*' || (c) == '+' || (c) == ',' || (c) == ';' || (c) == '=' || (c) == '%')
#define CLS(c)                                                                                     \
    ((ALNUM(c) || B64SYM(c) ? C_B64 : 0) |                                                         \
     (IN(c, '0', '9') || IN(c, 'A', 'F') || IN(c, 'a', 'f') ? C_HEX : 0) |                         \
     (ALNUM(c) || URLSYM(c) ? C_URL : 0) | (IN(c, 'A', 'F') ? C_HEXU : 0) |                        \
     (IN(c, 'a', 'f') ? C_HEXL : 0))
#define R4(c) CLS(c), CLS((c) + 1), CLS((c) + 2), CLS((c) + 3)
#define R16(c) R4(c), R4((c) + 4), R4((c) + 8), R4((c) + 12)
#define R64(c) R16(c), R16((c) + 16), R16((c) + 32), R16((c) + 48)

static const uint8_t CLASS[256] = {R64(0), R64(64), R64(128), R64(192)};

static inline bool is_b64(uint8_t c)
{
    return CLASS[c] & C_B64;
}

static inline bool is_hex(uint8_t c)
{
    return CLASS[c] & C_HEX;
}

static inline bool is_url(uint8_t c)
{
    return CLASS[c] & C_URL;
}

static inline bool is_alnum(uint8_t c)
{
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

static inline int hexval(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* n hex digits at in[0..n) (the caller checked they exist), or -1. */
static inline int64_t hexnum(const uint8_t *in, size_t n)
{
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        int h = hexval(in[i]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

/* The byte a one-character escape stands for, or -1. */
static inline int simple_escape(uint8_t c)
{
    switch (c) {
    case 'n':
        return '\n';
    case 'r':
        return '\r';
    case 't':
        return '\t';
    case 'b':
        return '\b';
    case 'f':
        return '\f';
    case 'v':
        return '\v';
    case 'a':
        return 0x07;
    case 'e':
        return 0x1B;
    case '"':
    case '\'':
    case '\\':
    case '/':
        return c;
    }
    return -1;
}

/* How many hex digits follow the escape letter c (x, u, U), else 0. */
static inline size_t escape_digits(uint8_t c)
{
    return c == 'x' ? 2 : c == 'u' ? 4 : c == 'U' ? 8 : 0;
}

#endif
