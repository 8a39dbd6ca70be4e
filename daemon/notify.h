/* daemon/notify.h: the systemd notify protocol (sd_notify(3)), self-contained: one
 * datagram per message to $NOTIFY_SOCKET. Does nothing when not run by systemd. */
#ifndef FEEDSD_NOTIFY_H
#define FEEDSD_NOTIFY_H

#include <stdint.h>

int notify_send(const char *msg);               /* 0 also when there is no socket */
/* Interval at which to send WATCHDOG=1 (half of $WATCHDOG_USEC), 0 when not asked. */
double notify_watchdog_interval(void);

#endif
