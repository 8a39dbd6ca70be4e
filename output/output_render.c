/* output/output_render.c: one post as the text of its markdown file (docs/output-format.md):
 * YAML front matter with every scalar quoted only where plain style would change its
 * meaning, then "## Summary" and "## Full Content". Writing it is output_write.c; naming
 * it (slugs, patterns, paths) output_path.c. Owner: output files / configuration engineer. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/utf8.h"
#include "common/util.h"
#include "markdown/html2md.h"
#include "output/output.h"

/* ---- YAML scalars -------------------------------------------------------------------- */

/* Plain scalars that a YAML 1.1 or 1.2 reader resolves to something other than a string
 * (bool, null, special floats, YAML 1.1's merge "<<" and value "=" keys). Compared without
 * case: quoting "YES" too costs nothing and spares us each spec's exact case rules. */
static const char *const yaml_special_words[] = {
    "y", "n", "yes", "no", "on", "off", "true", "false", "null", "~",
    ".inf", "+.inf", "-.inf", ".nan", "<<", "=",
};

/* Characters that may not start a plain scalar (YAML 1.2 section 7.3.3, c-indicator).
 * '-', '?' and ':' are allowed before a non-space there, but quoting them is simpler
 * than proving each case safe across parsers. */
static const char yaml_bad_first[] = "-?:,[]{}#&*!|>'\"%@`";

/* Looks like an int, float, sexagesimal number or date in YAML 1.1/1.2: an optional sign,
 * then a digit (or '.' and a digit), then only characters that such numbers use
 * (1.0, 0x1F, 1e3, 0o17, 1_000, 12:30, 2024-01-01). Quotes a few strings like "1-2-3"
 * too; a needless pair of quotes is harmless, a misread title is not. */
static int yaml_numberish(const char *s)
{
    if (*s == '+' || *s == '-')
        s++;
    if (!(*s >= '0' && *s <= '9') && !(*s == '.' && s[1] >= '0' && s[1] <= '9'))
        return 0;
    return s[strspn(s, "0123456789abcdefABCDEFxXoO_.:+-")] == '\0';
}

/* YAML 1.1 timestamps start with YYYY-M-D and may go on with a time after 'T' or spaces
 * ("2024-01-01 10:00:00"), which yaml_numberish does not cover. */
static int yaml_dateish(const char *s)
{
    for (int i = 0; i < 4; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return s[4] == '-' && s[5] >= '0' && s[5] <= '9';
}

/* Characters that must be escaped: not printable in YAML (section 5.1: C0 controls except
 * TAB/LF/CR, DEL, C1 controls, U+FFFE/U+FFFF) and the line breaks that a reader would fold
 * (LF, CR, NEL, LS, PS). TAB is escaped too so that a quoted value stays on one line. */
static int yaml_must_escape(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029 ||
           cp == 0xFEFF || cp == 0xFFFE || cp == 0xFFFF;
}

static int yaml_needs_quotes(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || s[0] == ' ' || s[n - 1] == ' ' || strchr(yaml_bad_first, s[0]))
        return 1;
    /* ": " starts a mapping value and " #" a comment inside a plain scalar; a final ':'
     * is a mapping indicator before the line break (YAML 1.2 section 7.3.3). */
    if (strstr(s, ": ") || strstr(s, " #") || s[n - 1] == ':')
        return 1;
    if (!strncmp(s, "---", 3) || !strncmp(s, "...", 3))
        return 1;
    for (size_t i = 0; i < sizeof yaml_special_words / sizeof *yaml_special_words; i++)
        if (!strcasecmp(s, yaml_special_words[i]))
            return 1;
    if (yaml_numberish(s) || yaml_dateish(s))
        return 1;
    for (const char *p = s; *p;) {
        uint32_t cp;
        /* NUL-terminated: no decoder reads past it (common/utf8.h) */
        int len = (int)utf8_decode((const unsigned char *)p, UTF8_MAX, &cp);
        if (len == 0 || yaml_must_escape(cp))
            return 1;
        p += len;
    }
    return 0;
}

/* Double-quoted style (YAML 1.2 section 7.3.1) with the escapes that every reader knows.
 * \x and \u name code points, not bytes, so bytes that are not UTF-8 become U+FFFD. */
