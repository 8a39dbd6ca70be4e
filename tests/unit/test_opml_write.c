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
        {"https://a.example/feed?x=1&y=2", "Tom & Jerry's \"Best\" <Blog>", "https://a.example/", NULL},
        {"http://b.example/rss", NULL, NULL, NULL},
        {"http://c.example/atom", "Tabs\tand\nnewlines  kept", NULL, NULL},
        {"http://d.example/atom", "Bell\x07 gone", "http://d.example/?a=1&b=2", NULL},
        {"http://e.example/x", "Ünïcödé — 日本語", NULL, NULL},
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

/* Categories out as folders and back in as paths: feeds without one first, folders by
 * name level by level ("Tech/Linux" inside "Tech", before "Tech news"), each folder's
 * feeds in their order; the category= attribute of a feed outside any folder. */
static void test_categories(void **state)
{
    (void)state;
    const struct opml_out in[] = {
        {"http://1.example/", "One", NULL, "Tech news"},
        {"http://2.example/", "Two", NULL, "Tech/Linux"},
        {"http://3.example/", "Three", NULL, NULL},
        {"http://4.example/", "Four", NULL, "Tech"},
        {"http://5.example/", "Five", NULL, "Tech/Linux"},
        {"http://6.example/", "Six", NULL, "A & B"},
    };
    size_t nin = sizeof in / sizeof in[0];
    char *doc = opml_write(in, nin, NULL, 0);
    assert_non_null(doc);
    struct opml_feed *out = NULL;
    size_t n = 0;
    char err[256];
    assert_int_equal(opml_parse(doc, strlen(doc), &out, &n, err, sizeof err), 0);
    static const char *const url[] = {"http://3.example/", "http://6.example/",
                                      "http://4.example/", "http://2.example/",
                                      "http://5.example/", "http://1.example/"};
    static const char *const cat[] = {NULL, "A & B", "Tech", "Tech/Linux", "Tech/Linux",
                                      "Tech news"};
    assert_int_equal(n, nin);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(out[i].url, url[i]);
        if (cat[i])
            assert_string_equal(out[i].category, cat[i]);
        else
            assert_null(out[i].category);
    }
    assert_non_null(strstr(doc, "<outline text=\"Linux\" title=\"Linux\">"));
    opml_free(out, n);
    free(doc);

    const char *attr = "<opml version=\"2.0\"><body>"
                       "<outline text=\"a\" xmlUrl=\"http://a/\" category=\"/Boston/ Weather ,/Other\"/>"
                       "<outline text=\"Folder\"><outline text=\"b\" xmlUrl=\"http://b/\""
                       " category=\"/Ignored\"/></outline>"
                       "<outline text=\"c\" xmlUrl=\"http://c/\" category=\"//\"/>"
                       "</body></opml>";
    out = NULL;
    n = 0;
    assert_int_equal(opml_parse(attr, strlen(attr), &out, &n, err, sizeof err), 0);
    assert_int_equal(n, 3);
    assert_string_equal(out[0].category, "Boston/Weather");
    assert_string_equal(out[1].category, "Folder");   /* the folder wins */
    assert_null(out[2].category);
    opml_free(out, n);
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
        cmocka_unit_test(test_categories),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
