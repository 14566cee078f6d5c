/* The connection pool and the only door to libpq.
 *
 * As mod_dbd does: a per-process apr_reslist, one sub-pool per connection.
 * A statement is prepared on a connection the first time it runs there,
 * so a new connection costs one round trip per statement it uses (the
 * content side uses three or four) rather than one per statement there is.  A connection that
 * the server dropped (a restart, a failover) is made again on the spot when
 * no transaction was open on it, and otherwise thrown away when it is given
 * back, so the pool heals by itself without a restart of httpd. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_atomic.h>
#include <apr_hash.h>
#include <apr_reslist.h>
#include <apr_strings.h>
#include <apr_thread_cond.h>
#include <apr_thread_mutex.h>
#include <libpq-fe.h>
#include <poll.h>

#include "db.h"

struct ckpt_dbpool {
    apr_pool_t *pool;
    const ckpt_stmt **stmts;   /* every statement, by index */
    int nstmts;
    apr_hash_t *stmt_index;    /* name -> index + 1, read-only once made */
    apr_reslist_t *reslist;
    ckpt_dbpool_conf conf;
    char connect_timeout[16];
#if APR_HAS_THREADS
    apr_thread_mutex_t *mutex;  /* guards last_error, the outage and shared */
    apr_thread_cond_t *share_freed;
#endif
    int shared;                 /* connections held through ckpt_db_acquire_shared */
    int returns;                /* connections on a primary go back to a standby (conf.standby_retry) */
    char last_error[512];
    volatile apr_uint32_t down; /* an outage is on: read without the mutex */
    apr_time_t down_since;
    apr_uint64_t refused;
};

struct ckpt_db {
    ckpt_dbpool *dbp;
    apr_pool_t *pool;
    PGconn *conn;
    unsigned char *prepared;   /* per statement: prepared on this connection */
    int in_txn;
    int broken;
    apr_time_t retry_at;       /* on a primary, in a pool that returns: when to try a standby */
    char error[512];
    char sqlstate[8];
    char constraint[128];
};

static void pool_lock(ckpt_dbpool *dbp)
{
#if APR_HAS_THREADS
    apr_thread_mutex_lock(dbp->mutex);
#endif
}

static void pool_unlock(ckpt_dbpool *dbp)
{
#if APR_HAS_THREADS
    apr_thread_mutex_unlock(dbp->mutex);
#endif
}

static void pool_event(ckpt_dbpool *dbp, int down, const char *reason)
{
    ckpt_dbpool_event ev;

    if (!dbp->conf.on_event) {
        return;
    }
    ev.down = down;
    ev.reason = reason;
    ev.refused = dbp->refused;
    ev.lasted = down ? 0 : apr_time_now() - dbp->down_since;
    dbp->conf.on_event(dbp->conf.event_baton, &ev);
}

/* A connection could not be made, or one broke: the first failure of an
 * outage is reported, the others only counted. */
static void pool_failed(ckpt_dbpool *dbp, const char *msg)
{
    pool_lock(dbp);
    apr_cpystrn(dbp->last_error, msg ? msg : "unknown error", sizeof(dbp->last_error));
    if (!dbp->down) {
        dbp->down_since = apr_time_now();
        dbp->refused = 0;
        apr_atomic_set32(&dbp->down, 1);
        pool_event(dbp, 1, dbp->last_error);
    }
    dbp->refused++;
    pool_unlock(dbp);
}

/* The database answered: ends an outage, reporting how long and how much
 * it cost.  Costs one atomic read when there is none. */
static void pool_answered(ckpt_dbpool *dbp)
{
    if (!apr_atomic_read32(&dbp->down)) {
        return;
    }
    pool_lock(dbp);
    if (dbp->down) {
        apr_atomic_set32(&dbp->down, 0);
        pool_event(dbp, 0, NULL);
    }
    pool_unlock(dbp);
}

