/*
 * cmd_rules.c - `keysift rules list` (text, or JSON for tools and the
 * README's table, scripts/rules_table.py) and `keysift rules test`: every
 * rule against its own examples and negative examples.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "cli.h"

#include "../core/glob.h"
#include "../core/outfile.h"
#include "../engine/engine.h"
#include "../findings/crypto.h"
#include "../report/guidance.h"
#include "../report/report.h"
#include "../scan.h"

#include <jansson.h>
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static json_t *strs_json(char *const *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, ks_report_json_string(v[i]));
    return a;
}

/* One rule as JSON: what it finds and how, never its examples (they hold
 * secrets, fake or not). Every key is present; null or [] when the rule
 * file leaves it out. */
static json_t *rule_json(const ks_rule *r)
{
    json_t *o = json_object(), *validators = json_array();
    for (unsigned b = 0; b < 32; b++) {
        const char *v = r->validators & (1u << b) ? ks_validator_name(1u << b) : NULL;
        if (v)
            json_array_append_new(validators, json_string(v));
    }
    json_object_set_new(o, "id", ks_report_json_string(r->id));
    json_object_set_new(o, "name", ks_report_json_string(r->name));
    json_object_set_new(o, "kind", ks_report_json_string(r->kind));
    json_object_set_new(o, "severity", json_string(ks_severity_name(r->severity)));
    json_object_set_new(o, "confidence", json_string(ks_confidence_name(r->confidence)));
    json_object_set_new(o, "enabled", json_boolean(!r->disabled));
    json_object_set_new(o, "file", ks_report_json_string(r->file));
    json_object_set_new(o, "line", json_integer(r->line));
    json_object_set_new(o, "pattern", ks_report_json_string(r->pattern));
    json_object_set_new(o, "secret_group", json_integer(r->secret_group));
    json_object_set_new(o, "check", ks_report_json_string(r->check));
    json_object_set_new(o, "inventory", json_boolean(r->inventory));
    json_object_set_new(o, "trigger", ks_report_json_string(r->trigger));
    json_object_set_new(o, "extract", ks_report_json_string(r->extract));
    json_object_set_new(o, "key_group", json_integer(r->key_group));
    json_object_set_new(o, "syntax", ks_report_json_string(r->syntax));
    json_object_set_new(o, "fallback", json_boolean(r->fallback));
    json_object_set_new(o, "keywords", strs_json(r->keywords, r->nkeywords));
    json_object_set_new(o, "entropy", r->entropy > 0 ? json_real(r->entropy) : json_null());
    json_object_set_new(o, "validators", validators);
    json_object_set_new(o, "paths", strs_json(r->paths, r->npaths));
    json_object_set_new(o, "references", strs_json(r->references, r->nreferences));
    json_object_set_new(o, "remediation", ks_report_json_string(r->remediation));
    return o;
}

/* --format json: one document; jsonl: one rule a line. */
static int list_json(FILE *out, const ks_ruleset *rs, bool lines)
{
    if (lines) {
        for (size_t i = 0; i < rs->nrules; i++)
            if (ks_report_json_write(out, rule_json(&rs->rules[i]), 0, "JSON Lines") != 0)
                return -1;
        return 0;
    }
    json_t *doc = json_object(), *tool = json_object(), *rules = json_array();
    json_object_set_new(tool, "name", json_string("keysift"));
    json_object_set_new(tool, "version", json_string(KS_VERSION));
    json_object_set_new(doc, "tool", tool);
    for (size_t i = 0; i < rs->nrules; i++)
        json_array_append_new(rules, rule_json(&rs->rules[i]));
    json_object_set_new(doc, "rules", rules);
    return ks_report_json_write(out, doc, 2, "JSON");
}

