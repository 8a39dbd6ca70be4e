/* tests/unit/test_parse_corpus.c: the feed parser on real documents of the corpus
 * (tests/data/feeds, or $FEEDSD_TESTDATA): xml:base, entities, quirky and not-a-feed
 * documents, checked field by field, partly against the expected/ results recorded by
 * other parsers. Owned by the feed-parser engineer. */
#include "tests/unit/parse_fixture.h"

static void test_xml_base_inherit(void **state)
{
    (void)state;
    struct feed *f = parse_file("gofeed-atom-xml-base-inherit.xml", NULL);
    json_t *exp = load_expected("expected/gofeed-atom-xml-base-inherit.gofeed.json");
    json_t *e0 = json_array_get(json_object_get(exp, "entries"), 0);
    assert_int_equal(f->nentries, 1);
    assert_string_equal(f->entries[0].summary, json_string_value(json_object_get(e0, "summary")));
    assert_string_equal(f->entries[0].content,
                        json_string_value(json_object_get(json_object_get(e0, "content"), "value")));
    json_decref(exp);
    feed_free(f);

    f = parse_file("numi-st-atom-xml-base-cdata.xml", NULL);
    assert_string_equal(f->entries[0].content,
                        "<p><img src=\"https://numi.st/post/2022/travel-uke/IMG_1232.jpeg\" /></p>");
    assert_string_equal(f->entries[0].title, "my cool entry title");
    assert_string_equal(f->entries[0].author, "Not Blank");
    assert_date(f->entries[0].updated, "2022-04-21T00:00:00Z");
    feed_free(f);

    /* relative xml:base resolved against --base-url */
    f = parse_file("reddit-frontpage-atom.xml", "https://www.reddit.com/.rss");
    assert_int_equal(f->nentries, 24);
    feed_free(f);

    /* RSS has no xml:base: relative URLs in a post resolve against the post's link */
    f = parse_file("insanity-industries-rss2-relative-urls.xml", NULL);
    assert_non_null(f->entries[0].content);
    assert_null(strstr(f->entries[0].content, "src=\"/"));
    assert_null(strstr(f->entries[0].content, "href=\"/"));
    feed_free(f);

    f = parse_file("pappacoda-atom-xml-base.xml", NULL);
    for (size_t i = 0; i < f->nentries; i++)
        assert_true(str_has_prefix(f->entries[i].link, "https://andrea.pappacoda.it/"));
    feed_free(f);
}

static void test_entities(void **state)
{
    (void)state;
    struct feed *f = parse_file("feedparser-undeclared-nbsp.xml", NULL);
    assert_string_equal(f->title, "testing \xC2\xA0 entity");
    feed_free(f);

    f = parse_file("db-engines-rss2-undeclared-nbsp.xml", NULL);
    assert_int_equal(f->nentries, 1);
    assert_non_null(strstr(f->entries[0].summary, "our\xC2\xA0" "DB-Engines Ranking"));
    feed_free(f);

    static const char *const gofeed[][2] = {
        {"gofeed-rss2-bare-ampersand.xml", "expected/gofeed-rss2-bare-ampersand.gofeed.json"},
        {"gofeed-rss2-legacy-entity-prefix.xml", "expected/gofeed-rss2-legacy-entity-prefix.gofeed.json"},
    };
    for (size_t i = 0; i < 2; i++) {
        f = parse_file(gofeed[i][0], NULL);
        json_t *exp = load_expected(gofeed[i][1]);
        assert_string_equal(f->title, json_string_value(json_object_get(exp, "title")));
        assert_int_equal(f->nentries, json_array_size(json_object_get(exp, "items")));
        json_decref(exp);
        feed_free(f);
    }
    f = parse_file("feedparser-c1-numeric-ref.xml", NULL);
    assert_string_equal(f->entries[0].summary, "don\xE2\x80\x99t");
    feed_free(f);
    f = parse_file("feedparser-c1-controls-raw.xml", NULL);
    assert_string_equal(f->entries[0].summary, "don\xE2\x80\x99t");
    feed_free(f);
}
static void test_not_a_feed_files(void **state)
{
    (void)state;
    assert_true(parse_file_fails("marketwatch-html-not-a-feed.xml"));
    assert_non_null(strstr(errbuf, "HTML"));
    assert_non_null(strstr(errbuf, "Document Moved"));
    assert_true(parse_file_fails("simonw-substack-cloudflare-challenge.html"));
    assert_non_null(strstr(errbuf, "Just a moment..."));
    assert_true(parse_file_fails("scriptingnews-rss-as-json-not-jsonfeed.json"));
    assert_non_null(strstr(errbuf, "JSON without a JSON Feed version"));
}

