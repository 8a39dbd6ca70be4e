/* markdown/html2md.c: HTML to GitHub-flavoured markdown (owner: html2md engineer). This file
 * holds the front end (UTF-8 clean-up, libxml2's HTML parser), the tree walk on an
 * explicit stack, and the markdown writer that renderers call: an inline run that
 * collects the current paragraph, container prefixes for quotes and list items, and the
 * blank lines between blocks. The renderers themselves, one per tag, are the table in
 * html2md_render.c; `feedsd html2md` is at the end. */
#include "feeds/xml_compat.h"
#include "markdown/html2md.h"
#include "markdown/html2md_int.h"
#include "markdown/html_runs.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- front end ------------------------------------------------------------------ */

/* Length of the valid UTF-8 sequence at s (RFC 3629 section 4: no overlongs, no
 * surrogates, nothing above U+10FFFF), 0 when the bytes are not one. */
static size_t utf8_valid_len(const unsigned char *s, size_t n)
{
    if (s[0] < 0x80)
        return s[0] ? 1 : 0;
    size_t len;
    unsigned lo = 0x80, hi = 0xBF;
    if (s[0] >= 0xC2 && s[0] <= 0xDF)
        len = 2;
    else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
        len = 3;
        if (s[0] == 0xE0)
            lo = 0xA0;
        if (s[0] == 0xED)
            hi = 0x9F;
    } else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
        len = 4;
        if (s[0] == 0xF0)
            lo = 0x90;
        if (s[0] == 0xF4)
            hi = 0x8F;
    } else
        return 0;
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
    return len;
}

/* libxml2's HTML parser on valid UTF-8 without NUL bytes. */
static htmlDocPtr parse_utf8(const char *in, size_t inlen)
{
    /* No HTML_PARSE_NOIMPLIED: with it libxml2 2.9.14 nests sibling <p>s. No NOBLANKS:
     * white space between inline elements is content. The parser caps nesting at 256. */
    htmlDocPtr doc = NULL;
    htmlParserCtxtPtr ctxt = xml_html_ctxt_new();
    if (ctxt) {
        doc = htmlCtxtReadMemory(ctxt, in, (int)inlen, NULL, "UTF-8",
                                 HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                                     HTML_PARSE_NONET | HTML_PARSE_COMPACT);
        htmlFreeParserCtxt(ctxt);
    }
    return doc;
}

/* Shorter runs are not worth their marker; tests hide every run (html_parse_every_run). */
#define MIN_RUN 32
static size_t min_run = MIN_RUN;
static int hid_runs; /* the last html_parse() went through html_runs (tests) */

void html_parse_every_run(int on)
{
    min_run = on ? 1 : MIN_RUN;
}

int html_parse_hid_runs(void)
{
    return hid_runs;
}

/* Bytes 0x01-0x7F, eight at a time: the length of the ASCII prefix of s[0..n) that needs
 * no check, give or take the last word. */
static size_t ascii_prefix(const unsigned char *s, size_t n)
{
    const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        if ((w | ((w - ones) & ~w)) & high) /* a byte >= 0x80, or a NUL */
            break;
    }
    return i;
}

htmlDocPtr html_parse(const char *html, size_t len)
{
    if (!html || !len)
        return NULL;
    if (len > INT_MAX / 4)
        len = INT_MAX / 4;
    /* libxml2 2.9's HTML parser, on the first invalid UTF-8 byte, switches the rest of the
     * document to ISO-8859-1 (htmlCurrentChar), and a NUL byte ends it: replace such bytes
     * with U+FFFD first, as browsers do (WHATWG Encoding, "UTF-8 decode"). */
    struct buf fixed = {0};
    const unsigned char *s = (const unsigned char *)html;
    size_t run = 0;
    for (size_t i = 0; i < len;) {
        i += ascii_prefix(s + i, len - i);
        if (i >= len)
            break;
        size_t k = utf8_valid_len(s + i, len - i);
        if (k) {
            i += k;
            continue;
        }
        buf_append(&fixed, html + run, i - run);
        buf_puts(&fixed, "\xEF\xBF\xBD");
        run = ++i;
    }
    if (fixed.data)
        buf_append(&fixed, html + run, len - run);
    const char *in = fixed.data ? fixed.data : html;
    size_t inlen = fixed.data ? fixed.len : len;
    /* The text of a post goes past the parser (html_runs.h); the original document is
     * parsed when the markers do not come back as they went in. */
    struct html_runs runs;
    htmlDocPtr doc = NULL;
    hid_runs = 0;
    if (xml_accel_on(XML_ACCEL_HTML_RUNS) && html_runs_hide(in, inlen, min_run, &runs) == 0) {
        doc = parse_utf8(runs.doc, runs.len);
        if (doc && html_runs_restore(doc, in, &runs) < 0) {
            xmlFreeDoc(doc);
            doc = NULL;
        }
        hid_runs = doc != NULL;
        html_runs_free(&runs);
    }
    if (!doc)
        doc = parse_utf8(in, inlen);
    buf_free(&fixed);
    return doc;
}

