/* daemon/summary.c: deciding how each entry gets its summary, and the queue of model
 * requests. The queue's state is in the database; this file keeps only what a restart may
 * forget: requests in flight, the rate window, the circuit and pauses. Requests themselves
 * are built and read in summary_backend.c. */
#include "daemon/summary.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/util.h"
#include "daemon/app.h"
#include "daemon/summary_int.h"
#include "feeds/html2md.h"
#include "feeds/summarize.h"

#define CIRCUIT_FAILURES 5      /* failures in a row that open a backend's circuit */
#define TICK 30.0               /* seconds between scans for overdue or external work */

enum summary_backend summary_backend_of(const struct app *app, const char *feed_setting)
{
    static const struct {
        const char *name;
        enum summary_backend b;
    } names[] = {
        {"none", SB_NONE}, {"builtin", SB_BUILTIN}, {"openai", SB_OPENAI}, {"command", SB_COMMAND},
    };
    const char *v = feed_setting ? feed_setting : app->cfg.summarizer;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (v && !strcmp(v, names[i].name))
            return names[i].b;
    return SB_BUILTIN;
}

/* ---- output cleaning ------------------------------------------------------------------ */

char *summary_clean_output(const char *out, char **title)
{
    *title = NULL;
    struct buf b = {0};
    const char *p = out ? out : "";
    /* <think>...</think> blocks anywhere; an unclosed one means the answer was cut off. */
    for (;;) {
        const char *t = strstr(p, "<think>");
        if (!t) {
            buf_puts(&b, p);
            break;
        }
        buf_append(&b, p, (size_t)(t - p));
        const char *end = strstr(t, "</think>");
        if (!end) {
            buf_free(&b);
            return NULL;
        }
        p = end + strlen("</think>");
    }
    char *s = str_trim(buf_steal(&b));
    /* A first line naming a title (asked for when the prompt translates). */
    static const char *const labels[] = {"title", "标题", "標題", "タイトル", "titre",
                                         "titel", "título", "titolo", "заголовок"};
    const char *line = s;
    while (*line == '#' || *line == '*' || *line == ' ')
        line++;
    for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++) {
        size_t n = strlen(labels[i]);
        if (strncasecmp(line, labels[i], n))
            continue;
        const char *q = line + n;
        while (*q == '*' || *q == ' ')
            q++;
        if (strncmp(q, ":", 1) && strncmp(q, "\xEF\xBC\x9A", 3))   /* ':' or full-width '：' */
            continue;
        q += *q == ':' ? 1 : 3;
        while (*q == '*' || *q == ' ')
            q++;
        size_t len = strcspn(q, "\n");
        char *t = str_trim(xstrndup(q, len));
        while (*t && t[strlen(t) - 1] == '*')
            t[strlen(t) - 1] = '\0';
        if (*t) {
            *title = t;
            char *rest = str_trim(xstrdup(q + len));
            free(s);
            s = rest;
        } else {
            free(t);
        }
        break;
    }
    if (!*s) {
        free(s);
        free(*title);
        *title = NULL;
        return NULL;
    }
    return s;
}

/* ---- the state of each backend ------------------------------------------------------- */

static struct backend_state *bstate(struct app *app, enum summary_backend b)
{
    return &app->summary->be[b];
}

/* Sliding one-minute window of request starts: a burst can never exceed the limit in any
 * 60-second span (a token bucket would allow twice the rate across a refill). */
static double rate_free_at(const struct app *app, const struct backend_state *bs, double now)
{
    int rate = app->cfg.summary_rate;
    if (rate <= 0 || bs->nstarts < (size_t)rate)
        return now;
    double oldest = bs->starts[bs->head];
    return oldest + 60.0 > now ? oldest + 60.0 : now;
}

