/* cli/commands.h: the command line, the top layer (docs/architecture.md). This folder owns
 * main() (main.c) and one file per command, each with its table of options and help
 * (common/cli.h): run (cmd_run.c, hands over to daemon/daemon.h), reload, status, add and
 * remove (cmd_subs.c), list, import and export (cmd_list.c), check, resummarize, version,
 * and the tools that show how feedsd reads a document: parse, parse-date, html2md, extract,
 * and what the filters keep of one: test-rules. The
 * subscription commands share subs_open.c (cli/subs.h). Nothing below this folder calls
 * into it. Each cmd_ takes argv[0] = the command's name and returns the exit status. */
#ifndef FEEDSD_COMMANDS_H
#define FEEDSD_COMMANDS_H

struct cli_cmd;
struct config;
struct db;

/* The command-line table of each (common/cli.h); .run is the function below. */
extern const struct cli_cmd cmd_run_spec, cmd_reload_spec, cmd_status_spec, cmd_add_spec,
    cmd_remove_spec, cmd_list_spec, cmd_import_spec, cmd_export_spec, cmd_check_spec,
    cmd_resummarize_spec, cmd_parse_spec, cmd_parse_date_spec, cmd_html2md_spec,
    cmd_extract_spec, cmd_version_spec, cmd_test_rules_spec;

int cmd_run(int argc, char **argv);           /* cli/cmd_run.c */
int cmd_reload(int argc, char **argv);        /* cli/cmd_reload.c */
int cmd_status(int argc, char **argv);        /* cli/cmd_status.c */
int cmd_add(int argc, char **argv);           /* cli/cmd_subs.c */
int cmd_remove(int argc, char **argv);
int cmd_list(int argc, char **argv);          /* cli/cmd_list.c */
int cmd_import(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_check(int argc, char **argv);         /* cli/cmd_check.c */
int cmd_resummarize(int argc, char **argv);   /* cli/cmd_resummarize.c */
int cmd_parse(int argc, char **argv);         /* cli/cmd_parse.c */
int cmd_parse_date(int argc, char **argv);    /* cli/cmd_parse_date.c */
int cmd_html2md(int argc, char **argv);       /* cli/cmd_html2md.c */
int cmd_extract(int argc, char **argv);       /* cli/cmd_extract.c */
int cmd_version(int argc, char **argv);       /* cli/cmd_version.c */
int cmd_test_rules(int argc, char **argv);    /* cli/cmd_test_rules.c */

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
