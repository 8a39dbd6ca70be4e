/* daemon/config_values.c: the values of the configuration file (reference:
 * docs/configuration.md): durations, sizes, time zones, choices, paths relative to the
 * file, prompts, and the setters that the key table (config_keys.c) names for each key.
 * Every refusal says what was expected. Owner: configuration engineer. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "common/util.h"
#include "daemon/config.h"
#include "daemon/config_int.h"
#include "feeds/opml.h"
#include "feeds/url.h"
#include "output/output.h"
#include "summary/child.h"

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

static void *config_field(struct config_ctx *x, const struct config_key *k)
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

int config_set_path(struct config_ctx *x, const struct config_key *k, const char *v)
{
    set_str(config_field(x, k), resolve_path(x->base, v));
    return 0;
}

int config_set_text(struct config_ctx *x, const struct config_key *k, const char *v)
{
    for (const unsigned char *p = (const unsigned char *)v; *p; p++)
        if (*p < 0x20 || *p == 0x7F)
            return CONFIG_WHY("control characters are not allowed");
    set_str(config_field(x, k), xstrdup(v));
    return 0;
}

/* Goes into an HTTP header: printable ASCII only (RFC 9110 section 5.5 field values;
 * a CR or LF would inject headers). */
int config_set_header_text(struct config_ctx *x, const struct config_key *k, const char *v)
{
    for (const unsigned char *p = (const unsigned char *)v; *p; p++)
        if (*p < 0x20 || *p > 0x7E)
            return CONFIG_WHY("only printable ASCII is allowed in an HTTP header");
    set_str(config_field(x, k), xstrdup(v));
    return 0;
}

int config_set_pattern(struct config_ctx *x, const struct config_key *k, const char *v)
{
    char err[256];
    if (output_pattern_check(v, err, sizeof err) < 0)
        return CONFIG_WHY("%s", err);
    set_str(config_field(x, k), xstrdup(v));
    return 0;
}

int config_set_choice(struct config_ctx *x, const struct config_key *k, const char *v)
{
    /* k->expect lists the choices separated by '|' */
    size_t n = strlen(v);
    for (const char *c = k->expect; *c;) {
        size_t m = strcspn(c, "|");
        if (m == n && !strncmp(c, v, n)) {
            set_str(config_field(x, k), xstrdup(v));
            return 0;
        }
        c += m + (c[m] == '|');
    }
    return CONFIG_WHY("expected %s, got \"%s\"", k->expect, v);
}

int config_set_int(struct config_ctx *x, const struct config_key *k, const char *v)
{
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || *end || end == v || !(*v == '-' || (*v >= '0' && *v <= '9')))
        return CONFIG_WHY("expected a number, got \"%s\"", v);
    if (n < k->min || n > k->max)
        return CONFIG_WHY("%ld is out of range (%ld to %ld)", n, k->min, k->max);
    *(int *)config_field(x, k) = (int)n;
    return 0;
}

int config_set_duration(struct config_ctx *x, const struct config_key *k, const char *v)
{
    int s;
    if (config_parse_duration(v, &s) < 0)
        return CONFIG_WHY("expected a duration like 30m, got \"%s\"", v);
    if (s < k->min || s > k->max) {
        char lo[32], hi[32];
        duration_format(k->min, lo, sizeof lo);
        duration_format(k->max, hi, sizeof hi);
        return CONFIG_WHY("%s is out of range (%s to %s)", v, lo, hi);
    }
    *(int *)config_field(x, k) = s;
    return 0;
}

