/* tests/unit/test_discover.c: feed autodiscovery on HTML pages (feeds/discover.c): which
 * links count, how hrefs resolve, ranking, comment feeds, guesses from <a href>. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "feeds/discover.h"

static size_t find(const char *html, const char *base, struct discover_link **l)
{
    size_t n;
    discover_links(html, strlen(html), base, l, &n);
    return n;
}

static void test_types_and_resolution(void **state)
{
    (void)state;
    const char *html =
        "<!DOCTYPE html><html><head><title>Blog</title>"
        "<link rel=\"stylesheet\" type=\"text/css\" href=\"/s.css\">"
        "<link rel=\"alternate\" type=\"application/rss+xml\" title=\"RSS\" href=\"/rss.xml\">"
        "<LINK REL=\"Alternate Feed\" TYPE=\"Application/Atom+XML; charset=utf-8\""
        " title=\" Atom \n feed \" href=\"atom.xml\">"
        "<link rel=\"alternate\" type=\"application/feed+json\" href=\"https://cdn.example/f.json\">"
        "<link rel=\"alternate\" hreflang=\"de\" href=\"/de/\">"
        "<link rel=\"alternate\" type=\"application/rss+xml\" href=\"ftp://x/y\">"
        "<link rel=\"alternate\" type=\"application/rss+xml\" href=\"/rss.xml\">"
        "</head><body></body></html>";
    struct discover_link *l;
    size_t n = find(html, "https://example.org/blog/index.html", &l);
    assert_int_equal(n, 3);
    assert_string_equal(l[0].url, "https://example.org/rss.xml");
    assert_int_equal(l[0].kind, DISCOVER_RSS);
    assert_string_equal(l[0].title, "RSS");
    assert_string_equal(l[1].url, "https://example.org/blog/atom.xml");
    assert_int_equal(l[1].kind, DISCOVER_ATOM);
    assert_string_equal(l[1].title, "Atom feed");
    assert_string_equal(l[2].url, "https://cdn.example/f.json");
    assert_int_equal(l[2].kind, DISCOVER_JSON);
    assert_null(l[2].title);
    assert_int_equal(discover_rank(l, n), 1);
    assert_string_equal(l[0].url, "https://example.org/blog/atom.xml");
    assert_string_equal(l[1].url, "https://example.org/rss.xml");
    assert_string_equal(discover_kind_name(l[2].kind), "json");
    discover_free(l, n);
}

static void test_base_href(void **state)
{
    (void)state;
    const char *html = "<html><head><base href=\"/sub/dir/\">"
                       "<link rel=alternate type=application/atom+xml href=feed></head></html>";
    struct discover_link *l;
    size_t n = find(html, "http://h.example/a/b", &l);
    assert_int_equal(n, 1);
    assert_string_equal(l[0].url, "http://h.example/sub/dir/feed");
    discover_free(l, n);
}

/* WordPress: posts RSS, comments RSS, and the REST API as application/json. */
static void test_wordpress_comments_and_rest(void **state)
{
    (void)state;
    const char *html =
        "<head><link rel=\"alternate\" type=\"application/rss+xml\" title=\"Site &raquo; Comments Feed\""
        " href=\"https://w.example/comments/feed/\">"
        "<link rel=\"alternate\" type=\"application/rss+xml\" title=\"Site &raquo; Feed\""
        " href=\"https://w.example/feed/\">"
        "<link rel=\"alternate\" type=\"application/json\" href=\"https://w.example/wp-json/wp/v2/pages/2\">"
        "</head>";
    struct discover_link *l;
    size_t n = find(html, "https://w.example/", &l);
    assert_int_equal(n, 2);
    assert_int_equal(l[0].comments, 1);
    assert_int_equal(discover_rank(l, n), 1);
    assert_string_equal(l[0].url, "https://w.example/feed/");
    assert_int_equal(l[0].comments, 0);
    assert_int_equal(l[1].comments, 1);
    discover_free(l, n);
}

