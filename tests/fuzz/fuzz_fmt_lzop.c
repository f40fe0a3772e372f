/*
 * fuzz_fmt_lzop.c - libFuzzer target: the lzop decoder (liblzo2) on its own.
 */
#include "fmt_target.h"

FZ_FORMAT_TARGET(&ks_format_lzop)
