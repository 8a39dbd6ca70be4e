/* feeds/entities.h: HTML named character entities.
 * Owned by the feed-parser engineer. */
#ifndef FEEDSD_ENTITIES_H
#define FEEDSD_ENTITIES_H

#include <stddef.h>

/* Code point of the HTML entity name (without '&' and ';'), or 0 when unknown. */
unsigned entity_lookup(const char *name, size_t len);

#endif
