/*
 * validate.c - entropy, placeholders, checksums and structure checks.
 */
#include "validate.h"

#include "../core/jwk.h"

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <math.h>
#include <string.h>
#include <zlib.h>

double ks_entropy(const uint8_t *s, size_t n)
{
    if (n == 0)
        return 0.0;
    unsigned counts[256] = {0};
    for (size_t i = 0; i < n; i++)
        counts[s[i]]++;
    double h = 0.0;
    for (int i = 0; i < 256; i++) {
        if (!counts[i])
            continue;
        double p = (double)counts[i] / (double)n;
        h -= p * log2(p);
    }
    return h;
}

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

bool ks_contains_nocase(const uint8_t *s, size_t n, const char *needle)
{
    size_t m = strlen(needle);
    if (m > n)
        return false;
    for (size_t i = 0; i + m <= n; i++) {
        size_t j = 0;
        while (j < m && lower(s[i + j]) == (uint8_t)needle[j])
            j++;
        if (j == m)
            return true;
    }
    return false;
}

static bool starts(const uint8_t *s, size_t n, const char *prefix)
{
    size_t m = strlen(prefix);
    if (m > n)
        return false;
    for (size_t i = 0; i < m; i++)
        if (lower(s[i]) != prefix[i])
            return false;
    return true;
}

bool ks_is_placeholder(const uint8_t *s, size_t n, bool in_docs)
{
    /* Words that mark a value as an example or a template, anywhere in it. */
    static const char *const words[] = {
        "example",     "xxxx",       "****",        "....",       "\xe2\x80\xa6", "<your",
        "{your",       "your_",      "your-",       "yourkey",    "yourtoken",    "yourpass",
        "replace_me",  "replace-me", "replaceme",   "${",         "{{",           "%(",
        "$(",          "os.environ", "process.env", "getenv",     "environ[",     "dummy",
        "placeholder", "redacted",   "sample",      "insert_",    "insert-",      "password",
        "passwd",      "12345678",   "abcdefgh",    "<password>", "<secret>",     "<token>",
    };
    if (n == 0)
        return true;
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (ks_contains_nocase(s, n, words[i]))
            return true;
    /* Template and variable syntaxes as the whole value. */
    if (s[0] == '<' && s[n - 1] == '>')
        return true;
    if (s[0] == '$' && n > 1 &&
        (s[1] == '_' || s[1] == '{' || (lower(s[1]) >= 'a' && lower(s[1]) <= 'z'))) {
        /* ... but "$apr1$salt$hash", "$y$params$salt$hash" are crypt(5) hashes. */
        size_t i = 1;
        while (i < n && i < 8 && ((lower(s[i]) >= 'a' && lower(s[i]) <= 'z') ||
                                  (s[i] >= '0' && s[i] <= '9')))
            i++;
        if (!(i < n && s[i] == '$' && memchr(s + i + 1, '$', n - i - 1)))
            return true;
    }
    if (s[0] == '%' && n > 1 && s[n - 1] == '%')
        return true;
    if (starts(s, n, "env.") || starts(s, n, "secrets.") || starts(s, n, "vars."))
        return true;
    /* One character repeated: 00000000, aaaaaaaa. */
    size_t same = 1;
    for (size_t i = 1; i < n; i++)
        if (s[i] == s[0])
            same++;
    if (same == n)
        return true;
    if (in_docs && (ks_contains_nocase(s, n, "changeme") || ks_contains_nocase(s, n, "change_me") ||
                    ks_contains_nocase(s, n, "change-me")))
        return true;
    return false;
}

/* ------------------------------------------------------------------------ */

static bool is_lo(uint8_t c)
{
    return c >= 'a' && c <= 'z';
}

static bool is_up(uint8_t c)
{
    return c >= 'A' && c <= 'Z';
}

/* A segment spelled like words of an identifier: lower, UPPER, Capital,
 * camelCase or PascalCase, letters only. Random strings rarely are:
 * "pdkdyJVCeVpDY" breaks the pattern at "JVC" followed by a lower case. */
static bool wordy(const uint8_t *s, size_t n)
{
    if (n == 0)
        return true;
    size_t i = 0;
    bool all_up = true;
    for (size_t k = 0; k < n; k++) {
        if (!is_lo(s[k]) && !is_up(s[k]))
            return false;
        if (!is_up(s[k]))
            all_up = false;
    }
    if (all_up)
        return true;
    /* [a-z]* then ([A-Z][a-z]+)* */
    while (i < n && is_lo(s[i]))
        i++;
    while (i < n) {
        if (!is_up(s[i]))
            return false;
        i++;
        size_t lo = 0;
        while (i < n && is_lo(s[i]))
            i++, lo++;
        if (lo == 0)
            return false;
    }
    return true;
}

