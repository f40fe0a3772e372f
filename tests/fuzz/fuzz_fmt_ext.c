/*
 * fuzz_fmt_ext.c - libFuzzer target: one decoder on its own, ext2/3/4 (libext2fs).
 */
#include "fmt_target.h"

FZ_FORMAT_TARGET(&ks_format_ext)
