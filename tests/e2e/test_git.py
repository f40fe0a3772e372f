#!/usr/bin/env python3
"""git sources end to end, on real repositories built with the git command:
history with provenance, branches, merges, renames, tags, stash, unreachable
objects, --staged (added lines only, keysift:allow, no commits yet, renames,
merges), --range semantics, the installed pre-commit hook, and damaged or
unusual repositories.

usage: test_git.py KEYSIFT_BINARY
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

KS = os.path.abspath(sys.argv[1])
failures = []
tick = [1700000000]

# Fake AWS key ids (rule aws.access-key-id): 20 chars, AKIA + [A-Z2-7]{16}.
S1 = "AKIAZ7Q2WERTYUIOPL3K"
S2 = "AKIAQQQQWWWWEEEERRR2"
S3 = "AKIAMMMMNNNNBBBBVVV3"
S4 = "AKIAJJJJKKKKLLLLHHH4"
S5 = "AKIAPPPPOOOOIIIIUUU5"


def env():
    tick[0] += 60
    e = dict(os.environ)
    e.update({"GIT_AUTHOR_NAME": "Ann Dev", "GIT_AUTHOR_EMAIL": "ann@example.test",
              "GIT_COMMITTER_NAME": "Ann Dev", "GIT_COMMITTER_EMAIL": "ann@example.test",
              "GIT_AUTHOR_DATE": "%d +0000" % tick[0], "GIT_COMMITTER_DATE": "%d +0000" % tick[0],
              "GIT_CONFIG_NOSYSTEM": "1", "HOME": TMP})
    return e


def git(repo, *args, check=True):
    p = subprocess.run(["git", "-C", repo] + list(args), capture_output=True, env=env(),
                       stdin=subprocess.DEVNULL)
    if check and p.returncode != 0:
        raise RuntimeError("git %s: %s" % (" ".join(args), p.stderr.decode()))
    return p.stdout.decode().strip()


def new_repo(name):
    d = os.path.join(TMP, name)
    os.makedirs(d)
    git(d, "init", "-q", "-b", "main")
    # No automatic gc: a background `git gc` would race the tests' own
    # repository changes.
    git(d, "config", "gc.auto", "0")
    git(d, "config", "maintenance.auto", "false")
    return d


def write(repo, path, text):
    full = os.path.join(repo, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "w") as f:
        f.write(text)


def commit(repo, msg, *paths):
    git(repo, "add", "-A", *paths)
    git(repo, "commit", "-q", "--allow-empty", "-m", msg)
    return git(repo, "rev-parse", "HEAD")


def ks(args, cwd=None):
    p = subprocess.run([KS] + args, capture_output=True, cwd=cwd, timeout=300, stdin=subprocess.DEVNULL,
                       env=dict(os.environ, KEYSIFT_CACHE_DIR=CACHE))
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def findings(args, cwd=None):
    rc, out, err = ks(["scan", "--format", "json"] + args, cwd=cwd)
    doc = json.loads(out) if out.strip() else {"findings": [], "warnings": []}
    return rc, doc, err


def check(name, cond, detail=""):
    if cond:
        print("ok  ", name)
    else:
        failures.append(name)
        print("FAIL", name, detail)


def secrets_of(doc):
    return sorted(f["secret"] for f in doc["findings"])


def test_history():
    r = new_repo("hist")
    write(r, "app.py", "import os\n")
    commit(r, "c1")
    write(r, "app.py", "import os\nDEBUG = False\n")
    commit(r, "c2")
    write(r, "app.py", "import os\nDEBUG = False\nAWS_KEY = \"%s\"\n" % S1)
    c3 = commit(r, "c3 add key")
    write(r, "README.md", "docs\n")
    commit(r, "c4")
    write(r, "app.py", "import os\nDEBUG = False\nAWS_KEY = os.environ['AWS_KEY']\n")
    commit(r, "c5 remove key")
    rc, doc, err = findings(["--git", "--show-secrets", r])
    f = doc["findings"]
    check("history: secret added in c3 and removed in c5 is found", rc == 1 and len(f) == 1, str(doc)[:300])
    if f:
        loc = f[0]["locations"][0]
        check("history: provenance is commit 3", loc["git"]["commit"] == c3 and loc["path"] == "app.py"
              and loc["line"] == 3 and loc["git"]["summary"] == "c3 add key"
              and loc["git"]["author"] == "Ann Dev <ann@example.test>", str(loc))
        check("history: not present at HEAD", f[0]["present_at_head"] is False and loc["git"]["at_head"] is False)
    rc, doc, err = findings(["--git", r])
    check("history: redacted by default", doc["findings"] and S1 not in json.dumps(doc))

    # The same secret on two branches: one finding, two provenances.
    git(r, "checkout", "-q", "-b", "feature")
    write(r, "feature.py", "KEY = '%s'\n" % S2)
    cf = commit(r, "feature key")
    git(r, "checkout", "-q", "main")
    write(r, "settings.py", "KEY = '%s'\n" % S2)
    cm = commit(r, "main key")
    rc, doc, err = findings(["--git", "--show-secrets", r])
    f2 = [f for f in doc["findings"] if f["secret"] == S2]
    check("branches: one finding for one secret", len(f2) == 1, str(f2)[:300])
    if f2:
        prov = sorted((l["path"], l["git"]["commit"]) for l in f2[0]["locations"])
        check("branches: two provenances", prov == sorted([("feature.py", cf), ("settings.py", cm)]), str(prov))
        check("branches: present at HEAD (main)", f2[0]["present_at_head"] is True)

    # A merge: the branch's secret keeps the branch commit as provenance;
    # a secret written while resolving the merge belongs to the merge.
    git(r, "merge", "-q", "--no-ff", "-m", "merge feature", "feature")
    write(r, "merged.py", "K = '%s'\n" % S3)
    git(r, "add", "merged.py")
    git(r, "commit", "-q", "--amend", "--no-edit")
    merge = git(r, "rev-parse", "HEAD")
    rc, doc, err = findings(["--git", "--show-secrets", r])
    by = {f["secret"]: f for f in doc["findings"]}
    check("merge: branch secret still attributed to the branch commit",
          S2 in by and sorted(l["git"]["commit"] for l in by[S2]["locations"]) == sorted([cf, cm]))
    check("merge: a secret the merge itself adds is attributed to the merge",
          S3 in by and by[S3]["locations"][0]["git"]["commit"] == merge, str(by.get(S3))[:300])

    # A rename: the blob at its new path is in HEAD, the old path is history.
    git(r, "mv", "settings.py", "config_settings.py")
    cr = commit(r, "rename")
    rc, doc, err = findings(["--git", "--show-secrets", r])
    f2 = [f for f in doc["findings"] if f["secret"] == S2][0]
    paths = {l["path"]: l for l in f2["locations"]}
    check("rename: new path introduced by the rename commit, in HEAD",
          "config_settings.py" in paths and paths["config_settings.py"]["git"]["commit"] == cr
          and paths["config_settings.py"]["git"]["at_head"] is True, str(paths.keys()))

    # A tag keeps a deleted branch's commit reachable.
    git(r, "checkout", "-q", "-b", "release")
    write(r, "release.cfg", "key=%s\n" % S4)
    commit(r, "release key")
    git(r, "tag", "-a", "v1", "-m", "v1")
    git(r, "checkout", "-q", "main")
    git(r, "branch", "-q", "-D", "release")
    rc, doc, err = findings(["--git", "--show-secrets", r])
    check("tag: secret reachable only from an annotated tag is found", S4 in secrets_of(doc))

    # A stash is a ref too.
    write(r, "app.py", "import os\nSTASHED = '%s'\n" % S5)
    git(r, "stash", "-q")
    rc, doc, err = findings(["--git", "--show-secrets", r])
    check("stash: secret only in the stash is found", S5 in secrets_of(doc))
    git(r, "stash", "drop", "-q")

    # Unreachable: a commit rewritten away and never garbage-collected.
    write(r, "oops.txt", "token %s\n" % "AKIAUNREACHABLEKEY23")
    commit(r, "oops")
    git(r, "reset", "-q", "--hard", "HEAD~1")
    git(r, "reflog", "expire", "--expire=now", "--all")
    rc, doc, err = findings(["--git", "--show-secrets", r])
    check("unreachable: not found by default", "AKIAUNREACHABLEKEY23" not in secrets_of(doc))
    rc, doc, err = findings(["--git", "--all-objects", "--show-secrets", r])
    f = [f for f in doc["findings"] if f["secret"] == "AKIAUNREACHABLEKEY23"]
    check("unreachable: --all-objects finds it, marked unreachable",
          f and f[0]["locations"][0]["git"]["unreachable"] is True and f[0]["locations"][0]["path"] == "oops.txt",
          str(f)[:300])

    # The same secret in 30 commits is one finding.
    for i in range(30):
        write(r, "churn.py", "KEY = '%s'\n# edit %d\n" % (S1, i))
        commit(r, "churn %d" % i)
    rc, doc, err = findings(["--git", "--show-secrets", r])
    f1 = [f for f in doc["findings"] if f["secret"] == S1]
    check("dedup: one finding for one secret across 30 commits", len(f1) == 1)
    return r


def test_staged():
    r = new_repo("staged")
    write(r, "a.py", "x = 1\n")
    rc, doc, err = findings(["--staged"], cwd=r)
    check("staged: nothing staged in a repo with no commits", rc == 0, err)
    write(r, "a.py", "x = 1\nKEY = '%s'\n" % S1)
    git(r, "add", "a.py")
    rc, doc, err = findings(["--staged"], cwd=r)
    check("staged: no commits yet, secret on an added line: exit 1", rc == 1 and len(doc["findings"]) == 1, err)
    rc, out, err = ks(["scan", "--staged"], cwd=r)
    check("staged: message names file and line and how to proceed",
          "a.py:2:8" in out and "keysift:allow" in err, out + err)
    commit(r, "c1")
    write(r, "a.py", "x = 2\nKEY = '%s'\n" % S1)
    git(r, "add", "a.py")
    rc, doc, err = findings(["--staged"], cwd=r)
    check("staged: secret on an unchanged line is not reported again", rc == 0, str(doc)[:300])
    write(r, "a.py", "x = 2\nKEY = '%s'\nNEW = '%s'  # keysift:allow -- test fixture\n" % (S1, S2))
    git(r, "add", "a.py")
    rc, doc, err = findings(["--staged"], cwd=r)
    check("staged: keysift:allow on the line is honoured", rc == 0 and doc["summary"]["allowed"] == 1, str(doc)[:300])
    commit(r, "c2")
    git(r, "mv", "a.py", "b.py")
    rc, doc, err = findings(["--staged"], cwd=r)
    check("staged: a renamed file does not re-report its old secret", rc == 0, str(doc)[:300])
    commit(r, "c3")
    # During a merge: the merge result is what is checked.
    git(r, "checkout", "-q", "-b", "side")
    write(r, "side.py", "S = '%s'\n" % S3)
    commit(r, "side")
    git(r, "checkout", "-q", "main")
    write(r, "main.py", "m = 1\n")
    commit(r, "main")
    git(r, "merge", "--no-commit", "--no-ff", "side", check=False)
    rc, doc, err = findings(["--staged"], cwd=r)
    check("staged: during a merge, what the merge brings in is checked", rc == 1 and len(doc["findings"]) == 1, str(doc)[:300])
    git(r, "merge", "--abort")
    # Staged content, not the work tree, is what counts.
    write(r, "c.py", "c = 1\n")
    git(r, "add", "c.py")
    write(r, "c.py", "c = 1\nK = '%s'\n" % S4)
    rc, doc, err = findings(["--staged"], cwd=r)
    check("staged: an unstaged secret in the work tree is not what is committed", rc == 0)


def test_range():
    r = new_repo("range")
    write(r, "old.py", "OLD = '%s'\nx = 1\n" % S1)
    write(r, "lib.py", "y = 1\n")
    commit(r, "base")
    git(r, "checkout", "-q", "-b", "pr")
    write(r, "old.py", "OLD = '%s'\nx = 2\n" % S1)
    commit(r, "touch a file holding an old secret")
    write(r, "lib.py", "y = 1\nNEW = '%s'\n" % S2)
    commit(r, "add a new secret")
    write(r, "copy.py", "C = '%s'\n" % S1)
    commit(r, "copy the old secret elsewhere")
    write(r, "tmp.py", "T = '%s'\n" % S3)
    commit(r, "add then")
    os.remove(os.path.join(r, "tmp.py"))
    commit(r, "remove")
    rc, doc, err = findings(["--git", "--range", "main..pr", "--show-secrets", r])
    got = secrets_of(doc)
    check("range: a new secret is reported", S2 in got, str(got))
    check("range: a secret added and removed inside the range is reported", S3 in got, str(got))
    check("range: an old secret in a touched file is not blamed on the range", S1 not in got, str(got))
    check("range: exit 1", rc == 1)
    rc, doc, err = findings(["--git", "--range", "pr~1..pr", r])
    check("range: a range that adds nothing new: exit 0", rc == 0 and not doc["findings"], str(doc)[:200])
    rc, out, err = ks(["scan", "--git", "--range", "nosuch..pr", r])
    check("range: unknown base is an error naming it", rc == 2 and "nosuch" in err, err)


def test_hook():
    r = new_repo("hook")
    write(r, "a.py", "a = 1\n")
    commit(r, "c1")
    rc, out, err = ks(["hook", "install", r])
    check("hook: installed", rc == 0 and os.access(os.path.join(r, ".git/hooks/pre-commit"), os.X_OK), err)
    write(r, "a.py", "a = 1\nKEY = '%s'\n" % S1)
    git(r, "add", "a.py")
    p = subprocess.run(["git", "-C", r, "commit", "-q", "-m", "leak"], capture_output=True, env=env(), stdin=subprocess.DEVNULL)
    check("hook: git commit with a secret is blocked", p.returncode != 0 and git(r, "rev-list", "--count", "HEAD") == "1",
          p.stderr.decode())
    write(r, "a.py", "a = 2\n")
    git(r, "add", "a.py")
    p = subprocess.run(["git", "-C", r, "commit", "-q", "-m", "clean"], capture_output=True, env=env(), stdin=subprocess.DEVNULL)
    check("hook: a clean commit goes through", p.returncode == 0, p.stderr.decode())
    r2 = new_repo("hook2")
    write(r2, ".git/hooks/pre-commit", "#!/bin/sh\nexit 0\n")
    rc, out, err = ks(["hook", "install", r2])
    check("hook: a foreign hook is not overwritten", rc == 2 and "--force" in err, err)
    rc, out, err = ks(["hook", "install", "--force", r2])
    check("hook: --force replaces it", rc == 0)


def test_odd_repositories(hist):
    rc, out, err = ks(["scan", "--git", TMP])
    check("not a repository: exit 2 naming it", rc == 2 and TMP in err and "not a git repository" in err, err)
    bare = os.path.join(TMP, "bare.git")
    subprocess.run(["git", "clone", "-q", "--bare", hist, bare], check=True, env=env(), stdin=subprocess.DEVNULL)
    rc, doc, err = findings(["--git", "--show-secrets", bare])
    check("bare repository: history scanned", rc == 1 and S1 in secrets_of(doc))
    shallow = os.path.join(TMP, "shallow")
    subprocess.run(["git", "clone", "-q", "--depth", "2", "file://" + hist, shallow], check=True, env=env(), stdin=subprocess.DEVNULL)
    rc, doc, err = findings(["--git", shallow])
    check("shallow clone: scanned, with a warning that says so",
          any("shallow" in w["message"] for w in doc["warnings"]), str(doc.get("warnings")))
    # A corrupt object: the rest of the history is still scanned.
    broken = new_repo("broken")
    write(broken, "good.py", "G = '%s'\n" % S1)
    commit(broken, "good")
    write(broken, "bad.py", "bad\n")
    commit(broken, "bad")
    blob = git(broken, "rev-parse", "HEAD:bad.py")
    os.remove(os.path.join(broken, ".git", "objects", blob[:2], blob[2:]))
    rc, doc, err = findings(["--git", "--show-secrets", broken])
    check("corrupt object: warning names it, rest scanned",
          S1 in secrets_of(doc) and any(blob in w["message"] for w in doc["warnings"]), str(doc.get("warnings")))
    # Submodules are not followed unless asked.
    sub = new_repo("withsub")
    write(sub, "x.py", "x = 1\n")
    commit(sub, "x")
    subprocess.run(["git", "-C", sub, "-c", "protocol.file.allow=always", "submodule", "add", "-q", hist, "vendored"],
                   check=True, capture_output=True, env=env(), stdin=subprocess.DEVNULL)
    commit(sub, "add submodule")
    rc, doc, err = findings(["--git", "--show-secrets", sub])
    check("submodule: not followed, said so", S1 not in secrets_of(doc)
          and any("submodule" in w["message"] for w in doc["warnings"]), str(doc.get("warnings")))
    # An enormous blob: size limit, counted as skipped.
    big = new_repo("big")
    write(big, "big.bin", "x" * 300000 + "\nK = '%s'\n" % S1)
    commit(big, "big")
    rc, doc, err = findings(["--git", "--max-file-size", "100K", big])
    check("enormous blob: skipped and counted", rc == 0 and doc["summary"]["skipped"] == 1
          and any("max-file-size" in w["message"] for w in doc["warnings"]), str(doc["summary"]))


def main():
    global TMP, CACHE
    TMP = tempfile.mkdtemp(prefix="keysift-git-")
    # The compiled ruleset ctest shares between tests (compiling it costs
    # minutes under ThreadSanitizer), else one of this run's own.
    CACHE = os.environ.get("KEYSIFT_CACHE_DIR") or os.path.join(TMP, "cache")
    try:
        hist = test_history()
        test_staged()
        test_range()
        test_hook()
        test_odd_repositories(hist)
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    if failures:
        print("git: %d failure(s): %s" % (len(failures), ", ".join(failures)))
        return 1
    print("git: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
