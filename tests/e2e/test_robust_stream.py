#!/usr/bin/env python3
"""End-to-end tests of large streams and cut archive members.

usage: test_robust_stream.py KEYSIFT_BINARY [TEST_NAME...]

Builds every input with real tools (gzip, xz, zstd, tar, cpio, zip, ar,
dpkg-deb) or Python's own archive modules in a temporary directory, then
checks that:

- a .gz of 297 MB of text with a secret on its last line (larger than the
  default --max-file-size of 256 MB) is scanned to its end, in peak RSS
  under 256 MB, with no warning;
- a tar inside a .tar.gz, .tar.zst and a .deb's data.tar.xz larger than what
  is held in memory is still unpacked (members are found by their path,
  also past the 16 MB held and with --max-file-size smaller than them);
- a zip member larger than --max-file-size is scanned whole;
- binary bytes of a large decoded stream are unpacked like a file (a zip
  carved from the middle of a 40 MB .bin.gz);
- budgets still stop bombs: a gzip of 2 GB of zeros stops at --max-ratio,
  and at --max-expanded, with a warning, in bounded time and memory;
- a 100 KB member cut at 50 % in a tar, a cpio (newc) and a zip, with a
  secret in its first quarter, is found, with one warning naming the member
  and where it was cut; the same for a cpio entry whose size says
  0xFFFFFFFF; --strict makes the damage exit 2.

Exit status 0 when every check passes, 1 otherwise.
"""

import io
import json
import os
import random
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
import zlib

KEYSIFT = os.path.abspath(sys.argv[1])
# Peak RSS allowed (MB): 256, the target; sanitizer builds raise it.
RSS_MB = int(os.environ.get("KEYSIFT_TEST_RSS_MB", "256"))
failures = 0

def aws_line(tag):
    """A line with a FAKE AWS secret access key of 40 characters, its first
    eight unique to `tag`, so a finding names its fixture."""
    body = (tag.upper().replace(".", "").replace("-", "") + "Qz8rT4vW9xY2pL6mN3bV7cX1kJ5hG0fD8sA4")[:40]
    return ('aws_secret_access_key = "%s"\n' % body).encode(), body


def check(name, ok, detail=""):
    global failures
    if ok:
        print("ok   " + name)
    else:
        failures += 1
        print("FAIL " + name + (("\n     " + str(detail)[:3000]) if detail else ""))


def scan(args, cwd, timeout=300):
    """keysift: exit code, JSON document, stderr."""
    r = subprocess.run([KEYSIFT, "scan", "-q", "--format", "json", "-j", "2"] + args, cwd=cwd,
                       capture_output=True, timeout=timeout)
    try:
        doc = json.loads(r.stdout)
    except ValueError:
        doc = None
    return r.returncode, doc, r.stderr.decode(errors="replace")


def scan_rss(args, cwd, timeout=300):
    """As scan, with the peak RSS of the keysift process itself."""
    r, w = os.pipe()
    t0 = time.monotonic()
    pid = os.fork()
    if pid == 0:
        os.chdir(cwd)
        os.dup2(w, 1)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.execv(KEYSIFT, [KEYSIFT, "scan", "-q", "--format", "json", "-j", "2"] + args)
    os.close(w)
    chunks = []
    while True:
        b = os.read(r, 1 << 16)
        if not b:
            break
        chunks.append(b)
    os.close(r)
    _, status, ru = os.wait4(pid, 0)
    try:
        doc = json.loads(b"".join(chunks))
    except ValueError:
        doc = None
    return os.waitstatus_to_exitcode(status), doc, ru.ru_maxrss, time.monotonic() - t0


def located(doc, secret_prefix, path):
    """Is there a finding whose secret starts with secret_prefix at `path`?"""
    if not doc:
        return False
    for f in doc["findings"]:
        for l in f["locations"]:
            if l["path"] == path and f["secret"].startswith(secret_prefix[:8]):
                return True
    return False


