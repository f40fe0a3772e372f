/*
 * squashfs.c - SquashFS 4 images, through libsquashfs (squashfs-tools-ng).
 *
 * The children are the regular files, by path ("/etc/shadow"). The
 * directory tree is read once; the files are then read in parallel: the
 * list is cut into batches, each with a data reader of its own (libsquashfs
 * readers cache blocks and are not shared between threads), run on any
 * worker that is idle. The image is read through pread from the file
 * behind it when there is one, else from memory.
 *
 * gzip blocks are inflated with libdeflate, LZO blocks with liblzo2 (the
 * libsquashfs of Debian is built without LZO); the other compressors are
 * those this libsquashfs was built with (xz, lz4, zstd on Debian): an
 * image with another is reported as not
 * unpacked, and its bytes are searched as an unknown binary. A truncated
 * or corrupt image whose tables cannot be read is warned about and
 * handed back the same way, so its compressed blocks are still carved out
 * and read; a file whose data blocks are damaged is warned about by path
 * and the other files are read.
 */
#include "format.h"

#include <libdeflate.h>
#include <lzo1x.h>
#include <sqfs/compressor.h>
#include <sqfs/data_reader.h>
#include <sqfs/dir_reader.h>
#include <sqfs/error.h>
#include <sqfs/id_table.h>
#include <sqfs/inode.h>
#include <sqfs/io.h>
#include <sqfs/super.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BATCH 256 /* files per parallel task */

typedef struct mem_file {
    sqfs_file_t base;
    const uint8_t *d;
    size_t n;
    int fd;
    uint64_t fd_off;
} mem_file;

static void mf_destroy(sqfs_object_t *o)
{
    free(o);
}

static sqfs_object_t *mf_copy(const sqfs_object_t *o)
{
    mem_file *c = ks_xmalloc(sizeof *c);
    memcpy(c, o, sizeof *c);
    return (sqfs_object_t *)c;
}

static int mf_read_at(sqfs_file_t *f, sqfs_u64 off, void *buf, size_t size)
{
    mem_file *m = (mem_file *)f;
    if (off > m->n || size > m->n - off)
        return SQFS_ERROR_OUT_OF_BOUNDS;
    if (m->fd < 0) {
        memcpy(buf, m->d + off, size);
        return 0;
    }
    size_t got = 0;
    while (got < size) {
        ssize_t r = pread(m->fd, (uint8_t *)buf + got, size - got, (off_t)(m->fd_off + off + got));
        if (r <= 0)
            return SQFS_ERROR_IO;
        got += (size_t)r;
    }
    return 0;
}

static int mf_write_at(sqfs_file_t *f, sqfs_u64 off, const void *buf, size_t size)
{
    (void)f;
    (void)off;
    (void)buf;
    (void)size;
    return SQFS_ERROR_IO;
}

static sqfs_u64 mf_size(const sqfs_file_t *f)
{
    return ((const mem_file *)f)->n;
}

static int mf_truncate(sqfs_file_t *f, sqfs_u64 size)
{
    (void)f;
    (void)size;
    return SQFS_ERROR_IO;
}

static mem_file *mf_new(const uint8_t *d, size_t n, int fd, uint64_t fd_off)
{
    mem_file *m = ks_xcalloc(1, sizeof *m);
    m->base.base.destroy = mf_destroy;
    m->base.base.copy = mf_copy;
    m->base.read_at = mf_read_at;
    m->base.write_at = mf_write_at;
    m->base.get_size = mf_size;
    m->base.truncate = mf_truncate;
    m->d = d;
    m->n = n;
    m->fd = fd;
    m->fd_off = fd_off;
    return m;
}

/* gzip blocks through libdeflate: SquashFS knows every block's size, so a
 * whole-buffer decompressor does, at about 1.5 times zlib's speed, what
 * libsquashfs would do with zlib's streaming inflate. Decoding only. */
