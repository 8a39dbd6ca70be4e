/* common/log.h: one line per event on stderr. Under systemd (JOURNAL_STREAM set) each line
 * carries the sd-daemon(3) "<N>" priority prefix instead of a timestamp. */
#ifndef FEEDSD_LOG_H
#define FEEDSD_LOG_H

#include <syslog.h>   /* LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG */

/* Messages less important than max_prio are dropped (LOG_INFO by default). */
void log_init(int max_prio);
void log_msg(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A message that ends the command: "feedsd: MESSAGE" on a terminal, as every command's
 * errors read; under systemd the "<N>" prefix instead, so that `journalctl -p err` shows
 * why a service did not start (a plain line would be logged at info). LOG_ERR for what
 * the administrator can mend (configuration, paths, permissions), LOG_CRIT for failures
 * of the program or the machine. Not filtered by log_init's level. */
void log_fatal(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_err(...)   log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARNING, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
