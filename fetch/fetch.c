/* fetch/fetch.c: curl multi + libev, in the pattern of curl's docs/examples/evhiperfifo.c,
 * minding its known pitfalls:
 *  - timeouts are divided by 1000.0 (integer division turns sub-second timeouts into a
 *    spinning 0 s timer); -1 stops the timer, 0 fires it on the next loop iteration;
 *  - libcurl is never called from inside its own callbacks: finished handles are removed
 *    only where curl_multi_info_read is drained;
 *  - EV_ERROR on a socket curl has already closed maps to CURL_CSELECT_ERR, never abort;
 *  - CURLOPT_MAXFILESIZE does not stop a running transfer on curl 7.88, so the write
 *    callback counts bytes and aborts. */
#include "fetch/fetch.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <curl/curl.h>
#include <ev.h>

#include "common/log.h"
#include "common/util.h"
#include "feeds/date.h"
#include "feeds/url.h"

struct host;

struct req {
    struct req *next;           /* in the host queue */
    struct req *run_prev, *run_next;   /* in f->running_list while curl has it */
    struct host *host;
    struct fetcher *f;
    char *url, *etag, *last_modified;
    char *post;                 /* POST body, or NULL for GET */
    size_t post_len;
    char **extra_headers;
    int timeout, unlimited;
    long max_size;
    long retry_after;
    long max_age, expires_in;
    int redirects, temp_redirects, refused_private;
    fetch_cb cb;
    void *ud;
    CURL *easy;
    struct curl_slist *headers;
    struct buf body;
    struct xxh64_state hash;    /* of every byte of the body, wherever it is kept */
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
    char *spool_dir;
    int running;
    size_t queued;
    struct host **buckets;
    size_t nbuckets;
    struct host **waiting;      /* hosts with queued requests, round-robin */
    size_t nwaiting, capwaiting, cursor;
    struct sock *socks;
    struct req *running_list;
    int unlimited_running;
    ev_timer wake;              /* re-runs pump() when a spaced or paused origin may go */
};

static struct host *host_get(struct fetcher *f, const char *url)
{
    char *origin = url_origin(url);
    if (!origin)
        origin = xstrdup("?");
    size_t b = hash64(origin, strlen(origin)) % f->nbuckets;
    for (struct host *h = f->buckets[b]; h; h = h->hash_next)
        if (!strcmp(h->origin, origin)) {
            free(origin);
            return h;
        }
    struct host *h = xcalloc(1, sizeof *h);
    h->origin = origin;
    h->hash_next = f->buckets[b];
    f->buckets[b] = h;
    return h;
}

static void req_free(struct req *r)
{
    if (r->easy)
        curl_easy_cleanup(r->easy);
    curl_slist_free_all(r->headers);
    free(r->url);
    free(r->etag);
    free(r->last_modified);
    free(r->h_etag);
    free(r->h_last_modified);
    free(r->h_content_type);
    free(r->post);
    if (r->extra_headers)
        for (char **h = r->extra_headers; *h; h++)
            free(*h);
    free(r->extra_headers);
    buf_free(&r->body);
    if (r->spool_fd >= 0)
        close(r->spool_fd);
    free(r);
}

/* An unlinked file for a body (open(2) O_TMPFILE, else mkstemp(3) and unlink), or -1:
 * the body then stays in memory, which only costs memory. */
static int spool_open(const char *dir)
{
    if (!dir || !*dir)
        dir = getenv("TMPDIR");
    if (!dir || !*dir)
        dir = "/tmp";
    int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0)
        return fd;
    char *path = xasprintf("%s/feedsd-body-XXXXXX", dir);
    fd = mkostemp(path, O_CLOEXEC);
    if (fd >= 0)
        unlink(path);
    else
        log_debug("cannot spool a large body to %s: %m; keeping it in memory", dir);
    free(path);
    return fd;
}

/* Moves the body to a file once it outgrows spool_mem. */
static int spool_write(struct req *r, const char *ptr, size_t n)
{
    if (r->spool_fd < 0) {
        r->spool_fd = spool_open(r->f->opts.spool_dir);
        if (r->spool_fd < 0) {
            r->spool = 0;
            buf_append(&r->body, ptr, n);
            return 0;
        }
        if (fd_write_all(r->spool_fd, r->body.data, r->body.len) < 0) {
            r->spool_errno = errno;
            return -1;
        }
        r->spooled = r->body.len;
        buf_free(&r->body);
    }
    if (fd_write_all(r->spool_fd, ptr, n) < 0) {
        r->spool_errno = errno;
        return -1;
    }
    r->spooled += n;
    return 0;
}

