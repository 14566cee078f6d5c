/* tasks/ (task.c does the work): list, read, cancel (PATCH {"state":
 * "canceled"}) and delete of a finished task.  Tasks are made by the
 * operations that answer 202 (sync/) and run by `checkpoint worker`. */
#include <apr_strings.h>
#include <http_protocol.h>

#include "api.h"
#include "input.h"
#include "task.h"

static ckpt_rc task_list(ckpt_api_req *a, const char **params, const ckpt_page *pg,
                         ckpt_list *out, ckpt_err *err)
{
    return ckpt_task_list(a->db, a->r->pool, params, pg, out, err);
}

static const ckpt_api_resource tasks = {
    "task", CKPT_HREF_TASK, ckpt_shape_task, &ckpt_filters_tasks, task_list, 1,
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
