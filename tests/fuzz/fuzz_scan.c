/*
 * fuzz_scan.c - libFuzzer target: one input scanned as the bytes it is, as
 * a text file is (scanner/pipeline/decode.c's decoding stage: encoded
 * spans and wrapped PEM blocks decoded and scanned again), with the
 * built-in rules, then made into findings.
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
    fz_scan(data, size, false);
    return 0;
}
