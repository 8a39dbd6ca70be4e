/* feeds/encoding.c: decides which charset a fetched XML document is in and converts it
 * to UTF-8 with glibc iconv(3) before libxml2 sees it, so that a lying declaration, a
 * missing one, or UTF-16 without a byte-order mark cannot stop the parse.
 * Owned by the feed-parser engineer. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "common/scan.h"
#include "common/utf8.h"
#include "common/util.h"
#include "feeds/encoding.h"

/* windows-1252 meanings of the bytes 0x80-0x9F (WHATWG Encoding Standard index);
 * 0 marks the five unassigned bytes, which stay C1 controls. */
static const unsigned short cp1252_c1[32] = {
    0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
    0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
};

/* Length of the run at the start of p[0..n) of text that every scan below accepts as
 * it is: printable ASCII (0x20-0x7F), tab, line feed, carriage return, and well-formed
 * UTF-8 for U+00A0 and above except the non-characters U+FFFE and U+FFFF. The callers
 * look at what stops it (C0 controls but those three, C1 controls, ill-formed bytes,
 * U+FFFE/U+FFFF) and need no test of their own for the rest. */
static size_t printable_run(const unsigned char *p, size_t n)
{
    size_t i = 0;
    for (;;) {
        /* Whole documents and every HTML field go through the scans below, and almost
         * all of their bytes are plain ASCII: sixteen at a step (common/scan.h), so the
         * byte-by-byte checks only run where something may need attention. */
        i += scan_printable(p + i, n - i);
        if (i >= n)
            return i;
        unsigned char c = p[i];
        if (c == '\t' || c == '\n' || c == '\r') {
            i++;   /* line breaks and accented letters are frequent: stay in this loop */
            continue;
        }
        /* c >= 0x80 here; C1 controls are C2 80-C2 9F, U+FFFE/U+FFFF are EF BF BE/BF */
        size_t l = utf8_seq_len(p + i, n - i);
        if (!l || (c == 0xC2 && p[i + 1] < 0xA0) ||
            (c == 0xEF && p[i + 1] == 0xBF && p[i + 2] >= 0xBE))
            return i;
        i += l;
    }
}

/* text_fix_utf8() of s[0..n). When nothing needs fixing (almost always) the result is
 * own when given, so that a post's HTML is not copied once more. */
static char *fix_utf8(const char *s, size_t n, char *own, size_t *outlen)
{
    const unsigned char *p = (const unsigned char *)s;
    struct buf b = {0};   /* allocated at the first byte that changes */
    char enc[4];
    /* Bytes that need no change are copied in runs: almost every byte of a feed. */
    size_t run = 0;
    for (size_t i = 0; i < n;) {
        i += printable_run(p + i, n - i);
        if (i >= n)
            break;
        uint32_t cp;
        size_t l = utf8_decode(p + i, n - i, &cp);
        if (l && cp >= 0xA0) {
            i += l;
            continue;
        }
        if (!b.data)
            buf_grow(&b, n + 1);
        buf_append(&b, (const char *)p + run, i - run);
        if (!l) {
            buf_append(&b, "\xEF\xBF\xBD", 3);
            l = 1;
        } else if (cp >= 0x80 && cp <= 0x9F && cp1252_c1[cp - 0x80]) {
            size_t k = utf8_encode(cp1252_c1[cp - 0x80], enc);
            buf_append(&b, enc, k);
        } else if (cp >= 0x80) {
            buf_append(&b, (const char *)p + i, l);
        }
        /* else: a C0 control: XML 1.0 forbids them; JSON consumers choke on them */
        i += l;
        run = i;
    }
    if (!b.data) {
        *outlen = n;
        return own ? own : xstrndup(s, n);
    }
    buf_append(&b, (const char *)p + run, n - run);
    free(own);
    *outlen = b.len;
    return buf_steal(&b);
}

char *text_fix_utf8(const char *s)
{
    size_t n;
    return s ? fix_utf8(s, strlen(s), NULL, &n) : NULL;
}

