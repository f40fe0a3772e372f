#!/usr/bin/env python3
"""End-to-end check of keysift against corpus/ and its manifest.

usage: check_corpus.py KEYSIFT_BINARY CORPUS_DIR [SCAN_ARG...]

Runs `KEYSIFT_BINARY scan --format jsonl --threads 2 [SCAN_ARG...] CORPUS_DIR`
(extra arguments, e.g. `--rules rules`, go to `scan` unchanged), turns every
finding location into (path relative to CORPUS_DIR, line, rule_id) and compares
that set with CORPUS_DIR/manifest.tsv, the manifests of the provider
families (CORPUS_DIR/providers/*.tsv) and of the generic credentials
(CORPUS_DIR/generic/expected.tsv). Prints every expected location that was
not reported and every reported location that was not expected.

Also checks that the scan does not print secrets: --show-secrets is not passed,
so each finding's "secret" must be redacted (contain "…" or be shorter than 12
characters), and no other string field of a finding (location snippets
included, paths excluded) may repeat a whole run of 20+ token characters mixing
letters and digits from the corpus, as a raw source line would.

Exit status: 0 all expected locations found and nothing else; 1 a mismatch, a
leaked secret or an unexpected keysift exit status; 2 bad usage or a broken
manifest. Standard library only, deterministic.
"""

import json
import os
import re
import subprocess
import sys

SCAN_TIMEOUT_S = 300
REDACTION_MARK = "\u2026"  # "…"
MIN_UNREDACTED_LEN = 12
# A run of token characters long enough to be (part of) a secret.
TOKEN_RUN = re.compile(r"[A-Za-z0-9+/_=-]{20,}")


def fail_setup(msg):
    print(f"check_corpus: {msg}", file=sys.stderr)
    sys.exit(2)


def manifest_files(corpus_dir):
    """manifest.tsv, the manifest of each provider family (providers/*.tsv), and the
    generic credentials' (generic/expected.tsv)."""
    files = [os.path.join(corpus_dir, "manifest.tsv")]
    prov = os.path.join(corpus_dir, "providers")
    if os.path.isdir(prov):
        files += sorted(os.path.join(prov, f) for f in os.listdir(prov) if f.endswith(".tsv"))
    generic = os.path.join(corpus_dir, "generic", "expected.tsv")
    if os.path.exists(generic):
        files.append(generic)
    return files


def load_manifest(corpus_dir):
    """Returns the set of (path, line, rule_id) rows of every manifest; exits 2 on
    a broken one."""
    rows = set()
    errors = []
    line_counts = {}
    for path in manifest_files(corpus_dir):
        name = os.path.relpath(path, corpus_dir)
        try:
            with open(path, encoding="utf-8") as f:
                lines = f.read().splitlines()
        except OSError as e:
            fail_setup(f"cannot read manifest: {e}")
        header_seen = False
        for n, raw in enumerate(lines, 1):
            if not raw.strip() or raw.startswith("#"):
                continue
            fields = raw.split("\t")
            if not header_seen:
                if fields != ["path", "line", "rule_id"]:
                    errors.append(f"{name}:{n}: expected header 'path<TAB>line<TAB>rule_id'")
                header_seen = True
                continue
            if len(fields) != 3 or not fields[1].isdigit() or int(fields[1]) < 1:
                errors.append(f"{name}:{n}: malformed row {raw!r}")
                continue
            rel, line, rule = fields[0], int(fields[1]), fields[2]
            if rel not in line_counts:
                try:
                    with open(os.path.join(corpus_dir, rel), "rb") as fixture:
                        line_counts[rel] = fixture.read().count(b"\n") + 1
                except OSError:
                    line_counts[rel] = 0
            if line_counts[rel] == 0:
                errors.append(f"{name}:{n}: no such fixture {rel}")
            elif line > line_counts[rel]:
                errors.append(f"{name}:{n}: {rel} has no line {line}")
            if (rel, line, rule) in rows:
                errors.append(f"{name}:{n}: duplicate row {rel}:{line} {rule}")
            rows.add((rel, line, rule))
        if not header_seen:
            errors.append(f"{name}: no header line")
    if errors:
        for e in errors:
            print(e, file=sys.stderr)
        fail_setup("broken manifest")
    return rows


def corpus_text(corpus_dir):
    """Returns (runs, paths): the set of secret-like runs of 20+ characters in the
    corpus, and the relative paths of its files, longest first."""
    runs, paths = set(), []
    for root, dirs, files in os.walk(corpus_dir):
        dirs.sort()
        for name in sorted(files):
            full = os.path.join(root, name)
            paths.append(os.path.relpath(full, corpus_dir))
            try:
                with open(full, encoding="utf-8", errors="replace") as f:
                    text = f.read()
            except OSError:
                continue
            for m in TOKEN_RUN.finditer(text):
                if looks_secret(m.group(0)):
                    runs.add(m.group(0))
    paths.sort(key=len, reverse=True)
    return runs, paths