static void set_error(ckpt_db *db, const PGresult *r, const char *fallback)
{
    const char *msg = r ? PQresultErrorMessage(r) : NULL;
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    const char *cons = r ? PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME) : NULL;
    apr_size_t len;

    if (!msg || !*msg) {
        msg = db->conn ? PQerrorMessage(db->conn) : NULL;
    }
    if (!msg || !*msg) {
        msg = fallback;
    }
    apr_cpystrn(db->error, msg, sizeof(db->error));
    len = strlen(db->error);
    while (len > 0 && (db->error[len - 1] == '\n' || db->error[len - 1] == ' ')) {
        db->error[--len] = '\0';
    }
    apr_cpystrn(db->sqlstate, state ? state : "", sizeof(db->sqlstate));
    apr_cpystrn(db->constraint, cons ? cons : "", sizeof(db->constraint));
}

/* Prepares statement i on this connection unless it is already. */
static ckpt_rc prepare(ckpt_db *db, int i)
{
    const ckpt_stmt *st = db->dbp->stmts[i];
    PGresult *r;

    if (db->prepared[i]) {
        return CKPT_OK;
    }
    r = PQprepare(db->conn, st->name, st->sql, 0, NULL);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        char buf[512];
        apr_snprintf(buf, sizeof(buf), "preparing %s: %s", st->name,
                     r ? PQresultErrorMessage(r) : PQerrorMessage(db->conn));
        set_error(db, r, buf);
        apr_cpystrn(db->error, buf, sizeof(db->error));
        PQclear(r);
        return CKPT_DBERROR;
    }
    PQclear(r);
    db->prepared[i] = 1;
    return CKPT_OK;
}

/* The way back to a standby (return_to_standby) asks for one only, and
 * waits for each host no longer than libpq's shortest connect_timeout:
 * while no standby answers it costs one attempt per host, not libpq's
 * second round of prefer-standby through them all. */
#define RETURN_SESSION_ATTRS "standby"
#define RETURN_CONNECT_TIMEOUT "2"

static apr_status_t db_connect(ckpt_db *db, int returning)
{
    /* The user's conninfo comes last so that it wins: with expand_dbname
     * libpq takes a key=value string or a URI, several hosts and
     * target_session_attrs included. */
    const char *keys[] = {"connect_timeout", "application_name", "target_session_attrs",
                          "dbname", NULL};
    const char *app = db->dbp->conf.application_name;
    const char *attrs = returning ? RETURN_SESSION_ATTRS : db->dbp->conf.session_attrs;
    const char *vals[] = {returning ? RETURN_CONNECT_TIMEOUT : db->dbp->connect_timeout,
                          app ? app : "mod_checkpoint", attrs, db->dbp->conf.conninfo, NULL};

    if (!attrs) {
        /* libpq's own default, any server. */
        keys[2] = keys[3];
        vals[2] = vals[3];
        keys[3] = vals[3] = NULL;
    }

    db->conn = PQconnectdbParams(keys, vals, 1);
    if (!db->conn) {
        set_error(db, NULL, "out of memory");
        return APR_ENOMEM;
    }
    if (PQstatus(db->conn) != CONNECTION_OK) {
        set_error(db, NULL, "connection failed");
        PQfinish(db->conn);
        db->conn = NULL;
        return APR_EGENERAL;
    }
    return APR_SUCCESS;
}

static apr_status_t db_construct(void **resource, void *params, apr_pool_t *pool)
{
    ckpt_dbpool *dbp = params;
    apr_pool_t *sub;
    ckpt_db *db;

    if (apr_pool_create(&sub, pool) != APR_SUCCESS) {
        return APR_ENOMEM;
    }
    db = apr_pcalloc(sub, sizeof(*db));
    db->dbp = dbp;
    db->pool = sub;
    db->prepared = apr_pcalloc(sub, (apr_size_t)dbp->nstmts + 1);
    if (db_connect(db, 0) != APR_SUCCESS) {
        pool_failed(dbp, db->error);
        apr_pool_destroy(sub);
        return APR_EGENERAL;
    }
    pool_answered(dbp);
    *resource = db;
    return APR_SUCCESS;
}

static apr_status_t db_destruct(void *resource, void *params, apr_pool_t *pool)
{
    ckpt_db *db = resource;

    if (db->conn) {
        PQfinish(db->conn);
        db->conn = NULL;
    }
    apr_pool_destroy(db->pool);
    return APR_SUCCESS;
}

