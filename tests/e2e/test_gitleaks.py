#!/usr/bin/env python3
"""End-to-end check of a team's gitleaks configuration read by keysift.

usage: test_gitleaks.py KEYSIFT_BINARY

A project is written in a temporary directory with the configuration of tests/e2e/gitleaks/
(team.toml as .gitleaks.toml, extending base.toml), a .gitleaksignore and `gitleaks:allow`
comments; `keysift scan` must report exactly the expected findings (rule, path, line), mark the
configuration's findings with source "gitleaks-config", and say on stderr what it read and what
it ignored. Then: the same rules on a git history with an allowlist by commit and a
commit:file:rule:line fingerprint; a gitleaks JSON report turned into a baseline that hides the
findings it lists; and the errors: an [extend] cycle, malformed TOML (file and line), a regex
that cannot be translated (named rule), a bad .gitleaksignore line.

Exit status: 0 all as expected; 1 a mismatch. Standard library only.
"""

import json
import os
import random
import shutil
import string
import subprocess
import sys
import tempfile

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "gitleaks")
FAILURES = []


def check(cond, what):
    if not cond:
        FAILURES.append(what)
        print(f"FAIL: {what}", file=sys.stderr)


def token(rng, n=24, prefix=""):
    """A random alphanumeric value of n characters with every class in it (high entropy)."""
    alphabet = string.ascii_letters + string.digits
    while True:
        s = prefix + "".join(rng.choice(alphabet) for _ in range(n - len(prefix)))
        if any(c.isdigit() for c in s) and any(c.isupper() for c in s) and any(c.islower() for c in s):
            return s


def write(root, rel, text):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def scan(keysift, args, cwd=None):
    # The first scan compiles the built-in rules with the file's: minutes
    # under ASan on a loaded machine; the limit only catches a hang.
    p = subprocess.run([keysift, "scan", "--format", "json", *args], cwd=cwd,
                       capture_output=True, text=True, timeout=1200)
    return p.returncode, (json.loads(p.stdout) if p.stdout.strip() else None), p.stderr


def rows(doc):
    """{(rule_id, path relative to the scan root, line)} of a JSON report."""
    out = set()
    for f in doc["findings"]:
        for loc in f["locations"]:
            path = loc["path"]
            path = path[2:] if path.startswith("./") else path
            out.add((f["rule_id"], path, loc["line"]))
    return out


