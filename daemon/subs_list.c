/* daemon/subs_list.c: `feedsd list`, `feedsd import` and `feedsd export`: the active
 * subscriptions shown, read from an OPML (or plain list) file, and written as OPML 2.0.
 * Owner: subscriptions CLI. An export imported into a fresh database gives the same URLs
 * and titles (tests/integration/t_subs.py). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "common/util.h"
#include "daemon/subs.h"
#include "feeds/opml.h"
#include "feeds/opml_write.h"
#include "feeds/url.h"
#include "storage/db.h"

/* The options every one of these commands takes; anything else is left to the caller.
 * Returns 1 when argv[*i] was one of them, 0 when not, -1 when its value is missing. */
static int common_opt(int argc, char **argv, int *i, const char **config, const char **db)
{
    const char *a = argv[*i];
    const char **slot = !strcmp(a, "-c") || !strcmp(a, "--config") ? config
                        : !strcmp(a, "--database")                 ? db
                                                                   : NULL;
    if (!slot)
        return 0;
    if (*i + 1 >= argc)
        return -1;
    *slot = argv[++*i];
    return 1;
}

static json_t *jstr(const char *s)
{
    return s ? json_string(s) : json_null();
}

static int list_json(const struct subs *s)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < s->n; i++) {
        const struct sub *x = &s->v[i];
        json_array_append_new(arr, json_pack("{s:o, s:o, s:s, s:I, s:o}", "url", jstr(x->shown),
                                             "title", jstr(sub_title(x)), "origin", x->origin,
                                             "entries", (json_int_t)x->nentries, "site_link",
                                             jstr(x->site_link)));
    }
    int rc = json_dumpf(arr, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0 ? 1 : 0;
    putchar('\n');
    json_decref(arr);
    return rc;
}

int cmd_list(int argc, char **argv)
{
    const char *config = NULL, *database = NULL;
    int json = 0;
    for (int i = 1; i < argc; i++) {
        int r = common_opt(argc, argv, &i, &config, &database);
        if (r == 0 && !strcmp(argv[i], "--json"))
            json = 1;
        else if (r != 1) {
            fprintf(stderr, "usage: feedsd list [-c CONFIG] [--database PATH] [--json]\n");
            return 2;
        }
    }
    struct subs s;
    int rc = subs_open(&s, config, database, 0);
    if (rc)
        return rc;
    if (json) {
        rc = list_json(&s);
    } else {
        /* origin, stored entries, URL, title: one subscription per line for grep/awk. */
        for (size_t i = 0; i < s.n; i++) {
            const struct sub *x = &s.v[i];
            const char *t = sub_title(x);
            printf("%-6s %7lld  %s  %s\n", x->origin, (long long)x->nentries, x->shown,
                   t ? t : "-");
        }
        printf("%zu subscription%s\n", s.n, s.n == 1 ? "" : "s");
    }
    subs_close(&s);
    return rc;
}

/* ---- import ----------------------------------------------------------------------- */

static int read_input(const char *path, char **data, size_t *len)
{
    if (strcmp(path, "-"))
        return file_read_all(path, data, len);
    struct buf b = {0};
    char chunk[65536];
    size_t k;
    while ((k = fread(chunk, 1, sizeof chunk, stdin)) > 0)
        buf_append(&b, chunk, k);
    if (ferror(stdin)) {
        buf_free(&b);
        return -1;
    }
    *len = b.len;
    *data = buf_steal(&b);
    return 0;
}

int cmd_import(int argc, char **argv)
{
    const char *config = NULL, *database = NULL, *file = NULL;
    for (int i = 1; i < argc; i++) {
        int r = common_opt(argc, argv, &i, &config, &database);
        if (r == 0 && !file && (argv[i][0] != '-' || !strcmp(argv[i], "-")))
            file = argv[i];
        else if (r != 1)
            file = NULL, i = argc;
    }
    if (!file) {
        fprintf(stderr, "usage: feedsd import [-c CONFIG] [--database PATH] FILE.opml|-\n");
        return 2;
    }
    char *data;
    size_t len;
    if (read_input(file, &data, &len) < 0) {
        fprintf(stderr, "feedsd: %s: %s\n", file, strerror(errno));
        return 1;
    }
    struct opml_feed *list = NULL;
    size_t n = 0;
    char err[512];
    int prc = opml_parse(data, len, &list, &n, err, sizeof err);
    free(data);
    if (prc < 0) {
        fprintf(stderr, "feedsd: %s: %s\n", file, err);
        opml_free(list, n);
        return 1;
    }
    struct subs s;
    int rc = subs_open(&s, config, database, 1);
    if (rc) {
        opml_free(list, n);
        return rc;
    }
    size_t added = 0, present = 0, invalid = 0;
    int64_t now = time(NULL);
    if (db_begin(s.db) < 0)
        goto dberr;
    for (size_t i = 0; i < n; i++) {
        const struct opml_feed *f = &list[i];
        if (!url_is_http(f->url)) {
            fprintf(stderr, "feedsd: %s:%d: not an http:// or https:// URL: %s\n", file,
                    f->line, f->url);
            invalid++;
            continue;
        }
        if (subs_find(&s, f->url)) {
            present++;
            continue;
        }
        /* An outline without a title carries its URL as text (opml_write.c does so):
         * that is no title, and the feed's own should show. */
        const char *title = f->title && strcmp(f->title, f->url) ? f->title : NULL;
        if (db_feed_subscribe(s.db, f->url, title, 0, -2, NULL, "cli", now, NULL) < 0 ||
            subs_reload(&s) < 0)
            goto dberr;
        added++;
    }
    if (db_commit(s.db) < 0)
        goto dberr;
    printf("imported %zu feed%s, %zu already subscribed", added, added == 1 ? "" : "s",
           present);
    if (invalid)
        printf(", %zu skipped (not http/https)", invalid);
    printf("\n");
    rc = invalid ? 1 : 0;
    goto out;
dberr:
    fprintf(stderr, "feedsd: cannot import: %s\n", db_errmsg(s.db));
    db_rollback(s.db);
    rc = 1;
out:
    opml_free(list, n);
    subs_close(&s);
    return rc;
}

/* ---- export ----------------------------------------------------------------------- */

int cmd_export(int argc, char **argv)
{
    const char *config = NULL, *database = NULL;
    for (int i = 1; i < argc; i++)
        if (common_opt(argc, argv, &i, &config, &database) != 1) {
            fprintf(stderr, "usage: feedsd export [-c CONFIG] [--database PATH]\n");
            return 2;
        }
    struct subs s;
    int rc = subs_open(&s, config, database, 0);
    if (rc)
        return rc;
    struct opml_out *v = xcalloc(s.n + 1, sizeof *v);
    for (size_t i = 0; i < s.n; i++)
        v[i] = (struct opml_out){s.v[i].shown, sub_title(&s.v[i]), s.v[i].site_link};
    char *doc = opml_write(v, s.n, "feedsd subscriptions", time(NULL));
    if (!doc || fputs(doc, stdout) == EOF || fflush(stdout) == EOF) {
        fprintf(stderr, "feedsd: cannot write the OPML document\n");
        rc = 1;
    }
    free(doc);
    free(v);
    subs_close(&s);
    return rc;
}
