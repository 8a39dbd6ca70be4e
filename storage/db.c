/* storage/db.c: every SQL statement feedsd runs and the feed/entry functions (the
 * queue functions that use some of them are in db_queue.c; the schema and its
 * migrations in db_schema.c). Statements are
 * prepared once (SQLITE_PREPARE_PERSISTENT) and reset after each use. */
#include "storage/db_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "common/log.h"
#include "common/util.h"
#include "feeds/url.h"



#define FEED_COLS                                                                        \
    "f.id, f.url, f.title, f.feed_title, f.site_link, f.etag, f.last_modified,"          \
    " f.last_fetch, f.last_status, f.last_error, f.fail_count, f.next_poll,"             \
    " f.initialized, f.active, f.interval, f.backlog, f.body_hash,"                     \
    " (SELECT count(*) FROM entries e WHERE e.feed_id = f.id), f.language, f.summarizer,"     \
    " f.origin, f.fetch_url, f.redirect_to, f.redirect_count, f.disabled,"             \
    " f.schedule_reason, f.hint_ttl, f.hint_sy, f.skip_hours, f.skip_days, f.adaptive"

static const char *const stmt_sql[S_COUNT] = {
    [S_BEGIN] = "BEGIN IMMEDIATE",
    [S_COMMIT] = "COMMIT",
    [S_ROLLBACK] = "ROLLBACK",
    [S_FEED_SUBSCRIBE] =
        "INSERT INTO feeds (url, title, interval, backlog, created, summarizer, origin)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
        " ON CONFLICT (url) DO UPDATE SET title = ?2, interval = ?3, backlog = ?4, active = 1,"
        " summarizer = ?6, origin = ?7,"
        " disabled = CASE WHEN ?7 = 'cli' THEN NULL ELSE disabled END RETURNING id",
    [S_FEED_DEACTIVATE] = "UPDATE feeds SET active = 0 WHERE origin = 'config'",
    [S_FEED_LIST] = "SELECT " FEED_COLS " FROM feeds f ORDER BY f.id",
    [S_FEED_LIST_ACTIVE] = "SELECT " FEED_COLS " FROM feeds f WHERE f.active ORDER BY f.id",
    [S_FEED_GET] = "SELECT " FEED_COLS " FROM feeds f WHERE f.id = ?1",
    [S_FEED_SUCCESS] =
        "UPDATE feeds SET last_status = ?2, etag = ?3, last_modified = ?4,"
        " feed_title = coalesce(?5, feed_title), site_link = coalesce(?6, site_link),"
        " body_hash = coalesce(?7, body_hash), last_fetch = ?8, next_poll = ?9,"
        " last_error = NULL, fail_count = 0, schedule_reason = ?10 WHERE id = ?1",
    [S_FEED_FAILURE] =
        "UPDATE feeds SET last_status = ?2, last_error = ?3, last_fetch = ?4, next_poll = ?5,"
        " fail_count = fail_count + ?6, schedule_reason = ?7 WHERE id = ?1",
    [S_FEED_HINTS] = "UPDATE feeds SET hint_ttl = ?2, hint_sy = ?3, skip_hours = ?4,"
                     " skip_days = ?5, adaptive = ?6 WHERE id = ?1",
    [S_FEED_REDIRECT] = "UPDATE feeds SET redirect_to = ?2, redirect_count = ?3,"
                        " fetch_url = coalesce(?4, fetch_url) WHERE id = ?1",
    [S_FEED_DISABLE] = "UPDATE feeds SET disabled = ?2 WHERE id = ?1",
    [S_PAGE_SET] = "UPDATE entries SET page_state = ?2,"
                   " page_error = ?3, page_next = ?4, page_attempts = page_attempts + ?5"
                   " WHERE id = ?1",
    [S_PAGE_DUE] = "SELECT id FROM entries WHERE page_state = 1 AND page_next <= ?1"
                   " ORDER BY page_next, id LIMIT ?2",
    [S_PAGE_COUNT] = "SELECT count(*) FROM entries WHERE page_state = 1",
    [S_UNWRITTEN] = "SELECT count(*) FROM entries WHERE stage = 1",
    [S_FEED_INIT] = "UPDATE feeds SET initialized = 1 WHERE id = ?1",
    [S_FEED_COUNT] = "SELECT count(*) FROM entries WHERE feed_id = ?1",
    [S_KEY_FIND] = "SELECT k.entry_id, e.key FROM entry_keys k LEFT JOIN entries e"
                   " ON e.id = k.entry_id WHERE k.feed_id = ?1 AND k.key = ?2",
    [S_KEY_ADD] = "INSERT OR IGNORE INTO entry_keys (feed_id, key, entry_id) VALUES (?1, ?2, ?3)",
    [S_ENTRY_INSERT] =
        "INSERT INTO entries (feed_id, key, guid, link, title, author, published, updated,"
        " first_seen, content_hash, stage, backlog)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    [S_CONTENT_PUT] = "INSERT INTO entry_content (entry_id, content) VALUES (?1, ?2)"
                      " ON CONFLICT (entry_id) DO UPDATE SET content = excluded.content",
    [S_CONTENT_DEL] = "DELETE FROM entry_content WHERE entry_id = ?1",
    [S_SAVEPOINT] = "SAVEPOINT entry",
    [S_RELEASE] = "RELEASE entry",
    [S_ROLLBACK_TO] = "ROLLBACK TO entry",
    [S_ENTRY_HASH] = "SELECT content_hash, stage FROM entries WHERE id = ?1",
    [S_ENTRY_REHASH] = "UPDATE entries SET content_hash = ?2 WHERE id = ?1",
    [S_ENTRY_UPDATE] =
        "UPDATE entries SET guid = ?2, link = ?3, title = ?4, author = ?5, published = ?6,"
        " updated = ?7, content_hash = ?8, stage = ?9,"
        " sum_pending = 0, sum_attempts = 0, sum_next = 0, page_state = 0, page_attempts = 0,"
        " page_next = 0 WHERE id = ?1",
    /* INDEXED BY: without it the planner walks the rowid order (to skip the sort) or the
     * (feed_id, key) index and reads every row: each poll read the whole table
     * (quadratic in the number of feeds; the rows held the posts' HTML until migration 6). */
    [S_ENTRY_PENDING] = "SELECT id FROM entries INDEXED BY entries_pending"
                        " WHERE stage < 2 AND feed_id = ?1 ORDER BY id",
    [S_ENTRY_PENDING_ALL] = "SELECT id FROM entries INDEXED BY entries_pending"
                            " WHERE stage < 2 ORDER BY id",
    [S_ENTRY_GET] =
        "SELECT e.id, e.feed_id, e.key, e.guid, e.link, e.title, e.author, e.published,"
        " e.updated, e.first_seen, c.content, e.content_hash, e.stage, e.summary, e.path,"
        " coalesce(f.title, f.feed_title), f.url, e.backlog, e.sum_pending, e.sum_force,"
        " e.sum_attempts, e.sum_next, e.sum_error, e.sum_by, e.sum_fallback, e.model_title,"
        " f.language, f.summarizer, e.page_state, e.page_attempts"
        " FROM entries e JOIN feeds f ON f.id = e.feed_id"
        " LEFT JOIN entry_content c ON c.entry_id = e.id WHERE e.id = ?1",
    [S_ENTRY_SUMMARY] =
        "UPDATE entries SET summary = ?2, sum_by = ?3, model_title = ?4, sum_fallback = ?5,"
        " sum_pending = ?6, sum_error = CASE WHEN ?6 THEN sum_error ELSE ?7 END,"
        " sum_force = CASE WHEN ?6 THEN sum_force ELSE 0 END,"
        " stage = 1 WHERE id = ?1",
    [S_SUM_PENDING] = "UPDATE entries SET sum_pending = 1 WHERE id = ?1",
    [S_SUM_FAILED] = "UPDATE entries SET sum_attempts = sum_attempts + ?2, sum_error = ?3,"
                     " sum_next = ?4 WHERE id = ?1",
    [S_SUM_DUE] = "SELECT id FROM entries WHERE sum_pending = 1 AND sum_next <= ?1"
                  " ORDER BY sum_next, id LIMIT ?2",
    [S_SUM_NEXT] = "SELECT min(sum_next) FROM entries WHERE sum_pending = 1",
    [S_SUM_COUNT] = "SELECT count(*) FROM entries WHERE sum_pending = 1",
    /* Runs after every fetched feed: the partial index keeps it to the pending rows. */
    [S_SUM_OVERDUE] = "SELECT id FROM entries INDEXED BY entries_sum_pending"
                      " WHERE sum_pending = 1 AND stage = 0"
                      " AND first_seen <= ?1 ORDER BY id LIMIT 500",
    [S_CACHE_GET] = "SELECT summary, title, by FROM summaries WHERE key = ?1",
    [S_CACHE_PUT] = "INSERT OR REPLACE INTO summaries (key, summary, title, by, created)"
                    " VALUES (?1, ?2, ?3, ?4, ?5)",
    [S_FEED_UNSUB] = "UPDATE feeds SET active = 0 WHERE url = ?1 AND active",
    /* Rows go, keys stay (they are the tombstones): a pruned post never comes back. */
    [S_PRUNE] = "DELETE FROM entries WHERE stage IN (2, 3) AND sum_pending = 0"
                " AND first_seen < ?1",
    [S_FEED_LANG] = "UPDATE feeds SET language = ?2 WHERE id = ?1 AND language IS NOT ?2",
    [S_ENTRY_PATH_OWNER] = "SELECT id FROM entries WHERE path = ?1",
    [S_ENTRY_CLAIM] = "UPDATE entries SET path = ?2 WHERE id = ?1",
    [S_ENTRY_WRITTEN] = "UPDATE entries SET stage = 2 WHERE id = ?1",
};


