/* common/util.c: allocation, buffers, hashing, small string helpers. */
#include "common/util.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xxhash.h>

static void oom(void)
{
    /* Out of memory is the one error the daemon does not survive: there is no safe way
     * to record it. */
    fputs("feedsd: out of memory\n", stderr);
    abort();
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom();
    return p;
}

void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        oom();
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        oom();
    return q;
}

char *xstrdup(const char *s)
{
    if (!s)
        return NULL;
    return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
    if (!s)
        return NULL;
    char *p = xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = NULL;
    int r = vasprintf(&p, fmt, ap);
    va_end(ap);
    if (r < 0)
        oom();
    return p;
}

void buf_grow(struct buf *b, size_t extra)
{
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    b->data = xrealloc(b->data, cap);
    b->cap = cap;
}

void buf_append(struct buf *b, const char *s, size_t n)
{
    buf_grow(b, n);
    if (n)
        memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void buf_puts(struct buf *b, const char *s)
{
    buf_append(b, s, strlen(s));
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        va_end(ap2);
        return;
    }
    buf_grow(b, (size_t)n);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    b->len += (size_t)n;
}

char *buf_steal(struct buf *b)
{
    if (!b->data)
        buf_grow(b, 0), b->data[0] = '\0';
    char *p = b->data;
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}

