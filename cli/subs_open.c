/* cli/subs_open.c: what the subscription commands share: configuration and database
 * opening (creating the database for `add` and `import`, which may run before the daemon
 * ever has), and one view of the active subscriptions that merges the database with the
 * configuration's feeds that the daemon has not synced yet. Owner: subscriptions CLI. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/subs.h"
#include "common/util.h"
#include "feeds/url.h"
#include "fetch/http_get.h"
#include "storage/db.h"

/* mkdir -p of the folder that holds path (0750, as the daemon's StateDirectory). */
static int make_parent(const char *path)
{
    char *p = xstrdup(path);
    char *slash = strrchr(p, '/');
    if (!slash || slash == p) {
        free(p);
        return 0;
    }
    *slash = '\0';
    for (char *q = p + 1;; q++) {
        char c = *q;
        if (c != '/' && c != '\0')
            continue;
        *q = '\0';
        if (mkdir(p, 0750) < 0 && errno != EEXIST) {
            free(p);
            return -1;
        }
        *q = c;
        if (!c)
            break;
    }
    free(p);
    return 0;
}

static const struct feed_conf *config_find(const struct config *c, const char *url)
{
    for (size_t i = 0; i < c->nfeeds; i++)
        if (!strcmp(c->feeds[i].url, url))
            return &c->feeds[i];
    return NULL;
}

static void subs_free_v(struct subs *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i].shown);
    free(s->v);
}

int subs_reload(struct subs *s)
{
    db_feed_list_free(s->rows, s->nrows);
    subs_free_v(s);
    s->rows = NULL;
    s->nrows = 0;
    if (s->db && db_feed_list(s->db, DB_FEEDS_ACTIVE, &s->rows, &s->nrows) < 0) {
        fprintf(stderr, "feedsd: cannot read feeds: %s\n", db_errmsg(s->db));
        s->v = NULL;
        s->n = 0;
        return -1;
    }
    s->v = xcalloc(s->nrows + s->cfg.nfeeds + 1, sizeof *s->v);
    s->n = 0;
    for (size_t i = 0; i < s->nrows; i++) {
        const struct db_feed *r = &s->rows[i];
        s->v[s->n++] = (struct sub){r->url, url_redact(r->url), r->title, r->feed_title,
                                    r->site_link, r->origin ? r->origin : "config",
                                    r->nentries, r, r->category};
    }
    for (size_t i = 0; i < s->cfg.nfeeds; i++) {
        const struct feed_conf *fc = &s->cfg.feeds[i];
        int present = 0;
        for (size_t j = 0; j < s->nrows && !present; j++)
            present = !strcmp(s->rows[j].url, fc->url);
        if (!present)
            s->v[s->n++] = (struct sub){fc->url, url_redact(fc->url), fc->title, NULL, NULL,
                                        "config", 0, NULL, fc->category};
    }
    return 0;
}

int subs_open(struct subs *s, const char *config_path, const char *database, int create)
{
    memset(s, 0, sizeof *s);
    config_defaults(&s->cfg);
    char err[1024];
    if (!config_path)
        config_path = getenv("FEEDSD_CONFIG");
    int bad = config_path && config_load(&s->cfg, config_path, err, sizeof err) < 0;
    s->nconfig_own = s->cfg.nfeeds;
    if (bad ||
        (s->cfg.feeds_file && config_add_feeds_file(&s->cfg, s->cfg.feeds_file, err,
                                                    sizeof err) < 0)) {
        fprintf(stderr, "feedsd: %s\n", err);
        config_free(&s->cfg);
        return 2;
    }
    s->db_path = path_normalize(database ? database : s->cfg.database);
    if (!create && access(s->db_path, F_OK) < 0 && errno == ENOENT)
        return subs_reload(s) < 0 ? (subs_close(s), 1) : 0;
    if (create && make_parent(s->db_path) < 0) {
        fprintf(stderr, "feedsd: cannot create the folder of %s: %s\n", s->db_path,
                strerror(errno));
        subs_close(s);
        return 1;
    }
    if (db_open(s->db_path, &s->db, err, sizeof err) < 0) {
        fprintf(stderr, "feedsd: %s\n", err);
        s->db = NULL;
        subs_close(s);
        return 1;
    }
    if (subs_reload(s) < 0) {
        subs_close(s);
        return 1;
    }
    return 0;
}

void subs_close(struct subs *s)
{
    db_feed_list_free(s->rows, s->nrows);
    subs_free_v(s);
    if (s->db)
        db_close(s->db);
    free(s->db_path);
    config_free(&s->cfg);
    memset(s, 0, sizeof *s);
}

const struct sub *subs_find(const struct subs *s, const char *url)
{
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->v[i].url, url))
            return &s->v[i];
    char *norm = url_normalize(url);
    const struct sub *hit = NULL;
    for (size_t i = 0; norm && i < s->n && !hit; i++) {
        char *other = url_normalize(s->v[i].url);
        if (other && !strcmp(norm, other))
            hit = &s->v[i];
        free(other);
    }
    free(norm);
    /* The URL as `list` shows it, without the credentials it was subscribed with: the
     * one subscription it can mean. */
    for (size_t i = 0; !hit && i < s->n; i++) {
        if (strcmp(s->v[i].shown, url))
            continue;
        for (size_t k = i + 1; k < s->n; k++)
            if (!strcmp(s->v[k].shown, url))
                return NULL;    /* the same URL with two sets of credentials */
        hit = &s->v[i];
    }
    return hit;
}

const char *subs_config_source(const struct subs *s, const char *url)
{
    const struct feed_conf *fc = config_find(&s->cfg, url);
    if (!fc)
        return NULL;
    if ((size_t)(fc - s->cfg.feeds) < s->nconfig_own && s->cfg.path)
        return s->cfg.path;
    return s->cfg.feeds_file ? s->cfg.feeds_file : "the configuration";
}

const char *sub_title(const struct sub *x)
{
    return x->title ? x->title : x->feed_title;
}

char *subs_user_agent(const struct subs *s)
{
    return s->cfg.user_agent ? xstrdup(s->cfg.user_agent)
                             : xasprintf("feedsd/%s (+https://github.com/feedsd/feedsd)",
                                         FEEDSD_VERSION);
}
