/* daemon/ingest.c: from a fetched document to stored entries, in one savepoint per feed
 * (in the open group's transaction, daemon/batch.c): entries, validators and the
 * schedule change together or not at all. Identity follows
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
#include "daemon/filter.h"
#include "daemon/schedule.h"
#include "feeds/encoding.h"
#include "feeds/identity.h"
#include "feeds/parse.h"
#include "feeds/post_match.h"
#include "feeds/url.h"

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

/* Storing one document's entries: the identities are decided for the whole document
 * first (a key repeated later, an alias shared by two entries, the newest of a first
 * fetch), then each entry is stored in document order. */
struct store {
    struct app *app;
    struct feed_state *fs;
    int first;
    int64_t now;
    struct identity *ids;
    char *gets_file;
    size_t n, next;         /* entries; the next one to store */
    int rc, nnew, nupdated, nmerged, ndropped;
    int merge;              /* duplicates = merge: look for the post in other feeds */
    int64_t *touched;       /* feeds whose file of a post gains this feed: rewritten */
    size_t ntouched;
    const struct filter_set *filters;   /* the feed's [feed] section's rules, or NULL */
    char why[160];          /* the database's message of the first failure */
};

static void store_begin(struct store *s, struct app *app, struct feed_state *fs, int first,
                        int64_t now, const struct feed *f, const struct identity_pre *pre)
{
    memset(s, 0, sizeof *s);
    s->app = app;
    s->fs = fs;
    s->first = first;
    s->now = now;
    s->n = f->nentries;
    s->ids = xcalloc(s->n ? s->n : 1, sizeof *s->ids);
    s->gets_file = xmalloc(s->n ? s->n : 1);
    /* the feed's [feed] section, by the URL it was subscribed as (fs->url may be a
     * permanent redirect's target) */
    const struct feed_conf *fc = config_feed(&app->cfg, fs->subscribed);
    s->merge = strcmp(fc && fc->duplicates ? fc->duplicates : app->cfg.duplicates, "keep") != 0;
    if (pre)
        identity_compute_pre(f, pre, s->ids);
    else
        identity_compute(f, s->ids);
    backlog_mark(f, first ? fs->backlog : -1, s->gets_file);
    s->filters = fc ? &fc->filters : NULL;
}

/* The entry whose file carries new entry e's post, when another feed brought it first
 * (feeds/post_match.h): 1 with *canonical and *canonical_feed, 0, -1 on error. keys[]
 * gets e's keys (*nkeys), which the caller records once e is stored. */
static int find_in_other_feeds(struct store *s, const struct entry *e, const struct identity *id,
                               char *keys[POST_MATCH_MAX], size_t *nkeys, int64_t *canonical,
                               int64_t *canonical_feed)
{
    *nkeys = post_match_keys(e, id, keys);
    int64_t date = entry_date(e) != FEED_TIME_NONE ? entry_date(e) : s->now;
    return db_post_match(s->app->db, s->fs->id, keys, *nkeys, date, POST_MATCH_TEXT_WINDOW,
                         canonical, canonical_feed);
}

static void touch_feed(struct store *s, int64_t feed_id)
{
    for (size_t i = 0; i < s->ntouched; i++)
        if (s->touched[i] == feed_id)
            return;
    s->touched = xrealloc(s->touched, (s->ntouched + 1) * sizeof *s->touched);
    s->touched[s->ntouched++] = feed_id;
}

/* Stores a new entry: with a file of its own (stage NEW), as seen (the backlog of a first
 * fetch), or as another feed's post (the other entry's file is rewritten to name this
 * feed too). The relation is recorded in this feed's savepoint. */
