/* tests/unit/test_output_path.c: output/output_path.c: slugs, the name patterns of
 * `filename` and their check, fallbacks, refused traversal, long names, suffixes and
 * the second name of a collision. Owner: output files engineer. */
#include "tests/unit/output_fixture.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "output/output.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(slug_cases),
        cmocka_unit_test(path_patterns),
        cmocka_unit_test(path_fallbacks_and_traversal),
        cmocka_unit_test(path_hashed_feed),
        cmocka_unit_test(path_timezone),
        cmocka_unit_test(path_long_names),
        cmocka_unit_test(path_suffixed),
        cmocka_unit_test(path_collision),
        cmocka_unit_test(pattern_check),
    };
    return cmocka_run_group_tests_name("output_path", tests, NULL, NULL);
}
