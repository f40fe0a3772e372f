#!/usr/bin/env python3
"""Firmware benchmark: keysift on a SquashFS or ext4 image against extract-then-grep.

Builds, once (cached under /tmp/bench/<name>), a firmware-like image: a
SquashFS (--fs squashfs) or an ext4 file system of --image-mb (--fs ext4,
mke2fs -d) of the shared source tree (../shared/bench/gen_corpus.py src) and of
the shared binary corpus (gen_corpus.py bin: gcc-built ELF programs, some
stripped, and binary blobs). Then times, in the same run, with the same
thread count and a warm page cache:

  keysift scan IMAGE                     (full default ruleset, unpacking the image)
  unsquashfs -d DIR IMAGE, or            (extract to disk ...)
  debugfs -R "rdump / DIR" IMAGE, then
  rg -c -uuu --no-unicode -f patterns20.txt DIR   (... then grep what was extracted)

and reports the median wall time of each, keysift's peak RSS (target: under
256 MB) and the ratio (target: keysift faster than extract+grep), and
keysift's recall on the secrets planted in both trees, by the path inside the
image and the line (text) or byte offset (binaries).

With --ubifs, the same tree is also packed as UBIFS (mkfs.ubifs, --ubifs-comp) inside a UBI
image (ubinize, one dynamic volume), and keysift's scan of the UBI image is timed against its
scan of the SquashFS image, interleaved (target: UBIFS at most 1.5 times the SquashFS time, peak
RSS under 256 MB both), with recall on the UBI image.

usage: bench_fw.py [--keysift build/keysift] [--src-mb 1500] [--comp gzip] [--runs 3] [--threads 2]
                   [--ubifs [--ubifs-comp lzo]]
       bench_fw.py --fs ext4 [--name fwext512] [--src-mb 307] [--image-mb 512] [--runs 3]
"""
import argparse
import collections
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SHARED = os.environ.get("KEYSIFT_SHARED", os.path.join(os.path.dirname(ROOT), "shared"))
GEN = os.path.join(SHARED, "bench", "gen_corpus.py")
sys.path.insert(0, HERE)
from bench_src import timed  # noqa: E402  (wall time, the child's own peak RSS, exit code)


def stage_tree(a, base):
    """The image's tree, as hard links to the generated trees (no copy)."""
    for kind, name, extra in (("src", a.name + "-src", ["--size-mb", str(a.src_mb)]),
                              ("bin", a.name + "-bin", [])):
        if not os.path.isdir(os.path.join("/tmp/bench", name, "tree")):
            subprocess.run([sys.executable, GEN, kind, "--name", name] + extra, check=True,
                           stdout=subprocess.DEVNULL)
    stage = os.path.join(base, "root")
    shutil.rmtree(stage, ignore_errors=True)
    os.makedirs(stage)
    subprocess.run(["cp", "-al", os.path.join("/tmp/bench", a.name + "-src", "tree"),
                    os.path.join(stage, "src")], check=True)
    subprocess.run(["cp", "-al", os.path.join("/tmp/bench", a.name + "-bin", "tree"),
                    os.path.join(stage, "bin")], check=True)
    return stage


def build(a):
    base = os.path.join("/tmp/bench", a.name)
    image = os.path.join(base, "image.sqfs" if a.fs == "squashfs" else "image.ext4")
    if os.path.exists(image):
        return base, image
    shutil.rmtree(base, ignore_errors=True)
    stage = stage_tree(a, base)
    part = image + ".part"  # renamed when complete: a failed build is not reused
    if a.fs == "squashfs":
        subprocess.run(["mksquashfs", stage, part, "-comp", a.comp, "-noappend", "-quiet",
                        "-processors", str(a.threads)], check=True, stdout=subprocess.DEVNULL)
    else:
        subprocess.run(["mke2fs", "-q", "-F", "-t", "ext4", "-i", "4096", "-d", stage, part,
                        "%dM" % a.image_mb], check=True, stdout=subprocess.DEVNULL)
    os.rename(part, image)
    shutil.rmtree(stage)
    return base, image


