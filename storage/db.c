/* storage/db.c: the database's statements: every SQL statement feedsd runs, in one table,
 * prepared once (SQLITE_PREPARE_PERSISTENT) and reset after each use; the one way their
 * parameters are bound (db_bind); opening, transactions and checks. The functions that
 * run them are by subject: feeds (db_feeds.c), entries and their identity keys
 * (db_entries.c), the work queues and the summary cache (db_queue.c); the schema and
 * its migrations are db_schema.c. */
#include "storage/db_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "common/log.h"
#include "common/util.h"

/* A feed's columns, its entries counted by `count` (db_feed_get, which the daemon runs
 * for each poll, counts nothing: the count was 14% of a warm poll's instructions), from
 * FEED_FROM: the feeds row and its poll state (feed_polls, migration 13; every feed has
 * that row, found by its primary key). */
#define FEED_COLS_COUNT(count)                                                           \
    "f.id, f.url, f.title, f.feed_title, f.site_link, f.etag, f.last_modified,"          \
    " p.last_fetch, p.last_status, p.last_error, p.fail_count, p.next_poll,"             \
    " f.initialized, f.active, f.interval, f.backlog, f.body_hash, " count ","           \
    " f.language, f.summarizer,"                                                         \
    " f.origin, f.fetch_url, f.redirect_to, f.redirect_count, f.disabled,"             \
    " p.schedule_reason, f.hint_ttl, f.hint_sy, f.skip_hours, f.skip_days, f.adaptive,"         \
    " f.category"
#define FEED_COLS FEED_COLS_COUNT("(SELECT count(*) FROM entries e WHERE e.feed_id = f.id)")
#define FEED_FROM " FROM feeds f JOIN feed_polls p ON p.feed_id = f.id"

