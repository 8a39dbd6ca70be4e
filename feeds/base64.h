/* feeds/base64.h: Base64 text of a feed (RFC 4648 section 4), for Atom content that is
 * Base64 encoded (Atom 0.3 mode="base64"; RFC 4287 section 4.1.3.3 for types that are
 * neither text nor XML). Owned by the feed-parser engineer. */
#ifndef FEEDSD_BASE64_H
#define FEEDSD_BASE64_H

#include <stddef.h>

/* The bytes that the Base64 text s encodes, NUL-terminated, with their count in *n (may be
 * NULL). Whitespace anywhere is skipped (feeds wrap the text in lines, RFC 2045 section
 * 6.8); padding is optional. NULL when s holds any other character outside the alphabet,
 * or a lone character at the end. */
char *base64_decode(const char *s, size_t *n);

#endif
