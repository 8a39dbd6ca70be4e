/* storage/db.h: the SQLite database, the source of truth. WAL mode, migrations through
 * PRAGMA user_version, long-lived prepared statements. The daemon owns one struct db; every
 * struct returned here owns its strings (release with the matching _clear function).
 *
 * An entry moves through stages that live in its row, so a process killed at any instant
 * resumes where it stopped: NEW (stored, needs a summary) -> SUMMARIZED (needs its file)
 * -> WRITTEN. SEEN marks backlog entries that the first-subscription policy records
 * without a file. Identity keys (exact + aliases) live in entry_keys and outlive pruned
 * entries, so an old item never comes back as new. The post's HTML lives apart, in
 * entry_content (one row per entry that has some), so that moving an entry through its
 * stages rewrites a small row, not the post. */
#ifndef FEEDSD_DB_H
#define FEEDSD_DB_H

#include <stddef.h>
#include <stdint.h>

#include "feeds/feed.h"
#include "feeds/identity.h"

enum entry_stage { STAGE_NEW = 0, STAGE_SUMMARIZED = 1, STAGE_WRITTEN = 2, STAGE_SEEN = 3 };

struct db;

struct db_feed {
    int64_t id;
    char *url;
    char *title;            /* configured title, or NULL */
    char *feed_title;       /* the feed's own title */
    char *site_link;
    char *etag, *last_modified;
    int64_t last_fetch;     /* wall clock, 0 = never */
    int last_status;        /* HTTP status of the last fetch, 0 = transport error/never */
    char *last_error;       /* NULL when the last fetch succeeded */
    int fail_count;
    int64_t next_poll;      /* wall clock, 0 = as soon as possible */
    int initialized;        /* a first fetch has been stored (backlog policy applied) */
    int active;             /* still subscribed */
    int interval;           /* per-feed interval in seconds, 0 = global */
    int backlog;            /* per-feed backlog, -2 = global */
    int64_t nentries;       /* -1 from db_feed_get and DB_FEEDS_ACTIVE_UNCOUNTED */
    char *body_hash;        /* hash of the last parsed body */
    char *language;         /* the feed's declared language */
    char *summarizer;       /* per-feed summarizer, NULL = global */
    char *origin;           /* "config" or "cli" */
    char *fetch_url;        /* an adopted permanent redirect: fetched instead of url */
    char *redirect_to;      /* a permanent redirect seen on redirect_count polls in a row */
    int redirect_count;
    char *disabled;         /* why the feed is no longer polled (410 Gone), or NULL */
    char *schedule_reason;  /* why next_poll is when it is */
    char *category;         /* a folder path such as "Tech/Linux", NULL = none */
    int hint_ttl, hint_sy;  /* seconds from <ttl> and sy:updatePeriod/Frequency */
    uint32_t skip_hours;    /* RSS skipHours bits (GMT) */
    int skip_days;          /* RSS skipDays bits, 0 = Sunday */
    int adaptive;           /* adaptive mode's interval estimate in seconds, 0 = none */
};

struct db_entry {
    int64_t id, feed_id;
    char *key, *guid, *link, *title, *author, *content;
    int64_t published, updated, first_seen;     /* FEED_TIME_NONE when absent */
    char *content_hash;
    int stage;
    char *summary;
    char *path;
    char *feed_title;       /* configured title, else the feed's */
    char *feed_url;
    int backlog;            /* arrived with the feed's first fetch */
    int sum_pending;        /* a model summary is still wanted */
    int sum_force;          /* resummarize: do not take it from the cache */
    int sum_attempts;
    int64_t sum_next;       /* wall clock of the next attempt, in milliseconds */
    char *sum_error;        /* the last failure */
    char *sum_by;           /* "builtin", "openai/MODEL", "command/PROG", "text", "none" */
    int sum_fallback;       /* the summary is a fallback */
    char *model_title;      /* a title the model supplied, or NULL */
    char *feed_language;
    char *feed_summarizer;
    char *feed_category;    /* the feed's category path, NULL = none */
    int page_state;         /* PAGE_* */
    int page_attempts;
    char **categories;      /* the entry's categories (terms), ncategories of them */
    size_t ncategories;
    struct enclosure *enclosures;   /* its enclosures (feeds/feed.h) */
    size_t nenclosures;
    char *page_meta;        /* JSON: what the article's page says about itself, or NULL */
};

