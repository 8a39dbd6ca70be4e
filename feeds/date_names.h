/* feeds/date_names.h: the words of dates (month and day names in the languages feeds
 * write, zone names, AM/PM words, Korean unit marks) and their lookups, for feeds/date.c
 * only. Words are compared case-insensitively: ASCII, Latin-1 and Greek capitals are
 * folded to lower case (UTF-8), other bytes compared as they are. */
#ifndef FEEDSD_DATE_NAMES_H
#define FEEDSD_DATE_NAMES_H

#include <stddef.h>

#define DATE_NO_ZONE (-100000)   /* "no zone implied" (offsets are minutes east of UTC) */

/* The month (1-12) of a month name, of an unambiguous prefix of at least 3 bytes of one,
 * or of a listed abbreviation; -1 otherwise. */
int date_month_name(const char *w, size_t n);

/* 0 when the word's first two letters start a day name (the day is only skipped, never
 * checked, so a misspelt "Thr" counts), -1 otherwise. */
int date_day_name(const char *w, size_t n);

/* A named zone: minutes east of UTC, and us_dst set for the US zone names that say
 * neither standard nor daylight time ("ET"): daylight time is added where the US rule
 * has it in force (date.c, us_daylight). */
struct date_zone {
    int minutes;
    int us_dst;
};

/* The zone named by the n bytes at s (case-insensitive); 0, or -1 when unknown. */
int date_zone_name(const char *s, size_t n, struct date_zone *z);

/* A tz database name "Etc/NAME" at *p ("Etc/GMT", "Etc/UTC", "Etc/GMT+5" = UTC-5, the
 * tz database's inverted sign); 0 and *p past it, or -1. */
int date_etc_zone(const char **p, struct date_zone *z);

/* "am"/"pm" and their equivalents: 0 with *pm (0 or 1) and *zone, the zone the writers of
 * that word mean when they give none (DATE_NO_ZONE for "am"/"pm"); -1 if not one. */
int date_ampm_word(const char *w, size_t n, int *pm, int *zone);

/* A unit mark written right after a number ("2004년 05월 28일"): its length in bytes with
 * *field (DATE_UNIT_YEAR...) and *zone as for date_ampm_word; 0 if none starts at s. */
enum { DATE_UNIT_YEAR = 1, DATE_UNIT_MONTH, DATE_UNIT_DAY };
size_t date_unit_mark(const char *s, int *field, int *zone);

#endif
