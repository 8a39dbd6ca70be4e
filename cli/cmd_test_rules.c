/* cli/cmd_test_rules.c: `feedsd test-rules [--feed URL] [--json] URL|FILE` (docs/cli.md):
 * which entries of a feed document the configuration's include / exclude rules keep
 * (daemon/filter.h), the global ones and those of the feed's [feed] section, decided as
 * the daemon decides for a new entry. A URL is fetched once (as `feedsd add` fetches);
 * a FILE is read, and --feed names the section whose rules apply. Nothing is stored. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/commands.h"
#include "common/cli.h"
#include "common/util.h"
#include "daemon/config.h"
#include "daemon/filter.h"
#include "feeds/encoding.h"
#include "feeds/feed.h"
#include "feeds/parse.h"
#include "feeds/url.h"
#include "fetch/http_get.h"

enum { TR_CONFIG = 1, TR_FEED, TR_JSON };

static const struct cli_opt test_rules_opts[] = {
    CLI_OPT_CONFIG(TR_CONFIG),
    {"--feed", NULL, "URL", TR_FEED,
     "apply the rules of this feed's [feed URL] section (default: the URL given)"},
    {"--json", NULL, NULL, TR_JSON, "a JSON object, for scripts"},
    {NULL, NULL, NULL, 0, NULL},
};

const struct cli_cmd cmd_test_rules_spec = {
    "test-rules", "shows which entries of a feed the include and exclude rules keep",
    "URL|FILE", 1, 1, test_rules_opts,
    "An http(s) URL is fetched, anything else is read as a feed document ('-': standard\n"
    "input). Nothing is stored. exit status: 0 shown, 1 the feed cannot be fetched or\n"
    "read, 2 usage or configuration error",
    cmd_test_rules};

/* The document at what: fetched when it is an http(s) URL, else read. 0 / -1 (said). */
static int document_get(const struct config *c, const char *what, struct feed **f)
{
    char err[512];
    int rc;
    if (url_is_http(what)) {
        char *ua = c->user_agent ? xstrdup(c->user_agent)
                                 : xasprintf("feedsd/%s (+https://github.com/feedsd/feedsd)",
                                             FEEDSD_VERSION);
        struct http_body b;
        rc = http_get(what, ua, c->allow_private, &b, err, sizeof err);
        if (rc == 0) {
            char *cs = encoding_charset_param(b.content_type);
            char *base = url_redact(b.effective_url);
            rc = feed_parse(b.data, b.len, base, cs, f, err, sizeof err);
            free(base);
            free(cs);
        }
        http_body_free(&b);
        free(ua);
    } else {
        struct file_view in;
        if (file_view_open(what, &in) != 0) {
            fprintf(stderr, "feedsd test-rules: %s: cannot read: %m\n", what);
            return -1;
        }
        rc = feed_parse(in.data, in.len, NULL, NULL, f, err, sizeof err);
        file_view_close(&in);
    }
    if (rc != 0) {
        char *shown = url_redact(what);
        fprintf(stderr, "feedsd test-rules: %s: %s\n", shown, err);
        free(shown);
    }
    return rc;
}

static int show_text(const struct feed *f, const char *const *why)
{
    static const char *const head[] = {"RESULT", "RULE", "TITLE"};
    struct cli_table t;
    cli_table_init(&t, "lll", head);
    size_t dropped = 0;
    for (size_t i = 0; i < f->nentries; i++) {
        const struct entry *e = &f->entries[i];
        const char *row[] = {why[i] ? "drop" : "keep", why[i] ? why[i] : "-",
                             e->title && *e->title ? e->title : e->link ? e->link : "-"};
        cli_table_add(&t, row);
        dropped += why[i] != NULL;
    }
    cli_table_print(&t, stdout);
    cli_table_free(&t);
    printf("%zu %s: %zu kept, %zu dropped\n", f->nentries,
           plural((long long)f->nentries, "entry", "entries"), f->nentries - dropped, dropped);
    return 0;
}

static int show_json(const struct feed *f, const char *const *why)
{
    json_t *arr = json_array();
    size_t dropped = 0;
    for (size_t i = 0; i < f->nentries; i++) {
        const struct entry *e = &f->entries[i];
        json_array_append_new(arr, json_pack("{s:o, s:o, s:b, s:o}", "title",
                                             e->title ? json_string(e->title) : json_null(),
                                             "link", e->link ? json_string(e->link) : json_null(),
                                             "kept", why[i] == NULL, "rule",
                                             why[i] ? json_string(why[i]) : json_null()));
        dropped += why[i] != NULL;
    }
    json_t *doc = json_pack("{s:o, s:I, s:I}", "entries", arr, "kept",
                            (json_int_t)(f->nentries - dropped), "dropped", (json_int_t)dropped);
    int rc = !doc || json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0;
    putchar('\n');
    json_decref(doc);
    return rc;
}

int cmd_test_rules(int argc, char **argv)
{
    const char *config_path = NULL, *feed_url = NULL, *what = NULL;
    int json = 0;
    struct cli cl;
    cli_init(&cl, &cmd_test_rules_spec, argc, argv);
    for (int id; (id = cli_next(&cl)) != CLI_END;) {
        switch (id) {
        case CLI_EXIT: return cl.status;
        case CLI_ARG: what = cl.arg; break;
        case TR_CONFIG: config_path = cl.arg; break;
        case TR_FEED: feed_url = cl.arg; break;
        case TR_JSON: json = 1; break;
        default: return 2;
        }
    }
    if (!what)
        return 2;   /* cli_next reported it (min_args): for the static analyzers */
    if (!config_path)
        config_path = getenv("FEEDSD_CONFIG");
    struct config c;
    config_defaults(&c);
    char err[1024];
    if (config_path && config_load(&c, config_path, err, sizeof err) < 0) {
        fprintf(stderr, "feedsd: %s\n", err);
        config_free(&c);
        return 2;
    }
    const struct feed_conf *fc = config_feed(&c, feed_url ? feed_url : what);
    if (feed_url && !fc)
        fprintf(stderr, "feedsd test-rules: no [feed %s] section: the global rules only\n",
                feed_url);
    struct feed *f = NULL;
    int rc = 1;
    if (document_get(&c, what, &f) == 0) {
        const char **why = xcalloc(f->nentries + 1, sizeof *why);
        for (size_t i = 0; i < f->nentries; i++)
            why[i] = filter_decide(&c.filters, fc ? &fc->filters : NULL, &f->entries[i]);
        rc = (json ? show_json(f, why) : show_text(f, why)) || fflush(stdout) ? 1 : 0;
        free(why);
    }
    feed_free(f);
    config_free(&c);
    return rc;
}
