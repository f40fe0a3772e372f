#!/usr/bin/env python3
"""End-to-end tests of firmware and binary scanning.

usage: test_firmware.py KEYSIFT_BINARY CORPUS_DIR

Builds the fixtures of CORPUS_DIR/firmware with its build.sh (real tools: gcc,
clang for MIPS/ARM, mksquashfs, cpio, zip, mkimage, objcopy, openssl,
dropbearkey) in a temporary directory, then:

- scans every fixture named in CORPUS_DIR/firmware/manifest.tsv and compares
  what keysift reports (origin chain, rule, ELF symbol) with the manifest: a
  missing row or an extra finding is a failure;
- checks the offsets keysift reports against the bytes of the fixture (with
  --show-secrets: the secret must be at its file offset), the ELF facts of the
  cross-built binaries, the UTF-16 encoding, SSH host-key context;
- checks the hostile inputs: truncated SquashFS, corrupt gzip, nested zip bomb,
  twenty levels of nesting (warnings with origin and offset, budgets counted,
  bounded time and memory, --strict);
- checks that stdin and git blobs are unpacked like files, and that SARIF for
  binary findings is valid against the schema (when ../shared/schemas or
  $KEYSIFT_SCHEMAS holds it).

Exit status 0 when every check passes, 1 otherwise.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

KEYSIFT = os.path.abspath(sys.argv[1])
CORPUS = os.path.abspath(sys.argv[2])
FW = os.path.join(CORPUS, "firmware")
failures = 0


def check(name, ok, detail=""):
    global failures
    if ok:
        print("ok   " + name)
    else:
        failures += 1
        print("FAIL " + name + (("\n     " + str(detail)[:3000]) if detail else ""))


def scan(args, cwd, stdin=None, timeout=120):
    r = subprocess.run([KEYSIFT, "scan", "-q", "--format", "json"] + args, cwd=cwd,
                       stdin=stdin, capture_output=True, timeout=timeout)
    try:
        doc = json.loads(r.stdout)
    except ValueError:
        doc = None
    return r.returncode, doc, r.stderr.decode(errors="replace")


def scan_measured(args, cwd):
    """A scan as its own child, with that child's peak RSS (KB)."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.chdir(cwd)
        os.dup2(w, 1)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.execv(KEYSIFT, [KEYSIFT, "scan", "-q", "--format", "json"] + args)
    os.close(w)
    chunks = []
    while True:
        b = os.read(r, 65536)
        if not b:
            break
        chunks.append(b)
    os.close(r)
    _, status, ru = os.wait4(pid, 0)
    return os.waitstatus_to_exitcode(status), json.loads(b"".join(chunks)), ru.ru_maxrss


def rows_of(doc):
    rows = set()
    for f in doc["findings"]:
        for l in f["locations"]:
            b = l.get("binary") or {}
            rows.add((l["path"], f["rule_id"], b.get("symbol") or "-"))
    return rows


def matches(pattern, path):
    rx = "^" + re.escape(pattern).replace(re.escape("@*"), "@0x[0-9a-f]+") + "$"
    return re.match(rx, path) is not None


def load_manifest():
    want = {}
    with open(os.path.join(FW, "manifest.tsv"), encoding="utf-8") as f:
        header = False
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            cols = line.split("\t")
            if not header:
                header = cols == ["fixture", "location", "rule_id", "symbol"]
                if not header:
                    print("test_firmware: manifest.tsv: bad header", file=sys.stderr)
                    sys.exit(1)
                continue
            want.setdefault(cols[0], []).append(tuple(cols[1:]))
    return want


def compare(fixture, got, want):
    missing = [w for w in want if not any(matches(w[0], g[0]) and w[1:] == g[1:] for g in got)]
    extra = [g for g in got if not any(matches(w[0], g[0]) and w[1:] == g[1:] for w in want)]
    check(f"{fixture}: the findings of the manifest, and only those ({len(want)})",
          not missing and not extra, f"missing {missing}\n     unexpected {extra}")


def secret_bytes(finding, loc):
    s = finding["secret"]
    return s.encode("utf-16-le") if (loc.get("binary") or {}).get("encoding") == "utf-16le" else s.encode()