void buf_free(struct buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

uint64_t hash64_update(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

uint64_t hash64(const void *data, size_t len)
{
    return hash64_update(HASH64_INIT, data, len);
}

/* ---- XXH64: libxxhash (Debian's libxxhash-dev), the same values as the xxHash
 * specification's, so the hashes stored by feedsd's own implementation stay valid
 * (test_util checks the specification's vectors). ------------------------------------- */

uint64_t hash_xxh64(const void *data, size_t len, uint64_t seed)
{
    return XXH64(data, len, seed);
}

struct XXH64_state_s *hash_xxh64_new(uint64_t seed)
{
    XXH64_state_t *s = XXH64_createState();
    if (!s)
        oom();
    XXH64_reset(s, seed);
    return s;
}

void hash_xxh64_update(struct XXH64_state_s *s, const void *data, size_t len)
{
    XXH64_update(s, data, len);
}

uint64_t hash_xxh64_digest(const struct XXH64_state_s *s)
{
    return XXH64_digest(s);
}

void hash_xxh64_free(struct XXH64_state_s *s)
{
    XXH64_freeState(s);
}

void hash_hex(uint64_t h, char out[17])
{
    /* By table, not snprintf("%016llx"): 945 instructions a call, once per response in
     * daemon/ingest.c (callgrind of bench/warm_instructions.py, 1000 feeds). */
    static const char digits[] = "0123456789abcdef";
    for (int i = 15; i >= 0; i--, h >>= 4)
        out[i] = digits[h & 15];
    out[16] = '\0';
}

char *str_trim(char *s)
{
    if (!s)
        return s;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    size_t i = 0;
    while (isspace((unsigned char)s[i]))
        i++;
    if (i)
        memmove(s, s + i, n - i + 1);
    return s;
}

void str_free_secret(char *s)
{
    if (!s)
        return;
    /* explicit_bzero: a memset before free may be optimised away (glibc 2.25) */
    explicit_bzero(s, strlen(s));
    free(s);
}

char *str_squash_ws(char *s)
{
    if (!s)
        return s;
    char *w = s;
    int space = 0;
    for (char *r = s; *r; r++) {
        if (isspace((unsigned char)*r)) {
            space = 1;
            continue;
        }
        if (space && w != s)
            *w++ = ' ';
        space = 0;
        *w++ = *r;
    }
    *w = '\0';
    return s;
}

int str_empty(const char *s)
{
    if (!s)
        return 1;
    for (; *s; s++)
        if (!isspace((unsigned char)*s))
            return 0;
    return 1;
}

int str_has_prefix(const char *s, const char *prefix)
{
    return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

int file_read_all(const char *path, char **out, size_t *len)
{
    int is_stdin = strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    if (!f)
        return -1;
    struct buf b = {0};
    char chunk[65536];
    size_t n;
    do {   /* fread fills the chunk unless the end or an error came first */
        n = fread(chunk, 1, sizeof chunk, f);
        buf_append(&b, chunk, n);
    } while (n == sizeof chunk);
    int err = ferror(f);
    if (!is_stdin)
        fclose(f);
    if (err) {
        buf_free(&b);
        errno = EIO;
        return -1;
    }
    *len = b.len;
    *out = buf_steal(&b);
    return 0;
}

int fd_write_all(int fd, const char *s, size_t n)
{
    while (n) {
        ssize_t w = write(fd, s, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        s += w;
        n -= (size_t)w;
    }
    return 0;
}

/* A large feed read() into fresh memory costs a copy and a page fault plus a cleared
 * page per 4 KiB; a mapping shares the page cache's pages. A file truncated by another
 * process while it is mapped would raise SIGBUS: acceptable for the command-line tools
 * that use this, not for the daemon. */
int file_view_open(const char *path, struct file_view *v)
{
    memset(v, 0, sizeof *v);
    int stdin_ = strcmp(path, "-") == 0;
    int fd = stdin_ ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat sb;
    /* standard input is read from where it stands, as read(2) would */
    if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0 &&
        (uintmax_t)sb.st_size <= SIZE_MAX && (!stdin_ || lseek(fd, 0, SEEK_CUR) == 0)) {
        void *m = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m != MAP_FAILED) {
            if (!stdin_)
                close(fd);
            v->map = m;
            v->data = m;
            v->len = (size_t)sb.st_size;
            return 0;
        }
    }
    if (!stdin_)
        close(fd);
    if (file_read_all(path, &v->owned, &v->len) != 0)
        return -1;
    v->data = v->owned;
    return 0;
}

void file_view_close(struct file_view *v)
{
    if (v->map)
        munmap(v->map, v->len);
    free(v->owned);
    memset(v, 0, sizeof *v);
}

char *path_normalize(const char *path)
{
    int absolute = path[0] == '/';
    size_t len = strlen(path), olen = 0;
    /* never longer than the path, but "" becomes "." */
    char *out = xmalloc(len + 2);
    out[0] = '\0';
    size_t kept = 0;        /* components in out that a ".." may remove */
    size_t *starts = xmalloc((len / 2 + 2) * sizeof *starts);
    for (const char *p = path; *p;) {
        size_t n = strcspn(p, "/");
        if (n == 0 || (n == 1 && p[0] == '.')) {
            /* "//" and "/./" name nothing */
        } else if (n == 2 && p[0] == '.' && p[1] == '.') {
            struct stat st;
            if (kept && !(lstat(out, &st) == 0 && S_ISLNK(st.st_mode))) {
                olen = starts[--kept];
            } else if (!(absolute && olen == 0)) {     /* "/.." is "/" */
                if (olen || absolute)
                    out[olen++] = '/';
                out[olen++] = '.';
                out[olen++] = '.';
                kept = 0;   /* what is before a ".." that stays is never removed */
            }
        } else {
            starts[kept++] = olen;
            if (olen || absolute)
                out[olen++] = '/';
            memcpy(out + olen, p, n);
            olen += n;
        }
        out[olen] = '\0';
        p += n;
        if (*p == '/')
            p++;
    }
    free(starts);
    if (olen == 0)
        strcpy(out, absolute ? "/" : ".");
    return out;
}

/* Decimal digits of v at out (room for 20), their count. */
static size_t put_u64(char *out, uint64_t v)
{
    char rev[20];
    size_t k = 0;
    do {
        rev[k++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < k; i++)
        out[i] = rev[k - 1 - i];
    return k;
}

void duration_format(int64_t seconds, char *out, size_t n)
{
    static const struct {
        int64_t size;
        char unit;
    } units[] = {{86400, 'd'}, {3600, 'h'}, {60, 'm'}, {1, 's'}};
    /* Put together by hand, not by snprintf: a poll's next time and its reason are said
     * with it, and snprintf's format parsing was 1.5 M of the 417 M instructions of a
     * warm poll of 1000 feeds (callgrind, Debian 12). */
    char t[48];
    size_t k = 0;
    if (seconds < 0)
        t[k++] = '-';
    /* INT64_MIN has no positive counterpart; no duration feedsd prints comes near it */
    uint64_t s = seconds < 0 ? (uint64_t)0 - (uint64_t)seconds : (uint64_t)seconds;
    size_t u = 0;
    while (u + 1 < sizeof units / sizeof *units && s < (uint64_t)units[u].size)
        u++;
    k += put_u64(t + k, s / (uint64_t)units[u].size);
    t[k++] = units[u].unit;
    uint64_t small = u + 1 < sizeof units / sizeof *units
                         ? s % (uint64_t)units[u].size / (uint64_t)units[u + 1].size : 0;
    if (small) {    /* below 60: two digits */
        t[k++] = (char)('0' + small / 10);
        t[k++] = (char)('0' + small % 10);
        t[k++] = units[u + 1].unit;
    }
    if (!n)
        return;
    if (k > n - 1)
        k = n - 1;    /* cut as snprintf cuts, still terminated */
    memcpy(out, t, k);
    out[k] = '\0';
}

const char *plural(long long n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

const char *times_format(long long n, char *out, size_t len)
{
    if (n == 1)
        snprintf(out, len, "once");
    else
        snprintf(out, len, "%lld times", n);
    return out;
}

int64_t time_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int in_my_groups(gid_t gid)
{
    if (gid == getegid())
        return 1;
    gid_t groups[256];
    int n = getgroups(sizeof groups / sizeof *groups, groups);
    for (int i = 0; i < n; i++)
        if (groups[i] == gid)
            return 1;
    return 0;
}

/* A secret that other users can read is as good as theirs (ssh and libpq refuse such
 * files; feedsd warns, since the secret may be needed right now). */
const char *file_readable_by_others(const char *path, unsigned *mode)
{
    struct stat st;
    if (stat(path, &st) < 0)
        return NULL;
    *mode = (unsigned)(st.st_mode & 07777);
    if (st.st_mode & S_IROTH)
        return "every user";
    if ((st.st_mode & S_IRGRP) && !in_my_groups(st.st_gid))
        return "other users of its group";
    return NULL;
}
