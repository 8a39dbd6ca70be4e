/* daemon/config.c: the configuration file (reference: docs/configuration.md, example:
 * examples/feedsd.conf). "key = value" lines, '#' comments, optional double quotes, and
 * "[feed URL]" sections for per-feed options. Keys are table-driven (type, range,
 * field); every error names FILE:LINE: KEY. Owner: configuration engineer. */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "common/util.h"
#include "daemon/config.h"
#include "feeds/opml.h"
#include "feeds/url.h"
#include "output/output.h"

#define DAY (24 * 3600)

void config_defaults(struct config *c)
{
    memset(c, 0, sizeof *c);
    /* Under systemd's StateDirectory= (systemd.exec(5)) the database lives there, for the
     * daemon and for every command run in the same environment. */
    const char *state = getenv("STATE_DIRECTORY");
    c->database = state && *state ? xasprintf("%s/feedsd.db", state) : xstrdup("feedsd.db");
    c->output = xstrdup("out");
    c->filename = xstrdup("{date}-{slug}.md");
    c->interval = 3600;
    c->max_interval = DAY;
    c->concurrency = 16;
    c->per_host = 1;
    c->host_delay = 1000;
    c->min_interval = 900;
    c->timeout = 30;
    c->max_size = 16L << 20;
    c->backlog = 5;
    struct summary_config *sc = &c->summary;
    sc->backend = xstrdup("builtin");
    sc->sentences = 3;
    sc->chars = 600;
    sc->openai_url = xstrdup("http://localhost:11434/v1");
    sc->max_input = 12000;
    sc->temperature = 0.2;
    sc->max_tokens = 1024;
    sc->timeout = 300;
    sc->concurrency = 2;
    sc->rate = 30;
    sc->attempts = 5;
    sc->retry = 30;
    sc->fallback = xstrdup("builtin");
    sc->max_wait = 3600;
    sc->min_length = 300;
    sc->circuit = 300;
    c->full_content = xstrdup("never");
    c->full_content_min = 500;
}

const struct feed_conf *config_feed(const struct config *c, const char *url)
{
    for (size_t i = 0; i < c->nfeeds; i++)
        if (!strcmp(c->feeds[i].url, url))
            return &c->feeds[i];
    return NULL;
}

void config_free(struct config *c)
{
    free(c->path);
    free(c->database);
    free(c->output);
    free(c->filename);
    free(c->timezone);
    free(c->feeds_file);
    free(c->user_agent);
    free(c->metrics);
    struct summary_config *sc = &c->summary;
    free(sc->backend);
    free(sc->language);
    free(sc->openai_url);
    free(sc->openai_model);
    free(sc->openai_api_key_file);
    free(sc->openai_api_key_env);
    free(sc->system_prompt);
    free(sc->prompt);
    free(sc->command);
    free(sc->fallback);
    free(c->full_content);
    for (size_t i = 0; i < c->nfeeds; i++) {
        free(c->feeds[i].url);
        free(c->feeds[i].title);
        free(c->feeds[i].summarizer);
        free(c->feeds[i].full_content);
    }
    free(c->feeds);
    memset(c, 0, sizeof *c);
}

/* ---- value syntax -------------------------------------------------------------------- */

/* Sum of number+unit groups: "90", "90s", "15m", "2h", "1d", "1h30m". */
int config_parse_duration(const char *s, int *out)
{
    static const struct { char unit; long mult; } units[] = {
        {'s', 1}, {'m', 60}, {'h', 3600}, {'d', DAY}, {'w', 7 * DAY},
    };
    if (!s || !*s)
        return -1;
    long total = 0;
    while (*s) {
        if (*s < '0' || *s > '9')
            return -1;
        long v = 0;
        for (; *s >= '0' && *s <= '9'; s++) {
            v = v * 10 + (*s - '0');
            if (v > INT_MAX)
                return -1;
        }
        long mult = 0;
        if (!*s && total == 0)
            mult = 1;   /* a bare number is seconds, but only on its own */
        for (size_t i = 0; *s && i < sizeof units / sizeof *units; i++)
            if (*s == units[i].unit)
                mult = units[i].mult;
        if (!mult)
            return -1;
        if (*s)
            s++;
        total += v * mult;
        if (total > INT_MAX)
            return -1;
    }
    *out = (int)total;
    return 0;
}

