/* cli/cmd_status.c: `feedsd status`: each feed's state as the database records it. Reads
 * only; safe while the daemon runs (WAL lets readers and the writer work at once). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cli/commands.h"
#include "common/cli.h"
#include "common/util.h"
#include "daemon/config.h"
#include "feeds/url.h"
#include "storage/db.h"

/* Why the feed's next poll is when it is: the reason its last poll recorded (schedule.c
 * and daemon.c: "interval 1h", "adaptive interval 3h", "Cache-Control max-age 2h", "ttl 3h,
 * skipHours", "backoff 15m41s after 2 failures", "Retry-After 10m"), or what keeps it from
 * being polled. The same words in the table and in --json (docs/cli.md). */
static const char *status_reason(const struct db_feed *f, char *buf, size_t n)
{
    if (!f->active)
        return "unsubscribed";
    if (f->disabled) {
        snprintf(buf, n, "disabled (%s)", f->disabled);
        return buf;
    }
    if (!f->next_poll)
        return f->last_fetch ? "as soon as possible" : "first poll";
    return f->schedule_reason ? f->schedule_reason : "interval";   /* before reasons were kept */
}

/* When, relative to now: "in 58m31s", "due 3m ago", "never", "soon". */
static void status_next(const struct db_feed *f, int64_t now, char *out, size_t n)
{
    char d[32];
    if (!f->active || f->disabled) {
        snprintf(out, n, "never");
    } else if (!f->next_poll) {
        snprintf(out, n, "soon");   /* a running daemon takes new feeds within a minute */
    } else if (f->next_poll >= now) {
        duration_format(f->next_poll - now, d, sizeof d);
        snprintf(out, n, "in %s", d);
    } else {
        duration_format(now - f->next_poll, d, sizeof d);
        snprintf(out, n, "due %s ago", d);
    }
}

/* One row per feed under a header row, the problems on indented lines under their feed,
 * then the totals. Times are relative to now: a person asks "how long ago" and "how soon";
 * --json has them as dates. */
static void status_table(struct db *db, const struct db_feed *feeds, size_t n, int64_t now)
{
    static const char *const head[] = {"FEED", "ENTRIES", "LAST FETCH", "HTTP", "NEXT POLL",
                                       "WHY", "CATEGORY", "TITLE"};
    struct cli_table t;
    cli_table_init(&t, "lrlrllll", head);
    size_t failing = 0;
    int64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        const struct db_feed *f = &feeds[i];
        char entries[24], ago[32], last[48], http[16], next[48], why[128], times[32];
        snprintf(entries, sizeof entries, "%lld", (long long)f->nentries);
        duration_format(now > f->last_fetch ? now - f->last_fetch : 0, ago, sizeof ago);
        snprintf(last, sizeof last, f->last_fetch ? "%s ago" : "never", ago);
        snprintf(http, sizeof http, f->last_status > 0 ? "%d" : "-", f->last_status);
        status_next(f, now, next, sizeof next);
        const char *title = f->title ? f->title : f->feed_title ? f->feed_title : "-";
        const char *row[] = {f->url, entries, last, http, next,
                             status_reason(f, why, sizeof why),
                             f->category ? f->category : "-", title};
        cli_table_add(&t, row);
        if (f->fetch_url)
            cli_table_note(&t, "moved to %s (permanent redirect, adopted)", f->fetch_url);
        else if (f->redirect_to)
            cli_table_note(&t, "redirects to %s (permanent, seen on %d %s in a row; adopted"
                               " after 3)", f->redirect_to, f->redirect_count,
                           plural(f->redirect_count, "poll", "polls"));
        if (f->disabled)
            cli_table_note(&t, "not polled: %s; 'feedsd add %s' resumes it", f->disabled,
                           f->url);
        if (f->last_error)
            cli_table_note(&t, "last error: %s (failed %s in a row)", f->last_error,
                           times_format(f->fail_count, times, sizeof times));
        struct db_filter_drop *drops;
        size_t ndrops;
        if (db_filter_drops(db, f->id, &drops, &ndrops) == 0)
            for (size_t k = 0; k < ndrops; k++)
                cli_table_note(&t, "filtered out: %lld %s by %s", (long long)drops[k].count,
                               plural(drops[k].count, "entry", "entries"), drops[k].rule);
        db_filter_drops_free(drops, ndrops);
        failing += f->last_error != NULL;
        total += f->nentries;
    }
    cli_table_print(&t, stdout);
    cli_table_free(&t);
    printf("%zu %s, %zu failing, %lld %s\n", n, plural((long long)n, "feed", "feeds"), failing,
           (long long)total, plural(total, "entry", "entries"));
}

int cli_open(const char *config_path, const char *database, struct config *c,
             struct db **db)
{
    config_defaults(c);
    char err[1024];
    if (config_path && config_load(c, config_path, err, sizeof err) < 0) {
        fprintf(stderr, "feedsd: %s\n", err);
        config_free(c);
        return -1;
    }
    if (c->timezone && strcmp(c->timezone, "local"))
        setenv("TZ", c->timezone, 1);
    tzset();
    char *path = path_normalize(database ? database : c->database);
    FILE *probe = fopen(path, "rb");
    if (!probe) {
        fprintf(stderr, "feedsd: no database at %s (has feedsd run yet?)\n", path);
        free(path);
        config_free(c);
        return -1;
    }
    fclose(probe);
    int rc = db_open(path, db, err, sizeof err);
    free(path);
    if (rc < 0) {
        fprintf(stderr, "feedsd: %s\n", err);
        config_free(c);
        return -1;
    }
    return 0;
}

