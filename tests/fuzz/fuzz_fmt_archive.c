/*
 * fuzz_fmt_archive.c - libFuzzer target: one decoder on its own, archives and compressors read
 * through libarchive.
 */
#include "fmt_target.h"

FZ_FORMAT_TARGET(&ks_format_zip, &ks_format_tar, &ks_format_cpio, &ks_format_sevenzip,
                 &ks_format_ar, &ks_format_iso9660, &ks_format_rar, &ks_format_cab, &ks_format_xar,
                 &ks_format_bzip2, &ks_format_zstd, &ks_format_lz4, &ks_format_lzip,
                 &ks_format_compress)