static void test_quirky_documents(void **state)
{
    (void)state;
    struct feed *f = parse_file("tablix-avian-atom-inside-xhtml.xml", NULL);
    assert_int_equal(f->format, FEED_ATOM10);
    assert_string_equal(f->title, "Avian’s Blog");
    assert_int_equal(f->nentries, 10);
    feed_free(f);

    f = parse_file("taverncast-podcast-rss2-itunes-ns-case.xml", NULL);
    assert_non_null(f->author);   /* only itunes:author gives it */
    assert_non_null(strstr(f->author, "Bryce Erwin"));
    assert_non_null(f->entries[0].content);   /* content:encoded without trailing slash */
    feed_free(f);

    f = parse_file("fcutrecht-rss2-bogus-phpxml-prolog.xml", NULL);
    assert_int_equal(f->nentries, 20);
    feed_free(f);

    f = parse_file("youtube-google-atom.xml", NULL);   /* space before <?xml */
    assert_int_equal(f->nentries, 15);
    feed_free(f);

    /* linked-list entries: rel="alternate" (the external article) beats rel="related" */
    f = parse_file("daringfireball-atom.xml", NULL);
    assert_string_equal(f->entries[0].link, "https://daringfireball.net/thetalkshow/2017/06/26/ep-195");
    int found = 0;
    for (size_t i = 0; i < f->nentries; i++)
        found |= !strcmp(f->entries[i].link, "http://tidbits.com/article/17308");
    assert_true(found);
    feed_free(f);

    f = parse_file("google-alerts-atom.xml", NULL);
    for (size_t i = 0; i < f->nentries; i++)
        assert_null(strchr(f->entries[i].title, '<'));
    feed_free(f);

    f = parse_file("pxlnv-jsonfeed-1.0-http-version.json", NULL);
    assert_int_equal(f->nentries, 20);
    feed_free(f);

    f = parse_file("journal-3960-jsonfeed-1.1.json", NULL);
    assert_non_null(f->entries[0].author);
    feed_free(f);
}

/* rss-parser recorded title, link and isoDate for these real feeds. */
static void test_expected_rss_parser(void **state)
{
    (void)state;
    static const char *const pairs[][2] = {
        {"heise-developer-atom.xml", "expected/heise-developer-atom.rss-parser.json"},
        {"craigslist-rss1-rdf.xml", "expected/craigslist-rss1-rdf.rss-parser.json"},
        {"reddit-frontpage-atom.xml", "expected/reddit-frontpage-atom.rss-parser.json"},
    };
    for (size_t p = 0; p < sizeof pairs / sizeof pairs[0]; p++) {
        struct feed *f = parse_file(pairs[p][0], NULL);
        json_t *root = load_expected(pairs[p][1]);
        json_t *exp = json_object_get(root, "feed");
        json_t *items = json_object_get(exp, "items");
        assert_int_equal(f->nentries, json_array_size(items));
        for (size_t i = 0; i < f->nentries; i++) {
            json_t *it = json_array_get(items, i);
            const char *link = json_string_value(json_object_get(it, "link"));
            const char *iso = json_string_value(json_object_get(it, "isoDate"));
            if (link && strcmp(link, f->entries[i].link))
                fail_msg("%s entry %zu: link %s, want %s", pairs[p][0], i, f->entries[i].link, link);
            if (iso) {
                char buf[40];
                int64_t t = f->entries[i].published != FEED_TIME_NONE ? f->entries[i].published
                                                                      : f->entries[i].updated;
                assert_true(t != FEED_TIME_NONE);
                date_format_utc(t, buf, sizeof buf);
                assert_memory_equal(buf, iso, 19);   /* rss-parser adds milliseconds */
            }
            const char *title = json_string_value(json_object_get(it, "title"));
            /* rss-parser keeps markup in titles; ours is plain text, so compare plain ones */
            if (title && !strchr(title, '<') && !strchr(title, '&')) {
                char *want = str_squash_ws(xstrdup(title));   /* ours is trimmed */
                assert_string_equal(f->entries[i].title, want);
                free(want);
            }
        }
        json_decref(root);
        feed_free(f);
    }
}

