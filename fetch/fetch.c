/* fetch/fetch.c: curl multi + libev, in the pattern of curl's docs/examples/evhiperfifo.c,
 * minding its known pitfalls:
 *  - timeouts are divided by 1000.0 (integer division turns sub-second timeouts into a
 *    spinning 0 s timer); -1 stops the timer, 0 fires it on the next loop iteration;
 *  - libcurl is never called from inside its own callbacks: finished handles are removed
 *    only where curl_multi_info_read is drained;
 *  - EV_ERROR on a socket curl has already closed maps to CURL_CSELECT_ERR, never abort;
 *  - CURLOPT_MAXFILESIZE does not stop a running transfer on curl 7.88, so the write
 *    callback counts bytes and aborts (fetch_response.c).
 * The per-origin queues are fetch_queue.c; this file starts, finishes and frees requests. */
#include "fetch/fetch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <sys/socket.h>

#include <curl/curl.h>
#include <ev.h>

#include "common/log.h"
#include "common/util.h"
#include "fetch/fetch_int.h"

void fetch_req_free(struct req *r)
{
    /* A cookie_file's cookies stay in the handle through a reset (fetch_easy.c). */
    fetch_easy_put(r->f, r->easy, !r->cookie_file);
    fetch_trust_release(r->ca_store);   /* after the handle, whose connection may use it */
    free(r->headers);   /* the nodes; their strings are r's or static */
    free(r->url);
    free(r->h_inm);
    free(r->h_ims);
    free(r->h_ua);
    free(r->h_etag);
    free(r->h_last_modified);
    free(r->h_content_type);
    free(r->post);
    free(r->ca_file);
    if (r->extra_headers)
        for (char **h = r->extra_headers; *h; h++)
            str_free_secret(*h);   /* an Authorization or token header */
    free(r->extra_headers);
    str_free_secret(r->password);
    free(r->username);
    free(r->cookie_file);
    free(r->user_agent);
    free(r->proxy);
    buf_free(&r->body);
    if (r->spool_fd >= 0)
        close(r->spool_fd);
    hash_xxh64_free(r->hash);
    free(r);
}

/* Checked on the address curl is about to connect to, after DNS: a name that resolves (or
 * re-resolves, DNS rebinding) to an internal address is refused, for every redirect hop. */
