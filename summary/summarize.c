/* summary/summarize.c: the built-in extractive summarizer (owner: html2md/summarizer
 * engineer). Splits plain text into sentences (Latin . ! ? followed by a space, except
 * after abbreviations; CJK 。！？ without a space; line breaks), scores each by the
 * frequency of its content words across the whole post (Luhn 1958 / SumBasic: a sentence
 * that repeats the post's recurring terms is central to it; stop words and boilerplate do
 * not count; CJK text is scored by character bigrams, since it has no spaces), then keeps
 * the best few in document order within a byte budget. Deterministic: same text, same
 * summary. The output is markdown text, escaped with html2md's md_escape_text(). */
#include "summary/summarize.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "common/util.h"
#include "markdown/html2md.h"

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

static unsigned char ascii_lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
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
#define FNV_PRIME 0x100000001b3ULL /* hash64's (FNV-1a), applied a byte at a time below */

/* Every word of every post is looked up: an open-addressing set of the stop words, found
 * by the words' hash64 (the hash the word's term gets anyway), each slot holding its word
 * as a number (every stop word is at most 8 bytes long) to compare with in one step,
 * instead of a scan or a binary search of ~250 strings. Built on first use (the daemon is
 * single-threaded). */
#define STOP_SLOTS 1024 /* a power of two, above twice the number of stop words */
#define STOP_MAX 8      /* bytes in the longest stop word ("también") */

static uint64_t stop_word64[STOP_SLOTS];
static unsigned char stop_len[STOP_SLOTS];   /* 0: an empty slot */

/* word_lower[b]: the byte b lower-cased when it is an ASCII letter or digit, else 0 (the
 * bytes of multi-byte characters too). */
static unsigned char word_lower[256];

/* The first n <= 8 bytes of w, whose first 8 bytes are readable, as a number (the bytes
 * after the n-th count as zero). */
static uint64_t first8(const char *w, size_t n)
{
    uint64_t x;
    memcpy(&x, w, sizeof x);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    x = __builtin_bswap64(x);
#endif
    return n >= 8 ? x : x & ((1ULL << (8 * n)) - 1);
}

static void terms_init(void)
{
    for (size_t i = 0; i < N_STOP_WORDS; i++) {
        const char *w = stop_words[i];
        size_t n = strlen(w);
        char pad[8] = {0};
        if (n > STOP_MAX)
            abort(); /* the table above outgrew STOP_MAX: raise it */
        for (size_t j = 0; j < n; j++)
            pad[j] = w[j];
        uint64_t x = first8(pad, n);
        size_t k = (size_t)hash64(w, n) & (STOP_SLOTS - 1);
        while (stop_len[k] && !(stop_len[k] == n && stop_word64[k] == x))
            k = (k + 1) & (STOP_SLOTS - 1);
        stop_word64[k] = x;
        stop_len[k] = (unsigned char)n;
    }
    for (unsigned b = 0; b < 128; b++)
        if (ascii_word(b))
            word_lower[b] = (unsigned char)(b >= 'A' && b <= 'Z' ? b + 32 : b);
}

/* Whether the word w[0..n), whose hash64 is h, is a stop word. w has 8 readable bytes. */
static inline int is_stop_word(const char *w, size_t n, uint64_t h)
{
    if (n > STOP_MAX)
        return 0;
    uint64_t x = first8(w, n);
    for (size_t k = (size_t)h & (STOP_SLOTS - 1); stop_len[k]; k = (k + 1) & (STOP_SLOTS - 1))
        if (stop_len[k] == n && stop_word64[k] == x)
            return 1;
    return 0;
}

/* Terms, appended without a check: the caller reserves room for a text's terms first
 * (terms_room). */
struct terms {
    uint64_t *v;
    size_t n, cap;
};

/* Room for the terms of n more bytes of text: a term takes at least two bytes (a word of
 * two or more, or a CJK character of three). */
