#!/usr/bin/env python3
"""False-alarm benchmark: keysift on real material nobody planted secrets in.

Measures how many findings keysift reports per 100 MB of ordinary Debian
material, and makes every one of them reviewable. The targets:

  usr-share, usr-include, usr-lib   this system's /usr/share, /usr/include and
                                    /usr/lib, scanned in place (what is installed
                                    varies between machines: the review file
                                    names paths, so a new package's files show
                                    up as unreviewed)
  src-<package>                     the unpacked sources of six Debian bookworm
                                    source packages, cached under CACHE/src

The source packages (1.43 GB of files, 1.7 GB on disk, unpacked: upstream tree
plus debian/, patches not applied) were picked for what a secret scanner meets
in real repositories:
  openssl        C and Perl; hundreds of test keys and certificates, test vectors
  postgresql-15  C, SQL, Perl, SGML docs, sample configs, SSL test keys
  python3.11     Python and C, reStructuredText docs, test certificates
  samba          C, Python, Perl, smb.conf and Kerberos configs, a test PKI
  nodejs         JavaScript and C++, vendored npm packages (JSON, YAML configs),
                 test fixtures with keys
  openjdk-17     Java, C++, properties files, keystores, a large test suite
(curl, nginx and ansible are smaller or, for ansible, not fetchable from the
bookworm archive mirror used here; rustc and golang would add size without
new kinds of files.)

Preparing (once): with no deb-src line for the system's suite, a deb-src copy
of each deb entry is written to /etc/apt/sources.list.d/keysift-fp-src.sources
and `apt-get update` runs (as root); dpkg-dev is installed when dpkg-source
is missing; each package is fetched with `apt-get source --download-only`,
newest version first (an older one when the mirror lacks the newest's
files), and unpacked with `dpkg-source -x --skip-patches`. Without network
(or root) the script says so and measures what is there.

Each target is scanned with `keysift scan -q --format jsonl -j 2 TARGET`
(plus any --rules), timed, and every finding location kept: rule id, path,
line, redacted secret, snippet. MB scanned is the size of the regular files
keysift reads (symbolic links, .git/.hg/.svn and files over keysift's default
256 MB limit left out, as keysift does), in the files as stored (a .gz
counts its compressed size).

Every location is classified with tests/bench/fp_review.tsv, a tab-separated
file of reviewed verdicts:

  rule_id  path  line  verdict  note

rule_id and path are exact or globs (`*` matches any run of characters, `/`
included; `?` one character); path is absolute for the /usr targets and
`src/PACKAGE/...` for the sources; a location inside a container keeps
keysift's `!`-joined path (`x.gz!gzip`). line is a number, `*` (any) or `-`
(no line: strings of a binary, a member decoded from DER). verdict is `true`
(real credential material that ships in Debian: a private key that parses,
a real-format token with a valid checksum, a password in a real config) or
`false`. The first matching row wins. A finding (one secret of one rule in
one target, with all its locations) is true when any location is true,
unreviewed when none is true and one is unreviewed, false otherwise;
unreviewed findings count as false alarms until someone reviews them.

What counts as true: key material that parses (test keys included), a
real-format token that is live or has a valid checksum, a password in a real
config, and a password or secret hard-coded for a test environment that it
genuinely authenticates or protects (a test user's or test keystore's
password, a test database's login: keysift should report those with low
confidence). False: placeholders, documentation and help-text examples,
test vectors of algorithms (KDF inputs, key-agreement outputs, URL-parser
cases), deliberately wrong or invalid values, names, messages, code.
Findings computed from keys and certificates (`public: true` in keysift's
JSON: crypto.rsa-short, crypto.weak-signature, crypto.cert-expired) are made
for a private key or for the certificate or public key of a private key found
in the same scan, and are reviewed like that key (the expired certificate of
a test key that parses is true: it is the key's identity). One on a
certificate or public key whose private key the scan did not find (older
keysift made those) is false without a review row: public material. A
public finding that is not true is counted in its own column, so that the
rate can be read without them.

Output: per target and in total, MB, scan wall time, findings, true, false,
unreviewed, public (false or unreviewed findings on public material), false per
100 MB (unreviewed counted as false); the same rate without the public ones;
findings and false findings per 100 MB by rule family (the rule id up to its
first dot; "provider rules" sums every family but generic, privkey and
cert); a per-rule table sorted by false count; review rows of the scanned
targets that matched nothing (stale: the file moved with a new version, or the
finding is gone).

Time on 2 cores (7.3 GB): from scratch, with an empty page cache, about 8
minutes (1.5 to fetch and unpack, 6.5 to measure and scan); again, with the
material cached, about 3.5 minutes (scan times vary by a factor of 2 to 5 from
run to run on a shared virtual machine).

usage: fp_scan.py [--keysift build/keysift] [--cache /tmp/bench/fp] [--rules PATH ...]
                  [--targets usr-share,src-openssl,...] [--no-fetch] [--threads 2]
                  [--review FILE] [--list [unreviewed|false|true|all]] [--json FILE]
                  [--load FILE]
--load FILE classifies the findings of an earlier --json FILE again (after
editing the review file) without scanning.
"""
import argparse
import collections
import glob
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

