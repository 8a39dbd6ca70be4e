/* tests/unit/test_config.c: daemon/config*.c and feeds/opml.c: defaults, every key, value
 * syntax, FILE:LINE: KEY errors, [feed] sections, relative paths, subscription files
 * (nested OPML, plain lists) and the shipped examples. Owner: configuration engineer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/util.h"
#include "daemon/config.h"
#include "feeds/opml.h"

static char tmpdir[64];

static int setup(void **state)
{
    (void)state;
    strcpy(tmpdir, "/tmp/feedsd-conf-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char *cmd = xasprintf("rm -rf '%s'", tmpdir);
    int rc = system(cmd);
    free(cmd);
    return rc;
}

/* Writes text to tmpdir/name and returns the path (malloc'd). */
static char *put_file(const char *name, const char *text)
{
    char *path = xasprintf("%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

/* Loads text as a configuration; returns config_load's result, err filled. */
static int load(struct config *c, const char *text, char *err, size_t errlen)
{
    char *path = put_file("feedsd.conf", text);
    config_defaults(c);
    err[0] = '\0';
    int rc = config_load(c, path, err, errlen);
    free(path);
    return rc;
}

static void defaults(void **state)
{
    (void)state;
    struct config c;
    config_defaults(&c);
    assert_null(c.path);
    assert_string_equal(c.database, "feedsd.db");
    assert_string_equal(c.output, "out");
    assert_string_equal(c.filename, "{date}-{slug}.md");
    assert_null(c.timezone);
    assert_null(c.feeds_file);
    assert_null(c.user_agent);
    assert_int_equal(c.interval, 3600);
    assert_int_equal(c.max_interval, 86400);
    assert_int_equal(c.concurrency, 16);
    assert_int_equal(c.per_host, 1);
    assert_int_equal(c.host_delay, 1000);
    assert_int_equal(c.allow_private, 0);
    assert_int_equal(c.timeout, 30);
    assert_int_equal(c.max_size, 16L << 20);
    assert_int_equal(c.backlog, 5);
    assert_string_equal(c.summary.backend, "builtin");
    assert_int_equal(c.summary.sentences, 3);
    assert_int_equal(c.summary.chars, 600);
    assert_int_equal(c.nfeeds, 0);
    config_free(&c);
    /* an empty file keeps every default */
    char err[512];
    assert_int_equal(load(&c, "# nothing\n\n", err, sizeof err), 0);
    assert_string_equal(c.database, "feedsd.db");
    assert_int_equal(c.backlog, 5);
    config_free(&c);
}

static void durations_and_sizes(void **state)
{
    (void)state;
    static const struct { const char *s; int v; } d[] = {
        {"90", 90}, {"90s", 90}, {"15m", 900}, {"2h", 7200}, {"1d", 86400},
        {"1h30m", 5400}, {"1w", 604800}, {"0", 0},
    };
    for (size_t i = 0; i < sizeof d / sizeof *d; i++) {
        int v = -1;
        assert_int_equal(config_parse_duration(d[i].s, &v), 0);
        assert_int_equal(v, d[i].v);
    }
    static const char *bad_d[] = {"", "soon", "15 m", "-5", "1.5h", "h", "15x", "30m5",
                                  "99999999999", "9999999d", NULL};
    for (size_t i = 0; bad_d[i]; i++) {
        int v;
        if (config_parse_duration(bad_d[i], &v) != -1)
            fail_msg("duration \"%s\" accepted", bad_d[i]);
    }
    assert_int_equal(config_parse_duration(NULL, &(int){0}), -1);

    static const struct { const char *s; long v; } z[] = {
        {"1048576", 1048576}, {"512K", 512L << 10}, {"16M", 16L << 20}, {"1G", 1L << 30},
        {"16MB", 16L << 20}, {"16MiB", 16L << 20}, {"2k", 2048}, {"100B", 100},
    };
    for (size_t i = 0; i < sizeof z / sizeof *z; i++) {
        long v = -1;
        assert_int_equal(config_parse_size(z[i].s, &v), 0);
        assert_int_equal(v, z[i].v);
    }
    static const char *bad_z[] = {"", "big", "-1", "16T", "16 M", "1.5M", "M",
                                  "99999999999999999999G", NULL};
    for (size_t i = 0; bad_z[i]; i++) {
        long v;
        if (config_parse_size(bad_z[i], &v) != -1)
            fail_msg("size \"%s\" accepted", bad_z[i]);
    }
}

static void every_key(void **state)
{
    (void)state;
    struct config c;
    char err[512];
    int rc = load(&c,
        "database = /var/lib/feedsd/f.db\n"
        "output = /srv/posts\n"
        "filename = {year}/{feed}/{slug}.md\n"
        "timezone = Europe/Paris\n"
        "feeds = /etc/feedsd/subs.opml\n"
        "user_agent = \"MyReader/1.0 (+https://example.org) # not a comment\"\n"
        "interval = 30m\n"
        "max_interval = 2d\n"
        "concurrency = 100\n"
        "per_host = 4\n"
        "timeout = 1m\n"
        "max_size = 4M\n"
        "backlog = all\n"
        "summarizer = none\n"
        "summary_sentences = 5   # trailing comment\n"
        "summary_chars = 1200\n"
        "feed = https://example.com/feed.xml#atom\n",
        err, sizeof err);
    if (rc)
        fail_msg("%s", err);
    assert_non_null(strstr(c.path, "feedsd.conf"));
    assert_string_equal(c.database, "/var/lib/feedsd/f.db");
    assert_string_equal(c.output, "/srv/posts");
    assert_string_equal(c.filename, "{year}/{feed}/{slug}.md");
    assert_string_equal(c.timezone, "Europe/Paris");
    assert_string_equal(c.feeds_file, "/etc/feedsd/subs.opml");
    assert_string_equal(c.user_agent, "MyReader/1.0 (+https://example.org) # not a comment");
    assert_int_equal(c.interval, 1800);
    assert_int_equal(c.max_interval, 2 * 86400);
    assert_int_equal(c.concurrency, 100);
    assert_int_equal(c.per_host, 4);
    assert_int_equal(c.timeout, 60);
    assert_int_equal(c.max_size, 4L << 20);
    assert_int_equal(c.backlog, -1);
    assert_string_equal(c.summary.backend, "none");
    assert_int_equal(c.summary.sentences, 5);
    assert_int_equal(c.summary.chars, 1200);
    assert_int_equal(c.nfeeds, 1);
    assert_string_equal(c.feeds[0].url, "https://example.com/feed.xml#atom");
    assert_null(c.feeds[0].title);
    assert_int_equal(c.feeds[0].interval, 0);
    assert_int_equal(c.feeds[0].backlog, -2);
    config_free(&c);

    /* other accepted spellings */
    static const struct { const char *line; } ok[] = {
        {"timezone = local\n"}, {"timezone = UTC0\n"}, {"timezone = UTC\n"},
        {"timezone = EST5EDT,M3.2.0,M11.1.0\n"}, {"timezone = <+03>-3\n"},
        {"backlog = 0\n"}, {"backlog = ALL\n"}, {"interval = 60\n"},
        {"summarizer = \"builtin\"\n"}, {"  concurrency=1  \n"}, {"\xEF\xBB\xBFper_host = 1\n"},
    };
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        if (load(&c, ok[i].line, err, sizeof err) != 0)
            fail_msg("\"%s\" rejected: %s", ok[i].line, err);
        config_free(&c);
    }
    assert_int_equal(load(&c, "timezone = local\n", err, sizeof err), 0);
    assert_null(c.timezone);
    config_free(&c);
}

/* Each bad line must fail with exactly this message (FILE is the file's path). */
static void errors_name_file_line_key(void **state)
{
    (void)state;
    static const struct { const char *text, *msg; } c[] = {
        {"\n\ninterval = soon\n", "3: interval: expected a duration like 30m, got \"soon\""},
        {"# x\n\ncolour = blue\n", "3: colour: unknown key"},
        {"interval = 59\n", "1: interval: 59 is out of range (1m to 30d)"},
        {"concurrency = 0\n", "1: concurrency: 0 is out of range (1 to 1000)"},
        {"concurrency = 1001\n", "1: concurrency: 1001 is out of range (1 to 1000)"},
        {"concurrency = many\n", "1: concurrency: expected a number, got \"many\""},
        {"per_host = 101\n", "1: per_host: 101 is out of range (1 to 100)"},
        {"summary_sentences = 21\n", "1: summary_sentences: 21 is out of range (1 to 20)"},
        {"summary_chars = 49\n", "1: summary_chars: 49 is out of range (50 to 10000)"},
        {"max_size = huge\n", "1: max_size: expected a size like 16M, got \"huge\""},
        {"max_size = 2G\n", "1: max_size: 2G is out of range (1024 to 1073741824 bytes)"},
        {"backlog = some\n", "1: backlog: expected \"all\" or a number from 0 to 1000000, got \"some\""},
        {"backlog = -3\n", "1: backlog: expected \"all\" or a number from 0 to 1000000, got \"-3\""},
        {"summarizer = llm\n", "1: summarizer: expected builtin|openai|command|none, got \"llm\""},
        {"timezone = Mars/Olympus\n", "1: timezone: unknown time zone \"Mars/Olympus\""},
        {"timezone = ../../etc/passwd\n", "1: timezone: unknown time zone"},
        {"filename = {date}-{title}.md\n", "1: filename: unknown placeholder {title}"},
        {"filename = ../{slug}.md\n", "1: filename: \"..\" is not allowed"},
        {"filename = /srv/{slug}.md\n", "1: filename: absolute paths are not allowed"},
        {"feed = ftp://example.com/feed\n", "1: feed: expected an http:// or https:// URL, got \"ftp://example.com/feed\""},
        {"feed = https://a.example/f\nfeed = https://a.example/f\n",
         "2: feed: https://a.example/f is already subscribed on line 1"},
        {"feed = https://a.example/f\n[feed https://a.example/f]\n",
         "2: feed: https://a.example/f is already subscribed on line 1"},
        {"user_agent = \"a\\\"b\n", "1: user_agent: missing closing quote"},
        {"user_agent = \"ab\" cd\n", "1: user_agent: unexpected text after the closing quote"},
        {"user_agent = caf\xc3\xa9\n", "1: user_agent: only printable ASCII"},
        {"database =\n", "1: database: missing value"},
        {"database = # comment\n", "1: database: missing value"},
        {"just words\n", "1: expected \"key = value\" or \"[feed URL]\""},
        {"= value\n", "1: missing key before \"=\""},
        {"[feeds https://a.example/f]\n", "1: feed: unknown section [feeds https://a.example/f]"},
        {"[feed https://a.example/f\n", "1: feed: expected \"[feed URL]\""},
        {"[feed https://a.example/f]\ncolour = red\n", "2: colour: unknown key"},
        {"[feed https://a.example/f]\nconcurrency = 2\n", "2: concurrency: not a per-feed key"},
        {"[feed https://a.example/f]\ninterval = 10s\n", "2: interval: 10s is out of range"},
        {"[feed https://a.example/f]\ntitle = \"a\\\\b\"\nbacklog = x\n", "3: backlog: expected \"all\""},
        {"interval = 2h\nmax_interval = 1h\n", "2: max_interval: 1h is shorter than interval (2h)"},
        {"interval = 2d\n", "1: interval: 2d is longer than max_interval (1d)"},
    };
    for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
        struct config conf;
        char err[512];
        if (load(&conf, c[i].text, err, sizeof err) != -1)
            fail_msg("accepted: %s", c[i].text);
        char *want = xasprintf("%s/feedsd.conf:%s", tmpdir, c[i].msg);
        if (strncmp(err, want, strlen(want)))
            fail_msg("for %s\n got: %s\nwant: %s...", c[i].text, err, want);
        free(want);
        config_free(&conf);
    }
}

