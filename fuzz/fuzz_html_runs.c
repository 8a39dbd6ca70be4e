/* fuzz/fuzz_html_runs.c: libFuzzer target for the text runs hidden from libxml2's HTML
 * parser (markdown/html_runs.h).
 * PROPERTY: html_parse() gives the same tree, node for node with the same names,
 * attributes and text, with the runs hidden and without (xml_accel_set): the
 * markers never change how libxml2 reads a document, and their text comes back whole.
 * Documents that html_runs refuses are parsed as they are both times: not compared. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feeds/xml_compat.h"
#include "markdown/html2md_int.h"
#include "markdown/html_runs.h"

/* runs: 0 none hidden, 1 the long ones (the daemon's way), 2 every one. The accelerator
 * goes back on after the parse; *hid says whether the runs were hidden. */
static char *runs_tree(const char *html, size_t len, int runs, int *hid)
{
    xml_accel_set(XML_ACCEL_HTML_RUNS, runs != 0);
    htmlDocPtr doc = html_parse_runs(html, len, runs == 2 ? 1 : HTML_MIN_RUN, hid);
    xml_accel_set(XML_ACCEL_HTML_RUNS, 1);
    char *t = html_runs_dump(doc);
    if (doc)
        xmlFreeDoc(doc);
    return t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *html = (const char *)data;
    /* every run hidden, however short: the fuzzer's documents are small */
    int hid;
    char *with = runs_tree(html, size, 2, &hid);
    if (!hid) { /* parsed as it is: the second parse would be the same */
        free(with);
        return 0;
    }
    char *without = runs_tree(html, size, 0, &hid);
    if (strcmp(with, without) != 0) {
        size_t at = 0;
        while (with[at] && with[at] == without[at])
            at++;
        size_t from = at > 80 ? at - 80 : 0;
        fprintf(stderr, "fuzz_html_runs: trees differ at byte %zu\n  hidden: %.200s\n  plain:  %.200s\n",
                at, with + from, without + from);
        abort();
    }
    free(with);
    free(without);
    return 0;
}
