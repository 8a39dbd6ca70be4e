/* fetch/fetch_int.h: what the files of the fetcher share (not for other modules, which
 * use fetch/fetch.h): fetch.c drives curl's multi handle from the libev loop and owns the
 * requests; fetch_queue.c holds them in per-origin queues until the limits let them go;
 * fetch_response.c reads what comes back (headers, and the body in memory or spooled to a
 * file); fetch_address.c says which addresses may be connected to. */
#ifndef FEEDSD_FETCH_INT_H
#define FEEDSD_FETCH_INT_H

#include <stddef.h>

#include <curl/curl.h>
#include <ev.h>

#include "common/util.h"
#include "fetch/fetch.h"

struct host;
struct trust;

struct req {
    struct req *next;           /* in the host queue */
    struct req *run_prev, *run_next;   /* in f->running_list while curl has it */
    struct host *host;
    struct fetcher *f;
    char *url;
    char *h_inm, *h_ims;        /* the If-None-Match / If-Modified-Since lines, or NULL */
    char *h_ua;                 /* the User-Agent line of r->user_agent, or NULL */
    char *post;                 /* POST body, or NULL for GET */
    char *ca_file;              /* CURLOPT_CAINFO, or NULL */
    void *ca_store;             /* fetch_trust_set's, held while the easy handle lives */
    size_t post_len;
    char **extra_headers;
    size_t nextra;
    char *username, *password, *cookie_file, *user_agent, *proxy;   /* fetch_request's */
    int timeout, unlimited;
    long max_size;
    long retry_after;
    long max_age, expires_in;
    int redirects, temp_redirects, refused_private;
    fetch_cb cb;
    void *ud;
    CURL *easy;
    struct curl_slist *headers; /* CURLOPT_HTTPHEADER: an array of nodes, one free() */
    struct buf body;
    struct XXH64_state_s *hash; /* of every byte of the body, wherever it is kept */
    int spool;                  /* this body may be spooled */
    int spool_fd;               /* -1, or the file the body went to once it grew large */
    size_t spooled;             /* bytes written to spool_fd */
    int spool_errno;            /* a failed write: the transfer fails with it */
    int too_big;
    char *h_etag, *h_last_modified, *h_content_type;
    char errbuf[CURL_ERROR_SIZE];
};

struct host {
    struct host *hash_next;
    char *origin;
    int active;
    int waiting;                /* listed in f->waiting */
    double next_start;          /* host_delay spacing (ev_now) */
    double paused_until;        /* Retry-After (ev_now) */
    CURLSH *share;              /* the origin's TLS session cache, kept across polls */
    int multiplexed;            /* its last answer came over HTTP/2 or later */
    struct req *head, *tail;
};

struct sock {
    ev_io io;
    struct fetcher *f;
    struct sock *prev, *next;
};

struct fetcher {
    struct ev_loop *loop;
    CURLM *multi;
    ev_timer timer;
    struct fetch_opts opts;
    char *user_agent;
    char *ua_line;              /* "User-Agent: " user_agent */
    int env_proxy;              /* a proxy variable of libcurl's is set */
    char *spool_dir;
    char *proxy;
    struct trust *trust;        /* fetch_trust.c */
    int running;
    size_t queued;
    struct host **buckets;
    size_t nbuckets;
    struct host **waiting;      /* hosts with queued requests, round-robin */
    size_t nwaiting, capwaiting, cursor;
    int turn;                   /* requests the origin at cursor started in its turn */
    struct sock *socks;
    struct req *running_list;
    int unlimited_running;
    ev_timer wake;              /* re-runs pump() when a spaced or paused origin may go */
    CURL **pool;                /* idle easy handles, reset (fetch_easy.c) */
    size_t npool;
};

/* fetch.c */
/* Starts r's transfer: its easy handle, added to the multi handle. 0 / -1. */
int fetch_req_begin(struct fetcher *f, struct req *r);
/* Calls r's callback with a failed result (msg says why). */
void fetch_req_fail(struct req *r, const char *msg);
void fetch_req_free(struct req *r);

/* fetch_easy.c */
/* An easy handle with libcurl's defaults: an idle one, or a new one (NULL: out of memory). */
CURL *fetch_easy_get(struct fetcher *f);
/* Takes back e, out of the multi handle: kept for the next transfer when reusable (its
 * transfer left nothing in it that a reset does not clear), else destroyed. */
void fetch_easy_put(struct fetcher *f, CURL *e, int reusable);
void fetch_easy_pool_free(struct fetcher *f);
/* fetch_queue.c */
/* The origin of url (scheme://host:port), created on first use. */
struct host *fetch_host_get(struct fetcher *f, const char *url);
/* Queues a feed request on its origin (r->host) and starts what the limits allow. */
void fetch_enqueue(struct fetcher *f, struct req *r);
/* Starts queued requests while the global and per-origin limits allow. */
void fetch_pump(struct fetcher *f);
void fetch_wake_cb(struct ev_loop *loop, ev_timer *w, int revents);
void fetch_running_add(struct fetcher *f, struct req *r);
void fetch_running_unlink(struct fetcher *f, struct req *r);
/* Frees every origin with the requests still queued on it (their callbacks not called). */
void fetch_hosts_free(struct fetcher *f);

/* fetch_response.c: curl's CURLOPT_WRITEFUNCTION and CURLOPT_HEADERFUNCTION (ud: the req) */
size_t fetch_write_cb(char *ptr, size_t size, size_t nmemb, void *ud);
size_t fetch_header_cb(char *ptr, size_t size, size_t nmemb, void *ud);

/* fetch_trust.c: the CA certificates of a transfer, set on its easy handle e: the
 * system's, plus ca_file's when not NULL, given so that libcurl keeps them across
 * connections where it can. */
void fetch_trust_init(struct fetcher *f);
/* Returns what the transfer holds (its store) for fetch_trust_release when it is freed. */
void *fetch_trust_set(struct fetcher *f, CURL *e, const char *ca_file);
void fetch_trust_release(void *held);
void fetch_trust_free(struct fetcher *f);

#endif
