#!/usr/bin/env python3
"""Damaged git object stores end to end: a real repository built with the git
command, packed by `git gc`, then its pack truncated (by 100 bytes, at 50 %),
overwritten in the middle of one object, or left without its index. Which
secrets are still found is computed from `git verify-pack -v` on the intact
pack: a blob is readable when its bytes in the pack (and so its delta bases,
which lie before it) end before the cut. Every damage must be a warning that
names the pack and the offset, in text (stderr) and JSON, counted in the
summary, and --strict must make it exit 2.

usage: test_git_damage.py KEYSIFT_BINARY
"""
import json
import os
import random
import shutil
import stat
import subprocess
import sys
import tempfile

KS = os.path.abspath(sys.argv[1])
failures = []
tick = [1700000000]
ALPHA = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def env():
    tick[0] += 60
    e = dict(os.environ)
    e.update({"GIT_AUTHOR_NAME": "Ann Dev", "GIT_AUTHOR_EMAIL": "ann@example.test",
              "GIT_COMMITTER_NAME": "Ann Dev", "GIT_COMMITTER_EMAIL": "ann@example.test",
              "GIT_AUTHOR_DATE": "%d +0000" % tick[0], "GIT_COMMITTER_DATE": "%d +0000" % tick[0],
              "GIT_CONFIG_NOSYSTEM": "1", "HOME": TMP})
    return e


def git(repo, *args):
    # Standard input is an empty pipe: pack-objects (under gc and repack)
    # reads it, and a /dev/null that is not the device must not feed it.
    p = subprocess.run(["git", "-C", repo] + list(args), capture_output=True, env=env(), input=b"")
    if p.returncode != 0:
        raise RuntimeError("git %s: %s" % (" ".join(args), p.stderr.decode(errors="replace")))
    return p.stdout.decode().strip()


def check(name, cond, detail=""):
    if cond:
        print("ok  ", name)
    else:
        failures.append(name)
        print("FAIL", name, str(detail)[:2000])


def ks(args):
    p = subprocess.run([KS] + args, capture_output=True, timeout=300, input=b"",
                       env=dict(os.environ, KEYSIFT_CACHE_DIR=CACHE))
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def scan_json(repo, *extra):
    rc, out, err = ks(["scan", "--git", "--format", "json", "--show-secrets"] + list(extra) + [repo])
    doc = json.loads(out) if out.strip() else {"findings": [], "warnings": [], "summary": {}}
    return rc, doc, err


def secrets_of(doc):
    return set(f["secret"] for f in doc["findings"])


def pack(repo, incremental=False):
    """`git gc` (or `git repack -d` for a second, incremental pack). git runs
    pack-objects with /dev/null as its standard input, and pack-objects
    --revs reads revisions from it: where /dev/null is not the device (a
    regular file something wrote into), gc fails, so the same pack-objects
    run is made here with an empty pipe instead."""
    if stat.S_ISCHR(os.stat("/dev/null").st_mode):
        if incremental:
            git(repo, "repack", "-q", "-d")
        else:
            git(repo, "gc", "-q")
        return
    print("note: /dev/null is not a device here: packing with git pack-objects directly")
    flags = ["--all", "--reflog"] + (["--incremental"] if incremental else ["--indexed-objects"])
    git(repo, "pack-objects", "-q", "--revs", "--delta-base-offset", "--non-empty", *flags,
        os.path.join(repo, ".git", "objects", "pack", "pack"))
    git(repo, "prune-packed")
    if not incremental:
        git(repo, "pack-refs", "--all")


