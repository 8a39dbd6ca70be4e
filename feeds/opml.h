/* feeds/opml.h: subscription files: OPML (as feed readers export it, outlines nested in
 * folders) or plain text with one URL per line. Used by config_add_feeds_file() and so by
 * `feedsd run --feeds FILE`. */
#ifndef FEEDSD_OPML_H
#define FEEDSD_OPML_H

#include <stddef.h>

struct opml_feed {
    char *url;      /* as written in the file (not validated here) */
    char *title;    /* OPML title= or text= attribute, NULL when absent or plain text */
    char *category; /* the folders around the outline as a path ("Tech/Linux"), else its
                       category= attribute's first category; NULL when neither */
    int line;       /* line in the file, for error messages */
};

/* Parses a subscription file held in memory. The kind is detected by content: a document
 * whose first non-blank character is '<' is OPML, anything else a plain list (blank lines
 * and lines starting with '#' ignored, the first word of a line is the URL, a trailing
 * " # comment" allowed). URLs repeated in the file are kept once. Appends to *out and *n
 * (both may start empty: NULL/0). 0, or -1 with the reason in err. */
int opml_parse(const char *data, size_t len, struct opml_feed **out, size_t *n,
               char *err, size_t errlen);

void opml_free(struct opml_feed *feeds, size_t n);

/* A category path from the len bytes at s: names separated by '/', each with its white
 * space squashed and control characters dropped, empty names left out ("/Tech//Linux "
 * is "Tech/Linux"). A malloc'd string, or NULL when no name is left. */
char *opml_category_clean(const char *s, size_t len);

#endif