/* Full-article stage (issue 4): whether the post's web page is fetched for its text. */
enum page_state { PAGE_UNDECIDED = 0, PAGE_WANTED = 1, PAGE_FETCHED = 2, PAGE_FAILED = 3,
                  PAGE_NONE = 4 };

/* A summary and what produced it (strings borrowed when writing, owned when read). */
struct db_summary {
    const char *summary, *title, *by, *error;
    int fallback;           /* a fallback summary */
    int still_pending;      /* a provisional fallback: keep asking the model */
};

/* Opens (creating) the database and brings its schema up to date. Refuses a schema newer
 * than this program knows. 0 / -1 with a reason in err. */
int db_open(const char *path, struct db **out, char *err, size_t errlen);
/* Called (when set) before a step of db_open that may take long: an upgrade that rewrites
 * every row, the VACUUM after it. The daemon uses it to extend systemd's start timeout. */
void db_set_long_step_hook(void (*hook)(const char *what));
/* db_open for a database file this process creates: its first load is written through a
 * rollback journal, which writes about a third less than the WAL (db_journal.c), until
 * db_first_load_end or db_close. */
int db_open_new(const char *path, struct db **out, char *err, size_t errlen);
/* Whether the database is not in WAL mode yet: a first load (db_open_new), or another
 * connection's while the first load goes on. */
int db_first_load(const struct db *db);
/* The first load is stored: commits an open group and turns the database to WAL mode
 * for good. 0 (also when it was in WAL mode already), or -1 when it cannot yet: a
 * transaction is open, or another connection holds a lock, which it does not wait for.
 * The database then stays in the rollback journal, which is safe, until the next call;
 * db_close makes one. */
int db_first_load_end(struct db *db);
void db_close(struct db *db);
const char *db_errmsg(struct db *db);
/* The message of the last statement that failed in a step (db_errmsg is that of the last
 * statement run, which a rollback after the failure replaces with "not an error"). */
const char *db_last_error(const struct db *db);

/* db_begin commits an open group first (below). */
int db_begin(struct db *db);
int db_commit(struct db *db);
int db_rollback(struct db *db);

/* Group commit (db_group.c): the results of several polls in one transaction, each
 * feed's in a savepoint. db_group_join opens the group's transaction when none is open
 * (statements then run in it); db_group_feed_begin joins and opens a feed's savepoint,
 * db_group_feed_end releases it (ok 0) or rolls the feed back alone (ok -1), returning ok
 * or -1 when the group itself is lost; a feed whose poll writes one statement needs no
 * savepoint (SQLite undoes a failed statement alone) and calls db_group_check(db, ok)
 * after it instead, with the same result. db_group_commit commits the group (0; 0 too when
 * none is open; -1: rolled back); db_begin and db_close do so too. The hook hears of each
 * group's end: stored 1 when committed, 0 when rolled back. 0 / -1 (logged). */
typedef void (*db_group_fn)(void *ud, int stored);
/* A read transaction for many reads (db_group.c): 1 when one was begun (0: already in a
 * transaction, or it failed: the reads run on their own). db_read_end(db, began) ends
 * it; db_begin and db_group_join end it first. */
int db_read_begin(struct db *db);
void db_read_end(struct db *db, int began);
void db_group_set_hook(struct db *db, db_group_fn fn, void *ud);
int db_group_join(struct db *db);
int db_group_feed_begin(struct db *db);
int db_group_feed_end(struct db *db, int ok);
int db_group_check(struct db *db, int ok);
int db_group_commit(struct db *db);
int db_group_active(const struct db *db);

/* What a subscription sets on its feed's row. */
struct db_subscription {
    const char *url;
    const char *title;          /* configured title, NULL = the feed's own */
    int interval;               /* seconds, 0 = global */
    int backlog;                /* -2 = global, -1 = all, N */
    const char *summarizer;     /* NULL = global */
    const char *origin;         /* "config" or "cli" */
    const char *category;       /* a folder path such as "Tech/Linux", NULL = none */
};

