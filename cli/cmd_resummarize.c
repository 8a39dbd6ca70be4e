/* cli/cmd_resummarize.c: `feedsd resummarize`: asks again for model summaries of chosen
 * posts: those that fell back (the model was down), those of one feed, or all. It only
 * marks entries in the database; a running daemon picks them up within a minute (at once
 * on SIGHUP), and `feedsd run --once` finishes them. The new summary is requested even
 * when a cached answer exists, and the post's file is rewritten in place. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "cli/commands.h"
#include "common/cli.h"
#include "common/util.h"
#include "daemon/config.h"
#include "storage/db.h"

enum { RS_CONFIG = 1, RS_DATABASE, RS_FALLBACK, RS_ALL, RS_FEED, RS_FILE };

static const struct cli_opt resummarize_opts[] = {
    CLI_OPT_CONFIG(RS_CONFIG),
    CLI_OPT_DATABASE(RS_DATABASE),
    {"--fallback", NULL, NULL, RS_FALLBACK, "posts whose summary is a fallback"},
    {"--all", NULL, NULL, RS_ALL, "every post that has a file"},
    {"--feed", NULL, "URL", RS_FEED, "the posts of one feed"},
    {"--file", NULL, "PATH", RS_FILE, "one post, by its file's path in the output folder"},
    {NULL, NULL, NULL, 0, NULL},
};

const struct cli_cmd cmd_resummarize_spec = {
    "resummarize", "queues posts to be summarized again and their files rewritten",
    NULL, 0, 0, resummarize_opts,
    "Give at least one of --fallback, --all, --feed and --file; they add up and may repeat.\n"
    "A running daemon picks the posts up within a minute; 'feedsd run --once' finishes them.",
    cmd_resummarize};

int cmd_resummarize(int argc, char **argv)
{
    const char *config_path = getenv("FEEDSD_CONFIG"), *database = NULL;
    struct buf where = {0};
    struct cli cl;
    cli_init(&cl, &cmd_resummarize_spec, argc, argv);
    for (int id; (id = cli_next(&cl)) != CLI_END;) {
        const char *cond = NULL;
        char *arg = NULL;
        switch (id) {
        case RS_CONFIG: config_path = cl.arg; continue;
        case RS_DATABASE: database = cl.arg; continue;
        case RS_FALLBACK: cond = "sum_fallback = 1"; break;
        case RS_ALL: cond = "stage IN (1, 2)"; break;
        case RS_FEED:
            arg = sqlite3_mprintf("feed_id = (SELECT id FROM feeds WHERE url = %Q)", cl.arg);
            break;
        case RS_FILE: arg = sqlite3_mprintf("path = %Q", cl.arg); break;
        default:    /* CLI_EXIT */
            buf_free(&where);
            return cl.status;
        }
        buf_printf(&where, "%s(%s)", where.len ? " OR " : "", cond ? cond : arg);
        sqlite3_free(arg);
    }
    if (!where.len)
        return cli_usage_error(&cmd_resummarize_spec,
                               "choose posts with --fallback, --all, --feed or --file");
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
