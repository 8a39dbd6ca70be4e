/* storage/db_journal.c: how the database journals its writes.
 *
 * A connection keeps the database in WAL mode (https://sqlite.org/wal.html) with
 * synchronous = NORMAL: a reader (`feedsd status`, `feedsd check --deep`, a sqlite3
 * shell) never holds off the daemon's commits, and a commit syncs nothing. But in WAL
 * mode every page is written twice, to the WAL and then into the database at a
 * checkpoint, each WAL copy with a 24-byte frame header: a new database costs at least
 * (4096 + 24 + 4096) / 4096 = 2.006 bytes written per byte it ends with; a cold poll of
 * 300 feeds took 2.44 (bench/writes.py, docs/scaling.md).
 *
 * So a database that `feedsd run` creates itself (db_open_new) is first filled through
 * SQLite's rollback journal (journal_mode = TRUNCATE): a page added past the end of the
 * file goes into the database once, and only the pages that existed before a commit
 * changed them are copied to the journal: 1.61-1.78 bytes per byte on the same poll,
 * for 270-329 fdatasync calls instead of 11-13, since a commit there is made durable by
 * syncs (synchronous = FULL: NORMAL could leave a corrupt database after a power cut in
 * that mode, https://sqlite.org/pragma.html#pragma_synchronous). The database leaves it
 * for WAL mode for good when its first load is stored (db_first_load_end: the daemon's
 * first polls and their files, or the end of the process).
 *
 * Meanwhile readers and the daemon share the file as SQLite's rollback journal allows:
 * a reader reads beside an open group of polls (the daemon holds a RESERVED lock), a
 * commit waits until the readers of that moment are done (the busy timeout, db.c), and a
 * reader waits while a commit writes. Every other connection tries to turn the database
 * to WAL when it opens it and when it closes it (try_wal), without waiting: it succeeds
 * only between two of the daemon's transactions, and the daemon's connection follows
 * (SQLite reads the mode from the file's header). A crash leaves a hot journal, which
 * the next open plays back: the rows of an unfinished commit are gone, as they are
 * from an unfinished WAL commit, and no file was written from them (daemon/batch.c). */
#include "storage/db_int.h"

#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "common/log.h"

/* wal_autocheckpoint: each checkpoint copies the WAL's pages into the database and syncs
 * both; every 16 MB of WAL instead of 4 MB, a page changed between checkpoints is copied
 * once, not each time: on a cold poll of 300 feeds (bench/writes.py) the database took
 * 17.8 MB of writes for 17.1 MB instead of 21.9, and 11 syncs instead of 20. A larger
 * page cache (8 MB) or pipeline batches of 256 posts changed the bytes written by less
 * than the rounds differ, and raised the peak memory of a cold poll of 1000 feeds from
 * 27 to 34 MB. */
static const char wal_setup[] = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
                                " PRAGMA wal_autocheckpoint = 4096;";
static const char first_load_setup[] = "PRAGMA journal_mode = TRUNCATE;"
                                       " PRAGMA synchronous = FULL;";

/* The journal mode the database is in, lower-case ("wal", "delete", "truncate"), in buf;
 * "" when it cannot be read. */
static const char *journal_mode(struct db *db, const char *sql, char *buf, size_t len)
{
    sqlite3_stmt *s = NULL;
    buf[0] = '\0';
    if (sqlite3_prepare_v2(db->h, sql, -1, &s, NULL) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
        snprintf(buf, len, "%s", (const char *)sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
    return buf;
}

/* Whether the file is in WAL mode. A read first, which may wait (the busy timeout): a
 * connection learns that the file is in WAL mode, and plays a hot journal back, only
 * when it reads it. */
static int in_wal(struct db *db)
{
    char mode[16];
    sqlite3_exec(db->h, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL);
    return strcmp(journal_mode(db, "PRAGMA journal_mode", mode, sizeof mode), "wal") == 0;
}

/* Turns the database to WAL mode, without waiting for another connection's lock (a
 * daemon in its first load holds one for most of it): 0, or -1 when it stays in its
 * rollback journal for now. Then this connection syncs as its mode needs. */
static int try_wal(struct db *db)
{
    int wal = in_wal(db);
    if (!wal) {
        char mode[16];
        sqlite3_busy_timeout(db->h, 0);
        /* DELETE first: the move from TRUNCATE to WAL would leave the empty journal
         * file. */
        journal_mode(db, "PRAGMA journal_mode = DELETE", mode, sizeof mode);
        wal = strcmp(journal_mode(db, "PRAGMA journal_mode = WAL", mode, sizeof mode),
                     "wal") == 0;
        sqlite3_busy_timeout(db->h, DB_BUSY_MS);
    }
    db->first_load = !wal;
    int rc = sqlite3_exec(db->h, wal ? wal_setup : "PRAGMA synchronous = FULL;", NULL, NULL,
                          NULL);
    return rc == SQLITE_OK && wal ? 0 : -1;
}

int db_journal_setup(struct db *db, int new_db, char *err, size_t errlen)
{
    int rc = SQLITE_OK;
    /* A new file that another process made WAL in the meantime stays WAL. */
    if (new_db && !in_wal(db)) {
        db->first_load = 1;
        rc = sqlite3_exec(db->h, first_load_setup, NULL, NULL, NULL);
    } else {
        try_wal(db);
    }
    if (rc != SQLITE_OK ||
        sqlite3_exec(db->h, "PRAGMA foreign_keys = ON;", NULL, NULL, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(db->h));
        return -1;
    }
    return 0;
}

int db_first_load(const struct db *db)
{
    return db && db->first_load;
}

int db_first_load_end(struct db *db)
{
    if (!db_first_load(db))
        return 0;
    db_read_end(db, 1);
    db_group_commit(db);
    if (!sqlite3_get_autocommit(db->h))
        return -1;      /* a transaction of the caller's: at its end */
    if (try_wal(db) < 0) {
        log_debug("database: still in its rollback journal: %s", sqlite3_errmsg(db->h));
        return -1;
    }
    log_debug("database: in WAL mode from now on");
    return 0;
}
