/* common/proc.c: a process's boot id and start time from /proc (common/proc.h). */
#include "common/proc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

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
    for (size_t i = 0; i < len && n <= 32; i++)
        if (text[i] != '-') {
            char c = text[i];
            if (n < 32)
                out[n] = c >= 'A' && c <= 'F' ? (char)(c - 'A' + 'a') : c;
            n++;
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
    char *text;
    size_t len;
    if (file_read_all(file ? file : PROC_BOOT_ID_FILE, &text, &len) < 0)
        return -1;
    int rc = proc_boot_id_parse(text, out, outlen);
    free(text);
    return rc;
}

/* Field 22 of a /proc/PID/stat line. Field 2 is the command in parentheses and may itself
 * hold spaces and ')': the fields after it start after the last ')'. That is field 3;
 * field 22 is 19 further. 0, or -1 with errno EINVAL. */
static int stat_start_time(const char *line, long long *ticks)
{
    const char *p = strrchr(line, ')');
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

int proc_start_time(long pid, long long *ticks)
{
    char path[64], *line;
    size_t len;
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    if (file_read_all(path, &line, &len) < 0)
        return -1;
    int rc = stat_start_time(line, ticks);
    int e = errno;
    free(line);
    errno = e;
    return rc;
}