static curl_socket_t opensocket_cb(void *ud, curlsocktype purpose, struct curl_sockaddr *a)
{
    (void)purpose;
    struct req *r = ud;
    if (!r->unlimited && !fetch_address_allowed(&a->addr, r->f->opts.allow_private)) {
        r->refused_private = 1;
        return CURL_SOCKET_BAD;
    }
    return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

/* The TLS session cache of r's origin. An easy handle keeps its own cache of TLS sessions
 * and dies with its transfer, so without a share every poll of an origin made a full
 * handshake. The multi handle already keeps connections and DNS answers for all its easy
 * handles as long as the fetcher lives; a connection outlives a poll only by curl's
 * CURLOPT_MAXAGE_CONN (118 s), an hourly poll finds it closed, and a TLS session ticket
 * (RFC 8446 2.2) lets the new connection skip the certificate exchange. One share per
 * origin because curl 7.88's share holds 8 sessions (share.c, max_ssl_sessions) and evicts
 * the oldest: one share for 20 origins polled in turn would keep none of them. NULL when
 * curl cannot make one: the transfer then works without resumption. */
static CURLSH *origin_share(struct host *h)
{
    if (!h->share) {
        h->share = curl_share_init();
        if (h->share &&
            curl_share_setopt(h->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) != CURLSHE_OK) {
            curl_share_cleanup(h->share);
            h->share = NULL;
        }
    }
    return h->share;
}

/* name (with its ": ") and value in one string: xasprintf's vsnprintf was 470 instructions
 * a header, this a tenth of it. */
static char *header_line(const char *name, const char *value)
{
    size_t n = strlen(name), v = strlen(value);
    char *h = xmalloc(n + v + 1);
    stpcpy(stpcpy(h, name), value);
    return h;
}

/* Whether r's User-Agent goes in its header list rather than in CURLOPT_USERAGENT, which
 * libcurl 8.14 formats twice, byte by byte (an aprintf of "User-Agent: %s\r\n", then the
 * request's): 4 K instructions a transfer, 3-4 M of a warm poll of 1000 feeds on Debian 13
 * (bench/warm_instructions.py). The server gets the same line. Not when a proxy may carry
 * the transfer: libcurl sends CURLOPT_USERAGENT in a CONNECT to the proxy too, the header
 * list only to the server (CURLOPT_HEADEROPT's default, CURLHEADER_SEPARATE). Not when
 * the feed's own headers name a User-Agent: libcurl then left its own out, as it still
 * does. */
static int ua_as_header(const struct fetcher *f, const struct req *r, const char *proxy)
{
    if (proxy ? *proxy != '\0' : f->env_proxy)
        return 0;
    for (size_t i = 0; i < r->nextra; i++)
        if (!strncasecmp(r->extra_headers[i], "User-Agent", 10) &&
            (r->extra_headers[i][10] == ':' || r->extra_headers[i][10] == ';'))
            return 0;
    return 1;
}

/* What a feed's GET accepts: its formats first (RFC 9110 12.5.1). Not const: a
 * curl_slist line is a char *, which libcurl only reads. */
static char accept_header[] = "Accept: application/atom+xml, application/rss+xml, "
                              "application/feed+json, application/xml;q=0.9, "
                              "text/xml;q=0.9, */*;q=0.8";

/* The easy handle of r, with every option, added to the multi handle. 0 / -1. */
static int req_setup(struct fetcher *f, struct req *r)
{
    CURL *e = fetch_easy_get(f);
    if (!e)
        return -1;
    r->easy = e;
    curl_easy_setopt(e, CURLOPT_URL, r->url);
    curl_easy_setopt(e, CURLOPT_PRIVATE, r);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, fetch_write_cb);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, fetch_header_cb);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, opensocket_cb);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, r);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, 8L);
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");   /* every encoding curl supports */
    /* The model server's requests keep to the environment's proxy settings. */
    const char *proxy = r->proxy ? r->proxy : r->unlimited ? NULL : f->opts.proxy;
    const char *ua_line = NULL;
    if (ua_as_header(f, r, proxy))
        ua_line = r->user_agent ? (r->h_ua = header_line("User-Agent: ", r->user_agent))
                                : f->ua_line;
    else
        curl_easy_setopt(e, CURLOPT_USERAGENT, r->user_agent ? r->user_agent : f->user_agent);
    if (proxy)
        curl_easy_setopt(e, CURLOPT_PROXY, proxy);
    else if (!f->env_proxy) {
        /* No proxy anywhere: said outright, so that libcurl does not read its six
         * variables again for every transfer (url.c, detect_proxy and no_proxy: 3.2 M
         * instructions of getenv in a warm poll of 1000 feeds, bench/warm_instructions.py
         * on Debian 13). Their values are read once, in fetch_new. */
        curl_easy_setopt(e, CURLOPT_PROXY, "");
        curl_easy_setopt(e, CURLOPT_NOPROXY, "");
    }
    if (r->username) {
        /* Basic at once (RFC 7617), as a URL's user:password is sent; libcurl keeps the
         * credentials to this host (CURLOPT_UNRESTRICTED_AUTH stays off). */
        curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(e, CURLOPT_USERNAME, r->username);
        curl_easy_setopt(e, CURLOPT_PASSWORD, r->password ? r->password : "");
    }
    if (r->cookie_file)   /* read, never written back (no CURLOPT_COOKIEJAR) */
        curl_easy_setopt(e, CURLOPT_COOKIEFILE, r->cookie_file);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, 20L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT, (long)r->timeout);
    if (!r->unlimited) {
        /* A server that trickles bytes is cut off long before the total timeout. */
        curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 16L);
        curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, 30L);
    }
    curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)r->max_size);
    if (r->host && origin_share(r->host))
        curl_easy_setopt(e, CURLOPT_SHARE, r->host->share);
    /* Feeds of one HTTP/2 origin wait for its first connection and share it (RFC 9113 9.1)
     * instead of each opening its own; on HTTP/1.1 curl opens more as per_host allows. */
    curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
    r->ca_store = fetch_trust_set(f, e, r->ca_file);
    if (r->post) {
        curl_easy_setopt(e, CURLOPT_POST, 1L);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->post);
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->post_len);
        /* A model server's redirect is a misconfiguration: do not replay the POST. */
        curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    }
    /* The list's nodes in one array, pointing at strings r holds: curl_slist_append copied
     * each line and the validators were formatted here, 3.2 K instructions of a transfer
     * (callgrind of bench/warm_instructions.py: xasprintf 1.9 M, curl_slist_append 0.6 M,
     * curl_slist_free_all 0.7 M per 1000 feeds). libcurl only reads the lines. */
    struct curl_slist *v = r->headers = xcalloc(r->nextra + 4, sizeof *v);
    size_t n = 0;
    if (ua_line)
        v[n++].data = (char *)ua_line;   /* libcurl only reads it */
    if (!r->post)
        v[n++].data = accept_header;
    for (size_t i = 0; i < r->nextra; i++)
        v[n++].data = r->extra_headers[i];
    if (r->h_inm)
        v[n++].data = r->h_inm;
    if (r->h_ims)
        v[n++].data = r->h_ims;
    for (size_t i = 0; i + 1 < n; i++)
        v[i].next = &v[i + 1];
    if (!n) {
        free(r->headers);
        r->headers = NULL;
    }
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->headers);
    return 0;
}

