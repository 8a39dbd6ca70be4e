/* output/output_path.c: file names for posts: slugs, the configurable name pattern
 * ("{date}-{slug}.md", "{year}/{feed}/{slug}.md", ...), its validation, and the suffix
 * for a taken name. Whatever a feed puts in a title, the result stays inside the output
 * folder: no absolute path, no "..", no leading '.', every component within NAME_MAX.
 * Owner: output files / configuration engineer. */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/utf8.h"
#include "common/util.h"
#include "output/output.h"

#define DEFAULT_PATTERN "{date}-{slug}.md"
#define SLUG_MAX 80        /* keeps names readable and far from NAME_MAX */
#define FEED_SLUG_MAX 60
/* A component leaves room below NAME_MAX (255 bytes on Linux file systems) for the
 * "-<16 hex>" collision suffix and the ".NAME.tmp-PID" temporary name of a write. */
#define COMPONENT_MAX (NAME_MAX - 48)

/* ASCII folding of U+00C0..U+017F (Latin-1 Supplement letters and Latin Extended-A),
 * one entry per code point; NULL (U+00D7 multiplication, U+00F7 division) separates. */
static const char *const fold_latin[0x180 - 0xC0] = {
    /* C0 */ "a", "a", "a", "a", "a", "a", "ae", "c",
    /* C8 */ "e", "e", "e", "e", "i", "i", "i", "i",
    /* D0 */ "d", "n", "o", "o", "o", "o", "o", NULL,
    /* D8 */ "o", "u", "u", "u", "u", "y", "th", "ss",
    /* E0 */ "a", "a", "a", "a", "a", "a", "ae", "c",
    /* E8 */ "e", "e", "e", "e", "i", "i", "i", "i",
    /* F0 */ "d", "n", "o", "o", "o", "o", "o", NULL,
    /* F8 */ "o", "u", "u", "u", "u", "y", "th", "y",
    /* 100 */ "a", "a", "a", "a", "a", "a", "c", "c",
    /* 108 */ "c", "c", "c", "c", "c", "c", "d", "d",
    /* 110 */ "d", "d", "e", "e", "e", "e", "e", "e",
    /* 118 */ "e", "e", "e", "e", "g", "g", "g", "g",
    /* 120 */ "g", "g", "g", "g", "h", "h", "h", "h",
    /* 128 */ "i", "i", "i", "i", "i", "i", "i", "i",
    /* 130 */ "i", "i", "ij", "ij", "j", "j", "k", "k",
    /* 138 */ "k", "l", "l", "l", "l", "l", "l", "l",
    /* 140 */ "l", "l", "l", "n", "n", "n", "n", "n",
    /* 148 */ "n", "n", "n", "n", "o", "o", "o", "o",
    /* 150 */ "o", "o", "oe", "oe", "r", "r", "r", "r",
    /* 158 */ "r", "r", "s", "s", "s", "s", "s", "s",
    /* 160 */ "s", "s", "t", "t", "t", "t", "t", "t",
    /* 168 */ "u", "u", "u", "u", "u", "u", "u", "u",
    /* 170 */ "u", "u", "u", "u", "w", "w", "y", "y",
    /* 178 */ "y", "z", "z", "z", "z", "z", "z", "s",
};

/* Apostrophes join rather than separate: "Don't" gives "dont", not "don-t". */
static int is_apostrophe(uint32_t cp)
{
    return cp == '\'' || cp == 0x2019 || cp == 0x2018;
}

