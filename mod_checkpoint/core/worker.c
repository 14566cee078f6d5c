/* The task worker (see worker.h). */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <apr_atomic.h>
#include <apr_strings.h>
#include <apr_thread_proc.h>

#include "href.h"
#include "remote.h"
#include "sync.h"
#include "task.h"
#include "worker.h"

/* How long the worker waits for a NOTIFY before it looks anyway. */
#define IDLE_WAIT apr_time_from_sec(1)
/* How often a running task's state and progress are read and written. */
#define WATCH_EVERY apr_time_from_msec(250)

static void say(const ckpt_worker_conf *c, apr_pool_t *p, const char *level, const char *fmt,
                ...) __attribute__((format(printf, 4, 5)));
static void say(const ckpt_worker_conf *c, apr_pool_t *p, const char *level, const char *fmt,
                ...)
{
    va_list ap;

    va_start(ap, fmt);
    if (c->log) {
        c->log(c->baton, level, apr_pvsprintf(p, fmt, ap));
    }
    va_end(ap);
}

static int stopping(const ckpt_worker_conf *c)
{
    return apr_atomic_read32(c->stop) != 0;
}

/* What the watcher thread and the task share. */
typedef struct {
    const ckpt_worker_conf *conf;
    const ckpt_task *task;
    apr_pool_t *pool;
    volatile apr_uint32_t cancel;   /* the sync's hook */
    volatile apr_uint32_t canceled; /* the task was canceled (not the worker stopped) */
    volatile apr_uint32_t lost;     /* the work connection's session (and lock) was lost */
    volatile apr_uint32_t done;
    volatile apr_uint32_t files_done, files_total;
} watch;

static void progress(void *baton, const ckpt_ingest_progress *pr)
{
    watch *w = baton;

    apr_atomic_set32(&w->files_done, (apr_uint32_t)pr->files_done);
    apr_atomic_set32(&w->files_total, (apr_uint32_t)pr->files_total);
}

/* One look: progress written, state read (on a connection of its own).
 * A task canceled through the API is stopped; so is one whose lock the
 * work connection no longer holds (the database lost that session, and
 * another worker may take the task for dead), before it can commit. */
static void watch_once(watch *w)
{
    apr_pool_t *p;
    ckpt_db *db;
    const char *state = NULL;
    apr_uint32_t total = apr_atomic_read32(&w->files_total);
    apr_int64_t done = total ? (apr_int64_t)apr_atomic_read32(&w->files_done) : -1;
    ckpt_err err = {0};
    int held = 1;

    apr_pool_create(&p, w->pool);
    if (ckpt_db_acquire(w->conf->dbp, p, &db) == CKPT_OK
        && ckpt_task_watch(db, p, w->task->id, done, total ? (apr_int64_t)total : -1, &state,
                           &held, &err) == CKPT_OK) {
        if (!strcmp(state, "canceling")) {
            apr_atomic_set32(&w->canceled, 1);
        }
        else if (!held || strcmp(state, "running")) {
            apr_atomic_set32(&w->lost, 1);
        }
        if (!strcmp(state, "canceling") || apr_atomic_read32(&w->lost)) {
            apr_atomic_set32(&w->cancel, 1);
        }
    }
    apr_pool_destroy(p);
}

static void *APR_THREAD_FUNC watcher(apr_thread_t *t, void *data)
{
    watch *w = data;

    while (!apr_atomic_read32(&w->done)) {
        apr_sleep(WATCH_EVERY);
        if (stopping(w->conf)) {
            apr_atomic_set32(&w->cancel, 1);
        }
        if (!apr_atomic_read32(&w->done)) {
            watch_once(w);
        }
    }
    apr_thread_exit(t, APR_SUCCESS);
    return NULL;
}

