#!/usr/bin/env python3
"""End-to-end tests of the UBI and UBIFS decoders (formats/ubi.c, formats/ubifs.c).

usage: test_fs_ubi.py KEYSIFT_BINARY [TEST ...]

Builds a small tree with planted FAKE secrets (an EC private key made by openssl, a password
assignment, a GitLab token seven directories down, an AWS secret behind a 600 KB hole, a 3 MB log
whose last line holds a secret) and packs it with the real tools: mkfs.ubifs with each compressor
(lzo, zlib, zstd, none), ubinize with one volume and with two (UBIFS plus a static volume holding
a text file), and a UBI image inside a larger blob. Each secret must be reported at its exact
origin path. Then damaged variants: a UBI image cut short, a UBI VID header and a UBIFS data node
whose CRC no longer matches, static volume data that does not match its CRC, and a UBIFS index
whose node points back at itself: each gives a warning with an offset and no crash or hang, the
rest is still read, and --strict makes the damage an error (exit 2).

Exit status 0 when every check passes, 1 otherwise; 77 (skipped) when mkfs.ubifs or ubinize is
missing.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import zlib

KEYSIFT = os.path.abspath(sys.argv[1])
failures = 0

TOKEN = "glpat-" + "Vq3xR8sT2wY6zB1nK4mH"
AWS = "Ub1f5Qz8rT4vW9xY2pL6mN3bV7cX1kJ5hG0fD8sA"
LOGSECRET = "UbiLog7Qz8rT4vW9xY2pL6mN3bV7cX1kJ5hG0fD8"
HOLE_AT = 600000


def check(name, ok, detail=""):
    global failures
    if ok:
        print("ok   " + name)
    else:
        failures += 1
        print("FAIL " + name + (("\n     " + str(detail)[:3000]) if detail else ""))


def scan(args, cwd, timeout=120):
    r = subprocess.run([KEYSIFT, "scan", "-q", "--format", "json", "-j", "2"] + args, cwd=cwd,
                       capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL)
    try:
        doc = json.loads(r.stdout)
    except ValueError:
        doc = None
    return r.returncode, doc, r.stderr.decode(errors="replace")


def rows(doc):
    return {(l["path"], f["rule_id"]) for f in (doc or {}).get("findings", []) for l in f["locations"]}


def warnings(doc):
    return [w["path"] + ": " + w["message"] for w in (doc or {}).get("warnings", [])]


def run(cmd, cwd):
    subprocess.run(cmd, cwd=cwd, check=True, capture_output=True, stdin=subprocess.DEVNULL)


def make_tree(root):
    os.makedirs(os.path.join(root, "etc/ssl/private"))
    run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out",
         os.path.join(root, "etc/ssl/private/device.key")], root)
    with open(os.path.join(root, "etc/app.conf"), "w") as f:
        f.write('# lumen agent\nlisten = 0.0.0.0:8443\npassword = "Xq7-lumen-Rk93vbpQ"\n')
    deep = os.path.join(root, "opt/vendor/a/b/c/d/e")
    os.makedirs(deep)
    with open(os.path.join(deep, "deploy.env"), "w") as f:
        f.write("GITLAB_TOKEN=%s\n" % TOKEN)
    os.makedirs(os.path.join(root, "srv"))
    with open(os.path.join(root, "srv/sparse.bin"), "wb") as f:
        f.seek(HOLE_AT)
        f.write(b'aws_secret_access_key = "%s"\n' % AWS.encode())
        f.truncate(HOLE_AT + 8192)
    with open(os.path.join(root, "srv/big.log"), "wb") as f:
        line = b"2026-12-03T17:00:00Z GET /api/v1/items 200 worker=%d latency_ms=%d\n"
        n = 0
        i = 0
        while n < 3 << 20:
            b = line % (i, (i * 7919) % 1000)
            f.write(b)
            n += len(b)
            i += 1
        f.write(b'aws_secret_access_key = "%s"\n' % LOGSECRET.encode())
    with open(os.path.join(root, "srv/random.bin"), "wb") as f:
        f.write(os.urandom(200000))
    os.symlink("/etc/app.conf", os.path.join(root, "etc/link"))


def expected(prefix):
    return {
        (prefix + ":/etc/ssl/private/device.key", "privkey.pkcs8"),
        (prefix + ":/etc/app.conf", "generic.password.assignment"),
        (prefix + ":/opt/vendor/a/b/c/d/e/deploy.env", "gitlab.pat"),
        (prefix + ":/srv/sparse.bin", "aws.secret-access-key"),
        (prefix + ":/srv/big.log", "aws.secret-access-key"),
    }


def mkfs(d, compr, out):
    run(["mkfs.ubifs", "-x", compr, "-m", "2048", "-e", "126976", "-c", "256", "-r", "root", "-o",
         out], d)


def ubinize(d, out, sections):
    ini = os.path.join(d, out + ".ini")
    with open(ini, "w") as f:
        for i, (name, image, vtype) in enumerate(sections):
            f.write("[%s]\nmode=ubi\nimage=%s\nvol_id=%d\nvol_type=%s\nvol_name=%s\n" %
                    (name, image, i, vtype, name))
    run(["ubinize", "-o", out, "-m", "2048", "-p", "128KiB", "-s", "2048", ini], d)


def ubifs_crc(b):
    return (~zlib.crc32(b)) & 0xffffffff


def test_raw(d):
    for compr in ("lzo", "zlib", "zstd", "none"):
        name = "fs-%s.ubifs" % compr
        rc, doc, err = scan([name], d)
        got, want = rows(doc), expected(name)
        check("%s: every planted secret at its path, nothing else" % name,
              rc == 1 and got == want and not warnings(doc),
              (rc, got ^ want, warnings(doc), err))
    rc, doc, err = scan(["--show-secrets", "fs-zstd.ubifs"], d)
    offs = [l["offset"] for f in doc["findings"] for l in f["locations"]
            if l["path"].endswith("/srv/sparse.bin")]
    check("fs-zstd.ubifs: the secret behind the hole is at its offset in the file (holes read as "
          "zeros)", offs and HOLE_AT < offs[0] < HOLE_AT + 64, offs)


def test_ubi(d):
    rc, doc, err = scan(["one.ubi"], d)
    got, want = rows(doc), expected("one.ubi:/rootfs")
    check("one.ubi: the volume named by the volume table, its files at their paths",
          rc == 1 and got == want and not warnings(doc), (rc, got ^ want, warnings(doc), err))
    rc, doc, err = scan(["two.ubi"], d)
    got = rows(doc)
    want = expected("two.ubi:/rootfs") | {("two.ubi:/config", "gitlab.pat")}
    check("two.ubi: both volumes (UBIFS, and a static volume of text)",
          rc == 1 and got == want and not warnings(doc), (rc, got ^ want, warnings(doc), err))
    lines = [l["line"] for f in doc["findings"] for l in f["locations"] if l["path"] == "two.ubi:/config"]
    check("two.ubi: the static volume is its data_size bytes (text, with line numbers, no erased "
          "padding)", lines == [2], lines)
    rc, doc, err = scan(["fw.bin"], d)
    got = rows(doc)
    want = expected("fw.bin!ubi@0x40000:/rootfs")
    check("fw.bin: a UBI image at 0x40000 inside a blob is carved and read",
          rc == 1 and got == want, (rc, got ^ want, warnings(doc), err))


def test_stream(d):
    """A volume and a file larger than what a decoder holds in memory (16 MB) go out as streams:
    the volume through a temporary file, the file in chunks."""
    root = os.path.join(d, "bigroot")
    os.makedirs(os.path.join(root, "data"))
    with open(os.path.join(root, "data/blob.bin"), "wb") as f:
        f.write(os.urandom(17 << 20))
        f.write(b'\naws_secret_access_key = "%s"\n' % AWS.encode())
    with open(os.path.join(root, "app.conf"), "w") as f:
        f.write('password = "Xq7-lumen-Rk93vbpQ"\n')
    run(["mkfs.ubifs", "-x", "lzo", "-m", "2048", "-e", "126976", "-c", "512", "-r", "bigroot",
         "-o", "big.ubifs"], d)
    ubinize(d, "big.ubi", [("data", "big.ubifs", "dynamic")])
    rc, doc, err = scan(["big.ubi"], d)
    want = {("big.ubi:/data:/data/blob.bin", "aws.secret-access-key"),
            ("big.ubi:/data:/app.conf", "generic.password.assignment")}
    check("big.ubi: a 17 MB volume and a 17 MB file read as streams, the secret at its end found",
          rc == 1 and rows(doc) == want and not warnings(doc), (rc, rows(doc), warnings(doc), err))


def put(path, data):
    with open(path, "wb") as f:
        f.write(data)


def test_truncated(d):
    # Cut 1000 bytes into the last erase block, which holds the index (mkfs.ubifs writes it
    # last): the files are found by searching the LEBs for nodes.
    data = open(os.path.join(d, "one.ubi"), "rb").read()
    cut = len(data) - 128 * 1024 + 1000
    put(os.path.join(d, "cut.ubi"), data[:cut])
    rc, doc, err = scan(["cut.ubi"], d)
    w = warnings(doc)
    check("cut.ubi: a warning names the image, the offset and the truncation",
          any(m.startswith("cut.ubi: ubi at offset 0x") and "truncated" in m for m in w), w)
    check("cut.ubi: the files whose nodes are there are still read",
          rc == 1 and ("cut.ubi:/rootfs:/etc/app.conf", "generic.password.assignment") in rows(doc),
          (rc, rows(doc), w))
    rc, _, _ = scan(["--strict", "cut.ubi"], d)
    check("cut.ubi: --strict makes the damage an error (exit 2)", rc == 2, rc)


def test_bad_crc(d):
    # UBI: the VID header of the last PEB no longer matches its CRC.
    data = bytearray(open(os.path.join(d, "one.ubi"), "rb").read())
    peb = 128 * 1024
    last = (len(data) // peb - 1) * peb
    vid = last + 2048
    assert data[vid:vid + 4] == b"UBI!"
    data[vid + 40] ^= 0x01  # sqnum, covered by the CRC
    put(os.path.join(d, "badvid.ubi"), bytes(data))
    rc, doc, err = scan(["badvid.ubi"], d)
    w = warnings(doc)
    check("badvid.ubi: a bad VID header CRC is warned about with its offset",
          any("offset 0x%x" % vid in m and "volume-identifier header" in m for m in w), w)
    check("badvid.ubi: the rest of the volume is read",
          ("badvid.ubi:/rootfs:/etc/ssl/private/device.key", "privkey.pkcs8") in rows(doc), rows(doc))

    # UBIFS: a data node whose CRC does not match is warned about and read all the same.
    data = bytearray(open(os.path.join(d, "fs-none.ubifs"), "rb").read())
    at = data.find(b"# lumen agent")
    node = data.rfind(b"\x31\x18\x10\x06", 0, at)
    data[node + 8] ^= 0x01
    put(os.path.join(d, "badnode.ubifs"), bytes(data))
    rc, doc, err = scan(["badnode.ubifs"], d)
    w = warnings(doc)
    check("badnode.ubifs: the data node with a bad CRC is warned about at its offset",
          any("offset 0x%x" % node in m and "CRC" in m for m in w), w)
    check("badnode.ubifs: its bytes and the other files are still read",
          rc == 1 and rows(doc) == expected("badnode.ubifs"), (rows(doc), w))
    rc, _, _ = scan(["--strict", "badnode.ubifs"], d)
    check("badnode.ubifs: --strict makes the damage an error (exit 2)", rc == 2, rc)

    # Both copies of the volume table lost (their VID headers damaged): the volume is read all the
    # same, named by its number.
    data = bytearray(open(os.path.join(d, "one.ubi"), "rb").read())
    for p in (0, 1):
        assert data[p * peb + 2048:p * peb + 2052] == b"UBI!"
        data[p * peb + 2048 + 40] ^= 0x01
    put(os.path.join(d, "novtbl.ubi"), bytes(data))
    rc, doc, err = scan(["novtbl.ubi"], d)
    w = warnings(doc)
    check("novtbl.ubi: no volume table is warned about, the volume is read as vol0",
          any("no readable volume table" in m for m in w) and rows(doc) == expected("novtbl.ubi:/vol0"),
          (rows(doc), w))

    # A static volume whose data no longer matches the CRC in its VID header.
    data = bytearray(open(os.path.join(d, "two.ubi"), "rb").read())
    at = data.find(b"# device config")
    data[at] = ord("%")
    put(os.path.join(d, "baddata.ubi"), bytes(data))
    rc, doc, err = scan(["baddata.ubi"], d)
    w = warnings(doc)
    check("baddata.ubi: static volume data that does not match its CRC is warned about",
          any("data CRC does not match" in m for m in w), w)
    check("baddata.ubi: and read all the same",
          ("baddata.ubi:/config", "gitlab.pat") in rows(doc), rows(doc))


def test_loop(d):
    """The root index node's first branch made to point at the root itself."""
    data = bytearray(open(os.path.join(d, "fs-none.ubifs"), "rb").read())
    leb = int.from_bytes(data[36:40], "little")
    best = None
    for at in range(leb, 3 * leb, 8):
        if data[at:at + 4] == b"\x31\x18\x10\x06" and data[at + 20] == 7:
            sq = int.from_bytes(data[at + 8:at + 16], "little")
            if best is None or sq > best[0]:
                best = (sq, at)
    m = best[1]
    lnum, offs, ln = (int.from_bytes(data[m + k:m + k + 4], "little") for k in (48, 52, 56))
    root = lnum * leb + offs
    level = int.from_bytes(data[root + 26:root + 28], "little")
    assert level > 0, "the fixture's index has one level"
    data[root + 28:root + 40] = b"".join(v.to_bytes(4, "little") for v in (lnum, offs, ln))
    data[root + 4:root + 8] = ubifs_crc(bytes(data[root + 8:root + ln])).to_bytes(4, "little")
    put(os.path.join(d, "loop.ubifs"), bytes(data))
    rc, doc, err = scan(["loop.ubifs"], d, timeout=60)
    w = warnings(doc)
    check("loop.ubifs: an index node reached twice is warned about (no hang, no crash)",
          doc is not None and any("reached twice" in m for m in w), (rc, w, err))
    check("loop.ubifs: the files are still found (every LEB searched for nodes)",
          rc == 1 and rows(doc) == expected("loop.ubifs"), (rows(doc) ^ expected("loop.ubifs"), w))


