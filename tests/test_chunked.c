/* Chunked uploads (chunked.h) and list filters (filter.h): Content-Range
 * as Pulp reads it, when chunks make a whole file, where chunks live in
 * storage, how query parameters bind to a list statement's parameters,
 * Pulp's fields/exclude_fields; and, against PostgreSQL, chunks out of
 * order and retried, put together, committed. */
#include <stdlib.h>
#include <string.h>

#include <apr_file_info.h>
#include <apr_strings.h>
#include <check.h>

#include "chunked.h"
#include "filter.h"
#include "shape.h"
#include "testdir.h"
#include "testmain.h"

/* sha256("abcdef") */
#define ABCDEF "bef57ec7f53a6d40beb640a780a639c83bc29ac8a9816f1fc6c5c6dcd93c4721"

static apr_pool_t *pool;
static char *root;

static void setup(void)
{
    apr_pool_create(&pool, NULL);
    root = ckpt_testdir_make(pool, "ckpt-chunked");
    ck_assert_int_eq(ckpt_storage_prepare(pool, root), APR_SUCCESS);
}

static void teardown(void)
{
    ckpt_testdir_remove(root);
    apr_pool_destroy(pool);
}

static const struct {
    const char *header;
    int ok;
    apr_off_t start, end, total;
} ranges[] = {
    {"bytes 0-9/10", 1, 0, 9, 10},
    {"bytes 5-5/6", 1, 5, 5, 6},
    {"bytes 100-199/*", 1, 100, 199, -1},
    {"bytes 0-999999999999999999/1000000000000000000", 0, 0, 0, 0}, /* 19 digits */
    {"bytes 0-9/9", 0, 0, 0, 0},     /* ends beyond its total */
    {"bytes 9-0/10", 0, 0, 0, 0},    /* backwards */
    {"bytes 0-9/10 ", 0, 0, 0, 0},
    {"bytes -9/10", 0, 0, 0, 0},
    {"bytes 0-/10", 0, 0, 0, 0},
    {"bytes 0-9", 0, 0, 0, 0},
    {"bits 0-9/10", 0, 0, 0, 0},
    {"bytes +1-9/10", 0, 0, 0, 0},
    {"", 0, 0, 0, 0},
    {NULL, 0, 0, 0, 0},
};

START_TEST(test_content_range)
{
    apr_off_t s = -7, e = -7, t = -7;
    int ok = ckpt_content_range_parse(ranges[_i].header, &s, &e, &t);

    ck_assert_msg(ok == ranges[_i].ok, "%s", ranges[_i].header ? ranges[_i].header : "(null)");
    if (ok) {
        ck_assert_int_eq(s, ranges[_i].start);
        ck_assert_int_eq(e, ranges[_i].end);
        ck_assert_int_eq(t, ranges[_i].total);
    }
}
END_TEST

/* Chunks as "offset+size,...", the upload's size, and what is missing. */
static const struct {
    const char *chunks;
    apr_off_t size;
    int complete;
    apr_off_t from, to;
} tilings[] = {
    {"0+10,10+10,20+5", 25, 1, 0, 0},
    {"", 0, 1, 0, 0},
    {"", 5, 0, 0, 4},
    {"0+10,20+5", 25, 0, 10, 19},
    {"10+15", 25, 0, 0, 9},
    {"0+10", 25, 0, 10, 24},
    {"0+10,5+20", 25, 0, 5, 4}, /* overlap: to < from */
};

START_TEST(test_complete)
{
    apr_array_header_t *a = apr_array_make(pool, 4, sizeof(ckpt_chunk));
    char *list = apr_pstrdup(pool, tilings[_i].chunks), *tok, *last = NULL;
    apr_off_t from = -1, to = -1;
    int ok;

    for (tok = apr_strtok(list, ",", &last); tok; tok = apr_strtok(NULL, ",", &last)) {
        ckpt_chunk *c = apr_array_push(a);
        c->offset = apr_atoi64(tok);
        c->size = apr_atoi64(strchr(tok, '+') + 1);
    }
    ok = ckpt_chunked_complete(a, tilings[_i].size, &from, &to);
    ck_assert_int_eq(ok, tilings[_i].complete);
    if (!ok) {
        ck_assert_int_eq(from, tilings[_i].from);
        ck_assert_int_eq(to, tilings[_i].to);
    }
}
END_TEST

