/*
 * jffs2.c - JFFS2 images (the flash file system of mkfs.jffs2 and of the
 * Linux kernel), little- or big-endian, read from the on-media format
 * (include/uapi/linux/jffs2.h): no Debian library reads it.
 *
 * DESIGN
 * A JFFS2 image is a log: nodes, each a 12-byte header (magic 0x1985,
 * type, length, header CRC) at a 4-byte boundary, with erased flash (0xFF)
 * and, on a dumped device, garbage between them. One pass over the image
 * collects the directory entries and the data nodes (their CRCs checked;
 * cleanmarkers, padding, summaries, xattrs and obsolete nodes passed
 * over); then
 * - the live name of each entry is the newest version of (parent, name);
 *   one whose inode is 0 is a deletion;
 * - a regular file is its data nodes applied oldest version first, so the
 *   newest wins where they overlap, cut to the size of its newest node;
 * - a path is the chain of names up to the root (inode 1), bounded in
 *   depth, so a loop in corrupt entries ends.
 * Each file is produced in order by a read function (a window of the file
 * at a time: the nodes overlapping it decoded and copied in), held in
 * memory when small and handed on as a stream when large. Inodes with data
 * and no live name (a deleted file whose nodes are still on the flash) are
 * emitted too, as "/(unlinked)/inode-N": their bytes may hold a secret.
 *
 * Compression: none, zero, zlib (zlib), LZO (liblzo2) and rtime (written
 * here: a few lines); rubin and dynrubin are reported as not unpacked.
 * A node whose header, metadata or data CRC fails is warned about and
 * passed over; the others are read.
 */
#include "format.h"

#include <lzo/lzo1x.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#define MAGIC 0x1985
#define NODE_HDR 12
#define DIRENT_HDR 40
#define INODE_HDR 68
#define ACCURATE 0x2000
#define COMPAT_MASK 0xc000
#define INCOMPAT 0xc000
#define T_DIRENT 0xe001
#define T_INODE 0xe002
#define T_XATTR 0xe008
#define T_XREF 0xe009
#define ROOT_INO 1
#define MAX_DEPTH 256        /* directories above a file */
#define MAX_DSIZE (1u << 20) /* a data node holds a page; more is corrupt */
#define PATH_MAX_LEN 4096

enum { C_NONE, C_ZERO, C_RTIME, C_RUBINMIPS, C_COPY, C_DYNRUBIN, C_ZLIB, C_LZO };

typedef struct jdirent {
    const uint8_t *name;
    uint64_t at; /* the node's offset in the image */
    uint32_t pino, version, ino;
    uint8_t nsize;
} jdirent;

typedef struct jnode {
    uint32_t ino, version, mode, isize, offset, csize, dsize;
    uint64_t at; /* the data's offset in the image */
    uint8_t compr;
    bool bad; /* did not decode: warned once */
} jnode;

typedef struct jffs2 {
    ks_fmt_ctx *ctx;
    const uint8_t *d;
    size_t n;
    bool be;
    jdirent *dirents; /* all, then the live ones */
    size_t ndirents, capd;
    jdirent **byino; /* live entries by inode */
    jnode *nodes;    /* data nodes by (inode, version) */
    size_t nnodes, capn;
    bool rubin_said;
} jffs2;

static uint32_t rd32(const jffs2 *j, const uint8_t *p)
{
    return j->be ? ks_be32(p) : ks_le32(p);
}

static uint16_t rd16(const jffs2 *j, const uint8_t *p)
{
    if (j->be)
        return (uint16_t)(p[0] << 8 | p[1]);
    return ks_le16(p);
}

/* The kernel's crc32(0, ...): CRC-32 seeded with 0, no final inversion. */
static uint32_t jcrc(const uint8_t *p, size_t n)
{
    return ~(uint32_t)crc32(0xffffffffu, p, (uInt)n);
}

static bool jffs2_sniff(const uint8_t *d, size_t n)
{
    if (n < NODE_HDR)
        return false;
    bool le = d[0] == 0x85 && d[1] == 0x19, be = d[0] == 0x19 && d[1] == 0x85;
    if (!le && !be)
        return false;
    return jcrc(d, 8) == (le ? ks_le32(d + 8) : ks_be32(d + 8));
}

/* ------------------------------------------------------------------------ */
/* The pass over the nodes                                                   */

