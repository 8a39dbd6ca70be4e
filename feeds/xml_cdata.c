/* feeds/xml_cdata.c: character data as CDATA sections for libxml2's fast path (see
 * xml_cdata.h for why and for what is left alone). A byte-driven lexer for just enough
 * of XML 1.0 to know where text is: the element depth, tags with their quoted attribute
 * values, comments, processing instructions, CDATA sections and the DOCTYPE. It keeps
 * every decision to the bytes already seen, so that the output does not depend on where
 * the pieces were cut. Owned by the feed-parser engineer. */
#include <string.h>

#include "common/scan.h"
#include "common/utf8.h"
#include "feeds/xml_cdata.h"

enum {
    S_OUT,       /* outside the root element: the prolog and the epilog */
    S_TEXT,      /* character data inside the root element */
    S_REF,       /* a reference in the text, from its '&' */
    S_LT,        /* after a '<' */
    S_STAG,      /* a start tag, outside attribute values */
    S_QUOTED,    /* a quoted value in a start tag or the DOCTYPE; x->back says which */
    S_ETAG,      /* an end tag */
    S_BANG,      /* after "<!" */
    S_BANG_DASH, /* after "<!-" */
    S_COMMENT,
    S_BANG_CD,   /* after "<![", reading "CDATA[" */
    S_CDSECT,    /* a CDATA section of the document */
    S_CDSECT_D,  /* one whose text goes to the SAX handler directly, without its markup */
    S_PI,
    S_DECL,      /* <!DOCTYPE ...> in the prolog, outside quotes */
    S_OFF,       /* everything left passes unchanged */
};

static const char OPEN[] = "<![CDATA[", CLOSE[] = "]]>";

void xml_cdata_init(struct xml_cdata *x, const struct xml_cdata_sink *sink)
{
    memset(x, 0, sizeof *x);
    x->state = S_OUT;
    x->sink = sink;
}

/* Hands what out holds to libxml2 (which then owns it); 1 when it parsed all of it, so
 * that text may now go to the SAX handler directly. */
static int catch_up(struct xml_cdata *x, struct buf *out)
{
    if (!x->sink)
        return 0;
    int ok = x->sink->push(x->sink->ud, out->data, out->len);
    out->len = 0;
    return ok;
}

/* The plain text that began the current run and is still in out, from out->len - tail
 * back: its length, or 0 when there is none to take (the run began in an earlier piece,
 * or holds a ']' or CR, which must reach libxml2 as they are). */
static size_t plain_prefix(const struct xml_cdata *x, const struct buf *out, size_t tail)
{
    return x->run_ok && out->len >= x->run_start + tail ? out->len - tail - x->run_start : 0;
}

/* Hands out[0..len - tail - plen) to libxml2. When it has caught up, the plain text
 * before the tail goes to the SAX handler directly and out is left empty; else the plain
 * text and the tail stay in out (moved to its start) for libxml2. */
static int go_direct(struct xml_cdata *x, struct buf *out, size_t tail, size_t plen)
{
    size_t end = out->len;
    out->len = end - tail - plen;
    int ok = catch_up(x, out);
    if (ok) {
        if (plen)
            x->sink->text(x->sink->ud, out->data + end - tail - plen, plen);
    } else {
        memmove(out->data, out->data + end - tail - plen, tail + plen);
        out->len = tail + plen;
    }
    x->run_ok = 0;
    return ok;
}

/* A section of text starts: directly to the SAX handler, with the plain text before it,
 * when libxml2 has caught up; else as a CDATA section. */
static void open_section(struct xml_cdata *x, struct buf *out)
{
    x->cdata = 1;
    x->brackets = 0;
    x->direct = x->sink ? go_direct(x, out, 0, plain_prefix(x, out, 0)) : 0;
    x->run_ok = 0;
    if (!x->direct)
        buf_append(out, OPEN, sizeof OPEN - 1);
}

