/*
 * sarif.c - SARIF 2.1.0 for code-scanning services (GitHub, GitLab).
 *
 * One result per location: code scanning shows a result where it is.
 * partialFingerprints identify a result by the finding's fingerprint (rule
 * and secret) and its path, never by line, so an alert survives the file
 * being edited around it and is not duplicated across runs. Secrets appear
 * only redacted, as in every other format.
 */
#include "report.h"

#include "../engine/engine.h"
#include "guidance.h"

#include <jansson.h>
#include "../core/sha256.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A path as a URI reference: unreserved characters and '/' kept, the rest
 * percent-encoded. Relative paths stay relative (to the scan's root). */
static json_t *uri_of(const char *path)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(path);
    char *out = ks_xmalloc(n * 3 + 1);
    size_t o = 0;
    while (path[0] == '.' && path[1] == '/')
        path += 2;
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("-._~/", *p)) {
            out[o++] = (char)*p;
        } else {
            out[o++] = '%';
            out[o++] = hex[*p >> 4];
            out[o++] = hex[*p & 15];
        }
    }
    out[o] = '\0';
    json_t *j = json_string(out);
    free(out);
    return j;
}

static const char *level_of(ks_severity s)
{
    return s >= KS_SEV_HIGH ? "error" : s == KS_SEV_MEDIUM ? "warning" : "note";
}

/* GitHub reads security-severity (0-10) to rank alerts. */
static const char *security_severity(ks_severity s)
{
    switch (s) {
    case KS_SEV_CRITICAL:
        return "9.5";
    case KS_SEV_HIGH:
        return "8.0";
    case KS_SEV_MEDIUM:
        return "5.5";
    default:
        return "3.0";
    }
}

/* Hash of the finding and its path. Offsets in the path ("squashfs@0x1a0000",
 * "segment@0x8000") move when an image is rebuilt and are left out, so an
 * alert on a key in firmware survives the next build. */
static void location_hash(char out[33], const char *fingerprint, const char *path)
{
    uint8_t h[32];
    ks_sha256_ctx md;
    ks_sha256_init(&md);
    ks_sha256_update(&md, fingerprint, strlen(fingerprint) + 1);
    for (const char *p = path; *p;) {
        const char *at = strstr(p, "@0x");
        size_t n = at ? (size_t)(at - p) : strlen(p);
        ks_sha256_update(&md, p, n);
        if (!at)
            break;
        p = at + 3;
        while (*p && strchr("0123456789abcdef", *p))
            p++;
    }
    ks_sha256_final(&md, h);
    ks_hex(out, h, 16);
}

/* The rule's help in Markdown: remediation, references, and the guidance
 * of its kind. A new string. */
static char *help_markdown(const ks_rule *r, const ks_guidance *g, const char *rem)
{
    char *md = NULL;
    size_t ml = 0;
    FILE *m = open_memstream(&md, &ml);
    if (!m)
        return ks_xstrdup(rem);
    fprintf(m, "**%s**\n\n%s\n", r->name, rem);
    if (r->nreferences)
        fputs("\nFormat documentation:\n", m);
    for (size_t i = 0; i < r->nreferences; i++)
        fprintf(m, "- %s\n", r->references[i]);
    if (g) {
        fprintf(m, "\n**Risk.** %s\n\n**EU Cyber Resilience Act**\n\n", g->risk ? g->risk : "");
        for (size_t i = 0; i < g->cra_ref.n; i++)
            fprintf(m, "- %s: %s\n", g->cra_ref.v[i], g->cra_text.v[i]);
        if (g->article14)
            fprintf(m, "\n**Article 14.** %s\n", g->article14);
        fputs("\n**Steps**\n\n", m);
        for (size_t i = 0; i < g->steps.n; i++)
            fprintf(m, "%zu. %s\n", i + 1, g->steps.v[i]);
        const ks_strv *lists[] = {&g->cwe, &g->owasp_nhi, &g->etsi, &g->nist_csf};
        const char *names[] = {"CWE", "OWASP NHI Top 10 (2025)", "ETSI EN 303 645", "NIST CSF 2.0"};
        fputs("\n", m);
        for (int l = 0; l < 4; l++) {
            if (!lists[l]->n)
                continue;
            fprintf(m, "%s:", names[l]);
            for (size_t k = 0; k < lists[l]->n; k++)
                fprintf(m, "%s %s", k ? "," : "", lists[l]->v[k]);
            fputs("\n\n", m);
        }
    }
    fclose(m);
    return md;
}

