/* tests/unit/test_db_output.c: the output folders' writers and clean boots
 * (storage/db_output.c), as another process sees them. */
#include "tests/unit/db_fixture.h"

/* What another connection sees: one integer. */
static int committed_count(const char *sql)
{
    sqlite3 *h;
    sqlite3_stmt *st;
    int n = -1;
    if (sqlite3_open_v2(dbpath, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            n = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
    }
    sqlite3_close(h);
    return n;
}

static struct db_writer writer(int64_t pid, const char *boot, int64_t started)
{
    return (struct db_writer){pid, (char *)boot, started};
}

static void test_a_new_folder_has_no_writer_and_no_clean_boot(void **state)
{
    struct db *db = *state;
    char *clean = (char *)"x";
    struct db_writer *w = NULL;
    size_t n = 9;
    assert_int_equal(db_output_state(db, "1:2", &clean, &w, &n), 0);
    assert_null(clean);
    assert_int_equal(n, 0);
    db_writers_free(w, n);
}

static void test_writers_are_per_folder_and_removed_from_all(void **state)
{
    struct db *db = *state;
    struct db_writer a = writer(100, "boot-a", 5000), b = writer(200, "", 0);
    assert_int_equal(db_writer_add(db, "1:2", &a), 0);
    assert_int_equal(db_writer_add(db, "1:2", &a), 0);     /* once is enough */
    assert_int_equal(db_writer_add(db, "1:2", &b), 0);
    assert_int_equal(db_writer_add(db, "3:4", &a), 0);
    /* committed: another process sees them */
    assert_int_equal(committed_count("SELECT count(*) FROM output_writers"), 3);
    char *clean;
    struct db_writer *w;
    size_t n;
    assert_int_equal(db_output_state(db, "1:2", &clean, &w, &n), 0);
    assert_null(clean);
    assert_int_equal(n, 2);
    int seen_a = 0, seen_b = 0;
    for (size_t i = 0; i < n; i++) {
        if (w[i].pid == 100) {
            assert_string_equal(w[i].boot_id, "boot-a");
            assert_int_equal(w[i].started, 5000);
            seen_a++;
        } else {
            assert_int_equal(w[i].pid, 200);
            assert_string_equal(w[i].boot_id, "");
            assert_int_equal(w[i].started, 0);
            seen_b++;
        }
    }
    assert_int_equal(seen_a + seen_b, 2);
    db_writers_free(w, n);
    /* a clean exit: the process's rows go under every folder, another's stay */
    assert_int_equal(db_writer_remove(db, &a), 0);
    assert_int_equal(committed_count("SELECT count(*) FROM output_writers"), 1);
    assert_int_equal(committed_count("SELECT pid FROM output_writers"), 200);
    /* the same pid of another boot or start time is another process */
    struct db_writer a2 = writer(200, "", 7);
    assert_int_equal(db_writer_remove(db, &a2), 0);
    assert_int_equal(committed_count("SELECT count(*) FROM output_writers"), 1);
}

static void test_a_sweep_forgets_the_dead_and_records_the_boot(void **state)
{
    struct db *db = *state;
    struct db_writer dead = writer(100, "boot-a", 1), live = writer(200, "boot-b", 2);
    assert_int_equal(db_writer_add(db, "1:2", &dead), 0);
    assert_int_equal(db_writer_add(db, "1:2", &live), 0);
    assert_int_equal(db_writer_add(db, "3:4", &dead), 0);
    assert_int_equal(db_output_swept(db, "1:2", "boot-b", &dead, 1), 0);
    assert_int_equal(committed_count("SELECT count(*) FROM output_writers WHERE folder = '1:2'"),
                     1);
    /* the other folder was not swept: its row of the same process stays */
    assert_int_equal(committed_count("SELECT count(*) FROM output_writers WHERE folder = '3:4'"),
                     1);
    char *clean;
    struct db_writer *w;
    size_t n;
    assert_int_equal(db_output_state(db, "1:2", &clean, &w, &n), 0);
    assert_string_equal(clean, "boot-b");
    assert_int_equal(n, 1);
    assert_int_equal(w[0].pid, 200);
    free(clean);
    db_writers_free(w, n);
    /* a sweep that cannot vouch for the folder leaves its clean boot as it was */
    assert_int_equal(db_output_swept(db, "1:2", NULL, &live, 1), 0);
    assert_int_equal(db_output_state(db, "1:2", &clean, &w, &n), 0);
    assert_string_equal(clean, "boot-b");
    assert_int_equal(n, 0);
    free(clean);
    db_writers_free(w, n);
    /* a later boot's sweep replaces it */
    assert_int_equal(db_output_swept(db, "1:2", "boot-c", NULL, 0), 0);
    assert_int_equal(db_output_state(db, "1:2", &clean, &w, &n), 0);
    assert_string_equal(clean, "boot-c");
    free(clean);
    db_writers_free(w, n);
    assert_int_equal(committed_count("SELECT count(*) FROM output_clean"), 1);
}

/* A writer is recorded before its process's first file: never inside the open group,
 * which a crash could still take back. The group is committed first. */
static void test_a_writer_is_committed_outside_the_group(void **state)
{
    struct db *db = *state;
    assert_int_equal(db_group_join(db), 0);
    assert_true(db_group_active(db));
    int64_t id;
    assert_int_equal(subscribe(db, "http://a/feed", NULL, 0, -2, NULL, NULL, 100, &id), 0);
    struct db_writer me = writer(100, "boot-a", 1);
    assert_int_equal(db_writer_add(db, "1:2", &me), 0);
    assert_false(db_group_active(db));
    assert_int_equal(committed_count("SELECT count(*) FROM output_writers"), 1);
    assert_int_equal(committed_count("SELECT count(*) FROM feeds"), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_a_new_folder_has_no_writer_and_no_clean_boot, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_writers_are_per_folder_and_removed_from_all, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_sweep_forgets_the_dead_and_records_the_boot, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_writer_is_committed_outside_the_group, setup,
                                        teardown),
    };
    return cmocka_run_group_tests_name("db_output", tests, NULL, NULL);
}
