/*
 * text.c - the report for people: one block per finding, then a summary.
 */
#include "report.h"

#include "../engine/engine.h"
#include "guidance.h"

#include "../core/dates.h"
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

static void print_location(FILE *f, const style *st, const ks_location *l, bool first)
{
    const char *label = first ? "location   " : "           ";
    if (l->bin && l->bin->strings)
        fprintf(f, "  %s %s%s%s @ 0x%llx\n", label, st->bold, l->path, st->reset,
                (unsigned long long)l->offset);
    else
        fprintf(f, "  %s %s%s:%llu:%llu%s\n", label, st->bold, l->path,
                (unsigned long long)l->line, (unsigned long long)l->column, st->reset);
    if (l->bin)
        print_binloc(f, l->bin, l->offset);
    if (l->prov) {
        const ks_provenance *p = l->prov;
        if (p->commit[0]) {
            char date[32] = "";
            ks_format_time(date, sizeof date, "%Y-%m-%d", p->time);
            fprintf(f, "              commit %.12s %s %s%s: %s%s\n", p->commit, date,
                    p->author ? p->author : "", p->unreachable ? " (unreachable)" : "",
                    p->summary ? p->summary : "", p->at_head ? "  [in HEAD]" : "");
        } else {
            fprintf(f, "              blob %.12s, not in any commit\n", p->blob);
        }
    }
    if (l->key || l->nencoding) {
        fputs("              ", f);
        if (l->key)
            fprintf(f, "assigned to %s%s%s", l->key, l->syntax ? " in " : "",
                    l->syntax ? l->syntax : "");
        for (unsigned k = 0; k < l->nencoding; k++)
            fprintf(f, "%s%s", k ? ">" : l->key ? "; decoded from " : "decoded from ",
                    l->encoding[k]);
        fputc('\n', f);
    }
    if (l->snippet)
        fprintf(f, "              %s%s%s\n", st->dim, l->snippet, st->reset);
}

/* What a private key is (OpenSSL's facts). */
static void print_key(FILE *f, const ks_crypto *c)
{
    fprintf(f, "  key         %s", c->algorithm[0] ? c->algorithm : "algorithm unknown");
    if (c->bits)
        fprintf(f, " %d", c->bits);
    if (c->curve[0])
        fprintf(f, " (%s)", c->curve);
    fprintf(f, ", %s, %s", c->format ? c->format : "?", c->encrypted ? "encrypted" : "plaintext");
    if (c->linked[0])
        fprintf(f, "; its certificate or public key is %s", c->linked);
    fputc('\n', f);
}

