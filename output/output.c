/* output/output.c: renders one post as the markdown file of
 * docs/output-format.md (YAML front matter, "## Summary", "## Full Content")
 * and writes it atomically. Naming (slugs, patterns, paths) lives in output_path.c.
 * Owner: output files / configuration engineer. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "output/output.h"
#include "output/output_utf8.h"

/* ---- YAML scalars -------------------------------------------------------------------- */

/* Plain scalars that a YAML 1.1 or 1.2 reader resolves to something other than a string
 * (bool, null, special floats, YAML 1.1's merge "<<" and value "=" keys). Compared without
 * case: quoting "YES" too costs nothing and spares us each spec's exact case rules. */
static const char *const yaml_special_words[] = {
    "y", "n", "yes", "no", "on", "off", "true", "false", "null", "~",
    ".inf", "+.inf", "-.inf", ".nan", "<<", "=",
};

/* Characters that may not start a plain scalar (YAML 1.2 section 7.3.3, c-indicator).
 * '-', '?' and ':' are allowed before a non-space there, but quoting them is simpler
 * than proving each case safe across parsers. */
static const char yaml_bad_first[] = "-?:,[]{}#&*!|>'\"%@`";

/* Looks like an int, float, sexagesimal number or date in YAML 1.1/1.2: an optional sign,
 * then a digit (or '.' and a digit), then only characters that such numbers use
 * (1.0, 0x1F, 1e3, 0o17, 1_000, 12:30, 2024-01-01). Quotes a few strings like "1-2-3"
 * too; a needless pair of quotes is harmless, a misread title is not. */
static int yaml_numberish(const char *s)
{
    if (*s == '+' || *s == '-')
        s++;
    if (!(*s >= '0' && *s <= '9') && !(*s == '.' && s[1] >= '0' && s[1] <= '9'))
        return 0;
    return s[strspn(s, "0123456789abcdefABCDEFxXoO_.:+-")] == '\0';
}

/* YAML 1.1 timestamps start with YYYY-M-D and may go on with a time after 'T' or spaces
 * ("2024-01-01 10:00:00"), which yaml_numberish does not cover. */
static int yaml_dateish(const char *s)
{
    for (int i = 0; i < 4; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return s[4] == '-' && s[5] >= '0' && s[5] <= '9';
}

/* Characters that must be escaped: not printable in YAML (section 5.1: C0 controls except
 * TAB/LF/CR, DEL, C1 controls, U+FFFE/U+FFFF) and the line breaks that a reader would fold
 * (LF, CR, NEL, LS, PS). TAB is escaped too so that a quoted value stays on one line. */
static int yaml_must_escape(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029 ||
           cp == 0xFEFF || cp == 0xFFFE || cp == 0xFFFF;
}

static int yaml_needs_quotes(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || s[0] == ' ' || s[n - 1] == ' ' || strchr(yaml_bad_first, s[0]))
        return 1;
    /* ": " starts a mapping value and " #" a comment inside a plain scalar; a final ':'
     * is a mapping indicator before the line break (YAML 1.2 section 7.3.3). */
    if (strstr(s, ": ") || strstr(s, " #") || s[n - 1] == ':')
        return 1;
    if (!strncmp(s, "---", 3) || !strncmp(s, "...", 3))
        return 1;
    for (size_t i = 0; i < sizeof yaml_special_words / sizeof *yaml_special_words; i++)
        if (!strcasecmp(s, yaml_special_words[i]))
            return 1;
    if (yaml_numberish(s) || yaml_dateish(s))
        return 1;
    for (const char *p = s; *p;) {
        uint32_t cp;
        int len = utf8_decode(p, &cp);
        if (len == 0 || yaml_must_escape(cp))
            return 1;
        p += len;
    }
    return 0;
}

/* Double-quoted style (YAML 1.2 section 7.3.1) with the escapes that every reader knows.
 * \x and \u name code points, not bytes, so bytes that are not UTF-8 become U+FFFD. */