def project(root, rng):
    """The project: every file, and the findings expected to remain."""
    shutil.copy(os.path.join(HERE, "team.toml"), os.path.join(root, ".gitleaks.toml"))
    shutil.copy(os.path.join(HERE, "base.toml"), os.path.join(root, "base.toml"))
    t = {k: token(rng) for k in ["app", "fixture", "docs", "upper", "testdata", "ignored",
                                  "inline", "keep2"]}
    t["revoked"] = token(rng, prefix="Rv0k3d")
    t["handbook"] = token(rng, prefix="handbook")
    files = {
        "src/app.py": f'API = "acme_{t["app"]}"\n',
        # line allowlist: "# fixture" on the line
        "src/fixture_test.py": f'API = "acme_{t["fixture"]}"  # fixture\n',
        # AND: docs/ and the stopword "handbook" in the secret; only the first is both
        "docs/guide.md": f'Use `acme_{t["handbook"]}` in the handbook.\n',
        "src/handbook.py": f'API = "acme_{t["handbook"]}"\n',
        # match allowlist: the match starts with ACME_ in capitals
        "src/constants.py": f'ACME_{t["upper"]} = 1\n',
        # global [allowlist] paths
        "testdata/case.py": f'API = "acme_{t["testdata"]}"\n',
        # [[allowlists]] with targetRules, secret target
        "src/revoked.py": f'API = "acme_{t["revoked"]}"\n',
        # .gitleaksignore: src/ignored.py:acme-token:2
        "src/ignored.py": f'x = 1\nAPI = "acme_{t["ignored"]}"\n',
        "src/ignored_too.py": f'x = 1\nAPI = "acme_{t["keep2"]}"\n',
        # an inline gitleaks:allow comment
        "src/inline.py": f'API = "acme_{t["inline"]}"  # gitleaks:allow\n',
        # no keyword near the match: no finding (keywords)
        "src/nokeyword.txt": "value = " + "x" * 300 + "\n",
        # path-only rule (RE2 \z): the first file, not the second
        "deploy/prod.acmekey": "key material for the deploy host\n",
        "deploy/prod.acmekey.bak": "key material for the deploy host\n",
        "deploy/blank-first.acmekey": "\nkey material after an empty line\n",
        # a binary one: one finding for the file, none for its ELF sections or strings
        # path+regex rule: only in config/*.ini
        "config/app.ini": "[db]\ndb_pass = Hx7kQ2mZ9vLpW3\n",
        # entropy: the first value is too uniform
        "src/seed.cfg": "a = sessseed_aaaaaaaaaaaaaaaa\nb = sessseed_k3j9x0q7m2v8p1z5\n",
        # base.toml's rule, and its global stopword allowlist "legacy"
        "src/widget.yml": 'widget_key: "wk-9f3k2m8x7q1z5c4v6b0n2m4l8k6j3h1g"\n',
        "src/widget_old.yml": 'widget_key: "wk-legacy9f3k2m8x7q1z5c4v6b0n2m4l8k"\n',
        # base.toml's rule disabled by team.toml's disabledRules
        "src/retired.py": 'x = "retired_0123456789abcdef0123"\n',
        ".gitleaksignore": "# accepted\nsrc/ignored.py:acme-token:2\n",
    }
    for rel, text in files.items():
        write(root, rel, text)
    shutil.copy("/bin/true", os.path.join(root, "deploy/tool.acmekey"))
    expected = {
        ("acme-token", "src/app.py", 1),
        ("acme-token", "src/handbook.py", 1),
        ("acme-token", "src/ignored_too.py", 2),
        ("acme-keyfile", "deploy/prod.acmekey", 1),
        ("acme-keyfile", "deploy/blank-first.acmekey", 1),
        ("acme-db-password", "config/app.ini", 2),
        ("acme-entropy", "src/seed.cfg", 2),
        ("base-widget-key", "src/widget.yml", 1),
    }
    return t, expected


