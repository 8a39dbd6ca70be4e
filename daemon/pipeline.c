/* daemon/pipeline.c: what happens to a stored entry: summary, then file. Each step reads
 * its input from the database and records its result there before the next step runs,
 * so a process killed at any instant redoes at most the step it was in: the file path is
 * claimed in the database before the file is written, and writing the same path again is
 * harmless (atomic rename), so a post is never lost and never gets a second file.
 *
 * Work goes in batches: one transaction decides summaries and claims paths for a batch,
 * the files are written and made durable, and one more transaction marks them written.
 * For the posts a poll stores, the first of these is done in the poll's own group
 * (pipeline_decide_stored, in the feed's savepoint), and the files follow the group's
 * commit (daemon/batch.c): the pages of their rows go to the log once, not twice.
 * Marking comes only after the flush, so the database never says "written" for a file a
 * power cut could still take back. A batch of BATCH_SYNCFS files or more is written to
 * temporary files, flushed by one syncfs(2) of the output folder's file system, then
 * renamed; a smaller one (the steady state: a post or two per poll) gets an fdatasync
 * per file before its rename, which does not make the daemon wait for other programs'
 * unwritten data on the same file system. Either way each folder is then fsync'd once. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/utf8.h"
#include "common/util.h"
#include "daemon/app.h"
#include "daemon/article.h"
#include "daemon/hook.h"
#include "feeds/url.h"
#include "markdown/html2md.h"
#include "output/output.h"
#include "summary/summary.h"

#define BATCH 64
/* Measured on a first poll of 300 feeds (1500 files in batches of 5, ext4): one syncfs
 * per batch instead of 5 fdatasyncs and an fsync took 10% off feedsd's CPU time and 12%
 * off the whole machine's (the kernel merges the writes into fewer requests), and 20% off
 * the wall time. */
#define BATCH_SYNCFS 4

int64_t pipeline_post_date(const struct db_entry *e)
{
    if (e->published != FEED_TIME_NONE)
        return e->published;
    if (e->updated != FEED_TIME_NONE)
        return e->updated;
    return e->first_seen;
}

/* A title for posts that have none (many microblog feeds): the start of the text. */
static char *fallback_title(const struct db_entry *e)
{
    char *text = html_to_text(e->content ? e->content : "", e->content ? strlen(e->content) : 0);
    str_squash_ws(text);
    size_t n = strlen(text);
    if (n > 80) {
        n = utf8_boundary(text, 80);   /* never cut a UTF-8 sequence */
        text[n] = '\0';
    }
    if (!*text) {
        free(text);
        /* never a javascript: or data: link, like extra.source (post_url) */
        text = url_is_http(e->link) ? url_redact(e->link) : xstrdup("Untitled");
    }
    return text;
}

/* {id} and the collision suffix are published in file names: a hash of the feed URL
 * with its password could be reversed by trying passwords, so it is the shown URL's
 * (the same as before for every feed URL without credentials). */
void pipeline_idhash(const struct db_entry *e, char out[17])
{
    char *feed = url_redact(e->feed_url);
    uint64_t h = hash64(feed, strlen(feed));
    h = hash64_update(h, "\n", 1);
    hash_hex(hash64_update(h, e->key, strlen(e->key)), out);
    free(feed);
}

/* An entry's error, logged with its feed's URL as shown (no credentials). */
static void log_entry_err(const struct db_entry *e, const char *what)
{
    char *feed = url_redact(e->feed_url);
    log_err("%s: %s", feed, what);
    free(feed);
}


/* The `tags` setting as the renderer's enum. */
static enum output_tags tags_style(const char *setting)
{
    static const struct { const char *name; enum output_tags v; } t[] = {
        {"hugo", OUTPUT_TAGS_HUGO}, {"zola", OUTPUT_TAGS_ZOLA},
    };
    for (size_t i = 0; setting && i < sizeof t / sizeof *t; i++)
        if (!strcmp(setting, t[i].name))
            return t[i].v;
    return OUTPUT_TAGS_OFF;
}

