/* daemon/status.c: `feedsd status`: each feed's state as the database records it. Reads
 * only; safe while the daemon runs (WAL lets readers and the writer work at once). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "common/cli.h"
#include "common/util.h"
#include "daemon/commands.h"
#include "daemon/config.h"
#include "feeds/url.h"
#include "storage/db.h"

static void fmt_time(int64_t t, char *out, size_t n)
{
    if (t <= 0) {
        snprintf(out, n, "never");
        return;
    }
    time_t tt = (time_t)t;
    struct tm tm;
    localtime_r(&tt, &tm);
    strftime(out, n, "%Y-%m-%d %H:%M:%S %Z", &tm);
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
    const char *path = database ? database : c->database;
    FILE *probe = fopen(path, "rb");
    if (!probe) {
        fprintf(stderr, "feedsd: no database at %s (has feedsd run yet?)\n", path);
        config_free(c);
        return -1;
    }
    fclose(probe);
    if (db_open(path, db, err, sizeof err) < 0) {
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
    if (db_feed_list(db, active_only, out, n) < 0)
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
static int status_json(const struct db_feed *feeds, size_t n)
{
    json_t *arr = json_array();
    size_t failing = 0;
    int64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        const struct db_feed *f = &feeds[i];
        json_array_append_new(
            arr, json_pack("{s:s, s:o, s:s, s:b, s:o, s:i, s:I, s:o, s:o, s:i}", "url", f->url,
                           "title", json_str(f->title ? f->title : f->feed_title), "origin",
                           f->origin ? f->origin : "config", "active", f->active,
                           "last_fetch", json_time(f->last_fetch), "last_status",
                           f->last_status, "entries", (json_int_t)f->nentries, "next_poll",
                           json_time(f->next_poll), "last_error", json_str(f->last_error),
                           "fail_count", f->fail_count));
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
        rc = status_json(feeds, n);
        db_feed_list_free(feeds, n);
    } else {
        int64_t now = time(NULL);
        size_t failing = 0;
        int64_t total = 0;
        for (size_t i = 0; i < n; i++) {
            const struct db_feed *f = &feeds[i];
            char last[64], next[64], delta[32];
            fmt_time(f->last_fetch, last, sizeof last);
            fmt_time(f->next_poll, next, sizeof next);
            duration_format(f->next_poll - now, delta, sizeof delta);
            const char *title = f->title ? f->title : f->feed_title ? f->feed_title : "-";
            printf("%s%s\n", f->url, f->active ? "" : " (unsubscribed)");
            printf("  title:       %s\n", title);
            if (f->last_fetch)
                printf("  last fetch:  %s (HTTP %d)\n", last,
                       f->last_status);
            else
                printf("  last fetch:  never\n");
            if (f->fetch_url)
                printf("  moved to:    %s (permanent redirect, adopted)\n", f->fetch_url);
            else if (f->redirect_to)
                printf("  redirects:   to %s (permanent, seen on %d poll%s; adopted after 3)\n",
                       f->redirect_to, f->redirect_count, f->redirect_count == 1 ? "" : "s");
            printf("  entries:     %lld stored\n", (long long)f->nentries);
            if (f->disabled)
                printf("  next poll:   never: disabled (%s); 'feedsd add URL' resumes it\n",
                       f->disabled);
            else if (f->next_poll)
                printf("  next poll:   %s (%s %s; %s)\n", next, f->next_poll >= now ? "in" : "due",
                       delta, f->schedule_reason ? f->schedule_reason : "interval");
            else
                printf("  next poll:   at the next start\n");
            if (f->last_error)
                printf("  last error:  %s (%d failure%s in a row)\n", f->last_error,
                       f->fail_count, f->fail_count == 1 ? "" : "s");
            else
                printf("  last error:  none\n");
            failing += f->last_error != NULL;
            total += f->nentries;
        }
        printf("%zu feeds, %zu failing, %lld entries\n", n, failing, (long long)total);
        db_feed_list_free(feeds, n);
    }
    db_close(db);
    config_free(&c);
    return rc;
}
