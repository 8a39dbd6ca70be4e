/* markdown/readability.h: the main article of a web page, for feeds that carry only a teaser
 * (issue 4, full_content = auto|always). Readability-style: libxml2's HTML tree, scored
 * by text density, paragraphs, commas, link density and class/id hints. */
#ifndef FEEDSD_READABILITY_H
#define FEEDSD_READABILITY_H

#include <stddef.h>

/* The article of the page html[0..len) as an HTML fragment (malloc'd, one <div>), with
 * relative href/src resolved against base_url (may be NULL). Returns NULL and a one-line
 * reason in err (when errlen > 0) when the page cannot be parsed or holds no article. The
 * input should be UTF-8; other bytes are read in the charset the page's <meta> declares. */
char *readability_extract(const char *html, size_t len, const char *base_url, char *err,
                          size_t errlen);

#endif
