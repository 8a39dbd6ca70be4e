/* daemon/daemon.h: the daemon, the layer that runs the pipeline (docs/architecture.md).
 * This folder owns one running feedsd: the configuration (config_values.c: the value
 * parsers, config_keys.c: the key table, config.c: the reader), start-up and reload
 * (setup.c: folders, configuration, the feeds synced into the database and the
 * schedule), the loop and its signals (daemon.c), the poll schedule (schedule.c), what
 * happens to a fetched document (ingest.c: parse and store), the stages after it
 * (pipeline.c: summary, markdown, file; article.c: the full article of a teaser),
 * systemd notifications (notify.c), the metrics endpoint (metrics.c) and the daemon's
 * side of `feedsd reload` (reload.c). Its state is struct app (daemon/app.h), which only
 * this folder sees. */
#ifndef FEEDSD_DAEMON_H
#define FEEDSD_DAEMON_H

/* What `feedsd run` was asked on its command line (cli/cmd_run.c). */
struct daemon_opts {
    int once;                   /* --once: poll every feed once, finish, exit */
    int verbose;                /* also log debug messages */
    const char *config_path;    /* NULL: $FEEDSD_CONFIG, else the defaults */
    const char *database, *output, *feeds;   /* overrides of the configuration, or NULL */
};

/* Runs the daemon (or one poll with --once) until a signal stops it. Returns the exit
 * status: 0 stopped, or every feed polled and file written; 1 a feed or file failed
 * (--once); 2 a configuration, database or output folder error at start. */
int daemon_run(const struct daemon_opts *opts);

#endif
