/* tasks/ (task.c does the work): list, read, cancel (PATCH {"state":
 * "canceled"}) and delete of a finished task.  Tasks are made by the
 * operations that answer 202 (sync/) and run by `checkpoint worker`. */
#include <apr_strings.h>
#include <http_protocol.h>

#include "api.h"
#include "input.h"
#include "task.h"

/* A resource href given as a filter, below the API root. */
static ckpt_rc href_filter(ckpt_api_req *a, apr_table_t *q, const char *key, const char **out,
                           ckpt_err *err)
{
    const char *v = apr_table_get(q, key);

    *out = NULL;
    if (v && !(*out = ckpt_href_below_root(a->r->pool, a->root, v))) {
        return ckpt_err_invalid(err, key, "Not an href of this API.");
    }
    return CKPT_OK;
}

/* A comma-separated list of hrefs (an __in filter); empty: no filter. */
static ckpt_rc hrefs_filter(ckpt_api_req *a, apr_table_t *q, const char *key,
                            const apr_array_header_t **out, ckpt_err *err)
{
    const char *v = apr_table_get(q, key), *h;
    apr_array_header_t *arr;
    char *copy, *last = NULL, *one;

    *out = NULL;
    if (!v || !*v) {
        return CKPT_OK;
    }
    arr = apr_array_make(a->r->pool, 4, sizeof(const char *));
    copy = apr_pstrdup(a->r->pool, v);
    for (one = apr_strtok(copy, ",", &last); one; one = apr_strtok(NULL, ",", &last)) {
        if (!(h = ckpt_href_below_root(a->r->pool, a->root, one))) {
            return ckpt_err_invalid(err, key, "Not an href of this API.");
        }
        APR_ARRAY_PUSH(arr, const char *) = h;
    }
    *out = arr;
    return CKPT_OK;
}

static ckpt_rc task_list(ckpt_api_req *a, apr_table_t *q, const ckpt_page *pg, ckpt_list *out,
                         ckpt_err *err)
{
    ckpt_task_filter f;

    f.state = apr_table_get(q, "state");
    f.state_in = apr_table_get(q, "state__in");
    f.name = apr_table_get(q, "name");
    f.worker = apr_table_get(q, "worker");
    f.ordering = apr_table_get(q, "ordering");
    if (href_filter(a, q, "created_resources", &f.created_resource, err) != CKPT_OK
        || href_filter(a, q, "reserved_resources", &f.reserved_resource, err) != CKPT_OK
        || href_filter(a, q, "exclusive_resources", &f.exclusive_resource, err) != CKPT_OK
        || href_filter(a, q, "shared_resources", &f.shared_resource, err) != CKPT_OK
        || hrefs_filter(a, q, "reserved_resources__in", &f.reserved_in, err) != CKPT_OK
        || hrefs_filter(a, q, "exclusive_resources__in", &f.exclusive_in, err) != CKPT_OK
        || hrefs_filter(a, q, "shared_resources__in", &f.shared_in, err) != CKPT_OK) {
        return err->rc;
    }
    return ckpt_task_list(a->db, a->r->pool, &f, pg, out, err);
}

static const ckpt_api_resource tasks = {
    "task", CKPT_HREF_TASK, ckpt_shape_task, "tasks_list", task_list, 1,
    NULL, NULL, 0, 0, NULL, 0};

/* As Pulp: 200 with the task when it is canceling or canceled, 409 with
 * it when it had finished already. */
static int task_cancel(ckpt_api_req *a, const char *id)
{
    ckpt_err err = {0};
    ckpt_json *body;
    ckpt_task *t;
    int stopped;

    if (ckpt_api_read_json(a, &body, &err) != CKPT_OK
        || ckpt_input_cancel(a->r->pool, body, &err) != CKPT_OK
        || ckpt_api_db(a, &err) != CKPT_OK
        || ckpt_task_cancel(a->db, a->r->pool, id, &t, &err) != CKPT_OK) {
        ckpt_err_context(&err, apr_pstrcat(a->r->pool, "cancel of task ", id, NULL));
        return ckpt_api_error(a, &err);
    }
    stopped = !strcmp(t->state, "canceling") || !strcmp(t->state, "canceled");
    return ckpt_api_send(a, stopped ? HTTP_OK : HTTP_CONFLICT, ckpt_shape_task(&a->shape, t));
}

int ckpt_api_tasks(ckpt_api_req *a, const char *rest)
{
    ckpt_api_key k = {NULL, 0};
    const char *sub;

    if (!*rest) {
        return ckpt_api_route(a, &tasks, rest);
    }
    sub = ckpt_href_take_uuid(a->r->pool, rest, &k.id);
    if (!sub || *sub) {
        return ckpt_api_not_found(a);
    }
    switch (a->r->method_number) {
    case M_GET:
        return ckpt_api_get(a, &tasks, &k);
    case M_PATCH:
        return task_cancel(a, k.id);
    case M_DELETE:
        return ckpt_api_delete(a, &tasks, &k);
    default:
        return ckpt_api_method_not_allowed(a, "GET, HEAD, PATCH, DELETE");
    }
}
