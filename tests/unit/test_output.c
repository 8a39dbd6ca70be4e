/* tests/unit/test_output.c: output/output_render.c: YAML scalars (checked by PyYAML too)
 * and the rendered file against docs/example-output.md (the example of
 * docs/output-format.md), its extras, categories, enclosures and tags. The file's name is
 * test_output_path.c's, its writing test_output_write.c's. Owner: output files engineer. */
#include "tests/unit/output_fixture.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/util.h"
#include "output/output.h"

/* ---- yaml_scalar --------------------------------------------------------------------- */

static const struct { const char *in, *out; } yaml_cases[] = {
    /* the spec's example title, and its defective replacement */
    {"Is AI progress slowing down?", "Is AI progress slowing down?"},
    {"Is AI progress slowing down-", "Is AI progress slowing down-"},
    {"", "\"\""},
    /* words that YAML 1.1/1.2 read as bool or null, in any case */
    {"yes", "\"yes\""}, {"No", "\"No\""}, {"ON", "\"ON\""}, {"off", "\"off\""},
    {"true", "\"true\""}, {"False", "\"False\""}, {"null", "\"null\""},
    {"NULL", "\"NULL\""}, {"~", "\"~\""}, {"y", "\"y\""}, {"n", "\"n\""},
    {"<<", "\"<<\""}, {"=", "\"=\""},
    /* numbers and dates */
    {"1.0", "\"1.0\""}, {"42", "\"42\""}, {"0x1F", "\"0x1F\""}, {"1e3", "\"1e3\""},
    {"0o17", "\"0o17\""}, {".inf", "\".inf\""}, {"-.inf", "\"-.inf\""},
    {".NaN", "\".NaN\""}, {"2024-01-01", "\"2024-01-01\""},
    {"2024-01-01 10:00:00", "\"2024-01-01 10:00:00\""}, {"12:30", "\"12:30\""},
    {"+12", "\"+12\""}, {"1_000", "\"1_000\""}, {"017", "\"017\""},
    /* indicators */
    {"Hello: world", "\"Hello: world\""}, {"Hello:world", "Hello:world"},
    {"C# and F#", "C# and F#"}, {"Issue #12", "\"Issue #12\""},
    {"Ends with colon:", "\"Ends with colon:\""}, {"- a list", "\"- a list\""},
    {"-1", "\"-1\""}, {"?", "\"?\""}, {"? why", "\"? why\""}, {": x", "\": x\""},
    {"[draft] Post", "\"[draft] Post\""}, {"{braces}", "\"{braces}\""},
    {"#hashtag", "\"#hashtag\""}, {"&anchor", "\"&anchor\""}, {"*bold*", "\"*bold*\""},
    {"!important", "\"!important\""}, {"| pipe", "\"| pipe\""}, {"> quote", "\"> quote\""},
    {"'single'", "\"'single'\""}, {"\"Quoted\" title", "\"\\\"Quoted\\\" title\""},
    {"%percent", "\"%percent\""}, {"@user", "\"@user\""}, {"`code`", "\"`code`\""},
    {",comma", "\",comma\""}, {"---", "\"---\""}, {"--- x", "\"--- x\""},
    {"...and more", "\"...and more\""},
    /* whitespace and control characters */
    {" leading", "\" leading\""}, {"trailing ", "\"trailing \""},
    {"line1\nline2", "\"line1\\nline2\""}, {"tab\there", "\"tab\\there\""},
    {"CR\rLF", "\"CR\\rLF\""}, {"bell\a", "\"bell\\x07\""}, {"del\x7f", "\"del\\x7F\""},
    {"a\xc2\x85" "b", "\"a\\x85b\""}, {"a\xe2\x80\xa8" "b", "\"a\\u2028b\""},
    {"bad \xff byte", "\"bad \\uFFFD byte\""}, {"back\\slash: x", "\"back\\\\slash: x\""},
    /* plain is safe */
    {"back\\slash", "back\\slash"}, {"It's a title", "It's a title"},
    {"Ünïcödé façade", "Ünïcödé façade"}, {"中文标题", "中文标题"},
    {"emoji \xf0\x9f\x8e\x89", "emoji \xf0\x9f\x8e\x89"}, {"50% off", "50% off"},
    {"3 things", "3 things"}, {"Yes!", "Yes!"}, {"Notes on C", "Notes on C"},
    {"https://example.com/a#b", "https://example.com/a#b"}, {"a - b", "a - b"},
};

