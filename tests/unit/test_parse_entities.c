/* tests/unit/test_parse_entities.c: entities declared in a feed's internal subset
 * (feeds/parse_entities.c): plain internal entities are expanded; nesting, external and
 * parameter entities, too many or too long declarations and too much expansion refuse
 * the document, whole or read in pieces alike. Owned by the feed-parser engineer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/util.h"
#include "feeds/feed.h"
#include "feeds/parse.h"

static char errbuf[256];

/* The document parsed whole and through a file read in pieces of 64 bytes: both must
 * agree. Returns the whole parse's status (and *out on success). */
static int parse_both(const char *doc, struct feed **out)
{
    *out = NULL;
    int rc = feed_parse(doc, strlen(doc), NULL, NULL, out, errbuf, sizeof errbuf);
    char path[] = "/tmp/test_parse_entities.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    unlink(path);
    assert_int_equal(write(fd, doc, strlen(doc)), (ssize_t)strlen(doc));
    struct feed *g = NULL;
    int whole = -1;
    char err2[256];
    int rc2 = feed_parse_fd_chunked(fd, strlen(doc), NULL, NULL, 64, &g, &whole, err2, sizeof err2);
    close(fd);
    assert_int_equal(rc, rc2);
    if (rc == 0) {
        assert_int_equal(g->nentries, (*out)->nentries);
        if (g->nentries && (*out)->entries[0].title)
            assert_string_equal(g->entries[0].title, (*out)->entries[0].title);
    } else {
        assert_string_equal(errbuf, err2);
    }
    feed_free(g);
    return rc;
}

static void refused(const char *doc, const char *why)
{
    struct feed *f = NULL;
    assert_int_equal(parse_both(doc, &f), -1);
    assert_null(f);
    if (!strstr(errbuf, why))
        fail_msg("'%s' does not say '%s'", errbuf, why);
}

static void test_plain_entities_expand(void **state)
{
    (void)state;
    const char *doc = "<?xml version=\"1.0\"?>\n"
                      "<!DOCTYPE rss [\n"
                      "  <!ENTITY site \"tag:example.org,\">\n"
                      "  <!ENTITY corp \"AT&amp;T &#169; &#x263A; &lt;b&gt;\">\n"
                      "  <!ENTITY dash \"&mdash;\">\n"
                      "  <!ENTITY site \"ignored: the first declaration binds\">\n"
                      "]>\n"
                      "<rss version=\"2.0\"><channel><title>News &dash; &corp;</title>"
                      "<link>http://example.org/?a=&site;</link>"
                      "<item><guid isPermaLink=\"false\">&site;2024:1</guid>"
                      "<description>&corp;</description></item></channel></rss>";
    struct feed *f = NULL;
    assert_int_equal(parse_both(doc, &f), 0);
    /* a plain-text field: the value's "<b>" reads as markup and goes */
    assert_string_equal(f->title, "News \xE2\x80\x94 AT&T \xC2\xA9 \xE2\x98\xBA");
    assert_string_equal(f->link, "http://example.org/?a=tag:example.org,");
    assert_int_equal(f->nentries, 1);
    assert_string_equal(f->entries[0].id, "tag:example.org,2024:1");
    /* the value is text: in an HTML field its "<b>" is markup, as escaped HTML would be */
    assert_string_equal(f->entries[0].summary, "AT&T \xC2\xA9 \xE2\x98\xBA <b>");
    feed_free(f);
}

static void test_entity_in_attribute_is_kept_as_written(void **state)
{
    (void)state;
    const char *doc = "<!DOCTYPE feed [<!ENTITY host \"example.org\">]>"
                      "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>t</title>"
                      "<entry><title>&host;</title><link href=\"http://&host;/a\"/></entry></feed>";
    struct feed *f = NULL;
    assert_int_equal(parse_both(doc, &f), 0);
    assert_string_equal(f->entries[0].title, "example.org");
    assert_string_equal(f->entries[0].link, "http://&host;/a");
    feed_free(f);
}

