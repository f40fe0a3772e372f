#!/usr/bin/env python3
"""End-to-end tests of secrets shared across images, and of `keysift diff`.

usage: test_fleet.py KEYSIFT_BINARY

Builds twenty small firmware images at test time with real tools (tar,
cpio -H newc, mksquashfs) in a temporary directory. Every image holds the
same RSA private key (made by openssl now: PEM in even images, DER in odd
ones) and the same root password hash (a shadow line made by openssl
passwd), and secrets of its own (an EC private key, an admin password hash)
and 128 KB of random bytes. One image also holds a certificate of the
shared key. Then:

- a scan of the directory reports exactly two findings shared across
  images (the key, PEM and DER as one, and the root hash), each listing all
  twenty images, at a severity above the one a single image gets, the
  certificate named; the per-image secrets are not shared;
- the JSON `images` summary: every image (and no other file) with the
  SHA-256 of its bytes, its findings and shared findings;
- the text, CRA evidence, SARIF and CycloneDX outputs carry it;
- peak RSS of the scan of 20 images and of 200 (the 20 copied ten times)
  stays under the limit ($KEYSIFT_TEST_RSS_MB, default 256 MB), and the
  200-image scan does not grow with the number of images beyond a bound;
- `keysift diff` of two reports of the directory, before and after a change
  (one image's own key removed, a new key added to another): new, removed,
  still present in text and JSON, the exit status, redaction, bad input.

Exit status 0 when every check passes, 1 otherwise.
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import warnings

KEYSIFT = os.path.abspath(sys.argv[1])
LIMIT_MB = int(os.environ.get("KEYSIFT_TEST_RSS_MB", "256"))
# What 180 more images may add to the peak. A sanitizer build (which sets
# KEYSIFT_TEST_RSS_MB) keeps freed memory in quarantine: only LIMIT_MB holds.
GROWTH_MB = LIMIT_MB if "KEYSIFT_TEST_RSS_MB" in os.environ else 64
N = 20
failures = 0
HERE = os.path.dirname(os.path.abspath(__file__))
# The schemas, where there are (as check_sarif.py and check_cyclonedx.py find them).
SCHEMAS = next((c for c in (os.environ.get("KEYSIFT_SCHEMAS", ""),
                            os.path.join(HERE, "..", "..", "..", "shared", "schemas"))
                if c and os.path.isfile(os.path.join(c, "bom-1.6.schema.json"))), None)


def schema_errors(doc, name):
    """Errors of doc against the schema `name` ("sarif", "cyclonedx"), or None
    when the schema or python3-jsonschema is not there."""
    try:
        import jsonschema
    except ImportError:
        return None
    if not SCHEMAS:
        return None
    load = lambda n: json.load(open(os.path.join(SCHEMAS, n)))
    if name == "sarif":
        v = jsonschema.Draft7Validator(load("sarif-schema-2.1.0.json"))
    else:
        schema, spdx, jsf = (load("bom-1.6.schema.json"), load("spdx.schema.json"),
                             load("jsf-0.82.schema.json"))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            resolver = jsonschema.RefResolver.from_schema(
                schema, store={spdx["$id"]: spdx, jsf["$id"]: jsf})
        v = jsonschema.Draft7Validator(schema, resolver=resolver)
    return [e.message for e in v.iter_errors(doc)][:5]


def check(name, ok, detail=""):
    global failures
    if ok:
        print("ok   " + name)
    else:
        failures += 1
        print("FAIL " + name + (("\n     " + str(detail)[:3000]) if detail else ""))


def sh(cmd, cwd=None, **kw):
    return subprocess.run(cmd, cwd=cwd, check=True, capture_output=True, **kw)


def run(args, cwd):
    r = subprocess.run([KEYSIFT] + args, cwd=cwd, capture_output=True, timeout=600)
    return r.returncode, r.stdout.decode(errors="replace"), r.stderr.decode(errors="replace")


def scan_json(args, cwd):
    rc, out, err = run(["scan", "-q", "--format", "json"] + args, cwd)
    try:
        return rc, json.loads(out), err
    except ValueError:
        return rc, None, err + out[:2000]


def scan_measured(args, cwd):
    """A scan as its own child: exit status, JSON report, peak RSS (KB)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        pid = os.fork()
        if pid == 0:
            os.chdir(cwd)
            os.dup2(out.fileno(), 1)
            os.dup2(err.fileno(), 2)
            os.execv(KEYSIFT, [KEYSIFT, "scan", "-q", "--format", "json"] + args)
        _, status, ru = os.wait4(pid, 0)
        out.seek(0)
        try:
            doc = json.loads(out.read())
        except ValueError:
            doc = None
        return os.waitstatus_to_exitcode(status), doc, ru.ru_maxrss