const char *db_errmsg(struct db *db)
{
    return sqlite3_errmsg(db->h);
}

/* Fetches a prepared statement, reset and with no bindings. */
sqlite3_stmt *db_stmt(struct db *db, enum stmt_id id)
{
    sqlite3_stmt *s = db->st[id];
    if (!s) {
        if (sqlite3_prepare_v3(db->h, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT, &s,
                               NULL) != SQLITE_OK) {
            log_err("database: cannot prepare statement: %s", sqlite3_errmsg(db->h));
            return NULL;
        }
        db->st[id] = s;
    }
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return s;
}

void db_bind_text(sqlite3_stmt *s, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(s, i);
}

void db_bind_time(sqlite3_stmt *s, int i, int64_t t)
{
    if (t == FEED_TIME_NONE)
        sqlite3_bind_null(s, i);
    else
        sqlite3_bind_int64(s, i, t);
}

char *db_col_text(sqlite3_stmt *s, int i)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    return t ? xstrdup((const char *)t) : NULL;
}

int64_t db_col_time(sqlite3_stmt *s, int i)
{
    return sqlite3_column_type(s, i) == SQLITE_NULL ? FEED_TIME_NONE
                                                    : sqlite3_column_int64(s, i);
}

/* Runs a statement that returns no rows. */
int db_step_done(struct db *db, sqlite3_stmt *s)
{
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        log_err("database: %s", sqlite3_errmsg(db->h));
        return -1;
    }
    return 0;
}