int fetch_req_begin(struct fetcher *f, struct req *r)
{
    return req_setup(f, r) < 0 || curl_multi_add_handle(f->multi, r->easy) != CURLM_OK ? -1 : 0;
}

void fetch_req_fail(struct req *r, const char *msg)
{
    struct fetch_result res = {.url = r->url, .error = msg, .body = "", .len = 0,
                               .body_fd = -1, .body_hash = hash_xxh64("", 0, 0),
                               .retry_after = -1, .max_age = -1};
    r->cb(r->ud, &res);
}

static void drain_done(struct fetcher *f)
{
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(f->multi, &left))) {
        if (m->msg != CURLMSG_DONE)
            continue;
        CURL *e = m->easy_handle;
        CURLcode code = m->data.result;
        struct req *r = NULL;
        curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&r);
        curl_multi_remove_handle(f->multi, e);
        fetch_running_unlink(f, r);
        if (r->unlimited) {
            f->unlimited_running--;
        } else {
            r->host->active--;
            f->running--;
            /* An answer of r's own origin says whether it multiplexes (turn_length). */
            long version = 0;
            if (r->redirects == 0 &&
                curl_easy_getinfo(e, CURLINFO_HTTP_VERSION, &version) == CURLE_OK && version)
                r->host->multiplexed = version >= CURL_HTTP_VERSION_2_0;
        }
        struct fetch_result res = {.url = r->url};
        char *eff = NULL;
        curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &res.status);
        curl_easy_getinfo(e, CURLINFO_EFFECTIVE_URL, &eff);
        curl_easy_getinfo(e, CURLINFO_TOTAL_TIME, &res.seconds);
        res.effective_url = eff;
        char msg[CURL_ERROR_SIZE + 64];
        if (code == CURLE_OK) {
            res.ok = 1;
        } else if (r->refused_private) {
            snprintf(msg, sizeof msg, "refused: the address is private, loopback or link-local"
                                      " (allow_private = yes permits it)");
            res.error = msg;
        } else if (r->too_big || code == CURLE_FILESIZE_EXCEEDED) {
            snprintf(msg, sizeof msg, "response larger than %ld bytes", r->max_size);
            res.error = msg;
        } else if (r->spool_errno) {
            snprintf(msg, sizeof msg, "cannot spool the body to %s: %s",
                     f->opts.spool_dir ? f->opts.spool_dir : "the temporary folder",
                     strerror(r->spool_errno));
            res.error = msg;
        } else {
            snprintf(msg, sizeof msg, "%s", r->errbuf[0] ? r->errbuf : curl_easy_strerror(code));
            res.error = msg;
        }
        res.body_fd = r->spool_fd;
        res.body_hash = hash_xxh64_digest(r->hash);
        if (r->spool_fd >= 0) {
            res.body = NULL;
            res.len = r->spooled;
        } else {
            if (!r->body.data)
                buf_grow(&r->body, 0), r->body.data[0] = '\0';
            res.body = r->body.data;
            res.len = r->body.len;
        }
        res.etag = r->h_etag;
        res.last_modified = r->h_last_modified;
        res.content_type = r->h_content_type;
        res.retry_after = r->retry_after;
        res.redirects = r->redirects;
        /* RFC 9111 5.3: max-age wins over Expires. */
        res.max_age = r->max_age >= 0 ? r->max_age : r->expires_in;
        res.permanent = r->redirects > 0 && r->temp_redirects == 0;
        r->cb(r->ud, &res);
        fetch_req_free(r);
    }
    fetch_pump(f);
    if (!f->running && !f->unlimited_running && !f->queued)
        fetch_easy_pool_free(f);   /* idle: a daemon between polls keeps no handle */
}