static size_t write_cb(char *ptr, size_t size, size_t nmemb, void *ud)
{
    struct req *r = ud;
    size_t n = size * nmemb;
    if (r->body.len + r->spooled + n > (size_t)r->max_size) {
        r->too_big = 1;
        return 0;       /* makes curl fail the transfer with CURLE_WRITE_ERROR */
    }
    hash_xxh64_update(&r->hash, ptr, n);
    if (r->spool && (r->spool_fd >= 0 || r->body.len + n > r->f->opts.spool_mem))
        return spool_write(r, ptr, n) < 0 ? 0 : n;
    buf_append(&r->body, ptr, n);
    return n;
}

/* Keeps the validators and type of the final response: a redirect starts a new response,
 * whose status line resets what an earlier hop said. */
/* Retry-After is delay-seconds or an HTTP-date (RFC 9110 10.2.3). -1 when unusable. */
static long retry_after_seconds(const char *v, int64_t now)
{
    char *end;
    long secs = strtol(v, &end, 10);
    if (end != v && *end == '\0')
        return secs < 0 ? 0 : secs;
    int64_t when;
    if (date_parse(v, &when) == 0)
        return when > now ? (long)(when - now) : 0;
    return -1;
}

static size_t header_cb(char *ptr, size_t size, size_t nmemb, void *ud)
{
    struct req *r = ud;
    size_t n = size * nmemb;
    static const struct {
        const char *name;
        size_t off;
    } wanted[] = {
        {"etag:", offsetof(struct req, h_etag)},
        {"last-modified:", offsetof(struct req, h_last_modified)},
        {"content-type:", offsetof(struct req, h_content_type)},
    };
    if (n >= 5 && !strncmp(ptr, "HTTP/", 5)) {
        for (size_t i = 0; i < sizeof wanted / sizeof wanted[0]; i++) {
            char **slot = (char **)((char *)r + wanted[i].off);
            free(*slot);
            *slot = NULL;
        }
        r->retry_after = -1;
        r->max_age = r->expires_in = -1;
        /* "HTTP/1.1 301 ..." / "HTTP/2 308": which kinds of redirect led here. */
        const char *sp = memchr(ptr, ' ', n);
        int code = sp ? (int)strtol(sp + 1, NULL, 10) : 0;
        if (code >= 300 && code < 400 && code != 304) {
            r->redirects++;
            if (code != 301 && code != 308)
                r->temp_redirects++;
        }
        return n;
    }
    if (n > 14 && !strncasecmp(ptr, "cache-control:", 14)) {
        /* max-age=N; "no-cache"/"no-store" say nothing about how often to poll. */
        char *v = xstrndup(ptr + 14, n - 14);
        char *m = strcasestr(v, "max-age=");
        if (m) {
            long a = strtol(m + 8, NULL, 10);
            if (a >= 0)
                r->max_age = a;
        }
        free(v);
        return n;
    }
    if (n > 8 && !strncasecmp(ptr, "expires:", 8)) {
        char *v = str_trim(xstrndup(ptr + 8, n - 8));
        int64_t when, now = time(NULL);
        if (date_parse(v, &when) == 0)
            r->expires_in = when > now ? (long)(when - now) : 0;
        free(v);
        return n;
    }
    if (n > 12 && !strncasecmp(ptr, "retry-after:", 12)) {
        char *v = str_trim(xstrndup(ptr + 12, n - 12));
        r->retry_after = retry_after_seconds(v, time(NULL));
        free(v);
        return n;
    }
    for (size_t i = 0; i < sizeof wanted / sizeof wanted[0]; i++) {
        size_t k = strlen(wanted[i].name);
        if (n > k && !strncasecmp(ptr, wanted[i].name, k)) {
            char **slot = (char **)((char *)r + wanted[i].off);
            free(*slot);
            *slot = str_trim(xstrndup(ptr + k, n - k));
            if (!**slot) {
                free(*slot);
                *slot = NULL;
            }
        }
    }
    return n;
}

