/*
 * support.c - see support.h.
 */
#include "support.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

char *t_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    char tmpl[4096];
    snprintf(tmpl, sizeof tmpl, "%s/keysift-test-XXXXXX", base && *base ? base : "/tmp");
    char *d = mkdtemp(tmpl);
    assert_non_null(d);
    return ks_xstrdup(d);
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(p);
}

void t_rmtree(const char *dir)
{
    nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

char *t_write(const char *dir, const char *name, const void *data, size_t len)
{
    size_t l = strlen(dir) + strlen(name) + 2;
    char *p = ks_xmalloc(l);
    snprintf(p, l, "%s/%s", dir, name);
    for (char *slash = strchr(p + strlen(dir) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        mkdir(p, 0755); /* the directories of `name` */
        *slash = '/';
    }
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    return p;
}

void t_rules(ks_ruleset *rs, const char *yaml)
{
    ks_ruleset_init(rs);
    int rc = ks_ruleset_load_buffer(rs, "test.yaml", (const uint8_t *)yaml, strlen(yaml));
    if (rc)
        fail_msg("rules: %s", ks_error_msg());
}

ks_engine *t_engine(const ks_ruleset *rs)
{
    ks_engine *e = NULL;
    ks_engine_opts o = {.cache_dir = NULL};
    if (ks_engine_new(&e, rs, &o) != 0)
        fail_msg("engine: %s", ks_error_msg());
    return e;
}

const ks_unpack_limits *t_limits;

void t_request(ks_scan_request *req, const ks_ruleset *rs, const ks_engine *e, char **paths,
               size_t n, unsigned threads)
{
    ks_scan_request_init(req);
    req->paths = paths;
    req->npaths = n;
    req->rules = rs;
    req->engine = e;
    req->threads = threads;
    req->max_file_size = 0;
    req->quiet = true;
    req->limits = t_limits ? *t_limits : ks_unpack_limits_default();
}

void t_scan(const ks_ruleset *rs, const ks_engine *e, char **paths, size_t n, size_t chunk,
            unsigned threads, ks_results *res)
{
    ks_scan_request req;
    t_request(&req, rs, e, paths, n, threads);
    req.chunk_size = chunk;
    if (ks_scan_run(&req, res) != 0)
        fail_msg("scan: %s", ks_error_msg());
}

size_t t_count(const ks_results *res, const char *rule_id)
{
    size_t n = 0;
    for (size_t i = 0; i < res->nfindings; i++)
        if (strcmp(res->rs->rules[res->findings[i].rule].id, rule_id) == 0)
            n++;
    return n;
}

const ks_finding *t_find(const ks_results *res, const char *rule_id, const char *secret)
{
    for (size_t i = 0; i < res->nfindings; i++) {
        const ks_finding *f = &res->findings[i];
        if (strcmp(res->rs->rules[f->rule].id, rule_id) == 0 && f->secret_len == strlen(secret) &&
            memcmp(f->secret, secret, f->secret_len) == 0)
            return f;
    }
    return NULL;
}

void t_make_token(char *out, const char *prefix, unsigned seed)
{
    static const char b62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    size_t pl = strlen(prefix);
    memcpy(out, prefix, pl);
    uint32_t x = seed * 2654435761u + 12345u;
    for (int i = 0; i < 30; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        out[pl + (size_t)i] = b62[x % 62];
    }
    uint32_t crc = (uint32_t)crc32(crc32(0L, Z_NULL, 0), (const Bytef *)out + pl, 30);
    for (int i = 5; i >= 0; i--) {
        out[pl + 30 + (size_t)i] = b62[crc % 62];
        crc /= 62;
    }
    out[pl + 36] = '\0';
}
