/* output/output_atom.c: the output feed (issue 18, item 5): an Atom 1.0 document (RFC 4287)
 * of the newest posts feedsd wrote, with their summaries, so that any feed reader can
 * follow the output folder. The daemon picks the posts from the database and writes the
 * text atomically (daemon/views.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/utf8.h"
#include "common/util.h"
#include "output/output.h"

/* Characters XML 1.0 allows (section 2.2, Char): TAB, LF, CR, U+0020..U+D7FF,
 * U+E000..U+FFFD, U+10000..U+10FFFF. Anything else in a title or a summary is dropped,
 * since one of them would make the whole document unreadable. */
static int xml_char_ok(uint32_t cp)
{
    return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
           (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
}

/* Text for element content and attribute values: the five markup characters as
 * references, bytes that are not UTF-8 as U+FFFD. */
static void put_xml(struct buf *b, const char *s)
{
    for (const char *p = s ? s : ""; *p;) {
        uint32_t cp;
        /* NUL-terminated: no decoder reads past it (common/utf8.h) */
        int len = (int)utf8_decode((const unsigned char *)p, UTF8_MAX, &cp);
        if (len == 0) {
            buf_puts(b, "\xEF\xBF\xBD");
            p++;
            continue;
        }
        switch (cp) {
        case '&': buf_puts(b, "&amp;"); break;
        case '<': buf_puts(b, "&lt;"); break;
        case '>': buf_puts(b, "&gt;"); break;
        case '"': buf_puts(b, "&quot;"); break;
        case '\'': buf_puts(b, "&apos;"); break;
        default:
            if (xml_char_ok(cp))
                buf_append(b, p, (size_t)len);
        }
        p += len;
    }
}

static void put_element(struct buf *b, const char *indent, const char *name, const char *text)
{
    buf_printf(b, "%s<%s>", indent, name);
    put_xml(b, text);
    buf_printf(b, "</%s>\n", name);
}

/* An RFC 3339 date-time in UTC (RFC 4287 section 3.3). */
static void put_date(struct buf *b, const char *indent, const char *name, int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    char s[32] = "1970-01-01T00:00:00Z";
    if (gmtime_r(&tt, &tm))
        strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%SZ", &tm);
    buf_printf(b, "%s<%s>%s</%s>\n", indent, name, s, name);
}

char *output_atom(const struct output_atom_feed *f, const struct post *posts,
                  const struct output_atom_entry *entries, size_t n)
{
    struct buf b = {0};
    int64_t newest = f->updated;
    for (size_t i = 0; i < n; i++)
        if (entries[i].updated > newest)
            newest = entries[i].updated;
    buf_puts(&b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                 "<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
    put_element(&b, "  ", "title", f->title);
    put_element(&b, "  ", "id", f->id);
    /* RFC 4287 4.1.1: updated is the most recent instant the feed changed */
    put_date(&b, "  ", "updated", newest);
    /* 4.1.1: a feed without an author needs one in every entry; ours speaks for all */
    buf_puts(&b, "  <author><name>feedsd</name></author>\n");
    buf_printf(&b, "  <generator version=\"%s\">feedsd</generator>\n", f->version);
    for (size_t i = 0; i < n; i++) {
        const struct post *p = &posts[i];
        const struct output_atom_entry *e = &entries[i];
        buf_puts(&b, "  <entry>\n");
        put_element(&b, "    ", "title", p->title && *p->title ? p->title : p->original_title);
        put_element(&b, "    ", "id", e->id);
        /* 4.1.2: an entry without content needs an alternate link: the post's page, else
         * its file */
        int has_url = p->url && *p->url;
        if (has_url) {
            buf_puts(&b, "    <link rel=\"alternate\" href=\"");
            put_xml(&b, p->url);
            buf_puts(&b, "\"/>\n");
        }
        if (e->file && *e->file) {
            buf_printf(&b, "    <link rel=\"%s\" type=\"text/markdown\" href=\"",
                       has_url ? "related" : "alternate");
            put_xml(&b, e->file);
            buf_puts(&b, "\"/>\n");
        }
        put_date(&b, "    ", "published", p->published);
        put_date(&b, "    ", "updated", e->updated);
        if (p->feed_title && *p->feed_title) {
            /* 4.2.11: where the entry came from */
            buf_puts(&b, "    <source>\n");
            put_element(&b, "      ", "title", p->feed_title);
            buf_puts(&b, "    </source>\n");
        }
        for (size_t k = 0; k < p->ncategories; k++) {
            if (!p->categories[k] || !*p->categories[k])
                continue;
            buf_puts(&b, "    <category term=\"");
            put_xml(&b, p->categories[k]);
            buf_puts(&b, "\"/>\n");
        }
        /* the summary as the file has it: markdown, which is text to a feed reader */
        if (p->summary && *p->summary) {
            buf_puts(&b, "    <summary type=\"text\">");
            put_xml(&b, p->summary);
            buf_puts(&b, "</summary>\n");
        }
        buf_puts(&b, "  </entry>\n");
    }
    buf_puts(&b, "</feed>\n");
    return buf_steal(&b);
}
