/* fetch/fetch_easy.c: the fetcher's idle easy handles, reset and used again by the next
 * transfer instead of made and destroyed for every one.
 *
 * Why: curl_easy_init and curl_easy_cleanup were 10.1 K and 4.9 K instructions per
 * transfer (callgrind of bench/warm_instructions.py's warm poll of 1000 feeds on 20 HTTPS
 * origins, Debian 12, libcurl 7.88.1: 15 M of its 418 M), most of it zeroing and freeing
 * the handle's large state; curl_easy_reset keeps the memory and sets every option back to
 * its default (libcurl's curl_easy_reset(3)).
 *
 * What a reset keeps, by curl_easy_reset(3): live connections (the multi handle's, not the
 * easy handle's, while it is in one), the DNS cache (the multi handle's, likewise), the
 * session ID cache, the cookies, the shares and the alt-svc cache. So:
 *  - a handle whose transfer had a cookie_file is destroyed, never pooled: its cookie
 *    engine would send that feed's cookies with the next transfer;
 *  - the share (an origin's TLS sessions) is unset before the reset, so a pooled handle
 *    holds no origin's share (curl_share_cleanup refuses a share in use) and the next
 *    transfer sets its own;
 *  - alt-svc is never switched on (no CURLOPT_ALTSVC).
 * Credentials, POST bodies, headers, proxy, CA options and callbacks are options and go
 * with the reset; tests/integration/t_private.py's a_reused_handle_carries_nothing_over
 * proves it on the wire.
 *
 * At most `concurrency` idle handles are kept (as many as a poll has transfers at once),
 * and none once the fetcher has nothing to do: a daemon between polls holds none. */
#include <stdlib.h>

#include <curl/curl.h>

#include "common/util.h"
#include "fetch/fetch_int.h"

CURL *fetch_easy_get(struct fetcher *f)
{
    if (f->npool)
        return f->pool[--f->npool];
    return curl_easy_init();
}

void fetch_easy_put(struct fetcher *f, CURL *e, int reusable)
{
    if (!e)
        return;
    if (!reusable || f->npool >= (size_t)f->opts.concurrency) {
        curl_easy_cleanup(e);
        return;
    }
    curl_easy_setopt(e, CURLOPT_SHARE, NULL);
    curl_easy_reset(e);
    if (!f->pool)
        f->pool = xcalloc((size_t)f->opts.concurrency, sizeof *f->pool);
    f->pool[f->npool++] = e;
}

void fetch_easy_pool_free(struct fetcher *f)
{
    while (f->npool)
        curl_easy_cleanup(f->pool[--f->npool]);
    free(f->pool);
    f->pool = NULL;
}
