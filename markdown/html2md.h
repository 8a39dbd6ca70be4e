/* markdown/html2md.h: HTML fragment or document to GitHub-flavoured markdown, through
 * libxml2's HTML parser (HTML_PARSE_NOERROR|NOWARNING|NONET) and a table of renderers
 * keyed by tag. Scripts, styles, event handlers, javascript: URLs and tracking pixels never
 * reach the output; text that would read as markdown syntax is escaped. */
#ifndef FEEDSD_HTML2MD_H
#define FEEDSD_HTML2MD_H

#include <stddef.h>

/* Returns malloc'd markdown (never NULL; "" for empty input), every line ending in "\n".
 * base_url resolves relative href/src, may be NULL. Output is capped at 16 times the
 * input size plus 4 KiB. */
char *html2md(const char *html, size_t len, const char *base_url);

/* Visible text of an HTML fragment, whitespace-normalised, paragraphs separated by "\n\n".
 * Used by the summarizer and for plain-text titles. Returns malloc'd text. */
char *html_to_text(const char *html, size_t len);

/* Both of the above from one parse of html: *markdown is html2md(html, len, base_url) and
 * *text is html_to_text(html, len), byte for byte, at about the cost of html2md alone.
 * Either pointer may be NULL when that output is not wanted. Both results are malloc'd. */
void html_convert(const char *html, size_t len, const char *base_url, char **markdown,
                  char **text);

/* Markdown escaping, shared with the summarizer (markdown/md_escape.c). */
struct buf;
/* Appends s so that markdown shows it literally: inline syntax characters are
 * backslash-escaped everywhere and block syntax (#, >, -, +, =, "1.") at line starts. */
void md_escape_text(struct buf *b, const char *s);
/* Inline escaping only, of n bytes (the caller handles line starts). */
void md_escape_inline(struct buf *b, const char *s, size_t n);
/* Offset in line at which a backslash must be inserted so the line cannot open a block
 * (heading, quote, list item, setext underline, thematic break), or -1 if none is needed. */
long md_line_start_escape(const char *line, size_t n);

#endif
