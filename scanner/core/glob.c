/*
 * glob.c - see glob.h.
 *
 * Globs are read by fnmatch; a rule's `paths` are also translated to one
 * regular expression (ks_glob_regex), which the engine compiles so that
 * every rule's globs are asked with one scan of a path.
 */
#include "glob.h"

#include "strbuf.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool ks_path_excluded(char *const *globs, size_t nglobs, const char *relpath, const char *base)
{
    for (size_t i = 0; i < nglobs; i++) {
        const char *g = globs[i];
        size_t gl = strlen(g);
        if (!memchr(g, '/', gl)) {
            if (fnmatch(g, base, 0) == 0)
                return true;
            continue;
        }
        if (fnmatch(g, relpath, 0) == 0)
            return true;
        if (strncmp(g, "**/", 3) == 0 && fnmatch(g + 3, relpath, 0) == 0)
            return true;
        /* A glob ending in "/" followed by "**" also names the directory itself. */
        if (gl > 3 && strcmp(g + gl - 3, "/**") == 0) {
            char *d = ks_xstrndup(g, gl - 3);
            bool m = fnmatch(d, relpath, 0) == 0;
            free(d);
            if (m)
                return true;
        }
    }
    return false;
}

static void put_hex(ks_strbuf *o, unsigned char c)
{
    char x[5];
    snprintf(x, sizeof x, "\\x%02x", c);
    ks_strbuf_put(o, x, 4);
}

/* Append glob g[0..len) as a regular expression: '*' and '?' cross '/'
 * unless `base` (the glob matches a base name, which has none). */
static void glob_to_re(ks_strbuf *o, const char *g, size_t len, bool base)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)g[i];
        if (c == '*') {
            ks_strbuf_puts(o, base ? "[^/]*" : ".*");
        } else if (c == '?') {
            ks_strbuf_puts(o, base ? "[^/]" : ".");
        } else if (c == '[') {
            /* A bracket expression as fnmatch reads it: '!' or '^' first
             * negates, a ']' right after the opening (or the negation) is a
             * member, "[:class:]" names a class; without a closing ']' the
             * '[' is itself. */
            size_t j = i + 1;
            bool neg = j < len && (g[j] == '!' || g[j] == '^');
            if (neg)
                j++;
            size_t first = j;
            if (j < len && g[j] == ']')
                j++;
            while (j < len && g[j] != ']') {
                if (g[j] == '[' && j + 1 < len && g[j + 1] == ':') {
                    const char *end = strstr(g + j + 2, ":]");
                    if (end && (size_t)(end - g) + 2 <= len) {
                        j = (size_t)(end - g) + 2;
                        continue;
                    }
                }
                j++;
            }
            if (j >= len) {
                put_hex(o, c);
                continue;
            }
            ks_strbuf_puts(o, !neg ? "[" : base ? "[^/" : "[^");
            for (size_t k = first; k < j; k++) {
                unsigned char m = (unsigned char)g[k];
                const char *end = m == '[' && k + 1 < j && g[k + 1] == ':'
                                      ? strstr(g + k + 2, ":]")
                                      : NULL;
                if (end && (size_t)(end - g) + 2 <= j) { /* a whole "[:class:]" */
                    size_t e = (size_t)(end - g) + 2;
                    ks_strbuf_put(o, g + k, e - k);
                    k = e - 1;
                } else if (m == '-' && k > first && k + 1 < j) {
                    ks_strbuf_puts(o, "-"); /* a range */
                } else {
                    put_hex(o, m);
                }
            }
            ks_strbuf_puts(o, "]");
            i = j;
        } else {
            if (c == '\\' && i + 1 < len)
                c = (unsigned char)g[++i];
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '/' || c == '_')
                ks_strbuf_put(o, (const char *)&c, 1);
            else
                put_hex(o, c);
        }
    }
}

char *ks_glob_regex(char *const *globs, size_t nglobs)
{
    ks_strbuf b = {0}, *o = &b;
    ks_strbuf_put(o, "", 0);
    for (size_t i = 0; i < nglobs; i++) {
        const char *g = globs[i];
        size_t gl = strlen(g);
        if (i)
            ks_strbuf_puts(o, "|");
        if (!memchr(g, '/', gl)) {
            ks_strbuf_puts(o, "(?:^|/)");
            glob_to_re(o, g, gl, true);
            ks_strbuf_puts(o, "\\z");
            continue;
        }
        ks_strbuf_puts(o, "^(?:");
        glob_to_re(o, g, gl, false);
        if (strncmp(g, "**/", 3) == 0) {
            ks_strbuf_puts(o, "|");
            glob_to_re(o, g + 3, gl - 3, false);
        }
        if (gl > 3 && strcmp(g + gl - 3, "/**") == 0) {
            ks_strbuf_puts(o, "|");
            glob_to_re(o, g, gl - 3, false);
        }
        ks_strbuf_puts(o, ")\\z");
    }
    return b.s;
}

const char *ks_glob_path_start(const char *path)
{
    for (;;) {
        if (path[0] == '/')
            path++;
        else if (path[0] == '.' && path[1] == '/')
            path += 2;
        else
            return path;
    }
}

bool ks_glob_match_path(char *const *globs, size_t nglobs, const char *path)
{
    path = ks_glob_path_start(path);
    const char *slash = strrchr(path, '/');
    return ks_path_excluded(globs, nglobs, path, slash ? slash + 1 : path);
}
