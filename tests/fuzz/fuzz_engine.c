/*
 * fuzz_engine.c - libFuzzer target: the engine alone (Vectorscan, PCRE2
 * confirmation, validators, the generic judge) under the built-in rules,
 * over random bytes, with the first byte choosing the scan flags and the
 * range of match ends the buffer owns (as a chunk of a larger blob).
 * Checks what engine.h promises of each match (in order of the secret's
 * start).
 */
#include "scan_target.h"

#include <stdlib.h>

static ks_scratch *scratch;

typedef struct state {
    size_t len, own_from, own_to, last_start;
    size_t n;
} state;

static int on_match(const ks_match *m, void *payload)
{
    state *s = payload;
    FZ_CHECK(m->rule < fz_rules()->nrules);
    FZ_CHECK(m->start <= m->end && m->end <= s->len);
    /* Owned by where Vectorscan saw it end (a generic rule: its keyword);
     * the match itself may reach into the overlap after own_to. */
    FZ_CHECK(m->end > s->own_from);
    FZ_CHECK(m->sstart <= m->send && m->send <= s->len);
    FZ_CHECK(m->kstart <= m->kend && m->kend <= s->len);
    FZ_CHECK(s->n == 0 || m->sstart >= s->last_start);
    s->last_start = m->sstart;
    s->n++;
    return 0;
}

static void on_mark(void *ctx, size_t which, size_t end)
{
    state *s = ctx;
    FZ_CHECK(which < 1);
    FZ_CHECK(end > s->own_from && end <= s->own_to);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (ks_scratch_new(&scratch, fz_engine()) != 0)
        fz_fail("no scratch: %s", ks_error_msg());
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t sel = data[0];
    data++;
    size--;
    static const uint32_t flags[] = {0,
                                     KS_SCAN_DOCS,
                                     KS_SCAN_CODE,
                                     KS_SCAN_TESTS,
                                     KS_SCAN_NO_SUPPRESS,
                                     KS_SCAN_CODE | KS_SCAN_TESTS};
    state s = {.len = size, .own_from = 0, .own_to = size};
    /* Half the inputs are a middle chunk: the ends near either edge are
     * another chunk's. */
    if (sel & 0x80) {
        size_t ov = size / 4;
        s.own_from = ov;
        s.own_to = size - ov;
    }
    ks_scan_args a = {.data = data,
                      .len = size,
                      .own_from = s.own_from,
                      .own_to = s.own_to,
                      .flags = flags[(sel & 0x7f) % (sizeof flags / sizeof flags[0])],
                      .mark = on_mark,
                      .mark_ctx = &s};
    int rc = ks_engine_scan(fz_engine(), scratch, &a, on_match, &s);
    FZ_CHECK(rc == 0);
    return 0;
}
