/* The main() of every unit test: apr around one libcheck suite. */
#ifndef CKPT_TESTMAIN_H
#define CKPT_TESTMAIN_H

#include <check.h>

/* Runs the suite make() builds, between apr_initialize() and
 * apr_terminate(); EXIT_SUCCESS when no test failed.  With db_test set,
 * a test that needs PostgreSQL: without CKPT_TEST_CONNINFO it is
 * automake's SKIP (77), which scripts/test counts as a failure. */
int ckpt_test_main(Suite *(*make)(void), const char *db_test);

#endif
