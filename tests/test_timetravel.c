/* Issue 12 without a database: HTTP dates and days (timestamp.c),
 * RFC 7089's Link header, the index as JSON and by month, Accept and the
 * query string (timetravel.c), and a path's TimeMap, a diff and a lookup
 * by digest written through a history source made of arrays (history.c),
 * a diff in pages smaller than itself. */
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_strings.h>
#include <check.h>

#include "testmain.h"
#include "history.h"
#include "timestamp.h"
#include "timetravel.h"

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static apr_pool_t *pool;

static void setup(void)
{
    apr_pool_create(&pool, NULL);
}

static void teardown(void)
{
    apr_pool_destroy(pool);
}

/* ---- timestamp.c: HTTP dates, days, the first segment ---- */

typedef struct {
    const char *s;
    int ok;
    apr_int64_t sec;
} http_case;

static const http_case http_cases[] = {
    {"Sun, 06 Nov 1994 08:49:37 GMT", 1, APR_INT64_C(784111777)}, /* RFC 7231's example */
    {"Thu, 30 Jan 2025 20:30:00 GMT", 1, APR_INT64_C(1738269000)},
    {"  Thu, 30 Jan 2025 20:30:00 GMT\t", 1, APR_INT64_C(1738269000)},
    {"Thu, 01 Jan 1970 00:00:00 GMT", 1, 0},
    {"Thu, 29 Feb 2024 00:00:00 GMT", 1, APR_INT64_C(1709164800)},
    {"Thu, 29 Feb 2023 00:00:00 GMT", 0, 0},
    {"Thu, 30 Jan 2025 24:00:00 GMT", 0, 0},
    {"Thu, 30 Jan 2025 20:30:60 GMT", 0, 0},
    {"Thu, 30 Jab 2025 20:30:00 GMT", 0, 0},
    {"Xyz, 30 Jan 2025 20:30:00 GMT", 0, 0},
    {"Thu, 30 Jan 2025 20:30:00 UTC", 0, 0},
    {"Thursday, 30-Jan-25 20:30:00 GMT", 0, 0}, /* RFC 850 */
    {"Thu Jan 30 20:30:00 2025", 0, 0},         /* asctime */
    {"2025-01-30T20:30:00Z", 0, 0},
    {"", 0, 0},
};

START_TEST(test_http_parse_table)
{
    const http_case *c = &http_cases[_i];
    apr_int64_t t = -7;

    ck_assert_int_eq(ckpt_ts_parse_http(c->s, &t) == 0, c->ok);
    if (c->ok) {
        ck_assert_msg(t == c->sec, "%s", c->s);
    }
}
END_TEST

START_TEST(test_http_format_round_trip)
{
    char out[CKPT_TS_HTTP_LEN + 1];
    apr_int64_t t, back;

    ckpt_ts_format_http(APR_INT64_C(784111777), out);
    ck_assert_str_eq(out, "Sun, 06 Nov 1994 08:49:37 GMT");
    ckpt_ts_format_http(-1, out);
    ck_assert_str_eq(out, "Wed, 31 Dec 1969 23:59:59 GMT");
    ckpt_ts_format_http(CKPT_TS_MIN_EPOCH, out);
    ck_assert_str_eq(out, "Mon, 01 Jan 0001 00:00:00 GMT");
    for (t = CKPT_TS_MIN_EPOCH; t < CKPT_TS_MAX_EPOCH; t += APR_INT64_C(86399) * 997) {
        ckpt_ts_format_http(t, out);
        ck_assert_int_eq(ckpt_ts_parse_http(out, &back), 0);
        ck_assert_msg(back == t, "%s", out);
    }
}
END_TEST

typedef struct {
    const char *seg;
    ckpt_seg_class cls;
    apr_int64_t sec;
} seg_case;

/* now: 2025-01-30T21:00:00Z */
#define NOW APR_INT64_C(1738270800)

static const seg_case seg_cases[] = {
    {"20250130T203000Z", CKPT_SEG_EXACT, APR_INT64_C(1738269000)},
    {"20250129", CKPT_SEG_DAY, APR_INT64_C(1738195199)}, /* its last second */
    {"20250130", CKPT_SEG_DAY, NOW},                     /* today: now */
    {"20250131", CKPT_SEG_INVALID, 0},                   /* tomorrow */
    {"20250230", CKPT_SEG_INVALID, 0},
    {"20250130T20300Z", CKPT_SEG_INVALID, 0},
    {"20250130t203000Z", CKPT_SEG_INVALID, 0},
    {"20250130T213000Z", CKPT_SEG_INVALID, 0},           /* the future */
    {"20250130X", CKPT_SEG_OTHER, 0},
    {"2025013", CKPT_SEG_OTHER, 0},
    {"2025013OT203000Z", CKPT_SEG_OTHER, 0},
    {"invalid_ts", CKPT_SEG_OTHER, 0},
    {"timemap", CKPT_SEG_OTHER, 0},
    {"dists", CKPT_SEG_OTHER, 0},
};