/* An unknown key that is a typo of a known one gets the known one suggested (the nearest
 * by edit distance, only when close); one that is not gets no guess. Whole messages. */
static void unknown_keys_suggest_the_nearest(void **state)
{
    (void)state;
    static const struct { const char *text, *msg; } c[] = {
        {"intervall = 1h\n", "1: intervall: unknown key; did you mean interval?"},
        {"inetrval = 1h\n", "1: inetrval: unknown key; did you mean interval?"},
        {"max-size = 4M\n", "1: max-size: unknown key; did you mean max_size?"},
        {"summary_sentence = 4\n", "1: summary_sentence: unknown key; did you mean summary_sentences?"},
        {"fed = https://a.example/f\n", "1: fed: unknown key; did you mean feed?"},
        {"colour = blue\n", "1: colour: unknown key"},
        {"x = 1\n", "1: x: unknown key"},
        {"title = T\n", "1: title: a per-feed key: it goes in a [feed URL] section"},
        {"[feed https://a.example/f]\ntitel = T\n", "2: titel: unknown key; did you mean title?"},
        {"[feed https://a.example/f]\nbaclog = 2\n", "2: baclog: unknown key; did you mean backlog?"},
    };
    for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
        struct config conf;
        char err[512];
        if (load(&conf, c[i].text, err, sizeof err) != -1)
            fail_msg("accepted: %s", c[i].text);
        char *want = xasprintf("%s/feedsd.conf:%s", tmpdir, c[i].msg);
        if (strcmp(err, want))
            fail_msg("for %s\n got: %s\nwant: %s", c[i].text, err, want);
        free(want);
        config_free(&conf);
    }
}

