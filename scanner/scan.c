/*
 * scan.c - ks_scan_run: the one order of a scan (see scan.h).
 *
 *   1. request     what was asked makes sense together
 *   2. config      .keysift.yaml (or the file named): excludes, rules,
 *                  disabled rules, severities, allowlist, support period;
 *                  a gitleaks configuration and .gitleaksignore
 *   3. rules       built-in, --rules files, the configuration's files,
 *                  the gitleaks configuration's rules
 *   4. engine      one compiled database (cached on disk)
 *   5. source      the file system, a git history, or the staged index
 *   6. pipeline    every blob through the workers: hits
 *   7. findings    the steps of findings.h, in their order; with several
 *                  images (top-level containers) their digests and what
 *                  they share (fleet.h)
 *   8. reporting   guidance (what each kind means), what was scanned
 */
#include "scan.h"

#include "config.h"
#include "core/dates.h"
#include "core/glob.h"
#include "core/sha256.h"
#include "findings/baseline.h"
#include "findings/fleet.h"
#include "findings/inventory.h"
#include "gitleaks.h"
#include "../formats/format.h"
#include "report/guidance.h"
#include "source/git.h"
#include "source/source.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* What one scan makes, released with its results or on failure. */
typedef struct scan {
    const ks_scan_request *req;
    ks_config conf;
    ks_gitleaks gl; /* gl.path NULL: none */
    char **excludes; /* the request's and the configuration's */
    size_t nexcludes;
    struct owned *own; /* what the results will keep */
    const ks_ruleset *rs;
    ks_engine *own_engine;
    const ks_engine *engine;
    ks_source src;
    ks_scan_config cfg;
} scan;

/* What the results keep after the scan. */
typedef struct owned {
    ks_ruleset rules;
    ks_guidance_set guidance;
} owned;

static void owned_free(void *p)
{
    owned *o = p;
    if (!o)
        return;
    ks_guidance_dispose(&o->guidance);
    ks_ruleset_dispose(&o->rules);
    free(o);
}

void ks_scan_request_init(ks_scan_request *req)
{
    memset(req, 0, sizeof *req);
    req->max_file_size = 256ull << 20;
    req->max_file_size_default = true;
    req->limits = ks_unpack_limits_default();
    req->fail_on = KS_SEV_LOW;
}

