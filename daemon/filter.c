/* daemon/filter.c: include / exclude rules (filter.h). POSIX extended regular expressions
 * from libc's regcomp(3) rather than PCRE2: the rules of Miniflux's keep/block lists and of
 * newsboat's ignore-article are words, alternations, anchors and classes, which ERE has;
 * libc adds no dependency, and "(?i)" (the flag Miniflux's Go expressions use) maps to
 * REG_ICASE. The fields a rule reads are a table. */
#include "daemon/filter.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "feeds/feed.h"
#include "markdown/html2md.h"

enum filter_field {
    FF_TITLE = 1, FF_CONTENT = 2, FF_AUTHOR = 4, FF_CATEGORIES = 8, FF_LINK = 16,
    FF_ANY = 31,
};

static const struct {
    const char *name;
    unsigned bits;
} fields[] = {
    {"title", FF_TITLE}, {"content", FF_CONTENT}, {"author", FF_AUTHOR},
    {"categories", FF_CATEGORIES}, {"link", FF_LINK}, {"any", FF_ANY},
};

struct filter_rule {
    enum filter_kind kind;
    unsigned fields;
    char *text;             /* "exclude title,content: REGEX": counted and shown under it */
    regex_t re;
};

/* "title, content" -> FF_TITLE | FF_CONTENT; 0 for an unknown or empty name. */
static unsigned fields_parse(const char *s, size_t len)
{
    unsigned bits = 0;
    for (size_t i = 0; i < len;) {
        while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == ','))
            i++;
        size_t n = 0;
        while (i + n < len && s[i + n] != ',' && s[i + n] != ' ' && s[i + n] != '\t')
            n++;
        if (!n)
            break;
        size_t k = 0;
        while (k < sizeof fields / sizeof *fields &&
               (strlen(fields[k].name) != n || strncmp(fields[k].name, s + i, n)))
            k++;
        if (k == sizeof fields / sizeof *fields)
            return 0;
        bits |= fields[k].bits;
        i += n;
    }
    return bits;
}

int filter_add(struct filter_set *s, enum filter_kind kind, const char *spec, char *why,
               size_t whylen)
{
    const char *colon = strchr(spec, ':');
    unsigned bits = colon ? fields_parse(spec, (size_t)(colon - spec)) : 0;
    if (!bits) {
        snprintf(why, whylen, "expected \"FIELDS: REGEX\" with FIELDS from title, content, "
                 "author, categories, link, any (e.g. \"title: (?i)sponsored\"), got \"%s\"",
                 spec);
        return -1;
    }
    const char *rx = colon + 1;
    rx += strspn(rx, " \t");
    int flags = REG_EXTENDED | REG_NOSUB;
    const char *body = rx;
    if (!strncmp(body, "(?i)", 4)) {
        flags |= REG_ICASE;
        body += 4;
    }
    if (!*body) {
        snprintf(why, whylen, "the regular expression is empty");
        return -1;
    }
    struct filter_rule *r = xcalloc(1, sizeof *r);
    int rc = regcomp(&r->re, body, flags);
    if (rc != 0) {
        char msg[256];
        regerror(rc, &r->re, msg, sizeof msg);
        snprintf(why, whylen, "bad regular expression \"%s\": %s", body, msg);
        regfree(&r->re);
        free(r);
        return -1;
    }
    r->kind = kind;
    r->fields = bits;
    struct buf t = {0};
    buf_puts(&t, kind == FILTER_INCLUDE ? "include " : "exclude ");
    for (size_t k = 0; k < sizeof fields / sizeof *fields; k++)
        if ((bits == FF_ANY) == (fields[k].bits == FF_ANY) && (bits & fields[k].bits))
            buf_printf(&t, "%s%s", t.len > 8 ? "," : "", fields[k].name);
    buf_printf(&t, ": %s", rx);
    r->text = buf_steal(&t);
    s->v = xrealloc(s->v, (s->n + 1) * sizeof *s->v);
    s->v[s->n++] = r;
    return 0;
}

void filter_set_free(struct filter_set *s)
{
    for (size_t i = 0; i < s->n; i++) {
        regfree(&s->v[i]->re);
        free(s->v[i]->text);
        free(s->v[i]);
    }
    free(s->v);
    s->v = NULL;
    s->n = 0;
}

/* The entry's text, made once per entry and only when a rule reads it. */
struct subject {
    const struct entry *e;
    char *text;
    int made;
};

static const char *subject_text(struct subject *x)
{
    if (!x->made) {
        const char *html = x->e->content ? x->e->content : x->e->summary;
        x->text = html ? html_to_text(html, strlen(html)) : NULL;
        x->made = 1;
    }
    return x->text;
}

static int re_hit(const regex_t *re, const char *s)
{
    return s && regexec(re, s, 0, NULL, 0) == 0;
}

static int rule_matches(const struct filter_rule *r, struct subject *x)
{
    const struct entry *e = x->e;
    if (((r->fields & FF_TITLE) && re_hit(&r->re, e->title)) ||
        ((r->fields & FF_AUTHOR) && re_hit(&r->re, e->author)) ||
        ((r->fields & FF_LINK) && re_hit(&r->re, e->link)) ||
        ((r->fields & FF_CONTENT) && re_hit(&r->re, subject_text(x))))
        return 1;
    for (size_t i = 0; (r->fields & FF_CATEGORIES) && i < e->ncategories; i++)
        if (re_hit(&r->re, e->categories[i]))
            return 1;
    return 0;
}

const char *filter_decide(const struct filter_set *global, const struct filter_set *feed,
                          const struct entry *e)
{
    const struct filter_set *sets[] = {global, feed};
    struct subject x = {e, NULL, 0};
    const char *dropped = NULL;
    int includes = 0, included = 0;
    for (size_t s = 0; s < 2 && !dropped; s++) {
        for (size_t i = 0; sets[s] && i < sets[s]->n && !dropped; i++) {
            const struct filter_rule *r = sets[s]->v[i];
            if (r->kind == FILTER_INCLUDE) {
                includes = 1;
                if (!included && rule_matches(r, &x))
                    included = 1;
            } else if (rule_matches(r, &x)) {
                dropped = r->text;
            }
        }
    }
    free(x.text);
    if (!dropped && includes && !included)
        dropped = FILTER_NO_INCLUDE;
    return dropped;
}