static int insert_new(struct store *s, const struct entry *e, const struct identity *id,
                      size_t i, int64_t *eid)
{
    struct db *db = s->app->db;
    /* A new entry that a rule drops is stored as seen, like the backlog: it never comes
     * back as new, gets no file and no summary (and is not matched in other feeds). */
    const char *dropped =
        s->gets_file[i] ? filter_decide(&s->app->cfg.filters, s->filters, e) : NULL;
    int stage = s->gets_file[i] && !dropped ? STAGE_NEW : STAGE_SEEN;
    char *keys[POST_MATCH_MAX];
    size_t nkeys = 0;
    int64_t canonical = 0, canonical_feed = 0;
    int found = 0;
    if (s->merge && stage == STAGE_NEW)
        found = find_in_other_feeds(s, e, id, keys, &nkeys, &canonical, &canonical_feed);
    int rc = found < 0 ? -1 : 0;
    if (found == 1)
        stage = STAGE_SEEN;
    if (dropped && db_filter_drop_count(db, s->fs->id, dropped) < 0)
        rc = -1;
    s->ndropped += dropped != NULL;
    if (rc == 0 && db_entry_insert(db, s->fs->id, e, id, stage, s->first, s->now, eid) < 0)
        rc = -1;
    for (size_t k = 0; k < nkeys; k++) {
        if (rc == 0 && db_post_key_add(db, keys[k], *eid) < 0)
            rc = -1;
        free(keys[k]);
    }
    if (rc == 0 && found == 1) {
        if (db_post_merge(db, *eid, canonical) < 0)
            return -1;
        touch_feed(s, canonical_feed);
        s->nmerged++;
    }
    s->nnew += rc == 0 && stage == STAGE_NEW;
    return rc;
}

/* Stores entry number s->next, which is e. */
static void store_one(struct store *s, const struct entry *e)
{
    struct db *db = s->app->db;
    size_t i = s->next++;
    if (s->rc < 0 || i >= s->n) {
        s->rc = -1;
        return;
    }
    const struct identity *id = &s->ids[i];
    int64_t eid = 0;
    if (id->duplicate)
        return;     /* the same item twice in one document (invalid feeds do this) */
    int found = entry_lookup(db, s->fs->id, s->ids, s->n, i, &eid);
    int rc = 0;
    if (found < 0) {
        rc = -1;
    } else if (found && eid == 0) {
        return;     /* pruned earlier: stays gone */
    } else if (found) {
        int u = db_entry_update(db, eid, e, id);
        if (u < 0)
            rc = -1;
        s->nupdated += u > 0;
    } else {
        rc = insert_new(s, e, id, i, &eid);
    }
    if (rc == 0 && eid) {
        rc |= db_key_add(db, s->fs->id, id->key, eid);
        for (size_t a = 0; a < id->naliases; a++)
            rc |= db_key_add(db, s->fs->id, id->aliases[a], eid);
    }
    if (rc && s->rc == 0)
        snprintf(s->why, sizeof s->why, "%s", db_last_error(db));
    if (rc)
        s->rc = -1;
}

static void store_sink_entry(void *ud, const struct entry *e)
{
    store_one(ud, e);
}

static void store_end(struct store *s)
{
    for (size_t i = 0; i < s->n; i++)
        identity_free(&s->ids[i]);
    free(s->ids);
    free(s->gets_file);
    free(s->touched);
}

/* ---- A large (spooled) body: two passes, so that its entries are never all in memory.
 * The first keeps of each entry only what the identities, the backlog and the schedule
 * read (id, link, title, dates, enclosures and the hashes of the text); the second parses
 * the same bytes again and stores each entry as it ends. */

struct collect {
    struct feed *light;
    struct identity_pre *pre;
    size_t cap;
};

static void collect_entry(void *ud, const struct entry *e)
{
    struct collect *c = ud;
    struct entry *l = feed_add_entry(c->light);
    l->id = xstrdup(e->id);
    l->link = xstrdup(e->link);
    l->title = xstrdup(e->title);
    l->published = e->published;
    l->updated = e->updated;
    for (size_t i = 0; i < e->nenclosures; i++) {
        struct enclosure *x = entry_add_enclosure(l);
        x->url = xstrdup(e->enclosures[i].url);
        x->type = xstrdup(e->enclosures[i].type);
        x->length = e->enclosures[i].length;
    }
    if (c->light->nentries > c->cap) {
        c->cap = c->cap ? c->cap * 2 : 256;
        c->pre = xrealloc(c->pre, c->cap * sizeof *c->pre);
    }
    identity_precompute(e, &c->pre[c->light->nentries - 1]);
}