char *ks_default_cache_dir(void)
{
    const char *e = getenv("KEYSIFT_CACHE_DIR");
    if (e && *e)
        return ks_xstrdup(e);
    const char *x = getenv("XDG_CACHE_HOME");
    const char *h = getenv("HOME");
    if (x && *x)
        return ks_strdupf("%s/keysift", x);
    if (h && *h)
        return ks_strdupf("%s/.cache/keysift", h);
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* 1-5: before the pipeline                                                  */

static int check_request(const ks_scan_request *r)
{
    bool git = r->source == KS_SCAN_GIT, staged = r->source == KS_SCAN_STAGED;
    if ((git || staged) && r->npaths > 1)
        return ks_error_set(KS_EINVAL, "--%s takes one repository path", staged ? "staged" : "git");
    if (r->all_objects && (!git || r->range))
        return ks_error_set(KS_EINVAL,
                            "--all-objects goes with --git (whole history), not with --range");
    if (r->range && !git)
        return ks_error_set(KS_EINVAL, "a range goes with a git history scan");
    return 0;
}

static const char *root_path(const ks_scan_request *r)
{
    return r->npaths ? r->paths[0] : ".";
}

/* The configuration named, or .keysift.yaml in the scan root. */
static int load_config(scan *s)
{
    const ks_scan_request *r = s->req;
    char *found = NULL;
    const char *path = r->config_path;
    if (!path) {
        struct stat st;
        const char *root = root_path(r);
        if (strcmp(root, "-") != 0 && stat(root, &st) == 0 && S_ISDIR(st.st_mode)) {
            found = ks_strdupf("%s/.keysift.yaml", root);
            if (access(found, F_OK) == 0)
                path = found;
        }
    }
    int rc = 0;
    for (size_t i = 0; i < r->nexcludes; i++)
        s->excludes = ks_xrealloc(s->excludes, (s->nexcludes + 1) * sizeof(char *)),
        s->excludes[s->nexcludes++] = r->excludes[i];
    if (path && (rc = ks_config_load(&s->conf, path)) == 0)
        for (size_t i = 0; i < s->conf.nexcludes; i++)
            s->excludes = ks_xrealloc(s->excludes, (s->nexcludes + 1) * sizeof(char *)),
            s->excludes[s->nexcludes++] = s->conf.excludes[i];
    free(found);
    return rc;
}

/* The gitleaks configuration, found as gitleaks finds it (the file named,
 * $GITLEAKS_CONFIG, then the scan root), and .gitleaksignore beside it. */
static int load_gitleaks(scan *s)
{
    const ks_scan_request *r = s->req;
    if (r->rules)
        return 0;
    static const char *const names[] = {".gitleaks.toml", "gitleaks.toml", ".betterleaks.toml"};
    const char *root = root_path(r), *env = getenv("GITLEAKS_CONFIG");
    struct stat st;
    bool dir = strcmp(root, "-") != 0 && stat(root, &st) == 0 && S_ISDIR(st.st_mode);
    char *path = r->gitleaks_config ? ks_xstrdup(r->gitleaks_config)
                 : env && *env      ? ks_xstrdup(env)
                                    : NULL;
    for (size_t i = 0; !path && dir && i < sizeof names / sizeof *names; i++) {
        char *p = ks_strdupf("%s/%s", root, names[i]);
        if (access(p, F_OK) == 0)
            path = p;
        else
            free(p);
    }
    char *ignore = dir ? ks_strdupf("%s/.gitleaksignore", root) : NULL;
    bool have_ignore = ignore && access(ignore, F_OK) == 0;
    int rc = 0;
    if (path)
        rc = ks_gitleaks_load(&s->gl, path);
    if (!rc && have_ignore)
        rc = ks_gitleaks_load_ignore(&s->gl, ignore);
    if (!rc && dir)
        s->gl.root = ks_xstrdup(root);
    free(path);
    free(ignore);
    return rc;
}

/* Say what was read of the gitleaks configuration, and what was not. */
static void tell_gitleaks(const scan *s, size_t nrules)
{
    const ks_gitleaks *g = &s->gl;
    if (s->req->quiet)
        return;
    if (g->path)
        fprintf(stderr,
                "keysift: gitleaks configuration %s: %zu rule%s, %zu allowlist%s; keysift's own "
                "rules %s\n",
                g->path, nrules, nrules == 1 ? "" : "s", g->nallow, g->nallow == 1 ? "" : "s",
                g->use_default ? "too ([extend] useDefault)" : "not used (no [extend] useDefault)");
    if (g->ignore_path)
        fprintf(stderr, "keysift: %s: %zu accepted finding%s (gitleaks fingerprints)\n",
                g->ignore_path, g->nignore, g->nignore == 1 ? "" : "s");
    for (size_t i = 0; i < g->nignored; i++)
        fprintf(stderr, "keysift: warning: %s: ignored, keysift cannot honour it\n", g->ignored[i]);
}

static int load_rules(scan *s)
{
    const ks_scan_request *r = s->req;
    if (r->rules) {
        s->rs = r->rules;
        return 0;
    }
    ks_ruleset *rs = &s->own->rules;
    s->rs = rs;
    int rc = ks_ruleset_load_all(rs, r->rule_paths, r->nrule_paths);
    for (size_t i = 0; rc == 0 && i < s->conf.nrule_paths; i++)
        rc = ks_ruleset_load_path(rs, s->conf.rule_paths[i]);
    if (!rc)
        rc = ks_config_apply_rules(&s->conf, rs);
    size_t n = s->gl.nrules;
    if (!rc && s->gl.path)
        rc = ks_gitleaks_apply(&s->gl, rs);
    if (!rc)
        tell_gitleaks(s, n);
    return rc;
}

static int build_engine(scan *s)
{
    const ks_scan_request *r = s->req;
    if (r->engine) {
        s->engine = r->engine;
        return 0;
    }
    char *dir = r->no_cache ? NULL : r->cache_dir ? ks_xstrdup(r->cache_dir) : ks_default_cache_dir();
    ks_engine_opts eo = {
        .cache_dir = dir, .marks = ks_pipeline_marks, .nmarks = ks_pipeline_nmarks};
    int rc = ks_engine_new(&s->own_engine, s->rs, &eo);
    free(dir);
    s->engine = s->own_engine;
    return rc;
}

static int open_source(scan *s)
{
    const ks_scan_request *r = s->req;
    static char dot[] = ".";
    static char *const here[] = {dot};
    switch (r->source) {
    case KS_SCAN_GIT: {
        ks_git_opts go = {.repo = root_path(r),
                          .range = r->range,
                          .all_objects = r->all_objects,
                          .max_blob_size = r->max_file_size};
        return ks_git_source_open(&s->src, &go);
    }
    case KS_SCAN_STAGED:
        return ks_staged_source_open(&s->src, root_path(r));
    case KS_SCAN_FILES:
        break;
    }
    return r->npaths ? ks_fs_source_open(&s->src, r->paths, r->npaths)
                     : ks_fs_source_open(&s->src, here, 1);
}

static void configure(scan *s)
{
    const ks_scan_request *r = s->req;
    unsigned threads = r->threads;
    if (!threads) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        threads = n > 0 ? (unsigned)n : 1;
    }
    if (s->src.ops->threads)
        threads = s->src.ops->threads(s->src.impl, threads);
    s->cfg = (ks_scan_config){
        .rs = s->rs,
        .engine = s->engine,
        .threads = threads,
        .max_file_size = r->max_file_size,
        .max_file_size_default = r->max_file_size_default,
        .excludes = s->excludes,
        .nexcludes = s->nexcludes,
        .show_secrets = r->show_secrets,
        .no_decode = r->no_decode,
        .quiet = r->quiet,
        .progress = r->progress,
        .chunk_size = r->chunk_size,
        .limits = r->limits,
    };
    if (s->gl.nallow) {
        s->cfg.mark = ks_gitleaks_mark;
        s->cfg.mark_payload = &s->gl;
    }
}

