#!/usr/bin/env python3
"""End-to-end tests of the flash file systems: JFFS2, CramFS, RomFS.

usage: test_fs_flashfs.py KEYSIFT_BINARY

Builds a small tree (a private key made by openssl at /etc/ssl/private/server.key,
a GitHub token near the end of a 200 KB log at /var/log/app/app.log, other files) and
packs it with the real tools: mkfs.jffs2 little- and big-endian, with zlib, LZO, rtime
and no compression (the compressor of every data node checked in the image itself);
mkfs.cramfs both byte orders; genromfs. Each image must give both secrets at their exact
paths, lines and offsets (a file assembled from many nodes or blocks is right only if
every piece lands where it belongs). Then:

- JFFS2 nodes appended with Python (real CRCs): a newer data node overwrites part of the
  log (the newest version wins), a deletion entry unlinks the key (its data still found,
  under /(unlinked)/), entries that make a directory loop (a warning, no hang);
- truncated, corrupt (a node CRC, a zlib block, a checksum) and looping images of each
  format: a warning naming the format and the offset, the rest still read, exit 2 with
  --strict, never a crash or a hang;
- each image carved out of a larger binary blob, with its offset in the origin.

Exit status 0 when every check passes, 1 otherwise, 77 when a tool is missing.
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
import zlib

KEYSIFT = os.path.abspath(sys.argv[1])
failures = 0


def check(name, ok, detail=""):
    global failures
    if ok:
        print("ok   " + name)
    else:
        failures += 1
        print("FAIL " + name + (("\n     " + str(detail)[:3000]) if detail else ""))


def scan(args, cwd, timeout=60):
    r = subprocess.run([KEYSIFT, "scan", "-q", "--format", "json"] + args, cwd=cwd,
                       capture_output=True, timeout=timeout)
    try:
        doc = json.loads(r.stdout)
    except ValueError:
        doc = None
    return r.returncode, doc, r.stderr.decode(errors="replace")


def locs(doc):
    """(path, rule, line, offset) of every finding."""
    return {(l["path"], f["rule_id"], l.get("line"), l.get("offset"))
            for f in doc["findings"] for l in f["locations"]}


def warnings(doc):
    return [w["path"] + ": " + w["message"] for w in doc["warnings"]]


def run(cmd, cwd=None):
    subprocess.run(cmd, cwd=cwd, check=True, capture_output=True)


# --- the tree ------------------------------------------------------------------------------

def make_tree(root):
    rnd = random.Random(1985)
    os.makedirs(os.path.join(root, "etc/ssl/private"))
    os.makedirs(os.path.join(root, "var/log/app"))
    os.makedirs(os.path.join(root, "bin"))
    run(["openssl", "genpkey", "-algorithm", "ed25519", "-out",
         os.path.join(root, "etc/ssl/private/server.key")])
    token = "ghp_" + "".join(rnd.choice(string.ascii_letters + string.digits) for _ in range(36))
    lines = [f"2026-01-01 00:{i // 60 % 60:02d}:{i % 60:02d} worker {rnd.randrange(100)} "
             f"handled request {rnd.getrandbits(64):016x} in {rnd.randrange(900)} ms\n"
             for i in range(2500)]
    at = 2400
    lines[at] = f"config reload: GITHUB_TOKEN={token}\n"
    log = "".join(lines).encode()
    with open(os.path.join(root, "var/log/app/app.log"), "wb") as f:
        f.write(log)
    with open(os.path.join(root, "etc/hostname"), "w") as f:
        f.write("router\n")
    with open(os.path.join(root, "bin/blob"), "wb") as f:
        f.write(bytes(rnd.getrandbits(8) for _ in range(9000)))
    os.symlink("../etc/hostname", os.path.join(root, "bin/link"))
    return {"token_line": at + 1, "token_offset": log.index(token.encode()), "log": log,
            "token": token}


def expected(prefix, t):
    return {(prefix + "/etc/ssl/private/server.key", "privkey.pkcs8", 1, 0),
            (prefix + "/var/log/app/app.log", "github.pat.classic", t["token_line"],
             t["token_offset"])}


# --- JFFS2 nodes, read and written ---------------------------------------------------------

def jcrc(b):
    return zlib.crc32(b, 0xffffffff) ^ 0xffffffff


def jffs2_nodes(img, be):
    """(offset, type, totlen) of every node with a good header CRC."""
    e = ">" if be else "<"
    out, pos = [], 0
    while pos + 12 <= len(img):
        magic, typ, totlen, crc = struct.unpack(e + "HHII", img[pos:pos + 12])
        if magic == 0x1985 and jcrc(img[pos:pos + 8]) == crc and totlen >= 12:
            out.append((pos, typ, totlen))
            pos += (totlen + 3) & ~3
        else:
            pos += 4
    return out


def jffs2_compressors(img, be):
    e = ">" if be else "<"
    return {img[p + 56] for p, t, _ in jffs2_nodes(img, be) if t == 0xe002 and
            struct.unpack(e + "I", img[p + 48:p + 52])[0] > 0}


def jffs2_dirents(img, be):
    """name -> (pino, version, ino, offset) of the dirents."""
    e = ">" if be else "<"
    out = {}
    for p, t, _ in jffs2_nodes(img, be):
        if t == 0xe001:
            pino, ver, ino = struct.unpack(e + "III", img[p + 12:p + 24])
            out[img[p + 40:p + 40 + img[p + 28]].decode()] = (pino, ver, ino, p)
    return out


def dirent_node(be, pino, version, ino, name, dtype):
    e = ">" if be else "<"
    name = name.encode()
    hdr = struct.pack(e + "HHI", 0x1985, 0xe001, 40 + len(name))
    hdr += struct.pack(e + "I", jcrc(hdr))
    body = hdr + struct.pack(e + "IIIIBBH", pino, version, ino, 0, len(name), dtype, 0)
    body += struct.pack(e + "I", jcrc(body))
    body += struct.pack(e + "I", jcrc(name)) + name
    return body + b"\0" * (-len(body) % 4)


def inode_node(be, ino, version, mode, isize, offset, data):
    e = ">" if be else "<"
    hdr = struct.pack(e + "HHI", 0x1985, 0xe002, 68 + len(data))
    hdr += struct.pack(e + "I", jcrc(hdr))
    body = hdr + struct.pack(e + "IIIHHIIIIIIIBBH", ino, version, mode, 0, 0, isize, 0, 0, 0,
                             offset, len(data), len(data), 0, 0, 0)
    body += struct.pack(e + "II", jcrc(data), jcrc(body))  # node CRC: the first 60 bytes
    return body + data + b"\0" * (-len(data) % 4)


# --- the checks ----------------------------------------------------------------------------

def check_images(tmp, t):
    tree = os.path.join(tmp, "tree")
    jffs2 = {
        "le.jffs2": (["-l"], {6}), "be.jffs2": (["-b"], {6}),
        "lzo.jffs2": (["-l", "-X", "lzo", "-x", "zlib", "-x", "rtime"], {7}),
        "rtime.jffs2": (["-b", "-x", "zlib", "-x", "lzo"], {2}),
        "none.jffs2": (["-l", "-x", "zlib", "-x", "lzo", "-x", "rtime"], {0}),
    }
    for name, (opts, comps) in jffs2.items():
        run(["mkfs.jffs2", "-r", tree, "-o", os.path.join(tmp, name)] + opts)
        img = open(os.path.join(tmp, name), "rb").read()
        got = jffs2_compressors(img, "-b" in opts)
        check(f"{name}: the image's data nodes use compressor {comps} (mkfs.jffs2 {' '.join(opts)})",
              comps <= got and got <= comps | {0}, got)
    run(["mkfs.cramfs", tree, os.path.join(tmp, "le.cramfs")])
    run(["mkfs.cramfs", "-N", "big", tree, os.path.join(tmp, "be.cramfs")])
    run(["genromfs", "-d", tree, "-f", os.path.join(tmp, "img.romfs")])
    for name in list(jffs2) + ["le.cramfs", "be.cramfs", "img.romfs"]:
        rc, doc, err = scan([name], tmp)
        check(f"{name}: both secrets at their paths, lines and offsets, exit 1",
              rc == 1 and doc and locs(doc) == expected(name + ":", t),
              (rc, err, doc and locs(doc)))
        check(f"{name}: no warnings", doc and not doc["warnings"], doc and doc["warnings"])
    # Files past what a decoder holds in memory (--max-file-size when smaller than 16 MB) are
    # read as streams: the 200 KB log in windows of its nodes or blocks.
    for name in ["le.jffs2", "be.cramfs"]:
        rc, doc, err = scan(["--max-file-size", "128K", name], tmp)
        got = doc and {l for l in locs(doc) if l[1] == "github.pat.classic"}
        want = {l for l in expected(name + ":", t) if l[1] == "github.pat.classic"}
        check(f"{name} --max-file-size 128K: the log read as a stream, the token at its line and "
              f"offset", got == want, (rc, err, got))


def check_jffs2_xattr(tmp, t):
    """Extended attributes are stored as xattr and xref nodes: passed over without a warning."""
    tree = os.path.join(tmp, "tree")
    try:
        os.setxattr(os.path.join(tree, "etc/hostname"), "user.comment", b"front door")
    except OSError as e:
        print(f"skip xattr.jffs2: no user xattrs here ({e})")
        return
    run(["mkfs.jffs2", "-l", "--with-xattr", "-r", tree, "-o", os.path.join(tmp, "xattr.jffs2")])
    img = open(os.path.join(tmp, "xattr.jffs2"), "rb").read()
    types = {ty for _, ty, _ in jffs2_nodes(img, False)}
    rc, doc, err = scan(["xattr.jffs2"], tmp)
    check("xattr.jffs2: xattr and xref nodes (0xe008, 0xe009) passed over without a warning",
          {0xe008, 0xe009} <= types and doc and locs(doc) == expected("xattr.jffs2:", t)
          and not doc["warnings"], (types, err, doc and (locs(doc), doc["warnings"])))


def check_jffs2_versions(tmp, t):
    img = open(os.path.join(tmp, "le.jffs2"), "rb").read()
    d = jffs2_dirents(img, False)
    log_ino, key_ino = d["app.log"][2], d["server.key"][2]
    token2 = "ghp_" + "".join(random.Random(2).choice(string.ascii_letters) for _ in range(36))
    patch = f"GITHUB_TOKEN={token2}\n".encode()
    at = 100000 - 100000 % 4096 + 1000  # inside a node of the log, not on its edge
    nodes = inode_node(False, log_ino, 10000, 0o100644, len(t["log"]), at, patch)
    # The key unlinked: a newer entry for its name with inode 0.
    pino, ver, _, _ = d["server.key"]
    nodes += dirent_node(False, pino, ver + 100, 0, "server.key", 0)
    # ...and the old token overwritten: the newest version wins.
    off = t["token_offset"] - len("config reload: GITHUB_TOKEN=")
    nodes += inode_node(False, log_ino, 10001, 0o100644, len(t["log"]), off,
                        b"x" * (len(t["token"]) + len("config reload: GITHUB_TOKEN=")))
    with open(os.path.join(tmp, "versions.jffs2"), "wb") as f:
        f.write(img + nodes)
    rc, doc, err = scan(["versions.jffs2"], tmp)
    got = locs(doc)
    line = t["log"][:at].count(b"\n") + 1
    want = {("versions.jffs2:/var/log/app/app.log", "github.pat.classic", line,
             at + len("GITHUB_TOKEN=")),
            (f"versions.jffs2:/(unlinked)/inode-{key_ino}", "privkey.pkcs8", 1, 0)}
    check("versions.jffs2: newest data node wins (new token found, overwritten one gone), the "
          "unlinked key found under /(unlinked)/", got == want and not doc["warnings"],
          (got, want, err, doc["warnings"]))

    # A directory loop: "private" moved under itself's child is impossible; make "ssl" a
    # child of "private" (and delete its old name), so that ssl -> private -> ssl.
    ssl_pino, ssl_ver, ssl_ino, _ = d["ssl"]
    priv_ino = d["private"][2]
    loop = dirent_node(False, ssl_pino, ssl_ver + 50, 0, "ssl", 4)
    loop += dirent_node(False, priv_ino, ssl_ver + 51, ssl_ino, "ssl", 4)
    with open(os.path.join(tmp, "loop.jffs2"), "wb") as f:
        f.write(img + loop)
    rc, doc, err = scan(["loop.jffs2"], tmp)
    check("loop.jffs2: a directory loop is a warning naming it, the key still read",
          doc and any("jffs2 at offset" in w and "loop" in w for w in warnings(doc))
          and ("loop.jffs2:/(loop)/server.key", "privkey.pkcs8", 1, 0) in locs(doc),
          (rc, err, doc and (warnings(doc), locs(doc))))


def check_damage(tmp, t):
    cases = []
    img = open(os.path.join(tmp, "le.jffs2"), "rb").read()
    nodes = jffs2_nodes(img, False)
    d = jffs2_dirents(img, False)
    key_ino = d["server.key"][2]
    # Truncated in the middle of a node of the log.
    mid = next(p for p, ty, n in nodes if ty == 0xe002 and p > len(img) // 2) + 30
    cases.append(("trunc.jffs2", img[:mid], "truncated", {"privkey.pkcs8"}))
    # The key's data node with a byte of its data changed: data CRC.
    kp = next(p for p, ty, n in nodes if ty == 0xe002 and struct.unpack("<I", img[p + 12:p + 16])[0]
              == key_ino and struct.unpack("<I", img[p + 48:p + 52])[0] > 0)
    bad = bytearray(img)
    bad[kp + 70] ^= 0xff
    cases.append(("crc.jffs2", bytes(bad), "data CRC", {"github.pat.classic"}))
    # Garbage between two nodes.
    cut = nodes[len(nodes) // 2][0]
    cases.append(("junk.jffs2", img[:cut] + b"\x5a" * 64 + img[cut:], "not JFFS2 nodes",
                  {"privkey.pkcs8", "github.pat.classic"}))

    cimg = open(os.path.join(tmp, "le.cramfs"), "rb").read()
    cases.append(("trunc.cramfs", cimg[:len(cimg) * 2 // 3], "truncated", set()))
    blk = bytearray(cimg)
    logpos = cimg.index(b"app.log") - 12
    w2 = struct.unpack("<I", cimg[logpos + 8:logpos + 12])[0]
    ptrs = (w2 >> 6) * 4
    first = ptrs + 4 * ((len(t["log"]) + 4095) // 4096)
    for i in range(first + 10, first + 40):
        blk[i] ^= 0x55
    cases.append(("block.cramfs", bytes(blk), "does not decode", {"privkey.pkcs8",
                                                                  "github.pat.classic"}))
    loop = bytearray(cimg)
    etc = cimg.index(b"etc\0", 76) - 12
    w2 = struct.unpack("<I", cimg[etc + 8:etc + 12])[0]
    struct.pack_into("<I", loop, etc + 8, (w2 & 0x3f) | (76 // 4) << 6)  # etc -> the root's entries
    cases.append(("loop.cramfs", bytes(loop), "a loop", {"github.pat.classic"}))

    rimg = open(os.path.join(tmp, "img.romfs"), "rb").read()
    cases.append(("trunc.romfs", rimg[:len(rimg) // 2], "truncated", {"privkey.pkcs8"}))
    sumbad = bytearray(rimg)
    h = rimg.index(b"server.key\0") - 16
    sumbad[h + 12] ^= 1
    cases.append(("sum.romfs", bytes(sumbad), "bad checksum", {"privkey.pkcs8",
                                                                "github.pat.classic"}))
    rloop = bytearray(rimg)
    struct.pack_into(">I", rloop, h, (h - 16 * 8) & ~15 | (rimg[h + 3] & 15))
    cases.append(("loop.romfs", bytes(rloop), "seen before", {"privkey.pkcs8"}))

    for name, data, words, rules in cases:
        with open(os.path.join(tmp, name), "wb") as f:
            f.write(data)
        fmt = name.split(".")[1]
        try:
            rc, doc, err = scan([name], tmp)
        except subprocess.TimeoutExpired:
            check(f"{name}: scanned within 60 s", False)
            continue
        ws = warnings(doc) if doc else []
        check(f"{name}: a warning names the image, '{fmt} at offset 0x..' and '{words}'",
              any(w.startswith(f"{name}: {fmt} at offset 0x") and words in w for w in ws),
              (rc, err, ws))
        found = {f["rule_id"] for f in doc["findings"]} if doc else set()
        check(f"{name}: what can still be read is scanned ({sorted(rules)})", rules <= found,
              (found, ws))
        rc2, _, err2 = scan(["--strict", name], tmp)
        check(f"{name}: --strict makes the damage an error (exit 2)", rc2 == 2, (rc2, err2))


def check_carved(tmp, t):
    rnd = random.Random(7)
    for name in ["be.jffs2", "le.cramfs", "img.romfs"]:
        img = open(os.path.join(tmp, name), "rb").read()
        blob = bytes(rnd.getrandbits(8) for _ in range(0x3000)) + img + bytes(
            rnd.getrandbits(8) for _ in range(5000))
        out = "carved-" + name.replace(".", "-") + ".bin"
        with open(os.path.join(tmp, out), "wb") as f:
            f.write(blob)
        rc, doc, err = scan([out], tmp)
        fmt = name.split(".")[1]
        check(f"{out}: the {fmt} image is carved out at 0x3000, both secrets at their paths",
              doc and locs(doc) == expected(f"{out}!{fmt}@0x3000:", t),
              (rc, err, doc and locs(doc)))


def main():
    for tool in ("mkfs.jffs2", "mkfs.cramfs", "genromfs", "openssl"):
        if not shutil.which(tool) and not os.path.exists("/usr/sbin/" + tool):
            print(f"skip: {tool} not found")
            sys.exit(77)
    os.environ["PATH"] += ":/usr/sbin:/sbin"
    tmp = tempfile.mkdtemp(prefix="keysift-flashfs-")
    try:
        t = make_tree(os.path.join(tmp, "tree"))
        check_images(tmp, t)
        check_jffs2_xattr(tmp, t)
        check_jffs2_versions(tmp, t)
        check_damage(tmp, t)
        check_carved(tmp, t)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{failures} failure(s)")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
