/*
 * cmd_version.c - `keysift --version`: the version, the commit it was
 * built from, and the libraries it runs with (core/version.h), one per
 * line, so a bug report says exactly what ran.
 */
#include "cli.h"

#include "../core/version.h"

int ks_cli_version(void)
{
    ks_version_component v[8];
    size_t n = ks_version_components(v, sizeof v / sizeof v[0]);
    printf("keysift %s\n", KS_VERSION);
    printf("  %-11s %s\n", "commit", ks_version_commit());
    for (size_t i = 0; i < n && i < sizeof v / sizeof v[0]; i++)
        printf("  %-11s %s\n", v[i].name, v[i].version);
    return fflush(stdout) == 0 ? 0 : EXIT_ERROR;
}
