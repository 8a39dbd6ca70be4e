/* tests/unit/test_filter.c: include / exclude rules (daemon/filter.c): the fields a rule
 * reads, (?i), the text of HTML content, include and exclude together, global and feed
 * rules together, the rule text an entry is counted under, and refused rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "daemon/filter.h"
#include "feeds/feed.h"

static struct entry mk(const char *title, const char *author, const char *link,
                       const char *content, char **cats, size_t ncats)
{
    struct entry e = {0};
    e.title = (char *)title;
    e.author = (char *)author;
    e.link = (char *)link;
    e.content = (char *)content;
    e.categories = cats;
    e.ncategories = ncats;
    return e;
}

static void add(struct filter_set *s, enum filter_kind k, const char *spec)
{
    char why[256];
    assert_int_equal(filter_add(s, k, spec, why, sizeof why), 0);
}

static void test_fields_and_case(void **state)
{
    (void)state;
    struct filter_set g = {0};
    add(&g, FILTER_EXCLUDE, "title: (?i)^sponsored");
    add(&g, FILTER_EXCLUDE, "content: (?i)cryptocurrency");
    add(&g, FILTER_EXCLUDE, "categories , author: ^Spam$");
    add(&g, FILTER_EXCLUDE, "link: /ads/");
    char *cats[] = {"News", "Spam"};
    struct entry a = mk("SPONSORED post", NULL, NULL, NULL, NULL, 0);
    assert_string_equal(filter_decide(&g, NULL, &a), "exclude title: (?i)^sponsored");
    /* the content's text: tags do not split a word */
    struct entry b = mk("x", NULL, NULL, "<p>Why <b>Crypto</b>currency fails</p>", NULL, 0);
    assert_string_equal(filter_decide(&g, NULL, &b), "exclude content: (?i)cryptocurrency");
    struct entry c = mk("x", NULL, NULL, NULL, cats, 2);
    assert_string_equal(filter_decide(&g, NULL, &c), "exclude author,categories: ^Spam$");
    struct entry d = mk("x", "Spam", NULL, NULL, NULL, 0);
    assert_string_equal(filter_decide(&g, NULL, &d), "exclude author,categories: ^Spam$");
    struct entry e = mk("x", "Spammer", "http://e/ads/1", NULL, cats, 1);
    assert_string_equal(filter_decide(&g, NULL, &e), "exclude link: /ads/");
    /* case matters without (?i); a field the rule does not read is not read */
    struct entry f = mk("Not sponsored", "spam", "http://e/1", "<p>crypto</p>", cats, 1);
    assert_null(filter_decide(&g, NULL, &f));
    filter_set_free(&g);
}

static void test_include_and_levels(void **state)
{
    (void)state;
    struct filter_set g = {0}, feed = {0};
    add(&g, FILTER_EXCLUDE, "any: (?i)nsfw");
    add(&feed, FILTER_INCLUDE, "title: ^Rust");
    add(&feed, FILTER_INCLUDE, "title: ^Go");
    struct entry a = mk("Rust 1.80", NULL, NULL, NULL, NULL, 0);
    struct entry b = mk("Go 1.23", NULL, NULL, NULL, NULL, 0);
    struct entry c = mk("Zig 0.13", NULL, NULL, NULL, NULL, 0);
    struct entry d = mk("Rust NSFW", NULL, NULL, NULL, NULL, 0);
    assert_null(filter_decide(&g, &feed, &a));
    assert_null(filter_decide(&g, &feed, &b));
    assert_string_equal(filter_decide(&g, &feed, &c), FILTER_NO_INCLUDE);
    assert_string_equal(filter_decide(&g, &feed, &d), "exclude any: (?i)nsfw");
    /* without the feed's includes, only the global exclude */
    assert_null(filter_decide(&g, NULL, &c));
    assert_null(filter_decide(NULL, NULL, &d));
    filter_set_free(&g);
    filter_set_free(&feed);
}

static void test_refused(void **state)
{
    (void)state;
    struct filter_set s = {0};
    char why[256];
    assert_int_equal(filter_add(&s, FILTER_EXCLUDE, "title: (", why, sizeof why), -1);
    assert_non_null(strstr(why, "bad regular expression"));
    assert_int_equal(filter_add(&s, FILTER_EXCLUDE, "body: x", why, sizeof why), -1);
    assert_int_equal(filter_add(&s, FILTER_EXCLUDE, "x", why, sizeof why), -1);
    assert_int_equal(filter_add(&s, FILTER_EXCLUDE, "title: (?i)", why, sizeof why), -1);
    assert_int_equal(filter_add(&s, FILTER_EXCLUDE, ": x", why, sizeof why), -1);
    assert_int_equal(s.n, 0);
    filter_set_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fields_and_case),
        cmocka_unit_test(test_include_and_levels),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
