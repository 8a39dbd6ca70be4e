/* feeds/parse_xml.c: RSS 0.90-2.0, RSS 1.0 (RDF) and Atom 0.3/1.0 through libxml2's
 * SAX2 push parser: no tree is built, each entry is filled as its elements close.
 * Which element fills which field is decided by one table keyed by (parent context,
 * namespace, local name) with a priority per rule (sfeed's design): content:encoded and
 * description fill different fields, dc:date and pubDate the same one, an Atom
 * rel="alternate" link beats rel="related", and so on.
 * The SAX callbacks and the entity fallback live in parse_sax.c, the driver and the
 * recovery pass in parse_run.c.
 * Owned by the feed-parser engineer. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/util.h"
#include "feeds/date.h"
#include "feeds/parse.h"
#include "feeds/parse_internal.h"
#include "feeds/parse_xml.h"
#include "feeds/url.h"

/* Namespace URIs, compared case-insensitively and without a trailing slash: feeds write
 * "http://www.itunes.com/DTDs/Podcast-1.0.dtd" and ".../content" (taverncast). */
static const struct { const char *uri; enum xns ns; } namespaces[] = {
    {"http://www.w3.org/2005/atom", XNS_ATOM},
    {"http://purl.org/atom/ns#", XNS_ATOM},
    /* the drafts of Atom before 0.3 (Echo, Pie; feedparser reads them as Atom) */
    {"http://purl.org/echo", XNS_ATOM},
    {"http://purl.org/pie", XNS_ATOM},
    {"http://example.com/newformat#", XNS_ATOM},
    {"http://example.com/necho", XNS_ATOM},
    {"http://purl.org/rss/1.0", XNS_RSS},
    {"http://my.netscape.com/rdf/simple/0.9", XNS_RSS},
    {"http://backend.userland.com/rss2", XNS_RSS},
    {"http://backend.userland.com/rss", XNS_RSS},
    {"http://blogs.law.harvard.edu/tech/rss", XNS_RSS},
    {"http://www.w3.org/1999/02/22-rdf-syntax-ns#", XNS_RDF},
    {"http://purl.org/dc/elements/1.1", XNS_DC},
    {"http://purl.org/dc/terms", XNS_DCTERMS},
    {"http://purl.org/rss/1.0/modules/content", XNS_CONTENT},
    {"http://search.yahoo.com/mrss", XNS_MEDIA},
    {"http://www.itunes.com/dtds/podcast-1.0.dtd", XNS_ITUNES},
    {"http://www.w3.org/1999/xhtml", XNS_XHTML},
    {"http://purl.oclc.org/net/rss_2.0/enc#", XNS_ENC},
    {"http://purl.org/rss/1.0/modules/syndication", XNS_SY},
};

enum xns xml_ns_lookup(const char *uri, int none_is_atom)
{
    if (!uri || !*uri)
        return none_is_atom ? XNS_ATOM : XNS_RSS;
    size_t n = strlen(uri);
    while (n > 0 && uri[n - 1] == '/')
        n--;
    for (size_t i = 0; i < sizeof namespaces / sizeof namespaces[0]; i++)
        if (strlen(namespaces[i].uri) == n && !strncasecmp(uri, namespaces[i].uri, n))
            return namespaces[i].ns;
    return XNS_OTHER;
}