static void test_nesting_is_refused(void **state)
{
    (void)state;
    /* billion laughs needs an entity that refers to another: one level is enough to stop */
    refused("<!DOCTYPE rss [<!ENTITY a \"x\"><!ENTITY b \"&a;&a;\">]>"
            "<rss><channel><title>&b;</title></channel></rss>",
            "refer to other entities");
    refused("<!DOCTYPE rss [<!ENTITY b \"&a;\"><!ENTITY a \"x\">]>"
            "<rss><channel><title>&b;</title></channel></rss>",
            "refer to other entities");
}

static void test_external_and_parameter_entities_are_refused(void **state)
{
    (void)state;
    refused("<!DOCTYPE rss [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
            "<rss><channel><title>&x;</title></channel></rss>",
            "external or parameter entities");
    refused("<!DOCTYPE rss [<!ENTITY x PUBLIC \"-//x//EN\" \"http://127.0.0.1:9/x\">]>"
            "<rss><channel><title>&x;</title></channel></rss>",
            "external or parameter entities");
    refused("<!DOCTYPE rss [<!ENTITY % p \"x\">]><rss><channel><title>t</title></channel></rss>",
            "external or parameter entities");
}

static void test_count_and_length_limits(void **state)
{
    (void)state;
    struct buf b = {0};
    buf_puts(&b, "<!DOCTYPE rss [");
    for (int i = 0; i < 32; i++)
        buf_printf(&b, "<!ENTITY e%d \"%d\">", i, i);
    buf_puts(&b, "]><rss><channel><title>&e0;&e31;</title></channel></rss>");
    struct feed *f = NULL;
    assert_int_equal(parse_both(b.data, &f), 0);   /* 32 are allowed */
    assert_string_equal(f->title, "031");
    feed_free(f);
    buf_free(&b);

    buf_puts(&b, "<!DOCTYPE rss [");
    for (int i = 0; i < 33; i++)
        buf_printf(&b, "<!ENTITY e%d \"%d\">", i, i);
    buf_puts(&b, "]><rss><channel><title>&e0;</title></channel></rss>");
    refused(b.data, "more than 32 entities");
    buf_free(&b);

    buf_puts(&b, "<!DOCTYPE rss [<!ENTITY long \"");
    for (int i = 0; i < 4097; i++)
        buf_putc(&b, 'x');
    buf_puts(&b, "\">]><rss><channel><title>&long;</title></channel></rss>");
    refused(b.data, "longer than 4096 bytes");
    buf_free(&b);
}

/* The quadratic blowup: one long entity referenced many times. 4000 bytes 100 times
 * (400,000 bytes) is read; 600 times (2,400,000, over 1 MiB) is refused. The margins are
 * wide because the budget is spent per lookup, and libxml2 may look an entity up more
 * than once for one reference. */
static void test_expansion_limit(void **state)
{
    (void)state;
    for (int refs = 100; refs <= 600; refs += 500) {
        struct buf b = {0};
        buf_puts(&b, "<!DOCTYPE rss [<!ENTITY big \"");
        for (int i = 0; i < 4000; i++)
            buf_putc(&b, 'a' + i % 26);
        buf_puts(&b, "\">]><rss><channel><title>t</title><item><description>");
        for (int i = 0; i < refs; i++)
            buf_puts(&b, "&big;");
        buf_puts(&b, "</description></item></channel></rss>");
        if (refs == 600) {
            refused(b.data, "expand to more than 1 MiB");
        } else {
            struct feed *f = NULL;
            assert_int_equal(parse_both(b.data, &f), 0);
            assert_int_equal(strlen(f->entries[0].summary), 4000 * refs);
            feed_free(f);
        }
        buf_free(&b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_entities_expand),
        cmocka_unit_test(test_entity_in_attribute_is_kept_as_written),
        cmocka_unit_test(test_nesting_is_refused),
        cmocka_unit_test(test_external_and_parameter_entities_are_refused),
        cmocka_unit_test(test_count_and_length_limits),
        cmocka_unit_test(test_expansion_limit),
    };
    return cmocka_run_group_tests_name("parse_entities", tests, NULL, NULL);
}