/* ---- inline run ----------------------------------------------------------------- */

#ifdef __SSE2__
#include <emmintrin.h>
#endif

static char last_char(const struct buf *b)
{
    return b->len ? b->data[b->len - 1] : '\0';
}

void md_space(struct md *w)
{
    char c = last_char(&w->inl);
    if (w->inl.len && c != ' ' && c != '\n')
        buf_putc(&w->inl, ' ');
}

void md_token(struct md *w, const char *s, size_t n)
{
    buf_append(&w->inl, s, n);
}

/* What a renderer reads inside the code span token t[0..n) (CommonMark 6.1: the
 * fences off, then one space off both ends when both are spaces and not all is). */
static void code_span_content(const char *t, size_t n, struct buf *out)
{
    size_t f = 0;
    while (f < n && t[f] == '`')
        f++;
    const char *c = t + f;
    size_t cl = n >= 2 * f ? n - 2 * f : 0;
    size_t sp = 0;
    while (sp < cl && c[sp] == ' ')
        sp++;
    if (cl >= 2 && c[0] == ' ' && c[cl - 1] == ' ' && sp < cl) {
        c++;
        cl -= 2;
    }
    buf_append(out, c, cl);
}

/* Code span token for content c (which a renderer reads back exactly): the fence one
 * backtick longer than any run inside, a space of padding when c starts or ends with a
 * backtick or starts and ends with a space. */
void md_code_token(struct buf *t, const char *c, size_t n)
{
    size_t fence = md_longest_run(c, n, '`') + 1;
    int pad = n && (c[0] == '`' || c[n - 1] == '`' || (c[0] == ' ' && c[n - 1] == ' '));
    for (size_t i = 0; i < fence; i++)
        buf_putc(t, '`');
    if (pad)
        buf_putc(t, ' ');
    buf_append(t, c, n);
    if (pad)
        buf_putc(t, ' ');
    for (size_t i = 0; i < fence; i++)
        buf_putc(t, '`');
}

/* Two code spans side by side ("`a`" "``b``") would touch: their fences make one run of
 * backticks, which closes neither (CommonMark 6.1 matches runs of equal length), so the
 * renderer shows backticks and reads the code as markdown. Such a pair becomes one span:
 * <code>a</code><code>b</code> reads "ab" either way. Returns 1 when s was merged into
 * the code span that inl ends with (empty tokens between are dropped: they print
 * nothing). Only when no open element will take inl from a mark inside what is rewritten
 * (ignore_top: the innermost one is closing and takes nothing more); otherwise
 * md_marks_resolve() keeps the two apart with a space. */
static int code_span_merge(struct md *w, const char *s, size_t n, int ignore_top)
{
    if (!n || s[0] != '`' || !w->inl.len)
        return 0;
    size_t end = w->inl.len;
    while (end && w->inl.data[end - 1] == MD_SYNTAX)
        end--;
    if (end == w->inl.len || !end || w->inl.data[end - 1] != '`')
        return 0;
    size_t start = end;
    while (start && w->inl.data[start - 1] != MD_SYNTAX)
        start--;
    if (!start || w->inl.data[start] != '`')
        return 0;   /* not a token (text never ends in a bare backtick: it is escaped) */
    size_t from = start - 1;   /* the token's opening MD_SYNTAX */
    for (size_t i = 0; i + (ignore_top ? 1 : 0) < w->nframes; i++) {
        const struct md_frame *f = &w->frames[i];
        if (f->mark > from || (f->split_outside && f->code_mark_outside > from))
            return 0;
    }
    struct buf c = {0}, t = {0};
    buf_puts(&c, "");
    code_span_content(w->inl.data + start, end - start, &c);
    code_span_content(s, n, &c);
    md_code_token(&t, c.data, c.len);
    w->inl.len = start - 1;
    w->inl.data[w->inl.len] = '\0';
    buf_putc(&w->inl, MD_SYNTAX);
    buf_append(&w->inl, t.data, t.len);
    buf_putc(&w->inl, MD_SYNTAX);
    buf_free(&c);
    buf_free(&t);
    return 1;
}

