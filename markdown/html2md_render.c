/* markdown/html2md_render.c: one renderer per HTML tag, in a table sorted by tag name
 * (newsraft's render-text-html.c shape), for the markdown writer (md_inline.c,
 * md_blocks.c); tables are in html2md_table.c (owner: html2md engineer). A tag that is not in the table renders
 * as its content only.
 * Each open records in frame->mode what it did (enum md_mode, html2md_int.h), so that its
 * close undoes exactly that. */
#include "markdown/html2md.h"
#include "markdown/html2md_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* ---- generic blocks ---------------------------------------------------------------- */

static int blk_open(struct md *w, struct md_frame *f)
{
    (void)f;
    md_block_begin(w);
    return MD_DESCEND;
}

static void blk_close(struct md *w, struct md_frame *f)
{
    (void)f;
    md_block_end(w);
}

static int br_open(struct md *w, struct md_frame *f)
{
    (void)f;
    md_hard_break(w);
    return MD_NO_CHILDREN;
}

static int hr_open(struct md *w, struct md_frame *f)
{
    (void)f;
    if (w->raw)
        return MD_NO_CHILDREN;
    if (w->inline_only) {
        md_space(w);
        return MD_NO_CHILDREN;
    }
    md_flush(w);
    /* A rule first in the output means nothing; first in a list item "- ---" would read
     * as a rule of its own. After a blank line "---" cannot be a setext underline. */
    if (!w->out.len || (w->nctr && w->ctr[w->nctr - 1].pending))
        return MD_NO_CHILDREN;
    md_set_blank(w);
    md_emit_line(w, "---", 3);
    md_set_blank(w);
    return MD_NO_CHILDREN;
}

/* ---- emphasis, strikethrough, quotes ------------------------------------------------ */

static int *marker_depth(struct md *w, const char *marker)
{
    return marker[0] == '*' ? &w->strong : marker[0] == '_' ? &w->em : &w->del;
}

static int mark_open(struct md *w, struct md_frame *f)
{
    int *depth = marker_depth(w, f->e->arg);
    if (w->raw || w->code || *depth) /* "****x****" would not be strong twice */
        return MD_DESCEND;
    f->mode = MD_MODE_OPEN;
    (*depth)++;
    w->inline_only++;
    f->mark = w->inl.len;
    return MD_DESCEND;
}

static void mark_close(struct md *w, struct md_frame *f)
{
    if (f->mode == MD_MODE_NONE)
        return;
    (*marker_depth(w, f->e->arg))--;
    w->inline_only--;
    /* Sentinels, not markers: which marker, and where, is decided when the whole
     * paragraph is known (md_emphasis.c). */
    char kind = f->e->arg[0] == '*' ? 's' : f->e->arg[0] == '_' ? 'e' : 'd';
    const char open[2] = {MD_MARK_OPEN, kind}, close[2] = {MD_MARK_CLOSE, kind};
    int lead, trail;
    int content = md_wrap_begin(w, f->mark, open, 2, &lead, &trail);
    if (content)
        md_token(w, close, 2);
    if (trail || (!content && lead))
        md_space(w);
}

static int q_open(struct md *w, struct md_frame *f)
{
    (void)f;
    if (!w->raw)
        md_token(w, "\xE2\x80\x9C", 3); /* U+201C, as browsers render <q> in English */
    return MD_DESCEND;
}

static void q_close(struct md *w, struct md_frame *f)
{
    (void)f;
    if (!w->raw)
        md_token(w, "\xE2\x80\x9D", 3);
}

/* ---- code ---------------------------------------------------------------------------- */

/* 1 when the subtree of n holds a link with an href (looked at up to a bound: a code
 * element is small; a huge one is rendered as one span). */
static int holds_link(xmlNode *n)
{
    size_t budget = 4096;
    xmlNode *c = n->children;
    while (c && budget--) {
        if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, "a") == 0 &&
            xmlHasProp(c, (const xmlChar *)"href"))
            return 1;
        if (c->type == XML_ELEMENT_NODE && c->children) {
            c = c->children;
            continue;
        }
        while (c && !c->next && c != n)
            c = c->parent;
        if (!c || c == n)
            break;
        c = c->next;
    }
    return 0;
}

