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
    return db_run(db, S_ENTRY_SUMMARY, DB_ARGS(DB_INT(id), DB_TEXT(sum->summary),
        DB_TEXT(sum->by), DB_TEXT(sum->title), DB_INT(sum->fallback),
        DB_INT(sum->still_pending), DB_TEXT(sum->error)));
}

int db_entry_want_summary(struct db *db, int64_t id)
{
    return db_run(db, S_SUM_PENDING, DB_ARGS(DB_INT(id)));
}

int db_entry_summary_failed(struct db *db, int64_t id, int count_attempt, const char *error,
                            int64_t next)
{
    return db_run(db, S_SUM_FAILED, DB_ARGS(DB_INT(id), DB_INT(count_attempt ? 1 : 0),
        DB_TEXT(error), DB_INT(next)));
}

int db_summaries_due(struct db *db, int64_t now, int limit, int64_t **ids, size_t *n)
{
    sqlite3_stmt *s = db_bind(db, S_SUM_DUE, DB_ARGS(DB_INT(now), DB_INT(limit)));
    if (!s)
        return -1;
    return db_id_list(db, s, ids, n);
}

int db_summaries_overdue(struct db *db, int64_t cutoff, int64_t **ids, size_t *n)
{
    sqlite3_stmt *s = db_bind(db, S_SUM_OVERDUE, DB_ARGS(DB_INT(cutoff)));
    if (!s)
        return -1;
    return db_id_list(db, s, ids, n);
}

int db_summaries_pending(struct db *db, int64_t *count, int64_t *next)
{
    if (!db_stmt(db, S_SUM_COUNT))
        return -1;
    int64_t c = db_count(db, S_SUM_COUNT, NULL, 0);
    *count = c < 0 ? 0 : c;
    sqlite3_stmt *s = db_stmt(db, S_SUM_NEXT);
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
    sqlite3_stmt *s = db_bind(db, S_CACHE_GET, DB_ARGS(DB_TEXT(key)));
    if (!s)
        return -1;
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
    return db_run(db, S_CACHE_PUT, DB_ARGS(DB_TEXT(key), DB_TEXT(sum->summary),
        DB_TEXT(sum->title), DB_TEXT(sum->by), DB_INT(now)));
}

void db_summary_clear(struct db_summary *s)
{
    free((char *)s->summary);
    free((char *)s->title);
    free((char *)s->by);
    memset(s, 0, sizeof *s);
}

int db_entry_set_page(struct db *db, int64_t id, int state, const char *html,
                      const char *meta, const char *error, int64_t next_ms,
                      int count_attempt)
{
    sqlite3_stmt *s = db_bind(db, S_PAGE_SET, DB_ARGS(DB_INT(id), DB_INT(state),
        DB_TEXT(error), DB_INT(next_ms), DB_INT(count_attempt ? 1 : 0), DB_TEXT(meta)));
    if (!s)
        return -1;
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
    sqlite3_stmt *s = db_bind(db, S_PAGE_DUE, DB_ARGS(DB_INT(now_ms), DB_INT(limit)));
    if (!s)
        return -1;
    return db_id_list(db, s, ids, n);
}

int64_t db_entries_unwritten(struct db *db)
{
    return db_count(db, S_UNWRITTEN, NULL, 0);
}

int64_t db_pages_wanted(struct db *db)
{
    return db_count(db, S_PAGE_COUNT, NULL, 0);
}
