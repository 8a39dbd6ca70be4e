/* tests/unit/test_db_migrate.c: opening a database of an older schema (made from a
 * current one by taking the later migrations' changes away) upgrades it and loses
 * nothing; a newer schema is refused. */
#include "tests/unit/db_fixture.h"

/* Migration 14 (the output folders' writers) undone. */
#define SCHEMA_13_FROM_CURRENT "DROP TABLE output_writers; DROP TABLE output_clean;"

/* Migration 13 undone: the poll state back in the feeds row, with its values (the
 * columns come back at the end of the row; feedsd reads them by name). */
#define SCHEMA_12_FROM_CURRENT                                                             \
    SCHEMA_13_FROM_CURRENT                                                                 \
    "DROP TRIGGER feeds_poll_row;"                                                         \
    "ALTER TABLE feeds ADD COLUMN last_fetch INTEGER NOT NULL DEFAULT 0;"                  \
    "ALTER TABLE feeds ADD COLUMN last_status INTEGER NOT NULL DEFAULT 0;"                 \
    "ALTER TABLE feeds ADD COLUMN last_error TEXT;"                                        \
    "ALTER TABLE feeds ADD COLUMN fail_count INTEGER NOT NULL DEFAULT 0;"                  \
    "ALTER TABLE feeds ADD COLUMN next_poll INTEGER NOT NULL DEFAULT 0;"                   \
    "ALTER TABLE feeds ADD COLUMN schedule_reason TEXT;"                                   \
    "UPDATE feeds SET (last_fetch, last_status, last_error, fail_count, next_poll,"       \
    " schedule_reason) = (SELECT last_fetch, last_status, last_error, fail_count,"         \
    " next_poll, schedule_reason FROM feed_polls p WHERE p.feed_id = feeds.id);"           \
    "DROP TABLE feed_polls;"

/* What migrations 11 (a feed's category) and 12 (the filters' counts) added, taken away
 * again: a current database in the shape of schema 10 (10 itself only deletes rows). */
#define SCHEMA_10_FROM_CURRENT                                                             \
    SCHEMA_12_FROM_CURRENT                                                                 \
    "ALTER TABLE feeds DROP COLUMN category; DROP TABLE filter_drops;"

/* And what migrations 8 (cross-feed posts) and 9 (the page's metadata) added: the shape
 * of schema 7. */
#define SCHEMA_7_FROM_CURRENT                                                              \
    SCHEMA_10_FROM_CURRENT                                                                 \
    "DROP TABLE post_keys; DROP INDEX entries_dup_of; ALTER TABLE entries DROP COLUMN dup_of;" \
    "ALTER TABLE entries DROP COLUMN page_meta;"

/* Two feeds in different poll states: one polled fine, one failing. */
static void poll_states(struct db *db, int64_t *ok, int64_t *failing)
{
    assert_int_equal(subscribe(db, "http://ok/feed", NULL, 0, -2, NULL, NULL, 100, ok), 0);
    assert_int_equal(subscribe(db, "http://failing/feed", NULL, 0, -2, NULL, NULL, 100, failing),
                     0);
    assert_int_equal(db_feed_record_success(db, *ok, 200, "\"e1\"", NULL, "OK", NULL, "abc", 110,
                                            3710, "interval 1h"), 0);
    assert_int_equal(db_feed_record_failure(db, *failing, 503, "HTTP status 503", 120, 500, 1,
                                            "backoff"), 0);
    assert_int_equal(db_feed_record_failure(db, *failing, 0, "timeout", 130, 1030, 1,
                                            "backoff 15m"), 0);
}