char *text_fix_utf8_take(char *s)
{
    size_t n;
    return s ? fix_utf8(s, strlen(s), s, &n) : NULL;
}

int utf8_has_c1(const char *s, size_t n)
{
    const char *end = s + n;
    for (const char *p = s; (p = memchr(p, 0xC2, (size_t)(end - p))) != NULL; p++)
        if (p + 1 < end && (unsigned char)p[1] >= 0x80 && (unsigned char)p[1] < 0xA0)
            return 1;
    return 0;
}

char *text_fix_utf8_take_len(char *s, size_t *len)
{
    return fix_utf8(s, *len, s, len);
}

/* Converts with iconv, replacing undecodable bytes with U+FFFD. NULL if the charset is
 * unknown to iconv. */
static char *convert(const char *charset, const char *in, size_t len, size_t *outlen)
{
    iconv_t cd = iconv_open("UTF-8", charset);
    if (cd == (iconv_t)-1)
        return NULL;
    struct buf b = {0};
    buf_grow(&b, len * 2 + 16);
    buf_append(&b, "", 0);   /* NUL-terminated even if nothing follows */
    char *ip = (char *)in;
    size_t il = len;
    while (il > 0) {
        buf_grow(&b, il * 2 + 16);
        char *op = b.data + b.len;
        size_t ol = b.cap - b.len - 1, before = ol;
        size_t r = iconv(cd, &ip, &il, &op, &ol);
        b.len += before - ol;
        if (r == (size_t)-1) {
            if (errno == E2BIG)
                continue;
            /* EILSEQ or EINVAL (truncated at the end): skip one byte */
            buf_append(&b, "\xEF\xBF\xBD", 3);
            ip++;
            il--;
        }
    }
    iconv_close(cd);
    b.data[b.len] = '\0';
    *outlen = b.len;
    return buf_steal(&b);
}

/* 1 when iconv can decode every byte of in from charset. */
static int decodes_cleanly(const char *charset, const char *in, size_t len)
{
    iconv_t cd = iconv_open("UTF-8", charset);
    if (cd == (iconv_t)-1)
        return 0;
    char out[4096];
    char *ip = (char *)in;
    size_t il = len;
    int ok = 1;
    while (il > 0 && ok) {
        char *op = out;
        size_t ol = sizeof out;
        if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1 && errno != E2BIG)
            ok = 0;
    }
    iconv_close(cd);
    return ok;
}

/* Browsers decode these labels as windows-1252 (WHATWG Encoding Standard), which also
 * gives the euro sign and curly quotes their cp1252 meanings; gb2312 is read as its
 * superset GB18030. */
static const struct { const char *label, *charset; } aliases[] = {
    {"iso-8859-1", "WINDOWS-1252"}, {"iso8859-1", "WINDOWS-1252"},
    {"latin1", "WINDOWS-1252"}, {"latin-1", "WINDOWS-1252"},
    {"us-ascii", "WINDOWS-1252"}, {"ascii", "WINDOWS-1252"},
    {"gb2312", "GB18030"}, {"gbk", "GB18030"}, {"x-sjis", "SHIFT_JIS"},
};

static const char *charset_alias(const char *label)
{
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (!strcasecmp(label, aliases[i].label))
            return aliases[i].charset;
    return label;
}

/* The charset a label names (after the aliases) in out, when iconv can convert from it;
 * NULL for a name iconv does not know: the declaration's, then HTTP's, then a guess. */
static const char *charset_known(const char *label, char *out, size_t outlen)
{
    const char *c = charset_alias(label);
    iconv_t cd = iconv_open("UTF-8", c);
    if (cd == (iconv_t)-1)
        return NULL;
    iconv_close(cd);
    snprintf(out, outlen, "%s", c);
    return out;
}

