/* daemon/decided.c: what the pipeline's first phase decided inside the open group
 * (pipeline_decide_stored) that the database does not keep, for the files written after
 * the group commits: the markdown that the built-in summary made from the same parse of
 * the post's HTML (made again by html2md when it is not here), and whether the post's
 * name was given then (a new file, for on_write: daemon/hook.h).
 *
 * Nothing here is needed for correctness: a post whose record is missing (a restart, a
 * lost group, the memory bound) gets its markdown made again, byte for byte the same, and
 * is told to on_write as rewritten, as a post named before a restart was before. A record
 * whose post's HTML or link changed since is not used. */
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "daemon/app.h"

/* The markdown of up to a group's posts (about 6 KB a post; the rest is converted again
 * when written). A cold poll of 1000 feeds over HTTPS (bench/https.py) peaked at 30.2 MB
 * with a bound of 4 MB, against the 30 MB of issue 20; the peak of the same poll over
 * HTTP (bench/peers.py --only feedsd): 27.0 MB at 4 MB, 23.8 at 2, 22.6 at 1, 21.2 with
 * nothing kept. At 1 MB a cold poll of 300 feeds with the default backlog keeps every
 * post's markdown (the same instructions as at 4 MB, bench/cold_instructions.py); a first
 * poll with backlog = all converts most posts twice (100 feeds: +24% instructions, +40%
 * with nothing kept). */
#define DECIDED_MAX_BYTES (1u << 20)

/* XXH64: FNV-1a (hash64) of each post's HTML, twice, was 3.6% of a cold poll's
 * instructions with backlog = all (40 feeds, 1600 files; callgrind). */
static uint64_t post_hash(const struct db_entry *e)
{
    uint64_t seed = hash_xxh64(e->link ? e->link : "", e->link ? strlen(e->link) : 0, 0);
    return hash_xxh64(e->content ? e->content : "", e->content ? strlen(e->content) : 0, seed);
}

static void record_drop(struct decided *d, size_t i)
{
    if (d->v[i].md)
        d->bytes -= strlen(d->v[i].md);
    free(d->v[i].md);
    d->v[i] = d->v[--d->n];
}

void decided_keep(struct app *app, const struct db_entry *e, char *md, int fresh)
{
    struct decided *d = &app->decided;
    if (md && d->bytes + strlen(md) > DECIDED_MAX_BYTES) {
        free(md);
        md = NULL;
    }
    if (!md && !fresh)
        return;
    if (d->n == d->cap) {
        d->cap = d->cap ? 2 * d->cap : 64;
        d->v = xrealloc(d->v, d->cap * sizeof *d->v);
    }
    d->v[d->n++] = (struct decided_post){.id = e->id, .feed_id = e->feed_id,
                                         .hash = post_hash(e), .md = md, .fresh = fresh != 0};
    if (md)
        d->bytes += strlen(md);
}

int decided_take(struct app *app, const struct db_entry *e, char **md)
{
    struct decided *d = &app->decided;
    *md = NULL;
    for (size_t i = d->n; i-- > 0;) {
        if (d->v[i].id != e->id)
            continue;
        int fresh = d->v[i].fresh;
        if (d->v[i].md && d->v[i].hash == post_hash(e)) {
            d->bytes -= strlen(d->v[i].md);
            *md = d->v[i].md;
            d->v[i].md = NULL;
        }
        record_drop(d, i);
        return fresh;
    }
    return 0;
}

void decided_group_ended(struct app *app, int stored)
{
    struct decided *d = &app->decided;
    for (size_t i = d->n; i-- > 0;) {
        if (d->v[i].committed)
            continue;
        if (stored)
            d->v[i].committed = 1;
        else
            record_drop(d, i);  /* its rows are gone with the group */
    }
}

void decided_forget(struct app *app, const int64_t *feeds, size_t nfeeds)
{
    struct decided *d = &app->decided;
    for (size_t i = d->n; i-- > 0;) {
        int hit = !nfeeds;
        for (size_t k = 0; k < nfeeds && !hit; k++)
            hit = feeds[k] == d->v[i].feed_id;
        if (hit && d->v[i].committed)
            record_drop(d, i);
    }
}

void decided_free(struct app *app)
{
    struct decided *d = &app->decided;
    while (d->n)
        record_drop(d, d->n - 1);
    free(d->v);
    *d = (struct decided){0};
}
