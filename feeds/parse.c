/* feeds/parse.c: the parser's front door (feeds/parse.h): sniffs JSON against XML,
 * converts XML to UTF-8 (encoding.c) and hands it to the SAX parser (parse_sax.c);
 * `feedsd parse` is cli/cmd_parse.c.
 * Owned by the feed-parser engineer. */
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "feeds/encoding.h"
#include "feeds/feed.h"
#include "feeds/parse.h"
#include "feeds/parse_internal.h"

size_t parse_first_byte(const char *data, size_t len)
{
    size_t i = 0;
    if (len >= 3 && !memcmp(data, "\xEF\xBB\xBF", 3))
        i = 3;
    while (i < len && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n'))
        i++;
    return i;
}

int feed_parse(const char *data, size_t len, const char *base_url, const char *http_charset,
               struct feed **out, char *err, size_t errlen)
{
    char dummy[8];
    if (!err || !errlen) {
        err = dummy;
        errlen = sizeof dummy;
    }
    *out = NULL;
    err[0] = '\0';
    size_t i = parse_first_byte(data, len);
    if (i >= len) {
        snprintf(err, errlen, "not a feed: empty document");
        return -1;
    }
    if (data[i] == '{' || data[i] == '[')
        return jsonfeed_parse(data + i, len - i, base_url, out, err, errlen);

    /* Usually no copy of the document: the parser reads the caller's bytes. */
    struct xml_utf8_doc doc;
    encoding_xml_prepare(data, len, http_charset, &doc);
    int rc = parse_xml_parts(doc.head, doc.head_len, doc.body, doc.body_len, base_url, 0, out,
                             NULL, err, errlen);
    free(doc.owned);
    return rc;
}
