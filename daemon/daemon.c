/* daemon/daemon.c: the daemon of `feedsd run` (cli/cmd_run.c). Owns struct app: reads the
 * configuration and syncs the subscriptions into the database (setup.c), then lets one
 * libev loop drive everything: the poll schedule, the fetcher, signals and the systemd
 * notifications. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <libxml/parser.h>

#include "common/log.h"
#include "common/util.h"
#include "daemon/app.h"
#include "daemon/article.h"
#include "daemon/claim.h"
#include "daemon/daemon.h"
#include "daemon/hook.h"
#include "daemon/feed_access.h"
#include "daemon/notify.h"
#include "daemon/reload.h"
#include "daemon/schedule.h"
#include "feeds/url.h"
#include "output/output.h"
#include "summary/summary.h"

#define STOP_GRACE 5.0      /* seconds in-flight transfers get after SIGTERM */

static void schedule(struct app *app);

/* Every minute: subscriptions changed by `feedsd add`/`remove`, work queued by
 * `feedsd resummarize`, and retention. */
static void housekeeping_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop, (void)revents;
    struct app *app = w->data;
    char err[256];
    if (daemon_feeds_reschedule(app, err, sizeof err) < 0)
        log_err("%s", err);
    daemon_output_prepare_later(app);
    if (app->cfg.retention > 0) {
        int64_t n = db_entries_prune(app->db, (int64_t)time(NULL) - app->cfg.retention);
        char age[32];
        duration_format(app->cfg.retention, age, sizeof age);
        if (n > 0)
            log_info("retention: removed %lld %s older than %s (their keys stay)",
                     (long long)n, plural(n, "entry", "entries"), age);
    }
    /* Files that could not be written (disk full, folder read-only) are retried here,
     * not only at their feed's next poll. */
    if (db_entries_unwritten(app->db) > 0)
        pipeline_run(app, 0);
    schedule(app);
    summary_kick(app->summary);
    article_kick(app);
}

/* No transfer is under way and every poll's rows and files are stored: nothing waits
 * in a group or for the write batch. */
static int polls_stored(struct app *app)
{
    return fetch_in_flight(app->fetch) == 0 && !batch_busy(app) &&
           !ev_is_active(&app->write_soon);
}

/* A feed's done flag is only ever set, so the feeds found done stay done and the scan
 * goes on from where it stopped (daemon_feeds_reschedule starts it again with a new
 * list): scanning every feed at each completion was 3.5 M of the 417 M instructions of
 * a warm poll of 1000 feeds (callgrind, bench/warm_instructions.py, Debian 12). */
static int all_done(struct app *app)
{
    while (app->ndone < app->nfeeds && app->feeds[app->ndone]->done)
        app->ndone++;
    if (app->ndone < app->nfeeds)
        return 0;
    return polls_stored(app) && !summary_busy(app->summary) && !article_busy(app) &&
           !hook_busy(app->hook);
}

/* The posts of feeds polled close together are written together (pipeline_run_feeds):
 * one syncfs(2) and one folder fsync per batch of up to 64 posts instead of per feed.
 * A first poll or a catch-up finishes dozens of feeds in a quarter of a second; a reader
 * does not notice the wait. The entries are committed before: the wait risks nothing. */
#define WRITE_COALESCE 0.25

double daemon_env_seconds(const char *name, double dflt)
{
    const char *v = getenv(name);
    if (!v || !*v)
        return dflt;
    char *end;
    double d = strtod(v, &end);
    if (*end == '\0' && d >= 0 && d <= 3600)
        return d;
    log_warn("%s: not a number of seconds: %s (%.2f used)", name, v, dflt);
    return dflt;
}

static int cmp_id(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* v[0..n) without its repeats, in the order of their first appearance; the new count. */
static size_t ids_unique(int64_t *v, size_t n)
{
    if (n < 2)
        return n;
    int64_t *sorted = xmalloc(n * sizeof *sorted);
    memcpy(sorted, v, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, cmp_id);
    char *seen = xcalloc(n, 1);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        const int64_t *hit = bsearch(&v[i], sorted, n, sizeof *sorted, cmp_id);
        if (!hit)
            continue;    /* cannot be: sorted holds every v[i] */
        size_t k = (size_t)(hit - sorted);
        while (k > 0 && sorted[k - 1] == v[i])
            k--;    /* the first of equal keys carries the mark */
        if (!seen[k]) {
            seen[k] = 1;
            v[m++] = v[i];
        }
    }
    free(seen);
    free(sorted);
    return m;
}