int code_open(struct md *w, struct md_frame *f)
{
    if (w->raw || w->code)
        return MD_DESCEND;
    f->mode = MD_MODE_OPEN;
    /* A code span cannot hold a link (CommonMark 6.1: its content is literal), so
     * <code><a href=..>f</a> x</code> becomes [`f`](..) `x`: code pieces around links. */
    if (!w->link && holds_link(f->node)) {
        f->mode = MD_MODE_CODE_PIECES;
        w->code_split = 1;
        w->code_mark = w->inl.len;
    }
    w->code++;
    w->inline_only++;
    f->mark = w->inl.len;
    return MD_DESCEND;
}

size_t md_longest_run(const char *s, size_t n, char c)
{
    size_t best = 0, cur = 0;
    for (size_t i = 0; i < n; i++) {
        cur = s[i] == c ? cur + 1 : 0;
        if (cur > best)
            best = cur;
    }
    return best;
}

/* Takes inl[mark..] out and puts it back as one code span. */
void md_code_span(struct md *w, size_t mark, int ignore_top)
{
    int lead, trail;
    char *s = md_take(w, mark, &lead, &trail);
    size_t n = strlen(s);
    if (n) {
        if (lead)
            md_space(w);
        /* md_take trimmed the blanks at its ends: padding only for a backtick there */
        struct buf t = {0};
        md_code_token(&t, s, n);
        md_code_syntax(w, t.data, t.len, ignore_top);
        buf_free(&t);
    }
    if (trail || (!n && lead))
        md_space(w);
    free(s);
}

void code_close(struct md *w, struct md_frame *f)
{
    if (f->mode == MD_MODE_NONE)
        return;
    if (f->mode == MD_MODE_CODE_PIECES) { /* split around links: the last piece */
        md_code_span(w, w->code_mark, 1);
        w->code_split = 0;
    } else
        md_code_span(w, f->mark, 1);
    w->code--;
    w->inline_only--;
}

/* ---- headings ------------------------------------------------------------------------ */

/* The start of a block (a heading, a quote, a list): none in raw text; where only inline
 * markdown can stand (a table cell, a link) the element is a space in the run (f->mode
 * MD_MODE_INLINE); elsewhere the pending text is flushed first. 1 when the block opens. */
static int opens_as_block(struct md *w, struct md_frame *f)
{
    if (w->raw)
        return 0;
    if (w->inline_only) {
        f->mode = MD_MODE_INLINE;
        md_space(w);
        return 0;
    }
    md_flush(w);
    return 1;
}

static int heading_open(struct md *w, struct md_frame *f)
{
    if (!opens_as_block(w, f))
        return MD_DESCEND;
    f->mode = MD_MODE_OPEN;
    w->inline_only++;
    f->mark = w->inl.len;
    return MD_DESCEND;
}

static void heading_close(struct md *w, struct md_frame *f)
{
    if (f->mode == MD_MODE_INLINE)
        md_space(w);
    if (f->mode != MD_MODE_OPEN)
        return;
    w->inline_only--;
    char *taken = md_take(w, f->mark, NULL, NULL);
    char *s = md_marks_resolve(taken, strlen(taken));
    free(taken);
    size_t n = strlen(s);
    if (n) {
        struct buf line = {0};
        int level = f->e->arg[0] - '0';
        for (int i = 0; i < level; i++)
            buf_putc(&line, '#');
        buf_putc(&line, ' ');
        /* CommonMark 4.2: a closing run of '#' after a space is not content. */
        size_t k = n;
        while (k && s[k - 1] == '#')
            k--;
        if (k < n && (k == 0 || s[k - 1] == ' ')) {
            buf_append(&line, s, k);
            buf_putc(&line, '\\');
            buf_puts(&line, s + k);
        } else
            buf_puts(&line, s);
        md_emit_line(w, line.data, line.len);
        md_set_blank(w);
        buf_free(&line);
    }
    free(s);
}

