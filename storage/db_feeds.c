/* storage/db_feeds.c: the feeds table: subscriptions (from the configuration or the
 * command line), each feed's polling state (validators, the feed's own hints, redirects;
 * last status and error, next poll and why in its feed_polls row) and what the daemon
 * learned of it (title, language). */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "common/log.h"
#include "common/util.h"
#include "feeds/url.h"
#include "storage/db_int.h"

int db_feed_subscribe(struct db *db, const struct db_subscription *sub, int64_t now,
                      int64_t *id)
{
    const char *url = sub->url;
    sqlite3_stmt *s = db_bind(db, S_FEED_SUBSCRIBE, DB_ARGS(DB_TEXT(url), DB_TEXT(sub->title),
        DB_INT(sub->interval), DB_INT(sub->backlog), DB_INT(now), DB_TEXT(sub->summarizer),
        DB_TEXT(sub->origin ? sub->origin : "config"), DB_TEXT(sub->category)));
    if (!s)
        return -1;
    int rc = sqlite3_step(s);
    if (rc == SQLITE_DONE) {
        /* an unchanged row: not rewritten, so not returned */
        sqlite3_reset(s);
        s = db_bind(db, S_FEED_ID, DB_ARGS(DB_TEXT(url)));
        rc = s ? sqlite3_step(s) : SQLITE_ERROR;
    }
    if (rc != SQLITE_ROW) {
        char *shown = url_redact(url);   /* credentials are for the feed's requests only */
        log_err("database: subscribe %s: %s", shown, sqlite3_errmsg(db->h));
        free(shown);
        if (s)
            sqlite3_reset(s);
        return -1;
    }
    if (id)
        *id = sqlite3_column_int64(s, 0);
    sqlite3_reset(s);
    return 0;
}

int db_feeds_deactivate_config(struct db *db, int (*keep)(void *ud, const char *url), void *ud)
{
    if (!keep)
        return db_run(db, S_FEED_DEACTIVATE, NULL, 0);
    /* Only the feeds that left the configuration: rewriting every row at each start and
     * reload, to set most of them active again, was 7% of a warm poll of 1000 feeds. */
    sqlite3_stmt *s = db_stmt(db, S_FEED_CONFIG_ACTIVE);
    if (!s)
        return -1;
    char **gone = NULL;
    size_t n = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *url = (const char *)sqlite3_column_text(s, 0);
        if (url && !keep(ud, url)) {
            gone = xrealloc(gone, (n + 1) * sizeof *gone);
            gone[n++] = xstrdup(url);
        }
    }
    sqlite3_reset(s);
    int ok = rc == SQLITE_DONE ? 0 : -1;
    if (ok < 0)
        log_err("database: %s", sqlite3_errmsg(db->h));
    for (size_t i = 0; i < n; i++) {
        if (ok == 0 && db_feed_unsubscribe(db, gone[i]) < 0)
            ok = -1;
        free(gone[i]);
    }
    free(gone);
    return ok;
}

/* Whether two texts, either of them NULL, are the same. */
static int same_text(const char *a, const char *b)
{
    return a == b || (a && b && !strcmp(a, b));
}

/* Whether the row is what db_feed_subscribe would leave (its upsert's WHERE clause, read
 * in C). */
static int row_is_subscribed(const struct db_feed *f, const struct db_subscription *sub)
{
    const char *origin = sub->origin ? sub->origin : "config";
    const char *have[] = {f->title, f->summarizer, f->origin, f->category};
    const char *want[] = {sub->title, sub->summarizer, origin, sub->category};
    for (size_t i = 0; i < sizeof have / sizeof *have; i++)
        if (!same_text(have[i], want[i]))
            return 0;
    return f->interval == sub->interval && f->backlog == sub->backlog && f->active == 1 &&
           !(!strcmp(origin, "cli") && f->disabled);
}

static void feed_from_row(sqlite3_stmt *s, struct db_feed *f);

