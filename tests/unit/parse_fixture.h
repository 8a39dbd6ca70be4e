/* tests/unit/parse_fixture.h: what the feed parser's unit tests (test_parse.c,
 * test_parse_json.c, test_parse_encoding.c, test_parse_corpus.c) share: a document
 * parsed from a string or from the corpus (tests/data/feeds, or $FEEDSD_TESTDATA), a
 * result recorded by another parser (expected/), a date compared as feedsd writes it,
 * and a feed as `feedsd parse` prints it. static inline: each test file uses a part of
 * it. */
#ifndef FEEDSD_TESTS_PARSE_FIXTURE_H
#define FEEDSD_TESTS_PARSE_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "common/util.h"
#include "feeds/date.h"
#include "feeds/encoding.h"
#include "feeds/feed.h"
#include "feeds/parse.h"
#include "feeds/parse_internal.h"
#include "tests/unit/testdata.h"

static char errbuf[256];

static inline struct feed *parse_str(const char *doc, const char *base)
{
    struct feed *f = NULL;
    int rc = feed_parse(doc, strlen(doc), base, NULL, &f, errbuf, sizeof errbuf);
    if (rc != 0)
        fail_msg("parse failed: %s", errbuf);
    assert_non_null(f);
    return f;
}

static inline char *testdata_path(const char *name)
{
    return xasprintf("%s/%s", testdata_dir(), name);
}

static inline char *load(const char *name, size_t *len)
{
    char *path = testdata_path(name), *data;
    if (file_read_all(path, &data, len) != 0)
        fail_msg("cannot read %s (set FEEDSD_TESTDATA)", path);
    free(path);
    return data;
}

static inline struct feed *parse_file(const char *name, const char *base)
{
    size_t len;
    char *data = load(name, &len);
    struct feed *f = NULL;
    int rc = feed_parse(data, len, base, NULL, &f, errbuf, sizeof errbuf);
    free(data);
    if (rc != 0)
        fail_msg("%s: %s", name, errbuf);
    return f;
}

static inline int parse_file_fails(const char *name)
{
    size_t len;
    char *data = load(name, &len);
    struct feed *f = NULL;
    int rc = feed_parse(data, len, NULL, NULL, &f, errbuf, sizeof errbuf);
    free(data);
    feed_free(f);
    return rc != 0;
}

static inline json_t *load_expected(const char *name)
{
    char *path = testdata_path(name);
    json_error_t e;
    json_t *j = json_load_file(path, 0, &e);
    if (!j)
        fail_msg("cannot load %s: %s", path, e.text);
    free(path);
    return j;
}

static inline void assert_date(int64_t t, const char *want)
{
    char buf[40];
    assert_true(t != FEED_TIME_NONE);
    assert_string_equal(date_format_utc(t, buf, sizeof buf), want);
}

/* The feed as feed_write_json() writes it (`feedsd parse`), in a string to free. */
static inline char *json_of(const struct feed *f)
{
    char *out = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&out, &len);
    assert_int_equal(feed_write_json(f, mem), 0);
    fclose(mem);
    return out;
}

#endif
