/* The pool and the transactions of db.c against a real PostgreSQL
 * (scripts/test gives one in CKPT_TEST_CONNINFO): the API's share of the
 * pool leaves the content side its connections (issue 9, defect 1), an
 * outage is told once when it begins and once when it ends (defect 6), a
 * rollback keeps the database's words (defect 7), and the transaction
 * helper runs a transaction again when asked; a prefer-standby pool on a
 * primary tries the standbys again without losing its connection. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_strings.h>
#include <check.h>

#include "testmain.h"
#include "db.h"

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
    int began, ended;
    apr_uint64_t refused;
} events;

static void on_event(void *baton, const ckpt_dbpool_event *ev)
{
    events *e = baton;

    if (ev->down) {
        e->began++;
    }
    else {
        e->ended++;
        e->refused = ev->refused;
    }
}

static ckpt_dbpool *make_pool(apr_pool_t *p, const char *conninfo, int hmax, int reserved,
                              events *e)
{
    ckpt_dbpool_conf conf;
    ckpt_dbpool *dbp;

    memset(&conf, 0, sizeof(conf));
    conf.conninfo = conninfo;
    conf.min = 0;
    conf.smax = conf.hmax = hmax;
    conf.reserved = reserved;
    conf.ttl = apr_time_from_sec(60);
    conf.acquire_timeout = apr_time_from_msec(200);
    conf.connect_timeout = 2;
    conf.on_event = on_event;
    conf.event_baton = e;
    ck_assert_int_eq(ckpt_dbpool_create(p, &conf, &dbp), APR_SUCCESS);
    return dbp;
}

START_TEST(test_api_share_leaves_content_a_connection)
{
    events e = {0, 0, 0};
    apr_pool_t *root, *held, *one;
    ckpt_dbpool *dbp;
    ckpt_db *db;
    int i;

    apr_pool_create(&root, pool);
    apr_pool_create(&held, root);
    dbp = make_pool(root, getenv("CKPT_TEST_CONNINFO"), 4, 1, &e);
    for (i = 0; i < 3; i++) {
        ck_assert_int_eq(ckpt_db_acquire_shared(dbp, held, &db), CKPT_OK);
    }
    /* The API's share is taken: a fourth waits, then gives up ... */
    apr_pool_create(&one, held);
    ck_assert_int_eq(ckpt_db_acquire_shared(dbp, one, &db), CKPT_DBDOWN);
    /* ... while the content side still finds a connection. */
    ck_assert_int_eq(ckpt_db_acquire(dbp, one, &db), CKPT_OK);
    ck_assert_int_eq(ckpt_db_exec(db, one, NULL, "status_schema", 0), CKPT_OK);
    apr_pool_destroy(one);
    apr_pool_destroy(held);
    /* Shares come back with their requests. */
    apr_pool_create(&held, root);
    for (i = 0; i < 3; i++) {
        ck_assert_int_eq(ckpt_db_acquire_shared(dbp, held, &db), CKPT_OK);
    }
    apr_pool_destroy(held);
    ck_assert_int_eq(e.began, 0);
    apr_pool_destroy(root);
}
END_TEST

START_TEST(test_outage_told_once)
{
    events e = {0, 0, 0};
    apr_pool_t *root, *req;
    ckpt_dbpool *dbp;
    ckpt_db *db;
    int i;

    apr_pool_create(&root, pool);
    dbp = make_pool(root, "host=/nonexistent-ckpt-test dbname=none", 2, 0, &e);
    for (i = 0; i < 5; i++) {
        apr_pool_create(&req, root);
        ck_assert_int_eq(ckpt_db_acquire(dbp, req, &db), CKPT_DBDOWN);
        apr_pool_destroy(req);
    }
    ck_assert_int_eq(e.began, 1);
    ck_assert_int_eq(e.ended, 0);
    ck_assert_msg(strstr(ckpt_dbpool_last_error(root, dbp), "nonexistent-ckpt-test") != NULL,
                  "says why: %s", ckpt_dbpool_last_error(root, dbp));
    apr_pool_destroy(root);
}
END_TEST

