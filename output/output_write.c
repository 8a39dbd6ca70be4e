/* output/output_write.c: writes a post's file atomically (a temporary name in the same
 * folder, flushed, then renamed), alone or in a batch flushed by one syncfs(2), never
 * through a symbolic link and never over a file feedsd did not write. Owner: output
 * files / configuration engineer. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "output/output.h"

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
