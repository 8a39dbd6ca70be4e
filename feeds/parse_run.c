/* feeds/parse_run.c: drives libxml2's SAX2 push parser (callbacks: parse_sax.c) over a
 * UTF-8 feed document, given whole, in pieces, or as two parts (a rewritten XML
 * declaration and the body). The strict pass hands the text of posts past libxml2
 * (xml_cdata.h) and holds the prolog until its DOCTYPE is whole (xml_prolog.c); when it
 * fails, the document is parsed once more with bare ampersands escaped and
 * XML_PARSE_RECOVER, and the pass that read more entries is kept. Owned by the
 * feed-parser engineer. */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>

#include "common/util.h"
#include "feeds/entities.h"
#include "feeds/parse_internal.h"
#include "feeds/parse_xml.h"
#include "feeds/xml_cdata.h"
#include "feeds/xml_compat.h"

#define CHUNK (64 * 1024)

/* 1 when a reference to the entity name[0..n) can be resolved: XML's five, HTML's names
 * (parse_entities.c answers them), or any name when the document declares entities. */
static int entity_known(const char *name, size_t n, int declares)
{
    static const char *const xml[] = {"amp", "lt", "gt", "quot", "apos"};
    for (size_t i = 0; i < sizeof xml / sizeof xml[0]; i++)
        if (strlen(xml[i]) == n && !strncmp(name, xml[i], n))
            return 1;
    return declares || entity_lookup(name, n) != 0;
}

/* Escapes every '&' that does not start a reference ("Fish & Chips", "?a=1&copy=2") or
 * starts one to an entity nobody declared ("&doesnotexist;" stays text, as feedparser
 * keeps it, instead of being dropped by the recovery), outside CDATA sections and
 * comments; writes "&#X41;" as "&#x41;" (XML 1.0 section 4.1 knows only the lower case,
 * HTML both); and drops C0 controls XML forbids. Used only for the recovery pass, so
 * well-formed documents are parsed as they are. */
static char *fix_ampersands(const char *s, size_t len, size_t *outlen)
{
    int declares = memmem(s, len, "<!ENTITY", 8) != NULL;
    struct buf b = {0};
    buf_grow(&b, len + len / 16 + 16);
    buf_append(&b, "", 0);   /* NUL-terminated even if nothing follows */
    const char *end = s + len;
    for (const char *p = s; p < end;) {
        const char *skip_to = NULL;
        if (!strncmp(p, "<![CDATA[", 9))
            skip_to = strstr(p + 9, "]]>");
        else if (!strncmp(p, "<!--", 4))
            skip_to = strstr(p + 4, "-->");
        if (skip_to) {
            buf_append(&b, p, (size_t)(skip_to + 3 - p));
            p = skip_to + 3;
            continue;
        }
        unsigned char c = (unsigned char)*p;
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
            p++;
            continue;
        }
        if (c == '&') {
            const char *q = p + 1;
            int named = 0, upper_x = 0, digits = 1;
            if (*q == '#') {
                q++;
                const char *d0;
                if (*q == 'x' || *q == 'X') {
                    upper_x = *q == 'X';
                    d0 = ++q;
                    while (isxdigit((unsigned char)*q)) q++;
                } else {
                    d0 = q;
                    while (isdigit((unsigned char)*q)) q++;
                }
                digits = q > d0;
            } else if (isalpha((unsigned char)*q) || *q == '_' || *q == ':') {
                named = 1;
                while (isalnum((unsigned char)*q) || *q == '_' || *q == ':' || *q == '.' || *q == '-')
                    q++;
            }
            if (q == p + 1 || !digits || *q != ';' ||
                (named && !entity_known(p + 1, (size_t)(q - p - 1), declares))) {
                buf_puts(&b, "&amp;");
                p++;
                continue;
            }
            if (upper_x) {
                buf_puts(&b, "&#x");
                p += 3;
                continue;
            }
        }
        buf_putc(&b, *p++);
    }
    *outlen = b.len;
    return buf_steal(&b);
}

