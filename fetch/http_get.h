/* fetch/http_get.h: one blocking GET for command-line tools (`feedsd add` fetches the URL
 * it is given to tell a feed from a web page). Never used inside the daemon's event loop,
 * which has fetch/fetch.h. Owner: subscriptions CLI. */
#ifndef FEEDSD_HTTP_GET_H
#define FEEDSD_HTTP_GET_H

#include <stddef.h>

#define HTTP_GET_TIMEOUT 20                 /* seconds for the whole transfer */
#define HTTP_GET_MAX_SIZE (4L << 20)        /* body bytes */

struct http_body {
    char *data;             /* NUL-terminated (may hold NULs before len) */
    size_t len;
    long status;            /* of the final response */
    char *content_type;     /* may be NULL */
    char *effective_url;    /* after redirects */
};

/* GETs url (http/https only, redirects followed, every content coding curl knows, the
 * limits above, user_agent sent). allow_private: whether private, loopback and link-local
 * addresses may be connected to (the configuration's allow_private; refused otherwise,
 * like the daemon's fetcher). 0 on a 2xx answer; -1 with a one-line reason in err on a
 * transport error, an over-size body or an HTTP error status. */
int http_get(const char *url, const char *user_agent, int allow_private, struct http_body *out,
             char *err, size_t errlen);

void http_body_free(struct http_body *b);

#endif
