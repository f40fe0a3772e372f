/*
 * scan_target.h - what the targets that scan with the built-in rules
 * share (scan_target.c): the engine, built once per process, and one
 * input through the pipeline and the findings steps after it.
 */
#ifndef KS_FUZZ_SCAN_TARGET_H
#define KS_FUZZ_SCAN_TARGET_H

#include "engine/engine.h"
#include "fuzz.h"

/* The built-in rules and their engine (with the pipeline's marks),
 * compiled on the first call (cached in $KEYSIFT_CACHE_DIR when set). */
const ks_ruleset *fz_rules(void);
const ks_engine *fz_engine(void);

/* Scan data[0..size) as one blob with one worker, as `keysift scan` scans
 * a file: `unpack` false scans the bytes as they are (text: the engine
 * and the decoding stage), true unpacks containers first. Then findings
 * are made from the hits and keys and certificates read, and every
 * finding's fields are read back. */
void fz_scan(const uint8_t *data, size_t size, bool unpack);

#endif