static void write_pending(struct app *app)
{
    ev_timer_stop(app->loop, &app->write_soon);
    /* The list is taken: the pipeline's transaction commits an open group, which asks
     * for its feeds' files into a new list (daemon/batch.c). */
    int64_t *feeds = app->write_feeds;
    size_t n = app->nwrite_feeds;
    app->write_feeds = NULL;
    app->nwrite_feeds = app->capwrite_feeds = 0;
    n = ids_unique(feeds, n);
    if (n)
        app->write_failures += pipeline_run_feeds(app, feeds, n);
    free(feeds);
}

static void write_soon_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop, (void)revents;
    struct app *app = w->data;
    write_pending(app);
    summary_kick(app->summary);
    article_kick(app);
    daemon_check_done(app);
}

void daemon_write_soon(struct app *app, int64_t feed_id)
{
    /* Repeats are dropped once, by write_pending (ids_unique): a scan of the list for
     * each feed, which grows with the square of the feeds, was 0.56-0.9 M instructions of
     * a warm poll of 1000 feeds, whose list grows to 1000; dropping them once costs
     * 0.3 M (callgrind, Debian 12). */
    if (!app->nwrite_feeds || app->write_feeds[app->nwrite_feeds - 1] != feed_id) {
        if (app->nwrite_feeds == app->capwrite_feeds) {
            app->capwrite_feeds = app->capwrite_feeds ? 2 * app->capwrite_feeds : 64;
            app->write_feeds = xrealloc(app->write_feeds,
                                        app->capwrite_feeds * sizeof *app->write_feeds);
        }
        app->write_feeds[app->nwrite_feeds++] = feed_id;
    }
    /* A --once run with no transfer left: no other feed can join the batch, so waiting
     * would only delay the files and the end of the run (a warm run of 1000 feeds over
     * HTTPS took 0.29 s of wall time instead of 0.07). */
    double wait = app->once && fetch_in_flight(app->fetch) == 0 ? 0. : app->write_wait;
    if (ev_is_active(&app->write_soon) &&
        (wait > 0 || ev_timer_remaining(app->loop, &app->write_soon) <= 0))
        return;     /* armed already, and no sooner than it would be now */
    ev_timer_stop(app->loop, &app->write_soon);
    ev_timer_set(&app->write_soon, wait, 0.);
    ev_timer_start(app->loop, &app->write_soon);
}

/* The summary queue's side of the daemon (summary/summary.h, struct summary_host): files
 * are a later stage than summaries, so the queue asks for them here. */
static void summary_wrote_entry(void *ctx, int64_t entry_id)
{
    struct app *app = ctx;
    app->write_failures += pipeline_run_one(app, entry_id);
}

static void summary_wrote_feed(void *ctx, int64_t feed_id)
{
    struct app *app = ctx;
    app->write_failures += pipeline_run(app, feed_id);
}

static void summary_request_done(void *ctx)
{
    daemon_check_done(ctx);
}

void daemon_check_done(struct app *app)
{
    /* Stopping does not wait for model summaries: a request cut off now was not
     * completed, so the next start asks again. */
    if ((app->once && all_done(app)) || (app->stopping && fetch_in_flight(app->fetch) == 0))
        ev_break(app->loop, EVBREAK_ALL);
    /* A database made by this start: its first polls and their files are stored, so it
     * leaves the rollback journal of its first load (storage/db_journal.c). A --once run
     * does at its end (db_close). */
    else if (!app->once && db_first_load(app->db) && polls_stored(app))
        db_first_load_end(app->db);
}

/* Feed bodies up to this size stay in memory; larger ones are spooled to a file. Most
 * feeds are far below it (the median is tens of KB), so only the rare large one pays for
 * the file and the extra pass over it. */
#define SPOOL_MEM (1024 * 1024)


