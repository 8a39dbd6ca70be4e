/* daemon/schedule.h: when a feed is polled next, and why, in one explainable computation
 * (issue 5). The configured interval (or the adaptive estimate) is the base; the server's
 * Cache-Control max-age / Expires, the feed's <ttl> and sy:updatePeriod/Frequency are
 * lower bounds (honoured up to max_interval); skipHours/skipDays move the poll out of the
 * hours and days the feed asks to be left alone. Failures back off exponentially. */
#ifndef FEEDSD_SCHEDULE_H
#define FEEDSD_SCHEDULE_H

#include <stddef.h>
#include <stdint.h>

#include "feeds/feed.h"

struct sched_input {
    int interval;          /* the feed's configured interval, seconds */
    int min_interval, max_interval;
    int adaptive;          /* 1: use the adaptive estimate when there is one */
    int estimate;          /* adaptive estimate, seconds, 0 = none */
    int max_age;           /* from the response's caching headers, seconds, 0 = none */
    int ttl, sy;           /* the feed's hints, seconds, 0 = none */
    uint32_t skip_hours;
    int skip_days;
};

/* The next poll after a successful one. reason gets e.g. "interval 1h",
 * "Cache-Control max-age 2h", "ttl 3h, skipHours". */
int64_t schedule_next(const struct sched_input *in, int64_t now, char *reason, size_t n);

/* The adaptive estimate from a parsed feed: half the median gap between its newest
 * entries' dates (a feed that posts daily is polled twice a day), 0 when it cannot tell. */
int schedule_estimate(const struct feed *f);

/* Backoff after `fails` failures in a row: from min(interval, 15 min), doubling, capped
 * at max_interval, +-10% jitter. */
int64_t schedule_backoff(int interval, int max_interval, int fails);

#endif
