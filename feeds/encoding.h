/* feeds/encoding.h: character-set detection and conversion of fetched documents to UTF-8
 * (through glibc iconv(3)), and clean-up of UTF-8 text taken out of a feed (the UTF-8
 * rules themselves are common/utf8.h).
 * Owned by the feed-parser engineer. */
#ifndef FEEDSD_ENCODING_H
#define FEEDSD_ENCODING_H

#include <stddef.h>

/* Converts an XML document to UTF-8 so that libxml2 never has to guess. The charset is
 * chosen by: byte-order mark, then "<\0" / "\0<" sniffing for UTF-16 without BOM, then
 * the bytes being valid UTF-8 (which wins over any declaration, Miniflux's rule), then
 * the XML declaration, then http_charset (may be NULL), then a guess among common legacy
 * charsets (windows-1252 when nothing else fits). Anything before the first '<' is
 * dropped and the XML declaration is rewritten without its encoding pseudo-attribute.
 * Returns a malloc'd NUL-terminated buffer and its length in *outlen; charset (may be
 * NULL) receives the name of the charset used. Never fails. */
char *encoding_xml_to_utf8(const char *data, size_t len, const char *http_charset,
                           size_t *outlen, char *charset, size_t charset_len);

/* What encoding_xml_prepare() hands to the parser: the document is head[0..head_len)
 * followed by body[0..body_len). */
struct xml_utf8_doc {
    char head[160];       /* a rewritten XML declaration, or empty */
    size_t head_len;
    const char *body;     /* into the caller's data, or into owned */
    size_t body_len;
    char *owned;          /* malloc'd (free it), or NULL when body is the caller's bytes */
};

/* encoding_xml_to_utf8() without copying the document when it need not change: when
 * data is already UTF-8 that XML accepts as it is (the common case), body points into
 * data (which must outlive doc) and head holds the rewritten declaration; the bytes are
 * then exactly what encoding_xml_to_utf8() would return. Otherwise owned and body are
 * encoding_xml_to_utf8()'s result and head is empty. body is NUL-terminated only when
 * owned is set. */
void encoding_xml_prepare(const char *data, size_t len, const char *http_charset,
                          struct xml_utf8_doc *doc);

/* 1 when s[0..n) is UTF-8 that encoding_xml_prepare() hands to the parser as it is
 * (well-formed, and only characters XML 1.0 allows): the test a document read piece by
 * piece passes piece by piece (cut between characters). */
int encoding_xml_chars_ok(const char *s, size_t n);

/* Returns a malloc'd copy of s in which every C1 control (U+0080-U+009F) is replaced by
 * the windows-1252 character of the same byte value (feeds produced from cp1252 text
 * write "don&#146;t" for "don't"), invalid UTF-8 becomes U+FFFD and other control
 * characters except tab and newline are removed. */
char *text_fix_utf8(const char *s);

/* The charset parameter of a Content-Type value (RFC 9110 8.3.2), malloc'd, or NULL. */
char *encoding_charset_param(const char *content_type);

/* text_fix_utf8() that consumes s (malloc'd): returns s itself when nothing needs
 * fixing, else the fixed copy (s is freed). */
char *text_fix_utf8_take(char *s);

/* 1 when the UTF-8 text s[0..n) holds a C1 control (U+0080-U+009F: C2 80 to C2 9F). */
int utf8_has_c1(const char *s, size_t n);

/* text_fix_utf8_take() of s[0..*len) (s malloc'd, NUL-terminated at *len, not NULL);
 * *len becomes the length of the result. */
char *text_fix_utf8_take_len(char *s, size_t *len);

#endif
