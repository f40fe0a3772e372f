/*
 * html.c - the CRA evidence report as one self-contained HTML page: the
 * Markdown report (cra.c) rendered by cmark-gfm (tables extension), a
 * summary chart drawn as inline SVG, and inline CSS. Nothing is loaded
 * from anywhere else, so the page can be archived with the technical file
 * and opened offline. Raw HTML in the Markdown (from scanned paths, say)
 * is not passed through: cmark's default is safe.
 */
#include "report.h"

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm-extension_api.h>
#include <cmark-gfm.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char style[] =
    "body{font:15px/1.5 system-ui,-apple-system,'Segoe UI',sans-serif;color:#1b1f24;"
    "max-width:1100px;margin:2em auto;padding:0 1.5em}"
    "h1{font-size:1.7em;margin-bottom:.2em}h2{margin-top:2em;border-bottom:1px solid #d0d7de;"
    "padding-bottom:.2em}h3{margin-top:1.4em}"
    "table{border-collapse:collapse;margin:1em 0;width:100%;font-size:.9em}"
    "th,td{border:1px solid #d0d7de;padding:.35em .6em;text-align:left;vertical-align:top}"
    "th{background:#f6f8fa}tr:nth-child(even) td{background:#fbfcfd}"
    "code{font:.85em ui-monospace,SFMono-Regular,Menlo,monospace;background:#f2f4f6;"
    "padding:.1em .3em;border-radius:4px;word-break:break-all}"
    ".chart{display:flex;gap:2em;align-items:center;flex-wrap:wrap;margin:1.5em 0}"
    ".verdict{font-weight:700;font-size:1.2em;padding:.5em 1em;border-radius:6px}"
    ".failed{background:#ffebe9;color:#a40e26}.passed{background:#dafbe1;color:#116329}";

static int severity_count(const ks_results *res, ks_severity s)
{
    int n = 0;
    for (size_t i = 0; i < res->nfindings; i++)
        n += ks_finding_severity(res->rs, &res->findings[i]) == s;
    return n;
}

/* Findings by severity as horizontal bars, in SVG. */
static void chart(FILE *f, const ks_results *res)
{
    static const struct {
        ks_severity s;
        const char *name, *color;
    } rows[] = {{KS_SEV_CRITICAL, "critical", "#a40e26"},
                {KS_SEV_HIGH, "high", "#d1242f"},
                {KS_SEV_MEDIUM, "medium", "#bf8700"},
                {KS_SEV_LOW, "low", "#0969da"}};
    int counts[4], max = 1;
    for (int i = 0; i < 4; i++) {
        counts[i] = severity_count(res, rows[i].s);
        if (counts[i] > max)
            max = counts[i];
    }
    ks_severity gate = res->fail_on ? res->fail_on : KS_SEV_LOW;
    bool failed = false;
    for (size_t i = 0; i < res->nfindings; i++)
        failed |= ks_finding_severity(res->rs, &res->findings[i]) >= gate;
    fputs("<div class=\"chart\">\n<svg id=\"summary-chart\" role=\"img\" "
          "aria-label=\"Findings by severity\" width=\"520\" height=\"150\" "
          "viewBox=\"0 0 520 150\" xmlns=\"http://www.w3.org/2000/svg\">\n"
          "<title>Findings by severity</title>\n",
          f);
    for (int i = 0; i < 4; i++) {
        int y = 10 + i * 34, w = counts[i] * 360 / max;
        fprintf(f,
                "<text x=\"0\" y=\"%d\" font-size=\"14\" fill=\"#1b1f24\">%s</text>"
                "<rect class=\"bar\" data-severity=\"%s\" x=\"80\" y=\"%d\" width=\"%d\" "
                "height=\"22\" rx=\"3\" fill=\"%s\"/>"
                "<text x=\"%d\" y=\"%d\" font-size=\"14\" fill=\"#1b1f24\">%d</text>\n",
                y + 16, rows[i].name, rows[i].name, y, w ? w : 1, rows[i].color, 88 + w, y + 16,
                counts[i]);
    }
    fprintf(f, "</svg>\n<div class=\"verdict %s\" id=\"verdict\">Release gate (--fail-on %s): %s</div>\n"
               "</div>\n",
            failed ? "failed" : "passed", ks_severity_name(gate), failed ? "FAILED" : "PASSED");
}

static pthread_once_t cmark_once = PTHREAD_ONCE_INIT;
static void cmark_init(void)
{
    cmark_gfm_core_extensions_ensure_registered();
}

int ks_report_html(FILE *f, const ks_results *res, const ks_report_opts *opts)
{
    char *md = NULL;
    size_t ml = 0;
    FILE *m = open_memstream(&md, &ml);
    if (!m)
        return ks_error_set(KS_ENOMEM, "cannot render the report");
    int rc = ks_report_cra(m, res, opts);
    if (fclose(m) != 0 && !rc)
        rc = ks_error_set(KS_ENOMEM, "cannot render the report");
    if (rc) {
        free(md);
        return rc;
    }
    pthread_once(&cmark_once, cmark_init);
    cmark_parser *p = cmark_parser_new(CMARK_OPT_DEFAULT);
    cmark_syntax_extension *table = cmark_find_syntax_extension("table");
    if (table)
        cmark_parser_attach_syntax_extension(p, table);
    cmark_parser_feed(p, md, ml);
    cmark_node *doc = cmark_parser_finish(p);
    char *body = cmark_render_html(doc, CMARK_OPT_DEFAULT, cmark_parser_get_syntax_extensions(p));

    /* The report's title line goes first; the chart comes after it. */
    const char *after_h1 = strstr(body, "</h1>");
    size_t head = after_h1 ? (size_t)(after_h1 - body) + 5 : 0;
    fprintf(f,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            "<meta name=\"generator\" content=\"keysift %s\">\n"
            "<title>keysift evidence: hardcoded credentials scan</title>\n<style>%s</style>\n"
            "</head>\n<body>\n",
            KS_VERSION, style);
    fwrite(body, 1, head, f);
    fputc('\n', f);
    chart(f, res);
    fputs(body + head, f);
    fputs("</body>\n</html>\n", f);
    free(body);
    cmark_node_free(doc);
    cmark_parser_free(p);
    free(md);
    return ferror(f) ? ks_error_set(KS_EIO, "cannot write the HTML report") : 0;
}