/* Priority: a higher number wins; an equal one keeps the first value seen. */
static const struct xrule rules[] = {
    /* document structure */
    {K_RSSROOT, XNS_RSS, "channel", A_PUSH, F_NONE, 0, K_FEED},
    {K_RDFROOT, XNS_RSS, "channel", A_PUSH, F_NONE, 0, K_FEED},
    {K_FEED, XNS_RSS, "item", A_ENTRY, F_NONE, 0, K_ENTRY},
    {K_RDFROOT, XNS_RSS, "item", A_ENTRY, F_NONE, 0, K_ENTRY},
    {K_RSSROOT, XNS_RSS, "item", A_ENTRY, F_NONE, 0, K_ENTRY},   /* <rss> without <channel> */
    {K_FEED, XNS_ATOM, "entry", A_ENTRY, F_NONE, 0, K_ENTRY},
    {K_FEED, XNS_RSS, "image", A_PUSH, F_NONE, 0, K_IMAGE},
    {K_RDFROOT, XNS_RSS, "image", A_PUSH, F_NONE, 0, K_IMAGE},
    {K_IMAGE, XNS_RSS, "url", A_URL, F_ICON, 2, 0},

    /* feed level: RSS */
    {K_FEED, XNS_RSS, "title", A_RSSTEXT, F_TITLE, 3, 0},
    {K_FEED, XNS_RSS, "link", A_URL, F_LINK, 3, 0},
    {K_FEED, XNS_RSS, "description", A_RSSTEXT, F_SUBTITLE, 3, 0},
    {K_FEED, XNS_RSS, "language", A_PLAIN, F_LANGUAGE, 3, 0},
    {K_FEED, XNS_DC, "language", A_PLAIN, F_LANGUAGE, 2, 0},
    {K_FEED, XNS_RSS, "lastBuildDate", A_DATE, F_UPDATED, 3, 0},
    {K_FEED, XNS_RSS, "pubDate", A_DATE, F_UPDATED, 2, 0},
    {K_FEED, XNS_DC, "date", A_DATE, F_UPDATED, 2, 0},
    {K_FEED, XNS_RSS, "managingEditor", A_AUTHOR, F_AUTHOR, 3, 0},
    {K_FEED, XNS_DC, "creator", A_AUTHOR, F_AUTHOR, 4, 0},
    {K_FEED, XNS_ITUNES, "author", A_AUTHOR, F_AUTHOR, 2, 0},
    {K_FEED, XNS_RSS, "author", A_AUTHOR, F_AUTHOR, 3, 0},   /* not RSS 2.0's, but written */
    /* Dublin Core as the fallback of the RSS elements (RSS 1.0 has no others) */
    {K_FEED, XNS_DC, "title", A_RSSTEXT, F_TITLE, 2, 0},
    {K_FEED, XNS_DC, "description", A_RSSTEXT, F_SUBTITLE, 2, 0},
    {K_FEED, XNS_DC, "author", A_AUTHOR, F_AUTHOR, 2, 0},
    {K_FEED, XNS_DC, "contributor", A_AUTHOR, F_AUTHOR, 1, 0},
    {K_FEED, XNS_DCTERMS, "modified", A_DATE, F_UPDATED, 2, 0},
    {K_FEED, XNS_ITUNES, "summary", A_RSSTEXT, F_SUBTITLE, 1, 0},
    {K_FEED, XNS_ITUNES, "subtitle", A_RSSTEXT, F_SUBTITLE, 1, 0},
    {K_FEED, XNS_ITUNES, "image", A_ITUNES_IMAGE, F_ICON, 1, 0},
    {K_FEED, XNS_ITUNES, "link", A_ITUNES_IMAGE, F_ICON, 1, 0},   /* rel="image" only */
    {K_FEED, XNS_RSS, "ttl", A_PLAIN, F_TTL, 3, 0},
    /* polling hints (issue 5): RSS 2.0 skipHours/skipDays, RSS 1.0 syndication module */
    {K_FEED, XNS_SY, "updatePeriod", A_PLAIN, F_SY_PERIOD, 3, 0},
    {K_FEED, XNS_SY, "updateFrequency", A_PLAIN, F_SY_FREQUENCY, 3, 0},
    {K_RDFROOT, XNS_SY, "updatePeriod", A_PLAIN, F_SY_PERIOD, 3, 0},
    {K_RDFROOT, XNS_SY, "updateFrequency", A_PLAIN, F_SY_FREQUENCY, 3, 0},
    {K_FEED, XNS_RSS, "skipHours", A_PUSH, F_NONE, 0, K_SKIPHOURS},
    {K_SKIPHOURS, XNS_RSS, "hour", A_PLAIN, F_SKIP_HOUR, 3, 0},
    {K_FEED, XNS_RSS, "skipDays", A_PUSH, F_NONE, 0, K_SKIPDAYS},
    {K_SKIPDAYS, XNS_RSS, "day", A_PLAIN, F_SKIP_DAY, 3, 0},

    /* feed level: Atom (also atom: elements inside an RSS channel) */
    {K_FEED, XNS_ATOM, "title", A_ATOMTEXT, F_TITLE, 3, 0},
    {K_FEED, XNS_ATOM, "subtitle", A_ATOMTEXT, F_SUBTITLE, 3, 0},
    {K_FEED, XNS_ATOM, "tagline", A_ATOMTEXT, F_SUBTITLE, 3, 0},
    /* Atom 0.3 <info> explains the format to someone who opened the file; Python's feedparser
     * reports it, and it is the only describing text such a feed may have: the last resort */
    {K_FEED, XNS_ATOM, "info", A_ATOMTEXT, F_SUBTITLE, 1, 0},
    {K_FEED, XNS_ATOM, "id", A_ATOM_ID, F_ID, 3, 0},
    {K_FEED, XNS_ATOM, "link", A_ATOM_LINK, F_LINK, 0, 0},
    {K_FEED, XNS_ATOM, "updated", A_DATE, F_UPDATED, 3, 0},
    {K_FEED, XNS_ATOM, "modified", A_DATE, F_UPDATED, 3, 0},
    {K_FEED, XNS_ATOM, "author", A_PUSH, F_NONE, 0, K_PERSON},
    {K_FEED, XNS_ATOM, "icon", A_URL, F_ICON, 3, 0},
    {K_FEED, XNS_ATOM, "logo", A_URL, F_ICON, 2, 0},

    /* entry level: RSS and its modules */
    {K_ENTRY, XNS_RSS, "title", A_RSSTEXT, F_TITLE, 3, 0},
    {K_ENTRY, XNS_RSS, "link", A_URL, F_LINK, 3, 0},
    {K_ENTRY, XNS_RSS, "description", A_HTML, F_SUMMARY, 3, 0},
    {K_ENTRY, XNS_RSS, "summary", A_HTML, F_SUMMARY, 3, 0},   /* not RSS's; see xml_rule_text */
    {K_ENTRY, XNS_CONTENT, "encoded", A_HTML, F_CONTENT, 3, 0},
    /* content elements before content:encoded: the XHTML body (RSS 2.0 specification's
     * extension example; also written without its namespace) and <fullitem>, escaped
     * HTML as feedparser reads it */
    {K_ENTRY, XNS_XHTML, "body", A_XHTML, F_CONTENT, 2, 0},
    {K_ENTRY, XNS_RSS, "body", A_XHTML, F_CONTENT, 2, 0},
    {K_ENTRY, XNS_RSS, "fullitem", A_HTML, F_CONTENT, 1, 0},
    {K_ENTRY, XNS_RSS, "guid", A_GUID, F_ID, 3, 0},
    {K_ENTRY, XNS_RSS, "pubDate", A_DATE, F_PUBLISHED, 3, 0},
    {K_ENTRY, XNS_DC, "date", A_DATE, F_PUBLISHED, 2, 0},
    {K_ENTRY, XNS_DCTERMS, "issued", A_DATE, F_PUBLISHED, 1, 0},
    {K_ENTRY, XNS_DCTERMS, "modified", A_DATE, F_UPDATED, 2, 0},
    {K_ENTRY, XNS_DCTERMS, "created", A_DATE, F_PUBLISHED, 1, 0},
    {K_ENTRY, XNS_DC, "title", A_RSSTEXT, F_TITLE, 2, 0},
    {K_ENTRY, XNS_DC, "description", A_HTML, F_SUMMARY, 2, 0},
    {K_ENTRY, XNS_DC, "author", A_AUTHOR, F_AUTHOR, 2, 0},
    {K_ENTRY, XNS_DC, "contributor", A_AUTHOR, F_AUTHOR, 1, 0},
    {K_ENTRY, XNS_RSS, "author", A_AUTHOR, F_AUTHOR, 4, 0},
    {K_ENTRY, XNS_DC, "creator", A_AUTHOR, F_AUTHOR, 3, 0},
    {K_ENTRY, XNS_ITUNES, "author", A_AUTHOR, F_AUTHOR, 2, 0},
    {K_ENTRY, XNS_ITUNES, "summary", A_TEXT_HTML, F_SUMMARY, 1, 0},
    {K_ENTRY, XNS_ITUNES, "subtitle", A_TEXT_HTML, F_SUMMARY, 1, 0},
    {K_ENTRY, XNS_RSS, "category", A_CATEGORY, F_NONE, 0, 0},
    {K_ENTRY, XNS_DC, "subject", A_CATEGORY, F_NONE, 0, 0},
    /* <categories><category>..</category></categories> (Macworld's IDG feeds) */
    {K_ENTRY, XNS_RSS, "categories", A_PUSH, F_NONE, 0, K_CATEGORIES},
    {K_CATEGORIES, XNS_RSS, "category", A_CATEGORY, F_NONE, 0, 0},
    /* categories of the modules, and a made-up <tags> list (feedparser reads them all) */
    {K_ENTRY, XNS_ITUNES, "category", A_ITUNES_CATEGORY, F_NONE, 0, K_ITUNES_CATEGORY},
    {K_ITUNES_CATEGORY, XNS_ITUNES, "category", A_ITUNES_CATEGORY, F_NONE, 0,
     K_ITUNES_CATEGORY},
    {K_ENTRY, XNS_ITUNES, "keywords", A_KEYWORDS, F_NONE, 0, 0},
    {K_ENTRY, XNS_RSS, "tags", A_KEYWORDS, F_NONE, 0, 0},
    {K_ENTRY, XNS_MEDIA, "category", A_CATEGORY, F_NONE, 0, 0},
    {K_MEDIA, XNS_MEDIA, "category", A_CATEGORY, F_NONE, 0, 0},
    {K_ENTRY, XNS_RSS, "enclosure", A_ENCLOSURE, F_NONE, 0, 0},
    {K_ENTRY, XNS_ENC, "enclosure", A_ENCLOSURE, F_NONE, 0, 0},
    {K_ENTRY, XNS_MEDIA, "group", A_PUSH, F_NONE, 0, K_MEDIA},
    {K_ENTRY, XNS_MEDIA, "content", A_MEDIA_CONTENT, F_NONE, 0, K_MEDIA},
    {K_ENTRY, XNS_MEDIA, "description", A_MEDIA_TEXT, F_SUMMARY, 1, 0},
    {K_ENTRY, XNS_MEDIA, "title", A_MEDIA_TEXT, F_TITLE, 1, 0},
    {K_MEDIA, XNS_MEDIA, "content", A_MEDIA_CONTENT, F_NONE, 0, K_MEDIA},
    {K_MEDIA, XNS_MEDIA, "description", A_MEDIA_TEXT, F_SUMMARY, 1, 0},
    {K_MEDIA, XNS_MEDIA, "title", A_MEDIA_TEXT, F_TITLE, 1, 0},

    /* entry level: Atom 1.0 and 0.3 */
    {K_ENTRY, XNS_ATOM, "title", A_ATOMTEXT, F_TITLE, 3, 0},
    {K_ENTRY, XNS_ATOM, "link", A_ATOM_LINK, F_LINK, 0, 0},
    {K_ENTRY, XNS_ATOM, "id", A_ATOM_ID, F_ID, 3, 0},
    {K_ENTRY, XNS_ATOM, "published", A_DATE, F_PUBLISHED, 3, 0},
    {K_ENTRY, XNS_ATOM, "issued", A_DATE, F_PUBLISHED, 3, 0},
    {K_ENTRY, XNS_ATOM, "created", A_DATE, F_PUBLISHED, 1, 0},
    {K_ENTRY, XNS_ATOM, "updated", A_DATE, F_UPDATED, 3, 0},
    {K_ENTRY, XNS_ATOM, "modified", A_DATE, F_UPDATED, 3, 0},
    {K_ENTRY, XNS_ATOM, "summary", A_ATOMTEXT, F_SUMMARY, 3, 0},
    {K_ENTRY, XNS_ATOM, "content", A_ATOMTEXT, F_CONTENT, 3, 0},
    {K_ENTRY, XNS_ATOM, "author", A_PUSH, F_NONE, 0, K_PERSON},
    {K_ENTRY, XNS_ATOM, "category", A_ATOM_CATEGORY, F_NONE, 0, 0},

    /* CDF (Channel Definition Format): <CHANNEL> holds <TITLE>, <ABSTRACT> and <ITEM>s,
     * in no namespace (so read as RSS's); HREF and LASTMOD are attributes (xml_cdf_attrs) */
    {K_FEED, XNS_RSS, "abstract", A_RSSTEXT, F_SUBTITLE, 1, 0},
    {K_ENTRY, XNS_RSS, "abstract", A_PLAIN, F_SUMMARY, 1, 0},

    /* Atom person construct (author of the feed or of the entry) */
    {K_PERSON, XNS_ATOM, "name", A_PLAIN, F_PERSON_NAME, 3, 0},
    {K_PERSON, XNS_ATOM, "email", A_PLAIN, F_PERSON_EMAIL, 3, 0},
};

