/* feeds/parse_sax.c: the SAX2 callbacks of the feed parser: elements, attributes and text
 * handed to the element table of parse_xml.c; the push parser that calls them is driven
 * by parse_run.c (the text of the strict pass mostly going past libxml2:
 * feeds/xml_cdata.h). Safe options only (XML_PARSE_NONET; never NOENT, DTDLOAD
 * or DTDVALID; HUGE only on libxml2 2.14, xml_compat.h); entities are answered by
 * parse_entities.c (HTML's names, plain internal entities within limits; any other
 * declaration refuses the document, which closes XXE and entity-expansion bombs). When
 * the strict parse fails, the document is re-parsed once with bare ampersands escaped
 * and XML_PARSE_RECOVER. Owned by the feed-parser engineer. */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>

#include "common/utf8.h"
#include "common/util.h"
#include "feeds/base64.h"
#include "feeds/entities.h"
#include "feeds/parse_internal.h"
#include "feeds/parse_xml.h"
#include "feeds/url.h"
#include "feeds/xml_cdata.h"
#include "feeds/xml_compat.h"

#define MAX_ATTRS 64

static void sax_error(void *ctx, xml_error_arg e)
{
    struct sax_run *r = ctx;
    if (e && e->level == XML_ERR_FATAL && !r->error[0] && e->message) {
        snprintf(r->error, sizeof r->error, "%s", e->message);
        r->error[strcspn(r->error, "\n")] = '\0';
    }
}

int xml_text_checked(const struct xstate *st)
{
    const xmlParserCtxt *c = st->ctxt;
    /* XML 1.0 section 2.2: a character outside Char is a fatal error, which clears
     * wellFormed (and, without RECOVER, stops the SAX calls) */
    return c && !st->recovering && c->wellFormed;
}

/* ---- text capture ---- */

static void cap_append_escaped(struct buf *b, const char *s, size_t n, int attr)
{
    for (size_t i = 0; i < n; i++) {
        switch (s[i]) {
        case '&': buf_puts(b, "&amp;"); break;
        case '<': buf_puts(b, "&lt;"); break;
        case '>': buf_puts(b, "&gt;"); break;
        case '"': if (attr) { buf_puts(b, "&quot;"); break; } /* fallthrough */
        default: buf_putc(b, s[i]);
        }
    }
}

void parse_sax_characters(void *ctx, const xmlChar *ch, int len)
{
    struct sax_run *r = ctx;
    struct xstate *st = &r->st;
    if (!st->cap_rule || len <= 0 || st->cap_full)
        return;
    if (st->cap.len + (size_t)len > PARSE_FIELD_MAX) {
        /* A field is cut at the cap, at a character boundary, whatever the pieces libxml2
         * hands over (2.14 gives a CDATA section in one piece, 2.9 in many), and nothing
         * after the cut is taken. */
        size_t room = st->cap.len < PARSE_FIELD_MAX ? PARSE_FIELD_MAX - st->cap.len : 0;
        room = utf8_boundary((const char *)ch, room);
        st->cap_full = 1;
        len = (int)room;
        if (!len)
            return;
    }
    struct buf *b = &st->cap;
    if (st->cap_mode == M_XHTML) {
        cap_append_escaped(b, (const char *)ch, (size_t)len, 0);
    } else if (b->len + (size_t)len < b->cap) {
        /* escaped HTML arrives in many short runs (one per entity reference) */
        memcpy(b->data + b->len, ch, (size_t)len);
        b->len += (size_t)len;
        b->data[b->len] = '\0';
    } else {
        buf_append(b, (const char *)ch, (size_t)len);
    }
}

static int is_void_element(const char *name)
{
    static const char *const v[] = {"area", "base", "br", "col", "embed", "hr", "img",
                                    "input", "link", "meta", "param", "source", "track", "wbr"};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        if (!strcasecmp(name, v[i]))
            return 1;
    return 0;
}

/* Markup inside a captured HTML element (Atom xhtml, or "naked" HTML in an RSS
 * description) is serialized back to HTML. The wrapping xhtml <div> is dropped
 * (RFC 4287 section 3.1.1.3: it is not part of the content). */
