/*
 * json.c - JSON document and JSON Lines reporters (through jansson).
 *
 * The schema is documented in README.md ("JSON output"); change both.
 */
#include "report.h"

#include "../engine/engine.h"
#include "guidance.h"
#include "../findings/crypto.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static json_t *strv_json(const ks_strv *v)
{
    json_t *a = json_array();
    for (size_t i = 0; i < v->n; i++)
        json_array_append_new(a, ks_report_json_string(v->v[i]));
    return a;
}

/* What the finding means under the CRA and related standards. */
static json_t *guidance_json(const ks_guidance *g)
{
    json_t *o = json_object();
    json_object_set_new(o, "title", ks_report_json_string(g->title));
    json_object_set_new(o, "risk", ks_report_json_string(g->risk));
    json_t *cra = json_array();
    for (size_t i = 0; i < g->cra_ref.n; i++) {
        json_t *c = json_object();
        json_object_set_new(c, "ref", ks_report_json_string(g->cra_ref.v[i]));
        json_object_set_new(c, "text", ks_report_json_string(g->cra_text.v[i]));
        json_array_append_new(cra, c);
    }
    json_object_set_new(o, "cra", cra);
    json_object_set_new(o, "article14", ks_report_json_string(g->article14));
    json_object_set_new(o, "owasp_nhi", strv_json(&g->owasp_nhi));
    json_object_set_new(o, "cwe", strv_json(&g->cwe));
    json_object_set_new(o, "etsi_en_303_645", strv_json(&g->etsi));
    json_object_set_new(o, "nist_csf", strv_json(&g->nist_csf));
    json_object_set_new(o, "steps", strv_json(&g->steps));
    json_object_set_new(o, "firmware", ks_report_json_string(g->firmware));
    return o;
}

static json_t *offset_json(uint64_t off)
{
    return off == KS_NO_OFFSET ? json_null() : json_integer((json_int_t)off);
}

static json_t *hex_json(uint64_t v)
{
    char b[24];
    snprintf(b, sizeof b, "0x%llx", (unsigned long long)v);
    return json_string(b);
}

/* Where a location is inside an image or binary: the origin chain with the
 * secret's offset in each link, and ELF facts. */
static json_t *binloc_json(const ks_binloc *b)
{
    json_t *o = json_object();
    json_object_set_new(o, "file_offset", offset_json(b->file_offset));
    json_object_set_new(o, "vaddr", b->has_vaddr ? hex_json(b->vaddr) : json_null());
    json_object_set_new(o, "symbol", ks_report_json_string(b->symbol));
    json_object_set_new(o, "symbol_offset",
                        b->symbol ? json_integer((json_int_t)b->symbol_delta) : json_null());
    json_object_set_new(o, "encoding", json_string(b->encoding ? b->encoding : "ascii"));
    json_object_set_new(o, "strings", json_boolean(b->strings));
    json_t *chain = json_array();
    for (size_t i = 0; i < b->nchain; i++) {
        json_t *c = json_object();
        json_object_set_new(c, "name", ks_report_json_string(b->chain[i].name));
        json_object_set_new(c, "offset", offset_json(b->chain[i].offset));
        json_array_append_new(chain, c);
    }
    json_object_set_new(o, "origin", chain);
    return o;
}

static json_t *time_json(int64_t t)
{
    char b[32];
    time_t tt = (time_t)t;
    struct tm tm;
    if (!t || !gmtime_r(&tt, &tm))
        return json_null();
    strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return json_string(b);
}

static json_t *str_or_null(const char *s)
{
    return s && *s ? ks_report_json_string(s) : json_null();
}