def looks_secret(s):
    """Letters and digits mixed as in tokens, keys and passwords: several digits,
    and mixed case or many digits; not words, paths or host names with a digit
    in them (example/api/v1/orders, caching_sha2_password)."""
    digits = sum(c.isdigit() for c in s)
    upper = any(c.isupper() for c in s)
    lower = any(c.islower() for c in s)
    return digits >= 2 and (upper and lower or digits >= 4) and (lower or upper)


def text_fields(obj):
    """Every string value of a finding (snippets too), except "path" values."""
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, list):
        for v in obj:
            yield from text_fields(v)
    elif isinstance(obj, dict):
        for k, v in obj.items():
            if k != "path":
                yield from text_fields(v)


def leaked_runs(finding, corpus):
    """Whole corpus runs of 20+ characters that appear in the finding's text fields,
    as they would if a report printed a raw source line. A redacted prefix is never
    a whole run, so it does not count. File paths, which a report may repeat
    anywhere, are removed first."""
    runs, paths = corpus
    leaks = []
    for s in text_fields(finding):
        for p in paths:
            if len(p) >= 20 and p in s:
                s = s.replace(p, " ")
        for m in TOKEN_RUN.finditer(s):
            run = m.group(0)
            if looks_secret(run) and run in runs:
                leaks.append(run)
    return leaks


def describe(rule, secret):
    return f"{rule} secret {secret[:4]!r}... ({len(secret)} chars)"


def main(argv):
    if len(argv) < 3:
        fail_setup("usage: check_corpus.py KEYSIFT_BINARY CORPUS_DIR [SCAN_ARG...]")
    binary, corpus_dir, extra = argv[1], argv[2], argv[3:]
    if not os.path.isdir(corpus_dir):
        fail_setup(f"not a directory: {corpus_dir}")
    expected = load_manifest(corpus_dir)

    cmd = [binary, "scan", "--format", "jsonl", "--threads", "2", *extra, corpus_dir]
    try:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=SCAN_TIMEOUT_S, check=False)
    except FileNotFoundError:
        fail_setup(f"cannot run {binary}")
    except subprocess.TimeoutExpired:
        print(f"FAIL: {' '.join(cmd)} did not finish within {SCAN_TIMEOUT_S} s")
        return 1

    stderr = proc.stderr.decode("utf-8", errors="replace")
    if proc.returncode != 1:
        print(f"FAIL: {' '.join(cmd)} exited {proc.returncode}, expected 1 (findings)")
        if stderr.strip():
            print("--- keysift stderr ---")
            print(stderr.rstrip())
        return 1

    problems = []
    found = set()
    corpus = None
    for n, raw in enumerate(proc.stdout.decode("utf-8", errors="replace").splitlines(), 1):
        if not raw.strip():
            continue
        try:
            finding = json.loads(raw)
        except json.JSONDecodeError as e:
            problems.append(f"stdout line {n} is not JSON ({e}): {raw[:80]!r}")
            continue
        if not isinstance(finding, dict):
            problems.append(f"stdout line {n} is not a JSON object")
            continue
        rule = finding.get("rule_id")
        locations = finding.get("locations")
        if not isinstance(rule, str) or not isinstance(locations, list) or not locations:
            problems.append(f"stdout line {n}: finding without rule_id or locations")
            continue

        secret = finding.get("secret")
        if isinstance(secret, str) and REDACTION_MARK not in secret \
                and len(secret) >= MIN_UNREDACTED_LEN:
            problems.append(f"stdout line {n}: unredacted {describe(rule, secret)}")
        if corpus is None:
            corpus = corpus_text(corpus_dir)
        for leak in leaked_runs(finding, corpus):
            problems.append(f"stdout line {n}: {rule} output contains corpus text "
                            f"{leak[:6]!r}... ({len(leak)} chars)")

        for loc in locations:
            path = loc.get("path") if isinstance(loc, dict) else None
            line = loc.get("line") if isinstance(loc, dict) else None
            if not isinstance(path, str) or not isinstance(line, int):
                problems.append(f"stdout line {n}: {rule} location without path/line: {loc}")
                continue
            found.add((os.path.relpath(path, corpus_dir), line, rule))

    missing = sorted(expected - found)
    unexpected = sorted(found - expected)
    for rel, line, rule in missing:
        print(f"missing:    {rel}:{line} {rule}")
    for rel, line, rule in unexpected:
        print(f"unexpected: {rel}:{line} {rule}")
    for p in problems:
        print(f"error: {p}")

    hit = len(expected) - len(missing)
    print(f"corpus: {hit} expected locations found, {len(missing)} missing, "
          f"{len(unexpected)} unexpected"
          + (f", {len(problems)} output errors" if problems else ""))
    if missing or unexpected or problems:
        if stderr.strip():
            print("--- keysift stderr ---")
            print(stderr.rstrip())
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
