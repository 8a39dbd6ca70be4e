/* tests/unit/test_output.c: output/output_render.c, output_write.c and output_path.c: YAML scalars,
 * slugs, name patterns, the rendered file against docs/example-output.md (the example of
 * docs/output-format.md), and atomic writes. Owner: output files engineer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/util.h"
#include "output/output.h"

static void use_tz(const char *tz)
{
    setenv("TZ", tz, 1);
    tzset();
}

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

/* ---- slugs --------------------------------------------------------------------------- */

static void slug_cases(void **state)
{
    (void)state;
    static const struct { const char *in; size_t max; const char *out; } c[] = {
        {"Is AI progress slowing down?", 80, "is-ai-progress-slowing-down"},
        {"Crème brûlée à Paris", 80, "creme-brulee-a-paris"},
        {"Straße", 80, "strasse"},
        {"Æsir Øresund Łódź", 80, "aesir-oresund-lodz"},
        {"Ĳssel œuvre ſ", 80, "ijssel-oeuvre-s"},
        {"Don't Panic", 80, "dont-panic"},
        {"Don\xe2\x80\x99t Panic", 80, "dont-panic"},
        {"中文标题", 80, ""},
        {"Αθήνα 2004", 80, "2004"},
        {"../../etc/passwd", 80, "etc-passwd"},
        {"  --Hello--World--  ", 80, "hello-world"},
        {"C++ & Rust: 2024", 80, "c-rust-2024"},
        {"5 × 3 ÷ 2", 80, "5-3-2"},
        {"caf\xe9 bar", 80, "caf-bar"},
        {"alpha beta gamma", 12, "alpha-beta"},
        {"alpha beta gamma", 10, "alpha-beta"},
        {"abcdefghijklmnop", 5, "abcde"},
        {"ab cdefghijklmnop", 10, "ab-cdefghi"},
        {"abc", 0, ""},
        {"", 80, ""},
    };
    for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
        char *s = slug_make(c[i].in, c[i].max);
        if (strcmp(s, c[i].out))
            fail_msg("slug_make(\"%s\", %zu) = \"%s\", want \"%s\"", c[i].in, c[i].max, s, c[i].out);
        free(s);
    }
    char *s = slug_make(NULL, 10);
    assert_string_equal(s, "");
    free(s);
}

/* ---- paths --------------------------------------------------------------------------- */

#define T_2024_12_20_0300Z 1734663600   /* 2024-12-20T03:00:00Z */

static void check_path(const char *pattern, const char *title, const char *feed,
                       const char *want)
{
    struct post p = {.title = title, .original_title = title, .published = T_2024_12_20_0300Z};
    char *path = output_path_for(pattern, &p, feed, "0123456789abcdef");
    if (strcmp(path, want))
        fail_msg("output_path_for(%s, \"%s\") = \"%s\", want \"%s\"", pattern ? pattern : "NULL",
                 title ? title : "NULL", path, want);
    free(path);
}

static void path_patterns(void **state)
{
    (void)state;
    use_tz("UTC0");
    check_path(NULL, "Is AI progress slowing down?", NULL,
               "2024-12-20-is-ai-progress-slowing-down.md");
    check_path("{date}-{slug}.md", "Hello", NULL, "2024-12-20-hello.md");
    check_path("{year}/{feed}/{slug}.md", "Hello", "Simon Willison's Weblog",
               "2024/simon-willisons-weblog/hello.md");
    check_path("{year}/{month}/{day}/{id}.md", "Hello", NULL, "2024/12/20/0123456789abcdef.md");
    check_path("{feed}/{slug}.md", "Hello", NULL, "feed/hello.md");
    /* the slug follows the feed's title, not a translated shown title */
    struct post t = {.title = "Bonjour", .original_title = "Hello", .published = T_2024_12_20_0300Z};
    char *path = output_path_for(NULL, &t, NULL, "0123456789abcdef");
    assert_string_equal(path, "2024-12-20-hello.md");
    free(path);
}