static void close_section(struct xml_cdata *x, struct buf *out)
{
    if (!x->cdata)
        return;
    if (!x->direct)
        buf_append(out, CLOSE, sizeof CLOSE - 1);
    x->cdata = 0;
    x->direct = 0;
    x->run_ok = 0;
}

/* Text of a section. */
static void section_text(struct xml_cdata *x, struct buf *out, const void *p, size_t n)
{
    if (x->direct)
        x->sink->text(x->sink->ud, p, n);
    else
        buf_append(out, p, n);
}

static void after_markup(struct xml_cdata *x)
{
    x->state = x->depth > 0 ? S_TEXT : S_OUT;
    x->run_fresh = 1;
}

/* The length of the run of text at p that passes as it is: up to the next '<', '&', ']'
 * (which ends a section of ours) or CR (which becomes LF in one), and in plain text the
 * next non-ASCII byte (where a section starts). */
static size_t text_run(const unsigned char *p, size_t n, int cdata)
{
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        scan_vec v = scan_load(p + i);
        scan_vec m = scan_or(scan_or(scan_eq(v, '<'), scan_eq(v, '&')),
                             scan_or(scan_eq(v, ']'), scan_eq(v, '\r')));
        unsigned bits = scan_bits(m);
        if (!cdata)
            bits |= scan_bits(v);   /* the bytes from 0x80 */
        if (bits)
            return i + (size_t)__builtin_ctz(bits);
    }
    for (; i < n; i++) {
        unsigned c = p[i];
        if (c == '<' || c == '&' || c == ']' || c == '\r' || (!cdata && c >= 0x80))
            break;
    }
    return i;
}

static int ref_char(unsigned c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           c == '#';
}