static void feed_sections(void **state)
{
    (void)state;
    struct config c;
    char err[512];
    int rc = load(&c,
        "backlog = 3\n"
        "feed = https://one.example/feed\n"
        "\n"
        "[feed https://two.example/atom.xml]\n"
        "title = \"Two: the blog\"   # quoted because of the colon? not needed, but allowed\n"
        "interval = 6h\n"
        "backlog = all\n"
        "\n"
        "[feed \"https://three.example/rss?x=1#frag\"]\n"
        "backlog = 0\n",
        err, sizeof err);
    if (rc)
        fail_msg("%s", err);
    assert_int_equal(c.backlog, 3);
    assert_int_equal(c.nfeeds, 3);
    assert_string_equal(c.feeds[0].url, "https://one.example/feed");
    assert_int_equal(c.feeds[0].backlog, -2);
    assert_string_equal(c.feeds[1].url, "https://two.example/atom.xml");
    assert_string_equal(c.feeds[1].title, "Two: the blog");
    assert_int_equal(c.feeds[1].interval, 6 * 3600);
    assert_int_equal(c.feeds[1].backlog, -1);
    assert_string_equal(c.feeds[2].url, "https://three.example/rss?x=1#frag");
    assert_null(c.feeds[2].title);
    assert_int_equal(c.feeds[2].interval, 0);
    assert_int_equal(c.feeds[2].backlog, 0);
    config_free(&c);
}

