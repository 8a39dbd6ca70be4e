/* tests/unit/test_child.c: the `command` summarizer plumbing (summary/argv.c,
 * summary/child.c): shell-like word splitting without expansion, and child processes run
 * from the default libev loop: stdin/stdout/stderr, environment, exit statuses, timeout,
 * SIGKILL escalation, output cap, lingering grandchildren, large inputs, EPIPE, spawn
 * errors, parallel children, cancel, fd/signal/process-group hygiene. Run from the
 * repository root (scripts in tests/unit/data/child/). Owner: command-backend engineer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include <ev.h>

#include "common/util.h"
#include "summary/child.h"

#define DATA "tests/unit/data/child/"

/* ---- argv_split ---------------------------------------------------------------------- */

struct split_case {
    const char *in;
    const char *words[16];  /* NULL-terminated expectation */
};

static const struct split_case split_cases[] = {
    {"cat", {"cat"}},
    {"  llm   -m\tgpt-4o-mini \n", {"llm", "-m", "gpt-4o-mini"}},
    {"llm -m gpt-4o-mini -s \"Summarize in one line\"",
     {"llm", "-m", "gpt-4o-mini", "-s", "Summarize in one line"}},
    {"sh -c \"echo $HOME\"", {"sh", "-c", "echo $HOME"}},
    {"sh -c 'echo \"$HOME\" `id` $(id) \\n'", {"sh", "-c", "echo \"$HOME\" `id` $(id) \\n"}},
    {"echo *.md > out.txt | tee; ~ #x", {"echo", "*.md", ">", "out.txt", "|", "tee;", "~", "#x"}},
    {"a\\ b c\\\"d \\'e\\\\", {"a b", "c\"d", "'e\\"}},
    {"\"a\\\"b\\\\c\\$d\\`e\\nf\"", {"a\"b\\c$d`e\\nf"}},
    {"x\"y z\"'w'v", {"xy zwv"}},
    {"a \"\" '' b", {"a", "", "", "b"}},
    {"ollama run llama3.2\\\n  --verbose", {"ollama", "run", "llama3.2", "--verbose"}},
    {"'it''s'", {"its"}},
    {"tail\\", {"tail\\"}},
    {"\"line\\\njoined\" 'keep\\\nme'", {"linejoined", "keep\\\nme"}},
    {"prompt 'Résumé en français'", {"prompt", "Résumé en français"}},
};

static void test_argv_split_table(void **state)
{
    (void)state;
    char err[128];
    for (size_t i = 0; i < sizeof split_cases / sizeof *split_cases; i++) {
        const struct split_case *k = &split_cases[i];
        err[0] = '\0';
        char **v = argv_split(k->in, err, sizeof err);
        if (!v)
            fail_msg("case %zu <%s>: %s", i, k->in, err);
        size_t n = 0;
        while (k->words[n])
            n++;
        for (size_t j = 0; j < n; j++) {
            if (!v[j])
                fail_msg("case %zu <%s>: only %zu words, want %zu", i, k->in, j, n);
            if (strcmp(v[j], k->words[j]))
                fail_msg("case %zu <%s>: word %zu is <%s>, want <%s>", i, k->in, j, v[j],
                         k->words[j]);
        }
        if (v[n])
            fail_msg("case %zu <%s>: extra word <%s>", i, k->in, v[n]);
        argv_free(v);
    }
}

static void test_argv_split_errors(void **state)
{
    (void)state;
    static const struct {
        const char *in, *reason;
    } bad[] = {
        {"", "empty"},
        {" \t\n ", "empty"},
        {"llm -s 'unterminated", "single quote"},
        {"llm -s \"unterminated", "double quote"},
        {"llm -s \"ends in escape\\\"", "double quote"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char err[128] = "";
        char **v = argv_split(bad[i].in, err, sizeof err);
        if (v)
            fail_msg("<%s> accepted", bad[i].in);
        if (!strstr(err, bad[i].reason))
            fail_msg("<%s>: reason <%s> lacks <%s>", bad[i].in, err, bad[i].reason);
    }
    char err[8];
    assert_null(argv_split(NULL, err, sizeof err));     /* short err buffer: truncated */
    assert_true(strlen(err) < sizeof err);
}

/* ---- child processes ----------------------------------------------------------------- */

struct run {
    int called;
    struct child_result r;      /* strings below replace r's borrowed pointers */
    char *out, *err, *spawn_error;
    double elapsed;
    double t0;
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void on_done(void *ud, const struct child_result *r)
{
    struct run *run = ud;
    run->called++;
    run->r = *r;
    run->elapsed = now() - run->t0;
    /* The strings live only during the callback: copy them (and check NUL termination). */
    assert_int_equal(r->out[r->out_len], '\0');
    assert_int_equal(r->err[r->err_len], '\0');
    run->out = xstrndup(r->out, r->out_len);
    run->err = xstrndup(r->err, r->err_len);
    run->spawn_error = xstrdup(r->spawn_error);
}

static void run_free(struct run *run)
{
    free(run->out);
    free(run->err);
    free(run->spawn_error);
}

static void guard_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)revents;
    *(int *)w->data = 1;
    ev_break(loop, EVBREAK_ALL);
}

