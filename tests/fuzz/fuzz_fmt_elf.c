/*
 * fuzz_fmt_elf.c - libFuzzer target: one decoder on its own, ELF (libelf):
 * sections, symbols, segments.
 */
#include "fmt_target.h"

FZ_FORMAT_TARGET(&ks_format_elf)
