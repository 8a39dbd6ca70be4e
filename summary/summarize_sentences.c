/* summary/summarize_sentences.c: a post's plain text as sentences for the built-in
 * summarizer (summarize.c): Latin . ! ? followed by a space, except after abbreviations;
 * CJK 。！？ without a space; line breaks. And which sentences are the feed's template
 * ("Continue reading", "The post ... appeared first on") or page chrome rather than the
 * post. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/scan.h"
#include "common/util.h"
#include "markdown/html2md.h"
#include "summary/summarize.h"
#include "summary/summarize_int.h"

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
    "all rights reserved", "related posts", "advertisement", "permalink", "share on ",
    "thanks for reading", "sponsored by",
};

/* Ad lines of podcast and newsletter show notes, never a summary ("Use code ATP for 10%
 * off your first order.", "Get $20 off any suitcase with code ATP.", "Use this link for
 * 10% off for the life of your account."): a promo code or link with a price, both
 * somewhere in the sentence (lower-case substrings). A sentence about code ("use code
 * generation") names no price. */
static const struct {
    const char *code, *price;
} ads[] = {
    {"code ", "% off"}, {"code ", " off "}, {"code ", "$"}, {"code ", " free"},
    {"code ", "credit"}, {"this link", "% off"}, {"off your first", ""},
};

/* A sentence made of nothing but these words (and digits, brackets, punctuation) is a
 * link's label, never a summary: Hacker News items are "Comments" and a link, reddit's
 * "[link] [comments]". */
static const char *const label_words[] = {
    "comments", "comment", "link", "permalink", "discuss", "discussion", "reply", "replies",
};

#define N_ABBREVIATIONS (sizeof abbreviations / sizeof *abbreviations)
#define ABBR_MAX 6       /* the longest abbreviation ("approx") */
#define ABBR_PER_LETTER 12

/* The abbreviations by first letter, so that a word is compared with the few that could
 * be it, not the whole table. Filled by sentences_init(). */
static const char *abbr_by_letter[26][ABBR_PER_LETTER];

/* sent_byte[b]: whether sentence_end must look at byte b: a line break, . ! ?, and the
 * first bytes of 。！？｡ (E3 80 82, EF BC 81, EF BC 9F, EF BD A1). An overlong form of
 * one of these is no character (common/utf8.h), and the other bytes of a sequence are
 * never one of these. Every other byte just continues the sentence. */
static unsigned char sent_byte[256];

static void sentences_init(void)
{
    for (size_t i = 0; i < N_ABBREVIATIONS; i++) {
        const char *ab = abbreviations[i];
        size_t l = (size_t)(ab[0] - 'a'), j = 0;
        while (abbr_by_letter[l][j])
            j++;
        if (j + 1 >= ABBR_PER_LETTER || strlen(ab) > ABBR_MAX)
            abort(); /* the table above outgrew these limits: raise them */
        abbr_by_letter[l][j] = ab;
    }
    sent_byte['\n'] = sent_byte['.'] = sent_byte['!'] = sent_byte['?'] = 1;
    sent_byte[0xE3] = sent_byte[0xEF] = 1;
}

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
    if (n > ABBR_MAX)
        return 0;
    char w[ABBR_MAX] = {0};
    for (size_t i = 0; i < n; i++)
        w[i] = (char)ascii_lower((unsigned char)text[a + i]);
    if (w[0] < 'a' || w[0] > 'z') /* every abbreviation starts with a letter */
        return 0;
    for (const char *const *ab = abbr_by_letter[w[0] - 'a']; *ab; ab++)
        if (strncmp(*ab, w, n) == 0 && (*ab)[n] == '\0')
            return 1;
    return 0;
}

static int is_closer(uint32_t c)
{
    return c == '"' || c == '\'' || c == ')' || c == ']' || c == 0x201D || c == 0x2019 ||
           c == 0x300D || c == 0x300F || c == 0xFF09 || c == 0x3011 || c == 0x00BB;
}

/* Closing quotes and brackets that stay with the sentence they end. */
static size_t closers_len(const char *s, size_t n)
{
    size_t i = 0;
    for (;;) {
        if (i >= n)
            return i;
        size_t k = 1;
        uint32_t c = (unsigned char)s[i];
        if (c >= 0x80)
            c = utf8_next(s + i, n - i, &k);
        if (is_closer(c))
            i += k;
        else
            return i;
    }
}

/* The first byte at or after i that sentence_end() must look at (sent_byte), or n. */
static size_t next_sent_byte(const unsigned char *u, size_t n, size_t i)
{
    /* sixteen bytes per step (common/scan.h), compared with each byte sent_byte marks */
    for (; i + 16 <= n; i += 16) {
        scan_vec v = scan_load(u + i);
        scan_vec t = scan_or(scan_or(scan_eq(v, '\n'), scan_eq(v, '.')),
                             scan_or(scan_eq(v, '!'), scan_eq(v, '?')));
        unsigned bits = scan_bits(scan_or(t, scan_or(scan_eq(v, 0xE3), scan_eq(v, 0xEF))));
        if (bits)
            return i + (size_t)__builtin_ctz(bits);
    }
    while (i < n && !sent_byte[u[i]])
        i++;
    return i;
}

