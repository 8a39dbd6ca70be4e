/* markdown/readability.c: extracts the main article of a web page (owner: html2md
 * engineer). Mozilla Readability.js's algorithm, written anew:
 *   1. parse with libxml2's HTML parser (its nesting cap of 256 bounds every walk below,
 *      and every walk is iterative anyway: parent pointers, no recursion); read what the
 *      page says about itself (page_meta.c);
 *   2. remove what is never content (scripts, forms, navigation), the byline, and, in the
 *      first attempt, the "unlikely candidates": elements whose class or id reads as
 *      boilerplate and not as content (readability_hints.c reads them as words);
 *   3. count, per element, its text, its link text and its prose commas;
 *   4. score every paragraph-like element (2 + commas + one point per 100 characters, at
 *      most 3, times the share of its text outside links) into its ancestors: all to the
 *      parent, half to the grandparent, then score / (level * 3), five levels up; an
 *      ancestor starts from its tag's base score and (first two attempts) its class/id
 *      weight;
 *   5. the best candidate, its score scaled by (1 - link density), is the article; an
 *      ancestor it shares with other good candidates, or one that scores higher, takes its
 *      place; its siblings join when they score close to it or are plain prose;
 *   6. inside the article, boilerplate blocks go (readability_clean.c); relative URLs are
 *      resolved; the result is serialised;
 *   7. an article under RD_RETRY_TEXT characters is extracted again from a fresh parse
 *      with one fewer filter (unlikely candidates, then class weights, then conditional
 *      cleaning), and an attempt much longer than the ones before wins (RETRY_GAIN)
 *      unless it found readers' comments where the one before found an article; an
 *      attempt without a filter that changed nothing is skipped (it would repeat). */
#include "markdown/readability.h"

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
#include "markdown/html_sanitize.h"
#include "markdown/readability_int.h"

/* A paragraph shorter than this is not scored (Readability.js), and a page without one
 * such run of text holds no article, unless the article found is all the text of a page
 * with a <!DOCTYPE> (a one-line note: Readability.js returns any article with text). */
#define MIN_PARAGRAPH 25
/* Candidates that score within 75% of the best and share an ancestor with it: when three
 * do, the ancestor is the article (Readability.js's alternative candidates). */
#define N_TOP 5
#define ALT_SHARE 0.75
#define ALT_MIN 3
/* A later attempt (fewer filters) replaces an earlier one when its article is more than
 * this many times as long: a filter that removed the article leaves a fraction of it
 * (a teaser, a caption), while one that removed a comment thread under a short story
 * leaves most of it. Readability.js keeps the longest whatever the gain, and so keeps the
 * comments of a 400-character story. */
#define RETRY_GAIN 2

/* The attempts, in order. */
static const unsigned attempts[] = {
    RD_STRIP_UNLIKELY | RD_WEIGHT_CLASSES | RD_CLEAN_COND,
    RD_WEIGHT_CLASSES | RD_CLEAN_COND,
    RD_CLEAN_COND,
    0,
};

/* ---- scoring --------------------------------------------------------------------------- */

/* A <div> with no block-level child reads as a paragraph (Readability turns it into a
 * <p>); so does a table cell without one: with block children it is layout (a blog laid
 * out in a table holds its post in one cell among others). A <section> is scored as a
 * paragraph whatever it holds, as Readability.js scores it: its text is what carries a
 * page of short items (a list of features, each a heading and a line) up to the
 * container of its sections, above a single longer box beside them. */
static int is_paragraph(xmlNode *n)
{
    const struct rd_tag *t = rd_tag_of(n);
    int container = rd_is(n, "div") || rd_is(n, "td");
    if ((t->flags & T_PARA) && !container)
        return 1;
    if (!container)
        return 0;
    for (xmlNode *c = n->children; c; c = c->next)
        if (rd_is_element(c) && (rd_tag_of(c)->flags & T_BLOCK))
            return 0;
    return 1;
}

/* The text of a container's own inline runs (text and inline elements beside its
 * blocks): Readability.js wraps them in a <p> of their own, scored as any other. */
