/*
 * fuzz_fmt_xz.c - libFuzzer target: one decoder on its own, xz and lzma streams (liblzma).
 */
#include "fmt_target.h"

FZ_FORMAT_TARGET(&ks_format_xz, &ks_format_lzma)
