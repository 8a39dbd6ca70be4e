/* markdown/html_sanitize.h: what of a post's (or a page's) HTML tree may be shown, the one
 * policy of the converter (html2md_int.h) and of readability.c (html_sanitize.c). */
#ifndef FEEDSD_HTML_SANITIZE_H
#define FEEDSD_HTML_SANITIZE_H

#include <libxml/tree.h>

/* Sanitised, resolved URL for an href/src attribute value, or NULL when it must not be
 * emitted (javascript:, vbscript:, data:, unknown schemes, empty). malloc'd. */
char *html_safe_url(const char *base, const char *raw);
int html_is_tracker(xmlNode *img);   /* 1x1 images and known tracking-pixel URLs */
int html_is_hidden(xmlNode *n);      /* hidden attribute, display:none */
/* Attribute value as a malloc'd string or NULL. */
char *html_attr(xmlNode *n, const char *name);

#endif
