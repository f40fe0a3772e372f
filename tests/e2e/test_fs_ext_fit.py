#!/usr/bin/env python3
"""End-to-end tests of ext2/3/4 images (formats/ext.c) and device trees and
U-Boot FIT images (formats/fdt.c).

usage: test_fs_ext_fit.py KEYSIFT_BINARY

Builds every fixture at test time with the real tools: mke2fs -d (ext2,
ext3, ext4, inline data), debugfs (a directory loop), openssl (a private
key), gzip, bzip2, xz, lz4, zstd, tar, dtc and mkimage -f (FIT images with
data inside the tree and, with -E, outside it). Each fixture carries a
FAKE GitLab token and a private key made here, at known paths, and the
test checks the exact origin of each finding; then the damaged variants:
truncated images and trees, a corrupt superblock (with and without a
backup), a directory loop, a corrupt device tree, a compression nothing
recognises, and random bytes around the magics. Each must end with a
warning naming the input (or, for random bytes, nothing at all), in bounded
time, never a crash.

Exit status 0 when every check passes, 1 otherwise.
"""

import json
import os
import random
import shutil
import string
import struct
import subprocess
import sys
import tempfile
import time

KEYSIFT = os.path.abspath(sys.argv[1])
failures = 0


def check(name, ok, detail=""):
    global failures
    if ok:
        print("ok   " + name)
    else:
        failures += 1
        print("FAIL " + name + (("\n     " + str(detail)[:3000]) if detail else ""))


def scan(args, cwd, timeout=120):
    t0 = time.time()
    r = subprocess.run([KEYSIFT, "scan", "-q", "--format", "json"] + args, cwd=cwd,
                       capture_output=True, timeout=timeout)
    took = time.time() - t0
    try:
        doc = json.loads(r.stdout)
    except ValueError:
        doc = None
    if r.returncode < 0 or r.returncode > 2 or doc is None:
        check("%s: keysift exits cleanly (exit %d)" % (" ".join(args), r.returncode), False,
              r.stderr.decode(errors="replace"))
        doc = {"findings": [], "warnings": [], "summary": {}}
    return r.returncode, doc, took


def rows(doc):
    return {(l["path"], f["rule_id"]) for f in doc["findings"] for l in f["locations"]}


def warnings(doc):
    return [w["path"] + ": " + w["message"] for w in doc["warnings"]]


def sh(*cmd, cwd=None):
    subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def token():
    rnd = random.SystemRandom()
    return "glpat-" + "".join(rnd.choice(string.ascii_letters + string.digits) for _ in range(20))


def patch(src, dst, off, data):
    b = bytearray(open(src, "rb").read())
    b[off:off + len(data)] = data
    open(dst, "wb").write(b)


# --------------------------------------------------------------------------------------------
# ext2/3/4

def make_tree(root, tok):
    os.makedirs(os.path.join(root, "etc/ssl/private"))
    os.makedirs(os.path.join(root, "home/user/.config"))
    os.makedirs(os.path.join(root, "usr/share/deep/a/b/c"))
    key = os.path.join(root, "etc/ssl/private/server.key")
    sh("openssl", "genpkey", "-algorithm", "ed25519", "-out", key)
    with open(os.path.join(root, "home/user/.config/gitlab"), "w") as f:
        f.write("GITLAB_TOKEN=%s\n" % tok)
    os.symlink("/etc/ssl/private/server.key", os.path.join(root, "usr/share/deep/link.key"))
    with open(os.path.join(root, "usr/share/deep/a/b/c/blob.bin"), "wb") as f:
        f.write(os.urandom(300000))


