/* The one way to PostgreSQL: a per-process pool of connections
 * (apr_reslist), each with every statement of ckpt_statements prepared.
 * This header does not expose libpq; db.c is the only file that includes
 * libpq-fe.h. */
#ifndef CKPT_DB_H
#define CKPT_DB_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <apr_time.h>
#include "ckpt_status.h"

typedef struct ckpt_dbpool ckpt_dbpool;
typedef struct ckpt_db ckpt_db;

/* A statement prepared on every connection, by name. */
typedef struct {
    const char *name;
    const char *sql;
} ckpt_stmt;

/* statements.c: the tables of every statement the module runs, one per
 * concern (statements_<concern>.c), each ended by {NULL, NULL}; the list is
 * ended by NULL. */
extern const ckpt_stmt *const ckpt_statement_tables[];
extern const ckpt_stmt ckpt_stmts_status[];
extern const ckpt_stmt ckpt_stmts_api[];
extern const ckpt_stmt ckpt_stmts_content[];
extern const ckpt_stmt ckpt_stmts_ingest[];
extern const ckpt_stmt ckpt_stmts_tasks[];

/* Results are copied into a pool, so the PGresult is freed at once.
 * vals[row * ncols + col] is NULL for SQL NULL; names[col] is the
 * column's name, as the statement's SELECT list says it. */
typedef struct {
    int nrows;
    int ncols;
    int affected;
    const char **vals;
    const char **names;
} ckpt_dbres;

#define CKPT_DBVAL(res, row, col) ((res)->vals[(row) * (res)->ncols + (col)])

/* Columns by name, so that a statement's SELECT list can change without
 * its readers counting positions.  A column that is not there reads as
 * NULL (and ckpt_dbres_col answers -1). */
int ckpt_dbres_col(const ckpt_dbres *res, const char *name);
const char *ckpt_dbres_get(const ckpt_dbres *res, int row, const char *name);
/* The column as an integer, or dflt when it is NULL. */
apr_int64_t ckpt_dbres_int(const ckpt_dbres *res, int row, const char *name, apr_int64_t dflt);
/* 1 when the column is boolean true. */
int ckpt_dbres_bool(const ckpt_dbres *res, int row, const char *name);

/* The pool tells whoever made it when the database stops answering and
 * when it answers again, once each per outage (so an outage is two log
 * lines, however many requests it refused). */
typedef struct {
    int down;                  /* 1: an outage began; 0: it ended */
    const char *reason;        /* why the first attempt failed */
    apr_uint64_t refused;      /* on the end: connections and statements that failed */
    apr_interval_time_t lasted;
} ckpt_dbpool_event;
typedef void (*ckpt_dbpool_event_fn)(void *baton, const ckpt_dbpool_event *ev);

typedef struct {
    const char *conninfo;
    int min;              /* connections kept open */
    int smax;             /* soft maximum */
    int hmax;             /* hard maximum: acquire waits when all are in use */
    apr_interval_time_t ttl;
    apr_interval_time_t acquire_timeout;
    int connect_timeout;  /* seconds, given to libpq unless conninfo says */
    const char *session_attrs; /* target_session_attrs unless conninfo says; NULL: libpq's */
    const char *application_name; /* unless conninfo says; NULL: "mod_checkpoint" */
    int reserved;         /* of hmax, kept for ckpt_db_acquire (the content side) */
    /* prefer-standby over several hosts: a connection found on a primary
     * is made again, between requests, this long after, so that reads go
     * back to a standby that is back; 0: never */
    apr_interval_time_t standby_retry;
    ckpt_dbpool_event_fn on_event; /* outages begin and end; may be NULL */
    void *event_baton;
} ckpt_dbpool_conf;

apr_status_t ckpt_dbpool_create(apr_pool_t *p, const ckpt_dbpool_conf *conf,
                                ckpt_dbpool **out);

/* Takes a connection for the life of pool p (a request pool): a cleanup on
 * p gives it back, rolling back any transaction left open, so no path can
 * leak one. */
