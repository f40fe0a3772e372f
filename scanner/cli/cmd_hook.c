/*
 * cmd_hook.c - `keysift hook install`.
 */
#include "cli.h"

#include "../source/source.h"

int ks_cli_hook_install(ks_cli_options *o, const char *repo)
{
    char path[4096];
    if (ks_hook_install(repo, o->force, path, sizeof path) != 0)
        return ks_cli_die("%s", ks_error_msg());
    printf("keysift: pre-commit hook installed at %s\n", path);
    return 0;
}
