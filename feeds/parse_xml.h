/* feeds/parse_xml.h: the element table and parser state shared by parse_xml.c (what
 * each element means), parse_sax.c (the libxml2 SAX2 callbacks) and parse_run.c (the
 * passes that drive them). Internal to the feed parser. Owned by the feed-parser
 * engineer. */
#ifndef FEEDSD_PARSE_XML_H
#define FEEDSD_PARSE_XML_H

#include <stdint.h>
#include "common/util.h"
#include "feeds/feed.h"

struct feed_sink;

/* Namespace groups: RSS 0.90/1.0/2.0 elements share one group, Atom 0.3/1.0 another. */
enum xns {
    XNS_OTHER, XNS_RSS, XNS_ATOM, XNS_RDF, XNS_DC, XNS_DCTERMS, XNS_CONTENT, XNS_MEDIA,
    XNS_ITUNES, XNS_XHTML, XNS_ENC, XNS_SY,
};

/* What an open element is, for its children's lookups. */
enum xkind {
    K_NONE, K_RSSROOT, K_RDFROOT, K_FEED, K_ENTRY, K_IMAGE, K_MEDIA, K_PERSON, K_CATEGORIES,
    K_SKIPHOURS, K_SKIPDAYS, K_ITUNES_CATEGORY,
};

enum xfield {
    F_NONE, F_TITLE, F_LINK, F_ID, F_AUTHOR, F_PUBLISHED, F_UPDATED, F_SUMMARY, F_CONTENT,
    F_SUBTITLE, F_LANGUAGE, F_ICON, F_TTL, F_PERSON_NAME, F_PERSON_EMAIL,
    F_SY_PERIOD, F_SY_FREQUENCY, F_SKIP_HOUR, F_SKIP_DAY, F_COUNT,
};

enum xaction {
    A_PUSH,          /* container: children are looked up with the rule's kind */
    A_ENTRY,         /* starts an entry */
    A_PLAIN,         /* text, plain */
    A_RSSTEXT,       /* text, plain; markup stripped when it reads as escaped HTML */
    A_ATOMTEXT,      /* Atom text construct: type text/html/xhtml */
    A_HTML,          /* HTML (RSS description, content:encoded) */
    A_XHTML,         /* XHTML markup inline (xhtml:body): its children are the content */
    A_TEXT_HTML,     /* plain text destined for an HTML field (itunes:summary) */
    A_MEDIA_TEXT,    /* media:description/title: type="plain"|"html" */
    A_DATE, A_URL, A_GUID, A_AUTHOR, A_CATEGORY,
    A_ATOM_ID,       /* atom:id; one written as a relative path is resolved (xml:base) */
    A_ATOM_LINK, A_ATOM_CATEGORY, A_ENCLOSURE, A_MEDIA_CONTENT, A_ITUNES_IMAGE,
    A_ITUNES_CATEGORY,   /* itunes:category text="..." (nested ones too) */
    A_KEYWORDS,          /* comma-separated categories (itunes:keywords, <tags>) */
};

enum xmode { M_TEXT, M_HTML, M_XHTML };

struct xrule {
    unsigned char parent, ns;
    const char *name;
    unsigned char action, field, prio, kind;
};

struct xattr {
    const char *name;
    const char *prefix;   /* NULL when none: xlink:href keeps its xlink (XHTML content) */
    const char *value;    /* NUL-terminated, &#38; already decoded */
    int ns_xml;           /* xml:base, xml:lang */
};

#define XML_MAX_DEPTH 512

struct xframe {
    unsigned char kind;
    unsigned char has_base;   /* an xml:base applies here (own or inherited) */
    unsigned char owns_base;  /* base is this element's own xml:base, malloc'd */
    /* effective base URL, NULL when unknown: the element's own (owns_base) or borrowed
     * from the parent or the document, which outlive it (no copy per element) */
    const char *base;
};

