/* summary/backend.c: the two model backends of the summary queue.
 *  - openai: POST {openai_url}/chat/completions, the chat-completions JSON that OpenAI,
 *    Ollama, llama.cpp's server, vLLM and LM Studio all speak, on the daemon's own curl
 *    multi handle (so a slow model never holds up polling);
 *  - command: a program run with the post as markdown on stdin (summary/child.c), split
 *    into words without a shell; nothing from a feed ever becomes an argument, the post's
 *    title, URL and feed reach it as environment variables.
 * The API key is read from a file or an environment variable and is never logged. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "common/log.h"
#include "common/util.h"
#include "fetch/fetch.h"
#include "markdown/html2md.h"
#include "storage/db.h"
#include "summary/child.h"
#include "summary/summary_int.h"

#define MAX_ANSWER (4L << 20)   /* bytes of a model's answer */

static const char default_system_prompt[] =
    "You write summaries of blog posts and articles for a reader's archive. Write in "
    "{language}. Reply with the summary only, in markdown, without any preamble.";

static const char default_prompt[] =
    "Summarize the post below. Start with a line \"**Summary**:\" followed by a short "
    "abstract of three to five sentences. Then a line \"**Key points**:\" followed by a "
    "numbered list of the three to six most important points, each starting with a short "
    "bold phrase.\n\nTitle: {title}\nURL: {url}\n\n{content}";

static const char *system_prompt(const struct summary *s)
{
    return s->cfg->system_prompt ? s->cfg->system_prompt : default_system_prompt;
}

static const char *user_prompt(const struct summary *s)
{
    return s->cfg->prompt ? s->cfg->prompt : default_prompt;
}

/* What {language} says: the configured language, else the post's own. */
static char *language_phrase(const struct summary *s, const struct db_entry *e)
{
    if (s->cfg->language)
        return xstrdup(s->cfg->language);
    if (e->feed_language && *e->feed_language)
        return xasprintf("the language of the post (%s)", e->feed_language);
    return xstrdup("the language of the post");
}

/* The post as markdown, cut at a paragraph boundary to fit max_input characters. */
static char *post_markdown(const struct summary *s, const struct db_entry *e)
{
    char *md = html2md(e->content ? e->content : "", e->content ? strlen(e->content) : 0,
                       e->link);
    size_t limit = 0, chars = 0, i = 0;
    for (; md[i]; i++) {
        if (((unsigned char)md[i] & 0xC0) != 0x80 && ++chars > (size_t)s->cfg->max_input)
            break;
    }
    if (!md[i])
        return md;
    limit = i;
    /* Cut at the last paragraph break that keeps at least half of the budget. */
    for (size_t k = limit; k > limit / 2; k--)
        if (md[k - 1] == '\n' && k >= 2 && md[k - 2] == '\n') {
            limit = k - 2;
            break;
        }
    md[limit] = '\0';
    return md;
}

/* Fills {title} {url} {content} {language} {feed}; values are not scanned again. */
static char *render(const char *tmpl, const char *const vals[5])
{
    static const char *const names[5] = {"{title}", "{url}", "{content}", "{language}", "{feed}"};
    struct buf b = {0};
    for (const char *p = tmpl; *p;) {
        int hit = -1;
        if (*p == '{')
            for (int i = 0; i < 5; i++)
                if (!strncmp(p, names[i], strlen(names[i])))
                    hit = i;
        if (hit < 0) {
            buf_putc(&b, *p++);
            continue;
        }
        buf_puts(&b, vals[hit] ? vals[hit] : "");
        p += strlen(names[hit]);
    }
    return buf_steal(&b);
}

static char *backend_by(const struct summary *s, enum summary_backend b)
{
    if (b == SB_OPENAI)
        return xasprintf("openai/%s", s->cfg->openai_model ? s->cfg->openai_model : "?");
    const char *prog = s->argv ? s->argv[0] : "?";
    const char *slash = strrchr(prog, '/');
    return xasprintf("command/%s", slash ? slash + 1 : prog);
}