/* ---- links, images, embedded media ------------------------------------------------------ */

static int a_open(struct md *w, struct md_frame *f)
{
    if ((w->code && !w->code_split) || w->link)
        return MD_DESCEND;
    char *href = html_attr(f->node, "href");
    f->url = html_safe_url(w->base, href);
    free(href);
    if (!f->url) /* no href, or javascript: and friends: the text stays, the URL goes */
        return MD_DESCEND;
    if (w->raw) { /* in <pre>: marked in the raw text, rendered by html2md_pre.c */
        md_pre_link(w, f->url);
        f->mode = MD_MODE_INLINE;
        w->link++;
        return MD_DESCEND;
    }
    if (w->code_split) /* the code before the link is one span (f->mark is set below) */
        md_code_span(w, w->code_mark, 1);
    f->title = html_attr(f->node, "title");
    f->mode = MD_MODE_OPEN;
    w->link++;
    w->inline_only++;
    f->mark = w->inl.len;
    if (w->code_split)
        w->code_mark = w->inl.len;
    return MD_DESCEND;
}

static void a_close(struct md *w, struct md_frame *f)
{
    if (f->mode == MD_MODE_NONE)
        return;
    if (f->mode == MD_MODE_INLINE) {
        md_token(w, (const char[]){MD_PRE_LINK_END}, 1);
        w->link--;
        return;
    }
    if (w->code_split) /* the link text is code too (taken from f->mark below) */
        md_code_span(w, w->code_mark, 0);
    w->link--;
    w->inline_only--;
    /* The link, "[text](url "title")", is one token (md_syntax) */
    int lead, trail;
    int content = md_wrap_begin(w, f->mark, (const char[]){MD_SYNTAX, '['}, 2, &lead, &trail);
    if (content) {
        buf_append(&w->inl, "](", 2);
        md_put_url(&w->inl, f->url);
        if (f->title && !str_empty(f->title))
            md_put_title(&w->inl, f->title);
        buf_append(&w->inl, (const char[]){')', MD_SYNTAX}, 2);
    }
    if (trail || (!content && lead))
        md_space(w);
    if (w->code_split)
        w->code_mark = w->inl.len;
}

/* Alt text and titles: white space collapsed, inline syntax escaped. */
static void put_plain(struct buf *b, const char *s)
{
    char *t = str_squash_ws(xstrdup(s));
    md_escape_inline(b, t, strlen(t));
    free(t);
}

/* Lazy-loading pages keep the real image in data-* attributes and a placeholder (often a
 * data: URL, which the policy refuses anyway) in src. */
static const char *const img_src_attrs[] = {"src", "data-src", "data-lazy-src", "data-original"};

static char *img_url(struct md *w, xmlNode *n)
{
    for (size_t i = 0; i < sizeof img_src_attrs / sizeof *img_src_attrs; i++) {
        char *v = html_attr(n, img_src_attrs[i]);
        char *u = html_safe_url(w->base, v);
        free(v);
        if (u)
            return u;
    }
    char *set = html_attr(n, "srcset"); /* "a.jpg 1x, b.jpg 2x": the first candidate */
    if (!set)
        return NULL;
    char *p = set;
    while (isspace((unsigned char)*p))
        p++;
    p[strcspn(p, " \t\n\r\f,")] = '\0';
    char *u = html_safe_url(w->base, p);
    free(set);
    return u;
}

