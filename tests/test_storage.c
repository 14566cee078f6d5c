/* Content-addressed storage (SPEC §1): an upload's way into storage, what
 * a failed write says (issue 9, defect 7: write errors lost their errno),
 * and what orphan cleanup sees (defect 5: a temporary file an upload still
 * holds is never swept). */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <apr_file_io.h>
#include <apr_general.h>
#include <apr_strings.h>
#include <check.h>

#include "testmain.h"
#include "storage.h"
#include "testdir.h"

/* sha256("abc") */
#define ABC "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

static apr_pool_t *pool;
static char *root;

static void setup(void)
{
    apr_pool_create(&pool, NULL);
    root = ckpt_testdir_make(pool, "ckpt-storage");
    ck_assert_int_eq(ckpt_storage_prepare(pool, root), APR_SUCCESS);
}

static void teardown(void)
{
    ckpt_testdir_remove(root);
    apr_pool_destroy(pool);
}

START_TEST(test_upload_commit)
{
    ckpt_upload *u;
    ckpt_err err = {0};
    const char *sha;
    apr_off_t size;
    apr_finfo_t fi;

    ck_assert_int_eq(ckpt_upload_open(pool, root, &u, &err), CKPT_OK);
    ck_assert_int_eq(ckpt_upload_write(u, "ab", 2, &err), CKPT_OK);
    ck_assert_int_eq(ckpt_upload_write(u, "c", 1, &err), CKPT_OK);
    ck_assert_int_eq(ckpt_upload_finish(u, &sha, &size, &err), CKPT_OK);
    ck_assert_str_eq(sha, ABC);
    ck_assert_int_eq(size, 3);
    ck_assert_int_eq(ckpt_upload_commit(u, &err), CKPT_OK);
    ck_assert_int_eq(apr_stat(&fi, ckpt_storage_artifact_path(pool, root, ABC), APR_FINFO_SIZE,
                              pool), APR_SUCCESS);
    ck_assert_int_eq(fi.size, 3);
}
END_TEST

/* A write the system refuses says where and why, in the system's words. */
START_TEST(test_write_error_keeps_errno)
{
    struct rlimit lim = {65536, 65536};
    static char block[16384];
    ckpt_upload *u;
    ckpt_err err = {0};
    ckpt_rc rc = CKPT_OK;
    int i;

    signal(SIGXFSZ, SIG_IGN);
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
    ck_assert_int_eq(ckpt_upload_open(pool, root, &u, &err), CKPT_OK);
    for (i = 0; i < 16 && rc == CKPT_OK; i++) {
        rc = ckpt_upload_write(u, block, sizeof(block), &err);
    }
    if (rc == CKPT_OK) {
        const char *sha;
        apr_off_t size;
        rc = ckpt_upload_finish(u, &sha, &size, &err);
    }
    ck_assert_int_eq(rc, CKPT_IOERROR);
    ck_assert_int_eq(err.os, APR_FROM_OS_ERROR(EFBIG));
    ck_assert_msg(strstr(err.reason, root) && strstr(err.reason, "/tmp/upload."),
                  "names the file: %s", err.reason);
    ck_assert_msg(strstr(err.reason, strerror(EFBIG)) != NULL, "says why: %s", err.reason);
}
END_TEST

static void write_file(const char *path, apr_time_t mtime)
{
    apr_file_t *f;

    ck_assert_int_eq(apr_file_open(&f, path, APR_FOPEN_CREATE | APR_FOPEN_WRITE,
                                   APR_FPROT_OS_DEFAULT, pool), APR_SUCCESS);
    apr_file_puts("x", f);
    apr_file_close(f);
    ck_assert_int_eq(apr_file_mtime_set(path, mtime, pool), APR_SUCCESS);
}

START_TEST(test_sweep_spares_uploads_in_flight)
{
    apr_time_t long_ago = apr_time_now() - apr_time_from_sec(3600);
    const char *abandoned = apr_pstrcat(pool, root, "/tmp/upload.abandoned", NULL);
    const char *recent = apr_pstrcat(pool, root, "/tmp/upload.recent", NULL);
    ckpt_upload *u;
    ckpt_err err = {0};
    apr_int64_t files = 0;
    apr_off_t bytes = 0;
    apr_finfo_t fi;

    write_file(abandoned, long_ago);
    write_file(recent, apr_time_now());
    ck_assert_int_eq(ckpt_upload_open(pool, root, &u, &err), CKPT_OK);
    ck_assert_int_eq(ckpt_upload_write(u, "in flight", 9, &err), CKPT_OK);
    /* Even with no protection at all (the cutoff is in the future). */
    ck_assert_int_eq(ckpt_storage_sweep_tmp(pool, root, apr_time_now() + apr_time_from_sec(60),
                                            &files, &bytes, &err), CKPT_OK);
    ck_assert_int_eq(files, 2);
    ck_assert_int_ne(apr_stat(&fi, abandoned, APR_FINFO_MIN, pool), APR_SUCCESS);
    ck_assert_int_ne(apr_stat(&fi, recent, APR_FINFO_MIN, pool), APR_SUCCESS);
    /* The upload in flight goes on into storage. */
    {
        const char *sha;
        apr_off_t size;
        ck_assert_int_eq(ckpt_upload_finish(u, &sha, &size, &err), CKPT_OK);
        ck_assert_int_eq(ckpt_upload_commit(u, &err), CKPT_OK);
    }
    files = 0;
    write_file(recent, apr_time_now());
    ck_assert_int_eq(ckpt_storage_sweep_tmp(pool, root, long_ago, &files, &bytes, &err), CKPT_OK);
    ck_assert_int_eq(files, 0); /* younger than the cutoff */
}
END_TEST

static ckpt_rc count_artifact(void *baton, const char *sha256, apr_off_t size)
{
    (*(int *)baton)++;
    ck_assert_str_eq(sha256, ABC);
    return CKPT_OK;
}

START_TEST(test_walk_artifacts)
{
    ckpt_upload *u;
    ckpt_err err = {0};
    int seen = 0;

    ck_assert_int_eq(ckpt_storage_stage(pool, root, "abc", 3, &u, &err), CKPT_OK);
    ck_assert_int_eq(ckpt_upload_commit(u, &err), CKPT_OK);
    /* Not artifacts: a name that is no digest. */
    write_file(apr_pstrcat(pool, root, "/artifact/ba/not-a-digest", NULL), 0);
    ck_assert_int_eq(ckpt_storage_walk_artifacts(pool, root,
                                                 apr_time_now() + apr_time_from_sec(60),
                                                 count_artifact, &seen, &err), CKPT_OK);
    ck_assert_int_eq(seen, 1);
    seen = 0;
    ck_assert_int_eq(ckpt_storage_walk_artifacts(pool, root, apr_time_now() - apr_time_from_sec(60),
                                                 count_artifact, &seen, &err), CKPT_OK);
    ck_assert_int_eq(seen, 0); /* too young */
}
END_TEST

static Suite *storage_suite(void)
{
    Suite *s = suite_create("storage");
    TCase *tc = tcase_create("storage");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_upload_commit);
    tcase_add_test(tc, test_write_error_keeps_errno);
    tcase_add_test(tc, test_sweep_spares_uploads_in_flight);
    tcase_add_test(tc, test_walk_artifacts);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return ckpt_test_main(storage_suite, NULL);
}
