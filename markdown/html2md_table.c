/* markdown/html2md_table.c: HTML tables as GFM pipe tables, for the renderer table in
 * html2md_render.c (owner: html2md engineer). Cells are rendered inline into the writer's
 * run and collected here; the table is written when it closes, the first row serving as
 * the header GFM requires. A table inside a cell, heading or link runs as text. */
#include "markdown/html2md.h"
#include "markdown/html2md_int.h"

#include <stdlib.h>
#include <string.h>

#define MD_TABLE_MAX_COLS 64
#define MD_MAX_COLSPAN 16

static void table_add_row(struct md_table *t)
{
    if (t->nrows == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 8;
        t->rows = xrealloc(t->rows, t->cap * sizeof *t->rows);
        t->ncells = xrealloc(t->ncells, t->cap * sizeof *t->ncells);
    }
    t->rows[t->nrows] = xcalloc(1, sizeof **t->rows);
    t->ncells[t->nrows] = 0;
    t->nrows++;
}

static void table_add_cell(struct md_table *t, char *cell)
{
    if (!t->nrows)
        table_add_row(t);
    size_t r = t->nrows - 1, n = t->ncells[r];
    t->rows[r] = xrealloc(t->rows[r], (n + 2) * sizeof **t->rows);
    t->rows[r][n] = cell;
    t->rows[r][n + 1] = NULL;
    t->ncells[r] = n + 1;
}

static void table_free(struct md_table *t)
{
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t c = 0; c < t->ncells[r]; c++)
            free(t->rows[r][c]);
        free(t->rows[r]);
    }
    free(t->rows);
    free(t->ncells);
    free(t->caption);
    memset(t, 0, sizeof *t);
}

/* A paragraph made of one already-inline-escaped line. */
static void emit_para(struct md *w, const char *s)
{
    size_t n = strlen(s);
    if (!n)
        return;
    struct buf line = {0};
    long at = md_line_start_escape(s, n);
    if (at >= 0) {
        buf_append(&line, s, (size_t)at);
        buf_putc(&line, '\\');
    }
    buf_puts(&line, s + (at >= 0 ? at : 0));
    md_emit_line(w, line.data, line.len);
    md_set_blank(w);
    buf_free(&line);
}

static int row_empty(const struct md_table *t, size_t r)
{
    for (size_t c = 0; c < t->ncells[r]; c++)
        if (*t->rows[r][c])
            return 0;
    return 1;
}

static void table_emit(struct md *w, struct md_table *t)
{
    if (t->caption)
        emit_para(w, t->caption);
    size_t ncols = 0;
    for (size_t r = 0; r < t->nrows; r++)
        if (t->ncells[r] > ncols)
            ncols = t->ncells[r];
    if (ncols > MD_TABLE_MAX_COLS)
        ncols = MD_TABLE_MAX_COLS;
    if (ncols == 1) { /* a layout table of one column: its cells are paragraphs */
        for (size_t r = 0; r < t->nrows; r++)
            if (t->ncells[r])
                emit_para(w, t->rows[r][0]);
        return;
    }
    int header = 1;
    for (size_t r = 0; r < t->nrows; r++) {
        if (row_empty(t, r))
            continue;
        struct buf line = {0};
        buf_putc(&line, '|');
        for (size_t c = 0; c < ncols; c++) {
            buf_putc(&line, ' ');
            if (c < t->ncells[r])
                buf_puts(&line, t->rows[r][c]);
            /* Cells beyond the column cap join the last column rather than vanish. */
            for (size_t x = ncols; c == ncols - 1 && x < t->ncells[r]; x++) {
                buf_putc(&line, ' ');
                buf_puts(&line, t->rows[r][x]);
            }
            buf_puts(&line, " |");
        }
        md_emit_line(w, line.data, line.len);
        if (header) { /* GFM requires a header row: the first row is it */
            line.len = 0;
            buf_putc(&line, '|');
            for (size_t c = 0; c < ncols; c++)
                buf_puts(&line, " --- |");
            md_emit_line(w, line.data, line.len);
            header = 0;
        }
        buf_free(&line);
    }
    md_set_blank(w);
}