typedef struct deflate_cmp {
    sqfs_compressor_t base;
    struct libdeflate_decompressor *d;
} deflate_cmp;

static void dc_destroy(sqfs_object_t *o)
{
    libdeflate_free_decompressor(((deflate_cmp *)o)->d);
    free(o);
}

static sqfs_compressor_t *dc_new(void);

static sqfs_object_t *dc_copy(const sqfs_object_t *o)
{
    (void)o;
    return (sqfs_object_t *)dc_new();
}

static void dc_get_configuration(const sqfs_compressor_t *c, sqfs_compressor_config_t *cfg)
{
    (void)c;
    memset(cfg, 0, sizeof *cfg);
    cfg->id = SQFS_COMP_GZIP;
}

static int dc_write_options(sqfs_compressor_t *c, sqfs_file_t *f)
{
    (void)c;
    (void)f;
    return SQFS_ERROR_UNSUPPORTED;
}

/* The options block (level, window, strategies) only matters when writing. */
static int dc_read_options(sqfs_compressor_t *c, sqfs_file_t *f)
{
    (void)c;
    (void)f;
    return 0;
}

static sqfs_s32 dc_do_block(sqfs_compressor_t *c, const sqfs_u8 *in, sqfs_u32 size, sqfs_u8 *out,
                            sqfs_u32 outsize)
{
    size_t got = 0;
    enum libdeflate_result r =
        libdeflate_zlib_decompress(((deflate_cmp *)c)->d, in, size, out, outsize, &got);
    if (r == LIBDEFLATE_INSUFFICIENT_SPACE)
        return 0;
    if (r != LIBDEFLATE_SUCCESS || got > INT32_MAX)
        return SQFS_ERROR_COMPRESSOR;
    return (sqfs_s32)got;
}

static sqfs_compressor_t *dc_new(void)
{
    deflate_cmp *c = ks_xcalloc(1, sizeof *c);
    c->d = libdeflate_alloc_decompressor();
    if (!c->d) {
        free(c);
        return NULL;
    }
    c->base.base.destroy = dc_destroy;
    c->base.base.copy = dc_copy;
    c->base.get_configuration = dc_get_configuration;
    c->base.write_options = dc_write_options;
    c->base.read_options = dc_read_options;
    c->base.do_block = dc_do_block;
    return &c->base;
}

/* LZO blocks through liblzo2: Debian's libsquashfs is built without
 * LZO, and squashfs-tools writes each block as one raw LZO1X stream
 * (whatever the algorithm and level in the options block), which
 * lzo1x_decompress_safe reads. Decoding only. */
static sqfs_compressor_t *lc_new(void);

static void lc_destroy(sqfs_object_t *o)
{
    free(o);
}

static sqfs_object_t *lc_copy(const sqfs_object_t *o)
{
    (void)o;
    return (sqfs_object_t *)lc_new();
}

static void lc_get_configuration(const sqfs_compressor_t *c, sqfs_compressor_config_t *cfg)
{
    (void)c;
    memset(cfg, 0, sizeof *cfg);
    cfg->id = SQFS_COMP_LZO;
}

static sqfs_s32 lc_do_block(sqfs_compressor_t *c, const sqfs_u8 *in, sqfs_u32 size, sqfs_u8 *out,
                            sqfs_u32 outsize)
{
    (void)c;
    lzo_uint got = outsize;
    int r = lzo1x_decompress_safe(in, size, out, &got, NULL);
    if (r == LZO_E_OUTPUT_OVERRUN)
        return 0;
    if (r != LZO_E_OK || got > INT32_MAX)
        return SQFS_ERROR_COMPRESSOR;
    return (sqfs_s32)got;
}

