/* tests/unit/test_db_group.c: group commit (storage/db_group.c): the polls' results in
 * one transaction, each feed's in a savepoint, as another process sees them. */
#include "tests/unit/db_fixture.h"

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
        cmocka_unit_test_setup_teardown(test_group_commit, setup, teardown),
    };
    return cmocka_run_group_tests_name("db_group", tests, NULL, NULL);
}