int table_open(struct md *w, struct md_frame *f)
{
    if (w->raw)
        return MD_DESCEND;
    if (w->inline_only || w->table.active) { /* nested in a cell: cells run as text */
        f->mode = MD_MODE_INLINE;
        md_space(w);
        return MD_DESCEND;
    }
    md_flush(w);
    f->mode = MD_MODE_OPEN;
    w->table.active = 1;
    f->mark = w->inl.len;
    return MD_DESCEND;
}

void table_close(struct md *w, struct md_frame *f)
{
    if (f->mode == MD_MODE_INLINE)
        md_space(w);
    if (f->mode != MD_MODE_OPEN)
        return;
    w->inl.len = f->mark; /* stray text between rows is not shown by browsers either */
    if (w->inl.data)
        w->inl.data[f->mark] = '\0';
    table_emit(w, &w->table);
    table_free(&w->table);
}

static int in_table_grid(struct md *w)
{
    return w->table.active && !w->table.in_cell && !w->raw;
}

int row_open(struct md *w, struct md_frame *f)
{
    if (in_table_grid(w)) {
        f->mode = MD_MODE_OPEN;
        table_add_row(&w->table);
    } else if (!w->raw) {
        f->mode = MD_MODE_INLINE;
        md_space(w);
    }
    return MD_DESCEND;
}

void row_close(struct md *w, struct md_frame *f)
{
    if (f->mode == MD_MODE_INLINE)
        md_space(w);
}

/* td, th and caption collect their inline content into the table, not the output. */
int cell_open(struct md *w, struct md_frame *f)
{
    if (!in_table_grid(w)) {
        if (!w->raw) {
            f->mode = MD_MODE_INLINE;
            md_space(w);
        }
        return MD_DESCEND;
    }
    f->mode = MD_MODE_OPEN;
    w->table.in_cell = 1;
    w->inline_only++;
    f->mark = w->inl.len;
    f->counter = 1;
    /* A cell is an inline context of its own: a <code> around it (table > code > td, as
     * libxml2 builds it from <table><code><td>) cannot wrap the cell's text, which goes
     * into the table, so its literal mode must not reach in either: the text would go
     * out unescaped and outside any code span (fuzz_html2md: a [](javascript:) link). */
    f->code_outside = w->code;
    f->split_outside = w->code_split;
    f->code_mark_outside = w->code_mark;
    w->code = 0;
    w->code_split = 0;
    char *span = html_attr(f->node, "colspan");
    if (span) {
        f->counter = strtol(span, NULL, 10);
        free(span);
        if (f->counter < 1)
            f->counter = 1;
        if (f->counter > MD_MAX_COLSPAN)
            f->counter = MD_MAX_COLSPAN;
    }
    return MD_DESCEND;
}

/* GFM tables split cells at every '|' not preceded by a backslash, even inside code
 * spans and link destinations; text pipes are escaped already. */
static char *cell_text(const char *s)
{
    struct buf b = {0};
    buf_puts(&b, "");
    for (size_t i = 0; s[i]; i++) {
        if (s[i] == '|' && (i == 0 || s[i - 1] != '\\'))
            buf_putc(&b, '\\');
        buf_putc(&b, s[i] == '\n' ? ' ' : s[i]);
    }
    return buf_steal(&b);
}

void cell_close(struct md *w, struct md_frame *f)
{
    if (f->mode == MD_MODE_INLINE)
        md_space(w);
    if (f->mode != MD_MODE_OPEN)
        return;
    w->table.in_cell = 0;
    w->inline_only--;
    w->code = f->code_outside;
    w->code_split = f->split_outside;
    w->code_mark = f->code_mark_outside;
    char *taken = md_take(w, f->mark, NULL, NULL);
    char *s = md_marks_resolve(taken, strlen(taken)); /* a cell is a paragraph of its own */
    free(taken);
    char *cell = cell_text(s);
    free(s);
    if (strcmp(f->e->name, "caption") == 0) {
        free(w->table.caption);
        w->table.caption = cell;
        return;
    }
    table_add_cell(&w->table, cell);
    for (long i = 1; i < f->counter; i++)
        table_add_cell(&w->table, xstrdup(""));
}