void md_code_syntax(struct md *w, const char *s, size_t n, int ignore_top)
{
    if (!code_span_merge(w, s, n, ignore_top))
        md_syntax(w, s, n);
}

void md_syntax(struct md *w, const char *s, size_t n)
{
    buf_putc(&w->inl, MD_SYNTAX);
    buf_append(&w->inl, s, n);
    buf_putc(&w->inl, MD_SYNTAX);
}

/* What md_text does with a byte of a text node: TX_COPY copies it; TX_ESCAPE escapes it
 * (it opens or closes inline syntax wherever it stands: md_escape.c); TX_MAYBE escapes it
 * where md_escape_at says so ('&', ':', '.'); TX_SPACE is white space as a browser renders
 * it (CSS Text 3, white-space: normal), runs of which collapse to one space; TX_C2 may
 * begin U+00A0, folded too (feeds use &nbsp; as padding, and a paragraph of only &nbsp;
 * should vanish); TX_DROP: C0 controls other than white space, and DEL, which render as
 * nothing in browsers (three of them are the writer's own sentinels); TX_END: the NUL.
 * A word (what lies between white space and control characters) is escaped as
 * md_escape_inline would escape it alone. */
enum { TX_COPY, TX_ESCAPE, TX_MAYBE, TX_SPACE, TX_C2, TX_DROP, TX_END };
static const unsigned char text_class[256] = {
    [0x00] = TX_END,
    [0x01] = TX_DROP, [0x02] = TX_DROP, [0x03] = TX_DROP, [0x04] = TX_DROP,
    [0x05] = TX_DROP, [0x06] = TX_DROP, [0x07] = TX_DROP, [0x08] = TX_DROP,
    ['\t'] = TX_SPACE, ['\n'] = TX_SPACE, [0x0B] = TX_DROP, ['\f'] = TX_SPACE,
    ['\r'] = TX_SPACE, [0x0E] = TX_DROP, [0x0F] = TX_DROP, [0x10] = TX_DROP,
    [0x11] = TX_DROP, [0x12] = TX_DROP, [0x13] = TX_DROP, [0x14] = TX_DROP,
    [0x15] = TX_DROP, [0x16] = TX_DROP, [0x17] = TX_DROP, [0x18] = TX_DROP,
    [0x19] = TX_DROP, [0x1A] = TX_DROP, [0x1B] = TX_DROP, [0x1C] = TX_DROP,
    [0x1D] = TX_DROP, [0x1E] = TX_DROP, [0x1F] = TX_DROP, [' '] = TX_SPACE,
    ['\\'] = TX_ESCAPE, ['`'] = TX_ESCAPE, ['*'] = TX_ESCAPE, ['_'] = TX_ESCAPE,
    ['['] = TX_ESCAPE, [']'] = TX_ESCAPE, ['<'] = TX_ESCAPE, ['|'] = TX_ESCAPE,
    ['~'] = TX_ESCAPE, ['&'] = TX_MAYBE, [':'] = TX_MAYBE, ['.'] = TX_MAYBE,
    [0x7F] = TX_DROP, [0xC2] = TX_C2,
};

/* Raw text (inside <pre>): every byte but the control characters. */
static void text_raw(struct md *w, const unsigned char *p, size_t n)
{
    buf_grow(&w->inl, n);
    char *o = w->inl.data + w->inl.len;
    for (; *p; p++)
        if (text_class[*p] != TX_DROP)
            *o++ = (char)*p;
    *o = '\0';
    w->inl.len = (size_t)(o - w->inl.data);
}

/* Where the word that holds p starts, as far back as md_escape_at looks ("https" before
 * a ':', a character before "www."): at most five bytes. A word ends at white space
 * (U+00A0 too) and at a control character. */