START_TEST(test_segment_table)
{
    const seg_case *c = &seg_cases[_i];
    apr_int64_t t = 0;

    ck_assert_msg(ckpt_ts_classify_segment(c->seg, strlen(c->seg), NOW, &t) == c->cls, "%s",
                  c->seg);
    if (c->cls == CKPT_SEG_EXACT || c->cls == CKPT_SEG_DAY) {
        ck_assert_msg(t == c->sec, "%s", c->seg);
    }
}
END_TEST

/* ---- timetravel.c ---- */

typedef struct {
    const char *accept;
    int json;
} accept_case;

static const accept_case accept_cases[] = {
    {NULL, 0},
    {"application/json", 1},
    {"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", 0},
    {"application/json, text/html;q=0.5", 1},
    {"text/html, application/json", 0},
    {"application/json;q=0.9, text/html", 0},
    {"application/json;q=0", 0},
    {"*/*", 0},
    {"Application/JSON", 1},
};

START_TEST(test_accept_table)
{
    const accept_case *c = &accept_cases[_i];
    ck_assert_msg(ckpt_tt_wants_json(c->accept) == c->json, "%s", c->accept ? c->accept : "-");
}
END_TEST

START_TEST(test_query_and_bounds)
{
    apr_int64_t t;

    ck_assert_str_eq(ckpt_tt_query(pool, "from=2025&until=x%2Fy", "until"), "x/y");
    ck_assert_str_eq(ckpt_tt_query(pool, "xfrom=1&from=2", "from"), "2");
    ck_assert_ptr_null(ckpt_tt_query(pool, "fromage=1", "from"));
    ck_assert_ptr_null(ckpt_tt_query(pool, NULL, "from"));
    ck_assert_int_eq(ckpt_tt_parse_bound("20250130", 0, &t), 0);
    ck_assert(t == APR_INT64_C(1738195200));
    ck_assert_int_eq(ckpt_tt_parse_bound("20250130", 1, &t), 0);
    ck_assert(t == APR_INT64_C(1738281599));
    ck_assert_int_eq(ckpt_tt_parse_bound("20250130T203000Z", 1, &t), 0);
    ck_assert(t == APR_INT64_C(1738269000));
    ck_assert_int_eq(ckpt_tt_parse_bound("2025", 0, &t), -1);
}
END_TEST

/* The Link header of a memento, piece by piece as RFC 7089 section 2.2
 * writes it. */
START_TEST(test_link_header)
{
    ckpt_memento m;
    const char *h;

    memset(&m, 0, sizeof(m));
    m.kind = CKPT_MEMENTO_OF;
    m.base_path = "deb ian";
    m.path = "dists/a b";
    m.sec = APR_INT64_C(1738269060);
    m.nav.first = m.nav.prev = APR_INT64_C(1738269000);
    m.nav.next = CKPT_NO_SEC;
    m.nav.last = APR_INT64_C(1738269060);
    h = ckpt_tt_link_header(pool, "http://h/c", &m);
    ck_assert_str_eq(h,
        "<http://h/c/deb%20ian/dists/a%20b>; rel=\"original timegate\", "
        "<http://h/c/deb%20ian/timemap/link/dists/a%20b>; rel=\"timemap\"; type=\"application/link-format\", "
        "<http://h/c/deb%20ian/timemap/json/dists/a%20b>; rel=\"timemap\"; type=\"application/json\", "
        "<http://h/c/deb%20ian/20250130T203000Z/dists/a%20b>; rel=\"first memento\"; datetime=\"Thu, 30 Jan 2025 20:30:00 GMT\", "
        "<http://h/c/deb%20ian/20250130T203000Z/dists/a%20b>; rel=\"prev memento\"; datetime=\"Thu, 30 Jan 2025 20:30:00 GMT\", "
        "<http://h/c/deb%20ian/20250130T203100Z/dists/a%20b>; rel=\"last memento\"; datetime=\"Thu, 30 Jan 2025 20:31:00 GMT\"");
    m.kind = CKPT_MEMENTO_GATE;
    ck_assert_ptr_null(strstr(ckpt_tt_link_header(pool, "", &m), "memento"));
    m.path = "dists/";
    ck_assert_str_eq(ckpt_tt_link_header(pool, "", &m),
                     "</deb%20ian/dists/>; rel=\"original timegate\"");
    m.path = "";
    ck_assert_ptr_nonnull(strstr(ckpt_tt_link_header(pool, "", &m), "/deb%20ian/timemap/link/>"));
}
END_TEST

