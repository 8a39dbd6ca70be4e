/* markdown/md_inline.c: the inline run of the markdown writer (html2md_int.h): the text of
 * the current paragraph, heading or cell as renderers add it (text escaped so that it
 * reads literally, tokens of markdown syntax, emphasis sentinels placed later by
 * md_emphasis.c, code spans), and what renderers take back out of it (md_take,
 * md_wrap_begin). md_blocks.c turns a finished run into lines. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/scan.h"
#include "markdown/html2md.h"
#include "markdown/html2md_int.h"

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
 * and TX_MAYBE where md_escape_at says so, TX_DROP drops it (the sets of html2md_int.h,
 * which md_escape_inline uses too); TX_SPACE is white space as a browser renders it (CSS
 * Text 3, white-space: normal), runs of which collapse to one space; TX_C2 may begin
 * U+00A0, folded too (feeds use &nbsp; as padding, and a paragraph of only &nbsp; should
 * vanish); TX_END: the NUL. A word (what lies between white space and control characters)
 * is escaped as md_escape_inline would escape it alone. */
enum { TX_COPY, TX_ESCAPE, TX_MAYBE, TX_SPACE, TX_C2, TX_DROP, TX_END };
#define ESCAPE(c) [c] = TX_ESCAPE,
#define MAYBE(c) [c] = TX_MAYBE,
#define DROP(c) [c] = TX_DROP,
static const unsigned char text_class[256] = {
    MD_INVISIBLE(DROP) MD_ESCAPE_ALWAYS(ESCAPE) MD_ESCAPE_MAYBE(MAYBE)
    [0x00] = TX_END, ['\t'] = TX_SPACE, ['\n'] = TX_SPACE, ['\f'] = TX_SPACE,
    ['\r'] = TX_SPACE, [' '] = TX_SPACE, [0xC2] = TX_C2,
};
#undef ESCAPE
#undef MAYBE
#undef DROP

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

/* A mask of the sixteen bytes at p that md_text does not simply copy: every byte whose
 * class is not TX_COPY (and '^' and '}'), and a space that follows a space, or, for the
 * first byte, follows what the run ends with (prev_space: nothing, a space or a line
 * break). Other spaces are copied as md_space() would put them. */
static unsigned text_look(const unsigned char *p, int code, int prev_space)
{
    scan_vec v = scan_load(p);
    /* in code, what is escaped elsewhere is copied: controls, | } ~ DEL stay */
    scan_vec m = code ? scan_or(scan_le(v, 0x1F), scan_range(v, 0x7C, 0x7F))
                      : md_escape_look(v);
    m = scan_or(m, scan_eq(v, 0xC2));
    unsigned sp = scan_bits(scan_eq(v, ' '));
    return scan_bits(m) | (sp & ((sp << 1) | (unsigned)prev_space));
}

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