/* Pass one. Returns 0 with *f set: streamed (*pre set) when the entries of *f are the
 * light copies, else *f is the whole feed as feed_parse() gives it. -1 with err. */
static int spooled_pass1(const struct fetch_result *r, const char *base, const char *charset,
                         struct feed **f, struct identity_pre **pre, char *err,
                         size_t errlen)
{
    struct collect c = {.light = feed_new()};
    struct feed_sink sink = {.entry = collect_entry, .ud = &c};
    int streamed = 0;
    int rc = feed_parse_fd_sink(r->body_fd, r->len, base, charset, &sink, f, &streamed, err,
                                errlen);
    if (rc == 0 && streamed) {
        /* the feed's own fields from the parse, its entries from the collector */
        feed_take_entries(*f, c.light);
        *pre = c.pre;
        c.pre = NULL;
    }
    feed_free(c.light);
    free(c.pre);
    return rc;
}

/* Pass two, inside the feed's savepoint. */
static int spooled_pass2(const struct fetch_result *r, const char *base, const char *charset,
                         struct store *s, char *err, size_t errlen)
{
    struct feed_sink sink = {.entry = store_sink_entry, .ud = s};
    struct feed *f2 = NULL;
    int streamed = 0;
    int rc = feed_parse_fd_sink(r->body_fd, r->len, base, charset, &sink, &f2, &streamed, err,
                                errlen);
    if (f2)
        feed_free(f2);
    if (rc == 0 && (!streamed || s->next != s->n)) {
        /* the same bytes parse the same way: only a changed file gets here */
        snprintf(err, errlen, "the spooled body changed between its two passes");
        return -1;
    }
    return rc;
}

/* The schedule inputs of a feed: its stored hints, updated from a freshly parsed
 * document when there is one. */
static struct sched_input sched_inputs(const struct app *app, const struct feed_state *fs,
                                       const struct db_feed *old, const struct feed *f,
                                       const struct fetch_result *r)
{
    struct sched_input in = {
        .interval = fs->interval,
        .min_interval = app->cfg.min_interval,
        .max_interval = app->cfg.max_interval,
        .adaptive = app->cfg.adaptive,
        .estimate = old->adaptive,
        .max_age = r->max_age > 0 ? (int)(r->max_age > 0x7fffffff ? 0x7fffffff : r->max_age) : 0,
        .ttl = old->hint_ttl,
        .sy = old->hint_sy,
        .skip_hours = old->skip_hours,
        .skip_days = old->skip_days,
    };
    if (f) {
        in.ttl = f->ttl_minutes > 0 ? f->ttl_minutes * 60 : 0;
        /* sy:updateFrequency without a period: the period defaults to daily. */
        in.sy = f->sy_seconds > 0 ? f->sy_seconds : f->sy_seconds < 0 ? 86400 / -f->sy_seconds : 0;
        in.skip_hours = f->skip_hours;
        in.skip_days = f->skip_days;
        int est = schedule_estimate(f);
        if (est > 0)
            in.estimate = est;
    }
    return in;
}

/* Permanent redirects (301/308) become the feed's URL only once they have been seen on
 * REDIRECT_POLLS polls in a row, never for temporary ones and never from https to http:
 * a misconfigured server or a captive portal must not move a subscription. */
#define REDIRECT_POLLS 3

static int redirect_candidate(const struct feed_state *fs, const struct fetch_result *r)
{
    const char *target = r->effective_url;
    return r->permanent && target && strcmp(target, fs->url) &&
           !(str_has_prefix(fs->url, "https:") && str_has_prefix(target, "http:"));
}

