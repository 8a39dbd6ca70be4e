/* tests/unit/test_identity.c: exact keys, alias keys, repeated GUIDs, shared aliases and
 * content hashes (feeds/identity.h). Feeds are built by hand on the stack so that this
 * test does not depend on feeds/feed.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/util.h"
#include "feeds/identity.h"

#define SW_OLD "https://simonwillison.net/2024/Dec/19/is-ai-progress-slowing-down/#atom-everything"
#define SW_NEW "https://simonwillison.net/2024/Dec/19/is-ai-progress-slowing-down/"
#define SW_ALIAS "url:https://simonwillison.net/2024/Dec/19/is-ai-progress-slowing-down"

static struct entry mk(const char *id, const char *link, const char *title, const char *summary,
                       const char *content)
{
    struct entry e;
    memset(&e, 0, sizeof e);
    e.id = (char *)id;
    e.link = (char *)link;
    e.title = (char *)title;
    e.summary = (char *)summary;
    e.content = (char *)content;
    e.published = e.updated = FEED_TIME_NONE;
    return e;
}

static void compute(struct entry *entries, size_t n, struct identity *out)
{
    struct feed f;
    memset(&f, 0, sizeof f);
    f.entries = entries;
    f.nentries = f.cap_entries = n;
    identity_compute(&f, out);
}

static void free_all(struct identity *ids, size_t n)
{
    for (size_t i = 0; i < n; i++)
        identity_free(&ids[i]);
}

static int has_alias(const struct identity *id, const char *alias)
{
    for (size_t i = 0; i < id->naliases; i++)
        if (strcmp(id->aliases[i], alias) == 0)
            return 1;
    return 0;
}

static int is_hex16(const char *s)
{
    if (strlen(s) != 16)
        return 0;
    for (; *s; s++)
        if (!strchr("0123456789abcdef", *s))
            return 0;
    return 1;
}

/* Invariants every result must satisfy: key set, aliases NULL-padded, distinct, never the
 * key, no more than the maximum, hex content hash. */
static void check_shape(const struct identity *ids, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        assert_non_null(ids[i].key);
        assert_true(ids[i].naliases <= IDENTITY_MAX_ALIASES);
        for (size_t k = 0; k < IDENTITY_MAX_ALIASES; k++) {
            if (k < ids[i].naliases) {
                assert_non_null(ids[i].aliases[k]);
                assert_string_not_equal(ids[i].aliases[k], ids[i].key);
                for (size_t j = 0; j < k; j++)
                    assert_string_not_equal(ids[i].aliases[k], ids[i].aliases[j]);
            } else {
                assert_null(ids[i].aliases[k]);
            }
        }
        assert_true(is_hex16(ids[i].content_hash));
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(ids[i].key, ids[j].key);
    }
}

static void test_exact_keys(void **state)
{
    (void)state;
    struct entry e[] = {
        mk("  tag:example.com,2024:1 \n", "https://example.com/1", "One", NULL, NULL),
        mk(NULL, " https://example.com/2 ", "Two", NULL, NULL),
        mk("   ", "https://example.com/3", "Three", NULL, NULL),
        mk(NULL, NULL, "Four", "<p>text</p>", NULL),
        mk("", "", "Five", NULL, NULL),
    };
    struct identity ids[5];
    compute(e, 5, ids);
    check_shape(ids, 5);
    assert_string_equal(ids[0].key, "id:tag:example.com,2024:1");
    assert_string_equal(ids[1].key, "link:https://example.com/2");
    assert_string_equal(ids[2].key, "link:https://example.com/3");
    assert_true(strncmp(ids[3].key, "hash:", 5) == 0 && is_hex16(ids[3].key + 5));
    assert_true(strncmp(ids[4].key, "hash:", 5) == 0 && is_hex16(ids[4].key + 5));
    assert_string_not_equal(ids[3].key, ids[4].key);
    /* a tag: id is not a URL: only the link gives an alias */
    assert_int_equal(ids[0].naliases, 1);
    assert_string_equal(ids[0].aliases[0], "url:https://example.com/1");
    assert_int_equal(ids[3].naliases, 0);
    free_all(ids, 5);
}

