/* markdown/readability.c: extracts the main article of a web page (owner: html2md
 * engineer). Mozilla Readability's approach, simplified:
 *   1. parse with libxml2's HTML parser (its nesting cap of 256 bounds every walk below,
 *      and every walk is iterative anyway: parent pointers, no recursion);
 *   2. remove what is never content (scripts, forms, navigation) and "unlikely
 *      candidates": elements whose class or id reads as boilerplate (comment, sidebar,
 *      footer...) and not as content;
 *   3. count, per element, its text, its link text and its commas, in one bottom-up pass;
 *   4. score every paragraph-like element (1 + commas + one point per 100 characters, at
 *      most 3) into its ancestors: all of it to the parent, half to the grandparent, then
 *      score / (level * 3), five levels up; an ancestor starts from its tag's base score
 *      and its class/id weight (the hint table);
 *   5. the best candidate, its score scaled by (1 - link density), is the article; its
 *      siblings join when they score well or are plain prose paragraphs;
 *   6. inside the article, blocks whose class/id reads as boilerplate or that are mostly
 *      links (lists excepted) go; relative URLs are resolved; the result is serialised. */
#include "markdown/readability.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>
#include <libxml/HTMLtree.h>

#include "common/utf8.h"
#include "common/util.h"
#include "feeds/url.h"
#include "feeds/xml_compat.h"
#include "markdown/html_sanitize.h"   /* html_is_hidden: the same rule as html2md */

/* An article shorter than this is a teaser or an error page, not worth replacing the
 * feed's own text with. */
#define MIN_ARTICLE_TEXT 140

/* ---- tables ------------------------------------------------------------------------- */

/* Words in class and id attributes (matched at the start of a token, case-insensitive:
 * "sidebar" matches "SidebarTheDeck" and "left-sidebar", not "nosidebar"). */
static const struct hint {
    const char *word;
    int weight;
} hints[] = {
    {"article", 25}, {"content", 25}, {"entry", 25}, {"post", 25},  {"main", 25},
    {"body", 25},    {"text", 25},    {"story", 25}, {"comment", -25}, {"footer", -25},
    {"sidebar", -25}, {"nav", -25},   {"menu", -25}, {"share", -25}, {"social", -25},
    {"related", -25}, {"promo", -25}, {"ad-", -25},  {"banner", -25}, {"cookie", -25},
    {"header", -25}, {"masthead", -25}, {"widget", -25},
};

enum {
    T_DROP = 1,   /* never content: removed with everything inside */
    T_PARA = 2,   /* scored as a paragraph */
    T_BLOCK = 4,  /* block-level: a <div> holding one is a container, not a paragraph */
    T_COND = 8,   /* removed from the article when it reads as boilerplate */
    T_LIST = 16,  /* exempt from the link-density rule (a list of links can be content) */
    T_KEEP = 32,  /* never an unlikely candidate, whatever its class */
};

