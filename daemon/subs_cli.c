/* daemon/subs_cli.c: `feedsd add` and `feedsd remove`. Owner: subscriptions CLI.
 *
 * `add` fetches what it is given: a feed is subscribed as it is; a web page is searched for
 * the feeds it advertises (feeds/discover.c) and the best one is verified and subscribed,
 * or, when several fit equally, listed for the user to choose. Subscriptions made here have
 * origin "cli": a configuration reload leaves them alone (daemon.c,
 * subscriptions_from_config), and only `remove` ends them. Adding is idempotent. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "common/util.h"
#include "daemon/http_get.h"
#include "feeds/encoding.h"
#include "daemon/subs.h"
#include "feeds/discover.h"
#include "feeds/parse.h"
#include "feeds/url.h"
#include "storage/db.h"

/* Guessed links (<a href="/feed">) are fetched one by one; a page full of them should not
 * turn `add` into a crawler. */
#define MAX_GUESSES 5

struct add_opts {
    const char *url, *title, *config, *database;
    char *shown;                /* url_redact(url): printed instead of url */
    int interval;
    int no_fetch;
};

static int add_usage(void)
{
    fprintf(stderr, "usage: feedsd add [-c CONFIG] [--database PATH] [--title TITLE]"
                    " [--interval DURATION] [--no-fetch] URL\n");
    return 2;
}

/* Credentials in a URL are for its requests: what is printed is url_redact()'s form. */
static void print_sub(const char *what, const char *url, const char *title)
{
    char *shown = url_redact(url);
    if (title && *title)
        printf("%s %s (%s)\n", what, shown, title);
    else
        printf("%s %s\n", what, shown);
    free(shown);
}

static int already(const struct sub *x)
{
    print_sub("already subscribed to", x->url, sub_title(x));
    return 0;
}

/* Fetches url and parses it as a feed. 0 with *feed set; -1 with err (not a feed, or the
 * transfer failed: *body then tells which, NULL after a transfer failure). */
static int fetch_feed(const char *url, const char *ua, struct http_body *body,
                      struct feed **feed, char *err, size_t errlen)
{
    *feed = NULL;
    if (http_get(url, ua, body, err, errlen) < 0)
        return -1;
    char *cs = encoding_charset_param(body->content_type);
    /* The feed's link is stored and shown: resolved against the URL without credentials,
     * as the daemon does (ingest.c). */
    char *base = url_redact(body->effective_url);
    int rc = feed_parse(body->data, body->len, base, cs, feed, err, errlen);
    free(base);
    free(cs);
    return rc;
}

/* Records the subscription. The feed's own title and site are stored too when known, so
 * that `list` and `export` show them before the daemon's first poll. */
static int subscribe(struct subs *s, const struct add_opts *o, const char *url,
                     const struct feed *f)
{
    int64_t id;
    struct db *db = s->db;
    char *shown;
    if (db_begin(db) < 0)
        goto fail;
    if (db_feed_subscribe(db, url, o->title, o->interval, -2, NULL, "cli", time(NULL), &id) < 0)
        goto fail;
    if (f && (f->title || f->link)) {
        char err[256];
        char *sql = sqlite3_mprintf("UPDATE feeds SET feed_title = coalesce(feed_title, %Q),"
                                    " site_link = coalesce(site_link, %Q) WHERE id = %lld",
                                    f->title, f->link, (long long)id);
        int rc = sql ? db_exec(db, sql, err, sizeof err) : -1;
        sqlite3_free(sql);
        if (rc < 0)
            goto fail;
    }
    if (db_commit(db) < 0)
        goto fail;
    print_sub("subscribed to", url, o->title ? o->title : f ? f->title : NULL);
    return 0;
fail:
    shown = url_redact(url);
    fprintf(stderr, "feedsd: cannot subscribe to %s: %s\n", shown, db_errmsg(db));
    free(shown);
    db_rollback(db);
    return 1;
}

static void list_links(const struct discover_link *l, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char *shown = url_redact(l[i].url);
        printf("%s\t%s\t%s\n", shown, discover_kind_name(l[i].kind),
               l[i].title ? l[i].title : "");
        free(shown);
    }
}

/* The page at o->url is not a feed: subscribe to the feed it advertises. */
static int add_discovered(struct subs *s, const struct add_opts *o, const char *ua,
                          const struct http_body *page, const char *why)
{
    struct discover_link *l;
    size_t n;
    discover_links(page->data, page->len, page->effective_url, &l, &n);
    if (n == 0) {
        fprintf(stderr, "feedsd: %s is not a feed (%s) and advertises no feed\n", o->shown, why);
        return 1;
    }
    size_t best = discover_rank(l, n);
    int rc = 1;
    if (l[0].comments) {
        fprintf(stderr, "feedsd: %s advertises only comment feeds; add one by its URL:\n",
                o->shown);
        list_links(l, n);
        goto out;
    }
    /* Idempotent on the page too: one of the fitting feeds is subscribed already. */
    for (size_t i = 0; i < best; i++) {
        const struct sub *x = subs_find(s, l[i].url);
        if (x) {
            rc = already(x);
            goto out;
        }
    }
    if (l[0].kind != DISCOVER_GUESS && best > 1) {
        fprintf(stderr, "feedsd: %s advertises %zu feeds that fit equally; choose one with"
                        " 'feedsd add FEED-URL':\n", o->shown, best);
        list_links(l, best);
        goto out;
    }
    /* Advertised: the best one only. Guesses: the first that really is a feed. */
    size_t tries = l[0].kind == DISCOVER_GUESS ? (best < MAX_GUESSES ? best : MAX_GUESSES) : 1;
    for (size_t i = 0; i < tries; i++) {
        struct http_body b;
        struct feed *f;
        char err[512];
        char *shown = url_redact(l[i].url);
        if (fetch_feed(l[i].url, ua, &b, &f, err, sizeof err) == 0) {
            printf("found %s (%s) on %s\n", shown, discover_kind_name(l[i].kind), o->shown);
            free(shown);
            rc = subscribe(s, o, l[i].url, f);
            feed_free(f);
            http_body_free(&b);
            goto out;
        }
        http_body_free(&b);
        fprintf(stderr, "feedsd: %s, found on %s: %s\n", shown, o->shown, err);
        free(shown);
    }
    if (tries > 1 || l[0].kind == DISCOVER_GUESS)
        fprintf(stderr, "feedsd: %s is not a feed (%s) and links to no working feed\n",
                o->shown, why);
out:
    discover_free(l, n);
    return rc;
}

