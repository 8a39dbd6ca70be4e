/* tests/unit/test_parse_fd.c: feed_parse_fd() (a document read from a file in pieces, as
 * the daemon parses a large spooled body) must give exactly what feed_parse() gives for
 * the same bytes: on every document of the corpus (tests/data/feeds, or
 * $FEEDSD_TESTDATA) and on documents built to go wrong late (a Latin-1 byte, a
 * broken tag or an entity declaration far after the first piece, characters cut by a
 * piece boundary), with pieces from 16 bytes to 64 KiB. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/util.h"
#include "feeds/feed.h"
#include "feeds/parse.h"
#include "tests/unit/testdata.h"

/* The `feedsd parse` JSON of a result, or "error: " and the reason. */
static char *outcome(int rc, struct feed *f, const char *err)
{
    if (rc != 0)
        return xasprintf("error: %s", err);
    char *s = NULL;
    size_t n = 0;
    FILE *m = open_memstream(&s, &n);
    assert_non_null(m);
    assert_int_equal(feed_write_json(f, m), 0);
    fclose(m);
    feed_free(f);
    return s;
}

static int tmp_fd(const char *data, size_t len)
{
    char path[] = "/tmp/feedsd-test-parse-fd-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    unlink(path);
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        assert_true(w > 0);
        off += (size_t)w;
    }
    return fd;
}

/* Compares both ways for one document, with every piece size; returns how many of them
 * read the document in pieces (the others fell back to reading it whole). */
static int check_same(const char *name, const char *data, size_t len, const char *charset)
{
    int in_pieces = 0;
    static const size_t chunks[] = {16, 257, 4096, 65536};
    char err[256];
    struct feed *f = NULL;
    int rc = feed_parse(data, len, "https://example.org/feed", charset, &f, err, sizeof err);
    char *want = outcome(rc, f, err);
    int fd = tmp_fd(data, len);
    for (size_t i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
        struct feed *g = NULL;
        char err2[256];
        int whole = -1;
        int rc2 = feed_parse_fd_chunked(fd, len, "https://example.org/feed", charset, chunks[i],
                                        &g, &whole, err2, sizeof err2);
        assert_true(whole == 0 || whole == 1);
        in_pieces += !whole;
        char *got = outcome(rc2, g, err2);
        if (strcmp(want, got))
            fail_msg("%s (pieces of %zu bytes): feed_parse_fd differs from feed_parse\n"
                     "want: %.300s\ngot:  %.300s", name, chunks[i], want, got);
        free(got);
    }
    close(fd);
    free(want);
    return in_pieces;
}

static int walk(const char *dir, int *in_pieces)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int files = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        char *path = xasprintf("%s/%s", dir, de->d_name);
        struct stat st;
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            files += walk(path, in_pieces);
        } else if (S_ISREG(st.st_mode) && !strstr(de->d_name, ".md")) {
            char *data;
            size_t len;
            assert_int_equal(file_read_all(path, &data, &len), 0);
            *in_pieces += check_same(path, data, len, NULL) > 0;
            free(data);
            files++;
        }
        free(path);
    }
    closedir(d);
    return files;
}

static void test_corpus(void **state)
{
    (void)state;
    const char *dir = testdata_dir();
    int in_pieces = 0;
    int n = walk(dir, &in_pieces);
    if (n < 50)
        fail_msg("only %d documents under %s (set FEEDSD_TESTDATA)", n, dir);
    /* most corpus feeds are clean UTF-8 XML: the piece-wise path must be what ran */
    if (in_pieces < n / 2)
        fail_msg("only %d of %d documents were read in pieces", in_pieces, n);
}

/* An RSS document of n items; item k of `special` gets `text` in its description. */
static char *rss(int n, int special, const char *prolog, const char *text)
{
    struct buf b = {0};
    buf_puts(&b, prolog);
    buf_puts(&b, "<rss version=\"2.0\"><channel><title>Big</title><link>https://example.org/</link>\n");
    for (int k = 0; k < n; k++) {
        char *item = xasprintf("<item><title>Entry %d caf\xC3\xA9 \xE6\x95\xB0\xE6\x8D\xAE</title>"
                               "<guid>https://example.org/p/%d</guid><description>"
                               "<![CDATA[<p>Na\xC3\xAFve r\xC3\xA9sum\xC3\xA9 %d \xF0\x9F\x98\x80"
                               " <a href=\"/rel/%d\">link</a></p>]]>%s</description></item>\n",
                               k, k, k, k, k == special ? text : "");
        buf_puts(&b, item);
        free(item);
    }
    buf_puts(&b, "</channel></rss>\n");
    return buf_steal(&b);
}

