/*
 * elf.c - ELF executables, libraries, objects and kernels, through libelf.
 *
 * The children are the sections that hold data: .rodata, .data,
 * .data.rel.ro, string tables, .comment, notes, and the string sections of
 * debug information (a -g3 build keeps every #define there). Code
 * (SHF_EXECINSTR), .bss and the rest of the debug sections are not
 * children: code is not text, and scanning it only finds noise. Each
 * section carries its load address and a symbol lookup over .symtab (or
 * .dynsym when stripped), so a hit names the variable holding it.
 *
 * An ELF without section headers (sstrip'ed) is read by its loadable
 * segments instead, all of them, since code and data can no longer be
 * told apart.
 *
 * 32 and 64 bit, either byte order: libelf (gelf_*) converts headers and
 * symbols; section bytes are sliced from the input, never copied.
 */
#include "format.h"

#include <gelf.h>
#include <libelf.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct sym {
    uint64_t value, size;
    const char *name;
    size_t shndx;
} sym;

typedef struct symtab {
    sym *v;
    size_t n;
} symtab;

/* The symbols of one section, and where the section is loaded. */
typedef struct section_syms {
    const sym *v;
    size_t n;
    uint64_t addr; /* sh_addr (0 in relocatable objects: values are offsets) */
} section_syms;

static uint16_t rd16(const uint8_t *p, bool be)
{
    if (be)
        return (uint16_t)((unsigned)p[0] << 8 | p[1]);
    return ks_le16(p);
}

static uint32_t rd32(const uint8_t *p, bool be)
{
    return be ? ks_be32(p) : ks_le32(p);
}

static bool elf_sniff(const uint8_t *d, size_t n)
{
    if (n < 64 || memcmp(d, "\177ELF", 4) != 0)
        return false;
    if ((d[4] != ELFCLASS32 && d[4] != ELFCLASS64) || (d[5] != ELFDATA2LSB && d[5] != ELFDATA2MSB) ||
        d[6] != EV_CURRENT)
        return false;
    bool be = d[5] == ELFDATA2MSB;
    uint16_t type = rd16(d + 16, be);
    if (type < ET_REL || type > ET_CORE || rd32(d + 20, be) != EV_CURRENT)
        return false;
    bool c32 = d[4] == ELFCLASS32;
    uint16_t ehsize = rd16(d + (c32 ? 40 : 52), be);
    uint16_t phentsize = rd16(d + (c32 ? 42 : 54), be), phnum = rd16(d + (c32 ? 44 : 56), be);
    uint16_t shentsize = rd16(d + (c32 ? 46 : 58), be), shnum = rd16(d + (c32 ? 48 : 60), be);
    /* Header tables of the size the class says, or none. */
    if (ehsize != (c32 ? 52 : 64) || (phnum && phentsize != (c32 ? 32 : 56)) ||
        (shnum && shentsize != (c32 ? 40 : 64)) || (!phnum && !shnum))
        return false;
    uint64_t phoff = c32 ? rd32(d + 28, be) : (be ? (uint64_t)rd32(d + 32, be) << 32 | rd32(d + 36, be)
                                                  : ks_le64(d + 32));
    return !phnum || (phoff >= ehsize && phoff < n);
}