/* Subscriptions. db_feed_subscribe inserts or re-activates a feed and updates its
 * title/interval/backlog/summarizer/category and origin ("config" or "cli");
 * db_feeds_deactivate_config marks inactive every feed of the configuration for which
 * keep(ud, url) says 0 (every one when keep is NULL; a reload calls it, then subscribe
 * for each configured feed, in one transaction; a row that subscribe would not change is
 * not written); feeds added on the command line stay until db_feed_unsubscribe (1 done,
 * 0 not subscribed, -1). */
int db_feed_subscribe(struct db *db, const struct db_subscription *sub, int64_t now,
                      int64_t *id);
int db_feed_unsubscribe(struct db *db, const char *url);

/* Filters: one more new entry of the feed that rule kept from getting a file; and what
 * each rule dropped, by rule text (db_filter_drops_free). 0 / -1. */
struct db_filter_drop {
    char *rule;
    int64_t count;
};
int db_filter_drop_count(struct db *db, int64_t feed_id, const char *rule);
int db_filter_drops(struct db *db, int64_t feed_id, struct db_filter_drop **out, size_t *n);
void db_filter_drops_free(struct db_filter_drop *v, size_t n);

/* The processes that may have temporary files in an output folder, and the boot in which
 * it was last swept (db_output.c; the daemon's side: daemon/claim.c). folder names
 * the folder (the daemon gives its device and inode); boot_id is "" for a process that
 * could not read its boot's. db_writer_add records w as a writer of folder,
 * db_writer_remove forgets w under every folder: each in a transaction of its own,
 * committed (an open group is committed first, db_begin). db_output_state gives folder's
 * writers (db_writers_free) and its clean boot (*clean, malloc'd; NULL when never swept).
 * db_output_swept, after a sweep of folder, forgets the writers gone[0..n) and, unless
 * clean is NULL, records clean as its clean boot, in one transaction. 0 / -1. */
struct db_writer {
    int64_t pid;
    char *boot_id;
    int64_t started;            /* clock ticks since boot; 0 when unknown */
};
int db_writer_add(struct db *db, const char *folder, const struct db_writer *w);
int db_writer_remove(struct db *db, const struct db_writer *w);
int db_output_state(struct db *db, const char *folder, char **clean, struct db_writer **w,
                    size_t *n);
void db_writers_free(struct db_writer *w, size_t n);
int db_output_swept(struct db *db, const char *folder, const char *clean,
                    const struct db_writer *gone, size_t n);
/* Retention: deletes written or seen entries first seen before `before` (their identity
 * keys stay, so they never come back). Returns how many, -1 on error. */
int64_t db_entries_prune(struct db *db, int64_t before);
int db_feed_set_language(struct db *db, int64_t id, const char *language);
int db_feeds_deactivate_config(struct db *db, int (*keep)(void *ud, const char *url), void *ud);
/* The configuration's feeds, subs[0..n), into the database: as db_feeds_deactivate_config
 * and then db_feed_subscribe for each, with find(ud, url) giving the index in subs of a
 * configured URL (-1: not configured), but a feed whose row already says what subscribe
 * would write is not written nor even looked up. With active given, *active and *nactive
 * get the active feeds after the sync, as db_feed_list(DB_FEEDS_ACTIVE_UNCOUNTED) would
 * (free with db_feed_list_free). 0 / -1. */
int db_feeds_sync_config(struct db *db, const struct db_subscription *subs, size_t n,
                         int (*find)(void *ud, const char *url), void *ud, int64_t now,
                         struct db_feed **active, size_t *nactive);
/* Which feeds db_feed_list reads: all, the active ones, or the active ones without their
 * entries counted (nentries -1: the daemon's schedule, at each start and every minute). */
