/*
 * cra.c - the CRA evidence report (Markdown), for a technical file under
 * Regulation (EU) 2024/2847: what was scanned (with digests), by which
 * tool and ruleset, what the scan covered and skipped, the findings grouped
 * by the Annex I requirement they touch with what to do, what was accepted
 * and how, and the verdict of the gate. Secrets appear only redacted.
 */
#include "report.h"

#include "../engine/engine.h"
#include "guidance.h"

#include "../core/dates.h"
#include "../findings/crypto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Markdown table cells: no pipes or newlines. */
static void cell(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        if (*s == '|')
            fputs("\\|", f);
        else if (*s == '\n' || *s == '\r')
            fputc(' ', f);
        else
            fputc(*s, f);
    }
}

/* A location: path:line, or for the strings of a binary path @ offset,
 * with the ELF symbol when there is one. */
static void where(FILE *f, const ks_location *l)
{
    cell(f, l->path);
    if (l->bin && l->bin->strings)
        fprintf(f, " @ 0x%llx", (unsigned long long)l->offset);
    else
        fprintf(f, ":%llu", (unsigned long long)l->line);
    if (l->bin && l->bin->symbol) {
        fputs(" (", f);
        cell(f, l->bin->symbol);
        fputc(')', f);
    }
}

static void date(char out[11], int64_t t)
{
    if (!t || !ks_format_time(out, 11, "%Y-%m-%d", t))
        snprintf(out, 11, "-");
}

/* One row of the inventory table. */
static void asset_row(FILE *f, const ks_results *res, const ks_finding *a)
{
    const ks_crypto *c = a->crypto;
    static const char *const types[] = {"", "private key", "public key", "certificate"};
    fprintf(f, "| %s | ", types[c->type]);
    if (c->type == KS_ASSET_CERTIFICATE) {
        cell(f, c->subject);
        fputs(c->self_signed ? " (self-signed" : " (issuer ", f);
        if (!c->self_signed)
            cell(f, c->issuer);
        fputs(c->ca ? ", CA)" : ")", f);
    } else {
        fprintf(f, "%s%s", c->format ? c->format : "",
                c->type == KS_ASSET_PRIVATE_KEY ? (c->encrypted ? ", encrypted" : ", plaintext")
                                                : "");
    }
    fputs(" | ", f);
    if (c->algorithm[0])
        fprintf(f, "%s", c->algorithm);
    if (c->bits)
        fprintf(f, " %d", c->bits);
    if (c->curve[0])
        fprintf(f, " (%s)", c->curve);
    if (c->sig_alg[0])
        fprintf(f, ", signed %s", c->sig_alg);
    char na[11], su[11];
    date(na, c->not_after);
    date(su, res->support_until);
    fputs(" | ", f);
    if (c->type != KS_ASSET_CERTIFICATE)
        fputs("-", f);
    else if (c->not_after < res->now)
        fprintf(f, "**expired** %s", na);
    else if (res->support_until && c->not_after < res->support_until)
        fprintf(f, "%s, **before the end of support** (%s)", na, su);
    else if (res->support_until)
        fprintf(f, "%s, after the end of support (%s)", na, su);
    else
        fprintf(f, "%s", na);
    fputs(" | `", f);
    where(f, &a->locs[0]);
    fputc('`', f);
    if (a->nlocs > 1)
        fprintf(f, " and %zu more", a->nlocs - 1);
    fprintf(f, " | %s |\n", c->linked[0] ? c->linked : "");
}

/* Every key and certificate found, with its expiry against the support
 * period. Private keys are findings too; the others are not secrets. */
static void inventory(FILE *f, const ks_results *res)
{
    size_t n = res->ninventory;
    for (size_t i = 0; i < res->nfindings; i++)
        n += res->findings[i].crypto && !res->findings[i].public_value;
    fputs("## Keys and certificates\n\n", f);
    if (res->support_until) {
        char su[11];
        date(su, res->support_until);
        fprintf(f, "Support period (CRA Article 13) ends on %s.\n\n", su);
    } else {
        fputs("No support period was given (`--support-until`): expiry is shown against today "
              "only.\n\n",
              f);
    }
    if (!n) {
        fputs("No key or certificate was found.\n\n", f);
        return;
    }
    fputs("| Type | What | Key | Valid until | Where | Linked to |\n|---|---|---|---|---|---|\n", f);
    for (size_t i = 0; i < res->nfindings; i++)
        if (res->findings[i].crypto && !res->findings[i].public_value)
            asset_row(f, res, &res->findings[i]);
    for (size_t i = 0; i < res->ninventory; i++)
        if (res->inventory[i].crypto)
            asset_row(f, res, &res->inventory[i]);
    fputc('\n', f);
}