/* Sorted by name. base: the starting score of a candidate (Readability's values). */
static const struct tag {
    const char *name;
    int base;
    unsigned flags;
} tags[] = {
    {"a", 0, T_KEEP},
    {"address", -3, T_BLOCK},
    {"article", 0, T_BLOCK | T_KEEP},
    {"aside", 0, T_DROP},
    {"blockquote", 3, T_BLOCK},
    {"body", 0, T_BLOCK | T_KEEP},
    {"button", 0, T_DROP},
    {"dd", -3, T_BLOCK},
    {"div", 5, T_BLOCK | T_COND},
    {"dl", -3, T_BLOCK | T_LIST},
    {"dt", -3, T_BLOCK},
    {"embed", 0, T_DROP},
    {"figure", 0, T_BLOCK},
    {"footer", 0, T_DROP},
    {"form", -3, T_DROP},
    {"frame", 0, T_DROP},
    {"h1", -5, T_BLOCK},
    {"h2", -5, T_BLOCK | T_PARA},
    {"h3", -5, T_BLOCK | T_PARA},
    {"h4", -5, T_BLOCK | T_PARA},
    {"h5", -5, T_BLOCK | T_PARA},
    {"h6", -5, T_BLOCK | T_PARA},
    {"head", 0, T_DROP},
    {"hr", 0, T_BLOCK},
    {"html", 0, T_KEEP},
    {"input", 0, T_DROP},
    {"li", -3, T_BLOCK},
    {"link", 0, T_DROP},
    {"main", 0, T_BLOCK | T_KEEP},
    {"meta", 0, T_DROP},
    {"nav", 0, T_DROP},
    {"noscript", 0, T_DROP},
    {"object", 0, T_DROP},
    {"ol", -3, T_BLOCK | T_LIST},
    {"p", 0, T_BLOCK | T_PARA},
    {"pre", 3, T_BLOCK | T_PARA},
    {"script", 0, T_DROP},
    {"section", 0, T_BLOCK | T_PARA | T_COND},
    {"select", 0, T_DROP},
    {"style", 0, T_DROP},
    {"svg", 0, T_DROP},
    {"table", 0, T_BLOCK | T_COND},
    {"td", 3, T_BLOCK | T_PARA},
    {"template", 0, T_DROP},
    {"textarea", 0, T_DROP},
    {"th", -5, T_BLOCK},
    {"ul", -3, T_BLOCK | T_LIST},
};

static const struct tag *tag_of(const xmlNode *n)
{
    static const struct tag none = {"", 0, 0};
    size_t lo = 0, hi = sizeof tags / sizeof *tags;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp((const char *)n->name, tags[mid].name);
        if (c == 0)
            return &tags[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return &none;
}

/* ---- per-element facts ---------------------------------------------------------------- */

struct info {
    double score;
    size_t text, link_text, commas;
    int scored;
};

static struct info *info_of(const xmlNode *n)
{
    return (struct info *)n->_private;
}

static int is_element(const xmlNode *n)
{
    return n && n->type == XML_ELEMENT_NODE;
}

/* Next node in document order below root, descending into children unless skip. */
static xmlNode *next_node(xmlNode *n, xmlNode *root, int skip)
{
    if (!skip && n->children)
        return n->children;
    while (n && n != root && !n->next)
        n = n->parent;
    return n && n != root ? n->next : NULL;
}

static char *attr(xmlNode *n, const char *name)
{
    xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
    char *s = v ? xstrdup((const char *)v) : NULL;
    xmlFree(v);
    return s;
}

/* Sum of the hint weights found in class and id; *pos / *neg say which kinds matched. */
static int class_weight(xmlNode *n, int *pos, int *neg)
{
    int w = 0, p = 0, q = 0;
    const char *names[] = {"class", "id"};
    for (size_t k = 0; k < 2; k++) {
        char *v = attr(n, names[k]);
        if (!v)
            continue;
        for (char *s = v; *s; s++)
            *s = (char)tolower((unsigned char)*s);
        for (size_t i = 0; i < sizeof hints / sizeof *hints; i++) {
            for (const char *s = strstr(v, hints[i].word); s; s = strstr(s + 1, hints[i].word)) {
                if (s == v || !isalnum((unsigned char)s[-1])) {
                    if (hints[i].weight > 0)
                        p = 1;
                    else
                        q = 1;
                    w += hints[i].weight;
                    break;
                }
            }
        }
        free(v);
    }
    if (pos)
        *pos = p;
    if (neg)
        *neg = q;
    return w;
}

/* ---- the steps ---------------------------------------------------------------------- */

struct nodes {
    xmlNode **v;
    size_t n, cap;
};

static void nodes_add(struct nodes *l, xmlNode *n)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 64;
        l->v = xrealloc(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n++] = n;
}

static void remove_all(struct nodes *l)
{
    for (size_t i = 0; i < l->n; i++) {
        xmlUnlinkNode(l->v[i]);
        xmlFreeNode(l->v[i]);
    }
    l->n = 0;
}

