/* daemon/commands.h: subcommands implemented by the daemon module. argv[0] is the
 * subcommand name; each returns the process exit status. */
#ifndef FEEDSD_COMMANDS_H
#define FEEDSD_COMMANDS_H

struct cli_cmd;
struct config;
struct db;

/* The command-line table of each (common/cli.h); .run is the function below. */
extern const struct cli_cmd cmd_run_spec, cmd_status_spec, cmd_resummarize_spec,
    cmd_version_spec, cmd_reload_spec;

int cmd_run(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_resummarize(int argc, char **argv);
int cmd_version(int argc, char **argv);   /* daemon/version.c */
int cmd_reload(int argc, char **argv);    /* daemon/reload.c */

/* The two options of every command that reads the database, for their tables. */
#define CLI_OPT_CONFIG(id)                                                                 \
    {"--config", "-c", "CONFIG", id,                                                       \
     "the configuration file (default: $FEEDSD_CONFIG, else the built-in defaults)"}
#define CLI_OPT_DATABASE(id)                                                               \
    {"--database", NULL, "PATH", id, "the database, instead of the configuration's"}

/* For commands that read the database: loads the configuration (config_path may be NULL),
 * then opens the database it names (database overrides). Prints the error and returns -1;
 * on success the caller owns both (config_free, db_close). */
int cli_open(const char *config_path, const char *database, struct config *c,
             struct db **db);

#endif