static void rate_record(struct app *app, struct backend_state *bs, double now)
{
    int rate = app->cfg.summary_rate;
    if (rate <= 0)
        return;
    if (bs->cap != (size_t)rate) {
        free(bs->starts);
        bs->cap = (size_t)rate;
        bs->starts = xcalloc(bs->cap, sizeof *bs->starts);
        bs->head = bs->nstarts = 0;
    }
    size_t tail = (bs->head + bs->nstarts) % bs->cap;
    if (bs->nstarts == bs->cap) {
        bs->starts[bs->head] = now;       /* the oldest start leaves the window */
        bs->head = (bs->head + 1) % bs->cap;
    } else {
        bs->starts[tail] = now;
        bs->nstarts++;
    }
}

/* When this backend may start its next request (now when it may now). */
static double backend_ready_at(struct app *app, enum summary_backend b, double now)
{
    struct backend_state *bs = bstate(app, b);
    double t = now;
    if (bs->paused_until > t)
        t = bs->paused_until;
    if (bs->circuit_until > t)
        t = bs->circuit_until;
    double r = rate_free_at(app, bs, now);
    if (r > t)
        t = r;
    return t;
}

static int backend_can_start(struct app *app, enum summary_backend b, double now)
{
    struct backend_state *bs = bstate(app, b);
    if (bs->inflight >= app->cfg.summary_concurrency)
        return 0;
    /* Half-open circuit: one probe request at a time. */
    if (bs->consecutive >= CIRCUIT_FAILURES && bs->inflight > 0)
        return 0;
    return backend_ready_at(app, b, now) <= now;
}

/* ---- storing results ----------------------------------------------------------------- */

/* Milliseconds before the next attempt: summary_retry doubled per attempt, capped at a
 * day, with +-10% jitter so that posts that failed together do not retry together. */
static int64_t backoff_ms(const struct app *app, int attempts)
{
    double d = app->cfg.summary_retry;
    for (int i = 1; i < attempts && d < 86400; i++)
        d *= 2;
    if (d > 86400)
        d = 86400;
    return (int64_t)(d * 1000.0 * (0.9 + 0.2 * (random() / (double)RAND_MAX)));
}

/* The built-in summary of a post's HTML. */
static char *builtin_summary(struct app *app, const char *html)
{
    char *text = html_to_text(html ? html : "", html ? strlen(html) : 0);
    char *s = summarize_extractive(text, &app->sopts);
    free(text);
    return s;
}

/* The fallback summary of an entry: built-in, or none. */
static char *fallback_summary(struct app *app, const struct db_entry *e, const char **by)
{
    int none = !strcmp(app->cfg.summary_fallback, "none");
    *by = none ? "none" : "builtin";
    return none ? xstrdup("") : builtin_summary(app, e->content);
}

/* Stores a summary for one entry in its own transaction, then writes its file. */
static void store_and_write(struct app *app, int64_t entry_id, const struct db_summary *sum,
                            const char *cache_key)
{
    struct db *db = app->db;
    int ok = db_begin(db) == 0;
    if (ok && cache_key && !sum->fallback)
        ok = db_cache_put(db, cache_key, sum, time(NULL)) == 0;
    if (ok)
        ok = db_entry_set_summary(db, entry_id, sum) == 0;
    if (ok)
        ok = db_commit(db) == 0;
    if (!ok) {
        log_err("summary: cannot store the summary of entry %lld: %s", (long long)entry_id,
                db_errmsg(db));
        db_rollback(db);
        return;
    }
    app->write_failures += pipeline_run_one(app, entry_id);
}

static void job_unlink(struct summary_state *st, struct summary_job *j)
{
    for (struct summary_job **pp = &st->jobs; *pp; pp = &(*pp)->next)
        if (*pp == j) {
            *pp = j->next;
            return;
        }
}

void summary_job_free(struct summary_job *j)
{
    free(j->key);
    free(j->by);
    free(j->title);
    free(j->url);
    free(j->feed);
    free(j);
}

