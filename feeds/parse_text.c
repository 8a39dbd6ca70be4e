/* feeds/parse_text.c: text clean-up for parsed feed fields: HTML to plain text for
 * titles and authors, escaping plain text into HTML, and resolving relative URLs inside
 * summary/content HTML. A small scanner rather than libxml2's HTML parser: titles are
 * short, and a scanner never reorders or "repairs" the markup it leaves alone.
 * Owned by the feed-parser engineer. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/utf8.h"
#include "common/util.h"
#include "feeds/encoding.h"
#include "feeds/entities.h"
#include "feeds/parse_internal.h"
#include "feeds/url.h"

/* Length of the Unicode space (no-break, en/em/thin, zero-width, ideographic, BOM)
 * that starts at s, 0 if none. Titles padded with &nbsp; must still trim. */
static size_t uspace_len(const unsigned char *s)
{
    if (s[0] == 0xC2 && s[1] == 0xA0)
        return 2;
    if (s[0] == 0xE2 && s[1] == 0x80 && s[2] >= 0x80 && s[2] <= 0x8B)
        return 3;
    if ((s[0] == 0xE3 && s[1] == 0x80 && s[2] == 0x80) || (s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF))
        return 3;
    return 0;
}

static void trim_unicode(char *s)
{
    size_t n = strlen(s), lead = 0, l;
    while (lead < n && ((l = uspace_len((unsigned char *)s + lead)) || s[lead] == ' '))
        lead += l ? l : 1;
    size_t end = n;
    for (int again = 1; again && end > lead;) {
        again = 0;
        if (s[end - 1] == ' ') { end--; again = 1; continue; }
        for (size_t k = 2; k <= 3 && end >= lead + k; k++)
            if (uspace_len((unsigned char *)s + end - k) == k) { end -= k; again = 1; break; }
    }
    memmove(s, s + lead, end - lead);
    s[end - lead] = '\0';
}

char *text_plain(const char *s)
{
    if (str_empty(s))
        return NULL;
    char *fixed = text_fix_utf8(s);
    str_squash_ws(fixed);
    trim_unicode(fixed);
    if (!*fixed) {
        free(fixed);
        return NULL;
    }
    return fixed;
}

/* Decodes the character reference at s ("&...;"). On success appends the UTF-8 and
 * returns the length consumed; 0 when s is not a complete reference. Only references
 * with their ';' count (HTML's legacy "&copy" without it would corrupt URLs such as
 * "?page=1&copy=2", gofeed issue 320). */
static size_t decode_ref(const char *s, struct buf *out)
{
    unsigned cp = 0;
    size_t i = 1;
    char enc[4];
    if (s[i] == '#') {
        i++;
        int hex = (s[i] == 'x' || s[i] == 'X');
        if (hex)
            i++;
        size_t start = i;
        while (hex ? isxdigit((unsigned char)s[i]) : isdigit((unsigned char)s[i])) {
            if (cp < 0x110000)
                cp = cp * (hex ? 16 : 10) + (unsigned)(isdigit((unsigned char)s[i]) ? s[i] - '0' : (tolower((unsigned char)s[i]) - 'a' + 10));
            i++;
        }
        if (i == start || s[i] != ';')
            return 0;
        if (cp == 0 || cp > 0x10FFFF)
            cp = 0xFFFD;
    } else {
        size_t start = i;
        while (isalnum((unsigned char)s[i]) && i - start < 12)
            i++;
        if (s[i] != ';' || !(cp = entity_lookup(s + start, i - start)))
            return 0;
    }
    size_t k = utf8_encode(cp, enc);
    buf_append(out, enc, k);
    return i + 1;
}

/* Elements whose content is never visible text. */
static int skip_element(const char *name, size_t n)
{
    return (n == 6 && !strncasecmp(name, "script", 6)) || (n == 5 && !strncasecmp(name, "style", 5));
}

/* Phrasing elements: their tags do not separate words ("X<b>H</b>" reads "XH"). */
static int inline_element(const char *name, size_t n)
{
    static const char *const names[] = {"a", "abbr", "b", "bdi", "bdo", "cite", "code",
        "data", "dfn", "em", "font", "i", "kbd", "mark", "q", "s", "samp", "small", "span",
        "strike", "strong", "sub", "sup", "time", "tt", "u", "var"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strlen(names[i]) == n && !strncasecmp(name, names[i], n))
            return 1;
    return 0;
}

/* The '>' that ends the tag at p: quoted attribute values may hold one (alt="a<br>b",
 * HTML's attribute value states). A quote left open makes it the first '>'. NULL when
 * none. */
static const char *tag_end(const char *p)
{
    const char *first = strchr(p, '>');
    if (!first || p[1] == '!' || p[1] == '?')
        return first;
    for (const char *q = p + 1; *q; q++) {
        if (*q == '>')
            return q;
        const char *eq = q - 1;
        while (eq > p && (*eq == ' ' || *eq == '\t' || *eq == '\n' || *eq == '\r'))
            eq--;
        if ((*q == '"' || *q == '\'') && *eq == '=') {
            const char *close = strchr(q + 1, *q);
            if (!close)
                return first;
            q = close;
        }
    }
    return first;
}

