#!/usr/bin/env python3
"""End-to-end tests of ELF robustness: corrupt, truncated, unusual and hostile ELF files.

usage: test_robust_elf.py KEYSIFT_BINARY

Every fixture is built at test time with gcc and binutils (objcopy, strings) in a
temporary directory, then changed the way damage or an unusual producer would:

- corrupt section headers: .rodata's sh_offset pointing past the end of the file (the
  program still runs and `strings` still shows the key), and 40 seeded random
  corruptions of the section header table (16 random bytes each): the key must be found
  every time, with at most one warning;
- a firmware-style linker script that puts read-only data inside .text
  (`.text : { *(.text*) *(.rodata*) }`, `gcc -nostdlib -static -Wl,-T,bare.ld`): the key
  must be found in .text, with its symbol;
- a 42 MB ELF whose 13 program headers are each a PT_LOAD covering the whole file, with
  and without section headers: the bytes scanned (summary.bytes) must be about the file
  size, in bounded time;
- a truncated /usr/bin/ls and a truncated program with a key: one warning each, no
  segment re-read as an ELF inside itself, the key still found;
- Guile .go objects (ELF with unusual sections): the installed ones under
  /usr/lib/x86_64-linux-gnu/guile/*/ccache (or $KEYSIFT_GUILE_CCACHE) when there are any,
  and always an ELF written here with the layout Guile's linker gives them: no warning,
  and --strict passes.

Exit status 0 when every check passes, 1 otherwise; 77 when gcc is missing.
"""

import glob
import json
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile
import time

KEYSIFT = os.path.abspath(sys.argv[1])
KEY = "AKIAKPO4DRVAUKVWZZUT"  # FAKE, valid in shape only
failures = 0


def check(name, ok, detail=""):
    global failures
    if ok:
        print("ok   " + name)
    else:
        failures += 1
        print("FAIL " + name + (("\n     " + str(detail)[:3000]) if detail else ""))


def scan(path, *args, timeout=120):
    """keysift scan PATH as JSON: (exit code, document, seconds)."""
    t = time.monotonic()
    r = subprocess.run([KEYSIFT, "scan", "--format", "json", "--show-secrets"] + list(args) +
                       [path], capture_output=True, timeout=timeout)
    took = time.monotonic() - t
    try:
        doc = json.loads(r.stdout)
    except ValueError:
        doc = {"findings": [], "warnings": [], "summary": {},
               "stderr": r.stderr.decode(errors="replace")}
    return r.returncode, doc, took


def key_paths(doc, key=KEY):
    """Where the key was found: each location's path."""
    return [loc["path"] for f in doc["findings"] if f["secret"] == key for loc in f["locations"]]


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, **kw)


# --- ELF64 little-endian section headers (gcc's output on x86-64) -------------

SHDR = struct.Struct("<IIQQQQIIQQ")  # name type flags addr offset size link info addralign entsize
FIELDS = ("name", "type", "flags", "addr", "offset", "size", "link", "info", "addralign",
          "entsize")
FIELD_AT = (0, 4, 8, 16, 24, 32, 40, 44, 48, 56)


def sections(d):
    """[(index, name, header offset, fields)] of an ELF64 LE file."""
    shoff = struct.unpack_from("<Q", d, 0x28)[0]
    shnum, shstrndx = struct.unpack_from("<HH", d, 0x3c)
    strtab = SHDR.unpack_from(d, shoff + shstrndx * 64)[4]
    out = []
    for i in range(shnum):
        h = shoff + i * 64
        f = list(SHDR.unpack_from(d, h))
        name = d[strtab + f[0]:d.index(0, strtab + f[0])].decode()
        out.append((i, name, h, f))
    return out


def set_field(d, h, field, value):
    f = list(SHDR.unpack_from(d, h))
    k = FIELDS.index(field)
    width = 4 if SHDR.format[1 + k] == "I" else 8
    f[k] = value & ((1 << (8 * width)) - 1)
    SHDR.pack_into(d, h, *f)


PROG = r"""
#include <stdio.h>
#include <string.h>
static const char cloud_key[] = "%s";
int main(int argc, char **argv)
{
    (void)argv;
    if (argc > 5)
        fwrite(cloud_key, 1, strlen(cloud_key), stdout);
    puts("ok");
    return 0;
}
""" % KEY


def runs_and_shows_key(path):
    """The damaged program still runs, and `strings` still shows the key."""
    r = subprocess.run([path], capture_output=True, timeout=30)
    s = subprocess.run(["strings", "-a", path], capture_output=True, timeout=30)
    return r.returncode == 0 and r.stdout == b"ok\n" and KEY.encode() in s.stdout