static void add_dirent(jffs2 *j, const uint8_t *p, uint32_t totlen, size_t at)
{
    if (totlen < DIRENT_HDR || jcrc(p, 32) != rd32(j, p + 32)) {
        ks_fmt_warn(j->ctx, at, "directory entry node: bad CRC; passed over");
        return;
    }
    uint8_t nsize = p[28];
    if (DIRENT_HDR + (uint32_t)nsize > totlen || jcrc(p + DIRENT_HDR, nsize) != rd32(j, p + 36)) {
        ks_fmt_warn(j->ctx, at, "directory entry node: bad name; passed over");
        return;
    }
    ks_grow((void **)&j->dirents, &j->capd, j->ndirents + 1, sizeof(jdirent));
    j->dirents[j->ndirents++] = (jdirent){.name = p + DIRENT_HDR,
                                          .at = at,
                                          .pino = rd32(j, p + 12),
                                          .version = rd32(j, p + 16),
                                          .ino = rd32(j, p + 20),
                                          .nsize = nsize};
}

static void add_inode(jffs2 *j, const uint8_t *p, uint32_t totlen, size_t at)
{
    if (totlen < INODE_HDR || jcrc(p, 60) != rd32(j, p + 64)) {
        ks_fmt_warn(j->ctx, at, "inode node: bad CRC; passed over");
        return;
    }
    jnode nd = {.ino = rd32(j, p + 12),
                .version = rd32(j, p + 16),
                .mode = rd32(j, p + 20),
                .isize = rd32(j, p + 28),
                .offset = rd32(j, p + 44),
                .csize = rd32(j, p + 48),
                .dsize = rd32(j, p + 52),
                .compr = p[56],
                .at = at + INODE_HDR};
    if (nd.csize > totlen - INODE_HDR || nd.dsize > MAX_DSIZE) {
        ks_fmt_warn(j->ctx, at,
                    "inode node: data of %u bytes (%u decoded) does not fit; passed over", nd.csize,
                    nd.dsize);
        return;
    }
    if (jcrc(p + INODE_HDR, nd.csize) != rd32(j, p + 60)) {
        ks_fmt_warn(j->ctx, at, "inode node: data CRC does not match; its data is passed over");
        nd.csize = nd.dsize = 0;
    }
    ks_grow((void **)&j->nodes, &j->capn, j->nnodes + 1, sizeof(jnode));
    j->nodes[j->nnodes++] = nd;
}

static void node(jffs2 *j, const uint8_t *p, uint16_t type, uint32_t totlen, size_t at)
{
    if (!(type & ACCURATE))
        return; /* obsolete: superseded by a later node */
    if (type == T_DIRENT)
        add_dirent(j, p, totlen, at);
    else if (type == T_INODE)
        add_inode(j, p, totlen, at);
    else if ((type & COMPAT_MASK) == INCOMPAT && type != T_XATTR && type != T_XREF)
        ks_fmt_warn(j->ctx, at, "node type 0x%04x is not known; passed over", type);
}

/* Collect every node; returns the end of the last one (and of the erased
 * flash behind it): what the image occupies. */
static uint64_t scan_nodes(jffs2 *j)
{
    size_t pos = 0, junk_at = SIZE_MAX;
    uint64_t end = 0, places = 0;
    while (pos + NODE_HDR <= j->n) {
        const uint8_t *p = j->d + pos;
        if (ks_le32(p) == 0xffffffffu) { /* erased flash */
            pos += 4;
            continue;
        }
        uint16_t type = rd16(j, p + 2);
        uint32_t totlen = rd32(j, p + 4);
        uint8_t h[8];
        memcpy(h, p, 8);
        /* The CRC is over the type as written, before the node was
         * marked obsolete by clearing ACCURATE. */
        h[j->be ? 2 : 3] |= 0x20;
        if (rd16(j, p) != MAGIC || jcrc(h, 8) != rd32(j, p + 8) || totlen < NODE_HDR) {
            if (junk_at == SIZE_MAX)
                junk_at = pos;
            pos += 4;
            continue;
        }
        if (totlen > j->n - pos) {
            ks_fmt_warn(j->ctx, pos, "truncated: a node of %u bytes, %zu are there", totlen,
                        j->n - pos);
            return j->n;
        }
        /* Garbage between nodes (what follows the last node is not the
         * image's): warned about once, counted after. */
        if (junk_at != SIZE_MAX && ++places == 1)
            ks_fmt_warn(j->ctx, junk_at, "%zu bytes that are not JFFS2 nodes; passed over",
                        pos - junk_at);
        junk_at = SIZE_MAX;
        node(j, p, type, totlen, pos);
        pos += ((size_t)totlen + 3) & ~(size_t)3;
        end = pos < j->n ? pos : j->n;
        while (end + 4 <= j->n && ks_le32(j->d + end) == 0xffffffffu)
            end += 4;
    }
    if (places > 1)
        ks_fmt_warn(j->ctx, KS_NO_OFFSET, "in all, %llu places hold bytes that are not JFFS2 nodes",
                    (unsigned long long)places);
    return end;
}

