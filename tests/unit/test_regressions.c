/* tests/unit/test_regressions.c: every input that made a fuzz target (fuzz/fuzz_*.c) crash
 * or break its property stays fixed. Two layers:
 *  - replay: each file under tests/regressions/<target>/ runs through that target's own
 *    LLVMFuzzerTestOneInput (the fuzz sources are included here under other names), so
 *    the same sanitizer and property checks apply; a violation aborts this test;
 *  - pinned outcomes: for each finding, what the fixed code must now produce, so that a
 *    "fix" that merely stops the property check from firing still fails here.
 * A folder named <target>.pending holds reproducers of bugs not fixed yet (in files owned
 * by someone else); it is not replayed until renamed. Owner: fuzzing/hardening engineer. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/util.h"
#include "feeds/feed.h"
#include "feeds/opml.h"
#include "feeds/parse.h"
#include "feeds/xml_cdata.h"
#include "feeds/xml_compat.h"
#include "markdown/html2md.h"
#include "tests/unit/testdata.h"

/* The fuzz targets, each under its own name; their static helpers must not collide. */
#define LLVMFuzzerTestOneInput fuzz_parse_one
#include "fuzz/fuzz_parse.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_date_one
#include "fuzz/fuzz_date.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_yaml_one
#include "fuzz/fuzz_yaml.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_opml_one
#include "fuzz/fuzz_opml.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_config_one
#include "fuzz/fuzz_config.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_html2md_one
#include "fuzz/fuzz_html2md.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_xml_cdata_one
#include "fuzz/fuzz_xml_cdata.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_html_runs_one
#include "fuzz/fuzz_html_runs.c"
#undef LLVMFuzzerTestOneInput

#define REGRESSIONS "tests/regressions"

/* An accelerator's own properties are checked where it runs. On a libxml2 it is not
 * proven on, libxml2 parses alone (test_xml_compat checks that) and there is nothing of
 * the accelerator to compare: the test says so and is reported as skipped. A proof build
 * (make ACCEL=unproven) runs them on any version. */
static void needs_accel(enum xml_accel a)
{
    if (!xml_accel_on(a)) {
        print_message("%s is off (%s): its property is not checked on libxml2 %s\n",
                      xml_accel_name(a), xml_accel_why_off(a), xmlParserVersion);
        skip();
    }
}

static const struct {
    const char *target;
    int (*one)(const uint8_t *, size_t);
} targets[] = {
    {"fuzz_parse", fuzz_parse_one},   {"fuzz_date", fuzz_date_one},
    {"fuzz_yaml", fuzz_yaml_one},     {"fuzz_opml", fuzz_opml_one},
    {"fuzz_config", fuzz_config_one}, {"fuzz_html2md", fuzz_html2md_one},
    {"fuzz_xml_cdata", fuzz_xml_cdata_one}, {"fuzz_html_runs", fuzz_html_runs_one},
};

static void replay_all(void **state)
{
    (void)state;
    int replayed = 0;
    for (size_t t = 0; t < sizeof targets / sizeof *targets; t++) {
        char dir[256];
        snprintf(dir, sizeof dir, "%s/%s", REGRESSIONS, targets[t].target);
        DIR *d = opendir(dir);
        if (!d)
            continue;
        for (struct dirent *e; (e = readdir(d));) {
            if (e->d_name[0] == '.')
                continue;
            char *path = xasprintf("%s/%s", dir, e->d_name), *data;
            size_t len;
            assert_int_equal(file_read_all(path, &data, &len), 0);
            targets[t].one((const uint8_t *)data, len);   /* aborts on a violation */
            replayed++;
            free(data);
            free(path);
        }
        closedir(d);
    }
    /* The folder is part of the repository: an empty replay means a wrong cwd. */
    assert_true(replayed >= 4);
}

