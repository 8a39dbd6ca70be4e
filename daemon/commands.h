/* daemon/commands.h: subcommands implemented by the daemon module. argv[0] is the
 * subcommand name; each returns the process exit status. */
#ifndef FEEDSD_COMMANDS_H
#define FEEDSD_COMMANDS_H

struct config;
struct db;

int cmd_run(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_resummarize(int argc, char **argv);
int cmd_version(int argc, char **argv);   /* daemon/version.c */
int cmd_reload(int argc, char **argv);    /* daemon/reload.c */

/* For commands that read the database: loads the configuration (config_path may be NULL),
 * then opens the database it names (database overrides). Prints the error and returns -1;
 * on success the caller owns both (config_free, db_close). */
int cli_open(const char *config_path, const char *database, struct config *c,
             struct db **db);

#endif