static sqfs_compressor_t *lc_new(void)
{
    if (lzo_init() != LZO_E_OK)
        return NULL;
    sqfs_compressor_t *c = ks_xcalloc(1, sizeof *c);
    c->base.destroy = lc_destroy;
    c->base.copy = lc_copy;
    c->get_configuration = lc_get_configuration;
    c->write_options = dc_write_options;
    c->read_options = dc_read_options;
    c->do_block = lc_do_block;
    return c;
}

static int compressor_create(const sqfs_compressor_config_t *cfg, sqfs_compressor_t **out)
{
    if (cfg->id == SQFS_COMP_GZIP || cfg->id == SQFS_COMP_LZO) {
        *out = cfg->id == SQFS_COMP_GZIP ? dc_new() : lc_new();
        return *out ? 0 : SQFS_ERROR_ALLOC;
    }
    return sqfs_compressor_create(cfg, out);
}

static const char *sqfs_errstr(int e)
{
    switch (e) {
    case SQFS_ERROR_ALLOC:
        return "out of memory";
    case SQFS_ERROR_IO:
        return "read error";
    case SQFS_ERROR_COMPRESSOR:
        return "a block does not decompress";
    case SQFS_ERROR_CORRUPTED:
        return "corrupt metadata";
    case SQFS_ERROR_UNSUPPORTED:
        return "unsupported feature";
    case SQFS_ERROR_OVERFLOW:
        return "a size overflows";
    case SQFS_ERROR_OUT_OF_BOUNDS:
        return "a table or block lies past the end of the image";
    case SFQS_ERROR_SUPER_MAGIC:
        return "bad superblock magic";
    case SFQS_ERROR_SUPER_VERSION:
        return "not SquashFS version 4.0";
    case SQFS_ERROR_SUPER_BLOCK_SIZE:
        return "bad block size";
    case SQFS_ERROR_LINK_LOOP:
        return "a directory loop";
    default:
        return "unreadable";
    }
}

static bool squashfs_sniff(const uint8_t *d, size_t n)
{
    if (n < 96 || memcmp(d, "hsqs", 4) != 0)
        return false;
    uint32_t block = ks_le32(d + 12);
    uint16_t log2 = ks_le16(d + 22), major = ks_le16(d + 28), minor = ks_le16(d + 30);
    uint16_t comp = ks_le16(d + 20);
    return major == 4 && minor == 0 && log2 >= 12 && log2 <= 20 && block == 1u << log2 &&
           comp >= 1 && comp <= 6;
}

/* libsquashfs allocates a table as large as the superblock says before it
 * reads it. The fragment table (16 bytes an entry, a count of up to 2^32)
 * is stored as 8 KiB metadata blocks located by a list of 8-byte
 * pointers, so a real one has its pointers inside the image: a count whose
 * pointers do not fit is corrupt, and would cost up to 64 GiB. */
static bool fragments_fit(const sqfs_super_t *s, size_t n)
{
    if ((s->flags & SQFS_FLAG_NO_FRAGMENTS) || s->fragment_entry_count == 0)
        return true;
    uint64_t blocks = ((uint64_t)s->fragment_entry_count * 16 + 8191) / 8192;
    return s->fragment_table_start <= n && blocks <= (n - s->fragment_table_start) / 8;
}

/* The image, read once; shared (read only) by the tasks. */
typedef struct image {
    sqfs_super_t super;
    mem_file *file;
    sqfs_compressor_config_t cfg;
    sqfs_tree_node_t **files;
    size_t nfiles, per_batch;
} image;

/* A compressor and a data reader for one thread (neither is thread-safe:
 * compressors keep a decoder state, readers a block cache). */
