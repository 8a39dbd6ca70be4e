/* feeds/parse.h: turns one fetched document into a struct feed. Detects the format (RSS
 * 0.9x/1.0/2.0, Atom 0.3/1.0, JSON Feed) and the encoding (BOM, XML declaration, then the
 * HTTP charset; valid UTF-8 wins over a declaration that lies). libxml2 runs with safe
 * options only: no network, no external entities, no entity expansion.
 * This is the only header the daemon includes for parsing, so the parser can be swapped. */
#ifndef FEEDSD_PARSE_H
#define FEEDSD_PARSE_H

#include <stddef.h>
#include "feeds/feed.h"

/* base_url: the document's own location (resolves relative links), may be NULL.
 * http_charset: charset parameter of Content-Type, may be NULL.
 * On success returns 0 and sets *out (caller frees with feed_free).
 * On failure returns -1 and writes a one-line reason into err (e.g. "not a feed: HTML
 * page (<title>Just a moment...</title>)"). */
int feed_parse(const char *data, size_t len, const char *base_url, const char *http_charset,
               struct feed **out, char *err, size_t errlen);

/* `feedsd parse [--base-url URL] FILE`: argv[0] is "parse". Returns the exit status. */
int cmd_parse(int argc, char **argv);

#endif