static void yaml_put_quoted(struct buf *b, const char *s)
{
    buf_putc(b, '"');
    for (const char *p = s; *p;) {
        uint32_t cp;
        /* NUL-terminated: no decoder reads past it (common/utf8.h) */
        int len = (int)utf8_decode((const unsigned char *)p, UTF8_MAX, &cp);
        if (len == 0) {
            buf_puts(b, "\\uFFFD");
            p++;
            continue;
        }
        if (cp == '"')
            buf_puts(b, "\\\"");
        else if (cp == '\\')
            buf_puts(b, "\\\\");
        else if (cp == '\n')
            buf_puts(b, "\\n");
        else if (cp == '\t')
            buf_puts(b, "\\t");
        else if (cp == '\r')
            buf_puts(b, "\\r");
        else if (yaml_must_escape(cp))
            buf_printf(b, cp <= 0xFF ? "\\x%02X" : "\\u%04X", (unsigned)cp);
        else
            buf_append(b, p, (size_t)len);
        p += len;
    }
    buf_putc(b, '"');
}

char *yaml_scalar(const char *s)
{
    if (!s)
        s = "";
    if (!yaml_needs_quotes(s))
        return xstrdup(s);
    struct buf b = {0};
    yaml_put_quoted(&b, s);
    return buf_steal(&b);
}

/* ---- rendering ----------------------------------------------------------------------- */

static void put_yaml_field(struct buf *b, const char *indent, const char *key, const char *v)
{
    char *y = yaml_scalar(v);
    buf_printf(b, "%s%s: %s\n", indent, key, y);
    free(y);
}

/* Appends markdown without leading blank lines and trailing whitespace, so that the
 * section layout around it is decided here and not by the summarizer or html2md. */
void output_trimmed_block(struct buf *b, const char *s)
{
    if (!s)
        return;
    /* Skip whole blank lines only: leading spaces of the first line may be indentation. */
    for (const char *p = s; *p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'; p++)
        if (*p == '\n')
            s = p + 1;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        n--;
    buf_append(b, s, n);
}

/* The "Title:" line is raw text on one line (the layout of the example), so line breaks
 * become spaces and other control characters are dropped. */
static void put_one_line(struct buf *b, const char *s)
{
    int space = 0;
    for (const char *p = s ? s : ""; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '\n' || c == '\r' || c == '\t') {
            space = 1;
            continue;
        }
        if (c < 0x20 || c == 0x7F)
            continue;
        if (space && b->len && b->data[b->len - 1] != ' ')
            buf_putc(b, ' ');
        space = 0;
        buf_putc(b, (char)c);
    }
}

/* A YAML block sequence of the non-empty strings of v, under key at indent (nothing when
 * there is none): readers of both YAML versions take it as a list of strings. */
static void put_yaml_list(struct buf *b, const char *indent, const char *key,
                          const char *const *v, size_t n)
{
    int any = 0;
    for (size_t i = 0; i < n; i++) {
        if (!v[i] || !*v[i])
            continue;
        if (!any)
            buf_printf(b, "%s%s:\n", indent, key);
        any = 1;
        char *y = yaml_scalar(v[i]);
        buf_printf(b, "%s  - %s\n", indent, y);
        free(y);
    }
}

static int has_category(const struct post *p)
{
    for (size_t i = 0; i < p->ncategories; i++)
        if (p->categories[i] && *p->categories[i])
            return 1;
    return 0;
}

/* extra.enclosures: one mapping per enclosure, url first (RSS 2.0 <enclosure url length
 * type>, Atom <link rel="enclosure" href type length>, JSON Feed attachments). */
static void put_enclosures(struct buf *b, const struct post *p)
{
    if (!p->nenclosures)
        return;
    buf_puts(b, "  enclosures:\n");
    for (size_t i = 0; i < p->nenclosures; i++) {
        const struct post_enclosure *x = &p->enclosures[i];
        put_yaml_field(b, "    - ", "url", x->url);
        if (x->type && *x->type)
            put_yaml_field(b, "      ", "type", x->type);
        if (x->length >= 0)
            buf_printf(b, "      length: %lld\n", (long long)x->length);
    }
}

/* An enclosure's URL as a markdown link destination: the characters that would end it or
 * break the line (space, parentheses, angle brackets, controls) percent-encoded (RFC 3986
 * section 2.1), which leaves the URL the same resource. */
