#!/usr/bin/env python3
"""SARIF output: valid against the SARIF 2.1.0 schema, one result per
location, stable partial fingerprints, security-severity on every rule, and
no full secret anywhere.

usage: check_sarif.py KEYSIFT_BINARY CORPUS_DIR [SCHEMA_DIR]
The schema directory defaults to $KEYSIFT_SCHEMAS, then ../shared/schemas
beside the repository; without it the test is skipped (exit 77).
"""
import json
import os
import subprocess
import sys
import tempfile

try:
    import jsonschema
except ImportError:
    print("check_sarif: python3-jsonschema is not installed (scripts/install-deps installs it)")
    sys.exit(1)

KS, CORPUS = sys.argv[1], sys.argv[2]
HERE = os.path.dirname(os.path.abspath(__file__))
cands = [sys.argv[3]] if len(sys.argv) > 3 else []
cands += [os.environ.get("KEYSIFT_SCHEMAS", ""),
          os.path.join(HERE, "..", "..", "..", "shared", "schemas")]
schema_dir = next((c for c in cands if c and os.path.isfile(os.path.join(c, "sarif-schema-2.1.0.json"))), None)
if not schema_dir:
    print("check_sarif: SARIF schema not found (set KEYSIFT_SCHEMAS): skipped")
    sys.exit(77)
schema = json.load(open(os.path.join(schema_dir, "sarif-schema-2.1.0.json")))
validator = jsonschema.Draft4Validator(schema)
failures = []


def check(name, cond, detail=""):
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else " " + detail))
    if not cond:
        failures.append(name)


def run(args):
    p = subprocess.run([KS, "scan"] + args, capture_output=True, stdin=subprocess.DEVNULL)
    return p.returncode, p.stdout.decode()


def validate(label, args):
    rc, out = run(["--format", "sarif"] + args)
    doc = json.loads(out)
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
    check("%s: valid SARIF 2.1.0" % label, rc == 1 and not errors,
          "; ".join("%s: %s" % (list(e.path), e.message) for e in errors[:5]))
    rc, full = run(["--format", "json", "--show-secrets"] + args)
    fdoc = json.loads(full)
    # Secrets that are not plain words: a weak password such as "postgres" or
    # "storefront" (the user's own name) is also a word of paths and help text.
    secrets = [f["secret"] for f in fdoc["findings"] if len(f["secret"]) >= 8
               and not f.get("public") and not f["secret"].isalpha()]
    results = json.dumps([run_["results"] for run_ in doc["runs"]])
    leaked = [s for s in secrets if s in results]
    check("%s: no full secret in the SARIF" % label, not leaked, str(leaked[:3]))
    run0 = doc["runs"][0]
    nlocs = sum(len(f["locations"]) for f in fdoc["findings"])
    check("%s: one result per location" % label, len(run0["results"]) == nlocs,
          "%d results, %d locations" % (len(run0["results"]), nlocs))
    rules = run0["tool"]["driver"]["rules"]
    check("%s: every rule has help and security-severity" % label,
          all(r.get("help", {}).get("text") and "security-severity" in r.get("properties", {}) for r in rules))
    check("%s: rule help carries the CRA guidance" % label,
          all("Cyber Resilience Act" in r["help"]["markdown"] and "CWE" in r["help"]["markdown"] for r in rules))
    fps = [json.dumps(r["partialFingerprints"], sort_keys=True) for r in run0["results"]]
    check("%s: partial fingerprints unique per result" % label, len(set(fps)) == len(fps))
    check("%s: ruleIndex points at the rule" % label,
          all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in run0["results"]))
    return doc


doc1 = validate("corpus", [CORPUS])

# Stable across line moves: move every line of a file down; same fingerprints.
tmp = tempfile.mkdtemp(prefix="keysift-sarif-")
src = os.path.join(CORPUS, "config", ".env.production")
text = open(src).read()
os.makedirs(os.path.join(tmp, "config"))
with open(os.path.join(tmp, "config", ".env.production"), "w") as f:
    f.write(text)
_, a = run(["--format", "sarif", tmp])
with open(os.path.join(tmp, "config", ".env.production"), "w") as f:
    f.write("# a new first line\n\n" + text)
_, b = run(["--format", "sarif", tmp])
fa = sorted(json.dumps(r["partialFingerprints"], sort_keys=True) for r in json.loads(a)["runs"][0]["results"])
fb = sorted(json.dumps(r["partialFingerprints"], sort_keys=True) for r in json.loads(b)["runs"][0]["results"])
lines_a = sorted(r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in json.loads(a)["runs"][0]["results"])
lines_b = sorted(r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in json.loads(b)["runs"][0]["results"])
check("fingerprints stable when lines move", fa and fa == fb and lines_a != lines_b)

# A git history scan is valid too.
repo = os.path.join(tmp, "repo")
env = dict(os.environ, GIT_AUTHOR_NAME="a", GIT_AUTHOR_EMAIL="a@e.test", GIT_COMMITTER_NAME="a",
           GIT_COMMITTER_EMAIL="a@e.test")
subprocess.run(["git", "init", "-q", repo], check=True, env=env, stdin=subprocess.DEVNULL)
with open(os.path.join(repo, "app.py"), "w") as f:
    f.write("KEY = 'AKIAZ7Q2WERTYUIOPL3K'\n")
subprocess.run(["git", "-C", repo, "add", "-A"], check=True, env=env, stdin=subprocess.DEVNULL)
subprocess.run(["git", "-C", repo, "commit", "-qm", "c"], check=True, env=env, stdin=subprocess.DEVNULL)
validate("git history", ["--git", repo])

if failures:
    print("sarif: %d failure(s)" % len(failures))
    sys.exit(1)
print("sarif: all checks passed")
