/* fuzz/fuzz_parse.c: libFuzzer target for the feed parser (feeds/parse.h). Crashes and
 * sanitizer reports are findings; so is a PROPERTY violation: libxml2's push parser must
 * give the same entries whether the document arrives whole or in small chunks (the daemon
 * feeds it 64 KiB at a time, and a chunk boundary must never change what is stored).
 * Both results are compared through their `feedsd parse` JSON (feed_write_json); for a
 * document that is not well-formed, only the verdict (see parse_xml_chunked in
 * feeds/parse_internal.h). A second PROPERTY: feed_parse_fd() (a large body read from
 * its spool file in pieces) gives exactly feed_parse()'s outcome, error text included,
 * for every input; and so do the entries feed_parse_fd_sink() hands to a sink one by
 * one (the daemon's two-pass store of a large feed). A third: the strict pass's rewrite of
 * text as CDATA sections (feeds/xml_cdata.h) changes no verdict and no entry. */
#include <sys/mman.h>
#include <unistd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "feeds/encoding.h"
#include "feeds/feed.h"
#include "feeds/parse.h"
#include "feeds/parse_internal.h"
#include "feeds/xml_compat.h"

/* The JSON of a parse result, or "error" (the reason text may name where libxml2 stopped,
 * which legitimately depends on the chunking; success vs failure must not). */
static char *result_json(int rc, struct feed *f)
{
    if (rc != 0)
        return xstrdup("error");
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    if (!mem)
        abort();
    if (feed_write_json(f, mem) != 0)
        abort();
    fclose(mem);
    return text;
}

static void report(const char *what, const char *a, const char *b)
{
    size_t i = 0;
    while (a[i] && a[i] == b[i])
        i++;
    size_t from = i > 120 ? i - 120 : 0;
    fprintf(stderr, "fuzz_parse: %s differ at JSON byte %zu:\n--- whole:\n%.300s\n--- chunked:\n"
            "%.300s\n", what, i, a + from, b + from);
    abort();
}

