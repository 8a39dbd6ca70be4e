/* feeds/feed.c: the parsed-feed model (feeds/feed.h): construction, release, and the
 * `feedsd parse` JSON rendering (shared/spec/cli-contracts.md) through jansson.
 * Owned by the feed-parser engineer. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/util.h"
#include "feeds/date.h"
#include "feeds/feed.h"

/* Hostile feeds cannot grow these lists without bound. */
#define MAX_ENTRIES     100000
#define MAX_CATEGORIES  256
#define MAX_ENCLOSURES  64

static struct entry overflow_entry;   /* sink for entries past MAX_ENTRIES */

struct feed *feed_new(void)
{
    struct feed *f = xcalloc(1, sizeof *f);
    f->updated = FEED_TIME_NONE;
    return f;
}

static void entry_clear(struct entry *e)
{
    free(e->id);
    free(e->title);
    free(e->link);
    free(e->author);
    free(e->summary);
    free(e->content);
    for (size_t i = 0; i < e->ncategories; i++)
        free(e->categories[i]);
    free(e->categories);
    for (size_t i = 0; i < e->nenclosures; i++) {
        free(e->enclosures[i].url);
        free(e->enclosures[i].type);
    }
    free(e->enclosures);
    memset(e, 0, sizeof *e);
    e->published = e->updated = FEED_TIME_NONE;
}

struct entry *feed_add_entry(struct feed *f)
{
    if (f->nentries >= MAX_ENTRIES) {
        /* The caller still gets a valid entry to fill; it is never listed. */
        entry_clear(&overflow_entry);
        return &overflow_entry;
    }
    if (f->nentries == f->cap_entries) {
        f->cap_entries = f->cap_entries ? f->cap_entries * 2 : 16;
        f->entries = xrealloc(f->entries, f->cap_entries * sizeof *f->entries);
    }
    struct entry *e = &f->entries[f->nentries++];
    memset(e, 0, sizeof *e);
    e->published = e->updated = FEED_TIME_NONE;
    return e;
}

void entry_add_category(struct entry *e, const char *term)
{
    if (str_empty(term) || e->ncategories >= MAX_CATEGORIES)
        return;
    for (size_t i = 0; i < e->ncategories; i++)
        if (!strcmp(e->categories[i], term))
            return;
    e->categories = xrealloc(e->categories, (e->ncategories + 1) * sizeof *e->categories);
    e->categories[e->ncategories++] = xstrdup(term);
}

struct enclosure *entry_add_enclosure(struct entry *e)
{
    static struct enclosure sink;
    if (e->nenclosures >= MAX_ENCLOSURES) {
        free(sink.url);
        free(sink.type);
        memset(&sink, 0, sizeof sink);
        sink.length = -1;
        return &sink;
    }
    e->enclosures = xrealloc(e->enclosures, (e->nenclosures + 1) * sizeof *e->enclosures);
    struct enclosure *x = &e->enclosures[e->nenclosures++];
    memset(x, 0, sizeof *x);
    x->length = -1;
    return x;
}

void feed_free(struct feed *f)
{
    if (!f)
        return;
    free(f->title);
    free(f->link);
    free(f->id);
    free(f->subtitle);
    free(f->language);
    free(f->author);
    free(f->icon);
    for (size_t i = 0; i < f->nentries; i++)
        entry_clear(&f->entries[i]);
    free(f->entries);
    free(f);
}

static const char *const format_names[] = {
    [FEED_UNKNOWN] = "unknown", [FEED_RSS090] = "rss090", [FEED_RSS091] = "rss091",
    [FEED_RSS092] = "rss092", [FEED_RSS093] = "rss093", [FEED_RSS094] = "rss094",
    [FEED_RSS20] = "rss20", [FEED_RSS10] = "rss10", [FEED_ATOM03] = "atom03",
    [FEED_ATOM10] = "atom10", [FEED_JSONFEED] = "jsonfeed",
};

const char *feed_format_name(enum feed_format fmt)
{
    if ((size_t)fmt >= sizeof format_names / sizeof format_names[0] || !format_names[fmt])
        return "unknown";
    return format_names[fmt];
}

/* A JSON string, or null for a field the feed does not give. jansson refuses invalid
 * UTF-8; the parser hands over clean text, but a U+FFFD beats a dropped field. */
static json_t *jstr(const char *s)
{
    if (!s)
        return json_null();
    json_t *j = json_string(s);
    if (!j) {
        char *fixed = xstrdup(s);
        for (char *p = fixed; *p; p++)
            if ((unsigned char)*p >= 0x80)
                *p = '?';
        j = json_string(fixed);
        free(fixed);
    }
    return j ? j : json_null();
}

static json_t *jdate(int64_t t)
{
    char buf[40];
    if (t == FEED_TIME_NONE)
        return json_null();
    return json_string(date_format_utc(t, buf, sizeof buf));
}

static json_t *entry_json(const struct entry *e)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", jstr(e->id));
    json_object_set_new(o, "title", jstr(e->title));
    json_object_set_new(o, "link", jstr(e->link));
    json_object_set_new(o, "author", jstr(e->author));
    json_object_set_new(o, "published", jdate(e->published));
    json_object_set_new(o, "updated", jdate(e->updated));
    json_object_set_new(o, "summary", jstr(e->summary));
    json_object_set_new(o, "content", jstr(e->content));
    json_t *cats = json_array();
    for (size_t i = 0; i < e->ncategories; i++)
        json_array_append_new(cats, jstr(e->categories[i]));
    json_object_set_new(o, "categories", cats);
    json_t *encs = json_array();
    for (size_t i = 0; i < e->nenclosures; i++) {
        const struct enclosure *x = &e->enclosures[i];
        json_t *eo = json_object();
        json_object_set_new(eo, "url", jstr(x->url ? x->url : ""));
        json_object_set_new(eo, "type", jstr(x->type));
        json_object_set_new(eo, "length", x->length >= 0 ? json_integer(x->length) : json_null());
        json_array_append_new(encs, eo);
    }
    json_object_set_new(o, "enclosures", encs);
    return o;
}

int feed_write_json(const struct feed *f, FILE *out)
{
    json_t *o = json_object();
    json_object_set_new(o, "format", json_string(feed_format_name(f->format)));
    json_object_set_new(o, "title", jstr(f->title));
    json_object_set_new(o, "link", jstr(f->link));
    json_object_set_new(o, "id", jstr(f->id));
    json_object_set_new(o, "subtitle", jstr(f->subtitle));
    json_object_set_new(o, "language", jstr(f->language));
    json_object_set_new(o, "updated", jdate(f->updated));
    json_object_set_new(o, "author", jstr(f->author));
    json_object_set_new(o, "icon", jstr(f->icon));
    json_t *entries = json_array();
    for (size_t i = 0; i < f->nentries; i++)
        json_array_append_new(entries, entry_json(&f->entries[i]));
    json_object_set_new(o, "entries", entries);
    int rc = json_dumpf(o, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(o);
    if (rc != 0 || fputc('\n', out) == EOF)
        return -1;
    return 0;
}
