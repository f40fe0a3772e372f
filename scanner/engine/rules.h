/*
 * rules.h - the ruleset: rules read from YAML files (built-in and user's).
 *
 * A ruleset owns every string of every rule. It is built once at start-up,
 * compiled by the engine, and then immutable and shared by all threads.
 */
#ifndef KS_RULES_H
#define KS_RULES_H

#include "../core/ks.h"

/* Validators a rule can ask for (rule field `validate`). */
enum {
    KS_VALIDATE_GITHUB_CRC32 = 1u << 0, /* prefix + 30 chars + base62(crc32) */
    KS_VALIDATE_NPM_CRC32 = 1u << 1,    /* same scheme as GitHub's */
    KS_VALIDATE_JWT = 1u << 2,          /* header decodes to a JSON object with "alg" */
    KS_VALIDATE_PEM = 1u << 3,          /* body decodes to DER starting with a SEQUENCE */
    KS_VALIDATE_PASSWORD = 1u << 4,     /* a value that could be a password, not an identifier */
    KS_VALIDATE_PASSWORD_VALUE = 1u << 5, /* generic judgement of a password (weak ones kept) */
    KS_VALIDATE_SECRET_VALUE = 1u << 6,   /* generic judgement of a machine-made secret */
    KS_VALIDATE_BASE64_USERPASS = 1u << 7, /* base64 of user:password (Basic, Docker auth) */
    KS_VALIDATE_JWK = 1u << 8,          /* a JWK private key OpenSSL builds, public part matching */
    KS_VALIDATE_BECH32 = 1u << 9,       /* BIP 173 checksum, known HRP and data length (age) */
    KS_VALIDATE_OPENVPN = 1u << 10,     /* 256 bytes of hex between the markers */
    KS_VALIDATE_COMMAND_WORD = 1u << 11, /* after a blank, letters only: a word of text */
    KS_VALIDATE_CRYPT_SALT = 1u << 12,   /* a crypt(3) string's salt looks generated */
};
/* Validators that prove key material: the placeholder filter, made for
 * tokens, is not applied to what they accept (a JWK's "kid" may say
 * "sample", a Bech32 key may hold XXXX). */
#define KS_VALIDATE_KEY_MATERIAL                                                                   \
    (KS_VALIDATE_PEM | KS_VALIDATE_JWK | KS_VALIDATE_BECH32 | KS_VALIDATE_OPENVPN)
/* The name a rule file gives the validator of one bit ("github-crc32"), or
 * NULL. */
const char *ks_validator_name(uint32_t bit);

typedef struct ks_example {
    char *text;
    char *secret; /* expected secret, or NULL when the example does not say */
    char *path;   /* the file it is in (rules with `paths`), or NULL */
    int line;     /* line of the example in its rule file */
} ks_example;

typedef struct ks_rule {
    char *id;
    char *name;
    char *kind;
    char *pattern;
    /* What Vectorscan looks for instead of the pattern, when the pattern
     * is costly to find everywhere: every match of the pattern must
     * contain a match of the trigger, and the pattern is confirmed by
     * PCRE2 around each trigger hit. NULL: the pattern itself. */
    char *trigger;
    char *remediation;
    char *file; /* rule file it came from (for messages) */
    int line;   /* line of the rule in that file */
    int secret_group;
    ks_severity severity;
    ks_confidence confidence;
    double entropy; /* minimum bits per char; 0 = no floor */
    uint32_t validators;
    char **keywords;
    size_t nkeywords;
    char **references;
    size_t nreferences;
    /* The rule applies only to files whose path one of these globs matches
     * (glob.h); none: to every file. */
    char **paths;
    size_t npaths;
    ks_example *examples;
    size_t nexamples;
    ks_example *negatives;
    size_t nnegatives;
    bool disabled;
    /* Matches are inventory (certificates, public keys), not findings. */
    bool inventory;
    /* A rule without a pattern: its findings are computed from the keys and
     * certificates found (findings/crypto.c), e.g. "rsa-short". */
    char *check;
    /* Generic rules: the pattern finds a keyword, and this extractor
     * (engine/generic.c) reads the assignment around it: "password",
     * "weak-password", "secret". NULL: the pattern is confirmed by PCRE2. */
    char *extract;
    /* The capture group holding the key a secret was given to, or 0. */
    int key_group;
    /* How the secret is written, for reports ("command-line", "url"). */
    char *syntax;
    /* Reported only where no other rule matches the same bytes (generic
     * rules give way to provider rules whatever their confidence). */
    bool fallback;
    /* Where the rule was read from when not a keysift rule file (static:
     * "gitleaks-config"), or NULL. */
    const char *source;
    bool builtin; /* one of keysift's own rules, embedded in the binary */
    /* The rule reports a file for its path (a gitleaks rule with only
     * `path`): it applies to a file's own bytes, not to what is decoded or
     * unpacked from them, nor to a binary's strings. */
    bool whole_file;
    /* The rule applies only to files whose path this PCRE2 regex finds
     * (gitleaks' `path`), besides `paths`; compiled when the rule is added
     * (ks_ruleset_add), NULL when none. */
    char *path_regex;
    void *path_re; /* pcre2_code, owned */
} ks_rule;

/* Does the rule apply only to some paths (`paths` or `path_regex`)? */
static inline bool ks_rule_has_paths(const ks_rule *r)
{
    return r->npaths || r->path_re;
}
/* Does a rule with paths apply to the file at `path`? A path regex is
 * tried on the path and on every part of it after a '/'. */
bool ks_rule_path_applies(const ks_rule *r, const char *path);
/* Its path regex part alone (true when it has none). */
bool ks_rule_path_regex_applies(const ks_rule *r, const char *path);

/* True when the rule is matched by the engine (has a pattern, enabled). */
static inline bool ks_rule_matched(const ks_rule *r)
{
    return !r->disabled && !r->check;
}

typedef struct ks_ruleset {
    ks_rule *rules;
    size_t nrules;
    size_t cap;
} ks_ruleset;

void ks_ruleset_init(ks_ruleset *rs);
void ks_ruleset_dispose(ks_ruleset *rs);

/* Parse rules from YAML text; `name` is used in messages. Appends to rs.
 * A rule whose id is already present replaces the earlier one (user rule
 * files can override built-in rules). */
int ks_ruleset_load_buffer(ks_ruleset *rs, const char *name, const uint8_t *data, size_t len);
/* Load one file, or every *.yaml / *.yml file of a directory (sorted). */
int ks_ruleset_load_path(ks_ruleset *rs, const char *path);
/* Load the rules embedded in the binary at build time. */
int ks_ruleset_load_builtin(ks_ruleset *rs);
/* The built-in rules, then each of `paths` (files or directories). */
int ks_ruleset_load_all(ks_ruleset *rs, char *const *paths, size_t npaths);

/* Add one rule built by the caller (every string its own, moved into the
 * set; `r` is left empty): a rule whose id is present replaces it. Its
 * `path_regex`, when set, is compiled here; an error names the rule. */
int ks_ruleset_add(ks_ruleset *rs, ks_rule *r);

/* Free what a rule owns (a rule not in a set). */
void ks_rule_dispose(ks_rule *r);

/* Index of the rule with that id, or -1. */
long ks_ruleset_find(const ks_ruleset *rs, const char *id);

/* The files embedded at build time (generated by cmake/embed.cmake). */
typedef struct ks_embedded_file {
    const char *name;
    const uint8_t *data;
    size_t len;
} ks_embedded_file;
extern const ks_embedded_file ks_builtin_rule_files[];
extern const size_t ks_builtin_rule_nfiles;

#endif
