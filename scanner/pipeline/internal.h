/*
 * internal.h - what pipeline.c (workers, engine passes, hits) and unpack.c
 * (decoders, carving, strings) share. Not for sources or reporters.
 */
#ifndef KS_PIPELINE_INTERNAL_H
#define KS_PIPELINE_INTERNAL_H

#include "pipeline.h"

#include <pthread.h>
#include <stdatomic.h>

#include <sys/types.h>

typedef struct ks_pipeline ks_pipeline;
struct ks_view;

struct ks_worker {
    ks_pipeline *p;
    unsigned index;
    ks_scratch *scratch;
    uint8_t *buf;
    size_t bufcap;
    ks_hitlist hits;
    _Atomic uint64_t files, bytes;
    uint64_t skipped, excluded, allowed;
    uint64_t containers, not_unpacked, budget_hits; /* unpacking (unpack.c) */
    int error; /* first fatal error of this worker */
    /* State of the blob being scanned. */
    const ks_origin *origin;
    const ks_origin *root;       /* the source's blob: its key and name */
    char *origin_text;           /* rendered lazily on the first hit */
    uint64_t base;               /* absolute offset of buf[0] */
    uint64_t cp_line, cp_lastnl; /* line and last newline at buf[0] */
    uint64_t cur_abs, cur_line, cur_lastnl;
    bool cur_valid;
    /* Rules with paths: whether each applies to the blob being scanned
     * (path_ok, one per rule; paths_later: its path is not known yet),
     * valid while paths_gen == blob_gen. */
    uint32_t blob_gen, paths_gen;
    ks_applies *path_ok;
    bool paths_later;
    /* Rules that report a file (whole_file): the file they last applied
     * in, so a file unpacked into parts is reported once; file_gen counts
     * the files (roots, archive members) begun, from 1. */
    uint32_t file_gen, *whole_gen;
    struct ks_view *view;     /* offset map of a strings pass; NULL: bytes as they are */
    ks_carve_scratch *carver; /* signature search scratch, made on first use */
    struct ks_decoder *decoder; /* decoding stage buffers (decode.c), made on first use */
    size_t *pem_at;             /* where the engine marked "-----BEGIN " in the chunk */
    size_t npem, pem_cap;
    bool carver_tried;
};

/* A set of tasks run by any idle worker (ks_fmt_parallel). */
typedef struct ks_job {
    struct ks_job *next;
    size_t n;
    _Atomic size_t next_i; /* next task to hand out */
    size_t done;           /* tasks finished (under the job lock) */
    void (*run)(ks_worker *w, struct ks_job *job, size_t i);
    void *payload;
} ks_job;

struct ks_pipeline {
    const ks_scan_config *cfg;
    size_t chunk; /* bytes read per chunk */
    size_t ov;    /* bytes consecutive chunks share */
    ks_source_run_fn run;
    void *src;
    ks_worker *workers;
    unsigned nworkers;
    ks_diags diags; /* under diag_lock */
    pthread_mutex_t diag_lock;
    _Atomic bool done;
    double t0;
    /* Jobs: workers whose source has no more work help with them. */
    pthread_mutex_t job_lock;
    pthread_cond_t job_cond;
    ks_job *jobs;
    unsigned busy; /* workers in their source's run or in a task */
    long pem_mark; /* the engine's mark of PEM BEGIN lines, or -1 (decode.c searches) */
};

/* Where the bytes of a pass come from: fill dst with up to `want` bytes,
 * return how many (fewer only at the end), or -1 on a read error. */
typedef ssize_t (*ks_fill_fn)(void *ctx, uint8_t *dst, size_t want);

typedef struct ks_mem_src {
    const uint8_t *data;
    size_t len, pos;
} ks_mem_src;
ssize_t ks_fill_mem(void *ctx, uint8_t *dst, size_t want);

/* A logical blob: set the origin hits are reported under; at the end count
 * it (as a file when `file`) and the bytes the engine saw. */
void ks_blob_begin(ks_worker *w, const ks_origin *origin);
void ks_blob_end(ks_worker *w, uint64_t bytes, bool file);
/* A file begins (a source's blob, an archive member): rules that report
 * files (whole_file) may apply again. */
void ks_worker_new_file(ks_worker *w);

