/* markdown/readability_clean.c: the passes of the article extractor that change the tree:
 * before scoring (rd_prepare: what is never content, the unlikely candidates, the byline,
 * lazy images) and after the article is chosen (rd_clean: boilerplate blocks inside it).
 * The rules are Readability.js's (its _grabArticle and _cleanConditionally), written
 * anew; the figures they use are its figures. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/util.h"
#include "markdown/html_sanitize.h"
#include "markdown/readability_int.h"

/* A byline is a short line: longer text in an "author" element is a biography. */
#define BYLINE_MAX 100

static int inside(const xmlNode *n, const char *const *names, size_t count)
{
    for (const xmlNode *a = n->parent; rd_is_element(a); a = a->parent)
        for (size_t i = 0; i < count; i++)
            if (rd_is(a, names[i]))
                return 1;
    return 0;
}

/* Code and tables are read whole: class names inside them are the page's data. */
static int inside_code_or_table(const xmlNode *n)
{
    static const char *const names[] = {"code", "pre", "table"};
    return inside(n, names, sizeof names / sizeof *names);
}

static int inside_figure_or_code(const xmlNode *n)
{
    static const char *const names[] = {"figure", "code", "pre"};
    return inside(n, names, sizeof names / sizeof *names);
}

/* Squashed visible text of n, malloc'd. */
static char *text_of(xmlNode *n)
{
    xmlChar *c = xmlNodeGetContent(n);
    char *s = str_squash_ws(xstrdup(c ? (const char *)c : ""));
    xmlFree(c);
    return s;
}

static size_t chars_of(xmlNode *n)
{
    xmlChar *c = xmlNodeGetContent(n);
    size_t chars = 0, commas = 0;
    if (c)
        rd_count_text((const char *)c, &chars, &commas);
    xmlFree(c);
    return chars;
}

/* Whether most of n's text is code (<pre>, <code>): the wrapper of a highlighted listing
 * ("highlight extra-wide", a line-numbered table whose numbers are links) is the listing,
 * whatever its class or its links say. */
static int mostly_code(xmlNode *n)
{
    size_t code = 0;
    for (xmlNode *c = n->children; c; ) {
        int hit = rd_is(c, "pre") || rd_is(c, "code");
        if (hit)
            code += chars_of(c);
        c = rd_next(c, n, hit);
    }
    return code > 0 && code * 2 >= chars_of(n);
}

/* The text of n as the page shows it: without what its scripts, styles and templates
 * hold (Readability.js reads a byline after it removed them), white space squashed. */
static char *shown_text_of(xmlNode *n)
{
    struct buf b = {0};
    buf_puts(&b, "");
    for (xmlNode *c = n->children; c;) {
        if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content)
            buf_puts(&b, (const char *)c->content);
        c = rd_next(c, n, c->type != XML_ELEMENT_NODE || rd_unseen(c));
    }
    return str_squash_ws(buf_steal(&b));
}

static int is_byline(xmlNode *n)
{
    char *rel = html_attr(n, "rel"), *prop = html_attr(n, "itemprop");
    int hit = (rel && strcasecmp(rel, "author") == 0) || (prop && strstr(prop, "author")) ||
              rd_hint_match(n, HINT_BYLINE);
    free(rel);
    free(prop);
    return hit;
}

/* An image that a script loads late keeps its address in data-* attributes and a
 * placeholder (a data: URL, often a 1x1 GIF) or nothing in src. */
static void fix_lazy_image(xmlNode *img)
{
    static const char *const src_attrs[] = {"data-src", "data-lazy-src", "data-original",
                                            "data-url", "data-hi-res-src"};
    static const char *const set_attrs[] = {"data-srcset", "data-lazy-srcset"};
    char *src = html_attr(img, "src");
    if (!src || !*src || strncasecmp(src, "data:", 5) == 0) {
        for (size_t i = 0; i < sizeof src_attrs / sizeof *src_attrs; i++) {
            char *v = html_attr(img, src_attrs[i]);
            if (v && *v && strncasecmp(v, "data:", 5) != 0) {
                xmlSetProp(img, (const xmlChar *)"src", (const xmlChar *)v);
                free(v);
                break;
            }
            free(v);
        }
    }
    free(src);
    char *set = html_attr(img, "srcset");
    if (!set || !*set) {
        for (size_t i = 0; i < sizeof set_attrs / sizeof *set_attrs; i++) {
            char *v = html_attr(img, set_attrs[i]);
            if (v && *v) {
                xmlSetProp(img, (const xmlChar *)"srcset", (const xmlChar *)v);
                free(v);
                break;
            }
            free(v);
        }
    }
    free(set);
}

