/* daemon/config.h: the configuration file (documented in docs/configuration.md and
 * examples/feedsd.conf). Format: "key = value" lines, '#' comments, and one
 * "[feed URL]" section per feed for per-feed options. Unknown keys and bad values are
 * errors that name the file, line and key. A struct config owns all its strings. */
#ifndef FEEDSD_CONFIG_H
#define FEEDSD_CONFIG_H

#include <stddef.h>

#include "daemon/filter.h"
#include "summary/summary.h"

/* Where a header line's value comes from (`header`, `header_file`, `header_env`). */
enum header_source { HEADER_TEXT, HEADER_FILE, HEADER_ENV };

struct feed_header {
    enum header_source source;
    char *name;           /* a field name (RFC 9110 5.1 token) */
    char *value;          /* the value, a path, or the name of an environment variable */
};

struct feed_conf {
    char *url;
    char *title;          /* NULL: use the feed's own title */
    char *category;       /* a folder path such as "Tech/Linux", NULL = none */
    int interval;         /* seconds; 0 = global default */
    int backlog;          /* -2 = global default, -1 = all, N >= 0 */
    char *summarizer;     /* NULL = global */
    char *full_content;   /* NULL = global */
    char *duplicates;     /* NULL = global */
    char *ca_file;        /* NULL = global */
    /* A private feed (daemon/feed_access.c reads the secrets at each poll). */
    char *username;       /* HTTP Basic user, NULL = none */
    char *password_file;  /* the password, read from this file */
    char *cookie_file;    /* Netscape cookie file, as curl reads it */
    char *user_agent;     /* NULL = global */
    char *proxy;          /* NULL = global; "" = none */
    struct feed_header *headers;
    size_t nheaders;
    struct filter_set filters;   /* this feed's include / exclude rules (and the global) */
};

struct config {
    char *path;           /* the file read, NULL when defaults only */
    char *database;       /* default "feedsd.db" (service: /var/lib/feedsd/feedsd.db) */
    char *output;         /* default "out" */
    char *filename;       /* default "{date}-{slug}.md" */
    char *tags;           /* "off" (default), "hugo" or "zola": categories as taxonomy tags */
    char *date_format;    /* "day" (default) or "time": what front matter `date` holds */
    char *on_write;       /* command run after each batch of files, NULL = none */
    int on_write_retry;   /* seconds before its first retry (doubling), default 10 */
    char *output_feed;    /* path of the Atom file of the newest posts, NULL = none */
    int output_feed_size; /* how many posts it lists, default 20 */
    char *digest;         /* "off" (default) or "daily": digest/YYYY-MM-DD.md */
    char *timezone;       /* NULL = system local zone */
    char *feeds_file;     /* OPML or plain URL list, NULL if none */
    char *user_agent;     /* NULL = "feedsd/VERSION (+https://...)" */
    char *metrics;        /* HOST:PORT of the Prometheus endpoint, NULL = off */
    char *proxy;          /* proxy URL; NULL = the environment's, "" = none */
    int interval;         /* seconds, default 3600 */
    int max_interval;     /* backoff cap, seconds, default 86400 */
    int concurrency;      /* transfers at once, default 16 */
    int per_host;         /* transfers at once per origin, default 1 */
    int host_delay;       /* milliseconds between two request starts per origin, default 1000 */
    int allow_private;    /* fetch feeds from private/loopback/link-local addresses */
    char *ca_file;        /* PEM CA certificates trusted besides the system's, NULL = none */
    int adaptive;         /* poll busy feeds more often, quiet ones less */
    int min_interval;     /* adaptive mode's lower bound, seconds, default 900 */
    int timeout;          /* seconds per transfer, default 30 */
    long max_size;        /* response byte cap, default 16 MiB */
    int backlog;          /* first subscription: files for the newest N, -1 = all; default 5 */
    int retention;        /* seconds after which written entries are pruned; 0 = never */
    char *full_content;   /* "never" (default), "auto" or "always": fetch the post's page */
    int full_content_min; /* auto: fetch when the feed's text is shorter; default 500 chars */
    char *duplicates;     /* "merge" (default): a post another feed's file carries gets no
                           * file of its own; "keep": it does (feeds/post_match.h) */
    struct summary_config summary;   /* the summary keys (summary/summary.h) */
    struct filter_set filters;       /* the global include / exclude rules */
    struct feed_conf *feeds;
    size_t nfeeds;
    /* feeds by URL: an open-addressing table of positions + 1 (0: empty), a power of two
     * at least twice nfeeds (config.c: the daemon looks a feed up at every poll) */
    size_t *feed_index, feed_index_cap;
};

/* Fills c with the defaults. */
void config_defaults(struct config *c);

/* Reads path into c (which holds defaults first). 0, or -1 with "FILE:LINE: key: reason"
 * in err. Relative paths in the file are resolved against the file's folder. The file
 * named by "feeds" is only recorded in feeds_file, not read: the caller reads it with
 * config_add_feeds_file() after applying --feeds. A feed URL defined twice is an error. */
int config_load(struct config *c, const char *path, char *err, size_t errlen);

/* Adds the feeds of a subscription file (OPML, or one URL per line with blank lines and
 * '#' comments) to c->feeds, skipping URLs already present. 0 / -1 with reason in err. */
int config_add_feeds_file(struct config *c, const char *path, char *err, size_t errlen);

/* Parses durations "90", "90s", "15m", "2h", "1d" into seconds. 0 / -1. */
int config_parse_duration(const char *s, int *out);
/* Parses sizes "1048576", "512K", "16M", "1G". 0 / -1. */
int config_parse_size(const char *s, long *out);

void config_free(struct config *c);

/* The [feed URL] section of url, or NULL. */
const struct feed_conf *config_feed(const struct config *c, const char *url);
/* The CA file for url's transfers: its section's ca_file, else the global one, else NULL. */
const char *config_ca_file(const struct config *c, const char *url);

#endif