bool ks_check_password_value(const uint8_t *s, size_t n)
{
    static const char *const refs[] = {
        "self.",   "this.",   "config.",      "settings.", "cfg.",   "conf.",
        "params.", "args.",   "opts.",        "options.",  "env.",   "env[",
        "vars.",   "var.",    "local.",       "data.",     "props.", "process.",
        "os.",     "system.", "environment.", "request.",  "req.",   "input.",
        "values.", "secret.", "secrets.",     "vault.",    "ctx.",   "context.",
    };
    static const char *const keywords[] = {"undefined", "nullptr", "required", "optional",
                                           "disabled",  "enabled", "notset",   "not_set"};
    if (n == 0)
        return false;
    for (size_t i = 0; i < sizeof refs / sizeof refs[0]; i++)
        if (starts(s, n, refs[i]))
            return false;
    for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
        if (strlen(keywords[i]) == n && starts(s, n, keywords[i]))
            return false;
    if (memchr(s, '(', n) || (s[0] == '/' && memchr(s + 1, '/', n - 1)) ||
        (n > 2 && (memcmp(s, "./", 2) == 0 || memcmp(s, "~/", 2) == 0)))
        return false;
    /* Identifiers: every segment between separators made of words. */
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != '.' && s[i] != '_' && s[i] != '-' && s[i] != ':' && s[i] != '/')
            continue;
        if (!wordy(s + start, i - start))
            return true;
        start = i + 1;
    }
    return false;
}

/* ------------------------------------------------------------------------ */

bool ks_check_crc32_token(const uint8_t *s, size_t n)
{
    static const char b62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    /* prefix_ENTROPY CHECKSUM: the checksum covers what lies between the
     * prefix's underscore and the last six characters (30 characters for
     * ghp_/gho_/ghu_/ghs_/npm_, 70 for ghr_). */
    const uint8_t *us = memchr(s, '_', n);
    if (!us || n < 6)
        return false;
    const uint8_t *body = us + 1;
    const uint8_t *sum = s + n - 6;
    if (sum <= body)
        return false;
    uLong crc = crc32(0L, Z_NULL, 0);
    crc = crc32(crc, body, (uInt)(sum - body));
    char want[6];
    uint32_t v = (uint32_t)crc;
    for (int i = 5; i >= 0; i--) {
        want[i] = b62[v % 62];
        v /= 62;
    }
    return memcmp(want, sum, 6) == 0;
}

/* ------------------------------------------------------------------------ */

static int b64val(uint8_t c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+' || c == '-')
        return 62;
    if (c == '/' || c == '_')
        return 63;
    return -1;
}

long ks_base64_decode(uint8_t *out, const uint8_t *in, size_t n)
{
    while (n > 0 && in[n - 1] == '=')
        n--;
    if (n % 4 == 1)
        return -1;
    uint32_t acc = 0;
    int bits = 0;
    long o = 0;
    for (size_t i = 0; i < n; i++) {
        int v = b64val(in[i]);
        if (v < 0)
            return -1;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (uint8_t)(acc >> bits);
        }
    }
    return o;
}

/* Words of examples, as claim names and values of a JWT's payload:
 * {"some": "payload"}, {"foo": "bar"}. */
static bool example_word(const char *w)
{
    static const char *const words[] = {"foo",     "bar",     "baz",    "qux",     "some",
                                        "payload", "example", "hello",  "world",   "test",
                                        "data",    "key",     "value",  "issuer",  "subject",
                                        "audience", "user",   "username", "client"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strcmp(w, words[i]) == 0)
            return true;
    return false;
}

/* Is every string of a JWT's payload an example word ({"some": "payload"},
 * {"iss": "issuer", "sub": "subject", "aud": "audience", ...})? */
static bool example_payload(json_t *p)
{
    const char *k;
    json_t *v;
    size_t strings = 0;
    json_object_foreach(p, k, v) {
        if (json_is_string(v)) {
            if (!example_word(json_string_value(v)))
                return false;
            strings++;
        } else if (!json_is_number(v) && !json_is_boolean(v)) {
            return false;
        }
    }
    return strings > 0;
}

/* Does an HS256/384/512 signature verify with a published example key
 * ("secret", jwt.io's "your-256-bit-secret")? Then anyone can mint the
 * token: it authenticates nothing, and it is a documentation example. */
