/*
 * fuzz_fmt_romfs.c - libFuzzer target: one decoder on its own, RomFS.
 */
#include "fmt_target.h"

FZ_FORMAT_TARGET(&ks_format_romfs)