/* Runs the loop until no watcher is left (every child delivered), or fails after
 * `limit` seconds instead of hanging the test suite. */
static void loop_run(double limit)
{
    struct ev_loop *loop = ev_default_loop(0);
    int fired = 0;
    ev_timer guard;
    ev_timer_init(&guard, guard_cb, limit, 0.);
    guard.data = &fired;
    ev_timer_start(loop, &guard);
    ev_unref(loop);                 /* the guard alone must not keep the loop running */
    ev_run(loop, 0);
    ev_ref(loop);
    ev_timer_stop(loop, &guard);
    if (fired)
        fail_msg("children still running after %.0f s", limit);
}

/* Starts `cmdline` (split by argv_split) and returns its handle; the result lands in run. */
static struct child *start(struct run *run, const char *cmdline, char *const env[],
                           const char *input, size_t len, double timeout, size_t max)
{
    char err[128];
    char **argv = argv_split(cmdline, err, sizeof err);
    if (!argv)
        fail_msg("%s: %s", cmdline, err);
    memset(run, 0, sizeof *run);
    run->t0 = now();
    struct child *c = child_start(ev_default_loop(0), argv, env, input, len, timeout, max,
                                  on_done, run);
    argv_free(argv);                /* child_start must not keep pointers into argv */
    assert_non_null(c);
    assert_int_equal(run->called, 0);   /* never called from inside child_start */
    return c;
}

static void run_one(struct run *run, const char *cmdline, char *const env[],
                    const char *input, size_t len, double timeout, size_t max)
{
    start(run, cmdline, env, input, len, timeout, max);
    loop_run(20);
    assert_int_equal(run->called, 1);
}

/* Waits (running the loop, so that libev reaps) until process group `pgid` is empty. */
static int group_gone(pid_t pgid, double limit)
{
    double end = now() + limit;
    while (now() < end) {
        ev_run(ev_default_loop(0), EVRUN_NOWAIT);
        if (kill(-pgid, 0) < 0 && errno == ESRCH)
            return 1;
        usleep(20000);
    }
    return 0;
}

static void test_child_cat(void **state)
{
    (void)state;
    struct run run;
    const char *in = "# Title\n\nSome *markdown* body.\n";
    run_one(&run, "cat", NULL, in, strlen(in), 10, 0);
    assert_null(run.spawn_error);
    assert_int_equal(run.r.exited, 1);
    assert_int_equal(run.r.exit_code, 0);
    assert_int_equal(run.r.signaled, 0);
    assert_int_equal(run.r.timed_out, 0);
    assert_int_equal(run.r.output_capped, 0);
    assert_int_equal(run.r.lingering, 0);
    assert_int_equal(run.r.out_len, strlen(in));
    assert_string_equal(run.out, in);
    assert_int_equal(run.r.err_len, 0);
    run_free(&run);

    run_one(&run, "cat", NULL, NULL, 0, 10, 0);     /* no input: immediate EOF */
    assert_int_equal(run.r.exited, 1);
    assert_int_equal(run.r.out_len, 0);
    assert_string_equal(run.out, "");
    run_free(&run);
}

static void test_child_env(void **state)
{
    (void)state;
    struct run run;
    /* Inherited variables pass through; an extra one replaces an inherited namesake. */
    setenv("FEEDSD_TITLE", "inherited title", 1);
    setenv("FEEDSD_TEST_INHERITED", "yes", 1);
    char *env[] = {"FEEDSD_TITLE=Hello; $(rm -rf /) `x` \"q\"", "FEEDSD_URL=https://e.x/1",
                   NULL};
    const char *in = "post body";
    run_one(&run,
            "sh -c 'printf \"%s|%s|%s|%s\" \"$FEEDSD_TITLE\" \"$(cat)\" \"$FEEDSD_URL\" "
            "\"$FEEDSD_TEST_INHERITED\"'",
            env, in, strlen(in), 10, 0);
    assert_int_equal(run.r.exited, 1);
    assert_int_equal(run.r.exit_code, 0);
    assert_string_equal(run.out, "Hello; $(rm -rf /) `x` \"q\"|post body|https://e.x/1|yes");
    run_free(&run);

    /* env(1) prints the array it got as is (a shell would merge duplicates itself). */
    run_one(&run, "env", env, NULL, 0, 10, 0);
    const char *first = strstr(run.out, "\nFEEDSD_TITLE=");
    assert_non_null(first);
    assert_null(strstr(first + 1, "\nFEEDSD_TITLE="));     /* replaced, not duplicated */
    run_free(&run);
    unsetenv("FEEDSD_TITLE");
    unsetenv("FEEDSD_TEST_INHERITED");
}

