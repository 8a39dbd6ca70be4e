/* fuzz/fuzz_opml.c: libFuzzer target for the subscription-file reader (feeds/opml.h),
 * OPML or a plain URL list. PROPERTY: on success every entry has a non-empty URL and a
 * positive line number, and no URL appears twice (the header promises repeated URLs are
 * kept once). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feeds/opml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct opml_feed *feeds = NULL;
    size_t n = 0;
    char err[256];
    if (opml_parse((const char *)data, size, &feeds, &n, err, sizeof err) == 0) {
        for (size_t i = 0; i < n; i++) {
            if (!feeds[i].url || !*feeds[i].url || feeds[i].line < 1) {
                fprintf(stderr, "fuzz_opml: entry %zu: url=%s line=%d\n", i,
                        feeds[i].url ? feeds[i].url : "(null)", feeds[i].line);
                abort();
            }
            for (size_t j = 0; j < i; j++)
                if (!strcmp(feeds[i].url, feeds[j].url)) {
                    fprintf(stderr, "fuzz_opml: %s listed twice\n", feeds[i].url);
                    abort();
                }
        }
    } else if (!err[0]) {
        fprintf(stderr, "fuzz_opml: failure without a reason\n");
        abort();
    }
    opml_free(feeds, n);
    return 0;
}
