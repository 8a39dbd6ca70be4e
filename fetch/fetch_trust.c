/* fetch/fetch_trust.c: the CA certificates HTTPS transfers trust, kept in memory for the
 * whole process instead of read again for every new TLS connection.
 *
 * Why: libcurl (OpenSSL backend) makes a new SSL_CTX for each connection and fills its
 * X509 store from its CA file and CA folder. Debian's libcurl sets both
 * (/etc/ssl/certs/ca-certificates.crt and /etc/ssl/certs), and OpenSSL 3 decodes the
 * file's ~140 certificates in 236 M instructions (callgrind of one `curl https://...`:
 * 268 M for the whole process): a poll of 1000 feeds on 1000 hosts paid that 1000 times.
 * libcurl keeps a store across connections only when no CA folder is set
 * (lib/vtls/openssl.c, Curl_ssl_setup_x509_store) and then reads the whole file once.
 * With a `ca_file` (libcurl's CURLOPT_CAINFO, the folder keeping the system's CAs) each
 * connection read that file: 1.5 M instructions, 30 M of the 451 M of bench/https.py's
 * warm poll of 1000 feeds on 20 origins.
 *
 * So feedsd makes one X509 store per CA set (the system's; the system's plus one
 * ca_file) and hands it to every connection's SSL_CTX from CURLOPT_SSL_CTX_FUNCTION
 * (SSL_CTX_set1_cert_store: shared, reference-counted), with libcurl's own CA file, CA
 * folder and CA cache unset. The store has the ca_file's certificates and looks the
 * system's up in the CA folder by subject hash when a chain needs one (OpenSSL's
 * hash_dir lookup), keeping each it loaded: the folder holds the certificates that
 * update-ca-certificates(8) also joins into the file. Without a folder, the file is read
 * once. A store is made again when its ca_file changes and after 24 hours (libcurl's
 * CURLOPT_CA_CACHE_TIMEOUT default), so a renewed CA or a distrusted system CA is taken.
 * The flags libcurl sets on the stores it fills (TRUSTED_FIRST, PARTIAL_CHAIN) are set
 * on these.
 *
 * It depends on when libcurl fills a store, which is its internals: 7.88 fills the
 * SSL_CTX's store after the callback (after sending the ClientHello), with nothing to
 * add when no CA file and folder are set; 8.14 fills it before the callback, which then
 * replaces it. So it is on only for the libcurl versions proven by tests/integration/
 * t_tls.py (Debian 12's and 13's, table below), with OpenSSL 3 as libcurl's TLS library
 * and the same OpenSSL as feedsd's; elsewhere, or with FEEDSD_CA_STORE=libcurl, libcurl
 * reads the CAs itself as before. `feedsd --version` says which. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>

#include <curl/curl.h>
#include <openssl/opensslv.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include "common/log.h"
#include "common/util.h"
#include "fetch/fetch_int.h"

/* CURLOPT_CA_CACHE_TIMEOUT is 7.87's, CURLINFO_CAINFO 7.84's, X509_STORE_load_file and
 * X509_STORE_load_path OpenSSL 3's. */
#if LIBCURL_VERSION_NUM >= 0x075700 && defined(OPENSSL_VERSION_MAJOR) && OPENSSL_VERSION_MAJOR >= 3
#define TRUST_STORES 1
#else
#define TRUST_STORES 0
#endif

/* libcurl versions whose store handling t_tls.py proved, [from, to] of
 * curl_version_info's version_num (0xXXYYZZ). */
static const struct { unsigned from, to; } proven_curl[] = {
    {0x075800, 0x0758ff},   /* 7.88.x: Debian 12 */
    {0x080e00, 0x080eff},   /* 8.14.x: Debian 13 */
};

#define STORE_MAX_AGE 86400.0   /* seconds, as libcurl's CA cache */

/* What a file was when a store read it: a change of any of these makes the store again. */
struct file_id {
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
};

struct store {
    char *ca_file;              /* NULL: the system's CAs only */
    X509_STORE *x;              /* NULL when it could not be made */
    struct file_id ca_id;
    double made;                /* time_wall_ms() / 1000 */
    double checked;             /* when ca_file was last compared with ca_id */
};

