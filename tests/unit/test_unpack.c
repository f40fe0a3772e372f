/*
 * test_unpack.c - unpacking through the whole pipeline: strings of binary
 * bytes and their offsets (ASCII and UTF-16LE, across chunk boundaries, among
 * the short runs of code),
 * carving, lookalike magics, budgets (depth, expanded bytes, ratio),
 * Intel HEX errors, and a SquashFS read by parallel workers.
 */
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static const char *const RULES = "rules:\n"
                                 "  - id: t.ghp\n"
                                 "    name: GitHub token\n"
                                 "    kind: source-hosting-token\n"
                                 "    severity: high\n"
                                 "    confidence: high\n"
                                 "    pattern: '\\b(ghp_[0-9A-Za-z]{36})\\b'\n"
                                 "    secret_group: 1\n"
                                 "    validate: [github-crc32]\n";

typedef struct fixture {
    ks_ruleset rs;
    ks_engine *e;
    char *dir;
} fixture;

static int setup(void **state)
{
    fixture *f = ks_xcalloc(1, sizeof *f);
    t_rules(&f->rs, RULES);
    f->e = t_engine(&f->rs);
    f->dir = t_tmpdir();
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    ks_engine_free(f->e);
    ks_ruleset_dispose(&f->rs);
    t_rmtree(f->dir);
    free(f->dir);
    free(f);
    t_limits = NULL;
    return 0;
}

/* Bytes that are never printable (so no accidental runs), from a seed. */
static void noise(uint8_t *p, size_t n, uint32_t seed)
{
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        p[i] = (uint8_t)(0x80 | (seed >> 16));
    }
}

static void scan_one(fixture *f, char *path, size_t chunk, unsigned threads, ks_results *res)
{
    char *paths[] = {path};
    t_scan(&f->rs, f->e, paths, 1, chunk, threads, res);
}

static bool warned(const ks_results *res, const char *needle)
{
    for (size_t i = 0; i < res->diags.n; i++)
        if (strstr(res->diags.v[i].message, needle))
            return true;
    return false;
}

/* gzip of data (zlib, gzip wrapper). Caller frees. */
static uint8_t *gzip_of(const uint8_t *data, size_t n, size_t *out_len)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
    size_t cap = deflateBound(&z, (uLong)n) + 64;
    uint8_t *out = ks_xmalloc(cap);
    z.next_in = (Bytef *)(uintptr_t)data;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    *out_len = z.total_out;
    deflateEnd(&z);
    return out;
}

static void test_unpack__strings_offsets_across_chunks(void **state)
{
    fixture *f = *state;
    /* Tokens at offsets that straddle the 8 KiB chunks of this scan, one
     * of them stored as UTF-16LE. */
    enum { N = 64 * 1024 };
    uint8_t *buf = ks_xmalloc(N);
    noise(buf, N, 7);
    char tok[3][41];
    size_t at[3] = {8192 - 10, 20000, 40951};
    for (int i = 0; i < 3; i++)
        t_make_token(tok[i], "ghp_", 100u + (unsigned)i);
    memcpy(buf + at[0], tok[0], 40);
    memcpy(buf + at[1], tok[1], 40);
    for (size_t i = 0; i < 40; i++) {
        buf[at[2] + 2 * i] = (uint8_t)tok[2][i];
        buf[at[2] + 2 * i + 1] = 0;
    }
    buf[0] = 0; /* binary */
    char *p = t_write(f->dir, "blob.bin", buf, N);
    ks_results res;
    scan_one(f, p, 8192, 1, &res);
    assert_int_equal(res.nfindings, 3);
    for (int i = 0; i < 3; i++) {
        const ks_finding *fd = t_find(&res, "t.ghp", tok[i]);
        assert_non_null(fd);
        assert_int_equal(fd->locs[0].offset, at[i]);
        assert_non_null(fd->locs[0].bin);
        assert_true(fd->locs[0].bin->strings);
        assert_int_equal(fd->locs[0].line, 0);
        if (i == 2)
            assert_string_equal(fd->locs[0].bin->encoding, "utf-16le");
        else
            assert_null(fd->locs[0].bin->encoding);
    }
    assert_int_equal(res.sum.bytes, N);
    ks_results_dispose(&res);
    free(p);
    free(buf);
}

/* The strings pass looks at most 32 MB ahead (what is behind it is
 * released): a stretch of zeros longer than that, and a printable run
 * longer than that, handed out in parts. A token across the place where
 * the run is cut is found whole, at its offset. */