static void test_child_failure_stderr(void **state)
{
    (void)state;
    struct run run;
    char *env[] = {"FEEDSD_TITLE=My post", NULL};
    run_one(&run, DATA "fail.sh", env, "x", 1, 10, 0);
    assert_null(run.spawn_error);
    assert_int_equal(run.r.exited, 1);
    assert_int_equal(run.r.exit_code, 3);
    assert_string_equal(run.err, "model unavailable: My post\n");
    assert_int_equal(run.r.out_len, 0);
    run_free(&run);

    /* stderr is kept up to 64 KiB but drained to the end (the command never blocks). */
    run_one(&run, "sh -c 'head -c 300000 /dev/zero | tr \"\\\\0\" e >&2; echo done'", NULL,
            NULL, 0, 10, 0);
    assert_int_equal(run.r.exited, 1);
    assert_int_equal(run.r.exit_code, 0);
    assert_int_equal(run.r.err_len, CHILD_STDERR_MAX);
    assert_int_equal(strspn(run.err, "e"), CHILD_STDERR_MAX);
    assert_string_equal(run.out, "done\n");
    run_free(&run);

    /* Death by a signal is reported as such. */
    run_one(&run, "sh -c 'kill -SEGV $$'", NULL, NULL, 0, 10, 0);
    assert_int_equal(run.r.exited, 0);
    assert_int_equal(run.r.signaled, 1);
    assert_int_equal(run.r.term_signal, SIGSEGV);
    assert_int_equal(run.r.timed_out, 0);
    run_free(&run);
}

static void test_child_timeout(void **state)
{
    (void)state;
    struct run run;
    struct child *c = start(&run, "sleep 30", NULL, NULL, 0, 0.3, 0);
    pid_t pid = child_pid(c);
    assert_true(pid > 0);
    loop_run(20);
    assert_int_equal(run.called, 1);
    assert_int_equal(run.r.timed_out, 1);
    assert_int_equal(run.r.signaled, 1);
    assert_int_equal(run.r.term_signal, SIGTERM);
    assert_int_equal(run.r.exited, 0);
    assert_true(run.elapsed >= 0.25);
    assert_true(run.elapsed < 5);
    assert_int_equal(kill(pid, 0), -1);
    assert_int_equal(errno, ESRCH);
    run_free(&run);
}

static void test_child_sigkill_escalation(void **state)
{
    (void)state;
    struct run run;
    struct child *c = start(&run, DATA "ignore_term.sh", NULL, NULL, 0, 0.2, 0);
    pid_t pid = child_pid(c);
    loop_run(20);
    assert_int_equal(run.called, 1);
    assert_int_equal(run.r.timed_out, 1);
    assert_int_equal(run.r.signaled, 1);
    assert_int_equal(run.r.term_signal, SIGKILL);
    assert_true(run.elapsed >= 0.2 + CHILD_KILL_GRACE - 0.1);
    assert_true(run.elapsed < 0.2 + CHILD_KILL_GRACE + 2);
    assert_true(group_gone(pid, 3));
    run_free(&run);
}

static void test_child_output_cap(void **state)
{
    (void)state;
    struct run run;
    size_t cap = 1 << 20;
    run_one(&run, "yes", NULL, NULL, 0, 30, cap);
    assert_int_equal(run.r.output_capped, 1);
    assert_int_equal(run.r.timed_out, 0);
    assert_int_equal(run.r.out_len, cap);
    assert_int_equal(strlen(run.out), cap);
    assert_int_equal(strncmp(run.out, "y\ny\ny\n", 6), 0);
    assert_true(run.r.signaled);    /* SIGTERM, or SIGPIPE from our closed read end */
    assert_true(run.elapsed < 5);
    run_free(&run);

    /* Exactly at the cap is not over it. */
    run_one(&run, "head -c 4096 /dev/zero", NULL, NULL, 0, 30, 4096);
    assert_int_equal(run.r.output_capped, 0);
    assert_int_equal(run.r.exited, 1);
    assert_int_equal(run.r.out_len, 4096);
    run_free(&run);
}