/* ------------------------------------------------------------------------ */
/* Names and paths                                                           */

static int cmp_name(const void *a, const void *b)
{
    const jdirent *x = a, *y = b;
    if (x->pino != y->pino)
        return x->pino < y->pino ? -1 : 1;
    if (x->nsize != y->nsize)
        return x->nsize < y->nsize ? -1 : 1;
    int c = memcmp(x->name, y->name, x->nsize);
    if (c)
        return c;
    return x->version < y->version ? -1 : x->version > y->version;
}

static int cmp_ino(const void *a, const void *b)
{
    const jdirent *x = *(const jdirent *const *)a, *y = *(const jdirent *const *)b;
    return x->ino < y->ino ? -1 : x->ino > y->ino;
}

static int cmp_node(const void *a, const void *b)
{
    const jnode *x = a, *y = b;
    if (x->ino != y->ino)
        return x->ino < y->ino ? -1 : 1;
    return x->version < y->version ? -1 : x->version > y->version;
}

/* Keep the newest entry of each (parent, name), unless it is a deletion,
 * and index them by inode. */
static void live_names(jffs2 *j)
{
    if (j->ndirents)
        qsort(j->dirents, j->ndirents, sizeof(jdirent), cmp_name);
    size_t k = 0;
    for (size_t i = 0; i < j->ndirents; i++) {
        const jdirent *e = &j->dirents[i];
        bool newest = i + 1 == j->ndirents || e->pino != e[1].pino || e->nsize != e[1].nsize ||
                      memcmp(e->name, e[1].name, e->nsize) != 0;
        if (newest && e->ino != 0)
            j->dirents[k++] = *e;
    }
    j->ndirents = k;
    j->byino = ks_xcalloc(k ? k : 1, sizeof(jdirent *));
    for (size_t i = 0; i < k; i++)
        j->byino[i] = &j->dirents[i];
    qsort(j->byino, k, sizeof(jdirent *), cmp_ino);
}

static const jdirent *name_of(const jffs2 *j, uint32_t ino)
{
    jdirent key = {.ino = ino}, *pk = &key;
    jdirent **e = bsearch(&pk, j->byino, j->ndirents, sizeof(jdirent *), cmp_ino);
    return e ? *e : NULL;
}

/* Append a name to path[0..*len), '/' first; NUL and '/' in a name become
 * '?'. False when the path would be too long. */
static bool append(char *path, size_t *len, const uint8_t *name, size_t n)
{
    if (*len + 1 + n >= PATH_MAX_LEN)
        return false;
    path[(*len)++] = '/';
    for (size_t i = 0; i < n; i++)
        path[(*len)++] = name[i] == 0 || name[i] == '/' ? '?' : (char)name[i];
    path[*len] = '\0';
    return true;
}

/* The path of entry e, from the root. A chain that does not reach the root
 * (its directory lost) starts at "/(lost)"; one deeper than MAX_DEPTH (a
 * loop) is warned about and starts at "/(loop)". */
static void path_of(jffs2 *j, const jdirent *e, char *path)
{
    const jdirent *chain[MAX_DEPTH];
    size_t depth = 0, len = 0;
    const char *prefix = "";
    for (const jdirent *c = e;; c = name_of(j, c->pino)) {
        if (!c) {
            prefix = "/(lost)";
            break;
        }
        if (depth == MAX_DEPTH) {
            ks_fmt_warn(j->ctx, e->at, "directory entries deeper than %d (a loop?) above \"%.*s\"",
                        MAX_DEPTH, (int)e->nsize, (const char *)e->name);
            prefix = "/(loop)";
            depth = 1;
            break;
        }
        chain[depth++] = c;
        if (c->pino == ROOT_INO)
            break;
    }
    len = (size_t)snprintf(path, PATH_MAX_LEN, "%s", prefix);
    for (size_t i = depth; i-- > 0;)
        if (!append(path, &len, chain[i]->name, chain[i]->nsize))
            break;
}

/* ------------------------------------------------------------------------ */
/* Data nodes                                                                */

/* rtime (fs/jffs2/compr_rtime.c): a byte, then how many bytes to copy from
 * after where that byte value was last seen. */
