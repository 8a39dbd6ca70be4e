/* storage/db_entries.c: the entries table and its identity keys (entry_keys): an entry
 * stored once per feed whatever key it comes back under (feeds/identity.h), its content
 * replaced when it changes, its stage (new, summarized, written) and the file name it
 * claimed. Retention prunes written entries; their keys stay as tombstones. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "common/log.h"
#include "common/util.h"
#include "feeds/identity.h"
#include "storage/db_int.h"

int64_t db_entries_prune(struct db *db, int64_t before)
{
    sqlite3_stmt *s = db_bind(db, S_PRUNE, DB_ARGS(DB_INT(before)));
    if (!s)
        return -1;
    if (db_step_done(db, s) < 0)
        return -1;
    return sqlite3_changes64(db->h);
}

int db_key_find(struct db *db, int64_t feed_id, const char *key, int64_t *entry_id,
                char **exact_key)
{
    sqlite3_stmt *s = db_bind(db, S_KEY_FIND, DB_ARGS(DB_INT(feed_id), DB_TEXT(key)));
    if (!s)
        return -1;
    int rc = sqlite3_step(s);
    int found = 0;
    if (rc == SQLITE_ROW) {
        found = 1;
        /* A key whose entry row is gone is a tombstone of a pruned entry. */
        int alive = sqlite3_column_type(s, 1) != SQLITE_NULL;
        *entry_id = alive ? sqlite3_column_int64(s, 0) : 0;
        if (exact_key)
            *exact_key = alive ? db_col_text(s, 1) : NULL;
    } else if (rc != SQLITE_DONE) {
        log_err("database: key lookup: %s", sqlite3_errmsg(db->h));
        found = -1;
    }
    sqlite3_reset(s);
    return found;
}

int db_key_add(struct db *db, int64_t feed_id, const char *key, int64_t entry_id)
{
    return db_run(db, S_KEY_ADD, DB_ARGS(DB_INT(feed_id), DB_TEXT(key), DB_INT(entry_id)));
}

/* The HTML an entry's file is made from: full content when the feed has it, else the
 * summary. Kept only for entries that get a file: an entry held back by the first
 * subscription's backlog (STAGE_SEEN) never leaves that stage, and its identity and
 * content hash are all that an edit of it is checked against; its HTML was 89% of the
 * database on bench/peers.py's first poll of 1000 feeds (35 of every 40 entries). */
static const char *entry_body(const struct entry *e)
{
    return !str_empty(e->content) ? e->content : e->summary;
}

/* ---- categories and enclosures: JSON arrays in a column each, NULL for none -------- */

/* ["term", ...], or NULL when the entry has no category. Malloc'd. */
static char *categories_json(const struct entry *e)
{
    if (!e->ncategories)
        return NULL;
    json_t *a = json_array();
    for (size_t i = 0; i < e->ncategories; i++)
        if (e->categories[i])
            json_array_append_new(a, json_string(e->categories[i]));
    char *s = json_array_size(a) ? json_dumps(a, JSON_COMPACT) : NULL;
    json_decref(a);
    return s;
}

/* [{"url": U, "type": T, "length": N}, ...] ("type" and "length" only when the feed gives
 * them), or NULL when the entry has no enclosure with a URL. Malloc'd. */
static char *enclosures_json(const struct entry *e)
{
    json_t *a = json_array();
    for (size_t i = 0; i < e->nenclosures; i++) {
        const struct enclosure *x = &e->enclosures[i];
        if (str_empty(x->url))
            continue;
        json_t *o = json_object();
        json_object_set_new(o, "url", json_string(x->url));
        if (!str_empty(x->type))
            json_object_set_new(o, "type", json_string(x->type));
        if (x->length >= 0)
            json_object_set_new(o, "length", json_integer(x->length));
        json_array_append_new(a, o);
    }
    char *s = json_array_size(a) ? json_dumps(a, JSON_COMPACT) : NULL;
    json_decref(a);
    return s;
}

/* Reads the two columns back into out; a value that is not the JSON written above (a row
 * changed by hand) reads as none. */