/* A short duration with millisecond precision: "500ms", "1s", "2.5s", "0". */
int config_set_millis(struct config_ctx *x, const struct config_key *k, const char *v)
{
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    if (errno || end == v || d < 0)
        return CONFIG_WHY("expected a duration like 1s or 500ms, got \"%s\"", v);
    if (!strcmp(end, "ms"))
        ;
    else if (!strcmp(end, "s") || (!*end && d == 0))
        d *= 1000;
    else if (!strcmp(end, "m"))
        d *= 60000;
    else
        return CONFIG_WHY("expected a duration like 1s or 500ms, got \"%s\"", v);
    if (d > (double)k->max) {
        char hi[32];
        duration_format(k->max / 1000, hi, sizeof hi);
        return CONFIG_WHY("%s is out of range (at most %s)", v, hi);
    }
    *(int *)config_field(x, k) = (int)d;
    return 0;
}

int config_set_size(struct config_ctx *x, const struct config_key *k, const char *v)
{
    long s;
    if (config_parse_size(v, &s) < 0)
        return CONFIG_WHY("expected a size like 16M, got \"%s\"", v);
    if (s < k->min || s > k->max)
        return CONFIG_WHY("%s is out of range (%ld to %ld bytes)", v, k->min, k->max);
    *(long *)config_field(x, k) = s;
    return 0;
}

int config_set_backlog(struct config_ctx *x, const struct config_key *k, const char *v)
{
    if (!strcasecmp(v, "all")) {
        *(int *)config_field(x, k) = -1;
        return 0;
    }
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || *end || *v < '0' || *v > '9' || n > k->max)
        return CONFIG_WHY("expected \"all\" or a number from 0 to %ld, got \"%s\"", k->max, v);
    *(int *)config_field(x, k) = (int)n;
    return 0;
}

int config_set_bool(struct config_ctx *x, const struct config_key *k, const char *v)
{
    static const char *const yes[] = {"yes", "true", "on", "1"}, *const no[] = {"no", "false", "off", "0"};
    for (size_t i = 0; i < 4; i++) {
        if (!strcasecmp(v, yes[i]) || !strcasecmp(v, no[i])) {
            *(int *)config_field(x, k) = !strcasecmp(v, yes[i]);
            return 0;
        }
    }
    return CONFIG_WHY("expected yes or no, got \"%s\"", v);
}

int config_set_real(struct config_ctx *x, const struct config_key *k, const char *v)
{
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    if (errno || *end || end == v)
        return CONFIG_WHY("expected a number like 0.2, got \"%s\"", v);
    if (d < (double)k->min || d > (double)k->max)
        return CONFIG_WHY("%s is out of range (%ld to %ld)", v, k->min, k->max);
    *(double *)config_field(x, k) = d;
    return 0;
}

/* A prompt on one line: \n stands for a newline, \\ for a backslash. */
int config_set_prompt(struct config_ctx *x, const struct config_key *k, const char *v)
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
    set_str(config_field(x, k), buf_steal(&b));
    return 0;
}

/* A file that a key names and the configuration reads at once (a prompt, a CA): its
 * text, or the reason it cannot be had in why. Only a regular file: reading a FIFO, a
 * pipe or a device would hold up the start (and `feedsd check`) until something writes
 * to it, or forever (fuzz_config named /dev/fd/3, a pipe that nothing wrote to). */
