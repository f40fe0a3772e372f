/*
 * dates.c - see dates.h.
 */
#include "dates.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

int64_t ks_parse_date(const char *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    int y, m, d;
    char extra;
    if (!s || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &extra) != 3 || m < 1 || m > 12 || d < 1 ||
        d > 31 || strlen(s) != 10)
        return -1;
    tm.tm_year = y - 1900;
    tm.tm_mon = m - 1;
    tm.tm_mday = d;
    time_t t = timegm(&tm);
    struct tm back;
    /* 2030-02-30 is not a date, whatever timegm makes of it. */
    if (!gmtime_r(&t, &back) || back.tm_mday != d || back.tm_mon != m - 1)
        return -1;
    return (int64_t)t;
}

bool ks_format_time(char *out, size_t cap, const char *fmt, int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral" /* callers' formats are checked */
    return gmtime_r(&tt, &tm) && strftime(out, cap, fmt, &tm) > 0;
#pragma GCC diagnostic pop
}

void ks_format_date(char out[11], int64_t t)
{
    if (!ks_format_time(out, 11, "%Y-%m-%d", t))
        snprintf(out, 11, "?");
}

void ks_today(char out[11])
{
    ks_format_date(out, (int64_t)time(NULL));
}
