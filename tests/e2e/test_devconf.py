#!/usr/bin/env python3
"""End-to-end check of the device configuration rules inside firmware images.

usage: test_devconf.py KEYSIFT_BINARY CORPUS_DIR

corpus/providers/devconf/ holds the root file systems of three devices (openwrt/, gateway/,
camera/) and defaults/, the same kinds of files as a clean factory image ships them. Many of the
rules (rules/device-config.yaml) apply only to a file's path (/etc/config/wireless, chap-secrets,
/root/.ssh/authorized_keys, nvram.ini), and inside an image the path is the member's. This test
packs each root file system the way firmware does, with the real tools (mksquashfs: SquashFS
with xz; cpio newc and gzip: an initramfs), scans each image, and checks that keysift reports
exactly the rows of corpus/providers/devconf.tsv for that device, at the member's path and line,
and nothing for defaults/ (exit status 0). The four trees committed to a git repository must give
the same rows in a history scan (`--git`), where paths are judged after the scan.

Exit status: 0 all as expected; 1 a mismatch or an unexpected keysift exit status; 2 bad usage
or a missing tool. Standard library only.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile

DEVICES = ["openwrt", "gateway", "camera"]
PREFIX = "providers/devconf/"
SCAN_TIMEOUT_S = 300


def fail_setup(msg):
    print(f"test_devconf: {msg}", file=sys.stderr)
    sys.exit(2)


def expected_rows(corpus_dir):
    """{device: {(member path, line, rule_id)}} from providers/devconf.tsv."""
    rows = {d: set() for d in DEVICES}
    header = False
    with open(os.path.join(corpus_dir, "providers", "devconf.tsv"), encoding="utf-8") as f:
        for raw in f.read().splitlines():
            if not raw.strip() or raw.startswith("#"):
                continue
            fields = raw.split("\t")
            if not header:
                header = True
                continue
            path, line, rule = fields[0], int(fields[1]), fields[2]
            if not path.startswith(PREFIX):
                fail_setup(f"row outside {PREFIX}: {raw!r}")
            device, _, member = path[len(PREFIX):].partition("/")
            if device not in rows:
                fail_setup(f"row for an unknown device: {raw!r}")
            rows[device].add(("/" + member, line, rule))
    if not all(rows.values()):
        fail_setup("a device has no expected rows in providers/devconf.tsv")
    return rows


def run(cmd, **kw):
    try:
        return subprocess.run(cmd, check=False, capture_output=True, timeout=SCAN_TIMEOUT_S, **kw)
    except FileNotFoundError:
        fail_setup(f"cannot run {cmd[0]}")
    except subprocess.TimeoutExpired:
        print(f"FAIL: {' '.join(cmd)} did not finish within {SCAN_TIMEOUT_S} s")
        sys.exit(1)


def make_squashfs(src, out):
    p = run(["mksquashfs", src, out, "-comp", "xz", "-noappend", "-quiet", "-all-root"])
    if p.returncode != 0:
        fail_setup(f"mksquashfs {src}: {p.stderr.decode(errors='replace').strip()}")


def make_initramfs(src, out):
    names = []
    for root, dirs, files in os.walk(src):
        dirs.sort()
        for n in sorted(dirs + files):
            names.append(os.path.relpath(os.path.join(root, n), src))
    cpio = run(["cpio", "-o", "-H", "newc", "--quiet", "-R", "0:0"], cwd=src,
               input="\n".join(names).encode() + b"\n")
    if cpio.returncode != 0:
        fail_setup(f"cpio: {cpio.stderr.decode(errors='replace').strip()}")
    gz = run(["gzip", "-9", "-n", "-c"], input=cpio.stdout)
    if gz.returncode != 0:
        fail_setup("gzip failed")
    with open(out, "wb") as f:
        f.write(gz.stdout)


def scan(binary, image):
    """(exit status, {(member path, line, rule_id)}) of one image, and the findings' secrets."""
    p = run([binary, "scan", "--format", "jsonl", "--threads", "2", image])
    found, secrets = set(), []
    for raw in p.stdout.decode("utf-8", errors="replace").splitlines():
        f = json.loads(raw)
        secrets.append(f.get("secret", ""))
        for loc in f["locations"]:
            # IMAGE:/member, or IMAGE!gzip:/member for the initramfs
            path = loc["path"]
            rest = path[len(image):] if path.startswith(image) else ""
            if rest.startswith("!gzip"):
                rest = rest[len("!gzip"):]
            member = rest[1:] if rest.startswith(":/") else path
            found.add((member, loc.get("line"), f["rule_id"]))
    return p.returncode, found, secrets, p.stderr.decode("utf-8", errors="replace")


