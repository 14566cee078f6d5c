/* Checkpoint timestamps: YYYYMMDDTHHMMSSZ in UTC, and the listing date.
 * Pure C (apr only), so the rules of SPEC §2 are unit-tested directly. */
#ifndef CKPT_TIMESTAMP_H
#define CKPT_TIMESTAMP_H

#include <apr.h>

/* Length of a checkpoint timestamp, without the terminating NUL. */
#define CKPT_TS_LEN 16
/* Length of a listing date "DD-Mon-YYYY HH:MM", without the NUL. */
#define CKPT_TS_LISTING_LEN 17

/* Seconds since 1970-01-01T00:00:00Z of the first and the last second that
 * a timestamp can name (0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z). */
#define CKPT_TS_MIN_EPOCH APR_INT64_C(-62135596800)
#define CKPT_TS_MAX_EPOCH APR_INT64_C(253402300799)

typedef enum {
    CKPT_TS_INVALID, /* malformed, or not a real date/time: 404 */
    CKPT_TS_FUTURE,  /* a real date/time after now: 404 */
    CKPT_TS_OK       /* look it up (exact match, or resolve to an older checkpoint) */
} ckpt_ts_class;

/* Parses exactly len bytes of strict YYYYMMDDTHHMMSSZ (year 0001..9999,
 * real Gregorian dates, seconds 00..59).  Returns 0 and sets *epoch_sec,
 * or -1 (and leaves *epoch_sec alone). */
int ckpt_ts_parse(const char *s, apr_size_t len, apr_int64_t *epoch_sec);

/* The inverse of ckpt_ts_parse: 16 characters and a NUL.  Values outside
 * [CKPT_TS_MIN_EPOCH, CKPT_TS_MAX_EPOCH] are clamped to that range, so the
 * output is always a valid timestamp. */
void ckpt_ts_format(apr_int64_t epoch_sec, char out[CKPT_TS_LEN + 1]);

/* "DD-Mon-YYYY HH:MM" in UTC with English month names, as nginx's autoindex
 * prints dates; clamped like ckpt_ts_format. */
void ckpt_ts_format_listing(apr_int64_t epoch_sec, char out[CKPT_TS_LISTING_LEN + 1]);

/* SPEC §2's checkpoint table, the part that needs no database: whether the
 * TS segment of a URL can name a checkpoint at all.  A timestamp equal to
 * now_sec is not in the future.  On CKPT_TS_FUTURE and CKPT_TS_OK,
 * *epoch_sec (when not NULL) is set.  The comparison with the first
 * checkpoint is the caller's, against the database. */
ckpt_ts_class ckpt_ts_classify(const char *s, apr_size_t len, apr_int64_t now_sec,
                               apr_int64_t *epoch_sec);

/* Length of an HTTP-date "Sun, 06 Nov 1994 08:49:37 GMT", without the NUL. */
#define CKPT_TS_HTTP_LEN 29

/* The IMF-fixdate of RFC 7231 (RFC 1123's form), which Memento-Datetime
 * and Accept-Datetime use (RFC 7089); clamped like ckpt_ts_format. */
void ckpt_ts_format_http(apr_int64_t epoch_sec, char out[CKPT_TS_HTTP_LEN + 1]);

/* Parses an Accept-Datetime value: exactly RFC 1123's form in GMT
 * (surrounding spaces allowed), a real date and time.  0 and *epoch_sec,
 * or -1. */
int ckpt_ts_parse_http(const char *s, apr_int64_t *epoch_sec);

/* Parses exactly len bytes of YYYYMMDD (a real Gregorian date): 0 and the
 * first second of that UTC day, or -1. */
int ckpt_ts_parse_day(const char *s, apr_size_t len, apr_int64_t *day_start);

/* What the first segment below a checkpoint distribution's base path is
 * (SPEC §2 and its extensions). */
typedef enum {
    CKPT_SEG_EXACT,   /* YYYYMMDDTHHMMSSZ, not in the future: *epoch_sec */
    CKPT_SEG_DAY,     /* YYYYMMDD, not in the future: *epoch_sec is the end of
                       * that UTC day, or now_sec for today */
    CKPT_SEG_INVALID, /* eight digits, alone or before a 'T', that are not one
                       * of the above (malformed, not real, the future): 404 */
    CKPT_SEG_OTHER    /* not a time at all: a path or a reserved name */
} ckpt_seg_class;

ckpt_seg_class ckpt_ts_classify_segment(const char *s, apr_size_t len, apr_int64_t now_sec,
                                        apr_int64_t *epoch_sec);

#endif
