/* cli/cmd_check.c: `feedsd check`, a health check for monitoring (Nagios-style exit codes,
 * systemd timers, container health checks). Owner: subscriptions CLI. Reads only.
 *
 * Healthy means: the database opens; no active feed has failed more than --max-failures
 * times in a row; and some feed was fetched within --max-age (default three global
 * intervals: one late poll is normal, three missed ones mean a stopped or wedged daemon);
 * with --deep, also every page of the database reads back intact (PRAGMA quick_check).
 * Exit 0 healthy (one "ok" line on stdout), 1 unhealthy (one line per problem on stderr),
 * 2 usage or configuration error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/commands.h"
#include "cli/subs.h"
#include "common/cli.h"
#include "common/util.h"
#include "feeds/url.h"
#include "storage/db.h"

#define DEFAULT_MAX_FAILURES 5

enum { CK_CONFIG = 1, CK_DATABASE, CK_MAX_AGE, CK_MAX_FAILURES, CK_DEEP };

static const struct cli_opt check_opts[] = {
    CLI_OPT_CONFIG(CK_CONFIG),
    CLI_OPT_DATABASE(CK_DATABASE),
    {"--max-age", NULL, "DURATION", CK_MAX_AGE,
     "unhealthy when no feed was fetched for this long (default: 3 intervals)"},
    {"--max-failures", NULL, "N", CK_MAX_FAILURES,
     "unhealthy when a feed failed more than N times in a row (default: 5)"},
    {"--deep", NULL, NULL, CK_DEEP,
     "also read every page of the database (PRAGMA quick_check): slower, finds damage"},
    {NULL, NULL, NULL, 0, NULL},
};

const struct cli_cmd cmd_check_spec = {
    "check", "checks health for monitoring: exit 0 healthy, 1 with problems",
    NULL, 0, 0, check_opts,
    "exit status: 0 healthy (one 'ok' line on stdout), 1 problems (one line each on stderr),\n"
    "2 usage or configuration error",
    cmd_check};

struct check_opts {
    int max_age, max_failures;
    int deep;           /* also read every page of the database */
};

/* --deep: the normal check reads the feeds table only, so damage anywhere else (a post's
 * content, an index) goes unseen until the daemon trips over it. One line: 1 problem. */
static int check_database(const struct subs *s)
{
    char first[512];
    int n;
    int rc = db_quick_check(s->db, first, sizeof first, &n);
    if (rc == 0)
        return 0;
    if (rc < 0)
        fprintf(stderr, "cannot check the database %s: %s\n", s->db_path, first);
    else
        fprintf(stderr, "database %s is damaged: %s (%s%d %s found by PRAGMA quick_check):"
                        " restore a backup, or try 'sqlite3 %s .recover'\n", s->db_path, first,
                n >= 100 ? "at least " : "", n, plural(n, "problem", "problems"), s->db_path);
    return 1;
}

static int check_run(const struct subs *s, const struct check_opts *o)
{
    int problems = 0;
    if (!s->db) {
        fprintf(stderr, "no database at %s (has feedsd run yet?)\n", s->db_path);
        return 1;
    }
    if (o->deep)
        problems += check_database(s);
    if (s->nrows == 0) {
        fprintf(stderr, "no active feeds in %s\n", s->db_path);
        return 1;
    }
    int64_t now = time(NULL), newest = 0;
    for (size_t i = 0; i < s->nrows; i++) {
        const struct db_feed *f = &s->rows[i];
        if (f->last_fetch > newest)
            newest = f->last_fetch;
        if (f->fail_count > o->max_failures) {
            char *shown = url_redact(f->url);
            char times[32];
            fprintf(stderr, "%s: failed %s in a row: %s\n", shown,
                    times_format(f->fail_count, times, sizeof times),
                    f->last_error ? f->last_error : "unknown error");
            free(shown);
            problems++;
        }
    }
    char age[32], limit[32];
    duration_format(o->max_age, limit, sizeof limit);
    if (newest == 0) {
        fprintf(stderr, "no feed has been fetched yet\n");
        problems++;
    } else if (now - newest > o->max_age) {
        duration_format(now - newest, age, sizeof age);
        fprintf(stderr, "no fetch in the last %s (the last one was %s ago): is the daemon"
                        " running?\n", limit, age);
        problems++;
    }
    if (problems)
        return 1;
    duration_format(now - newest > 0 ? now - newest : 0, age, sizeof age);
    printf("ok: %zu %s, last fetch %s ago%s\n", s->nrows,
           plural((long long)s->nrows, "feed", "feeds"), age,
           o->deep ? ", database intact (PRAGMA quick_check)" : "");
    return 0;
}

int cmd_check(int argc, char **argv)
{
    const char *config = NULL, *database = NULL;
    struct check_opts o = {0, DEFAULT_MAX_FAILURES, 0};
    struct cli cl;
    cli_init(&cl, &cmd_check_spec, argc, argv);
    for (int id; (id = cli_next(&cl)) != CLI_END;) {
        char *end;
        long v;
        switch (id) {
        case CLI_EXIT: return cl.status;
        case CK_CONFIG: config = cl.arg; break;
        case CK_DATABASE: database = cl.arg; break;
        case CK_MAX_AGE:
            if (config_parse_duration(cl.arg, &o.max_age) < 0 || o.max_age <= 0)
                return cli_usage_error(&cmd_check_spec, "bad --max-age '%s': expected a"
                                       " duration such as 2h", cl.arg);
            break;
        case CK_MAX_FAILURES:
            v = strtol(cl.arg, &end, 10);
            if (*end || end == cl.arg || v < 0 || v > 1000000)
                return cli_usage_error(&cmd_check_spec, "bad --max-failures '%s': expected"
                                       " a number from 0 to 1000000", cl.arg);
            o.max_failures = (int)v;
            break;
        case CK_DEEP: o.deep = 1; break;
        default: return 2;
        }
    }
    struct subs s;
    int rc = subs_open(&s, config, database, 0);
    if (rc)
        return rc;
    if (!o.max_age)
        o.max_age = 3 * s.cfg.interval;
    rc = check_run(&s, &o);
    subs_close(&s);
    return rc;
}