/* `sleep 30 &` inherits stdout: the pipe stays open after sh exits. */
static void test_child_grandchild_timeout(void **state)
{
    (void)state;
    struct run run;
    struct child *c = start(&run, "sh -c 'sleep 30 & echo hi'", NULL, NULL, 0, 0.3, 0);
    pid_t pgid = child_pid(c);
    loop_run(20);
    assert_int_equal(run.called, 1);
    assert_int_equal(run.r.timed_out, 1);
    assert_int_equal(run.r.exited, 1);      /* sh itself had exited normally */
    assert_int_equal(run.r.exit_code, 0);
    assert_string_equal(run.out, "hi\n");
    /* SIGTERM reached the background sleep (the group), no need for the SIGKILL round. */
    assert_true(run.elapsed < 0.3 + CHILD_KILL_GRACE - 0.5);
    assert_true(group_gone(pgid, 3));       /* the background sleep was killed too */
    run_free(&run);
}

static void test_child_grandchild_linger(void **state)
{
    (void)state;
    struct run run;
    struct child *c = start(&run, "sh -c 'sleep 30 & echo hi'", NULL, NULL, 0, 60, 0);
    pid_t pgid = child_pid(c);
    loop_run(20);
    assert_int_equal(run.called, 1);
    assert_int_equal(run.r.timed_out, 0);   /* did not wait for the 60 s timeout */
    assert_int_equal(run.r.lingering, 1);
    assert_int_equal(run.r.exited, 1);
    assert_int_equal(run.r.exit_code, 0);
    assert_string_equal(run.out, "hi\n");
    assert_true(run.elapsed >= CHILD_LINGER_GRACE - 0.1);
    assert_true(run.elapsed < CHILD_LINGER_GRACE + CHILD_KILL_GRACE - 0.5);
    assert_true(group_gone(pgid, 3));
    run_free(&run);

    /* A background process that closes its output is left alone: not lingering. */
    c = start(&run, "sh -c 'sleep 0.5 >/dev/null 2>&1 & echo hi'", NULL, NULL, 0, 60, 0);
    loop_run(20);
    assert_int_equal(run.r.lingering, 0);
    assert_true(run.elapsed < 0.4);
    run_free(&run);
}

static void test_child_large_stdin(void **state)
{
    (void)state;
    struct run run;
    size_t n = 5 * 1000 * 1000;
    char *in = xmalloc(n);
    for (size_t i = 0; i < n; i++)
        in[i] = (char)('a' + i % 26);
    run_one(&run, "wc -c", NULL, in, n, 30, 0);
    assert_int_equal(run.r.exited, 1);
    assert_int_equal(run.r.exit_code, 0);
    assert_int_equal(strtoul(run.out, NULL, 10), n);
    run_free(&run);

    /* The command stops reading after 10 bytes: EPIPE on our side is no failure. */
    run_one(&run, "head -c 10", NULL, in, n, 30, 0);
    assert_int_equal(run.r.exited, 1);
    assert_int_equal(run.r.exit_code, 0);
    assert_string_equal(run.out, "abcdefghij");
    run_free(&run);

    /* ... nor when it reads nothing at all. */
    run_one(&run, "true", NULL, in, n, 30, 0);
    assert_int_equal(run.r.exited, 1);
    assert_int_equal(run.r.exit_code, 0);
    run_free(&run);
    free(in);
}

static void test_child_not_found(void **state)
{
    (void)state;
    struct run run;
    struct child *c = start(&run, "feedsd-no-such-program-xyz -m x", NULL, "x", 1, 10, 0);
    assert_int_equal(child_pid(c), 0);
    loop_run(20);
    assert_int_equal(run.called, 1);
    assert_non_null(run.spawn_error);
    assert_string_equal(run.spawn_error, "No such file or directory: feedsd-no-such-program-xyz");
    assert_int_equal(run.r.exited, 0);
    assert_int_equal(run.r.signaled, 0);
    run_free(&run);

    run_one(&run, DATA "no-such-script.sh", NULL, NULL, 0, 10, 0);
    assert_non_null(run.spawn_error);
    assert_non_null(strstr(run.spawn_error, "No such file or directory"));
    run_free(&run);

    run_one(&run, "tests/unit/data/child", NULL, NULL, 0, 10, 0);   /* a directory */
    assert_non_null(run.spawn_error);
    assert_non_null(strstr(run.spawn_error, "Permission denied"));
    run_free(&run);
}

