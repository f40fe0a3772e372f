/*
 * cmd_diff.c - `keysift diff OLD.json NEW.json`: which findings a new
 * report adds, which it no longer has, and which both hold, by the
 * identity the baseline uses (findings/diff.h). Text (default) or JSON.
 * Exit status: 1 when NEW has findings OLD has not (at or above
 * --fail-on), 0 when not, 2 when a report cannot be read.
 */
#include "cli.h"

#include "../core/outfile.h"
#include "../findings/diff.h"
#include "../findings/findings.h"
#include "../report/report.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static json_t *load_report(const char *path)
{
    json_error_t err;
    json_t *doc = json_load_file(path, 0, &err);
    if (!doc) {
        if (err.line < 1) /* not read at all: jansson says why, with the path */
            ks_cli_die("cannot read the report: %s", err.text);
        else
            ks_cli_die("%s:%d:%d: not valid JSON: %s", path, err.line, err.column, err.text);
        return NULL;
    }
    if (ks_diff_check_report(doc, path) != 0) {
        ks_cli_die("%s", ks_error_msg());
        json_decref(doc);
        return NULL;
    }
    return doc;
}

static const char *str(const json_t *f, const char *key)
{
    const char *s = json_string_value(json_object_get(f, key));
    return s ? s : "";
}

/* The secret as the report has it, redacted unless the report or the
 * command says it may be shown. New string. */
static char *secret_of(const json_t *f, bool show)
{
    const char *s = str(f, "secret");
    if (show || json_is_true(json_object_get(f, "secret_redacted")) ||
        json_is_true(json_object_get(f, "public")))
        return ks_xstrdup(s);
    return ks_redact((const uint8_t *)s, strlen(s));
}

static ks_severity severity_of(const json_t *f)
{
    return ks_severity_parse(str(f, "severity"));
}

/* ------------------------------------------------------------------------ */
/* Text                                                                      */

static void text_list(FILE *out, const char *title, json_t *const *v, size_t n, bool show)
{
    fprintf(out, "%s (%zu)\n", title, n);
    for (size_t i = 0; i < n; i++) {
        const json_t *f = v[i];
        json_t *locs = json_object_get(f, "locations");
        const char *where = str(json_array_get(locs, 0), "path");
        size_t nlocs = json_array_size(locs);
        size_t nimg =
            (size_t)json_integer_value(json_object_get(json_object_get(f, "shared"), "count"));
        char *secret = secret_of(f, show);
        char sev[16];
        snprintf(sev, sizeof sev, "%s", str(f, "severity"));
        for (char *p = sev; *p; p++)
            *p = (char)(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
        fprintf(out, "  %-8s %s  %s  %s  %s", sev, str(f, "rule_id"), str(f, "fingerprint"), secret,
                where);
        if (nlocs > 1)
            fprintf(out, " (and %zu more place%s)", nlocs - 1, nlocs == 2 ? "" : "s");
        if (nimg)
            fprintf(out, " [shared across %zu images]", nimg);
        fputc('\n', out);
        free(secret);
    }
}

static void write_text(FILE *out, const ks_diff *d, bool show)
{
    text_list(out, "new", d->added, d->nadded, show);
    text_list(out, "removed", d->removed, d->nremoved, show);
    text_list(out, "still present", d->present, d->npresent, show);
    fprintf(out, "%zu new, %zu removed, %zu still present\n", d->nadded, d->nremoved, d->npresent);
}

/* ------------------------------------------------------------------------ */
/* JSON                                                                      */

static json_t *json_list(json_t *const *v, size_t n, bool show)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *f = json_deep_copy(v[i]);
        char *secret = secret_of(v[i], show);
        json_object_set_new(f, "secret", ks_report_json_string(secret));
        if (!show && !json_is_true(json_object_get(f, "public")))
            json_object_set_new(f, "secret_redacted", json_true());
        free(secret);
        json_array_append_new(a, f);
    }
    return a;
}

static int write_json(FILE *out, const ks_diff *d, const char *old_path, const char *new_path,
                      bool show)
{
    json_t *doc = json_object(), *reports = json_object(), *sum = json_object();
    json_object_set_new(reports, "old", ks_report_json_string(old_path));
    json_object_set_new(reports, "new", ks_report_json_string(new_path));
    json_object_set_new(doc, "reports", reports);
    json_object_set_new(sum, "new", json_integer((json_int_t)d->nadded));
    json_object_set_new(sum, "removed", json_integer((json_int_t)d->nremoved));
    json_object_set_new(sum, "present", json_integer((json_int_t)d->npresent));
    json_object_set_new(doc, "summary", sum);
    json_object_set_new(doc, "new", json_list(d->added, d->nadded, show));
    json_object_set_new(doc, "removed", json_list(d->removed, d->nremoved, show));
    json_object_set_new(doc, "present", json_list(d->present, d->npresent, show));
    return ks_report_json_write(out, doc, 2, "diff");
}

/* ------------------------------------------------------------------------ */

int ks_cli_diff(ks_cli_options *o, char **paths, size_t npaths)
{
    if (npaths != 2)
        return ks_cli_die("diff: expected two reports, OLD.json NEW.json (got %zu)", npaths);
    bool json = o->format && strcmp(o->format, "json") == 0;
    if (o->format && !json && strcmp(o->format, "text") != 0)
        return ks_cli_die("diff --format: '%s' is not text or json", o->format);
    json_t *old_doc = load_report(paths[0]);
    json_t *new_doc = old_doc ? load_report(paths[1]) : NULL;
    if (!new_doc) {
        json_decref(old_doc);
        return EXIT_ERROR;
    }
    ks_diff d;
    ks_diff_reports(&d, old_doc, new_doc);
    ks_outfile out;
    int rc = o->output && strcmp(o->output, "-") != 0
                 ? ks_outfile_open(&out, o->output, 0644, "diff")
                 : (ks_outfile_open_fd(&out, STDOUT_FILENO), 0);
    if (rc == 0) {
        if (json)
            rc = write_json(out.f, &d, paths[0], paths[1], o->show_secrets);
        else
            write_text(out.f, &d, o->show_secrets);
        if (rc && !ks_outfile_failed(&out))
            ks_outfile_abort(&out);
        else
            rc = ks_outfile_commit(&out, "diff");
    }
    int status = 0;
    for (size_t i = 0; i < d.nadded; i++)
        if (severity_of(d.added[i]) >= o->fail_on)
            status = EXIT_FINDINGS;
    ks_diff_dispose(&d);
    json_decref(old_doc);
    json_decref(new_doc);
    if (rc)
        return ks_cli_die("%s", ks_error_msg());
    return status;
}
