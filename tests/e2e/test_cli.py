#!/usr/bin/env python3
"""The command line's contract: exit codes, error messages naming what is
wrong, redaction by default in every format, stdin, output files, excludes,
size limits, the compiled-rule cache.

usage: test_cli.py KEYSIFT_BINARY
"""
import binascii
import hashlib
import json
import os
import subprocess
import sys
import tempfile

KS = os.path.abspath(sys.argv[1])
B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
failures = []


def token(prefix, body):
    """A token in GitHub's format: prefix + 30 chars + base62(crc32) checksum."""
    assert len(body) == 30
    crc = binascii.crc32(body.encode())
    digits = ""
    for _ in range(6):
        digits = B62[crc % 62] + digits
        crc //= 62
    return prefix + body + digits


GH = token("ghp_", "Kq3v9TzW2xLmP8rB5nY7cD4fH6jQ1s")
AWS = "AKIAZ7Q2WERTYUIOPL3K"


# A hang guard, not a speed test: a run that disables a rule compiles the
# whole database cold, which under the sanitizers on two busy cores takes
# minutes.
TIMEOUT = 600


def run(args, stdin=None, env=None):
    e = dict(os.environ)
    e.update(env or {})
    p = subprocess.run([KS] + args, input=stdin, capture_output=True, env=e, timeout=TIMEOUT)
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def check(name, cond, detail=""):
    if not cond:
        failures.append("%s %s" % (name, detail))
        print("FAIL", name, detail)
    else:
        print("ok  ", name)


def check_rules_list_json(tmp):
    """`rules list --format json|jsonl`: every rule, its fields, never its examples."""
    rc, text, err = run(["rules", "list"])
    ntext = int(text.splitlines()[-1].split()[0]) if rc == 0 else -1
    rc, out, err = run(["rules", "list", "--format", "json"])
    try:
        doc = json.loads(out)
        rules = doc["rules"]
    except (ValueError, KeyError, TypeError) as e:
        check("rules list --format json parses", False, "%s: %s %s" % (e, out[:200], err))
        return
    check("rules list --format json parses", rc == 0 and doc["tool"]["name"] == "keysift")
    ids = [r["id"] for r in rules]
    check("rules list --format json: >= 400 rules, as many as the text lists",
          len(rules) >= 400 and len(rules) == ntext, "%d json, %d text" % (len(rules), ntext))
    check("rules list --format json: ids are unique", len(set(ids)) == len(ids))
    byid = {r["id"]: r for r in rules}
    gh = byid.get("github.pat.classic", {})
    want = {"name": "GitHub personal access token (classic)", "kind": "source-hosting-token",
            "severity": "critical", "confidence": "high", "enabled": True,
            "file": "rules/github.yaml", "keywords": ["ghp_"], "validators": ["github-crc32"],
            "paths": [], "check": None, "extract": None, "syntax": None, "inventory": False,
            "secret_group": 1}
    check("rules list --format json: the fields of github.pat.classic",
          all(gh.get(k) == v for k, v in want.items()) and gh.get("references")
          and gh.get("pattern", "").startswith("\\b(ghp_") and gh.get("remediation"), str(gh))
    keys = set(gh)
    check("rules list --format json: every rule has the same keys",
          all(set(r) == keys for r in rules), str(keys))
    check("rules list --format json: no examples",
          "examples" not in keys and "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" not in out)
    gen = byid.get("generic.password.assignment", {})
    url = byid.get("generic.url-credentials", {})
    rsa = byid.get("crypto.rsa-short", {})
    x509 = byid.get("cert.x509", {})
    pg = byid.get("postgresql.pgpass", {})
    check("rules list --format json: extract, syntax, check, inventory, paths",
          gen.get("extract") == "password" and gen.get("fallback") is True
          and url.get("syntax") == "url" and rsa.get("check") == "rsa-short"
          and rsa.get("pattern") is None and x509.get("inventory") is True
          and ".pgpass" in pg.get("paths", []),
          str([gen.get("extract"), url.get("syntax"), rsa.get("check"), x509.get("inventory"),
               pg.get("paths")]))
    rc, out, err = run(["rules", "list", "--format", "jsonl"])
    try:
        lines = [json.loads(l) for l in out.splitlines()]
    except ValueError as e:
        lines = []
        err += str(e)
    check("rules list --format jsonl: one rule a line, as in json",
          rc == 0 and lines == rules, err)
    rc, out, err = run(["rules", "list", "--format", "sarif"])
    check("rules list --format sarif exits 2 naming it", rc == 2 and "sarif" in err and not out, err)
    mine = os.path.join(tmp, "my-rules.yaml")
    with open(mine, "w") as f:
        f.write("rules:\n  - id: my.rule\n    severity: low\n    disabled: true\n"
                "    pattern: 'tok_[a-z]{8}'\n    paths: ['*.env']\n")
    rc, out, err = run(["rules", "list", "--format", "jsonl", "--rules", mine])
    my = [r for r in map(json.loads, out.splitlines()) if r["id"] == "my.rule"] if rc == 0 else []
    check("rules list --format jsonl --rules: a user's rule, its file, disabled",
          len(my) == 1 and my[0]["file"] == mine and my[0]["enabled"] is False
          and my[0]["paths"] == ["*.env"] and my[0]["name"] == "my.rule", out[-300:] + err)


