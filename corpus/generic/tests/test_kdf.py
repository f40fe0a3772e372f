"""Known-answer tests for the key derivation helpers (RFC 6070, RFC 7748)."""
from orders.crypto import pbkdf2_sha1, x25519

PBKDF2_VECTORS = [
    # RFC 6070 case 6: password and salt hold a NUL byte, so they are written in hex
    {"password": "7061737300776f7264", "salt": "7361006c74", "c": 4096},
]

# RFC 7748 section 6.1: the shared secret both sides must compute
X25519_SHARED_SECRET = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"


def test_pbkdf2_nul_bytes():
    v = PBKDF2_VECTORS[0]
    key = pbkdf2_sha1(bytes.fromhex(v["password"]), bytes.fromhex(v["salt"]), v["c"], 16)
    assert key.hex() == "56fa6aa75548099dcc37d7f03425e0c3"


def test_x25519_agreement(alice_private, bob_public):
    assert x25519(alice_private, bob_public).hex() == X25519_SHARED_SECRET
