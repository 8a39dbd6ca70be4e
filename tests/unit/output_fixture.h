/* tests/unit/output_fixture.h: what the unit tests of the post's text and its name
 * (test_output.c, test_output_path.c) share: the time zone a test renders in, and the
 * instant of docs/example-output.md's post. static inline: each test file uses a part of
 * it. */
#ifndef FEEDSD_TESTS_OUTPUT_FIXTURE_H
#define FEEDSD_TESTS_OUTPUT_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <time.h>

#define T_2024_12_20_0300Z 1734663600   /* 2024-12-20T03:00:00Z */

static inline void use_tz(const char *tz)
{
    setenv("TZ", tz, 1);
    tzset();
}

#endif
