/* feeds/identity.c: the exact key, alias keys and content hash of every entry of a parsed
 * feed (contract in feeds/identity.h). Owner: dates/URLs/identity engineer.
 *
 * Why each rule (see design-notes.md, "Dedup"):
 *   - The exact key never includes a date: newsboat keyed on link + date, so a bumped
 *     date became a "new" item forever.
 *   - Aliases are normalised URLs (url_normalize) of the id and the link, so a feed that
 *     rewrites its ids (http -> https, "#atom-everything" fragments dropped by
 *     simonwillison.net) is still recognised by the store.
 *   - An alias that two entries of one document share cannot tell them apart (podcast
 *     feeds that point every item at the show page), so it is dropped from all of them.
 *   - Invalid feeds reuse one GUID for different items: later occurrences get a key made
 *     distinct by a hash of their stable fields, and a counter when even that repeats.
 * Hashes run over whitespace-squashed text, so re-indented markup is not an "update". */
#include <stdlib.h>
#include <string.h>

#include "common/scan.h"
#include "common/util.h"
#include "feeds/identity.h"
#include "feeds/url.h"

/* ---- Hashing ----------------------------------------------------------------------- */

static int is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

#define FNV_PRIME 0x100000001b3ULL   /* FNV-1a, as hash64_update() in common/util.c */

/* Adds one field to an FNV-1a hash: its text with runs of whitespace squashed to one
 * space and the ends trimmed (NULL counts as empty), then a unit separator so that
 * ("ab","c") != ("a","bc"). The result is exactly what hash64_update() would give over
 * that text. Used for values stored in keys ("hash:" keys and the "|hash" of a repeated
 * key) and for the first version of the content hash, which must never change. */
static uint64_t hash_field(uint64_t h, const char *s)
{
    int started = 0, space = 0;
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if (is_ws((char)*p)) {
            space = started;   /* one space, and only between words */
            continue;
        }
        if (space) {
            h = (h ^ ' ') * FNV_PRIME;
            space = 0;
        }
        h = (h ^ *p) * FNV_PRIME;
        started = 1;
    }
    return (h ^ 0x1f) * FNV_PRIME;
}

/* The "hash:" key: title, summary, content and the first enclosure, never dates. */
static uint64_t hash_stable(const struct entry *e)
{
    uint64_t h = HASH64_INIT;
    h = hash_field(h, e->title);
    h = hash_field(h, e->summary);
    h = hash_field(h, e->content);
    h = hash_field(h, e->nenclosures ? e->enclosures[0].url : NULL);
    return h;
}

/* Disambiguates a repeated exact key: title, link and the text (summary and content, so
 * that RSS items that only carry a description still differ). Only computed for entries
 * whose key is already taken in the document: it is one multiply per byte of the post. */
static uint64_t hash_repeat(const struct entry *e)
{
    uint64_t h = hash_field(HASH64_INIT, e->title);
    h = hash_field(h, e->link);
    h = hash_field(h, e->summary);
    return hash_field(h, e->content);
}

void identity_content_hash_v1(const struct entry *e, char out[17])
{
    uint64_t h = hash_field(HASH64_INIT, e->title);
    h = hash_field(h, e->summary);
    h = hash_field(h, e->content);
    for (size_t i = 0; i < e->nenclosures; i++)
        h = hash_field(h, e->enclosures[i].url);
    hash_hex(h, out);
}

/* Appends s squashed as hash_field() sees it (runs of whitespace as one space, ends
 * trimmed; NULL as empty), then the unit separator 0x1f, to b. Eight bytes at a time
 * while they hold no byte at or below ' ' (the only ones that can be whitespace). */