static json_t *rule_json(const ks_rule *r, const ks_guidance *g)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", ks_report_json_string(r->id));
    json_object_set_new(o, "name", ks_report_json_string(r->id));
    json_t *sd = json_object();
    json_object_set_new(sd, "text", ks_report_json_string(r->name));
    json_object_set_new(o, "shortDescription", sd);
    json_t *fd = json_object();
    char buf[512];
    snprintf(buf, sizeof buf, "%s (%s) hardcoded in the scanned code or history.", r->name,
             r->kind);
    json_object_set_new(fd, "text", ks_report_json_string(buf));
    json_object_set_new(o, "fullDescription", fd);
    const char *rem = r->remediation ? r->remediation : "Revoke and rotate the secret.";
    json_t *help = json_object();
    json_object_set_new(help, "text", ks_report_json_string(rem));
    char *md = help_markdown(r, g, rem);
    json_object_set_new(help, "markdown", ks_report_json_string(md));
    free(md);
    json_object_set_new(o, "help", help);
    if (r->nreferences)
        json_object_set_new(o, "helpUri", ks_report_json_string(r->references[0]));
    json_t *dc = json_object();
    json_object_set_new(dc, "level", json_string(level_of(r->severity)));
    json_object_set_new(o, "defaultConfiguration", dc);
    json_t *props = json_object();
    json_object_set_new(props, "security-severity", json_string(security_severity(r->severity)));
    json_object_set_new(props, "precision",
                        json_string(r->confidence == KS_CONF_HIGH     ? "high"
                                    : r->confidence == KS_CONF_MEDIUM ? "medium"
                                                                      : "low"));
    json_t *tags = json_array();
    json_array_append_new(tags, json_string("security"));
    json_array_append_new(tags, json_string("secret"));
    json_array_append_new(tags, ks_report_json_string(r->kind));
    json_array_append_new(tags, json_string("external/cwe/cwe-798"));
    json_object_set_new(props, "tags", tags);
    if (r->source)
        json_object_set_new(props, "source", json_string(r->source));
    json_object_set_new(o, "properties", props);
    return o;
}