def test_project(keysift, tmp, rng):
    root = os.path.join(tmp, "proj")
    os.makedirs(root)
    t, expected = project(root, rng)
    # A file keysift's own rules find (useDefault = true keeps them).
    write(root, "src/key.pem", subprocess.run(
        ["openssl", "genpkey", "-algorithm", "ed25519"], capture_output=True, text=True,
        check=True).stdout)
    expected.add(("privkey.pkcs8", "src/key.pem", 1))
    rc, doc, err = scan(keysift, ["."], cwd=root)
    check(rc == 1, f"project scan: exit 1, got {rc}: {err}")
    got = rows(doc) if doc else set()
    got_gl = {r for r in got if not r[0].startswith("privkey")}
    want_gl = {r for r in expected if not r[0].startswith("privkey")}
    # The binary key file: one finding, at the file or one of its ELF sections.
    tool = [r for r in got_gl if r[0] == "acme-keyfile" and r[1].startswith("deploy/tool.acmekey")]
    check(len(tool) == 1, f"one finding for a binary file a path rule names: {tool}")
    got_gl -= set(tool)
    check(got_gl == want_gl, f"findings of the gitleaks rules:\n  missing {sorted(want_gl - got_gl)}"
                             f"\n  unexpected {sorted(got_gl - want_gl)}")
    check(any(r[0].startswith("privkey") and r[1] == "src/key.pem" for r in got),
          f"keysift's own rules (useDefault) found the key: {sorted(got)}")
    for f in doc["findings"] if doc else []:
        gl = f["rule_id"].startswith(("acme-", "base-"))
        check((f.get("source") == "gitleaks-config") == gl, f"source marker of {f['rule_id']}")
        if f["rule_id"] == "acme-token":
            check(f["rule_name"] == "ACME internal API token", "description as the rule's name")
            check(f["secret"] != f"{t['app']}" and t["app"] not in json.dumps(doc),
                  "the secret is redacted")
        if f["rule_id"] == "acme-db-password":
            check(f["kind"] == "password", f"tags: password kind, got {f['kind']}")
        if f["rule_id"] == "base-widget-key":
            check(f["kind"] == "payment-key", f"tags: payment kind, got {f['kind']}")
        check(bool(f.get("remediation")), f"remediation for {f['rule_id']}")
    # Eight accepted: seven by the allowlists and .gitleaksignore, one inline.
    check(doc and doc["summary"]["allowed"] == 8, "allowed count: " +
          str(doc and doc["summary"]["allowed"]))
    check("gitleaks configuration ./.gitleaks.toml: 6 rules, 6 allowlists" in err,
          f"stderr says what was read: {err}")
    check("rule key `validate`" in err and "cannot" in err, f"validate reported as ignored: {err}")
    check(err.count("rule key `validate`") == 1, "the ignored key is reported once")
    check("no-such-rule" in err, f"an unknown disabled rule is reported: {err}")
    check(".gitleaksignore: 1 accepted finding" in err, f"stderr names .gitleaksignore: {err}")

    # Without the configuration: none of its rules.
    rc, doc, err = scan(keysift, ["--gitleaks-config", os.path.join(HERE, "base.toml"), "."],
                        cwd=root)
    got = rows(doc) if doc else set()
    check(not any(r[0].startswith("acme-") for r in got), f"--gitleaks-config replaces: {got}")
    check(not any(r[0].startswith("privkey") for r in got),
          f"without useDefault keysift's own rules are off: {got}")
    check("keysift's own rules not used" in err, f"stderr says the defaults are off: {err}")

    # A gitleaks report of two findings becomes a baseline that hides them.
    report = [
        {"RuleID": "acme-token", "Description": "ACME internal API token", "File": "src/app.py",
         "StartLine": 1, "EndLine": 1, "StartColumn": 8, "EndColumn": 37,
         "Match": f"acme_{t['app']}", "Secret": t["app"], "Commit": "", "Entropy": 4.3,
         "Author": "", "Email": "", "Date": "", "Message": "", "Tags": ["api"],
         "Fingerprint": "src/app.py:acme-token:1"},
        {"RuleID": "acme-db-password", "File": "config/app.ini", "StartLine": 2,
         "Match": "db_pass = Hx7kQ2mZ9vLpW3", "Secret": "Hx7kQ2mZ9vLpW3",
         "Fingerprint": "config/app.ini:acme-db-password:2"},
        # gitleaks' own rule id for a secret keysift's own rules find: the
        # secret stays accepted whichever rule finds it.
        {"RuleID": "private-key", "File": "src/key.pem", "StartLine": 1,
         "Secret": open(os.path.join(root, "src/key.pem"), encoding="utf-8").read().strip(),
         "Fingerprint": "src/key.pem:private-key:1"},
    ]
    with open(os.path.join(tmp, "report.json"), "w", encoding="utf-8") as f:
        json.dump(report, f)
    bl = os.path.join(tmp, "baseline.json")
    p = subprocess.run([keysift, "baseline", "import-gitleaks", "-o", bl,
                        os.path.join(tmp, "report.json")], capture_output=True, text=True)
    check(p.returncode == 0, f"import-gitleaks: exit 0, got {p.returncode}: {p.stderr}")
    with open(bl, encoding="utf-8") as f:
        entries = json.load(f)["entries"]
    check(len(entries) == 3 and
          {e["rule_id"] for e in entries} == {"acme-token", "acme-db-password", "private-key"} and
          all(e.get("match") == "secret" for e in entries), f"three baseline entries: {entries}")
    rc, doc, err = scan(keysift, ["--baseline", bl, "."], cwd=root)
    got = rows(doc) if doc else set()
    check(("acme-token", "src/app.py", 1) not in got and
          ("acme-db-password", "config/app.ini", 2) not in got, f"baseline hides them: {got}")
    check(("acme-token", "src/handbook.py", 1) in got, "the baseline hides nothing else")
    check(not any(r[1] == "src/key.pem" for r in got),
          f"the key gitleaks' private-key rule reported is accepted for keysift's rule: {got}")
    check(doc and doc["summary"]["baselined"] == 3, "three findings baselined")
    # A redacted report cannot be imported.
    report[0]["Secret"] = "REDACTED"
    with open(os.path.join(tmp, "redacted.json"), "w", encoding="utf-8") as f:
        json.dump(report, f)
    p = subprocess.run([keysift, "baseline", "import-gitleaks", "-o", bl,
                        os.path.join(tmp, "redacted.json")], capture_output=True, text=True)
    check(p.returncode == 2 and "redacted" in p.stderr and "redacted.json" in p.stderr,
          f"a redacted report is refused: {p.returncode} {p.stderr}")


