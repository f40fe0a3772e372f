/*
 * hook.c - `keysift hook install`: the pre-commit hook of a repository.
 */
#include "git.h"

#include "../core/outfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define HOOK_MARKER "# keysift pre-commit hook"

/* Where git runs the repository's pre-commit hook from: core.hooksPath
 * wins over .git/hooks, as it does for git. */
static void hook_path(git_repository *repo, char *path, size_t cap)
{
    git_config *cfg = NULL;
    git_buf hooks = {0};
    if (git_repository_config(&cfg, repo) == 0 &&
        git_config_get_path(&hooks, cfg, "core.hooksPath") == 0) {
        const char *base = git_repository_workdir(repo);
        if (hooks.ptr[0] == '/' || !base)
            snprintf(path, cap, "%s/pre-commit", hooks.ptr);
        else
            snprintf(path, cap, "%s%s/pre-commit", base, hooks.ptr);
    } else {
        snprintf(path, cap, "%shooks/pre-commit", git_repository_path(repo));
    }
    git_buf_dispose(&hooks);
    git_config_free(cfg);
}

/* Is there a hook at `path` that is not keysift's? */
static bool foreign_hook(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    char head[4096];
    size_t n = fread(head, 1, sizeof head - 1, f);
    head[n] = '\0';
    fclose(f);
    return strstr(head, HOOK_MARKER) == NULL;
}

static void mkdirs_for(const char *file)
{
    char dir[4200];
    snprintf(dir, sizeof dir, "%s", file);
    char *slash = strrchr(dir, '/');
    if (!slash)
        return;
    *slash = '\0';
    for (char *p = dir + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(dir, 0755);
            *p = '/';
        }
    mkdir(dir, 0755);
}

int ks_hook_install(const char *repo_path, bool force, char *installed, size_t cap)
{
    git_repository *repo = NULL;
    char self[4096];
    ks_git_init();
    if (git_repository_open_ext(&repo, repo_path, 0, NULL) != 0)
        return ks_error_set(KS_EINVAL, "%s: not a git repository", repo_path);
    hook_path(repo, installed, cap);
    git_repository_free(repo);
    if (!force && foreign_hook(installed))
        return ks_error_set(KS_EINVAL,
                            "%s exists and is not keysift's: not overwritten (add a line\n"
                            "  `keysift scan --staged || exit 1` to it, or use --force to replace "
                            "it)",
                            installed);
    ssize_t sl = readlink("/proc/self/exe", self, sizeof self - 1);
    self[sl > 0 ? sl : 0] = '\0';
    mkdirs_for(installed);
    /* Written whole into place: a symlink at the hook's path is replaced,
     * never written through. */
    ks_outfile out;
    if (ks_outfile_open(&out, installed, 0755, "hook") != 0)
        return KS_EIO;
    fprintf(out.f,
            "#!/bin/sh\n" HOOK_MARKER " (written by `keysift hook install`).\n"
            "# Blocks a commit that adds a hardcoded secret; see `keysift --help`.\n"
            "KEYSIFT=\"%s\"\n"
            "[ -x \"$KEYSIFT\" ] || KEYSIFT=keysift\n"
            "exec \"$KEYSIFT\" scan --staged\n",
            self);
    if (fchmod(out.fd, 0755) != 0) {
        int rc = ks_error_set(KS_EIO, "%s: cannot write the hook: %s", installed, strerror(errno));
        ks_outfile_abort(&out);
        return rc;
    }
    if (ks_outfile_commit(&out, "hook") != 0)
        return KS_EIO;
    return 0;
}
