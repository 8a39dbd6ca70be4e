/* daemon/hook.c: the `on_write` command (daemon/hook.h). The pipeline hands over each
 * file it published (hook_add) and says when a batch is done (hook_kick); the command
 * then runs with the batch's paths, one per line on its standard input, and in its
 * environment. Never a shell: the command line is split like `command`'s (argv_split), and
 * the process is run by summary/child.c from the loop, so polling, summaries and writing
 * go on while it runs. Paths published while it runs wait and go to the next run. A run
 * that fails keeps its paths: they go again after on_write_retry seconds, doubling up to
 * an hour, with whatever was published in between. --once retries nothing (its exit
 * status says that a run failed). */
#include "daemon/hook.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ev.h>

#include "common/log.h"
#include "common/util.h"
#include "daemon/app.h"
#include "summary/child.h"

/* A site rebuild or a git commit of a large folder takes minutes, not hours. */
#define HOOK_TIMEOUT 600.
#define HOOK_RETRY_MAX 3600.
/* The command's standard output is not used; what it prints is read and dropped. */
#define HOOK_OUTPUT_MAX (64 * 1024)
/* Linux refuses an environment string over 32 pages (MAX_ARG_STRLEN, 128 KiB), and the
 * whole of argv and the environment over a quarter of the stack limit: a list longer
 * than this goes on standard input only (FEEDSD_COUNT still says how many). */
#define HOOK_ENV_MAX (64 * 1024)

struct hook {
    struct app *app;
    char **paths;           /* relative to the output folder */
    char *isnew;            /* paths[i] got its name in its batch */
    size_t n, cap;
    size_t sent;            /* the first `sent` paths are with the running command */
    struct child *child;
    ev_timer retry;
    double delay;           /* the wait before the next retry, 0 = the configured one */
    int attempts;           /* failed runs in a row */
    int failures;           /* --once: failed runs */
};

static void hook_start(struct hook *h);

static void retry_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop, (void)revents;
    hook_start(w->data);
}

struct hook *hook_new(struct app *app)
{
    struct hook *h = xcalloc(1, sizeof *h);
    h->app = app;
    ev_timer_init(&h->retry, retry_cb, 0., 0.);
    h->retry.data = h;
    return h;
}

/* Forgets the first k paths (handed over, or given up). */
static void drop_first(struct hook *h, size_t k)
{
    if (!k)
        return;   /* paths may be NULL: memmove must not see it (C17 7.24.1) */
    for (size_t i = 0; i < k; i++)
        free(h->paths[i]);
    memmove(h->paths, h->paths + k, (h->n - k) * sizeof *h->paths);
    memmove(h->isnew, h->isnew + k, h->n - k);
    h->n -= k;
}

void hook_free(struct hook *h)
{
    if (!h)
        return;
    ev_timer_stop(h->app->loop, &h->retry);
    if (h->child) {
        child_cancel(h->child);
        log_warn("on_write: the command was still running at the stop: killed");
    }
    if (h->n && h->app->cfg.on_write)
        log_warn("on_write: %zu %s not handed to the command (feedsd stopped)", h->n,
                 plural((long long)h->n, "file was", "files were"));
    drop_first(h, h->n);
    free(h->paths);
    free(h->isnew);
    free(h);
}

void hook_add(struct hook *h, const char *relpath, int is_new)
{
    if (!h || !h->app->cfg.on_write)
        return;
    /* once per run: a post rewritten twice before the command runs is one line */
    for (size_t i = h->sent; i < h->n; i++)
        if (!strcmp(h->paths[i], relpath))
            return;
    if (h->n == h->cap) {
        h->cap = h->cap ? 2 * h->cap : 64;
        h->paths = xrealloc(h->paths, h->cap * sizeof *h->paths);
        h->isnew = xrealloc(h->isnew, h->cap);
    }
    h->paths[h->n] = xstrdup(relpath);
    h->isnew[h->n++] = (char)(is_new != 0);
}

int hook_busy(const struct hook *h)
{
    return h && (h->child || (h->n && h->app->cfg.on_write));
}

int hook_failures(const struct hook *h)
{
    return h ? h->failures : 0;
}

void hook_kick(struct hook *h)
{
    if (!h || h->child || ev_is_active(&h->retry) || !h->n)
        return;
    hook_start(h);
}