static void squash_field(struct buf *b, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    buf_grow(b, n + 16);   /* room for the whole field, a separator and one 8-byte store */
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    unsigned char *o = (unsigned char *)b->data + b->len;
    int started = 0, space = 0;
    const unsigned char *scalar_until = p;
    while (p < end) {
        /* Prose: sixteen bytes at a time while they hold only single spaces between
         * other bytes, which squashing keeps as they are. Any other block (a tab, a
         * line break, two blanks) takes the byte loop below for its sixteen bytes. */
        if (started && !space && p >= scalar_until) {
            while (end - p >= 16) {
                scan_vec v = scan_load(p);
                unsigned low = scan_bits(scan_le(v, 0x20));
                unsigned sp = scan_bits(scan_eq(v, 0x20));
                if (low != sp || (sp & (sp >> 1)) || (sp & 0x8000u))
                    break;
                scan_store(o, v);
                o += 16;
                p += 16;
            }
            scalar_until = p + 16;
            if (p >= end)
                break;
        }
        if (end - p >= 8) {
            /* the bytes up to the first at or below ' ' (bytes >= 0x80 never are) */
            uint64_t t = scan_word_below(scan_word(p), 0x21);
            size_t run = t ? scan_word_first(t) : 8;
            if (run) {
                if (space) {
                    *o++ = ' ';
                    space = 0;
                }
                memcpy(o, p, 8);   /* only run bytes are kept */
                o += run;
                p += run;
                started = 1;
                continue;
            }
        }
        unsigned char c = *p++;
        if (is_ws((char)c)) {
            space = started;
            continue;
        }
        if (space) {
            *o++ = ' ';
            space = 0;
        }
        *o++ = c;
        started = 1;
    }
    *o++ = 0x1f;
    b->len = (size_t)(o - (unsigned char *)b->data);
}

/* The content hash, which decides "updated": everything a reader sees except dates
 * (title, summary, content, every enclosure), each field squashed as hash_field() does.
 * Version 2: XXH64 of the squashed fields, about five times cheaper than the FNV-1a of
 * version 1 (a multiply chain one byte at a time). Rows that still hold a version-1 hash
 * are recognised by db_entry_update (identity_content_hash_v1) and carried over. */
static void content_hash_v2(const struct entry *e, struct buf *scratch, char out[17])
{
    scratch->len = 0;
    squash_field(scratch, e->title);
    squash_field(scratch, e->summary);
    squash_field(scratch, e->content);
    for (size_t i = 0; i < e->nenclosures; i++)
        squash_field(scratch, e->enclosures[i].url);
    hash_hex(hash_xxh64(scratch->data, scratch->len, 0), out);
}

/* ---- A small string multiset (open addressing; keys are borrowed) -------------------- */

struct strcount {
    const char **keys;
    unsigned *counts;
    size_t cap;              /* power of two, at least twice the number of keys */
};

static void strcount_init(struct strcount *t, size_t n)
{
    t->cap = 16;
    while (t->cap < 2 * n + 1)
        t->cap *= 2;
    t->keys = xcalloc(t->cap, sizeof *t->keys);
    t->counts = xcalloc(t->cap, sizeof *t->counts);
}

static size_t strcount_slot(const struct strcount *t, const char *k)
{
    size_t i = (size_t)hash64(k, strlen(k)) & (t->cap - 1);
    while (t->keys[i] && strcmp(t->keys[i], k) != 0)
        i = (i + 1) & (t->cap - 1);
    return i;
}

static unsigned strcount_get(const struct strcount *t, const char *k)
{
    size_t i = strcount_slot(t, k);
    return t->keys[i] ? t->counts[i] : 0;
}

static void strcount_add(struct strcount *t, const char *k)
{
    size_t i = strcount_slot(t, k);
    t->keys[i] = k;
    t->counts[i]++;
}

static void strcount_free(struct strcount *t)
{
    free(t->keys);
    free(t->counts);
}

/* ---- Keys -------------------------------------------------------------------------- */

/* A trimmed copy, or NULL when s is NULL or only whitespace. */
static char *trimmed(const char *s)
{
    if (str_empty(s))
        return NULL;
    return str_trim(xstrdup(s));
}

