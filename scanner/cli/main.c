/*
 * main.c - keysift's entry point: the command, its options, and the
 * function that runs it (cli.h). Exit codes: 0 nothing at or above
 * --fail-on, 1 findings, 2 an error that stopped the scan.
 */
#include "cli.h"

#include <getopt.h>
#include <string.h>

/* `keysift CMD [SUB] [OPTIONS] [OPERANDS]`: sub-commands and how many
 * words precede the options. */
static int dispatch(int argc, char **argv, ks_cli_options *o)
{
    const char *cmd = argv[1], *sub = argc > 2 ? argv[2] : "";
    bool two = strcmp(cmd, "baseline") == 0 || strcmp(cmd, "rules") == 0 ||
               strcmp(cmd, "hook") == 0;
    if (strcmp(cmd, "baseline") == 0 && strcmp(sub, "create") != 0 &&
        strcmp(sub, "import-gitleaks") != 0)
        return ks_cli_die("baseline: expected 'create' or 'import-gitleaks', got '%s'", sub);
    if (strcmp(cmd, "rules") == 0 && strcmp(sub, "list") != 0 && strcmp(sub, "test") != 0)
        return ks_cli_die("rules: expected 'list' or 'test', got '%s'", sub);
    if (strcmp(cmd, "hook") == 0 && strcmp(sub, "install") != 0)
        return ks_cli_die("hook: expected 'install', got '%s'", sub);
    if (!two && strcmp(cmd, "scan") != 0 && strcmp(cmd, "diff") != 0)
        return ks_cli_die("unknown command '%s' (try 'keysift --help')", cmd);
    int skip = two ? 2 : 1, status = ks_cli_parse(argc - skip, argv + skip, o);
    if (status >= 0)
        return status;
    char **operands = argv + skip + optind;
    size_t n = (size_t)(argc - skip - optind);
    if (strcmp(cmd, "scan") == 0)
        return ks_cli_scan(o, operands, n);
    if (strcmp(cmd, "baseline") == 0 && strcmp(sub, "import-gitleaks") == 0) {
        if (n != 1)
            return ks_cli_die("baseline import-gitleaks: give one gitleaks JSON report");
        return ks_cli_baseline_import_gitleaks(o, operands[0]);
    }
    if (strcmp(cmd, "diff") == 0)
        return ks_cli_diff(o, operands, n);
    if (strcmp(cmd, "baseline") == 0)
        return ks_cli_baseline_create(o, operands, n);
    if (strcmp(cmd, "rules") == 0) {
        if (n)
            return ks_cli_die("rules %s: unexpected argument", sub);
        return strcmp(sub, "list") == 0 ? ks_cli_rules_list(o) : ks_cli_rules_test(o);
    }
    if (n > 1)
        return ks_cli_die("hook install: one repository path at most");
    return ks_cli_hook_install(o, n ? operands[0] : ".");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        ks_cli_usage(stderr);
        return EXIT_ERROR;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0)
        return ks_cli_version();
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        ks_cli_usage(stdout);
        return 0;
    }
    ks_cli_options o;
    ks_cli_options_init(&o);
    int status = dispatch(argc, argv, &o);
    ks_cli_options_dispose(&o);
    return status;
}
