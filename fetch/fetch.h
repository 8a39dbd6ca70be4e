/* fetch/fetch.h: every HTTP transfer of the daemon, on one curl multi handle driven by
 * the libev loop (curl's evhiperfifo.c pattern: one ev_timer for the multi handle, one
 * ev_io per socket). Requests wait in per-origin queues so that at most `concurrency`
 * transfers run at once and at most `per_host` per origin. The fetcher owns its queues,
 * easy handles and bodies; a result is lent to the callback for the duration of the call. */
#ifndef FEEDSD_FETCH_H
#define FEEDSD_FETCH_H

#include <stddef.h>
#include <stdint.h>

struct ev_loop;
struct fetcher;

struct fetch_opts {
    int concurrency;        /* transfers at once */
    int per_host;           /* transfers at once per origin */
    int timeout;            /* seconds for a whole transfer */
    long max_size;          /* bytes of body before the transfer is aborted */
    const char *user_agent;
    double host_delay;      /* seconds between the starts of two requests to one origin */
    int allow_private;      /* connect to loopback, private and link-local addresses */
    /* Proxy of feed and page requests (CURLOPT_PROXY): NULL leaves libcurl to the
     * environment (http_proxy, https_proxy, all_proxy, no_proxy), "" uses none. */
    const char *proxy;
    /* Feed bodies beyond spool_mem bytes go to an unlinked file in spool_dir (NULL: the
     * system's temporary folder) instead of memory, so that one large feed does not raise
     * the daemon's memory for good (malloc rarely gives it back). 0: always in memory. */
    size_t spool_mem;
    const char *spool_dir;
};

struct fetch_result {
    const char *url;            /* as requested */
    long status;                /* HTTP status of the final response, 0 on transport error */
    int ok;                     /* transfer completed (any HTTP status) */
    const char *error;          /* transport error text when !ok */
    const char *body;           /* NUL-terminated; may contain NULs before len; NULL
                                   when the body was spooled to body_fd */
    size_t len;
    int body_fd;                /* -1, or a file holding the len bytes of the body (lent:
                                   read it with pread(2); closed after the callback) */
    uint64_t body_hash;         /* XXH64 (hash_xxh64) of the body, taken as it arrived */
    const char *etag, *last_modified, *content_type, *effective_url;   /* may be NULL */
    double seconds;             /* total time */
    long retry_after;           /* seconds from a Retry-After header (RFC 9110 10.2.3), -1 */
    int redirects;              /* redirects followed */
    int permanent;              /* every redirect followed was permanent (301/308) */
    long max_age;               /* freshness from Cache-Control max-age or Expires
                                   (RFC 9111 4.2.1), seconds; -1 when not given */
};

/* A request beyond a feed GET: the summarizer's POSTs to a model server. */
struct fetch_request {
    const char *url;
    const char *etag, *last_modified;   /* GET validators, may be NULL */
    const char *body;                   /* non-NULL: a POST of body_len bytes */
    size_t body_len;
    const char *const *headers;         /* extra "Name: value" lines, NULL-terminated */
    int timeout;                        /* seconds; 0 = the fetcher's */
    /* Bypasses the per-origin queues and the feeds' global limit (its caller keeps its
     * own limits), and has no low-speed cutoff: a local model may think for minutes
     * before its first byte. */
    int unlimited;
    long max_size;                      /* 0 = the fetcher's */
    int spool;                          /* the body may go to a file (fetch_opts.spool_mem) */
    /* A PEM file of CA certificates trusted for this transfer besides the system's (the
     * `ca_file` key: a private CA); NULL: the system's only. */
    const char *ca_file;
    /* A private feed's own settings, each NULL when not set. libcurl sends the HTTP Basic
     * credentials and the cookies of cookie_file (Netscape format, read only) to the
     * feed's host only, never to another host a redirect leads to. proxy replaces the
     * fetcher's ("" for none). */
    const char *username, *password;
    const char *cookie_file;
    const char *user_agent;
    const char *proxy;
};

typedef void (*fetch_cb)(void *ud, const struct fetch_result *r);

struct fetcher *fetch_new(struct ev_loop *loop, const struct fetch_opts *opts);
/* Queues a GET of a feed. etag/last_modified are sent back verbatim as If-None-Match /
 * If-Modified-Since (RFC 9110 13.1); ca_file as in struct fetch_request. The callback runs
 * exactly once, from the loop. A large body is spooled (fetch_opts.spool_mem): the
 * callback then reads body_fd. */
int fetch_start(struct fetcher *f, const char *url, const char *etag,
                const char *last_modified, const char *ca_file, fetch_cb cb, void *ud);
int fetch_request_start(struct fetcher *f, const struct fetch_request *rq, fetch_cb cb,
                        void *ud);
size_t fetch_in_flight(struct fetcher *f);    /* queued + running feed requests */
/* No request to url's origin starts for `seconds` (a 429/503 with Retry-After): the other
 * origins are not held up. */
void fetch_pause_origin(struct fetcher *f, const char *url, double seconds);
/* Whether an address may be connected to: addresses that are not globally reachable (the
 * IANA special-purpose registries, multicast) and the IPv6 forms that carry such an IPv4
 * address (mapped, NAT64, 6to4, Teredo) are refused unless allowed. */
struct sockaddr;
int fetch_address_allowed(const struct sockaddr *sa, int allow_private);
/* Aborts everything; callbacks of unfinished requests are not called. */
void fetch_free(struct fetcher *f);
/* NULL when HTTPS transfers share CA stores kept in memory (fetch_trust.c), else why
 * libcurl reads the CA certificates at each new connection. */
const char *fetch_ca_store_why_off(void);

#endif