/* What OpenSSL read of a key or certificate. */
static json_t *crypto_json(const ks_crypto *c)
{
    static const char *const types[] = {"", "private-key", "public-key", "certificate"};
    json_t *o = json_object();
    json_object_set_new(o, "type", json_string(types[c->type]));
    json_object_set_new(o, "format", json_string(c->format ? c->format : ""));
    json_object_set_new(o, "algorithm", str_or_null(c->algorithm));
    json_object_set_new(o, "bits", c->bits ? json_integer(c->bits) : json_null());
    json_object_set_new(o, "curve", str_or_null(c->curve));
    if (c->type == KS_ASSET_PRIVATE_KEY)
        json_object_set_new(o, "encrypted", json_boolean(c->encrypted));
    json_object_set_new(o, "public_key_sha256", str_or_null(c->spki_sha256));
    if (c->type == KS_ASSET_CERTIFICATE) {
        json_object_set_new(o, "subject", str_or_null(c->subject));
        json_object_set_new(o, "issuer", str_or_null(c->issuer));
        json_object_set_new(o, "serial", str_or_null(c->serial));
        json_object_set_new(o, "not_before", time_json(c->not_before));
        json_object_set_new(o, "not_after", time_json(c->not_after));
        json_object_set_new(o, "self_signed", json_boolean(c->self_signed));
        json_object_set_new(o, "ca", json_boolean(c->ca));
        json_object_set_new(o, "signature_algorithm", str_or_null(c->sig_alg));
        json_object_set_new(o, "sha256", str_or_null(c->sha256));
    }
    json_object_set_new(o, "linked", str_or_null(c->linked));
    return o;
}

/* A secret found in several images: which, and what else it is. */
static json_t *shared_json(const ks_results *res, const ks_finding *f)
{
    const ks_shared *sh = f->shared;
    json_t *o = json_object();
    json_object_set_new(o, "count", json_integer((json_int_t)sh->nimages));
    json_object_set_new(o, "rule_severity",
                        json_string(ks_severity_name(res->rs->rules[f->rule].severity)));
    json_t *imgs = json_array();
    for (size_t i = 0; i < sh->nimages; i++)
        json_array_append_new(imgs, ks_report_json_string(res->images[sh->images[i]].path));
    json_object_set_new(o, "images", imgs);
    json_t *m = json_array();
    for (size_t i = 0; i < sh->nmatches; i++)
        json_array_append_new(m, ks_report_json_string(sh->matches[i]));
    json_object_set_new(o, "matches", m);
    json_t *fps = json_array();
    for (size_t i = 0; i < sh->nmerged; i++)
        json_array_append_new(fps, json_string(sh->merged[i]));
    json_object_set_new(o, "merged", fps);
    const ks_guidance *g = ks_guidance_find(res->guidance, "shared-across-images");
    if (g)
        json_object_set_new(o, "guidance", guidance_json(g));
    return o;
}

