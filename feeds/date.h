/* feeds/date.h: dates as feeds write them. RFC 822/1123 and its broken variants (missing
 * day name, two-digit years, no seconds, "1500" without colon, named zones EST/PDT/GMT/UT,
 * US zones without standard/daylight (ET, PT...), tz database Etc/ names, military zones,
 * numeric offsets with or without colon, extra whitespace), RFC 3339 / ISO 8601 / W3C-DTF
 * (date only, reduced precision, fractions, Z or offset, ordinal dates, the truncated
 * forms of ISO 8601:2000), month and day names in the languages feeds use (Greek and
 * Hungarian among them), and the Korean and Perforce forms feedparser reads. A date
 * without a zone is UTC (Korean forms: Korean time); a date without a time is midnight. */
#ifndef FEEDSD_DATE_H
#define FEEDSD_DATE_H

#include <stddef.h>
#include <stdint.h>

/* 0 and *out = seconds since the epoch (UTC) on success, -1 when s is not a date. */
int date_parse(const char *s, int64_t *out);

/* date_parse read at the time now (seconds since the epoch) instead of the clock's: the
 * truncated ISO 8601 forms take what they omit from it (the century of "03-12-31", the
 * year of "--12-31", the year and month of "---31"). date_parse(s, out) is
 * date_parse_at(s, time(NULL), out). */
int date_parse_at(const char *s, int64_t now, int64_t *out);

/* "YYYY-MM-DDTHH:MM:SSZ" into out (at least 32 bytes; years beyond 9999 are written in
 * full). Returns out. */
char *date_format_utc(int64_t t, char *out, size_t outlen);

#endif
