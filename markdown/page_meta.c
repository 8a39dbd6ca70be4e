/* markdown/page_meta.c: what a web page says about itself: its title, byline, excerpt,
 * site name, publication time and lead image, as Readability.js reads them (its
 * _getJSONLD, _getArticleMetadata and _getArticleTitle; written anew). Sources, best
 * first: the page's JSON-LD (schema.org Article and its kin), then its <meta> tags (Dublin
 * Core, Open Graph https://ogp.me, Twitter cards, Parse.ly), then its <title> with the site
 * name split off. Each value is white space squashed and cut at META_MAX bytes. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "common/utf8.h"
#include "common/util.h"
#include "feeds/url.h"
#include "markdown/html_sanitize.h"
#include "markdown/readability_int.h"

#define META_MAX 2000

enum field { F_TITLE, F_BYLINE, F_EXCERPT, F_SITE, F_PUBLISHED, F_IMAGE, N_FIELDS };

static const char *const field_names[N_FIELDS] = {"title", "byline", "excerpt",
                                                  "site_name", "published", "image"};

static char **field_ptr(struct page_meta *m, enum field f)
{
    char **const p[N_FIELDS] = {&m->title, &m->byline, &m->excerpt,
                                &m->site_name, &m->published, &m->image};
    return p[f];
}

/* <meta> names and properties, best first within a field (rank = position). */
static const struct meta_key {
    const char *key;
    enum field field;
} meta_keys[] = {
    {"dc:title", F_TITLE}, {"dcterm:title", F_TITLE}, {"og:title", F_TITLE},
    {"twitter:title", F_TITLE}, {"parsely-title", F_TITLE},
    {"dc:creator", F_BYLINE}, {"dcterm:creator", F_BYLINE}, {"author", F_BYLINE},
    {"parsely-author", F_BYLINE}, {"article:author", F_BYLINE},
    {"dc:description", F_EXCERPT}, {"dcterm:description", F_EXCERPT},
    {"og:description", F_EXCERPT}, {"description", F_EXCERPT},
    {"twitter:description", F_EXCERPT},
    {"og:site_name", F_SITE}, {"application-name", F_SITE},
    {"article:published_time", F_PUBLISHED}, {"datepublished", F_PUBLISHED},
    {"parsely-pub-date", F_PUBLISHED}, {"dc:date", F_PUBLISHED},
    {"dcterms.created", F_PUBLISHED}, {"date", F_PUBLISHED},
    {"og:image", F_IMAGE}, {"og:image:url", F_IMAGE}, {"og:image:secure_url", F_IMAGE},
    {"twitter:image", F_IMAGE}, {"twitter:image:src", F_IMAGE},
};
#define N_KEYS (sizeof meta_keys / sizeof *meta_keys)

/* What was found: per field the value of the best rank so far (JSON-LD is rank 0). */
struct found {
    char *v[N_FIELDS];
    size_t rank[N_FIELDS];
    char *ld_name;   /* a JSON-LD article's name when its headline differs from it */
};

static char *clean_value(const char *s)
{
    char *v = str_squash_ws(xstrdup(s ? s : ""));
    size_t n = strlen(v);
    if (n > META_MAX)
        v[utf8_boundary(v, META_MAX)] = '\0';
    if (!*v) {
        free(v);
        return NULL;
    }
    return v;
}

static void offer(struct found *f, enum field field, size_t rank, const char *value)
{
    if (f->v[field] && f->rank[field] <= rank)
        return;
    char *v = clean_value(value);
    if (!v)
        return;
    /* An author given as a profile URL is no byline. */
    if (field == F_BYLINE && url_is_http(v)) {
        free(v);
        return;
    }
    free(f->v[field]);
    f->v[field] = v;
    f->rank[field] = rank;
}

/* ---- JSON-LD ---------------------------------------------------------------------------- */

/* schema.org's Article and its subtypes (NewsArticle, BlogPosting, TechArticle...). */
static int article_type(json_t *t)
{
    if (json_is_array(t)) {
        size_t i;
        json_t *v;
        json_array_foreach(t, i, v) if (article_type(v)) return 1;
        return 0;
    }
    const char *s = json_string_value(t);
    if (!s)
        return 0;
    size_t n = strlen(s);
    return (n >= 7 && !strcmp(s + n - 7, "Article")) || (n >= 7 && !strcmp(s + n - 7, "Posting")) ||
           !strcmp(s, "Report") || !strcmp(s, "APIReference");
}

