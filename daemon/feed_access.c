/* daemon/feed_access.c: a private feed's credentials, headers, cookies, user agent and
 * proxy, from its [feed] section into the request (feed_access.h). Secret values come
 * from files and the environment, never from the configuration file (the rule of
 * openai_api_key), and are read at each poll; what goes wrong is said with the file or
 * variable's name only. */
#include "daemon/feed_access.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "feeds/url.h"

/* A secret from a file, its surrounding whitespace trimmed (an editor's final newline is
 * not part of a password). A CR or LF inside would split the header it goes into, so a
 * file of several lines is refused. 0 / -1 with err. */
static int secret_read(const char *path, const char *key, char **out, char *err, size_t errlen)
{
    char *data;
    size_t len;
    if (file_read_all(path, &data, &len) < 0) {
        snprintf(err, errlen, "cannot read %s %s: %s", key, path, strerror(errno));
        return -1;
    }
    if (memchr(data, '\0', len)) {
        str_free_secret(data);
        snprintf(err, errlen, "%s %s is not a text file", key, path);
        return -1;
    }
    if (strpbrk(str_trim(data), "\r\n")) {
        str_free_secret(data);
        snprintf(err, errlen, "%s %s holds more than one line", key, path);
        return -1;
    }
    *out = data;
    return 0;
}

/* The value of one header line of the [feed] section. 0 / -1 with err. */
static int header_value(const struct feed_header *h, char **out, char *err, size_t errlen)
{
    switch (h->source) {
    case HEADER_TEXT:
        *out = xstrdup(h->value);
        return 0;
    case HEADER_FILE:
        return secret_read(h->value, "header_file", out, err, errlen);
    case HEADER_ENV: {
        const char *v = getenv(h->value);
        if (!v || !*v) {
            snprintf(err, errlen, "the environment variable %s (header_env %s) is not set",
                     h->value, h->name);
            return -1;
        }
        if (strpbrk(v, "\r\n")) {
            snprintf(err, errlen, "the environment variable %s (header_env %s) holds a line "
                     "break", h->value, h->name);
            return -1;
        }
        *out = xstrdup(v);
        return 0;
    }
    }
    return -1;
}

int feed_access_build(const struct config *c, const struct feed_conf *fc,
                      struct feed_access *a, struct fetch_request *rq, char *err, size_t errlen)
{
    memset(a, 0, sizeof *a);
    rq->proxy = c->proxy;
    if (!fc)
        return 0;
    if (fc->proxy)
        rq->proxy = fc->proxy;
    rq->user_agent = fc->user_agent;
    rq->cookie_file = fc->cookie_file;
    if (fc->password_file && !fc->username) {
        snprintf(err, errlen, "password_file is set without username");
        return -1;
    }
    if (fc->username) {
        rq->username = fc->username;
        if (fc->password_file &&
            secret_read(fc->password_file, "password_file", &a->password, err, errlen) < 0)
            return -1;
        rq->password = a->password;
    }
    if (fc->nheaders) {
        a->headers = xcalloc(fc->nheaders + 1, sizeof *a->headers);
        for (size_t i = 0; i < fc->nheaders; i++) {
            char *v;
            if (header_value(&fc->headers[i], &v, err, errlen) < 0) {
                feed_access_free(a);
                return -1;
            }
            a->headers[a->nheaders++] = xasprintf("%s: %s", fc->headers[i].name, v);
            str_free_secret(v);
        }
        rq->headers = (const char *const *)a->headers;
    }
    return 0;
}

void feed_access_free(struct feed_access *a)
{
    str_free_secret(a->password);
    for (size_t i = 0; i < a->nheaders; i++)
        str_free_secret(a->headers[i]);
    free(a->headers);
    memset(a, 0, sizeof *a);
}

static void secret_file_check(const char *feed, const char *key, const char *path)
{
    unsigned mode;
    const char *who = path ? file_readable_by_others(path, &mode) : NULL;
    if (who)
        log_warn("%s: %s %s can be read by %s (mode %04o): run 'chmod 600 %s'", feed, key,
                 path, who, mode, path);
}

void feed_access_check(const struct config *c)
{
    for (size_t i = 0; i < c->nfeeds; i++) {
        const struct feed_conf *fc = &c->feeds[i];
        if (!fc->password_file && !fc->cookie_file && !fc->nheaders)
            continue;
        char *shown = url_redact(fc->url);
        secret_file_check(shown, "password_file", fc->password_file);
        secret_file_check(shown, "cookie_file", fc->cookie_file);
        for (size_t h = 0; h < fc->nheaders; h++)
            if (fc->headers[h].source == HEADER_FILE)
                secret_file_check(shown, "header_file", fc->headers[h].value);
        free(shown);
    }
}
