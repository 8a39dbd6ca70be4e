/* feeds/identity.h: the stable identity of an entry within its feed. Decided once and
 * never changed, because a key that changes later creates duplicates forever (newsboat's
 * link+date key is the cautionary tale).
 *   exact key: "id:" + entry id/guid, else "link:" + link, else "hash:" + hash of the
 *              stable fields (title, content/summary text, enclosure URL) - never dates.
 *   alias keys: "url:" + url_normalize() of the id (when it is a URL) and of the link, so
 *              that a feed that rewrites its ids (simonwillison.net dropped its
 *              "#atom-everything" fragments in 2026) is recognised. */
#ifndef FEEDSD_IDENTITY_H
#define FEEDSD_IDENTITY_H

#include "feeds/feed.h"

#define IDENTITY_MAX_ALIASES 2

struct identity {
    char *key;                               /* exact key, never NULL */
    char *aliases[IDENTITY_MAX_ALIASES];     /* NULL-padded, distinct, never equal to key */
    size_t naliases;
    char content_hash[17];                   /* title + summary + content + enclosures
                                                (version 2: XXH64 of the squashed text) */
    int duplicate;                           /* same key and stable fields as an earlier
                                                entry of the document: store it once */
};

/* Computes the identities of every entry of f, in order (out has f->nentries slots).
 * Entries that repeat an exact key already used earlier in the same document get a key
 * disambiguated by a hash of their stable fields; an alias shared by two entries of the
 * same document is dropped from both (it could not tell them apart). */
void identity_compute(const struct feed *f, struct identity *out);

/* What identity_compute() reads of an entry's text (summary, content), taken while the
 * text is at hand, so that the identities of a long document can be computed after its
 * entries' text has been freed (the daemon's first pass over a large feed). */
struct identity_pre {
    uint64_t stable;          /* the "hash:" key's hash (entries with neither id nor link) */
    uint64_t repeat;          /* what tells apart entries that share an exact key */
    char content_hash[17];
};
void identity_precompute(const struct entry *e, struct identity_pre *pre);
/* identity_compute() where pre[i] is identity_precompute() of entry i taken when its
 * text was there: the entries' summary and content are not read. Same result. */
void identity_compute_pre(const struct feed *f, const struct identity_pre *pre,
                          struct identity *out);
void identity_free(struct identity *id);

/* The content hash of e as feedsd stored it until 2026-11 (version 1: FNV-1a over the same
 * squashed text). A stored version-1 hash equal to this is the same content: the store
 * replaces it with the version-2 hash without treating the entry as updated. */
void identity_content_hash_v1(const struct entry *e, char out[17]);

#endif
