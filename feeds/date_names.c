/* feeds/date_names.c: the words of dates, per language, and their lookups (see
 * feeds/date_names.h). Owner: dates/URLs/identity engineer.
 *
 * The month, day and zone tables are sorted by name in strcmp (unsigned byte, i.e. UTF-8)
 * order: the names that start with a prefix are then one run found by binary search
 * (lower_bound) rather than a strncmp against every name of every language for every word
 * of every date. Names are stored in lower case (zones in upper case) as UTF-8;
 * test_date.c parses every name, so a row out of order fails there. */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "feeds/date_names.h"

/* Month names. Lookup accepts an exact name, an entry of month_abbrevs, or a prefix of at
 * least 3 bytes that names one month only ("Sept", "Janv", "Dez", "Set" = setembro, "Jún"
 * = június); "Jui" (juin/juillet) is ambiguous and rejected. Languages: English, French,
 * German, Dutch, Spanish, Portuguese, Italian, Hungarian and Greek. Hungarian "februári"
 * and "máujus" and Greek "μάώ"/"μαώ" (March), "μαϊ"/"μαι", "ιον", "ιολ" are spellings that
 * feedparser's tables have from feeds that wrote them; Greek also has its full names, in
 * the nominative (Ιούλιος) and the genitive that dates use (11 Ιουλίου 2004). */
static const struct { const char *name; int month; } month_names[] = {
    {"abril", 4}, {"agosto", 8}, {"aout", 8}, {"août", 8}, {"april", 4}, {"aprile", 4},
    {"august", 8}, {"augustus", 8}, {"augusztus", 8}, {"avril", 4}, {"december", 12},
    {"decembre", 12}, {"dezember", 12}, {"dezembro", 12}, {"dicembre", 12},
    {"diciembre", 12}, {"décembre", 12}, {"enero", 1}, {"febbraio", 2}, {"febrero", 2},
    {"februar", 2}, {"februari", 2}, {"february", 2}, {"február", 2}, {"februári", 2},
    {"fevereiro", 2}, {"fevrier", 2}, {"février", 2}, {"gennaio", 1}, {"giugno", 6},
    {"janeiro", 1}, {"januar", 1}, {"januari", 1}, {"january", 1}, {"január", 1},
    {"janvier", 1}, {"juillet", 7}, {"juin", 6}, {"julho", 7}, {"juli", 7}, {"julio", 7},
    {"july", 7}, {"june", 6}, {"junho", 6}, {"juni", 6}, {"junio", 6}, {"jänner", 1},
    {"július", 7}, {"június", 6}, {"luglio", 7}, {"maart", 3}, {"maerz", 3}, {"maggio", 5},
    {"mai", 5}, {"maio", 5}, {"march", 3}, {"marco", 3}, {"mars", 3}, {"marzo", 3},
    {"março", 3}, {"may", 5}, {"mayo", 5}, {"mei", 5}, {"május", 5}, {"március", 3},
    {"máujus", 5}, {"märz", 3}, {"november", 11}, {"novembre", 11}, {"novembro", 11},
    {"noviembre", 11}, {"october", 10}, {"octobre", 10}, {"octubre", 10}, {"oktober", 10},
    {"október", 10}, {"ottobre", 10}, {"outubro", 10}, {"september", 9}, {"septembre", 9},
    {"septiembre", 9}, {"setembro", 9}, {"setiembre", 9}, {"settembre", 9},
    {"szeptember", 9}, {"április", 4}, {"απρ", 4}, {"απρίλιος", 4}, {"απριλίου", 4},
    {"αυγ", 8}, {"αυγούστου", 8}, {"αύγ", 8}, {"αύγουστος", 8}, {"δεκ", 12},
    {"δεκέμβριος", 12}, {"δεκεμβρίου", 12}, {"ιαν", 1}, {"ιανουάριος", 1},
    {"ιανουαρίου", 1}, {"ιολ", 7}, {"ιον", 6}, {"ιουλίου", 7}, {"ιουνίου", 6}, {"ιούλ", 7},
    {"ιούλιος", 7}, {"ιούν", 6}, {"ιούνιος", 6}, {"μάι", 5}, {"μάιος", 5}, {"μάρτιος", 3},
    {"μάώ", 3}, {"μαΐου", 5}, {"μαι", 5}, {"μαρτίου", 3}, {"μαϊ", 5}, {"μαώ", 3},
    {"νοέ", 11}, {"νοέμβριος", 11}, {"νοε", 11}, {"νοεμβρίου", 11}, {"οκτ", 10},
    {"οκτωβρίου", 10}, {"οκτώβριος", 10}, {"σεπ", 9}, {"σεπτέμβριος", 9},
    {"σεπτεμβρίου", 9}, {"φεβ", 2}, {"φεβρουάριος", 2}, {"φεβρουαρίου", 2},
};

