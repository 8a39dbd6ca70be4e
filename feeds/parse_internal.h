/* feeds/parse_internal.h: what the format parsers (parse_xml.c, jsonfeed.c) and the
 * dispatcher (parse.c) share. Not for use outside feeds/parse*.c and feeds/jsonfeed.c.
 * Owned by the feed-parser engineer. */
#ifndef FEEDSD_PARSE_INTERNAL_H
#define FEEDSD_PARSE_INTERNAL_H

#include <stddef.h>
#include "feeds/feed.h"

struct feed_sink;

/* Largest text accumulated for one field; the rest is dropped (a hostile feed must not
 * exhaust memory with one endless element). */
#define PARSE_FIELD_MAX (8u << 20)

/* XML (RSS, RDF, Atom). data is UTF-8 with a tidy prolog (encoding_xml_to_utf8).
 * Returns 0 with *out set, or -1 with a reason in err. */
int parse_xml(const char *data, size_t len, const char *base_url, struct feed **out,
              char *err, size_t errlen);

/* parse_xml() with the document handed to libxml2's push parser chunk bytes at a time
 * (parse_xml uses 64 KiB; 0 means that default). *recovered (may be NULL) is set to 1
 * when the document was not well-formed and the result (or failure) comes from the
 * XML_PARSE_RECOVER pass. For a well-formed document the result does not depend on
 * chunk (fuzz/fuzz_parse.c checks it); libxml2's error recovery does look at where the
 * chunks end, so a broken document may keep a little more or less of the broken part. */
int parse_xml_chunked(const char *data, size_t len, const char *base_url, size_t chunk,
                      struct feed **out, int *recovered, char *err, size_t errlen);

/* parse_xml_chunked() over the document head[0..hlen) followed by body[0..blen), neither
 * NUL-terminated (head may be NULL when hlen is 0): how feed_parse() reads a document
 * without copying it (encoding_xml_prepare). libxml2 gets the same chunks as it would
 * from the two pieces joined. */
int parse_xml_parts(const char *head, size_t hlen, const char *body, size_t blen,
                    const char *base_url, size_t chunk, struct feed **out, int *recovered,
                    char *err, size_t errlen);

/* A document handed to the parser piece by piece: next() sets *p and *n to the next
 * piece (valid until the following call) and returns 1, or returns 0 at the end. */
struct xml_source {
    int (*next)(struct xml_source *src, const char **p, size_t *n);
};

/* The strict pass of parse_xml_parts() over a document that src yields; with a sink,
 * each entry goes to it when it ends instead of into *out (UTF-8 with a
 * tidy prolog, as encoding_xml_prepare() makes it): 0 with *out set when the document is
 * a well-formed feed; 1 when it is not (the caller then takes the whole-document path,
 * which recovers what it can and words the error); -1 with a reason in err when it is
 * refused (entity declarations). */
int parse_xml_source(struct xml_source *src, const struct feed_sink *sink,
                     const char *base_url, struct feed **out, char *err, size_t errlen);

/* Offset of the first significant byte, after a UTF-8 BOM and whitespace (parse.c). */
size_t parse_first_byte(const char *data, size_t len);

/* JSON Feed 1.0/1.1. Returns 0 with *out set, or -1 with a reason in err. */
int jsonfeed_parse(const char *data, size_t len, const char *base_url, struct feed **out,
                   char *err, size_t errlen);

/* --- parse_text.c: text clean-up shared by the format parsers --- */

/* Plain text from text: trimmed, whitespace runs squashed, C1 controls mapped through
 * windows-1252, invalid UTF-8 replaced. NULL for NULL or blank input. */
char *text_plain(const char *s);

/* Plain text from an HTML fragment: tags removed (script/style with their content),
 * character references decoded (only with their ';': "&copy=2" stays), then as
 * text_plain(). */
char *text_from_html(const char *html);

/* 1 when s holds something that reads as HTML markup or a character reference. */
int text_looks_html(const char *s);

/* s with & < > " escaped: plain text made into HTML. Never NULL for non-NULL s. */
char *text_escape_html(const char *s);

/* The HTML fragment with every relative href/src/poster attribute value resolved
 * against base (url_resolve). base NULL: a cleaned copy. NULL for NULL or blank input. */
char *html_resolve_urls(const char *html, const char *base);

/* html_resolve_urls() that consumes html (malloc'd, may be NULL) and returns it in place
 * when nothing changes: the entry's HTML is not copied again. */
char *html_resolve_urls_take(char *html, const char *base);

/* html_resolve_urls_take() of html that, when checked is 1, is known to be well-formed
 * UTF-8 without C0 controls but tab, LF and CR (text from a well-formed XML document,
 * see xml_text_checked): its clean-up pass then only looks for C1 controls. */
char *html_resolve_urls_checked(char *html, const char *base, int checked);

/* Author as the contract wants it: "jo@example.com (Jo Doe)" -> "Jo Doe". */
char *text_author(const char *s);

/* 1 when s starts with a URI scheme ("http:", "mailto:", ...). */
int text_has_scheme(const char *s);

/* 1 when the start of a document p[0..n) reaches past its DOCTYPE declaration, or shows
 * that none comes before the root element (or that it is no prolog at all); 0 while the
 * parser should wait for more bytes before it is handed any (feeds/xml_prolog.c says
 * why). */
int xml_prolog_ready(const char *p, size_t n);

#endif