static bool rtime(const uint8_t *in, size_t n, uint8_t *out, size_t m)
{
    size_t seen[256] = {0}, i = 0, o = 0;
    while (o < m) {
        if (i + 2 > n)
            return false;
        uint8_t value = in[i++];
        size_t repeat = in[i++], back = seen[value];
        out[o++] = value;
        seen[value] = o;
        if (repeat > m - o || back + repeat > m)
            return false;
        for (; repeat; repeat--) /* may overlap what it writes: byte by byte */
            out[o++] = out[back++];
    }
    return true;
}

static bool inflate_node(const uint8_t *in, size_t n, uint8_t *out, size_t m)
{
    /* The kernel writes zlib streams; it reads raw deflate too. */
    bool hdr = n >= 2 && (in[0] & 0x0f) == 8 && ((unsigned)in[0] << 8 | in[1]) % 31 == 0;
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, hdr ? MAX_WBITS : -MAX_WBITS) != Z_OK)
        return false;
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)m;
    int rc = inflate(&z, Z_FINISH);
    bool ok = (rc == Z_STREAM_END || rc == Z_OK || rc == Z_BUF_ERROR) && z.avail_out == 0;
    inflateEnd(&z);
    return ok;
}

static pthread_once_t lzo_once = PTHREAD_ONCE_INIT;

static void lzo_start(void)
{
    lzo_init();
}

static bool unlzo(const uint8_t *in, size_t n, uint8_t *out, size_t m)
{
    pthread_once(&lzo_once, lzo_start);
    lzo_uint got = m;
    int rc = lzo1x_decompress_safe(in, n, out, &got, NULL);
    return (rc == LZO_E_OK || rc == LZO_E_OUTPUT_OVERRUN) && got == m;
}

/* Decode node nd into out (nd->dsize bytes). False when it cannot be read
 * (warned once; the file has zeros there). */
static bool decode(jffs2 *j, jnode *nd, uint8_t *out)
{
    const uint8_t *in = j->d + nd->at;
    bool ok = true;
    switch (nd->compr) {
    case C_NONE:
    case C_COPY:
        memcpy(out, in, nd->csize < nd->dsize ? nd->csize : nd->dsize);
        ok = nd->csize >= nd->dsize;
        break;
    case C_ZERO:
        memset(out, 0, nd->dsize);
        break;
    case C_RTIME:
        ok = rtime(in, nd->csize, out, nd->dsize);
        break;
    case C_ZLIB:
        ok = inflate_node(in, nd->csize, out, nd->dsize);
        break;
    case C_LZO:
        ok = unlzo(in, nd->csize, out, nd->dsize);
        break;
    case C_RUBINMIPS:
    case C_DYNRUBIN:
        if (!j->rubin_said)
            ks_fmt_not_unpacked(j->ctx, nd->at, "JFFS2 data compressed with rubin is not read");
        j->rubin_said = true;
        nd->bad = true;
        return false;
    default:
        ks_fmt_warn(j->ctx, nd->at, "data node of inode %u: unknown compression %u", nd->ino,
                    nd->compr);
        nd->bad = true;
        return false;
    }
    if (!ok) {
        ks_fmt_warn(j->ctx, nd->at, "data node of inode %u: does not decode (compression %u)",
                    nd->ino, nd->compr);
        nd->bad = true;
    }
    return ok;
}

/* One file being read in order: its data nodes (oldest first), the size
 * of its newest node. */
typedef struct jfile {
    jffs2 *j;
    jnode *nodes;
    size_t nn;
    uint64_t size, pos;
    uint8_t *tmp;  /* one decoded node */
    size_t cached; /* the node in tmp, or SIZE_MAX */
    bool stop;
} jfile;

/* ks_fmt_read_fn: the next window of the file, every node overlapping it
 * copied in, oldest first. */
static size_t jfile_read(void *payload, uint8_t *dst, size_t want)
{
    jfile *f = payload;
    if (f->stop || f->pos >= f->size)
        return 0;
    if (want > f->size - f->pos)
        want = (size_t)(f->size - f->pos);
    if (ks_fmt_reserve(f->j->ctx, want, f->j->n) != 0) {
        f->stop = true;
        return 0;
    }
    memset(dst, 0, want);
    uint64_t lo = f->pos, hi = f->pos + want;
    for (size_t k = 0; k < f->nn; k++) {
        jnode *nd = &f->nodes[k];
        uint64_t a = nd->offset, b = a + nd->dsize;
        if (nd->bad || nd->dsize == 0 || b <= lo || a >= hi)
            continue;
        if (f->cached != k) {
            f->cached = SIZE_MAX;
            if (!decode(f->j, nd, f->tmp))
                continue;
            f->cached = k;
        }
        uint64_t from = a > lo ? a : lo, to = b < hi ? b : hi;
        memcpy(dst + (from - lo), f->tmp + (from - a), (size_t)(to - from));
    }
    f->pos = hi;
    return want;
}