/* SVG and MathML in XHTML content are written as feedparser writes them, the form its
 * users compare with: the namespace declared on the root of the foreign subtree and, for
 * xlink: attributes, on their element; attributes in name order. */
static const char *foreign_ns(const char *uri)
{
    static const char *const foreign[] = {"http://www.w3.org/2000/svg",
                                          "http://www.w3.org/1998/Math/MathML"};
    for (size_t i = 0; uri && i < sizeof foreign / sizeof foreign[0]; i++)
        if (!strcmp(uri, foreign[i]))
            return foreign[i];
    return NULL;
}

struct out_attr {
    char *name;
    const char *value;
};

static int out_attr_cmp(const void *x, const void *y)
{
    return strcmp(((const struct out_attr *)x)->name, ((const struct out_attr *)y)->name);
}

/* The attributes of a serialized element; in a foreign subtree sorted, with xmlns (the
 * subtree's namespace, at its root) and xmlns:xlink added. */
static void cap_attrs(struct xstate *st, const struct xattr *a, int n, int foreign,
                      const char *xmlns)
{
    struct out_attr o[MAX_ATTRS + 2];
    int k = 0, xlink = 0;
    for (int i = 0; i < n; i++) {
        if (a[i].ns_xml)
            continue;
        /* a prefix is kept: xlink:href in SVG and MathML (HTML5 reads it so) */
        o[k].name = a[i].prefix ? xasprintf("%s:%s", a[i].prefix, a[i].name)
                                : xstrdup(a[i].name);
        o[k++].value = a[i].value;
        xlink |= a[i].prefix && !strcmp(a[i].prefix, "xlink");
    }
    if (xmlns)
        o[k++] = (struct out_attr){xstrdup("xmlns"), xmlns};
    if (foreign && xlink)
        o[k++] = (struct out_attr){xstrdup("xmlns:xlink"), "http://www.w3.org/1999/xlink"};
    if (foreign)
        qsort(o, (size_t)k, sizeof o[0], out_attr_cmp);
    for (int i = 0; i < k; i++) {
        buf_printf(&st->cap, " %s=\"", o[i].name);
        cap_append_escaped(&st->cap, o[i].value, strlen(o[i].value), 1);
        buf_putc(&st->cap, '"');
        free(o[i].name);
    }
}

static void cap_start_child(struct xstate *st, int d, const char *local, const char *uri,
                            enum xns ns, const struct xattr *a, int n)
{
    if (st->cap_full || st->cap.len > PARSE_FIELD_MAX)
        return;
    if (st->cap_mode == M_TEXT) {
        if (!st->cap_inline_xml || st->cap_base64)
            return;
        /* Atom 0.3 inline XML in a text element: what came before is text, escaped */
        char *before = xstrndup(st->cap.data, st->cap.len);
        st->cap.len = 0;
        cap_append_escaped(&st->cap, before, strlen(before), 0);
        free(before);
        st->cap_mode = M_XHTML;
    }
    /* The XHTML div that wraps Atom 1.0 xhtml content is not part of it (RFC 4287
     * section 3.1.1.3); in type="html" content it wraps the escaped HTML, which stays
     * HTML (feedparser reads it so). Atom 0.3 has no such rule: its inline XML is the
     * content, a div included. */
    int html_in_div = st->cap_mode == M_HTML && st->cap_rule->action == A_ATOMTEXT;
    if ((st->cap_mode == M_XHTML || html_in_div) && d == st->cap_depth + 1 &&
        !(st->cap_mode == M_XHTML && st->cap_rule->action == A_ATOMTEXT &&
          st->feed->format == FEED_ATOM03) &&
        !st->cap_skip_div && ns == XNS_XHTML && !strcmp(local, "div") &&
        str_empty(st->cap.data)) {
        st->cap_skip_div = d + 1;
        return;
    }
    if (st->cap_mode == M_HTML)
        st->cap_mode = M_XHTML;   /* naked markup: text from now on is text, escape it */
    buf_putc(&st->cap, '<');
    buf_puts(&st->cap, local);
    const char *fns = foreign_ns(uri), *xmlns = NULL;
    if (fns && !st->cap_foreign) {
        st->cap_foreign = d + 1;   /* the root of a foreign subtree */
        xmlns = fns;
    }
    cap_attrs(st, a, n, st->cap_foreign != 0, xmlns);
    buf_putc(&st->cap, '>');
}

