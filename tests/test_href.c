/* Pulp's hrefs (SPEC §3): what the API writes and what it reads back, and
 * the numbers clients give. */
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_strings.h>
#include <check.h>

#include "testmain.h"
#include "href.h"
#include "list.h"

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))
#define ROOT "/pulp/api/v3/"
#define ID "0b4c0a8e-6d2f-4e33-9a55-3c1f6e2d9a10"

static apr_pool_t *pool;

static void setup(void)
{
    apr_pool_create(&pool, NULL);
}

static void teardown(void)
{
    apr_pool_destroy(pool);
}

START_TEST(test_format)
{
    ck_assert_str_eq(ckpt_href(pool, ROOT, CKPT_HREF_REPOSITORY, ID, 0),
                     ROOT "repositories/file/file/" ID "/");
    ck_assert_str_eq(ckpt_href(pool, ROOT, CKPT_HREF_VERSION, ID, 12),
                     ROOT "repositories/file/file/" ID "/versions/12/");
    ck_assert_str_eq(ckpt_href(pool, ROOT, CKPT_HREF_CONTENT, ID, 0),
                     ROOT "content/file/files/" ID "/");
    ck_assert_str_eq(ckpt_href(pool, ROOT, CKPT_HREF_PUBLICATION, ID, 0),
                     ROOT "publications/file/file/" ID "/");
    ck_assert_str_eq(ckpt_href(pool, ROOT, CKPT_HREF_DISTRIBUTION, ID, 0),
                     ROOT "distributions/file/file/" ID "/");
    ck_assert_str_eq(ckpt_href(pool, ROOT, CKPT_HREF_REMOTE, ID, 0),
                     ROOT "remotes/file/file/" ID "/");
    ck_assert_str_eq(ckpt_href(pool, ROOT, CKPT_HREF_TASK, ID, 0), ROOT "tasks/" ID "/");
    /* Below no root, as the worker records created and reserved resources. */
    ck_assert_str_eq(ckpt_href(pool, "", CKPT_HREF_VERSION, ID, 3),
                     "repositories/file/file/" ID "/versions/3/");
    ck_assert_ptr_null(ckpt_href(pool, ROOT, CKPT_HREF_REPOSITORY, NULL, 0));
}
END_TEST

typedef struct {
    ckpt_href_kind kind;
    const char *href;
    int ok;
    int number;
} parse_case;

static const parse_case parse_cases[] = {
    {CKPT_HREF_REPOSITORY, ROOT "repositories/file/file/" ID "/", 1, 0},
    {CKPT_HREF_REPOSITORY, "http://example.org" ROOT "repositories/file/file/" ID "/", 1, 0},
    {CKPT_HREF_REPOSITORY, "HTTPS://example.org:8443" ROOT "repositories/file/file/" ID "/", 1, 0},
    {CKPT_HREF_REPOSITORY, ROOT "repositories/file/file/0B4C0A8E-6D2F-4E33-9A55-3C1F6E2D9A10/", 1,
     0},
    {CKPT_HREF_REPOSITORY, ROOT "repositories/file/file/" ID, 0, 0},
    {CKPT_HREF_REPOSITORY, ROOT "repositories/file/file/" ID "/x/", 0, 0},
    {CKPT_HREF_REPOSITORY, ROOT "publications/file/file/" ID "/", 0, 0},
    {CKPT_HREF_REPOSITORY, "/other/api/repositories/file/file/" ID "/", 0, 0},
    {CKPT_HREF_REPOSITORY, "http://example.org" ROOT "repositories/file/file/" ID "/?a=b", 0, 0},
    {CKPT_HREF_REPOSITORY, ROOT "repositories/file/file/not-a-uuid-at-all-but-36-chars-long/", 0,
     0},
    {CKPT_HREF_REPOSITORY, "", 0, 0},
    {CKPT_HREF_VERSION, ROOT "repositories/file/file/" ID "/versions/0/", 1, 0},
    {CKPT_HREF_VERSION, ROOT "repositories/file/file/" ID "/versions/2147483647/", 1, 2147483647},
    {CKPT_HREF_VERSION, ROOT "repositories/file/file/" ID "/versions/2147483648/", 0, 0},
    {CKPT_HREF_VERSION, ROOT "repositories/file/file/" ID "/versions/-1/", 0, 0},
    {CKPT_HREF_VERSION, ROOT "repositories/file/file/" ID "/versions/1x/", 0, 0},
    {CKPT_HREF_VERSION, ROOT "repositories/file/file/" ID "/versions/3", 0, 0},
    {CKPT_HREF_VERSION, ROOT "repositories/file/file/" ID "/", 0, 0},
    {CKPT_HREF_CONTENT, ROOT "content/file/files/" ID "/", 1, 0},
    {CKPT_HREF_DISTRIBUTION, ROOT "distributions/file/file/" ID "/", 1, 0},
    {CKPT_HREF_REMOTE, ROOT "remotes/file/file/" ID "/", 1, 0},
    {CKPT_HREF_REMOTE, "http://example.org" ROOT "remotes/file/file/" ID "/", 1, 0},
    {CKPT_HREF_REMOTE, ROOT "remotes/rpm/rpm/" ID "/", 0, 0},
    {CKPT_HREF_REMOTE, ROOT "repositories/file/file/" ID "/", 0, 0},
    {CKPT_HREF_TASK, ROOT "tasks/" ID "/", 1, 0},
    {CKPT_HREF_TASK, ROOT "tasks/" ID "/x/", 0, 0},
};

