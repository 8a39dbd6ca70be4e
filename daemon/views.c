/* daemon/views.c: the output feed (`output_feed`) and the daily digests (`digest = daily`)
 * of issue 18, item 5. Like the posts' files they are projections of the database: each is
 * made whole from the rows of written posts (storage/db_views.c) and replaced atomically
 * (output_write_atomic), so a crash at any point leaves the old file or the new one, and
 * running again makes the same file. A digest's day is marked in the transaction that
 * marks a post written and unmarked once its file is in place; the output feed is written
 * after every batch and at every start. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/util.h"
#include "daemon/app.h"
#include "output/output.h"

static int digest_on(const struct app *app)
{
    return app->cfg.digest && !strcmp(app->cfg.digest, "daily");
}

/* The post's day in the configured zone (the daemon sets TZ), "YYYY-MM-DD". */
static void day_of(int64_t t, char out[16])
{
    time_t tt = (time_t)t;
    struct tm tm;
    snprintf(out, 16, "1970-01-01");
    if (localtime_r(&tt, &tm))
        strftime(out, 16, "%Y-%m-%d", &tm);
}

int views_mark(struct app *app, const struct db_entry *e)
{
    if (!digest_on(app))
        return 0;
    char day[16];
    day_of(pipeline_post_date(e), day);
    return db_digest_mark(app->db, day);
}

/* Posts of ids, loaded. Returns how many loaded (es and ps filled in that order). */
static size_t load(struct app *app, const int64_t *ids, size_t n, struct db_entry *es,
                   struct post *ps, struct rendered *rs)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (db_entry_get(app->db, ids[i], &es[k]) < 0)
            continue;
        pipeline_post(app, &es[k], &ps[k], &rs[k]);
        k++;
    }
    return k;
}

static void unload(struct db_entry *es, struct rendered *rs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        pipeline_post_free(&rs[i]);
        db_entry_clear(&es[i]);
    }
}

/* dir/name of path: the folder (malloc'd) and the name within it. */
static char *split_path(const char *path, const char **name)
{
    const char *slash = strrchr(path, '/');
    *name = slash ? slash + 1 : path;
    return slash ? xstrndup(path, (size_t)(slash - path + (slash == path))) : xstrdup(".");
}

/* The link from a file in folder `from` to the file `to`, both absolute: "../2024/a.md". */
static char *relative_link(const char *from, const char *to)
{
    size_t i = 0, common = 0;
    while (from[i] && from[i] == to[i]) {
        if (from[i] == '/')
            common = i;
        i++;
    }
    if (!from[i] && to[i] == '/')
        common = i;   /* from is a folder on to's path */
    struct buf b = {0};
    for (const char *c = from + common; *c; c++)
        if (*c == '/' && c[1])
            buf_puts(&b, "../");
    buf_puts(&b, to + common + (to[common] == '/'));
    return buf_steal(&b);
}

static void write_feed(struct app *app)
{
    const char *path = app->cfg.output_feed;
    int64_t *ids = NULL;
    size_t n = 0;
    if (db_entries_recent(app->db, app->cfg.output_feed_size, &ids, &n) < 0) {
        log_err("output feed %s: cannot read the posts from the database", path);
        return;
    }
    struct db_entry *es = xcalloc(n ? n : 1, sizeof *es);
    struct post *ps = xcalloc(n ? n : 1, sizeof *ps);
    struct rendered *rs = xcalloc(n ? n : 1, sizeof *rs);
    struct output_atom_entry *ae = xcalloc(n ? n : 1, sizeof *ae);
    char (*idh)[17] = xcalloc(n ? n : 1, sizeof *idh);
    char **ids_s = xcalloc(n ? n : 1, sizeof *ids_s);
    char **links = xcalloc(n ? n : 1, sizeof *links);
    size_t k = load(app, ids, n, es, ps, rs);

    const char *name;
    char *dir = split_path(path, &name);
    char out_abs[PATH_MAX], dir_abs[PATH_MAX];
    int rel = realpath(app->cfg.output, out_abs) && realpath(dir, dir_abs);
    for (size_t i = 0; i < k; i++) {
        pipeline_idhash(&es[i], idh[i]);
        ids_s[i] = xasprintf("urn:feedsd:entry:%s", idh[i]);
        char *target = xasprintf("%s/%s", rel ? out_abs : app->cfg.output, es[i].path);
        char *link = rel ? relative_link(dir_abs, target) : xstrdup(target);
        struct buf lb = {0};
        output_put_link(&lb, link);
        links[i] = buf_steal(&lb);
        free(link);
        free(target);
        ae[i] = (struct output_atom_entry){
            .id = ids_s[i], .file = links[i],
            .updated = es[i].updated != FEED_TIME_NONE && es[i].updated > ps[i].published
                           ? es[i].updated : ps[i].published,
        };
    }
    char fid[17];
    hash_hex(hash64(path, strlen(path)), fid);
    char *feed_id = xasprintf("urn:feedsd:feed:%s", fid);
    struct output_atom_feed f = {.title = "feedsd", .id = feed_id, .version = FEEDSD_VERSION,
                                 .updated = 0};
    char *text = output_atom(&f, ps, ae, k);
    char err[512];
    if (output_write_atomic(dir, name, text, err, sizeof err) < 0)
        log_err("output feed: %s", err);
    free(text);
    free(feed_id);
    free(dir);
    for (size_t i = 0; i < k; i++) {
        free(ids_s[i]);
        free(links[i]);
    }
    unload(es, rs, k);
    free(links);
    free(ids_s);
    free(idh);
    free(ae);
    free(rs);
    free(ps);
    free(es);
    free(ids);
}

