/* feeds/parse_fd.c: feed_parse_fd(), a document read from a file piece by piece, so that
 * a large feed (spooled to disk by the fetcher) is parsed without its bytes in memory.
 * The common document (UTF-8 or undeclared, clean, well-formed XML) goes straight from
 * the file to libxml2's push parser; anything else - JSON Feed, UTF-16, another charset,
 * bytes XML refuses, a document that is not well-formed - is read whole and given to
 * feed_parse(), whose rules need the whole document (valid UTF-8 wins over a declaration,
 * the recovery pass). Both ways give the same feed for the same bytes.
 * Owned by the feed-parser engineer. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/utf8.h"
#include "common/util.h"
#include "feeds/encoding.h"
#include "feeds/parse.h"
#include "feeds/parse_internal.h"

#define FD_CHUNK (64 * 1024)

/* 1 when p[0..n) may be an XML declaration whose "?>" is still to come. */
static int decl_unfinished(const char *p, size_t n)
{
    static const char decl[] = "<?xml";
    if (n <= 5)
        return !memcmp(p, decl, n);
    return !memcmp(p, decl, 5) && (p[5] == ' ' || p[5] == '\t' || p[5] == '\r' || p[5] == '\n');
}

struct fd_source {
    struct xml_source src;
    int fd;
    size_t len, off;          /* file size; next byte to read */
    size_t chunk;
    char *buf;                /* chunk + 3 bytes */
    size_t carry;             /* bytes of an incomplete character, at buf[0..carry) */
    char tail[4];
    int stage;                /* 0 head, 1 the first piece's body, 2 the rest */
    struct xml_utf8_doc first;
    int unclean;              /* a piece failed the check: the whole-document path decides */
    int read_errno;
};

static ssize_t pread_full(int fd, char *p, size_t n, size_t off)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = pread(fd, p + got, n - got, (off_t)(off + got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

static int fd_next(struct xml_source *src, const char **out, size_t *outlen)
{
    struct fd_source *s = (struct fd_source *)src;
    if (s->stage == 0) {
        s->stage = 1;
        if (s->first.head_len) {
            *out = s->first.head;
            *outlen = s->first.head_len;
            return 1;
        }
    }
    if (s->stage == 1) {
        s->stage = 2;
        if (s->first.body_len) {
            *out = s->first.body;
            *outlen = s->first.body_len;
            return 1;
        }
    }
    if (s->unclean || (s->off >= s->len && !s->carry))
        return 0;
    memcpy(s->buf, s->tail, s->carry);
    ssize_t got = 0;
    if (s->off < s->len) {
        size_t want = s->len - s->off < s->chunk ? s->len - s->off : s->chunk;
        got = pread_full(s->fd, s->buf + s->carry, want, s->off);
        if (got < 0) {
            s->read_errno = errno;
            return 0;
        }
        s->off += (size_t)got;
    }
    size_t n = s->carry + (size_t)got;
    if (got == 0)
        s->off = s->len;   /* the file is shorter than it was said to be */
    size_t t = s->off < s->len ? utf8_incomplete_tail((unsigned char *)s->buf, n) : 0;
    n -= t;
    memcpy(s->tail, s->buf + n, t);
    s->carry = t;
    if (!encoding_xml_chars_ok(s->buf, n)) {
        s->unclean = 1;
        return 0;
    }
    *out = s->buf;
    *outlen = n;
    return 1;
}

/* The whole file in memory, then feed_parse(). */
static int parse_whole(int fd, size_t len, const char *base_url, const char *http_charset,
                       struct feed **out, char *err, size_t errlen)
{
    char *data = xmalloc(len + 1);
    ssize_t got = pread_full(fd, data, len, 0);
    if (got < 0) {
        snprintf(err, errlen, "cannot read the body: %s", strerror(errno));
        free(data);
        return -1;
    }
    data[got] = '\0';
    int rc = feed_parse(data, (size_t)got, base_url, http_charset, out, err, errlen);
    free(data);
    return rc;
}

static int parse_fd(int fd, size_t len, const char *base_url, const char *http_charset,
                    size_t chunk, const struct feed_sink *sink, struct feed **out, int *whole,
                    char *err, size_t errlen)
{
    char dummy[8];
    if (!err || !errlen) {
        err = dummy;
        errlen = sizeof dummy;
    }
    *out = NULL;
    err[0] = '\0';
    if (chunk < 16)
        chunk = 16;
    struct fd_source s = {.src = {.next = fd_next}, .fd = fd, .len = len, .chunk = chunk};
    s.buf = xmalloc(chunk + 4);
    size_t n0 = len < chunk ? len : chunk;
    ssize_t got = pread_full(fd, s.buf, n0, 0);
    if (got < 0) {
        snprintf(err, errlen, "cannot read the body: %s", strerror(errno));
        free(s.buf);
        return -1;
    }
    n0 = (size_t)got;
    const unsigned char *u = (const unsigned char *)s.buf;
    size_t i = parse_first_byte(s.buf, n0);
    /* Only a document that begins like XML in UTF-8 (or ASCII) is read in pieces; its
     * first piece must hold the '<' where the prolog ends, so that the piece-wise result
     * is what encoding_xml_prepare() makes of the whole. */
    int pieces = i < n0 && u[i] == '<' && n0 < len;
    if (pieces) {
        s.off = n0;
        size_t t = utf8_incomplete_tail(u, n0);
        s.carry = t;
        memcpy(s.tail, s.buf + n0 - t, t);
        encoding_xml_prepare(s.buf, n0 - t, http_charset, &s.first);
        if (s.first.owned) {   /* not clean UTF-8: the whole-document path */
            free(s.first.owned);
            pieces = 0;
        } else if (!s.first.head_len && decl_unfinished(s.first.body, s.first.body_len)) {
            pieces = 0;   /* the XML declaration does not end in the first piece */
        }
    }
    int rc = 1;
    if (pieces) {
        rc = parse_xml_source(&s.src, sink, base_url, out, err, errlen);
        if (s.read_errno) {
            if (*out)
                feed_free(*out);
            *out = NULL;
            snprintf(err, errlen, "cannot read the body: %s", strerror(s.read_errno));
            rc = -1;
        } else if (rc == 0 && s.unclean) {
            feed_free(*out);   /* libxml2 did not see it all: not the document's feed */
            *out = NULL;
            rc = 1;
        }
    }
    free(s.buf);
    if (whole)
        *whole = rc == 1;
    if (rc == 1)
        rc = parse_whole(fd, len, base_url, http_charset, out, err, errlen);
    return rc;
}

int feed_parse_fd_chunked(int fd, size_t len, const char *base_url, const char *http_charset,
                          size_t chunk, struct feed **out, int *whole, char *err,
                          size_t errlen)
{
    return parse_fd(fd, len, base_url, http_charset, chunk, NULL, out, whole, err, errlen);
}

int feed_parse_fd(int fd, size_t len, const char *base_url, const char *http_charset,
                  struct feed **out, char *err, size_t errlen)
{
    return parse_fd(fd, len, base_url, http_charset, FD_CHUNK, NULL, out, NULL, err, errlen);
}

int feed_parse_fd_sink(int fd, size_t len, const char *base_url, const char *http_charset,
                       const struct feed_sink *sink, struct feed **out, int *streamed,
                       char *err, size_t errlen)
{
    int whole = 1;
    int rc = parse_fd(fd, len, base_url, http_charset, FD_CHUNK, sink, out, &whole, err,
                      errlen);
    *streamed = rc == 0 && !whole;
    return rc;
}