static void cap_end_child(struct xstate *st, int d, const char *local)
{
    if (st->cap_mode == M_TEXT || st->cap_full || st->cap.len > PARSE_FIELD_MAX)
        return;
    if (st->cap_skip_div == d + 1) {
        st->cap_skip_div = -1;   /* dropped once; a later div is content */
        return;
    }
    if (st->cap_foreign == d + 1)
        st->cap_foreign = 0;
    if (!is_void_element(local))
        buf_printf(&st->cap, "</%s>", local);
}

/* 1 when the media type is XML (RFC 7303: "+xml" suffix or "/xml"). */
static int type_is_xml(const char *type)
{
    size_t n = strlen(type);
    return (n >= 4 && !strcasecmp(type + n - 4, "+xml")) ||
           (n >= 4 && !strcasecmp(type + n - 4, "/xml"));
}

/* How an Atom text construct or content element is read. */
struct atom_type {
    enum xmode mode;
    int skip;        /* nothing to show: out-of-line (src), or an XML document of its own */
    int b64;         /* the text is Base64: Atom 0.3 mode="base64", or an Atom 1.0 type that
                      * is neither text nor XML (RFC 4287 section 4.1.3.3, item 5); mode is
                      * then what the decoded text is declared to be */
    int inline_xml;  /* Atom 0.3 mode="xml", its default (Atom 0.3 draft, section 3.1.2):
                      * child elements are content even when the type says text */
};

static struct atom_type atom_text_mode(const struct xattr *a, int n, int atom03)
{
    struct atom_type t = {M_TEXT, 0, 0, 0};
    const char *type = NULL, *mode = NULL;
    for (int i = 0; i < n; i++) {
        if (a[i].ns_xml) continue;
        if (!strcmp(a[i].name, "type")) type = a[i].value;
        else if (!strcmp(a[i].name, "mode")) mode = a[i].value;
        else if (!strcmp(a[i].name, "src")) t.skip = 1;   /* out-of-line content */
    }
    if (type && !*type)
        type = NULL;   /* type="" is no type: the default (text) */
    t.inline_xml = atom03 && (!mode || !strcmp(mode, "xml"));
    if (mode && !strcmp(mode, "base64")) {
        t.b64 = 1;
        if (type && (!strcasecmp(type, "html") || !strcasecmp(type, "text/html")))
            t.mode = M_HTML;
    } else if (mode && !strcmp(mode, "escaped")) {   /* Atom 0.3 */
        t.mode = (type && !strcasecmp(type, "text/plain")) ? M_TEXT : M_HTML;
    } else if (!type || !strcasecmp(type, "text") || !strcasecmp(type, "text/plain")) {
        t.mode = M_TEXT;
    } else if (!strcasecmp(type, "html") || !strcasecmp(type, "text/html")) {
        t.mode = M_HTML;
    } else if (!strcasecmp(type, "xhtml") || !strcasecmp(type, "application/xhtml+xml")) {
        t.mode = M_XHTML;
    } else if (type_is_xml(type)) {
        t.skip = 1;   /* an XML document of its own: nothing to show as text */
    } else if (strncasecmp(type, "text/", 5)) {
        t.b64 = 1;    /* Base64 media; shown when it decodes to text */
    }
    return t;
}

/* The text of a Base64 element (consumed), decoded; *mode becomes M_HTML when it was
 * declared HTML or reads as HTML (feedparser's reading of mode="base64" text), else
 * M_TEXT. NULL when it is no Base64, or decodes to bytes that are not text (invalid
 * UTF-8, a NUL or another C0 control but tab, LF and CR). */