static const unsigned char *word_start(const unsigned char *s, const unsigned char *p)
{
    const unsigned char *q = p;
    while (q > s && p - q < 5) {
        unsigned char c = q[-1];
        if (text_class[c] == TX_SPACE || text_class[c] == TX_DROP ||
            (c == 0xA0 && q - 1 > s && q[-2] == 0xC2))
            break;
        q--;
    }
    return q;
}

#ifdef __SSE2__
/* Bytes of v in [lo, hi], as a vector mask (a signed compare after a shift by lo). */
static __m128i in_range(__m128i v, unsigned char lo, unsigned char hi)
{
    __m128i t = _mm_sub_epi8(v, _mm_set1_epi8((char)(unsigned char)(lo + 0x80)));
    return _mm_cmplt_epi8(t, _mm_set1_epi8((char)(unsigned char)(0x80 + hi - lo + 1)));
}

/* A mask of the sixteen bytes at p that md_text does not simply copy: every byte whose
 * class is not TX_COPY (and '^' and '}'), and a space that follows a space, or, for the
 * first byte, follows what the run ends with (prev_space: nothing, a space or a line
 * break). Other spaces are copied as md_space() would put them. */
static unsigned text_look(const unsigned char *p, int code, int prev_space)
{
    __m128i v = _mm_loadu_si128((const __m128i *)p);
    __m128i m = _mm_or_si128(_mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1F)), v),
                             _mm_or_si128(in_range(v, 0x7C, 0x7F), /* | } ~ DEL */
                                          _mm_cmpeq_epi8(v, _mm_set1_epi8((char)0xC2))));
    if (!code) {
        __m128i e = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('&')),
                                 _mm_cmpeq_epi8(v, _mm_set1_epi8('*')));
        e = _mm_or_si128(e, _mm_cmpeq_epi8(v, _mm_set1_epi8('.')));
        e = _mm_or_si128(e, _mm_cmpeq_epi8(v, _mm_set1_epi8(':')));
        e = _mm_or_si128(e, _mm_cmpeq_epi8(v, _mm_set1_epi8('<')));
        e = _mm_or_si128(e, in_range(v, 0x5B, 0x60)); /* [ \ ] ^ _ ` */
        m = _mm_or_si128(m, e);
    }
    unsigned sp = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(' ')));
    return (unsigned)_mm_movemask_epi8(m) | (sp & ((sp << 1) | (unsigned)prev_space));
}
#endif

/* One pass over the node's text, written straight into the run: white space collapsed,
 * control characters dropped, every word escaped (code: as it is). */
void md_text(struct md *w, const char *s)
{
    if (!s)
        return;
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s);
    if (w->raw) {
        text_raw(w, p, n);
        return;
    }
    /* At most a backslash per byte, or a space for white space. */
    buf_grow(&w->inl, 2 * n);
    char *const data = w->inl.data;
    char *o = data + w->inl.len;
    const unsigned char *const start = p, *const end = p + n;
    const int code = w->code;
    for (;;) {
#ifdef __SSE2__
        /* Sixteen bytes at a time are copied, and kept up to the first that is not
         * simply copied (the output has room: it grows by at most twice what is read). */
        while (end - p >= 16) {
            unsigned m = text_look(p, code, o == data || o[-1] == ' ' || o[-1] == '\n');
            memcpy(o, p, 16);
            if (!m) {
                o += 16;
                p += 16;
                continue;
            }
            unsigned k = (unsigned)__builtin_ctz(m);
            o += k;
            p += k;
            break;
        }
#endif
        unsigned char c = *p;
        switch (text_class[c]) {
        case TX_COPY:
            do
                *o++ = (char)*p++;
            while (text_class[*p] == TX_COPY);
            continue;
        case TX_ESCAPE:
            if (!code)
                *o++ = '\\';
            *o++ = (char)c;
            p++;
            continue;
        case TX_MAYBE:
            if (!code) {
                const unsigned char *word = word_start(start, p);
                if (md_escape_at((const char *)word, (size_t)(end - word), (size_t)(p - word)))
                    *o++ = '\\';
            }
            *o++ = (char)c;
            p++;
            continue;
        case TX_C2:
            if (p[1] != 0xA0) {
                *o++ = (char)c;
                p++;
                continue;
            }
            /* fall through */
        case TX_SPACE:
            for (;;) {
                if (text_class[*p] == TX_SPACE)
                    p++;
                else if (p[0] == 0xC2 && p[1] == 0xA0)
                    p += 2;
                else
                    break;
            }
            if (o > data && o[-1] != ' ' && o[-1] != '\n') /* md_space */
                *o++ = ' ';
            continue;
        case TX_DROP:
            p++;
            continue;
        default: /* TX_END */
            break;
        }
        break;
    }
    *o = '\0';
    w->inl.len = (size_t)(o - data);
}

