/* daemon/config_keys.c: the keys of the configuration file, one table row each (name,
 * setter, field, range or choices), for the top level and for [feed URL] sections; and
 * what an unknown key is told ("did you mean interval?"). docs/configuration.md documents
 * every row (tests/integration/t_docs.py compares the two). Owner: configuration engineer. */
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "daemon/config.h"
#include "daemon/config_int.h"

#define G(f) offsetof(struct config, f)
#define F(f) offsetof(struct feed_conf, f)
#define MAXDUR (30L * DAY)

static const struct config_key global_keys[] = {
    {"database", config_set_path, G(database), 0, 0, NULL},
    {"output", config_set_path, G(output), 0, 0, NULL},
    {"filename", config_set_pattern, G(filename), 0, 0, NULL},
    {"tags", config_set_choice, G(tags), 0, 0, "off|hugo|zola"},
    {"date_format", config_set_choice, G(date_format), 0, 0, "day|time"},
    {"on_write", config_set_argv, G(on_write), 0, 0, NULL},
    {"on_write_retry", config_set_duration, G(on_write_retry), 1, 3600, NULL},
    {"output_feed", config_set_path, G(output_feed), 0, 0, NULL},
    {"output_feed_size", config_set_int, G(output_feed_size), 1, 1000, NULL},
    {"digest", config_set_choice, G(digest), 0, 0, "off|daily"},
    {"timezone", config_set_timezone, G(timezone), 0, 0, NULL},
    {"feeds", config_set_path, G(feeds_file), 0, 0, NULL},
    {"feed", config_set_feed_line, 0, 0, 0, NULL},
    {"user_agent", config_set_header_text, G(user_agent), 0, 0, NULL},
    {"metrics", config_set_header_text, G(metrics), 0, 0, NULL},
    {"proxy", config_set_proxy, G(proxy), 0, 0, NULL},
    {"interval", config_set_duration, G(interval), 60, MAXDUR, NULL},
    {"max_interval", config_set_duration, G(max_interval), 60, MAXDUR, NULL},
    {"concurrency", config_set_int, G(concurrency), 1, 1000, NULL},
    {"per_host", config_set_int, G(per_host), 1, 100, NULL},
    {"host_delay", config_set_millis, G(host_delay), 0, 3600000, NULL},
    {"allow_private", config_set_bool, G(allow_private), 0, 0, NULL},
    {"ca_file", config_set_ca_file, G(ca_file), 0, 0, NULL},
    {"adaptive", config_set_bool, G(adaptive), 0, 0, NULL},
    {"min_interval", config_set_duration, G(min_interval), 60, MAXDUR, NULL},
    {"timeout", config_set_duration, G(timeout), 1, 3600, NULL},
    {"max_size", config_set_size, G(max_size), 1L << 10, 1L << 30, NULL},
    {"backlog", config_set_backlog, G(backlog), 0, 1000000, NULL},
    {"retention", config_set_duration, G(retention), 0, 100L * 365 * DAY > INT_MAX ? INT_MAX : 100L * 365 * DAY, NULL},
    {"summarizer", config_set_choice, G(summary.backend), 0, 0, "builtin|openai|command|none"},
    {"full_content", config_set_choice, G(full_content), 0, 0, "never|auto|always"},
    {"full_content_min", config_set_int, G(full_content_min), 0, 1000000, NULL},
    {"duplicates", config_set_choice, G(duplicates), 0, 0, "merge|keep"},
    {"summary_sentences", config_set_int, G(summary.sentences), 1, 20, NULL},
    {"summary_chars", config_set_int, G(summary.chars), 50, 10000, NULL},
    {"summary_language", config_set_text, G(summary.language), 0, 0, NULL},
    {"openai_url", config_set_url, G(summary.openai_url), 0, 0, NULL},
    {"openai_model", config_set_text, G(summary.openai_model), 0, 0, NULL},
    {"openai_api_key", config_set_refused_secret, 0, 0, 0,
     "the API key does not go into the configuration: name a file with "
     "openai_api_key_file or an environment variable with openai_api_key_env"},
    {"openai_api_key_file", config_set_path, G(summary.openai_api_key_file), 0, 0, NULL},
    {"openai_api_key_env", config_set_header_text, G(summary.openai_api_key_env), 0, 0, NULL},
    {"system_prompt", config_set_prompt, G(summary.system_prompt), 0, 0, NULL},
    {"system_prompt_file", config_set_prompt_file, G(summary.system_prompt), 0, 0, NULL},
    {"prompt", config_set_prompt, G(summary.prompt), 0, 0, NULL},
    {"prompt_file", config_set_prompt_file, G(summary.prompt), 0, 0, NULL},
    {"max_input", config_set_int, G(summary.max_input), 500, 10000000, NULL},
    {"temperature", config_set_real, G(summary.temperature), -1, 2, NULL},
    {"max_tokens", config_set_int, G(summary.max_tokens), 0, 1000000, NULL},
    {"summary_timeout", config_set_duration, G(summary.timeout), 1, 6 * 3600, NULL},
    {"command", config_set_command, G(summary.command), 0, 0, NULL},
    {"summary_concurrency", config_set_int, G(summary.concurrency), 1, 64, NULL},
    {"summary_rate", config_set_int, G(summary.rate), 0, 100000, NULL},
    {"summary_attempts", config_set_int, G(summary.attempts), 1, 100, NULL},
    {"summary_retry", config_set_duration, G(summary.retry), 1, DAY, NULL},
    {"summary_fallback", config_set_choice, G(summary.fallback), 0, 0, "builtin|none"},
    {"summary_max_wait", config_set_duration, G(summary.max_wait), 0, MAXDUR, NULL},
    {"summary_min_length", config_set_int, G(summary.min_length), 0, 1000000, NULL},
    {"summarize_backlog", config_set_bool, G(summary.backlog), 0, 0, NULL},
    {"summary_circuit", config_set_duration, G(summary.circuit), 1, DAY, NULL},
    {"include", config_set_filter, 0, FILTER_INCLUDE, 0, NULL},
    {"exclude", config_set_filter, 0, FILTER_EXCLUDE, 0, NULL},
};

