/* markdown/readability_hints.c: the tables of the article extractor (the tags, and the
 * words of class and id attributes that read as boilerplate, as content or as a byline)
 * and the counts every step reads (text, link text, prose commas per element).
 *
 * Hint words are matched against whole parts of the attribute, not as substrings: a
 * class is cut at white space, '-', '_' and other punctuation, and where a lower-case
 * letter meets a capital ("SidebarTheDeck"), and a word matches a part equal to it or to
 * its plural. "ad-portal" holds no "ad" part worth removing, "evolve-shared-mutable-history"
 * no "share", "nosidebar" no "sidebar". Measured on pages whose article sat in such an
 * element (issue 21): prefix matching removed it, and the page fell back to its teaser. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/util.h"
#include "markdown/html_sanitize.h"
#include "markdown/readability_int.h"

/* Sorted by name. base: Readability.js's starting scores. T_COND: the elements that
 * Readability.js cleans conditionally (div, fieldset, table, ul; forms are dropped). */
static const struct rd_tag tags[] = {
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
    {"fieldset", 0, T_BLOCK | T_COND},
    {"figcaption", 0, T_BLOCK},
    {"figure", 0, T_BLOCK | T_KEEP},
    {"footer", 0, T_DROP},
    {"form", -3, T_DROP},
    {"frame", 0, T_DROP},
    {"h1", -5, T_BLOCK | T_HEAD},
    {"h2", -5, T_BLOCK | T_PARA | T_HEAD},
    {"h3", -5, T_BLOCK | T_PARA | T_HEAD},
    {"h4", -5, T_BLOCK | T_PARA | T_HEAD},
    {"h5", -5, T_BLOCK | T_PARA | T_HEAD},
    {"h6", -5, T_BLOCK | T_PARA | T_HEAD},
    {"head", 0, T_DROP},
    {"hr", 0, T_BLOCK},
    {"html", 0, T_KEEP},
    {"iframe", 0, T_DROP},
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
    {"pre", 3, T_BLOCK | T_PARA | T_KEEP},
    {"script", 0, T_DROP},
    {"section", 0, T_BLOCK | T_PARA},
    {"select", 0, T_DROP},
    {"style", 0, T_DROP},
    {"svg", 0, T_DROP},
    {"table", 0, T_BLOCK | T_COND},
    {"td", 3, T_BLOCK | T_PARA},
    {"template", 0, T_DROP},
    {"textarea", 0, T_DROP},
    {"th", -5, T_BLOCK},
    {"ul", -3, T_BLOCK | T_LIST | T_COND},
};

