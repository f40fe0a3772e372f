/*
 * diag.c - see diag.h.
 */
#include "diag.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *ks_vstrdupf(const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n < 0)
        return ks_xstrdup(fmt);
    char *s = ks_xmalloc((size_t)n + 1);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

char *ks_strdupf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = ks_vstrdupf(fmt, ap);
    va_end(ap);
    return s;
}

static void push(ks_diags *d, char *path, char *msg)
{
    ks_grow((void **)&d->v, &d->cap, d->n + 1, sizeof(ks_diag));
    d->v[d->n].path = path;
    d->v[d->n].message = msg;
    d->n++;
}

void ks_diags_add(ks_diags *d, const char *path, const char *msg)
{
    push(d, ks_xstrdup(path), ks_xstrdup(msg));
}

void ks_diags_vaddf(ks_diags *d, const char *path, const char *fmt, va_list ap)
{
    push(d, ks_xstrdup(path), ks_vstrdupf(fmt, ap));
}

void ks_diags_addf(ks_diags *d, const char *path, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ks_diags_vaddf(d, path, fmt, ap);
    va_end(ap);
}

void ks_diags_move(ks_diags *to, ks_diags *from)
{
    for (size_t i = 0; i < from->n; i++)
        push(to, from->v[i].path, from->v[i].message);
    free(from->v);
    memset(from, 0, sizeof *from);
}

void ks_diags_dispose(ks_diags *d)
{
    for (size_t i = 0; i < d->n; i++) {
        free(d->v[i].path);
        free(d->v[i].message);
    }
    free(d->v);
    memset(d, 0, sizeof *d);
}