static void yaml_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof yaml_cases / sizeof *yaml_cases; i++) {
        char *y = yaml_scalar(yaml_cases[i].in);
        if (strcmp(y, yaml_cases[i].out))
            fail_msg("yaml_scalar(\"%s\") = %s, want %s", yaml_cases[i].in, y, yaml_cases[i].out);
        free(y);
    }
    char *y = yaml_scalar(NULL);
    assert_string_equal(y, "\"\"");
    free(y);
}

/* Every valid-UTF-8 case must read back as itself through a real YAML parser, in the
 * "key: value" position of the front matter (python3 with PyYAML, a test tool). */
static void yaml_roundtrip_pyyaml(void **state)
{
    (void)state;
    if (system("python3 -c 'import yaml' >/dev/null 2>&1") != 0)
        fail_msg("python3 with PyYAML is needed (scripts/deps.sh test installs python3-yaml)");
    char ydoc[] = "/tmp/feedsd-yaml-XXXXXX", hexf[] = "/tmp/feedsd-hex-XXXXXX";
    int fy = mkstemp(ydoc), fh = mkstemp(hexf);
    assert_true(fy >= 0 && fh >= 0);
    FILE *y = fdopen(fy, "w"), *h = fdopen(fh, "w");
    for (size_t i = 0; i < sizeof yaml_cases / sizeof *yaml_cases; i++) {
        if (strstr(yaml_cases[i].in, "\xff"))
            continue;   /* not UTF-8: deliberately replaced, cannot round-trip */
        char *s = yaml_scalar(yaml_cases[i].in);
        fprintf(y, "k%zu: %s\n", i, s);
        free(s);
        fprintf(h, "k%zu ", i);
        for (const unsigned char *p = (const unsigned char *)yaml_cases[i].in; *p; p++)
            fprintf(h, "%02x", *p);
        fprintf(h, "\n");
    }
    fclose(y);
    fclose(h);
    char *cmd = xasprintf(
        "python3 -c 'import sys,yaml\n"
        "d=yaml.safe_load(open(sys.argv[1],encoding=\"utf-8\"))\n"
        "bad=0\n"
        "for l in open(sys.argv[2]):\n"
        "  k,_,v=l.rstrip(\"\\n\").partition(\" \")\n"
        "  w=bytes.fromhex(v).decode()\n"
        "  if d.get(k)!=w: print(\"mismatch\",k,repr(d.get(k)),repr(w)); bad=1\n"
        "sys.exit(bad)' %s %s", ydoc, hexf);
    int rc = system(cmd);
    free(cmd);
    unlink(ydoc);
    unlink(hexf);
    assert_int_equal(rc, 0);
}

/* ---- rendering ----------------------------------------------------------------------- */

static char *read_example(void)
{
    char *data = NULL;
    size_t n;
    if (file_read_all("docs/example-output.md", &data, &n) < 0)
        fail_msg("docs/example-output.md: %s (run from the repository root)",
                 strerror(errno));
    char *copy = xstrdup(data);   /* a fresh heap pointer: keeps GCC's -Wdangling-pointer quiet */
    free(data);
    return copy;
}

static char *between(const char *s, const char *from, const char *to)
{
    const char *a = strstr(s, from);
    assert_non_null(a);
    a += strlen(from);
    const char *b = to ? strstr(a, to) : a + strlen(a);
    assert_non_null(b);
    return xstrndup(a, (size_t)(b - a));
}

/* A post that two feeds carried lists them under extra.feeds, after extra.feed, as a
 * block list of quoted-when-needed scalars. */
static void render_lists_the_feeds_of_a_shared_post(void **state)
{
    (void)state;
    use_tz("UTC0");
    const char *feeds[] = {"https://daringfireball.net/feeds/main", "https://example.org/a: b"};
    struct post p = {
        .title = "T", .original_title = "T", .feed_title = "Daring Fireball",
        .published = T_2024_12_20_0300Z, .summary = "", .content_md = "",
        .feeds = feeds, .nfeeds = 2,
    };
    char *got = output_render(&p);
    assert_non_null(strstr(got, "  feed: Daring Fireball\n  feeds:\n"
                                "    - https://daringfireball.net/feeds/main\n"
                                "    - \"https://example.org/a: b\"\n  published: "));
    free(got);
}

/* The example, rendered again from its own parts: only the defective title lines differ
 * (feedsd keeps the real '?', which is safe in plain style), and feedsd adds
 * extra.published after original_title. */