int db_feeds_sync_config(struct db *db, const struct db_subscription *subs, size_t n,
                         int (*find)(void *ud, const char *url), void *ud, int64_t now,
                         struct db_feed **active, size_t *nactive)
{
    /* One read of every row, compared in C, and an upsert only for a feed that is new or
     * changed: an upsert per configured feed (with the read of its id when it wrote
     * nothing) was 33 M of the 519 M instructions of a warm poll of 1000 feeds. The
     * rows read are whole, and those of the active feeds are handed back when nothing
     * was written: the daemon's schedule read them all a second time (db_feed_list),
     * 3.4 M of the 417 M instructions of a warm poll of 1000 feeds (callgrind,
     * bench/warm_instructions.py, Debian 12). */
    sqlite3_stmt *s = db_stmt(db, S_FEED_SUBS);
    if (!s)
        return -1;
    char *same = xcalloc(n ? n : 1, 1);
    char **gone = NULL;
    size_t ngone = 0, nrows = 0, cap = 0;
    struct db_feed *rows = NULL, row;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        memset(&row, 0, sizeof row);
        feed_from_row(s, &row);
        int k = row.url ? find(ud, row.url) : -1;
        if (!row.url) {
            /* no URL: nothing to compare */
        } else if (k < 0 && row.origin && !strcmp(row.origin, "config") && row.active) {
            gone = xrealloc(gone, (ngone + 1) * sizeof *gone);
            gone[ngone++] = xstrdup(row.url);
        } else if (k >= 0 && (size_t)k < n && !strcmp(row.url, subs[k].url)) {
            same[k] = (char)row_is_subscribed(&row, &subs[k]);
        }
        if (active && row.active) {
            if (nrows == cap)
                rows = xrealloc(rows, (cap = cap ? 2 * cap : 16) * sizeof *rows);
            rows[nrows++] = row;
        } else {
            db_feed_clear(&row);
        }
    }
    sqlite3_reset(s);
    int ok = rc == SQLITE_DONE ? 0 : -1, wrote = ngone > 0;
    if (ok < 0)
        log_err("database: %s", sqlite3_errmsg(db->h));
    for (size_t i = 0; i < ngone; i++) {
        if (ok == 0 && db_feed_unsubscribe(db, gone[i]) < 0)
            ok = -1;
        free(gone[i]);
    }
    free(gone);
    for (size_t i = 0; i < n && ok == 0; i++) {
        if (same[i])
            continue;
        wrote = 1;
        if (db_feed_subscribe(db, &subs[i], now, NULL) < 0)
            ok = -1;
    }
    free(same);
    if (!active)
        return ok;
    if (ok < 0 || wrote) {
        /* the rows as written (a reload that changed them, a first start) */
        db_feed_list_free(rows, nrows);
        rows = NULL;
        nrows = 0;
        if (ok == 0 && db_feed_list(db, DB_FEEDS_ACTIVE_UNCOUNTED, &rows, &nrows) < 0)
            ok = -1;
    }
    *active = rows;
    *nactive = nrows;
    return ok;
}

int db_feed_unsubscribe(struct db *db, const char *url)
{
    sqlite3_stmt *s = db_bind(db, S_FEED_UNSUB, DB_ARGS(DB_TEXT(url)));
    if (!s)
        return -1;
    if (db_step_done(db, s) < 0)
        return -1;
    return sqlite3_changes(db->h) > 0;
}

