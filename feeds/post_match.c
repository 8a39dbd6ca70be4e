/* feeds/post_match.c: the keys that find one post carried by two feeds (post_match.h). */
#include "feeds/post_match.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/util.h"

static int is_ws(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Appends s with runs of white space as one space, the ends trimmed and ASCII letters
 * lower-cased (a feed that capitalises its titles differently is the same post), then
 * the unit separator 0x1f; at most max bytes of s. Written in place: every new post's
 * text goes through here. */
static void fold_field(struct buf *b, const char *s, size_t max)
{
    size_t n = s ? strnlen(s, max) : 0;
    buf_grow(b, n + 1);
    char *o = b->data + b->len;
    int started = 0, space = 0;
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""), *end = p + n; p < end; p++) {
        if (is_ws(*p)) {
            space = started;
            continue;
        }
        if (space)
            *o++ = ' ';
        space = 0;
        *o++ = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
        started = 1;
    }
    *o++ = 0x1f;
    b->len = (size_t)(o - b->data);
}

/* A URI with a scheme that is no URL: "tag:", "urn:" (RFC 4151, RFC 8141). */
static int is_opaque_uri(const char *id)
{
    static const char *const schemes[] = {"tag:", "urn:"};
    for (size_t i = 0; i < sizeof schemes / sizeof *schemes; i++)
        if (!strncasecmp(id, schemes[i], strlen(schemes[i])) && strlen(id) > 12)
            return 1;
    return 0;
}

size_t post_match_keys(const struct entry *e, const struct identity *id,
                       char *keys[POST_MATCH_MAX])
{
    size_t n = 0;
    for (size_t i = 0; i < id->naliases && n < POST_MATCH_MAX; i++)
        keys[n++] = xstrdup(id->aliases[i]);
    if (e->id && is_opaque_uri(e->id) && n < POST_MATCH_MAX)
        keys[n++] = xasprintf("id:%s", e->id);
    const char *body = !str_empty(e->content) ? e->content : e->summary;
    if (!str_empty(e->title) && !str_empty(body) && n < POST_MATCH_MAX) {
        struct buf b = {0};
        fold_field(&b, e->title, SIZE_MAX);
        /* the start of the text: a post is told apart by it (a byte of a UTF-8
         * sequence cut at the end hashes the same in both feeds) */
        fold_field(&b, body, POST_MATCH_TEXT_BYTES);
        char hex[17];
        hash_hex(hash_xxh64(b.data, b.len, 0), hex);
        buf_free(&b);
        keys[n++] = xasprintf("text:%s", hex);
    }
    return n;
}
