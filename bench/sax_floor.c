/* bench/sax_floor.c: the least a libxml2 feed reader can do, as a reference for
 * bench/parse.py. Owner: bench.
 *
 * `xmllint --sax --noout` registers no callbacks at all (xmllint.c: emptySAXHandler), so
 * libxml2 never hands it the text. A reader must take the text: this program does only
 * that. It runs libxml2's push parser in 64 KiB pieces with feedsd's options
 * (XML_PARSE_NONET), copies every characters/CDATA callback into one growing buffer that
 * each element start and end empties, and counts <item> and <entry> elements. No entry
 * objects, dates, URLs or escaping. Prints the count.
 *
 * Two switches take the difference to xmllint apart (bench/README-parse.md):
 *   --no-text  installs no callbacks, as xmllint does (the count is then 0)
 *   --pull     parses with xmlCtxtReadFile, libxml2's pull parser, as xmllint does,
 *              instead of the push parser that a reader fed by the network needs
 *
 *   cc -O2 -o sax_floor bench/sax_floor.c $(pkg-config --cflags --libs libxml-2.0)
 *   ./sax_floor [--no-text] [--pull] FILE */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>

static char *text;
static size_t text_len, text_cap;
static long entries;

static void on_text(void *ctx, const xmlChar *s, int n)
{
    (void)ctx;
    if (text_len + (size_t)n + 1 > text_cap) {
        text_cap = 2 * (text_len + (size_t)n + 1);
        text = realloc(text, text_cap);
        if (!text) {
            fputs("sax_floor: out of memory\n", stderr);
            exit(1);
        }
    }
    memcpy(text + text_len, s, (size_t)n);
    text_len += (size_t)n;
}

static void on_start(void *ctx, const xmlChar *local, const xmlChar *prefix,
                     const xmlChar *uri, int nns, const xmlChar **ns, int nattr,
                     int ndefaulted, const xmlChar **attr)
{
    (void)ctx, (void)local, (void)prefix, (void)uri, (void)nns, (void)ns, (void)nattr;
    (void)ndefaulted, (void)attr;
    text_len = 0;
}

static void on_end(void *ctx, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri)
{
    (void)ctx, (void)prefix, (void)uri;
    if (!strcmp((const char *)local, "item") || !strcmp((const char *)local, "entry"))
        entries++;
    text_len = 0;
}

int main(int argc, char **argv)
{
    int pull = 0, no_text = 0, a = 1;
    for (; a < argc - 1; a++) {
        if (!strcmp(argv[a], "--pull"))
            pull = 1;
        else if (!strcmp(argv[a], "--no-text"))
            no_text = 1;
        else
            break;
    }
    if (a != argc - 1) {
        fputs("usage: sax_floor [--no-text] [--pull] FILE\n", stderr);
        return 2;
    }
    const char *path = argv[a];
    xmlSAXHandler sax;
    memset(&sax, 0, sizeof sax);
    sax.initialized = XML_SAX2_MAGIC;
    if (!no_text) {
        sax.startElementNs = on_start;
        sax.endElementNs = on_end;
        sax.characters = on_text;
        sax.cdataBlock = on_text;
    }
    int ok;
    if (pull) {
        xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
        if (!ctxt)
            return 1;
        xmlSAXHandler *own = ctxt->sax;
        ctxt->sax = &sax;
        ctxt->userData = NULL;
        xmlDocPtr doc = xmlCtxtReadFile(ctxt, path, NULL, XML_PARSE_NONET);
        ok = ctxt->wellFormed;
        xmlFreeDoc(doc);
        ctxt->sax = own;
        xmlFreeParserCtxt(ctxt);
    } else {
        int fd = open(path, O_RDONLY);
        if (fd < 0) {
            perror(path);
            return 1;
        }
        xmlParserCtxtPtr ctxt = xmlCreatePushParserCtxt(&sax, NULL, NULL, 0, path);
        if (!ctxt)
            return 1;
        xmlCtxtUseOptions(ctxt, XML_PARSE_NONET);
        static char chunk[65536];
        ssize_t got;
        while ((got = read(fd, chunk, sizeof chunk)) > 0)
            xmlParseChunk(ctxt, chunk, (int)got, 0);
        xmlParseChunk(ctxt, NULL, 0, 1);
        ok = ctxt->wellFormed;
        xmlFreeParserCtxt(ctxt);
        close(fd);
    }
    free(text);
    printf("%ld\n", entries);
    return ok ? 0 : 1;
}