static void terms_room(struct terms *t, size_t n)
{
    size_t need = t->n + n / 2 + 1;
    if (!t->v || need > t->cap) {
        t->cap = need > 2 * t->cap ? need : 2 * t->cap;
        t->v = xrealloc(t->v, t->cap * sizeof *t->v);
    }
}

/* The word w[0..wl), hashed to h, as a term: two bytes or more, not truncated, not a
 * stop word. */
static inline void word_term(const char *w, size_t wl, uint64_t h, size_t cap,
                             struct terms *out)
{
    if (wl >= 2 && wl < cap && !is_stop_word(w, wl, h))
        out->v[out->n++] = h;
}

/* Content terms of s: lower-cased words of two or more letters that are not stop words,
 * and bigrams (a lone character: unigram) of CJK runs. A word's hash64 is computed as its
 * bytes are collected, not in a second pass over them. terms_init() must have run, and
 * terms_room(out, n). */
static void terms_of(const char *s, size_t n, struct terms *out)
{
    const unsigned char *u = (const unsigned char *)s;
    char word[64] = {0};
    size_t wl = 0;
    uint64_t h = HASH64_INIT;
    uint32_t prev_cjk = 0;
    for (size_t i = 0; i < n;) {
        unsigned char b0 = u[i];
        if (b0 < 0x80) { /* most of most posts: no decoding, no CJK */
            unsigned char lc = word_lower[b0];
            if (lc) { /* the whole run of ASCII word characters */
                do {
                    if (wl < sizeof word) {
                        word[wl++] = (char)lc;
                        h = (h ^ lc) * FNV_PRIME;
                    }
                } while (++i < n && (lc = word_lower[u[i]]) != 0);
                prev_cjk = 0;
                continue;
            }
            if (wl) {
                word_term(word, wl, h, sizeof word, out);
                wl = 0;
                h = HASH64_INIT;
            }
            prev_cjk = 0;
            i++;
            continue;
        }
        if (b0 >= 0xC2 && b0 <= 0xDF && i + 1 < n && (u[i + 1] & 0xC0) == 0x80) {
            /* A two-byte character (accented Latin, Greek, Cyrillic...): what utf8_next,
             * is_word_cp and is_cjk below decide for it, in short. */
            uint32_t c = (uint32_t)(b0 & 0x1F) << 6 | (u[i + 1] & 0x3F);
            if (c > 0xBF && c != 0xD7 && c != 0xF7) {
                for (size_t j = 0; j < 2 && wl < sizeof word; j++) {
                    word[wl++] = (char)u[i + j];
                    h = (h ^ u[i + j]) * FNV_PRIME;
                }
            } else if (wl) {
                word_term(word, wl, h, sizeof word, out);
                wl = 0;
                h = HASH64_INIT;
            }
            prev_cjk = 0;
            i += 2;
            continue;
        }
        /* (a malformed sequence may decode to an ASCII code point: as it always did) */
        size_t k = 1;
        uint32_t c = utf8_next(s + i, n - i, &k);
        if (is_word_cp(c)) {
            for (size_t j = 0; j < k && wl < sizeof word; j++) {
                unsigned char b = u[i + j];
                if (b >= 'A' && b <= 'Z')
                    b += 32;
                word[wl++] = (char)b;
                h = (h ^ b) * FNV_PRIME;
            }
        } else if (wl) {
            word_term(word, wl, h, sizeof word, out);
            wl = 0;
            h = HASH64_INIT;
        }
        if (is_cjk(c)) {
            uint32_t next = 0;
            size_t nk = 0;
            if (i + k < n)
                next = utf8_next(s + i + k, n - i - k, &nk);
            if (is_cjk(next)) {
                uint32_t pair[2] = {c, next};
                out->v[out->n++] = hash64(pair, sizeof pair);
            } else if (!prev_cjk) {
                out->v[out->n++] = hash64(&c, sizeof c);
            }
            prev_cjk = c;
        } else
            prev_cjk = 0;
        i += k;
    }
    if (wl)
        word_term(word, wl, h, sizeof word, out);
}

