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

#endif
