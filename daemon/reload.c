/* daemon/reload.c: the daemon's side of `feedsd reload PID` (cli/cmd_reload.c): who asked
 * for this reload, and the answer once it is done (daemon/reload.h). */
#include "daemon/reload.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <unistd.h>

#include "common/log.h"

/* A pid fits in sig_atomic_t (int) on Linux. */
static volatile sig_atomic_t waiting_pid;

static void on_sighup(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    if (si->si_code == SI_QUEUE && si->si_value.sival_int == RELOAD_MAGIC)
        waiting_pid = si->si_pid;
    ev_feed_signal(sig);   /* libev's own handler does only this */
}

int reload_handler_install(void)
{
    struct sigaction sa = {.sa_sigaction = on_sighup, .sa_flags = SA_SIGINFO | SA_RESTART};
    sigfillset(&sa.sa_mask);
    return sigaction(SIGHUP, &sa, NULL);
}

void reload_waiter_take(struct reload_waiter *w)
{
    w->pid = waiting_pid;
    waiting_pid = 0;
    w->pidfd = w->pid > 0 ? pidfd_open(w->pid, 0) : -1;
}

void reload_waiter_answer(struct reload_waiter *w, int ok)
{
    if (w->pid <= 0)
        return;
    int sig = ok ? RELOAD_DONE : RELOAD_FAILED;
    /* Without pidfds (Linux < 5.3) the pid itself: the reloader still waits. */
    int rc = w->pidfd >= 0 ? pidfd_send_signal(w->pidfd, sig, NULL, 0) : kill(w->pid, sig);
    if (rc < 0)
        log_warn("reload: cannot answer process %ld: %s", (long)w->pid, strerror(errno));
    if (w->pidfd >= 0)
        close(w->pidfd);
    w->pid = 0;
    w->pidfd = -1;
}
