/* feeds/post_match.h: the keys that find one post carried by two feeds (issue 18: a
 * blog's Atom and JSON feeds, an aggregator and its source), unlike feeds/identity.h,
 * whose keys find an entry again within its own feed. A post of one feed is the post of
 * another when they share:
 *   "url:" + url_normalize() of the link or of a URL id (the identity's alias keys, which
 *          are dropped when two entries of one document share them, as a feed that gives
 *          every item its home page as link does);
 *   "id:"  + the entry id, when it is a URI that is no URL ("tag:daringfireball.net,2017:
 *          /linked//6.33853", "urn:uuid:..."): such ids are unique by construction, unlike
 *          "42" or "post-1";
 *   "text:" + a hash of the title and the start of the text (POST_MATCH_TEXT_BYTES),
 *          each with white space squashed and ASCII letters lower-cased: a link post whose two feeds disagree on the link (the
 *          linked article in one, the permalink in the other). Its dates must be a few
 *          days apart at most (POST_MATCH_TEXT_WINDOW), since a title and a text can
 *          come back years later ("Weekly links", "Open thread"). */
#ifndef FEEDSD_POST_MATCH_H
#define FEEDSD_POST_MATCH_H

#include <stddef.h>

#include "feeds/feed.h"
#include "feeds/identity.h"

#define POST_MATCH_MAX (IDENTITY_MAX_ALIASES + 2)   /* at most 4: storage/db.h */
#define POST_MATCH_TEXT_BYTES 1024  /* of the text: its start tells posts apart */
#define POST_MATCH_TEXT_WINDOW (3 * 86400)  /* seconds between the two posts' dates */

/* Writes the keys of e (whose identity in its document is id) to keys[] (malloc'd each),
 * returns how many. */
size_t post_match_keys(const struct entry *e, const struct identity *id,
                       char *keys[POST_MATCH_MAX]);

#endif
