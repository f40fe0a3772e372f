/*
 * fdt.c - flattened device trees (.dtb) and the U-Boot FIT images built on
 * them (mkimage -f image.its), through libfdt.
 *
 * A FIT is a device tree with an /images node: each of its subnodes holds
 * one image (a kernel, a ramdisk, a device tree, a firmware blob) in a
 * `data` property, or outside the tree (mkimage -E) at `data-offset` past
 * the tree's end (rounded up to four bytes) or at `data-position` from its
 * start, `data-size` bytes long. Each image is a child section named by its
 * node ("fit.itb!kernel-1"), a slice of the input. Its `compression` is not
 * undone here: the child is sniffed like any blob, and gzip, bzip2, lzma,
 * xz, lz4 and zstd streams are recognised and decoded by their own
 * formats; a compression that no format recognises is reported as not
 * unpacked (its bytes are still searched as they are).
 *
 * Every device tree, a FIT or not, is also rendered as text in the source
 * syntax (child "dts": nodes, and properties whose value is a list of
 * printable strings): a device tree keeps property names apart from their
 * values (in a strings block), so `wifi-psk = "..."` or a password in
 * `bootargs` is only an assignment a rule can see once rendered. Other
 * properties of 64 bytes or more (a DER key, a blob) are children of their
 * own, named "node/property", slices of the input.
 *
 * The sniff checks the header with fdt_check_header; expand then checks
 * the whole structure with fdt_check_full before reading anything, so
 * libfdt never walks a corrupt tree. A tree cut short or corrupt is warned
 * about (a carved one is dropped silently) and its bytes searched as they
 * are.
 */
#include "format.h"

#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIN_BLOB 64         /* binary properties at least this long are children */
#define MAX_TREE (1u << 30) /* a larger totalsize is not a device tree */

/* ------------------------------------------------------------------------ */
/* Text rendering                                                            */

typedef struct text {
    char *p;
    size_t len, cap;
} text;

static void put(text *t, const char *s, size_t n)
{
    ks_grow((void **)&t->p, &t->cap, t->len + n + 1, 1);
    memcpy(t->p + t->len, s, n);
    t->len += n;
}

static void put_str(text *t, const char *s)
{
    put(t, s, strlen(s));
}

/* A value that is one or more NUL-terminated strings of text (no control
 * characters but tab and newline; UTF-8 passes). */
static bool is_strings(const char *v, int len)
{
    if (len <= 0 || v[len - 1] != '\0' || v[0] == '\0')
        return false;
    for (int i = 0; i < len; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c == '\0' ? i > 0 && v[i - 1] == '\0' : c < 0x20 && c != '\t' && c != '\n')
            return false;
        if (c == 0x7f)
            return false; /* bytes past it stay: UTF-8 text */
    }
    return true;
}

static void put_strings(text *t, const char *v, int len)
{
    for (int i = 0; i < len;) {
        size_t l = strlen(v + i);
        put_str(t, i ? ", \"" : "\"");
        for (size_t k = 0; k < l; k++) {
            char c = v[i + (int)k];
            if (c == '"' || c == '\\')
                put(t, "\\", 1);
            put(t, &c, 1);
        }
        put(t, "\"", 1);
        i += (int)l + 1;
    }
}

/* One property: rendered when it is text, a child when it is a large
 * binary value. */
static int property(ks_fmt_ctx *ctx, const uint8_t *d, int prop, const char *node, bool fit,
                    text *t)
{
    const char *name = NULL;
    int len = 0;
    const char *v = fdt_getprop_by_offset(d, prop, &name, &len);
    if (!v || !name)
        return 0;
    if (is_strings(v, len)) {
        put_str(t, name);
        put_str(t, " = ");
        put_strings(t, v, len);
        put_str(t, ";\n");
        return 0;
    }
    if (len < MIN_BLOB || (fit && strcmp(name, "data") == 0))
        return 0; /* numbers, phandles, hashes; or a FIT image, emitted apart */
    char cname[256];
    snprintf(cname, sizeof cname, "%s/%s", *node ? node : "/", name);
    ks_child c = {.kind = KS_CHILD_SECTION,
                  .name = cname,
                  .data = (const uint8_t *)v,
                  .len = (size_t)len,
                  .parent_offset = (uint64_t)((const uint8_t *)v - d)};
    return ks_fmt_emit(ctx, &c);
}

/* The tree in source syntax, nodes unindented so that its size grows with
 * the tree's, whatever its depth. */