static void state_free(struct xstate *st)
{
    int open = st->depth < XML_MAX_DEPTH ? st->depth : XML_MAX_DEPTH;
    for (int i = 0; i < open && i >= 0; i++) {
        if (st->frames[i].owns_base)
            free((char *)st->frames[i].base);
        st->frames[i].base = NULL;
    }
    buf_free(&st->cap);
    free(st->cap_base);
    free(st->person_name);
    free(st->person_email);
    free(st->summary_base);
    free(st->content_base);
    free(st->guid_link);
    free(st->doc_base);
    free(st->rss_uri);
    parse_sax_entities_free(st);
    feed_free(st->feed);
}

/* The document as head followed by body (parse_xml_parts). */
struct doc {
    const char *head, *body;
    size_t hlen, blen;
    char *joined;         /* both pieces in one NUL-terminated copy, made on demand */
};

/* The whole document NUL-terminated, for the rare paths that scan it as a string
 * (the recovery pass, the "not a feed" message). */
static const char *doc_joined(struct doc *d)
{
    if (!d->joined) {
        d->joined = xmalloc(d->hlen + d->blen + 1);
        if (d->hlen)
            memcpy(d->joined, d->head, d->hlen);
        if (d->blen)
            memcpy(d->joined + d->hlen, d->body, d->blen);
        d->joined[d->hlen + d->blen] = '\0';
    }
    return d->joined;
}

/* The pieces of head + body, chunk bytes at a time, cut as if they were one buffer
 * (libxml2's error recovery looks at chunk ends); only a chunk that straddles the two is
 * copied. */
struct doc_source {
    struct xml_source src;
    const struct doc *d;
    size_t chunk, off;
    char *straddle;
};

static int doc_next(struct xml_source *src, const char **out, size_t *outlen)
{
    struct doc_source *s = (struct doc_source *)src;
    const struct doc *d = s->d;
    size_t len = d->hlen + d->blen, off = s->off;
    if (off >= len)
        return 0;
    size_t n = len - off < s->chunk ? len - off : s->chunk;
    if (off >= d->hlen) {
        *out = d->body + (off - d->hlen);
    } else if (off + n <= d->hlen) {
        *out = d->head + off;
    } else {
        size_t h = d->hlen - off;
        s->straddle = xrealloc(s->straddle, n);
        memcpy(s->straddle, d->head + off, h);
        memcpy(s->straddle + h, d->body, n - h);
        *out = s->straddle;
    }
    *outlen = n;
    s->off += n;
    return 1;
}

/* Hands n bytes to libxml2, whose length argument is an int. */
static void push(xmlParserCtxtPtr ctxt, const char *p, size_t n)
{
    while (n > 0) {
        int k = n > (1u << 30) ? 1 << 30 : (int)n;
        xmlParseChunk(ctxt, p, k, 0);
        p += k;
        n -= (size_t)k;
    }
}

/* The rewrite's sink (xml_cdata.h): markup to libxml2, and text straight to the
 * characters handler once libxml2 has parsed all it was given and is in element content,
 * still calling SAX. */
static int direct_push(void *ud, const char *p, size_t n)
{
    struct sax_run *r = ud;
    xmlParserCtxtPtr ctxt = r->st.ctxt;
    push(ctxt, p, n);
#if FEEDSD_HAVE_XML_CDATA
    /* the parser's internal state, as the proven versions keep it (xml_compat.h) */
    return !r->st.refused && ctxt->wellFormed && !ctxt->disableSAX &&
           ctxt->instate == XML_PARSER_CONTENT && ctxt->inputNr == 1 && ctxt->input &&
           ctxt->input->cur == ctxt->input->end;
#else
    return 0;
#endif
}

static void direct_text(void *ud, const void *p, size_t n)
{
    const xmlChar *s = p;
    while (n > 0) {
        int k = n > (1u << 30) ? 1 << 30 : (int)n;
        parse_sax_characters(ud, s, k);
        s += k;
        n -= (size_t)k;
    }
}

