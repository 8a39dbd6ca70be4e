/* tests/unit/test_url.c: url_resolve against every example of RFC 3986 section 5.4,
 * url_normalize (the identity alias form), url_origin and url_is_http. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "feeds/url.h"

struct pair { const char *in, *want; };

/* RFC 3986 5.4.1 (normal) and 5.4.2 (abnormal, strict parser), base "http://a/b/c/d;p?q". */
static const struct pair rfc3986[] = {
    {"g:h", "g:h"}, {"g", "http://a/b/c/g"}, {"./g", "http://a/b/c/g"},
    {"g/", "http://a/b/c/g/"}, {"/g", "http://a/g"}, {"//g", "http://g"},
    {"?y", "http://a/b/c/d;p?y"}, {"g?y", "http://a/b/c/g?y"},
    {"#s", "http://a/b/c/d;p?q#s"}, {"g#s", "http://a/b/c/g#s"},
    {"g?y#s", "http://a/b/c/g?y#s"}, {";x", "http://a/b/c/;x"},
    {"g;x", "http://a/b/c/g;x"}, {"g;x?y#s", "http://a/b/c/g;x?y#s"},
    {"", "http://a/b/c/d;p?q"}, {".", "http://a/b/c/"}, {"./", "http://a/b/c/"},
    {"..", "http://a/b/"}, {"../", "http://a/b/"}, {"../g", "http://a/b/g"},
    {"../..", "http://a/"}, {"../../", "http://a/"}, {"../../g", "http://a/g"},
    /* 5.4.2 abnormal */
    {"../../../g", "http://a/g"}, {"../../../../g", "http://a/g"},
    {"/./g", "http://a/g"}, {"/../g", "http://a/g"}, {"g.", "http://a/b/c/g."},
    {".g", "http://a/b/c/.g"}, {"g..", "http://a/b/c/g.."}, {"..g", "http://a/b/c/..g"},
    {"./../g", "http://a/b/g"}, {"./g/.", "http://a/b/c/g/"}, {"g/./h", "http://a/b/c/g/h"},
    {"g/../h", "http://a/b/c/h"}, {"g;x=1/./y", "http://a/b/c/g;x=1/y"},
    {"g;x=1/../y", "http://a/b/c/y"}, {"g?y/./x", "http://a/b/c/g?y/./x"},
    {"g?y/../x", "http://a/b/c/g?y/../x"}, {"g#s/./x", "http://a/b/c/g#s/./x"},
    {"g#s/../x", "http://a/b/c/g#s/../x"}, {"http:g", "http:g"},
};

static void test_rfc3986_examples(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof rfc3986 / sizeof rfc3986[0]; i++) {
        char *r = url_resolve("http://a/b/c/d;p?q", rfc3986[i].in);
        if (!r || strcmp(r, rfc3986[i].want) != 0)
            fail_msg("\"%s\": got %s, want %s", rfc3986[i].in, r ? r : "(null)",
                     rfc3986[i].want);
        free(r);
    }
}

/* Cases feeds produce: bases without a path, xml:base directories, whitespace. */
static void test_resolve_feed_cases(void **state)
{
    (void)state;
    static const struct { const char *base, *ref, *want; } c[] = {
        {"https://example.com", "post.html", "https://example.com/post.html"},
        {"https://example.com", "?page=2", "https://example.com?page=2"},
        {"https://example.com/blog/", "2024/01/x.html", "https://example.com/blog/2024/01/x.html"},
        {"https://example.com/blog/feed.xml", "../img/a.png", "https://example.com/img/a.png"},
        {"https://example.com/blog/feed.xml", "//cdn.example.org/a.js", "https://cdn.example.org/a.js"},
        {"https://example.com/a/b#frag", "c", "https://example.com/a/c"},
        {"https://example.com/a/b", "  \n c.html\t ", "https://example.com/a/c.html"},
        {"https://example.com/a/b", "HTTPS://Other.example/X", "HTTPS://Other.example/X"},
        {"https://example.com/a/b", "mailto:me@example.com", "mailto:me@example.com"},
        {"http://www.qemu.org/blog/", "/2025/08/26/x/", "http://www.qemu.org/2025/08/26/x/"},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        char *r = url_resolve(c[i].base, c[i].ref);
        if (!r || strcmp(r, c[i].want) != 0)
            fail_msg("%s + \"%s\": got %s, want %s", c[i].base, c[i].ref, r ? r : "(null)",
                     c[i].want);
        free(r);
    }
    /* No base: the reference as it is. NULL reference: NULL. */
    char *r = url_resolve(NULL, "a/b c");
    assert_string_equal(r, "a/b c");
    free(r);
    assert_null(url_resolve("http://a/", NULL));
    assert_null(url_resolve(NULL, NULL));
}