PACKAGES = ["openssl", "postgresql-15", "python3.11", "samba", "nodejs", "openjdk-17"]
SYSTEM_TARGETS = [("usr-share", "/usr/share"), ("usr-include", "/usr/include"),
                  ("usr-lib", "/usr/lib")]
SRC_LIST = "/etc/apt/sources.list.d/keysift-fp-src.sources"
MAX_FILE = 256 * 2**20  # keysift's default --max-file-size
SKIP_DIRS = (".git", ".hg", ".svn")


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def run(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, **kw)


# ---------------------------------------------------------------- material

def have_deb_src():
    """Whether any enabled apt source has a deb-src entry."""
    files = ["/etc/apt/sources.list"] + glob.glob("/etc/apt/sources.list.d/*.list") \
        + glob.glob("/etc/apt/sources.list.d/*.sources")
    for fn in files:
        try:
            text = open(fn).read()
        except OSError:
            continue
        if fn.endswith(".sources"):
            if re.search(r"^Types:.*\bdeb-src\b", text, re.M):
                return True
        elif re.search(r"^\s*deb-src\s", text, re.M):
            return True
    return False


def deb_src_entries():
    """deb-src copies of the Debian deb entries (deb822 and one-line)."""
    out = []
    for fn in sorted(glob.glob("/etc/apt/sources.list.d/*.sources")):
        for stanza in re.split(r"\n\s*\n", open(fn).read()):
            fields = {}
            for line in stanza.splitlines():
                m = re.match(r"^([A-Za-z-]+):\s*(.*)$", line)
                if m:
                    fields[m.group(1)] = m.group(2).strip()
            if "deb" not in fields.get("Types", "").split() \
                    or fields.get("Enabled", "yes").lower() == "no":
                continue
            entry = ["Types: deb-src"]
            for k in ("URIs", "Suites", "Components", "Signed-By"):
                if k in fields:
                    entry.append("%s: %s" % (k, fields[k]))
            out.append("\n".join(entry))
    for fn in ["/etc/apt/sources.list"] + sorted(glob.glob("/etc/apt/sources.list.d/*.list")):
        try:
            lines = open(fn).read().splitlines()
        except OSError:
            continue
        for line in lines:
            m = re.match(r"^\s*deb\s+(.*)$", line)
            if m:
                rest = m.group(1).split()
                opts = ""
                if rest and rest[0].startswith("["):
                    while rest and not rest[0].endswith("]"):
                        opts += rest.pop(0) + " "
                    opts += rest.pop(0) if rest else ""
                if len(rest) < 3:
                    continue
                entry = ["Types: deb-src", "URIs: " + rest[0], "Suites: " + rest[1],
                         "Components: " + " ".join(rest[2:])]
                sb = re.search(r"signed-by=([^\s\]]+)", opts)
                if sb:
                    entry.append("Signed-By: " + sb.group(1))
                out.append("\n".join(entry))
    # Only the distribution's own archive: third-party repositories rarely
    # publish sources, and a missing Sources index fails apt-get update.
    return [e for e in out if "debian" in e.split("\n")[1]]