static void socket_action(struct fetcher *f, curl_socket_t fd, int mask)
{
    int running;
    CURLMcode rc = curl_multi_socket_action(f->multi, fd, mask, &running);
    if (rc != CURLM_OK)
        log_err("fetch: curl_multi_socket_action: %s", curl_multi_strerror(rc));
    drain_done(f);
}

static void io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    (void)loop;
    struct sock *s = (struct sock *)w;
    int mask = (revents & EV_READ ? CURL_CSELECT_IN : 0) |
               (revents & EV_WRITE ? CURL_CSELECT_OUT : 0) |
               (revents & EV_ERROR ? CURL_CSELECT_ERR : 0);
    socket_action(s->f, w->fd, mask);
}

static void timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop, (void)revents;
    socket_action(w->data, CURL_SOCKET_TIMEOUT, 0);
}

static int multi_timer_cb(CURLM *multi, long timeout_ms, void *ud)
{
    (void)multi;
    struct fetcher *f = ud;
    ev_timer_stop(f->loop, &f->timer);
    if (timeout_ms >= 0) {
        ev_timer_set(&f->timer, timeout_ms / 1000.0, 0.);
        ev_timer_start(f->loop, &f->timer);
    }
    return 0;
}

static int multi_socket_cb(CURL *e, curl_socket_t fd, int what, void *ud, void *sockp)
{
    (void)e;
    struct fetcher *f = ud;
    struct sock *s = sockp;
    if (what == CURL_POLL_REMOVE) {
        if (s) {
            ev_io_stop(f->loop, &s->io);
            if (s->prev)
                s->prev->next = s->next;
            else
                f->socks = s->next;
            if (s->next)
                s->next->prev = s->prev;
            free(s);
        }
        return 0;
    }
    if (!s) {
        s = xcalloc(1, sizeof *s);
        s->f = f;
        s->next = f->socks;
        if (f->socks)
            f->socks->prev = s;
        f->socks = s;
        curl_multi_assign(f->multi, fd, s);
    } else {
        ev_io_stop(f->loop, &s->io);
    }
    int kind = (what & CURL_POLL_IN ? EV_READ : 0) | (what & CURL_POLL_OUT ? EV_WRITE : 0);
    /* The fd number may be new for this struct (curl reused it): always set it again. */
    ev_io_init(&s->io, io_cb, fd, kind);
    ev_io_start(f->loop, &s->io);
    return 0;
}