/* Whether redirect_track writes the feed's row. */
static int redirect_writes(const struct feed_state *fs, const struct db_feed *old,
                           const struct fetch_result *r)
{
    return old->redirect_to || redirect_candidate(fs, r);
}

static int redirect_track(struct app *app, struct feed_state *fs, const struct db_feed *old,
                          const struct fetch_result *r)
{
    const char *target = r->effective_url;
    if (!redirect_candidate(fs, r))
        return old->redirect_to ? db_feed_set_redirect(app->db, fs->id, NULL, 0, NULL) : 0;
    int count = old->redirect_to && !strcmp(old->redirect_to, target) ? old->redirect_count + 1 : 1;
    if (count < REDIRECT_POLLS)
        return db_feed_set_redirect(app->db, fs->id, target, count, NULL);
    char *shown_target = url_redact(target);
    log_info("%s: moved permanently to %s (seen on %d polls in a row): following the new URL",
             fs->shown, shown_target, count);
    free(shown_target);
    if (db_feed_set_redirect(app->db, fs->id, NULL, 0, target) < 0)
        return -1;
    free(fs->url);
    free(fs->shown);
    fs->url = xstrdup(target);
    fs->shown = url_redact(target);
    return 0;
}

int ingest_response(struct app *app, struct feed_state *fs, const struct db_feed *old,
                    const struct fetch_result *r, char *err, size_t errlen)
{
    struct db *db = app->db;
    int64_t now = time(NULL);
    int rc = -1;
    struct feed *f = NULL;
    char *base = NULL;
    char bodyhash[17], reason[96];
    hash_hex(r->body_hash, bodyhash);
    /* RFC 9110 15.4.5: a 304 may carry new validators; keep the old ones otherwise. */
    const char *etag = r->etag ? r->etag : old->etag;
    const char *lm = r->last_modified ? r->last_modified : old->last_modified;

    if (r->status == 304 ||
        (r->status >= 200 && r->status <= 299 && old->initialized && old->body_hash &&
         !strcmp(old->body_hash, bodyhash))) {
        /* Not modified, or (servers without validators) the same bytes again. */
        struct sched_input in = sched_inputs(app, fs, old, NULL, r);
        int64_t next = schedule_next(&in, now, reason, sizeof reason);
        /* Mostly one UPDATE of the poll row, which needs no savepoint of its own
         * (db_group_check; db_feed_record_same takes one for two rows). */
        int savepoint = redirect_writes(fs, old, r);
        if ((savepoint ? db_group_feed_begin(db) : db_group_join(db)) < 0) {
            snprintf(err, errlen, "database: %s", db_errmsg(db));
            goto out;
        }
        rc = db_feed_record_same(db, fs->id, (int)r->status,
                                 r->status == 304 ? etag : r->etag,
                                 r->status == 304 ? lm : r->last_modified, old->etag,
                                 old->last_modified, now, next, reason);
        if (rc == 0 && savepoint)
            rc = redirect_track(app, fs, old, r);
        if ((savepoint ? db_group_feed_end(db, rc) : db_group_check(db, rc)) < 0) {
            snprintf(err, errlen, "database: %s", db_errmsg(db));
            rc = -1;
            goto out;
        }
        fs->next_poll = next;
        log_debug("%s: %s", fs->shown, r->status == 304 ? "not modified" : "body unchanged");
        goto out;
    }
    if (r->status < 200 || r->status > 299) {
        snprintf(err, errlen, "HTTP status %ld", r->status);
        goto out;
    }
    char *charset = encoding_charset_param(r->content_type);
    /* Relative links resolve against the URL without its credentials: they are for the
     * request alone, and every resolved link ends up in a file. */
    base = url_redact(r->effective_url ? r->effective_url : fs->url);
    /* A large body waits in a file and is parsed from there piece by piece, twice. */
    struct identity_pre *pre = NULL;
    if (r->body_fd >= 0)
        log_debug("%s: parsing the %zu-byte body from its spool file", fs->shown, r->len);
    int prc = r->body_fd >= 0 ? spooled_pass1(r, base, charset, &f, &pre, err, errlen)
                              : feed_parse(r->body, r->len, base, charset, &f, err, errlen);
    if (prc < 0) {
        free(charset);
        goto out;
    }

    if (f->entries_dropped && !fs->cap_logged) {
        /* Once per feed and run, not at every poll: the cap is no fault to fix. */
        log_warn("%s: the document has more than %d entries: the first %d are kept, %zu %s"
                 " dropped", fs->url, FEED_MAX_ENTRIES, FEED_MAX_ENTRIES, f->entries_dropped,
                 plural((long long)f->entries_dropped, "was", "were"));
        fs->cap_logged = 1;
    }
    struct sched_input in = sched_inputs(app, fs, old, f, r);
    int64_t next = schedule_next(&in, now, reason, sizeof reason);
    struct store st;
    store_begin(&st, app, fs, !old->initialized, now, f, pre);
    /* The feed's savepoint in the open group (daemon/batch.c): committed with the other
     * polls of the group, rolled back alone. */
    if (db_group_feed_begin(db) < 0) {
        snprintf(err, errlen, "database: %s", db_errmsg(db));
        store_end(&st);
        free(pre);
        free(charset);
        goto out;
    }
    if (pre) {
        if (spooled_pass2(r, base, charset, &st, err, errlen) < 0) {
            db_group_feed_end(db, -1);
            store_end(&st);
            free(pre);
            free(charset);
            goto out;
        }
    } else {
        for (size_t i = 0; i < f->nentries; i++)
            store_one(&st, &f->entries[i]);
    }
    free(pre);
    free(charset);
    int nnew = st.nnew, nupdated = st.nupdated, nmerged = st.nmerged, ndropped = st.ndropped;
    int stored = st.rc;
    char why[sizeof st.why];
    memcpy(why, st.why, sizeof why);
    int64_t *touched = st.touched;   /* rewritten once the feed is committed */
    size_t ntouched = st.ntouched;
    st.touched = NULL;
    store_end(&st);
    if (stored < 0 ||
        db_feed_record_success(db, fs->id, (int)r->status, r->etag, r->last_modified,
                               f->title, f->link, bodyhash, now, next, reason) < 0 ||
        db_feed_set_hints(db, fs->id, in.ttl, in.sy, in.skip_hours, in.skip_days,
                          in.estimate) < 0 ||
        (!old->initialized && db_feed_set_initialized(db, fs->id) < 0) ||
        db_feed_set_language(db, fs->id, f->language) < 0 ||
        redirect_track(app, fs, old, r) < 0) {
        /* the message of the statement that failed: later ones replace SQLite's */
        snprintf(err, errlen, "database: %s", stored < 0 && *why ? why : db_errmsg(db));
        db_group_feed_end(db, -1);
        free(touched);
        goto out;
    }
    /* The summaries and file names of its posts (and of the posts its entries joined),
     * in its savepoint: rolled back with it, and written to the log once, with the rows. */
    touched = xrealloc(touched, (ntouched + 1) * sizeof *touched);
    touched[ntouched] = fs->id;
    pipeline_decide_stored(app, touched, ntouched + 1);
    if (db_group_feed_end(db, 0) < 0) {
        snprintf(err, errlen, "database: %s", db_errmsg(db));
        free(touched);
        goto out;
    }
    char tail[128] = "";
    if (nmerged)
        snprintf(tail, sizeof tail, ", %d already written through another feed", nmerged);
    if (ndropped)
        snprintf(tail + strlen(tail), sizeof tail - strlen(tail), ", %d filtered out",
                 ndropped);
    log_info("%s: %zu %s, %d new, %d updated%s", fs->shown, f->nentries,
             plural((long long)f->nentries, "entry", "entries"), nnew, nupdated, tail);
    for (size_t i = 0; i < ntouched; i++)
        batch_write_after(app, touched[i]);
    free(touched);
    fs->next_poll = next;
    rc = 0;
out:
    if (f)
        feed_free(f);
    free(base);
    return rc;
}