static void test_child_parallel(void **state)
{
    (void)state;
    enum { N = 5 };
    struct run runs[N];
    char vars[N][32];
    for (int i = 0; i < N; i++) {
        snprintf(vars[i], sizeof vars[i], "FEEDSD_N=%d", i);
        char *env[] = {vars[i], NULL};
        char in[16];
        int len = snprintf(in, sizeof in, "in%d", i);
        start(&runs[i], "sh -c 'sleep 0.5; printf \"%s:%s\" \"$FEEDSD_N\" \"$(cat)\"'", env,
              in, (size_t)len, 10, 0);
    }
    double t0 = now();
    loop_run(20);
    assert_true(now() - t0 < 2);    /* in parallel: not 5 x 0.5 s */
    for (int i = 0; i < N; i++) {
        char want[32];
        snprintf(want, sizeof want, "%d:in%d", i, i);
        assert_int_equal(runs[i].called, 1);
        assert_int_equal(runs[i].r.exit_code, 0);
        assert_string_equal(runs[i].out, want);
        run_free(&runs[i]);
    }
}

static void test_child_cancel(void **state)
{
    (void)state;
    struct run run;
    struct child *c = start(&run, "sh -c 'sleep 30 & sleep 30'", NULL, "x", 1, 30, 0);
    pid_t pgid = child_pid(c);
    usleep(100000);
    child_cancel(c);
    assert_true(group_gone(pgid, 3));
    loop_run(5);
    assert_int_equal(run.called, 0);
    child_cancel(NULL);
}

/* The child gets only 0-2, default signal dispositions, an empty mask, its own group. */
static void test_child_hygiene(void **state)
{
    (void)state;
    struct run run;
    int leak = open("/dev/null", O_RDONLY);     /* deliberately without O_CLOEXEC */
    assert_true(leak >= 3);
    /* ls lists the shell's table from its own process: the listing opens nothing in sh. */
    run_one(&run, "sh -c 'ls /proc/$$/fd'", NULL, NULL, 0, 10, 0);
    assert_string_equal(run.out, "0\n1\n2\n");
    run_free(&run);
    close(leak);

    /* SIGPIPE is ignored here (as in the daemon) and SIGUSR1 blocked: neither survives. */
    sigset_t usr1, old;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigprocmask(SIG_BLOCK, &usr1, &old);
    run_one(&run, "grep -E ^Sig(Blk|Ign): /proc/self/status", NULL, NULL, 0, 10, 0);
    sigprocmask(SIG_SETMASK, &old, NULL);
    /* Bits 0-30 are signals 1-31. glibc's spawn leaves its internal signals 32/33
     * (SIGCANCEL, SIGSETXID) ignored and sigfillset cannot name them; no program uses them. */
    unsigned long long blk = 1, ign = 1;
    assert_int_equal(sscanf(run.out, "SigBlk:\t%llx\nSigIgn:\t%llx", &blk, &ign), 2);
    assert_int_equal(blk & 0x7fffffffULL, 0);
    assert_int_equal(ign & 0x7fffffffULL, 0);
    run_free(&run);

    /* Field 5 of /proc/self/stat is the process group: the command leads its own. */
    struct child *c = start(&run, "cut -d \" \" -f 5 /proc/self/stat", NULL, NULL, 0, 10, 0);
    char want[32];
    snprintf(want, sizeof want, "%d\n", (int)child_pid(c));
    assert_int_not_equal(child_pid(c), getpgrp());
    loop_run(20);                   /* the handle is freed after its callback: pid first */
    assert_string_equal(run.out, want);
    run_free(&run);
}

static int setup(void **state)
{
    (void)state;
    signal(SIGPIPE, SIG_IGN);       /* as the daemon does */
    /* Orphaned grandchildren (`sleep 30 &` after sh exits) become ours, so libev reaps them
     * and kill(-pgid, 0) can tell when a group is really empty (a zombie still counts). */
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    ev_default_loop(0);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_argv_split_table),
        cmocka_unit_test(test_argv_split_errors),
        cmocka_unit_test(test_child_cat),
        cmocka_unit_test(test_child_env),
        cmocka_unit_test(test_child_failure_stderr),
        cmocka_unit_test(test_child_timeout),
        cmocka_unit_test(test_child_sigkill_escalation),
        cmocka_unit_test(test_child_output_cap),
        cmocka_unit_test(test_child_grandchild_timeout),
        cmocka_unit_test(test_child_grandchild_linger),
        cmocka_unit_test(test_child_large_stdin),
        cmocka_unit_test(test_child_not_found),
        cmocka_unit_test(test_child_parallel),
        cmocka_unit_test(test_child_cancel),
        cmocka_unit_test(test_child_hygiene),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
