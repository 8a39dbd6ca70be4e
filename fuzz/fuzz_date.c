/* fuzz/fuzz_date.c: libFuzzer target for feeds/date.h. Any input must parse or be
 * refused without a sanitizer report; a date that parses must survive the round trip
 * date_format_utc -> date_parse unchanged (the output files and `feedsd parse` print
 * that form, and re-reading them must give the same instant). The first 8 bytes also
 * serve as a raw timestamp for the formatter, which must cope with any int64. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feeds/date.h"

/* date_format_utc promises four-digit years up to 9999 and full years beyond; the parser
 * reads years 0-99999 (a feed's "year 99999" must not wrap). Round-trip what both sides
 * can express: year 0001 to 9999. */
#define RT_MIN (-62135596800LL)   /* 0001-01-01T00:00:00Z */
#define RT_MAX (253402300799LL)   /* 9999-12-31T23:59:59Z */

static void round_trip(int64_t t, const char *from)
{
    char out[48];
    date_format_utc(t, out, sizeof out);
    if (t < RT_MIN || t > RT_MAX)
        return;
    int64_t back;
    if (date_parse(out, &back) != 0 || back != t) {
        fprintf(stderr, "fuzz_date: %s -> %lld -> \"%s\" -> %s %lld\n", from, (long long)t,
                out, date_parse(out, &back) ? "refused" : "parsed", (long long)back);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    int64_t t;
    if (date_parse(s, &t) == 0)
        round_trip(t, "input");
    free(s);

    if (size >= 8) {
        int64_t raw;
        memcpy(&raw, data, sizeof raw);
        char out[48];
        date_format_utc(raw, out, sizeof out);   /* any instant: no overflow, no UB */
        round_trip(raw % (RT_MAX + 1), "raw");
    }
    return 0;
}