static void meta_read(sqlite3_stmt *s, int cats_col, int encl_col, struct db_entry *out)
{
    const char *t = (const char *)sqlite3_column_text(s, cats_col);
    json_t *a = t ? json_loads(t, 0, NULL) : NULL;
    size_t n = json_is_array(a) ? json_array_size(a) : 0;
    if (n)
        out->categories = xcalloc(n, sizeof *out->categories);
    for (size_t i = 0; i < n; i++) {
        const char *v = json_string_value(json_array_get(a, i));
        if (v)
            out->categories[out->ncategories++] = xstrdup(v);
    }
    json_decref(a);
    t = (const char *)sqlite3_column_text(s, encl_col);
    a = t ? json_loads(t, 0, NULL) : NULL;
    n = json_is_array(a) ? json_array_size(a) : 0;
    if (n)
        out->enclosures = xcalloc(n, sizeof *out->enclosures);
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_array_get(a, i);
        const char *url = json_string_value(json_object_get(o, "url"));
        if (!url)
            continue;
        struct enclosure *x = &out->enclosures[out->nenclosures++];
        const char *type = json_string_value(json_object_get(o, "type"));
        json_t *len = json_object_get(o, "length");
        x->url = xstrdup(url);
        x->type = type ? xstrdup(type) : NULL;
        x->length = json_is_integer(len) ? (int64_t)json_integer_value(len) : -1;
    }
    json_decref(a);
}

int db_entry_insert(struct db *db, int64_t feed_id, const struct entry *e,
                    const struct identity *id, int stage, int backlog, int64_t now,
                    int64_t *entry_id)
{
    char *cats = categories_json(e), *encl = enclosures_json(e);
    sqlite3_stmt *s = db_bind(db, S_ENTRY_INSERT, DB_ARGS(DB_INT(feed_id), DB_TEXT(id->key),
        DB_TEXT(e->id), DB_TEXT(e->link), DB_TEXT(e->title), DB_TEXT(e->author),
        DB_TIME(e->published), DB_TIME(e->updated), DB_INT(now), DB_TEXT(id->content_hash),
        DB_INT(stage), DB_INT(backlog), DB_TEXT(cats), DB_TEXT(encl)));
    free(cats);   /* bound as SQLITE_TRANSIENT copies (db.c) */
    free(encl);
    if (!s)
        return -1;
    if (db_atomic_begin(db) < 0)
        return -1;
    int ok = db_step_done(db, s);
    int64_t rowid = sqlite3_last_insert_rowid(db->h);
    if (ok == 0 && stage != STAGE_SEEN)
        ok = db_content_set(db, rowid, entry_body(e));
    if (db_atomic_end(db, ok) < 0)
        return -1;
    *entry_id = rowid;
    return 0;
}

int db_entry_update(struct db *db, int64_t entry_id, const struct entry *e,
                    const struct identity *id)
{
    sqlite3_stmt *s = db_bind(db, S_ENTRY_HASH, DB_ARGS(DB_INT(entry_id)));
    if (!s)
        return -1;
    if (sqlite3_step(s) != SQLITE_ROW) {
        sqlite3_reset(s);
        return -1;
    }
    const char *old = (const char *)sqlite3_column_text(s, 0);
    int same = old && strcmp(old, id->content_hash) == 0;
    int v1 = 0;
    if (old && !same) {
        /* Rows stored before the version-2 content hash hold version 1: the same content
         * when it matches, and then only the stored hash is brought up to date (no new
         * summary, no rewritten file). */
        char h1[17];
        identity_content_hash_v1(e, h1);
        v1 = strcmp(old, h1) == 0;
    }
    int stage = sqlite3_column_int(s, 1);
    sqlite3_reset(s);
    if (same)
        return 0;
    if (v1) {
        return db_run(db, S_ENTRY_REHASH, DB_ARGS(DB_INT(entry_id), DB_TEXT(id->content_hash)));
    }
    /* A backlog entry recorded as seen stays without a file; any other goes back to NEW so
     * that its summary and its file are made again (the path is kept). */
    int new_stage = stage == STAGE_SEEN ? STAGE_SEEN : STAGE_NEW;
    char *cats = categories_json(e), *encl = enclosures_json(e);
    s = db_bind(db, S_ENTRY_UPDATE, DB_ARGS(DB_INT(entry_id), DB_TEXT(e->id), DB_TEXT(e->link),
        DB_TEXT(e->title), DB_TEXT(e->author), DB_TIME(e->published), DB_TIME(e->updated),
        DB_TEXT(id->content_hash), DB_INT(new_stage), DB_TEXT(cats), DB_TEXT(encl)));
    free(cats);   /* bound as SQLITE_TRANSIENT copies (db.c) */
    free(encl);
    if (!s)
        return -1;
    if (db_atomic_begin(db) < 0)
        return -1;
    int ok = db_step_done(db, s);
    if (ok == 0)
        ok = db_content_set(db, entry_id, new_stage == STAGE_SEEN ? NULL : entry_body(e));
    return db_atomic_end(db, ok) < 0 ? -1 : 1;
}

