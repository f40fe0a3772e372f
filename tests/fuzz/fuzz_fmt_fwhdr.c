/*
 * fuzz_fmt_fwhdr.c - libFuzzer target: the vendor firmware headers (TRX, CHK, SEAMA, TP-Link).
 */
#include "fmt_target.h"

FZ_FORMAT_TARGET(&ks_format_trx, &ks_format_chk, &ks_format_seama, &ks_format_tplink)
