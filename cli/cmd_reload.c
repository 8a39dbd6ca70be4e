/* cli/cmd_reload.c: `feedsd reload PID`, a synchronous reload for the units' ExecReload=.
 *
 * Why not ExecReload=/bin/kill -HUP $MAINPID: /bin/kill is in procps, which a minimal
 * Debian lacks (the reload failed with 203/EXEC), and a signal alone returns before the
 * reload is done, so `systemctl reload` could not say whether it worked. Why not
 * Type=notify-reload: systemd 252 (Debian 12) does not know it and would run the unit as
 * Type=simple. This command is in every installation, asks over the same SIGHUP that
 * feedsd has always answered, and waits for the daemon's answer (daemon/reload.h). */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/commands.h"
#include "common/cli.h"
#include "common/log.h"
#include "daemon/reload.h"

/* Less than systemd's default reload timeout (TimeoutStartSec=90s), so that feedsd says
 * what happened instead of being killed. A feed poll never blocks the loop this long. */
#define RELOAD_WAIT 60

static const struct cli_opt reload_opts[] = {{NULL, NULL, NULL, 0, NULL}};

const struct cli_cmd cmd_reload_spec = {
    "reload", "makes a running daemon read its configuration again, and waits until it has",
    "PID", 1, 1, reload_opts,
    "exit status: 0 when it runs with the new configuration, 1 when the reload failed (the\n"
    "reason is in its log) or it did not answer within 60 s, 2 usage error.\n"
    "For the systemd units: ExecReload=feedsd reload $MAINPID",
    cmd_reload};

int cmd_reload(int argc, char **argv)
{
    struct cli cl;
    const char *arg = NULL;
    cli_init(&cl, &cmd_reload_spec, argc, argv);
    for (int id; (id = cli_next(&cl)) != CLI_END;) {
        if (id == CLI_EXIT)
            return cl.status;
        if (id == CLI_ARG)
            arg = cl.arg;
    }
    if (!arg)
        return 2;   /* the table asks for one argument: cli_next reported its absence */
    char *end;
    errno = 0;
    long pid = strtol(arg, &end, 10);
    if (errno || *end || end == arg || pid <= 1 || pid != (pid_t)pid)
        return cli_usage_error(&cmd_reload_spec, "not a process id: '%s'", arg);
    /* The answer is taken with sigtimedwait: blocked first, so that it cannot come
     * before we wait, nor kill us (the default action of SIGUSR1). */
    sigset_t answers;
    sigemptyset(&answers);
    sigaddset(&answers, RELOAD_DONE);
    sigaddset(&answers, RELOAD_FAILED);
    sigprocmask(SIG_BLOCK, &answers, NULL);
    if (sigqueue((pid_t)pid, SIGHUP, (union sigval){.sival_int = RELOAD_MAGIC}) < 0) {
        log_fatal(LOG_ERR, "reload: cannot signal process %ld: %s", pid, strerror(errno));
        return 1;
    }
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += RELOAD_WAIT;
    for (;;) {
        struct timespec now, left;
        clock_gettime(CLOCK_MONOTONIC, &now);
        left.tv_sec = deadline.tv_sec - now.tv_sec;
        left.tv_nsec = deadline.tv_nsec - now.tv_nsec;
        if (left.tv_nsec < 0) {
            left.tv_sec--;
            left.tv_nsec += 1000000000L;
        }
        if (left.tv_sec < 0)
            break;
        siginfo_t si;
        int sig = sigtimedwait(&answers, &si, &left);
        if (sig < 0 && errno == EINTR)
            continue;
        if (sig < 0)
            break;
        if (si.si_pid != (pid_t)pid)
            continue;   /* not from the daemon: not its answer */
        if (sig == RELOAD_DONE)
            return 0;
        log_fatal(LOG_ERR, "reload: process %ld reports that the reload failed; the reason "
                           "is in its log", pid);
        return 1;
    }
    /* A feedsd from before this command reloads on the signal but never answers. */
    log_fatal(LOG_ERR, "reload: process %ld did not answer within %d s (not feedsd, stopped, "
                       "or a version that does not answer: restart it)", pid, RELOAD_WAIT);
    return 1;
}
