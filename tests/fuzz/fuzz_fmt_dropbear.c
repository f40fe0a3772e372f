/*
 * fuzz_fmt_dropbear.c - libFuzzer target: one decoder on its own, Dropbear host keys.
 */
#include "fmt_target.h"

FZ_FORMAT_TARGET(&ks_format_dropbear)
