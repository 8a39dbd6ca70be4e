/* common/util.h: memory helpers that exit on out-of-memory (the one case where the daemon
 * may exit after it is ready), a growable byte buffer, and a stable 64-bit hash.
 * Every pointer returned here is owned by the caller and released with free(). */
#ifndef FEEDSD_UTIL_H
#define FEEDSD_UTIL_H

#include <stddef.h>
#include <stdint.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);          /* NULL in, NULL out */
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A NUL-terminated growable buffer. Zero-initialise ({0}) before use. */
struct buf {
    char *data;
    size_t len, cap;
};
void buf_grow(struct buf *b, size_t extra);
void buf_append(struct buf *b, const char *s, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Inline: the parsers append one character at a time in their inner loops. */
static inline void buf_putc(struct buf *b, char c)
{
    if (!b->data || b->len + 2 > b->cap)
        buf_grow(b, 1);
    b->data[b->len++] = c;
    b->data[b->len] = '\0';
}
char *buf_steal(struct buf *b);        /* returns data (never NULL), resets b */
void buf_free(struct buf *b);

/* FNV-1a 64-bit: stable across runs and machines, used for keys and content hashes
 * (not for security). hash_hex writes 16 lower-case hex digits plus NUL. */
uint64_t hash64(const void *data, size_t len);
uint64_t hash64_update(uint64_t h, const void *data, size_t len);
#define HASH64_INIT 0xcbf29ce484222325ULL
void hash_hex(uint64_t h, char out[17]);
/* XXH64 (the xxHash 64-bit algorithm, libxxhash) of data[0..len) with seed. About ten
 * times faster than hash64 on long inputs (it reads 8 bytes at a time in four independent
 * lanes), for hashes that are not already stored as FNV-1a: the body hash of a fetched
 * document, the content hash of an entry. */
uint64_t hash_xxh64(const void *data, size_t len, uint64_t seed);
/* XXH64 over data given in pieces: the digest equals hash_xxh64() of the pieces joined.
 * The state is libxxhash's (XXH64_state_t), allocated (exits on out-of-memory like
 * xmalloc) and freed with hash_xxh64_free. */
struct XXH64_state_s;
struct XXH64_state_s *hash_xxh64_new(uint64_t seed);
void hash_xxh64_update(struct XXH64_state_s *s, const void *data, size_t len);
uint64_t hash_xxh64_digest(const struct XXH64_state_s *s);
void hash_xxh64_free(struct XXH64_state_s *s);

/* Trims ASCII/Unicode-unaware whitespace in place; returns s. */
char *str_trim(char *s);
/* Frees a string that held a secret (a password, a token header) after overwriting it, so
 * that the freed heap does not keep it for a later core dump. NULL is ignored. */
void str_free_secret(char *s);
/* Collapses runs of whitespace to one space and trims; in place; returns s. */
char *str_squash_ws(char *s);
int str_empty(const char *s);          /* NULL or only whitespace */
int str_has_prefix(const char *s, const char *prefix);

/* What people read: one format for every duration (status, list, check, log lines), the
 * two largest units with the second in two digits and left out when zero: "59s",
 * "15m41s", "58m31s", "1h", "1h01m", "6h", "1d01h", "2d" (seconds are dropped past an
 * hour, minutes past a day). config_parse_duration reads it back. Always terminated. */
void duration_format(int64_t seconds, char *out, size_t n);
/* one when n is 1, else many: "1 entry", "2 entries", "0 entries". */
const char *plural(long long n, const char *one, const char *many);
/* "once", "2 times": how often something failed. Returns out. */
const char *times_format(long long n, char *out, size_t len);

/* A path as a person should read it in a log line or a message, naming the same file:
 * "examples/../var/feedsd.db" is "var/feedsd.db", "a/./b//c/" is "a/b/c". "x/.." is
 * folded only when x is not a symbolic link (lstat(2)): then "x/.." is the folder of what
 * x points to, not ".". Relative stays relative (to the current folder), absolute stays
 * absolute; "" and "." are ".". malloc'd. */
char *path_normalize(const char *path);

/* Wall-clock time in milliseconds (queue times stored in the database). */
int64_t time_wall_ms(void);

/* Whether a file that holds a secret can be read by other users: "every user" (world
 * readable), "other users of its group" (group readable, and the group is not one this
 * process runs in: root:feedsd 0640 is how a secret is shared with a service user), or
 * NULL (also when the file cannot be examined). *mode: its permission bits. */
const char *file_readable_by_others(const char *path, unsigned *mode);

/* Reads a whole file ("-" = stdin) into a malloc'd buffer, NUL-terminated. 0 / -1 (errno). */
int file_read_all(const char *path, char **out, size_t *len);
/* write(2) of all n bytes (it may write less than asked and fail with EINTR). 0 / -1. */
int fd_write_all(int fd, const char *s, size_t n);

/* A whole file ("-" = stdin) for reading only: a regular file is mapped (mmap(2),
 * MAP_PRIVATE), anything else (a pipe, an empty file) is read into memory as by
 * file_read_all(). data is NUL-terminated only when it was read. 0 / -1 (errno). */
struct file_view {
    const char *data;
    size_t len;
    void *map;            /* the mapping, or NULL when data was read (then owned) */
    char *owned;
};
int file_view_open(const char *path, struct file_view *v);
void file_view_close(struct file_view *v);

#endif
