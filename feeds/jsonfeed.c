/* feeds/jsonfeed.c: JSON Feed 1.0 and 1.1 (https://www.jsonfeed.org/version/1.1/)
 * through jansson. Both version URLs are accepted with http or https (pxlnv writes
 * http://jsonfeed.org/version/1); 1.1 "authors" arrays and the deprecated 1.0 "author"
 * object both give the author. JSON that is not a JSON Feed (Dave Winer's RSS-in-JSON)
 * is refused with a reason. Owned by the feed-parser engineer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/util.h"
#include "feeds/date.h"
#include "feeds/parse_internal.h"
#include "feeds/url.h"

static const char *jget(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Titles are plain text, but feeds leave character references in them
 * ("Blog &#8211; InfluxData"): decode those, as a reader shows them. */
static char *plain(const char *s)
{
    return text_looks_html(s) ? text_from_html(s) : text_plain(s);
}

static char *resolve(const char *base, const char *ref)
{
    char *t = text_plain(ref);
    if (t && base && !text_has_scheme(t)) {
        char *abs = url_resolve(base, t);
        free(t);
        return abs;
    }
    return t;
}

static int64_t jdate(json_t *o, const char *key)
{
    int64_t t;
    const char *s = jget(o, key);
    return (s && date_parse(s, &t) == 0) ? t : FEED_TIME_NONE;
}

/* JSON Feed 1.1 "authors" (array), else 1.0 "author" (object): the first name. */
static char *author_of(json_t *o)
{
    json_t *authors = json_object_get(o, "authors");
    size_t i;
    json_t *a;
    if (json_is_array(authors)) {
        json_array_foreach(authors, i, a) {
            char *n = plain(jget(a, "name"));
            if (n)
                return n;
        }
    }
    return plain(jget(json_object_get(o, "author"), "name"));
}

static void parse_item(struct feed *f, json_t *it, const char *base)
{
    struct entry *e = feed_add_entry(f);
    json_t *id = json_object_get(it, "id");
    if (json_is_string(id))
        e->id = text_plain(json_string_value(id));
    else if (json_is_integer(id))
        e->id = xasprintf("%lld", (long long)json_integer_value(id));
    e->link = resolve(base, jget(it, "url"));
    if (!e->link)
        e->link = resolve(base, jget(it, "external_url"));
    e->title = plain(jget(it, "title"));
    e->author = author_of(it);
    e->published = jdate(it, "date_published");
    e->updated = jdate(it, "date_modified");

    const char *hbase = e->link && text_has_scheme(e->link) ? e->link : base;
    const char *html = jget(it, "content_html");
    const char *text = jget(it, "content_text");
    if (!str_empty(html)) {
        e->content = html_resolve_urls(html, hbase);
    } else if (!str_empty(text)) {
        char *esc = text_escape_html(text);
        e->content = html_resolve_urls(esc, NULL);
        free(esc);
    }
    const char *summary = jget(it, "summary");
    if (!str_empty(summary)) {
        char *esc = text_escape_html(summary);   /* summary is plain text (spec) */
        e->summary = html_resolve_urls(esc, NULL);
        free(esc);
    }

    json_t *tags = json_object_get(it, "tags"), *v;
    size_t i;
    if (json_is_array(tags)) {
        json_array_foreach(tags, i, v) {
            if (json_is_string(v)) {
                char *t = text_plain(json_string_value(v));
                if (t)
                    entry_add_category(e, t);
                free(t);
            }
        }
    }
    json_t *att = json_object_get(it, "attachments");
    if (json_is_array(att)) {
        json_array_foreach(att, i, v) {
            char *u = resolve(base, jget(v, "url"));
            if (!u)
                continue;
            struct enclosure *x = entry_add_enclosure(e);
            x->url = u;
            x->type = text_plain(jget(v, "mime_type"));
            json_t *size = json_object_get(v, "size_in_bytes");
            if (json_is_integer(size) && json_integer_value(size) >= 0)
                x->length = json_integer_value(size);
            else if (json_is_real(size) && json_real_value(size) >= 0)
                x->length = (int64_t)json_real_value(size);
        }
    }
}

int jsonfeed_parse(const char *data, size_t len, const char *base_url, struct feed **out,
                   char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *root = json_loadb(data, len, 0, &jerr);
    if (!root) {
        snprintf(err, errlen, "not a feed: invalid JSON (line %d: %s)", jerr.line, jerr.text);
        return -1;
    }
    const char *version = jget(root, "version");
    if (!json_is_object(root) || !version) {
        snprintf(err, errlen, "not a feed: JSON without a JSON Feed version");
        json_decref(root);
        return -1;
    }
    if (!str_has_prefix(version, "https://jsonfeed.org/version/") &&
        !str_has_prefix(version, "http://jsonfeed.org/version/")) {
        snprintf(err, errlen, "not a feed: JSON with an unknown version \"%.80s\"", version);
        json_decref(root);
        return -1;
    }
    struct feed *f = feed_new();
    f->format = FEED_JSONFEED;
    const char *feed_url = jget(root, "feed_url");
    const char *base = base_url ? base_url : (feed_url && text_has_scheme(feed_url) ? feed_url : NULL);
    f->title = plain(jget(root, "title"));
    f->link = resolve(base, jget(root, "home_page_url"));
    if (!base && f->link && text_has_scheme(f->link))
        base = f->link;
    f->subtitle = plain(jget(root, "description"));
    f->language = text_plain(jget(root, "language"));
    f->author = author_of(root);
    f->icon = resolve(base, jget(root, "icon"));
    if (!f->icon)
        f->icon = resolve(base, jget(root, "favicon"));

    json_t *items = json_object_get(root, "items"), *it;
    size_t i;
    if (json_is_array(items)) {
        json_array_foreach(items, i, it) {
            if (json_is_object(it))
                parse_item(f, it, base);
        }
    }
    json_decref(root);
    *out = f;
    return 0;
}
