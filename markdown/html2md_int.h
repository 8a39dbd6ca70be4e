/* markdown/html2md_int.h: internals shared by the HTML-to-markdown converter's files
 * (html2md.c: parsing and the tree walk; md_inline.c and md_blocks.c: the markdown writer;
 * md_emphasis.c and md_escape.c: emphasis markers and escaping; html2md_render.c,
 * html2md_pre.c, html2md_table.c: the renderers keyed by tag; html_sanitize.c: URL and
 * tracker policy; html_text.c: plain text). Not a public interface: only this folder's
 * converter files include it. */
#ifndef FEEDSD_HTML2MD_INT_H
#define FEEDSD_HTML2MD_INT_H

#include <stddef.h>
#include <libxml/HTMLparser.h>

#include "common/scan.h"
#include "common/util.h"
#include "markdown/html_sanitize.h"

/* How the walker treats an element. */
enum html_kind {
    HK_INLINE,   /* text-level: renders into the current inline run */
    HK_BLOCK,    /* starts and ends a block (paragraph boundary) */
    HK_SKIP,     /* neither the element nor its content is rendered */
    HK_EMBED,    /* replaced content (iframe, video...): children are fallback, skipped */
    HK_BREAK,    /* <br>: a hard line break */
    HK_CELL,     /* table cell: white space on both sides in plain text */
    HK_PRE,      /* preformatted block */
};

struct md;
struct md_frame;

/* What an open renderer asks of the walker. */
enum { MD_DESCEND = 0, MD_NO_CHILDREN = 1 };

struct html_elem {
    const char *name;                       /* lower-case tag, the table's sort key */
    enum html_kind kind;
    int (*open)(struct md *, struct md_frame *);
    void (*close)(struct md *, struct md_frame *);
    const char *arg;                        /* renderer argument: marker, label, level */
};

/* What a renderer's open did with its element, so that its close undoes exactly that
 * (md_frame.mode; a frame starts as MD_MODE_NONE). */
enum md_mode {
    MD_MODE_NONE,        /* nothing: the content renders as plain content (in <pre>, inside
                          * a link, nested emphasis of the same kind...) */
    MD_MODE_OPEN,        /* rendered as itself: a block, a container, a span, a link */
    MD_MODE_INLINE,      /* a block in an inline context (a heading, a link, a cell): its
                          * content between spaces; a link in <pre>: marked in the raw text */
    MD_MODE_CODE_PIECES, /* a <code> that holds links: code pieces split around them */
    MD_MODE_TOO_DEEP,    /* a quote or list item past MD_MAX_CONTAINERS: a plain block */
    MD_MODE_PRE_PIECES,  /* a <pre> in an inline context as code pieces around links */
};

/* One open element on the walker's explicit stack (never the C stack: 100000 nested
 * <div>s must not overflow it). */
struct md_frame {
    xmlNode *node;
    const struct html_elem *e;
    enum md_mode mode; /* what open did; close undoes exactly that */
    size_t mark;       /* offset into md.inl where this element's inline content starts */
    long counter;      /* ordered lists: next item number; cells: colspan */
    long items;        /* lists: items rendered so far */
    char *url, *title; /* links: sanitised absolute URL and title, owned by the frame */
    int code_outside, split_outside; /* cells: md.code, md.code_split and */
    size_t code_mark_outside;        /* md.code_mark around them */
};

/* Containers prefix every line of their content: "> " for quotes, the marker (first line)
 * or its width in spaces (later lines) for list items. */
#define MD_MAX_CONTAINERS 16
struct md_container {
    char kind;         /* 'q' quote, 'l' list item */
    char marker[16];
    unsigned char width;
    int pending;       /* list marker not printed yet */
};

struct md_table {
    int active;
    int in_cell;
    char ***rows;      /* rows[i] is a NULL-terminated array of cell strings */
    size_t *ncells;
    size_t nrows, cap;
    char *caption;
};

struct md {
    struct buf out;    /* finished markdown lines */
    struct buf inl;    /* current inline run; '\n' in it means a hard line break */
    struct buf resolved; /* md_flush: the run with its markers placed (kept for reuse) */
    const char *base;  /* base URL for relative href/src, may be NULL */
    size_t limit;      /* output cap in bytes (bounded by the input size) */

    struct md_container ctr[MD_MAX_CONTAINERS];
    int nctr;
    int need_blank;    /* a blank line separates the next line from the last block */
    int blank_depth;   /* containers whose prefix the blank line carries */

