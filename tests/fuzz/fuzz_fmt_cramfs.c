/*
 * fuzz_fmt_cramfs.c - libFuzzer target: one decoder on its own, CramFS.
 */
#include "fmt_target.h"

FZ_FORMAT_TARGET(&ks_format_cramfs)