def paths(doc):
    return sorted({l["path"] for f in (doc or {}).get("findings", []) for l in f["locations"]})


def log_text(size, seed):
    """`size` bytes of log-like text (compressible, not trivially)."""
    rnd = random.Random(seed)
    words = ["GET", "POST", "/api/v1/items", "200", "404", "user", "session", "cache", "miss",
             "hit", "worker", "started", "finished", "latency_ms", "bytes", "ok", "retry"]
    lines = []
    for i in range(4096):
        lines.append(("2026-12-03T13:%02d:%02d.%03dZ %s %s %s %s %d\n" % (
            i % 60, (i * 7) % 60, i % 1000, *rnd.sample(words, 4), rnd.randrange(1 << 30))).encode())
    block = b"".join(lines)
    reps, rest = divmod(size, len(block))
    return block * reps + block[:rest]


def write_log(path, size, seed, tail):
    """A text file of `size` bytes whose last line is `tail`, written in pieces."""
    with open(path, "wb") as f:
        block = log_text(1 << 20, seed)
        left = size - len(tail)
        while left > 0:
            k = min(left, len(block))
            f.write(block[:k])
            left -= k
        f.write(b"\n" + tail if not tail.startswith(b"\n") else tail)


def run(cmd, cwd, **kw):
    subprocess.run(cmd, cwd=cwd, check=True, **kw)


# ---------------------------------------------------------------------------
# 1. Large streams


def test_big_gz(d):
    line, sec = aws_line("biggz")
    src = os.path.join(d, "big.log")
    write_log(src, 297 * 1000 * 1000, 1, line)
    with open(os.path.join(d, "big.log.gz"), "wb") as out:
        run(["gzip", "-1", "-c", "big.log"], d, stdout=out)
    os.unlink(src)
    rc, doc, rss, took = scan_rss(["big.log.gz"], d)
    check("big.log.gz (297 MB of text): the secret on its last line is found",
          rc == 1 and located(doc, sec, "big.log.gz!gzip"), (rc, paths(doc)))
    check("big.log.gz: no warning (nothing cut, nothing skipped)",
          doc is not None and not doc["warnings"], doc and doc["warnings"])
    check(f"big.log.gz: peak RSS under {RSS_MB} MB ({rss // 1024} MB, {took:.1f} s)",
          0 < rss < RSS_MB * 1024, rss)
    check("big.log.gz: every decoded byte is counted",
          doc is not None and doc["summary"]["bytes"] >= 297 * 1000 * 1000,
          doc and doc["summary"])
    os.unlink(os.path.join(d, "big.log.gz"))


def make_tree(d, name, big_size, seed):
    """A tree: data/big.log (big_size bytes, a secret on its last line),
    then etc/secret.env (a second secret), so the second member comes after
    the large one in the archive."""
    root = os.path.join(d, name)
    os.makedirs(os.path.join(root, "data"))
    os.makedirs(os.path.join(root, "etc"))
    l1, s1 = aws_line(name + "big")
    l2, s2 = aws_line(name + "env")
    write_log(os.path.join(root, "data", "big.log"), big_size, seed, l1)
    with open(os.path.join(root, "etc", "secret.env"), "wb") as f:
        f.write(b"# service configuration\n" + l2)
    return root, s1, s2


def test_tar_streams(d):
    root, s1, s2 = make_tree(d, "app", 40 << 20, 2)
    members = ["data/big.log", "etc/secret.env"]
    run(["tar", "-cf", "app.tar", "-C", root] + members, d)
    with open(os.path.join(d, "app.tar.gz"), "wb") as out:
        run(["gzip", "-1", "-c", "app.tar"], d, stdout=out)
    run(["zstd", "-q", "-1", "-f", "app.tar", "-o", "app.tar.zst"], d)
    os.unlink(os.path.join(d, "app.tar"))
    for f, chain in [("app.tar.gz", "app.tar.gz!gzip"), ("app.tar.zst", "app.tar.zst!zstd")]:
        for extra in ([], ["--max-file-size", "16M"]):
            rc, doc, _ = scan(extra + [f], d)
            what = f"{f}{' ' + ' '.join(extra) if extra else ''}"
            check(f"{what}: the tar inside the large stream is unpacked: the secret at the end of "
                  f"its 40 MB member and the member after it are found",
                  rc == 1 and located(doc, s1, chain + ":/data/big.log")
                  and located(doc, s2, chain + ":/etc/secret.env"), (rc, paths(doc)))
            check(f"{what}: no warning", doc is not None and not doc["warnings"],
                  doc and doc["warnings"])
    shutil.rmtree(root)