/* The addresses a feed must not make feedsd connect to: every range of the IANA IPv4
 * Special-Purpose Address Registry (RFC 6890 and its updates) that is not globally
 * reachable, multicast (RFC 5771) and the reserved 240/4 with the broadcast address. A
 * feed could otherwise reach the cloud metadata service (169.254.169.254), the host's
 * own services or the local network. 192.0.0/24 goes whole: its two anycast addresses
 * (192.0.0.9, .10) serve no feeds. */
static const struct {
    uint32_t net;
    int bits;
} v4_refused[] = {
    {0x00000000, 8},    /* 0/8 "this network" (RFC 791) */
    {0x0A000000, 8},    /* 10/8 private (RFC 1918) */
    {0x64400000, 10},   /* 100.64/10 shared address space, carrier-grade NAT (RFC 6598) */
    {0x7F000000, 8},    /* 127/8 loopback (RFC 1122) */
    {0xA9FE0000, 16},   /* 169.254/16 link-local (RFC 3927), cloud metadata */
    {0xAC100000, 12},   /* 172.16/12 private (RFC 1918) */
    {0xC0000000, 24},   /* 192.0.0/24 IETF protocol assignments (RFC 6890) */
    {0xC0000200, 24},   /* 192.0.2/24 TEST-NET-1 (RFC 5737) */
    {0xC0586300, 24},   /* 192.88.99/24 6to4 relay anycast, deprecated (RFC 7526) */
    {0xC0A80000, 16},   /* 192.168/16 private (RFC 1918) */
    {0xC6120000, 15},   /* 198.18/15 benchmarking (RFC 2544) */
    {0xC6336400, 24},   /* 198.51.100/24 TEST-NET-2 (RFC 5737) */
    {0xCB007100, 24},   /* 203.0.113/24 TEST-NET-3 (RFC 5737) */
    {0xE0000000, 4},    /* 224/4 multicast (RFC 5771) */
    {0xF0000000, 4},    /* 240/4 reserved (RFC 1112), 255.255.255.255 broadcast (RFC 919) */
};

static int v4_allowed(uint32_t a)
{
    for (size_t i = 0; i < sizeof v4_refused / sizeof *v4_refused; i++)
        if ((a ^ v4_refused[i].net) >> (32 - v4_refused[i].bits) == 0)
            return 0;
    return 1;
}

/* What an IPv6 range means for the check. Forms that carry an IPv4 address are decided
 * by it: a packet to them reaches that IPv4 address through a translator or a tunnel
 * (NAT64 to 64:ff9b::169.254.169.254 is the metadata service). */
enum v6_rule {
    V6_REFUSE,
    V6_V4_LAST,     /* the IPv4 address in the last 32 bits (RFC 4291 2.5.5, RFC 6052 /96) */
    V6_6TO4,        /* 2002:AABB:CCDD::/48: the IPv4 address in bits 16-47 (RFC 3056) */
    V6_TEREDO,      /* 2001:0:SSSS:SSSS:flags:port:CCCC:CCCC: server, and the client
                       inverted (RFC 4380 4) */
};

/* The IANA IPv6 Special-Purpose Address Registry (RFC 6890 and its updates), plus
 * multicast and the deprecated site-local and IPv4-compatible forms. The first row that
 * covers an address decides, so narrower rows come first. 64:ff9b:1::/48 (RFC 8215)
 * holds the IPv4 address where the local translator's prefix length puts it (RFC 6052
 * 2.2: /48 to /96), which feedsd cannot know: only its first /96, the usual choice, is
 * read; the rest is refused (allow_private = yes for a translator on another prefix).
 * The globally reachable rows inside 2001::/23 (PCP and TURN anycast, AMT, AS112,
 * ORCHIDv2, DRIP) are refused with it: no feed is served from them. */
