/* daemon/metrics.h: the optional Prometheus endpoint (see metrics.c). The counters live in
 * struct app (app->metrics) and are bumped where the work happens. */
#ifndef FEEDSD_METRICS_H
#define FEEDSD_METRICS_H

#include <stddef.h>

struct app;
struct metrics_server;

struct metrics {
    unsigned long long fetch_ok, fetch_not_modified, fetch_error, fetch_rate_limited;
    double fetch_seconds;
    unsigned long long files_written;   /* the summary queue counts its own (summary_stats) */
};

/* Listens on addr ("127.0.0.1:9108", "[::1]:9108", ":9108" = loopback). NULL with a
 * reason in err. */
struct metrics_server *metrics_start(struct app *app, const char *addr, char *err,
                                     size_t errlen);
void metrics_stop(struct metrics_server *s);

#endif