def main():
    tmp = tempfile.mkdtemp(prefix="keysift-cli-")
    clean = os.path.join(tmp, "clean")
    dirty = os.path.join(tmp, "dirty")
    os.makedirs(clean)
    os.makedirs(os.path.join(dirty, "vendor"))
    with open(os.path.join(clean, "main.py"), "w") as f:
        f.write("import os\ntoken = os.environ['GITHUB_TOKEN']\n")
    with open(os.path.join(dirty, "deploy.sh"), "w") as f:
        f.write('#!/bin/sh\nexport GITHUB_TOKEN="%s"\n' % GH)
    with open(os.path.join(dirty, "vendor", "aws.cfg"), "w") as f:
        f.write("aws_access_key_id = %s\n" % AWS)

    rc, out, err = run(["--version"])
    check("version", rc == 0 and out.startswith("keysift "), out)
    rc, out, err = run(["--help"])
    check("help", rc == 0 and "--fail-on" in out)
    rc, out, err = run(["scan", "--no-such-option", clean])
    check("bad option exits 2", rc == 2 and "no-such-option" in err, err)
    rc, out, err = run(["scan", "--fail-on", "urgent", clean])
    check("bad --fail-on exits 2", rc == 2 and "urgent" in err, err)
    rc, out, err = run(["scan", "--threads", "0", clean])
    check("bad --threads exits 2", rc == 2, err)
    rc, out, err = run(["scan", os.path.join(tmp, "missing")])
    check("missing path exits 2 naming it", rc == 2 and "missing" in err and len(err.splitlines()) == 1, err)
    rc, out, err = run(["frobnicate"])
    check("unknown command exits 2", rc == 2 and "frobnicate" in err, err)

    rc, out, err = run(["scan", "--rules", os.path.join(tmp, "nope.yaml"), clean])
    check("unreadable rule file exits 2 naming it", rc == 2 and "nope.yaml" in err, err)
    bad = os.path.join(tmp, "bad.yaml")
    with open(bad, "w") as f:
        f.write("rules:\n  - id: my.rule\n    severity: high\n    pattern: '(unclosed'\n")
    rc, out, err = run(["scan", "--rules", bad, clean])
    check("rule that does not compile exits 2 naming file and rule",
          rc == 2 and "bad.yaml" in err and "my.rule" in err, err)
    with open(bad, "w") as f:
        f.write("rules:\n  - id: x\n   severity: [\n")
    rc, out, err = run(["scan", "--rules", bad, clean])
    check("malformed YAML exits 2 naming the file and line", rc == 2 and "bad.yaml:" in err, err)

    rc, out, err = run(["scan", clean])
    check("clean tree exits 0", rc == 0 and "0 findings" in out, out + err)
    rc, out, err = run(["scan", dirty])
    check("findings exit 1", rc == 1, out + err)
    check("text output redacts", GH not in out and AWS not in out)
    check("text output names path:line:col", "deploy.sh:2:22" in out, out)
    check("no colour when stdout is not a terminal", "\033[" not in out)
    rc, out, err = run(["scan", "--fail-on", "critical", os.path.join(dirty, "vendor", "aws.cfg")])
    check("--fail-on above the findings exits 0", rc == 0, out)

    for fmt in ("json", "jsonl", "text"):
        rc, out, err = run(["scan", "--format", fmt, dirty])
        check("%s redacts by default" % fmt, rc == 1 and GH not in out and AWS not in out)
        rc, out, err = run(["scan", "--format", fmt, "--show-secrets", dirty])
        check("%s --show-secrets shows them" % fmt, rc == 1 and GH in out and AWS in out)

    rc, out, err = run(["scan", "--format", "json", dirty])
    g = json.loads(out)["findings"][0].get("guidance", {})
    check("every finding carries its CRA and standards guidance",
          any(c["ref"].startswith("Annex I") for c in g.get("cra", [])) and "CWE-798" in g.get("cwe", [])
          and g.get("steps") and "Article 14" not in (g.get("title") or ""), str(g)[:300])
    rc, out, err = run(["scan", dirty])
    check("text output names the CRA requirements", "standards" in out and "CRA Annex I" in out, out[-600:])
    rc, out, err = run(["scan", "--format", "jsonl", "--exclude", "vendor", dirty])
    ids = [json.loads(l)["rule_id"] for l in out.splitlines()]
    check("--exclude prunes a directory", rc == 1 and ids == ["github.pat.classic"], str(ids))

    rc, out, err = run(["scan", "--format", "jsonl", "-"], stdin=("x = %s\n" % GH).encode())
    f = json.loads(out.splitlines()[0]) if out else {}
    check("stdin is scanned as '-'", rc == 1 and f.get("locations", [{}])[0].get("path") == "-", out)

    report = os.path.join(tmp, "out", "r.json")
    rc, out, err = run(["scan", "--format", "json", "-o", report, dirty])
    check("-o into a missing directory exits 2", rc == 2 and "r.json" in err, err)
    os.makedirs(os.path.dirname(report))
    rc, out, err = run(["scan", "--format", "json", "-o", report, dirty])
    doc = json.load(open(report))
    check("-o writes the report", rc == 1 and out == "" and len(doc["findings"]) == 2, out)
    check("-o leaves no temporary file", os.listdir(os.path.dirname(report)) == ["r.json"])
    check("json summary", doc["summary"]["files"] == 2 and doc["summary"]["findings"] == 2)

    allow = os.path.join(tmp, "allow")
    os.makedirs(allow)
    with open(os.path.join(allow, "test_fixture.py"), "w") as f:
        f.write('TOKEN = "%s"  # keysift:allow -- revoked, kept as a parser fixture\n' % GH)
        f.write('OTHER = "%s"\n' % AWS)
    rc, out, err = run(["scan", "--format", "json", allow])
    doc = json.loads(out)
    check("an inline keysift:allow comment accepts the secret on its line",
          rc == 1 and [f["rule_id"] for f in doc["findings"]] == ["aws.access-key-id"]
          and doc["summary"]["allowed"] == 1, out)

    # Baselines: create, move a secret, add one, expire one, keep notes.
    bdir = os.path.join(tmp, "baseline")
    os.makedirs(bdir)
    app = os.path.join(bdir, "app.py")
    with open(app, "w") as f:
        f.write('GH = "%s"\nAWS = "%s"\n' % (GH, AWS))
    base = os.path.join(tmp, "keysift-baseline.json")
    rc, out, err = run(["baseline", "create", "-o", base, bdir])
    doc = json.load(open(base))
    raw = open(base).read()
    check("baseline create writes the accepted findings, no secrets, no lines",
          rc == 0 and len(doc["entries"]) == 2 and GH not in raw and AWS not in raw and '"line"' not in raw
          and [e["fingerprint"] for e in doc["entries"]] == sorted(e["fingerprint"] for e in doc["entries"]), raw)
    rc, out, err = run(["scan", "--baseline", base, "--format", "json", bdir])
    check("--baseline suppresses accepted findings", rc == 0 and json.loads(out)["summary"]["baselined"] == 2, out)
    with open(app, "w") as f:
        f.write('import os\n\n\nAWS = "%s"\n\nGH = "%s"\n' % (AWS, GH))
    rc, out, err = run(["scan", "--baseline", base, bdir])
    check("a secret moved to another line stays suppressed", rc == 0, out)
    with open(app, "a") as f:
        f.write('NEW = "AKIAQQQQWWWWEEEERRR2"\n')
    rc, out, err = run(["scan", "--baseline", base, "--format", "jsonl", bdir])
    ids = [json.loads(l)["secret"] for l in out.splitlines()]
    check("a new secret is reported", rc == 1 and len(ids) == 1 and ids[0].startswith("AKIAQQ"), out)
    for e in doc["entries"]:
        if e["rule_id"] == "aws.access-key-id":
            e["expires"] = "2000-01-01"
        else:
            e["reason"] = "revoked test token, kept as a fixture"
            e["owner"] = "security@example.test"
    with open(base, "w") as f:
        json.dump(doc, f)
    rc, out, err = run(["scan", "--baseline", base, "--format", "jsonl", bdir])
    rules = sorted(json.loads(l)["rule_id"] for l in out.splitlines())
    check("an expired baseline entry stops suppressing", rules == ["aws.access-key-id", "aws.access-key-id"], str(rules))
    rc, out, err = run(["baseline", "create", "-o", base, bdir])
    kept = [e for e in json.load(open(base))["entries"] if e["rule_id"] == "github.pat.classic"]
    check("re-creating a baseline keeps reasons and owners",
          rc == 0 and kept and kept[0]["reason"] == "revoked test token, kept as a fixture", str(kept))
    with open(base, "w") as f:
        f.write('{"version": 1, "entries": [\n  {"fingerprint": "zz"}\n')
    rc, out, err = run(["scan", "--baseline", base, bdir])
    check("a malformed baseline is an error naming the file and line", rc == 2 and base in err and ":3:" in err, err)
    with open(base, "w") as f:
        f.write('{"version": 1, "entries": [{"fingerprint": "xyz"}]}')
    rc, out, err = run(["scan", "--baseline", base, bdir])
    check("a bad fingerprint is an error naming the entry", rc == 2 and "entry 1" in err, err)

    # .keysift.yaml at the scan root: excludes, disabled rules, severities, allowlist.
    cdir = os.path.join(tmp, "configured")
    os.makedirs(os.path.join(cdir, "vendor"))
    with open(os.path.join(cdir, "a.py"), "w") as f:
        f.write('K = "%s"\npassword = "Xk9!vQ2#mZ7pL4"\nG = "%s"\n' % (AWS, GH))
    with open(os.path.join(cdir, "vendor", "b.py"), "w") as f:
        f.write('V = "AKIAQQQQWWWWEEEERRR2"\n')
    with open(os.path.join(cdir, ".keysift.yaml"), "w") as f:
        f.write("exclude: [vendor]\ndisable: [generic.password.assignment]\n"
                "severity:\n  aws.access-key-id: low\n"
                "allow:\n  - sha256: %s\n    reason: revoked fixture\n" % hashlib.sha256(GH.encode()).hexdigest())
    rc, out, err = run(["scan", "--format", "json", cdir])
    doc = json.loads(out)
    got = [(f["rule_id"], f["severity"]) for f in doc["findings"]]
    check(".keysift.yaml: excludes, disabled rules, severity overrides and allowlist apply",
          got == [("aws.access-key-id", "low")] and doc["summary"]["allowed"] == 1, str(got))
    rc, out, err = run(["scan", "--fail-on", "medium", cdir])
    check(".keysift.yaml: an overridden severity below --fail-on exits 0", rc == 0, out)
    with open(os.path.join(cdir, ".keysift.yaml"), "w") as f:
        f.write("exclude: [vendor]\nseverty: {}\n")
    rc, out, err = run(["scan", cdir])
    check(".keysift.yaml: an unknown key is an error naming file, line and key",
          rc == 2 and ".keysift.yaml:2:" in err and "severty" in err, err)
    with open(os.path.join(cdir, ".keysift.yaml"), "w") as f:
        f.write("exclude: [vendor\n")
    rc, out, err = run(["scan", cdir])
    check(".keysift.yaml: malformed YAML is an error naming the file", rc == 2 and ".keysift.yaml" in err, err)
    alt = os.path.join(tmp, "other.yaml")
    with open(alt, "w") as f:
        f.write("disable: [aws.access-key-id]\n")
    rc, out, err = run(["scan", "--config", alt, "--format", "jsonl", os.path.join(cdir, "vendor")])
    check("--config FILE is used instead", rc == 0 and out == "", out + err)

    big = os.path.join(tmp, "big")
    os.makedirs(big)
    with open(os.path.join(big, "blob.bin"), "wb") as f:
        f.write(b"x" * 300000)
    with open(os.path.join(big, "huge.log"), "wb") as f:
        f.write(b"y" * (6 << 20) + ("\nkey = %s\n" % AWS).encode())
    rc, out, err = run(["scan", "--max-file-size", "100K", big])
    check("--max-file-size skips with a warning naming each file",
          rc == 0 and "blob.bin" in err and "huge.log" in err and "max-file-size" in err
          and "2 skipped" in out, out + err)
    rc, out, err = run(["scan", big])
    check("a file larger than one read chunk is scanned to its end", rc == 1 and "huge.log:2:7" in out, out)

    rc, out, err = run(["scan", "/proc/self/mem"])
    check("unreadable input is a warning naming it", rc == 0 and "/proc/self/mem" in err and "1 warning" in out, out + err)
    rc, out, err = run(["scan", "--strict", "/proc/self/mem"])
    check("--strict turns warnings into exit 2", rc == 2, err)

    cache = os.path.join(tmp, "cache")
    rc, out, err = run(["scan", clean], env={"KEYSIFT_CACHE_DIR": cache})
    check("the compiled ruleset is cached on disk",
          rc == 0 and any(n.endswith(".hsdb") for n in os.listdir(cache)), str(os.listdir(cache) if os.path.isdir(cache) else None))

    rc, out, err = run(["rules", "list"])
    check("rules list", rc == 0 and "github.pat.classic" in out)
    rc, out, err = run(["rules", "frob"])
    check("rules with a bad sub-command exits 2", rc == 2)
    check_rules_list_json(tmp)

    if failures:
        print("cli: %d failure(s)" % len(failures))
        return 1
    print("cli: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