static void yaml_put_quoted(struct buf *b, const char *s)
{
    buf_putc(b, '"');
    for (const char *p = s; *p;) {
        uint32_t cp;
        int len = utf8_decode(p, &cp);
        if (len == 0) {
            buf_puts(b, "\\uFFFD");
            p++;
            continue;
        }
        if (cp == '"')
            buf_puts(b, "\\\"");
        else if (cp == '\\')
            buf_puts(b, "\\\\");
        else if (cp == '\n')
            buf_puts(b, "\\n");
        else if (cp == '\t')
            buf_puts(b, "\\t");
        else if (cp == '\r')
            buf_puts(b, "\\r");
        else if (yaml_must_escape(cp))
            buf_printf(b, cp <= 0xFF ? "\\x%02X" : "\\u%04X", (unsigned)cp);
        else
            buf_append(b, p, (size_t)len);
        p += len;
    }
    buf_putc(b, '"');
}

char *yaml_scalar(const char *s)
{
    if (!s)
        s = "";
    if (!yaml_needs_quotes(s))
        return xstrdup(s);
    struct buf b = {0};
    yaml_put_quoted(&b, s);
    return buf_steal(&b);
}

/* ---- rendering ----------------------------------------------------------------------- */

static void put_yaml_field(struct buf *b, const char *indent, const char *key, const char *v)
{
    char *y = yaml_scalar(v);
    buf_printf(b, "%s%s: %s\n", indent, key, y);
    free(y);
}

/* Appends markdown without leading blank lines and trailing whitespace, so that the
 * section layout around it is decided here and not by the summarizer or html2md. */
static void put_trimmed_block(struct buf *b, const char *s)
{
    if (!s)
        return;
    /* Skip whole blank lines only: leading spaces of the first line may be indentation. */
    for (const char *p = s; *p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'; p++)
        if (*p == '\n')
            s = p + 1;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        n--;
    buf_append(b, s, n);
}

/* The "Title:" line is raw text on one line (the layout of the example), so line breaks
 * become spaces and other control characters are dropped. */
static void put_one_line(struct buf *b, const char *s)
{
    int space = 0;
    for (const char *p = s ? s : ""; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '\n' || c == '\r' || c == '\t') {
            space = 1;
            continue;
        }
        if (c < 0x20 || c == 0x7F)
            continue;
        if (space && b->len && b->data[b->len - 1] != ' ')
            buf_putc(b, ' ');
        space = 0;
        buf_putc(b, (char)c);
    }
}

static const char *first_nonempty(const char *a, const char *b)
{
    return a && *a ? a : b && *b ? b : "";
}

/* Layout, byte for byte as docs/example-output.md: no blank line between the
 * closing "---" and "## Summary", none between the summary and "## Full Content", a blank
 * line after "Title:" and after "URL Source:", and the content followed by one empty line
 * (the example ends with "...exciting.\n\n").
 * A post without a URL (a feed may give none) has no extra.source, and its "URL Source: "
 * line is kept with an empty value, so that readers that split on the labels still find
 * every label of the layout. */