/* Bytes, with binary K/M/G multipliers ("512K", "16M", "1G"; "16MB" and "16MiB" too). */
int config_parse_size(const char *s, long *out)
{
    if (!s || *s < '0' || *s > '9')
        return -1;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno)
        return -1;
    unsigned shift = 0;
    switch (*end) {
    case 'k': case 'K': shift = 10; end++; break;
    case 'm': case 'M': shift = 20; end++; break;
    case 'g': case 'G': shift = 30; end++; break;
    default: break;
    }
    if (shift && (!strcmp(end, "B") || !strcmp(end, "iB")))
        end += strlen(end);
    else if (!shift && (!strcmp(end, "B")))
        end++;
    if (*end || v > ((unsigned long long)LONG_MAX >> shift))
        return -1;
    *out = (long)(v << shift);
    return 0;
}

/* ---- setters ------------------------------------------------------------------------- */

/* Everything a setter needs: the value, the folder for relative paths, and where to
 * write a reason (without the FILE:LINE: KEY: prefix, which the caller adds). */
struct lines;

struct ctx {
    struct config *c;
    struct feed_conf *feed;      /* the current [feed] section, NULL at top level */
    const char *base;            /* folder of the configuration file */
    int line;                    /* current line number */
    struct lines *lines;         /* where each feed of this file was defined */
    char *why;
    size_t whylen;
};

struct key;
typedef int (*setter)(struct ctx *x, const struct key *k, const char *v);

struct key {
    const char *name;
    setter set;
    size_t off;                  /* field in struct config or struct feed_conf */
    long min, max;
    const char *expect;          /* for messages: "a duration like 30m" */
};

#define WHY(...) (snprintf(x->why, x->whylen, __VA_ARGS__), -1)

static void *field(struct ctx *x, const struct key *k)
{
    return (char *)(x->feed ? (void *)x->feed : (void *)x->c) + k->off;
}

/* Relative to the configuration file's folder, and normalized: the path is logged and
 * shown, and "examples/../var/feedsd.db" reads worse than "var/feedsd.db" (util.h). */
static char *resolve_path(const char *base, const char *v)
{
    if (v[0] == '/' || !base || !*base || !strcmp(base, "."))
        return path_normalize(v);
    char *joined = xasprintf("%s/%s", base, v);
    char *p = path_normalize(joined);
    free(joined);
    return p;
}

static void set_str(char **slot, char *v)
{
    free(*slot);
    *slot = v;
}

static int set_path(struct ctx *x, const struct key *k, const char *v)
{
    set_str(field(x, k), resolve_path(x->base, v));
    return 0;
}

static int set_text(struct ctx *x, const struct key *k, const char *v)
{
    for (const unsigned char *p = (const unsigned char *)v; *p; p++)
        if (*p < 0x20 || *p == 0x7F)
            return WHY("control characters are not allowed");
    set_str(field(x, k), xstrdup(v));
    return 0;
}

/* Goes into an HTTP header: printable ASCII only (RFC 9110 section 5.5 field values;
 * a CR or LF would inject headers). */
static int set_header_text(struct ctx *x, const struct key *k, const char *v)
{
    for (const unsigned char *p = (const unsigned char *)v; *p; p++)
        if (*p < 0x20 || *p > 0x7E)
            return WHY("only printable ASCII is allowed in an HTTP header");
    set_str(field(x, k), xstrdup(v));
    return 0;
}

static int set_pattern(struct ctx *x, const struct key *k, const char *v)
{
    char err[256];
    if (output_pattern_check(v, err, sizeof err) < 0)
        return WHY("%s", err);
    set_str(field(x, k), xstrdup(v));
    return 0;
}

static int set_choice(struct ctx *x, const struct key *k, const char *v)
{
    /* k->expect lists the choices separated by '|' */
    size_t n = strlen(v);
    for (const char *c = k->expect; *c;) {
        size_t m = strcspn(c, "|");
        if (m == n && !strncmp(c, v, n)) {
            set_str(field(x, k), xstrdup(v));
            return 0;
        }
        c += m + (c[m] == '|');
    }
    return WHY("expected %s, got \"%s\"", k->expect, v);
}

