/* feeds/discover.c: finds the feeds a web page advertises. Owner: subscriptions CLI
 * (`feedsd add`). Parsing only; the caller fetches the page and verifies the choice.
 *
 * Autodiscovery is <link rel="alternate" type="..." href="...">: "rel" is a set of
 * space-separated, case-insensitive tokens (HTML Living Standard 4.6.7) and "type" a media
 * type whose parameters do not matter. Pages that advertise nothing often still link to
 * /feed or /rss.xml from their body; those links are kept as guesses, ranked last. */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include "common/utf8.h"
#include "common/util.h"
#include "feeds/discover.h"
#include "feeds/encoding.h"
#include "feeds/url.h"
#include "feeds/xml_compat.h"

static const struct {
    const char *type;
    enum discover_kind kind;
} feed_types[] = {
    {"application/atom+xml", DISCOVER_ATOM},   /* RFC 4287 section 7 */
    {"application/rss+xml", DISCOVER_RSS},
    {"application/feed+json", DISCOVER_JSON},  /* JSON Feed 1.1 */
    {"application/json", DISCOVER_JSON},       /* JSON Feed 1.0 */
};

/* Last path segments that name a feed by convention (WordPress /feed/, Hugo /index.xml,
 * Jekyll /feed.xml, Blogger /feeds/posts/default is advertised, not guessed). */
static const char *const guess_names[] = {
    "feed", "rss", "atom", "feed.xml", "rss.xml", "atom.xml", "index.xml", "index.rss",
    "feed.json", "rss2", "feed.atom",
};

static const char *const kind_names[] = {
    [DISCOVER_GUESS] = "guess", [DISCOVER_JSON] = "json", [DISCOVER_RSS] = "rss",
    [DISCOVER_ATOM] = "atom",
};

const char *discover_kind_name(enum discover_kind kind)
{
    return (unsigned)kind < sizeof kind_names / sizeof kind_names[0] ? kind_names[kind] : "?";
}

struct acc {
    struct discover_link *v;
    size_t n, cap;
    char *base;     /* page URL, replaced by <base href> */
};

/* 1 when the space-separated token list has tok (case-insensitive). */
static int has_token(const char *list, const char *tok)
{
    size_t tl = strlen(tok);
    for (const char *p = list; *p;) {
        while (*p && isspace((unsigned char)*p))
            p++;
        const char *s = p;
        while (*p && !isspace((unsigned char)*p))
            p++;
        if ((size_t)(p - s) == tl && !strncasecmp(s, tok, tl))
            return 1;
    }
    return 0;
}

static char *prop(xmlNode *n, const char *name)
{
    xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
    if (!v)
        return NULL;
    char *s = str_trim(xstrdup((const char *)v));
    xmlFree(v);
    if (!*s) {
        free(s);
        return NULL;
    }
    return s;
}

static int type_kind(const char *type, enum discover_kind *kind)
{
    size_t len = strcspn(type, "; \t");
    for (size_t i = 0; i < sizeof feed_types / sizeof feed_types[0]; i++)
        if (strlen(feed_types[i].type) == len && !strncasecmp(type, feed_types[i].type, len)) {
            *kind = feed_types[i].kind;
            return 0;
        }
    return -1;
}

static void acc_add(struct acc *a, const char *href, const char *title,
                    enum discover_kind kind)
{
    char *url = url_resolve(a->base, href);
    if (!url_is_http(url)) {
        free(url);
        return;
    }
    for (size_t i = 0; i < a->n; i++)
        if (!strcmp(a->v[i].url, url)) {
            if (a->v[i].kind < kind)     /* a guess that the page also advertises */
                a->v[i].kind = kind;
            free(url);
            return;
        }
    if (a->n == a->cap)
        a->v = xrealloc(a->v, (a->cap = a->cap ? a->cap * 2 : 8) * sizeof *a->v);
    struct discover_link *l = &a->v[a->n++];
    l->url = url;
    l->title = title ? str_squash_ws(str_trim(xstrdup(title))) : NULL;
    l->kind = kind;
    /* WordPress and most CMSs title them "SITE » Comments Feed" / "POST Comments Feed". */
    l->comments = title && strcasestr(title, "comments") != NULL;
}