# --- 1. Section headers that cannot be trusted --------------------------------

def test_corrupt_sections(tmp):
    prog = os.path.join(tmp, "prog")
    with open(prog + ".c", "w") as f:
        f.write(PROG)
    run(["gcc", "-O2", "-o", prog, prog + ".c"])
    base = bytearray(open(prog, "rb").read())
    rodata = [s for s in sections(base) if s[1] == ".rodata"][0]

    d = bytearray(base)
    set_field(d, rodata[2], "offset", len(d) + 0x100000)
    bad = os.path.join(tmp, "prog-rodata-past-end")
    with open(bad, "wb") as f:
        f.write(d)
    os.chmod(bad, 0o755)
    check("corrupt sh_offset: the program runs and strings shows the key", runs_and_shows_key(bad))
    rc, doc, _ = scan(bad)
    paths = key_paths(doc)
    check("corrupt sh_offset: the key is found (in a segment)",
          rc == 1 and len(paths) == 1 and "!segment@" in paths[0], (rc, paths, doc.get("stderr")))
    msgs = [w["message"] for w in doc["warnings"]]
    check("corrupt sh_offset: one warning, naming the section",
          len(msgs) == 1 and "implausible section headers" in msgs[0] and ".rodata" in msgs[0],
          msgs)

    # Random damage to the section header table: 16 bytes overwritten at random places in
    # it each time (the loader does not read section headers: the program still runs).
    rng = random.Random(20261203)
    shoff = struct.unpack_from("<Q", base, 0x28)[0]
    secs = sections(base)
    table = len(secs) * 64
    lost, noisy = [], []
    for trial in range(40):
        d = bytearray(base)
        changed = []
        for _ in range(16):
            at = shoff + rng.randrange(table)
            d[at] = rng.randrange(256)
            i, k = divmod(at - shoff, 64)
            field = FIELDS[max(j for j, o in enumerate(FIELD_AT) if o <= k)]
            changed.append("%s.%s" % (secs[i][1] or i, field))
        path = os.path.join(tmp, "prog-shdr-%02d" % trial)
        with open(path, "wb") as f:
            f.write(d)
        os.chmod(path, 0o755)
        what = "%s (%s)" % (os.path.basename(path), ", ".join(changed))
        if not runs_and_shows_key(path):
            lost.append(what + ": the program itself broke")
            continue
        rc, doc, _ = scan(path)
        if rc != 1 or not key_paths(doc):
            lost.append("%s: exit %d %s" % (what, rc, doc.get("stderr", "")[:200]))
        if len(doc["warnings"]) > 1:
            noisy.append((what, [w["message"] for w in doc["warnings"]]))
    check("40 random section-header corruptions: the key is found every time (%d lost)" %
          len(lost), not lost, "\n     ".join(lost))
    check("40 random section-header corruptions: at most one warning each", not noisy, noisy)


# --- 2. Read-only data linked into .text --------------------------------------

BARE_LD = """ENTRY(_start)
SECTIONS
{
  . = 0x08000000;
  .text : { *(.text*) *(.rodata*) }
  . = 0x20000000;
  .data : { *(.data*) }
  .bss : { *(.bss*) *(COMMON) }
}
"""

BARE_C = r"""
static const char cloud_key[] = "%s";
const char *volatile keep;
void _start(void)
{
    keep = cloud_key;
    for (;;) {
    }
}
""" % KEY


def test_rodata_in_text(tmp):
    ld, src, out = (os.path.join(tmp, n) for n in ("bare.ld", "bare.c", "bare"))
    with open(ld, "w") as f:
        f.write(BARE_LD)
    with open(src, "w") as f:
        f.write(BARE_C)
    run(["gcc", "-O2", "-ffreestanding", "-fno-pic", "-nostdlib", "-static", "-Wl,-T," + ld,
         "-o", out, src])
    secs = {s[1]: s[3] for s in sections(open(out, "rb").read())}
    check("bare.ld: the build has no .rodata, and .text is code",
          ".rodata" not in secs and secs[".text"][2] & 0x4, sorted(secs))
    for args in ((), ("--strict",)):
        rc, doc, _ = scan(out, *args)
        locs = [loc for f in doc["findings"] if f["secret"] == KEY for loc in f["locations"]]
        check("bare.ld %s: the key is found in .text, with its symbol" % " ".join(args),
              rc == 1 and len(locs) == 1 and locs[0]["path"].endswith("!.text") and
              locs[0]["binary"]["symbol"] == "cloud_key" and not doc["warnings"],
              (rc, locs, doc["warnings"], doc.get("stderr")))