static int set_int(struct ctx *x, const struct key *k, const char *v)
{
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || *end || end == v || !(*v == '-' || (*v >= '0' && *v <= '9')))
        return WHY("expected a number, got \"%s\"", v);
    if (n < k->min || n > k->max)
        return WHY("%ld is out of range (%ld to %ld)", n, k->min, k->max);
    *(int *)field(x, k) = (int)n;
    return 0;
}

static int set_duration(struct ctx *x, const struct key *k, const char *v)
{
    int s;
    if (config_parse_duration(v, &s) < 0)
        return WHY("expected a duration like 30m, got \"%s\"", v);
    if (s < k->min || s > k->max) {
        char lo[32], hi[32];
        duration_format(k->min, lo, sizeof lo);
        duration_format(k->max, hi, sizeof hi);
        return WHY("%s is out of range (%s to %s)", v, lo, hi);
    }
    *(int *)field(x, k) = s;
    return 0;
}

/* A short duration with millisecond precision: "500ms", "1s", "2.5s", "0". */
static int set_millis(struct ctx *x, const struct key *k, const char *v)
{
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    if (errno || end == v || d < 0)
        return WHY("expected a duration like 1s or 500ms, got \"%s\"", v);
    if (!strcmp(end, "ms"))
        ;
    else if (!strcmp(end, "s") || (!*end && d == 0))
        d *= 1000;
    else if (!strcmp(end, "m"))
        d *= 60000;
    else
        return WHY("expected a duration like 1s or 500ms, got \"%s\"", v);
    if (d > (double)k->max) {
        char hi[32];
        duration_format(k->max / 1000, hi, sizeof hi);
        return WHY("%s is out of range (at most %s)", v, hi);
    }
    *(int *)field(x, k) = (int)d;
    return 0;
}

static int set_size(struct ctx *x, const struct key *k, const char *v)
{
    long s;
    if (config_parse_size(v, &s) < 0)
        return WHY("expected a size like 16M, got \"%s\"", v);
    if (s < k->min || s > k->max)
        return WHY("%s is out of range (%ld to %ld bytes)", v, k->min, k->max);
    *(long *)field(x, k) = s;
    return 0;
}

static int set_backlog(struct ctx *x, const struct key *k, const char *v)
{
    if (!strcasecmp(v, "all")) {
        *(int *)field(x, k) = -1;
        return 0;
    }
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || *end || *v < '0' || *v > '9' || n > k->max)
        return WHY("expected \"all\" or a number from 0 to %ld, got \"%s\"", k->max, v);
    *(int *)field(x, k) = (int)n;
    return 0;
}

static int set_bool(struct ctx *x, const struct key *k, const char *v)
{
    static const char *const yes[] = {"yes", "true", "on", "1"}, *const no[] = {"no", "false", "off", "0"};
    for (size_t i = 0; i < 4; i++) {
        if (!strcasecmp(v, yes[i]) || !strcasecmp(v, no[i])) {
            *(int *)field(x, k) = !strcasecmp(v, yes[i]);
            return 0;
        }
    }
    return WHY("expected yes or no, got \"%s\"", v);
}

static int set_real(struct ctx *x, const struct key *k, const char *v)
{
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    if (errno || *end || end == v)
        return WHY("expected a number like 0.2, got \"%s\"", v);
    if (d < (double)k->min || d > (double)k->max)
        return WHY("%s is out of range (%ld to %ld)", v, k->min, k->max);
    *(double *)field(x, k) = d;
    return 0;
}

/* A prompt on one line: \n stands for a newline, \\ for a backslash. */
static int set_prompt(struct ctx *x, const struct key *k, const char *v)
{
    struct buf b = {0};
    for (const char *p = v; *p; p++) {
        if (*p == '\\' && p[1] == 'n') {
            buf_putc(&b, '\n');
            p++;
        } else if (*p == '\\' && p[1] == '\\') {
            buf_putc(&b, '\\');
            p++;
        } else {
            buf_putc(&b, *p);
        }
    }
    set_str(field(x, k), buf_steal(&b));
    return 0;
}