/* How many connections libcurl keeps, idle ones included (CURLMOPT_MAXCONNECTS). Its
 * default is 4 x the transfers it holds, and what it counts changed: curl 7.88 counted the
 * easy handles added (multi.c num_easy), which our queues keep near `concurrency` all
 * through a poll; curl 8.x counts the transfers not yet done (conncache.c
 * Curl_cpool_conn_now_idle: multi.c xfers_alive), which falls to one or two when a burst of
 * quick answers (304s) ends before we remove the handles. The pool then closes its oldest
 * idle connection ("Connection pool is full, closing the oldest of 17/4"): with origins
 * taking turns, the connection of the origin whose turn comes next. Its feeds then make a
 * new connection and a new TLS handshake (1000 feeds on 20 HTTP/2 origins: 38-64
 * connections instead of 20 with curl 8.14.1). Fixed at curl 7.88's figure for a full
 * queue, whatever the version. */
static long pool_size(const struct fetch_opts *o)
{
    return 4L * o->concurrency;
}

struct fetcher *fetch_new(struct ev_loop *loop, const struct fetch_opts *opts)
{
    struct fetcher *f = xcalloc(1, sizeof *f);
    f->loop = loop;
    f->opts = *opts;
    if (f->opts.concurrency < 1)
        f->opts.concurrency = 1;
    if (f->opts.per_host < 1)
        f->opts.per_host = 1;
    f->user_agent = xstrdup(opts->user_agent);
    f->opts.user_agent = f->user_agent;
    f->ua_line = header_line("User-Agent: ", f->user_agent);
    /* The variables libcurl takes a proxy from when CURLOPT_PROXY is unset (its url.c,
     * detect_proxy: http_proxy lower-case only, the others in either case). */
    static const char *const proxy_vars[] = {"http_proxy", "https_proxy", "HTTPS_PROXY",
                                             "all_proxy", "ALL_PROXY"};
    for (size_t i = 0; i < sizeof proxy_vars / sizeof *proxy_vars; i++) {
        const char *v = getenv(proxy_vars[i]);
        f->env_proxy |= v && *v;
    }
    f->spool_dir = opts->spool_dir ? xstrdup(opts->spool_dir) : NULL;
    f->opts.spool_dir = f->spool_dir;
    f->proxy = opts->proxy ? xstrdup(opts->proxy) : NULL;
    f->opts.proxy = f->proxy;
    fetch_trust_init(f);
    f->nbuckets = 1024;
    f->buckets = xcalloc(f->nbuckets, sizeof *f->buckets);
    f->multi = curl_multi_init();
    if (!f->multi) {
        free(f->buckets);
        free(f->user_agent);
        free(f->ua_line);
        free(f->spool_dir);
        free(f->proxy);
        fetch_trust_free(f);
        free(f);
        return NULL;
    }
    curl_multi_setopt(f->multi, CURLMOPT_SOCKETFUNCTION, multi_socket_cb);
    curl_multi_setopt(f->multi, CURLMOPT_SOCKETDATA, f);
    curl_multi_setopt(f->multi, CURLMOPT_TIMERFUNCTION, multi_timer_cb);
    curl_multi_setopt(f->multi, CURLMOPT_TIMERDATA, f);
    /* The feed limits are enforced by our own queues; curl's own caps would also hold back
     * the summarizer's requests (which have limits of their own), so curl gets none. Its
     * pool of idle connections is not such a cap: it is sized here. */
    curl_multi_setopt(f->multi, CURLMOPT_MAXCONNECTS, pool_size(&f->opts));
    ev_timer_init(&f->timer, timer_cb, 0., 0.);
    f->timer.data = f;
    ev_timer_init(&f->wake, fetch_wake_cb, 0., 0.);
    f->wake.data = f;
    return f;
}

