/*
 * ext.c - ext2, ext3 and ext4 file systems, through libext2fs (e2fsprogs),
 * without mounting them.
 *
 * The children are the regular files, by path ("/etc/shadow"). The
 * directory tree is walked from the root inode, breadth first, once; every
 * directory inode is marked in a bitmap as it is queued, so a directory
 * reached twice (a hard-linked directory, a corrupt entry pointing back up)
 * is read once and a cycle ends. Symbolic links, devices, fifos and
 * sockets are not files with content and are skipped. The files are then
 * read in parallel batches, each with a file system handle of its own
 * (libext2fs handles keep a block cache and are not shared between
 * threads); libext2fs maps extents, block maps and inline data.
 *
 * DESIGN
 * libext2fs opens a file system by name through an io_manager. keysift's
 * is a small one over the blob itself (mem_manager below): it reads the
 * bytes in memory, or with pread from the file behind them when there is
 * one (ks_fmt_fd), like squashfs.c. So an image nested in an archive or
 * a compressed stream (a blob already in memory or in a spilled buffer)
 * is read where it is, nothing is copied into a temporary file first, and
 * memory stays bounded by libext2fs's tables and one file's buffer
 * (members past ks_fmt_hold are emitted as streams). A temporary file
 * would cost a copy of the whole image per nesting level, and disk.
 *
 * libext2fs reports some errors through com_err, which prints to stderr:
 * the hook is replaced once by one that drops them (decoders never print);
 * every error that matters comes back as a return code, and is warned
 * about with ks_fmt_warn. A bad superblock or group descriptors: a warning
 * and the image is searched as bytes. A truncated image: a warning, and
 * every file whose blocks are there is read; a file whose blocks are past
 * the end, or unreadable, is warned about by path.
 */
#include "format.h"

#include <et/com_err.h>
#include <ext2fs/ext2fs.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BATCH 256      /* files per parallel task */
#define MAX_PATH 4096  /* longer paths are warned about and not followed */
#define SB_OFF 1024    /* the primary superblock */

/* ------------------------------------------------------------------------ */
/* The io_manager over the blob                                              */

typedef struct mem_src {
    const uint8_t *d;
    size_t n;
    int fd; /* read from this file at fd_off when >= 0 */
    uint64_t fd_off;
    /* 0, 0: the primary superblock; else a backup's block and block size */
    unsigned int sb_block, sb_size;
} mem_src;

/* ext2fs_open2 calls the manager's open on the calling thread: the source
 * is handed over here rather than encoded in the name. */
static _Thread_local const mem_src *opening;
static struct struct_io_manager mem_manager;

static errcode_t mem_open(const char *name, int flags, io_channel *out)
{
    (void)name;
    if (!opening || (flags & IO_FLAG_RW))
        return EXT2_ET_BAD_DEVICE_NAME;
    io_channel ch = ks_xcalloc(1, sizeof *ch);
    ch->magic = EXT2_ET_MAGIC_IO_CHANNEL;
    ch->manager = &mem_manager;
    ch->name = ks_xstrdup("keysift");
    ch->block_size = 1024;
    ch->refcount = 1;
    ch->private_data = (void *)(uintptr_t)opening;
    *out = ch;
    return 0;
}

static errcode_t mem_close(io_channel ch)
{
    if (--ch->refcount > 0)
        return 0;
    free(ch->name);
    free(ch);
    return 0;
}

static errcode_t mem_set_blksize(io_channel ch, int blksize)
{
    if (blksize <= 0)
        return EXT2_ET_INVALID_ARGUMENT;
    ch->block_size = blksize;
    return 0;
}

static errcode_t mem_read64(io_channel ch, unsigned long long block, int count, void *data)
{
    const mem_src *s = ch->private_data;
    uint64_t size = count < 0 ? (uint64_t)-(int64_t)count : (uint64_t)count * (uint64_t)ch->block_size;
    if (block > UINT64_MAX / (uint64_t)ch->block_size)
        return EXT2_ET_LLSEEK_FAILED;
    uint64_t off = block * (uint64_t)ch->block_size;
    size_t have = off >= s->n ? 0 : (size_t)(s->n - off < size ? s->n - off : size);
    if (s->fd < 0) {
        if (have)
            memcpy(data, s->d + off, have);
    } else {
        size_t got = 0;
        while (got < have) {
            ssize_t r = pread(s->fd, (uint8_t *)data + got, have - got,
                              (off_t)(s->fd_off + off + got));
            if (r <= 0)
                break;
            got += (size_t)r;
        }
        have = got;
    }
    if (have < size) {
        /* Zeros where the image ends, as unix_io gives, but not for a
         * request far past it (the caller fails on the error anyway). */
        if (size - have <= (1u << 20))
            memset((uint8_t *)data + have, 0, (size_t)(size - have));
        return EXT2_ET_SHORT_READ;
    }
    return 0;
}

