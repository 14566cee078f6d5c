/* Tasks (Pulp's tasks/): long work the API answers with 202 {"task":
 * href} and `checkpoint worker` runs (worker.c).  This file holds what
 * the API does with them (create, read, list, cancel, delete) and the
 * steps a worker takes (claim, watch, finish, give back); the schema and
 * the locking rules are in sql/035_tasks.sql. */
#ifndef CKPT_TASK_H
#define CKPT_TASK_H

#include "db.h"
#include "model.h"

/* A sync's task name, as pulp_file names it. */
#define CKPT_TASK_SYNC "pulp_file.app.tasks.synchronizing.synchronize"
#define CKPT_TASK_COMMIT "pulpcore.app.tasks.upload.commit"

typedef struct {
    const char *id;
    const char *lock_key;
    const char *name;
    const char *state; /* waiting, running, canceling, completed, failed, canceled */
    const char *pulp_created, *started_at, *finished_at;
    const char *worker;
    const char *error_description, *error_traceback; /* NULL: no error */
    const char *repository_id, *remote_id;
    int mirror;
    /* Hrefs below the API root. */
    apr_array_header_t *created_resources, *reserved_resources;
    apr_int64_t progress_done, progress_total; /* -1: no report */
} ckpt_task;

/* A sync of repository from remote, or (remote_id NULL) from the
 * repository's own remote.  Both must exist: CKPT_NOTFOUND for the
 * repository, CKPT_INVALID naming "remote" for the remote. */
ckpt_rc ckpt_task_sync(ckpt_db *db, apr_pool_t *p, const char *repo_id, const char *remote_id,
                       int mirror, ckpt_task **out, ckpt_err *err);

/* A task named name that completed now, reserving resource (an href
 * below the API root): the record of work done before the answer, for
 * clients that follow every 202's task. */
ckpt_rc ckpt_task_done(ckpt_db *db, apr_pool_t *p, const char *name, const char *resource,
                       ckpt_task **out, ckpt_err *err);

/* Reads and lists first mark failed the running tasks whose worker is
 * gone (ckpt_task_reap), so no reader ever sees one "running". */
ckpt_rc ckpt_task_get(ckpt_db *db, apr_pool_t *p, const char *id, ckpt_task **out,
                      ckpt_err *err);

/* A page of tasks, params bound by ckpt_filter_bind from
 * ckpt_filters_tasks (filter.h); running tasks whose worker is gone are
 * failed first. */
ckpt_rc ckpt_task_list(ckpt_db *db, apr_pool_t *p, const char **params, const ckpt_page *pg,
                       ckpt_list *out, ckpt_err *err);
/* A waiting task becomes canceled, a running one canceling (its worker
 * stops it); *out is the task as it is then: a caller answers 409 when
 * it is neither. */
ckpt_rc ckpt_task_cancel(ckpt_db *db, apr_pool_t *p, const char *id, ckpt_task **out,
                         ckpt_err *err);
/* Only a finished task: CKPT_CONFLICT otherwise. */
ckpt_rc ckpt_task_delete(ckpt_db *db, apr_pool_t *p, const char *id, ckpt_err *err);

/* Running tasks whose worker's session is gone become failed (canceling
 * ones canceled); *n says how many. */
ckpt_rc ckpt_task_reap(ckpt_db *db, apr_pool_t *p, int *n, ckpt_err *err);

/* The worker's steps.  claim: the oldest waiting task, now running under
 * this connection's lock (*out NULL: none). */
ckpt_rc ckpt_task_claim(ckpt_db *db, apr_pool_t *p, const char *worker, ckpt_task **out,
                        ckpt_err *err);
/* Records progress; *state is the task's state (canceling: stop), *held
 * whether its worker's session still holds its lock (0: the session was
 * lost, and the task must stop). */
ckpt_rc ckpt_task_watch(ckpt_db *db, apr_pool_t *p, const char *id, apr_int64_t done,
                        apr_int64_t total, const char **state, int *held, ckpt_err *err);
/* The end: state completed (created: an href below the root, or NULL),
 * failed (error: why), or canceled; the lock is let go. */
ckpt_rc ckpt_task_finish(ckpt_db *db, apr_pool_t *p, const ckpt_task *t, const char *state,
                         const char *error, const char *created, ckpt_err *err);
/* Back to waiting, for another worker (a worker that is stopped). */
ckpt_rc ckpt_task_requeue(ckpt_db *db, apr_pool_t *p, const ckpt_task *t, ckpt_err *err);

#endif