static json_t *result_json(const ks_results *res, const ks_finding *f, const ks_location *l,
                           size_t rule_index)
{
    const ks_rule *r = &res->rs->rules[f->rule];
    json_t *o = json_object();
    json_object_set_new(o, "ruleId", ks_report_json_string(r->id));
    json_object_set_new(o, "ruleIndex", json_integer((json_int_t)rule_index));
    ks_severity severity = ks_finding_severity(res->rs, f);
    json_object_set_new(o, "level", json_string(level_of(severity)));
    char msg[1024];
    int mo = snprintf(msg, sizeof msg, "%s: %s (%zu characters, %s confidence)%s", r->name,
                      f->redacted, f->secret_len, ks_confidence_name(f->confidence),
                      f->nlocs > 1 ? "; the same secret is found in other places too" : "");
    if (l->key && mo > 0 && (size_t)mo < sizeof msg)
        mo += snprintf(msg + mo, sizeof msg - (size_t)mo, ", assigned to %s%s%s", l->key,
                       l->syntax ? " in " : "", l->syntax ? l->syntax : "");
    for (unsigned k = 0; k < l->nencoding && mo > 0 && (size_t)mo < sizeof msg; k++)
        mo += snprintf(msg + mo, sizeof msg - (size_t)mo, "%s%s", k ? ">" : ", decoded from ",
                       l->encoding[k]);
    if (l->bin && l->bin->nchain > 1 && mo > 0 && (size_t)mo < sizeof msg)
        mo += snprintf(msg + mo, sizeof msg - (size_t)mo, ", in %s%s%s", l->path,
                       l->bin->symbol ? ", symbol " : "", l->bin->symbol ? l->bin->symbol : "");
    if (f->context && mo > 0 && (size_t)mo < sizeof msg)
        snprintf(msg + mo, sizeof msg - (size_t)mo, ". %s", f->context->note);
    json_t *m = json_object();
    json_object_set_new(m, "text", ks_report_json_string(msg));
    json_object_set_new(o, "message", m);

    /* The artifact is the file the scan was given. Inside an image or a
     * binary the region is where the secret's bytes sit in that file,
     * when they are a slice of it; the chain down to the blob it was found
     * in, and the ELF symbol, are logical locations. */
    const ks_binloc *b = l->bin;
    bool nested = b && b->nchain > 1;
    json_t *phys = json_object();
    json_t *art = json_object();
    json_object_set_new(art, "uri", uri_of(nested ? b->chain[0].name : l->path));
    json_object_set_new(phys, "artifactLocation", art);
    json_t *region = json_object();
    if (!nested && !(b && b->strings)) {
        json_object_set_new(region, "startLine", json_integer((json_int_t)l->line));
        json_object_set_new(region, "startColumn", json_integer((json_int_t)l->column));
    }
    uint64_t root_off = nested ? b->chain[0].offset : l->offset;
    if (root_off != KS_NO_OFFSET) {
        json_object_set_new(region, "byteOffset", json_integer((json_int_t)root_off));
        json_object_set_new(region, "byteLength", json_integer((json_int_t)f->secret_len));
    }
    /* A region needs a line or an offset; without one (a secret in
     * decoded bytes) there is none, and the snippet goes with the result. */
    bool has_region = json_object_size(region) > 0;
    if (l->snippet && has_region) {
        json_t *sn = json_object();
        json_object_set_new(sn, "text", ks_report_json_string(l->snippet));
        json_object_set_new(region, "snippet", sn);
    }
    if (has_region)
        json_object_set_new(phys, "region", region);
    else
        json_decref(region);
    json_t *loc = json_object();
    json_object_set_new(loc, "physicalLocation", phys);
    if (nested) {
        json_t *logical = json_array();
        json_t *ll = json_object();
        const char *leaf = b->chain[b->nchain - 1].name;
        json_object_set_new(ll, "name", ks_report_json_string(leaf + strspn(leaf, "!:")));
        json_object_set_new(ll, "fullyQualifiedName", ks_report_json_string(l->path));
        json_object_set_new(ll, "kind", json_string("resource"));
        json_array_append_new(logical, ll);
        if (b->symbol) {
            json_t *sl = json_object();
            size_t fl = strlen(l->path) + strlen(b->symbol) + 3;
            char *fq = ks_xmalloc(fl);
            snprintf(fq, fl, "%s::%s", l->path, b->symbol);
            json_object_set_new(sl, "name", ks_report_json_string(b->symbol));
            json_object_set_new(sl, "fullyQualifiedName", ks_report_json_string(fq));
            json_object_set_new(sl, "kind", json_string("variable"));
            json_object_set_new(sl, "parentIndex", json_integer(0));
            json_array_append_new(logical, sl);
            free(fq);
        }
        json_object_set_new(loc, "logicalLocations", logical);
    }
    json_t *locs = json_array();
    json_array_append_new(locs, loc);
    json_object_set_new(o, "locations", locs);

    char lh[33];
    location_hash(lh, f->fingerprint, l->path);
    json_t *fp = json_object();
    json_object_set_new(fp, "keysiftFinding/v1", json_string(f->fingerprint));
    json_object_set_new(fp, "keysiftLocation/v1", json_string(lh));
    json_object_set_new(o, "partialFingerprints", fp);

    json_t *props = json_object();
    json_object_set_new(props, "fingerprint", json_string(f->fingerprint));
    json_object_set_new(props, "kind", ks_report_json_string(r->kind));
    json_object_set_new(props, "severity", json_string(ks_severity_name(severity)));
    if (f->shared) {
        /* Found in several images (README, "Secrets shared across images"). */
        json_object_set_new(props, "security-severity", json_string(security_severity(severity)));
        json_object_set_new(props, "sharedImageCount",
                            json_integer((json_int_t)f->shared->nimages));
        json_t *imgs = json_array();
        for (size_t i = 0; i < f->shared->nimages; i++)
            json_array_append_new(imgs,
                                  ks_report_json_string(res->images[f->shared->images[i]].path));
        json_object_set_new(props, "sharedImages", imgs);
    }
    if (l->prov && l->prov->commit[0]) {
        json_object_set_new(props, "commit", json_string(l->prov->commit));
        json_object_set_new(props, "atHead", json_boolean(l->prov->at_head));
    }
    if (b) {
        json_object_set_new(props, "origin", ks_report_json_string(l->path));
        json_object_set_new(props, "offset", json_integer((json_int_t)l->offset));
        if (b->file_offset != KS_NO_OFFSET)
            json_object_set_new(props, "fileOffset", json_integer((json_int_t)b->file_offset));
        if (b->has_vaddr) {
            char va[24];
            snprintf(va, sizeof va, "0x%llx", (unsigned long long)b->vaddr);
            json_object_set_new(props, "vaddr", json_string(va));
        }
        if (b->symbol)
            json_object_set_new(props, "symbol", ks_report_json_string(b->symbol));
        if (!b->strings && nested)
            json_object_set_new(props, "line", json_integer((json_int_t)l->line));
        if (l->snippet && (nested ? b->chain[0].offset : l->offset) == KS_NO_OFFSET)
            json_object_set_new(props, "snippet", ks_report_json_string(l->snippet));
    }
    if (f->context)
        json_object_set_new(props, "context", json_string(f->context->id));
    if (l->key)
        json_object_set_new(props, "key", ks_report_json_string(l->key));
    if (l->syntax)
        json_object_set_new(props, "syntax", json_string(l->syntax));
    if (l->nencoding) {
        json_t *enc = json_array();
        for (unsigned k = 0; k < l->nencoding; k++)
            json_array_append_new(enc, json_string(l->encoding[k]));
        json_object_set_new(props, "encoding", enc);
    }
    json_object_set_new(o, "properties", props);
    return o;
}

