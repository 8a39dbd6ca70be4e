/* daemon/setup.c: what the daemon is set up from, at start and at each reload: the
 * configuration with the command line's overrides and the time zone; the database's
 * folder and the output folder, checked before READY=1 with a hint for systemd's sandbox;
 * and the feeds it follows, synced from the configuration into the database and from the
 * database into the in-memory schedule (struct feed_state). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "daemon/app.h"
#include "daemon/claim.h"
#include "daemon/feed_access.h"
#include "feeds/url.h"
#include "summary/summary.h"

/* The folder of a file path ("." for a bare name), malloc'd. */
static char *path_dirname(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return xstrdup(".");
    return slash == path ? xstrdup("/") : xstrndup(path, (size_t)(slash - path));
}

/* mkdir -p of dir. On failure *failed is the folder that could not be made (malloc'd),
 * errno says why (ENOTDIR: *failed exists and is no folder). A folder that exists is
 * fine even where mkdir(2) says EROFS or EACCES before EEXIST (a read-only /opt under
 * ProtectSystem=strict). */
static int make_dirs(const char *dir, char **failed)
{
    if (!*dir)
        return 0;   /* the current folder */
    char *p = xstrdup(dir);
    for (char *s = p + 1;; s++) {
        if (*s != '/' && *s != '\0')
            continue;
        char saved = *s;
        *s = '\0';
        struct stat st;
        if (mkdir(p, 0755) < 0) {
            int e = errno;
            if (stat(p, &st) < 0 || !S_ISDIR(st.st_mode)) {
                *failed = p;
                errno = e == EEXIST ? ENOTDIR : e;   /* a file in the way */
                return -1;
            }
        }
        if (!saved)
            break;
        *s = saved;
    }
    free(p);
    return 0;
}

/* The unit this process runs in ("feedsd@blog.service"), from the last component of
 * its cgroup (systemd puts each service into its own), or "UNIT". */
static void own_unit(char *unit, size_t len)
{
    snprintf(unit, len, "UNIT");
    FILE *f = fopen("/proc/self/cgroup", "re");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        const char *last = strrchr(line, '/');
        size_t n = last ? strlen(last + 1) : 0;
        if (n > 8 && !strcmp(last + 1 + n - 8, ".service"))
            snprintf(unit, len, "%s", last + 1);
    }
    fclose(f);
}

/* What may help with a folder feedsd cannot write in: under systemd (INVOCATION_ID,
 * systemd.exec(5)) a read-only file system is nearly always the sandbox; a permission
 * error names the owner, since the service's dynamic user is known to nobody. */
static void folder_hint(const char *dir, int e, char *hint, size_t len)
{
    struct stat st;
    hint[0] = '\0';
    if (e == EROFS && getenv("INVOCATION_ID")) {
        char unit[96];
        own_unit(unit, sizeof unit);
        snprintf(hint, len, " (the service may write only its state folder and the "
                            "folders in ReadWritePaths=: add it in a drop-in, "
                            "systemctl edit %s; see man feedsd)", unit);
    } else if ((e == EACCES || e == EPERM) && stat(dir, &st) == 0) {
        snprintf(hint, len, " (owned by uid %u, mode %03o; feedsd runs as uid %u)",
                 (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777), (unsigned)geteuid());
    }
}

/* The database's folder, made when missing (mkdir -p); *dir gets it (malloc'd): large
 * bodies are spooled there (the state directory under systemd: writable, on disk). 0, or
 * -1 logged at priority err, naming the database. */
int daemon_db_folder(const char *database, char **dir)
{
    char *db_dir = path_dirname(database), *failed = NULL;
    if (make_dirs(db_dir, &failed) < 0) {
        int e = errno;
        char hint[256];
        folder_hint(failed, e, hint, sizeof hint);
        struct stat st;
        if (e == ENOTDIR && stat(failed, &st) == 0)
            log_fatal(LOG_ERR, "database %s: %s is not a folder", database, failed);
        else
            log_fatal(LOG_ERR, "database %s: cannot create folder %s: %s%s", database, failed,
                      strerror(e), hint);
        free(failed);
        free(db_dir);
        return -1;
    }
    *dir = db_dir;
    return 0;
}

/* The output folder before READY=1: it exists or can be created, is a folder, and this
 * process can create files in it (a file is created and removed: only that answers
 * for read-only mounts, ACLs and the sandbox alike). Otherwise every post would fail
 * later, one error each, while systemd calls the service running. The probe's name is
 * one output_sweep_temp removes if we die in between: this process is recorded as the
 * folder's writer before it (claim.c), so that the next start looks for it. */
