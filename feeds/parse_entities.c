/* feeds/parse_entities.c: the entities of a feed document, for libxml2's SAX parser
 * (parse_sax.c installs the two callbacks). Undeclared HTML entities (&nbsp; in a feed
 * without DTD is a fatal error, after which libxml2 stops calling SAX and every later
 * entry would be lost) are answered from the HTML entity table. Entities declared in the
 * internal subset are expanded when they are plain and within the limits below; any other
 * declaration refuses the document. The parser runs with safe options only
 * (XML_PARSE_NONET; never NOENT, DTDLOAD or DTDVALID), so libxml2 itself neither loads
 * nor expands an entity. Owned by the feed-parser engineer. */
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>

#include "common/utf8.h"
#include "common/util.h"
#include "feeds/entities.h"
#include "feeds/parse_xml.h"
#include "feeds/xml_compat.h"

#define MAX_CACHED_ENTITIES 256

/* Entities declared in the internal subset: plain ones only (their value refers to no
 * other entity, so there is no nesting to multiply it), at most DECL_MAX_ENTITIES of at
 * most DECL_MAX_VALUE bytes each, and at most DECL_MAX_EXPANSION bytes put into the text
 * by all their references together (one long entity referenced many times, the quadratic
 * blowup). The budget is spent per lookup, and libxml2 may look an entity up more than
 * once for a reference (2.9.14: one lookup more in all; 4000 bytes are read 261 times
 * and refused the 262nd), so it may run out a little early, never late. Beyond, or for any external or parameter entity, the document is refused:
 * billion laughs needs nesting, XXE an external entity, and neither is ever expanded. */
#define DECL_MAX_ENTITIES 32
#define DECL_MAX_VALUE 4096
#define DECL_MAX_EXPANSION (1u << 20)

struct cached_entity {
    xmlEntity ent;
    int in_attr;
    int declared;   /* declared by the document (else an HTML entity) */
    struct cached_entity *next;
};

static void refuse(struct sax_run *r, const char *why)
{
    if (!r->st.refused)
        r->st.refused_why = why;
    r->st.refused = 1;
    xmlStopParser(r->st.ctxt);
}

static struct cached_entity *entity_cache_add(struct sax_run *r, const char *name, int in_attr,
                                              int etype, const char *content)
{
    struct cached_entity *c = xcalloc(1, sizeof *c);
    c->in_attr = in_attr;
    c->ent.type = XML_ENTITY_DECL;
    c->ent.name = (const xmlChar *)xstrdup(name);
    c->ent.etype = (xmlEntityType)etype;
    c->ent.content = (xmlChar *)xstrdup(content);
    c->ent.length = (int)strlen(content);
    c->next = r->st.entities;
    r->st.entities = c;
    return c;
}

xmlEntityPtr parse_entity_get(void *ctx, const xmlChar *name)
{
    struct sax_run *r = ctx;
    xmlParserCtxtPtr ctxt = r->st.ctxt;
    int in_attr = xml_ctxt_in_attribute(ctxt);
    for (struct cached_entity *c = r->st.entities; c; c = c->next)
        if (c->in_attr == in_attr && !strcmp((const char *)c->ent.name, (const char *)name)) {
            if (c->declared && !in_attr) {
                r->expanded += (size_t)c->ent.length;
                if (r->expanded > DECL_MAX_EXPANSION) {
                    refuse(r, "the document's entities expand to more than 1 MiB");
                    return NULL;
                }
            }
            return &c->ent;
        }
    unsigned cp = entity_lookup((const char *)name, strlen((const char *)name));
    if (!cp || r->nentities >= MAX_CACHED_ENTITIES)
        return NULL;
    char utf8[UTF8_MAX + 1] = {0};
    utf8_encode(cp, utf8);
    int etype = XML_INTERNAL_PREDEFINED_ENTITY;
    if (in_attr && cp >= 0x80) {
        /* libxml2 2.9 to 2.12 copy only the first byte of a predefined entity into an
         * attribute value: a no-break space becomes a space, anything else is kept as
         * the reference itself (an internal general entity is output as "&name;"). */
        if (cp == 0xA0)
            strcpy(utf8, " ");
        else
            etype = XML_INTERNAL_GENERAL_ENTITY;
    }
    r->nentities++;
    return &entity_cache_add(r, (const char *)name, in_attr, etype, utf8)->ent;
}

