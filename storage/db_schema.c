/* storage/db_schema.c: the schema as an append-only array of migrations, and running
 * the ones a database lacks when it is opened (PRAGMA user_version counts those
 * applied). Owner: storage. */
#include "storage/db_int.h"

#include <stdio.h>
#include <stdlib.h>

#include <sqlite3.h>

#include "common/log.h"
#include "common/util.h"

/* Migrations: append only. user_version = number of steps applied. */
static const char *const migrations[] = {
    /* 1: initial schema */
    "CREATE TABLE feeds ("
    "  id INTEGER PRIMARY KEY,"
    "  url TEXT NOT NULL UNIQUE,"
    "  title TEXT, interval INTEGER NOT NULL DEFAULT 0, backlog INTEGER NOT NULL DEFAULT -2,"
    "  feed_title TEXT, site_link TEXT, etag TEXT, last_modified TEXT, body_hash TEXT,"
    "  last_fetch INTEGER NOT NULL DEFAULT 0, last_status INTEGER NOT NULL DEFAULT 0,"
    "  last_error TEXT, fail_count INTEGER NOT NULL DEFAULT 0,"
    "  next_poll INTEGER NOT NULL DEFAULT 0,"
    "  initialized INTEGER NOT NULL DEFAULT 0, active INTEGER NOT NULL DEFAULT 1,"
    "  created INTEGER NOT NULL);"
    "CREATE TABLE entries ("
    "  id INTEGER PRIMARY KEY,"
    "  feed_id INTEGER NOT NULL REFERENCES feeds(id),"
    "  key TEXT NOT NULL,"
    "  guid TEXT, link TEXT, title TEXT, author TEXT,"
    "  published INTEGER, updated INTEGER, first_seen INTEGER NOT NULL,"
    "  content TEXT, content_hash TEXT NOT NULL,"
    "  stage INTEGER NOT NULL, summary TEXT, path TEXT UNIQUE,"
    "  UNIQUE (feed_id, key));"
    "CREATE INDEX entries_pending ON entries(stage, feed_id) WHERE stage < 2;"
    /* Keys are never deleted: they are the tombstones of pruned entries. */
    "CREATE TABLE entry_keys ("
    "  feed_id INTEGER NOT NULL, key TEXT NOT NULL, entry_id INTEGER NOT NULL,"
    "  PRIMARY KEY (feed_id, key)) WITHOUT ROWID;",
    /* 2: the summary queue. A model summary is wanted while sum_pending = 1; the result of
     * every completed request is kept in summaries, keyed by what was asked, so that an
     * unchanged post is never sent twice. */
    "ALTER TABLE entries ADD COLUMN backlog INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE entries ADD COLUMN sum_pending INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE entries ADD COLUMN sum_force INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE entries ADD COLUMN sum_attempts INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE entries ADD COLUMN sum_next INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE entries ADD COLUMN sum_error TEXT;"
    "ALTER TABLE entries ADD COLUMN sum_by TEXT;"
    "ALTER TABLE entries ADD COLUMN sum_fallback INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE entries ADD COLUMN model_title TEXT;"
    "ALTER TABLE feeds ADD COLUMN language TEXT;"
    "ALTER TABLE feeds ADD COLUMN summarizer TEXT;"
    "CREATE INDEX entries_sum_pending ON entries(sum_next) WHERE sum_pending = 1;"
    "CREATE TABLE summaries ("
    "  key TEXT PRIMARY KEY, summary TEXT NOT NULL, title TEXT, by TEXT NOT NULL,"
    "  created INTEGER NOT NULL) WITHOUT ROWID;",
    /* 3: where a subscription comes from: the configuration (synced on every start and
     * reload) or the command line (`feedsd add`, `import`), which a reload leaves alone. */
    "ALTER TABLE feeds ADD COLUMN origin TEXT NOT NULL DEFAULT 'config';",
    /* 4: politeness (issue 5): adopted permanent redirects, feeds disabled by 410 Gone,
     * the feed's own polling hints, and why the next poll is when it is. */
    "ALTER TABLE feeds ADD COLUMN fetch_url TEXT;"
    "ALTER TABLE feeds ADD COLUMN redirect_to TEXT;"
    "ALTER TABLE feeds ADD COLUMN redirect_count INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE feeds ADD COLUMN disabled TEXT;"
    "ALTER TABLE feeds ADD COLUMN schedule_reason TEXT;"
    "ALTER TABLE feeds ADD COLUMN hint_ttl INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE feeds ADD COLUMN hint_sy INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE feeds ADD COLUMN skip_hours INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE feeds ADD COLUMN skip_days INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE feeds ADD COLUMN adaptive INTEGER NOT NULL DEFAULT 0;",
    /* 5: full articles for teaser feeds (issue 4). page_state: 0 undecided, 1 wanted,
     * 2 fetched (content now holds the article), 3 given up (the feed's text is used),
     * 4 not wanted. */
    "ALTER TABLE entries ADD COLUMN page_state INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE entries ADD COLUMN page_attempts INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE entries ADD COLUMN page_next INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE entries ADD COLUMN page_error TEXT;"
    "CREATE INDEX entries_page_wanted ON entries(page_next) WHERE page_state = 1;",
    /* 6: the post's HTML in a table of its own. In the entries row it spilled into
     * overflow pages, and SQLite writes a row whole: setting a summary, a path or a stage
     * rewrote (and wrote to the WAL) the post's kilobytes each time, and reading the
     * small columns read them too. Entries without HTML have no row here. */
    "CREATE TABLE entry_content ("
    "  entry_id INTEGER PRIMARY KEY REFERENCES entries(id) ON DELETE CASCADE,"
    "  content TEXT NOT NULL);"
    "INSERT INTO entry_content (entry_id, content)"
    "  SELECT id, content FROM entries WHERE content IS NOT NULL AND content != '';"
    "ALTER TABLE entries DROP COLUMN content;",
    /* 7: the entry's categories and enclosures (issue 18), for the front matter: JSON
     * arrays (db_entries.c), NULL when the entry has none. The written posts by their
     * date, for the output feed (the newest N) and the daily digests (one day's), and the
     * days whose digest must be written again (db_views.c). */
    "ALTER TABLE entries ADD COLUMN categories TEXT;"
    "ALTER TABLE entries ADD COLUMN enclosures TEXT;"
    "CREATE INDEX entries_written_date ON entries(coalesce(published, updated, first_seen))"
    "  WHERE stage = 2;"
    "CREATE TABLE digest_days (day TEXT PRIMARY KEY) WITHOUT ROWID;",
    /* 8: one post carried by several feeds (issue 18). post_keys holds the cross-feed keys
     * of the entries that have a file or share one (feeds/post_match.h); an entry whose
     * post another feed's file already carries has dup_of set to that entry, and no file
     * of its own. The link keys of the posts written so far come from their identity's
     * url: aliases. */
    "CREATE TABLE post_keys ("
    "  key TEXT NOT NULL,"
    "  entry_id INTEGER NOT NULL REFERENCES entries(id) ON DELETE CASCADE,"
    "  PRIMARY KEY (key, entry_id)) WITHOUT ROWID;"
    "CREATE INDEX post_keys_entry ON post_keys(entry_id);"
    "ALTER TABLE entries ADD COLUMN dup_of INTEGER;"
    "CREATE INDEX entries_dup_of ON entries(dup_of) WHERE dup_of IS NOT NULL;"
    "INSERT OR IGNORE INTO post_keys (key, entry_id)"
    "  SELECT k.key, k.entry_id FROM entry_keys k JOIN entries e ON e.id = k.entry_id"
    "  WHERE k.key LIKE 'url:%' AND e.stage != 3;",
    /* 9: what the article's page says about itself (issue 21): a JSON object of
     * markdown/readability.h's struct page_meta, set with the extracted article. */
    "ALTER TABLE entries ADD COLUMN page_meta TEXT;",
    /* 10: no HTML for entries that never get a file (stage 3, held back by the first
     * subscription's backlog: no step after the store reads it; an edit is detected
     * by entries.content_hash). */
    "DELETE FROM entry_content WHERE entry_id IN (SELECT id FROM entries WHERE stage = 3);",
    /* 11: a feed's category (issue 19): an OPML folder, a path such as "Tech/Linux", or
     * NULL. */
    "ALTER TABLE feeds ADD COLUMN category TEXT;",
    /* 12: how many new entries each include / exclude rule kept from getting a file, per
     * feed (issue 19); rule is the rule's text as `feedsd status` shows it. */
    "CREATE TABLE filter_drops ("
    "  feed_id INTEGER NOT NULL, rule TEXT NOT NULL, count INTEGER NOT NULL,"
    "  PRIMARY KEY (feed_id, rule)) WITHOUT ROWID;",
    /* 13: a feed's poll state in a narrow table of its own. SQLite writes a row whole: a
     * 304 changed 6 of the feeds row's 32 columns (~250 bytes) and rewrote all of it, and
     * 1000 feeds' rows filled 62 pages written to the WAL and checkpointed. A warm poll
     * of 1000 feeds on 20 HTTPS origins (bench/warm_instructions.py, Debian 12): the
     * 1000 writes of db_feed_record_same 13.8 M -> 5.6 M instructions, the whole run
     * 380.4 -> 373.2 M. Every feed has its row here, added by the trigger however the
     * feed is inserted (the upsert of db_feed_subscribe fires it only when it inserts):
     * no row until the first poll, read through a LEFT JOIN with defaults and written by
     * an upsert, cost 0.8 M more for the writes and 0.2 M for the reads (bench/results/
     * warm-instructions-20261207-1314-poll-row-left-join.txt). */
    "CREATE TABLE feed_polls ("
    "  feed_id INTEGER PRIMARY KEY REFERENCES feeds(id) ON DELETE CASCADE,"
    "  last_fetch INTEGER NOT NULL DEFAULT 0, last_status INTEGER NOT NULL DEFAULT 0,"
    "  last_error TEXT, fail_count INTEGER NOT NULL DEFAULT 0,"
    "  next_poll INTEGER NOT NULL DEFAULT 0, schedule_reason TEXT);"
    "INSERT INTO feed_polls (feed_id, last_fetch, last_status, last_error, fail_count,"
    "  next_poll, schedule_reason)"
    "  SELECT id, last_fetch, last_status, last_error, fail_count, next_poll,"
    "  schedule_reason FROM feeds;"
    "ALTER TABLE feeds DROP COLUMN last_fetch;"
    "ALTER TABLE feeds DROP COLUMN last_status;"
    "ALTER TABLE feeds DROP COLUMN last_error;"
    "ALTER TABLE feeds DROP COLUMN fail_count;"
    "ALTER TABLE feeds DROP COLUMN next_poll;"
    "ALTER TABLE feeds DROP COLUMN schedule_reason;"
    "CREATE TRIGGER feeds_poll_row AFTER INSERT ON feeds"
    "  BEGIN INSERT INTO feed_polls (feed_id) VALUES (new.id); END;",
    /* 14: who may have left temporary files in an output folder (db_output.c). folder is
     * the folder's identity as the daemon gives it; a writer is a process (pid, boot id,
     * start time, common/proc.h) between its first file there and its clean exit;
     * output_clean has the boot in which the folder was last swept. */
    "CREATE TABLE output_writers ("
    "  folder TEXT NOT NULL, pid INTEGER NOT NULL, boot_id TEXT NOT NULL,"
    "  started INTEGER NOT NULL,"
    "  PRIMARY KEY (folder, pid, boot_id, started)) WITHOUT ROWID;"
    "CREATE TABLE output_clean ("
    "  folder TEXT PRIMARY KEY, boot_id TEXT NOT NULL) WITHOUT ROWID;",
};
#define N_MIGRATIONS (sizeof migrations / sizeof migrations[0])

