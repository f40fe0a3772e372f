/*
 * fuzz_fmt_unread.c - libFuzzer target: one decoder on its own, formats recognised but not read
 * (EROFS, F2FS, ...).
 */
#include "fmt_target.h"

FZ_FORMAT_TARGET(&ks_format_erofs, &ks_format_f2fs, &ks_format_sparse, &ks_format_lzop,
                 &ks_format_squashfs3)