static void list_text(FILE *out, const ks_ruleset *rs)
{
    for (size_t i = 0; i < rs->nrules; i++) {
        const ks_rule *r = &rs->rules[i];
        fprintf(out, "%-34s %-9s %-7s %-23s %s%s%s\n", r->id, ks_severity_name(r->severity),
               ks_confidence_name(r->confidence), r->kind, r->name,
               r->disabled ? " (disabled)" : "", r->check      ? " (computed)"
                                                 : r->inventory ? " (inventory)"
                                                                : "");
    }
    fprintf(out, "%zu rules\n", rs->nrules);
}

int ks_cli_rules_list(ks_cli_options *o)
{
    const char *fmt = o->format ? o->format : "text";
    bool json = strcmp(fmt, "json") == 0, jsonl = strcmp(fmt, "jsonl") == 0;
    if (!json && !jsonl && strcmp(fmt, "text") != 0)
        return ks_cli_die("rules list: --format '%s' is not one of text, json, jsonl", fmt);
    ks_ruleset rs;
    ks_ruleset_init(&rs);
    if (ks_ruleset_load_all(&rs, o->rule_paths, o->nrule_paths) != 0) {
        ks_ruleset_dispose(&rs);
        return ks_cli_die("%s", ks_error_msg());
    }
    int rc = 0;
    ks_outfile out;
    ks_outfile_open_fd(&out, STDOUT_FILENO);
    if (json || jsonl)
        rc = list_json(out.f, &rs, jsonl);
    else
        list_text(out.f, &rs);
    if (rc && !ks_outfile_failed(&out))
        ks_outfile_abort(&out);
    else
        rc = ks_outfile_commit(&out, "rule list");
    ks_ruleset_dispose(&rs);
    return rc ? ks_cli_die("%s", ks_error_msg()) : 0;
}

typedef struct collect {
    const uint8_t *data;
    bool found;
    const char *want; /* expected secret, or NULL */
    bool secret_ok;
    bool private_key; /* the rule's kind: a match counts when OpenSSL reads the key */
} collect;

static int collect_match(const ks_match *m, void *payload)
{
    collect *c = payload;
    if (c->private_key) {
        /* As a scan does (findings/inventory.c): a private key in a PEM
         * armour OpenSSL reads, from which it reads no usable key while the
         * bytes say it is none, is not reported. */
        const uint8_t *sec = c->data + m->sstart;
        size_t sl = m->send - m->sstart;
        ks_crypto *k = ks_crypto_key_armour(sec, sl) ? ks_crypto_parse(sec, sl) : NULL;
        bool refuted = ks_crypto_key_armour(sec, sl) && !k && ks_crypto_key_refuted(sec, sl);
        ks_crypto_free(k);
        if (refuted)
            return 0;
    }
    c->found = true;
    if (c->want && strlen(c->want) == m->send - m->sstart &&
        memcmp(c->want, c->data + m->sstart, m->send - m->sstart) == 0)
        c->secret_ok = true;
    return 0;
}

/* An example with a `path` is in that file: a rule with `paths` applies
 * when they match it (and to an example that names no file). */
typedef struct example_file {
    const ks_ruleset *rs;
    const char *path;
} example_file;

static ks_applies example_applies(void *ctx, uint32_t rule)
{
    const example_file *x = ctx;
    const ks_rule *r = &x->rs->rules[rule];
    return !x->path || ks_rule_path_applies(r, x->path) ? KS_APPLIES_YES
                                                                        : KS_APPLIES_NO;
}

static bool run_example(const ks_engine *e, ks_scratch *s, const ks_ruleset *rs, uint32_t rule,
                        const ks_example *ex, collect *c)
{
    const uint8_t *d = (const uint8_t *)ex->text;
    size_t len = strlen(ex->text);
    example_file file = {rs, ex->path};
    ks_scan_args a = {.data = d,
                      .len = len,
                      .own_from = 0,
                      .own_to = len,
                      .flags = KS_SCAN_ONE_RULE | KS_SCAN_NO_SUPPRESS,
                      .only_rule = rule,
                      .applies = example_applies,
                      .applies_ctx = &file};
    memset(c, 0, sizeof *c);
    c->data = d;
    c->want = ex->secret;
    c->private_key = strcmp(rs->rules[rule].kind, "private-key") == 0;
    return ks_engine_scan(e, s, &a, collect_match, c) == 0;
}

