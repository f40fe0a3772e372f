/*
 * fuzz_fmt_ubi.c - libFuzzer target: one decoder on its own, UBI images (formats/ubi.c).
 */
#include "fmt_target.h"

FZ_FORMAT_TARGET(&ks_format_ubi)