static apr_status_t reslist_destroy(void *data)
{
    return apr_reslist_destroy(data);
}

/* The statement tables as one array and a map from name to index. */
static void index_statements(ckpt_dbpool *dbp)
{
    const ckpt_stmt *const *t;
    const ckpt_stmt *s;
    int n = 0;

    for (t = ckpt_statement_tables; *t; t++) {
        for (s = *t; s->name; s++) {
            n++;
        }
    }
    dbp->stmts = apr_palloc(dbp->pool, sizeof(*dbp->stmts) * (apr_size_t)(n + 1));
    dbp->stmt_index = apr_hash_make(dbp->pool);
    dbp->nstmts = 0;
    for (t = ckpt_statement_tables; *t; t++) {
        for (s = *t; s->name; s++) {
            int *i = apr_palloc(dbp->pool, sizeof(*i));
            *i = dbp->nstmts;
            dbp->stmts[dbp->nstmts++] = s;
            apr_hash_set(dbp->stmt_index, s->name, APR_HASH_KEY_STRING, i);
        }
    }
}

/* 1 when the pool's connections may land on a primary while a standby is
 * configured: prefer-standby (the pool's, unless the conninfo says
 * otherwise) over a conninfo that names several hosts. */
static int returns_to_standby(const ckpt_dbpool_conf *conf)
{
    PQconninfoOption *opts, *o;
    const char *attrs = conf->session_attrs;
    int hosts = 0, yes;

    if (conf->standby_retry <= 0 || !(opts = PQconninfoParse(conf->conninfo, NULL))) {
        return 0;
    }
    for (o = opts; o->keyword; o++) {
        if (o->val && (!strcmp(o->keyword, "host") || !strcmp(o->keyword, "hostaddr"))) {
            const char *c = o->val;
            int n = 1;
            for (; *c; c++) {
                n += *c == ',';
            }
            hosts = n > hosts ? n : hosts;
        }
        else if (o->val && *o->val && !strcmp(o->keyword, "target_session_attrs")) {
            attrs = o->val;
        }
    }
    yes = hosts > 1 && attrs && !strcmp(attrs, "prefer-standby");
    PQconninfoFree(opts);
    return yes;
}

apr_status_t ckpt_dbpool_create(apr_pool_t *p, const ckpt_dbpool_conf *conf,
                                ckpt_dbpool **out)
{
    ckpt_dbpool *dbp = apr_pcalloc(p, sizeof(*dbp));
    apr_status_t rv;

    dbp->pool = p;
    dbp->conf = *conf;
    dbp->returns = returns_to_standby(conf);
    index_statements(dbp);
    apr_snprintf(dbp->connect_timeout, sizeof(dbp->connect_timeout), "%d",
                 conf->connect_timeout > 0 ? conf->connect_timeout : 5);
#if APR_HAS_THREADS
    rv = apr_thread_mutex_create(&dbp->mutex, APR_THREAD_MUTEX_DEFAULT, p);
    if (rv == APR_SUCCESS) {
        rv = apr_thread_cond_create(&dbp->share_freed, p);
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }
#endif
    rv = apr_reslist_create(&dbp->reslist, conf->min, conf->smax, conf->hmax,
                            conf->ttl, db_construct, db_destruct, dbp, p);
    if (rv != APR_SUCCESS) {
        /* min > 0 and the database is down: start empty, heal later. */
        rv = apr_reslist_create(&dbp->reslist, 0, conf->smax, conf->hmax,
                                conf->ttl, db_construct, db_destruct, dbp, p);
        if (rv != APR_SUCCESS) {
            return rv;
        }
    }
    if (conf->acquire_timeout > 0) {
        apr_reslist_timeout_set(dbp->reslist, conf->acquire_timeout);
    }
    /* Connections are closed before the pool that holds the reslist
     * destroys its sub-pools (each connection's pool is one of them), so
     * no connection pool is destroyed twice: a pre-cleanup runs first. */
    apr_pool_pre_cleanup_register(p, dbp->reslist, reslist_destroy);
    *out = dbp;
    return APR_SUCCESS;
}