/* XML 1.0 section 2.2, Char. */
static int is_xml_char(unsigned long cp)
{
    return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
           (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
}

/* The character that a complete reference ("&...;") stands for, or 0 when it is not one
 * of the five predefined entities or a well-formed character reference to a Char
 * (section 4.1: the hexadecimal form takes a lowercase 'x'). */
static unsigned ref_value(const char *r, size_t len)
{
    static const struct {
        const char *ref;
        unsigned cp;
    } named[] = {{"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&quot;", '"'}, {"&apos;", '\''}};
    if (len < 3 || r[len - 1] != ';')
        return 0;
    if (r[1] != '#') {
        for (size_t i = 0; i < sizeof named / sizeof named[0]; i++)
            if (strlen(named[i].ref) == len && !memcmp(named[i].ref, r, len))
                return named[i].cp;
        return 0;
    }
    int hex = r[2] == 'x';
    size_t i = 2 + (size_t)hex;
    if (i >= len - 1)
        return 0;      /* no digits */
    unsigned long v = 0;
    for (; i < len - 1; i++) {
        unsigned c = (unsigned char)r[i], d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (hex && c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else if (hex && c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        else
            return 0;
        v = v * (hex ? 16 : 10) + d;
        if (v > 0x10FFFF)
            return 0;
    }
    return is_xml_char(v) ? (unsigned)v : 0;
}

/* The character of a decoded reference, into a section of ours. */
static void emit(struct xml_cdata *x, struct buf *out, unsigned cp)
{
    if (!x->cdata)
        open_section(x, out);
    if (cp == '>' && x->brackets >= 2 && !x->direct) {
        /* "]]>" would end the section: end it before the '>' and start another */
        buf_append(out, CLOSE, sizeof CLOSE - 1);
        buf_append(out, OPEN, sizeof OPEN - 1);
    }
    x->brackets = cp == ']' ? x->brackets + 1 : 0;
    char u[4];
    if (cp < 0x80 && !x->direct)
        buf_putc(out, (char)cp);
    else {
        size_t k = utf8_encode(cp, u);
        section_text(x, out, u, k);
    }
}

/* A reference read to its end: the character it stands for (cp) into a section of ours,
 * or, when cp is 0, its bytes as they came, outside any section (libxml2 must read it). */
static void ref_out(struct xml_cdata *x, struct buf *out, unsigned cp, const void *raw,
                    size_t len)
{
    if (cp) {
        emit(x, out, cp);
        return;
    }
    close_section(x, out);
    buf_append(out, raw, len);
    x->run_ok = 0;
}

/* The reference that S_REF gathered across pieces (complete: it ended with ';'). */
static void ref_done(struct xml_cdata *x, struct buf *out, int complete)
{
    ref_out(x, out, complete ? ref_value(x->ref, x->reflen) : 0, x->ref, x->reflen);
    x->reflen = 0;
    x->state = S_TEXT;
}

/* Copies p[i..) up to and including the first byte c, or to the end; returns the index
 * after what it copied and sets *found. */
static size_t copy_through(const unsigned char *p, size_t i, size_t n, int c, struct buf *out,
                           int *found)
{
    const unsigned char *q = memchr(p + i, c, n - i);
    size_t end = q ? (size_t)(q - p) + 1 : n;
    buf_append(out, (const char *)p + i, end - i);
    *found = q != NULL;
    return end;
}

/* A complete reference at p (n bytes available, p[0] == '&'): its length through the ';'
 * with *cp set to what it stands for (0 when it is not one that is decoded), or 0 when
 * the piece ends first or it is too long to be one that is decoded. */
static size_t ref_at(const unsigned char *p, size_t n, unsigned *cp)
{
    /* escaped HTML is mostly &lt; and &gt;: those two first, without the general path */
    if (n >= 4 && p[2] == 't' && p[3] == ';' && (p[1] == 'l' || p[1] == 'g')) {
        *cp = p[1] == 'l' ? '<' : '>';
        return 4;
    }
    size_t lim = n < sizeof ((struct xml_cdata *)0)->ref ? n : sizeof ((struct xml_cdata *)0)->ref - 1;
    for (size_t j = 1; j < lim; j++) {
        if (p[j] == ';') {
            *cp = ref_value((const char *)p, j + 1);
            return j + 1;
        }
        if (!ref_char(p[j])) {
            *cp = 0;
            return j;   /* not a reference that is decoded: the bytes before p[j] */
        }
    }
    if (lim < n) {
        *cp = 0;
        return lim;     /* too long */
    }
    return 0;
}

/* Text, from p[i], for as long as it lasts in this piece. Returns the index of the first
 * byte it did not take. */
static size_t text(struct xml_cdata *x, const unsigned char *p, size_t i, size_t n,
                   struct buf *out)
{
    if (x->run_fresh) {
        x->run_fresh = 0;
        x->run_start = out->len;
        x->run_ok = 1;
    }
    while (i < n) {
        unsigned c = p[i];
        if (x->cdata && x->brackets >= 2 && c == '>' && !x->direct) {
            /* after "]]" from references, a '>' would end the section */
            buf_append(out, CLOSE, sizeof CLOSE - 1);
            buf_append(out, OPEN, sizeof OPEN - 1);
            buf_putc(out, '>');
            x->brackets = 0;
            x->skip_lf = 0;
            i++;
            continue;
        }
        if (x->skip_lf) {
            x->skip_lf = 0;
            if (c == '\n') {   /* the LF of a CRLF already written as one LF */
                i++;
                continue;
            }
        }
        size_t k = i + text_run(p + i, n - i, x->cdata);
        if (k > i) {
            if (x->cdata)
                section_text(x, out, p + i, k - i);
            else
                buf_append(out, (const char *)p + i, k - i);
            x->brackets = 0;
            i = k;
            continue;
        }
        if (c == '<') {
            close_section(x, out);
            buf_putc(out, '<');
            x->state = S_LT;
            return i + 1;
        }
        if (c == '&') {
            unsigned cp = 0;
            size_t len = ref_at(p + i, n - i, &cp);
            if (len == 0) {   /* cut by the end of the piece: byte by byte from here */
                x->ref[0] = '&';
                x->reflen = 1;
                x->state = S_REF;
                return i + 1;
            }
            ref_out(x, out, cp, p + i, len);
            i += len;
        } else if (c == ']' && (x->direct || !x->cdata) && n - i >= 3 &&
                   !(p[i + 1] == ']' && p[i + 2] == '>')) {
            /* a ']' that does not begin "]]>" is text like any other, except in a CDATA
             * section of ours, where it could help end the section early */
            if (x->cdata)
                section_text(x, out, "]", 1);
            else
                buf_putc(out, ']');
            x->brackets = 0;
            i++;
        } else if (!x->cdata && (c == ']' || c == '\r')) {
            buf_putc(out, (char)c);   /* as it came: libxml2 judges "]]>" and line ends */
            x->run_ok = 0;
            i++;
        } else if (!x->cdata) {
            open_section(x, out);   /* a non-ASCII byte: it goes in on the next turn */
        } else if (c == ']') {
            close_section(x, out);
            buf_putc(out, ']');
            i++;
        } else {   /* CR: section 2.11, as libxml2 does for text */
            section_text(x, out, "\n", 1);
            x->brackets = 0;
            x->skip_lf = 1;
            i++;
        }
    }
    return i;
}

/* "<![CDATA[" has just been written to out. Inside the root element, when libxml2 has
 * caught up with what came before it, the section's text goes to the SAX handler
 * directly and libxml2 sees neither "<![CDATA[" nor "]]>". */
static void cdsect_start(struct xml_cdata *x, struct buf *out)
{
    static const size_t len = sizeof OPEN - 1;
    x->sub = 0;
    x->state = S_CDSECT;
    if (!x->sink || x->depth == 0 || out->len < len || memcmp(out->data + out->len - len, OPEN, len))
        return;   /* the opener began in an earlier piece, already handed over */
    if (go_direct(x, out, len, plain_prefix(x, out, len)))
        x->state = S_CDSECT_D;   /* else out still ends with the opener, for libxml2 */
}

/* A CDATA section's text to the SAX handler, to its "]]>"; x->sub counts the ']' held
 * back (at most two: a third lets the first go). Returns the index after what it took. */
static size_t cdsect_direct(struct xml_cdata *x, const unsigned char *p, size_t i, size_t n)
{
    while (i < n) {
        if (x->sub == 0) {
            const unsigned char *q = memchr(p + i, ']', n - i);
            size_t end = q ? (size_t)(q - p) : n;
            if (end > i)
                x->sink->text(x->sink->ud, p + i, end - i);
            if (!q)
                return n;
            x->sub = 1;
            i = end + 1;
            continue;
        }
        unsigned c = p[i++];
        if (c == ']') {
            if (x->sub == 2)
                x->sink->text(x->sink->ud, "]", 1);
            else
                x->sub++;
        } else if (c == '>' && x->sub == 2) {
            x->sub = 0;
            after_markup(x);
            return i;
        } else {
            x->sink->text(x->sink->ud, "]]", (size_t)x->sub);
            x->sub = 0;
            i--;   /* c is text: the next turn takes it */
        }
    }
    return i;
}

void xml_cdata_feed(struct xml_cdata *x, const char *s, size_t n, struct buf *out)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    int found;
    x->run_ok = 0;   /* what out held was handed to libxml2 after the last piece */
    buf_grow(out, n + n / 8 + 64);
    while (i < n) {
        unsigned c = p[i];
        switch (x->state) {
        case S_OUT:
            i = copy_through(p, i, n, '<', out, &found);
            if (found)
                x->state = S_LT;
            break;
        case S_TEXT:
            i = text(x, p, i, n, out);
            break;
        case S_REF:
            /* the same limits as ref_at(), so that the pieces never change the output */
            if (c == ';' && x->reflen < sizeof x->ref - 1) {
                x->ref[x->reflen++] = ';';
                i++;
                ref_done(x, out, 1);
            } else if (ref_char(c) && x->reflen < sizeof x->ref - 1) {
                x->ref[x->reflen++] = (char)c;
                i++;
            } else {
                ref_done(x, out, 0);   /* c is text again */
            }
            break;
        case S_LT:
            buf_putc(out, (char)c);
            i++;
            x->prev = 0;
            x->state = c == '!' ? S_BANG : c == '?' ? S_PI : c == '/' ? S_ETAG : S_STAG;
            break;
        case S_STAG:
            buf_putc(out, (char)c);
            i++;
            if (c == '"' || c == '\'') {
                x->quote = (int)c;
                x->back = S_STAG;
                x->state = S_QUOTED;
            } else if (c == '>') {
                if (x->prev != '/')
                    x->depth++;
                after_markup(x);
            }
            x->prev = (int)c;
            break;
        case S_QUOTED:
            i = copy_through(p, i, n, x->quote, out, &found);
            if (found)
                x->state = x->back;
            break;
        case S_ETAG:
            i = copy_through(p, i, n, '>', out, &found);
            if (found) {
                if (x->depth > 0)
                    x->depth--;
                after_markup(x);
            }
            break;
        case S_BANG:
            buf_putc(out, (char)c);
            i++;
            x->sub = 0;
            x->state = c == '-' ? S_BANG_DASH : c == '[' ? S_BANG_CD :
                       x->depth == 0 ? S_DECL : S_OFF;
            break;
        case S_BANG_DASH:
            buf_putc(out, (char)c);
            i++;
            x->state = c == '-' ? S_COMMENT : S_OFF;
            break;
        case S_COMMENT:
        case S_CDSECT: {
            /* both end at the first "-->" or "]]>": two of the mark, then '>' */
            int mark = x->state == S_COMMENT ? '-' : ']';
            if (x->sub == 0) {
                i = copy_through(p, i, n, mark, out, &found);
                x->sub = found;
                break;
            }
            buf_putc(out, (char)c);
            i++;
            if (c == (unsigned)mark)
                x->sub++;
            else if (c == '>' && x->sub >= 2)
                after_markup(x);
            else
                x->sub = 0;
            break;
        }
        case S_BANG_CD:
            buf_putc(out, (char)c);
            i++;
            if (c != (unsigned char)"CDATA["[x->sub])
                x->state = S_OFF;
            else if (++x->sub == 6)
                cdsect_start(x, out);
            break;
        case S_CDSECT_D:
            i = cdsect_direct(x, p, i, n);
            break;
        case S_PI:
            if (x->prev != '?') {
                i = copy_through(p, i, n, '?', out, &found);
                if (found)
                    x->prev = '?';
                break;
            }
            buf_putc(out, (char)c);
            i++;
            if (c == '>')
                after_markup(x);
            else if (c != '?')
                x->prev = 0;
            break;
        case S_DECL:
            buf_putc(out, (char)c);
            i++;
            if (c == '"' || c == '\'') {
                x->quote = (int)c;
                x->back = S_DECL;
                x->state = S_QUOTED;
            } else if (c == '[') {
                x->state = S_OFF;   /* an internal subset: declarations are not lexed here */
            } else if (c == '>') {
                after_markup(x);
            }
            break;
        default:   /* S_OFF */
            buf_append(out, (const char *)p + i, n - i);
            i = n;
            break;
        }
    }
}

void xml_cdata_end(struct xml_cdata *x, struct buf *out)
{
    if (x->state == S_REF)
        ref_done(x, out, 0);
    if (x->state == S_CDSECT_D && x->sub)   /* an unended section: its held ']' too */
        x->sink->text(x->sink->ud, "]]", (size_t)x->sub);
    close_section(x, out);
}
