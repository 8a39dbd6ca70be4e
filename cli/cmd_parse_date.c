/* cli/cmd_parse_date.c: `feedsd parse-date STRING` (docs/cli.md): how feeds/date.c reads a
 * date, printed in UTC. */
#include <stdint.h>
#include <stdio.h>

#include "cli/commands.h"
#include "common/cli.h"
#include "feeds/date.h"

const struct cli_cmd cmd_parse_date_spec = {
    "parse-date", "prints how feedsd reads a date, in UTC", "STRING", 1, 1, NULL,
    "Put -- before a date that begins with '-'. exit status: 0 a date, 1 not a date, 2 usage\n"
    "error",
    cmd_parse_date};

int cmd_parse_date(int argc, char **argv)
{
    const char *s = NULL;
    struct cli cl;
    cli_init(&cl, &cmd_parse_date_spec, argc, argv);
    for (int id; (id = cli_next(&cl)) != CLI_END;) {
        if (id != CLI_ARG)
            return cl.status;   /* CLI_EXIT: parse-date has no options of its own */
        s = cl.arg;
    }
    if (!s)
        return 2;   /* cli_next reported it (min_args): for the static analyzers */
    int64_t t;
    if (date_parse(s, &t) < 0) {
        /* One line whatever the argument holds: control characters are shown as '?'. */
        fputs("feedsd parse-date: not a date: ", stderr);
        for (const char *p = s; *p && p - s < 200; p++)
            fputc((unsigned char)*p < ' ' || *p == 0x7f ? '?' : *p, stderr);
        fputc('\n', stderr);
        return 1;
    }
    char out[32];
    printf("%s\n", date_format_utc(t, out, sizeof out));
    return 0;
}