static void test_unpack__strings_longer_than_release_window(void **state)
{
    fixture *f = *state;
    enum { MB = 1 << 20, N = 80 * MB, RUN = 40 * MB };
    uint8_t *buf = ks_xcalloc(N, 1);
    for (size_t i = RUN; i < N; i++)
        buf[i] = (i % 8 == 7) ? ' ' : 'x';
    char tok[3][41];
    /* Before the first cut (pos + 32 MB from the run's start), across it,
     * and at the very end. */
    size_t at[3] = {RUN + 1000, RUN + 32 * MB - 20, N - 41};
    for (int i = 0; i < 3; i++) {
        t_make_token(tok[i], "ghp_", 200u + (unsigned)i);
        buf[at[i] - 1] = ' ';
        memcpy(buf + at[i], tok[i], 40);
        buf[at[i] + 40] = ' ';
    }
    char *p = t_write(f->dir, "long.bin", buf, N);
    ks_results res;
    scan_one(f, p, MB, 1, &res);
    assert_int_equal(res.nfindings, 3);
    for (int i = 0; i < 3; i++) {
        const ks_finding *fd = t_find(&res, "t.ghp", tok[i]);
        assert_non_null(fd);
        assert_int_equal(fd->locs[0].offset, at[i]);
        assert_true(fd->locs[0].bin->strings);
    }
    assert_int_equal(res.sum.bytes, N);
    ks_results_dispose(&res);
    free(p);
    free(buf);
}

/* Bytes like machine code: printable runs of 1 to 5 bytes and zero bytes
 * everywhere, but no run a strings pass keeps (6 in a row). */
static void code_like(uint8_t *p, size_t n, uint32_t seed)
{
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        uint8_t b = (uint8_t)(seed >> 16);
        if (b % 7 == 0)
            b = 0;
        bool printable = (b >= 0x20 && b < 0x7f) || b == '\t' || b == '\n' || b == '\r';
        if (printable && run == 5) {
            b = 0x90;
            printable = false;
        }
        run = printable ? run + 1 : 0;
        p[i] = b;
    }
}

static void test_unpack__strings_among_short_runs(void **state)
{
    fixture *f = *state;
    /* 64 tokens in code-like bytes, each 100 + k bytes after the end of
     * the one before: the strings pass judges 64 bytes at a time from where
     * the last run ended, so they fall at every place in its window. Every
     * other one is UTF-16LE, right after a short ASCII run ("xy"): the pass
     * looks for UTF-16 that starts at a run's last character. */
    enum { N = 16 * 1024 };
    uint8_t *buf = ks_xmalloc(N);
    code_like(buf, N, 11);
    char tok[64][41];
    size_t at[64], end = 1000;
    for (size_t k = 0; k < 64; k++) {
        t_make_token(tok[k], "ghp_", 200u + (unsigned)k);
        at[k] = end + 100 + k;
        end = at[k] + (k % 2 ? 80 : 40);
        uint8_t *q = buf + at[k];
        q[-3] = 0x90;
        if (k % 2 == 0) {
            q[-1] = 0x90;
            memcpy(q, tok[k], 40);
            q[40] = 0x90;
        } else {
            q[-2] = 'x';
            q[-1] = 'y';
            for (size_t i = 0; i < 40; i++) {
                q[2 * i] = (uint8_t)tok[k][i];
                q[2 * i + 1] = 0;
            }
            q[80] = 0x90;
        }
    }
    char *p = t_write(f->dir, "code.bin", buf, N);
    ks_results res;
    scan_one(f, p, 8192, 1, &res);
    assert_int_equal(res.nfindings, 64);
    for (size_t k = 0; k < 64; k++) {
        const ks_finding *fd = t_find(&res, "t.ghp", tok[k]);
        assert_non_null(fd);
        assert_int_equal(fd->locs[0].offset, at[k]);
        if (k % 2)
            assert_string_equal(fd->locs[0].bin->encoding, "utf-16le");
        else
            assert_null(fd->locs[0].bin->encoding);
    }
    ks_results_dispose(&res);
    free(p);
    free(buf);
}

static void test_unpack__carved_gzip_has_its_chain(void **state)
{
    fixture *f = *state;
    char tok[41], text[256];
    t_make_token(tok, "ghp_", 5);
    int tl = snprintf(text, sizeof text, "line one\nexport TOKEN=%s\n", tok);
    size_t gl;
    uint8_t *gz = gzip_of((const uint8_t *)text, (size_t)tl, &gl);
    enum { OFF = 0x1234 };
    uint8_t buf[OFF + 512];
    noise(buf, sizeof buf, 3);
    assert_true(OFF + gl <= sizeof buf);
    memcpy(buf + OFF, gz, gl);
    char *p = t_write(f->dir, "fw.img", buf, sizeof buf);
    ks_results res;
    scan_one(f, p, 0, 2, &res);
    assert_int_equal(res.nfindings, 1);
    const ks_location *l = &res.findings[0].locs[0];
    char want[4200];
    snprintf(want, sizeof want, "%s!gzip@0x1234", p);
    assert_string_equal(l->path, want);
    assert_int_equal(l->line, 2); /* the decoded text keeps its lines */
    assert_int_equal(l->offset, strstr(text, tok) - text);
    assert_int_equal(l->bin->nchain, 2);
    assert_int_equal(l->bin->chain[0].offset, KS_NO_OFFSET); /* decoded: no offset in fw.img */
    assert_int_equal(res.sum.containers, 1);
    assert_int_equal(res.sum.warnings, 0);
    ks_results_dispose(&res);
    free(p);
    free(gz);
}