/* feed-rs recorded entries as {title:{content}, links:[{href}], published, updated}. */
static void test_expected_feed_rs(void **state)
{
    (void)state;
    static const char *const pairs[][2] = {
        {"spiegel-update-podcast-rss2.xml", "expected/spiegel-update-podcast-rss2.feed-rs.json"},
        {"bbc-in-our-time-podcast-rss2.xml", "expected/bbc-in-our-time-podcast-rss2.feed-rs.json"},
        {"golem-de-rss1-rdf-iso-8859-1.xml", "expected/golem-de-rss1-rdf-iso-8859-1.feed-rs.json"},
        {"db-engines-rss2-undeclared-nbsp.xml", "expected/db-engines-rss2-undeclared-nbsp.feed-rs.json"},
        {"influxdata-jsonfeed-1.1.json", "expected/influxdata-jsonfeed-1.1.feed-rs.json"},
    };
    for (size_t p = 0; p < sizeof pairs / sizeof pairs[0]; p++) {
        struct feed *f = parse_file(pairs[p][0], NULL);
        json_t *exp = load_expected(pairs[p][1]);
        json_t *entries = json_object_get(exp, "entries");
        assert_int_equal(f->nentries, json_array_size(entries));
        for (size_t i = 0; i < f->nentries; i++) {
            json_t *e = json_array_get(entries, i);
            const char *title = json_string_value(json_object_get(json_object_get(e, "title"), "content"));
            if (title && strcmp(title, f->entries[i].title ? f->entries[i].title : ""))
                fail_msg("%s entry %zu: title %s, want %s", pairs[p][0], i, f->entries[i].title, title);
            const char *href = json_string_value(json_object_get(json_array_get(json_object_get(e, "links"), 0), "href"));
            if (href) {
                /* feed-rs re-serializes URLs (an empty path becomes "/") */
                size_t n = strlen(href) - (str_has_prefix(href, "http") && href[strlen(href) - 1] == '/');
                assert_non_null(f->entries[i].link);
                assert_memory_equal(f->entries[i].link, href, n);
                assert_true(strlen(f->entries[i].link) <= n + 1);
            }
            const char *pub = json_string_value(json_object_get(e, "published"));
            if (pub) {
                char buf[40];
                assert_true(f->entries[i].published != FEED_TIME_NONE);
                assert_memory_equal(date_format_utc(f->entries[i].published, buf, sizeof buf), pub, 19);
            }
        }
        json_decref(exp);
        feed_free(f);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_xml_base_inherit),
        cmocka_unit_test(test_entities),
        cmocka_unit_test(test_not_a_feed_files),
        cmocka_unit_test(test_quirky_documents),
        cmocka_unit_test(test_expected_rss_parser),
        cmocka_unit_test(test_expected_feed_rs),
    };
    return cmocka_run_group_tests_name("parse_corpus", tests, NULL, NULL);
}
