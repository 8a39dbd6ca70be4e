/* common/proc.c: a process's boot id and start time from /proc (common/proc.h). */
#include "common/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The whole of a small file (at most cap - 1 bytes) into buf, NUL-terminated: its length,
 * or -1 with errno. */
static ssize_t read_small(const char *path, char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t len = 0;
    while (len < cap - 1) {
        ssize_t n = read(fd, buf + len, cap - 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            close(fd);
            errno = e;
            return -1;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    buf[len] = '\0';
    return (ssize_t)len;
}

int proc_boot_id(const char *file, char *out, size_t outlen)
{
    char buf[64];
    ssize_t n = read_small(file ? file : PROC_BOOT_ID_FILE, buf, sizeof buf);
    if (n < 0)
        return -1;
    size_t len = strcspn(buf, "\n");
    /* the kernel's is a UUID, 36 characters; nothing shorter could tell boots apart */
    if (len < 8 || len >= outlen || strspn(buf, "0123456789abcdefABCDEF-") != len) {
        errno = EINVAL;
        return -1;
    }
    memcpy(out, buf, len);
    out[len] = '\0';
    return 0;
}

int proc_start_time(long pid, long long *ticks)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    if (read_small(path, buf, sizeof buf) < 0)
        return -1;
    /* Field 2 is the command in parentheses and may itself hold spaces and ')': the
     * fields after it start after the last ')'. That is field 3; field 22 is 19 further. */
    const char *p = strrchr(buf, ')');
    if (!p) {
        errno = EINVAL;
        return -1;
    }
    p++;
    for (int field = 3; field <= 22; field++) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        if (field == 22) {
            char *end;
            errno = 0;
            long long v = strtoll(p, &end, 10);
            if (errno || end == p || v < 0)
                break;
            *ticks = v;
            return 0;
        }
        p += strcspn(p, " ");
    }
    errno = EINVAL;
    return -1;
}