const struct rd_tag *rd_tag_of(const xmlNode *n)
{
    static const struct rd_tag none = {"", 0, 0};
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

int rd_is_element(const xmlNode *n)
{
    return n && n->type == XML_ELEMENT_NODE;
}

int rd_is(const xmlNode *n, const char *name)
{
    return rd_is_element(n) && strcmp((const char *)n->name, name) == 0;
}

/* ---- hints ----------------------------------------------------------------------------- */

enum hint_mode {
    PART,    /* any part of a token */
    INNER,   /* a whole token, or a part with a separator on both sides ("top-ad-slot"),
              * as Readability.js's "-ad-": "ad-portal" and "ad_title" are no ads */
    RUN,     /* a run between separators, capitals and all: "MathJax" is one word, not
              * "math" and "jax" */
    PHRASE,  /* parts joined by '-', as written, between separators: "cover-wrap" */
};

struct hint_word {
    const char *word;
    unsigned char kind;   /* enum rd_hint */
    unsigned char mode;   /* enum hint_mode */
};

/* The kinds and words of Readability.js's unlikelyCandidates, okMaybeItsACandidate,
 * positive, negative and byline patterns, read as words. */
static const struct hint_word hint_words[] = {
    {"ad", HINT_UNLIKELY, INNER}, {"agegate", HINT_UNLIKELY, PART},
    {"banner", HINT_UNLIKELY, PART}, {"breadcrumb", HINT_UNLIKELY, PART},
    {"combx", HINT_UNLIKELY, PART}, {"comment", HINT_UNLIKELY, PART},
    {"community", HINT_UNLIKELY, PART}, {"cookie", HINT_UNLIKELY, PART},
    {"cover-wrap", HINT_UNLIKELY, PHRASE},
    {"disqus", HINT_UNLIKELY, PART}, {"extra", HINT_UNLIKELY, PART},
    {"footer", HINT_UNLIKELY, PART}, {"gdpr", HINT_UNLIKELY, PART},
    {"header", HINT_UNLIKELY, PART}, {"legend", HINT_UNLIKELY, PART},
    {"menu", HINT_UNLIKELY, PART}, {"navbar", HINT_UNLIKELY, PART},
    {"navigation", HINT_UNLIKELY, PART}, {"pager", HINT_UNLIKELY, PART},
    {"pagination", HINT_UNLIKELY, PART}, {"popup", HINT_UNLIKELY, PART},
    {"related", HINT_UNLIKELY, PART}, {"remark", HINT_UNLIKELY, PART},
    {"replies", HINT_UNLIKELY, PART}, {"rss", HINT_UNLIKELY, PART},
    {"shoutbox", HINT_UNLIKELY, PART}, {"sidebar", HINT_UNLIKELY, PART},
    {"skyscraper", HINT_UNLIKELY, PART}, {"social", HINT_UNLIKELY, PART},
    {"sponsor", HINT_UNLIKELY, PART}, {"supplemental", HINT_UNLIKELY, PART},

    {"and", HINT_MAYBE, PART}, {"article", HINT_MAYBE, PART}, {"body", HINT_MAYBE, PART},
    {"column", HINT_MAYBE, PART}, {"content", HINT_MAYBE, PART},
    {"main", HINT_MAYBE, PART}, {"mathjax", HINT_MAYBE, RUN}, {"shadow", HINT_MAYBE, PART},

    {"article", HINT_POSITIVE, PART}, {"blog", HINT_POSITIVE, PART},
    {"body", HINT_POSITIVE, PART}, {"content", HINT_POSITIVE, PART},
    {"entry", HINT_POSITIVE, PART}, {"hentry", HINT_POSITIVE, PART},
    {"main", HINT_POSITIVE, PART}, {"page", HINT_POSITIVE, PART},
    {"post", HINT_POSITIVE, PART}, {"story", HINT_POSITIVE, PART},
    {"text", HINT_POSITIVE, PART},

    {"ad", HINT_NEGATIVE, INNER}, {"banner", HINT_NEGATIVE, PART},
    {"combx", HINT_NEGATIVE, PART}, {"comment", HINT_NEGATIVE, PART},
    {"contact", HINT_NEGATIVE, PART}, {"cookie", HINT_NEGATIVE, PART},
    {"footer", HINT_NEGATIVE, PART}, {"gdpr", HINT_NEGATIVE, PART},
    {"hid", HINT_NEGATIVE, INNER}, {"hidden", HINT_NEGATIVE, PART},
    {"masthead", HINT_NEGATIVE, PART}, {"media", HINT_NEGATIVE, PART},
    {"menu", HINT_NEGATIVE, PART}, {"meta", HINT_NEGATIVE, PART},
    {"outbrain", HINT_NEGATIVE, PART}, {"promo", HINT_NEGATIVE, PART},
    {"related", HINT_NEGATIVE, PART}, {"scroll", HINT_NEGATIVE, PART},
    {"share", HINT_NEGATIVE, PART}, {"sharing", HINT_NEGATIVE, PART},
    {"shopping", HINT_NEGATIVE, PART},
    {"shoutbox", HINT_NEGATIVE, PART}, {"sidebar", HINT_NEGATIVE, PART},
    {"skyscraper", HINT_NEGATIVE, PART}, {"social", HINT_NEGATIVE, PART},
    {"sponsor", HINT_NEGATIVE, PART}, {"tags", HINT_NEGATIVE, PART},
    {"widget", HINT_NEGATIVE, PART},

    {"comment", HINT_COMMENTS, PART}, {"discussion", HINT_COMMENTS, PART},
    {"disqus", HINT_COMMENTS, PART}, {"replies", HINT_COMMENTS, PART},
    {"respond", HINT_COMMENTS, PART},

    {"author", HINT_BYLINE, PART}, {"byline", HINT_BYLINE, PART},
    {"dateline", HINT_BYLINE, PART}, {"writtenby", HINT_BYLINE, PART},
};

static int is_sep(unsigned char c)
{
    return !isalnum(c) && c < 0x80;
}

/* Whether part s[0..n) (lower case) is word or its plural. */
static int part_is(const char *s, size_t n, const char *word)
{
    size_t w = strlen(word);
    return (n == w || (n == w + 1 && s[w] == 's')) && strncmp(s, word, w) == 0;
}

/* What a block of boilerplate lists, written after its word without a separator:
 * "relatedposts", "sidebaritems", "sponsorlinks" (WordPress plugins and themes write
 * such compounds; Readability.js's substring patterns catch them). A compound of a
 * word of any other kind, or with any other tail, is no match: "commentary", "adapter". */
static const char *const listed_things[] = {"article", "entry", "entrie", "item", "link",
                                            "post", "story", "storie", "video"};

/* Whether part s[0..n) (lower case) is a boilerplate word and a listed thing. */
static int part_is_compound(const char *s, size_t n, const char *word, enum rd_hint kind)
{
    size_t w = strlen(word);
    if ((kind != HINT_UNLIKELY && kind != HINT_NEGATIVE) || n <= w || strncmp(s, word, w))
        return 0;
    for (size_t k = 0; k < sizeof listed_things / sizeof *listed_things; k++)
        if (part_is(s + w, n - w, listed_things[k]))
            return 1;
    return 0;
}

/* hint_words by their first letter: a part is compared with the words it starts like
 * (a dozen at most) instead of all of them. Built once; the table never changes. */
enum { MAX_BUCKET = 32 };
static unsigned char bucket[26][MAX_BUCKET], bucket_len[26];
/* and the PHRASE words, looked for in the whole value */
static unsigned char phrases[MAX_BUCKET], phrases_len;

static void buckets_init(void)
{
    static int ready;
    if (ready)
        return;
    for (size_t k = 0; k < sizeof hint_words / sizeof *hint_words; k++) {
        int l = hint_words[k].word[0] - 'a';
        if (hint_words[k].mode == PHRASE) {
            if (phrases_len < MAX_BUCKET)
                phrases[phrases_len++] = (unsigned char)k;
        } else if (bucket_len[l] < MAX_BUCKET)
            bucket[l][bucket_len[l]++] = (unsigned char)k;
    }
    ready = 1;
}

static int is_space(unsigned char c)
{
    return isspace(c) != 0;
}

/* The kinds of words (1 << enum rd_hint) that the attribute value v holds: every kind in
 * one reading of its parts (an element's class is asked for several kinds: unlikely,
 * maybe, byline, positive, negative). */
static unsigned value_kinds(const char *v)
{
    size_t len = strlen(v);
    char stack[256];
    char *low = len < sizeof stack ? stack : xmalloc(len + 1);
    for (size_t i = 0; i <= len; i++)
        low[i] = (char)tolower((unsigned char)v[i]);
    unsigned found = 0;
    /* RUN words: the runs between separators. */
    for (size_t i = 0; i < len;) {
        size_t j = i;
        while (j < len && !is_sep((unsigned char)v[j]) && !is_space((unsigned char)v[j]))
            j++;
        unsigned char c = (unsigned char)low[i];
        for (size_t b = 0; j > i && c >= 'a' && c <= 'z' && b < bucket_len[c - 'a']; b++) {
            const struct hint_word *h = &hint_words[bucket[c - 'a'][b]];
            if (h->mode == RUN && part_is(low + i, j - i, h->word))
                found |= 1u << h->kind;
        }
        i = j + 1;
    }
    /* PHRASE words: the words as written, a separator or either end around them. */
    for (size_t p = 0; p < phrases_len; p++) {
        const struct hint_word *h = &hint_words[phrases[p]];
        size_t w = strlen(h->word);
        for (const char *m = strstr(low, h->word); m; m = strstr(m + 1, h->word))
            if ((m == low || is_sep((unsigned char)m[-1]) || is_space((unsigned char)m[-1])) &&
                (!m[w] || is_sep((unsigned char)m[w]) || is_space((unsigned char)m[w])))
                found |= 1u << h->kind;
    }
    for (size_t i = 0; i < len;) {
        if (is_sep((unsigned char)v[i]) || is_space((unsigned char)v[i])) {
            i++;
            continue;
        }
        /* A part: up to a separator or a lower-case letter followed by a capital. */
        size_t j = i + 1;
        while (j < len && !is_sep((unsigned char)v[j]) &&
               !(islower((unsigned char)v[j - 1]) && isupper((unsigned char)v[j])))
            j++;
        int sep_before = i > 0 && !is_space((unsigned char)v[i - 1]) &&
                         is_sep((unsigned char)v[i - 1]);
        int sep_after = j < len && !is_space((unsigned char)v[j]) && is_sep((unsigned char)v[j]);
        int whole = !sep_before && !sep_after && (i == 0 || is_space((unsigned char)v[i - 1])) &&
                    (j == len || is_space((unsigned char)v[j]));
        unsigned char c = (unsigned char)low[i];
        for (size_t b = 0; c >= 'a' && c <= 'z' && b < bucket_len[c - 'a']; b++) {
            const struct hint_word *h = &hint_words[bucket[c - 'a'][b]];
            if (h->mode == RUN || !(part_is(low + i, j - i, h->word) ||
                                    (h->mode == PART &&
                                     part_is_compound(low + i, j - i, h->word, h->kind))))
                continue;
            if (h->mode == PART || whole || (sep_before && sep_after))
                found |= 1u << h->kind;
        }
        i = j;
    }
    if (low != stack)
        free(low);
    return found;
}

/* The kinds of words of attribute name of n. */
static unsigned attr_kinds(xmlNode *n, const char *name)
{
    char *v = html_attr(n, name);
    unsigned k = v ? value_kinds(v) : 0;
    free(v);
    return k;
}

int rd_hint_match(xmlNode *n, enum rd_hint kind)
{
    buckets_init();
    return ((attr_kinds(n, "class") | attr_kinds(n, "id")) >> kind) & 1;
}

int rd_class_weight(xmlNode *n)
{
    static const char *const names[] = {"class", "id"};
    buckets_init();
    int w = 0;
    for (size_t k = 0; k < sizeof names / sizeof *names; k++) {
        unsigned kinds = attr_kinds(n, names[k]);
        if (kinds & (1u << HINT_NEGATIVE))
            w -= 25;
        if (kinds & (1u << HINT_POSITIVE))
            w += 25;
    }
    return w;
}

int rd_unlikely_role(xmlNode *n)
{
    static const char *const roles[] = {"menu", "menubar", "complementary", "navigation",
                                        "alert", "alertdialog", "dialog"};
    char *r = html_attr(n, "role");
    int hit = 0;
    for (size_t i = 0; r && i < sizeof roles / sizeof *roles; i++)
        hit |= strcasecmp(r, roles[i]) == 0;
    free(r);
    return hit;
}

/* ---- counts ---------------------------------------------------------------------------- */

double rd_link_density(const struct rd_info *i)
{
    return i->text ? (double)i->link_text / (double)i->text : 0.0;
}

int rd_unseen(const xmlNode *n)
{
    return rd_is(n, "script") || rd_is(n, "style") || rd_is(n, "noscript") ||
           rd_is(n, "template");
}

xmlNode *rd_next(xmlNode *n, xmlNode *root, int skip)
{
    if (!skip && n->children)
        return n->children;
    while (n && n != root && !n->next)
        n = n->parent;
    return n && n != root ? n->next : NULL;
}

static int is_comma(const char *s)
{
    /* ASCII, full-width and ideographic commas */
    return *s == ',' || strncmp(s, "\xEF\xBC\x8C", 3) == 0 || strncmp(s, "\xE3\x80\x81", 3) == 0;
}

void rd_count_text(const char *s, size_t *chars, size_t *commas)
{
    int space = 1;
    rd_count_more(s, &space, chars, commas);
}

void rd_count_more(const char *s, int *after_space, size_t *chars, size_t *commas)
{
    int space = *after_space;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (isspace(c)) {
            if (!space)
                (*chars)++;
            space = 1;
            continue;
        }
        space = 0;
        if (c < 0x80 || (c & 0xC0) == 0xC0)
            (*chars)++;
        *commas += is_comma(s);
    }
    *after_space = space;
}

