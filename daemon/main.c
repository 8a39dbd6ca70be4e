/* daemon/main.c: command-line dispatch. Each subcommand lives with the module it drives. */
#include <stdio.h>
#include <string.h>

#include "daemon/commands.h"
#include "daemon/subs.h"
#include "feeds/date.h"
#include "feeds/html2md.h"
#include "feeds/parse.h"

static const struct {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *help;
} commands[] = {
    {"run", cmd_run, "run [--once] [-c CONFIG] [--database PATH] [--output DIR] [--feeds FILE] [-v]"},
    {"reload", cmd_reload, "reload PID"},
    {"status", cmd_status, "status [-c CONFIG] [--database PATH] [--all] [--json]"},
    {"add", cmd_add,
     "add [-c CONFIG] [--database PATH] [--title T] [--interval I] [--no-fetch] URL"},
    {"remove", cmd_remove, "remove [-c CONFIG] [--database PATH] URL"},
    {"list", cmd_list, "list [-c CONFIG] [--database PATH] [--json]"},
    {"import", cmd_import, "import [-c CONFIG] [--database PATH] FILE.opml|-"},
    {"export", cmd_export, "export [-c CONFIG] [--database PATH] > FILE.opml"},
    {"check", cmd_check,
     "check [-c CONFIG] [--database PATH] [--max-age DURATION] [--max-failures N]"},
    {"resummarize", cmd_resummarize,
     "resummarize [-c CONFIG] [--database PATH] (--fallback | --all | --feed URL | --file PATH)"},
    {"parse", cmd_parse, "parse [--base-url URL] [--count] FILE"},
    {"parse-date", cmd_parse_date, "parse-date [--] STRING"},
    {"html2md", cmd_html2md, "html2md [--base-url URL] [FILE]"},
};

static int usage(FILE *out)
{
    fprintf(out, "feedsd %s: follows RSS/Atom feeds and writes one markdown file per post\n"
                 "usage:\n", FEEDSD_VERSION);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  feedsd %s\n", commands[i].help);
    fprintf(out, "  feedsd --version\n");
    return out == stderr ? 2 : 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage(stderr);
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version"))
        return cmd_version(argc - 1, argv + 1);
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help"))
        return usage(stdout);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "feedsd: unknown command '%s'\n", argv[1]);
    return usage(stderr);
}