/* The "hash:" key ignores dates and whitespace layout, and follows every stable field. */
static void test_hash_key_stability(void **state)
{
    (void)state;
    struct enclosure enc = {.url = "https://cdn.example.com/ep1.mp3", .type = NULL, .length = -1};
    struct entry a = mk(NULL, NULL, "Episode 1", "<p>Hello  world</p>", NULL);
    a.enclosures = &enc;
    a.nenclosures = 1;
    a.published = 1000000;
    struct entry b = a;
    b.published = 2000000;
    b.updated = 3000000;
    b.summary = "\n  <p>Hello\n world</p>  ";
    struct identity ia, ib;
    compute(&a, 1, &ia);
    compute(&b, 1, &ib);
    assert_string_equal(ia.key, ib.key);
    assert_string_equal(ia.content_hash, ib.content_hash);
    identity_free(&ib);

    struct entry variants[4];
    for (int i = 0; i < 4; i++)
        variants[i] = a;
    variants[0].title = "Episode 2";
    variants[1].summary = "<p>Hello world!</p>";
    variants[2].content = "<p>more</p>";
    struct enclosure enc2 = {.url = "https://cdn.example.com/ep2.mp3", .length = -1};
    variants[3].enclosures = &enc2;
    for (int i = 0; i < 4; i++) {
        compute(&variants[i], 1, &ib);
        if (strcmp(ia.key, ib.key) == 0)
            fail_msg("variant %d has the same hash key", i);
        if (strcmp(ia.content_hash, ib.content_hash) == 0)
            fail_msg("variant %d has the same content hash", i);
        identity_free(&ib);
    }
    /* Field boundaries matter: ("ab", "c") is not ("a", "bc"). */
    struct entry s1 = mk(NULL, NULL, "ab", "c", NULL), s2 = mk(NULL, NULL, "a", "bc", NULL);
    compute(&s1, 1, &ib);
    struct identity ic;
    compute(&s2, 1, &ic);
    assert_string_not_equal(ib.key, ic.key);
    assert_string_not_equal(ib.content_hash, ic.content_hash);
    identity_free(&ib);
    identity_free(&ic);
    identity_free(&ia);
}

/* content_hash: dates never count; an id or link change alone is not a content change. */
static void test_content_hash(void **state)
{
    (void)state;
    struct entry a = mk("1", "https://e.com/1", "T", "S", "C");
    struct entry b = a;
    b.published = 42;
    b.updated = 43;
    b.id = "2";
    b.link = "https://e.com/2";
    struct identity ia, ib;
    compute(&a, 1, &ia);
    compute(&b, 1, &ib);
    assert_string_equal(ia.content_hash, ib.content_hash);
    identity_free(&ib);
    b = a;
    b.content = "C2";
    compute(&b, 1, &ib);
    assert_string_not_equal(ia.content_hash, ib.content_hash);
    identity_free(&ib);
    /* the second enclosure counts too */
    struct enclosure two[2] = {{.url = "https://e.com/a.mp3", .length = -1},
                               {.url = "https://e.com/b.mp3", .length = -1}};
    struct enclosure two_b[2] = {{.url = "https://e.com/a.mp3", .length = -1},
                                 {.url = "https://e.com/c.mp3", .length = -1}};
    b = a;
    b.enclosures = two;
    b.nenclosures = 2;
    compute(&b, 1, &ib);
    struct identity ic;
    b.enclosures = two_b;
    compute(&b, 1, &ic);
    assert_string_not_equal(ib.content_hash, ic.content_hash);
    identity_free(&ib);
    identity_free(&ic);
    identity_free(&ia);
}

/* Both content hash versions, pinned to their definitions: the fields squashed (runs of
 * whitespace as one space, ends trimmed, NULL as empty), each followed by 0x1f; version 1
 * (rows stored before 2026-11) is the FNV-1a hash64 of that, version 2 its XXH64. The
 * long content crosses the 8-byte fast path with whitespace at every offset. */