static void render_matches_example(void **state)
{
    (void)state;
    use_tz("UTC0");
    char *ex = read_example();
    char *summary = between(ex, "## Summary\n", "## Full Content\n");
    char *content = between(ex, "Markdown Content:\n", NULL);
    const char *url = "https://simonwillison.net/2024/Dec/19/is-ai-progress-slowing-down/";
    struct post p = {
        .title = "Is AI progress slowing down?",
        .original_title = "Is AI progress slowing down?",
        .url = url,
        .published = T_2024_12_20_0300Z,
        .summary = summary,
        .content_md = content,
    };
    char *got = output_render(&p);

    struct buf want = {0};
    const char *title_line = "title: Is AI progress slowing down-\n";
    const char *orig_line = "  original_title: Is AI progress slowing down-\n";
    const char *a = strstr(ex, title_line), *b = strstr(ex, orig_line);
    assert_non_null(a);
    assert_non_null(b);
    buf_append(&want, ex, (size_t)(a - ex));
    buf_puts(&want, "title: Is AI progress slowing down?\n");
    a += strlen(title_line);
    buf_append(&want, a, (size_t)(b - a));
    buf_puts(&want, "  original_title: Is AI progress slowing down?\n");
    buf_puts(&want, "  published: 2024-12-20T03:00:00Z\n");
    buf_puts(&want, b + strlen(orig_line));
    assert_string_equal(got, want.data);

    /* the same when html2md's output lacks the final newline or has extra ones */
    size_t n = strlen(content);
    while (n && content[n - 1] == '\n')
        content[--n] = '\0';
    char *again = output_render(&p);
    assert_string_equal(again, want.data);
    char *more = xasprintf("%s\n\n\n", content);
    p.content_md = more;
    free(again);
    again = output_render(&p);
    assert_string_equal(again, want.data);

    /* one feed listed (the post's own) changes nothing: extra.feeds needs two */
    const char *one[] = {"https://simonwillison.net/atom/everything/"};
    p.content_md = content;
    p.feeds = one;
    p.nfeeds = 1;
    free(again);
    again = output_render(&p);
    assert_string_equal(again, want.data);

    free(more);
    free(again);
    buf_free(&want);
    free(got);
    free(summary);
    free(content);
    free(ex);
}

static void render_extras_and_edges(void **state)
{
    (void)state;
    use_tz("UTC0");
    struct post p = {
        .title = "yes",
        .original_title = "Line one\nline: two",
        .url = NULL,
        .feed_title = "Blog #1",
        .author = "Jane Doe",
        .id = "tag:example.com,2024:1",
        .published = T_2024_12_20_0300Z,
        .summary = "\n\nShort summary.\n\n",
        .content_md = "",
    };
    char *got = output_render(&p);
    assert_string_equal(got,
        "---\n"
        "title: \"yes\"\n"
        "date: 2024-12-20\n"
        "extra:\n"
        "  original_title: \"Line one\\nline: two\"\n"
        "  feed: \"Blog #1\"\n"
        "  author: Jane Doe\n"
        "  published: 2024-12-20T03:00:00Z\n"
        "  id: tag:example.com,2024:1\n"
        "---\n"
        "## Summary\n"
        "Short summary.\n"
        "## Full Content\n"
        "Title: Line one line: two\n"
        "\n"
        "URL Source: \n"
        "\n"
        "Markdown Content:\n");
    free(got);

    /* a missing shown title falls back to the feed's title; the local date is used */
    use_tz("EST5");
    struct post q = {.original_title = "Plain", .url = "https://e.com/p", .published = T_2024_12_20_0300Z};
    got = output_render(&q);
    assert_true(str_has_prefix(got, "---\ntitle: Plain\ndate: 2024-12-19\nextra:\n"
                                    "  source: https://e.com/p\n  original_title: Plain\n"));
    assert_non_null(strstr(got, "---\n## Summary\n## Full Content\nTitle: Plain\n\n"
                                "URL Source: https://e.com/p\n\nMarkdown Content:\n"));
    free(got);
    use_tz("UTC0");
}

/* Categories and enclosures (issue 18, item 2): extra.categories, extra.enclosures and the
 * links after the content, only when there are some; tags for Hugo or Zola, and the full
 * local time in `date`, only when asked for. */