    int inline_only;   /* >0: block boundaries become spaces (headings, cells, links) */
    int raw;           /* >0: inside <pre>: text kept byte for byte */
    int code;          /* >0: inside inline code: text not escaped */
    int link;          /* >0: inside a link: nested links render as text */
    int strong, em, del;
    int code_split;    /* inside a <code> that holds links: one code span per piece */
    size_t code_mark;  /* code_split: where the current code piece starts in inl */
    char **pre_urls;   /* links inside the open <pre>, in order (html2md_pre.c) */
    size_t npre_urls;

    struct md_frame *frames;
    size_t nframes, capframes;
    struct md_table table;
};

/* html2md.c: the parser front end. html_parse is html_parse_runs(html, len, HTML_MIN_RUN,
 * NULL): text runs of HTML_MIN_RUN bytes or more go past libxml2 (html_runs.h), when the
 * accelerator is on (xml_accel_on(XML_ACCEL_HTML_RUNS)); shorter ones are not worth
 * their marker. Tests and the fuzz target hide every run (min_run 1), and learn from
 * *hid_runs (may be NULL) whether the parse went through html_runs: when it did not, it
 * parsed the document as it is, and a second parse of it is the same call; libxml2 alone
 * is not always repeatable then (htmlParseNameComplex with a long name depends on where
 * realloc put its buffer), so they compare trees only after a hidden parse. */
#define HTML_MIN_RUN 32
htmlDocPtr html_parse(const char *html, size_t len);
htmlDocPtr html_parse_runs(const char *html, size_t len, size_t min_run, int *hid_runs);
/* The two walks over a parsed document, which they only read (the caller frees it):
 * markdown (html2md.c; len is the HTML's length, for the output cap) and visible text
 * (html_text.c). html2md, html_to_text and html_convert are parse + these. */
char *md_from_doc(htmlDocPtr doc, size_t len, const char *base_url);
/* The same walk from first and its next siblings (and what they hold) up to the end of
 * their parent; a node without a parent is walked alone (readability_md.c). */
char *md_from_node(xmlNode *first, size_t len, const char *base_url);
char *html_text_from_doc(htmlDocPtr doc);
void md_text(struct md *w, const char *s);            /* a text node */
void md_token(struct md *w, const char *s, size_t n); /* pre-escaped markdown, no spaces */
void md_space(struct md *w);                          /* collapsible white space */
void md_hard_break(struct md *w);
void md_block_begin(struct md *w);
void md_block_end(struct md *w);
void md_flush(struct md *w);                          /* inline run -> paragraph lines */
void md_emit_line(struct md *w, const char *s, size_t n);
void md_set_blank(struct md *w);
int md_push_container(struct md *w, char kind, const char *marker);
void md_pop_container(struct md *w);
/* Takes inl[mark..] out of the run: trimmed copy returned (malloc'd), run cut at mark;
 * *lead / *trail tell whether white space surrounded the content. */
char *md_take(struct md *w, size_t mark, int *lead, int *trail);
/* md_take() without the copy, for a renderer that puts the content back between two
 * tokens: when the trimmed content is not empty, the run becomes what md_space(), then
 * md_token(before, nb) and md_token(content) would make of it (the caller appends the
 * token after), and 1 is returned; otherwise the run is cut at mark and 0 returned. */
int md_wrap_begin(struct md *w, size_t mark, const char *before, size_t nb, int *lead,
                  int *trail);

/* Sentinels in the inline run, replaced when a paragraph, heading or cell is complete:
 * MD_MARK_OPEN/MD_MARK_CLOSE followed by 's' (strong), 'e' (emphasis) or 'd'
 * (strikethrough) stand for emphasis markers; MD_SYNTAX brackets a link, image or code
 * token, which must stay whole. Control bytes from the document are dropped (md_text),
 * so these cannot come from the input. */
#define MD_MARK_OPEN '\x01'
#define MD_MARK_CLOSE '\x02'
#define MD_SYNTAX '\x03'
void md_syntax(struct md *w, const char *s, size_t n); /* a token bracketed by MD_SYNTAX */
void md_code_token(struct buf *t, const char *c, size_t n); /* c as one code span */
/* md_syntax() for a code span token, merged into a code span right before it when that
 * is safe (see code_span_merge in md_inline.c). */
void md_code_syntax(struct md *w, const char *s, size_t n, int ignore_top);

/* Links inside <pre>: MD_PRE_LINK_START, the link text, MD_PRE_LINK_END in the raw text;
 * the URLs are in md.pre_urls. */
#define MD_PRE_LINK_START '\x04'
#define MD_PRE_LINK_END '\x05'

