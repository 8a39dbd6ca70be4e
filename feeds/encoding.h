/* feeds/encoding.h: character-set detection and conversion of fetched documents to UTF-8
 * (through glibc iconv(3)), and clean-up of UTF-8 text taken out of a feed.
 * Owned by the feed-parser engineer. */
#ifndef FEEDSD_ENCODING_H
#define FEEDSD_ENCODING_H

#include <stddef.h>

/* 1 when s[0..n) is well-formed UTF-8 (RFC 3629: no overlongs, no surrogates). */
int utf8_valid(const char *s, size_t n);

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

/* Returns a malloc'd copy of s in which every C1 control (U+0080-U+009F) is replaced by
 * the windows-1252 character of the same byte value (feeds produced from cp1252 text
 * write "don&#146;t" for "don't"), invalid UTF-8 becomes U+FFFD and other control
 * characters except tab and newline are removed. */
char *text_fix_utf8(const char *s);

#endif