def build(d):
    root = os.path.join(d, "root")
    make_tree(root)
    for compr in ("lzo", "zlib", "zstd", "none"):
        mkfs(d, compr, "fs-%s.ubifs" % compr)
    with open(os.path.join(d, "config.txt"), "w") as f:
        f.write("# device config\nGITLAB_TOKEN=%s\n" % TOKEN)
    ubinize(d, "one.ubi", [("rootfs", "fs-lzo.ubifs", "dynamic")])
    ubinize(d, "two.ubi", [("rootfs", "fs-zlib.ubifs", "dynamic"), ("config", "config.txt", "static")])
    with open(os.path.join(d, "fw.bin"), "wb") as f:
        f.write(b"\x00" * 0x1000 + os.urandom(0x40000 - 0x1000))
        f.write(open(os.path.join(d, "one.ubi"), "rb").read())
        f.write(os.urandom(0x10000))


def main():
    for tool in ("mkfs.ubifs", "ubinize", "openssl"):
        if not shutil.which(tool) and not os.path.exists("/usr/sbin/" + tool):
            print("test_fs_ubi: %s not found (scripts/install-deps installs it)" % tool,
                  file=sys.stderr)
            return 77
    os.environ["PATH"] += ":/usr/sbin:/sbin"
    with tempfile.TemporaryDirectory(prefix="keysift-ubi-") as d:
        build(d)
        tests = (test_raw, test_ubi, test_truncated, test_bad_crc, test_loop, test_stream)
        only = sys.argv[2:]
        for t in tests:
            if not only or t.__name__ in only:
                t(d)
    print("test_fs_ubi: %s" % ("ok" if failures == 0 else "%d failures" % failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
