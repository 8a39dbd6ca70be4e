/* storage/db_int.h: what the files of the storage module share (db.c: the statements,
 * binding, opening and transactions; db_feeds.c and db_entries.c: the feed and entry
 * functions; db_queue.c: the summary and page queues and the summary cache; db_output.c:
 * the output folders' writers; db_schema.c: schema and migrations). Not for other
 * modules: they use storage/db.h. */
#ifndef FEEDSD_DB_INT_H
#define FEEDSD_DB_INT_H

#include <sqlite3.h>

#include "storage/db.h"

enum stmt_id {
    S_BEGIN, S_BEGIN_READ, S_COMMIT, S_ROLLBACK,
    S_FEED_SUBSCRIBE, S_FEED_ID, S_FEED_CONFIG_ACTIVE, S_FEED_SUBS, S_FEED_DEACTIVATE, S_FEED_LIST, S_FEED_LIST_ACTIVE, S_FEED_LIST_POLL, S_FEED_GET,
    S_FEED_SUCCESS, S_FEED_VALIDATORS, S_POLL_SUCCESS, S_POLL_FAILURE, S_FEED_INIT,
    S_FEED_COUNT,
    S_KEY_FIND, S_KEY_ADD,
    S_ENTRY_INSERT, S_ENTRY_HASH, S_ENTRY_REHASH, S_ENTRY_UPDATE, S_ENTRY_PENDING, S_ENTRY_PENDING_ALL,
    S_ENTRY_ANY_PENDING,
    S_ENTRY_GET, S_ENTRY_SUMMARY, S_ENTRY_PATH_OWNER, S_ENTRY_CLAIM, S_ENTRY_WRITTEN,
    S_SUM_PENDING, S_SUM_FAILED, S_SUM_DUE, S_SUM_NEXT, S_SUM_COUNT, S_SUM_OVERDUE,
    S_CACHE_GET, S_CACHE_PUT, S_FEED_LANG, S_FEED_UNSUB, S_PRUNE,
    S_FEED_HINTS, S_FEED_REDIRECT, S_FEED_DISABLE, S_PAGE_SET, S_PAGE_DUE, S_PAGE_COUNT,
    S_UNWRITTEN, S_RECENT, S_BETWEEN, S_DIGEST_MARK, S_DIGEST_DIRTY, S_DIGEST_CLEAR, S_WRITTEN_DAYS,
    S_CONTENT_PUT, S_CONTENT_DEL, S_SAVEPOINT, S_RELEASE, S_ROLLBACK_TO,
    S_FEED_SAVEPOINT, S_FEED_RELEASE, S_FEED_ROLLBACK_TO,
    S_POST_MATCH, S_POST_KEY_ADD, S_POST_DUP, S_POST_REWRITE, S_POST_FEEDS,
    S_FILTER_DROP, S_FILTER_LIST,
    S_WRITER_ADD, S_WRITER_DEL, S_WRITER_FORGET, S_WRITER_LIST, S_CLEAN_GET, S_CLEAN_SET,
    S_COUNT
};

struct db {
    sqlite3 *h;
    sqlite3_stmt *st[S_COUNT];
    int group;              /* the group's transaction is open (db_group.c) */
    int reading;            /* a read transaction of db_read_begin is open */
    db_group_fn group_fn;   /* told when a group ends */
    void *group_ud;
    char last_err[200];     /* the message of the last statement that failed */
    int first_load;         /* not in WAL mode yet (db_journal.c) */
};

/* How long a statement waits for another connection's lock before SQLITE_BUSY. */
#define DB_BUSY_MS 10000

/* The journal mode and sync level of a new connection (db_journal.c): WAL, or for a
 * database this process creates (new_db) the rollback journal of its first load. 0, or
 * -1 with SQLite's message in err. */
int db_journal_setup(struct db *db, int new_db, char *err, size_t errlen);

/* Applies the migrations the database lacks (db_schema.c). 0, or -1 with a reason. */
int db_migrate(struct db *db, char *err, size_t errlen);
/* A prepared statement, reset and with no bindings (prepared once, persistent). */
sqlite3_stmt *db_stmt(struct db *db, enum stmt_id id);

/* One parameter of a statement: an integer, a text (NULL binds SQL NULL) or a time
 * (FEED_TIME_NONE binds SQL NULL). Written with the three macros. */
struct db_arg {
    enum { DB_ARG_INT, DB_ARG_TEXT, DB_ARG_TIME } kind;
    int64_t i;
    const char *t;
};
#define DB_INT(v) ((struct db_arg){DB_ARG_INT, (int64_t)(v), NULL})
#define DB_TEXT(v) ((struct db_arg){DB_ARG_TEXT, 0, (v)})
#define DB_TIME(v) ((struct db_arg){DB_ARG_TIME, (v), NULL})
/* The arguments of db_bind, db_run and db_count: DB_ARGS(DB_INT(id), DB_TEXT(url)) are
 * the values of ?1, ?2 in order (a statement without parameters takes NULL, 0). */
#define DB_ARGS(...)                                                                       \
    (const struct db_arg[]){__VA_ARGS__},                                                  \
        sizeof((const struct db_arg[]){__VA_ARGS__}) / sizeof(struct db_arg)
/* The statement id, reset, with args bound to ?1..?n; NULL (logged) when it cannot be
 * prepared. The one way parameters are bound. */
sqlite3_stmt *db_bind(struct db *db, enum stmt_id id, const struct db_arg *args, size_t n);
/* db_bind, then runs a statement that returns no rows (or whose rows are not read).
 * 0, or -1 (logged). */
int db_run(struct db *db, enum stmt_id id, const struct db_arg *args, size_t n);
/* db_bind, then the first column of the first row as an integer: a count. -1 when the
 * statement fails or returns no row. */
int64_t db_count(struct db *db, enum stmt_id id, const struct db_arg *args, size_t n);
char *db_col_text(sqlite3_stmt *s, int i);
int64_t db_col_time(sqlite3_stmt *s, int i);
/* Steps a bound statement that returns no rows, and resets it. 0, or -1 (logged). */
int db_step_done(struct db *db, sqlite3_stmt *s);
/* The post's HTML of an entry (entry_content): stored, replaced, or removed when html is
 * NULL or empty. */
int db_content_set(struct db *db, int64_t entry_id, const char *html);
/* Several statements as one, inside a transaction or not (SAVEPOINT). db_atomic_end
 * releases it when ok is 0, else undoes it; returns ok, or -1 when the release fails. */
int db_atomic_begin(struct db *db);
int db_atomic_end(struct db *db, int ok);
/* Collects the first column of every row as ids. */
int db_id_list(struct db *db, sqlite3_stmt *s, int64_t **ids, size_t *n);

#endif
