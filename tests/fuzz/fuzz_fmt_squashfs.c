/*
 * fuzz_fmt_squashfs.c - libFuzzer target: one decoder on its own, SquashFS (libsquashfs).
 */
#include "fmt_target.h"

FZ_FORMAT_TARGET(&ks_format_squashfs)
