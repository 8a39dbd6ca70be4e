/* output/output_sweep.c: removes temporary files that a killed feedsd left behind.
 * output_write_atomic() names them ".<name>.tmp-<pid>"; a process killed between creating
 * one and renaming it leaves it in the output folder, where readers would see it. The
 * entry itself is safe: its stage in the database still says "not written", so the file
 * is written again. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "output/output.h"

/* The pid of a temporary name, or 0 when the name is not one of ours. */
static long temp_pid(const char *name)
{
    if (name[0] != '.')
        return 0;
    const char *t = strstr(name, ".tmp-");
    if (!t)
        return 0;
    /* the last ".tmp-" counts: a title may contain the text itself */
    const char *last = t;
    while ((t = strstr(last + 1, ".tmp-")))
        last = t;
    char *end;
    long pid = strtol(last + 5, &end, 10);
    return *end == '\0' && pid > 0 ? pid : 0;
}

static int sweep_dir(int dfd, const char *shown, int depth, size_t *kept)
{
    DIR *d = fdopendir(dfd);   /* d owns dfd from here on: closedir closes it */
    if (!d) {
        close(dfd);
        return -1;
    }
    int removed = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        const char *n = de->d_name;
        if (!strcmp(n, ".") || !strcmp(n, ".."))
            continue;
        if (de->d_type == DT_DIR && depth < 8) {
            int sub = openat(dfd, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub >= 0)
                removed += sweep_dir(sub, shown, depth + 1, kept) > 0;
            continue;
        }
        long pid = temp_pid(n);
        /* Another live process (a second feedsd on the same folder) may own it. */
        if (!pid)
            continue;
        if (pid != (long)getpid() && (kill((pid_t)pid, 0) == 0 || errno == EPERM)) {
            (*kept)++;
            continue;
        }
        if (unlinkat(dfd, n, 0) == 0) {
            log_info("removed unfinished file %s/%s", shown, n);
            removed++;
        }
    }
    closedir(d);
    return removed;
}

int output_sweep_temp(const char *dir, size_t *kept)
{
    size_t k = 0;
    if (!kept)
        kept = &k;
    *kept = 0;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 0 : -1;
    return sweep_dir(fd, dir, 0, kept);
}
