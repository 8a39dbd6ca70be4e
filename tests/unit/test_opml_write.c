/* tests/unit/test_opml_write.c: OPML 2.0 out (feeds/opml_write.c) and back in through
 * opml_parse(): titles with markup characters, quotes, white space and control bytes;
 * feeds without a title; the required attributes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "feeds/opml.h"
#include "feeds/opml_write.h"

static void test_round_trip(void **state)
{
    (void)state;
    const struct opml_out in[] = {
        {"https://a.example/feed?x=1&y=2", "Tom & Jerry's \"Best\" <Blog>", "https://a.example/"},
        {"http://b.example/rss", NULL, NULL},
        {"http://c.example/atom", "Tabs\tand\nnewlines  kept", NULL},
        {"http://d.example/atom", "Bell\x07 gone", "http://d.example/?a=1&b=2"},
        {"http://e.example/x", "Ünïcödé — 日本語", NULL},
    };
    size_t nin = sizeof in / sizeof in[0];
    char *doc = opml_write(in, nin, "feedsd & co", 1767225600);   /* 2026-01-01 */
    assert_non_null(doc);
    assert_non_null(strstr(doc, "<opml version=\"2.0\">"));
    assert_non_null(strstr(doc, "<title>feedsd &amp; co</title>"));
    assert_non_null(strstr(doc, "<dateCreated>Thu, 01 Jan 2026 00:00:00 GMT</dateCreated>"));
    assert_non_null(strstr(doc, "xmlUrl=\"https://a.example/feed?x=1&amp;y=2\""));
    assert_non_null(strstr(doc, "htmlUrl=\"https://a.example/\""));
    assert_null(strchr(doc, '\x07'));
    /* No title: text carries the URL, title= is absent. */
    assert_non_null(strstr(doc, "text=\"http://b.example/rss\" xmlUrl="));
    assert_int_equal(doc[strlen(doc) - 1], '\n');

    struct opml_feed *out = NULL;
    size_t n = 0;
    char err[256];
    assert_int_equal(opml_parse(doc, strlen(doc), &out, &n, err, sizeof err), 0);
    assert_int_equal(n, nin);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(out[i].url, in[i].url);
    assert_string_equal(out[0].title, in[0].title);
    assert_string_equal(out[1].title, "http://b.example/rss");
    assert_string_equal(out[2].title, "Tabs\tand\nnewlines  kept");
    assert_string_equal(out[3].title, "Bell gone");
    assert_string_equal(out[4].title, in[4].title);
    opml_free(out, n);
    free(doc);
}

static void test_empty(void **state)
{
    (void)state;
    char *doc = opml_write(NULL, 0, NULL, 0);
    assert_non_null(doc);
    assert_non_null(strstr(doc, "<body"));
    assert_null(strstr(doc, "dateCreated"));
    struct opml_feed *out = NULL;
    size_t n = 0;
    char err[256];
    assert_int_equal(opml_parse(doc, strlen(doc), &out, &n, err, sizeof err), 0);
    assert_int_equal(n, 0);
    opml_free(out, n);
    free(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_empty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
