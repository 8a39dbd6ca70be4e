/* summary/queue.c: deciding how each entry gets its summary, and the queue of model
 * requests. The queue's state is in the database; this file keeps only what a restart may
 * forget: requests in flight, the rate window, the circuit and pauses. Requests themselves
 * are built and read in backend.c. */
#include "summary/summary.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/utf8.h"
#include "common/util.h"
#include "markdown/html2md.h"
#include "storage/db.h"
#include "summary/summarize.h"
#include "summary/summary_int.h"

#define CIRCUIT_FAILURES 5      /* failures in a row that open a backend's circuit */
#define TICK 30.0               /* seconds between scans for overdue or external work */
#define GROUP_RETRY 0.1         /* seconds: a kick while a group is open looks again */

enum summary_backend summary_backend_named(const char *name, enum summary_backend dflt)
{
    static const struct {
        const char *name;
        enum summary_backend b;
    } names[] = {
        {"none", SB_NONE}, {"builtin", SB_BUILTIN}, {"openai", SB_OPENAI}, {"command", SB_COMMAND},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (name && !strcmp(name, names[i].name))
            return names[i].b;
    return dflt;
}

enum summary_backend summary_backend_of(const struct summary *s, const char *feed_setting)
{
    return summary_backend_named(feed_setting ? feed_setting : s->cfg->backend, SB_BUILTIN);
}

/* ---- output cleaning ------------------------------------------------------------------ */

/* Reasoning models think aloud in <think>...</think>: removed, as are surrounding blank
 * lines. A first line "Title: ..." (or 标题：, Titre :, Titel:) becomes *title. Returns the
 * cleaned summary (malloc'd), NULL when nothing is left (then it is a failure: an empty or
 * error answer is never written as a summary). */
static char *clean_output(const char *out, char **title)
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

static struct backend_state *bstate(struct summary *s, enum summary_backend b)
{
    return &s->be[b];
}

/* Sliding one-minute window of request starts: a burst can never exceed the limit in any
 * 60-second span (a token bucket would allow twice the rate across a refill). */
static double rate_free_at(const struct summary *s, const struct backend_state *bs, double now)
{
    int rate = s->cfg->rate;
    if (rate <= 0 || bs->nstarts < (size_t)rate)
        return now;
    double oldest = bs->starts[bs->head];
    return oldest + 60.0 > now ? oldest + 60.0 : now;
}

static void rate_record(const struct summary *s, struct backend_state *bs, double now)
{
    int rate = s->cfg->rate;
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
static double backend_ready_at(struct summary *s, enum summary_backend b, double now)
{
    struct backend_state *bs = bstate(s, b);
    double t = now;
    if (bs->paused_until > t)
        t = bs->paused_until;
    if (bs->circuit_until > t)
        t = bs->circuit_until;
    double r = rate_free_at(s, bs, now);
    if (r > t)
        t = r;
    return t;
}

static int backend_can_start(struct summary *s, enum summary_backend b, double now)
{
    struct backend_state *bs = bstate(s, b);
    if (bs->inflight >= s->cfg->concurrency)
        return 0;
    /* Half-open circuit: one probe request at a time. */
    if (bs->consecutive >= CIRCUIT_FAILURES && bs->inflight > 0)
        return 0;
    return backend_ready_at(s, b, now) <= now;
}

/* ---- storing results ----------------------------------------------------------------- */

/* Milliseconds before the next attempt: summary_retry doubled per attempt, capped at a
 * day, with +-10% jitter so that posts that failed together do not retry together. */
static int64_t backoff_ms(const struct summary *s, int attempts)
{
    double d = s->cfg->retry;
    for (int i = 1; i < attempts && d < 86400; i++)
        d *= 2;
    if (d > 86400)
        d = 86400;
    return (int64_t)(d * 1000.0 * (0.9 + 0.2 * (random() / (double)RAND_MAX)));
}

/* The built-in summary of a post's text (title: the post's, which the summary does not
 * repeat). */
static char *builtin_of_text(const struct summary *s, const char *text, const char *title)
{
    struct summarize_opts o = {.max_sentences = s->cfg->sentences,
                               .max_chars = (size_t)s->cfg->chars, .title = title};
    return summarize_extractive(text, &o);
}

static char *builtin_summary(const struct summary *s, const char *html, const char *title)
{
    char *text = html_to_text(html ? html : "", html ? strlen(html) : 0);
    char *sum = builtin_of_text(s, text, title);
    free(text);
    return sum;
}

/* The fallback summary of an entry: built-in, or none. */
static char *fallback_summary(const struct summary *s, const struct db_entry *e,
                              const char **by)
{
    int none = !strcmp(s->cfg->fallback, "none");
    *by = none ? "none" : "builtin";
    return none ? xstrdup("") : builtin_summary(s, e->content, e->title);
}

/* Stores a summary for one entry in its own transaction, then writes its file. */
static void store_and_write(struct summary *s, int64_t entry_id, const struct db_summary *sum,
                            const char *cache_key)
{
    struct db *db = s->host.db;
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
    s->host.write_entry(s->host.ctx, entry_id);
}

static void job_unlink(struct summary *st, struct summary_job *j)
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
    struct summary *s = j->s;
    struct backend_state *bs = bstate(s, j->backend);
    job_unlink(s, j);
    bs->inflight--;
    double now = ev_now(s->host.loop);
    char *title = NULL;
    char *summary = o->ok ? clean_output(o->text, &title) : NULL;
    s->stats.seconds += now - j->started;
    if (summary)
        s->stats.ok++;
    else
        s->stats.error++;

    if (summary) {
        bs->consecutive = 0;
        bs->circuit_until = 0;
        struct db_summary sum = {.summary = summary, .title = title, .by = j->by};
        log_info("summary: %s: %s (%.1fs)", j->by, j->url ? j->url : "entry", now - j->started);
        store_and_write(s, j->entry_id, &sum, j->key);
    } else {
        const char *why = o->ok ? "the answer was empty (or only <think>)" : o->error;
        struct db_entry e;
        int have = db_entry_get(s->host.db, j->entry_id, &e) == 0;
        int attempts = (have ? e.sum_attempts : 0) + (o->retry_after >= 0 ? 0 : 1);
        if (o->retry_after >= 0) {
            /* The server says when: that origin pauses, and this is no defect of the post. */
            bs->paused_until = now + (double)o->retry_after;
        } else if (++bs->consecutive >= CIRCUIT_FAILURES) {
            bs->circuit_until = now + s->cfg->circuit;
            char times[32], dur[32];
            duration_format(s->cfg->circuit, dur, sizeof dur);
            log_warn("summary: %s failed %s in a row; pausing it for %s", j->by,
                     times_format(bs->consecutive, times, sizeof times), dur);
        }
        if (have && attempts >= s->cfg->attempts) {
            const char *by;
            char *fb = fallback_summary(s, &e, &by);
            log_warn("summary: %s: giving up after %d %s (%s); using the %s summary",
                     j->url ? j->url : "entry", attempts, plural(attempts, "attempt", "attempts"),
                     why, by);
            char *err = xasprintf("%s: %s", j->by, why);
            struct db_summary sum = {.summary = fb, .by = by, .fallback = 1, .error = err};
            db_entry_summary_failed(s->host.db, j->entry_id, 1, err, 0);
            store_and_write(s, j->entry_id, &sum, NULL);
            free(err);
            free(fb);
        } else if (have) {
            int64_t wait = o->retry_after >= 0 ? (int64_t)o->retry_after * 1000
                                                : backoff_ms(s, attempts);
            char *err = xasprintf("%s: %s", j->by, why);
            char dur[32];
            duration_format((wait + 500) / 1000, dur, sizeof dur);
            log_warn("summary: %s: %s (attempt %d of %d, retry in %s)",
                     j->url ? j->url : "entry", why, attempts, s->cfg->attempts, dur);
            db_entry_summary_failed(s->host.db, j->entry_id, o->retry_after < 0, err,
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
    if (!s->in_kick)
        summary_kick(s);
    s->host.request_done(s->host.ctx);
}

/* ---- deciding ------------------------------------------------------------------------ */

static int set_now(struct summary *s, struct db_entry *e, const char *summary, const char *by,
                   const char *title, int fallback, int still_pending)
{
    struct db_summary sum = {.summary = summary, .by = by, .title = title,
                             .fallback = fallback, .still_pending = still_pending};
    if (db_entry_set_summary(s->host.db, e->id, &sum) < 0)
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

int summary_prepare(struct summary *s, struct db_entry *e, char **markdown)
{
    if (markdown)
        *markdown = NULL;
    enum summary_backend b = summary_backend_of(s, e->feed_summarizer);
    if (b == SB_NONE)
        return set_now(s, e, "", "none", NULL, 0, 0);
    /* Already queued for a model and not yet overdue: nothing to decide again (this runs
     * for every waiting post of a feed whenever one of them is answered). */
    if ((b == SB_OPENAI || b == SB_COMMAND) && e->sum_pending &&
        (int64_t)time(NULL) - e->first_seen < s->cfg->max_wait)
        return 0;
    const char *html = e->content ? e->content : "";
    int builtin = b == SB_BUILTIN || (e->backlog && !s->cfg->backlog);
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
        char *sum = builtin_of_text(s, text, e->title);
        rc = set_now(s, e, sum, "builtin", NULL, 0, 0);
        free(sum);
    } else if (utf8_count(text) < (size_t)s->cfg->min_length) {
        /* Too short to be worth a request: the post's own text is its summary. */
        struct buf b2 = {0};
        md_escape_text(&b2, str_squash_ws(text));
        char *sum = buf_steal(&b2);
        rc = set_now(s, e, sum, "text", NULL, 0, 0);
        free(sum);
    } else {
        rc = 0;
        char *key = summary_request_key(s, b, e);
        struct db_summary hit;
        int found = e->sum_force ? 0 : db_cache_get(s->host.db, key, &hit);
        if (found == 1) {
            rc = set_now(s, e, hit.summary, hit.by, hit.title, 0, 0);
            db_summary_clear(&hit);
        } else if (found < 0) {
            rc = -1;
        } else if (!e->sum_pending && db_entry_want_summary(s->host.db, e->id) < 0) {
            rc = -1;
        } else if ((int64_t)time(NULL) - e->first_seen >= s->cfg->max_wait) {
            /* Waited long enough: the file appears now with the fallback summary and is
             * rewritten when the model's arrives. */
            const char *by;
            char *sum = fallback_summary(s, e, &by);
            rc = set_now(s, e, sum, by, NULL, 1, 1);
            free(sum);
        }
        free(key);
    }
    free(text);
    return rc;
}

/* ---- the queue ----------------------------------------------------------------------- */

static int job_running(const struct summary *st, int64_t id)
{
    for (const struct summary_job *j = st->jobs; j; j = j->next)
        if (j->entry_id == id)
            return 1;
    return 0;
}

/* Starts the request for one due entry. 1 started (or settled at once), 0 blocked by a
 * limit, -1 error. */
static int start_one(struct summary *s, int64_t id, double now)
{
    struct db_entry e;
    if (db_entry_get(s->host.db, id, &e) < 0)
        return -1;
    int rc = 1;
    enum summary_backend b = summary_backend_of(s, e.feed_summarizer);
    if (!e.sum_pending) {
        rc = 1;
    } else if (b == SB_NONE || b == SB_BUILTIN) {
        /* The feed's summarizer changed since, or `resummarize` asked for a built-in one. */
        const char *by = b == SB_NONE ? "none" : "builtin";
        char *text = b == SB_NONE ? xstrdup("") : builtin_summary(s, e.content, e.title);
        struct db_summary sum = {.summary = text, .by = by};
        store_and_write(s, e.id, &sum, NULL);
        free(text);
    } else if (!backend_can_start(s, b, now)) {
        rc = 0;
    } else {
        char *key = summary_request_key(s, b, &e);
        struct db_summary hit;
        if (!e.sum_force && db_cache_get(s->host.db, key, &hit) == 1) {
            store_and_write(s, e.id, &hit, NULL);
            db_summary_clear(&hit);
            free(key);
        } else {
            struct summary_job *j = xcalloc(1, sizeof *j);
            j->s = s;
            j->entry_id = e.id;
            j->feed_id = e.feed_id;
            j->backend = b;
            j->key = key;
            j->started = now;
            j->url = xstrdup(e.link);
            struct backend_state *bs = bstate(s, b);
            bs->inflight++;
            rate_record(s, bs, now);
            j->next = s->jobs;
            s->jobs = j;
            /* On failure to start, the backend reports through summary_job_done. */
            summary_backend_start(s, j, &e);
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
static void write_overdue(struct summary *s)
{
    int64_t *ids;
    size_t n;
    int64_t cutoff = (int64_t)time(NULL) - s->cfg->max_wait;
    if (db_summaries_overdue(s->host.db, cutoff, &ids, &n) < 0)
        return;
    int64_t last_feed = 0;
    for (size_t i = 0; i < n; i++) {
        struct db_entry e;
        if (db_entry_get(s->host.db, ids[i], &e) == 0) {
            if (e.feed_id != last_feed)
                s->host.write_feed(s->host.ctx, e.feed_id);
            last_feed = e.feed_id;
            db_entry_clear(&e);
        }
    }
    free(ids);
}

void summary_kick(struct summary *s)
{
    if (!s || s->stopping)
        return;
    struct ev_loop *loop = s->host.loop;
    double now = ev_now(loop);
    if (db_group_active(s->host.db)) {
        /* The open group's rows may still be taken back (a lost group), and their ids
         * given again to other posts: no request starts from them before the commit. */
        ev_timer_stop(loop, &s->timer);
        ev_timer_set(&s->timer, GROUP_RETRY, 0.);
        ev_timer_start(loop, &s->timer);
        return;
    }
    int64_t wall = time_wall_ms();
    s->in_kick = 1;
    write_overdue(s);
    int64_t *ids;
    size_t n;
    if (db_summaries_due(s->host.db, wall, 200, &ids, &n) < 0) {
        s->in_kick = 0;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        /* Once every model backend is at its limit, the rest of the list waits: loading
         * each post only to find no free slot costs more than the requests themselves. */
        if (!backend_can_start(s, SB_OPENAI, now) && !backend_can_start(s, SB_COMMAND, now))
            break;
        if (!job_running(s, ids[i]))
            start_one(s, ids[i], now);
    }
    free(ids);
    s->in_kick = 0;

    /* Next wake-up: the earliest due entry, or when a blocked backend frees up. */
    int64_t count, next_wall;
    ev_timer_stop(loop, &s->timer);
    if (db_summaries_pending(s->host.db, &count, &next_wall) < 0 || count == 0)
        return;
    double wake = now + TICK;
    if (next_wall > wall) {
        double w = now + (double)(next_wall - wall) / 1000.0;
        if (w < wake)
            wake = w;
    } else {
        /* Due now but blocked: when the first backend becomes ready (or a request ends). */
        for (int b = SB_OPENAI; b <= SB_COMMAND; b++) {
            double r = backend_ready_at(s, (enum summary_backend)b, now);
            if (r > now && r < wake)
                wake = r;
        }
    }
    if (wake < now + 0.01)
        wake = now + 0.01;
    ev_timer_set(&s->timer, wake - now, 0.);
    ev_timer_start(loop, &s->timer);
}

int summary_busy(struct summary *s)
{
    if (!s)
        return 0;
    if (s->jobs)
        return 1;
    int64_t count, next;
    return db_summaries_pending(s->host.db, &count, &next) == 0 && count > 0;
}

const struct summary_stats *summary_stats(const struct summary *s)
{
    return &s->stats;
}

struct summary *summary_new(const struct summary_host *host)
{
    struct summary *s = xcalloc(1, sizeof *s);
    s->host = *host;
    s->cfg = host->cfg;
    ev_timer_init(&s->timer, timer_cb, 0., 0.);
    s->timer.data = s;
    return s;
}

int summary_configure(struct summary *s, unsigned feed_backends, char *err, size_t errlen)
{
    return summary_backend_configure(s, feed_backends, err, errlen);
}

void summary_stop(struct summary *s)
{
    if (s)
        s->stopping = 1;
}

void summary_free(struct summary *s)
{
    if (!s)
        return;
    ev_timer_stop(s->host.loop, &s->timer);
    while (s->jobs) {
        struct summary_job *j = s->jobs;
        s->jobs = j->next;
        summary_backend_cancel(j);
        summary_job_free(j);
    }
    for (int b = 0; b < 4; b++)
        free(s->be[b].starts);
    summary_backend_release(s);
    free(s);
}