def ensure_apt_sources():
    """deb-src entries, an updated index and dpkg-source. Returns an error
    string, or None when sources can be fetched."""
    if os.geteuid() != 0:
        # apt-get source --download-only works unprivileged once the lists are there
        if have_deb_src() and shutil.which("dpkg-source"):
            return None
        return "not root: cannot add deb-src entries, update apt or install dpkg-dev"
    if not have_deb_src():
        entries = deb_src_entries()
        if not entries:
            return "no Debian deb entry in /etc/apt to derive a deb-src entry from"
        with open(SRC_LIST, "w") as f:
            f.write("# written by keysift tests/bench/fp_scan.py\n" + "\n\n".join(entries) + "\n")
        log("fp_scan: wrote %s" % SRC_LIST)
    log("fp_scan: apt-get update")
    r = run(["apt-get", "update"])
    if r.returncode != 0:
        return "apt-get update failed (no network?): %s" % (
            (r.stderr.strip().splitlines() or ["exit %d" % r.returncode])[-1])
    if not shutil.which("dpkg-source"):
        log("fp_scan: installing dpkg-dev (dpkg-source)")
        r = run(["apt-get", "install", "-y", "--no-install-recommends", "dpkg-dev"],
                env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
        if r.returncode != 0:
            return "apt-get install dpkg-dev failed: %s" % r.stderr.strip()[-300:]
    return None


def versions_of(pkg):
    """The source package's versions apt knows, newest first."""
    r = run(["apt-cache", "showsrc", pkg])
    vers, cur = [], None
    for line in r.stdout.splitlines():
        if line.startswith("Package: "):
            cur = line.split(None, 1)[1]
        elif line.startswith("Version: ") and cur == pkg:
            v = line.split(None, 1)[1]
            if v not in vers:
                vers.append(v)

    def newer(a, b):
        return subprocess.call(["dpkg", "--compare-versions", a, "gt", b]) == 0
    # insertion sort with dpkg's ordering (a handful of versions)
    out = []
    for v in vers:
        i = 0
        while i < len(out) and newer(out[i], v):
            i += 1
        out.insert(i, v)
    return out


def fetch_package(pkg, cache):
    """Downloads and unpacks pkg into CACHE/src/pkg. Returns an error or None."""
    dl = os.path.join(cache, "dl")
    os.makedirs(dl, exist_ok=True)
    vers = versions_of(pkg)
    if not vers:
        return "apt knows no source package %s" % pkg
    errors = []
    for v in vers:
        r = run(["apt-get", "source", "--download-only", "%s=%s" % (pkg, v)], cwd=dl)
        if r.returncode != 0:
            errors.append("%s: download failed (no network?): %s"
                          % (v, (r.stderr.strip().splitlines() or ["?"])[0]))
            continue
        dsc = os.path.join(dl, "%s_%s.dsc" % (pkg, v.split(":", 1)[-1]))
        dest = os.path.join(cache, "src", pkg)
        tmp = dest + ".tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        r = run(["dpkg-source", "-x", "--skip-patches", dsc, tmp], cwd=dl)
        if r.returncode != 0:
            errors.append("%s: dpkg-source: %s" % (v, r.stderr.strip()[-200:]))
            shutil.rmtree(tmp, ignore_errors=True)
            continue
        with open(os.path.join(tmp, ".fp-version"), "w") as f:
            f.write(v + "\n")
        shutil.rmtree(dest, ignore_errors=True)
        os.rename(tmp, dest)
        return None
    return "; ".join(errors)


def prepare(cache, packages, fetch):
    """Fetches what is missing; returns [(name, path)] of the source targets
    present and a list of notes about what is missing."""
    src = os.path.join(cache, "src")
    os.makedirs(src, exist_ok=True)
    missing = [p for p in packages if not os.path.isfile(os.path.join(src, p, ".fp-version"))]
    notes = []
    if missing and fetch:
        err = ensure_apt_sources()
        if err:
            notes.append("SOURCES NOT FETCHED (%s): missing %s" % (err, ", ".join(missing)))
        else:
            for p in missing:
                log("fp_scan: fetching and unpacking %s" % p)
                e = fetch_package(p, cache)
                if e:
                    notes.append("SOURCE NOT FETCHED: %s (%s)" % (p, e))
    elif missing:
        notes.append("not fetched (--no-fetch): %s" % ", ".join(missing))
    targets = []
    for p in packages:
        d = os.path.join(src, p)
        if os.path.isfile(os.path.join(d, ".fp-version")):
            targets.append(("src-" + p, d, open(os.path.join(d, ".fp-version")).read().strip()))
    return targets, notes


def tree_bytes(root):
    """Bytes and count of the regular files keysift reads under root."""
    total = files = 0
    for d, dirs, names in os.walk(root):
        dirs[:] = [x for x in dirs if x not in SKIP_DIRS]
        for n in names:
            try:
                st = os.lstat(os.path.join(d, n))
            except OSError:
                continue
            if stat.S_ISREG(st.st_mode) and st.st_size <= MAX_FILE:
                total += st.st_size
                files += 1
    return total, files


# ---------------------------------------------------------------- scanning

def scan(keysift, target, threads, rules):
    cmd = [keysift, "scan", "-q", "--format", "jsonl", "-j", str(threads)]
    for r in rules:
        cmd += ["--rules", r]
    cmd.append(target)
    t0 = time.monotonic()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    t = time.monotonic() - t0
    if p.returncode not in (0, 1):
        sys.exit("keysift failed (exit %d) on %s: %s\n  %s" % (
            p.returncode, target, p.stderr.decode(errors="replace").strip(), " ".join(cmd)))
    return [json.loads(line) for line in p.stdout.decode().splitlines() if line.strip()], t


def review_path(path, cache):
    """The path as the review file names it: src/PKG/... for the sources."""
    prefix = os.path.join(os.path.abspath(cache), "")
    if path.startswith(prefix):
        return path[len(prefix):]
    return path


def slim(finding, cache):
    """What the benchmark keeps of a keysift finding."""
    locs = []
    for loc in finding.get("locations", []):
        b = loc.get("binary") or {}
        locs.append({"path": review_path(loc["path"], cache), "line": loc.get("line"),
                     "offset": loc.get("offset") if loc.get("line") is None else None,
                     "strings": bool(b.get("strings")),
                     "snippet": loc.get("snippet", "")})
    return {"rule_id": finding["rule_id"], "kind": finding.get("kind"),
            "severity": finding.get("severity"), "confidence": finding.get("confidence"),
            "secret": finding.get("secret", ""), "secret_length": finding.get("secret_length"),
            "public": bool(finding.get("public")), "fingerprint": finding.get("fingerprint"),
            "validation": finding.get("validation") or {}, "crypto": finding.get("crypto"),
            "locations": locs}


# ---------------------------------------------------------------- review

def glob_re(pat):
    return re.compile("^" + "".join(".*" if c == "*" else "." if c == "?" else re.escape(c)
                                    for c in pat) + "$")


class Review:
    def __init__(self, path):
        self.rows = []
        self.path = path
        if not os.path.exists(path):
            return
        for n, raw in enumerate(open(path, encoding="utf-8"), 1):
            line = raw.rstrip("\n")
            if not line.strip() or line.startswith("#") or line.startswith("rule_id\t"):
                continue
            cols = line.split("\t")
            if len(cols) < 4:
                sys.exit("%s:%d: expected rule_id, path, line, verdict, note (tabs)" % (path, n))
            rule, pth, ln, verdict = cols[:4]
            note = cols[4] if len(cols) > 4 else ""
            if verdict not in ("true", "false"):
                sys.exit("%s:%d: verdict must be true or false, not %r" % (path, n, verdict))
            if ln not in ("*", "-") and not ln.isdigit():
                sys.exit("%s:%d: line must be a number, * or -, not %r" % (path, n, ln))
            self.rows.append({"n": n, "rule": glob_re(rule), "path": glob_re(pth), "path_glob": pth,
                              "line": ln,
                              "verdict": verdict, "note": note, "hits": 0})

    def verdict(self, rule_id, loc):
        for row in self.rows:
            if row["line"] == "*":
                pass
            elif row["line"] == "-":
                if loc["line"] is not None:
                    continue
            elif loc["line"] is None or int(row["line"]) != loc["line"]:
                continue
            if row["rule"].match(rule_id) and row["path"].match(loc["path"]):
                row["hits"] += 1
                return row["verdict"], row["note"], row["n"]
        return "unreviewed", "", None


def unlinked_public(f):
    """A computed finding on a certificate or public key whose private key
    was not found in the scan: public material, never a credential (keysift
    no longer makes these; older runs loaded with --load have them)."""
    c = f.get("crypto") or {}
    return f["public"] and c.get("type") in ("certificate", "public-key") and not c.get("linked")


def classify(results, review):
    for t in results["targets"]:
        for f in t["findings"]:
            vs = []
            for loc in f["locations"]:
                if unlinked_public(f):
                    loc["verdict"], loc["review_line"] = "false", None
                    loc["note"] = "public material: no private key of it in the scan"
                else:
                    loc["verdict"], loc["note"], loc["review_line"] = review.verdict(f["rule_id"],
                                                                                     loc)
                vs.append(loc["verdict"])
            f["verdict"] = "true" if "true" in vs else "unreviewed" if "unreviewed" in vs \
                else "false"


def counts(findings):
    c = collections.Counter(f["verdict"] for f in findings)
    pub = sum(1 for f in findings if f["verdict"] != "true" and f["public"])
    return len(findings), c["true"], c["false"], c["unreviewed"], pub


# The families that are not provider rules: context-found credentials, key
# material, certificates. Everything else (a provider's token format, password
# hashes, what is computed from keys: crypto.*) is a provider rule, of which
# material nobody planted secrets in should hold no false finding.
NOT_PROVIDER = ("generic", "privkey", "cert")


def family(rule_id):
    return rule_id.split(".", 1)[0]


def per100(false, unrev, mb):
    return (false + unrev) * 100.0 / mb if mb else 0.0


def report(results, review):
    meta = results["meta"]
    print("keysift: %s (%s, %s rules)%s" % (meta["keysift"], meta["version"], meta["rules"],
          "; --rules " + " ".join(meta["extra_rules"]) if meta["extra_rules"] else ""))
    print("material: %s; review: %s (%d rows)" % (meta["cache"], review.path, len(review.rows)))
    if "run_s" in meta:
        print("run: %.0f s (%.0f s preparing the material, %.0f s measuring and scanning); %s"
              % (meta["run_s"], meta["prepare_s"], meta["run_s"] - meta["prepare_s"], meta["date"]))
    for note in meta["notes"]:
        print("NOTE: " + note)
    hdr = "%-18s %9s %8s %8s %6s %6s %6s %6s %11s" % (
        "target", "MB", "time s", "findings", "true", "false", "unrev", "public", "false/100MB")
    print(hdr)
    tot_mb = tot_t = 0.0
    allf = []
    for t in results["targets"]:
        n, tr, fa, un, pub = counts(t["findings"])
        mb = t["bytes"] / 1e6
        tot_mb += mb
        tot_t += t["seconds"]
        allf += t["findings"]
        print("%-18s %9.1f %8.1f %8d %6d %6d %6d %6d %11.2f" % (
            t["name"], mb, t["seconds"], n, tr, fa, un, pub, per100(fa, un, mb)))
    n, tr, fa, un, pub = counts(allf)
    print("%-18s %9.1f %8.1f %8d %6d %6d %6d %6d %11.2f" % (
        "total", tot_mb, tot_t, n, tr, fa, un, pub, per100(fa, un, tot_mb)))
    if tot_mb:
        print("false per 100 MB: %.2f (unreviewed counted as false); %.2f without the %d on "
              "public material" % (per100(fa, un, tot_mb), per100(fa + un - pub, 0, tot_mb), pub))
    if tot_mb:
        print("findings per 100 MB: %.2f; true %.2f; false %.2f (unreviewed counted as false)"
              % (n * 100.0 / tot_mb, tr * 100.0 / tot_mb, per100(fa, un, tot_mb)))
        by_family = collections.defaultdict(list)
        for f in allf:
            by_family[family(f["rule_id"])].append(f)
        print("\nper rule family, per 100 MB:")
        print("%-18s %8s %6s %6s %6s %12s %11s" % ("family", "findings", "true", "false", "unrev",
                                                  "findings/100", "false/100"))
        provider = []
        for fam in sorted(by_family, key=lambda k: (-counts(by_family[k])[0], k)):
            fs = by_family[fam]
            fn, ftr, ffa, fun, _ = counts(fs)
            print("%-18s %8d %6d %6d %6d %12.2f %11.2f" % (fam, fn, ftr, ffa, fun,
                                                          fn * 100.0 / tot_mb,
                                                          per100(ffa, fun, tot_mb)))
            if fam not in NOT_PROVIDER:
                provider += fs
        fn, ftr, ffa, fun, _ = counts(provider)
        print("%-18s %8d %6d %6d %6d %12.2f %11.2f" % ("(provider rules)", fn, ftr, ffa, fun,
                                                      fn * 100.0 / tot_mb,
                                                      per100(ffa, fun, tot_mb)))
    by_rule = collections.defaultdict(list)
    for f in allf:
        by_rule[f["rule_id"]].append(f)
    print("\nper rule, by false count (false + unreviewed):")
    print("%-34s %8s %6s %6s %6s %9s" % ("rule", "findings", "true", "false", "unrev",
                                          "locations"))
    rows = []
    for rule, fs in by_rule.items():
        n, tr, fa, un, _ = counts(fs)
        rows.append((fa + un, rule, n, tr, fa, un, sum(len(f["locations"]) for f in fs)))
    for bad, rule, n, tr, fa, un, nl in sorted(rows, key=lambda r: (-r[0], r[1])):
        print("%-34s %8d %6d %6d %6d %9d" % (rule, n, tr, fa, un, nl))
    # rows whose path can only lie under a target that was not scanned are not stale
    roots = [review_path(t["path"], meta["cache"]) + "/" for t in results["targets"]]

    def in_scope(pat):
        lit = re.split(r"[*?]", pat, 1)[0]
        return any(r.startswith(lit) or lit.startswith(r) for r in roots)
    stale = [r for r in review.rows if r["hits"] == 0 and in_scope(r["path_glob"])]
    if stale:
        print("\nreview rows that matched nothing (%d; the file moved, or the finding is gone):"
              % len(stale))
        for r in stale[:20]:
            print("  %s:%d  %s" % (review.path, r["n"], r["note"][:70]))
        if len(stale) > 20:
            print("  ... %d more" % (len(stale) - 20))


def list_findings(results, which):
    shown = 0
    for t in results["targets"]:
        for f in sorted(t["findings"], key=lambda f: (f["rule_id"], f["locations"][0]["path"])):
            for loc in f["locations"]:
                if which != "all" and loc["verdict"] != which:
                    continue
                shown += 1
                line = "-" if loc["line"] is None else str(loc["line"])
                where = "%s:%s" % (loc["path"], line)
                if loc["line"] is None and loc.get("offset") is not None:
                    where += " (offset %d%s)" % (loc["offset"],
                                                 ", strings" if loc["strings"] else "")
                print("%s\t%s\t%s\t%s" % (f["rule_id"], loc["path"], line, loc["verdict"]))
                print("    %s  [%s] secret %s (%s chars, %s%s)%s" % (
                    where, t["name"], f["secret"], f["secret_length"], f["confidence"],
                    ", public" if f["public"] else "",
                    ", " + ", ".join("%s %s" % kv for kv in sorted(f["validation"].items()))
                    if f["validation"] else ""))
                print("    | %s" % loc["snippet"][:300])
                if loc["note"]:
                    print("    review: %s" % loc["note"])
    print("%d locations listed (%s)" % (shown, which), file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--keysift", default=None,
                    help="binary (default: build/keysift, else keysift on PATH)")
    ap.add_argument("--cache", default="/tmp/bench/fp")
    ap.add_argument("--rules", action="append", default=[], metavar="PATH",
                    help="passed to keysift as --rules (repeatable)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--targets", help="comma-separated subset: usr-share,src-openssl,...")
    ap.add_argument("--packages", default=",".join(PACKAGES),
                    help="source packages (default: %(default)s)")
    ap.add_argument("--no-fetch", action="store_true", help="measure only what is cached")
    ap.add_argument("--review", default=os.path.join(HERE, "fp_review.tsv"))
    ap.add_argument("--list", nargs="?", const="unreviewed",
                    choices=["unreviewed", "false", "true", "all"],
                    help="print every location with that verdict, with its snippet")
    ap.add_argument("--json", metavar="FILE", help="write the results")
    ap.add_argument("--load", metavar="FILE", help="classify an earlier --json; no scan")
    a = ap.parse_args()

    review = Review(a.review)
    if a.load:
        results = json.load(open(a.load))
    else:
        keysift = a.keysift or os.path.join(ROOT, "build", "keysift")
        if not a.keysift and not os.path.exists(keysift):
            keysift = shutil.which("keysift") or keysift
        if not os.path.exists(keysift):
            sys.exit("no keysift binary at %s: build it or pass --keysift" % keysift)
        keysift = os.path.abspath(keysift)
        version = run([keysift, "--version"]).stdout.strip().splitlines()[0]  # the first line; the rest names libraries
        lr = run([keysift, "rules", "list"] + sum([["--rules", r] for r in a.rules], []))
        nrules = len([ln for ln in lr.stdout.splitlines() if ln.strip()])
        t_start = time.monotonic()
        cache = os.path.abspath(a.cache)
        pkgs = [p for p in a.packages.split(",") if p]
        wanted = set(a.targets.split(",")) if a.targets else None
        need = [p for p in pkgs if wanted is None or "src-" + p in wanted]
        src_targets, notes = prepare(cache, need, not a.no_fetch)
        targets = [(n, p, None) for n, p in SYSTEM_TARGETS if os.path.isdir(p)] + src_targets
        if wanted:
            unknown = wanted - {t[0] for t in targets}
            if unknown:
                notes.append("targets not available: %s" % ", ".join(sorted(unknown)))
            targets = [t for t in targets if t[0] in wanted]
        prep_s = time.monotonic() - t_start
        results = {"meta": {"keysift": keysift, "version": version, "rules": nrules,
                            "extra_rules": a.rules, "cache": cache, "threads": a.threads,
                            "notes": notes, "date": time.strftime("%Y-%m-%d %H:%M:%S")},
                   "targets": []}
        for name, path, ver in targets:
            nbytes, nfiles = tree_bytes(path)
            log("fp_scan: scanning %s (%s, %.0f MB)" % (name, path, nbytes / 1e6))
            findings, secs = scan(keysift, path, a.threads, a.rules)
            results["targets"].append({"name": name, "path": path, "version": ver,
                                       "bytes": nbytes, "files": nfiles, "seconds": secs,
                                       "findings": [slim(f, cache) for f in findings]})
        results["meta"]["prepare_s"] = prep_s
        results["meta"]["run_s"] = time.monotonic() - t_start
    classify(results, review)
    report(results, review)
    if a.list:
        print()
        list_findings(results, a.list)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