/* The post's URL as the file shows it, or NULL: only an http(s) URL, since extra.source
 * and "URL Source:" are followed by readers and site templates (a feed's
 * <link>javascript:alert(1)</link> or data: or file: link is dropped, as html2md drops
 * such links in the content). Without tracking parameters and without credentials (a
 * link resolved against a feed URL with a password carried it before links were
 * resolved against the shown URL; such rows may still be in the database). */
static char *post_url(const char *link)
{
    if (!url_is_http(link))
        return NULL;
    char *stripped = url_strip_tracking(link);
    char *url = url_redact(stripped);
    free(stripped);
    return url;
}

void pipeline_post(const struct app *app, const struct db_entry *e, struct post *p,
                   struct rendered *r)
{
    r->title = e->title && !str_empty(e->title) ? xstrdup(e->title) : fallback_title(e);
    r->url = post_url(e->link);
    r->md = NULL;
    /* Only http(s) enclosures, like extra.source: templates and readers follow them. */
    r->encl = xcalloc(e->nenclosures ? e->nenclosures : 1, sizeof *r->encl);
    size_t nencl = 0;
    for (size_t i = 0; i < e->nenclosures; i++)
        if (url_is_http(e->enclosures[i].url))
            r->encl[nencl++] = (struct post_enclosure){e->enclosures[i].url,
                                                       e->enclosures[i].type,
                                                       e->enclosures[i].length};
    r->page = (struct page_meta){0};
    if (e->page_state == PAGE_FETCHED)
        page_meta_from_json(e->page_meta, &r->page);
    *p = (struct post){
        .title = e->model_title && *e->model_title ? e->model_title : r->title,
        .original_title = r->title,
        .url = r->url,
        .feed_title = e->feed_title,
        .feed_category = e->feed_category,
        .author = e->author,
        .id = e->guid,
        .published = pipeline_post_date(e),
        .summary = e->summary ? e->summary : "",
        .summary_by = e->sum_by,
        .summary_fallback = e->sum_fallback,
        .categories = (const char *const *)e->categories,
        .ncategories = e->ncategories,
        .enclosures = r->encl,
        .nenclosures = nencl,
        .tags = tags_style(app->cfg.tags),
        .date_time = app->cfg.date_format && !strcmp(app->cfg.date_format, "time"),
        .page = page_meta_any(&r->page) ? &r->page : NULL,
    };
}

void pipeline_post_free(struct rendered *r)
{
    free(r->title);
    free(r->url);
    free(r->md);
    page_meta_free(&r->page);
    free(r->encl);
}

/* The feeds that carried the post (its own first; more when other feeds brought it too:
 * docs/output-format.md, extra.feeds), by their URLs as shown (without credentials):
 * titles would not tell apart a blog's Atom and JSON feeds, which share one. NULL and 0
 * when the database cannot say: the file is written without the list. */
static char **post_feeds(struct app *app, const struct db_entry *e, size_t *n)
{
    char **urls;
    if (db_post_feeds(app->db, e->id, &urls, n) < 0)
        return NULL;
    for (size_t i = 0; i < *n; i++) {
        char *shown = url_redact(urls[i]);
        free(urls[i]);
        urls[i] = shown;
    }
    return urls;
}

/* Claims path for e when it is free: no other entry owns it, and nothing is there on the
 * disk. The database records every name feedsd gave a post, so a file at a name that no
 * entry owns is not feedsd's to replace (a hand-written about.md, a file of an entry
 * that retention pruned). 0 claimed, 1 owned by another entry, 2 taken on the disk, -1. */
static int claim_free(struct app *app, struct db_entry *e, const char *path)
{
    int on_disk = output_exists(app->cfg.output, path);
    if (on_disk < 0)
        return -1;
    if (on_disk)
        return 2;
    return db_entry_claim_path(app->db, e->id, path);
}