static void on_fetched(void *ud, const struct fetch_result *r)
{
    struct feed_state *fs = ud;
    struct app *app = fs->app;
    fs->in_flight = 0;
    if (fs->removed) {
        daemon_feed_state_free(fs);
        return;
    }
    char err[512] = "", reason[96] = "";
    int rc, count_it = 1;
    int64_t now = time(NULL), d = -1;
    app->metrics.fetch_seconds += r->seconds;
    /* What this poll records goes in the open group (daemon/batch.c). A database locked
     * past the busy timeout fails the poll: nothing of it is stored, its ETag neither. */
    if (batch_join(app, fs->id) < 0) {
        snprintf(err, sizeof err, "database: %s", db_last_error(app->db));
        rc = -1;
    } else if (!r->ok) {
        snprintf(err, sizeof err, "%s", r->error ? r->error : "transfer failed");
        rc = -1;
    } else if ((r->status == 429 || r->status == 503) && (r->retry_after >= 0 || r->status == 429)) {
        /* Rate limited: the origin says when (RFC 6585 4, RFC 9110 10.2.3). Only that
         * origin waits, and it is no defect of the feed. */
        d = r->retry_after >= 0 ? r->retry_after : 3600;
        if (d < 1)
            d = 1;
        fetch_pause_origin(app->fetch, fs->url, (double)d);
        char dur[32];
        duration_format(d, dur, sizeof dur);
        snprintf(err, sizeof err, "rate limited (HTTP %ld), retry after %s", r->status, dur);
        snprintf(reason, sizeof reason, "Retry-After %s", dur);
        count_it = 0;
        app->metrics.fetch_rate_limited++;
        rc = -1;
    } else if (r->status == 410) {
        /* RFC 9110 15.5.11: gone for good. Polling stops; `feedsd add URL` resumes it. */
        snprintf(err, sizeof err, "HTTP 410 Gone: the feed was removed by its publisher");
        db_feed_disable(app->db, fs->id, "HTTP 410 Gone");
        log_warn("%s: %s; no longer polled", fs->shown, err);
        db_feed_record_failure(app->db, fs->id, 410, err, now, 0, 1, "disabled (410 Gone)");
        fs->disabled = 1;
        fs->failed = 1;
        fs->done = 1;
        db_feed_clear(&fs->polled);
        batch_poll_done(app);
        daemon_check_done(app);
        if (!app->once && !app->stopping)
            schedule(app);
        return;
    } else {
        rc = ingest_response(app, fs, &fs->polled, r, err, sizeof err);
        if (rc == 0 && r->status == 304)
            app->metrics.fetch_not_modified++;
        else if (rc == 0)
            app->metrics.fetch_ok++;
    }
    if (rc < 0 && count_it)
        app->metrics.fetch_error++;
    double delay;
    if (rc < 0) {
        struct db_feed row;
        int fails = 1;
        if (db_feed_get(app->db, fs->id, &row) == 0) {
            fails = row.fail_count + count_it;
            db_feed_clear(&row);
        }
        char dur[32];
        if (d < 0) {
            d = schedule_backoff(fs->interval, app->cfg.max_interval, fails);
            duration_format(d, dur, sizeof dur);
            snprintf(reason, sizeof reason, "backoff %s after %d %s", dur, fails,
                     plural(fails, "failure", "failures"));
        }
        duration_format(d, dur, sizeof dur);
        db_feed_record_failure(app->db, fs->id, (int)r->status, err, now, now + d, count_it,
                               reason);
        /* --once retries nothing itself: the time is the daemon's, which reads it from the
         * database when it starts. */
        if (count_it && app->once)
            log_warn("%s: %s (failure %d; next poll by the daemon in %s)", fs->shown, err,
                     fails, dur);
        else if (count_it)
            log_warn("%s: %s (failure %d, retry in %s)", fs->shown, err, fails, dur);
        else
            log_warn("%s: %s", fs->shown, err);
        delay = (double)d;
        fs->failed = count_it;
    } else {
        delay = (double)(fs->next_poll - now);    /* as ingest_response stored it */
        batch_write_after(app, fs->id);
    }
    db_feed_clear(&fs->polled);
    fs->due = ev_now(app->loop) + (delay > 1 ? delay : 1);
    fs->done = 1;
    batch_poll_done(app);
    if (app->once || app->stopping) {
        daemon_check_done(app);
        return;
    }
    schedule(app);
}

