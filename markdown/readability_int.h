/* markdown/readability_int.h: what the files of the article extractor share: the tag
 * table and the class/id hints (readability_hints.c), the per-element counts, the tree
 * walks and node lists, the preparation and cleaning passes (readability_clean.c) and the
 * metadata reader (page_meta.c). readability.c scores and chooses. */
#ifndef FEEDSD_READABILITY_INT_H
#define FEEDSD_READABILITY_INT_H

#include <stddef.h>

#include <libxml/tree.h>

#include "markdown/readability.h"

/* The three filters that an attempt may leave off, as Readability.js tries them: an
 * article shorter than RD_RETRY_TEXT characters is extracted again with one fewer, and
 * the longest of the attempts is kept. */
enum rd_flag {
    RD_STRIP_UNLIKELY = 1,   /* remove elements whose class/id reads as boilerplate */
    RD_WEIGHT_CLASSES = 2,   /* class/id hints add to or take from a candidate's score */
    RD_CLEAN_COND = 4,       /* remove link lists, forms and image strips from the article */
};
/* The passes record in a mask (`used`) the filters that changed something: an attempt
 * without a filter that changed nothing would repeat the one before, and is skipped. */

/* Readability.js's charThreshold: below it an attempt is tried again. */
#define RD_RETRY_TEXT 500

enum rd_tag_flag {
    T_DROP = 1,   /* never content: removed with everything inside */
    T_PARA = 2,   /* scored as a paragraph */
    T_BLOCK = 4,  /* block-level: a <div> holding one is a container, not a paragraph */
    T_COND = 8,   /* cleaned conditionally (link lists, forms, image strips) */
    T_LIST = 16,  /* a list: judged by its items, not by its links alone */
    T_KEEP = 32,  /* never an unlikely candidate, whatever its class */
    T_HEAD = 64,  /* a heading */
};

struct rd_tag {
    const char *name;
    int base;      /* the starting score of a candidate (Readability's values) */
    unsigned flags;
};

const struct rd_tag *rd_tag_of(const xmlNode *n);
int rd_is_element(const xmlNode *n);
int rd_is(const xmlNode *n, const char *name);

/* The kinds of words that class and id attributes are read for. */
enum rd_hint {
    HINT_UNLIKELY,   /* boilerplate: the element is removed (RD_STRIP_UNLIKELY) */
    HINT_MAYBE,      /* ...unless it also reads as one of these */
    HINT_POSITIVE,   /* +25 */
    HINT_NEGATIVE,   /* -25 */
    HINT_BYLINE,     /* the author line */
    HINT_COMMENTS,   /* readers' comments */
    N_HINTS
};
/* 1 when the element's class or id (together) holds a word of that kind. */
int rd_hint_match(xmlNode *n, enum rd_hint kind);
/* Class weight: -25 / +25 for class and for id each, as Readability.js weighs them. */
int rd_class_weight(xmlNode *n);
/* 1 when a role attribute marks the element as navigation, a dialog or a side column. */
int rd_unlikely_role(xmlNode *n);

/* Per element: its visible text, the part of it inside links, commas written in prose
 * (not between links), and its score as a candidate. */
struct rd_info {
    double score;
    size_t text, link_text, commas;
    int scored;
    int in_data;   /* in a table of data, or one (readability_clean.c) */
};

static inline struct rd_info *rd_info_of(const xmlNode *n)
{
    return (struct rd_info *)n->_private;
}

double rd_link_density(const struct rd_info *i);
/* Whether n's text is never shown: a script, a style, a noscript or a template. */
int rd_unseen(const xmlNode *n);
/* Next node in document order below root, descending into children unless skip. */
xmlNode *rd_next(xmlNode *n, xmlNode *root, int skip);
/* Characters of a text (white space runs count once) and its commas. */
void rd_count_text(const char *s, size_t *chars, size_t *commas);
/* The same of a text that goes on from one before it: *after_space (1 at the start) says
 * whether that one ended in white space, and is left so for the next. */
void rd_count_more(const char *s, int *after_space, size_t *chars, size_t *commas);
/* Readability.js's _textSimilarity: the share of b's text (as words) that is words of a. */
double rd_similarity(const char *a, const char *b);
/* Counts every element below body (body included) into a fresh array of rd_info, hung
 * on each element's _private. The caller frees the array (after the document). */
struct rd_info *rd_measure(xmlNode *body);

struct rd_nodes {
    xmlNode **v;
    size_t n, cap;
};
void rd_nodes_add(struct rd_nodes *l, xmlNode *n);
/* Unlinks and frees every node of l (none may hold another), and empties l. */
void rd_nodes_remove(struct rd_nodes *l);

/* readability_clean.c. Before scoring: drops what is never content and, with
 * RD_STRIP_UNLIKELY, the unlikely candidates; with take_byline, takes the first byline
 * element out (its text into *byline when that is NULL); takes out the first <h1> or
 * <h2> that repeats title (may be NULL: the reader shows the title above the article);
 * makes lazy images real. */
void rd_prepare(xmlNode *body, unsigned flags, int take_byline, char **byline,
                const char *title, unsigned *used);
/* After choosing: the article's boilerplate blocks (headings with negative class
 * weight, and with RD_CLEAN_COND the link lists, forms and image strips), inner blocks
 * first; a block that goes takes its counts out of its ancestors'. A line that repeats
 * title (may be NULL) goes too. */
void rd_clean(xmlNode *root, unsigned flags, const char *title, unsigned *used);

/* readability_md.c: the markdown of the article made of nodes[0..n) of doc (taken out of
 * the page's tree, which the caller then frees), byte for byte html2md of the HTML that
 * readability_extract makes of them; len (the page's length) sets the output cap. */
char *rd_article_md(xmlDoc *doc, xmlNode **nodes, size_t n, size_t len, const char *base);

/* page_meta.c: the metadata of the document (before rd_prepare changes it). */
void page_meta_read(xmlDoc *doc, const char *base, struct page_meta *meta);

#endif
