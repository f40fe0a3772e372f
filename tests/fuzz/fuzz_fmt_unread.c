/*
 * fuzz_fmt_unread.c - libFuzzer target: one decoder on its own, formats recognised but not read
 * (UBI, JFFS2, ext, ...).
 */
#include "fmt_target.h"

FZ_FORMAT_TARGET(&ks_format_ubi, &ks_format_ubifs, &ks_format_jffs2, &ks_format_cramfs,
                 &ks_format_romfs, &ks_format_ext, &ks_format_f2fs, &ks_format_squashfs3)
