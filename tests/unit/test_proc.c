/* tests/unit/test_proc.c: a process's boot id and start time (common/proc.c), read as the
 * daemon reads them to tell its output folders' writers apart. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/proc.h"

static char path[64];

static void write_file(const char *text)
{
    snprintf(path, sizeof path, "/tmp/feedsd-test-proc-%d", (int)getpid());
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_boot_id_from_a_file(void **state)
{
    (void)state;
    char id[64];
    write_file("0b5c7f2a-3d1e-4c55-9a0e-6f1b2c3d4e5f\n");
    assert_int_equal(proc_boot_id(path, id, sizeof id), 0);
    assert_string_equal(id, "0b5c7f2a3d1e4c559a0e6f1b2c3d4e5f");
    write_file("0b5c7f2a-3d1e-4c55-9a0e-6f1b2c3d4e5f");     /* without the line feed */
    assert_int_equal(proc_boot_id(path, id, sizeof id), 0);
    assert_string_equal(id, "0b5c7f2a3d1e4c559a0e6f1b2c3d4e5f");
    /* not an id: empty, too short, other characters, too long for the buffer */
    const char *bad[] = {"", "\n", "abc\n", "not a boot id at all\n"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        write_file(bad[i]);
        errno = 0;
        assert_int_equal(proc_boot_id(path, id, sizeof id), -1);
        assert_int_equal(errno, EINVAL);
    }
    write_file("0b5c7f2a-3d1e-4c55-9a0e-6f1b2c3d4e5f\n");
    assert_int_equal(proc_boot_id(path, id, 32), -1);   /* no room for the NUL */
    unlink(path);
    assert_int_equal(proc_boot_id(path, id, sizeof id), -1);
    assert_int_equal(errno, ENOENT);
}

/* systemd's %b (32 hex digits, the units' FEEDSD_BOOT_ID) and the kernel's UUID name one
 * boot alike. */
static void test_boot_id_in_both_spellings(void **state)
{
    (void)state;
    char a[64], b[64];
    assert_int_equal(proc_boot_id_parse("0B5C7F2A3D1E4C559A0E6F1B2C3D4E5F", a, sizeof a), 0);
    assert_int_equal(proc_boot_id_parse("0b5c7f2a-3d1e-4c55-9a0e-6f1b2c3d4e5f\n", b, sizeof b), 0);
    assert_string_equal(a, b);
    const char *bad[] = {"0b5c7f2a3d1e4c559a0e6f1b2c3d4e5", "0b5c7f2a3d1e4c559a0e6f1b2c3d4e5f0",
                         "0b5c7f2a3d1e4c559a0e6f1b2c3d4e5g", "%b", ""};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        errno = 0;
        assert_int_equal(proc_boot_id_parse(bad[i], a, sizeof a), -1);
        assert_int_equal(errno, EINVAL);
    }
}

static void test_boot_id_of_the_kernel(void **state)
{
    (void)state;
    char a[64], b[64];
    if (access(PROC_BOOT_ID_FILE, R_OK) < 0)
        skip();
    assert_int_equal(proc_boot_id(NULL, a, sizeof a), 0);
    assert_int_equal(strlen(a), 32);
    assert_int_equal(proc_boot_id(NULL, b, sizeof b), 0);
    assert_string_equal(a, b);
}

/* A child started after us has a start time no earlier than ours, whatever its name
 * (spaces and parentheses in /proc/PID/stat's field 2); a pid that does not run has
 * none. */
static void test_start_time(void **state)
{
    (void)state;
    long long self, again, child;
    assert_int_equal(proc_start_time((long)getpid(), &self), 0);
    assert_true(self > 0);
    assert_int_equal(proc_start_time((long)getpid(), &again), 0);
    assert_true(self == again);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        prctl(PR_SET_NAME, "x) 1 2 3 (y", 0, 0, 0);
        pause();
        _exit(0);
    }
    char comm[64];
    snprintf(comm, sizeof comm, "/proc/%d/comm", (int)pid);
    for (int i = 0; i < 200; i++) {     /* until the child has renamed itself */
        FILE *f = fopen(comm, "r");
        char name[32] = "";
        if (f && fgets(name, sizeof name, f) && !strncmp(name, "x) 1", 4)) {
            fclose(f);
            break;
        }
        if (f)
            fclose(f);
        usleep(10000);
    }
    assert_int_equal(proc_start_time((long)pid, &child), 0);
    assert_true(child >= self);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    errno = 0;
    assert_int_equal(proc_start_time((long)pid, &child), -1);
    assert_int_equal(errno, ENOENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_boot_id_from_a_file),
        cmocka_unit_test(test_boot_id_in_both_spellings),
        cmocka_unit_test(test_boot_id_of_the_kernel),
        cmocka_unit_test(test_start_time),
    };
    return cmocka_run_group_tests_name("proc", tests, NULL, NULL);
}