ckpt_rc ckpt_db_acquire(ckpt_dbpool *dbp, apr_pool_t *p, ckpt_db **out);
/* The same for work that may wait (the management API): at most hmax -
 * reserved connections are held this way at once, so that however many
 * slow transactions run, the content side always finds one.  Waits up to
 * the acquire timeout for a share; CKPT_DBDOWN when none comes. */
ckpt_rc ckpt_db_acquire_shared(ckpt_dbpool *dbp, apr_pool_t *p, ckpt_db **out);

/* Runs a prepared statement with n text parameters (NULL = SQL NULL). */
ckpt_rc ckpt_db_execv(ckpt_db *db, apr_pool_t *p, ckpt_dbres **res,
                      const char *stmt, int n, const char *const *params);
/* The same with the parameters as n trailing const char * arguments
 * (ckpt_db_query below, without an err). */
#define ckpt_db_exec(db, p, res, stmt, ...) \
    ckpt_db_query((db), (p), (res), NULL, (stmt), __VA_ARGS__)

/* The same, and on failure err (when not NULL) says which statement
 * failed and the database's words (kept: a rollback later does not clear
 * them). */
ckpt_rc ckpt_db_query(ckpt_db *db, apr_pool_t *p, ckpt_dbres **res, ckpt_err *err,
                      const char *stmt, int n, ...);
ckpt_rc ckpt_db_queryv(ckpt_db *db, apr_pool_t *p, ckpt_dbres **res, ckpt_err *err,
                       const char *stmt, int n, const char *const *params);

/* Runs a statement of the tables that cannot be prepared (LISTEN), by
 * name, as a plain command. */
ckpt_rc ckpt_db_utility(ckpt_db *db, apr_pool_t *p, const char *stmt, ckpt_err *err);
/* Waits up to timeout for a NOTIFY on this connection (after a LISTEN);
 * *notified says whether one came (all that came are consumed).
 * CKPT_DBDOWN when the connection is lost. */
ckpt_rc ckpt_db_wait_notify(ckpt_db *db, apr_interval_time_t timeout, int *notified);

ckpt_rc ckpt_db_begin(ckpt_db *db);
ckpt_rc ckpt_db_commit(ckpt_db *db);
/* Keeps the error of the statement that made the caller give up. */
ckpt_rc ckpt_db_rollback(ckpt_db *db);

/* One transaction: fn runs between BEGIN and COMMIT.  When fn or the
 * commit fails the transaction is rolled back, err keeps what fn or the
 * database said, and the result is answered; a serialization failure or
 * a deadlock (SQLSTATE 40001, 40P01, or fn answering CKPT_RETRY) runs the
 * whole transaction again, up to CKPT_TXN_ATTEMPTS times.  Results that
 * fn keeps must come from p. */
#define CKPT_TXN_ATTEMPTS 5
typedef ckpt_rc (*ckpt_txn_fn)(ckpt_db *db, apr_pool_t *p, void *baton, ckpt_err *err);
ckpt_rc ckpt_db_txn(ckpt_db *db, apr_pool_t *p, ckpt_txn_fn fn, void *baton, ckpt_err *err);

/* The PostgreSQL array literal {"a","b"} of the strings of elems (quotes
 * and backslashes escaped), to pass as one text parameter cast to an
 * array type.  The one builder of array parameters. */
const char *ckpt_db_array(apr_pool_t *p, const apr_array_header_t *elems);

/* The last error of this connection: message, SQLSTATE, constraint name. */
const char *ckpt_db_error(const ckpt_db *db);
const char *ckpt_db_sqlstate(const ckpt_db *db);
const char *ckpt_db_constraint(const ckpt_db *db);
/* "15.4" etc. */
const char *ckpt_db_server_version(apr_pool_t *p, const ckpt_db *db);
/* libpq's version, for status/. */
const char *ckpt_db_client_version(apr_pool_t *p);
/* 1 when the connection is to a hot standby (the server reports
 * in_hot_standby, PostgreSQL 14 on), which follows promotion. */
int ckpt_db_in_standby(const ckpt_db *db);
/* 1 while the pool's database is in an outage (db.h's events). */
int ckpt_dbpool_down(ckpt_dbpool *dbp);
/* Why the last connection attempt of this process failed. */
const char *ckpt_dbpool_last_error(apr_pool_t *p, ckpt_dbpool *dbp);

#endif