/* Byte offset just past the end of the sentence that starts at i. */
static size_t sentence_end(const char *t, size_t n, size_t i)
{
    const unsigned char *u = (const unsigned char *)t;
    while (i < n) {
        if (!sent_byte[u[i]]) { /* nearly every byte: skip to the next one that counts */
            i = next_sent_byte(u, n, i);
            continue;
        }
        size_t k = 1;
        uint32_t c = u[i];
        if (c >= 0x80)
            c = utf8_next(t + i, n - i, &k);
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

/* The lookup tables of summarize_terms_of() and sentence_end(), filled on first use (the daemon
 * is single-threaded). */
void summarize_tables_init(void)
{
    static int ready;
    if (!ready) {
        summarize_terms_init();
        sentences_init();
        ready = 1;
    }
}

size_t summarize_split(const char *t, size_t n, struct sentence **out)
{
    summarize_tables_init();
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
    size_t count = summarize_split(text, strlen(text), &v);
    if (count > max)
        count = max;
    for (size_t i = 0; i < count; i++) {
        starts[i] = v[i].start;
        ends[i] = v[i].end;
    }
    free(v);
    return count;
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

/* Whether s[0..n) holds lower-case pat, ASCII letters compared without case. */
static int has_lower(const char *s, size_t n, const char *pat)
{
    size_t m = strlen(pat);
    for (size_t i = 0; m && i + m <= n; i++)
        if (starts_lower(s + i, n - i, pat))
            return 1;
    return m == 0;
}

static int is_ad(const char *s, size_t n)
{
    for (size_t i = 0; i < sizeof ads / sizeof *ads; i++)
        if (has_lower(s, n, ads[i].code) && has_lower(s, n, ads[i].price))
            return 1;
    return 0;
}

/* Whether every word of s[0..n) (a run of ASCII letters) is a link label, and there is
 * one. */
static int is_label_only(const char *s, size_t n)
{
    size_t words = 0;
    for (size_t i = 0; i < n;) {
        if (!ascii_word((unsigned char)s[i]) || (s[i] >= '0' && s[i] <= '9')) {
            if ((unsigned char)s[i] >= 0x80)
                return 0; /* other scripts: a sentence of its own */
            i++;
            continue;
        }
        size_t j = i;
        while (j < n && ascii_word((unsigned char)s[j]) && !(s[j] >= '0' && s[j] <= '9'))
            j++;
        size_t k = 0;
        while (k < sizeof label_words / sizeof *label_words &&
               !(strlen(label_words[k]) == j - i && starts_lower(s + i, j - i, label_words[k])))
            k++;
        if (k == sizeof label_words / sizeof *label_words)
            return 0;
        words++;
        i = j;
    }
    return words > 0;
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
#define PAIR_SLOTS 128  /* a power of two, above twice the number of phrases */
static struct {
    unsigned pair;      /* 0: empty (no phrase starts with two NUL bytes) */
    uint64_t phrases;
} pair_table[PAIR_SLOTS];

static size_t pair_slot(unsigned pair)
{
    size_t k = (pair * 0x9E3779B1u) >> 25 & (PAIR_SLOTS - 1);
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
int summarize_is_boilerplate(const char *s, size_t n)
{
    _Static_assert(N_BOILERPLATE + N_CHROME <= 64, "one bit per phrase");
    _Static_assert(PAIR_SLOTS > 2 * (N_BOILERPLATE + N_CHROME), "room in pair_table");
    static unsigned char pairs[65536 / 8];
    static int ready;
    if (!ready) {
        for (size_t i = 0; i < N_BOILERPLATE + N_CHROME; i++) {
            const char *ph = i < N_BOILERPLATE ? boilerplate[i] : chrome[i - N_BOILERPLATE];
            unsigned pr = pair_at(ph);
            size_t k = pair_slot(pr);
            pair_table[k].pair = pr;
            pair_table[k].phrases |= (uint64_t)1 << i;
            pairs[pr / 8] |= (unsigned char)(1u << pr % 8);
        }
        ready = 1;
    }
    const uint64_t bp_bits = ((uint64_t)1 << N_BOILERPLATE) - 1;
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
        uint64_t m = pair_table[pair_slot(k)].phrases;
        /* boilerplate first (it decides), chrome only while nothing was found */
        for (uint64_t b = m & bp_bits; b && hit < 2; b &= b - 1) {
            size_t i = (size_t)__builtin_ctzll(b);
            if (starts_lower(s + at, n - at, boilerplate[i]))
                hit = 2;
        }
        for (uint64_t b = m & ~bp_bits; b && !hit; b &= b - 1) {
            size_t i = (size_t)__builtin_ctzll(b) - N_BOILERPLATE;
            if (starts_lower(s + at, n - at, chrome[i]))
                hit = 1;
        }
        k >>= 8;
    }
    /* Ads and a link's bare label are never the summary (issue 18: an episode summarized
     * as "Use code GRUBER for 10% off your first order.", a Hacker News item as
     * "Comments"); only sentences that reach the choice are looked at. */
    if (hit < 2 && (is_ad(s, n) || is_label_only(s, n)))
        hit = 2;
    /* A line that is only a URL. */
    if (!hit && (starts_lower(s, n, "http://") || starts_lower(s, n, "https://") ||
                 starts_lower(s, n, "www.")))
        hit = memchr(s, ' ', n) == NULL ? 2 : 0;
    return hit;
}

/* Sentence text with white space collapsed, escaped as markdown. */
char *summarize_sentence_md(const char *s, size_t n)
{
    /* str_squash_ws(xstrndup(s, n)) in one pass: is_space_byte() is isspace() of the C
     * locale, the daemon's */
    char *plain = xmalloc(n + 1), *w = plain;
    int space = 0;
    for (size_t i = 0; i < n; i++) {
        if (is_space_byte(s[i])) {
            space = 1;
            continue;
        }
        if (space && w != plain)
            *w++ = ' ';
        space = 0;
        *w++ = s[i];
    }
    *w = '\0';
    struct buf b = {0};
    md_escape_text(&b, plain);
    free(plain);
    return buf_steal(&b);
}
