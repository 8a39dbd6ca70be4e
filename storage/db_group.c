/* storage/db_group.c: group commit. The daemon stores the results of the polls that end
 * close together in one transaction (the group), each feed's in a savepoint of its own: a
 * feed whose storing fails is rolled back alone, and the others of the group commit.
 *
 * Why: in WAL mode every commit appends each page it changed to the log, and the pages
 * every feed changes (the feeds row's page, the indexes' upper pages, the queue) were
 * appended again at each feed's commit. On a cold poll of 300 feeds (bench/writes.py),
 * with one transaction per feed, 59.7 MB went to the log for a 17.1 MB database; with
 * groups, 28.8 MB.
 *
 * Any other transaction (db_begin) commits the open group first, so a step that makes
 * something outside the database from stored rows (a post's file, pipeline.c) never sees
 * rows that a crash could still take back. The owner of the group (daemon/batch.c) is
 * told of each end of a group by its hook, so that it starts that work only then. */
#include "storage/db_int.h"

#include "common/log.h"

void db_group_set_hook(struct db *db, db_group_fn fn, void *ud)
{
    db->group_fn = fn;
    db->group_ud = ud;
}

int db_group_active(const struct db *db)
{
    return db->group;
}

/* The group's end: the hook learns whether what it holds is stored (1) or gone (0). */
static void group_ended(struct db *db, int stored)
{
    db->group = 0;
    if (db->group_fn)
        db->group_fn(db->group_ud, stored);
}

/* Whether SQLite ended the transaction itself (SQLITE_FULL, an I/O error...): then the
 * group is lost, and its hook is told. */
static int group_gone(struct db *db)
{
    if (!sqlite3_get_autocommit(db->h))
        return 0;
    if (db->group)
        group_ended(db, 0);
    return 1;
}

/* Reads take and drop SQLite's locks each (4 fcntl(2) per feed when the schedule read
 * each feed's row apart); in one read transaction they take them once. A deferred BEGIN
 * takes no write lock, so a writer elsewhere does not hold it up. */
int db_read_begin(struct db *db)
{
    if (db->group || db->reading || !sqlite3_get_autocommit(db->h))
        return 0;       /* already inside a transaction */
    if (db_run(db, S_BEGIN_READ, NULL, 0) < 0)
        return 0;
    db->reading = 1;
    return 1;
}

void db_read_end(struct db *db, int began)
{
    if (began && db->reading) {
        db->reading = 0;
        db_run(db, S_COMMIT, NULL, 0);
    }
}

int db_group_join(struct db *db)
{
    db_read_end(db, 1);     /* a read transaction ends before the group's begins */
    if (db->group && !group_gone(db))
        return 0;
    /* BEGIN IMMEDIATE: the write lock now, not at the first write of a feed: a busy
     * database is met here (after the busy timeout) and not halfway through a feed. */
    if (db_run(db, S_BEGIN, NULL, 0) < 0)
        return -1;
    db->group = 1;
    return 0;
}

int db_group_feed_begin(struct db *db)
{
    if (db_group_join(db) < 0)
        return -1;
    return db_run(db, S_FEED_SAVEPOINT, NULL, 0);
}

int db_group_feed_end(struct db *db, int ok)
{
    if (group_gone(db))
        return -1;
    if (ok < 0) {
        /* ROLLBACK TO leaves the savepoint open: it is released, empty, after. */
        if (db_run(db, S_FEED_ROLLBACK_TO, NULL, 0) < 0)
            return -1;
        return db_run(db, S_FEED_RELEASE, NULL, 0) < 0 ? -1 : ok;
    }
    return db_run(db, S_FEED_RELEASE, NULL, 0);
}

/* A feed's single statement in the group: no savepoint around it (SAVEPOINT and RELEASE
 * cost more than the UPDATE a 304 needs), as a statement that fails leaves nothing of
 * itself (SQLite's statement journal, https://sqlite.org/lang_transaction.html); only
 * an error that ended the whole transaction loses the group. */
int db_group_check(struct db *db, int ok)
{
    return group_gone(db) ? -1 : ok;
}

int db_group_commit(struct db *db)
{
    if (!db->group)
        return 0;
    if (group_gone(db))
        return -1;
    if (db_run(db, S_COMMIT, NULL, 0) < 0) {
        if (!sqlite3_get_autocommit(db->h))
            db_run(db, S_ROLLBACK, NULL, 0);
        group_ended(db, 0);
        return -1;
    }
    group_ended(db, 1);
    return 0;
}