def build_ubi(a, base):
    """The same tree as UBIFS in a UBI image (128 KiB PEBs, 2 KiB pages)."""
    image = os.path.join(base, "image-%s.ubi" % a.ubifs_comp)
    if os.path.exists(image):
        return image
    stage = stage_tree(a, base)
    total = int(subprocess.run(["du", "-sb", "--apparent-size", stage], check=True,
                               capture_output=True, text=True).stdout.split()[0])
    lebs = total * 13 // 10 // 126976 + 200
    fs = os.path.join(base, "image.ubifs")
    subprocess.run(["mkfs.ubifs", "-x", a.ubifs_comp, "-m", "2048", "-e", "126976", "-c",
                    str(lebs), "-r", stage, "-o", fs], check=True, stdout=subprocess.DEVNULL)
    ini = os.path.join(base, "ubinize.ini")
    with open(ini, "w") as f:
        f.write("[rootfs]\nmode=ubi\nimage=%s\nvol_id=0\nvol_type=dynamic\nvol_name=rootfs\n" % fs)
    subprocess.run(["ubinize", "-o", image, "-m", "2048", "-p", "128KiB", "-s", "2048", ini],
                   check=True, capture_output=True)
    os.unlink(fs)
    shutil.rmtree(stage)
    return image


def recall(a, ks_cmd):
    """Every planted secret, by its path inside the image: printed."""
    out = subprocess.run(ks_cmd, capture_output=True).stdout.decode()
    found_lines, found_offsets = set(), collections.defaultdict(set)
    for line in out.splitlines():
        f = json.loads(line)
        for loc in f["locations"]:
            b = loc.get("binary") or {}
            member = None
            for link in b.get("origin", []):
                if link["name"].startswith(":"):
                    member = link["name"][1:]
            if member is None:
                continue
            if loc["line"]:
                found_lines.add((member, loc["line"]))
            if b.get("file_offset") is not None:
                found_offsets[member].add(b["file_offset"])
    rows = planted(a.name + "-src", "/src/") + planted(a.name + "-bin", "/bin/")
    want = collections.Counter()
    got = collections.Counter()
    for path, line, kind, off, n in rows:
        want[kind] += 1
        if path.startswith("/bin/"):
            # A binary has no lines: the secret a rule reports (a connection
            # string's password, say) lies within the planted value.
            hit = any(off <= o < off + n for o in found_offsets[path])
        else:
            hit = (path, line) in found_lines
        got[kind] += hit
    print("recall: %d / %d planted secrets found in %s" % (sum(got.values()), sum(want.values()),
                                                          os.path.basename(ks_cmd[-1])))
    for kd in sorted(want):
        if got[kd] != want[kd]:
            print("  missed %-24s %d of %d" % (kd, want[kd] - got[kd], want[kd]))


def bench_ubifs(a, base, image):
    """keysift on the UBI image against keysift on the SquashFS image."""
    ubi = build_ubi(a, base)
    j = str(a.threads)
    cmds = {k: [a.keysift, "scan", "-q", "--format", "jsonl", "-j", j, img]
            for k, img in (("sqfs", image), ("ubi", ubi))}
    for c in cmds.values():
        timed(c)  # warm the page cache and the rule cache
    times, cpu, rss = collections.defaultdict(list), collections.defaultdict(list), collections.Counter()

    def used():
        ru = resource.getrusage(resource.RUSAGE_CHILDREN)
        return ru.ru_utime + ru.ru_stime

    for _ in range(a.runs):
        for k, c in cmds.items():
            u0 = used()
            t, r, rc = timed(c)
            if rc not in (0, 1):
                sys.exit("keysift failed with exit %d on %s" % (rc, c[-1]))
            times[k].append(t)
            cpu[k].append(used() - u0)
            rss[k] = max(rss[k], r)
    med = {k: statistics.median(v) for k, v in times.items()}
    mcpu = {k: statistics.median(v) for k, v in cpu.items()}
    print("tree: %s (src %d MB + bin), %d threads, median of %d runs, warm cache"
          % (a.name, a.src_mb, a.threads, a.runs))
    print("  SquashFS (%s)     %6.0f MB  keysift %6.2f s wall, %6.2f s CPU  peak RSS %6.1f MB"
          % (a.comp, os.path.getsize(image) / 1e6, med["sqfs"], mcpu["sqfs"], rss["sqfs"] / 2**20))
    print("  UBIFS (%s) in UBI %6.0f MB  keysift %6.2f s wall, %6.2f s CPU  peak RSS %6.1f MB"
          % (a.ubifs_comp, os.path.getsize(ubi) / 1e6, med["ubi"], mcpu["ubi"], rss["ubi"] / 2**20))
    print("ratio: UBIFS / SquashFS = %.2f wall, %.2f CPU (target <= 1.5); RSS target < 256 MB"
          % (med["ubi"] / med["sqfs"], mcpu["ubi"] / mcpu["sqfs"]))
    recall(a, cmds["sqfs"])
    recall(a, cmds["ubi"])


