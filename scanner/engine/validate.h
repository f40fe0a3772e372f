/*
 * validate.h - checks run on a confirmed match before it becomes a finding.
 *
 * All functions are pure: they look only at the bytes given and allocate
 * nothing that outlives the call. Safe from any thread.
 */
#ifndef KS_VALIDATE_H
#define KS_VALIDATE_H

#include "../core/ks.h"

/* Case-insensitive search for a lower-case needle (ASCII). */
bool ks_contains_nocase(const uint8_t *s, size_t n, const char *needle);

/* Shannon entropy of the bytes, in bits per byte. */
double ks_entropy(const uint8_t *s, size_t n);

/* True when the value is a placeholder, a reference to another value, or a
 * documented example rather than a secret: EXAMPLE, xxxx, ****, <your-...>,
 * ${VAR}, os.environ[...], process.env.X, ... `in_docs` also rejects words
 * that are only placeholders in documentation (changeme). */
bool ks_is_placeholder(const uint8_t *s, size_t n, bool in_docs);

/* GitHub/npm token checksum: prefix_, then the entropy, then 6 chars of
 * base62(crc32(entropy)). Returns true when the checksum matches. */
bool ks_check_crc32_token(const uint8_t *s, size_t n);

/* A JWT whose header decodes (base64url) to a JSON object with "alg", and
 * that is not an example's: not a payload whose strings are example words
 * ({"foo": "bar"}), not an HS256/384/512 token signed with a published
 * example key ("secret", "your-256-bit-secret"). */
bool ks_check_jwt(const uint8_t *s, size_t n);

/* A PEM (or OpenSSH/PGP armored) block whose body is base64 of plausible
 * key material: DER SEQUENCE, openssh-key-v1, an OpenPGP packet, or the
 * ciphertext of a legacy encrypted PEM (Proc-Type header). The block may be
 * wrapped in source-code quoting: "...\n" lines, JSON \n escapes, indents. */
bool ks_check_pem(const uint8_t *s, size_t n);

/* A JWK (or JWK Set) holding a private key that OpenSSL builds and whose
 * public part is its private part's (core/jwk.h). */
bool ks_check_jwk(const uint8_t *s, size_t n);

/* A Bech32 string (BIP 173) with a valid checksum, of a human-readable part
 * and data length keysift knows: "age-secret-key-" and 32 bytes (an age
 * X25519 identity, AGE-SECRET-KEY-1...). Upper or lower case, not mixed. */
bool ks_check_bech32_key(const uint8_t *s, size_t n);

/* An OpenVPN static key (V1): exactly 256 bytes of hex between the BEGIN and
 * END lines, whatever whitespace and source-code quoting is around the lines
 * ("...\n" literals, JSON \n escapes, indents), and bytes that look random. */
bool ks_check_openvpn_static(const uint8_t *s, size_t n);

/* A value assigned to a password-like name that could be a password: not
 * an identifier made of words (settings.db_password, passwordFieldName),
 * not a reference to another value (this.x, config.y, a path), not a
 * keyword (undefined, null). Applied by rules with `validate: [password]`. */
bool ks_check_password_value(const uint8_t *s, size_t n);

/* Base64 of "user:password" (HTTP Basic, Docker config.json auth): it
 * decodes to printable text with a colon after a non-empty user name and
 * something after it. */
bool ks_check_base64_userpass(const uint8_t *s, size_t n);

/* Was the salt of a crypt(3) string ($1$salt$hash, $5$rounds=N$salt$hash,
 * $apr1$salt$hash) made by a random generator, as every tool that hashes a
 * password makes it? A salt spelled in words ("saltstring",
 * "toolongsaltstring", "short") or of a few repeated characters
 * ("Szzz0yzz") was written by hand: a specification's or a test suite's
 * known-answer vector, not a stored password. */
bool ks_check_crypt_salt(const uint8_t *s, size_t n);

/* The bytes of a crypt(3) string up to its hash ("$1$salt", "$5$rounds=N$salt",
 * "$2b$12$" and bcrypt's 22 salt characters); 0 when it has no such part. */
size_t ks_crypt_salt_prefix(const uint8_t *s, size_t n);

/* Base64 (standard or url-safe, padding optional) into out (capacity
 * >= n*3/4+3). Returns decoded length or -1 when the input is not base64. */
long ks_base64_decode(uint8_t *out, const uint8_t *in, size_t n);

/* Normalised form of a secret for fingerprints: PEM blocks reduced to their
 * base64 body so one key quoted two ways is one finding; other secrets are
 * returned as-is. Writes into out (capacity >= n); returns its length. */
size_t ks_secret_normalise(uint8_t *out, const uint8_t *s, size_t n);

#endif