static void test_content_hash_versions(void **state)
{
    (void)state;
    char content[600], squashed[600];
    size_t c = 0, q = 0;
    content[c++] = '\n';
    for (int i = 0; i < 40; i++) {
        for (int k = 0; k < i % 11; k++)
            content[c++] = squashed[q++] = (char)('a' + (i + k) % 26);
        if (i % 11) {  /* a word, then whitespace of varying kind and length */
            const char *ws = i % 3 == 0 ? " " : i % 3 == 1 ? "\t\r\n" : "  \f\v ";
            memcpy(content + c, ws, strlen(ws));
            c += strlen(ws);
            squashed[q++] = ' ';
        }
    }
    content[c] = '\0';
    while (q && squashed[q - 1] == ' ')
        q--;
    squashed[q] = '\0';
    struct enclosure enc = {.url = "https://e.com/a.mp3", .length = -1};
    struct entry e = mk("1", "https://e.com/1", " Caf\xC3\xA9  au lait ", NULL, content);
    e.enclosures = &enc;
    e.nenclosures = 1;
    char text[800];
    int len = snprintf(text, sizeof text, "Caf\xC3\xA9 au lait\x1f\x1f%s\x1f%s\x1f", squashed, enc.url);
    char want1[17], want2[17], got1[17];
    hash_hex(hash64(text, (size_t)len), want1);
    hash_hex(hash_xxh64(text, (size_t)len, 0), want2);
    identity_content_hash_v1(&e, got1);
    assert_string_equal(got1, want1);
    struct identity id;
    compute(&e, 1, &id);
    assert_string_equal(id.content_hash, want2);
    identity_free(&id);
}

/* The squashing behind version 2 against a plain byte-by-byte definition, on random
 * text: mostly words and single spaces (the 16-byte path copies those blocks as they
 * are), sometimes a tab, a line break, a second blank, a control or a UTF-8 byte, at
 * every offset and length. */
static void test_content_hash_squash_random(void **state)
{
    (void)state;
    static const char alphabet[] = "abcdefghij      \t\n\x01\xc3\xa9";
    uint64_t seed = 42;
    for (int round = 0; round < 3000; round++) {
        char content[400], squashed[400];
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        size_t len = (size_t)(seed >> 33) % (sizeof content - 1), q = 0;
        int rare = round % 3;   /* a third of the rounds: spaces only, no rare bytes */
        for (size_t i = 0; i < len; i++) {
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            size_t k = (size_t)(seed >> 33) % (rare ? sizeof alphabet - 1 : 16);
            content[i] = alphabet[k];
        }
        content[len] = '\0';
        int pending = 0;
        for (size_t i = 0; i < len; i++) {
            char ch = content[i];
            if (ch == ' ' || ch == '\t' || ch == '\n') {
                pending = q > 0;
                continue;
            }
            if (pending)
                squashed[q++] = ' ';
            pending = 0;
            squashed[q++] = ch;
        }
        squashed[q] = '\0';
        struct entry e = mk("1", "https://e.com/1", "t", NULL, content);
        char text[512];
        int tl = snprintf(text, sizeof text, "t\x1f\x1f%s\x1f", squashed);
        char want[17];
        hash_hex(hash_xxh64(text, (size_t)tl, 0), want);
        struct identity id;
        compute(&e, 1, &id);
        if (strcmp(id.content_hash, want))
            fail_msg("round %d: content of %zu bytes squashed differently", round, len);
        identity_free(&id);
    }
}

static void test_aliases(void **state)
{
    (void)state;
    struct entry e[] = {
        /* id and link normalise to the same URL: one alias */
        mk("http://example.com/post/1/", "https://example.com/post/1?utm_source=rss", "A",
           NULL, NULL),
        /* id URL and a different link: two aliases, id first */
        mk("https://example.com/?p=2", "https://example.com/post/2/", "B", NULL, NULL),
        /* link only: key "link:", alias is its normal form */
        mk(NULL, "HTTP://Example.com/post/3/#comments", "C", NULL, NULL),
        /* non-http link: no alias */
        mk("urn:x:4", "gopher://example.com/4", "D", NULL, NULL),
    };
    struct identity ids[4];
    compute(e, 4, ids);
    check_shape(ids, 4);
    assert_int_equal(ids[0].naliases, 1);
    assert_string_equal(ids[0].aliases[0], "url:https://example.com/post/1");
    assert_int_equal(ids[1].naliases, 2);
    assert_string_equal(ids[1].aliases[0], "url:https://example.com?p=2");
    assert_string_equal(ids[1].aliases[1], "url:https://example.com/post/2");
    assert_string_equal(ids[2].key, "link:HTTP://Example.com/post/3/#comments");
    assert_int_equal(ids[2].naliases, 1);
    assert_string_equal(ids[2].aliases[0], "url:https://example.com/post/3");
    assert_int_equal(ids[3].naliases, 0);
    free_all(ids, 4);
}