static void feed_from_row(sqlite3_stmt *s, struct db_feed *f)
{
    f->id = sqlite3_column_int64(s, 0);
    f->url = db_col_text(s, 1);
    f->title = db_col_text(s, 2);
    f->feed_title = db_col_text(s, 3);
    f->site_link = db_col_text(s, 4);
    f->etag = db_col_text(s, 5);
    f->last_modified = db_col_text(s, 6);
    f->last_fetch = sqlite3_column_int64(s, 7);
    f->last_status = sqlite3_column_int(s, 8);
    f->last_error = db_col_text(s, 9);
    f->fail_count = sqlite3_column_int(s, 10);
    f->next_poll = sqlite3_column_int64(s, 11);
    f->initialized = sqlite3_column_int(s, 12);
    f->active = sqlite3_column_int(s, 13);
    f->interval = sqlite3_column_int(s, 14);
    f->backlog = sqlite3_column_int(s, 15);
    f->body_hash = db_col_text(s, 16);
    f->nentries = sqlite3_column_int64(s, 17);
    f->language = db_col_text(s, 18);
    f->summarizer = db_col_text(s, 19);
    f->origin = db_col_text(s, 20);
    f->fetch_url = db_col_text(s, 21);
    f->redirect_to = db_col_text(s, 22);
    f->redirect_count = sqlite3_column_int(s, 23);
    f->disabled = db_col_text(s, 24);
    f->schedule_reason = db_col_text(s, 25);
    f->hint_ttl = sqlite3_column_int(s, 26);
    f->hint_sy = sqlite3_column_int(s, 27);
    f->skip_hours = (uint32_t)sqlite3_column_int64(s, 28);
    f->skip_days = sqlite3_column_int(s, 29);
    f->adaptive = sqlite3_column_int(s, 30);
    f->category = db_col_text(s, 31);
}

int db_feed_list(struct db *db, enum db_feeds which, struct db_feed **out, size_t *n)
{
    static const enum stmt_id stmt[] = {
        [DB_FEEDS_ALL] = S_FEED_LIST,
        [DB_FEEDS_ACTIVE] = S_FEED_LIST_ACTIVE,
        [DB_FEEDS_ACTIVE_UNCOUNTED] = S_FEED_LIST_POLL,
    };
    sqlite3_stmt *s = db_stmt(db, stmt[which]);
    if (!s)
        return -1;
    size_t cap = 16, len = 0;
    struct db_feed *v = xcalloc(cap, sizeof *v);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (len == cap)
            v = xrealloc(v, (cap *= 2) * sizeof *v);
        memset(&v[len], 0, sizeof v[len]);
        feed_from_row(s, &v[len++]);
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) {
        log_err("database: list feeds: %s", sqlite3_errmsg(db->h));
        db_feed_list_free(v, len);
        return -1;
    }
    *out = v;
    *n = len;
    return 0;
}

int db_feed_get(struct db *db, int64_t id, struct db_feed *out)
{
    sqlite3_stmt *s = db_bind(db, S_FEED_GET, DB_ARGS(DB_INT(id)));
    if (!s)
        return -1;
    memset(out, 0, sizeof *out);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        feed_from_row(s, out);
    sqlite3_reset(s);
    return rc == SQLITE_ROW ? 0 : -1;
}

void db_feed_clear(struct db_feed *f)
{
    free(f->url);
    free(f->title);
    free(f->feed_title);
    free(f->site_link);
    free(f->etag);
    free(f->last_modified);
    free(f->last_error);
    free(f->body_hash);
    free(f->language);
    free(f->summarizer);
    free(f->origin);
    free(f->fetch_url);
    free(f->redirect_to);
    free(f->disabled);
    free(f->schedule_reason);
    free(f->category);
    memset(f, 0, sizeof *f);
}

void db_feed_list_free(struct db_feed *f, size_t n)
{
    for (size_t i = 0; i < n; i++)
        db_feed_clear(&f[i]);
    free(f);
}

/* Both rows in one savepoint: a failure of either leaves neither written (inside a
 * feed's savepoint of the group, or alone). */
static int poll_with_feed(struct db *db, enum stmt_id feed_stmt, const struct db_arg *feed,
                          size_t nfeed, const struct db_arg *poll, size_t npoll)
{
    if (db_atomic_begin(db) < 0)
        return -1;
    int ok = db_run(db, feed_stmt, feed, nfeed) < 0 || db_run(db, S_POLL_SUCCESS, poll, npoll) < 0
                 ? -1 : 0;
    return db_atomic_end(db, ok);
}