static void path_fallbacks_and_traversal(void **state)
{
    (void)state;
    use_tz("UTC0");
    check_path(NULL, "中文标题", NULL, "2024-12-20-post-01234567.md");
    check_path("{slug}.md", "中文标题", NULL, "post-01234567.md");
    check_path(NULL, "../../etc/passwd", NULL, "2024-12-20-etc-passwd.md");
    check_path("{slug}.md", ".hidden", NULL, "hidden.md");
    check_path("{slug}.md", "...", NULL, "post-01234567.md");
    /* bad patterns never reach the file system: the default is used */
    check_path("/etc/{slug}", "x", NULL, "2024-12-20-x.md");
    check_path("../{slug}.md", "x", NULL, "2024-12-20-x.md");
    check_path("a/../../{slug}.md", "x", NULL, "2024-12-20-x.md");
    check_path("{title}.md", "x", NULL, "2024-12-20-x.md");
}

/* check_path with a prefix expectation for the hashed feed names above */
static int path_starts(const char *pattern, const char *title, const char *feed,
                       const char *prefix, const char *suffix)
{
    struct post p = {.title = title, .published = T_2024_12_20_0300Z};
    char *path = output_path_for(pattern, &p, feed, "0123456789abcdef");
    size_t n = strlen(path), s = strlen(suffix);
    int ok = str_has_prefix(path, prefix) && n >= s && !strcmp(path + n - s, suffix) &&
             strlen(path) == strlen(prefix) + 8 + s;
    if (!ok)
        print_error("got %s\n", path);
    free(path);
    return ok;
}

static void path_hashed_feed(void **state)
{
    (void)state;
    use_tz("UTC0");
    assert_true(path_starts("{feed}/{slug}.md", "Hello", "中文博客", "feed-", "/hello.md"));
    assert_true(path_starts("{feed}/{slug}.md", "x", "../..", "feed-", "/x.md"));
}

static void path_timezone(void **state)
{
    (void)state;
    use_tz("EST5");   /* 03:00Z is still the 19th in New York */
    check_path(NULL, "Hello", NULL, "2024-12-19-hello.md");
    use_tz("UTC0");
}

static void path_long_names(void **state)
{
    (void)state;
    use_tz("UTC0");
    struct buf t = {0};
    for (int i = 0; i < 200; i++)
        buf_puts(&t, "word ");
    struct post p = {.title = t.data, .published = T_2024_12_20_0300Z};
    char *path = output_path_for(NULL, &p, NULL, "0123456789abcdef");
    assert_true(strlen(path) <= NAME_MAX);
    assert_true(strlen(path) <= 11 + 80 + 3);
    assert_true(str_has_prefix(path, "2024-12-20-word-word"));
    assert_string_equal(path + strlen(path) - 8, "-word.md");
    char *sfx = output_path_suffixed(path, "0123456789abcdef");
    assert_true(strlen(sfx) <= NAME_MAX);
    free(sfx);
    free(path);
    buf_free(&t);
    /* a long literal stays below NAME_MAX after the expansion */
    struct buf pat = {0};
    for (int i = 0; i < 190; i++)
        buf_putc(&pat, 'x');
    buf_puts(&pat, "{slug}.md");
    struct post q = {.title = "a title that is long enough to overflow the component limit",
                     .published = T_2024_12_20_0300Z};
    path = output_path_for(pat.data, &q, NULL, "0123456789abcdef");
    assert_true(strlen(path) <= NAME_MAX - 40);
    assert_string_equal(path + strlen(path) - 3, ".md");
    free(path);
    buf_free(&pat);
}