static const struct config_key feed_keys[] = {
    {"title", config_set_text, F(title), 0, 0, NULL},
    {"category", config_set_category, F(category), 0, 0, NULL},
    {"interval", config_set_duration, F(interval), 60, MAXDUR, NULL},
    {"backlog", config_set_backlog, F(backlog), 0, 1000000, NULL},
    {"summarizer", config_set_choice, F(summarizer), 0, 0, "builtin|openai|command|none"},
    {"full_content", config_set_choice, F(full_content), 0, 0, "never|auto|always"},
    {"duplicates", config_set_choice, F(duplicates), 0, 0, "merge|keep"},
    {"ca_file", config_set_ca_file, F(ca_file), 0, 0, NULL},
    {"username", config_set_username, F(username), 0, 0, NULL},
    {"password_file", config_set_path, F(password_file), 0, 0, NULL},
    {"password", config_set_refused_secret, 0, 0, 0,
     "the password does not go into the configuration: name a file with password_file"},
    {"header", config_set_header_line, 0, HEADER_TEXT, 0, NULL},
    {"header_file", config_set_header_line, 0, HEADER_FILE, 0, NULL},
    {"header_env", config_set_header_line, 0, HEADER_ENV, 0, NULL},
    {"cookie_file", config_set_path, F(cookie_file), 0, 0, NULL},
    {"user_agent", config_set_header_text, F(user_agent), 0, 0, NULL},
    {"proxy", config_set_proxy, F(proxy), 0, 0, NULL},
    {"include", config_set_filter, 0, FILTER_INCLUDE, 0, NULL},
    {"exclude", config_set_filter, 0, FILTER_EXCLUDE, 0, NULL},
};

static const struct config_key *key_find(const struct config_key *t, size_t n, const char *name)
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
static const char *key_suggest(const struct config_key *t, size_t n, const char *name)
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

#define NGLOBAL (sizeof global_keys / sizeof *global_keys)
#define NFEED (sizeof feed_keys / sizeof *feed_keys)

const struct config_key *config_key_find(struct config_ctx *x, const char *name)
{
    const struct config_key *k = x->feed ? key_find(feed_keys, NFEED, name)
                                         : key_find(global_keys, NGLOBAL, name);
    if (k)
        return k;
    const char *near = x->feed ? key_suggest(feed_keys, NFEED, name)
                               : key_suggest(global_keys, NGLOBAL, name);
    if (x->feed && key_find(global_keys, NGLOBAL, name))
        snprintf(x->why, x->whylen,
                 "not a per-feed key (global keys go before the first [feed] section)");
    else if (!x->feed && key_find(feed_keys, NFEED, name))
        snprintf(x->why, x->whylen, "a per-feed key: it goes in a [feed URL] section");
    else if (near)
        snprintf(x->why, x->whylen, "unknown key; did you mean %s?", near);
    else
        snprintf(x->why, x->whylen, "unknown key");
    return NULL;
}
