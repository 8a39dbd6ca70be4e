/* markdown/html2md.c: HTML to GitHub-flavoured markdown (owner: html2md engineer). This file
 * holds the front end (UTF-8 clean-up, libxml2's HTML parser) and the tree walk on an
 * explicit stack. What the walk calls: the renderers, one per tag (html2md_render.c, with
 * html2md_pre.c and html2md_table.c), which write through the markdown writer: the inline
 * run that collects the current paragraph (md_inline.c) and the lines, container prefixes
 * for quotes and list items and blank lines between blocks (md_blocks.c). */
#include "common/scan.h"
#include "common/utf8.h"
#include "feeds/xml_compat.h"
#include "markdown/html2md.h"
#include "markdown/html2md_int.h"
#include "markdown/html_runs.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- front end ------------------------------------------------------------------ */

/* libxml2's HTML parser on valid UTF-8 without NUL bytes. */
static htmlDocPtr parse_utf8(const char *in, size_t inlen)
{
    /* No HTML_PARSE_NOIMPLIED: with it libxml2 2.9.14 nests sibling <p>s. No NOBLANKS:
     * white space between inline elements is content. The parser caps nesting at 256.
     * HTML_PARSE_RECOVER: a <script> or <style> ends at its own end tag only (HTML's
     * script data state, as readability.c parses); without it libxml2 2.9 ends it at any
     * "</" and a letter, and a script writing '<blockquote></blockquote>' closed the quote
     * around it, its rest became text and what followed left the quote. */
    htmlDocPtr doc = NULL;
    htmlParserCtxtPtr ctxt = xml_html_ctxt_new();
    if (ctxt) {
        doc = htmlCtxtReadMemory(ctxt, in, (int)inlen, NULL, "UTF-8",
                                 HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                                     HTML_PARSE_NONET | HTML_PARSE_COMPACT |
                                     HTML_PARSE_RECOVER);
        htmlFreeParserCtxt(ctxt);
    }
    return doc;
}

htmlDocPtr html_parse(const char *html, size_t len)
{
    return html_parse_runs(html, len, HTML_MIN_RUN, NULL);
}

htmlDocPtr html_parse_runs(const char *html, size_t len, size_t min_run, int *hid_runs)
{
    if (hid_runs)
        *hid_runs = 0;
    if (!html || !len)
        return NULL;
    if (len > INT_MAX / 4)
        len = INT_MAX / 4;
    /* libxml2 2.9's HTML parser, on the first invalid UTF-8 byte, switches the rest of the
     * document to ISO-8859-1 (htmlCurrentChar), and a NUL byte ends it: replace such bytes
     * with U+FFFD first, as browsers do (WHATWG Encoding, "UTF-8 decode"). */
    struct buf fixed = {0};
    const unsigned char *s = (const unsigned char *)html;
    size_t run = 0;
    for (size_t i = 0; i < len;) {
        i += scan_ascii_nonzero(s + i, len - i);
        if (i >= len)
            break;
        /* a NUL, or the first byte of a character from U+0080 (common/utf8.h) */
        size_t k = s[i] ? utf8_seq_len(s + i, len - i) : 0;
        if (k) {
            i += k;
            continue;
        }
        buf_append(&fixed, html + run, i - run);
        buf_puts(&fixed, "\xEF\xBF\xBD");
        run = ++i;
    }
    if (fixed.data)
        buf_append(&fixed, html + run, len - run);
    const char *in = fixed.data ? fixed.data : html;
    size_t inlen = fixed.data ? fixed.len : len;
    /* The text of a post goes past the parser (html_runs.h); the original document is
     * parsed when the markers do not come back as they went in. */
    struct html_runs runs;
    htmlDocPtr doc = NULL;
    if (xml_accel_on(XML_ACCEL_HTML_RUNS) && html_runs_hide(in, inlen, min_run, &runs) == 0) {
        doc = parse_utf8(runs.doc, runs.len);
        if (doc && html_runs_restore(doc, in, &runs) < 0) {
            xmlFreeDoc(doc);
            doc = NULL;
        }
        if (hid_runs)
            *hid_runs = doc != NULL;
        html_runs_free(&runs);
    }
    if (!doc)
        doc = parse_utf8(in, inlen);
    buf_free(&fixed);
    return doc;
}