START_TEST(test_timemap_all)
{
    apr_array_header_t *secs = apr_array_make(pool, 2, sizeof(apr_int64_t));
    ckpt_request rq;

    memset(&rq, 0, sizeof(rq));
    rq.url_prefix = "/c";
    APR_ARRAY_PUSH(secs, apr_int64_t) = APR_INT64_C(1738269000);
    APR_ARRAY_PUSH(secs, apr_int64_t) = APR_INT64_C(1738269060);
    ck_assert_str_eq(ckpt_tt_timemap_all(pool, &rq, "b", secs, 0),
        "</c/b/>; rel=\"original\",\n"
        "</c/b/timemap/link/>; rel=\"self\"; type=\"application/link-format\"; "
        "from=\"Thu, 30 Jan 2025 20:30:00 GMT\"; until=\"Thu, 30 Jan 2025 20:31:00 GMT\",\n"
        "</c/b/>; rel=\"timegate\",\n"
        "</c/b/20250130T203000Z/>; rel=\"first memento\"; datetime=\"Thu, 30 Jan 2025 20:30:00 GMT\",\n"
        "</c/b/20250130T203100Z/>; rel=\"last memento\"; datetime=\"Thu, 30 Jan 2025 20:31:00 GMT\"\n");
    apr_array_clear(secs);
    ck_assert_ptr_nonnull(strstr(ckpt_tt_timemap_all(pool, &rq, "b", secs, 1),
                                 "\"mementos\":{\"list\":[]}"));
}
END_TEST

/* ---- history.c, against arrays ---- */

#define D(day) (APR_INT64_C(1738195200) + (day) * 86400) /* checkpoint of day n */

static const ckpt_range path_ranges[] = {
    /* path, sha, size, first, last, gone */
    {"p", "s1", 1, D(0), D(1), D(2)},
    {"p", "s2", 2, D(2), D(3), D(4)},          /* changed at 2 */
    {"p", "s2", 2, D(4), D(4), D(5)},          /* the same bytes again from 4: no entry */
    {"p", "s3", 3, D(7), D(7), CKPT_NO_SEC},   /* gone at 5, back at 7 */
};

START_TEST(test_timemap_entries)
{
    apr_array_header_t *r = apr_array_make(pool, 4, sizeof(ckpt_range)), *e;
    const char *want[] = {"0 s1", "2 s2", "5 -", "7 s3"};
    int i;

    for (i = 0; i < N(path_ranges); i++) {
        APR_ARRAY_PUSH(r, ckpt_range) = path_ranges[i];
    }
    e = ckpt_history_entries(pool, r);
    ck_assert_int_eq(e->nelts, N(want));
    for (i = 0; i < e->nelts; i++) {
        const ckpt_history_entry *x = &APR_ARRAY_IDX(e, i, ckpt_history_entry);
        ck_assert_str_eq(apr_psprintf(pool, "%d %s", (int)((x->sec - D(0)) / 86400),
                                      x->removed ? "-" : x->sha256), want[i]);
    }
}
END_TEST

/* A diff source: rows of each side, served in pages after a key. */
typedef struct {
    const char *v, *path, *lo, *hi;
} drow;

static const drow hi_only[] = {{"3", "a", NULL, "A"}, {"3", "b", NULL, "B"}, {"4", "c", NULL, "C"},
                               {"5", "a0", NULL, "X"}, {"5", "d", NULL, "D"}};
static const drow lo_only[] = {{"4", "gone", "G", NULL}};
static const drow both[] = {{"4", "m", "M1", "M2"}};
static int pages;

