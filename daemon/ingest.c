/* daemon/ingest.c: from a fetched document to stored entries, in one transaction per feed:
 * entries, validators and the schedule change together or not at all. Identity follows
 * feeds/identity.h: the exact key first, then the alias keys, which are accepted only
 * when the entry they point at is no longer in the document under its own key (so two
 * live entries are never merged). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/log.h"
#include "common/util.h"
#include "daemon/app.h"
#include "feeds/identity.h"
#include "feeds/parse.h"

/* charset parameter of a Content-Type value (RFC 9110 8.3.2), malloc'd or NULL. */
static char *content_type_charset(const char *ct)
{
    if (!ct)
        return NULL;
    const char *p = strcasestr(ct, "charset=");
    if (!p)
        return NULL;
    p += 8;
    if (*p == '"')
        p++;
    size_t n = strcspn(p, "\"; \t");
    return n ? xstrndup(p, n) : NULL;
}

static int64_t entry_date(const struct entry *e)
{
    return e->published != FEED_TIME_NONE ? e->published : e->updated;
}

/* The first-subscription policy: on a feed's first stored fetch only the newest `backlog`
 * entries get files; the rest are recorded as seen. With dates on every entry "newest"
 * is by date, otherwise document order (feeds list the newest first). */
static void backlog_mark(const struct feed *f, int backlog, char *gets_file)
{
    size_t n = f->nentries;
    if (backlog < 0 || (size_t)backlog >= n) {
        memset(gets_file, 1, n);
        return;
    }
    memset(gets_file, 0, n);
    int dated = 1;
    for (size_t i = 0; i < n; i++)
        if (entry_date(&f->entries[i]) == FEED_TIME_NONE)
            dated = 0;
    for (int k = 0; k < backlog; k++) {
        size_t best = n;
        for (size_t i = 0; i < n; i++) {
            if (gets_file[i])
                continue;
            if (best == n || (dated && entry_date(&f->entries[i]) >
                                           entry_date(&f->entries[best])))
                best = i;
        }
        if (best < n)
            gets_file[best] = 1;
    }
}

static int key_in_document(const struct identity *ids, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(ids[i].key, key))
            return 1;
    return 0;
}

/* Finds the stored entry for ids[i]: 1 found (*entry_id, 0 for a pruned entry's
 * tombstone), 0 new, -1 error. */
static int entry_lookup(struct db *db, int64_t feed_id, const struct identity *ids, size_t n,
                        size_t i, int64_t *entry_id)
{
    int r = db_key_find(db, feed_id, ids[i].key, entry_id, NULL);
    if (r != 0)
        return r;
    for (size_t a = 0; a < ids[i].naliases; a++) {
        char *owner_key = NULL;
        r = db_key_find(db, feed_id, ids[i].aliases[a], entry_id, &owner_key);
        if (r < 0)
            return -1;
        if (r == 1) {
            int live = owner_key && key_in_document(ids, n, owner_key);
            free(owner_key);
            if (!live)
                return 1;
        }
    }
    return 0;
}

static int store_entries(struct app *app, struct feed_state *fs, const struct feed *f,
                         int first, int64_t now, int *nnew, int *nupdated)
{
    struct db *db = app->db;
    size_t n = f->nentries;
    struct identity *ids = xcalloc(n, sizeof *ids);
    char *gets_file = xmalloc(n ? n : 1);
    identity_compute(f, ids);
    backlog_mark(f, first ? fs->backlog : -1, gets_file);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        int64_t eid = 0;
        if (ids[i].duplicate)
            continue;     /* the same item twice in one document (invalid feeds do this) */
        int found = entry_lookup(db, fs->id, ids, n, i, &eid);
        if (found < 0) {
            rc = -1;
        } else if (found && eid == 0) {
            continue;     /* pruned earlier: stays gone */
        } else if (found) {
            int u = db_entry_update(db, eid, &f->entries[i], &ids[i]);
            if (u < 0)
                rc = -1;
            *nupdated += u > 0;
        } else {
            int stage = gets_file[i] ? STAGE_NEW : STAGE_SEEN;
            if (db_entry_insert(db, fs->id, &f->entries[i], &ids[i], stage, first, now,
                                &eid) < 0)
                rc = -1;
            *nnew += stage == STAGE_NEW;
        }
        if (rc == 0 && eid) {
            rc |= db_key_add(db, fs->id, ids[i].key, eid);
            for (size_t a = 0; a < ids[i].naliases; a++)
                rc |= db_key_add(db, fs->id, ids[i].aliases[a], eid);
        }
    }
    for (size_t i = 0; i < n; i++)
        identity_free(&ids[i]);
    free(ids);
    free(gets_file);
    return rc ? -1 : 0;
}

