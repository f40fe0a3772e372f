/*
 * fuzz_fmt_fdt.c - libFuzzer target: one decoder on its own, device trees and FIT images (libfdt).
 */
#include "fmt_target.h"

FZ_FORMAT_TARGET(&ks_format_fdt)