/* Term -> count across the post: open addressing on the 64-bit hashes. */
struct freq {
    uint64_t *key;
    unsigned *count;
    size_t cap;
};

/* The count of h; a new key's count starts at 0 here, so only the keys are cleared
 * beforehand. */
static unsigned *freq_slot(struct freq *f, uint64_t h)
{
    size_t i = (size_t)h & (f->cap - 1);
    while (f->key[i] && f->key[i] != h)
        i = (i + 1) & (f->cap - 1);
    if (!f->key[i]) {
        f->key[i] = h ? h : 1;
        f->count[i] = 0;
    }
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

#define N_ABBREVIATIONS (sizeof abbreviations / sizeof *abbreviations)
#define ABBR_MAX 6       /* the longest abbreviation ("approx") */
#define ABBR_PER_LETTER 12

/* The abbreviations by first letter, so that a word is compared with the few that could
 * be it, not the whole table. Filled by sentences_init(). */
static const char *abbr_by_letter[26][ABBR_PER_LETTER];

/* sent_byte[b]: whether sentence_end must look at byte b: a line break, . ! ?, and the
 * first bytes of the sequences that utf8_next can decode to one of those or to 。！？｡:
 * 0xE3 and 0xEF for the full stops, and 0xC0, 0xE0, 0xF0, 0xF8, whose sequences are
 * overlong (any other lead byte decodes to something else, and the other bytes of a
 * sequence are never one of these). Every other byte just continues the sentence. */
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
    sent_byte[0xC0] = sent_byte[0xE0] = sent_byte[0xE3] = sent_byte[0xEF] = 1;
    sent_byte[0xF0] = sent_byte[0xF8] = 1;
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
#ifdef __SSE2__
    /* x86-64 always has SSE2: sixteen bytes per step, compared with each byte that
     * sent_byte marks */
    static const unsigned char marked[] = {'\n', '.', '!', '?', 0xC0,
                                           0xE0, 0xE3, 0xEF, 0xF0, 0xF8};
    __m128i m[sizeof marked];
    for (size_t j = 0; j < sizeof marked; j++)
        m[j] = _mm_set1_epi8((char)marked[j]);
    for (; i + 16 <= n; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(u + i)), t = _mm_cmpeq_epi8(v, m[0]);
        for (size_t j = 1; j < sizeof marked; j++)
            t = _mm_or_si128(t, _mm_cmpeq_epi8(v, m[j]));
        unsigned bits = (unsigned)_mm_movemask_epi8(t);
        if (bits)
            return i + (size_t)__builtin_ctz(bits);
    }
#endif
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

/* The lookup tables of terms_of() and sentence_end(), filled on first use (the daemon
 * is single-threaded). */
static void tables_init(void)
{
    static int ready;
    if (!ready) {
        terms_init();
        sentences_init();
        ready = 1;
    }
}

static size_t split_sentences(const char *t, size_t n, struct sentence **out)
{
    tables_init();
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

/* ---- scoring and choice ------------------------------------------------------------------ */

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
        terms_room(&all, v[i].end - v[i].start);
        terms_of(text + v[i].start, v[i].end - v[i].start, &all);
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
        (*freq_slot(&f, all.v[i]))++;
    }
    for (size_t i = 0; i < count; i++) {
        size_t nt = first[i + 1] - first[i];
        /* the counts are taken: each sentence's terms are sorted where they are */
        uint64_t *u = all.v + first[i];
        sort_u64(u, nt);
        double sum = 0;
        for (size_t j = 0; j < nt; j++)
            if (j == 0 || u[j] != u[j - 1])
                sum += log_count(*freq_slot(&f, u[j]));
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
            if (pass == 0)
                s->excluded = is_boilerplate(text + s->start, s->end - s->start);
            if (s->excluded != pass)
                continue;
            if (best == SIZE_MAX)
                best = i;
            s->md = sentence_md(text + s->start, s->end - s->start);
            size_t need = strlen(s->md) + (picked ? 1 : 0);
            if (!*s->md || used + need > budget)
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
