/*
 * hexrec.c - firmware as text records: Intel HEX and Motorola S-records.
 *
 * Both are decoded to bytes. Records that follow each other in the address
 * space make one child, "segment@0x08000000", whose load address is the
 * records' (so a hit is reported at the address the device sees). A gap
 * starts a new child, so sparse addresses never make a large buffer. A
 * record that does not parse or whose checksum is wrong is warned about
 * with its line, and skipped.
 */
#include "format.h"

#include <stdio.h>
#include <string.h>

#define MAX_WARNINGS 5 /* per file: a broken file is not a thousand warnings */

static int hexval(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Decode `n` bytes of hex at p into out; false on a non-hex digit. */
static bool unhex(const uint8_t *p, size_t n, uint8_t *out)
{
    for (size_t i = 0; i < n; i++) {
        int h = hexval(p[2 * i]), l = hexval(p[2 * i + 1]);
        if (h < 0 || l < 0)
            return false;
        out[i] = (uint8_t)(h << 4 | l);
    }
    return true;
}

typedef struct run {
    ks_outbuf buf;
    uint64_t start, end; /* addresses of the bytes in buf */
    bool open;
    int rc;
} run;

static void run_flush(ks_fmt_ctx *ctx, run *r)
{
    if (r->open && r->buf.len && r->rc == 0) {
        char name[40];
        snprintf(name, sizeof name, "segment@0x%llx", (unsigned long long)r->start);
        ks_child c = {.kind = KS_CHILD_SECTION,
                      .name = name,
                      .data = r->buf.data,
                      .len = r->buf.len,
                      .parent_offset = KS_NO_OFFSET,
                      .has_vaddr = true,
                      .vaddr = r->start};
        r->rc = ks_fmt_emit(ctx, &c);
    }
    r->buf.len = 0;
    r->open = false;
}

static void run_add(ks_fmt_ctx *ctx, run *r, uint64_t addr, const uint8_t *b, size_t n)
{
    if (r->rc)
        return;
    if (!r->open || addr != r->end) {
        run_flush(ctx, r);
        r->start = r->end = addr;
        r->open = true;
    }
    if (ks_outbuf_room(ctx, &r->buf, n) != 0 || r->buf.cap - r->buf.len < n ||
        ks_fmt_reserve(ctx, n, 0) != 0) {
        r->rc = KS_ELIMIT;
        return;
    }
    memcpy(r->buf.data + r->buf.len, b, n);
    r->buf.len += n;
    r->end += n;
}

/* What a sniff looks at: the first records are within it (a record line
 * is at most 1 + 2 * 260 characters), and a blob with no line break near
 * its start (gigabytes of zeros) is not read to its end to find one. */
#define SNIFF_MAX 4096

/* The next line of d[*pos..n): its start and length without CR/LF. */
static bool next_line(const uint8_t *d, size_t n, size_t *pos, const uint8_t **line, size_t *len)
{
    if (*pos >= n)
        return false;
    const uint8_t *nl = memchr(d + *pos, '\n', n - *pos);
    size_t e = nl ? (size_t)(nl - d) : n;
    *line = d + *pos;
    *len = e - *pos;
    while (*len && ((*line)[*len - 1] == '\r' || (*line)[*len - 1] == ' '))
        (*len)--;
    *pos = nl ? e + 1 : n;
    return true;
}

/* ------------------------------------------------------------------------ */
/* Intel HEX                                                                 */

/* One record ":LLAAAATT<data>CC": its bytes (count, address, type, data,
 * checksum) in rec, false when it does not parse or the sum is not zero. */
static bool ihex_record(const uint8_t *l, size_t len, uint8_t rec[261])
{
    if (len < 11 || l[0] != ':' || (len - 1) % 2 || !unhex(l + 1, 1, rec))
        return false;
    size_t nb = (size_t)rec[0] + 5;
    if (len != 1 + 2 * nb || !unhex(l + 1, nb, rec))
        return false;
    uint8_t sum = 0;
    for (size_t i = 0; i < nb; i++)
        sum = (uint8_t)(sum + rec[i]);
    return sum == 0 && rec[3] <= 5;
}

static bool ihex_sniff(const uint8_t *d, size_t n)
{
    size_t pos = 0, good = 0;
    if (n > SNIFF_MAX)
        n = SNIFF_MAX;
    const uint8_t *l;
    size_t len;
    uint8_t rec[261];
    /* Two good records in a row, or one and the end-of-file record. */
    while (good < 2 && next_line(d, n, &pos, &l, &len)) {
        if (len == 0 && good == 0)
            continue;
        if (!ihex_record(l, len, rec))
            return false;
        good++;
        if (rec[3] == 1)
            return true;
    }
    return good == 2;
}

static int ihex_expand(ks_fmt_ctx *ctx, const uint8_t *d, size_t n, uint64_t *consumed)
{
    run r = {0};
    size_t pos = 0, lineno = 0, warned = 0;
    uint64_t base = 0;
    const uint8_t *l;
    size_t len;
    uint8_t rec[261];
    while (r.rc == 0 && next_line(d, n, &pos, &l, &len)) {
        lineno++;
        if (len == 0)
            continue;
        if (!ihex_record(l, len, rec)) {
            if (warned++ < MAX_WARNINGS)
                ks_fmt_warn(ctx, (uint64_t)(l - d), "line %zu: not a valid record (%s)", lineno,
                            len && l[0] == ':' ? "bad checksum or length" : "no ':'");
            continue;
        }
        uint8_t cnt = rec[0], type = rec[3];
        uint16_t addr = (uint16_t)(rec[1] << 8 | rec[2]);
        if (type == 0)
            run_add(ctx, &r, base + addr, rec + 4, cnt);
        else if (type == 1)
            break;
        else if (type == 2 && cnt == 2) /* extended segment address: base = value * 16 */
            base = (uint64_t)(rec[4] << 8 | rec[5]) << 4;
        else if (type == 4 && cnt == 2) /* extended linear address: the upper 16 bits */
            base = (uint64_t)(rec[4] << 8 | rec[5]) << 16;
    }
    run_flush(ctx, &r);
    ks_outbuf_dispose(&r.buf);
    *consumed = pos;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Motorola S-records                                                        */

/* "S<t><count><address><data><checksum>": type, address and data. */
static bool srec_record(const uint8_t *l, size_t len, int *type, uint64_t *addr,
                        uint8_t rec[256], size_t *ndata)
{
    if (len < 10 || l[0] != 'S' || l[1] < '0' || l[1] > '9' || l[1] == '4')
        return false;
    *type = l[1] - '0';
    uint8_t cnt;
    if (!unhex(l + 2, 1, &cnt) || len != 4 + 2 * (size_t)cnt || cnt < 3)
        return false;
    uint8_t b[256];
    if (!unhex(l + 4, cnt, b))
        return false;
    unsigned sum = cnt;
    for (size_t i = 0; i + 1 < cnt; i++)
        sum += b[i];
    if ((uint8_t)~sum != b[cnt - 1])
        return false;
    static const int alen[10] = {2, 2, 3, 4, 0, 2, 3, 4, 3, 2};
    size_t al = (size_t)alen[*type];
    if ((size_t)cnt < al + 1)
        return false;
    *addr = 0;
    for (size_t i = 0; i < al; i++)
        *addr = *addr << 8 | b[i];
    *ndata = cnt - al - 1;
    memcpy(rec, b + al, *ndata);
    return true;
}

static bool srec_sniff(const uint8_t *d, size_t n)
{
    size_t pos = 0, good = 0;
    if (n > SNIFF_MAX)
        n = SNIFF_MAX;
    const uint8_t *l;
    size_t len, nd;
    int type;
    uint64_t addr;
    uint8_t rec[256];
    while (good < 2 && next_line(d, n, &pos, &l, &len)) {
        if (len == 0 && good == 0)
            continue;
        if (!srec_record(l, len, &type, &addr, rec, &nd))
            return false;
        good++;
        if (type >= 7)
            return true;
    }
    return good == 2;
}

static int srec_expand(ks_fmt_ctx *ctx, const uint8_t *d, size_t n, uint64_t *consumed)
{
    run r = {0};
    size_t pos = 0, lineno = 0, warned = 0;
    const uint8_t *l;
    size_t len, nd;
    int type;
    uint64_t addr;
    uint8_t rec[256];
    while (r.rc == 0 && next_line(d, n, &pos, &l, &len)) {
        lineno++;
        if (len == 0)
            continue;
        if (!srec_record(l, len, &type, &addr, rec, &nd)) {
            if (warned++ < MAX_WARNINGS)
                ks_fmt_warn(ctx, (uint64_t)(l - d), "line %zu: not a valid record", lineno);
            continue;
        }
        if (type >= 1 && type <= 3)
            run_add(ctx, &r, addr, rec, nd);
        else if (type >= 7)
            break;
    }
    run_flush(ctx, &r);
    ks_outbuf_dispose(&r.buf);
    *consumed = pos;
    return 0;
}

/* Text formats: read where a blob starts, not carved out of binaries. */
static const ks_signature none[1];

const ks_format ks_format_ihex = {
    .name = "ihex",
    .sniff = ihex_sniff,
    .expand = ihex_expand,
    .sigs = none,
    .nsigs = 0,
};

const ks_format ks_format_srec = {
    .name = "srec",
    .sniff = srec_sniff,
    .expand = srec_expand,
    .sigs = none,
    .nsigs = 0,
};
