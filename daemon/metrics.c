/* daemon/metrics.c: an optional Prometheus text-format endpoint (`metrics = 127.0.0.1:9108`)
 * served from the daemon's own event loop: GET /metrics answers with counters kept in
 * struct app and gauges read from the database. A tiny HTTP/1.0-style server: one request
 * per connection, bounded request size, so a scraper (or anything else that connects) can
 * never hold the loop up. Connections that say nothing cannot lock scrapes out either:
 * each is closed after CLIENT_IDLE seconds without a byte in or out, and when every slot is
 * taken the connection idle longest makes room for the new one. */
#include "daemon/metrics.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "daemon/app.h"
#include "daemon/article.h"
#include "summary/summary.h"

#define MAX_CLIENTS 64
#define MAX_REQUEST 8192
#define CLIENT_IDLE 3.0     /* seconds without progress; a scraper sends at once */

struct client {
    ev_io io;
    ev_timer timer;         /* idle timeout, restarted by every byte read or written */
    ev_tstamp active;       /* ev_now() of the last byte */
    struct metrics_server *srv;
    struct buf req;
    char *resp;
    size_t resp_len, sent;
};

struct metrics_server {
    struct app *app;
    int fd;
    ev_io accept_io;
    struct client *clients[MAX_CLIENTS];
};

static void client_close(struct client *c)
{
    struct metrics_server *s = c->srv;
    struct ev_loop *loop = s->app->loop;
    ev_io_stop(loop, &c->io);
    ev_timer_stop(loop, &c->timer);
    close(c->io.fd);
    for (int i = 0; i < MAX_CLIENTS; i++)
        if (s->clients[i] == c)
            s->clients[i] = NULL;
    buf_free(&c->req);
    free(c->resp);
    free(c);
}

static void metric(struct buf *b, const char *name, const char *type, const char *help)
{
    buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static char *render(struct app *app)
{
    struct buf b = {0};
    const struct metrics *m = &app->metrics;
    struct db_feed *feeds;
    size_t n = 0, failing = 0, disabled = 0;
    if (db_feed_list(app->db, DB_FEEDS_ACTIVE_UNCOUNTED, &feeds, &n) == 0) {
        for (size_t i = 0; i < n; i++) {
            failing += feeds[i].last_error != NULL && !feeds[i].disabled;
            disabled += feeds[i].disabled != NULL;
        }
        db_feed_list_free(feeds, n);
    }
    metric(&b, "feedsd_feeds", "gauge", "Subscribed feeds by state.");
    buf_printf(&b, "feedsd_feeds{state=\"ok\"} %zu\n", n - failing - disabled);
    buf_printf(&b, "feedsd_feeds{state=\"failing\"} %zu\n", failing);
    buf_printf(&b, "feedsd_feeds{state=\"disabled\"} %zu\n", disabled);
    metric(&b, "feedsd_fetches_total", "counter", "Feed fetches by outcome.");
    buf_printf(&b, "feedsd_fetches_total{result=\"ok\"} %llu\n", m->fetch_ok);
    buf_printf(&b, "feedsd_fetches_total{result=\"not_modified\"} %llu\n", m->fetch_not_modified);
    buf_printf(&b, "feedsd_fetches_total{result=\"error\"} %llu\n", m->fetch_error);
    buf_printf(&b, "feedsd_fetches_total{result=\"rate_limited\"} %llu\n", m->fetch_rate_limited);
    metric(&b, "feedsd_fetch_duration_seconds", "summary", "Time of feed transfers.");
    buf_printf(&b, "feedsd_fetch_duration_seconds_sum %.6f\n", m->fetch_seconds);
    buf_printf(&b, "feedsd_fetch_duration_seconds_count %llu\n",
               m->fetch_ok + m->fetch_not_modified + m->fetch_error + m->fetch_rate_limited);
    metric(&b, "feedsd_fetches_in_flight", "gauge", "Feed transfers queued or running.");
    buf_printf(&b, "feedsd_fetches_in_flight %zu\n", fetch_in_flight(app->fetch));
    metric(&b, "feedsd_files_written_total", "counter", "Output files written or rewritten.");
    buf_printf(&b, "feedsd_files_written_total %llu\n", m->files_written);
    metric(&b, "feedsd_summaries_total", "counter", "Model summary requests by outcome.");
    const struct summary_stats *ss = summary_stats(app->summary);
    buf_printf(&b, "feedsd_summaries_total{result=\"ok\"} %llu\n", ss->ok);
    buf_printf(&b, "feedsd_summaries_total{result=\"error\"} %llu\n", ss->error);
    metric(&b, "feedsd_summary_duration_seconds", "summary", "Time of model summary requests.");
    buf_printf(&b, "feedsd_summary_duration_seconds_sum %.6f\n", ss->seconds);
    buf_printf(&b, "feedsd_summary_duration_seconds_count %llu\n", ss->ok + ss->error);
    int64_t pending = 0, next = 0;
    db_summaries_pending(app->db, &pending, &next);
    metric(&b, "feedsd_summary_queue_depth", "gauge", "Posts waiting for a model summary.");
    buf_printf(&b, "feedsd_summary_queue_depth %lld\n", (long long)pending);
    metric(&b, "feedsd_page_queue_depth", "gauge", "Posts waiting for their web page.");
    buf_printf(&b, "feedsd_page_queue_depth %lld\n", (long long)db_pages_wanted(app->db));
    int64_t *ids;
    size_t np = 0;
    if (db_entries_pending(app->db, 0, &ids, &np) == 0)
        free(ids);
    metric(&b, "feedsd_entries_pending", "gauge", "Stored posts whose file is not written yet.");
    buf_printf(&b, "feedsd_entries_pending %zu\n", np);
    return buf_steal(&b);
}

static void client_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop, (void)revents;
    client_close(w->data);
}

