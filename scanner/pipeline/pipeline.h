/*
 * pipeline.h - workers that turn blobs into hits, and the interface sources
 * feed them through.
 *
 * DESIGN
 * A scan runs N worker threads. Each worker owns everything it touches on
 * the hot path: the engine scratch, a read buffer, its hit list and its
 * counters. A source (fs walk, stdin, git history, the staged index)
 * decides how work is split: its `run` function is called on every worker
 * thread and hands blobs to ks_worker_scan_fd / ks_worker_scan_mem. Sources
 * may lock to hand out work (a directory, a batch of files), never per
 * byte or per match. A worker is opaque to sources: they scan, warn and
 * count through the functions below.
 *
 * A blob's origin is a chain (file, then what a decoder found inside it);
 * the worker renders it as the location's path when a match is found, and
 * the root's key (provenance.h) travels with the hit.
 */
#ifndef KS_PIPELINE_H
#define KS_PIPELINE_H

#include "../../formats/format.h"
#include "../core/diag.h"
#include "../engine/engine.h"
#include "../findings/findings.h"

/* Where a blob came from: a chain from the innermost blob up to the file
 * (or git blob, or stdin) a source gave. Sources make the root; decoders'
 * children add links (see formats/format.h). Rendered as the location's
 * path: "fw.img!squashfs@0x1a0000:/usr/sbin/agent!.rodata". */
typedef struct ks_origin {
    const struct ks_origin *parent;
    const char *name; /* path, or member name inside the parent */
    const char *sep;  /* joins parent and name when rendered ("!" ...) */
    const ks_source_key *key; /* a source's root: its key for the blob (NULL: a file) */
    /* Links made by decoders (zero in a source's root): */
    uint64_t parent_offset; /* offset of byte 0 in the parent; KS_NO_OFFSET: decoded */
    bool whole;             /* every offset maps to parent_offset (a rendering) */
    bool file;              /* a file of an archive or file system */
    bool has_vaddr;
    uint64_t vaddr; /* load address of byte 0 */
    const char *(*symbol)(const void *payload, uint64_t off, uint64_t *delta);
    const void *symbol_payload;
} ks_origin;

/* Budgets for unpacking one input (a file, a git blob, stdin). */
typedef struct ks_unpack_limits {
    unsigned max_depth;    /* containers inside containers */
    uint64_t max_expanded; /* bytes decoders may produce from one input */
    uint64_t max_ratio;    /* a stream may expand to this many times its size... */
    uint64_t ratio_floor;  /* ...once it has produced this many bytes */
    uint64_t max_entries;  /* entries of one archive or file system */
    bool no_unpack;        /* scan every input as the bytes it is */
} ks_unpack_limits;

typedef struct ks_scan_config {
    const ks_ruleset *rs;
    const ks_engine *engine;
    unsigned threads;
    uint64_t max_file_size;
    bool max_file_size_default; /* not given: files named on the command line are exempt */
    char **excludes;
    size_t nexcludes;
    bool show_secrets;
    bool no_decode;    /* no decoding stage: encoded secrets are not looked for */
    bool quiet;        /* no warnings on stderr (still counted) */
    bool progress;     /* progress line on stderr */
    size_t chunk_size; /* bytes per read; 0 = default (tests set it small) */
    ks_unpack_limits limits;
    /* Marks set on each hit's location from the match's bytes (d[0..len),
     * the match at [ms, me), the secret at [ss, se)), or NULL: what the
     * gitleaks allowlists judge on bytes (gitleaks.h). */
    uint64_t (*mark)(const void *payload, uint32_t rule, const uint8_t *d, size_t len, size_t ms,
                     size_t me, size_t ss, size_t se);
    const void *mark_payload;
} ks_scan_config;

/* The literals the pipeline wants the engine to mark (ks_engine_opts.marks):
 * where PEM blocks begin, for the decoding stage. An engine built without
 * them still works; the stage then searches for them itself. */
extern const char *const ks_pipeline_marks[];
extern const size_t ks_pipeline_nmarks;

/* The default budgets (README, "Scanning firmware"). */
ks_unpack_limits ks_unpack_limits_default(void);

typedef struct ks_worker ks_worker;

/* A source's work, called once on every worker thread; it returns when
 * the source has no more work for it, non-zero only for an error that must
 * stop the whole scan. */
typedef int (*ks_source_run_fn)(void *src, ks_worker *w);

/* Source-side blob flag, next to the engine's KS_SCAN_* flags: the fd is a
 * regular file (a short read is its end; files filling the first chunk are
 * checked against --max-file-size before they are scanned). */
#define KS_BLOB_REGULAR (1u << 16)

/* Source-side blob flag: the file was named on the command line (the
 * default --max-file-size does not apply to it). */
#define KS_BLOB_NAMED (1u << 17)

/* Scan an open file descriptor. Text is read in chunks (never more than
 * one chunk plus the overlap in memory); a container or a binary is mapped
 * (a regular file) or read whole and unpacked. `size_hint` is the size if
 * known, else 0. */
int ks_worker_scan_fd(ks_worker *w, int fd, const ks_origin *origin, uint64_t size_hint,
                      uint32_t flags);
/* Scan bytes already in memory (unpacking them as the fd variant does). */
int ks_worker_scan_mem(ks_worker *w, const uint8_t *data, size_t len, const ks_origin *origin,
                       uint32_t flags);

/* Record a warning (unreadable file, ...) with the path it concerns. */
void ks_worker_warn(ks_worker *w, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Count a file not scanned (a symlink, a special file, too large) or one
 * excluded by the walk. */
void ks_worker_skipped(ks_worker *w);
void ks_worker_excluded(ks_worker *w);

const ks_scan_config *ks_worker_config(const ks_worker *w);

/* What a scan leaves: every worker's hits, the counts, the warnings. */
typedef struct ks_scan_output {
    ks_hitlist *lists; /* one per worker */
    size_t nlists;
    ks_summary sum;    /* files, bytes, skipped, ... (not findings) */
    ks_diags diags;
} ks_scan_output;
void ks_scan_output_dispose(ks_scan_output *out);

/* Run one source's scan on all workers. */
int ks_pipeline_run(const ks_scan_config *cfg, ks_source_run_fn run, void *src,
                    ks_scan_output *out);

/* Run fn(payload, i) for every i in [0, n) on the scan's threads (a step
 * after the scan with independent items: keys to read). */
typedef void (*ks_task_fn)(void *payload, size_t i);
void ks_pipeline_tasks(const ks_scan_config *cfg, size_t n, ks_task_fn fn, void *payload);

/* Scan flags for a file's path: documentation (KS_SCAN_DOCS), source code
 * (KS_SCAN_CODE), tests and examples (KS_SCAN_TESTS). */
uint32_t ks_scan_flags_for_name(const char *path);

/* The rendered origin ("fw.img!squashfs@0x40:/etc/shadow"), with `extra`
 * appended after a '!' when given. New string. */
char *ks_origin_render(const ks_origin *o, const char *extra);

#endif