static void test_built(void **state)
{
    (void)state;
    static const struct {
        const char *name, *prolog, *text, *charset;
        int pieces;   /* read in pieces (except with 16-byte pieces, which cut the
                         declaration: then read whole) */
    } cases[] = {
        {"clean", "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", "", NULL, 1},
        {"no declaration", "", "", NULL, 1},
        {"bom", "\xEF\xBB\xBF<?xml version=\"1.0\"?>", "", NULL, 1},
        {"standalone", "<?xml version=\"1.0\" encoding=\"utf-8\" standalone=\"yes\"?>", "", NULL, 1},
        /* valid UTF-8 wins over a declaration that lies (and over the HTTP charset) */
        {"lying declaration", "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>", "", "koi8-r", 1},
        /* a Latin-1 byte late: the whole document is windows-1252 after all */
        {"latin-1 late", "<?xml version=\"1.0\"?>", " caf\xE9 ", NULL, 0},
        {"latin-1 late declared", "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>", " caf\xE9 ",
         NULL, 0},
        {"control late", "", " bell\x07 ", NULL, 0},
        {"noncharacter late", "", " \xEF\xBF\xBE ", NULL, 0},
        /* not well-formed late: the recovery pass */
        {"broken late", "", "<![CDATA[</p>]]> & bare ampersand", NULL, 0},
        {"unclosed late", "", "</description></item><item><title>x", NULL, 0},
        /* HTML entity names are resolved by the strict pass itself (no recovery needed) */
        {"undeclared entity late", "", "&eacute;&nbsp;&hellip;", NULL, 1},
        {"junk after root", "", "", NULL, 0},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        char *doc = rss(1000, 900, cases[c].prolog, cases[c].text);
        size_t len = strlen(doc);
        if (c == sizeof cases / sizeof cases[0] - 1) {
            char *more = xasprintf("%s<junk>\xE9</junk>", doc);
            free(doc);
            doc = more;
            len = strlen(doc);
        }
        int in_pieces = check_same(cases[c].name, doc, len, cases[c].charset);
        if (cases[c].pieces && in_pieces < 3)
            fail_msg("%s: read in pieces %d times of 4", cases[c].name, in_pieces);
        if (!cases[c].pieces && in_pieces)
            fail_msg("%s: must be read whole", cases[c].name);
        free(doc);
    }
    /* entity declarations are refused either way, however late the DOCTYPE's end */
    char *doc = rss(300, -1, "<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY a \"b\">]>", "");
    check_same("entity declaration", doc, strlen(doc), NULL);
    free(doc);
    /* a declaration cut by the first piece */
    struct buf b = {0};
    buf_puts(&b, "<?xml version=\"1.0\"                                                  "
                 "                                             encoding=\"utf-8\"?>");
    char *body = rss(200, -1, "", "");
    buf_puts(&b, body);
    free(body);
    check_same("long declaration", b.data, b.len, NULL);
    buf_free(&b);
}

static void count_entry(void *ud, const struct entry *e)
{
    (void)e;
    ++*(size_t *)ud;
}

/* At most FEED_MAX_ENTRIES entries of a document are kept; the ones after are counted in
 * entries_dropped (the daemon logs it once per feed), read whole, in pieces through a
 * sink, and from a JSON Feed alike. */
static void test_entry_cap_counts_the_dropped(void **state)
{
    (void)state;
    const size_t n = FEED_MAX_ENTRIES + 3;
    struct buf b = {0};
    buf_puts(&b, "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Big</title>");
    for (size_t i = 0; i < n; i++)
        buf_printf(&b, "<item><guid>g%zu</guid></item>", i);
    buf_puts(&b, "</channel></rss>");
    char err[256];
    struct feed *f = NULL;
    assert_int_equal(feed_parse(b.data, b.len, NULL, NULL, &f, err, sizeof err), 0);
    assert_int_equal(f->nentries, FEED_MAX_ENTRIES);
    assert_int_equal(f->entries_dropped, 3);
    feed_free(f);
    int fd = tmp_fd(b.data, b.len);
    size_t counted = 0;
    int streamed = 0;
    struct feed_sink sink = {count_entry, &counted};
    f = NULL;
    assert_int_equal(feed_parse_fd_sink(fd, b.len, NULL, NULL, &sink, &f, &streamed, err,
                                        sizeof err), 0);
    close(fd);
    assert_true(streamed);
    assert_int_equal(counted, FEED_MAX_ENTRIES);
    assert_int_equal(f->entries_dropped, 3);
    feed_free(f);
    buf_free(&b);
    /* under the cap: nothing dropped */
    char *small = rss(10, -1, "", "");
    assert_int_equal(feed_parse(small, strlen(small), NULL, NULL, &f, err, sizeof err), 0);
    assert_int_equal(f->entries_dropped, 0);
    feed_free(f);
    free(small);
    buf_puts(&b, "{\"version\": \"https://jsonfeed.org/version/1.1\", \"title\": \"J\", \"items\": [");
    for (size_t i = 0; i < FEED_MAX_ENTRIES + 1; i++)
        buf_printf(&b, "%s{\"id\": \"%zu\"}", i ? "," : "", i);
    buf_puts(&b, "]}");
    assert_int_equal(feed_parse(b.data, b.len, NULL, NULL, &f, err, sizeof err), 0);
    assert_int_equal(f->nentries, FEED_MAX_ENTRIES);
    assert_int_equal(f->entries_dropped, 1);
    feed_free(f);
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corpus),
        cmocka_unit_test(test_built),
        cmocka_unit_test(test_entry_cap_counts_the_dropped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
