/* summary/summary_int.h: what queue.c and backend.c share. Not for other modules. */
#ifndef FEEDSD_SUMMARY_INT_H
#define FEEDSD_SUMMARY_INT_H

#include <stddef.h>
#include <stdint.h>

#include <ev.h>

#include "summary/summary.h"

struct child;
struct db_entry;

struct backend_state {
    int inflight;
    double *starts;             /* ring of request start times (ev_now), the rate window */
    size_t cap, head, nstarts;
    int consecutive;            /* failures in a row */
    double circuit_until;       /* open circuit: no request before this (ev_now) */
    double paused_until;        /* Retry-After from the server */
};

struct summary_job {
    struct summary_job *next;
    struct summary *s;
    int64_t entry_id, feed_id;
    enum summary_backend backend;
    char *key;                  /* cache key of this request */
    char *by;                   /* "openai/MODEL" or "command/PROGRAM" */
    char *title, *url, *feed;
    double started;
    struct child *child;        /* command backend */
};

struct job_outcome {
    int ok;                     /* an answer arrived (text may still be unusable) */
    const char *text;           /* the model's answer */
    const char *error;          /* why not */
    long retry_after;           /* 429/503 with Retry-After: seconds, else -1 */
};

struct summary {
    struct summary_host host;
    const struct summary_config *cfg;   /* host.cfg */
    struct backend_state be[4];
    struct summary_job *jobs;   /* in flight */
    ev_timer timer;
    int in_kick;
    int stopping;
    struct summary_stats stats;
    /* backend configuration, from summary_backend_configure */
    char *api_key;              /* never logged */
    char *config_error;         /* why the configured backend cannot work, or NULL */
    char **argv;                /* the command backend's words */
};

/* The effective backend of an entry (its feed's setting, else the configured one). */
enum summary_backend summary_backend_of(const struct summary *s, const char *feed_setting);

/* backend.c */
int summary_backend_configure(struct summary *s, unsigned feed_backends, char *err,
                              size_t errlen);
void summary_backend_release(struct summary *s);
/* The cache key: backend, model or command, prompts, language and the post's content
 * (not its title or dates), hashed. Returns malloc'd text. */
char *summary_request_key(const struct summary *s, enum summary_backend b,
                          const struct db_entry *e);
/* Starts the request; its end (or a failure to start) arrives in summary_job_done. */
void summary_backend_start(struct summary *s, struct summary_job *j, const struct db_entry *e);
void summary_backend_cancel(struct summary_job *j);

/* queue.c */
void summary_job_done(struct summary_job *j, const struct job_outcome *o);
void summary_job_free(struct summary_job *j);

#endif
