/* tests/unit/testdata.h: where the unit tests find the real-feed corpus of the repository
 * (tests/data/feeds, described in its SOURCES.md). make runs the tests from the
 * repository's root; FEEDSD_TESTDATA names another folder. A missing corpus fails the
 * test that needs it: a packager building from a partial tree must not get a pass that
 * checked only the crafted cases. */
#ifndef FEEDSD_TESTS_TESTDATA_H
#define FEEDSD_TESTS_TESTDATA_H

#include <stdlib.h>

#define TESTDATA_DEFAULT "tests/data/feeds"

static inline const char *testdata_dir(void)
{
    const char *env = getenv("FEEDSD_TESTDATA");
    return env && *env ? env : TESTDATA_DEFAULT;
}

#endif