static struct feed *parse_file(const char *name)
{
    char *path = xasprintf("%s/fuzz_parse/%s", REGRESSIONS, name), *data;
    size_t len;
    assert_int_equal(file_read_all(path, &data, &len), 0);
    struct feed *f = NULL;
    char err[256];
    assert_int_equal(feed_parse(data, len, NULL, NULL, &f, err, sizeof err), 0);
    free(data);
    free(path);
    return f;
}

/* A BOM says UTF-8 but one byte is Latin-1: libxml2 used to stop there, and the recovery
 * pass gave 2 entries or none depending on the chunking. The byte becomes U+FFFD and the
 * document is well-formed: all of its entries, whatever the chunk size. */
static void bom_utf8_stray_byte(void **state)
{
    (void)state;
    struct feed *f = parse_file("bom-utf8-stray-latin1-byte.xml");
    assert_int_equal(f->nentries, 2);
    assert_string_equal(f->link, "http://www.example.com/");
    feed_free(f);
}

/* A NUL byte ended the document where it stood, so every later entry was lost. */
static void nul_byte_keeps_later_entries(void **state)
{
    (void)state;
    static const char doc[] =
        "<rss version=\"2.0\"><channel><title>T\0itle</title>"
        "<item><title>one</title><guid>1</guid></item>\0\0"
        "<item><title>t\x01wo\x0b</title><guid>2</guid></item></channel></rss>";
    struct feed *f = NULL;
    char err[256];
    assert_int_equal(feed_parse(doc, sizeof doc - 1, NULL, NULL, &f, err, sizeof err), 0);
    assert_string_equal(f->title, "Title");
    assert_int_equal(f->nentries, 2);
    assert_string_equal(f->entries[1].title, "two");
    feed_free(f);
}

/* A plain subscription list with NUL bytes in a line: an error naming the line, not an
 * empty or truncated URL. */
static void opml_plain_nul(void **state)
{
    (void)state;
    char *data;
    size_t len, n = 0;
    struct opml_feed *v = NULL;
    char err[256];
    assert_int_equal(file_read_all(REGRESSIONS "/fuzz_opml/nul-bytes-in-plain-list.txt", &data,
                                   &len), 0);
    assert_int_equal(opml_parse(data, len, &v, &n, err, sizeof err), -1);
    assert_non_null(strstr(err, "line 4: control character 0x00"));
    opml_free(v, n);
    free(data);
}

/* BOM, blanks, then a comment on line 1: nothing to subscribe to (was an empty URL). */
static void opml_bom_blank_comment(void **state)
{
    (void)state;
    static const char data[] = "\xEF\xBB\xBF #x\nhttps://a.example/feed\n";
    size_t n = 0;
    struct opml_feed *v = NULL;
    char err[256];
    assert_int_equal(opml_parse(data, sizeof data - 1, &v, &n, err, sizeof err), 0);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].url, "https://a.example/feed");
    assert_int_equal(v[0].line, 2);
    opml_free(v, n);
}

/* html2md of a reproducer under tests/regressions/fuzz_html2md/ is exactly want. */
static void html2md_pinned(const char *name, const char *want)
{
    char *path = xasprintf("%s/fuzz_html2md/%s", REGRESSIONS, name), *data;
    size_t len;
    assert_int_equal(file_read_all(path, &data, &len), 0);
    char *md = html2md(data, len, NULL);
    assert_non_null(md);
    assert_string_equal(md, want);
    free(md);
    free(data);
    free(path);
}

/* A lone CR inside a <pre> within a block quote or a list item: the markdown line ended
 * there without the "> " or indentation of its container, so the code block ended and
 * the rest became markdown: a [x](javascript:...) link, a heading (fuzz_html2md, 270 s
 * run, 2026-11-29). The CR is a line break of the code, each line with its prefix. */
static void pre_cr_in_container(void **state)
{
    (void)state;
    html2md_pinned("pre-cr-in-container.html", "> ```\n> a\n> [x](javascript:alert(1))\n> b\n> ```\n\n"
                                                 "- ```\n  c\n  # heading\n  d\n  ```\n");
}

