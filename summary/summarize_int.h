/* summary/summarize_int.h: what the files of the built-in summarizer share (not for other
 * modules: they use summary/summarize.h). summarize_terms.c: a text's content terms and
 * their counts; summarize_sentences.c: sentences, and which are boilerplate;
 * summarize.c: the scores and the choice. */
#ifndef FEEDSD_SUMMARIZE_INT_H
#define FEEDSD_SUMMARIZE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "common/utf8.h"

#define MAX_SENTENCES 4096 /* a post longer than this is summarized from its start */

/* ---- characters ---------------------------------------------------------------------- */

/* One character of the text and its length (common/utf8.h): the summarizer's text is
 * valid UTF-8 (html_to_text of a parse that replaced every ill-formed byte); an
 * ill-formed byte, which a test may hand over, is a character of its own. */
static inline uint32_t utf8_next(const char *s, size_t n, size_t *len)
{
    return utf8_char_at((const unsigned char *)s, n, len);
}

static inline unsigned char ascii_lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* Han, kana, Hangul: scripts written without spaces between words (Hangul has spaces,
 * but bigrams serve it as well). */
static inline int is_cjk(uint32_t c)
{
    if (c < 0x3040) /* every character of Latin text: decided by one comparison */
        return 0;
    return (c >= 0x3040 && c <= 0x30FF) || (c >= 0x3400 && c <= 0x4DBF) ||
           (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xAC00 && c <= 0xD7AF) ||
           (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x20000 && c <= 0x2FFFF);
}

/* CJK text and its punctuation: sentences of it are joined without a space. */
static inline int is_cjk_text(uint32_t c)
{
    return is_cjk(c) || (c >= 0x3000 && c <= 0x303F) || (c >= 0xFF00 && c <= 0xFFEF);
}

/* ASCII letters and digits: the word characters of ASCII. */
static inline int ascii_word(uint32_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline int is_word_cp(uint32_t c)
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

/* ---- terms (summarize_terms.c) ------------------------------------------------------- */

/* Terms, appended without a check: the caller reserves room for a text's terms first
 * (summarize_terms_room). */
struct terms {
    uint64_t *v;
    size_t n, cap;
};

/* Term -> count across the post: open addressing on the 64-bit hashes. */
struct freq {
    uint64_t *key;
    unsigned *count;
    size_t cap;
};

/* The lookup tables of summarize_terms_of(); summarize_tables_init() runs it once. */
void summarize_terms_init(void);
/* Room for the terms of n more bytes of text: a term takes at least two bytes (a word of
 * two or more, or a CJK character of three). */
void summarize_terms_room(struct terms *t, size_t n);
/* Content terms of s: lower-cased words of two or more letters that are not stop words,
 * and bigrams (a lone character: unigram) of CJK runs, appended to out as their hash64.
 * summarize_tables_init() must have run, and summarize_terms_room(out, n). */
void summarize_terms_of(const char *s, size_t n, struct terms *out);
/* The count of h; a new key's count starts at 0 here, so only the keys are cleared
 * beforehand. */
unsigned *summarize_freq_slot(struct freq *f, uint64_t h);
/* Ascending order. */
void summarize_sort_terms(uint64_t *v, size_t n);

/* ---- sentences (summarize_sentences.c) ----------------------------------------------- */

struct sentence {
    size_t start, end;  /* byte range in the text */
    double score;
    int excluded;       /* boilerplate, a bare URL */
    char *md;           /* escaped markdown of the sentence */
};

/* The lookup tables of the terms and of the sentence splitter, filled on first use (the
 * daemon is single-threaded). */
void summarize_tables_init(void);
/* The sentences of t[0..n), at most MAX_SENTENCES, trimmed; *out is malloc'd. */
size_t summarize_split(const char *t, size_t n, struct sentence **out);
/* 2: template boilerplate (never chosen), 1: page chrome (chosen only when nothing else
 * is left), 0: the post's own sentence. */
int summarize_is_boilerplate(const char *s, size_t n);
/* ---- the title (summarize_title.c) -------------------------------------------------- */

/* 1 when sentence s[0..n) repeats the post's title (as a heading: the whole title or its
 * first two thirds, then nothing, or a tail that is no sentence: "(via ...) - 2024-12-04"). */
int summarize_is_title(const char *s, size_t n, const char *title);
/* Marks the sentences that repeat the title as never chosen (excluded 2); in a digest
 * (the title comes back after the start), ranks the opening of the title's section first
 * and the rest of the text as a last resort (excluded 1). Runs after the scores. */
void summarize_mark_title(const char *text, struct sentence *v, size_t count, const char *title);

/* The sentence as escaped markdown text (malloc'd). */
char *summarize_sentence_md(const char *s, size_t n);

#endif
