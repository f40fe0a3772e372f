/*
 * fuzz_fmt_sparse.c - libFuzzer target: the Android sparse image decoder on its own.
 */
#include "fmt_target.h"

FZ_FORMAT_TARGET(&ks_format_sparse)