static ckpt_upload *staged(const char *bytes)
{
    ckpt_upload *u;
    ckpt_err err = {0};
    const char *sha;
    apr_off_t size;

    ck_assert_int_eq(ckpt_upload_open(pool, root, &u, &err), CKPT_OK);
    ck_assert_int_eq(ckpt_upload_write(u, bytes, strlen(bytes), &err), CKPT_OK);
    ck_assert_int_eq(ckpt_upload_finish(u, &sha, &size, &err), CKPT_OK);
    return u;
}

static ckpt_rc count_dir(void *baton, const char *name)
{
    (*(int *)baton)++;
    return CKPT_OK;
}

/* Chunks land at upload/<id>/<offset>, a retried one replacing the old;
 * appended in order they are the file; removal takes the directory. */
START_TEST(test_chunk_storage)
{
    const char *id = "0b7a3b0e-8d36-4a0e-9c69-6a3b8f7d2c11", *sha;
    ckpt_err err = {0};
    ckpt_upload *whole;
    apr_finfo_t fi;
    apr_int64_t files = 0;
    apr_off_t bytes = 0, size;
    int dirs = 0;

    ck_assert_int_eq(ckpt_upload_commit_chunk(staged("def"), id, 3, &err), CKPT_OK);
    ck_assert_int_eq(ckpt_upload_commit_chunk(staged("xyz"), id, 0, &err), CKPT_OK);
    ck_assert_int_eq(ckpt_upload_commit_chunk(staged("abc"), id, 0, &err), CKPT_OK);
    ck_assert_int_eq(apr_stat(&fi, ckpt_storage_chunk_path(pool, root, id, 0), APR_FINFO_SIZE,
                              pool), APR_SUCCESS);
    ck_assert_int_eq(ckpt_upload_open(pool, root, &whole, &err), CKPT_OK);
    ck_assert_int_eq(ckpt_upload_append_file(whole, ckpt_storage_chunk_path(pool, root, id, 0),
                                             3, &err), CKPT_OK);
    ck_assert_int_eq(ckpt_upload_append_file(whole, ckpt_storage_chunk_path(pool, root, id, 3),
                                             3, &err), CKPT_OK);
    ck_assert_int_eq(ckpt_upload_finish(whole, &sha, &size, &err), CKPT_OK);
    ck_assert_str_eq(sha, ABCDEF);
    ck_assert_int_eq(ckpt_upload_append_file(whole, ckpt_storage_chunk_path(pool, root, id, 3),
                                             4, &err), CKPT_IOERROR);
    ckpt_upload_discard(whole);
    ck_assert_int_eq(ckpt_storage_walk_uploads(pool, root, apr_time_now() + apr_time_from_sec(5),
                                               count_dir, &dirs, &err), CKPT_OK);
    ck_assert_int_eq(dirs, 1);
    ck_assert_int_eq(ckpt_storage_remove_chunks(pool, root, id, &files, &bytes, &err), CKPT_OK);
    ck_assert_int_eq(files, 2);
    ck_assert_int_eq(bytes, 6);
    ck_assert_int_ne(apr_stat(&fi, apr_pstrcat(pool, root, "/upload/", id, NULL), APR_FINFO_TYPE,
                              pool), APR_SUCCESS);
    ck_assert_int_eq(ckpt_storage_remove_chunks(pool, root, id, &files, &bytes, &err), CKPT_OK);
}
END_TEST