/* feedsd has one thread, and a connection is used only by it: the mutexes SQLite takes
 * for other threads (one per connection, and one around every allocation to keep memory
 * statistics that nothing reads) cost about 2% of a first poll's instructions for
 * nothing. SQLITE_CONFIG_MEMSTATUS must be set before SQLite initializes (sqlite3_config
 * fails with SQLITE_MISUSE after that, which is harmless: the statistics stay on);
 * SQLITE_OPEN_NOMUTEX is "multi-thread" mode (https://sqlite.org/threadsafe.html). */
static void db_config_once(void)
{
    static int done;
    if (!done) {
        done = 1;
        sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    }
}

int db_open(const char *path, struct db **out, char *err, size_t errlen)
{
    db_config_once();
    struct db *db = xcalloc(1, sizeof *db);
    if (sqlite3_open_v2(path, &db->h,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        snprintf(err, errlen, "cannot open database %s: %s", path,
                 db->h ? sqlite3_errmsg(db->h) : "out of memory");
        sqlite3_close(db->h);
        free(db);
        return -1;
    }
    /* Another process (a second feedsd, `feedsd status`, a backup) may hold a lock
     * briefly: wait for it instead of failing. */
    sqlite3_busy_timeout(db->h, 10000);
    char *msg = NULL;
    if (sqlite3_exec(db->h,
                     "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
                     " PRAGMA foreign_keys = ON;",
                     NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(err, errlen, "cannot set up database %s: %s", path, msg ? msg : "?");
        sqlite3_free(msg);
        sqlite3_close(db->h);
        free(db);
        return -1;
    }
    if (db_migrate(db, err, errlen) < 0) {
        sqlite3_close(db->h);
        free(db);
        return -1;
    }
    *out = db;
    return 0;
}

void db_close(struct db *db)
{
    if (!db)
        return;
    for (int i = 0; i < S_COUNT; i++)
        sqlite3_finalize(db->st[i]);
    sqlite3_close(db->h);
    free(db);
}

static int run_simple(struct db *db, enum stmt_id id)
{
    sqlite3_stmt *s = db_stmt(db, id);
    return s ? db_step_done(db, s) : -1;
}

int db_atomic_begin(struct db *db) { return run_simple(db, S_SAVEPOINT); }

int db_atomic_end(struct db *db, int ok)
{
    if (ok < 0) {
        /* ROLLBACK TO leaves the savepoint open: it is released, empty, after. */
        run_simple(db, S_ROLLBACK_TO);
        run_simple(db, S_RELEASE);
        return -1;
    }
    return run_simple(db, S_RELEASE);
}

int db_content_set(struct db *db, int64_t entry_id, const char *html)
{
    sqlite3_stmt *s = db_stmt(db, str_empty(html) ? S_CONTENT_DEL : S_CONTENT_PUT);
    if (!s)
        return -1;
    sqlite3_bind_int64(s, 1, entry_id);
    if (!str_empty(html))
        db_bind_text(s, 2, html);
    return db_step_done(db, s);
}

int db_begin(struct db *db) { return run_simple(db, S_BEGIN); }
int db_commit(struct db *db) { return run_simple(db, S_COMMIT); }
/* SQLite may have rolled the transaction back itself (SQLITE_FULL, SQLITE_IOERR): then
 * there is nothing left to undo, and saying ROLLBACK would only log a confusing error. */
int db_rollback(struct db *db)
{
    return sqlite3_get_autocommit(db->h) ? 0 : run_simple(db, S_ROLLBACK);
}

int db_feed_subscribe(struct db *db, const char *url, const char *title, int interval,
                      int backlog, const char *summarizer, const char *origin, int64_t now,
                      int64_t *id)
{
    sqlite3_stmt *s = db_stmt(db, S_FEED_SUBSCRIBE);
    if (!s)
        return -1;
    db_bind_text(s, 1, url);
    db_bind_text(s, 2, title);
    sqlite3_bind_int(s, 3, interval);
    sqlite3_bind_int(s, 4, backlog);
    sqlite3_bind_int64(s, 5, now);
    db_bind_text(s, 6, summarizer);
    db_bind_text(s, 7, origin ? origin : "config");
    if (sqlite3_step(s) != SQLITE_ROW) {
        char *shown = url_redact(url);   /* credentials are for the feed's requests only */
        log_err("database: subscribe %s: %s", shown, sqlite3_errmsg(db->h));
        free(shown);
        sqlite3_reset(s);
        return -1;
    }
    if (id)
        *id = sqlite3_column_int64(s, 0);
    sqlite3_reset(s);
    return 0;
}

int db_feeds_deactivate_config(struct db *db)
{
    return run_simple(db, S_FEED_DEACTIVATE);
}

int db_feed_unsubscribe(struct db *db, const char *url)
{
    sqlite3_stmt *s = db_stmt(db, S_FEED_UNSUB);
    if (!s)
        return -1;
    db_bind_text(s, 1, url);
    if (db_step_done(db, s) < 0)
        return -1;
    return sqlite3_changes(db->h) > 0;
}

int64_t db_entries_prune(struct db *db, int64_t before)
{
    sqlite3_stmt *s = db_stmt(db, S_PRUNE);
    if (!s)
        return -1;
    sqlite3_bind_int64(s, 1, before);
    if (db_step_done(db, s) < 0)
        return -1;
    return sqlite3_changes64(db->h);
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
}

int db_feed_list(struct db *db, int active_only, struct db_feed **out, size_t *n)
{
    sqlite3_stmt *s = db_stmt(db, active_only ? S_FEED_LIST_ACTIVE : S_FEED_LIST);
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
    sqlite3_stmt *s = db_stmt(db, S_FEED_GET);
    if (!s)
        return -1;
    sqlite3_bind_int64(s, 1, id);
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
    memset(f, 0, sizeof *f);
}

void db_feed_list_free(struct db_feed *f, size_t n)
{
    for (size_t i = 0; i < n; i++)
        db_feed_clear(&f[i]);
    free(f);
}

int db_feed_record_success(struct db *db, int64_t id, int status, const char *etag,
                           const char *last_modified, const char *feed_title,
                           const char *site_link, const char *body_hash, int64_t now,
                           int64_t next_poll, const char *reason)
{
    sqlite3_stmt *s = db_stmt(db, S_FEED_SUCCESS);
    if (!s)
        return -1;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int(s, 2, status);
    db_bind_text(s, 3, etag);
    db_bind_text(s, 4, last_modified);
    db_bind_text(s, 5, feed_title);
    db_bind_text(s, 6, site_link);
    db_bind_text(s, 7, body_hash);
    sqlite3_bind_int64(s, 8, now);
    sqlite3_bind_int64(s, 9, next_poll);
    db_bind_text(s, 10, reason);
    return db_step_done(db, s);
}

int db_feed_record_failure(struct db *db, int64_t id, int status, const char *error,
                           int64_t now, int64_t next_poll, int count_it, const char *reason)
{
    sqlite3_stmt *s = db_stmt(db, S_FEED_FAILURE);
    if (!s)
        return -1;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int(s, 2, status);
    db_bind_text(s, 3, error);
    sqlite3_bind_int64(s, 4, now);
    sqlite3_bind_int64(s, 5, next_poll);
    sqlite3_bind_int(s, 6, count_it ? 1 : 0);
    db_bind_text(s, 7, reason);
    return db_step_done(db, s);
}

int db_feed_set_hints(struct db *db, int64_t id, int ttl, int sy, uint32_t skip_hours,
                      int skip_days, int adaptive)
{
    sqlite3_stmt *s = db_stmt(db, S_FEED_HINTS);
    if (!s)
        return -1;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int(s, 2, ttl);
    sqlite3_bind_int(s, 3, sy);
    sqlite3_bind_int64(s, 4, skip_hours);
    sqlite3_bind_int(s, 5, skip_days);
    sqlite3_bind_int(s, 6, adaptive);
    return db_step_done(db, s);
}

int db_feed_set_redirect(struct db *db, int64_t id, const char *redirect_to, int count,
                         const char *adopt)
{
    sqlite3_stmt *s = db_stmt(db, S_FEED_REDIRECT);
    if (!s)
        return -1;
    sqlite3_bind_int64(s, 1, id);
    db_bind_text(s, 2, redirect_to);
    sqlite3_bind_int(s, 3, count);
    db_bind_text(s, 4, adopt);
    return db_step_done(db, s);
}

int db_feed_disable(struct db *db, int64_t id, const char *reason)
{
    sqlite3_stmt *s = db_stmt(db, S_FEED_DISABLE);
    if (!s)
        return -1;
    sqlite3_bind_int64(s, 1, id);
    db_bind_text(s, 2, reason);
    return db_step_done(db, s);
}

int db_feed_set_initialized(struct db *db, int64_t id)
{
    sqlite3_stmt *s = db_stmt(db, S_FEED_INIT);
    if (!s)
        return -1;
    sqlite3_bind_int64(s, 1, id);
    return db_step_done(db, s);
}

int64_t db_feed_entry_count(struct db *db, int64_t feed_id)
{
    sqlite3_stmt *s = db_stmt(db, S_FEED_COUNT);
    if (!s)
        return -1;
    sqlite3_bind_int64(s, 1, feed_id);
    int64_t n = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -1;
    sqlite3_reset(s);
    return n;
}

int db_key_find(struct db *db, int64_t feed_id, const char *key, int64_t *entry_id,
                char **exact_key)
{
    sqlite3_stmt *s = db_stmt(db, S_KEY_FIND);
    if (!s)
        return -1;
    sqlite3_bind_int64(s, 1, feed_id);
    db_bind_text(s, 2, key);
    int rc = sqlite3_step(s);
    int found = 0;
    if (rc == SQLITE_ROW) {
        found = 1;
        /* A key whose entry row is gone is a tombstone of a pruned entry. */
        int alive = sqlite3_column_type(s, 1) != SQLITE_NULL;
        *entry_id = alive ? sqlite3_column_int64(s, 0) : 0;
        if (exact_key)
            *exact_key = alive ? db_col_text(s, 1) : NULL;
    } else if (rc != SQLITE_DONE) {
        log_err("database: key lookup: %s", sqlite3_errmsg(db->h));
        found = -1;
    }
    sqlite3_reset(s);
    return found;
}

int db_key_add(struct db *db, int64_t feed_id, const char *key, int64_t entry_id)
{
    sqlite3_stmt *s = db_stmt(db, S_KEY_ADD);
    if (!s)
        return -1;
    sqlite3_bind_int64(s, 1, feed_id);
    db_bind_text(s, 2, key);
    sqlite3_bind_int64(s, 3, entry_id);
    return db_step_done(db, s);
}

/* The HTML an entry's file is made from: full content when the feed has it, else the
 * summary. */
static const char *entry_body(const struct entry *e)
{
    return !str_empty(e->content) ? e->content : e->summary;
}

int db_entry_insert(struct db *db, int64_t feed_id, const struct entry *e,
                    const struct identity *id, int stage, int backlog, int64_t now,
                    int64_t *entry_id)
{
    sqlite3_stmt *s = db_stmt(db, S_ENTRY_INSERT);
    if (!s)
        return -1;
    sqlite3_bind_int64(s, 1, feed_id);
    db_bind_text(s, 2, id->key);
    db_bind_text(s, 3, e->id);
    db_bind_text(s, 4, e->link);
    db_bind_text(s, 5, e->title);
    db_bind_text(s, 6, e->author);
    db_bind_time(s, 7, e->published);
    db_bind_time(s, 8, e->updated);
    sqlite3_bind_int64(s, 9, now);
    db_bind_text(s, 10, id->content_hash);
    sqlite3_bind_int(s, 11, stage);
    sqlite3_bind_int(s, 12, backlog);
    if (db_atomic_begin(db) < 0)
        return -1;
    int ok = db_step_done(db, s);
    int64_t rowid = sqlite3_last_insert_rowid(db->h);
    if (ok == 0)
        ok = db_content_set(db, rowid, entry_body(e));
    if (db_atomic_end(db, ok) < 0)
        return -1;
    *entry_id = rowid;
    return 0;
}

int db_entry_update(struct db *db, int64_t entry_id, const struct entry *e,
                    const struct identity *id)
{
    sqlite3_stmt *s = db_stmt(db, S_ENTRY_HASH);
    if (!s)
        return -1;
    sqlite3_bind_int64(s, 1, entry_id);
    if (sqlite3_step(s) != SQLITE_ROW) {
        sqlite3_reset(s);
        return -1;
    }
    const char *old = (const char *)sqlite3_column_text(s, 0);
    int same = old && strcmp(old, id->content_hash) == 0;
    int v1 = 0;
    if (old && !same) {
        /* Rows stored before the version-2 content hash hold version 1: the same content
         * when it matches, and then only the stored hash is brought up to date (no new
         * summary, no rewritten file). */
        char h1[17];
        identity_content_hash_v1(e, h1);
        v1 = strcmp(old, h1) == 0;
    }
    int stage = sqlite3_column_int(s, 1);
    sqlite3_reset(s);
    if (same)
        return 0;
    if (v1) {
        s = db_stmt(db, S_ENTRY_REHASH);
        if (!s)
            return -1;
        sqlite3_bind_int64(s, 1, entry_id);
        db_bind_text(s, 2, id->content_hash);
        return db_step_done(db, s) < 0 ? -1 : 0;
    }
    /* A backlog entry recorded as seen stays without a file; any other goes back to NEW so
     * that its summary and its file are made again (the path is kept). */
    int new_stage = stage == STAGE_SEEN ? STAGE_SEEN : STAGE_NEW;
    s = db_stmt(db, S_ENTRY_UPDATE);
    if (!s)
        return -1;
    sqlite3_bind_int64(s, 1, entry_id);
    db_bind_text(s, 2, e->id);
    db_bind_text(s, 3, e->link);
    db_bind_text(s, 4, e->title);
    db_bind_text(s, 5, e->author);
    db_bind_time(s, 6, e->published);
    db_bind_time(s, 7, e->updated);
    db_bind_text(s, 8, id->content_hash);
    sqlite3_bind_int(s, 9, new_stage);
    if (db_atomic_begin(db) < 0)
        return -1;
    int ok = db_step_done(db, s);
    if (ok == 0)
        ok = db_content_set(db, entry_id, entry_body(e));
    return db_atomic_end(db, ok) < 0 ? -1 : 1;
}

int db_entries_pending(struct db *db, int64_t feed_id, int64_t **ids, size_t *n)
{
    sqlite3_stmt *s = db_stmt(db, feed_id ? S_ENTRY_PENDING : S_ENTRY_PENDING_ALL);
    if (!s)
        return -1;
    if (feed_id)
        sqlite3_bind_int64(s, 1, feed_id);
    return db_id_list(db, s, ids, n);
}

int db_entry_get(struct db *db, int64_t id, struct db_entry *out)
{
    sqlite3_stmt *s = db_stmt(db, S_ENTRY_GET);
    if (!s)
        return -1;
    sqlite3_bind_int64(s, 1, id);
    memset(out, 0, sizeof *out);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        out->id = sqlite3_column_int64(s, 0);
        out->feed_id = sqlite3_column_int64(s, 1);
        out->key = db_col_text(s, 2);
        out->guid = db_col_text(s, 3);
        out->link = db_col_text(s, 4);
        out->title = db_col_text(s, 5);
        out->author = db_col_text(s, 6);
        out->published = db_col_time(s, 7);
        out->updated = db_col_time(s, 8);
        out->first_seen = db_col_time(s, 9);
        out->content = db_col_text(s, 10);
        out->content_hash = db_col_text(s, 11);
        out->stage = sqlite3_column_int(s, 12);
        out->summary = db_col_text(s, 13);
        out->path = db_col_text(s, 14);
        out->feed_title = db_col_text(s, 15);
        out->feed_url = db_col_text(s, 16);
        out->backlog = sqlite3_column_int(s, 17);
        out->sum_pending = sqlite3_column_int(s, 18);
        out->sum_force = sqlite3_column_int(s, 19);
        out->sum_attempts = sqlite3_column_int(s, 20);
        out->sum_next = sqlite3_column_int64(s, 21);
        out->sum_error = db_col_text(s, 22);
        out->sum_by = db_col_text(s, 23);
        out->sum_fallback = sqlite3_column_int(s, 24);
        out->model_title = db_col_text(s, 25);
        out->feed_language = db_col_text(s, 26);
        out->feed_summarizer = db_col_text(s, 27);
        out->page_state = sqlite3_column_int(s, 28);
        out->page_attempts = sqlite3_column_int(s, 29);
    }
    sqlite3_reset(s);
    return rc == SQLITE_ROW ? 0 : -1;
}

void db_entry_clear(struct db_entry *e)
{
    free(e->key);
    free(e->guid);
    free(e->link);
    free(e->title);
    free(e->author);
    free(e->content);
    free(e->content_hash);
    free(e->summary);
    free(e->path);
    free(e->feed_title);
    free(e->feed_url);
    free(e->sum_error);
    free(e->sum_by);
    free(e->model_title);
    free(e->feed_language);
    free(e->feed_summarizer);
    memset(e, 0, sizeof *e);
}

int db_id_list(struct db *db, sqlite3_stmt *s, int64_t **ids, size_t *n)
{
    size_t cap = 16, len = 0;
    int64_t *v = xmalloc(cap * sizeof *v);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (len == cap)
            v = xrealloc(v, (cap *= 2) * sizeof *v);
        v[len++] = sqlite3_column_int64(s, 0);
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) {
        log_err("database: %s", sqlite3_errmsg(db->h));
        free(v);
        return -1;
    }
    *ids = v;
    *n = len;
    return 0;
}