static const struct pair normal[] = {
    /* the simonwillison.net id rewrite */
    {"https://simonwillison.net/2024/Dec/19/is-ai-progress-slowing-down/#atom-everything",
     "https://simonwillison.net/2024/Dec/19/is-ai-progress-slowing-down"},
    {"https://simonwillison.net/2024/Dec/19/is-ai-progress-slowing-down/",
     "https://simonwillison.net/2024/Dec/19/is-ai-progress-slowing-down"},
    {"http://simonwillison.net/2024/Dec/19/is-ai-progress-slowing-down",
     "https://simonwillison.net/2024/Dec/19/is-ai-progress-slowing-down"},
    /* scheme and host case, path case kept */
    {"HTTP://Example.COM/Path/To", "https://example.com/Path/To"},
    {"hTTps://EXAMPLE.com", "https://example.com"},
    {"https://example.com/", "https://example.com"},
    {"https://example.com///", "https://example.com"},
    /* default ports */
    {"http://example.com:80/a", "https://example.com/a"},
    {"https://example.com:443/a", "https://example.com/a"},
    {"https://example.com:/a", "https://example.com/a"},
    {"http://example.com:8080/a", "https://example.com:8080/a"},
    {"http://example.com:0080/a", "https://example.com/a"},
    /* tracking parameters removed, others kept in order */
    {"https://e.com/p?utm_source=feedburner&utm_medium=feed&utm_campaign=x",
     "https://e.com/p"},
    {"https://e.com/p?b=2&utm_source=x&a=1&fbclid=abc&gclid=1&c=3", "https://e.com/p?b=2&a=1&c=3"},
    {"https://e.com/p?mc_cid=1&mc_eid=2&_hsenc=3&_hsmi=4&yclid=5&igshid=6&dclid=7&id=9",
     "https://e.com/p?id=9"},
    {"https://medium.com/@x/title-abc?source=rss----4---4", "https://medium.com/@x/title-abc"},
    {"https://e.com/p?source=newsletter", "https://e.com/p?source=newsletter"},
    {"https://e.com/p?ref=rss", "https://e.com/p"},
    {"https://e.com/p?ref=v2", "https://e.com/p?ref=v2"},
    {"https://e.com/p?UTM_Source=x&q=1", "https://e.com/p?q=1"},
    {"https://e.com/p?", "https://e.com/p"},
    {"https://e.com/p?&&", "https://e.com/p"},
    {"https://e.com/p?a=1&&b=2", "https://e.com/p?a=1&b=2"},
    {"https://e.com/p?q=a%2fb", "https://e.com/p?q=a%2Fb"},
    /* fragment removed */
    {"https://e.com/p#section-2", "https://e.com/p"},
    {"https://e.com/p?x=1#frag", "https://e.com/p?x=1"},
    /* RFC 3986 6.2.2: percent-encoding and dot segments */
    {"https://e.com/%7Euser/%41b%2d", "https://e.com/~user/Ab-"},
    {"https://e.com/a%2fb%c3%a9", "https://e.com/a%2Fb%C3%A9"},
    {"https://e.com/a/./b/../c", "https://e.com/a/c"},
    {"https://e.com/a/%2E%2E/c", "https://e.com/c"},
    /* www. kept, userinfo kept, IPv6 */
    {"https://www.example.com/x", "https://www.example.com/x"},
    {"http://User@Example.com/x", "https://User@example.com/x"},
    {"http://[2001:DB8::1]:80/x", "https://[2001:db8::1]/x"},
    /* whitespace around and inside (wrapped <link> values) */
    {"  https://e.com/a\n/b\t ", "https://e.com/a/b"},
};

static void test_normalize(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof normal / sizeof normal[0]; i++) {
        char *r = url_normalize(normal[i].in);
        if (!r || strcmp(r, normal[i].want) != 0)
            fail_msg("\"%s\": got %s, want %s", normal[i].in, r ? r : "(null)", normal[i].want);
        free(r);
    }
    static const char *const not_http[] = {
        NULL, "", "/relative/path", "example.com/x", "ftp://example.com/x",
        "mailto:me@example.com", "http://", "https:///path", "http:example.com",
        "urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a", "tag:example.com,2024:1",
    };
    for (size_t i = 0; i < sizeof not_http / sizeof not_http[0]; i++) {
        char *r = url_normalize(not_http[i]);
        if (r)
            fail_msg("\"%s\" normalised to %s", not_http[i] ? not_http[i] : "NULL", r);
        assert_int_equal(url_is_http(not_http[i]), 0);
    }
}

/* Normalising twice changes nothing. */
static void test_normalize_idempotent(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof normal / sizeof normal[0]; i++) {
        char *a = url_normalize(normal[i].in);
        char *b = url_normalize(a);
        assert_non_null(b);
        assert_string_equal(a, b);
        free(a);
        free(b);
    }
}