static void put_link_dest(struct buf *b, const char *url)
{
    for (const unsigned char *c = (const unsigned char *)url; *c; c++) {
        if (*c <= 0x20 || *c == 0x7F || strchr("()<>\\", *c))
            buf_printf(b, "%%%02X", *c);
        else
            buf_putc(b, (char)*c);
    }
}

/* The link text: the file name of the URL's path, else the URL. */
static void put_link_text(struct buf *b, const char *url)
{
    const char *path = strstr(url, "://");
    path = path ? strchr(path + 3, '/') : NULL;
    const char *name = NULL;
    size_t n = 0;
    if (path) {
        size_t plen = strcspn(path, "?#");
        const char *end = path + plen;
        const char *slash = end;
        while (slash > path && slash[-1] != '/')
            slash--;
        name = slash;
        n = (size_t)(end - slash);
    }
    if (!n) {
        name = url;
        n = strlen(url);
    }
    /* on one line: controls never reach a link text */
    char *t = xstrndup(name, n);
    for (char *q = t; *q; q++)
        if ((unsigned char)*q < 0x20 || *q == 0x7F)
            *q = ' ';
    md_escape_inline(b, t, strlen(t));
    free(t);
}

/* After the content, the enclosures as links, so that readers of the file (not only of
 * its front matter) reach a podcast's audio: "Enclosures:", a blank line, one list item
 * per enclosure, "- [episode.mp3](URL) (audio/mpeg, 12345 bytes)". */
static void put_enclosure_links(struct buf *b, const struct post *p)
{
    if (!p->nenclosures)
        return;
    buf_puts(b, "Enclosures:\n\n");
    for (size_t i = 0; i < p->nenclosures; i++) {
        const struct post_enclosure *x = &p->enclosures[i];
        buf_puts(b, "- [");
        put_link_text(b, x->url);
        buf_puts(b, "](");
        put_link_dest(b, x->url);
        buf_putc(b, ')');
        int type = x->type && *x->type;
        if (type || x->length >= 0) {
            buf_puts(b, " (");
            if (type)
                md_escape_inline(b, x->type, strlen(x->type));
            if (x->length >= 0)
                buf_printf(b, "%s%lld bytes", type ? ", " : "", (long long)x->length);
            buf_putc(b, ')');
        }
        buf_putc(b, '\n');
    }
    buf_putc(b, '\n');
}

/* `date` with date_time set: the local time with its UTC offset (RFC 3339 section 5.6),
 * which Hugo and Zola both read as a datetime, so posts of one day keep their order. */
static void put_date(struct buf *b, const struct post *p, const struct tm *local)
{
    char day[32] = "1970-01-01";
    if (!local) {
        buf_printf(b, "date: %s\n", day);
        return;
    }
    if (!p->date_time) {
        strftime(day, sizeof day, "%Y-%m-%d", local);
        buf_printf(b, "date: %s\n", day);
        return;
    }
    strftime(day, sizeof day, "%Y-%m-%dT%H:%M:%S", local);
    long off = local->tm_gmtoff;
    char sign = off < 0 ? '-' : '+';
    off = off < 0 ? -off : off;
    buf_printf(b, "date: %s%c%02ld:%02ld\n", day, sign, off / 3600, off / 60 % 60);
}

/* The categories where a site generator's taxonomies read them: Hugo's default taxonomy
 * "tags" is a top-level list (gohugo.io/content-management/taxonomies), Zola's are under
 * the top-level table "taxonomies" (getzola.org/documentation/content/taxonomies). */
static void put_tags(struct buf *b, const struct post *p)
{
    if (p->tags == OUTPUT_TAGS_OFF || !has_category(p))
        return;
    if (p->tags == OUTPUT_TAGS_HUGO) {
        put_yaml_list(b, "", "tags", p->categories, p->ncategories);
        return;
    }
    buf_puts(b, "taxonomies:\n");
    put_yaml_list(b, "  ", "tags", p->categories, p->ncategories);
}

/* extra.page: what the article's page says about itself, beside what the feed said (its
 * title is on the "Title:" line). Nothing when the page said nothing. */