/* Element names are matched without regard to case, as feedparser does: feeds write
 * <TiTlE>, CDF writes every name in capitals. */
const struct xrule *xml_rule_find(enum xkind parent, enum xns ns, const char *local)
{
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
        if (rules[i].parent == parent && rules[i].ns == ns && !strcasecmp(rules[i].name, local))
            return &rules[i];
    return NULL;
}

/* ---- field storage with priorities ---- */

static char **field_slot(struct xstate *st, int on_entry, enum xfield f)
{
    struct feed *fd = st->feed;
    struct entry *e = st->entry;
    if (on_entry && e) {
        switch (f) {
        case F_TITLE: return &e->title;
        case F_LINK: return &e->link;
        case F_ID: return &e->id;
        case F_AUTHOR: return &e->author;
        case F_SUMMARY: return &e->summary;
        case F_CONTENT: return &e->content;
        default: return NULL;
        }
    }
    switch (f) {
    case F_TITLE: return &fd->title;
    case F_LINK: return &fd->link;
    case F_ID: return &fd->id;
    case F_AUTHOR: return &fd->author;
    case F_SUBTITLE: return &fd->subtitle;
    case F_LANGUAGE: return &fd->language;
    case F_ICON: return &fd->icon;
    default: return NULL;
    }
}

