/*
 * diag.h - diagnostics: what could not be read, and where. A list of
 * (path, message) that a part of the scan collects and hands over; the one
 * place warnings are formatted.
 */
#ifndef KS_DIAG_H
#define KS_DIAG_H

#include "ks.h"

#include <stdarg.h>

typedef struct ks_diag {
    char *path;
    char *message;
} ks_diag;

typedef struct ks_diags {
    ks_diag *v;
    size_t n, cap;
} ks_diags;

void ks_diags_add(ks_diags *d, const char *path, const char *msg);
/* Add a message formatted printf-style. */
void ks_diags_addf(ks_diags *d, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void ks_diags_vaddf(ks_diags *d, const char *path, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
/* Append every diagnostic of `from` to `to`, leaving `from` empty. */
void ks_diags_move(ks_diags *to, ks_diags *from);
void ks_diags_dispose(ks_diags *d);

/* A new string formatted printf-style (never NULL). */
char *ks_strdupf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *ks_vstrdupf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

#endif
