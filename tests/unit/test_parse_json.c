/* tests/unit/test_parse_json.c: the JSON `feedsd parse` prints (feed_write_json in
 * feeds/feed.c): its fields and nulls, and its escapes against jansson's json_dumpf.
 * Owned by the feed-parser engineer. */
#include "tests/unit/parse_fixture.h"

static void test_json_output(void **state)
{
    (void)state;
    struct feed *f = parse_str("<rss><channel><item><title>x</title></item></channel></rss>", NULL);
    char *out = json_of(f);
    json_error_t e;
    json_t *j = json_loads(out, 0, &e);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "format")), "rss20");
    assert_true(json_is_null(json_object_get(j, "title")));
    json_t *entry = json_array_get(json_object_get(j, "entries"), 0);
    assert_string_equal(json_string_value(json_object_get(entry, "title")), "x");
    assert_true(json_is_null(json_object_get(entry, "published")));
    assert_true(json_is_array(json_object_get(entry, "categories")));
    assert_int_equal(json_array_size(json_object_get(entry, "enclosures")), 0);
    json_decref(j);
    free(out);
    feed_free(f);
}

/* feed_write_json() against jansson's json_dumpf (the format it replaced): every control
 * byte, quotes, backslashes, UTF-8 of each length, and strings longer than the writer's
 * buffer with escapes near its slice edges. An ill-formed field is written with '?'. */
static void test_json_escapes(void **state)
{
    (void)state;
    struct buf ctl = {0}, big = {0}, bad = {0};
    for (int c = 1; c < 0x20; c++)
        buf_putc(&ctl, (char)c);
    buf_puts(&ctl, "\"\\/\x7f caf\xc3\xa9 \xe6\x95\xb0 \xf0\x9f\x98\x80 \xef\xbf\xbf");
    for (int i = 0; big.len < 200000; i++)
        buf_puts(&big, i % 7 ? "<p class=\"x\">caf\xc3\xa9 \xe6\x95\xb0\xe6\x8d\xae\\</p>\n"
                             : "\t\xf0\x9f\x98\x80\x01");
    buf_puts(&bad, "ok \xc3\xa9 then \xc3 bad \xed\xa0\x80 \xe0\x80\xaf \xf4\x90\x80\x80 \"q\"");

    struct feed *f = feed_new();
    f->format = FEED_RSS20;
    f->title = xstrdup(ctl.data);
    f->subtitle = xstrdup(big.data);
    struct entry *e = feed_add_entry(f);
    e->title = xstrdup("plain");
    e->content = xstrdup(big.data);
    e->summary = xstrdup(ctl.data);
    entry_add_category(e, "a\"b");
    e = feed_add_entry(f);
    e->title = xstrdup(bad.data);

    json_t *exp = json_object();
    json_object_set_new(exp, "format", json_string("rss20"));
    json_object_set_new(exp, "title", json_string(ctl.data));
    json_object_set_new(exp, "link", json_null());
    json_object_set_new(exp, "id", json_null());
    json_object_set_new(exp, "subtitle", json_string(big.data));
    json_object_set_new(exp, "language", json_null());
    json_object_set_new(exp, "updated", json_null());
    json_object_set_new(exp, "author", json_null());
    json_object_set_new(exp, "icon", json_null());
    json_t *entries = json_array();
    for (int k = 0; k < 2; k++) {
        json_t *je = json_object();
        json_object_set_new(je, "id", json_null());
        json_object_set_new(je, "title", json_string(k ? "ok ?? then ? bad ??? ??? ???? \"q\"" : "plain"));
        json_object_set_new(je, "link", json_null());
        json_object_set_new(je, "author", json_null());
        json_object_set_new(je, "published", json_null());
        json_object_set_new(je, "updated", json_null());
        json_object_set_new(je, "summary", k ? json_null() : json_string(ctl.data));
        json_object_set_new(je, "content", k ? json_null() : json_string(big.data));
        json_t *cats = json_array();
        if (!k)
            json_array_append_new(cats, json_string("a\"b"));
        json_object_set_new(je, "categories", cats);
        json_object_set_new(je, "enclosures", json_array());
        json_array_append_new(entries, je);
    }
    json_object_set_new(exp, "entries", entries);
    char *want = json_dumps(exp, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    assert_non_null(want);
    char *got = json_of(f);
    assert_int_equal(strlen(got), strlen(want) + 1);
    assert_memory_equal(got, want, strlen(want));
    assert_string_equal(got + strlen(want), "\n");
    free(got);
    free(want);
    json_decref(exp);
    feed_free(f);
    buf_free(&ctl);
    buf_free(&big);
    buf_free(&bad);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_output),
        cmocka_unit_test(test_json_escapes),
    };
    return cmocka_run_group_tests_name("parse_json", tests, NULL, NULL);
}