static char *base_key(const struct entry *e, const struct identity_pre *pre)
{
    char *id = trimmed(e->id), *link = trimmed(e->link), *key;
    if (id) {
        key = xasprintf("id:%s", id);
    } else if (link) {
        key = xasprintf("link:%s", link);
    } else {
        char hex[17];
        hash_hex(pre ? pre->stable : hash_stable(e), hex);
        key = xasprintf("hash:%s", hex);
    }
    free(id);
    free(link);
    return key;
}

static void add_alias(struct identity *out, const char *url)
{
    char *n = url_normalize(url);
    if (!n)
        return;
    char *alias = xasprintf("url:%s", n);
    free(n);
    int dup = strcmp(alias, out->key) == 0;
    for (size_t i = 0; i < out->naliases; i++)
        dup |= strcmp(alias, out->aliases[i]) == 0;
    if (dup || out->naliases == IDENTITY_MAX_ALIASES) {
        free(alias);
        return;
    }
    out->aliases[out->naliases++] = alias;
}

/* Drops alias i of id, keeping the others in order. */
static void drop_alias(struct identity *id, size_t i)
{
    free(id->aliases[i]);
    memmove(&id->aliases[i], &id->aliases[i + 1],
            (id->naliases - i - 1) * sizeof id->aliases[0]);
    id->aliases[--id->naliases] = NULL;
}

/* Base keys (before disambiguation) -> the latest entry with that base key; earlier ones
 * are chained through prev[]. Keys are borrowed. */
struct basemap {
    const char **keys;
    size_t *last;            /* entry index + 1 */
    unsigned char *printed;  /* the holders' prints are in the prints multiset */
    size_t cap;
};

static size_t basemap_slot(const struct basemap *t, const char *k)
{
    size_t i = (size_t)hash64(k, strlen(k)) & (t->cap - 1);
    while (t->keys[i] && strcmp(t->keys[i], k) != 0)
        i = (i + 1) & (t->cap - 1);
    return i;
}

/* The print of an entry: its base key and repeat hash. Two entries with the same print
 * are the same item listed twice. */
static char *print_of(const char *base, uint64_t repeat)
{
    char rh[17];
    hash_hex(repeat, rh);
    return xasprintf("%s|%s", base, rh);
}

void identity_precompute(const struct entry *e, struct identity_pre *pre)
{
    memset(pre, 0, sizeof *pre);
    pre->stable = hash_stable(e);
    pre->repeat = hash_repeat(e);
    struct buf scratch = {0};
    content_hash_v2(e, &scratch, pre->content_hash);
    buf_free(&scratch);
}

/* With pre, the hashes of the entries' text come from it (the text may be gone). */
static void compute(const struct feed *f, const struct identity_pre *pre,
                    struct identity *out)
{
    if (!f || f->nentries == 0)
        return;
    size_t n = f->nentries;
    struct strcount used, aliases, prints;
    strcount_init(&used, n);
    strcount_init(&prints, n);
    char **fps = xcalloc(n, sizeof *fps);     /* prints, made only when needed */
    char **bases = xcalloc(n, sizeof *bases);
    size_t *prev = xcalloc(n, sizeof *prev);  /* index + 1 of the previous same base */
    uint64_t *repeats = xcalloc(n, sizeof *repeats);
    struct basemap bm;
    bm.cap = used.cap;
    bm.keys = xcalloc(bm.cap, sizeof *bm.keys);
    bm.last = xcalloc(bm.cap, sizeof *bm.last);
    bm.printed = xcalloc(bm.cap, 1);
    strcount_init(&aliases, n * IDENTITY_MAX_ALIASES);
    struct buf scratch = {0};

