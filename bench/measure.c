/* bench/measure.c: runs one command and reports its resource usage. Owner: bench.
 * bench/poll.py compiles it (cc -O2) into its work folder and starts feedsd through it.
 *
 * Why not wait4() from Python directly: on Linux execve() copies the high-water RSS of
 * the address space it replaces into the new program's ru_maxrss (fs/exec.c,
 * setmax_mm_hiwater_rss), so a program forked from a 30 MB Python process reports at
 * least 30 MB of peak memory however little it uses. Forked from this small program,
 * feedsd's ru_maxrss is its own.
 *
 * Usage: measure OUTFILE COMMAND [ARGS...]
 * Writes one line of "key=value" pairs to OUTFILE after COMMAND ends:
 *   exit signal wall_ns utime_us stime_us maxrss_kb minflt majflt inblock oublock nvcsw nivcsw
 * and exits 0 (127 when COMMAND could not be started, 125 on its own errors).
 * wait4(2): the rusage covers the child and the descendants it waited for. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long long tv_us(struct timeval tv)
{
    return tv.tv_sec * 1000000LL + tv.tv_usec;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: measure OUTFILE COMMAND [ARGS...]\n");
        return 125;
    }
    long long t0 = now_ns();
    pid_t pid = fork();
    if (pid < 0) {
        perror("measure: fork");
        return 125;
    }
    if (pid == 0) {
        execvp(argv[2], argv + 2);
        fprintf(stderr, "measure: %s: %s\n", argv[2], strerror(errno));
        _exit(127);
    }
    int status;
    struct rusage ru;
    while (wait4(pid, &status, 0, &ru) < 0) {
        if (errno != EINTR) {
            perror("measure: wait4");
            return 125;
        }
    }
    long long wall = now_ns() - t0;
    FILE *f = fopen(argv[1], "w");
    if (!f) {
        perror("measure: output file");
        return 125;
    }
    fprintf(f, "exit=%d signal=%d wall_ns=%lld utime_us=%lld stime_us=%lld maxrss_kb=%ld "
            "minflt=%ld majflt=%ld inblock=%ld oublock=%ld nvcsw=%ld nivcsw=%ld\n",
            WIFEXITED(status) ? WEXITSTATUS(status) : -1,
            WIFSIGNALED(status) ? WTERMSIG(status) : 0, wall,
            tv_us(ru.ru_utime), tv_us(ru.ru_stime), ru.ru_maxrss, ru.ru_minflt,
            ru.ru_majflt, ru.ru_inblock, ru.ru_oublock, ru.ru_nvcsw, ru.ru_nivcsw);
    if (fclose(f) != 0) {
        perror("measure: output file");
        return 125;
    }
    return 0;
}
