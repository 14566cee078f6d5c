/* The task worker (`checkpoint worker`), as pulpcore-worker: it LISTENs
 * on ckpt_task, claims the oldest waiting task (task.c's claim: FOR
 * UPDATE SKIP LOCKED, and the task's session lock taken in the same
 * statement), runs it, records how it ended, and waits for the next
 * NOTIFY (or a second, whichever comes first).  Each second it also marks
 * failed the running tasks whose worker is gone.
 *
 * While a task runs, a second thread watches it on its own connection:
 * it writes the progress and reads the state, and a task that became
 * "canceling" (tasks_cancel) is stopped through the sync's cancel hook,
 * leaving the repository as it was.  When the face sets stop (SIGTERM),
 * the task in hand is stopped the same way and given back to the queue,
 * and the run ends.  A lost database ends nothing: the worker waits and
 * connects again. */
#ifndef CKPT_WORKER_H
#define CKPT_WORKER_H

#include <apr_pools.h>

#include "db.h"

typedef struct {
    ckpt_dbpool *dbp;            /* two connections at least: the work and the watch */
    const char *storage;         /* CheckpointStorage */
    const char *name;            /* "pid@host", what tasks' worker field says */
    volatile apr_uint32_t *stop; /* set by the face: finish cleanly */
    /* A line for the face's log; level is "info", "warn" or "error". */
    void (*log)(void *baton, const char *level, const char *msg);
    void *baton;
} ckpt_worker_conf;

/* Runs until *stop is set. */
void ckpt_worker_run(apr_pool_t *p, const ckpt_worker_conf *conf);

#endif
