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

static int usage(void)
{
    fprintf(stderr, "usage: feedsd parse [--base-url URL] [--count] FILE\n");
    return 2;
}

static void count_entry(void *ud, const struct entry *e)
{
    (void)e;
    ++*(size_t *)ud;
}

int cmd_parse(int argc, char **argv)
{
    const char *base = NULL, *path = NULL;
    int opts = 1, count = 0;
    for (int i = 1; i < argc; i++) {
        if (opts && !strcmp(argv[i], "--")) {
            opts = 0;
        } else if (opts && !strcmp(argv[i], "--base-url")) {
            if (++i >= argc)
                return usage();
            base = argv[i];
        } else if (opts && !strncmp(argv[i], "--base-url=", 11)) {
            base = argv[i] + 11;
        } else if (opts && !strcmp(argv[i], "--count")) {
            count = 1;
        } else if (opts && argv[i][0] == '-' && argv[i][1]) {
            return usage();
        } else if (!path) {
            path = argv[i];
        } else {
            return usage();
        }
    }
    if (!path)
        return usage();

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
