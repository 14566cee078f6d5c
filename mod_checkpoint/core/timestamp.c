/* Checkpoint timestamps (see timestamp.h).
 *
 * The conversions use the days-from-civil algorithm for the proleptic
 * Gregorian calendar instead of timegm/gmtime: those depend on time_t's
 * width and on the C library, while a checkpoint URL must mean the same
 * second everywhere, for years 1..9999. */
#include <string.h>

#include <apr_date.h>
#include <apr_lib.h>
#include <apr_time.h>

#include "timestamp.h"

static int is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : mdays[m - 1];
}

/* Days since 1970-01-01 of y-m-d.  Shifting the year to start in March puts
 * the leap day last, so each 400-year era has the same shape; y >= 1 here,
 * so every division is on non-negative numbers. */
static apr_int64_t days_from_civil(int y, int m, int d)
{
    apr_int64_t era, yoe, doy, doe;

    y -= m <= 2;
    era = y / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* The inverse of days_from_civil for days >= that of 0001-01-01, which the
 * callers guarantee by clamping. */
static void civil_from_days(apr_int64_t z, int *y, int *m, int *d)
{
    apr_int64_t era, doe, yoe, doy, mp;

    z += 719468;
    era = z / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

/* n digits at s as a number (the caller checked that they are digits). */
static int digits(const char *s, int n)
{
    int v = 0;
    int i;

    for (i = 0; i < n; i++) {
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* 1 when the n bytes at s are all decimal digits. */
static int all_digits(const char *s, int n)
{
    int i;

    for (i = 0; i < n; i++) {
        if (!apr_isdigit(s[i])) {
            return 0;
        }
    }
    return 1;
}

int ckpt_ts_parse(const char *s, apr_size_t len, apr_int64_t *epoch_sec)
{
    char buf[CKPT_TS_LEN + 1];
    int year, month, day, hour, minute, second;

    if (s == NULL || len != CKPT_TS_LEN) {
        return -1;
    }
    /* The segment is part of a longer path: the mask wants it alone. */
    memcpy(buf, s, CKPT_TS_LEN);
    buf[CKPT_TS_LEN] = '\0';
    if (!apr_date_checkmask(buf, "########T######Z")) {
        return -1;
    }
    year = digits(s, 4);
    month = digits(s + 4, 2);
    day = digits(s + 6, 2);
    hour = digits(s + 9, 2);
    minute = digits(s + 11, 2);
    second = digits(s + 13, 2);
    if (year < 1 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59
        || second > 59) {
        return -1;
    }
    if (day > days_in_month(year, month)) {
        return -1;
    }
    *epoch_sec = days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
    return 0;
}

typedef struct {
    int year, month, day, hour, minute, second;
} civil_time;

static void civil_from_epoch(apr_int64_t t, civil_time *c)
{
    apr_int64_t days, secs;

    if (t < CKPT_TS_MIN_EPOCH) {
        t = CKPT_TS_MIN_EPOCH;
    } else if (t > CKPT_TS_MAX_EPOCH) {
        t = CKPT_TS_MAX_EPOCH;
    }
    /* Floor division: pre-1970 seconds belong to the day before. */
    days = t / 86400;
    secs = t % 86400;
    if (secs < 0) {
        secs += 86400;
        days--;
    }
    civil_from_days(days, &c->year, &c->month, &c->day);
    c->hour = (int)(secs / 3600);
    c->minute = (int)(secs / 60 % 60);
    c->second = (int)(secs % 60);
}

/* Writes v as exactly n decimal digits (v fits: the range is clamped). */
static char *put_digits(char *out, int v, int n)
{
    int i;

    for (i = n - 1; i >= 0; i--) {
        out[i] = (char)('0' + v % 10);
        v /= 10;
    }
    return out + n;
}

void ckpt_ts_format(apr_int64_t epoch_sec, char out[CKPT_TS_LEN + 1])
{
    civil_time c;
    char *o = out;

    civil_from_epoch(epoch_sec, &c);
    o = put_digits(o, c.year, 4);
    o = put_digits(o, c.month, 2);
    o = put_digits(o, c.day, 2);
    *o++ = 'T';
    o = put_digits(o, c.hour, 2);
    o = put_digits(o, c.minute, 2);
    o = put_digits(o, c.second, 2);
    *o++ = 'Z';
    *o = '\0';
}

void ckpt_ts_format_listing(apr_int64_t epoch_sec, char out[CKPT_TS_LISTING_LEN + 1])
{
    civil_time c;
    const char *mon;
    char *o = out;

    civil_from_epoch(epoch_sec, &c);
    mon = apr_month_snames[c.month - 1];
    o = put_digits(o, c.day, 2);
    *o++ = '-';
    *o++ = mon[0];
    *o++ = mon[1];
    *o++ = mon[2];
    *o++ = '-';
    o = put_digits(o, c.year, 4);
    *o++ = ' ';
    o = put_digits(o, c.hour, 2);
    *o++ = ':';
    o = put_digits(o, c.minute, 2);
    *o = '\0';
}

ckpt_ts_class ckpt_ts_classify(const char *s, apr_size_t len, apr_int64_t now_sec,
                               apr_int64_t *epoch_sec)
{
    apr_int64_t t;

    if (ckpt_ts_parse(s, len, &t) != 0) {
        return CKPT_TS_INVALID;
    }
    if (epoch_sec != NULL) {
        *epoch_sec = t;
    }
    return t > now_sec ? CKPT_TS_FUTURE : CKPT_TS_OK;
}

void ckpt_ts_format_http(apr_int64_t epoch_sec, char out[CKPT_TS_HTTP_LEN + 1])
{
    civil_time c;
    apr_int64_t days;
    const char *mon, *dow;
    char *o = out;

    if (epoch_sec < CKPT_TS_MIN_EPOCH) {
        epoch_sec = CKPT_TS_MIN_EPOCH;
    }
    else if (epoch_sec > CKPT_TS_MAX_EPOCH) {
        epoch_sec = CKPT_TS_MAX_EPOCH;
    }
    civil_from_epoch(epoch_sec, &c);
    days = days_from_civil(c.year, c.month, c.day);
    /* 1970-01-01 was a Thursday. */
    dow = apr_day_snames[((days % 7) + 7 + 4) % 7];
    mon = apr_month_snames[c.month - 1];
    *o++ = dow[0], *o++ = dow[1], *o++ = dow[2], *o++ = ',', *o++ = ' ';
    o = put_digits(o, c.day, 2);
    *o++ = ' ', *o++ = mon[0], *o++ = mon[1], *o++ = mon[2], *o++ = ' ';
    o = put_digits(o, c.year, 4);
    *o++ = ' ';
    o = put_digits(o, c.hour, 2);
    *o++ = ':';
    o = put_digits(o, c.minute, 2);
    *o++ = ':';
    o = put_digits(o, c.second, 2);
    *o++ = ' ', *o++ = 'G', *o++ = 'M', *o++ = 'T';
    *o = '\0';
}

/* The index of the three letters at s in names, or -1. */
static int name_index(const char *s, const char (*names)[4], int n)
{
    int i;

    for (i = 0; i < n; i++) {
        if (s[0] == names[i][0] && s[1] == names[i][1] && s[2] == names[i][2]) {
            return i;
        }
    }
    return -1;
}

/* Accept-Datetime is RFC 1123's date, which RFC 7089 asks for; the
 * obsolete RFC 850 and asctime forms are refused (400), so that a
 * client's mistake is seen rather than guessed at. */
int ckpt_ts_parse_http(const char *s, apr_int64_t *epoch_sec)
{
    char buf[CKPT_TS_HTTP_LEN + 1];
    int day, month, year, hour, minute, second;
    apr_size_t len;

    if (s == NULL) {
        return -1;
    }
    while (*s == ' ' || *s == '\t') {
        s++;
    }
    for (len = 0; s[len]; len++) {
    }
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t')) {
        len--;
    }
    if (len != CKPT_TS_HTTP_LEN) {
        return -1;
    }
    memcpy(buf, s, len);
    buf[len] = '\0';
    if (!apr_date_checkmask(buf, "@$$, ## @$$ #### ##:##:## GMT")
        || name_index(s, apr_day_snames, 7) < 0) {
        return -1;
    }
    day = digits(s + 5, 2);
    month = name_index(s + 8, apr_month_snames, 12) + 1;
    year = digits(s + 12, 4);
    hour = digits(s + 17, 2);
    minute = digits(s + 20, 2);
    second = digits(s + 23, 2);
    if (year < 1 || month < 1 || day < 1 || day > days_in_month(year, month) || hour < 0
        || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) {
        return -1;
    }
    *epoch_sec = days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
    return 0;
}

int ckpt_ts_parse_day(const char *s, apr_size_t len, apr_int64_t *day_start)
{
    int year, month, day;

    if (s == NULL || len != 8 || !all_digits(s, 8)) {
        return -1;
    }
    year = digits(s, 4);
    month = digits(s + 4, 2);
    day = digits(s + 6, 2);
    if (year < 1 || month < 1 || month > 12 || day < 1 || day > days_in_month(year, month)) {
        return -1;
    }
    *day_start = days_from_civil(year, month, day) * 86400;
    return 0;
}

/* Eight digits alone or before a 'T' (either case) are taken for a time,
 * right or wrong, so that a mistyped stamp stays 404 (as Pulp answers)
 * rather than becoming a path for the TimeGate. */
ckpt_seg_class ckpt_ts_classify_segment(const char *s, apr_size_t len, apr_int64_t now_sec,
                                        apr_int64_t *epoch_sec)
{
    apr_int64_t t;

    if (len < 8 || !all_digits(s, 8) || (len > 8 && s[8] != 'T' && s[8] != 't')) {
        return CKPT_SEG_OTHER;
    }
    if (len == 8) {
        if (ckpt_ts_parse_day(s, len, &t) != 0 || t > now_sec) {
            return CKPT_SEG_INVALID;
        }
        *epoch_sec = t + 86399 < now_sec ? t + 86399 : now_sec;
        return CKPT_SEG_DAY;
    }
    if (ckpt_ts_classify(s, len, now_sec, &t) != CKPT_TS_OK) {
        return CKPT_SEG_INVALID;
    }
    *epoch_sec = t;
    return CKPT_SEG_EXACT;
}