/* Polling hints. sy:updatePeriod is hourly|daily|weekly|monthly|yearly and
 * sy:updateFrequency how many times per period (RSS 1.0 syndication module; default 1);
 * skipHours hours are 0-23 GMT (24 is read as 0, as some feeds write it) and skipDays
 * English day names (RSS 2.0 specification). */
static void hints_set(struct feed *fd, enum xfield f, const char *v)
{
    static const struct { const char *name; int seconds; } periods[] = {
        {"hourly", 3600}, {"daily", 86400}, {"weekly", 7 * 86400},
        {"monthly", 30 * 86400}, {"yearly", 365 * 86400},
    };
    static const char *const days[] = {"sunday", "monday", "tuesday", "wednesday",
                                       "thursday", "friday", "saturday"};
    char *end;
    long n;
    switch (f) {
    case F_SY_PERIOD:
        for (size_t i = 0; i < sizeof periods / sizeof periods[0]; i++)
            if (!strcasecmp(v, periods[i].name)) {
                /* keep a frequency that came first */
                int freq = fd->sy_seconds < 0 ? -fd->sy_seconds : 1;
                fd->sy_seconds = periods[i].seconds / freq;
            }
        break;
    case F_SY_FREQUENCY:
        n = strtol(v, &end, 10);
        if (end == v || *end || n < 1 || n > 100000)
            break;
        if (fd->sy_seconds > 0)   /* the period came first: divide it */
            fd->sy_seconds = fd->sy_seconds / (int)n > 0 ? fd->sy_seconds / (int)n : 1;
        else
            fd->sy_seconds = -(int)n;   /* remembered until the period arrives */
        break;
    case F_SKIP_HOUR:
        n = strtol(v, &end, 10);
        if (end != v && !*end && n >= 0 && n <= 24)
            fd->skip_hours |= 1u << (n % 24);
        break;
    case F_SKIP_DAY:
        for (int i = 0; i < 7; i++)
            if (!strcasecmp(v, days[i]))
                fd->skip_days |= (uint8_t)(1u << i);
        break;
    default:
        break;
    }
}

