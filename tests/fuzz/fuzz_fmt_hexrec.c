/*
 * fuzz_fmt_hexrec.c - libFuzzer target: one decoder on its own, Intel HEX and Motorola S-records.
 */
#include "fmt_target.h"

FZ_FORMAT_TARGET(&ks_format_ihex, &ks_format_srec)