char *summary_request_key(const struct summary *s, enum summary_backend b,
                          const struct db_entry *e)
{
    uint64_t h = HASH64_INIT;
    const char *parts[6];
    char *by = backend_by(s, b);
    char *lang = language_phrase(s, e);
    parts[0] = by;
    parts[1] = b == SB_COMMAND ? (s->cfg->command ? s->cfg->command : "") : system_prompt(s);
    parts[2] = b == SB_COMMAND ? "" : user_prompt(s);
    parts[3] = lang;
    parts[4] = e->content ? e->content : "";
    char maxin[32];
    snprintf(maxin, sizeof maxin, "%d", s->cfg->max_input);
    parts[5] = maxin;
    for (int i = 0; i < 6; i++) {
        h = hash64_update(h, parts[i], strlen(parts[i]));
        h = hash64_update(h, "\x1f", 1);
    }
    free(by);
    free(lang);
    char hex[17];
    hash_hex(h, hex);
    return xstrdup(hex);
}

/* ---- configuration ------------------------------------------------------------------- */

void summary_backend_release(struct summary *st)
{
    if (st->api_key) {
        memset(st->api_key, 0, strlen(st->api_key));
        free(st->api_key);
    }
    st->api_key = NULL;
    free(st->config_error);
    st->config_error = NULL;
    argv_free(st->argv);
    st->argv = NULL;
}

/* An API key that other users can read is as good as theirs (common/util.h,
 * file_readable_by_others). */
static void key_file_check(const char *path)
{
    unsigned mode;
    const char *who = file_readable_by_others(path, &mode);
    if (who)
        log_warn("openai_api_key_file %s can be read by %s (mode %04o): run 'chmod 600 %s'",
                 path, who, mode, path);
}

int summary_backend_configure(struct summary *st, unsigned feed_backends, char *err,
                              size_t errlen)
{
    summary_backend_release(st);
    const struct summary_config *c = st->cfg;
    unsigned uses = feed_backends | 1u << summary_backend_named(c->backend, SB_BUILTIN);
    int uses_openai = (uses >> SB_OPENAI) & 1, uses_command = (uses >> SB_COMMAND) & 1;
    char why[512] = "";
    if (uses_command) {
        if (!c->command)
            snprintf(why, sizeof why, "summarizer = command needs a command = line");
        else
            st->argv = argv_split(c->command, why, sizeof why);   /* NULL: why is set */
    }
    if (uses_openai && !*why) {
        if (!c->openai_model) {
            snprintf(why, sizeof why, "summarizer = openai needs openai_model");
        } else if (c->openai_api_key_file) {
            char *data;
            size_t len;
            if (file_read_all(c->openai_api_key_file, &data, &len) < 0)
                snprintf(why, sizeof why, "cannot read the API key file %s: %s",
                         c->openai_api_key_file, strerror(errno));
            else
                st->api_key = str_trim(data);
            key_file_check(c->openai_api_key_file);
        } else if (c->openai_api_key_env) {
            const char *v = getenv(c->openai_api_key_env);
            if (!v || !*v)
                snprintf(why, sizeof why, "the environment variable %s (openai_api_key_env) "
                         "is not set", c->openai_api_key_env);
            else
                st->api_key = xstrdup(v);
        }
        if (st->api_key && strpbrk(st->api_key, "\r\n")) {
            snprintf(why, sizeof why, "the API key contains a line break");
            summary_backend_release(st);
        }
    }
    if (*why) {
        /* Before the daemon is ready this stops it; after a reload requests fail with it. */
        st->config_error = xstrdup(why);
        snprintf(err, errlen, "%s", why);
        return -1;
    }
    return 0;
}

/* ---- openai -------------------------------------------------------------------------- */

