/* cli/subs.h: the subscription commands (docs/subscriptions.md): `feedsd add`, `remove`,
 * `list`, `import`, `export` and the health check `feedsd check`. They change only the
 * database; a running daemon merges its active feeds within a minute (at once on SIGHUP).
 * Owner: subscriptions CLI. Each cmd_ takes argv[0] = the subcommand and returns the exit
 * status: 0 done, 1 failed, 2 usage or configuration error. */
#ifndef FEEDSD_SUBS_H
#define FEEDSD_SUBS_H

#include <stddef.h>
#include <stdint.h>

#include "daemon/config.h"

struct db;
struct db_feed;

/* One active subscription: a database row, or a feed of the configuration that no daemon
 * has synced into the database yet (row NULL, origin "config"). Strings borrowed, but
 * shown, which the struct subs owns. */
struct sub {
    const char *url;            /* as subscribed: the database's key, credentials included */
    char *shown;                /* url_redact(url): what the commands print */
    const char *title;          /* configured title, NULL = the feed's own */
    const char *feed_title;     /* what the feed calls itself, NULL before a fetch */
    const char *site_link;
    const char *origin;         /* "config" or "cli" */
    int64_t nentries;
    const struct db_feed *row;
    const char *category;       /* a folder path such as "Tech/Linux", NULL = none */
};

struct subs {
    struct config cfg;
    size_t nconfig_own;         /* cfg.feeds[0..nconfig_own) are the file's own "feed ="
                                 * lines; the rest come from its subscription file */
    char *db_path;
    struct db *db;              /* NULL: no database yet (and not asked to create one) */
    struct db_feed *rows;
    size_t nrows;
    struct sub *v;
    size_t n;
};

/* Loads the configuration (config_path may be NULL: FEEDSD_CONFIG, else defaults) with its
 * subscription file, then opens the database (database overrides the configured path).
 * create: make the database (and its folder) when missing; else a missing database is an
 * empty one (db NULL). Prints the reason and returns the exit status on failure: 2 for the
 * configuration, 1 for the database. */
int subs_open(struct subs *s, const char *config_path, const char *database, int create);
/* Re-reads the active subscriptions after a change. 0 / -1. */
int subs_reload(struct subs *s);
void subs_close(struct subs *s);

/* The subscription for url: the same string, else the same url_normalize() form (http and
 * https, a trailing slash, tracking parameters), else the one subscription shown as url
 * (subscribed with credentials). NULL when not subscribed. */
const struct sub *subs_find(const struct subs *s, const char *url);
/* Where the configuration lists url: its file's path, the subscription file's path, or
 * NULL when it does not. */
const char *subs_config_source(const struct subs *s, const char *url);
/* The title to show: configured, else the feed's, else NULL. */
const char *sub_title(const struct sub *x);

/* The User-Agent of the daemon: the configured one or "feedsd/VERSION (+...)". */
char *subs_user_agent(const struct subs *s);

#endif
