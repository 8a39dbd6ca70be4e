/* summary/argv.c: splits the `command` summarizer's command line into argv the way a POSIX
 * shell splits words (XCU 2.2 Quoting, 2.3 Token Recognition), with no expansion at all:
 * the command never goes through a shell unless the user writes `sh -c` himself, and no
 * byte of a feed ever reaches it (the post goes to stdin, metadata to the environment).
 * Part of the command backend (summary/child.h). */
#include "summary/child.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

/* The shell's default IFS is space, tab and newline; \r, \v and \f are added so that a
 * config file edited on another system does not put a stray \r into the last word. */
static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Inside double quotes a backslash escapes only these (XCU 2.2.3); before anything else
 * it stays a literal backslash. Newline is the line continuation, handled apart. */
static int dq_escapable(char c)
{
    return c == '"' || c == '\\' || c == '$' || c == '`';
}

static void words_push(char ***v, size_t *n, size_t *cap, char *w)
{
    if (*n + 2 > *cap) {
        *cap = *cap ? *cap * 2 : 8;
        *v = xrealloc(*v, *cap * sizeof **v);
    }
    (*v)[(*n)++] = w;
    (*v)[*n] = NULL;
}

char **argv_split(const char *cmdline, char *err, size_t errlen)
{
    char **v = NULL;
    size_t n = 0, cap = 0;
    struct buf w = {0};
    int in_word = 0;    /* "" must make a word even though it adds no byte */
    const char *p = cmdline ? cmdline : "";

    while (*p) {
        char c = *p;
        if (is_blank(c)) {
            if (in_word) {
                words_push(&v, &n, &cap, buf_steal(&w));
                in_word = 0;
            }
            p++;
        } else if (c == '\\') {
            if (p[1] == '\n') {             /* line continuation: both bytes vanish */
                p += 2;
            } else if (p[1] == '\0') {      /* sh keeps a trailing lone backslash */
                buf_putc(&w, '\\');
                in_word = 1;
                p++;
            } else {
                buf_putc(&w, p[1]);
                in_word = 1;
                p += 2;
            }
        } else if (c == '\'') {
            const char *end = strchr(p + 1, '\'');
            if (!end) {
                snprintf(err, errlen, "unterminated single quote in command");
                goto fail;
            }
            buf_append(&w, p + 1, (size_t)(end - p - 1));
            in_word = 1;
            p = end + 1;
        } else if (c == '"') {
            p++;
            for (;;) {
                if (!*p) {
                    snprintf(err, errlen, "unterminated double quote in command");
                    goto fail;
                }
                if (*p == '"')
                    break;
                if (*p == '\\' && p[1] == '\n') {
                    p += 2;
                } else if (*p == '\\' && dq_escapable(p[1])) {
                    buf_putc(&w, p[1]);
                    p += 2;
                } else {
                    buf_putc(&w, *p++);
                }
            }
            in_word = 1;
            p++;
        } else {
            buf_putc(&w, c);
            in_word = 1;
            p++;
        }
    }
    if (in_word)
        words_push(&v, &n, &cap, buf_steal(&w));
    buf_free(&w);
    if (n == 0) {
        snprintf(err, errlen, "empty command");
        free(v);
        return NULL;
    }
    return v;

fail:
    buf_free(&w);
    if (v)
        argv_free(v);
    return NULL;
}

void argv_free(char **argv)
{
    if (!argv)
        return;
    for (char **a = argv; *a; a++)
        free(*a);
    free(argv);
}