static char *openai_body(const struct summary *s, const char *sys, const char *user)
{
    json_t *root = json_object();
    json_object_set_new(root, "model", json_string(s->cfg->openai_model));
    json_t *msgs = json_array();
    json_t *m = json_object();
    json_object_set_new(m, "role", json_string("system"));
    json_object_set_new(m, "content", json_string(sys));
    json_array_append_new(msgs, m);
    m = json_object();
    json_object_set_new(m, "role", json_string("user"));
    json_object_set_new(m, "content", json_string(user));
    json_array_append_new(msgs, m);
    json_object_set_new(root, "messages", msgs);
    json_object_set_new(root, "stream", json_false());
    if (s->cfg->temperature >= 0)
        json_object_set_new(root, "temperature", json_real(s->cfg->temperature));
    if (s->cfg->max_tokens > 0)
        json_object_set_new(root, "max_tokens", json_integer(s->cfg->max_tokens));
    char *text = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    return text;
}

/* choices[0].message.content of a chat completion, or an error. */
static char *openai_answer(const char *body, size_t len, char *err, size_t errlen)
{
    json_error_t je;
    json_t *root = json_loadb(body, len, 0, &je);
    if (!root) {
        snprintf(err, errlen, "malformed JSON in the answer (%s)", je.text);
        return NULL;
    }
    char *out = NULL;
    json_t *e = json_object_get(root, "error");
    json_t *content = json_object_get(
        json_object_get(json_array_get(json_object_get(root, "choices"), 0), "message"),
        "content");
    if (json_is_string(content)) {
        out = xstrdup(json_string_value(content));
    } else if (e) {
        json_t *msg = json_is_object(e) ? json_object_get(e, "message") : e;
        snprintf(err, errlen, "the server answered an error: %.300s",
                 json_is_string(msg) ? json_string_value(msg) : "(no message)");
    } else {
        snprintf(err, errlen, "the answer has no choices[0].message.content");
    }
    json_decref(root);
    return out;
}

static void openai_done(void *ud, const struct fetch_result *r)
{
    struct summary_job *j = ud;
    struct job_outcome o = {.retry_after = -1};
    char err[512] = "";
    char *text = NULL;
    if (!r->ok) {
        snprintf(err, sizeof err, "%s", r->error ? r->error : "transfer failed");
    } else if (r->status == 429 || r->status == 503) {
        snprintf(err, sizeof err, "HTTP %ld (busy)", r->status);
        o.retry_after = r->retry_after;
    } else if (r->status < 200 || r->status > 299) {
        /* The body of an error page is logged shortened, never written as a summary. */
        char excerpt[160];
        snprintf(excerpt, sizeof excerpt, "%.150s", r->body ? r->body : "");
        for (char *p = excerpt; *p; p++)
            if ((unsigned char)*p < ' ')
                *p = ' ';
        snprintf(err, sizeof err, "HTTP %ld: %s", r->status, excerpt);
    } else {
        text = openai_answer(r->body, r->len, err, sizeof err);
    }
    o.ok = text != NULL;
    o.text = text;
    o.error = err;
    summary_job_done(j, &o);
    free(text);
}

static void start_openai(struct summary *st, struct summary_job *j, const struct db_entry *e)
{
    const struct summary_config *c = st->cfg;
    char *md = post_markdown(st, e);
    char *lang = language_phrase(st, e);
    const char *vals[5] = {e->title, e->link, md, lang, e->feed_title};
    char *sys = render(system_prompt(st), vals);
    char *user = render(user_prompt(st), vals);
    char *body = openai_body(st, sys, user);
    size_t ul = strlen(c->openai_url);
    while (ul && c->openai_url[ul - 1] == '/')
        ul--;   /* "http://host/v1/" and "http://host/v1" name the same base */
    char *url = xasprintf("%.*s/chat/completions", (int)ul, c->openai_url);
    char *auth = st->api_key ? xasprintf("Authorization: Bearer %s", st->api_key) : NULL;
    const char *headers[] = {"Content-Type: application/json", "Accept: application/json",
                             auth, NULL};
    struct fetch_request rq = {
        .url = url, .body = body, .body_len = strlen(body), .headers = headers,
        .timeout = c->timeout, .unlimited = 1, .max_size = MAX_ANSWER,
    };
    if (fetch_request_start(st->host.fetch, &rq, openai_done, j) < 0) {
        struct job_outcome o = {.error = "cannot start the request", .retry_after = -1};
        summary_job_done(j, &o);
    }
    if (auth) {
        memset(auth, 0, strlen(auth));
        free(auth);
    }
    free(url);
    free(body);
    free(user);
    free(sys);
    free(lang);
    free(md);
}