void md_hard_break(struct md *w)
{
    if (w->raw) {
        buf_putc(&w->inl, '\n');
        return;
    }
    if (w->inline_only) {
        md_space(w);
        return;
    }
    while (w->inl.len && w->inl.data[w->inl.len - 1] == ' ')
        w->inl.len--;
    buf_putc(&w->inl, '\n');
}

/* The content s[*a..*z) of s[0..n) without the blanks and line breaks at its ends. */
static void trim_span(const char *s, size_t n, size_t *a, size_t *z)
{
    *a = 0;
    *z = n;
    while (*a < *z && (s[*a] == ' ' || s[*a] == '\n'))
        (*a)++;
    while (*z > *a && (s[*z - 1] == ' ' || s[*z - 1] == '\n'))
        (*z)--;
}

char *md_take(struct md *w, size_t mark, int *lead, int *trail)
{
    if (mark > w->inl.len)
        mark = w->inl.len;
    const char *s = w->inl.data ? w->inl.data + mark : "";
    size_t n = w->inl.len - mark;
    size_t a, z;
    trim_span(s, n, &a, &z);
    if (lead)
        *lead = a > 0;
    if (trail)
        *trail = z < n;
    char *r = xstrndup(s + a, z - a);
    w->inl.len = mark;
    if (w->inl.data)
        w->inl.data[mark] = '\0';
    return r;
}

int md_wrap_begin(struct md *w, size_t mark, const char *before, size_t nb, int *lead,
                  int *trail)
{
    *lead = *trail = 0;
    if (!w->inl.data) /* an empty run */
        return 0;
    if (mark > w->inl.len)
        mark = w->inl.len;
    const char *s = w->inl.data + mark;
    size_t n = w->inl.len - mark;
    size_t a, z;
    trim_span(s, n, &a, &z);
    *lead = a > 0;
    *trail = z < n;
    if (a == z) {
        w->inl.len = mark;
        w->inl.data[mark] = '\0';
        return 0;
    }
    /* md_space() once the content is out of the run, then before, then the content */
    int sp = *lead && mark && s[-1] != ' ' && s[-1] != '\n';
    size_t len = z - a, at = mark + (size_t)sp + nb;
    if (at + len > w->inl.len)
        buf_grow(&w->inl, at + len - w->inl.len);
    char *d = w->inl.data;
    memmove(d + at, d + mark + a, len);
    if (sp)
        d[mark] = ' ';
    memcpy(d + mark + sp, before, nb);
    w->inl.len = at + len;
    d[w->inl.len] = '\0';
    return 1;
}

/* ---- lines and containers ------------------------------------------------------- */

static void put_prefix(struct md *w, int depth, int blank)
{
    size_t start = w->out.len;
    for (int i = 0; i < depth; i++) {
        struct md_container *c = &w->ctr[i];
        if (c->kind == 'q')
            buf_append(&w->out, "> ", 2);
        else if (!blank && c->pending) {
            buf_append(&w->out, c->marker, c->width);
            c->pending = 0;
        } else {
            buf_grow(&w->out, c->width);
            memset(w->out.data + w->out.len, ' ', c->width);
            w->out.len += c->width;
            w->out.data[w->out.len] = '\0';
        }
    }
    if (blank) /* a blank line keeps its quote markers but no trailing spaces */
        while (w->out.len > start && w->out.data[w->out.len - 1] == ' ')
            w->out.data[--w->out.len] = '\0';
}

/* What comes before a line of n bytes: the blank line owed, the container prefix. 0 when
 * the line must not be written: the output stays bounded by the input size. */
