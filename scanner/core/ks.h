/*
 * ks.h - types and conventions shared by every part of keysift.
 *
 * Errors: functions return 0 or a negative KS_E* code and leave a one-line
 * message for the calling thread (ks_error_set / ks_error_msg). The message
 * names the input that was wrong; callers add context by prefixing it.
 *
 * Content is always (const uint8_t *, size_t), never NUL-terminated.
 */
#ifndef KS_KS_H
#define KS_KS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KS_VERSION "0.1.0"

enum {
    KS_OK = 0,
    KS_EINVAL = -1,  /* bad argument, option or input */
    KS_ENOMEM = -2,  /* allocation failed */
    KS_EIO = -3,     /* read/write failed */
    KS_ERULE = -4,   /* rule file or rule is wrong */
    KS_EENGINE = -5, /* the matching library refused */
    KS_ENOTFOUND = -6,
};

/* An offset that is not known (bytes that went through a decoder). */
#define KS_NO_OFFSET UINT64_MAX

typedef enum ks_severity {
    KS_SEV_NONE = 0,
    KS_SEV_LOW = 1,
    KS_SEV_MEDIUM = 2,
    KS_SEV_HIGH = 3,
    KS_SEV_CRITICAL = 4,
} ks_severity;

typedef enum ks_confidence {
    KS_CONF_LOW = 1,
    KS_CONF_MEDIUM = 2,
    KS_CONF_HIGH = 3,
} ks_confidence;

/* Set the calling thread's error message (printf-style); returns `code`. */
int ks_error_set(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The calling thread's last error message ("" when none). */
const char *ks_error_msg(void);

const char *ks_severity_name(ks_severity s);
const char *ks_confidence_name(ks_confidence c);
/* Parse "low"/"medium"/"high"/"critical"; returns KS_SEV_NONE when unknown. */
ks_severity ks_severity_parse(const char *s);
/* Parse "low"/"medium"/"high"; returns 0 when unknown. */
int ks_confidence_parse(const char *s);

/* Allocation helpers that abort on exhaustion: keysift cannot do anything
 * useful without memory, and checking every small allocation hides bugs. */
void *ks_xmalloc(size_t n);
void *ks_xcalloc(size_t n, size_t size);
void *ks_xrealloc(void *p, size_t n);
char *ks_xstrdup(const char *s);
char *ks_xstrndup(const char *s, size_t n);
/* Grow *p (array of `elem` bytes, capacity *cap) to hold at least `need`. */
void ks_grow(void **p, size_t *cap, size_t need, size_t elem);

/* Lower-case hex of `n` bytes into out (2n+1 bytes, NUL-terminated). */
void ks_hex(char *out, const uint8_t *in, size_t n);

#endif