int db_feed_set_language(struct db *db, int64_t id, const char *language)
{
    sqlite3_stmt *s = db_stmt(db, S_FEED_LANG);
    if (!s)
        return -1;
    sqlite3_bind_int64(s, 1, id);
    db_bind_text(s, 2, language);
    return db_step_done(db, s);
}

int db_exec(struct db *db, const char *sql, char *err, size_t errlen)
{
    char *msg = NULL;
    if (sqlite3_exec(db->h, sql, NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(err, errlen, "%s", msg ? msg : sqlite3_errmsg(db->h));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

int db_quick_check(struct db *db, char *first, size_t n, int *problems)
{
    sqlite3_stmt *s = NULL;
    *problems = 0;
    first[0] = '\0';
    /* at most 100 rows: the first names the damage, the number says how much */
    if (sqlite3_prepare_v2(db->h, "PRAGMA quick_check(100)", -1, &s, NULL) != SQLITE_OK) {
        snprintf(first, n, "%s", sqlite3_errmsg(db->h));
        return -1;
    }
    int rc, damaged = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *row = (const char *)sqlite3_column_text(s, 0);
        if (row && !strcmp(row, "ok"))
            continue;
        if (!*problems)
            snprintf(first, n, "%s", row ? row : "?");
        ++*problems;
        damaged = 1;
    }
    int code = sqlite3_errcode(db->h) & 0xff;
    if (rc != SQLITE_DONE && !damaged) {
        /* pages so damaged that SQLite stops reading are damage too; busy is not */
        snprintf(first, n, "%s", sqlite3_errmsg(db->h));
        damaged = code == SQLITE_CORRUPT || code == SQLITE_NOTADB;
        *problems = damaged;
        if (!damaged) {
            sqlite3_finalize(s);
            return -1;
        }
    }
    sqlite3_finalize(s);
    for (char *p = first; *p; p++)     /* one line: SQLite separates parts by newlines */
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    return damaged;
}

int64_t db_changes(struct db *db)
{
    return sqlite3_changes64(db->h);
}

int db_entry_claim_path(struct db *db, int64_t id, const char *path)
{
    sqlite3_stmt *s = db_stmt(db, S_ENTRY_PATH_OWNER);
    if (!s)
        return -1;
    db_bind_text(s, 1, path);
    int rc = sqlite3_step(s);
    int64_t owner = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    sqlite3_reset(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return -1;
    if (owner && owner != id)
        return 1;
    s = db_stmt(db, S_ENTRY_CLAIM);
    if (!s)
        return -1;
    sqlite3_bind_int64(s, 1, id);
    db_bind_text(s, 2, path);
    return db_step_done(db, s);
}

int db_entry_mark_written(struct db *db, int64_t id)
{
    sqlite3_stmt *s = db_stmt(db, S_ENTRY_WRITTEN);
    if (!s)
        return -1;
    sqlite3_bind_int64(s, 1, id);
    return db_step_done(db, s);
}