static int line_begin(struct md *w, size_t n)
{
    if (w->out.len + n + 4 * MD_MAX_CONTAINERS > w->limit)
        return 0;
    if (w->need_blank && w->out.len) {
        put_prefix(w, w->blank_depth, 1);
        buf_putc(&w->out, '\n');
    }
    w->need_blank = 0;
    put_prefix(w, w->nctr, 0);
    return 1;
}

/* Ends the line whose text starts at out[from]. A CR ends a line for a markdown reader
 * too (CommonMark 2.1), and the line after it would lack this one's container prefix
 * ("> ", list indentation): what follows would leave its block quote or code block.
 * Every line handed out is one line. */
static void line_end(struct md *w, size_t from)
{
    for (char *cr = memchr(w->out.data + from, '\r', w->out.len - from); cr;
         cr = memchr(cr + 1, '\r', (size_t)(w->out.data + w->out.len - cr - 1)))
        *cr = ' ';
    buf_putc(&w->out, '\n');
}

void md_emit_line(struct md *w, const char *s, size_t n)
{
    if (!line_begin(w, n))
        return;
    size_t from = w->out.len;
    buf_append(&w->out, s, n);
    line_end(w, from);
}

void md_set_blank(struct md *w)
{
    w->need_blank = 1;
    w->blank_depth = w->nctr;
}

int md_push_container(struct md *w, char kind, const char *marker)
{
    if (w->nctr >= MD_MAX_CONTAINERS)
        return 0;
    struct md_container *c = &w->ctr[w->nctr++];
    c->kind = kind;
    size_t len = strnlen(marker, sizeof c->marker - 1);
    memcpy(c->marker, marker, len);
    c->marker[len] = '\0';
    c->width = (unsigned char)len;
    c->pending = kind == 'l';
    return 1;
}

void md_pop_container(struct md *w)
{
    if (w->nctr == 0)
        return;
    w->nctr--;
    if (w->blank_depth > w->nctr)
        w->blank_depth = w->nctr;
}

/* One line of paragraph text: escaped so it cannot open a block, then emitted (written
 * straight into the output, as md_emit_line would write the escaped line). */
static void emit_text_line(struct md *w, const char *s, size_t n, int hard_break)
{
    long at = md_line_start_escape(s, n);
    /* CommonMark 6.7: a backslash at the end of a line is a hard break */
    if (!line_begin(w, n + (at >= 0) + (hard_break != 0)))
        return;
    size_t from = w->out.len;
    buf_grow(&w->out, n + 2);
    char *o = w->out.data + w->out.len;
    if (at >= 0) {
        memcpy(o, s, (size_t)at);
        o += at;
        *o++ = '\\';
        memcpy(o, s + at, n - (size_t)at);
        o += n - (size_t)at;
    } else {
        memcpy(o, s, n);
        o += n;
    }
    if (hard_break)
        *o++ = '\\';
    *o = '\0';
    w->out.len = (size_t)(o - w->out.data);
    line_end(w, from);
}

void md_flush(struct md *w)
{
    if (w->raw || w->inline_only || !w->inl.len)
        return;
    const char *s = w->inl.data;
    if (memchr(s, MD_MARK_OPEN, w->inl.len) || memchr(s, MD_SYNTAX, w->inl.len)) {
        w->resolved.len = 0;
        md_marks_resolve_into(&w->resolved, s, w->inl.len);
        s = w->resolved.data;
    }
    size_t n = strlen(s);
    int emitted = 0, para_break = 0;
    size_t i = 0;
    while (i < n) {
        const char *nl = memchr(s + i, '\n', n - i);
        size_t e = nl ? (size_t)(nl - s) : n;
        size_t a = i, z = e;
        while (a < z && s[a] == ' ')
            a++;
        while (z > a && s[z - 1] == ' ')
            z--;
        if (a == z) {
            /* Two <br> in a row: shown as a paragraph break, since an empty line would
             * end the paragraph anyway. */
            para_break = emitted;
        } else {
            if (para_break)
                md_set_blank(w);
            para_break = 0;
            /* The next line must have text for the hard break to mean anything. */
            size_t k = e + 1;
            while (k < n && s[k] == ' ')
                k++;
            int hard = e < n && k < n && s[k] != '\n';
            emit_text_line(w, s + a, z - a, hard);
            emitted = 1;
        }
        i = e + 1;
    }
    w->inl.len = 0;
    w->inl.data[0] = '\0';
    if (emitted)
        md_set_blank(w);
}