static void sched_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop, (void)revents;
    schedule(w->data);
}

/* One poll of fs: its [feed] section's private-feed settings (feed_access.c) go with the
 * request. A secret that cannot be read fails this poll like a transfer error, logged
 * with the feed's URL: the other feeds go on, and the feed is retried with back-off. */
static void poll_start(struct app *app, struct feed_state *fs, const struct db_feed *row)
{
    struct fetch_request rq = {.url = fs->url, .etag = row->etag,
                               .last_modified = row->last_modified, .spool = 1,
                               .ca_file = fs->ca_file};
    struct feed_access a;
    char err[512];
    if (feed_access_build(&app->cfg, config_feed(&app->cfg, row->url), &a, &rq, err,
                          sizeof err) < 0) {
        struct fetch_result r = {.url = fs->url, .error = err, .body = "", .body_fd = -1,
                                 .retry_after = -1, .max_age = -1};
        on_fetched(fs, &r);
        return;
    }
    if (fetch_request_start(app->fetch, &rq, on_fetched, fs) < 0) {
        struct fetch_result r = {.url = fs->url, .error = "cannot start the transfer",
                                 .body = "", .body_fd = -1, .retry_after = -1, .max_age = -1};
        on_fetched(fs, &r);
    }
    feed_access_free(&a);
}

/* Starts every due feed and arms the timer for the next one. */
static void schedule(struct app *app)
{
    if (app->stopping)
        return;
    double now = ev_now(app->loop);
    double next = -1;
    /* The rows of the feeds to poll are read in one read transaction (or in the open
     * group): each read on its own took and dropped SQLite's locks, 4 fcntl(2) per feed
     * (strace -c of bench/https.py's warm poll). Not in a new group: its BEGIN IMMEDIATE
     * would wait for another writer's lock before any poll could start. */
    int reading = db_read_begin(app->db);
    for (size_t i = 0; i < app->nfeeds; i++) {
        struct feed_state *fs = app->feeds[i];
        if (fs->in_flight || fs->disabled || (app->once && fs->done))
            continue;
        if (fs->due <= now) {
            /* the row as daemon_feeds_reschedule read it just before, or read now */
            if (!fs->polled.id && db_feed_get(app->db, fs->id, &fs->polled) < 0)
                continue;
            fs->in_flight = 1;
            poll_start(app, fs, &fs->polled);
        } else if (next < 0 || fs->due < next) {
            next = fs->due;
        }
    }
    db_read_end(app->db, reading);
    ev_timer_stop(app->loop, &app->sched);
    if (next >= 0) {
        ev_timer_set(&app->sched, next - now, 0.);
        ev_timer_start(app->loop, &app->sched);
    }
}

static void notify_status(struct app *app)
{
    char msg[128];
    snprintf(msg, sizeof msg, "STATUS=following %zu %s", app->nfeeds,
             plural((long long)app->nfeeds, "feed", "feeds"));
    notify_send(msg);
}

static void stop_deadline_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)revents;
    size_t n = fetch_in_flight(((struct app *)w->data)->fetch);
    log_warn("stopping: %zu %s did not finish in time and %s aborted", n,
             plural((long long)n, "transfer", "transfers"), plural((long long)n, "was", "were"));
    ev_break(loop, EVBREAK_ALL);
}

static void sig_stop_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
    (void)revents;
    struct app *app = w->data;
    if (app->stopping) {
        ev_break(loop, EVBREAK_ALL);    /* a second signal: stop now */
        return;
    }
    app->stopping = 1;
    summary_stop(app->summary);
    notify_send("STOPPING=1");
    size_t n = fetch_in_flight(app->fetch);
    log_info("signal %d: stopping after %zu %s in flight", w->signum, n,
             plural((long long)n, "transfer", "transfers"));
    ev_timer_stop(loop, &app->sched);
    if (fetch_in_flight(app->fetch) == 0) {
        ev_break(loop, EVBREAK_ALL);
        return;
    }
    ev_timer_set(&app->stop_deadline, STOP_GRACE, 0.);
    ev_timer_start(loop, &app->stop_deadline);
}