def main(argv):
    if len(argv) != 3:
        fail_setup("usage: test_devconf.py KEYSIFT_BINARY CORPUS_DIR")
    binary, corpus_dir = argv[1], argv[2]
    for tool in ("mksquashfs", "cpio", "gzip"):
        if not shutil.which(tool):
            fail_setup(f"{tool} is not installed (see README, Setup)")
    expected = expected_rows(corpus_dir)
    root = os.path.join(corpus_dir, "providers", "devconf")
    problems = []
    with tempfile.TemporaryDirectory(prefix="keysift-devconf-") as tmp:
        images = []
        for device in DEVICES:
            img = os.path.join(tmp, device + ".sqfs")
            make_squashfs(os.path.join(root, device), img)
            images.append((img, device))
        # The camera's root as an initramfs too: a path inside a cpio archive.
        img = os.path.join(tmp, "camera.cpio.gz")
        make_initramfs(os.path.join(root, "camera"), img)
        images.append((img, "camera"))
        for img, device in images:
            rc, found, secrets, err = scan(binary, img)
            name = os.path.basename(img)
            if rc != 1:
                problems.append(f"{name}: keysift exited {rc}, expected 1 (findings)\n{err}")
            for row in sorted(expected[device] - found):
                problems.append(f"{name}: missing {row[0]}:{row[1]} {row[2]}")
            for row in sorted(found - expected[device], key=str):
                problems.append(f"{name}: unexpected {row[0]}:{row[1]} {row[2]}")
            for s in secrets:
                if "\u2026" not in s and len(s) >= 12:
                    problems.append(f"{name}: a secret is not redacted ({len(s)} chars)")
        # The same files in a git history: a blob's paths are known only after the scan, so
        # each path-restricted match is settled then against the other rules' (one finding a
        # place, the file's own rule kept), and dropped where its path does not hold.
        repo = os.path.join(tmp, "repo")
        os.mkdir(repo)
        for device in DEVICES + ["defaults"]:
            shutil.copytree(os.path.join(root, device), os.path.join(repo, device))
        env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.test",
                   GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.test")
        for cmd in (["git", "init", "-q"], ["git", "add", "-A"],
                    ["git", "commit", "-q", "-m", "device roots"]):
            g = run(cmd, cwd=repo, env=env)
            if g.returncode != 0:
                fail_setup(f"{' '.join(cmd)}: {g.stderr.decode(errors='replace').strip()}")
        p = run([binary, "scan", "--git", "--format", "jsonl", "--threads", "2", repo])
        found = set()
        for raw in p.stdout.decode("utf-8", errors="replace").splitlines():
            f = json.loads(raw)
            for loc in f["locations"]:
                found.add((loc["path"], loc.get("line"), f["rule_id"]))
        want = {(d + m, line, rule) for d in DEVICES for m, line, rule in expected[d]}
        if p.returncode != 1:
            problems.append(f"git history: keysift exited {p.returncode}, expected 1")
        for row in sorted(want - found):
            problems.append(f"git history: missing {row[0]}:{row[1]} {row[2]}")
        for row in sorted(found - want, key=str):
            problems.append(f"git history: unexpected {row[0]}:{row[1]} {row[2]}")

        img = os.path.join(tmp, "defaults.sqfs")
        make_squashfs(os.path.join(root, "defaults"), img)
        rc, found, _, err = scan(binary, img)
        if rc != 0 or found:
            problems.append(f"defaults.sqfs: exit {rc}, expected 0 with no findings; found "
                            + ", ".join(f"{p}:{l} {r}" for p, l, r in sorted(found, key=str)))
    for p in problems:
        print("FAIL: " + p)
    if problems:
        return 1
    n = sum(len(v) for v in expected.values())
    print(f"devconf: {len(images)} images and a git history, {n} expected locations found, "
          "nothing else; defaults clean")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
