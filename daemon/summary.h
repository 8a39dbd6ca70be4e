/* daemon/summary.h: summaries for stored entries (issue 3). The built-in summarizer and
 * "none" answer at once; the `openai` and `command` backends are asked through a queue
 * that lives in the database (entries.sum_pending), so a killed daemon loses no request
 * and repeats none that completed. Per backend: a concurrency limit, a requests-per-minute
 * limit (sliding window), exponential backoff, Retry-After on 429/503, and a circuit that
 * pauses a backend after 5 failures in a row. Completed answers are cached by what was
 * asked (content, backend, model, prompts, language): an unchanged post is never sent twice.
 * The summary state is owned by struct app (app->summary). */
#ifndef FEEDSD_SUMMARY_H
#define FEEDSD_SUMMARY_H

#include <stddef.h>

struct app;
struct db_entry;

enum summary_backend { SB_NONE, SB_BUILTIN, SB_OPENAI, SB_COMMAND };

int summary_init(struct app *app, char *err, size_t errlen);   /* after config + db */
void summary_reconfigure(struct app *app);                     /* after a reload */
void summary_free(struct app *app);

/* For an entry in stage NEW: stores a summary at once when one is due now (built-in, none,
 * short posts, backlog, cache hits, a provisional fallback after summary_max_wait) and
 * returns 1; queues it for a model and returns 0; -1 on a database error. Runs inside the
 * pipeline's transaction. When markdown is not NULL and the built-in summary is stored
 * now (the post's file is written next), *markdown gets html2md(e->content, e->link) made
 * from the same HTML parse as the summary's text; otherwise it is left NULL. */
int summary_prepare(struct app *app, struct db_entry *e, char **markdown);

/* Starts queued requests that limits allow; arms the queue's timer. Cheap to call often. */
void summary_kick(struct app *app);
/* 1 while requests run or entries wait for a summary (--once waits for them). */
int summary_busy(struct app *app);

/* Reasoning models think aloud in <think>...</think>: removed, as are surrounding blank
 * lines. A first line "Title: ..." (or 标题：, Titre :, Titel:) becomes *title. Returns the
 * cleaned summary (malloc'd), NULL when nothing is left (then it is a failure: an empty or
 * error answer is never written as a summary). */
char *summary_clean_output(const char *out, char **title);
/* The effective backend of an entry (its feed's setting, else the global one). */
enum summary_backend summary_backend_of(const struct app *app, const char *feed_setting);

#endif
