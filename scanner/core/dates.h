/*
 * dates.h - calendar dates as keysift reads and writes them: YYYY-MM-DD,
 * in UTC (support periods, baseline expiry, certificate validity).
 */
#ifndef KS_DATES_H
#define KS_DATES_H

#include "ks.h"

/* "YYYY-MM-DD" to seconds since the epoch (00:00 UTC); -1 when malformed
 * or not a day of the calendar (2030-02-30). */
int64_t ks_parse_date(const char *s);
/* strftime of seconds since the epoch, in UTC; false (out untouched) when
 * the time is out of range. */
bool ks_format_time(char *out, size_t cap, const char *fmt, int64_t t)
    __attribute__((format(strftime, 3, 0)));
/* Seconds since the epoch as "YYYY-MM-DD" (UTC); "?" when out of range. */
void ks_format_date(char out[11], int64_t t);
/* Today's date in UTC as YYYY-MM-DD. */
void ks_today(char out[11]);

#endif