/* The clause before a comma, read in document order through a block: whether it holds
 * words, and whether any of them are in a link. */
struct clause {
    int words, link;
};

/* A comma counts when it closes a clause of words of which none is a link: the commas of
 * a list of linked names ("<a>Ada</a> (docs), <a>Bram</a> (tests), ...") give none, so
 * such a list cannot outscore the story by its punctuation (issue 21: a kudos list of
 * linked names did). */
static size_t prose_commas(const char *s, int in_link, struct clause *cl)
{
    size_t n = 0;
    cl->link |= in_link;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (is_comma(s)) {
            n += cl->words && !cl->link && !in_link;
            *cl = (struct clause){0, in_link};
        } else if (isalnum(c) || c >= 0x80) {
            cl->words = 1;
        }
    }
    return n;
}

static int in_link(const xmlNode *n)
{
    for (const xmlNode *a = n->parent; rd_is_element(a); a = a->parent) {
        if (rd_is(a, "a"))
            return 1;
        if (rd_tag_of(a)->flags & T_BLOCK)
            return 0;
    }
    return 0;
}

struct rd_info *rd_measure(xmlNode *body)
{
    size_t count = 1;
    for (xmlNode *n = body->children; n; n = rd_next(n, body, 0))
        count += rd_is_element(n);
    struct rd_info *infos = xcalloc(count, sizeof *infos);
    size_t k = 0;
    body->_private = &infos[k++];
    for (xmlNode *n = body->children; n; n = rd_next(n, body, 0))
        if (rd_is_element(n))
            n->_private = &infos[k++];
    xmlNode *n = body->children;
    struct clause cl = {0};
    while (n) {
        if ((n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) && n->content) {
            struct rd_info *p = rd_info_of(n->parent);
            size_t commas = 0;
            rd_count_text((const char *)n->content, &p->text, &commas);
            p->commas += prose_commas((const char *)n->content, in_link(n), &cl);
        }
        if (rd_is_element(n) && (rd_tag_of(n)->flags & T_BLOCK))
            cl = (struct clause){0};   /* a block starts a clause */
        if (rd_is_element(n) && n->children) {
            n = n->children;
            continue;
        }
        /* Going up: each element closed hands its counts to its parent. */
        while (n != body && !n->next) {
            n = n->parent;
            if (n == body)
                break;
            struct rd_info *i = rd_info_of(n), *p = rd_info_of(n->parent);
            if (rd_is(n, "a")) {
                /* A link within the page ("#section") is navigation of the article
                 * itself: it weighs 0.3 (Readability.js's coefficient). */
                char *href = html_attr(n, "href");
                i->link_text = href && href[0] == '#' ? i->text * 3 / 10 : i->text;
                free(href);
            }
            p->text += i->text;
            p->link_text += i->link_text;
            p->commas += i->commas;
        }
        n = n == body ? NULL : n->next;
    }
    return infos;
}

void rd_nodes_add(struct rd_nodes *l, xmlNode *n)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 64;
        l->v = xrealloc(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n++] = n;
}

void rd_nodes_remove(struct rd_nodes *l)
{
    for (size_t i = 0; i < l->n; i++) {
        xmlUnlinkNode(l->v[i]);
        xmlFreeNode(l->v[i]);
    }
    l->n = 0;
}
