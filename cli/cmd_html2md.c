/* cli/cmd_html2md.c: `feedsd html2md [--base-url URL] [FILE]` (docs/cli.md): the markdown
 * that a post's HTML becomes (markdown/html2md.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "common/cli.h"
#include "common/util.h"
#include "markdown/html2md.h"

enum { H_BASE_URL = 1 };

static const struct cli_opt html2md_opts[] = {
    {"--base-url", NULL, "URL", H_BASE_URL, "make relative links and images absolute"},
    {NULL, NULL, NULL, 0, NULL},
};

const struct cli_cmd cmd_html2md_spec = {
    "html2md", "prints the markdown that a post's HTML becomes", "[FILE]", 0, 1,
    html2md_opts,
    "Without FILE, or with '-', it reads standard input. exit status: 0 converted, 1 the\n"
    "input cannot be read or the output written, 2 usage error",
    cmd_html2md};

int cmd_html2md(int argc, char **argv)
{
    const char *base = NULL, *file = NULL;
    struct cli cl;
    cli_init(&cl, &cmd_html2md_spec, argc, argv);
    for (int id; (id = cli_next(&cl)) != CLI_END;) {
        if (id == CLI_ARG)
            file = cl.arg;
        else if (id == H_BASE_URL)
            base = cl.arg;
        else
            return cl.status;   /* CLI_EXIT */
    }
    char *html = NULL;
    size_t len = 0;
    if (file_read_all(file ? file : "-", &html, &len) != 0) {
        fprintf(stderr, "feedsd html2md: cannot read %s: %s\n",
                file ? file : "standard input", strerror(errno));
        return 1;
    }
    char *md = html2md(html, len, base);
    free(html);
    fputs(md, stdout);
    free(md);
    if (fflush(stdout) != 0) {
        fprintf(stderr, "feedsd html2md: cannot write the output\n");
        return 1;
    }
    return 0;
}