/* Readability.js's _textSimilarity: the share of b's text (as words) that is words of a. */
double rd_similarity(const char *a, const char *b)
{
    char *la = xstrdup(a), *lb = xstrdup(b);
    for (char *p = la; *p; p++)
        *p = (char)(isalnum((unsigned char)*p) || (unsigned char)*p >= 0x80 ? tolower((unsigned char)*p) : ' ');
    for (char *p = lb; *p; p++)
        *p = (char)(isalnum((unsigned char)*p) || (unsigned char)*p >= 0x80 ? tolower((unsigned char)*p) : ' ');
    size_t all = 0, unique = 0;
    char *save = NULL;
    for (char *w = strtok_r(lb, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
        size_t wl = strlen(w);
        int found = 0;
        for (const char *p = strstr(la, w); p && !found; p = strstr(p + 1, w))
            found = (p == la || p[-1] == ' ') && (p[wl] == ' ' || p[wl] == '\0');
        all += wl + (all > 0);
        unique += found ? 0 : wl + (unique > 0);
    }
    free(la);
    free(lb);
    return all ? 1.0 - (double)unique / (double)all : 0.0;
}

static int is_image(const xmlNode *n)
{
    return rd_is(n, "img") || rd_is(n, "picture");
}

/* The one image below n (n itself included), or NULL when there is none or several. */
static xmlNode *single_image(xmlNode *n)
{
    xmlNode *img = NULL;
    for (xmlNode *c = n; c; c = rd_next(c, n, 0)) {
        if (rd_is_element(c) && is_image(c)) {
            if (img)
                return NULL;
            img = c;
        }
    }
    return img;
}

/* Pages that load images late often put the real <img> in a <noscript> right after a
 * placeholder (Readability.js's _unwrapNoscriptImages): the placeholder gives way to it.
 * libxml2's HTML parser reads a <noscript>'s content as elements. 1 when ns was used. */
static int unwrap_noscript(xmlNode *ns)
{
    xmlNode *prev = xmlPreviousElementSibling(ns);
    xmlNode *real = single_image(ns);
    /* The placeholder is an image alone, or wrapped in elements with nothing else. */
    while (prev && !is_image(prev)) {
        xmlNode *only = xmlFirstElementChild(prev);
        if (!only || xmlChildElementCount(prev) != 1)
            return 0;
        for (xmlNode *c = prev->children; c; c = c->next)
            if (c->type == XML_TEXT_NODE && c->content && !str_empty((const char *)c->content))
                return 0;
        prev = only;
    }
    if (!prev || !real)
        return 0;
    xmlNode *placeholder = prev;
    xmlUnlinkNode(real);
    xmlReplaceNode(placeholder, real);
    xmlFreeNode(placeholder);
    return 1;
}

/* An image hidden from screen readers beside a hidden element is that element's picture
 * for the eye: the fallback of a formula whose MathML is hidden from display (the reader
 * reads the MathML, the page shows the image). Readability.js keeps such images (its
 * "fallback-image" class); other aria-hidden images are icons and go. */
static int visible_fallback(xmlNode *img)
{
    if (!rd_is(img, "img"))
        return 0;
    for (xmlNode *c = img->parent ? img->parent->children : NULL; c; c = c->next)
        if (c != img && rd_is_element(c) && html_is_hidden(c))
            return 1;
    return 0;
}

void rd_prepare(xmlNode *body, unsigned flags, int take_byline, char **byline,
                const char *title, unsigned *used)
{
    struct rd_nodes gone = {0};
    int take_title = title && *title;
    for (xmlNode *n = body->children; n;) {
        int drop = n->type == XML_COMMENT_NODE || n->type == XML_PI_NODE;
        if (rd_is_element(n)) {
            const struct rd_tag *t = rd_tag_of(n);
            if (rd_is(n, "noscript"))
                unwrap_noscript(n);
            /* aria-hidden: hidden from readers (Readability.js's _isProbablyVisible) */
            char *aria = html_attr(n, "aria-hidden");
            drop = (t->flags & T_DROP) || html_is_hidden(n) ||
                   (aria && !strcmp(aria, "true") && !visible_fallback(n));
            free(aria);
            if (!drop && (flags & RD_STRIP_UNLIKELY) && !(t->flags & T_KEEP) &&
                !inside_code_or_table(n))
            {
                drop = ((rd_hint_match(n, HINT_UNLIKELY) && !rd_hint_match(n, HINT_MAYBE)) ||
                        rd_unlikely_role(n)) && !mostly_code(n);
                *used |= drop ? RD_STRIP_UNLIKELY : 0;
            }
            if (!drop && take_byline && !(t->flags & T_BLOCK && t->flags & T_LIST) &&
                is_byline(n)) {
                char *s = shown_text_of(n);
                size_t len = strlen(s);
                if (len > 0 && len < BYLINE_MAX) {
                    if (!*byline)
                        *byline = s, s = NULL;
                    drop = 1;
                    take_byline = 0;
                }
                free(s);
            }
            if (!drop && take_title && (rd_is(n, "h1") || rd_is(n, "h2"))) {
                char *s = text_of(n);
                drop = rd_similarity(title, s) > 0.75;   /* Readability.js's threshold */
                take_title = !drop;
                free(s);
            }
            if (!drop && rd_is(n, "img"))
                fix_lazy_image(n);
        }
        if (drop)
            rd_nodes_add(&gone, n);
        n = rd_next(n, body, drop);
    }
    rd_nodes_remove(&gone);
    free(gone.v);
}

/* ---- after the choice ------------------------------------------------------------------ */

struct counts {
    size_t p, img, li, input, embed, heading_text;
    size_t listed;   /* text in <ul> and <ol>, nested ones again (as Readability.js sums) */
};

static void count_below(xmlNode *root, struct counts *c)
{
    for (xmlNode *n = root->children; n; n = rd_next(n, root, 0)) {
        if (!rd_is_element(n))
            continue;
        const char *name = (const char *)n->name;
        if (!strcmp(name, "p"))
            c->p++;
        else if (!strcmp(name, "img"))
            c->img++;
        else if (!strcmp(name, "li"))
            c->li++;
        else if (!strcmp(name, "input"))
            c->input++;
        else if (!strcmp(name, "video") || !strcmp(name, "audio"))
            c->embed++;
        else if ((!strcmp(name, "ul") || !strcmp(name, "ol")) && rd_info_of(n))
            c->listed += rd_info_of(n)->text;
        else if (rd_tag_of(n)->flags & T_HEAD && rd_info_of(n))
            c->heading_text += rd_info_of(n)->text;
    }
}

/* The rest of Readability.js's _markDataTables (without its attributes of spans and
 * summaries): a table that declares its columns (<col>, <colgroup>), or a grid of more
 * than 4 columns or 10 cells without a table inside it, holds data; one marked as
 * presentation does not. */
static int data_grid(xmlNode *t)
{
    char *role = html_attr(t, "role");
    int layout = role && strcmp(role, "presentation") == 0;
    free(role);
    if (layout)
        return 0;
    size_t rows = 0, columns = 0;
    for (xmlNode *n = t->children; n; n = rd_next(n, t, 0)) {
        if (rd_is(n, "col") || rd_is(n, "colgroup"))
            return 1;
        if (rd_is(n, "table"))
            return 0;
        if (!rd_is(n, "tr"))
            continue;
        size_t cells = 0;
        for (xmlNode *c = n->children; c; c = c->next)
            cells += rd_is(c, "td") || rd_is(c, "th");
        rows++;
        columns = cells > columns ? cells : columns;
    }
    return columns > 4 || rows * columns > 10;
}

/* A table of data (a header row, a caption, or ten rows) is content, whatever its links. */
static int data_table(xmlNode *t)
{
    size_t rows = 0;
    for (xmlNode *n = t->children; n; n = rd_next(n, t, 0)) {
        if (rd_is(n, "th") || rd_is(n, "caption") || rd_is(n, "thead"))
            return 1;
        rows += rd_is(n, "tr");
    }
    return rows >= 10 || data_grid(t);
}

/* A list whose every item holds one element, and as many images as items: a gallery
 * (images, or figures with their captions), which the rules below take for an image strip
 * without text (Readability.js keeps such a list). */
static int image_list(xmlNode *n, const struct counts *c)
{
    if (!(rd_tag_of(n)->flags & T_LIST) || c->li == 0 || c->img != c->li)
        return 0;
    for (xmlNode *item = n->children; item; item = item->next)
        if (rd_is_element(item) && xmlChildElementCount(item) > 1)
            return 0;
    return 1;
}

/* Readability.js's DIV_TO_P_ELEMS: what makes a <div> more than a paragraph. */
static int div_to_p_elem(const xmlNode *n)
{
    static const char *const names[] = {"blockquote", "dl", "div", "img", "ol", "p",
                                        "pre", "table", "ul"};
    for (size_t k = 0; k < sizeof names / sizeof *names; k++)
        if (rd_is(n, names[k]))
            return 1;
    return 0;
}

/* A <div> without any of those at any depth (_hasChildBlockElement) is a paragraph to
 * Readability.js, which makes it a <p> before it scores, and never cleans a <p>
 * conditionally: a line of a source and a time, or an editor's name, stays however short
 * it is. Only one without links: a short line that is a link (a "Main article:" note, a
 * reviewer's name) is still judged, and goes. */
static int div_as_paragraph(xmlNode *div)
{
    if (!rd_is(div, "div"))
        return 0;
    for (xmlNode *n = div->children; n; n = rd_next(n, div, 0))
        if (rd_is_element(n) && div_to_p_elem(n))
            return 0;
    return 1;
}

/* Readability.js's _cleanConditionally, for one element: 1 when it goes. */
static int boilerplate(xmlNode *n, unsigned flags, unsigned *used)
{
    const struct rd_info *i = rd_info_of(n);
    if (!i || (i->link_text == 0 && div_as_paragraph(n)))
        return 0;
    int weight = flags & RD_WEIGHT_CLASSES ? rd_class_weight(n) : 0;
    *used |= weight ? RD_WEIGHT_CLASSES : 0;
    /* A good score keeps a block whose class reads as negative; a score below 0 condemns
     * nothing: a list starts from -3 (its tag's base), and a list of short items with
     * few commas stays below 0 however much it is the article's (Readability.js gives
     * every block 0 here). */
    double score = i->scored && i->score > 0 ? i->score : 0;
    if (weight + score < 0)
        return 1;
    if ((rd_is(n, "table") && data_table(n)) || mostly_code(n))
        return 0;
    if (i->commas >= 10)
        return 0;
    struct counts c = {0};
    count_below(n, &c);
    if (image_list(n, &c))
        return 0;
    double ld = rd_link_density(i);
    /* A block whose text is nine tenths lists (a heading and its list) is judged as the
     * list, whose links are its items (Readability.js's isList); unless it is mostly
     * links: a box of linked headlines ("Most read") is no list of the article's. */
    int list = (rd_tag_of(n)->flags & T_LIST) != 0 ||
               ((double)c.listed > 0.9 * (double)i->text && ld <= 0.5);
    int figure = inside_figure_or_code(n);
    double heading = i->text ? (double)c.heading_text / (double)i->text : 0;
    if (c.img > 1 && (double)c.p / (double)c.img < 0.5 && !figure)
        return 1;
    if (!list && c.li > c.p + 100)   /* Readability.js: li - 100 > p */
        return 1;
    if (c.input > c.p / 3)   /* Readability.js: input > floor(p / 3) */
        return 1;
    if (!list && heading < 0.9 && i->text < 25 && (c.img == 0 || c.img > 2) && !figure)
        return 1;
    if (!list && weight < 25 && ld > 0.2)
        return 1;
    if (weight >= 25 && ld > 0.5)
        return 1;
    if ((c.embed == 1 && i->text < 75) || c.embed > 1)
        return 1;
    return 0;
}

/* The class weight of n, noted in *used when it is not 0. */
static int weight_used(xmlNode *n, unsigned *used)
{
    int w = rd_class_weight(n);
    *used |= w ? RD_WEIGHT_CLASSES : 0;
    return w;
}

/* Marks every element of root's tables of data, the tables included (in_data): what a
 * table of data holds is its data, and nothing in it is cleaned conditionally
 * (Readability.js). Read before the cleaning, which goes inside out. */
static void mark_data_tables(xmlNode *root)
{
    for (xmlNode *n = root->children; n;) {
        if (rd_is(n, "table") && rd_info_of(n) && data_table(n)) {
            for (xmlNode *d = n; d; d = rd_next(d, n, 0))
                if (rd_is_element(d) && rd_info_of(d))
                    rd_info_of(d)->in_data = 1;
            n = rd_next(n, root, 1);
            continue;
        }
        n = rd_next(n, root, 0);
    }
}

/* n goes: its counts leave its ancestors' (the rules read what is left). */
static void drop_node(xmlNode *n, xmlNode *root)
{
    const struct rd_info *i = rd_info_of(n);
    for (xmlNode *a = n->parent; i && a && a != root->parent; a = a->parent) {
        struct rd_info *ai = rd_info_of(a);
        if (!ai)
            continue;
        ai->text -= i->text < ai->text ? i->text : ai->text;
        ai->link_text -= i->link_text < ai->link_text ? i->link_text : ai->link_text;
        ai->link_text = ai->link_text < ai->text ? ai->link_text : ai->text;
        ai->commas -= i->commas < ai->commas ? i->commas : ai->commas;
    }
    xmlUnlinkNode(n);
    xmlFreeNode(n);
}

static xmlNode *deepest(xmlNode *n)
{
    while (n->children)
        n = n->children;
    return n;
}

/* A paragraph <div> (above) that repeats the page's title, which the reader shows above
 * the article: a blog's post title written as a line of bold text. As Readability.js
 * drops a heading that repeats it (_headerDuplicatesTitle, similarity over 0.75), and
 * only a line no longer than the title. */
static int repeats_title(xmlNode *n, const char *title)
{
    const struct rd_info *i = rd_info_of(n);
    if (!title || !*title || !i || i->link_text || i->text > strlen(title) ||
        !div_as_paragraph(n))
        return 0;
    for (xmlNode *d = n->children; d; d = rd_next(d, n, 0))
        if (rd_is_element(d) && (rd_tag_of(d)->flags & T_HEAD))
            return 0;   /* a heading of its own: Readability.js leaves h3-h6 */
    char *s = text_of(n);
    int same = *s && rd_similarity(title, s) > 0.75;
    free(s);
    return same;
}

void rd_clean(xmlNode *root, unsigned flags, const char *title, unsigned *used)
{
    /* Inner blocks first, as Readability.js removes them (the last of the document's
     * order first): a block is judged by what is left in it. */
    mark_data_tables(root);
    for (xmlNode *n = root->children ? deepest(root->children) : NULL; n;) {
        xmlNode *next = n->next ? deepest(n->next) : n->parent == root ? NULL : n->parent;
        int drop = 0;
        if (rd_is_element(n) && !inside_figure_or_code(n)) {
            const struct rd_tag *t = rd_tag_of(n);
            if (repeats_title(n, title)) {
                drop = 1;
            } else if ((rd_is(n, "h1") || rd_is(n, "h2")) && (flags & RD_WEIGHT_CLASSES)) {
                drop = weight_used(n, used) < 0;
            } else if ((t->flags & T_COND) && (flags & RD_CLEAN_COND)) {
                drop = rd_info_of(n) && !rd_info_of(n)->in_data && boilerplate(n, flags, used);
                *used |= drop ? RD_CLEAN_COND : 0;
            } else if (t->flags & T_COND) {
                drop = (flags & RD_WEIGHT_CLASSES) && weight_used(n, used) < 0;
            }
        }
        if (drop)
            drop_node(n, root);
        n = next;
    }
}
