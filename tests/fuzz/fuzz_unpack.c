/*
 * fuzz_unpack.c - libFuzzer target: one input through the whole unpacking
 * pipeline (sniff, every decoder and the decoders of what they emit,
 * carving, strings of binaries, the engine with the built-in rules, the
 * decoding stage, keys and certificates read with OpenSSL).
 */
#include "scan_target.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fz_engine();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_scan(data, size, true);
    return 0;
}
