/* feeds/html_text.c: the visible text of an HTML fragment, for the summarizer and for
 * plain-text titles (owner: html2md engineer). Same parser and the same element table as
 * the markdown converter (what is skipped there is skipped here), but no markup at all:
 * white space collapsed, blocks separated by a blank line, <br> by a newline, table cells
 * by a space. Images and embedded media contribute nothing. */
#include "feeds/html2md.h"
#include "feeds/html2md_int.h"

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

static void put(struct text *t, const char *s, size_t n)
{
    if (t->out.len) {
        static const char *const seps[] = {"", " ", "\n", "\n\n"};
        buf_puts(&t->out, seps[t->sep]);
    }
    t->sep = SEP_NONE;
    buf_append(&t->out, s, n);
}

static void text_node(struct text *t, const char *s)
{
    while (*s) {
        /* U+00A0 counts as white space, as in html2md.c. */
        int nbsp = (unsigned char)s[0] == 0xC2 && (unsigned char)s[1] == 0xA0;
        if (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\f' || *s == '\n' || nbsp) {
            owe(t, *s == '\n' && t->pre ? SEP_LINE : SEP_SPACE);
            s += nbsp ? 2 : 1;
            continue;
        }
        const char *word = s;
        while (*s && *s != ' ' && *s != '\t' && *s != '\r' && *s != '\f' && *s != '\n' &&
               !((unsigned char)s[0] == 0xC2 && (unsigned char)s[1] == 0xA0))
            s++;
        put(t, word, (size_t)(s - word));
    }
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

/* The walk only reads the tree, so html_convert can hand the same document to
 * md_from_doc afterwards. */
char *html_text_from_doc(htmlDocPtr doc)
{
    struct text t = {0};
    /* The same parent-pointer walk as html2md.c: no recursion, no stack. */
    xmlNode *n = doc->children;
    while (n) {
        int down = 0;
        if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE)
            text_node(&t, (const char *)n->content);
        else if (n->type == XML_ELEMENT_NODE) {
            const struct html_elem *e = html_elem_lookup((const char *)n->name);
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
            element_edge(&t, html_elem_lookup((const char *)n->name), 0);
        }
        if (n)
            n = n->next;
    }
    return buf_steal(&t.out);
}
