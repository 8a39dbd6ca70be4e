/* tests/unit/test_xml_compat.c: the libxml2 version layer (feeds/xml_compat.h). The
 * accelerators are on exactly where the version table allows them, for the library
 * loaded; FEEDSD_ACCEL narrows them; the daemon's parsers take the plain libxml2 path
 * when they are off; a parse that libxml2 cut short is recognised on every version. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "feeds/xml_compat.h"
#include "markdown/html2md_int.h"

/* What the table says for the library loaded, independently of xml_compat.c's code. */
static int expected_on(enum xml_accel a)
{
    int v = xml_loaded_version();
#ifdef FEEDSD_ACCEL_UNPROVEN
    (void)v, (void)a;
    return 1;
#else
    if (v != LIBXML_VERSION)   /* the headers' offsets are sure only for their version */
        return 0;
    if (a == XML_ACCEL_CDATA)
        return FEEDSD_HAVE_XML_CDATA && XML_CDATA_PROVEN(v);
    return FEEDSD_HAVE_HTML_RUNS && HTML_RUNS_PROVEN(v);
#endif
}

static void accelerators_follow_the_table(void **state)
{
    (void)state;
    unsetenv("FEEDSD_ACCEL");
    xml_accel_reset();
    for (int a = 0; a < XML_ACCEL_COUNT; a++) {
        print_message("libxml2 %s (headers %s): %s %s%s%s\n", xmlParserVersion,
                      LIBXML_VERSION_STRING, xml_accel_name(a), xml_accel_on(a) ? "on" : "off",
                      xml_accel_on(a) ? "" : ": ", xml_accel_why_off(a));
        assert_int_equal(xml_accel_on(a), expected_on(a));
        assert_int_equal(!*xml_accel_why_off(a), expected_on(a));
    }
    /* Debian 12 and 13 ship 2.9.14: both run there unless the build is a proof build. */
    if (xml_loaded_version() == 20914 && LIBXML_VERSION == 20914) {
        assert_true(xml_accel_on(XML_ACCEL_CDATA));
        assert_true(xml_accel_on(XML_ACCEL_HTML_RUNS));
    }
}

static void feedsd_accel_narrows(void **state)
{
    (void)state;
    static const struct {
        const char *env;
        int cdata, runs;
    } cases[] = {
        {"none", 0, 0},          {"", 0, 0},          {"xml_cdata", 1, 0},
        {"html_runs", 0, 1},     {"html_runs,xml_cdata", 1, 1}, {"xml_cdata,", 1, 0},
        {"xml_cdat", 0, 0},      {"xml_cdata_x,html", 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        setenv("FEEDSD_ACCEL", cases[i].env, 1);
        xml_accel_reset();
        assert_int_equal(xml_accel_on(XML_ACCEL_CDATA),
                         cases[i].cdata && expected_on(XML_ACCEL_CDATA));
        assert_int_equal(xml_accel_on(XML_ACCEL_HTML_RUNS),
                         cases[i].runs && expected_on(XML_ACCEL_HTML_RUNS));
        if (expected_on(XML_ACCEL_CDATA) && !cases[i].cdata)
            assert_string_equal(xml_accel_why_off(XML_ACCEL_CDATA), "off by FEEDSD_ACCEL");
    }
    unsetenv("FEEDSD_ACCEL");
    xml_accel_reset();
    /* A test's switch turns one off and back to what is allowed, never beyond it. */
    xml_accel_set(XML_ACCEL_HTML_RUNS, 0);
    assert_false(xml_accel_on(XML_ACCEL_HTML_RUNS));
    xml_accel_set(XML_ACCEL_HTML_RUNS, 1);
    assert_int_equal(xml_accel_on(XML_ACCEL_HTML_RUNS), expected_on(XML_ACCEL_HTML_RUNS));
}

/* html_parse takes the html_runs path exactly when the accelerator is on. */
static void html_parse_hides_runs_only_when_on(void **state)
{
    (void)state;
    const char *doc = "<p>a long enough run of plain text, well beyond the minimum run</p>";
    for (int on = 0; on < 2; on++) {
        xml_accel_set(XML_ACCEL_HTML_RUNS, on);
        int hid;
        htmlDocPtr d = html_parse_runs(doc, strlen(doc), HTML_MIN_RUN, &hid);
        assert_non_null(d);
        assert_int_equal(hid, on && expected_on(XML_ACCEL_HTML_RUNS));
        xmlFreeDoc(d);
    }
    xml_accel_set(XML_ACCEL_HTML_RUNS, 1);
}

static void cut_short_is_recognised(void **state)
{
    (void)state;
    struct buf b = {0};
    buf_puts(&b, "<html><body>");
    for (int i = 0; i < 300; i++)
        buf_puts(&b, "<div>");
    buf_puts(&b, "<p>text</p>");
    for (int deep = 0; deep < 2; deep++) {
        const char *doc = deep ? b.data : "<html><body><p>a <b>broken</i> page</p>";
        htmlParserCtxtPtr ctxt = xml_html_ctxt_new();
        assert_non_null(ctxt);
        htmlDocPtr d = htmlCtxtReadMemory(ctxt, doc, (int)strlen(doc), NULL, "UTF-8",
                                          HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                                              HTML_PARSE_NONET);
        char why[160] = "";
        assert_int_equal(xml_parse_cut_short(ctxt, why, sizeof why), deep);
        if (deep)   /* libxml2's own words, on every version checked */
            assert_non_null(strstr(why, "depth"));
        xmlFreeDoc(d);
        htmlFreeParserCtxt(ctxt);
    }
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(accelerators_follow_the_table),
        cmocka_unit_test(feedsd_accel_narrows),
        cmocka_unit_test(html_parse_hides_runs_only_when_on),
        cmocka_unit_test(cut_short_is_recognised),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
