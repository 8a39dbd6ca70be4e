/* markdown/html2md_pre.c: preformatted text (pre, listing, xmp, plaintext) as fenced code
 * blocks, for the renderer table in html2md_render.c (owner: html2md engineer).
 * The text is kept byte for byte (the writer is in raw mode inside); a newline right
 * after <pre> is not content (HTML, "The pre element"). A fenced block cannot hold a
 * link (CommonMark 4.5: its content is literal text), so a <pre> that holds links is
 * written as lines of code spans and links joined by hard breaks instead: the text, its
 * spacing and the links all survive, only the block styling does not. */
#include "markdown/html2md.h"
#include "markdown/html2md_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

void md_pre_link(struct md *w, const char *url)
{
    w->pre_urls = xrealloc(w->pre_urls, (w->npre_urls + 1) * sizeof *w->pre_urls);
    w->pre_urls[w->npre_urls++] = xstrdup(url);
    md_token(w, (const char[]){MD_PRE_LINK_START}, 1);
}

void md_pre_free(struct md *w)
{
    for (size_t i = 0; i < w->npre_urls; i++)
        free(w->pre_urls[i]);
    free(w->pre_urls);
    w->pre_urls = NULL;
    w->npre_urls = 0;
}

static void put_link(struct md *w, const struct buf *text, const char *url)
{
    if (!text->len || !url)
        return;
    struct buf t = {0};
    buf_putc(&t, '[');
    buf_append(&t, text->data, text->len);
    buf_puts(&t, "](");
    md_put_url(&t, url);
    buf_putc(&t, ')');
    md_syntax(w, t.data, t.len);
    buf_free(&t);
}

/* CR LF and a lone CR become LF, in place. */
static void newlines_normalize(char *s)
{
    char *o = s;
    for (const char *p = s; *p; p++) {
        if (*p == '\r') {
            *o++ = '\n';
            if (p[1] == '\n')
                p++;
        } else {
            *o++ = *p;
        }
    }
    *o = '\0';
}

/* The links path: each line becomes code spans around [`link text`](url) tokens, lines
 * joined by hard breaks; an empty line becomes a paragraph break (a paragraph cannot
 * hold an empty line); a newline inside a link's text is a space, so the link stays one. */
static void pre_lines(struct md *w, const char *body)
{
    size_t link = 0; /* next URL */
    int in_link = 0;
    struct buf piece = {0}, tok = {0};
    for (const char *p = body;; p++) {
        char c = *p;
        if (c == '\r' && p[1] == '\n')
            continue;
        if (in_link && c == '\n')
            c = ' ';
        if (c != '\0' && c != '\n' && c != MD_PRE_LINK_START && c != MD_PRE_LINK_END) {
            buf_putc(&piece, c);
            continue;
        }
        int eol = c == '\0' || c == '\n';
        /* Blanks that end a line show nothing. */
        if (piece.len && !(eol && strspn(piece.data, " \t") == piece.len))
            md_code_token(&tok, piece.data, piece.len);
        piece.len = 0;
        if (piece.data)
            piece.data[0] = '\0';
        if (c == MD_PRE_LINK_START && !in_link) {
            md_code_syntax(w, tok.data ? tok.data : "", tok.len, 1);
            in_link = 1;
            tok.len = 0;
        } else if (in_link && (c == MD_PRE_LINK_END || c == '\0')) {
            put_link(w, &tok, link < w->npre_urls ? w->pre_urls[link] : NULL);
            link++;
            in_link = 0;
            tok.len = 0;
        }
        if (eol) {
            if (tok.len)
                md_code_syntax(w, tok.data, tok.len, 1);
            tok.len = 0;
            if (c == '\0')
                break;
            md_hard_break(w);
        }
    }
    buf_free(&piece);
    buf_free(&tok);
    md_flush(w);
}

/* "language-python" or "lang-python" among the classes of n; malloc'd or NULL. Only
 * characters that cannot end the info string are kept. */
