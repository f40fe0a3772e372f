/*
 * runner.c - a fuzz target's inputs without libFuzzer: each file named, or
 * each file of each directory named (sorted, dot files and README.md
 * skipped), goes to LLVMFuzzerTestOneInput once. A crash is the test's
 * failure; the name of the input is printed before it runs.
 *
 *   fuzzrun_<target> tests/fuzz/regressions/<target> [FILE|DIR...]
 *
 * A directory that does not exist counts as empty: a target with no
 * regressions yet passes.
 *
 * libFuzzer's limits hold here too, so an input kept for running out of
 * memory or time fails again if its bug comes back: the program is linked
 * with -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc (the calls of our
 * own code, which libkeysift.a is, come here first) and one allocation of
 * more than 256 MB fails the test, as does an input that runs longer than
 * TIMEOUT seconds (ten times libFuzzer's -timeout=1: this build may be
 * slower, the machine loaded).
 */
#include "fuzz.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#define MALLOC_LIMIT (256u << 20)
#define TIMEOUT 10

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);

void *__wrap_malloc(size_t n)
{
    if (n >= MALLOC_LIMIT)
        fz_fail("malloc(%zu): more than libFuzzer's -malloc_limit_mb=256", n);
    return __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
    if (size && n >= MALLOC_LIMIT / size)
        fz_fail("calloc(%zu, %zu): more than libFuzzer's -malloc_limit_mb=256", n, size);
    return __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n)
{
    if (n >= MALLOC_LIMIT)
        fz_fail("realloc(%zu): more than libFuzzer's -malloc_limit_mb=256", n);
    return __real_realloc(p, n);
}

static void on_alarm(int sig)
{
    (void)sig;
    static const char msg[] = "runner: timeout: an input ran longer than 10 s\n";
    if (write(2, msg, sizeof msg - 1) < 0)
        _exit(3);
    abort();
}

/* Targets with nothing to build once do not define it. */
__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv);

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "runner: cannot open %s\n", path);
        return 1;
    }
    uint8_t *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 65536;
            buf = realloc(buf, cap);
            if (!buf)
                abort();
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    int err = ferror(f);
    fclose(f);
    if (err) {
        free(buf);
        fprintf(stderr, "runner: cannot read %s\n", path);
        return 1;
    }
    fprintf(stderr, "runner: %s (%zu bytes)\n", path, n);
    /* An exact-size copy, so ASan sees a read past the end as libFuzzer's
     * own buffers would show it. */
    uint8_t *exact = malloc(n ? n : 1);
    if (!exact)
        abort();
    memcpy(exact, buf, n);
    free(buf);
    alarm(TIMEOUT);
    LLVMFuzzerTestOneInput(exact, n);
    alarm(0);
    free(exact);
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_dir(const char *path, size_t *count)
{
    DIR *d = opendir(path);
    if (!d)
        return 0;
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.' || strcmp(e->d_name, "README.md") == 0)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            names = realloc(names, cap * sizeof *names);
            if (!names)
                abort();
        }
        size_t l = strlen(path) + strlen(e->d_name) + 2;
        names[n] = malloc(l);
        if (!names[n])
            abort();
        snprintf(names[n++], l, "%s/%s", path, e->d_name);
    }
    closedir(d);
    if (n > 1)
        qsort(names, n, sizeof *names, cmp_str);
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        if (rc == 0 && stat(names[i], &st) == 0 && S_ISREG(st.st_mode)) {
            rc = run_file(names[i]);
            (*count)++;
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

int main(int argc, char **argv)
{
    signal(SIGALRM, on_alarm);
    if (LLVMFuzzerInitialize)
        LLVMFuzzerInitialize(&argc, &argv);
    size_t count = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0)
            continue;
        int rc = S_ISDIR(st.st_mode) ? run_dir(argv[i], &count) : (count++, run_file(argv[i]));
        if (rc)
            return rc;
    }
    printf("runner: %zu inputs, no crash\n", count);
    return 0;
}