/* A connection the server closes under it: down once, up once, counted. */
START_TEST(test_outage_ends)
{
    events e = {0, 0, 0};
    apr_pool_t *root, *req;
    ckpt_dbpool *dbp;
    ckpt_db *db;
    ckpt_dbres *res;
    const char *conninfo = getenv("CKPT_TEST_CONNINFO");

    apr_pool_create(&root, pool);
    dbp = make_pool(root, conninfo, 2, 0, &e);
    apr_pool_create(&req, root);
    ck_assert_int_eq(ckpt_db_acquire(dbp, req, &db), CKPT_OK);
    ck_assert_int_eq(ckpt_db_begin(db), CKPT_OK);
    /* The server closes the connection (as a restart or a failover does). */
    ck_assert_int_eq(system(apr_psprintf(root, "psql '%s' -XAtqc \"SELECT"
                                         " pg_terminate_backend(pid) FROM pg_stat_activity"
                                         " WHERE application_name = 'mod_checkpoint'\""
                                         " >/dev/null", conninfo)), 0);
    /* Inside a transaction a lost connection is not made again: down. */
    ck_assert_int_eq(ckpt_db_exec(db, req, &res, "status_schema", 0), CKPT_DBDOWN);
    ck_assert_int_eq(e.began, 1);
    apr_pool_destroy(req);
    /* The next request gets a new connection: up, with the count. */
    apr_pool_create(&req, root);
    ck_assert_int_eq(ckpt_db_acquire(dbp, req, &db), CKPT_OK);
    ck_assert_int_eq(ckpt_db_exec(db, req, &res, "status_schema", 0), CKPT_OK);
    ck_assert_int_eq(e.ended, 1);
    ck_assert_uint_ge(e.refused, 1);
    apr_pool_destroy(req);
    apr_pool_destroy(root);
}
END_TEST

typedef struct {
    int calls;
} txn_baton;

/* Fails with the database's words the first time, asks to be run again
 * the second, succeeds the third. */
static ckpt_rc flaky_txn(ckpt_db *db, apr_pool_t *p, void *baton, ckpt_err *err)
{
    txn_baton *b = baton;
    ckpt_dbres *res;

    b->calls++;
    if (b->calls == 2) {
        return ckpt_err_set(err, CKPT_RETRY, NULL, "again");
    }
    return ckpt_db_query(db, p, &res, err, "status_schema", 0);
}

static ckpt_rc bad_uuid_txn(ckpt_db *db, apr_pool_t *p, void *baton, ckpt_err *err)
{
    ckpt_dbres *res;

    if (ckpt_db_query(db, p, &res, err, "status_schema", 0) != CKPT_OK) {
        return err->rc;
    }
    return ckpt_db_query(db, p, &res, err, "api_repo_get", 1, "not-a-uuid");
}

START_TEST(test_txn)
{
    events e = {0, 0, 0};
    apr_pool_t *root, *req;
    ckpt_dbpool *dbp;
    ckpt_db *db;
    ckpt_err err = {0};
    txn_baton b = {1};

    apr_pool_create(&root, pool);
    dbp = make_pool(root, getenv("CKPT_TEST_CONNINFO"), 2, 0, &e);
    apr_pool_create(&req, root);
    ck_assert_int_eq(ckpt_db_acquire(dbp, req, &db), CKPT_OK);
    /* CKPT_RETRY runs the whole transaction again. */
    ck_assert_int_eq(ckpt_db_txn(db, req, flaky_txn, &b, &err), CKPT_OK);
    ck_assert_int_eq(b.calls, 3);
    /* A failure is rolled back, and its words survive the rollback. */
    ck_assert_int_eq(ckpt_db_txn(db, req, bad_uuid_txn, NULL, &err), CKPT_INVALID);
    ck_assert_msg(strstr(err.reason, "api_repo_get") && strstr(err.reason, "uuid"),
                  "the statement and the database's words: %s", err.reason);
    ck_assert_msg(strstr(ckpt_db_error(db), "uuid") != NULL, "kept on the connection: %s",
                  ckpt_db_error(db));
    /* The connection is usable again. */
    ck_assert_int_eq(ckpt_db_exec(db, req, NULL, "status_schema", 0), CKPT_OK);
    apr_pool_destroy(req);
    apr_pool_destroy(root);
}
END_TEST

/* Connections of application_name app, as the server counts them once
 * it has seen closed ones go (a backend exits a moment after its client
 * closes): waits up to 2 s for want, answers the last count; *pid is the
 * lowest backend pid of them. */
