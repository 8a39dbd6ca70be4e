/* tests/unit/test_parse.c: the feed parser (feeds/parse.h) on small inline documents per
 * format (RSS 0.9x to 2.0, RSS 1.0, Atom 0.3 and 1.0, JSON Feed), checked field by field,
 * and on documents that must be recovered or refused without harm. The JSON it prints is
 * test_parse_json.c's, characters and encodings test_parse_encoding.c's, the real
 * documents of the corpus test_parse_corpus.c's. Owned by the feed-parser engineer. */
#include "tests/unit/parse_fixture.h"

/* ---- formats, inline ---- */

static void test_rss20(void **state)
{
    (void)state;
    struct feed *f = parse_str(
        "<?xml version=\"1.0\"?>\n"
        "<rss version=\"2.0\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\""
        " xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><channel>"
        "<title> My  &lt;b&gt;Feed&lt;/b&gt; </title><link>http://example.com/</link>"
        "<description>About</description><language>en-us</language><ttl>60</ttl>"
        "<image><url>/logo.png</url><title>not the feed title</title></image>"
        "<item><title>One</title><link>http://example.com/1</link>"
        "<description>short</description><content:encoded><![CDATA[<p>long <img src=\"a.png\"></p>]]></content:encoded>"
        "<guid isPermaLink=\"false\">id-1</guid><pubDate>Tue, 02 Mar 2021 23:39:15 +0100</pubDate>"
        "<author>jo@example.com (Jo Doe)</author><category>a</category><category>b</category>"
        "<enclosure url=\"http://example.com/a.mp3\" type=\"audio/mpeg\" length=\"123\"/></item>"
        "<item><guid>http://example.com/2</guid><dc:date>2021-03-01T10:00:00Z</dc:date>"
        "<dc:creator>Ann</dc:creator></item>"
        "</channel></rss>", NULL);
    assert_int_equal(f->format, FEED_RSS20);
    assert_string_equal(f->title, "My Feed");
    assert_string_equal(f->link, "http://example.com/");
    assert_string_equal(f->subtitle, "About");
    assert_string_equal(f->language, "en-us");
    assert_string_equal(f->icon, "http://example.com/logo.png");
    assert_int_equal(f->ttl_minutes, 60);
    assert_int_equal(f->nentries, 2);
    struct entry *e = &f->entries[0];
    assert_string_equal(e->title, "One");
    assert_string_equal(e->link, "http://example.com/1");
    assert_string_equal(e->id, "id-1");
    assert_string_equal(e->summary, "short");
    assert_string_equal(e->content, "<p>long <img src=\"http://example.com/a.png\"></p>");
    assert_date(e->published, "2021-03-02T22:39:15Z");
    assert_string_equal(e->author, "Jo Doe");
    assert_int_equal(e->ncategories, 2);
    assert_string_equal(e->categories[1], "b");
    assert_int_equal(e->nenclosures, 1);
    assert_string_equal(e->enclosures[0].url, "http://example.com/a.mp3");
    assert_string_equal(e->enclosures[0].type, "audio/mpeg");
    assert_int_equal(e->enclosures[0].length, 123);
    e = &f->entries[1];
    assert_null(e->title);
    assert_string_equal(e->link, "http://example.com/2");   /* permalink guid */
    assert_date(e->published, "2021-03-01T10:00:00Z");      /* dc:date fills pubDate's field */
    assert_string_equal(e->author, "Ann");
    assert_null(e->summary);
    assert_null(e->content);
    feed_free(f);
}

static void test_rss_versions(void **state)
{
    (void)state;
    static const struct { const char *doc; enum feed_format fmt; } cases[] = {
        {"<rss version=\"0.91\"><channel><title>t</title></channel></rss>", FEED_RSS091},
        {"<rss version=\"0.92\"><channel><title>t</title></channel></rss>", FEED_RSS092},
        {"<rss version=\"0.93\"><channel><title>t</title></channel></rss>", FEED_RSS093},
        {"<rss version=\"0.94\"><channel><title>t</title></channel></rss>", FEED_RSS094},
        {"<rss><channel><title>t</title></channel></rss>", FEED_RSS20},
        {"<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" "
         "xmlns=\"http://my.netscape.com/rdf/simple/0.9/\"><channel><title>t</title></channel>"
         "<item><title>i</title><link>http://x/</link></item></rdf:RDF>", FEED_RSS090},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct feed *f = parse_str(cases[i].doc, NULL);
        assert_int_equal(f->format, cases[i].fmt);
        assert_string_equal(f->title, "t");
        feed_free(f);
    }
}