static errcode_t mem_read(io_channel ch, unsigned long block, int count, void *data)
{
    return mem_read64(ch, block, count, data);
}

static errcode_t mem_write(io_channel ch, unsigned long block, int count, const void *data)
{
    (void)ch;
    (void)block;
    (void)count;
    (void)data;
    return EXT2_ET_RO_FILSYS;
}

static errcode_t mem_write64(io_channel ch, unsigned long long block, int count, const void *data)
{
    return mem_write(ch, (unsigned long)block, count, data);
}

static errcode_t mem_flush(io_channel ch)
{
    (void)ch;
    return 0;
}

static errcode_t mem_set_option(io_channel ch, const char *option, const char *arg)
{
    (void)ch;
    (void)option;
    (void)arg;
    return EXT2_ET_INVALID_ARGUMENT;
}

static struct struct_io_manager mem_manager = {
    .magic = EXT2_ET_MAGIC_IO_MANAGER,
    .name = "keysift memory",
    .open = mem_open,
    .close = mem_close,
    .set_blksize = mem_set_blksize,
    .read_blk = mem_read,
    .write_blk = mem_write,
    .flush = mem_flush,
    .set_option = mem_set_option,
    .read_blk64 = mem_read64,
    .write_blk64 = mem_write64,
};

static void com_err_silent(const char *whoami, long code, const char *fmt, va_list args)
{
    (void)whoami;
    (void)code;
    (void)fmt;
    (void)args;
}

static pthread_once_t hook_once = PTHREAD_ONCE_INIT;

static void hook_install(void)
{
    initialize_ext2_error_table(); /* libext2fs's messages, for error_message() */
    set_com_err_hook(com_err_silent);
}

/* The file system of `s`, read only; 0 or libext2fs's error. */
static errcode_t fs_open(const mem_src *s, ext2_filsys *fs)
{
    pthread_once(&hook_once, hook_install);
    opening = s;
    errcode_t e = ext2fs_open2("keysift", NULL,
                               EXT2_FLAG_64BITS | EXT2_FLAG_SKIP_MMP | EXT2_FLAG_IGNORE_CSUM_ERRORS,
                               s->sb_block, s->sb_size, &mem_manager, fs);
    opening = NULL;
    return e;
}

/* ------------------------------------------------------------------------ */
/* The walk: directories from the root, regular files listed                 */

typedef struct file_ref {
    ext2_ino_t ino;
    char *path;
} file_ref;

typedef struct image {
    mem_src src;
    file_ref *files;
    size_t nfiles, fcap, per_batch;
} image;

typedef struct walk {
    ks_fmt_ctx *ctx;
    ext2_filsys fs;
    image *im;
    ext2fs_inode_bitmap seen; /* directories queued */
    file_ref *dirs;           /* queue of directories to read */
    size_t ndirs, dcap, head;
    const char *dir_path;
    size_t relinked; /* entries naming a directory already seen */
    bool stop;
} walk;

static char *join(const char *dir, const char *name, int len)
{
    size_t dl = strlen(dir);
    if (dl + 1 + (size_t)len + 1 > MAX_PATH)
        return NULL;
    char *p = ks_xmalloc(dl + (size_t)len + 2);
    memcpy(p, dir, dl);
    p[dl] = '/';
    memcpy(p + dl + 1, name, (size_t)len);
    p[dl + 1 + (size_t)len] = '\0';
    return p;
}

/* The kind of the entry's inode: from the directory entry when the file
 * system records it there (the filetype feature), else from the inode. */
static int entry_type(ext2_filsys fs, ext2_ino_t ino, int ft)
{
    if (ft != EXT2_FT_UNKNOWN)
        return ft;
    struct ext2_inode inode;
    if (ext2fs_read_inode(fs, ino, &inode) != 0)
        return EXT2_FT_UNKNOWN;
    if (LINUX_S_ISREG(inode.i_mode))
        return EXT2_FT_REG_FILE;
    if (LINUX_S_ISDIR(inode.i_mode))
        return EXT2_FT_DIR;
    return EXT2_FT_SYMLINK; /* anything else is skipped alike */
}

