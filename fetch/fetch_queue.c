/* fetch/fetch_queue.c: the per-origin queues of feed requests. At most `concurrency`
 * transfers run at once and at most `per_host` per origin; the starts of two requests to
 * one origin are `host_delay` apart, and a Retry-After pauses that origin only. Origins
 * with queued requests take turns, so one busy host does not starve the others: a turn is
 * one request, or up to `per_host` conditional ones on HTTP/2 (turn_length). Requests of
 * the summarizer (unlimited) bypass these queues. */
#include <stdlib.h>
#include <string.h>

#include <ev.h>

#include "common/util.h"
#include "feeds/url.h"
#include "fetch/fetch_int.h"

struct host *fetch_host_get(struct fetcher *f, const char *url)
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

/* How many requests an origin starts in one turn. Over HTTP/2 (its last answer said so),
 * when its next request is conditional (a 304 without a body is the usual answer), as
 * many as per_host allows: they are streams of its one connection, and a burst of them
 * costs less than the same streams started one at a time between other origins' (a warm
 * poll of 1000 feeds on 20 HTTP/2 origins, per_host 16: 0.90x and 0.87x the CPU of
 * one-request turns in two sessions of bench/https.py on Debian 13, 1.00x on Debian 12).
 * Not for requests without validators: their bodies come whole, and per_host of them at
 * once on one connection raised the peak of a first poll of those feeds from 29.3-29.5 MB
 * to 30.2-30.5 MB (Debian 13, four runs each). Over HTTP/1.1 each request at once is a
 * connection of its own: the turn is one request, so that every origin gets its first
 * connection before any gets a second. */
static int turn_length(const struct fetcher *f, const struct host *h)
{
    const struct req *next = h->head;
    return h->multiplexed && (next->h_inm || next->h_ims) ? f->opts.per_host : 1;
}

/* The turn passes to the next origin in the list. */
static void turn_pass(struct fetcher *f)
{
    f->cursor++;
    f->turn = 0;
}

/* Starts queued requests while the global and per-origin limits allow, taking origins in
 * turn so one busy host does not starve the others. */
void fetch_pump(struct fetcher *f)
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
                f->turn = 0;
                continue;
            }
            double ready = c->next_start > c->paused_until ? c->next_start : c->paused_until;
            if (c->active < f->opts.per_host && ready <= now) {
                h = c;
                if (++f->turn >= turn_length(f, c))
                    turn_pass(f);
                break;
            }
            if (c->active < f->opts.per_host && (!wake || ready < wake))
                wake = ready;
            turn_pass(f);
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
        if (fetch_req_begin(f, r) < 0) {
            fetch_req_fail(r, "cannot start transfer");
            fetch_req_free(r);
            continue;
        }
        h->active++;
        h->next_start = now + f->opts.host_delay;
        if (f->opts.host_delay > 0 && h->head &&
            (!wake || h->next_start < wake))
            wake = h->next_start;
        f->running++;
        fetch_running_add(f, r);
    }
    /* Some origin is held back by its spacing or a Retry-After: come back then. */
    if (wake > now && (!ev_is_active(&f->wake) || ev_timer_remaining(f->loop, &f->wake) >
                                                     wake - now + 0.001)) {
        ev_timer_stop(f->loop, &f->wake);
        ev_timer_set(&f->wake, wake - now, 0.);
        ev_timer_start(f->loop, &f->wake);
    }
}

void fetch_wake_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop, (void)revents;
    fetch_pump(w->data);
}

void fetch_pause_origin(struct fetcher *f, const char *url, double seconds)
{
    struct host *h = fetch_host_get(f, url);
    double until = ev_now(f->loop) + seconds;
    if (until > h->paused_until)
        h->paused_until = until;
    fetch_pump(f);
}

void fetch_running_add(struct fetcher *f, struct req *r)
{
    r->run_next = f->running_list;
    if (f->running_list)
        f->running_list->run_prev = r;
    f->running_list = r;
}

void fetch_running_unlink(struct fetcher *f, struct req *r)
{
    if (r->run_prev)
        r->run_prev->run_next = r->run_next;
    else
        f->running_list = r->run_next;
    if (r->run_next)
        r->run_next->run_prev = r->run_prev;
    r->run_prev = r->run_next = NULL;
}

size_t fetch_in_flight(struct fetcher *f)
{
    return f->queued + (size_t)f->running;
}

void fetch_enqueue(struct fetcher *f, struct req *r)
{
    struct host *h = r->host;
    if (h->tail)
        h->tail->next = r;
    else
        h->head = r;
    h->tail = r;
    f->queued++;
    waiting_add(f, h);
    fetch_pump(f);
}

void fetch_hosts_free(struct fetcher *f)
{
    for (size_t b = 0; b < f->nbuckets; b++) {
        struct host *h = f->buckets[b];
        while (h) {
            struct host *next = h->hash_next;
            for (struct req *r = h->head; r;) {
                struct req *n = r->next;
                fetch_req_free(r);
                r = n;
            }
            if (h->share)
                curl_share_cleanup(h->share);
            free(h->origin);
            free(h);
            h = next;
        }
    }
    free(f->waiting);
    free(f->buckets);
}
