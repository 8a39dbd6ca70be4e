/* common/log.c: stderr logger. sd-daemon(3): a line starting with "<N>" is logged by
 * journald at priority N; JOURNAL_STREAM (systemd.exec(5)) tells us stderr is the journal. */
#include "common/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int log_max = LOG_INFO;
static int log_journal;

void log_init(int max_prio)
{
    log_max = max_prio;
    log_journal = getenv("JOURNAL_STREAM") != NULL;
}

static const char *prio_name(int prio)
{
    static const char *names[] = {"emerg", "alert", "crit", "error",
                                  "warning", "notice", "info", "debug"};
    return prio >= 0 && prio <= 7 ? names[prio] : "info";
}

/* One event, one line: a feed can put newlines into an error message. */
static void format_line(char *line, size_t n, const char *fmt, va_list ap)
{
    vsnprintf(line, n, fmt, ap);
    for (char *p = line; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
}

void log_msg(int prio, const char *fmt, ...)
{
    if (prio > log_max)
        return;
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    format_line(line, sizeof line, fmt, ap);
    va_end(ap);
    if (log_journal) {
        fprintf(stderr, "<%d>%s\n", prio, line);
    } else {
        char ts[32];
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        struct tm tm;
        localtime_r(&now.tv_sec, &tm);
        strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S%z", &tm);
        fprintf(stderr, "%s feedsd[%s]: %s\n", ts, prio_name(prio), line);
    }
}

void log_fatal(int prio, const char *fmt, ...)
{
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    format_line(line, sizeof line, fmt, ap);
    va_end(ap);
    /* Read here, not in log_init: a command may fail before it set the logger up. */
    if (getenv("JOURNAL_STREAM"))
        fprintf(stderr, "<%d>%s\n", prio, line);
    else
        fprintf(stderr, "feedsd: %s\n", line);
}