char *output_render(const struct post *p)
{
    struct buf b = {0};
    const char *title = first_nonempty(p->title, p->original_title);
    const char *orig = first_nonempty(p->original_title, p->title);
    int has_url = p->url && *p->url;

    char day[16] = "1970-01-01";
    time_t t = (time_t)p->published;
    struct tm tm;
    if (localtime_r(&t, &tm))   /* the daemon sets TZ from the configuration */
        strftime(day, sizeof day, "%Y-%m-%d", &tm);

    buf_puts(&b, "---\n");
    put_yaml_field(&b, "", "title", title);
    buf_printf(&b, "date: %s\n", day);
    buf_puts(&b, "extra:\n");
    /* Zola rejects unknown top-level keys: everything of ours lives under extra:, with
     * source and original_title first as in the example. */
    if (has_url)
        put_yaml_field(&b, "  ", "source", p->url);
    put_yaml_field(&b, "  ", "original_title", orig);
    if (p->feed_title && *p->feed_title)
        put_yaml_field(&b, "  ", "feed", p->feed_title);
    if (p->author && *p->author)
        put_yaml_field(&b, "  ", "author", p->author);
    if (p->published > 0) {
        char full[32];
        if (gmtime_r(&t, &tm) && strftime(full, sizeof full, "%Y-%m-%dT%H:%M:%SZ", &tm))
            buf_printf(&b, "  published: %s\n", full);   /* an RFC 3339 timestamp on purpose */
    }
    if (p->id && *p->id)
        put_yaml_field(&b, "  ", "id", p->id);
    if (p->summary_by && *p->summary_by)
        put_yaml_field(&b, "  ", "summarized_by", p->summary_by);
    if (p->summary_fallback)
        buf_puts(&b, "  summary_fallback: true\n");
    buf_puts(&b, "---\n## Summary\n");
    size_t before = b.len;
    put_trimmed_block(&b, p->summary);
    if (b.len > before)
        buf_putc(&b, '\n');
    buf_puts(&b, "## Full Content\nTitle: ");
    put_one_line(&b, orig);
    buf_puts(&b, "\n\nURL Source: ");
    if (has_url)
        put_one_line(&b, p->url);
    buf_puts(&b, "\n\nMarkdown Content:\n");
    before = b.len;
    put_trimmed_block(&b, p->content_md);
    if (b.len > before)
        buf_puts(&b, "\n\n");
    return buf_steal(&b);
}

/* ---- atomic writes ------------------------------------------------------------------- */

static int fail(char *err, size_t errlen, int e, const char *what, const char *path)
{
    if (err && errlen)
        snprintf(err, errlen, "%s %s: %s", what, path, strerror(e));
    errno = e;
    return -1;
}

/* mkdir -p for an absolute or relative path; existing folders are fine. */
static int mkdir_p(const char *path, char *err, size_t errlen)
{
    char *tmp = xstrdup(path);
    for (char *p = tmp + 1; ; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char saved = *p;
        *p = '\0';
        if (mkdir(tmp, 0755) < 0) {
            int e = errno;
            struct stat st;
            /* EEXIST, or EROFS/EACCES for a folder that exists: fine when it is one. */
            if (stat(tmp, &st) < 0 || !S_ISDIR(st.st_mode)) {
                if (e == EEXIST)
                    e = ENOTDIR;
                fail(err, errlen, e, "cannot create folder", tmp);
                free(tmp);
                errno = e;
                return -1;
            }
        }
        if (saved == '\0')
            break;
        *p = saved;
    }
    free(tmp);
    return 0;
}

/* Defence in depth: output_path_for never produces these, but a path from an old
 * database row or another caller must not escape dir either. */
static int relpath_ok(const char *rel)
{
    if (!rel || !*rel || rel[0] == '/')
        return 0;
    for (const char *c = rel; *c;) {
        size_t n = strcspn(c, "/");
        if (n == 0 || (n == 2 && !strncmp(c, "..", 2)) || (n == 1 && c[0] == '.') ||
            n > NAME_MAX)
            return 0;
        c += n;
        if (*c == '/')
            c++;
        else
            break;
    }
    return rel[strlen(rel) - 1] != '/';
}

/* The folder that holds dir/relpath, opened from the output folder one name at a time
 * with O_NOFOLLOW, the missing ones created when create is set (*created says whether
 * one was). The output folder itself may be a symbolic link, and its path may hold some:
 * users point it at a site's content folder on purpose. No folder below it may be one: a
 * link there (out/2025 -> /elsewhere) would put posts, whose names feeds choose, outside
 * the output folder, so it is an error of the post, which stays unwritten until the link
 * is gone. Returns the folder's descriptor, or -1 with errno and a message in err. */