def git(repo, *args):
    return subprocess.run(["git", "-C", repo, *args], capture_output=True, text=True,
                          check=True).stdout.strip()


def test_history(keysift, tmp, rng):
    repo = os.path.join(tmp, "repo")
    os.makedirs(repo)
    git(repo, "init", "-q")
    git(repo, "config", "user.email", "dev@example.test")
    git(repo, "config", "user.name", "Dev")
    a, b, c = token(rng), token(rng), token(rng)
    write(repo, "one.py", f'K = "acme_{a}"\n')
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "one")
    accepted = git(repo, "rev-parse", "HEAD")
    write(repo, "two.py", f'K = "acme_{b}"\n')
    write(repo, "three.py", f'x = 0\nK = "acme_{c}"\n')
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "two")
    second = git(repo, "rev-parse", "HEAD")
    with open(os.path.join(HERE, "commits.toml"), encoding="utf-8") as f:
        conf = f.read()
    conf += f'\n[[allowlists]]\ncommits = ["{accepted}"]\n'
    write(repo, ".gitleaks.toml", conf)
    write(repo, ".gitleaksignore", f"{second}:three.py:acme-token:2\n")
    rc, doc, err = scan(keysift, ["--git", "."], cwd=repo)
    got = {(r[0], r[1].split(":")[-1] if ":" in r[1] else r[1]) for r in rows(doc)} if doc else set()
    check(got == {("acme-token", "two.py")},
          f"history: only two.py is left (one.py by commit, three.py by fingerprint): {got} {err}")


def test_errors(keysift, tmp):
    proj = os.path.join(tmp, "empty")
    os.makedirs(proj, exist_ok=True)

    def run_conf(name):
        p = subprocess.run([keysift, "scan", "--gitleaks-config", os.path.join(HERE, name), proj],
                           capture_output=True, text=True, timeout=120)
        return p.returncode, p.stderr

    rc, err = run_conf("cycle-a.toml")
    check(rc == 2 and "cycle" in err and "cycle-a.toml" in err, f"cycle: {rc} {err}")
    rc, err = run_conf("malformed.toml")
    check(rc == 2 and "malformed.toml:7:" in err, f"malformed TOML names file and line: {rc} {err}")
    rc, err = run_conf("untranslatable.toml")
    check(rc == 2 and "greek-token" in err and "\\p" in err, f"untranslatable regex: {rc} {err}")
    rc, err = run_conf("bad-allowlist.toml")
    check(rc == 2 and "bad-allowlist.toml: rule widget: allowlists #1: condition must be OR or AND"
          in err, f"bad allowlist condition: {rc} {err}")
    write(proj, ".gitleaksignore", "not a fingerprint\n")
    p = subprocess.run([keysift, "scan", proj], capture_output=True, text=True, timeout=120)
    check(p.returncode == 2 and ".gitleaksignore:1:" in p.stderr, f"bad .gitleaksignore: {p.stderr}")


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    keysift = os.path.abspath(sys.argv[1])
    rng = random.Random(14)
    with tempfile.TemporaryDirectory(prefix="ks-gitleaks-") as tmp:
        test_project(keysift, tmp, rng)
        test_history(keysift, tmp, rng)
        test_errors(keysift, tmp)
    if FAILURES:
        print(f"test_gitleaks: {len(FAILURES)} failure(s)", file=sys.stderr)
        return 1
    print("test_gitleaks: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
