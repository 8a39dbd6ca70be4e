/* summary/summarize.h: the built-in extractive summarizer: the few most informative sentences
 * of a post, kept in document order, within a length budget. Sentence splitting handles
 * Latin punctuation and Chinese/Japanese full stops (。！？); a CJK sentence cut at a
 * line break is ended with 。 in the summary. Needs no network. */
#ifndef FEEDSD_SUMMARIZE_H
#define FEEDSD_SUMMARIZE_H

#include <stddef.h>

struct summarize_opts {
    int max_sentences;     /* default 3 */
    size_t max_chars;      /* budget in bytes of UTF-8 output, default 600 */
    const char *title;     /* the post's title, or NULL: sentences that repeat it are never
                            * chosen, and a text that repeats it after its start (a
                            * digest) is summarized from there */
};

/* text: plain text (html_to_text output). Returns malloc'd markdown text (the chosen
 * sentences joined by spaces, markdown-escaped); "" when the text has no sentence. */
char *summarize_extractive(const char *text, const struct summarize_opts *opts);

/* The sentence splitter on its own (for tests and callers that need it): writes the byte
 * ranges [starts[i], ends[i]) of up to max sentences of text, trimmed; returns how many. */
size_t summarize_sentences(const char *text, size_t *starts, size_t *ends, size_t max);

#endif
