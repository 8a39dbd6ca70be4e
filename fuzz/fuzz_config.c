/* fuzz/fuzz_config.c: libFuzzer target for config_load() (daemon/config.h). The input is
 * written to an anonymous memory file (memfd_create(2)) and loaded through
 * /proc/self/fd/N, so the real file-reading path runs without touching the disk.
 * PROPERTY: a failure names "FILE:LINE"; a success leaves every setting in its range. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "daemon/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = memfd_create("fuzz-config", MFD_CLOEXEC);
    if (fd < 0)
        abort();
    for (size_t off = 0; off < size;) {
        ssize_t w = write(fd, data + off, size - off);
        if (w <= 0)
            abort();
        off += (size_t)w;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);

    struct config c;
    char err[512];
    config_defaults(&c);
    err[0] = '\0';
    if (config_load(&c, path, err, sizeof err) != 0) {
        if (strncmp(err, path, strlen(path)) != 0) {
            fprintf(stderr, "fuzz_config: error does not name the file: %s\n", err);
            abort();
        }
    } else if (c.interval <= 0 || c.max_interval <= 0 || c.concurrency <= 0 ||
               c.per_host <= 0 || c.timeout <= 0 || c.max_size <= 0 || c.backlog < -1 ||
               !c.database || !c.output || !c.filename) {
        fprintf(stderr, "fuzz_config: out-of-range setting accepted\n");
        abort();
    } else {
        for (size_t i = 0; i < c.nfeeds; i++)
            if (!c.feeds[i].url || c.feeds[i].interval < 0 || c.feeds[i].backlog < -2) {
                fprintf(stderr, "fuzz_config: bad feed %zu accepted\n", i);
                abort();
            }
    }
    config_free(&c);
    close(fd);
    return 0;
}