static struct rd_info inline_runs(xmlNode *n)
{
    struct rd_info r = {0};
    for (xmlNode *c = n->children; c; c = c->next) {
        if (rd_is_element(c) && !(rd_tag_of(c)->flags & T_BLOCK) && rd_info_of(c)) {
            const struct rd_info *ci = rd_info_of(c);
            r.text += ci->text;
            r.link_text += ci->link_text;
            r.commas += ci->commas;
        } else if (c->type == XML_TEXT_NODE && c->content) {
            size_t commas = 0;
            rd_count_text((const char *)c->content, &r.text, &commas);
            r.commas += commas;
        }
    }
    return r;
}

/* The <p> that is a <div>'s only element, with no text of the div's own beside it. */
static xmlNode *only_paragraph(xmlNode *div)
{
    xmlNode *p = NULL;
    for (xmlNode *c = div->children; c; c = c->next) {
        if (c->type == XML_TEXT_NODE && c->content && !str_empty((const char *)c->content))
            return NULL;
        if (rd_is_element(c)) {
            if (p || !rd_is(c, "p"))
                return NULL;
            p = c;
        }
    }
    return p;
}

/* A <div> around one <p> and nothing else, mostly not links, is that paragraph
 * (Readability.js replaces it by its <p>): a page that wraps each paragraph in a div of
 * its own would otherwise have the wrappers scored as candidates beside their common
 * parent, each holding a paragraph's score while the parent gets half of it, and the
 * article is split among them. The tree is left as it is (the cleaning reads it), the
 * scores pass through the wrapper. */
static int paragraph_wrapper(xmlNode *n)
{
    return rd_is(n, "div") && rd_info_of(n) && rd_link_density(rd_info_of(n)) < 0.25 &&
           only_paragraph(n);
}

/* Step 4: paragraphs into their ancestors; the scored elements into cands. */
static void score(xmlNode *body, unsigned flags, struct rd_nodes *cands, unsigned *used)
{
    for (xmlNode *n = body->children; n; n = rd_next(n, body, 0)) {
        if (!rd_is_element(n))
            continue;
        const struct rd_info *i = rd_info_of(n);
        struct rd_info runs;
        xmlNode *a = n->parent;
        if (!is_paragraph(n)) {
            if (!rd_is(n, "div"))
                continue;
            runs = inline_runs(n);   /* the wrapped runs: n is their parent */
            i = &runs;
            a = n;
        }
        if (i->text < MIN_PARAGRAPH)
            continue;
        /* Text inside links is not the paragraph's own: a list of linked names scores
         * as little as it reads. A paragraph starts from 2, as in Readability.js (1, and
         * the count of the pieces its commas cut it in, one more than the commas): a
         * story told in many short paragraphs without commas weighs enough against the
         * class bonus of its body's <div> to carry its container (the lead picture). */
        double s = (2.0 + (double)i->commas + (double)(i->text / 100 < 3 ? i->text / 100 : 3)) *
                   (1.0 - rd_link_density(i));
        for (int level = 0; level < 5 && rd_is_element(a); level++, a = a->parent) {
            while (a != body && paragraph_wrapper(a))
                a = a->parent;
            struct rd_info *ai = rd_info_of(a);
            if (!ai)
                break;
            if (!ai->scored) {
                ai->scored = 1;
                ai->score = rd_tag_of(a)->base;
                int w = flags & RD_WEIGHT_CLASSES ? rd_class_weight(a) : 0;
                ai->score += w;
                *used |= w ? RD_WEIGHT_CLASSES : 0;
                rd_nodes_add(cands, a);
            }
            ai->score += level == 0 ? s : level == 1 ? s / 2 : s / (level * 3);
            if (a == body)
                break;
        }
    }
    for (size_t k = 0; k < cands->n; k++) {
        struct rd_info *i = rd_info_of(cands->v[k]);
        i->score *= 1.0 - rd_link_density(i);
    }
}

static int contains(const xmlNode *a, const xmlNode *n)
{
    for (; n; n = n->parent)
        if (n == a)
            return 1;
    return 0;
}