static void test_unpack__lookalike_magics_are_silent(void **state)
{
    fixture *f = *state;
    /* Magic bytes of every family, with nothing valid behind them. */
    static const char *const magics[] = {"\x1f\x8b\x08", "\x78\x9c", "\x78\xda", "hsqs", "PK\003\004",
                                         "\x5d\x00\x00", "\xfd" "7zXZ", "\177ELF\002\001\001",
                                         "070701", "\x27\x05\x19\x56", "UBI#\001", "\x30\x82"};
    enum { N = 256 * 1024 };
    uint8_t *buf = ks_xmalloc(N);
    noise(buf, N, 11);
    buf[5] = 0;
    size_t k = 0;
    for (size_t off = 100; off + 16 < N; off += 997, k++) {
        const char *m = magics[k % (sizeof magics / sizeof magics[0])];
        memcpy(buf + off, m, strlen(m) ? strlen(m) : 1);
    }
    char *p = t_write(f->dir, "noise.bin", buf, N);
    ks_results res;
    scan_one(f, p, 0, 1, &res);
    assert_int_equal(res.nfindings, 0);
    assert_int_equal(res.sum.warnings, 0);
    assert_int_equal(res.sum.containers, 0);
    assert_int_equal(res.sum.files, 1);
    ks_results_dispose(&res);
    free(p);
    free(buf);
}

static void test_unpack__depth_budget(void **state)
{
    fixture *f = *state;
    char tok[41], text[128];
    t_make_token(tok, "ghp_", 9);
    int tl = snprintf(text, sizeof text, "token %s\n", tok);
    size_t len = (size_t)tl;
    uint8_t *cur = (uint8_t *)ks_xstrdup(text);
    for (int i = 0; i < 5; i++) { /* gzip, five times over */
        size_t gl;
        uint8_t *g = gzip_of(cur, len, &gl);
        free(cur);
        cur = g;
        len = gl;
    }
    char *p = t_write(f->dir, "deep.gz", cur, len);
    ks_unpack_limits lim = ks_unpack_limits_default();
    lim.max_depth = 3;
    t_limits = &lim;
    ks_results res;
    scan_one(f, p, 0, 1, &res);
    assert_int_equal(res.nfindings, 0);
    assert_int_equal(res.sum.budget_hits, 1);
    assert_true(warned(&res, "--max-depth 3"));
    ks_results_dispose(&res);
    lim.max_depth = 5;
    scan_one(f, p, 0, 1, &res);
    assert_int_equal(res.nfindings, 1);
    assert_int_equal(res.findings[0].locs[0].bin->nchain, 6);
    assert_int_equal(res.sum.budget_hits, 0);
    ks_results_dispose(&res);
    free(p);
    free(cur);
}

static void test_unpack__expanded_and_ratio_budgets(void **state)
{
    fixture *f = *state;
    /* 32 MiB that compress to a few KB, then a token: the token is past
     * what the budgets let through. */
    size_t n = 32u << 20;
    uint8_t *z = ks_xcalloc(1, n + 64);
    char tok[41];
    t_make_token(tok, "ghp_", 77);
    memcpy(z + n, tok, 40);
    size_t gl;
    uint8_t *gz = gzip_of(z, n + 40, &gl);
    char *p = t_write(f->dir, "zeros.gz", gz, gl);
    ks_unpack_limits lim = ks_unpack_limits_default();
    lim.max_expanded = 4u << 20;
    t_limits = &lim;
    ks_results res;
    scan_one(f, p, 0, 1, &res);
    assert_int_equal(res.nfindings, 0);
    assert_int_equal(res.sum.budget_hits, 1);
    assert_true(warned(&res, "--max-expanded"));
    ks_results_dispose(&res);

    lim = ks_unpack_limits_default();
    lim.ratio_floor = 1u << 20;
    lim.max_ratio = 100;
    scan_one(f, p, 0, 1, &res);
    assert_int_equal(res.nfindings, 0);
    assert_true(res.sum.budget_hits >= 1);
    assert_true(warned(&res, "--max-ratio"));
    ks_results_dispose(&res);

    t_limits = NULL; /* the defaults let it through */
    scan_one(f, p, 0, 1, &res);
    assert_int_equal(res.nfindings, 1);
    assert_int_equal(res.sum.budget_hits, 0);
    ks_results_dispose(&res);
    free(p);
    free(gz);
    free(z);
}