void summary_job_done(struct summary_job *j, const struct job_outcome *o)
{
    struct app *app = j->app;
    struct summary_state *st = app->summary;
    struct backend_state *bs = bstate(app, j->backend);
    job_unlink(st, j);
    bs->inflight--;
    double now = ev_now(app->loop);
    char *title = NULL;
    char *summary = o->ok ? summary_clean_output(o->text, &title) : NULL;
    app->metrics.summary_seconds += now - j->started;
    if (summary)
        app->metrics.summary_ok++;
    else
        app->metrics.summary_error++;

    if (summary) {
        bs->consecutive = 0;
        bs->circuit_until = 0;
        struct db_summary sum = {.summary = summary, .title = title, .by = j->by};
        log_info("summary: %s: %s (%.1fs)", j->by, j->url ? j->url : "entry", now - j->started);
        store_and_write(app, j->entry_id, &sum, j->key);
    } else {
        const char *why = o->ok ? "the answer was empty (or only <think>)" : o->error;
        struct db_entry e;
        int have = db_entry_get(app->db, j->entry_id, &e) == 0;
        int attempts = (have ? e.sum_attempts : 0) + (o->retry_after >= 0 ? 0 : 1);
        if (o->retry_after >= 0) {
            /* The server says when: that origin pauses, and this is no defect of the post. */
            bs->paused_until = now + (double)o->retry_after;
        } else if (++bs->consecutive >= CIRCUIT_FAILURES) {
            bs->circuit_until = now + app->cfg.summary_circuit;
            char times[32], dur[32];
            duration_format(app->cfg.summary_circuit, dur, sizeof dur);
            log_warn("summary: %s failed %s in a row; pausing it for %s", j->by,
                     times_format(bs->consecutive, times, sizeof times), dur);
        }
        if (have && attempts >= app->cfg.summary_attempts) {
            const char *by;
            char *fb = fallback_summary(app, &e, &by);
            log_warn("summary: %s: giving up after %d %s (%s); using the %s summary",
                     j->url ? j->url : "entry", attempts, plural(attempts, "attempt", "attempts"),
                     why, by);
            char *err = xasprintf("%s: %s", j->by, why);
            struct db_summary sum = {.summary = fb, .by = by, .fallback = 1, .error = err};
            db_entry_summary_failed(app->db, j->entry_id, 1, err, 0);
            store_and_write(app, j->entry_id, &sum, NULL);
            free(err);
            free(fb);
        } else if (have) {
            int64_t wait = o->retry_after >= 0 ? (int64_t)o->retry_after * 1000
                                                : backoff_ms(app, attempts);
            char *err = xasprintf("%s: %s", j->by, why);
            char dur[32];
            duration_format((wait + 500) / 1000, dur, sizeof dur);
            log_warn("summary: %s: %s (attempt %d of %d, retry in %s)",
                     j->url ? j->url : "entry", why, attempts, app->cfg.summary_attempts, dur);
            db_entry_summary_failed(app->db, j->entry_id, o->retry_after < 0, err,
                                    time_wall_ms() + wait);
            free(err);
        }
        if (have)
            db_entry_clear(&e);
    }
    free(summary);
    free(title);
    summary_job_free(j);
    /* A request that fails while kick is starting others must not start a nested kick:
     * the running one arms the timer when it ends. */
    if (!st->in_kick)
        summary_kick(app);
    daemon_check_done(app);
}

/* ---- deciding ------------------------------------------------------------------------ */

static int set_now(struct app *app, struct db_entry *e, const char *summary, const char *by,
                   const char *title, int fallback, int still_pending)
{
    struct db_summary sum = {.summary = summary, .by = by, .title = title,
                             .fallback = fallback, .still_pending = still_pending};
    if (db_entry_set_summary(app->db, e->id, &sum) < 0)
        return -1;
    e->stage = STAGE_SUMMARIZED;
    free(e->summary);
    e->summary = xstrdup(summary);
    free(e->sum_by);
    e->sum_by = xstrdup(by);
    free(e->model_title);
    e->model_title = xstrdup(title);
    e->sum_fallback = fallback;
    e->sum_pending = still_pending;
    return 1;
}

static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

