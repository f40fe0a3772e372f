/*
 * bench_decode.c - how fast ks_find_encoded goes over a source tree, how
 * many candidate spans it finds and how many of them are worth a scan.
 *
 *   find TREE -type f > files.txt
 *   build/tests/bench_decode [-r RUNS] [-s SAMPLES] files.txt
 *
 * Every file is mapped and copied into one buffer first (a tree can have
 * more files than vm.max_map_count allows maps, and page faults are not
 * what this measures), then ks_find_encoded runs over each file in turn,
 * single-threaded, RUNS times; the median is the figure. memchr for a byte
 * that is not there, over the same files, gives the read ceiling.
 * -s prints up to SAMPLES spans of each kind, worth scanning and not.
 * Built with -DKEYSIFT_BENCH=ON, not run by ctest, three times:
 * bench_decode (libkeysift: SSE2, AVX2 where the CPU has it),
 * bench_decode_sse2 and bench_decode_portable (decode.c's other paths).
 */
#include "core/decode.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

typedef struct corpus {
    uint8_t *data;
    size_t len, cap;
    size_t *off; /* file i is data[off[i] .. off[i+1]) */
    size_t nfiles, offcap;
} corpus;

static void add_file(corpus *c, const char *path)
{
    int fd = open(path, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        fprintf(stderr, "bench_decode: skipping %s\n", path);
        if (fd >= 0)
            close(fd);
        return;
    }
    size_t n = (size_t)st.st_size;
    if (c->len + n > c->cap) {
        c->cap = (c->len + n) * 2;
        c->data = realloc(c->data, c->cap);
    }
    if (c->nfiles + 2 > c->offcap) {
        c->offcap = c->offcap ? c->offcap * 2 : 1024;
        c->off = realloc(c->off, c->offcap * sizeof *c->off);
    }
    if (!c->data || !c->off) {
        fprintf(stderr, "bench_decode: out of memory\n");
        exit(1);
    }
    if (n > 0) {
        void *m = mmap(NULL, n, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
        if (m == MAP_FAILED) {
            fprintf(stderr, "bench_decode: cannot map %s\n", path);
            close(fd);
            return;
        }
        memcpy(c->data + c->len, m, n);
        munmap(m, n);
    }
    close(fd);
    c->off[c->nfiles++] = c->len;
    c->len += n;
    c->off[c->nfiles] = c->len;
}

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double now(void)
{
    return clock_s(CLOCK_MONOTONIC);
}

/* This thread's CPU time: what a shared machine's other load does not add. */
static double cpu(void)
{
    return clock_s(CLOCK_THREAD_CPUTIME_ID);
}

static int count_span(void *payload, const ks_span *s)
{
    (void)s;
    (*(size_t *)payload)++;
    return 0;
}

typedef struct tally {
    const uint8_t *file;
    size_t spans[6], worth[6], failed[6], bytes[6];
    size_t samples, shown[6][2];
    uint8_t out[KS_DECODE_MAX_RUN + 16];
} tally;

static long decode(tally *t, const uint8_t *in, const ks_span *s)
{
    size_t cap = sizeof t->out;
    switch (s->enc) {
    case KS_ENC_BASE64:
    case KS_ENC_BASE64URL:
        return ks_decode_base64(t->out, cap, in, s->len, s->enc == KS_ENC_BASE64URL);
    case KS_ENC_HEX:
        return ks_decode_hex(t->out, cap, in, s->len);
    case KS_ENC_PERCENT:
        return ks_decode_percent(t->out, cap, in, s->len);
    case KS_ENC_ESCAPE:
        return ks_unescape(t->out, cap, in, s->len);
    }
    return -1;
}

static int tally_span(void *payload, const ks_span *s)
{
    tally *t = payload;
    const uint8_t *in = t->file + s->start;
    unsigned e = (unsigned)s->enc;
    t->spans[e]++;
    t->bytes[e] += s->len;
    long r = decode(t, in, s);
    bool worth = r >= 0 && ks_decoded_worth_scanning(t->out, (size_t)r);
    if (r < 0)
        t->failed[e]++;
    if (worth)
        t->worth[e]++;
    if (t->shown[e][worth] < t->samples) {
        t->shown[e][worth]++;
        printf("  %-9s %-5s %.*s%s\n", ks_enc_name(s->enc),
               worth   ? "worth"
               : r < 0 ? "fail"
                       : "no",
               (int)(s->len < 100 ? s->len : 100), (const char *)in, s->len > 100 ? "..." : "");
    }
    return 0;
}

/* Which classifier decode.c runs here (its build and this CPU). */
static const char *path_name(void)
{
#if defined(KS_DECODE_PORTABLE) || !defined(__SSE2__)
    return "portable";
#elif defined(KS_DECODE_NO_AVX2) || !defined(__x86_64__)
    return "SSE2";
#else
    return __builtin_cpu_supports("avx2") ? "SSE2 + AVX2 (this CPU has it)" : "SSE2 (no AVX2 here)";
#endif
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    int runs = 7;
    size_t samples = 0;
    int opt;
    while ((opt = getopt(argc, argv, "r:s:")) != -1) {
        if (opt == 'r')
            runs = atoi(optarg);
        else if (opt == 's')
            samples = (size_t)atol(optarg);
        else
            goto usage;
    }
    if (optind != argc - 1 || runs < 1 || runs > 100)
        goto usage;

    FILE *list = strcmp(argv[optind], "-") == 0 ? stdin : fopen(argv[optind], "r");
    if (!list) {
        perror(argv[optind]);
        return 1;
    }
    corpus c = {0};
    char line[4096];
    while (fgets(line, sizeof line, list)) {
        line[strcspn(line, "\n")] = 0;
        if (line[0])
            add_file(&c, line);
    }
    if (list != stdin)
        fclose(list);
    if (c.nfiles == 0) {
        fprintf(stderr, "bench_decode: no files\n");
        return 1;
    }
    printf("files %zu, bytes %zu (%.1f MiB); decode.c built %s\n", c.nfiles, c.len,
           (double)c.len / 1048576.0, path_name());

    /* What is found, untimed. */
    static tally t;
    t.samples = samples;
    for (size_t i = 0; i < c.nfiles; i++) {
        t.file = c.data + c.off[i];
        ks_find_encoded(t.file, c.off[i + 1] - c.off[i], tally_span, &t);
    }

    double *gbs = malloc((size_t)runs * sizeof *gbs), ceiling = 0;
    double *cpus = malloc((size_t)runs * sizeof *cpus);
    size_t found = 0;
    for (int r = 0; r < runs; r++) {
        found = 0;
        double t0 = now(), c0 = cpu();
        for (size_t i = 0; i < c.nfiles; i++)
            ks_find_encoded(c.data + c.off[i], c.off[i + 1] - c.off[i], count_span, &found);
        gbs[r] = (double)c.len / (now() - t0) / 1e9;
        cpus[r] = (double)c.len / (cpu() - c0) / 1e9;
        size_t hits = 0;
        t0 = now();
        for (size_t i = 0; i < c.nfiles; i++)
            hits += memchr(c.data + c.off[i], 0x01, c.off[i + 1] - c.off[i]) != NULL;
        double g = (double)c.len / (now() - t0) / 1e9;
        if (g > ceiling)
            ceiling = g;
        if (r == 0 && hits > 0)
            printf("(%zu files hold a 0x01 byte)\n", hits);
    }
    qsort(gbs, (size_t)runs, sizeof *gbs, cmp_double);
    qsort(cpus, (size_t)runs, sizeof *cpus, cmp_double);
    printf("ks_find_encoded: median %.2f GB/s (min %.2f, max %.2f) wall clock, "
           "%.2f GB/s (min %.2f, max %.2f) of CPU time; %d runs, one thread\n",
           gbs[runs / 2], gbs[0], gbs[runs - 1], cpus[runs / 2], cpus[0], cpus[runs - 1], runs);
    printf("memchr, the read ceiling: %.2f GB/s\n", ceiling);

    double mb = (double)c.len / 1e6;
    size_t all = 0, worth = 0;
    for (unsigned e = 1; e <= 5; e++) {
        all += t.spans[e];
        worth += t.worth[e];
    }
    printf("spans %zu (%.2f per MB), worth scanning %zu (%.2f per MB)\n", all, (double)all / mb,
           worth, (double)worth / mb);
    printf("  %-10s %9s %9s %9s %12s\n", "encoding", "spans", "worth", "failed", "span bytes");
    for (unsigned e = 1; e <= 5; e++)
        printf("  %-10s %9zu %9zu %9zu %12zu\n", ks_enc_name((ks_enc)e), t.spans[e], t.worth[e],
               t.failed[e], t.bytes[e]);
    if (found != all)
        printf("(timed runs found %zu spans)\n", found);
    free(gbs);
    free(cpus);
    free(c.data);
    free(c.off);
    return 0;

usage:
    fprintf(stderr, "usage: bench_decode [-r RUNS] [-s SAMPLES] FILELIST|-\n");
    return 2;
}