static int on_entry(ext2_ino_t dir, int entry, struct ext2_dir_entry *de, int offset,
                    int blocksize, char *buf, void *payload)
{
    (void)dir;
    (void)offset;
    (void)blocksize;
    (void)buf;
    walk *w = payload;
    int len = ext2fs_dirent_name_len(de);
    if (entry == DIRENT_DOT_FILE || entry == DIRENT_DOT_DOT_FILE || de->inode == 0 ||
        (len == 1 && de->name[0] == '.') || (len == 2 && de->name[0] == '.' && de->name[1] == '.'))
        return 0;
    if (ks_fmt_entry(w->ctx) != 0) {
        w->stop = true;
        return DIRENT_ABORT;
    }
    if (de->inode > w->fs->super->s_inodes_count) {
        ks_fmt_warn(w->ctx, KS_NO_OFFSET, "%s/%.*s: inode %u is past the inode table", w->dir_path,
                    len, de->name, de->inode);
        return 0;
    }
    int ft = entry_type(w->fs, de->inode, ext2fs_dirent_file_type(de));
    if (ft != EXT2_FT_REG_FILE && ft != EXT2_FT_DIR)
        return 0;
    if (ft == EXT2_FT_DIR && ext2fs_test_inode_bitmap2(w->seen, de->inode)) {
        /* Read already, or queued: a loop or a hard-linked directory,
         * which ext never makes; said once, counted after. */
        if (w->relinked++ == 0)
            ks_fmt_warn(w->ctx, KS_NO_OFFSET,
                        "%s/%.*s: directory inode %u is linked more than once (a directory "
                        "loop?): read once",
                        w->dir_path, len, de->name, de->inode);
        return 0;
    }
    char *path = join(w->dir_path, de->name, len);
    if (!path) {
        ks_fmt_warn(w->ctx, KS_NO_OFFSET, "%s/%.*s: path longer than %d bytes, not followed",
                    w->dir_path, len, de->name, MAX_PATH);
        return 0;
    }
    if (ft == EXT2_FT_DIR) {
        ext2fs_mark_inode_bitmap2(w->seen, de->inode);
        ks_grow((void **)&w->dirs, &w->dcap, w->ndirs + 1, sizeof(file_ref));
        w->dirs[w->ndirs++] = (file_ref){de->inode, path};
    } else {
        image *im = w->im;
        ks_grow((void **)&im->files, &im->fcap, im->nfiles + 1, sizeof(file_ref));
        im->files[im->nfiles++] = (file_ref){de->inode, path};
    }
    return 0;
}

/* List the regular files under the root; directories that cannot be read
 * are warned about by path. */
static int walk_tree(ks_fmt_ctx *ctx, ext2_filsys fs, image *im)
{
    walk w = {.ctx = ctx, .fs = fs, .im = im};
    errcode_t e;
    fs->default_bitmap_type = EXT2FS_BMAP64_RBTREE; /* memory follows the directories marked */
    if ((e = ext2fs_allocate_inode_bitmap(fs, "directories seen", &w.seen)) != 0) {
        ks_fmt_warn(ctx, SB_OFF, "inode bitmap: %s", error_message(e));
        return KS_EINVAL;
    }
    ext2fs_mark_inode_bitmap2(w.seen, EXT2_ROOT_INO);
    ks_grow((void **)&w.dirs, &w.dcap, 1, sizeof(file_ref));
    w.dirs[w.ndirs++] = (file_ref){EXT2_ROOT_INO, ks_xstrdup("")};
    for (; w.head < w.ndirs && !w.stop; w.head++) {
        /* A copy: on_entry grows (moves) the queue. */
        file_ref d = w.dirs[w.head];
        w.dirs[w.head].path = NULL;
        w.dir_path = d.path;
        e = ext2fs_dir_iterate2(fs, d.ino, 0, NULL, on_entry, &w);
        if (e != 0)
            ks_fmt_warn(ctx, KS_NO_OFFSET, "directory %s: %s; the rest of it is not read",
                        *d.path ? d.path : "/", error_message(e));
        free(d.path);
    }
    if (w.relinked > 1)
        ks_fmt_warn(ctx, KS_NO_OFFSET, "%zu more directory entries link directories already read",
                    w.relinked - 1);
    for (size_t i = w.head; i < w.ndirs; i++)
        free(w.dirs[i].path);
    free(w.dirs);
    ext2fs_free_inode_bitmap(w.seen);
    return w.stop ? KS_ELIMIT : 0;
}

