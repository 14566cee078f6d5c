/* Path rules: SPEC §1 (content relative_path), §3 (distribution base_path,
 * overlap) and §2 (paths inside a publication). */
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_strings.h>
#include <check.h>

#include "testmain.h"
#include "path.h"

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
    int want; /* a ckpt_path_rc */
} check_case;

static const check_case check_cases[] = {
    {"a", CKPT_PATH_OK},
    {"a.txt", CKPT_PATH_OK},
    {"dists/stable/Release", CKPT_PATH_OK},
    {".hidden", CKPT_PATH_OK},
    {"a/.b/c", CKPT_PATH_OK},
    {"...", CKPT_PATH_OK},
    {"a/..b/c..", CKPT_PATH_OK},
    {"with space/and#hash%and?", CKPT_PATH_OK},
    {"caf\xc3\xa9/\xe6\x97\xa5\xe6\x9c\xac/\xf0\x9f\x98\x80", CKPT_PATH_OK},
    {"", CKPT_PATH_EEMPTY},
    {"/a", CKPT_PATH_ELEADING},
    {"/", CKPT_PATH_ELEADING},
    {"a/", CKPT_PATH_ETRAILING},
    {"a//b", CKPT_PATH_EEMPTYSEG},
    {".", CKPT_PATH_EDOT},
    {"./a", CKPT_PATH_EDOT},
    {"a/./b", CKPT_PATH_EDOT},
    {"a/.", CKPT_PATH_EDOT},
    {"..", CKPT_PATH_EDOTDOT},
    {"../a", CKPT_PATH_EDOTDOT},
    {"a/../b", CKPT_PATH_EDOTDOT},
    {"a/..", CKPT_PATH_EDOTDOT},
    {"a\tb", CKPT_PATH_ECONTROL},
    {"a\nb", CKPT_PATH_ECONTROL},
    {"a\x01", CKPT_PATH_ECONTROL},
    {"a\x1f", CKPT_PATH_ECONTROL},
    {"a\x7f", CKPT_PATH_ECONTROL},
    {"a\\b", CKPT_PATH_EBACKSLASH},
    {"..\\a", CKPT_PATH_EBACKSLASH},
    {"a\xff", CKPT_PATH_EUTF8},
    {"a\x80", CKPT_PATH_EUTF8},
    {"\xc3", CKPT_PATH_EUTF8},           /* truncated sequence */
    {"\xc0\xaf", CKPT_PATH_EUTF8},       /* overlong '/' */
    {"\xe0\x80\xaf", CKPT_PATH_EUTF8},   /* overlong '/' */
    {"\xed\xa0\x80", CKPT_PATH_EUTF8},   /* surrogate */
    {"\xf4\x90\x80\x80", CKPT_PATH_EUTF8}, /* above U+10FFFF */
    {"\xf8\x88\x80\x80\x80", CKPT_PATH_EUTF8},
    {"\xc0\xae\xc0\xae/a", CKPT_PATH_EUTF8}, /* overlong ".." */
};

START_TEST(test_check_relative_table)
{
    const check_case *c = &check_cases[_i];
    int got = ckpt_path_check_relative(c->path);

    ck_assert_msg(got == c->want, "\"%s\": got %d (%s), want %d (%s)", c->path, got,
                  ckpt_path_error(got), c->want, ckpt_path_error(c->want));
}
END_TEST

START_TEST(test_check_base_path_table)
{
    const check_case *c = &check_cases[_i];
    ck_assert_int_eq(ckpt_path_check_base_path(c->path), c->want);
}
END_TEST

/* A string of n bytes: "a/a/a..." (no trailing '/'). */
static char *long_path(apr_size_t n)
{
    char *s = apr_palloc(pool, n + 1);
    apr_size_t i;

    for (i = 0; i < n; i++) {
        s[i] = (i % 2) ? '/' : 'a';
    }
    if (n > 0 && s[n - 1] == '/') {
        s[n - 1] = 'b';
    }
    s[n] = '\0';
    return s;
}

