/*
 * support.h - helpers shared by the unit tests: temporary trees, small
 * rulesets written inline, and running a scan to completion.
 */
#ifndef KS_TEST_SUPPORT_H
#define KS_TEST_SUPPORT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "engine/engine.h"
#include "scan.h"
#include "source/source.h"

/* A fresh temporary directory (removed by t_rmtree). */
char *t_tmpdir(void);
void t_rmtree(const char *dir);
/* Write a file under dir (making the directories of `name`); returns its
 * path (caller frees). */
char *t_write(const char *dir, const char *name, const void *data, size_t len);

/* Load YAML rules (fails the test on error). */
void t_rules(ks_ruleset *rs, const char *yaml);
ks_engine *t_engine(const ks_ruleset *rs);

/* Budgets t_scan uses (NULL: the defaults). */
extern const ks_unpack_limits *t_limits;

/* A request to scan paths with the given rules and engine, quietly, with
 * no size limit and t_limits. */
void t_request(ks_scan_request *req, const ks_ruleset *rs, const ks_engine *e, char **paths,
               size_t n, unsigned threads);
/* Scan paths with the given engine (ks_scan_run); chunk 0 = default. */
void t_scan(const ks_ruleset *rs, const ks_engine *e, char **paths, size_t n, size_t chunk,
            unsigned threads, ks_results *res);

/* Number of findings of a rule id. */
size_t t_count(const ks_results *res, const char *rule_id);
/* The finding of rule id whose secret equals s, or NULL. */
const ks_finding *t_find(const ks_results *res, const char *rule_id, const char *secret);

/* A GitHub-style token with a valid checksum: prefix + 30 chars + crc. */
void t_make_token(char *out, const char *prefix, unsigned seed);

#endif
