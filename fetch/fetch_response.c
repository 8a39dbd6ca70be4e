/* fetch/fetch_response.c: what a transfer receives. The headers the daemon uses (ETag,
 * Last-Modified, Content-Type, Cache-Control max-age, Expires, Retry-After, and which
 * kinds of redirect led to the final response); the body, hashed as it arrives, kept in
 * memory or, once it outgrows spool_mem, moved to an unlinked file (so that one large feed
 * does not raise the daemon's memory for good), and cut off at max_size. */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "feeds/date.h"
#include "fetch/fetch_int.h"

/* An unlinked file for a body (open(2) O_TMPFILE, else mkstemp(3) and unlink), or -1:
 * the body then stays in memory, which only costs memory. */
static int spool_open(const char *dir)
{
    if (!dir || !*dir)
        dir = getenv("TMPDIR");
    if (!dir || !*dir)
        dir = "/tmp";
    int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0)
        return fd;
    char *path = xasprintf("%s/feedsd-body-XXXXXX", dir);
    fd = mkostemp(path, O_CLOEXEC);
    if (fd >= 0)
        unlink(path);
    else
        log_debug("cannot spool a large body to %s: %m; keeping it in memory", dir);
    free(path);
    return fd;
}

/* Moves the body to a file once it outgrows spool_mem. */
static int spool_write(struct req *r, const char *ptr, size_t n)
{
    if (r->spool_fd < 0) {
        r->spool_fd = spool_open(r->f->opts.spool_dir);
        if (r->spool_fd < 0) {
            r->spool = 0;
            buf_append(&r->body, ptr, n);
            return 0;
        }
        if (fd_write_all(r->spool_fd, r->body.data, r->body.len) < 0) {
            r->spool_errno = errno;
            return -1;
        }
        r->spooled = r->body.len;
        buf_free(&r->body);
    }
    if (fd_write_all(r->spool_fd, ptr, n) < 0) {
        r->spool_errno = errno;
        return -1;
    }
    r->spooled += n;
    return 0;
}

size_t fetch_write_cb(char *ptr, size_t size, size_t nmemb, void *ud)
{
    struct req *r = ud;
    size_t n = size * nmemb;
    if (r->body.len + r->spooled + n > (size_t)r->max_size) {
        r->too_big = 1;
        return 0;       /* makes curl fail the transfer with CURLE_WRITE_ERROR */
    }
    hash_xxh64_update(r->hash, ptr, n);
    if (r->spool && (r->spool_fd >= 0 || r->body.len + n > r->f->opts.spool_mem))
        return spool_write(r, ptr, n) < 0 ? 0 : n;
    buf_append(&r->body, ptr, n);
    return n;
}

/* Retry-After is delay-seconds or an HTTP-date (RFC 9110 10.2.3). -1 when unusable. */
static long retry_after_seconds(const char *v, int64_t now)
{
    char *end;
    long secs = strtol(v, &end, 10);
    if (end != v && *end == '\0')
        return secs < 0 ? 0 : secs;
    int64_t when;
    if (date_parse(v, &when) == 0)
        return when > now ? (long)(when - now) : 0;
    return -1;
}

/* Keeps the validators and type of the final response: a redirect starts a new response,
 * whose status line resets what an earlier hop said. */
size_t fetch_header_cb(char *ptr, size_t size, size_t nmemb, void *ud)
{
    struct req *r = ud;
    size_t n = size * nmemb;
    static const struct {
        const char *name;
        size_t off;
    } wanted[] = {
        {"etag:", offsetof(struct req, h_etag)},
        {"last-modified:", offsetof(struct req, h_last_modified)},
        {"content-type:", offsetof(struct req, h_content_type)},
    };
    if (n >= 5 && !strncmp(ptr, "HTTP/", 5)) {
        for (size_t i = 0; i < sizeof wanted / sizeof wanted[0]; i++) {
            char **slot = (char **)((char *)r + wanted[i].off);
            free(*slot);
            *slot = NULL;
        }
        r->retry_after = -1;
        r->max_age = r->expires_in = -1;
        /* "HTTP/1.1 301 ..." / "HTTP/2 308": which kinds of redirect led here. */
        const char *sp = memchr(ptr, ' ', n);
        int code = sp ? (int)strtol(sp + 1, NULL, 10) : 0;
        if (code >= 300 && code < 400 && code != 304) {
            r->redirects++;
            if (code != 301 && code != 308)
                r->temp_redirects++;
        }
        return n;
    }
    if (n > 14 && !strncasecmp(ptr, "cache-control:", 14)) {
        /* max-age=N; "no-cache"/"no-store" say nothing about how often to poll. */
        char *v = xstrndup(ptr + 14, n - 14);
        char *m = strcasestr(v, "max-age=");
        if (m) {
            long a = strtol(m + 8, NULL, 10);
            if (a >= 0)
                r->max_age = a;
        }
        free(v);
        return n;
    }
    if (n > 8 && !strncasecmp(ptr, "expires:", 8)) {
        char *v = str_trim(xstrndup(ptr + 8, n - 8));
        int64_t when, now = time(NULL);
        if (date_parse(v, &when) == 0)
            r->expires_in = when > now ? (long)(when - now) : 0;
        free(v);
        return n;
    }
    if (n > 12 && !strncasecmp(ptr, "retry-after:", 12)) {
        char *v = str_trim(xstrndup(ptr + 12, n - 12));
        r->retry_after = retry_after_seconds(v, time(NULL));
        free(v);
        return n;
    }
    for (size_t i = 0; i < sizeof wanted / sizeof wanted[0]; i++) {
        size_t k = strlen(wanted[i].name);
        if (n > k && !strncasecmp(ptr, wanted[i].name, k)) {
            char **slot = (char **)((char *)r + wanted[i].off);
            free(*slot);
            *slot = str_trim(xstrndup(ptr + k, n - k));
            if (!**slot) {
                free(*slot);
                *slot = NULL;
            }
        }
    }
    return n;
}