/* Stores value (owned) in field f of the entry or the feed when prio beats what is
 * there. Returns 1 when stored. */
int xml_field_set(struct xstate *st, int on_entry, enum xfield f, int prio, char *value)
{
    unsigned char *prios = on_entry && st->entry ? st->eprio : st->fprio;
    if (!value)
        return 0;
    if (f >= F_SY_PERIOD && f <= F_SKIP_DAY) {   /* repeatable; no priorities */
        hints_set(st->feed, f, str_trim(value));
        free(value);
        return 1;
    }
    /* A date repeated at the same priority takes the last value, as feedparser does
     * (<updated> twice; Atom 0.3's <issued> then Atom 1.0's <published>); any other
     * field keeps the first. */
    int dated = f == F_PUBLISHED || f == F_UPDATED;
    if (prios[f] && (dated ? prios[f] > prio : prios[f] >= prio)) {
        free(value);
        return 0;
    }
    if (f == F_PUBLISHED || f == F_UPDATED) {
        int64_t t;
        int ok = date_parse(value, &t) == 0;
        free(value);
        if (!ok)
            return 0;
        if (on_entry && st->entry) {
            if (f == F_PUBLISHED) st->entry->published = t;
            else st->entry->updated = t;
        } else if (f == F_UPDATED) {
            st->feed->updated = t;
        }
        prios[f] = (unsigned char)prio;
        return 1;
    }
    if (f == F_TTL) {
        char *end;
        long v = strtol(value, &end, 10);
        if (end != value && v > 0 && v < 1000000)
            st->feed->ttl_minutes = (int)v;
        free(value);
        prios[f] = (unsigned char)prio;
        return 1;
    }
    if (f == F_PERSON_NAME || f == F_PERSON_EMAIL) {
        char **p = f == F_PERSON_NAME ? &st->person_name : &st->person_email;
        free(*p);
        *p = value;
        return 1;
    }
    if (f == F_LANGUAGE)   /* "en_US" is "en-US" (BCP 47, RFC 5646 section 2.1) */
        for (char *c = value; *c; c++)
            if (*c == '_')
                *c = '-';
    char **slot = field_slot(st, on_entry, f);
    if (!slot) {
        free(value);
        return 0;
    }
    free(*slot);
    *slot = value;
    prios[f] = (unsigned char)prio;
    if (on_entry && st->entry && (f == F_SUMMARY || f == F_CONTENT)) {
        char **b = f == F_SUMMARY ? &st->summary_base : &st->content_base;
        free(*b);
        *b = xstrdup(st->cap_base);
    }
    return 1;
}