/* The names of a person, an organisation, or a list of them, joined by ", ". */
static void names_of(json_t *v, struct buf *b)
{
    if (json_is_string(v)) {
        if (b->len)
            buf_puts(b, ", ");
        buf_puts(b, json_string_value(v));
    } else if (json_is_object(v)) {
        names_of(json_object_get(v, "name"), b);
    } else if (json_is_array(v)) {
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) if (json_is_string(x) || json_is_object(x)) names_of(x, b);
    }
}

static const char *image_of(json_t *v)
{
    if (json_is_array(v))
        v = json_array_get(v, 0);
    if (json_is_object(v))
        v = json_object_get(v, "url");
    return json_string_value(v);
}

static void jsonld_article(json_t *o, struct found *f)
{
    const char *title = json_string_value(json_object_get(o, "headline"));
    const char *name = json_string_value(json_object_get(o, "name"));
    offer(f, F_TITLE, 0, title ? title : name);
    if (title && name && strcmp(title, name) != 0 && !f->ld_name)
        f->ld_name = clean_value(name);
    struct buf b = {0};
    names_of(json_object_get(o, "author"), &b);
    if (b.len)
        offer(f, F_BYLINE, 0, b.data);
    buf_free(&b);
    offer(f, F_EXCERPT, 0, json_string_value(json_object_get(o, "description")));
    json_t *pub = json_object_get(o, "publisher");
    if (json_is_object(pub))
        offer(f, F_SITE, 0, json_string_value(json_object_get(pub, "name")));
    offer(f, F_PUBLISHED, 0, json_string_value(json_object_get(o, "datePublished")));
    offer(f, F_IMAGE, N_KEYS, image_of(json_object_get(o, "image")));
}

/* The first article object of a JSON-LD block: the top level, an array, or @graph. */
static int jsonld_find(json_t *v, struct found *f, int depth)
{
    if (depth > 3)
        return 0;
    if (json_is_array(v)) {
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) if (jsonld_find(x, f, depth + 1)) return 1;
        return 0;
    }
    if (!json_is_object(v))
        return 0;
    if (article_type(json_object_get(v, "@type"))) {
        jsonld_article(v, f);
        return 1;
    }
    return jsonld_find(json_object_get(v, "@graph"), f, depth + 1);
}

static void jsonld_read(xmlNode *script, struct found *f)
{
    xmlChar *text = xmlNodeGetContent(script);
    if (!text)
        return;
    /* A block wrapped in <![CDATA[ ... ]]> (XHTML habits; Wikipedia's, aktualne.cz's):
     * the HTML parser keeps the markers as text, and Readability.js strips them. */
    const char *js = (const char *)text;
    size_t n = strlen(js);
    while (*js && isspace((unsigned char)*js))
        js++, n--;
    while (n && isspace((unsigned char)js[n - 1]))
        n--;
    if (n >= 12 && !strncmp(js, "<![CDATA[", 9) && !strncmp(js + n - 3, "]]>", 3))
        js += 9, n -= 12;
    json_t *v = json_loadb(js, n, JSON_DECODE_ANY, NULL);
    xmlFree(text);
    if (v)
        jsonld_find(v, f, 0);
    json_decref(v);
}

/* ---- <meta> ----------------------------------------------------------------------------- */

static void meta_read(xmlNode *n, struct found *f)
{
    char *content = html_attr(n, "content");
    if (!content)
        return;
    static const char *const attrs[] = {"property", "name", "itemprop"};
    for (size_t a = 0; a < sizeof attrs / sizeof *attrs; a++) {
        char *names = html_attr(n, attrs[a]);
        if (!names)
            continue;
        /* property="og:title twitter:title" names both. */
        for (char *save = NULL, *k = strtok_r(names, " \t\r\n", &save); k;
             k = strtok_r(NULL, " \t\r\n", &save)) {
            /* name="DC.Title": Dublin Core's dotted spelling of dc:title, read as
             * Readability.js reads it (dots as colons), after every key spelled as ours
             * (a property="dc:title" beside it is the one Readability.js keeps). */
            char *colons = xstrdup(k);
            for (char *c = colons; a == 1 && *c; c++)
                if (*c == '.')
                    *c = ':';
            for (size_t i = 0; i < N_KEYS; i++) {
                if (!strcasecmp(k, meta_keys[i].key))
                    offer(f, meta_keys[i].field, i + 1, content);
                else if (!strcasecmp(colons, meta_keys[i].key))
                    offer(f, meta_keys[i].field, N_KEYS + i + 1, content);
            }
            free(colons);
        }
        free(names);
    }
    free(content);
}