static void test_unpack__intel_hex_bad_record(void **state)
{
    fixture *f = *state;
    char tok[41];
    t_make_token(tok, "ghp_", 21);
    /* Records of 16 bytes at 0x1000, one with a wrong checksum. */
    char hex[4096];
    size_t o = 0;
    o += (size_t)snprintf(hex + o, sizeof hex - o, ":020000040800F2\n"); /* base 0x08000000 */
    for (int r = 0; r < 3; r++) {
        unsigned addr = 0x1000u + 16u * (unsigned)r;
        unsigned sum = 16 + (addr >> 8) + (addr & 0xff);
        o += (size_t)snprintf(hex + o, sizeof hex - o, ":10%04X00", addr);
        for (int i = 0; i < 16; i++) {
            unsigned char c = r * 16 + i < 40 ? (unsigned char)tok[r * 16 + i] : 0;
            sum += c;
            o += (size_t)snprintf(hex + o, sizeof hex - o, "%02X", c);
        }
        o += (size_t)snprintf(hex + o, sizeof hex - o, "%02X\n", (0x100 - (sum & 0xff)) & 0xff);
    }
    o += (size_t)snprintf(hex + o, sizeof hex - o, ":10200000000102030405060708090A0B0C0D0E0F00\n");
    o += (size_t)snprintf(hex + o, sizeof hex - o, ":00000001FF\n");
    char *p = t_write(f->dir, "app.hex", hex, o);
    ks_results res;
    scan_one(f, p, 0, 1, &res);
    assert_int_equal(res.nfindings, 1);
    const ks_location *l = &res.findings[0].locs[0];
    assert_true(l->bin->has_vaddr);
    assert_int_equal(l->bin->vaddr, 0x08001000u);
    assert_true(warned(&res, "line 5: not a valid record"));
    ks_results_dispose(&res);
    free(p);
}

static void test_unpack__squashfs_read_in_parallel(void **state)
{
    fixture *f = *state;
    if (system("command -v mksquashfs >/dev/null 2>&1") != 0)
        fail_msg("mksquashfs is missing (scripts/install-deps installs squashfs-tools)");
    /* 600 files, a token in each: three batches of files for four workers. */
    char root[4200], cmd[9000];
    snprintf(root, sizeof root, "%s/root", f->dir);
    snprintf(cmd, sizeof cmd, "mkdir -p %s/d", root);
    assert_int_equal(system(cmd), 0);
    char tok[600][41];
    for (int i = 0; i < 600; i++) {
        char name[64], text[128];
        snprintf(name, sizeof name, "root/d/f%03d.conf", i);
        t_make_token(tok[i], "ghp_", 5000u + (unsigned)i);
        int n = snprintf(text, sizeof text, "# file %d\ntoken = %s\n", i, tok[i]);
        free(t_write(f->dir, name, text, (size_t)n));
    }
    snprintf(cmd, sizeof cmd, "mksquashfs %s %s/fs.sqfs -comp gzip -noappend -quiet >/dev/null", root,
             f->dir);
    assert_int_equal(system(cmd), 0);
    char img[4200];
    snprintf(img, sizeof img, "%s/fs.sqfs", f->dir);
    ks_results res;
    scan_one(f, img, 0, 4, &res);
    assert_int_equal(res.nfindings, 600);
    for (int i = 0; i < 600; i += 37) {
        const ks_finding *fd = t_find(&res, "t.ghp", tok[i]);
        assert_non_null(fd);
        assert_int_equal(fd->nlocs, 1);
        char want[4300];
        snprintf(want, sizeof want, "%s:/d/f%03d.conf", img, i);
        assert_string_equal(fd->locs[0].path, want);
        assert_int_equal(fd->locs[0].line, 2);
    }
    assert_int_equal(res.sum.files, 601);
    assert_int_equal(res.sum.warnings, 0);
    ks_results_dispose(&res);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_unpack__strings_offsets_across_chunks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unpack__strings_longer_than_release_window, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_unpack__strings_among_short_runs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unpack__carved_gzip_has_its_chain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unpack__lookalike_magics_are_silent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unpack__depth_budget, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unpack__expanded_and_ratio_budgets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unpack__intel_hex_bad_record, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unpack__squashfs_read_in_parallel, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
