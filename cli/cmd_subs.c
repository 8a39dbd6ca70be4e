/* cli/cmd_subs.c: `feedsd add` and `feedsd remove`. Owner: subscriptions CLI.
 *
 * `add` fetches what it is given: a feed is subscribed as it is; a web page is searched for
 * the feeds it advertises (feeds/discover.c) and the best one is verified and subscribed,
 * or, when several fit equally, listed for the user to choose. Subscriptions made here have
 * origin "cli": a configuration reload leaves them alone (daemon/setup.c,
 * subscriptions_from_config), and only `remove` ends them. Adding is idempotent. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "cli/commands.h"
#include "cli/subs.h"
#include "common/cli.h"
#include "common/util.h"
#include "feeds/discover.h"
#include "feeds/encoding.h"
#include "feeds/opml.h"
#include "feeds/parse.h"
#include "feeds/url.h"
#include "fetch/http_get.h"
#include "storage/db.h"

/* Guessed links (<a href="/feed">) are fetched one by one; a page full of them should not
 * turn `add` into a crawler. */
#define MAX_GUESSES 5

struct add_opts {
    const char *url, *title, *config, *database;
    char *category;             /* --category, cleaned (opml_category_clean), or NULL */
    char *shown;                /* url_redact(url): printed instead of url */
    int interval;
    int no_fetch;
};

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
static int fetch_feed(const struct subs *s, const char *url, const char *ua,
                      struct http_body *body, struct feed **feed, char *err, size_t errlen)
{
    *feed = NULL;
    if (http_get(url, ua, s->cfg.allow_private, body, err, errlen) < 0)
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
    struct db_subscription sub = {url, o->title, o->interval, -2, NULL, "cli", o->category};
    if (db_feed_subscribe(db, &sub, time(NULL), &id) < 0)
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
        if (fetch_feed(s, l[i].url, ua, &b, &f, err, sizeof err) == 0) {
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
    if (fetch_feed(s, o->url, ua, &b, &f, err, sizeof err) == 0) {
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

enum { ADD_CONFIG = 1, ADD_DATABASE, ADD_TITLE, ADD_CATEGORY, ADD_INTERVAL, ADD_NO_FETCH };

static const struct cli_opt add_opts[] = {
    CLI_OPT_CONFIG(ADD_CONFIG),
    CLI_OPT_DATABASE(ADD_DATABASE),
    {"--title", NULL, "TITLE", ADD_TITLE, "the title of the feed's posts, instead of its own"},
    {"--category", NULL, "NAME", ADD_CATEGORY,
     "the feed's category (folder), a path such as Tech/Linux"},
    {"--interval", NULL, "DURATION", ADD_INTERVAL,
     "poll this feed every DURATION (30m, 2h, 1d) instead of the global interval"},
    {"--no-fetch", NULL, NULL, ADD_NO_FETCH, "subscribe without fetching the feed first"},
    {NULL, NULL, NULL, 0, NULL},
};

const struct cli_cmd cmd_add_spec = {
    "add", "subscribes to a feed, or to the feed a web page advertises", "URL", 1, 1, add_opts,
    "URL is fetched first: a feed is subscribed as it is, a web page is searched for the\n"
    "feeds it advertises. exit status: 0 subscribed (or already), 1 not a feed or the\n"
    "fetch failed, 2 usage or configuration error",
    cmd_add};

int cmd_add(int argc, char **argv)
{
    struct add_opts o = {0};
    const char *category = NULL;
    struct cli cl;
    cli_init(&cl, &cmd_add_spec, argc, argv);
    for (int id; (id = cli_next(&cl)) != CLI_END;) {
        switch (id) {
        case CLI_EXIT: return cl.status;
        case CLI_ARG: o.url = cl.arg; break;
        case ADD_CONFIG: o.config = cl.arg; break;
        case ADD_DATABASE: o.database = cl.arg; break;
        case ADD_TITLE: o.title = cl.arg; break;
        case ADD_CATEGORY: category = cl.arg; break;
        case ADD_INTERVAL:
            if (config_parse_duration(cl.arg, &o.interval) < 0 || o.interval <= 0)
                return cli_usage_error(&cmd_add_spec, "--interval needs a duration such as 30m,"
                                                      " not '%s'", cl.arg);
            break;
        case ADD_NO_FETCH: o.no_fetch = 1; break;
        default: return 2;
        }
    }
    o.shown = url_redact(o.url);   /* the CLI table requires the URL */
    if (!url_is_http(o.url)) {
        fprintf(stderr, "feedsd add: '%s' is not an http:// or https:// URL\n", o.shown);
        free(o.shown);
        return 2;
    }
    if (o.title && str_empty(o.title))
        o.title = NULL;
    o.category = category ? opml_category_clean(category, strlen(category)) : NULL;
    struct subs s;
    int rc = subs_open(&s, o.config, o.database, 1);
    if (!rc) {
        rc = add_run(&s, &o);
        subs_close(&s);
    }
    free(o.shown);
    free(o.category);
    return rc;
}

/* ---- remove ----------------------------------------------------------------------- */

enum { RM_CONFIG = 1, RM_DATABASE };

static const struct cli_opt remove_opts[] = {
    CLI_OPT_CONFIG(RM_CONFIG),
    CLI_OPT_DATABASE(RM_DATABASE),
    {NULL, NULL, NULL, 0, NULL},
};

const struct cli_cmd cmd_remove_spec = {
    "remove", "unsubscribes from a feed (its entries and files stay)", "URL", 1, 1, remove_opts,
    "Only feeds added with 'feedsd add' or 'feedsd import': a feed of the configuration\n"
    "file is removed there. exit status: 0 unsubscribed, 1 not subscribed or not removable\n"
    "here, 2 usage or configuration error",
    cmd_remove};

int cmd_remove(int argc, char **argv)
{
    const char *config = NULL, *database = NULL, *url = NULL;
    struct cli cl;
    cli_init(&cl, &cmd_remove_spec, argc, argv);
    for (int id; (id = cli_next(&cl)) != CLI_END;) {
        switch (id) {
        case CLI_EXIT: return cl.status;
        case CLI_ARG: url = cl.arg; break;
        case RM_CONFIG: config = cl.arg; break;
        case RM_DATABASE: database = cl.arg; break;
        default: return 2;
        }
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