/* Between requests (the connection idle, on its way back to the pool): a
 * connection of a pool that returns to standbys, found on a primary
 * (in_hot_standby off: a standby was away when it was made, or was
 * promoted since), is made again once standby_retry has passed, to a
 * standby only.  The new one replaces it when it is on a standby (the
 * conninfo's own target_session_attrs may have let it reach a primary);
 * otherwise the old one stays and the next attempt is standby_retry
 * later.  No request fails for it or sees its outcome.  Servers before
 * PostgreSQL 14 do not say in_hot_standby: their connections stay where
 * they are. */
static void return_to_standby(ckpt_db *db)
{
    const char *hs = db->dbp->returns ? PQparameterStatus(db->conn, "in_hot_standby") : NULL;
    apr_time_t now = apr_time_now();
    PGconn *old = db->conn;

    if (!hs || strcmp(hs, "off") != 0) {
        db->retry_at = 0;
        return;
    }
    if (!db->retry_at || now < db->retry_at) {
        db->retry_at = db->retry_at ? db->retry_at : now + db->dbp->conf.standby_retry;
        return;
    }
    db->retry_at = now + db->dbp->conf.standby_retry;
    if (db_connect(db, 1) == APR_SUCCESS && ckpt_db_in_standby(db)) {
        PQfinish(old);
        memset(db->prepared, 0, (apr_size_t)db->dbp->nstmts);
        db->retry_at = 0;
        return;
    }
    if (db->conn) {
        PQfinish(db->conn);
    }
    db->conn = old;
}

static apr_status_t db_release(void *data)
{
    ckpt_db *db = data;

    if (!db->broken && db->conn && PQtransactionStatus(db->conn) != PQTRANS_IDLE) {
        PGresult *r = PQexec(db->conn, "ROLLBACK");
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
            db->broken = 1;
        }
        PQclear(r);
    }
    db->in_txn = 0;
    if (db->broken || !db->conn || PQstatus(db->conn) != CONNECTION_OK) {
        apr_reslist_invalidate(db->dbp->reslist, db);
    }
    else {
        return_to_standby(db);
        apr_reslist_release(db->dbp->reslist, db);
    }
    return APR_SUCCESS;
}

ckpt_rc ckpt_db_acquire(ckpt_dbpool *dbp, apr_pool_t *p, ckpt_db **out)
{
    void *res;
    ckpt_db *db;

    if (!dbp || apr_reslist_acquire(dbp->reslist, &res) != APR_SUCCESS) {
        /* Down, or every connection busy for the whole acquire timeout. */
        if (dbp && apr_atomic_read32(&dbp->down)) {
            pool_lock(dbp);
            dbp->refused++;
            pool_unlock(dbp);
        }
        return CKPT_DBDOWN;
    }
    db = res;
    db->broken = 0;
    db->in_txn = 0;
    db->error[0] = db->sqlstate[0] = db->constraint[0] = '\0';
    apr_pool_cleanup_register(p, db, db_release, apr_pool_cleanup_null);
    *out = db;
    return CKPT_OK;
}

static void share_return(ckpt_dbpool *dbp)
{
    pool_lock(dbp);
    dbp->shared--;
#if APR_HAS_THREADS
    apr_thread_cond_signal(dbp->share_freed);
#endif
    pool_unlock(dbp);
}

static apr_status_t share_cleanup(void *data)
{
    share_return(data);
    return APR_SUCCESS;
}

/* Waits (up to the acquire timeout) until a share is free and takes it. */
static int share_take(ckpt_dbpool *dbp)
{
    apr_time_t deadline = apr_time_now() + dbp->conf.acquire_timeout;
    int limit = dbp->conf.hmax - dbp->conf.reserved, ok;

    pool_lock(dbp);
    while (dbp->shared >= limit && apr_time_now() < deadline) {
#if APR_HAS_THREADS
        apr_thread_cond_timedwait(dbp->share_freed, dbp->mutex, deadline - apr_time_now());
#else
        break;
#endif
    }
    ok = dbp->shared < limit;
    dbp->shared += ok;
    pool_unlock(dbp);
    return ok;
}