enum db_feeds { DB_FEEDS_ALL, DB_FEEDS_ACTIVE, DB_FEEDS_ACTIVE_UNCOUNTED };
int db_feed_list(struct db *db, enum db_feeds which, struct db_feed **out, size_t *n);
int db_feed_get(struct db *db, int64_t id, struct db_feed *out);
void db_feed_clear(struct db_feed *f);
void db_feed_list_free(struct db_feed *f, size_t n);

/* Fetch outcomes. A success stores validators, titles and the next poll; a 304 stores
 * validators too (RFC 9110 15.4.5: a 304 may carry updated ones); a failure keeps the old
 * validators and records the error and the growing fail count. */
int db_feed_record_success(struct db *db, int64_t id, int status, const char *etag,
                           const char *last_modified, const char *feed_title,
                           const char *site_link, const char *body_hash, int64_t now,
                           int64_t next_poll, const char *reason);
/* A poll that found the feed as it was (304, or the same body): db_feed_record_success
 * with no title, link or body hash. stored_etag and stored_last_modified are the row's
 * validators as read: when etag and last_modified equal them, only the poll state is
 * written (the feeds row is not rewritten). */
int db_feed_record_same(struct db *db, int64_t id, int status, const char *etag,
                        const char *last_modified, const char *stored_etag,
                        const char *stored_last_modified, int64_t now, int64_t next_poll,
                        const char *reason);
/* count_it 0: a deferral that is no defect of the feed (429/503 with Retry-After). */
int db_feed_record_failure(struct db *db, int64_t id, int status, const char *error,
                           int64_t now, int64_t next_poll, int count_it, const char *reason);
int db_feed_set_hints(struct db *db, int64_t id, int ttl, int sy, uint32_t skip_hours,
                      int skip_days, int adaptive);
/* Records a permanent redirect seen `count` polls in a row; adopt (non-NULL) makes it
 * the URL fetched from now on. */
int db_feed_set_redirect(struct db *db, int64_t id, const char *redirect_to, int count,
                         const char *adopt);
int db_feed_disable(struct db *db, int64_t id, const char *reason);
/* html non-NULL replaces the entry's content (the extracted article); meta non-NULL
 * replaces its page_meta. */
int db_entry_set_page(struct db *db, int64_t id, int state, const char *html,
                      const char *meta, const char *error, int64_t next_ms,
                      int count_attempt);
int db_pages_due(struct db *db, int64_t now_ms, int limit, int64_t **ids, size_t *n);
int64_t db_pages_wanted(struct db *db);
/* Entries with a summary whose file is not written (a full disk, a read-only folder). */
int64_t db_entries_unwritten(struct db *db);
int db_feed_set_initialized(struct db *db, int64_t id);

/* Identity lookups: the entry that owns key in this feed. Returns 1 and sets *entry_id
 * (and *exact_key, malloc'd, the entry's own exact key, when not NULL), 0 when no entry has
 * the key, -1 on error. A key whose entry was pruned returns 1 with *entry_id = 0. */
int db_key_find(struct db *db, int64_t feed_id, const char *key, int64_t *entry_id,
                char **exact_key);
int db_key_add(struct db *db, int64_t feed_id, const char *key, int64_t entry_id);

int db_entry_insert(struct db *db, int64_t feed_id, const struct entry *e,
                    const struct identity *id, int stage, int backlog, int64_t now,
                    int64_t *entry_id);
/* Replaces an entry's fields when its content hash changed; an entry that had a summary
 * or a file goes back to NEW (its path is kept, so the file is rewritten in place).
 * Returns 1 when updated, 0 when the hash was the same, -1 on error. A stored version-1
 * content hash (identity_content_hash_v1) of the same content counts as the same: it is
 * replaced by id's and 0 is returned. */
int db_entry_update(struct db *db, int64_t entry_id, const struct entry *e,
                    const struct identity *id);

/* The entries of a feed (feed_id 0: all feeds) that still need work (NEW or SUMMARIZED),
 * oldest first. */
