#!/usr/bin/env python3
"""Robustness of what keysift reads and writes, each case the reproduction
of a defect:

- a symlink planted at the name of a temporary file (the report of -o, a
  baseline, the rule cache) or at the hook's path is never written through;
  -o at a FIFO or a device writes into it rather than replacing it;
- a FIFO, a socket or a device named on the command line is refused with a
  message naming it, never opened for ever (/dev/zero) nor blocked on (a
  FIFO); those met in a directory walk are skipped and counted;
- an output that cannot be written (a full file system, standard output on
  /dev/full) is exit 2 with a message naming the output and the system's
  reason, in every format, and leaves neither a half report nor a
  temporary file;
- a zip's UTF-8 member names are read as UTF-8 under LANG=C and
  LANG=C.UTF-8: the right path, no warning, --strict clean.

usage: test_robust_io.py KEYSIFT_BINARY
"""
import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import zipfile

KS = os.path.abspath(sys.argv[1])
FORMATS = ["text", "json", "jsonl", "sarif", "cra", "cyclonedx", "html"]
# A live-looking Stripe key (critical) and a generic password (high).
SECRETS = 'STRIPE_KEY=sk_live_4eC39HqLyjWDarjtT1zdp7dc\nDB_PASSWORD="Vq7#pLm2xR9tKw4Z"\n'
# A hang guard: every case here ends in well under a second when it works;
# a cold rule compile under the sanitizers on two busy cores takes minutes.
TIMEOUT = 600
# The cases that used to hang are held to a shorter limit than that.
HANG_LIMIT = 120
failures = []


def check(name, cond, detail=""):
    if not cond:
        failures.append("%s %s" % (name, detail))
        print("FAIL", name, detail)
    else:
        print("ok  ", name)


