/*
 * fuzz_fmt_ubifs.c - libFuzzer target: one decoder on its own, UBIFS (formats/ubifs.c).
 */
#include "fmt_target.h"

FZ_FORMAT_TARGET(&ks_format_ubifs)
