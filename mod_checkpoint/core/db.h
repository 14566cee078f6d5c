/* The one way to PostgreSQL: a per-process pool of connections
 * (apr_reslist), each with every statement of ckpt_statements prepared.
 * This header does not expose libpq; db.c is the only file that includes
 * libpq-fe.h. */
#ifndef CKPT_DB_H
#define CKPT_DB_H

#include <apr_pools.h>
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

/* Results are copied into a pool, so the PGresult is freed at once.
 * vals[row * ncols + col] is NULL for SQL NULL. */
typedef struct {
    int nrows;
    int ncols;
    int affected;
    const char **vals;
} ckpt_dbres;

#define CKPT_DBVAL(res, row, col) ((res)->vals[(row) * (res)->ncols + (col)])

typedef struct {
    const char *conninfo;
    int min;              /* connections kept open */
    int smax;             /* soft maximum */
    int hmax;             /* hard maximum: acquire waits when all are in use */
    apr_interval_time_t ttl;
    apr_interval_time_t acquire_timeout;
    int connect_timeout;  /* seconds, given to libpq unless conninfo says */
} ckpt_dbpool_conf;

apr_status_t ckpt_dbpool_create(apr_pool_t *p, const ckpt_dbpool_conf *conf,
                                ckpt_dbpool **out);

/* Takes a connection for the life of pool p (a request pool): a cleanup on
 * p gives it back, rolling back any transaction left open, so no path can
 * leak one. */
ckpt_rc ckpt_db_acquire(ckpt_dbpool *dbp, apr_pool_t *p, ckpt_db **out);

/* Runs a prepared statement with n text parameters (NULL = SQL NULL). */
ckpt_rc ckpt_db_execv(ckpt_db *db, apr_pool_t *p, ckpt_dbres **res,
                      const char *stmt, int n, const char *const *params);
/* The same with the parameters as n trailing const char * arguments. */
ckpt_rc ckpt_db_exec(ckpt_db *db, apr_pool_t *p, ckpt_dbres **res,
                     const char *stmt, int n, ...);

ckpt_rc ckpt_db_begin(ckpt_db *db);
ckpt_rc ckpt_db_commit(ckpt_db *db);
ckpt_rc ckpt_db_rollback(ckpt_db *db);

/* The last error of this connection: message, SQLSTATE, constraint name. */
const char *ckpt_db_error(const ckpt_db *db);
const char *ckpt_db_sqlstate(const ckpt_db *db);
const char *ckpt_db_constraint(const ckpt_db *db);
/* "15.4" etc. */
const char *ckpt_db_server_version(apr_pool_t *p, const ckpt_db *db);
/* libpq's version, for status/. */
const char *ckpt_db_client_version(apr_pool_t *p);
/* Why the last connection attempt of this process failed. */
const char *ckpt_dbpool_last_error(apr_pool_t *p, ckpt_dbpool *dbp);

#endif