static int img_open(struct md *w, struct md_frame *f)
{
    if (html_is_tracker(f->node))
        return MD_NO_CHILDREN;
    char *alt = html_attr(f->node, "alt");
    /* Code cannot hold an image: its alt text stands in (an emoji image in a listing). */
    char *url = w->code || w->raw ? NULL : img_url(w, f->node);
    if (!url) { /* the image cannot be shown: its alt text stands in for it */
        if (alt)
            md_text(w, alt);
        free(alt);
        return MD_NO_CHILDREN;
    }
    char *title = html_attr(f->node, "title");
    struct buf t = {0};
    buf_puts(&t, "![");
    if (alt)
        put_plain(&t, alt);
    buf_puts(&t, "](");
    md_put_url(&t, url);
    if (title && !str_empty(title))
        md_put_title(&t, title);
    buf_putc(&t, ')');
    md_syntax(w, t.data, t.len);
    buf_free(&t);
    free(alt);
    free(title);
    free(url);
    return MD_NO_CHILDREN;
}

/* iframe, video, audio, object, embed: shown as a link to what they embed; their content
 * is fallback text for old browsers and is skipped. */
static int embed_open(struct md *w, struct md_frame *f)
{
    /* <embed> is void in HTML5, but libxml2 2.9 makes what follows it its children: they
     * are content. The others' children are fallback for old browsers. */
    int after = strcmp(f->e->name, "embed") == 0 ? MD_DESCEND : MD_NO_CHILDREN;
    if (w->raw || w->code || w->link)
        return after;
    char *src = html_attr(f->node, "src");
    if (!src)
        src = html_attr(f->node, "data");
    for (xmlNode *c = f->node->children; c && !src; c = c->next)
        if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, "source") == 0)
            src = html_attr(c, "src");
    char *url = html_safe_url(w->base, src);
    free(src);
    if (!url)
        return after;
    char *label = html_attr(f->node, "title");
    struct buf t = {0};
    buf_putc(&t, '[');
    if (label && !str_empty(label))
        put_plain(&t, label);
    else
        buf_puts(&t, f->e->arg);
    buf_puts(&t, "](");
    md_put_url(&t, url);
    buf_putc(&t, ')');
    md_space(w);
    md_syntax(w, t.data, t.len);
    md_space(w);
    buf_free(&t);
    free(label);
    free(url);
    return after;
}

/* ---- quotes and lists ------------------------------------------------------------------ */

static int quote_open(struct md *w, struct md_frame *f)
{
    if (!opens_as_block(w, f))
        return MD_DESCEND;
    f->mode = md_push_container(w, 'q', "> ") ? MD_MODE_OPEN : MD_MODE_TOO_DEEP;
    return MD_DESCEND;
}

static void quote_close(struct md *w, struct md_frame *f)
{
    if (f->mode == MD_MODE_INLINE)
        md_space(w);
    if (f->mode == MD_MODE_OPEN || f->mode == MD_MODE_TOO_DEEP)
        md_flush(w);
    if (f->mode == MD_MODE_OPEN)
        md_pop_container(w);
}

static int list_open(struct md *w, struct md_frame *f)
{
    if (!opens_as_block(w, f))
        return MD_DESCEND;
    f->mode = MD_MODE_OPEN;
    /* A list nested in an item follows the item's text without a blank line. */
    if (w->nctr && w->ctr[w->nctr - 1].kind == 'l')
        w->need_blank = 0;
    f->counter = 1;
    char *start = html_attr(f->node, "start");
    if (start) {
        f->counter = strtol(start, NULL, 10);
        free(start);
    }
    return MD_DESCEND;
}

static void list_close(struct md *w, struct md_frame *f)
{
    if (f->mode == MD_MODE_INLINE)
        md_space(w);
    else if (f->mode == MD_MODE_OPEN)
        md_flush(w);
}

static struct md_frame *enclosing_list(struct md *w)
{
    for (size_t i = w->nframes - 1; i-- > 0;) {
        if (w->frames[i].e->open == list_open)
            return &w->frames[i];
        if (w->frames[i].e->kind == HK_CELL) /* a list never reaches across a cell */
            break;
    }
    return NULL;
}

