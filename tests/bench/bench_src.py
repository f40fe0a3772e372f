#!/usr/bin/env python3
"""Source-tree benchmark: keysift against ripgrep on the shared 1 GiB tree.

Builds the tree with ../shared/bench/gen_corpus.py (once; it is cached under
/tmp/bench/src1g), then times, in the same run and with the same thread
count, with a warm page cache:
  keysift scan (full default ruleset)
  rg -c -uuu zzzzqqqq                      ripgrep's walk+read ceiling
  rg -c -uuu --no-unicode -f patterns20.txt
and reports the median wall time of each, throughput, the ratios the
foundation issue sets targets for, keysift's peak RSS, and recall against
the corpus manifest (planted.tsv) plus hits on recorded decoys.

usage: bench_src.py [--keysift build/keysift] [--size-mb 1024] [--runs 3] [--threads 2]
                    [--compare OTHER_KEYSIFT]
"""
import argparse
import collections
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SHARED = os.environ.get("KEYSIFT_SHARED", os.path.join(os.path.dirname(ROOT), "shared"))


def timed(cmd, stdout=subprocess.DEVNULL):
    """Wall time, peak RSS (GNU time: the child's own, not the forking
    Python's, which getrusage would report) and exit code."""
    rss_file = "/tmp/keysift-bench-rss"
    t0 = time.monotonic()
    rc = subprocess.call(["/usr/bin/time", "-f", "%M", "-o", rss_file] + cmd, stdout=stdout,
                         stderr=subprocess.DEVNULL)
    t = time.monotonic() - t0
    rss = int(open(rss_file).read().split()[-1]) * 1024
    return t, rss, rc


def bench(name, cmd, runs):
    timed(cmd)  # warm the page cache and the rule cache
    times, rss = [], 0
    for _ in range(runs):
        t, r, rc = timed(cmd)
        if rc not in (0, 1):
            sys.exit("%s failed with exit %d: %s" % (name, rc, " ".join(cmd)))
        times.append(t)
        rss = max(rss, r)
    return statistics.median(times), rss


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--keysift", default=os.path.join(ROOT, "build", "keysift"))
    ap.add_argument("--size-mb", type=int, default=1024)
    ap.add_argument("--name", default="src1g")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--compare", metavar="KEYSIFT",
                    help="another keysift binary to time in the same run (before/after)")
    a = ap.parse_args()

    base = os.path.join("/tmp/bench", a.name)
    tree = os.path.join(base, "tree")
    if not os.path.isdir(tree):
        subprocess.run([sys.executable, os.path.join(SHARED, "bench", "gen_corpus.py"), "src",
                        "--size-mb", str(a.size_mb), "--name", a.name], check=True)
    summary = json.load(open(os.path.join(base, "summary.json")))
    mb = summary["bytes"] / 1e6
    pats = os.path.join(SHARED, "bench", "patterns20.txt")
    j = str(a.threads)
    cmds = collections.OrderedDict([
        ("keysift", [a.keysift, "scan", "-q", "--format", "jsonl", "-j", j, tree]),
        ("rg ceiling", ["rg", "-c", "-uuu", "-j", j, "zzzzqqqq", tree]),
        ("rg patterns20", ["rg", "-c", "-uuu", "--no-unicode", "-j", j, "-f", pats, tree]),
    ])
    if a.compare:
        cmds["keysift (compare)"] = [a.compare, "scan", "-q", "--format", "jsonl", "-j", j, tree]
    res = {}
    for name, cmd in cmds.items():
        res[name] = bench(name, cmd, a.runs)

    print("tree: %s, %.0f MB, %d files, %d threads, median of %d runs, warm cache"
          % (tree, mb, summary["files"], a.threads, a.runs))
    for name, (t, rss) in res.items():
        print("  %-14s %6.2f s  %7.0f MB/s  peak RSS %5.1f MB" % (name, t, mb / t, rss / 2**20))
    ks, ceil, rg20 = res["keysift"][0], res["rg ceiling"][0], res["rg patterns20"][0]
    print("ratios: keysift / ceiling throughput = %.2f (target >= 0.75); "
          "keysift / rg-patterns20 = %.2f (target >= 1.3)" % (ceil / ks, rg20 / ks))
    if a.compare:
        other_t = res["keysift (compare)"][0]
        print("        the compared binary: %.2f and %.2f; time of this one / that one = %.2f"
              % (ceil / other_t, rg20 / other_t, ks / other_t))

    # Recall against the manifest, and hits on decoys.
    out = subprocess.run(cmds["keysift"], capture_output=True).stdout.decode()
    found = set()
    rules_at = collections.defaultdict(set)
    for line in out.splitlines():
        f = json.loads(line)
        for loc in f["locations"]:
            key = (os.path.relpath(loc["path"], tree), loc["line"])
            found.add(key)
            rules_at[key].add(f["rule_id"])
    planted = collections.Counter()
    hit = collections.Counter()
    planted_keys = set()
    for row in open(os.path.join(base, "planted.tsv")):
        if row.startswith(("#", "path\t")) or not row.strip():
            continue
        path, line, kind = row.rstrip("\n").split("\t")[:3]
        planted[kind] += 1
        planted_keys.add((path, int(line)))
        if (path, int(line)) in found:
            hit[kind] += 1
    decoy_hits = collections.Counter()
    for row in open(os.path.join(base, "decoys.tsv")):
        if row.startswith(("#", "path\t")) or not row.strip():
            continue
        path, line, kind = row.rstrip("\n").split("\t")[:3]
        if (path, int(line)) in found and (path, int(line)) not in planted_keys:
            decoy_hits[kind] += 1
    total, got = sum(planted.values()), sum(hit.values())
    print("recall: %d / %d planted secrets found" % (got, total))
    for k in sorted(planted):
        if hit[k] != planted[k]:
            print("  missed %-24s %d of %d" % (k, planted[k] - hit[k], planted[k]))
    other = found - planted_keys
    print("decoys reported: %d %s; other locations not in the manifest: %d"
          % (sum(decoy_hits.values()), dict(decoy_hits), len(other)))
    for key in sorted(other)[:10]:
        print("  not planted: %s:%d %s" % (key[0], key[1], sorted(rules_at[key])))


if __name__ == "__main__":
    main()
