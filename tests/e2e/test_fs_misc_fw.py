#!/usr/bin/env python3
"""End-to-end tests of Android sparse images, lzop files, EROFS images, vendor
firmware headers (TRX, CHK, SEAMA, TP-Link) and the SquashFS 3 message.

usage: test_fs_misc_fw.py KEYSIFT_BINARY [TEST_NAME...]

Every fixture is built here, in a temporary directory, by the real tools
(mksquashfs, img2simg, lzop, mkfs.erofs, tar, gzip) or, for the vendor
headers, by Python's struct from the public layouts (OpenWrt firmware-utils)
around a real SquashFS and gzip payload. Each carries a FAKE AWS secret key
unique to it at a known path, and each check asserts the exact origin of
the finding. The damaged variants (cut short, a bad checksum, a bad chunk,
a hostile size) must give a warning naming the container and the damage,
exit 1 (2 with --strict), and never crash or hang.

Exit status 0 when every check passes, 1 otherwise.
"""

import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zlib

KEYSIFT = os.path.abspath(sys.argv[1])
ONLY = set(sys.argv[2:])
failures = 0


def check(name, ok, detail=""):
    global failures
    if ok:
        print("ok   " + name)
    else:
        failures += 1
        print("FAIL " + name + (("\n     " + str(detail)[:3000]) if detail else ""))


def scan(args, cwd, timeout=120):
    r = subprocess.run([KEYSIFT, "scan", "-q", "--format", "json", "-j", "2"] + args, cwd=cwd,
                       capture_output=True, timeout=timeout)
    try:
        doc = json.loads(r.stdout)
    except ValueError:
        doc = None
    return r.returncode, doc, r.stderr.decode(errors="replace")


def secret(tag):
    """A FAKE AWS secret access key line, its first eight characters `tag`."""
    body = (tag.upper() + "Qz8rT4vW9xY2pL6mN3bV7cX1kJ5hG0fD8sA4")[:40]
    return ('aws_secret_access_key = "%s"\n' % body).encode()


def paths(doc, rule="aws.secret-access-key"):
    return sorted({l["path"] for f in (doc or {}).get("findings", []) if f["rule_id"] == rule
                   for l in f["locations"]})


def warnings(doc):
    return [w["path"] + ": " + w["message"] for w in (doc or {}).get("warnings", [])]


def run(cmd, cwd, **kw):
    subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL, **kw)


def rootfs(tmp, tag, name="rootfs"):
    """A directory with /etc/creds.ini holding the secret, and some noise."""
    root = os.path.join(tmp, name)
    os.makedirs(os.path.join(root, "etc"), exist_ok=True)
    os.makedirs(os.path.join(root, "usr/share/doc"), exist_ok=True)
    with open(os.path.join(root, "etc/creds.ini"), "wb") as f:
        f.write(b"[default]\n" + secret(tag))
    with open(os.path.join(root, "usr/share/doc/README"), "wb") as f:
        f.write(b"nothing to see here\n" * 200)
    return root


def squashfs(tmp, tag, name):
    root = rootfs(tmp, tag, name + ".d")
    out = os.path.join(tmp, name)
    run(["mksquashfs", root, out, "-quiet", "-noappend", "-comp", "xz"], tmp)
    return open(out, "rb").read()


def write(tmp, name, data):
    with open(os.path.join(tmp, name), "wb") as f:
        f.write(data)


def expect_damage(tmp, name, origin_start, words, found=None):
    """A damaged fixture: a warning from the container, exit 1, 2 with --strict."""
    rc, doc, err = scan([name], tmp)
    ws = warnings(doc)
    check(f"{name}: a warning names the container and the damage",
          any(w.startswith(origin_start) and all(x in w for x in words) for w in ws), (ws, err))
    check(f"{name}: exit 1, no crash", rc == 1 and doc is not None, (rc, err))
    if found:
        check(f"{name}: what can be read is still found at {found}", found in paths(doc), paths(doc))
    rc2, _, err2 = scan(["--strict", name], tmp)
    check(f"{name}: --strict makes the damage an error (exit 2)", rc2 == 2, (rc2, err2))


# --- Android sparse images -------------------------------------------------------------------

