/* summary/child.h: runs a summarizer COMMAND as a child process from the libev loop
 * (issue 3, `command` backend). argv_split (summary/argv.c) turns the configured command
 * line into words without a shell; child_start (summary/child.c) runs them with the post on
 * stdin and collects stdout/stderr, never blocking the loop.
 *
 * Requirements on the caller (both hold in feedsd's `run`):
 *  - the loop is the default loop: libev watches children only there (ev_child), and its
 *    SIGCHLD handler reaps EVERY child of the process with waitpid(-1): nothing else in the
 *    daemon may wait for children itself (no system(), popen() or waitpid()), or libev
 *    steals the status;
 *  - SIGPIPE is ignored (signal(SIGPIPE, SIG_IGN)): writing the post to a child that did not
 *    read all of it must give EPIPE, not kill the daemon. The child gets SIGPIPE back at its
 *    default, with every other signal disposition and an empty signal mask. */
#ifndef FEEDSD_CHILD_H
#define FEEDSD_CHILD_H

#include <stddef.h>
#include <sys/types.h>

#include <ev.h>

/* Splits a command line into argv the way a POSIX shell splits words, without any
 * expansion: whitespace separates words; '...' keeps everything literally; "..." keeps
 * everything but allows \" \\ \$ \` escapes; a backslash outside quotes escapes the next
 * character. No globbing, no variables, no $(...), no redirections (those characters are
 * literal; so is '#', which never starts a comment here). A backslash-newline is removed
 * (line continuation) outside single quotes; a trailing lone backslash stays literal, as in
 * sh. "" and '' make an empty word. Returns a NULL-terminated malloc'd array of malloc'd
 * strings (free with argv_free), or NULL with a reason in err (unterminated quote, empty
 * command). */
char **argv_split(const char *cmdline, char *err, size_t errlen);
void argv_free(char **argv);

struct child_result {
    int exited;            /* 1: exited normally, status in exit_code */
    int exit_code;
    int signaled;          /* killed by a signal (signal in term_signal) */
    int term_signal;
    int timed_out;         /* we killed it because the timeout passed */
    int output_capped;     /* we killed it because stdout exceeded max_output */
    int lingering;         /* the command exited, but a process it left behind still held
                            * stdout/stderr open CHILD_LINGER_GRACE s later: we killed the
                            * group. exited/exit_code and out are the command's own. */
    const char *out;  size_t out_len;     /* stdout, NUL-terminated (at most max_output) */
    const char *err;  size_t err_len;     /* stderr (capped at 64 KiB), NUL-terminated */
    const char *spawn_error;              /* non-NULL when the program could not be started
                                           * (e.g. "No such file or directory: llm") */
};
/* Runs exactly once per started child, from the loop (never from inside child_start). The
 * result and its strings live until the callback returns; the handle is freed right after
 * it, so the callback must not call child_cancel on it. It may start other children. */
typedef void (*child_cb)(void *ud, const struct child_result *r);

/* Seconds we wait, after the command itself exited, for its output pipes to reach EOF
 * before killing the processes it left behind (`sh -c 'server & echo hi'`). */
#define CHILD_LINGER_GRACE 1.0
/* Seconds between SIGTERM and SIGKILL. */
#define CHILD_KILL_GRACE 2.0
#define CHILD_STDERR_MAX (64 * 1024)

/* Starts argv[0] (looked up in PATH, execvp semantics) with `input` on its stdin,
 * extra environment variables `env` ("NAME=value" strings, NULL-terminated, may be NULL;
 * added to the inherited environment, replacing an inherited variable of the same name),
 * a timeout in seconds (<= 0: none), and a stdout cap in bytes (0: none).
 * Everything is driven by the libev loop (ev_child for exit, ev_io for the three pipes,
 * ev_timer for the timeout): it never blocks the loop. Writes to stdin are non-blocking
 * (large inputs work; EPIPE when the child does not read all input is not an error).
 * The callback runs exactly once, after the child has exited AND both output pipes are at
 * EOF (or were closed because we killed it). On timeout, output cap or lingering output
 * holders: SIGTERM to the child's process group, then SIGKILL after CHILD_KILL_GRACE s if
 * still alive. The child runs in its own process group so that its own children are killed
 * too. Our fds are CLOEXEC and everything above 2 is closed in the child: it gets only
 * stdin/stdout/stderr. A program that cannot be started still gives a handle; its callback
 * (on the next loop iteration) carries spawn_error. Returns NULL (then cb is NOT called)
 * only when pipe/spawn resources fail (errno set). loop must be the default loop. */
struct child *child_start(struct ev_loop *loop, char *const argv[], char *const env[],
                          const char *input, size_t input_len, double timeout,
                          size_t max_output, child_cb cb, void *ud);

/* Stops watching, sends SIGKILL to the group, frees the handle; the callback is not
 * called. The dead child is reaped by libev's SIGCHLD handler on a later iteration (or by
 * nobody if the loop is about to end, which is harmless at exit). For shutdown. */
void child_cancel(struct child *c);

/* The child's pid, which is also its process-group id (0 if it could not be started). */
pid_t child_pid(const struct child *c);

#endif