static sqfs_data_reader_t *open_reader(ks_fmt_ctx *ctx, const image *im, sqfs_compressor_t **cmp)
{
    int e;
    sqfs_data_reader_t *data = NULL;
    *cmp = NULL;
    if (compressor_create(&im->cfg, cmp) != 0)
        return NULL;
    if ((im->super.flags & SQFS_FLAG_COMPRESSOR_OPTIONS) &&
        (e = (*cmp)->read_options(*cmp, (sqfs_file_t *)im->file)) != 0) {
        ks_fmt_warn(ctx, 96, "compressor options: %s", sqfs_errstr(e));
        return NULL;
    }
    data = sqfs_data_reader_create((sqfs_file_t *)im->file, im->super.block_size, *cmp, 0);
    if (data && (e = sqfs_data_reader_load_fragment_table(data, &im->super)) != 0)
        ks_fmt_warn(ctx, im->super.fragment_table_start,
                    "fragment table: %s; the tails of files cannot be read", sqfs_errstr(e));
    return data;
}

static void read_file(ks_fmt_ctx *ctx, sqfs_data_reader_t *data, const sqfs_tree_node_t *node,
                      uint64_t image_size, uint8_t **buf, size_t *cap)
{
    char *path = NULL;
    sqfs_u64 size = 0;
    if (sqfs_tree_node_get_path(node, &path) != 0)
        return;
    sqfs_inode_get_file_size(node->inode, &size);
    if (size > ks_fmt_max_blob(ctx)) {
        ks_fmt_warn(ctx, KS_NO_OFFSET, "%s skipped: %llu bytes is larger than --max-file-size",
                    path, (unsigned long long)size);
        goto done;
    }
    if (ks_fmt_reserve(ctx, size, image_size) != 0)
        goto done;
    if (size > *cap) {
        free(*buf);
        *cap = (size_t)size;
        *buf = ks_xmalloc(*cap);
    }
    size_t got = 0;
    while (got < size) {
        sqfs_u64 left = size - got;
        sqfs_u32 want = left > (1u << 30) ? 1u << 30 : (sqfs_u32)left;
        sqfs_s32 r = sqfs_data_reader_read(data, node->inode, got, *buf + got, want);
        if (r <= 0) {
            ks_fmt_warn(ctx, KS_NO_OFFSET, "%s: %s after %zu of %llu bytes", path,
                        r < 0 ? sqfs_errstr(r) : "short read", got, (unsigned long long)size);
            break;
        }
        got += (size_t)r;
    }
    ks_child c = {.kind = KS_CHILD_MEMBER,
                  .name = path,
                  .data = *buf,
                  .len = got,
                  .parent_offset = KS_NO_OFFSET};
    ks_fmt_emit(ctx, &c);
done:
    sqfs_free(path);
}

static void read_batch(ks_fmt_ctx *ctx, void *payload, size_t i)
{
    image *im = payload;
    sqfs_compressor_t *cmp;
    sqfs_data_reader_t *data = open_reader(ctx, im, &cmp);
    uint8_t *buf = NULL;
    size_t cap = 0;
    size_t end = (i + 1) * im->per_batch < im->nfiles ? (i + 1) * im->per_batch : im->nfiles;
    for (size_t k = i * im->per_batch; data && k < end; k++)
        read_file(ctx, data, im->files[k], im->file->n, &buf, &cap);
    free(buf);
    sqfs_destroy(data);
    sqfs_destroy(cmp);
}

/* Regular files of the tree, depth first; every node counts as an entry. */
static int collect(ks_fmt_ctx *ctx, sqfs_tree_node_t *n, image *im, size_t *cap)
{
    for (; n; n = n->next) {
        if (ks_fmt_entry(ctx) != 0)
            return KS_ELIMIT;
        if (S_ISREG(n->inode->base.mode)) {
            ks_grow((void **)&im->files, cap, im->nfiles + 1, sizeof(sqfs_tree_node_t *));
            im->files[im->nfiles++] = n;
        }
        if (n->children && collect(ctx, n->children, im, cap) != 0)
            return KS_ELIMIT;
    }
    return 0;
}

