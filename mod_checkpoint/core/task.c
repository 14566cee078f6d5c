/* Tasks (see task.h). */
#include <string.h>

#include <apr_strings.h>

#include "filter.h"
#include "href.h"
#include "list.h"
#include "remote.h"
#include "repository.h"
#include "task.h"

static apr_array_header_t *words(apr_pool_t *p, const char *s)
{
    apr_array_header_t *a = apr_array_make(p, 2, sizeof(const char *));
    char *copy = apr_pstrdup(p, s ? s : ""), *last = NULL, *w;

    for (w = apr_strtok(copy, " ", &last); w; w = apr_strtok(NULL, " ", &last)) {
        APR_ARRAY_PUSH(a, const char *) = w;
    }
    return a;
}

static void *read_task(apr_pool_t *p, const ckpt_dbres *res, int row)
{
    ckpt_task *t = apr_pcalloc(p, sizeof(*t));

    t->id = ckpt_dbres_get(res, row, "id");
    t->lock_key = ckpt_dbres_get(res, row, "lock_key");
    t->name = ckpt_dbres_get(res, row, "name");
    t->state = ckpt_dbres_get(res, row, "state");
    t->pulp_created = ckpt_dbres_get(res, row, "pulp_created");
    t->started_at = ckpt_dbres_get(res, row, "started_at");
    t->finished_at = ckpt_dbres_get(res, row, "finished_at");
    t->worker = ckpt_dbres_get(res, row, "worker");
    t->error_description = ckpt_dbres_get(res, row, "error_description");
    t->error_traceback = ckpt_dbres_get(res, row, "error_traceback");
    t->repository_id = ckpt_dbres_get(res, row, "repository_id");
    t->remote_id = ckpt_dbres_get(res, row, "remote_id");
    t->mirror = ckpt_dbres_bool(res, row, "mirror");
    t->created_resources = words(p, ckpt_dbres_get(res, row, "created_resources"));
    t->reserved_resources = words(p, ckpt_dbres_get(res, row, "reserved_resources"));
    t->progress_done = ckpt_dbres_int(res, row, "progress_done", -1);
    t->progress_total = ckpt_dbres_int(res, row, "progress_total", -1);
    return t;
}

ckpt_rc ckpt_task_sync(ckpt_db *db, apr_pool_t *p, const char *repo_id, const char *remote_id,
                       int mirror, ckpt_task **out, ckpt_err *err)
{
    apr_array_header_t *reserved = apr_array_make(p, 2, sizeof(const char *));
    ckpt_repo *repo;
    ckpt_remote *remote;
    ckpt_dbres *res;

    if (ckpt_repo_get(db, p, repo_id, &repo, err) != CKPT_OK) {
        return err->rc;
    }
    if (!remote_id && !(remote_id = repo->remote_id)) {
        return ckpt_err_invalid(err, "remote",
                                "A remote must be given: the repository has no remote of its "
                                "own.");
    }
    if (ckpt_remote_get(db, p, remote_id, &remote, err) != CKPT_OK) {
        return err->rc == CKPT_NOTFOUND
                   ? ckpt_err_invalid(err, "remote", "Invalid hyperlink - Object does not exist.")
                   : err->rc;
    }
    APR_ARRAY_PUSH(reserved, const char *) = ckpt_href(p, "", CKPT_HREF_REPOSITORY, repo_id, 0);
    APR_ARRAY_PUSH(reserved, const char *) =
        ckpt_href(p, "shared:", CKPT_HREF_REMOTE, remote_id, 0);
    if (ckpt_db_query(db, p, &res, err, "task_insert", 5, CKPT_TASK_SYNC, repo_id, remote_id,
                      mirror ? "t" : "f", ckpt_db_array(p, reserved)) != CKPT_OK) {
        return err->rc;
    }
    *out = read_task(p, res, 0);
    return CKPT_OK;
}

ckpt_rc ckpt_task_reap(ckpt_db *db, apr_pool_t *p, int *n, ckpt_err *err)
{
    ckpt_dbres *res;

    *n = 0;
    if (ckpt_db_query(db, p, &res, err, "task_reap", 0) != CKPT_OK) {
        return err->rc;
    }
    *n = res->nrows;
    return CKPT_OK;
}

ckpt_rc ckpt_task_done(ckpt_db *db, apr_pool_t *p, const char *name, const char *resource,
                       ckpt_task **out, ckpt_err *err)
{
    apr_array_header_t *reserved = apr_array_make(p, 1, sizeof(const char *));
    ckpt_dbres *res;

    APR_ARRAY_PUSH(reserved, const char *) = resource;
    if (ckpt_db_query(db, p, &res, err, "task_done", 2, name, ckpt_db_array(p, reserved))
        != CKPT_OK) {
        return err->rc;
    }
    *out = read_task(p, res, 0);
    return CKPT_OK;
}

ckpt_rc ckpt_task_get(ckpt_db *db, apr_pool_t *p, const char *id, ckpt_task **out,
                      ckpt_err *err)
{
    int n;

    if (ckpt_task_reap(db, p, &n, err) != CKPT_OK) {
        return err->rc;
    }
    return ckpt_list_one(db, p, "task_get", 1, &id, read_task, (void **)out, err);
}

static const char *const states[] = {"waiting", "running", "canceling", "completed",
                                     "failed", "canceled", NULL};

/* task_list's parameters: $1 state, $2 state__in, $3 name, $4 worker, $5
 * created_resources, $6 reserved_resources, $7 ordering, $8 exclusive, $9
 * shared, $10 to $12 the three __in lists of resources (hrefs below the
 * API root, as tasks record them). */