static int folder_open(const char *dir, const char *relpath, int create, int *created,
                       char *err, size_t errlen)
{
    if (!dir || !*dir)
        dir = ".";
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 && (errno == ENOENT || errno == ENOTDIR) && create) {
        /* Deleted by hand under a running daemon: created again, and said so, since the
         * files written before went with it and are not rewritten. (A file in its place
         * gets mkdir_p's "cannot create folder".) */
        int missing = errno == ENOENT;
        if (mkdir_p(dir, err, errlen) < 0)
            return -1;
        if (missing)
            log_warn("output folder %s was missing: created it again", dir);
        *created = 1;
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    }
    if (fd < 0)
        return fail(err, errlen, errno, "cannot open folder", dir);
    for (const char *c = relpath;;) {
        size_t n = strcspn(c, "/");
        if (c[n] == '\0')
            return fd;      /* the rest is the file's name */
        char *name = xstrndup(c, n);
        int sub = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub < 0 && errno == ENOENT && create) {
            if (mkdirat(fd, name, 0755) == 0 || errno == EEXIST) {
                *created = 1;
                sub = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            } else {
                int e = errno;
                char *shown = xasprintf("%s/%.*s", dir, (int)(c + n - relpath), relpath);
                fail(err, errlen, e, "cannot create folder", shown);
                free(shown);
                free(name);
                close(fd);
                errno = e;
                return -1;
            }
        }
        if (sub < 0) {
            int e = errno;
            struct stat st;
            char *shown = xasprintf("%s/%.*s", dir, (int)(c + n - relpath), relpath);
            /* O_NOFOLLOW fails with ELOOP on a link (ENOTDIR on some file systems) */
            if ((e == ELOOP || e == ENOTDIR) &&
                fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) {
                e = ELOOP;
                if (err && errlen)
                    snprintf(err, errlen, "folder %s is a symbolic link: feedsd follows none"
                                          " below the output folder (the post is written once"
                                          " it is a real folder)", shown);
            } else {
                fail(err, errlen, e, "cannot open folder", shown);
            }
            free(shown);
            free(name);
            close(fd);
            errno = e;
            return -1;
        }
        free(name);
        close(fd);
        fd = sub;
        c += n + 1;
    }
}

int output_write_atomic(const char *dir, const char *relpath, const char *text,
                        char *err, size_t errlen)
{
    return output_write_file(dir, relpath, text, OUTPUT_SYNC_DIR, err, errlen);
}

/* Same folder as the target, so the rename is atomic (rename(2) within one file system).
 * The name starts with '.' so that watchers skipping dotfiles ignore it, and is cut so
 * that it still fits NAME_MAX beside a long target name. output_sweep_temp knows it. */
static char *temp_name(const char *name)
{
    return xasprintf(".%.*s.tmp-%ld", NAME_MAX - 24, name, (long)getpid());
}

/* dir/relpath split into the folder's path (malloc'd) and the file name within it. */
static char *split_target(const char *dir, const char *relpath, const char **name)
{
    char *full = xasprintf("%s/%s", dir && *dir ? dir : ".", relpath);
    char *slash = strrchr(full, '/');
    *slash = '\0';
    *name = relpath + strlen(relpath) - strlen(slash + 1);
    return full;
}

int output_exists(const char *dir, const char *relpath)
{
    if (!relpath_ok(relpath)) {
        errno = EINVAL;
        return -1;
    }
    int created = 0;
    char err[8];
    int dfd = folder_open(dir, relpath, 0, &created, err, sizeof err);
    if (dfd < 0)   /* no folder there (a link is none): nothing at the name either */
        return errno == ENOENT || errno == ENOTDIR || errno == ELOOP ? 0 : -1;
    const char *slash = strrchr(relpath, '/');
    struct stat st;
    int rc = fstatat(dfd, slash ? slash + 1 : relpath, &st, AT_SYMLINK_NOFOLLOW) == 0 ? 1
             : errno == ENOENT                                                        ? 0
                                                                                      : -1;
    int e = errno;
    close(dfd);
    errno = e;
    return rc;
}