def build(name, versions=8, second_pack=False):
    """A history with one secret per commit, each in its own file with random
    filler (so blobs are not deltas of each other), and app.py changed in
    every commit (a delta chain). Returns (repo, {secret: blob id})."""
    rnd = random.Random(name)
    d = os.path.join(TMP, name)
    os.makedirs(d)
    git(d, "init", "-q", "-b", "main")
    git(d, "config", "gc.auto", "0")
    git(d, "config", "maintenance.auto", "false")
    blobs = {}
    app = ["import os"]
    for i in range(versions):
        if second_pack and i == versions // 2:
            pack(d)  # the first half in one pack, the rest in a second
        secret = "AKIA" + "".join(rnd.choice(ALPHA) for _ in range(16))
        filler = "\n".join("# %s" % "".join(rnd.choice("abcdefghijklmnop ") for _ in range(70))
                           for _ in range(40))
        path = "cfg%d.py" % i
        with open(os.path.join(d, path), "w") as f:
            f.write("AWS_KEY = '%s'\n%s\n" % (secret, filler))
        app.append("step_%d = %d" % (i, i * 7))
        with open(os.path.join(d, "app.py"), "w") as f:
            f.write("\n".join(app) + "\n")
        git(d, "add", "-A")
        git(d, "commit", "-q", "-m", "commit %d" % i)
        blobs[secret] = git(d, "rev-parse", "HEAD:" + path)
    pack(d, incremental=second_pack)  # incremental: only what is not packed yet
    return d, blobs


def packs(repo):
    pdir = os.path.join(repo, ".git", "objects", "pack")
    return sorted(os.path.join(pdir, n[:-4]) for n in os.listdir(pdir) if n.endswith(".idx"))


def layout(base):
    """{object id: (offset, end)} of an intact pack, from git verify-pack -v."""
    out = subprocess.run(["git", "verify-pack", "-v", base + ".idx"], capture_output=True,
                         check=True, input=b"").stdout.decode()
    objs = {}
    for line in out.splitlines():
        f = line.split()
        if len(f) >= 5 and len(f[0]) == 40 and f[1] in ("blob", "tree", "commit", "tag"):
            objs[f[0]] = (int(f[4]), int(f[4]) + int(f[3]))
    return objs


def pack_warnings(doc, base):
    return [w for w in doc["warnings"] if os.path.basename(base) in w["path"] + w["message"]]