static void relative_paths(void **state)
{
    (void)state;
    char *sub = xasprintf("%s/etc", tmpdir);
    assert_int_equal(mkdir(sub, 0755), 0);
    char *path = xasprintf("%s/feedsd.conf", sub);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("database = ../var/feedsd.db\noutput = out\nfeeds = subs.txt\n", f);
    fclose(f);
    struct config c;
    char err[512];
    config_defaults(&c);
    assert_int_equal(config_load(&c, path, err, sizeof err), 0);
    /* normalized: etc/../var is var (etc is a folder, not a symbolic link) */
    char *want = xasprintf("%s/var/feedsd.db", tmpdir);
    assert_string_equal(c.database, want);
    free(want);
    want = xasprintf("%s/out", sub);
    assert_string_equal(c.output, want);
    free(want);
    want = xasprintf("%s/subs.txt", sub);
    assert_string_equal(c.feeds_file, want);
    free(want);
    config_free(&c);
    free(path);
    free(sub);

    /* a file named without a folder: paths stay relative to the current folder */
    char *cwd = getcwd(NULL, 0);
    assert_int_equal(chdir(tmpdir), 0);
    f = fopen("plain.conf", "w");
    assert_non_null(f);
    fputs("database = x.db\n", f);
    fclose(f);
    config_defaults(&c);
    assert_int_equal(config_load(&c, "plain.conf", err, sizeof err), 0);
    assert_string_equal(c.database, "x.db");
    config_free(&c);
    assert_int_equal(chdir(cwd), 0);
    free(cwd);

    config_defaults(&c);
    assert_int_equal(config_load(&c, "/nonexistent/feedsd.conf", err, sizeof err), -1);
    assert_string_equal(err, "/nonexistent/feedsd.conf: No such file or directory");
    config_free(&c);
}