START_TEST(test_check_length)
{
    ck_assert_int_eq(ckpt_path_check_relative(long_path(CKPT_PATH_MAX)), CKPT_PATH_OK);
    ck_assert_int_eq(ckpt_path_check_relative(long_path(CKPT_PATH_MAX + 1)), CKPT_PATH_ETOOLONG);
    ck_assert_int_eq(ckpt_path_check_base_path(long_path(CKPT_PATH_MAX + 1)),
                     CKPT_PATH_ETOOLONG);
    ck_assert_int_eq(ckpt_path_check_relative(long_path(100000)), CKPT_PATH_ETOOLONG);
    ck_assert_int_eq(ckpt_path_check_relative(NULL), CKPT_PATH_ENULL);
}
END_TEST

START_TEST(test_error_messages)
{
    int code;

    ck_assert_str_eq(ckpt_path_error(CKPT_PATH_EDOTDOT), "must not contain '..'");
    ck_assert_str_eq(ckpt_path_error(CKPT_PATH_EEMPTYSEG), "must not contain '//'");
    ck_assert_str_eq(ckpt_path_error(CKPT_PATH_ELEADING), "must not start with '/'");
    ck_assert_str_eq(ckpt_path_error(CKPT_PATH_EEMPTY), "must not be empty");
    /* Every code has its own message; unknown codes still get one. */
    for (code = CKPT_PATH_EDEPTH; code < 0; code++) {
        int other;
        ck_assert_ptr_nonnull(ckpt_path_error(code));
        for (other = code + 1; other < 0; other++) {
            ck_assert_str_ne(ckpt_path_error(code), ckpt_path_error(other));
        }
    }
    ck_assert_ptr_nonnull(ckpt_path_error(-1000));
}
END_TEST

/* A base_path's depth: the content side looks no deeper than 64 segments,
 * so no base_path may be deeper. */
START_TEST(test_base_path_depth)
{
    char *p64 = apr_pstrdup(pool, "d"), *p65;
    int i;

    for (i = 1; i < CKPT_BASE_PATH_MAX_SEGMENTS; i++) {
        p64 = apr_pstrcat(pool, p64, "/d", NULL);
    }
    p65 = apr_pstrcat(pool, p64, "/d", NULL);
    ck_assert_int_eq(ckpt_path_check_base_path(p64), CKPT_PATH_OK);
    ck_assert_int_eq(ckpt_path_check_base_path(p65), CKPT_PATH_EDEPTH);
    ck_assert_int_eq(ckpt_path_check_relative(p65), CKPT_PATH_OK);
}
END_TEST

/* Names and paths fit the btree indexes that hold them (issue 9, defect 3:
 * names of about 3 KB gave 500 "index row size exceeds maximum"). */
START_TEST(test_index_limits)
{
    char *name = apr_palloc(pool, 3001);

    memset(name, 'n', 3000);
    name[3000] = '\0';
    ck_assert_int_eq(ckpt_path_check_name(name), CKPT_PATH_ETOOLONG);
    ck_assert_int_eq(ckpt_path_check_relative(name), CKPT_PATH_ETOOLONG);
    ck_assert_int_eq(ckpt_path_check_base_path(name), CKPT_PATH_ETOOLONG);
    name[CKPT_NAME_MAX] = '\0';
    ck_assert_int_eq(ckpt_path_check_name(name), CKPT_PATH_OK);
    ck_assert(CKPT_PATH_MAX + 64 + 100 < 2704); /* a btree row, with a sha256 beside */
    ck_assert_int_eq(ckpt_path_check_name(""), CKPT_PATH_EEMPTY);
    ck_assert_int_eq(ckpt_path_check_name(NULL), CKPT_PATH_ENULL);
    ck_assert_int_eq(ckpt_path_check_name("a/b\\c ../"), CKPT_PATH_OK);
    ck_assert_int_eq(ckpt_path_check_name("a\xff"), CKPT_PATH_EUTF8);
    ck_assert_int_eq(ckpt_path_check_name("a\nb"), CKPT_PATH_ECONTROL);
}
END_TEST

