/* An import whose commit meets a version the API made meanwhile
 * (ingest.h, ckpt_ingest_req.latest_seen), against PostgreSQL: the
 * import recorded what changed against the version it began with, and
 * its commit must compare again with the new one, in both directions.
 * The API's version is made from the import's progress callback when it
 * says "committing": every batch is recorded by then, and the commit's
 * transaction has not begun.  Also the rule the digests' CHECKs keep
 * (artifact's, which the imports lease, and upload_chunk's). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_file_io.h>
#include <apr_strings.h>
#include <check.h>
#include <libpq-fe.h>

#include "db.h"
#include "import.h"
#include "ingest.h"
#include "storage.h"
#include "testdir.h"
#include "testmain.h"
#include "version.h"

static apr_pool_t *pool;
static char *root, *tree;
static PGconn *conn;

static const char *value(const char *sql)
{
    return ckpt_test_value(pool, conn, sql);
}

static void exec(const char *sql)
{
    PQclear(ckpt_test_sql(conn, sql));
}

/* This test's repositories, and the units and artifacts only they held,
 * gone: a failed run's, and this run's at its end. */
static void forget(void)
{
    exec("DELETE FROM repository WHERE name LIKE 'ingest-meanwhile-%'");
    exec("DELETE FROM content c WHERE c.relative_path IN ('w1', 'w2', 'x', 'z1', 'z2')"
         " AND c.sha256 IN (encode(sha256('old one'), 'hex'), encode(sha256('old two'), 'hex'),"
         "  encode(sha256('new one'), 'hex'), encode(sha256('new two'), 'hex'))"
         " AND NOT EXISTS (SELECT 1 FROM repository_content rc WHERE rc.content_id = c.id)");
    exec("DELETE FROM artifact a WHERE a.sha256 IN (encode(sha256('old one'), 'hex'),"
         "  encode(sha256('old two'), 'hex'), encode(sha256('new one'), 'hex'),"
         "  encode(sha256('new two'), 'hex'))"
         " AND NOT EXISTS (SELECT 1 FROM content c WHERE c.sha256 = a.sha256)"
         " AND NOT EXISTS (SELECT 1 FROM publication p WHERE p.manifest_sha256 = a.sha256)");
}

static void put(const char *rel, const char *bytes)
{
    const char *path = apr_pstrcat(pool, tree, "/", rel, NULL);
    char *dir = apr_pstrdup(pool, path);
    apr_file_t *f;

    *strrchr(dir, '/') = '\0';
    ck_assert_int_eq(apr_dir_make_recursive(dir, APR_FPROT_OS_DEFAULT, pool), APR_SUCCESS);
    ck_assert_int_eq(apr_file_open(&f, path,
                                   APR_FOPEN_WRITE | APR_FOPEN_CREATE | APR_FOPEN_TRUNCATE,
                                   APR_FPROT_OS_DEFAULT, pool),
                     APR_SUCCESS);
    ck_assert_int_eq(apr_file_write_full(f, bytes, strlen(bytes), NULL), APR_SUCCESS);
    apr_file_close(f);
}

/* What the API does meanwhile: a version of the repository without
 * w1 and with the import's own unit of z1 (the same path and bytes). */
typedef struct {
    ckpt_dbpool *dbp;
    const char *repo, *name;
    int made;
    ckpt_rc rc;
    char why[256];
} meanwhile;

