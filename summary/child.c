/* summary/child.c: runs one summarizer command as a child process, driven entirely by the
 * default libev loop (issue 3, `command` backend; contract in summary/child.h).
 *
 * Why posix_spawnp rather than fork+exec: glibc (>= 2.24) spawns with CLONE_VFORK and
 * returns the exec error itself, so "No such file or directory: llm" is exact without a
 * self-pipe, nothing runs in a forked copy of the daemon (no async-signal-safety traps),
 * and the attributes do the rest atomically: POSIX_SPAWN_SETPGROUP (own process group,
 * set before exec, so kill(-pid) is valid as soon as we return), POSIX_SPAWN_SETSIGDEF
 * (every signal back to SIG_DFL: an ignored SIGPIPE would otherwise survive exec, see
 * execve(2)), POSIX_SPAWN_SETSIGMASK (empty mask), and closefrom (glibc >= 2.34) so that
 * database files and curl sockets without CLOEXEC never leak into the child.
 *
 * Lifecycle of a handle (phase):
 *   RUN     the command runs; stdin is fed, stdout/stderr read, the timeout armed;
 *   LINGER  the command exited but its output pipes are still open (a process it left in
 *           the background holds them): wait CHILD_LINGER_GRACE s for EOF;
 *   TERM    SIGTERM sent to the group (timeout, output cap, lingering holder); wait
 *           CHILD_KILL_GRACE s;
 *   KILLED  SIGKILL sent; our pipe ends are closed (a process that escaped the group with
 *           setsid must not keep us waiting), only the leader's exit status is awaited;
 *   FAILED  the program could not be started; the callback fires on a 0 s timer so that
 *           it never runs inside child_start.
 * The callback fires when the leader is reaped and both output pipes are closed. */
#include "summary/child.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"

extern char **environ;

enum phase { PH_RUN, PH_LINGER, PH_TERM, PH_KILLED, PH_FAILED };

struct child {
    struct ev_loop *loop;
    pid_t pid;
    enum phase phase;
    child_cb cb;
    void *ud;

    ev_child cw;
    ev_io in_w, out_w, err_w;
    ev_timer timer;             /* timeout, linger grace, kill grace or spawn failure */
    int in_fd, out_fd, err_fd;  /* our ends; -1 once closed */

    char *input;                /* our copy: the caller's buffer may go away */
    size_t input_len, input_off;
    struct buf out, err;
    size_t max_output;
    double deadline;            /* ev_now() + timeout, or 0 for none */

    int reaped, status;
    int timed_out, output_capped, lingering;
    char *spawn_error;
};

/* ---- small helpers ------------------------------------------------------------------ */

static void fd_close(struct child *c, ev_io *w, int *fd)
{
    if (*fd < 0)
        return;
    ev_io_stop(c->loop, w);
    close(*fd);
    *fd = -1;
}

static void timer_arm(struct child *c, double after)
{
    ev_timer_stop(c->loop, &c->timer);
    ev_timer_set(&c->timer, after, 0.);
    ev_timer_start(c->loop, &c->timer);
}

static void child_free(struct child *c)
{
    ev_child_stop(c->loop, &c->cw);
    ev_timer_stop(c->loop, &c->timer);
    fd_close(c, &c->in_w, &c->in_fd);
    fd_close(c, &c->out_w, &c->out_fd);
    fd_close(c, &c->err_w, &c->err_fd);
    buf_free(&c->out);
    buf_free(&c->err);
    free(c->input);
    free(c->spawn_error);
    free(c);
}

static void finish(struct child *c)
{
    struct child_result r = {0};
    if (c->spawn_error) {
        r.spawn_error = c->spawn_error;
    } else if (WIFEXITED(c->status)) {
        r.exited = 1;
        r.exit_code = WEXITSTATUS(c->status);
    } else if (WIFSIGNALED(c->status)) {
        r.signaled = 1;
        r.term_signal = WTERMSIG(c->status);
    }
    r.timed_out = c->timed_out;
    r.output_capped = c->output_capped;
    r.lingering = c->lingering;
    /* NUL-terminate in place (an empty buf has no storage yet); the result borrows it. */
    buf_grow(&c->out, 0);
    c->out.data[c->out.len] = '\0';
    buf_grow(&c->err, 0);
    c->err.data[c->err.len] = '\0';
    r.out = c->out.data;
    r.out_len = c->out.len;
    r.err = c->err.data;
    r.err_len = c->err.len;
    /* Stop everything first: the callback may start new children (reusing fd numbers). */
    ev_child_stop(c->loop, &c->cw);
    ev_timer_stop(c->loop, &c->timer);
    fd_close(c, &c->in_w, &c->in_fd);
    c->cb(c->ud, &r);
    child_free(c);
}

