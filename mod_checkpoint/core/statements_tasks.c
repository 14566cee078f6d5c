/* Remotes and tasks (remote.c, task.c, worker.c); see sql/035_tasks.sql.
 * A running task holds the session advisory lock (11, lock_key) of its
 * worker's connection: TASK_LOCK names it. */
#include "db.h"
#include "statements.h"

#define TS(c) CKPT_SQL_RFC3339(c)

#define REMOTE_COLS                                                                               \
    "m.id, m.name, m.url, m.policy, m.tls_validation, m.proxy_url, m.proxy_username,"             \
    " m.proxy_password, m.username, m.password, m.ca_cert, m.client_cert, m.client_key,"          \
    " m.download_concurrency, m.max_retries, " TS("m.pulp_created") " AS pulp_created, "          \
    TS("m.pulp_last_updated") " AS pulp_last_updated"

/* $1.. in the order of remote.h's fields (after the id in an update). */
#define REMOTE_VALUES(a, b, c, d, e, f, g, h, i, j, k, l, m, n)                                   \
    a ", " b ", " c ", " d "::bool, " e ", " f ", " g ", " h ", " i ", " j ", " k ", " l ", "      \
    m "::int, " n "::int"

#define TASK_COLS                                                                                 \
    "t.id, t.lock_key, t.name, t.state, " TS("t.pulp_created") " AS pulp_created, "               \
    TS("t.started_at") " AS started_at, " TS("t.finished_at") " AS finished_at, t.worker,"        \
    " t.error_description, t.error_traceback, t.repository_id, t.remote_id, t.mirror,"            \
    " array_to_string(t.created_resources, ' ') AS created_resources,"                            \
    " array_to_string(t.reserved_resources, ' ') AS reserved_resources,"                          \
    " t.progress_done, t.progress_total"

#define TASK_LOCK(k) "11, " k

/* ordering=: Pulp's names; the default (NULL) is -pulp_created. */
#define TASK_ORDER(x)                                                                             \
    "CASE WHEN $7 = 'pulp_created' THEN " x ".pulp_created END,"                                  \
    " CASE WHEN $7 = 'started_at' THEN " x ".started_at END,"                                     \
    " CASE WHEN $7 = '-started_at' THEN " x ".started_at END DESC,"                               \
    " CASE WHEN $7 = 'finished_at' THEN " x ".finished_at END,"                                   \
    " CASE WHEN $7 = '-finished_at' THEN " x ".finished_at END DESC,"                             \
    " CASE WHEN $7 = 'name' THEN " x ".name END, CASE WHEN $7 = '-name' THEN " x ".name END DESC," \
    " CASE WHEN $7 = 'state' THEN " x ".state END, CASE WHEN $7 = '-state' THEN " x ".state END DESC," \
    " " x ".pulp_created DESC, " x ".id"

