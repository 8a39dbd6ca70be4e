/* summary/summarize.c: the built-in extractive summarizer (owner: html2md/summarizer
 * engineer). Splits plain text into sentences (summarize_sentences.c), scores each by the
 * frequency of its content terms across the whole post (summarize_terms.c; Luhn 1958 /
 * SumBasic: a sentence that repeats the post's recurring terms is central to it; stop
 * words and boilerplate do not count; CJK text is scored by character bigrams, since it
 * has no spaces), then keeps the best few in document order within a byte budget.
 * Deterministic: same text, same summary. The output is markdown text, escaped with
 * md_escape_text() (markdown/html2md.h). */
#include "summary/summarize.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "markdown/html2md.h"
#include "summary/summarize_int.h"

#define DEFAULT_SENTENCES 3
#define DEFAULT_CHARS 600

/* log(1 + count) for the counts most terms have, each computed once with the same call
 * as for any other count (so the very same double). */
#define LOG_CACHE 256
static double log_count(unsigned count)
{
    static double cache[LOG_CACHE]; /* 0: not yet (log(1 + count) > 0 for count >= 1) */
    if (count >= LOG_CACHE)
        return log(1.0 + count);
    if (cache[count] == 0)
        cache[count] = log(1.0 + count);
    return cache[count];
}

/* Scores every sentence (boilerplate is classified later, only where the choice needs
 * it). */
static void score_sentences(const char *text, struct sentence *v, size_t count)
{
    struct terms all = {0};
    size_t *first = xmalloc((count + 1) * sizeof *first);
    for (size_t i = 0; i < count; i++) {
        first[i] = all.n;
        summarize_terms_room(&all, v[i].end - v[i].start);
        summarize_terms_of(text + v[i].start, v[i].end - v[i].start, &all);
    }
    first[count] = all.n;
    struct freq f = {0};
    f.cap = 64;
    while (f.cap < 2 * all.n + 2)
        f.cap *= 2;
    f.key = xcalloc(f.cap, sizeof *f.key);
    f.count = xmalloc(f.cap * sizeof *f.count);
    for (size_t i = 0; i < all.n; i++) {
        if (!all.v[i])
            all.v[i] = 1; /* 0 marks an empty slot */
        (*summarize_freq_slot(&f, all.v[i]))++;
    }
    for (size_t i = 0; i < count; i++) {
        size_t nt = first[i + 1] - first[i];
        /* the counts are taken: each sentence's terms are sorted where they are */
        uint64_t *u = all.v + first[i];
        summarize_sort_terms(u, nt);
        double sum = 0;
        for (size_t j = 0; j < nt; j++)
            if (j == 0 || u[j] != u[j - 1])
                sum += log_count(*summarize_freq_slot(&f, u[j]));
        /* Normalised by length so that long sentences do not win on size alone. */
        double s = nt ? sum / sqrt((double)nt) : 0;
        if (nt < 3) /* headings, "Hi!", captions */
            s *= 0.3;
        if (i == 0) /* the lede usually states the topic */
            s *= 1.15;
        v[i].score = s;
    }
    free(first);
    free(all.v);
    free(f.key);
    free(f.count);
}

/* Whether sentence x ranks before sentence y: by score, then document order (the order is
 * total: ties never depend on the sort). */
static int ranks_before(const struct sentence *v, size_t x, size_t y)
{
    if (v[x].score != v[y].score)
        return v[x].score > v[y].score;
    return x < y;
}

/* The sentences in rank order, produced as far as they are asked for: a binary heap,
 * popped into order[]. The choice usually stops after the first few, so most of the
 * post is never sorted. */
struct ranking {
    const struct sentence *v;
    size_t *heap, nheap;
    size_t *order, norder;
};

static void heap_down(struct ranking *k, size_t i)
{
    size_t *h = k->heap;
    for (;;) {
        size_t l = 2 * i + 1, top = i;
        if (l < k->nheap && ranks_before(k->v, h[l], h[top]))
            top = l;
        if (l + 1 < k->nheap && ranks_before(k->v, h[l + 1], h[top]))
            top = l + 1;
        if (top == i)
            return;
        size_t x = h[i];
        h[i] = h[top];
        h[top] = x;
        i = top;
    }
}