/* ---- the walk -------------------------------------------------------------------- */

static struct md_frame *push_frame(struct md *w, xmlNode *n, const struct html_elem *e)
{
    if (w->nframes == w->capframes) {
        w->capframes = w->capframes ? 2 * w->capframes : 64;
        w->frames = xrealloc(w->frames, w->capframes * sizeof *w->frames);
    }
    struct md_frame *f = &w->frames[w->nframes++];
    memset(f, 0, sizeof *f);
    f->node = n;
    f->e = e;
    f->mark = w->inl.len;
    return f;
}

static void leave(struct md *w)
{
    if (!w->nframes || !w->frames)
        return;
    struct md_frame *f = &w->frames[w->nframes - 1];
    if (f->e && f->e->close)
        f->e->close(w, f);
    free(f->url);
    free(f->title);
    w->nframes--;
}

/* Opens an element; returns its first child when the walk should go down into it, else
 * NULL (the element is already closed). */
static xmlNode *enter(struct md *w, xmlNode *n)
{
    const struct html_elem *e = html_elem_lookup((const char *)n->name);
    if (e->kind == HK_SKIP || html_is_hidden(n))
        return NULL;
    struct md_frame *f = push_frame(w, n, e);
    int r = e->open ? e->open(w, f) : MD_DESCEND;
    if (r == MD_DESCEND && n->children)
        return n->children;
    leave(w);
    return NULL;
}

/* Depth-first walk by parent/next pointers: the C stack does not grow with nesting, and
 * every element that was entered has a frame, so going up closes exactly one frame. */
static void walk(struct md *w, xmlNode *first)
{
    xmlNode *n = first;
    while (n) {
        xmlNode *down = NULL;
        if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE)
            md_text(w, (const char *)n->content);
        else if (n->type == XML_ELEMENT_NODE)
            down = enter(w, n);
        if (down) {
            n = down;
            continue;
        }
        while (n && !n->next) {
            n = n->parent;
            if (!n || n->type == XML_HTML_DOCUMENT_NODE || n->type == XML_DOCUMENT_NODE) {
                n = NULL;
                break;
            }
            leave(w);
        }
        if (n)
            n = n->next;
    }
    while (w->nframes) /* not reached with a well-formed tree; kept for safety */
        leave(w);
}

char *html2md(const char *html, size_t len, const char *base_url)
{
    htmlDocPtr doc = html_parse(html, len);
    if (!doc)
        return xstrdup("");
    char *md = md_from_doc(doc, len, base_url);
    xmlFreeDoc(doc);
    return md;
}

/* One parse for both outputs: the parse (and freeing the tree) is most of html_to_text's
 * cost, and every written post needs its markdown and its text (bench/README.md). Both
 * walks only read the tree, so each output is what its own function would return. */
void html_convert(const char *html, size_t len, const char *base_url, char **markdown,
                  char **text)
{
    htmlDocPtr doc = html_parse(html, len);
    if (markdown)
        *markdown = doc ? md_from_doc(doc, len, base_url) : xstrdup("");
    if (text)
        *text = doc ? html_text_from_doc(doc) : xstrdup("");
    if (doc)
        xmlFreeDoc(doc);
}

/* len is the HTML's length: it sets the output cap. */
char *md_from_doc(htmlDocPtr doc, size_t len, const char *base_url)
{
    return md_from_node(doc->children, len, base_url);
}

char *md_from_node(xmlNode *first, size_t len, const char *base_url)
{
    struct md w = {0};
    w.base = base_url;
    /* Escaping at most doubles text; prefixes, resolved URLs and table padding add more,
     * so allow a generous multiple but never an unbounded one. */
    w.limit = len < SIZE_MAX / 32 ? 16 * len + 4096 : SIZE_MAX / 2;
    walk(&w, first);
    md_flush(&w);
    md_pre_free(&w);
    free(w.frames);
    buf_free(&w.inl);
    buf_free(&w.resolved);
    return buf_steal(&w.out);
}