static void test_rss10(void **state)
{
    (void)state;
    struct feed *f = parse_str(
        "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" "
        "xmlns=\"http://purl.org/rss/1.0/\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">"
        "<channel rdf:about=\"http://e.com/\"><title>Chan</title><link>http://e.com/</link>"
        "<items><rdf:Seq><rdf:li rdf:resource=\"http://e.com/1\"/></rdf:Seq></items></channel>"
        "<item rdf:about=\"http://e.com/1\"><title>First</title><link>http://e.com/1</link>"
        "<dc:date>2020-01-02T03:04:05+01:00</dc:date><dc:subject>news</dc:subject></item>"
        "<item rdf:about=\"http://e.com/2\"><title>Second</title></item></rdf:RDF>", NULL);
    assert_int_equal(f->format, FEED_RSS10);
    assert_string_equal(f->title, "Chan");
    assert_int_equal(f->nentries, 2);
    assert_string_equal(f->entries[0].title, "First");
    assert_string_equal(f->entries[0].id, "http://e.com/1");
    assert_date(f->entries[0].published, "2020-01-02T02:04:05Z");
    assert_string_equal(f->entries[0].categories[0], "news");
    assert_string_equal(f->entries[1].title, "Second");
    feed_free(f);
}

static void test_atom10(void **state)
{
    (void)state;
    struct feed *f = parse_str(
        "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"de\">"
        "<title type=\"html\">A &amp;amp; B &lt;i&gt;x&lt;/i&gt;</title><subtitle>sub</subtitle>"
        "<id>urn:f</id><link rel=\"self\" href=\"http://e.com/feed.xml\"/>"
        "<link href=\"http://e.com/\"/><updated>2021-01-01T00:00:00Z</updated>"
        "<author><name>Feed Author</name></author><icon>/i.png</icon><logo>/l.png</logo>"
        "<entry><title>T &lt; 1</title>"
        "<link rel=\"related\" href=\"http://other.com/x\"/><link rel=\"alternate\" href=\"/post\"/>"
        "<link rel=\"enclosure\" href=\"http://e.com/v.mp4\" type=\"video/mp4\" length=\"9\"/>"
        "<id>urn:1</id><published>2021-01-02T10:00:00+02:00</published>"
        "<updated>2021-01-03T00:00:00Z</updated><summary>a &lt;b&gt; c</summary>"
        "<content type=\"xhtml\"><div xmlns=\"http://www.w3.org/1999/xhtml\"><p>Hi <a href=\"rel\">l</a> &amp; <br/>x</p></div></content>"
        "<author><email>e@x.org</email></author><category term=\"c1\"/><category term=\"c2\" label=\"C2\"/>"
        "</entry>"
        "<entry><title type=\"xhtml\"><div xmlns=\"http://www.w3.org/1999/xhtml\">X<b>H</b></div></title>"
        "<link rel=\"related\" href=\"http://other.com/only\"/>"
        "<content type=\"html\">&lt;p&gt;html&lt;/p&gt;</content></entry></feed>", NULL);
    assert_int_equal(f->format, FEED_ATOM10);
    assert_string_equal(f->title, "A & B x");
    assert_string_equal(f->subtitle, "sub");
    assert_string_equal(f->id, "urn:f");
    assert_string_equal(f->link, "http://e.com/");
    assert_string_equal(f->language, "de");
    assert_string_equal(f->author, "Feed Author");
    assert_string_equal(f->icon, "http://e.com/i.png");   /* icon beats logo */
    assert_date(f->updated, "2021-01-01T00:00:00Z");
    assert_int_equal(f->nentries, 2);
    struct entry *e = &f->entries[0];
    assert_string_equal(e->title, "T < 1");
    assert_string_equal(e->link, "http://e.com/post");    /* alternate beats related */
    assert_string_equal(e->id, "urn:1");
    assert_date(e->published, "2021-01-02T08:00:00Z");
    assert_date(e->updated, "2021-01-03T00:00:00Z");
    assert_string_equal(e->summary, "a &lt;b&gt; c");     /* text escaped into HTML */
    assert_string_equal(e->content, "<p>Hi <a href=\"http://e.com/rel\">l</a> &amp; <br>x</p>");
    assert_string_equal(e->author, "e@x.org");
    assert_int_equal(e->ncategories, 2);
    assert_int_equal(e->nenclosures, 1);
    assert_string_equal(e->enclosures[0].type, "video/mp4");
    assert_int_equal(e->enclosures[0].length, 9);
    e = &f->entries[1];
    assert_string_equal(e->title, "XH");
    assert_string_equal(e->link, "http://other.com/only");
    assert_string_equal(e->content, "<p>html</p>");
    assert_null(e->author);   /* the feed author is not copied: nothing is invented */
    feed_free(f);
}