/* The encoding pseudo-attribute of an XML declaration at p (after a BOM), into out. */
static int decl_encoding(const char *p, size_t n, char *out, size_t outlen)
{
    if (n < 6 || memcmp(p, "<?xml", 5) || !isspace((unsigned char)p[5]))
        return -1;
    const char *end = memmem(p, n < 512 ? n : 512, "?>", 2);
    if (!end)
        return -1;
    const char *e = memmem(p, (size_t)(end - p), "encoding", 8);
    if (!e)
        return -1;
    e += 8;
    while (e < end && isspace((unsigned char)*e)) e++;
    if (e >= end || *e++ != '=')
        return -1;
    while (e < end && isspace((unsigned char)*e)) e++;
    if (e >= end || (*e != '"' && *e != '\''))
        return -1;
    char q = *e++;
    size_t i = 0;
    while (e < end && *e != q && i + 1 < outlen)
        out[i++] = *e++;
    out[i] = '\0';
    return i ? 0 : -1;
}

/* Guesses the charset of undeclared bytes that are not UTF-8. A small heuristic in the
 * spirit of chardet, enough for the legacy charsets feeds still use:
 *  - double-byte CJK: every high byte is part of a valid pair; Shift_JIS lead bytes
 *    0x81-0x9F do not occur in GB/EUC text, whose bytes are all 0xA1-0xFE;
 *  - windows-1252: accented letters stand alone between ASCII letters ("café");
 *  - otherwise a single-byte non-Latin script: Hebrew letters of windows-1255 are all
 *    0xE0-0xFA; Cyrillic lower case is 0xE0-0xFF in windows-1251 but 0xC0-0xDF in
 *    KOI8-R. */
static const char *guess_charset(const unsigned char *p, size_t n)
{
    size_t high = 0, sjis_lead = 0, all_a1 = 1, paired = 0;
    size_t c0_df = 0, e0_fa = 0, fb_ff = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < 0x80)
            continue;
        high++;
        if (p[i] >= 0x81 && p[i] <= 0x9F)
            sjis_lead++;
        if (p[i] < 0xA1 || p[i] == 0xFF)
            all_a1 = 0;
        if ((i > 0 && p[i - 1] >= 0x80) || (i + 1 < n && p[i + 1] >= 0x80))
            paired++;
        if (p[i] >= 0xC0 && p[i] <= 0xDF) c0_df++;
        else if (p[i] >= 0xE0 && p[i] <= 0xFA) e0_fa++;
        else if (p[i] >= 0xFB) fb_ff++;
    }
    if (!high)
        return "UTF-8";
    if (paired * 2 < high)
        return "WINDOWS-1252";
    if (sjis_lead && decodes_cleanly("SHIFT_JIS", (const char *)p, n))
        return "SHIFT_JIS";
    if (all_a1 && decodes_cleanly("GB18030", (const char *)p, n) && !(e0_fa * 10 > high * 9))
        return "GB18030";
    if (e0_fa * 10 >= high * 9 && !fb_ff)
        return "WINDOWS-1255";
    if (c0_df > e0_fa + fb_ff)
        return "KOI8-R";
    return "WINDOWS-1251";
}

/* Makes the text acceptable to libxml2 as XML 1.0 characters (section 2.2, Char): an
 * ill-formed UTF-8 sequence (a document that declares or marks UTF-8 but holds a stray
 * Latin-1 byte) and the non-characters U+FFFE/U+FFFF become U+FFFD, and C0 controls other
 * than TAB, LF and CR (NUL included) are dropped. Each of them is a fatal error for
 * libxml2, after which only the recovery pass runs and, before this, a NUL ended the
 * document there: every later entry was lost (found by fuzz/fuzz_parse.c: the entries
 * then also depended on where the push parser's chunks happened to split the text).
 * Returns s, or a cleaned copy after freeing s; *len is updated. */
