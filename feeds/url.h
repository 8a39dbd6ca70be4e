/* feeds/url.h: URL resolution, normalisation for identity aliases, and origin keys.
 * Every returned string is malloc'd and owned by the caller. */
#ifndef FEEDSD_URL_H
#define FEEDSD_URL_H

/* Resolves ref against base (RFC 3986 section 5). base may be NULL: then ref is returned
 * as it is (copied). Returns NULL only when ref is NULL. */
char *url_resolve(const char *base, const char *ref);

/* Normalised form used as an identity alias: lower-case scheme and host, http and https
 * folded to one scheme, default port removed, fragment removed, tracking parameters
 * (utm_*, fbclid, gclid, mc_cid, mc_eid, ref/source from feed proxies) removed, trailing
 * slash of the path removed, "www." kept. Returns NULL when s is not an absolute http(s) URL. */
char *url_normalize(const char *s);

/* "scheme://host:port" in lower case, the unit for per-host politeness. NULL if not a URL. */
char *url_origin(const char *s);

/* The URL as written minus what only tracks the reader: the tracking query parameters
 * url_normalize drops, and tracking fragments ("#atom-everything", "#xtor=RSS-3"). Used
 * for the link a reader sees in an output file. Non-http(s) input is returned as is. */
char *url_strip_tracking(const char *s);

/* The URL without its userinfo ("http://bob:secret@host/feed" gives "http://host/feed"):
 * the form that is shown (logs, command output) and that links are resolved against.
 * Credentials in a feed URL are for the HTTP request alone. Anything without userinfo is
 * returned as it is. NULL only when s is NULL. */
char *url_redact(const char *s);

/* 1 when s is an absolute http:// or https:// URL. */
int url_is_http(const char *s);

#endif