static size_t count_at_or_above(const ks_results *res, ks_severity s)
{
    size_t n = 0;
    for (size_t i = 0; i < res->nfindings; i++)
        if (ks_finding_severity(res->rs, &res->findings[i]) >= s)
            n++;
    return n;
}

static void header(FILE *f, const ks_results *res, ks_severity gate, size_t blocking)
{
    char date[32] = "";
    ks_format_time(date, sizeof date, "%Y-%m-%d %H:%M UTC", (int64_t)time(NULL));
    fputs("# Evidence: hardcoded credentials scan\n\n", f);
    fputs("Produced for the technical documentation of a product with digital elements under\n"
          "Regulation (EU) 2024/2847 (Cyber Resilience Act), Annex I. Secrets are shown\n"
          "redacted; fingerprints identify them without disclosing them.\n\n",
          f);
    fputs("| | |\n|---|---|\n", f);
    fprintf(f, "| Tool | keysift %s |\n", KS_VERSION);
    fprintf(f, "| Ruleset | %zu rules, digest sha256:%s |\n", res->sum.rules, res->ruleset_digest);
    fprintf(f, "| Date | %s |\n", date);
    fputs("| Scope | ", f);
    cell(f, res->source ? res->source : "files and directories");
    fputs(" |\n", f);
    fprintf(f, "| Gate | `--fail-on %s`: **%s** (%zu finding%s at or above %s) |\n\n",
            ks_severity_name(gate), blocking ? "FAILED" : "PASSED", blocking,
            blocking == 1 ? "" : "s", ks_severity_name(gate));
}

static void scope(FILE *f, const ks_results *res)
{
    fputs("## What was scanned\n\n| Target | Digest |\n|---|---|\n", f);
    for (size_t i = 0; i < res->ntargets; i++) {
        fputs("| ", f);
        cell(f, res->targets[i]);
        fputs(" | ", f);
        cell(f, res->target_digest[i] ? res->target_digest[i] : "(directory)");
        fputs(" |\n", f);
    }
    const ks_summary *s = &res->sum;
    fputs("\n## Coverage\n\n| | |\n|---|---|\n", f);
    fprintf(f, "| Files or blobs scanned | %llu |\n", (unsigned long long)s->files);
    fprintf(f, "| Bytes scanned | %llu |\n", (unsigned long long)s->bytes);
    fprintf(f, "| Not read: symbolic links, devices, over the size limit | %llu |\n",
            (unsigned long long)s->skipped);
    fprintf(f, "| Excluded by configuration | %llu |\n", (unsigned long long)s->excluded);
    fprintf(f, "| Containers unpacked (archives, images, streams, ELF) | %llu |\n",
            (unsigned long long)s->containers);
    fprintf(f, "| Regions recognised but not unpacked (searched as bytes) | %llu |\n",
            (unsigned long long)s->not_unpacked);
    fprintf(f, "| Unpacking budgets hit (depth, size, ratio, entries) | %llu |\n",
            (unsigned long long)s->budget_hits);
    fprintf(f, "| Warnings (could not be read completely) | %llu |\n",
            (unsigned long long)s->warnings);
    if (res->diags.n) {
        fputs("\nRegions not scanned, and why:\n\n", f);
        for (size_t i = 0; i < res->diags.n && i < 200; i++) {
            fputs("- `", f);
            cell(f, res->diags.v[i].path);
            fputs("`: ", f);
            cell(f, res->diags.v[i].message);
            fputc('\n', f);
        }
    }
}