struct xstate {
    struct feed *feed;
    struct entry *entry;
    void *ctxt;                    /* xmlParserCtxtPtr, for getEntity and stopping */
    char *doc_base;
    int found_root, none_is_atom, refused;
    const char *refused_why;       /* why refused (a static string), NULL before */
    char *rss_uri;                 /* the unknown namespace of <rss>, read as RSS's */
    int recovering;                /* the recovery pass (XML_PARSE_RECOVER) */
    char root_name[64];            /* first element, for "not a feed" messages */
    unsigned char fprio[F_COUNT], eprio[F_COUNT];
    int depth;                     /* open elements; frames beyond XML_MAX_DEPTH are not kept */
    struct xframe frames[XML_MAX_DEPTH];

    /* text capture of one element */
    const struct xrule *cap_rule;
    int cap_depth, cap_skip_div;
    int cap_full;                  /* the text reached PARSE_FIELD_MAX: the rest is dropped */
    enum xmode cap_mode;
    int cap_base64;                /* the text is Base64 (decoded when the element ends) */
    int cap_inline_xml;            /* Atom 0.3 mode="xml": child elements are content */
    int cap_foreign;               /* depth + 1 of the open SVG/MathML root, or 0 */
    struct buf cap;
    char *cap_base;                /* explicit xml:base of the captured element, or NULL */
    int guid_permalink;
    const struct xrule *summary_rule;   /* the RSS element that gave the entry's summary */

    char *person_name, *person_email;
    char *summary_base, *content_base, *guid_link;
    void *entities;                /* entities handed to libxml2 (parse_sax.c) */
    const struct feed_sink *sink;  /* NULL, or where each finished entry goes */
    size_t sunk;                   /* entries handed to the sink */
};

enum xns xml_ns_lookup(const char *uri, int none_is_atom);
const struct xrule *xml_rule_find(enum xkind parent, enum xns ns, const char *local);
int xml_field_set(struct xstate *st, int on_entry, enum xfield f, int prio, char *value);
void xml_entry_begin(struct xstate *st);
void xml_entry_end(struct xstate *st);
/* 1 while the strict (not the recovery) pass has found the document well-formed so far:
 * then every character libxml2 has handed over was checked by it (well-formed UTF-8, XML
 * 1.0 Char: no C0 control but tab, LF and CR; no U+FFFE/U+FFFF). parse_sax.c. */
int xml_text_checked(const struct xstate *st);
void xml_feed_end(struct xstate *st);
int xml_rule_start(struct xstate *st, const struct xrule *r, const struct xattr *a, int n);
void xml_rule_text(struct xstate *st, const struct xrule *r, char *text, enum xmode mode);   /* consumes text */
void xml_person_end(struct xstate *st);
void xml_cdf_attrs(struct xstate *st, const struct xattr *a, int n);

/* One pass of the SAX parser over a document (parse_run.c), the context of every
 * callback of parse_sax.c. */
struct sax_run {
    struct xstate st;
    char error[160];      /* first fatal libxml2 error */
    int nentities;
    int ndeclared;        /* entities the document declared (sax_entity_decl) */
    size_t expanded;      /* bytes their references put into the text */
};

/* parse_sax.c: the callbacks, for xmlCreatePushParserCtxt; the characters callback, which
 * the strict pass also calls with text that went past libxml2 (ctx: the sax_run); and
 * the entities the run handed to libxml2, freed after it. */
struct _xmlSAXHandler;
void parse_sax_handler(struct _xmlSAXHandler *sax);
void parse_sax_characters(void *ctx, const unsigned char *ch, int len);
void parse_sax_entities_free(struct xstate *st);   /* parse_entities.c */

/* parse_entities.c: libxml2's getEntity and entityDecl callbacks (ctx: the sax_run). */
struct _xmlEntity;
struct _xmlEntity *parse_entity_get(void *ctx, const unsigned char *name);
void parse_entity_decl(void *ctx, const unsigned char *name, int type,
                       const unsigned char *publicId, const unsigned char *systemId,
                       unsigned char *content);

#endif
