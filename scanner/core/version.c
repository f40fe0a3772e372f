/*
 * version.c - keysift's build and the library versions it runs with. The
 * commit comes from ks_git_commit.h, which cmake/gitcommit.cmake rewrites
 * on every build only when the commit changed, so only this file rebuilds.
 */
#include "version.h"

#include "ks_git_commit.h"

#include <archive.h>
#include <git2.h>
#include <hs/hs.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

const char *ks_version_commit(void)
{
    return KS_GIT_COMMIT;
}

static const char *skip_prefix(const char *s, const char *prefix)
{
    size_t i = 0;
    while (prefix[i] && s[i] == prefix[i])
        i++;
    return prefix[i] ? s : s + i;
}

size_t ks_version_components(ks_version_component *out, size_t cap)
{
    ks_version_component v[5] = {
        {.name = "vectorscan"}, {.name = "pcre2"},      {.name = "libgit2"},
        {.name = "openssl"},    {.name = "libarchive"},
    };
    int major = 0, minor = 0, rev = 0;
    snprintf(v[0].version, sizeof v[0].version, "%s", hs_version());
    int need = pcre2_config(PCRE2_CONFIG_VERSION, NULL); /* code units, with the NUL */
    if (need <= 0 || (size_t)need > sizeof v[1].version ||
        pcre2_config(PCRE2_CONFIG_VERSION, v[1].version) < 0)
        snprintf(v[1].version, sizeof v[1].version, "unknown");
    git_libgit2_version(&major, &minor, &rev);
    snprintf(v[2].version, sizeof v[2].version, "%d.%d.%d", major, minor, rev);
    snprintf(v[3].version, sizeof v[3].version, "%s", OpenSSL_version(OPENSSL_VERSION_STRING));
    snprintf(v[4].version, sizeof v[4].version, "%s",
             skip_prefix(archive_version_string(), "libarchive "));
    size_t n = sizeof v / sizeof v[0];
    for (size_t i = 0; i < n; i++) { /* hs_version() ends in a space */
        size_t len = strlen(v[i].version);
        while (len && (v[i].version[len - 1] == ' ' || v[i].version[len - 1] == '\n'))
            v[i].version[--len] = '\0';
    }
    for (size_t i = 0; i < n && i < cap; i++)
        out[i] = v[i];
    return n;
}
