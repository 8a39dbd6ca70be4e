/* feeds/summarize.c: the built-in extractive summarizer (owner: html2md/summarizer
 * engineer). Splits plain text into sentences (Latin . ! ? followed by a space, except
 * after abbreviations; CJK 。！？ without a space; line breaks), scores each by the
 * frequency of its content words across the whole post (Luhn 1958 / SumBasic: a sentence
 * that repeats the post's recurring terms is central to it; stop words and boilerplate do
 * not count; CJK text is scored by character bigrams, since it has no spaces), then keeps
 * the best few in document order within a byte budget. Deterministic: same text, same
 * summary. The output is markdown text, escaped with html2md's md_escape_text(). */
#include "feeds/summarize.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/util.h"
#include "feeds/html2md.h"

#define DEFAULT_SENTENCES 3
#define DEFAULT_CHARS 600
#define MAX_SENTENCES 4096 /* a post longer than this is summarized from its start */

/* ---- tables ------------------------------------------------------------------------ */

/* Words that carry no topic: English, plus the commonest German, French and Spanish. */
static const char *const stop_words[] = {
    "a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and",
    "any", "are", "as", "at", "be", "because", "been", "before", "being", "below",
    "between", "both", "but", "by", "can", "could", "did", "do", "does", "doing", "don",
    "down", "during", "each", "even", "few", "for", "from", "further", "get", "got", "had",
    "has", "have", "having", "he", "her", "here", "hers", "him", "his", "how", "however",
    "i", "if", "in", "into", "is", "isn", "it", "its", "itself", "just", "ll", "like",
    "may", "me", "might", "more", "most", "much", "must", "my", "no", "nor", "not", "now",
    "of", "off", "on", "once", "one", "only", "or", "other", "our", "ours", "out", "over",
    "own", "re", "really", "same", "she", "should", "so", "some", "such", "than", "that",
    "the", "their", "theirs", "them", "then", "there", "these", "they", "this", "those",
    "through", "to", "too", "under", "until", "up", "us", "ve", "very", "was", "way", "we",
    "well", "were", "what", "when", "where", "which", "while", "who", "whom", "why", "will",
    "with", "would", "yet", "you", "your", "yours",
    /* German */
    "aber", "als", "am", "auch", "auf", "aus", "bei", "bin", "bis", "das", "dass", "dem",
    "den", "der", "des", "die", "doch", "ein", "eine", "einem", "einen", "einer", "eines",
    "er", "es", "für", "hat", "ich", "ist", "mit", "nach", "nicht", "noch", "nur", "oder",
    "sich", "sie", "sind", "über", "um", "und", "von", "vor", "war", "wie", "wir", "wird",
    "zu", "zum", "zur",
    /* French */
    "au", "aux", "avec", "ce", "ces", "dans", "de", "du", "elle", "en", "est", "et", "il",
    "ils", "je", "la", "le", "les", "leur", "mais", "ne", "nous", "ou", "par", "pas",
    "plus", "pour", "qu", "que", "qui", "sa", "se", "ses", "son", "sont", "sur", "un",
    "une", "vous",
    /* Spanish */
    "al", "como", "con", "del", "el", "ella", "es", "esta", "este", "hay", "las", "lo",
    "los", "más", "mi", "muy", "para", "pero", "por", "se", "sin", "su", "sus", "también",
    "una", "uno", "y", "ya",
};

/* A '.' after these does not end a sentence ("Dr. Smith", "e.g. this"). */
static const char *const abbreviations[] = {
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "vs", "etc", "e.g", "i.e", "cf",
    "fig", "no", "nr", "vol", "inc", "ltd", "co", "corp", "approx", "dept", "est", "u.s",
    "a.m", "p.m", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct",
    "nov", "dec", "gen", "col", "lt", "sgt", "capt", "rev", "mt", "ft", "z.b", "bzw",
    "usw", "ca", "vgl", "mme", "mlle", "sra", "sr", "p", "pp", "ed", "eds", "al",
};

/* Sentences that belong to the feed's template, not the post (lower-case substrings).
 * Template phrases are never a summary; chrome phrases only lose to real sentences: a
 * reddit link post ("submitted by ... [1143 comments]") has no other text. */
