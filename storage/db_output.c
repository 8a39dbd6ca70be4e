/* storage/db_output.c: the processes that may have left temporary files in an output
 * folder, and the boot in which each folder was last swept (storage/db.h; tables
 * output_writers and output_clean, migration 14). The daemon decides from them whether a
 * start lists the folder at all (daemon/claim.c). */
#include <stdlib.h>

#include <sqlite3.h>

#include "common/log.h"
#include "common/util.h"
#include "storage/db_int.h"

/* The end of a transaction db_begin opened: committed when ok is 0, else rolled back.
 * 0 / -1. */
static int commit_if(struct db *db, int ok)
{
    if (ok < 0 || db_commit(db) < 0) {
        db_rollback(db);
        return -1;
    }
    return 0;
}

/* One statement in a transaction of its own, committed. */
static int run_committed(struct db *db, enum stmt_id id, const struct db_arg *args, size_t n)
{
    if (db_begin(db) < 0)
        return -1;
    return commit_if(db, db_run(db, id, args, n));
}

int db_writer_add(struct db *db, const char *folder, const struct db_writer *w)
{
    return run_committed(db, S_WRITER_ADD, DB_ARGS(DB_TEXT(folder), DB_INT(w->pid),
                                                   DB_TEXT(w->boot_id), DB_INT(w->started)));
}

int db_writer_remove(struct db *db, const struct db_writer *w)
{
    return run_committed(db, S_WRITER_DEL, DB_ARGS(DB_INT(w->pid), DB_TEXT(w->boot_id),
                                                   DB_INT(w->started)));
}

void db_writers_free(struct db_writer *w, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(w[i].boot_id);
    free(w);
}

static int clean_get(struct db *db, const char *folder, char **clean)
{
    *clean = NULL;
    sqlite3_stmt *s = db_bind(db, S_CLEAN_GET, DB_ARGS(DB_TEXT(folder)));
    if (!s)
        return -1;
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *clean = db_col_text(s, 0);
    sqlite3_reset(s);
    if (rc == SQLITE_ROW || rc == SQLITE_DONE)
        return 0;
    log_err("database: the output folder's clean boot: %s", sqlite3_errmsg(db->h));
    return -1;
}

static int writers_get(struct db *db, const char *folder, struct db_writer **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *s = db_bind(db, S_WRITER_LIST, DB_ARGS(DB_TEXT(folder)));
    if (!s)
        return -1;
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? 2 * cap : 4;
            *out = xrealloc(*out, cap * sizeof **out);
        }
        struct db_writer *w = &(*out)[(*n)++];
        w->pid = sqlite3_column_int64(s, 0);
        w->boot_id = db_col_text(s, 1);
        if (!w->boot_id)
            w->boot_id = xstrdup("");
        w->started = sqlite3_column_int64(s, 2);
    }
    sqlite3_reset(s);
    if (rc == SQLITE_DONE)
        return 0;
    log_err("database: the output folder's writers: %s", sqlite3_errmsg(db->h));
    db_writers_free(*out, *n);
    *out = NULL;
    *n = 0;
    return -1;
}

int db_output_state(struct db *db, const char *folder, char **clean, struct db_writer **w,
                    size_t *n)
{
    int began = db_read_begin(db);    /* both from one snapshot */
    int rc = clean_get(db, folder, clean);
    if (rc == 0 && writers_get(db, folder, w, n) < 0) {
        free(*clean);
        *clean = NULL;
        rc = -1;
    }
    db_read_end(db, began);
    return rc;
}

int db_output_swept(struct db *db, const char *folder, const char *clean,
                    const struct db_writer *gone, size_t n)
{
    if (db_begin(db) < 0)
        return -1;
    int ok = 0;
    for (size_t i = 0; i < n && ok == 0; i++)
        ok = db_run(db, S_WRITER_FORGET, DB_ARGS(DB_TEXT(folder), DB_INT(gone[i].pid),
                                                  DB_TEXT(gone[i].boot_id),
                                                  DB_INT(gone[i].started)));
    if (ok == 0 && clean)
        ok = db_run(db, S_CLEAN_SET, DB_ARGS(DB_TEXT(folder), DB_TEXT(clean)));
    return commit_if(db, ok);
}