/* A remote's connection fields for the sync. */
static void remote_conn(const ckpt_remote *rm, ckpt_sync_conn *c, ckpt_sync_req *req)
{
    memset(c, 0, sizeof(*c));
    c->tls_validation = !rm->v[CKPT_RF_TLS_VALIDATION] || rm->v[CKPT_RF_TLS_VALIDATION][0] == 't';
    c->proxy_url = rm->v[CKPT_RF_PROXY_URL];
    c->proxy_username = rm->v[CKPT_RF_PROXY_USERNAME];
    c->proxy_password = rm->v[CKPT_RF_PROXY_PASSWORD];
    c->username = rm->v[CKPT_RF_USERNAME];
    c->password = rm->v[CKPT_RF_PASSWORD];
    c->ca_cert = rm->v[CKPT_RF_CA_CERT];
    c->client_cert = rm->v[CKPT_RF_CLIENT_CERT];
    c->client_key = rm->v[CKPT_RF_CLIENT_KEY];
    req->url = rm->v[CKPT_RF_URL];
    req->connections = rm->v[CKPT_RF_DOWNLOAD_CONCURRENCY]
                           ? atoi(rm->v[CKPT_RF_DOWNLOAD_CONCURRENCY]) : 0;
    req->attempts = rm->v[CKPT_RF_MAX_RETRIES] ? atoi(rm->v[CKPT_RF_MAX_RETRIES]) + 1 : 0;
    req->conn = c;
}

/* The same sync as `checkpoint sync`, with the remote as it is now;
 * *created: the new version's href below the API root, or NULL. */
static ckpt_rc run_sync(ckpt_db *db, apr_pool_t *p, const ckpt_worker_conf *conf,
                        const ckpt_task *t, const ckpt_ingest_hooks *hooks,
                        const char **created, ckpt_err *err)
{
    ckpt_remote *rm;
    ckpt_sync_conn conn;
    ckpt_sync_req req = {0};
    ckpt_ingest_result res;
    ckpt_rc rc;

    *created = NULL;
    if (ckpt_remote_get(db, p, t->remote_id, &rm, err) != CKPT_OK) {
        return err->rc == CKPT_NOTFOUND
                   ? ckpt_err_set(err, CKPT_NOTFOUND, NULL, "the remote was deleted")
                   : err->rc;
    }
    if (ckpt_ingest_lock(db, p, t->repository_id, t->repository_id, err) != CKPT_OK) {
        return err->rc;
    }
    remote_conn(rm, &conn, &req);
    req.repository_id = t->repository_id;
    req.additive = !t->mirror;
    rc = ckpt_sync(db, p, conf->storage, &req, hooks, &res, err);
    ckpt_ingest_end(db, p, t->repository_id);
    if (rc == CKPT_OK && res.version) {
        *created = ckpt_href(p, "", CKPT_HREF_VERSION, t->repository_id, res.version->number);
    }
    return rc;
}

/* How the task ended, recorded (or, stopped by SIGTERM, given back). */
static void record(ckpt_db *db, apr_pool_t *p, watch *w, ckpt_rc rc, const ckpt_err *why,
                   const char *created)
{
    const ckpt_worker_conf *conf = w->conf;
    const char *state = rc == CKPT_OK ? "completed"
                        : apr_atomic_read32(&w->canceled) ? "canceled" : "failed";
    ckpt_err err = {0};
    ckpt_err lost = {CKPT_DBDOWN, NULL,
                     "the worker lost its database session during the task (a restart or "
                     "an outage of PostgreSQL) and stopped it; the repository is as it was",
                     "sync", 0};

    if (rc != CKPT_OK && state[0] == 'f' && stopping(conf) && apr_atomic_read32(&w->cancel)) {
        if (ckpt_task_requeue(db, p, w->task, &err) != CKPT_OK) {
            say(conf, p, "error", "task %s: giving it back failed: %s", w->task->id,
                ckpt_err_text(p, &err));
        }
        say(conf, p, "info", "task %s given back to the queue (the worker stops)", w->task->id);
        return;
    }
    if (rc != CKPT_OK && apr_atomic_read32(&w->lost)) {
        why = &lost;
    }
    if (ckpt_task_finish(db, p, w->task, state,
                         state[0] == 'f' ? ckpt_err_text(p, why) : NULL, created, &err)
        != CKPT_OK) {
        say(conf, p, "error", "task %s: recording its end failed: %s", w->task->id,
            ckpt_err_text(p, &err));
        return;
    }
    say(conf, p, state[0] == 'f' ? "warn" : "info", "task %s %s%s%s", w->task->id, state,
        state[0] == 'f' ? ": " : "", state[0] == 'f' ? ckpt_err_text(p, why) : "");
}

