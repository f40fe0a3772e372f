/*
 * ubi.c - UBI images (raw NAND dumps, ubinize output): the volumes they
 * hold, each assembled from its logical erase blocks.
 *
 * Written from the on-flash format (Linux drivers/mtd/ubi/ubi-media.h;
 * no Debian library reads it). Every physical erase block (PEB) starts
 * with an erase-counter header ("UBI#": where the VID header and the data
 * start in the block) and, when it is mapped, a volume-identifier header
 * ("UBI!": volume, logical block number, sequence number). Both are
 * big-endian with a CRC-32. The PEB size is in no header: it is the
 * greatest common divisor of the distances between the first EC headers
 * found. The volume table (names, types, reserved sizes) is the data of
 * the internal layout volume, twice.
 *
 * The children are the volumes, named by the volume table, each the
 * concatenation of its LEBs in order (a LEB written twice: the copy with
 * the highest sequence number; a LEB not mapped: erased bytes, 0xff; a
 * static volume: the bytes each VID header says it holds). A volume is
 * read through vol_read as it is scanned, so one larger than ks_fmt_hold
 * goes out as a stream and memory stays bounded; when a file is behind the
 * image, headers and data are read from it with pread rather than through
 * the mapping, so its pages do not stay resident. Bad header CRCs, data
 * CRCs that do not match and missing blocks are warned about; what can be
 * read is.
 */
#include "format.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define HDR 64
#define VID_MAGIC 0x55424921u /* "UBI!" */
#define LAYOUT_VOL 0x7fffefffu
#define VTBL_REC 172
#define VTBL_MAX 128
#define VOL_STATIC 2
#define MAX_PEB (16u << 20) /* largest PEB size believed */
#define PROBE 16            /* EC headers looked at to find the PEB size */
#define MAX_WARN 16         /* damaged blocks reported one by one, then counted */
#define NONE UINT32_MAX

/* UBI's CRC-32: seed all ones, no final inversion. */
static uint32_t ubi_crc(const uint8_t *p, size_t n)
{
    return (uint32_t)~crc32(0, p, (uInt)n);
}

static bool ec_valid(const uint8_t *d)
{
    return ks_be32(d) == 0x55424923u && d[4] == 1 && ubi_crc(d, 60) == ks_be32(d + 60);
}

static bool ubi_sniff(const uint8_t *d, size_t n)
{
    return n >= HDR && ec_valid(d);
}

/* One mapped LEB, as its VID header says. */
typedef struct leb {
    uint32_t vol, lnum, peb;
    uint32_t data_size, used_ebs, data_pad, data_crc;
    uint64_t sqnum;
    uint8_t type, copy;
} leb;

typedef struct volume {
    uint32_t id;
    char name[VTBL_MAX + 1];
    uint8_t type;
    uint32_t data_pad;
} volume;

typedef struct image {
    ks_fmt_ctx *ctx;
    const uint8_t *d;
    size_t n;
    int fd; /* the image's bytes are also in this file, at fd_off; or -1 */
    uint64_t fd_off;
    uint32_t peb, vid_off, data_off, seq;
    size_t npeb;
    leb *lebs; /* sorted by volume, lnum, newest first; then one per LEB */
    size_t nlebs;
    unsigned damaged;
} image;

/* Copy n bytes at `off` of the image (inside it) to dst: from the file
 * when there is one, else from memory. False on a read error. */
static bool fetch(const image *im, size_t off, uint8_t *dst, size_t n)
{
    if (im->fd < 0) {
        memcpy(dst, im->d + off, n);
        return true;
    }
    size_t got = 0;
    while (got < n) {
        ssize_t r = pread(im->fd, dst + got, n - got, (off_t)(im->fd_off + off + got));
        if (r <= 0)
            return false;
        got += (size_t)r;
    }
    return true;
}

/* The 64-byte header at `off` (inside the image), in buf. */
static const uint8_t *header(const image *im, size_t off, uint8_t *buf)
{
    if (!fetch(im, off, buf, HDR))
        memset(buf, 0, HDR);
    return buf;
}

