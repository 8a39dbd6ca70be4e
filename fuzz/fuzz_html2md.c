/* fuzz/fuzz_html2md.c: libFuzzer target for html2md() and html_to_text() (markdown/html2md.h).
 * PROPERTY (html2md): no script survives as markdown a renderer would act on: outside
 * code spans and fenced code blocks (shown literally), no "<script" that is not
 * backslash-escaped, and no link or image destination whose scheme, ignoring the ASCII
 * whitespace and controls that browsers strip and with character references decoded
 * as renderers decode them (CommonMark 6.2: "javascript&colon;" is javascript:), is
 * javascript: or vbscript:. Also the
 * promises of the header: every line ends in "\n", output within 16 x input + 4 KiB. */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "markdown/html2md.h"

static const char *input;

static void md_fail(const char *why, const char *md, size_t at)
{
    size_t from = at > 60 ? at - 60 : 0;
    fprintf(stderr, "fuzz_html2md: %s at byte %zu\n  input: %.200s\n  output: %.200s\n",
            why, at, input, md + from);
    abort();
}

/* The character of a destination at *pp as a renderer reads it, *pp moved past it: a
 * character reference (CommonMark 6.2: a name, or 1-7 decimal or 1-6 hex digits, and
 * ';') is the character it stands for. Named ones for the characters a scheme check
 * cares about; any other non-ASCII character is 0x80. */
static int dest_char(const char **pp, const char *end)
{
    static const struct { const char *name; int c; } named[] = {
        {"colon", ':'}, {"Tab", '\t'}, {"NewLine", '\n'}, {"sol", '/'}, {"num", '#'},
        {"quest", '?'}, {"lpar", '('}, {"rpar", ')'}, {"amp", '&'}, {"period", '.'},
        {"plus", '+'}, {"lowbar", '_'},
    };
    const char *p = *pp;
    *pp = p + 1;
    if (*p != '&')
        return (unsigned char)*p;
    const char *q = p + 1;
    if (q < end && *q == '#') {
        int hex = q + 1 < end && (q[1] == 'x' || q[1] == 'X');
        const char *d = q + 1 + hex, *e = d;
        long v = 0;
        while (e < end && e - d < (hex ? 6 : 7) &&
               (hex ? isxdigit((unsigned char)*e) : isdigit((unsigned char)*e))) {
            v = v * (hex ? 16 : 10) +
                (isdigit((unsigned char)*e) ? *e - '0' : (*e | 0x20) - 'a' + 10);
            e++;
        }
        if (e > d && e < end && *e == ';') {
            *pp = e + 1;
            return v > 0 && v < 0x80 ? (int)v : 0x80;
        }
        return '&';
    }
    for (size_t i = 0; i < sizeof named / sizeof *named; i++) {
        size_t n = strlen(named[i].name);
        if ((size_t)(end - q) > n && !strncmp(q, named[i].name, n) && q[n] == ';') {
            *pp = q + n + 1;
            return named[i].c;
        }
    }
    return '&';
}

/* 1 when the destination starting at p has a script scheme. */
static int script_scheme(const char *p, const char *end)
{
    static const char *const bad[] = {"javascript:", "vbscript:"};
    char scheme[16];
    size_t n = 0;
    if (p < end && *p == '<')
        p++;
    while (p < end && n < sizeof scheme - 1) {
        if (*p == ')' || *p == '\n')
            break;      /* the destination's own end; a decoded one is not */
        int c = dest_char(&p, end);
        if (c <= 0x20 || c == 0x7F)
            continue;
        scheme[n++] = (char)tolower(c);
        if (c == ':')
            break;
    }
    scheme[n] = '\0';
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (!strncmp(scheme, bad[i], strlen(bad[i])))
            return 1;
    return 0;
}

/* End of "(dest "title")" starting after the "(", or 0 when it is no link: the
 * destination runs to a blank or to the ')' that balances it (CommonMark 6.3: parentheses
 * in it are balanced or escaped; cmark gives up past 32 open ones, and then the text
 * inside is read as markdown again), a title in double quotes to its unescaped closing
 * quote. Renderers put the title in an attribute, escaped, so markup there is harmless
 * and is skipped. */
