#!/usr/bin/env python3
"""History and pre-commit benchmarks for the git sources.

History: builds /tmp/bench/hist with ../shared/bench/gen_history.py
(--commits 2000 --base-mb 20; add --commits-large 20000 for the memory
check) and times, in one run, with a warm page cache:
  keysift scan --git                                       (all its rules)
  git log -p --all | rg -c --no-unicode -f patterns20.txt  (patch text per commit)
  git cat-file --batch-all-objects --batch > /dev/null     (git reading every object once)
reporting medians, ratios, throughput in MB/s of unique blob bytes, peak RSS,
and recall against the history's manifest (planted.tsv: the secret must be
found at its path with its introducing commit as provenance).

Pre-commit: a repository of 10,000 files with a 5-file staged change;
`keysift scan --staged` end to end, median of 31 runs with the compiled
ruleset cached, and the cold figure (empty cache: the ruleset compiles).

usage: bench_git.py [--keysift build/keysift] [--runs 3] [--commits-large 20000]
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SHARED = os.environ.get("KEYSIFT_SHARED", os.path.join(os.path.dirname(ROOT), "shared"))
# The generator runs `git repack`, whose pack-objects reads revisions from
# standard input: it gets /dev/null and a plain environment.
CLEAN_ENV = {"PATH": "/usr/bin:/bin", "HOME": tempfile.gettempdir()}


def timed(cmd, shell=False, env=None):
    rss_file = "/tmp/keysift-bench-rss"
    full = ["/usr/bin/time", "-f", "%M", "-o", rss_file] + (["sh", "-c", cmd] if shell else cmd)
    t0 = time.monotonic()
    rc = subprocess.call(full, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    t = time.monotonic() - t0
    return t, int(open(rss_file).read().split()[-1]) * 1024, rc


def median_run(cmd, runs, shell=False, env=None):
    timed(cmd, shell, env)
    ts, rss = [], 0
    for _ in range(runs):
        t, r, rc = timed(cmd, shell, env)
        if rc not in (0, 1):
            sys.exit("failed (%d): %s" % (rc, cmd))
        ts.append(t)
        rss = max(rss, r)
    return statistics.median(ts), rss


def make_history(name, commits):
    base = os.path.join("/tmp/bench", name)
    if not os.path.isdir(os.path.join(base, "repo")):
        subprocess.run(["/usr/bin/python3", os.path.join(SHARED, "bench", "gen_history.py"), "--name", name,
                        "--commits", str(commits), "--base-mb", "20"], check=True, env=CLEAN_ENV,
                       stdin=subprocess.DEVNULL)
    return base


def history(a):
    base = make_history("hist", 2000)
    repo = os.path.join(base, "repo")
    pats = os.path.join(SHARED, "bench", "patterns20.txt")
    ks_cmd = [a.keysift, "scan", "--git", "-q", "--format", "jsonl", "-j", str(a.threads), repo]
    res = {
        "keysift --git": median_run(ks_cmd, a.runs),
        "git log -p | rg": median_run("git -C %s log -p --all | rg -c --no-unicode -f %s" % (repo, pats),
                                      a.runs, shell=True),
        "git cat-file --batch-all-objects": median_run(
            "git -C %s cat-file --batch-all-objects --batch > /dev/null" % repo, a.runs, shell=True),
    }
    doc = json.loads(subprocess.run([a.keysift, "scan", "--git", "-q", "--format", "json", repo],
                                    capture_output=True).stdout)
    mb = doc["summary"]["bytes"] / 1e6
    print("history: %s, 2000 commits, %d unique blobs, %.1f MB of unique blob bytes, %d threads, "
          "median of %d runs" % (repo, doc["summary"]["files"], mb, a.threads, a.runs))
    for k, (t, rss) in res.items():
        print("  %-34s %6.2f s  peak RSS %6.1f MB" % (k, t, rss / 2**20))
    ks, logp, cat = res["keysift --git"][0], res["git log -p | rg"][0], res["git cat-file --batch-all-objects"][0]
    print("  keysift: %.0f MB/s of unique blob bytes; %.1fx faster than git log -p | rg (target >= 4); "
          "%.2fx the speed of cat-file (target > 1)" % (mb / ks, logp / ks, cat / ks))
    # Recall: each planted secret at its path with its introducing commit.
    found = set()
    for f in doc["findings"]:
        for l in f["locations"]:
            g = l.get("git") or {}
            found.add((l["path"], g.get("commit")))
    total = hit = 0
    missed = []
    for row in open(os.path.join(base, "planted.tsv")):
        if row.startswith(("#", "commit_index")) or not row.strip():
            continue
        cols = row.rstrip("\n").split("\t")
        sha, path = cols[1], cols[2]
        total += 1
        if (path, sha) in found:
            hit += 1
        else:
            missed.append((path, sha[:12], cols[4]))
    print("  recall: %d / %d planted secrets found with their introducing commit" % (hit, total))
    for m in missed[:10]:
        print("    missed", *m)
    if a.commits_large:
        big = make_history("hist%dk" % (a.commits_large // 1000), a.commits_large)
        t, rss = median_run([a.keysift, "scan", "--git", "-q", "--format", "jsonl",
                             os.path.join(big, "repo")], 1)
        print("  memory: peak RSS %.1f MB at 2,000 commits, %.1f MB at %d commits (%.2f s)"
              % (res["keysift --git"][1] / 2**20, rss / 2**20, a.commits_large, t))


def precommit(a):
    d = tempfile.mkdtemp(prefix="keysift-precommit-")
    try:
        env = dict(CLEAN_ENV, GIT_AUTHOR_NAME="b", GIT_AUTHOR_EMAIL="b@e.test", GIT_COMMITTER_NAME="b",
                   GIT_COMMITTER_EMAIL="b@e.test")
        subprocess.run(["git", "init", "-q", d], check=True, env=env)
        subprocess.run(["git", "-C", d, "config", "gc.auto", "0"], check=True, env=env)
        for i in range(10000):
            sub = os.path.join(d, "src", "m%02d" % (i % 100))
            os.makedirs(sub, exist_ok=True)
            with open(os.path.join(sub, "f%05d.py" % i), "w") as f:
                f.write("def f%d(x):\n    return x * %d\n" % (i, i))
        subprocess.run(["git", "-C", d, "add", "-A"], check=True, env=env)
        subprocess.run(["git", "-C", d, "commit", "-q", "-m", "base"], check=True, env=env)
        for i in range(5):
            with open(os.path.join(d, "src", "m%02d" % i, "f%05d.py" % i), "a") as f:
                f.write("def g(y):\n    return y + %d\n" % i)
        subprocess.run(["git", "-C", d, "add", "-A"], check=True, env=env)
        cache = os.path.join(d, ".cache-ks")
        kenv = dict(os.environ, KEYSIFT_CACHE_DIR=cache)
        cmd = [a.keysift, "scan", "--staged", "-q", d]
        devnull = os.open(os.devnull, os.O_RDWR)

        def once():
            # posix_spawn, not fork: the timing is keysift's start to exit,
            # not the cost of copying this Python process.
            t0 = time.monotonic()
            pid = os.posix_spawn(cmd[0], cmd, kenv, file_actions=[
                (os.POSIX_SPAWN_DUP2, devnull, 0), (os.POSIX_SPAWN_DUP2, devnull, 1)])
            os.waitpid(pid, 0)
            return time.monotonic() - t0

        cold = []
        for _ in range(3):
            shutil.rmtree(cache, ignore_errors=True)
            cold.append(once())
        warm = [once() for _ in range(31)]
        print("pre-commit: 10,000 files, 5 staged: keysift scan --staged %.1f ms median warm "
              "(target < 50 ms), %.0f ms cold (ruleset compiled, empty cache)"
              % (statistics.median(warm) * 1e3, statistics.median(cold) * 1e3))
    finally:
        shutil.rmtree(d, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--keysift", default=os.path.join(ROOT, "build", "keysift"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--commits-large", type=int, default=0)
    a = ap.parse_args()
    history(a)
    precommit(a)


if __name__ == "__main__":
    main()
