/*
 * generic.h - credentials found by context: a secret-named key, flag or
 * field next to a value that is a literal secret.
 *
 * A generic rule's pattern only finds a keyword (password, secret, token,
 * api key, ...); the engine then hands the place to an extractor here,
 * which reads the code or configuration around it the way a reviewer
 * would: which identifier holds the keyword, whether it names a secret
 * (its last word does: DB_PASSWORD, dbPassword, smtp-password; not
 * password_hint or tokenizer), which syntax assigns it a value (= : :=
 * => <key>v</key> key="v" .setPassword("v") #define K "v" ${K:-v}
 * - name: K / value: v, ...), and whether that value is a literal secret
 * or something else (a reference, a call, a placeholder, a type, a path).
 *
 * Everything here is a pure function of the bytes it is given: no paths
 * (the caller's flags say whether the bytes are code, documentation or
 * tests), no allocation, safe from any thread.
 */
#ifndef KS_GENERIC_H
#define KS_GENERIC_H

#include "../core/ks.h"

/* What a key name says its value is. */
typedef enum ks_key_class {
    KS_KEY_CLASS_NONE = 0,
    KS_KEY_CLASS_PASSWORD, /* password, passwd, passphrase, pass, pwd, pw */
    KS_KEY_CLASS_SECRET,   /* secret, token, api key, access key, credentials, auth, ... */
    KS_KEY_CLASS_KEY,      /* a key or salt of no telling kind (NONCE_KEY, AUTH_SALT): a
                            * secret only when the value is plainly random */
} ks_key_class;

/* The class of an identifier, by its last word (words split at _ - . :
 * and camelCase; trailing digits and words like "confirmation" or
 * "value" do not count). */
ks_key_class ks_key_classify(const uint8_t *key, size_t n);

typedef enum ks_verdict {
    KS_VERDICT_NONE = 0, /* not a literal secret */
    KS_VERDICT_WEAK,     /* a password, but a weak or default one */
    KS_VERDICT_SECRET,   /* a literal secret */
} ks_verdict;

typedef struct ks_judgement {
    ks_verdict verdict;
    ks_confidence confidence;
} ks_judgement;

/* Judge a value assigned to a key of class `cls`: `quote` is the quote
 * character of a string literal (0: a bare value), `flags` the KS_SCAN_*
 * flags of the bytes (docs and tests lower the confidence). */
ks_judgement ks_judge_value(ks_key_class cls, const uint8_t *v, size_t n, uint8_t quote,
                            uint32_t flags);

/* Is a weak password assigned in bytes of these KS_SCAN_* flags an
 * example? In documentation that is neither code nor tests (a manual, a
 * README, a message catalogue) a short or common password is the manual's
 * example of the syntax; in code, configuration and tests it is reported. Only
 * the assignment rules ask: a weak password on a command line or in a URL
 * keeps its own rule's judgement. */
bool ks_gen_weak_is_example(uint32_t flags);

/* Is the line of d[0, len) that holds `pos` an example whatever the file:
 * a command after a shell prompt ("$ tool --password=x": a transcript or a
 * help text's example), or, in code, a line of a block comment (" * ":
 * Javadoc or Doxygen showing a call)? A weak password there is the
 * example's; a strong one is still reported. */
bool ks_gen_example_line(const uint8_t *d, size_t len, size_t pos, uint32_t flags);

/* An assignment found around a keyword. */
typedef struct ks_assignment {
    size_t start, end;   /* the whole: key to value */
    size_t kstart, kend; /* the key (identifier, without quotes) */
    size_t vstart, vend; /* the value (without quotes) */
    uint8_t quote; /* the value's quote character, 0 when bare */
    bool strict; /* a weak form (a name/value row): only a strong secret counts */
    ks_key_class cls;
    const char *syntax; /* static: "assignment", "mapping", "xml-element", ... */
} ks_assignment;

/* The assignment whose key holds the keyword that ends at `at`, looking
 * only at d[from, to) (the engine's window). False when the keyword is not
 * in a secret-named key that is given a value there. */
bool ks_find_assignment(const uint8_t *d, size_t from, size_t to, size_t at, uint32_t flags,
                        ks_assignment *out);

/* How far an assignment may reach from its keyword (the engine's window). */
#define KS_GENERIC_WIDTH 1024

#endif