struct trust {
    char *capath, *cainfo;      /* libcurl's defaults: the system's CAs */
    struct store *stores;
    size_t nstores;
};

/* Why the stores are off in this process, or NULL when on. */
static const char *why_off(char *capath_out[2])
{
    static char why[160];
    const char *env = getenv("FEEDSD_CA_STORE");
    if (env && !strcmp(env, "libcurl"))
        return "FEEDSD_CA_STORE=libcurl";
#if TRUST_STORES
    const curl_version_info_data *cv = curl_version_info(CURLVERSION_NOW);
    int proven = 0;
    for (size_t i = 0; i < sizeof proven_curl / sizeof proven_curl[0]; i++)
        proven |= cv->version_num >= proven_curl[i].from && cv->version_num <= proven_curl[i].to;
    if (!proven) {
        snprintf(why, sizeof why, "libcurl %s is not a version it is proven on", cv->version);
        return why;
    }
    char ours[64];
    snprintf(ours, sizeof ours, "OpenSSL/%s", OpenSSL_version(OPENSSL_VERSION_STRING));
    if (!cv->ssl_version || strcmp(cv->ssl_version, ours) != 0) {
        snprintf(why, sizeof why, "libcurl's TLS library is %s, not feedsd's %s",
                 cv->ssl_version ? cv->ssl_version : "none", ours);
        return why;
    }
    CURL *e = curl_easy_init();
    if (!e)
        return "out of memory";
    char *cainfo = NULL, *capath = NULL;
    curl_easy_getinfo(e, CURLINFO_CAINFO, &cainfo);
    curl_easy_getinfo(e, CURLINFO_CAPATH, &capath);
    int none = !cainfo && !capath;
    if (capath_out) {
        capath_out[0] = xstrdup(capath);
        capath_out[1] = xstrdup(cainfo);
    }
    curl_easy_cleanup(e);
    return none ? "libcurl has no CA file or folder of its own" : NULL;
#else
    (void)capath_out;
    snprintf(why, sizeof why, "built with libcurl %s and %s", LIBCURL_VERSION,
             OPENSSL_VERSION_TEXT);
    return why;
#endif
}

const char *fetch_ca_store_why_off(void)
{
    return why_off(NULL);
}

void fetch_trust_init(struct fetcher *f)
{
    char *defaults[2] = {NULL, NULL};
    if (why_off(defaults)) {
        free(defaults[0]);
        free(defaults[1]);
        return;
    }
    struct trust *t = xcalloc(1, sizeof *t);
    t->capath = defaults[0];
    t->cainfo = defaults[1];
    f->trust = t;
}

static int file_id_get(const char *path, struct file_id *id)
{
    struct stat st;
    if (stat(path, &st) < 0)
        return -1;
    *id = (struct file_id){st.st_dev, st.st_ino, st.st_size, st.st_mtim};
    return 0;
}

static int file_id_same(const struct file_id *a, const struct file_id *b)
{
    return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
           a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec;
}

/* A store of the system's CAs, and ca_file's when not NULL; NULL on failure. */
static X509_STORE *store_make(const struct trust *t, const char *ca_file)
{
#if !TRUST_STORES
    (void)t;
    (void)ca_file;
    return NULL;
#else
    X509_STORE *x = X509_STORE_new();
    if (!x)
        return NULL;
    int ok = !ca_file || X509_STORE_load_file(x, ca_file) == 1;
    if (ok && t->capath)
        ok = X509_STORE_load_path(x, t->capath) == 1;   /* looked up when a chain needs one */
    else if (ok && t->cainfo)
        ok = X509_STORE_load_file(x, t->cainfo) == 1;
    if (!ok) {
        X509_STORE_free(x);
        return NULL;
    }
    X509_STORE_set_flags(x, X509_V_FLAG_TRUSTED_FIRST | X509_V_FLAG_PARTIAL_CHAIN);
    return x;
#endif
}