/* A <pre> holding a link inside inline markup (<strong>): its code pieces and links were
 * wrapped in one more code span, whose fence ran into theirs, so the text between was
 * read as markdown: a [](javascript:) link (fuzz_html2md, 270 s run, 2026-11-29). It is
 * now split around the link as <code> is. */
static void pre_links_inline_split(void **state)
{
    (void)state;
    html2md_pinned("pre-links-inline-split.html", "**`>`[`[](javascript:)`](h)**\n");
}

/* <table><code><td>: libxml2 puts the cell inside the <code>; the cell's text went into
 * the table unescaped (literal code mode) but outside any code span, so [](javascript:)
 * was a link (fuzz_html2md, 2026-11-29). A cell is an inline context of its own. */
static void code_around_table_cell(void **state)
{
    (void)state;
    html2md_pinned("code-around-table-cell.html", "\\[\\](javascript:)\n");
}

/* A link whose URL nests parentheses 40 deep: they were kept as they were, balanced,
 * but cmark stops reading a destination past 32 open ones and reads it as text, so a
 * "[x](javascript:...)" inside the URL became a live link (found 2026-11-29 while
 * checking a fuzz_html2md false positive). Past 4 levels they are escaped. */
static void link_deep_parens(void **state)
{
    (void)state;
    char want[512] = "[t](https://a/";
    for (int i = 0; i < 40; i++)
        strcat(want, "\\(");
    strcat(want, "[x]\\(javascript:alert\\(1\\)\\)");
    for (int i = 0; i < 40; i++)
        strcat(want, "\\)");
    strcat(want, ")\n");
    html2md_pinned("link-deep-parens.html", want);
    /* shallow nesting stays readable */
    char *md = html2md("<a href=\"https://w.example/A_(b_(c))\">t</a>", 43, NULL);
    assert_string_equal(md, "[t](https://w.example/A_(b_(c)))\n");
    free(md);
}

/* Code spans side by side: their fences touched and made one run of backticks, which
 * closes neither, so the code was read as markdown: an autolink to javascript: in a
 * <pre> split around an empty link, "a``b" for <code>a</code><code>b</code> (fuzz_html2md,
 * 40 min run, 2026-11-29). Adjacent spans are merged; where html2md cannot merge them
 * (an element still open over the second one, its markers later dropped) a space keeps
 * them apart. */
static void adjacent_code_spans(void **state)
{
    (void)state;
    html2md_pinned("adjacent-code-spans.html",
                   "`ab` ``x`y`` `c` `d`e\n\n``>`<script``\n");
    html2md_pinned("adjacent-code-spans-pre.html", "``   `](vbscript:``\n");
}

/* Calls fn with every .xml document of the corpus as UTF-8 (the form the parser is
 * handed); the number of documents. A missing corpus fails the test. */
static int corpus_each(void (*fn)(const char *name, const char *utf8, size_t ulen, void *ud),
                       void *ud)
{
    const char *dir = testdata_dir();
    DIR *d = opendir(dir);
    if (!d)
        fail_msg("cannot open %s (set FEEDSD_TESTDATA)", dir);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));) {
        size_t nl = strlen(e->d_name);
        if (nl < 5 || strcmp(e->d_name + nl - 4, ".xml"))
            continue;
        char *path = xasprintf("%s/%s", dir, e->d_name), *data;
        size_t len, ulen;
        assert_int_equal(file_read_all(path, &data, &len), 0);
        char *utf8 = encoding_xml_to_utf8(data, len, NULL, &ulen, NULL, 0);
        fn(e->d_name, utf8, ulen, ud);
        n++;
        free(utf8);
        free(data);
        free(path);
    }
    closedir(d);
    return n;
}

/* The chunking property over the whole corpus: every feed libxml2 finds
 * well-formed gives the same JSON whole and in odd-sized chunks (prime sizes, so that
 * boundaries fall inside names, references and multi-byte characters). */