static char *cap_base64_text(char *text, enum xmode *mode)
{
    size_t n;
    char *bytes = base64_decode(text, &n);
    free(text);
    if (!bytes)
        return NULL;
    int ok = utf8_valid(bytes, n);
    for (size_t i = 0; ok && i < n; i++) {
        unsigned char c = (unsigned char)bytes[i];
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
            ok = 0;
    }
    if (!ok) {
        free(bytes);
        return NULL;
    }
    if (*mode != M_HTML)
        *mode = text_looks_html(bytes) ? M_HTML : M_TEXT;
    return bytes;
}

static void cap_begin(struct xstate *st, const struct xrule *rule, int d,
                      const struct xattr *a, int n)
{
    struct atom_type t = {M_TEXT, 0, 0, 0};
    if (rule->action == A_ATOMTEXT)
        t = atom_text_mode(a, n, st->feed->format == FEED_ATOM03);
    enum xmode mode = t.mode;
    int skip = t.skip;
    if (rule->action == A_HTML)
        mode = M_HTML;
    else if (rule->action == A_XHTML)
        mode = M_XHTML;
    else if (rule->action == A_MEDIA_TEXT) {
        for (int i = 0; i < n; i++)
            if (!a[i].ns_xml && !strcmp(a[i].name, "type") && !strcmp(a[i].value, "html"))
                mode = M_HTML;
    }
    if (skip)
        return;
    st->guid_permalink = 1;
    if (rule->action == A_GUID)
        for (int i = 0; i < n; i++)
            if (!a[i].ns_xml && !strcmp(a[i].name, "isPermaLink") && strcasecmp(a[i].value, "true"))
                st->guid_permalink = 0;
    st->cap_rule = rule;
    st->cap_depth = d;
    st->cap_mode = mode;
    st->cap_base64 = t.b64;
    st->cap_inline_xml = t.inline_xml;
    st->cap_skip_div = 0;
    st->cap_foreign = 0;
    st->cap_full = 0;
    /* The buffer is kept from field to field (sax_end copies the text out): growing a
     * fresh one from 64 bytes for every post cost a chain of reallocs. */
    st->cap.len = 0;
    buf_append(&st->cap, "", 0);
    free(st->cap_base);
    st->cap_base = st->frames[d].has_base ? xstrdup(st->frames[d].base) : NULL;
}

/* ---- elements ---- */

static enum feed_format rss_version(const struct xattr *a, int n)
{
    static const struct { const char *v; enum feed_format f; } versions[] = {
        {"0.90", FEED_RSS090}, {"0.91", FEED_RSS091}, {"0.92", FEED_RSS092},
        {"0.93", FEED_RSS093}, {"0.94", FEED_RSS094},
    };
    for (int i = 0; i < n; i++)
        if (!a[i].ns_xml && !strcmp(a[i].name, "version"))
            for (size_t k = 0; k < sizeof versions / sizeof versions[0]; k++)
                if (!strcmp(a[i].value, versions[k].v))
                    return versions[k].f;
    return FEED_RSS20;   /* 2.0, 2.0.1, or no version at all */
}

/* 1 when the element's default namespace (nss: libxml2's pairs of prefix and URI)
 * contains needle. */
static int default_ns_has(int nb, const xmlChar **nss, const char *needle)
{
    for (int i = 0; i < nb; i++)
        if (!nss[2 * i] && nss[2 * i + 1] && strstr((const char *)nss[2 * i + 1], needle))
            return 1;
    return 0;
}

/* Finds the feed element anywhere (a feed wrapped in an XHTML page still counts). The
 * document's root may also be <rss> in a namespace of its own (feedparser reads
 * "http://backend.userland.com/rss2.1" and the like as RSS) or a CDF <CHANNEL>. */
