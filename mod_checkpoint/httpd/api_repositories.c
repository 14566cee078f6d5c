/* repositories/file/file/: repositories, their versions, and modify/
 * (repository.c, version.c and modify.c do the work). */
#include <apr_strings.h>
#include <http_protocol.h>

#include "api.h"
#include "input.h"
#include "repository.h"
#include "task.h"
#include "version.h"

static ckpt_rc repo_parse(ckpt_api_req *a, const ckpt_api_key *k, const ckpt_json *body,
                          void **req, ckpt_err *err)
{
    ckpt_repo_fields *in = apr_palloc(a->r->pool, sizeof(*in));

    *req = in;
    return ckpt_input_repo(a->r->pool, a->root, body, !k, in, err);
}

static ckpt_rc repo_write(ckpt_api_req *a, const ckpt_api_key *k, void *req, void **obj,
                          const char **id, ckpt_err *err)
{
    ckpt_repo *repo = NULL;
    ckpt_rc rc = k ? ckpt_repo_update(a->db, a->r->pool, k->id, req, &repo, err)
                   : ckpt_repo_create(a->db, a->r->pool, req, &repo, err);

    *obj = repo;
    *id = repo ? repo->id : NULL;
    return rc;
}


static const ckpt_api_resource repositories = {
    "repository", CKPT_HREF_REPOSITORY, ckpt_shape_repo, &ckpt_filters_repositories, NULL, 1,
    repo_parse, repo_write, 1, 1, NULL};

/* The repository of versions/ is the one in the URL (a->path names it). */
static ckpt_rc version_list(ckpt_api_req *a, const char **params, const ckpt_page *pg,
                            ckpt_list *out, ckpt_err *err)
{
    const char *repo_id, *number = params[1];
    int n = -1;

    ckpt_href_take_uuid(a->r->pool, a->path + strlen(CKPT_REPOS_PATH), &repo_id);
    if (number && !ckpt_href_number(number, &n)) {
        return ckpt_err_invalid(err, "number", "Enter a number.");
    }
    return ckpt_version_list(a->db, a->r->pool, repo_id, n, pg, out, err);
}


static const ckpt_api_resource versions = {
    "repository version", CKPT_HREF_VERSION, ckpt_shape_version, &ckpt_filters_versions, version_list,
    1, NULL, NULL, 0, 0, NULL};

static int repo_modify(ckpt_api_req *a, const char *id)
{
    ckpt_err err = {0};
    ckpt_json *body;
    ckpt_modify_req req;
    ckpt_repo_version *v;
    ckpt_rc rc = ckpt_api_read_json(a, &body, &err);

    if (rc == CKPT_OK) {
        rc = ckpt_input_modify(a->r->pool, a->root, id, body, &req, &err);
        req.storage = a->sconf->storage;
    }
    if (rc != CKPT_OK || ckpt_api_db(a, &err) != CKPT_OK
        || ckpt_modify(a->db, a->r->pool, &req, &v, &err) != CKPT_OK) {
        ckpt_err_context(&err, apr_pstrcat(a->r->pool, "modify of repository ", id, NULL));
        return ckpt_api_error(a, &err);
    }
    return ckpt_api_created(a, ckpt_href(a->r->pool, a->root, CKPT_HREF_VERSION, id, v->number),
                            ckpt_shape_version(&a->shape, v));
}

/* sync/: a task for `checkpoint worker`, answered 202 {"task": href}. */
static int repo_sync(ckpt_api_req *a, const char *id)
{
    ckpt_err err = {0};
    ckpt_json *body;
    const char *remote_id = NULL;
    ckpt_task *t;
    int mirror = 0;

    if (ckpt_api_read_json(a, &body, &err) != CKPT_OK
        || ckpt_input_sync(a->r->pool, a->root, body, &remote_id, &mirror, &err) != CKPT_OK
        || ckpt_api_db(a, &err) != CKPT_OK
        || ckpt_task_sync(a->db, a->r->pool, id, remote_id, mirror, &t, &err) != CKPT_OK) {
        ckpt_err_context(&err, apr_pstrcat(a->r->pool, "sync of repository ", id, NULL));
        return ckpt_api_error(a, &err);
    }
    return ckpt_api_send(a, HTTP_ACCEPTED, ckpt_shape_task_ref(&a->shape, t));
}

/* Below a repository: modify/, sync/, versions/ and versions/<n>/. */
static int below_repository(ckpt_api_req *a, const char *id, const char *sub)
{
    ckpt_api_key k = {id, 0};
    const char *num, *slash;

    if (!strcmp(sub, "modify/")) {
        return a->r->method_number == M_POST ? repo_modify(a, id)
                                             : ckpt_api_method_not_allowed(a, "POST");
    }
    if (!strcmp(sub, "sync/")) {
        return a->r->method_number == M_POST ? repo_sync(a, id)
                                             : ckpt_api_method_not_allowed(a, "POST");
    }
    if (!strcmp(sub, "versions/")) {
        return a->r->method_number == M_GET ? ckpt_api_list(a, &versions)
                                            : ckpt_api_method_not_allowed(a, "GET, HEAD");
    }
    if (strncmp(sub, "versions/", 9)) {
        return ckpt_api_not_found(a);
    }
    num = sub + 9;
    slash = strchr(num, '/');
    if (!slash || slash[1]
        || !ckpt_href_number(apr_pstrmemdup(a->r->pool, num, (apr_size_t)(slash - num)),
                             &k.number)) {
        return ckpt_api_not_found(a);
    }
    return ckpt_api_route_object(a, &versions, &k);
}

int ckpt_api_repositories(ckpt_api_req *a, const char *rest)
{
    const char *id, *sub;

    if (!*rest) {
        return ckpt_api_route(a, &repositories, rest);
    }
    sub = ckpt_href_take_uuid(a->r->pool, rest, &id);
    if (!sub) {
        return ckpt_api_not_found(a);
    }
    if (!*sub) {
        return ckpt_api_route(a, &repositories, rest);
    }
    return below_repository(a, id, sub);
}
