#!/usr/bin/env python3
"""Time a large decoded stream: keysift on a .gz of 297 MB of text against
`zcat FILE | rg -c PATTERN`, in the same run.

usage: bench_stream.py [--keysift build/keysift] [--runs 3] [--threads 2]
                       [--dir /tmp/bench/stream297]

Builds (once, cached in --dir) big.log.gz: 297 MB of log-like text (the
generator of tests/e2e/test_robust_stream.py) with a FAKE AWS secret key on
its last line, compressed with `gzip -1`. Then, each run, times

  keysift scan -q --format jsonl -j THREADS big.log.gz   (peak RSS too)
  zcat big.log.gz | rg -c -f patterns20.txt               (the shared 20 patterns)

and prints the medians, their ratio, keysift's peak RSS and whether keysift
found the secret on the last line.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SHARED = os.environ.get("KEYSIFT_SHARED", os.path.join(os.path.dirname(ROOT), "shared"))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))


def build(d):
    gz = os.path.join(d, "big.log.gz")
    if os.path.exists(gz):
        return gz
    os.makedirs(d, exist_ok=True)
    sys.argv = [sys.argv[0], "/bin/true"]  # the test module reads its binary from argv
    import test_robust_stream as t
    line, _ = t.aws_line("benchgz")
    src = os.path.join(d, "big.log")
    t.write_log(src, 297 * 1000 * 1000, 1, line)
    with open(gz + ".tmp", "wb") as out:
        subprocess.run(["gzip", "-1", "-c", src], check=True, stdout=out)
    os.rename(gz + ".tmp", gz)
    os.unlink(src)
    return gz


def timed_keysift(ks, gz, threads):
    t0 = time.monotonic()
    p = subprocess.Popen([ks, "scan", "-q", "--format", "jsonl", "-j", str(threads), gz],
                         stdout=subprocess.PIPE)
    out = p.stdout.read()
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    return time.monotonic() - t0, ru.ru_maxrss, b"aws.secret-access-key" in out


def timed_zcat_rg(gz, pats):
    t0 = time.monotonic()
    r = subprocess.run(["bash", "-o", "pipefail", "-c", "zcat \"$0\" | rg -c -f \"$1\"", gz, pats],
                       stdout=subprocess.PIPE)
    took = time.monotonic() - t0
    if r.returncode != 0:  # rg exits 0 on a match: the secret's line matches the AWS pattern
        sys.exit("bench_stream: zcat | rg failed (exit %d)" % r.returncode)
    return took


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--keysift", default=os.path.join(ROOT, "build", "keysift"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--dir", default="/tmp/bench/stream297")
    a = ap.parse_args()
    gz = build(a.dir)
    pats = os.path.join(SHARED, "bench", "patterns20.txt")
    if not os.path.exists(pats):
        sys.exit("bench_stream: %s not found (set KEYSIFT_SHARED)" % pats)
    ks_t, rg_t, rss, found = [], [], 0, True
    for _ in range(a.runs):
        t, r, f = timed_keysift(a.keysift, gz, a.threads)
        ks_t.append(t)
        rss = max(rss, r)
        found &= f
        rg_t.append(timed_zcat_rg(gz, pats))
    k, g = statistics.median(ks_t), statistics.median(rg_t)
    print(f"input: {gz} ({os.path.getsize(gz) / 1e6:.1f} MB gzip, 297 MB decoded)")
    print(f"keysift -j{a.threads}: {k:.2f} s median of {a.runs} ({', '.join('%.2f' % x for x in ks_t)}), "
          f"peak RSS {rss // 1024} MB, secret on the last line found: {found}")
    print(f"zcat | rg -c -f patterns20.txt: {g:.2f} s median ({', '.join('%.2f' % x for x in rg_t)})")
    print(f"ratio keysift / (zcat | rg): {k / g:.2f}")
    return 0 if found else 1


if __name__ == "__main__":
    sys.exit(main())
