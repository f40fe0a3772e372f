/*
 * error.c - per-thread error messages and small shared helpers.
 */
#include "ks.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Thread_local char errbuf[1024];

int ks_error_set(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errbuf, sizeof errbuf, fmt, ap);
    va_end(ap);
    return code;
}

const char *ks_error_msg(void)
{
    return errbuf;
}

static const char *const sev_names[] = {"none", "low", "medium", "high", "critical"};
static const char *const conf_names[] = {"none", "low", "medium", "high"};

const char *ks_severity_name(ks_severity s)
{
    return (unsigned)s <= KS_SEV_CRITICAL ? sev_names[s] : "none";
}

const char *ks_confidence_name(ks_confidence c)
{
    return (unsigned)c <= KS_CONF_HIGH ? conf_names[c] : "none";
}

ks_severity ks_severity_parse(const char *s)
{
    for (int i = KS_SEV_LOW; i <= KS_SEV_CRITICAL; i++)
        if (strcmp(s, sev_names[i]) == 0)
            return (ks_severity)i;
    return KS_SEV_NONE;
}

int ks_confidence_parse(const char *s)
{
    for (int i = KS_CONF_LOW; i <= KS_CONF_HIGH; i++)
        if (strcmp(s, conf_names[i]) == 0)
            return i;
    return 0;
}

static void oom(size_t n)
{
    fprintf(stderr, "keysift: out of memory (allocating %zu bytes)\n", n);
    abort();
}

void *ks_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom(n);
    return p;
}

void *ks_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        oom(n * size);
    return p;
}

void *ks_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        oom(n);
    return q;
}

char *ks_xstrdup(const char *s)
{
    return ks_xstrndup(s, strlen(s));
}

char *ks_xstrndup(const char *s, size_t n)
{
    char *p = ks_xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

void ks_grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return;
    size_t ncap = *cap ? *cap : 8;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2 / elem)
            oom(SIZE_MAX);
        ncap *= 2;
    }
    *p = ks_xrealloc(*p, ncap * elem);
    *cap = ncap;
}

void ks_hex(char *out, const uint8_t *in, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}
