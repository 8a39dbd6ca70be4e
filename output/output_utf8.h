/* output/output_utf8.h: the one UTF-8 decoder shared by the YAML quoting (output.c) and
 * the slug/path code (output_path.c). Private to the output module (owner: output files).
 * Strict per RFC 3629 section 3: overlong forms, surrogates and code points above
 * U+10FFFF are invalid, so a caller can replace them instead of writing broken UTF-8. */
#ifndef FEEDSD_OUTPUT_UTF8_H
#define FEEDSD_OUTPUT_UTF8_H

#include <stdint.h>

/* Decodes one character at s (NUL-terminated). Returns its length in bytes and stores the
 * code point in *cp, or returns 0 when the bytes at s are not valid UTF-8 (then the
 * caller skips one byte). Never reads past a NUL. */
static inline int utf8_decode(const char *str, uint32_t *cp)
{
    const unsigned char *s = (const unsigned char *)str;
    uint32_t c = s[0], min;
    int n;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if ((c & 0xE0) == 0xC0) { n = 2; c &= 0x1F; min = 0x80; }
    else if ((c & 0xF0) == 0xE0) { n = 3; c &= 0x0F; min = 0x800; }
    else if ((c & 0xF8) == 0xF0) { n = 4; c &= 0x07; min = 0x10000; }
    else return 0;
    for (int i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)      /* also stops at the NUL terminator */
            return 0;
        c = (c << 6) | (s[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return n;
}

#endif