static void at_commit(void *baton, const ckpt_ingest_progress *pr)
{
    meanwhile *m = baton;
    ckpt_modify_req req;
    ckpt_repo_version *v;
    apr_array_header_t *add = apr_array_make(pool, 1, sizeof(const char *));
    apr_array_header_t *rm = apr_array_make(pool, 1, sizeof(const char *));
    ckpt_err err = {0};
    apr_pool_t *held;
    ckpt_db *db;

    if (m->made || strcmp(pr->phase, "committing")) {
        return;
    }
    m->made = 1;
    APR_ARRAY_PUSH(add, const char *) = value(apr_psprintf(pool,
        "SELECT id FROM content WHERE relative_path = 'z1'"
        " AND sha256 = encode(sha256('new one'), 'hex')"));
    APR_ARRAY_PUSH(rm, const char *) = value(apr_psprintf(pool,
        "SELECT rc.content_id FROM repository_content rc JOIN repository r"
        " ON r.id = rc.repository_id WHERE r.name = '%s' AND rc.relative_path = 'w1'"
        " AND rc.version_removed IS NULL", m->name));
    memset(&req, 0, sizeof(req));
    req.repository_id = m->repo;
    req.base_version = -1;
    req.add = add;
    req.remove = rm;
    req.storage = root;
    apr_pool_create(&held, pool);
    m->rc = ckpt_db_acquire(m->dbp, held, &db);
    if (m->rc == CKPT_OK) {
        m->rc = ckpt_modify(db, held, &req, &v, &err);
    }
    if (m->rc != CKPT_OK) {
        apr_snprintf(m->why, sizeof(m->why), "%s", ckpt_err_text(held, &err));
    }
    apr_pool_destroy(held);
}

static void import(ckpt_db *db, const char *repo, const ckpt_ingest_hooks *hooks,
                   ckpt_ingest_result *res)
{
    ckpt_import_req req;
    ckpt_err err = {0};
    ckpt_rc rc;

    memset(&req, 0, sizeof(req));
    req.repository_id = repo;
    req.dir = tree;
    rc = ckpt_import(db, pool, root, &req, hooks, res, &err);
    ck_assert_msg(rc == CKPT_OK, "import: %s", ckpt_err_text(pool, &err));
}

/* The open rows of the repository: "path=bytes' digest prefix ...". */
static const char *present(const char *name)
{
    return value(apr_psprintf(pool,
        "SELECT string_agg(rc.relative_path, ' ' ORDER BY rc.relative_path)"
        " FROM repository_content rc JOIN repository r ON r.id = rc.repository_id"
        " WHERE r.name = '%s' AND rc.version_removed IS NULL", name));
}

START_TEST(test_version_made_meanwhile)
{
    const char *name = apr_psprintf(pool, "ingest-meanwhile-%ld", (long)getpid());
    ckpt_dbpool *dbp;
    ckpt_db *db;
    ckpt_ingest_result res;
    ckpt_ingest_hooks quiet = {NULL, NULL, NULL};
    meanwhile m;
    ckpt_ingest_hooks hooks = {NULL, at_commit, &m};
    ckpt_err err = {0};
    const char *repo;
    apr_pool_t *dbroot, *held;

    forget(); /* a failed run's */
    apr_pool_create(&dbroot, pool);
    apr_pool_create(&held, dbroot);
    dbp = ckpt_test_dbpool(dbroot, 2);
    ck_assert_int_eq(ckpt_db_acquire(dbp, held, &db), CKPT_OK);
    ck_assert_int_eq(ckpt_ingest_begin(db, pool, name, 1, &repo, &err), CKPT_OK);

    /* Version 1: w1, w2, and x (the bytes z1 will have, so that storage
     * has them when the API adds z1's unit before the import places). */
    put("w1", "old one");
    put("w2", "old two");
    put("x", "new one");
    import(db, repo, &quiet, &res);
    ck_assert_int_eq(res.version->number, 1);

    /* The import of z1 and z2 records both as changed, w1 as not; then
     * the API makes version 2: no w1, and z1 as the tree has it. */
    put("z1", "new one");
    put("z2", "new two");
    memset(&m, 0, sizeof(m));
    m.dbp = dbp;
    m.repo = repo;
    m.name = name;
    import(db, repo, &hooks, &res);
    ck_assert_msg(m.made && m.rc == CKPT_OK, "the API's version: %s", m.why);
    ck_assert_str_eq(value(apr_psprintf(pool, "SELECT latest_number FROM repository"
                                              " WHERE name = '%s'", name)), "3");
    ck_assert_int_eq(res.version->number, 3);
    /* Against version 2: w1 is back, z2 is new; z1 is as it was. */
    ck_assert_int_eq(res.changed, 2);
    ck_assert_int_eq(res.removed, 0);
    ck_assert_str_eq(present(name), "w1 w2 x z1 z2");
    ck_assert_str_eq(value(apr_psprintf(pool,
        "SELECT count(*) FROM repository_content rc JOIN repository r ON r.id = rc.repository_id"
        " WHERE r.name = '%s' AND rc.relative_path = 'z1'", name)), "1");

    /* Unchanged since: no version, whatever was recorded. */
    import(db, repo, &quiet, &res);
    ck_assert_ptr_null(res.version);
    ckpt_ingest_end(db, pool, repo);
    apr_pool_destroy(held);
    apr_pool_destroy(dbroot);
    forget();
}
END_TEST

