/* storage/db_views.c: the written posts as the projections of the output folder other
 * than the posts' files read them (issue 18): the newest for the output feed, one day's
 * for a daily digest, and the days whose digest is out of date. The files are made from
 * these rows alone, so each can be made again from the database at any time. */
#include <stdlib.h>

#include <sqlite3.h>

#include "common/log.h"
#include "common/util.h"
#include "storage/db_int.h"

int db_entries_recent(struct db *db, int limit, int64_t **ids, size_t *n)
{
    sqlite3_stmt *s = db_bind(db, S_RECENT, DB_ARGS(DB_INT(limit)));
    if (!s)
        return -1;
    return db_id_list(db, s, ids, n);
}

int db_entries_between(struct db *db, int64_t from, int64_t to, int64_t **ids, size_t *n)
{
    sqlite3_stmt *s = db_bind(db, S_BETWEEN, DB_ARGS(DB_INT(from), DB_INT(to)));
    if (!s)
        return -1;
    return db_id_list(db, s, ids, n);
}

int db_digest_mark(struct db *db, const char *day)
{
    return db_run(db, S_DIGEST_MARK, DB_ARGS(DB_TEXT(day)));
}

int db_digest_clear(struct db *db, const char *day)
{
    return db_run(db, S_DIGEST_CLEAR, DB_ARGS(DB_TEXT(day)));
}

/* The first column of every row of statement id, as strings. */
static int text_list(struct db *db, enum stmt_id id, char ***days, size_t *n)
{
    *days = NULL;
    *n = 0;
    sqlite3_stmt *s = db_bind(db, id, NULL, 0);
    if (!s)
        return -1;
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? 2 * cap : 16;
            *days = xrealloc(*days, cap * sizeof **days);
        }
        char *t = db_col_text(s, 0);
        if (t)
            (*days)[(*n)++] = t;
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) {
        log_err("database: days of the digests: %s", sqlite3_errmsg(db->h));
        for (size_t i = 0; i < *n; i++)
            free((*days)[i]);
        free(*days);
        *days = NULL;
        *n = 0;
        return -1;
    }
    return 0;
}

int db_digest_dirty(struct db *db, char ***days, size_t *n)
{
    return text_list(db, S_DIGEST_DIRTY, days, n);
}

int db_written_days(struct db *db, char ***days, size_t *n)
{
    return text_list(db, S_WRITTEN_DAYS, days, n);
}
