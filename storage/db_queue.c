/* storage/db_queue.c: the database side of the work queues: model summaries
 * (entries.sum_*), the summary cache (summaries) and full-article pages (entries.page_*).
 * The daemon's queues (summary/queue.c, daemon/article.c) keep only what is in flight. */
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "storage/db_int.h"

int db_entry_set_summary(struct db *db, int64_t id, const struct db_summary *sum)
{
    sqlite3_stmt *s = db_stmt(db, S_ENTRY_SUMMARY);
    if (!s)
        return -1;
    sqlite3_bind_int64(s, 1, id);
    db_bind_text(s, 2, sum->summary);
    db_bind_text(s, 3, sum->by);
    db_bind_text(s, 4, sum->title);
    sqlite3_bind_int(s, 5, sum->fallback);
    sqlite3_bind_int(s, 6, sum->still_pending);
    db_bind_text(s, 7, sum->error);
    return db_step_done(db, s);
}

int db_entry_want_summary(struct db *db, int64_t id)
{
    sqlite3_stmt *s = db_stmt(db, S_SUM_PENDING);
    if (!s)
        return -1;
    sqlite3_bind_int64(s, 1, id);
    return db_step_done(db, s);
}

int db_entry_summary_failed(struct db *db, int64_t id, int count_attempt, const char *error,
                            int64_t next)
{
    sqlite3_stmt *s = db_stmt(db, S_SUM_FAILED);
    if (!s)
        return -1;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int(s, 2, count_attempt ? 1 : 0);
    db_bind_text(s, 3, error);
    sqlite3_bind_int64(s, 4, next);
    return db_step_done(db, s);
}

int db_summaries_due(struct db *db, int64_t now, int limit, int64_t **ids, size_t *n)
{
    sqlite3_stmt *s = db_stmt(db, S_SUM_DUE);
    if (!s)
        return -1;
    sqlite3_bind_int64(s, 1, now);
    sqlite3_bind_int(s, 2, limit);
    return db_id_list(db, s, ids, n);
}

int db_summaries_overdue(struct db *db, int64_t cutoff, int64_t **ids, size_t *n)
{
    sqlite3_stmt *s = db_stmt(db, S_SUM_OVERDUE);
    if (!s)
        return -1;
    sqlite3_bind_int64(s, 1, cutoff);
    return db_id_list(db, s, ids, n);
}

int db_summaries_pending(struct db *db, int64_t *count, int64_t *next)
{
    sqlite3_stmt *s = db_stmt(db, S_SUM_COUNT);
    if (!s)
        return -1;
    *count = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    sqlite3_reset(s);
    s = db_stmt(db, S_SUM_NEXT);
    if (!s)
        return -1;
    int rc = sqlite3_step(s);
    *next = rc == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL
                ? sqlite3_column_int64(s, 0) : 0;
    sqlite3_reset(s);
    return 0;
}

int db_cache_get(struct db *db, const char *key, struct db_summary *out)
{
    sqlite3_stmt *s = db_stmt(db, S_CACHE_GET);
    if (!s)
        return -1;
    db_bind_text(s, 1, key);
    memset(out, 0, sizeof *out);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        out->summary = db_col_text(s, 0);
        out->title = db_col_text(s, 1);
        out->by = db_col_text(s, 2);
    }
    sqlite3_reset(s);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int db_cache_put(struct db *db, const char *key, const struct db_summary *sum, int64_t now)
{
    sqlite3_stmt *s = db_stmt(db, S_CACHE_PUT);
    if (!s)
        return -1;
    db_bind_text(s, 1, key);
    db_bind_text(s, 2, sum->summary);
    db_bind_text(s, 3, sum->title);
    db_bind_text(s, 4, sum->by);
    sqlite3_bind_int64(s, 5, now);
    return db_step_done(db, s);
}

void db_summary_clear(struct db_summary *s)
{
    free((char *)s->summary);
    free((char *)s->title);
    free((char *)s->by);
    memset(s, 0, sizeof *s);
}

int db_entry_set_page(struct db *db, int64_t id, int state, const char *html,
                      const char *error, int64_t next_ms, int count_attempt)
{
    sqlite3_stmt *s = db_stmt(db, S_PAGE_SET);
    if (!s)
        return -1;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int(s, 2, state);
    db_bind_text(s, 3, error);
    sqlite3_bind_int64(s, 4, next_ms);
    sqlite3_bind_int(s, 5, count_attempt ? 1 : 0);
    if (!html)   /* the stored HTML stays */
        return db_step_done(db, s);
    if (db_atomic_begin(db) < 0)
        return -1;
    int ok = db_step_done(db, s);
    if (ok == 0)
        ok = db_content_set(db, id, html);
    return db_atomic_end(db, ok);
}

int db_pages_due(struct db *db, int64_t now_ms, int limit, int64_t **ids, size_t *n)
{
    sqlite3_stmt *s = db_stmt(db, S_PAGE_DUE);
    if (!s)
        return -1;
    sqlite3_bind_int64(s, 1, now_ms);
    sqlite3_bind_int(s, 2, limit);
    return db_id_list(db, s, ids, n);
}

int64_t db_entries_unwritten(struct db *db)
{
    sqlite3_stmt *s = db_stmt(db, S_UNWRITTEN);
    if (!s)
        return -1;
    int64_t n = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -1;
    sqlite3_reset(s);
    return n;
}

int64_t db_pages_wanted(struct db *db)
{
    sqlite3_stmt *s = db_stmt(db, S_PAGE_COUNT);
    if (!s)
        return -1;
    int64_t n = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -1;
    sqlite3_reset(s);
    return n;
}