static const ckpt_filter task_filters[] = {
    {"state", CKPT_FT_TEXT, 0, "Filter results where state matches value", states},
    {"state__in", CKPT_FT_TEXTS, 1, "Filter results where state is in a comma-separated list",
     states},
    {"name", CKPT_FT_TEXT, 2, "Filter results where name matches value"},
    {"worker", CKPT_FT_TEXT, 3, "Filter results where worker matches value"},
    {"created_resources", CKPT_FT_HREF, 4, "Filter results where created_resources holds value"},
    {"reserved_resources", CKPT_FT_HREF, 5,
     "Filter results where reserved_resources_record holds value"},
    {"exclusive_resources", CKPT_FT_HREF, 7, "Filter results where the resource is reserved "
                                             "exclusively"},
    {"shared_resources", CKPT_FT_HREF, 8, "Filter results where the resource is reserved shared"},
    {"reserved_resources__in", CKPT_FT_HREFS, 9,
     "Filter results where reserved_resources_record holds any of a comma-separated list"},
    {"exclusive_resources__in", CKPT_FT_HREFS, 10,
     "Filter results where any of a comma-separated list is reserved exclusively"},
    {"shared_resources__in", CKPT_FT_HREFS, 11,
     "Filter results where any of a comma-separated list is reserved shared"},
    CKPT_ORDERING_FILTER(6),
    {NULL, 0, 0, NULL}};
static const char *const task_orderings[] = {"pulp_created", "started_at", "finished_at", "name",
                                             "state", NULL};
const ckpt_filter_set ckpt_filters_tasks = {"task_list", 12, task_filters, task_orderings, "id",
                                            read_task};

ckpt_rc ckpt_task_list(ckpt_db *db, apr_pool_t *p, const char **params, const ckpt_page *pg,
                       ckpt_list *out, ckpt_err *err)
{
    int n;

    /* Tasks of dead workers are failed before anyone sees them running. */
    if (ckpt_task_reap(db, p, &n, err) != CKPT_OK) {
        return err->rc;
    }
    return ckpt_filter_list(db, p, &ckpt_filters_tasks, params, pg, out, err);
}

ckpt_rc ckpt_task_cancel(ckpt_db *db, apr_pool_t *p, const char *id, ckpt_task **out,
                         ckpt_err *err)
{
    ckpt_dbres *res;

    if (ckpt_db_query(db, p, &res, err, "task_cancel", 1, id) != CKPT_OK) {
        return err->rc;
    }
    return ckpt_task_get(db, p, id, out, err);
}

ckpt_rc ckpt_task_delete(ckpt_db *db, apr_pool_t *p, const char *id, ckpt_err *err)
{
    ckpt_task *t;

    if (ckpt_list_delete(db, p, "task_delete", id, err) == CKPT_OK
        || err->rc != CKPT_NOTFOUND || ckpt_task_get(db, p, id, &t, err) != CKPT_OK) {
        return err->rc;
    }
    return ckpt_err_set(err, CKPT_CONFLICT, NULL,
                        apr_psprintf(p, "The task is %s: only a finished task can be deleted.",
                                     t->state));
}

ckpt_rc ckpt_task_claim(ckpt_db *db, apr_pool_t *p, const char *worker, ckpt_task **out,
                        ckpt_err *err)
{
    ckpt_dbres *res;

    *out = NULL;
    if (ckpt_db_query(db, p, &res, err, "task_claim", 1, worker) != CKPT_OK) {
        return err->rc;
    }
    if (res->nrows) {
        *out = read_task(p, res, 0);
    }
    return CKPT_OK;
}

ckpt_rc ckpt_task_watch(ckpt_db *db, apr_pool_t *p, const char *id, apr_int64_t done,
                        apr_int64_t total, const char **state, int *held, ckpt_err *err)
{
    ckpt_dbres *res;

    if (ckpt_db_query(db, p, &res, err, "task_watch", 3, id,
                      done >= 0 ? ckpt_i64toa(p, done) : NULL,
                      total >= 0 ? ckpt_i64toa(p, total) : NULL) != CKPT_OK) {
        return err->rc;
    }
    *state = res->nrows ? ckpt_dbres_get(res, 0, "state") : "canceled";
    *held = res->nrows ? ckpt_dbres_bool(res, 0, "held") : 0;
    return CKPT_OK;
}

ckpt_rc ckpt_task_finish(ckpt_db *db, apr_pool_t *p, const ckpt_task *t, const char *state,
                         const char *error, const char *created, ckpt_err *err)
{
    apr_array_header_t *c = apr_array_make(p, 1, sizeof(const char *));
    ckpt_dbres *res;
    ckpt_rc rc;

    if (created) {
        APR_ARRAY_PUSH(c, const char *) = created;
    }
    rc = ckpt_db_query(db, p, &res, err, "task_finish", 5, t->id, state, error,
                       error ? "" : NULL, ckpt_db_array(p, c));
    ckpt_db_query(db, p, &res, NULL, "task_unlock", 1, t->lock_key);
    return rc;
}

ckpt_rc ckpt_task_requeue(ckpt_db *db, apr_pool_t *p, const ckpt_task *t, ckpt_err *err)
{
    ckpt_dbres *res;
    ckpt_rc rc = ckpt_db_query(db, p, &res, err, "task_requeue", 1, t->id);

    ckpt_db_query(db, p, &res, NULL, "task_unlock", 1, t->lock_key);
    return rc;
}