/* Query parameters -> the distributions list statement's parameters. */
static const struct {
    const char *query; /* "k=v&k=v" */
    int ok;
    const char *field;  /* refused: the parameter named */
    int slot;           /* accepted: one slot and its value */
    const char *value;
} binds[] = {
    {"name=a", 1, NULL, 0, "a"},
    {"name__startswith=a", 1, NULL, 1, "a"},
    {"name__icontains=A", 1, NULL, 3, "A"},
    {"name__in=a,b,,c", 1, NULL, 4, "{\"a\",\"b\",\"c\"}"},
    {"base_path__in=x", 1, NULL, 9, "{\"x\"}"},
    {"ordering=-base_path", 1, NULL, 10, "-base_path"},
    {"limit=5&fields=name&exclude_fields=x&offset=1", 1, NULL, 0, NULL},
    {"ordering=description", 0, "ordering", 0, NULL},
    {"ordering=name,base_path", 0, "ordering", 0, NULL},
    {"relative_path=x", 0, "relative_path", 0, NULL},
    {"name__iexact=x", 0, "name__iexact", 0, NULL},
};

static apr_table_t *query(const char *q)
{
    apr_table_t *t = apr_table_make(pool, 4);
    char *s = apr_pstrdup(pool, q), *pair, *last = NULL;

    for (pair = apr_strtok(s, "&", &last); pair; pair = apr_strtok(NULL, "&", &last)) {
        char *eq = strchr(pair, '=');
        *eq = '\0';
        apr_table_set(t, pair, eq + 1);
    }
    return t;
}

START_TEST(test_bind)
{
    const char **params = NULL;
    ckpt_err err = {0};
    ckpt_rc rc = ckpt_filter_bind(pool, &ckpt_filters_distributions, "/pulp/api/v3/",
                                  query(binds[_i].query), &params, &err);

    ck_assert_msg((rc == CKPT_OK) == binds[_i].ok, "%s", binds[_i].query);
    if (!binds[_i].ok) {
        ck_assert_int_eq(rc, CKPT_INVALID);
        ck_assert_str_eq(err.field, binds[_i].field);
        return;
    }
    if (binds[_i].value) {
        ck_assert_str_eq(params[binds[_i].slot], binds[_i].value);
    }
    else {
        int i;
        for (i = 0; i < ckpt_filters_distributions.nparams; i++) {
            ck_assert_ptr_null(params[i]);
        }
    }
}
END_TEST

/* Hrefs, booleans, digests and numbers are checked and converted. */
START_TEST(test_bind_types)
{
    const char *repo = "/pulp/api/v3/repositories/file/file/0b7a3b0e-8d36-4a0e-9c69-6a3b8f7d2c11/";
    const char **params;
    ckpt_err err = {0};

    ck_assert_int_eq(ckpt_filter_bind(pool, &ckpt_filters_publications, "/pulp/api/v3/",
                                      query(apr_pstrcat(pool, "repository_version=", repo,
                                                        "versions/12/&checkpoint=True", NULL)),
                                      &params, &err), CKPT_OK);
    ck_assert_str_eq(params[2], "0b7a3b0e-8d36-4a0e-9c69-6a3b8f7d2c11");
    ck_assert_str_eq(params[3], "12");
    ck_assert_str_eq(params[1], "true");
    ck_assert_int_eq(ckpt_filter_bind(pool, &ckpt_filters_publications, "/pulp/api/v3/",
                                      query("checkpoint=maybe"), &params, &err), CKPT_INVALID);
    ck_assert_int_eq(ckpt_filter_bind(pool, &ckpt_filters_content, "/pulp/api/v3/",
                                      query("sha256=" "BEF57EC7F53A6D40BEB640A780A639C83BC29AC8"
                                            "A9816F1FC6C5C6DCD93C4721"), &params, &err), CKPT_OK);
    ck_assert_str_eq(params[1], ABCDEF);
    ck_assert_int_eq(ckpt_filter_bind(pool, &ckpt_filters_uploads, "/pulp/api/v3/",
                                      query("size__gt=-1"), &params, &err), CKPT_INVALID);
    ck_assert_str_eq(err.field, "size__gt");
}
END_TEST