def main():
    tmp = tempfile.mkdtemp(prefix="keysift-fw-")
    out = os.path.join(tmp, "fw")
    try:
        t0 = time.time()
        b = subprocess.run(["sh", os.path.join(FW, "build.sh"), out], capture_output=True, text=True,
                           stdin=subprocess.DEVNULL)
        check("build.sh builds the fixtures", b.returncode == 0, b.stdout + b.stderr)
        if b.returncode != 0:
            return
        print(f"     (built in {time.time() - t0:.1f} s)")
        want = load_manifest()

        # --- every fixture against the manifest ---------------------------------------------
        docs = {}
        for fixture, rows in want.items():
            rc, doc, err = scan([fixture], out)
            if doc is None:
                check(f"{fixture}: scanned", False, err)
                continue
            docs[fixture] = doc
            compare(fixture, rows_of(doc), rows)

        # --- offsets, against the bytes ------------------------------------------------------
        for fixture in ("agent", "agent-O2", "agent-stripped", "sensor-mips", "sensor-arm",
                        "sensor-arm64", "bundle.bin"):
            rc, doc, err = scan(["--show-secrets", fixture], out)
            data = open(os.path.join(out, fixture), "rb").read()
            bad = []
            n = 0
            for f in doc["findings"]:
                for l in f["locations"]:
                    b = l["binary"]
                    off = b["origin"][0]["offset"]
                    if off is None or "!pem" in l["path"]:
                        continue
                    n += 1
                    sb = secret_bytes(f, l)
                    if data[off:off + len(sb)] != sb:
                        bad.append((l["path"], off))
            check(f"{fixture}: each secret is at the file offset reported ({n} checked)",
                  n > 0 and not bad, bad)

        doc = docs.get("agent")
        if doc:
            locs = [(f, l) for f in doc["findings"] for l in f["locations"]]
            aws = [l for f, l in locs if f["rule_id"] == "aws.access-key-id"]
            check("agent: the AWS key has a load address and its symbol",
                  aws and aws[0]["binary"]["vaddr"] and aws[0]["binary"]["symbol"] == "cloud_api_key"
                  and aws[0]["line"] is None, aws)
            utf = [l for f, l in locs if f["rule_id"] == "stripe.secret-key"]
            check("agent: the UTF-16 string is decoded and reported as such",
                  utf and utf[0]["binary"]["encoding"] == "utf-16le", utf)
            der = [l for f, l in locs if "der@" in l["path"]]
            check("agent: the DER key in .rodata is carved and attributed to device_key_der",
                  der and der[0]["binary"]["symbol"] == "device_key_der", der)

        for fixture, machine, cls, be in (("sensor-mips", 8, 1, True), ("sensor-arm", 40, 1, False),
                                          ("sensor-arm64", 183, 2, False)):
            data = open(os.path.join(out, fixture), "rb").read(20)
            m = int.from_bytes(data[18:20], "big" if be else "little")
            check(f"{fixture}: really an ELF for machine {machine}, class {cls}, "
                  f"{'big' if be else 'little'} endian",
                  data[:4] == b"\x7fELF" and data[4] == cls and data[5] == (2 if be else 1) and m == machine)

        doc = docs.get("firmware.img")
        if doc:
            ctx = {(l["path"], (f.get("context") or {}).get("id")) for f in doc["findings"]
                   for l in f["locations"]}
            check("firmware.img: SSH host keys (OpenSSH and Dropbear) carry the host-key context",
                  ("firmware.img!squashfs@0x100000:/etc/ssh/ssh_host_ed25519_key", "ssh-host-key") in ctx
                  and ("firmware.img!squashfs@0x100000:/etc/dropbear/dropbear_ed25519_host_key!pem",
                       "ssh-host-key") in ctx, ctx)
            lines = {(l["path"], l["line"]) for f in doc["findings"] for l in f["locations"]}
            check("firmware.img: text inside the image is reported with its line",
                  ("firmware.img!squashfs@0x100000:/etc/shadow", 4) in lines, lines)
            names = [f["rule_name"] for f in doc["findings"] if f["rule_id"].startswith("unix.password-hash")]
            check("firmware.img: the hash algorithm is named, weak ones as weak",
                  any("DES crypt, weak" in n for n in names) and any("MD5-crypt, weak" in n for n in names),
                  names)
            s = doc["summary"]
            check("firmware.img: containers are counted", s["containers"] >= 5, s)

        # --- hostile inputs --------------------------------------------------------------------
        rc, doc, err = scan(["truncated.sqfs"], out)
        msgs = [w["path"] + ": " + w["message"] for w in doc["warnings"]]
        check("truncated.sqfs: a warning names the image, the offset and the truncation",
              any(m.startswith("truncated.sqfs: squashfs at offset 0x") and "truncated" in m for m in msgs), msgs)
        check("truncated.sqfs: the readable blocks are still scanned (carved out of the image)",
              any(r[1] == "unix.password-hash.md5" for r in rows_of(doc)), rows_of(doc))
        rc2, _, err2 = scan(["--strict", "truncated.sqfs"], out)
        check("truncated.sqfs: --strict makes the damage an error (exit 2)", rc2 == 2, err2)

        rc, doc, err = scan(["corrupt.gz"], out)
        msgs = [w["message"] for w in doc["warnings"]]
        check("corrupt.gz: a warning with the offset where the stream broke",
              any(re.match(r"gzip at offset 0x[0-9a-f]+: corrupt stream", m) for m in msgs), msgs)
        check("corrupt.gz: what decoded before the damage is scanned",
              ("corrupt.gz!gzip", "generic.password.assignment", "-") in rows_of(doc), rows_of(doc))

        t0 = time.time()
        rc, doc, rss = scan_measured(["bomb.zip"], out)
        took = time.time() - t0
        check("bomb.zip: the nested zip bomb is stopped by a budget, with a warning naming it",
              doc["summary"]["budget_hits"] >= 1 and any("budget" in w["message"] for w in doc["warnings"])
              and all(w["path"].startswith("bomb.zip") for w in doc["warnings"]), doc["warnings"])
        limit = int(os.environ.get("KEYSIFT_TEST_RSS_MB", "512"))
        check(f"bomb.zip: in bounded time and memory ({took:.1f} s, peak RSS {rss // 1024} MB, "
              f"limit {limit} MB)", took < 30 and rss < limit * 1024)
        rc, doc, err = scan(["--max-expanded", "20M", "--max-ratio", "0", "bomb.zip"], out, timeout=60)
        check("bomb.zip: --max-expanded stops it too",
              any("--max-expanded" in w["message"] for w in doc["warnings"]), doc["warnings"])

        rc, doc, err = scan(["deep.zip"], out)
        check("deep.zip: twenty levels deep: --max-depth (16) is a warning, counted",
              doc["summary"]["budget_hits"] == 1 and any("--max-depth 16" in w["message"] for w in doc["warnings"])
              and not doc["findings"], doc)
        rc, doc, err = scan(["--max-depth", "32", "deep.zip"], out)
        chains = [l["binary"]["origin"] for f in doc["findings"] for l in f["locations"]]
        check("deep.zip: with --max-depth 32 the token at the bottom is found, 20 containers down",
              len(chains) == 1 and len(chains[0]) == 21 and doc["findings"][0]["rule_id"] == "gitlab.pat", chains)

        # --- every source unpacks ---------------------------------------------------------------
        fw_rows = rows_of(docs["firmware.img"]) if "firmware.img" in docs else set()
        with open(os.path.join(out, "firmware.img"), "rb") as f:
            rc, doc, err = scan(["-"], out, stdin=f)
        got = {("firmware.img" + p[1:] if p.startswith("-!") else p, r, s) for p, r, s in rows_of(doc)}
        check("stdin: an image piped in is unpacked like the file", fw_rows and got == fw_rows,
              got ^ fw_rows)
        repo = os.path.join(tmp, "repo")
        os.makedirs(repo)
        shutil.copy(os.path.join(out, "firmware.img"), repo)
        env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com", GIT_COMMITTER_NAME="t",
                   GIT_COMMITTER_EMAIL="t@example.com")
        for cmd in (["git", "init", "-q"], ["git", "config", "gc.auto", "0"], ["git", "add", "firmware.img"],
                    ["git", "commit", "-q", "-m", "release image"], ["git", "rm", "-q", "firmware.img"],
                    ["git", "commit", "-q", "-m", "remove the image"]):
            subprocess.run(cmd, cwd=repo, env=env, check=True, stdin=subprocess.DEVNULL)
        rc, doc, err = scan(["--git", repo], out)
        git_rows = rows_of(doc)
        check("git: an image in the history is unpacked, and its origin starts with its path",
              fw_rows and git_rows == fw_rows, git_rows ^ fw_rows)
        provs = [l.get("git", {}).get("commit") for f in doc["findings"] for l in f["locations"]]
        check("git: binary findings carry their introducing commit", provs and all(provs), provs)

        rc, doc, err = scan(["--no-unpack", "firmware.img"], out)
        check("--no-unpack: the image is scanned as the bytes it is",
              all("!" not in l["path"] for f in doc["findings"] for l in f["locations"]), rows_of(doc))

        # --- SARIF of binary findings -----------------------------------------------------------
        schemas = os.environ.get("KEYSIFT_SCHEMAS") or os.path.join(os.path.dirname(CORPUS), "..", "shared",
                                                                    "schemas")
        schema = os.path.join(schemas, "sarif-schema-2.1.0.json")
        if os.path.exists(schema):
            import jsonschema
            r = subprocess.run([KEYSIFT, "scan", "-q", "--format", "sarif", "firmware.img",
                                "agent"], cwd=out, capture_output=True)
            sarif = json.loads(r.stdout)
            try:
                jsonschema.validate(sarif, json.load(open(schema)))
                valid = True, ""
            except jsonschema.ValidationError as e:
                valid = False, e.message
            check("SARIF for binary findings is valid against the schema", valid[0], valid[1])
            res = sarif["runs"][0]["results"]
            logical = [r["locations"][0].get("logicalLocations") for r in res]
            check("SARIF: origin chains and symbols are logical locations",
                  all(logical) and any(len(x) == 2 and x[1]["kind"] == "variable" for x in logical), logical[:3])
            check("SARIF: no full secret", "AKIAKPO4DRVAUKVWZZUT" not in r.stdout.decode())
        else:
            print("skip SARIF schema checks (no schema at %s)" % schema)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


main()
print("firmware: %s" % ("all checks passed" if failures == 0 else "%d failure(s)" % failures))
sys.exit(1 if failures else 0)
