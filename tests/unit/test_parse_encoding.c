/* tests/unit/test_parse_encoding.c: characters and encodings in the feed parser: C1
 * controls in HTML fields read as windows-1252, encoding_xml_chars_ok() against a byte
 * by byte definition, legacy encodings of real documents (tests/data/feeds, or
 * $FEEDSD_TESTDATA) declared, undeclared or named by HTTP. Owned by the feed-parser
 * engineer. */
#include "tests/unit/parse_fixture.h"

/* Summaries and contents of a well-formed document skip the full UTF-8 clean-up and
 * only look for C1 controls (xml_text_checked): each way in must still be mapped through
 * windows-1252, next to other C2 letters, at the very end, and in the recovery pass. */
static void test_c1_in_html_fields(void **state)
{
    (void)state;
    static const char *const docs[][2] = {
        {"<rss><channel><item><description>\xC2\xA9 it&#150;s&#146;</description></item></channel></rss>",
         "\xC2\xA9 it\xE2\x80\x93s\xE2\x80\x99"},
        {"<rss><channel><item><description><![CDATA[<p>\xC2\xA0\xC2\x92x</p>]]></description></item></channel></rss>",
         "<p>\xC2\xA0\xE2\x80\x99x</p>"},
        {"<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry><content type=\"html\">&lt;b&gt;&#x80;&lt;/b&gt;</content></entry></feed>",
         "<b>\xE2\x82\xAC</b>"},
        {"<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry><summary type=\"xhtml\"><div xmlns=\"http://www.w3.org/1999/xhtml\"><a title=\"&#150;\">a&#133;</a></div></summary></entry></feed>",
         "<a title=\"\xE2\x80\x93\">a\xE2\x80\xA6</a>"},
        /* a bare ampersand: the recovery pass */
        {"<rss><channel><item><description>A & B&#146;</description></item></channel></rss>",
         "A & B\xE2\x80\x99"},
        /* an unassigned cp1252 byte stays a C1 control */
        {"<rss><channel><item><description>x&#129;</description></item></channel></rss>",
         "x\xC2\x81"},
    };
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
        struct feed *f = parse_str(docs[i][0], NULL);
        assert_int_equal(f->nentries, 1);
        const char *got = f->entries[0].summary ? f->entries[0].summary : f->entries[0].content;
        assert_non_null(got);
        assert_string_equal(got, docs[i][1]);
        feed_free(f);
    }
}
/* The definition encoding_xml_chars_ok() implements with SIMD runs, byte by byte:
 * strict UTF-8 (RFC 3629: no overlong forms, surrogates or code points past U+10FFFF),
 * no C0 control but tab, line feed and carriage return, no U+FFFE or U+FFFF. */
static int ref_chars_ok(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned c = p[i], cp, len;
        if (c < 0x80) {
            if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
                return 0;
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF)
            len = 2, cp = c & 0x1F;
        else if (c >= 0xE0 && c <= 0xEF)
            len = 3, cp = c & 0x0F;
        else if (c >= 0xF0 && c <= 0xF4)
            len = 4, cp = c & 0x07;
        else
            return 0;
        if (i + len > n)
            return 0;
        for (unsigned k = 1; k < len; k++) {
            if ((p[i + k] & 0xC0) != 0x80)
                return 0;
            cp = cp << 6 | (p[i + k] & 0x3F);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE || cp == 0xFFFF)
            return 0;
        i += len;
    }
    return 1;
}

/* Random texts rich in the bytes where the fast paths stop (controls, line breaks, C1,
 * broken and non-character sequences), with ASCII runs long enough for 16-byte steps. */
static void test_chars_ok_differential(void **state)
{
    (void)state;
    static const char *const pieces[] = {
        "a", " ", "\t", "\n", "\r", "\r\n", "\x00", "\x1F", "\x7F", "\x80", "\xBF", "\xC0\xAF",
        "\xC2", "\xC2\xA0", "\xC2\x85", "\xC3\xA9", "\xE0\x80\x80", "\xE2\x82\xAC", "\xED\xA0\x80",
        "\xEF\xBF\xBE", "\xEF\xBF\xBF", "\xEF\xBF\xBD", "\xF0\x9F\x98\x80", "\xF4\x90\x80\x80",
        "\xF5", "\xFF", "<p>", "&amp;", "xxxxxxxxxxxxxxxxxxx", "yyyyyyy\nyyyyyyyyyy\tyyyy",
    };
    uint64_t seed = 0x9E3779B97F4A7C15u;
    unsigned char doc[256];
    int accepted = 0;
    for (int round = 0; round < 20000; round++) {
        size_t n = 0;
        int parts = (int)(seed % 24);
        for (int k = 0; k < parts; k++) {
            seed = seed * 6364136223846793005u + 1442695040888963407u;
            const char *piece = pieces[(seed >> 33) % (sizeof pieces / sizeof *pieces)];
            /* a rare bad byte, else mostly ASCII runs and good characters */
            if ((seed >> 20) % 4 && piece[0] != 'x' && piece[0] != 'y' && piece[0] != 'a')
                piece = (seed >> 40) % 2 ? "xxxxxxxxxxxxxxxxxx" : "\xC3\xA9 text\n";
            size_t l = piece[0] ? strlen(piece) : 1;    /* the NUL piece is one byte */
            if (n + l > sizeof doc)
                break;
            memcpy(doc + n, piece, l);
            n += l;
        }
        seed = seed * 6364136223846793005u + 1442695040888963407u;
        int want = ref_chars_ok(doc, n);
        accepted += want;
        if (encoding_xml_chars_ok((const char *)doc, n) != want) {
            for (size_t q = 0; q < n; q++)
                fprintf(stderr, "%02x", doc[q]);
            fail_msg("\nround %d: the %zu bytes above, expected %d", round, n, want);
        }
    }
    /* both answers are common, or the test proves little */
    assert_true(accepted > 2000 && accepted < 18000);
}