static void on_link(struct acc *a, xmlNode *n)
{
    char *rel = prop(n, "rel"), *type = prop(n, "type"), *href = prop(n, "href");
    enum discover_kind kind;
    if (rel && href && type && has_token(rel, "alternate") && type_kind(type, &kind) == 0) {
        char *title = prop(n, "title");
        /* WordPress advertises its REST API as rel=alternate application/json on every
         * page; a JSON Feed under that plain type says "feed" in its address or title. */
        int plain_json = !strncasecmp(type, "application/json", 16);
        if (!plain_json || strcasestr(href, "feed") || (title && strcasestr(title, "feed")))
            acc_add(a, href, title, kind);
        free(title);
    }
    free(rel);
    free(type);
    free(href);
}

static int is_guess(const char *href)
{
    size_t end = strcspn(href, "?#");
    while (end > 0 && href[end - 1] == '/')
        end--;
    size_t start = end;
    while (start > 0 && href[start - 1] != '/')
        start--;
    size_t len = end - start;
    const char *seg = href + start;
    for (size_t i = 0; i < sizeof guess_names / sizeof guess_names[0]; i++)
        if (strlen(guess_names[i]) == len && !strncasecmp(seg, guess_names[i], len))
            return 1;
    return (len > 4 && !strncasecmp(seg + len - 4, ".rss", 4)) ||
           (len > 5 && !strncasecmp(seg + len - 5, ".atom", 5));
}

static void on_anchor(struct acc *a, xmlNode *n)
{
    char *href = prop(n, "href");
    if (href && is_guess(href)) {
        xmlChar *text = xmlNodeGetContent(n);
        acc_add(a, href, text && *text ? (const char *)text : NULL, DISCOVER_GUESS);
        xmlFree(text);
    }
    free(href);
}

static void on_base(struct acc *a, xmlNode *n)
{
    char *href = prop(n, "href");
    if (href) {
        char *b = url_resolve(a->base, href);
        free(a->base);
        a->base = b;
    }
    free(href);
}

static const struct {
    const char *name;
    void (*fn)(struct acc *a, xmlNode *n);
} handlers[] = {
    {"link", on_link},
    {"a", on_anchor},
    {"base", on_base},
};

/* Depth-first, document order, without recursion (the parser allows deep trees). */
static void walk(struct acc *a, xmlNode *root)
{
    xmlNode *n = root;
    while (n) {
        if (n->type == XML_ELEMENT_NODE)
            for (size_t i = 0; i < sizeof handlers / sizeof handlers[0]; i++)
                if (!strcasecmp((const char *)n->name, handlers[i].name))
                    handlers[i].fn(a, n);
        if (n->children && n->type == XML_ELEMENT_NODE) {
            n = n->children;
            continue;
        }
        while (n && n != root && !n->next)
            n = n->parent;
        if (!n || n == root)
            break;
        n = n->next;
    }
}

void discover_links(const char *html, size_t len, const char *page_url,
                    struct discover_link **out, size_t *n)
{
    struct acc a = {.base = xstrdup(page_url)};
    *out = NULL;
    *n = 0;
    if (len > (size_t)INT32_MAX) {
        free(a.base);
        return;
    }
    htmlParserCtxtPtr ctxt = xml_html_ctxt_new();
    if (ctxt) {
        /* UTF-8 when the bytes are UTF-8; else the page's own <meta charset>. */
        const char *enc = utf8_valid(html, len) ? "UTF-8" : NULL;
        htmlDocPtr doc = htmlCtxtReadMemory(ctxt, html, (int)len, page_url, enc,
                                            HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                                                HTML_PARSE_NONET | HTML_PARSE_COMPACT);
        if (doc) {
            walk(&a, xmlDocGetRootElement(doc));
            xmlFreeDoc(doc);
        }
        htmlFreeParserCtxt(ctxt);
    }
    free(a.base);
    *out = a.v;
    *n = a.n;
}

static int rank_cmp(const struct discover_link *x, const struct discover_link *y)
{
    if (x->comments != y->comments)
        return x->comments - y->comments;
    return (int)y->kind - (int)x->kind;
}

size_t discover_rank(struct discover_link *links, size_t n)
{
    /* Insertion sort: stable (document order breaks ties) and n is a handful. */
    for (size_t i = 1; i < n; i++) {
        struct discover_link t = links[i];
        size_t j = i;
        for (; j > 0 && rank_cmp(&links[j - 1], &t) > 0; j--)
            links[j] = links[j - 1];
        links[j] = t;
    }
    size_t best = n ? 1 : 0;
    while (best < n && rank_cmp(&links[0], &links[best]) == 0)
        best++;
    return best;
}

void discover_free(struct discover_link *links, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(links[i].url);
        free(links[i].title);
    }
    free(links);
}
