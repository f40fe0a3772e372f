/*
 * elf.c - ELF executables, libraries, objects and kernels, through libelf.
 *
 * DESIGN
 * Every byte of an ELF is scanned once, one of two ways:
 *
 * - By its sections, when the section headers are plausible. Each section
 *   that holds bytes is a child, with its load address and a symbol lookup
 *   over .symtab (or .dynsym when stripped), so a hit names the variable
 *   holding it: .rodata, .data, string tables, notes, .debug_str (a -g3
 *   build keeps every #define there), and code, whose printable runs the
 *   strings pass searches (bare-metal firmware links its constants into
 *   .text). Not scanned: .bss, the debug sections other than the string
 *   ones, and the tables whose shape is checked (symbols, relocations,
 *   hashes, dynamic, groups, versions). Bytes that no header describes
 *   (padding, or what a corrupt header no longer points at) are children
 *   named "gap@0x<offset>" unless they are all zero.
 * - By its loadable segments (PT_LOAD) when it has no section headers
 *   (sstrip'ed), when they are implausible, or when the file is truncated:
 *   the segments' byte ranges joined where they overlap (so each byte is
 *   scanned once, however many segments claim it), and the bytes outside
 *   them as gaps, which is the whole file as raw strings when there is no
 *   segment either.
 *
 * Section headers are implausible when the table or a section lies past the
 * end of the file, sections overlap, a loaded section is not where a
 * segment loads it, a table is not the shape its type says, or the name
 * table is not a string table: then a corrupt header could hide bytes. A
 * truncated or implausible ELF is one warning, whatever the number of
 * sections and segments it affects; a valid ELF, however unusual, none.
 *
 * No child starts inside the ELF header: a child that began with it would
 * be recognised as the same ELF again, inside itself.
 *
 * 32 and 64 bit, either byte order: libelf (gelf_*) converts headers and
 * symbols; bytes are sliced from the input, never copied.
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

/* ------------------------------------------------------------------------ */
/* Byte ranges of the file                                                   */

typedef struct span {
    uint64_t off, end; /* [off, end) in the file */
    uint64_t vaddr;    /* where off is loaded, when has_vaddr */
    bool has_vaddr;
} span;

typedef struct spans {
    span *v;
    size_t n, cap;
} spans;

static void spans_add(spans *s, uint64_t off, uint64_t end, bool has_vaddr, uint64_t vaddr)
{
    if (end <= off)
        return;
    ks_grow((void **)&s->v, &s->cap, s->n + 1, sizeof(span));
    s->v[s->n++] = (span){off, end, vaddr, has_vaddr};
}

static int cmp_span(const void *a, const void *b)
{
    const span *x = a, *y = b;
    if (x->off != y->off)
        return x->off < y->off ? -1 : 1;
    return (x->end > y->end) - (x->end < y->end);
}

/* Sort, and join spans that overlap: each byte is then in one span. A
 * joined span keeps its address only when its parts agree on how offsets
 * map to addresses. */
static void spans_merge(spans *s)
{
    if (s->n > 1)
        qsort(s->v, s->n, sizeof(span), cmp_span);
    size_t k = 0;
    for (size_t i = 0; i < s->n; i++) {
        const span *t = &s->v[i];
        span *m = k ? &s->v[k - 1] : NULL;
        if (!m || t->off >= m->end) {
            s->v[k++] = *t;
            continue;
        }
        if (!t->has_vaddr || t->vaddr - t->off != m->vaddr - m->off)
            m->has_vaddr = false;
        if (t->end > m->end)
            m->end = t->end;
    }
    s->n = k;
}

/* ------------------------------------------------------------------------ */
/* The ELF being read                                                        */

typedef struct elf_file {
    ks_fmt_ctx *ctx;
    Elf *e;
    const uint8_t *d; /* the whole ELF */
    size_t n;
    GElf_Ehdr eh;
    size_t shnum, shstrndx;
    bool sh_in_file; /* the section header table lies inside the file */
    spans loads;     /* PT_LOAD file ranges, as the program headers give them, by offset */
    size_t *widest;  /* widest[k]: of loads 0..k, the one that reaches furthest */
    uint64_t end;    /* where the ELF ends: its furthest header, section or segment */
    symtab syms;
    size_t si; /* walks syms, which are sorted by section */
} elf_file;

static bool has_bytes(const GElf_Shdr *sh)
{
    return sh->sh_type != SHT_NOBITS && sh->sh_size > 0;
}

static const char *section_name(const elf_file *f, const GElf_Shdr *sh)
{
    return f->shstrndx ? elf_strptr(f->e, f->shstrndx, sh->sh_name) : NULL;
}

