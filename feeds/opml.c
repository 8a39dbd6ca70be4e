/* feeds/opml.c: reads subscription files: OPML 1.0/2.0 through libxml2's tree reader
 * (small, trusted-ish local files, so a tree is fine here), or a plain URL list.
 * Owner: configuration engineer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "common/util.h"
#include "feeds/opml.h"

struct acc {
    struct opml_feed *v;
    size_t n, cap;
};

static void acc_add(struct acc *a, const char *url, size_t urllen, const char *title,
                    const char *category, int line)
{
    for (size_t i = 0; i < a->n; i++)
        if (strlen(a->v[i].url) == urllen && !strncmp(a->v[i].url, url, urllen))
            return;   /* one subscription per URL, the first occurrence wins */
    if (a->n == a->cap) {
        a->cap = a->cap ? a->cap * 2 : 16;
        a->v = xrealloc(a->v, a->cap * sizeof *a->v);
    }
    struct opml_feed *f = &a->v[a->n++];
    f->url = xstrndup(url, urllen);
    f->title = title && !str_empty(title) ? str_trim(xstrdup(title)) : NULL;
    f->category = category ? opml_category_clean(category, strlen(category)) : NULL;
    f->line = line;
}

/* Folder names with their white space squashed, empty ones and control characters
 * dropped, joined with '/'. */
char *opml_category_clean(const char *s, size_t len)
{
    struct buf b = {0};
    for (size_t i = 0; i < len;) {
        size_t n = 0;
        while (i + n < len && s[i + n] != '/')
            n++;
        char *name = xstrndup(s + i, n);
        for (char *p = name; *p; p++)
            if ((unsigned char)*p < 0x20 || *p == 0x7F)
                *p = ' ';
        str_squash_ws(name);
        if (*name) {
            if (b.len)
                buf_putc(&b, '/');
            buf_append(&b, name, strlen(name));
        }
        free(name);
        i += n + 1;
    }
    if (!b.len) {
        buf_free(&b);
        return NULL;
    }
    return buf_steal(&b);
}

/* ---- plain lists --------------------------------------------------------------------- */

static int parse_plain(const char *data, size_t len, struct acc *a, char *err, size_t errlen)
{
    const char *end = data + len;
    int line = 0;
    for (const char *p = data; p < end;) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol)
            eol = end;
        line++;
        const char *s = p, *e = eol;
        p = eol + 1;
        /* A UTF-8 byte order mark from Windows editors; before the blanks, which may
         * follow it (" #" after a mark used to give an empty URL: fuzz/fuzz_opml.c). */
        if (line == 1 && e - s >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3))
            s += 3;
        while (s < e && (*s == ' ' || *s == '\t' || *s == '\r'))
            s++;
        if (s == e || *s == '#' || *s == '\r')
            continue;
        /* A NUL would cut the URL short (the kept string ends there, found by
         * fuzz/fuzz_opml.c), and no URL holds a control character (RFC 3986 section 2). */
        for (const char *c = s; c < e; c++)
            if ((unsigned char)*c < 0x20 && *c != '\t' && *c != '\r') {
                snprintf(err, errlen, "line %d: control character 0x%02X in the line", line,
                         (unsigned)(unsigned char)*c);
                return -1;
            }
        const char *w = s;
        while (w < e && *w != ' ' && *w != '\t' && *w != '\r')
            w++;
        const char *rest = w;
        while (rest < e && (*rest == ' ' || *rest == '\t' || *rest == '\r'))
            rest++;
        if (rest < e && *rest != '#') {
            snprintf(err, errlen, "line %d: expected one URL per line, got \"%.*s\"", line,
                     (int)(e - s > 200 ? 200 : e - s), s);
            return -1;
        }
        acc_add(a, s, (size_t)(w - s), NULL, NULL, line);
    }
    return 0;
}

/* ---- OPML ---------------------------------------------------------------------------- */

/* Attribute by name without case: OPML 2.0 spells it xmlUrl, some exporters xmlurl or
 * XMLURL. Returns the libxml2-allocated value or NULL. */
static xmlChar *attr_nocase(xmlNode *n, const char *name)
{
    for (xmlAttr *a = n->properties; a; a = a->next)
        if (!strcasecmp((const char *)a->name, name))
            return xmlNodeGetContent((xmlNode *)a);
    return NULL;
}

/* title=, else text= (OPML 2.0 requires text; Miniflux and FreshRSS write both). */
static xmlChar *outline_name(xmlNode *n)
{
    xmlChar *title = attr_nocase(n, "title");
    if (!title || str_empty((const char *)title)) {
        xmlFree(title);
        title = attr_nocase(n, "text");
    }
    return title;
}