/* A byte went in or out: the idle timeout starts again. */
static void client_progress(struct ev_loop *loop, struct client *c)
{
    c->active = ev_now(loop);
    ev_timer_again(loop, &c->timer);
}

static void client_io(struct ev_loop *loop, ev_io *w, int revents)
{
    (void)revents;
    struct client *c = w->data;
    if (c->resp) {   /* writing the answer */
        ssize_t k = write(w->fd, c->resp + c->sent, c->resp_len - c->sent);
        if (k < 0 && (errno == EAGAIN || errno == EINTR))
            return;
        if (k <= 0 || (c->sent += (size_t)k) == c->resp_len)
            client_close(c);
        else
            client_progress(loop, c);
        return;
    }
    char chunk[1024];
    ssize_t k = read(w->fd, chunk, sizeof chunk);
    if (k < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (k <= 0) {
        client_close(c);
        return;
    }
    client_progress(loop, c);
    buf_append(&c->req, chunk, (size_t)k);
    if (!strstr(c->req.data, "\r\n\r\n") && !strstr(c->req.data, "\n\n")) {
        if (c->req.len > MAX_REQUEST)
            client_close(c);
        return;
    }
    const char *status = "200 OK", *type = "text/plain; version=0.0.4; charset=utf-8";
    char *body;
    if (!strncmp(c->req.data, "GET /metrics ", 13) || !strncmp(c->req.data, "GET /metrics?", 13)) {
        body = render(c->srv->app);
    } else if (!strncmp(c->req.data, "GET ", 4)) {
        status = "404 Not Found";
        type = "text/plain; charset=utf-8";
        body = xstrdup("feedsd serves /metrics only\n");
    } else {
        status = "405 Method Not Allowed";
        type = "text/plain; charset=utf-8";
        body = xstrdup("GET /metrics\n");
    }
    c->resp = xasprintf("HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                        "Connection: close\r\n\r\n%s", status, type, strlen(body), body);
    c->resp_len = strlen(c->resp);
    free(body);
    ev_io_stop(loop, &c->io);
    ev_io_set(&c->io, c->io.fd, EV_WRITE);
    ev_io_start(loop, &c->io);
}

static void accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    (void)revents;
    struct metrics_server *s = w->data;
    int fd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0)
        return;
    int slot = -1, idlest = 0;
    for (int i = 0; i < MAX_CLIENTS && slot < 0; i++) {
        if (!s->clients[i])
            slot = i;
        else if (s->clients[i]->active < s->clients[idlest]->active)
            idlest = i;
    }
    if (slot < 0) {
        /* Every slot taken (by connections that do not finish, or a flood): the one idle
         * longest goes, so that the newest, likely a scraper, is served. */
        client_close(s->clients[idlest]);
        slot = idlest;
    }
    struct client *c = xcalloc(1, sizeof *c);
    c->srv = s;
    c->active = ev_now(loop);
    s->clients[slot] = c;
    ev_io_init(&c->io, client_io, fd, EV_READ);
    c->io.data = c;
    ev_io_start(loop, &c->io);
    ev_init(&c->timer, client_timeout);
    c->timer.repeat = CLIENT_IDLE;
    c->timer.data = c;
    ev_timer_again(loop, &c->timer);
}

struct metrics_server *metrics_start(struct app *app, const char *addr, char *err, size_t errlen)
{
    /* "HOST:PORT", "[V6]:PORT" or ":PORT" (loopback). */
    char *a = xstrdup(addr);
    char *host = a, *port = strrchr(a, ':');
    if (!port) {
        snprintf(err, errlen, "metrics: expected HOST:PORT, got \"%s\"", addr);
        free(a);
        return NULL;
    }
    *port++ = '\0';
    if (*host == '[') {
        host++;
        char *end = strchr(host, ']');
        if (end)
            *end = '\0';
    }
    if (!*host)
        host = "127.0.0.1";
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE}, *ai = NULL;
    int rc = getaddrinfo(host, port, &hints, &ai);
    if (rc != 0) {
        snprintf(err, errlen, "metrics: %s: %s", addr, gai_strerror(rc));
        free(a);
        return NULL;
    }
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd >= 0)
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, MAX_CLIENTS) < 0) {
        snprintf(err, errlen, "metrics: cannot listen on %s: %s", addr, strerror(errno));
        if (fd >= 0)
            close(fd);
        freeaddrinfo(ai);
        free(a);
        return NULL;
    }
    freeaddrinfo(ai);
    free(a);
    struct metrics_server *s = xcalloc(1, sizeof *s);
    s->app = app;
    s->fd = fd;
    ev_io_init(&s->accept_io, accept_cb, fd, EV_READ);
    s->accept_io.data = s;
    ev_io_start(app->loop, &s->accept_io);
    log_info("metrics on http://%s/metrics", addr);
    return s;
}

void metrics_stop(struct metrics_server *s)
{
    if (!s)
        return;
    for (int i = 0; i < MAX_CLIENTS; i++)
        if (s->clients[i])
            client_close(s->clients[i]);
    ev_io_stop(s->app->loop, &s->accept_io);
    close(s->fd);
    free(s);
}