static void test_encodings(void **state)
{
    (void)state;
    static const struct { const char *file; const char *title; int entry; } cases[] = {
        {"mini-rss2-koi8-r.xml", "Пример RSS ленты", -1},
        {"mini-rss2-windows-1252.xml", "Euro €", -1},
        {"mini-rss2-declared-1252-but-utf8.xml", "Euro €", -1},
        {"mini-rss2-utf16le-no-bom-no-decl.xml", "Test feed", -1},
        {"mini-atom-unknown-encoding-name.xml", "테스트 피드", -1},
        {"mini-atom-newlines-before-decl.xml", NULL, -1},
        {"feedparser-shift-jis-no-decl-atom.xml", "DrecomRSSに記事投稿が反映されない…", 0},
        {"kc0011-rss2-gb2312.xml", "投资资讯网交易在线--流通纪念币最新20篇论坛主题-全文", -1},
        {"golem-de-rss2-iso-8859-1.xml", "Golem.de", -1},
        {"jn-pt-rss2-iso-8859-1.xml", "Jornal de Notícias - Últimas Notícias", -1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct feed *f = parse_file(cases[i].file, NULL);
        if (cases[i].title) {
            const char *got = cases[i].entry < 0 ? f->title : f->entries[cases[i].entry].title;
            if (!got || strcmp(got, cases[i].title))
                fail_msg("%s: title %s, want %s", cases[i].file, got ? got : "(null)", cases[i].title);
        }
        feed_free(f);
    }
    struct feed *f = parse_file("feedparser-windows-1255-no-decl.xml", NULL);
    assert_non_null(strstr(f->entries[0].summary, "האם תדפיס נייר"));
    feed_free(f);
    f = parse_file("ibash-org-ru-rss2-windows-1251.xml", NULL);
    assert_non_null(strstr(f->entries[0].title, "Цитата"));
    feed_free(f);
    f = parse_file("feedparser-utf16le-bom.xml", NULL);
    assert_int_equal(f->format, FEED_RSS20);
    feed_free(f);
    f = parse_file("le-cercle-psy-rss2-latin1-no-decl.xml", NULL);
    assert_non_null(strstr(f->entries[0].summary, "étu"));
    feed_free(f);
    f = parse_file("ilmessaggero-rss2-mojibake.xml", NULL);   /* passes through unchanged */
    assert_int_equal(f->nentries, 1);
    feed_free(f);
}

/* The HTTP charset is the hint for undeclared legacy bytes, but never beats valid UTF-8. */
static void test_http_charset(void **state)
{
    (void)state;
    size_t len;
    char *data = load("le-cercle-psy-rss2-latin1-no-decl.xml", &len);
    struct feed *f = NULL;
    assert_int_equal(feed_parse(data, len, NULL, "ISO-8859-1", &f, errbuf, sizeof errbuf), 0);
    assert_non_null(strstr(f->entries[0].summary, "d'étu"));
    feed_free(f);
    free(data);

    const char *utf8 = "<rss><channel><title>caf\xC3\xA9</title></channel></rss>";
    assert_int_equal(feed_parse(utf8, strlen(utf8), NULL, "windows-1251", &f, errbuf, sizeof errbuf), 0);
    assert_string_equal(f->title, "caf\xC3\xA9");
    feed_free(f);

    const char *koi = "<rss><channel><title>\xF0\xD2\xC9\xCD\xC5\xD2</title></channel></rss>";
    assert_int_equal(feed_parse(koi, strlen(koi), NULL, "koi8-r", &f, errbuf, sizeof errbuf), 0);
    assert_string_equal(f->title, "Пример");
    feed_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_c1_in_html_fields),
        cmocka_unit_test(test_encodings),
        cmocka_unit_test(test_chars_ok_differential),
        cmocka_unit_test(test_http_charset),
    };
    return cmocka_run_group_tests_name("parse_encoding", tests, NULL, NULL);
}