int daemon_output_check(struct app *app, const char *dir, char *err, size_t errlen)
{
    char hint[256];
    char *failed = NULL;
    if (make_dirs(dir, &failed) < 0) {
        int e = errno;
        folder_hint(failed, e, hint, sizeof hint);
        struct stat st;
        if (e == ENOTDIR && stat(failed, &st) == 0)
            snprintf(err, errlen, "output folder %s: %s is not a folder", dir, failed);
        else if (!strcmp(failed, dir))
            snprintf(err, errlen, "output folder %s: cannot create it: %s%s", dir,
                     strerror(e), hint);
        else
            snprintf(err, errlen, "output folder %s: cannot create %s: %s%s", dir, failed,
                     strerror(e), hint);
        free(failed);
        return -1;
    }
    struct stat st;
    if (stat(dir, &st) < 0) {
        snprintf(err, errlen, "output folder %s: %s", dir, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "output folder %s: %s is not a folder", dir, dir);
        return -1;
    }
    if (claim_folder(app, dir, &st, err, errlen) < 0)
        return -1;
    char *probe = xasprintf("%s/.feedsd-check.tmp-%ld", dir, (long)getpid());
    int fd = open(probe, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
    if (fd < 0 && errno == EEXIST && unlink(probe) == 0)   /* an earlier us, killed */
        fd = open(probe, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
    int e = errno;
    if (fd >= 0) {
        close(fd);
        e = unlink(probe) < 0 ? errno : 0;
    }
    free(probe);
    if (fd < 0 || e) {
        folder_hint(dir, e, hint, sizeof hint);
        snprintf(err, errlen, "output folder %s: cannot %s files in it: %s%s", dir,
                 fd < 0 ? "create" : "remove", strerror(e), hint);
        return -1;
    }
    return 0;
}

static int effective_backlog(const struct app *app, int per_feed)
{
    return per_feed == -2 ? app->cfg.backlog : per_feed;
}

/* Reads the configuration and the subscription file, applying command-line overrides. */
int daemon_config_load(struct app *app, struct config *c, char *err, size_t errlen)
{
    config_defaults(c);
    if (app->config_path && config_load(c, app->config_path, err, errlen) < 0)
        return -1;
    /* normalized as the configuration's own paths are (config.c, resolve_path) */
    if (app->opt_database) {
        free(c->database);
        c->database = path_normalize(app->opt_database);
    }
    if (app->opt_output) {
        free(c->output);
        c->output = path_normalize(app->opt_output);
    }
    if (app->opt_feeds) {
        free(c->feeds_file);
        c->feeds_file = path_normalize(app->opt_feeds);
    }
    if (c->feeds_file && config_add_feeds_file(c, c->feeds_file, err, errlen) < 0)
        return -1;
    return 0;
}

/* "local" means the zone feedsd was started with, so a reload back to "local" restores
 * the original TZ (or its absence). */
void daemon_timezone_apply(const struct config *c)
{
    static int saved;
    static char *orig_tz;
    if (!saved) {
        orig_tz = getenv("TZ") ? xstrdup(getenv("TZ")) : NULL;
        saved = 1;
    }
    if (c->timezone && strcmp(c->timezone, "local"))
        setenv("TZ", c->timezone, 1);
    else if (orig_tz)
        setenv("TZ", orig_tz, 1);
    else
        unsetenv("TZ");
    tzset();
}

/* The output folder is made and checked (daemon_output_check) when there is a feed to
 * write for: at start, before READY=1, and by a daemon that started without any once its
 * first feed is added; not by a run without feeds (later a missing folder is output_write.c's
 * to report and make again). 0, or -1 with the reason in err. */
int daemon_output_prepare(struct app *app, char *err, size_t errlen)
{
    if (app->output_ready || app->nfeeds == 0)
        return 0;
    if (daemon_output_check(app, app->cfg.output, err, errlen) < 0)
        return -1;
    app->output_ready = 1;
    return 0;
}

void daemon_feed_state_free(struct feed_state *fs)
{
    free(fs->url);
    free(fs->shown);
    free(fs->ca_file);
    free(fs->subscribed);
    db_feed_clear(&fs->polled);
    free(fs);
}

/* The index of url's [feed] section among the configuration's feeds, or -1. */
static int config_index(void *ud, const char *url)
{
    const struct config *cfg = ud;
    const struct feed_conf *fc = config_feed(cfg, url);
    return fc ? (int)(fc - cfg->feeds) : -1;
}

/* The configuration's feeds into the database, in one transaction. Feeds added on the
 * command line (`feedsd add`) are left alone. *rows gets the active feeds after it, as
 * db_feed_list(DB_FEEDS_ACTIVE_UNCOUNTED) would (db_feeds_sync_config). */
static int subscriptions_from_config(struct app *app, struct db_feed **rows, size_t *nrows,
                                     char *err, size_t errlen)
{
    struct db *db = app->db;
    size_t n = app->cfg.nfeeds;
    struct db_subscription *subs = xcalloc(n ? n : 1, sizeof *subs);
    for (size_t i = 0; i < n; i++) {
        const struct feed_conf *fc = &app->cfg.feeds[i];
        subs[i] = (struct db_subscription){fc->url, fc->title, fc->interval, fc->backlog,
                                           fc->summarizer, "config", fc->category};
    }
    int rc = db_begin(db) < 0 ? -1
             : db_feeds_sync_config(db, subs, n, config_index, &app->cfg, time(NULL), rows,
                                    nrows);
    free(subs);
    if (rc == 0 && db_commit(db) == 0)
        return 0;
    snprintf(err, errlen, "database: %s", db_errmsg(db));
    db_rollback(db);
    if (rc == 0)
        db_feed_list_free(*rows, *nrows);   /* not committed: not the database's */
    return -1;
}

/* The in-memory schedule from the database's active feeds, rows[0..n) in id order (taken
 * and freed). Feeds keep their state (validators, entries, next poll) across reloads;
 * both lists are in id order, so they are merged in one pass. */
static void reschedule_rows(struct app *app, struct db_feed *rows, size_t n)
{
    int64_t now = time(NULL);
    struct feed_state **next = xcalloc(n ? n : 1, sizeof *next);
    double t0 = ev_now(app->loop);
    /* First polls (and polls overdue after downtime) are spread over up to a minute so
     * that a thousand feeds do not fire at once. */
    double spread = app->once ? 0 : (n * 0.05 < 60 ? n * 0.05 : 60);
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        struct feed_state *fs = NULL;
        while (j < app->nfeeds && app->feeds[j]->id < rows[i].id) {
            struct feed_state *gone = app->feeds[j++];   /* unsubscribed */
            if (gone->in_flight)
                gone->removed = 1;    /* freed when its transfer ends */
            else
                daemon_feed_state_free(gone);
        }
        if (j < app->nfeeds && app->feeds[j]->id == rows[i].id) {
            fs = app->feeds[j++];
        } else {
            fs = xcalloc(1, sizeof *fs);
            fs->app = app;
            fs->id = rows[i].id;
            fs->url = xstrdup(rows[i].fetch_url ? rows[i].fetch_url : rows[i].url);
            fs->shown = url_redact(fs->url);
            fs->subscribed = xstrdup(rows[i].url);
            double wait = rows[i].next_poll > now ? (double)(rows[i].next_poll - now) : 0;
            if (wait == 0 && spread > 0)
                wait = spread * (random() / (double)RAND_MAX);
            fs->due = app->once ? t0 : t0 + wait;
        }
        fs->interval = rows[i].interval ? rows[i].interval : app->cfg.interval;
        /* Looked up by the subscribed URL (a redirect may have moved fs->url), again at
         * every reload: a copy, since a reload frees the old configuration. */
        const char *ca = config_ca_file(&app->cfg, rows[i].url);
        free(fs->ca_file);
        fs->ca_file = ca ? xstrdup(ca) : NULL;
        fs->backlog = effective_backlog(app, rows[i].backlog);
        fs->disabled = rows[i].disabled != NULL;
        if (fs->disabled)
            fs->done = 1;    /* --once has nothing to wait for */
        if (!fs->in_flight && fs->due <= t0) {
            /* due now: the schedule, which runs next, starts its poll from this row
             * instead of reading it again (a --once run: every feed) */
            db_feed_clear(&fs->polled);
            fs->polled = rows[i];
            memset(&rows[i], 0, sizeof rows[i]);
        }
        next[i] = fs;
    }
    for (; j < app->nfeeds; j++) {
        struct feed_state *gone = app->feeds[j];
        if (gone->in_flight)
            gone->removed = 1;
        else
            daemon_feed_state_free(gone);
    }
    free(app->feeds);
    app->feeds = next;
    app->nfeeds = n;
    app->ndone = 0;    /* a new list: all_done (daemon.c) scans it from its start */
    db_feed_list_free(rows, n);
}

int daemon_feeds_reschedule(struct app *app, char *err, size_t errlen)
{
    struct db_feed *rows;
    size_t n;
    if (db_feed_list(app->db, DB_FEEDS_ACTIVE_UNCOUNTED, &rows, &n) < 0) {
        snprintf(err, errlen, "database: %s", db_errmsg(app->db));
        return -1;
    }
    reschedule_rows(app, rows, n);
    return 0;
}

int daemon_feeds_sync(struct app *app, char *err, size_t errlen)
{
    struct db_feed *rows;
    size_t n;
    feed_access_check(&app->cfg);
    if (subscriptions_from_config(app, &rows, &n, err, errlen) < 0)
        return -1;
    reschedule_rows(app, rows, n);
    return 0;
}

/* After the running daemon's feeds changed (a reload, 'feedsd add'). */
void daemon_output_prepare_later(struct app *app)
{
    char err[1024];
    if (daemon_output_prepare(app, err, sizeof err) < 0)
        log_err("%s", err);
}

/* The backends that [feed] sections ask for (summary_configure checks their settings). */
unsigned daemon_feed_backends(const struct config *c)
{
    unsigned set = 0;
    for (size_t i = 0; i < c->nfeeds; i++)
        if (c->feeds[i].summarizer)
            set |= 1u << summary_backend_named(c->feeds[i].summarizer, SB_BUILTIN);
    return set;
}