ckpt_rc ckpt_db_acquire_shared(ckpt_dbpool *dbp, apr_pool_t *p, ckpt_db **out)
{
    ckpt_rc rc;

    if (!dbp || !share_take(dbp)) {
        return CKPT_DBDOWN;
    }
    rc = ckpt_db_acquire(dbp, p, out);
    if (rc != CKPT_OK) {
        share_return(dbp);
        return rc;
    }
    /* Run before the connection goes back (cleanups run last in, first out):
     * a waiter may then wait on the reslist, which hmax bounds anyway. */
    apr_pool_cleanup_register(p, dbp, share_cleanup, apr_pool_cleanup_null);
    return CKPT_OK;
}

/* Makes the connection again after the server dropped it. */
static int db_reconnect(ckpt_db *db)
{
    PQreset(db->conn);
    if (PQstatus(db->conn) != CONNECTION_OK) {
        set_error(db, NULL, "reconnect failed");
        pool_failed(db->dbp, db->error);
        return 0;
    }
    /* A new session: nothing is prepared on it. */
    memset(db->prepared, 0, (apr_size_t)db->dbp->nstmts);
    return 1;
}

static ckpt_rc classify(ckpt_db *db, const PGresult *r)
{
    const char *s = db->sqlstate;

    if (!strcmp(s, "40001") || !strcmp(s, "40P01")) {
        return CKPT_RETRY;
    }
    if (!strncmp(s, "23", 2)) {
        return CKPT_CONFLICT;
    }
    if (!strcmp(s, "22P02") || !strcmp(s, "22003") || !strcmp(s, "22007") ||
        !strcmp(s, "22008") || !strcmp(s, "22021")) {
        return CKPT_INVALID;  /* a malformed uuid, number or date given by a client */
    }
    if (!strncmp(s, "08", 2) || !strncmp(s, "57P", 3) || !strcmp(s, "53300")) {
        db->broken = 1;
        pool_failed(db->dbp, db->error);
        return CKPT_DBDOWN;
    }
    return CKPT_DBERROR;
}

static ckpt_dbres *copy_result(apr_pool_t *p, PGresult *r)
{
    ckpt_dbres *res = apr_pcalloc(p, sizeof(*res));
    int i, j;
    const char *aff = PQcmdTuples(r);

    res->nrows = PQntuples(r);
    res->ncols = PQnfields(r);
    res->affected = (aff && *aff) ? atoi(aff) : 0;
    res->vals = apr_palloc(p, sizeof(char *) * (apr_size_t)(res->nrows * res->ncols + 1));
    res->names = apr_palloc(p, sizeof(char *) * (apr_size_t)(res->ncols + 1));
    for (j = 0; j < res->ncols; j++) {
        res->names[j] = apr_pstrdup(p, PQfname(r, j));
    }
    for (i = 0; i < res->nrows; i++) {
        for (j = 0; j < res->ncols; j++) {
            res->vals[i * res->ncols + j] =
                PQgetisnull(r, i, j) ? NULL
                                     : apr_pstrmemdup(p, PQgetvalue(r, i, j),
                                                      (apr_size_t)PQgetlength(r, i, j));
        }
    }
    return res;
}

/* The connection failed under a statement: 1 when it was made again and
 * the statement may run once more (outside a transaction nothing is lost
 * by that), else 0 with the connection marked broken. */
static int recovered(ckpt_db *db, int attempt)
{
    if (!db->in_txn && attempt == 0 && db_reconnect(db)) {
        return 1;
    }
    db->broken = 1;
    return 0;
}

/* Prepares statement stmt on this connection if it is not yet. */
static ckpt_rc ensure_prepared(ckpt_db *db, const char *stmt)
{
    const int *i = apr_hash_get(db->dbp->stmt_index, stmt, APR_HASH_KEY_STRING);

    if (!i) {
        set_error(db, NULL, "no such statement");
        apr_cpystrn(db->sqlstate, "26000", sizeof(db->sqlstate)); /* invalid_sql_statement_name */
        return CKPT_DBERROR;
    }
    return prepare(db, *i);
}