/* ---- subscription files -------------------------------------------------------------- */

static void opml_nested(void **state)
{
    (void)state;
    const char *doc =
        "<?xml version=\"1.0\"?>\n"
        "<opml version=\"1.0\"><head><title>t</title></head><body>\n"
        "<outline text=\"Folder\">\n"
        "  <outline text=\"Deeper\">\n"
        "    <outline text=\"A &amp; B\" xmlUrl=\"https://a.example/feed?x=1&amp;y=2\"/>\n"
        "  </outline>\n"
        "  <outline title=\"Bee\" text=\"ignored\" xmlurl=\"https://b.example/rss\"/>\n"
        "</outline>\n"
        "<outline XMLURL=\" https://c.example/atom \"/>\n"
        "<outline text=\"dup\" xmlUrl=\"https://b.example/rss\"/>\n"
        "<outline text=\"no url\"/>\n"
        "</body></opml>\n";
    struct opml_feed *f = NULL;
    size_t n = 0;
    char err[256];
    assert_int_equal(opml_parse(doc, strlen(doc), &f, &n, err, sizeof err), 0);
    assert_int_equal(n, 3);
    assert_string_equal(f[0].url, "https://a.example/feed?x=1&y=2");
    assert_string_equal(f[0].title, "A & B");
    assert_int_equal(f[0].line, 5);
    assert_string_equal(f[1].url, "https://b.example/rss");
    assert_string_equal(f[1].title, "Bee");
    assert_string_equal(f[2].url, "https://c.example/atom");
    assert_null(f[2].title);
    opml_free(f, n);
}

static void opml_hostile_and_broken(void **state)
{
    (void)state;
    struct opml_feed *f = NULL;
    size_t n = 0;
    char err[256];
    /* entity declarations are refused: no XXE, no expansion bombs, no hidden URLs */
    const char *xxe =
        "<?xml version=\"1.0\"?>\n"
        "<!DOCTYPE opml [<!ENTITY u \"https://evil.example/\">]>\n"
        "<opml><body><outline xmlUrl=\"&u;\" text=\"t\"/></body></opml>\n";
    assert_int_equal(opml_parse(xxe, strlen(xxe), &f, &n, err, sizeof err), -1);
    assert_int_equal(n, 0);
    assert_non_null(strstr(err, "entity declarations are not allowed"));
    opml_free(f, n);
    f = NULL, n = 0;
    const char *broken = "<opml><body><outline xmlUrl=\"https://a.example/\"></body>";
    assert_int_equal(opml_parse(broken, strlen(broken), &f, &n, err, sizeof err), -1);
    assert_non_null(strstr(err, "not a valid OPML file"));
    opml_free(f, n);
    f = NULL, n = 0;
    const char *html = "<html><body/></html>";
    assert_int_equal(opml_parse(html, strlen(html), &f, &n, err, sizeof err), -1);
    assert_non_null(strstr(err, "<html>"));
    opml_free(f, n);
}

