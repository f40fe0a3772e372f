/*
 * registry.c - every decoder, in the order blobs are sniffed.
 *
 * Adding a format is adding a file to formats/ and a line here. Order
 * matters only where two sniffs could both accept the same bytes: the more
 * specific format comes first.
 */
#include "format.h"

const ks_format *const ks_formats[] = {
    &ks_format_elf,
    &ks_format_squashfs,
    &ks_format_gzip,
    &ks_format_xz,
    &ks_format_zlib,
    &ks_format_bzip2,
    &ks_format_zstd,
    &ks_format_lz4,
    &ks_format_lzip,
    &ks_format_zip,
    &ks_format_tar,
    &ks_format_cpio,
    &ks_format_sevenzip,
    &ks_format_ar,
    &ks_format_iso9660,
    &ks_format_rar,
    &ks_format_cab,
    &ks_format_xar,
    &ks_format_compress,
    &ks_format_uimage,
    &ks_format_der,
    &ks_format_dropbear,
    &ks_format_ihex,
    &ks_format_srec,
    &ks_format_ubi,
    &ks_format_ubifs,
    &ks_format_jffs2,
    &ks_format_cramfs,
    &ks_format_romfs,
    &ks_format_ext,
    &ks_format_erofs,
    &ks_format_f2fs,
    &ks_format_sparse,
    &ks_format_lzop,
    &ks_format_squashfs3,
    &ks_format_lzma,
};

const size_t ks_nformats = sizeof ks_formats / sizeof ks_formats[0];

const ks_format *ks_format_sniff(const uint8_t *data, size_t len)
{
    for (size_t i = 0; i < ks_nformats; i++)
        if (ks_formats[i]->sniff(data, len))
            return ks_formats[i];
    return NULL;
}