static void detect_root(struct xstate *st, struct xframe *fr, int d, const char *local,
                        const char *uri, const struct xattr *a, int n, int nb_ns,
                        const xmlChar **nss)
{
    enum xns ns = xml_ns_lookup(uri, 0);
    if (!strcasecmp(local, "rss") && (!uri || ns == XNS_RSS || (!d && ns == XNS_OTHER))) {
        st->feed->format = rss_version(a, n);
        fr->kind = K_RSSROOT;
        if (uri && ns == XNS_OTHER)
            st->rss_uri = xstrdup(uri);
    } else if (!strcmp(local, "RDF") && ns == XNS_RDF) {
        /* RSS 0.90 is RDF with Netscape's namespace as the default */
        st->feed->format = default_ns_has(nb_ns, nss, "my.netscape.com/rdf/simple/0.9")
                           ? FEED_RSS090 : FEED_RSS10;
        fr->kind = K_RDFROOT;
    } else if (!d && !uri && !strcasecmp(local, "channel")) {
        st->feed->format = FEED_CDF;
        fr->kind = K_FEED;
        xml_cdf_attrs(st, a, n);
    } else if (!strcmp(local, "feed") && (ns == XNS_ATOM || !uri)) {
        st->none_is_atom = !uri;
        st->feed->format = (uri && strstr(uri, "purl.org/atom/ns")) ? FEED_ATOM03 : FEED_ATOM10;
        for (int i = 0; i < n; i++)
            if (!a[i].ns_xml && !strcmp(a[i].name, "version") && !strcmp(a[i].value, "0.3"))
                st->feed->format = FEED_ATOM03;
        fr->kind = K_FEED;
        for (int i = 0; i < n; i++)
            if (a[i].ns_xml && !strcmp(a[i].name, "lang"))
                xml_field_set(st, 0, F_LANGUAGE, 1, text_plain(a[i].value));
    } else {
        return;
    }
    st->found_root = 1;
}

/* Attribute value with the "&#38;" that libxml2 leaves for "&amp;" (when entities are
 * not substituted) and undeclared HTML entities decoded. */
static char *attr_value(const xmlChar *v, const xmlChar *end)
{
    struct buf b = {0};
    buf_grow(&b, (size_t)(end - v) + 1);
    buf_append(&b, "", 0);   /* NUL-terminated even if nothing follows */
    for (const char *p = (const char *)v; p < (const char *)end;) {
        if (*p == '&') {
            if ((const char *)end - p >= 5 && !strncmp(p, "&#38;", 5)) {
                buf_putc(&b, '&');
                p += 5;
                continue;
            }
            const char *semi = memchr(p, ';', (size_t)((const char *)end - p));
            unsigned cp = semi ? entity_lookup(p + 1, (size_t)(semi - p - 1)) : 0;
            if (cp) {
                char enc[4];
                size_t k = utf8_encode(cp, enc);
                buf_append(&b, enc, k);
                p = semi + 1;
                continue;
            }
        }
        buf_putc(&b, *p++);
    }
    return buf_steal(&b);
}