/* The findings that touch one Annex I reference. */
static void requirement(FILE *f, const ks_results *res, const char *ref)
{
    fprintf(f, "### %s\n\n", ref);
    for (size_t i = 0; i < res->nfindings; i++) {
        const ks_finding *fd = &res->findings[i];
        const ks_rule *r = &res->rs->rules[fd->rule];
        const ks_guidance *g = ks_guidance_find(res->guidance, r->kind);
        for (size_t k = 0; g && k < g->cra_ref.n; k++) {
            if (strcmp(g->cra_ref.v[k], ref))
                continue;
            fprintf(f, "- **%s** (%s) `%s` at `", r->name,
                    ks_severity_name(ks_finding_severity(res->rs, fd)), fd->fingerprint);
            where(f, &fd->locs[0]);
            fprintf(f, "`%s: ", fd->nlocs > 1 ? " and other places" : "");
            cell(f, g->cra_text.v[k]);
            fputc('\n', f);
        }
    }
    fputc('\n', f);
}

static void by_requirement(FILE *f, const ks_results *res)
{
    fputs("\n## Findings by CRA requirement\n\n", f);
    if (!res->nfindings)
        fputs("No hardcoded credential was found.\n", f);
    /* Each Annex I reference once, with the findings that touch it. */
    const char **refs = ks_xcalloc(res->nfindings * 16 + 1, sizeof(char *));
    size_t nrefs = 0;
    for (size_t i = 0; i < res->nfindings; i++) {
        const ks_guidance *g =
            ks_guidance_find(res->guidance, res->rs->rules[res->findings[i].rule].kind);
        for (size_t k = 0; g && k < g->cra_ref.n && nrefs < res->nfindings * 16; k++) {
            size_t j = 0;
            while (j < nrefs && strcmp(refs[j], g->cra_ref.v[k]))
                j++;
            if (j == nrefs)
                refs[nrefs++] = g->cra_ref.v[k];
        }
    }
    for (size_t j = 0; j < nrefs; j++)
        requirement(f, res, refs[j]);
    free(refs);
}

static void remediation_row(FILE *f, const ks_results *res, const ks_finding *fd)
{
    const ks_rule *r = &res->rs->rules[fd->rule];
    fprintf(f, "| %s | ", ks_severity_name(ks_finding_severity(res->rs, fd)));
    cell(f, r->name);
    fprintf(f, " (`%s`) | `", r->id);
    cell(f, fd->redacted);
    fprintf(f, "` (%zu chars) | ", fd->secret_len);
    for (size_t j = 0; j < fd->nlocs && j < 20; j++) {
        fputs(j ? "<br>" : "", f);
        fputc('`', f);
        where(f, &fd->locs[j]);
        fputc('`', f);
        if (fd->locs[j].prov && fd->locs[j].prov->commit[0])
            fprintf(f, " (commit %.12s)", fd->locs[j].prov->commit);
    }
    if (fd->nlocs > 20)
        fprintf(f, "<br>and %zu more", fd->nlocs - 20);
    fputs(" | ", f);
    cell(f, r->remediation);
    fputs(" |\n", f);
}

static void remediation(FILE *f, const ks_results *res)
{
    if (!res->nfindings)
        return;
    fputs("## Findings and remediation\n\n", f);
    fputs("| Severity | Finding | Secret | Locations | Remediation |\n|---|---|---|---|---|\n", f);
    for (size_t i = 0; i < res->nfindings; i++)
        remediation_row(f, res, &res->findings[i]);
    fputc('\n', f);
    fputs("Article 14: a credential that has been used by a third party is an actively "
          "exploited vulnerability; see each kind's guidance (JSON output, `guidance."
          "article14`) for the reporting deadlines.\n\n",
          f);
}

/* The images of a scan that covered several, and the secrets two or more
 * of them hold. */
