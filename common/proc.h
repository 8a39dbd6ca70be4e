/* common/proc.h: who a process is, beyond its pid, as Linux tells it in /proc: the boot
 * it runs in and its start time. A pid is reused once its process is gone, and a new boot
 * starts the numbering again; a (boot id, pid, start time) triple names one process for
 * good. The daemon records its own under the output folders it writes to
 * (daemon/claim.c). */
#ifndef FEEDSD_PROC_H
#define FEEDSD_PROC_H

#include <stddef.h>

/* The default source of proc_boot_id. */
#define PROC_BOOT_ID_FILE "/proc/sys/kernel/random/boot_id"

/* A boot id written as the kernel does (a UUID) or as systemd's %b specifier does (32 hex
 * digits), up to a line feed, into out as 32 lower-case hex digits (outlen >= 33). 0, or
 * -1 with errno EINVAL when text is no boot id or out is too small. */
int proc_boot_id_parse(const char *text, char *out, size_t outlen);

/* The id of this boot from file (PROC_BOOT_ID_FILE when NULL) into out, as
 * proc_boot_id_parse gives it. 0, or -1 with errno when the file cannot be read (systemd's
 * ProcSubset=pid hides /proc/sys) or holds no id (EINVAL). */
int proc_boot_id(const char *file, char *out, size_t outlen);

/* The start time of process pid, in clock ticks since boot (field 22 of /proc/PID/stat,
 * proc(5)). 0, or -1 with errno (ENOENT: no such process, or one /proc does not show). */
int proc_start_time(long pid, long long *ticks);

#endif