def test_truncated():
    for label, cut_of in (("100 bytes", lambda size: size - 100), ("50 %", lambda size: size // 2)):
        tag = label.replace(" ", "").replace("%", "pc")
        repo, blobs = build("trunc" + tag)
        (base,) = packs(repo)
        objs = layout(base)
        size = os.path.getsize(base + ".pack")
        cut = cut_of(size)
        rc, doc, err = scan_json(repo)
        check("truncated %s: the intact pack gives every secret" % label,
              rc == 1 and secrets_of(doc) == set(blobs), sorted(secrets_of(doc)))
        os.chmod(base + ".pack", 0o644)
        os.truncate(base + ".pack", cut)
        readable = {s for s, b in blobs.items() if objs[b][1] <= cut}
        lost = set(blobs) - readable
        if label == "50 %":
            check("truncated 50 %: the cut falls among the secrets' blobs (a meaningful test)",
                  readable and lost, (sorted(readable), sorted(lost)))
        for extra in ([], ["--all-objects"]):
            what = "truncated %s%s" % (label, " --all-objects" if extra else "")
            rc, doc, err = scan_json(repo, *extra)
            found = secrets_of(doc)
            check(what + ": every secret before the cut is found, none after",
                  found == readable, "found %s, expected %s" % (sorted(found), sorted(readable)))
            check(what + ": exit 1 (findings), not an error", rc == 1, (rc, err))
            ws = pack_warnings(doc, base)
            check(what + ": one JSON warning names the pack and where it was cut",
                  len(ws) == 1 and ("truncated at offset %d" % cut) in ws[0]["message"], doc["warnings"])
            check(what + ": counted in the summary", doc["summary"].get("warnings", 0) >= 1,
                  doc["summary"])
            check(what + ": the source says the scan is incomplete", "incomplete" in doc.get("source", ""),
                  doc.get("source"))
            check(what + ": the warning is on stderr too",
                  os.path.basename(base) in err and ("truncated at offset %d" % cut) in err, err)
        rc, out, err = ks(["scan", "--git", repo])
        check("truncated %s: text output prints the warning" % label,
              "keysift: warning:" in err and os.path.basename(base) + ".pack" in err
              and ("truncated at offset %d" % cut) in err, err)
        check("truncated %s: text summary counts it" % label, " warning" in out.splitlines()[-1], out[-300:])
        check("truncated %s: secrets stay redacted in text" % label,
              not any(s in out + err for s in blobs), "")
        rc, out, err = ks(["scan", "--git", "--strict", repo])
        check("truncated %s: --strict exits 2" % label, rc == 2, (rc, err[-500:]))
        rc, out, err = ks(["scan", "--git", "-q", "--format", "json", repo])
        check("truncated %s: -q keeps stderr quiet, JSON still has it" % label,
              "truncated at offset" not in err and "truncated at offset" in out, err)


def test_other_packs_and_loose():
    """Damage in one pack leaves another pack and loose objects whole."""
    repo, blobs = build("twopacks", versions=8, second_pack=True)
    loose_secret = "AKIA" + "".join(random.Random("loose").choice(ALPHA) for _ in range(16))
    with open(os.path.join(repo, "loose.py"), "w") as f:
        f.write("K = '%s'\n" % loose_secret)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "loose")
    bases = packs(repo)
    check("two packs: git made two packs", len(bases) == 2, bases)
    if len(bases) != 2:
        return
    # Truncate the older pack (the first half of the history) at 50 %.
    in_pack = {b: layout(b) for b in bases}
    old = min(bases, key=lambda b: os.path.getmtime(b + ".pack"))
    new = [b for b in bases if b != old][0]
    cut = os.path.getsize(old + ".pack") // 2
    os.chmod(old + ".pack", 0o644)
    os.truncate(old + ".pack", cut)
    expect = {s for s, b in blobs.items()
              if b in in_pack[new] or (b in in_pack[old] and in_pack[old][b][1] <= cut)}
    rc, doc, err = scan_json(repo)
    found = secrets_of(doc)
    check("two packs: secrets of the intact pack and loose objects all found",
          {s for s, b in blobs.items() if b in in_pack[new]} | {loose_secret} <= found,
          sorted(found))
    check("two packs: exactly the readable secrets of the truncated one",
          found == expect | {loose_secret}, "found %s, expected %s" % (sorted(found), sorted(expect)))
    check("two packs: only the damaged pack is named",
          len(pack_warnings(doc, old)) == 1 and not pack_warnings(doc, new), doc["warnings"])
    # A pack without its index: said so, not skipped in silence.
    os.remove(new + ".idx")
    rc, doc, err = scan_json(repo)
    check("missing .idx: a warning names the pack",
          any(os.path.basename(new) in w["path"] and "index" in w["message"] for w in doc["warnings"])
          and os.path.basename(new) in err, doc["warnings"])
    check("missing .idx: loose objects still scanned", loose_secret in secrets_of(doc), sorted(secrets_of(doc)))


def test_corrupt_object():
    """Bytes overwritten inside one blob: that blob is lost, named by the
    pack and its offset; every other object is read."""
    repo, blobs = build("corrupt")
    (base,) = packs(repo)
    objs = layout(base)
    victim = sorted(blobs)[len(blobs) // 2]
    off, end = objs[blobs[victim]]
    os.chmod(base + ".pack", 0o644)
    with open(base + ".pack", "r+b") as f:
        f.seek(off + (end - off) // 2)
        f.write(bytes((i * 37 + 11) & 0xFF for i in range(16)))
    rc, doc, err = scan_json(repo)
    found = secrets_of(doc)
    check("corrupt object: every other secret found, that one not",
          found == set(blobs) - {victim}, "found %s" % sorted(found))
    ws = pack_warnings(doc, base)
    check("corrupt object: one warning names the pack and the object's offset",
          len(ws) == 1 and ("offset %d" % off) in ws[0]["message"], doc["warnings"])
    check("corrupt object: on stderr too", ("offset %d" % off) in err, err)
    rc, out, err = ks(["scan", "--git", "--strict", repo])
    check("corrupt object: --strict exits 2", rc == 2, (rc, err[-500:]))


def main():
    global TMP, CACHE
    TMP = tempfile.mkdtemp(prefix="keysift-gitdamage-")
    # The compiled ruleset ctest shares between tests (compiling it costs
    # minutes under ThreadSanitizer), else one of this run's own.
    CACHE = os.environ.get("KEYSIFT_CACHE_DIR") or os.path.join(TMP, "cache")
    try:
        test_truncated()
        test_other_packs_and_loose()
        test_corrupt_object()
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    if failures:
        print("git-damage: %d failure(s): %s" % (len(failures), ", ".join(failures)))
        return 1
    print("git-damage: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