/* md_emphasis.c: the run with real markers placed where CommonMark reads them as meant
 * (section 6.4 flanking rules), sentinels removed. malloc'd. */
char *md_marks_resolve(const char *s, size_t n);
/* The same, appended to out. */
void md_marks_resolve_into(struct buf *out, const char *s, size_t n);

/* The bytes markdown escaping treats specially, listed once for its two writers (md_escape.c:
 * md_escape_inline, text taken whole; md_inline.c: md_text, the text nodes of the walk),
 * each an X-macro over X(byte):
 *   MD_ESCAPE_ALWAYS: they open or close inline constructs wherever they stand (code
 *     spans, emphasis, links and images, autolinks and raw HTML, GFM tables and
 *     strikethrough, the backslash itself): always escaped;
 *   MD_ESCAPE_MAYBE: escaped where they start an entity reference or a GFM autolink
 *     (md_escape_at);
 *   MD_INVISIBLE: C0 controls other than white space, and DEL: dropped (browsers render
 *     them as nothing; three are the writer's own sentinels). */
#define MD_ESCAPE_ALWAYS(X) X('\\') X('`') X('*') X('_') X('[') X(']') X('<') X('|') X('~')
#define MD_ESCAPE_MAYBE(X) X('&') X(':') X('.')
#define MD_INVISIBLE(X)                                                                    \
    X(0x01) X(0x02) X(0x03) X(0x04) X(0x05) X(0x06) X(0x07) X(0x08) X(0x0B) X(0x0E)      \
    X(0x0F) X(0x10) X(0x11) X(0x12) X(0x13) X(0x14) X(0x15) X(0x16) X(0x17) X(0x18)      \
    X(0x19) X(0x1A) X(0x1B) X(0x1C) X(0x1D) X(0x1E) X(0x1F) X(0x7F)

/* md_escape.c, md_inline.c: of sixteen bytes of text, those that escaping does not simply
 * copy (md_escape_inline's table, and a few more: '^', '}' and the white space
 * controls): C0 controls, [ \ ] ^ _ `, | } ~ DEL, and & * . : <. */
static inline scan_vec md_escape_look(scan_vec v)
{
    scan_vec m = scan_or(scan_le(v, 0x1F), scan_range(v, 0x5B, 0x60));
    m = scan_or(m, scan_range(v, 0x7C, 0x7F));
    m = scan_or(m, scan_or(scan_eq(v, '&'), scan_eq(v, '*')));
    m = scan_or(m, scan_or(scan_eq(v, '.'), scan_eq(v, ':')));
    return scan_or(m, scan_eq(v, '<'));
}

/* md_escape.c: 1 when s[i], an '&', ':' or '.' of the text s[0..n), must be escaped: it
 * starts an entity reference, or ends "www" or the scheme of a GFM autolink. s is where
 * the word starts (the checks look back to it, five bytes at most). Forward, a check that
 * succeeds reads no white space and no control character, so n may run past the end of
 * the word. */
int md_escape_at(const char *s, size_t n, size_t i);

/* html2md_render.c */
const struct html_elem *html_elem_lookup(const char *name);
int html_elem_table_check(void);     /* 0 when the table is sorted (for the unit test) */

/* html2md_render.c: code spans, shared with html2md_pre.c */
int code_open(struct md *w, struct md_frame *f);
void code_close(struct md *w, struct md_frame *f);
/* inl[mark..] -> one code span token; ignore_top as md_code_syntax() */
void md_code_span(struct md *w, size_t mark, int ignore_top);
size_t md_longest_run(const char *s, size_t n, char c);   /* longest run of c */

/* html2md_pre.c: renderers of pre, listing, xmp, plaintext */
int pre_open(struct md *w, struct md_frame *f);
void pre_close(struct md *w, struct md_frame *f);
void md_pre_link(struct md *w, const char *url);  /* a link starts inside <pre> */
void md_pre_free(struct md *w);

/* html2md_table.c: renderers of table, tr, td/th/caption */
int table_open(struct md *w, struct md_frame *f);
void table_close(struct md *w, struct md_frame *f);
int row_open(struct md *w, struct md_frame *f);
void row_close(struct md *w, struct md_frame *f);
int cell_open(struct md *w, struct md_frame *f);
void cell_close(struct md *w, struct md_frame *f);

/* html_sanitize.c: the URL and tracker policy (html_sanitize.h), and */
/* Appends url as a markdown link destination (spaces and unbalanced parentheses escaped). */
void md_put_url(struct buf *b, const char *url);
/* Appends a link title in double quotes, escaped. */
void md_put_title(struct buf *b, const char *title);

#endif