static void setup(void)
{
    apr_pool_create(&pool, NULL);
    conn = ckpt_test_pq();
    root = ckpt_testdir_make(pool, "ckpt-ingest-storage");
    tree = ckpt_testdir_make(pool, "ckpt-ingest-tree");
    ck_assert_int_eq(ckpt_storage_prepare(pool, root), APR_SUCCESS);
}

static void teardown(void)
{
    ckpt_testdir_remove(root);
    ckpt_testdir_remove(tree);
    PQfinish(conn);
    apr_pool_destroy(pool);
}

/* The rule the digests' CHECKs keep (sql/090: one function,
 * is_sha256_hex, for artifact and upload_chunk; the same rule as the
 * regex '^[0-9a-f]{64}$' it replaced, at a tenth of the cost a row):
 * exactly 64 characters, each a lowercase hex digit. */
START_TEST(test_digest_rule)
{
    static const char *refused[] = {
        "",
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde",   /* 63 */
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0", /* 65 */
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeF",
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg",
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd\u00e9", /* 64 bytes, one not hex */
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\n",
        " 123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    };
    /* Each table's row, the digest between the two (upload_chunk's in
     * an upload made by the first statement of the transaction). */
    static const struct {
        const char *head, *tail;
    } insert[] = {
        {"INSERT INTO artifact (sha256, size) VALUES ('", "', 1)"},
        {"INSERT INTO upload_chunk (upload_id, \"offset\", size, sha256) SELECT id, 0, 1, '",
         "' FROM upload WHERE size = 424242"},
    };
    static const char *good = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    size_t i, t;
    PGresult *r;

    exec("BEGIN");
    exec("INSERT INTO upload (size) VALUES (424242)");
    for (t = 0; t < sizeof(insert) / sizeof(insert[0]); t++) {
        for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
            const char *sql =
                apr_pstrcat(pool, insert[t].head, refused[i], insert[t].tail, NULL);

            exec("SAVEPOINT digest");
            r = PQexec(conn, sql);
            ck_assert_msg(PQresultStatus(r) == PGRES_FATAL_ERROR, "took it: %s", sql);
            ck_assert_str_eq(PQresultErrorField(r, PG_DIAG_SQLSTATE), "23514"); /* check_violation */
            PQclear(r);
            exec("ROLLBACK TO SAVEPOINT digest");
        }
        r = ckpt_test_sql(conn, apr_pstrcat(pool, insert[t].head, good, insert[t].tail, NULL));
        ck_assert_str_eq(PQcmdTuples(r), "1");
        PQclear(r);
    }
    exec("ROLLBACK");
}
END_TEST

static Suite *ingest_suite(void)
{
    Suite *s = suite_create("ingest");
    TCase *tc = tcase_create("ingest");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_version_made_meanwhile);
    tcase_add_test(tc, test_digest_rule);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    /* A database apart from test_history's (scripts/test makes both):
     * tests/test_history.c measures plans, which this test's imports and
     * versions change (pages left not all-visible, statistics). */
    const char *own = getenv("CKPT_TEST_INGEST_CONNINFO");

    if (own && *own) {
        setenv("CKPT_TEST_CONNINFO", own, 1);
    }
    return ckpt_test_main(ingest_suite, "test_ingest");
}
