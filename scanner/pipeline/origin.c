/*
 * origin.c - the one rendering of an origin chain as a path.
 */
#include "pipeline.h"

#include <stdlib.h>
#include <string.h>

char *ks_origin_render(const ks_origin *o, const char *extra)
{
    size_t len = 0;
    for (const ks_origin *x = o; x; x = x->parent)
        len += strlen(x->name) + (x->parent && x->sep ? strlen(x->sep) : 0);
    size_t el = extra && *extra ? strlen(extra) + 1 : 0;
    char *s = ks_xmalloc(len + el + 1);
    size_t end = len;
    for (const ks_origin *x = o; x; x = x->parent) {
        size_t nl = strlen(x->name);
        end -= nl;
        memcpy(s + end, x->name, nl);
        if (x->parent && x->sep) {
            size_t sl = strlen(x->sep);
            end -= sl;
            memcpy(s + end, x->sep, sl);
        }
    }
    if (el) {
        s[len] = '!';
        memcpy(s + len + 1, extra, el - 1);
    }
    s[len + el] = '\0';
    return s;
}