/* Step 2: what is never content, and the unlikely candidates. */
static void prune(xmlNode *body)
{
    struct nodes gone = {0};
    for (xmlNode *n = body->children; n;) {
        int skip = 0;
        if (n->type == XML_COMMENT_NODE || n->type == XML_PI_NODE) {
            nodes_add(&gone, n);
            skip = 1;
        } else if (is_element(n)) {
            const struct tag *t = tag_of(n);
            int pos, neg;
            int unlikely = !(t->flags & T_KEEP) && (class_weight(n, &pos, &neg), neg && !pos);
            if ((t->flags & T_DROP) || unlikely || html_is_hidden(n)) {
                nodes_add(&gone, n);
                skip = 1;
            }
        }
        n = next_node(n, body, skip);
    }
    remove_all(&gone);
    free(gone.v);
}

/* Visible characters of a text node (white space runs count once) and its commas. */
static void count_text(const char *s, size_t *chars, size_t *commas)
{
    int space = 1;
    for (; *s; s++) {
        if (isspace((unsigned char)*s)) {
            if (!space)
                (*chars)++;
            space = 1;
            continue;
        }
        space = 0;
        if ((unsigned char)*s < 0x80 || ((unsigned char)*s & 0xC0) == 0xC0)
            (*chars)++;
        if (*s == ',')
            (*commas)++;
        else if (strncmp(s, "\xEF\xBC\x8C", 3) == 0 || strncmp(s, "\xE3\x80\x81", 3) == 0)
            (*commas)++; /* full-width comma, ideographic comma */
    }
}

/* Step 3: text, link text and commas of every element, bottom-up in one walk. */
static struct info *measure(xmlNode *body)
{
    size_t count = 1;
    for (xmlNode *n = body->children; n; n = next_node(n, body, 0))
        count += is_element(n);
    struct info *infos = xcalloc(count, sizeof *infos);
    size_t k = 0;
    body->_private = &infos[k++];
    for (xmlNode *n = body->children; n; n = next_node(n, body, 0))
        if (is_element(n))
            n->_private = &infos[k++];
    xmlNode *n = body->children;
    while (n) {
        if ((n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) && n->content) {
            struct info *p = info_of(n->parent);
            count_text((const char *)n->content, &p->text, &p->commas);
        }
        if (is_element(n) && n->children) {
            n = n->children;
            continue;
        }
        /* Going up: each element closed hands its counts to its parent. */
        while (n != body && !n->next) {
            n = n->parent;
            if (n == body)
                break;
            struct info *i = info_of(n), *p = info_of(n->parent);
            if (strcmp((const char *)n->name, "a") == 0)
                i->link_text = i->text;
            p->text += i->text;
            p->link_text += i->link_text;
            p->commas += i->commas;
        }
        n = n == body ? NULL : n->next;
    }
    return infos;
}

static double link_density(const struct info *i)
{
    return i->text ? (double)i->link_text / (double)i->text : 0.0;
}

/* A <div> with no block-level child reads as a paragraph (Readability turns it into a
 * <p>). */
static int is_paragraph(xmlNode *n)
{
    const struct tag *t = tag_of(n);
    if (t->flags & T_PARA)
        return 1;
    if (strcmp((const char *)n->name, "div") != 0)
        return 0;
    for (xmlNode *c = n->children; c; c = c->next)
        if (is_element(c) && (tag_of(c)->flags & T_BLOCK))
            return 0;
    return 1;
}