/* ---- <title> ---------------------------------------------------------------------------- */

static size_t word_count(const char *s, size_t n)
{
    size_t w = 0;
    int in = 0;
    for (size_t i = 0; i < n; i++) {
        int space = isspace((unsigned char)s[i]);
        w += !space && !in;
        in = !space;
    }
    return w;
}

/* Readability.js's separators between a title and a site name (" | ", " - ", " – ",
 * " — ", " \\ ", " / ", " > ", " » "), and the hierarchical ones among them (the first
 * four here). A site name that is known is also split off at a colon or a middle dot. */
static size_t sep_at(const char *s, int hierarchical_only)
{
    static const char *const seps[] = {" \\ ", " / ", " > ", " \xC2\xBB ", " | ", " - ",
                                       " \xE2\x80\x93 ", " \xE2\x80\x94 "};
    size_t k = hierarchical_only ? 4 : sizeof seps / sizeof *seps;
    for (size_t i = 0; i < k; i++)
        if (!strncmp(s, seps[i], strlen(seps[i])))
            return strlen(seps[i]);
    return 0;
}

static size_t site_sep_at(const char *s)
{
    static const char *const seps[] = {": ", " \xC2\xB7 ", " :: "};
    size_t l = sep_at(s, 0);
    for (size_t i = 0; !l && i < sizeof seps / sizeof *seps; i++)
        if (!strncmp(s, seps[i], strlen(seps[i])))
            l = strlen(seps[i]);
    return l;
}

/* "Post title | Site" or "Site - Post title" when the site's name is known: the other side. */
static char *site_split(const char *orig, const char *site)
{
    size_t n = strlen(orig), sl = site ? strlen(site) : 0;
    if (!sl || n <= sl)
        return NULL;
    for (size_t i = 0; i + sl < n; i++) {
        size_t l = site_sep_at(orig + i);
        if (!l)
            continue;
        if (i + l + sl == n && !strcasecmp(orig + i + l, site))
            return xstrndup(orig, i);
        if (i == sl && !strncasecmp(orig, site, sl))
            return xstrdup(orig + i + l);
    }
    return NULL;
}

/* Readability.js's reading of <title>: before the last separator, or after the first
 * when that leaves under three words; after the last ": " (unless a heading repeats the
 * whole title, or what comes before has over five words); the page's only <h1> when the
 * title is under 15 or over 150 characters; and the whole title again when the cut left
 * four words or fewer, unless exactly one word (the site's) went at a hierarchical
 * separator. */
static char *title_split(const char *orig, const char *site, xmlNode *root)
{
    char *cut = site_split(orig, site);
    if (cut && *cut)
        return cut;
    free(cut);
    size_t n = strlen(orig), first = n, first_len = 0, last = n, nseps = 0, colon = n;
    int hier = 0;
    for (size_t i = 0; i < n; i++) {
        size_t l = sep_at(orig + i, 0);
        if (!l)
            continue;
        if (first == n)
            first = i, first_len = l;
        last = i;
        nseps++;
        hier |= sep_at(orig + i, 1) != 0;
    }
    for (const char *c = strstr(orig, ": "); c; c = strstr(c + 1, ": "))
        colon = (size_t)(c - orig);
    char *cur;
    if (first < n) {
        cur = xstrndup(orig, last);
        if (word_count(cur, strlen(cur)) < 3) {
            free(cur);
            cur = xstrdup(orig + first + first_len);
        }
    } else if (colon < n) {
        int repeated = 0;
        for (xmlNode *h = root; h && !repeated; h = rd_next(h, root, 0)) {
            if (rd_is(h, "h1") || rd_is(h, "h2")) {
                xmlChar *t = xmlNodeGetContent(h);
                char *v = clean_value((const char *)t);
                repeated = v && !strcmp(v, orig);
                free(v);
                xmlFree(t);
            }
        }
        cur = xstrdup(repeated ? orig : orig + colon + 2);
        const char *first_colon = strstr(orig, ": ");
        if (!repeated && word_count(cur, strlen(cur)) < 3) {
            free(cur);
            cur = xstrdup(first_colon + 2);
        } else if (!repeated && word_count(orig, (size_t)(first_colon - orig)) > 5) {
            free(cur);
            cur = xstrdup(orig);
        }
    } else {
        cur = xstrdup(orig);
        if (n > 150 || n < 15) {
            xmlNode *h1 = NULL;
            size_t count = 0;
            for (xmlNode *h = root; h; h = rd_next(h, root, 0))
                if (rd_is(h, "h1"))
                    h1 = h, count++;
            if (count == 1) {
                xmlChar *t = xmlNodeGetContent(h1);
                char *v = clean_value((const char *)t);
                xmlFree(t);
                if (v)
                    free(cur), cur = v;
            }
        }
    }
    size_t words = word_count(cur, strlen(cur));
    if (words <= 4 && (!hier || words + 1 != word_count(orig, n) - nseps)) {
        free(cur);
        return xstrdup(orig);
    }
    return cur;
}

