#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_strings.h>

#include "testmain.h"

PGconn *ckpt_test_pq(void)
{
    const char *ci = getenv("CKPT_TEST_CONNINFO");
    PGconn *conn;

    ck_assert_msg(ci && *ci, "CKPT_TEST_CONNINFO is not set (scripts/test sets it)");
    conn = PQconnectdb(ci);
    ck_assert_msg(PQstatus(conn) == CONNECTION_OK, "%s", PQerrorMessage(conn));
    return conn;
}

PGresult *ckpt_test_sql(PGconn *conn, const char *sql)
{
    PGresult *r = PQexec(conn, sql);
    ExecStatusType st = PQresultStatus(r);

    ck_assert_msg(st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK, "%s\n-- %s",
                  PQresultErrorMessage(r), sql);
    return r;
}

const char *ckpt_test_value(apr_pool_t *p, PGconn *conn, const char *sql)
{
    PGresult *r = ckpt_test_sql(conn, sql);
    const char *v = PQntuples(r) ? apr_pstrdup(p, PQgetvalue(r, 0, 0)) : NULL;

    PQclear(r);
    return v;
}

ckpt_dbpool *ckpt_test_dbpool(apr_pool_t *p, int size)
{
    ckpt_dbpool_conf conf;
    ckpt_dbpool *dbp;

    memset(&conf, 0, sizeof(conf));
    conf.conninfo = getenv("CKPT_TEST_CONNINFO");
    conf.smax = conf.hmax = size;
    conf.ttl = apr_time_from_sec(60);
    conf.acquire_timeout = apr_time_from_sec(5);
    conf.connect_timeout = 5;
    ck_assert_msg(conf.conninfo && *conf.conninfo, "CKPT_TEST_CONNINFO is not set");
    ck_assert_int_eq(ckpt_dbpool_create(p, &conf, &dbp), APR_SUCCESS);
    return dbp;
}

int ckpt_test_main(Suite *(*make)(void), const char *db_test)
{
    SRunner *sr;
    int failed;

    if (db_test && !getenv("CKPT_TEST_CONNINFO")) {
        fprintf(stderr, "%s: no CKPT_TEST_CONNINFO, skipped\n", db_test);
        return 77;
    }
    apr_initialize();
    sr = srunner_create(make());
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    apr_terminate();
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