static int claim_path(struct app *app, struct db_entry *e, int quiet)
{
    char idhash[17];
    pipeline_idhash(e, idhash);
    struct post p;
    struct rendered r;
    pipeline_post(app, e, &p, &r);
    char *path = output_path_for(app->cfg.filename, &p, e->feed_title, idhash);
    pipeline_post_free(&r);
    int rc = claim_free(app, e, path);
    /* A name taken by another entry, or by a file feedsd did not write, gets a short hash
     * suffix, then the whole hash (the rule of docs/output-format.md, "Collisions"). */
    for (int len = 6; rc > 0 && len <= 16; len += 10) {
        if (rc == 2)
            log_info("%s/%s is not a file feedsd wrote: the post takes another name",
                     app->cfg.output, path);
        char suffix[17];
        snprintf(suffix, sizeof suffix, "%.*s", len, idhash);
        char *alt = output_path_collision(app->cfg.filename, path, suffix);
        rc = claim_free(app, e, alt);
        free(path);
        path = alt;
    }
    if (rc != 0) {
        if (!quiet) {
            char *why = xasprintf("cannot choose a file name for \"%s\"",
                                  e->title ? e->title : "");
            log_entry_err(e, why);
            free(why);
        }
        free(path);
        return -1;
    }
    e->path = path;
    return 0;
}

/* Whether decide has anything to record for es[0..n): a post named in its group (or an
 * earlier pass) is only written, and a transaction of its own would commit the group
 * open meanwhile early (db_begin), rewriting the pages it shares with the next. */
static int undecided(const struct db_entry *es, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (es[i].stage == STAGE_NEW || (es[i].stage == STAGE_SUMMARIZED && !es[i].path))
            return 1;
    return 0;
}

/* Phase 1, in one transaction: summaries that are due now, and file names. Returns how
 * many entries of the batch are ready to be written (moved to the front of es, their
 * markdown in md[] moved along: md[i] is es[i]'s when the built-in summary made it from
 * the same parse, else NULL and write_batch makes it). In the group (in_group), the
 * statements run in the open transaction and a failure is left to the pass after the
 * commit, which tries the entry again and says why. */
static size_t decide(struct app *app, struct db_entry *es, char **md, char *fresh, size_t n,
                     int *failed, int in_group)
{
    int own = !in_group && undecided(es, n);
    if (own && db_begin(app->db) < 0) {
        *failed += (int)n;
        return 0;
    }
    size_t ready = 0;
    for (size_t i = 0; i < n; i++) {
        struct db_entry *e = &es[i];
        int ok = 1, text_final = 1, named = e->path != NULL;
        md[i] = NULL;
        fresh[i] = 0;
        if (e->stage == STAGE_NEW && (text_final = article_decide(app, e)) < 0)
            ok = 0;
        if (ok && text_final && e->stage == STAGE_NEW && summary_prepare(app->summary, e, &md[i]) < 0)
            ok = 0;
        if (ok && e->stage == STAGE_SUMMARIZED && !e->path) {
            if (claim_path(app, e, in_group) < 0)
                ok = 0;
            else
                fresh[i] = 1;   /* a new file, for on_write (daemon/hook.h) */
        }
        /* Decided in a group that committed since: what it made for the file. */
        if (ok && !in_group && named && e->stage == STAGE_SUMMARIZED && !md[i])
            fresh[i] = (char)decided_take(app, e, &md[i]);
        if (!ok)
            (*failed)++;
        if (ok && e->stage == STAGE_SUMMARIZED) {
            struct db_entry tmp = es[ready];
            es[ready] = *e;
            *e = tmp;
            char *t = md[ready];
            md[ready] = md[i];
            md[i] = t;
            char f = fresh[ready];
            fresh[ready] = fresh[i];
            fresh[i] = f;
            ready++;
        } else {
            free(md[i]);
            md[i] = NULL;
        }
    }
    if (in_group) {
        for (size_t i = 0; i < ready; i++) {
            decided_keep(app, &es[i], md[i], fresh[i]);
            md[i] = NULL;
        }
        return ready;
    }
    if (own && db_commit(app->db) < 0) {
        log_err("pipeline: %s", db_errmsg(app->db));
        db_rollback(app->db);
        *failed += (int)ready;
        for (size_t i = 0; i < ready; i++) {
            free(md[i]);
            md[i] = NULL;
        }
        return 0;
    }
    return ready;
}

/* Phase 2: the files, then the flush, then the marks, then on_write. Takes md[0..n) (see
 * decide); fresh[i] says es[i]'s name was given in this pass. */
