/* tests/unit/test_readability_md.c: the article as markdown straight from the page's tree
 * (readability_extract_md, markdown/readability_md.c) is byte for byte html2md of the
 * article's HTML (readability_extract), on every page of tests/data/pages and of
 * tests/data/feeds/pages, with and without a base URL, and the same for the page's
 * metadata and for a page without an article. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "markdown/html2md.h"
#include "markdown/readability.h"
#include "tests/unit/testdata.h"

static int ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), k = strlen(tail);
    return n >= k && strcmp(s + n - k, tail) == 0;
}

static void same_meta(const struct page_meta *a, const struct page_meta *b)
{
    const char *const fa[] = {a->title, a->byline, a->excerpt, a->site_name, a->published,
                              a->image};
    const char *const fb[] = {b->title, b->byline, b->excerpt, b->site_name, b->published,
                              b->image};
    for (size_t i = 0; i < sizeof fa / sizeof *fa; i++) {
        if (!fa[i] || !fb[i])
            assert_true(fa[i] == fb[i]);
        else
            assert_string_equal(fa[i], fb[i]);
    }
}

/* One page both ways; 1 when it holds an article. */
static int check_page(const char *path, const char *base)
{
    char *html = NULL;
    size_t len = 0;
    if (file_read_all(path, &html, &len) != 0)
        fail_msg("cannot read %s", path);
    struct page_meta m1, m2;
    char e1[256] = "", e2[256] = "";
    char *article = readability_extract(html, len, base, &m1, e1, sizeof e1);
    char *md = readability_extract_md(html, len, base, &m2, e2, sizeof e2);
    assert_string_equal(e1, e2);
    int found = article != NULL;
    if (!article) {
        assert_null(md);
    } else {
        char *want = html2md(article, strlen(article), base);
        assert_non_null(md);
        if (strcmp(want, md) != 0)
            fail_msg("%s (base %s): the markdown differs:\n--- html2md\n%s\n--- from the "
                     "tree\n%s", path, base ? base : "none", want, md);
        same_meta(&m1, &m2);
        free(want);
    }
    free(article);
    free(md);
    page_meta_free(&m1);
    page_meta_free(&m2);
    free(html);
    return found;
}

/* The pages of dir whose names end with tail; returns how many held an article. */
static size_t check_dir(const char *dir, const char *tail, size_t *pages)
{
    DIR *d = opendir(dir);
    if (!d)
        fail_msg("cannot open %s (set FEEDSD_TESTDATA)", dir);
    size_t found = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (!ends_with(de->d_name, tail))
            continue;
        char *path = xasprintf("%s/%s", dir, de->d_name);
        found += (size_t)check_page(path, NULL);
        check_page(path, "https://pages.example/dir/page.html");
        (*pages)++;
        free(path);
    }
    closedir(d);
    return found;
}

static void test_markdown_as_html2md_reads_the_html(void **state)
{
    (void)state;
    char own[4096], real[4096];
    snprintf(own, sizeof own, "%s/../pages", testdata_dir());
    snprintf(real, sizeof real, "%s/pages", testdata_dir());
    size_t pages = 0;
    size_t found = check_dir(own, ".html", &pages);
    found += check_dir(real, ".source.html", &pages);
    printf("  %zu pages, %zu with an article\n", pages, found);
    assert_true(pages >= 35);
    assert_true(found >= 35);
}

/* Addresses with spaces, non-ASCII letters and leading blanks: the HTML's serialiser
 * percent-encodes them, and so must the markdown made without it. */
static void test_urls_read_as_in_the_html(void **state)
{
    (void)state;
    char path[4096];
    snprintf(path, sizeof path, "%s/../pages/url-spaces.html", testdata_dir());
    assert_true(check_page(path, NULL));
    char *html = NULL;
    size_t len = 0;
    assert_int_equal(file_read_all(path, &html, &len), 0);
    char *md = readability_extract_md(html, len, "https://walks.example/canal/", NULL, NULL, 0);
    assert_non_null(md);
    assert_non_null(strstr(md, "(https://walks.example/maps/old%20mill%20(north).pdf)"));
    assert_non_null(strstr(md, "(https://walks.example/photos/aqueduct?from=lock%203&to=caf%C3%A9)"));
    assert_non_null(strstr(md, "(https://walks.example/img/lock%20gate.jpg)"));
    assert_non_null(strstr(md, "(https://example.org/stra%C3%9Fe/br%C3%BCcke)"));
    free(md);
    free(html);
}

static void test_no_article_both_ways(void **state)
{
    (void)state;
    static const char page[] = "<html><body><nav><a href=\"/\">Home</a></nav></body></html>";
    char e1[256] = "", e2[256] = "";
    assert_null(readability_extract(page, sizeof page - 1, NULL, NULL, e1, sizeof e1));
    assert_null(readability_extract_md(page, sizeof page - 1, NULL, NULL, e2, sizeof e2));
    assert_true(e1[0] != '\0');
    assert_string_equal(e1, e2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_markdown_as_html2md_reads_the_html),
        cmocka_unit_test(test_urls_read_as_in_the_html),
        cmocka_unit_test(test_no_article_both_ways),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
