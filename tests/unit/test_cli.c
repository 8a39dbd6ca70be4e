/* tests/unit/test_cli.c: common/cli.h, the command line every feedsd command reads:
 * options with and without values (next word or '='), aliases, "--" and "-", --help on
 * stdout with status 0, and each usage error on stderr with status 2. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/cli.h"

enum { T_FLAG = 1, T_VALUE };

static const struct cli_opt opts[] = {
    {"--flag", "-f", NULL, T_FLAG, "a flag"},
    {"--value", NULL, "V", T_VALUE, "takes a value"},
    {NULL, NULL, NULL, 0, NULL},
};

static const struct cli_cmd cmd = {"demo", "demonstrates the parser", "[FILE]", 0, 1, opts,
                                   NULL, NULL};
static const struct cli_cmd cmd_needs = {"needs", "needs one argument", "URL", 1, 1, opts,
                                         NULL, NULL};
static const struct cli_cmd cmd_none = {"none", "takes no argument", NULL, 0, 0, NULL, NULL,
                                        NULL};

/* Walks argv to the end; the ids and arguments seen as one string ("f v=x a=y"), the
 * final result in *last, what went to stdout and stderr in out and err. */
static void walk(const struct cli_cmd *c, char **argv, int argc, char *seen, size_t n,
                 int *last, int *status, char *out, char *err)
{
    fflush(stdout);
    fflush(stderr);
    FILE *fo = tmpfile(), *fe = tmpfile();
    assert_non_null(fo);
    assert_non_null(fe);
    int so = dup(1), se = dup(2);
    dup2(fileno(fo), 1);
    dup2(fileno(fe), 2);
    struct cli cl;
    cli_init(&cl, c, argc, argv);
    seen[0] = '\0';
    int id;
    while ((id = cli_next(&cl)) > 0 || id == CLI_ARG) {
        size_t k = strlen(seen);
        if (id == T_FLAG)
            snprintf(seen + k, n - k, "%sf", k ? " " : "");
        else if (id == T_VALUE)
            snprintf(seen + k, n - k, "%sv=%s", k ? " " : "", cl.arg);
        else
            snprintf(seen + k, n - k, "%sa=%s", k ? " " : "", cl.arg);
    }
    *last = id;
    *status = cl.status;
    fflush(stdout);
    fflush(stderr);
    dup2(so, 1);
    dup2(se, 2);
    close(so);
    close(se);
    rewind(fo);
    rewind(fe);
    out[fread(out, 1, 4095, fo)] = '\0';
    err[fread(err, 1, 4095, fe)] = '\0';
    fclose(fo);
    fclose(fe);
}

#define WALK(c, ...)                                                                      \
    do {                                                                                  \
        char *argv_[] = {(char *)(c)->name, __VA_ARGS__, NULL};                           \
        walk(c, argv_, (int)(sizeof argv_ / sizeof *argv_) - 1, seen, sizeof seen, &last,  \
             &status, out, err);                                                          \
    } while (0)

static void test_options_and_arguments(void **state)
{
    (void)state;
    char seen[256], out[4096], err[4096];
    int last, status;
    WALK(&cmd, "-f", "--value", "x", "file");
    assert_string_equal(seen, "f v=x a=file");
    assert_int_equal(last, CLI_END);
    assert_string_equal(out, "");
    assert_string_equal(err, "");
    /* --name=value, and a value that looks like an option is still the value */
    WALK(&cmd, "--value=a=b", "--value", "--flag");
    assert_string_equal(seen, "v=a=b v=--flag");
    assert_int_equal(last, CLI_END);
    /* "--" ends the options; "-" is an argument (standard input) */
    WALK(&cmd, "--", "--help");
    assert_string_equal(seen, "a=--help");
    assert_int_equal(last, CLI_END);
    WALK(&cmd, "-f", "-");
    assert_string_equal(seen, "f a=-");
    assert_int_equal(last, CLI_END);
}

