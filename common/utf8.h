/* common/utf8.h: the one UTF-8 module: decoding, validating, encoding and counting, all
 * strict per RFC 3629 (Unicode Table 3-7): no overlong forms, no surrogates (U+D800 to
 * U+DFFF), nothing above U+10FFFF. A caller that meets an ill-formed sequence decides
 * what to do with its first byte (replace it with U+FFFD, pass it on, skip it); no
 * decoder here reads past the first byte that is not a continuation byte, so a
 * NUL-terminated string may be decoded with n = UTF8_MAX whatever its length. */
#ifndef FEEDSD_UTF8_H
#define FEEDSD_UTF8_H

#include <stddef.h>
#include <stdint.h>

#define UTF8_MAX 4   /* bytes in the longest sequence */

/* Length of the well-formed sequence of two to four bytes at s[0..n) (s[0] >= 0x80), 0
 * if ill-formed. Inline: the scans over whole posts call it for every non-ASCII letter. */
static inline size_t utf8_seq_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    if (c < 0xC2 || c > 0xF4)
        return 0;
    if (c < 0xE0)
        return n >= 2 && (s[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c < 0xF0) {
        if (n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 ||
            (c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] >= 0xA0))
            return 0;
        return 3;
    }
    if (n < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80 ||
        (c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] >= 0x90))
        return 0;
    return 4;
}

/* Decodes the character at s[0..n) into *cp and returns its length (1 for any ASCII byte,
 * NUL included), or 0 when n is 0 or the bytes are ill-formed (*cp is then unchanged). */
static inline size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    if (!n)
        return 0;
    uint32_t c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t len = utf8_seq_len(s, n);
    if (len == 2)
        c = (c & 0x1F) << 6 | (s[1] & 0x3Fu);
    else if (len == 3)
        c = (c & 0x0F) << 12 | (s[1] & 0x3Fu) << 6 | (s[2] & 0x3Fu);
    else if (len == 4)
        c = (c & 0x07) << 18 | (s[1] & 0x3Fu) << 12 | (s[2] & 0x3Fu) << 6 | (s[3] & 0x3Fu);
    else
        return 0;
    *cp = c;
    return len;
}

/* The character at s[0..n) (n > 0), its length in *len; an ill-formed byte is a character
 * of its own (*len 1, the byte's value). For text that is valid UTF-8 by construction
 * (the HTML parser's output: html_parse replaced every ill-formed byte), so that a test
 * handing over any bytes gets a defined answer. */
static inline uint32_t utf8_char_at(const unsigned char *s, size_t n, size_t *len)
{
    uint32_t c;
    *len = utf8_decode(s, n, &c);
    if (!*len) {
        *len = 1;
        c = s[0];
    }
    return c;
}

/* 1 when s[0..n) is well-formed UTF-8 (NUL bytes are ASCII here). */
int utf8_valid(const char *s, size_t n);

/* Writes cp as UTF-8 into out (1 to 4 bytes; surrogates and values above U+10FFFF become
 * U+FFFD) and returns the number of bytes. */
size_t utf8_encode(unsigned cp, char out[UTF8_MAX]);

/* Characters of the NUL-terminated s: its bytes that are not continuation bytes. */
size_t utf8_count(const char *s);

/* The largest k <= i at which s[k] starts a character (or k = 0): where s[0..i) may be
 * cut without splitting one. s[i] must be readable. */
size_t utf8_boundary(const char *s, size_t i);

/* Bytes at the end of p[0..n) that begin a sequence not complete within it (0 to 3): the
 * next piece of a document read in pieces starts with them. */
size_t utf8_incomplete_tail(const unsigned char *p, size_t n);

#endif
