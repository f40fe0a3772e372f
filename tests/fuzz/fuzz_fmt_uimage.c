/*
 * fuzz_fmt_uimage.c - libFuzzer target: one decoder on its own, U-Boot uImage.
 */
#include "fmt_target.h"

FZ_FORMAT_TARGET(&ks_format_uimage)