/* ------------------------------------------------------------------------ */
/* 7: findings                                                               */

static size_t join_records(void *payload, const ks_source_key *key, ks_place where,
                           ks_prov_record **out)
{
    ks_source *src = payload;
    return src->ops->provenance(src->impl, key, where, out);
}

static void known_secrets(void *payload, const ks_secret_ref *secrets, size_t n, bool *known)
{
    ks_source *src = payload;
    src->ops->known(src->impl, secrets, n, known);
}

static void read_asset(void *payload, size_t i)
{
    ks_inventory_read(payload, i);
}

/* ------------------------------------------------------------------------ */
/* 7b: images (fleet.h)                                                      */

/* Formats that hold a key, not a system: a DER key or PKCS#12 file, a
 * Dropbear key, a Java key store is the key itself, not an image that
 * ships it (a folder of key files is no fleet). */
static bool firmware_container(const uint8_t *d, size_t n)
{
    static const char *const key_stores[] = {"der", "dropbear", "jks"};
    const ks_format *fmt = ks_format_sniff(d, n);
    if (!fmt)
        return false;
    for (size_t i = 0; i < sizeof key_stores / sizeof key_stores[0]; i++)
        if (strcmp(fmt->name, key_stores[i]) == 0)
            return false;
    return true;
}

typedef struct image_probe {
    char **paths;
    bool *is_image;
    char (*digest)[72];
} image_probe;

/* A candidate image: a top-level file. Read once more after the scan, in
 * 64 KiB pieces: its first piece says whether it is a container keysift
 * reads (ks_format_sniff), and the whole file gives its SHA-256. A
 * symbolic link named on the command line is followed, as the walk
 * follows it; those in a directory were left out by top_level_files. */
static void probe_image(void *payload, size_t i)
{
    image_probe *p = payload;
    int fd = open(p->paths[i], O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return; /* the walk warned about it */
    uint8_t *buf = ks_xmalloc(1u << 16);
    ks_sha256_ctx md;
    ks_sha256_init(&md);
    bool first = true, ok = true;
    for (;;) {
        ssize_t n = read(fd, buf, 1u << 16);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            ok = false;
            break;
        }
        if (first && !firmware_container(buf, (size_t)n))
            break;
        first = false;
        if (n == 0)
            break;
        ks_sha256_update(&md, buf, (size_t)n);
    }
    close(fd);
    free(buf);
    uint8_t h[32];
    ks_sha256_final(&md, h); /* releases the context whatever came of the file */
    if (first || !ok)
        return;
    memcpy(p->digest[i], "sha256:", 7);
    ks_hex(p->digest[i] + 7, h, 32);
    p->is_image[i] = true;
}

