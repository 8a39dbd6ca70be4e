/* markdown/md_emphasis.c: placing emphasis and strikethrough markers so that a CommonMark/GFM
 * renderer reads them as the converter meant (owner: html2md engineer).
 *
 * Whether "**" opens or closes depends on the characters on both sides of it (CommonMark
 * 0.29 section 6.4, "left-flanking" and "right-flanking delimiter runs"): "**Note:**text"
 * is not bold, because a closer preceded by punctuation must be followed by white space
 * or punctuation. The renderers cannot know what follows an element when it closes, so
 * they write sentinels into the inline run (MD_MARK_OPEN/MD_MARK_CLOSE + kind, and
 * MD_SYNTAX around link, image and code tokens), and md_marks_resolve() places the real
 * markers once the whole run is known:
 *   - white space at the edges of the content moves outside the markers (a browser shows
 *     it all the same: "**Family —** x" for <b>Family —&#x200A;</b>x);
 *   - punctuation at an edge that makes the delimiter run non-flanking moves outside too
 *     ("**Note**:text" for <b>Note:</b>text): the visible text is unchanged, only the
 *     colon is not bold;
 *   - "_" is used for emphasis only where it cannot touch a word (section 6.4 rules 2
 *     and 4), "*" otherwise;
 *   - two adjacent spans of one kind merge ("**a****b**" would be a run of four);
 *   - a span that still cannot be written (its content is only punctuation, or starts
 *     with a link right after a word) keeps its text and loses the markers.
 * No escape or invisible character can replace these moves: an escaped "\:" is still
 * punctuation to the flanking rules, and a zero-width space would change the text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/scan.h"
#include "common/utf8.h"
#include "markdown/html2md_int.h"

enum { CC_SPACE, CC_PUNCT, CC_WORD };

/* Unicode white space (CommonMark 0.29 section 2.1: Zs plus tab, LF, FF, CR). */
static const uint32_t uspace[][2] = {
    {0x09, 0x0A}, {0x0C, 0x0D}, {0x20, 0x20}, {0xA0, 0xA0}, {0x1680, 0x1680},
    {0x2000, 0x200A}, {0x202F, 0x202F}, {0x205F, 0x205F}, {0x3000, 0x3000},
};

/* Unicode punctuation outside ASCII (general categories Pc Pd Ps Pe Pi Pf Po), the
 * blocks that occur in text: Latin-1, Armenian, Hebrew, Arabic, Devanagari, Thai,
 * General and Supplemental Punctuation, CJK, small and full-width forms. */
static const uint32_t upunct[][2] = {
    {0xA1, 0xA1}, {0xA7, 0xA7}, {0xAB, 0xAB}, {0xB6, 0xB7}, {0xBB, 0xBB}, {0xBF, 0xBF},
    {0x37E, 0x37E}, {0x387, 0x387}, {0x55A, 0x55F}, {0x589, 0x58A}, {0x5BE, 0x5BE},
    {0x5C0, 0x5C0}, {0x5C3, 0x5C3}, {0x5C6, 0x5C6}, {0x5F3, 0x5F4}, {0x609, 0x60A},
    {0x60C, 0x60D}, {0x61B, 0x61B}, {0x61E, 0x61F}, {0x66A, 0x66D}, {0x6D4, 0x6D4},
    {0x964, 0x965}, {0x970, 0x970}, {0xE4F, 0xE4F}, {0xE5A, 0xE5B}, {0x2010, 0x2027},
    {0x2030, 0x2043}, {0x2045, 0x2051}, {0x2053, 0x205E}, {0x207D, 0x207E},
    {0x208D, 0x208E}, {0x2308, 0x230B}, {0x2329, 0x232A}, {0x2768, 0x2775},
    {0x27C5, 0x27C6}, {0x27E6, 0x27EF}, {0x2983, 0x2998}, {0x29D8, 0x29DB},
    {0x29FC, 0x29FD}, {0x2E00, 0x2E4F}, {0x3001, 0x3003}, {0x3008, 0x3011},
    {0x3014, 0x301F}, {0x3030, 0x3030}, {0x303D, 0x303D}, {0x30A0, 0x30A0},
    {0x30FB, 0x30FB}, {0xFE10, 0xFE19}, {0xFE30, 0xFE52}, {0xFE54, 0xFE61},
    {0xFE63, 0xFE63}, {0xFE68, 0xFE68}, {0xFE6A, 0xFE6B}, {0xFF01, 0xFF03},
    {0xFF05, 0xFF0A}, {0xFF0C, 0xFF0F}, {0xFF1A, 0xFF1B}, {0xFF1F, 0xFF20},
    {0xFF3B, 0xFF3D}, {0xFF3F, 0xFF3F}, {0xFF5B, 0xFF5B}, {0xFF5D, 0xFF5D},
    {0xFF5F, 0xFF65},
};

