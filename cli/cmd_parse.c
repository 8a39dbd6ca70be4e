/* cli/cmd_parse.c: `feedsd parse [--base-url URL] [--count] FILE` (docs/cli.md): how the
 * feed parser (feeds/parse.h) reads one document, as JSON (feeds/feed.h, feed_write_json). */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/commands.h"
#include "common/cli.h"
#include "common/util.h"
#include "feeds/feed.h"
#include "feeds/parse.h"

enum { P_BASE_URL = 1, P_COUNT };

static const struct cli_opt parse_opts[] = {
    {"--base-url", NULL, "URL", P_BASE_URL,
     "resolve relative links against URL (default: the feed's own base, when it gives one)"},
    {"--count", NULL, NULL, P_COUNT, "print only the number of entries"},
    {NULL, NULL, NULL, 0, NULL},
};

const struct cli_cmd cmd_parse_spec = {
    "parse", "prints how feedsd reads a feed document (RSS, Atom, JSON Feed)",
    "FILE", 1, 1, parse_opts,
    "FILE '-' reads standard input. exit status: 0 read (also when repaired), 1 not a feed\n"
    "or the file cannot be read, 2 usage error",
    cmd_parse};

static void count_entry(void *ud, const struct entry *e)
{
    (void)e;
    ++*(size_t *)ud;
}

int cmd_parse(int argc, char **argv)
{
    const char *base = NULL, *path = NULL;
    int count = 0;
    struct cli cl;
    cli_init(&cl, &cmd_parse_spec, argc, argv);
    for (int id; (id = cli_next(&cl)) != CLI_END;) {
        switch (id) {
        case CLI_EXIT: return cl.status;
        case CLI_ARG: path = cl.arg; break;
        case P_BASE_URL: base = cl.arg; break;
        case P_COUNT: count = 1; break;
        default: return 2;
        }
    }
    if (!path)
        return 2;   /* cli_next reported it (min_args): for the static analyzers */

    struct feed *f = NULL;
    char err[256];
    int rc;
    /* A regular file is read in pieces (feed_parse_fd): the document is never in memory
     * as a whole, only the entries; anything else (standard input, a pipe, an empty
     * file) as a whole. */
    int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : -1;
    struct stat sb;
    size_t counted = 0;
    int streamed = 0;
    if (fd >= 0 && fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0) {
        /* --count keeps no entry: each is counted and freed as it ends, as the daemon
         * stores the entries of a large feed. */
        struct feed_sink sink = {count_entry, &counted};
        if (count)
            rc = feed_parse_fd_sink(fd, (size_t)sb.st_size, base, NULL, &sink, &f, &streamed,
                                    err, sizeof err);
        else
            rc = feed_parse_fd(fd, (size_t)sb.st_size, base, NULL, &f, err, sizeof err);
        close(fd);
    } else {
        if (fd >= 0)
            close(fd);
        struct file_view in;
        if (file_view_open(path, &in) != 0) {
            fprintf(stderr, "feedsd parse: %s: cannot read: %m\n", path);
            return 1;
        }
        rc = feed_parse(in.data, in.len, base, NULL, &f, err, sizeof err);
        file_view_close(&in);
    }
    if (rc != 0) {
        fprintf(stderr, "feedsd parse: %s: %s\n", path, err);
        return 1;
    }
    /* --count: the whole parse (entries built, URLs resolved, text cleaned) without the
     * JSON, for measuring the parser alone (bench/parse.py) */
    if (count)
        rc = printf("%zu\n", streamed ? counted : f->nentries) < 0 ? -1 : 0;
    else
        rc = feed_write_json(f, stdout);
    feed_free(f);
    if (rc != 0 || fflush(stdout) != 0) {
        fprintf(stderr, "feedsd parse: cannot write the output\n");
        return 1;
    }
    return 0;
}