/* A computed rule: its check must hold for every example (a PEM block or
 * key) and for no negative example, judged now with a support period of
 * 200 years. Returns the number of failures. */
static size_t test_check_rule(const ks_rule *r, size_t *nex, size_t *nneg)
{
    size_t failures = 0;
    int64_t now = (int64_t)time(NULL), until = now + 200ll * 365 * 86400;
    if (!ks_crypto_check_known(r->check)) {
        printf("FAIL %s (%s:%d): unknown check `%s`\n", r->id, r->file, r->line, r->check);
        return 1;
    }
    if (r->nexamples == 0 || r->nnegatives == 0) {
        printf("FAIL %s (%s:%d): every rule needs examples and negative_examples\n", r->id,
               r->file, r->line);
        failures++;
    }
    for (size_t j = 0; j < r->nexamples + r->nnegatives; j++) {
        bool positive = j < r->nexamples;
        const ks_example *ex = positive ? &r->examples[j] : &r->negatives[j - r->nexamples];
        ks_crypto *c = ks_crypto_parse((const uint8_t *)ex->text, strlen(ex->text));
        bool fires = c && ks_crypto_check(r->check, c, now, until);
        ks_crypto_free(c);
        (*(positive ? nex : nneg))++;
        if (fires != positive) {
            printf("FAIL %s (%s:%d): %s\n", r->id, r->file, ex->line,
                   positive ? "the check does not hold for this example"
                            : "the check holds for this negative example");
            failures++;
        }
    }
    return failures;
}

/* A rule with a trigger: every match of its pattern in the example must
 * hold a match of the trigger, or the engine would never see it. The
 * index of the first match that does not, or -1. */
static long trigger_misses(const pcre2_code *pat, const pcre2_code *trig, const char *text)
{
    pcre2_match_data *md = pcre2_match_data_create(1, NULL);
    long miss = -1;
    size_t len = strlen(text), pos = 0;
    while (pos <= len && pcre2_match(pat, (PCRE2_SPTR)text, len, pos, 0, md, NULL) >= 0) {
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        size_t ms = ov[0], me = ov[1];
        if (pcre2_match(trig, (PCRE2_SPTR)text, me, ms, 0, md, NULL) < 0) {
            miss = (long)ms;
            break;
        }
        pos = me > ms ? me : ms + 1;
    }
    pcre2_match_data_free(md);
    return miss;
}

static pcre2_code *compile(const char *re)
{
    int err;
    PCRE2_SIZE off;
    return re ? pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED, 0, &err, &off, NULL) : NULL;
}

/* A rule with a pattern: every example matches (with the secret it names),
 * no negative example does. Returns the number of failures. */