/* RFC 3339 in UTC, or JSON null for "never" (0). */
static json_t *json_time(int64_t t)
{
    if (t <= 0)
        return json_null();
    time_t tt = (time_t)t;
    struct tm tm;
    char s[32];
    gmtime_r(&tt, &tm);
    strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return json_string(s);
}

static json_t *json_str(const char *s)
{
    return s ? json_string(s) : json_null();
}

/* db_feed_list, with every URL of a row as shown: credentials in a feed URL are for its
 * requests only (url_redact). */
static int feeds_shown(struct db *db, int active_only, struct db_feed **out, size_t *n)
{
    if (db_feed_list(db, active_only ? DB_FEEDS_ACTIVE : DB_FEEDS_ALL, out, n) < 0)
        return -1;
    for (size_t i = 0; i < *n; i++) {
        struct db_feed *f = &(*out)[i];
        char **urls[] = {&f->url, &f->fetch_url, &f->redirect_to};
        for (size_t k = 0; k < sizeof urls / sizeof *urls; k++) {
            char *shown = url_redact(*urls[k]);
            free(*urls[k]);
            *urls[k] = shown;
        }
    }
    return 0;
}

/* `status --json`: the text output's data as one object for scripts and dashboards. */
/* What each rule of a feed dropped: [{"rule", "entries"}], in rule order. */
static json_t *drops_json(struct db *db, int64_t feed_id)
{
    json_t *arr = json_array();
    struct db_filter_drop *drops;
    size_t n;
    if (db_filter_drops(db, feed_id, &drops, &n) == 0)
        for (size_t k = 0; k < n; k++)
            json_array_append_new(arr, json_pack("{s:s, s:I}", "rule", drops[k].rule,
                                                 "entries", (json_int_t)drops[k].count));
    db_filter_drops_free(drops, n);
    return arr;
}

static int status_json(struct db *db, const struct db_feed *feeds, size_t n)
{
    json_t *arr = json_array();
    size_t failing = 0;
    int64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        const struct db_feed *f = &feeds[i];
        char why[128];
        json_array_append_new(
            arr, json_pack("{s:s, s:o, s:o, s:s, s:b, s:o, s:i, s:I, s:o, s:s, s:o, s:i, s:o}",
                           "url", f->url, "title", json_str(f->title ? f->title : f->feed_title),
                           "category", json_str(f->category),
                           "origin", f->origin ? f->origin : "config", "active", f->active,
                           "last_fetch", json_time(f->last_fetch), "last_status",
                           f->last_status, "entries", (json_int_t)f->nentries, "next_poll",
                           json_time(f->next_poll), "next_poll_reason",
                           status_reason(f, why, sizeof why), "last_error",
                           json_str(f->last_error), "fail_count", f->fail_count,
                           "filtered", drops_json(db, f->id)));
        failing += f->last_error != NULL;
        total += f->nentries;
    }
    json_t *doc = json_pack("{s:o, s:{s:I, s:I, s:I}}", "feeds", arr, "totals", "feeds",
                            (json_int_t)n, "failing", (json_int_t)failing, "entries",
                            (json_int_t)total);
    int rc = !doc || json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0;
    putchar('\n');
    json_decref(doc);
    return rc;
}

enum { ST_CONFIG = 1, ST_DATABASE, ST_ALL, ST_JSON };

static const struct cli_opt status_opts[] = {
    CLI_OPT_CONFIG(ST_CONFIG),
    CLI_OPT_DATABASE(ST_DATABASE),
    {"--all", NULL, NULL, ST_ALL, "also the feeds that were unsubscribed"},
    {"--json", NULL, NULL, ST_JSON, "one JSON document, for scripts and monitoring"},
    {NULL, NULL, NULL, 0, NULL},
};

const struct cli_cmd cmd_status_spec = {
    "status", "shows each feed's last fetch, next poll and why, and last error",
    NULL, 0, 0, status_opts,
    "It only reads the database: safe while the daemon runs. exit status: 0 shown; 1 no\n"
    "database or it cannot be read, or the configuration is invalid; 2 usage error",
    cmd_status};

int cmd_status(int argc, char **argv)
{
    const char *config_path = getenv("FEEDSD_CONFIG"), *database = NULL;
    int all = 0, json = 0;
    struct cli cl;
    cli_init(&cl, &cmd_status_spec, argc, argv);
    for (int id; (id = cli_next(&cl)) != CLI_END;) {
        switch (id) {
        case CLI_EXIT: return cl.status;
        case ST_CONFIG: config_path = cl.arg; break;
        case ST_DATABASE: database = cl.arg; break;
        case ST_ALL: all = 1; break;
        case ST_JSON: json = 1; break;
        default: return 2;
        }
    }
    struct config c;
    struct db *db;
    if (cli_open(config_path, database, &c, &db) < 0)
        return 1;
    struct db_feed *feeds;
    size_t n;
    int rc = 0;
    if (feeds_shown(db, !all, &feeds, &n) < 0) {
        fprintf(stderr, "feedsd: cannot read feeds: %s\n", db_errmsg(db));
        rc = 1;
    } else if (json) {
        rc = status_json(db, feeds, n);
        db_feed_list_free(feeds, n);
    } else {
        status_table(db, feeds, n, time(NULL));
        db_feed_list_free(feeds, n);
    }
    db_close(db);
    config_free(&c);
    return rc;
}
