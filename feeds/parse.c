/* feeds/parse.c: the parser's front door (feeds/parse.h): sniffs JSON against XML,
 * converts XML to UTF-8 (encoding.c) and hands it to the SAX parser (parse_sax.c), and
 * implements `feedsd parse` (docs/cli.md).
 * Owned by the feed-parser engineer. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cli.h"
#include "common/util.h"
#include "feeds/encoding.h"
#include "feeds/feed.h"
#include "feeds/parse.h"
#include "feeds/parse_internal.h"

size_t parse_first_byte(const char *data, size_t len)
{
    size_t i = 0;
    if (len >= 3 && !memcmp(data, "\xEF\xBB\xBF", 3))
        i = 3;
    while (i < len && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n'))
        i++;
    return i;
}

int feed_parse(const char *data, size_t len, const char *base_url, const char *http_charset,
               struct feed **out, char *err, size_t errlen)
{
    char dummy[8];
    if (!err || !errlen) {
        err = dummy;
        errlen = sizeof dummy;
    }
    *out = NULL;
    err[0] = '\0';
    size_t i = parse_first_byte(data, len);
    if (i >= len) {
        snprintf(err, errlen, "not a feed: empty document");
        return -1;
    }
    if (data[i] == '{' || data[i] == '[')
        return jsonfeed_parse(data + i, len - i, base_url, out, err, errlen);

    /* Usually no copy of the document: the parser reads the caller's bytes. */
    struct xml_utf8_doc doc;
    encoding_xml_prepare(data, len, http_charset, &doc);
    int rc = parse_xml_parts(doc.head, doc.head_len, doc.body, doc.body_len, base_url, 0, out,
                             NULL, err, errlen);
    free(doc.owned);
    return rc;
}

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