static void test_atom03(void **state)
{
    (void)state;
    struct feed *f = parse_str(
        "<feed version=\"0.3\" xmlns=\"http://purl.org/atom/ns#\"><title>Old</title>"
        "<tagline>tl</tagline><modified>2004-05-01T00:00:00Z</modified>"
        "<entry><title>E</title><link rel=\"alternate\" type=\"text/html\" href=\"http://e.com/e\"/>"
        "<issued>2004-04-30T12:00:00Z</issued><modified>2004-05-01T00:00:00Z</modified>"
        "<content type=\"text/html\" mode=\"escaped\">&lt;b&gt;bold&lt;/b&gt;</content></entry></feed>",
        NULL);
    assert_int_equal(f->format, FEED_ATOM03);
    assert_string_equal(f->subtitle, "tl");
    assert_date(f->updated, "2004-05-01T00:00:00Z");
    assert_int_equal(f->nentries, 1);
    assert_string_equal(f->entries[0].link, "http://e.com/e");
    assert_date(f->entries[0].published, "2004-04-30T12:00:00Z");
    assert_string_equal(f->entries[0].content, "<b>bold</b>");
    feed_free(f);
}

static void test_jsonfeed(void **state)
{
    (void)state;
    struct feed *f = parse_str(
        "{\"version\":\"http://jsonfeed.org/version/1\",\"title\":\"J &#8211; F\","
        "\"home_page_url\":\"https://j.com/\",\"authors\":[{\"name\":\"Ann\"}],"
        "\"items\":[{\"id\":7,\"url\":\"/p/1\",\"title\":\"P1\",\"content_text\":\"a<b\","
        "\"date_published\":\"2020-02-02T02:02:02Z\",\"tags\":[\"x\"],"
        "\"attachments\":[{\"url\":\"https://j.com/a.mp3\",\"mime_type\":\"audio/mpeg\",\"size_in_bytes\":5}]},"
        "{\"id\":\"b\",\"external_url\":\"https://ext.com/\",\"content_html\":\"<img src=\\\"i.png\\\">\"}]}",
        NULL);
    assert_int_equal(f->format, FEED_JSONFEED);
    assert_string_equal(f->title, "J \xE2\x80\x93 F");
    assert_string_equal(f->author, "Ann");
    assert_int_equal(f->nentries, 2);
    assert_string_equal(f->entries[0].id, "7");
    assert_string_equal(f->entries[0].link, "https://j.com/p/1");
    assert_string_equal(f->entries[0].content, "a&lt;b");
    assert_date(f->entries[0].published, "2020-02-02T02:02:02Z");
    assert_string_equal(f->entries[0].categories[0], "x");
    assert_int_equal(f->entries[0].enclosures[0].length, 5);
    assert_string_equal(f->entries[1].link, "https://ext.com/");
    assert_string_equal(f->entries[1].content, "<img src=\"https://ext.com/i.png\">");
    feed_free(f);
}