/* Abbreviations that are not prefixes of a full name above. */
static const struct { const char *name; int month; } month_abbrevs[] = {
    {"mrz", 3},   /* German */
    {"mrt", 3},   /* Dutch */
};

/* Day names are never checked against the date (RFC 2822 3.3 makes the day redundant and
 * feeds get it wrong), only recognised so that they can be skipped. A leading word whose
 * first two letters start a day name is taken as a misspelt day ("Thr", "Wen", "Tues").
 * Greek: the abbreviations Greek feeds write (Κυρ, Δευ... as in feedparser) and the names. */
static const char *const day_names[] = {
    "dienstag", "dimanche", "dinsdag", "domenica", "domingo", "donderdag", "donnerstag",
    "freitag", "friday", "giovedì", "jeudi", "jueves", "lundi", "lunedì", "lunes",
    "maandag", "mardi", "martedì", "martes", "mercoledì", "mercredi", "miercoles",
    "mittwoch", "miércoles", "monday", "montag", "quarta", "quinta", "sabado", "samedi",
    "samstag", "saturday", "segunda", "sexta", "sonnabend", "sonntag", "sunday", "sábado",
    "terca", "terça", "thursday", "tuesday", "vendredi", "venerdì", "viernes", "vrijdag",
    "wednesday", "woensdag", "zaterdag", "zondag", "δευ", "δευτέρα", "κυρ", "κυριακή",
    "πέμπτη", "παρ", "παρασκευή", "πεμ", "σάββατο", "σαβ", "τετ", "τετάρτη", "τρίτη", "τρι",
};

/* Named zones, offset in minutes east of UTC. RFC 822 section 5 defines UT, GMT, the US
 * zones and the military letters; the others are what feeds write. Where an abbreviation
 * is ambiguous we pick the meaning documented here:
 *   CST  US Central (RFC 822), not China Standard Time
 *   IST  India (+05:30), the most common writer of "IST" in feeds; not Irish/Israel
 *   BST  British Summer Time (+01:00), not Bangladesh
 *   AST  Atlantic (-04:00), not Arabia
 * Military zones: RFC 822 defined A..M (not J) as -1..-12 and N..Y as +1..+12, but with
 * the signs inverted by mistake (RFC 1123 5.2.14), so nobody knows what a writer meant.
 * RFC 2822 section 4.3 says to treat them as -0000, i.e. UTC with unknown local time: we
 * do. The same section says unknown alphabetic zones SHOULD also be taken as -0000. */
static const struct { const char *name; int minutes; } zone_names[] = {
    {"A", 0}, {"ACDT", 630}, {"ACST", 570}, {"ADT", -180}, {"AEDT", 660}, {"AEST", 600},
    {"AKDT", -480}, {"AKST", -540}, {"ART", -180}, {"AST", -240}, {"AWST", 480}, {"B", 0},
    {"BRST", -120}, {"BRT", -180}, {"BST", 60}, {"C", 0}, {"CDT", -300}, {"CEST", 120},
    {"CET", 60}, {"CLST", -180}, {"CLT", -240}, {"CST", -360}, {"D", 0}, {"E", 0},
    {"EAT", 180}, {"EDT", -240}, {"EEST", 180}, {"EET", 120}, {"EST", -300}, {"F", 0},
    {"G", 0}, {"GMT", 0}, {"H", 0}, {"HADT", -540}, {"HAST", -600}, {"HKT", 480},
    {"HST", -600}, {"I", 0}, {"ICT", 420}, {"IST", 330}, {"JST", 540}, {"K", 0},
    {"KST", 540}, {"L", 0}, {"M", 0}, {"MDT", -360}, {"MEST", 120}, {"MESZ", 120},
    {"MET", 60}, {"MEZ", 60}, {"MSD", 240}, {"MSK", 180}, {"MST", -420}, {"N", 0},
    {"NDT", -150}, {"NST", -210}, {"NZDT", 780}, {"NZST", 720}, {"O", 0}, {"P", 0},
    {"PDT", -420}, {"PHT", 480}, {"PKT", 300}, {"PST", -480}, {"Q", 0}, {"R", 0}, {"S", 0},
    {"SAST", 120}, {"SGT", 480}, {"T", 0}, {"U", 0}, {"UT", 0}, {"UTC", 0}, {"V", 0},
    {"W", 0}, {"WAT", 60}, {"WEST", 60}, {"WET", 0}, {"WIB", 420}, {"X", 0}, {"Y", 0},
    {"Z", 0},
};