/* Step 5a: the best candidate, moved up to the ancestor the evidence points at. */
static xmlNode *choose(xmlNode *body, const struct rd_nodes *cands)
{
    xmlNode *top[N_TOP] = {0};
    for (size_t k = 0; k < cands->n; k++) {
        xmlNode *c = cands->v[k];
        double s = rd_info_of(c)->score;
        for (size_t j = 0; j < N_TOP; j++) {
            if (!top[j] || s > rd_info_of(top[j])->score) {
                memmove(&top[j + 1], &top[j], (N_TOP - j - 1) * sizeof *top);
                top[j] = c;
                break;
            }
        }
    }
    xmlNode *best = top[0];
    if (!best || best == body)
        return body;
    double best_score = rd_info_of(best)->score;
    /* Several good candidates under one ancestor: the article is split in blocks. */
    xmlNode *alt[N_TOP];
    size_t nalt = 0;
    for (size_t j = 1; j < N_TOP && top[j]; j++)
        if (rd_info_of(top[j])->score >= best_score * ALT_SHARE && !contains(top[j], best))
            alt[nalt++] = top[j];
    if (nalt >= ALT_MIN) {
        for (xmlNode *p = best->parent; p && p != body; p = p->parent) {
            size_t holding = 0;
            for (size_t j = 0; j < nalt; j++)
                holding += contains(p, alt[j]);
            if (holding >= ALT_MIN) {
                best = p;
                break;
            }
        }
    }
    /* Up while the parents score as well: an ancestor that scores higher is the article
     * (its other children are part of it); one under a third of the score stops it. */
    double last = rd_info_of(best)->score;
    for (xmlNode *p = best->parent; p && p != body && rd_is_element(p); p = p->parent) {
        const struct rd_info *pi = rd_info_of(p);
        if (!pi || !pi->scored)
            continue;
        if (pi->score < rd_info_of(best)->score / 3)
            break;
        if (pi->score > last) {
            best = p;
            break;
        }
        last = pi->score;
    }
    /* An only child is its parent's whole content. */
    while (best->parent && best->parent != body && rd_is_element(best->parent) &&
           xmlChildElementCount(best->parent) == 1)
        best = best->parent;
    return best;
}

static int plain_prose(xmlNode *n)
{
    const struct rd_info *i = rd_info_of(n);
    double ld = rd_link_density(i);
    if (i->text > 80)
        return ld < 0.25;
    if (i->text == 0 || ld > 0)
        return 0;
    xmlChar *c = xmlNodeGetContent(n);
    int prose = c && *c && (strstr((const char *)c, ". ") || c[xmlStrlen(c) - 1] == '.');
    xmlFree(c);
    return prose;
}

/* Step 5b: the candidate and the siblings that belong with it. */
static void select_nodes(xmlNode *top, xmlNode *body, struct rd_nodes *out)
{
    if (top == body || !rd_is_element(top->parent)) {
        rd_nodes_add(out, top);
        return;
    }
    const struct rd_info *ti = rd_info_of(top);
    double threshold = ti->score * 0.2 > 10 ? ti->score * 0.2 : 10;
    char *top_class = html_attr(top, "class");
    for (xmlNode *s = top->parent->children; s; s = s->next) {
        if (s == top) {
            rd_nodes_add(out, s);
            continue;
        }
        if (!rd_is_element(s) || !rd_info_of(s))
            continue;
        const struct rd_info *si = rd_info_of(s);
        double bonus = 0;
        char *cls = html_attr(s, "class");
        if (cls && top_class && *cls && strcmp(cls, top_class) == 0)
            bonus = ti->score * 0.2;
        free(cls);
        /* A figure beside the article is its picture (a lead image and its caption). */
        if ((si->scored && si->score + bonus >= threshold) || rd_is(s, "figure") ||
            ((rd_is(s, "p") || (rd_is(s, "div") && (is_paragraph(s) || paragraph_wrapper(s)))) &&
             plain_prose(s)))
            rd_nodes_add(out, s);
    }
    free(top_class);
}