def test_sparse(tmp):
    # A SquashFS at the start of a 24 MB image, a run of a 4-byte pattern (a fill chunk), a
    # hole (don't care), and a second secret in raw blocks near the end.
    # A SquashFS, a run of a 4-byte pattern, 16 MB of zeros, a second secret, zeros to 24 MB.
    img = bytearray(squashfs(tmp, "SPARSE01", "sp.sqfs"))
    img += bytes(-len(img) % 4096)
    img += b"\xa5\x5a\xa5\x5a" * (64 * 1024)
    img += bytes(20 * 1024 * 1024 - len(img))
    tail = b"\n" + secret("SPARSE02")
    img += tail + bytes(-len(tail) % 4096)
    img += bytes(24 * 1024 * 1024 - len(img))
    write(tmp, "sp.raw", bytes(img))
    run(["img2simg", "sp.raw", "sp.simg"], tmp)
    simg = open(os.path.join(tmp, "sp.simg"), "rb").read()
    chunks, off = [], 28
    for _ in range(struct.unpack_from("<I", simg, 20)[0]):
        t, _, nb, total = struct.unpack_from("<HHII", simg, off)
        chunks.append((t, nb, simg[off:off + total]))
        off += total
    check("sp.simg: img2simg wrote raw and fill chunks (the pattern, and zeros)",
          {c[0] for c in chunks} == {0xCAC1, 0xCAC2}, [hex(c[0]) for c in chunks])
    # This img2simg writes zeros as fills of 0; make_ext4fs and fastboot write holes as
    # don't-care chunks: the same image with each fill of zeros as one, and a CRC32 chunk.
    body = b"".join(struct.pack("<HHII", 0xCAC3, 0, nb, 12)
                    if t == 0xCAC2 and raw[12:16] == bytes(4) else raw for t, nb, raw in chunks)
    body += struct.pack("<HHII", 0xCAC4, 0, 0, 16) + struct.pack("<I", zlib.crc32(bytes(img)))
    hdr = bytearray(simg[:28])
    struct.pack_into("<I", hdr, 20, len(chunks) + 1)
    write(tmp, "holes.simg", bytes(hdr) + body)
    rc, doc, err = scan(["holes.simg"], tmp)
    check("holes.simg: don't-care and CRC32 chunks: the same image, the same findings",
          {"holes.simg!android-sparse:/etc/creds.ini", "holes.simg!android-sparse"} <= set(paths(doc))
          and not warnings(doc) and doc["summary"]["bytes"] >= len(img), (paths(doc), warnings(doc)))
    rc, doc, err = scan(["sp.simg"], tmp)
    check("sp.simg: the SquashFS inside the expanded image is unpacked",
          "sp.simg!android-sparse:/etc/creds.ini" in paths(doc), (paths(doc), err))
    check("sp.simg: raw blocks after the hole are scanned too",
          any(p == "sp.simg!android-sparse" for p in paths(doc)), paths(doc))
    check("sp.simg: no warning, exit 1 (findings)", rc == 1 and not warnings(doc), (rc, warnings(doc)))
    check("sp.simg: the expanded image is counted whole",
          doc["summary"]["bytes"] >= len(img), doc["summary"])

    # Cut in the middle of the raw blocks after the hole: the SquashFS is still read.
    write(tmp, "cut.simg", simg[:len(simg) - 2500])
    expect_damage(tmp, "cut.simg", "cut.simg: android-sparse", ["truncated", "chunk"],
                  "cut.simg!android-sparse:/etc/creds.ini")

    # A chunk of an unknown type after the first one.
    bad = bytearray(simg)
    first_total = struct.unpack_from("<I", bad, 28 + 8)[0]
    struct.pack_into("<H", bad, 28 + first_total, 0xCAFF)
    write(tmp, "badchunk.simg", bytes(bad))
    expect_damage(tmp, "badchunk.simg", "badchunk.simg: android-sparse", ["corrupt", "0xcaff"],
                  "badchunk.simg!android-sparse:/etc/creds.ini")

    # Hostile: a header and one don't-care chunk describing 16 TiB of zeros. The budget
    # stops it, in bounded time.
    hdr = struct.pack("<IHHHHIIII", 0xED26FF3A, 1, 0, 28, 12, 4096, 0xFFFFFFFF, 2, 0)
    hostile = hdr + struct.pack("<HHII", 0xCAC1, 0, 1, 12 + 4096) + b"\n" + secret("SPARSE03") + \
        bytes(4096 - 1 - len(secret("SPARSE03"))) + struct.pack("<HHII", 0xCAC3, 0, 0xFFFFFFFE, 12)
    write(tmp, "hole.simg", hostile)
    t0 = time.monotonic()
    rc, doc, err = scan(["--max-expanded", "64M", "hole.simg"], tmp)
    took = time.monotonic() - t0
    check(f"hole.simg: 16 TiB of holes stopped by the budget in {took:.1f} s",
          doc is not None and doc["summary"]["budget_hits"] >= 1 and took < 60, (rc, err, warnings(doc)))
    check("hole.simg: the raw block before the hole is scanned",
          "hole.simg!android-sparse" in paths(doc), paths(doc))