static const struct {
    uint8_t net[16];
    int bits;
    enum v6_rule rule;
} v6_ranges[] = {
    {{0}, 128, V6_REFUSE},                                      /* ::/128 unspecified */
    {{[15] = 1}, 128, V6_REFUSE},                               /* ::1 loopback */
    {{0}, 96, V6_V4_LAST},                  /* ::/96 IPv4-compatible, deprecated (RFC 4291) */
    {{[10] = 0xff, [11] = 0xff}, 96, V6_V4_LAST},       /* ::ffff:0:0/96 IPv4-mapped */
    {{[8] = 0xff, [9] = 0xff}, 96, V6_V4_LAST},         /* ::ffff:0:0:0/96 IPv4-translated
                                                           (RFC 2765) */
    {{0, 0x64, 0xff, 0x9b}, 96, V6_V4_LAST},            /* 64:ff9b::/96 NAT64 (RFC 6052) */
    {{0, 0x64, 0xff, 0x9b, 0, 1}, 96, V6_V4_LAST},      /* 64:ff9b:1::/96 local NAT64 */
    {{0, 0x64, 0xff, 0x9b, 0, 1}, 48, V6_REFUSE},       /* the rest of 64:ff9b:1::/48 */
    {{1}, 64, V6_REFUSE},                               /* 100::/64 discard-only (RFC 6666) */
    {{1, [7] = 1}, 64, V6_REFUSE},                      /* 100:0:0:1::/64 dummy prefix */
    {{0x20, 0x01}, 32, V6_TEREDO},                      /* 2001::/32 Teredo (RFC 4380) */
    {{0x20, 0x01}, 23, V6_REFUSE},      /* 2001::/23 IETF protocol assignments (RFC 2928) */
    {{0x20, 0x01, 0x0d, 0xb8}, 32, V6_REFUSE},          /* 2001:db8::/32 documentation
                                                           (RFC 3849) */
    {{0x20, 0x02}, 16, V6_6TO4},                        /* 2002::/16 6to4 (RFC 3056) */
    {{0x3f, 0xff}, 20, V6_REFUSE},                      /* 3fff::/20 documentation (RFC 9637) */
    {{0x5f, 0x00}, 16, V6_REFUSE},                      /* 5f00::/16 SRv6 SIDs (RFC 9602) */
    {{0xfc}, 7, V6_REFUSE},                             /* fc00::/7 unique local (RFC 4193) */
    {{0xfe, 0x80}, 10, V6_REFUSE},                      /* fe80::/10 link-local */
    {{0xfe, 0xc0}, 10, V6_REFUSE},          /* fec0::/10 site-local, deprecated (RFC 3879) */
    {{0xff}, 8, V6_REFUSE},                             /* ff00::/8 multicast (RFC 4291) */
};

static int v6_in(const uint8_t *a, const uint8_t *net, int bits)
{
    int whole = bits / 8, rest = bits % 8;
    if (memcmp(a, net, (size_t)whole) != 0)
        return 0;
    return rest == 0 || ((a[whole] ^ net[whole]) & (0xFF << (8 - rest)) & 0xFF) == 0;
}

static uint32_t v4_at(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int v6_allowed(const uint8_t *a)
{
    for (size_t i = 0; i < sizeof v6_ranges / sizeof *v6_ranges; i++) {
        if (!v6_in(a, v6_ranges[i].net, v6_ranges[i].bits))
            continue;
        switch (v6_ranges[i].rule) {
        case V6_REFUSE: return 0;
        case V6_V4_LAST: return v4_allowed(v4_at(a + 12));
        case V6_6TO4: return v4_allowed(v4_at(a + 2));
        case V6_TEREDO: return v4_allowed(v4_at(a + 4)) && v4_allowed(~v4_at(a + 12));
        }
    }
    return 1;
}

int fetch_address_allowed(const struct sockaddr *sa, int allow_private)
{
    if (allow_private)
        return 1;
    if (sa->sa_family == AF_INET)
        return v4_allowed(ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr));
    if (sa->sa_family == AF_INET6)
        return v6_allowed(((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr);
    return 0;
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

static int req_setup(struct fetcher *f, struct req *r)
{
    CURL *e = curl_easy_init();
    if (!e)
        return -1;
    r->easy = e;
    curl_easy_setopt(e, CURLOPT_URL, r->url);
    curl_easy_setopt(e, CURLOPT_PRIVATE, r);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, header_cb);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, opensocket_cb);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, r);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, 8L);
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");   /* every encoding curl supports */
    curl_easy_setopt(e, CURLOPT_USERAGENT, f->user_agent);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, 20L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT, (long)r->timeout);
    if (!r->unlimited) {
        /* A server that trickles bytes is cut off long before the total timeout. */
        curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 16L);
        curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, 30L);
    }
    curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)r->max_size);
    if (r->post) {
        curl_easy_setopt(e, CURLOPT_POST, 1L);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->post);
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->post_len);
        /* A model server's redirect is a misconfiguration: do not replay the POST. */
        curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    } else {
        r->headers = curl_slist_append(r->headers,
                                       "Accept: application/atom+xml, application/rss+xml, "
                                       "application/feed+json, application/xml;q=0.9, "
                                       "text/xml;q=0.9, */*;q=0.8");
    }
    if (r->extra_headers)
        for (char **h = r->extra_headers; *h; h++)
            r->headers = curl_slist_append(r->headers, *h);
    if (r->etag) {
        char *h = xasprintf("If-None-Match: %s", r->etag);
        r->headers = curl_slist_append(r->headers, h);
        free(h);
    }
    if (r->last_modified) {
        char *h = xasprintf("If-Modified-Since: %s", r->last_modified);
        r->headers = curl_slist_append(r->headers, h);
        free(h);
    }
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->headers);
    return 0;
}