static int render(ks_fmt_ctx *ctx, const uint8_t *d, bool fit)
{
    text t = {0};
    int depth = 0, node = 0, prev = 0, rc = 0;
    for (; node >= 0 && rc == 0; node = fdt_next_node(d, node, &depth)) {
        if (depth < 0)
            break;
        if (ks_fmt_entry(ctx) != 0) {
            rc = KS_ELIMIT;
            break;
        }
        for (; prev >= depth && node > 0; prev--)
            put_str(&t, "};\n");
        prev = depth;
        const char *name = fdt_get_name(d, node, NULL);
        put_str(&t, node == 0 ? "/" : name ? name : "?");
        put_str(&t, " {\n");
        int prop;
        fdt_for_each_property_offset(prop, d, node)
        {
            if ((rc = property(ctx, d, prop, name ? name : "", fit, &t)) != 0)
                break;
        }
    }
    for (; prev >= 0 && rc == 0; prev--)
        put_str(&t, "};\n");
    if (rc == 0 && t.len && (rc = ks_fmt_reserve(ctx, t.len, 0)) == 0) {
        ks_child c = {.kind = KS_CHILD_SECTION,
                      .name = "dts",
                      .data = (const uint8_t *)t.p,
                      .len = t.len,
                      .parent_offset = KS_NO_OFFSET};
        rc = ks_fmt_emit(ctx, &c);
    }
    free(t.p);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* FIT images                                                                */

static bool prop_u32(const uint8_t *d, int node, const char *name, uint32_t *v)
{
    int len = 0;
    const void *p = fdt_getprop(d, node, name, &len);
    if (!p || len != 4)
        return false;
    *v = ks_be32(p);
    return true;
}

/* Where the image's bytes are: in its `data` property, or outside the
 * tree. False when the node has neither. */
static bool image_data(const uint8_t *d, int node, uint64_t *off, uint64_t *size)
{
    int len = 0;
    const void *p = fdt_getprop(d, node, "data", &len);
    if (p && len >= 0) {
        *off = (uint64_t)((const uint8_t *)p - d);
        *size = (uint64_t)len;
        return true;
    }
    uint32_t v, sz;
    if (!prop_u32(d, node, "data-size", &sz))
        return false;
    *size = sz;
    if (prop_u32(d, node, "data-position", &v))
        *off = v;
    else if (prop_u32(d, node, "data-offset", &v))
        *off = (((uint64_t)fdt_totalsize(d) + 3) & ~3ull) + v;
    else
        return false;
    return true;
}

static int fit_image(ks_fmt_ctx *ctx, const uint8_t *d, size_t n, int node, uint64_t *end)
{
    const char *name = fdt_get_name(d, node, NULL);
    uint64_t off, size;
    if (!name || !image_data(d, node, &off, &size)) {
        ks_fmt_warn(ctx, (uint64_t)fdt_off_dt_struct(d) + (uint64_t)node,
                    "FIT image %s has no data", name ? name : "?");
        return 0;
    }
    if (off + size > *end)
        *end = off + size;
    if (off + size > n) {
        uint64_t there = off < n ? n - off : 0;
        ks_fmt_warn(ctx, n,
                    "truncated: FIT image %s has %llu bytes at 0x%llx, %llu of them are there",
                    name, (unsigned long long)size, (unsigned long long)off,
                    (unsigned long long)there);
        size = there;
        if (size == 0)
            return 0;
    }
    int clen = 0;
    const char *comp = fdt_getprop(d, node, "compression", &clen);
    if (comp && (clen <= 0 || comp[clen - 1] != '\0'))
        comp = "?";
    if (size && comp && strcmp(comp, "none") != 0 && !ks_format_sniff(d + off, (size_t)size))
        ks_fmt_not_unpacked(ctx, off,
                            "FIT image %s: %s compression is not recognised; its bytes are "
                            "searched as they are",
                            name, comp);
    ks_child c = {.kind = KS_CHILD_SECTION,
                  .name = name,
                  .data = d + off,
                  .len = (size_t)size,
                  .parent_offset = off};
    return ks_fmt_emit(ctx, &c);
}

/* Emit each image of a FIT; false when the tree is not one (no /images
 * node with an image in it). */
static bool fit_images(ks_fmt_ctx *ctx, const uint8_t *d, size_t n, uint64_t *end, int *rc)
{
    int images = fdt_path_offset(d, "/images");
    if (images < 0)
        return false;
    int node;
    bool any = false;
    fdt_for_each_subnode(node, d, images)
    {
        uint64_t off, size;
        if (!image_data(d, node, &off, &size))
            continue;
        any = true;
        break;
    }
    if (!any)
        return false;
    fdt_for_each_subnode(node, d, images)
    {
        if ((*rc = ks_fmt_entry(ctx)) != 0 || (*rc = fit_image(ctx, d, n, node, end)) != 0)
            break;
    }
    return true;
}

/* ------------------------------------------------------------------------ */
/* The format                                                                */

static bool fdt_sniff(const uint8_t *d, size_t n)
{
    return n >= 40 && ks_be32(d) == FDT_MAGIC && fdt_check_header(d) == 0 &&
           fdt_totalsize(d) <= MAX_TREE && fdt_version(d) >= 16;
}

static int fdt_expand(ks_fmt_ctx *ctx, const uint8_t *d, size_t n, uint64_t *consumed)
{
    size_t total = fdt_totalsize(d);
    if (total > n) {
        if (ks_fmt_carved(ctx))
            return KS_EINVAL;
        ks_fmt_claim(ctx);
        ks_fmt_warn(ctx, n,
                    "truncated: the header says %zu bytes of device tree, %zu are there; "
                    "its bytes are searched as they are",
                    total, n);
        return KS_EINVAL;
    }
    int e = fdt_check_full(d, total);
    if (e != 0) {
        if (ks_fmt_carved(ctx))
            return KS_EINVAL;
        ks_fmt_claim(ctx);
        ks_fmt_warn(ctx, 0, "corrupt device tree: %s; its bytes are searched as they are",
                    fdt_strerror(e));
        return KS_EINVAL;
    }
    ks_fmt_claim(ctx);
    uint64_t end = total;
    int rc = 0;
    bool fit = fit_images(ctx, d, n, &end, &rc);
    if (rc == 0)
        render(ctx, d, fit);
    *consumed = end < n ? end : n;
    return 0;
}

static const ks_signature fdt_sigs[] = {{"\xd0\x0d\xfe\xed", 4, 0}};

const ks_format ks_format_fdt = {
    .name = "fdt",
    .sniff = fdt_sniff,
    .expand = fdt_expand,
    .sigs = fdt_sigs,
    .nsigs = 1,
};