static void path_suffixed(void **state)
{
    (void)state;
    static const struct { const char *in, *sfx, *out; } c[] = {
        {"2024/x/foo.md", "abc123", "2024/x/foo-abc123.md"},
        {"foo.md", "1a2b3c4d", "foo-1a2b3c4d.md"},
        {"noext", "abc", "noext-abc"},
        {"dir.d/noext", "abc", "dir.d/noext-abc"},
        {"foo.md", "../x", "foo-x.md"},
    };
    for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
        char *s = output_path_suffixed(c[i].in, c[i].sfx);
        assert_string_equal(s, c[i].out);
        free(s);
    }
}

/* A page bundle's collision is a second bundle, not a second file inside the first
 * (issue 18, item 1). */
static void path_collision(void **state)
{
    (void)state;
    static const struct { const char *pat, *in, *out; } c[] = {
        {"{year}/{month}/{slug}/index.md", "2024/12/foo/index.md", "2024/12/foo-abc123/index.md"},
        {"{slug}/index.md", "foo/index.md", "foo-abc123/index.md"},
        {"{date}-{slug}/index.md", "2024-12-20-foo/index.md", "2024-12-20-foo-abc123/index.md"},
        {"{year}/{slug}.md", "2024/foo.md", "2024/foo-abc123.md"},
        {NULL, "2024-12-20-foo.md", "2024-12-20-foo-abc123.md"},
        {"{id}/{feed}/index.md", "0123/blog/index.md", "0123-abc123/blog/index.md"},
        {"{slug}/{id}.md", "foo/0123.md", "foo-abc123/0123.md"},
    };
    for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
        char *s = output_path_collision(c[i].pat, c[i].in, "abc123");
        assert_string_equal(s, c[i].out);
        free(s);
    }
}