static const char *const boilerplate[] = {
    "continue reading", "read more", "read the rest", "read the full", "keep reading",
    "appeared first on", "the post ", "click here", "this entry was posted",
    "originally published", "you are only seeing the long-form articles", "view original",
    "weiterlesen", "lire la suite", "leer más", "seguir leyendo", "阅读全文", "查看全文",
    "閱讀全文", "続きを読む", "もっと読む",
};
static const char *const chrome[] = {
    "share this", "subscribe", "sign up for", "follow us", "leave a comment", "comments",
    "all rights reserved", "related posts", "advertisement", "permalink",
};

/* ---- UTF-8 helpers ------------------------------------------------------------------ */

/* Decodes one code point; invalid bytes decode as themselves with length 1. */
static inline uint32_t utf8_next(const char *s, size_t n, size_t *len)
{
    const unsigned char *p = (const unsigned char *)s;
    uint32_t c = p[0];
    if (c < 0x80) { /* almost every character of most posts */
        *len = 1;
        return c;
    }
    size_t k = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    if (k > n)
        k = 1;
    for (size_t i = 1; i < k; i++)
        if ((p[i] & 0xC0) != 0x80)
            k = 1;
    *len = k;
    if (k == 1)
        return c;
    c &= 0x3F >> (k - 1);
    for (size_t i = 1; i < k; i++)
        c = (c << 6) | (p[i] & 0x3F);
    return c;
}

/* Han, kana, Hangul: scripts written without spaces between words (Hangul has spaces,
 * but bigrams serve it as well). */
static int is_cjk(uint32_t c)
{
    if (c < 0x3040) /* every character of Latin text: decided by one comparison */
        return 0;
    return (c >= 0x3040 && c <= 0x30FF) || (c >= 0x3400 && c <= 0x4DBF) ||
           (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xAC00 && c <= 0xD7AF) ||
           (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x20000 && c <= 0x2FFFF);
}

/* CJK text and its punctuation: sentences of it are joined without a space. */
static int is_cjk_text(uint32_t c)
{
    return is_cjk(c) || (c >= 0x3000 && c <= 0x303F) || (c >= 0xFF00 && c <= 0xFFEF);
}

