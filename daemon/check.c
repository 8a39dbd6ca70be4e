/* daemon/check.c: `feedsd check`, a health check for monitoring (Nagios-style exit codes,
 * systemd timers, container health checks). Owner: subscriptions CLI. Reads only.
 *
 * Healthy means: the database opens; no active feed has failed more than --max-failures
 * times in a row; and some feed was fetched within --max-age (default three global
 * intervals: one late poll is normal, three missed ones mean a stopped or wedged daemon).
 * Exit 0 healthy (one "ok" line on stdout), 1 unhealthy (one line per problem on stderr),
 * 2 usage or configuration error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/util.h"
#include "daemon/subs.h"
#include "feeds/url.h"
#include "storage/db.h"

#define DEFAULT_MAX_FAILURES 5

static int usage(void)
{
    fprintf(stderr, "usage: feedsd check [-c CONFIG] [--database PATH] [--max-age DURATION]"
                    " [--max-failures N]\n"
                    "exit status: 0 healthy, 1 problems (listed on stderr), 2 usage or"
                    " configuration error\n");
    return 2;
}

static int check_run(const struct subs *s, int max_age, int max_failures)
{
    int problems = 0;
    if (!s->db) {
        fprintf(stderr, "no database at %s (has feedsd run yet?)\n", s->db_path);
        return 1;
    }
    if (s->nrows == 0) {
        fprintf(stderr, "no active feeds in %s\n", s->db_path);
        return 1;
    }
    int64_t now = time(NULL), newest = 0;
    for (size_t i = 0; i < s->nrows; i++) {
        const struct db_feed *f = &s->rows[i];
        if (f->last_fetch > newest)
            newest = f->last_fetch;
        if (f->fail_count > max_failures) {
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
    duration_format(max_age, limit, sizeof limit);
    if (newest == 0) {
        fprintf(stderr, "no feed has been fetched yet\n");
        problems++;
    } else if (now - newest > max_age) {
        duration_format(now - newest, age, sizeof age);
        fprintf(stderr, "no fetch in the last %s (the last one was %s ago): is the daemon"
                        " running?\n", limit, age);
        problems++;
    }
    if (problems)
        return 1;
    duration_format(now - newest > 0 ? now - newest : 0, age, sizeof age);
    printf("ok: %zu %s, last fetch %s ago\n", s->nrows, plural((long long)s->nrows, "feed", "feeds"),
           age);
    return 0;
}

int cmd_check(int argc, char **argv)
{
    const char *config = NULL, *database = NULL;
    int max_age = 0, max_failures = DEFAULT_MAX_FAILURES;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (i + 1 >= argc)
            return usage();
        if (!strcmp(a, "-c") || !strcmp(a, "--config"))
            config = argv[++i];
        else if (!strcmp(a, "--database"))
            database = argv[++i];
        else if (!strcmp(a, "--max-age")) {
            if (config_parse_duration(argv[++i], &max_age) < 0 || max_age <= 0)
                return fprintf(stderr, "feedsd check: bad --max-age '%s'\n", argv[i]), usage();
        } else if (!strcmp(a, "--max-failures")) {
            char *end;
            long v = strtol(argv[++i], &end, 10);
            if (*end || end == argv[i] || v < 0 || v > 1000000)
                return fprintf(stderr, "feedsd check: bad --max-failures '%s'\n", argv[i]),
                       usage();
            max_failures = (int)v;
        } else
            return usage();
    }
    struct subs s;
    int rc = subs_open(&s, config, database, 0);
    if (rc)
        return rc;
    if (!max_age)
        max_age = 3 * s.cfg.interval;
    rc = check_run(&s, max_age, max_failures);
    subs_close(&s);
    return rc;
}
