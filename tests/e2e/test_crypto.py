#!/usr/bin/env python3
"""Keys and certificates: what keysift reads of them, checked against what the
openssl command says of keys and certificates it generates here (RSA 1024 and
2048, EC, Ed25519, encrypted PKCS#8, DER, PKCS#12, OpenSSH; self-signed, CA-
issued, expired, SHA-1-signed and soon-expiring certificates), the links
between keys and certificates, and the computed findings for weak material.

usage: test_crypto.py KEYSIFT_BINARY
"""
import datetime
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

KS = os.path.abspath(sys.argv[1])
failures = 0


def check(name, ok, detail=""):
    global failures
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else "\n     " + str(detail)[:2000]))
    failures += not ok


def sh(*cmd, cwd, stdin=None):
    return subprocess.run(list(cmd), cwd=cwd, check=True, capture_output=True, input=stdin).stdout


def spki(d, key, pubin=False):
    der = sh("openssl", "pkey", *(["-pubin"] if pubin else []), "-in", key, "-pubout", "-outform",
             "DER", cwd=d)
    return hashlib.sha256(der).hexdigest()


def openssl_date(d, cert, which):
    out = sh("openssl", "x509", "-in", cert, "-noout", "-" + which, cwd=d).decode().strip()
    text = out.split("=", 1)[1]
    return datetime.datetime.strptime(text, "%b %d %H:%M:%S %Y GMT").strftime("%Y-%m-%dT%H:%M:%SZ")


