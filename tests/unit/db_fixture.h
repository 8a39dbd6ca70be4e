/* tests/unit/db_fixture.h: what the database's unit tests (test_db.c, test_db_group.c,
 * test_db_migrate.c) share: a fresh database file per test (setup / teardown, the path in
 * dbpath for a second connection), an entry and its identity as the tests make them, and a
 * look at the stored HTML. static inline: each test file uses a part of it. */
#ifndef FEEDSD_TESTS_DB_FIXTURE_H
#define FEEDSD_TESTS_DB_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "storage/db.h"

static char dbpath[64];

/* A fresh database file opened with open (db_open, or db_open_new). */
static inline int setup_with(void **state,
                             int (*open)(const char *, struct db **, char *, size_t))
{
    snprintf(dbpath, sizeof dbpath, "/tmp/feedsd-test-db-%d.db", (int)getpid());
    unlink(dbpath);
    struct db *db;
    char err[256];
    if (open(dbpath, &db, err, sizeof err) < 0)
        return -1;
    *state = db;
    return 0;
}

static inline int setup(void **state)
{
    return setup_with(state, db_open);
}

static inline int teardown(void **state)
{
    db_close(*state);
    char p[80];
    unlink(dbpath);
    static const char *const beside[] = {"-wal", "-shm", "-journal"};
    for (size_t i = 0; i < sizeof beside / sizeof *beside; i++) {
        snprintf(p, sizeof p, "%s%s", dbpath, beside[i]);
        unlink(p);
    }
    return 0;
}

static inline struct entry mk_entry(const char *id, const char *title, const char *content)
{
    struct entry e = {0};
    e.id = (char *)id;
    e.title = (char *)title;
    e.link = (char *)"http://example.org/x";
    e.content = (char *)content;
    e.published = 1700000000;
    e.updated = FEED_TIME_NONE;
    return e;
}

static inline struct identity mk_id(const char *key, const char *hash)
{
    struct identity id = {0};
    id.key = (char *)key;
    snprintf(id.content_hash, sizeof id.content_hash, "%s", hash);
    return id;
}

/* db_feed_subscribe with the fields the tests set, in the order of the struct. */
static inline int subscribe(struct db *db, const char *url, const char *title, int interval,
                            int backlog, const char *summarizer, const char *origin, int64_t now,
                            int64_t *id)
{
    struct db_subscription sub = {url, title, interval, backlog, summarizer, origin, NULL};
    return db_feed_subscribe(db, &sub, now, id);
}

static inline char *content_of(struct db *db, int64_t eid)
{
    struct db_entry row;
    assert_int_equal(db_entry_get(db, eid, &row), 0);
    char *c = row.content ? strdup(row.content) : NULL;
    db_entry_clear(&row);
    return c;
}

static inline int content_rows(void)
{
    sqlite3 *h;
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_open(dbpath, &h), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(h, "SELECT count(*) FROM entry_content", -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(h);
    return n;
}

#endif