def planted(name, prefix):
    rows = []
    for row in open(os.path.join("/tmp/bench", name, "planted.tsv")):
        if row.startswith(("#", "path\t")) or not row.strip():
            continue
        path, line, kind, off, value = row.rstrip("\n").split("\t")[:5]
        rows.append((prefix + path, int(line), kind, int(off), len(value)))
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--keysift", default=os.path.join(ROOT, "build", "keysift"))
    ap.add_argument("--fs", choices=("squashfs", "ext4"), default="squashfs")
    ap.add_argument("--name", default=None)
    ap.add_argument("--src-mb", type=int, default=None)
    ap.add_argument("--image-mb", type=int, default=512, help="ext4: the file system's size")
    ap.add_argument("--comp", default="gzip")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--ubifs", action="store_true", help="UBIFS in UBI against SquashFS")
    ap.add_argument("--ubifs-comp", default="lzo", choices=("lzo", "zlib", "zstd", "none"))
    a = ap.parse_args()
    if a.name is None:
        a.name = "fw512" if a.fs == "squashfs" else "fwext%d" % a.image_mb
    if a.src_mb is None:
        a.src_mb = 1500 if a.fs == "squashfs" else a.image_mb * 3 // 5

    base, image = build(a)
    if a.ubifs:
        bench_ubifs(a, base, image)
        return
    size = os.path.getsize(image)
    pats = os.path.join(SHARED, "bench", "patterns20.txt")
    j = str(a.threads)
    out_dir = os.path.join(base, "extracted")
    ks_cmd = [a.keysift, "scan", "-q", "--format", "jsonl", "-j", j, image]
    if a.fs == "squashfs":
        unsq_cmd = ["unsquashfs", "-q", "-n", "-p", j, "-d", out_dir, image]
    else:  # debugfs makes out_dir's contents, not out_dir
        unsq_cmd = ["sh", "-c", 'mkdir -p "$1" && exec debugfs -R "rdump / $1" "$2"', "sh",
                    out_dir, image]
    rg_cmd = ["rg", "-c", "-uuu", "--no-unicode", "-j", j, "-f", pats, out_dir]

    def extract_grep():
        shutil.rmtree(out_dir, ignore_errors=True)
        t1, r1, rc1 = timed(unsq_cmd)
        t2, r2, rc2 = timed(rg_cmd)
        if rc1 != 0 or rc2 not in (0, 1) or not os.listdir(out_dir):  # debugfs exits 0 on errors
            sys.exit("extract+grep failed: unsquashfs %d, rg %d" % (rc1, rc2))
        shutil.rmtree(out_dir, ignore_errors=True)
        return t1, t2, max(r1, r2)

    # Warm the page cache (and keysift's rule cache) once each.
    timed(ks_cmd)
    extract_grep()
    ks, eg, unsq, rgt, ks_rss, eg_rss = [], [], [], [], 0, 0
    for _ in range(a.runs):  # interleaved, so both see the same machine
        t, r, rc = timed(ks_cmd)
        if rc not in (0, 1):
            sys.exit("keysift failed with exit %d" % rc)
        ks.append(t)
        ks_rss = max(ks_rss, r)
        t1, t2, r2 = extract_grep()
        unsq.append(t1)
        rgt.append(t2)
        eg.append(t1 + t2)
        eg_rss = max(eg_rss, r2)
    k, e = statistics.median(ks), statistics.median(eg)
    kind = "SquashFS (%s)" % a.comp if a.fs == "squashfs" else "ext4"
    print("image: %s, %.0f MB %s, %d threads, median of %d runs, warm cache"
          % (image, size / 1e6, kind, a.threads, a.runs))
    print("  keysift            %6.2f s  peak RSS %6.1f MB (target < 256 MB)" % (k, ks_rss / 2**20))
    print("  %-18s %6.2f s  (%.2f + %.2f)  peak RSS %6.1f MB"
          % ("unsquashfs + rg" if a.fs == "squashfs" else "debugfs rdump + rg", e,
             statistics.median(unsq), statistics.median(rgt), eg_rss / 2**20))
    print("ratio: extract+grep / keysift = %.2f (target > 1)" % (e / k))

    recall(a, ks_cmd)

if __name__ == "__main__":
    main()