/* One pass of the engine over the bytes `fill` produces, in chunks. The
 * first chunk may already be in w->buf (`prefilled` bytes, else -1).
 * Adds the bytes seen to *total. Returns KS_EENGINE only when the engine
 * failed; read errors and size limits are warnings. */
int ks_scan_pass(ks_worker *w, ks_fill_fn fill, void *ctx, uint32_t flags, ssize_t prefilled,
                 uint64_t limit, uint64_t *total);

/* Offset map of a strings pass: which bytes of the blob each run of the
 * scanned text came from (see unpack.c). */
typedef struct ks_seg {
    uint64_t view; /* offset in the text the engine scans */
    uint64_t orig; /* offset in the blob */
    uint32_t len;  /* bytes of text */
    uint32_t stride; /* 1: ASCII, 2: UTF-16LE */
} ks_seg;

typedef struct ks_view {
    ks_seg *v;
    size_t first, n, cap; /* live segments: v[first..n) */
} ks_view;

/* The blob offset (and stride) behind offset `at` of a strings pass. */
uint64_t ks_view_map(const ks_view *v, uint64_t at, uint32_t *stride);

/* Hits (pipeline.c). A hit of `rule` with secret `secret` (copied) at
 * w->buf[ss, se) of a chunk of `len` valid bytes: origin, line, column and
 * a snippet with [ss, se) masked; the caller sets confidence, checks, key
 * and syntax. */
ks_hit *ks_worker_hit(ks_worker *w, uint32_t rule, size_t len, size_t ss, size_t se,
                      const uint8_t *secret, size_t secret_len);
/* Does an inline "keysift:allow" on the line of w->buf[at] accept what is
 * there? Counted as allowed when it does. */
bool ks_worker_allowed(ks_worker *w, size_t len, size_t at);

/* Whether a rule with `paths` applies to the blob being scanned (the
 * engine's `applies` callback; ctx is the worker). */
ks_applies ks_worker_rule_applies(void *ctx, uint32_t rule);

/* The decoding stage (decode.c): encoded spans and wrapped PEM blocks of
 * a text chunk whose start lies in [own_from, own_to), decoded and scanned
 * again in the context of their line. The raw scan of the chunk added
 * w->hits.v[hits0..]. Returns KS_EENGINE on an engine failure, else 0. */
int ks_decode_chunk(ks_worker *w, size_t len, size_t own_from, size_t own_to, uint32_t flags,
                    size_t hits0);
/* The engine's mark callback (ctx: the worker): a PEM BEGIN marker ends
 * at `end` of the chunk being scanned. */
void ks_decode_on_mark(void *ctx, size_t which, size_t end);
/* Per-worker state of decode.c. */
void ks_decode_worker_dispose(ks_worker *w);

/* Unpacking (unpack.c). */
/* Does the first chunk of a blob call for unpacking (a container, or
 * binary bytes)? When false the blob is text and is scanned as it is. */
bool ks_unpack_wanted(const ks_scan_config *cfg, const uint8_t *head, size_t n);
/* Scan a blob in memory: unpack what it contains, scan its text or the
 * strings of its binary parts. `fd` (or -1) holds the same bytes at
 * `fd_off`, for decoders that read at random; data is then a mapping of
 * that file, whose pages are released behind the passes that read them. */
void ks_unpack_root(ks_worker *w, const uint8_t *data, size_t len, const ks_origin *origin,
                    uint32_t flags, int fd, uint64_t fd_off);
/* Per-worker state of unpack.c. */
void ks_unpack_worker_dispose(ks_worker *w);

/* Mapped input (guard.c). While a mapping of a file is registered, a
 * SIGBUS inside it (the file shrank under the scan, or an I/O error) does
 * not kill the scan: the rest of the mapping reads as zeros from then on.
 * ks_guard_add returns NULL when no mapping can be guarded (then do not
 * map); ks_guard_remove, after every thread is done with the mapping and
 * before it is unmapped, says whether that happened. */
typedef struct ks_guard ks_guard;
ks_guard *ks_guard_add(const uint8_t *map, size_t len);
bool ks_guard_remove(ks_guard *g);

/* Jobs (pipeline.c). Run job tasks on this worker and on idle ones; return
 * when all have run. */
void ks_pipeline_run_job(ks_worker *w, ks_job *job);

#endif