def test_ext(tmp):
    tok = token()
    root = os.path.join(tmp, "root")
    make_tree(root, tok)
    want = {("%s:/etc/ssl/private/server.key", "privkey.pkcs8"),
            ("%s:/home/user/.config/gitlab", "gitlab.pat")}
    for kind, extra in (("ext2", []), ("ext3", []), ("ext4", []),
                        ("ext4-inline", ["-O", "inline_data"]), ("ext4-1k", ["-b", "1024"])):
        img = kind + ".img"
        fs = kind.split("-")[0]
        sh("mke2fs", "-q", "-F", "-t", fs, *extra, "-d", root, os.path.join(tmp, img), "8M")
        rc, doc, _ = scan([img], tmp)
        got = rows(doc)
        check("%s: every secret at its exact path inside the image, the symlink not followed" % kind,
              got == {(p % img, r) for p, r in want} and rc == 1 and not doc["warnings"],
              (got, doc["warnings"]))

    # Many directories (the queue of directories to read grows while one is read).
    wide = os.path.join(tmp, "wide")
    for i in range(600):
        os.makedirs(os.path.join(wide, "d%03d" % i, "sub"))
        with open(os.path.join(wide, "d%03d" % i, "sub", "f.txt"), "w") as f:
            f.write("nothing here %d\n" % i)
    with open(os.path.join(wide, "d599", "sub", "f.txt"), "a") as f:
        f.write("GITLAB_TOKEN=%s\n" % tok)
    sh("mke2fs", "-q", "-F", "-t", "ext4", "-d", wide, os.path.join(tmp, "wide.img"), "16M")
    rc, doc, _ = scan(["wide.img"], tmp)
    check("wide.img: 1200 directories, 600 files: the last file's token found, no warning",
          rows(doc) == {("wide.img:/d599/sub/f.txt", "gitlab.pat")} and not doc["warnings"]
          and doc["summary"].get("files") == 601, (rows(doc), doc["warnings"], doc["summary"]))

    # A file larger than what is held in memory (16 MB) is read as a stream to its end.
    big = os.path.join(tmp, "bigroot")
    shutil.copytree(root, big, symlinks=True)
    with open(os.path.join(big, "var.log"), "wb") as f:
        f.write(b"x" * (20 << 20) + b"\nGITLAB_TOKEN=%s\n" % tok.encode())
    sh("mke2fs", "-q", "-F", "-t", "ext4", "-d", big, os.path.join(tmp, "big.img"), "40M")
    rc, doc, _ = scan(["big.img"], tmp)
    check("big.img: a 20 MB file is scanned to its last line",
          ("big.img:/var.log", "gitlab.pat") in rows(doc), rows(doc))

    # An image nested in an archive is read where it lies.
    sh("tar", "czf", "nested.tar.gz", "ext4.img", cwd=tmp)
    rc, doc, _ = scan(["nested.tar.gz"], tmp)
    paths = {p for p, r in rows(doc)}
    check("nested.tar.gz: an ext4 image inside a .tar.gz is unpacked",
          any(p.endswith("ext4.img:/home/user/.config/gitlab") for p in paths) and
          any(p.endswith("ext4.img:/etc/ssl/private/server.key") for p in paths), paths)

    # Truncated: the superblock says more blocks than there are; the directories
    # whose blocks are cut are named, the rest is read.
    size = os.path.getsize(os.path.join(tmp, "ext4-1k.img"))
    with open(os.path.join(tmp, "ext4-1k.img"), "rb") as f, \
            open(os.path.join(tmp, "cut.img"), "wb") as g:
        g.write(f.read(1300000))
    rc, doc, took = scan(["cut.img"], tmp)
    msgs = warnings(doc)
    check("cut.img: a warning names the image, the offset and the truncation",
          any(m.startswith("cut.img: ext4 at offset 0x") and "truncated" in m and str(size) in m
              for m in msgs), msgs)
    rc2, _, _ = scan(["--strict", "cut.img"], tmp)
    check("cut.img: --strict makes the damage an error (exit 2)", rc2 == 2, rc2)
    with open(os.path.join(tmp, "ext4.img"), "rb") as f, open(os.path.join(tmp, "sb.img"), "wb") as g:
        g.write(f.read(1500))
    rc, doc, _ = scan(["sb.img"], tmp)
    check("sb.img: a superblock cut short is a warning, not a crash",
          any(m.startswith("sb.img: ext4 at offset 0x400: superblock") for m in warnings(doc)),
          warnings(doc))

    # A corrupt primary superblock: read through the backup when there is one ...
    sh("mke2fs", "-q", "-F", "-t", "ext4", "-b", "1024", "-d", root,
       os.path.join(tmp, "two.img"), "16M")
    patch(os.path.join(tmp, "two.img"), os.path.join(tmp, "badsb.img"), 1024 + 4,
          struct.pack("<I", 0x7fffffff))
    rc, doc, _ = scan(["badsb.img"], tmp)
    check("badsb.img: a corrupt superblock is warned about and the backup read",
          ("badsb.img:/home/user/.config/gitlab", "gitlab.pat") in rows(doc) and
          any("backup at block 8193" in m for m in warnings(doc)), (rows(doc), warnings(doc)))
    # ... else the image is searched as bytes (the key and token are stored plainly).
    patch(os.path.join(tmp, "ext4.img"), os.path.join(tmp, "nosb.img"), 1024 + 4,
          struct.pack("<I", 0x7fffffff))
    rc, doc, _ = scan(["nosb.img"], tmp)
    check("nosb.img: no backup: a warning, and the image's bytes are searched",
          ("nosb.img", "gitlab.pat") in rows(doc) and
          any(m.startswith("nosb.img: ext4 at offset 0x400: superblock") and "as bytes" in m
              for m in warnings(doc)), (rows(doc), warnings(doc)))

    # A superblock whose group descriptor table (2^28 groups of 8 blocks, inodes to match)
    # would be 8 GiB: refused before libext2fs allocates it.
    patch(os.path.join(tmp, "ext4.img"), os.path.join(tmp, "huge.img"), 1024,
          struct.pack("<II", 1 << 31, 0x7fffffff))
    patch(os.path.join(tmp, "huge.img"), os.path.join(tmp, "huge.img"), 1024 + 32,
          struct.pack("<III", 8, 8, 8))
    rc, doc, took = scan(["huge.img"], tmp, timeout=60)
    check("huge.img: group descriptors larger than the image: a warning, at once (%.1f s)" % took,
          any(m.startswith("huge.img: ext4 at offset 0x400: superblock: its group descriptors")
              for m in warnings(doc)) and took < 20, warnings(doc))

    # A directory loop (debugfs links a directory into its own subtree).
    shutil.copy(os.path.join(tmp, "ext4.img"), os.path.join(tmp, "loop.img"))
    sh("debugfs", "-w", "-R", "ln /usr /usr/share/deep/a/b/c/up", os.path.join(tmp, "loop.img"))
    sh("debugfs", "-w", "-R", "ln / /usr/share/deep/root", os.path.join(tmp, "loop.img"))
    rc, doc, took = scan(["loop.img"], tmp, timeout=60)
    check("loop.img: a directory loop is a warning, each directory read once (%.1f s)" % took,
          rows(doc) == {(p % "loop.img", r) for p, r in want} and took < 30 and
          any("linked more than once" in m for m in warnings(doc)), (rows(doc), warnings(doc)))

    # Random bytes with the ext magic where a superblock would have it: no crash, no hang.
    rnd = random.Random(13)
    for i in range(20):
        b = bytearray(rnd.randbytes(8192))
        b[1080:1082] = b"\x53\xef"
        if i % 2:  # a superblock that passes the sniff, with garbage behind it
            sb = bytearray(open(os.path.join(tmp, "ext4.img"), "rb").read()[1024:2048])
            sb[rnd.randrange(0, 1024)] ^= 0xff
            b[1024:2048] = sb
        open(os.path.join(tmp, "rnd%d.bin" % i), "wb").write(b)
    ok = True
    for i in range(20):
        rc, doc, took = scan(["rnd%d.bin" % i], tmp, timeout=60)
        ok = ok and rc in (0, 1) and took < 30
    check("random bytes with the ext magic: every scan ends cleanly", ok)