static int squashfs_expand(ks_fmt_ctx *ctx, const uint8_t *d, size_t n, uint64_t *consumed)
{
    image im = {0};
    sqfs_compressor_t *cmp = NULL;
    sqfs_id_table_t *ids = NULL;
    sqfs_dir_reader_t *dr = NULL;
    sqfs_tree_node_t *root = NULL;
    int rc = KS_EINVAL, e;
    uint64_t fd_off;
    int fd = ks_fmt_fd(ctx, &fd_off);

    im.file = mf_new(d, n, fd, fd_off);
    if ((e = sqfs_super_read(&im.super, (sqfs_file_t *)im.file)) != 0) {
        ks_fmt_warn(ctx, 0, "superblock: %s", sqfs_errstr(e));
        goto done;
    }
    ks_fmt_claim(ctx);
    if (!fragments_fit(&im.super, n)) {
        ks_fmt_warn(ctx, 0,
                    "superblock: %u fragments do not fit in the image; the tails of files "
                    "cannot be read",
                    (unsigned)im.super.fragment_entry_count);
        im.super.fragment_entry_count = 0;
        im.super.flags |= SQFS_FLAG_NO_FRAGMENTS;
    }
    *consumed = im.super.bytes_used;
    if (im.super.bytes_used > n)
        ks_fmt_warn(ctx, n,
                    "truncated: the superblock says %llu bytes, %zu are there; reading what "
                    "can be read",
                    (unsigned long long)im.super.bytes_used, n);
    if (sqfs_compressor_config_init(&im.cfg, (SQFS_COMPRESSOR)im.super.compression_id,
                                    im.super.block_size, SQFS_COMP_FLAG_UNCOMPRESS) != 0 ||
        compressor_create(&im.cfg, &cmp) != 0) {
        const char *name = sqfs_compressor_name_from_id((SQFS_COMPRESSOR)im.super.compression_id);
        ks_fmt_not_unpacked(ctx, 0, "compressor %s is not supported by this libsquashfs",
                            name ? name : "?");
        goto done;
    }
    if ((im.super.flags & SQFS_FLAG_COMPRESSOR_OPTIONS) &&
        (e = cmp->read_options(cmp, (sqfs_file_t *)im.file)) != 0) {
        ks_fmt_warn(ctx, 96, "compressor options: %s", sqfs_errstr(e));
        goto done;
    }
    ids = sqfs_id_table_create(0);
    dr = sqfs_dir_reader_create(&im.super, cmp, (sqfs_file_t *)im.file, 0);
    if (!ids || !dr) {
        rc = KS_ENOMEM;
        goto done;
    }
    if ((e = sqfs_id_table_read(ids, (sqfs_file_t *)im.file, &im.super, cmp)) != 0 ||
        (e = sqfs_dir_reader_get_full_hierarchy(dr, ids, NULL, 0, &root)) != 0) {
        ks_fmt_warn(ctx, KS_NO_OFFSET,
                    "directory tables: %s; the image is searched as bytes instead",
                    sqfs_errstr(e));
        goto done;
    }
    size_t cap = 0;
    collect(ctx, root, &im, &cap);
    rc = 0;
    /* Batches: enough to keep every worker busy, few enough that each
     * pays for its own fragment table only a few times. */
    size_t nb = (im.nfiles + BATCH - 1) / BATCH;
    if (nb > 64)
        nb = 64;
    im.per_batch = nb ? (im.nfiles + nb - 1) / nb : 0;
    ks_fmt_parallel(ctx, nb, read_batch, &im);
done:
    free(im.files);
    sqfs_dir_tree_destroy(root);
    sqfs_destroy(dr);
    sqfs_destroy(ids);
    sqfs_destroy(cmp);
    sqfs_destroy(im.file);
    return rc;
}

static const ks_signature squashfs_sigs[] = {{"hsqs", 4, 0}};

const ks_format ks_format_squashfs = {
    .name = "squashfs",
    .sniff = squashfs_sniff,
    .expand = squashfs_expand,
    .sigs = squashfs_sigs,
    .nsigs = 1,
};
