/* tests/unit/test_db.c: the SQLite store on a real database file. */
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

static int setup(void **state)
{
    snprintf(dbpath, sizeof dbpath, "/tmp/feedsd-test-db-%d.db", (int)getpid());
    unlink(dbpath);
    struct db *db;
    char err[256];
    if (db_open(dbpath, &db, err, sizeof err) < 0)
        return -1;
    *state = db;
    return 0;
}

static int teardown(void **state)
{
    db_close(*state);
    char p[80];
    unlink(dbpath);
    snprintf(p, sizeof p, "%s-wal", dbpath);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", dbpath);
    unlink(p);
    return 0;
}

static struct entry mk_entry(const char *id, const char *title, const char *content)
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

static struct identity mk_id(const char *key, const char *hash)
{
    struct identity id = {0};
    id.key = (char *)key;
    snprintf(id.content_hash, sizeof id.content_hash, "%s", hash);
    return id;
}

/* db_feed_subscribe with the fields the tests set, in the order of the struct. */
static int subscribe(struct db *db, const char *url, const char *title, int interval,
                     int backlog, const char *summarizer, const char *origin, int64_t now,
                     int64_t *id)
{
    struct db_subscription sub = {url, title, interval, backlog, summarizer, origin, NULL};
    return db_feed_subscribe(db, &sub, now, id);
}

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
        assert_int_equal(db_feeds_sync_config(db, sync_subs, nsubs, sync_find, NULL, 200), 0);
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

static char *content_of(struct db *db, int64_t eid)
{
    struct db_entry row;
    assert_int_equal(db_entry_get(db, eid, &row), 0);
    char *c = row.content ? strdup(row.content) : NULL;
    db_entry_clear(&row);
    return c;
}

static int content_rows(void)
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

/* What migrations 11 (a feed's category) and 12 (the filters' counts) added, taken away
 * again: a current database in the shape of schema 10 (10 itself only deletes rows). */
#define SCHEMA_10_FROM_CURRENT "ALTER TABLE feeds DROP COLUMN category; DROP TABLE filter_drops;"

/* And what migrations 8 (cross-feed posts) and 9 (the page's metadata) added: the shape
 * of schema 7. */
#define SCHEMA_7_FROM_CURRENT                                                              \
    SCHEMA_10_FROM_CURRENT                                                                 \
    "DROP TABLE post_keys; DROP INDEX entries_dup_of; ALTER TABLE entries DROP COLUMN dup_of;" \
    "ALTER TABLE entries DROP COLUMN page_meta;"

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
    int64_t fid, a, b;
    assert_int_equal(subscribe(db, "http://a/feed", NULL, 0, -2, NULL, NULL, 100, &fid), 0);
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
    assert_int_equal(sqlite3_column_int(st, 0), 12);
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

static int group_ends[2];     /* hook calls: [0] rolled back, [1] stored */

static void group_hook(void *ud, int stored)
{
    (void)ud;
    group_ends[stored != 0]++;
}

/* What another process sees: the committed rows only. */
static int committed_entries(void)
{
    sqlite3 *h;
    sqlite3_stmt *st;
    int n = -1;
    if (sqlite3_open_v2(dbpath, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(h, "SELECT count(*) FROM entries", -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            n = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
    }
    sqlite3_close(h);
    return n;
}

static int64_t feed_entries(struct db *db, int64_t id)
{
    struct db_feed *feeds;
    size_t n;
    int64_t count = -1;
    if (db_feed_list(db, DB_FEEDS_ALL, &feeds, &n) < 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (feeds[i].id == id)
            count = feeds[i].nentries;
    db_feed_list_free(feeds, n);
    return count;
}

/* Group commit: two feeds in one transaction, the second rolled back alone; nothing is
 * visible before the commit, which another transaction (db_begin) makes first. */
static void test_group_commit(void **state)
{
    struct db *db = *state;
    int64_t a, b, eid;
    assert_int_equal(subscribe(db, "http://a/feed", NULL, 0, -2, NULL, NULL, 100, &a), 0);
    assert_int_equal(subscribe(db, "http://b/feed", NULL, 0, -2, NULL, NULL, 100, &b), 0);
    memset(group_ends, 0, sizeof group_ends);
    db_group_set_hook(db, group_hook, NULL);
    struct entry e = mk_entry("urn:1", "One", "<p>Hello</p>");
    struct identity id = mk_id("id:urn:1", "1111111111111111");

    assert_int_equal(db_group_feed_begin(db), 0);
    assert_true(db_group_active(db));
    assert_int_equal(db_entry_insert(db, a, &e, &id, STAGE_NEW, 0, 100, &eid), 0);
    assert_int_equal(db_group_feed_end(db, 0), 0);
    assert_int_equal(db_group_feed_begin(db), 0);
    assert_int_equal(db_entry_insert(db, b, &e, &id, STAGE_NEW, 0, 100, &eid), 0);
    assert_int_equal(db_group_feed_end(db, -1), -1);    /* b alone is undone */
    assert_int_equal(feed_entries(db, a), 1);
    assert_int_equal(feed_entries(db, b), 0);
    assert_int_equal(committed_entries(), 0);
    assert_int_equal(group_ends[0] + group_ends[1], 0);
    /* a 304's one UPDATE, without a savepoint: checked, and in the group */
    assert_int_equal(db_group_join(db), 0);
    assert_int_equal(db_feed_record_success(db, b, 304, "\"e2\"", NULL, NULL, NULL, NULL, 110,
                                            3710, "interval 1h"), 0);
    assert_int_equal(db_group_check(db, 0), 0);
    assert_int_equal(db_group_check(db, -1), -1);        /* the statement's own failure */
    assert_true(db_group_active(db));
    assert_int_equal(group_ends[0] + group_ends[1], 0);

    assert_int_equal(db_begin(db), 0);                   /* commits the group first */
    assert_false(db_group_active(db));
    assert_int_equal(group_ends[1], 1);
    assert_int_equal(committed_entries(), 1);
    assert_int_equal(db_commit(db), 0);

    struct db_feed f;
    assert_int_equal(db_feed_get(db, b, &f), 0);
    assert_string_equal(f.etag, "\"e2\"");
    assert_int_equal(f.next_poll, 3710);
    db_feed_clear(&f);
    assert_int_equal(db_group_commit(db), 0);            /* none open: nothing to do */
    assert_int_equal(group_ends[1], 1);
    assert_int_equal(group_ends[0], 0);
    db_group_set_hook(db, NULL, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_subscribe_and_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resubscribe_writes_nothing_unchanged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sync_config, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fetch_outcomes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_entries_keys_and_stages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_content_hash_upgrade, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tombstone_of_pruned_entry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_content_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_content_migration, setup, teardown),
        cmocka_unit_test_setup_teardown(test_categories_enclosures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_post_keys_migration, setup, teardown),
        cmocka_unit_test_setup_teardown(test_seen_entry_keeps_no_content, setup, teardown),
        cmocka_unit_test_setup_teardown(test_seen_content_migration, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refuses_newer_schema, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reopen_keeps_data, setup, teardown),
        cmocka_unit_test_setup_teardown(test_group_commit, setup, teardown),
    };
    return cmocka_run_group_tests_name("db", tests, NULL, NULL);
}
