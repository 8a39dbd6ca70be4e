/* cli/cmd_list.c: `feedsd list`, `feedsd import` and `feedsd export`: the active
 * subscriptions shown, read from an OPML (or plain list) file, and written as OPML 2.0.
 * Owner: subscriptions CLI. An export imported into a fresh database gives the same URLs
 * and titles (tests/integration/t_subs.py). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cli/commands.h"
#include "cli/subs.h"
#include "common/cli.h"
#include "common/util.h"
#include "feeds/opml.h"
#include "feeds/opml_write.h"
#include "feeds/url.h"
#include "storage/db.h"

/* The options of these commands: -c and --database, and list's --json. */
enum { SL_CONFIG = 1, SL_DATABASE, SL_JSON };

static const struct cli_opt db_opts[] = {
    CLI_OPT_CONFIG(SL_CONFIG),
    CLI_OPT_DATABASE(SL_DATABASE),
    {NULL, NULL, NULL, 0, NULL},
};

static const struct cli_opt list_opts[] = {
    CLI_OPT_CONFIG(SL_CONFIG),
    CLI_OPT_DATABASE(SL_DATABASE),
    {"--json", NULL, NULL, SL_JSON, "a JSON array, for scripts"},
    {NULL, NULL, NULL, 0, NULL},
};

const struct cli_cmd cmd_list_spec = {
    "list", "lists the active subscriptions",
    NULL, 0, 0, list_opts, NULL, cmd_list};

const struct cli_cmd cmd_import_spec = {
    "import", "subscribes to every feed of an OPML file or URL list", "FILE.opml|-", 1,
    1, db_opts,
    "'-' reads standard input. The feeds are not fetched here: the daemon checks each at\n"
    "its next poll ('feedsd status' shows how it went); 'feedsd add URL' checks one now.\n"
    "exit status: 0 imported, 1 an entry was not an http(s) URL or the file cannot be read,\n"
    "2 usage or configuration error",
    cmd_import};

const struct cli_cmd cmd_export_spec = {
    "export", "prints the active subscriptions as OPML 2.0", NULL, 0, 0, db_opts, NULL,
    cmd_export};

/* Takes -c and --database: 1 when id was one of them, 0 for any other id. */
static int db_opt(const struct cli *cl, int id, const char **config, const char **db)
{
    if (id == SL_CONFIG)
        *config = cl->arg;
    else if (id == SL_DATABASE)
        *db = cl->arg;
    else
        return 0;
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
        json_array_append_new(arr, json_pack("{s:o, s:o, s:s, s:I, s:o, s:o}", "url",
                                             jstr(x->shown), "title", jstr(sub_title(x)),
                                             "origin", x->origin, "entries",
                                             (json_int_t)x->nentries, "site_link",
                                             jstr(x->site_link), "category",
                                             jstr(x->category)));
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
    struct cli cl;
    cli_init(&cl, &cmd_list_spec, argc, argv);
    for (int id; (id = cli_next(&cl)) != CLI_END;) {
        if (id == SL_JSON)
            json = 1;
        else if (!db_opt(&cl, id, &config, &database))
            return id == CLI_EXIT ? cl.status : 2;
    }
    struct subs s;
    int rc = subs_open(&s, config, database, 0);
    if (rc)
        return rc;
    if (json) {
        rc = list_json(&s);
    } else {
        /* origin, stored entries, URL, category, title: one subscription per line for
         * grep/awk, under a header row; the title, which may hold spaces, last. */
        static const char *const head[] = {"ORIGIN", "ENTRIES", "URL", "CATEGORY", "TITLE"};
        struct cli_table t;
        cli_table_init(&t, "lrlll", head);
        for (size_t i = 0; i < s.n; i++) {
            const struct sub *x = &s.v[i];
            char entries[24];
            snprintf(entries, sizeof entries, "%lld", (long long)x->nentries);
            const char *title = sub_title(x);
            const char *row[] = {x->origin, entries, x->shown,
                                 x->category ? x->category : "-", title ? title : "-"};
            cli_table_add(&t, row);
        }
        cli_table_print(&t, stdout);
        cli_table_free(&t);
        printf("%zu %s\n", s.n, plural((long long)s.n, "subscription", "subscriptions"));
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
    struct cli cl;
    cli_init(&cl, &cmd_import_spec, argc, argv);
    for (int id; (id = cli_next(&cl)) != CLI_END;) {
        if (id == CLI_ARG)
            file = cl.arg;
        else if (!db_opt(&cl, id, &config, &database))
            return id == CLI_EXIT ? cl.status : 2;
    }
    if (!file)
        return 2;   /* cli_next reported it (min_args): for the static analyzers */
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
        struct db_subscription sub = {f->url, title, 0, -2, NULL, "cli", f->category};
        if (db_feed_subscribe(s.db, &sub, now, NULL) < 0 ||
            subs_reload(&s) < 0)
            goto dberr;
        added++;
    }
    if (db_commit(s.db) < 0)
        goto dberr;
    printf("imported %zu %s, %zu already subscribed", added,
           plural((long long)added, "feed", "feeds"), present);
    if (invalid)
        printf(", %zu skipped (not http/https)", invalid);
    /* Like newsboat's and rss2email's imports, nothing is fetched: hundreds of feeds would
     * take minutes (per_host, host_delay), and the daemon's first poll checks each anyway.
     * What was not checked is said, with the command that checks one now. */
    if (added)
        printf(" (not fetched yet: checked at the first poll; 'feedsd status' shows how it"
               " went, 'feedsd add URL' checks one now)");
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
    struct cli cl;
    cli_init(&cl, &cmd_export_spec, argc, argv);
    for (int id; (id = cli_next(&cl)) != CLI_END;)
        if (!db_opt(&cl, id, &config, &database))
            return id == CLI_EXIT ? cl.status : 2;
    struct subs s;
    int rc = subs_open(&s, config, database, 0);
    if (rc)
        return rc;
    struct opml_out *v = xcalloc(s.n + 1, sizeof *v);
    for (size_t i = 0; i < s.n; i++)
        v[i] = (struct opml_out){s.v[i].shown, sub_title(&s.v[i]), s.v[i].site_link,
                                 s.v[i].category};
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
