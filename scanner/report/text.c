/*
 * text.c - the report for people: one block per finding, then a summary.
 */
#include "report.h"

#include "../engine/engine.h"
#include "guidance.h"
#include "../findings/crypto.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WIDTH 100

typedef struct style {
    const char *bold, *dim, *reset, *sev;
} style;

static const char *sev_color(ks_severity s)
{
    switch (s) {
    case KS_SEV_CRITICAL:
        return "\033[1;37;41m";
    case KS_SEV_HIGH:
        return "\033[1;31m";
    case KS_SEV_MEDIUM:
        return "\033[1;33m";
    default:
        return "\033[1;36m";
    }
}

/* Word-wrap `text` to WIDTH columns, each line prefixed by `indent`. */
static void wrap(FILE *f, const char *indent, const char *text)
{
    size_t col = 0, il = strlen(indent);
    const char *p = text;
    fputs(indent, f);
    col = il;
    while (*p) {
        while (*p == ' ' || *p == '\n')
            p++;
        if (!*p)
            break;
        size_t wl = strcspn(p, " \n");
        if (col > il && col + 1 + wl > WIDTH) {
            fputc('\n', f);
            fputs(indent, f);
            col = il;
        } else if (col > il) {
            fputc(' ', f);
            col++;
        }
        fwrite(p, 1, wl, f);
        col += wl;
        p += wl;
    }
    fputc('\n', f);
}

static void upper(char *out, const char *s, size_t cap)
{
    size_t i = 0;
    for (; s[i] && i + 1 < cap; i++)
        out[i] = (s[i] >= 'a' && s[i] <= 'z') ? (char)(s[i] - 32) : s[i];
    out[i] = '\0';
}

/* "file offset 0x2010, vaddr 0x402010, symbol cloud_api_key+0x4, UTF-16LE" */
static void print_binloc(FILE *f, const ks_binloc *b, uint64_t offset)
{
    char line[512];
    size_t o = 0;
    const char *sep = "";
    if (b->file_offset != KS_NO_OFFSET && b->file_offset != offset) {
        o += (size_t)snprintf(line + o, sizeof line - o, "file offset 0x%llx",
                              (unsigned long long)b->file_offset);
        sep = ", ";
    }
    if (b->has_vaddr && o < sizeof line) {
        o += (size_t)snprintf(line + o, sizeof line - o, "%svaddr 0x%llx", sep,
                              (unsigned long long)b->vaddr);
        sep = ", ";
    }
    if (b->symbol && o < sizeof line) {
        if (b->symbol_delta)
            o += (size_t)snprintf(line + o, sizeof line - o, "%ssymbol %s+0x%llx", sep, b->symbol,
                                  (unsigned long long)b->symbol_delta);
        else
            o += (size_t)snprintf(line + o, sizeof line - o, "%ssymbol %s", sep, b->symbol);
        sep = ", ";
    }
    if (b->encoding && o < sizeof line)
        o += (size_t)snprintf(line + o, sizeof line - o, "%s%s", sep, b->encoding);
    if (o)
        fprintf(f, "              %s\n", line);
}