char *slug_make(const char *title, size_t maxlen)
{
    struct buf b = {0};
    int sep = 0;
    for (const char *p = title ? title : ""; *p;) {
        uint32_t cp;
        /* NUL-terminated: no decoder reads past it (common/utf8.h) */
        int len = (int)utf8_decode((const unsigned char *)p, UTF8_MAX, &cp);
        p += len ? len : 1;
        const char *out = NULL;
        char ascii[2] = {0};
        if (len && is_apostrophe(cp))
            continue;
        if (len && ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9')))
            ascii[0] = (char)cp, out = ascii;
        else if (len && cp >= 'A' && cp <= 'Z')
            ascii[0] = (char)(cp - 'A' + 'a'), out = ascii;
        else if (len && cp >= 0xC0 && cp < 0x180)
            out = fold_latin[cp - 0xC0];
        if (!out) {
            sep = 1;
            continue;
        }
        if (sep && b.len)
            buf_putc(&b, '-');
        sep = 0;
        buf_puts(&b, out);
    }
    if (b.len > maxlen) {
        size_t cut = maxlen;
        /* Cut at a word boundary when the limit falls inside a word, unless that would
         * throw away more than half of the slug. */
        if (b.data[cut] != '-') {
            size_t k = cut;
            while (k > 0 && b.data[k - 1] != '-')
                k--;
            if (k > 0 && k - 1 >= maxlen / 2)
                cut = k - 1;
        }
        b.len = cut;
        b.data[cut] = '\0';
    }
    while (b.len && b.data[b.len - 1] == '-')
        b.data[--b.len] = '\0';
    return buf_steal(&b);
}

/* ---- patterns ------------------------------------------------------------------------ */

enum ph { PH_DATE, PH_YEAR, PH_MONTH, PH_DAY, PH_SLUG, PH_FEED, PH_CATEGORY, PH_ID };

static const struct {
    const char *name;
    enum ph id;
} placeholders[] = {
    {"date", PH_DATE}, {"year", PH_YEAR}, {"month", PH_MONTH}, {"day", PH_DAY},
    {"slug", PH_SLUG}, {"feed", PH_FEED}, {"category", PH_CATEGORY}, {"id", PH_ID},
};

/* Matches "{name}" at p; returns its placeholder index or -1, and its length. */
static int placeholder_at(const char *p, size_t *len)
{
    if (*p != '{')
        return -1;
    const char *end = strchr(p, '}');
    if (!end)
        return -1;
    size_t n = (size_t)(end - p - 1);
    for (size_t i = 0; i < sizeof placeholders / sizeof *placeholders; i++)
        if (strlen(placeholders[i].name) == n && !strncmp(p + 1, placeholders[i].name, n)) {
            *len = n + 2;
            return (int)i;
        }
    return -1;
}

int output_pattern_check(const char *pattern, char *err, size_t errlen)
{
#define BAD(...) do { snprintf(err, errlen, __VA_ARGS__); return -1; } while (0)
    if (!pattern || !*pattern)
        BAD("empty file name pattern");
    if (pattern[0] == '/')
        BAD("absolute paths are not allowed (the pattern is relative to the output folder)");
    int per_post = 0;
    for (const char *p = pattern; *p; p++) {
        size_t len;
        if ((unsigned char)*p < 0x20 || *p == 0x7F)
            BAD("control characters are not allowed");
        if (*p == '}')
            BAD("\"}\" without \"{\"");
        if (*p != '{')
            continue;
        int i = placeholder_at(p, &len);
        if (i < 0) {
            const char *end = strchr(p, '}');
            if (!end)
                BAD("unclosed \"{\"");
            BAD("unknown placeholder %.*s (known: {date} {year} {month} {day} {slug} {feed}"
                " {category} {id})",
                (int)(end - p + 1), p);
        }
        if (placeholders[i].id == PH_SLUG || placeholders[i].id == PH_ID)
            per_post = 1;
        p += len - 1;
    }
    for (const char *c = pattern; ; ) {
        size_t n = strcspn(c, "/");
        if (n == 0)
            BAD("empty folder or file name (\"//\" or a trailing \"/\")");
        if (n == 2 && !strncmp(c, "..", 2))
            BAD("\"..\" is not allowed: files stay inside the output folder");
        if (c[0] == '.')
            BAD("names may not start with \".\"");
        if (n > COMPONENT_MAX)
            BAD("a name in the pattern is longer than %d bytes", COMPONENT_MAX);
        if (c[n] == '\0')
            break;
        c += n + 1;
    }
    if (!per_post)
        BAD("the pattern needs {slug} or {id}, else every post of a day gets the same name");
    return 0;
#undef BAD
}

/* Cuts s to at most max bytes without splitting a UTF-8 character. */
static size_t utf8_cut(const char *s, size_t n, size_t max)
{
    return n <= max ? n : utf8_boundary(s, max);
}

/* Appends one component of the expanded pattern, made safe: leading dots dropped,
 * control characters replaced, cut to COMPONENT_MAX keeping the extension of a file
 * name. "", "." and ".." (already empty once leading dots go) vanish. */
static void put_component(struct buf *out, const char *c, size_t n, int last)
{
    while (n && *c == '.')
        c++, n--;
    if (!n)
        return;
    char *tmp = xstrndup(c, n);
    for (char *p = tmp; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7F)
            *p = '-';
    size_t extlen = 0;
    const char *dot = last ? strrchr(tmp, '.') : NULL;
    if (dot && dot != tmp && strlen(dot) <= 16)
        extlen = strlen(dot);
    size_t stem = utf8_cut(tmp, n - extlen, COMPONENT_MAX - extlen);
    if (out->len)
        buf_putc(out, '/');
    buf_append(out, tmp, stem);
    buf_append(out, tmp + n - extlen, extlen);
    free(tmp);
}

/* A name's slug, else "PREFIX-" and 8 hex digits of its hash (a name without Latin
 * letters or digits, e.g. Chinese), else PREFIX. */
static void put_name_slug(struct buf *b, const char *name, size_t len, const char *prefix)
{
    char *n = xstrndup(name ? name : "", name ? len : 0);
    char *slug = slug_make(n, FEED_SLUG_MAX);
    if (*slug) {
        buf_puts(b, slug);
    } else if (*n) {
        char h[17];
        hash_hex(hash64(n, strlen(n)), h);
        buf_printf(b, "%s-%.8s", prefix, h);
    } else {
        buf_puts(b, prefix);
    }
    free(slug);
    free(n);
}

/* {category}: one folder per level of the path ("Tech/Linux" is "tech/linux"); nothing
 * for a feed without one (the empty folder name then vanishes: put_component). */
static void put_category(struct buf *b, const char *category)
{
    for (const char *c = category; c && *c;) {
        size_t n = strcspn(c, "/");
        if (c != category)
            buf_putc(b, '/');
        put_name_slug(b, c, n, "category");
        c += n + (c[n] == '/');
    }
}

/* Keeps only [0-9A-Za-z_-] of s, at most max bytes. */
static void put_clean(struct buf *b, const char *s, size_t max)
{
    for (size_t i = 0; s && s[i] && i < max; i++) {
        char c = s[i];
        if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
            c == '-' || c == '_')
            buf_putc(b, c);
    }
}