/* [from, to) of a local day "YYYY-MM-DD": mktime with the zone's own DST rule. */
static int day_bounds(const char *day, int64_t *from, int64_t *to)
{
    char *end;
    long y = strtol(day, &end, 10);
    if (*end != '-')
        return -1;
    long m = strtol(end + 1, &end, 10);
    if (*end != '-')
        return -1;
    long d = strtol(end + 1, &end, 10);
    if (*end || y < 1900 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31)
        return -1;
    struct tm a = {.tm_year = (int)y - 1900, .tm_mon = (int)m - 1, .tm_mday = (int)d,
                   .tm_isdst = -1};
    struct tm b = a;
    b.tm_mday++;   /* mktime normalizes the 32nd of a month to the next one's 1st */
    *from = (int64_t)mktime(&a);
    *to = (int64_t)mktime(&b);
    return 0;
}

/* Writes the digest of day from the database. 0, or -1 (logged). */
static int write_digest(struct app *app, const char *day)
{
    int64_t from, to;
    int64_t *ids = NULL;
    size_t n = 0;
    if (day_bounds(day, &from, &to) < 0 || db_entries_between(app->db, from, to, &ids, &n) < 0) {
        log_err("digest %s: cannot read the day's posts from the database", day);
        return -1;
    }
    struct db_entry *es = xcalloc(n ? n : 1, sizeof *es);
    struct post *ps = xcalloc(n ? n : 1, sizeof *ps);
    struct rendered *rs = xcalloc(n ? n : 1, sizeof *rs);
    char **links = xcalloc(n ? n : 1, sizeof *links);
    size_t k = load(app, ids, n, es, ps, rs);
    for (size_t i = 0; i < k; i++)
        links[i] = xasprintf("../%s", es[i].path);   /* the digest is in digest/ */
    char *rel = output_digest_path(day);
    char *text = output_digest(day, ps, (const char *const *)links, k);
    char err[512];
    int rc = output_write_atomic(app->cfg.output, rel, text, err, sizeof err);
    if (rc < 0)
        log_err("digest: %s", err);
    free(text);
    free(rel);
    for (size_t i = 0; i < k; i++)
        free(links[i]);
    unload(es, rs, k);
    free(links);
    free(rs);
    free(ps);
    free(es);
    free(ids);
    return rc;
}

static void free_list(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void views_update(struct app *app, int wrote, int force)
{
    if (app->cfg.output_feed && (wrote || force))
        write_feed(app);
    if (!digest_on(app))
        return;
    char **days;
    size_t n;
    if (db_digest_dirty(app->db, &days, &n) < 0)
        return;
    for (size_t i = 0; i < n; i++)
        if (write_digest(app, days[i]) == 0 && db_digest_clear(app->db, days[i]) < 0)
            log_err("digest %s: %s", days[i], db_errmsg(app->db));
    free_list(days, n);
}

void views_recover(struct app *app)
{
    if (digest_on(app)) {
        char **days;
        size_t n;
        if (db_written_days(app->db, &days, &n) == 0) {
            for (size_t i = 0; i < n; i++) {
                char *rel = output_digest_path(days[i]);
                if (output_exists(app->cfg.output, rel) == 0)
                    db_digest_mark(app->db, days[i]);
                free(rel);
            }
            free_list(days, n);
        }
    }
    views_update(app, 0, 1);
}