/* The statement failed for want of a server: the connection is bad, or
 * the error is libpq's own, with no SQLSTATE (a server that died under a
 * statement, e.g. stopped in immediate mode, may leave the status OK
 * until the next read). */
static int lost(const ckpt_db *db)
{
    return PQstatus(db->conn) == CONNECTION_BAD || !db->sqlstate[0];
}

/* Runs a prepared statement (stmt != NULL) or a fixed command (sql). */
static ckpt_rc db_run(ckpt_db *db, apr_pool_t *p, ckpt_dbres **out, const char *stmt,
                      const char *sql, int n, const char *const *params)
{
    int attempt;

    db->error[0] = db->sqlstate[0] = db->constraint[0] = '\0';
    for (attempt = 0;; attempt++) {
        PGresult *r;
        ExecStatusType st;

        if (!db->conn || db->broken) {
            set_error(db, NULL, "connection lost");
            return CKPT_DBDOWN;
        }
        if (stmt && ensure_prepared(db, stmt) != CKPT_OK) {
            if (lost(db)) {
                if (recovered(db, attempt)) {
                    continue;
                }
                pool_failed(db->dbp, db->error);
                return CKPT_DBDOWN;
            }
            return classify(db, NULL);
        }
        r = stmt ? PQexecPrepared(db->conn, stmt, n, params, NULL, NULL, 0)
                 : PQexec(db->conn, sql);
        st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
        if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
            set_error(db, r, r ? "statement failed" : "connection lost");
        }
        if (!r || PQstatus(db->conn) == CONNECTION_BAD
            || (st == PGRES_FATAL_ERROR && !db->sqlstate[0])) {
            PQclear(r);
            if (recovered(db, attempt)) {
                continue;
            }
            pool_failed(db->dbp, db->error);
            return CKPT_DBDOWN;
        }
        if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
            if (out) {
                *out = copy_result(p, r);
            }
            PQclear(r);
            pool_answered(db->dbp);
            return CKPT_OK;
        }
        PQclear(r);
        return classify(db, NULL);
    }
}

ckpt_rc ckpt_db_execv(ckpt_db *db, apr_pool_t *p, ckpt_dbres **res,
                      const char *stmt, int n, const char *const *params)
{
    return db_run(db, p, res, stmt, NULL, n, params);
}

/* The n trailing const char * arguments of a call, as an array. */
static const char **params_of(apr_pool_t *p, int n, va_list ap)
{
    const char **params = n > 0 ? apr_palloc(p, sizeof(char *) * (apr_size_t)n) : NULL;
    int i;

    for (i = 0; i < n; i++) {
        params[i] = va_arg(ap, const char *);
    }
    return params;
}

ckpt_rc ckpt_db_begin(ckpt_db *db)
{
    ckpt_rc rc = db_run(db, NULL, NULL, NULL, "BEGIN", 0, NULL);
    if (rc == CKPT_OK) {
        db->in_txn = 1;
    }
    return rc;
}

ckpt_rc ckpt_db_commit(ckpt_db *db)
{
    ckpt_rc rc = db_run(db, NULL, NULL, NULL, "COMMIT", 0, NULL);
    db->in_txn = 0;
    return rc;
}

ckpt_rc ckpt_db_rollback(ckpt_db *db)
{
    char error[sizeof(db->error)], state[sizeof(db->sqlstate)], cons[sizeof(db->constraint)];
    ckpt_rc rc = CKPT_OK;

    /* What made the caller give up is what its log line must say. */
    memcpy(error, db->error, sizeof(error));
    memcpy(state, db->sqlstate, sizeof(state));
    memcpy(cons, db->constraint, sizeof(cons));
    if (db->in_txn) {
        rc = db_run(db, NULL, NULL, NULL, "ROLLBACK", 0, NULL);
    }
    db->in_txn = 0;
    memcpy(db->error, error, sizeof(error));
    memcpy(db->sqlstate, state, sizeof(state));
    memcpy(db->constraint, cons, sizeof(cons));
    return rc;
}

const char *ckpt_db_error(const ckpt_db *db)
{
    return db->error;
}