static size_t test_pattern_rule(const ks_engine *e, ks_scratch *s, const ks_ruleset *rs, size_t i,
                                size_t *nex, size_t *nneg)
{
    const ks_rule *r = &rs->rules[i];
    size_t failures = 0;
    if (ks_engine_rule_width(e, i) == SIZE_MAX) {
        printf("FAIL %s (%s:%d): pattern has no bounded width; write {0,N} instead of * or +\n",
               r->id, r->file, r->line);
        failures++;
    }
    if (r->nexamples == 0 || r->nnegatives == 0) {
        printf("FAIL %s (%s:%d): every rule needs examples and negative_examples\n", r->id,
               r->file, r->line);
        failures++;
    }
    /* Compiled once for the rule (the engine reports a pattern or trigger
     * that does not compile). */
    pcre2_code *pat = compile(r->trigger ? r->pattern : NULL), *trig = compile(r->trigger);
    for (size_t j = 0; j < r->nexamples; j++) {
        collect c;
        const ks_example *ex = &r->examples[j];
        (*nex)++;
        long miss = pat && trig ? trigger_misses(pat, trig, ex->text) : -1;
        if (miss >= 0) {
            printf("FAIL %s (%s:%d): the pattern matches at byte %ld where the trigger does not: "
                   "%s\n",
                   r->id, r->file, ex->line, miss, ex->text);
            failures++;
        } else if (!run_example(e, s, rs, (uint32_t)i, ex, &c) || !c.found) {
            printf("FAIL %s (%s:%d): example not matched: %s\n", r->id, r->file, ex->line,
                   ex->text);
            failures++;
        } else if (ex->secret && !c.secret_ok) {
            printf("FAIL %s (%s:%d): example matched but the secret is not '%s'\n", r->id, r->file,
                   ex->line, ex->secret);
            failures++;
        }
    }
    pcre2_code_free(pat);
    pcre2_code_free(trig);
    for (size_t j = 0; j < r->nnegatives; j++) {
        collect c;
        const ks_example *ex = &r->negatives[j];
        (*nneg)++;
        if (!run_example(e, s, rs, (uint32_t)i, ex, &c) || c.found) {
            printf("FAIL %s (%s:%d): negative example matched: %s\n", r->id, r->file, ex->line,
                   ex->text);
            failures++;
        }
    }
    return failures;
}

static int build_engine(const ks_cli_options *o, const ks_ruleset *rs, ks_engine **e)
{
    char *dir = o->no_cache ? NULL : o->cache_dir ? ks_xstrdup(o->cache_dir) : ks_default_cache_dir();
    ks_engine_opts eo = {.cache_dir = dir};
    int rc = ks_engine_new(e, rs, &eo);
    free(dir);
    return rc;
}

int ks_cli_rules_test(ks_cli_options *o)
{
    ks_ruleset rs;
    ks_engine *e = NULL;
    ks_scratch *s = NULL;
    ks_guidance_set guidance = {0};
    size_t failures = 0, nex = 0, nneg = 0, nrules = 0;
    int status = EXIT_ERROR;

    ks_ruleset_init(&rs);
    if (ks_ruleset_load_all(&rs, o->rule_paths, o->nrule_paths) != 0 ||
        build_engine(o, &rs, &e) != 0 || ks_scratch_new(&s, e) != 0 ||
        ks_guidance_load_builtin(&guidance) != 0) {
        ks_cli_die("%s", ks_error_msg());
        goto done;
    }
    for (size_t i = 0; i < rs.nrules; i++) {
        const ks_rule *r = &rs.rules[i];
        if (r->disabled)
            continue;
        nrules++;
        if (!ks_guidance_find(&guidance, r->kind)) {
            printf("FAIL %s (%s:%d): no guidance for kind `%s` in rules/guidance/\n", r->id,
                   r->file, r->line, r->kind);
            failures++;
        }
        size_t before = failures;
        failures += r->check ? test_check_rule(r, &nex, &nneg)
                             : test_pattern_rule(e, s, &rs, i, &nex, &nneg);
        if (o->quiet || failures != before)
            continue;
        if (r->check)
            printf("ok   %s (computed: %s)\n", r->id, r->check);
        else
            printf("ok   %s%s\n", r->id,
                   ks_engine_rule_prefilter(e, i) ? " (Vectorscan prefilter mode)" : "");
    }
    printf("%zu rules, %zu examples, %zu negative examples: %zu failure%s\n", nrules, nex, nneg,
           failures, failures == 1 ? "" : "s");
    status = failures ? EXIT_FINDINGS : 0;
done:
    ks_guidance_dispose(&guidance);
    ks_scratch_free(s);
    ks_engine_free(e);
    ks_ruleset_dispose(&rs);
    return status;
}