/* The store for ca_file (NULL: the system's), made or made again as needed. */
static X509_STORE *store_get(struct trust *t, const char *ca_file)
{
    struct store *s = NULL;
    for (size_t i = 0; i < t->nstores && !s; i++)
        if (ca_file ? t->stores[i].ca_file && !strcmp(t->stores[i].ca_file, ca_file)
                    : !t->stores[i].ca_file)
            s = &t->stores[i];
    if (!s) {
        t->stores = xrealloc(t->stores, (t->nstores + 1) * sizeof *t->stores);
        s = &t->stores[t->nstores++];
        *s = (struct store){.ca_file = xstrdup(ca_file)};
    }
    double now = (double)time_wall_ms() / 1000.0;
    /* The file is compared at most once a second: a poll asks for the store once per
     * feed, and a stat(2) each was 1000 system calls of a warm poll of 1000 feeds. */
    if (s->made > 0 && now - s->made < STORE_MAX_AGE && now - s->checked < 1.0)
        return s->x;
    struct file_id id = {0};
    if (ca_file && file_id_get(ca_file, &id) < 0)
        memset(&id, 0, sizeof id);
    s->checked = now;
    /* Made within the day from the same file (or tried: a store that could not be made is
     * tried again only then, with one warning). */
    if (s->made > 0 && now - s->made < STORE_MAX_AGE && file_id_same(&id, &s->ca_id))
        return s->x;
    /* Connections that took the old store keep it: it is freed with the last of them. */
    X509_STORE_free(s->x);
    s->x = store_make(t, ca_file);
    s->made = now;
    s->ca_id = id;
    if (!s->x)
        log_warn("cannot read the CA certificates of %s: libcurl reads them at each "
                 "connection", ca_file ? ca_file : t->capath ? t->capath : t->cainfo);
    return s->x;
}

/* CURLOPT_SSL_CTX_FUNCTION: the connection's SSL_CTX takes the transfer's store. Its
 * connections also free their read and write buffers (about 34 KB each) whenever those
 * are empty, as nginx's do, instead of keeping them for as long as the connection lives
 * (idle in the pool between polls too): 0.3-1.0 MB less at the peak of a cold poll of
 * 1000 feeds on 20 HTTPS origins on Debian 13 (SSL_CTX_set_mode(3)). */
static CURLcode ssl_ctx_cb(CURL *e, void *ssl_ctx, void *store)
{
    (void)e;
    SSL_CTX_set1_cert_store(ssl_ctx, store);
    SSL_CTX_set_mode(ssl_ctx, SSL_MODE_RELEASE_BUFFERS);
    return CURLE_OK;
}

void *fetch_trust_set(struct fetcher *f, CURL *e, const char *ca_file)
{
    X509_STORE *x = f->trust ? store_get(f->trust, ca_file) : NULL;
    if (x && X509_STORE_up_ref(x)) {
        if (curl_easy_setopt(e, CURLOPT_SSL_CTX_FUNCTION, ssl_ctx_cb) == CURLE_OK) {
            curl_easy_setopt(e, CURLOPT_SSL_CTX_DATA, x);
            curl_easy_setopt(e, CURLOPT_CAINFO, NULL);
            curl_easy_setopt(e, CURLOPT_CAPATH, NULL);
#if TRUST_STORES
            /* libcurl's own cache would hand a connection without a CA file the store of
             * another such connection: another transfer's ca_file. */
            curl_easy_setopt(e, CURLOPT_CA_CACHE_TIMEOUT, 0L);
#endif
            return x;
        }
        X509_STORE_free(x);
    }
    /* libcurl's defaults plus CURLOPT_CAINFO: its CA folder keeps the system's CAs trusted
     * where it has one. */
    if (ca_file)
        curl_easy_setopt(e, CURLOPT_CAINFO, ca_file);
    return NULL;
}

void fetch_trust_release(void *store)
{
    X509_STORE_free(store);
}

void fetch_trust_free(struct fetcher *f)
{
    struct trust *t = f->trust;
    if (!t)
        return;
    for (size_t i = 0; i < t->nstores; i++) {
        X509_STORE_free(t->stores[i].x);
        free(t->stores[i].ca_file);
    }
    free(t->stores);
    free(t->capath);
    free(t->cainfo);
    free(t);
    f->trust = NULL;
}
