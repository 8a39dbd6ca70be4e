/* daemon/pipeline.c: what happens to a stored entry: summary, then file. Each step reads
 * its input from the database and records its result there before the next step runs,
 * so a process killed at any instant redoes at most the step it was in: the file path is
 * claimed in the database before the file is written, and writing the same path again is
 * harmless (atomic rename), so a post is never lost and never gets a second file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/util.h"
#include "daemon/app.h"
#include "feeds/html2md.h"
#include "feeds/summarize.h"
#include "feeds/url.h"
#include "storage/output.h"

static int64_t post_date(const struct db_entry *e)
{
    if (e->published != FEED_TIME_NONE)
        return e->published;
    if (e->updated != FEED_TIME_NONE)
        return e->updated;
    return e->first_seen;
}

static int step_summarize(struct app *app, struct db_entry *e)
{
    char *summary;
    if (!strcmp(app->cfg.summarizer, "none")) {
        summary = xstrdup("");
    } else {
        char *text = html_to_text(e->content ? e->content : "",
                                  e->content ? strlen(e->content) : 0);
        summary = summarize_extractive(text, &app->sopts);
        free(text);
    }
    int rc = db_entry_set_summary(app->db, e->id, summary);
    if (rc == 0) {
        free(e->summary);
        e->summary = summary;
        e->stage = STAGE_SUMMARIZED;
    } else {
        free(summary);
    }
    return rc;
}

/* A title for posts that have none (many microblog feeds): the start of the text. */
static char *fallback_title(const struct db_entry *e)
{
    char *text = html_to_text(e->content ? e->content : "", e->content ? strlen(e->content) : 0);
    str_squash_ws(text);
    size_t n = strlen(text);
    if (n > 80) {
        n = 80;
        while (n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80)
            n--;     /* never cut a UTF-8 sequence */
        text[n] = '\0';
    }
    if (!*text) {
        free(text);
        text = xstrdup(e->link ? e->link : "Untitled");
    }
    return text;
}

static int claim_path(struct app *app, struct db_entry *e, const struct post *p,
                      const char *idhash)
{
    char *path = output_path_for(app->cfg.filename, p, e->feed_title, idhash);
    int r = db_entry_claim_path(app->db, e->id, path);
    /* A name taken by another entry gets a short hash suffix, then the whole hash. */
    for (int len = 6; r == 1 && len <= 16; len += 10) {
        char suffix[17];
        snprintf(suffix, sizeof suffix, "%.*s", len, idhash);
        char *alt = output_path_suffixed(path, suffix);
        r = db_entry_claim_path(app->db, e->id, alt);
        free(path);
        path = alt;
    }
    if (r != 0) {
        free(path);
        return -1;
    }
    e->path = path;
    return 0;
}

static int step_write(struct app *app, struct db_entry *e)
{
    char idhash[17];
    uint64_t h = hash64(e->feed_url, strlen(e->feed_url));
    h = hash64_update(h, "\n", 1);
    hash_hex(hash64_update(h, e->key, strlen(e->key)), idhash);
    char *title = e->title && !str_empty(e->title) ? xstrdup(e->title) : fallback_title(e);
    char *md = html2md(e->content ? e->content : "", e->content ? strlen(e->content) : 0,
                       e->link);
    char *url = url_strip_tracking(e->link);
    struct post p = {
        .title = title,
        .original_title = title,
        .url = url,
        .feed_title = e->feed_title,
        .author = e->author,
        .id = e->guid,
        .published = post_date(e),
        .summary = e->summary ? e->summary : "",
        .content_md = md,
    };
    int rc = -1;
    if (!e->path && claim_path(app, e, &p, idhash) < 0) {
        log_err("%s: cannot choose a file name for \"%s\"", e->feed_url, title);
        goto out;
    }
    char *text = output_render(&p);
    char err[512];
    if (output_write_atomic(app->cfg.output, e->path, text, err, sizeof err) < 0) {
        log_err("%s: %s", e->feed_url, err);
    } else if (db_entry_mark_written(app->db, e->id) == 0) {
        log_info("wrote %s", e->path);
        rc = 0;
    }
    free(text);
out:
    free(url);
    free(md);
    free(title);
    return rc;
}

static int pipeline_entry(struct app *app, int64_t id)
{
    struct db_entry e;
    if (db_entry_get(app->db, id, &e) < 0)
        return -1;
    int rc = 0;
    if (e.stage == STAGE_NEW)
        rc = step_summarize(app, &e);
    if (rc == 0 && e.stage == STAGE_SUMMARIZED)
        rc = step_write(app, &e);
    db_entry_clear(&e);
    return rc;
}

int pipeline_run(struct app *app, int64_t feed_id)
{
    int64_t *ids;
    size_t n;
    if (db_entries_pending(app->db, feed_id, &ids, &n) < 0)
        return 1;
    int failed = 0;
    for (size_t i = 0; i < n; i++)
        if (pipeline_entry(app, ids[i]) < 0)
            failed++;
    free(ids);
    return failed;
}
