/* feeds/xml_compat.h: what differs between the libxml2 versions feedsd is built and run
 * against, in one place. Debian 12 ships libxml2 2.9.14; Debian 13's package, versioned
 * "2.12.7+dfsg+really2.9.14", is the same 2.9.14 code (xmlParserVersion "20914");
 * upstream 2.12 to 2.14 are checked with scripts/compat-libxml2.sh.
 *
 * - The structured error handler's argument became const in 2.12.
 * - Two accelerators reproduce how libxml2 2.9.14 reads text, to keep the text of posts
 *   away from its per-character paths: the strict pass's text rewrite (xml_cdata.h) and
 *   the runs of HTML text hidden from the HTML parser (html_runs.h). Their output is the
 *   same as libxml2's only where libxml2 behaves as they assume, so each is on only for
 *   the versions its property tests have passed on (the table below): compiled in when
 *   the headers are such a version, and used only when the library loaded at run time is
 *   that same version, since a shared library can be upgraded under a built binary and
 *   xml_cdata reads the parser's internal state at the offsets of the headers.
 *   FEEDSD_ACCEL in the environment narrows them further ("none", or a comma-separated
 *   list of the names to keep), to measure what they are worth or to rule them out.
 *   Building with -DFEEDSD_ACCEL_UNPROVEN (make ACCEL=unproven) allows them on any
 *   version: that is how a new version is proven, never how feedsd ships. */
#ifndef FEEDSD_XML_COMPAT_H
#define FEEDSD_XML_COMPAT_H

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlversion.h>

#include "common/util.h"

#if LIBXML_VERSION >= 21200
typedef const xmlError *xml_error_arg;
#else
typedef xmlError *xml_error_arg;
#endif

/* The versions (LIBXML_VERSION form: 20914 for 2.9.14) on which each accelerator's
 * property tests pass: the unit tests (test_regressions' corpus-wide and crafted cases,
 * test_parse_fd) and the fuzz targets fuzz_parse, fuzz_xml_cdata and fuzz_html_runs
 * (scripts/compat-libxml2.sh --prove). xml_cdata on 2.12.10 and 2.13.9 also held for
 * 420 s of fuzz_parse each (62,815 and 79,101 runs); it fails on 2.14.6 (the direct text
 * path keeps CR LF where 2.14 turns it into LF in a CDATA section it parses itself).
 * html_runs fails on 2.12 to 2.14, whose HTML parsers read some markup otherwise. */
#define XML_CDATA_PROVEN(v) ((v) == 20914 || (v) == 21210 || (v) == 21309)
#define HTML_RUNS_PROVEN(v) ((v) == 20914)

#if defined FEEDSD_ACCEL_UNPROVEN || XML_CDATA_PROVEN(LIBXML_VERSION)
#define FEEDSD_HAVE_XML_CDATA 1
#else
#define FEEDSD_HAVE_XML_CDATA 0
#endif
#if defined FEEDSD_ACCEL_UNPROVEN || HTML_RUNS_PROVEN(LIBXML_VERSION)
#define FEEDSD_HAVE_HTML_RUNS 1
#else
#define FEEDSD_HAVE_HTML_RUNS 0
#endif

/* Options the feed parser adds on this version. libxml2 2.14 stops at a CDATA section of
 * over 10 MB ("CData section too big") unless XML_PARSE_HUGE, which lost every entry
 * after such a post; 2.9 to 2.13 hand a long section to SAX in pieces. HUGE lifts the
 * length, depth and dictionary limits; what they guard against is kept out another way:
 * a document that declares entities is refused (no amplification), the body is capped by
 * max_size (16 MB by default), and the parser keeps only XML_MAX_DEPTH frames of its own.
 * Before 2.14 the limits stay. */
#if LIBXML_VERSION >= 21400
#define XML_COMPAT_FEED_OPTIONS XML_PARSE_HUGE
#else
#define XML_COMPAT_FEED_OPTIONS 0
#endif

enum xml_accel { XML_ACCEL_CDATA, XML_ACCEL_HTML_RUNS, XML_ACCEL_COUNT };

/* 1 when accelerator a is compiled in, proven on the loaded libxml2 and not switched off
 * by FEEDSD_ACCEL or xml_accel_set(). */
int xml_accel_on(enum xml_accel a);

/* Tests: switches a off (0), or back to what xml_accel_on() allows (1). */
void xml_accel_set(enum xml_accel a, int on);

/* Tests: forgets what was decided, so that FEEDSD_ACCEL is read again. */
void xml_accel_reset(void);

const char *xml_accel_name(enum xml_accel a);

/* Why a is off, for --version ("" when it is on). */
const char *xml_accel_why_off(enum xml_accel a);

/* 1 while ctxt reads an attribute value. libxml2 2.9 to 2.12 copy only the first byte of
 * a predefined entity's text into an attribute value, so parse_sax.c answers there with
 * other entities; 2.13 and later copy the whole text and no longer keep this state, and
 * the answer is always 0. Their one visible difference: &nbsp; in an attribute value is
 * a space before 2.13 (parse_sax.c) and U+00A0 from 2.13 on. */
int xml_ctxt_in_attribute(const xmlParserCtxt *ctxt);

/* The loaded library's version, as a number (xmlParserVersion). */
int xml_loaded_version(void);

/* A structured error handler that drops every message: broken markup is normal in feeds
 * and pages, and the global handler (another module's) must not hear about it. */
void xml_quiet_errors(void *ctx, xml_error_arg err);

/* An HTML parser context whose errors go to xml_quiet_errors; NULL without memory. After
 * a parse, xml_parse_cut_short() tells whether libxml2 gave up part way (a resource
 * limit such as the nesting depth: 256 elements on every version checked), in which case
 * the rest of the document was not read; its message goes to why. */
htmlParserCtxtPtr xml_html_ctxt_new(void);
int xml_parse_cut_short(xmlParserCtxtPtr ctxt, char *why, size_t whylen);

#endif
