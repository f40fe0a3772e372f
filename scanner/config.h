/*
 * config.h - the project configuration file, .keysift.yaml.
 *
 *   exclude: [GLOB, ...]            paths to skip (as --exclude)
 *   rules: [FILE|DIR, ...]          extra rule files (relative to the config file)
 *   disable: [RULE_ID, ...]         built-in or added rules to switch off
 *   severity: {RULE_ID: SEVERITY}   severity overrides
 *   allow:                          accepted values, by SHA-256 of the secret
 *     - sha256: HEX
 *       reason: TEXT
 *   support_until: YYYY-MM-DD       end of the product's support period (CRA Art. 13)
 *
 * Every error names the file, the line and the key.
 */
#ifndef KS_CONFIG_H
#define KS_CONFIG_H

#include "engine/rules.h"
#include "findings/findings.h"

typedef struct ks_config {
    char *path;
    char **excludes;
    size_t nexcludes;
    char **rule_paths;
    size_t nrule_paths;
    char **disable;
    size_t ndisable;
    char **sev_rule;
    ks_severity *sev_value;
    size_t nsev;
    char (*allow)[65];
    char **allow_reason; /* per allow entry, NULL when none */
    size_t nallow;
    int64_t support_until; /* 0 when not given */
} ks_config;

/* Errors name the file, line and key, and leave nothing to dispose. */
int ks_config_load(ks_config *c, const char *path);
void ks_config_dispose(ks_config *c);
/* Disable rules and override severities; an unknown rule id is an error. */
int ks_config_apply_rules(const ks_config *c, ks_ruleset *rs);
/* The allowlist as an acceptor (ks_results_accept): findings whose secret's
 * SHA-256 is listed. `config` is a ks_config. */
bool ks_config_accepts(void *config, const ks_finding *f, ks_acceptance *why);

#endif
