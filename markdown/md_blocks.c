/* markdown/md_blocks.c: the lines of the markdown writer (html2md_int.h): container
 * prefixes ("> " for quotes, list markers and their indentation), the blank line between
 * blocks, and a finished inline run (md_inline.c) written out as a paragraph with its
 * emphasis placed (md_emphasis.c) and its line starts escaped (md_escape.c). */
#include <stdlib.h>
#include <string.h>

#include "markdown/html2md.h"
#include "markdown/html2md_int.h"

static void put_prefix(struct md *w, int depth, int blank)
{
    size_t start = w->out.len;
    for (int i = 0; i < depth; i++) {
        struct md_container *c = &w->ctr[i];
        if (c->kind == 'q')
            buf_append(&w->out, "> ", 2);
        else if (!blank && c->pending) {
            buf_append(&w->out, c->marker, c->width);
            c->pending = 0;
        } else {
            buf_grow(&w->out, c->width);
            memset(w->out.data + w->out.len, ' ', c->width);
            w->out.len += c->width;
            w->out.data[w->out.len] = '\0';
        }
    }
    if (blank) /* a blank line keeps its quote markers but no trailing spaces */
        while (w->out.len > start && w->out.data[w->out.len - 1] == ' ')
            w->out.data[--w->out.len] = '\0';
}

/* What comes before a line of n bytes: the blank line owed, the container prefix. 0 when
 * the line must not be written: the output stays bounded by the input size. */
static int line_begin(struct md *w, size_t n)
{
    if (w->out.len + n + 4 * MD_MAX_CONTAINERS > w->limit)
        return 0;
    if (w->need_blank && w->out.len) {
        put_prefix(w, w->blank_depth, 1);
        buf_putc(&w->out, '\n');
    }
    w->need_blank = 0;
    put_prefix(w, w->nctr, 0);
    return 1;
}

/* Ends the line whose text starts at out[from]. A CR ends a line for a markdown reader
 * too (CommonMark 2.1), and the line after it would lack this one's container prefix
 * ("> ", list indentation): what follows would leave its block quote or code block.
 * Every line handed out is one line. */
static void line_end(struct md *w, size_t from)
{
    for (char *cr = memchr(w->out.data + from, '\r', w->out.len - from); cr;
         cr = memchr(cr + 1, '\r', (size_t)(w->out.data + w->out.len - cr - 1)))
        *cr = ' ';
    buf_putc(&w->out, '\n');
}

void md_emit_line(struct md *w, const char *s, size_t n)
{
    if (!line_begin(w, n))
        return;
    size_t from = w->out.len;
    buf_append(&w->out, s, n);
    line_end(w, from);
}

void md_set_blank(struct md *w)
{
    w->need_blank = 1;
    w->blank_depth = w->nctr;
}

int md_push_container(struct md *w, char kind, const char *marker)
{
    if (w->nctr >= MD_MAX_CONTAINERS)
        return 0;
    struct md_container *c = &w->ctr[w->nctr++];
    c->kind = kind;
    size_t len = strnlen(marker, sizeof c->marker - 1);
    memcpy(c->marker, marker, len);
    c->marker[len] = '\0';
    c->width = (unsigned char)len;
    c->pending = kind == 'l';
    return 1;
}

void md_pop_container(struct md *w)
{
    if (w->nctr == 0)
        return;
    w->nctr--;
    if (w->blank_depth > w->nctr)
        w->blank_depth = w->nctr;
}

/* One line of paragraph text: escaped so it cannot open a block, then emitted (written
 * straight into the output, as md_emit_line would write the escaped line). */
static void emit_text_line(struct md *w, const char *s, size_t n, int hard_break)
{
    long at = md_line_start_escape(s, n);
    /* CommonMark 6.7: a backslash at the end of a line is a hard break */
    if (!line_begin(w, n + (at >= 0) + (hard_break != 0)))
        return;
    size_t from = w->out.len;
    buf_grow(&w->out, n + 2);
    char *o = w->out.data + w->out.len;
    if (at >= 0) {
        memcpy(o, s, (size_t)at);
        o += at;
        *o++ = '\\';
        memcpy(o, s + at, n - (size_t)at);
        o += n - (size_t)at;
    } else {
        memcpy(o, s, n);
        o += n;
    }
    if (hard_break)
        *o++ = '\\';
    *o = '\0';
    w->out.len = (size_t)(o - w->out.data);
    line_end(w, from);
}

void md_flush(struct md *w)
{
    if (w->raw || w->inline_only || !w->inl.len)
        return;
    const char *s = w->inl.data;
    if (memchr(s, MD_MARK_OPEN, w->inl.len) || memchr(s, MD_SYNTAX, w->inl.len)) {
        w->resolved.len = 0;
        md_marks_resolve_into(&w->resolved, s, w->inl.len);
        s = w->resolved.data;
    }
    size_t n = strlen(s);
    int emitted = 0, para_break = 0;
    size_t i = 0;
    while (i < n) {
        const char *nl = memchr(s + i, '\n', n - i);
        size_t e = nl ? (size_t)(nl - s) : n;
        size_t a = i, z = e;
        while (a < z && s[a] == ' ')
            a++;
        while (z > a && s[z - 1] == ' ')
            z--;
        if (a == z) {
            /* Two <br> in a row: shown as a paragraph break, since an empty line would
             * end the paragraph anyway. */
            para_break = emitted;
        } else {
            if (para_break)
                md_set_blank(w);
            para_break = 0;
            /* The next line must have text for the hard break to mean anything. */
            size_t k = e + 1;
            while (k < n && s[k] == ' ')
                k++;
            int hard = e < n && k < n && s[k] != '\n';
            emit_text_line(w, s + a, z - a, hard);
            emitted = 1;
        }
        i = e + 1;
    }
    w->inl.len = 0;
    w->inl.data[0] = '\0';
    if (emitted)
        md_set_blank(w);
}

void md_block_begin(struct md *w)
{
    if (w->raw)
        return;
    if (w->inline_only)
        md_space(w);
    else
        md_flush(w);
}

void md_block_end(struct md *w)
{
    md_block_begin(w);
}
