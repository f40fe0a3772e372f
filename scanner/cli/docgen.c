/*
 * docgen.c - keysift-docgen, a build tool (never installed): writes the man
 * page and the bash, zsh and fish completions from the tables of options.c,
 * the same tables getopt_long and --help use, so none of them can drift
 * from what the program accepts.
 *
 *   keysift-docgen man OUT DATE | bash OUT | zsh OUT | fish OUT
 *
 * It also refuses a table that is not sorted or has a name twice, so the
 * build fails on it.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#define MAX_VALUES 16

typedef struct command {
    const char *words; /* "rules list" */
    const char *first; /* "rules" */
    const char *sub;   /* "list", or NULL */
    const char *id;    /* "rules_list": a name for shell code */
    unsigned bit;
    const char *operands; /* what follows the options: "file", "dir" or NULL */
} command;

static const command commands[] = {
    {"scan", "scan", NULL, "scan", KS_CMD_SCAN, "file"},
    {"diff", "diff", NULL, "diff", KS_CMD_DIFF, "file"},
    {"baseline create", "baseline", "create", "baseline_create", KS_CMD_BASELINE, "file"},
    {"baseline import-gitleaks", "baseline", "import-gitleaks", "baseline_import_gitleaks",
     KS_CMD_BASELINE_IMPORT, "file"},
    {"hook install", "hook", "install", "hook_install", KS_CMD_HOOK, "dir"},
    {"rules list", "rules", "list", "rules_list", KS_CMD_RULES_LIST, NULL},
    {"rules test", "rules", "test", "rules_test", KS_CMD_RULES_TEST, NULL},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static const char *summary_of(unsigned bit)
{
    for (const ks_cli_usage_line *u = ks_cli_usage_table; u->words; u++)
        if (u->command == bit)
            return u->summary;
    return "";
}

static int check_tables(void)
{
    const ks_cli_option *t = ks_cli_option_table;
    size_t n = 0;
    while (t[n].name)
        n++;
    if (n + 1 >= KS_CLI_MAX_OPTIONS) {
        fprintf(stderr, "keysift-docgen: options.c: %zu options: raise KS_CLI_MAX_OPTIONS\n", n);
        return -1;
    }
    for (size_t i = 0; t[i].name; i++) {
        if (t[i + 1].name && strcmp(t[i].name, t[i + 1].name) >= 0) {
            fprintf(stderr, "keysift-docgen: options.c: '%s' before '%s': keep the table sorted\n",
                    t[i].name, t[i + 1].name);
            return -1;
        }
        if ((t[i].arg == KS_ARG_NONE) != (t[i].metavar == NULL)) {
            fprintf(stderr, "keysift-docgen: options.c: '%s': a metavar iff an argument\n",
                    t[i].name);
            return -1;
        }
    }
    return 0;
}

/* ---- roff -------------------------------------------------------------- */

/* Text for roff: backslashes and minus signs escaped, a line never starts
 * with a control character. */
static void roff(FILE *f, const char *s)
{
    bool bol = true;
    for (; *s; s++) {
        if (bol && (*s == '.' || *s == '\''))
            fputs("\\&", f);
        bol = *s == '\n';
        if (*s == '\\')
            fputs("\\e", f);
        else if (*s == '-')
            fputs("\\-", f);
        else
            fputc(*s, f);
    }
}

static void man_option(FILE *f, const ks_cli_option *opt)
{
    const char *vals[MAX_VALUES], *list[MAX_VALUES];
    fputs(".TP\n", f);
    if (opt->short_name)
        fprintf(f, "\\fB\\-%c\\fR, ", opt->short_name);
    fputs("\\fB\\%\\-\\-", f);
    roff(f, opt->name);
    fputs("\\fR", f);
    if (opt->metavar) {
        fputs(" \\fI", f);
        roff(f, opt->metavar);
        fputs("\\fR", f);
    }
    fputc('\n', f);
    roff(f, opt->help);
    fputs(".\n", f);
    size_t n = ks_cli_option_values(opt, KS_CMD_SCAN, vals, MAX_VALUES);
    if (n) {
        fputs("Values: ", f);
        for (size_t i = 0; i < n && i < MAX_VALUES; i++) {
            fputs(i ? ",\n\\fB\\%" : "\\fB\\%", f);
            roff(f, vals[i]);
            fputs("\\fR", f);
        }
        static const struct {
            unsigned bit;
            const char *words;
        } others[] = {{KS_CMD_RULES_LIST, "rules list"}, {KS_CMD_DIFF, "diff"}};
        for (size_t c = 0; c < sizeof others / sizeof others[0]; c++) {
            size_t m = ks_cli_option_values(opt, others[c].bit, list, MAX_VALUES);
            if (!(opt->commands & others[c].bit) || !m)
                continue;
            fprintf(f, " (%s: ", others[c].words);
            for (size_t i = 0; i < m && i < MAX_VALUES; i++) {
                fputs(i ? ",\n\\fB\\%" : "\\fB\\%", f);
                roff(f, list[i]);
                fputs("\\fR", f);
            }
            fputs(")", f);
        }
        fputs(".\n", f);
    }
    if (opt->commands != KS_CMD_ALL) {
        fputs("Commands:", f);
        size_t k = 0;
        for (size_t c = 0; c < NCOMMANDS; c++)
            if (opt->commands & commands[c].bit)
                fprintf(f, "%s %s", k++ ? "," : "", commands[c].words);
        fputs(".\n", f);
    }
}

static const char man_description[] =
    "keysift finds hardcoded credentials (API keys, tokens, passwords, private keys,\n"
    "certificates) in source trees, in the whole history of git repositories, and\n"
    "inside firmware images and ELF binaries, and reports each finding with what to\n"
    "revoke and how to rotate it.\n"
    "Every rule matches in one Vectorscan pass over each file; a hit is confirmed by\n"
    "PCRE2 on a small window, then checked (entropy, placeholders, token checksums,\n"
    "JWT and PEM structure, keys read with OpenSSL) before it is reported.\n"
    "Secrets are redacted in every output unless --show-secrets is given.\n";

static const char man_tail[] =
    ".SH EXIT STATUS\n"
    ".TP\n.B 0\nno finding at or above \\fB\\-\\-fail\\-on\\fR.\n"
    ".TP\n.B 1\nfindings (for \\fBdiff\\fR: new findings; for \\fBhook install\\fR and\n"
    "\\fBrules test\\fR: a failure).\n"
    ".TP\n.B 2\nan error that stopped the scan: a bad option, an unreadable or invalid rule\n"
    "file, a missing path, an output that cannot be written, a report \\fBdiff\\fR\n"
    "cannot read;\n"
    "a one-line message names it.\n"
    ".SH ENVIRONMENT\n"
    ".TP\n.B KEYSIFT_CACHE_DIR\nwhere the compiled rule database is cached, unless\n"
    "\\fB\\-\\-cache\\-dir\\fR is given.\n"
    ".TP\n.B XDG_CACHE_HOME\nthe cache is \\fI$XDG_CACHE_HOME/keysift\\fR when\n"
    "\\fBKEYSIFT_CACHE_DIR\\fR is not set (else \\fI~/.cache/keysift\\fR).\n"
    ".SH FILES\n"
    ".TP\n.I .keysift.yaml\nthe project configuration at the root of a scan: path excludes,\n"
    "rules to disable, the support period (see \\fB\\-\\-config\\fR).\n"
    ".TP\n.I .git/hooks/pre\\-commit\nwritten by \\fBkeysift hook install\\fR; it runs\n"
    "\\fBkeysift scan \\-\\-staged\\fR.\n"
    ".SH EXAMPLES\n"
    "Scan a source tree, failing on high and critical findings:\n"
    ".PP\n.RS\n\\fBkeysift scan \\-\\-fail\\-on high src/\\fR\n.RE\n"
    ".PP\nThe commits of a pull request, as SARIF for code scanning:\n"
    ".PP\n.RS\n\\fBkeysift scan \\-\\-git \\-\\-range origin/main..HEAD \\-\\-format sarif "
    "\\-o keysift.sarif\\fR\n.RE\n"
    ".PP\nA firmware image, with the CRA evidence report:\n"
    ".PP\n.RS\n\\fBkeysift scan \\-\\-format cra \\-o evidence.md build/firmware.img\\fR\n.RE\n"
    ".PP\nA directory of firmware releases: secrets shared across the images, then what\n"
    "the next release changes:\n"
    ".PP\n.RS\n\\fBkeysift scan \\-\\-format json \\-o v1.json releases/\\fR\n.br\n"
    "\\fBkeysift diff v1.json v2.json\\fR\n.RE\n"
    ".SH SEE ALSO\n"
    ".BR git (1),\n"
    ".BR githooks (5).\n"
    "The README (\\fI/usr/share/doc/keysift/README.md\\fR) describes the rules, the\n"
    "reports and their fields.\n";

static void write_man(FILE *f, const char *date)
{
    fputs(".\\\" Generated by keysift-docgen from scanner/cli/options.c: do not edit.\n", f);
    fprintf(f, ".TH KEYSIFT 1 %s \"keysift %s\" \"User Commands\"\n", date, KS_VERSION);
    fputs(".SH NAME\nkeysift \\- find hardcoded credentials in source trees, git history and "
          "firmware\n.SH SYNOPSIS\n",
          f);
    for (const ks_cli_usage_line *u = ks_cli_usage_table; u->words; u++) {
        fputs(u == ks_cli_usage_table ? "" : ".br\n", f);
        fprintf(f, "\\fBkeysift %s\\fR ", u->words);
        roff(f, u->synopsis);
        fputc('\n', f);
    }
    fputs(".br\n\\fBkeysift\\fR \\-\\-version | \\-\\-help\n.SH DESCRIPTION\n", f);
    roff(f, man_description);
    fputs(".SH COMMANDS\n", f);
    for (size_t c = 0; c < NCOMMANDS; c++) {
        fprintf(f, ".SS %s\n", commands[c].words);
        for (const ks_cli_usage_line *u = ks_cli_usage_table; u->words; u++) {
            if (u->command != commands[c].bit)
                continue;
            fprintf(f, ".TP\n\\fBkeysift %s\\fR ", u->words);
            roff(f, u->synopsis);
            fputc('\n', f);
            roff(f, u->summary);
            fputs(".\n", f);
        }
        fputs(".PP\nOptions:", f);
        size_t k = 0;
        for (const ks_cli_option *o = ks_cli_option_table; o->name; o++)
            if ((o->commands & commands[c].bit) && o->commands != KS_CMD_ALL) {
                fprintf(f, "%s\n\\fB\\%%\\-\\-", k++ ? "," : "");
                roff(f, o->name);
                fputs("\\fR", f);
            }
        fputs(".\n", f);
    }
    fputs(".SH OPTIONS\n", f);
    const char *group = NULL;
    for (int pass = 0; pass < 2; pass++)
        for (const ks_cli_option *o = ks_cli_option_table; o->name; o++) {
            if ((o->group != NULL) != (pass == 1))
                continue;
            if (o->group && o->group != group) {
                fputs(".SS ", f);
                roff(f, group = o->group);
                fputc('\n', f);
            }
            man_option(f, o);
        }
    fputs(man_tail, f);
}

/* ---- shells ------------------------------------------------------------ */

/* The values of `o` under `c`, space-separated. */
static void values_words(FILE *f, const ks_cli_option *o, unsigned bit)
{
    const char *vals[MAX_VALUES];
    size_t n = ks_cli_option_values(o, bit, vals, MAX_VALUES);
    for (size_t i = 0; i < n && i < MAX_VALUES; i++)
        fprintf(f, "%s%s", i ? " " : "", vals[i]);
}

/* An option's help as one short description for a shell: its lines
 * joined, up to the first "; " or ". ", at most 72 bytes (cut at a space),
 * quoted for the shell: `fish` escapes ' and \ for a '...' string, `zsh`
 * closes and reopens the string for a ' and drops the []: that _arguments
 * reads. */
static void help_line(FILE *f, const char *help, const char *shell)
{
    size_t n = 0;
    while (help[n] &&
           !((help[n] == ';' || help[n] == '.') && (help[n + 1] == ' ' || help[n + 1] == '\n')))
        n++;
    if (n > 72) {
        n = 72;
        while (n && help[n] != ' ' && help[n] != '\n')
            n--;
    }
    bool zsh = strcmp(shell, "zsh") == 0;
    for (size_t i = 0; i < n; i++) {
        char c = help[i] == '\n' ? ' ' : help[i];
        if (c == '\'' && zsh)
            fputs("'\\''", f);
        else if (zsh && strchr("[]:\\", c))
            continue;
        else if (!zsh && (c == '\'' || c == '\\'))
            fprintf(f, "\\%c", c);
        else
            fputc(c, f);
    }
}

static void write_bash(FILE *f)
{
    fputs("# bash completion for keysift. Generated by keysift-docgen from\n"
          "# scanner/cli/options.c: do not edit.\n"
          "# shellcheck shell=bash\n\n"
          "_keysift()\n{\n"
          "    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} cmd\n"
          "    COMPREPLY=()\n"
          "    # --opt=value: bash splits it at '=' (COMP_WORDBREAKS)\n"
          "    if [[ $cur == = ]]; then\n"
          "        cur=\n"
          "    elif [[ $prev == = ]] && ((COMP_CWORD > 1)); then\n"
          "        prev=${COMP_WORDS[COMP_CWORD-2]}\n"
          "    fi\n"
          "    if ((COMP_CWORD == 1)); then\n"
          "        mapfile -t COMPREPLY < <(compgen -W 'scan diff baseline hook rules help version "
          "--help --version' -- \"$cur\")\n"
          "        return 0\n"
          "    fi\n"
          "    case ${COMP_WORDS[1]} in\n"
          "    scan | diff) cmd=${COMP_WORDS[1]} ;;\n"
          "    baseline | hook | rules)\n"
          "        if ((COMP_CWORD == 2)); then\n"
          "            local subs\n"
          "            case ${COMP_WORDS[1]} in\n",
          f);
    const char *firsts[] = {"baseline", "hook", "rules"};
    for (size_t i = 0; i < 3; i++) {
        fprintf(f, "            %s) subs='", firsts[i]);
        size_t k = 0;
        for (size_t c = 0; c < NCOMMANDS; c++)
            if (commands[c].sub && strcmp(commands[c].first, firsts[i]) == 0)
                fprintf(f, "%s%s", k++ ? " " : "", commands[c].sub);
        fputs("' ;;\n", f);
    }
    fputs("            esac\n"
          "            mapfile -t COMPREPLY < <(compgen -W \"$subs\" -- \"$cur\")\n"
          "            return 0\n"
          "        fi\n"
          "        cmd=${COMP_WORDS[1]}_${COMP_WORDS[2]}\n"
          "        ;;\n"
          "    *) return 0 ;;\n"
          "    esac\n"
          "    # the argument of an option\n"
          "    case $cmd:$prev in\n",
          f);
    for (size_t c = 0; c < NCOMMANDS; c++)
        for (const ks_cli_option *o = ks_cli_option_table; o->name; o++) {
            if (!(o->commands & commands[c].bit) || o->arg == KS_ARG_NONE)
                continue;
            fprintf(f, "    %s:--%s", commands[c].id, o->name);
            if (o->short_name)
                fprintf(f, " | %s:-%c", commands[c].id, o->short_name);
            fputs(")\n", f);
            switch (o->arg) {
            case KS_ARG_ENUM:
                fputs("        mapfile -t COMPREPLY < <(compgen -W '", f);
                values_words(f, o, commands[c].bit);
                fputs("' -- \"$cur\")\n", f);
                break;
            case KS_ARG_FILE:
            case KS_ARG_PATH:
                fputs("        compopt -o filenames 2>/dev/null\n"
                      "        mapfile -t COMPREPLY < <(compgen -f -- \"$cur\")\n",
                      f);
                break;
            case KS_ARG_DIR:
                fputs("        compopt -o filenames 2>/dev/null\n"
                      "        mapfile -t COMPREPLY < <(compgen -d -- \"$cur\")\n",
                      f);
                break;
            default:
                break; /* free text: nothing to offer */
            }
            fputs("        return 0\n        ;;\n", f);
        }
    fputs("    esac\n"
          "    if [[ $cur == -* ]]; then\n"
          "        local opts\n"
          "        case $cmd in\n",
          f);
    for (size_t c = 0; c < NCOMMANDS; c++) {
        fprintf(f, "        %s) opts='", commands[c].id);
        size_t k = 0;
        for (const ks_cli_option *o = ks_cli_option_table; o->name; o++)
            if (o->commands & commands[c].bit) {
                fprintf(f, "%s--%s", k++ ? " " : "", o->name);
                if (o->short_name)
                    fprintf(f, " -%c", o->short_name);
            }
        fputs("' ;;\n", f);
    }
    fputs("        esac\n"
          "        mapfile -t COMPREPLY < <(compgen -W \"$opts\" -- \"$cur\")\n"
          "        return 0\n"
          "    fi\n"
          "    case $cmd in\n",
          f);
    for (size_t c = 0; c < NCOMMANDS; c++)
        if (commands[c].operands)
            fprintf(f,
                    "    %s)\n"
                    "        compopt -o filenames 2>/dev/null\n"
                    "        mapfile -t COMPREPLY < <(compgen -%c -- \"$cur\")\n"
                    "        ;;\n",
                    commands[c].id, commands[c].operands[0] == 'd' ? 'd' : 'f');
    fputs("    esac\n"
          "    return 0\n"
          "}\n"
          "complete -F _keysift keysift\n",
          f);
}

static void write_zsh(FILE *f)
{
    fputs("#compdef keysift\n"
          "# zsh completion for keysift. Generated by keysift-docgen from\n"
          "# scanner/cli/options.c: do not edit.\n\n"
          "_keysift() {\n"
          "    local cmd\n"
          "    if (( CURRENT == 2 )); then\n"
          "        local -a cmds\n"
          "        cmds=(\n",
          f);
    const char *firsts[] = {"scan", "diff", "baseline", "hook", "rules"};
    for (size_t i = 0; i < 5; i++) {
        fprintf(f, "            '%s:", firsts[i]);
        for (size_t c = 0; c < NCOMMANDS; c++)
            if (strcmp(commands[c].first, firsts[i]) == 0) {
                help_line(f, summary_of(commands[c].bit), "zsh");
                break;
            }
        fputs("'\n", f);
    }
    fputs("            'help:print the usage and options'\n"
          "            'version:print the version, the commit and the libraries'\n"
          "        )\n"
          "        _describe -t commands 'keysift command' cmds\n"
          "        return\n"
          "    fi\n"
          "    case $words[2] in\n"
          "    scan|diff) cmd=$words[2]; shift words; (( CURRENT-- )) ;;\n"
          "    baseline|hook|rules)\n"
          "        if (( CURRENT == 3 )); then\n"
          "            case $words[2] in\n",
          f);
    for (size_t i = 2; i < 5; i++) {
        fprintf(f, "            %s) compadd --", firsts[i]);
        for (size_t c = 0; c < NCOMMANDS; c++)
            if (commands[c].sub && strcmp(commands[c].first, firsts[i]) == 0)
                fprintf(f, " %s", commands[c].sub);
        fputs(" ;;\n", f);
    }
    fputs("            esac\n"
          "            return\n"
          "        fi\n"
          "        cmd=${words[2]}_${words[3]}; shift 2 words; (( CURRENT -= 2 ))\n"
          "        ;;\n"
          "    *) return 1 ;;\n"
          "    esac\n"
          "    case $cmd in\n",
          f);
    for (size_t c = 0; c < NCOMMANDS; c++) {
        fprintf(f, "    %s)\n        _arguments -s -S \\\n", commands[c].id);
        for (const ks_cli_option *o = ks_cli_option_table; o->name; o++) {
            if (!(o->commands & commands[c].bit))
                continue;
            /* the help says when an option may be given more than once */
            bool many = strstr(o->help, "(repeatable)") != NULL;
            const char *eq = o->arg == KS_ARG_NONE ? "" : "=";
            fputs("            ", f);
            if (o->short_name && !many)
                fprintf(f, "'(-%c --%s)'{-%c%s,--%s%s}'[", o->short_name, o->name, o->short_name,
                        o->arg == KS_ARG_NONE ? "" : "+", o->name, eq);
            else
                fprintf(f, "'%s--%s%s[", many ? "*" : "", o->name, eq);
            help_line(f, o->help, "zsh");
            fputs("]", f);
            switch (o->arg) {
            case KS_ARG_ENUM:
                fprintf(f, ":%s:(", o->metavar);
                values_words(f, o, commands[c].bit);
                fputs(")", f);
                break;
            case KS_ARG_FILE:
            case KS_ARG_PATH:
                fprintf(f, ":%s:_files", o->metavar);
                break;
            case KS_ARG_DIR:
                fprintf(f, ":%s:_files -/", o->metavar);
                break;
            case KS_ARG_TEXT:
                fprintf(f, ":%s: ", o->metavar);
                break;
            case KS_ARG_NONE:
                break;
            }
            fputs("' \\\n", f);
        }
        if (commands[c].operands)
            fprintf(f, "            '*:path:_files%s'\n",
                    commands[c].operands[0] == 'd' ? " -/" : "");
        else
            fputs("            \n", f);
        fputs("        ;;\n", f);
    }
    fputs("    esac\n"
          "}\n\n"
          "_keysift \"$@\"\n",
          f);
}

static void write_fish(FILE *f)
{
    fputs("# fish completion for keysift. Generated by keysift-docgen from\n"
          "# scanner/cli/options.c: do not edit.\n\n"
          "complete -c keysift -f\n"
          "set -l __ks_cmds scan diff baseline hook rules help version\n",
          f);
    const char *firsts[] = {"scan", "diff", "baseline", "hook", "rules"};
    for (size_t i = 0; i < 5; i++) {
        fprintf(f,
                "complete -c keysift -n \"not __fish_seen_subcommand_from $__ks_cmds\" -a %s "
                "-d '",
                firsts[i]);
        for (size_t c = 0; c < NCOMMANDS; c++)
            if (strcmp(commands[c].first, firsts[i]) == 0) {
                help_line(f, summary_of(commands[c].bit), "fish");
                break;
            }
        fputs("'\n", f);
    }
    fputs("complete -c keysift -n \"not __fish_seen_subcommand_from $__ks_cmds\" -a help "
          "-d 'print the usage and options'\n"
          "complete -c keysift -n \"not __fish_seen_subcommand_from $__ks_cmds\" -a version "
          "-d 'print the version, the commit and the libraries'\n",
          f);
    for (size_t c = 0; c < NCOMMANDS; c++) {
        if (!commands[c].sub)
            continue;
        fprintf(f,
                "complete -c keysift -n \"__fish_seen_subcommand_from %s; and test (count "
                "(commandline -opc)) -eq 2\" -a %s -d '",
                commands[c].first, commands[c].sub);
        help_line(f, summary_of(commands[c].bit), "fish");
        fputs("'\n", f);
    }
    for (size_t c = 0; c < NCOMMANDS; c++) {
        char cond[96];
        if (commands[c].sub)
            snprintf(cond, sizeof cond,
                     "__fish_seen_subcommand_from %s; and "
                     "__fish_seen_subcommand_from %s",
                     commands[c].first, commands[c].sub);
        else
            snprintf(cond, sizeof cond, "__fish_seen_subcommand_from %s", commands[c].first);
        for (const ks_cli_option *o = ks_cli_option_table; o->name; o++) {
            if (!(o->commands & commands[c].bit))
                continue;
            fprintf(f, "complete -c keysift -n '%s' -l %s", cond, o->name);
            if (o->short_name)
                fprintf(f, " -s %c", o->short_name);
            switch (o->arg) {
            case KS_ARG_ENUM:
                fputs(" -x -a '", f);
                values_words(f, o, commands[c].bit);
                fputs("'", f);
                break;
            case KS_ARG_FILE:
            case KS_ARG_PATH:
                fputs(" -r -F", f);
                break;
            case KS_ARG_DIR:
                fputs(" -x -a '(__fish_complete_directories)'", f);
                break;
            case KS_ARG_TEXT:
                fputs(" -x", f);
                break;
            case KS_ARG_NONE:
                break;
            }
            fputs(" -d '", f);
            help_line(f, o->help, "fish");
            fputs("'\n", f);
        }
        if (commands[c].operands)
            fprintf(f, "complete -c keysift -n '%s' %s\n", cond,
                    commands[c].operands[0] == 'd' ? "-a '(__fish_complete_directories)'" : "-F");
    }
}

int main(int argc, char **argv)
{
    if (argc < 3 || (strcmp(argv[1], "man") == 0 && argc < 4)) {
        fprintf(stderr, "usage: keysift-docgen man OUT DATE | bash OUT | zsh OUT | fish OUT\n");
        return 2;
    }
    if (check_tables() != 0)
        return 1;
    FILE *f = fopen(argv[2], "w");
    if (!f) {
        perror(argv[2]);
        return 1;
    }
    if (strcmp(argv[1], "man") == 0)
        write_man(f, argv[3]);
    else if (strcmp(argv[1], "bash") == 0)
        write_bash(f);
    else if (strcmp(argv[1], "zsh") == 0)
        write_zsh(f);
    else if (strcmp(argv[1], "fish") == 0)
        write_fish(f);
    else {
        fprintf(stderr, "keysift-docgen: unknown output '%s'\n", argv[1]);
        fclose(f);
        remove(argv[2]);
        return 2;
    }
    if (ferror(f) | (fclose(f) != 0)) {
        fprintf(stderr, "keysift-docgen: cannot write %s\n", argv[2]);
        remove(argv[2]);
        return 1;
    }
    return 0;
}
