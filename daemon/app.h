/* daemon/app.h: the state of one running feedsd (`run`): configuration, database, event
 * loop, fetcher and the in-memory schedule. Owned by daemon.c and setup.c; ingest.c and
 * pipeline.c work on it from the loop's thread. */
#ifndef FEEDSD_APP_H
#define FEEDSD_APP_H

#include <stdint.h>

#include <ev.h>

#include "daemon/config.h"
#include "daemon/metrics.h"
#include "fetch/fetch.h"
#include "markdown/readability.h"
#include "storage/db.h"

struct summary;
struct article_job;
struct hook;
struct post;
struct post_enclosure;

struct feed_state {
    struct app *app;
    int64_t id;
    char *url;              /* fetched: as subscribed, credentials included */
    char *shown;            /* url_redact(url): logged and resolved against */
    char *ca_file;          /* config_ca_file() of its subscribed URL, or NULL */
    char *subscribed;       /* the URL as subscribed: its [feed] section's key */
    int interval;           /* effective, seconds */
    int backlog;            /* effective: -1 all, N >= 0 */
    double due;             /* ev_now() time of the next poll */
    int in_flight;
    int removed;            /* unsubscribed while in flight: freed when the fetch ends */
    int done;               /* --once: polled */
    int failed;             /* --once: the poll failed */
    int disabled;           /* 410 Gone: not polled */
    int cap_logged;         /* said once that a document of it had too many entries */
    int64_t next_poll;      /* wall clock: the next poll that ingest_response stored */
    /* Its row as read to start the poll in flight (validators, hints, redirect count),
     * by the schedule or just before by daemon_feeds_reschedule: ingest_response reads
     * it instead of the row again. Only the poll of this feed writes these columns, and
     * one poll of it is in flight at a time. Cleared when the poll ends. */
    struct db_feed polled;
};

/* batch.c: the polls whose results are in the open group (storage/db_group.c). */
struct batch_item {
    int64_t feed_id;
    int write;              /* its posts' files are asked for once the group commits */
};
struct batch {
    ev_timer timer;         /* commits the group BATCH_WAIT seconds after it opened */
    double wait;
    struct batch_item *items;
    size_t n, cap;
};

/* decided.c: per post decided in the open group, what its file needs after the commit. */
struct decided_post {
    int64_t id, feed_id;
    uint64_t hash;          /* of the HTML and link the markdown was made from */
    char *md;               /* the built-in summary's markdown, or NULL */
    unsigned char fresh;    /* its name was given then: a new file */
    unsigned char committed;    /* its group committed */
};
struct decided {
    struct decided_post *v;
    size_t n, cap;
    size_t bytes;           /* of markdown held */
};

struct app {
    struct config cfg;
    const char *config_path;    /* for SIGHUP */
    const char *opt_database, *opt_output, *opt_feeds;   /* command-line overrides */
    struct ev_loop *loop;
    struct db *db;
    struct fetcher *fetch;
    struct feed_state **feeds;
    size_t nfeeds;
    size_t ndone;               /* --once: feeds[0..ndone) are done (daemon.c, all_done) */
    ev_timer sched, watchdog, stop_deadline, housekeeping;
    ev_signal sig_term, sig_int, sig_hup;
    int once, stopping;
    int output_ready;           /* the output folder was made (setup.c, daemon_output_prepare) */
    int write_failures;         /* --once: files that could not be written */
    char *user_agent;
    struct summary *summary;    /* the summary queue (summary/summary.h) */
    struct article_job *pages;     /* page fetches in flight (article.c) */
    ev_timer page_timer;
    ev_timer write_soon;        /* the feeds polled since the last pipeline run */
    double write_wait;          /* seconds it waits for more (FEEDSD_WRITE_WAIT) */
    int64_t *write_feeds;
    size_t nwrite_feeds, capwrite_feeds;
    struct metrics metrics;
    struct metrics_server *metrics_server;
    struct hook *hook;          /* the on_write command (hook.c) */
    struct batch batch;         /* the polls stored in the open group (batch.c) */
    struct decided decided;     /* posts decided in a group, until written (decided.c) */
    /* This process as a writer of output folders (claim.c): who it is, the folders it
     * recorded itself under ("dev:ino"). self.boot_id points at self_boot ("" unknown). */
    struct db_writer self;
    char self_boot[64];
    int self_known;
    char **claimed;
    size_t nclaimed;
};

/* setup.c: the configuration, folders and feeds of the daemon, at start and reload. */
#define DAEMON_NO_FEEDS                                                                  \
    "no feeds: add 'feed = URL' lines or 'feeds = FILE' to the configuration, pass --feeds" \
    " FILE, or run 'feedsd add URL'"
/* Reads the configuration and the subscription file into c, applying the command line's
 * overrides (app->opt_*). 0, or -1 with the reason in err. */
int daemon_config_load(struct app *app, struct config *c, char *err, size_t errlen);
/* TZ from the configuration; "local" restores the zone feedsd was started with. */
void daemon_timezone_apply(const struct config *c);
int daemon_db_folder(const char *database, char **dir);
/* The output folder exists or can be made, is a folder, and files can be created in it;
 * with a database open, app's process is recorded as its writer first (claim.h).
 * 0, or -1 with the reason (and a hint for the systemd sandbox) in err. */