static bool example_hmac_key(const char *alg, const uint8_t *s, size_t signed_len,
                             const uint8_t *sig, size_t sig_len)
{
    static const char *const keys[] = {"secret", "your-256-bit-secret", "your-384-bit-secret",
                                       "your-512-bit-secret", "key", "password", "changeme"};
    const EVP_MD *md = strcmp(alg, "HS256") == 0   ? EVP_sha256()
                       : strcmp(alg, "HS384") == 0 ? EVP_sha384()
                       : strcmp(alg, "HS512") == 0 ? EVP_sha512()
                                                   : NULL;
    uint8_t want[64];
    if (!md || sig_len > 4 * sizeof want / 3 + 4)
        return false;
    long wl = ks_base64_decode(want, sig, sig_len);
    for (size_t i = 0; md && wl > 0 && i < sizeof keys / sizeof keys[0]; i++) {
        unsigned char mac[EVP_MAX_MD_SIZE];
        unsigned int ml = 0;
        if (HMAC(md, keys[i], (int)strlen(keys[i]), s, signed_len, mac, &ml) &&
            ml == (unsigned)wl && CRYPTO_memcmp(mac, want, ml) == 0)
            return true;
    }
    return false;
}

bool ks_check_jwt(const uint8_t *s, size_t n)
{
    const uint8_t *dot = memchr(s, '.', n);
    if (!dot)
        return false;
    size_t hl = (size_t)(dot - s);
    if (hl < 4 || hl > 4096)
        return false;
    uint8_t hdr[3 * 4096 / 4 + 4];
    long dl = ks_base64_decode(hdr, s, hl);
    if (dl <= 0)
        return false;
    json_t *j = json_loadb((const char *)hdr, (size_t)dl, 0, NULL);
    bool ok = j && json_is_object(j) && json_is_string(json_object_get(j, "alg"));
    if (ok) {
        /* A token of an example is not a credential: a payload of example
         * words, a signature made with a published example key. (Expiry
         * is not judged: a finding would then depend on the day of the
         * scan.) */
        const uint8_t *p = dot + 1, *end = s + n;
        const uint8_t *dot2 = memchr(p, '.', (size_t)(end - p));
        uint8_t *pl = dot2 ? ks_xmalloc((size_t)(dot2 - p) + 4) : NULL;
        long pn = pl ? ks_base64_decode(pl, p, (size_t)(dot2 - p)) : -1;
        json_t *payload = pn > 0 ? json_loadb((const char *)pl, (size_t)pn, 0, NULL) : NULL;
        if (json_is_object(payload) && example_payload(payload))
            ok = false;
        if (ok && dot2 &&
            example_hmac_key(json_string_value(json_object_get(j, "alg")), s, (size_t)(dot2 - s),
                             dot2 + 1, (size_t)(end - dot2 - 1)))
            ok = false;
        json_decref(payload);
        free(pl);
    }
    json_decref(j);
    return ok;
}

/* ------------------------------------------------------------------------ */

/* Extract the base64 body of an armored block wrapped in any source-code
 * quoting. Header lines (with ':') and PGP checksum lines ('=...') are
 * dropped. Returns the body length written to out; *encrypted is set when
 * a legacy Proc-Type header says the body is ciphertext. */
static size_t armor_body(uint8_t *out, const uint8_t *s, size_t n, bool *encrypted)
{
    size_t i = 0, o = 0, line_start = 0;
    bool header_line = false;
    *encrypted = false;
    /* Skip the BEGIN line: up to the dashes closing it. */
    const uint8_t *b = memmem(s, n, "BEGIN", 5);
    if (b) {
        const uint8_t *d = memmem(b, n - (size_t)(b - s), "-----", 5);
        if (d)
            i = (size_t)(d - s) + 5;
    }
    const uint8_t *end = memmem(s + i, n - i, "-----END", 8);
    size_t stop = end ? (size_t)(end - s) : n;
    line_start = o;
    for (; i < stop; i++) {
        uint8_t c = s[i];
        bool newline = c == '\n' || c == '\r';
        if (c == '\\' && i + 1 < stop && (s[i + 1] == 'n' || s[i + 1] == 'r')) {
            newline = true;
            i++;
        }
        if (newline) {
            if (header_line)
                o = line_start;
            else if (o > line_start && out[line_start] == '=')
                o = line_start; /* OpenPGP armor checksum */
            line_start = o;
            header_line = false;
            continue;
        }
        if (c == ':') {
            header_line = true;
            if (i >= 9 &&
                memmem(s + (i >= 40 ? i - 40 : 0), i - (i >= 40 ? i - 40 : 0), "Proc-Type", 9))
                *encrypted = true;
            continue;
        }
        if (b64val(c) >= 0 || c == '=')
            out[o++] = c;
    }
    if (header_line)
        o = line_start;
    return o;
}