/* ------------------------------------------------------------------------ */
/* Reading the files                                                         */

typedef struct member {
    ks_fmt_ctx *ctx;
    ext2_file_t file;
    const char *path;
    uint64_t size, pos, image_size;
    bool ended;
} member;

/* ks_fmt_read_fn: the next bytes of a file. */
static size_t member_read(void *payload, uint8_t *dst, size_t want)
{
    member *m = payload;
    size_t o = 0;
    while (o < want && !m->ended) {
        unsigned int ask = want - o > (1u << 30) ? 1u << 30 : (unsigned int)(want - o);
        unsigned int got = 0;
        errcode_t e = ext2fs_file_read(m->file, dst + o, ask, &got);
        if (e != 0 || got == 0) {
            if (e != 0 || m->pos < m->size)
                ks_fmt_warn(m->ctx, KS_NO_OFFSET,
                            "%s: %s after %llu of %llu bytes; the bytes read are scanned",
                            m->path, e ? error_message(e) : "short read",
                            (unsigned long long)m->pos, (unsigned long long)m->size);
            m->ended = true;
            break;
        }
        if (ks_fmt_reserve(m->ctx, got, m->image_size) != 0) {
            m->ended = true;
            break;
        }
        o += got;
        m->pos += got;
    }
    return o;
}

static int read_file(ks_fmt_ctx *ctx, ext2_filsys fs, const file_ref *f, uint64_t image_size,
                     ks_outbuf *out)
{
    member m = {.ctx = ctx, .path = f->path, .image_size = image_size};
    errcode_t e = ext2fs_file_open(fs, f->ino, 0, &m.file);
    if (e != 0) {
        ks_fmt_warn(ctx, KS_NO_OFFSET, "%s: inode %u: %s", f->path, f->ino, error_message(e));
        return 0;
    }
    if (!LINUX_S_ISREG(ext2fs_file_get_inode(m.file)->i_mode)) {
        /* The directory entry said a regular file; the inode says not. */
        ks_fmt_warn(ctx, KS_NO_OFFSET, "%s: inode %u is not a regular file (mode 0%o), skipped",
                    f->path, f->ino, ext2fs_file_get_inode(m.file)->i_mode);
        ext2fs_file_close(m.file);
        return 0;
    }
    __u64 size = 0;
    ext2fs_file_get_lsize(m.file, &size);
    m.size = size;
    ks_child c = {.kind = KS_CHILD_MEMBER, .name = f->path, .parent_offset = KS_NO_OFFSET};
    bool whole = ks_outbuf_fill(ctx, out, member_read, &m);
    c.data = out->data;
    c.len = out->len;
    int rc = whole ? ks_fmt_emit(ctx, &c) : ks_fmt_emit_stream(ctx, &c, member_read, &m);
    ext2fs_file_close(m.file);
    return rc;
}

static void read_batch(ks_fmt_ctx *ctx, void *payload, size_t i)
{
    image *im = payload;
    ext2_filsys fs = NULL;
    errcode_t e = fs_open(&im->src, &fs);
    if (e != 0) {
        ks_fmt_warn(ctx, SB_OFF, "superblock: %s", error_message(e));
        return;
    }
    ks_outbuf out = {0};
    size_t end = (i + 1) * im->per_batch < im->nfiles ? (i + 1) * im->per_batch : im->nfiles;
    for (size_t k = i * im->per_batch; k < end; k++)
        if (read_file(ctx, fs, &im->files[k], im->src.n, &out) != 0)
            break;
    ks_outbuf_dispose(&out);
    ext2fs_close_free(&fs);
}

/* ------------------------------------------------------------------------ */
/* The format                                                                */

/* The first backup superblock (group 1) where mke2fs puts it for each
 * block size: 0 when one opens. */
static errcode_t open_backup(mem_src *s, ext2_filsys *fs)
{
    static const unsigned int sizes[] = {1024, 2048, 4096};
    errcode_t e = EXT2_ET_BAD_MAGIC;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0] && e != 0; i++) {
        s->sb_size = sizes[i];
        s->sb_block = sizes[i] * 8 + (sizes[i] == 1024);
        e = fs_open(s, fs);
    }
    if (e != 0)
        s->sb_block = s->sb_size = 0;
    return e;
}