static void chunks_alike(const char *name, const char *utf8, size_t ulen, void *ud)
{
    static const size_t chunks[] = {1009, 4093};
    struct feed *whole = NULL;
    int rec = 0;
    char err[256];
    int rc = parse_xml_chunked(utf8, ulen, "https://example.com/", ulen + 1, &whole, &rec, err,
                               sizeof err);
    if (!rec) {
        char *jw = result_json(rc, whole);
        for (size_t c = 0; c < sizeof chunks / sizeof *chunks; c++) {
            struct feed *part = NULL;
            int rp = parse_xml_chunked(utf8, ulen, "https://example.com/", chunks[c], &part,
                                       NULL, err, sizeof err);
            char *jp = result_json(rp, part);
            if (strcmp(jw, jp))
                fail_msg("%s: chunks of %zu give other entries", name, chunks[c]);
            free(jp);
            feed_free(part);
        }
        free(jw);
        ++*(int *)ud;
    }
    feed_free(whole);
}

static void chunking_invariance_on_corpus(void **state)
{
    (void)state;
    int checked = 0;
    corpus_each(chunks_alike, &checked);
    print_message("%d well-formed feeds parse alike in chunks\n", checked);
    assert_true(checked >= 50);   /* most of the corpus is well-formed */
}

/* The strict pass reads text rewritten as CDATA sections or handed past libxml2
 * (feeds/xml_cdata.h). Over the whole corpus that must change nothing: the same verdict
 * and the same JSON, broken documents included (their recovery pass reads the original
 * bytes). */
static void rewrite_alike(const char *name, const char *utf8, size_t ulen, void *ud)
{
    char *json[2];
    int rec[2];
    for (int on = 0; on < 2; on++) {
        xml_accel_set(XML_ACCEL_CDATA, on);
        struct feed *f = NULL;
        char err[256];
        rec[on] = 0;
        int rc = parse_xml_chunked(utf8, ulen, "https://example.com/", 0, &f, &rec[on], err,
                                   sizeof err);
        json[on] = result_json(rc, f);
        feed_free(f);
    }
    xml_accel_set(XML_ACCEL_CDATA, 1);
    if (rec[0] != rec[1])
        fail_msg("%s: well-formed %s the rewrite, not %s it", name, rec[0] ? "with" : "without",
                 rec[0] ? "without" : "with");
    if (strcmp(json[0], json[1]))
        fail_msg("%s: the rewrite changes the entries", name);
    *(int *)ud += rec[0];
    free(json[0]);
    free(json[1]);
}

static void cdata_rewrite_invisible_on_corpus(void **state)
{
    (void)state;
    needs_accel(XML_ACCEL_CDATA);
    int broken = 0;
    int checked = corpus_each(rewrite_alike, &broken);
    print_message("%d feeds (%d not well-formed) parse alike with and without the rewrite\n",
                  checked, broken);
    assert_true(checked >= 80);
}

/* The rewrite itself, on the cases its lexer must get right, fed whole and one byte at a
 * time (the output may not depend on the pieces). */