bool ks_check_pem(const uint8_t *s, size_t n)
{
    if (n > 1 << 20)
        return false;
    uint8_t *body = ks_xmalloc(n + 1);
    uint8_t *der = ks_xmalloc(n + 4);
    bool encrypted;
    size_t bl = armor_body(body, s, n, &encrypted);
    bool ok = false;
    /* Real key material is dense base64; "xxxx..." or "MIIE...AB" in a
     * document is not a key. */
    if (bl >= 40 && ks_entropy(body, bl) >= 4.0) {
        long dl = ks_base64_decode(der, body, bl);
        if (dl >= 8) {
            if (encrypted || der[0] == 0x30)
                ok = true;
            else if (dl >= 15 && memcmp(der, "openssh-key-v1", 14) == 0)
                ok = true;
            else if (der[0] & 0x80) /* OpenPGP packet tag */
                ok = true;
        }
    }
    free(body);
    free(der);
    return ok;
}

/* ------------------------------------------------------------------------ */

bool ks_check_jwk(const uint8_t *s, size_t n)
{
    EVP_PKEY *k = ks_jwk_private_key(s, n);
    EVP_PKEY_free(k);
    return k != NULL;
}

/* How many different byte values d[0..n) holds. Random key material of 32
 * bytes holds about 30, of 256 bytes about 162; a placeholder made of one
 * repeated pattern holds a handful. */
static size_t distinct_bytes(const uint8_t *d, size_t n)
{
    bool seen[256] = {false};
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!seen[d[i]]) {
            seen[d[i]] = true;
            k++;
        }
    return k;
}

/* BIP 173: the checksum is a BCH code over the expanded human-readable part
 * and the data; a valid string's polymod is 1. */
static uint32_t bech32_polymod(uint32_t chk, uint8_t v)
{
    static const uint32_t gen[5] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};
    uint32_t top = chk >> 25;
    chk = (chk & 0x1ffffff) << 5 ^ v;
    for (int i = 0; i < 5; i++)
        if ((top >> i) & 1)
            chk ^= gen[i];
    return chk;
}

bool ks_check_bech32_key(const uint8_t *s, size_t n)
{
    static const char charset[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
    static const struct {
        const char *hrp;
        size_t bytes;
    } known[] = {{"age-secret-key-", 32}};
    if (n < 8 || n > 128)
        return false;
    const uint8_t *sep = NULL;
    bool upper = false, lowr = false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < 33 || s[i] > 126)
            return false;
        upper |= s[i] >= 'A' && s[i] <= 'Z';
        lowr |= s[i] >= 'a' && s[i] <= 'z';
        if (s[i] == '1')
            sep = s + i;
    }
    if ((upper && lowr) || !sep)
        return false;
    size_t hl = (size_t)(sep - s), dl = n - hl - 1, k;
    for (k = 0; k < sizeof known / sizeof known[0]; k++)
        if (strlen(known[k].hrp) == hl && starts(s, hl, known[k].hrp))
            break;
    /* The data part: the key's bits in 5-bit groups, then 6 of checksum. */
    if (k == sizeof known / sizeof known[0] || dl != (known[k].bytes * 8 + 4) / 5 + 6)
        return false;
    uint32_t chk = 1;
    for (size_t i = 0; i < hl; i++)
        chk = bech32_polymod(chk, (uint8_t)(lower(s[i]) >> 5));
    chk = bech32_polymod(chk, 0);
    for (size_t i = 0; i < hl; i++)
        chk = bech32_polymod(chk, (uint8_t)(lower(s[i]) & 31));
    uint8_t data[128];
    uint32_t acc = 0;
    int bits = 0;
    size_t o = 0;
    for (size_t i = 0; i < dl; i++) {
        const char *c = memchr(charset, lower(sep[1 + i]), 32);
        if (!c)
            return false;
        uint8_t v = (uint8_t)(c - charset);
        chk = bech32_polymod(chk, v);
        if (i >= dl - 6)
            continue;
        acc = (acc << 5 | v) & 0xfff;
        bits += 5;
        if (bits >= 8) {
            bits -= 8;
            data[o++] = (uint8_t)(acc >> bits);
        }
    }
    /* Padding: fewer than 5 bits, all zero. */
    if (chk != 1 || o != known[k].bytes || (acc & ((1u << bits) - 1)) != 0)
        return false;
    return distinct_bytes(data, o) >= o / 3;
}

