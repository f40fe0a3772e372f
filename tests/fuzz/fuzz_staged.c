/*
 * fuzz_staged.c - libFuzzer target: the staged source (scanner/source/
 * staged.c) over an index file: the input is written as the .git/index of
 * a repository made once, with no commit and a few blobs, and the source
 * opened as `keysift scan --staged` opens it (libgit2 reads the index;
 * keysift compares it with HEAD and marks the lines each file adds).
 */
#include "fuzz.h"
#include "source/git.h"
#include "source/source.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static char repo[300], index_path[340];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    ks_git_init();
    snprintf(repo, sizeof repo, "%s", fz_path("repo"));
    git_repository *r = NULL;
    if (git_repository_init(&r, repo, 0) != 0)
        fz_fail("git init %s: %s", repo, ks_git_errmsg());
    /* The blobs of the seed repository's files (scripts/fuzz), so that
     * an index naming them has contents to compare. */
    git_odb *odb = NULL;
    if (git_repository_odb(&odb, r) != 0)
        fz_fail("odb: %s", ks_git_errmsg());
    static const char *const blobs[] = {"password = hunter2\n", "token = tok_0000000000000001\n",
                                        ""};
    for (size_t i = 0; i < sizeof blobs / sizeof blobs[0]; i++) {
        git_oid id;
        git_odb_write(&id, odb, blobs[i], strlen(blobs[i]), GIT_OBJECT_BLOB);
    }
    git_odb_free(odb);
    git_repository_free(r);
    snprintf(index_path, sizeof index_path, "%s/.git/index", repo);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_write(index_path, data, size);
    ks_source src = {0};
    if (ks_staged_source_open(&src, repo) != 0) {
        const char *msg = ks_error_msg();
        FZ_CHECK(msg && *msg);
        return 0;
    }
    if (src.ops->diagnostics) {
        ks_diags d = {0};
        src.ops->diagnostics(src.impl, &d);
        ks_diags_dispose(&d);
    }
    ks_source_close(&src);
    return 0;
}