/* ASCII letters and digits: the word characters of ASCII. */
static int ascii_word(uint32_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_word_cp(uint32_t c)
{
    if (c < 0x80)
        return ascii_word(c);
    if (is_cjk(c))
        return 0;
    /* Latin-1 symbols, general punctuation, CJK/full-width punctuation separate words. */
    return !(c <= 0xBF || (c >= 0x2000 && c <= 0x2BFF) || (c >= 0x3000 && c <= 0x303F) ||
             (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF65) || c == 0xD7 ||
             c == 0xF7 || c == 0xFFFD);
}

/* ---- terms --------------------------------------------------------------------------- */

#define N_STOP_WORDS (sizeof stop_words / sizeof *stop_words)

/* Every word of every post is looked up: an open-addressing set of the words' hash64
 * (the hash the word's term gets anyway), each slot checked against the word itself,
 * instead of a scan or a binary search of ~250 strings. Built on first use (the daemon is
 * single-threaded). */
#define STOP_SLOTS 1024 /* a power of two, above twice the number of stop words */

static const char *stop_set[STOP_SLOTS];

static void stop_set_init(void)
{
    for (size_t i = 0; i < N_STOP_WORDS; i++) {
        const char *w = stop_words[i];
        size_t k = (size_t)hash64(w, strlen(w)) & (STOP_SLOTS - 1);
        while (stop_set[k] && strcmp(stop_set[k], w) != 0)
            k = (k + 1) & (STOP_SLOTS - 1);
        stop_set[k] = w;
    }
}

/* Whether the word w[0..n), whose hash64 is h, is a stop word. */
static int is_stop_word(const char *w, size_t n, uint64_t h)
{
    static int ready;
    if (!ready) {
        stop_set_init();
        ready = 1;
    }
    for (size_t k = (size_t)h & (STOP_SLOTS - 1); stop_set[k]; k = (k + 1) & (STOP_SLOTS - 1))
        if (strncmp(stop_set[k], w, n) == 0 && stop_set[k][n] == '\0')
            return 1;
    return 0;
}

struct terms {
    uint64_t *v;
    size_t n, cap;
};

static void terms_add(struct terms *t, uint64_t h)
{
    if (t->n == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 32;
        t->v = xrealloc(t->v, t->cap * sizeof *t->v);
    }
    t->v[t->n++] = h;
}

/* Content terms of s: lower-cased words of two or more letters that are not stop words,
 * and bigrams (a lone character: unigram) of CJK runs. */
static void terms_of(const char *s, size_t n, struct terms *out)
{
    char word[64];
    size_t wl = 0;
    uint32_t prev_cjk = 0;
    for (size_t i = 0; i <= n;) {
        /* ASCII letters and digits (most of most posts): the same as below, without
         * decoding */
        unsigned char b0 = i < n ? (unsigned char)s[i] : 0;
        if (ascii_word(b0)) {
            if (wl < sizeof word)
                word[wl++] = (b0 >= 'A' && b0 <= 'Z') ? (char)(b0 + 32) : (char)b0;
            prev_cjk = 0;
            i++;
            continue;
        }
        size_t k = 1;
        uint32_t c = i < n ? utf8_next(s + i, n - i, &k) : 0;
        if (i < n && is_word_cp(c)) {
            for (size_t j = 0; j < k && wl < sizeof word; j++) {
                char b = s[i + j];
                word[wl++] = (b >= 'A' && b <= 'Z') ? (char)(b + 32) : b;
            }
        } else if (wl) {
            if (wl >= 2 && wl < sizeof word) {
                uint64_t h = hash64(word, wl);
                if (!is_stop_word(word, wl, h))
                    terms_add(out, h);
            }
            wl = 0;
        }
        if (i < n && is_cjk(c)) {
            uint32_t next = 0;
            size_t nk = 0;
            if (i + k < n)
                next = utf8_next(s + i + k, n - i - k, &nk);
            if (is_cjk(next)) {
                uint32_t pair[2] = {c, next};
                terms_add(out, hash64(pair, sizeof pair));
            } else if (!prev_cjk) {
                terms_add(out, hash64(&c, sizeof c));
            }
            prev_cjk = c;
        } else
            prev_cjk = 0;
        i += k;
    }
}

/* Term -> count across the post: open addressing on the 64-bit hashes. */
struct freq {
    uint64_t *key;
    unsigned *count;
    size_t cap;
};

static unsigned *freq_slot(struct freq *f, uint64_t h)
{
    size_t i = (size_t)h & (f->cap - 1);
    while (f->key[i] && f->key[i] != h)
        i = (i + 1) & (f->cap - 1);
    f->key[i] = h ? h : 1;
    return &f->count[i];
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Ascending order. Most sentences have a dozen terms or fewer: insertion sort, without
 * qsort's indirect calls; the order is the same either way. */
static void sort_u64(uint64_t *v, size_t n)
{
    if (n > 24) {
        qsort(v, n, sizeof *v, cmp_u64);
        return;
    }
    for (size_t i = 1; i < n; i++) {
        uint64_t x = v[i];
        size_t j = i;
        for (; j > 0 && v[j - 1] > x; j--)
            v[j] = v[j - 1];
        v[j] = x;
    }
}

/* ---- sentences ------------------------------------------------------------------------- */

struct sentence {
    size_t start, end;  /* byte range in the text */
    double score;
    int excluded;       /* boilerplate, a bare URL */
    char *md;           /* escaped markdown of the sentence */
};

static int is_abbreviation(const char *text, size_t dot)
{
    size_t a = dot;
    while (a > 0 && text[a - 1] != ' ' && text[a - 1] != '\n' && text[a - 1] != '(' &&
           text[a - 1] != '"')
        a--;
    size_t n = dot - a;
    if (n == 0 || n > 8)
        return 0;
    if (n == 1 && text[a] >= 'A' && text[a] <= 'Z') /* an initial: "J. R. R. Tolkien" */
        return 1;
    char first = text[a] >= 'A' && text[a] <= 'Z' ? (char)(text[a] + 32) : text[a];
    for (size_t i = 0; i < sizeof abbreviations / sizeof *abbreviations; i++)
        if (abbreviations[i][0] == first && strlen(abbreviations[i]) == n &&
            strncasecmp(text + a, abbreviations[i], n) == 0)
            return 1;
    return 0;
}

/* Closing quotes and brackets that stay with the sentence they end. */
static size_t closers_len(const char *s, size_t n)
{
    size_t i = 0;
    for (;;) {
        size_t k;
        if (i >= n)
            return i;
        uint32_t c = utf8_next(s + i, n - i, &k);
        if (c == '"' || c == '\'' || c == ')' || c == ']' || c == 0x201D || c == 0x2019 ||
            c == 0x300D || c == 0x300F || c == 0xFF09 || c == 0x3011 || c == 0x00BB)
            i += k;
        else
            return i;
    }
}

/* Byte offset just past the end of the sentence that starts at i. */
static size_t sentence_end(const char *t, size_t n, size_t i)
{
    while (i < n) {
        size_t k;
        uint32_t c = utf8_next(t + i, n - i, &k);
        if (c == '\n')
            return i;
        /* 。！？ and the half-width ｡ end a sentence with no space after them. */
        if (c == 0x3002 || c == 0xFF01 || c == 0xFF1F || c == 0xFF61) {
            i += k;
            while (i < n) { /* "？！" runs */
                size_t k2;
                uint32_t c2 = utf8_next(t + i, n - i, &k2);
                if (c2 != 0x3002 && c2 != 0xFF01 && c2 != 0xFF1F && c2 != 0xFF61)
                    break;
                i += k2;
            }
            return i + closers_len(t + i, n - i);
        }
        if (c == '.' || c == '!' || c == '?') {
            size_t e = i + 1;
            while (e < n && (t[e] == '.' || t[e] == '!' || t[e] == '?'))
                e++;
            e += closers_len(t + e, n - e);
            int space_after = e >= n || t[e] == ' ' || t[e] == '\t' || t[e] == '\n';
            if (space_after && !(c == '.' && e == i + 1 && is_abbreviation(t, i))) {
                /* "approx. five": a lower-case word after the dot continues the sentence. */
                size_t j = e;
                while (j < n && (t[j] == ' ' || t[j] == '\t'))
                    j++;
                if (!(c == '.' && j < n && t[j] >= 'a' && t[j] <= 'z'))
                    return e;
            }
            i = e;
            continue;
        }
        i += k;
    }
    return n;
}

static int is_space_byte(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static size_t split_sentences(const char *t, size_t n, struct sentence **out)
{
    size_t cap = 16, count = 0;
    struct sentence *v = xmalloc(cap * sizeof *v);
    size_t i = 0;
    while (i < n && count < MAX_SENTENCES) {
        while (i < n && is_space_byte(t[i]))
            i++;
        if (i >= n)
            break;
        size_t e = sentence_end(t, n, i);
        if (e <= i)
            e = i + 1;
        size_t z = e;
        while (z > i && is_space_byte(t[z - 1]))
            z--;
        if (z > i) {
            if (count == cap)
                v = xrealloc(v, (cap *= 2) * sizeof *v);
            v[count++] = (struct sentence){.start = i, .end = z};
        }
        i = e;
    }
    *out = v;
    return count;
}

size_t summarize_sentences(const char *text, size_t *starts, size_t *ends, size_t max)
{
    if (!text)
        return 0;
    struct sentence *v;
    size_t count = split_sentences(text, strlen(text), &v);
    if (count > max)
        count = max;
    for (size_t i = 0; i < count; i++) {
        starts[i] = v[i].start;
        ends[i] = v[i].end;
    }
    free(v);
    return count;
}

static unsigned char ascii_lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* Whether s[0..n), lower-cased (ASCII letters only), starts with the lower-case pat. */
static int starts_lower(const char *s, size_t n, const char *pat)
{
    size_t i = 0;
    for (; pat[i]; i++)
        if (i >= n || ascii_lower((unsigned char)s[i]) != (unsigned char)pat[i])
            return 0;
    return 1;
}

#define N_BOILERPLATE (sizeof boilerplate / sizeof *boilerplate)
#define N_CHROME (sizeof chrome / sizeof *chrome)

/* The first two bytes of s, lower-cased, as one number. */
static unsigned pair_at(const char *s)
{
    return ascii_lower((unsigned char)s[0]) | (unsigned)ascii_lower((unsigned char)s[1]) << 8;
}

/* The phrases whose first two bytes, lower-cased, are pair: bit i for boilerplate[i],
 * bit N_BOILERPLATE + i for chrome[i]. A small open-addressing table, filled once. */
#define PAIR_SLOTS 64   /* a power of two, above twice the number of phrases */
static struct {
    unsigned pair;      /* 0: empty (no phrase starts with two NUL bytes) */
    uint32_t phrases;
} pair_table[PAIR_SLOTS];

static size_t pair_slot(unsigned pair)
{
    size_t k = (pair * 0x9E3779B1u) >> 26 & (PAIR_SLOTS - 1);
    while (pair_table[k].pair && pair_table[k].pair != pair)
        k = (k + 1) & (PAIR_SLOTS - 1);
    return k;
}

/* 2: template boilerplate (never chosen), 1: page chrome (chosen only when nothing
 * else is left), 0: the post's own sentence. Every sentence of every post is checked:
 * one pass over it that looks up each position's first two bytes in a bitmap of the
 * phrases' first two bytes (a hit on common pairs such as "th" or "re"), and only then
 * compares the phrases that start with that pair, not a lower-cased copy searched once
 * per phrase. Every phrase is at least two bytes long. */
static int is_boilerplate(const char *s, size_t n)
{
    _Static_assert(N_BOILERPLATE + N_CHROME <= 32, "one bit per phrase");
    _Static_assert(PAIR_SLOTS > 2 * (N_BOILERPLATE + N_CHROME), "room in pair_table");
    static unsigned char pairs[65536 / 8];
    static int ready;
    if (!ready) {
        for (size_t i = 0; i < N_BOILERPLATE + N_CHROME; i++) {
            const char *ph = i < N_BOILERPLATE ? boilerplate[i] : chrome[i - N_BOILERPLATE];
            unsigned pr = pair_at(ph);
            size_t k = pair_slot(pr);
            pair_table[k].pair = pr;
            pair_table[k].phrases |= 1u << i;
            pairs[pr / 8] |= (unsigned char)(1u << pr % 8);
        }
        ready = 1;
    }
    const uint32_t bp_bits = (1u << N_BOILERPLATE) - 1;
    int hit = 0;
    const unsigned char *u = (const unsigned char *)s;
    /* k is pair_at(s + at), kept up to date one byte at a time */
    unsigned k = n ? ascii_lower(u[0]) : 0;
    for (size_t at = 0; at + 1 < n && hit < 2; at++) {
        k = (k & 0xFF) | (unsigned)ascii_lower(u[at + 1]) << 8;
        if (!(pairs[k / 8] & (1u << k % 8))) {
            k >>= 8;
            continue;
        }
        uint32_t m = pair_table[pair_slot(k)].phrases;
        /* boilerplate first (it decides), chrome only while nothing was found */
        for (uint32_t b = m & bp_bits; b && hit < 2; b &= b - 1) {
            size_t i = (size_t)__builtin_ctz(b);
            if (starts_lower(s + at, n - at, boilerplate[i]))
                hit = 2;
        }
        for (uint32_t b = m & ~bp_bits; b && !hit; b &= b - 1) {
            size_t i = (size_t)__builtin_ctz(b) - N_BOILERPLATE;
            if (starts_lower(s + at, n - at, chrome[i]))
                hit = 1;
        }
        k >>= 8;
    }
    /* A line that is only a URL. */
    if (!hit && (starts_lower(s, n, "http://") || starts_lower(s, n, "https://") ||
                 starts_lower(s, n, "www.")))
        hit = memchr(s, ' ', n) == NULL ? 2 : 0;
    return hit;
}

/* Sentence text with white space collapsed, escaped as markdown. */
static char *sentence_md(const char *s, size_t n)
{
    char *plain = str_squash_ws(xstrndup(s, n));
    struct buf b = {0};
    md_escape_text(&b, plain);
    free(plain);
    return buf_steal(&b);
}

/* ---- scoring and choice ------------------------------------------------------------------ */

static void score_sentences(const char *text, struct sentence *v, size_t count)
{
    struct terms all = {0};
    size_t *first = xmalloc((count + 1) * sizeof *first);
    for (size_t i = 0; i < count; i++) {
        first[i] = all.n;
        terms_of(text + v[i].start, v[i].end - v[i].start, &all);
    }
    first[count] = all.n;
    struct freq f = {0};
    f.cap = 64;
    while (f.cap < 2 * all.n + 2)
        f.cap *= 2;
    f.key = xcalloc(f.cap, sizeof *f.key);
    f.count = xcalloc(f.cap, sizeof *f.count);
    for (size_t i = 0; i < all.n; i++) {
        if (!all.v[i])
            all.v[i] = 1; /* 0 marks an empty slot */
        (*freq_slot(&f, all.v[i]))++;
    }
    for (size_t i = 0; i < count; i++) {
        size_t nt = first[i + 1] - first[i];
        uint64_t *ts = all.v ? all.v + first[i] : NULL;
        uint64_t *u = xmalloc((nt + 1) * sizeof *u);
        if (nt)
            memcpy(u, ts, nt * sizeof *u);
        sort_u64(u, nt);
        double sum = 0;
        for (size_t j = 0; j < nt; j++)
            if (j == 0 || u[j] != u[j - 1])
                sum += log(1.0 + *freq_slot(&f, u[j]));
        free(u);
        /* Normalised by length so that long sentences do not win on size alone. */
        double s = nt ? sum / sqrt((double)nt) : 0;
        if (nt < 3) /* headings, "Hi!", captions */
            s *= 0.3;
        if (i == 0) /* the lede usually states the topic */
            s *= 1.15;
        v[i].score = s;
        v[i].excluded = is_boilerplate(text + v[i].start, v[i].end - v[i].start);
    }
    free(first);
    free(all.v);
    free(f.key);
    free(f.count);
}

/* By score, then document order: ties never depend on qsort's whims. */
static int cmp_rank(const void *a, const void *b, void *ctx)
{
    const struct sentence *v = ctx;
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    if (v[x].score != v[y].score)
        return v[x].score > v[y].score ? -1 : 1;
    return x < y ? -1 : x > y;
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

char *summarize_extractive(const char *text, const struct summarize_opts *opts)
{
    int max_sent = opts && opts->max_sentences > 0 ? opts->max_sentences : DEFAULT_SENTENCES;
    size_t budget = opts && opts->max_chars > 0 ? opts->max_chars : DEFAULT_CHARS;
    if (!text || !*text)
        return xstrdup("");
    size_t n = strlen(text);
    struct sentence *v;
    size_t count = split_sentences(text, n, &v);
    if (!count) {
        free(v);
        return xstrdup("");
    }
    score_sentences(text, v, count);

    size_t *rank = xmalloc(count * sizeof *rank);
    size_t nrank = 0;
    for (size_t i = 0; i < count; i++)
        if (!v[i].excluded)
            rank[nrank++] = i;
    /* Only page chrome left (a reddit link post): it is the post's text after all. */
    if (nrank == 0)
        for (size_t i = 0; i < count; i++)
            if (v[i].excluded == 1)
                rank[nrank++] = i;
    qsort_r(rank, nrank, sizeof *rank, cmp_rank, v);

    /* Greedy by rank: take a sentence when it still fits the budget (its escaped bytes and
     * a separator), skip it otherwise and try the next. */
    char *chosen = xcalloc(count, 1);
    size_t used = 0;
    int picked = 0;
    for (size_t r = 0; r < nrank && picked < max_sent; r++) {
        struct sentence *s = &v[rank[r]];
        s->md = sentence_md(text + s->start, s->end - s->start);
        size_t need = strlen(s->md) + (picked ? 1 : 0);
        if (!*s->md || used + need > budget)
            continue;
        chosen[rank[r]] = 1;
        used += need;
        picked++;
    }

    struct buf out = {0};
    buf_puts(&out, "");
    if (!picked && nrank) { /* even the best sentence is too long: cut it */
        struct sentence *s = &v[rank[0]];
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
    free(rank);
    free(chosen);
    return buf_steal(&out);
}
