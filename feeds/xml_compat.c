/* feeds/xml_compat.c: libxml2 version differences and the accelerator switches
 * (xml_compat.h). */
#include "feeds/xml_compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum accel_state { ACCEL_UNKNOWN, ACCEL_ON, ACCEL_OFF };

/* A proof build (make ACCEL=unproven) allows the accelerators on any version. */
#ifdef FEEDSD_ACCEL_UNPROVEN
#define ANY_VERSION 1
#else
#define ANY_VERSION 0
#endif

static int cdata_proven(int v)
{
    return ANY_VERSION || XML_CDATA_PROVEN(v);
}

static int runs_proven(int v)
{
    return ANY_VERSION || HTML_RUNS_PROVEN(v);
}

static const struct {
    const char *name;
    int compiled;
    int (*proven)(int version);
} accel_table[XML_ACCEL_COUNT] = {
    [XML_ACCEL_CDATA] = {"xml_cdata", FEEDSD_HAVE_XML_CDATA, cdata_proven},
    [XML_ACCEL_HTML_RUNS] = {"html_runs", FEEDSD_HAVE_HTML_RUNS, runs_proven},
};

static enum accel_state allowed[XML_ACCEL_COUNT]; /* compiled, proven, FEEDSD_ACCEL */
static int switched_off[XML_ACCEL_COUNT];        /* xml_accel_set(a, 0) */
static const char *why_off[XML_ACCEL_COUNT];

int xml_loaded_version(void)
{
    return (int)strtol(xmlParserVersion, NULL, 10);   /* "20914": digits only */
}

/* FEEDSD_ACCEL: unset keeps every allowed accelerator; "none" (or empty) none; else the
 * comma-separated names to keep. */
static int env_keeps(const char *name)
{
    const char *env = getenv("FEEDSD_ACCEL");
    if (!env)
        return 1;
    size_t n = strlen(name);
    for (const char *p = env; *p;) {
        size_t k = strcspn(p, ",");
        if (k == n && strncmp(p, name, n) == 0)
            return 1;
        p += k + (p[k] == ',');
    }
    return 0;
}

static void resolve(enum xml_accel a)
{
    if (allowed[a] != ACCEL_UNKNOWN)
        return;
    allowed[a] = ACCEL_OFF;
    if (!accel_table[a].compiled)
        why_off[a] = "not proven on the libxml2 it was built with";
    else if (!accel_table[a].proven(xml_loaded_version()))
        why_off[a] = "not proven on the libxml2 loaded";
    else if (!ANY_VERSION && xml_loaded_version() != LIBXML_VERSION)
        /* proven on both, but the parser's internal state is read at the offsets of the
         * headers, which only the same version is sure to keep */
        why_off[a] = "the libxml2 loaded is not the one it was built with";
    else if (!env_keeps(accel_table[a].name))
        why_off[a] = "off by FEEDSD_ACCEL";
    else {
        allowed[a] = ACCEL_ON;
        why_off[a] = "";
    }
}

int xml_accel_on(enum xml_accel a)
{
    resolve(a);
    return allowed[a] == ACCEL_ON && !switched_off[a];
}

void xml_accel_set(enum xml_accel a, int on)
{
    switched_off[a] = !on;
}

void xml_accel_reset(void)
{
    for (int a = 0; a < XML_ACCEL_COUNT; a++) {
        allowed[a] = ACCEL_UNKNOWN;
        switched_off[a] = 0;
    }
}

const char *xml_accel_name(enum xml_accel a)
{
    return accel_table[a].name;
}

const char *xml_accel_why_off(enum xml_accel a)
{
    resolve(a);
    return switched_off[a] && allowed[a] == ACCEL_ON ? "switched off" : why_off[a];
}

int xml_ctxt_in_attribute(const xmlParserCtxt *ctxt)
{
#if LIBXML_VERSION < 21300
    return ctxt && ctxt->instate == XML_PARSER_ATTRIBUTE_VALUE;
#else
    (void)ctxt;
    return 0;
#endif
}

void xml_quiet_errors(void *ctx, xml_error_arg err)
{
    (void)ctx;
    (void)err;
}

htmlParserCtxtPtr xml_html_ctxt_new(void)
{
    htmlParserCtxtPtr ctxt = htmlNewParserCtxt();
    if (!ctxt)
        return NULL;
    ctxt->sax->serror = xml_quiet_errors;
    /* libxml2 2.9 (error.c, __xmlRaiseError) consults serror only on a SAX2 handler; the
     * HTML parser's own callbacks are the SAX1-style ones it already set, unaffected.
     * From 2.13 on, HTML_PARSE_NOERROR alone keeps the messages from every handler. */
    ctxt->sax->initialized = XML_SAX2_MAGIC;
    return ctxt;
}

/* libxml2 raises a fatal error only where it stops reading (a resource limit, memory):
 * its HTML parser reports broken markup at XML_ERR_ERROR and goes on. The last error
 * is kept in the context whether or not a handler heard of it (2.13 and later report
 * nothing under HTML_PARSE_NOERROR), and nothing is raised after the parser halted. */
int xml_parse_cut_short(xmlParserCtxtPtr ctxt, char *why, size_t whylen)
{
    const xmlError *e = xmlCtxtGetLastError(ctxt);
    if (!e || e->level != XML_ERR_FATAL)
        return 0;
    if (why && whylen) {
        snprintf(why, whylen, "%s", e->message ? e->message : "stopped");
        why[strcspn(why, "\n")] = '\0';
    }
    return 1;
}