/* Step 4: paragraphs into their ancestors. Returns the best candidate. */
static xmlNode *score(xmlNode *body)
{
    xmlNode *best = NULL;
    double best_score = 0;
    struct nodes cands = {0};
    for (xmlNode *n = body->children; n; n = next_node(n, body, 0)) {
        if (!is_element(n) || !is_paragraph(n))
            continue;
        const struct info *i = info_of(n);
        if (i->text < 25)
            continue;
        double s = 1.0 + (double)i->commas + (double)(i->text / 100 < 3 ? i->text / 100 : 3);
        xmlNode *a = n->parent;
        for (int level = 0; level < 5 && is_element(a); level++, a = a->parent) {
            struct info *ai = info_of(a);
            if (!ai)
                break;
            if (!ai->scored) {
                ai->scored = 1;
                ai->score = tag_of(a)->base + class_weight(a, NULL, NULL);
                nodes_add(&cands, a);
            }
            ai->score += level == 0 ? s : level == 1 ? s / 2 : s / (level * 3);
            if (a == body)
                break;
        }
    }
    for (size_t k = 0; k < cands.n; k++) {
        struct info *i = info_of(cands.v[k]);
        i->score *= 1.0 - link_density(i);
        if (!best || i->score > best_score) {
            best = cands.v[k];
            best_score = i->score;
        }
    }
    free(cands.v);
    return best ? best : body;
}

static int plain_prose(xmlNode *n)
{
    const struct info *i = info_of(n);
    double ld = link_density(i);
    if (i->text > 80)
        return ld < 0.25;
    if (i->text == 0 || ld > 0)
        return 0;
    xmlChar *c = xmlNodeGetContent(n);
    int prose = c && *c && (strstr((const char *)c, ". ") || c[xmlStrlen(c) - 1] == '.');
    xmlFree(c);
    return prose;
}

/* Step 5: the candidate and the siblings that belong with it. */
static void select_nodes(xmlNode *top, xmlNode *body, struct nodes *out)
{
    if (top == body || !is_element(top->parent)) {
        nodes_add(out, top);
        return;
    }
    const struct info *ti = info_of(top);
    double threshold = ti->score * 0.2 > 10 ? ti->score * 0.2 : 10;
    char *top_class = attr(top, "class");
    for (xmlNode *s = top->parent->children; s; s = s->next) {
        if (s == top) {
            nodes_add(out, s);
            continue;
        }
        if (!is_element(s))
            continue;
        const struct info *si = info_of(s);
        double bonus = 0;
        char *cls = attr(s, "class");
        if (cls && top_class && *cls && strcmp(cls, top_class) == 0)
            bonus = ti->score * 0.2;
        free(cls);
        if ((si->scored && si->score + bonus >= threshold) ||
            (strcmp((const char *)s->name, "p") == 0 && plain_prose(s)))
            nodes_add(out, s);
    }
    free(top_class);
}

/* Step 6a: boilerplate blocks inside the article. */
static void clean(xmlNode *root)
{
    struct nodes gone = {0};
    for (xmlNode *n = root->children; n;) {
        int skip = 0;
        if (is_element(n)) {
            const struct tag *t = tag_of(n);
            if (t->flags & T_COND) {
                const struct info *i = info_of(n);
                int weight = class_weight(n, NULL, NULL);
                if (weight < 0 || (!(t->flags & T_LIST) && i && i->text &&
                                   link_density(i) > 0.5 && weight < 25)) {
                    nodes_add(&gone, n);
                    skip = 1;
                }
            }
        }
        n = next_node(n, root, skip);
    }
    remove_all(&gone);
    free(gone.v);
}

/* Step 6b: relative URLs made absolute (RFC 3986 section 5). */
static void resolve_urls(xmlNode *root, const char *base)
{
    static const char *const url_attrs[] = {"href", "src", "poster"};
    for (xmlNode *n = root; n; n = next_node(n, root, 0)) {
        if (!is_element(n))
            continue;
        for (size_t k = 0; k < sizeof url_attrs / sizeof *url_attrs; k++) {
            char *v = attr(n, url_attrs[k]);
            if (!v)
                continue;
            char *abs = url_resolve(base, v);
            if (abs)
                xmlSetProp(n, (const xmlChar *)url_attrs[k], (const xmlChar *)abs);
            free(abs);
            free(v);
        }
    }
}