static int backends(apr_pool_t *p, const char *conninfo, const char *app, int want, int *pid)
{
    int n = -1, i;

    for (i = 0; i < 40 && n != want; i++) {
        FILE *f = popen(apr_psprintf(p, "psql '%s' -XAtF ' ' -c \"SELECT count(*), coalesce(min(pid), 0)"
                                        " FROM pg_stat_activity WHERE application_name = '%s'\"",
                                     conninfo, app), "r");
        ck_assert_ptr_nonnull(f);
        ck_assert_int_eq(fscanf(f, "%d %d", &n, pid), 2);
        pclose(f);
        if (n != want) {
            apr_sleep(apr_time_from_msec(50));
        }
    }
    return n;
}

/* A prefer-standby pool over two hosts (a dead one, then the test's
 * primary): its connection is on a primary, so once standby_retry has
 * passed it tries again between requests, finds no standby, and keeps
 * the connection it had (one backend, statements prepared there still
 * run), without an outage told. */
START_TEST(test_standby_retry_keeps_primary)
{
    events e = {0, 0, 0};
    const char *conninfo = getenv("CKPT_TEST_CONNINFO");
    const char *host = strstr(conninfo, "host=");
    apr_pool_t *root, *req;
    ckpt_dbpool_conf conf;
    ckpt_dbpool *dbp;
    ckpt_db *db;
    int i, pid, first = 0;

    ck_assert_ptr_nonnull(host);
    apr_pool_create(&root, pool);
    memset(&conf, 0, sizeof(conf));
    conf.conninfo = apr_psprintf(root, "%s host=/nonexistent-ckpt-test,%.*s application_name=ckpt_retry",
                                 conninfo, (int)strcspn(host + 5, " "), host + 5);
    conf.smax = conf.hmax = 1;
    conf.ttl = apr_time_from_sec(60);
    conf.acquire_timeout = apr_time_from_msec(200);
    conf.connect_timeout = 2;
    conf.session_attrs = "prefer-standby";
    conf.standby_retry = apr_time_from_msec(1);
    conf.on_event = on_event;
    conf.event_baton = &e;
    ck_assert_int_eq(ckpt_dbpool_create(root, &conf, &dbp), APR_SUCCESS);
    for (i = 0; i < 4; i++) {
        apr_pool_create(&req, root);
        ck_assert_int_eq(ckpt_db_acquire(dbp, req, &db), CKPT_OK);
        ck_assert_int_eq(ckpt_db_exec(db, req, NULL, "status_schema", 0), CKPT_OK);
        ck_assert_int_eq(ckpt_db_in_standby(db), 0);
        apr_pool_destroy(req); /* the second and later: a retry, which finds no standby */
        ck_assert_int_eq(backends(root, conninfo, "ckpt_retry", 1, &pid), 1);
        first = first ? first : pid;
        ck_assert_int_eq(pid, first); /* the same backend: kept */
        apr_sleep(apr_time_from_msec(5));
    }
    ck_assert_int_eq(e.began, 0);
    apr_pool_destroy(root);
    ck_assert_int_eq(backends(pool, conninfo, "ckpt_retry", 0, &pid), 0);
}
END_TEST

START_TEST(test_array)
{
    apr_array_header_t *a = apr_array_make(pool, 3, sizeof(const char *));

    ck_assert_str_eq(ckpt_db_array(pool, a), "{}");
    APR_ARRAY_PUSH(a, const char *) = "plain";
    APR_ARRAY_PUSH(a, const char *) = "q\"uo\\te,{}";
    ck_assert_str_eq(ckpt_db_array(pool, a), "{\"plain\",\"q\\\"uo\\\\te,{}\"}");
}
END_TEST

static Suite *db_suite(void)
{
    Suite *s = suite_create("db");
    TCase *tc = tcase_create("pool and transactions");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_api_share_leaves_content_a_connection);
    tcase_add_test(tc, test_outage_told_once);
    tcase_add_test(tc, test_outage_ends);
    tcase_add_test(tc, test_txn);
    tcase_add_test(tc, test_standby_retry_keeps_primary);
    tcase_add_test(tc, test_array);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return ckpt_test_main(db_suite, "test_db");
}