static json_t *finding_json(const ks_results *res, const ks_finding *f)
{
    const ks_rule *r = &res->rs->rules[f->rule];
    json_t *o = json_object();
    json_object_set_new(o, "rule_id", json_string(r->id));
    json_object_set_new(o, "rule_name", json_string(r->name));
    json_object_set_new(o, "kind", json_string(r->kind));
    if (r->source)
        json_object_set_new(o, "source", json_string(r->source));
    json_object_set_new(o, "severity",
                        json_string(ks_severity_name(ks_finding_severity(res->rs, f))));
    json_object_set_new(o, "confidence", json_string(ks_confidence_name(f->confidence)));
    json_object_set_new(o, "fingerprint", json_string(f->fingerprint));
    /* A computed finding's value is a public description: never redacted. */
    bool shown = res->show_secrets || f->public_value;
    if (shown) {
        char *p = ks_printable(f->secret, f->secret_len);
        json_object_set_new(o, "secret", json_string(p));
        free(p);
    } else {
        json_object_set_new(o, "secret", json_string(f->redacted));
    }
    json_object_set_new(o, "secret_redacted", json_boolean(!shown));
    if (f->public_value)
        json_object_set_new(o, "public", json_true());
    json_object_set_new(o, "secret_length", json_integer((json_int_t)f->secret_len));
    json_t *v = json_object();
    if (f->checks & KS_CHECK_CHECKSUM_OK)
        json_object_set_new(v, "checksum", json_string("valid"));
    else if (f->checks & KS_CHECK_CHECKSUM_BAD)
        json_object_set_new(v, "checksum", json_string("invalid"));
    if (f->checks & KS_CHECK_STRUCTURE_OK)
        json_object_set_new(v, "structure", json_string("valid"));
    json_object_set_new(o, "validation", v);
    json_object_set_new(o, "remediation", ks_report_json_string(r->remediation));
    json_t *refs = json_array();
    for (size_t i = 0; i < r->nreferences; i++)
        json_array_append_new(refs, json_string(r->references[i]));
    json_object_set_new(o, "references", refs);
    const ks_guidance *g = ks_guidance_find(res->guidance, r->kind);
    if (g)
        json_object_set_new(o, "guidance", guidance_json(g));
    json_t *locs = json_array();
    for (size_t i = 0; i < f->nlocs; i++) {
        const ks_location *l = &f->locs[i];
        json_t *lo = json_object();
        bool lines = !(l->bin && l->bin->strings);
        json_object_set_new(lo, "path", ks_report_json_string(l->path));
        json_object_set_new(lo, "line", lines ? json_integer((json_int_t)l->line) : json_null());
        json_object_set_new(lo, "column",
                            lines ? json_integer((json_int_t)l->column) : json_null());
        json_object_set_new(lo, "offset", json_integer((json_int_t)l->offset));
        json_object_set_new(lo, "snippet", ks_report_json_string(l->snippet));
        if (l->key)
            json_object_set_new(lo, "key", ks_report_json_string(l->key));
        if (l->syntax)
            json_object_set_new(lo, "syntax", json_string(l->syntax));
        if (l->nencoding) {
            json_t *enc = json_array();
            for (unsigned k = 0; k < l->nencoding; k++)
                json_array_append_new(enc, json_string(l->encoding[k]));
            json_object_set_new(lo, "encoding", enc);
        }
        if (l->bin)
            json_object_set_new(lo, "binary", binloc_json(l->bin));
        if (l->prov) {
            const ks_provenance *p = l->prov;
            json_t *c = json_object();
            json_object_set_new(c, "blob", json_string(p->blob));
            json_object_set_new(c, "commit", p->commit[0] ? json_string(p->commit) : json_null());
            json_object_set_new(c, "author", ks_report_json_string(p->author));
            json_object_set_new(c, "time", p->commit[0] ? json_integer(p->time) : json_null());
            json_object_set_new(c, "summary", ks_report_json_string(p->summary));
            json_object_set_new(c, "at_head", json_boolean(p->at_head));
            json_object_set_new(c, "unreachable", json_boolean(p->unreachable));
            json_object_set_new(lo, "git", c);
        }
        json_array_append_new(locs, lo);
    }
    json_object_set_new(o, "locations", locs);
    if (f->crypto)
        json_object_set_new(o, "crypto", crypto_json(f->crypto));
    if (f->context) {
        json_t *c = json_object();
        json_object_set_new(c, "id", json_string(f->context->id));
        json_object_set_new(c, "note", json_string(f->context->note));
        json_object_set_new(o, "context", c);
    }
    if (f->present_at_head >= 0)
        json_object_set_new(o, "present_at_head", json_boolean(f->present_at_head == 1));
    if (f->shared)
        json_object_set_new(o, "shared", shared_json(res, f));
    return o;
}

int ks_report_jsonl(FILE *f, const ks_results *res, const ks_report_opts *opts)
{
    (void)opts;
    for (size_t i = 0; i < res->nfindings; i++) {
        int rc = ks_report_json_write(f, finding_json(res, &res->findings[i]), 0, "JSON Lines");
        if (rc)
            return rc;
    }
    return 0;
}

