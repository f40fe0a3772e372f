/*
 * fuzz.h - what the fuzz targets share.
 *
 * Each target is one file, fuzz_<name>.c, that defines libFuzzer's entry
 * point. It is linked twice: with libFuzzer (-DKEYSIFT_FUZZ=ON, clang) for
 * a campaign (scripts/fuzz), and with runner.c, by any compiler, into a
 * program ctest runs over the target's regression inputs
 * (tests/fuzz/regressions/<name>/). A target must therefore be a pure
 * function of its input: no state that one input leaves for the next,
 * except caches built once (an engine, a ruleset) in LLVMFuzzerInitialize.
 *
 * A target checks what the code it drives promises (offsets inside the
 * buffer, lengths within capacity) and calls fz_fail, which aborts, when a
 * promise is broken: libFuzzer and the runner then report the input.
 */
#ifndef KS_FUZZ_H
#define KS_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Optional; defined by targets with something to build once. */
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A promise of the code under test is broken: print why and abort. */
_Noreturn void fz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define FZ_CHECK(cond)                                                                             \
    do {                                                                                           \
        if (!(cond))                                                                               \
            fz_fail("%s:%d: check failed: %s", __FILE__, __LINE__, #cond);                         \
    } while (0)

/* Read every byte of p[0..n): ASan sees each read, and the compiler cannot
 * leave them out. */
void fz_touch(const void *p, size_t n);
extern volatile uint8_t fz_sink;

/* A path for `name` in a directory of this process's own (on /dev/shm
 * when there is one), removed at exit. The string is static per name. */
const char *fz_path(const char *name);
/* Write data to path (replacing it); aborts on an I/O error. */
void fz_write(const char *path, const uint8_t *data, size_t n);

/* The compiled-database cache for targets that build the built-in rules'
 * engine: $KEYSIFT_CACHE_DIR, or NULL (compiled every run). */
const char *fz_cache_dir(void);

#endif