def main():
    d = tempfile.mkdtemp(prefix="keysift-crypto-")
    try:
        g = lambda *c: sh(*c, cwd=d)
        g("openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024", "-out", "rsa1024.pem")
        g("openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "rsa2048.pem")
        g("openssl", "genrsa", "-traditional", "-out", "rsa2048-trad.pem", "2048")
        g("openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ec.pem")
        g("openssl", "genpkey", "-algorithm", "ed25519", "-out", "ed25519.pem")
        g("openssl", "pkcs8", "-topk8", "-in", "rsa2048.pem", "-v2", "aes-256-cbc", "-passout", "pass:lumen",
          "-out", "encrypted.pem")
        g("openssl", "pkey", "-in", "ec.pem", "-outform", "DER", "-out", "ec-key.der")
        # A CA, a leaf it issues, a self-signed certificate, an expired one, a SHA-1 one, and one
        # that expires in two years (before a support period of five).
        g("openssl", "req", "-x509", "-key", "rsa2048.pem", "-subj", "/CN=Lumen Test CA", "-days", "3650",
          "-out", "ca.crt")
        g("openssl", "req", "-new", "-key", "ec.pem", "-subj", "/CN=hub.lumen.test", "-out", "leaf.csr")
        with open(os.path.join(d, "leaf.ext"), "w") as f:
            f.write("basicConstraints=CA:FALSE\n")
        g("openssl", "x509", "-req", "-in", "leaf.csr", "-CA", "ca.crt", "-CAkey", "rsa2048.pem",
          "-set_serial", "0x1234abcd", "-days", "730", "-extfile", "leaf.ext", "-out", "leaf.crt")
        g("openssl", "x509", "-in", "leaf.crt", "-outform", "DER", "-out", "leaf.der")
        g("openssl", "req", "-x509", "-key", "rsa1024.pem", "-subj", "/CN=legacy.lumen.test", "-days", "3650",
          "-out", "rsa1024.crt")
        # SHA-1: a leaf the CA signs with it (weak), and a self-signed root (a trust anchor: not).
        g("openssl", "req", "-new", "-key", "ec.pem", "-subj", "/CN=sha1.lumen.test", "-out", "sha1.csr")
        g("openssl", "x509", "-req", "-in", "sha1.csr", "-CA", "ca.crt", "-CAkey", "rsa2048.pem", "-sha1",
          "-set_serial", "77", "-days", "3650", "-extfile", "leaf.ext", "-out", "sha1.crt")
        g("openssl", "req", "-x509", "-key", "ec.pem", "-subj", "/CN=Old SHA-1 Root", "-days", "3650", "-sha1",
          "-out", "sha1-root.crt")
        os.makedirs(os.path.join(d, "ca", "newcerts"))
        open(os.path.join(d, "ca", "index.txt"), "w").close()
        open(os.path.join(d, "ca", "serial"), "w").write("01\n")
        with open(os.path.join(d, "ca.cnf"), "w") as f:
            f.write("[ca]\ndefault_ca=d\n[d]\ndir=ca\ndatabase=ca/index.txt\nnew_certs_dir=ca/newcerts\n"
                    "serial=ca/serial\ndefault_md=sha256\npolicy=p\nunique_subject=no\n[p]\ncommonName=supplied\n")
        g("openssl", "req", "-new", "-key", "ed25519.pem", "-subj", "/CN=expired.lumen.test", "-out", "exp.csr")
        g("openssl", "ca", "-batch", "-notext", "-config", "ca.cnf", "-selfsign", "-keyfile", "ed25519.pem",
          "-in", "exp.csr", "-startdate", "20200101000000Z", "-enddate", "20230101000000Z", "-out", "expired.crt")
        g("openssl", "pkcs12", "-export", "-inkey", "ec.pem", "-in", "leaf.crt", "-passout", "pass:", "-out",
          "empty-password.p12")
        g("openssl", "pkcs12", "-export", "-inkey", "ec.pem", "-in", "leaf.crt", "-passout", "pass:lumen",
          "-out", "password.p12")
        g("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "ops@lumen", "-f", "id_ed25519")
        for f in ("leaf.csr", "leaf.ext", "exp.csr", "sha1.csr", "ca.cnf"):
            os.remove(os.path.join(d, f))
        shutil.rmtree(os.path.join(d, "ca"))

        until = (datetime.date.today() + datetime.timedelta(days=5 * 365)).isoformat()
        r = subprocess.run([KS, "scan", "-q", "--format", "json", "--support-until", until, d],
                           capture_output=True)
        doc = json.loads(r.stdout)
        assets = {}
        for f in doc["findings"] + doc["inventory"]:
            if f.get("public"):
                continue
            for l in f["locations"]:
                assets.setdefault(os.path.relpath(l["path"].split("!")[0], d), []).append(f)

        def facts(path, rule=None):
            for f in assets.get(path, []):
                if rule is None or f["rule_id"] == rule:
                    return f.get("crypto") or {}
            return {}

        for path, alg, bits, fmt, enc in (("rsa1024.pem", "RSA", 1024, "PKCS#8", False),
                                          ("rsa2048.pem", "RSA", 2048, "PKCS#8", False),
                                          ("rsa2048-trad.pem", "RSA", 2048, "PKCS#1", False),
                                          ("ec.pem", "EC", 256, "SEC 1", False),
                                          ("ed25519.pem", "Ed25519", 256, "PKCS#8", False),
                                          ("ec-key.der", "EC", 256, "SEC 1", False),
                                          ("id_ed25519", "Ed25519", 256, "OpenSSH", False)):
            c = facts(path)
            check(f"{path}: {alg} {bits}, {fmt}, {'encrypted' if enc else 'plaintext'}",
                  c.get("algorithm") == alg and c.get("bits") == bits and c.get("format") == fmt
                  and c.get("encrypted") is enc, c)
        c = facts("encrypted.pem")
        check("encrypted.pem: encrypted PKCS#8 (algorithm not readable without the passphrase)",
              c.get("encrypted") is True and c.get("format") == "PKCS#8" and not c.get("algorithm"), c)
        c = facts("ec.pem")
        check("ec.pem: curve prime256v1", c.get("curve") == "prime256v1", c)
        for path in ("rsa1024.pem", "rsa2048.pem", "ec.pem", "ed25519.pem"):
            check(f"{path}: the public-key fingerprint is OpenSSL's", facts(path).get("public_key_sha256") ==
                  spki(d, path), facts(path))
        c = facts("empty-password.p12")
        check("empty-password.p12: PKCS#12 read with the empty password: EC 256",
              c.get("format") == "PKCS#12" and c.get("algorithm") == "EC" and c.get("encrypted") is False, c)
        c = facts("password.p12")
        check("password.p12: PKCS#12 with a password: encrypted", c.get("encrypted") is True, c)

        ca, leaf, leafder = facts("ca.crt"), facts("leaf.crt"), facts("leaf.der")
        check("ca.crt: self-signed CA, RSA 2048, sha256WithRSAEncryption",
              ca.get("self_signed") is True and ca.get("ca") is True and ca.get("bits") == 2048
              and ca.get("signature_algorithm") == "sha256WithRSAEncryption", ca)
        check("leaf.crt: issued by the CA, not self-signed, not a CA",
              leaf.get("issuer") == "CN=Lumen Test CA" and leaf.get("subject") == "CN=hub.lumen.test"
              and leaf.get("self_signed") is False and leaf.get("ca") is False, leaf)
        check("leaf.crt: serial and validity as openssl reads them",
              leaf.get("serial") == "1234ABCD" and leaf.get("not_after") == openssl_date(d, "leaf.crt", "enddate")
              and leaf.get("not_before") == openssl_date(d, "leaf.crt", "startdate"), leaf)
        check("leaf.der: a DER certificate reads the same as its PEM",
              leafder.get("sha256") == leaf.get("sha256") and leafder.get("subject") == leaf.get("subject"), leafder)
        check("leaf.crt: its public key is the EC key's", leaf.get("public_key_sha256") == spki(d, "ec.pem"), leaf)
        fp = {os.path.relpath(l["path"].split("!")[0], d): f["fingerprint"]
              for f in doc["findings"] + doc["inventory"] if not f.get("public") for l in f["locations"]}
        check("ec.pem is linked to the certificate of its public key, and back",
              facts("ec.pem").get("linked") in (fp.get("leaf.crt"), fp.get("leaf.der"), fp.get("sha1.crt"))
              and leaf.get("linked") == fp.get("ec.pem"), (facts("ec.pem"), leaf.get("linked"), fp))
        pub = facts("id_ed25519.pub")
        check("id_ed25519 (OpenSSH) is linked to id_ed25519.pub",
              pub.get("type") == "public-key" and pub.get("linked") == fp.get("id_ed25519")
              and facts("id_ed25519").get("public_key_sha256") == pub.get("public_key_sha256"), pub)

        derived = {}
        for f in doc["findings"]:
            if f.get("public"):
                for l in f["locations"]:
                    derived.setdefault(f["rule_id"], set()).add(os.path.relpath(l["path"].split("!")[0], d))
        check("crypto.rsa-short: the 1024-bit key and the certificate made with it",
              derived.get("crypto.rsa-short") == {"rsa1024.pem", "rsa1024.crt"}, derived)
        check("crypto.weak-signature: the SHA-1-signed leaf, not the self-signed SHA-1 root",
              derived.get("crypto.weak-signature") == {"sha1.crt"}, derived)
        check("crypto.cert-expired: the expired certificate", derived.get("crypto.cert-expired") == {"expired.crt"},
              derived)
        check("crypto.cert-expires-in-support: the leaf (2 years) with a support period of 5",
              derived.get("crypto.cert-expires-in-support") == {"leaf.crt", "leaf.der"}, derived)
        shown = [f["secret"] for f in doc["findings"] if f.get("public")]
        check("computed findings show what the material is, unredacted",
              any("expired on 2023-01-01" in s for s in shown) and all("\u2026" not in s for s in shown), shown)
        certs_as_findings = [f for f in doc["findings"] if f["rule_id"].startswith(("cert.", "pubkey."))]
        check("certificates and public keys are inventory, not findings", not certs_as_findings
              and {i["rule_id"] for i in doc["inventory"]} == {"cert.x509", "pubkey.openssh"}, certs_as_findings)
        r2 = subprocess.run([KS, "scan", "-q", "--format", "json", d], capture_output=True)
        doc2 = json.loads(r2.stdout)
        check("without --support-until, no support-period finding",
              not any(f["rule_id"] == "crypto.cert-expires-in-support" for f in doc2["findings"]))
        r3 = subprocess.run([KS, "scan", "-q", "--support-until", "2030-02-30", d], capture_output=True)
        check("--support-until: a bad date is an error naming it", r3.returncode == 2 and b"2030-02-30" in r3.stderr,
              r3.stderr)
    finally:
        shutil.rmtree(d, ignore_errors=True)


main()
print("crypto: %s" % ("all checks passed" if not failures else "%d failure(s)" % failures))
sys.exit(1 if failures else 0)
