/* daemon/feed_access.h: what a private feed's request carries beyond its URL (the
 * [feed] keys username, password_file, header, header_file, header_env, cookie_file,
 * user_agent and proxy; docs/configuration.md, "Private feeds"). The secrets are read at
 * each poll, so a rotated password or token is used without a reload, and live only as
 * long as the request is being built. */
#ifndef FEEDSD_FEED_ACCESS_H
#define FEEDSD_FEED_ACCESS_H

#include <stddef.h>

#include "daemon/config.h"
#include "fetch/fetch.h"

struct feed_access {
    char *password;
    char **headers;       /* "Name: value" lines, NULL-terminated */
    size_t nheaders;
};

/* Fills rq's private-feed fields from fc (NULL: a feed without a [feed] section) and the
 * global proxy; a owns the secrets until feed_access_free. 0, or -1 with a reason that
 * names the file or variable, never a value, in err. */
int feed_access_build(const struct config *c, const struct feed_conf *fc,
                      struct feed_access *a, struct fetch_request *rq, char *err, size_t errlen);
/* Warns, naming the feed, the key, the file, its mode and the fix, about each
 * password_file, header_file and cookie_file of c that other users can read (as
 * openai_api_key_file is checked). At start and at each reload. */
void feed_access_check(const struct config *c);
/* Overwrites and frees the secrets of a. */
void feed_access_free(struct feed_access *a);

#endif