/* ---- entries ---- */

void xml_entry_begin(struct xstate *st)
{
    st->entry = feed_add_entry(st->feed);
    memset(st->eprio, 0, sizeof st->eprio);
    st->summary_rule = NULL;
    free(st->guid_link);
    st->guid_link = NULL;
}

/* An entry's HTML is resolved against its xml:base when it has one, else against the
 * entry's own link (RSS has no xml:base; relative URLs in a post are relative to the
 * post), else the document's location. */
static const char *html_base(struct xstate *st, const char *explicit_base)
{
    if (explicit_base && text_has_scheme(explicit_base))
        return explicit_base;   /* a relative xml:base with nothing to resolve it against is no base */
    if (st->entry && st->entry->link && text_has_scheme(st->entry->link))
        return st->entry->link;
    if (st->doc_base)
        return st->doc_base;
    if (st->feed->link && text_has_scheme(st->feed->link))
        return st->feed->link;
    return NULL;
}

static void resolve_in_place(char **s, const char *base)
{
    if (*s && base && !text_has_scheme(*s)) {
        char *abs = url_resolve(base, *s);
        free(*s);
        *s = abs;
    }
}

void xml_entry_end(struct xstate *st)
{
    struct entry *e = st->entry;
    if (!e)
        return;
    if (!e->link && st->guid_link) {
        e->link = st->guid_link;
        st->guid_link = NULL;
    }
    const char *flink = st->feed->link;
    resolve_in_place(&e->link, st->doc_base ? st->doc_base :
                               flink && text_has_scheme(flink) ? flink : NULL);
    int checked = xml_text_checked(st);
    e->summary = html_resolve_urls_checked(e->summary, html_base(st, st->summary_base), checked);
    e->content = html_resolve_urls_checked(e->content, html_base(st, st->content_base), checked);
    for (size_t i = 0; i < e->nenclosures; i++)
        resolve_in_place(&e->enclosures[i].url, st->doc_base);
    free(st->summary_base);
    free(st->content_base);
    free(st->guid_link);
    st->summary_base = st->content_base = st->guid_link = NULL;
    st->entry = NULL;
    if (st->sink) {
        /* the same cap as feed_add_entry's, so that both ways keep the same entries */
        if (st->sunk++ < FEED_MAX_ENTRIES)
            st->sink->entry(st->sink->ud, e);
        else
            st->feed->entries_dropped++;
        feed_drop_last_entry(st->feed);
    }
}

void xml_feed_end(struct xstate *st)
{
    if (st->entry)
        xml_entry_end(st);
    resolve_in_place(&st->feed->link, st->doc_base);
    const char *link = st->feed->link;
    resolve_in_place(&st->feed->icon, st->doc_base ? st->doc_base :
                                      link && text_has_scheme(link) ? link : NULL);
}

/* ---- elements without text: links, enclosures, categories ---- */

static const char *attr_get(const struct xattr *a, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (!a[i].ns_xml && !strcmp(a[i].name, name))
            return a[i].value;
    return NULL;
}

static char *abs_url(struct xstate *st, const char *ref)
{
    char *t = text_plain(ref);
    if (!t)
        return NULL;
    const char *base = st->frames[st->depth - 1].base;
    if (!base)
        base = st->doc_base;
    if (base && !text_has_scheme(t)) {
        char *abs = url_resolve(base, t);
        free(t);
        return abs;
    }
    return t;
}

static int64_t parse_length(const char *s)
{
    if (!s)
        return -1;
    char *end;
    long long v = strtoll(s, &end, 10);
    while (*end == ' ')
        end++;
    return (end == s || *end || v < 0) ? -1 : (int64_t)v;
}

