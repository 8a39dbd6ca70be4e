/* cli/cmd_run.c: `feedsd run [--once] ...` (docs/cli.md): reads the command line into
 * struct daemon_opts and hands over to the daemon (daemon/daemon.h). */
#include "cli/commands.h"
#include "common/cli.h"
#include "daemon/daemon.h"

enum { RUN_ONCE = 1, RUN_CONFIG, RUN_DATABASE, RUN_OUTPUT, RUN_FEEDS, RUN_VERBOSE };

static const struct cli_opt run_opts[] = {
    {"--once", NULL, NULL, RUN_ONCE,
     "poll every feed once, finish the summaries and files it made due, and exit"},
    CLI_OPT_CONFIG(RUN_CONFIG),
    CLI_OPT_DATABASE(RUN_DATABASE),
    {"--output", NULL, "DIR", RUN_OUTPUT, "the output folder, instead of the configuration's"},
    {"--feeds", NULL, "FILE", RUN_FEEDS,
     "a subscription file (OPML or one URL a line) instead of the configuration's"},
    {"--verbose", "-v", NULL, RUN_VERBOSE, "also log debug messages"},
    {NULL, NULL, NULL, 0, NULL},
};

const struct cli_cmd cmd_run_spec = {
    "run", "polls the feeds: as a daemon in the foreground, or once (--once)", NULL, 0, 0, run_opts,
    "exit status: 0 stopped by a signal, or with --once every feed polled and every due file\n"
    "written; 1 with --once, a feed failed or a file could not be written (one line each on\n"
    "stderr); 2 usage or configuration error, no feeds, or a database or output folder that\n"
    "cannot be opened",
    cmd_run};

int cmd_run(int argc, char **argv)
{
    struct daemon_opts o = {0};
    struct cli cl;
    cli_init(&cl, &cmd_run_spec, argc, argv);
    for (int id; (id = cli_next(&cl)) != CLI_END;) {
        switch (id) {
        case CLI_EXIT: return cl.status;
        case RUN_ONCE: o.once = 1; break;
        case RUN_VERBOSE: o.verbose = 1; break;
        case RUN_CONFIG: o.config_path = cl.arg; break;
        case RUN_DATABASE: o.database = cl.arg; break;
        case RUN_OUTPUT: o.output = cl.arg; break;
        case RUN_FEEDS: o.feeds = cl.arg; break;
        default: return 2;   /* CLI_ARG: run takes none, cli_next said so */
        }
    }
    return daemon_run(&o);
}