static int cmp_path(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Top-level files: the paths named that are regular files, and the
 * regular files directly under the directories named that the walk does
 * not exclude. */
static size_t top_level_files(const scan *s, char ***out)
{
    const ks_scan_request *r = s->req;
    char **v = NULL;
    size_t n = 0, cap = 0;
    for (size_t i = 0; i < r->npaths; i++) {
        struct stat st;
        const char *p = r->paths[i];
        if (strcmp(p, "-") == 0 || stat(p, &st) != 0)
            continue;
        if (S_ISREG(st.st_mode)) {
            ks_grow((void **)&v, &cap, n + 1, sizeof(char *));
            v[n++] = ks_xstrdup(p);
            continue;
        }
        DIR *d = S_ISDIR(st.st_mode) ? opendir(p) : NULL;
        if (!d)
            continue;
        /* As the walk names them: the directory without trailing slashes. */
        size_t l = strlen(p);
        while (l > 1 && p[l - 1] == '/')
            l--;
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
                continue;
            if (ks_path_excluded(s->excludes, s->nexcludes, e->d_name, e->d_name) ||
                fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
                continue;
            ks_grow((void **)&v, &cap, n + 1, sizeof(char *));
            v[n++] = ks_strdupf("%.*s%s%s", (int)l, p, p[l - 1] == '/' ? "" : "/", e->d_name);
        }
        closedir(d);
    }
    if (n > 1)
        qsort(v, n, sizeof(char *), cmp_path);
    /* A file named twice is one image. */
    size_t u = 0;
    for (size_t i = 0; i < n; i++) {
        if (u && strcmp(v[u - 1], v[i]) == 0)
            free(v[i]);
        else
            v[u++] = v[i];
    }
    *out = v;
    return u;
}

/* res->images: the top-level files that are containers, when there are
 * two or more. */
static void find_images(scan *s, ks_results *res)
{
    if (s->req->source != KS_SCAN_FILES)
        return;
    char **paths;
    size_t n = top_level_files(s, &paths);
    image_probe p = {paths, ks_xcalloc(n + 1, sizeof(bool)), ks_xcalloc(n + 1, 72)};
    size_t found = 0;
    if (n >= 2) {
        ks_pipeline_tasks(&s->cfg, n, probe_image, &p);
        for (size_t i = 0; i < n; i++)
            found += p.is_image[i];
    }
    if (found >= 2) {
        res->images = ks_xcalloc(found, sizeof(ks_image));
        for (size_t i = 0; i < n; i++) {
            if (!p.is_image[i])
                continue;
            ks_image *img = &res->images[res->nimages++];
            img->path = paths[i];
            paths[i] = NULL;
            memcpy(img->digest, p.digest[i], sizeof img->digest);
        }
    }
    for (size_t i = 0; i < n; i++)
        free(paths[i]);
    free(paths);
    free(p.is_image);
    free(p.digest);
}

static int accept_baseline(scan *s, ks_results *res)
{
    ks_baseline b;
    if (ks_baseline_load(&b, s->req->baseline_path) != 0)
        return KS_EINVAL;
    ks_baseline_check check = {.b = &b};
    ks_today(check.today);
    res->sum.baselined = ks_results_accept(res, ks_baseline_accepts, &check);
    ks_baseline_dispose(&b);
    return 0;
}

static int findings(scan *s, ks_scan_output *out, ks_results *res)
{
    ks_source *src = &s->src;
    ks_results_from_hits(res, out->lists, out->nlists);
    res->sum = out->sum;
    res->sum.warnings = 0;
    ks_results_add_diags(res, &out->diags);
    if (src->ops->diagnostics) {
        /* The source's own (enumeration, damaged packs) reach stderr here,
         * as the workers' do when they happen, whatever the format. */
        ks_diags d = {0};
        src->ops->diagnostics(src->impl, &d);
        for (size_t i = 0; i < d.n && !s->cfg.quiet; i++)
            fprintf(stderr, "keysift: warning: %s: %s\n", d.v[i].path, d.v[i].message);
        ks_results_add_diags(res, &d);
    }
    if (src->ops->describe)
        res->source = src->ops->describe(src->impl);
    if (src->ops->provenance)
        ks_results_join(res, join_records, src);
    if (src->ops->known)
        ks_results_drop_known(res, known_secrets, src);
    ks_results_context(res);
    size_t assets = ks_inventory_prepare(res);
    ks_pipeline_tasks(&s->cfg, assets, read_asset, res);
    ks_inventory_finish(res, (int64_t)time(NULL),
                        s->req->support_until ? s->req->support_until : s->conf.support_until);
    find_images(s, res);
    ks_fleet_share(res);
    ks_results_sort(res);
    res->sum.allowed += ks_results_accept(res, ks_config_accepts, &s->conf);
    if (s->gl.nallow || s->gl.nignore)
        res->sum.allowed +=
            ks_results_accept_locations(res, ks_gitleaks_accepts_location, &s->gl, "gitleaks");
    int rc = s->req->baseline_path ? accept_baseline(s, res) : 0;
    ks_fleet_count(res);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* 8: for the reports                                                        */

/* "sha256:<hex>" of a regular file, or NULL. */
static char *file_digest(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    ks_sha256_ctx md;
    ks_sha256_init(&md);
    unsigned char buf[65536], h[32];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        ks_sha256_update(&md, buf, n);
    ks_sha256_final(&md, h);
    bool ok = !ferror(f);
    fclose(f);
    if (!ok)
        return NULL;
    char *out = ks_xmalloc(7 + 65);
    memcpy(out, "sha256:", 7);
    ks_hex(out + 7, h, 32);
    return out;
}

/* "commit <id>" of a repository's HEAD, or NULL. */
static char *head_digest(const char *repo_path)
{
    git_repository *repo = NULL;
    git_oid oid;
    char *out = NULL;
    ks_git_init();
    if (git_repository_open_ext(&repo, repo_path, 0, NULL) == 0 &&
        git_reference_name_to_id(&oid, repo, "HEAD") == 0) {
        out = ks_xmalloc(8 + GIT_OID_HEXSZ + 1);
        memcpy(out, "commit ", 7);
        git_oid_tostr(out + 7, GIT_OID_HEXSZ + 1, &oid);
    }
    git_repository_free(repo);
    return out;
}

/* What the scan covered, for the evidence report. */
static void record_targets(const ks_scan_request *r, ks_results *res)
{
    size_t n = r->npaths ? r->npaths : 1;
    res->targets = ks_xcalloc(n, sizeof(char *));
    res->target_digest = ks_xcalloc(n, sizeof(char *));
    for (size_t i = 0; i < n; i++) {
        const char *p = r->npaths ? r->paths[i] : ".";
        res->targets[i] = ks_xstrdup(p);
        if (r->source != KS_SCAN_FILES)
            res->target_digest[i] = head_digest(p);
        else if (strcmp(p, "-") != 0)
            res->target_digest[i] = file_digest(p);
    }
    res->ntargets = n;
}

static int reporting(scan *s, ks_results *res, struct owned *own)
{
    /* Guidance is read only when there is something to explain: a clean
     * pre-commit run does not pay for parsing it. */
    if (res->nfindings && ks_guidance_load_builtin(&own->guidance) != 0)
        return KS_ERULE;
    res->guidance = &own->guidance;
    res->fail_on = s->req->fail_on;
    res->sum.rules = 0;
    for (size_t i = 0; i < s->rs->nrules; i++)
        if (!s->rs->rules[i].disabled)
            res->sum.rules++;
    if (s->req->targets)
        record_targets(s->req, res);
    return 0;
}

/* ------------------------------------------------------------------------ */

static void scan_dispose(scan *s)
{
    ks_source_close(&s->src);
    ks_engine_free(s->own_engine);
    ks_config_dispose(&s->conf);
    ks_gitleaks_dispose(&s->gl);
    free(s->excludes);
}

int ks_scan_run(const ks_scan_request *req, ks_results *res)
{
    scan s = {.req = req, .own = ks_xcalloc(1, sizeof(owned))};
    ks_scan_output out = {0};
    memset(res, 0, sizeof *res);
    int rc = check_request(req);
    if (!rc)
        rc = load_config(&s);
    if (!rc)
        rc = load_gitleaks(&s);
    if (!rc)
        rc = load_rules(&s);
    if (!rc)
        rc = build_engine(&s);
    if (!rc)
        rc = open_source(&s);
    if (rc)
        goto done;
    configure(&s);
    /* The results own the ruleset and the guidance from here. */
    res->rs = s.rs;
    res->owned = s.own;
    res->owned_free = owned_free;
    res->show_secrets = req->show_secrets;
    snprintf(res->ruleset_digest, sizeof res->ruleset_digest, "%s", ks_engine_digest(s.engine));
    if ((rc = ks_pipeline_run(&s.cfg, s.src.ops->run, s.src.impl, &out)) != 0) {
        char *why = ks_xstrdup(ks_error_msg());
        rc = ks_error_set(rc, "scan stopped: %s", why);
        free(why);
        goto done;
    }
    rc = findings(&s, &out, res);
    if (!rc)
        rc = reporting(&s, res, s.own);
done:
    ks_scan_output_dispose(&out);
    scan_dispose(&s); /* the engine first: it reads the ruleset as it goes */
    if (rc && !res->owned)
        owned_free(s.own);
    if (rc)
        ks_results_dispose(res); /* frees s.own when the results had it */
    return rc;
}
