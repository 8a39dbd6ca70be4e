/* markdown/html_runs.h: text runs kept away from libxml2's HTML parser (owner: html2md
 * engineer). libxml2 2.9.14 reads HTML text one character at a time (htmlCurrentChar,
 * about 85 instructions a character); the markup is what needs its parser. So the long
 * runs of plain text are replaced by short markers before the parse and put back into the
 * text nodes after it. The caller owns struct html_runs and frees it with
 * html_runs_free(); the document it hides stays the caller's. */
#ifndef FEEDSD_HTML_RUNS_H
#define FEEDSD_HTML_RUNS_H

#include <stddef.h>
#include <libxml/HTMLparser.h>

struct html_runs {
    char *doc;       /* the document with markers in place of its runs */
    size_t len;
    size_t *at, *n;  /* offset and length of run i in the original document */
    size_t count;
};

/* Replaces the text runs of html[0..len), of min_run bytes or more, that libxml2 is
 * certain to read as plain character data by markers. Returns 0 when at least one run was hidden (r->doc is the
 * document to parse), -1 when none was (parse html itself; r is empty). html must be
 * valid UTF-8 without NUL bytes. */
int html_runs_hide(const char *html, size_t len, size_t min_run, struct html_runs *r);

/* Puts the runs back into the text nodes of doc, parsed from r->doc. Returns -1 when the
 * markers are not all there, once each and in order, in text nodes (the document was
 * read otherwise than expected): the caller then parses the original instead. */
int html_runs_restore(htmlDocPtr doc, const char *html, const struct html_runs *r);

void html_runs_free(struct html_runs *r);

/* Tests and the fuzzer: every node of doc in document order with its type, name,
 * attributes and text, one per line, so that two parses can be compared byte for byte.
 * The result is malloc'd. */
char *html_runs_dump(htmlDocPtr doc);

#endif
