/* daemon/article.c: full articles for teaser feeds (issue 4). With full_content = always, or
 * auto when the feed's text is short, an entry's web page is fetched through the same
 * fetcher as the feeds (per-origin queue, spacing, Retry-After, private-address check),
 * its main article is extracted (markdown/readability.c) and replaces the feed's text for the
 * file and the summary. The stage lives in the entry's row (page_state), so a killed
 * daemon resumes it; a page that cannot be had after PAGE_ATTEMPTS tries is given up and
 * the post is written with what the feed had. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/utf8.h"
#include "common/util.h"
#include "daemon/app.h"
#include "daemon/article.h"
#include "feeds/url.h"
#include "markdown/html2md.h"
#include "markdown/readability.h"
#include "summary/summary.h"

#define PAGE_ATTEMPTS 3
#define PAGE_BATCH 64
#define PAGE_MAX_SIZE (8L << 20)

struct article_job {
    struct article_job *next;
    struct app *app;
    int64_t entry_id, feed_id;
    char *url;
};

static const char *policy_of(const struct app *app, const char *feed_url)
{
    const struct feed_conf *fc = config_feed(&app->cfg, feed_url);
    return fc && fc->full_content ? fc->full_content : app->cfg.full_content;
}

int article_decide(struct app *app, struct db_entry *e)
{
    if (e->page_state != PAGE_UNDECIDED)
        return e->page_state == PAGE_WANTED ? 0 : 1;
    const char *policy = policy_of(app, e->feed_url);
    int want = 0;
    if (!strcmp(policy, "always")) {
        want = 1;
    } else if (!strcmp(policy, "auto")) {
        char *text = html_to_text(e->content ? e->content : "",
                                  e->content ? strlen(e->content) : 0);
        want = utf8_count(text) < (size_t)app->cfg.full_content_min;
        free(text);
    }
    /* No link, nothing to fetch. */
    if (want && !url_is_http(e->link))
        want = 0;
    int state = want ? PAGE_WANTED : PAGE_NONE;
    if (db_entry_set_page(app->db, e->id, state, NULL, NULL, NULL, 0, 0) < 0)
        return -1;
    e->page_state = state;
    return want ? 0 : 1;
}

static int job_running(const struct app *app, int64_t id)
{
    for (const struct article_job *j = app->pages; j; j = j->next)
        if (j->entry_id == id)
            return 1;
    return 0;
}

static void job_remove(struct app *app, struct article_job *j)
{
    for (struct article_job **pp = &app->pages; *pp; pp = &(*pp)->next)
        if (*pp == j) {
            *pp = j->next;
            break;
        }
    free(j->url);
    free(j);
}

static void page_done(void *ud, const struct fetch_result *r)
{
    struct article_job *j = ud;
    struct app *app = j->app;
    char err[512] = "";
    char *article = NULL;
    struct page_meta meta = {0};
    if (!r->ok)
        snprintf(err, sizeof err, "%s", r->error ? r->error : "transfer failed");
    else if (r->status < 200 || r->status > 299)
        snprintf(err, sizeof err, "HTTP status %ld", r->status);
    else
        article = readability_extract(r->body, r->len,
                                      r->effective_url ? r->effective_url : j->url, &meta,
                                      err, sizeof err);
    struct db_entry e;
    int have = db_entry_get(app->db, j->entry_id, &e) == 0;
    if (have && e.page_state == PAGE_WANTED) {
        if (article) {
            log_info("%s: full article fetched (%zu bytes of HTML)", j->url, strlen(article));
            char *mj = page_meta_to_json(&meta);
            db_entry_set_page(app->db, j->entry_id, PAGE_FETCHED, article, mj, NULL, 0, 1);
            free(mj);
        } else if (e.page_attempts + 1 >= PAGE_ATTEMPTS ||
                   (r->ok && r->status >= 200 && r->status <= 299)) {
            /* A page without an article will not grow one by asking again. */
            log_warn("%s: no full article (%s); the feed's text is used", j->url, err);
            db_entry_set_page(app->db, j->entry_id, PAGE_FAILED, NULL, NULL, err, 0, 1);
        } else {
            /* 1, 2 minutes...; a one-shot run (--once) waits seconds, not minutes. */
            int64_t wait = (app->once ? 1000LL : 60000LL) << e.page_attempts;
            char dur[32];
            duration_format(wait / 1000, dur, sizeof dur);
            log_warn("%s: page fetch failed (%s); retry in %s", j->url, err, dur);
            db_entry_set_page(app->db, j->entry_id, PAGE_WANTED, NULL, NULL, err, time_wall_ms() + wait, 1);
        }
    }
    if (have)
        db_entry_clear(&e);
    free(article);
    page_meta_free(&meta);
    int64_t feed_id = j->feed_id;
    job_remove(app, j);
    app->write_failures += pipeline_run(app, feed_id);
    summary_kick(app->summary);
    article_kick(app);
    daemon_check_done(app);
}

static void timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop, (void)revents;
    article_kick(w->data);
}

void article_kick(struct app *app)
{
    if (app->stopping || !app->fetch)
        return;
    if (!ev_is_active(&app->page_timer) && !app->page_timer.data) {
        ev_timer_init(&app->page_timer, timer_cb, 0., 0.);
        app->page_timer.data = app;
    }
    if (batch_busy(app)) {
        /* As summary_kick: no page is fetched for a row the open group may take back. */
        ev_timer_stop(app->loop, &app->page_timer);
        ev_timer_set(&app->page_timer, 0.1, 0.);
        ev_timer_start(app->loop, &app->page_timer);
        return;
    }
    int64_t *ids;
    size_t n;
    int64_t now = time_wall_ms();
    if (db_pages_due(app->db, now, PAGE_BATCH, &ids, &n) < 0)
        return;
    for (size_t i = 0; i < n; i++) {
        if (job_running(app, ids[i]))
            continue;
        struct db_entry e;
        if (db_entry_get(app->db, ids[i], &e) < 0)
            continue;
        struct article_job *j = xcalloc(1, sizeof *j);
        j->app = app;
        j->entry_id = e.id;
        j->feed_id = e.feed_id;
        j->url = xstrdup(e.link);
        j->next = app->pages;
        app->pages = j;
        /* The feed's CA: an intranet feed's posts live on the same intranet. */
        struct fetch_request rq = {.url = j->url, .max_size = PAGE_MAX_SIZE,
                                   .ca_file = config_ca_file(&app->cfg, e.feed_url)};
        if (fetch_request_start(app->fetch, &rq, page_done, j) < 0)
            job_remove(app, j);
        db_entry_clear(&e);
    }
    free(ids);
    /* Retries that are not due yet: look again in a minute. */
    ev_timer_stop(app->loop, &app->page_timer);
    if (db_pages_wanted(app->db) > 0) {
        ev_timer_set(&app->page_timer, app->once ? 0.5 : 60., 0.);
        ev_timer_start(app->loop, &app->page_timer);
    }
}

int article_busy(struct app *app)
{
    return app->pages != NULL || db_pages_wanted(app->db) > 0;
}

void article_free(struct app *app)
{
    if (app->page_timer.data)
        ev_timer_stop(app->loop, &app->page_timer);
    while (app->pages) {
        struct article_job *j = app->pages;
        app->pages = j->next;
        free(j->url);
        free(j);
    }
}
