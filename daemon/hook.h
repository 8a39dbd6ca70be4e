/* daemon/hook.h: the `on_write` command (issue 18, item 4), run after each batch of files
 * is published, with the paths of the batch on its standard input and in its environment,
 * as a child process of the libev loop (summary/child.h): it never blocks the loop, and a
 * failure is logged and retried with backoff while polling goes on. */
#ifndef FEEDSD_HOOK_H
#define FEEDSD_HOOK_H

struct app;
struct hook;

struct hook *hook_new(struct app *app);
/* Stops a running command (killed) and forgets the paths not yet handed over, saying
 * how many. */
void hook_free(struct hook *h);
/* A file the pipeline published: is_new when its name was given in this batch, else a
 * rewrite of the post's file. Nothing happens until hook_kick. h may be NULL. */
void hook_add(struct hook *h, const char *relpath, int is_new);
/* Starts the command for the paths added so far, unless one runs (they go next) or a
 * retry waits (they go with it). Nothing without `on_write`. */
void hook_kick(struct hook *h);
/* --once: a command runs, or paths wait for one. */
int hook_busy(const struct hook *h);
/* --once: runs that failed (a one-shot run retries nothing: its exit status says it). */
int hook_failures(const struct hook *h);

#endif