    for (size_t i = 0; i < n; i++) {
        const struct entry *e = &f->entries[i];
        struct identity *id = &out[i];
        memset(id, 0, sizeof *id);

        /* Exact key: the first occurrence keeps it; later ones get "|hash", then
         * "|hash|2", "|hash|3"... for true duplicates, so every key is distinct. */
        char *key = base_key(e, pre ? &pre[i] : NULL);
        bases[i] = xstrdup(key);
        size_t slot = basemap_slot(&bm, key);
        unsigned seen = 0;
        if (strcount_get(&used, key)) {
            /* Only now is the repeat hash needed: an entry whose key is still free has no
             * earlier entry with the same base key, so no earlier print can equal its
             * own. The earlier holders of this base key get their prints on the first
             * repeat; later ones as they come. */
            repeats[i] = pre ? pre[i].repeat : hash_repeat(e);
            if (bm.keys[slot] && !bm.printed[slot]) {
                for (size_t k = bm.last[slot]; k; k = prev[k - 1]) {
                    repeats[k - 1] = pre ? pre[k - 1].repeat : hash_repeat(&f->entries[k - 1]);
                    fps[k - 1] = print_of(bases[k - 1], repeats[k - 1]);
                    strcount_add(&prints, fps[k - 1]);
                }
                bm.printed[slot] = 1;
            }
            fps[i] = print_of(key, repeats[i]);
            /* The same key with the same stable fields is the same item listed twice. */
            seen = strcount_get(&prints, fps[i]);
            strcount_add(&prints, fps[i]);
            bm.printed[slot] = 1;
            char rh[17];
            hash_hex(repeats[i], rh);
            /* The n-th copy of an item starts at "|n": trying every earlier counter made
             * a feed of 10000 identical items cost 7 s (a hostile feed's easy win). */
            char *k2 = seen ? xasprintf("%s|%s|%u", key, rh, seen + 1) : xasprintf("%s|%s", key, rh);
            for (unsigned c = seen + 2; strcount_get(&used, k2); c++) {
                free(k2);
                k2 = xasprintf("%s|%s|%u", key, rh, c);
            }
            free(key);
            key = k2;
        }
        id->duplicate = seen > 0;
        /* Chain this entry under its base key (the map borrows bases[i]). */
        if (!bm.keys[slot])
            bm.keys[slot] = bases[i];
        prev[i] = bm.last[slot];
        bm.last[slot] = i + 1;
        id->key = key;
        strcount_add(&used, id->key);

        char *eid = trimmed(e->id);
        if (eid && url_is_http(eid))
            add_alias(id, eid);
        free(eid);
        if (e->link)
            add_alias(id, e->link);
        for (size_t k = 0; k < id->naliases; k++)
            strcount_add(&aliases, id->aliases[k]);

        if (pre)
            memcpy(id->content_hash, pre[i].content_hash, sizeof id->content_hash);
        else
            content_hash_v2(e, &scratch, id->content_hash);
    }
    buf_free(&scratch);
    free(bm.keys);
    free(bm.last);
    free(bm.printed);
    for (size_t i = 0; i < n; i++)
        free(bases[i]);
    free(bases);
    free(prev);
    free(repeats);

    /* An alias shared within the document identifies none of its holders. The table
     * borrows the alias strings, so every drop is decided before any is freed. */
    unsigned char *drop = xcalloc(n * IDENTITY_MAX_ALIASES, 1);
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < out[i].naliases; k++)
            drop[i * IDENTITY_MAX_ALIASES + k] = strcount_get(&aliases, out[i].aliases[k]) > 1;
    strcount_free(&aliases);
    strcount_free(&used);
    strcount_free(&prints);
    for (size_t i = 0; i < n; i++)
        free(fps[i]);
    free(fps);
    for (size_t i = 0; i < n; i++)
        for (size_t k = out[i].naliases; k-- > 0;)
            if (drop[i * IDENTITY_MAX_ALIASES + k])
                drop_alias(&out[i], k);
    free(drop);
}

void identity_compute(const struct feed *f, struct identity *out)
{
    compute(f, NULL, out);
}

void identity_compute_pre(const struct feed *f, const struct identity_pre *pre,
                          struct identity *out)
{
    compute(f, pre, out);
}

void identity_free(struct identity *id)
{
    if (!id)
        return;
    free(id->key);
    for (size_t i = 0; i < IDENTITY_MAX_ALIASES; i++)
        free(id->aliases[i]);
    memset(id, 0, sizeof *id);
}
