/*
 * fuzz_fmt_jks.c - libFuzzer target: one decoder on its own, Java keystores (JKS, JCEKS).
 */
#include "fmt_target.h"

FZ_FORMAT_TARGET(&ks_format_jks)