static void sig_hup_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
    (void)loop, (void)revents;
    struct app *app = w->data;
    struct reload_waiter waiter;
    reload_waiter_take(&waiter);
    char msg[64];
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    snprintf(msg, sizeof msg, "RELOADING=1\nMONOTONIC_USEC=%lld",
             (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
    notify_send(msg);
    struct config c;
    char err[1024];
    int ok = 0;
    if (daemon_config_load(app, &c, err, sizeof err) < 0) {
        log_err("reload: %s; keeping the running configuration", err);
        config_free(&c);
    } else if (strcmp(c.output, app->cfg.output) &&
               daemon_output_check(app, c.output, err, sizeof err) < 0) {
        /* A new output folder is checked as at start; a folder that broke under the
         * running daemon is not (its files are retried, see pipeline.c). */
        log_err("reload: %s; keeping the running configuration", err);
        config_free(&c);
    } else {
        if (strcmp(c.database, app->cfg.database))
            log_warn("reload: a new database path takes effect only after a restart");
        free(c.database);
        c.database = xstrdup(app->cfg.database);
        config_free(&app->cfg);
        app->cfg = c;
        daemon_timezone_apply(&app->cfg);
        if (summary_configure(app->summary, daemon_feed_backends(&app->cfg), err, sizeof err) < 0)
            log_err("summary: %s", err);
        if (daemon_feeds_sync(app, err, sizeof err) < 0) {
            log_err("reload: %s", err);
        } else {
            ok = 1;
            log_info("reloaded %s: %zu %s", app->config_path ? app->config_path : "defaults",
                     app->nfeeds, plural((long long)app->nfeeds, "feed", "feeds"));
        }
        daemon_output_prepare_later(app);
        schedule(app);
        summary_kick(app->summary);
    }
    notify_send("READY=1");
    notify_status(app);
    /* After READY=1 and STATUS=: when `feedsd reload` returns, systemd has both. */
    reload_waiter_answer(&waiter, ok);
}

static void watchdog_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop, (void)w, (void)revents;
    notify_send("WATCHDOG=1");   /* from the loop itself: a wedged loop trips systemd */
}

/* sd_notify(3) EXTEND_TIMEOUT_USEC: a database upgrade may outlast the unit's start
 * timeout (TimeoutStartSec, 90 s by default) on a large database and a slow disk; each
 * long step asks for ten more minutes instead of being killed and redone at every
 * restart. */
static void extend_start_timeout(const char *what)
{
    char msg[256];
    snprintf(msg, sizeof msg, "EXTEND_TIMEOUT_USEC=600000000\nSTATUS=%s", what);
    notify_send(msg);   /* db_migrate logs the step itself */
}