/* Step 6b: relative URLs made absolute (RFC 3986 section 5). */
static void resolve_urls(xmlNode *root, const char *base)
{
    static const char *const url_attrs[] = {"href", "src", "poster"};
    for (xmlNode *n = root; n; n = rd_next(n, root, 0)) {
        if (!rd_is_element(n))
            continue;
        for (size_t k = 0; k < sizeof url_attrs / sizeof *url_attrs; k++) {
            char *v = html_attr(n, url_attrs[k]);
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
 * every reader of feedsd: common/utf8.h); else in its <meta charset>. */
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
    const char *enc = valid_utf8(html, len) ? "UTF-8" : NULL;
    /* HTML_PARSE_RECOVER: a <script> or <style> ends at its own end tag only (HTML's
     * script data state); without it libxml2 2.9 ends it at any "</" and a letter, and
     * the rest of a script that writes markup ('<div ...></div>') became article text. */
    htmlDocPtr doc = htmlCtxtReadMemory(ctxt, html, (int)len, NULL, enc,
                                        HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                                            HTML_PARSE_NONET | HTML_PARSE_COMPACT |
                                            HTML_PARSE_RECOVER);
    if (!xml_parse_cut_short(ctxt, cut, cutlen))
        cut[0] = '\0';
    htmlFreeParserCtxt(ctxt);
    return doc;
}

static xmlNode *find_body(htmlDocPtr doc)
{
    xmlNode *root = xmlDocGetRootElement(doc);
    for (xmlNode *n = root; n; n = rd_next(n, root, 0))
        if (rd_is(n, "body"))
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

/* Whether the page opens with a <!DOCTYPE> (after a BOM, white space or comments: within
 * its first 1024 bytes). libxml2 adds a default one to the tree, so the bytes are read. */
static int has_doctype(const char *html, size_t len)
{
    static const char tag[] = "<!doctype";
    size_t n = len < 1024 ? len : 1024;
    for (size_t i = 0; i + sizeof tag - 1 <= n; i++)
        if (strncasecmp(html + i, tag, sizeof tag - 1) == 0)
            return 1;
    return 0;
}

/* The visible characters of the page's body (scripts and styles left out), counted as an
 * article's are: its text nodes read as one text, in document order, without copying
 * them into one string. */
static size_t page_chars(xmlNode *body)
{
    size_t chars = 0, commas = 0;
    int space = 1;
    for (xmlNode *n = body->children; n;) {
        if ((n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) && n->content)
            rd_count_more((const char *)n->content, &space, &chars, &commas);
        n = rd_next(n, body, n->type != XML_ELEMENT_NODE || rd_unseen(n));
    }
    return chars;
}

/* What the caller wants of the article. */
enum rd_output { OUT_HTML, OUT_MARKDOWN };

/* One attempt's result. */
struct result {
    char *article;     /* the serialised article, or its markdown (OUT_MARKDOWN); or NULL */
    size_t chars;      /* its visible characters */
    int comments;      /* it sits in an element whose class or id reads as comments */
};

static void result_free(struct result *r)
{
    free(r->article);
    *r = (struct result){0};
}

/* Steps 2-6 on a fresh parse of the page (len bytes), with the filters of flags. */
static void attempt(htmlDocPtr doc, xmlNode *body, const char *base, unsigned flags,
                    int take_byline, char **byline, const char *title, unsigned *used,
                    enum rd_output want, size_t len, struct result *r)
{
    rd_prepare(body, flags, take_byline, byline, title, used);
    struct rd_info *infos = rd_measure(body);
    struct rd_nodes cands = {0}, keep = {0};
    score(body, flags, &cands, used);
    xmlNode *top = choose(body, &cands);
    for (xmlNode *a = top; a != body && rd_is_element(a) && !r->comments; a = a->parent)
        r->comments = rd_hint_match(a, HINT_COMMENTS);
    select_nodes(top, body, &keep);
    free(cands.v);
    struct buf out = {0};
    xmlBufferPtr xb = NULL;
    if (want == OUT_HTML) {
        buf_puts(&out, "<div>");
        xb = xmlBufferCreate();
    }
    for (size_t k = 0; k < keep.n; k++) {
        rd_clean(keep.v[k], flags, title, used);
        resolve_urls(keep.v[k], base);
        xmlChar *text = xmlNodeGetContent(keep.v[k]);
        size_t commas = 0;
        if (text)
            rd_count_text((const char *)text, &r->chars, &commas);
        xmlFree(text);
        if (!xb)
            continue;
        xmlBufferEmpty(xb);
        if (htmlNodeDump(xb, doc, keep.v[k]) > 0)
            buf_append(&out, (const char *)xmlBufferContent(xb), (size_t)xmlBufferLength(xb));
    }
    if (xb) {
        buf_puts(&out, "</div>");
        xmlBufferFree(xb);
        r->article = buf_steal(&out);
    } else {
        r->article = rd_article_md(doc, keep.v, keep.n, len, base);
    }
    free(keep.v);
    free(infos);
}

static char *extract(const char *html, size_t len, const char *base_url, enum rd_output want,
                     struct page_meta *meta, char *err, size_t errlen)
{
    if (meta)
        *meta = (struct page_meta){0};
    if (!html || !len)
        return fail(err, errlen, "empty page");
    if (len > 64u << 20)
        return fail(err, errlen, "page too large (%zu bytes)", len);
    char cut[160] = "";
    struct page_meta m = {0};
    struct result best = {0};
    char *byline = NULL;
    int take_byline = 1;
    unsigned used = 0;
    size_t all_chars = 0;
    for (size_t a = 0; a < sizeof attempts / sizeof *attempts; a++) {
        /* Without a filter that changed nothing, an attempt repeats the one before. */
        if (a > 0 && !(used & attempts[a - 1] & ~attempts[a]))
            continue;
        htmlDocPtr doc = parse_page(html, len, cut, sizeof cut);
        xmlNode *body = doc ? find_body(doc) : NULL;
        if (!body) {
            xmlFreeDoc(doc);
            page_meta_free(&m);
            return fail(err, errlen, "not an HTML page (no <body>)");
        }
        if (a == 0) {
            /* Only a document that declares itself HTML: a fragment or stray bytes with
             * a few words are not a page (test_no_article). */
            all_chars = has_doctype(html, len) ? page_chars(body) : 0;
            page_meta_read(doc, base_url, &m);
            /* Readability.js: a byline the metadata gives leaves the page's alone. */
            take_byline = m.byline == NULL;
        }
        struct result r = {0};
        used = 0;
        attempt(doc, body, base_url, attempts[a], take_byline, &byline, m.title, &used, want,
                len, &r);
        xmlFreeDoc(doc);   /* libxml2 does not look at _private */
        /* Readers' comments under a short story are longer than it, but not its article:
         * an attempt that found an article outside comments is not replaced by one that
         * found comments once the filters are off. */
        int comments_only = r.comments && !best.comments && best.chars >= MIN_PARAGRAPH;
        if (!best.article || (r.chars > best.chars * RETRY_GAIN && !comments_only)) {
            result_free(&best);
            best = r;
        } else {
            result_free(&r);
        }
        if (best.chars >= RD_RETRY_TEXT)
            break;
    }
    if (!m.byline)
        m.byline = byline;
    else
        free(byline);
    /* A short article is one when it is the whole page: nothing around it was left out
     * (a page of navigation and a line is a stub, not a note). */
    int whole = all_chars > 0 && best.chars > 0 && best.chars + 1 >= all_chars;
    if (!best.article || (best.chars < MIN_PARAGRAPH && !whole)) {
        size_t chars = best.chars;
        result_free(&best);
        page_meta_free(&m);
        if (cut[0])
            return fail(err, errlen, "the HTML parser gave up part way (%s): the rest of "
                                     "the page was not read", cut);
        return fail(err, errlen, "no article found (%zu characters of text in the best "
                                 "candidate)", chars);
    }
    if (meta)
        *meta = m;
    else
        page_meta_free(&m);
    char *out = best.article;
    best.article = NULL;
    result_free(&best);
    return out;
}

char *readability_extract(const char *html, size_t len, const char *base_url,
                          struct page_meta *meta, char *err, size_t errlen)
{
    return extract(html, len, base_url, OUT_HTML, meta, err, errlen);
}

char *readability_extract_md(const char *html, size_t len, const char *base_url,
                             struct page_meta *meta, char *err, size_t errlen)
{
    return extract(html, len, base_url, OUT_MARKDOWN, meta, err, errlen);
}