int ks_report_json(FILE *f, const ks_results *res, const ks_report_opts *opts)
{
    (void)opts;
    json_t *doc = json_object();
    json_t *tool = json_object();
    json_object_set_new(tool, "name", json_string("keysift"));
    json_object_set_new(tool, "version", json_string(KS_VERSION));
    json_object_set_new(tool, "ruleset_digest", json_string(res->ruleset_digest));
    json_object_set_new(doc, "tool", tool);
    json_object_set_new(doc, "source", ks_report_json_string(res->source));
    json_t *arr = json_array();
    for (size_t i = 0; i < res->nfindings; i++)
        json_array_append_new(arr, finding_json(res, &res->findings[i]));
    json_object_set_new(doc, "findings", arr);
    /* Certificates and public keys: what they are and where. */
    json_t *inv = json_array();
    for (size_t i = 0; i < res->ninventory; i++) {
        const ks_finding *it = &res->inventory[i];
        json_t *e = json_object();
        json_object_set_new(e, "rule_id", json_string(res->rs->rules[it->rule].id));
        json_object_set_new(e, "kind", json_string(res->rs->rules[it->rule].kind));
        json_object_set_new(e, "fingerprint", json_string(it->fingerprint));
        json_object_set_new(e, "crypto", it->crypto ? crypto_json(it->crypto) : json_null());
        json_t *locs = json_array();
        for (size_t j = 0; j < it->nlocs; j++) {
            json_t *l = json_object();
            const ks_location *lo = &it->locs[j];
            bool lines = !(lo->bin && lo->bin->strings);
            json_object_set_new(l, "path", ks_report_json_string(lo->path));
            json_object_set_new(l, "line", lines ? json_integer((json_int_t)lo->line) : json_null());
            json_object_set_new(l, "offset", json_integer((json_int_t)lo->offset));
            json_array_append_new(locs, l);
        }
        json_object_set_new(e, "locations", locs);
        json_array_append_new(inv, e);
    }
    json_object_set_new(doc, "inventory", inv);
    /* The images, when the scan covered several (README, "Secrets shared
     * across images"). */
    if (res->nimages) {
        json_t *imgs = json_array();
        for (size_t i = 0; i < res->nimages; i++) {
            const ks_image *im = &res->images[i];
            json_t *e = json_object();
            json_object_set_new(e, "path", ks_report_json_string(im->path));
            json_object_set_new(e, "sha256",
                                im->digest[0] ? json_string(im->digest + 7) : json_null());
            json_object_set_new(e, "findings", json_integer((json_int_t)im->findings));
            json_object_set_new(e, "shared_findings", json_integer((json_int_t)im->shared));
            json_array_append_new(imgs, e);
        }
        json_object_set_new(doc, "images", imgs);
    }
    json_object_set_new(doc, "support_until",
                        res->support_until ? time_json(res->support_until) : json_null());
    const ks_summary *s = &res->sum;
    json_t *sum = json_object();
    json_object_set_new(sum, "findings", json_integer((json_int_t)res->nfindings));
    json_object_set_new(sum, "files", json_integer((json_int_t)s->files));
    json_object_set_new(sum, "bytes", json_integer((json_int_t)s->bytes));
    json_object_set_new(sum, "skipped", json_integer((json_int_t)s->skipped));
    json_object_set_new(sum, "excluded", json_integer((json_int_t)s->excluded));
    json_object_set_new(sum, "warnings", json_integer((json_int_t)s->warnings));
    json_object_set_new(sum, "allowed", json_integer((json_int_t)s->allowed));
    json_object_set_new(sum, "baselined", json_integer((json_int_t)s->baselined));
    json_object_set_new(sum, "containers", json_integer((json_int_t)s->containers));
    json_object_set_new(sum, "not_unpacked", json_integer((json_int_t)s->not_unpacked));
    json_object_set_new(sum, "budget_hits", json_integer((json_int_t)s->budget_hits));
    json_object_set_new(sum, "elapsed_s", json_real(s->elapsed_s));
    json_object_set_new(sum, "threads", json_integer(s->threads));
    json_object_set_new(sum, "rules", json_integer((json_int_t)s->rules));
    json_object_set_new(doc, "summary", sum);
    json_t *warns = json_array();
    for (size_t i = 0; i < res->diags.n; i++) {
        json_t *w = json_object();
        json_object_set_new(w, "path", ks_report_json_string(res->diags.v[i].path));
        json_object_set_new(w, "message", ks_report_json_string(res->diags.v[i].message));
        json_array_append_new(warns, w);
    }
    json_object_set_new(doc, "warnings", warns);
    return ks_report_json_write(f, doc, 2, "JSON");
}