def build_images(tmp):
    """Twenty images in tmp/imgs; returns the shared key's PEM text."""
    keys = os.path.join(tmp, "keys")
    os.makedirs(keys)
    shared = os.path.join(keys, "shared.pem")
    sh(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out",
        shared])
    sh(["openssl", "pkey", "-in", shared, "-outform", "DER", "-out",
        os.path.join(keys, "shared.der")])
    sh(["openssl", "req", "-x509", "-new", "-key", shared, "-subj", "/CN=fleet-device",
        "-days", "3650", "-out", os.path.join(keys, "device.crt")])
    root_hash = sh(["openssl", "passwd", "-6", "-salt", "fleetroot", "Fleet-Root-2026"]
                   ).stdout.decode().strip()
    imgs = os.path.join(tmp, "imgs")
    os.makedirs(imgs)
    names = []
    for i in range(N):
        root = os.path.join(tmp, "root%02d" % i)
        priv = os.path.join(root, "etc", "ssl", "private")
        os.makedirs(priv)
        os.makedirs(os.path.join(root, "usr", "share"))
        if i % 2 == 0:
            shutil.copy(shared, os.path.join(priv, "device.key"))
        else:
            shutil.copy(os.path.join(keys, "shared.der"), os.path.join(priv, "device.der"))
        if i == 0:
            os.makedirs(os.path.join(root, "etc", "ssl", "certs"))
            shutil.copy(os.path.join(keys, "device.crt"),
                        os.path.join(root, "etc", "ssl", "certs", "device.crt"))
        sh(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
            "-out", os.path.join(priv, "unique.pem")])
        admin = sh(["openssl", "passwd", "-6", "-salt", "img%02d" % i, "admin-pw-%d" % i]
                   ).stdout.decode().strip()
        with open(os.path.join(root, "etc", "shadow"), "w") as f:
            f.write("root:%s:19700:0:99999:7:::\n" % root_hash)
            f.write("admin:%s:19700:0:99999:7:::\n" % admin)
            f.write("daemon:*:19700:0:99999:7:::\n")
        with open(os.path.join(root, "usr", "share", "blob.bin"), "wb") as f:
            f.write(os.urandom(128 << 10))
        kind = i % 3
        if kind == 0:
            name = "fw-%02d.tar" % i
            sh(["tar", "-cf", os.path.join(imgs, name), "-C", root, "."])
        elif kind == 1:
            name = "fw-%02d.cpio" % i
            files = sh(["find", "."], cwd=root).stdout
            sh(["cpio", "-o", "-H", "newc", "-O", os.path.join(imgs, name)], cwd=root,
               input=files)
        else:
            name = "fw-%02d.sqfs" % i
            sh(["mksquashfs", root, os.path.join(imgs, name), "-quiet", "-noappend",
                "-no-progress"])
        names.append("imgs/" + name)
    # Not images: a key file (DER: a key store, not an image) and a text file beside them.
    shutil.copy(os.path.join(keys, "shared.der"), os.path.join(imgs, "spare-key.der"))
    # Not an image: a text file beside them.
    with open(os.path.join(imgs, "RELEASE-NOTES.txt"), "w") as f:
        f.write("Release notes: nothing to see here.\n")
    return sorted(names)


