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

int proc_boot_id_parse(const char *text, char *out, size_t outlen)
{
    /* The kernel writes a UUID with dashes (random(4)), systemd's %b the same 128 bits as
     * 32 hex digits: both become the 32 lower-case digits, so that either source names a
     * boot alike. */
    size_t len = strcspn(text, "\n"), n = 0;
    if (strspn(text, "0123456789abcdefABCDEF-") != len || outlen < 33) {
        errno = EINVAL;
        return -1;
    }
    for (size_t i = 0; i < len; i++)
        if (text[i] != '-') {
            if (n == 32) {
                errno = EINVAL;
                return -1;
            }
            char c = text[i];
            out[n++] = c >= 'A' && c <= 'F' ? (char)(c - 'A' + 'a') : c;
        }
    if (n != 32) {
        errno = EINVAL;
        return -1;
    }
    out[n] = '\0';
    return 0;
}

int proc_boot_id(const char *file, char *out, size_t outlen)
{
    char buf[64];
    if (read_small(file ? file : PROC_BOOT_ID_FILE, buf, sizeof buf) < 0)
        return -1;
    return proc_boot_id_parse(buf, out, outlen);
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
