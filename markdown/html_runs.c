/* markdown/html_runs.c: long runs of plain text hidden from libxml2's HTML parser behind
 * markers, and put back into the text nodes after the parse (owner: html2md engineer).
 *
 * Why it gives the same tree. The lexer below follows libxml2 2.9.14's HTMLparser.c
 * wherever markup ends (htmlParseStartTag with htmlParseAttValue, htmlParseEndTag,
 * htmlParseComment, htmlParsePI) and treats script and style, the only elements whose
 * content the parser reads raw (htmlParseContentInternal), as untouchable to their end
 * tag. Where it cannot be as exact, it errs on the side of markup: a run is taken only
 * where libxml2 is surely in character data. A run (R) is then bytes that
 * htmlParseCharDataInternal reads one by one and copies whole: no '<', '&' or NUL, only
 * XML Chars (it drops the others), and at least one byte that is not white space. Its
 * marker (M: DEL, the run's number in decimal, DEL) is such a run as well, so libxml2 is
 * in the same state after M as after R. The only other thing the text decides is
 * areBlanks(), per 1000-byte piece: a piece of a run that is not the last never counts
 * as blank (the parser's current character is not '<' then), so htmlCheckParagraph()
 * runs before the first piece of both R and M, and again later changes nothing; and with
 * keepBlanks (no HTML_PARSE_NOBLANKS) white space is character data either way. All the
 * pieces of one run go to the same text node (xmlSAX2Text appends to a last text child).
 *
 * What is checked anyway. html_runs_restore() requires every marker once, in order, in
 * text nodes: a marker read as an attribute, a comment or script text (a misreading
 * here) is missing there, and the caller parses the original document instead. A
 * document with a DEL byte, a character reference to DEL, a <meta> (its charset may
 * switch the decoder: htmlCheckMeta), a DOCTYPE, or a name of 100 bytes or more after a
 * '&' or "<?" anywhere (long_name) is parsed as it is. */
#include "markdown/html_runs.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/scan.h"
#include "common/util.h"

#define MARK 0x7F
/* libxml2 refuses a text node above XML_MAX_TEXT_LENGTH (10000000) without
 * XML_PARSE_HUGE; below it no text node can reach that, so both parses keep all. */
#define MAX_DOC 10000000

/* Bytes of character data, by what they do to a run. */
enum { C_TEXT, C_BLANK, C_STOP, C_EF };

static unsigned char byte_class[256];

static void classes_init(void)
{
    for (int c = 0; c < 256; c++)
        byte_class[c] = C_TEXT;
    for (int c = 0; c < 0x20; c++)
        byte_class[c] = C_STOP; /* NUL and the C0 controls XML 1.0 does not allow */
    byte_class['\t'] = byte_class['\n'] = byte_class['\r'] = byte_class[' '] = C_BLANK;
    byte_class['<'] = byte_class['&'] = byte_class[MARK] = C_STOP;
    byte_class[0xEF] = C_EF; /* EF BF BE and EF BF BF are U+FFFE and U+FFFF: not Chars */
}