static void put_page(struct buf *b, const struct page_meta *m)
{
    if (!m || !(m->byline || m->excerpt || m->site_name || m->published || m->image))
        return;
    const struct {
        const char *key, *value;
    } fields[] = {{"byline", m->byline},       {"excerpt", m->excerpt},
                  {"site_name", m->site_name}, {"published", m->published},
                  {"image", m->image}};
    buf_puts(b, "  page:\n");
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
        if (fields[i].value && *fields[i].value)
            put_yaml_field(b, "    ", fields[i].key, fields[i].value);
}

static const char *first_nonempty(const char *a, const char *b)
{
    return a && *a ? a : b && *b ? b : "";
}

/* Layout, byte for byte as docs/example-output.md: no blank line between the
 * closing "---" and "## Summary", none between the summary and "## Full Content", a blank
 * line after "Title:" and after "URL Source:", and the content followed by one empty line
 * (the example ends with "...exciting.\n\n").
 * A post without a URL (a feed may give none) has no extra.source, and its "URL Source: "
 * line is kept with an empty value, so that readers that split on the labels still find
 * every label of the layout. */
char *output_render(const struct post *p)
{
    struct buf b = {0};
    const char *title = first_nonempty(p->title, p->original_title);
    const char *orig = first_nonempty(p->original_title, p->title);
    int has_url = p->url && *p->url;

    time_t t = (time_t)p->published;
    struct tm tm;

    buf_puts(&b, "---\n");
    put_yaml_field(&b, "", "title", title);
    /* the daemon sets TZ from the configuration */
    put_date(&b, p, localtime_r(&t, &tm));
    put_tags(&b, p);
    buf_puts(&b, "extra:\n");
    /* Zola rejects unknown top-level keys: everything of ours lives under extra:, with
     * source and original_title first as in the example. */
    if (has_url)
        put_yaml_field(&b, "  ", "source", p->url);
    put_yaml_field(&b, "  ", "original_title", orig);
    if (p->feed_title && *p->feed_title)
        put_yaml_field(&b, "  ", "feed", p->feed_title);
    /* A post that several feeds carried (one file, issue 18): all of them, as a list.
     * Absent for a post of one feed, whose file stays as it was. */
    if (p->nfeeds > 1) {
        buf_puts(&b, "  feeds:\n");
        for (size_t i = 0; i < p->nfeeds; i++) {
            char *y = yaml_scalar(p->feeds[i]);
            buf_printf(&b, "    - %s\n", y);
            free(y);
        }
    }
    /* The feed's folder, not the entry's own categories: only when the feed has one, so
     * that a feed without a category keeps its files byte for byte. */
    if (p->feed_category && *p->feed_category)
        put_yaml_field(&b, "  ", "feed_category", p->feed_category);
    if (p->author && *p->author)
        put_yaml_field(&b, "  ", "author", p->author);
    if (p->published > 0) {
        char full[32];
        if (gmtime_r(&t, &tm) && strftime(full, sizeof full, "%Y-%m-%dT%H:%M:%SZ", &tm))
            buf_printf(&b, "  published: %s\n", full);   /* an RFC 3339 timestamp on purpose */
    }
    if (p->id && *p->id)
        put_yaml_field(&b, "  ", "id", p->id);
    /* Only when there are some: the layout of a post without them stays the example's. */
    put_yaml_list(&b, "  ", "categories", p->categories, p->ncategories);
    put_enclosures(&b, p);
    if (p->summary_by && *p->summary_by)
        put_yaml_field(&b, "  ", "summarized_by", p->summary_by);
    if (p->summary_fallback)
        buf_puts(&b, "  summary_fallback: true\n");
    put_page(&b, p->page);
    buf_puts(&b, "---\n## Summary\n");
    size_t before = b.len;
    output_trimmed_block(&b, p->summary);
    if (b.len > before)
        buf_putc(&b, '\n');
    buf_puts(&b, "## Full Content\n");
    output_render_reader(&b, p->page && p->page->title ? p->page->title : orig,
                         has_url ? p->url : NULL, p->content_md);
    put_enclosure_links(&b, p);
    return buf_steal(&b);
}

void output_render_reader(struct buf *b, const char *title, const char *url, const char *md)
{
    buf_puts(b, "Title: ");
    put_one_line(b, title);
    buf_puts(b, "\n\nURL Source: ");
    if (url && *url)
        put_one_line(b, url);
    buf_puts(b, "\n\nMarkdown Content:\n");
    size_t before = b->len;
    output_trimmed_block(b, md);
    if (b->len > before)
        buf_puts(b, "\n\n");
}
