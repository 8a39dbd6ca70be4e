/* daemon/config_int.h: what the three files of the configuration reader share (not for
 * other modules): config_values.c reads and checks one value (the setters), config_keys.c
 * is the table of keys, config.c reads the file line by line and keeps the feeds. */
#ifndef FEEDSD_CONFIG_INT_H
#define FEEDSD_CONFIG_INT_H

#include <stddef.h>
#include <stdio.h>

#include "daemon/config.h"

#define DAY (24 * 3600)

struct config_lines;

/* Everything a setter needs: the value, the folder for relative paths, and where to
 * write a reason (without the FILE:LINE: KEY: prefix, which the caller adds). */
struct config_ctx {
    struct config *c;
    struct feed_conf *feed;      /* the current [feed] section, NULL at top level */
    const char *base;            /* folder of the configuration file */
    int line;                    /* current line number */
    struct config_lines *lines;  /* where each feed of this file was defined */
    char *why;
    size_t whylen;
};

struct config_key;
typedef int (*config_setter)(struct config_ctx *x, const struct config_key *k, const char *v);

struct config_key {
    const char *name;
    config_setter set;
    size_t off;                  /* field in struct config or struct feed_conf */
    long min, max;
    const char *expect;          /* for messages: "a duration like 30m"; choices a|b|c */
};

/* The reason of a setter's refusal: written to x->why; the expression is -1. */
#define CONFIG_WHY(...) (snprintf(x->why, x->whylen, __VA_ARGS__), -1)

/* config_keys.c: the key of that name at the top level (x->feed NULL) or in a [feed]
 * section, or NULL with the reason in x->why (a key of the other level, a near name). */
const struct config_key *config_key_find(struct config_ctx *x, const char *name);

/* config.c: adds a feed URL of this file (a "feed =" line or a [feed URL] section);
 * refuses a URL that is not http(s) or already subscribed, naming the earlier line. */
int config_feed_add(struct config_ctx *x, const char *url);
int config_set_feed_line(struct config_ctx *x, const struct config_key *k, const char *v);

/* config_values.c: the setters of the key table. Each reads v, checks it against k
 * (range, choices) and stores it in the field k names; 0, or -1 with CONFIG_WHY. */
int config_set_path(struct config_ctx *x, const struct config_key *k, const char *v);
int config_set_text(struct config_ctx *x, const struct config_key *k, const char *v);
int config_set_header_text(struct config_ctx *x, const struct config_key *k, const char *v);
int config_set_pattern(struct config_ctx *x, const struct config_key *k, const char *v);
int config_set_choice(struct config_ctx *x, const struct config_key *k, const char *v);
int config_set_int(struct config_ctx *x, const struct config_key *k, const char *v);
int config_set_duration(struct config_ctx *x, const struct config_key *k, const char *v);
int config_set_millis(struct config_ctx *x, const struct config_key *k, const char *v);
int config_set_size(struct config_ctx *x, const struct config_key *k, const char *v);
int config_set_backlog(struct config_ctx *x, const struct config_key *k, const char *v);
int config_set_bool(struct config_ctx *x, const struct config_key *k, const char *v);
int config_set_real(struct config_ctx *x, const struct config_key *k, const char *v);
int config_set_prompt(struct config_ctx *x, const struct config_key *k, const char *v);
int config_set_prompt_file(struct config_ctx *x, const struct config_key *k, const char *v);
int config_set_ca_file(struct config_ctx *x, const struct config_key *k, const char *v);
int config_set_filter(struct config_ctx *x, const struct config_key *k, const char *v);
int config_set_category(struct config_ctx *x, const struct config_key *k, const char *v);
int config_set_username(struct config_ctx *x, const struct config_key *k, const char *v);
int config_set_proxy(struct config_ctx *x, const struct config_key *k, const char *v);
int config_set_header_line(struct config_ctx *x, const struct config_key *k, const char *v);
int config_set_refused_secret(struct config_ctx *x, const struct config_key *k, const char *v);
int config_set_command(struct config_ctx *x, const struct config_key *k, const char *v);
int config_set_argv(struct config_ctx *x, const struct config_key *k, const char *v);
int config_set_url(struct config_ctx *x, const struct config_key *k, const char *v);
int config_set_timezone(struct config_ctx *x, const struct config_key *k, const char *v);

#endif
