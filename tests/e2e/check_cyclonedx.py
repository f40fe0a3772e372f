#!/usr/bin/env python3
"""CycloneDX output: a CycloneDX 1.6 cryptographic bill of materials valid
against the schema, on the corpus (source), on a git history of it, and on
the firmware image of corpus/firmware/build.sh; every key and certificate
keysift found is a component with its occurrences, certificates reference
their signature algorithm and public key, and no key material is written.

usage: check_cyclonedx.py KEYSIFT_BINARY CORPUS_DIR [SCHEMA_DIR]
The schemas (bom-1.6, spdx, jsf-0.82) come from $KEYSIFT_SCHEMAS, else
../shared/schemas beside the repository; without them the test is skipped
(exit 77). The referenced schemas are registered by their $id, so nothing is
fetched.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import warnings

try:
    import jsonschema
except ImportError:
    print("check_cyclonedx: python3-jsonschema is not installed (scripts/install-deps installs it)")
    sys.exit(1)

KS, CORPUS = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
HERE = os.path.dirname(os.path.abspath(__file__))
cands = [sys.argv[3]] if len(sys.argv) > 3 else []
cands += [os.environ.get("KEYSIFT_SCHEMAS", ""), os.path.join(HERE, "..", "..", "..", "shared", "schemas")]
sdir = next((c for c in cands if c and os.path.isfile(os.path.join(c, "bom-1.6.schema.json"))), None)
if not sdir:
    print("check_cyclonedx: CycloneDX schema not found (set KEYSIFT_SCHEMAS): skipped")
    sys.exit(77)
load = lambda n: json.load(open(os.path.join(sdir, n)))
schema, spdx, jsf = load("bom-1.6.schema.json"), load("spdx.schema.json"), load("jsf-0.82.schema.json")
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    resolver = jsonschema.RefResolver.from_schema(schema, store={spdx["$id"]: spdx, jsf["$id"]: jsf})
validator = jsonschema.Draft7Validator(schema, resolver=resolver)
failures = 0


def check(name, ok, detail=""):
    global failures
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else "\n     " + str(detail)[:2000]))
    failures += not ok


def run(args, cwd=None):
    p = subprocess.run([KS, "scan", "-q"] + args, capture_output=True, cwd=cwd, stdin=subprocess.DEVNULL)
    return p.stdout.decode()


def validate(label, args, cwd=None):
    out = run(["--format", "cyclonedx"] + args, cwd)
    doc = json.loads(out)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
    check(f"{label}: valid CycloneDX 1.6", not errors,
          "; ".join("%s: %s" % (list(e.path), e.message) for e in errors[:5]))
    full = json.loads(run(["--format", "json", "--show-secrets"] + args, cwd))
    assets = [f for f in full["findings"] if f.get("crypto") and not f.get("public")] + \
             [i for i in full["inventory"] if i.get("crypto")]
    comps = [c for c in doc["components"] if c["cryptoProperties"]["assetType"] != "algorithm"
             and not c["bom-ref"].endswith("/public-key")]
    check(f"{label}: one component per key and certificate found ({len(assets)})",
          len(comps) == len(assets) and len(assets) > 0, (len(comps), len(assets)))
    nloc = sum(len(a["locations"]) for a in assets)
    nocc = sum(len(c["evidence"]["occurrences"]) for c in comps)
    check(f"{label}: every location is an occurrence ({nloc})", nloc == nocc, (nloc, nocc))
    refs = {c["bom-ref"] for c in doc["components"]}
    dangling = []
    for c in doc["components"]:
        cp = c["cryptoProperties"]
        for k in ("algorithmRef",):
            v = cp.get("relatedCryptoMaterialProperties", {}).get(k)
            if v and v not in refs:
                dangling.append(v)
        ce = cp.get("certificateProperties", {})
        for k in ("signatureAlgorithmRef", "subjectPublicKeyRef"):
            if ce.get(k) and ce[k] not in refs:
                dangling.append(ce[k])
    check(f"{label}: every reference resolves", not dangling, dangling)
    bodies = [f["secret"] for f in full["findings"] if f["kind"] == "private-key"]
    leaked = [b[:40] for b in bodies if any(line.strip() and len(line.strip()) > 30 and line.strip() in out
                                            for line in b.splitlines()[1:-1])]
    check(f"{label}: no key material in the bill of materials", not leaked, leaked)
    return doc


doc = validate("corpus", [CORPUS])
certs = [c for c in doc["components"] if c["cryptoProperties"]["assetType"] == "certificate"]
check("corpus: certificates name subject, issuer, validity and algorithms",
      certs and all(c["cryptoProperties"]["certificateProperties"].get(k) for c in certs
                    for k in ("subjectName", "issuerName", "notValidAfter", "signatureAlgorithmRef")), certs[:1])

tmp = tempfile.mkdtemp(prefix="keysift-cdx-")
try:
    repo = os.path.join(tmp, "repo")
    shutil.copytree(os.path.join(CORPUS, "keys"), os.path.join(repo, "keys"))
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@example.com")
    for cmd in (["git", "init", "-q"], ["git", "config", "gc.auto", "0"], ["git", "add", "-A"],
                ["git", "commit", "-q", "-m", "keys"]):
        subprocess.run(cmd, cwd=repo, env=env, check=True, stdin=subprocess.DEVNULL)
    doc = validate("git history", ["--git", repo])
    occ = [o for c in doc["components"] for o in c.get("evidence", {}).get("occurrences", [])]
    check("git history: occurrences carry their commit", occ and all("git commit" in o.get("additionalContext", "")
                                                                      for o in occ), occ[:2])
    fw = os.path.join(tmp, "fw")
    b = subprocess.run(["sh", os.path.join(CORPUS, "firmware", "build.sh"), fw], capture_output=True,
                       stdin=subprocess.DEVNULL)
    check("firmware fixtures build", b.returncode == 0, b.stderr.decode())
    if b.returncode == 0:
        doc = validate("firmware image", ["firmware.img"], cwd=fw)
        check("firmware image: the image and its digest are the BOM's subject",
              doc["metadata"]["component"]["name"] == "firmware.img"
              and doc["metadata"]["component"]["hashes"][0]["alg"] == "SHA-256")
        locs = [o["location"] for c in doc["components"] for o in c.get("evidence", {}).get("occurrences", [])]
        check("firmware image: occurrences give the origin chain inside the image",
              any(l.startswith("firmware.img!squashfs@0x100000:/usr/sbin/lumen-agent!.rodata") for l in locs), locs)
        syms = [o.get("symbol") for c in doc["components"] for o in c.get("evidence", {}).get("occurrences", [])]
        check("firmware image: the ELF symbol of a key in .rodata", "device_key_der" in syms, syms)
finally:
    shutil.rmtree(tmp, ignore_errors=True)

print("cyclonedx: %s" % ("all checks passed" if not failures else "%d failure(s)" % failures))
sys.exit(1 if failures else 0)