/* The category of a feed outline outside any folder: the first of its category=
 * attribute's "comma-separated slash-delimited category strings" (OPML 2.0, after RSS
 * 2.0's <category>), "/Tech/Linux,/News" giving "Tech/Linux". NULL when absent. */
static char *outline_category(xmlNode *n)
{
    xmlChar *c = attr_nocase(n, "category");
    if (!c)
        return NULL;
    const char *s = (const char *)c;
    char *out = opml_category_clean(s, strcspn(s, ","));
    xmlFree(c);
    return out;
}

/* Outlines nest to any depth: an outline without xmlUrl is a folder (Miniflux, FreshRSS,
 * Inoreader and Feedly export categories so), and the folders around a feed are its
 * category, as a path. libxml2 has already capped the depth while parsing
 * (xmlParserMaxDepth, without XML_PARSE_HUGE). folder: the path so far, NULL at the top. */
static void walk_outlines(xmlNode *n, struct acc *a, const char *folder)
{
    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        char *inner = NULL;
        if (!strcasecmp((const char *)n->name, "outline")) {
            xmlChar *url = attr_nocase(n, "xmlUrl");
            xmlChar *title = outline_name(n);
            if (url) {
                char *u = str_trim(xstrdup((const char *)url));
                char *cat = folder ? NULL : outline_category(n);
                if (*u)
                    acc_add(a, u, strlen(u), (const char *)title, folder ? folder : cat,
                            (int)xmlGetLineNo(n));
                free(cat);
                free(u);
            } else if (title && n->children) {
                const char *t = (const char *)title;
                char *joined = folder ? xasprintf("%s/%s", folder, t) : xstrdup(t);
                inner = opml_category_clean(joined, strlen(joined));
                free(joined);
            }
            xmlFree(title);
            xmlFree(url);
        }
        walk_outlines(n->children, a, inner ? inner : folder);
        free(inner);
    }
}

static int parse_opml(const char *data, size_t len, struct acc *a, char *err, size_t errlen)
{
    /* OPML never needs entity declarations; refusing them up front closes entity
     * expansion bombs and XXE before libxml2 sees the document (design notes). */
    if (memmem(data, len, "<!ENTITY", 8)) {
        snprintf(err, errlen, "not a valid OPML file: entity declarations are not allowed");
        return -1;
    }
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (!ctxt) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    /* No XML_PARSE_NOENT or DTDLOAD (no entity expansion, no external entities: XXE),
     * NONET, and errors kept in the context instead of printed. */
    xmlDocPtr doc = xmlCtxtReadMemory(ctxt, data, (int)len, NULL, NULL,
                                      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    int rc = -1;
    if (!doc) {
        const xmlError *e = xmlCtxtGetLastError(ctxt);
        char msg[200] = "not well-formed XML";
        if (e && e->message) {
            snprintf(msg, sizeof msg, "%s", e->message);
            msg[strcspn(msg, "\n")] = '\0';
        }
        snprintf(err, errlen, "line %d: not a valid OPML file: %s", e ? e->line : 0, msg);
        goto out;
    }
    xmlNode *root = xmlDocGetRootElement(doc);
    if (!root || strcasecmp((const char *)root->name, "opml")) {
        snprintf(err, errlen, "not an OPML file: the root element is <%s>, not <opml>",
                 root ? (const char *)root->name : "");
        goto out;
    }
    walk_outlines(root->children, a, NULL);
    rc = 0;
out:
    if (doc)
        xmlFreeDoc(doc);
    xmlFreeParserCtxt(ctxt);
    return rc;
}

int opml_parse(const char *data, size_t len, struct opml_feed **out, size_t *n,
               char *err, size_t errlen)
{
    if (len > (size_t)0x7fffffff) {
        snprintf(err, errlen, "file too large");
        return -1;
    }
    struct acc a = {*out, *n, *n};
    size_t i = 0;
    if (len >= 3 && !memcmp(data, "\xEF\xBB\xBF", 3))
        i = 3;
    while (i < len && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n'))
        i++;
    int rc = i < len && data[i] == '<' ? parse_opml(data, len, &a, err, errlen)
                                       : parse_plain(data, len, &a, err, errlen);
    *out = a.v;
    *n = a.n;
    return rc;
}

void opml_free(struct opml_feed *feeds, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(feeds[i].url);
        free(feeds[i].title);
        free(feeds[i].category);
    }
    free(feeds);
}