static void sax_start(void *ctx, const xmlChar *localname, const xmlChar *prefix,
                      const xmlChar *URI, int nb_namespaces, const xmlChar **namespaces,
                      int nb_attributes, int nb_defaulted, const xmlChar **attributes)
{
    (void)prefix, (void)nb_defaulted;
    struct sax_run *r = ctx;
    struct xstate *st = &r->st;
    int d = st->depth++;
    if (d >= XML_MAX_DEPTH)
        return;
    const char *local = (const char *)localname, *uri = (const char *)URI;
    struct xattr a[MAX_ATTRS];
    int n = nb_attributes < MAX_ATTRS ? nb_attributes : MAX_ATTRS;
    for (int i = 0; i < n; i++) {
        const xmlChar **at = attributes + i * 5;
        a[i].name = (const char *)at[0];
        a[i].prefix = (const char *)at[1];
        a[i].value = attr_value(at[3], at[4]);
        a[i].ns_xml = at[2] && !strcmp((const char *)at[2], (const char *)XML_XML_NAMESPACE);
    }

    struct xframe *fr = &st->frames[d], *parent = d ? &st->frames[d - 1] : NULL;
    const char *pbase = parent ? parent->base : st->doc_base;
    fr->kind = K_NONE;
    fr->has_base = parent ? parent->has_base : 0;
    fr->base = pbase;
    fr->owns_base = 0;
    for (int i = 0; i < n; i++)
        if (a[i].ns_xml && !strcmp(a[i].name, "base")) {
            char *b = url_resolve(pbase, a[i].value);   /* RFC 3986 section 5.1.1 */
            if (fr->owns_base)
                free((char *)fr->base);
            fr->base = b;
            fr->owns_base = 1;
            fr->has_base = 1;
        }
    if (!d)
        snprintf(st->root_name, sizeof st->root_name, "%s", local);

    if (st->cap_rule) {
        if (d > st->cap_depth)
            cap_start_child(st, d, local, uri, xml_ns_lookup(uri, st->none_is_atom), a, n);
    } else if (!st->found_root) {
        detect_root(st, fr, d, local, uri, a, n, nb_namespaces, namespaces);
    } else if (parent) {
        enum xns ns = xml_ns_lookup(uri, st->none_is_atom);
        if (ns == XNS_OTHER && st->rss_uri && !strcmp(uri, st->rss_uri))
            ns = XNS_RSS;
        const struct xrule *rule = xml_rule_find(parent->kind, ns, local);
        if (rule && parent->kind == K_RDFROOT && uri && strstr(uri, "netscape.com"))
            st->feed->format = FEED_RSS090;
        if (!rule) {
            /* unknown element: its children are not looked up */
        } else if (rule->action == A_PUSH) {
            fr->kind = rule->kind;
            if (rule->kind == K_PERSON) {   /* a fresh person construct */
                free(st->person_name);
                free(st->person_email);
                st->person_name = st->person_email = NULL;
            }
        } else if (rule->action == A_ENTRY) {
            if (st->entry)
                xml_entry_end(st);
            xml_entry_begin(st);
            fr->kind = K_ENTRY;
            for (int i = 0; i < n; i++)   /* RSS 1.0 item rdf:about: the item's URI */
                if (!strcmp(a[i].name, "about"))
                    xml_field_set(st, 1, F_ID, 1, text_plain(a[i].value));
            if (st->feed->format == FEED_CDF)
                xml_cdf_attrs(st, a, n);
        } else if (rule->kind) {   /* acts on its attributes and has children */
            xml_rule_start(st, rule, a, n);
            fr->kind = rule->kind;
        } else if (!xml_rule_start(st, rule, a, n)) {
            cap_begin(st, rule, d, a, n);
        }
    }
    for (int i = 0; i < n; i++)
        free((char *)a[i].value);
}

static void sax_end(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *URI)
{
    (void)prefix, (void)URI;
    struct sax_run *r = ctx;
    struct xstate *st = &r->st;
    int d = --st->depth;
    if (d < 0 || d >= XML_MAX_DEPTH)
        return;
    struct xframe *fr = &st->frames[d];
    if (st->cap_rule && d > st->cap_depth) {
        cap_end_child(st, d, (const char *)localname);
    } else if (st->cap_rule && d == st->cap_depth) {
        const struct xrule *rule = st->cap_rule;
        st->cap_rule = NULL;
        /* an exact copy: the field keeps it, and the capture buffer is reused */
        char *text = xstrndup(st->cap.data, st->cap.len);
        enum xmode mode = st->cap_mode;
        if (st->cap_base64)
            text = cap_base64_text(text, &mode);
        if (text)
            xml_rule_text(st, rule, text, mode);
        free(st->cap_base);
        st->cap_base = NULL;
    } else if (fr->kind == K_ENTRY) {
        xml_entry_end(st);
    } else if (fr->kind == K_PERSON) {
        xml_person_end(st);
    }
    if (fr->owns_base)
        free((char *)fr->base);
    fr->base = NULL;
    fr->owns_base = 0;
    fr->kind = K_NONE;
}

void parse_sax_handler(xmlSAXHandler *sax)
{
    memset(sax, 0, sizeof *sax);
    sax->initialized = XML_SAX2_MAGIC;
    sax->startElementNs = sax_start;
    sax->endElementNs = sax_end;
    sax->characters = parse_sax_characters;
    sax->cdataBlock = parse_sax_characters;
    sax->getEntity = parse_entity_get;
    sax->entityDecl = parse_entity_decl;
    sax->serror = sax_error;   /* per-context errors; the global handler stays untouched */
}