# --- 3. Segments that overlap -------------------------------------------------

def test_overlapping_segments(tmp):
    blob = bytearray(random.Random(3).randbytes(42 << 20))
    for off in (len(blob) // 2, len(blob) - 4096):
        blob[off - 1:off + len(KEY) + 1] = b"\0" + KEY.encode() + b"\0"
    b = os.path.join(tmp, "blob.bin")
    with open(b, "wb") as f:
        f.write(blob)
    run(["objcopy", "-I", "binary", "-O", "elf64-x86-64", "-B", "i386:x86-64",
         "--rename-section", ".data=.rodata.blob,alloc,load,readonly,data,contents",
         b, b + ".o"], cwd=tmp)
    prog = os.path.join(tmp, "prog.c")
    with open(prog, "w") as f:
        f.write(PROG)
    big = os.path.join(tmp, "big")
    run(["gcc", "-O2", "-Wl,-z,noexecstack", "-o", big, prog, b + ".o"])
    d = bytearray(open(big, "rb").read())
    phoff = struct.unpack_from("<Q", d, 0x20)[0]
    phentsize, phnum = struct.unpack_from("<HH", d, 0x36)
    check("13 program headers to turn into PT_LOADs", phnum == 13, phnum)
    for i in range(phnum):  # PT_LOAD, R, offset 0, each at its own address, the whole file
        struct.pack_into("<IIQQQQQQ", d, phoff + i * phentsize, 1, 4, 0, 0x400000 * (i + 1),
                         0x400000 * (i + 1), len(d), len(d), 0x1000)
    with_sh = big + "-13load"
    with open(with_sh, "wb") as f:
        f.write(d)
    struct.pack_into("<Q", d, 0x28, 0)  # and without section headers, like sstrip
    struct.pack_into("<HHH", d, 0x3a, 64, 0, 0)
    no_sh = big + "-13load-nosh"
    with open(no_sh, "wb") as f:
        f.write(d)
    size = len(d)
    for path in (no_sh, with_sh):
        rc, doc, took = scan(path, "-j", "2", timeout=300)
        s = doc["summary"]
        name = os.path.basename(path)
        check("%s: %.1f MB scanned for a %.1f MB file, in %.1f s" %
              (name, s.get("bytes", 0) / 1e6, size / 1e6, took),
              0.9 * size <= s.get("bytes", 0) <= 1.1 * size and took < 30,
              (s, doc.get("stderr")))
        check("%s: the key is found at both places, no budget hit" % name,
              rc == 1 and len(key_paths(doc)) >= 2 and s.get("budget_hits") == 0 and
              all(p.count("!") == 1 for p in key_paths(doc)),
              (key_paths(doc), s))


# --- 4. Truncated and unusual ELF files ---------------------------------------

def test_truncated(tmp):
    src = shutil.which("ls") or "/usr/bin/ls"
    data = open(src, "rb").read()
    half = os.path.join(tmp, "ls.half")
    with open(half, "wb") as f:
        f.write(data[:len(data) // 2])
    rc, doc, _ = scan(half)
    msgs = [w["message"] for w in doc["warnings"]]
    nested = [w["path"] for w in doc["warnings"]] + key_paths(doc)
    check("truncated ls: one warning, saying truncated", len(msgs) == 1 and "truncated" in msgs[0],
          msgs)
    check("truncated ls: no segment read as an ELF inside itself, no budget hit",
          doc["summary"].get("budget_hits") == 0 and doc["summary"].get("containers") == 1 and
          not any("!segment@0x0!" in p or "!elf@" in p for p in nested), (doc["summary"], nested))
    rc, _, _ = scan(half, "--strict")
    check("truncated ls: --strict exits 2 (the file is cut short)", rc == 2, rc)

    prog = os.path.join(tmp, "prog")
    if not os.path.exists(prog):
        with open(prog + ".c", "w") as f:
            f.write(PROG)
        run(["gcc", "-O2", "-o", prog, prog + ".c"])
    d = open(prog, "rb").read()
    rodata = [s for s in sections(d) if s[1] == ".rodata"][0][3]
    cut = os.path.join(tmp, "prog.cut")
    with open(cut, "wb") as f:
        f.write(d[:rodata[4] + rodata[5] + 64])
    rc, doc, _ = scan(cut)
    check("truncated program: the key is found, with one warning",
          rc == 1 and len(key_paths(doc)) == 1 and len(doc["warnings"]) == 1,
          (rc, key_paths(doc), doc["warnings"]))


def guile_like_elf(path):
    """An ELF64 with the layout Guile's own linker gives .go objects (compiled Scheme):
    OS/ABI 0xff, no machine, two PT_LOADs and a PT_DYNAMIC; an unnamed loaded section
    over the ELF and program headers; empty sections sharing an offset; a .dynamic with
    sh_entsize 0; Guile's own sections (.rtl-text, .guile.arities, .guile.docstrs,
    .guile.procprops, .guile.frame-maps) between debug sections."""
    def pad(b, n):
        return b + b"\0" * (n - len(b))
    rnd = random.Random(7)
    rtl = rnd.randbytes(0x55c4)
    rodata = bytearray(rnd.randbytes(0x111b))
    s = b"\0\0\0\0" + ("token=%s" % KEY).encode() + b"\0"  # a Guile string: length, then bytes
    rodata[0x200:0x200 + len(s)] = s
    frame_maps = rnd.randbytes(0x4c2)
    dynamic = struct.pack("<QQ", 0, 0) * 7
    data = rnd.randbytes(0x36e0)
    # Layout: [0, 0xe8) headers, 0xe8 .rtl-text, .rodata, .guile.frame-maps, .dynamic;
    # 0x10000 .data; then the non-loaded sections.
    names = ["", ".guile.procprops", ".rodata", ".data", ".rtl-text", ".guile.frame-maps",
             ".dynamic", ".strtab", ".symtab", ".guile.arities.header", ".guile.arities",
             ".guile.docstrs.header", ".guile.docstrs", ".debug_info", ".debug_abbrev",
             ".debug_str", ".debug_loc", ".debug_line", ".shstrtab", "", ""]
    shstr = b"\0"
    name_off = []
    for n in names:
        if n:
            name_off.append(len(shstr))
            shstr += n.encode() + b"\0"
        else:
            name_off.append(0)
    out = bytearray(0xe8)
    o_rtl = len(out); out += rtl
    out = bytearray(pad(bytes(out), (len(out) + 7) & ~7)); o_ro = len(out); out += rodata
    out = bytearray(pad(bytes(out), (len(out) + 7) & ~7)); o_fm = len(out); out += frame_maps
    out = bytearray(pad(bytes(out), (len(out) + 7) & ~7)); o_dyn = len(out); out += dynamic
    load0_end = len(out)
    out = bytearray(pad(bytes(out), 0x10000)); o_data = len(out); out += data
    o_arities_hdr_blob = len(out); out += rnd.randbytes(0x540)  # the unnamed non-loaded one
    o_ar = len(out); out += rnd.randbytes(0xcba)
    out = bytearray(pad(bytes(out), (len(out) + 7) & ~7)); o_dbg = len(out)
    out += rnd.randbytes(0x15e)
    out = bytearray(pad(bytes(out), (len(out) + 7) & ~7)); o_abbrev = len(out)
    out += rnd.randbytes(0x2d)
    out = bytearray(pad(bytes(out), (len(out) + 7) & ~7)); o_dstr = len(out)
    dstr = b"describe.scm\0/usr/share/guile/3.0/oop/goops\0guile 3.0.8\0"
    out += dstr
    out = bytearray(pad(bytes(out), (len(out) + 7) & ~7)); o_line = len(out)
    out += rnd.randbytes(0x7ed)
    out = bytearray(pad(bytes(out), (len(out) + 7) & ~7)); o_sym = len(out)
    strtab = b"\0describe\0%describe-slots\0"
    out += struct.pack("<IBBHQQ", 0, 0, 0, 0, 0, 0)
    out += struct.pack("<IBBHQQ", 1, 0x12, 0, 4, o_rtl, 0x100)
    out += struct.pack("<IBBHQQ", 10, 0x12, 0, 4, o_rtl + 0x100, 0x80)
    o_str = len(out); out += strtab
    out = bytearray(pad(bytes(out), (len(out) + 7) & ~7)); o_arstr = len(out)
    out += b"\0self\0x\0"
    o_docstr = len(out); out += b"\0"
    out = bytearray(pad(bytes(out), (len(out) + 7) & ~7)); o_shstr = len(out); out += shstr
    out = bytearray(pad(bytes(out), (len(out) + 7) & ~7)); shoff = len(out)
    A, W = 2, 1
    P, STR, SYM, DYN = 1, 3, 2, 6
    rows = [  # type flags addr offset size link info entsize
        (0, 0, 0, 0, 0, 0, 0, 0),
        (P, 0, 0, o_dbg, 0, 0, 0, 0),
        (P, A, o_ro, o_ro, len(rodata), 0, 0, 0),
        (P, A | W, o_data, o_data, len(data), 0, 0, 0),
        (P, A, o_rtl, o_rtl, len(rtl), 0, 0, 0),
        (P, A, o_fm, o_fm, len(frame_maps), 0, 0, 0),
        (DYN, A, o_dyn, o_dyn, len(dynamic), 0, 0, 0),
        (STR, 0, 0, o_str, len(strtab), 0, 0, 0),
        (SYM, 0, 0, o_sym, 3 * 24, 7, 0, 24),
        (STR, 0, 0, o_arstr, 8, 0, 0, 0),
        (P, 0, 0, o_ar, 0xcba, 9, 0, 0),
        (STR, 0, 0, o_docstr, 1, 0, 0, 0),
        (P, 0, 0, o_dbg, 0, 11, 0, 0),
        (P, 0, 0, o_dbg, 0x15e, 0, 0, 0),
        (P, 0, 0, o_abbrev, 0x2d, 0, 0, 0),
        (P, 0, 0, o_dstr, len(dstr), 0, 0, 0),
        (P, 0, 0, o_line, 0, 0, 0, 0),
        (P, 0, 0, o_line, 0x7ed, 0, 0, 0),
        (STR, 0, 0, o_shstr, len(shstr), 0, 0, 0),
        (P, A, 0, 0, 0xe8, 0, 0, 0),
        (P, 0, 0, o_arities_hdr_blob, 0x540, 0, 0, 0),
    ]
    for i, (t, fl, addr, off, size, link, info, ent) in enumerate(rows):
        out += SHDR.pack(name_off[i], t, fl, addr, off, size, link, info, 8 if i else 0, ent)
    ehdr = b"\x7fELF" + bytes([2, 1, 1, 0xff]) + b"\0" * 8
    ehdr += struct.pack("<HHIQQQIHHHHHH", 3, 0, 1, 0, 64, shoff, 0, 64, 56, 3, 64, len(rows), 18)
    phdrs = struct.pack("<IIQQQQQQ", 1, 4, 0, 0, 0, load0_end, load0_end, 0x10000)
    phdrs += struct.pack("<IIQQQQQQ", 1, 6, o_data, o_data, o_data, len(data), len(data),
                         0x10000)
    phdrs += struct.pack("<IIQQQQQQ", 2, 6, o_dyn, o_dyn, o_dyn, len(dynamic), len(dynamic), 8)
    out[0:len(ehdr) + len(phdrs)] = ehdr + phdrs
    with open(path, "wb") as f:
        f.write(out)


def test_guile(tmp):
    path = os.path.join(tmp, "describe.go")
    guile_like_elf(path)
    r = subprocess.run(["readelf", "-lS", "-W", path], capture_output=True, text=True)
    check("Guile-like ELF: readelf reads it", r.returncode == 0 and ".rtl-text" in r.stdout,
          r.stderr)
    rc, doc, _ = scan(path, "--strict")
    check("Guile-like ELF: no warning, --strict passes, the key in .rodata is found",
          rc == 1 and not doc["warnings"] and key_paths(doc) == [path + "!.rodata"],
          (rc, doc["warnings"][:5], key_paths(doc), doc.get("stderr")))

    root = os.environ.get("KEYSIFT_GUILE_CCACHE")
    gos = sorted(glob.glob(os.path.join(root, "**", "*.go"), recursive=True)) if root else \
        sorted(glob.glob("/usr/lib/x86_64-linux-gnu/guile/*/ccache/**/*.go", recursive=True))
    if not gos:
        print("skip installed Guile .go objects: none (guile-3.0-libs installs them)")
        return
    bad = []
    for go in gos:
        rc, doc, _ = scan(go, "--strict")
        if rc not in (0, 1) or doc["warnings"]:
            bad.append((go, rc, [w["message"] for w in doc["warnings"]][:3]))
    check("%d installed Guile .go objects: no warning, --strict passes" % len(gos), not bad,
          bad[:5])


def main():
    if not shutil.which("gcc") or not shutil.which("objcopy"):
        print("skip: gcc and binutils are needed to build the fixtures")
        return 77
    tmp = tempfile.mkdtemp(prefix="keysift-robust-elf-")
    try:
        test_corrupt_sections(tmp)
        test_rodata_in_text(tmp)
        test_truncated(tmp)
        test_guile(tmp)
        test_overlapping_segments(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d failure%s" % (failures, "" if failures == 1 else "s"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