static void maybe_finish(struct child *c)
{
    if (c->reaped && c->out_fd < 0 && c->err_fd < 0)
        finish(c);
}

/* Starts the SIGTERM -> SIGKILL sequence for the whole process group (the pgid is the
 * leader's pid, see POSIX_SPAWN_SETPGROUP). Safe to call more than once. */
static void begin_kill(struct child *c)
{
    if (c->phase == PH_TERM || c->phase == PH_KILLED)
        return;
    log_debug("summarizer command %d: SIGTERM to its process group", (int)c->pid);
    kill(-c->pid, SIGTERM);
    c->phase = PH_TERM;
    timer_arm(c, CHILD_KILL_GRACE);
}

/* ---- watchers ------------------------------------------------------------------------ */

static void in_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    (void)loop, (void)revents;
    struct child *c = w->data;
    while (c->input_off < c->input_len) {
        ssize_t n = write(c->in_fd, c->input + c->input_off, c->input_len - c->input_off);
        if (n > 0) {
            c->input_off += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        /* EPIPE: the command stopped reading (e.g. `head -c`, or it only needed the
         * environment); it decides the outcome by its exit status, not us. */
        if (n < 0 && errno != EPIPE)
            log_debug("summarizer command %d: stdin: %s", (int)c->pid, strerror(errno));
        break;
    }
    fd_close(c, &c->in_w, &c->in_fd);   /* EOF tells the command the post is complete */
}

static void out_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    (void)loop, (void)revents;
    struct child *c = w->data;
    size_t chunk = 64 * 1024;
    buf_grow(&c->out, chunk);
    ssize_t n = read(c->out_fd, c->out.data + c->out.len, chunk);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return;
    if (n <= 0) {
        fd_close(c, &c->out_w, &c->out_fd);
        maybe_finish(c);
        return;
    }
    c->out.len += (size_t)n;
    if (c->max_output && c->out.len > c->max_output) {
        /* Keep exactly the cap; closing our end also makes the next write of the command
         * fail (EPIPE / SIGPIPE), so even a process that ignores SIGTERM stops producing. */
        c->out.len = c->max_output;
        c->output_capped = 1;
        fd_close(c, &c->out_w, &c->out_fd);
        begin_kill(c);
        maybe_finish(c);
    }
}

static void err_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    (void)loop, (void)revents;
    static char discard[16384];
    struct child *c = w->data;
    size_t room = c->err.len < CHILD_STDERR_MAX ? CHILD_STDERR_MAX - c->err.len : 0;
    ssize_t n;
    if (room) {
        buf_grow(&c->err, room);
        n = read(c->err_fd, c->err.data + c->err.len, room);
    } else {
        n = read(c->err_fd, discard, sizeof discard);  /* keep draining: never block it */
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return;
    if (n <= 0) {
        fd_close(c, &c->err_w, &c->err_fd);
        maybe_finish(c);
        return;
    }
    if (room)
        c->err.len += (size_t)n;
}

static void exit_cb(struct ev_loop *loop, ev_child *w, int revents)
{
    (void)revents;
    struct child *c = w->data;
    ev_child_stop(loop, w);
    c->reaped = 1;
    c->status = w->rstatus;
    if (c->phase == PH_RUN && (c->out_fd >= 0 || c->err_fd >= 0)) {
        /* Normally EOF follows at once (the rest is in the pipe buffer). If something the
         * command started in the background holds the pipes, do not wait for the whole
         * timeout (minutes for local models) to hand over an already complete answer. */
        double left = c->deadline > 0 ? c->deadline - ev_now(loop) : INFINITY;
        if (left > CHILD_LINGER_GRACE) {
            c->phase = PH_LINGER;
            timer_arm(c, CHILD_LINGER_GRACE);
        }
    }
    maybe_finish(c);
}

