/*
 * fuzz_fmt_gzip.c - libFuzzer target: one decoder on its own, gzip and zlib streams.
 */
#include "fmt_target.h"

FZ_FORMAT_TARGET(&ks_format_gzip, &ks_format_zlib)
