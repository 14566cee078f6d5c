/* The part of content resolution that needs no database: the candidate
 * base paths of a request, sent as one Postgres array (SPEC §2: the
 * distribution whose base_path is the longest path-segment prefix). */
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_strings.h>
#include <check.h>

#include "resolve.h"

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

typedef struct {
    const char *path;
    const char *want;
} prefix_case;

static const prefix_case prefix_cases[] = {
    {"a", "{\"a\"}"},
    {"a/b", "{\"a\",\"a/b\"}"},
    {"foo/20250130T203000Z/dists/Release",
     "{\"foo\",\"foo/20250130T203000Z\",\"foo/20250130T203000Z/dists\","
     "\"foo/20250130T203000Z/dists/Release\"}"},
    /* Quotes and backslashes are escaped, commas and braces are inside quotes. */
    {"q\"x/b\\s", "{\"q\\\"x\",\"q\\\"x/b\\\\s\"}"},
    {"a,b/{c}", "{\"a,b\",\"a,b/{c}\"}"},
    {"sp ace/NULL", "{\"sp ace\",\"sp ace/NULL\"}"},
};

START_TEST(test_prefixes_table)
{
    const prefix_case *c = &prefix_cases[_i];
    ck_assert_str_eq(ckpt_resolve_prefixes(pool, c->path), c->want);
}
END_TEST

START_TEST(test_prefixes_bounded)
{
    /* 200 segments: only the first CKPT_BASE_PATH_MAX_SEGMENTS count. */
    char *path = apr_pstrdup(pool, "d");
    const char *s;
    int i, elements = 0;

    for (i = 1; i < 200; i++) {
        path = apr_pstrcat(pool, path, "/d", NULL);
    }
    s = ckpt_resolve_prefixes(pool, path);
    for (; *s; s++) {
        elements += *s == ',';
    }
    ck_assert_int_eq(elements + 1, CKPT_BASE_PATH_MAX_SEGMENTS);
}
END_TEST

static Suite *resolve_suite(void)
{
    Suite *s = suite_create("resolve");
    TCase *tc = tcase_create("candidate base paths");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, test_prefixes_table, 0, N(prefix_cases));
    tcase_add_test(tc, test_prefixes_bounded);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr;
    int failed;

    apr_initialize();
    sr = srunner_create(resolve_suite());
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    apr_terminate();
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
