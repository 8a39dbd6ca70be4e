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

#include "common/util.h"
#include "feeds/identity.h"
#include "feeds/url.h"

/* ---- Hashing ----------------------------------------------------------------------- */

static int is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

#define FNV_PRIME 0x100000001b3ULL   /* FNV-1a, as hash64_update() in common/util.c */

/* Adds one field to two hashes at once: its text with runs of whitespace squashed to one
 * space and the ends trimmed (NULL counts as empty), then a unit separator so that
 * ("ab","c") != ("a","bc"). Each hash is exactly what hash64_update() would give over
 * that text. The posts' HTML is most of what is hashed, and both the repeat hash and the
 * content hash run over it: FNV-1a is a chain of one multiply per byte, and two
 * independent chains in one loop run side by side (instruction-level parallelism), so
 * the second hash costs little, and the text is scanned once. */
static void hash_field2(uint64_t *ha, uint64_t *hb, const char *s)
{
    uint64_t a = *ha, b = *hb;
    int started = 0, space = 0;
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if (is_ws((char)*p)) {
            space = started;   /* one space, and only between words */
            continue;
        }
        if (space) {
            a = (a ^ ' ') * FNV_PRIME;
            b = (b ^ ' ') * FNV_PRIME;
            space = 0;
        }
        a = (a ^ *p) * FNV_PRIME;
        b = (b ^ *p) * FNV_PRIME;
        started = 1;
    }
    *ha = (a ^ 0x1f) * FNV_PRIME;
    *hb = (b ^ 0x1f) * FNV_PRIME;
}

static uint64_t hash_field(uint64_t h, const char *s)
{
    uint64_t unused = 0;
    hash_field2(&h, &unused, s);
    return h;
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

/* *repeat disambiguates a repeated exact key: title, link and the text (summary and
 * content, so that RSS items that only carry a description still differ).
 * *content decides "updated": everything a reader sees except dates (title, summary,
 * content, every enclosure). */
static void hash_entry(const struct entry *e, uint64_t *repeat, uint64_t *content)
{
    uint64_t t = hash_field(HASH64_INIT, e->title);
    uint64_t r = hash_field(t, e->link), c = t;
    hash_field2(&r, &c, e->summary);
    hash_field2(&r, &c, e->content);
    for (size_t i = 0; i < e->nenclosures; i++)
        c = hash_field(c, e->enclosures[i].url);
    *repeat = r;
    *content = c;
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

static char *base_key(const struct entry *e)
{
    char *id = trimmed(e->id), *link = trimmed(e->link), *key;
    if (id) {
        key = xasprintf("id:%s", id);
    } else if (link) {
        key = xasprintf("link:%s", link);
    } else {
        char hex[17];
        hash_hex(hash_stable(e), hex);
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

void identity_compute(const struct feed *f, struct identity *out)
{
    if (!f || f->nentries == 0)
        return;
    size_t n = f->nentries;
    struct strcount used, aliases, prints;
    strcount_init(&used, n);
    strcount_init(&prints, n);
    char **fps = xcalloc(n, sizeof *fps);
    strcount_init(&aliases, n * IDENTITY_MAX_ALIASES);

    for (size_t i = 0; i < n; i++) {
        const struct entry *e = &f->entries[i];
        struct identity *id = &out[i];
        memset(id, 0, sizeof *id);

        /* Exact key: the first occurrence keeps it; later ones get "|hash", then
         * "|hash|2", "|hash|3"... for true duplicates, so every key is distinct. */
        char *key = base_key(e);
        uint64_t repeat, content;
        hash_entry(e, &repeat, &content);
        /* The same key with the same stable fields is the same item listed twice. */
        char rh[17];
        hash_hex(repeat, rh);
        fps[i] = xasprintf("%s|%s", key, rh);
        unsigned seen = strcount_get(&prints, fps[i]);
        id->duplicate = seen > 0;
        strcount_add(&prints, fps[i]);
        if (strcount_get(&used, key)) {
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

        hash_hex(content, id->content_hash);
    }

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

void identity_free(struct identity *id)
{
    if (!id)
        return;
    free(id->key);
    for (size_t i = 0; i < IDENTITY_MAX_ALIASES; i++)
        free(id->aliases[i]);
    memset(id, 0, sizeof *id);
}
