/*
 * report.c - the reporter table and atomic output files.
 */
#include "report.h"

#include "../core/outfile.h"

#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const ks_reporter reporters[] = {
    {"cra", ks_report_cra, true},       {"cyclonedx", ks_report_cyclonedx, true},
    {"html", ks_report_html, true},     {"json", ks_report_json, false},
    {"jsonl", ks_report_jsonl, false},  {"sarif", ks_report_sarif, false},
    {"text", ks_report_text, false},
};

int ks_report_json_write(FILE *f, json_t *doc, int indent, const char *what)
{
    size_t flags = (indent ? JSON_INDENT(indent) : JSON_COMPACT) | JSON_ENSURE_ASCII;
    int rc = json_dumpf(doc, f, flags) == 0 && fputc('\n', f) != EOF
                 ? 0
                 : ks_error_set(KS_EIO, "cannot write %s output", what);
    json_decref(doc);
    return rc;
}

json_t *ks_report_json_string(const char *s)
{
    if (!s)
        return json_null();
    json_t *j = json_string(s);
    if (j)
        return j;
    char *p = ks_printable((const uint8_t *)s, strlen(s));
    j = json_string(p);
    free(p);
    return j;
}

static char reporter_list[128];

/* "text, json, ...": the table's names, text first (the default). */
static void list_names(void)
{
    size_t o = 0;
    o += (size_t)snprintf(reporter_list + o, sizeof reporter_list - o, "text");
    for (size_t i = 0; i < sizeof reporters / sizeof reporters[0]; i++)
        if (strcmp(reporters[i].name, "text") != 0 && o < sizeof reporter_list)
            o += (size_t)snprintf(reporter_list + o, sizeof reporter_list - o, ", %s",
                                  reporters[i].name);
}

const char *ks_reporter_name_at(size_t i)
{
    size_t n = sizeof reporters / sizeof reporters[0], t = 0;
    while (t < n && strcmp(reporters[t].name, "text") != 0)
        t++;
    if (i == 0)
        return "text";
    if (i > n - 1)
        return NULL;
    return reporters[i <= t ? i - 1 : i].name; /* the table without text */
}

const ks_reporter *ks_reporter_find(const char *name)
{
    for (size_t i = 0; i < sizeof reporters / sizeof reporters[0]; i++)
        if (strcmp(reporters[i].name, name) == 0)
            return &reporters[i];
    return NULL;
}

const char *ks_reporter_names(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, list_names);
    return reporter_list;
}

int ks_report_to_path(const ks_reporter *r, const char *path, const ks_results *res,
                      const ks_report_opts *opts)
{
    char what[64];
    snprintf(what, sizeof what, "%s report", r->name);
    ks_outfile out;
    if (!path || strcmp(path, "-") == 0)
        ks_outfile_open_fd(&out, STDOUT_FILENO);
    else if (ks_outfile_open(&out, path, 0666, what) != 0)
        return KS_EIO;
    int rc = r->write(out.f, res, opts);
    /* A reporter's own error stands unless a write failed: then the
     * output's name and the system's reason say more. */
    if (rc && !ks_outfile_failed(&out)) {
        ks_outfile_abort(&out);
        return rc;
    }
    return ks_outfile_commit(&out, what);
}