/* ... and the same after an upgrade. */
static void assert_poll_states(struct db *db, int64_t ok, int64_t failing)
{
    struct db_feed f;
    assert_int_equal(db_feed_get(db, ok, &f), 0);
    assert_int_equal(f.last_fetch, 110);
    assert_int_equal(f.last_status, 200);
    assert_null(f.last_error);
    assert_int_equal(f.fail_count, 0);
    assert_int_equal(f.next_poll, 3710);
    assert_string_equal(f.schedule_reason, "interval 1h");
    assert_string_equal(f.etag, "\"e1\"");
    assert_string_equal(f.feed_title, "OK");
    db_feed_clear(&f);
    assert_int_equal(db_feed_get(db, failing, &f), 0);
    assert_int_equal(f.last_fetch, 130);
    assert_int_equal(f.last_status, 0);
    assert_string_equal(f.last_error, "timeout");
    assert_int_equal(f.fail_count, 2);
    assert_int_equal(f.next_poll, 1030);
    assert_string_equal(f.schedule_reason, "backoff 15m");
    assert_null(f.etag);
    db_feed_clear(&f);
}

/* A database of schema 7 gets post_keys with the url: keys of its posts that have files
 * (migration 8): a post written before the upgrade is found by its link from another
 * feed. The backlog recorded without files is not. */
