/* feeds/date.c: turns the dates that feeds write into seconds since the epoch (UTC), writes
 * them back as RFC 3339 "YYYY-MM-DDTHH:MM:SSZ", and implements `feedsd parse-date`.
 * Owner: dates/URLs/identity engineer.
 *
 * Two parsers share the zone and calendar code:
 *   - ISO 8601 / RFC 3339 / W3C-DTF, chosen when the string starts with one of the date
 *     forms of iso_forms (the truncated ones of ISO 8601:2000 included: "031231", "-0312",
 *     "03335"), with "YYYY/M/D" (Chinese forum software), "YYYY-<month name>-D"
 *     (Hungarian) and the Korean "YYYY-MM-DD 오후 hh:mm:ss";
 *   - a token parser for RFC 822/1123 and everything feeds have done to it: missing or
 *     misspelt day names, RFC 850 dashes ("10-Jun-03"), asctime order ("Jun 10 04:00:00
 *     2003"), two- and three-digit years, "1500" without a colon, AM/PM, month and day
 *     names in other languages ("Seg, 24 Set 2018", "Κυρ, 11 Ιούλ 2004"; tables in
 *     feeds/date_names.c), Perforce's "Fri, 2006/09/15", Korean "2004년 05월 28일".
 * Calendar arithmetic is our own (days_from_civil), in int64, with no timegm() or TZ
 * dependence, so the result never depends on the machine's locale or zone files. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "feeds/date.h"
#include "feeds/date_names.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_YEAR 99999

/* ---- Calendar ---------------------------------------------------------------------- */

