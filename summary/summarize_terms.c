/* summary/summarize_terms.c: the terms the built-in summarizer counts (summarize.c): the
 * lower-cased words of a text that are not stop words, and the character bigrams of CJK
 * text (it has no spaces between words), each as its hash64; and the table that counts
 * them across a post. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "summary/summarize_int.h"

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

void summarize_terms_init(void)
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


/* Room for the terms of n more bytes of text: a term takes at least two bytes (a word of
 * two or more, or a CJK character of three). */
void summarize_terms_room(struct terms *t, size_t n)
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
 * bytes are collected, not in a second pass over them. summarize_terms_init() must have run, and
 * summarize_terms_room(out, n). */
void summarize_terms_of(const char *s, size_t n, struct terms *out)
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
        uint32_t c;
        if (b0 < 0xE0 && utf8_decode(u + i, n - i, &c) == 2) {
            /* A two-byte character (accented Latin, Greek, Cyrillic...): what utf8_next,
             * is_word_cp and is_cjk below decide for it, in short. */
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
        size_t k = 1;
        c = utf8_next(s + i, n - i, &k);
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


/* The count of h; a new key's count starts at 0 here, so only the keys are cleared
 * beforehand. */
unsigned *summarize_freq_slot(struct freq *f, uint64_t h)
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
void summarize_sort_terms(uint64_t *v, size_t n)
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
