/*
 * strbuf.h - a growing NUL-terminated string, for code that builds text
 * piece by piece (translated regular expressions). Start from
 * `ks_strbuf b = {0}`; b.s is the caller's to free (NULL if nothing was
 * put).
 */
#ifndef KS_STRBUF_H
#define KS_STRBUF_H

#include "ks.h"

#include <string.h>

typedef struct ks_strbuf {
    char *s;
    size_t n, cap;
} ks_strbuf;

static inline void ks_strbuf_put(ks_strbuf *b, const char *s, size_t n)
{
    ks_grow((void **)&b->s, &b->cap, b->n + n + 1, 1);
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = '\0';
}

static inline void ks_strbuf_puts(ks_strbuf *b, const char *s)
{
    ks_strbuf_put(b, s, strlen(s));
}

#endif