/* One pass over the document, handed to libxml2 piece by piece as src yields it. In the
 * strict pass its text goes to the characters handler directly or reaches libxml2 as
 * CDATA sections (xml_cdata.h); the recovery pass hands libxml2 the bytes as they came.
 * Returns 1 when libxml2 found it well-formed. */
static int run_sax(struct sax_run *r, struct xml_source *src, const struct feed_sink *sink,
                   const char *base_url, int recover)
{
    xmlSAXHandler sax;
    parse_sax_handler(&sax);

    memset(r, 0, sizeof *r);
    r->st.feed = feed_new();
    r->st.doc_base = xstrdup(base_url);
    r->st.recovering = recover;
    r->st.sink = sink;
    xmlParserCtxtPtr ctxt = xmlCreatePushParserCtxt(&sax, r, NULL, 0, NULL);
    if (!ctxt)
        return 0;
    r->st.ctxt = ctxt;
    xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_COMPAT_FEED_OPTIONS |
                                (recover ? XML_PARSE_RECOVER : 0));
    const char *p;
    size_t n;
    int rewrite = !recover && xml_accel_on(XML_ACCEL_CDATA);
    struct xml_cdata xc;
    struct buf xb = {0};
    const struct xml_cdata_sink xsink = {.push = direct_push, .text = direct_text, .ud = r};
    xml_cdata_init(&xc, &xsink);
    /* The prolog waits here until its DOCTYPE is whole (xml_prolog.c). */
    struct buf prolog = {0};
    int holding = 1;
    for (int more = 1; more && !r->st.refused;) {
        more = src->next(src, &p, &n);
        if (holding) {
            if (more)
                buf_append(&prolog, p, n);
            if (more && !xml_prolog_ready(prolog.data, prolog.len))
                continue;
            holding = 0;
            p = prolog.data;
            n = prolog.len;
        } else if (!more) {
            break;
        }
        if (rewrite) {
            xb.len = 0;
            xml_cdata_feed(&xc, p, n, &xb);
            p = xb.data;
            n = xb.len;
        }
        push(ctxt, p, n);
        if (!recover && !ctxt->wellFormed)
            break;   /* libxml2 stopped calling SAX; the recovery pass takes over */
    }
    buf_free(&prolog);
    if (!r->st.refused) {
        if (rewrite && ctxt->wellFormed) {
            xb.len = 0;
            xml_cdata_end(&xc, &xb);
            push(ctxt, xb.data, xb.len);
        }
        xmlParseChunk(ctxt, NULL, 0, 1);
    }
    buf_free(&xb);
    int ok = ctxt->wellFormed && !r->st.refused;
    if (ctxt->myDoc)
        xmlFreeDoc(ctxt->myDoc);
    xmlFreeParserCtxt(ctxt);
    r->st.ctxt = NULL;
    if (r->st.found_root)
        xml_feed_end(&r->st);
    return ok;
}

static int run_sax_doc(struct sax_run *r, const struct doc *d, const char *base_url, int recover,
                       size_t chunk)
{
    struct doc_source s = {.src = {.next = doc_next}, .d = d, .chunk = chunk};
    int ok = run_sax(r, &s.src, NULL, base_url, recover);
    free(s.straddle);
    return ok;
}

int parse_xml_source(struct xml_source *src, const struct feed_sink *sink,
                     const char *base_url, struct feed **out, char *err, size_t errlen)
{
    struct sax_run *r = xcalloc(1, sizeof *r);
    int ok = run_sax(r, src, sink, base_url, 0);
    int rc = 1;
    if (r->st.refused) {
        snprintf(err, errlen, "refused: %s", r->st.refused_why ? r->st.refused_why
                                             : "the document declares entities");
        rc = -1;
    } else if (ok && r->st.found_root) {
        *out = r->st.feed;
        r->st.feed = NULL;
        rc = 0;
    }
    state_free(&r->st);
    free(r);
    return rc;
}

