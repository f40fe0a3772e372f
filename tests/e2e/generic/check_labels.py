#!/usr/bin/env python3
"""Consistency check of the generic-credential corpus labels.

usage: check_labels.py [CORPUS_DIR]

CORPUS_DIR defaults to the project's corpus/. Reads labels.tsv beside this
script (every labelled line of corpus/generic, positive and negative; kept
out of the corpus so that its notes are not scanned) and
CORPUS_DIR/generic/expected.tsv (the expected findings) and checks that:

- both files have their header line and well-formed rows;
- every path exists and every line number is a non-blank line of that file;
- no (path, line) is labelled twice, and no line holds two expected findings;
- every label row whose label is not "none" is a row of expected.tsv with the
  same rule id, and every expected.tsv row is a labelled non-"none" row.

Then prints the counts by label and by syntax. Exit status: 0 consistent,
1 a mismatch, 2 a missing or unreadable file. Standard library only.
"""

import collections
import os
import sys

LABELS_HEADER = ["path", "line", "label", "syntax", "note"]
EXPECTED_HEADER = ["path", "line", "rule_id"]


def read_tsv(path, header, errors):
    """Rows (lineno, fields) after the header; comment and blank lines skipped."""
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except OSError as e:
        print(f"check_labels: cannot read {path}: {e}", file=sys.stderr)
        sys.exit(2)
    rows, seen_header = [], False
    name = os.path.basename(path)
    for n, raw in enumerate(lines, 1):
        if not raw.strip() or raw.startswith("#"):
            continue
        fields = raw.split("\t")
        if not seen_header:
            if fields != header:
                errors.append(f"{name}:{n}: expected header {'<TAB>'.join(header)}")
            seen_header = True
            continue
        if len(fields) != len(header):
            errors.append(f"{name}:{n}: {len(fields)} fields, expected {len(header)}: {raw!r}")
            continue
        if not fields[1].isdigit() or int(fields[1]) < 1:
            errors.append(f"{name}:{n}: bad line number {fields[1]!r}")
            continue
        rows.append((n, fields))
    if not seen_header:
        errors.append(f"{name}: no header line")
    return rows


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(os.path.dirname(os.path.dirname(here)))
    corpus = os.path.abspath(argv[1]) if len(argv) > 1 else os.path.join(root, "corpus")
    gen = os.path.join(corpus, "generic")
    errors = []
    labels = read_tsv(os.path.join(here, "labels.tsv"), LABELS_HEADER, errors)
    expected = read_tsv(os.path.join(gen, "expected.tsv"), EXPECTED_HEADER, errors)

    file_lines = {}

    def check_line(src, n, rel, line):
        if rel not in file_lines:
            try:
                with open(os.path.join(corpus, rel), encoding="utf-8") as f:
                    file_lines[rel] = f.read().split("\n")
            except (OSError, UnicodeDecodeError):
                file_lines[rel] = None
        text = file_lines[rel]
        if text is None:
            errors.append(f"{src}:{n}: no such file {rel}")
        elif line > len(text) or (line == len(text) and text[-1] == ""):
            errors.append(f"{src}:{n}: {rel} has no line {line}")
        elif not text[line - 1].strip():
            errors.append(f"{src}:{n}: {rel}:{line} is blank")

    labelled = {}
    for n, (rel, line, label, syntax, note) in labels:
        line = int(line)
        check_line("labels.tsv", n, rel, line)
        if (rel, line) in labelled:
            errors.append(f"labels.tsv:{n}: {rel}:{line} labelled twice")
        labelled[(rel, line)] = label
        if not label or not syntax or not note:
            errors.append(f"labels.tsv:{n}: empty label, syntax or note")

    exp = {}
    for n, (rel, line, rule) in expected:
        line = int(line)
        check_line("expected.tsv", n, rel, line)
        if (rel, line) in exp:
            errors.append(f"expected.tsv:{n}: two findings on {rel}:{line} "
                          f"({exp[(rel, line)]}, {rule})")
        exp[(rel, line)] = rule

    for key, label in sorted(labelled.items()):
        if label == "none":
            if key in exp:
                errors.append(f"{key[0]}:{key[1]}: labelled none but expected {exp[key]}")
        elif key not in exp:
            errors.append(f"{key[0]}:{key[1]}: labelled {label} but not in expected.tsv")
        elif exp[key] != label:
            errors.append(f"{key[0]}:{key[1]}: labelled {label}, expected.tsv says {exp[key]}")
    for key, rule in sorted(exp.items()):
        if key not in labelled:
            errors.append(f"{key[0]}:{key[1]}: expected {rule} but has no label row")

    by_label = collections.Counter(f[2] for _, f in labels)
    by_syntax = collections.Counter(f[3] for _, f in labels)
    pos_syntax = collections.Counter(f[3] for _, f in labels if f[2] != "none")
    files = sorted({f[0] for _, f in labels})
    pos = sum(c for k, c in by_label.items() if k != "none")

    print(f"{len(labels)} labelled lines in {len(files)} files: "
          f"{pos} expected findings, {by_label.get('none', 0)} none")
    print("\nby label:")
    for k, c in sorted(by_label.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"  {c:4}  {k}")
    print("\nby syntax (total / findings):")
    for k, c in sorted(by_syntax.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"  {c:4} / {pos_syntax.get(k, 0):3}  {k}")

    if errors:
        print(f"\n{len(errors)} problem(s):")
        for e in errors:
            print(f"  {e}")
        return 1
    print("\nlabels.tsv and expected.tsv agree")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