static void render_categories_enclosures_tags(void **state)
{
    (void)state;
    use_tz("CST-8");
    static const char *const cats[] = {"Go", "", "yes"};
    static const struct post_enclosure encl[] = {
        {"https://m.example/a b.mp3", "audio/mpeg", 12},
        {"https://m.example/", NULL, -1},
    };
    struct post p = {.title = "T", .url = "https://e.com/p", .published = T_2024_12_20_0300Z,
                     .summary = "s", .content_md = "c", .categories = cats, .ncategories = 3,
                     .enclosures = encl, .nenclosures = 2};
    char *got = output_render(&p);
    assert_string_equal(got,
        "---\n"
        "title: T\n"
        "date: 2024-12-20\n"
        "extra:\n"
        "  source: https://e.com/p\n"
        "  original_title: T\n"
        "  published: 2024-12-20T03:00:00Z\n"
        "  categories:\n"
        "    - Go\n"
        "    - \"yes\"\n"
        "  enclosures:\n"
        "    - url: https://m.example/a b.mp3\n"
        "      type: audio/mpeg\n"
        "      length: 12\n"
        "    - url: https://m.example/\n"
        "---\n"
        "## Summary\n"
        "s\n"
        "## Full Content\n"
        "Title: T\n"
        "\n"
        "URL Source: https://e.com/p\n"
        "\n"
        "Markdown Content:\n"
        "c\n"
        "\n"
        "Enclosures:\n"
        "\n"
        "- [a b.mp3](https://m.example/a%20b.mp3) (audio/mpeg, 12 bytes)\n"
        "- [https\\://m.example/](https://m.example/)\n"
        "\n");
    free(got);

    p.tags = OUTPUT_TAGS_HUGO;
    p.date_time = 1;
    got = output_render(&p);
    assert_true(str_has_prefix(got, "---\ntitle: T\ndate: 2024-12-20T11:00:00+08:00\n"
                                    "tags:\n  - Go\n  - \"yes\"\nextra:\n"));
    free(got);
    p.tags = OUTPUT_TAGS_ZOLA;
    use_tz("EST5");
    got = output_render(&p);
    assert_true(str_has_prefix(got, "---\ntitle: T\ndate: 2024-12-19T22:00:00-05:00\n"
                                    "taxonomies:\n  tags:\n    - Go\n    - \"yes\"\nextra:\n"));
    free(got);
    /* no categories: no tags key at all, whatever the setting */
    p.ncategories = 0;
    p.nenclosures = 0;
    got = output_render(&p);
    assert_null(strstr(got, "tags"));
    assert_null(strstr(got, "categories"));
    assert_null(strstr(got, "nclosures"));
    free(got);
    use_tz("UTC0");
}

/* The front matter of hostile titles must parse back to the same strings. */
static void render_front_matter_pyyaml(void **state)
{
    (void)state;
    if (system("python3 -c 'import yaml' >/dev/null 2>&1") != 0)
        fail_msg("python3 with PyYAML is needed (scripts/deps.sh test installs python3-yaml)");
    use_tz("UTC0");
    struct post p = {.title = "- [x]: #1 \"quoted\" \\ 'single'\t|>",
                     .original_title = "null", .url = "https://e.com/a?b=c#d",
                     .feed_title = "@feed", .author = "~", .id = "123",
                     .published = T_2024_12_20_0300Z, .summary = "s", .content_md = "c"};
    char *text = output_render(&p);
    char path[] = "/tmp/feedsd-fm-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    char *cmd = xasprintf(
        "python3 -c 'import sys,yaml,datetime\n"
        "t=open(sys.argv[1],encoding=\"utf-8\").read().split(\"---\\n\")[1]\n"
        "d=yaml.safe_load(t); e=d[\"extra\"]\n"
        "ok=(d[\"title\"]==\"- [x]: #1 \\\"quoted\\\" \\\\ \\x27single\\x27\\t|>\" and "
        "e[\"original_title\"]==\"null\" and e[\"source\"]==\"https://e.com/a?b=c#d\" and "
        "e[\"feed\"]==\"@feed\" and e[\"author\"]==\"~\" and e[\"id\"]==\"123\" and "
        "d[\"date\"]==datetime.date(2024,12,20) and list(e)[:2]==[\"source\",\"original_title\"])\n"
        "sys.exit(0 if ok else print(d) or 1)' %s", path);
    int rc = system(cmd);
    free(cmd);
    unlink(path);
    free(text);
    assert_int_equal(rc, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(yaml_table),
        cmocka_unit_test(render_lists_the_feeds_of_a_shared_post),
        cmocka_unit_test(yaml_roundtrip_pyyaml),
        cmocka_unit_test(render_matches_example),
        cmocka_unit_test(render_extras_and_edges),
        cmocka_unit_test(render_categories_enclosures_tags),
        cmocka_unit_test(render_front_matter_pyyaml),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
