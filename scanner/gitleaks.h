/*
 * gitleaks.h - a gitleaks or Betterleaks configuration, read and applied.
 *
 * What a team that used gitleaks already has, honoured as it is:
 *   .gitleaks.toml   rules (RE2 regexes translated for Vectorscan and
 *                    PCRE2), allowlists, [extend] (useDefault, path,
 *                    disabledRules)
 *   .gitleaksignore  accepted findings by gitleaks fingerprint
 *                    (file:rule:line, commit:file:rule:line)
 * (`gitleaks:allow` comments are the pipeline's, next to keysift:allow.)
 *
 * The configuration is immutable once applied and read by every worker:
 * an allowlist's regexes and stopwords are judged on a match's bytes by
 * ks_gitleaks_mark (a worker, during the scan), its paths and commits on
 * each location once provenance is joined (ks_gitleaks_accepts_location).
 */
#ifndef KS_GITLEAKS_H
#define KS_GITLEAKS_H

#include "engine/rules.h"
#include "findings/findings.h"

/* Allowlists a configuration may hold in all: each has two bits of a
 * location's `marks`. */
#define KS_GITLEAKS_MAX_ALLOWLISTS 32

typedef struct ks_gl_allowlist ks_gl_allowlist;

typedef struct ks_gitleaks {
    char *path;      /* the file read first (the one found or named) */
    bool use_default; /* [extend] useDefault: keysift's own rules too */
    ks_rule *rules;  /* read, moved into the ruleset by ks_gitleaks_apply */
    size_t nrules;
    char **disabled; /* [extend] disabledRules */
    size_t ndisabled;
    ks_gl_allowlist *allow;
    size_t nallow;
    char **ignored; /* keys read and not honoured, reported once */
    size_t nignored;
    /* After ks_gitleaks_apply: for each rule of the set, the allowlists
     * that apply to it (bit i: allow[i]). */
    uint32_t *rule_allow;
    size_t nrule_allow;
    size_t nadded; /* rules added to the set */
    /* .gitleaksignore: fingerprints, sorted. */
    char **ignore;
    size_t nignore;
    char *ignore_path;
    char *root; /* the scan root, which paths are relative to */
} ks_gitleaks;

/* Read a configuration and the files it extends. Errors name the file
 * (and the line, for TOML syntax), the rule or allowlist and what is
 * wrong; a failed load leaves nothing to dispose. */
int ks_gitleaks_load(ks_gitleaks *g, const char *path);
void ks_gitleaks_dispose(ks_gitleaks *g);

/* Move the rules into `rs` (replacing rules of the same id), switch off
 * keysift's own rules unless useDefault, and the disabledRules. */
int ks_gitleaks_apply(ks_gitleaks *g, ks_ruleset *rs);

/* Read a .gitleaksignore file. */
int ks_gitleaks_load_ignore(ks_gitleaks *g, const char *path);

/* A match's marks (ks_scan_config.mark): for every allowlist that applies
 * to `rule`, bit 2i its regexes found their target (secret, match or
 * line), bit 2i+1 one of its stopwords is in the secret. */
uint64_t ks_gitleaks_mark(const void *g, uint32_t rule, const uint8_t *d, size_t len,
                          size_t mstart, size_t mend, size_t sstart, size_t send);

/* Does an allowlist or .gitleaksignore accept this location of f? */
bool ks_gitleaks_accepts_location(void *g, const ks_results *res, const ks_finding *f,
                                  const ks_location *l);

/* A Go RE2 regex as PCRE2 (and Vectorscan) read it: a new string, or NULL
 * with the reason in why ("\\p{Greek}: Unicode classes are not
 * translated"). */
char *ks_re2_translate(const char *re2, char *why, size_t whylen);

/* The kind of secret (rules/guidance/kinds.yaml) gitleaks tags point to,
 * or "generic-secret". Static. */
const char *ks_gitleaks_kind(char *const *tags, size_t ntags);

#endif