static const char *section_symbol(const void *payload, uint64_t off, uint64_t *delta)
{
    const section_syms *s = payload;
    uint64_t addr = s->addr + off;
    size_t lo = 0, hi = s->n;
    while (lo < hi) { /* first symbol past addr */
        size_t mid = lo + (hi - lo) / 2;
        if (s->v[mid].value <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return NULL;
    const sym *y = &s->v[lo - 1];
    /* Inside a sized object, or after a label with no size: name it. */
    if (y->size && addr >= y->value + y->size)
        return NULL;
    *delta = addr - y->value;
    return y->name;
}

static int cmp_sym(const void *a, const void *b)
{
    const sym *x = a, *y = b;
    if (x->shndx != y->shndx)
        return x->shndx < y->shndx ? -1 : 1;
    if (x->value != y->value)
        return x->value < y->value ? -1 : 1;
    /* Of two names at one address, the sized one (an object) first. */
    return (x->size == 0) - (y->size == 0);
}

/* Data symbols of .symtab, or of .dynsym when there is no .symtab. */
static void load_symbols(Elf *e, symtab *t)
{
    Elf_Scn *scn = NULL;
    Elf_Scn *best = NULL;
    GElf_Shdr sh, bsh = {0};
    while ((scn = elf_nextscn(e, scn)) != NULL) {
        if (!gelf_getshdr(scn, &sh))
            continue;
        if (sh.sh_type == SHT_SYMTAB || (sh.sh_type == SHT_DYNSYM && !best)) {
            best = scn;
            bsh = sh;
        }
    }
    if (!best || bsh.sh_entsize == 0)
        return;
    Elf_Data *data = elf_getdata(best, NULL);
    if (!data)
        return;
    size_t n = bsh.sh_size / bsh.sh_entsize;
    t->v = ks_xcalloc(n ? n : 1, sizeof(sym));
    for (size_t i = 0; i < n; i++) {
        GElf_Sym s;
        if (!gelf_getsym(data, (int)i, &s))
            break;
        int type = GELF_ST_TYPE(s.st_info);
        if ((type != STT_OBJECT && type != STT_NOTYPE && type != STT_TLS && type != STT_FUNC) ||
            s.st_shndx == SHN_UNDEF || s.st_shndx >= SHN_LORESERVE || s.st_name == 0)
            continue;
        const char *name = elf_strptr(e, bsh.sh_link, s.st_name);
        /* Mapping symbols ($d, $x, $a on ARM) and empty names say nothing. */
        if (!name || !*name || name[0] == '$')
            continue;
        t->v[t->n++] = (sym){s.st_value, s.st_size, name, s.st_shndx};
    }
    qsort(t->v, t->n, sizeof(sym), cmp_sym);
}

static bool wanted(const GElf_Shdr *sh, const char *name)
{
    if (sh->sh_type == SHT_NOBITS || sh->sh_size == 0 || (sh->sh_flags & SHF_EXECINSTR))
        return false;
    if (sh->sh_type != SHT_PROGBITS && sh->sh_type != SHT_NOTE && sh->sh_type != SHT_STRTAB)
        return false;
    if (name && strncmp(name, ".debug_", 7) == 0)
        return strcmp(name, ".debug_str") == 0 || strcmp(name, ".debug_line_str") == 0;
    return true;
}

static pthread_once_t elf_once = PTHREAD_ONCE_INIT;
static void elf_init(void)
{
    (void)elf_version(EV_CURRENT);
}

static int by_segments(ks_fmt_ctx *ctx, Elf *e, const uint8_t *d, size_t n, uint64_t *end)
{
    size_t np = 0;
    int emitted = 0;
    if (elf_getphdrnum(e, &np) != 0)
        return KS_EINVAL;
    for (size_t i = 0; i < np; i++) {
        GElf_Phdr ph;
        if (!gelf_getphdr(e, (int)i, &ph) || ph.p_type != PT_LOAD || ph.p_filesz == 0)
            continue;
        if (ph.p_offset >= n) {
            ks_fmt_warn(ctx, ph.p_offset, "segment %zu lies past the end (truncated file?)", i);
            continue;
        }
        uint64_t len = ph.p_filesz;
        if (len > n - ph.p_offset) {
            ks_fmt_warn(ctx, ph.p_offset, "segment %zu is cut short (truncated file?)", i);
            len = n - ph.p_offset;
        }
        if (ph.p_offset + len > *end)
            *end = ph.p_offset + len;
        char name[48];
        snprintf(name, sizeof name, "segment@0x%llx", (unsigned long long)ph.p_vaddr);
        ks_child c = {.kind = KS_CHILD_SECTION,
                      .name = name,
                      .data = d + ph.p_offset,
                      .len = (size_t)len,
                      .parent_offset = ph.p_offset,
                      .has_vaddr = true,
                      .vaddr = ph.p_vaddr};
        emitted++;
        if (ks_fmt_emit(ctx, &c) != 0)
            break;
    }
    return emitted ? 0 : KS_EINVAL;
}

/* Where the headers end: the ELF header, program and section headers. */
static uint64_t headers_end(const GElf_Ehdr *eh, size_t shnum)
{
    uint64_t end = eh->e_ehsize;
    uint64_t ph = eh->e_phoff + (uint64_t)eh->e_phnum * eh->e_phentsize;
    uint64_t sh = eh->e_shoff + (uint64_t)shnum * eh->e_shentsize;
    if (eh->e_phoff && eh->e_phnum && ph > end)
        end = ph;
    if (eh->e_shoff && sh > end)
        end = sh;
    return end;
}

/* One section of an ELF being read. */
typedef struct sect {
    const uint8_t *d; /* the whole ELF */
    size_t n;
    const GElf_Ehdr *eh;
    const symtab *syms;
    size_t si; /* walks syms, which are sorted by section */
} sect;

/* Emit a wanted section (its symbols with it); returns ks_fmt_emit's code. */
static int emit_section(ks_fmt_ctx *ctx, sect *x, const GElf_Shdr *sh, size_t idx,
                        const char *name)
{
    if (sh->sh_flags & SHF_COMPRESSED) {
        ks_fmt_not_unpacked(ctx, sh->sh_offset, "section %s is compressed (SHF_COMPRESSED)",
                            name ? name : "?");
        return 0;
    }
    if (sh->sh_offset >= x->n) {
        ks_fmt_warn(ctx, sh->sh_offset, "section %s lies past the end (truncated file?)",
                    name ? name : "?");
        return 0;
    }
    uint64_t len = sh->sh_size;
    if (len > x->n - sh->sh_offset) {
        ks_fmt_warn(ctx, sh->sh_offset, "section %s is cut short (truncated file?)",
                    name ? name : "?");
        len = x->n - sh->sh_offset;
    }
    while (x->si < x->syms->n && x->syms->v[x->si].shndx < idx)
        x->si++;
    size_t sj = x->si;
    while (sj < x->syms->n && x->syms->v[sj].shndx == idx)
        sj++;
    section_syms ss = {x->syms->v ? x->syms->v + x->si : NULL, sj - x->si, sh->sh_addr};
    char fallback[32];
    if (!name || !*name) {
        snprintf(fallback, sizeof fallback, "section%zu", idx);
        name = fallback;
    }
    ks_child c = {.kind = KS_CHILD_SECTION,
                  .name = name,
                  .data = x->d + sh->sh_offset,
                  .len = (size_t)len,
                  .parent_offset = sh->sh_offset,
                  .has_vaddr = (sh->sh_flags & SHF_ALLOC) && sh->sh_addr != 0,
                  .vaddr = sh->sh_addr,
                  .symbol = ss.n ? section_symbol : NULL,
                  .symbol_payload = &ss,
                  /* A section over the ELF's own header holds the ELF again:
                   * scan it, do not unpack it a second time. */
                  .opaque = sh->sh_offset < x->eh->e_ehsize};
    return ks_fmt_emit(ctx, &c);
}

static void by_sections(ks_fmt_ctx *ctx, Elf *e, sect *x, uint64_t *end)
{
    size_t shstrndx = 0;
    if (elf_getshdrstrndx(e, &shstrndx) != 0)
        shstrndx = 0;
    Elf_Scn *scn = NULL;
    while ((scn = elf_nextscn(e, scn)) != NULL) {
        GElf_Shdr sh;
        if (!gelf_getshdr(scn, &sh))
            continue;
        if (sh.sh_type != SHT_NOBITS && sh.sh_offset + sh.sh_size > *end)
            *end = sh.sh_offset + sh.sh_size;
        const char *name = shstrndx ? elf_strptr(e, shstrndx, sh.sh_name) : NULL;
        if (wanted(&sh, name) && emit_section(ctx, x, &sh, elf_ndxscn(scn), name) != 0)
            break;
    }
}

static int elf_expand(ks_fmt_ctx *ctx, const uint8_t *d, size_t n, uint64_t *consumed)
{
    pthread_once(&elf_once, elf_init);
    /* libelf takes a char * but only reads an image given to elf_memory. */
    Elf *e = elf_memory((char *)(uintptr_t)d, n);
    if (!e || elf_kind(e) != ELF_K_ELF) {
        ks_fmt_warn(ctx, 0, "unreadable ELF header: %s", elf_errmsg(-1));
        if (e)
            elf_end(e);
        return KS_EINVAL;
    }
    GElf_Ehdr eh;
    size_t shnum = 0;
    uint64_t end = 0;
    int rc = 0;
    symtab syms = {0};
    if (!gelf_getehdr(e, &eh) || elf_getshdrnum(e, &shnum) != 0) {
        ks_fmt_warn(ctx, 0, "unreadable ELF header: %s", elf_errmsg(-1));
        rc = KS_EINVAL;
        goto done;
    }
    end = headers_end(&eh, shnum);
    if (eh.e_shoff && eh.e_shoff + (uint64_t)shnum * eh.e_shentsize > n) {
        ks_fmt_warn(ctx, eh.e_shoff, "section headers lie past the end (truncated file?)");
        shnum = 0;
    }
    if (shnum == 0) {
        rc = by_segments(ctx, e, d, n, &end);
        goto done;
    }
    load_symbols(e, &syms);
    sect x = {.d = d, .n = n, .eh = &eh, .syms = &syms};
    by_sections(ctx, e, &x, &end);
done:
    *consumed = end < n ? end : n;
    free(syms.v);
    elf_end(e);
    return rc;
}

static const ks_signature elf_sigs[] = {
    {"\177ELF\001\001\001", 7, 0},
    {"\177ELF\001\002\001", 7, 0},
    {"\177ELF\002\001\001", 7, 0},
    {"\177ELF\002\002\001", 7, 0},
};

const ks_format ks_format_elf = {
    .name = "elf",
    .sniff = elf_sniff,
    .expand = elf_expand,
    .sigs = elf_sigs,
    .nsigs = sizeof elf_sigs / sizeof elf_sigs[0],
};