static void test_two_equal_feeds(void **state)
{
    (void)state;
    const char *html =
        "<head><link rel=alternate type=application/atom+xml title=Posts href=/posts.atom>"
        "<link rel=alternate type=application/rss+xml title=Old href=/old.rss>"
        "<link rel=alternate type=application/atom+xml title=Links href=/links.atom></head>";
    struct discover_link *l;
    size_t n = find(html, "http://x.example/", &l);
    assert_int_equal(n, 3);
    assert_int_equal(discover_rank(l, n), 2);
    assert_string_equal(l[0].title, "Posts");
    assert_string_equal(l[1].title, "Links");
    assert_string_equal(l[2].title, "Old");
    discover_free(l, n);
}

static void test_guesses_from_anchors(void **state)
{
    (void)state;
    const char *html =
        "<body><a href=\"/about\">About</a><a href=\"/feed/\">Subscribe</a>"
        "<a href=\"/posts/feedback\">x</a><a href=\"index.xml?x=1\">Hugo</a>"
        "<a href=\"mailto:a@b\">m</a><a href=\"/blog.atom\">A</a></body>";
    struct discover_link *l;
    size_t n = find(html, "http://g.example/blog/", &l);
    assert_int_equal(n, 3);
    assert_string_equal(l[0].url, "http://g.example/feed/");
    assert_int_equal(l[0].kind, DISCOVER_GUESS);
    assert_string_equal(l[0].title, "Subscribe");
    assert_string_equal(l[1].url, "http://g.example/blog/index.xml?x=1");
    assert_string_equal(l[2].url, "http://g.example/blog.atom");
    discover_free(l, n);
}

/* A guess that the head also advertises takes the advertised kind, once. */
static void test_guess_promoted(void **state)
{
    (void)state;
    const char *html = "<body><a href=/feed>feed</a></body>"
                       "<link rel=alternate type=application/rss+xml href=/feed>";
    struct discover_link *l;
    size_t n = find(html, "http://p.example/", &l);
    assert_int_equal(n, 1);
    assert_int_equal(l[0].kind, DISCOVER_RSS);
    discover_free(l, n);
}

/* A script in the head that writes markup, before the feed's <link>. libxml2 2.9 (without
 * HTML_PARSE_RECOVER) ends the script at the string's first "</" and a letter; at "</head>"
 * that closes the head, and the rest of the script and the <link> go into the body. The
 * whole tree is searched, so the feed is found either way. */
static void test_script_with_markup_in_head(void **state)
{
    (void)state;
    const char *html =
        "<html><head><title>Blog</title>"
        "<script>document.write(\"<p>a</p>\");</script>"
        "<script>document.write('<meta name=\"x\" content=\"y\"></head>');</script>"
        "<link rel=\"alternate\" type=\"application/atom+xml\" href=\"/feed.atom\">"
        "</head><body><p>Post</p></body></html>";
    struct discover_link *l;
    size_t n = find(html, "https://s.example/", &l);
    assert_int_equal(n, 1);
    assert_string_equal(l[0].url, "https://s.example/feed.atom");
    assert_int_equal(l[0].kind, DISCOVER_ATOM);
    discover_free(l, n);
}

static void test_nothing(void **state)
{
    (void)state;
    struct discover_link *l;
    assert_int_equal(find("", "http://e.example/", &l), 0);
    assert_null(l);
    assert_int_equal(find("not html at all \x01\xff", NULL, &l), 0);
    discover_free(l, 0);
    assert_int_equal(discover_rank(NULL, 0), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_types_and_resolution), cmocka_unit_test(test_base_href),
        cmocka_unit_test(test_wordpress_comments_and_rest),
        cmocka_unit_test(test_two_equal_feeds), cmocka_unit_test(test_guesses_from_anchors),
        cmocka_unit_test(test_guess_promoted), cmocka_unit_test(test_script_with_markup_in_head),
        cmocka_unit_test(test_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
