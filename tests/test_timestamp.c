/* SPEC §2, checkpoint table: which TS segments name a second at all. */
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <check.h>

#include "testmain.h"
#include "timestamp.h"

typedef struct {
    const char *ts;
    int ok;
    apr_int64_t epoch; /* when ok */
} ts_case;

static const ts_case parse_cases[] = {
    /* well-formed */
    {"19700101T000000Z", 1, 0},
    {"20250130T203000Z", 1, APR_INT64_C(1738269000)},
    {"20000101T000000Z", 1, APR_INT64_C(946684800)},
    {"20380119T031408Z", 1, APR_INT64_C(2147483648)},
    {"99991231T235959Z", 1, CKPT_TS_MAX_EPOCH},
    {"00010101T000000Z", 1, CKPT_TS_MIN_EPOCH},
    /* before 1970: negative */
    {"19691231T235959Z", 1, -1},
    {"19000101T000000Z", 1, APR_INT64_C(-2208988800)},
    {"16000229T120000Z", 1, APR_INT64_C(-11670955200)},
    /* 29 February */
    {"20240229T000000Z", 1, APR_INT64_C(1709164800)},
    {"20000229T000000Z", 1, APR_INT64_C(951782400)},
    {"20230229T000000Z", 0, 0},
    {"19000229T000000Z", 0, 0},
    {"21000229T000000Z", 0, 0},
    {"20240230T000000Z", 0, 0},
    {"20240431T000000Z", 0, 0},
    {"20240430T000000Z", 1, APR_INT64_C(1714435200)},
    {"20241231T235959Z", 1, APR_INT64_C(1735689599)},
    {"24000229T000000Z", 1, APR_INT64_C(13574563200)}, /* divisible by 400 */
    {"99990229T000000Z", 0, 0}, /* 9999 is a common year */
    {"99960229T000000Z", 1, APR_INT64_C(253281168000)},
    {"99991231T235960Z", 0, 0},
    {"99991232T000000Z", 0, 0},
    /* not real dates or times */
    {"00000101T000000Z", 0, 0},
    {"20250001T000000Z", 0, 0},
    {"20251301T000000Z", 0, 0},
    {"20259901T000000Z", 0, 0},
    {"20259928T092752Z", 0, 0},
    {"20250100T000000Z", 0, 0},
    {"20250132T000000Z", 0, 0},
    {"20250101T240000Z", 0, 0},
    {"20250101T236000Z", 0, 0},
    {"20250101T235960Z", 0, 0},
    {"20250101T999999Z", 0, 0},
    /* malformed */
    {"invalid_ts", 0, 0},
    {"", 0, 0},
    {"20250130T203000", 0, 0},   /* 15 characters, no Z */
    {"20250130T203000ZZ", 0, 0}, /* 17 characters */
    {"20250130T2030000", 0, 0},  /* Z missing, 16 characters */
    {"20250130t203000Z", 0, 0},
    {"20250130T203000z", 0, 0},
    {"20250130t203000z", 0, 0},
    {"2025013T203000Z", 0, 0},   /* 15 characters, Z present */
    {"202501300T203000Z", 0, 0}, /* 17 characters, Z present */
    {"20250130 203000Z", 0, 0},
    {"2025-01-30T20300", 0, 0},
    {"+0250130T203000Z", 0, 0},
    {" 0250130T203000Z", 0, 0},
    {"2025013OT203000Z", 0, 0},
    {"20250130T20300AZ", 0, 0},
    {"\xef\xbc\x92" "0250130T203000Z", 0, 0}, /* fullwidth digit */
};

START_TEST(test_parse_table)
{
    const ts_case *c = &parse_cases[_i];
    apr_int64_t got = 12345;
    int rc = ckpt_ts_parse(c->ts, strlen(c->ts), &got);

    if (c->ok) {
        ck_assert_msg(rc == 0, "%s should parse", c->ts);
        ck_assert_msg(got == c->epoch, "%s: got %" APR_INT64_T_FMT ", want %" APR_INT64_T_FMT,
                      c->ts, got, c->epoch);
    } else {
        ck_assert_msg(rc == -1, "%s should be refused", c->ts);
        ck_assert_msg(got == 12345, "%s: output touched on failure", c->ts);
    }
}
END_TEST

START_TEST(test_parse_uses_len_not_nul)
{
    apr_int64_t t;
    /* A valid timestamp followed by more bytes: only len counts. */
    ck_assert_int_eq(ckpt_ts_parse("20250130T203000Z/dists", 16, &t), 0);
    ck_assert_int_eq(ckpt_ts_parse("20250130T203000Z/dists", 17, &t), -1);
    ck_assert_int_eq(ckpt_ts_parse("20250130T203000Z", 15, &t), -1);
    /* An embedded NUL is not a digit. */
    ck_assert_int_eq(ckpt_ts_parse("2025\0" "130T203000Z", 16, &t), -1);
    ck_assert_int_eq(ckpt_ts_parse(NULL, 16, &t), -1);
}
END_TEST

/* Every valid case formats back to the same bytes. */
START_TEST(test_round_trip_table)
{
    const ts_case *c = &parse_cases[_i];
    apr_int64_t t;
    char out[CKPT_TS_LEN + 1];

    if (!c->ok) {
        return;
    }
    ck_assert_int_eq(ckpt_ts_parse(c->ts, strlen(c->ts), &t), 0);
    ckpt_ts_format(t, out);
    ck_assert_str_eq(out, c->ts);
}
END_TEST

