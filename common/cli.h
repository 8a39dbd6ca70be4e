/* common/cli.h: the command line of every feedsd command, read from one table per command
 * (its options, its arguments, one line of help each), so that every command answers
 * the same way (docs/cli.md, "General rules"):
 *   - `-h` and `--help` print the command's usage and options on stdout, exit status 0;
 *   - a usage error (unknown option, missing value, wrong number of arguments) prints one
 *     line naming the problem and the usage on stderr, exit status 2;
 *   - `--` ends the options; `-` alone is an argument (standard input);
 *   - a long option takes its value as the next word or after '=' (`--database=PATH`).
 * A command walks its arguments with cli_next() and acts on each option's id. */
#ifndef FEEDSD_CLI_H
#define FEEDSD_CLI_H

#include <stdio.h>

struct cli_opt {
    const char *name;       /* "--database" */
    const char *alias;      /* "-c", or NULL */
    const char *value;      /* the value's name ("PATH"), NULL for an option without one */
    int id;                 /* what cli_next() returns for it: > 0 */
    const char *help;       /* one line */
};

struct cli_cmd {
    const char *name;       /* "run" */
    const char *summary;    /* what it does, one line (feedsd --help lists it) */
    const char *args;       /* the arguments in the synopsis ("URL", "[FILE]"), or NULL */
    int min_args, max_args;
    const struct cli_opt *opts;     /* ends with an entry whose name is NULL */
    const char *notes;      /* more lines for --help (exit statuses...), or NULL */
    int (*run)(int argc, char **argv);   /* argv[0] is the command's name */
};

/* What cli_next() returns besides an option's id. */
enum {
    CLI_END = 0,            /* no more arguments: they were all fine */
    CLI_ARG = -1,           /* an argument, in c->arg */
    CLI_EXIT = -2,          /* --help was printed, or a usage error: return c->status */
};

struct cli {
    const struct cli_cmd *cmd;
    int argc;
    char **argv;
    int next;               /* argv index of the next word */
    int opts_done;          /* after "--" */
    int nargs;
    const char *arg;        /* the option's value (NULL without one), or the argument */
    int status;             /* exit status with CLI_EXIT */
};

void cli_init(struct cli *c, const struct cli_cmd *cmd, int argc, char **argv);
/* The id of the next option, with its value in c->arg; CLI_ARG for an argument; CLI_END
 * after the last word (a missing argument is a usage error instead); CLI_EXIT after
 * --help (status 0) or a usage error (status 2), already printed. */
int cli_next(struct cli *c);
/* A usage error found by the command itself: "feedsd CMD: MESSAGE" and the usage on
 * stderr. Returns 2, the exit status of a usage error. */
int cli_usage_error(const struct cli_cmd *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* A table for people (`list`, `status`): a header row, then one row per item, each column
 * as wide as its widest cell (in characters, UTF-8 aware), two spaces between columns,
 * numbers right-aligned; a row may be followed by indented note lines. The last column is
 * not padded, so it may hold free text (a title). */
struct cli_table {
    size_t ncols, rows, cap;    /* rows: the header and every row added */
    const char *align;          /* one letter per column: 'l' left, 'r' right */
    char **cells;               /* rows x ncols */
    char **notes;               /* per row: the lines printed after it, or NULL */
};
void cli_table_init(struct cli_table *t, const char *align, const char *const *header);
void cli_table_add(struct cli_table *t, const char *const *row);
/* A line printed under the last row added, indented by two spaces. */
void cli_table_note(struct cli_table *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void cli_table_print(const struct cli_table *t, FILE *out);
void cli_table_free(struct cli_table *t);

/* "usage: feedsd run [--once] [-c CONFIG] ..." and a newline. */
void cli_print_synopsis(const struct cli_cmd *cmd, FILE *out);
/* The synopsis, the summary and one line per option: what --help prints. */
void cli_print_help(const struct cli_cmd *cmd, FILE *out);

#endif