int daemon_run(const struct daemon_opts *opts)
{
    struct app app = {0};
    app.once = opts->once;
    app.config_path = opts->config_path;
    app.opt_database = opts->database;
    app.opt_output = opts->output;
    app.opt_feeds = opts->feeds;
    if (!app.config_path && getenv("FEEDSD_CONFIG"))
        app.config_path = getenv("FEEDSD_CONFIG");
    /* --once is for scripts: only warnings and errors, one line per failed feed. */
    log_init(opts->verbose ? LOG_DEBUG : app.once ? LOG_WARNING : LOG_INFO);
    srandom((unsigned)time(NULL) ^ (unsigned)getpid());

    char err[1024];
    if (daemon_config_load(&app, &app.cfg, err, sizeof err) < 0) {
        log_fatal(LOG_ERR, "%s", err);
        config_free(&app.cfg);
        return 2;
    }
    daemon_timezone_apply(&app.cfg);
    /* A run with nothing to do creates nothing: without a feed in the configuration and
     * without a database (which would hold those of 'feedsd add'), --once stops before
     * making a database or an output folder. The daemon goes on without feeds: it needs
     * its database to see the first 'feedsd add'. */
    if (app.once && app.cfg.nfeeds == 0 && access(app.cfg.database, F_OK) < 0 &&
        errno == ENOENT) {
        log_fatal(LOG_ERR, "%s", DAEMON_NO_FEEDS);
        config_free(&app.cfg);
        return 2;
    }
    /* Large bodies wait in a file beside the database (the state directory under
     * systemd: writable, on disk), parsed from there in pieces (feeds/parse.h). The
     * database and the output folder are checked apart, so that the error names the one
     * at fault. */
    char *db_dir = NULL;
    if (daemon_db_folder(app.cfg.database, &db_dir) < 0) {
        config_free(&app.cfg);
        return 2;
    }
    long spool_mem = SPOOL_MEM;
    const char *sm = getenv("FEEDSD_SPOOL_MEM");
    if (sm && *sm && config_parse_size(sm, &spool_mem) < 0) {
        log_fatal(LOG_ERR, "FEEDSD_SPOOL_MEM: not a size: %s", sm);
        free(db_dir);
        config_free(&app.cfg);
        return 2;
    }
    /* A database that exists is opened before the output folder is checked: the check
     * creates a file there, and this process is recorded as the folder's writer before
     * (claim.c). */
    db_set_long_step_hook(extend_start_timeout);
    int db_exists = access(app.cfg.database, F_OK) == 0;
    if (db_exists && db_open(app.cfg.database, &app.db, err, sizeof err) < 0) {
        log_fatal(LOG_ERR, "%s", err);
        free(db_dir);
        config_free(&app.cfg);
        return 2;
    }
    /* Then the output folder, when this run has feeds to write for as far as can be
     * known before a new database is made (in the configuration, or in the database):
     * a run that cannot write makes no database. Else the folder waits for the first
     * feed (daemon_output_prepare). */
    if (app.cfg.nfeeds > 0 || db_exists) {
        if (daemon_output_check(&app, app.cfg.output, err, sizeof err) < 0) {
            log_fatal(LOG_ERR, "%s", err);
            claim_release(&app);
            db_close(app.db);
            free(db_dir);
            config_free(&app.cfg);
            return 2;
        }
        app.output_ready = 1;
    }
    if (!app.db && db_open_new(app.cfg.database, &app.db, err, sizeof err) < 0) {
        log_fatal(LOG_ERR, "%s", err);
        free(db_dir);
        config_free(&app.cfg);
        return 2;
    }
    /* A database made just now: this process is its output folder's writer from here
     * (with a database that existed, daemon_output_check recorded it). */
    struct stat out_st;
    if (!db_exists && app.output_ready && stat(app.cfg.output, &out_st) == 0 &&
        claim_folder(&app, app.cfg.output, &out_st, err, sizeof err) < 0) {
        log_fatal(LOG_ERR, "%s", err);
        db_close(app.db);
        free(db_dir);
        config_free(&app.cfg);
        return 2;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    xmlInitParser();
    app.loop = ev_default_loop(EVFLAG_AUTO);
    batch_init(&app);
    app.user_agent = app.cfg.user_agent
                         ? xstrdup(app.cfg.user_agent)
                         : xasprintf("feedsd/%s (+https://github.com/feedsd/feedsd)",
                                     FEEDSD_VERSION);
    struct fetch_opts fo = {
        .spool_mem = (size_t)spool_mem,
        .spool_dir = db_dir,
        .concurrency = app.cfg.concurrency,
        .per_host = app.cfg.per_host,
        .timeout = app.cfg.timeout,
        .max_size = app.cfg.max_size,
        .user_agent = app.user_agent,
        .host_delay = app.cfg.host_delay / 1000.0,
        .allow_private = app.cfg.allow_private,
        .proxy = app.cfg.proxy,
    };
    app.fetch = fetch_new(app.loop, &fo);
    free(db_dir);
    int status = 2;
    if (!app.fetch) {
        log_fatal(LOG_CRIT, "cannot create the HTTP client");
        goto out;
    }
    struct summary_host sh = {
        .loop = app.loop, .db = app.db, .fetch = app.fetch, .cfg = &app.cfg.summary,
        .ctx = &app, .write_entry = summary_wrote_entry, .write_feed = summary_wrote_feed,
        .request_done = summary_request_done,
    };
    app.summary = summary_new(&sh);
    app.hook = hook_new(&app);
    if (daemon_feeds_sync(&app, err, sizeof err) < 0 ||
        summary_configure(app.summary, daemon_feed_backends(&app.cfg), err, sizeof err) < 0) {
        log_fatal(LOG_ERR, "%s", err);
        goto out;
    }
    if (app.nfeeds == 0) {
        if (app.once) {
            log_fatal(LOG_ERR, "%s", DAEMON_NO_FEEDS);
            goto out;
        }
        /* a service waits: `feedsd add` is picked up within a minute */
        log_warn("%s; waiting for one", DAEMON_NO_FEEDS);
    }
    if (daemon_output_prepare(&app, err, sizeof err) < 0) {
        log_fatal(LOG_ERR, "%s", err);
        goto out;
    }
    /* Work a killed process left behind: half-written temporary files (when a process
     * may have died with some, claim.c), then summaries and files of stored entries. */
    claim_sweep(&app);
    if (app.cfg.retention > 0)
        db_entries_prune(app.db, (int64_t)time(NULL) - app.cfg.retention);
    int leftover = pipeline_run(&app, 0);
    views_recover(&app);   /* the output feed and the digests, from the database */
    if (leftover)
        log_warn("%d stored %s could not be written yet; retried after each poll", leftover,
                 plural(leftover, "entry", "entries"));

    ev_timer_init(&app.sched, sched_cb, 0., 0.);
    app.sched.data = &app;
    ev_timer_init(&app.stop_deadline, stop_deadline_cb, 0., 0.);
    app.stop_deadline.data = &app;
    /* for tests that stop the daemon between a group's commit and its files */
    app.write_wait = daemon_env_seconds("FEEDSD_WRITE_WAIT", WRITE_COALESCE);
    ev_timer_init(&app.write_soon, write_soon_cb, app.write_wait, 0.);
    app.write_soon.data = &app;
    if (!app.once) {
        ev_timer_init(&app.housekeeping, housekeeping_cb, 60., 60.);
        app.housekeeping.data = &app;
        ev_timer_start(app.loop, &app.housekeeping);
    }
    ev_signal_init(&app.sig_term, sig_stop_cb, SIGTERM);
    ev_signal_init(&app.sig_int, sig_stop_cb, SIGINT);
    ev_signal_init(&app.sig_hup, sig_hup_cb, SIGHUP);
    app.sig_term.data = app.sig_int.data = app.sig_hup.data = &app;
    ev_signal_start(app.loop, &app.sig_term);
    ev_signal_start(app.loop, &app.sig_int);
    ev_signal_start(app.loop, &app.sig_hup);
    if (reload_handler_install() < 0)
        log_warn("cannot install the SIGHUP handler of feedsd reload: %s", strerror(errno));
    double wd = notify_watchdog_interval();
    if (wd > 0) {
        ev_timer_init(&app.watchdog, watchdog_cb, wd, wd);
        ev_timer_start(app.loop, &app.watchdog);
    }
    signal(SIGPIPE, SIG_IGN);

    if (app.cfg.metrics && !app.once &&
        !(app.metrics_server = metrics_start(&app, app.cfg.metrics, err, sizeof err))) {
        log_fatal(LOG_ERR, "%s", err);
        goto out;
    }
    log_info("feedsd %s: %zu %s, database %s, output %s", FEEDSD_VERSION, app.nfeeds,
             plural((long long)app.nfeeds, "feed", "feeds"), app.cfg.database, app.cfg.output);
    notify_send("READY=1");
    notify_status(&app);
    schedule(&app);
    summary_kick(app.summary);
    article_kick(&app);
    if (!(app.once && app.nfeeds == 0))
        ev_run(app.loop, 0);
    batch_commit(&app);    /* a stop while a group was open: its polls are stored */
    write_pending(&app);   /* a stop that came before the coalescing timer */

    status = 0;
    if (app.once) {
        for (size_t i = 0; i < app.nfeeds; i++)
            if (app.feeds[i]->failed || !app.feeds[i]->done)
                status = 1;
        if (app.write_failures || hook_failures(app.hook))
            status = 1;
    }
out:
    batch_free(&app);
    decided_free(&app);
    metrics_stop(app.metrics_server);
    fetch_free(app.fetch);
    summary_free(app.summary);
    hook_free(app.hook);
    article_free(&app);
    for (size_t i = 0; i < app.nfeeds; i++)
        daemon_feed_state_free(app.feeds[i]);
    free(app.feeds);
    free(app.write_feeds);
    free(app.user_agent);
    claim_release(&app);    /* every file of this process is whole by now */
    db_close(app.db);
    config_free(&app.cfg);
    ev_loop_destroy(app.loop);
    curl_global_cleanup();
    xmlCleanupParser();
    return status;
}
