/* markdown/html_text.c: the visible text of an HTML fragment, for the summarizer and for
 * plain-text titles (owner: html2md engineer). Same parser and the same element table as
 * the markdown converter (what is skipped there is skipped here), but no markup at all:
 * white space collapsed, blocks separated by a blank line, <br> by a newline, table cells
 * by a space. Images and embedded media contribute nothing. */
#include "markdown/html2md.h"
#include "markdown/html2md_int.h"

#include <string.h>

enum sep { SEP_NONE, SEP_SPACE, SEP_LINE, SEP_PARA };

struct text {
    struct buf out;
    enum sep sep;   /* separator owed before the next visible character */
    int pre;        /* inside <pre>: newlines are kept as line breaks */
};

static void owe(struct text *t, enum sep s)
{
    if (s > t->sep)
        t->sep = s;
}

/* White space as md_inline.c (md_text) sees it, by byte: 1 for the one-byte spaces, 2 for
 * 0xC2 (white space when 0xA0 follows: U+00A0), 3 for the terminating NUL. */
static const unsigned char ws_class[256] = {
    [' '] = 1, ['\t'] = 1, ['\r'] = 1, ['\f'] = 1, ['\n'] = 1, [0xC2] = 2, [0] = 3,
};

/* The length of the white space at u (U+00A0 included), 0 when there is none. */
static size_t ws_at(const unsigned char *u)
{
    unsigned c = ws_class[u[0]];
    return c == 1 ? 1 : c == 2 && u[1] == 0xA0 ? 2 : 0;
}

/* The node's words, each after the separator owed before it, written straight into the
 * buffer: it is grown once per node, not once per word and separator. */
static void text_node(struct text *t, const char *s)
{
    static const char *const seps[] = {"", " ", "\n", "\n\n"};
    size_t len = strlen(s);
    if (!len)
        return;
    /* Room for all the node can add: its bytes, and two for the separator before its
     * first word (every later separator takes the place of white space at least as
     * long). */
    buf_grow(&t->out, len + 2);
    char *const base = t->out.data;
    char *w = base + t->out.len;
    const unsigned char *u = (const unsigned char *)s;
    while (*u) {
        size_t k = ws_at(u);
        if (k) {
            owe(t, *u == '\n' && t->pre ? SEP_LINE : SEP_SPACE);
            u += k;
            continue;
        }
        if (w != base)
            for (const char *p = seps[t->sep]; *p; p++)
                *w++ = *p;
        t->sep = SEP_NONE;
        /* The word, and the words after it as long as one ' ' separates them (that space
         * is the very separator they owe): one copy of the whole run. */
        const unsigned char *e = u + 1;
        for (;;) {
            while (!ws_class[*e])
                e++;
            if (*e == ' ' && !ws_class[e[1]])
                e += 2;
            else if (*e == 0xC2 && e[1] != 0xA0)
                e++;
            else
                break;
        }
        memcpy(w, u, (size_t)(e - u));
        w += e - u;
        u = e;
    }
    t->out.len = (size_t)(w - base);
    *w = '\0';
}

static void element_edge(struct text *t, const struct html_elem *e, int opening)
{
    switch (e->kind) {
    case HK_BLOCK:
        owe(t, SEP_PARA);
        break;
    case HK_PRE:
        owe(t, SEP_PARA);
        t->pre += opening ? 1 : -1;
        break;
    case HK_BREAK:
        owe(t, SEP_LINE);
        break;
    case HK_CELL:
        owe(t, SEP_SPACE);
        break;
    default:
        break;
    }
}

char *html_to_text(const char *html, size_t len)
{
    htmlDocPtr doc = html_parse(html, len);
    if (!doc)
        return xstrdup("");
    char *text = html_text_from_doc(doc);
    xmlFreeDoc(doc);
    return text;
}

/* html_elem_lookup() (a binary search of the element table) remembered by name, in
 * slots chosen by the name's first two bytes: each element is looked up twice (opening
 * and closing), and a fragment uses few distinct tags. A slot's name points into the
 * tree, which stays as it is during the walk. */
#define ELEM_CACHE 32 /* a power of two */
struct elem_cache {
    const char *name[ELEM_CACHE];
    const struct html_elem *e[ELEM_CACHE];
};

static const struct html_elem *elem_of(struct elem_cache *c, const xmlChar *xname)
{
    const char *name = (const char *)xname;
    if (!name || !name[0])
        return html_elem_lookup(name);
    size_t k = ((unsigned char)name[0] * 7u + (unsigned char)name[1]) & (ELEM_CACHE - 1);
    if (!c->e[k] || strcmp(c->name[k], name) != 0) {
        c->name[k] = name;
        c->e[k] = html_elem_lookup(name);
    }
    return c->e[k];
}

/* The walk only reads the tree, so html_convert can hand the same document to
 * md_from_doc afterwards. */
char *html_text_from_doc(htmlDocPtr doc)
{
    struct text t = {0};
    struct elem_cache cache = {0};
    /* The same parent-pointer walk as html2md.c: no recursion, no stack. */
    xmlNode *n = doc->children;
    while (n) {
        int down = 0;
        if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE)
            text_node(&t, (const char *)n->content);
        else if (n->type == XML_ELEMENT_NODE) {
            const struct html_elem *e = elem_of(&cache, n->name);
            if (e->kind != HK_SKIP && e->kind != HK_EMBED && !html_is_hidden(n)) {
                element_edge(&t, e, 1);
                if (n->children)
                    down = 1;
                else
                    element_edge(&t, e, 0);
            }
        }
        if (down) {
            n = n->children;
            continue;
        }
        while (n && !n->next) {
            n = n->parent;
            if (!n || n->type == XML_HTML_DOCUMENT_NODE || n->type == XML_DOCUMENT_NODE) {
                n = NULL;
                break;
            }
            element_edge(&t, elem_of(&cache, n->name), 0);
        }
        if (n)
            n = n->next;
    }
    return buf_steal(&t.out);
}