const ckpt_stmt ckpt_stmts_tasks[] = {
    /* remotes */
    {"remote_insert",
     "INSERT INTO remote AS m (name, url, policy, tls_validation, proxy_url, proxy_username,"
     " proxy_password, username, password, ca_cert, client_cert, client_key,"
     " download_concurrency, max_retries) VALUES ("
     REMOTE_VALUES("$1", "$2", "$3", "$4", "$5", "$6", "$7", "$8", "$9", "$10", "$11", "$12",
                   "$13", "$14") ") RETURNING " REMOTE_COLS},
    {"remote_get", "SELECT " REMOTE_COLS " FROM remote m WHERE m.id = $1"},
    {"remote_lock", "SELECT " REMOTE_COLS " FROM remote m WHERE m.id = $1 FOR UPDATE"},
    {"remote_list", CKPT_SQL_NAMED_LIST("remote", REMOTE_COLS, "m")},
    {"remote_update",
     "UPDATE remote m SET (name, url, policy, tls_validation, proxy_url, proxy_username,"
     " proxy_password, username, password, ca_cert, client_cert, client_key,"
     " download_concurrency, max_retries, pulp_last_updated) = ("
     REMOTE_VALUES("$2", "$3", "$4", "$5", "$6", "$7", "$8", "$9", "$10", "$11", "$12", "$13",
                   "$14", "$15") ", clock_timestamp()) WHERE m.id = $1 RETURNING " REMOTE_COLS},
    {"remote_delete", "DELETE FROM remote WHERE id = $1"},

    /* tasks: the API's side.  The insert wakes the workers (at commit). */
    {"task_insert",
     "WITH t AS (INSERT INTO task (name, repository_id, remote_id, mirror, reserved_resources)"
     " VALUES ($1, $2, $3, $4::bool, $5::text[]) RETURNING *)"
     " SELECT " TASK_COLS ", pg_notify('ckpt_task', t.id::text) IS NULL AS notified FROM t"},
    {"task_get", "SELECT " TASK_COLS " FROM task t WHERE t.id = $1"},
    /* Work the API did at once (an upload's commit), on record as a task
     * that completed, as Pulp answers it. */
    {"task_done",
     "INSERT INTO task AS t (name, state, started_at, finished_at, reserved_resources)"
     " VALUES ($1, 'completed', clock_timestamp(), clock_timestamp(), $2::text[])"
     " RETURNING " TASK_COLS},
    /* $1 state, $2 state__in, $3 name, $4 worker, $5 created_resources,
     * $6 reserved_resources, $7 ordering, $8 exclusive_resources,
     * $9 shared_resources, $10-$12 the __in lists of the last three. */
    {"task_list",
     "WITH f AS (SELECT * FROM task WHERE ($1::text IS NULL OR state = $1)"
     " AND ($2::text[] IS NULL OR state = ANY ($2::text[]))"
     " AND ($3::text IS NULL OR name = $3) AND ($4::text IS NULL OR worker = $4)"
     " AND ($5::text IS NULL OR $5 = ANY (created_resources))"
     " AND ($6::text IS NULL OR $6 = ANY (reserved_resources)"
     "      OR 'shared:' || $6 = ANY (reserved_resources))"
     " AND ($8::text IS NULL OR $8 = ANY (reserved_resources))"
     " AND ($9::text IS NULL OR 'shared:' || $9 = ANY (reserved_resources))"
     " AND ($10::text[] IS NULL OR reserved_resources && ($10::text[]"
     "      || ARRAY(SELECT 'shared:' || x FROM unnest($10::text[]) x)))"
     " AND ($11::text[] IS NULL OR reserved_resources && $11::text[])"
     " AND ($12::text[] IS NULL OR reserved_resources"
     "      && ARRAY(SELECT 'shared:' || x FROM unnest($12::text[]) x))) "
     PAGE(TASK_COLS, "t", TASK_ORDER("f"), TASK_ORDER("t"), "$13", "$14")},
    /* A waiting task is canceled at once; a running one is asked to stop. */
    {"task_cancel",
     "UPDATE task t SET state = CASE WHEN t.state = 'waiting' THEN 'canceled' ELSE 'canceling' END,"
     " finished_at = CASE WHEN t.state = 'waiting' THEN clock_timestamp() END"
     " WHERE t.id = $1 AND t.state IN ('waiting', 'running') RETURNING t.id"},
    {"task_delete",
     "DELETE FROM task WHERE id = $1 AND state IN ('completed', 'failed', 'canceled')"},
    /* Running tasks whose worker is gone (its session, and so its lock). */
    {"task_reap",
     "UPDATE task t SET finished_at = clock_timestamp(),"
     " state = CASE WHEN t.state = 'canceling' THEN 'canceled' ELSE 'failed' END,"
     " error_description = CASE WHEN t.state = 'canceling' THEN NULL ELSE"
     "  'The worker ' || coalesce(t.worker, '') || ' that ran this task went away (killed,"
     " crashed, or cut off from the database) before it finished; the repository is as it"
     " was before the task.' END"
     " WHERE t.id IN (SELECT a.id FROM task a WHERE a.state IN ('running', 'canceling'))"
     " AND pg_try_advisory_xact_lock(" TASK_LOCK("t.lock_key") ") RETURNING t.id"},

    /* tasks: the worker's side */
    {"task_listen", "LISTEN ckpt_task"},
    /* The oldest waiting task whose repository no running task holds;
     * its lock is taken in the same statement, so a committed "running"
     * always has a holder. */
    {"task_claim",
     "WITH c AS (SELECT w.id FROM task w WHERE w.state = 'waiting'"
     "  AND NOT EXISTS (SELECT 1 FROM task r WHERE r.state IN ('running', 'canceling')"
     "                  AND r.repository_id = w.repository_id)"
     "  ORDER BY w.pulp_created, w.id LIMIT 1 FOR UPDATE SKIP LOCKED)"
     " UPDATE task t SET state = 'running', started_at = clock_timestamp(), worker = $1"
     " FROM c WHERE t.id = c.id AND pg_try_advisory_lock(" TASK_LOCK("t.lock_key") ")"
     " RETURNING " TASK_COLS},
    /* held: whether the task's lock is still held (by its worker's session:
     * a session the database lost, and made again, holds nothing). */
    {"task_watch",
     "UPDATE task SET progress_done = $2::bigint, progress_total = $3::bigint WHERE id = $1"
     " RETURNING state, EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory'"
     " AND l.classid = 11 AND l.objid = lock_key::oid AND l.objsubid = 2 AND l.granted) AS held"},
    {"task_finish",
     "UPDATE task SET state = $2, finished_at = clock_timestamp(), error_description = $3,"
     " error_traceback = $4, created_resources = coalesce($5::text[], '{}')"
     " WHERE id = $1 AND state IN ('running', 'canceling') RETURNING id"},
    /* Given back to the queue by a worker that stops (SIGTERM). */
    {"task_requeue",
     "UPDATE task SET state = 'waiting', started_at = NULL, worker = NULL,"
     " progress_done = NULL, progress_total = NULL WHERE id = $1 AND state = 'running'"
     " RETURNING pg_notify('ckpt_task', id::text) IS NULL AS notified"},
    {"task_unlock", "SELECT pg_advisory_unlock(" TASK_LOCK("$1::int") ") AS unlocked"},
    {NULL, NULL}};
