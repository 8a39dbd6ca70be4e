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

/* Receives each entry of a document as soon as its element ends, in document order. The
 * entry is lent for the call (the parser frees it after), so a long document's entries
 * need not all be in memory at once. */
struct feed_sink {
    void (*entry)(void *ud, const struct entry *e);
    void *ud;
};

/* feed_parse() of the len bytes of the file fd (read with pread(2) from offset 0, so the
 * offset of fd does not matter), without holding them in memory when the document is
 * clean, well-formed UTF-8 XML (the common case); other documents are read whole. The
 * result is what feed_parse() gives for the same bytes. */
int feed_parse_fd(int fd, size_t len, const char *base_url, const char *http_charset,
                  struct feed **out, char *err, size_t errlen);
/* The same, reading chunk bytes at a time (tests use small pieces); *whole (may be NULL)
 * is set to 1 when the document was read whole instead. */
int feed_parse_fd_chunked(int fd, size_t len, const char *base_url, const char *http_charset,
                          size_t chunk, struct feed **out, int *whole, char *err,
                          size_t errlen);
/* feed_parse_fd() that hands the entries to sink as they end when the document is read in
 * pieces: then *streamed is 1 and *out holds the feed without entries. Otherwise (the
 * document was read whole) *streamed is 0 and the entries are in *out as usual; the sink
 * may have been given some entries of an attempt that was abandoned, which the caller
 * must forget. For the same bytes, the entries given to the sink are exactly the ones
 * feed_parse() lists, in the same order. */
int feed_parse_fd_sink(int fd, size_t len, const char *base_url, const char *http_charset,
                       const struct feed_sink *sink, struct feed **out, int *streamed,
                       char *err, size_t errlen);

#endif
