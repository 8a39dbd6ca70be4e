/* fuzz/fuzz_xml_cdata.c: libFuzzer target for the strict pass's text rewrite
 * (feeds/xml_cdata.h). Crashes and sanitizer reports are findings; so are PROPERTY
 * violations:
 *   - the rewrite of a document does not depend on where it was cut into pieces (whole,
 *     then in pieces of 1 to 16 bytes chosen from the content);
 *   - with a sink that never takes the text (libxml2 has not caught up), what it is
 *     handed is exactly the rewrite without a sink; with one that always takes it, only
 *     the sanitizers judge.
 * fuzz_parse checks the rewrite end to end (the same entries with and without it); this
 * target runs about a hundred times faster, so it reaches the lexer's corners sooner. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "feeds/xml_cdata.h"

static void cdata_fail(const char *what, const struct buf *a, const struct buf *b)
{
    size_t i = 0;
    while (i < a->len && i < b->len && a->data[i] == b->data[i])
        i++;
    size_t from = i > 80 ? i - 80 : 0;
    fprintf(stderr, "fuzz_xml_cdata: %s differ at byte %zu:\n--- a:\n%.*s\n--- b:\n%.*s\n", what,
            i, (int)((a->len - from) > 240 ? 240 : a->len - from), a->data + from,
            (int)((b->len - from) > 240 ? 240 : b->len - from), b->data + from);
    abort();
}

static void cdata_same(const char *what, const struct buf *a, const struct buf *b)
{
    if (a->len != b->len || (a->len && memcmp(a->data, b->data, a->len)))
        cdata_fail(what, a, b);
}

/* A sink that logs what it is handed and answers as told. */
struct sink_log {
    struct buf all;   /* markup and direct text, in order */
    int take;
};

static int log_push(void *ud, const char *p, size_t n)
{
    struct sink_log *l = ud;
    buf_append(&l->all, p, n);
    return l->take;
}

static void log_text(void *ud, const void *p, size_t n)
{
    buf_append(&((struct sink_log *)ud)->all, p, n);
}

/* The rewrite through a sink; what is left in out goes to the log last. */
static void through_sink(const char *doc, size_t size, struct sink_log *log)
{
    const struct xml_cdata_sink sink = {.push = log_push, .text = log_text, .ud = log};
    struct xml_cdata x;
    struct buf out = {0};
    xml_cdata_init(&x, &sink);
    xml_cdata_feed(&x, doc, size, &out);
    xml_cdata_end(&x, &out);
    buf_append(&log->all, out.data, out.len);
    buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *doc = (const char *)data;
    struct xml_cdata x;
    struct buf whole = {0}, parts = {0};

    xml_cdata_init(&x, NULL);
    xml_cdata_feed(&x, doc, size, &whole);
    xml_cdata_end(&x, &whole);

    size_t piece = 1 + (size ? (size_t)data[size / 2] % 16 : 0);
    xml_cdata_init(&x, NULL);
    for (size_t i = 0; i < size; i += piece)
        xml_cdata_feed(&x, doc + i, size - i < piece ? size - i : piece, &parts);
    xml_cdata_end(&x, &parts);
    cdata_same("the rewrite whole and in pieces", &whole, &parts);

    /* A sink that never takes the text (libxml2 never caught up) changes nothing. */
    struct sink_log never = {.take = 0};
    through_sink(doc, size, &never);
    cdata_same("the rewrite with a sink that takes nothing and without one", &whole,
               &never.all);
    buf_free(&never.all);

    /* One that always takes it: the sanitizers judge (fuzz_parse checks the meaning). */
    struct sink_log always = {.take = 1};
    through_sink(doc, size, &always);
    buf_free(&always.all);

    buf_free(&whole);
    buf_free(&parts);
    return 0;
}