/* What went wrong with a run, in words: "exit status 3", "killed by signal 9", ... */
static void run_failure(const struct child_result *r, char *why, size_t n)
{
    if (r->spawn_error)
        snprintf(why, n, "%s", r->spawn_error);
    else if (r->timed_out)
        snprintf(why, n, "no end after %.0f s: killed", HOOK_TIMEOUT);
    else if (r->signaled)
        snprintf(why, n, "killed by signal %d", r->term_signal);
    else if (r->exited && r->exit_code)
        snprintf(why, n, "exit status %d", r->exit_code);
    else
        why[0] = '\0';
    /* the first line of what it said on stderr tells the user why */
    if (why[0] && r->err_len) {
        size_t len = strcspn(r->err, "\n");
        size_t used = strlen(why);
        snprintf(why + used, n - used, ": %.*s", (int)(len > 200 ? 200 : len), r->err);
    }
}

static void hook_done(void *ud, const struct child_result *r)
{
    struct hook *h = ud;
    struct app *app = h->app;
    h->child = NULL;
    char why[320];
    run_failure(r, why, sizeof why);
    size_t sent = h->sent;
    h->sent = 0;
    if (!why[0]) {
        log_info("on_write: handed %zu %s to the command", sent,
                 plural((long long)sent, "file", "files"));
        drop_first(h, sent);
        h->attempts = 0;
        h->delay = 0;
        hook_kick(h);   /* what was published while it ran */
    } else if (app->once) {
        log_err("on_write: the command failed (%s); %zu %s not handed over", why, sent,
                plural((long long)sent, "file was", "files were"));
        h->failures++;
        drop_first(h, sent);
        hook_kick(h);
    } else {
        if (h->delay <= 0)
            h->delay = app->cfg.on_write_retry > 0 ? app->cfg.on_write_retry : 10;
        h->attempts++;
        log_err("on_write: the command failed (%s); run again with %zu %s in %.0f s"
                " (failure %d)", why, h->n, plural((long long)h->n, "file", "files"),
                h->delay, h->attempts);
        ev_timer_set(&h->retry, h->delay, 0.);
        ev_timer_start(app->loop, &h->retry);
        h->delay = h->delay * 2 > HOOK_RETRY_MAX ? HOOK_RETRY_MAX : h->delay * 2;
    }
    daemon_check_done(app);
}

/* The paths with is_new (or without) joined by newlines, for the environment. */
static char *env_list(const struct hook *h, const char *name, int is_new)
{
    struct buf b = {0};
    buf_printf(&b, "%s=", name);
    int first = 1;
    for (size_t i = 0; i < h->n; i++) {
        if (h->isnew[i] != is_new)
            continue;
        buf_printf(&b, "%s%s", first ? "" : "\n", h->paths[i]);
        first = 0;
    }
    return buf_steal(&b);
}

static void hook_start(struct hook *h)
{
    struct app *app = h->app;
    if (!app->cfg.on_write || !h->n) {
        drop_first(h, h->n);   /* a reload took on_write away */
        return;
    }
    char why[160];
    char **argv = argv_split(app->cfg.on_write, why, sizeof why);
    if (!argv) {   /* the configuration checked it: only a defect gets here */
        log_err("on_write: %s", why);
        drop_first(h, h->n);
        return;
    }
    struct buf in = {0};
    for (size_t i = 0; i < h->n; i++)
        buf_printf(&in, "%s\n", h->paths[i]);
    char resolved[PATH_MAX];
    const char *out = realpath(app->cfg.output, resolved) ? resolved : app->cfg.output;
    char *env[5] = {xasprintf("FEEDSD_OUTPUT=%s", out), xasprintf("FEEDSD_COUNT=%zu", h->n)};
    size_t ne = 2;
    if (in.len <= HOOK_ENV_MAX) {
        env[ne++] = env_list(h, "FEEDSD_NEW", 1);
        env[ne++] = env_list(h, "FEEDSD_REWRITTEN", 0);
    }
    h->sent = h->n;
    h->child = child_start(app->loop, argv, env, in.data ? in.data : "", in.len, HOOK_TIMEOUT,
                           HOOK_OUTPUT_MAX, hook_done, h);
    if (!h->child) {
        /* no pipe or process left: the same as a failed run */
        struct child_result r = {.spawn_error = "cannot start a process"};
        hook_done(h, &r);
    }
    for (size_t i = 0; i < ne; i++)
        free(env[i]);
    buf_free(&in);
    argv_free(argv);
}