static void waiting_add(struct fetcher *f, struct host *h)
{
    if (h->waiting)
        return;
    if (f->nwaiting == f->capwaiting) {
        f->capwaiting = f->capwaiting ? f->capwaiting * 2 : 16;
        f->waiting = xrealloc(f->waiting, f->capwaiting * sizeof *f->waiting);
    }
    f->waiting[f->nwaiting++] = h;
    h->waiting = 1;
}

static void waiting_remove_at(struct fetcher *f, size_t i)
{
    f->waiting[i]->waiting = 0;
    f->waiting[i] = f->waiting[--f->nwaiting];
}

static void deliver_failure(struct req *r, const char *msg)
{
    struct fetch_result res = {.url = r->url, .error = msg, .body = "", .len = 0,
                               .body_fd = -1, .body_hash = hash_xxh64("", 0, 0),
                               .retry_after = -1, .max_age = -1};
    r->cb(r->ud, &res);
}

/* Starts queued requests while the global and per-origin limits allow, taking origins in
 * turn so one busy host does not starve the others. */
static void pump(struct fetcher *f)
{
    double now = ev_now(f->loop), wake = 0;
    while (f->running < f->opts.concurrency && f->nwaiting) {
        size_t tried = 0;
        struct host *h = NULL;
        while (tried < f->nwaiting) {
            if (f->cursor >= f->nwaiting)
                f->cursor = 0;
            struct host *c = f->waiting[f->cursor];
            if (!c->head) {
                waiting_remove_at(f, f->cursor);
                continue;
            }
            double ready = c->next_start > c->paused_until ? c->next_start : c->paused_until;
            if (c->active < f->opts.per_host && ready <= now) {
                h = c;
                f->cursor++;
                break;
            }
            if (c->active < f->opts.per_host && (!wake || ready < wake))
                wake = ready;
            f->cursor++;
            tried++;
        }
        if (!h)
            break;
        struct req *r = h->head;
        h->head = r->next;
        if (!h->head)
            h->tail = NULL;
        r->next = NULL;
        f->queued--;
        if (req_setup(f, r) < 0 || curl_multi_add_handle(f->multi, r->easy) != CURLM_OK) {
            deliver_failure(r, "cannot start transfer");
            req_free(r);
            continue;
        }
        h->active++;
        h->next_start = now + f->opts.host_delay;
        if (f->opts.host_delay > 0 && h->head &&
            (!wake || h->next_start < wake))
            wake = h->next_start;
        f->running++;
        r->run_next = f->running_list;
        if (f->running_list)
            f->running_list->run_prev = r;
        f->running_list = r;
    }
    /* Some origin is held back by its spacing or a Retry-After: come back then. */
    if (wake > now && (!ev_is_active(&f->wake) || ev_timer_remaining(f->loop, &f->wake) >
                                                     wake - now + 0.001)) {
        ev_timer_stop(f->loop, &f->wake);
        ev_timer_set(&f->wake, wake - now, 0.);
        ev_timer_start(f->loop, &f->wake);
    }
}

static void wake_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop, (void)revents;
    pump(w->data);
}

void fetch_pause_origin(struct fetcher *f, const char *url, double seconds)
{
    struct host *h = host_get(f, url);
    double until = ev_now(f->loop) + seconds;
    if (until > h->paused_until)
        h->paused_until = until;
    pump(f);
}

