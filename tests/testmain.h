/* The main() of every unit test: apr around one libcheck suite. */
#ifndef CKPT_TESTMAIN_H
#define CKPT_TESTMAIN_H

#include <check.h>
#include <libpq-fe.h>

#include "db.h"

/* Runs the suite make() builds, between apr_initialize() and
 * apr_terminate(); EXIT_SUCCESS when no test failed.  With db_test set,
 * a test that needs PostgreSQL: without CKPT_TEST_CONNINFO it is
 * automake's SKIP (77), which scripts/test counts as a failure. */
int ckpt_test_main(Suite *(*make)(void), const char *db_test);

/* For tests against PostgreSQL (CKPT_TEST_CONNINFO): a plain libpq
 * connection for the test's own SQL, and a pool of size connections in
 * p (whatever is acquired from it goes back before p is destroyed). */
PGconn *ckpt_test_pq(void);
ckpt_dbpool *ckpt_test_dbpool(apr_pool_t *p, int size);
/* sql's result on conn, failing the test unless it succeeded; and its
 * first row's first column (NULL: no row), copied into p. */
PGresult *ckpt_test_sql(PGconn *conn, const char *sql);
const char *ckpt_test_value(apr_pool_t *p, PGconn *conn, const char *sql);

#endif
