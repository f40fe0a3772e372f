/*
 * fuzz_fmt_erofs.c - libFuzzer target: the EROFS reader on its own.
 */
#include "fmt_target.h"

FZ_FORMAT_TARGET(&ks_format_erofs)
