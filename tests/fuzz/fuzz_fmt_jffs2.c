/*
 * fuzz_fmt_jffs2.c - libFuzzer target: one decoder on its own, JFFS2.
 */
#include "fmt_target.h"

FZ_FORMAT_TARGET(&ks_format_jffs2)