static const char *const stmt_sql[S_COUNT] = {
    [S_BEGIN] = "BEGIN IMMEDIATE",
    [S_BEGIN_READ] = "BEGIN",
    [S_COMMIT] = "COMMIT",
    [S_ROLLBACK] = "ROLLBACK",
    [S_FEED_SUBSCRIBE] =
        "INSERT INTO feeds (url, title, interval, backlog, created, summarizer, origin,"
        " category) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
        " ON CONFLICT (url) DO UPDATE SET title = ?2, interval = ?3, backlog = ?4, active = 1,"
        " summarizer = ?6, origin = ?7, category = ?8,"
        " disabled = CASE WHEN ?7 = 'cli' THEN NULL ELSE disabled END"
        /* a row that would not change is not written (no row returned: S_FEED_ID) */
        " WHERE title IS NOT ?2 OR interval IS NOT ?3 OR backlog IS NOT ?4 OR active IS NOT 1"
        " OR summarizer IS NOT ?6 OR origin IS NOT ?7 OR category IS NOT ?8"
        " OR (?7 = 'cli' AND disabled IS NOT NULL) RETURNING id",
    [S_FEED_ID] = "SELECT id FROM feeds WHERE url = ?1",
    [S_FEED_CONFIG_ACTIVE] = "SELECT url FROM feeds WHERE origin = 'config' AND active",
    [S_FEED_SUBS] = "SELECT " FEED_COLS_COUNT("-1") FEED_FROM " ORDER BY f.id",
    [S_FILTER_DROP] = "INSERT INTO filter_drops (feed_id, rule, count) VALUES (?1, ?2, 1)"
                      " ON CONFLICT (feed_id, rule) DO UPDATE SET count = count + 1",
    [S_FILTER_LIST] = "SELECT rule, count FROM filter_drops WHERE feed_id = ?1 ORDER BY rule",
    [S_WRITER_ADD] = "INSERT OR IGNORE INTO output_writers (folder, pid, boot_id, started)"
                     " VALUES (?1, ?2, ?3, ?4)",
    [S_WRITER_DEL] = "DELETE FROM output_writers WHERE pid = ?1 AND boot_id = ?2 AND started = ?3",
    [S_WRITER_FORGET] = "DELETE FROM output_writers WHERE folder = ?1 AND pid = ?2"
                        " AND boot_id = ?3 AND started = ?4",
    [S_WRITER_LIST] = "SELECT pid, boot_id, started FROM output_writers WHERE folder = ?1",
    [S_CLEAN_GET] = "SELECT boot_id FROM output_clean WHERE folder = ?1",
    [S_CLEAN_SET] = "INSERT INTO output_clean (folder, boot_id) VALUES (?1, ?2)"
                    " ON CONFLICT (folder) DO UPDATE SET boot_id = ?2",
    [S_FEED_DEACTIVATE] = "UPDATE feeds SET active = 0 WHERE origin = 'config'",
    [S_FEED_LIST] = "SELECT " FEED_COLS FEED_FROM " ORDER BY f.id",
    [S_FEED_LIST_ACTIVE] = "SELECT " FEED_COLS FEED_FROM " WHERE f.active ORDER BY f.id",
    [S_FEED_LIST_POLL] = "SELECT " FEED_COLS_COUNT("-1") FEED_FROM " WHERE f.active ORDER BY f.id",
    [S_FEED_GET] = "SELECT " FEED_COLS_COUNT("-1") FEED_FROM " WHERE f.id = ?1",
    /* A document stored: what it said of itself, in the feeds row (S_POLL_SUCCESS
     * writes the poll's outcome beside it). */
    [S_FEED_SUCCESS] =
        "UPDATE feeds SET etag = ?2, last_modified = ?3,"
        " feed_title = coalesce(?4, feed_title), site_link = coalesce(?5, site_link),"
        " body_hash = coalesce(?6, body_hash) WHERE id = ?1",
    /* A 304 that brought validators other than the stored ones (RFC 9110 15.4.5). */
    [S_FEED_VALIDATORS] = "UPDATE feeds SET etag = ?2, last_modified = ?3 WHERE id = ?1",
    /* The poll's outcome alone, in the narrow row: all that a 304 with the stored
     * validators writes. */
    [S_POLL_SUCCESS] =
        "UPDATE feed_polls SET last_status = ?2, last_fetch = ?3, next_poll = ?4,"
        " last_error = NULL, fail_count = 0, schedule_reason = ?5 WHERE feed_id = ?1",
    [S_POLL_FAILURE] =
        "UPDATE feed_polls SET last_status = ?2, last_error = ?3, last_fetch = ?4,"
        " next_poll = ?5, fail_count = fail_count + ?6, schedule_reason = ?7"
        " WHERE feed_id = ?1",
    [S_FEED_HINTS] = "UPDATE feeds SET hint_ttl = ?2, hint_sy = ?3, skip_hours = ?4,"
                     " skip_days = ?5, adaptive = ?6 WHERE id = ?1",
    [S_FEED_REDIRECT] = "UPDATE feeds SET redirect_to = ?2, redirect_count = ?3,"
                        " fetch_url = coalesce(?4, fetch_url) WHERE id = ?1",
    [S_FEED_DISABLE] = "UPDATE feeds SET disabled = ?2 WHERE id = ?1",
    [S_PAGE_SET] = "UPDATE entries SET page_state = ?2,"
                   " page_error = ?3, page_next = ?4, page_attempts = page_attempts + ?5,"
                   " page_meta = coalesce(?6, page_meta) WHERE id = ?1",
    [S_PAGE_DUE] = "SELECT id FROM entries WHERE page_state = 1 AND page_next <= ?1"
                   " ORDER BY page_next, id LIMIT ?2",
    [S_PAGE_COUNT] = "SELECT count(*) FROM entries WHERE page_state = 1",
    [S_UNWRITTEN] = "SELECT count(*) FROM entries WHERE stage = 1",
    /* The expression and the WHERE of the index entries_written_date, so that it is used. */
    [S_RECENT] = "SELECT id FROM entries WHERE stage = 2"
                 " ORDER BY coalesce(published, updated, first_seen) DESC, id DESC LIMIT ?1",
    [S_BETWEEN] = "SELECT id FROM entries WHERE stage = 2"
                  " AND coalesce(published, updated, first_seen) >= ?1"
                  " AND coalesce(published, updated, first_seen) < ?2"
                  " ORDER BY coalesce(published, updated, first_seen), id",
    [S_DIGEST_MARK] = "INSERT OR IGNORE INTO digest_days (day) VALUES (?1)",
    [S_DIGEST_DIRTY] = "SELECT day FROM digest_days ORDER BY day",
    [S_DIGEST_CLEAR] = "DELETE FROM digest_days WHERE day = ?1",
    /* 'localtime' is the process's zone, which the daemon sets from the configuration */
    [S_WRITTEN_DAYS] = "SELECT DISTINCT date(coalesce(published, updated, first_seen),"
                       " 'unixepoch', 'localtime') FROM entries WHERE stage = 2",
    [S_FEED_INIT] = "UPDATE feeds SET initialized = 1 WHERE id = ?1",
    [S_FEED_COUNT] = "SELECT count(*) FROM entries WHERE feed_id = ?1",
    [S_KEY_FIND] = "SELECT k.entry_id, e.key FROM entry_keys k LEFT JOIN entries e"
                   " ON e.id = k.entry_id WHERE k.feed_id = ?1 AND k.key = ?2",
    [S_KEY_ADD] = "INSERT OR IGNORE INTO entry_keys (feed_id, key, entry_id) VALUES (?1, ?2, ?3)",
    [S_ENTRY_INSERT] =
        "INSERT INTO entries (feed_id, key, guid, link, title, author, published, updated,"
        " first_seen, content_hash, stage, backlog, categories, enclosures)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    [S_CONTENT_PUT] = "INSERT INTO entry_content (entry_id, content) VALUES (?1, ?2)"
                      " ON CONFLICT (entry_id) DO UPDATE SET content = excluded.content",
    [S_CONTENT_DEL] = "DELETE FROM entry_content WHERE entry_id = ?1",
    /* db_posts.c: an entry of another feed (?5 is this one) that holds one of the keys
     * ?1..?4 (NULL: none) and whose post has or gets a file; a text key only within ?7
     * seconds of date ?6. post_keys' primary key finds each key: no scan, and one
     * statement for all the keys of a post. */
    [S_POST_MATCH] =
        "SELECT c.id, c.feed_id FROM post_keys k JOIN entries e ON e.id = k.entry_id"
        " JOIN entries c ON c.id = coalesce(e.dup_of, e.id)"
        " WHERE k.key IN (?1, ?2, ?3, ?4) AND e.feed_id != ?5 AND c.feed_id != ?5"
        " AND c.stage != 3 AND (substr(k.key, 1, 5) != 'text:'"
        " OR abs(coalesce(e.published, e.updated, e.first_seen) - ?6) <= ?7) LIMIT 1",
    [S_POST_KEY_ADD] = "INSERT OR IGNORE INTO post_keys (key, entry_id) VALUES (?1, ?2)",
    [S_POST_DUP] = "UPDATE entries SET dup_of = ?2 WHERE id = ?1",
    /* the post's file is rewritten (it gains a feed); one still on its way stays so */
    [S_POST_REWRITE] = "UPDATE entries SET stage = 1 WHERE id = ?1 AND stage = 2",
    [S_POST_FEEDS] =
        "SELECT f.url FROM entries e JOIN feeds f ON f.id = e.feed_id WHERE e.id = ?1"
        " UNION ALL SELECT * FROM (SELECT f.url FROM entries e JOIN feeds f"
        " ON f.id = e.feed_id WHERE e.dup_of = ?1 ORDER BY e.id)",
    [S_SAVEPOINT] = "SAVEPOINT entry",
    [S_RELEASE] = "RELEASE entry",
    [S_ROLLBACK_TO] = "ROLLBACK TO entry",
    [S_FEED_SAVEPOINT] = "SAVEPOINT feed",
    [S_FEED_RELEASE] = "RELEASE feed",
    [S_FEED_ROLLBACK_TO] = "ROLLBACK TO feed",
    [S_ENTRY_HASH] = "SELECT content_hash, stage FROM entries WHERE id = ?1",
    [S_ENTRY_REHASH] = "UPDATE entries SET content_hash = ?2 WHERE id = ?1",
    [S_ENTRY_UPDATE] =
        "UPDATE entries SET guid = ?2, link = ?3, title = ?4, author = ?5, published = ?6,"
        " updated = ?7, content_hash = ?8, stage = ?9, categories = ?10, enclosures = ?11,"
        " sum_pending = 0, sum_attempts = 0, sum_next = 0, page_state = 0, page_attempts = 0,"
        " page_next = 0, page_meta = NULL WHERE id = ?1",
    /* INDEXED BY: without it the planner walks the rowid order (to skip the sort) or the
     * (feed_id, key) index and reads every row: each poll read the whole table
     * (quadratic in the number of feeds; the rows held the posts' HTML until migration 6). */
    [S_ENTRY_PENDING] = "SELECT id FROM entries INDEXED BY entries_pending"
                        " WHERE stage < 2 AND feed_id = ?1 ORDER BY id",
    [S_ENTRY_PENDING_ALL] = "SELECT id FROM entries INDEXED BY entries_pending"
                            " WHERE stage < 2 ORDER BY id",
    [S_ENTRY_ANY_PENDING] = "SELECT EXISTS (SELECT 1 FROM entries INDEXED BY entries_pending"
                            " WHERE stage < 2)",
    [S_ENTRY_GET] =
        "SELECT e.id, e.feed_id, e.key, e.guid, e.link, e.title, e.author, e.published,"
        " e.updated, e.first_seen, c.content, e.content_hash, e.stage, e.summary, e.path,"
        " coalesce(f.title, f.feed_title), f.url, e.backlog, e.sum_pending, e.sum_force,"
        " e.sum_attempts, e.sum_next, e.sum_error, e.sum_by, e.sum_fallback, e.model_title,"
        " f.language, f.summarizer, e.page_state, e.page_attempts, e.categories,"
        " e.enclosures, e.page_meta, f.category"
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

const char *db_last_error(const struct db *db)
{
    return db->last_err;
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

sqlite3_stmt *db_bind(struct db *db, enum stmt_id id, const struct db_arg *args, size_t n)
{
    sqlite3_stmt *s = db_stmt(db, id);
    for (size_t i = 0; s && i < n; i++) {
        int k = (int)i + 1;
        const struct db_arg *a = &args[i];
        if (a->kind == DB_ARG_TEXT && a->t)
            sqlite3_bind_text(s, k, a->t, -1, SQLITE_TRANSIENT);
        else if (a->kind == DB_ARG_TEXT || (a->kind == DB_ARG_TIME && a->i == FEED_TIME_NONE))
            sqlite3_bind_null(s, k);
        else
            sqlite3_bind_int64(s, k, a->i);
    }
    return s;
}

int db_run(struct db *db, enum stmt_id id, const struct db_arg *args, size_t n)
{
    sqlite3_stmt *s = db_bind(db, id, args, n);
    return s ? db_step_done(db, s) : -1;
}

int64_t db_count(struct db *db, enum stmt_id id, const struct db_arg *args, size_t n)
{
    sqlite3_stmt *s = db_bind(db, id, args, n);
    if (!s)
        return -1;
    int64_t v = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -1;
    sqlite3_reset(s);
    return v;
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
        snprintf(db->last_err, sizeof db->last_err, "%s", sqlite3_errmsg(db->h));
        log_err("database: %s", db->last_err);
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
        /* A feed's savepoint inside the group's transaction (db_group.c) keeps the pages
         * it changes in a statement journal, which SQLite spills to a temporary file
         * past 64 KiB: 217 MB of writes to deleted files on a cold poll of 300 feeds
         * (bench/writes.py). In memory it holds one feed's changes at most. */
        sqlite3_config(SQLITE_CONFIG_STMTJRNL_SPILL, -1);
    }
}

static int open_db(const char *path, int new_db, struct db **out, char *err, size_t errlen)
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
    sqlite3_busy_timeout(db->h, DB_BUSY_MS);
    char msg[256];
    if (db_journal_setup(db, new_db, msg, sizeof msg) < 0) {
        snprintf(err, errlen, "cannot set up database %s: %s", path, msg);
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

int db_open(const char *path, struct db **out, char *err, size_t errlen)
{
    return open_db(path, 0, out, err, errlen);
}

int db_open_new(const char *path, struct db **out, char *err, size_t errlen)
{
    return open_db(path, 1, out, err, errlen);
}

void db_close(struct db *db)
{
    if (!db)
        return;
    db_group_commit(db);
    db_first_load_end(db);  /* the next open finds a WAL database */
    for (int i = 0; i < S_COUNT; i++)
        sqlite3_finalize(db->st[i]);
    sqlite3_close(db->h);
    free(db);
}

int db_atomic_begin(struct db *db) { return db_run(db, S_SAVEPOINT, NULL, 0); }

int db_atomic_end(struct db *db, int ok)
{
    if (ok < 0) {
        /* ROLLBACK TO leaves the savepoint open: it is released, empty, after. */
        db_run(db, S_ROLLBACK_TO, NULL, 0);
        db_run(db, S_RELEASE, NULL, 0);
        return -1;
    }
    return db_run(db, S_RELEASE, NULL, 0);
}

int db_content_set(struct db *db, int64_t entry_id, const char *html)
{
    if (str_empty(html))
        return db_run(db, S_CONTENT_DEL, DB_ARGS(DB_INT(entry_id)));
    return db_run(db, S_CONTENT_PUT, DB_ARGS(DB_INT(entry_id), DB_TEXT(html)));
}

/* A transaction of its own commits the open group first (db_group.c): whatever it leads
 * to outside the database may rely on the group's rows. */
int db_begin(struct db *db)
{
    db_read_end(db, 1);
    db_group_commit(db);
    return db_run(db, S_BEGIN, NULL, 0);
}

int db_commit(struct db *db) { return db_run(db, S_COMMIT, NULL, 0); }

/* SQLite may have rolled the transaction back itself (SQLITE_FULL, SQLITE_IOERR): then
 * there is nothing left to undo, and saying ROLLBACK would only log a confusing error. */
int db_rollback(struct db *db)
{
    return sqlite3_get_autocommit(db->h) ? 0 : db_run(db, S_ROLLBACK, NULL, 0);
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