/* A prompt kept in its own file (long prompts, other scripts): read now, so that a
 * missing file is an error of this line. */
static int set_prompt_file(struct ctx *x, const struct key *k, const char *v)
{
    char *path = resolve_path(x->base, v);
    char *data;
    size_t len;
    int rc = file_read_all(path, &data, &len);
    int e = errno;
    free(path);
    if (rc < 0)
        return WHY("cannot read %s: %s", v, strerror(e));
    if (memchr(data, '\0', len)) {
        free(data);
        return WHY("%s is not a text file", v);
    }
    set_str(field(x, k), str_trim(data));
    return 0;
}

/* API keys are secrets: a configuration file is read by people, copied into bug reports
 * and backed up, so the key itself is refused here. */
static int set_refused_secret(struct ctx *x, const struct key *k, const char *v)
{
    (void)k, (void)v;
    return WHY("the API key does not go into the configuration: name a file with "
               "openai_api_key_file or an environment variable with openai_api_key_env");
}

/* A command line: kept exactly as written (quotes and '#' belong to it); argv_split
 * splits it into words when the backend starts. */
static int set_command(struct ctx *x, const struct key *k, const char *v)
{
    return set_text(x, k, v);
}

/* A URL that a summary request goes to (http or https). */
static int set_url(struct ctx *x, const struct key *k, const char *v)
{
    if (!url_is_http(v))
        return WHY("expected an http:// or https:// URL, got \"%s\"", v);
    set_str(field(x, k), xstrdup(v));
    return 0;
}

/* POSIX TZ (XBD 8.3): std offset [dst [offset] [,rule]]. std/dst are 3+ letters or <...>;
 * offsets are [+-]hh[:mm[:ss]]; the rule is checked only for its characters. */
static int tz_name(const char **s)
{
    const char *p = *s;
    if (*p == '<') {
        const char *e = strchr(p, '>');
        if (!e || e - p < 4)
            return 0;
        *s = e + 1;
        return 1;
    }
    while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'))
        p++;
    if (p - *s < 3)
        return 0;
    *s = p;
    return 1;
}

static int tz_offset(const char **s)
{
    const char *p = *s;
    if (*p == '+' || *p == '-')
        p++;
    for (int part = 0; part < 3; part++) {
        if (part && *p != ':')
            break;
        if (part)
            p++;
        int digits = 0;
        while (*p >= '0' && *p <= '9' && digits < 2)
            p++, digits++;
        if (!digits)
            return 0;
    }
    *s = p;
    return 1;
}

static int tz_posix_ok(const char *s)
{
    if (!tz_name(&s) || !tz_offset(&s))
        return 0;
    if (!*s)
        return 1;
    if (*s != ',' && !tz_name(&s))
        return 0;
    if (*s && *s != ',' && !tz_offset(&s))
        return 0;
    if (!*s)
        return 1;
    return *s == ',' && s[strspn(s, ",MJ0123456789./:+-")] == '\0';
}

/* A zone name such as Europe/Paris: a TZif file under $TZDIR or /usr/share/zoneinfo
 * (tzfile(5)); names that could leave that folder are refused. */