/* Year 1 to 9999, sampled every 3 days and 17 minutes and 13 seconds (so
 * every weekday, month and time of day comes round): format then parse
 * gives the same second. */
START_TEST(test_round_trip_sweep)
{
    apr_int64_t t, back;
    char out[CKPT_TS_LEN + 1];

    for (t = CKPT_TS_MIN_EPOCH; t <= CKPT_TS_MAX_EPOCH; t += 3 * 86400 + 17 * 60 + 13) {
        ckpt_ts_format(t, out);
        if (strlen(out) != CKPT_TS_LEN || ckpt_ts_parse(out, CKPT_TS_LEN, &back) != 0
            || back != t) {
            ck_abort_msg("%" APR_INT64_T_FMT " -> %s does not round-trip", t, out);
        }
    }
}
END_TEST

START_TEST(test_format_clamps)
{
    char out[CKPT_TS_LEN + 1];

    ckpt_ts_format(CKPT_TS_MIN_EPOCH - 1, out);
    ck_assert_str_eq(out, "00010101T000000Z");
    ckpt_ts_format(APR_INT64_MIN, out);
    ck_assert_str_eq(out, "00010101T000000Z");
    ckpt_ts_format(CKPT_TS_MAX_EPOCH + 1, out);
    ck_assert_str_eq(out, "99991231T235959Z");
    ckpt_ts_format(APR_INT64_MAX, out);
    ck_assert_str_eq(out, "99991231T235959Z");
}
END_TEST

typedef struct {
    apr_int64_t epoch;
    const char *listing;
} listing_case;

static const listing_case listing_cases[] = {
    {0, "01-Jan-1970 00:00"},
    {APR_INT64_C(1738269059), "30-Jan-2025 20:30"},
    {APR_INT64_C(1709164800), "29-Feb-2024 00:00"},
    {-1, "31-Dec-1969 23:59"},
    {APR_INT64_C(1733011200), "01-Dec-2024 00:00"},
    {CKPT_TS_MAX_EPOCH, "31-Dec-9999 23:59"},
    {CKPT_TS_MIN_EPOCH, "01-Jan-0001 00:00"},
};

START_TEST(test_format_listing_table)
{
    char out[CKPT_TS_LISTING_LEN + 1];

    ckpt_ts_format_listing(listing_cases[_i].epoch, out);
    ck_assert_str_eq(out, listing_cases[_i].listing);
}
END_TEST

typedef struct {
    const char *ts;
    apr_int64_t now;
    ckpt_ts_class want;
} classify_case;

/* now = 20250130T203000Z */
#define NOW APR_INT64_C(1738269000)

static const classify_case classify_cases[] = {
    {"20250130T203000Z", NOW, CKPT_TS_OK},      /* this very second */
    {"20250130T202959Z", NOW, CKPT_TS_OK},      /* the past */
    {"19991231T235959Z", NOW, CKPT_TS_OK},      /* long ago: the database decides */
    {"20250130T203001Z", NOW, CKPT_TS_FUTURE},  /* next second */
    {"99991231T235959Z", NOW, CKPT_TS_FUTURE},
    {"invalid_ts", NOW, CKPT_TS_INVALID},
    {"20250130T203000z", NOW, CKPT_TS_INVALID}, /* lowercase z */
    {"20250130T20300Z", NOW, CKPT_TS_INVALID},  /* wrong length */
    {"20259928T092752Z", NOW, CKPT_TS_INVALID}, /* not a real date */
    {"20230229T000000Z", NOW, CKPT_TS_INVALID},
};

START_TEST(test_classify_table)
{
    const classify_case *c = &classify_cases[_i];
    apr_int64_t t = -7;
    ckpt_ts_class got = ckpt_ts_classify(c->ts, strlen(c->ts), c->now, &t);

    ck_assert_msg(got == c->want, "%s: got %d want %d", c->ts, (int)got, (int)c->want);
    if (got != CKPT_TS_INVALID) {
        apr_int64_t direct;
        ck_assert_int_eq(ckpt_ts_parse(c->ts, strlen(c->ts), &direct), 0);
        ck_assert(t == direct);
    }
    /* epoch_sec may be NULL. */
    ck_assert(ckpt_ts_classify(c->ts, strlen(c->ts), c->now, NULL) == c->want);
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static Suite *timestamp_suite(void)
{
    Suite *s = suite_create("timestamp");
    TCase *tc;

    tc = tcase_create("parse");
    tcase_add_loop_test(tc, test_parse_table, 0, N(parse_cases));
    tcase_add_test(tc, test_parse_uses_len_not_nul);
    suite_add_tcase(s, tc);

    tc = tcase_create("format");
    tcase_add_loop_test(tc, test_round_trip_table, 0, N(parse_cases));
    tcase_add_test(tc, test_round_trip_sweep);
    tcase_add_test(tc, test_format_clamps);
    tcase_add_loop_test(tc, test_format_listing_table, 0, N(listing_cases));
    suite_add_tcase(s, tc);

    tc = tcase_create("checkpoint table");
    tcase_add_loop_test(tc, test_classify_table, 0, N(classify_cases));
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return ckpt_test_main(timestamp_suite, NULL);
}