typedef struct {
    const char *href;
    const char *below; /* NULL: not below the root */
} below_case;

static const below_case below_cases[] = {
    {ROOT "repositories/file/file/" ID "/", "repositories/file/file/" ID "/"},
    {"https://example.org:8443" ROOT "tasks/" ID "/", "tasks/" ID "/"},
    {ROOT, ""},
    {"/pulp/api/v2/tasks/", NULL},
    {"http://example.org" ROOT "x/?q=1", NULL},
    {"http://example.org" ROOT "x/#f", NULL},
    {"", NULL},
    {NULL, NULL},
};

START_TEST(test_below_root_table)
{
    const below_case *c = &below_cases[_i];
    const char *got = ckpt_href_below_root(pool, ROOT, c->href);

    if (c->below) {
        ck_assert_msg(got && !strcmp(got, c->below), "%s: got %s", c->href, got ? got : "NULL");
    }
    else {
        ck_assert_msg(!got, "%s: got %s", c->href ? c->href : "NULL", got ? got : "NULL");
    }
}
END_TEST

START_TEST(test_parse_table)
{
    const parse_case *c = &parse_cases[_i];
    const char *id = NULL;
    int number = -1;
    int ok = ckpt_href_parse(pool, ROOT, c->kind, c->href, &id, &number);

    ck_assert_msg(ok == c->ok, "%s: got %d", c->href, ok);
    if (ok) {
        ck_assert_str_eq(id, ID); /* lower case, whatever the case given */
        if (c->kind == CKPT_HREF_VERSION) {
            ck_assert_int_eq(number, c->number);
        }
    }
}
END_TEST

START_TEST(test_numbers)
{
    apr_int64_t v = -7;

    ck_assert(ckpt_number_parse("0", 0, 10, &v) && v == 0);
    ck_assert(ckpt_number_parse("10", 0, 10, &v) && v == 10);
    ck_assert(!ckpt_number_parse("11", 0, 10, &v));
    ck_assert(!ckpt_number_parse("-1", -5, 10, &v)); /* digits only */
    ck_assert(!ckpt_number_parse(" 1", 0, 10, &v));
    ck_assert(!ckpt_number_parse("1 ", 0, 10, &v));
    ck_assert(!ckpt_number_parse("", 0, 10, &v));
    ck_assert(!ckpt_number_parse(NULL, 0, 10, &v));
    ck_assert(!ckpt_number_parse("99999999999999999999999", 0, APR_INT64_MAX, &v));
    ck_assert(ckpt_uuid_valid(ID));
    ck_assert(!ckpt_uuid_valid(ID "0"));
    ck_assert(!ckpt_uuid_valid("0b4c0a8e-6d2f-4e33-9a55-3c1f6e2d9a1"));
    ck_assert(!ckpt_uuid_valid(NULL));
}
END_TEST

static Suite *href_suite(void)
{
    Suite *s = suite_create("href");
    TCase *tc = tcase_create("hrefs");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_format);
    tcase_add_loop_test(tc, test_parse_table, 0, N(parse_cases));
    tcase_add_loop_test(tc, test_below_root_table, 0, N(below_cases));
    tcase_add_test(tc, test_numbers);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return ckpt_test_main(href_suite, NULL);
}