void md_block_begin(struct md *w)
{
    if (w->raw)
        return;
    if (w->inline_only)
        md_space(w);
    else
        md_flush(w);
}

void md_block_end(struct md *w)
{
    md_block_begin(w);
}

/* ---- the walk -------------------------------------------------------------------- */

static struct md_frame *push_frame(struct md *w, xmlNode *n, const struct html_elem *e)
{
    if (w->nframes == w->capframes) {
        w->capframes = w->capframes ? 2 * w->capframes : 64;
        w->frames = xrealloc(w->frames, w->capframes * sizeof *w->frames);
    }
    struct md_frame *f = &w->frames[w->nframes++];
    memset(f, 0, sizeof *f);
    f->node = n;
    f->e = e;
    f->mark = w->inl.len;
    return f;
}

static void leave(struct md *w)
{
    if (!w->nframes || !w->frames)
        return;
    struct md_frame *f = &w->frames[w->nframes - 1];
    if (f->e && f->e->close)
        f->e->close(w, f);
    free(f->url);
    free(f->title);
    w->nframes--;
}

/* Opens an element; returns its first child when the walk should go down into it, else
 * NULL (the element is already closed). */
static xmlNode *enter(struct md *w, xmlNode *n)
{
    const struct html_elem *e = html_elem_lookup((const char *)n->name);
    if (e->kind == HK_SKIP || html_is_hidden(n))
        return NULL;
    struct md_frame *f = push_frame(w, n, e);
    int r = e->open ? e->open(w, f) : MD_DESCEND;
    if (r == MD_DESCEND && n->children)
        return n->children;
    leave(w);
    return NULL;
}

/* Depth-first walk by parent/next pointers: the C stack does not grow with nesting, and
 * every element that was entered has a frame, so going up closes exactly one frame. */
static void walk(struct md *w, xmlNode *first)
{
    xmlNode *n = first;
    while (n) {
        xmlNode *down = NULL;
        if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE)
            md_text(w, (const char *)n->content);
        else if (n->type == XML_ELEMENT_NODE)
            down = enter(w, n);
        if (down) {
            n = down;
            continue;
        }
        while (n && !n->next) {
            n = n->parent;
            if (!n || n->type == XML_HTML_DOCUMENT_NODE || n->type == XML_DOCUMENT_NODE) {
                n = NULL;
                break;
            }
            leave(w);
        }
        if (n)
            n = n->next;
    }
    while (w->nframes) /* not reached with a well-formed tree; kept for safety */
        leave(w);
}

char *html2md(const char *html, size_t len, const char *base_url)
{
    htmlDocPtr doc = html_parse(html, len);
    if (!doc)
        return xstrdup("");
    char *md = md_from_doc(doc, len, base_url);
    xmlFreeDoc(doc);
    return md;
}

/* One parse for both outputs: the parse (and freeing the tree) is most of html_to_text's
 * cost, and every written post needs its markdown and its text (bench/README.md). Both
 * walks only read the tree, so each output is what its own function would return. */
void html_convert(const char *html, size_t len, const char *base_url, char **markdown,
                  char **text)
{
    htmlDocPtr doc = html_parse(html, len);
    if (markdown)
        *markdown = doc ? md_from_doc(doc, len, base_url) : xstrdup("");
    if (text)
        *text = doc ? html_text_from_doc(doc) : xstrdup("");
    if (doc)
        xmlFreeDoc(doc);
}

/* len is the HTML's length: it sets the output cap. */
char *md_from_doc(htmlDocPtr doc, size_t len, const char *base_url)
{
    struct md w = {0};
    w.base = base_url;
    /* Escaping at most doubles text; prefixes, resolved URLs and table padding add more,
     * so allow a generous multiple but never an unbounded one. */
    w.limit = len < SIZE_MAX / 32 ? 16 * len + 4096 : SIZE_MAX / 2;
    walk(&w, doc->children);
    md_flush(&w);
    md_pre_free(&w);
    free(w.frames);
    buf_free(&w.inl);
    buf_free(&w.resolved);
    return buf_steal(&w.out);
}
