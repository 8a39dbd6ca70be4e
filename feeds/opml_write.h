/* feeds/opml_write.h: writes a subscription list as OPML 2.0 (http://opml.org/spec2.opml),
 * the format every feed reader imports; opml_parse() (feeds/opml.h) reads it back.
 * Owner: subscriptions CLI (`feedsd export`). */
#ifndef FEEDSD_OPML_WRITE_H
#define FEEDSD_OPML_WRITE_H

#include <stddef.h>
#include <stdint.h>

struct opml_out {
    const char *url;        /* xmlUrl, required */
    const char *title;      /* title and text; NULL: text is the URL and title is absent */
    const char *html_url;   /* htmlUrl, may be NULL */
    const char *category;   /* folder path "Tech/Linux" (opml_category_clean's form), NULL */
};

/* The whole document, UTF-8, with a final newline; feeds without a category first, in
 * their order, then each category as nested folder outlines (a path's levels), sorted by
 * name, each folder's feeds in their order; attribute values escaped by libxml2's
 * writer. created: seconds since the epoch for <dateCreated> (RFC 822, as OPML asks), or
 * 0 for none. Returns a malloc'd string (caller frees) or NULL when libxml2 fails. */
char *opml_write(const struct opml_out *feeds, size_t n, const char *doc_title,
                 int64_t created);

#endif