def run(args, cwd=None, env=None, stdout=subprocess.PIPE, timeout=TIMEOUT):
    e = dict(os.environ)
    e.update(env or {})
    try:
        p = subprocess.run([KS] + args, cwd=cwd, env=e, stdout=stdout, stderr=subprocess.PIPE,
                           stdin=subprocess.DEVNULL, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "timeout", "", "timed out after %ds" % timeout
    out = p.stdout.decode(errors="replace") if p.stdout is not None else ""
    return p.returncode, out, p.stderr.decode(errors="replace")


def run_planted(cwd, link, target, args, env=None):
    """Run keysift with a symlink `link` % pid -> target planted first, pid
    being keysift's own (the shell's, which exec keeps)."""
    script = 'ln -s "$1" "$(printf "$2" "$$")" && shift 2 && exec "$@"'
    e = dict(os.environ)
    e.update(env or {})
    p = subprocess.run(["sh", "-c", script, "sh", target, link, KS] + args, cwd=cwd, env=e,
                       capture_output=True, stdin=subprocess.DEVNULL, timeout=TIMEOUT)
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def read(path):
    with open(path, errors="replace") as f:
        return f.read()


def leftovers(d, name):
    """Temporary files left beside `name` in d."""
    return [n for n in os.listdir(d) if n.startswith(name + ".tmp")]


# ---------------------------------------------------------------------------
# 1. Planted symlinks


def check_planted_report(tmp):
    d = os.path.join(tmp, "planted-report")
    os.makedirs(d)
    write(os.path.join(d, "victim.txt"), "victim\n")
    write(os.path.join(d, "s.env"), SECRETS)
    for fmt in ("json", "text"):
        out = "r.%s" % fmt
        rc, _, err = run_planted(d, out + ".tmp.%s", "victim.txt",
                                 ["scan", "-q", "--format", fmt, "-o", out, "s.env"])
        ok = rc == 1 and read(os.path.join(d, "victim.txt")) == "victim\n"
        ok = ok and not os.path.islink(os.path.join(d, out))
        ok = ok and "STRIPE_KEY" in read(os.path.join(d, out))
        check("-o %s: a symlink planted at the temporary name is not written through" % fmt,
              ok, "rc=%s %s victim=%r" % (rc, err, read(os.path.join(d, "victim.txt"))))
    # The report's own name a symlink: replaced, not written through.
    os.symlink("victim.txt", os.path.join(d, "r2.json"))
    rc, _, err = run(["scan", "-q", "--format", "json", "-o", "r2.json", "s.env"], cwd=d)
    r2 = os.path.join(d, "r2.json")
    check("-o: a symlink at the report's path is replaced by the report",
          rc == 1 and not os.path.islink(r2) and json.loads(read(r2))["findings"]
          and read(os.path.join(d, "victim.txt")) == "victim\n", "rc=%s %s" % (rc, err))


def check_special_outputs(tmp):
    """-o at a FIFO or a device writes into it: renaming a temporary file over
    it would put a regular file in its place (as root, over /dev/null)."""
    d = os.path.join(tmp, "special-out")
    os.makedirs(d)
    src = os.path.join(d, "s.env")
    write(src, SECRETS)
    fifo = os.path.join(d, "report.fifo")
    os.mkfifo(fifo)
    got = []

    def reader():
        with open(fifo, "rb") as f:
            got.append(f.read())

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    rc, _, err = run(["scan", "-q", "--format", "json", "-o", fifo, src], timeout=HANG_LIMIT)
    t.join(HANG_LIMIT)
    try:
        findings = json.loads(got[0])["findings"] if got else []
    except ValueError:
        findings = []
    check("-o FIFO: the report is written into the FIFO, which stays a FIFO",
          rc == 1 and len(findings) == 2 and stat.S_ISFIFO(os.lstat(fifo).st_mode),
          "rc=%s %s" % (rc, err))
    null, full = os.path.join(d, "null"), os.path.join(d, "full")
    try:
        os.mknod(null, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        os.mknod(full, 0o666 | stat.S_IFCHR, os.makedev(1, 7))
    except OSError as e:
        print("skip  -o at a device node: cannot make one here (%s)" % e)
        return
    rc, _, err = run(["scan", "-q", "-o", null, src])
    check("-o a null device: written into, still a character device",
          rc == 1 and stat.S_ISCHR(os.lstat(null).st_mode) and not leftovers(d, "null"),
          "rc=%s %s" % (rc, err))
    rc, _, err = run(["scan", "-q", "--format", "sarif", "-o", full, src])
    check("-o a full device: exit 2 naming it and ENOSPC, still a character device",
          rc == 2 and full in err and "No space left on device" in err
          and stat.S_ISCHR(os.lstat(full).st_mode), "rc=%s %s" % (rc, err))
    # A symlink planted at -o's path pointing at a device is replaced, not
    # followed into the device.
    link = os.path.join(d, "r.json")
    os.symlink(full, link)
    rc, _, err = run(["scan", "-q", "--format", "json", "-o", link, src])
    check("-o at a symlink to a device: the link is replaced by the report, the device not opened",
          rc == 1 and stat.S_ISREG(os.lstat(link).st_mode) and json.loads(read(link))["findings"],
          "rc=%s %s" % (rc, err))


def check_planted_baseline(tmp):
    d = os.path.join(tmp, "planted-baseline")
    os.makedirs(d)
    write(os.path.join(d, "victim.txt"), "victim\n")
    write(os.path.join(d, "s.env"), SECRETS)
    rc, _, err = run_planted(d, "b.json.tmp.%s", "victim.txt",
                             ["baseline", "create", "-q", "-o", "b.json", "s.env"])
    b = os.path.join(d, "b.json")
    try:
        entries = json.loads(read(b))["entries"]
    except (OSError, ValueError, KeyError) as e:
        entries = []
        err += str(e)
    check("baseline create -o: a symlink planted at the temporary name is not written through",
          rc == 0 and len(entries) == 2 and not os.path.islink(b)
          and read(os.path.join(d, "victim.txt")) == "victim\n", "rc=%s %s" % (rc, err))
    # --baseline reads it back: both findings accepted.
    rc, _, err = run(["scan", "-q", "--baseline", "b.json", "s.env"], cwd=d)
    check("baseline written through the safe path is read back", rc == 0, "rc=%s %s" % (rc, err))


def check_planted_cache(tmp):
    d = os.path.join(tmp, "planted-cache")
    os.makedirs(d)
    write(os.path.join(d, "victim.txt"), "victim\n")
    write(os.path.join(d, "s.env"), SECRETS)
    # Learn the cache file's name (a hash of the ruleset) in one directory,
    # then plant the temporary name it used to have in a fresh one.
    first = os.path.join(d, "cache1")
    rc, _, err = run(["scan", "-q", "--cache-dir", first, "s.env"], cwd=d)
    names = [n for n in os.listdir(first)] if os.path.isdir(first) else []
    if rc != 1 or len(names) != 1:
        check("the rule cache is written", False, "rc=%s %s %s" % (rc, names, err))
        return
    cache = os.path.join(d, "cache2")
    os.makedirs(cache, 0o700)
    victim = os.path.join(d, "victim.txt")
    rc, _, err = run_planted(d, os.path.join(cache, names[0]) + ".%s.tmp", victim,
                             ["scan", "-q", "--cache-dir", cache, "s.env"])
    db = os.path.join(cache, names[0])
    check("rule cache: a symlink planted at the temporary name is not written through",
          rc == 1 and read(victim) == "victim\n" and os.path.isfile(db)
          and not os.path.islink(db)
          and os.path.getsize(db) == os.path.getsize(os.path.join(first, names[0])),
          "rc=%s %s victim=%d bytes" % (rc, err, os.path.getsize(victim)))
    rc, _, err = run(["scan", "-q", "--cache-dir", cache, "s.env"], cwd=d)
    check("rule cache: the cache written is read back", rc == 1, "rc=%s %s" % (rc, err))


def check_planted_hook(tmp):
    if not shutil.which("git"):
        check("git is installed for the hook case", False)
        return
    d = os.path.join(tmp, "planted-hook")
    repo = os.path.join(d, "repo")
    os.makedirs(repo)
    empty = os.path.join(d, "empty.gitconfig")
    write(empty, "")
    env = {"GIT_CONFIG_GLOBAL": empty, "GIT_CONFIG_NOSYSTEM": "1"}
    subprocess.run(["git", "init", "-q", repo], check=True, env=dict(os.environ, **env))
    hooks = os.path.join(repo, ".git", "hooks")
    os.makedirs(hooks, exist_ok=True)
    # A file outside the repository that looks like keysift's hook (so no
    # --force is needed), and another that does not (--force).
    for name, force, content in (("victim-marked", [], "#!/bin/sh\n# keysift pre-commit hook\n"),
                                 ("victim-foreign", ["--force"], "#!/bin/sh\necho mine\n")):
        victim = os.path.join(d, name)
        write(victim, content)
        hook = os.path.join(hooks, "pre-commit")
        if os.path.lexists(hook):
            os.unlink(hook)
        os.symlink(victim, hook)
        rc, _, err = run(["hook", "install"] + force + [repo], env=env)
        st = os.lstat(hook)
        check("hook install %s: a symlink at the hook's path is replaced, not written through"
              % " ".join(force or ["(keysift-marked target)"]),
              rc == 0 and read(victim) == content and stat.S_ISREG(st.st_mode)
              and st.st_mode & 0o111 and 'scan --staged' in read(hook),
              "rc=%s %s victim=%r" % (rc, err, read(victim)))


# ---------------------------------------------------------------------------
# 2. Special files


def check_special_files(tmp):
    d = os.path.join(tmp, "special")
    os.makedirs(d)
    fifo = os.path.join(d, "pipe")
    os.mkfifo(fifo)
    sock_path = os.path.join(d, "sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(sock_path)
    write(os.path.join(d, "s.env"), SECRETS)
    rc_missing, _, err_missing = run(["scan", "-q", os.path.join(d, "missing")])
    try:
        cases = [(fifo, [], "FIFO"), ("/dev/zero", ["--no-unpack"], "character device"),
                 ("/dev/zero", [], "character device"), (sock_path, [], "socket")]
        for path, opts, kind in cases:
            rc, out, err = run(["scan"] + opts + [path], timeout=HANG_LIMIT)
            check("scan %s %s: refused at once (exit 2, like a missing path), naming it"
                  % (" ".join(opts), path),
                  rc == 2 == rc_missing and path in err and kind in err and not out,
                  "rc=%s %s" % (rc, err))
        # Named among other inputs: still refused, nothing half-scanned.
        rc, out, err = run(["scan", "--format", "json", os.path.join(d, "s.env"), fifo],
                           timeout=HANG_LIMIT)
        check("a FIFO named after a readable file: exit 2 naming the FIFO",
              rc == 2 and fifo in err and not out, "rc=%s %s" % (rc, err))
        # Met in a walk: skipped and counted, the rest scanned.
        rc, out, err = run(["scan", "--format", "json", d], timeout=HANG_LIMIT)
        try:
            doc = json.loads(out)
        except ValueError:
            doc = {"summary": {}, "findings": []}
        s = doc["summary"]
        check("a walk over a FIFO and a socket ends, skips and counts them, scans the rest",
              rc == 1 and s.get("skipped") == 2 and s.get("warnings") == 0
              and s.get("files") == 1 and len(doc["findings"]) == 2,
              "rc=%s %s %s" % (rc, s, err))
    finally:
        sock.close()


# ---------------------------------------------------------------------------
# 3. Outputs that cannot be written


def check_dev_full(tmp):
    src = os.path.join(tmp, "s.env")
    write(src, SECRETS)
    for fmt in FORMATS:
        with open("/dev/full", "w") as full:
            rc, _, err = run(["scan", "-q", "--format", fmt, src], stdout=full)
        check("scan --format %s > /dev/full: exit 2, standard output and ENOSPC named" % fmt,
              rc == 2 and "standard output" in err and "No space left on device" in err
              and fmt in err, "rc=%s %s" % (rc, err))
    with open("/dev/full", "w") as full:
        rc, _, err = run(["rules", "list"], stdout=full)
    check("rules list > /dev/full: exit 2, standard output and ENOSPC named",
          rc == 2 and "standard output" in err and "No space left on device" in err,
          "rc=%s %s" % (rc, err))
    missing = os.path.join(tmp, "no-such-dir", "r.json")
    rc, _, err = run(["scan", "-q", "--format", "json", "-o", missing, src])
    check("-o into a missing directory: exit 2 naming the path and the reason",
          rc == 2 and missing in err and "No such file or directory" in err,
          "rc=%s %s" % (rc, err))


def mount_small_tmpfs(d):
    os.makedirs(d)
    if os.geteuid() != 0 or not shutil.which("mount"):
        return False
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", d],
                       capture_output=True)
    return p.returncode == 0


def check_full_disk(tmp):
    src = os.path.join(tmp, "s.env")
    write(src, SECRETS)
    d = os.path.join(tmp, "small")
    if not mount_small_tmpfs(d):
        print("skip  a full file system: mounting a 64k tmpfs is not permitted here "
              "(standard output on /dev/full is checked instead)")
        return
    try:
        # A previous report at each path, then a file system that is full.
        for fmt in FORMATS:
            write(os.path.join(d, "r." + fmt), "previous\n")
        write(os.path.join(d, "b.json"), '{"version": 1, "tool": "keysift", "entries": []}')
        fd = os.open(os.path.join(d, "fill"), os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            while os.write(fd, b"\0" * 4096) > 0:
                pass
        except OSError:
            pass
        finally:
            os.close(fd)
        for fmt in FORMATS:
            out = os.path.join(d, "r." + fmt)
            rc, _, err = run(["scan", "-q", "--format", fmt, "-o", out, src])
            check("-o on a full file system (%s): exit 2 naming the path and ENOSPC, the previous"
                  " report intact, no temporary file left" % fmt,
                  rc == 2 and out in err and "No space left on device" in err
                  and read(out) == "previous\n" and not leftovers(d, "r." + fmt),
                  "rc=%s %s %s" % (rc, err, leftovers(d, "r." + fmt)))
        # Room for the temporary file's inode but not its bytes.
        b = os.path.join(d, "b.json")
        rc, _, err = run(["baseline", "create", "-q", "-o", b, src])
        check("baseline create on a full file system: exit 2 naming the path and ENOSPC",
              rc == 2 and b in err and "No space left on device" in err
              and "entries" in read(b) and not leftovers(d, "b.json"), "rc=%s %s" % (rc, err))
    finally:
        subprocess.run(["umount", d], capture_output=True)


# ---------------------------------------------------------------------------
# 4. UTF-8 member names


def check_zip_utf8(tmp):
    name = "konfigürätion/schlüssel.env"
    z = os.path.join(tmp, "names.zip")
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr(name, SECRETS)
    clean = os.path.join(tmp, "clean.zip")
    with zipfile.ZipFile(clean, "w") as zf:
        zf.writestr(name, "nothing to see\n")
    for lang in ("C", "C.UTF-8"):
        env = {"LANG": lang, "LC_ALL": "", "LC_CTYPE": ""}
        rc, out, err = run(["scan", "--format", "json", z], env=env)
        try:
            doc = json.loads(out)
        except ValueError:
            doc = {"findings": [], "warnings": ["unparsable"]}
        paths = sorted({loc["path"] for f in doc["findings"] for loc in f["locations"]})
        check("LANG=%s: a zip member's UTF-8 name is its path, no warning" % lang,
              rc == 1 and paths == [z + ":/" + name] and doc["warnings"] == []
              and "locale" not in err, "rc=%s %s %s %s" % (rc, paths, doc["warnings"], err))
        rc, _, err = run(["scan", "-q", "--strict", z], env=env)
        check("LANG=%s: --strict on the zip: findings (1), not an error (2)" % lang,
              rc == 1, "rc=%s %s" % (rc, err))
        rc, _, err = run(["scan", "--strict", clean], env=env)
        check("LANG=%s: --strict on a valid zip with a UTF-8 name and no secret exits 0" % lang,
              rc == 0 and "warning" not in err, "rc=%s %s" % (rc, err))


def main():
    tmp = tempfile.mkdtemp(prefix="keysift-robust-io-")
    try:
        # The rule database is compiled once, under the long limit, so that
        # the hang limits below time only the scans (a cold compile on a
        # loaded machine takes minutes).
        write(os.path.join(tmp, "warm.txt"), "nothing\n")
        run(["scan", "-q", os.path.join(tmp, "warm.txt")])
        check_planted_report(tmp)
        check_planted_baseline(tmp)
        check_special_outputs(tmp)
        check_planted_hook(tmp)
        check_special_files(tmp)
        check_dev_full(tmp)
        check_full_disk(tmp)
        check_zip_utf8(tmp)
        check_planted_cache(tmp)
    finally:
        subprocess.run(["umount", os.path.join(tmp, "small")], capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)
    if failures:
        print("%d failure(s)" % len(failures))
        return 1
    print("all robust-io checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