int ks_report_sarif(FILE *f, const ks_results *res, const ks_report_opts *opts)
{
    (void)opts;
    /* Only the rules that have results are listed: a run's rule indexes
     * point into this array. */
    size_t *index = ks_xcalloc(res->rs->nrules ? res->rs->nrules : 1, sizeof(size_t));
    json_t *rules = json_array();
    for (size_t i = 0; i < res->nfindings; i++) {
        uint32_t r = res->findings[i].rule;
        if (index[r])
            continue;
        const ks_rule *rule = &res->rs->rules[r];
        json_array_append_new(rules, rule_json(rule, ks_guidance_find(res->guidance, rule->kind)));
        index[r] = json_array_size(rules);
    }
    json_t *results = json_array();
    for (size_t i = 0; i < res->nfindings; i++) {
        const ks_finding *fd = &res->findings[i];
        for (size_t j = 0; j < fd->nlocs; j++)
            json_array_append_new(results, result_json(res, fd, &fd->locs[j], index[fd->rule] - 1));
    }
    free(index);

    json_t *driver = json_object();
    json_object_set_new(driver, "name", json_string("keysift"));
    json_object_set_new(driver, "version", json_string(KS_VERSION));
    json_object_set_new(driver, "semanticVersion", json_string(KS_VERSION));
    json_object_set_new(driver, "rules", rules);
    json_t *tool = json_object();
    json_object_set_new(tool, "driver", driver);

    json_t *notes = json_array();
    for (size_t i = 0; i < res->diags.n; i++) {
        json_t *n = json_object();
        json_t *m = json_object();
        char msg[1200];
        snprintf(msg, sizeof msg, "%s: %s", res->diags.v[i].path, res->diags.v[i].message);
        json_object_set_new(m, "text", ks_report_json_string(msg));
        json_object_set_new(n, "message", m);
        json_object_set_new(n, "level", json_string("warning"));
        json_array_append_new(notes, n);
    }
    json_t *inv = json_object();
    json_object_set_new(inv, "executionSuccessful", json_true());
    json_object_set_new(inv, "toolExecutionNotifications", notes);
    json_t *invs = json_array();
    json_array_append_new(invs, inv);

    json_t *run = json_object();
    json_object_set_new(run, "tool", tool);
    json_object_set_new(run, "invocations", invs);
    json_object_set_new(run, "results", results);
    json_object_set_new(run, "columnKind", json_string("unicodeCodePoints"));
    json_t *props = json_object();
    json_object_set_new(props, "rulesetDigest", json_string(res->ruleset_digest));
    if (res->source)
        json_object_set_new(props, "source", ks_report_json_string(res->source));
    json_object_set_new(run, "properties", props);
    json_t *runs = json_array();
    json_array_append_new(runs, run);

    json_t *doc = json_object();
    json_object_set_new(doc, "$schema",
                        json_string("https://json.schemastore.org/sarif-2.1.0.json"));
    json_object_set_new(doc, "version", json_string("2.1.0"));
    json_object_set_new(doc, "runs", runs);
    return ks_report_json_write(f, doc, 2, "SARIF");
}