int daemon_output_check(struct app *app, const char *dir, char *err, size_t errlen);
/* daemon_output_check once there is a feed to write for; _later logs the error. */
int daemon_output_prepare(struct app *app, char *err, size_t errlen);
void daemon_output_prepare_later(struct app *app);
/* The configuration's feeds into the database, then the schedule from the database's
 * active feeds (daemon_feeds_reschedule alone: after `feedsd add` or `remove`). */
int daemon_feeds_sync(struct app *app, char *err, size_t errlen);
int daemon_feeds_reschedule(struct app *app, char *err, size_t errlen);
void daemon_feed_state_free(struct feed_state *fs);
/* The summary backends that [feed] sections ask for (summary_configure). */
unsigned daemon_feed_backends(const struct config *c);

/* daemon.c: with --once (or while stopping), ends the loop once every poll, transfer and
 * summary is finished. Called after each piece of work ends. */
void daemon_check_done(struct app *app);
/* The feed's entries that wait for their files are written within a quarter of a second,
 * with those of the other feeds polled meanwhile (one batch). */
void daemon_write_soon(struct app *app, int64_t feed_id);
/* The seconds an environment variable sets (0 to 3600), else dflt (a bad value is said). */
double daemon_env_seconds(const char *name, double dflt);

/* batch.c: group commit. batch_open opens the group when none is open (the statements
 * that follow run in its transaction); batch_join puts the feed's poll in it; batch_write_after asks for the
 * feed's files once the group is stored (at once when no group is open); batch_poll_done
 * commits a full group; batch_commit commits now; batch_busy: a group is open. 0 / -1. */
void batch_init(struct app *app);
int batch_open(struct app *app);
int batch_join(struct app *app, int64_t feed_id);
void batch_write_after(struct app *app, int64_t feed_id);
void batch_poll_done(struct app *app);
void batch_commit(struct app *app);
int batch_busy(const struct app *app);
void batch_free(struct app *app);

/* ingest.c: stores one fetched document; old is the feed's row as the poll started.
 * 0, or -1 with the reason in err (recorded on the feed by the caller). */
int ingest_response(struct app *app, struct feed_state *fs, const struct db_feed *old,
                    const struct fetch_result *r, char *err, size_t errlen);

/* pipeline.c: summary then file for every entry that still needs them (feed_id 0: all).
 * Returns the number of entries that failed (they stay pending and are retried). */
int pipeline_run(struct app *app, int64_t feed_id);
/* The same for the entries of several feeds (nfeeds 0: all), in batches across them. */
int pipeline_run_feeds(struct app *app, const int64_t *feeds, size_t nfeeds);
/* The same for one entry (a summary that just arrived). */
int pipeline_run_one(struct app *app, int64_t entry_id);
/* Inside the open group, in the feed's savepoint: the first phase for the entries of the
 * feeds just stored (summaries that are due now, full-article decisions, file names), so
 * that their pages reach the log once, with the group. The files follow the commit. */
void pipeline_decide_stored(struct app *app, const int64_t *feeds, size_t nfeeds);

/* decided.c: decided_keep takes md (NULL: none) for e; decided_take gives it back (*md,
 * NULL when none or e's HTML changed) and returns whether e's name was new, forgetting
 * the record; decided_group_ended keeps a stored group's records and drops a lost one's;
 * decided_forget drops the committed records of feeds (nfeeds 0: all) once their pass is
 * done. */
void decided_keep(struct app *app, const struct db_entry *e, char *md, int fresh);
int decided_take(struct app *app, const struct db_entry *e, char **md);
void decided_group_ended(struct app *app, int stored);
void decided_forget(struct app *app, const int64_t *feeds, size_t nfeeds);
void decided_free(struct app *app);

/* An entry as its file shows it (struct post, output/output.h): strings in p point into e
 * and into *r, which pipeline_post_free releases; r->md is NULL (the caller converts the
 * content when it needs it). */
struct rendered {
    char *title, *url, *md;
    struct post_enclosure *encl;   /* URLs borrowed from e */
    struct page_meta page;         /* what the article's page says about itself */
};
void pipeline_post(const struct app *app, const struct db_entry *e, struct post *p,
                   struct rendered *r);
void pipeline_post_free(struct rendered *r);
/* 16 hex digits of the entry's identity ({id}, the collision suffix, the output feed's ids). */
void pipeline_idhash(const struct db_entry *e, char out[17]);
/* The post's date: published, else updated, else first seen. */
int64_t pipeline_post_date(const struct db_entry *e);

/* views.c: the output feed and the daily digests, made from the database. views_mark
 * (inside the transaction that marks e written) records the day whose digest is now out
 * of date; views_update writes the output feed (when posts were written, or always with
 * force) and every digest so marked. */
int views_mark(struct app *app, const struct db_entry *e);
void views_update(struct app *app, int wrote, int force);
/* At start: marks the days with written posts whose digest file is missing, so a deleted
 * digest, or digests enabled after posts were written, are made from the database. */
void views_recover(struct app *app);

#endif
