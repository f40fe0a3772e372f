/*
 * glob.c - see glob.h.
 */
#include "glob.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

bool ks_path_excluded(char *const *globs, size_t nglobs, const char *relpath, const char *base)
{
    for (size_t i = 0; i < nglobs; i++) {
        const char *g = globs[i];
        if (!strchr(g, '/')) {
            if (fnmatch(g, base, 0) == 0)
                return true;
            continue;
        }
        if (fnmatch(g, relpath, 0) == 0)
            return true;
        if (strncmp(g, "**/", 3) == 0 && fnmatch(g + 3, relpath, 0) == 0)
            return true;
        /* A glob ending in "/" followed by "**" also names the directory itself. */
        size_t gl = strlen(g);
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

bool ks_glob_match_path(char *const *globs, size_t nglobs, const char *path)
{
    for (;;) {
        if (path[0] == '/')
            path++;
        else if (path[0] == '.' && path[1] == '/')
            path += 2;
        else
            break;
    }
    const char *slash = strrchr(path, '/');
    return ks_path_excluded(globs, nglobs, path, slash ? slash + 1 : path);
}