static size_t link_end(const char *md, size_t i, size_t le)
{
    int depth = 0;
    while (i < le && md[i] != ' ') {
        if (md[i] == '\\') {
            i += 2;
            continue;
        }
        if (md[i] == '(' && ++depth > 32)
            return 0;
        if (md[i] == ')' && depth-- == 0)
            break;
        i++;
    }
    while (i < le && md[i] == ' ')
        i++;
    if (i < le && md[i] == '"') {
        for (i++; i < le && md[i] != '"'; i++)
            if (md[i] == '\\')
                i++;
        i++;
    }
    return i < le ? i : le;
}

static void check_markdown(const char *md, size_t len)
{
    int fenced = 0;
    size_t fence_len = 0;
    char fence_ch = 0;
    for (size_t ls = 0; ls < len;) {
        const char *nl = memchr(md + ls, '\n', len - ls);
        size_t le = nl ? (size_t)(nl - md) : len;
        if (!nl)
            md_fail("line without final newline", md, ls);
        /* Fences: ``` or ~~~ after up to 3 spaces (list items indent more, block quotes
         * put "> " first, a list item's first line its marker "- " or "1. ": allow any
         * of them, being generous only makes the check weaker, not wrong). */
        size_t i = ls;
        for (;;) {
            size_t d = i;
            while (d < le && isdigit((unsigned char)md[d]))
                d++;
            if (i < le && (md[i] == ' ' || md[i] == '>'))
                i++;
            else if (i + 1 < le && strchr("-*+", md[i]) && md[i + 1] == ' ')
                i += 2;
            else if (d > i && d + 1 < le && (md[d] == '.' || md[d] == ')') && md[d + 1] == ' ')
                i = d + 2;
            else
                break;
        }
        if (i < le && (md[i] == '`' || md[i] == '~')) {
            size_t k = i;
            while (k < le && md[k] == md[i])
                k++;
            if (k - i >= 3) {
                if (!fenced) {
                    fenced = 1;
                    fence_ch = md[i];
                    fence_len = k - i;
                } else if (md[i] == fence_ch && k - i >= fence_len) {
                    fenced = 0;
                }
                ls = le + 1;
                continue;
            }
        }
        if (!fenced) {
            for (size_t j = ls; j < le; j++) {
                if (md[j] == '\\') {
                    j++;
                    continue;
                }
                if (md[j] == '`') {   /* code span: skip to the closing run of equal length */
                    size_t r = j;
                    while (r < le && md[r] == '`')
                        r++;
                    size_t run = r - j, q = r;
                    int closed = 0;
                    while (q < le) {
                        if (md[q] == '`') {
                            size_t e = q;
                            while (e < le && md[e] == '`')
                                e++;
                            if (e - q == run) {
                                closed = 1;
                                q = e;
                                break;
                            }
                            q = e;
                        } else {
                            q++;
                        }
                    }
                    j = (closed ? q : r) - 1;
                    continue;
                }
                if (md[j] == '<' && le - j >= 7 && !strncasecmp(md + j, "<script", 7))
                    md_fail("raw <script", md, j);
                if (md[j] == ']' && j + 1 < le && md[j + 1] == '(') {
                    if (script_scheme(md + j + 2, md + le))
                        md_fail("script URL in a link", md, j);
                    size_t e = link_end(md, j + 2, le);
                    if (e) {
                        j = e - 1;   /* a title is text, not HTML */
                        continue;
                    }
                }
                /* an autolink is "<" and the scheme at once (CommonMark 6.5): "< x:" is
                 * text */
                if (md[j] == '<' && j + 1 < le && isalpha((unsigned char)md[j + 1]) &&
                    script_scheme(md + j, md + le))
                    md_fail("script URL in an autolink", md, j);
            }
        }
        ls = le + 1;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *html = malloc(size + 1);
    if (!html)
        return 0;
    memcpy(html, data, size);
    html[size] = '\0';
    input = html;

    /* With a base, as the daemon converts posts, and without, as `feedsd html2md` does:
     * a relative reference that hides a scheme ("javascript&colon;x") stays relative
     * only without one. */
    static const char *const bases[] = {"https://example.com/post/", NULL};
    for (size_t b = 0; b < sizeof bases / sizeof *bases; b++) {
        char *md = html2md(html, size, bases[b]);
        size_t len = strlen(md);
        if (len > 16 * size + 4096)
            md_fail("output over the 16 x input + 4 KiB cap", md, len);
        check_markdown(md, len);
        free(md);
    }

    char *text = html_to_text(html, size);
    if (!text)
        md_fail("html_to_text returned NULL", "", 0);
    free(text);
    free(html);
    return 0;
}