# --- lzop --------------------------------------------------------------------------------------

def test_lzop(tmp):
    root = rootfs(tmp, "LZOPTAR1", "lz.d")
    run(["tar", "cf", "lz.tar", "-C", root, "."], tmp)
    run(["lzop", "-f", "-o", "lz.tar.lzo", "lz.tar"], tmp)
    rc, doc, err = scan(["lz.tar.lzo"], tmp)
    check("lz.tar.lzo: the tar inside is unpacked, member by path",
          "lz.tar.lzo!lzop:/etc/creds.ini" in paths(doc), (paths(doc), err))

    # Multi-block (lzop's blocks are 256 KiB): a secret in the first and in the last block,
    # incompressible noise between them; -9 and checksums of the compressed bytes too.
    noise = os.urandom(700 * 1024)
    write(tmp, "big.txt", secret("LZOPBIG1") + noise + b"\n" + secret("LZOPBIG2"))
    run(["lzop", "-f", "-9", "--crc32", "-o", "big.lzo", "big.txt"], tmp)
    data = open(os.path.join(tmp, "big.lzo"), "rb").read()
    rc, doc, err = scan(["--show-secrets", "big.lzo"], tmp)
    got = sorted(l["path"] + " " + f["secret"][:8] for f in doc["findings"] for l in f["locations"])
    check("big.lzo: both secrets of a 5-block stream, in the decoded stream",
          got == ["big.lzo!lzop LZOPBIG1", "big.lzo!lzop LZOPBIG2"], (got, err))
    check("big.lzo: no warning", not warnings(doc), warnings(doc))

    # Cut in the third block: the first two are still read.
    write(tmp, "cut.lzo", data[:len(data) * 2 // 3])
    expect_damage(tmp, "cut.lzo", "cut.lzo: lzop at offset 0x", ["truncated", "block"],
                  "cut.lzo!lzop")
    # A stored (incompressible) block has its checksum checked: flip one byte of it.
    bad = bytearray(data)
    bad[len(bad) // 2] ^= 0x01
    write(tmp, "flip.lzo", bytes(bad))
    expect_damage(tmp, "flip.lzo", "flip.lzo: lzop at offset 0x", ["checksum does not match"],
                  "flip.lzo!lzop")
    # A block that says it decodes to more than lzop allows.
    bad = bytearray(data)
    hdr_end = data.index(b"big.txt") + len(b"big.txt") + 4
    struct.pack_into(">I", bad, hdr_end, 0x7FFFFFFF)
    write(tmp, "huge.lzo", bytes(bad))
    rc, doc, err = scan(["huge.lzo"], tmp)
    check("huge.lzo: a block size past lzop's limit is a corrupt-block warning, exit 1",
          rc == 1 and any("huge.lzo: lzop" in w and "corrupt" in w for w in warnings(doc)),
          (rc, warnings(doc), err))

    # Carved: an lzop file inside unknown bytes.
    small = os.path.join(tmp, "small.txt")
    with open(small, "wb") as f:
        f.write(secret("LZOPCRV1"))
    run(["lzop", "-f", "-o", "small.lzo", "small.txt"], tmp)
    write(tmp, "blob.bin", os.urandom(3000) + open(os.path.join(tmp, "small.lzo"), "rb").read()
          + os.urandom(3000))
    rc, doc, err = scan(["blob.bin"], tmp)
    check("blob.bin: an lzop stream carved from unknown bytes is decoded",
          any(p.startswith("blob.bin!lzop@0x") for p in paths(doc)), (paths(doc), err))


# --- EROFS -------------------------------------------------------------------------------------

def test_erofs(tmp):
    root = rootfs(tmp, "EROFS001", "ero.d")
    os.makedirs(os.path.join(root, "deep/a/b/c"), exist_ok=True)
    with open(os.path.join(root, "deep/a/b/c/big.conf"), "wb") as f:
        f.write(os.urandom(300 * 1024).hex().encode() + b"\n" + secret("EROFS002"))
    os.symlink("etc/creds.ini", os.path.join(root, "link"))
    with open(os.path.join(root, "usr/share/doc/LICENSE"), "wb") as f:  # lz4 shrinks it
        f.write(b"the quick brown fox jumps over the lazy dog\n" * 4000)
    for i in range(300):  # a directory of several blocks
        with open(os.path.join(root, "usr/share/doc/f%03d" % i), "wb") as f:
            f.write(b"x" * i)
    variants = [("plain.erofs", ["-E", "noinline_data"]), ("inline.erofs", []),
                ("chunk.erofs", ["--chunksize", "65536"])]
    for name, opts in variants:
        run(["mkfs.erofs"] + opts + [name, root], tmp, stderr=subprocess.DEVNULL)
        rc, doc, err = scan([name], tmp)
        got = paths(doc)
        check(f"{name}: files by path, in a small file and one of many blocks three directories down",
              f"{name}:/etc/creds.ini" in got and f"{name}:/deep/a/b/c/big.conf" in got,
              (got, warnings(doc), err))
        check(f"{name}: no warning", not warnings(doc), warnings(doc))
        check(f"{name}: every regular file is a member (304 and the image, the symlink not followed)",
              doc["summary"]["files"] == 305, doc["summary"])

    run(["mkfs.erofs", "-zlz4", "lz4.erofs", root], tmp, stderr=subprocess.DEVNULL)
    rc, doc, err = scan(["lz4.erofs"], tmp)
    ws = warnings(doc)
    check("lz4.erofs: the small file lz4 could not shrink is stored and read",
          "lz4.erofs:/etc/creds.ini" in paths(doc), paths(doc))
    check("lz4.erofs: compressed files are 'not unpacked', saying why",
          any("lz4.erofs: not unpacked: erofs" in w and "compressed" in w for w in ws)
          and doc["summary"]["not_unpacked"] >= 1, (ws, doc["summary"]))

    data = open(os.path.join(tmp, "inline.erofs"), "rb").read()
    write(tmp, "cut.erofs", data[:len(data) // 2])
    rc, doc, err = scan(["cut.erofs"], tmp)
    ws = warnings(doc)
    check("cut.erofs: a warning names the image and the truncation",
          any(w.startswith("cut.erofs: erofs") and ("truncated" in w or "past the end" in w) for w in ws),
          (ws, err))
    check("cut.erofs: exit 1, no crash", rc in (0, 1) and doc is not None, (rc, err))

    # A directory that contains itself under another name: read once, a warning.
    loop = bytearray(data)
    blkbits, root_nid = loop[1024 + 12], struct.unpack_from("<H", loop, 1024 + 14)[0]
    meta = struct.unpack_from("<I", loop, 1024 + 40)[0] << blkbits
    at = meta + 32 * root_nid
    fmt, icount = struct.unpack_from("<HH", loop, at)
    size = struct.unpack_from("<Q" if fmt & 1 else "<I", loop, at + 8)[0]
    blkaddr = struct.unpack_from("<I", loop, at + 16)[0]
    layout = (fmt >> 1) & 7
    check("loop.erofs: the root directory is one block, flat", size <= 1 << blkbits and layout in (0, 2),
          (size, layout))
    if layout == 2:  # inline: after the inode and its extended attributes
        blk = at + (64 if fmt & 1 else 32) + (12 + 4 * (icount - 1) if icount else 0)
    else:
        blk = blkaddr << blkbits
    hit = None
    for i in range(struct.unpack_from("<H", loop, blk + 8)[0] // 12):
        nid, nameoff = struct.unpack_from("<QH", loop, blk + 12 * i)
        if loop[blk + nameoff:blk + nameoff + 4] == b"deep":
            hit = blk + 12 * i
    check("loop.erofs: the /deep entry was found to rewrite", hit is not None)
    if hit is not None:
        # Point the /deep entry's nid at the root directory.
        struct.pack_into("<Q", loop, hit, root_nid)
        write(tmp, "loop.erofs", bytes(loop))
        t0 = time.monotonic()
        rc, doc, err = scan(["loop.erofs"], tmp, timeout=60)
        took = time.monotonic() - t0
        check(f"loop.erofs: a directory loop is a warning, not a hang ({took:.1f} s)",
              any("loop.erofs: erofs" in w and "loop" in w for w in warnings(doc)) and
              "loop.erofs:/etc/creds.ini" in paths(doc), (warnings(doc), paths(doc), err))


# --- vendor headers ----------------------------------------------------------------------------

def trx(parts, version=1):
    n = 3 if version == 1 else 4
    hdr = 16 + 4 * n
    offs, body = [], b""
    for p in parts:
        offs.append(hdr + len(body))
        body += p + bytes(-len(p) % 4)
    offs += [0] * (n - len(offs))
    rest = struct.pack("<I", version << 16) + struct.pack("<%dI" % n, *offs) + body
    crc = ~zlib.crc32(rest) & 0xFFFFFFFF
    return b"HDR0" + struct.pack("<II", 12 + len(rest), crc) + rest


def netgear_sum(b):
    c0 = c1 = 0
    for x in b:
        c0 = (c0 + x) & 0xFFFFFFFF
        c1 = (c1 + c0) & 0xFFFFFFFF
    b0 = (c0 & 0xFFFF) + (c0 >> 16)
    c0 = ((b0 >> 16) + b0) & 0xFFFF
    b1 = (c1 & 0xFFFF) + (c1 >> 16)
    c1 = ((b1 >> 16) + b1) & 0xFFFF
    return (c1 << 16) | c0


def chk(kernel, rootfs, board=b"U12H139T00_NETGEAR"):
    hl = 40 + len(board)
    hdr = bytearray(struct.pack(">II8sIIIIII", 0x2A23245E, hl, bytes(8), netgear_sum(kernel),
                                netgear_sum(rootfs), len(kernel), len(rootfs),
                                netgear_sum(kernel + rootfs), 0) + board)
    struct.pack_into(">I", hdr, 36, netgear_sum(hdr))
    return bytes(hdr) + kernel + rootfs


def seama(image, meta=b"dev=/dev/mtdblock/1\0type=firmware\0"):
    meta += bytes(-len(meta) % 4)
    return struct.pack(">IHHI", 0x5EA3A417, 0, len(meta), len(image)) + \
        hashlib.md5(image).digest() + meta + image


def tplink(kernel, rootfs, version=1):
    ko, ro = 0x200, 0x200 + len(kernel) + (-len(kernel) % 4096)
    total = ro + len(rootfs)
    h = bytearray(512)
    struct.pack_into(">I", h, 0, version)
    if version == 1:
        h[4:4 + 20] = b"TP-LINK Technologies"
        h[28:28 + 8] = b"ver. 1.0"
        struct.pack_into(">III", h, 64, 0x08410001, 1, 0)
        fields = 0x74
    else:
        h[4:4 + 16] = b"fw-ver 3.16.9 up"
        fields = 0x68
    struct.pack_into(">IIIIIII", h, fields, 0x80060000, 0x80060000, total, ko, len(kernel), ro,
                     len(rootfs))
    img = bytearray(total)
    img[:512] = h
    img[ko:ko + len(kernel)] = kernel
    img[ro:] = rootfs
    return bytes(img)


def test_vendor(tmp):
    kernel_txt = b"Linux version 5.15 (builder@host)\n" + secret("KERNEL01")
    kernel = subprocess.run(["gzip", "-9n"], input=kernel_txt, capture_output=True,
                            check=True).stdout
    cases = [
        ("fw.trx", lambda r: trx([kernel, r]), "trx"),
        ("fw3.trx", lambda r: trx([b"\0" * 64, kernel, r]), "trx"),
        ("fw.chk", lambda r: chk(kernel, r), "chk"),
        ("fw.seama", lambda r: seama(kernel + bytes(-len(kernel) % 4) + r), "seama"),
        ("fw1.tplink", lambda r: tplink(kernel, r, 1), "tplink"),
        ("fw2.tplink", lambda r: tplink(kernel, r, 2), "tplink"),
    ]
    for name, build, fmt in cases:
        tag = ("V" + name.replace(".", "").upper() + "XXXXXX")[:8]
        img = build(squashfs(tmp, tag, name + ".sqfs"))
        write(tmp, name, img)
        rc, doc, err = scan([name], tmp)
        got = paths(doc)
        if fmt == "seama":
            want = {f"{name}!seama!image!gzip", f"{name}!seama!image!squashfs@0x"}
            ok = f"{name}!seama!image!gzip" in got and any(
                p.startswith(f"{name}!seama!image!squashfs@0x") and p.endswith(":/etc/creds.ini")
                for p in got)
        else:
            want = {f"{name}!{fmt}!kernel!gzip", f"{name}!{fmt}!rootfs:/etc/creds.ini"}
            ok = want <= set(got)
        check(f"{name}: kernel and rootfs found under the {fmt} header's parts", ok,
              (got, want, warnings(doc), err))
        check(f"{name}: no warning", not warnings(doc), warnings(doc))

        write(tmp, "cut-" + name, img[:len(img) - 1000])
        rc, doc, err = scan(["cut-" + name], tmp)
        ws = warnings(doc)
        check(f"cut-{name}: a warning from {fmt} saying it is truncated, exit 1",
              rc == 1 and any(w.startswith(f"cut-{name}: {fmt}") and "truncated" in w for w in ws),
              (rc, ws, err))
        check(f"cut-{name}: the kernel before the cut is still found",
              any(p.startswith(f"cut-{name}!{fmt}!") and "gzip" in p for p in got and paths(doc)),
              paths(doc))

    # A bad checksum: warned, read all the same.
    bad = bytearray(open(os.path.join(tmp, "fw.trx"), "rb").read())
    bad[-100] ^= 0xFF
    write(tmp, "crc.trx", bytes(bad))
    rc, doc, err = scan(["crc.trx"], tmp)
    check("crc.trx: a CRC mismatch is a warning, the parts are read",
          any(w.startswith("crc.trx: trx") and "CRC-32 does not match" in w for w in warnings(doc))
          and "crc.trx!trx!kernel!gzip" in paths(doc), (warnings(doc), paths(doc)))
    bad = bytearray(open(os.path.join(tmp, "fw.seama"), "rb").read())
    bad[-100] ^= 0xFF
    write(tmp, "md5.seama", bytes(bad))
    rc, doc, err = scan(["md5.seama"], tmp)
    check("md5.seama: an MD5 mismatch is a warning",
          any(w.startswith("md5.seama: seama") and "MD5" in w for w in warnings(doc)), warnings(doc))

    # Carved: a TRX after a bootloader; a TRX with a bad CRC inside unknown bytes is not taken.
    trx_img = open(os.path.join(tmp, "fw.trx"), "rb").read()
    write(tmp, "flash.bin", os.urandom(8192) + trx_img + os.urandom(4096))
    rc, doc, err = scan(["flash.bin"], tmp)
    check("flash.bin: a TRX carved at 0x2000 names its format and offset",
          "flash.bin!trx@0x2000!trx!rootfs:/etc/creds.ini" in paths(doc), (paths(doc), err))
    write(tmp, "flash-bad.bin", os.urandom(8192) + bytes(bad[:0]) +
          open(os.path.join(tmp, "crc.trx"), "rb").read() + os.urandom(4096))
    rc, doc, err = scan(["flash-bad.bin"], tmp)
    check("flash-bad.bin: a carved TRX whose CRC fails is not taken as one",
          not any("trx@" in p for p in paths(doc)), paths(doc))

    # Lookalikes are not vendor headers: "HDR0" in text, a TP-Link-ish header with garbage.
    write(tmp, "text.bin", b"HDR0" + os.urandom(60) + secret("NOTTRX01"))
    rc, doc, err = scan(["text.bin"], tmp)
    check("text.bin: a stray HDR0 is no TRX (no warning, the secret found in the file)",
          not warnings(doc) and paths(doc) == ["text.bin"], (warnings(doc), paths(doc)))


# --- SquashFS 3 -------------------------------------------------------------------------------

def test_squashfs3(tmp):
    # SquashFS 4 with LZO blocks (Debian's libsquashfs has no LZO: keysift's own, liblzo2):
    # default options, and an options block (another algorithm) with blocks of 4 KiB.
    root = rootfs(tmp, "SQLZO001", "sqlzo.d")
    with open(os.path.join(root, "usr/share/doc/big.txt"), "wb") as f:
        f.write(b"lorem ipsum dolor sit amet\n" * 20000 + secret("SQLZO002"))
    for name, opts in (("lzo.sqfs", []),
                       ("lzo15.sqfs", ["-Xalgorithm", "lzo1x_1_15", "-b", "4096"])):
        run(["mksquashfs", root, name, "-quiet", "-noappend", "-comp", "lzo"] + opts, tmp)
        rc, doc, err = scan([name], tmp)
        check(f"{name}: an LZO SquashFS is read, files by path, also past the first block",
              {f"{name}:/etc/creds.ini", f"{name}:/usr/share/doc/big.txt"} <= set(paths(doc))
              and not warnings(doc), (paths(doc), warnings(doc), err))
    data = open(os.path.join(tmp, "lzo15.sqfs"), "rb").read()
    bad = bytearray(data)
    for i in range(2000, 6000):  # damage the LZO blocks of big.txt
        bad[i] ^= 0x5A
    write(tmp, "badlzo.sqfs", bytes(bad))
    rc, doc, err = scan(["badlzo.sqfs"], tmp)
    check("badlzo.sqfs: damaged LZO blocks are a warning naming the file, the rest read",
          any(w.startswith("badlzo.sqfs: squashfs") for w in warnings(doc))
          and "badlzo.sqfs:/etc/creds.ini" in paths(doc), (warnings(doc), paths(doc), err))


    # A SquashFS 3.1 superblock (little endian): no library reads it; the message says so.
    sb = bytearray(96 + 4096)
    sb[0:4] = b"hsqs"
    struct.pack_into("<HH", sb, 28, 3, 1)
    struct.pack_into("<H", sb, 34, 17)
    struct.pack_into("<I", sb, 51, 1 << 17)
    sb[200:200 + len(secret("SQSH3001"))] = secret("SQSH3001")
    write(tmp, "old.sqfs", bytes(sb))
    be = bytearray(sb)
    be[0:4] = b"sqsh"
    struct.pack_into(">HH", be, 28, 3, 0)
    struct.pack_into(">H", be, 34, 17)
    struct.pack_into(">I", be, 51, 1 << 17)
    write(tmp, "be.sqfs", bytes(be))
    for name, words in (("old.sqfs", ["SquashFS 3.1", "no library"]),
                        ("be.sqfs", ["big-endian SquashFS 3.0", "no library"])):
        rc, doc, err = scan([name], tmp)
        ws = warnings(doc)
        check(f"{name}: not unpacked, saying exactly why",
              any(w.startswith(f"{name}: not unpacked: squashfs3") and all(x in w for x in words)
                  for w in ws), ws)
        check(f"{name}: its bytes still searched", name in paths(doc), paths(doc))


def main():
    tests = {"sparse": test_sparse, "lzop": test_lzop, "erofs": test_erofs,
             "vendor": test_vendor, "squashfs3": test_squashfs3}
    for tool in ("mksquashfs", "img2simg", "lzop", "mkfs.erofs", "tar", "gzip"):
        if not shutil.which(tool):
            print(f"FAIL {tool} not found (scripts/install-deps installs it)")
            return 1
    tmp = tempfile.mkdtemp(prefix="keysift-miscfw-")
    # The first scan compiles the rules into the cache (minutes on a loaded machine): not
    # under the per-scan timeouts of the checks.
    write(tmp, "empty", b"")
    scan(["empty"], tmp, timeout=1200)
    try:
        for name, fn in tests.items():
            if ONLY and name not in ONLY:
                continue
            d = os.path.join(tmp, name)
            os.makedirs(d)
            fn(d)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{failures} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