static int li_open(struct md *w, struct md_frame *f)
{
    if (w->raw)
        return MD_DESCEND;
    struct md_frame *list = enclosing_list(w);
    if (w->inline_only || (list && list->mode != MD_MODE_OPEN)) {
        f->mode = MD_MODE_INLINE;
        md_space(w);
        return MD_DESCEND;
    }
    md_flush(w);
    char marker[16] = "- ";
    if (list && strcmp(list->e->arg, "ol") == 0) {
        long n = list->counter;
        char *v = html_attr(f->node, "value");
        if (v) {
            n = strtol(v, NULL, 10);
            free(v);
        }
        /* CommonMark 5.2: at most nine digits, never negative. */
        if (n < 0)
            n = 0;
        if (n > 999999999)
            n = 999999999;
        list->counter = n + 1;
        snprintf(marker, sizeof marker, "%ld. ", n);
    }
    if (list && list->items++ > 0)
        w->need_blank = 0; /* tight list: items follow each other */
    f->mode = md_push_container(w, 'l', marker) ? MD_MODE_OPEN : MD_MODE_TOO_DEEP;
    return MD_DESCEND;
}

static void li_close(struct md *w, struct md_frame *f)
{
    if (f->mode == MD_MODE_INLINE)
        md_space(w);
    if (f->mode == MD_MODE_OPEN || f->mode == MD_MODE_TOO_DEEP)
        md_flush(w);
    if (f->mode == MD_MODE_OPEN)
        md_pop_container(w); /* an item that printed nothing leaves no marker behind */
}

/* ---- the table ---------------------------------------------------------------------------- */

#define BLOCK(n) {n, HK_BLOCK, blk_open, blk_close, NULL}
#define INLINE(n) {n, HK_INLINE, NULL, NULL, NULL}
#define SKIP(n) {n, HK_SKIP, NULL, NULL, NULL}
#define MARK(n, m) {n, HK_INLINE, mark_open, mark_close, m}
#define CODE(n) {n, HK_INLINE, code_open, code_close, NULL}
#define EMBED(n, label) {n, HK_EMBED, embed_open, NULL, label}
#define HEADING(n, level) {n, HK_BLOCK, heading_open, heading_close, level}
#define LIST(n, type) {n, HK_BLOCK, list_open, list_close, type}
#define PRE(n) {n, HK_PRE, pre_open, pre_close, NULL}

/* Sorted by name (strcmp order, which html_elem_table_check checks: no name twice);
 * looked up by hash (html_elem_lookup). */