typedef struct {
    const char *a, *b;
    int want;
} overlap_case;

static const overlap_case overlap_cases[] = {
    {"foo", "foo", 1},
    {"foo", "foo/bar", 1},
    {"foo/bar", "foo", 1},
    {"foo/bar", "foo/bar/baz", 1},
    {"foo", "foobar", 0},
    {"foobar", "foo", 0},
    {"foo/bar", "foo/baz", 0},
    {"foo/bar", "foo/barbaz", 0},
    {"foo", "bar", 0},
    {"foo", "fo", 0},
    {"a/b/c", "a/b", 1},
    {"pulp/debian", "pulp/debian-security", 0},
    {"", "foo", 1},
};

START_TEST(test_overlap_table)
{
    const overlap_case *c = &overlap_cases[_i];
    ck_assert_msg(ckpt_path_overlaps(c->a, c->b) == c->want, "\"%s\" vs \"%s\"", c->a, c->b);
    ck_assert_msg(ckpt_path_overlaps(c->b, c->a) == c->want, "\"%s\" vs \"%s\"", c->b, c->a);
}
END_TEST

typedef struct {
    const char *rest;
    int want;         /* 0 or a negative ckpt_path_rc */
    const char *path; /* when accepted */
    int is_dir;
} split_case;

/* SPEC §2, paths inside a publication: what reaches the database lookup. */
static const split_case split_cases[] = {
    {"", 0, "", 1},
    {"a.txt", 0, "a.txt", 0},
    {"a/b/c.txt", 0, "a/b/c.txt", 0},
    {"a/b/", 0, "a/b", 1},
    {"a/", 0, "a", 1},
    {"a/b", 0, "a/b", 0},
    {".well-known/x", 0, ".well-known/x", 0},
    {"a/...", 0, "a/...", 0},
    {"a b/c#d%e?", 0, "a b/c#d%e?", 0},
    {"caf\xc3\xa9/", 0, "caf\xc3\xa9", 1},
    /* httpd has decoded the URL once: what is left is a literal name, looked
     * up as such inside the publication, never decoded again. */
    {"%2e%2e/%2e%2e/etc/passwd", 0, "%2e%2e/%2e%2e/etc/passwd", 0},
    {"a%2fb/", 0, "a%2fb", 1},
    {"..\\..\\x", 0, "..\\..\\x", 0},
    {"20250130T203000Z/dists/", 0, "20250130T203000Z/dists", 1},
    {"a/.../", 0, "a/...", 1},
    {"...", 0, "...", 0},
    {"..", CKPT_PATH_EDOTDOT, NULL, 0},
    {"../", CKPT_PATH_EDOTDOT, NULL, 0},
    {"a/..", CKPT_PATH_EDOTDOT, NULL, 0},
    {"a/../", CKPT_PATH_EDOTDOT, NULL, 0},
    {"a/../../etc/passwd", CKPT_PATH_EDOTDOT, NULL, 0},
    {".", CKPT_PATH_EDOT, NULL, 0},
    {"./", CKPT_PATH_EDOT, NULL, 0},
    {"a/./b", CKPT_PATH_EDOT, NULL, 0},
    {"a//b", CKPT_PATH_EEMPTYSEG, NULL, 0},
    {"a//", CKPT_PATH_EEMPTYSEG, NULL, 0},
    {"/", CKPT_PATH_EEMPTYSEG, NULL, 0},
    {"/etc/passwd", CKPT_PATH_EEMPTYSEG, NULL, 0},
    {"a\nb", CKPT_PATH_ECONTROL, NULL, 0},
    {"a\x7f", CKPT_PATH_ECONTROL, NULL, 0},
    {"a\x01/", CKPT_PATH_ECONTROL, NULL, 0},
    {"a/\x1f/b", CKPT_PATH_ECONTROL, NULL, 0},
    {"a/b/..", CKPT_PATH_EDOTDOT, NULL, 0},
    {"a/b/../", CKPT_PATH_EDOTDOT, NULL, 0},
    {"//", CKPT_PATH_EEMPTYSEG, NULL, 0},
    {"a/./", CKPT_PATH_EDOT, NULL, 0},
    /* Undecodable as UTF-8: names nothing, and is refused before any query
     * (issue 9, defect 6: each one reached PostgreSQL and logged an error). */
    {"a\xff", CKPT_PATH_EUTF8, NULL, 0},
    {"\xc0\xaf/", CKPT_PATH_EUTF8, NULL, 0},
    {"bp/20250130T203000Z/\xed\xa0\x80", CKPT_PATH_EUTF8, NULL, 0},
};

