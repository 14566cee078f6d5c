/* Repositories (see repository.h). */
#include <string.h>

#include <apr_strings.h>

#include "filter.h"
#include "list.h"
#include "path.h"
#include "repository.h"
#include "retention.h"

ckpt_repo *ckpt_repo_read(apr_pool_t *p, const ckpt_dbres *res, int row)
{
    ckpt_repo *r = apr_pcalloc(p, sizeof(*r));

    r->id = ckpt_dbres_get(res, row, "id");
    r->name = ckpt_dbres_get(res, row, "name");
    r->description = ckpt_dbres_get(res, row, "description");
    r->retain_repo_versions = (int)ckpt_dbres_int(res, row, "retain_repo_versions", 0);
    r->retain_checkpoints = (int)ckpt_dbres_int(res, row, "retain_checkpoints", 0);
    r->latest_number = (int)ckpt_dbres_int(res, row, "latest_number", 0);
    r->remote_id = ckpt_dbres_get(res, row, "remote_id");
    r->pulp_created = ckpt_dbres_get(res, row, "pulp_created");
    return r;
}

static void *read_repo(apr_pool_t *p, const ckpt_dbres *res, int row)
{
    return ckpt_repo_read(p, res, row);
}

/* The rules of the fields a create or a change sets. */
static ckpt_rc check_fields(const ckpt_repo_fields *in, ckpt_err *err)
{
    int rc;

    if (in->set_name && (rc = ckpt_path_check_name(in->name)) != 0) {
        return ckpt_path_refuse(err, "name", rc);
    }
    if (in->set_retain_repo_versions && in->retain_repo_versions < 0) {
        return ckpt_err_invalid(err, "retain_repo_versions", "Ensure this value is positive.");
    }
    if (in->set_retain_checkpoints && in->retain_checkpoints < 0) {
        return ckpt_err_invalid(err, "retain_checkpoints", "Ensure this value is positive.");
    }
    return CKPT_OK;
}

/* A positive number as a parameter, NULL for "none". */
static const char *retain_param(apr_pool_t *p, int v)
{
    return v > 0 ? apr_itoa(p, v) : NULL;
}

/* A unique name taken, or a remote that is not there, is the client's
 * error. */
static ckpt_rc name_taken(ckpt_db *db, ckpt_err *err)
{
    if (err->rc == CKPT_CONFLICT && !strcmp(ckpt_db_constraint(db), "repository_name_key")) {
        return ckpt_err_invalid(err, "name", "This field must be unique.");
    }
    if (err->rc == CKPT_CONFLICT
        && !strcmp(ckpt_db_constraint(db), "repository_remote_id_fkey")) {
        return ckpt_err_invalid(err, "remote", "Invalid hyperlink - Object does not exist.");
    }
    return err->rc;
}

ckpt_rc ckpt_repo_create(ckpt_db *db, apr_pool_t *p, const ckpt_repo_fields *in, ckpt_repo **out,
                         ckpt_err *err)
{
    ckpt_repo_fields f = *in;
    ckpt_dbres *res;

    f.set_name = f.set_retain_repo_versions = f.set_retain_checkpoints = 1;
    if (check_fields(&f, err) != CKPT_OK) {
        return err->rc;
    }
    if (ckpt_db_query(db, p, &res, err, "api_repo_insert", 5, in->name, in->description,
                      retain_param(p, in->retain_repo_versions),
                      retain_param(p, in->retain_checkpoints), in->remote_id) != CKPT_OK) {
        return name_taken(db, err);
    }
    *out = ckpt_repo_read(p, res, 0);
    return CKPT_OK;
}

ckpt_rc ckpt_repo_get(ckpt_db *db, apr_pool_t *p, const char *id, ckpt_repo **out,
                      ckpt_err *err)
{
    return ckpt_list_one(db, p, "api_repo_get", 1, &id, read_repo, (void **)out, err);
}

static const ckpt_filter repo_filters[] = {CKPT_TEXT_FILTERS("name", 0), CKPT_ORDERING_FILTER(5),
                                           {NULL, 0, 0, NULL}};
static const char *const repo_orderings[] = {"name", "pulp_created", NULL};
const ckpt_filter_set ckpt_filters_repositories = {"api_repo_list", 6, repo_filters,
                                                   repo_orderings, "id", read_repo};

ckpt_rc ckpt_repo_list(ckpt_db *db, apr_pool_t *p, const char *name, const ckpt_page *pg,
                       ckpt_list *out, ckpt_err *err)
{
    const char *params[6] = {name, NULL, NULL, NULL, NULL, NULL};

    return ckpt_filter_list(db, p, &ckpt_filters_repositories, params, pg, out, err);
}

typedef struct {
    const char *id;
    const ckpt_repo_fields *in;
    ckpt_repo *out;
} update_baton;

static ckpt_rc update_txn(ckpt_db *db, apr_pool_t *p, void *baton, ckpt_err *err)
{
    update_baton *b = baton;
    const ckpt_repo_fields *in = b->in;
    ckpt_dbres *res;

    if (ckpt_db_query(db, p, &res, err, "api_repo_update", 11, b->id, in->set_name ? "t" : "f",
                      in->name, in->set_description ? "t" : "f", in->description,
                      in->set_retain_repo_versions ? "t" : "f",
                      retain_param(p, in->retain_repo_versions),
                      in->set_retain_checkpoints ? "t" : "f",
                      retain_param(p, in->retain_checkpoints), in->set_remote ? "t" : "f",
                      in->remote_id) != CKPT_OK) {
        return name_taken(db, err);
    }
    if (res->nrows == 0) {
        return ckpt_err_set(err, CKPT_NOTFOUND, NULL, NULL);
    }
    b->out = ckpt_repo_read(p, res, 0);
    return in->set_retain_checkpoints ? ckpt_retain_checkpoints(db, p, b->id, err) : CKPT_OK;
}

ckpt_rc ckpt_repo_update(ckpt_db *db, apr_pool_t *p, const char *id, const ckpt_repo_fields *in,
                         ckpt_repo **out, ckpt_err *err)
{
    update_baton b = {id, in, NULL};

    if (check_fields(in, err) != CKPT_OK || ckpt_db_txn(db, p, update_txn, &b, err) != CKPT_OK) {
        return err->rc;
    }
    *out = b.out;
    return CKPT_OK;
}

ckpt_rc ckpt_repo_delete(ckpt_db *db, apr_pool_t *p, const char *id, ckpt_err *err)
{
    return ckpt_list_delete(db, p, "api_repo_delete", id, err);
}
