#!/usr/bin/env python3
"""Private keys in the forms keysift reads besides PEM, made here from real keys:
Java keystores built by keytool (JKS with the default password changeit, JKS
with another password, JCEKS with a private and secret keys) and by this script
(a JKS whose key has the empty password), a truncated keystore, JWKs converted
from `openssl genpkey` keys, age identities (age-keygen where installed),
OpenVPN static keys (`openvpn --genkey` where installed) and PEM blocks wrapped
in log prefixes, comments and string concatenation. Checks keysift's JSON:
rule ids, the facts OpenSSL reads of each key (against the openssl command),
warnings, and that decoys stay quiet.

usage: test_keys.py KEYSIFT_BINARY
"""
import base64
import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import keyfmt  # noqa: E402

KS = os.path.abspath(sys.argv[1])
failures = 0


def check(name, ok, detail=""):
    global failures
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else "\n     " + str(detail)[:2000]))
    failures += not ok


def sh(*cmd, cwd, stdin=None):
    return subprocess.run(list(cmd), cwd=cwd, check=True, capture_output=True, input=stdin).stdout


def spki(d, key):
    der = sh("openssl", "pkey", "-in", key, "-pubout", "-outform", "DER", cwd=d)
    return hashlib.sha256(der).hexdigest()


def write(d, name, text):
    with open(os.path.join(d, name), "w" if isinstance(text, str) else "wb") as f:
        f.write(text)


# ---------------------------------------------------------------------------
# A JKS written here: the format of OpenJDK's JavaKeyStore, the key protected
# with Sun's KeyProtector (SHA-1 keystream over password and salt).