/* ---- recovery and safety ---- */

static void test_unclosed_recovers(void **state)
{
    (void)state;
    struct feed *f = parse_str("<rss version=\"2.0\"><channel><title>t</title>"
                               "<item><title>A</title></item><item><title>B &hellip;</title>", NULL);
    assert_int_equal(f->nentries, 2);
    assert_string_equal(f->entries[1].title, "B \xE2\x80\xA6");
    feed_free(f);
}

static void test_entity_declaration_refused(void **state)
{
    (void)state;
    const char *doc = "<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY a \"aaaaaaaaaa\">"
                      "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]>"
                      "<rss><channel><title>&b;</title></channel></rss>";
    struct feed *f = NULL;
    assert_int_equal(feed_parse(doc, strlen(doc), NULL, NULL, &f, errbuf, sizeof errbuf), -1);
    assert_null(f);
    assert_non_null(strstr(errbuf, "entities"));
}

static void test_deep_nesting(void **state)
{
    (void)state;
    struct buf b = {0};
    buf_puts(&b, "<rss><channel><item><title>deep</title><description>");
    for (int i = 0; i < 5000; i++)
        buf_puts(&b, "<div>");
    buf_puts(&b, "x");
    for (int i = 0; i < 5000; i++)
        buf_puts(&b, "</div>");
    buf_puts(&b, "</description></item></channel></rss>");
    struct feed *f = NULL;
    /* libxml2 limits depth itself; either outcome is fine as long as nothing breaks */
    if (feed_parse(b.data, b.len, NULL, NULL, &f, errbuf, sizeof errbuf) == 0) {
        assert_true(f->nentries <= 1);
        feed_free(f);
    }
    buf_free(&b);
}

/* A post of over 10 MB in one CDATA section (or escaped) keeps the entries after it.
 * libxml2's push parser gives up on a section it cannot see the end of once 10 MB wait
 * in its buffer ("Huge input lookup"), which lost every later entry, in the recovery
 * pass too; the text now goes past libxml2 (feeds/xml_cdata.h), capped at
 * PARSE_FIELD_MAX like any field. The cap cuts the field at the same character whatever
 * the pieces (libxml2 2.14 hands such a section over in one, 2.9 in many; the network
 * cuts the body anywhere). */
static void test_huge_post_keeps_later_entries(void **state)
{
    (void)state;
    for (int escaped = 0; escaped < 2; escaped++) {
        struct buf b = {0};
        buf_puts(&b, "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title>"
                     "<item><title>a</title><guid>1</guid><description>");
        buf_puts(&b, escaped ? "&lt;p&gt;" : "<![CDATA[<p>");
        for (int i = 0; i < 2400000; i++)
            buf_puts(&b, "word ");
        buf_puts(&b, escaped ? "&lt;/p&gt;" : "</p>]]>");
        buf_puts(&b, "</description></item><item><title>b</title><guid>2</guid></item>"
                     "</channel></rss>");
        struct feed *f = NULL;
        assert_int_equal(feed_parse(b.data, b.len, NULL, NULL, &f, errbuf, sizeof errbuf), 0);
        assert_int_equal(f->nentries, 2);
        assert_string_equal(f->entries[1].title, "b");
        assert_non_null(f->entries[0].summary);
        size_t cut = strlen(f->entries[0].summary);
        assert_true(cut > 8000000 && cut <= PARSE_FIELD_MAX);
        static const size_t pieces[] = {4093, 65536, 1u << 20};
        for (size_t k = 0; k < sizeof pieces / sizeof *pieces; k++) {
            struct feed *g = NULL;
            assert_int_equal(parse_xml_chunked(b.data, b.len, NULL, pieces[k], &g, NULL,
                                               errbuf, sizeof errbuf), 0);
            assert_int_equal(g->nentries, 2);
            assert_string_equal(g->entries[0].summary, f->entries[0].summary);
            feed_free(g);
        }
        feed_free(f);
        buf_free(&b);
    }
}