static uint64_t gcd64(uint64_t a, uint64_t b)
{
    while (b) {
        uint64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* The PEB size: the gcd of the distances from the first EC header to the
 * next ones (found on 64-byte boundaries; headers are at least that
 * aligned). 0 when there is no second header. */
static uint32_t find_peb_size(const image *im)
{
    uint64_t g = 0;
    int found = 0;
    size_t limit = im->n < (size_t)MAX_PEB * PROBE ? im->n : (size_t)MAX_PEB * PROBE;
    for (size_t off = im->data_off + HDR - (im->data_off % HDR); off + HDR <= limit; off += HDR) {
        const uint8_t *p = im->d + off; /* the first few PEBs: read through memory */
        if (ks_be32(p) != 0x55424923u || !ec_valid(p) || ks_be32(p + 24) != im->seq)
            continue;
        g = gcd64(g, off);
        if (++found == PROBE || (g <= im->data_off))
            break;
        if (found >= 2 && g < MAX_PEB && off >= 4 * g)
            break;
    }
    return g > im->data_off && g <= MAX_PEB ? (uint32_t)g : 0;
}

static void damaged(image *im, uint64_t off, const char *what, size_t peb)
{
    if (++im->damaged <= MAX_WARN)
        ks_fmt_warn(im->ctx, off, "PEB %zu: %s; the block is left out", peb, what);
}

/* The VID header of every PEB that has one. */
static void read_vids(image *im)
{
    im->lebs = ks_xcalloc(im->npeb ? im->npeb : 1, sizeof(leb));
    for (size_t i = 0; i < im->npeb; i++) {
        size_t base = i * im->peb;
        uint8_t ecb[HDR], vb[HDR];
        if (base + HDR > im->n)
            break;
        const uint8_t *ec = header(im, base, ecb);
        if (!ec_valid(ec)) {
            bool erased = ec[0] == 0xff && ec[1] == 0xff && ec[2] == 0xff && ec[3] == 0xff;
            if (!erased)
                damaged(im, base, "bad erase-counter header", i);
            if (!erased)
                continue;
        }
        if (base + im->vid_off + HDR > im->n)
            break;
        const uint8_t *v = header(im, base + im->vid_off, vb);
        if (ks_be32(v) != VID_MAGIC)
            continue; /* not mapped */
        if (ubi_crc(v, 60) != ks_be32(v + 60)) {
            damaged(im, base + im->vid_off, "bad volume-identifier header CRC", i);
            continue;
        }
        leb *l = &im->lebs[im->nlebs++];
        l->type = v[5];
        l->copy = v[6];
        l->vol = ks_be32(v + 8);
        l->lnum = ks_be32(v + 12);
        l->data_size = ks_be32(v + 20);
        l->used_ebs = ks_be32(v + 24);
        l->data_pad = ks_be32(v + 28);
        l->data_crc = ks_be32(v + 32);
        l->sqnum = (uint64_t)ks_be32(v + 40) << 32 | ks_be32(v + 44);
        l->peb = (uint32_t)i;
    }
}

static int cmp_leb(const void *a, const void *b)
{
    const leb *x = a, *y = b;
    if (x->vol != y->vol)
        return x->vol < y->vol ? -1 : 1;
    if (x->lnum != y->lnum)
        return x->lnum < y->lnum ? -1 : 1;
    return x->sqnum > y->sqnum ? -1 : x->sqnum < y->sqnum;
}

/* One LEB per (volume, lnum): the newest copy. */
static void keep_newest(image *im)
{
    qsort(im->lebs, im->nlebs, sizeof(leb), cmp_leb);
    size_t k = 0;
    for (size_t i = 0; i < im->nlebs; i++)
        if (k == 0 || im->lebs[k - 1].vol != im->lebs[i].vol ||
            im->lebs[k - 1].lnum != im->lebs[i].lnum)
            im->lebs[k++] = im->lebs[i];
    im->nlebs = k;
}

/* The LEBs of volume `vol`: [*first, return). */
static size_t vol_lebs(const image *im, uint32_t vol, size_t *first)
{
    size_t lo = 0, hi = im->nlebs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (im->lebs[mid].vol < vol)
            lo = mid + 1;
        else
            hi = mid;
    }
    *first = lo;
    while (hi < im->nlebs && im->lebs[hi].vol == vol)
        hi++;
    return hi;
}

/* The volume table from LEB `lnum` of the layout volume; the number of
 * volumes, or -1 when no record checks out. */
static int read_vtbl(image *im, uint32_t lnum, volume *vols)
{
    size_t first, end = vol_lebs(im, LAYOUT_VOL, &first);
    const leb *l = NULL;
    for (size_t i = first; i < end; i++)
        if (im->lebs[i].lnum == lnum)
            l = &im->lebs[i];
    if (!l)
        return -1;
    size_t base = (size_t)l->peb * im->peb + im->data_off;
    size_t room = im->peb - im->data_off, nrec = room / VTBL_REC;
    if (nrec > VTBL_MAX)
        nrec = VTBL_MAX;
    int nv = 0, good = 0;
    for (size_t r = 0; r < nrec; r++) {
        uint8_t p[VTBL_REC];
        if (base + (r + 1) * VTBL_REC > im->n || !fetch(im, base + r * VTBL_REC, p, VTBL_REC))
            break;
        if (ubi_crc(p, 168) != ks_be32(p + 168)) {
            ks_fmt_warn(im->ctx, base + r * VTBL_REC, "volume table record %zu: bad CRC", r);
            continue;
        }
        good++;
        uint16_t nlen = (uint16_t)(p[14] << 8 | p[15]);
        if (ks_be32(p) == 0 || nlen == 0)
            continue; /* an empty slot */
        volume *v = &vols[nv++];
        v->id = (uint32_t)r;
        v->type = p[12];
        v->data_pad = ks_be32(p + 8);
        size_t k = nlen > VTBL_MAX ? VTBL_MAX : nlen;
        memcpy(v->name, p + 16, k);
        v->name[k] = '\0';
        for (size_t j = 0; j < k; j++)
            if (v->name[j] == '\0' || v->name[j] == '/')
                v->name[j] = '_';
    }
    return good ? nv : -1;
}

/* Volumes the VID headers name that the table does not (all of them when
 * there is no table): named by number, warned about unless `quiet`. */
static int add_untabled(image *im, volume *vols, int nv, bool quiet)
{
    for (size_t i = 0; i < im->nlebs; i++) {
        const leb *l = &im->lebs[i];
        bool known = l->vol == LAYOUT_VOL || (i && im->lebs[i - 1].vol == l->vol);
        for (int k = 0; k < nv && !known; k++)
            known = vols[k].id == l->vol;
        if (known)
            continue;
        if (nv == VTBL_MAX || l->vol >= VTBL_MAX) {
            ks_fmt_warn(im->ctx, (uint64_t)l->peb * im->peb + im->vid_off,
                        "volume %u is not a valid volume number; its LEBs are left out",
                        (unsigned)l->vol);
            continue;
        }
        if (!quiet)
            ks_fmt_warn(im->ctx, (uint64_t)l->peb * im->peb + im->vid_off,
                        "volume %u is not in the volume table; read as \"vol%u\"", (unsigned)l->vol,
                        (unsigned)l->vol);
        volume *v = &vols[nv++];
        memset(v, 0, sizeof *v);
        v->id = l->vol;
        v->type = l->type;
        v->data_pad = l->data_pad;
        snprintf(v->name, sizeof v->name, "vol%u", (unsigned)l->vol);
    }
    return nv;
}

/* A volume being read, LEB after LEB (ks_fmt_read_fn: vol_read). */
typedef struct vol_rd {
    image *im;
    const leb *lebs; /* this volume's, by lnum */
    size_t nlebs, next;
    uint32_t lnum, nlnum, leb_size;
    bool is_static;
    /* The LEB being read: where its bytes are in the image (avail of len,
     * the rest erased), how far it is read, the CRC of what was read when
     * its VID header has one to check. */
    const leb *cur;
    size_t src, avail, len, off;
    uint32_t crc;
    bool open, ended, check;
    uint64_t in;
} vol_rd;

/* Start LEB r->lnum: find its PEB, check its data CRC, reserve its bytes. */
static bool leb_open(vol_rd *r)
{
    image *im = r->im;
    const leb *l = NULL;
    while (r->next < r->nlebs && r->lebs[r->next].lnum < r->lnum)
        r->next++;
    if (r->next < r->nlebs && r->lebs[r->next].lnum == r->lnum)
        l = &r->lebs[r->next];
    r->len = r->leb_size;
    r->cur = l;
    r->src = 0;
    r->avail = 0;
    r->off = 0;
    r->crc = 0;
    r->check = false;
    if (l) {
        size_t base = (size_t)l->peb * im->peb + im->data_off;
        if (r->is_static && l->data_size <= r->leb_size)
            r->len = l->data_size;
        r->src = base;
        r->avail = base >= im->n ? 0 : im->n - base < r->len ? im->n - base : r->len;
        r->check = (r->is_static || l->copy) && l->data_size <= r->len && r->avail == r->len;
        if (r->avail < r->len)
            ks_fmt_warn(im->ctx, im->n, "LEB %u of volume %u is cut at the end of the image",
                        (unsigned)r->lnum, (unsigned)l->vol);
        r->in += r->avail;
    } else if (r->is_static) {
        ks_fmt_warn(im->ctx, KS_NO_OFFSET,
                    "LEB %u of a static volume is missing; erased bytes "
                    "stand in for it",
                    (unsigned)r->lnum);
    }
    r->open = true;
    if (ks_fmt_reserve(im->ctx, r->len, r->in > r->len ? r->in : r->len) != 0)
        r->ended = true;
    return !r->ended;
}

static size_t vol_read(void *payload, uint8_t *dst, size_t want)
{
    vol_rd *r = payload;
    size_t o = 0;
    while (o < want && !r->ended) {
        if (r->lnum >= r->nlnum) {
            r->ended = true;
            break;
        }
        if (!r->open && !leb_open(r))
            break;
        size_t k = r->len - r->off < want - o ? r->len - r->off : want - o;
        size_t have = r->off < r->avail ? r->avail - r->off : 0;
        if (have > k)
            have = k;
        if (have && !fetch(r->im, r->src + r->off, dst + o, have)) {
            ks_fmt_warn(r->im->ctx, r->src + r->off, "read error");
            r->ended = true;
            break;
        }
        memset(dst + o + have, 0xff, k - have);
        if (r->check && r->off < r->cur->data_size) {
            size_t end = r->off + k < r->cur->data_size ? r->off + k : r->cur->data_size;
            r->crc = (uint32_t)crc32(r->crc, dst + o, (uInt)(end - r->off));
        }
        r->off += k;
        o += k;
        if (r->off == r->len) {
            if (r->check && ~r->crc != r->cur->data_crc)
                ks_fmt_warn(r->im->ctx, r->src, "LEB %u of volume %u: data CRC does not match",
                            (unsigned)r->lnum, (unsigned)r->cur->vol);
            r->lnum++;
            r->open = false;
        }
    }
    return o;
}

/* Emit volume v, read through vol_read. */
static int emit_volume(image *im, const volume *v)
{
    size_t first, end = vol_lebs(im, v->id, &first);
    if (first == end)
        return 0; /* nothing written to it */
    if (ks_fmt_entry(im->ctx) != 0)
        return KS_ELIMIT;
    vol_rd r = {.im = im, .lebs = im->lebs + first, .nlebs = end - first};
    const leb *last = &im->lebs[end - 1];
    r.is_static = v->type == VOL_STATIC;
    uint32_t room = im->peb - im->data_off;
    r.leb_size = v->data_pad < room ? room - v->data_pad : room;
    r.nlnum = last->lnum + 1;
    if (r.is_static && r.lebs[0].used_ebs != r.nlnum) {
        if (r.lebs[0].used_ebs < r.nlnum)
            r.nlnum = r.lebs[0].used_ebs;
        else
            ks_fmt_warn(im->ctx, KS_NO_OFFSET,
                        "static volume \"%s\": %u of its %u LEBs are in the image", v->name,
                        (unsigned)r.nlnum, (unsigned)r.lebs[0].used_ebs);
    }
    if (r.nlnum / 2 > im->npeb + 1) {
        ks_fmt_warn(im->ctx, KS_NO_OFFSET,
                    "volume \"%s\": LEB %u is far past the %zu blocks of the image; read up "
                    "to LEB %zu",
                    v->name, (unsigned)last->lnum, im->npeb, 2 * im->npeb);
        r.nlnum = (uint32_t)(2 * im->npeb);
    }
    ks_outbuf ob = {0};
    ks_child c = {.kind = KS_CHILD_MEMBER, .name = v->name, .parent_offset = KS_NO_OFFSET};
    int rc;
    if (ks_outbuf_fill(im->ctx, &ob, vol_read, &r)) {
        c.data = ob.data;
        c.len = ob.len;
        rc = ob.len ? ks_fmt_emit(im->ctx, &c) : 0;
    } else {
        c.data = ob.data;
        c.len = ob.len;
        rc = ks_fmt_emit_stream(im->ctx, &c, vol_read, &r);
    }
    ks_outbuf_dispose(&ob);
    return rc;
}

/* Image geometry from the first EC header and the distance to the next. */
static bool geometry(image *im)
{
    im->vid_off = ks_be32(im->d + 16);
    im->data_off = ks_be32(im->d + 20);
    im->seq = ks_be32(im->d + 24);
    if (im->vid_off < HDR || im->data_off < im->vid_off + HDR || im->data_off >= MAX_PEB) {
        ks_fmt_warn(im->ctx, 16,
                    "erase-counter header: VID header at %u, data at %u: not a "
                    "UBI layout",
                    (unsigned)im->vid_off, (unsigned)im->data_off);
        return false;
    }
    im->peb = find_peb_size(im);
    if (im->peb == 0) {
        ks_fmt_warn(im->ctx, 0,
                    "no second erase-counter header: the erase block size cannot "
                    "be told (truncated image?)");
        return false;
    }
    /* The image runs to the last PEB with an EC header. */
    for (size_t i = 0; (size_t)i * im->peb + HDR <= im->n; i++) {
        uint8_t b[HDR];
        if (ec_valid(header(im, i * im->peb, b)))
            im->npeb = i + 1;
    }
    return true;
}

static int ubi_expand(ks_fmt_ctx *ctx, const uint8_t *d, size_t n, uint64_t *consumed)
{
    image im = {.ctx = ctx, .d = d, .n = n};
    im.fd = ks_fmt_fd(ctx, &im.fd_off);
    *consumed = 0;
    if (!geometry(&im))
        return KS_EINVAL;
    ks_fmt_claim(ctx);
    uint64_t end = (uint64_t)im.npeb * im.peb;
    *consumed = end < n ? end : n;
    if (end > n)
        ks_fmt_warn(ctx, n, "truncated: the last erase block has %zu of its %u bytes",
                    n - (size_t)(end - im.peb), (unsigned)im.peb);
    read_vids(&im);
    keep_newest(&im);
    if (im.damaged > MAX_WARN)
        ks_fmt_warn(ctx, KS_NO_OFFSET, "%u damaged erase blocks in all, left out", im.damaged);
    volume *vols = ks_xcalloc(VTBL_MAX, sizeof(volume));
    int nv = read_vtbl(&im, 0, vols);
    if (nv < 0)
        nv = read_vtbl(&im, 1, vols);
    if (nv < 0)
        ks_fmt_warn(ctx, KS_NO_OFFSET,
                    "no readable volume table: volumes are named by "
                    "number");
    nv = add_untabled(&im, vols, nv < 0 ? 0 : nv, nv < 0);
    for (int i = 0; i < nv; i++)
        if (emit_volume(&im, &vols[i]) != 0)
            break;
    free(vols);
    free(im.lebs);
    return 0;
}

static const ks_signature ubi_sigs[] = {{"UBI#\001", 5, 0}};

const ks_format ks_format_ubi = {
    .name = "ubi",
    .sniff = ubi_sniff,
    .expand = ubi_expand,
    .sigs = ubi_sigs,
    .nsigs = 1,
};