char *text_from_html(const char *html)
{
    if (!html)
        return NULL;
    struct buf b = {0};
    buf_grow(&b, strlen(html) + 1);
    buf_append(&b, "", 0);   /* NUL-terminated even if nothing follows */
    const char *p = html;
    while (*p) {
        if (*p == '<' && (isalpha((unsigned char)p[1]) || p[1] == '/' || p[1] == '!' || p[1] == '?')) {
            if (!strncmp(p, "<!--", 4)) {
                const char *e = strstr(p + 4, "-->");
                p = e ? e + 3 : p + strlen(p);
                continue;
            }
            const char *e = tag_end(p);
            if (!e) {   /* "<b" without end: not a tag, keep it as text */
                buf_putc(&b, *p++);
                continue;
            }
            const char *name = p + 1;
            int closing = *name == '/';
            name += closing;
            size_t n = 0;
            while (isalnum((unsigned char)name[n]))
                n++;
            if (!closing && skip_element(name, n)) {
                /* jump past the matching end tag */
                const char *q = e + 1, *end = NULL;
                while ((q = strchr(q, '<')) != NULL) {
                    if (q[1] == '/' && !strncasecmp(q + 2, name, n)) { end = q; break; }
                    q++;
                }
                if (end) {
                    const char *gt = strchr(end, '>');
                    p = gt ? gt + 1 : end + strlen(end);
                    continue;
                }
            }
            if (!inline_element(name, n))
                buf_putc(&b, ' ');   /* a block tag separates words ("a<br>b") */
            p = e + 1;
            continue;
        }
        if (*p == '&') {
            size_t used = decode_ref(p, &b);
            if (used) {
                p += used;
                continue;
            }
        }
        buf_putc(&b, *p++);
    }
    char *raw = buf_steal(&b);
    char *out = text_plain(raw);
    free(raw);
    return out;
}

int text_looks_html(const char *s)
{
    if (!s)
        return 0;
    for (const char *p = s; *p; p++) {
        if (*p == '<' && (isalpha((unsigned char)p[1]) || ((p[1] == '/' || p[1] == '!') && p[2] && strchr(p, '>'))))
            return 1;
        if (*p == '&') {
            struct buf tmp = {0};
            size_t used = decode_ref(p, &tmp);
            buf_free(&tmp);
            if (used)
                return 1;
        }
    }
    return 0;
}

char *text_escape_html(const char *s)
{
    struct buf b = {0};
    buf_grow(&b, strlen(s) + 16);
    buf_append(&b, "", 0);   /* NUL-terminated even if nothing follows */
    for (; *s; s++) {
        switch (*s) {
        case '&': buf_puts(&b, "&amp;"); break;
        case '<': buf_puts(&b, "&lt;"); break;
        case '>': buf_puts(&b, "&gt;"); break;
        case '"': buf_puts(&b, "&quot;"); break;
        default: buf_putc(&b, *s);
        }
    }
    return buf_steal(&b);
}

int text_has_scheme(const char *s)
{
    if (!s || !isalpha((unsigned char)*s))
        return 0;
    const char *p = s + 1;
    while (isalnum((unsigned char)*p) || *p == '+' || *p == '-' || *p == '.')
        p++;
    return *p == ':';
}

/* Attributes that carry a URL (HTML 4 and 5). */
static int url_attr(const char *name, size_t n)
{
    static const char *const names[] = {"href", "src", "poster", "background", "cite", "action"};
    if (n < 3 || n > 10)
        return 0;   /* most attributes (class, alt, title, ...) end here */
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strlen(names[i]) == n && !strncasecmp(name, names[i], n))
            return 1;
    return 0;
}

/* text_has_scheme() on the span s[0..n) */
static int span_has_scheme(const char *s, size_t n)
{
    if (!n || !isalpha((unsigned char)*s))
        return 0;
    size_t i = 1;
    while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.'))
        i++;
    return i < n && s[i] == ':';
}

/* Scans one start tag at p ('<' + letter). For each relative URL attribute, appends to
 * out what lies between *copied and the attribute value, then the resolved value, and
 * moves *copied past it; markup that needs no change is never copied here (most tags of
 * most posts). Returns the position after the tag. */