/* A DOCTYPE whose quoted system literal holds a '>' parses alike wherever the body is
 * cut (libxml2 2.9's push parser took the first '>' it was handed as the declaration's
 * end: feeds/xml_prolog.c), and the prolog scanner finds each declaration's end. */
static void test_doctype_cut_anywhere(void **state)
{
    (void)state;
    const char *doc = "<?xml version=\"1.0\"?>\n<!-- a > in a comment -->\n"
                      "<!DOCTYPE rss SYSTEM \"http://e.com/a<b>c.dtd\">\n"
                      "<rss version=\"0.91\"><channel><title>T</title><item><title>1 &lt; 2"
                      "</title><link>http://e.com/1</link></item></channel></rss>\n";
    size_t n = strlen(doc);
    struct feed *whole = NULL;
    assert_int_equal(parse_xml_chunked(doc, n, NULL, n, &whole, NULL, errbuf, sizeof errbuf), 0);
    char *want = json_of(whole);
    for (size_t chunk = 1; chunk < n; chunk++) {
        struct feed *f = NULL;
        if (parse_xml_chunked(doc, n, NULL, chunk, &f, NULL, errbuf, sizeof errbuf) != 0)
            fail_msg("pieces of %zu: %s", chunk, errbuf);
        char *got = json_of(f);
        if (strcmp(got, want))
            fail_msg("pieces of %zu give another feed", chunk);
        free(got);
        feed_free(f);
    }
    free(want);
    feed_free(whole);
    static const struct {
        const char *prolog;
        int ready;
    } cases[] = {
        {"<!DOCTYPE rss SYSTEM \"a>b\"", 0},
        {"<!DOCTYPE rss SYSTEM \"a>b\">", 1},
        {"<!DOCTYPE rss SYSTEM 'a\"b>'", 0},
        {"<!DOCTYPE rss [<!-- ] > --><!ELEMENT rss ANY>", 0},
        {"<!DOCTYPE rss [<!-- ] > --><!ELEMENT rss ANY>]>", 1},
        {"<!DOCTYPE rss [<?pi ]> ?>]", 0},
        {"\xEF\xBB\xBF<?xml version=\"1.0\"?><rss>", 1},
        {"<?xml version=\"1.0\"?", 0},
        {"<!-- not ended", 0},
        {"  <rss version=\"2.0\">", 1},
        {"garbage before anything", 1},
        {"<!DOC", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        if (xml_prolog_ready(cases[i].prolog, strlen(cases[i].prolog)) != cases[i].ready)
            fail_msg("case %zu: %s, expected %d", i, cases[i].prolog, cases[i].ready);
}

static void test_not_a_feed_inline(void **state)
{
    (void)state;
    static const char *const docs[] = {
        "<!DOCTYPE html><html><head><title>Hello</title></head><body>x</body></html>",
        "{\"rss\":{\"channel\":{}}}", "[1,2]", "", "   \n", "<opml><body/></opml>", "garbage",
    };
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
        struct feed *f = NULL;
        assert_int_equal(feed_parse(docs[i], strlen(docs[i]), NULL, NULL, &f, errbuf, sizeof errbuf), -1);
        assert_null(f);
        assert_non_null(strstr(errbuf, "not a feed"));
        assert_null(strchr(errbuf, '\n'));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rss20),
        cmocka_unit_test(test_rss_versions),
        cmocka_unit_test(test_rss10),
        cmocka_unit_test(test_atom10),
        cmocka_unit_test(test_atom03),
        cmocka_unit_test(test_jsonfeed),
        cmocka_unit_test(test_unclosed_recovers),
        cmocka_unit_test(test_entity_declaration_refused),
        cmocka_unit_test(test_deep_nesting),
        cmocka_unit_test(test_huge_post_keeps_later_entries),
        cmocka_unit_test(test_doctype_cut_anywhere),
        cmocka_unit_test(test_not_a_feed_inline),
    };
    return cmocka_run_group_tests_name("parse", tests, NULL, NULL);
}