static int ascii_letter(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* htmlParseHTMLName: the first byte of a name, and the others. */
static int name_start(unsigned char c)
{
    return ascii_letter(c) || c == '_' || c == ':' || c == '.';
}

static int name_char(unsigned char c)
{
    return name_start(c) || (c >= '0' && c <= '9') || c == '-';
}

/* IS_BLANK_CH */
static int blank(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static size_t skip_blanks(const unsigned char *s, size_t n, size_t i)
{
    while (i < n && blank(s[i]))
        i++;
    return i;
}

/* Whether s[0..n) is the lower-case name w, in any case (htmlParseHTMLName lowers). */
static int name_is(const unsigned char *s, size_t n, const char *w)
{
    size_t k = strlen(w);
    if (n != k)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((s[i] | 0x20) != (unsigned char)w[i])
            return 0;
    return 1;
}

/* Just past the start tag whose '<' is at s[i] (a letter follows), or n when it does not
 * end: htmlParseStartTag's loop over attributes, then its '>' or "/>". */
static size_t start_tag_end(const unsigned char *s, size_t n, size_t i)
{
    i++;
    while (i < n && name_char(s[i]))
        i++;
    for (;;) {
        i = skip_blanks(s, n, i);
        if (i >= n)
            return n;
        if (s[i] == '>')
            return i + 1;
        if (s[i] == '/' && i + 1 < n && s[i + 1] == '>')
            return i + 2;
        if (!name_start(s[i])) {
            /* "Dump the bogus attribute string up to the next blank or the end of the
             * tag": no quotes count here */
            while (i < n && !blank(s[i]) && s[i] != '>' &&
                   !(s[i] == '/' && i + 1 < n && s[i + 1] == '>'))
                i++;
            continue;
        }
        while (i < n && name_char(s[i]))
            i++;
        i = skip_blanks(s, n, i);
        if (i >= n || s[i] != '=')
            continue;
        i = skip_blanks(s, n, i + 1);
        if (i < n && (s[i] == '"' || s[i] == '\'')) {
            /* htmlParseAttValue: a quoted value runs to its quote, '>' and all */
            const unsigned char *q = memchr(s + i + 1, s[i], n - i - 1);
            if (!q)
                return n;
            i = (size_t)(q - s) + 1;
        } else {
            while (i < n && !blank(s[i]) && s[i] != '>')
                i++;
        }
    }
}

/* Just past the '>' at or after s[i], or n. */
static size_t past_gt(const unsigned char *s, size_t n, size_t i)
{
    const unsigned char *p = i < n ? memchr(s + i, '>', n - i) : NULL;
    return p ? (size_t)(p - s) + 1 : n;
}

/* Just past the comment whose "<!--" is at s[i]: htmlParseComment ends it at the first
 * "-->" or "--!>" that starts after the "<!--" (the first such '>'). */
static size_t comment_end(const unsigned char *s, size_t n, size_t i)
{
    for (size_t g = i + 6; g < n; g++) {
        const unsigned char *p = memchr(s + g, '>', n - g);
        if (!p)
            break;
        g = (size_t)(p - s);
        if (s[g - 2] == '-' && s[g - 1] == '-')
            return g + 1;
        if (g >= i + 7 && s[g - 3] == '-' && s[g - 2] == '-' && s[g - 1] == '!')
            return g + 1;
    }
    return n;
}

/* Whether s[i] may start a name (a PI's target, an entity's) of 100 bytes or more.
 * htmlParseName reads those in htmlParseNameComplex, which starts the name again when the
 * input buffer moved under it (a GROW every 100 characters): what it returns then
 * depends on where the name sits in the buffer, and the markers move everything. */
static int long_name(const unsigned char *s, size_t n, size_t i)
{
    size_t k = i;
    while (k < n && k - i < 100 && !blank(s[k]) && s[k] != '>' && s[k] != '<' && s[k] != ';')
        k++;
    return k - i >= 100;
}

/* Whether an "&#" reference at s[i] names U+007F: the marker byte. */
static int ref_to_mark(const unsigned char *s, size_t n, size_t i)
{
    if (i + 2 >= n || s[i + 1] != '#')
        return 0;
    unsigned long v = 0;
    size_t k = i + 2;
    int hex = s[k] == 'x' || s[k] == 'X';
    if (hex)
        k++;
    for (; k < n && v < 0x110000; k++) {
        unsigned char c = s[k];
        if (c >= '0' && c <= '9')
            v = v * (hex ? 16 : 10) + (c - '0');
        else if (hex && (c | 0x20) >= 'a' && (c | 0x20) <= 'f')
            v = v * 16 + ((c | 0x20) - 'a' + 10);
        else
            break;
    }
    return v == MARK;
}

/* The end of the run of character data at s[i]: the next byte that is not C_TEXT or
 * C_BLANK, where an EF starts U+FFFE or U+FFFF. Sixteen bytes a step while no byte is
 * '<', '&', a control or EF; tabs, line ends and other EFs only take a slower step. */
static size_t run_end(const unsigned char *s, size_t n, size_t i)
{
    for (;;) {
        while (i + 16 <= n) {
            scan_vec v = scan_load(s + i);
            scan_vec m = scan_or(scan_eq(v, '<'), scan_eq(v, '&'));
            m = scan_or(m, scan_or(scan_eq(v, 0xEF), scan_le(v, 0x1F)));
            unsigned bits = scan_bits(m);
            if (bits) {
                i += (size_t)__builtin_ctz(bits);
                break;
            }
            i += 16;
        }
        for (; i < n; i++) {
            unsigned char k = byte_class[s[i]];
            if (k == C_STOP)
                return i;
            if (k == C_EF) {
                if (i + 2 < n && s[i + 1] == 0xBF && s[i + 2] >= 0xBE)
                    return i;
                i++;
                break;
            }
            if (s[i] < 0x20) { /* a tab or a line end: back to the fast steps */
                i++;
                break;
            }
        }
        if (i >= n)
            return n;
    }
}

static void add_run(struct html_runs *r, struct buf *out, const char *html, size_t *copied,
                    size_t at, size_t end, size_t *cap)
{
    if (r->count == *cap) {
        *cap = *cap ? 2 * *cap : 64;
        r->at = xrealloc(r->at, *cap * sizeof *r->at);
        r->n = xrealloc(r->n, *cap * sizeof *r->n);
    }
    r->at[r->count] = at;
    r->n[r->count] = end - at;
    buf_append(out, html + *copied, at - *copied);
    char m[24], *p = m + sizeof m;
    *--p = MARK;
    size_t v = r->count;
    do
        *--p = (char)('0' + v % 10);
    while (v /= 10);
    *--p = MARK;
    buf_append(out, p, (size_t)(m + sizeof m - p));
    r->count++;
    *copied = end;
}

int html_runs_hide(const char *html, size_t len, size_t min_run, struct html_runs *r)
{
    memset(r, 0, sizeof *r);
    if (min_run < 1)
        min_run = 1;
    if (len < min_run || len > MAX_DOC || memchr(html, MARK, len))
        return -1;
    static int ready;
    if (!ready) {
        classes_init();
        ready = 1;
    }
    const unsigned char *s = (const unsigned char *)html;
    /* Anywhere, not only where the lexer below looks: entity references in attribute
     * values (htmlParseHTMLAttribute); PIs, DOCTYPEs and <meta> inside a script too, in
     * case libxml2 leaves it before the lexer does (it left it at an end tag of an element
     * around it before html2md.c parsed with HTML_PARSE_RECOVER). */
    for (const unsigned char *a = memchr(s, '&', len); a;
         a = memchr(a + 1, '&', len - (size_t)(a + 1 - s)))
        if (long_name(s, len, (size_t)(a - s) + 1))
            return -1;
    for (const unsigned char *a = memchr(s, '<', len); a;
         a = memchr(a + 1, '<', len - (size_t)(a + 1 - s))) {
        size_t i = (size_t)(a - s), k = i + 1;
        while (k < len && name_char(s[k]))
            k++;
        if ((i + 1 < len && s[i + 1] == '?' && long_name(s, len, i + 2)) ||
            (i + 8 < len && s[i + 1] == '!' && name_is(s + i + 2, 7, "doctype")) ||
            name_is(s + i + 1, k - i - 1, "meta"))
            return -1;
    }
    struct buf out = {0};
    size_t copied = 0, cap = 0, i = 0;
    const char *raw = NULL; /* inside script or style: the end tag that ends it */
    /* Before the first content: htmlParseDocument skips the white space around leading
     * comments and PIs (SKIP_BLANKS), so none of it may go into a run. */
    int prologue = 1;
    while (i < len) {
        if (raw) {
            const unsigned char *p = memchr(s + i, '<', len - i);
            if (!p)
                break;
            i = (size_t)(p - s);
            size_t k = i + 2;
            while (k < len && name_char(s[k]))
                k++;
            if (i + 1 < len && s[i + 1] == '/' && name_is(s + i + 2, k - i - 2, raw)) {
                raw = NULL;
                i = past_gt(s, len, k);
            } else
                i++;
            continue;
        }
        unsigned char c = s[i];
        if (c == '<') {
            unsigned char d = i + 1 < len ? s[i + 1] : 0;
            int misc = d == '?' || (d == '!' && i + 3 < len && s[i + 2] == '-' && s[i + 3] == '-');
            prologue = prologue && misc;
            if (ascii_letter(d)) {
                size_t k = i + 1;
                while (k < len && name_char(s[k]))
                    k++;
                const unsigned char *nm = s + i + 1;
                /* "<script/>" is an empty element to libxml2, but staying out of it to
                 * its end tag costs nothing but speed */
                if (name_is(nm, k - i - 1, "script"))
                    raw = "script";
                else if (name_is(nm, k - i - 1, "style"))
                    raw = "style";
                i = start_tag_end(s, len, i);
            } else if (d == '/') {
                /* htmlParseEndTag: with a name, to the next '>'; without, "</" alone */
                i = i + 2 < len && name_start(s[i + 2]) ? past_gt(s, len, i + 2) : i + 2;
            } else if (d == '!' && i + 3 < len && s[i + 2] == '-' && s[i + 3] == '-') {
                i = comment_end(s, len, i);
            } else if (d == '?') {
                i = past_gt(s, len, i + 2); /* htmlParsePI */
            } else {
                i++; /* a '<' that starts nothing is character data */
            }
            continue;
        }
        if (prologue && blank(c)) {
            i = skip_blanks(s, len, i);
            continue;
        }
        prologue = 0;
        if (c == '&') {
            if (ref_to_mark(s, len, i))
                goto refuse;
            /* past anything htmlParseEntityRef or htmlParseCharRef may take as a name or
             * a number, and its ';' */
            i++;
            while (i < len && (name_char(s[i]) || s[i] == '#' || s[i] >= 0x80))
                i++;
            if (i < len && s[i] == ';')
                i++;
            continue;
        }
        size_t start = i;
        i = run_end(s, len, i);
        int solid = 0;
        for (size_t k = start; k < i && !solid; k++)
            solid = byte_class[s[k]] != C_BLANK;
        /* htmlParseDocument sniffs the encoding from the first four bytes
         * (xmlDetectCharEncoding): none of its patterns can match a document whose first
         * three bytes stay and whose fourth turns into DEL but did not already match */
        if (solid && i - start >= min_run && start >= 3)
            add_run(r, &out, html, &copied, start, i, &cap);
        if (i < len && s[i] != '<' && s[i] != '&')
            i += s[i] == 0xEF ? 3 : 1; /* a byte libxml2 drops: the run goes on after it */
    }
    if (!r->count)
        goto refuse;
    buf_append(&out, html + copied, len - copied);
    r->len = out.len;
    r->doc = buf_steal(&out);
    return 0;
refuse:
    buf_free(&out);
    html_runs_free(r);
    return -1;
}

/* Rewrites the text node n with the runs of its markers; -1 on a marker out of place. */
static int restore_node(xmlNode *n, const char *html, const struct html_runs *r, size_t *next)
{
    const char *c = (const char *)n->content;
    size_t cl = strlen(c), from = 0;
    struct buf b = {0};
    for (const char *m = strchr(c, MARK); m; m = strchr(c + from, MARK)) {
        size_t k = (size_t)(m - c) + 1, d0 = k, idx = 0;
        while (k < cl && c[k] >= '0' && c[k] <= '9' && k - d0 < 18)
            idx = idx * 10 + (size_t)(c[k++] - '0');
        if (k == d0 || k >= cl || c[k] != MARK || idx != *next) {
            buf_free(&b);
            return -1;
        }
        buf_append(&b, c + from, (size_t)(m - c) - from);
        buf_append(&b, html + r->at[idx], r->n[idx]);
        (*next)++;
        from = k + 1;
    }
    buf_append(&b, c + from, cl - from);
    xmlNodeSetContentLen(n, (const xmlChar *)b.data, (int)b.len);
    buf_free(&b);
    return 0;
}

int html_runs_restore(htmlDocPtr doc, const char *html, const struct html_runs *r)
{
    size_t next = 0;
    /* document order, without recursion: documents nest deep */
    xmlNode *n = doc->children;
    while (n) {
        if (n->type == XML_TEXT_NODE && n->content &&
            strchr((const char *)n->content, MARK) && restore_node(n, html, r, &next) < 0)
            return -1;
        if (n->type == XML_ELEMENT_NODE && n->children) {
            n = n->children;
            continue;
        }
        while (n && !n->next) {
            n = n->parent;
            if (n == (xmlNode *)doc)
                n = NULL;
        }
        if (n)
            n = n->next;
    }
    return next == r->count ? 0 : -1;
}

void html_runs_free(struct html_runs *r)
{
    free(r->doc);
    free(r->at);
    free(r->n);
    memset(r, 0, sizeof *r);
}

char *html_runs_dump(htmlDocPtr doc)
{
    struct buf b = {0};
    buf_puts(&b, "");
    int depth = 0;
    xmlNode *n = doc ? doc->children : NULL;
    while (n) {
        buf_printf(&b, "%d %d %s", depth, (int)n->type, n->name ? (const char *)n->name : "");
        if (n->type == XML_ELEMENT_NODE)
            for (xmlAttr *a = n->properties; a; a = a->next) {
                xmlChar *v = xmlNodeListGetString(n->doc, a->children, 0);
                buf_printf(&b, " %s=[%s]", (const char *)a->name, v ? (const char *)v : "");
                xmlFree(v);
            }
        else if (n->content)
            buf_printf(&b, " [%s]", (const char *)n->content);
        buf_putc(&b, '\n');
        if (n->type == XML_ELEMENT_NODE && n->children) {
            n = n->children;
            depth++;
            continue;
        }
        while (n && !n->next) {
            n = n->parent;
            depth--;
            if (n == (xmlNode *)doc)
                n = NULL;
        }
        if (n)
            n = n->next;
    }
    return buf_steal(&b);
}