/* The requirements and standards a kind of secret touches, on one line. */
static void print_standards(FILE *f, const ks_guidance *g)
{
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

/* "shared across N images: a, b, c..." (the first ten), what else the
 * key is, and what a shared secret means. */
static void print_shared(FILE *f, const ks_results *res, const ks_finding *fd)
{
    const ks_shared *sh = fd->shared;
    size_t cap = 256, o;
    for (size_t i = 0; i < sh->nimages && i < 10; i++)
        cap += strlen(res->images[sh->images[i]].path) + 2;
    char *line = ks_xmalloc(cap);
    o = (size_t)snprintf(line, cap, "shared across %zu images: ", sh->nimages);
    for (size_t i = 0; i < sh->nimages && i < 10; i++)
        o += (size_t)snprintf(line + o, cap - o, "%s%s", i ? ", " : "",
                              res->images[sh->images[i]].path);
    if (sh->nimages > 10)
        snprintf(line + o, cap - o, "... (%zu more)", sh->nimages - 10);
    fputs("  shared\n", f);
    wrap(f, "              ", line);
    free(line);
    const ks_guidance *g = ks_guidance_find(res->guidance, "shared-across-images");
    if (g && g->firmware)
        wrap(f, "              ", g->firmware);
    for (size_t i = 0; i < sh->nmatches; i++) {
        fputs(i ? "" : "  matches\n", f);
        wrap(f, "              ", sh->matches[i]);
    }
}

static void print_finding(FILE *f, const ks_results *res, const ks_finding *fd, const style *st,
                          bool color)
{
    const ks_rule *r = &res->rs->rules[fd->rule];
    ks_severity severity = ks_finding_severity(res->rs, fd);
    char sev[16];
    upper(sev, ks_severity_name(severity), sizeof sev);
    fprintf(f, "%s%-8s%s %s%s%s  %s[%s]%s\n", color ? sev_color(severity) : "", sev, st->reset,
            st->bold, r->name, st->reset, st->dim, r->id, st->reset);
    char *secret = res->show_secrets || fd->public_value ? ks_printable(fd->secret, fd->secret_len)
                                                         : ks_xstrdup(fd->redacted);
    const char *check = fd->checks & KS_CHECK_CHECKSUM_OK    ? ", checksum valid"
                        : fd->checks & KS_CHECK_CHECKSUM_BAD ? ", checksum INVALID"
                        : fd->checks & KS_CHECK_STRUCTURE_OK ? ", structure valid"
                                                             : "";
    fprintf(f, "  secret      %s  (%zu chars, %s confidence%s)\n", secret, fd->secret_len,
            ks_confidence_name(fd->confidence), check);
    free(secret);
    for (size_t j = 0; j < fd->nlocs; j++)
        print_location(f, st, &fd->locs[j], j == 0);
    if (fd->crypto && !fd->public_value)
        print_key(f, fd->crypto);
    if (fd->shared)
        print_shared(f, res, fd);
    if (fd->context) {
        fputs("  context\n", f);
        wrap(f, "              ", fd->context->note);
    }
    if (fd->present_at_head == 0)
        fputs("  history     no longer in HEAD, but still in the history: rotate it anyway\n", f);
    if (r->remediation) {
        fputs("  remediation\n", f);
        wrap(f, "              ", r->remediation);
    }
    const ks_guidance *g = ks_guidance_find(res->guidance, r->kind);
    if (g)
        print_standards(f, g);
    fputc('\n', f);
}

/* The inventory: certificates (with their expiry) and public keys. */
static void print_inventory(FILE *f, const ks_results *res, const style *st)
{
    size_t npub = 0;
    for (size_t i = 0; i < res->ninventory; i++) {
        const ks_crypto *c = res->inventory[i].crypto;
        if (!c || c->type != KS_ASSET_CERTIFICATE) {
            npub++;
            continue;
        }
        char na[11];
        ks_format_date(na, c->not_after);
        fprintf(f, "%scertificate%s %s, %s %d, valid until %s%s\n  at %s\n", st->bold, st->reset,
                c->subject ? c->subject : "?", c->algorithm, c->bits, na,
                c->not_after < res->now ? " (EXPIRED)" : "", res->inventory[i].locs[0].path);
    }
    if (npub)
        fprintf(f, "%zu public key%s in the inventory (--format json, cyclonedx or cra lists them)\n",
                npub, npub == 1 ? "" : "s");
    if (res->ninventory)
        fputc('\n', f);
}

/* "; N what" when N is not zero. */
static void count(FILE *f, uint64_t n, const char *one, const char *many)
{
    if (n)
        fprintf(f, "; %llu %s", (unsigned long long)n, n == 1 ? one : many);
}

static void print_summary(FILE *f, const ks_results *res, const style *st)
{
    size_t by_sev[5] = {0};
    for (size_t i = 0; i < res->nfindings; i++)
        by_sev[ks_finding_severity(res->rs, &res->findings[i])]++;
    const ks_summary *s = &res->sum;
    double mb = (double)s->bytes / 1e6;
    fprintf(f, "%s%zu finding%s%s", st->bold, res->nfindings, res->nfindings == 1 ? "" : "s",
            st->reset);
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
    count(f, s->warnings, "warning", "warnings");
    count(f, s->skipped, "skipped", "skipped");
    count(f, s->baselined, "in the baseline", "in the baseline");
    count(f, s->allowed, "allowed inline", "allowed inline");
    count(f, s->excluded, "excluded", "excluded");
    count(f, s->containers, "container unpacked", "containers unpacked");
    count(f, s->not_unpacked, "region not unpacked", "regions not unpacked");
    count(f, s->budget_hits, "budget limit hit", "budget limits hit");
    if (res->nimages) {
        size_t shared = 0;
        for (size_t i = 0; i < res->nfindings; i++)
            shared += res->findings[i].shared != NULL;
        fprintf(f, "; %zu images, %zu finding%s shared across images", res->nimages, shared,
                shared == 1 ? "" : "s");
    }
    fputc('\n', f);
}

int ks_report_text(FILE *f, const ks_results *res, const ks_report_opts *opts)
{
    style st = {"", "", "", ""};
    bool color = opts && opts->color;
    if (color)
        st = (style){"\033[1m", "\033[2m", "\033[0m", ""};
    for (size_t i = 0; i < res->nfindings; i++)
        print_finding(f, res, &res->findings[i], &st, color);
    print_inventory(f, res, &st);
    print_summary(f, res, &st);
    return 0;
}
