/* cli/main.c: command-line dispatch. Each command has a file of its own in this folder,
 * with its command-line table (common/cli.h): its options, arguments and help. */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "common/cli.h"

/* In the order `feedsd --help` lists them: the daemon, its state, the subscriptions,
 * then the tools that show how feedsd reads a document. */
static const struct cli_cmd *const commands[] = {
    &cmd_run_spec,    &cmd_reload_spec, &cmd_status_spec,      &cmd_add_spec,
    &cmd_remove_spec, &cmd_list_spec,   &cmd_import_spec,      &cmd_export_spec,
    &cmd_check_spec,  &cmd_resummarize_spec, &cmd_parse_spec, &cmd_parse_date_spec,
    &cmd_html2md_spec, &cmd_extract_spec, &cmd_test_rules_spec,
};

static const struct cli_cmd *command_find(const char *name)
{
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        if (!strcmp(name, commands[i]->name))
            return commands[i];
    return !strcmp(name, "version") || !strcmp(name, "--version") ? &cmd_version_spec : NULL;
}

static int usage(FILE *out)
{
    fprintf(out, "feedsd %s follows RSS, Atom and JSON Feed feeds: it stores every entry once,\n"
                 "summarizes each new post and writes one markdown file per post.\n\n"
                 "usage: feedsd COMMAND [OPTIONS] [ARGUMENTS]\n\ncommands:\n",
            FEEDSD_VERSION);
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        fprintf(out, "  %-12s %s\n", commands[i]->name, commands[i]->summary);
    fprintf(out, "\n'feedsd COMMAND --help' (or 'feedsd help COMMAND') shows a command's options;\n"
                 "every command takes -h, --help and --. 'feedsd --version' prints the version\n"
                 "and the libraries in use. The manual pages: feedsd(1) for the commands,\n"
                 "feedsd.conf(5) for the configuration file.\n");
    return out == stderr ? 2 : 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage(stderr);
    const char *name = argv[1];
    if (!strcmp(name, "--help") || !strcmp(name, "-h") || !strcmp(name, "help")) {
        if (argc == 2)
            return usage(stdout);
        const struct cli_cmd *cmd = command_find(argv[2]);
        if (!cmd || argc > 3) {
            fprintf(stderr, "feedsd help: %s '%s'\n", cmd ? "unexpected argument"
                                                          : "unknown command", argv[cmd ? 3 : 2]);
            return usage(stderr);
        }
        cli_print_help(cmd, stdout);
        return fflush(stdout) == 0 ? 0 : 1;
    }
    const struct cli_cmd *cmd = command_find(name);
    if (cmd)
        return cmd->run(argc - 1, argv + 1);
    fprintf(stderr, "feedsd: unknown command '%s'\n", name);
    return usage(stderr);
}