static char *class_language(xmlNode *n)
{
    char *cls = html_attr(n, "class");
    if (!cls)
        return NULL;
    char *lang = NULL;
    for (char *tok = strtok(cls, " \t\n\r\f"); tok && !lang; tok = strtok(NULL, " \t\n\r\f")) {
        const char *v = NULL;
        if (strncmp(tok, "language-", 9) == 0)
            v = tok + 9;
        else if (strncmp(tok, "lang-", 5) == 0)
            v = tok + 5;
        if (!v || !*v)
            continue;
        lang = xstrdup(v);
        char *o = lang;
        for (const char *p = v; *p; p++)
            if (isalnum((unsigned char)*p) || strchr("+-#._", *p))
                *o++ = *p;
        *o = '\0';
        if (!*lang) {
            free(lang);
            lang = NULL;
        }
    }
    free(cls);
    return lang;
}

int pre_open(struct md *w, struct md_frame *f)
{
    if (w->raw)
        return MD_DESCEND;
    if (w->inline_only) { /* a <pre> inside a link or a cell: inline code */
        f->mode = MD_MODE_NONE;
        code_open(w, f); /* one code span (OPEN), or code pieces split around links */
        /* INLINE and PRE_PIECES mark the inline ways apart from the block one (OPEN); the
         * split must survive to code_close, or the pieces and their links end up inside
         * one more code span whose fence runs into theirs, and the text in between is
         * read as markdown (fuzz_html2md: a [](javascript:) link out of <b><pre>). */
        f->mode = f->mode == MD_MODE_CODE_PIECES ? MD_MODE_PRE_PIECES
                  : f->mode == MD_MODE_OPEN      ? MD_MODE_INLINE
                                                 : MD_MODE_NONE;
        return MD_DESCEND;
    }
    md_flush(w);
    f->mode = MD_MODE_OPEN;
    w->raw++;
    f->mark = w->inl.len;
    f->title = class_language(f->node);
    for (xmlNode *c = f->node->children; c && !f->title; c = c->next) {
        if (c->type == XML_ELEMENT_NODE) {
            if (strcmp((const char *)c->name, "code") == 0)
                f->title = class_language(c);
            break;
        }
    }
    return MD_DESCEND;
}

void pre_close(struct md *w, struct md_frame *f)
{
    if (f->mode == MD_MODE_INLINE || f->mode == MD_MODE_PRE_PIECES) {
        f->mode = f->mode == MD_MODE_PRE_PIECES ? MD_MODE_CODE_PIECES : MD_MODE_OPEN;
        code_close(w, f);
        return;
    }
    if (f->mode == MD_MODE_NONE)
        return;
    w->raw--;
    /* An empty <pre> before any text: the buffer has no storage yet. */
    char *s = w->inl.data ? xstrndup(w->inl.data + f->mark, w->inl.len - f->mark) : xstrdup("");
    w->inl.len = f->mark;
    if (w->inl.data)
        w->inl.data[f->mark] = '\0';
    /* HTML 13.2.3.5: CR LF, and a CR alone, are one line feed each. A CR left inside a line
     * would end it for a markdown reader without the container prefix of the lines
     * md_emit_line writes, and the rest of the block would leave its code block
     * (fuzz_html2md found it in a <pre> inside a <blockquote>). */
    newlines_normalize(s);
    /* HTML: a newline right after <pre> is not content. The fence closes on a line of its
     * own, so trailing newlines go too; everything else stays byte for byte. */
    char *body = s;
    if (body[0] == '\r' && body[1] == '\n')
        body += 2;
    else if (body[0] == '\n')
        body++;
    size_t n = strlen(body);
    while (n && (body[n - 1] == '\n' || body[n - 1] == '\r'))
        n--;
    body[n] = '\0';
    if (memchr(body, MD_PRE_LINK_START, n)) {
        pre_lines(w, body);
        md_pre_free(w);
        free(s);
        return;
    }
    if (n && strspn(body, " \t\r\n") < n) {
        size_t fl = md_longest_run(body, n, '`') + 1;
        if (fl < 3)
            fl = 3;
        struct buf fence = {0};
        for (size_t i = 0; i < fl; i++)
            buf_putc(&fence, '`');
        size_t fence_len = fence.len;
        if (f->title)
            buf_puts(&fence, f->title);
        md_emit_line(w, fence.data, fence.len);
        for (char *line = body;;) {
            char *nl = strchr(line, '\n');
            size_t ln = nl ? (size_t)(nl - line) : strlen(line);
            if (ln && line[ln - 1] == '\r')
                ln--;
            md_emit_line(w, line, ln);
            if (!nl)
                break;
            line = nl + 1;
        }
        md_emit_line(w, fence.data, fence_len);
        md_set_blank(w);
        buf_free(&fence);
    }
    free(s);
}

