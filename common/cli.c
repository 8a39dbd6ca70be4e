/* common/cli.c: see cli.h. */
#include "common/cli.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "common/utf8.h"
#include "common/util.h"

/* An argument as part of a one-line message: control characters as '?', at most 200
 * bytes (an argument can be anything a script passed). */
static void put_word(FILE *out, const char *s)
{
    for (size_t i = 0; i < 200 && s[i]; i++)
        fputc((unsigned char)s[i] < ' ' || s[i] == 0x7f ? '?' : s[i], out);
}

void cli_print_synopsis(const struct cli_cmd *cmd, FILE *out)
{
    fprintf(out, "usage: feedsd %s", cmd->name);
    for (const struct cli_opt *o = cmd->opts; o && o->name; o++) {
        fprintf(out, " [%s", o->alias ? o->alias : o->name);
        if (o->value)
            fprintf(out, " %s", o->value);
        fputc(']', out);
    }
    if (cmd->args)
        fprintf(out, " %s", cmd->args);
    fputc('\n', out);
}

static void opt_label(const struct cli_opt *o, char *out, size_t n)
{
    snprintf(out, n, "%s%s%s%s%s", o->alias ? o->alias : "", o->alias ? ", " : "", o->name,
             o->value ? " " : "", o->value ? o->value : "");
}

void cli_print_help(const struct cli_cmd *cmd, FILE *out)
{
    static const struct cli_opt help = {"--help", "-h", NULL, 0, "print this help and exit"};
    static const struct cli_opt dashes = {
        "--", NULL, NULL, 0, "end of the options: what follows is an argument, also when it"
                             " begins with '-'"};
    cli_print_synopsis(cmd, out);
    fprintf(out, "\n%c%s.\n\noptions:\n", toupper((unsigned char)cmd->summary[0]),
            cmd->summary + 1);
    /* The table, then the two that every command takes; labels in one column. */
    const struct cli_opt *extra[] = {&help, cmd->max_args != 0 ? &dashes : NULL};
    size_t width = 0;
    char label[128];
    for (const struct cli_opt *o = cmd->opts; o && o->name; o++) {
        opt_label(o, label, sizeof label);
        width = strlen(label) > width ? strlen(label) : width;
    }
    for (size_t i = 0; i < sizeof extra / sizeof *extra; i++) {
        if (extra[i]) {
            opt_label(extra[i], label, sizeof label);
            width = strlen(label) > width ? strlen(label) : width;
        }
    }
    for (const struct cli_opt *o = cmd->opts; o && o->name; o++) {
        opt_label(o, label, sizeof label);
        fprintf(out, "  %-*s  %s\n", (int)width, label, o->help);
    }
    for (size_t i = 0; i < sizeof extra / sizeof *extra; i++) {
        if (extra[i]) {
            opt_label(extra[i], label, sizeof label);
            fprintf(out, "  %-*s  %s\n", (int)width, label, extra[i]->help);
        }
    }
    if (cmd->notes)
        fprintf(out, "\n%s\n", cmd->notes);
    fprintf(out, "\nSee feedsd(1) for the whole reference.\n");
}

int cli_usage_error(const struct cli_cmd *cmd, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);    /* it may quote what the user typed */
    va_end(ap);
    fprintf(stderr, "feedsd %s: ", cmd->name);
    put_word(stderr, msg);
    fputc('\n', stderr);
    cli_print_synopsis(cmd, stderr);
    fprintf(stderr, "Run 'feedsd %s --help' for the options.\n", cmd->name);
    return 2;
}

/* A usage error about one word of the command line, which is shown quoted and cleaned. */
static int word_error(struct cli *c, const char *what, const char *word, const char *hint)
{
    fprintf(stderr, "feedsd %s: %s '", c->cmd->name, what);
    put_word(stderr, word);
    fprintf(stderr, "'%s\n", hint ? hint : "");
    cli_print_synopsis(c->cmd, stderr);
    fprintf(stderr, "Run 'feedsd %s --help' for the options.\n", c->cmd->name);
    c->status = 2;
    return CLI_EXIT;
}

void cli_init(struct cli *c, const struct cli_cmd *cmd, int argc, char **argv)
{
    memset(c, 0, sizeof *c);
    c->cmd = cmd;
    c->argc = argc;
    c->argv = argv;
    c->next = 1;
}

static const struct cli_opt *opt_find(const struct cli_cmd *cmd, const char *word, size_t len)
{
    for (const struct cli_opt *o = cmd->opts; o && o->name; o++)
        if ((strlen(o->name) == len && !strncmp(word, o->name, len)) ||
            (o->alias && strlen(o->alias) == len && !strncmp(word, o->alias, len)))
            return o;
    return NULL;
}