int summary_prepare(struct app *app, struct db_entry *e, char **markdown)
{
    if (markdown)
        *markdown = NULL;
    enum summary_backend b = summary_backend_of(app, e->feed_summarizer);
    if (b == SB_NONE)
        return set_now(app, e, "", "none", NULL, 0, 0);
    /* Already queued for a model and not yet overdue: nothing to decide again (this runs
     * for every waiting post of a feed whenever one of them is answered). */
    if ((b == SB_OPENAI || b == SB_COMMAND) && e->sum_pending &&
        (int64_t)time(NULL) - e->first_seen < app->cfg.summary_max_wait)
        return 0;
    const char *html = e->content ? e->content : "";
    int builtin = b == SB_BUILTIN || (e->backlog && !app->cfg.summarize_backlog);
    char *text;
    /* The built-in summary is stored now and the file is written right after: one parse
     * of the HTML gives both the summary's text and the file's markdown. */
    if (markdown && builtin)
        html_convert(html, strlen(html), e->link, markdown, &text);
    else
        text = html_to_text(html, strlen(html));
    int rc;
    if (builtin) {
        /* The backlog of a new subscription is not sent to a (possibly paid) model. */
        char *s = summarize_extractive(text, &app->sopts);
        rc = set_now(app, e, s, "builtin", NULL, 0, 0);
        free(s);
    } else if (utf8_chars(text) < (size_t)app->cfg.summary_min_length) {
        /* Too short to be worth a request: the post's own text is its summary. */
        struct buf b2 = {0};
        md_escape_text(&b2, str_squash_ws(text));
        char *s = buf_steal(&b2);
        rc = set_now(app, e, s, "text", NULL, 0, 0);
        free(s);
    } else {
        rc = 0;
        char *key = summary_request_key(app, b, e);
        struct db_summary hit;
        int found = e->sum_force ? 0 : db_cache_get(app->db, key, &hit);
        if (found == 1) {
            rc = set_now(app, e, hit.summary, hit.by, hit.title, 0, 0);
            db_summary_clear(&hit);
        } else if (found < 0) {
            rc = -1;
        } else if (!e->sum_pending && db_entry_want_summary(app->db, e->id) < 0) {
            rc = -1;
        } else if ((int64_t)time(NULL) - e->first_seen >= app->cfg.summary_max_wait) {
            /* Waited long enough: the file appears now with the fallback summary and is
             * rewritten when the model's arrives. */
            const char *by;
            char *s = fallback_summary(app, e, &by);
            rc = set_now(app, e, s, by, NULL, 1, 1);
            free(s);
        }
        free(key);
    }
    free(text);
    return rc;
}

/* ---- the queue ----------------------------------------------------------------------- */

static int job_running(const struct summary_state *st, int64_t id)
{
    for (const struct summary_job *j = st->jobs; j; j = j->next)
        if (j->entry_id == id)
            return 1;
    return 0;
}

/* Starts the request for one due entry. 1 started (or settled at once), 0 blocked by a
 * limit, -1 error. */
static int start_one(struct app *app, int64_t id, double now)
{
    struct summary_state *st = app->summary;
    struct db_entry e;
    if (db_entry_get(app->db, id, &e) < 0)
        return -1;
    int rc = 1;
    enum summary_backend b = summary_backend_of(app, e.feed_summarizer);
    if (!e.sum_pending) {
        rc = 1;
    } else if (b == SB_NONE || b == SB_BUILTIN) {
        /* The feed's summarizer changed since, or `resummarize` asked for a built-in one. */
        const char *by = b == SB_NONE ? "none" : "builtin";
        char *s = b == SB_NONE ? xstrdup("") : builtin_summary(app, e.content);
        struct db_summary sum = {.summary = s, .by = by};
        store_and_write(app, e.id, &sum, NULL);
        free(s);
    } else if (!backend_can_start(app, b, now)) {
        rc = 0;
    } else {
        char *key = summary_request_key(app, b, &e);
        struct db_summary hit;
        if (!e.sum_force && db_cache_get(app->db, key, &hit) == 1) {
            store_and_write(app, e.id, &hit, NULL);
            db_summary_clear(&hit);
            free(key);
        } else {
            struct summary_job *j = xcalloc(1, sizeof *j);
            j->app = app;
            j->entry_id = e.id;
            j->feed_id = e.feed_id;
            j->backend = b;
            j->key = key;
            j->started = now;
            j->url = xstrdup(e.link);
            struct backend_state *bs = bstate(app, b);
            bs->inflight++;
            rate_record(app, bs, now);
            j->next = st->jobs;
            st->jobs = j;
            /* On failure to start, the backend reports through summary_job_done. */
            summary_backend_start(app, j, &e);
        }
    }
    db_entry_clear(&e);
    return rc;
}

