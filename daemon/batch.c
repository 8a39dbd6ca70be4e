/* daemon/batch.c: group commit of the polls' results (storage/db_group.c). The first poll
 * that ends opens the group's transaction; the polls that end within BATCH_WAIT seconds
 * after it join it, each feed in a savepoint; then one commit stores them all. Only after
 * that commit are their posts' files asked for (daemon_write_soon), so the database stays
 * the source of truth: a process killed while a group is open loses the group's rows,
 * which the next start polls again (their feeds' next poll was not stored either), and
 * no file was written from them.
 *
 * Measured on a cold poll of 300 feeds (bench/writes.py, ext4): see docs/scaling.md. The
 * wait also bounds how long the daemon holds the database's write lock while the loop
 * waits for the network: `feedsd add` and other writers wait for it (busy timeout,
 * storage/db.c) instead of failing. */
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "daemon/app.h"
#include "daemon/schedule.h"

#define BATCH_WAIT 0.25     /* seconds a group stays open after its first poll */
#define BATCH_FEEDS 256     /* feeds at most in one group */

/* A poll of the lost group: said with its feed's URL, and done again after the first
 * back-off step (the database still holds the feed's old validators and times; a --once
 * run fails). */
static void batch_lost(struct app *app, int64_t feed_id)
{
    for (size_t k = 0; k < app->nfeeds; k++) {
        struct feed_state *fs = app->feeds[k];
        if (fs->id != feed_id)
            continue;
        int d = schedule_backoff(fs->interval, app->cfg.max_interval, 1);
        char dur[32];
        duration_format(d, dur, sizeof dur);
        log_warn("%s: database: %s: the poll's results were not stored (retry in %s)",
                 fs->shown, db_last_error(app->db), dur);
        if (!fs->in_flight)
            fs->due = ev_now(app->loop) + d;
        fs->failed = 1;
    }
}

/* The group has ended: its feeds' files are due when it was stored; else its polls are
 * lost and done again. */
static void batch_ended(void *ud, int stored)
{
    struct app *app = ud;
    struct batch *b = &app->batch;
    ev_timer_stop(app->loop, &b->timer);
    decided_group_ended(app, stored);
    if (stored && b->n)
        log_debug("stored the results of %zu %s in one transaction", b->n,
                  plural((long long)b->n, "poll", "polls"));
    for (size_t i = 0; i < b->n; i++) {
        if (!stored)
            batch_lost(app, b->items[i].feed_id);
        else if (b->items[i].write)
            daemon_write_soon(app, b->items[i].feed_id);
    }
    b->n = 0;
    daemon_check_done(app);
}

static void batch_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop, (void)revents;
    struct app *app = w->data;
    batch_commit(app);
}

void batch_init(struct app *app)
{
    struct batch *b = &app->batch;
    /* for tests that stop the daemon while a group is open */
    b->wait = daemon_env_seconds("FEEDSD_BATCH_WAIT", BATCH_WAIT);
    ev_timer_init(&b->timer, batch_timer_cb, b->wait, 0.);
    b->timer.data = app;
    db_group_set_hook(app->db, batch_ended, app);
}

int batch_open(struct app *app)
{
    struct batch *b = &app->batch;
    if (db_group_join(app->db) < 0)
        return -1;
    if (!ev_is_active(&b->timer)) {
        ev_timer_set(&b->timer, b->wait, 0.);
        ev_timer_start(app->loop, &b->timer);
    }
    return 0;
}

/* The group's item of feed_id, added when the feed is not in it yet (the group is opened
 * if none is); NULL when the group cannot be opened. */
static struct batch_item *batch_item(struct app *app, int64_t feed_id)
{
    struct batch *b = &app->batch;
    if (batch_open(app) < 0)
        return NULL;
    /* A poll joins, then asks for its files: the item just added first, not a scan of
     * up to BATCH_FEEDS items (0.7 M of the 417 M instructions of a warm poll of 1000
     * feeds, callgrind, Debian 12). */
    if (b->n && b->items[b->n - 1].feed_id == feed_id)
        return &b->items[b->n - 1];
    for (size_t i = 0; i < b->n; i++)
        if (b->items[i].feed_id == feed_id)
            return &b->items[i];
    if (b->n == b->cap) {
        b->cap = b->cap ? 2 * b->cap : 64;
        b->items = xrealloc(b->items, b->cap * sizeof *b->items);
    }
    b->items[b->n] = (struct batch_item){.feed_id = feed_id};
    return &b->items[b->n++];
}

int batch_join(struct app *app, int64_t feed_id)
{
    return batch_item(app, feed_id) ? 0 : -1;
}

void batch_write_after(struct app *app, int64_t feed_id)
{
    struct batch_item *it = db_group_active(app->db) ? batch_item(app, feed_id) : NULL;
    if (it)
        it->write = 1;
    else
        daemon_write_soon(app, feed_id);    /* nothing is waiting to be committed */
}

/* A full group commits at once; so does a --once run's when no transfer is left that
 * could join it (waiting would only delay the files). */
void batch_poll_done(struct app *app)
{
    if (app->batch.n >= BATCH_FEEDS || (app->once && fetch_in_flight(app->fetch) == 0))
        batch_commit(app);
}

void batch_commit(struct app *app)
{
    db_group_commit(app->db);   /* a failure is said by feed (batch_lost) */
}

int batch_busy(const struct app *app)
{
    return db_group_active(app->db);
}

void batch_free(struct app *app)
{
    if (app->db) {
        /* stored for the next start, which writes their files */
        db_group_set_hook(app->db, NULL, NULL);
        batch_commit(app);
    }
    if (app->loop)
        ev_timer_stop(app->loop, &app->batch.timer);
    free(app->batch.items);
    app->batch.items = NULL;
}
