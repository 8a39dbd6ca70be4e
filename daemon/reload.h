/* daemon/reload.h: `feedsd reload PID` (the units' ExecReload=) and the daemon's answer.
 * The reloader sends SIGHUP with sigqueue(3) and RELOAD_MAGIC; the daemon reloads as for
 * any SIGHUP and then answers the sender: RELOAD_DONE when the new configuration is in
 * use, RELOAD_FAILED when it is not (an invalid file, a new output folder it cannot
 * write: the old one stays) or the database refused the new subscriptions. A plain SIGHUP
 * gets no answer. */
#ifndef FEEDSD_RELOAD_H
#define FEEDSD_RELOAD_H

#include <signal.h>
#include <sys/types.h>

#include <ev.h>

#define RELOAD_MAGIC 0x66656564    /* "feed": the sigqueue value of `feedsd reload` */
#define RELOAD_DONE SIGUSR1
#define RELOAD_FAILED SIGUSR2

/* The daemon's SIGHUP handler, installed over libev's after ev_signal_start(SIGHUP): it
 * records who asked, then hands the signal to the loop (ev_feed_signal). 0 or -1. */
int reload_handler_install(void);

/* In the loop's SIGHUP callback: who is waiting for this reload (pid 0: nobody). The
 * pidfd is opened at once, while the sender is sure to wait, so that the answer cannot
 * reach another process that got its pid later. */
struct reload_waiter {
    pid_t pid;
    int pidfd;
};
void reload_waiter_take(struct reload_waiter *w);
void reload_waiter_answer(struct reload_waiter *w, int ok);

#endif
