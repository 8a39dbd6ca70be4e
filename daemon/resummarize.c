/* daemon/resummarize.c: `feedsd resummarize`: asks again for model summaries of chosen
 * posts: those that fell back (the model was down), those of one feed, or all. It only
 * marks entries in the database; a running daemon picks them up within a minute (at once
 * on SIGHUP), and `feedsd run --once` finishes them. The new summary is requested even
 * when a cached answer exists, and the post's file is rewritten in place. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "common/util.h"
#include "daemon/commands.h"
#include "daemon/config.h"
#include "storage/db.h"

static int usage(void)
{
    fprintf(stderr, "usage: feedsd resummarize [-c CONFIG] [--database PATH]"
                    " (--fallback | --all | --feed URL | --file PATH)...\n"
                    "  --fallback   posts whose summary is a fallback\n"
                    "  --all        every post that has a file\n"
                    "  --feed URL   the posts of one feed\n"
                    "  --file PATH  one post, by its file's path in the output folder\n");
    return 2;
}

int cmd_resummarize(int argc, char **argv)
{
    const char *config_path = getenv("FEEDSD_CONFIG"), *database = NULL;
    struct buf where = {0};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *cond = NULL;
        char *arg = NULL;
        if ((!strcmp(a, "-c") || !strcmp(a, "--config")) && i + 1 < argc) {
            config_path = argv[++i];
            continue;
        } else if (!strcmp(a, "--database") && i + 1 < argc) {
            database = argv[++i];
            continue;
        } else if (!strcmp(a, "--fallback")) {
            cond = "sum_fallback = 1";
        } else if (!strcmp(a, "--all")) {
            cond = "stage IN (1, 2)";
        } else if (!strcmp(a, "--feed") && i + 1 < argc) {
            arg = sqlite3_mprintf("feed_id = (SELECT id FROM feeds WHERE url = %Q)", argv[++i]);
        } else if (!strcmp(a, "--file") && i + 1 < argc) {
            arg = sqlite3_mprintf("path = %Q", argv[++i]);
        } else {
            buf_free(&where);
            return usage();
        }
        buf_printf(&where, "%s(%s)", where.len ? " OR " : "", cond ? cond : arg);
        sqlite3_free(arg);
    }
    if (!where.len)
        return usage();
    struct config c;
    struct db *db;
    if (cli_open(config_path, database, &c, &db) < 0) {
        buf_free(&where);
        return 1;
    }
    /* Entries without a file yet are already on their way; SEEN backlog stays unwritten. */
    char *sql = xasprintf("UPDATE entries SET sum_pending = 1, sum_force = 1, sum_attempts = 0,"
                          " sum_next = 0, sum_error = NULL WHERE stage IN (1, 2) AND (%s)",
                          where.data);
    char err[512];
    int rc = 0;
    if (db_exec(db, sql, err, sizeof err) < 0) {
        fprintf(stderr, "feedsd: %s\n", err);
        rc = 1;
    } else {
        long long n = (long long)db_changes(db);
        printf("%lld %s queued for a new summary\n", n, plural(n, "post", "posts"));
    }
    free(sql);
    buf_free(&where);
    db_close(db);
    config_free(&c);
    return rc;
}
