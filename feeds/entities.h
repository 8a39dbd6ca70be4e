/* feeds/entities.h: HTML named character entities and UTF-8 encoding of code points.
 * Owned by the feed-parser engineer. */
#ifndef FEEDSD_ENTITIES_H
#define FEEDSD_ENTITIES_H

#include <stddef.h>

/* Code point of the HTML entity name (without '&' and ';'), or 0 when unknown. */
unsigned entity_lookup(const char *name, size_t len);

/* Writes cp as UTF-8 into out (1 to 4 bytes; surrogates and out-of-range values become
 * U+FFFD) and returns the number of bytes. */
size_t utf8_encode(unsigned cp, char out[4]);

#endif