static void running_unlink(struct fetcher *f, struct req *r)
{
    if (r->run_prev)
        r->run_prev->run_next = r->run_next;
    else
        f->running_list = r->run_next;
    if (r->run_next)
        r->run_next->run_prev = r->run_prev;
    r->run_prev = r->run_next = NULL;
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
        running_unlink(f, r);
        if (r->unlimited) {
            f->unlimited_running--;
        } else {
            r->host->active--;
            f->running--;
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
        res.body_hash = hash_xxh64_digest(&r->hash);
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
        req_free(r);
    }
    pump(f);
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
    f->spool_dir = opts->spool_dir ? xstrdup(opts->spool_dir) : NULL;
    f->opts.spool_dir = f->spool_dir;
    f->nbuckets = 1024;
    f->buckets = xcalloc(f->nbuckets, sizeof *f->buckets);
    f->multi = curl_multi_init();
    if (!f->multi) {
        free(f->buckets);
        free(f->user_agent);
        free(f->spool_dir);
        free(f);
        return NULL;
    }
    curl_multi_setopt(f->multi, CURLMOPT_SOCKETFUNCTION, multi_socket_cb);
    curl_multi_setopt(f->multi, CURLMOPT_SOCKETDATA, f);
    curl_multi_setopt(f->multi, CURLMOPT_TIMERFUNCTION, multi_timer_cb);
    curl_multi_setopt(f->multi, CURLMOPT_TIMERDATA, f);
    /* The feed limits are enforced by our own queues; curl's own caps would also hold back
     * the summarizer's requests (which have limits of their own), so curl gets none. */
    ev_timer_init(&f->timer, timer_cb, 0., 0.);
    f->timer.data = f;
    ev_timer_init(&f->wake, wake_cb, 0., 0.);
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
        r->etag = xstrdup(rq->etag);
    if (rq->last_modified && !strpbrk(rq->last_modified, "\r\n"))
        r->last_modified = xstrdup(rq->last_modified);
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
    }
    r->timeout = rq->timeout > 0 ? rq->timeout : f->opts.timeout;
    r->max_size = rq->max_size > 0 ? rq->max_size : f->opts.max_size;
    r->unlimited = rq->unlimited;
    r->spool = rq->spool && f->opts.spool_mem > 0;
    r->spool_fd = -1;
    hash_xxh64_init(&r->hash, 0);
    r->retry_after = -1;
    r->max_age = r->expires_in = -1;
    r->cb = cb;
    r->ud = ud;
    struct host *h = host_get(f, rq->url);
    r->host = h;
    if (r->unlimited) {
        if (req_setup(f, r) < 0 || curl_multi_add_handle(f->multi, r->easy) != CURLM_OK) {
            req_free(r);
            return -1;
        }
        f->unlimited_running++;
        r->run_next = f->running_list;
        if (f->running_list)
            f->running_list->run_prev = r;
        f->running_list = r;
        return 0;
    }
    if (h->tail)
        h->tail->next = r;
    else
        h->head = r;
    h->tail = r;
    f->queued++;
    waiting_add(f, h);
    pump(f);
    return 0;
}

int fetch_start(struct fetcher *f, const char *url, const char *etag,
                const char *last_modified, fetch_cb cb, void *ud)
{
    struct fetch_request rq = {.url = url, .etag = etag, .last_modified = last_modified,
                               .spool = 1};
    return fetch_request_start(f, &rq, cb, ud);
}

size_t fetch_in_flight(struct fetcher *f)
{
    return f->queued + (size_t)f->running;
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
        req_free(r);
    }
    f->running_list = NULL;
    for (size_t b = 0; b < f->nbuckets; b++) {
        struct host *h = f->buckets[b];
        while (h) {
            struct host *next = h->hash_next;
            for (struct req *r = h->head; r;) {
                struct req *n = r->next;
                req_free(r);
                r = n;
            }
            free(h->origin);
            free(h);
            h = next;
        }
    }
    ev_timer_stop(f->loop, &f->timer);
    ev_timer_stop(f->loop, &f->wake);
    curl_multi_cleanup(f->multi);
    while (f->socks) {
        struct sock *s = f->socks;
        f->socks = s->next;
        ev_io_stop(f->loop, &s->io);
        free(s);
    }
    free(f->waiting);
    free(f->buckets);
    free(f->user_agent);
    free(f->spool_dir);
    free(f);
}