static const char *rewrite_tag(const char *p, const char *base, struct buf *out,
                               const char **copied)
{
    p++;
    while (isalnum((unsigned char)*p) || *p == ':' || *p == '-')
        p++;
    for (;;) {
        while (isspace((unsigned char)*p) || *p == '/')
            p++;
        if (!*p || *p == '>' || *p == '<')
            break;
        const char *an = p;
        while (*p && !isspace((unsigned char)*p) && *p != '=' && *p != '>' && *p != '/' && *p != '<')
            p++;
        size_t anl = (size_t)(p - an);
        while (isspace((unsigned char)*p))
            p++;
        if (*p != '=')
            continue;
        p++;
        while (isspace((unsigned char)*p))
            p++;
        const char *vs, *ve;
        char q = 0;
        if (*p == '"' || *p == '\'') {
            q = *p++;
            vs = p;
            while (*p && *p != q)
                p++;
            ve = p;
            if (*p)
                p++;
        } else {
            vs = p;
            while (*p && !isspace((unsigned char)*p) && *p != '>')
                p++;
            ve = p;
        }
        if (!anl || !url_attr(an, anl) || ve <= vs)
            continue;
        /* the value as str_trim() leaves it */
        const char *ts = vs, *te = ve;
        while (ts < te && isspace((unsigned char)*ts))
            ts++;
        while (te > ts && isspace((unsigned char)te[-1]))
            te--;
        if (ts == te || span_has_scheme(ts, (size_t)(te - ts)))
            continue;
        char *val = xstrndup(ts, (size_t)(te - ts));
        char *abs = url_resolve(base, val);
        const char *from = q ? vs - 1 : vs, *to = q ? (*(ve) ? ve + 1 : ve) : ve;
        if (!out->data) {   /* room for the post and a few longer URLs */
            out->cap = strlen(*copied) + 512;
            out->data = xmalloc(out->cap);
            out->data[0] = '\0';
        }
        buf_append(out, *copied, (size_t)(from - *copied));
        buf_putc(out, '"');
        for (const char *c = abs; *c; c++) {
            if (*c == '"') buf_puts(out, "&quot;");
            else buf_putc(out, *c);
        }
        buf_putc(out, '"');
        *copied = to;
        free(abs);
        free(val);
    }
    if (*p == '>')
        p++;
    return p;
}

char *html_resolve_urls(const char *html, const char *base)
{
    return html_resolve_urls_take(str_empty(html) ? NULL : xstrdup(html), base);
}

char *html_resolve_urls_take(char *html, const char *base)
{
    return html_resolve_urls_checked(html, base, 0);
}

char *html_resolve_urls_checked(char *html, const char *base, int checked)
{
    if (!html || str_empty(html)) {
        free(html);
        return NULL;
    }
    /* Posts are long: one pass each for the clean-up, the trim and the tag scan, all
     * with the length known (no strlen/strchr over the post again). Checked text can
     * only differ from text_fix_utf8()'s result by its C1 controls (U+0080-U+009F,
     * from references such as &#146;): a memchr for their lead byte is enough. */
    size_t n = strlen(html);
    char *fixed = checked && !utf8_has_c1(html, n) ? html : text_fix_utf8_take_len(html, &n);
    /* str_trim() */
    while (n && isspace((unsigned char)fixed[n - 1]))
        n--;
    fixed[n] = '\0';
    size_t lead = 0;
    while (isspace((unsigned char)fixed[lead]))
        lead++;
    if (lead) {
        n -= lead;
        memmove(fixed, fixed + lead, n + 1);
    }
    if (!base)
        return fixed;
    struct buf b = {0};   /* allocated at the first URL that changes */
    const char *p = fixed, *copied = fixed, *end = fixed + n;
    while ((p = memchr(p, '<', (size_t)(end - p))) != NULL) {
        if (p[1] == '!' && p[2] == '-' && p[3] == '-') {
            const char *e = strstr(p + 4, "-->");
            p = e ? e + 3 : end;
        } else if (isalpha((unsigned char)p[1])) {
            p = rewrite_tag(p, base, &b, &copied);
        } else {
            p++;
        }
    }
    if (!b.data)
        return fixed;
    buf_append(&b, copied, (size_t)(end - copied));
    free(fixed);
    if (b.cap - b.len > b.len / 8 + 64)
        b.data = xrealloc(b.data, b.len + 1);   /* the entry keeps it: return the slack */
    return buf_steal(&b);
}

char *text_author(const char *s)
{
    char *t = text_plain(s);
    if (!t)
        return NULL;
    /* RSS 2.0 <author> is "email (Name)" */
    char *open = strchr(t, '(');
    size_t n = strlen(t);
    if (open && t[n - 1] == ')') {
        size_t pre = (size_t)(open - t);
        while (pre > 0 && t[pre - 1] == ' ')
            pre--;
        if (pre > 0 && memchr(t, '@', pre) && !memchr(t, ' ', pre)) {
            char *name = xstrndup(open + 1, n - 2 - (size_t)(open - t));
            char *clean = text_plain(name);
            free(name);
            if (clean) {
                free(t);
                return clean;
            }
        }
        /* and the other way round, "Name (email)", as feedparser reads it: the name is
         * what stands before a parenthesis that holds only an address */
        size_t in = n - 2 - (size_t)(open - t);
        if (pre > 0 && in > 0 && memchr(open + 1, '@', in) && !memchr(open + 1, ' ', in) &&
            !memchr(open + 1, '(', in)) {
            t[pre] = '\0';
            return t;
        }
    }
    return t;
}
