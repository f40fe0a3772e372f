#!/usr/bin/env python3
"""The CRA evidence report (--format cra) against a golden file, with the
date, the ruleset's size and its digest normalised (rules are added often);
plus the gate verdict and redaction.

usage: test_cra.py KEYSIFT_BINARY REPO_ROOT [--update]
"""
import os
import re
import subprocess
import sys

KS, ROOT = sys.argv[1], sys.argv[2]
GOLDEN = os.path.join(ROOT, "tests", "e2e", "golden", "cra-report.md")
failures = []


def check(name, cond, detail=""):
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else " " + detail))
    if not cond:
        failures.append(name)


def report(args):
    p = subprocess.run([KS, "scan", "--format", "cra"] + args, capture_output=True, cwd=ROOT,
                       stdin=subprocess.DEVNULL)
    text = p.stdout.decode()
    text = re.sub(r"\| Date \| [^|]* \|", "| Date | DATE |", text)
    text = re.sub(r"\| Ruleset \| [0-9]+ rules, digest sha256:[0-9a-f]{64}",
                  "| Ruleset | N rules, digest sha256:RULESET", text)
    return p.returncode, text


rc, text = report(["--fail-on", "high", "--support-until", "2040-12-31", "corpus/config/aws/credentials",
                   "corpus/keys/server.key", "corpus/keys/server.crt", "corpus/docs"])
if "--update" in sys.argv:
    with open(GOLDEN, "w") as f:
        f.write(text)
golden = open(GOLDEN).read()
check("report matches the golden file", text == golden,
      "\n" + "".join(l for l in __import__("difflib").unified_diff(golden.splitlines(True), text.splitlines(True), "golden", "now", n=1))[:3000])
check("gate failed: exit 1", rc == 1)
full = subprocess.run([KS, "scan", "--format", "jsonl", "--show-secrets", "corpus/config/aws/credentials",
                       "corpus/keys/server.key"], capture_output=True, cwd=ROOT).stdout.decode()
secrets = re.findall(r'"secret":"([^"]{12,})"', full)
check("no full secret in the report", secrets and not any(s in text for s in secrets))
check("digest of each file scanned",
      re.search(r"\| corpus/keys/server.key \| sha256:[0-9a-f]{64} \|", text) is not None)
rc, text = report(["--fail-on", "critical", "corpus/keys/server.key"])
check("gate passes above the findings' severity: exit 0", rc == 0 and "**PASSED**" in text)
rc, text = report(["--support-until", "2040-12-31", "corpus/keys/server.crt"])
check("inventory: the certificate, with its expiry against the support period",
      "| certificate | CN=api.lumen.internal,O=Lumen Lighting GmbH,C=DE" in text
      and "2036-11-21, **before the end of support** (2040-12-31)" in text, text[-1500:])
if failures:
    print("cra: %d failure(s)" % len(failures))
    sys.exit(1)
print("cra: all checks passed")