static int read_named_file(const char *path, char **data, size_t *len, char *why,
                           size_t whylen)
{
    struct stat st;
    if (stat(path, &st) < 0 || (S_ISREG(st.st_mode) && file_read_all(path, data, len) < 0)) {
        snprintf(why, whylen, "%s", strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(why, whylen, "not a regular file");
        return -1;
    }
    return 0;
}

/* A prompt kept in its own file (long prompts, other scripts): read now, so that a
 * missing file is an error of this line. */
int config_set_prompt_file(struct config_ctx *x, const struct config_key *k, const char *v)
{
    char *path = resolve_path(x->base, v);
    char *data;
    size_t len;
    char why[128];
    int rc = read_named_file(path, &data, &len, why, sizeof why);
    free(path);
    if (rc < 0)
        return CONFIG_WHY("cannot read %s: %s", v, why);
    if (memchr(data, '\0', len)) {
        free(data);
        return CONFIG_WHY("%s is not a text file", v);
    }
    set_str(config_field(x, k), str_trim(data));
    return 0;
}

/* A CA file is read when the configuration is, so that a wrong path or a file of another
 * kind (a key, a DER certificate) is named with its line here, by `feedsd check` and at
 * start, instead of failing every TLS handshake of the feeds later. curl reads PEM
 * (RFC 7468 5: the "CERTIFICATE" label) and is handed the name, not these bytes. */
int config_set_ca_file(struct config_ctx *x, const struct config_key *k, const char *v)
{
    char *path = resolve_path(x->base, v);
    char *data;
    size_t len;
    char why[128];
    if (read_named_file(path, &data, &len, why, sizeof why) < 0) {
        free(path);
        return CONFIG_WHY("cannot read %s: %s", v, why);
    }
    int pem = memmem(data, len, "-----BEGIN CERTIFICATE-----", 27) != NULL;
    free(data);
    if (!pem) {
        free(path);
        return CONFIG_WHY("%s holds no PEM certificate (-----BEGIN CERTIFICATE-----)", v);
    }
    set_str(config_field(x, k), path);
    return 0;
}

/* Secrets (an API key, a password) are refused in the file: a configuration file is read
 * by people, copied into bug reports and backed up. k->expect says where they go. */
int config_set_refused_secret(struct config_ctx *x, const struct config_key *k, const char *v)
{
    (void)v;
    return CONFIG_WHY("%s", k->expect);
}

/* include / exclude (k->min is the enum filter_kind): appended to the rules of the level
 * (global or the [feed] section), compiled now so that a bad expression is an error of its
 * line. */
int config_set_filter(struct config_ctx *x, const struct config_key *k, const char *v)
{
    struct filter_set *s = x->feed ? &x->feed->filters : &x->c->filters;
    return filter_add(s, (enum filter_kind)k->min, v, x->why, x->whylen);
}

/* A feed's category: a folder path such as "Tech/Linux" ('/' separates the levels, as in
 * an exported OPML file's nested folders), cleaned as an imported one is. */
int config_set_category(struct config_ctx *x, const struct config_key *k, const char *v)
{
    char *cat = opml_category_clean(v, strlen(v));
    if (!cat)
        return CONFIG_WHY("expected a category name or a path such as Tech/Linux");
    set_str(config_field(x, k), cat);
    return 0;
}

/* RFC 7617 section 2: the user-id of Basic authentication cannot contain a colon; it goes
 * into a header, so printable ASCII only. */
int config_set_username(struct config_ctx *x, const struct config_key *k, const char *v)
{
    if (!*v || strchr(v, ':'))
        return CONFIG_WHY("a user name cannot be empty or contain ':' (RFC 7617)");
    return config_set_header_text(x, k, v);
}

/* A proxy URL for CURLOPT_PROXY, or "none". Credentials are refused like every secret:
 * an authenticated proxy is named in the environment (https_proxy), which libcurl reads. */
int config_set_proxy(struct config_ctx *x, const struct config_key *k, const char *v)
{
    static const char *const schemes[] = {"http://", "https://", "socks4://", "socks4a://",
                                          "socks5://", "socks5h://"};
    if (!strcmp(v, "none")) {
        set_str(config_field(x, k), xstrdup(""));
        return 0;
    }
    size_t i = 0;
    while (i < sizeof schemes / sizeof *schemes && !str_has_prefix(v, schemes[i]))
        i++;
    if (i == sizeof schemes / sizeof *schemes)
        return CONFIG_WHY("expected none or a proxy URL (http, https, socks4, socks4a, socks5 "
                          "or socks5h), got \"%s\"", v);
    const char *host = strstr(v, "://") + 3;
    if (memchr(host, '@', strcspn(host, "/?#")))
        return CONFIG_WHY("the proxy's user and password do not go into the configuration: "
                          "name the proxy in the https_proxy or http_proxy environment "
                          "variable instead");
    return config_set_header_text(x, k, v);
}

/* header, header_file, header_env: "Name: value" (k->min is the enum header_source),
 * repeatable, appended to the feed's list. The value is the header's own, a file's
 * contents or an environment variable's, read at each poll (daemon/feed_access.c). */
int config_set_header_line(struct config_ctx *x, const struct config_key *k, const char *v)
{
    /* RFC 9110 5.6.2: token = 1*tchar */
    static const char tchar[] = "!#$%&'*+-.^_`|~0123456789"
                                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    /* Headers that carry credentials (RFC 9110 11.6.2, 11.7.2; RFC 6265 5.4): their values
     * are secrets, refused as text like an API key. */
    static const char *const secret[] = {"Authorization", "Proxy-Authorization", "Cookie"};
    enum header_source src = (enum header_source)k->min;
    size_t n = strspn(v, tchar);
    if (n == 0 || v[n] != ':')
        return CONFIG_WHY("expected \"Name: value\", got \"%s\"", v);
    const char *val = v + n + 1;
    val += strspn(val, " \t");
    if (!*val)
        return CONFIG_WHY("%s has no value", src == HEADER_TEXT ? "the header" : "the line");
    for (const unsigned char *p = (const unsigned char *)val; *p; p++)
        if (*p < 0x20 || *p > 0x7E)
            return CONFIG_WHY("only printable ASCII is allowed in an HTTP header");
    for (size_t i = 0; src == HEADER_TEXT && i < sizeof secret / sizeof *secret; i++)
        if (strlen(secret[i]) == n && !strncasecmp(v, secret[i], n))
            return CONFIG_WHY("the value of %s is a secret and does not go into the "
                              "configuration: use header_file or header_env", secret[i]);
    if (src == HEADER_ENV && (val[strspn(val, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                              "abcdefghijklmnopqrstuvwxyz0123456789_")] ||
                              (*val >= '0' && *val <= '9')))
        return CONFIG_WHY("expected the name of an environment variable, got \"%s\"", val);
    struct feed_conf *fc = x->feed;
    fc->headers = xrealloc(fc->headers, (fc->nheaders + 1) * sizeof *fc->headers);
    struct feed_header *h = &fc->headers[fc->nheaders++];
    h->source = src;
    h->name = xstrndup(v, n);
    h->value = src == HEADER_FILE ? resolve_path(x->base, val) : xstrdup(val);
    return 0;
}

/* A command line: kept exactly as written (quotes and '#' belong to it); argv_split
 * splits it into words when the backend starts. */
int config_set_command(struct config_ctx *x, const struct config_key *k, const char *v)
{
    return config_set_text(x, k, v);
}

/* A command line that must split into words (argv_split, as `command` is split when the
 * backend starts): refused here, so that `feedsd check` and a reload catch an unterminated
 * quote instead of the first batch of files. */
int config_set_argv(struct config_ctx *x, const struct config_key *k, const char *v)
{
    char why[160];
    char **argv = argv_split(v, why, sizeof why);
    if (!argv)
        return CONFIG_WHY("%s", why);
    argv_free(argv);
    return config_set_text(x, k, v);
}

/* A URL that a summary request goes to (http or https). */
int config_set_url(struct config_ctx *x, const struct config_key *k, const char *v)
{
    if (!url_is_http(v))
        return CONFIG_WHY("expected an http:// or https:// URL, got \"%s\"", v);
    set_str(config_field(x, k), xstrdup(v));
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

int config_set_timezone(struct config_ctx *x, const struct config_key *k, const char *v)
{
    if (!strcmp(v, "local")) {   /* the system zone: leave TZ alone */
        set_str(config_field(x, k), NULL);
        return 0;
    }
    if (!strcmp(v, "UTC") || !strcmp(v, "GMT") || tz_posix_ok(v) || tz_file_ok(v)) {
        set_str(config_field(x, k), xstrdup(v));
        return 0;
    }
    return CONFIG_WHY("unknown time zone \"%s\" (use \"local\", a name such as Europe/Paris, or a "
               "POSIX TZ string such as UTC0)", v);
}