char *output_path_for(const char *pattern, const struct post *p, const char *feed_title,
                      const char *idhash)
{
    char fallback_hash[17];
    if (!idhash || !*idhash) {
        /* Callers pass the identity hash; this is only a stable stand-in without one. */
        const char *k = p->id && *p->id ? p->id : p->url && *p->url ? p->url
                        : p->original_title ? p->original_title : p->title ? p->title : "";
        hash_hex(hash64(k, strlen(k)), fallback_hash);
        idhash = fallback_hash;
    }
    if (!feed_title)
        feed_title = p->feed_title;
    char errbuf[8];
    if (!pattern || output_pattern_check(pattern, errbuf, sizeof errbuf) < 0)
        pattern = DEFAULT_PATTERN;   /* config_load rejects bad patterns; never trust one */

    struct tm tm = {0};
    time_t t = (time_t)p->published;
    localtime_r(&t, &tm);   /* the configured zone: the daemon sets TZ */
    /* The feed's own title, not a translated one: a summarizer may word a translation
     * differently on a retry, and a name must not depend on that. */
    char *slug = slug_make(p->original_title && *p->original_title ? p->original_title
                                                                   : p->title, SLUG_MAX);

    struct buf ex = {0};
    for (const char *c = pattern; *c;) {
        size_t len = 1;
        int i = placeholder_at(c, &len);
        if (i < 0) {
            buf_putc(&ex, *c++);
            continue;
        }
        c += len;
        switch (placeholders[i].id) {
        case PH_DATE: buf_printf(&ex, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday); break;
        case PH_YEAR: buf_printf(&ex, "%04d", tm.tm_year + 1900); break;
        case PH_MONTH: buf_printf(&ex, "%02d", tm.tm_mon + 1); break;
        case PH_DAY: buf_printf(&ex, "%02d", tm.tm_mday); break;
        case PH_SLUG:
            if (*slug)
                buf_puts(&ex, slug);
            else {   /* a title without Latin letters or digits, e.g. Chinese */
                buf_puts(&ex, "post-");
                put_clean(&ex, idhash, 8);
            }
            break;
        case PH_FEED:
            put_name_slug(&ex, feed_title, feed_title ? strlen(feed_title) : 0, "feed");
            break;
        case PH_CATEGORY: put_category(&ex, p->feed_category); break;
        case PH_ID: put_clean(&ex, idhash, 16); break;
        }
    }
    free(slug);

    struct buf out = {0};
    const char *s = ex.data ? ex.data : "";
    while (*s) {
        size_t n = strcspn(s, "/");
        put_component(&out, s, n, s[n] == '\0');
        s += n;
        if (*s == '/')
            s++;
    }
    buf_free(&ex);
    if (!out.len || out.data[out.len - 1] == '/') {
        buf_free(&out);
        buf_puts(&out, "post-");
        put_clean(&out, idhash, 8);
        buf_puts(&out, ".md");
    }
    return buf_steal(&out);
}

