/* daemon/config.c: the configuration file's reader (reference: docs/configuration.md,
 * example: examples/feedsd.conf). "key = value" lines, '#' comments, optional double
 * quotes, and "[feed URL]" sections for per-feed options. Keys are table-driven
 * (config_keys.c: type, range, field; config_values.c: the setters); every error names
 * FILE:LINE: KEY. Owner: configuration engineer. */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "common/util.h"
#include "daemon/config.h"
#include "daemon/config_int.h"
#include "feeds/opml.h"
#include "feeds/url.h"

void config_defaults(struct config *c)
{
    memset(c, 0, sizeof *c);
    /* Under systemd's StateDirectory= (systemd.exec(5)) the database lives there, for the
     * daemon and for every command run in the same environment. */
    const char *state = getenv("STATE_DIRECTORY");
    c->database = state && *state ? xasprintf("%s/feedsd.db", state) : xstrdup("feedsd.db");
    c->output = xstrdup("out");
    c->filename = xstrdup("{date}-{slug}.md");
    c->tags = xstrdup("off");
    c->date_format = xstrdup("day");
    c->on_write_retry = 10;
    c->output_feed_size = 20;
    c->digest = xstrdup("off");
    c->interval = 3600;
    c->max_interval = DAY;
    c->concurrency = 16;
    c->per_host = 1;
    c->host_delay = 1000;
    c->min_interval = 900;
    c->timeout = 30;
    c->max_size = 16L << 20;
    c->backlog = 5;
    struct summary_config *sc = &c->summary;
    sc->backend = xstrdup("builtin");
    sc->sentences = 3;
    sc->chars = 600;
    sc->openai_url = xstrdup("http://localhost:11434/v1");
    sc->max_input = 12000;
    sc->temperature = 0.2;
    sc->max_tokens = 1024;
    sc->timeout = 300;
    sc->concurrency = 2;
    sc->rate = 30;
    sc->attempts = 5;
    sc->retry = 30;
    sc->fallback = xstrdup("builtin");
    sc->max_wait = 3600;
    sc->min_length = 300;
    sc->circuit = 300;
    c->full_content = xstrdup("never");
    c->full_content_min = 500;
    c->duplicates = xstrdup("merge");
}

/* The feeds by URL: a lookup compared the URL with every section's, so that a poll of
 * each of 1000 feeds (two lookups each) and reading their 1000 feed lines made 3 million
 * string comparisons, 8% of a warm poll's instructions (callgrind, bench/https.py). */
static size_t *index_slot(const struct config *c, const char *url)
{
    size_t mask = c->feed_index_cap - 1;
    /* XXH64, not hash64's byte-at-a-time FNV-1a: the 6000 lookups of 1000 feeds' URLs at
     * start and per poll of a warm poll hashed for 1.6 M instructions, 1.0 M with XXH64
     * (callgrind, Debian 12). The index lives in memory only. */
    for (size_t i = (size_t)hash_xxh64(url, strlen(url), 0) & mask;; i = (i + 1) & mask) {
        size_t *slot = &c->feed_index[i];
        if (!*slot || !strcmp(c->feeds[*slot - 1].url, url))
            return slot;
    }
}

static void index_add(struct config *c, size_t pos)
{
    if (2 * (c->nfeeds + 1) > c->feed_index_cap) {
        free(c->feed_index);
        c->feed_index_cap = c->feed_index_cap ? 2 * c->feed_index_cap : 64;
        c->feed_index = xcalloc(c->feed_index_cap, sizeof *c->feed_index);
        for (size_t i = 0; i < c->nfeeds; i++)
            if (i != pos)
                *index_slot(c, c->feeds[i].url) = i + 1;
    }
    *index_slot(c, c->feeds[pos].url) = pos + 1;
}

const struct feed_conf *config_feed(const struct config *c, const char *url)
{
    if (!c->feed_index_cap || !url)
        return NULL;
    size_t pos = *index_slot(c, url);
    return pos ? &c->feeds[pos - 1] : NULL;
}