START_TEST(test_split_request_table)
{
    const split_case *c = &split_cases[_i];
    const char *path = "untouched";
    int is_dir = -1;
    int rc = ckpt_path_split_request(pool, c->rest, &path, &is_dir);

    ck_assert_msg(rc == c->want, "\"%s\": got %d want %d", c->rest, rc, c->want);
    if (rc == 0) {
        ck_assert_str_eq(path, c->path);
        ck_assert_int_eq(is_dir, c->is_dir);
    } else {
        ck_assert_str_eq(path, "untouched");
        ck_assert_int_eq(is_dir, -1);
    }
}
END_TEST

START_TEST(test_split_request_length)
{
    const char *path;
    int is_dir;
    char *dir;

    ck_assert_int_eq(
        ckpt_path_split_request(pool, long_path(CKPT_REQUEST_PATH_MAX), &path, &is_dir), 0);
    ck_assert_uint_eq(strlen(path), CKPT_REQUEST_PATH_MAX);
    ck_assert_int_eq(
        ckpt_path_split_request(pool, long_path(CKPT_REQUEST_PATH_MAX + 1), &path, &is_dir),
        CKPT_PATH_ETOOLONG);
    ck_assert_int_eq(ckpt_path_split_request(pool, long_path(50000), &path, &is_dir),
                     CKPT_PATH_ETOOLONG);
    /* The trailing '/' of a directory counts: a request is measured whole. */
    dir = apr_pstrcat(pool, long_path(CKPT_REQUEST_PATH_MAX - 1), "/", NULL);
    ck_assert_int_eq(ckpt_path_split_request(pool, dir, &path, &is_dir), 0);
    ck_assert_int_eq(is_dir, 1);
    ck_assert_int_eq(ckpt_path_split_request(pool, NULL, &path, &is_dir), CKPT_PATH_ENULL);
}
END_TEST

typedef struct {
    const char *relpath, *parent, *basename;
} parent_case;

static const parent_case parent_cases[] = {
    {"c", "", "c"},
    {"a/b/c", "a/b", "c"},
    {"a/c.txt", "a", "c.txt"},
    {"dists/stable/main/binary-amd64/Packages.gz", "dists/stable/main/binary-amd64",
     "Packages.gz"},
    {"", "", ""},
};

START_TEST(test_parent_table)
{
    const parent_case *c = &parent_cases[_i];
    ck_assert_str_eq(ckpt_path_parent(pool, c->relpath), c->parent);
    ck_assert_str_eq(ckpt_path_basename(c->relpath), c->basename);
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static Suite *path_suite(void)
{
    Suite *s = suite_create("path");
    TCase *tc;

    tc = tcase_create("relative_path and base_path");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, test_check_relative_table, 0, N(check_cases));
    tcase_add_loop_test(tc, test_check_base_path_table, 0, N(check_cases));
    tcase_add_test(tc, test_check_length);
    tcase_add_test(tc, test_base_path_depth);
    tcase_add_test(tc, test_index_limits);
    tcase_add_test(tc, test_error_messages);
    suite_add_tcase(s, tc);

    tc = tcase_create("base_path overlap");
    tcase_add_loop_test(tc, test_overlap_table, 0, N(overlap_cases));
    suite_add_tcase(s, tc);

    tc = tcase_create("paths inside a publication");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, test_split_request_table, 0, N(split_cases));
    tcase_add_test(tc, test_split_request_length);
    tcase_add_loop_test(tc, test_parent_table, 0, N(parent_cases));
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return ckpt_test_main(path_suite, NULL);
}
