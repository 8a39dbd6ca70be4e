/* fetch/http_get.c: a blocking libcurl easy transfer for the command line. Owner:
 * subscriptions CLI. Same protocol rules as the daemon's fetcher (fetch/fetch.c): http
 * and https only, also after redirects (a Location: file:/// must not read local files),
 * at most 8 redirects, compressed bodies accepted, and a body cap enforced while
 * receiving rather than after. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sys/socket.h>

#include <curl/curl.h>

#include "common/util.h"
#include "fetch/fetch.h"
#include "fetch/http_get.h"

struct sink {
    struct buf b;
    int too_big;
};

static size_t on_data(char *p, size_t size, size_t nmemb, void *ud)
{
    struct sink *s = ud;
    size_t n = size * nmemb;
    if (s->b.len + n > (size_t)HTTP_GET_MAX_SIZE) {
        s->too_big = 1;
        return 0;   /* CURLE_WRITE_ERROR ends the transfer */
    }
    buf_append(&s->b, p, n);
    return n;
}

/* What the socket callback knows and says. */
struct address_check {
    int allow_private;
    int refused;
};

/* The same address policy as the daemon (fetch/fetch_address.c), checked after DNS. */
static curl_socket_t opensocket_cb(void *ud, curlsocktype purpose, struct curl_sockaddr *a)
{
    (void)purpose;
    struct address_check *c = ud;
    if (!fetch_address_allowed(&a->addr, c->allow_private)) {
        c->refused = 1;
        return CURL_SOCKET_BAD;
    }
    return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

int http_get(const char *url, const char *user_agent, int allow_private, struct http_body *out,
             char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    static int inited;
    if (!inited) {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        inited = 1;
    }
    CURL *e = curl_easy_init();
    if (!e) {
        snprintf(err, errlen, "cannot start a transfer");
        return -1;
    }
    struct sink s = {0};
    char cerr[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, 8L);
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(e, CURLOPT_USERAGENT, user_agent);
    curl_easy_setopt(e, CURLOPT_TIMEOUT, (long)HTTP_GET_TIMEOUT);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(e, CURLOPT_MAXFILESIZE, HTTP_GET_MAX_SIZE);   /* when announced */
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, cerr);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &s);
    struct address_check check = {.allow_private = allow_private};
    curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, opensocket_cb);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, &check);
    CURLcode rc = curl_easy_perform(e);
    int ret = -1;
    if (check.refused) {
        snprintf(err, errlen, "refused: the address is private, loopback or link-local"
                              " (allow_private = yes permits it)");
    } else if (s.too_big || rc == CURLE_FILESIZE_EXCEEDED) {
        snprintf(err, errlen, "response larger than %ld MiB", HTTP_GET_MAX_SIZE >> 20);
    } else if (rc != CURLE_OK) {
        snprintf(err, errlen, "%s", *cerr ? cerr : curl_easy_strerror(rc));
    } else {
        char *ct = NULL, *eff = NULL;
        curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &out->status);
        curl_easy_getinfo(e, CURLINFO_CONTENT_TYPE, &ct);
        curl_easy_getinfo(e, CURLINFO_EFFECTIVE_URL, &eff);
        out->content_type = xstrdup(ct);
        out->effective_url = xstrdup(eff ? eff : url);
        if (out->status < 200 || out->status > 299) {
            snprintf(err, errlen, "HTTP %ld", out->status);
        } else {
            buf_putc(&s.b, '\0');   /* the NUL the struct promises, not counted */
            out->len = s.b.len - 1;
            out->data = buf_steal(&s.b);
            ret = 0;
        }
    }
    buf_free(&s.b);
    curl_easy_cleanup(e);
    if (ret < 0) {
        http_body_free(out);
        out->status = 0;
    }
    return ret;
}

void http_body_free(struct http_body *b)
{
    free(b->data);
    free(b->content_type);
    free(b->effective_url);
    b->data = b->content_type = b->effective_url = NULL;
    b->len = 0;
}
