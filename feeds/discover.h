/* feeds/discover.h: feed discovery on a web page (`feedsd add PAGE-URL`). A page advertises
 * its feeds with <link rel="alternate" type="application/atom+xml" href="..."> (the
 * autodiscovery convention of RSS Board's "RSS Autodiscovery" and RFC 4287's media type);
 * failing that, links to the usual feed paths are guesses that the caller must verify.
 * Owner: subscriptions CLI. Every string is malloc'd and owned by the link array. */
#ifndef FEEDSD_DISCOVER_H
#define FEEDSD_DISCOVER_H

#include <stddef.h>

/* Higher is better: Atom carries ids and dates that RSS makes optional. */
enum discover_kind { DISCOVER_GUESS = 0, DISCOVER_JSON = 1, DISCOVER_RSS = 2, DISCOVER_ATOM = 3 };

struct discover_link {
    char *url;              /* absolute http(s) URL */
    char *title;            /* title attribute (or link text for guesses), NULL if none */
    enum discover_kind kind;
    int comments;           /* a comment feed ("... Comments Feed"), not the posts */
};

/* Collects the page's feed links in document order, without duplicates, resolving hrefs
 * against <base href> and page_url (may be NULL). Always succeeds (an unparsable page has
 * no links); *out is NULL when *n is 0. */
void discover_links(const char *html, size_t len, const char *page_url,
                    struct discover_link **out, size_t *n);

/* Sorts the links best first (posts before comments, Atom > RSS > JSON Feed > guesses,
 * then document order) and returns how many share the best rank. */
size_t discover_rank(struct discover_link *links, size_t n);

/* "atom", "rss", "json" or "guess". */
const char *discover_kind_name(enum discover_kind kind);

void discover_free(struct discover_link *links, size_t n);

#endif