int fetch_request_start(struct fetcher *f, const struct fetch_request *rq, fetch_cb cb,
                        void *ud)
{
    struct req *r = xcalloc(1, sizeof *r);
    r->f = f;
    r->url = xstrdup(rq->url);
    /* Stored validators came from response headers; a CR or LF in them would inject a
     * header, so such a value is not sent. */
    if (rq->etag && !strpbrk(rq->etag, "\r\n"))
        r->h_inm = header_line("If-None-Match: ", rq->etag);
    if (rq->last_modified && !strpbrk(rq->last_modified, "\r\n"))
        r->h_ims = header_line("If-Modified-Since: ", rq->last_modified);
    if (rq->body) {
        r->post = xmalloc(rq->body_len + 1);
        memcpy(r->post, rq->body, rq->body_len);
        r->post[rq->body_len] = '\0';
        r->post_len = rq->body_len;
    }
    if (rq->headers) {
        size_t n = 0;
        while (rq->headers[n])
            n++;
        r->extra_headers = xcalloc(n + 1, sizeof *r->extra_headers);
        for (size_t i = 0; i < n; i++)
            r->extra_headers[i] = xstrdup(rq->headers[i]);
        r->nextra = n;
    }
    if (rq->ca_file)
        r->ca_file = xstrdup(rq->ca_file);
    r->username = rq->username ? xstrdup(rq->username) : NULL;
    r->password = rq->password ? xstrdup(rq->password) : NULL;
    r->cookie_file = rq->cookie_file ? xstrdup(rq->cookie_file) : NULL;
    r->user_agent = rq->user_agent ? xstrdup(rq->user_agent) : NULL;
    r->proxy = rq->proxy ? xstrdup(rq->proxy) : NULL;
    r->timeout = rq->timeout > 0 ? rq->timeout : f->opts.timeout;
    r->max_size = rq->max_size > 0 ? rq->max_size : f->opts.max_size;
    r->unlimited = rq->unlimited;
    r->spool = rq->spool && f->opts.spool_mem > 0;
    r->spool_fd = -1;
    r->hash = hash_xxh64_new(0);
    r->retry_after = -1;
    r->max_age = r->expires_in = -1;
    r->cb = cb;
    r->ud = ud;
    r->host = fetch_host_get(f, rq->url);
    if (r->unlimited) {
        if (fetch_req_begin(f, r) < 0) {
            fetch_req_free(r);
            return -1;
        }
        f->unlimited_running++;
        fetch_running_add(f, r);
        return 0;
    }
    fetch_enqueue(f, r);
    return 0;
}

int fetch_start(struct fetcher *f, const char *url, const char *etag,
                const char *last_modified, const char *ca_file, fetch_cb cb, void *ud)
{
    struct fetch_request rq = {.url = url, .etag = etag, .last_modified = last_modified,
                               .spool = 1, .ca_file = ca_file};
    return fetch_request_start(f, &rq, cb, ud);
}

void fetch_free(struct fetcher *f)
{
    if (!f)
        return;
    /* Order matters (design notes): remove the handles, clean the multi handle while the
     * loop still exists, then release our socket watchers. */
    for (struct req *r = f->running_list, *next; r; r = next) {
        next = r->run_next;
        curl_multi_remove_handle(f->multi, r->easy);
        fetch_req_free(r);
    }
    f->running_list = NULL;
    fetch_easy_pool_free(f);
    ev_timer_stop(f->loop, &f->timer);
    ev_timer_stop(f->loop, &f->wake);
    curl_multi_cleanup(f->multi);
    /* After the multi handle: the origins' shares may be freed only once no easy handle
     * uses them. */
    fetch_hosts_free(f);
    fetch_trust_free(f);
    while (f->socks) {
        struct sock *s = f->socks;
        f->socks = s->next;
        ev_io_stop(f->loop, &s->io);
        free(s);
    }
    free(f->user_agent);
    free(f->ua_line);
    free(f->spool_dir);
    free(f->proxy);
    free(f);
}