# --------------------------------------------------------------------------------------------
# Device trees and FIT

ITS = """/dts-v1/;
/ {
    description = "test FIT";
    #address-cells = <1>;
    images {
%s
    };
    configurations {
        default = "conf-1";
        conf-1 { kernel = "kernel-1"; };
    };
};
"""

NODE = """        %s {
            data = /incbin/("%s");
            type = "%s"; arch = "arm"; os = "linux"; compression = "%s";
            load = <0x80000>; entry = <0x80000>;
            hash-1 { algo = "sha256"; };
        };
"""


def test_fit(tmp):
    tok = token()
    sh("openssl", "genpkey", "-algorithm", "ed25519", "-out", os.path.join(tmp, "kernel"))
    with open(os.path.join(tmp, "rootfs"), "w") as f:
        f.write("#!/bin/sh\nexport GITLAB_TOKEN=%s\n" % tok)
    tools = {"gzip": ["gzip", "-kf"], "bzip2": ["bzip2", "-kf"], "lzma": ["xz", "-kf", "--format=lzma"],
             "lz4": ["lz4", "-qf"], "zstd": ["zstd", "-qf"]}
    ext = {"gzip": ".gz", "bzip2": ".bz2", "lzma": ".lzma", "lz4": ".lz4", "zstd": ".zst"}
    nodes = NODE % ("kernel-1", "kernel", "kernel", "none")
    want = {("fit.itb!kernel-1", "privkey.pkcs8")}
    for comp, cmd in tools.items():
        src = "rootfs-" + comp
        shutil.copy(os.path.join(tmp, "rootfs"), os.path.join(tmp, src))
        if comp == "lz4":
            sh(*cmd, src, src + ext[comp], cwd=tmp)
        else:
            sh(*cmd, src, cwd=tmp)
        nodes += NODE % ("ramdisk-" + comp, src + ext[comp], "ramdisk", comp)
        want.add(("fit.itb!ramdisk-%s!%s" % (comp, comp), "gitlab.pat"))
    with open(os.path.join(tmp, "fit.its"), "w") as f:
        f.write(ITS % nodes)
    sh("mkimage", "-f", "fit.its", "fit.itb", cwd=tmp)
    sh("mkimage", "-E", "-f", "fit.its", "fitext.itb", cwd=tmp)
    rc, doc, _ = scan(["fit.itb"], tmp)
    check("fit.itb: each image by its node name, each compression undone",
          rows(doc) == want and not doc["warnings"], (rows(doc) ^ want, doc["warnings"]))
    rc, doc, _ = scan(["fitext.itb"], tmp)
    wext = {(p.replace("fit.itb", "fitext.itb"), r) for p, r in want}
    check("fitext.itb: external data (mkimage -E) read the same",
          rows(doc) == wext and not doc["warnings"], (rows(doc) ^ wext, doc["warnings"]))
    offs = {l["path"]: l["binary"]["file_offset"] for f in doc["findings"] for l in f["locations"]}
    ko = offs.get("fitext.itb!kernel-1")
    ext_bytes = open(os.path.join(tmp, "fitext.itb"), "rb").read()
    check("fitext.itb: an uncompressed image's finding is at its offset in the image",
          isinstance(ko, int) and ext_bytes[ko:ko + 27] == b"-----BEGIN PRIVATE KEY-----", offs)

    # Inside an unknown binary, at an offset: carved.
    with open(os.path.join(tmp, "flash.bin"), "wb") as f:
        f.write(os.urandom(4096) + open(os.path.join(tmp, "fit.itb"), "rb").read() + os.urandom(512))
    rc, doc, _ = scan(["flash.bin"], tmp)
    check("flash.bin: a FIT carved at 0x1000 is unpacked",
          ("flash.bin!fdt@0x1000!ramdisk-gzip!gzip", "gitlab.pat") in rows(doc), rows(doc))

    # A plain device tree: string properties seen as assignments.
    with open(os.path.join(tmp, "board.dts"), "w") as f:
        f.write('/dts-v1/;\n/ {\n model = "Acme AP-1";\n chosen { bootargs = "console=ttyS0"; };\n'
                ' wifi {\n  compatible = "acme,wifi";\n  reg = <0x1000 0x100>;\n'
                '  wpa-password = "Tr0ub4dor7xQz9vLmN2k";\n };\n};\n')
    sh("dtc", "-q", "-I", "dts", "-O", "dtb", "-o", "board.dtb", "board.dts", cwd=tmp)
    rc, doc, _ = scan(["board.dtb"], tmp)
    check("board.dtb: a password property is found in the rendered tree",
          ("board.dtb!dts", "generic.password.assignment") in rows(doc), rows(doc))
    out = subprocess.run([KEYSIFT, "scan", "-q", "board.dtb"], cwd=tmp, capture_output=True).stdout
    check("board.dtb: the secret is redacted in the default output", b"Tr0ub4dor7xQz9vLmN2k" not in out
          and b"board.dtb!dts" in out, out[:500])

    # Damage.
    data = open(os.path.join(tmp, "fit.itb"), "rb").read()
    open(os.path.join(tmp, "cut.itb"), "wb").write(data[:len(data) // 2])
    rc, doc, _ = scan(["cut.itb"], tmp)
    check("cut.itb: a truncated FIT is a warning naming the truncation, its bytes searched",
          any(m.startswith("cut.itb: fdt at offset 0x") and "truncated" in m for m in warnings(doc))
          and rows(doc), (warnings(doc), rows(doc)))
    rc2, _, _ = scan(["--strict", "cut.itb"], tmp)
    check("cut.itb: --strict makes the damage an error (exit 2)", rc2 == 2, rc2)
    ext_data = open(os.path.join(tmp, "fitext.itb"), "rb").read()
    total = struct.unpack(">I", ext_data[4:8])[0]
    open(os.path.join(tmp, "cutext.itb"), "wb").write(ext_data[:total + 40])
    rc, doc, _ = scan(["cutext.itb"], tmp)
    check("cutext.itb: external data cut short: a warning per image cut, by node name",
          any("truncated: FIT image ramdisk-zstd" in m for m in warnings(doc)), warnings(doc))
    off = struct.unpack(">I", data[8:12])[0]
    patch(os.path.join(tmp, "fit.itb"), os.path.join(tmp, "bad.itb"), off + 8, b"\xff\xff\xff\xff")
    rc, doc, _ = scan(["bad.itb"], tmp)
    check("bad.itb: a corrupt structure block is a warning, the bytes searched",
          any("corrupt device tree" in m for m in warnings(doc)) and rows(doc),
          (warnings(doc), rows(doc)))
    with open(os.path.join(tmp, "odd.its"), "w") as f:
        f.write(ITS % (NODE % ("kernel-1", "rootfs", "kernel", "lz4")))
    sh("mkimage", "-f", "odd.its", "odd.itb", cwd=tmp)
    rc, doc, _ = scan(["odd.itb"], tmp)
    check("odd.itb: a compression named but not recognised is reported as not unpacked",
          doc["summary"].get("not_unpacked") == 1 and
          any("kernel-1: lz4 compression is not recognised" in m for m in warnings(doc)) and
          ("odd.itb!kernel-1", "gitlab.pat") in rows(doc), (warnings(doc), rows(doc)))

    # The FDT magic in random bytes is not taken for a tree.
    rnd = random.Random(7)
    ok = True
    for i in range(20):
        b = bytearray(rnd.randbytes(4096))
        for k in range(0, 4096, 512):
            b[k:k + 4] = b"\xd0\x0d\xfe\xed"
        open(os.path.join(tmp, "magic.bin"), "wb").write(b)
        rc, doc, took = scan(["magic.bin"], tmp, timeout=60)
        ok = ok and rc == 0 and not doc["warnings"] and took < 30
    check("random bytes with the FDT magic: no tree, no warning", ok)


def main():
    tmp = tempfile.mkdtemp(prefix="keysift-fs-ext-fit-")
    try:
        test_ext(tmp)
        test_fit(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d failure(s)" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