/* A sink that copies every entry it is lent into a feed of its own. */
static void copy_entry(void *ud, const struct entry *e)
{
    struct entry *c = feed_add_entry(ud);
    c->id = xstrdup(e->id);
    c->title = xstrdup(e->title);
    c->link = xstrdup(e->link);
    c->author = xstrdup(e->author);
    c->summary = xstrdup(e->summary);
    c->content = xstrdup(e->content);
    c->published = e->published;
    c->updated = e->updated;
    for (size_t i = 0; i < e->ncategories; i++)
        entry_add_category(c, e->categories[i]);
    for (size_t i = 0; i < e->nenclosures; i++) {
        struct enclosure *x = entry_add_enclosure(c);
        x->url = xstrdup(e->enclosures[i].url);
        x->type = xstrdup(e->enclosures[i].type);
        x->length = e->enclosures[i].length;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *doc = (const char *)data;
    struct feed *f = NULL;
    char err[256];

    /* The front door first: JSON Feed sniffing, encoding detection, the SAX parse. */
    int rc = feed_parse(doc, size, "https://example.com/feed/", NULL, &f, err, sizeof err);
    if (rc == 0 && !f)
        abort();
    char *jf = rc == 0 ? result_json(rc, f) : xasprintf("error: %s", err);
    feed_free(f);

    /* The same bytes from a file, in pieces of 16 bytes and up. */
    uint64_t hf = hash64(data, size);
    int fd = memfd_create("fuzz_parse", MFD_CLOEXEC);
    if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size))
        abort();
    struct feed *g = NULL;
    char err2[256];
    int rc2 = feed_parse_fd_chunked(fd, size, "https://example.com/feed/", NULL,
                                    16 + (size_t)(hf % 4093), &g, NULL, err2, sizeof err2);
    char *jg = rc2 == 0 ? result_json(rc2, g) : xasprintf("error: %s", err2);
    if (strcmp(jf, jg) != 0)
        report("feed_parse and feed_parse_fd results", jf, jg);
    feed_free(g);
    struct feed *copies = feed_new();
    struct feed_sink sink = {.entry = copy_entry, .ud = copies};
    int streamed = 0;
    g = NULL;
    rc2 = feed_parse_fd_sink(fd, size, "https://example.com/feed/", NULL, &sink, &g, &streamed,
                             err2, sizeof err2);
    if (rc2 == 0 && streamed) {
        if (g->nentries)
            abort();   /* a streamed feed keeps no entries of its own */
        feed_take_entries(g, copies);
    }
    feed_free(copies);
    free(jg);
    jg = rc2 == 0 ? result_json(rc2, g) : xasprintf("error: %s", err2);
    if (strcmp(jf, jg) != 0)
        report("feed_parse and feed_parse_fd_sink results", jf, jg);
    feed_free(g);
    free(jf);
    free(jg);
    close(fd);

    /* Then the chunking property on the UTF-8 document the front door hands to libxml2.
     * The chunk size comes from the content so that a crashing input replays exactly. */
    size_t i = 0;
    while (i < size && (doc[i] == ' ' || doc[i] == '\t' || doc[i] == '\r' || doc[i] == '\n'))
        i++;
    if (i < size && (doc[i] == '{' || doc[i] == '['))
        return 0;   /* JSON Feed: jansson parses the whole buffer, no chunks */
    size_t ulen;
    char *utf8 = encoding_xml_to_utf8(doc, size, NULL, &ulen, NULL, 0);
    /* 1-13 bytes for small documents (every boundary position gets hit); larger ones
     * would cost a libxml2 call per byte, so they get odd sizes up to 4 KiB. */
    uint64_t h = hash64(data, size);
    size_t chunk = 1 + (size_t)(size <= 8192 ? h % 13 : h % 4093);

    struct feed *whole = NULL, *parts = NULL;
    int rec_w = 0, rec_p = 0;
    int rw = parse_xml_chunked(utf8, ulen, "https://example.com/feed/", ulen ? ulen : 1,
                               &whole, &rec_w, err, sizeof err);
    int rp = parse_xml_chunked(utf8, ulen, "https://example.com/feed/", chunk, &parts,
                               &rec_p, err, sizeof err);
    char *jw = result_json(rw, whole), *jp = result_json(rp, parts);
    /* Well-formedness cannot depend on the chunking, and a well-formed document must
     * give byte-identical results. A broken one goes through libxml2's error recovery,
     * which looks at where the chunks end (a "]]>" in text, an HTML page glued before a
     * feed: fuzzing found both giving different entries for different chunkings), so
     * there only the sanitizers judge. */
    if (rec_w != rec_p)
        report("well-formedness verdicts", jw, jp);
    if (!rec_w && strcmp(jw, jp) != 0)
        report(rw != rp ? "outcomes" : "entries", jw, jp);

    /* The strict pass reads text rewritten as CDATA sections or handed to the SAX handler
     * past libxml2 (feeds/xml_cdata.h): without the rewrite, every document must get the
     * same verdict and the same JSON, broken ones included (their recovery pass reads the
     * original bytes either way). The one known difference, a 10 MB text that libxml2
     * gives up on, is far beyond the inputs fuzzed here. */
    struct feed *plain = NULL;
    int rec_o = 0;
    xml_accel_set(XML_ACCEL_CDATA, 0);
    int ro = parse_xml_chunked(utf8, ulen, "https://example.com/feed/", ulen ? ulen : 1,
                               &plain, &rec_o, err, sizeof err);
    xml_accel_set(XML_ACCEL_CDATA, 1);
    char *jo = result_json(ro, plain);
    if (rec_o != rec_w)
        report("verdicts with and without the CDATA rewrite", jw, jo);
    if (strcmp(jw, jo) != 0)
        report("results with and without the CDATA rewrite", jw, jo);
    free(jo);
    feed_free(plain);
    free(jw);
    free(jp);
    feed_free(whole);
    feed_free(parts);
    free(utf8);
    return 0;
}