static int is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int64_t y, int m)
{
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm,
 * http://howardhinnant.github.io/date_algorithms.html#days_from_civil). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

/* The parsed fields; -1 marks what the string did not give. */
/* The parsed fields; -1 marks what the string did not give. */
struct when {
    int64_t year;
    int month, day, hour, min, sec;
    int offset;          /* minutes east of UTC */
    int us_dst;          /* offset is a US standard time that daylight time may replace */
};

/* The day (since the epoch) of the nth Sunday of a month, the last one for nth = -1. */
static int64_t nth_sunday(int64_t y, int m, int nth)
{
    int64_t first = days_from_civil(y, m, 1);
    int64_t sunday = first + (7 - (first + 4) % 7) % 7;   /* 1970-01-01 was a Thursday */
    if (nth > 0)
        return sunday + 7 * (nth - 1);
    while (sunday + 7 < first + days_in_month(y, m))
        sunday += 7;
    return sunday;
}

/* US daylight time, federal rules (Uniform Time Act of 1966 and its amendments): from the
 * start Sunday (month, nth Sunday; -1 the last) to the end Sunday, both at 02:00 local.
 * Before 1967 the states chose: standard time is taken. */
static const struct { int from, to, start_month, start_nth, end_month, end_nth; } us_rules[] = {
    {1967, 1973, 4, -1, 10, -1},
    {1974, 1974, 1, 1, 10, -1},   /* energy crisis: 6 January */
    {1975, 1975, 2, -1, 10, -1},  /* 23 February */
    {1976, 1986, 4, -1, 10, -1},
    {1987, 2006, 4, 1, 10, -1},
    {2007, MAX_YEAR, 3, 2, 11, 1},
};

/* Whether US daylight time is in force at w's wall-clock time. A time in the skipped
 * hour (02:xx on the start day) or in the repeated one (01:xx on the end day) is read with
 * the offset in force before the change, as Python's zoneinfo does (fold=0). */
static int us_daylight(const struct when *w)
{
    for (size_t i = 0; i < NELEM(us_rules); i++) {
        if (w->year < us_rules[i].from || w->year > us_rules[i].to)
            continue;
        int64_t local = days_from_civil(w->year, w->month, w->day) * 1440 + w->hour * 60 +
                        w->min;
        int64_t start = nth_sunday(w->year, us_rules[i].start_month, us_rules[i].start_nth);
        int64_t end = nth_sunday(w->year, us_rules[i].end_month, us_rules[i].end_nth);
        return local >= start * 1440 + 180 && local < end * 1440 + 120;
    }
    return 0;
}

/* Range checks, then the epoch seconds. 24:00:00 is ISO 8601's end of day (= next day
 * 00:00); a leap second (:60) is clamped to :59 because time_t cannot hold it. */
static int when_to_epoch(struct when *w, int64_t *out)
{
    if (w->year < 0 || w->year > MAX_YEAR || w->month < 1 || w->month > 12)
        return -1;
    if (w->day < 1 || w->day > days_in_month(w->year, w->month))
        return -1;
    if (w->hour < 0) w->hour = 0;
    if (w->min < 0) w->min = 0;
    if (w->sec < 0) w->sec = 0;
    if (w->hour > 24 || w->min > 59 || w->sec > 60)
        return -1;
    if (w->hour == 24 && (w->min || w->sec))
        return -1;
    if (w->sec == 60)
        w->sec = 59;
    if (w->offset <= -24 * 60 || w->offset >= 24 * 60)
        return -1;
    if (w->us_dst && us_daylight(w))
        w->offset += 60;
    int64_t days = days_from_civil(w->year, w->month, w->day);
    *out = days * 86400 + w->hour * 3600 + w->min * 60 + w->sec - (int64_t)w->offset * 60;
    return 0;
}

char *date_format_utc(int64_t t, char *out, size_t outlen)
{
    int64_t days = t / 86400, secs = t % 86400;
    if (secs < 0) {          /* floor division for dates before 1970 */
        secs += 86400;
        days--;
    }
    int64_t y;
    int m, d;
    civil_from_days(days, &y, &m, &d);
    snprintf(out, outlen, "%04lld-%02d-%02dT%02d:%02d:%02dZ", (long long)y, m, d,
             (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
    return out;
}

/* ---- Shared lexing helpers --------------------------------------------------------- */

static int is_word_byte(unsigned char c)
{
    return isalpha(c) || c >= 0x80;     /* UTF-8/Latin-1 letters of localised names */
}

/* Reads up to max digits; returns how many were read (0 = none) and the value. */
static int read_digits(const char **p, int max, int64_t *val)
{
    int n = 0;
    int64_t v = 0;
    while (n < max && isdigit((unsigned char)**p)) {
        v = v * 10 + (**p - '0');
        (*p)++;
        n++;
    }
    *val = v;
    return n;
}

static int count_digits(const char *p)
{
    int n = 0;
    while (isdigit((unsigned char)p[n]))
        n++;
    return n;
}

/* "+hh", "+hhmm", "+hh:mm", "+h", "+hmm" at *p (the sign included); minutes east. */
static int parse_offset(const char **p, int *minutes)
{
    const char *s = *p;
    int sign = *s == '-' ? -1 : 1;
    if (*s != '+' && *s != '-')
        return -1;
    s++;
    int64_t a, b = 0;
    int n = count_digits(s);
    if (n < 1 || n > 4)
        return -1;
    read_digits(&s, n, &a);
    if (n >= 3) {            /* hhmm / hmm */
        b = a % 100;
        a /= 100;
    } else if (*s == ':' && isdigit((unsigned char)s[1])) {
        s++;
        if (read_digits(&s, 2, &b) != 2)
            return -1;
    }
    if (a > 23 || b > 59)
        return -1;
    *minutes = sign * (int)(a * 60 + b);
    *p = s;
    return 0;
}

/* A zone as the last thing in a date: "Z", a named zone, a numeric offset, a named zone
 * followed by an offset ("GMT+0200", "UTC-05:00"), or a tz database "Etc/" name. Skips
 * the spaces before it. */
static int parse_zone(const char **p, struct date_zone *z)
{
    const char *s = *p;
    while (*s == ' ')
        s++;
    z->us_dst = 0;
    if (*s == '+' || *s == '-') {
        if (parse_offset(&s, &z->minutes) < 0)
            return -1;
    } else if (date_etc_zone(&s, z) < 0) {
        size_t n = 0;
        while (isalpha((unsigned char)s[n]))
            n++;
        if (n == 0 || date_zone_name(s, n, z) < 0)
            return -1;
        s += n;
        int extra;
        if ((*s == '+' || *s == '-') && parse_offset(&s, &extra) == 0)
            z->minutes += extra;
    }
    *p = s;
    return 0;
}

/* ---- ISO 8601 / RFC 3339 / W3C-DTF ------------------------------------------------- */

/* Time of day after the 'T': "hh", "hh:mm", "hh:mm:ss", "hhmm", "hhmmss", each with an
 * optional fraction ('.' or ',', RFC 3339 5.6 / ISO 8601) that is dropped. */
static int iso_time(const char **p, struct when *w, int allow_hour_only)
{
    const char *s = *p;
    int64_t v;
    int n = count_digits(s);
    if (n == 4 || n == 6) {                  /* basic format */
        read_digits(&s, 2, &v); w->hour = (int)v;
        read_digits(&s, 2, &v); w->min = (int)v;
        if (n == 6) { read_digits(&s, 2, &v); w->sec = (int)v; }
    } else if (n == 1 || n == 2) {
        read_digits(&s, 2, &v);
        w->hour = (int)v;
        if (*s == ':') {
            s++;
            if (read_digits(&s, 2, &v) != 2)
                return -1;
            w->min = (int)v;
            if (*s == ':') {
                s++;
                if (read_digits(&s, 2, &v) != 2)
                    return -1;
                w->sec = (int)v;
            }
        } else if (!allow_hour_only) {
            return -1;
        }
    } else {
        return -1;
    }
    if ((*s == '.' || *s == ',') && isdigit((unsigned char)s[1])) {
        s++;
        while (isdigit((unsigned char)*s))
            s++;
    }
    *p = s;
    return 0;
}

/* The date forms of ISO 8601, the truncated ones of its 2000 edition included, as
 * feedparser reads them. Y is a year digit, M a month, D a day, O a day of the year; '-'
 * and '0' stand for themselves ("YYYY-0MM-DD": Google's extra zero, "2003-012-31"). A
 * two-digit year is in the century of the time of reading (ISO 8601's implied century:
 * "03" is 2003 until 2099), a form without a year is in the year of reading, "---DD" in
 * its month. A form without day is the first day of its month, one without month and day
 * ("2003", "-03") of its year. A five-digit string is YYOOO ("03335", feedparser's
 * reading; W3C-DTF has no five-digit years), five-digit years have the extended forms. */
static const char *const iso_forms[] = {
    "YYYY-MM-DD", "YYYYMMDD", "YYYY-0MM-DD", "YYYY-MM", "YYYY-OOO", "YYYYOOO", "YYYY",
    "YYYYY-MM-DD", "YYYYY-MM", "YY-MM-DD", "YYMMDD", "YY-OOO", "YYOOO",
    "-YY-MM", "-YYMM", "-YY", "-OOO", "--MM-DD", "--MMDD", "--MM", "---DD",
};

/* Form f at *p: 1 and the date in w (month -1 for an impossible day of the year), *p past
 * it, or 0 when s does not have that form or it is not followed by the end, 'T' or ' '. */
static int iso_form(const char *f, const char **p, struct when *w, int64_t now)
{
    static const char fields[] = "YMDO";
    int64_t v[4] = {0};
    int n[4] = {0};
    const char *s = *p;
    for (const char *c = f; *c; c++, s++) {
        const char *k = strchr(fields, *c);
        if (!k) {
            if (*s != *c)
                return 0;
        } else if (isdigit((unsigned char)*s)) {
            v[k - fields] = v[k - fields] * 10 + (*s - '0');
            n[k - fields]++;
        } else {
            return 0;
        }
    }
    /* "2003 10 Jun" is RFC 822's: a bare year takes no time after a space. */
    if (*s && *s != 'T' && *s != 't' && (*s != ' ' || strcmp(f, "YYYY") == 0))
        return 0;
    int64_t ny;
    int nm, nd;
    civil_from_days(now / 86400 - (now % 86400 < 0), &ny, &nm, &nd);
    w->year = n[0] == 0 ? ny : n[0] == 2 ? ny - ny % 100 + v[0] : v[0];
    w->month = n[1] ? (int)v[1] : n[0] ? 1 : nm;
    w->day = n[2] ? (int)v[2] : 1;
    if (n[3]) {
        if (v[3] < 1 || v[3] > 365 + is_leap(w->year)) {
            w->month = -1;
        } else {
            int64_t y;
            civil_from_days(days_from_civil(w->year, 1, 1) + v[3] - 1, &y, &w->month,
                            &w->day);
        }
    }
    *p = s;
    return 1;
}

/* The date at the start of an ISO string: 1 and the fields in w, *p past it; 0 when the
 * string does not start with one (it may be RFC 822's). */
static int iso_date(const char **p, struct when *w, int64_t now)
{
    const char *s = *p;
    for (size_t i = 0; i < NELEM(iso_forms); i++)
        if (iso_form(iso_forms[i], p, w, now))
            return 1;
    int n = count_digits(s);
    if (n != 4 && n != 5)
        return 0;
    int64_t v;
    read_digits(&s, n, &w->year);
    if (*s == '/') {
        /* "2020/1/10": one or two digits each. */
        s++;
        if (read_digits(&s, 2, &v) == 0)
            return 0;
        w->month = (int)v;
        if (*s++ != '/' || read_digits(&s, 2, &v) == 0)
            return 0;
        w->day = (int)v;
    } else if (*s == '-' && n == 4 && is_word_byte((unsigned char)s[1])) {
        /* "2004-július-13": a month name, a day of one or two digits. */
        const char *name = ++s;
        while (is_word_byte((unsigned char)*s))
            s++;
        w->month = date_month_name(name, (size_t)(s - name));
        if (w->month < 0 || *s++ != '-' || read_digits(&s, 2, &v) == 0)
            return 0;
        w->day = (int)v;
    } else {
        return 0;
    }
    if (isdigit((unsigned char)*s) || (*s && *s != 'T' && *s != 't' && *s != ' '))
        return 0;
    *p = s;
    return 1;
}

#define NOT_ISO (-2)

/* An ISO date, then optionally 'T' or ' ' and a time ("2004-05-25 오후 11:23:17": an AM/PM
 * word after the space) and a zone. NOT_ISO when the string does not start with a date. */
static int parse_iso(const char *s, int64_t now, int64_t *out)
{
    struct when w = {.hour = -1, .min = -1, .sec = -1};
    int pm = -1, implied = DATE_NO_ZONE, zoned = 0;
    if (!iso_date(&s, &w, now))
        return NOT_ISO;
    if (*s == 'T' || *s == 't' || *s == ' ') {
        int t_sep = *s != ' ';
        s++;
        if (!t_sep && !isdigit((unsigned char)*s)) {
            const char *word = s;
            while (*s && *s != ' ')
                s++;
            if (date_ampm_word(word, (size_t)(s - word), &pm, &implied) < 0 || *s++ != ' ')
                return -1;
        }
        if (iso_time(&s, &w, t_sep) < 0)
            return -1;
        if (*s) {
            /* ISO 8601 knows only "Z" among the single letters (no military zones). */
            const char *z = s + (*s == ' ');
            if (isalpha((unsigned char)z[0]) && !isalpha((unsigned char)z[1]) &&
                z[0] != 'Z' && z[0] != 'z')
                return -1;
            struct date_zone zone;
            if (parse_zone(&s, &zone) < 0)
                return -1;
            w.offset = zone.minutes;
            w.us_dst = zone.us_dst;
            zoned = 1;
            /* Go's time.String(): "2006-01-02 15:04:05 -0700 MST": the name is redundant. */
            const char *after = s;
            /* Only after an offset: a zone that was a name takes no second one. */
            if ((*z == '+' || *z == '-') && *after == ' ' &&
                parse_zone(&after, &zone) == 0 && isalpha((unsigned char)after[-1]))
                s = after;
        }
    }
    while (*s == ' ')
        s++;
    if (*s)
        return -1;
    if (pm >= 0) {
        if (w.hour < 1 || w.hour > 12)
            return -1;
        w.hour = w.hour % 12 + 12 * pm;
    }
    if (!zoned && implied != DATE_NO_ZONE)
        w.offset = implied;
    return when_to_epoch(&w, out);
}


/* ---- RFC 822 and its variants ------------------------------------------------------ */

enum tok_type { TOK_NUM, TOK_WORD, TOK_TIME, TOK_OFFSET, TOK_YMD, TOK_ZONE };

struct tok {
    enum tok_type type;
    int64_t num;             /* TOK_NUM value, TOK_YMD year */
    int ndigits;             /* TOK_NUM length, zeros included ("02" is a year of 2) */
    int unit, unit_zone;     /* TOK_NUM: its date_unit_mark ("05월"), 0 if none */
    const char *word;        /* TOK_WORD start (not NUL-terminated) */
    size_t wlen;
    int h, m, s;             /* TOK_TIME; TOK_YMD month and day in m and s */
    int offset;              /* TOK_OFFSET, TOK_ZONE minutes */
};

#define MAX_TOKS 16

static int is_alpha_word(const struct tok *t)
{
    for (size_t k = 0; k < t->wlen; k++)
        if (!isalpha((unsigned char)t->word[k]))
            return 0;
    return 1;
}

/* A number at *s (nd digits): "hh:mm[:ss][.frac]" (TOK_TIME), Perforce's "YYYY/MM/DD"
 * (TOK_YMD), or a number with an English ordinal suffix or a unit mark (TOK_NUM). */
static int lex_number(const char **p, struct tok *t, int nd)
{
    const char *s = *p;
    int64_t v;
    if (s[nd] == ':') {
        t->type = TOK_TIME;
        if (nd > 2)
            return -1;
        read_digits(&s, 2, &v); t->h = (int)v;
        s++;
        if (read_digits(&s, 2, &v) != 2)
            return -1;
        t->m = (int)v;
        if (*s == ':') {
            s++;
            if (read_digits(&s, 2, &v) != 2)
                return -1;
            t->s = (int)v;
        }
        if (*s == '.' && isdigit((unsigned char)s[1])) {   /* fraction: dropped */
            s++;
            while (isdigit((unsigned char)*s))
                s++;
        }
    } else if (nd == 4 && s[nd] == '/') {
        t->type = TOK_YMD;
        read_digits(&s, 4, &t->num);
        s++;
        if (read_digits(&s, 2, &v) == 0 || *s++ != '/')
            return -1;
        t->m = (int)v;
        if (read_digits(&s, 2, &v) == 0 || isdigit((unsigned char)*s))
            return -1;
        t->s = (int)v;
    } else {
        if (nd > 6)
            return -1;
        t->type = TOK_NUM;
        t->ndigits = read_digits(&s, nd, &t->num);
        /* English ordinals: "1st", "22nd", "3rd", "10th". */
        if (strncasecmp(s, "st", 2) == 0 || strncasecmp(s, "nd", 2) == 0 ||
            strncasecmp(s, "rd", 2) == 0 || strncasecmp(s, "th", 2) == 0) {
            if (!is_word_byte((unsigned char)s[2]))
                s += 2;
        }
        s += date_unit_mark(s, &t->unit, &t->unit_zone);
    }
    *p = s;
    return 0;
}

/* Splits the (whitespace-squashed) string into tokens. Commas, periods after words or
 * numbers, and '-' before a time separate; '-' or '+' with digits after a time is an
 * offset. Parenthesised comments (RFC 822 3.4.3, "-0800 (PST)") are skipped. */
static int rfc822_lex(const char *s, struct tok *toks, int *ntoks)
{
    int n = 0, seen_time = 0;
    while (*s) {
        if (*s == ' ' || *s == ',' || *s == '.') {
            s++;
            continue;
        }
        if (*s == '(') {
            const char *e = strchr(s, ')');
            if (!e)
                return -1;
            s = e + 1;
            continue;
        }
        if (n == MAX_TOKS)
            return -1;
        struct tok *t = &toks[n];
        memset(t, 0, sizeof *t);
        struct date_zone z;
        if ((*s == '+' || *s == '-') && isdigit((unsigned char)s[1]) && seen_time) {
            t->type = TOK_OFFSET;
            if (parse_offset(&s, &t->offset) < 0)
                return -1;
        } else if (*s == '-') {
            s++;
            continue;
        } else if (isdigit((unsigned char)*s)) {
            if (lex_number(&s, t, count_digits(s)) < 0)
                return -1;
            seen_time |= t->type == TOK_TIME;
        } else if (date_etc_zone(&s, &z) == 0) {
            t->type = TOK_ZONE;
            t->offset = z.minutes;
        } else if (is_word_byte((unsigned char)*s)) {
            t->type = TOK_WORD;
            t->word = s;
            while (is_word_byte((unsigned char)*s))
                s++;
            t->wlen = (size_t)(s - t->word);
            if (t->wlen >= 32)
                return -1;
        } else {
            return -1;
        }
        n++;
    }
    *ntoks = n;
    return 0;
}

static int parse_rfc822(const char *s, int64_t *out)
{
    struct tok toks[MAX_TOKS];
    int ntoks;
    if (rfc822_lex(s, toks, &ntoks) < 0 || ntoks == 0)
        return -1;

    struct when w = {.year = -1, .month = -1, .day = -1, .hour = -1, .min = -1, .sec = -1};
    int ydigits = 0, zone_set = 0, zone_word = 0, units = 0;
    int pm = -1, implied = DATE_NO_ZONE;     /* pm: -1 no AM/PM word, 0 AM, 1 PM */
    int later_month = 0;
    for (int i = 1; i < ntoks; i++)
        if (toks[i].type == TOK_WORD && date_month_name(toks[i].word, toks[i].wlen) > 0)
            later_month = 1;

    for (int i = 0; i < ntoks; i++) {
        struct tok *t = &toks[i];
        struct date_zone z = {t->type == TOK_ZONE ? t->offset : 0, 0};
        int zone = t->type == TOK_ZONE;
        switch (t->type) {
        case TOK_WORD: {
            int m = date_month_name(t->word, t->wlen);
            int next_time = i + 1 < ntoks && toks[i + 1].type == TOK_TIME;
            /* A first word that looks like a month while a later word is the month is a
             * day name: Spanish "Mar, 10 Jun 2003" (martes). */
            if (i == 0 && (m < 0 || later_month) && date_day_name(t->word, t->wlen) == 0)
                break;
            if (m > 0 && w.month < 0) {
                w.month = m;
            } else if ((w.hour >= 0 || next_time) && pm < 0 &&
                       date_ampm_word(t->word, t->wlen, &pm, &implied) == 0) {
                /* "4:00 PM", Korean "오후 1:31:15" */
            } else if (date_zone_name(t->word, t->wlen, &z) == 0 ||
                       (w.hour >= 0 && t->wlen >= 3 && t->wlen <= 5 && is_alpha_word(t))) {
                /* Unknown alphabetic zones count as -0000 (RFC 2822 4.3): z is 0 then. */
                zone = 1;
            } else {
                return -1;
            }
            break;
        }
        case TOK_TIME:
            if (w.hour >= 0)
                return -1;
            w.hour = t->h;
            w.min = t->m;
            w.sec = t->s;
            break;
        case TOK_OFFSET:
            if (zone_set)
                return -1;
            zone_set = 1;
            w.offset = t->offset;
            break;
        case TOK_ZONE:                       /* "Etc/GMT" */
            break;
        case TOK_YMD:                        /* Perforce: "Fri, 2006/09/15 08:19:53 EDT" */
            if (w.year >= 0 || w.month >= 0 || w.day >= 0)
                return -1;
            w.year = t->num;
            ydigits = 4;
            w.month = t->m;
            w.day = t->s;
            break;
        case TOK_NUM:
            if (t->unit == DATE_UNIT_YEAR) {     /* Korean "2004년 05월 28일" */
                if (w.year >= 0 || t->ndigits != 4)
                    return -1;
                w.year = t->num;
                ydigits = 4;
            } else if (t->unit) {
                int *field = t->unit == DATE_UNIT_MONTH ? &w.month : &w.day;
                if (*field >= 0 || t->ndigits > 2)
                    return -1;
                *field = (int)t->num;
            }
            if (t->unit) {
                units++;
                implied = t->unit_zone;
            } else if (w.hour < 0 && w.day >= 0 && w.month > 0 && w.year >= 0 &&
                (t->ndigits == 4 || t->ndigits == 6)) {
                /* "03 Apr 02 1500 GMT": hhmm[ss] without colons. */
                w.hour = (int)(t->num / (t->ndigits == 6 ? 10000 : 100));
                w.min = (int)(t->num / (t->ndigits == 6 ? 100 : 1) % 100);
                w.sec = t->ndigits == 6 ? (int)(t->num % 100) : 0;
            } else if (w.day < 0 && t->ndigits <= 2) {
                w.day = (int)t->num;
            } else if (w.year < 0 && t->ndigits >= 2 && t->ndigits <= 5) {
                w.year = t->num;
                ydigits = t->ndigits;
            } else {
                return -1;
            }
            break;
        }
        if (zone) {
            if (zone_word)
                return -1;
            zone_word = 1;
            if (zone_set)
                continue;    /* name after a numeric offset ("+0000 UTC", Go): number wins */
            zone_set = 1;
            w.offset = z.minutes;
            w.us_dst = z.us_dst;
            if (i + 1 < ntoks && toks[i + 1].type == TOK_OFFSET)
                w.offset += toks[++i].offset;            /* "GMT+0200" */
        }
    }
    if (w.month < 0 || w.day < 0 || w.year < 0 || (units && units != 3))
        return -1;
    /* RFC 2822 4.3: a two-digit year below 50 is 20xx, else 19xx; three digits + 1900. */
    if (ydigits == 2)
        w.year += w.year < 50 ? 2000 : 1900;
    else if (ydigits == 3)
        w.year += 1900;
    if (pm >= 0) {
        if (w.hour < 1 || w.hour > 12)
            return -1;
        w.hour = w.hour % 12 + 12 * pm;
    }
    if (!zone_set && implied != DATE_NO_ZONE)
        w.offset = implied;                  /* Korean software writes Korean time */
    return when_to_epoch(&w, out);
}

/* ---- Entry points ------------------------------------------------------------------ */

int date_parse_at(const char *s, int64_t now, int64_t *out)
{
    if (!s)
        return -1;
    /* Whitespace (CR/LF/tabs inside a pubDate, jn-pt feed) becomes single spaces. No
     * real date is longer than the buffer, however much padding surrounds it. */
    char buf[128] = {0};   /* zeroed: the lexers look one byte ahead of the NUL at most,
                            * and clang-analyzer cannot see that bound */
    size_t n = 0;
    int space = 0;
    for (const char *p = s; *p; p++) {
        if (isspace((unsigned char)*p)) {
            space = 1;
            continue;
        }
        if (n + 2 >= sizeof buf)
            return -1;
        if (space && n)
            buf[n++] = ' ';
        space = 0;
        buf[n++] = *p;
    }
    buf[n] = '\0';
    if (n == 0)
        return -1;
    int r = parse_iso(buf, now, out);
    return r != NOT_ISO ? r : parse_rfc822(buf, out);
}

int date_parse(const char *s, int64_t *out)
{
    return date_parse_at(s, (int64_t)time(NULL), out);
}