static int add_run(struct subs *s, const struct add_opts *o)
{
    const struct sub *x = subs_find(s, o->url);
    if (x)
        return already(x);
    if (o->no_fetch)
        return subscribe(s, o, o->url, NULL);
    char *ua = subs_user_agent(s);
    struct http_body b;
    struct feed *f;
    char err[512];
    int rc;
    if (fetch_feed(o->url, ua, &b, &f, err, sizeof err) == 0) {
        rc = subscribe(s, o, o->url, f);
        feed_free(f);
    } else if (!b.data) {
        fprintf(stderr, "feedsd: %s: %s\n", o->shown, err);
        rc = 1;
    } else {
        rc = add_discovered(s, o, ua, &b, err);
    }
    http_body_free(&b);
    free(ua);
    return rc;
}

int cmd_add(int argc, char **argv)
{
    struct add_opts o = {0};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = NULL;
        if (!strcmp(a, "-c") || !strcmp(a, "--config"))
            slot = &o.config;
        else if (!strcmp(a, "--database"))
            slot = &o.database;
        else if (!strcmp(a, "--title"))
            slot = &o.title;
        else if (!strcmp(a, "--interval")) {
            if (++i >= argc || config_parse_duration(argv[i], &o.interval) < 0 ||
                o.interval <= 0)
                return fprintf(stderr, "feedsd add: --interval needs a duration"
                                       " such as 30m\n"), add_usage();
        } else if (!strcmp(a, "--no-fetch"))
            o.no_fetch = 1;
        else if (!strcmp(a, "--") && i + 2 == argc && !o.url)
            o.url = argv[++i];
        else if (a[0] == '-' || o.url)
            return fprintf(stderr, "feedsd add: unexpected '%s'\n", a), add_usage();
        else
            o.url = a;
        if (slot) {
            if (++i >= argc)
                return fprintf(stderr, "feedsd add: %s needs a value\n", a), add_usage();
            *slot = argv[i];
        }
    }
    if (!o.url)
        return add_usage();
    o.shown = url_redact(o.url);
    if (!url_is_http(o.url)) {
        fprintf(stderr, "feedsd add: '%s' is not an http:// or https:// URL\n", o.shown);
        free(o.shown);
        return 2;
    }
    if (o.title && str_empty(o.title))
        o.title = NULL;
    struct subs s;
    int rc = subs_open(&s, o.config, o.database, 1);
    if (!rc) {
        rc = add_run(&s, &o);
        subs_close(&s);
    }
    free(o.shown);
    return rc;
}

/* ---- remove ----------------------------------------------------------------------- */

int cmd_remove(int argc, char **argv)
{
    const char *config = NULL, *database = NULL, *url = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if ((!strcmp(a, "-c") || !strcmp(a, "--config")) && i + 1 < argc)
            config = argv[++i];
        else if (!strcmp(a, "--database") && i + 1 < argc)
            database = argv[++i];
        else if (!strcmp(a, "--") && i + 2 == argc && !url)
            url = argv[++i];
        else if (a[0] != '-' && !url)
            url = a;
        else
            url = NULL, i = argc;
    }
    if (!url) {
        fprintf(stderr, "usage: feedsd remove [-c CONFIG] [--database PATH] URL\n");
        return 2;
    }
    struct subs s;
    int rc = subs_open(&s, config, database, 0);
    if (rc)
        return rc;
    rc = 1;
    const struct sub *x = subs_find(&s, url);
    const char *src = x ? subs_config_source(&s, x->url) : NULL;
    if (!x) {
        char *shown = url_redact(url);
        fprintf(stderr, "feedsd: not subscribed to %s\n", shown);
        free(shown);
    } else if (src || !strcmp(x->origin, "config")) {
        /* The daemon would subscribe it again at its next start or reload. */
        fprintf(stderr, "feedsd: %s comes from %s: remove it there\n", x->shown,
                src ? src : "the configuration file");
    } else {
        char *u = xstrdup(x->url), *t = xstrdup(sub_title(x));
        int r = db_feed_unsubscribe(s.db, u);
        if (r < 0)
            fprintf(stderr, "feedsd: cannot unsubscribe: %s\n", db_errmsg(s.db));
        else if (r == 0)
            fprintf(stderr, "feedsd: not subscribed to %s\n", x->shown);
        else {
            print_sub("unsubscribed from", u, t);
            rc = 0;
        }
        free(u);
        free(t);
    }
    subs_close(&s);
    return rc;
}