/* Emit the file of inode nodes[0..nn) (all of one inode, oldest first). */
static int emit_file(jffs2 *j, jnode *nodes, size_t nn, const char *path, ks_outbuf *out)
{
    uint32_t most = 0;
    for (size_t k = 0; k < nn; k++)
        if (nodes[k].dsize > most)
            most = nodes[k].dsize;
    jfile f = {.j = j,
               .nodes = nodes,
               .nn = nn,
               .size = nodes[nn - 1].isize,
               .tmp = ks_xmalloc(most ? most : 1),
               .cached = SIZE_MAX};
    ks_child c = {.kind = KS_CHILD_MEMBER, .name = path, .parent_offset = KS_NO_OFFSET};
    int rc;
    bool whole = ks_outbuf_fill(j->ctx, out, jfile_read, &f);
    c.data = out->data;
    c.len = out->len;
    if (whole)
        rc = ks_fmt_emit(j->ctx, &c);
    else
        rc = ks_fmt_emit_stream(j->ctx, &c, jfile_read, &f);
    free(f.tmp);
    return f.stop ? KS_ELIMIT : rc;
}

/* ------------------------------------------------------------------------ */
/* The image                                                                 */

/* The data nodes of inode `ino` (a range of the sorted nodes), or NULL. */
static jnode *nodes_of(const jffs2 *j, uint32_t ino, size_t *nn)
{
    size_t lo = 0, hi = j->nnodes;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (j->nodes[mid].ino < ino)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t end = lo;
    while (end < j->nnodes && j->nodes[end].ino == ino)
        end++;
    *nn = end - lo;
    return end > lo ? &j->nodes[lo] : NULL;
}

static bool regular(const jnode *nodes, size_t nn)
{
    return nn && S_ISREG(nodes[nn - 1].mode);
}

/* Every regular file under its live names, then those with none. */
static void emit_files(jffs2 *j)
{
    char path[PATH_MAX_LEN];
    ks_outbuf out = {0};
    for (size_t i = 0; i < j->ndirents; i++) {
        size_t nn;
        jnode *nodes = nodes_of(j, j->dirents[i].ino, &nn);
        if (ks_fmt_entry(j->ctx) != 0)
            goto done;
        if (!regular(nodes, nn))
            continue;
        path_of(j, &j->dirents[i], path);
        if (emit_file(j, nodes, nn, path, &out) != 0)
            goto done;
    }
    for (size_t i = 0; i < j->nnodes;) {
        size_t nn;
        uint32_t ino = j->nodes[i].ino;
        jnode *nodes = nodes_of(j, ino, &nn);
        i += nn;
        if (!regular(nodes, nn) || name_of(j, ino) || nodes[nn - 1].isize == 0)
            continue;
        if (ks_fmt_entry(j->ctx) != 0)
            goto done;
        snprintf(path, sizeof path, "/(unlinked)/inode-%u", ino);
        if (emit_file(j, nodes, nn, path, &out) != 0)
            goto done;
    }
done:
    ks_outbuf_dispose(&out);
}

static int jffs2_expand(ks_fmt_ctx *ctx, const uint8_t *d, size_t n, uint64_t *consumed)
{
    jffs2 j = {.ctx = ctx, .d = d, .n = n, .be = d[0] == 0x19};
    ks_fmt_claim(ctx);
    *consumed = scan_nodes(&j);
    if (j.nnodes == 0 && j.ndirents == 0) {
        free(j.dirents);
        return KS_EINVAL;
    }
    if (j.nnodes)
        qsort(j.nodes, j.nnodes, sizeof(jnode), cmp_node);
    live_names(&j);
    emit_files(&j);
    free(j.byino);
    free(j.dirents);
    free(j.nodes);
    return 0;
}

static const ks_signature jffs2_sigs[] = {
    {"\x85\x19\x01\xe0", 4, 0}, {"\x85\x19\x02\xe0", 4, 0}, {"\x85\x19\x03\x20", 4, 0},
    {"\x19\x85\xe0\x01", 4, 0}, {"\x19\x85\xe0\x02", 4, 0}, {"\x19\x85\x20\x03", 4, 0},
};

const ks_format ks_format_jffs2 = {
    .name = "jffs2",
    .sniff = jffs2_sniff,
    .expand = jffs2_expand,
    .sigs = jffs2_sigs,
    .nsigs = sizeof jffs2_sigs / sizeof jffs2_sigs[0],
};