int db_entries_pending(struct db *db, int64_t feed_id, int64_t **ids, size_t *n);
/* 1 when any entry of any feed still needs work, 0 when none does, -1 on error. */
int db_entries_any_pending(struct db *db);
int db_entry_get(struct db *db, int64_t id, struct db_entry *out);
void db_entry_clear(struct db_entry *e);
/* Stores a summary and moves the entry to SUMMARIZED (its file is written or rewritten). */
int db_entry_set_summary(struct db *db, int64_t id, const struct db_summary *sum);
/* The summary queue: entries whose model summary is wanted (sum_pending). */
int db_entry_want_summary(struct db *db, int64_t id);
int db_entry_summary_failed(struct db *db, int64_t id, int count_attempt, const char *error,
                            int64_t next);
/* now_ms and sum_next are wall-clock milliseconds. */
int db_summaries_due(struct db *db, int64_t now_ms, int limit, int64_t **ids, size_t *n);
/* Entries still without a file whose summary has waited since before cutoff. */
int db_summaries_overdue(struct db *db, int64_t cutoff, int64_t **ids, size_t *n);
int db_summaries_pending(struct db *db, int64_t *count, int64_t *next);
/* Completed summaries by request key: 1 found (out owns strings), 0 not, -1 error. */
int db_cache_get(struct db *db, const char *key, struct db_summary *out);
int db_cache_put(struct db *db, const char *key, const struct db_summary *sum, int64_t now);
void db_summary_clear(struct db_summary *s);
/* Runs SQL that returns no rows (maintenance commands). */
int db_exec(struct db *db, const char *sql, char *err, size_t errlen);
int64_t db_changes(struct db *db);
/* PRAGMA quick_check: reads every page of every table and index (what a normal read
 * never does: damage in pages it does not visit goes unseen). 0 intact; 1 damaged, with
 * the first problem SQLite names in first (on one line) and their number in *problems;
 * -1 when it could not be run (busy, I/O error), with the reason in first. */
int db_quick_check(struct db *db, char *first, size_t n, int *problems);
/* The written posts as the output feed and the digests show them (db_views.c). The newest
 * limit written entries by the post's date (published, else updated, else first seen),
 * newest first; the written entries whose post date is in [from, to), oldest first. */
int db_entries_recent(struct db *db, int limit, int64_t **ids, size_t *n);
int db_entries_between(struct db *db, int64_t from, int64_t to, int64_t **ids, size_t *n);
/* Days ("YYYY-MM-DD") whose digest must be written again: marked in the transaction that
 * marks a post written, cleared once the digest file is in place, so a crash in between
 * leaves the day marked for the next start. */
int db_digest_mark(struct db *db, const char *day);
int db_digest_dirty(struct db *db, char ***days, size_t *n);
int db_digest_clear(struct db *db, const char *day);
/* Every day ("YYYY-MM-DD", in the process's time zone) that has written posts. */
int db_written_days(struct db *db, char ***days, size_t *n);

/* Claims path for the entry. Returns 0, 1 when another entry already owns the path, -1. */
int db_entry_claim_path(struct db *db, int64_t id, const char *path);
int db_entry_mark_written(struct db *db, int64_t id);

/* One post carried by several feeds (db_posts.c, feeds/post_match.h). db_post_match: the
 * entry whose file carries the post that an entry of another feed than feed_id holding
 * one of keys[0..n) (n <= 4) has (through a "text:" key, only one dated within
 * text_window seconds of date), and that entry's feed. 1 found, 0 not, -1 error. */
int db_post_match(struct db *db, int64_t feed_id, char *const *keys, size_t n, int64_t date,
                  int64_t text_window, int64_t *canonical, int64_t *canonical_feed);
int db_post_key_add(struct db *db, const char *key, int64_t entry_id);
/* Records that entry_id's post is canonical's (no file of its own) and has canonical's
 * file rewritten when it was written already. */
int db_post_merge(struct db *db, int64_t entry_id, int64_t canonical);
/* The URLs of the feeds that carried entry id's post: its own first, then the others in
 * the order they brought it, each once. 0 with *urls malloc'd (each string too), -1 on
 * error. */
int db_post_feeds(struct db *db, int64_t id, char ***urls, size_t *n);
int64_t db_feed_entry_count(struct db *db, int64_t feed_id);

#endif