def digest(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for b in iter(lambda: f.read(1 << 16), b""):
            h.update(b)
    return h.hexdigest()


def test_fleet(tmp, names):
    rc, doc, err = scan_json(["imgs"], tmp)
    check("fleet: scan exits 1 (findings)", rc == 1 and doc is not None, (rc, err))
    if doc is None:
        return None
    shared = [f for f in doc["findings"] if "shared" in f]
    kinds = sorted(f["kind"] for f in shared)
    check("fleet: exactly two shared findings, the key and the password hash",
          kinds == ["password-hash", "private-key"],
          [(f["rule_id"], f["shared"]["images"][:3]) for f in shared])
    for f in shared:
        check("fleet: %s shared across all %d images" % (f["kind"], N),
              f["shared"]["count"] == N and sorted(f["shared"]["images"]) == names,
              f["shared"])
        check("fleet: %s severity above its rule's" % f["kind"],
              f["severity"] == "critical" and f["shared"]["rule_severity"] in ("high", "medium"),
              (f["severity"], f["shared"]["rule_severity"]))
        cwe = f["shared"].get("guidance", {}).get("cwe", [])
        check("fleet: %s guidance names CWE-321 and CWE-1394" % f["kind"],
              "CWE-321" in cwe and "CWE-1394" in cwe, cwe)
    key = next((f for f in shared if f["kind"] == "private-key"), None)
    if key:
        paths = [l["path"] for l in key["locations"]]
        check("fleet: the key as PEM and as DER is one finding",
              any("device.key" in p for p in paths) and any("device.der" in p for p in paths)
              and len(key["shared"]["merged"]) >= 1, paths)
        check("fleet: the certificate of the shared key is named",
              any("CN=fleet-device" in m and "fw-00.tar" in m for m in key["shared"]["matches"]),
              key["shared"]["matches"])
        certs = [e for e in doc.get("inventory", []) if e.get("crypto") and
                 "CN=fleet-device" in (e["crypto"].get("subject") or "")]
        check("fleet: the certificate in the inventory links to the shared finding",
              len(certs) == 1 and certs[0]["crypto"]["linked"] == key["fingerprint"],
              certs and certs[0]["crypto"]["linked"])
        check("fleet: the shared key is redacted", key["secret_redacted"] and
              "MII" not in key["secret"], key["secret"])
    # Per-image secrets stay findings of one image each.
    own = [f for f in doc["findings"] if "shared" not in f]
    own_keys = [f for f in own if f["kind"] == "private-key"]
    own_hashes = [f for f in own if f["kind"] == "password-hash"]
    check("fleet: each image's own key and admin hash are findings of that image only",
          len(own_keys) == N and len(own_hashes) == N and
          all(len({l["path"].split(":")[0] for l in f["locations"]}) == 1 for f in own),
          (len(own_keys), len(own_hashes)))
    images = doc.get("images")
    check("fleet: JSON images lists every image and nothing else",
          images is not None and [im["path"] for im in images] == names,
          images and [im["path"] for im in images])
    if images:
        check("fleet: each image's SHA-256 is the digest of its bytes",
              all(im["sha256"] == digest(os.path.join(tmp, im["path"])) for im in images))
        check("fleet: each image has 4 findings, 2 of them shared",
              all(im["findings"] == 4 and im["shared_findings"] == 2 for im in images),
              [(im["path"], im["findings"], im["shared_findings"]) for im in images])
    # One image alone: nothing is shared, the key is at its rule's severity.
    rc1, one, _ = scan_json([names[0]], tmp)
    check("fleet: one image alone has no images summary and nothing shared",
          one is not None and "images" not in one and
          not any("shared" in f for f in one["findings"]))
    if one and key:
        k1 = [f for f in one["findings"] if f["rule_id"] == key["rule_id"] and
              "device.key" in f["locations"][0]["path"]]
        check("fleet: the key in one image is at its rule's severity (lower)",
              k1 and k1[0]["severity"] == key["shared"]["rule_severity"] and
              k1[0]["severity"] != key["severity"], k1 and k1[0]["severity"])
    # An image the walk excludes is no image.
    rcx, ex, _ = scan_json(["--exclude", "fw-1*", "imgs"], tmp)
    kept = [n for n in names if not os.path.basename(n).startswith("fw-1")]
    check("fleet: --exclude leaves excluded files out of the images",
          ex is not None and [im["path"] for im in ex.get("images", [])] == kept and
          all(f["shared"]["count"] == len(kept) for f in ex["findings"] if "shared" in f),
          ex and [im["path"] for im in ex.get("images", [])])
    # Two images named on the command line are a fleet too.
    rc2, two, _ = scan_json([names[0], names[1]], tmp)
    check("fleet: two images named on the command line share the key and the hash",
          two is not None and len(two.get("images", [])) == 2 and
          sorted(f["kind"] for f in two["findings"] if "shared" in f) ==
          ["password-hash", "private-key"])
    # A symbolic link named on the command line is followed, as the walk follows it.
    os.symlink(os.path.basename(names[1]), os.path.join(tmp, "imgs", "latest"))
    try:
        rc3, three, _ = scan_json([names[0], "imgs/latest"], tmp)
    finally:
        os.remove(os.path.join(tmp, "imgs", "latest"))
    check("fleet: an image named through a symbolic link is an image",
          three is not None and [im["path"] for im in three.get("images", [])] ==
          [names[0], "imgs/latest"], three and three.get("images"))
    return doc


def test_outputs(tmp, names):
    rc, out, err = run(["scan", "-q", "imgs"], tmp)
    check("text: 'shared across 20 images: ' and the first images",
          "shared across %d images: %s, %s" % (N, names[0], names[1]) in out.replace(
              "\n              ", " "), out[:3000])
    check("text: the summary counts images and shared findings",
          "%d images, 2 findings shared across images" % N in out, out[-600:])
    rc, out, err = run(["scan", "-q", "--format", "cra", "imgs"], tmp)
    sec = out.split("## Secrets shared across images", 1)
    check("cra: section 'Secrets shared across images'", len(sec) == 2, out[:2000])
    if len(sec) == 2:
        body = sec[1].split("\n## ", 1)[0]
        check("cra: every image in the section's table with its digest",
              all(("`%s`" % n) in body and digest(os.path.join(tmp, n)) in body
                  for n in names), body[:2000])
        check("cra: two secrets shared across 20 images",
              body.count("shared across %d images" % N) == 2 and
              "2 secrets found in more than one" in body, body[:3000])
        check("cra: CWE-321 and CWE-1394", "CWE-321" in body and "CWE-1394" in body)
    rc, out, err = run(["scan", "-q", "--format", "sarif", "imgs"], tmp)
    try:
        sarif = json.loads(out)
        results = sarif["runs"][0]["results"]
    except (ValueError, KeyError, IndexError):
        sarif, results = None, []
    errs = schema_errors(sarif, "sarif")
    if errs is None:
        print("skip sarif: schema (KEYSIFT_SCHEMAS) or python3-jsonschema not found")
    else:
        check("sarif: valid against the SARIF 2.1.0 schema", not errs, errs)
    shared = [r for r in results if r.get("properties", {}).get("sharedImageCount")]
    check("sarif: shared results carry sharedImageCount and sharedImages",
          shared and all(r["properties"]["sharedImageCount"] == N and
                         len(r["properties"]["sharedImages"]) == N for r in shared) and
          {r["properties"]["kind"] for r in shared} == {"private-key", "password-hash"},
          len(shared))
    rc, out, err = run(["scan", "-q", "--format", "cyclonedx", "imgs"], tmp)
    try:
        cdx = json.loads(out)
        comps = cdx.get("components", [])
    except ValueError:
        cdx, comps = None, []
    errs = schema_errors(cdx, "cyclonedx")
    if errs is None:
        print("skip cyclonedx: schema (KEYSIFT_SCHEMAS) or python3-jsonschema not found")
    else:
        check("cyclonedx: valid against the CycloneDX 1.6 schema", not errs, errs)
    props = [{p["name"]: p["value"] for p in c.get("properties", [])} for c in comps]
    check("cyclonedx: the shared key carries keysift:shared-images",
          any(p.get("keysift:shared-images") == str(N) for p in props), props[:3])


def test_memory(tmp, names):
    rc, doc, rss20 = scan_measured(["imgs"], tmp)
    check("memory: 20 images, peak RSS %d MB < %d MB" % (rss20 // 1024, LIMIT_MB),
          doc is not None and rss20 < LIMIT_MB * 1024)
    many = os.path.join(tmp, "many")
    os.makedirs(many)
    for k in range(10):
        for n in names:
            base = os.path.basename(n)
            shutil.copy(os.path.join(tmp, n), os.path.join(many, "r%d-%s" % (k, base)))
    rc, doc, rss200 = scan_measured(["many"], tmp)
    ok = doc is not None and len(doc.get("images", [])) == 10 * N
    check("memory: 200 images listed", ok, doc and len(doc.get("images", [])))
    if ok:
        shared = [f for f in doc["findings"] if "shared" in f]
        check("memory: 200 images share exactly the key and the hash (and each image's own "
              "key and hash, copied ten times)",
              all(f["shared"]["count"] in (10, 10 * N) for f in shared) and
              sum(f["shared"]["count"] == 10 * N for f in shared) == 2, len(shared))
    check("memory: 200 images, peak RSS %d MB < %d MB and < 20 images' + %d MB (%d MB)"
          % (rss200 // 1024, LIMIT_MB, GROWTH_MB, rss20 // 1024),
          rss200 < LIMIT_MB * 1024 and rss200 < rss20 + GROWTH_MB * 1024)


def test_diff(tmp, names):
    rc, out, err = run(["scan", "-q", "--format", "json", "-o", "old.json", "imgs"], tmp)
    check("diff: old report written", rc == 1 and os.path.exists(os.path.join(tmp, "old.json")),
          err)
    # A change: image 3 loses its own key, image 4 gets a second one.
    r3 = os.path.join(tmp, "root03")
    os.remove(os.path.join(r3, "etc", "ssl", "private", "unique.pem"))
    files = sh(["find", "."], cwd=r3).stdout
    os.remove(os.path.join(tmp, "imgs", "fw-03.tar"))
    sh(["tar", "-cf", os.path.join(tmp, "imgs", "fw-03.tar"), "-C", r3, "."])
    r4 = os.path.join(tmp, "root04")
    sh(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384",
        "-out", os.path.join(r4, "etc", "ssl", "private", "extra.pem")])
    files = sh(["find", "."], cwd=r4).stdout
    os.remove(os.path.join(tmp, "imgs", "fw-04.cpio"))
    sh(["cpio", "-o", "-H", "newc", "-O", os.path.join(tmp, "imgs", "fw-04.cpio")], cwd=r4,
       input=files)
    rc, out, err = run(["scan", "-q", "--format", "json", "--show-secrets", "-o", "new.json",
                        "imgs"], tmp)
    new = json.load(open(os.path.join(tmp, "new.json")))
    old = json.load(open(os.path.join(tmp, "old.json")))
    total_new, total_old = len(new["findings"]), len(old["findings"])

    rc, out, err = run(["diff", "old.json", "new.json"], tmp)
    check("diff: exit 1 when the new report has new findings", rc == 1, (rc, err))
    check("diff: text lists 1 new, 1 removed, the rest still present",
          "new (1)" in out and "removed (1)" in out and
          ("1 new, 1 removed, %d still present" % (total_new - 1)) in out, out[-2000:])
    new_part = out.split("removed (")[0]
    check("diff: the new finding is image 4's extra key", "fw-04.cpio:/etc/ssl/private/extra.pem"
          in new_part, new_part)
    removed_part = out.split("removed (")[1].split("still present (")[0]
    check("diff: the removed finding is image 3's own key",
          "fw-03.tar:/etc/ssl/private/unique.pem" in removed_part, removed_part)
    check("diff: the shared findings are still present, with their image count",
          out.count("[shared across %d images]" % N) == 2, out[-3000:])
    secret = next(f["secret"] for f in new["findings"] if "extra.pem" in
                  f["locations"][0]["path"])
    check("diff: secrets from a --show-secrets report are redacted",
          secret[40:80] not in out and "…" in out)

    rc, out, err = run(["diff", "--format", "json", "old.json", "new.json"], tmp)
    try:
        d = json.loads(out)
    except ValueError:
        d = None
    check("diff --format json: summary and lists", d is not None and
          d["summary"] == {"new": 1, "removed": 1, "present": total_new - 1} and
          len(d["new"]) == 1 and len(d["removed"]) == 1 and
          len(d["present"]) == total_old - 1, d and d["summary"])
    if d:
        check("diff --format json: redacted", all(f["secret_redacted"] or f.get("public")
                                                  for f in d["new"] + d["present"]) and
              secret[40:80] not in out)
    rc, out, err = run(["diff", "--fail-on", "critical", "old.json", "new.json"], tmp)
    check("diff --fail-on critical: a new high finding does not fail", rc == 0, (rc, err))
    rc, out, err = run(["diff", "new.json", "old.json"], tmp)
    check("diff reversed: 1 new, 1 removed", rc == 1 and "1 new, 1 removed" in out, out[-300:])
    rc, out, err = run(["diff", "old.json", "old.json"], tmp)
    check("diff of a report with itself: exit 0, nothing new or removed",
          rc == 0 and "0 new, 0 removed, %d still present" % total_old in out, out[-300:])
    # Bad input: an error naming the file and what is wrong, exit 2.
    with open(os.path.join(tmp, "broken.json"), "w") as f:
        f.write('{"findings": [{"fingerprint": "xyz"}]}')
    with open(os.path.join(tmp, "cut.json"), "w") as f:
        f.write(open(os.path.join(tmp, "old.json")).read()[:500])
    for name, args, want in (
            ("a fingerprint that is none", ["old.json", "broken.json"], "broken.json: finding 1"),
            ("a report cut short", ["cut.json", "new.json"], "cut.json:"),
            ("a missing file", ["old.json", "missing.json"], "missing.json"),
            ("a report that is not keysift's", ["old.json", "imgs/RELEASE-NOTES.txt"],
             "RELEASE-NOTES.txt"),
            ("one operand", ["old.json"], "two reports")):
        rc, out, err = run(["diff"] + args, tmp)
        check("diff: %s: exit 2 naming it" % name, rc == 2 and want in err and not out,
              (rc, err, out[:200]))
    rc, out, err = run(["diff", "--format", "sarif", "old.json", "new.json"], tmp)
    check("diff --format sarif: refused", rc == 2 and "text or json" in err, err)


def main():
    for tool in ("openssl", "tar", "cpio", "mksquashfs"):
        if not shutil.which(tool):
            print("FAIL %s is not installed" % tool)
            return 1
    tmp = tempfile.mkdtemp(prefix="keysift-fleet-")
    try:
        names = build_images(tmp)
        test_fleet(tmp, names)
        test_outputs(tmp, names)
        test_memory(tmp, names)
        test_diff(tmp, names)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d failure%s" % (failures, "" if failures == 1 else "s"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