void parse_sax_entities_free(struct xstate *st)
{
    struct cached_entity *c = st->entities, *next;
    for (; c; c = next) {
        next = c->next;
        free((char *)c->ent.name);
        free(c->ent.content);
        /* libxml2 hands the literal value of a declaration to the entity its getEntity
         * returns for that name (xmlParseEntityDecl sets orig when it is NULL) */
        if (c->ent.orig)
            xmlFree(c->ent.orig);
        free(c);
    }
    st->entities = NULL;
}

/* The replacement text of a declared entity read as text (XML 1.0 section 4.5): character
 * references and the five predefined entities decoded, and HTML's names (undeclared, as
 * in the document's text). NULL when it refers to any other entity. */
static char *decl_value(const char *v)
{
    static const struct { const char *name; char c; } predefined[] = {
        {"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''},
    };
    struct buf b = {0};
    buf_append(&b, "", 0);
    for (const char *p = v; *p;) {
        if (*p != '&') {
            buf_putc(&b, *p++);
            continue;
        }
        const char *semi = strchr(p, ';');
        size_t n = semi ? (size_t)(semi - p - 1) : 0;
        unsigned cp = 0;
        if (n > 1 && p[1] == '#') {
            char *end;
            int hex = p[2] == 'x' || p[2] == 'X';
            unsigned long u = strtoul(p + 2 + hex, &end, hex ? 16 : 10);
            cp = end == semi && u > 0 && u <= 0x10FFFF ? (unsigned)u : 0;
        } else if (n) {
            for (size_t i = 0; i < sizeof predefined / sizeof predefined[0] && !cp; i++)
                if (strlen(predefined[i].name) == n && !strncmp(p + 1, predefined[i].name, n))
                    cp = (unsigned char)predefined[i].c;
            if (!cp)
                cp = entity_lookup(p + 1, n);
        }
        if (!cp) {
            buf_free(&b);
            return NULL;
        }
        char enc[UTF8_MAX];
        buf_append(&b, enc, utf8_encode(cp, enc));
        p = semi + 1;
    }
    return buf_steal(&b);
}

/* An entity declaration: kept when it is a plain internal general entity within the
 * limits above, else the document is refused (XXE, billion laughs, quadratic blowup). */
void parse_entity_decl(void *ctx, const xmlChar *name, int type, const xmlChar *publicId,
                       const xmlChar *systemId, xmlChar *content)
{
    (void)publicId, (void)systemId;
    struct sax_run *r = ctx;
    if (type != XML_INTERNAL_GENERAL_ENTITY || !content) {
        refuse(r, "the document declares external or parameter entities");
        return;
    }
    if (r->ndeclared >= DECL_MAX_ENTITIES) {
        refuse(r, "the document declares more than 32 entities");
        return;
    }
    for (struct cached_entity *c = r->st.entities; c; c = c->next)
        if (c->declared && !strcmp((const char *)c->ent.name, (const char *)name))
            return;   /* the first declaration binds (XML 1.0 section 4.2) */
    char *v = decl_value((const char *)content);
    if (!v) {
        refuse(r, "the document declares entities that refer to other entities");
        return;
    }
    if (strlen(v) > DECL_MAX_VALUE) {
        free(v);
        refuse(r, "the document declares entities longer than 4096 bytes");
        return;
    }
    /* In text the value is handed over as characters (a predefined entity's way); in an
     * attribute the reference is kept as written (libxml2 2.9 to 2.12 would copy only a
     * predefined entity's first byte there, see parse_entity_get) */
    entity_cache_add(r, (const char *)name, 0, XML_INTERNAL_PREDEFINED_ENTITY, v)->declared = 1;
    entity_cache_add(r, (const char *)name, 1, XML_INTERNAL_GENERAL_ENTITY, "")->declared = 1;
    r->ndeclared++;
    free(v);
}