static void ranking_init(struct ranking *k, const struct sentence *v, size_t count)
{
    k->v = v;
    k->heap = xmalloc(count * sizeof *k->heap);
    k->order = xmalloc(count * sizeof *k->order);
    k->nheap = count;
    k->norder = 0;
    for (size_t i = 0; i < count; i++)
        k->heap[i] = i;
    for (size_t i = count / 2; i-- > 0;)
        heap_down(k, i);
}

/* The index of the sentence of rank r (r < count). */
static size_t ranking_at(struct ranking *k, size_t r)
{
    while (k->norder <= r) {
        k->order[k->norder++] = k->heap[0];
        k->heap[0] = k->heap[--k->nheap];
        heap_down(k, 0);
    }
    return k->order[r];
}

static uint32_t last_cp(const char *s)
{
    size_t n = strlen(s), i = n;
    while (i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0x80)
        i--;
    if (i > 0)
        i--;
    size_t k;
    return n ? utf8_next(s + i, n - i, &k) : 0;
}

static uint32_t first_cp(const char *s)
{
    size_t k;
    return *s ? utf8_next(s, strlen(s), &k) : 0;
}

/* 。！？｡ and the closers that may follow them (」』）), or an ellipsis: the sentence has
 * its end. */
static int is_closer_or_end(uint32_t c)
{
    return c == 0x3002 || c == 0xFF01 || c == 0xFF1F || c == 0xFF61 || c == 0x300D ||
           c == 0x300F || c == 0xFF09 || c == 0x3011 || c == 0x2026 || c == '.' || c == '!' ||
           c == '?' || c == '"' || c == ')';
}

/* Separator between two chosen sentences: none between CJK sentences. */
static const char *joiner(const char *prev, const char *next)
{
    return is_cjk_text(last_cp(prev)) && is_cjk_text(first_cp(next)) ? "" : " ";
}

/* The plain sentence cut so that its escaped form plus "…" fits in budget bytes: at the
 * last space when there is one in the second half, else at a character boundary. */
static char *cut_sentence(const char *s, size_t n, size_t budget)
{
    char *plain = str_squash_ws(xstrndup(s, n));
    const size_t ell = 3; /* U+2026 */
    size_t used = 1, fit = 0, last_space = 0; /* 1: a possible line-start escape */
    for (size_t i = 0; plain[i];) {
        size_t k;
        utf8_next(plain + i, strlen(plain + i), &k);
        size_t cost = k;
        if (k == 1 && strchr("\\`*_[]<|~&", plain[i]))
            cost = 2;
        if (used + cost + ell > budget)
            break;
        used += cost;
        i += k;
        fit = i;
        if (plain[i] == ' ')
            last_space = i;
    }
    size_t cut = (last_space > fit / 2) ? last_space : fit;
    while (cut > 0 && (plain[cut - 1] == ' ' || plain[cut - 1] == ',' || plain[cut - 1] == ';' ||
                       plain[cut - 1] == ':'))
        cut--;
    plain[cut] = '\0';
    struct buf b = {0};
    md_escape_text(&b, plain);
    /* The escaper may add more than the estimate above (URL-looking text): cut further,
     * a character at a time, until the escaped text and the ellipsis fit. */
    while (b.len && b.len + ell > budget && cut > 0) {
        do
            cut--;
        while (cut > 0 && ((unsigned char)plain[cut] & 0xC0) == 0x80);
        plain[cut] = '\0';
        buf_free(&b);
        md_escape_text(&b, plain);
    }
    free(plain);
    if (!b.len || b.len + ell > budget) { /* a budget too small for anything */
        buf_free(&b);
        return xstrdup("");
    }
    buf_puts(&b, "\xE2\x80\xA6");
    return buf_steal(&b);
}

/* A CJK sentence that a line break ended (a heading, a list item, a paragraph without
 * its 。) runs into the next one once they are joined, since CJK sentences are joined
 * without a space: it is ended with 。, in place of a trailing comma or colon
 * (，：、；). Takes md and returns it, or its replacement. */