const char *config_ca_file(const struct config *c, const char *url)
{
    const struct feed_conf *f = config_feed(c, url);
    return f && f->ca_file ? f->ca_file : c->ca_file;
}

void config_free(struct config *c)
{
    free(c->path);
    free(c->database);
    free(c->output);
    free(c->filename);
    free(c->tags);
    free(c->date_format);
    free(c->on_write);
    free(c->output_feed);
    free(c->digest);
    free(c->timezone);
    free(c->feeds_file);
    free(c->user_agent);
    free(c->metrics);
    free(c->proxy);
    struct summary_config *sc = &c->summary;
    free(sc->backend);
    free(sc->language);
    free(sc->openai_url);
    free(sc->openai_model);
    free(sc->openai_api_key_file);
    free(sc->openai_api_key_env);
    free(sc->system_prompt);
    free(sc->prompt);
    free(sc->command);
    free(sc->fallback);
    free(c->full_content);
    free(c->duplicates);
    free(c->ca_file);
    for (size_t i = 0; i < c->nfeeds; i++) {
        free(c->feeds[i].url);
        free(c->feeds[i].title);
        free(c->feeds[i].category);
        free(c->feeds[i].summarizer);
        free(c->feeds[i].full_content);
        free(c->feeds[i].duplicates);
        free(c->feeds[i].ca_file);
        free(c->feeds[i].username);
        free(c->feeds[i].password_file);
        free(c->feeds[i].cookie_file);
        free(c->feeds[i].user_agent);
        free(c->feeds[i].proxy);
        for (size_t h = 0; h < c->feeds[i].nheaders; h++) {
            free(c->feeds[i].headers[h].name);
            str_free_secret(c->feeds[i].headers[h].value);
        }
        free(c->feeds[i].headers);
        filter_set_free(&c->feeds[i].filters);
    }
    filter_set_free(&c->filters);
    free(c->feeds);
    free(c->feed_index);
    memset(c, 0, sizeof *c);
}

/* ---- feeds --------------------------------------------------------------------------- */

static struct feed_conf *feed_find(struct config *c, const char *url)
{
    const struct feed_conf *f = config_feed(c, url);
    return f ? &c->feeds[f - c->feeds] : NULL;
}

static struct feed_conf *feed_append(struct config *c, const char *url, const char *title)
{
    c->feeds = xrealloc(c->feeds, (c->nfeeds + 1) * sizeof *c->feeds);
    struct feed_conf *f = &c->feeds[c->nfeeds++];
    memset(f, 0, sizeof *f);
    f->url = xstrdup(url);
    f->title = xstrdup(title);
    f->interval = 0;
    f->backlog = -2;
    index_add(c, c->nfeeds - 1);
    return f;
}

/* Line of each feed as the file defines it (parallel to c->feeds during one load), so
 * that a repeated URL names both lines. A repeat is an error rather than a merge: two
 * [feed] sections with different options for one URL have no right answer. */
struct config_lines {
    int *v;
    size_t n;
};

int config_feed_add(struct config_ctx *x, const char *url)
{
    struct config_lines *cur_lines = x->lines;
    /* url_is_http cleans and splits the URL: once per feed, not twice (1.1 M of the
     * 417 M instructions of a warm poll of 1000 feeds, callgrind, Debian 12) */
    int http = url_is_http(url);
    struct feed_conf *dup = http ? feed_find(x->c, url) : NULL;
    if (!http || dup) {
        /* Error messages show the URL without its credentials (url_redact): those are
         * for the feed's requests only. */
        char *shown = url_redact(url);
        size_t i = dup ? (size_t)(dup - x->c->feeds) : 0;
        int rc = !dup ? CONFIG_WHY("expected an http:// or https:// URL, got \"%s\"", shown)
                 : cur_lines && i < cur_lines->n && cur_lines->v[i] > 0
                     ? CONFIG_WHY("%s is already subscribed on line %d", shown, cur_lines->v[i])
                     : CONFIG_WHY("%s is already subscribed", shown);
        free(shown);
        return rc;
    }
    size_t before = x->c->nfeeds;
    feed_append(x->c, url, NULL);
    if (cur_lines) {
        cur_lines->v = xrealloc(cur_lines->v, x->c->nfeeds * sizeof *cur_lines->v);
        for (size_t i = cur_lines->n; i < before; i++)
            cur_lines->v[i] = 0;   /* feeds that were there before this file */
        cur_lines->v[before] = x->line;
        cur_lines->n = x->c->nfeeds;
    }
    return 0;
}

