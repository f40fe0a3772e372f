#!/usr/bin/env python3
"""End-to-end tests of mapped input and bounded memory.

usage: test_robust_mem.py KEYSIFT_BINARY truncate|sparse|archives

truncate  A file that shrinks while it is scanned. keysift maps a binary file
          to unpack it; truncating the file made the next touch of a page past
          the new end kill the scan with SIGBUS (exit 135). Each case starts a
          real scan, waits until keysift has the file mapped (or, for a text
          file read in chunks, open), truncates it to 1000 bytes, and checks:
          no crash, a warning naming the file as changed during the scan,
          exit 0/1 as for any read error and 2 with --strict, and that the
          other files of a directory are still scanned. Repeated a few times.
sparse    A 4 GiB sparse file (all zeros) peaked at 4.2 GB RSS: every page of
          the mapping stayed resident. Peak RSS of the scan must stay under
          the limit, and the whole file must be scanned.
archives  A directory of large archives (tar.gz, zip, tar.zst, .deb with
          data.tar.xz) built from files of /usr/lib: decoded members were held
          whole in growing buffers (the apt cache peaked at 585 MB). Peak RSS
          must stay under the limit, and a token planted at the end of the
          largest member of every archive must be found in each.

The limit is 256 MB, or $KEYSIFT_TEST_RSS_MB (the sanitizer build's shadow
memory needs more). Exit status 0 when every check passes, 1 otherwise.
"""

import glob
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time

KEYSIFT = os.path.abspath(sys.argv[1])
LIMIT_MB = int(os.environ.get("KEYSIFT_TEST_RSS_MB", "256"))
failures = 0

TOKEN_LINE = b'GITHUB_TOKEN = "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"\n'


def check(name, ok, detail=""):
    global failures
    if ok:
        print("ok   " + name)
    else:
        failures += 1
        print("FAIL " + name + (("\n     " + str(detail)[:3000]) if detail else ""))
    sys.stdout.flush()


def parse(out):
    try:
        return json.loads(out)
    except ValueError:
        return None