def der_len(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def der(tag, body):
    return bytes([tag]) + der_len(len(body)) + body


def utf16(pw):
    return b"".join(struct.pack(">H", ord(c)) for c in pw)


def key_protect(pkcs8, password):
    salt, pw = os.urandom(20), utf16(password)
    stream, digest = b"", salt
    while len(stream) < len(pkcs8):
        digest = hashlib.sha1(pw + digest).digest()
        stream += digest
    body = salt + bytes(a ^ b for a, b in zip(pkcs8, stream)) + hashlib.sha1(pw + pkcs8).digest()
    oid = der(0x06, bytes([0x2B, 0x06, 0x01, 0x04, 0x01, 0x2A, 0x02, 0x11, 0x01, 0x01]))
    return der(0x30, der(0x30, oid + b"\x05\x00") + der(0x04, body))


def write_jks(path, alias, pkcs8, cert, key_password, store_password):
    utf = lambda s: struct.pack(">H", len(s.encode())) + s.encode()
    key = key_protect(pkcs8, key_password)
    body = struct.pack(">III", 0xFEEDFEED, 2, 1)
    body += struct.pack(">I", 1) + utf(alias) + struct.pack(">Q", int(time.time() * 1000))
    body += struct.pack(">I", len(key)) + key + struct.pack(">I", 1)
    body += utf("X.509") + struct.pack(">I", len(cert)) + cert
    mac = hashlib.sha1(utf16(store_password) + b"Mighty Aphrodite" + body).digest()
    with open(path, "wb") as f:
        f.write(body + mac)


# ---------------------------------------------------------------------------

def keytool(d, *args):
    sh("keytool", *args, cwd=d)


def scan(d, *paths):
    r = subprocess.run([KS, "scan", "-q", "--format", "json", *paths], cwd=d, capture_output=True)
    if r.returncode not in (0, 1):
        check("keysift scan exits 0 or 1", False, r.stderr.decode())
        return {"findings": [], "inventory": [], "warnings": []}
    return json.loads(r.stdout)


def by_file(doc):
    """{file: [(rule_id, location path, crypto)]} over findings and inventory."""
    out = {}
    for f in doc["findings"] + doc["inventory"]:
        if f.get("public"):
            continue
        for l in f["locations"]:
            root = l["path"].split("!")[0]
            out.setdefault(os.path.basename(root), []).append((f["rule_id"], l["path"], f.get("crypto") or {}))
    return out


def keystores(d):
    if not shutil.which("keytool"):
        check("keytool is installed (scripts/install-deps: default-jre-headless)", False)
        return
    common = ["-noprompt", "-validity", "3650"]
    keytool(d, "-genkeypair", "-storetype", "JKS", "-keystore", "default.jks", "-storepass", "changeit",
            "-keypass", "changeit", "-alias", "server", "-keyalg", "RSA", "-keysize", "2048",
            "-dname", "CN=server.lumen.test", *common)
    keytool(d, "-exportcert", "-rfc", "-keystore", "default.jks", "-storepass", "changeit", "-alias",
            "server", "-file", "server.crt")
    keytool(d, "-importcert", "-storetype", "JKS", "-keystore", "default.jks", "-storepass", "changeit",
            "-alias", "lumen-ca", "-file", "server.crt", "-noprompt")
    keytool(d, "-genkeypair", "-storetype", "JKS", "-keystore", "other.jks", "-storepass", "Lumen-Store-7",
            "-keypass", "Lumen-Store-7", "-alias", "client", "-keyalg", "EC", "-groupname", "secp384r1",
            "-dname", "CN=client.lumen.test", *common)
    keytool(d, "-genkeypair", "-storetype", "JCEKS", "-keystore", "store.jceks", "-storepass", "changeit",
            "-keypass", "changeit", "-alias", "signer", "-keyalg", "RSA", "-keysize", "3072",
            "-dname", "CN=signer.lumen.test", *common)
    for alias in ("aes-1", "aes-2", "aes-3"):
        keytool(d, "-genseckey", "-storetype", "JCEKS", "-keystore", "store.jceks", "-storepass", "changeit",
                "-keypass", "changeit", "-alias", alias, "-keyalg", "AES", "-keysize", "128")
    # A JKS whose key has the empty password (keytool refuses one), written here; keytool
    # must read it as a keystore.
    sh("openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "empty.pem", cwd=d)
    sh("openssl", "req", "-x509", "-key", "empty.pem", "-subj", "/CN=empty.lumen.test", "-days", "30",
       "-outform", "DER", "-out", "empty.crt.der", cwd=d)
    pkcs8 = sh("openssl", "pkcs8", "-topk8", "-nocrypt", "-in", "empty.pem", "-outform", "DER", cwd=d)
    with open(os.path.join(d, "empty.crt.der"), "rb") as f:
        cert = f.read()
    write_jks(os.path.join(d, "empty-key.jks"), "device", pkcs8, cert, "", "Lumen-Store-7")
    listed = subprocess.run(["keytool", "-list", "-keystore", "empty-key.jks", "-storepass", "Lumen-Store-7"],
                            cwd=d, capture_output=True, text=True)
    check("keytool reads the keystore written by this test", listed.returncode == 0 and "device" in listed.stdout,
          listed.stdout + listed.stderr)
    os.remove(os.path.join(d, "empty.crt.der"))
    with open(os.path.join(d, "default.jks"), "rb") as f:
        whole = f.read()
    write(d, "truncated.jks", whole[: len(whole) * 2 // 3])
    # A keystore inside other bytes: carved out by its magic.
    write(d, "firmware.bin", os.urandom(3000) + whole + os.urandom(500))


def text_keys(d):
    """JWK, age, OpenVPN and wrapped PEM files; returns {file: expected facts or None}."""
    want = {}
    g = lambda *c: sh(*c, cwd=d)
    g("openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "rsa.pem")
    g("openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-521", "-out", "ec521.pem")
    g("openssl", "genpkey", "-algorithm", "ED25519", "-out", "ed25519.pem")
    g("openssl", "genpkey", "-algorithm", "X448", "-out", "x448.pem")
    rsa, ec, ed, x448 = (keyfmt.jwk(os.path.join(d, k)) for k in ("rsa.pem", "ec521.pem", "ed25519.pem", "x448.pem"))
    write(d, "signing.jwk.json", json.dumps(dict(rsa, kid="svc-1", alg="RS256")))
    pub_ec = {k: v for k, v in ec.items() if k != "d"}
    write(d, "jwks.json", json.dumps({"keys": [dict(pub_ec, kid="old"), dict(ec, kid="new")]}, indent=2))
    write(d, "app.env", "JWT_KEY=\"" + json.dumps(ed).replace('"', '\\"') + "\"\n")
    write(d, "ecdh.json", json.dumps(keyfmt.jwk(os.path.join(d, "x448.pem"), use_cryptography=False), indent=4))
    want.update({"signing.jwk.json": ("privkey.jwk", "RSA", 2048, "rsa.pem"),
                 "jwks.json": ("privkey.jwk", "EC", 521, "ec521.pem"),
                 "app.env": ("privkey.jwk", "Ed25519", 256, "ed25519.pem"),
                 "ecdh.json": ("privkey.jwk", "X448", 448, "x448.pem")})
    # Decoys: a public JWK, a d that is not the key's, a truncated key.
    write(d, "public.jwk.json", json.dumps(pub_ec))
    write(d, "wrong-d.jwk.json", json.dumps(dict(ec, d=keyfmt.b64url(os.urandom(66)))))
    write(d, "truncated.jwk.json", json.dumps(dict(rsa, d=rsa["d"][:200])))

    if shutil.which("age-keygen"):
        g("age-keygen", "-o", "keys.txt")
        with open(os.path.join(d, "keys.txt")) as f:
            ident = [l.strip() for l in f if l.startswith("AGE-SECRET-KEY-1")][0]
        hrp, data = keyfmt.bech32_decode(ident)
        check("age-keygen's identity is Bech32 as keyfmt.py computes it",
              hrp == "age-secret-key-" and keyfmt.age_identity(data) == ident, ident)
        want["keys.txt"] = ("privkey.age",)
    ident = keyfmt.age_identity()
    write(d, ".sops.env", "SOPS_AGE_KEY=" + ident + "\n")
    write(d, "bad-age.env", "SOPS_AGE_KEY=" + ident[:-1] + ("Q" if ident[-1] != "Q" else "P") + "\n")
    want[".sops.env"] = ("privkey.age",)

    if shutil.which("openvpn"):
        g("openvpn", "--genkey", "secret", "ta.key")
        want["ta.key"] = ("privkey.openvpn-static",)
    static = keyfmt.openvpn_static()
    write(d, "client.ovpn", "client\nremote vpn.lumen.test 1194\nkey-direction 1\n<tls-auth>\n"
          + static[static.index("-----BEGIN"):] + "</tls-auth>\n")
    want["client.ovpn"] = ("privkey.openvpn-static",)
    lines = static[static.index("-----BEGIN"):].splitlines()
    write(d, "short.key", "\n".join(lines[:10] + lines[-1:]) + "\n")

    # Wrapped PEM: every line behind a prefix, or a string literal of a concatenation.
    with open(os.path.join(d, "rsa.pem")) as f:
        pem = f.read().splitlines()
    wrapped = {
        "debug.log": "\n".join("2024-05-01T10:00:00Z DEBUG key: " + l for l in pem) + "\n",
        "notes.py": "\n".join("# " + l for l in pem) + "\n",
        "key.go": "\n".join("// " + l for l in pem) + "\n",
        "key.c": "/*\n" + "\n".join(" * " + l for l in pem) + "\n */\n",
        "README.md": "\n".join("> " + l for l in pem) + "\n",
        "Key.java": "String key =\n" + " +\n".join('    "%s\\n"' % l for l in pem) + ";\n",
        "key.sh": "KEY=" + " \\\n".join("'%s\\n'" % l for l in pem) + "\n",
        "key_implicit.py": "KEY = (\n" + "\n".join('    "%s\\n"' % l for l in pem) + "\n)\n",
    }
    for name, text in wrapped.items():
        write(d, name, text)
    return want, set(wrapped)


def hostile(src, d):
    """Every keystore cut short (every 5th length) and with bytes changed (every
    other position of its first 512 bytes and of its secret key entries'
    serialization) in
    one directory, scanned once: no crash (the sanitizer build runs this too),
    and warnings, not errors."""
    h = tempfile.mkdtemp(prefix="keysift-keys-hostile-")
    try:
        n = 0
        for name in ("default.jks", "store.jceks"):
            with open(os.path.join(src, name), "rb") as f:
                whole = f.read()
            for cut in range(12, len(whole), 5):
                write(h, f"cut-{cut}-{name}", whole[:cut])
                n += 1
            ser = whole.find(b"\xac\xed\x00\x05")
            spots = list(range(0, min(len(whole), 512), 2))
            if ser > 0:
                spots += list(range(ser, min(len(whole), ser + 400), 2))
            for i in spots:
                for v in (0x00, 0xFF, whole[i] ^ 0x01):
                    b = bytearray(whole)
                    b[i] = v
                    write(h, f"flip-{i}-{v}-{name}", bytes(b))
                    n += 1
        r = subprocess.run([KS, "scan", "-q", "--format", "json", h], capture_output=True)
        ok = r.returncode in (0, 1)
        doc = json.loads(r.stdout) if ok else {}
        check(f"{n} truncated and corrupted keystores: scanned, no crash, warnings",
              ok and len(doc.get("warnings", [])) > 0, r.stderr.decode()[-2000:])
    finally:
        shutil.rmtree(h, ignore_errors=True)


# The pipeline does not call ks_pem_unwrap yet (scanner/core/pemwrap.h): until it
# does, these wrappers hide the key from the PEM rules. Reported, not failed; once
# found they must stay found (drop them from this set).


def main():
    d = tempfile.mkdtemp(prefix="keysift-keys-")
    try:
        keystores(d)
        want, wrapped = text_keys(d)
        doc = scan(d, ".")
        files = by_file(doc)

        def facts(name, rule):
            for r, path, c in files.get(name, []):
                if r == rule:
                    return path, c
            return None, {}

        if shutil.which("keytool"):
            path, c = facts("default.jks", "privkey.pkcs8")
            check("default.jks: the key protected with changeit is recovered: RSA 2048, plaintext PKCS#8",
                  c.get("algorithm") == "RSA" and c.get("bits") == 2048 and c.get("encrypted") is False
                  and path and "server/private-key[password=changeit]" in path, (path, c))
            path, c = facts("default.jks", "privkey.pkcs8-encrypted")
            check("default.jks: its protected form is an encrypted private key",
                  c.get("encrypted") is True and path and path.endswith("server/private-key!pem"), (path, c))
            certs = sorted(p for r, p, _ in files.get("default.jks", []) if r == "cert.x509")
            check("default.jks: the chain's certificate and the trusted certificate are inventory",
                  len(certs) == 2 and any("server/certificate-0" in p for p in certs)
                  and any("lumen-ca/certificate" in p for p in certs), certs)
            key = [f for f in doc["findings"] if any("password=changeit" in l["path"] for l in f["locations"])]
            cert = [f for f in doc["inventory"] if any("server/certificate-0" in l["path"] for l in f["locations"])]
            check("default.jks: the recovered key is linked to its certificate",
                  key and cert and key[0]["crypto"].get("linked") == cert[0]["fingerprint"], (key, cert))
            rules = {r for r, _, _ in files.get("other.jks", [])}
            path, c = facts("other.jks", "privkey.pkcs8-encrypted")
            check("other.jks (another password): the key is reported encrypted, not recovered",
                  c.get("encrypted") is True and "privkey.pkcs8" not in rules, files.get("other.jks"))
            path, c = facts("store.jceks", "privkey.pkcs8-encrypted")
            check("store.jceks: the private key entry is reported encrypted (PBEWithMD5AndTripleDES)",
                  c.get("encrypted") is True and path and "signer/private-key" in path, files.get("store.jceks"))
            check("store.jceks: read past its secret key entries, no warning",
                  facts("store.jceks", "cert.x509")[0] is not None
                  and not [w for w in doc["warnings"] if "store.jceks" in w["path"]], doc["warnings"])
            path, c = facts("empty-key.jks", "privkey.pkcs8")
            check("empty-key.jks: the key with the empty password is recovered: EC 256",
                  c.get("algorithm") == "EC" and c.get("bits") == 256 and path
                  and "[empty password]" in path and c.get("public_key_sha256") == spki(d, "empty.pem"), (path, c))
            warns = [w for w in doc["warnings"] if w["path"].endswith("truncated.jks")]
            check("truncated.jks: a warning naming the keystore and where it stops",
                  len(warns) == 1 and "keystore" in warns[0]["message"] and "past the end" in warns[0]["message"],
                  doc["warnings"])
            path, c = facts("firmware.bin", "privkey.pkcs8")
            check("firmware.bin: a keystore carved out of other bytes is read",
                  path and "jks@0xbb8" in path and c.get("bits") == 2048, files.get("firmware.bin"))
            hostile(d, d)

        for name, (rule, *rest) in want.items():
            path, c = facts(name, rule)
            if not rest:
                check(f"{name}: {rule}", path is not None, files.get(name))
                continue
            alg, bits, pem = rest
            check(f"{name}: {rule}, {alg} {bits}, format JWK, public key as openssl says",
                  c.get("algorithm") == alg and c.get("bits") == bits and c.get("format") == "JWK"
                  and c.get("public_key_sha256") == spki(d, pem), (path, c))
        jwks = [p for r, p, _ in files.get("jwks.json", []) if r == "privkey.jwk"]
        check("jwks.json: one finding, the private member of the set", len(jwks) == 1, jwks)
        for name in ("public.jwk.json", "wrong-d.jwk.json", "truncated.jwk.json", "bad-age.env", "short.key"):
            check(f"{name}: quiet", name not in files, files.get(name))

        for name in sorted(wrapped):
            found = [(r, c) for r, _, c in files.get(name, []) if r.startswith("privkey.")]
            ok = bool(found) and found[0][1].get("algorithm") == "RSA" and found[0][1].get("bits") == 2048
            check(f"{name}: the wrapped PEM is found and read: RSA 2048", ok, files.get(name))
    finally:
        shutil.rmtree(d, ignore_errors=True)
    print(f"{failures} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