static void plain_list(void **state)
{
    (void)state;
    const char *txt =
        "\xEF\xBB\xBF# my feeds\n"
        "https://a.example/feed\n"
        "\n"
        "   https://b.example/rss   # trailing comment\r\n"
        "\t# indented comment\n"
        "https://a.example/feed\n"
        "https://c.example/atom";
    struct opml_feed *f = NULL;
    size_t n = 0;
    char err[256];
    assert_int_equal(opml_parse(txt, strlen(txt), &f, &n, err, sizeof err), 0);
    assert_int_equal(n, 3);
    assert_string_equal(f[0].url, "https://a.example/feed");
    assert_int_equal(f[0].line, 2);
    assert_string_equal(f[1].url, "https://b.example/rss");
    assert_string_equal(f[2].url, "https://c.example/atom");
    assert_int_equal(f[2].line, 7);
    assert_null(f[2].title);
    opml_free(f, n);
    f = NULL, n = 0;
    const char *bad = "https://a.example/feed\nhttps://b.example/ two words\n";
    assert_int_equal(opml_parse(bad, strlen(bad), &f, &n, err, sizeof err), -1);
    assert_non_null(strstr(err, "line 2: expected one URL per line"));
    opml_free(f, n);
}

static void add_feeds_file(void **state)
{
    (void)state;
    struct config c;
    char err[512];
    assert_int_equal(load(&c, "feed = https://a.example/feed\n", err, sizeof err), 0);
    char *list = put_file("subs.txt", "https://a.example/feed\nhttps://b.example/rss\n");
    assert_int_equal(config_add_feeds_file(&c, list, err, sizeof err), 0);
    assert_int_equal(c.nfeeds, 2);
    assert_string_equal(c.feeds[1].url, "https://b.example/rss");
    assert_int_equal(c.feeds[1].backlog, -2);
    /* idempotent: a reload that reads the file again adds nothing */
    assert_int_equal(config_add_feeds_file(&c, list, err, sizeof err), 0);
    assert_int_equal(c.nfeeds, 2);
    char *opml = put_file("subs.opml",
        "<opml><body><outline text=\"F\"><outline title=\"Cee\" xmlUrl=\"https://c.example/\"/>"
        "</outline></body></opml>");
    assert_int_equal(config_add_feeds_file(&c, opml, err, sizeof err), 0);
    assert_int_equal(c.nfeeds, 3);
    assert_string_equal(c.feeds[2].title, "Cee");
    char *bad = put_file("bad.txt", "# x\nhttps://ok.example/\nfeed://nope.example/\n");
    assert_int_equal(config_add_feeds_file(&c, bad, err, sizeof err), -1);
    char *want = xasprintf("%s:3: expected an http:// or https:// URL, got \"feed://nope.example/\"", bad);
    assert_string_equal(err, want);
    free(want);
    assert_int_equal(config_add_feeds_file(&c, "/nonexistent.opml", err, sizeof err), -1);
    assert_non_null(strstr(err, "No such file"));
    free(list);
    free(opml);
    free(bad);
    config_free(&c);
}

/* The shipped example must load, and resolve to the repository's ./var and ./out. */
static void shipped_examples(void **state)
{
    (void)state;
    struct config c;
    char err[512];
    config_defaults(&c);
    if (config_load(&c, "examples/feedsd.conf", err, sizeof err) != 0)
        fail_msg("%s (run from the repository root)", err);
    /* normalized, as logs show them (issue 14): not examples/../var/feedsd.db */
    assert_string_equal(c.database, "var/feedsd.db");
    assert_string_equal(c.output, "out");
    assert_string_equal(c.summary.backend, "builtin");
    assert_true(c.nfeeds >= 5);
    assert_string_equal(c.feeds[0].url, "https://simonwillison.net/atom/everything/");
    assert_int_equal(c.summary.sentences, 3);
    if (config_add_feeds_file(&c, "examples/feeds.opml", err, sizeof err) != 0)
        fail_msg("%s", err);
    config_free(&c);

    struct opml_feed *f = NULL;
    size_t n = 0;
    char *data;
    size_t len;
    assert_int_equal(file_read_all("examples/feeds.opml", &data, &len), 0);
    assert_int_equal(opml_parse(data, len, &f, &n, err, sizeof err), 0);
    assert_int_equal(n, 5);
    assert_string_equal(f[2].url, "https://danluu.com/atom.xml");   /* two folders deep */
    opml_free(f, n);
    free(data);
}