int db_entries_pending(struct db *db, int64_t feed_id, int64_t **ids, size_t *n)
{
    sqlite3_stmt *s = feed_id ? db_bind(db, S_ENTRY_PENDING, DB_ARGS(DB_INT(feed_id)))
                              : db_bind(db, S_ENTRY_PENDING_ALL, NULL, 0);
    if (!s)
        return -1;
    return db_id_list(db, s, ids, n);
}

int db_entries_any_pending(struct db *db)
{
    int64_t n = db_count(db, S_ENTRY_ANY_PENDING, NULL, 0);
    return n < 0 ? -1 : n > 0;
}

int db_entry_get(struct db *db, int64_t id, struct db_entry *out)
{
    sqlite3_stmt *s = db_bind(db, S_ENTRY_GET, DB_ARGS(DB_INT(id)));
    if (!s)
        return -1;
    memset(out, 0, sizeof *out);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        out->id = sqlite3_column_int64(s, 0);
        out->feed_id = sqlite3_column_int64(s, 1);
        out->key = db_col_text(s, 2);
        out->guid = db_col_text(s, 3);
        out->link = db_col_text(s, 4);
        out->title = db_col_text(s, 5);
        out->author = db_col_text(s, 6);
        out->published = db_col_time(s, 7);
        out->updated = db_col_time(s, 8);
        out->first_seen = db_col_time(s, 9);
        out->content = db_col_text(s, 10);
        out->content_hash = db_col_text(s, 11);
        out->stage = sqlite3_column_int(s, 12);
        out->summary = db_col_text(s, 13);
        out->path = db_col_text(s, 14);
        out->feed_title = db_col_text(s, 15);
        out->feed_url = db_col_text(s, 16);
        out->backlog = sqlite3_column_int(s, 17);
        out->sum_pending = sqlite3_column_int(s, 18);
        out->sum_force = sqlite3_column_int(s, 19);
        out->sum_attempts = sqlite3_column_int(s, 20);
        out->sum_next = sqlite3_column_int64(s, 21);
        out->sum_error = db_col_text(s, 22);
        out->sum_by = db_col_text(s, 23);
        out->sum_fallback = sqlite3_column_int(s, 24);
        out->model_title = db_col_text(s, 25);
        out->feed_language = db_col_text(s, 26);
        out->feed_summarizer = db_col_text(s, 27);
        out->page_state = sqlite3_column_int(s, 28);
        out->page_attempts = sqlite3_column_int(s, 29);
        meta_read(s, 30, 31, out);
        out->page_meta = db_col_text(s, 32);
        out->feed_category = db_col_text(s, 33);
    }
    sqlite3_reset(s);
    return rc == SQLITE_ROW ? 0 : -1;
}

void db_entry_clear(struct db_entry *e)
{
    free(e->key);
    free(e->guid);
    free(e->link);
    free(e->title);
    free(e->author);
    free(e->content);
    free(e->content_hash);
    free(e->summary);
    free(e->path);
    free(e->feed_title);
    free(e->feed_url);
    free(e->sum_error);
    free(e->sum_by);
    free(e->model_title);
    free(e->feed_language);
    free(e->feed_summarizer);
    entry_lists_free(e->categories, e->ncategories, e->enclosures, e->nenclosures);
    free(e->page_meta);
    free(e->feed_category);
    memset(e, 0, sizeof *e);
}

int db_entry_claim_path(struct db *db, int64_t id, const char *path)
{
    sqlite3_stmt *s = db_bind(db, S_ENTRY_PATH_OWNER, DB_ARGS(DB_TEXT(path)));
    if (!s)
        return -1;
    int rc = sqlite3_step(s);
    int64_t owner = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    sqlite3_reset(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return -1;
    if (owner && owner != id)
        return 1;
    return db_run(db, S_ENTRY_CLAIM, DB_ARGS(DB_INT(id), DB_TEXT(path)));
}

int db_entry_mark_written(struct db *db, int64_t id)
{
    return db_run(db, S_ENTRY_WRITTEN, DB_ARGS(DB_INT(id)));
}