static char *xml_chars_clean(char *s, size_t *len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = *len, i = 0, run = 0;
    struct buf b = {0};
    int changed = 0;
    while (i < n) {
        i += printable_run(p + i, n - i);
        if (i >= n)
            break;
        size_t l = 1;
        const char *repl = NULL;
        if (p[i] < 0x80) {
            repl = "";   /* a C0 control */
        } else {
            uint32_t cp;
            l = utf8_decode(p + i, n - i, &cp);
            if (!l) {
                l = 1;
                repl = "\xEF\xBF\xBD";
            } else if (cp == 0xFFFE || cp == 0xFFFF) {
                repl = "\xEF\xBF\xBD";
            } else {
                i += l;
                continue;
            }
        }
        if (!changed) {
            buf_grow(&b, n + 16);
            changed = 1;
        }
        buf_append(&b, s + run, i - run);
        buf_puts(&b, repl);
        i += l;
        run = i;
    }
    if (!changed)
        return s;
    buf_append(&b, s + run, n - run);
    free(s);
    *len = b.len;
    return buf_steal(&b);
}

/* 1 when s[0..n) is well-formed UTF-8 that xml_chars_clean() would leave as it is. */
static int xml_chars_ok(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        i += printable_run(p + i, n - i);
        if (i >= n)
            break;
        uint32_t cp = 0;
        size_t l = p[i] >= 0x80 ? utf8_decode(p + i, n - i, &cp) : 0;
        if (!l || cp == 0xFFFE || cp == 0xFFFF)
            return 0;
        i += l;
    }
    return 1;
}

/* Drops bytes before the first '<' and the encoding pseudo-attribute of the XML
 * declaration (the text is UTF-8 now, whatever the declaration said). */
static char *tidy_prolog(char *s, size_t *len)
{
    if (!s || !*len)
        return s;
    char *lt = memchr(s, '<', *len);
    size_t skip = lt ? (size_t)(lt - s) : *len;
    char *p = s + skip;
    size_t n = *len - skip;
    struct buf b = {0};
    if (n > 5 && !memcmp(p, "<?xml", 5) && isspace((unsigned char)p[5])) {
        char *end = memmem(p, n, "?>", 2);
        if (end) {
            const char *sa = memmem(p, (size_t)(end - p), "standalone", 10);
            buf_puts(&b, "<?xml version=\"1.0\"");
            if (sa) {
                buf_putc(&b, ' ');
                buf_append(&b, sa, (size_t)(end - sa));
            }
            buf_puts(&b, "?>");
            size_t rest = n - (size_t)(end + 2 - p);
            buf_append(&b, end + 2, rest);
            free(s);
            *len = b.len;
            return buf_steal(&b);
        }
    }
    memmove(s, p, n);
    s[n] = '\0';
    *len = n;
    return s;
}

char *encoding_xml_to_utf8(const char *data, size_t len, const char *http_charset,
                           size_t *outlen, char *charset_out, size_t charset_len)
{
    const unsigned char *u = (const unsigned char *)data;
    const char *charset = NULL;
    size_t skip = 0;
    char declared[64];
    char decl[64];

    if (len >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF) {
        charset = "UTF-8";
        skip = 3;
    } else if (len >= 2 && u[0] == 0xFF && u[1] == 0xFE) {
        charset = "UTF-16LE";
        skip = 2;
    } else if (len >= 2 && u[0] == 0xFE && u[1] == 0xFF) {
        charset = "UTF-16BE";
        skip = 2;
    } else if (len >= 2 && u[1] == 0 && u[0] != 0 && strchr("< \t\r\n", u[0])) {
        charset = "UTF-16LE";   /* "<\0": UTF-16 without BOM, as SimplePie sniffs it */
    } else if (len >= 2 && u[0] == 0 && u[1] != 0 && strchr("< \t\r\n", u[1])) {
        charset = "UTF-16BE";
    } else if (utf8_valid(data, len)) {
        charset = "UTF-8";
    } else {
        const char *lt = memchr(data, '<', len);
        size_t off = lt ? (size_t)(lt - data) : len;
        if (decl_encoding(data + off, len - off, decl, sizeof decl) == 0)
            charset = charset_known(decl, declared, sizeof declared);
        if (!charset && http_charset && *http_charset)
            charset = charset_known(http_charset, declared, sizeof declared);
        if (!charset)
            charset = guess_charset(u, len);
    }

    char *out;
    size_t n;
    if (!strcmp(charset, "UTF-8")) {
        out = xstrndup(data + skip, len - skip);
        n = len - skip;
    } else {
        out = convert(charset, data + skip, len - skip, &n);
        if (!out) {   /* cannot happen for the names above; keep the bytes */
            out = xstrndup(data + skip, len - skip);
            n = len - skip;
        }
    }
    out = xml_chars_clean(out, &n);
    out = tidy_prolog(out, &n);
    if (charset_out && charset_len)
        snprintf(charset_out, charset_len, "%s", charset);
    *outlen = n;
    return out;
}