def scan_measured(args, cwd):
    """A scan as its own child: exit status, JSON report, stderr, peak RSS (KB)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        pid = os.fork()
        if pid == 0:
            os.chdir(cwd)
            os.dup2(out.fileno(), 1)
            os.dup2(err.fileno(), 2)
            os.execv(KEYSIFT, [KEYSIFT, "scan", "-q", "--format", "json"] + args)
        _, status, ru = os.wait4(pid, 0)
        out.seek(0)
        err.seek(0)
        return (os.waitstatus_to_exitcode(status), parse(out.read()),
                err.read().decode(errors="replace"), ru.ru_maxrss)


def write_random(path, size):
    with open(path, "wb") as f:
        left = size
        while left:
            n = min(left, 16 << 20)
            f.write(os.urandom(n))
            left -= n


def in_use(pid, path, how):
    """Is `path` mapped by pid (how == "map"), or open with its offset past
    the first chunk (how == "read")?"""
    try:
        if how == "map":
            with open(f"/proc/{pid}/maps") as f:
                return any(line.rstrip("\n").endswith(" " + path) for line in f)
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") != path:
                    continue
                with open(f"/proc/{pid}/fdinfo/{fd}") as f:
                    pos = int(f.readline().split()[1])
                if pos > (4 << 20):
                    return True
            except OSError:
                continue
    except OSError:
        pass
    return False


def scan_truncating(args, cwd, victim, how):
    """Start a scan, truncate `victim` to 1000 bytes once keysift uses it.
    Returns exit status, JSON report, stderr, and whether the truncation came
    while the scan was still running."""
    p = subprocess.Popen([KEYSIFT, "scan", "-q", "--format", "json"] + args, cwd=cwd,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 600
    seen = False
    while p.poll() is None and time.time() < deadline:
        if in_use(p.pid, victim, how):
            seen = True
            break
        time.sleep(0.002)
    during = seen and p.poll() is None
    os.truncate(victim, 1000)
    out, err = p.communicate(timeout=300)
    return p.returncode, parse(out), err.decode(errors="replace"), during


def changed_warning(doc, name):
    return doc is not None and any(
        w["path"] == name and "changed during the scan" in w["message"] for w in doc["warnings"])


def test_truncate(tmp):
    for i in range(3):
        path = os.path.join(tmp, "s.bin")
        write_random(path, 300 << 20)
        rc, doc, err, during = scan_truncating(["s.bin"], tmp, path, "map")
        check(f"run {i + 1}: truncated while mapped (the scan was still running)", during)
        check(f"run {i + 1}: no crash: exit 0 or 1, not SIGBUS (exit {rc})", rc in (0, 1), err)
        check(f"run {i + 1}: a warning names s.bin as changed during the scan",
              changed_warning(doc, "s.bin"), doc and doc["warnings"])

    path = os.path.join(tmp, "s.bin")
    write_random(path, 300 << 20)
    rc, doc, err, during = scan_truncating(["--strict", "s.bin"], tmp, path, "map")
    check(f"--strict: the incomplete scan is an error (exit {rc}, want 2)", during and rc == 2, err)

    # A large binary inside a directory: the other files are still scanned.
    d = os.path.join(tmp, "dir")
    os.makedirs(d)
    big = os.path.join(d, "big.bin")
    write_random(big, 200 << 20)
    with open(os.path.join(d, "settings.py"), "wb") as f:
        f.write(TOKEN_LINE)
    rc, doc, err, during = scan_truncating(["dir"], tmp, big, "map")
    check(f"directory: truncated while mapped, no crash (exit {rc}, want 1: a finding)",
          during and rc == 1, err)
    check("directory: a warning names dir/big.bin as changed during the scan",
          changed_warning(doc, "dir/big.bin"), doc and doc["warnings"])
    paths = {l["path"] for f in (doc or {}).get("findings", []) for l in f["locations"]}
    check("directory: the token in dir/settings.py is still found", "dir/settings.py" in paths,
          paths)

    # A text file is read in chunks, not mapped: it ends early, and says so.
    text = os.path.join(tmp, "big.log")
    line = b"2025-01-01T00:00:00 service started, listening on port 8080, worker pool ready\n"
    with open(text, "wb") as f:
        f.write(line * ((200 << 20) // len(line)))
    rc, doc, err, during = scan_truncating(["big.log"], tmp, text, "read")
    if during:
        check(f"text read in chunks: truncated while read, exit {rc}", rc in (0, 1), err)
        check("text read in chunks: a warning names big.log as changed during the scan",
              changed_warning(doc, "big.log"), doc and doc["warnings"])
    else:
        print("skip text read in chunks: the scan ended before the file could be truncated")


def test_sparse(tmp):
    path = os.path.join(tmp, "sparse.bin")
    with open(path, "wb") as f:
        f.truncate(4 << 30)
    t0 = time.time()
    rc, doc, err, rss = scan_measured(["sparse.bin"], tmp)
    took = time.time() - t0
    check(f"4 GiB sparse file: exit 0 (exit {rc})", rc == 0 and doc is not None, err)
    check("4 GiB sparse file: every byte scanned",
          doc is not None and doc["summary"]["bytes"] == 4 << 30, doc and doc["summary"])
    check(f"4 GiB sparse file: peak RSS {rss // 1024} MB < {LIMIT_MB} MB ({took:.1f} s)",
          rss < LIMIT_MB * 1024)


def pool_of(patterns, lo, hi):
    """Files of the first pattern that has a few (not a walk of all /usr/lib)."""
    files = []
    for pat in patterns:
        files = [p for p in sorted(glob.glob(pat, recursive=True))
                 if os.path.isfile(p) and not os.path.islink(p) and lo <= os.path.getsize(p) <= hi]
        if len(files) >= 20:
            break
    return files


def bundle(path, pool, size, tail=b""):
    """Real files one after another, to `size` bytes (cycling when the pool
    is small), then `tail`."""
    n = 0
    with open(path, "wb") as o:
        i = 0
        while n < size:
            with open(pool[i % len(pool)], "rb") as f:
                d = f.read()
            o.write(d)
            n += len(d)
            i += 1
        o.write(tail)


def test_archives(tmp):
    text = pool_of(["/usr/lib/python3*/**/*.py",
                    os.path.join(sysconfig.get_paths()["stdlib"], "**", "*.py")], 1024, 1 << 20)
    binary = pool_of(["/usr/lib/x86_64-linux-gnu/*.so*", "/usr/lib/*/*.so*", "/usr/lib/*.so*"],
                     65536, 8 << 20)
    check(f"/usr/lib has files to build archives from ({len(text)} .py, {len(binary)} .so)",
          text and binary)
    if not text or not binary:
        return
    src = os.path.join(tmp, "src")
    os.makedirs(os.path.join(src, "app"))
    os.makedirs(os.path.join(src, "lib"))
    # One large text member (the token at its very end, past every release
    # point) and one binary member; each archive adds a file of its own.
    bundle(os.path.join(src, "app", "big.py"), text, 120 << 20, b"\n" + TOKEN_LINE)
    bundle(os.path.join(src, "lib", "libbundle.so"), binary, 12 << 20)
    out = os.path.join(tmp, "archives")
    os.makedirs(out)
    t0 = time.time()
    kinds = ["tar.gz", "zip", "tar.zst", "deb", "tar.gz", "zip"]
    names = []
    for i, kind in enumerate(kinds):
        with open(os.path.join(src, "id.txt"), "w") as f:
            f.write(f"archive {i}\n")
        name = f"a{i}.{kind}"
        dst = os.path.join(out, name)
        if kind == "tar.gz":
            subprocess.run(f"tar -C {src} -cf - app lib id.txt | gzip -1 > {dst}", shell=True,
                           check=True)
        elif kind == "tar.zst":
            subprocess.run(f"tar -C {src} -cf - app lib id.txt | zstd -q -1 -o {dst}", shell=True,
                           check=True)
        elif kind == "zip":
            subprocess.run(["zip", "-q", "-1", "-r", dst, "app", "lib", "id.txt"], cwd=src,
                           check=True)
        else:
            pkg = os.path.join(tmp, "pkg")
            os.makedirs(os.path.join(pkg, "DEBIAN"), exist_ok=True)
            with open(os.path.join(pkg, "DEBIAN", "control"), "w") as f:
                f.write("Package: keysift-test\nVersion: 1\nArchitecture: amd64\n"
                        "Maintainer: t <t@example.com>\nDescription: test\n")
            for part in ("app", "lib", "id.txt"):
                os.rename(os.path.join(src, part), os.path.join(pkg, part))
            subprocess.run(["dpkg-deb", "-Zxz", "-z0", "--root-owner-group", "-b", pkg, dst],
                           check=True, stdout=subprocess.DEVNULL)
            for part in ("app", "lib", "id.txt"):
                os.rename(os.path.join(pkg, part), os.path.join(src, part))
        names.append(name)
    sizes = [os.path.getsize(os.path.join(out, n)) for n in names]
    print(f"     {len(names)} archives, {min(sizes) >> 20}-{max(sizes) >> 20} MB each, "
          f"built in {time.time() - t0:.1f} s")
    shutil.rmtree(src)

    t0 = time.time()
    rc, doc, err, rss = scan_measured(["archives"], tmp)
    took = time.time() - t0
    check(f"archives: scanned (exit {rc}, want 1: the planted tokens)", rc == 1 and doc, err)
    if not doc:
        return
    paths = {l["path"] for f in doc["findings"] if f["rule_id"] == "github.pat.classic"
             for l in f["locations"]}
    want = set(names)
    found = {n for n in want if any(p.startswith("archives/" + n) and p.endswith("/app/big.py")
                                    for p in paths)}
    check("archives: the token at the end of every archive's 120 MB member is found",
          found == want, sorted(paths))
    check("archives: every member decoded and scanned",
          doc["summary"]["files"] >= 3 * len(names) and
          doc["summary"]["bytes"] >= len(names) * (120 << 20), doc["summary"])
    check(f"archives: peak RSS {rss // 1024} MB < {LIMIT_MB} MB ({took:.1f} s)",
          rss < LIMIT_MB * 1024)


def main():
    what = sys.argv[2]
    tmp = tempfile.mkdtemp(prefix="keysift-robust-")
    try:
        # Compile the rules into the cache first, so that the timing of the
        # truncation does not depend on it (minutes under the sanitizers).
        open(os.path.join(tmp, "empty.txt"), "w").close()
        subprocess.run([KEYSIFT, "scan", "-q", "empty.txt"], cwd=tmp, check=True,
                       stdout=subprocess.DEVNULL)
        os.unlink(os.path.join(tmp, "empty.txt"))
        {"truncate": test_truncate, "sparse": test_sparse, "archives": test_archives}[what](tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{failures} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