static const struct html_elem elems[] = {
    {"a", HK_INLINE, a_open, a_close, NULL},
    BLOCK("address"),
    SKIP("area"),
    BLOCK("article"),
    BLOCK("aside"),
    EMBED("audio", "audio"),
    MARK("b", "**"),
    SKIP("base"),
    {"blockquote", HK_BLOCK, quote_open, quote_close, NULL},
    BLOCK("body"),
    {"br", HK_BREAK, br_open, NULL, NULL},
    SKIP("button"),
    SKIP("canvas"),
    {"caption", HK_BLOCK, cell_open, cell_close, NULL},
    BLOCK("center"),
    MARK("cite", "_"),
    CODE("code"),
    SKIP("col"),
    SKIP("colgroup"),
    SKIP("datalist"),
    BLOCK("dd"),
    MARK("del", "~~"),
    BLOCK("details"),
    MARK("dfn", "_"),
    SKIP("dialog"),
    LIST("dir", "ul"),
    BLOCK("div"),
    BLOCK("dl"),
    BLOCK("dt"),
    MARK("em", "_"),
    {"embed", HK_INLINE, embed_open, NULL, "embed"}, /* void: see embed_open */
    BLOCK("fieldset"),
    BLOCK("figcaption"),
    BLOCK("figure"),
    BLOCK("footer"),
    BLOCK("form"),
    SKIP("frame"),
    SKIP("frameset"),
    HEADING("h1", "1"),
    HEADING("h2", "2"),
    HEADING("h3", "3"),
    HEADING("h4", "4"),
    HEADING("h5", "5"),
    HEADING("h6", "6"),
    SKIP("head"),
    BLOCK("header"),
    BLOCK("hgroup"),
    {"hr", HK_BLOCK, hr_open, NULL, NULL},
    MARK("i", "_"),
    EMBED("iframe", "iframe"),
    {"img", HK_EMBED, img_open, NULL, NULL},
    SKIP("input"),
    CODE("kbd"),
    BLOCK("legend"),
    {"li", HK_BLOCK, li_open, li_close, NULL},
    SKIP("link"),
    PRE("listing"),
    BLOCK("main"),
    SKIP("map"),
    LIST("menu", "ul"),
    SKIP("meta"),
    SKIP("meter"),
    BLOCK("nav"),
    SKIP("noembed"),
    SKIP("noframes"),
    SKIP("noscript"),
    EMBED("object", "object"),
    LIST("ol", "ol"),
    SKIP("optgroup"),
    SKIP("option"),
    SKIP("output"),
    BLOCK("p"),
    SKIP("param"),
    PRE("plaintext"),
    PRE("pre"),
    SKIP("progress"),
    {"q", HK_INLINE, q_open, q_close, NULL},
    SKIP("rp"),
    MARK("s", "~~"),
    CODE("samp"),
    SKIP("script"),
    BLOCK("section"),
    SKIP("select"),
    INLINE("source"), /* void in HTML5, a container to libxml2 2.9: see embed_open */
    MARK("strike", "~~"),
    MARK("strong", "**"),
    SKIP("style"),
    BLOCK("summary"),
    SKIP("svg"),
    {"table", HK_BLOCK, table_open, table_close, NULL},
    {"td", HK_CELL, cell_open, cell_close, NULL},
    SKIP("template"),
    SKIP("textarea"),
    {"th", HK_CELL, cell_open, cell_close, NULL},
    SKIP("title"),
    {"tr", HK_BLOCK, row_open, row_close, NULL},
    INLINE("track"),
    CODE("tt"),
    LIST("ul", "ul"),
    MARK("var", "_"),
    EMBED("video", "video"),
    PRE("xmp"),
};

/* Every element of every post is looked up (the markdown walk and the text walk): by a
 * hash of the name into an open-addressing table of the entries' indexes, made on first
 * use from the sorted table itself. */
#define ELEM_SLOTS 256 /* a power of two, over twice the number of entries */
_Static_assert(sizeof elems / sizeof *elems < ELEM_SLOTS / 2, "ELEM_SLOTS is too small");
static unsigned char elem_slot[ELEM_SLOTS]; /* index + 1 into elems; 0: free */
static int elem_slots_ready;

static unsigned elem_hash(const char *s)
{
    unsigned h = 2166136261u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h & (ELEM_SLOTS - 1);
}

static void elem_slots_init(void)
{
    for (size_t i = 0; i < sizeof elems / sizeof *elems; i++) {
        unsigned h = elem_hash(elems[i].name);
        while (elem_slot[h] && elem_slot[h] != i + 1) /* a second init changes nothing */
            h = (h + 1) & (ELEM_SLOTS - 1);
        elem_slot[h] = (unsigned char)(i + 1);
    }
    __atomic_store_n(&elem_slots_ready, 1, __ATOMIC_RELEASE);
}

int html_elem_table_check(void)
{
    for (size_t i = 1; i < sizeof elems / sizeof *elems; i++)
        if (strcmp(elems[i - 1].name, elems[i].name) >= 0)
            return -1;
    return 0;
}

static const struct html_elem plain_elem = {"", HK_INLINE, NULL, NULL, NULL};

const struct html_elem *html_elem_lookup(const char *name)
{
    if (!name)
        return &plain_elem;
    if (!__atomic_load_n(&elem_slots_ready, __ATOMIC_ACQUIRE))
        elem_slots_init();
    for (unsigned h = elem_hash(name); elem_slot[h]; h = (h + 1) & (ELEM_SLOTS - 1)) {
        const struct html_elem *e = &elems[elem_slot[h] - 1];
        if (e->name[0] == name[0] && strcmp(e->name, name) == 0)
            return e;
    }
    return &plain_elem;
}