static int in_ranges(uint32_t c, const uint32_t (*r)[2], size_t n)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (c < r[mid][0])
            hi = mid;
        else if (c > r[mid][1])
            lo = mid + 1;
        else
            return 1;
    }
    return 0;
}

static int char_class_of(uint32_t c)
{
    if (in_ranges(c, uspace, sizeof uspace / sizeof *uspace))
        return CC_SPACE;
    if (c < 0x80)
        return (c > 0x20 && c < 0x7F && !((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
                                           (c >= 'a' && c <= 'z')))
                   ? CC_PUNCT
                   : CC_WORD;
    return in_ranges(c, upunct, sizeof upunct / sizeof *upunct) ? CC_PUNCT : CC_WORD;
}

/* char_class_of(c), from a table for ASCII (made on first use from char_class_of itself,
 * so the two cannot disagree): every character of a post's text is classified, and most
 * are ASCII. Two ranges that hold most non-ASCII text (Latin letters with diacritics, the
 * CJK ideographs and kana) are words without a search: neither table has an entry in
 * them (U+00C0-U+037D, U+3100-U+FE0F). */
static unsigned char ascii_class[128];
/* What the scan over a stretch of text (scan_stretch) does with a byte: MB_WORD and
 * MB_OTHER are ASCII characters that are text of class word and not word, each an item or
 * part of a run of letters and digits, all words; MB_LOOK needs a closer look (the
 * sentinels, the backslash, bytes from 0x80). */
enum { MB_WORD, MB_OTHER, MB_LOOK };
static unsigned char byte_kind[256];
static int tables_ready;

static void tables_init(void)
{
    for (uint32_t a = 0; a < 128; a++)
        ascii_class[a] = (unsigned char)char_class_of(a);
    for (unsigned a = 0; a < 256; a++)
        byte_kind[a] = a >= 0x80 || a == MD_MARK_OPEN || a == MD_MARK_CLOSE || a == MD_SYNTAX ||
                               a == '\\'
                           ? MB_LOOK
                       : ascii_class[a] == CC_WORD ? MB_WORD
                                                   : MB_OTHER;
    __atomic_store_n(&tables_ready, 1, __ATOMIC_RELEASE);
}

static int is_word_range(uint32_t c)
{
    return (c >= 0xC0 && c < 0x37E) || (c >= 0x3100 && c < 0xFE10);
}

static int char_class(uint32_t c)
{
    if (c >= 0x80) {
        if (is_word_range(c))
            return CC_WORD;
        return char_class_of(c);
    }
    if (!__atomic_load_n(&tables_ready, __ATOMIC_ACQUIRE))
        tables_init();
    return ascii_class[c];
}

/* ---- the run as items -------------------------------------------------------------- */

enum { IT_TEXT, IT_SYNTAX, IT_OPEN, IT_CLOSE };

/* A text item is one character (an escaped one with its backslash), or a stretch of text
 * that begins and ends with a word character (see parse_items). */
struct item {
    size_t off;        /* bytes in the input */
    size_t len;
    unsigned char type;
    unsigned char cls; /* text: its class */
    char kind;         /* markers: 's', 'e', 'd' */
    unsigned char drop;
    size_t pair;       /* markers: index into the pair table */
};

struct pair {
    size_t o, c;       /* current item positions of the opener and the closer */
    int dead;
    char em;           /* emphasis: '*' or '_' */
    int stuck;         /* wrong, and nothing could move in this round */
};

/* The item and pair tables start in the run itself (most runs are a paragraph with a few
 * spans) and move to the heap when they outgrow it. */
#define RUN_ITEMS 64
#define RUN_PAIRS 8
struct run {
    const char *s;
    struct item *it;
    size_t n, cap;
    struct pair *pr;
    size_t npr, prcap;
    struct item it0[RUN_ITEMS];
    struct pair pr0[RUN_PAIRS];
};

/* p (n elements of size bytes, in local storage or on the heap) with room for cap. */
static void *table_grow(void *p, const void *local, size_t n, size_t cap, size_t size)
{
    if (p != local)
        return xrealloc(p, cap * size);
    void *q = xmalloc(cap * size);
    memcpy(q, p, n * size);
    return q;
}

static int is_marker(const struct item *x)
{
    return x->type == IT_OPEN || x->type == IT_CLOSE;
}

static int live(const struct run *r, const struct item *x)
{
    return is_marker(x) && !x->drop && !r->pr[x->pair].dead;
}

/* The character a live marker prints: '*' '_' or '~'. */
static char mchar(const struct run *r, const struct item *x)
{
    if (x->kind == 's')
        return '*';
    if (x->kind == 'd')
        return '~';
    return r->pr[x->pair].em;
}

/* Class of what a renderer sees next to the delimiter run that contains item i: live
 * markers printing the same character belong to the run (cmark-gfm reads "***" as one
 * run), dropped ones print nothing, other markers and link/image/code tokens (which
 * begin and end with punctuation) are punctuation, the run's ends are white space. */
static int outside(const struct run *r, size_t i, int dir, char ch)
{
    for (size_t j = i;;) {
        if (dir < 0 ? j == 0 : j + 1 >= r->n)
            return CC_SPACE;
        j = dir < 0 ? j - 1 : j + 1;
        const struct item *x = &r->it[j];
        if (x->type == IT_TEXT)
            return x->cls;
        if (x->type == IT_SYNTAX && !x->len) /* a stray sentinel prints nothing */
            continue;
        if (x->type == IT_SYNTAX)
            return CC_PUNCT;
        if (!live(r, x) || mchar(r, x) == ch)
            continue;
        return CC_PUNCT;
    }
}

/* CommonMark 0.29 section 6.4: can the run holding marker i open (want_open) or close? */
static int can(const struct run *r, size_t i, int want_open)
{
    char ch = mchar(r, &r->it[i]);
    int before = outside(r, i, -1, ch), after = outside(r, i, 1, ch);
    int left = after != CC_SPACE && (after != CC_PUNCT || before != CC_WORD);
    int right = before != CC_SPACE && (before != CC_PUNCT || after != CC_WORD);
    if (ch != '_')
        return want_open ? left : right;
    return want_open ? left && (!right || before == CC_PUNCT)
                     : right && (!left || after == CC_PUNCT);
}

static void swap_items(struct run *r, size_t a, size_t b)
{
    struct item t = r->it[a];
    r->it[a] = r->it[b];
    r->it[b] = t;
    const size_t at[2] = {a, b};
    for (int k = 0; k < 2; k++) {
        const struct item *x = &r->it[at[k]];
        if (x->type == IT_OPEN)
            r->pr[x->pair].o = at[k];
        else if (x->type == IT_CLOSE)
            r->pr[x->pair].c = at[k];
    }
}

static void kill_pair(struct run *r, struct pair *p)
{
    p->dead = 1;
    r->it[p->o].drop = 1;
    r->it[p->c].drop = 1;
}

/* White space or punctuation at an edge may move across a marker (a dropped marker
 * too: it prints nothing). Moving a word character would not help: the run would then
 * touch that word from outside. */
static int movable(const struct run *r, size_t i)
{
    const struct item *x = &r->it[i];
    return (x->type == IT_TEXT && x->cls != CC_WORD) || (is_marker(x) && !live(r, x));
}

/* 1 when the span prints some text between its markers. */
static int has_text(const struct run *r, const struct pair *p)
{
    for (size_t i = p->o + 1; i < p->c; i++)
        if (r->it[i].type == IT_TEXT || (r->it[i].type == IT_SYNTAX && r->it[i].len))
            return 1;
    return 0;
}

/* One repair step for a span: 1 when something moved, 0 when the span is fine, -1 when
 * it is wrong and nothing can move (its edge is a link, code or an inner span's edge
 * with no text to move). The character moved is the first (last) one inside the run of
 * markers at the edge, and it leaves every span it was in: "**_x:_**y" becomes
 * "**_x_**:y". */
static int settle(struct run *r, struct pair *p)
{
    if (!has_text(r, p)) {
        kill_pair(r, p);
        return 1;
    }
    if (!can(r, p->o, 1)) {
        size_t j = p->o + 1;
        while (j < p->c && live(r, &r->it[j]) && r->it[j].type == IT_OPEN)
            j++;
        if (j >= p->c || !movable(r, j))
            return -1;
        for (size_t k = j; k > p->o;) /* bubble it out to the left of the opener */
            swap_items(r, k - 1, k), k--;
        return 1;
    }
    if (!can(r, p->c, 0)) {
        size_t j = p->c - 1;
        while (j > p->o && live(r, &r->it[j]) && r->it[j].type == IT_CLOSE)
            j--;
        if (j <= p->o || !movable(r, j))
            return -1;
        for (size_t k = j; k < p->c;)
            swap_items(r, k, k + 1), k++;
        return 1;
    }
    return 0;
}

/* '_' neither opens nor closes next to a word (section 6.4 rules 2 and 4): emphasis
 * uses it only where both outer sides are white space or punctuation, else '*'. */
static void choose_em(struct run *r)
{
    for (size_t k = 0; k < r->npr; k++) {
        struct pair *p = &r->pr[k];
        if (p->dead || r->it[p->o].kind != 'e')
            continue;
        p->em = '_';
        int l = outside(r, p->o, -1, 0), rt = outside(r, p->c, 1, 0);
        if (l == CC_WORD || rt == CC_WORD)
            p->em = '*';
    }
}

static void settle_all(struct run *r)
{
    /* Each round moves one edge character of every wrong span out, or, when nothing
     * could move, drops the markers of the spans still wrong. Moves shrink spans and
     * drops remove them, so this ends; the bound is a guard. */
    for (int round = 0; round < 64; round++) {
        choose_em(r);
        int moved = 0, stuck = 0;
        for (size_t k = 0; k < r->npr; k++) {
            r->pr[k].stuck = 0;
            if (r->pr[k].dead)
                continue;
            int v = settle(r, &r->pr[k]);
            moved |= v > 0;
            r->pr[k].stuck = v < 0;
            stuck |= v < 0;
        }
        if (!moved && !stuck)
            return;
        if (!moved) /* only those found stuck: the others' state is from this round */
            for (size_t k = 0; k < r->npr; k++)
                if (r->pr[k].stuck && !r->pr[k].dead)
                    kill_pair(r, &r->pr[k]);
    }
    for (size_t k = 0; k < r->npr; k++) /* not reached in practice: plain text is safe */
        if (!r->pr[k].dead)
            kill_pair(r, &r->pr[k]);
}

static int ascii_alnum(unsigned char c)
{
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

static int is_kind(unsigned char c)
{
    return c == 's' || c == 'e' || c == 'd';
}

/* 1 when a marker or a syntax sentinel starts at s[i] (an item boundary). */
static int at_sentinel(const unsigned char *s, size_t n, size_t i)
{
    return s[i] == MD_SYNTAX ||
           ((s[i] == MD_MARK_OPEN || s[i] == MD_MARK_CLOSE) && i + 1 < n && is_kind(s[i + 1]));
}

/* The text item at s[i], an item boundary that is no sentinel (at_sentinel() is 0). */
static struct item text_item(const unsigned char *s, size_t n, size_t i)
{
    struct item x = {.off = i, .len = 1, .type = IT_TEXT};
    if (s[i] == '\\' && i + 1 < n && s[i + 1] < 0x80 && char_class(s[i + 1]) == CC_PUNCT) {
        x.len = 2; /* an escaped character moves with its backslash */
        x.cls = CC_PUNCT;
    } else if (ascii_alnum(s[i])) {
        size_t e = i + 1;
        while (e < n && ascii_alnum(s[e]))
            e++;
        x.cls = CC_WORD;
        x.len = e - i;
    } else {
        size_t k;
        x.cls = (unsigned char)char_class(utf8_char_at(s + i, n - i, &k));
        x.len = k;
    }
    return x;
}

static inline struct item *add_item(struct run *r)
{
    if (r->n == r->cap) {
        r->cap *= 2;
        r->it = table_grow(r->it, r->it0, r->n, r->cap, sizeof *r->it);
    }
    return &r->it[r->n++];
}

/* From i, an item boundary inside a stretch of text, to the end of the stretch: *end gets
 * where it ends (n or a sentinel), and the result is the end of its last word item (i when
 * there is none after i). Items are found exactly as text_item() finds them: ASCII
 * letters, digits, white space and punctuation other than the backslash (one byte each,
 * as far as word or not goes) and letters with diacritics of two bytes are looked at
 * sixteen bytes at a time, the others one by one. */
static size_t scan_stretch(const unsigned char *s, size_t n, size_t i, size_t *end)
{
    size_t last = i;
    while (i < n) {
        if (i + 16 <= n) {
            scan_vec v = scan_load(s + i);
            /* A closer look: controls and bytes from 0x80, DEL, the backslash. */
            scan_vec look = scan_or(scan_ctl_or_high(v),
                                    scan_or(scan_eq(v, 0x7F), scan_eq(v, '\\')));
            scan_vec word = scan_or(scan_range(v, '0', '9'),
                                    scan_range(scan_or_byte(v, 0x20), 'a', 'z'));
            /* Except a lead byte C3-CC and a continuation byte after it: a letter with a
             * diacritic (U+00C0-U+033F, all words), one item of two bytes. A lead is
             * never a continuation byte, so such pairs cannot overlap. */
            unsigned lead = scan_bits(scan_range(v, 0xC3, 0xCC));
            unsigned cont = scan_bits(scan_range(v, 0x80, 0xBF));
            unsigned pair = lead & (cont >> 1);
            unsigned ml = scan_bits(look) & ~(pair | pair << 1);
            unsigned mw = scan_bits(word) | pair << 1;
            unsigned k = ml ? (unsigned)__builtin_ctz(ml) : 16;
            if (k < 16)
                mw &= (1u << k) - 1;
            if (mw)
                last = i + 32 - (size_t)__builtin_clz(mw);
            i += k;
            if (k == 16)
                continue;
        }
        /* One item at i. */
        unsigned char c = s[i];
        unsigned char k = byte_kind[c];
        if (k == MB_WORD) {
            last = ++i;
            continue;
        }
        if (k == MB_OTHER) {
            i++;
            continue;
        }
        if (c == MD_SYNTAX)
            break;
        if (c == MD_MARK_OPEN || c == MD_MARK_CLOSE) {
            if (i + 1 < n && is_kind(s[i + 1]))
                break;
            last = ++i; /* a stray one: a word character (char_class_of) */
            continue;
        }
        if (c == '\\') {
            i += i + 1 < n && s[i + 1] < 0x80 && ascii_class[s[i + 1]] == CC_PUNCT ? 2 : 1;
            continue;
        }
        do { /* from 0x80: a run of such characters is common (accents, CJK) */
            size_t len;
            uint32_t u = utf8_char_at(s + i, n - i, &len);
            i += len;
            if (is_word_range(u) || char_class(u) == CC_WORD)
                last = i;
        } while (i < n && s[i] >= 0x80);
    }
    *end = i;
    return last;
}

/* The run as items: markers, syntax sentinels and text. Only text that touches a marker
 * can matter to the flanking rules (outside(), movable()), and only the characters up to
 * the first word character of a stretch of text and after its last one: those are items
 * of their own, as are the sentinels, and what lies between the two word characters is
 * one text item of class word (it never moves, and nothing looks inside it). */
static void parse_items(struct run *r, size_t n)
{
    const unsigned char *s = (const unsigned char *)r->s;
    size_t stack0[RUN_PAIRS] = {0}, *stack = stack0, depth = 0;
    if (!__atomic_load_n(&tables_ready, __ATOMIC_ACQUIRE))
        tables_init();
    for (size_t i = 0; i < n;) {
        if (s[i] == MD_MARK_OPEN || s[i] == MD_MARK_CLOSE || s[i] == MD_SYNTAX) {
            if (s[i] == MD_SYNTAX) {
                *add_item(r) = (struct item){.off = i, .len = 1, .type = IT_SYNTAX};
                i++;
                continue;
            }
            if (i + 1 < n && is_kind(s[i + 1])) {
                struct item x = {.off = i, .len = 2, .kind = (char)s[i + 1]};
                if (s[i] == MD_MARK_OPEN) {
                    if (r->npr == r->prcap) {
                        r->prcap *= 2;
                        r->pr = table_grow(r->pr, r->pr0, r->npr, r->prcap, sizeof *r->pr);
                        stack = table_grow(stack, stack0, depth, r->prcap, sizeof *stack);
                    }
                    x.type = IT_OPEN;
                    x.pair = r->npr;
                    r->pr[r->npr] = (struct pair){.o = r->n};
                    stack[depth++] = r->npr++;
                } else if (depth && r->it[r->pr[stack[depth - 1]].o].kind == x.kind) {
                    x.type = IT_CLOSE;
                    x.pair = stack[--depth];
                    r->pr[x.pair].c = r->n;
                } else { /* unbalanced (cannot happen): print nothing */
                    x.type = IT_SYNTAX;
                    x.len = 0;
                }
                *add_item(r) = x;
                i += 2;
                continue;
            }
        }
        /* A stretch of text: its characters up to the first word character one by one
         * (an ASCII letter, digit or control character is one: scan_stretch finds it). */
        size_t from = i;
        if (byte_kind[s[i]] != MB_WORD) {
            struct item x = text_item(s, n, i);
            while (x.cls != CC_WORD) {
                *add_item(r) = x;
                i += x.len;
                if (i >= n || at_sentinel(s, n, i))
                    break;
                x = text_item(s, n, i);
            }
            if (x.cls != CC_WORD)
                continue;
            from = i + x.len;
        }
        /* From that word character to the last one: one item. Then the rest one by one. */
        size_t end;
        size_t last = scan_stretch(s, n, from, &end);
        if (last < from)
            last = from;
        *add_item(r) = (struct item){.off = i, .len = last - i, .type = IT_TEXT, .cls = CC_WORD};
        for (i = last; i < end;) {
            struct item x = text_item(s, n, i);
            *add_item(r) = x;
            i += x.len;
        }
    }
    /* Openers left open (cannot happen) print nothing. */
    while (depth) {
        struct pair *p = &r->pr[stack[--depth]];
        r->it[p->o].drop = 1;
        p->dead = 1;
        p->c = p->o;
    }
    if (stack != stack0)
        free(stack);
}

/* A run with syntax sentinels but no markers (links and code, no emphasis): nothing can
 * move, so the text is the run without its sentinels, and a space keeps two code spans
 * apart where the sentinels between them were (as below). That is, unless a sentinel is
 * right after the first byte of an unfinished UTF-8 sequence (ill-formed: the writer's
 * runs are valid UTF-8, a test's need not be): such a run goes the long way, which reads
 * that byte as a character of its own (utf8_char_at), so 0 is returned and out is unchanged. */
static int resolve_tokens_only(struct buf *out, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t start = out->len;
    buf_grow(out, n);
    char *o = out->data + start;
    size_t i = 0;
    int after_token = 0;
    for (;;) {
        const unsigned char *q = memchr(u + i, MD_SYNTAX, n - i);
        size_t e = q ? (size_t)(q - u) : n;
        if (e > i) {
            if (after_token && u[i] == '`' && o > out->data + start && o[-1] == '`')
                *o++ = ' ';
            memcpy(o, u + i, e - i);
            o += e - i;
        }
        if (!q)
            break;
        for (size_t d = 1; d <= 3 && d <= e; d++) {
            unsigned char c = u[e - d];
            size_t len = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
            if (c >= 0xC0 && len > d) {
                out->len = start;
                out->data[start] = '\0';
                return 0;
            }
        }
        after_token = 1;
        i = e + 1;
    }
    *o = '\0';
    out->len = (size_t)(o - out->data);
    return 1;
}

void md_marks_resolve_into(struct buf *out, const char *s, size_t n)
{
    if (!memchr(s, MD_MARK_OPEN, n)) {
        if (!memchr(s, MD_SYNTAX, n)) {
            buf_append(out, s, n);
            return;
        }
        if (!memchr(s, MD_MARK_CLOSE, n) && resolve_tokens_only(out, s, n))
            return;
    }
    struct run r;
    r.s = s;
    r.it = r.it0;
    r.n = 0;
    r.cap = RUN_ITEMS;
    r.pr = r.pr0;
    r.npr = 0;
    r.prcap = RUN_PAIRS;
    parse_items(&r, n);
    /* Adjacent spans of one kind merge: the first one's opener pairs with the second
     * one's closer ("**a****b**" is a run of four stars, not two spans). */
    for (size_t i = 0; i + 1 < r.n; i++) {
        struct item *c = &r.it[i], *o = &r.it[i + 1];
        if (c->type == IT_CLOSE && o->type == IT_OPEN && c->kind == o->kind && !c->drop &&
            !o->drop && !r.pr[c->pair].dead && !r.pr[o->pair].dead) {
            struct pair *first = &r.pr[c->pair], *second = &r.pr[o->pair];
            size_t closer = second->c;
            c->drop = o->drop = 1;
            second->dead = 1;
            first->c = closer;
            r.it[closer].pair = c->pair;
        }
    }
    settle_all(&r);
    /* Text prints its bytes, a marker at most its two, a sentinel nothing; a space between
     * code spans comes before a text item. */
    buf_grow(out, n + r.n);
    size_t start = out->len;
    char *o = out->data + out->len;
    /* Text items: adjacent ones are copied as one run. */
    size_t run = 0, run_end = 0;
    for (size_t i = 0; i < r.n; i++) {
        const struct item *x = &r.it[i];
        if (x->type == IT_TEXT) {
            if (x->off != run_end) {
                memcpy(o, s + run, run_end - run);
                o += run_end - run;
                run = x->off;
                /* Two code spans that html2md could not merge (md_code_syntax), with
                 * only dropped markers or tokens between: their fences would touch and
                 * make one run of backticks, which closes neither. A space keeps them
                 * two spans. (Text never holds a bare backtick: it is escaped.) */
                if (s[x->off] == '`' && o > out->data + start && o[-1] == '`')
                    *o++ = ' ';
            }
            run_end = x->off + x->len;
        } else if (live(&r, x)) {
            memcpy(o, s + run, run_end - run);
            o += run_end - run;
            run = run_end;
            *o++ = mchar(&r, x);
            if (x->kind != 'e')
                *o++ = mchar(&r, x);
        }
    }
    memcpy(o, s + run, run_end - run);
    o += run_end - run;
    *o = '\0';
    out->len = (size_t)(o - out->data);
    if (r.it != r.it0)
        free(r.it);
    if (r.pr != r.pr0)
        free(r.pr);
}

char *md_marks_resolve(const char *s, size_t n)
{
    struct buf out = {0};
    buf_grow(&out, n);
    out.data[0] = '\0';
    md_marks_resolve_into(&out, s, n);
    return buf_steal(&out);
}
