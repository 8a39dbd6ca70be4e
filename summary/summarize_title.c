/* summary/summarize_title.c: the post's title inside its own text, for the built-in
 * summarizer (summarize.c). A reader sees the title right above the summary, so a
 * sentence that only repeats it is never chosen (a heading the feed copies into the
 * content: GitHub's commit feeds, "Title\n\nbody"). When the title comes back as a
 * heading after the start of the text, the post is a digest (a newsletter: "In this
 * newsletter: ..." then one section per item) and its summary is taken from the item
 * the title names: issue 18 saw a newsletter summarized from its third item. */
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

#include "summary/summarize.h"
#include "summary/summarize_int.h"

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* s[0..n) with ASCII letters lower-cased and each run of white space one space, trimmed:
 * how the title and a sentence are compared. malloc'd. */
static char *fold(const char *s, size_t n)
{
    char *out = xmalloc(n + 1), *w = out;
    int space = 0;
    for (size_t i = 0; i < n; i++) {
        if (is_space((unsigned char)s[i])) {
            space = 1;
            continue;
        }
        if (space && w != out)
            *w++ = ' ';
        space = 0;
        *w++ = (char)ascii_lower((unsigned char)s[i]);
    }
    *w = '\0';
    return out;
}

/* How far folded sentence s repeats folded title t: the length of t when s starts with
 * all of it (and a word does not go on past it), else the longest run of t's first whole
 * words that s starts with; 0 when that is under two thirds of t. */
static size_t title_prefix(const char *s, const char *t)
{
    size_t p = 0, m = strlen(t);
    while (t[p] && s[p] == t[p])
        p++;
    if (p == m && !(ascii_word((unsigned char)t[m - 1]) && ascii_word((unsigned char)s[p])))
        return p;
    /* back to where both had a word end */
    while (p > 0 && !(t[p] == ' ' && (s[p] == ' ' || s[p] == '\0')))
        p--;
    return 3 * p >= 2 * m ? p : 0;
}

/* Sentence ends (Latin and CJK): a heading has none. */
static int ends_sentence(const char *s, size_t n)
{
    while (n > 0 && is_space((unsigned char)s[n - 1]))
        n--;
    if (n == 0)
        return 0;
    unsigned char c = (unsigned char)s[n - 1];
    if (c == '.' || c == '!' || c == '?')
        return 1;
    /* 。 E3 80 82, ！ EF BC 81, ？ EF BC 9F */
    return n >= 3 && (!memcmp(s + n - 3, "\xE3\x80\x82", 3) || !memcmp(s + n - 3, "\xEF\xBC\x81", 3) ||
                      !memcmp(s + n - 3, "\xEF\xBC\x9F", 3));
}

int summarize_is_title(const char *s, size_t n, const char *title)
{
    if (!title || !*title)
        return 0;
    while (is_space((unsigned char)*title))
        title++;
    while (n > 0 && is_space((unsigned char)*s)) {
        s++;
        n--;
    }
    /* most sentences differ from the title in their first byte */
    if (!n || ascii_lower((unsigned char)*s) != ascii_lower((unsigned char)*title))
        return 0;
    char *t = fold(title, strlen(title));
    int hit = 0;
    if (strlen(t) >= 4) {
        char *f = fold(s, n);
        size_t p = title_prefix(f, t);
        const char *rest = f + p;
        while (*rest == ' ')
            rest++;
        if (p == 0)
            hit = 0;
        else if (!*rest)
            hit = 1;                        /* the title and nothing else */
        else if (*rest >= 'a' && *rest <= 'z')
            hit = 0;                        /* the sentence goes on about its subject */
        else
            hit = !ends_sentence(s, n);     /* a heading's tail: "(via ...) - 2024-12-04" */
        free(f);
    }
    free(t);
    return hit;
}

/* The title's repetitions are never chosen. When the title comes back after the text's
 * start (a digest: a newsletter's contents, then a section per item, the first under the
 * title), the summary is the opening of the section under its last repetition: its
 * sentences, up to the next line that ends no sentence (the next item's heading), rank in
 * document order above all others, and the rest of the text is chosen only when that
 * section has nothing to offer. */
void summarize_mark_title(const char *text, struct sentence *v, size_t count, const char *title)
{
    if (!title)
        return;
    size_t last = 0;
    for (size_t i = 0; i < count; i++)
        if (summarize_is_title(text + v[i].start, v[i].end - v[i].start, title)) {
            v[i].excluded = 2;
            last = i;
        }
    if (last == 0)
        return;
    size_t end = last + 1;
    while (end < count && (end == last + 1 || ends_sentence(text + v[end].start,
                                                            v[end].end - v[end].start)))
        end++;
    for (size_t i = 0; i < count; i++) {
        if (i > last && i < end)
            v[i].score = 1e9 - (double)i;
        else if (!v[i].excluded)
            v[i].excluded = 1; /* outside the section: only when it has nothing */
    }
}