static void test_help_goes_to_stdout(void **state)
{
    (void)state;
    char seen[256], out[4096], err[4096];
    int last, status;
    WALK(&cmd, "-f", "--help", "--bogus");
    assert_int_equal(last, CLI_EXIT);
    assert_int_equal(status, 0);
    assert_string_equal(err, "");
    const char *head = "usage: feedsd demo [-f] [--value V] [FILE]\n\n"
                       "Demonstrates the parser.\n\noptions:\n";
    assert_true(!strncmp(out, head, strlen(head)));
    assert_non_null(strstr(out, "\n  -f, --flag  "));
    assert_non_null(strstr(out, "\n  --value V   takes a value\n"));
    assert_non_null(strstr(out, "\n  -h, --help  "));
    assert_non_null(strstr(out, "\n  --          end of the options"));
    WALK(&cmd_none, "-h");
    assert_int_equal(status, 0);
    assert_null(strstr(out, "\n  --  "));   /* nothing to end without arguments */
}

static void test_usage_errors_go_to_stderr(void **state)
{
    (void)state;
    char seen[256], out[4096], err[4096];
    int last, status;
    static const struct {
        const struct cli_cmd *c;
        char *a, *b;
        const char *first_line;
    } cases[] = {
        {&cmd, "--onec", NULL, "feedsd demo: unknown option '--onec' (put -- before an"
                               " argument that begins with '-')\n"},
        {&cmd_none, "-x\x01", NULL, "feedsd none: unknown option '-x?'\n"},
        {&cmd, "--value", NULL, "feedsd demo: --value needs a value (V)\n"},
        {&cmd, "--flag=1", NULL, "feedsd demo: --flag takes no value\n"},
        {&cmd, "a", "b", "feedsd demo: unexpected argument 'b'\n"},
        {&cmd_none, "a", NULL, "feedsd none: unexpected argument 'a'\n"},
        {&cmd_needs, "-f", NULL, "feedsd needs: missing URL\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *argv[] = {(char *)cases[i].c->name, cases[i].a, cases[i].b, NULL};
        walk(cases[i].c, argv, cases[i].b ? 3 : 2, seen, sizeof seen, &last, &status, out,
             err);
        assert_int_equal(last, CLI_EXIT);
        assert_int_equal(status, 2);
        assert_string_equal(out, "");
        size_t n = strlen(cases[i].first_line);
        if (strncmp(err, cases[i].first_line, n))
            fail_msg("case %zu: %s", i, err);
        /* then the usage and where the options are described */
        assert_true(!strncmp(err + n, "usage: feedsd ", 14));
        assert_non_null(strstr(err + n, "\nRun 'feedsd "));
    }
    /* the command's own usage errors: the same shape, one line however odd the input */
    fflush(stderr);
    FILE *fe = tmpfile();
    assert_non_null(fe);
    int se = dup(2);
    dup2(fileno(fe), 2);
    int rc = cli_usage_error(&cmd, "bad --value '%s'", "x\ny");
    fflush(stderr);
    dup2(se, 2);
    close(se);
    rewind(fe);
    err[fread(err, 1, 4095, fe)] = '\0';
    fclose(fe);
    assert_int_equal(rc, 2);
    assert_true(!strncmp(err, "feedsd demo: bad --value 'x?y'\nusage: feedsd demo ", 48));
}

/* Columns as wide as their widest cell in characters (UTF-8), numbers to the right, the
 * last column unpadded, notes under their row. */
static void test_table(void **state)
{
    (void)state;
    static const char *const head[] = {"NAME", "N", "TITLE"};
    static const char *const r1[] = {"a", "7", "caf\xc3\xa9"};
    static const char *const r2[] = {"caf\xc3\xa9s", "12", NULL};
    struct cli_table t;
    cli_table_init(&t, "lrl", head);
    cli_table_add(&t, r1);
    cli_table_note(&t, "last error: %s", "x");
    cli_table_add(&t, r2);
    char buf[512] = "";
    FILE *f = fmemopen(buf, sizeof buf - 1, "w");
    assert_non_null(f);
    cli_table_print(&t, f);
    fclose(f);
    cli_table_free(&t);
    assert_string_equal(buf, "NAME    N  TITLE\n"
                             "a       7  caf\xc3\xa9\n"
                             "  last error: x\n"
                             "caf\xc3\xa9s  12\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_options_and_arguments),
        cmocka_unit_test(test_help_goes_to_stdout),
        cmocka_unit_test(test_usage_errors_go_to_stderr),
        cmocka_unit_test(test_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