/* Emit d[off, end) as a child. Never from inside the ELF header: a child
 * that starts with it would be recognised as this ELF again, inside
 * itself. */
static int emit_slice(elf_file *f, const char *name, uint64_t off, uint64_t end, bool has_vaddr,
                      uint64_t vaddr, const section_syms *ss)
{
    uint64_t h = f->eh.e_ehsize, delta = 0;
    if (off < h) {
        if (end <= h)
            return 0;
        delta = h - off;
        off = h;
    }
    section_syms moved = ss ? *ss : (section_syms){0};
    moved.addr += delta;
    ks_child c = {.kind = KS_CHILD_SECTION,
                  .name = name,
                  .data = f->d + off,
                  .len = (size_t)(end - off),
                  .parent_offset = off,
                  .has_vaddr = has_vaddr,
                  .vaddr = vaddr + delta,
                  .symbol = moved.n ? section_symbol : NULL,
                  .symbol_payload = &moved};
    return ks_fmt_emit(f->ctx, &c);
}

/* A segment whose bytes hold [off, end), or NULL: of those that start at or
 * before off, the one that reaches furthest (segments do not overlap in a
 * valid ELF; in a crafted one with thousands that do, this stays a binary
 * search). */
static const span *load_containing(const elf_file *f, uint64_t off, uint64_t end)
{
    size_t lo = 0, hi = f->loads.n;
    while (lo < hi) { /* first load past off */
        size_t mid = lo + (hi - lo) / 2;
        if (f->loads.v[mid].off <= off)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return NULL;
    const span *l = &f->loads.v[f->widest[lo - 1]];
    return l->end >= end ? l : NULL;
}

/* Bytes no header describes: a child when any of them is not zero (a
 * string needs a few). Named by file offset, with the address of the
 * segment that loads them all, if one does. */
static int emit_gap(elf_file *f, uint64_t off, uint64_t end)
{
    if (end - off < 4)
        return 0;
    uint64_t i = off;
    while (i < end && f->d[i] == 0)
        i++;
    if (i == end)
        return 0;
    const span *l = load_containing(f, off, end);
    bool has_vaddr = l != NULL;
    uint64_t vaddr = l ? l->vaddr + (off - l->off) : 0;
    char name[48];
    snprintf(name, sizeof name, "gap@0x%llx", (unsigned long long)off);
    return emit_slice(f, name, off, end, has_vaddr, vaddr, NULL);
}

/* Every byte of [0, f->end) outside `covered` (merged here) not yet read. */
static int emit_gaps(elf_file *f, spans *covered)
{
    spans_merge(covered);
    uint64_t pos = 0;
    for (size_t i = 0; i <= covered->n; i++) {
        uint64_t to = i < covered->n ? covered->v[i].off : f->end;
        if (to > f->end)
            to = f->end;
        if (to > pos && emit_gap(f, pos, to) != 0)
            return KS_ELIMIT;
        if (i < covered->n && covered->v[i].end > pos)
            pos = covered->v[i].end;
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Can the headers be trusted                                                */

/* The program header table, and the PT_LOAD segments with bytes in the
 * file. Returns the furthest byte they reach. */
static uint64_t read_loads(elf_file *f)
{
    size_t np = 0;
    uint64_t reach = 0;
    if (elf_getphdrnum(f->e, &np) != 0 || np == 0)
        return 0;
    uint64_t table = f->eh.e_phoff + (uint64_t)np * f->eh.e_phentsize;
    reach = table;
    if (table > f->n)
        return reach; /* the headers themselves are cut off */
    for (size_t i = 0; i < np; i++) {
        GElf_Phdr ph;
        if (!gelf_getphdr(f->e, (int)i, &ph) || ph.p_type != PT_LOAD || ph.p_filesz == 0)
            continue;
        uint64_t end = ph.p_offset + ph.p_filesz;
        if (end < ph.p_offset)
            end = UINT64_MAX;
        if (end > reach)
            reach = end;
        spans_add(&f->loads, ph.p_offset, end, true, ph.p_vaddr);
    }
    if (f->loads.n > 1)
        qsort(f->loads.v, f->loads.n, sizeof(span), cmp_span);
    f->widest = ks_xmalloc((f->loads.n ? f->loads.n : 1) * sizeof(size_t));
    for (size_t k = 0; k < f->loads.n; k++)
        f->widest[k] = k && f->loads.v[f->widest[k - 1]].end >= f->loads.v[k].end
                           ? f->widest[k - 1]
                           : k;
    return reach;
}

/* Tables keysift does not scan must have the shape their type says: a
 * corrupt type would otherwise hide a section's bytes. */
static bool table_ok(const elf_file *f, const GElf_Shdr *sh)
{
    bool c64 = f->eh.e_ident[EI_CLASS] == ELFCLASS64;
    uint64_t want;
    switch (sh->sh_type) {
    case SHT_SYMTAB:
    case SHT_DYNSYM:
        want = c64 ? sizeof(Elf64_Sym) : sizeof(Elf32_Sym);
        break;
    case SHT_REL:
        want = c64 ? sizeof(Elf64_Rel) : sizeof(Elf32_Rel);
        break;
    case SHT_RELA:
        want = c64 ? sizeof(Elf64_Rela) : sizeof(Elf32_Rela);
        break;
    case SHT_DYNAMIC:
        want = c64 ? sizeof(Elf64_Dyn) : sizeof(Elf32_Dyn);
        break;
    case SHT_RELR:
        want = c64 ? 8 : 4;
        break;
    case SHT_HASH: /* 8 on s390x and Alpha */
        return (sh->sh_entsize == 4 || sh->sh_entsize == 8) && sh->sh_size % sh->sh_entsize == 0;
    case SHT_GROUP:
    case SHT_SYMTAB_SHNDX:
        want = 4;
        break;
    default:
        return true;
    }
    /* Some producers (Guile) leave sh_entsize 0. */
    return (sh->sh_entsize == want || sh->sh_entsize == 0) && sh->sh_size % want == 0;
}

/* A compressed section starts with a header naming a compressor
 * (ELFCOMPRESS_ZLIB or _ZSTD), and is never loaded. */
static bool compression_ok(const elf_file *f, const GElf_Shdr *sh)
{
    if (!(sh->sh_flags & SHF_COMPRESSED))
        return true;
    if ((sh->sh_flags & SHF_ALLOC) || sh->sh_size < 12)
        return false;
    const uint8_t *p = f->d + sh->sh_offset;
    uint32_t type = f->eh.e_ident[EI_DATA] == ELFDATA2MSB ? ks_be32(p) : ks_le32(p);
    return type == 1 || type == 2;
}

/* A loaded section lies in a segment, at the address the segment gives
 * its offset. */
static bool loaded_where_said(const elf_file *f, const GElf_Shdr *sh)
{
    if (!(sh->sh_flags & SHF_ALLOC) || f->loads.n == 0)
        return true;
    const span *l = load_containing(f, sh->sh_offset, sh->sh_offset + sh->sh_size);
    return l && sh->sh_addr - sh->sh_offset == l->vaddr - l->off;
}

/* What is wrong with one section header, or NULL. */
static const char *section_fault(const elf_file *f, const GElf_Shdr *sh)
{
    if (!has_bytes(sh))
        return NULL;
    if (sh->sh_offset > f->n || sh->sh_size > f->n - sh->sh_offset)
        return "lies past the end of the file";
    if (!table_ok(f, sh))
        return "does not have the shape its type says";
    if (!compression_ok(f, sh))
        return "has a bad compression header";
    if (!loaded_where_said(f, sh))
        return "is not where the program headers load it";
    return NULL;
}

/* Why the section headers cannot be trusted (written to why), or false. */
static bool sections_implausible(elf_file *f, char *why, size_t cap)
{
    GElf_Shdr sh;
    if (f->shstrndx >= f->shnum ||
        (f->shstrndx && (!gelf_getshdr(elf_getscn(f->e, f->shstrndx), &sh) ||
                         sh.sh_type != SHT_STRTAB || !has_bytes(&sh) ||
                         section_fault(f, &sh) != NULL))) {
        snprintf(why, cap, "the section name table (section %zu) is not a string table",
                 f->shstrndx);
        return true;
    }
    spans used = {0};
    bool bad = false;
    for (size_t i = 1; i < f->shnum && !bad; i++) {
        if (!gelf_getshdr(elf_getscn(f->e, i), &sh)) {
            snprintf(why, cap, "section %zu is unreadable", i);
            bad = true;
            break;
        }
        const char *fault = section_fault(f, &sh);
        if (fault) {
            const char *name = section_name(f, &sh);
            snprintf(why, cap, "section %zu (%s) %s", i, name && *name ? name : "?", fault);
            bad = true;
        } else if (has_bytes(&sh)) {
            spans_add(&used, sh.sh_offset, sh.sh_offset + sh.sh_size, false, 0);
        }
    }
    if (!bad && used.n > 1) {
        qsort(used.v, used.n, sizeof(span), cmp_span);
        for (size_t i = 1; i < used.n && !bad; i++) {
            if (used.v[i].off < used.v[i - 1].end) {
                snprintf(why, cap, "two sections overlap at offset 0x%llx",
                         (unsigned long long)used.v[i].off);
                bad = true;
            }
        }
    }
    free(used.v);
    return bad;
}

/* ------------------------------------------------------------------------ */
/* Read by sections                                                          */

/* Sections that are scanned: all that hold bytes but the tables whose shape
 * was checked and the debug sections that are not strings. Code too:
 * bare-metal firmware links its constants into .text, and its printable
 * runs are cheap to search. */
static bool wanted(const GElf_Shdr *sh, const char *name)
{
    if (!has_bytes(sh))
        return false;
    switch (sh->sh_type) {
    case SHT_SYMTAB:
    case SHT_DYNSYM:
    case SHT_REL:
    case SHT_RELA:
    case SHT_RELR:
    case SHT_DYNAMIC:
    case SHT_HASH:
    case SHT_GNU_HASH:
    case SHT_GROUP:
    case SHT_SYMTAB_SHNDX:
    case SHT_GNU_versym:
    case SHT_GNU_verdef:
    case SHT_GNU_verneed:
        return false;
    default:
        break;
    }
    if (name && strncmp(name, ".debug_", 7) == 0)
        return strcmp(name, ".debug_str") == 0 || strcmp(name, ".debug_line_str") == 0;
    return true;
}

/* Emit a wanted section (its symbols with it); returns ks_fmt_emit's code. */
static int emit_section(elf_file *f, const GElf_Shdr *sh, size_t idx, const char *name)
{
    if (sh->sh_flags & SHF_COMPRESSED) {
        ks_fmt_not_unpacked(f->ctx, sh->sh_offset, "section %s is compressed (SHF_COMPRESSED)",
                            name ? name : "?");
        return 0;
    }
    const symtab *syms = &f->syms;
    while (f->si < syms->n && syms->v[f->si].shndx < idx)
        f->si++;
    size_t sj = f->si;
    while (sj < syms->n && syms->v[sj].shndx == idx)
        sj++;
    section_syms ss = {syms->v ? syms->v + f->si : NULL, sj - f->si, sh->sh_addr};
    char fallback[32];
    if (!name || !*name) {
        snprintf(fallback, sizeof fallback, "section%zu", idx);
        name = fallback;
    }
    return emit_slice(f, name, sh->sh_offset, sh->sh_offset + sh->sh_size,
                      (sh->sh_flags & SHF_ALLOC) && sh->sh_addr != 0, sh->sh_addr, &ss);
}

/* The header tables: never scanned as a gap. */
static void add_tables(const elf_file *f, spans *covered)
{
    spans_add(covered, 0, f->eh.e_ehsize, false, 0);
    if (f->eh.e_phoff)
        spans_add(covered, f->eh.e_phoff,
                  f->eh.e_phoff + (uint64_t)f->eh.e_phnum * f->eh.e_phentsize, false, 0);
    if (f->sh_in_file)
        spans_add(covered, f->eh.e_shoff,
                  f->eh.e_shoff + (uint64_t)f->shnum * f->eh.e_shentsize, false, 0);
}

static int by_sections(elf_file *f)
{
    spans covered = {0};
    add_tables(f, &covered);
    load_symbols(f->e, &f->syms);
    int rc = 0;
    for (size_t i = 1; i < f->shnum && rc == 0; i++) {
        GElf_Shdr sh;
        if (!gelf_getshdr(elf_getscn(f->e, i), &sh) || !has_bytes(&sh))
            continue;
        spans_add(&covered, sh.sh_offset, sh.sh_offset + sh.sh_size, false, 0);
        if (sh.sh_offset + sh.sh_size > f->end)
            f->end = sh.sh_offset + sh.sh_size;
        const char *name = section_name(f, &sh);
        if (wanted(&sh, name))
            rc = emit_section(f, &sh, i, name);
    }
    if (rc == 0)
        rc = emit_gaps(f, &covered);
    free(covered.v);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Read by segments                                                          */

/* The loadable segments, joined where they overlap (each byte is scanned
 * once, whatever the headers say), then what lies outside them. */
static int by_segments(elf_file *f)
{
    spans m = {0};
    for (size_t k = 0; k < f->loads.n; k++) {
        const span *l = &f->loads.v[k];
        if (l->off < f->n)
            spans_add(&m, l->off, l->end < f->n ? l->end : f->n, true, l->vaddr);
    }
    spans_merge(&m);
    int rc = 0;
    for (size_t k = 0; k < m.n && rc == 0; k++) {
        char name[48];
        snprintf(name, sizeof name, "segment@0x%llx", (unsigned long long)m.v[k].vaddr);
        if (m.v[k].end > f->end)
            f->end = m.v[k].end;
        rc = emit_slice(f, name, m.v[k].off, m.v[k].end, m.v[k].has_vaddr, m.v[k].vaddr, NULL);
    }
    if (rc == 0) {
        spans_add(&m, 0, f->eh.e_ehsize, false, 0);
        rc = emit_gaps(f, &m);
    }
    free(m.v);
    return rc;
}

static pthread_once_t elf_once = PTHREAD_ONCE_INIT;
static void elf_init(void)
{
    (void)elf_version(EV_CURRENT);
}

/* Read the headers into f; false (warned) when libelf cannot. */
static bool open_elf(elf_file *f)
{
    pthread_once(&elf_once, elf_init);
    /* libelf takes a char * but only reads an image given to elf_memory. */
    f->e = elf_memory((char *)(uintptr_t)f->d, f->n);
    if (!f->e || elf_kind(f->e) != ELF_K_ELF || !gelf_getehdr(f->e, &f->eh) ||
        elf_getshdrnum(f->e, &f->shnum) != 0) {
        ks_fmt_warn(f->ctx, 0, "unreadable ELF header: %s", elf_errmsg(-1));
        return false;
    }
    if (elf_getshdrstrndx(f->e, &f->shstrndx) != 0)
        f->shstrndx = SIZE_MAX; /* implausible, said below */
    return true;
}

typedef enum read_by {
    BY_SECTIONS,
    BY_SEGMENTS, /* no section headers (sstrip'ed) */
    BY_SEGMENTS_WARNED, /* truncated, or implausible section headers */
} read_by;

/* Where the header tables end (inside the file). */
static uint64_t tables_end(const elf_file *f)
{
    uint64_t end = f->eh.e_ehsize;
    uint64_t ph = f->eh.e_phoff + (uint64_t)f->eh.e_phnum * f->eh.e_phentsize;
    uint64_t sh = f->eh.e_shoff + (uint64_t)f->shnum * f->eh.e_shentsize;
    if (f->eh.e_phoff && ph > end)
        end = ph;
    if (f->sh_in_file && sh > end)
        end = sh;
    return end < f->n ? end : f->n;
}

/* How the ELF is read, after at most one warning saying why not by its
 * sections: each cause is one warning, not one per section or segment. */
static read_by choose(elf_file *f)
{
    uint64_t reach = read_loads(f);
    uint64_t shend = f->eh.e_shoff + (uint64_t)f->shnum * f->eh.e_shentsize;
    f->sh_in_file = f->shnum && f->eh.e_shoff >= f->eh.e_ehsize && shend <= f->n &&
                    shend > f->eh.e_shoff;
    if (f->shnum && shend > reach)
        reach = shend;
    f->end = tables_end(f);
    if (reach > f->n) {
        ks_fmt_warn(f->ctx, KS_NO_OFFSET,
                    "truncated: the file has %zu bytes, its headers describe %llu; "
                    "read by its segments and as raw bytes",
                    f->n, (unsigned long long)reach);
        return BY_SEGMENTS_WARNED;
    }
    if (!f->shnum)
        return BY_SEGMENTS;
    char why[160];
    if (!f->sh_in_file) {
        snprintf(why, sizeof why, "the section header table is not inside the file");
    } else if (!sections_implausible(f, why, sizeof why)) {
        return BY_SECTIONS;
    }
    ks_fmt_warn(f->ctx, f->eh.e_shoff,
                "implausible section headers (%s): read by its segments and as raw bytes", why);
    return BY_SEGMENTS_WARNED;
}

static int elf_expand(ks_fmt_ctx *ctx, const uint8_t *d, size_t n, uint64_t *consumed)
{
    elf_file f = {.ctx = ctx, .d = d, .n = n};
    int rc = KS_EINVAL;
    if (!open_elf(&f))
        goto done;
    read_by how = choose(&f);
    /* Found inside other bytes, it is a lookalike until it checks out:
     * those bytes are searched as strings where it was found. */
    if (how == BY_SEGMENTS_WARNED && ks_fmt_carved(ctx))
        goto done;
    rc = 0;
    if (how == BY_SECTIONS)
        by_sections(&f);
    else
        by_segments(&f);
done:
    *consumed = f.end < n ? f.end : n;
    free(f.loads.v);
    free(f.widest);
    free(f.syms.v);
    if (f.e)
        elf_end(f.e);
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
