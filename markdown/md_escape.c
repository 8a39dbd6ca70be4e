/* markdown/md_escape.c: escaping of plain text so that markdown shows it literally. Shared by
 * the HTML converter (text nodes) and the summarizer (owner: html2md/summarizer engineer).
 *
 * CommonMark section 2.4: any ASCII punctuation may be backslash-escaped, so an extra
 * escape is always harmless; we escape what would otherwise start inline syntax anywhere
 * in a line, and block syntax only where it matters: at the start of a line. */
#include "markdown/html2md.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "common/scan.h"
#include "common/util.h"
#include "markdown/html2md_int.h"

/* What md_escape_inline does with a byte of text (every byte of every post's text goes
 * through this table): the sets of html2md_int.h (MD_ESCAPE_ALWAYS, MD_ESCAPE_MAYBE,
 * MD_INVISIBLE); everything else is copied. (`!` is harmless once `[` is escaped.) */
enum { ESC_NONE, ESC_ALWAYS, ESC_MAYBE, ESC_DROP };
#define ALWAYS(c) [c] = ESC_ALWAYS,
#define MAYBE(c) [c] = ESC_MAYBE,
#define DROP(c) [c] = ESC_DROP,
static const unsigned char esc_class[256] = {
    MD_INVISIBLE(DROP) MD_ESCAPE_ALWAYS(ALWAYS) MD_ESCAPE_MAYBE(MAYBE)
};
#undef ALWAYS
#undef MAYBE
#undef DROP

/* An entity reference (&amp; &#169; &#x1F600;) would be decoded by a markdown renderer:
 * CommonMark section 2.5. A lone "&" (AT&T) is shown as it is and needs nothing. */
static int looks_like_entity(const char *s, size_t n)
{
    size_t i = 1;
    if (i < n && s[i] == '#')
        i++;
    size_t start = i;
    while (i < n && i - start < 32 &&
           ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
            (s[i] >= '0' && s[i] <= '9')))
        i++;
    return i > start && i < n && s[i] == ';';
}

/* GFM's autolink extension (spec section 6.9) links "www." and "http://", "https://",
 * "ftp://" wherever they stand in text; the original showed text, so the markdown must
 * too. A backslash before the '.' or ':' stops the extension (cmark-gfm matches the
 * literal characters) and shows nothing. E-mail addresses cannot be protected this way:
 * cmark-gfm looks for them after escapes are gone. */
static int autolink_trigger(const char *s, size_t n, size_t i)
{
    if (s[i] == ':') {
        if (i + 2 >= n || s[i + 1] != '/' || s[i + 2] != '/')
            return 0;
        static const char *const schemes[] = {"http", "https", "ftp"};
        for (size_t k = 0; k < sizeof schemes / sizeof *schemes; k++) {
            size_t l = strlen(schemes[k]);
            if (i >= l && strncasecmp(s + i - l, schemes[k], l) == 0)
                return 1;
        }
        return 0;
    }
    if (s[i] == '.' && i >= 3 && memcmp(s + i - 3, "www", 3) == 0) {
        size_t w = i - 3;
        return w == 0 || !isalnum((unsigned char)s[w - 1]);
    }
    return 0;
}

int md_escape_at(const char *s, size_t n, size_t i)
{
    return s[i] == '&' ? looks_like_entity(s + i, n - i) : autolink_trigger(s, n, i);
}

void md_escape_inline(struct buf *b, const char *s, size_t n)
{
    buf_grow(b, 2 * n); /* at most one backslash per byte */
    char *o = b->data + b->len;
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    for (;;) {
        /* Sixteen bytes at a time are copied, and kept up to the first that needs a look
         * (the buffer has room: the output is at most twice what is read). */
        while (n - i >= 16) {
            unsigned m = scan_bits(md_escape_look(scan_load(u + i)));
            memcpy(o, u + i, 16);
            if (!m) {
                o += 16;
                i += 16;
                continue;
            }
            unsigned k = (unsigned)__builtin_ctz(m);
            o += k;
            i += k;
            break;
        }
        if (i >= n)
            break;
        unsigned char k = esc_class[u[i]];
        if (k != ESC_NONE) {
            if (k == ESC_DROP) {
                i++;
                continue;
            }
            if (k == ESC_ALWAYS || md_escape_at(s, n, i))
                *o++ = '\\';
        }
        *o++ = (char)u[i++];
    }
    *o = '\0';
    b->len = (size_t)(o - b->data);
}

static int is_blank_or_end(const char *s, size_t n, size_t i)
{
    return i >= n || s[i] == ' ' || s[i] == '\t';
}

/* A line made only of c and blanks: a setext underline or thematic break. */
static int only_char(const char *s, size_t n, size_t i, char c)
{
    int seen = 0;
    for (; i < n; i++) {
        if (s[i] == c)
            seen = 1;
        else if (s[i] != ' ' && s[i] != '\t')
            return 0;
    }
    return seen;
}

long md_line_start_escape(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && i < 3 && s[i] == ' ') /* up to 3 spaces of indent still open a block */
        i++;
    if (i >= n)
        return -1;
    switch (s[i]) {
    case '>': /* block quote */
        return (long)i;
    case '#': { /* ATX heading: 1-6 '#' then blank or end */
        size_t k = i;
        while (k < n && s[k] == '#')
            k++;
        return (k - i <= 6 && is_blank_or_end(s, n, k)) ? (long)i : -1;
    }
    case '-': /* bullet, thematic break, setext underline */
    case '+':
        if (is_blank_or_end(s, n, i + 1) || only_char(s, n, i, s[i]))
            return (long)i;
        return -1;
    case '=': /* setext underline */
        return only_char(s, n, i, '=') ? (long)i : -1;
    default:
        break;
    }
    /* Ordered list marker: 1-9 digits then '.' or ')' then blank or end. */
    size_t k = i;
    while (k < n && k - i < 10 && s[k] >= '0' && s[k] <= '9')
        k++;
    if (k > i && k - i <= 9 && k < n && (s[k] == '.' || s[k] == ')') &&
        is_blank_or_end(s, n, k + 1))
        return (long)k;
    return -1;
}

void md_escape_text(struct buf *b, const char *s)
{
    if (!s)
        return;
    for (;;) {
        const char *nl = strchr(s, '\n');
        size_t n = nl ? (size_t)(nl - s) : strlen(s);
        size_t start = b->len;
        md_escape_inline(b, s, n);
        long at = md_line_start_escape(b->data ? b->data + start : "", b->len - start);
        if (at >= 0) {
            buf_grow(b, 1);
            char *p = b->data + start + at;
            memmove(p + 1, p, b->len - start - (size_t)at + 1);
            *p = '\\';
            b->len++;
        }
        if (!nl)
            break;
        buf_putc(b, '\n');
        s = nl + 1;
    }
}
