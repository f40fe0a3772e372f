#!/usr/bin/env python3
"""The GitHub Action (action.yml) as far as it runs here, without GitHub:
action.yml is valid YAML of a composite action whose every `inputs.X` is
declared and whose shell steps pass shellcheck; scripts/action-scan, the
scan step, is run as the runner would run it (the event in the environment)
on a real repository with the keysift just built, for a pull request, a
push, a new branch and the files mode.

usage: test_action.py KEYSIFT_BINARY SOURCE_DIR
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

KS, SRC = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
SCRIPT = os.path.join(SRC, "scripts", "action-scan")
failures = []


def check(name, cond, detail=""):
    if not cond:
        failures.append("%s %s" % (name, detail))
        print("FAIL", name, detail)
    else:
        print("ok  ", name)


def sh(cmd, cwd=None, env=None):
    e = dict(os.environ)
    e.update(env or {})
    p = subprocess.run(cmd, cwd=cwd, env=e, capture_output=True, timeout=600)
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def test_action_yml():
    with open(os.path.join(SRC, "action.yml")) as f:
        text = f.read()
    a = yaml.safe_load(text)
    check("action.composite", a.get("runs", {}).get("using") == "composite")
    declared = set(a.get("inputs", {}))
    used = set(re.findall(r"inputs\.([a-z][a-z0-9-]*)", text))
    check("action.inputs declared", used <= declared, sorted(used - declared))
    steps = a["runs"]["steps"]
    for s in steps:
        check("action.step %s has shell or uses" % s.get("name"), ("run" in s) == ("shell" in s)
              and ("run" in s or "uses" in s))
    uploads = [s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif@")]
    check("action.uploads SARIF", len(uploads) == 1 and "sarif_file" in uploads[0].get("with", {}))
    if not shutil.which("shellcheck"):
        print("note: shellcheck not installed, shell steps not checked")
        return
    rc, out, _ = sh(["shellcheck", SCRIPT])
    check("action.shellcheck scripts/action-scan", rc == 0, out)
    for s in steps:
        if "run" not in s:
            continue
        # Expressions are filled in by the runner before bash sees the script.
        body = re.sub(r"\$\{\{[^}]*\}\}", "X", s["run"])
        with tempfile.NamedTemporaryFile("w", suffix=".sh", delete=False) as f:
            f.write("#!/bin/bash\n" + body + "\n")
        rc, out, _ = sh(["shellcheck", "-s", "bash", f.name])
        os.unlink(f.name)
        check("action.shellcheck step %s" % s["name"], rc == 0, out)


def git(repo, *args):
    rc, out, err = sh(["git", "-C", repo] + list(args),
                      env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
                           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"})
    assert rc == 0, err
    return out.strip()


def key(path):
    rc, _, err = sh(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt",
                     "ec_paramgen_curve:P-256", "-out", path])
    assert rc == 0, err


def action(repo, env):
    """Run the scan step as the runner would; returns (rc, exit-code, SARIF paths)."""
    out_file = os.path.join(repo, "..", "github_output")
    open(out_file, "w").close()
    sarif = os.path.join(repo, "..", "ks.sarif")
    if os.path.exists(sarif):
        os.unlink(sarif)
    e = {"KS_BIN": KS, "KS_PATH": ".", "KS_FAIL_ON": "high", "KS_SARIF": sarif,
         "GITHUB_OUTPUT": out_file, "KS_MODE": "auto"}
    e.update(env)
    rc, out, err = sh([SCRIPT], cwd=repo, env=e)
    code = re.findall(r"^exit-code=(\d+)$", open(out_file).read(), re.M)
    paths = set()
    if os.path.exists(sarif):
        for r in json.load(open(sarif))["runs"][0]["results"]:
            for loc in r.get("locations", []):
                paths.add(loc["physicalLocation"]["artifactLocation"]["uri"])
    return rc, code[0] if code else None, paths, out + err


def test_scan():
    tmp = tempfile.mkdtemp(prefix="ks-action-")
    try:
        repo = os.path.join(tmp, "repo")
        os.mkdir(repo)
        git(repo, "init", "-q", "-b", "main")
        os.mkdir(os.path.join(repo, "old"))
        key(os.path.join(repo, "old", "base.pem"))
        git(repo, "add", ".")
        git(repo, "commit", "-q", "-m", "base")
        base = git(repo, "rev-parse", "HEAD")
        git(repo, "checkout", "-q", "-b", "feature")
        os.mkdir(os.path.join(repo, "new"))
        key(os.path.join(repo, "new", "pr.pem"))
        git(repo, "add", ".")
        git(repo, "commit", "-q", "-m", "pull request")
        head = git(repo, "rev-parse", "HEAD")

        rc, code, paths, log = action(repo, {"GITHUB_EVENT_NAME": "pull_request",
                                             "KS_PR_BASE_SHA": base, "GITHUB_BASE_REF": "main"})
        check("scan.pull_request runs", rc == 0 and code == "1", (rc, code, log[-800:]))
        check("scan.pull_request: only the PR's secret", paths == {"new/pr.pem"}, paths)
        check("scan.pull_request: the range", "--range %s..HEAD" % base in log, log[-400:])

        rc, code, paths, log = action(repo, {"GITHUB_EVENT_NAME": "push", "KS_PUSH_BEFORE": base,
                                             "GITHUB_SHA": head})
        check("scan.push: the pushed commits", code == "1" and paths == {"new/pr.pem"},
              (code, paths))
        rc, code, paths, log = action(repo, {"GITHUB_EVENT_NAME": "push",
                                             "KS_PUSH_BEFORE": "0" * 40, "GITHUB_SHA": head})
        check("scan.push new branch: the history", code == "1" and
              paths == {"new/pr.pem", "old/base.pem"}, (code, paths))
        rc, code, paths, log = action(repo, {"GITHUB_EVENT_NAME": "pull_request",
                                             "KS_PR_BASE_SHA": base, "KS_FAIL_ON": "critical"})
        check("scan.fail-on critical: exit 0, SARIF still written", code == "0" and
              paths == {"new/pr.pem"}, (code, paths))
        rc, code, paths, log = action(repo, {"KS_MODE": "files", "KS_PATH": "old"})
        check("scan.files", code == "1" and paths and all(p.endswith("base.pem") for p in paths),
              (code, paths))
        rc, code, paths, log = action(repo, {"KS_MODE": "range", "KS_RANGE": ""})
        check("scan.range without a range: error", rc == 2 and "needs the input range" in log, log)
        rc, code, paths, log = action(repo, {"KS_MODE": "range", "KS_RANGE": "nosuch..HEAD"})
        check("scan.bad range: exit-code 2", rc == 0 and code == "2", (code, log[-300:]))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_containerfile():
    text = open(os.path.join(SRC, "Containerfile")).read()
    stages = re.findall(r"^FROM (\S+)", text, re.M)
    check("container.two stages on bookworm-slim",
          stages == ["debian:bookworm-slim", "debian:bookworm-slim"], stages)
    runtime = text[text.rindex("\nFROM "):]
    check("container.runtime has no -dev package", "-dev" not in runtime and
          "install-deps" not in runtime)
    check("container.non-root user", re.search(r"^USER (?!root)\w+", runtime, re.M) is not None)
    check("container.entrypoint", re.search(r'^ENTRYPOINT \["keysift"\]', runtime, re.M)
          is not None)


test_action_yml()
test_containerfile()
test_scan()
if failures:
    print("%d failure(s)" % len(failures))
    sys.exit(1)
print("all passed")
