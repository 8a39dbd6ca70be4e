/* summary/summary.h: the summary stage (docs/architecture.md). This folder owns how each
 * stored entry gets its summary: the built-in extractive summarizer (summarize.h:
 * summarize_terms.c, summarize_sentences.c, summarize.c), the queue of model requests
 * (queue.c), the `openai` and `command` backends (backend.c) and the child processes the
 * latter runs (child.h: child.c, argv.c).
 *
 * The built-in summarizer and "none" answer at once; the `openai` and `command` backends
 * are asked through a queue that lives in the database (entries.sum_pending), so a killed
 * daemon loses no request and repeats none that completed. Per backend: a concurrency
 * limit, a requests-per-minute limit (sliding window), exponential backoff, Retry-After on
 * 429/503, and a circuit that pauses a backend after 5 failures in a row. Completed
 * answers are cached by what was asked (content, backend, model, prompts, language): an
 * unchanged post is never sent twice.
 *
 * The daemon runs the queue (struct summary_host): it lends the loop, the database and
 * the fetcher, and is told when an entry's file is due, since writing files is a later
 * stage than this one. */
#ifndef FEEDSD_SUMMARY_H
#define FEEDSD_SUMMARY_H

#include <stddef.h>
#include <stdint.h>

struct db;
struct db_entry;
struct ev_loop;
struct fetcher;

enum summary_backend { SB_NONE, SB_BUILTIN, SB_OPENAI, SB_COMMAND };

/* The summary keys of the configuration file (docs/configuration.md, "Summaries"): the
 * configuration (daemon/config.h) holds one, which the queue reads as it runs. */
struct summary_config {
    char *backend;        /* summarizer: "builtin" (default), "openai", "command" or "none" */
    int sentences;        /* summary_sentences: the built-in summarizer's, default 3 */
    int chars;            /* summary_chars: its budget, default 600 */
    char *language;       /* summary_language: NULL = the post's own language */
    char *openai_url;     /* base URL, ".../v1"; default http://localhost:11434/v1 */
    char *openai_model;
    char *openai_api_key_file, *openai_api_key_env;   /* the key never sits in the file */
    char *system_prompt, *prompt;                     /* NULL = built-in defaults */
    int max_input;        /* characters of post markdown sent, default 12000 */
    double temperature;   /* default 0.2; negative = not sent */
    int max_tokens;       /* default 1024; 0 = not sent */
    int timeout;          /* summary_timeout: seconds per request, default 300 */
    char *command;        /* the command backend's command line */
    int concurrency;      /* summary_concurrency: requests at once per backend, default 2 */
    int rate;             /* summary_rate: requests per minute per backend, default 30; 0 = no limit */
    int attempts;         /* summary_attempts: tries before the fallback, default 5 */
    int retry;            /* summary_retry: first retry delay, doubled each time; default 30 s */
    char *fallback;       /* summary_fallback: "builtin" (default) or "none" */
    int max_wait;         /* summary_max_wait: a file waits this long for its summary; 1 h */
    int min_length;       /* summary_min_length: shorter posts are their own summary; 300 */
    int backlog;          /* summarize_backlog: send a new subscription's backlog; default no */
    int circuit;          /* summary_circuit: pause after 5 failures in a row; default 300 s */
};

/* What the queue needs from the daemon that runs it. Files are written by the daemon
 * (daemon/pipeline.c): the queue says when they are due and the daemon counts failures. */
struct summary_host {
    struct ev_loop *loop;
    struct db *db;
    struct fetcher *fetch;                /* the openai backend's requests */
    const struct summary_config *cfg;     /* read as the queue runs; see summary_configure */
    void *ctx;                            /* the first argument of the three below */
    /* An entry's summary was stored (in a transaction of its own): write its file. */
    void (*write_entry)(void *ctx, int64_t entry_id);
    /* Entries of this feed waited summary_max_wait: write their files (with the fallback). */
    void (*write_feed)(void *ctx, int64_t feed_id);
    /* A request ended: a run that waits for the queue (--once) may be finished. */
    void (*request_done)(void *ctx);
};

/* Counters for the metrics endpoint (model requests only). */
struct summary_stats {
    unsigned long long ok, error;
    double seconds;
};

struct summary;

/* The queue of the daemon described by host (copied). Never fails; summary_configure
 * before first use. */
struct summary *summary_new(const struct summary_host *host);
/* Reads the backend settings of host->cfg (the API key, the command's words): at start,
 * and again after a reload changed the configuration. feed_backends has bit (1 << b) set
 * for each backend b that some feed's own setting asks for. 0, or -1 with the reason in
 * err (at start the daemon stops; after a reload requests fail with it). */
int summary_configure(struct summary *s, unsigned feed_backends, char *err, size_t errlen);
/* No request starts any more (the daemon is stopping). */
void summary_stop(struct summary *s);
void summary_free(struct summary *s);

/* For an entry in stage NEW: stores a summary at once when one is due now (built-in, none,
 * short posts, backlog, cache hits, a provisional fallback after summary_max_wait) and
 * returns 1; queues it for a model and returns 0; -1 on a database error. Runs inside the
 * pipeline's transaction. When markdown is not NULL and the built-in summary is stored
 * now (the post's file is written next), *markdown gets html2md(e->content, e->link) made
 * from the same HTML parse as the summary's text; otherwise it is left NULL. */
int summary_prepare(struct summary *s, struct db_entry *e, char **markdown);

/* Starts queued requests that limits allow; arms the queue's timer. Cheap to call often. */
void summary_kick(struct summary *s);
/* 1 while requests run or entries wait for a summary (--once waits for them). */
int summary_busy(struct summary *s);
const struct summary_stats *summary_stats(const struct summary *s);

/* The backend a setting names ("builtin", "openai", "command", "none"); NULL or an unknown
 * name is dflt. */
enum summary_backend summary_backend_named(const char *name, enum summary_backend dflt);

#endif