static void add_enclosure(struct xstate *st, const char *url, const char *type, const char *length)
{
    char *u = abs_url(st, url);
    if (!u || !st->entry) {
        free(u);
        return;
    }
    for (size_t i = 0; i < st->entry->nenclosures; i++)
        if (!strcmp(st->entry->enclosures[i].url, u)) {
            free(u);
            return;
        }
    struct enclosure *x = entry_add_enclosure(st->entry);
    x->url = u;
    x->type = text_plain(type);
    x->length = parse_length(length);
}

static int rel_is_alternate(const char *rel)
{
    return !rel || !*rel || !strcmp(rel, "alternate") ||
           !strcmp(rel, "http://www.iana.org/assignments/relation/alternate");
}

/* Atom link: rel defaults to "alternate" (RFC 4287 section 4.2.7.2). Returns 0 for an
 * alternate link without href, whose text is then read as the URL (rule_text), as
 * feedparser reads <link rel="alternate">URL</link>. */
static int atom_link(struct xstate *st, int on_entry, const struct xattr *a, int n)
{
    const char *rel = attr_get(a, n, "rel");
    const char *href = attr_get(a, n, "href");
    if (!href && rel_is_alternate(rel))
        return 0;
    if (str_empty(href))
        return 1;   /* href="" would resolve to the base: not a link to anything */
    if (rel_is_alternate(rel)) {
        xml_field_set(st, on_entry, F_LINK, 2, abs_url(st, href));
    } else if (!strcmp(rel, "related")) {
        xml_field_set(st, on_entry, F_LINK, 1, abs_url(st, href));
    } else if (!strcmp(rel, "enclosure") && on_entry) {
        add_enclosure(st, href, attr_get(a, n, "type"), attr_get(a, n, "length"));
    } else if (!strcmp(rel, "self") && !on_entry && !st->doc_base) {
        /* the feed's own location is the base of last resort (docs/cli.md) */
        char *u = abs_url(st, href);
        if (u && text_has_scheme(u))
            st->doc_base = u;
        else
            free(u);
    }
    return 1;
}

/* A CDF channel's or item's HREF (its link) and LASTMOD (its date) attributes. */
void xml_cdf_attrs(struct xstate *st, const struct xattr *a, int n)
{
    int on_entry = st->entry != NULL;
    for (int i = 0; i < n; i++) {
        if (a[i].ns_xml)
            continue;
        if (!strcasecmp(a[i].name, "href"))
            xml_field_set(st, on_entry, F_LINK, 3, abs_url(st, a[i].value));
        else if (!strcasecmp(a[i].name, "lastmod"))
            xml_field_set(st, on_entry, F_UPDATED, 3, xstrdup(a[i].value));
    }
}

/* Empty-element rules act on their attributes at the start tag. Returns 1 if handled. */
int xml_rule_start(struct xstate *st, const struct xrule *r, const struct xattr *a, int n)
{
    int on_entry = st->entry != NULL;
    switch (r->action) {
    case A_ATOM_LINK:
        return atom_link(st, on_entry, a, n);
    case A_ENCLOSURE: {
        const char *url = attr_get(a, n, "url");
        if (!url)
            url = attr_get(a, n, "resource");   /* enc:enclosure rdf:resource */
        const char *len = attr_get(a, n, "length");
        add_enclosure(st, url, attr_get(a, n, "type"), len);
        return 1;
    }
    case A_MEDIA_CONTENT: {
        const char *url = attr_get(a, n, "url");
        if (url)
            add_enclosure(st, url, attr_get(a, n, "type"), attr_get(a, n, "fileSize"));
        return 1;
    }
    case A_ATOM_CATEGORY: {
        const char *term = attr_get(a, n, "term");
        if (str_empty(term))
            term = attr_get(a, n, "label");
        char *t = text_plain(term);
        if (t && st->entry)
            entry_add_category(st->entry, t);
        free(t);
        return 1;
    }
    case A_ITUNES_IMAGE: {
        /* <itunes:image href> (Apple's spelling; some write url), <itunes:link
         * rel="image" href> (the iTunes specification before 2006) */
        const char *rel = attr_get(a, n, "rel");
        if (!strcmp(r->name, "link") && !(rel && !strcmp(rel, "image")))
            return 1;
        const char *href = attr_get(a, n, "href");
        if (str_empty(href))
            href = attr_get(a, n, "url");
        xml_field_set(st, 0, r->field, r->prio, abs_url(st, href));
        return 1;
    }
    case A_ITUNES_CATEGORY: {
        char *t = text_plain(attr_get(a, n, "text"));
        if (t && st->entry)
            entry_add_category(st->entry, t);
        free(t);
        return 1;
    }
    default:
        return 0;
    }
}