/* Extracts the <title> of an HTML page for the "not a feed" message. */
static void html_title(const char *s, size_t len, char *out, size_t outlen)
{
    out[0] = '\0';
    const char *t = strcasestr(s, "<title");
    if (!t || (size_t)(t - s) > len)
        return;
    t = strchr(t, '>');
    const char *e = t ? strcasestr(t, "</title") : NULL;
    if (!e)
        return;
    char *raw = xstrndup(t + 1, (size_t)(e - t - 1));
    char *txt = text_from_html(raw);
    if (txt)
        snprintf(out, outlen, "%s", txt);
    free(raw);
    free(txt);
}

static int looks_html(const char *s, const char *root)
{
    static const char *const roots[] = {"html", "head", "body"};
    for (size_t i = 0; i < sizeof roots / sizeof roots[0]; i++)
        if (!strcasecmp(root, roots[i]))
            return 1;
    return !strncasecmp(s, "<!doctype html", 14) || strcasestr(s, "<html") != NULL;
}

int parse_xml(const char *data, size_t len, const char *base_url, struct feed **out,
              char *err, size_t errlen)
{
    return parse_xml_parts(NULL, 0, data, len, base_url, CHUNK, out, NULL, err, errlen);
}

int parse_xml_chunked(const char *data, size_t len, const char *base_url, size_t chunk,
                      struct feed **out, int *recovered, char *err, size_t errlen)
{
    return parse_xml_parts(NULL, 0, data, len, base_url, chunk, out, recovered, err, errlen);
}

int parse_xml_parts(const char *head, size_t hlen, const char *body, size_t blen,
                    const char *base_url, size_t chunk, struct feed **out, int *recovered,
                    char *err, size_t errlen)
{
    if (chunk == 0)
        chunk = CHUNK;
    if (chunk > INT_MAX)
        chunk = INT_MAX;   /* xmlParseChunk takes an int */
    struct doc d = {.head = head, .body = body, .hlen = head ? hlen : 0, .blen = blen};
    struct sax_run *strict = xcalloc(1, sizeof *strict), *rec = NULL, *use = NULL;
    int ok = run_sax_doc(strict, &d, base_url, 0, chunk);
    if (strict->st.refused) {
        snprintf(err, errlen, "refused: %s", strict->st.refused_why ? strict->st.refused_why
                                             : "the document declares entities");
    } else if (ok && strict->st.found_root) {
        use = strict;
    } else {
        size_t flen;
        char *fixed = fix_ampersands(doc_joined(&d), d.hlen + d.blen, &flen);
        struct doc fd = {.body = fixed, .blen = flen};
        rec = xcalloc(1, sizeof *rec);
        run_sax_doc(rec, &fd, base_url, 1, chunk);
        free(fixed);
        if (rec->st.found_root && !rec->st.refused)
            use = rec;
        else if (strict->st.found_root)
            use = strict;
    }
    if (!use && !strict->st.refused) {
        const char *root = strict->st.root_name[0] ? strict->st.root_name :
                           rec ? rec->st.root_name : "";
        const char *data = doc_joined(&d);
        if (looks_html(data, root)) {
            char title[100];
            html_title(data, d.hlen + d.blen, title, sizeof title);
            snprintf(err, errlen, "not a feed: HTML document (title \"%s\")", title);
        } else if (*root) {
            snprintf(err, errlen, "not a feed: XML document with root element <%s>", root);
        } else {
            snprintf(err, errlen, "not a feed: not XML (%s)",
                     strict->error[0] ? strict->error : "no element found");
        }
    }
    free(d.joined);
    if (recovered)
        *recovered = !ok || use != strict;
    if (use) {
        *out = use->st.feed;
        use->st.feed = NULL;
    }
    state_free(&strict->st);
    free(strict);
    if (rec) {
        state_free(&rec->st);
        free(rec);
    }
    return use ? 0 : -1;
}
