/*
 * fuzz_fmt_der.c - libFuzzer target: one decoder on its own, DER keys and certificates, PKCS#12.
 */
#include "fmt_target.h"

FZ_FORMAT_TARGET(&ks_format_der)
