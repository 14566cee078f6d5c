/* The shape every resource of the API shares: get, list and delete of an
 * object, and routing its collection and its objects by method.  A
 * resource says only how to reach the core (ckpt_api_resource). */
#include <apr_strings.h>
#include <http_protocol.h>

#include "api.h"
#include "object.h"
#include "openapi.h"

/* What a read takes in its query: Pulp's fields and exclude_fields. */
static const char *const read_params[] = {"fields", "exclude_fields", NULL};

int ckpt_api_get(ckpt_api_req *a, const ckpt_api_resource *res, const ckpt_api_key *k)
{
    ckpt_err err = {0};
    apr_table_t *q;
    void *obj;

    if (ckpt_api_query(a, read_params, &q, &err) != CKPT_OK || ckpt_api_db(a, &err) != CKPT_OK
        || ckpt_object_get(a->db, a->r->pool, res->kind, k->id, k->number, &obj, &err)
               != CKPT_OK) {
        ckpt_err_context(&err, apr_pstrcat(a->r->pool, res->name, " ", k->id, NULL));
        return ckpt_api_error(a, &err);
    }
    return ckpt_api_send(a, HTTP_OK,
                         ckpt_shape_fields(a->r->pool, res->shape(&a->shape, obj),
                                           apr_table_get(q, "fields"),
                                           apr_table_get(q, "exclude_fields")));
}

int ckpt_api_list(ckpt_api_req *a, const ckpt_api_resource *res)
{
    ckpt_err err = {0};
    apr_table_t *q;
    const char **params;
    ckpt_page pg;
    ckpt_list l;

    if (ckpt_api_query(a, NULL, &q, &err) != CKPT_OK || ckpt_api_page(q, &pg, &err) != CKPT_OK
        || ckpt_filter_bind(a->r->pool, res->filters, a->root, q, &params, &err) != CKPT_OK
        || ckpt_api_db(a, &err) != CKPT_OK
        || (res->list ? res->list(a, params, &pg, &l, &err)
                      : ckpt_filter_list(a->db, a->r->pool, res->filters, params, &pg, &l, &err))
               != CKPT_OK) {
        ckpt_err_context(&err, apr_pstrcat(a->r->pool, res->name, " list", NULL));
        return ckpt_api_error(a, &err);
    }
    return ckpt_api_send_list(a, &pg, &l, res->shape, q);
}

int ckpt_api_delete(ckpt_api_req *a, const ckpt_api_resource *res, const ckpt_api_key *k)
{
    ckpt_err err = {0};

    if (ckpt_api_db(a, &err) != CKPT_OK
        || ckpt_object_delete(a->db, a->r->pool, res->kind, k->id, k->number, &err) != CKPT_OK) {
        ckpt_err_context(&err, apr_pstrcat(a->r->pool, "deleting ", res->name, " ", k->id, NULL));
        return ckpt_api_error(a, &err);
    }
    return ckpt_api_no_content(a);
}

int ckpt_api_write(ckpt_api_req *a, const ckpt_api_resource *res, const ckpt_api_key *k)
{
    ckpt_err err = {0};
    ckpt_json *body;
    const char *id = NULL;
    void *req, *obj;

    if (ckpt_api_read_json(a, &body, &err) != CKPT_OK
        || res->parse(a, k, body, &req, &err) != CKPT_OK || ckpt_api_db(a, &err) != CKPT_OK
        || res->write(a, k, req, &obj, &id, &err) != CKPT_OK) {
        ckpt_err_context(&err, k ? apr_pstrcat(a->r->pool, res->name, " update ", k->id, NULL)
                                 : apr_pstrcat(a->r->pool, res->name, " create", NULL));
        return ckpt_api_error(a, &err);
    }
    if (k) {
        return ckpt_api_send(a, HTTP_OK, res->shape(&a->shape, obj));
    }
    return ckpt_api_created(a, ckpt_href(a->r->pool, a->root, res->kind, id, 0),
                            res->shape(&a->shape, obj));
}

int ckpt_api_route_object(ckpt_api_req *a, const ckpt_api_resource *res, const ckpt_api_key *k)
{
    switch (a->r->method_number) {
    case M_GET:
        return ckpt_api_get(a, res, k);
    case M_PATCH:
        if (res->updates) {
            return ckpt_api_write(a, res, k);
        }
        break;
    case M_PUT:
        if (res->replaces) {
            return ckpt_api_write(a, res, k);
        }
        break;
    case M_DELETE:
        if (res->deletes) {
            return ckpt_api_delete(a, res, k);
        }
        break;
    default:
        break;
    }
    return ckpt_api_method_not_allowed(
        a, apr_pstrcat(a->r->pool, "GET, HEAD", res->updates ? ", PATCH" : "",
                       res->replaces ? ", PUT" : "", res->deletes ? ", DELETE" : "", NULL));
}

int ckpt_api_route(ckpt_api_req *a, const ckpt_api_resource *res, const char *rest)
{
    ckpt_api_key k = {NULL, 0};
    const char *sub;

    if (!*rest) {
        if (a->r->method_number == M_GET) {
            return ckpt_api_list(a, res);
        }
        if (a->r->method_number == M_POST && (res->creates || res->post)) {
            return res->post ? res->post(a) : ckpt_api_write(a, res, NULL);
        }
        return ckpt_api_method_not_allowed(a, res->creates || res->post ? "GET, HEAD, POST"
                                                                       : "GET, HEAD");
    }
    sub = ckpt_href_take_uuid(a->r->pool, rest, &k.id);
    if (!sub || *sub) {
        return ckpt_api_not_found(a);
    }
    return ckpt_api_route_object(a, res, &k);
}
