/*
 * fmt_target.h - fuzz targets of single decoders (fuzz_fmt_*.c): each
 * names its formats and hands the input to fz_format_run (fmtctx.c).
 */
#ifndef KS_FUZZ_FMT_TARGET_H
#define KS_FUZZ_FMT_TARGET_H

#include "formats/format.h"
#include "fuzz.h"

/* The first of fmts whose sniff accepts data[0..size) expands it, in a
 * context that checks each child against format.h's promises, reads all
 * its bytes, and unpacks nothing further. */
int fz_format_run(const ks_format *const *fmts, size_t nfmts, const uint8_t *data, size_t size);

#define FZ_FORMAT_TARGET(...)                                                                      \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)                                   \
    {                                                                                              \
        static const ks_format *const fmts[] = {__VA_ARGS__};                                      \
        return fz_format_run(fmts, sizeof fmts / sizeof fmts[0], data, size);                      \
    }

#endif
