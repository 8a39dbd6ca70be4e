/* feeds/xml_prolog.c: where a feed document's DOCTYPE declaration ends, so that the push
 * parser is handed it whole (parse_internal.h, xml_prolog_ready).
 *
 * Why: libxml2 2.9's push parser (xmlParseTryOrFinish, XML_PARSER_MISC) takes a DOCTYPE
 * declaration as complete once it has been handed any '>' after "<!DOCTYPE", also one
 * inside a quoted system literal. When the network cut the body just after such a '>',
 * the declaration was parsed short and the document failed, while the same bytes in one
 * piece parsed (fuzz_parse; tests/regressions/fuzz_parse/doctype-literal-with-gt.xml).
 * 2.12 and later look for a '>' outside quotes. Holding the prolog back until its
 * DOCTYPE is complete costs nothing on any version: it is a few hundred bytes. */
#include <string.h>

#include "feeds/parse_internal.h"

/* Bytes held at the most: past this, a prolog is not worth waiting for. */
#define PROLOG_MAX (64 * 1024)

static int starts(const char *p, size_t n, size_t i, const char *s)
{
    size_t k = strlen(s);
    return i + k <= n && memcmp(p + i, s, k) == 0;
}

/* The offset just after the end of markup that opens at p[i] and ends with end, or 0
 * when the bytes do not reach it. */
static size_t past(const char *p, size_t n, size_t i, const char *end)
{
    size_t k = strlen(end);
    for (size_t j = i; j + k <= n; j++)
        if (memcmp(p + j, end, k) == 0)
            return j + k;
    return 0;
}

/* The offset just after the DOCTYPE declaration that opens at p[i], or 0: its '>' is the
 * first one outside quotes and outside the internal subset ('[' to ']'), in which
 * comments and processing instructions are skipped whole (they may hold either). */
static size_t doctype_end(const char *p, size_t n, size_t i)
{
    char quote = 0;
    int subset = 0;
    for (size_t j = i + 9; j < n; j++) {
        char c = p[j];
        if (quote) {
            if (c == quote)
                quote = 0;
        } else if (c == '"' || c == '\'') {
            quote = c;
        } else if (subset && starts(p, n, j, "<!--")) {
            size_t e = past(p, n, j + 4, "-->");
            if (!e)
                return 0;
            j = e - 1;
        } else if (subset && starts(p, n, j, "<?")) {
            size_t e = past(p, n, j + 2, "?>");
            if (!e)
                return 0;
            j = e - 1;
        } else if (c == '[') {
            subset = 1;
        } else if (c == ']') {
            subset = 0;
        } else if (c == '>' && !subset) {
            return j + 1;
        }
    }
    return 0;
}

int xml_prolog_ready(const char *p, size_t n)
{
    if (n >= PROLOG_MAX)
        return 1;
    size_t i = 0;
    if (starts(p, n, 0, "\xEF\xBB\xBF"))
        i = 3;
    for (;;) {
        while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
            i++;
        if (i + 2 > n)
            return 0;   /* too few bytes to tell what comes */
        if (p[i] != '<')
            return 1;   /* not a prolog: libxml2 says what is wrong */
        size_t e;
        if (p[i + 1] == '?') {
            e = past(p, n, i + 2, "?>");
        } else if (p[i + 1] != '!') {
            return 1;   /* the root element: no DOCTYPE before it */
        } else if (i + 9 > n) {
            return 0;
        } else if (starts(p, n, i, "<!--")) {
            e = past(p, n, i + 4, "-->");
        } else if (starts(p, n, i, "<!DOCTYPE")) {
            return doctype_end(p, n, i) != 0;
        } else {
            return 1;   /* other markup: libxml2 says what is wrong */
        }
        if (!e)
            return 0;
        i = e;
    }
}