def test_deb(d):
    """A real Debian package whose data.tar.xz decodes to more than is held."""
    pkg = os.path.join(d, "pkg")
    os.makedirs(os.path.join(pkg, "DEBIAN"))
    os.makedirs(os.path.join(pkg, "usr", "share", "app"))
    os.makedirs(os.path.join(pkg, "etc", "app"))
    with open(os.path.join(pkg, "DEBIAN", "control"), "w") as f:
        f.write("Package: keysift-fixture\nVersion: 1.0\nArchitecture: all\n"
                "Maintainer: Nobody <nobody@example.com>\nDescription: fixture\n")
    l1, s1 = aws_line("debbig")
    l2, s2 = aws_line("debenv")
    write_log(os.path.join(pkg, "usr", "share", "app", "data.log"), 40 << 20, 3, l1)
    with open(os.path.join(pkg, "etc", "app", "zz-secret.env"), "wb") as f:
        f.write(l2)
    run(["dpkg-deb", "-Zxz", "-z1", "--root-owner-group", "--build", "pkg", "app.deb"], d,
        stdout=subprocess.DEVNULL)
    shutil.rmtree(pkg)
    for extra in ([], ["--max-file-size", "16M"]):
        what = "app.deb" + (" " + " ".join(extra) if extra else "")
        rc, doc, _ = scan(extra + ["app.deb"], d)
        check(f"{what}: the data.tar.xz that decodes past what is held is unpacked: both "
              f"secrets found",
              rc == 1 and located(doc, s1, "app.deb:/data.tar.xz!xz:/usr/share/app/data.log")
              and located(doc, s2, "app.deb:/data.tar.xz!xz:/etc/app/zz-secret.env"),
              (rc, paths(doc)))
        check(f"{what}: no warning", doc is not None and not doc["warnings"],
              doc and doc["warnings"])


def test_zip_member(d):
    l1, s1 = aws_line("zipbig")
    write_log(os.path.join(d, "big.txt"), 30 << 20, 4, l1)
    run(["zip", "-q", "-1", "big.zip", "big.txt"], d)
    os.unlink(os.path.join(d, "big.txt"))
    rc, doc, _ = scan(["--max-file-size", "16M", "big.zip"], d)
    check("big.zip --max-file-size 16M (under its 9 MB, over its 30 MB member): the member is scanned to its end, not skipped",
          rc == 1 and located(doc, s1, "big.zip:/big.txt") and not doc["warnings"],
          (rc, paths(doc), doc and doc["warnings"]))