int cli_next(struct cli *c)
{
    const struct cli_cmd *cmd = c->cmd;
    c->arg = NULL;
    for (;;) {
        if (c->next >= c->argc) {
            if (c->nargs < cmd->min_args) {
                c->status = cli_usage_error(cmd, "missing %s", cmd->args ? cmd->args
                                                                         : "argument");
                return CLI_EXIT;
            }
            return CLI_END;
        }
        const char *a = c->argv[c->next++];
        if (c->opts_done || a[0] != '-' || a[1] == '\0') {
            if (cmd->max_args >= 0 && c->nargs >= cmd->max_args)
                return word_error(c, "unexpected argument", a, NULL);
            c->nargs++;
            c->arg = a;
            return CLI_ARG;
        }
        if (!strcmp(a, "--")) {
            c->opts_done = 1;
            continue;
        }
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            cli_print_help(cmd, stdout);
            c->status = fflush(stdout) == 0 ? 0 : 1;
            return CLI_EXIT;
        }
        /* --name=value: only long options, whose names have no '='. */
        const char *eq = a[1] == '-' ? strchr(a, '=') : NULL;
        const struct cli_opt *o = opt_find(cmd, a, eq ? (size_t)(eq - a) : strlen(a));
        if (!o)
            return word_error(c, "unknown option", a,
                              cmd->max_args != 0 ? " (put -- before an argument that begins"
                                                   " with '-')" : NULL);
        if (!o->value) {
            if (eq) {
                c->status = cli_usage_error(cmd, "%s takes no value", o->name);
                return CLI_EXIT;
            }
            return o->id;
        }
        if (eq) {
            c->arg = eq + 1;
        } else if (c->next < c->argc) {
            c->arg = c->argv[c->next++];
        } else {
            c->status = cli_usage_error(cmd, "%s needs a value (%s)", o->name, o->value);
            return CLI_EXIT;
        }
        return o->id;
    }
}

/* ---- tables -------------------------------------------------------------------------- */

void cli_table_init(struct cli_table *t, const char *align, const char *const *header)
{
    memset(t, 0, sizeof *t);
    t->ncols = strlen(align);
    t->align = align;
    cli_table_add(t, header);   /* row 0 */
}

void cli_table_add(struct cli_table *t, const char *const *row)
{
    if (t->rows == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 16;
        t->cells = xrealloc(t->cells, t->cap * t->ncols * sizeof *t->cells);
        t->notes = xrealloc(t->notes, t->cap * sizeof *t->notes);
    }
    for (size_t c = 0; c < t->ncols; c++)
        t->cells[t->rows * t->ncols + c] = xstrdup(row[c] ? row[c] : "");
    t->notes[t->rows++] = NULL;
}

void cli_table_note(struct cli_table *t, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    char **n = &t->notes[t->rows - 1];
    char *joined = xasprintf("%s  %s\n", *n ? *n : "", line);
    free(*n);
    *n = joined;
}

/* Characters, not bytes: a UTF-8 continuation byte adds no width. */
static size_t text_width(const char *s)
{
    return utf8_count(s);
}

void cli_table_print(const struct cli_table *t, FILE *out)
{
    size_t *width = xcalloc(t->ncols, sizeof *width);
    for (size_t i = 0; i < t->rows * t->ncols; i++) {
        size_t w = text_width(t->cells[i]);
        if (w > width[i % t->ncols])
            width[i % t->ncols] = w;
    }
    struct buf line = {0};
    for (size_t r = 0; r < t->rows; r++) {
        line.len = 0;
        for (size_t c = 0; c < t->ncols; c++) {
            const char *s = t->cells[r * t->ncols + c];
            int pad = (int)(width[c] - text_width(s));
            if (t->align[c] == 'r')
                buf_printf(&line, "%*s%s  ", pad, "", s);
            else
                buf_printf(&line, "%s%*s  ", s, pad, "");
        }
        while (line.len && line.data[line.len - 1] == ' ')
            line.len--;     /* the last column is not padded, nor an empty one before it */
        fprintf(out, "%.*s\n", (int)line.len, line.data);
        if (t->notes[r])
            fputs(t->notes[r], out);
    }
    buf_free(&line);
    free(width);
}

void cli_table_free(struct cli_table *t)
{
    for (size_t i = 0; i < t->rows * t->ncols; i++)
        free(t->cells[i]);
    for (size_t r = 0; r < t->rows; r++)
        free(t->notes[r]);
    free(t->cells);
    free(t->notes);
    memset(t, 0, sizeof *t);
}