static ckpt_rc fake_diff_page(void *b, apr_pool_t *p, const char *repo, ckpt_diff_side side,
                              const char *lo, const char *hi, const char *prefix,
                              const char *after_v, const char *after_path, int limit,
                              apr_array_header_t **rows)
{
    const drow *t = side == CKPT_DIFF_HI_ONLY ? hi_only : side == CKPT_DIFF_LO_ONLY ? lo_only : both;
    int n = side == CKPT_DIFF_HI_ONLY ? N(hi_only) : side == CKPT_DIFF_LO_ONLY ? N(lo_only) : N(both);
    int i;

    pages++;
    ck_assert_str_eq(lo, "2");
    ck_assert_str_eq(hi, "5");
    *rows = apr_array_make(p, 4, sizeof(ckpt_diff_row));
    for (i = 0; i < n && (*rows)->nelts < limit; i++) {
        int cmp = atoi(t[i].v) - atoi(after_v);
        if (cmp > 0 || (cmp == 0 && strcmp(t[i].path, after_path) > 0)) {
            ckpt_diff_row *r = apr_array_push(*rows);
            r->version = t[i].v;
            r->path = t[i].path;
            r->lo_sha256 = t[i].lo;
            r->lo_size = t[i].lo ? 10 : 0;
            r->hi_sha256 = t[i].hi;
            r->hi_size = t[i].hi ? 20 : 0;
        }
    }
    return CKPT_OK;
}

static ckpt_rc collect(void *baton, const char *s, apr_size_t n)
{
    const char **out = baton;
    *out = apr_pstrcat(pool, *out, apr_pstrmemdup(pool, s, n), NULL);
    return CKPT_OK;
}

START_TEST(test_diff_in_pages)
{
    static const ckpt_publication p2 = {"p2", "R", "2", "M", "m", 1, APR_INT64_C(1738269000)};
    static const ckpt_publication p5 = {"p5", "R", "5", "M", "m", 1, APR_INT64_C(1738269060)};
    ckpt_history_source hs;
    ckpt_history_req h;
    const char *out = "";

    memset(&hs, 0, sizeof(hs));
    hs.diff_page = fake_diff_page;
    hs.page = 2;
    memset(&h, 0, sizeof(h));
    h.kind = CKPT_HISTORY_DIFF;
    h.path = "";
    h.from = &p2;
    h.to = &p5;
    pages = 0;
    ck_assert_int_eq(ckpt_history_send(&hs, pool, &h, "", collect, &out), CKPT_OK);
    ck_assert_str_eq(out,
        "{\"from\":\"20250130T203000Z\",\"to\":\"20250130T203100Z\",\"prefix\":\"\","
        "\"added\":[{\"path\":\"a\",\"sha256\":\"A\",\"size\":20},\n"
        "{\"path\":\"b\",\"sha256\":\"B\",\"size\":20},\n{\"path\":\"c\",\"sha256\":\"C\",\"size\":20},\n"
        "{\"path\":\"a0\",\"sha256\":\"X\",\"size\":20},\n{\"path\":\"d\",\"sha256\":\"D\",\"size\":20}],"
        "\"removed\":[{\"path\":\"gone\",\"sha256\":\"G\",\"size\":10}],"
        "\"changed\":[{\"path\":\"m\",\"old_sha256\":\"M1\",\"new_sha256\":\"M2\",\"old_size\":10,"
        "\"size\":20}]}\n");
    /* pages of two: three for the five added, one for each other side
     * (a short page ends a side) */
    ck_assert_int_eq(pages, 5);
    /* from the later to the earlier: added and removed change places */
    h.from = &p5;
    h.to = &p2;
    out = "";
    ck_assert_int_eq(ckpt_history_send(&hs, pool, &h, "", collect, &out), CKPT_OK);
    ck_assert_ptr_nonnull(strstr(out, "\"added\":[{\"path\":\"gone\",\"sha256\":\"G\",\"size\":10}]"));
    ck_assert_ptr_nonnull(strstr(out, "\"old_sha256\":\"M2\",\"new_sha256\":\"M1\",\"old_size\":20"));
}
END_TEST

static Suite *timetravel_suite(void)
{
    Suite *s = suite_create("timetravel");
    TCase *tc = tcase_create("timetravel");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, test_http_parse_table, 0, N(http_cases));
    tcase_add_test(tc, test_http_format_round_trip);
    tcase_add_loop_test(tc, test_segment_table, 0, N(seg_cases));
    tcase_add_loop_test(tc, test_accept_table, 0, N(accept_cases));
    tcase_add_test(tc, test_query_and_bounds);
    tcase_add_test(tc, test_link_header);
    tcase_add_test(tc, test_timemap_all);
    tcase_add_test(tc, test_timemap_entries);
    tcase_add_test(tc, test_diff_in_pages);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return ckpt_test_main(timetravel_suite, NULL);
}
