/* feeds/html2md.h: HTML fragment or document to GitHub-flavoured markdown, through
 * libxml2's HTML parser (HTML_PARSE_NOERROR|NOWARNING|NONET) and a table of renderers
 * keyed by tag. Scripts, styles, event handlers, javascript: URLs and tracking pixels never
 * reach the output; text that would read as markdown syntax is escaped. */
#ifndef FEEDSD_HTML2MD_H
#define FEEDSD_HTML2MD_H

#include <stddef.h>

/* Returns malloc'd markdown (never NULL; "" for empty input). base_url resolves relative
 * href/src, may be NULL. */
char *html2md(const char *html, size_t len, const char *base_url);

/* Visible text of an HTML fragment, whitespace-normalised, paragraphs separated by "\n\n".
 * Used by the summarizer and for plain-text titles. Returns malloc'd text. */
char *html_to_text(const char *html, size_t len);

/* `feedsd html2md [--base-url URL] [FILE]`: argv[0] is "html2md". Returns exit status. */
int cmd_html2md(int argc, char **argv);

#endif