static void pattern_check(void **state)
{
    (void)state;
    char err[256];
    static const char *ok[] = {"{date}-{slug}.md", "{year}/{feed}/{slug}.md",
                               "{year}/{month}/{day}/{id}.md", "posts/{slug}-{id}.markdown"};
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
        if (output_pattern_check(ok[i], err, sizeof err) != 0)
            fail_msg("%s rejected: %s", ok[i], err);
    static const struct { const char *pat, *why; } bad[] = {
        {"{date}-{title}.md", "{title}"}, {"/abs/{slug}.md", "absolute"},
        {"../{slug}.md", ".."}, {"a/../{slug}.md", ".."}, {".hidden/{slug}.md", "start with"},
        {"{slug", "unclosed"}, {"a//{slug}.md", "empty"}, {"{slug}/", "empty"},
        {"{date}.md", "{slug} or {id}"}, {"", "empty"}, {"a}{slug}", "}"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        err[0] = '\0';
        if (output_pattern_check(bad[i].pat, err, sizeof err) != -1)
            fail_msg("pattern \"%s\" accepted", bad[i].pat);
        if (!strstr(err, bad[i].why))
            fail_msg("pattern \"%s\": message \"%s\" lacks \"%s\"", bad[i].pat, err, bad[i].why);
    }
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

/* ---- atomic writes ------------------------------------------------------------------- */

static char *make_tmpdir(void)
{
    char tmpl[] = "/tmp/feedsd-out-XXXXXX";
    assert_non_null(mkdtemp(tmpl));
    return xstrdup(tmpl);
}

static void rm_rf(const char *dir)
{
    char *cmd = xasprintf("rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    free(cmd);
}

static char *slurp(const char *dir, const char *rel)
{
    char *path = xasprintf("%s/%s", dir, rel), *s = NULL;
    size_t n;
    if (file_read_all(path, &s, &n) < 0)
        s = NULL;
    free(path);
    return s;
}

/* Counts entries of dir whose name starts with '.', other than "." and "..". */
static int hidden_files(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] == '.' && strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

static void write_creates_and_overwrites(void **state)
{
    (void)state;
    char *dir = make_tmpdir(), err[512];
    assert_int_equal(output_write_atomic(dir, "2024/feed/a.md", "first\n", err, sizeof err), 0);
    char *s = slurp(dir, "2024/feed/a.md");
    assert_string_equal(s, "first\n");
    free(s);
    assert_int_equal(output_write_atomic(dir, "2024/feed/a.md", "second\n", err, sizeof err), 0);
    s = slurp(dir, "2024/feed/a.md");
    assert_string_equal(s, "second\n");
    free(s);
    char *sub = xasprintf("%s/2024/feed", dir);
    assert_int_equal(hidden_files(sub), 0);
    struct stat st;
    char *file = xasprintf("%s/a.md", sub);
    assert_int_equal(stat(file, &st), 0);
    mode_t mask = umask(022);
    umask(mask);
    assert_int_equal(st.st_mode & 0777, 0644 & ~mask);
    free(file);
    free(sub);
    /* the output folder itself is created when missing */
    char *nested = xasprintf("%s/new/out", dir);
    assert_int_equal(output_write_atomic(nested, "x.md", "x", err, sizeof err), 0);
    s = slurp(nested, "x.md");
    assert_string_equal(s, "x");
    free(s);
    free(nested);
    rm_rf(dir);
    free(dir);
}

static void write_errors(void **state)
{
    (void)state;
    char *dir = make_tmpdir(), err[512];
    /* a folder in the path is a regular file: ENOTDIR, nothing left behind */
    assert_int_equal(output_write_atomic(dir, "file", "x", err, sizeof err), 0);
    err[0] = '\0';
    errno = 0;
    assert_int_equal(output_write_atomic(dir, "file/sub/x.md", "x", err, sizeof err), -1);
    assert_int_equal(errno, ENOTDIR);
    assert_non_null(strstr(err, "Not a directory"));
    /* unsafe relative paths are refused before touching the disk */
    static const char *unsafe[] = {"../x.md", "a/../../x.md", "/etc/x.md", "", "a//b.md", "./x", "a/"};
    for (size_t i = 0; i < sizeof unsafe / sizeof *unsafe; i++) {
        errno = 0;
        assert_int_equal(output_write_atomic(dir, unsafe[i], "x", err, sizeof err), -1);
        assert_int_equal(errno, EINVAL);
    }
    assert_int_equal(hidden_files(dir), 0);
    /* a read-only folder (root ignores permissions, so only as another user) */
    if (geteuid() != 0) {
        char *ro = xasprintf("%s/ro", dir);
        assert_int_equal(mkdir(ro, 0555), 0);
        assert_int_equal(output_write_atomic(ro, "x.md", "x", err, sizeof err), -1);
        assert_int_equal(errno, EACCES);
        assert_non_null(strstr(err, "Permission denied"));
        free(ro);
    }
    rm_rf(dir);
    free(dir);
}

/* A write that fails half-way (here EFBIG from RLIMIT_FSIZE; ENOSPC takes the same path)
 * reports the error, leaves no temporary file and does not touch the old file. */
static void write_failure_cleans_up(void **state)
{
    (void)state;
    char *dir = make_tmpdir(), err[512];
    assert_int_equal(output_write_atomic(dir, "a.md", "old", err, sizeof err), 0);
    struct buf big = {0};
    for (int i = 0; i < 8192; i++)
        buf_puts(&big, "0123456789abcdef");
    struct rlimit old, small = {.rlim_cur = 4096, .rlim_max = 0};
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    small.rlim_max = old.rlim_max;
    void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
    err[0] = '\0';
    int rc = output_write_atomic(dir, "a.md", big.data, err, sizeof err);
    int e = errno;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, prev);
    assert_int_equal(rc, -1);
    assert_int_equal(e, EFBIG);
    assert_non_null(strstr(err, strerror(EFBIG)));
    assert_non_null(strstr(err, "cannot write"));
    assert_int_equal(hidden_files(dir), 0);
    char *s = slurp(dir, "a.md");
    assert_string_equal(s, "old");
    free(s);
    buf_free(&big);
    rm_rf(dir);
    free(dir);
}

/* What output_exists reports: anything at the name counts (a dangling link too), a
 * missing name or folder does not, an unsafe path is an error. */
static void exists_cases(void **state)
{
    (void)state;
    char *dir = make_tmpdir(), err[512];
    assert_int_equal(output_write_atomic(dir, "sub/a.md", "a", err, sizeof err), 0);
    char *link = xasprintf("%s/dangling.md", dir);
    assert_int_equal(symlink("/nonexistent/feedsd-test", link), 0);
    assert_int_equal(output_exists(dir, "sub/a.md"), 1);
    assert_int_equal(output_exists(dir, "sub"), 1);
    assert_int_equal(output_exists(dir, "dangling.md"), 1);
    assert_int_equal(output_exists(dir, "sub/b.md"), 0);
    assert_int_equal(output_exists(dir, "none/b.md"), 0);
    assert_int_equal(output_exists(dir, "sub/a.md/x.md"), 0);
    errno = 0;
    assert_int_equal(output_exists(dir, "../a.md"), -1);
    assert_int_equal(errno, EINVAL);
    free(link);
    rm_rf(dir);
    free(dir);
}

/* No folder below the output folder is followed when it is a symbolic link (out/2025 ->
 * elsewhere would put posts outside it); the output folder itself may be one. */
static void write_refuses_linked_folders(void **state)
{
    (void)state;
    char *dir = make_tmpdir(), err[512];
    char *real = xasprintf("%s/real", dir), *out = xasprintf("%s/out", dir);
    char *away = xasprintf("%s/away", dir), *link = xasprintf("%s/real/2025", dir);
    char *deep = xasprintf("%s/real/2024/feed", dir);
    assert_int_equal(mkdir(real, 0755), 0);
    assert_int_equal(mkdir(away, 0755), 0);
    assert_int_equal(symlink(real, out), 0);        /* the output folder: allowed */
    assert_int_equal(symlink(away, link), 0);
    assert_int_equal(output_write_atomic(out, "2024/feed/a.md", "a", err, sizeof err), 0);
    rm_rf(deep);
    assert_int_equal(symlink(away, deep), 0);        /* a link two levels down */
    static const char *const linked[] = {"2025/a.md", "2025/x/a.md", "2024/feed/b.md"};
    for (size_t i = 0; i < sizeof linked / sizeof *linked; i++) {
        err[0] = '\0';
        errno = 0;
        assert_int_equal(output_write_atomic(out, linked[i], "x", err, sizeof err), -1);
        assert_int_equal(errno, ELOOP);
        assert_non_null(strstr(err, "is a symbolic link"));
        assert_int_equal(output_exists(out, linked[i]), 0);
        struct output_batch b;
        int began = output_batch_begin(&b, out) == 0;
        assert_int_equal(output_batch_write(&b, linked[i], "x", err, sizeof err), -1);
        assert_non_null(strstr(err, "is a symbolic link"));
        if (began)
            assert_int_equal(output_batch_sync(&b, err, sizeof err), 0);
    }
    assert_int_equal(hidden_files(away), 0);
    DIR *d = opendir(away);
    assert_non_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    assert_int_equal(n, 0);                         /* nothing was written through a link */
    /* once the link is a real folder, the post is written */
    assert_int_equal(unlink(link), 0);
    assert_int_equal(output_write_atomic(out, "2025/x/a.md", "y", err, sizeof err), 0);
    char *s = slurp(real, "2025/x/a.md");
    assert_string_equal(s, "y");
    free(s);
    free(real);
    free(out);
    free(away);
    free(link);
    free(deep);
    rm_rf(dir);
    free(dir);
}

/* A batch stages the files of existing folders on its file system and writes the rest
 * in place; an output folder that is missing, or on an unknown file system, turns
 * staging off. Staged files take their names only through output_publish. */
static void batch_staging(void **state)
{
    (void)state;
    char *dir = make_tmpdir(), err[512];
    struct output_batch b;
    char *missing = xasprintf("%s/none", dir);
    assert_int_equal(output_batch_begin(&b, missing), -1);
    assert_int_equal(output_batch_write(&b, "a.md", "m", err, sizeof err), 0);   /* in place */
    assert_int_equal(output_batch_sync(&b, err, sizeof err), 0);
    char *s = slurp(missing, "a.md");
    assert_string_equal(s, "m");
    free(s);
    free(missing);
    /* /proc is procfs, not a file system whose syncfs writes anything out */
    assert_int_equal(output_batch_begin(&b, "/proc"), -1);

    if (output_batch_begin(&b, dir) < 0) {
        /* TMPDIR on a file system not in the list (NFS, overlayfs): nothing to check */
        rm_rf(dir);
        free(dir);
        skip();
    }
    assert_int_equal(output_batch_write(&b, "a.md", "a", err, sizeof err), 1);
    assert_int_equal(output_batch_write(&b, "sub/a.md", "x", err, sizeof err), 0); /* new folder */
    assert_int_equal(output_batch_write(&b, "../a.md", "z", err, sizeof err), -1);
    assert_int_equal(output_batch_write(&b, "sub/b.md", "y", err, sizeof err), 1); /* now it exists */
    assert_int_equal(output_batch_write(&b, "sub/c.md", "w", err, sizeof err), 1);
    /* staged: not in place yet, only temporary files */
    char *sub = xasprintf("%s/sub", dir), *path = xasprintf("%s/sub/b.md", dir);
    struct stat st;
    assert_int_equal(stat(path, &st), -1);
    assert_int_equal(hidden_files(sub), 2);
    assert_int_equal(hidden_files(dir), 1);
    assert_int_equal(output_batch_sync(&b, err, sizeof err), 0);
    assert_int_equal(b.fd, -1);
    assert_int_equal(output_publish(dir, "sub/b.md", err, sizeof err), 0);
    assert_int_equal(output_publish(dir, "a.md", err, sizeof err), 0);
    output_discard(dir, "sub/c.md");
    assert_int_equal(hidden_files(sub), 0);
    assert_int_equal(hidden_files(dir), 0);
    s = slurp(dir, "sub/b.md");
    assert_string_equal(s, "y");
    free(s);
    s = slurp(dir, "sub/a.md");
    assert_string_equal(s, "x");
    free(s);
    s = slurp(dir, "a.md");
    assert_string_equal(s, "a");
    free(s);
    free(path);
    path = xasprintf("%s/sub/c.md", dir);
    assert_int_equal(stat(path, &st), -1);
    /* nothing staged under that name: a clear error */
    assert_int_equal(output_publish(dir, "sub/c.md", err, sizeof err), -1);
    assert_non_null(strstr(err, "cannot rename to sub/c.md"));
    free(path);
    free(sub);
    rm_rf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(yaml_table),
        cmocka_unit_test(render_lists_the_feeds_of_a_shared_post),
        cmocka_unit_test(yaml_roundtrip_pyyaml),
        cmocka_unit_test(slug_cases),
        cmocka_unit_test(path_patterns),
        cmocka_unit_test(path_fallbacks_and_traversal),
        cmocka_unit_test(path_hashed_feed),
        cmocka_unit_test(path_timezone),
        cmocka_unit_test(path_long_names),
        cmocka_unit_test(path_suffixed),
        cmocka_unit_test(path_collision),
        cmocka_unit_test(pattern_check),
        cmocka_unit_test(render_matches_example),
        cmocka_unit_test(render_extras_and_edges),
        cmocka_unit_test(render_categories_enclosures_tags),
        cmocka_unit_test(render_front_matter_pyyaml),
        cmocka_unit_test(exists_cases),
        cmocka_unit_test(write_refuses_linked_folders),
        cmocka_unit_test(write_creates_and_overwrites),
        cmocka_unit_test(write_errors),
        cmocka_unit_test(write_failure_cleans_up),
        cmocka_unit_test(batch_staging),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