void encoding_xml_prepare(const char *data, size_t len, const char *http_charset,
                          struct xml_utf8_doc *doc)
{
    const unsigned char *u = (const unsigned char *)data;
    memset(doc, 0, sizeof *doc);
    /* The same first choices as encoding_xml_to_utf8(): a UTF-8 BOM, or no BOM and no
     * UTF-16 sniff, and bytes that are valid UTF-8 (checked here with the XML character
     * rules in the same pass). Everything else takes the copying path. */
    size_t skip = 0;
    if (len >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF)
        skip = 3;
    else if (len >= 2 && ((u[0] == 0xFF && u[1] == 0xFE) || (u[0] == 0xFE && u[1] == 0xFF) ||
                          (u[1] == 0 && u[0] != 0) || (u[0] == 0 && u[1] != 0)))
        goto copy;
    if (!xml_chars_ok(data + skip, len - skip))
        goto copy;

    /* tidy_prolog() without the copy */
    const char *s = data + skip;
    size_t n = len - skip;
    const char *lt = memchr(s, '<', n);
    const char *p = lt ? lt : s + n;
    n -= (size_t)(p - s);
    if (n > 5 && !memcmp(p, "<?xml", 5) && isspace((unsigned char)p[5])) {
        const char *end = memmem(p, n, "?>", 2);
        if (end) {
            const char *sa = memmem(p, (size_t)(end - p), "standalone", 10);
            static const char decl[] = "<?xml version=\"1.0\"";
            size_t salen = sa ? (size_t)(end - sa) : 0;
            size_t need = sizeof decl - 1 + (sa ? 1 + salen : 0) + 2;
            if (need >= sizeof doc->head)
                goto copy;   /* a declaration that long is no feed's; keep it simple */
            char *h = doc->head;
            memcpy(h, decl, sizeof decl - 1);
            h += sizeof decl - 1;
            if (sa) {
                *h++ = ' ';
                memcpy(h, sa, salen);
                h += salen;
            }
            memcpy(h, "?>", 3);
            doc->head_len = need;
            n -= (size_t)(end + 2 - p);
            p = end + 2;
        }
    }
    doc->body = p;
    doc->body_len = n;
    return;
copy:
    memset(doc, 0, sizeof *doc);
    doc->owned = encoding_xml_to_utf8(data, len, http_charset, &doc->body_len, NULL, 0);
    doc->body = doc->owned;
}

char *encoding_charset_param(const char *ct)
{
    if (!ct)
        return NULL;
    for (const char *p = strchr(ct, ';'); p; p = strchr(p + 1, ';')) {
        const char *q = p + 1;
        while (*q == ' ' || *q == '\t')
            q++;
        if (strncasecmp(q, "charset=", 8))
            continue;
        q += 8;
        if (*q == '"')
            q++;
        size_t n = strcspn(q, "\"; \t");
        return n ? xstrndup(q, n) : NULL;
    }
    return NULL;
}

int encoding_xml_chars_ok(const char *s, size_t n)
{
    return xml_chars_ok(s, n);
}