static void summary_keys(void **state)
{
    (void)state;
    struct config c;
    char err[512];
    char *pf = put_file("zh.prompt", "  用中文总结：{title}\n\n{content}\n");
    free(pf);
    assert_int_equal(load(&c,
                          "summarizer = openai\n"
                          "openai_url = http://127.0.0.1:8080/v1\n"
                          "openai_model = qwen2.5:7b\n"
                          "openai_api_key_env = MY_KEY\n"
                          "system_prompt = \"Line one.\\nLine two.\"\n"
                          "prompt_file = zh.prompt\n"
                          "temperature = 0.7\n"
                          "max_tokens = 0\n"
                          "summary_timeout = 10m\n"
                          "summary_concurrency = 3\n"
                          "summary_rate = 0\n"
                          "summary_attempts = 2\n"
                          "summary_retry = 5s\n"
                          "summary_fallback = none\n"
                          "summary_max_wait = 0\n"
                          "summary_min_length = 0\n"
                          "summarize_backlog = yes\n"
                          "summary_language = Chinese\n"
                          "command = llm -m gpt-4o-mini\n"
                          "[feed https://a.example/feed]\n"
                          "summarizer = none\n",
                          err, sizeof err), 0);
    assert_string_equal(c.summary.backend, "openai");
    assert_string_equal(c.summary.openai_url, "http://127.0.0.1:8080/v1");
    assert_string_equal(c.summary.openai_model, "qwen2.5:7b");
    assert_string_equal(c.summary.openai_api_key_env, "MY_KEY");
    assert_string_equal(c.summary.system_prompt, "Line one.\nLine two.");
    assert_string_equal(c.summary.prompt, "用中文总结：{title}\n\n{content}");
    assert_true(c.summary.temperature > 0.69 && c.summary.temperature < 0.71);
    assert_int_equal(c.summary.max_tokens, 0);
    assert_int_equal(c.summary.timeout, 600);
    assert_int_equal(c.summary.concurrency, 3);
    assert_int_equal(c.summary.rate, 0);
    assert_int_equal(c.summary.attempts, 2);
    assert_int_equal(c.summary.retry, 5);
    assert_string_equal(c.summary.fallback, "none");
    assert_int_equal(c.summary.max_wait, 0);
    assert_int_equal(c.summary.backlog, 1);
    assert_string_equal(c.summary.language, "Chinese");
    assert_string_equal(c.summary.command, "llm -m gpt-4o-mini");
    assert_int_equal(c.nfeeds, 1);
    assert_string_equal(c.feeds[0].summarizer, "none");
    config_free(&c);

    /* The key itself never goes into the file. */
    assert_int_equal(load(&c, "openai_api_key = sk-123\n", err, sizeof err), -1);
    assert_non_null(strstr(err, "feedsd.conf:1: openai_api_key: the API key does not go"));
    assert_null(strstr(err, "sk-123"));
    config_free(&c);
    assert_int_equal(load(&c, "summarize_backlog = maybe\n", err, sizeof err), -1);
    assert_non_null(strstr(err, ":1: summarize_backlog: expected yes or no"));
    config_free(&c);
    assert_int_equal(load(&c, "temperature = hot\n", err, sizeof err), -1);
    assert_non_null(strstr(err, ":1: temperature: expected a number"));
    config_free(&c);
    assert_int_equal(load(&c, "prompt_file = missing.txt\n", err, sizeof err), -1);
    assert_non_null(strstr(err, ":1: prompt_file: cannot read missing.txt"));
    config_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults),
        cmocka_unit_test(durations_and_sizes),
        cmocka_unit_test(every_key),
        cmocka_unit_test(errors_name_file_line_key),
        cmocka_unit_test(unknown_keys_suggest_the_nearest),
        cmocka_unit_test(feed_sections),
        cmocka_unit_test(relative_paths),
        cmocka_unit_test(opml_nested),
        cmocka_unit_test(opml_hostile_and_broken),
        cmocka_unit_test(plain_list),
        cmocka_unit_test(add_feeds_file),
        cmocka_unit_test(shipped_examples),
        cmocka_unit_test_setup_teardown(summary_keys, setup, teardown),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