static void test_post_keys_migration(void **state)
{
    struct db *db = *state;
    int64_t fa, fb, a, b;
    assert_int_equal(subscribe(db, "http://a/feed", NULL, 0, -2, NULL, NULL, 100, &fa), 0);
    assert_int_equal(subscribe(db, "http://b/feed", NULL, 0, -2, NULL, NULL, 100, &fb), 0);
    struct entry ea = mk_entry("urn:a", "A", "<p>a</p>");
    struct entry eb = mk_entry("urn:b", "B", "<p>b</p>");
    struct identity ia = mk_id("id:urn:a", "1111111111111111");
    struct identity ib = mk_id("id:urn:b", "2222222222222222");
    assert_int_equal(db_entry_insert(db, fa, &ea, &ia, STAGE_WRITTEN, 0, 100, &a), 0);
    assert_int_equal(db_entry_insert(db, fa, &eb, &ib, STAGE_SEEN, 1, 100, &b), 0);
    assert_int_equal(db_key_add(db, fa, "url:a.example/post", a), 0);
    assert_int_equal(db_key_add(db, fa, "url:a.example/old", b), 0);
    db_close(db);
    *state = NULL;
    sqlite3 *h;
    assert_int_equal(sqlite3_open(dbpath, &h), SQLITE_OK);
    assert_int_equal(sqlite3_exec(h, SCHEMA_7_FROM_CURRENT "PRAGMA user_version = 7;", NULL,
                                  NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
    char err[256] = "";
    assert_int_equal(db_open(dbpath, &db, err, sizeof err), 0);
    *state = db;
    int64_t canonical = 0, cfeed = 0;
    char *post[] = {"url:b.example/other", "url:a.example/post"};
    char *old[] = {"url:a.example/old"};
    assert_int_equal(db_post_match(db, fb, post, 2, 100, 0, &canonical, &cfeed), 1);
    assert_int_equal(canonical, a);
    assert_int_equal(cfeed, fa);
    assert_int_equal(db_post_match(db, fb, old, 1, 100, 0, &canonical, &cfeed), 0);
    /* never a match within the feed itself */
    assert_int_equal(db_post_match(db, fa, post, 2, 100, 0, &canonical, &cfeed), 0);
    /* a text key holds only within its window (the entry is dated 1700000000) */
    char *text[] = {"text:0123456789abcdef"};
    assert_int_equal(db_post_key_add(db, text[0], a), 0);
    assert_int_equal(db_post_match(db, fb, text, 1, 1700000000 + 50, 100, &canonical, &cfeed), 1);
    assert_int_equal(db_post_match(db, fb, text, 1, 1700000000 - 500, 100, &canonical, &cfeed), 0);
}

/* A database of schema 5 (the HTML in entries.content) is migrated: the HTML moves to
 * entry_content, the column goes, nothing else changes. The schema-5 shape is made from
 * a current database by moving the HTML back. */
static void test_content_migration(void **state)
{
    struct db *db = *state;
    int64_t fid, a, b, ok, failing;
    assert_int_equal(subscribe(db, "http://a/feed", NULL, 0, -2, NULL, NULL, 100, &fid), 0);
    poll_states(db, &ok, &failing);
    /* a long post: its pages are what the upgrade gives back */
    static char big[40000];
    memset(big, 'x', sizeof big - 1);
    memcpy(big, "<p>kept", 7);
    struct entry ea = mk_entry("urn:a", "A", big);
    struct entry eb = mk_entry("urn:b", "B", NULL);
    struct identity ia = mk_id("id:urn:a", "1111111111111111");
    struct identity ib = mk_id("id:urn:b", "2222222222222222");
    assert_int_equal(db_entry_insert(db, fid, &ea, &ia, STAGE_WRITTEN, 0, 100, &a), 0);
    assert_int_equal(db_entry_insert(db, fid, &eb, &ib, STAGE_NEW, 0, 100, &b), 0);
    db_close(db);
    *state = NULL;
    sqlite3 *h;
    assert_int_equal(sqlite3_open(dbpath, &h), SQLITE_OK);
    assert_int_equal(sqlite3_exec(h,
                                  SCHEMA_7_FROM_CURRENT
                                  "ALTER TABLE entries ADD COLUMN content TEXT;"
                                  "UPDATE entries SET content = (SELECT c.content FROM"
                                  " entry_content c WHERE c.entry_id = entries.id);"
                                  "DROP TABLE entry_content;"
                                  /* and without migration 7's columns */
                                  "DROP INDEX entries_written_date; DROP TABLE digest_days;"
                                  "ALTER TABLE entries DROP COLUMN categories;"
                                  "ALTER TABLE entries DROP COLUMN enclosures;"
                                  "PRAGMA user_version = 5;",
                                  NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
    char err[256] = "";
    assert_int_equal(db_open(dbpath, &db, err, sizeof err), 0);
    *state = db;
    assert_int_equal(content_rows(), 1);
    assert_poll_states(db, ok, failing);   /* through migrations 6 to 14 */
    char *c = content_of(db, a);
    assert_string_equal(c, big);
    free(c);
    assert_null(content_of(db, b));
    struct db_entry row;
    assert_int_equal(db_entry_get(db, a, &row), 0);
    assert_int_equal(row.stage, STAGE_WRITTEN);
    assert_string_equal(row.content_hash, "1111111111111111");
    db_entry_clear(&row);
    assert_int_equal(sqlite3_open(dbpath, &h), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(h, "SELECT content FROM entries", -1, &st, NULL),
                     SQLITE_ERROR);   /* the column is gone */
    /* and the pages it held are given back (VACUUM once, at this upgrade) */
    assert_int_equal(sqlite3_prepare_v2(h, "PRAGMA freelist_count", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 0);
    sqlite3_finalize(st);
    sqlite3_close(h);
}

/* A database of schema 9 that holds the HTML of seen entries loses only that HTML when it
 * is opened (migration 10), and the file is compacted once. */
static void test_seen_content_migration(void **state)
{
    struct db *db = *state;
    int64_t fid, seen, written;
    assert_int_equal(subscribe(db, "http://a/feed", NULL, 0, -2, NULL, NULL, 100, &fid), 0);
    static char big[40000];
    memset(big, 'y', sizeof big - 1);
    struct entry es = mk_entry("urn:s", "S", big);
    struct entry ew = mk_entry("urn:w", "W", "<p>written</p>");
    struct identity is = mk_id("id:urn:s", "1111111111111111");
    struct identity iw = mk_id("id:urn:w", "2222222222222222");
    assert_int_equal(db_entry_insert(db, fid, &es, &is, STAGE_SEEN, 1, 100, &seen), 0);
    assert_int_equal(db_entry_insert(db, fid, &ew, &iw, STAGE_WRITTEN, 1, 100, &written), 0);
    db_close(db);
    *state = NULL;
    /* the schema-9 shape: the seen entry's HTML stored, as feedsd stored it then */
    sqlite3 *h;
    assert_int_equal(sqlite3_open(dbpath, &h), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(h, "INSERT INTO entry_content (entry_id, content)"
                                           " VALUES (?1, ?2)", -1, &st, NULL), SQLITE_OK);
    sqlite3_bind_int64(st, 1, seen);
    sqlite3_bind_text(st, 2, big, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
    assert_int_equal(sqlite3_exec(h, SCHEMA_10_FROM_CURRENT "PRAGMA user_version = 9", NULL, NULL,
                                  NULL), SQLITE_OK);
    sqlite3_close(h);
    assert_int_equal(content_rows(), 2);
    char err[256] = "";
    assert_int_equal(db_open(dbpath, &db, err, sizeof err), 0);
    *state = db;
    assert_int_equal(content_rows(), 1);
    assert_null(content_of(db, seen));
    char *c = content_of(db, written);
    assert_string_equal(c, "<p>written</p>");
    free(c);
    struct db_entry row;
    assert_int_equal(db_entry_get(db, seen, &row), 0);
    assert_int_equal(row.stage, STAGE_SEEN);
    assert_string_equal(row.content_hash, "1111111111111111");
    db_entry_clear(&row);
    assert_int_equal(sqlite3_open(dbpath, &h), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(h, "PRAGMA freelist_count", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 0);
    sqlite3_finalize(st);
    assert_int_equal(sqlite3_prepare_v2(h, "PRAGMA user_version", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 14);
    sqlite3_finalize(st);
    sqlite3_close(h);
}

/* A database of schema 12 (the poll state in the feeds row) is migrated: each feed's
 * poll state moves to feed_polls with its values, the columns leave feeds, and a feed
 * subscribed after the upgrade gets its poll row. */
static void test_poll_state_migration(void **state)
{
    struct db *db = *state;
    int64_t ok, failing;
    poll_states(db, &ok, &failing);
    db_close(db);
    *state = NULL;
    sqlite3 *h;
    assert_int_equal(sqlite3_open(dbpath, &h), SQLITE_OK);
    assert_int_equal(sqlite3_exec(h, SCHEMA_12_FROM_CURRENT "PRAGMA user_version = 12;", NULL,
                                  NULL, NULL), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(h, "SELECT next_poll FROM feeds WHERE id = ?1", -1, &st,
                                        NULL), SQLITE_OK);
    sqlite3_bind_int64(st, 1, failing);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int64(st, 0), 1030);   /* the old shape holds the values */
    sqlite3_finalize(st);
    sqlite3_close(h);
    char err[256] = "";
    assert_int_equal(db_open(dbpath, &db, err, sizeof err), 0);
    *state = db;
    assert_poll_states(db, ok, failing);
    int64_t added;
    assert_int_equal(subscribe(db, "http://new/feed", NULL, 0, -2, NULL, NULL, 200, &added), 0);
    struct db_feed f;
    assert_int_equal(db_feed_get(db, added, &f), 0);
    assert_int_equal(f.next_poll, 0);
    assert_int_equal(f.last_status, 0);
    db_feed_clear(&f);
    assert_int_equal(sqlite3_open(dbpath, &h), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(h, "SELECT next_poll FROM feeds", -1, &st, NULL),
                     SQLITE_ERROR);   /* the column is gone */
    assert_int_equal(sqlite3_prepare_v2(h, "PRAGMA foreign_key_check", -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
    sqlite3_close(h);
}

static void test_refuses_newer_schema(void **state)
{
    (void)state;
    sqlite3 *h;
    assert_int_equal(sqlite3_open(dbpath, &h), SQLITE_OK);
    assert_int_equal(sqlite3_exec(h, "PRAGMA user_version = 999", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
    struct db *db2;
    char err[256] = "";
    assert_int_equal(db_open(dbpath, &db2, err, sizeof err), -1);
    assert_non_null(strstr(err, "newer"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_content_migration, setup, teardown),
        cmocka_unit_test_setup_teardown(test_post_keys_migration, setup, teardown),
        cmocka_unit_test_setup_teardown(test_seen_content_migration, setup, teardown),
        cmocka_unit_test_setup_teardown(test_poll_state_migration, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refuses_newer_schema, setup, teardown),
    };
    return cmocka_run_group_tests_name("db_migrate", tests, NULL, NULL);
}