START_TEST(test_fields)
{
    ckpt_json *o = ckpt_json_object(), *cut;

    ckpt_json_set_str(o, "name", "n");
    ckpt_json_set_str(o, "pulp_href", "h");
    ckpt_json_set_int(o, "size", 3);
    cut = ckpt_json_own(pool, ckpt_shape_fields(pool, o, "size,name,nothing", "name"));
    ck_assert_str_eq(ckpt_json_dump(pool, cut), "{\"size\":3}");
}
END_TEST

/* Against PostgreSQL: an upload of 6 bytes, its chunks out of order and
 * one retried, then refused chunks, then the commit. */
START_TEST(test_upload_db)
{
    ckpt_dbpool *dbp;
    ckpt_db *db;
    ckpt_chunked *up, *got;
    ckpt_upload *whole;
    ckpt_err err = {0};
    apr_pool_t *dbroot, *held;

    /* The connection goes back before its pool does (test_db.c's order). */
    apr_pool_create(&dbroot, pool);
    apr_pool_create(&held, dbroot);
    dbp = ckpt_test_dbpool(dbroot, 1);
    ck_assert_int_eq(ckpt_db_acquire(dbp, held, &db), CKPT_OK);
    ck_assert_int_eq(ckpt_chunked_create(db, pool, 6, &up, &err), CKPT_OK);
    ck_assert_int_eq(ckpt_chunked_put(db, pool, up->id, staged("def"), 3, 5, 6, NULL, &got, &err),
                     CKPT_OK);
    ck_assert_int_eq(ckpt_chunked_assemble(db, pool, root, up->id, &whole, &err), CKPT_INVALID);
    ck_assert_str_eq(err.field, "upload");
    ck_assert_int_eq(ckpt_chunked_put(db, pool, up->id, staged("xyz"), 0, 2, 6, NULL, &got, &err),
                     CKPT_OK);
    ck_assert_int_eq(ckpt_chunked_put(db, pool, up->id, staged("abc"), 0, 2, -1,
                                      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
                                      &got, &err), CKPT_OK);
    ck_assert_int_eq(ckpt_chunked_put(db, pool, up->id, staged("abc"), 0, 2, 6, ABCDEF, &got, &err),
                     CKPT_INVALID);
    ck_assert_str_eq(err.field, "sha256");
    ck_assert_int_eq(ckpt_chunked_put(db, pool, up->id, staged("abc"), 4, 6, 7, NULL, &got, &err),
                     CKPT_INVALID);
    ck_assert_str_eq(err.field, "Content-Range");
    ck_assert_int_eq(ckpt_chunked_put(db, pool, up->id, staged("ab"), 0, 2, 6, NULL, &got, &err),
                     CKPT_INVALID);
    ck_assert_str_eq(err.field, "file");
    ck_assert_int_eq(ckpt_chunked_get(db, pool, up->id, &got, &err), CKPT_OK);
    ck_assert_int_eq(got->chunks->nelts, 2);
    ck_assert_int_eq(ckpt_chunked_commit(db, pool, root, up->id, ABCDEF, &err), CKPT_OK);
    ck_assert_int_eq(ckpt_chunked_get(db, pool, up->id, &got, &err), CKPT_NOTFOUND);
    ck_assert_int_eq(ckpt_chunked_put(db, pool, up->id, staged("abc"), 0, 2, 6, NULL, &got, &err),
                     CKPT_NOTFOUND);
    apr_pool_destroy(held);
    apr_pool_destroy(dbroot);
}
END_TEST

static Suite *chunked_suite(void)
{
    Suite *s = suite_create("chunked");
    TCase *tc = tcase_create("chunked");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, test_content_range, 0, (int)(sizeof(ranges) / sizeof(ranges[0])));
    tcase_add_loop_test(tc, test_complete, 0, (int)(sizeof(tilings) / sizeof(tilings[0])));
    tcase_add_test(tc, test_chunk_storage);
    tcase_add_loop_test(tc, test_bind, 0, (int)(sizeof(binds) / sizeof(binds[0])));
    tcase_add_test(tc, test_bind_types);
    tcase_add_test(tc, test_fields);
    tcase_add_test(tc, test_upload_db);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return ckpt_test_main(chunked_suite, "test_chunked");
}