static char *end_cjk(char *md)
{
    size_t n = strlen(md);
    uint32_t last = last_cp(md);
    if (!n || !is_cjk_text(last) || is_closer_or_end(last))
        return md;
    /* ，：、； (all three bytes long) give way to the 。 */
    static const char *const soft[] = {"\xEF\xBC\x8C", "\xEF\xBC\x9A", "\xE3\x80\x81",
                                       "\xEF\xBC\x9B"};
    for (size_t k = 0; k < sizeof soft / sizeof *soft; k++)
        if (n >= 3 && !memcmp(md + n - 3, soft[k], 3))
            n -= 3;
    struct buf b = {0};
    buf_append(&b, md, n);
    buf_puts(&b, "\xE3\x80\x82"); /* 。 */
    free(md);
    return buf_steal(&b);
}

/* Whether a sentence with this markdown was chosen already (a line a post repeats, such
 * as "此主题相关图片如下：" before each picture). */
static int already_chosen(const struct sentence *v, size_t count, const char *chosen,
                          const char *md)
{
    for (size_t i = 0; i < count; i++)
        if (chosen[i] && !strcmp(v[i].md, md))
            return 1;
    return 0;
}

char *summarize_extractive(const char *text, const struct summarize_opts *opts)
{
    int max_sent = opts && opts->max_sentences > 0 ? opts->max_sentences : DEFAULT_SENTENCES;
    size_t budget = opts && opts->max_chars > 0 ? opts->max_chars : DEFAULT_CHARS;
    if (!text || !*text)
        return xstrdup("");
    size_t n = strlen(text);
    struct sentence *v;
    size_t count = summarize_split(text, n, &v);
    if (!count) {
        free(v);
        return xstrdup("");
    }
    score_sentences(text, v, count);
    summarize_mark_title(text, v, count, opts ? opts->title : NULL);

    /* Every sentence by rank; boilerplate (excluded) is classified in that order, only as
     * far as the choice goes: the first sentences that are not boilerplate are usually
     * enough. The non-excluded ones come in the same order as if they had been ranked on
     * their own (the order is total). */
    struct ranking rank;
    ranking_init(&rank, v, count);

    /* Greedy by rank: take a sentence when it still fits the budget (its escaped bytes and
     * a separator), skip it otherwise and try the next. The first pass takes the post's
     * own sentences; when there is none (which the pass has then classified all of), page
     * chrome is the post's text after all (a reddit link post). */
    char *chosen = xcalloc(count, 1);
    size_t used = 0, best = SIZE_MAX; /* best: the top-ranked candidate */
    int picked = 0;
    for (int pass = 0; pass < 2 && best == SIZE_MAX; pass++) {
        for (size_t r = 0; r < count && picked < max_sent; r++) {
            size_t i = ranking_at(&rank, r);
            struct sentence *s = &v[i];
            if (pass == 0 && s->excluded < 2) { /* the title's marks come first */
                int b = summarize_is_boilerplate(text + s->start, s->end - s->start);
                if (b > s->excluded)
                    s->excluded = b;
            }
            if (s->excluded != pass)
                continue;
            if (best == SIZE_MAX)
                best = i;
            s->md = end_cjk(summarize_sentence_md(text + s->start, s->end - s->start));
            size_t need = strlen(s->md) + (picked ? 1 : 0);
            if (!*s->md || used + need > budget || already_chosen(v, count, chosen, s->md))
                continue;
            chosen[i] = 1;
            used += need;
            picked++;
        }
    }

    struct buf out = {0};
    buf_puts(&out, "");
    if (!picked && best != SIZE_MAX) { /* even the best sentence is too long: cut it */
        struct sentence *s = &v[best];
        char *cut = cut_sentence(text + s->start, s->end - s->start, budget);
        buf_puts(&out, cut);
        free(cut);
    }
    const char *prev = NULL;
    for (size_t i = 0; i < count; i++) {
        if (!chosen[i])
            continue;
        if (prev)
            buf_puts(&out, joiner(prev, v[i].md));
        buf_puts(&out, v[i].md);
        prev = v[i].md;
    }
    for (size_t i = 0; i < count; i++)
        free(v[i].md);
    free(v);
    free(rank.heap);
    free(rank.order);
    free(chosen);
    return buf_steal(&out);
}