static void timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop, (void)revents;
    struct child *c = w->data;
    switch (c->phase) {
    case PH_RUN:
        c->timed_out = 1;
        begin_kill(c);
        break;
    case PH_LINGER:
        c->lingering = 1;
        begin_kill(c);
        break;
    case PH_TERM:
        log_debug("summarizer command %d: SIGKILL to its process group", (int)c->pid);
        kill(-c->pid, SIGKILL);
        c->phase = PH_KILLED;
        fd_close(c, &c->out_w, &c->out_fd);
        fd_close(c, &c->err_w, &c->err_fd);
        maybe_finish(c);
        break;
    case PH_KILLED:
        break;
    case PH_FAILED:
        finish(c);
        break;
    }
}

/* ---- spawning ------------------------------------------------------------------------ */

/* Our pipe ends must not be 0-2: if the daemon runs with a closed stdin, pipe2 may return
 * fd 0, and the dup2 sequence in the child would overwrite one pipe with another. */
static int fd_high(int fd)
{
    if (fd >= 3)
        return fd;
    int nfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    int e = errno;
    close(fd);
    errno = e;
    return nfd;
}

static int pipe_high(int p[2])
{
    if (pipe2(p, O_CLOEXEC) < 0)
        return -1;
    p[0] = fd_high(p[0]);
    p[1] = fd_high(p[1]);
    if (p[0] < 0 || p[1] < 0) {
        if (p[0] >= 0)
            close(p[0]);
        if (p[1] >= 0)
            close(p[1]);
        return -1;
    }
    return 0;
}

static size_t env_name_len(const char *s)
{
    const char *eq = strchr(s, '=');
    return eq ? (size_t)(eq - s) : strlen(s);
}

/* The inherited environment plus `extra`; an extra variable replaces an inherited one of
 * the same name (a duplicate would leave getenv's pick to the libc). Strings are shared,
 * only the array is allocated. */
static char **env_build(char *const extra[])
{
    size_t ne = 0, nx = 0;
    while (environ && environ[ne])
        ne++;
    while (extra && extra[nx])
        nx++;
    char **v = xmalloc((ne + nx + 1) * sizeof *v);
    size_t k = 0;
    for (size_t i = 0; i < ne; i++) {
        size_t len = env_name_len(environ[i]);
        int replaced = 0;
        for (size_t j = 0; j < nx && !replaced; j++)
            replaced = env_name_len(extra[j]) == len && !strncmp(extra[j], environ[i], len);
        if (!replaced)
            v[k++] = environ[i];
    }
    for (size_t j = 0; j < nx; j++)
        v[k++] = extra[j];
    v[k] = NULL;
    return v;
}

/* 0 and the pid, or an errno value from posix_spawnp. */
static int spawn(char *const argv[], char *const env[], int in_r, int out_w, int err_w,
                 pid_t *pid)
{
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    sigset_t all, none;
    int rc;

    if ((rc = posix_spawn_file_actions_init(&fa)))
        return rc;
    if ((rc = posix_spawnattr_init(&at))) {
        posix_spawn_file_actions_destroy(&fa);
        return rc;
    }
    sigfillset(&all);
    sigemptyset(&none);
    if (!(rc = posix_spawn_file_actions_adddup2(&fa, in_r, 0))
        && !(rc = posix_spawn_file_actions_adddup2(&fa, out_w, 1))
        && !(rc = posix_spawn_file_actions_adddup2(&fa, err_w, 2))
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
        && !(rc = posix_spawn_file_actions_addclosefrom_np(&fa, 3))
#endif
        && !(rc = posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF
                                                    | POSIX_SPAWN_SETSIGMASK))
        && !(rc = posix_spawnattr_setpgroup(&at, 0))
        && !(rc = posix_spawnattr_setsigdefault(&at, &all))
        && !(rc = posix_spawnattr_setsigmask(&at, &none))) {
        char **envp = env_build(env);
        rc = posix_spawnp(pid, argv[0], &fa, &at, argv, envp);
        free(envp);
    }
    posix_spawnattr_destroy(&at);
    posix_spawn_file_actions_destroy(&fa);
    return rc;
}