def test_binary_stream(d):
    """40 MB of binary bytes with a zip in the middle, gzipped: the decoded
    stream is past what is held, is not a container at its start, and is
    unpacked like a file (the zip carved, its member read)."""
    l1, s1 = aws_line("carved")
    zbuf = io.BytesIO()
    with zipfile.ZipFile(zbuf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("etc/keys.env", b"# keys\n" + l1)
    rnd = random.Random(5)
    pad = bytes(rnd.getrandbits(8) if i % 7 else 0 for i in range(1 << 16))
    with open(os.path.join(d, "blob.bin"), "wb") as f:
        for _ in range(20 << 4):
            f.write(pad)
        at = f.tell()
        f.write(zbuf.getvalue())
        for _ in range(20 << 4):
            f.write(pad)
    with open(os.path.join(d, "blob.bin.gz"), "wb") as out:
        run(["gzip", "-1", "-c", "blob.bin"], d, stdout=out)
    os.unlink(os.path.join(d, "blob.bin"))
    rc, doc, _ = scan(["blob.bin.gz"], d)
    check("blob.bin.gz (40 MB binary): the zip carved from the middle of the decoded stream is "
          "unpacked",
          rc == 1 and located(doc, s1, "blob.bin.gz!gzip!zip@0x%x:/etc/keys.env" % at),
          (rc, paths(doc)))


def test_bomb(d):
    """2 GB of zeros in about 2 MB of gzip: a stream, but the budgets hold."""
    c = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zero = bytes(1 << 20)
    with open(os.path.join(d, "zeros.gz"), "wb") as f:
        for _ in range(2048):
            f.write(c.compress(zero))
        f.write(c.flush())
    rc, doc, rss, took = scan_rss(["zeros.gz"], d)
    ok = doc is not None and doc["summary"]["budget_hits"] >= 1 and any(
        "--max-ratio" in w["message"] and w["path"].startswith("zeros.gz") for w in doc["warnings"])
    check("zeros.gz (2 GB of zeros): stopped by --max-ratio, with a warning naming it",
          rc == 0 and ok, (rc, doc and doc["warnings"]))
    check(f"zeros.gz: in bounded time and memory ({took:.1f} s, peak RSS {rss // 1024} MB)",
          took < 120 and 0 < rss < RSS_MB * 1024, (took, rss))
    rc, doc, err = scan(["--max-ratio", "0", "--max-expanded", "100M", "zeros.gz"], d)
    check("zeros.gz --max-ratio 0 --max-expanded 100M: stopped by --max-expanded",
          rc == 0 and doc is not None and any("--max-expanded" in w["message"]
                                              for w in doc["warnings"]),
          (rc, doc and doc["warnings"], err))


def test_gzip_member_edge(d):
    """Two gzip members, the second header starting 1 or 2 bytes before the
    end of the first 1 MiB piece the decoder reads from the file: one
    stream, both members decoded."""
    import gzip
    for edge in (1, 2):
        lo, hi, m1 = 1, 1 << 20, None
        while lo <= hi:  # a stored member of exactly 1 MiB - edge bytes
            n = (lo + hi) // 2
            m = gzip.compress(random.Random(n).randbytes(n), compresslevel=0, mtime=0)
            if len(m) == (1 << 20) - edge:
                m1 = m
                break
            lo, hi = (n + 1, hi) if len(m) < (1 << 20) - edge else (lo, n - 1)
        line, sec = aws_line("edge%d" % edge)
        name = "edge%d.gz" % edge
        with open(os.path.join(d, name), "wb") as f:
            f.write(m1 + gzip.compress(line, mtime=0))
        rc, doc, _ = scan([name], d)
        check(f"{name}: the member after the 1 MiB read boundary is decoded in the same stream",
              m1 is not None and rc == 1 and located(doc, sec, name + "!gzip"), (rc, paths(doc)))


# ---------------------------------------------------------------------------
# 2. Members cut short


def member_body(tag):
    """100 KB of text with a secret in its first quarter (at byte 20000)."""
    line, sec = aws_line(tag)
    body = log_text(100 * 1024, 6)
    at = 20000
    return body[:at] + b"\n" + line + body[at + 1 + len(line):], sec


def cut_at(data, member_start, member_len):
    return data[:member_start + member_len // 2]


def test_cut_members(d):
    for kind in ("tar", "cpio", "zip"):
        body, sec = member_body("cut" + kind)
        src = os.path.join(d, "src-" + kind)
        os.makedirs(src)
        with open(os.path.join(src, "config.env"), "wb") as f:
            f.write(body)
        arc = os.path.join(d, "whole." + kind)
        if kind == "tar":
            run(["tar", "-cf", arc, "config.env"], src)
        elif kind == "cpio":
            with open(arc, "wb") as out:
                run(["cpio", "-o", "-H", "newc", "--quiet"], src, input=b"config.env\n", stdout=out)
        else:
            run(["zip", "-q", "-0", arc, "config.env"], src)
        data = open(arc, "rb").read()
        start = data.find(body[:256])
        assert start > 0, kind
        name = "cut." + kind
        with open(os.path.join(d, name), "wb") as f:
            f.write(cut_at(data, start, len(body)))
        rc, doc, err = scan([name], d)
        warns = [w for w in (doc or {}).get("warnings", []) if "config.env" in w["message"]]
        check(f"{name}: the secret in the first quarter of the member cut at 50 % is found",
              rc == 1 and located(doc, sec, name + ":/config.env"), (rc, paths(doc), err))
        check(f"{name}: one warning names the member and where it was cut",
              len(warns) == 1 and "cut at byte %d" % (len(body) // 2) in warns[0]["message"]
              and warns[0]["path"].startswith(name), doc and doc["warnings"])
        rc, _, _ = scan(["--strict", name], d)
        check(f"{name}: --strict makes the damage an error (exit 2)", rc == 2, rc)
        shutil.rmtree(src)

    # A zip deflated and cut in the middle of the member's compressed data.
    body, sec = member_body("cutdeflate")
    zbuf = io.BytesIO()
    with zipfile.ZipFile(zbuf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("config.env", body)
    data = zbuf.getvalue()
    with open(os.path.join(d, "cutdeflate.zip"), "wb") as f:
        f.write(data[:len(data) // 2])
    rc, doc, err = scan(["cutdeflate.zip"], d)
    warns = [w for w in (doc or {}).get("warnings", []) if "config.env" in w["message"]]
    check("cutdeflate.zip: the deflated member cut at 50 %: its secret is found, one warning",
          rc == 1 and located(doc, sec, "cutdeflate.zip:/config.env") and len(warns) == 1
          and "is cut at byte" in warns[0]["message"], (rc, paths(doc), doc and doc["warnings"]))

    # A cpio (newc) entry whose header says 0xFFFFFFFF bytes.
    body, sec = member_body("cpiohuge")
    name = b"config.env\0"
    hdr = b"070701" + b"".join(b"%08X" % v for v in (
        1, 0o100644, 0, 0, 1, 0, 0xFFFFFFFF, 0, 0, 0, 0, len(name), 0)) + name
    hdr += b"\0" * (-len(hdr) % 4)
    with open(os.path.join(d, "huge.cpio"), "wb") as f:
        f.write(hdr + body)
    rc, doc, err = scan(["huge.cpio"], d)
    warns = [w for w in (doc or {}).get("warnings", []) if "config.env" in w["message"]]
    check("huge.cpio (size 0xFFFFFFFF): the bytes that are there are scanned, with one warning",
          rc == 1 and located(doc, sec, "huge.cpio:/config.env") and len(warns) == 1
          and "cut at byte %d of 4294967295" % len(body) in warns[0]["message"],
          (rc, paths(doc), doc and doc["warnings"]))


def main():
    for tool in ("gzip", "zstd", "tar", "cpio", "zip", "dpkg-deb"):
        if not shutil.which(tool):
            print(f"test_robust_stream: {tool} not found (scripts/install-deps installs it)",
                  file=sys.stderr)
            return 1
    with tempfile.TemporaryDirectory(prefix="keysift-stream-") as d:
        tests = (test_cut_members, test_zip_member, test_tar_streams, test_deb,
                 test_binary_stream, test_gzip_member_edge, test_bomb, test_big_gz)
        only = sys.argv[2:]  # names of tests to run, when iterating
        for t in tests:
            if only and t.__name__ not in only:
                continue
            sub = os.path.join(d, t.__name__)
            os.makedirs(sub)
            t(sub)
            shutil.rmtree(sub)
    print("test_robust_stream: %s" % ("ok" if failures == 0 else "%d failures" % failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