static void run_task(ckpt_db *db, apr_pool_t *p, const ckpt_worker_conf *conf,
                     const ckpt_task *t)
{
    watch *w = apr_pcalloc(p, sizeof(*w));
    ckpt_ingest_hooks hooks = {&w->cancel, progress, w};
    ckpt_err err = {0};
    const char *created = NULL;
    apr_thread_t *th = NULL;
    apr_status_t trv;
    ckpt_rc rc;

    w->conf = conf;
    w->task = t;
    apr_pool_create(&w->pool, p);
    say(conf, p, "info", "task %s (%s) started", t->id, t->name);
    if (apr_thread_create(&th, NULL, watcher, w, p) != APR_SUCCESS) {
        th = NULL;
    }
    if (strcmp(t->name, CKPT_TASK_SYNC)) {
        rc = ckpt_err_set(&err, CKPT_INVALID, NULL, "this server has no such task");
    }
    else {
        rc = run_sync(db, p, conf, t, &hooks, &created, &err);
    }
    apr_atomic_set32(&w->done, 1);
    if (th) {
        apr_thread_join(&trv, th);
    }
    if (rc != CKPT_OK && !apr_atomic_read32(&w->canceled)) {
        watch_once(w); /* a cancel that came at the very end */
    }
    record(db, p, w, rc, &err, created);
}

/* On one connection: wait, reap, claim and run, until stopped or the
 * connection fails. */
static ckpt_rc serve(apr_pool_t *p, const ckpt_worker_conf *conf, int *down)
{
    ckpt_err err = {0};
    ckpt_db *db;
    int notified = 0, n;

    if (ckpt_db_acquire(conf->dbp, p, &db) != CKPT_OK) {
        return CKPT_DBDOWN;
    }
    if (*down) {
        say(conf, p, "info", "the database answers again");
        *down = 0;
    }
    while (!stopping(conf)) {
        apr_pool_t *tp;
        ckpt_task *t = NULL;
        apr_pool_create(&tp, p);
        if (ckpt_task_reap(db, tp, &n, &err) == CKPT_OK && n) {
            say(conf, tp, "warn", "%d task(s) of a worker that went away marked failed", n);
        }
        if (err.rc == CKPT_OK && ckpt_task_claim(db, tp, conf->name, &t, &err) == CKPT_OK && t) {
            run_task(db, tp, conf, t);
        }
        apr_pool_destroy(tp);
        if (err.rc != CKPT_OK) {
            return err.rc;
        }
        /* LISTEN each time: a session the pool made again listens to nothing. */
        if (!t && (ckpt_db_utility(db, p, "task_listen", &err) != CKPT_OK
                   || ckpt_db_wait_notify(db, IDLE_WAIT, &notified) != CKPT_OK)) {
            return CKPT_DBDOWN;
        }
    }
    return CKPT_OK;
}

void ckpt_worker_run(apr_pool_t *p, const ckpt_worker_conf *conf)
{
    int down = 0, i;

    say(conf, p, "info", "worker %s ready", conf->name);
    while (!stopping(conf)) {
        apr_pool_t *ip;
        ckpt_rc rc;
        apr_pool_create(&ip, p);
        rc = serve(ip, conf, &down);
        if (rc != CKPT_OK && !down) {
            say(conf, ip, "warn", "the database is unreachable: waiting for it (%s)",
                ckpt_dbpool_last_error(ip, conf->dbp));
            down = 1;
        }
        apr_pool_destroy(ip);
        for (i = 0; rc != CKPT_OK && i < 10 && !stopping(conf); i++) {
            apr_sleep(apr_time_from_msec(100));
        }
    }
    say(conf, p, "info", "worker %s stopped", conf->name);
}
