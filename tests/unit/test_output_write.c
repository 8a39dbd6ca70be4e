/* tests/unit/test_output_write.c: output/output_write.c: atomic writes, their errors
 * and clean-up, what output_exists reports, symbolic links below the output folder, and a
 * batch's staged files. Owner: output files engineer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/util.h"
#include "output/output.h"

/* ---- atomic writes ------------------------------------------------------------------- */

static char *make_tmpdir(void)
{
    char tmpl[] = "/tmp/feedsd-out-XXXXXX";
    assert_non_null(mkdtemp(tmpl));
    return xstrdup(tmpl);
}

static void rm_rf(const char *dir)
{
    char *cmd = xasprintf("rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    free(cmd);
}

static char *slurp(const char *dir, const char *rel)
{
    char *path = xasprintf("%s/%s", dir, rel), *s = NULL;
    size_t n;
    if (file_read_all(path, &s, &n) < 0)
        s = NULL;
    free(path);
    return s;
}

/* Counts entries of dir whose name starts with '.', other than "." and "..". */
static int hidden_files(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] == '.' && strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

static void write_creates_and_overwrites(void **state)
{
    (void)state;
    char *dir = make_tmpdir(), err[512];
    assert_int_equal(output_write_atomic(dir, "2024/feed/a.md", "first\n", err, sizeof err), 0);
    char *s = slurp(dir, "2024/feed/a.md");
    assert_string_equal(s, "first\n");
    free(s);
    assert_int_equal(output_write_atomic(dir, "2024/feed/a.md", "second\n", err, sizeof err), 0);
    s = slurp(dir, "2024/feed/a.md");
    assert_string_equal(s, "second\n");
    free(s);
    char *sub = xasprintf("%s/2024/feed", dir);
    assert_int_equal(hidden_files(sub), 0);
    struct stat st;
    char *file = xasprintf("%s/a.md", sub);
    assert_int_equal(stat(file, &st), 0);
    mode_t mask = umask(022);
    umask(mask);
    assert_int_equal(st.st_mode & 0777, 0644 & ~mask);
    free(file);
    free(sub);
    /* the output folder itself is created when missing */
    char *nested = xasprintf("%s/new/out", dir);
    assert_int_equal(output_write_atomic(nested, "x.md", "x", err, sizeof err), 0);
    s = slurp(nested, "x.md");
    assert_string_equal(s, "x");
    free(s);
    free(nested);
    rm_rf(dir);
    free(dir);
}

static void write_errors(void **state)
{
    (void)state;
    char *dir = make_tmpdir(), err[512];
    /* a folder in the path is a regular file: ENOTDIR, nothing left behind */
    assert_int_equal(output_write_atomic(dir, "file", "x", err, sizeof err), 0);
    err[0] = '\0';
    errno = 0;
    assert_int_equal(output_write_atomic(dir, "file/sub/x.md", "x", err, sizeof err), -1);
    assert_int_equal(errno, ENOTDIR);
    assert_non_null(strstr(err, "Not a directory"));
    /* unsafe relative paths are refused before touching the disk */
    static const char *unsafe[] = {"../x.md", "a/../../x.md", "/etc/x.md", "", "a//b.md", "./x", "a/"};
    for (size_t i = 0; i < sizeof unsafe / sizeof *unsafe; i++) {
        errno = 0;
        assert_int_equal(output_write_atomic(dir, unsafe[i], "x", err, sizeof err), -1);
        assert_int_equal(errno, EINVAL);
    }
    assert_int_equal(hidden_files(dir), 0);
    /* a read-only folder (root ignores permissions, so only as another user) */
    if (geteuid() != 0) {
        char *ro = xasprintf("%s/ro", dir);
        assert_int_equal(mkdir(ro, 0555), 0);
        assert_int_equal(output_write_atomic(ro, "x.md", "x", err, sizeof err), -1);
        assert_int_equal(errno, EACCES);
        assert_non_null(strstr(err, "Permission denied"));
        free(ro);
    }
    rm_rf(dir);
    free(dir);
}

/* A write that fails half-way (here EFBIG from RLIMIT_FSIZE; ENOSPC takes the same path)
 * reports the error, leaves no temporary file and does not touch the old file. */
static void write_failure_cleans_up(void **state)
{
    (void)state;
    char *dir = make_tmpdir(), err[512];
    assert_int_equal(output_write_atomic(dir, "a.md", "old", err, sizeof err), 0);
    struct buf big = {0};
    for (int i = 0; i < 8192; i++)
        buf_puts(&big, "0123456789abcdef");
    struct rlimit old, small = {.rlim_cur = 4096, .rlim_max = 0};
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    small.rlim_max = old.rlim_max;
    void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
    err[0] = '\0';
    int rc = output_write_atomic(dir, "a.md", big.data, err, sizeof err);
    int e = errno;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, prev);
    assert_int_equal(rc, -1);
    assert_int_equal(e, EFBIG);
    assert_non_null(strstr(err, strerror(EFBIG)));
    assert_non_null(strstr(err, "cannot write"));
    assert_int_equal(hidden_files(dir), 0);
    char *s = slurp(dir, "a.md");
    assert_string_equal(s, "old");
    free(s);
    buf_free(&big);
    rm_rf(dir);
    free(dir);
}