/* relpath with "-<suffix>" at the end of its component number k (0 first), before the
 * extension when that component is the file name, cut to keep it within NAME_MAX. */
static char *suffix_component(const char *relpath, size_t k, const char *suffix)
{
    const char *base = relpath;
    for (size_t i = 0; i < k; i++) {
        const char *slash = strchr(base, '/');
        if (!slash)
            break;
        base = slash + 1;
    }
    const char *end = base + strcspn(base, "/");
    const char *dot = NULL;
    if (*end == '\0') {   /* the file name: the suffix goes before its extension */
        dot = strrchr(base, '.');
        if (!dot || dot == base)
            dot = NULL;
    }
    if (!dot)
        dot = end;
    struct buf sfx = {0};
    buf_putc(&sfx, '-');
    put_clean(&sfx, suffix, 32);
    /* Keep the component within NAME_MAX even for a name that came from elsewhere. */
    size_t stem = (size_t)(dot - base), rest = sfx.len + (size_t)(end - dot);
    if (stem + rest > NAME_MAX)
        stem = utf8_cut(base, stem, rest < NAME_MAX ? NAME_MAX - rest : 0);
    char *r = xasprintf("%.*s%.*s%s%s", (int)(base - relpath), relpath, (int)stem, base,
                        sfx.data, dot);
    buf_free(&sfx);
    return r;
}

char *output_path_suffixed(const char *relpath, const char *suffix)
{
    size_t last = 0;
    for (const char *c = relpath; *c; c++)
        last += *c == '/';
    return suffix_component(relpath, last, suffix);
}

/* The component of the pattern that names the post: the last one with {slug}, else the
 * last one with {id} (output_pattern_check requires one of them). */
static size_t pattern_post_component(const char *pattern)
{
    size_t k = 0, slug = SIZE_MAX, id = SIZE_MAX;
    for (const char *c = pattern; *c; c++) {
        if (*c == '/')
            k++;
        else if (!strncmp(c, "{slug}", 6))
            slug = k;
        else if (!strncmp(c, "{id}", 4))
            id = k;
    }
    return slug != SIZE_MAX ? slug : id != SIZE_MAX ? id : k;
}

char *output_path_collision(const char *pattern, const char *relpath, const char *suffix)
{
    char errbuf[8];
    if (!pattern || output_pattern_check(pattern, errbuf, sizeof errbuf) < 0)
        pattern = DEFAULT_PATTERN;
    /* output_path_for makes one component of the path per component of the pattern
     * (none is empty, none holds a '/'), so the pattern's count is the path's. */
    return suffix_component(relpath, pattern_post_component(pattern), suffix);
}