int output_sync_dir(const char *dir, const char *relpath, char *err, size_t errlen)
{
    const char *name;
    char *full = split_target(dir, relpath, &name);
    int rc = 0, dfd = open(full, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0 || (fsync(dfd) < 0 && errno != EINVAL)) {
        fail(err, errlen, errno, "cannot flush folder", full);
        rc = -1;
    }
    if (dfd >= 0)
        close(dfd);
    free(full);
    return rc;
}

/* The path of the file staged for dir/relpath, and in *to (may be NULL) its target's.
 * Renamed and removed by path, one system call each: the staged file was created in a
 * folder that folder_open reached without a link. A link put there since leads to
 * another folder, where the rename finds no staged file of ours (it fails, and the next
 * pass refuses the link) and never carries our text out of the output folder. */
static char *staged_path(const char *dir, const char *relpath, char **to)
{
    const char *name;
    char *full = split_target(dir, relpath, &name);
    char *tmp = temp_name(name);
    char *from = xasprintf("%s/%s", full, tmp);
    if (to)
        *to = xasprintf("%s/%s", full, name);
    free(tmp);
    free(full);
    return from;
}

int output_publish(const char *dir, const char *relpath, char *err, size_t errlen)
{
    if (!relpath_ok(relpath))
        return fail(err, errlen, EINVAL, "refusing unsafe output path", relpath ? relpath : "(null)");
    char *to, *from = staged_path(dir, relpath, &to);
    int rc = 0;
    if (rename(from, to) < 0) {
        int e = errno;
        unlink(from);
        rc = fail(err, errlen, e, "cannot rename to", relpath);
    }
    free(from);
    free(to);
    return rc;
}

void output_discard(const char *dir, const char *relpath)
{
    if (!relpath_ok(relpath))
        return;
    char *path = staged_path(dir, relpath, NULL);
    unlink(path);
    free(path);
}

/* File systems whose syncfs(2) writes every dirty page and inode and then flushes the
 * device cache, as fdatasync(2) does for one file (statfs(2) f_type values, from
 * linux/magic.h). Network and FUSE file systems are left out: there syncfs may stop at the
 * client's cache, while fsync reaches the server. */
static const unsigned long batch_fs_types[] = {
    0xEF53,         /* ext2, ext3, ext4 */
    0x58465342,     /* xfs */
    0x9123683E,     /* btrfs */
    0xF2F52010,     /* f2fs */
    0x2FC12FC1,     /* zfs */
    0xCA451A4E,     /* bcachefs */
    0x01021994,     /* tmpfs: nothing to flush */
};

