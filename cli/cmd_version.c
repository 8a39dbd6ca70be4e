/* cli/cmd_version.c: `feedsd --version`. The libraries that shape feedsd's behaviour, as
 * loaded at run time (a shared library can be newer than the headers feedsd was built
 * with: both are printed where they differ), which libxml2 accelerators are on
 * (feeds/xml_compat.h) and whether HTTPS connections share CA stores (fetch_trust.c). The first line stays "feedsd VERSION" for scripts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <ev.h>
#include <jansson.h>
#include <libxml/xmlversion.h>
#include <sqlite3.h>

#include "cli/commands.h"
#include "common/cli.h"
#include "feeds/xml_compat.h"
#include "fetch/fetch.h"

/* 20914 -> "2.9.14" */
static void dotted(int v, char *out, size_t n)
{
    snprintf(out, n, "%d.%d.%d", v / 10000, v / 100 % 100, v % 100);
}

static void line(const char *name, const char *loaded, const char *built, const char *extra)
{
    printf("%s %s", name, loaded);
    if (strcmp(loaded, built) != 0)
        printf(" (built with %s)", built);
    if (extra && *extra)
        printf(" (%s)", extra);
    putchar('\n');
}

const struct cli_cmd cmd_version_spec = {
    "version", "prints the version of feedsd and of the libraries in use", NULL, 0, 0, NULL,
    "Also 'feedsd --version'.", cmd_version};

int cmd_version(int argc, char **argv)
{
    struct cli cl;
    cli_init(&cl, &cmd_version_spec, argc, argv);
    if (cli_next(&cl) != CLI_END)
        return cl.status;   /* --help, or anything else: a usage error */
    printf("feedsd %s\n", FEEDSD_VERSION);
    char xml[32];
    dotted(xml_loaded_version(), xml, sizeof xml);
    line("libxml2", xml, LIBXML_DOTTED_VERSION, NULL);
    const curl_version_info_data *cv = curl_version_info(CURLVERSION_NOW);
    line("libcurl", cv->version, LIBCURL_VERSION, cv->ssl_version);
    line("sqlite", sqlite3_libversion(), SQLITE_VERSION, NULL);
    char ev[32], ev_built[32];
    snprintf(ev, sizeof ev, "%d.%d", ev_version_major(), ev_version_minor());
    snprintf(ev_built, sizeof ev_built, "%d.%d", EV_VERSION_MAJOR, EV_VERSION_MINOR);
    line("libev", ev, ev_built, NULL);
    line("jansson", jansson_version_str(), JANSSON_VERSION, NULL);
    for (int a = 0; a < XML_ACCEL_COUNT; a++) {
        if (xml_accel_on(a))
            printf("accelerator %s: on\n", xml_accel_name(a));
        else
            printf("accelerator %s: off (%s)\n", xml_accel_name(a), xml_accel_why_off(a));
    }
    const char *ca = fetch_ca_store_why_off();
    if (ca)
        printf("CA store: libcurl's, read at each connection (%s)\n", ca);
    else
        printf("CA store: shared, kept in memory\n");
    return 0;
}