/* Podcast feeds point every item at the show page: that alias identifies nothing. */
static void test_shared_alias_dropped(void **state)
{
    (void)state;
    struct entry e[] = {
        mk("ep-1", "https://show.example.com/", "Ep 1", NULL, NULL),
        mk("ep-2", "http://show.example.com", "Ep 2", NULL, NULL),
        mk("ep-3", "https://show.example.com/ep3", "Ep 3", NULL, NULL),
        mk("https://show.example.com/#x", "https://show.example.com/ep4", "Ep 4", NULL, NULL),
    };
    struct identity ids[4];
    compute(e, 4, ids);
    check_shape(ids, 4);
    assert_int_equal(ids[0].naliases, 0);
    assert_int_equal(ids[1].naliases, 0);
    assert_int_equal(ids[2].naliases, 1);
    assert_string_equal(ids[2].aliases[0], "url:https://show.example.com/ep3");
    /* entry 4's id alias is the shared show page: dropped; its own link alias stays */
    assert_int_equal(ids[3].naliases, 1);
    assert_string_equal(ids[3].aliases[0], "url:https://show.example.com/ep4");
    free_all(ids, 4);
}

static void test_repeated_guids(void **state)
{
    (void)state;
    struct entry e[] = {
        mk("guid-1", "https://e.com/a", "First", "x", NULL),
        mk("guid-1", "https://e.com/b", "Second", "y", NULL),
        mk("guid-2", "https://e.com/c", "Other", NULL, NULL),
        mk("guid-1", "https://e.com/d", "Third", "z", NULL),
        mk("guid-1", "https://e.com/b", "Second", "y", NULL),   /* true duplicate of [1] */
        mk("guid-1", "https://e.com/b", "Second", "y", NULL),   /* and again */
    };
    struct identity ids[6];
    compute(e, 6, ids);
    check_shape(ids, 6);
    assert_string_equal(ids[0].key, "id:guid-1");
    assert_string_equal(ids[2].key, "id:guid-2");
    /* "id:guid-1|" + 16 hex */
    assert_int_equal(strlen(ids[1].key), strlen("id:guid-1|") + 16);
    assert_true(strncmp(ids[1].key, "id:guid-1|", 10) == 0 && is_hex16(ids[1].key + 10));
    assert_true(strncmp(ids[3].key, "id:guid-1|", 10) == 0 && is_hex16(ids[3].key + 10));
    assert_string_not_equal(ids[1].key, ids[3].key);
    /* the true duplicates get "|2", "|3" after the same hash */
    char want[64];
    snprintf(want, sizeof want, "%s|2", ids[1].key);
    assert_string_equal(ids[4].key, want);
    snprintf(want, sizeof want, "%s|3", ids[1].key);
    assert_string_equal(ids[5].key, want);
    /* the true duplicates are flagged, the rest are not */
    for (int i = 0; i < 6; i++)
        assert_int_equal(ids[i].duplicate, i >= 4);
    /* also when the repeated item is the first one listed */
    struct entry twice[] = {
        mk("guid-9", "https://e.com/z", "Same", "s", NULL),
        mk("guid-9", "https://e.com/z", "Same", "s", NULL),
    };
    struct identity tw[2];
    compute(twice, 2, tw);
    assert_int_equal(tw[0].duplicate, 0);
    assert_int_equal(tw[1].duplicate, 1);
    free_all(tw, 2);
    /* the link shared by [1], [4], [5] is no alias for any of them */
    assert_int_equal(ids[1].naliases, 0);
    assert_int_equal(ids[4].naliases, 0);
    assert_int_equal(ids[0].naliases, 1);

    /* Deterministic: the same document gives the same keys, and the disambiguating hash
     * depends on the entry, not on its position. */
    struct identity again[6];
    compute(e, 6, again);
    for (int i = 0; i < 6; i++)
        assert_string_equal(ids[i].key, again[i].key);
    free_all(again, 6);
    struct entry moved[] = {e[0], e[2], e[1]};
    compute(moved, 3, again);
    assert_string_equal(again[2].key, ids[1].key);
    free_all(again, 3);
    free_all(ids, 6);
}