/* US zones named without saying standard or daylight time (feedparser reads them; Disney
 * wrote them): the standard offset, plus an hour where US daylight time is in force on
 * that date (date.c, us_daylight). AT follows the same rule (Atlantic Canada's dates). */
static const struct { const char *name; int minutes; } us_zone_names[] = {
    {"AT", -240}, {"ET", -300}, {"CT", -360}, {"MT", -420}, {"PT", -480},
};
#define MAX_ZONE_NAME 4      /* the longest name in zone_names */

/* The tz database's names for UTC under "Etc/" (Etc/GMT+N and Etc/GMT-N are read apart). */
static const char *const etc_names[] = {
    "gmt", "gmt0", "greenwich", "uct", "universal", "utc", "zulu",
};

/* Words for the half of the day, and the zone their writers mean when they give none:
 * Korean "오전"/"오후" come from Korean blog software (Nate) that writes Korean time. */
static const struct { const char *word; int pm, zone; } ampm_words[] = {
    {"am", 0, DATE_NO_ZONE}, {"pm", 1, DATE_NO_ZONE}, {"오전", 0, 540}, {"오후", 1, 540},
};

/* Marks written right after the number of a field: Korean "2004년 05월 28일" (OnBlog,
 * Korean time). */
static const struct { const char *mark; int field, zone; } unit_marks[] = {
    {"년", DATE_UNIT_YEAR, 540}, {"월", DATE_UNIT_MONTH, 540}, {"일", DATE_UNIT_DAY, 540},
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Capital letters of Latin-1 and Greek, as code point ranges, and the distance to their
 * small letters. */
static const struct { unsigned from, to; int delta; } case_folds[] = {
    {0xC0, 0xD6, 32}, {0xD8, 0xDE, 32},                       /* À-Ö, Ø-Þ */
    {0x386, 0x386, 38}, {0x388, 0x38A, 37}, {0x38C, 0x38C, 64},   /* Ά, Έ-Ί, Ό */
    {0x38E, 0x38F, 63}, {0x391, 0x3A1, 32}, {0x3A3, 0x3AB, 32},   /* Ύ-Ώ, Α-Ρ, Σ-Ϋ */
};

/* The n bytes at w in lower case into buf (NUL-terminated, at most bufsz - 1 bytes):
 * ASCII, and the two-byte UTF-8 sequences of the capitals of case_folds; other bytes are
 * copied. Returns the length. */
static size_t fold(const char *w, size_t n, char *buf, size_t bufsz)
{
    size_t i = 0, o = 0;
    while (i < n && o + 1 < bufsz) {
        unsigned char c = (unsigned char)w[i];
        unsigned char d = i + 1 < n ? (unsigned char)w[i + 1] : 0;
        if (c >= 0xC2 && c <= 0xDF && (d & 0xC0) == 0x80 && o + 2 < bufsz) {
            unsigned cp = (unsigned)(c & 0x1F) << 6 | (d & 0x3F);
            for (size_t k = 0; k < NELEM(case_folds); k++)
                if (cp >= case_folds[k].from && cp <= case_folds[k].to) {
                    cp += (unsigned)case_folds[k].delta;
                    break;
                }
            buf[o++] = (char)(0xC0 | cp >> 6);
            buf[o++] = (char)(0x80 | (cp & 0x3F));
            i += 2;
            continue;
        }
        buf[o++] = (char)tolower(c);
        i++;
    }
    buf[o] = '\0';
    return o;
}

static const char *month_name_at(size_t i)
{
    return month_names[i].name;
}

static const char *day_name_at(size_t i)
{
    return day_names[i];
}

static const char *zone_name_at(size_t i)
{
    return zone_names[i].name;
}

/* Index of the first of the n names of a table (name_at gives the i-th) that is not less
 * than key in strcmp order. */
static size_t lower_bound(const char *(*name_at)(size_t), size_t n, const char *key)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(name_at(mid), key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int date_month_name(const char *word, size_t len)
{
    char w[32];
    if (len >= sizeof w)
        return -1;                           /* longer than any name: no prefix of one */
    size_t n = fold(word, len, w, sizeof w);
    for (size_t i = 0; i < NELEM(month_abbrevs); i++)
        if (strcmp(w, month_abbrevs[i].name) == 0)
            return month_abbrevs[i].month;
    if (n < 3)
        return -1;
    int found = -1;
    /* Every name that w is a prefix of, and only those, sorts from w's lower bound on. */
    for (size_t i = lower_bound(month_name_at, NELEM(month_names), w);
         i < NELEM(month_names) && strncmp(month_names[i].name, w, n) == 0; i++) {
        if (found >= 0 && found != month_names[i].month)
            return -1;                       /* ambiguous prefix */
        found = month_names[i].month;
    }
    return found;
}

int date_day_name(const char *word, size_t len)
{
    char w[32];
    size_t n = fold(word, len, w, sizeof w), k = 0;
    for (int letters = 0; letters < 2; letters++) {   /* two UTF-8 characters */
        if (k == n)
            return -1;
        k++;
        while (k < n && ((unsigned char)w[k] & 0xC0) == 0x80)
            k++;
    }
    w[k] = '\0';                             /* only the first two letters count */
    size_t i = lower_bound(day_name_at, NELEM(day_names), w);
    return i < NELEM(day_names) && strncmp(day_names[i], w, k) == 0 ? 0 : -1;
}

int date_zone_name(const char *s, size_t n, struct date_zone *z)
{
    char key[MAX_ZONE_NAME + 1];
    if (n > MAX_ZONE_NAME)
        return -1;
    for (size_t i = 0; i < n; i++)
        key[i] = (char)toupper((unsigned char)s[i]);
    key[n] = '\0';
    for (size_t i = 0; i < NELEM(us_zone_names); i++)
        if (strcmp(us_zone_names[i].name, key) == 0) {
            z->minutes = us_zone_names[i].minutes;
            z->us_dst = 1;
            return 0;
        }
    size_t i = lower_bound(zone_name_at, NELEM(zone_names), key);
    if (i == NELEM(zone_names) || strcmp(zone_names[i].name, key) != 0)
        return -1;
    z->minutes = zone_names[i].minutes;
    z->us_dst = 0;
    return 0;
}

int date_etc_zone(const char **p, struct date_zone *z)
{
    const char *s = *p;
    if (strncasecmp(s, "etc/", 4) != 0)
        return -1;
    s += 4;
    size_t n = 0;
    while (isalnum((unsigned char)s[n]))
        n++;
    char name[16];
    if (n == 0 || n >= sizeof name)
        return -1;
    fold(s, n, name, sizeof name);
    size_t i = 0;
    while (i < NELEM(etc_names) && strcmp(etc_names[i], name) != 0)
        i++;
    if (i == NELEM(etc_names))
        return -1;
    s += n;
    z->minutes = 0;
    z->us_dst = 0;
    /* Etc/GMT+5 is UTC-05:00 (POSIX TZ sign): Etc/GMT-14 to Etc/GMT+12 exist. */
    if (strcmp(name, "gmt") == 0 && (*s == '+' || *s == '-') &&
        isdigit((unsigned char)s[1])) {
        int h = s[1] - '0';
        size_t k = 2;
        if (isdigit((unsigned char)s[2]))
            h = h * 10 + (s[k++] - '0');
        if (h > (*s == '-' ? 14 : 12))
            return -1;
        z->minutes = (*s == '-' ? 60 : -60) * h;
        s += k;
    }
    *p = s;
    return 0;
}

int date_ampm_word(const char *word, size_t len, int *pm, int *zone)
{
    char w[16];
    if (len >= sizeof w)
        return -1;
    fold(word, len, w, sizeof w);
    for (size_t i = 0; i < NELEM(ampm_words); i++)
        if (strcmp(w, ampm_words[i].word) == 0) {
            *pm = ampm_words[i].pm;
            *zone = ampm_words[i].zone;
            return 0;
        }
    return -1;
}

size_t date_unit_mark(const char *s, int *field, int *zone)
{
    for (size_t i = 0; i < NELEM(unit_marks); i++) {
        size_t n = strlen(unit_marks[i].mark);
        /* The mark ends the word: "2004년도" is not a year. */
        if (strncmp(s, unit_marks[i].mark, n) == 0 && (unsigned char)s[n] < 0x80 &&
            !isalpha((unsigned char)s[n])) {
            *field = unit_marks[i].field;
            *zone = unit_marks[i].zone;
            return n;
        }
    }
    return 0;
}
