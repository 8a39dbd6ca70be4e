/* markdown/readability_md.c: the article as markdown straight from the page's tree, for a
 * caller that wants markdown only (`feedsd extract`; the daemon stores the article's HTML
 * and goes through readability_extract). The result is html2md of the HTML that
 * readability_extract returns, byte for byte, without serialising the article and parsing
 * it again: on a 1 MB page (Wikipedia's) the two cost 155 of 517 M instructions
 * (callgrind), where the walk below costs under 30.
 *
 * What the round trip does to a tree that matters to the markdown, done here instead
 * (libxml2 2.9.14, htmlAttrDumpOutput in HTMLtree.c): href, src and action, and an <a>'s
 * name, are written through xmlURIEscapeStr with "@/:=?;#%&,+<>" kept, from their first
 * non-blank byte, and read back so: a space or a non-ASCII byte of a URL comes back
 * percent-encoded. The rest reads the same either way: text that the cleaning left in
 * adjacent text nodes (md_text reads white space from what it wrote, not per node), the
 * line ends the dump puts between blocks, entities (the dump writes them, the parse reads
 * them back). The kept elements become the children of one <div>, as readability_extract
 * wraps them. The test: test_readability's markdown_as_html2md_reads_the_html, on every
 * page of tests/data/pages. */
#include "markdown/readability_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/uri.h>

#include "markdown/html2md_int.h"

/* htmlAttrDumpOutput's URL attributes. */
static int url_attr(const xmlAttr *a)
{
    const char *name = (const char *)a->name;
    if (a->ns || !a->parent || a->parent->ns)
        return 0;
    return !strcasecmp(name, "href") || !strcasecmp(name, "action") ||
           !strcasecmp(name, "src") ||
           (!strcasecmp(name, "name") && !strcasecmp((const char *)a->parent->name, "a"));
}

static int blank(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* A URL attribute as it reads after the round trip. */
static void escape_url_attr(xmlNode *n, xmlAttr *a)
{
    xmlChar *v = xmlNodeListGetString(n->doc, a->children, 1);
    const xmlChar *t = v;
    while (t && blank(*t))
        t++;
    /* xmlURIEscapeStr gives NULL for an empty string: the dump writes the value as it is */
    xmlChar *e = t && *t ? xmlURIEscapeStr(t, (const xmlChar *)"@/:=?;#%&,+<>") : NULL;
    if (e && strcmp((const char *)e, (const char *)v) != 0)
        xmlSetNsProp(n, NULL, a->name, e);
    xmlFree(e);
    xmlFree(v);
}

/* The tree below root as the HTML parser would give it back from htmlNodeDump. */
static void as_reparsed(xmlNode *root)
{
    for (xmlNode *n = root; n; n = rd_next(n, root, 0))
        if (n->type == XML_ELEMENT_NODE)
            for (xmlAttr *a = n->properties; a; a = a->next)
                if (a->children && url_attr(a))
                    escape_url_attr(n, a);
}

char *rd_article_md(xmlDoc *doc, xmlNode **nodes, size_t n, size_t len, const char *base)
{
    xmlNode *div = xmlNewDocNode(doc, NULL, (const xmlChar *)"div", NULL);
    for (size_t k = 0; k < n; k++) {
        xmlUnlinkNode(nodes[k]);
        xmlAddChild(div, nodes[k]);
    }
    as_reparsed(div);
    char *md = md_from_node(div, len, base);
    xmlFreeNode(div);
    return md;
}