static void (*long_step_hook)(const char *what);

void db_set_long_step_hook(void (*hook)(const char *what)) { long_step_hook = hook; }

/* Says what is about to take long: in the log, and to the hook (the daemon's systemd
 * start timeout). */
static void long_step(const char *what)
{
    log_info("database: %s", what);
    if (long_step_hook)
        long_step_hook(what);
}

/* This migration rewrites every row of a database that has rows. */
#define MIGRATION_REWRITES 6
/* The last migration that frees most of the file's pages: a database older than it is
 * compacted once after it. */
#define MIGRATION_FREES 10

int db_migrate(struct db *db, char *err, size_t errlen)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(db->h, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK)
        goto fail;
    int version = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
    sqlite3_finalize(s);
    if (version > (int)N_MIGRATIONS) {
        snprintf(err, errlen, "schema version %d is newer than this feedsd knows (%zu)",
                 version, N_MIGRATIONS);
        return -1;
    }
    for (size_t v = (size_t)version; v < N_MIGRATIONS; v++) {
        if (version >= 1 && v + 1 == MIGRATION_REWRITES)
            long_step("upgrading the database (every row is rewritten once)");
        else if (version >= 1 && v + 1 == MIGRATION_FREES)
            long_step("upgrading the database (the HTML of posts without a file goes)");
        char *msg = NULL;
        char *sql = xasprintf("BEGIN; %s PRAGMA user_version = %zu; COMMIT;", migrations[v],
                              v + 1);
        int rc = sqlite3_exec(db->h, sql, NULL, NULL, &msg);
        free(sql);
        if (rc != SQLITE_OK) {
            snprintf(err, errlen, "migration %zu failed: %s", v + 1, msg ? msg : "?");
            sqlite3_free(msg);
            sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
            return -1;
        }
    }
    /* Migration 6 moved every post's HTML out of the entries rows, migration 10 dropped
     * the HTML of the entries without a file: the pages they held are free, most of the
     * file. Once, at that upgrade, the file is rewritten compact (a failure, e.g. no room
     * for the copy VACUUM makes, only leaves it large). */
    if (version >= 1 && version < MIGRATION_FREES && N_MIGRATIONS >= MIGRATION_FREES) {
        long_step("compacting the database after its upgrade");
        char *msg = NULL;
        if (sqlite3_exec(db->h, "VACUUM", NULL, NULL, &msg) != SQLITE_OK)
            log_warn("database: VACUUM failed (%s); it works as it is, only larger",
                     msg ? msg : "?");
        sqlite3_free(msg);
    }
    return 0;
fail:
    snprintf(err, errlen, "%s", sqlite3_errmsg(db->h));
    return -1;
}
