/* feeds/opml_write.c: OPML 2.0 out (`feedsd export`). Owner: subscriptions CLI.
 * libxml2's xmlTextWriter does the escaping: '&', '<', '"' and the white space that
 * attribute-value normalisation would otherwise fold (XML 1.0 section 3.3.3) become
 * references, so titles survive a round trip through any conforming reader. Feed outlines
 * are type="rss" (OPML 2.0 "subscription lists": the type for every feed format); a
 * category is a folder, an outline with text and title and no type, as Miniflux and
 * FreshRSS write them, nested for each level of a path ("Tech/Linux"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/xmlwriter.h>

#include "common/util.h"
#include "feeds/opml_write.h"

/* XML 1.0 forbids C0 controls other than tab, LF and CR even as references; a title that
 * carries one (a broken feed) loses it rather than making the whole file unreadable. */
static char *xml_clean(const char *s)
{
    char *o = xstrdup(s);
    size_t j = 0;
    for (size_t i = 0; o[i]; i++) {
        unsigned char c = (unsigned char)o[i];
        if (c >= 0x20 || c == '\t' || c == '\n' || c == '\r')
            o[j++] = o[i];
    }
    o[j] = '\0';
    return o;
}

static int attr(xmlTextWriterPtr w, const char *name, const char *value)
{
    char *v = xml_clean(value);
    int rc = xmlTextWriterWriteAttribute(w, (const xmlChar *)name, (const xmlChar *)v);
    free(v);
    return rc < 0 ? -1 : 0;
}

/* RFC 822 date in English whatever the locale: OPML 2.0 "dateCreated". */
static void rfc822(int64_t t, char out[40])
{
    static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    snprintf(out, 40, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday], tm.tm_mday,
             months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* Category order: none first, then by name, level by level ('/' before every other byte,
 * so "Tech/Linux" sorts with "Tech" and before "Tech news"), then the input order. */
static int category_cmp(const void *pa, const void *pb)
{
    const struct opml_out *const *a = pa, *const *b = pb;
    const char *x = (*a)->category, *y = (*b)->category;
    if (!x || !y) {
        if (x != y)
            return x ? 1 : -1;
    } else {
        for (; *x && *x == *y; x++, y++)
            ;
        unsigned cx = *x == '/' ? 1u : (unsigned char)*x, cy = *y == '/' ? 1u : (unsigned char)*y;
        if (cx != cy)
            return cx < cy ? -1 : 1;
    }
    return *a < *b ? -1 : *a > *b;
}

/* Levels of path shared with open (the folders now open, "A/B"), counted in names. */
static size_t levels_shared(const char *open, const char *path, size_t *open_levels)
{
    size_t shared = 0, total = 0;
    const char *p = path;
    int same = p != NULL;
    for (const char *o = open; o && *o;) {
        size_t n = strcspn(o, "/");
        total++;
        if (same && strncmp(o, p, n) == 0 && (p[n] == '/' || p[n] == '\0')) {
            shared++;
            p += n + (p[n] == '/');
        } else {
            same = 0;
        }
        o += n + (o[n] == '/');
    }
    *open_levels = total;
    return shared;
}

/* Closes the folders of open that path does not share and opens path's others. */
static int folders_move(xmlTextWriterPtr w, const char *open, const char *path)
{
    size_t depth;
    size_t shared = levels_shared(open, path, &depth);
    for (size_t i = shared; i < depth; i++)
        if (xmlTextWriterEndElement(w) < 0)
            return -1;
    const char *p = path;
    for (size_t i = 0; p && *p; i++) {
        size_t n = strcspn(p, "/");
        if (i >= shared) {
            char *name = xstrndup(p, n);
            int rc = xmlTextWriterStartElement(w, (const xmlChar *)"outline") < 0 ||
                     attr(w, "text", name) < 0 || attr(w, "title", name) < 0;
            free(name);
            if (rc)
                return -1;
        }
        p += n + (p[n] == '/');
    }
    return 0;
}

static int write_doc(xmlTextWriterPtr w, const struct opml_out *feeds, size_t n,
                     const char *doc_title, int64_t created)
{
    if (xmlTextWriterSetIndent(w, 1) < 0 ||
        xmlTextWriterSetIndentString(w, (const xmlChar *)"  ") < 0 ||
        xmlTextWriterStartDocument(w, "1.0", "UTF-8", NULL) < 0 ||
        xmlTextWriterStartElement(w, (const xmlChar *)"opml") < 0 ||
        attr(w, "version", "2.0") < 0 ||
        xmlTextWriterStartElement(w, (const xmlChar *)"head") < 0)
        return -1;
    if (doc_title) {
        char *t = xml_clean(doc_title);
        int rc = xmlTextWriterWriteElement(w, (const xmlChar *)"title", (const xmlChar *)t);
        free(t);
        if (rc < 0)
            return -1;
    }
    if (created > 0) {
        char date[40];
        rfc822(created, date);
        if (xmlTextWriterWriteElement(w, (const xmlChar *)"dateCreated",
                                      (const xmlChar *)date) < 0)
            return -1;
    }
    if (xmlTextWriterEndElement(w) < 0 ||
        xmlTextWriterStartElement(w, (const xmlChar *)"body") < 0)
        return -1;
    const struct opml_out **order = xcalloc(n + 1, sizeof *order);
    for (size_t i = 0; i < n; i++)
        order[i] = &feeds[i];
    qsort(order, n, sizeof *order, category_cmp);
    const char *open = NULL;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        const struct opml_out *f = order[i];
        if (folders_move(w, open, f->category) < 0) {
            rc = -1;
            break;
        }
        open = f->category;
        /* text is required (OPML 2.0 "Attributes of <outline>"); without a title the URL
         * stands in, and only a real title goes into title= so a reader can tell. */
        if (xmlTextWriterStartElement(w, (const xmlChar *)"outline") < 0 ||
            attr(w, "type", "rss") < 0 ||
            attr(w, "text", f->title ? f->title : f->url) < 0 ||
            (f->title && attr(w, "title", f->title) < 0) ||
            attr(w, "xmlUrl", f->url) < 0 ||
            (f->html_url && attr(w, "htmlUrl", f->html_url) < 0) ||
            xmlTextWriterEndElement(w) < 0)
            rc = -1;
    }
    free(order);
    if (rc < 0)
        return -1;
    if (xmlTextWriterEndDocument(w) < 0)   /* closes body and opml */
        return -1;
    return 0;
}

char *opml_write(const struct opml_out *feeds, size_t n, const char *doc_title,
                 int64_t created)
{
    xmlBufferPtr b = xmlBufferCreate();
    if (!b)
        return NULL;
    xmlTextWriterPtr w = xmlNewTextWriterMemory(b, 0);
    if (!w) {
        xmlBufferFree(b);
        return NULL;
    }
    int rc = write_doc(w, feeds, n, doc_title, created);
    xmlFreeTextWriter(w);   /* flushes into b */
    char *out = rc == 0 ? xstrdup((const char *)xmlBufferContent(b)) : NULL;
    xmlBufferFree(b);
    return out;
}
