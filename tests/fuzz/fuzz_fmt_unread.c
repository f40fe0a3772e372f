/*
 * fuzz_fmt_unread.c - libFuzzer target: one decoder on its own, formats recognised but not read
 * (F2FS, SquashFS 3).
 */
#include "fmt_target.h"

FZ_FORMAT_TARGET(&ks_format_f2fs, &ks_format_squashfs3)
