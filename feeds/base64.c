/* feeds/base64.c: Base64 decoding (feeds/base64.h). Owned by the feed-parser engineer. */
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "feeds/base64.h"

enum { B64_BAD = 64, B64_SPACE = 65, B64_PAD = 66 };

/* The value of each byte: 0-63 for the alphabet of RFC 4648 section 4, or a class. */
static unsigned char b64_value(unsigned char c)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    if (c == '=')
        return B64_PAD;
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
        return B64_SPACE;
    const char *p = c ? strchr(alphabet, c) : NULL;
    return p ? (unsigned char)(p - alphabet) : B64_BAD;
}

char *base64_decode(const char *s, size_t *n)
{
    size_t len = strlen(s), k = 0;
    char *out = xmalloc(len / 4 * 3 + 4);
    unsigned acc = 0, bits = 0, chars = 0;
    int padded = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char v = b64_value(*p);
        if (v == B64_SPACE)
            continue;
        if (v == B64_PAD) {
            padded = 1;
            continue;
        }
        if (v == B64_BAD || padded) {   /* nothing but padding and space after the padding */
            free(out);
            return NULL;
        }
        acc = (acc << 6) | v;
        bits += 6;
        chars++;
        if (bits >= 8) {
            bits -= 8;
            out[k++] = (char)((acc >> bits) & 0xFF);
        }
    }
    if (chars % 4 == 1) {   /* six bits cannot end a byte */
        free(out);
        return NULL;
    }
    out[k] = '\0';
    if (n)
        *n = k;
    return out;
}