bool ks_check_openvpn_static(const uint8_t *s, size_t n)
{
    static const char begin[] = "-----BEGIN OpenVPN Static key V1-----";
    static const char end[] = "-----END OpenVPN Static key V1-----";
    const uint8_t *b = memmem(s, n, begin, sizeof begin - 1);
    if (!b)
        return false;
    const uint8_t *p = b + sizeof begin - 1;
    const uint8_t *e = memmem(p, n - (size_t)(p - s), end, sizeof end - 1);
    if (!e)
        return false;
    uint8_t key[256];
    size_t digits = 0;
    for (; p < e; p++) {
        uint8_t c = *p;
        int v = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (v >= 0) {
            if (digits == 2 * sizeof key)
                return false;
            if (digits % 2 == 0)
                key[digits / 2] = (uint8_t)(v << 4);
            else
                key[digits / 2] |= (uint8_t)v;
            digits++;
        } else if (c == '\\' && p + 1 < e && (p[1] == 'n' || p[1] == 'r' || p[1] == 't')) {
            p++; /* an escaped line break in a string literal */
        } else if (!(c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '"' || c == '\'' ||
                     c == '`' || c == ',' || c == '+' || c == '\\')) {
            return false;
        }
    }
    return digits == 2 * sizeof key && distinct_bytes(key, sizeof key) >= 64;
}

size_t ks_secret_normalise(uint8_t *out, const uint8_t *s, size_t n)
{
    if (n > 10 && memcmp(s, "-----BEGIN", 10) == 0) {
        bool enc;
        size_t bl = armor_body(out, s, n, &enc);
        if (bl >= 16)
            return bl;
    }
    memcpy(out, s, n);
    return n;
}

bool ks_check_crypt_salt(const uint8_t *s, size_t n)
{
    /* The salt: the field before the last '$' (the hash follows it). */
    const uint8_t *end = NULL, *start = NULL;
    for (size_t i = n; i > 0; i--)
        if (s[i - 1] == '$') {
            if (!end)
                end = s + i - 1;
            else if (!start) {
                start = s + i;
                break;
            }
        }
    if (!start || !end || end <= start)
        return true;
    size_t len = (size_t)(end - start), upper = 0, lowers = 0, run = 0, longest = 0, distinct = 0;
    bool seen[256] = {false};
    for (const uint8_t *p = start; p < end; p++) {
        upper += *p >= 'A' && *p <= 'Z';
        lowers += *p >= 'a' && *p <= 'z';
        run = *p >= 'a' && *p <= 'z' ? run + 1 : 0;
        longest = run > longest ? run : longest;
        if (!seen[*p]) {
            seen[*p] = true;
            distinct++;
        }
    }
    /* Words: no capital, and a run of small letters over three quarters of
     * the salt, or in a long salt three quarters small letters with a run
     * of five ("asaltof16chars.."). A generated 8-character salt looks
     * like that about once in 360 times, a 16-character one once in
     * 10,000. */
    size_t words = len * 3 / 4 > 5 ? len * 3 / 4 : 5;
    if (len >= 5 && upper == 0 &&
        (longest >= words || (len > 8 && lowers * 4 >= len * 3 && longest >= 5)))
        return false;
    return !(len >= 6 && distinct * 2 <= len); /* a few characters repeated */
}

size_t ks_crypt_salt_prefix(const uint8_t *s, size_t n)
{
    if (n > 29 && s[0] == '$' && s[1] == '2' && s[3] == '$' && s[6] == '$')
        return 29; /* $2b$12$ + 22 characters of salt */
    for (size_t i = n; i > 1; i--)
        if (s[i - 1] == '$')
            return i - 1 > 3 ? i - 1 : 0;
    return 0;
}

bool ks_check_base64_userpass(const uint8_t *s, size_t n)
{
    uint8_t out[1024];
    if (n < 4 || n > 4 * (sizeof out / 3) - 4)
        return false;
    long dl = ks_base64_decode(out, s, n);
    if (dl < 3)
        return false;
    const uint8_t *colon = memchr(out, ':', (size_t)dl);
    if (!colon || colon == out || colon == out + dl - 1)
        return false;
    for (long i = 0; i < dl; i++)
        if (out[i] < 0x20 || out[i] >= 0x7f)
            return false;
    return true;
}