static void write_batch(struct app *app, struct db_entry *es, char **md, const char *fresh,
                        size_t n, int *failed)
{
    char *ok = xcalloc(n ? n : 1, 1);
    char *staged = xcalloc(n ? n : 1, 1);   /* flushed by the batch's syncfs, then renamed */
    char err[512];
    struct output_batch batch;
    int batched = n >= BATCH_SYNCFS && output_batch_begin(&batch, app->cfg.output) == 0;
    for (size_t i = 0; i < n; i++) {
        struct db_entry *e = &es[i];
        struct post p;
        struct rendered r;
        pipeline_post(app, e, &p, &r);
        r.md = md[i] ? md[i]
                     : html2md(e->content ? e->content : "",
                               e->content ? strlen(e->content) : 0, e->link);
        md[i] = NULL;
        p.content_md = r.md;
        size_t nfeeds = 0;
        char **feeds = post_feeds(app, e, &nfeeds);
        p.feeds = (const char *const *)feeds;
        p.nfeeds = nfeeds;
        char *text = output_render(&p);
        for (size_t k = 0; k < nfeeds; k++)
            free(feeds[k]);
        free(feeds);
        int rc = batched ? output_batch_write(&batch, e->path, text, err, sizeof err)
                         : output_write_file(app->cfg.output, e->path, text, 0, err, sizeof err);
        if (rc < 0)
            log_entry_err(e, err);
        ok[i] = rc >= 0;
        staged[i] = rc == 1;
        free(text);
        pipeline_post_free(&r);
    }
    /* The staged files' data reaches the disk before any of them takes its name, so a
     * power cut leaves each name with its old text or its new one, never a torn file (as
     * fdatasync before rename does for a single file). */
    if (batched && output_batch_sync(&batch, err, sizeof err) < 0) {
        /* The error may belong to any file of the file system; none of the batch is
         * known durable, so none is put in place, and the next pass writes them again. */
        size_t lost = 0;
        for (size_t i = 0; i < n; i++) {
            if (staged[i] && ok[i]) {
                output_discard(app->cfg.output, es[i].path);
                ok[i] = 0;
                lost++;
            }
        }
        log_err("%s (%zu %s not written: they will be written again)", err, lost,
                plural((long long)lost, "post", "posts"));
    }
    for (size_t i = 0; i < n; i++) {
        if (staged[i] && ok[i] && output_publish(app->cfg.output, es[i].path, err, sizeof err) < 0) {
            log_entry_err(&es[i], err);
            ok[i] = 0;
        }
    }
    /* One fsync per folder, which makes the renames into it durable: most batches write
     * into a single folder. */
    for (size_t i = 0; i < n; i++) {
        if (!ok[i])
            continue;
        const char *slash = strrchr(es[i].path, '/');
        size_t dl = slash ? (size_t)(slash - es[i].path) : 0;
        int seen = 0;
        for (size_t k = 0; k < i && !seen; k++) {
            const char *s2 = strrchr(es[k].path, '/');
            size_t d2 = s2 ? (size_t)(s2 - es[k].path) : 0;
            seen = ok[k] && d2 == dl && !strncmp(es[k].path, es[i].path, dl);
        }
        if (!seen && output_sync_dir(app->cfg.output, es[i].path, err, sizeof err) < 0) {
            log_err("%s", err);
            for (size_t k = i; k < n; k++) {
                const char *s2 = strrchr(es[k].path, '/');
                size_t d2 = s2 ? (size_t)(s2 - es[k].path) : 0;
                if (d2 == dl && !strncmp(es[k].path, es[i].path, dl))
                    ok[k] = 0;
            }
        }
    }
    int began = db_begin(app->db) == 0;
    int wrote = 0;
    for (size_t i = 0; i < n; i++) {
        if (ok[i] && began && db_entry_mark_written(app->db, es[i].id) == 0) {
            log_info("wrote %s", es[i].path);
            app->metrics.files_written++;
            hook_add(app->hook, es[i].path, fresh[i]);
            if (views_mark(app, &es[i]) < 0)
                log_entry_err(&es[i], "cannot mark its day's digest");
            wrote++;
        }
        else
            (*failed)++;
    }
    if (began && db_commit(app->db) < 0) {
        log_err("pipeline: %s", db_errmsg(app->db));
        db_rollback(app->db);
    }
    views_update(app, wrote > 0, 0);
    hook_kick(app->hook);   /* the batch is published */
    free(staged);
    free(ok);
}