static void timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop, (void)revents;
    summary_kick(w->data);
}

/* Entries that have waited summary_max_wait without a file get one now (fallback). */
static void write_overdue(struct app *app)
{
    int64_t *ids;
    size_t n;
    int64_t cutoff = (int64_t)time(NULL) - app->cfg.summary_max_wait;
    if (db_summaries_overdue(app->db, cutoff, &ids, &n) < 0)
        return;
    int64_t last_feed = 0;
    for (size_t i = 0; i < n; i++) {
        struct db_entry e;
        if (db_entry_get(app->db, ids[i], &e) == 0) {
            if (e.feed_id != last_feed)
                app->write_failures += pipeline_run(app, e.feed_id);
            last_feed = e.feed_id;
            db_entry_clear(&e);
        }
    }
    free(ids);
}

void summary_kick(struct app *app)
{
    struct summary_state *st = app->summary;
    if (!st || app->stopping)
        return;
    double now = ev_now(app->loop);
    int64_t wall = time_wall_ms();
    st->in_kick = 1;
    write_overdue(app);
    int64_t *ids;
    size_t n;
    if (db_summaries_due(app->db, wall, 200, &ids, &n) < 0) {
        st->in_kick = 0;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        /* Once every model backend is at its limit, the rest of the list waits: loading
         * each post only to find no free slot costs more than the requests themselves. */
        if (!backend_can_start(app, SB_OPENAI, now) && !backend_can_start(app, SB_COMMAND, now))
            break;
        if (!job_running(st, ids[i]))
            start_one(app, ids[i], now);
    }
    free(ids);
    st->in_kick = 0;

    /* Next wake-up: the earliest due entry, or when a blocked backend frees up. */
    int64_t count, next_wall;
    ev_timer_stop(app->loop, &st->timer);
    if (db_summaries_pending(app->db, &count, &next_wall) < 0 || count == 0)
        return;
    double wake = now + TICK;
    if (next_wall > wall) {
        double w = now + (double)(next_wall - wall) / 1000.0;
        if (w < wake)
            wake = w;
    } else {
        /* Due now but blocked: when the first backend becomes ready (or a request ends). */
        for (int b = SB_OPENAI; b <= SB_COMMAND; b++) {
            double r = backend_ready_at(app, (enum summary_backend)b, now);
            if (r > now && r < wake)
                wake = r;
        }
    }
    if (wake < now + 0.01)
        wake = now + 0.01;
    ev_timer_set(&st->timer, wake - now, 0.);
    ev_timer_start(app->loop, &st->timer);
}

int summary_busy(struct app *app)
{
    struct summary_state *st = app->summary;
    if (!st)
        return 0;
    if (st->jobs)
        return 1;
    int64_t count, next;
    return db_summaries_pending(app->db, &count, &next) == 0 && count > 0;
}

int summary_init(struct app *app, char *err, size_t errlen)
{
    struct summary_state *st = xcalloc(1, sizeof *st);
    app->summary = st;
    ev_timer_init(&st->timer, timer_cb, 0., 0.);
    st->timer.data = app;
    return summary_backend_configure(app, err, errlen);
}

void summary_reconfigure(struct app *app)
{
    char err[512];
    if (summary_backend_configure(app, err, sizeof err) < 0)
        log_err("summary: %s", err);
}

void summary_free(struct app *app)
{
    struct summary_state *st = app->summary;
    if (!st)
        return;
    ev_timer_stop(app->loop, &st->timer);
    while (st->jobs) {
        struct summary_job *j = st->jobs;
        st->jobs = j->next;
        summary_backend_cancel(j);
        summary_job_free(j);
    }
    for (int b = 0; b < 4; b++)
        free(st->be[b].starts);
    summary_backend_release(st);
    free(st);
    app->summary = NULL;
}
