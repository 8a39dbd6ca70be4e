/* storage/db_posts.c: one post carried by several feeds (issue 18). The entry that came
 * first has the post's file; an entry of another feed that shares a key with it
 * (feeds/post_match.h, table post_keys) gets dup_of set to it instead of a file, in the
 * transaction that stores the entry, so a daemon killed between the two feeds' polls
 * finds the relation or polls the second feed again: it never writes the post twice. */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "common/log.h"
#include "common/util.h"
#include "storage/db_int.h"

int db_post_match(struct db *db, int64_t feed_id, char *const *keys, size_t n, int64_t date,
                  int64_t text_window, int64_t *canonical, int64_t *canonical_feed)
{
    if (n == 0)
        return 0;
    const char *k[4] = {NULL, NULL, NULL, NULL};
    for (size_t i = 0; i < n && i < 4; i++)
        k[i] = keys[i];
    sqlite3_stmt *s = db_bind(db, S_POST_MATCH, DB_ARGS(DB_TEXT(k[0]), DB_TEXT(k[1]),
        DB_TEXT(k[2]), DB_TEXT(k[3]), DB_INT(feed_id), DB_INT(date), DB_INT(text_window)));
    if (!s)
        return -1;
    int rc = sqlite3_step(s), found = 0;
    if (rc == SQLITE_ROW) {
        *canonical = sqlite3_column_int64(s, 0);
        *canonical_feed = sqlite3_column_int64(s, 1);
        found = 1;
    } else if (rc != SQLITE_DONE) {
        log_err("database: post lookup: %s", sqlite3_errmsg(db->h));
        found = -1;
    }
    sqlite3_reset(s);
    return found;
}

int db_post_key_add(struct db *db, const char *key, int64_t entry_id)
{
    return db_run(db, S_POST_KEY_ADD, DB_ARGS(DB_TEXT(key), DB_INT(entry_id)));
}

int db_post_merge(struct db *db, int64_t entry_id, int64_t canonical)
{
    if (db_run(db, S_POST_DUP, DB_ARGS(DB_INT(entry_id), DB_INT(canonical))) < 0)
        return -1;
    return db_run(db, S_POST_REWRITE, DB_ARGS(DB_INT(canonical)));
}

int db_post_feeds(struct db *db, int64_t id, char ***urls, size_t *n)
{
    *urls = NULL;
    *n = 0;
    sqlite3_stmt *s = db_bind(db, S_POST_FEEDS, DB_ARGS(DB_INT(id)));
    if (!s)
        return -1;
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *url = (const char *)sqlite3_column_text(s, 0);
        size_t k = 0;
        while (k < *n && strcmp((*urls)[k], url ? url : ""))
            k++;
        if (k < *n)
            continue; /* a second entry of a feed already listed */
        if (*n == cap) {
            cap = cap ? 2 * cap : 4;
            *urls = xrealloc(*urls, cap * sizeof **urls);
        }
        (*urls)[(*n)++] = xstrdup(url ? url : "");
    }
    sqlite3_reset(s);
    if (rc == SQLITE_DONE)
        return 0;
    log_err("database: the feeds of a post: %s", sqlite3_errmsg(db->h));
    for (size_t i = 0; i < *n; i++)
        free((*urls)[i]);
    free(*urls);
    *urls = NULL;
    *n = 0;
    return -1;
}
