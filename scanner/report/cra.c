/*
 * cra.c - the CRA evidence report (Markdown), for a technical file under
 * Regulation (EU) 2024/2847: what was scanned (with digests), by which
 * tool and ruleset, what the scan covered and skipped, the findings grouped
 * by the Annex I requirement they touch with what to do, what was accepted
 * and how, and the verdict of the gate. Secrets appear only redacted.
 */
#include "report.h"

#include "../engine/engine.h"
#include "../engine/guidance.h"

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

static size_t count_at_or_above(const ks_results *res, ks_severity s)
{
    size_t n = 0;
    for (size_t i = 0; i < res->nfindings; i++)
        if (res->rs->rules[res->findings[i].rule].severity >= s)
            n++;
    return n;
}

int ks_report_cra(FILE *f, const ks_results *res, const ks_report_opts *opts)
{
    (void)opts;
    char date[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(date, sizeof date, "%Y-%m-%d %H:%M UTC", &tm);
    ks_severity gate = res->fail_on ? res->fail_on : KS_SEV_LOW;
    size_t blocking = count_at_or_above(res, gate);

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
    if (res->ndiags) {
        fputs("\nRegions not scanned, and why:\n\n", f);
        for (size_t i = 0; i < res->ndiags && i < 200; i++) {
            fputs("- `", f);
            cell(f, res->diags[i].path);
            fputs("`: ", f);
            cell(f, res->diags[i].message);
            fputc('\n', f);
        }
    }

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
    for (size_t j = 0; j < nrefs; j++) {
        fprintf(f, "### %s\n\n", refs[j]);
        for (size_t i = 0; i < res->nfindings; i++) {
            const ks_finding *fd = &res->findings[i];
            const ks_rule *r = &res->rs->rules[fd->rule];
            const ks_guidance *g = ks_guidance_find(res->guidance, r->kind);
            for (size_t k = 0; g && k < g->cra_ref.n; k++) {
                if (strcmp(g->cra_ref.v[k], refs[j]))
                    continue;
                fprintf(f, "- **%s** (%s) `%s` at `", r->name, ks_severity_name(r->severity),
                        fd->fingerprint);
                where(f, &fd->locs[0]);
                fprintf(f, "`%s: ", fd->nlocs > 1 ? " and other places" : "");
                cell(f, g->cra_text.v[k]);
                fputc('\n', f);
            }
        }
        fputc('\n', f);
    }
    free(refs);

    if (res->nfindings) {
        fputs("## Findings and remediation\n\n", f);
        fputs("| Severity | Finding | Secret | Locations | Remediation |\n|---|---|---|---|---|\n",
              f);
        for (size_t i = 0; i < res->nfindings; i++) {
            const ks_finding *fd = &res->findings[i];
            const ks_rule *r = &res->rs->rules[fd->rule];
            fprintf(f, "| %s | ", ks_severity_name(r->severity));
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
        fputc('\n', f);
        fputs("Article 14: a credential that has been used by a third party is an actively "
              "exploited vulnerability; see each kind's guidance (JSON output, `guidance."
              "article14`) for the reporting deadlines.\n\n",
              f);
    }

    fputs("## Accepted findings\n\n| How | Count |\n|---|---|\n", f);
    fprintf(f, "| Inline `keysift:allow` comments and configuration allowlist | %llu |\n",
            (unsigned long long)s->allowed);
    fprintf(f,
            "| Baseline (`--baseline`, with reasons, owners and expiry dates in the file) | "
            "%llu |\n\n",
            (unsigned long long)s->baselined);

    fprintf(f, "## Verdict\n\nRelease gate at `--fail-on %s`: **%s**.\n", ks_severity_name(gate),
            blocking ? "FAILED" : "PASSED");
    return ferror(f) ? ks_error_set(KS_EIO, "cannot write the CRA report") : 0;
}