int db_feed_record_success(struct db *db, int64_t id, int status, const char *etag,
                           const char *last_modified, const char *feed_title,
                           const char *site_link, const char *body_hash, int64_t now,
                           int64_t next_poll, const char *reason)
{
    return poll_with_feed(db, S_FEED_SUCCESS, DB_ARGS(DB_INT(id), DB_TEXT(etag),
        DB_TEXT(last_modified), DB_TEXT(feed_title), DB_TEXT(site_link), DB_TEXT(body_hash)),
        DB_ARGS(DB_INT(id), DB_INT(status), DB_INT(now), DB_INT(next_poll), DB_TEXT(reason)));
}

int db_feed_record_same(struct db *db, int64_t id, int status, const char *etag,
                        const char *last_modified, const char *stored_etag,
                        const char *stored_last_modified, int64_t now, int64_t next_poll,
                        const char *reason)
{
    /* The usual 304 keeps the validators: only the narrow poll row is written, not the
     * feeds row (migration 13). */
    if (same_text(etag, stored_etag) && same_text(last_modified, stored_last_modified))
        return db_run(db, S_POLL_SUCCESS, DB_ARGS(DB_INT(id), DB_INT(status), DB_INT(now),
            DB_INT(next_poll), DB_TEXT(reason)));
    return poll_with_feed(db, S_FEED_VALIDATORS, DB_ARGS(DB_INT(id), DB_TEXT(etag),
        DB_TEXT(last_modified)),
        DB_ARGS(DB_INT(id), DB_INT(status), DB_INT(now), DB_INT(next_poll), DB_TEXT(reason)));
}

int db_feed_record_failure(struct db *db, int64_t id, int status, const char *error,
                           int64_t now, int64_t next_poll, int count_it, const char *reason)
{
    return db_run(db, S_POLL_FAILURE, DB_ARGS(DB_INT(id), DB_INT(status), DB_TEXT(error),
        DB_INT(now), DB_INT(next_poll), DB_INT(count_it ? 1 : 0), DB_TEXT(reason)));
}

int db_feed_set_hints(struct db *db, int64_t id, int ttl, int sy, uint32_t skip_hours,
                      int skip_days, int adaptive)
{
    return db_run(db, S_FEED_HINTS, DB_ARGS(DB_INT(id), DB_INT(ttl), DB_INT(sy),
        DB_INT(skip_hours), DB_INT(skip_days), DB_INT(adaptive)));
}

int db_feed_set_redirect(struct db *db, int64_t id, const char *redirect_to, int count,
                         const char *adopt)
{
    return db_run(db, S_FEED_REDIRECT, DB_ARGS(DB_INT(id), DB_TEXT(redirect_to), DB_INT(count),
        DB_TEXT(adopt)));
}

int db_feed_disable(struct db *db, int64_t id, const char *reason)
{
    return db_run(db, S_FEED_DISABLE, DB_ARGS(DB_INT(id), DB_TEXT(reason)));
}

int db_feed_set_initialized(struct db *db, int64_t id)
{
    return db_run(db, S_FEED_INIT, DB_ARGS(DB_INT(id)));
}

int64_t db_feed_entry_count(struct db *db, int64_t feed_id)
{
    return db_count(db, S_FEED_COUNT, DB_ARGS(DB_INT(feed_id)));
}

int db_feed_set_language(struct db *db, int64_t id, const char *language)
{
    return db_run(db, S_FEED_LANG, DB_ARGS(DB_INT(id), DB_TEXT(language)));
}

int db_filter_drop_count(struct db *db, int64_t feed_id, const char *rule)
{
    return db_run(db, S_FILTER_DROP, DB_ARGS(DB_INT(feed_id), DB_TEXT(rule)));
}

int db_filter_drops(struct db *db, int64_t feed_id, struct db_filter_drop **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *s = db_bind(db, S_FILTER_LIST, DB_ARGS(DB_INT(feed_id)));
    if (!s)
        return -1;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        *out = xrealloc(*out, (*n + 1) * sizeof **out);
        (*out)[*n].rule = db_col_text(s, 0);
        (*out)[(*n)++].count = sqlite3_column_int64(s, 1);
    }
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? 0 : -1;
}

void db_filter_drops_free(struct db_filter_drop *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i].rule);
    free(v);
}
