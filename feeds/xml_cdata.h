/* feeds/xml_cdata.h: rewrites the character data of a UTF-8 XML document as CDATA
 * sections before libxml2's push parser sees it, so that escaped HTML (Atom
 * <content type="html">, RSS 1.0) takes libxml2's fast path. Owned by the feed-parser
 * engineer; used by parse_run.c for the strict pass only.
 *
 * Why: libxml2 2.9.14's push parser hands over a CDATA section in one block, but parses
 * text one token at a time: every entity reference (&lt; &gt; &amp; &quot; &#NN;) is a
 * trip through xmlParseTryOrFinish and its own characters() callback, and after the first
 * non-ASCII character of a text run the rest of the run goes character by character
 * (xmlParseCharDataComplex). A 58 MB Atom feed of escaped HTML takes twice as long as the
 * same content in CDATA sections (bench/README-parse.md).
 *
 * Better still, libxml2 need not see the text at all: when it has parsed everything it
 * was handed (so it is inside the element, waiting), the text can go to the SAX
 * characters handler straight away, in document order, and libxml2 then sees the element
 * empty. parse_run.c does that through a sink (struct xml_cdata_sink), for the text
 * described below together with the plain text that began its run (when that holds no
 * ']' or CR, and is still at hand), and for the document's own CDATA sections inside the
 * root element (whose "<![CDATA[" and "]]>" libxml2 then does not see either); where
 * libxml2 has not caught up, a CDATA section is written.
 *
 * What changes: inside the root element, a run of text that holds a decodable reference
 * or a non-ASCII character becomes a CDATA section from that point to the end of the run,
 * with the references to the five predefined entities and numeric character references
 * to XML Chars decoded, and line ends normalized as XML 1.0 section 2.11 requires of text
 * (the push parser does not normalize inside CDATA). The SAX callbacks then receive the
 * same characters, cut into different pieces, which the feed parser joins.
 *
 * What does not change, byte for byte: markup (tags, attribute values, comments,
 * processing instructions, existing CDATA sections, the prolog and the epilog), any other
 * reference (&nbsp; and the other HTML names, which parse_sax.c answers, or a malformed
 * one), a ']' that begins "]]>" (an error in text, which libxml2 must see; in a CDATA
 * section of ours any ']' ends the section), CR in plain text, and everything after a
 * DOCTYPE with an internal subset or markup the rewriter does not know. Characters were
 * checked before (encoding_xml_chars_ok), so a document that is not well-formed fails the
 * strict pass in the same way, and the recovery pass always reads the original bytes.
 *
 * One outcome does change, for the better: a section or run of text so long that 10 MB
 * of it wait in libxml2's buffer (XML_MAX_LOOKUP_LIMIT) made the push parser stop with
 * "Huge input lookup", in the recovery pass too, and every later entry was lost; text
 * that goes past libxml2 never waits there (tests/unit/test_parse.c).
 *
 * Without a sink, the output depends only on the bytes, never on how they were cut into
 * pieces (fuzz/fuzz_xml_cdata.c). With one, whether a run goes past libxml2 or into a
 * section can depend on where a piece ended; the characters the SAX handler receives, in
 * order, cannot. */
#ifndef FEEDSD_XML_CDATA_H
#define FEEDSD_XML_CDATA_H

#include <stddef.h>

#include "common/util.h"

/* Where the text can go instead of into a CDATA section: push hands markup to libxml2
 * and returns 1 when libxml2 has then parsed all it was given (the text that follows can
 * go to the SAX characters handler, text(), in document order); 0 keeps the CDATA
 * section. */
struct xml_cdata_sink {
    int (*push)(void *ud, const char *p, size_t n);
    void (*text)(void *ud, const void *p, size_t n);
    void *ud;
};

struct xml_cdata {
    const struct xml_cdata_sink *sink;
    int direct;           /* the open section's text goes to sink->text */
    int state;
    int depth;            /* open elements */
    int cdata;            /* a CDATA section of ours is open */
    int brackets;         /* ']' characters that end our open section */
    int skip_lf;          /* the text's last character was CR, written as LF */
    int quote;            /* the quote of the value being read (S_QUOTED) */
    int back;             /* the state that value belongs to */
    int prev;             /* the previous byte of the markup being read */
    int sub;              /* progress through "--", "CDATA[" or the dashes of "-->" */
    char ref[16];         /* a reference being read, from its '&' */
    size_t reflen;
    int run_fresh;        /* the next text starts a run */
    int run_ok;           /* out[run_start..) is the run's plain text so far */
    size_t run_start;
};

/* sink may be NULL: every section is then a CDATA section in the output. */
void xml_cdata_init(struct xml_cdata *x, const struct xml_cdata_sink *sink);

/* Appends the rewrite of p[0..n) to out (which it grows); with a sink, text may go to it
 * instead, after out has been handed over and emptied. */
void xml_cdata_feed(struct xml_cdata *x, const char *p, size_t n, struct buf *out);

/* At the end of the document: writes what is still held (a reference cut off by the end,
 * the close of an open section) to out. */
void xml_cdata_end(struct xml_cdata *x, struct buf *out);

#endif
