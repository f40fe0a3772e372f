#!/usr/bin/env python3
"""Private keys in the text forms keysift reads, made from real key material:

  keyfmt.py jwk KEY.pem [--pretty] [--jwks] [--no-cryptography]
      the key (from `openssl genpkey`) as a JWK (RFC 7517, RFC 7518 section 6,
      RFC 8037): with the `cryptography` module when it is installed, else
      from `openssl pkey -text`; --no-cryptography forces the second way
  keyfmt.py age [HEX32]
      an age X25519 identity (AGE-SECRET-KEY-1...), Bech32 (BIP 173) of 32
      random bytes (or of the bytes given)
  keyfmt.py openvpn
      an OpenVPN static key (V1): 256 random bytes, 16 lines of 32 hex digits

Used to write the examples of rules/private-keys.yaml and by the end-to-end
test (tests/e2e/test_keys.py), which checks them against age-keygen and
openvpn where those are installed.
"""
import base64
import json
import os
import re
import subprocess
import sys


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def int_bytes(v, size=None):
    size = size or max(1, (v.bit_length() + 7) // 8)
    return v.to_bytes(size, "big")


# ---------------------------------------------------------------------------
# JWK

EC_SIZES = {"P-256": 32, "P-384": 48, "P-521": 66}
OPENSSL_CURVES = {"prime256v1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}


def jwk_cryptography(pem):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa, x448, x25519

    key = serialization.load_pem_private_key(pem, password=None)
    raw = serialization.Encoding.Raw
    if isinstance(key, rsa.RSAPrivateKey):
        pn, pub = key.private_numbers(), key.public_key().public_numbers()
        return {"kty": "RSA", "n": b64url(int_bytes(pub.n)), "e": b64url(int_bytes(pub.e)),
                "d": b64url(int_bytes(pn.d)), "p": b64url(int_bytes(pn.p)), "q": b64url(int_bytes(pn.q)),
                "dp": b64url(int_bytes(pn.dmp1)), "dq": b64url(int_bytes(pn.dmq1)),
                "qi": b64url(int_bytes(pn.iqmp))}
    if isinstance(key, ec.EllipticCurvePrivateKey):
        crv = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}[key.curve.name]
        size, pub = EC_SIZES[crv], key.public_key().public_numbers()
        return {"kty": "EC", "crv": crv, "x": b64url(int_bytes(pub.x, size)),
                "y": b64url(int_bytes(pub.y, size)),
                "d": b64url(int_bytes(key.private_numbers().private_value, size))}
    for cls, crv in ((ed25519.Ed25519PrivateKey, "Ed25519"), (ed448.Ed448PrivateKey, "Ed448"),
                     (x25519.X25519PrivateKey, "X25519"), (x448.X448PrivateKey, "X448")):
        if isinstance(key, cls):
            priv = key.private_bytes(raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
            return {"kty": "OKP", "crv": crv, "x": b64url(key.public_key().public_bytes(raw, serialization.PublicFormat.Raw)),
                    "d": b64url(priv)}
    raise ValueError("unsupported key type")


def openssl_text_fields(text):
    """{'modulus': bytes, 'publicExponent': int, ...} from `openssl pkey -text`."""
    fields, name, hexes = {}, None, []
    for line in text.splitlines():
        m = re.match(r"^(\w[\w ]*?):\s*(.*)$", line)
        if m and not line.startswith(" "):
            if name and hexes:
                fields[name] = bytes.fromhex("".join(hexes))
            name, rest, hexes = m.group(1), m.group(2), []
            num = re.match(r"^(\d+) \(0x[0-9a-f]+\)$", rest)
            if num:
                fields[name] = int(num.group(1))
                name = None
            elif rest and not rest.startswith("("):
                fields[name] = rest
                name = None
        elif name and line.startswith(" "):
            hexes.append(line.strip().replace(":", ""))
    if name and hexes:
        fields[name] = bytes.fromhex("".join(hexes))
    return fields


def jwk_openssl(path):
    text = subprocess.run(["openssl", "pkey", "-in", path, "-text", "-noout"], check=True,
                          capture_output=True, text=True).stdout
    first = text.splitlines()[0]
    f = openssl_text_fields(text)
    strip = lambda b: b.lstrip(b"\0") or b"\0"
    if "modulus" in f:
        return {"kty": "RSA", "n": b64url(strip(f["modulus"])), "e": b64url(int_bytes(f["publicExponent"])),
                "d": b64url(strip(f["privateExponent"])), "p": b64url(strip(f["prime1"])),
                "q": b64url(strip(f["prime2"])), "dp": b64url(strip(f["exponent1"])),
                "dq": b64url(strip(f["exponent2"])), "qi": b64url(strip(f["coefficient"]))}
    if "NIST CURVE" in f or "ASN1 OID" in f:
        crv = f.get("NIST CURVE") or OPENSSL_CURVES[f["ASN1 OID"]]
        size = EC_SIZES[crv]
        pub = f["pub"]
        assert pub[0] == 4 and len(pub) == 1 + 2 * size
        d = int.from_bytes(f["priv"], "big")
        return {"kty": "EC", "crv": crv, "x": b64url(pub[1:1 + size]), "y": b64url(pub[1 + size:]),
                "d": b64url(int_bytes(d, size))}
    for name, crv in (("ED25519", "Ed25519"), ("ED448", "Ed448"), ("X25519", "X25519"), ("X448", "X448")):
        if first.startswith(name + " "):
            return {"kty": "OKP", "crv": crv, "x": b64url(f["pub"]), "d": b64url(f["priv"])}
    raise ValueError("unsupported key: " + first)


def jwk(path, use_cryptography=True):
    if use_cryptography:
        try:
            import cryptography  # noqa: F401
        except ImportError:
            use_cryptography = False
    if use_cryptography:
        with open(path, "rb") as f:
            return jwk_cryptography(f.read())
    return jwk_openssl(path)


# ---------------------------------------------------------------------------
# Bech32 (BIP 173), written from the specification

BECH32_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def bech32_polymod(values):
    gen = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
    chk = 1
    for v in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i in range(5):
            chk ^= gen[i] if (top >> i) & 1 else 0
    return chk


def bech32_hrp_expand(hrp):
    return [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]


def convert_bits(data, frm, to, pad):
    acc, bits, out, maxv = 0, 0, [], (1 << to) - 1
    for v in data:
        acc = acc << frm | v
        bits += frm
        while bits >= to:
            bits -= to
            out.append(acc >> bits & maxv)
    if pad and bits:
        out.append(acc << (to - bits) & maxv)
    elif not pad and (bits >= frm or acc << (to - bits) & maxv):
        raise ValueError("invalid padding")
    return out


def bech32_encode(hrp, data):
    five = convert_bits(data, 8, 5, True)
    pm = bech32_polymod(bech32_hrp_expand(hrp) + five + [0] * 6) ^ 1
    check = [pm >> 5 * (5 - i) & 31 for i in range(6)]
    return hrp + "1" + "".join(BECH32_CHARSET[v] for v in five + check)


def bech32_decode(s):
    s = s.lower()
    pos = s.rfind("1")
    hrp, data = s[:pos], [BECH32_CHARSET.index(c) for c in s[pos + 1:]]
    if bech32_polymod(bech32_hrp_expand(hrp) + data) != 1:
        raise ValueError("bad checksum")
    return hrp, bytes(convert_bits(data[:-6], 5, 8, False))


def age_identity(seed=None):
    return bech32_encode("age-secret-key-", seed or os.urandom(32)).upper()


# ---------------------------------------------------------------------------
# OpenVPN static key

def openvpn_static(key=None):
    key = key or os.urandom(256)
    hexes = key.hex()
    lines = [hexes[i:i + 32] for i in range(0, 512, 32)]
    return ("#\n# 2048 bit OpenVPN static key\n#\n-----BEGIN OpenVPN Static key V1-----\n"
            + "\n".join(lines) + "\n-----END OpenVPN Static key V1-----\n")


def main(argv):
    if len(argv) >= 3 and argv[1] == "jwk":
        k = jwk(argv[2], "--no-cryptography" not in argv)
        if "--jwks" in argv:
            k = {"keys": [k]}
        print(json.dumps(k, indent=2 if "--pretty" in argv else None))
    elif len(argv) >= 2 and argv[1] == "age":
        print(age_identity(bytes.fromhex(argv[2]) if len(argv) > 2 else None))
    elif len(argv) == 2 and argv[1] == "openvpn":
        sys.stdout.write(openvpn_static())
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