/* What output_exists reports: anything at the name counts (a dangling link too), a
 * missing name or folder does not, an unsafe path is an error. */
static void exists_cases(void **state)
{
    (void)state;
    char *dir = make_tmpdir(), err[512];
    assert_int_equal(output_write_atomic(dir, "sub/a.md", "a", err, sizeof err), 0);
    char *link = xasprintf("%s/dangling.md", dir);
    assert_int_equal(symlink("/nonexistent/feedsd-test", link), 0);
    assert_int_equal(output_exists(dir, "sub/a.md"), 1);
    assert_int_equal(output_exists(dir, "sub"), 1);
    assert_int_equal(output_exists(dir, "dangling.md"), 1);
    assert_int_equal(output_exists(dir, "sub/b.md"), 0);
    assert_int_equal(output_exists(dir, "none/b.md"), 0);
    assert_int_equal(output_exists(dir, "sub/a.md/x.md"), 0);
    errno = 0;
    assert_int_equal(output_exists(dir, "../a.md"), -1);
    assert_int_equal(errno, EINVAL);
    free(link);
    rm_rf(dir);
    free(dir);
}

/* No folder below the output folder is followed when it is a symbolic link (out/2025 ->
 * elsewhere would put posts outside it); the output folder itself may be one. */
static void write_refuses_linked_folders(void **state)
{
    (void)state;
    char *dir = make_tmpdir(), err[512];
    char *real = xasprintf("%s/real", dir), *out = xasprintf("%s/out", dir);
    char *away = xasprintf("%s/away", dir), *link = xasprintf("%s/real/2025", dir);
    char *deep = xasprintf("%s/real/2024/feed", dir);
    assert_int_equal(mkdir(real, 0755), 0);
    assert_int_equal(mkdir(away, 0755), 0);
    assert_int_equal(symlink(real, out), 0);        /* the output folder: allowed */
    assert_int_equal(symlink(away, link), 0);
    assert_int_equal(output_write_atomic(out, "2024/feed/a.md", "a", err, sizeof err), 0);
    rm_rf(deep);
    assert_int_equal(symlink(away, deep), 0);        /* a link two levels down */
    static const char *const linked[] = {"2025/a.md", "2025/x/a.md", "2024/feed/b.md"};
    for (size_t i = 0; i < sizeof linked / sizeof *linked; i++) {
        err[0] = '\0';
        errno = 0;
        assert_int_equal(output_write_atomic(out, linked[i], "x", err, sizeof err), -1);
        assert_int_equal(errno, ELOOP);
        assert_non_null(strstr(err, "is a symbolic link"));
        assert_int_equal(output_exists(out, linked[i]), 0);
        struct output_batch b;
        int began = output_batch_begin(&b, out) == 0;
        assert_int_equal(output_batch_write(&b, linked[i], "x", err, sizeof err), -1);
        assert_non_null(strstr(err, "is a symbolic link"));
        if (began)
            assert_int_equal(output_batch_sync(&b, err, sizeof err), 0);
    }
    assert_int_equal(hidden_files(away), 0);
    DIR *d = opendir(away);
    assert_non_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    assert_int_equal(n, 0);                         /* nothing was written through a link */
    /* once the link is a real folder, the post is written */
    assert_int_equal(unlink(link), 0);
    assert_int_equal(output_write_atomic(out, "2025/x/a.md", "y", err, sizeof err), 0);
    char *s = slurp(real, "2025/x/a.md");
    assert_string_equal(s, "y");
    free(s);
    free(real);
    free(out);
    free(away);
    free(link);
    free(deep);
    rm_rf(dir);
    free(dir);
}

