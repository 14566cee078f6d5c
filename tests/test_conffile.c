/* `checkpoint --config FILE`: CheckpointDatabase and CheckpointStorage
 * read from an Apache configuration as httpd reads it (Include and
 * IncludeOptional, wildcards and directories, ServerRoot, quoting,
 * continuation lines, and a <VirtualHost>'s own lines left out). */
#include <stdlib.h>
#include <string.h>

#include <apr_file_io.h>
#include <apr_general.h>
#include <apr_strings.h>
#include <check.h>

#include "testmain.h"
#include "conffile.h"
#include "testdir.h"

static apr_pool_t *pool;
static char *dir;

static void put(const char *name, const char *text)
{
    apr_file_t *f;
    const char *path = apr_pstrcat(pool, dir, "/", name, NULL);

    apr_dir_make_recursive(apr_pstrndup(pool, path, strrchr(path, '/') - path),
                           APR_FPROT_OS_DEFAULT, pool);
    ck_assert_int_eq(apr_file_open(&f, path, APR_FOPEN_CREATE | APR_FOPEN_WRITE
                                                 | APR_FOPEN_TRUNCATE,
                                   APR_FPROT_OS_DEFAULT, pool), APR_SUCCESS);
    apr_file_puts(text, f);
    apr_file_close(f);
}

static void setup(void)
{
    apr_pool_create(&pool, NULL);
    dir = ckpt_testdir_make(pool, "ckpt-conffile");
}

static void teardown(void)
{
    ckpt_testdir_remove(dir);
    apr_pool_destroy(pool);
}

START_TEST(test_follows_includes)
{
    const char *db, *storage, *why;

    put("httpd.conf", apr_psprintf(pool,
        "# a comment: CheckpointDatabase \"no\"\n"
        "ServerRoot \"%s\"\n"
        "<VirtualHost *:81>\n"
        "    CheckpointDatabase \"dbname=vhost\"\n"
        "</VirtualHost>\n"
        "IncludeOptional nowhere/*.conf\n"
        "Include sites/*.conf\n", dir));
    put("sites/00-other.conf", "Listen 8080\n");
    put("sites/10-checkpoint.conf",
        "<IfModule mod_checkpoint.c>\n"
        "  CheckpointDatabase \"host=/run/postgresql \\\n"
        "dbname=checkpoint\"\n"
        "  CheckpointStorage var/storage\n"
        "</IfModule>\n");
    put("sites/20-later.conf", "CheckpointDatabase dbname=later\n");
    ck_assert_int_eq(ckpt_conffile_read(pool, apr_pstrcat(pool, dir, "/httpd.conf", NULL), &db,
                                        &storage, &why), APR_SUCCESS);
    ck_assert_str_eq(db, "host=/run/postgresql dbname=checkpoint");
    ck_assert_str_eq(storage, apr_pstrcat(pool, dir, "/var/storage", NULL));
}
END_TEST

START_TEST(test_directory_include_and_missing)
{
    const char *db = NULL, *storage = NULL, *why = NULL;

    put("main.conf", apr_psprintf(pool, "Include %s/conf.d\n", dir));
    put("conf.d/a.conf", "CheckpointStorage /srv/checkpoint\n");
    ck_assert_int_eq(ckpt_conffile_read(pool, apr_pstrcat(pool, dir, "/main.conf", NULL), &db,
                                        &storage, &why), APR_SUCCESS);
    ck_assert_ptr_null(db);
    ck_assert_str_eq(storage, "/srv/checkpoint");

    put("broken.conf", "Include /nonexistent/checkpoint.conf\n");
    ck_assert_int_ne(ckpt_conffile_read(pool, apr_pstrcat(pool, dir, "/broken.conf", NULL), &db,
                                        &storage, &why), APR_SUCCESS);
    ck_assert_msg(why && strstr(why, "/nonexistent/checkpoint.conf"), "names the file: %s", why);
}
END_TEST

START_TEST(test_include_loop)
{
    const char *db, *storage, *why = NULL;

    put("loop.conf", apr_psprintf(pool, "Include %s/loop.conf\n", dir));
    ck_assert_int_ne(ckpt_conffile_read(pool, apr_pstrcat(pool, dir, "/loop.conf", NULL), &db,
                                        &storage, &why), APR_SUCCESS);
    ck_assert_msg(why && strstr(why, "nested"), "says why: %s", why);
}
END_TEST

static Suite *conffile_suite(void)
{
    Suite *s = suite_create("conffile");
    TCase *tc = tcase_create("conffile");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_follows_includes);
    tcase_add_test(tc, test_directory_include_and_missing);
    tcase_add_test(tc, test_include_loop);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return ckpt_test_main(conffile_suite, NULL);
}