const char *ckpt_db_sqlstate(const ckpt_db *db)
{
    return db->sqlstate;
}

const char *ckpt_db_constraint(const ckpt_db *db)
{
    return db->constraint;
}

int ckpt_db_in_standby(const ckpt_db *db)
{
    const char *v = db->conn ? PQparameterStatus(db->conn, "in_hot_standby") : NULL;
    return v && !strcmp(v, "on");
}

int ckpt_dbpool_down(ckpt_dbpool *dbp)
{
    return dbp && apr_atomic_read32(&dbp->down) != 0;
}

const char *ckpt_dbpool_last_error(apr_pool_t *p, ckpt_dbpool *dbp)
{
    const char *s;

    pool_lock(dbp);
    s = apr_pstrdup(p, dbp->last_error[0] ? dbp->last_error : "no connection could be made");
    pool_unlock(dbp);
    return s;
}

const char *ckpt_db_server_version(apr_pool_t *p, const ckpt_db *db)
{
    int v = db->conn ? PQserverVersion(db->conn) : 0;
    return v >= 100000 ? apr_psprintf(p, "%d.%d", v / 10000, v % 10000)
                       : apr_psprintf(p, "%d.%d.%d", v / 10000, (v / 100) % 100, v % 100);
}

const char *ckpt_db_client_version(apr_pool_t *p)
{
    int v = PQlibVersion();
    return apr_psprintf(p, "%d.%d", v / 10000, v % 10000);
}

int ckpt_dbres_col(const ckpt_dbres *res, const char *name)
{
    int j;

    for (j = 0; j < res->ncols; j++) {
        if (!strcmp(res->names[j], name)) {
            return j;
        }
    }
    return -1;
}

const char *ckpt_dbres_get(const ckpt_dbres *res, int row, const char *name)
{
    int j = ckpt_dbres_col(res, name);
    return j < 0 || row < 0 || row >= res->nrows ? NULL : CKPT_DBVAL(res, row, j);
}

apr_int64_t ckpt_dbres_int(const ckpt_dbres *res, int row, const char *name, apr_int64_t dflt)
{
    const char *v = ckpt_dbres_get(res, row, name);
    return v ? apr_atoi64(v) : dflt;
}

int ckpt_dbres_bool(const ckpt_dbres *res, int row, const char *name)
{
    const char *v = ckpt_dbres_get(res, row, name);
    return v && v[0] == 't';
}

/* Which statement failed and the database's words, into err (if any). */
static ckpt_rc query_failed(ckpt_db *db, apr_pool_t *p, ckpt_rc rc, ckpt_err *err,
                            const char *stmt)
{
    if (!err) {
        return rc;
    }
    err->rc = rc;
    err->field = NULL;
    err->reason = apr_psprintf(p, "%s: %s", stmt, *db->error ? db->error : "failed");
    return rc;
}

ckpt_rc ckpt_db_queryv(ckpt_db *db, apr_pool_t *p, ckpt_dbres **res, ckpt_err *err,
                       const char *stmt, int n, const char *const *params)
{
    ckpt_rc rc = db_run(db, p, res, stmt, NULL, n, params);
    return rc == CKPT_OK ? CKPT_OK : query_failed(db, p, rc, err, stmt);
}

ckpt_rc ckpt_db_query(ckpt_db *db, apr_pool_t *p, ckpt_dbres **res, ckpt_err *err,
                      const char *stmt, int n, ...)
{
    const char **params;
    va_list ap;

    va_start(ap, n);
    params = params_of(p, n, ap);
    va_end(ap);
    return ckpt_db_queryv(db, p, res, err, stmt, n, params);
}

ckpt_rc ckpt_db_utility(ckpt_db *db, apr_pool_t *p, const char *stmt, ckpt_err *err)
{
    const int *i = apr_hash_get(db->dbp->stmt_index, stmt, APR_HASH_KEY_STRING);
    ckpt_rc rc;

    if (!i) {
        set_error(db, NULL, "no such statement");
        return query_failed(db, p, CKPT_DBERROR, err, stmt);
    }
    rc = db_run(db, p, NULL, NULL, db->dbp->stmts[*i]->sql, 0, NULL);
    return rc == CKPT_OK ? CKPT_OK : query_failed(db, p, rc, err, stmt);
}