/* Repeated link keys (no ids) are disambiguated the same way. */
static void test_repeated_links(void **state)
{
    (void)state;
    struct entry e[] = {
        mk(NULL, "https://e.com/x", "A", NULL, NULL),
        mk(NULL, "https://e.com/x", "B", NULL, NULL),
    };
    struct identity ids[2];
    compute(e, 2, ids);
    check_shape(ids, 2);
    assert_string_equal(ids[0].key, "link:https://e.com/x");
    assert_true(strncmp(ids[1].key, "link:https://e.com/x|", 21) == 0);
    free_all(ids, 2);
}

/* simonwillison.net dropped "#atom-everything" from its ids: the entry fetched before and
 * the one fetched after have different exact keys but share an alias, so the store can
 * recognise the old entry. Two different documents, as in two fetches. */
static void test_simonwillison_rewrite(void **state)
{
    (void)state;
    struct entry before[] = {
        mk(SW_OLD, SW_OLD, "Is AI progress slowing down?", "<p>old</p>", NULL),
        mk("https://simonwillison.net/2024/Dec/18/other/#atom-everything",
           "https://simonwillison.net/2024/Dec/18/other/#atom-everything", "Other", NULL, NULL),
    };
    struct entry after[] = {
        mk("https://simonwillison.net/2024/Dec/20/newer/",
           "https://simonwillison.net/2024/Dec/20/newer/", "Newer", NULL, NULL),
        mk(SW_NEW, SW_NEW, "Is AI progress slowing down?", "<p>old</p>", NULL),
    };
    struct identity ib[2], ia[2];
    compute(before, 2, ib);
    compute(after, 2, ia);
    check_shape(ib, 2);
    check_shape(ia, 2);
    assert_string_equal(ib[0].key, "id:" SW_OLD);
    assert_string_equal(ia[1].key, "id:" SW_NEW);
    assert_string_not_equal(ib[0].key, ia[1].key);
    assert_true(has_alias(&ib[0], SW_ALIAS));
    assert_true(has_alias(&ia[1], SW_ALIAS));
    /* id and link normalise alike: one alias each */
    assert_int_equal(ib[0].naliases, 1);
    assert_int_equal(ia[1].naliases, 1);
    /* and the other entries do not share it */
    assert_false(has_alias(&ib[1], SW_ALIAS));
    assert_false(has_alias(&ia[0], SW_ALIAS));
    assert_string_equal(ib[0].content_hash, ia[1].content_hash);
    free_all(ib, 2);
    free_all(ia, 2);
}

static void test_free_and_empty(void **state)
{
    (void)state;
    struct feed f;
    memset(&f, 0, sizeof f);
    struct identity none[1] = {{0}};
    identity_compute(&f, none);        /* no entries: nothing written, nothing read */
    assert_null(none[0].key);
    identity_free(NULL);
    struct entry e = mk("a", "https://e.com/a", NULL, NULL, NULL);
    struct identity id;
    compute(&e, 1, &id);
    identity_free(&id);
    assert_null(id.key);
    assert_null(id.aliases[0]);
    assert_int_equal(id.naliases, 0);
    identity_free(&id);                /* twice is harmless */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_keys),
        cmocka_unit_test(test_hash_key_stability),
        cmocka_unit_test(test_content_hash),
        cmocka_unit_test(test_content_hash_versions),
        cmocka_unit_test(test_content_hash_squash_random),
        cmocka_unit_test(test_aliases),
        cmocka_unit_test(test_shared_alias_dropped),
        cmocka_unit_test(test_repeated_guids),
        cmocka_unit_test(test_repeated_links),
        cmocka_unit_test(test_simonwillison_rewrite),
        cmocka_unit_test(test_free_and_empty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