/* ---- the front -------------------------------------------------------------------------- */

/* The page is read as UTF-8 when it is well-formed UTF-8 without NUL bytes (strict, like
 * every reader of feedsd: common/utf8.h). The check here used to let overlong forms and
 * surrogates pass as UTF-8; such a page now goes to its <meta charset>, as one with any
 * other ill-formed byte did. */
static int valid_utf8(const char *s, size_t n)
{
    return !memchr(s, '\0', n) && utf8_valid(s, n);
}

/* Errors are normal in real pages and stay quiet; one is worth reporting: libxml2 gave
 * up part way (the nesting depth of 256 on every version checked), and what follows
 * was lost: its message goes to cut (empty when the whole page was read). */
static htmlDocPtr parse_page(const char *html, size_t len, char *cut, size_t cutlen)
{
    htmlParserCtxtPtr ctxt = xml_html_ctxt_new();
    if (!ctxt)
        return NULL;
    /* UTF-8 when the bytes are UTF-8; else the page's own <meta charset>. */
    const char *enc = valid_utf8(html, len) ? "UTF-8" : NULL;
    htmlDocPtr doc = htmlCtxtReadMemory(ctxt, html, (int)len, NULL, enc,
                                        HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                                            HTML_PARSE_NONET | HTML_PARSE_COMPACT);
    if (!xml_parse_cut_short(ctxt, cut, cutlen))
        cut[0] = '\0';
    htmlFreeParserCtxt(ctxt);
    return doc;
}

static xmlNode *find_body(htmlDocPtr doc)
{
    xmlNode *root = xmlDocGetRootElement(doc);
    for (xmlNode *n = root; n; n = next_node(n, root, 0))
        if (is_element(n) && strcmp((const char *)n->name, "body") == 0)
            return n;
    return NULL;
}

static char *fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return NULL;
}

char *readability_extract(const char *html, size_t len, const char *base_url, char *err,
                          size_t errlen)
{
    if (!html || !len)
        return fail(err, errlen, "empty page");
    if (len > 64u << 20)
        return fail(err, errlen, "page too large (%zu bytes)", len);
    char cut[160] = "";
    htmlDocPtr doc = parse_page(html, len, cut, sizeof cut);
    xmlNode *body = doc ? find_body(doc) : NULL;
    if (!body) {
        xmlFreeDoc(doc);
        return fail(err, errlen, "not an HTML page (no <body>)");
    }
    prune(body);
    struct info *infos = measure(body);
    xmlNode *top = score(body);
    struct nodes keep = {0};
    select_nodes(top, body, &keep);
    size_t chars = 0;
    for (size_t k = 0; k < keep.n; k++)
        clean(keep.v[k]);
    struct buf out = {0};
    buf_puts(&out, "<div>");
    xmlBufferPtr xb = xmlBufferCreate();
    for (size_t k = 0; k < keep.n; k++) {
        resolve_urls(keep.v[k], base_url);
        xmlChar *text = xmlNodeGetContent(keep.v[k]);
        size_t commas = 0;
        if (text)
            count_text((const char *)text, &chars, &commas);
        xmlFree(text);
        xmlBufferEmpty(xb);
        if (htmlNodeDump(xb, doc, keep.v[k]) > 0)
            buf_append(&out, (const char *)xmlBufferContent(xb), (size_t)xmlBufferLength(xb));
    }
    buf_puts(&out, "</div>");
    xmlBufferFree(xb);
    free(keep.v);
    xmlFreeDoc(doc); /* libxml2 does not look at _private: infos can go after */
    free(infos);
    if (chars < MIN_ARTICLE_TEXT) {
        buf_free(&out);
        if (cut[0])
            return fail(err, errlen, "the HTML parser gave up part way (%s): the rest of "
                                     "the page was not read", cut);
        return fail(err, errlen, "no article found (%zu characters of text in the best "
                                 "candidate)", chars);
    }
    return buf_steal(&out);
}
