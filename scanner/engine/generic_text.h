/*
 * generic_text.h - what the two halves of generic detection share (engine
 * internal): character classes, case-blind word lists, identifier words,
 * and the measures of a value that both the judge (generic.c) and the
 * syntax reader (assign.c) use.
 */
#ifndef KS_GENERIC_TEXT_H
#define KS_GENERIC_TEXT_H

#include "../core/ks.h"

#include <string.h>

/* ------------------------------------------------------------------------ */
/* Characters                                                                */

static inline bool is_alpha(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline bool is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

static inline bool is_upper(uint8_t c)
{
    return c >= 'A' && c <= 'Z';
}

static inline bool is_lower(uint8_t c)
{
    return c >= 'a' && c <= 'z';
}

static inline bool is_hex(uint8_t c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static inline bool is_word(uint8_t c)
{
    return is_alpha(c) || is_digit(c) || c == '_';
}

/* Characters of a key: identifiers, and - . inside names (smtp-password,
 * spring.datasource.password). */
static inline bool is_keych(uint8_t c)
{
    return is_word(c) || c == '-' || c == '.';
}

static inline bool is_space(uint8_t c)
{
    return c == ' ' || c == '\t';
}

static inline uint8_t lower(uint8_t c)
{
    return is_upper(c) ? (uint8_t)(c + 32) : c;
}

static inline bool eq_nocase(const uint8_t *s, size_t n, const char *w)
{
    size_t m = strlen(w);
    if (m != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (lower(s[i]) != (uint8_t)w[i])
            return false;
    return true;
}

static inline bool in_list(const uint8_t *s, size_t n, const char *const *list, size_t nlist)
{
    for (size_t i = 0; i < nlist; i++)
        if (eq_nocase(s, n, list[i]))
            return true;
    return false;
}

#define IN(s, n, list) in_list(s, n, list, sizeof list / sizeof list[0])

typedef struct word {
    const uint8_t *s;
    size_t n;
} word;

/* Split an identifier into words at _ - . : and camelCase (dbPassword,
 * DBPassword, db_password, DB-PASSWORD). Returns the number of words
 * (at most `max`, the last ones). */
size_t ks_gen_split_words(const uint8_t *k, size_t n, word *w, size_t max);
/* How many of upper, lower, digit and other characters the value has. */
unsigned ks_gen_classes(const uint8_t *v, size_t n);
bool ks_gen_all_digits(const uint8_t *v, size_t n);
/* Does the value look machine-made: long, varied, not words? */
bool ks_gen_random_looking(const uint8_t *v, size_t n);
/* A configuration directive that takes a password or a secret (requirepass,
 * rootpw, masterauth). */
bool ks_gen_directive(const uint8_t *k, size_t n);

#endif
