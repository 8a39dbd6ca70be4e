/* tests/unit/test_db.c: the SQLite store on a real database file: feeds, entries, keys,
 * stored HTML. Group commit is in test_db_group.c, the schema's migrations in
 * test_db_migrate.c. */
#include "tests/unit/db_fixture.h"

static void test_subscribe_and_list(void **state)
{
    struct db *db = *state;
    int64_t a, b, a2;
    assert_int_equal(subscribe(db, "http://a/feed", NULL, 0, -2, NULL, NULL, 100, &a), 0);
    assert_int_equal(subscribe(db, "http://b/feed", "B", 600, 3, NULL, NULL, 100, &b), 0);
    assert_int_equal(subscribe(db, "http://a/feed", "A", 0, -2, NULL, NULL, 200, &a2), 0);
    assert_int_equal(a, a2);
    assert_int_not_equal(a, b);
    assert_int_equal(db_feeds_deactivate_config(db, NULL, NULL), 0);
    assert_int_equal(subscribe(db, "http://b/feed", "B", 600, 3, NULL, NULL, 300, NULL), 0);
    struct db_feed *feeds;
    size_t n;
    assert_int_equal(db_feed_list(db, DB_FEEDS_ACTIVE, &feeds, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(feeds[0].url, "http://b/feed");
    assert_string_equal(feeds[0].title, "B");
    assert_int_equal(feeds[0].interval, 600);
    assert_int_equal(feeds[0].backlog, 3);
    db_feed_list_free(feeds, n);
    assert_int_equal(db_feed_list(db, DB_FEEDS_ALL, &feeds, &n), 0);
    assert_int_equal(n, 2);
    db_feed_list_free(feeds, n);
}

static int keep_b(void *ud, const char *url)
{
    (void)ud;
    return !strcmp(url, "http://b/feed");
}

/* A start or reload with the same configuration writes no feed row: an unchanged
 * subscription is not rewritten (its id still returned), and only the feeds that left
 * the configuration are marked inactive. */
static void test_resubscribe_writes_nothing_unchanged(void **state)
{
    struct db *db = *state;
    int64_t a, b, a2 = 0, b2 = 0;
    assert_int_equal(subscribe(db, "http://a/feed", NULL, 0, -2, NULL, "config", 100, &a), 0);
    assert_int_equal(subscribe(db, "http://b/feed", "B", 600, 3, NULL, "config", 100, &b), 0);
    assert_int_equal(db_feeds_deactivate_config(db, keep_b, NULL), 0);
    assert_int_equal(db_changes(db), 1);     /* a's row alone; b stays as it was */
    assert_int_equal(subscribe(db, "http://b/feed", "B", 600, 3, NULL, "config", 300, &b2), 0);
    assert_int_equal(db_changes(db), 0);     /* the upsert did not write b's row */
    assert_int_equal(b2, b);
    struct db_feed *feeds;
    size_t n;
    assert_int_equal(db_feed_list(db, DB_FEEDS_ACTIVE, &feeds, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(feeds[0].url, "http://b/feed");
    db_feed_list_free(feeds, n);
    /* a comes back, and a changed title is written */
    assert_int_equal(subscribe(db, "http://a/feed", "A", 0, -2, NULL, "config", 400, &a2), 0);
    assert_int_equal(db_changes(db), 1);
    assert_int_equal(a2, a);
    assert_int_equal(db_feed_list(db, DB_FEEDS_ACTIVE, &feeds, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(feeds[0].title, "A");
    db_feed_list_free(feeds, n);
}

static const struct db_subscription sync_subs[] = {
    {"http://b/feed", "B", 600, 3, NULL, "config", NULL},      /* as stored */
    {"http://c/feed", "C", 0, -2, NULL, "config", NULL},       /* was added by `feedsd add` */
    {"http://d/feed", NULL, 0, -2, NULL, "config", "News"},    /* new */
    {"http://f/feed", NULL, 0, -2, NULL, "config", NULL},      /* its title taken out */
};

static int sync_find(void *ud, const char *url)
{
    (void)ud;
    for (size_t i = 0; i < sizeof sync_subs / sizeof *sync_subs; i++)
        if (!strcmp(sync_subs[i].url, url))
            return (int)i;
    return -1;
}

/* db_feeds_sync_config leaves the rows as deactivating and subscribing each feed would:
 * the feed gone from the configuration inactive, the others active as configured. */
static void test_sync_config(void **state)
{
    struct db *db = *state;
    int64_t b, c;
    assert_int_equal(subscribe(db, "http://a/feed", "A", 0, -2, NULL, "config", 100, NULL), 0);
    assert_int_equal(subscribe(db, "http://b/feed", "B", 600, 3, NULL, "config", 100, &b), 0);
    assert_int_equal(subscribe(db, "http://c/feed", NULL, 0, -2, NULL, "cli", 100, &c), 0);
    assert_int_equal(subscribe(db, "http://f/feed", "F", 0, -2, NULL, "config", 100, NULL), 0);
    assert_int_equal(subscribe(db, "http://g/feed", NULL, 0, -2, NULL, "cli", 100, NULL), 0);
    size_t nsubs = sizeof sync_subs / sizeof *sync_subs;
    for (int round = 0; round < 2; round++) {   /* the second changes nothing */
        assert_int_equal(db_feeds_sync_config(db, sync_subs, nsubs, sync_find, NULL, 200, NULL,
                                              NULL), 0);
        struct db_feed *feeds;
        size_t n;
        assert_int_equal(db_feed_list(db, DB_FEEDS_ALL, &feeds, &n), 0);
        assert_int_equal(n, 6);
        assert_string_equal(feeds[0].url, "http://a/feed");
        assert_int_equal(feeds[0].active, 0);
        assert_int_equal(feeds[1].id, b);
        assert_int_equal(feeds[1].active, 1);
        assert_string_equal(feeds[1].title, "B");
        assert_int_equal(feeds[1].interval, 600);
        assert_int_equal(feeds[2].id, c);
        assert_string_equal(feeds[2].origin, "config");
        assert_string_equal(feeds[2].title, "C");
        assert_string_equal(feeds[3].url, "http://f/feed");
        assert_null(feeds[3].title);
        assert_string_equal(feeds[4].url, "http://g/feed");    /* a command line feed stays */
        assert_int_equal(feeds[4].active, 1);
        assert_string_equal(feeds[4].origin, "cli");
        assert_string_equal(feeds[5].url, "http://d/feed");
        assert_int_equal(feeds[5].active, 1);
        assert_string_equal(feeds[5].category, "News");
        db_feed_list_free(feeds, n);
    }
}

/* The active rows db_feeds_sync_config hands back are db_feed_list's, whether the sync
 * wrote (the first round: a feed gone, one new, one changed) or not (the second, which
 * hands back the rows it read to compare). */
static void test_sync_config_hands_back_the_active_rows(void **state)
{
    struct db *db = *state;
    int64_t b;
    assert_int_equal(subscribe(db, "http://a/feed", "A", 0, -2, NULL, "config", 100, NULL), 0);
    assert_int_equal(subscribe(db, "http://b/feed", "B", 600, 3, NULL, "config", 100, &b), 0);
    assert_int_equal(subscribe(db, "http://f/feed", "F", 0, -2, NULL, "config", 100, NULL), 0);
    assert_int_equal(subscribe(db, "http://g/feed", NULL, 0, -2, NULL, "cli", 100, NULL), 0);
    assert_int_equal(db_feed_record_success(db, b, 200, "\"e1\"", "Mon, 01 Jan 2024 00:00:00 GMT",
                                            "B's", NULL, NULL, 110, 700, "interval 10m"), 0);
    size_t nsubs = sizeof sync_subs / sizeof *sync_subs;
    for (int round = 0; round < 2; round++) {
        struct db_feed *got, *want;
        size_t ngot = 99, nwant;
        assert_int_equal(db_feeds_sync_config(db, sync_subs, nsubs, sync_find, NULL, 200, &got,
                                              &ngot), 0);
        assert_int_equal(db_feed_list(db, DB_FEEDS_ACTIVE_UNCOUNTED, &want, &nwant), 0);
        assert_int_equal(ngot, nwant);
        assert_int_equal(ngot, 5);    /* b c d f g: a left the configuration */
        for (size_t i = 0; i < ngot; i++) {
            assert_int_equal(got[i].id, want[i].id);
            assert_string_equal(got[i].url, want[i].url);
            assert_int_equal(got[i].active, 1);
            assert_int_equal(got[i].interval, want[i].interval);
            assert_int_equal(got[i].next_poll, want[i].next_poll);
            assert_int_equal(got[i].nentries, -1);
            assert_true((got[i].title == NULL) == (want[i].title == NULL));
            assert_true((got[i].etag == NULL) == (want[i].etag == NULL));
            assert_true((got[i].category == NULL) == (want[i].category == NULL));
        }
        assert_int_equal(got[0].id, b);
        assert_string_equal(got[0].etag, "\"e1\"");
        assert_string_equal(got[0].feed_title, "B's");
        assert_string_equal(got[0].schedule_reason, "interval 10m");
        db_feed_list_free(got, ngot);
        db_feed_list_free(want, nwant);
    }
}

static void test_fetch_outcomes(void **state)
{
    struct db *db = *state;
    int64_t id;
    assert_int_equal(subscribe(db, "http://a/feed", NULL, 0, -2, NULL, NULL, 100, &id), 0);
    assert_int_equal(db_feed_record_failure(db, id, 503, "HTTP status 503", 110, 500, 1, "backoff"), 0);
    assert_int_equal(db_feed_record_failure(db, id, 0, "timeout", 120, 900, 1, "backoff"), 0);
    struct db_feed f;
    assert_int_equal(db_feed_get(db, id, &f), 0);
    assert_int_equal(f.fail_count, 2);
    assert_string_equal(f.last_error, "timeout");
    assert_int_equal(f.next_poll, 900);
    db_feed_clear(&f);
    assert_int_equal(db_feed_record_success(db, id, 200, "\"e1\"", "Mon, 01 Jan 2024 00:00:00 GMT",
                                            "Title", "http://a/", "abc", 130, 3730, "interval 1h"), 0);
    assert_int_equal(db_feed_get(db, id, &f), 0);
    assert_int_equal(f.fail_count, 0);
    assert_null(f.last_error);
    assert_string_equal(f.etag, "\"e1\"");
    assert_string_equal(f.feed_title, "Title");
    assert_string_equal(f.body_hash, "abc");
    assert_int_equal(f.last_status, 200);
    db_feed_clear(&f);
}

/* db_feed_record_same leaves the row db_feed_record_success leaves with no title, link
 * or body hash: two feeds in the same state, one through each. */
static void test_record_same_is_success_without_titles(void **state)
{
    struct db *db = *state;
    int64_t id[2];
    assert_int_equal(subscribe(db, "http://a/feed", NULL, 0, -2, NULL, NULL, 100, &id[0]), 0);
    assert_int_equal(subscribe(db, "http://b/feed", NULL, 0, -2, NULL, NULL, 100, &id[1]), 0);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(db_feed_record_success(db, id[i], 200, "\"e1\"", NULL, "Title", "http://a/",
                                                "abc", 110, 500, "interval 1h"), 0);
        assert_int_equal(db_feed_record_failure(db, id[i], 503, "HTTP status 503", 120, 900, 1,
                                                "backoff"), 0);
    }
    const char *lm = "Mon, 01 Jan 2024 00:00:00 GMT";
    assert_int_equal(db_feed_record_success(db, id[0], 304, "\"e2\"", lm, NULL, NULL, NULL, 130,
                                            3730, "interval 1h"), 0);
    assert_int_equal(db_feed_record_same(db, id[1], 304, "\"e2\"", lm, "\"e1\"", NULL, 130, 3730,
                                         "interval 1h"), 0);
    struct db_feed f[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(db_feed_get(db, id[i], &f[i]), 0);
    assert_int_equal(f[1].last_status, 304);
    assert_int_equal(f[1].fail_count, 0);
    assert_null(f[1].last_error);
    assert_string_equal(f[1].etag, "\"e2\"");
    assert_string_equal(f[1].last_modified, lm);
    assert_string_equal(f[1].feed_title, "Title");
    assert_string_equal(f[1].site_link, "http://a/");
    assert_string_equal(f[1].body_hash, "abc");
    assert_int_equal(f[1].next_poll, 3730);
    assert_string_equal(f[1].schedule_reason, "interval 1h");
    db_feed_clear(&f[1]);
    db_feed_clear(&f[0]);
    /* Every column of both rows (the feed's and its poll state's) but id and url,
     * through a second connection. */
    sqlite3 *h;
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_open(dbpath, &h), SQLITE_OK);
    sqlite3_busy_timeout(h, 5000);
    assert_int_equal(sqlite3_prepare_v2(h, "SELECT * FROM feeds a JOIN feed_polls pa"
                                           " ON pa.feed_id = a.id, feeds b JOIN feed_polls pb"
                                           " ON pb.feed_id = b.id WHERE a.id = ?1 AND b.id = ?2",
                                        -1, &st, NULL), SQLITE_OK);
    sqlite3_bind_int64(st, 1, id[0]);
    sqlite3_bind_int64(st, 2, id[1]);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int ncol = sqlite3_column_count(st) / 2;
    assert_true(ncol > 10);
    for (int c = 0; c < ncol; c++) {
        const char *name = sqlite3_column_name(st, c);
        if (!strcmp(name, "id") || !strcmp(name, "url") || !strcmp(name, "feed_id"))
            continue;
        const unsigned char *a = sqlite3_column_text(st, c);
        char *av = a ? strdup((const char *)a) : NULL;
        const unsigned char *b = sqlite3_column_text(st, ncol + c);
        if (!a || !b)
            assert_true(!a && !b);
        else
            assert_string_equal(av, (const char *)b);
        free(av);
    }
    sqlite3_finalize(st);
    sqlite3_close(h);
}

/* Runs SQL through a second connection (a trigger the test adds, a look at the rows). */
static void exec_other(const char *sql)
{
    sqlite3 *h;
    assert_int_equal(sqlite3_open(dbpath, &h), SQLITE_OK);
    sqlite3_busy_timeout(h, 5000);
    char *msg = NULL;
    int rc = sqlite3_exec(h, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        fail_msg("%s: %s", sql, msg ? msg : "?");
    sqlite3_close(h);
}

static int64_t count_other(const char *sql)
{
    sqlite3 *h;
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_open(dbpath, &h), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(h);
    return n;
}

/* A 304 that keeps the stored validators writes the poll state alone (the feeds row is
 * not rewritten: migration 13); one with new validators stores them, in the same
 * savepoint as the poll state: when that write fails, neither is kept. */
static void test_record_same_writes_the_feeds_row_only_for_new_validators(void **state)
{
    struct db *db = *state;
    int64_t id;
    const char *lm = "Mon, 01 Jan 2024 00:00:00 GMT";
    assert_int_equal(subscribe(db, "http://a/feed", NULL, 0, -2, NULL, NULL, 100, &id), 0);
    assert_int_equal(db_feed_record_success(db, id, 200, "\"e1\"", lm, "Title", NULL, "abc", 110,
                                            500, "interval 1h"), 0);
    exec_other("CREATE TABLE feed_writes (feed_id INTEGER);"
               "CREATE TRIGGER feed_written AFTER UPDATE ON feeds"
               " BEGIN INSERT INTO feed_writes VALUES (new.id); END;");
    assert_int_equal(db_feed_record_same(db, id, 304, "\"e1\"", lm, "\"e1\"", lm, 120, 600,
                                         "interval 1h"), 0);
    assert_int_equal(count_other("SELECT count(*) FROM feed_writes"), 0);
    struct db_feed f;
    assert_int_equal(db_feed_get(db, id, &f), 0);
    assert_int_equal(f.last_fetch, 120);
    assert_int_equal(f.next_poll, 600);
    assert_int_equal(f.last_status, 304);
    assert_string_equal(f.etag, "\"e1\"");
    db_feed_clear(&f);
    /* new validators: both rows */
    assert_int_equal(db_feed_record_same(db, id, 304, "\"e2\"", lm, "\"e1\"", lm, 130, 700,
                                         "interval 1h"), 0);
    assert_int_equal(count_other("SELECT count(*) FROM feed_writes"), 1);
    assert_int_equal(db_feed_get(db, id, &f), 0);
    assert_string_equal(f.etag, "\"e2\"");
    assert_string_equal(f.last_modified, lm);
    assert_int_equal(f.next_poll, 700);
    db_feed_clear(&f);
    /* the poll state cannot be written: the new validators are not kept either */
    exec_other("CREATE TRIGGER poll_refused BEFORE UPDATE ON feed_polls"
               " BEGIN SELECT RAISE(ABORT, 'refused'); END;");
    assert_int_equal(db_feed_record_same(db, id, 304, "\"e3\"", NULL, "\"e2\"", lm, 140, 800,
                                         "interval 1h"), -1);
    assert_int_equal(db_feed_record_success(db, id, 200, "\"e4\"", NULL, "New", NULL, "def", 150,
                                            900, "interval 1h"), -1);
    assert_int_equal(db_feed_get(db, id, &f), 0);
    assert_string_equal(f.etag, "\"e2\"");
    assert_string_equal(f.last_modified, lm);
    assert_string_equal(f.feed_title, "Title");
    assert_string_equal(f.body_hash, "abc");
    assert_int_equal(f.next_poll, 700);
    db_feed_clear(&f);
}

/* Every feed has its poll row, however it was inserted, and it goes with the feed. */
static void test_every_feed_has_its_poll_row(void **state)
{
    struct db *db = *state;
    int64_t id;
    assert_int_equal(subscribe(db, "http://a/feed", NULL, 0, -2, NULL, NULL, 100, &id), 0);
    exec_other("INSERT INTO feeds (url, created) VALUES ('http://b/feed', 100)");
    assert_int_equal(count_other("SELECT count(*) FROM feeds f JOIN feed_polls p"
                                 " ON p.feed_id = f.id"), 2);
    struct db_feed *v;
    size_t n;
    assert_int_equal(db_feed_list(db, DB_FEEDS_ALL, &v, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(v[1].next_poll, 0);
    assert_int_equal(v[1].last_fetch, 0);
    assert_int_equal(v[1].fail_count, 0);
    assert_null(v[1].schedule_reason);
    db_feed_list_free(v, n);
    /* a second subscription of the same URL updates the feed, and adds no poll row */
    assert_int_equal(subscribe(db, "http://a/feed", "A", 60, -2, NULL, NULL, 200, &id), 0);
    assert_int_equal(count_other("SELECT count(*) FROM feed_polls"), 2);
    exec_other("PRAGMA foreign_keys = ON; DELETE FROM feeds WHERE url = 'http://b/feed'");
    assert_int_equal(count_other("SELECT count(*) FROM feed_polls"), 1);
}

static void test_entries_keys_and_stages(void **state)
{
    struct db *db = *state;
    int64_t fid, eid, found;
    assert_int_equal(subscribe(db, "http://a/feed", NULL, 0, -2, NULL, NULL, 100, &fid), 0);
    struct entry e = mk_entry("urn:1", "One", "<p>Hello</p>");
    struct identity id = mk_id("id:urn:1", "1111111111111111");
    assert_int_equal(db_begin(db), 0);
    assert_int_equal(db_entry_insert(db, fid, &e, &id, STAGE_NEW, 0, 100, &eid), 0);
    assert_int_equal(db_key_add(db, fid, "id:urn:1", eid), 0);
    assert_int_equal(db_key_add(db, fid, "url:http://a/1", eid), 0);
    assert_int_equal(db_key_add(db, fid, "url:http://a/1", eid + 99), 0);   /* ignored */
    assert_int_equal(db_commit(db), 0);

    char *owner = NULL;
    assert_int_equal(db_key_find(db, fid, "url:http://a/1", &found, &owner), 1);
    assert_int_equal(found, eid);
    assert_string_equal(owner, "id:urn:1");
    free(owner);
    assert_int_equal(db_key_find(db, fid, "id:none", &found, NULL), 0);
    assert_int_equal(db_key_find(db, fid + 1, "id:urn:1", &found, NULL), 0);

    int64_t *ids;
    size_t n;
    assert_int_equal(db_entries_pending(db, fid, &ids, &n), 0);
    assert_int_equal(n, 1);
    free(ids);

    /* Same hash: no update. Other hash: back to NEW. */
    assert_int_equal(db_entry_update(db, eid, &e, &id), 0);
    struct db_summary sum = {.summary = "Sum.", .by = "builtin"};
    assert_int_equal(db_entry_set_summary(db, eid, &sum), 0);
    assert_int_equal(db_entry_claim_path(db, eid, "2023-11-14-one.md"), 0);
    assert_int_equal(db_entry_mark_written(db, eid), 0);
    assert_int_equal(db_entries_pending(db, 0, &ids, &n), 0);
    assert_int_equal(n, 0);
    free(ids);
    struct identity id2 = mk_id("id:urn:1", "2222222222222222");
    struct entry e2 = mk_entry("urn:1", "One, edited", "<p>Hello again</p>");
    assert_int_equal(db_entry_update(db, eid, &e2, &id2), 1);
    struct db_entry row;
    assert_int_equal(db_entry_get(db, eid, &row), 0);
    assert_int_equal(row.stage, STAGE_NEW);
    assert_string_equal(row.title, "One, edited");
    assert_string_equal(row.path, "2023-11-14-one.md");   /* the file keeps its name */
    assert_string_equal(row.feed_url, "http://a/feed");
    assert_int_equal(row.published, 1700000000);
    assert_int_equal(row.updated, FEED_TIME_NONE);
    db_entry_clear(&row);

    /* A second entry cannot take the first one's path. */
    int64_t eid2;
    struct identity id3 = mk_id("id:urn:2", "3333333333333333");
    assert_int_equal(db_entry_insert(db, fid, &e, &id3, STAGE_SEEN, 1, 100, &eid2), 0);
    assert_int_equal(db_entry_claim_path(db, eid2, "2023-11-14-one.md"), 1);
    assert_int_equal(db_entry_claim_path(db, eid, "2023-11-14-one.md"), 0);
    /* SEEN entries are not pending and stay SEEN when their content changes. */
    assert_int_equal(db_entry_update(db, eid2, &e2, &id2), 1);
    assert_int_equal(db_entry_get(db, eid2, &row), 0);
    assert_int_equal(row.stage, STAGE_SEEN);
    db_entry_clear(&row);
    assert_int_equal(db_feed_entry_count(db, fid), 2);
}

static void test_tombstone_of_pruned_entry(void **state)
{
    struct db *db = *state;
    int64_t fid, eid, found = -1;
    assert_int_equal(subscribe(db, "http://a/feed", NULL, 0, -2, NULL, NULL, 100, &fid), 0);
    struct entry e = mk_entry("urn:old", "Old", "x");
    struct identity id = mk_id("id:urn:old", "4444444444444444");
    assert_int_equal(db_entry_insert(db, fid, &e, &id, STAGE_WRITTEN, 0, 100, &eid), 0);
    assert_int_equal(db_key_add(db, fid, "id:urn:old", eid), 0);
    sqlite3 *h;
    assert_int_equal(sqlite3_open(dbpath, &h), SQLITE_OK);
    sqlite3_busy_timeout(h, 5000);
    assert_int_equal(sqlite3_exec(h, "DELETE FROM entries", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
    char *owner = (char *)"x";
    assert_int_equal(db_key_find(db, fid, "id:urn:old", &found, &owner), 1);
    assert_int_equal(found, 0);
    assert_null(owner);
}

/* The post's HTML lives in entry_content (migration 6): it follows its entry through
 * insert, update, the full-article fetch and pruning; no HTML, no row. */
static void test_content_table(void **state)
{
    struct db *db = *state;
    int64_t fid, a, b;
    assert_int_equal(subscribe(db, "http://a/feed", NULL, 0, -2, NULL, NULL, 100, &fid), 0);
    struct entry ea = mk_entry("urn:a", "A", "<p>first</p>");
    struct entry eb = mk_entry("urn:b", "B", NULL);
    struct identity ia = mk_id("id:urn:a", "1111111111111111");
    struct identity ib = mk_id("id:urn:b", "2222222222222222");
    assert_int_equal(db_entry_insert(db, fid, &ea, &ia, STAGE_NEW, 0, 100, &a), 0);
    assert_int_equal(db_entry_insert(db, fid, &eb, &ib, STAGE_NEW, 0, 100, &b), 0);
    assert_int_equal(content_rows(), 1);
    char *c = content_of(db, a);
    assert_string_equal(c, "<p>first</p>");
    free(c);
    assert_null(content_of(db, b));

    struct entry ea2 = mk_entry("urn:a", "A", "<p>second</p>");
    struct identity ia2 = mk_id("id:urn:a", "3333333333333333");
    assert_int_equal(db_entry_update(db, a, &ea2, &ia2), 1);
    c = content_of(db, a);
    assert_string_equal(c, "<p>second</p>");
    free(c);
    assert_int_equal(db_entry_set_page(db, b, 2, "<p>the article</p>", NULL, NULL, 0, 1), 0);
    c = content_of(db, b);
    assert_string_equal(c, "<p>the article</p>");
    free(c);
    assert_int_equal(db_entry_set_page(db, b, 3, NULL, NULL, "gone", 0, 1), 0);   /* kept */
    c = content_of(db, b);
    assert_string_equal(c, "<p>the article</p>");
    free(c);
    assert_int_equal(content_rows(), 2);

    /* Rows go with their entry (ON DELETE CASCADE; foreign_keys is on). */
    sqlite3 *h;
    assert_int_equal(sqlite3_open(dbpath, &h), SQLITE_OK);
    sqlite3_busy_timeout(h, 5000);
    char *sql = sqlite3_mprintf("PRAGMA foreign_keys = ON; DELETE FROM entries WHERE id = %lld",
                                (long long)a);
    assert_int_equal(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_free(sql);
    sqlite3_close(h);
    assert_int_equal(content_rows(), 1);
}

/* Categories and enclosures are stored with the entry and read back (issue 18), replaced
 * by an update, and absent (NULL, no allocation) for an entry without them. */
static void test_categories_enclosures(void **state)
{
    struct db *db = *state;
    int64_t fid, a, b;
    assert_int_equal(subscribe(db, "http://a/feed", NULL, 0, -2, NULL, NULL, 100, &fid), 0);
    char *cats[] = {(char *)"Go", (char *)"with \"quotes\"\n"};
    struct enclosure encl[] = {{(char *)"http://m/a.mp3", (char *)"audio/mpeg", 42},
                               {(char *)"http://m/b.ogg", NULL, -1},
                               {NULL, (char *)"x/y", 1}};
    struct entry ea = mk_entry("urn:a", "A", "<p>a</p>");
    ea.categories = cats;
    ea.ncategories = 2;
    ea.enclosures = encl;
    ea.nenclosures = 3;
    struct entry eb = mk_entry("urn:b", "B", "<p>b</p>");
    struct identity ia = mk_id("id:urn:a", "1111111111111111");
    struct identity ib = mk_id("id:urn:b", "2222222222222222");
    assert_int_equal(db_entry_insert(db, fid, &ea, &ia, STAGE_NEW, 0, 100, &a), 0);
    assert_int_equal(db_entry_insert(db, fid, &eb, &ib, STAGE_NEW, 0, 100, &b), 0);
    struct db_entry row;
    assert_int_equal(db_entry_get(db, a, &row), 0);
    assert_int_equal(row.ncategories, 2);
    assert_string_equal(row.categories[0], "Go");
    assert_string_equal(row.categories[1], "with \"quotes\"\n");
    assert_int_equal(row.nenclosures, 2);   /* the one without a URL is not kept */
    assert_string_equal(row.enclosures[0].url, "http://m/a.mp3");
    assert_string_equal(row.enclosures[0].type, "audio/mpeg");
    assert_int_equal(row.enclosures[0].length, 42);
    assert_string_equal(row.enclosures[1].url, "http://m/b.ogg");
    assert_null(row.enclosures[1].type);
    assert_int_equal(row.enclosures[1].length, -1);
    db_entry_clear(&row);
    assert_int_equal(db_entry_get(db, b, &row), 0);
    assert_int_equal(row.ncategories, 0);
    assert_int_equal(row.nenclosures, 0);
    assert_null(row.categories);
    db_entry_clear(&row);
    /* an update replaces them */
    ea.ncategories = 1;
    ea.nenclosures = 0;
    snprintf(ia.content_hash, sizeof ia.content_hash, "%s", "3333333333333333");
    assert_int_equal(db_entry_update(db, a, &ea, &ia), 1);
    assert_int_equal(db_entry_get(db, a, &row), 0);
    assert_int_equal(row.ncategories, 1);
    assert_int_equal(row.nenclosures, 0);
    db_entry_clear(&row);
}

/* An entry held back by the first subscription's backlog (STAGE_SEEN) keeps its identity
 * and content hash but no HTML (migration 10): an edit of it is still seen, and it stays
 * without a file and without HTML; an entry that gets a file keeps its HTML. */
static void test_seen_entry_keeps_no_content(void **state)
{
    struct db *db = *state;
    int64_t fid, seen, fresh;
    assert_int_equal(subscribe(db, "http://a/feed", NULL, 0, -2, NULL, NULL, 100, &fid), 0);
    struct entry es = mk_entry("urn:s", "S", "<p>held back</p>");
    struct entry en = mk_entry("urn:n", "N", "<p>new</p>");
    struct identity is = mk_id("id:urn:s", "1111111111111111");
    struct identity in = mk_id("id:urn:n", "2222222222222222");
    assert_int_equal(db_entry_insert(db, fid, &es, &is, STAGE_SEEN, 1, 100, &seen), 0);
    assert_int_equal(db_entry_insert(db, fid, &en, &in, STAGE_NEW, 1, 100, &fresh), 0);
    assert_int_equal(content_rows(), 1);
    assert_null(content_of(db, seen));
    char *c = content_of(db, fresh);
    assert_string_equal(c, "<p>new</p>");
    free(c);
    /* the same content: nothing to do */
    assert_int_equal(db_entry_update(db, seen, &es, &is), 0);
    /* an edit: recorded (new hash), still seen, still no HTML */
    struct entry es2 = mk_entry("urn:s", "S edited", "<p>held back, edited</p>");
    struct identity is2 = mk_id("id:urn:s", "3333333333333333");
    assert_int_equal(db_entry_update(db, seen, &es2, &is2), 1);
    struct db_entry row;
    assert_int_equal(db_entry_get(db, seen, &row), 0);
    assert_int_equal(row.stage, STAGE_SEEN);
    assert_string_equal(row.content_hash, "3333333333333333");
    assert_string_equal(row.title, "S edited");
    assert_null(row.content);
    db_entry_clear(&row);
    assert_int_equal(content_rows(), 1);
}

static void test_reopen_keeps_data(void **state)
{
    struct db *db = *state;
    int64_t fid;
    assert_int_equal(subscribe(db, "http://keep/feed", NULL, 0, -2, NULL, NULL, 1, &fid), 0);
    struct db *db2;
    char err[256];
    assert_int_equal(db_open(dbpath, &db2, err, sizeof err), 0);
    struct db_feed *feeds;
    size_t n;
    assert_int_equal(db_feed_list(db2, DB_FEEDS_ALL, &feeds, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(feeds[0].url, "http://keep/feed");
    db_feed_list_free(feeds, n);
    db_close(db2);
}

/* An upgrade from a build that stored version-1 content hashes: the same content seen
 * again is not an update (no new summary, no rewritten file); only the stored hash is
 * replaced by version 2, so later polls compare directly. Changed content still is an
 * update. */
static void test_content_hash_upgrade(void **state)
{
    struct db *db = *state;
    int64_t fid, eid;
    assert_int_equal(subscribe(db, "http://u/feed", NULL, 0, -2, NULL, NULL, 100, &fid), 0);
    struct entry e = mk_entry("urn:u", "Upgrade", "<p>Same  text</p>\n");
    struct identity now;
    struct feed f = {.entries = &e, .nentries = 1, .cap_entries = 1};
    identity_compute(&f, &now);
    char v1[17];
    identity_content_hash_v1(&e, v1);
    assert_string_not_equal(v1, now.content_hash);
    struct identity old = mk_id(now.key, v1);
    assert_int_equal(db_entry_insert(db, fid, &e, &old, STAGE_NEW, 0, 100, &eid), 0);
    struct db_summary sum = {.summary = "Sum.", .by = "builtin"};
    assert_int_equal(db_entry_set_summary(db, eid, &sum), 0);
    assert_int_equal(db_entry_claim_path(db, eid, "2023-11-14-upgrade.md"), 0);
    assert_int_equal(db_entry_mark_written(db, eid), 0);

    assert_int_equal(db_entry_update(db, eid, &e, &now), 0);
    struct db_entry row;
    assert_int_equal(db_entry_get(db, eid, &row), 0);
    assert_int_equal(row.stage, STAGE_WRITTEN);
    assert_string_equal(row.content_hash, now.content_hash);
    assert_string_equal(row.summary, "Sum.");
    db_entry_clear(&row);
    int64_t *ids;
    size_t n;
    assert_int_equal(db_entries_pending(db, fid, &ids, &n), 0);
    assert_int_equal(n, 0);
    free(ids);
    assert_int_equal(db_entry_update(db, eid, &e, &now), 0);   /* now a direct match */

    struct entry e2 = mk_entry("urn:u", "Upgrade", "<p>Other text</p>");
    struct identity changed;
    struct feed f2 = {.entries = &e2, .nentries = 1, .cap_entries = 1};
    identity_compute(&f2, &changed);
    assert_int_equal(db_entry_update(db, eid, &e2, &changed), 1);
    assert_int_equal(db_entry_get(db, eid, &row), 0);
    assert_int_equal(row.stage, STAGE_NEW);
    db_entry_clear(&row);
    identity_free(&now);
    identity_free(&changed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_subscribe_and_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_record_same_is_success_without_titles, setup, teardown),
        cmocka_unit_test_setup_teardown(test_record_same_writes_the_feeds_row_only_for_new_validators,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_every_feed_has_its_poll_row, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resubscribe_writes_nothing_unchanged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sync_config, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sync_config_hands_back_the_active_rows, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_fetch_outcomes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_entries_keys_and_stages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_content_hash_upgrade, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tombstone_of_pruned_entry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_content_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_categories_enclosures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_seen_entry_keeps_no_content, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reopen_keeps_data, setup, teardown),
    };
    return cmocka_run_group_tests_name("db", tests, NULL, NULL);
}