/* The value of a captured text element (borrows text). */
static void rule_text(struct xstate *st, const struct xrule *r, char *text, enum xmode mode)
{
    int on_entry = st->entry != NULL;
    char *v = NULL;
    int html_field = r->field == F_SUMMARY || r->field == F_CONTENT;

    if (html_field) {
        v = str_empty(text) ? NULL : text_escape_html(str_trim(text));   /* M_TEXT */
        xml_field_set(st, on_entry, r->field, r->prio, v);
        return;
    }
    switch (r->action) {
    case A_URL:
        xml_field_set(st, on_entry, r->field, r->prio, abs_url(st, text));
        return;
    case A_ATOM_LINK:   /* an alternate link without href (atom_link) */
        xml_field_set(st, on_entry, F_LINK, 2, str_empty(text) ? NULL : abs_url(st, text));
        return;
    case A_ATOM_ID: {
        /* atom:id is an absolute IRI (RFC 4287 section 4.2.6); one written as a relative
         * path ("/post/1", "../post/1") is resolved against the base in effect, as
         * xml:base asks of every URI reference (feedparser does the same). Other ids
         * without a scheme ("1234") are kept as written: they are keys, not references,
         * and rewriting them would change the identity of stored entries. */
        char *id = text_plain(text);
        if (id && (id[0] == '/' || !strncmp(id, "./", 2) || !strncmp(id, "../", 3))) {
            free(id);
            id = abs_url(st, text);
        }
        xml_field_set(st, on_entry, F_ID, r->prio, id);
        return;
    }
    case A_GUID: {
        char *id = text_plain(text);
        if (id && st->guid_permalink && on_entry && url_is_http(id)) {
            free(st->guid_link);
            st->guid_link = xstrdup(id);
        }
        xml_field_set(st, on_entry, F_ID, r->prio, id);
        return;
    }
    case A_KEYWORDS:
        for (char *p = text, *comma; p && st->entry; p = comma ? comma + 1 : NULL) {
            comma = strchr(p, ',');
            if (comma)
                *comma = '\0';
            char *t = text_plain(p);
            if (t)
                entry_add_category(st->entry, t);
            free(t);
        }
        return;
    case A_CATEGORY: {
        char *t = text_looks_html(text) ? text_from_html(text) : text_plain(text);
        if (t && st->entry)
            entry_add_category(st->entry, t);
        free(t);
        return;
    }
    case A_AUTHOR: {
        v = text_looks_html(text) ? text_from_html(text) : xstrdup(text);
        char *who = text_author(v);
        free(v);
        /* a bare email is the last resort: the contract prefers a name */
        int email_only = who && strchr(who, '@') && !strchr(who, ' ');
        xml_field_set(st, on_entry, r->field, email_only ? 1 : r->prio, who);
        return;
    }
    default:
        break;
    }
    if (mode == M_HTML || mode == M_XHTML || (r->action == A_RSSTEXT && text_looks_html(text)))
        v = text_from_html(text);
    else
        v = text_plain(text);
    xml_field_set(st, on_entry, r->field, r->prio, v);
}

/* A captured text element has closed: turn the text (consumed) into the field's value.
 * Captured HTML becomes the summary or content as it is, without a copy of the post. */
void xml_rule_text(struct xstate *st, const struct xrule *r, char *text, enum xmode mode)
{
    /* An RSS item with both <description> and a made-up <summary>: the first is the
     * summary and the second the content (below content:encoded), as feedparser reads
     * them; a repeated element is not redirected. */
    if (r->field == F_SUMMARY && r->ns == XNS_RSS && st->entry) {
        if (st->summary_rule && st->summary_rule != r && st->entry->summary) {
            static const struct xrule as_content = {K_ENTRY, XNS_RSS, "summary", A_HTML,
                                                    F_CONTENT, 1, 0};
            r = &as_content;
        } else {
            st->summary_rule = r;
        }
    }
    if ((r->field == F_SUMMARY || r->field == F_CONTENT) && mode != M_TEXT) {
        if (str_empty(text)) {
            free(text);
            text = NULL;
        }
        xml_field_set(st, st->entry != NULL, r->field, r->prio, text);
        return;
    }
    rule_text(st, r, text, mode);
    free(text);
}

/* Closes an Atom person construct: the name when given, else the email. */
void xml_person_end(struct xstate *st)
{
    char *who = st->person_name ? st->person_name : st->person_email;
    if (who)
        xml_field_set(st, st->entry != NULL, F_AUTHOR, 3, xstrdup(who));
    free(st->person_name);
    free(st->person_email);
    st->person_name = st->person_email = NULL;
}
