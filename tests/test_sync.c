/* A remote's PULP_MANIFEST (sync.h): what a sync takes, and every way a
 * hostile or broken manifest is refused before anything is fetched. */
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <check.h>

#include "testmain.h"
#include "sync.h"

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))
#define SHA "0b4c0a8e6d2f4e339a553c1f6e2d9a100b4c0a8e6d2f4e339a553c1f6e2d9a10"

static apr_pool_t *pool;

static void setup(void)
{
    apr_pool_create(&pool, NULL);
}

static void teardown(void)
{
    apr_pool_destroy(pool);
}

static const struct {
    const char *manifest;
    int files;          /* -1: refused */
    const char *why;    /* a part of the refusal */
} cases[] = {
    {"", 0, NULL},
    {"a/b," SHA ",12\n", 1, NULL},
    {"a/b," SHA ",12\r\n\nc," SHA ",0\n", 2, NULL},
    {"with,comma," SHA ",3\n", 1, NULL},
    {"a/b," SHA ",12", -1, "truncated"},
    {"a/b," SHA ",12\nc," SHA, -1, "truncated"},
    {"../etc/passwd," SHA ",12\n", -1, "line 1: relative_path"},
    {"a/../b," SHA ",12\n", -1, "relative_path"},
    {"/abs," SHA ",12\n", -1, "relative_path"},
    {"a\\b," SHA ",12\n", -1, "relative_path"},
    {"a/b," SHA ",12\na/b," SHA ",12\n", -1, "line 2: a relative_path listed twice"},
    {"a/b,ABC,12\n", -1, "sha256"},
    {"a/b," SHA "0,12\n", -1, "sha256"},
    {"a/b," SHA ",-1\n", -1, "size"},
    {"a/b," SHA ",12x\n", -1, "size"},
    {"a/b\n", -1, "not relative_path,sha256,size"},
    {"a/b,12\n", -1, "not relative_path,sha256,size"},
};

START_TEST(test_manifest_table)
{
    apr_array_header_t *files = NULL;
    ckpt_err err = {0};
    ckpt_rc rc = ckpt_sync_parse_manifest(pool, cases[_i].manifest, strlen(cases[_i].manifest),
                                          &files, &err);

    if (cases[_i].files < 0) {
        ck_assert_int_eq(rc, CKPT_INVALID);
        ck_assert_msg(strstr(err.reason, cases[_i].why), "case %d: '%s' lacks '%s'", _i,
                      err.reason, cases[_i].why);
    }
    else {
        ck_assert_int_eq(rc, CKPT_OK);
        ck_assert_int_eq(files->nelts, cases[_i].files);
    }
}
END_TEST

START_TEST(test_manifest_fields)
{
    apr_array_header_t *files = NULL;
    ckpt_err err = {0};
    const char *m = "dists/stable/Release," SHA ",1234\n";
    const ckpt_ingest_file *f;

    ck_assert_int_eq(ckpt_sync_parse_manifest(pool, m, strlen(m), &files, &err), CKPT_OK);
    f = APR_ARRAY_IDX(files, 0, const ckpt_ingest_file *);
    ck_assert_str_eq(f->relative_path, "dists/stable/Release");
    ck_assert_str_eq(f->sha256, SHA);
    ck_assert_int_eq(f->size, 1234);
    ck_assert_ptr_null(f->staged);
}
END_TEST

START_TEST(test_manifest_nul)
{
    apr_array_header_t *files = NULL;
    ckpt_err err = {0};
    static const char m[] = "a\0b," SHA ",1\n";

    ck_assert_int_eq(ckpt_sync_parse_manifest(pool, m, sizeof(m) - 1, &files, &err),
                     CKPT_INVALID);
}
END_TEST

static Suite *sync_suite(void)
{
    Suite *s = suite_create("sync");
    TCase *tc = tcase_create("manifest");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, test_manifest_table, 0, N(cases));
    tcase_add_test(tc, test_manifest_fields);
    tcase_add_test(tc, test_manifest_nul);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return ckpt_test_main(sync_suite, NULL);
}
