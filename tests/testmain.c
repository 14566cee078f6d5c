#include <stdio.h>
#include <stdlib.h>

#include <apr_general.h>

#include "testmain.h"

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
