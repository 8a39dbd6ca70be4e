/* daemon/summary_int.h: what summary.c and summary_backend.c share. Not for other modules. */
#ifndef FEEDSD_SUMMARY_INT_H
#define FEEDSD_SUMMARY_INT_H

#include <stddef.h>
#include <stdint.h>

#include "daemon/summary.h"

struct app;
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
    struct app *app;
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

struct summary_state {
    struct backend_state be[4];
    struct summary_job *jobs;   /* in flight */
    ev_timer timer;
    int in_kick;
    /* backend configuration, from summary_backend_configure */
    char *api_key;              /* never logged */
    char *config_error;         /* why the configured backend cannot work, or NULL */
    char **argv;                /* the command backend's words */
};

/* summary_backend.c */
int summary_backend_configure(struct app *app, char *err, size_t errlen);
void summary_backend_release(struct summary_state *st);
/* The cache key: backend, model or command, prompts, language and the post's content
 * (not its title or dates), hashed. Returns malloc'd text. */
char *summary_request_key(struct app *app, enum summary_backend b, const struct db_entry *e);
/* Starts the request; its end (or a failure to start) arrives in summary_job_done. */
void summary_backend_start(struct app *app, struct summary_job *j, const struct db_entry *e);
void summary_backend_cancel(struct summary_job *j);

/* summary.c */
void summary_job_done(struct summary_job *j, const struct job_outcome *o);
void summary_job_free(struct summary_job *j);

#endif
