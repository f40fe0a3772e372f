/*
 * util.c - see fuzz.h.
 */
#include "fuzz.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void fz_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("fuzz: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

/* Where fz_touch leaves its sum: a global, so the reads cannot be left out. */
volatile uint8_t fz_sink;

void fz_touch(const void *p, size_t n)
{
    const volatile uint8_t *b = p;
    uint8_t acc = 0;
    for (size_t i = 0; i < n; i++)
        acc ^= b[i];
    fz_sink = acc;
}

#define MAX_PATHS 8

static char dir[256];
static struct {
    char name[32];
    char path[320];
} paths[MAX_PATHS];
static size_t npaths;

static void cleanup(void)
{
    for (size_t i = 0; i < npaths; i++)
        unlink(paths[i].path);
    if (dir[0])
        rmdir(dir);
}

const char *fz_path(const char *name)
{
    for (size_t i = 0; i < npaths; i++)
        if (strcmp(paths[i].name, name) == 0)
            return paths[i].path;
    if (!dir[0]) {
        struct stat st;
        const char *base = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) ? "/dev/shm" : NULL;
        if (!base)
            base = getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
        snprintf(dir, sizeof dir, "%s/keysift-fuzz-XXXXXX", base);
        if (!mkdtemp(dir))
            fz_fail("mkdtemp %s failed", dir);
        atexit(cleanup);
    }
    if (npaths == MAX_PATHS || strlen(name) >= sizeof paths[0].name)
        fz_fail("fz_path: too many paths or too long a name: %s", name);
    snprintf(paths[npaths].name, sizeof paths[npaths].name, "%s", name);
    snprintf(paths[npaths].path, sizeof paths[npaths].path, "%s/%s", dir, name);
    return paths[npaths++].path;
}

void fz_write(const char *path, const uint8_t *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f || (n && fwrite(data, 1, n, f) != n) || fclose(f) != 0)
        fz_fail("cannot write %s", path);
}

const char *fz_cache_dir(void)
{
    const char *d = getenv("KEYSIFT_CACHE_DIR");
    return d && *d ? d : NULL;
}
