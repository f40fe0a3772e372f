/*
 * registry.c - every decoder, in the order blobs are sniffed, and the
 * database of their carving signatures.
 *
 * Adding a format is adding a file to formats/ and a line here. Order
 * matters only where two sniffs could both accept the same bytes: the more
 * specific format comes first.
 */
#include "format.h"

#include <hs.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

const ks_format *const ks_formats[] = {
    &ks_format_elf,
    &ks_format_squashfs,
    &ks_format_ext,
    &ks_format_gzip,
    &ks_format_xz,
    &ks_format_zlib,
    &ks_format_bzip2,
    &ks_format_zstd,
    &ks_format_lz4,
    &ks_format_lzip,
    &ks_format_zip,
    &ks_format_tar,
    &ks_format_cpio,
    &ks_format_sevenzip,
    &ks_format_ar,
    &ks_format_iso9660,
    &ks_format_rar,
    &ks_format_cab,
    &ks_format_xar,
    &ks_format_compress,
    &ks_format_uimage,
    &ks_format_fdt,
    &ks_format_trx,
    &ks_format_chk,
    &ks_format_seama,
    &ks_format_tplink,
    &ks_format_der,
    &ks_format_dropbear,
    &ks_format_jks,
    &ks_format_ihex,
    &ks_format_srec,
    &ks_format_ubi,
    &ks_format_ubifs,
    &ks_format_jffs2,
    &ks_format_cramfs,
    &ks_format_romfs,
    &ks_format_erofs,
    &ks_format_f2fs,
    &ks_format_sparse,
    &ks_format_lzop,
    &ks_format_squashfs3,
    &ks_format_lzma,
};

const size_t ks_nformats = sizeof ks_formats / sizeof ks_formats[0];

const ks_format *ks_format_sniff(const uint8_t *data, size_t len)
{
    for (size_t i = 0; i < ks_nformats; i++)
        if (ks_formats[i]->sniff(data, len))
            return ks_formats[i];
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* Carving signatures                                                        */

typedef struct carve_sig {
    const ks_format *fmt;
    size_t reach; /* signature length plus its place in the container */
} carve_sig;

static struct {
    pthread_once_t once;
    hs_database_t *db;
    carve_sig *sigs;
    size_t nsigs, reach;
} carve = {.once = PTHREAD_ONCE_INIT};

static void carve_compile(void)
{
    size_t n = 0;
    for (size_t i = 0; i < ks_nformats; i++)
        n += ks_formats[i]->nsigs;
    if (n == 0)
        return;
    const char **exprs = ks_xcalloc(n, sizeof(char *));
    unsigned *flags = ks_xcalloc(n, sizeof(unsigned));
    unsigned *ids = ks_xcalloc(n, sizeof(unsigned));
    size_t *lens = ks_xcalloc(n, sizeof(size_t));
    carve.sigs = ks_xcalloc(n, sizeof(carve_sig));
    size_t k = 0;
    for (size_t i = 0; i < ks_nformats; i++)
        for (size_t j = 0; j < ks_formats[i]->nsigs; j++) {
            const ks_signature *sg = &ks_formats[i]->sigs[j];
            exprs[k] = sg->bytes;
            lens[k] = sg->len;
            ids[k] = (unsigned)k;
            carve.sigs[k] = (carve_sig){ks_formats[i], sg->len + sg->at};
            if (sg->len + sg->at > carve.reach)
                carve.reach = sg->len + sg->at;
            k++;
        }
    hs_compile_error_t *err = NULL;
    if (hs_compile_lit_multi(exprs, flags, ids, lens, (unsigned)n, HS_MODE_BLOCK, NULL, &carve.db,
                             &err) != HS_SUCCESS) {
        /* The signatures are ours: this is a programming error, but a scan
         * without carving is still a scan. */
        fprintf(stderr, "keysift: internal: signature database: %s\n",
                err && err->message ? err->message : "?");
        hs_free_compile_error(err);
        carve.db = NULL;
    }
    carve.nsigs = n;
    free(exprs);
    free(flags);
    free(ids);
    free(lens);
}

struct ks_carve_scratch {
    hs_scratch_t *hs;
};

ks_carve_scratch *ks_carve_scratch_new(void)
{
    pthread_once(&carve.once, carve_compile);
    hs_scratch_t *hs = NULL;
    if (!carve.db || hs_alloc_scratch(carve.db, &hs) != HS_SUCCESS)
        return NULL;
    ks_carve_scratch *s = ks_xcalloc(1, sizeof *s);
    s->hs = hs;
    return s;
}

void ks_carve_scratch_free(ks_carve_scratch *s)
{
    if (!s)
        return;
    hs_free_scratch(s->hs);
    free(s);
}

size_t ks_carve_reach(void)
{
    pthread_once(&carve.once, carve_compile);
    return carve.reach;
}

typedef struct carve_call {
    ks_carve_fn fn;
    void *payload;
} carve_call;

static int on_magic(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
                    void *payload)
{
    (void)from;
    (void)flags;
    const carve_call *c = payload;
    c->fn(c->payload, carve.sigs[id].fmt, (size_t)to, carve.sigs[id].reach);
    return 0;
}

void ks_carve_scan(ks_carve_scratch *s, const uint8_t *data, size_t len, ks_carve_fn fn,
                   void *payload)
{
    carve_call c = {fn, payload};
    hs_scan(carve.db, (const char *)data, (unsigned)len, 0, s->hs, on_magic, &c);
}