static void cdata_rewrite_output(void **state)
{
    (void)state;
    static const struct {
        const char *in, *want;
    } cases[] = {
        /* escaped HTML: a section from the first reference to the end of the text */
        {"<a>x &lt;b&gt;y&lt;/b&gt;</a>", "<a>x <![CDATA[<b>y</b>]]></a>"},
        /* non-ASCII text starts one too; plain ASCII text is left alone */
        {"<a>ab caf\xc3\xa9 d</a><!-- \xc3\xa9 -->", "<a>ab caf<![CDATA[\xc3\xa9 d]]></a><!-- \xc3\xa9 -->"},
        {"<a>plain</a>", "<a>plain</a>"},
        /* the five entities and character references; 'X' and non-Chars stay references */
        {"<a>&amp;&quot;&apos;&#65;&#x42;&#X43;&#0;&#xD800;</a>",
         "<a><![CDATA[&\"'AB]]>&#X43;&#0;&#xD800;</a>"},
        /* other names (HTML entities) and broken references pass as they came */
        {"<a>&lt;&nbsp;&lt;&bad ref;&lt;</a>",
         "<a><![CDATA[<]]>&nbsp;<![CDATA[<]]>&bad ref;<![CDATA[<]]></a>"},
        /* "]]>" out of references is split; a ']' of the text ends the section */
        {"<a>&#93;&#93;&gt;</a>", "<a><![CDATA[]]]]><![CDATA[>]]></a>"},
        {"<a>&#93;&#93;></a>", "<a><![CDATA[]]]]><![CDATA[>]]></a>"},
        {"<a>&lt;]]></a>", "<a><![CDATA[<]]>]]></a>"},
        /* line ends in a section are normalized (section 2.11); &#13; is kept */
        {"<a>&lt;\r\n\r&#13;\n</a>", "<a><![CDATA[<\n\n\r\n]]></a>"},
        /* markup: attribute values, comments, PIs, CDATA, the prolog and the epilog */
        {"<?xml version=\"1.0\"?><!DOCTYPE rss SYSTEM \"a>b\"><r x=\"&lt;>\" y='>'>&lt;<b/>"
         "<!-- &lt; > --><?p &lt; ?><![CDATA[&lt;]]>&gt;</r> &lt;",
         "<?xml version=\"1.0\"?><!DOCTYPE rss SYSTEM \"a>b\"><r x=\"&lt;>\" y='>'><![CDATA[<]]><b/>"
         "<!-- &lt; > --><?p &lt; ?><![CDATA[&lt;]]><![CDATA[>]]></r> &lt;"},
        /* an internal subset: nothing after it is touched */
        {"<!DOCTYPE r [<!ENTITY e \"x\">]><r>&lt;</r>", "<!DOCTYPE r [<!ENTITY e \"x\">]><r>&lt;</r>"},
        /* a reference too long to be decoded, however the pieces fall */
        {"<a>&#x000000000041;&#x00000000041;</a>", "<a>&#x000000000041;<![CDATA[A]]></a>"},
        /* the end of the document inside a reference or a section */
        {"<a>&lt;", "<a><![CDATA[<]]>"},
        {"<a>x&am", "<a>x&am"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (int bytewise = 0; bytewise < 2; bytewise++) {
            struct xml_cdata x;
            struct buf out = {0};
            xml_cdata_init(&x, NULL);
            size_t n = strlen(cases[i].in);
            if (bytewise) {
                for (size_t k = 0; k < n; k++)
                    xml_cdata_feed(&x, cases[i].in + k, 1, &out);
            } else {
                xml_cdata_feed(&x, cases[i].in, n, &out);
            }
            xml_cdata_end(&x, &out);
            buf_putc(&out, '\0');
            if (strcmp(out.data, cases[i].want))
                fail_msg("case %zu (%s): got\n%s\nwant\n%s", i, bytewise ? "byte by byte" : "whole",
                         out.data, cases[i].want);
            buf_free(&out);
        }
    }
}

/* The rewrite with a sink (how parse_run.c runs it): text goes to the sink directly
 * when the sink says libxml2 has caught up, and a section of the document loses its
 * "<![CDATA[" and "]]>"; when the sink says no, the output is that of no sink. */
struct transcript {
    struct buf log;
    int caught_up;
    char last;
};

static void transcript_add(struct transcript *t, char kind, const void *p, size_t n)
{
    if (!n)
        return;
    if (t->last != kind) {
        if (t->last)
            buf_putc(&t->log, '}');
        buf_putc(&t->log, kind);
        buf_putc(&t->log, '{');
        t->last = kind;
    }
    buf_append(&t->log, p, n);
}

static int transcript_push(void *ud, const char *p, size_t n)
{
    struct transcript *t = ud;
    transcript_add(t, 'P', p, n);
    return t->caught_up;
}

static void transcript_text(void *ud, const void *p, size_t n)
{
    transcript_add(ud, 'T', p, n);
}

static char *rewrite_with_sink(const char *in, int caught_up)
{
    struct transcript t = {.caught_up = caught_up};
    const struct xml_cdata_sink sink = {.push = transcript_push, .text = transcript_text, .ud = &t};
    struct xml_cdata x;
    struct buf out = {0};
    xml_cdata_init(&x, &sink);
    xml_cdata_feed(&x, in, strlen(in), &out);
    xml_cdata_end(&x, &out);
    transcript_push(&t, out.data, out.len);
    buf_free(&out);
    buf_putc(&t.log, '}');
    return buf_steal(&t.log);
}

static void cdata_rewrite_direct(void **state)
{
    (void)state;
    const char *doc = "<r><a>x &lt;b&gt; \xc3\xa9\r\n</a><![CDATA[a]]]]><c>]]&gt;&nbsp;&lt;</c>"
                      "<![CDATA[]]><d>\n <![CDATA[x]]></d><e>&nbsp;\xc3\xa9</e><f>&lt;]]></f></r>"
                      "<![CDATA[&lt;]]>";
    char *got = rewrite_with_sink(doc, 1);
    /* the plain text before a section goes with it, unless it holds a CR or follows a
     * reference that libxml2 must read; a literal "]]>" (an error) goes to libxml2 */
    assert_string_equal(got, "P{<r><a>}T{x <b> \xc3\xa9\n}P{</a>}T{a]]}P{<c>}T{]]>}P{&nbsp;}T{<}"
                             "P{</c><d>}T{\n x}P{</d><e>&nbsp;}T{\xc3\xa9}P{</e><f>}T{<}"
                             "P{]]></f></r><![CDATA[&lt;]]>}");
    free(got);
    /* libxml2 never caught up: CDATA sections as without a sink */
    got = rewrite_with_sink(doc, 0);
    struct xml_cdata x;
    struct buf out = {0};
    xml_cdata_init(&x, NULL);
    xml_cdata_feed(&x, doc, strlen(doc), &out);
    xml_cdata_end(&x, &out);
    char *want = xasprintf("P{%.*s}", (int)out.len, out.data);   /* one run of markup */
    assert_string_equal(got, want);
    free(want);
    buf_free(&out);
    free(got);
}

/* The text runs hidden from libxml2's HTML parser (markdown/html_runs.h) change no tree:
 * every entry's content and summary in the corpus gives the same nodes, names,
 * attributes and text with its long runs hidden (the daemon's way), with every run
 * hidden, and with none. */
struct runs_count {
    int docs, hidden;
};

static void runs_alike(const char *name, const char *utf8, size_t ulen, void *ud)
{
    struct runs_count *c = ud;
    struct feed *f = NULL;
    char err[256];
    if (feed_parse(utf8, ulen, "https://example.com/", NULL, &f, err, sizeof err) < 0 || !f)
        return;
    for (size_t i = 0; i < f->nentries; i++) {
        const char *fields[] = {f->entries[i].content, f->entries[i].summary};
        for (size_t k = 0; k < 2; k++) {
            if (!fields[k] || !*fields[k])
                continue;
            size_t n = strlen(fields[k]);
            char *t[3];
            int hid[3];
            for (int on = 0; on < 3; on++)
                t[on] = runs_tree(fields[k], n, on, &hid[on]); /* fuzz/fuzz_html_runs.c */
            /* compared only where runs were hidden (html_parse_runs) */
            if ((hid[1] && strcmp(t[0], t[1])) || (hid[2] && strcmp(t[0], t[2])))
                fail_msg("%s: entry %zu: the tree changes with its text runs hidden", name, i);
            c->hidden += hid[1];
            c->docs++;
            for (int on = 0; on < 3; on++)
                free(t[on]);
        }
    }
    feed_free(f);
}

static void html_runs_invisible_on_corpus(void **state)
{
    (void)state;
    needs_accel(XML_ACCEL_HTML_RUNS);
    struct runs_count c = {0};
    corpus_each(runs_alike, &c);
    print_message("%d entry documents parse alike, %d of them with runs hidden\n", c.docs,
                  c.hidden);
    assert_true(c.docs >= 500);
    assert_true(c.hidden >= c.docs / 4); /* the path is taken, not only the fallback */
}

/* Where libxml2's HTML parser leaves character data, crafted: each document gives the
 * same tree with every run hidden and with none, and is hidden (1) or refused (0) as
 * stated (-1: either). */
static void html_runs_crafted(void **state)
{
    (void)state;
    needs_accel(XML_ACCEL_HTML_RUNS);
    static const struct {
        const char *html;
        int hidden;
    } cases[] = {
        {"<p>Plain text that is long enough to be hidden from the parser.</p>", 1},
        {"<!-- c -->   text after a comment, where the prologue skips blanks", 1},
        {"<?pi x?>\n  text after a processing instruction", 1},
        {"<p title=\"a>b\">a quoted value with a greater-than sign in it</p>", 1},
        {"<p title=a>b>an unquoted value ends at the greater-than sign</p>", 1},
        {"<p \"bogus>the bogus attribute is dumped to the sign</p>", 1},
        {"<p a='x\"y' b=\"z'w>v\">quotes of the other kind inside values</p>", 1},
        {"<script>var x = '<p>not text</p> </b> still script';</script><p>after it</p>", 1},
        {"<style>p { color: red }</style>text after the style element", 1},
        {"<SCRIPT>upper-case script</Script>text after it", 1},
        {"<script/>after an empty script tag, which libxml2 leaves</script>more", -1},
        {"<p>a &amp; b &foo bar &#8217; quote &#x41; letter &#xZZ; and &; and &</p>", 1},
        {"<p>a &am" "p; split reference, and &nbsp&nbsp without semicolons</p>", 1},
        {"<p>&#127; a reference to the marker byte</p>", 0},
        {"<p>&#x7F a hexadecimal one without its semicolon</p>", 0},
        {"<p>\x7f the raw marker byte itself</p>", 0},
        {"<meta charset=\"latin1\"><p>text after a meta element</p>", 0},
        {"<!DOCTYPE html><p>text after a document type declaration</p>", 0},
        {"<p>a < b and c <_d and <!e and </ f> and </g x=\">\"> text</p>", 1},
        {"<p>a form feed \x0c and U+FFFE \xef\xbf\xbe and U+FFFF \xef\xbf\xbf inside</p>", 1},
        {"\xef\xbb\xbf<p>text after a byte order mark</p>", 1},
        {"\xef\xbb\xbfLeading text after a byte order mark, with no tag", -1},
        {"Leading text without any tag at all, long enough to be a run", -1},
        {"<p>      \n\t      </p><p>     \n      </p><p>blank runs stay as they are</p>", 1},
        {"<html><body></body></html>\ntext after the end of the whole document", 1},
        {"<p><![CDATA[ text that the HTML parser reads as text ]]> and more", 1},
        {"<p>a comment that never ends <!-- never closed, and more text", 1},
        {"<!-->text after an abrupt comment<!--->and after another --> end", 1},
        {"<!-- a --!> text after a comment closed with a bang --> end", 1},
        {"<table><tr>text inside a table row, not in a cell</tr></table>", 1},
        {"<p>text<br/>more text after a self-closed line break</p>", 1},
        {"<?pi unterminated processing instruction with text after it", -1},
        {"<p>an entity with a long name &aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\xc3\xa9 and text</p>", 0},
        {"<p>white space\r\nwith CR LF line ends, kept as they are by the parser</p>", 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *h = cases[i].html;
        size_t n = strlen(h);
        char *t[2];
        int hid = 0, plain;
        t[0] = runs_tree(h, n, 0, &plain);
        t[1] = runs_tree(h, n, 2, &hid);
        if (hid && strcmp(t[0], t[1]))
            fail_msg("case %zu: trees differ\nplain:\n%s\nhidden:\n%s", i, t[0], t[1]);
        if (cases[i].hidden >= 0 && hid != cases[i].hidden)
            fail_msg("case %zu: %s, expected %s", i, hid ? "hidden" : "refused",
                     cases[i].hidden ? "hidden" : "refused");
        free(t[0]);
        free(t[1]);
    }
    /* Long runs: pieces of 1000 bytes (areBlanks), the last one blank. */
    struct buf b = {0};
    buf_puts(&b, "<div><p>x");
    for (int i = 0; i < 1500; i++)
        buf_putc(&b, i % 7 ? ' ' : '\n');
    buf_puts(&b, "</p>");
    for (int i = 0; i < 2500; i++)
        buf_putc(&b, (char)('a' + i % 26));
    buf_puts(&b, "<b>bold</b></div>");
    char *t[2];
    int hid[2];
    for (int on = 0; on < 2; on++)
        t[on] = runs_tree(b.data, b.len, on, &hid[on]);
    assert_true(hid[1]);
    assert_string_equal(t[0], t[1]);
    free(t[0]);
    free(t[1]);
    buf_free(&b);
}

/* The check after the parse: a marker must come back once, in order, in a text node;
 * anything else sends the caller to the original document. */
static void html_runs_restore_checks(void **state)
{
    (void)state;
    static const struct {
        const char *doc;
        int rc;
    } cases[] = {
        {"<p>\x7f" "0\x7f</p>", 0},
        {"<p title=\"\x7f" "0\x7f\">x</p>", -1},           /* in an attribute */
        {"<p><!--\x7f" "0\x7f--></p>", -1},                   /* in a comment */
        {"<script>\x7f" "0\x7f</script>", -1},                /* in script text */
        {"<p>\x7f" "0\x7f\x7f" "0\x7f</p>", -1},            /* twice */
        {"<p>\x7f" "1\x7f</p>", -1},                          /* out of order */
        {"<p>\x7f" "0 \x7f</p>", -1},                         /* not a marker */
        {"<p>no marker at all</p>", -1},                         /* missing */
    };
    size_t at = 0, n = 5;
    struct html_runs r = {.at = &at, .n = &n, .count = 1};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *d = cases[i].doc;
        htmlDocPtr doc = htmlReadMemory(d, (int)strlen(d), NULL, "UTF-8",
                                        HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING);
        assert_non_null(doc);
        if (html_runs_restore(doc, "hello", &r) != cases[i].rc)
            fail_msg("case %zu: restore gave %d", i, -cases[i].rc - 1);
        if (cases[i].rc == 0) {
            char *t = html_runs_dump(doc);
            assert_non_null(strstr(t, "[hello]"));
            free(t);
        }
        xmlFreeDoc(doc);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(replay_all),
        cmocka_unit_test(bom_utf8_stray_byte),
        cmocka_unit_test(nul_byte_keeps_later_entries),
        cmocka_unit_test(opml_plain_nul),
        cmocka_unit_test(opml_bom_blank_comment),
        cmocka_unit_test(chunking_invariance_on_corpus),
        cmocka_unit_test(cdata_rewrite_invisible_on_corpus),
        cmocka_unit_test(cdata_rewrite_output),
        cmocka_unit_test(cdata_rewrite_direct),
        cmocka_unit_test(pre_cr_in_container),
        cmocka_unit_test(pre_links_inline_split),
        cmocka_unit_test(code_around_table_cell),
        cmocka_unit_test(link_deep_parens),
        cmocka_unit_test(adjacent_code_spans),
        cmocka_unit_test(html_runs_invisible_on_corpus),
        cmocka_unit_test(html_runs_crafted),
        cmocka_unit_test(html_runs_restore_checks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