static void shared_across(FILE *f, const ks_results *res)
{
    if (!res->nimages)
        return;
    size_t nshared = 0;
    for (size_t i = 0; i < res->nfindings; i++)
        nshared += res->findings[i].shared != NULL;
    fputs("## Secrets shared across images\n\n", f);
    fprintf(f, "%zu images scanned; %zu secret%s found in more than one.\n\n", res->nimages,
            nshared, nshared == 1 ? "" : "s");
    fputs("| Image | SHA-256 | Findings | Shared |\n|---|---|---|---|\n", f);
    for (size_t i = 0; i < res->nimages; i++) {
        const ks_image *im = &res->images[i];
        fputs("| `", f);
        cell(f, im->path);
        fprintf(f, "` | %s | %zu | %zu |\n", im->digest[0] ? im->digest + 7 : "(not read)",
                im->findings, im->shared);
    }
    fputc('\n', f);
    const ks_guidance *g = ks_guidance_find(res->guidance, "shared-across-images");
    for (size_t i = 0; i < res->nfindings; i++) {
        const ks_finding *fd = &res->findings[i];
        if (!fd->shared)
            continue;
        const ks_rule *r = &res->rs->rules[fd->rule];
        fprintf(f, "- **%s** (%s; %s in one image) `%s` `", r->name,
                ks_severity_name(fd->shared->severity), ks_severity_name(r->severity),
                fd->fingerprint);
        cell(f, fd->redacted);
        fprintf(f, "`: shared across %zu images: ", fd->shared->nimages);
        for (size_t j = 0; j < fd->shared->nimages; j++) {
            fputs(j ? ", `" : "`", f);
            cell(f, res->images[fd->shared->images[j]].path);
            fputc('`', f);
        }
        fputc('.', f);
        for (size_t j = 0; j < fd->shared->nmatches; j++) {
            fputs(j ? "; " : " Its public key is also in: ", f);
            cell(f, fd->shared->matches[j]);
        }
        fputc('\n', f);
    }
    if (nshared && g) {
        fputc('\n', f);
        cell(f, g->risk);
        fputs("\n\nStandards: ", f);
        for (size_t k = 0; k < g->cwe.n; k++)
            fprintf(f, "%s%s", k ? ", " : "", g->cwe.v[k]);
        for (size_t k = 0; k < g->cra_ref.n; k++)
            fprintf(f, "; CRA %s", g->cra_ref.v[k]);
        fputs(".\n\nWhat to do:\n\n", f);
        for (size_t k = 0; k < g->steps.n; k++) {
            fputs("1. ", f);
            cell(f, g->steps.v[k]);
            fputc('\n', f);
        }
    }
    fputc('\n', f);
}

static void accepted(FILE *f, const ks_results *res)
{
    fputs("## Accepted findings\n\n| How | Count |\n|---|---|\n", f);
    fprintf(f, "| Inline `keysift:allow` comments and configuration allowlist | %llu |\n",
            (unsigned long long)res->sum.allowed);
    fprintf(f,
            "| Baseline (`--baseline`, with reasons, owners and expiry dates in the file) | "
            "%llu |\n\n",
            (unsigned long long)res->sum.baselined);
    if (!res->nsuppressed)
        return;
    fputs("| Finding | Rule | First location | Accepted by | Reason | Owner | Until |\n"
          "|---|---|---|---|---|---|---|\n",
          f);
    for (size_t i = 0; i < res->nsuppressed; i++) {
        const ks_suppression *sp = &res->suppressed[i];
        fprintf(f, "| `%s` | `%s` | `", sp->fingerprint, sp->rule_id);
        cell(f, sp->where);
        fprintf(f, "` | %s | ", sp->how);
        cell(f, sp->reason ? sp->reason : "(no reason given)");
        fputs(" | ", f);
        cell(f, sp->owner ? sp->owner : "");
        fprintf(f, " | %s |\n", sp->expires[0] ? sp->expires : "");
    }
    fputc('\n', f);
}

int ks_report_cra(FILE *f, const ks_results *res, const ks_report_opts *opts)
{
    (void)opts;
    ks_severity gate = res->fail_on ? res->fail_on : KS_SEV_LOW;
    size_t blocking = count_at_or_above(res, gate);
    header(f, res, gate, blocking);
    scope(f, res);
    by_requirement(f, res);
    remediation(f, res);
    shared_across(f, res);
    inventory(f, res);
    accepted(f, res);
    fprintf(f, "## Verdict\n\nRelease gate at `--fail-on %s`: **%s**.\n", ks_severity_name(gate),
            blocking ? "FAILED" : "PASSED");
    return ferror(f) ? ks_error_set(KS_EIO, "cannot write the CRA report") : 0;
}