/* A batch stages the files of existing folders on its file system and writes the rest
 * in place; an output folder that is missing, or on an unknown file system, turns
 * staging off. Staged files take their names only through output_publish. */
static void batch_staging(void **state)
{
    (void)state;
    char *dir = make_tmpdir(), err[512];
    struct output_batch b;
    char *missing = xasprintf("%s/none", dir);
    assert_int_equal(output_batch_begin(&b, missing), -1);
    assert_int_equal(output_batch_write(&b, "a.md", "m", err, sizeof err), 0);   /* in place */
    assert_int_equal(output_batch_sync(&b, err, sizeof err), 0);
    char *s = slurp(missing, "a.md");
    assert_string_equal(s, "m");
    free(s);
    free(missing);
    /* /proc is procfs, not a file system whose syncfs writes anything out */
    assert_int_equal(output_batch_begin(&b, "/proc"), -1);

    if (output_batch_begin(&b, dir) < 0) {
        /* TMPDIR on a file system not in the list (NFS, overlayfs): nothing to check */
        rm_rf(dir);
        free(dir);
        skip();
    }
    assert_int_equal(output_batch_write(&b, "a.md", "a", err, sizeof err), 1);
    assert_int_equal(output_batch_write(&b, "sub/a.md", "x", err, sizeof err), 0); /* new folder */
    assert_int_equal(output_batch_write(&b, "../a.md", "z", err, sizeof err), -1);
    assert_int_equal(output_batch_write(&b, "sub/b.md", "y", err, sizeof err), 1); /* now it exists */
    assert_int_equal(output_batch_write(&b, "sub/c.md", "w", err, sizeof err), 1);
    /* staged: not in place yet, only temporary files */
    char *sub = xasprintf("%s/sub", dir), *path = xasprintf("%s/sub/b.md", dir);
    struct stat st;
    assert_int_equal(stat(path, &st), -1);
    assert_int_equal(hidden_files(sub), 2);
    assert_int_equal(hidden_files(dir), 1);
    assert_int_equal(output_batch_sync(&b, err, sizeof err), 0);
    assert_int_equal(b.fd, -1);
    assert_int_equal(output_publish(dir, "sub/b.md", err, sizeof err), 0);
    assert_int_equal(output_publish(dir, "a.md", err, sizeof err), 0);
    output_discard(dir, "sub/c.md");
    assert_int_equal(hidden_files(sub), 0);
    assert_int_equal(hidden_files(dir), 0);
    s = slurp(dir, "sub/b.md");
    assert_string_equal(s, "y");
    free(s);
    s = slurp(dir, "sub/a.md");
    assert_string_equal(s, "x");
    free(s);
    s = slurp(dir, "a.md");
    assert_string_equal(s, "a");
    free(s);
    free(path);
    path = xasprintf("%s/sub/c.md", dir);
    assert_int_equal(stat(path, &st), -1);
    /* nothing staged under that name: a clear error */
    assert_int_equal(output_publish(dir, "sub/c.md", err, sizeof err), -1);
    assert_non_null(strstr(err, "cannot rename to sub/c.md"));
    free(path);
    free(sub);
    rm_rf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(exists_cases),
        cmocka_unit_test(write_refuses_linked_folders),
        cmocka_unit_test(write_creates_and_overwrites),
        cmocka_unit_test(write_errors),
        cmocka_unit_test(write_failure_cleans_up),
        cmocka_unit_test(batch_staging),
    };
    return cmocka_run_group_tests_name("output_write", tests, NULL, NULL);
}
