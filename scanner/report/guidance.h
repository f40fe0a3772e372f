/*
 * guidance.h - what a finding means and what to do, per kind of secret:
 * CRA Annex I requirements and Article 14, OWASP NHI Top 10, CWE, ETSI EN
 * 303 645, NIST CSF 2.0, remediation steps and firmware advice. Read from
 * rules/guidance/kinds.yaml (embedded at build time), immutable after.
 */
#ifndef KS_GUIDANCE_H
#define KS_GUIDANCE_H

#include "../core/ks.h"

typedef struct ks_strv {
    char **v;
    size_t n;
} ks_strv;

typedef struct ks_guidance {
    char *kind, *title, *risk, *article14, *firmware;
    ks_strv cra_ref, cra_text; /* parallel lists */
    ks_strv owasp_nhi, cwe, etsi, nist_csf, steps;
} ks_guidance;

typedef struct ks_guidance_set {
    ks_guidance *v;
    size_t n;
} ks_guidance_set;

int ks_guidance_load_buffer(ks_guidance_set *g, const char *name, const uint8_t *data, size_t len);
int ks_guidance_load_builtin(ks_guidance_set *g);
void ks_guidance_dispose(ks_guidance_set *g);
/* Guidance for a kind, or NULL. */
const ks_guidance *ks_guidance_find(const ks_guidance_set *g, const char *kind);

#endif