struct child *child_start(struct ev_loop *loop, char *const argv[], char *const env[],
                          const char *input, size_t input_len, double timeout,
                          size_t max_output, child_cb cb, void *ud)
{
    if (!ev_is_default_loop(loop)) {    /* ev_child would never fire */
        errno = EINVAL;
        return NULL;
    }
    int pin[2] = {-1, -1}, pout[2] = {-1, -1}, perr[2] = {-1, -1};
    if (pipe_high(pin) < 0 || pipe_high(pout) < 0 || pipe_high(perr) < 0) {
        int e = errno;
        for (int i = 0; i < 2; i++) {
            if (pin[i] >= 0)
                close(pin[i]);
            if (pout[i] >= 0)
                close(pout[i]);
            if (perr[i] >= 0)
                close(perr[i]);
        }
        errno = e;
        return NULL;
    }

    struct child *c = xcalloc(1, sizeof *c);
    c->loop = loop;
    c->cb = cb;
    c->ud = ud;
    c->max_output = max_output;
    c->in_fd = pin[1];
    c->out_fd = pout[0];
    c->err_fd = perr[0];
    ev_timer_init(&c->timer, timer_cb, 0., 0.);
    c->timer.data = c;

    int rc = argv && argv[0] && argv[0][0]
                 ? spawn(argv, env, pin[0], pout[1], perr[1], &c->pid)
                 : ENOENT;
    /* The child's ends are the child's now (or nobody's). */
    close(pin[0]);
    close(pout[1]);
    close(perr[1]);
    if (rc == EAGAIN || rc == ENOMEM) {         /* process table or memory: retry later */
        close(pin[1]);
        close(pout[0]);
        close(perr[0]);
        free(c);
        errno = rc;
        return NULL;
    }
    if (rc) {
        c->pid = 0;
        c->spawn_error = xasprintf("%s: %s", strerror(rc),
                                   argv && argv[0] && argv[0][0] ? argv[0] : "(empty command)");
        close(c->in_fd);
        close(c->out_fd);
        close(c->err_fd);
        c->in_fd = c->out_fd = c->err_fd = -1;
        c->phase = PH_FAILED;
        timer_arm(c, 0.);
        return c;
    }

    /* Only our ends are non-blocking: the command gets ordinary blocking pipes. */
    fcntl(c->in_fd, F_SETFL, fcntl(c->in_fd, F_GETFL) | O_NONBLOCK);
    fcntl(c->out_fd, F_SETFL, fcntl(c->out_fd, F_GETFL) | O_NONBLOCK);
    fcntl(c->err_fd, F_SETFL, fcntl(c->err_fd, F_GETFL) | O_NONBLOCK);

    /* The child may already be dead: libev reaps only from its SIGCHLD watcher inside the
     * loop, so a watcher started before we return to the loop never misses the exit. */
    ev_child_init(&c->cw, exit_cb, c->pid, 0);
    c->cw.data = c;
    ev_child_start(loop, &c->cw);
    ev_io_init(&c->out_w, out_cb, c->out_fd, EV_READ);
    c->out_w.data = c;
    ev_io_start(loop, &c->out_w);
    ev_io_init(&c->err_w, err_cb, c->err_fd, EV_READ);
    c->err_w.data = c;
    ev_io_start(loop, &c->err_w);
    if (input_len) {
        c->input = xmalloc(input_len);
        memcpy(c->input, input, input_len);
        c->input_len = input_len;
        ev_io_init(&c->in_w, in_cb, c->in_fd, EV_WRITE);
        c->in_w.data = c;
        ev_io_start(loop, &c->in_w);
    } else {
        close(c->in_fd);                        /* empty post: immediate EOF */
        c->in_fd = -1;
    }
    if (timeout > 0) {
        c->deadline = ev_now(loop) + timeout;
        timer_arm(c, timeout);
    }
    log_debug("summarizer command %s started as pid %d", argv[0], (int)c->pid);
    return c;
}

void child_cancel(struct child *c)
{
    if (!c)
        return;
    /* After the leader is reaped the group may still hold processes it left behind; the
     * pgid cannot be reused while any of them lives. */
    if (c->pid > 0)
        kill(-c->pid, SIGKILL);
    child_free(c);
}

pid_t child_pid(const struct child *c)
{
    return c ? c->pid : 0;
}