int ks_report_text(FILE *f, const ks_results *res, const ks_report_opts *opts)
{
    style st = {"", "", "", ""};
    if (opts && opts->color)
        st = (style){"\033[1m", "\033[2m", "\033[0m", ""};
    size_t by_sev[5] = {0};

    for (size_t i = 0; i < res->nfindings; i++) {
        const ks_finding *fd = &res->findings[i];
        const ks_rule *r = &res->rs->rules[fd->rule];
        by_sev[r->severity]++;
        char sev[16];
        upper(sev, ks_severity_name(r->severity), sizeof sev);
        fprintf(f, "%s%-8s%s %s%s%s  %s[%s]%s\n", opts && opts->color ? sev_color(r->severity) : "",
                sev, st.reset, st.bold, r->name, st.reset, st.dim, r->id, st.reset);
        char *secret = res->show_secrets || fd->public_value
                           ? ks_printable(fd->secret, fd->secret_len)
                           : ks_xstrdup(fd->redacted);
        const char *check = fd->checks & KS_CHECK_CHECKSUM_OK    ? ", checksum valid"
                            : fd->checks & KS_CHECK_CHECKSUM_BAD ? ", checksum INVALID"
                            : fd->checks & KS_CHECK_STRUCTURE_OK ? ", structure valid"
                                                                 : "";
        fprintf(f, "  secret      %s  (%zu chars, %s confidence%s)\n", secret, fd->secret_len,
                ks_confidence_name(fd->confidence), check);
        free(secret);
        for (size_t j = 0; j < fd->nlocs; j++) {
            const ks_location *l = &fd->locs[j];
            if (l->bin && l->bin->strings)
                fprintf(f, "  %s %s%s%s @ 0x%llx\n", j == 0 ? "location   " : "           ",
                        st.bold, l->path, st.reset, (unsigned long long)l->offset);
            else
                fprintf(f, "  %s %s%s:%llu:%llu%s\n", j == 0 ? "location   " : "           ",
                        st.bold, l->path, (unsigned long long)l->line,
                        (unsigned long long)l->column, st.reset);
            if (l->bin)
                print_binloc(f, l->bin, l->offset);
            if (l->prov) {
                const ks_provenance *p = l->prov;
                if (p->commit[0]) {
                    char date[32] = "";
                    time_t t = (time_t)p->time;
                    struct tm tm;
                    if (gmtime_r(&t, &tm))
                        strftime(date, sizeof date, "%Y-%m-%d", &tm);
                    fprintf(f, "              commit %.12s %s %s%s: %s%s\n", p->commit, date,
                            p->author ? p->author : "", p->unreachable ? " (unreachable)" : "",
                            p->summary ? p->summary : "", p->at_head ? "  [in HEAD]" : "");
                } else {
                    fprintf(f, "              blob %.12s, not in any commit\n", p->blob);
                }
            }
            if (l->snippet)
                fprintf(f, "              %s%s%s\n", st.dim, l->snippet, st.reset);
        }
        if (fd->crypto && !fd->public_value) {
            const ks_crypto *c = fd->crypto;
            fprintf(f, "  key         %s", c->algorithm[0] ? c->algorithm : "algorithm unknown");
            if (c->bits)
                fprintf(f, " %d", c->bits);
            if (c->curve[0])
                fprintf(f, " (%s)", c->curve);
            fprintf(f, ", %s, %s", c->format ? c->format : "?",
                    c->encrypted ? "encrypted" : "plaintext");
            if (c->linked[0])
                fprintf(f, "; its certificate or public key is %s", c->linked);
            fputc('\n', f);
        }
        if (fd->context) {
            fputs("  context\n", f);
            wrap(f, "              ", fd->context->note);
        }
        if (fd->present_at_head == 0)
            fputs("  history     no longer in HEAD, but still in the history: rotate it anyway\n",
                  f);
        if (r->remediation) {
            fputs("  remediation\n", f);
            wrap(f, "              ", r->remediation);
        }
        const ks_guidance *g = ks_guidance_find(res->guidance, r->kind);
        if (g) {
            char line[1024];
            size_t o = 0;
            for (size_t k = 0; k < g->cra_ref.n && o < sizeof line - 64; k++)
                o += (size_t)snprintf(line + o, sizeof line - o, "%s%s", k ? "; " : "CRA ",
                                      g->cra_ref.v[k]);
            const ks_strv *lists[] = {&g->cwe, &g->owasp_nhi, &g->etsi};
            const char *names[] = {"", "OWASP ", "ETSI EN 303 645 "};
            for (int l = 0; l < 3; l++)
                for (size_t k = 0; k < lists[l]->n && o < sizeof line - 64; k++)
                    o += (size_t)snprintf(line + o, sizeof line - o, "%s%s%s", k ? ", " : "; ",
                                          k ? "" : names[l], lists[l]->v[k]);
            fputs("  standards\n", f);
            wrap(f, "              ", line);
        }
        fputc('\n', f);
    }

    /* The inventory: certificates (with their expiry) and public keys. */
    size_t npub = 0;
    for (size_t i = 0; i < res->ninventory; i++) {
        const ks_crypto *c = res->inventory[i].crypto;
        if (!c || c->type != KS_ASSET_CERTIFICATE) {
            npub++;
            continue;
        }
        char na[16] = "?";
        time_t t = (time_t)c->not_after;
        struct tm tm;
        if (gmtime_r(&t, &tm))
            strftime(na, sizeof na, "%Y-%m-%d", &tm);
        fprintf(f, "%scertificate%s %s, %s %d, valid until %s%s\n  at %s\n", st.bold, st.reset,
                c->subject ? c->subject : "?", c->algorithm, c->bits, na,
                c->not_after < res->now ? " (EXPIRED)" : "", res->inventory[i].locs[0].path);
    }
    if (npub)
        fprintf(f, "%zu public key%s in the inventory (--format json, cyclonedx or cra lists them)\n",
                npub, npub == 1 ? "" : "s");
    if (res->ninventory)
        fputc('\n', f);

    const ks_summary *s = &res->sum;
    double mb = (double)s->bytes / 1e6;
    fprintf(f, "%s%zu finding%s%s", st.bold, res->nfindings, res->nfindings == 1 ? "" : "s",
            st.reset);
    if (res->nfindings) {
        const char *sep = " (";
        for (int v = KS_SEV_CRITICAL; v >= KS_SEV_LOW; v--) {
            if (!by_sev[v])
                continue;
            fprintf(f, "%s%zu %s", sep, by_sev[v], ks_severity_name((ks_severity)v));
            sep = ", ";
        }
        fputc(')', f);
    }
    fprintf(f, " in %llu file%s, %.1f MB, %.2f s (%.0f MB/s, %u threads, %zu rules)",
            (unsigned long long)s->files, s->files == 1 ? "" : "s", mb, s->elapsed_s,
            s->elapsed_s > 0 ? mb / s->elapsed_s : 0.0, s->threads, s->rules);
    if (s->warnings)
        fprintf(f, "; %llu warning%s", (unsigned long long)s->warnings,
                s->warnings == 1 ? "" : "s");
    if (s->skipped)
        fprintf(f, "; %llu skipped", (unsigned long long)s->skipped);
    if (s->baselined)
        fprintf(f, "; %llu in the baseline", (unsigned long long)s->baselined);
    if (s->allowed)
        fprintf(f, "; %llu allowed inline", (unsigned long long)s->allowed);
    if (s->excluded)
        fprintf(f, "; %llu excluded", (unsigned long long)s->excluded);
    if (s->containers)
        fprintf(f, "; %llu container%s unpacked", (unsigned long long)s->containers,
                s->containers == 1 ? "" : "s");
    if (s->not_unpacked)
        fprintf(f, "; %llu region%s not unpacked", (unsigned long long)s->not_unpacked,
                s->not_unpacked == 1 ? "" : "s");
    if (s->budget_hits)
        fprintf(f, "; %llu budget limit%s hit", (unsigned long long)s->budget_hits,
                s->budget_hits == 1 ? "" : "s");
    fputc('\n', f);
    return 0;
}