void page_meta_read(xmlDoc *doc, const char *base, struct page_meta *meta)
{
    struct found f = {0};
    char *title = NULL;
    xmlNode *root = xmlDocGetRootElement(doc);
    for (xmlNode *n = root; n; n = rd_next(n, root, 0)) {
        if (!rd_is_element(n))
            continue;
        if (rd_is(n, "meta")) {
            meta_read(n, &f);
        } else if (rd_is(n, "title") && !title) {
            xmlChar *t = xmlNodeGetContent(n);
            title = clean_value((const char *)t);
            xmlFree(t);
        } else if (rd_is(n, "script")) {
            char *type = html_attr(n, "type");
            if (type && !strcasecmp(type, "application/ld+json"))
                jsonld_read(n, &f);
            free(type);
        } else if (rd_is(n, "svg")) {
            n = rd_next(n, root, 1);   /* an SVG's <title> is the picture's */
            if (!n)
                break;
            continue;
        }
    }
    /* A title the metadata gives is kept as given, site name and all, as Readability.js
     * keeps it ("Post | IAB" in og:title); only <title> is cut. */
    if (!f.v[F_TITLE] && title)
        f.v[F_TITLE] = title_split(title, f.v[F_SITE], root);
    /* JSON-LD with a headline and a name that differ: the one the <title> reads as
     * (Readability.js: the headline only when it matches and the name does not; some
     * sites put their own name in "name", Wikipedia puts a description in "headline"). */
    if (f.ld_name && f.v[F_TITLE] && f.rank[F_TITLE] == 0) {
        char *t = title ? title_split(title, f.v[F_SITE], root) : NULL;
        int headline_matches = t && rd_similarity(f.v[F_TITLE], t) > 0.75;
        int name_matches = t && rd_similarity(f.ld_name, t) > 0.75;
        if (!headline_matches || name_matches) {
            free(f.v[F_TITLE]);
            f.v[F_TITLE] = f.ld_name;
            f.ld_name = NULL;
        }
        free(t);
    }
    free(f.ld_name);
    free(title);
    if (f.v[F_IMAGE]) {
        char *abs = url_resolve(base, f.v[F_IMAGE]);
        free(f.v[F_IMAGE]);
        f.v[F_IMAGE] = abs && url_is_http(abs) ? abs : (free(abs), NULL);
    }
    for (int i = 0; i < N_FIELDS; i++)
        *field_ptr(meta, (enum field)i) = f.v[i];
}

/* ---- the record ------------------------------------------------------------------------- */

void page_meta_free(struct page_meta *m)
{
    for (int i = 0; i < N_FIELDS; i++) {
        free(*field_ptr(m, (enum field)i));
        *field_ptr(m, (enum field)i) = NULL;
    }
}

int page_meta_any(const struct page_meta *m)
{
    return m->title || m->byline || m->excerpt || m->site_name || m->published || m->image;
}

char *page_meta_to_json(const struct page_meta *m)
{
    json_t *o = json_object();
    struct page_meta *mm = (struct page_meta *)m;
    for (int i = 0; i < N_FIELDS; i++) {
        const char *v = *field_ptr(mm, (enum field)i);
        if (v)
            json_object_set_new(o, field_names[i], json_string(v));
    }
    char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(o);
    char *r = xstrdup(s ? s : "{}");
    free(s);
    return r;
}

void page_meta_from_json(const char *json, struct page_meta *m)
{
    *m = (struct page_meta){0};
    json_t *o = json ? json_loads(json, 0, NULL) : NULL;
    for (int i = 0; json_is_object(o) && i < N_FIELDS; i++) {
        const char *v = json_string_value(json_object_get(o, field_names[i]));
        if (v && *v)
            *field_ptr(m, (enum field)i) = xstrdup(v);
    }
    json_decref(o);
}
