/*
 * fuzz_gitpack.c - libFuzzer target: the packfile reader
 * (scanner/source/gitpack.c). The input is a version-2 pack index
 * followed by its pack: the index's length follows from its object count
 * (8 + 1024 + 28 n + 40 bytes, no large offsets). Both are written to
 * files, opened as a history scan opens them, and every object is read in
 * offset order and by id (inflated, delta chains applied).
 */
#include "fuzz.h"
#include "source/gitpack.h"

#include <string.h>

#define MAX_OBJECTS 512

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t idxlen = size;
    if (size >= 8 + 1024 + 40) {
        uint64_t want = 1072 + (uint64_t)be32(data + 8 + 255 * 4) * 28;
        if (want < size)
            idxlen = (size_t)want;
    }
    const char *idx = fz_path("p.idx");
    fz_write(idx, data, idxlen);
    fz_write(fz_path("p.pack"), data + idxlen, size - idxlen);
    char base[512];
    size_t bl = strlen(idx) - 4;
    FZ_CHECK(bl < sizeof base);
    memcpy(base, idx, bl);
    base[bl] = '\0';

    ks_pack *p = NULL;
    if (ks_pack_open(&p, base) != 0) {
        const char *msg = ks_error_msg();
        FZ_CHECK(msg && *msg);
        return 0;
    }
    ks_pack_reader *r = ks_pack_reader_new(p, 1u << 20);
    size_t n = ks_pack_count(p);
    for (size_t i = 0; i < n && i < MAX_OBJECTS; i++) {
        uint8_t oid[20];
        bool is_blob = false;
        if (ks_pack_entry(r, i, oid, &is_blob) != 0)
            continue;
        FZ_CHECK(ks_pack_has(p, oid));
        const uint8_t *d = NULL;
        size_t len = 0;
        if (ks_pack_read(r, i, &d, &len) == 0)
            fz_touch(d, len);
        int type = 0;
        if (ks_pack_read_oid(r, oid, &type, &d, &len) == 0)
            fz_touch(d, len);
    }
    ks_pack_reader_free(r);
    ks_pack_free(p);
    return 0;
}