static int64_t next_poll_after_success(const struct feed_state *fs, int64_t now)
{
    /* +-5% jitter keeps feeds that were added together from staying in lock-step. */
    int spread = fs->interval / 20;
    return now + fs->interval + (spread ? (random() % (2 * spread + 1)) - spread : 0);
}

int ingest_response(struct app *app, struct feed_state *fs, const struct fetch_result *r,
                    char *err, size_t errlen)
{
    struct db *db = app->db;
    int64_t now = time(NULL);
    struct db_feed old;
    if (db_feed_get(db, fs->id, &old) < 0) {
        snprintf(err, errlen, "feed is not in the database");
        return -1;
    }
    int rc = -1;
    struct feed *f = NULL;
    char bodyhash[17];
    hash_hex(hash64(r->body, r->len), bodyhash);
    int64_t next = next_poll_after_success(fs, now);
    /* RFC 9110 15.4.5: a 304 may carry new validators; keep the old ones otherwise. */
    const char *etag = r->etag ? r->etag : old.etag;
    const char *lm = r->last_modified ? r->last_modified : old.last_modified;

    if (r->status == 304) {
        rc = db_feed_record_success(db, fs->id, 304, etag, lm, NULL, NULL, NULL, now, next);
        log_debug("%s: not modified", fs->url);
        goto out;
    }
    if (r->status < 200 || r->status > 299) {
        snprintf(err, errlen, "HTTP status %ld", r->status);
        goto out;
    }
    /* A server that sends no validators often sends the same bytes again: nothing to do. */
    if (old.initialized && old.body_hash && !strcmp(old.body_hash, bodyhash)) {
        rc = db_feed_record_success(db, fs->id, (int)r->status, r->etag, r->last_modified,
                                    NULL, NULL, NULL, now, next);
        log_debug("%s: body unchanged", fs->url);
        goto out;
    }
    char *charset = content_type_charset(r->content_type);
    const char *base = r->effective_url ? r->effective_url : fs->url;
    int prc = feed_parse(r->body, r->len, base, charset, &f, err, errlen);
    free(charset);
    if (prc < 0)
        goto out;

    int nnew = 0, nupdated = 0;
    if (db_begin(db) < 0) {
        snprintf(err, errlen, "database: %s", db_errmsg(db));
        goto out;
    }
    if (store_entries(app, fs, f, !old.initialized, now, &nnew, &nupdated) < 0 ||
        db_feed_record_success(db, fs->id, (int)r->status, r->etag, r->last_modified,
                               f->title, f->link, bodyhash, now, next) < 0 ||
        (!old.initialized && db_feed_set_initialized(db, fs->id) < 0) ||
        db_feed_set_language(db, fs->id, f->language) < 0 ||
        db_commit(db) < 0) {
        snprintf(err, errlen, "database: %s", db_errmsg(db));
        db_rollback(db);
        goto out;
    }
    log_info("%s: %zu entries, %d new, %d updated", fs->url, f->nentries, nnew, nupdated);
    rc = 0;
out:
    if (f)
        feed_free(f);
    db_feed_clear(&old);
    return rc;
}