/* ---- command ------------------------------------------------------------------------- */

static void command_done(void *ud, const struct child_result *r)
{
    struct summary_job *j = ud;
    j->child = NULL;
    struct job_outcome o = {.retry_after = -1};
    char err[600] = "";
    if (r->spawn_error) {
        snprintf(err, sizeof err, "cannot run the command: %s", r->spawn_error);
    } else if (r->timed_out) {
        char dur[32];
        duration_format(j->s->cfg->timeout, dur, sizeof dur);
        snprintf(err, sizeof err, "the command timed out after %s", dur);
    } else if (r->output_capped) {
        snprintf(err, sizeof err, "the command wrote more than %ld bytes", MAX_ANSWER);
    } else if (r->signaled) {
        snprintf(err, sizeof err, "the command was killed by signal %d", r->term_signal);
    } else if (!r->exited || r->exit_code != 0) {
        /* Its stderr says why: logged (one line), never written as a summary. */
        char excerpt[300];
        snprintf(excerpt, sizeof excerpt, "%.280s", r->err ? r->err : "");
        for (char *p = excerpt; *p; p++)
            if ((unsigned char)*p < ' ')
                *p = ' ';
        snprintf(err, sizeof err, "the command exited with status %d: %s", r->exit_code,
                 str_trim(excerpt));
    } else {
        o.ok = 1;
        o.text = r->out;
    }
    o.error = err;
    summary_job_done(j, &o);
}

static void start_command(struct summary *s, struct summary_job *j, const struct db_entry *e)
{
    char *md = post_markdown(s, e);
    char *lang = language_phrase(s, e);
    /* Values from the feed go into the environment, never into argv. */
    char *env[] = {
        xasprintf("FEEDSD_TITLE=%s", e->title ? e->title : ""),
        xasprintf("FEEDSD_URL=%s", e->link ? e->link : ""),
        xasprintf("FEEDSD_FEED=%s", e->feed_title ? e->feed_title : ""),
        xasprintf("FEEDSD_LANGUAGE=%s", lang),
        NULL,
    };
    /* An environment string ends at a NUL; a newline in a title is harmless there. */
    j->child = child_start(s->host.loop, s->argv, env, md, strlen(md), s->cfg->timeout,
                           MAX_ANSWER, command_done, j);
    for (char **p = env; *p; p++)
        free(*p);
    free(lang);
    free(md);
    if (!j->child) {
        char err[256];
        snprintf(err, sizeof err, "cannot start the command: %s", strerror(errno));
        struct job_outcome o = {.error = err, .retry_after = -1};
        summary_job_done(j, &o);
    }
}

void summary_backend_start(struct summary *s, struct summary_job *j, const struct db_entry *e)
{
    j->by = backend_by(s, j->backend);
    if (s->config_error) {
        struct job_outcome o = {.error = s->config_error, .retry_after = -1};
        summary_job_done(j, &o);
        return;
    }
    if (j->backend == SB_OPENAI)
        start_openai(s, j, e);
    else
        start_command(s, j, e);
}

void summary_backend_cancel(struct summary_job *j)
{
    if (j->child)
        child_cancel(j->child);
    j->child = NULL;
}