int config_set_feed_line(struct config_ctx *x, const struct config_key *k, const char *v)
{
    (void)k;
    return config_feed_add(x, v);
}

/* The whole file at path (NUL-terminated), or -1 with "PATH: reason" in err. */
static int read_file(const char *path, char **data, size_t *len, char *err, size_t errlen)
{
    if (file_read_all(path, data, len) < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

int config_add_feeds_file(struct config *c, const char *path, char *err, size_t errlen)
{
    char *data;
    size_t len;
    if (read_file(path, &data, &len, err, errlen) < 0)
        return -1;
    struct opml_feed *list = NULL;
    size_t n = 0;
    char why[512];
    int rc = opml_parse(data, len, &list, &n, why, sizeof why);
    free(data);
    if (rc < 0) {
        snprintf(err, errlen, "%s: %s", path, why);
        opml_free(list, n);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (!url_is_http(list[i].url)) {
            char *shown = url_redact(list[i].url);
            snprintf(err, errlen, "%s:%d: expected an http:// or https:// URL, got \"%s\"",
                     path, list[i].line, shown);
            free(shown);
            opml_free(list, n);
            return -1;
        }
        if (!feed_find(c, list[i].url))
            feed_append(c, list[i].url, list[i].title)->category =
                list[i].category ? xstrdup(list[i].category) : NULL;
    }
    opml_free(list, n);
    return 0;
}

/* ---- the file ------------------------------------------------------------------------ */

/* Splits a value: optional double quotes with \" and \\ escapes, else up to a '#' that
 * follows whitespace (so URL fragments such as "#atom" survive). In place; NULL with a
 * reason on error. */
static char *value_parse(char *s, char *why, size_t whylen)
{
    int spaced = *s == ' ' || *s == '\t';
    while (*s == ' ' || *s == '\t')
        s++;
    if (*s == '#' && spaced)
        *s = '\0';   /* "key = # comment": no value */
    if (*s == '"') {
        char *w = s, *r = s + 1;
        for (; *r && *r != '"'; r++) {
            if (*r == '\\' && (r[1] == '"' || r[1] == '\\'))
                r++;
            *w++ = *r;
        }
        if (*r != '"') {
            snprintf(why, whylen, "missing closing quote");
            return NULL;
        }
        *w = '\0';
        for (r++; *r == ' ' || *r == '\t'; r++)
            ;
        if (*r && *r != '#') {
            snprintf(why, whylen, "unexpected text after the closing quote");
            return NULL;
        }
        return s;
    }
    for (char *p = s; *p; p++)
        if (*p == '#' && p > s && (p[-1] == ' ' || p[-1] == '\t')) {
            *p = '\0';
            break;
        }
    str_trim(s);
    if (!*s) {
        snprintf(why, whylen, "missing value");
        return NULL;
    }
    return s;
}

/* "[feed URL]": starts a section for that feed. */
static int section_start(struct config_ctx *x, char *line, const char **keyname)
{
    *keyname = "feed";
    char *end = strrchr(line, ']');
    if (!end || str_trim(end + 1)[0] != '\0')
        return CONFIG_WHY("expected \"[feed URL]\"");
    *end = '\0';
    char *s = str_trim(line + 1);
    if (strncmp(s, "feed", 4) || (s[4] != ' ' && s[4] != '\t'))
        return CONFIG_WHY("unknown section [%s] (only [feed URL] sections exist)", s);
    char *url = str_trim(s + 4);
    size_t n = strlen(url);
    if (n >= 2 && url[0] == '"' && url[n - 1] == '"') {
        url[n - 1] = '\0';
        url++;
    }
    if (config_feed_add(x, url) < 0)
        return -1;
    x->feed = &x->c->feeds[x->c->nfeeds - 1];
    return 0;
}

static int line_parse(struct config_ctx *x, char *line, const char **keyname)
{
    *keyname = NULL;
    str_trim(line);
    if (!*line || *line == '#')
        return 0;
    if (*line == '[')
        return section_start(x, line, keyname);
    char *eq = strchr(line, '=');
    if (!eq)
        return CONFIG_WHY("expected \"key = value\" or \"[feed URL]\"");
    *eq = '\0';
    char *key = str_trim(line);
    if (!*key)
        return CONFIG_WHY("missing key before \"=\"");
    *keyname = key;
    const struct config_key *k = config_key_find(x, key);
    if (!k)
        return -1;
    char *v = k->set == config_set_command ? str_trim(eq + 1) : value_parse(eq + 1, x->why, x->whylen);
    if (!v)
        return -1;
    if (!*v)
        return CONFIG_WHY("missing value");
    /* The feed pointer moves when c->feeds grows (a feed = line inside a section is not
     * possible: feed is not a per-feed key), so it stays valid for the config_setter. */
    return k->set(x, k, v);
}

static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return xstrdup(".");
    if (slash == path)
        return xstrdup("/");
    return xstrndup(path, (size_t)(slash - path));
}

int config_load(struct config *c, const char *path, char *err, size_t errlen)
{
    char *data;
    size_t len;
    if (read_file(path, &data, &len, err, errlen) < 0)
        return -1;
    free(c->path);
    c->path = xstrdup(path);
    const char *nul = memchr(data, '\0', len);
    if (nul) {
        int line = 1;
        for (const char *p = data; p < nul; p++)
            line += *p == '\n';
        snprintf(err, errlen, "%s:%d: NUL byte in the file", path, line);
        free(data);
        return -1;
    }
    char why[512] = "";
    char *base = dir_of(path);
    struct config_lines lines = {0};
    struct config_ctx x = {.c = c, .base = base, .lines = &lines, .why = why, .whylen = sizeof why};
    int rc = 0, interval_line = 0, max_line = 0;
    char *save = NULL;
    /* strtok_r would merge empty lines and break line numbers: split by hand. */
    for (char *p = data; p && rc == 0; p = save) {
        char *nl = strchr(p, '\n');
        save = nl ? nl + 1 : NULL;
        if (nl)
            *nl = '\0';
        int cur_line = ++x.line;
        if (cur_line == 1 && !strncmp(p, "\xEF\xBB\xBF", 3))
            p += 3;   /* a UTF-8 byte order mark from Windows editors */
        const char *keyname;
        if (line_parse(&x, p, &keyname) < 0) {
            if (keyname)
                snprintf(err, errlen, "%s:%d: %s: %s", path, cur_line, keyname, why);
            else
                snprintf(err, errlen, "%s:%d: %s", path, cur_line, why);
            rc = -1;
        } else if (keyname && !x.feed && !strcmp(keyname, "interval")) {
            interval_line = cur_line;
        } else if (keyname && !x.feed && !strcmp(keyname, "max_interval")) {
            max_line = cur_line;
        }
    }
    if (rc == 0 && c->max_interval < c->interval) {
        char iv[32], mx[32];
        duration_format(c->interval, iv, sizeof iv);
        duration_format(c->max_interval, mx, sizeof mx);
        if (max_line)
            snprintf(err, errlen, "%s:%d: max_interval: %s is shorter than interval (%s)",
                     path, max_line, mx, iv);
        else
            snprintf(err, errlen, "%s:%d: interval: %s is longer than max_interval (%s)",
                     path, interval_line, iv, mx);
        rc = -1;
    }
    free(lines.v);
    free(base);
    free(data);
    return rc;
}