int pipeline_run_one(struct app *app, int64_t entry_id)
{
    struct db_entry e;
    if (db_entry_get(app->db, entry_id, &e) < 0)
        return 1;
    int failed = 0;
    if (e.stage == STAGE_NEW || e.stage == STAGE_SUMMARIZED) {
        char *md[1], fresh[1];
        size_t ready = decide(app, &e, md, fresh, 1, &failed, 0);
        write_batch(app, &e, md, fresh, ready, &failed);
    }
    db_entry_clear(&e);
    return failed;
}

/* The entries of feeds (nfeeds 0: all) that wait for a summary or a file; failures
 * counted in *failed. */
static int64_t *pending_of(struct app *app, const int64_t *feeds, size_t nfeeds, size_t *n,
                           int *failed)
{
    static const int64_t all[1] = {0}; /* feed id 0: every feed's entries */
    int64_t *ids = NULL;
    *n = 0;
    if (!feeds || !nfeeds) {
        feeds = all;
        nfeeds = 1;
    }
    /* One read transaction for the lists: each read alone took and dropped SQLite's
     * locks, 2 fcntl(2) per feed of a warm poll (strace -c), where a 304 lists nothing. */
    int reading = db_read_begin(app->db);
    /* A warm poll stores nothing, and its feeds have nothing pending: one look at the
     * (partial, usually empty) index of pending entries answers for all of them. A list
     * per feed was 3.8 M of the 417 M instructions of a warm poll of 1000 feeds
     * (callgrind, bench/warm_instructions.py, Debian 12). */
    if (nfeeds > 1 && db_entries_any_pending(app->db) == 0)
        nfeeds = 0;
    for (size_t f = 0; f < nfeeds; f++) {
        int64_t *one;
        size_t k;
        if (db_entries_pending(app->db, feeds[f], &one, &k) < 0) {
            (*failed)++;
            continue;
        }
        if (k) {
            ids = xrealloc(ids, (*n + k) * sizeof *ids);
            memcpy(ids + *n, one, k * sizeof *ids);
            *n += k;
        }
        free(one);
    }
    db_read_end(app->db, reading);
    return ids;
}

/* Both phases over ids, in batches (in_group: the first phase alone, in the group). */
static void run_batches(struct app *app, const int64_t *ids, size_t n, int *failed,
                        int in_group)
{
    struct db_entry es[BATCH];
    char *md[BATCH], fresh[BATCH];
    for (size_t start = 0; start < n; start += BATCH) {
        size_t m = 0;
        for (size_t i = start; i < n && i < start + BATCH; i++)
            if (db_entry_get(app->db, ids[i], &es[m]) == 0)
                m++;
            else
                (*failed)++;
        size_t ready = decide(app, es, md, fresh, m, failed, in_group);
        if (!in_group)
            write_batch(app, es, md, fresh, ready, failed);
        for (size_t i = 0; i < m; i++)
            db_entry_clear(&es[i]);
    }
}

int pipeline_run_feeds(struct app *app, const int64_t *feeds, size_t nfeeds)
{
    int failed = 0;
    size_t n;
    int64_t *ids = pending_of(app, feeds, nfeeds, &n, &failed);
    run_batches(app, ids, n, &failed, 0);
    free(ids);
    decided_forget(app, feeds, feeds ? nfeeds : 0);
    return failed;
}

/* Measured on a cold poll of 300 feeds (bench/writes.py, ext4): the first phase in its
 * own transaction after the group's commit wrote 7.2 MB to the WAL, mostly pages of
 * entries and their indexes that the group had just written: see docs/scaling.md. */
void pipeline_decide_stored(struct app *app, const int64_t *feeds, size_t nfeeds)
{
    int failed = 0;     /* said by the pass after the commit, which tries again */
    size_t n;
    if (!nfeeds)
        return;
    int64_t *ids = pending_of(app, feeds, nfeeds, &n, &failed);
    run_batches(app, ids, n, &failed, 1);
    free(ids);
}

int pipeline_run(struct app *app, int64_t feed_id)
{
    return pipeline_run_feeds(app, feed_id ? &feed_id : NULL, feed_id ? 1 : 0);
}
