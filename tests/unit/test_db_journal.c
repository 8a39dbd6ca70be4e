/* tests/unit/test_db_journal.c: the journal of a new database (storage/db_journal.c): a
 * database made by db_open_new is in the rollback journal until db_first_load_end, which
 * never waits for another connection's lock; db_open turns a database to WAL when it can
 * at once, and reads beside a first load when it cannot. */
#include "tests/unit/db_fixture.h"

#include <time.h>

/* The mode the file's header says (sqlite.org/fileformat2.html, bytes 18 and 19): 2 is
 * WAL, 1 the rollback journal; 0 when unread. */
static int header_version(void)
{
    unsigned char head[20] = {0};
    FILE *f = fopen(dbpath, "rb");
    if (f) {
        if (fread(head, 1, sizeof head, f) != sizeof head)
            head[18] = 0;
        fclose(f);
    }
    return head[18];
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int setup_new(void **state)
{
    return setup_with(state, db_open_new);
}

/* A second feedsd connection, as `feedsd status` opens one. */
static struct db *open_other(void)
{
    struct db *other = NULL;
    char err[256];
    assert_int_equal(db_open(dbpath, &other, err, sizeof err), 0);
    return other;
}

/* Another process's read transaction on the database: a SHARED lock held until
 * reader_end. */
static sqlite3 *reader_begin(void)
{
    sqlite3 *h = NULL;
    assert_int_equal(sqlite3_open_v2(dbpath, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_exec(h, "BEGIN; SELECT count(*) FROM feeds;", NULL, NULL, NULL),
                     SQLITE_OK);
    return h;
}

static void reader_end(sqlite3 *h)
{
    sqlite3_exec(h, "COMMIT", NULL, NULL, NULL);
    sqlite3_close(h);
}

static void test_a_new_database_is_in_its_first_load_until_it_ends(void **state)
{
    struct db *db = *state;
    assert_true(db_first_load(db));
    int64_t id;
    assert_int_equal(subscribe(db, "http://a/feed", NULL, 0, -2, NULL, NULL, 100, &id), 0);
    assert_int_equal(header_version(), 1);
    assert_int_equal(db_first_load_end(db), 0);
    assert_false(db_first_load(db));
    assert_int_equal(header_version(), 2);
    char p[80];
    snprintf(p, sizeof p, "%s-journal", dbpath);
    assert_int_equal(access(p, F_OK), -1);     /* no journal file is left */
    assert_int_equal(db_first_load_end(db), 0);   /* once is enough */
}

static void test_the_end_does_not_wait_for_a_reader(void **state)
{
    struct db *db = *state;
    int64_t id;
    assert_int_equal(subscribe(db, "http://a/feed", NULL, 0, -2, NULL, NULL, 100, &id), 0);
    sqlite3 *r = reader_begin();
    double t0 = now();
    assert_int_equal(db_first_load_end(db), -1);
    assert_true(now() - t0 < 1.0);            /* the busy timeout is 10 s */
    assert_true(db_first_load(db));
    assert_int_equal(header_version(), 1);
    /* it goes on writing meanwhile, and ends once the reader is gone */
    reader_end(r);
    assert_int_equal(subscribe(db, "http://b/feed", NULL, 0, -2, NULL, NULL, 100, &id), 0);
    assert_int_equal(db_first_load_end(db), 0);
    assert_int_equal(header_version(), 2);
}

static void test_another_connection_reads_beside_a_first_load(void **state)
{
    struct db *db = *state;
    int64_t id;
    assert_int_equal(subscribe(db, "http://a/feed", NULL, 0, -2, NULL, NULL, 100, &id), 0);
    /* a group of polls is open: the writer holds its lock */
    assert_int_equal(db_group_join(db), 0);
    assert_int_equal(subscribe(db, "http://b/feed", NULL, 0, -2, NULL, NULL, 100, &id), 0);
    double t0 = now();
    struct db *other = open_other();
    assert_true(now() - t0 < 1.0);
    assert_true(db_first_load(other));       /* it could not turn the database to WAL */
    assert_int_equal(header_version(), 1);
    sqlite3 *r = reader_begin();               /* a read beside the open group */
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(r, "SELECT count(*) FROM feeds", -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 1);    /* the group is not committed yet */
    sqlite3_finalize(st);
    reader_end(r);
    db_close(other);                           /* tries once more, without waiting */
    assert_int_equal(header_version(), 1);
    assert_int_equal(db_group_commit(db), 0);
    assert_int_equal(db_first_load_end(db), 0);
    assert_int_equal(header_version(), 2);
}

static void test_a_switch_by_another_connection_leaves_no_journal_file(void **state)
{
    struct db *db = *state;
    int64_t id;
    assert_int_equal(subscribe(db, "http://a/feed", NULL, 0, -2, NULL, NULL, 100, &id), 0);
    char p[80];
    snprintf(p, sizeof p, "%s-journal", dbpath);
    assert_int_equal(access(p, F_OK), 0);      /* TRUNCATE keeps it, empty */
    /* `feedsd status` between two of the daemon's transactions: it turns the database */
    db_close(open_other());
    assert_int_equal(header_version(), 2);
    /* the daemon follows, and its empty journal goes */
    assert_int_equal(db_first_load_end(db), 0);
    assert_false(db_first_load(db));
    assert_int_equal(access(p, F_OK), -1);
    assert_int_equal(subscribe(db, "http://b/feed", NULL, 0, -2, NULL, NULL, 100, &id), 0);
}

static void test_db_open_turns_a_database_left_in_its_first_load_to_wal(void **state)
{
    struct db *db = *state;
    int64_t id;
    assert_int_equal(subscribe(db, "http://a/feed", NULL, 0, -2, NULL, NULL, 100, &id), 0);
    assert_int_equal(header_version(), 1);
    /* as a process that stopped before its first load was stored would leave it: the
     * next open, with no other connection, makes it a WAL database */
    struct db *other = open_other();
    assert_false(db_first_load(other));
    assert_int_equal(header_version(), 2);
    db_close(other);
    assert_int_equal(db_first_load_end(db), 0);   /* the first connection follows */
    assert_false(db_first_load(db));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_a_new_database_is_in_its_first_load_until_it_ends,
                                        setup_new, teardown),
        cmocka_unit_test_setup_teardown(test_the_end_does_not_wait_for_a_reader, setup_new,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_another_connection_reads_beside_a_first_load,
                                        setup_new, teardown),
        cmocka_unit_test_setup_teardown(test_a_switch_by_another_connection_leaves_no_journal_file,
                                        setup_new, teardown),
        cmocka_unit_test_setup_teardown(test_db_open_turns_a_database_left_in_its_first_load_to_wal,
                                        setup_new, teardown),
    };
    return cmocka_run_group_tests_name("db_journal", tests, NULL, NULL);
}