static void test_origin(void **state)
{
    (void)state;
    static const struct pair c[] = {
        {"https://Example.COM/a/b?c#d", "https://example.com:443"},
        {"http://example.com/", "http://example.com:80"},
        {"HTTP://example.com:8080/x", "http://example.com:8080"},
        {"https://user:pw@feeds.example.org:8443", "https://feeds.example.org:8443"},
        {"http://[::1]:9000/feed", "http://[::1]:9000"},
        {"http://[::1]/feed", "http://[::1]:80"},
        {" https://e.com/x ", "https://e.com:443"},
        {"http://exa\tmple.com\n/x y", "http://example.com:80"},   /* cleaned first */
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        char *r = url_origin(c[i].in);
        if (!r || strcmp(r, c[i].want) != 0)
            fail_msg("\"%s\": got %s, want %s", c[i].in, r ? r : "(null)", c[i].want);
        free(r);
    }
    assert_null(url_origin(NULL));
    assert_null(url_origin("/just/a/path"));
    assert_null(url_origin("mailto:x@example.com"));
    assert_null(url_origin("http://"));
}

static void test_is_http(void **state)
{
    (void)state;
    assert_int_equal(url_is_http("http://example.com"), 1);
    assert_int_equal(url_is_http("https://example.com/x?y#z"), 1);
    assert_int_equal(url_is_http("HTTPS://EXAMPLE.COM"), 1);
    assert_int_equal(url_is_http(" \thttps://exa\nmple.com/x y\r\n"), 1);   /* cleaned first */
    assert_int_equal(url_is_http("http\t://example.com"), 1);
    assert_int_equal(url_is_http("http ://example.com"), 0);   /* a space stays */
    assert_int_equal(url_is_http("httpx://example.com"), 0);
    assert_int_equal(url_is_http("feed://example.com/rss"), 0);
    assert_int_equal(url_is_http("//example.com/x"), 0);
    assert_int_equal(url_is_http("https://"), 0);
    assert_int_equal(url_is_http("https://user@"), 0);
}

static void test_strip_tracking(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"https://simonwillison.net/2024/Dec/19/is-ai-progress-slowing-down/#atom-everything",
         "https://simonwillison.net/2024/Dec/19/is-ai-progress-slowing-down/"},
        {"https://example.org/a?utm_source=rss&id=3&utm_medium=feed#section-2",
         "https://example.org/a?id=3#section-2"},
        {"https://example.org/a?utm_source=rss", "https://example.org/a"},
        {"http://Example.org/A/B/", "http://Example.org/A/B/"},
        {"https://www.lemonde.fr/x.html#xtor=RSS-3208", "https://www.lemonde.fr/x.html"},
        {"https://example.org/#top", "https://example.org/#top"},
        {"mailto:someone@example.org", "mailto:someone@example.org"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = url_strip_tracking(cases[i][0]);
        assert_string_equal(got, cases[i][1]);
        free(got);
    }
    assert_null(url_strip_tracking(NULL));
}

/* Credentials in a feed URL are for the request only (issue 14): the shown form has none. */
static void test_redact(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"http://bob:S3CRET@example.org/feed", "http://example.org/feed"},
        {"https://bob@example.org:8443/a?b#c", "https://example.org:8443/a?b#c"},
        {"http://bob:p@ss@example.org/", "http://example.org/"},      /* the last '@' */
        {"http://:@example.org", "http://example.org"},
        {"http://bob:x@[::1]:8080/f", "http://[::1]:8080/f"},
        {" http://bob:x@example.org/f\n", "http://example.org/f"},
        {"http://example.org/a@b", "http://example.org/a@b"},         /* '@' in the path */
        {"http://example.org/?q=a@b#x@y", "http://example.org/?q=a@b#x@y"},
        {"mailto:bob@example.org", "mailto:bob@example.org"},          /* no authority */
        {"relative/path@x", "relative/path@x"},
        {" http://example.org/f\n", " http://example.org/f\n"},    /* none: as given */
        {"", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = url_redact(cases[i][0]);
        if (strcmp(got, cases[i][1]) != 0)
            fail_msg("\"%s\": got %s, want %s", cases[i][0], got, cases[i][1]);
        free(got);
    }
    assert_null(url_redact(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strip_tracking),
        cmocka_unit_test(test_rfc3986_examples),
        cmocka_unit_test(test_resolve_feed_cases),
        cmocka_unit_test(test_normalize),
        cmocka_unit_test(test_normalize_idempotent),
        cmocka_unit_test(test_origin),
        cmocka_unit_test(test_is_http),
        cmocka_unit_test(test_redact),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
