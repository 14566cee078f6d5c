/* A remote's PULP_MANIFEST (sync.h): what a sync takes, and every way a
 * hostile or broken manifest is refused before anything is fetched. */
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_strings.h>
#include <check.h>

#include "testmain.h"
#include "path.h"
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

/* A path given again a batch later: the reader hands batches on as it
 * reads, and the taker (here the collector, in a run the run's table)
 * refuses the second, naming the lines of the batch that holds it. */
START_TEST(test_manifest_twice_across_batches)
{
    apr_array_header_t *files = NULL;
    ckpt_err err = {0};
    apr_size_t len = 0, cap = (CKPT_INGEST_BATCH + 2) * 100;
    char *m = apr_palloc(pool, cap);
    int i;

    for (i = 0; i <= CKPT_INGEST_BATCH; i++) {
        len += (apr_size_t)apr_snprintf(m + len, cap - len, "p/%d," SHA ",1\n", i);
    }
    ck_assert_int_eq(ckpt_sync_parse_manifest(pool, m, len, &files, &err), CKPT_OK);
    ck_assert_int_eq(files->nelts, CKPT_INGEST_BATCH + 1);
    ck_assert_str_eq(APR_ARRAY_IDX(files, CKPT_INGEST_BATCH, ckpt_ingest_file *)->relative_path,
                     apr_psprintf(pool, "p/%d", CKPT_INGEST_BATCH));
    len += (apr_size_t)apr_snprintf(m + len, cap - len, "p/0," SHA ",1\n");
    ck_assert_int_eq(ckpt_sync_parse_manifest(pool, m, len, &files, &err), CKPT_INVALID);
    ck_assert_msg(strstr(err.reason, apr_psprintf(pool, "lines %d to %d: a relative_path listed twice",
                                                  CKPT_INGEST_BATCH + 1, CKPT_INGEST_BATCH + 2)),
                  "%s", err.reason);
}
END_TEST

/* A line longer than any valid one is refused as it is read, without
 * holding more of it. */
START_TEST(test_manifest_long_line)
{
    apr_array_header_t *files = NULL;
    ckpt_err err = {0};
    apr_size_t n = 3 * CKPT_PATH_MAX;
    char *m = apr_palloc(pool, n + 1);

    memset(m, 'a', n);
    m[n - 1] = '\n';
    ck_assert_int_eq(ckpt_sync_parse_manifest(pool, m, n, &files, &err), CKPT_INVALID);
    ck_assert_msg(strstr(err.reason, "line 1: is too long"), "%s", err.reason);
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
    tcase_add_test(tc, test_manifest_twice_across_batches);
    tcase_add_test(tc, test_manifest_long_line);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return ckpt_test_main(sync_suite, NULL);
}