static bool ext_sniff(const uint8_t *d, size_t n)
{
    if (n < SB_OFF + 84 || ks_le16(d + SB_OFF + 56) != 0xef53)
        return false;
    const uint8_t *sb = d + SB_OFF;
    uint32_t log = ks_le32(sb + 24), first = ks_le32(sb + 20), bpg = ks_le32(sb + 32);
    uint32_t ipg = ks_le32(sb + 40), rev = ks_le32(sb + 76);
    uint16_t state = ks_le16(sb + 58);
    /* Inodes and blocks counted, block size 1 KiB to 64 KiB, the first
     * data block where that size puts it, groups no larger than a block
     * of bitmap describes, a known revision and state. */
    return ks_le32(sb) > 0 && ks_le32(sb + 4) > 0 && log <= 6 && first == (log == 0 ? 1u : 0u) &&
           bpg > 0 && bpg <= 8u * (1024u << log) && ipg > 0 && rev <= 1 && state >= 1 &&
           state <= 7;
}

/* libext2fs allocates the whole group descriptor table before it reads
 * it: groups times the descriptor size, from superblock fields up to
 * 2^32 each. A real table lies inside the image, so one larger than the
 * image is corrupt, and would cost gigabytes. */
static bool descriptors_fit(const uint8_t *d, size_t n)
{
    const uint8_t *sb = d + SB_OFF;
    uint64_t blocks = ks_le32(sb + 4), first = ks_le32(sb + 20), bpg = ks_le32(sb + 32);
    uint64_t desc = 32;
    if (n >= SB_OFF + 0x154 && (ks_le32(sb + 0x60) & 0x80)) { /* INCOMPAT_64BIT */
        blocks |= (uint64_t)ks_le32(sb + 0x150) << 32;
        desc = ks_le16(sb + 0xfe) >= 32 ? ks_le16(sb + 0xfe) : 32;
    }
    if (blocks <= first)
        return false;
    uint64_t groups = (blocks - first + bpg - 1) / bpg;
    return groups <= n / desc && groups * desc <= n;
}

static int ext_expand(ks_fmt_ctx *ctx, const uint8_t *d, size_t n, uint64_t *consumed)
{
    image im = {.src = {.d = d, .n = n}};
    if (!descriptors_fit(d, n)) {
        if (!ks_fmt_carved(ctx))
            ks_fmt_warn(ctx, SB_OFF,
                        "superblock: its group descriptors would not fit in the image (%zu "
                        "bytes); the image is searched as bytes instead",
                        n);
        return KS_EINVAL;
    }
    im.src.fd = ks_fmt_fd(ctx, &im.src.fd_off);
    ext2_filsys fs = NULL;
    errcode_t e = fs_open(&im.src, &fs);
    if (e != 0 && !ks_fmt_carved(ctx) && open_backup(&im.src, &fs) == 0)
        ks_fmt_warn(ctx, SB_OFF, "superblock: %s; read through the backup at block %u",
                    error_message(e), im.src.sb_block);
    else if (e != 0) {
        if (!ks_fmt_carved(ctx))
            ks_fmt_warn(ctx, SB_OFF, "superblock: %s; the image is searched as bytes instead",
                        error_message(e));
        return KS_EINVAL;
    }
    ks_fmt_claim(ctx);
    uint64_t size = ext2fs_blocks_count(fs->super) * (uint64_t)fs->blocksize;
    *consumed = size < n ? size : n;
    if (size > n)
        ks_fmt_warn(ctx, n,
                    "truncated: the superblock says %llu bytes, %zu are there; reading what "
                    "can be read",
                    (unsigned long long)size, n);
    int rc = walk_tree(ctx, fs, &im);
    ext2fs_close_free(&fs);
    if (rc == KS_EINVAL)
        goto done;
    rc = 0;
    /* Batches: enough to keep every worker busy, each opening the file
     * system once (the superblock and group descriptors). */
    size_t nb = (im.nfiles + BATCH - 1) / BATCH;
    if (nb > 64)
        nb = 64;
    im.per_batch = nb ? (im.nfiles + nb - 1) / nb : 0;
    ks_fmt_parallel(ctx, nb, read_batch, &im);
done:
    for (size_t i = 0; i < im.nfiles; i++)
        free(im.files[i].path);
    free(im.files);
    return rc;
}

static const ks_signature ext_sigs[] = {{"\x53\xef", 2, 1080}};

const ks_format ks_format_ext = {
    .name = "ext4",
    .sniff = ext_sniff,
    .expand = ext_expand,
    .sigs = ext_sigs,
    .nsigs = 1,
};