static int tz_file_ok(const char *name)
{
    if (name[0] == ':')
        name++;
    if (!*name || name[0] == '/' || strstr(name, "..") ||
        name[strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/_+-")])
        return 0;
    const char *dir = getenv("TZDIR");
    char *path = xasprintf("%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", name);
    FILE *f = fopen(path, "rb");
    free(path);
    if (!f)
        return 0;
    char magic[4] = {0};
    size_t n = fread(magic, 1, 4, f);
    fclose(f);
    return n == 4 && !memcmp(magic, "TZif", 4);
}

static int set_timezone(struct ctx *x, const struct key *k, const char *v)
{
    if (!strcmp(v, "local")) {   /* the system zone: leave TZ alone */
        set_str(field(x, k), NULL);
        return 0;
    }
    if (!strcmp(v, "UTC") || !strcmp(v, "GMT") || tz_posix_ok(v) || tz_file_ok(v)) {
        set_str(field(x, k), xstrdup(v));
        return 0;
    }
    return WHY("unknown time zone \"%s\" (use \"local\", a name such as Europe/Paris, or a "
               "POSIX TZ string such as UTC0)", v);
}

/* ---- keys ---------------------------------------------------------------------------- */

#define G(f) offsetof(struct config, f)
#define F(f) offsetof(struct feed_conf, f)
#define MAXDUR (30L * DAY)

static int set_feed_line(struct ctx *x, const struct key *k, const char *v);

static const struct key global_keys[] = {
    {"database", set_path, G(database), 0, 0, NULL},
    {"output", set_path, G(output), 0, 0, NULL},
    {"filename", set_pattern, G(filename), 0, 0, NULL},
    {"timezone", set_timezone, G(timezone), 0, 0, NULL},
    {"feeds", set_path, G(feeds_file), 0, 0, NULL},
    {"feed", set_feed_line, 0, 0, 0, NULL},
    {"user_agent", set_header_text, G(user_agent), 0, 0, NULL},
    {"metrics", set_header_text, G(metrics), 0, 0, NULL},
    {"interval", set_duration, G(interval), 60, MAXDUR, NULL},
    {"max_interval", set_duration, G(max_interval), 60, MAXDUR, NULL},
    {"concurrency", set_int, G(concurrency), 1, 1000, NULL},
    {"per_host", set_int, G(per_host), 1, 100, NULL},
    {"host_delay", set_millis, G(host_delay), 0, 3600000, NULL},
    {"allow_private", set_bool, G(allow_private), 0, 0, NULL},
    {"adaptive", set_bool, G(adaptive), 0, 0, NULL},
    {"min_interval", set_duration, G(min_interval), 60, MAXDUR, NULL},
    {"timeout", set_duration, G(timeout), 1, 3600, NULL},
    {"max_size", set_size, G(max_size), 1L << 10, 1L << 30, NULL},
    {"backlog", set_backlog, G(backlog), 0, 1000000, NULL},
    {"retention", set_duration, G(retention), 0, 100L * 365 * DAY > INT_MAX ? INT_MAX : 100L * 365 * DAY, NULL},
    {"summarizer", set_choice, G(summary.backend), 0, 0, "builtin|openai|command|none"},
    {"full_content", set_choice, G(full_content), 0, 0, "never|auto|always"},
    {"full_content_min", set_int, G(full_content_min), 0, 1000000, NULL},
    {"summary_sentences", set_int, G(summary.sentences), 1, 20, NULL},
    {"summary_chars", set_int, G(summary.chars), 50, 10000, NULL},
    {"summary_language", set_text, G(summary.language), 0, 0, NULL},
    {"openai_url", set_url, G(summary.openai_url), 0, 0, NULL},
    {"openai_model", set_text, G(summary.openai_model), 0, 0, NULL},
    {"openai_api_key", set_refused_secret, 0, 0, 0, NULL},
    {"openai_api_key_file", set_path, G(summary.openai_api_key_file), 0, 0, NULL},
    {"openai_api_key_env", set_header_text, G(summary.openai_api_key_env), 0, 0, NULL},
    {"system_prompt", set_prompt, G(summary.system_prompt), 0, 0, NULL},
    {"system_prompt_file", set_prompt_file, G(summary.system_prompt), 0, 0, NULL},
    {"prompt", set_prompt, G(summary.prompt), 0, 0, NULL},
    {"prompt_file", set_prompt_file, G(summary.prompt), 0, 0, NULL},
    {"max_input", set_int, G(summary.max_input), 500, 10000000, NULL},
    {"temperature", set_real, G(summary.temperature), -1, 2, NULL},
    {"max_tokens", set_int, G(summary.max_tokens), 0, 1000000, NULL},
    {"summary_timeout", set_duration, G(summary.timeout), 1, 6 * 3600, NULL},
    {"command", set_command, G(summary.command), 0, 0, NULL},
    {"summary_concurrency", set_int, G(summary.concurrency), 1, 64, NULL},
    {"summary_rate", set_int, G(summary.rate), 0, 100000, NULL},
    {"summary_attempts", set_int, G(summary.attempts), 1, 100, NULL},
    {"summary_retry", set_duration, G(summary.retry), 1, DAY, NULL},
    {"summary_fallback", set_choice, G(summary.fallback), 0, 0, "builtin|none"},
    {"summary_max_wait", set_duration, G(summary.max_wait), 0, MAXDUR, NULL},
    {"summary_min_length", set_int, G(summary.min_length), 0, 1000000, NULL},
    {"summarize_backlog", set_bool, G(summary.backlog), 0, 0, NULL},
    {"summary_circuit", set_duration, G(summary.circuit), 1, DAY, NULL},
};

static const struct key feed_keys[] = {
    {"title", set_text, F(title), 0, 0, NULL},
    {"interval", set_duration, F(interval), 60, MAXDUR, NULL},
    {"backlog", set_backlog, F(backlog), 0, 1000000, NULL},
    {"summarizer", set_choice, F(summarizer), 0, 0, "builtin|openai|command|none"},
    {"full_content", set_choice, F(full_content), 0, 0, "never|auto|always"},
};

static const struct key *key_find(const struct key *t, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(t[i].name, name))
            return &t[i];
    return NULL;
}

/* Edits between a and b: insertions, deletions, substitutions and swaps of two neighbours
 * (the optimal string alignment distance), or a large number for names over 63 bytes. */
static size_t edit_distance(const char *a, const char *b)
{
    enum { MAXLEN = 64 };
    size_t n = strlen(a), m = strlen(b);
    if (n >= MAXLEN || m >= MAXLEN)
        return (size_t)-1;
    size_t d[MAXLEN][MAXLEN];
    for (size_t i = 0; i <= n; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= m; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= n; i++) {
        for (size_t j = 1; j <= m; j++) {
            size_t best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    }
    return d[n][m];
}

/* The key of t nearest to an unknown name, when it is near enough to be a typo: one edit
 * for names of up to four letters, two for longer ones ("intervall", "summary_sentence",
 * "max-size"); NULL otherwise ("colour" suggests nothing). */
static const char *key_suggest(const struct key *t, size_t n, const char *name)
{
    size_t len = strlen(name), limit = len <= 4 ? 1 : 2, best = limit + 1;
    const char *hit = NULL;
    for (size_t i = 0; i < n; i++) {
        size_t d = edit_distance(name, t[i].name);
        if (d < best && d < len) {
            best = d;
            hit = t[i].name;
        }
    }
    return hit;
}

/* ---- feeds --------------------------------------------------------------------------- */

static struct feed_conf *feed_find(struct config *c, const char *url)
{
    for (size_t i = 0; i < c->nfeeds; i++)
        if (!strcmp(c->feeds[i].url, url))
            return &c->feeds[i];
    return NULL;
}

static struct feed_conf *feed_append(struct config *c, const char *url, const char *title)
{
    c->feeds = xrealloc(c->feeds, (c->nfeeds + 1) * sizeof *c->feeds);
    struct feed_conf *f = &c->feeds[c->nfeeds++];
    memset(f, 0, sizeof *f);
    f->url = xstrdup(url);
    f->title = xstrdup(title);
    f->interval = 0;
    f->backlog = -2;
    return f;
}

/* Line of each feed as the file defines it (parallel to c->feeds during one load), so
 * that a repeated URL names both lines. A repeat is an error rather than a merge: two
 * [feed] sections with different options for one URL have no right answer. */
struct lines {
    int *v;
    size_t n;
};

static int feed_add_checked(struct ctx *x, const char *url)
{
    struct lines *cur_lines = x->lines;
    struct feed_conf *dup = url_is_http(url) ? feed_find(x->c, url) : NULL;
    if (!url_is_http(url) || dup) {
        /* Error messages show the URL without its credentials (url_redact): those are
         * for the feed's requests only. */
        char *shown = url_redact(url);
        size_t i = dup ? (size_t)(dup - x->c->feeds) : 0;
        int rc = !dup ? WHY("expected an http:// or https:// URL, got \"%s\"", shown)
                 : cur_lines && i < cur_lines->n && cur_lines->v[i] > 0
                     ? WHY("%s is already subscribed on line %d", shown, cur_lines->v[i])
                     : WHY("%s is already subscribed", shown);
        free(shown);
        return rc;
    }
    size_t before = x->c->nfeeds;
    feed_append(x->c, url, NULL);
    if (cur_lines) {
        cur_lines->v = xrealloc(cur_lines->v, x->c->nfeeds * sizeof *cur_lines->v);
        for (size_t i = cur_lines->n; i < before; i++)
            cur_lines->v[i] = 0;   /* feeds that were there before this file */
        cur_lines->v[before] = x->line;
        cur_lines->n = x->c->nfeeds;
    }
    return 0;
}

static int set_feed_line(struct ctx *x, const struct key *k, const char *v)
{
    (void)k;
    return feed_add_checked(x, v);
}

int config_add_feeds_file(struct config *c, const char *path, char *err, size_t errlen)
{
    char *data;
    size_t len;
    if (file_read_all(path, &data, &len) < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    struct opml_feed *list = NULL;
    size_t n = 0;
    char why[512];
    int rc = opml_parse(data, len, &list, &n, why, sizeof why);
    free(data);
    if (rc < 0) {
        snprintf(err, errlen, "%s: %s", path, why);
        opml_free(list, n);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (!url_is_http(list[i].url)) {
            char *shown = url_redact(list[i].url);
            snprintf(err, errlen, "%s:%d: expected an http:// or https:// URL, got \"%s\"",
                     path, list[i].line, shown);
            free(shown);
            opml_free(list, n);
            return -1;
        }
        if (!feed_find(c, list[i].url))
            feed_append(c, list[i].url, list[i].title);
    }
    opml_free(list, n);
    return 0;
}

/* ---- the file ------------------------------------------------------------------------ */

/* Splits a value: optional double quotes with \" and \\ escapes, else up to a '#' that
 * follows whitespace (so URL fragments such as "#atom" survive). In place; NULL with a
 * reason on error. */
static char *value_parse(char *s, char *why, size_t whylen)
{
    int spaced = *s == ' ' || *s == '\t';
    while (*s == ' ' || *s == '\t')
        s++;
    if (*s == '#' && spaced)
        *s = '\0';   /* "key = # comment": no value */
    if (*s == '"') {
        char *w = s, *r = s + 1;
        for (; *r && *r != '"'; r++) {
            if (*r == '\\' && (r[1] == '"' || r[1] == '\\'))
                r++;
            *w++ = *r;
        }
        if (*r != '"') {
            snprintf(why, whylen, "missing closing quote");
            return NULL;
        }
        *w = '\0';
        for (r++; *r == ' ' || *r == '\t'; r++)
            ;
        if (*r && *r != '#') {
            snprintf(why, whylen, "unexpected text after the closing quote");
            return NULL;
        }
        return s;
    }
    for (char *p = s; *p; p++)
        if (*p == '#' && p > s && (p[-1] == ' ' || p[-1] == '\t')) {
            *p = '\0';
            break;
        }
    str_trim(s);
    if (!*s) {
        snprintf(why, whylen, "missing value");
        return NULL;
    }
    return s;
}

/* "[feed URL]": starts a section for that feed. */
static int section_start(struct ctx *x, char *line, const char **keyname)
{
    *keyname = "feed";
    char *end = strrchr(line, ']');
    if (!end || str_trim(end + 1)[0] != '\0')
        return WHY("expected \"[feed URL]\"");
    *end = '\0';
    char *s = str_trim(line + 1);
    if (strncmp(s, "feed", 4) || (s[4] != ' ' && s[4] != '\t'))
        return WHY("unknown section [%s] (only [feed URL] sections exist)", s);
    char *url = str_trim(s + 4);
    size_t n = strlen(url);
    if (n >= 2 && url[0] == '"' && url[n - 1] == '"') {
        url[n - 1] = '\0';
        url++;
    }
    if (feed_add_checked(x, url) < 0)
        return -1;
    x->feed = &x->c->feeds[x->c->nfeeds - 1];
    return 0;
}

static int line_parse(struct ctx *x, char *line, const char **keyname)
{
    *keyname = NULL;
    str_trim(line);
    if (!*line || *line == '#')
        return 0;
    if (*line == '[')
        return section_start(x, line, keyname);
    char *eq = strchr(line, '=');
    if (!eq)
        return WHY("expected \"key = value\" or \"[feed URL]\"");
    *eq = '\0';
    char *key = str_trim(line);
    if (!*key)
        return WHY("missing key before \"=\"");
    *keyname = key;
    const struct key *k = x->feed ? key_find(feed_keys, sizeof feed_keys / sizeof *feed_keys, key)
                                  : key_find(global_keys, sizeof global_keys / sizeof *global_keys, key);
    if (!k) {
        const size_t nglobal = sizeof global_keys / sizeof *global_keys;
        const size_t nfeed = sizeof feed_keys / sizeof *feed_keys;
        if (x->feed && key_find(global_keys, nglobal, key))
            return WHY("not a per-feed key (global keys go before the first [feed] section)");
        if (!x->feed && key_find(feed_keys, nfeed, key))
            return WHY("a per-feed key: it goes in a [feed URL] section");
        const char *near = x->feed ? key_suggest(feed_keys, nfeed, key)
                                   : key_suggest(global_keys, nglobal, key);
        if (near)
            return WHY("unknown key; did you mean %s?", near);
        return WHY("unknown key");
    }
    char *v = k->set == set_command ? str_trim(eq + 1) : value_parse(eq + 1, x->why, x->whylen);
    if (!v)
        return -1;
    if (!*v)
        return WHY("missing value");
    /* The feed pointer moves when c->feeds grows (a feed = line inside a section is not
     * possible: feed is not a per-feed key), so it stays valid for the setter. */
    return k->set(x, k, v);
}

static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return xstrdup(".");
    if (slash == path)
        return xstrdup("/");
    return xstrndup(path, (size_t)(slash - path));
}

int config_load(struct config *c, const char *path, char *err, size_t errlen)
{
    char *data;
    size_t len;
    if (file_read_all(path, &data, &len) < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    set_str(&c->path, xstrdup(path));
    const char *nul = memchr(data, '\0', len);
    if (nul) {
        int line = 1;
        for (const char *p = data; p < nul; p++)
            line += *p == '\n';
        snprintf(err, errlen, "%s:%d: NUL byte in the file", path, line);
        free(data);
        return -1;
    }
    char why[512] = "";
    char *base = dir_of(path);
    struct lines lines = {0};
    struct ctx x = {.c = c, .base = base, .lines = &lines, .why = why, .whylen = sizeof why};
    int rc = 0, interval_line = 0, max_line = 0;
    char *save = NULL;
    /* strtok_r would merge empty lines and break line numbers: split by hand. */
    for (char *p = data; p && rc == 0; p = save) {
        char *nl = strchr(p, '\n');
        save = nl ? nl + 1 : NULL;
        if (nl)
            *nl = '\0';
        int cur_line = ++x.line;
        if (cur_line == 1 && !strncmp(p, "\xEF\xBB\xBF", 3))
            p += 3;   /* a UTF-8 byte order mark from Windows editors */
        const char *keyname;
        if (line_parse(&x, p, &keyname) < 0) {
            if (keyname)
                snprintf(err, errlen, "%s:%d: %s: %s", path, cur_line, keyname, why);
            else
                snprintf(err, errlen, "%s:%d: %s", path, cur_line, why);
            rc = -1;
        } else if (keyname && !x.feed && !strcmp(keyname, "interval")) {
            interval_line = cur_line;
        } else if (keyname && !x.feed && !strcmp(keyname, "max_interval")) {
            max_line = cur_line;
        }
    }
    if (rc == 0 && c->max_interval < c->interval) {
        char iv[32], mx[32];
        duration_format(c->interval, iv, sizeof iv);
        duration_format(c->max_interval, mx, sizeof mx);
        if (max_line)
            snprintf(err, errlen, "%s:%d: max_interval: %s is shorter than interval (%s)",
                     path, max_line, mx, iv);
        else
            snprintf(err, errlen, "%s:%d: interval: %s is longer than max_interval (%s)",
                     path, interval_line, iv, mx);
        rc = -1;
    }
    free(lines.v);
    free(base);
    free(data);
    return rc;
}
