/* cli/cmd_extract.c: `feedsd extract [--base-url URL] [-c CONFIG] FILE|URL` (docs/cli.md):
 * the reader-mode rendering of a web page, as the "## Full Content" section of a post
 * shows it when the daemon fetched the post's page (full_content): the page's title, its
 * URL, and its article (markdown/readability.h) as markdown. A URL is fetched as `feedsd
 * add` fetches one (fetch/http_get.h: the configuration's user_agent and allow_private,
 * private addresses refused otherwise). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "common/cli.h"
#include "common/util.h"
#include "daemon/config.h"
#include "feeds/url.h"
#include "fetch/http_get.h"
#include "markdown/readability.h"
#include "output/output.h"

enum { X_BASE_URL = 1, X_CONFIG };

static const struct cli_opt extract_opts[] = {
    {"--base-url", NULL, "URL", X_BASE_URL,
     "the page's address: relative links resolve against it, and it is the URL Source"},
    CLI_OPT_CONFIG(X_CONFIG),
    {NULL, NULL, NULL, 0, NULL},
};

const struct cli_cmd cmd_extract_spec = {
    "extract", "prints the article of a web page as a post's Full Content shows it",
    "FILE|URL", 1, 1, extract_opts,
    "FILE '-' reads standard input. An http(s) URL is fetched with the configuration's\n"
    "user_agent; private addresses only with allow_private = yes. The output: 'Title:',\n"
    "'URL Source:' and 'Markdown Content:' lines, then the article. exit status: 0 an\n"
    "article, 1 no article or the page cannot be had (one line on standard error), 2 usage\n"
    "error",
    cmd_extract};

/* The page's bytes and its URL: fetched, or read from a file. 0 / -1 (said). */
static int page_get(const char *src, const char *config_path, char **html, size_t *len,
                    char **url)
{
    if (!url_is_http(src)) {
        if (file_read_all(src, html, len) != 0) {
            fprintf(stderr, "feedsd extract: cannot read %s: %s\n",
                    strcmp(src, "-") ? src : "standard input", strerror(errno));
            return -1;
        }
        return 0;
    }
    struct config c;
    config_defaults(&c);
    char err[1024] = "";
    if (config_path && config_load(&c, config_path, err, sizeof err) < 0) {
        fprintf(stderr, "feedsd extract: %s\n", err);
        config_free(&c);
        return -1;
    }
    char *ua = c.user_agent ? xstrdup(c.user_agent)
                            : xasprintf("feedsd/%s (+https://github.com/feedsd/feedsd)",
                                        FEEDSD_VERSION);
    struct http_body body = {0};
    int rc = http_get(src, ua, c.allow_private, &body, err, sizeof err);
    free(ua);
    config_free(&c);
    if (rc < 0) {
        char *shown = url_redact(src);
        fprintf(stderr, "feedsd extract: %s: %s\n", shown, err);
        free(shown);
        http_body_free(&body);
        return -1;
    }
    *html = body.data;
    *len = body.len;
    *url = body.effective_url ? xstrdup(body.effective_url) : xstrdup(src);
    body.data = NULL;
    http_body_free(&body);
    return 0;
}

int cmd_extract(int argc, char **argv)
{
    const char *base = NULL, *src = NULL, *config_path = getenv("FEEDSD_CONFIG");
    struct cli cl;
    cli_init(&cl, &cmd_extract_spec, argc, argv);
    for (int id; (id = cli_next(&cl)) != CLI_END;) {
        if (id == CLI_ARG)
            src = cl.arg;
        else if (id == X_BASE_URL)
            base = cl.arg;
        else if (id == X_CONFIG)
            config_path = cl.arg;
        else
            return cl.status;   /* CLI_EXIT */
    }
    if (!src)
        return 2;   /* the table asks for one argument: cli_next reported its absence */
    char *html = NULL, *fetched = NULL;
    size_t len = 0;
    if (page_get(src, config_path, &html, &len, &fetched) < 0)
        return 1;
    /* The address the page was had from, unless --base-url says otherwise; shown without
     * credentials. */
    char *url = base ? xstrdup(base) : fetched ? url_redact(fetched) : NULL;
    struct page_meta meta = {0};
    char err[512] = "";
    /* The markdown straight from the page's tree: the article's HTML is not needed. */
    char *md = readability_extract_md(html, len, base ? base : fetched, &meta, err, sizeof err);
    free(html);
    int status = 0;
    if (!md) {
        fprintf(stderr, "feedsd extract: %s: %s\n", url ? url : src, err);
        status = 1;
    } else {
        struct buf out = {0};
        output_render_reader(&out, meta.title ? meta.title : "", url, md);
        fwrite(out.data, 1, out.len, stdout);
        buf_free(&out);
        if (fflush(stdout) != 0) {
            fprintf(stderr, "feedsd extract: cannot write the output\n");
            status = 1;
        }
    }
    free(md);
    page_meta_free(&meta);
    free(url);
    free(fetched);
    return status;
}
