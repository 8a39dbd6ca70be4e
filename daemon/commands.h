/* daemon/commands.h: subcommands implemented by the daemon module. argv[0] is the
 * subcommand name; each returns the process exit status. */
#ifndef FEEDSD_COMMANDS_H
#define FEEDSD_COMMANDS_H

int cmd_run(int argc, char **argv);
int cmd_status(int argc, char **argv);

#endif