/* Takes every notification libpq holds; 1 when there was one. */
static int drain_notifies(ckpt_db *db)
{
    PGnotify *n;
    int any = 0;

    while ((n = PQnotifies(db->conn)) != NULL) {
        any = 1;
        PQfreemem(n);
    }
    return any;
}

ckpt_rc ckpt_db_wait_notify(ckpt_db *db, apr_interval_time_t timeout, int *notified)
{
    struct pollfd pfd;

    *notified = 0;
    if (!db->conn || db->broken || PQstatus(db->conn) != CONNECTION_OK) {
        return CKPT_DBDOWN;
    }
    if ((*notified = drain_notifies(db)) != 0) {
        return CKPT_OK;
    }
    pfd.fd = PQsocket(db->conn);
    pfd.events = POLLIN;
    pfd.revents = 0;
    if (pfd.fd < 0 || poll(&pfd, 1, (int)apr_time_as_msec(timeout)) < 0) {
        return CKPT_OK; /* a signal: the caller looks at its flags and waits again */
    }
    if (pfd.revents && !PQconsumeInput(db->conn)) {
        set_error(db, NULL, "connection lost");
        db->broken = 1;
        pool_failed(db->dbp, db->error);
        return CKPT_DBDOWN;
    }
    *notified = drain_notifies(db);
    return CKPT_OK;
}

/* One attempt of a transaction. */
static ckpt_rc txn_once(ckpt_db *db, apr_pool_t *p, ckpt_txn_fn fn, void *baton, ckpt_err *err)
{
    ckpt_rc rc = ckpt_db_begin(db);

    if (rc != CKPT_OK) {
        return query_failed(db, p, rc, err, "BEGIN");
    }
    rc = fn(db, p, baton, err);
    if (rc == CKPT_OK) {
        rc = ckpt_db_commit(db);
        if (rc != CKPT_OK) {
            query_failed(db, p, rc, err, "COMMIT");
        }
    }
    if (rc != CKPT_OK) {
        ckpt_db_rollback(db);
        err->rc = rc;
    }
    return rc;
}

ckpt_rc ckpt_db_txn(ckpt_db *db, apr_pool_t *p, ckpt_txn_fn fn, void *baton, ckpt_err *err)
{
    int attempt;
    ckpt_rc rc = CKPT_RETRY;

    for (attempt = 1; attempt <= CKPT_TXN_ATTEMPTS && rc == CKPT_RETRY; attempt++) {
        if (attempt > 1) {
            /* Apart a little, so that the two that collided do not meet again. */
            apr_sleep(apr_time_from_msec(5 * attempt + (apr_time_now() % 7)));
        }
        err->rc = CKPT_OK;
        err->field = err->reason = NULL;
        rc = txn_once(db, p, fn, baton, err);
    }
    return rc;
}

/* One exact-size allocation for the whole literal: an import passes arrays
 * of 100,000 paths and digests, and a piece per element plus a joined copy
 * made it hold each one three times. */
const char *ckpt_db_array(apr_pool_t *p, const apr_array_header_t *elems)
{
    apr_size_t len = 3;
    char *out, *o;
    int i;

    for (i = 0; i < elems->nelts; i++) {
        const char *s = APR_ARRAY_IDX(elems, i, const char *);

        len += 3;
        for (; *s; s++) {
            len += (*s == '"' || *s == '\\') ? 2 : 1;
        }
    }
    o = out = apr_palloc(p, len);
    *o++ = '{';
    for (i = 0; i < elems->nelts; i++) {
        const char *s = APR_ARRAY_IDX(elems, i, const char *);

        if (i > 0) {
            *o++ = ',';
        }
        *o++ = '"';
        for (; *s; s++) {
            if (*s == '"' || *s == '\\') {
                *o++ = '\\';
            }
            *o++ = *s;
        }
        *o++ = '"';
    }
    *o++ = '}';
    *o = '\0';
    return out;
}