int output_batch_begin(struct output_batch *b, const char *dir)
{
    memset(b, 0, sizeof *b);
    b->fd = -1;
    b->dir = dir && *dir ? dir : ".";
    /* Opened before the first write: syncfs reports the write-back errors of the file
     * system that happened since this descriptor was opened (syncfs(2), Linux 5.8). */
    int fd = open(b->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    struct statfs sf;
    struct stat st;
    if (fd < 0)
        return -1;
    if (fstatfs(fd, &sf) == 0 && fstat(fd, &st) == 0) {
        for (size_t i = 0; i < sizeof batch_fs_types / sizeof *batch_fs_types; i++) {
            if ((unsigned long)sf.f_type == batch_fs_types[i]) {
                b->fd = fd;
                b->dev = st.st_dev;
                return 0;
            }
        }
    }
    close(fd);
    return -1;
}

int output_batch_sync(struct output_batch *b, char *err, size_t errlen)
{
    int rc = 0;
    if (b->fd < 0)
        return 0;
    if (syncfs(b->fd) < 0) {
        fail(err, errlen, errno, "cannot flush the file system of", b->dir);
        rc = -1;
    }
    close(b->fd);
    b->fd = -1;
    return rc;
}

/* output_write_file(), and for a batch (b set) the staging: the file is only staged
 * (*staged = 1: written to its temporary name, not flushed, not renamed) when its folder
 * already existed on the batch's file system. A folder created here takes the flushes of
 * a single file, and so does one behind a mount point inside the output folder, which
 * the batch's syncfs would miss. */
#define OUTPUT_STAGE 0x100   /* write_file: temporary file only (see output_batch_write) */

static int write_file(const char *dir, const char *relpath, const char *text, int flags,
                      const struct output_batch *b, int *staged, char *err, size_t errlen)
{
    if (!relpath_ok(relpath))
        return fail(err, errlen, EINVAL, "refusing unsafe output path", relpath ? relpath : "(null)");
    if (!dir || !*dir)
        dir = ".";
    const char *name;
    char *full = split_target(dir, relpath, &name);
    int rc = -1, e = 0, dfd = -1, fd = -1, created = 0;
    char *tmp = NULL, *tmpfull = NULL;

    /* Opened from the output folder down, a folder at a time, never through a link; the
     * missing ones are created (folder_open). */
    dfd = folder_open(dir, relpath, 1, &created, err, errlen);
    if (dfd < 0) {
        e = errno;
        goto out;
    }
    struct stat fst;
    if (b && b->fd >= 0 && !created && fstat(dfd, &fst) == 0 && fst.st_dev == b->dev)
        flags |= OUTPUT_STAGE;
    if (staged)
        *staged = (flags & OUTPUT_STAGE) != 0;
    tmp = temp_name(name);
    tmpfull = xasprintf("%s/%s", full, tmp);
    for (int attempt = 0; ; attempt++) {
        fd = openat(dfd, tmp, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
        /* A leftover with our pid can only come from an earlier process that had the
         * same pid and died mid-write: it is ours to remove. */
        if (fd < 0 && errno == EEXIST && attempt == 0 && unlinkat(dfd, tmp, 0) == 0)
            continue;
        break;
    }
    if (fd < 0) {
        e = errno;
        fail(err, errlen, e, "cannot create", tmpfull);
        goto out;
    }
    const char *step = "cannot write";
    if (fd_write_all(fd, text ? text : "", text ? strlen(text) : 0) < 0 ||
        (step = "cannot flush", !(flags & OUTPUT_STAGE) && fdatasync(fd) < 0)) {
        e = errno;
        fail(err, errlen, e, step, tmpfull);
        goto out_unlink;
    }
    int cfd = fd;
    fd = -1;
    if (close(cfd) < 0) {   /* NFS reports some write errors only here */
        e = errno;
        fail(err, errlen, e, "cannot close", tmpfull);
        goto out_unlink;
    }
    if (flags & OUTPUT_STAGE) {   /* output_publish renames it once it is on the disk */
        rc = 0;
        goto out;
    }
    if (renameat(dfd, tmp, dfd, name) < 0) {
        e = errno;
        fail(err, errlen, e, "cannot rename to", relpath);
        goto out_unlink;
    }
    /* fsync(2): syncing the file does not persist its directory entry; without this the
     * rename may be lost on power failure. Failure here leaves a complete file, so it is
     * reported but the target is not removed. */
    if ((flags & OUTPUT_SYNC_DIR) && fsync(dfd) < 0 && errno != EINVAL) {
        e = errno;
        fail(err, errlen, e, "cannot flush folder", full);
        goto out;
    }
    rc = 0;
    goto out;

out_unlink:
    if (fd >= 0)
        close(fd);
    fd = -1;
    unlinkat(dfd, tmp, 0);
out:
    if (fd >= 0)
        close(fd);
    if (dfd >= 0)
        close(dfd);
    free(tmp);
    free(tmpfull);
    free(full);
    if (rc < 0)
        errno = e;
    return rc;
}

int output_write_file(const char *dir, const char *relpath, const char *text, int flags,
                      char *err, size_t errlen)
{
    return write_file(dir, relpath, text, flags, NULL, NULL, err, errlen);
}

int output_batch_write(struct output_batch *b, const char *relpath, const char *text,
                       char *err, size_t errlen)
{
    int staged = 0;
    if (write_file(b->dir, relpath, text, 0, b, &staged, err, errlen) < 0)
        return -1;
    return staged;
}
