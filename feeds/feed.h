/* feeds/feed.h: the parsed-feed model shared by every format parser, the daemon and
 * `feedsd parse`. A struct feed owns all its strings and entries; feed_free() releases it.
 * Strings are UTF-8 or NULL when the document does not give the field. */
#ifndef FEEDSD_FEED_H
#define FEEDSD_FEED_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define FEED_MAX_ENTRIES 100000    /* entries of one document; the rest are dropped */
#define FEED_TIME_NONE INT64_MIN   /* a date the document does not give or that fails to parse */

enum feed_format {
    FEED_UNKNOWN = 0,
    FEED_RSS090, FEED_RSS091, FEED_RSS092, FEED_RSS093, FEED_RSS094,
    FEED_RSS20, FEED_RSS10, FEED_ATOM03, FEED_ATOM10, FEED_JSONFEED,
    FEED_CDF,            /* Channel Definition Format (W3C NOTE-CDFsubmit-19970309) */
};

struct enclosure {
    char *url;
    char *type;          /* NULL when absent */
    int64_t length;      /* -1 when absent */
};

struct entry {
    char *id, *title, *link, *author;
    int64_t published, updated;          /* seconds since the epoch, UTC, or FEED_TIME_NONE */
    char *summary, *content;             /* HTML */
    char **categories;
    size_t ncategories;
    struct enclosure *enclosures;
    size_t nenclosures;
};

struct feed {
    enum feed_format format;
    char *title, *link, *id, *subtitle, *language, *author, *icon;
    int64_t updated;
    int ttl_minutes;                     /* RSS <ttl>, 0 when absent */
    int sy_seconds;                      /* sy:updatePeriod / sy:updateFrequency, 0 */
    uint32_t skip_hours;                 /* RSS <skipHours>: bit h = hour h (GMT) */
    uint8_t skip_days;                   /* RSS <skipDays>: bit 0 = Sunday ... 6 */
    struct entry *entries;
    size_t nentries, cap_entries;
    size_t entries_dropped;              /* entries past FEED_MAX_ENTRIES: not kept */
};

struct feed *feed_new(void);
struct entry *feed_add_entry(struct feed *f);   /* zeroed, dates FEED_TIME_NONE, length -1 */
void feed_drop_last_entry(struct feed *f);      /* frees the last entry's fields */
void feed_take_entries(struct feed *dst, struct feed *src);  /* dst's entries: src's, src empty */
void entry_add_category(struct entry *e, const char *term);
struct enclosure *entry_add_enclosure(struct entry *e);
/* Frees n categories and m enclosures and the two arrays (an entry's, or a stored row's). */
void entry_lists_free(char **categories, size_t n, struct enclosure *enclosures, size_t m);
void feed_free(struct feed *f);
const char *feed_format_name(enum feed_format fmt);   /* "rss20", "atom10", ... */

/* Writes the `feedsd parse` JSON object (docs/cli.md) to out, with a final newline. */
int feed_write_json(const struct feed *f, FILE *out);

#endif
