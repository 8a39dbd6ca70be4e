/* markdown/readability.h: the main article of a web page and what the page says about
 * itself, for feeds that carry only a teaser (full_content = auto|always) and for
 * `feedsd extract`. Readability-style: libxml2's HTML tree, scored by text, paragraphs,
 * commas, link density and class/id hints, tried again with the filters off when the
 * result is short (markdown/readability.c). */
#ifndef FEEDSD_READABILITY_H
#define FEEDSD_READABILITY_H

#include <stddef.h>

/* What a page says about itself (markdown/page_meta.c), each malloc'd or NULL: from its
 * JSON-LD, its <meta> tags (Open Graph, Twitter cards, Dublin Core, Parse.ly), its
 * <title> and its byline. */
struct page_meta {
    char *title;        /* the article's title, the site's name split off */
    char *byline;       /* the author(s) as the page names them */
    char *excerpt;      /* the page's description of itself */
    char *site_name;
    char *published;    /* the publication time as the page gives it (ISO 8601 mostly) */
    char *image;        /* the lead image, an absolute http(s) URL */
};

void page_meta_free(struct page_meta *m);
/* 1 when any field is set. */
int page_meta_any(const struct page_meta *m);
/* The fields as one JSON object (every set field under its name above; "{}" when none),
 * and back; page_meta_from_json leaves fields of a malformed text NULL. malloc'd. */
char *page_meta_to_json(const struct page_meta *m);
void page_meta_from_json(const char *json, struct page_meta *m);

/* The article of the page html[0..len) as an HTML fragment (malloc'd, one <div>), with
 * relative href/src resolved against base_url (may be NULL). meta (may be NULL) receives
 * what the page says about itself. Returns NULL and a one-line reason in err (when
 * errlen > 0) when the page cannot be parsed or holds no article (not one run of 25
 * characters of text outside navigation and scripts). The input should be UTF-8; other
 * bytes are read in the charset the page's <meta> declares. */
char *readability_extract(const char *html, size_t len, const char *base_url,
                          struct page_meta *meta, char *err, size_t errlen);

/* The same article as markdown: html2md(readability_extract(...), ..., base_url), byte for
 * byte, made from the page's tree without serialising the article and parsing it again
 * (markdown/readability_md.c). For a caller that wants markdown only. */
char *readability_extract_md(const char *html, size_t len, const char *base_url,
                             struct page_meta *meta, char *err, size_t errlen);

#endif
