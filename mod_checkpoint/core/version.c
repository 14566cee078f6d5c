/* Repository versions: read, list, delete (see version.h). */
#include <apr_strings.h>

#include "filter.h"
#include "list.h"
#include "version.h"

ckpt_repo_version *ckpt_version_read(apr_pool_t *p, const ckpt_dbres *res, int row)
{
    ckpt_repo_version *v = apr_pcalloc(p, sizeof(*v));

    v->repository_id = ckpt_dbres_get(res, row, "repository_id");
    v->number = (int)ckpt_dbres_int(res, row, "number", 0);
    v->base_version = (int)ckpt_dbres_int(res, row, "base_version", -1);
    v->added = ckpt_dbres_int(res, row, "added", 0);
    v->removed = ckpt_dbres_int(res, row, "removed", 0);
    v->present = ckpt_dbres_int(res, row, "present", 0);
    v->pulp_created = ckpt_dbres_get(res, row, "pulp_created");
    return v;
}

static void *read_version(apr_pool_t *p, const ckpt_dbres *res, int row)
{
    return ckpt_version_read(p, res, row);
}

ckpt_rc ckpt_version_get(ckpt_db *db, apr_pool_t *p, const char *repo_id, int number,
                         ckpt_repo_version **out, ckpt_err *err)
{
    const char *params[2];

    params[0] = repo_id;
    params[1] = apr_itoa(p, number);
    return ckpt_list_one(db, p, "api_ver_get", 2, params, read_version, (void **)out, err);
}

static const ckpt_filter version_filters[] = {
    {"number", CKPT_FT_INT, 1, "Filter results where number matches value"},
    {NULL, 0, 0, NULL}};
const ckpt_filter_set ckpt_filters_versions = {"api_ver_list", 2, version_filters, NULL,
                                               "number", read_version};

ckpt_rc ckpt_version_list(ckpt_db *db, apr_pool_t *p, const char *repo_id, int number,
                          const ckpt_page *pg, ckpt_list *out, ckpt_err *err)
{
    const char *params[2];
    ckpt_dbres *res;

    if (ckpt_db_query(db, p, &res, err, "api_repo_get", 1, repo_id) != CKPT_OK) {
        return err->rc;
    }
    if (res->nrows == 0) {
        return ckpt_err_set(err, CKPT_NOTFOUND, NULL, NULL);
    }
    params[0] = repo_id;
    params[1] = number >= 0 ? apr_itoa(p, number) : NULL;
    return ckpt_filter_list(db, p, &ckpt_filters_versions, params, pg, out, err);
}

typedef struct {
    const char *repo_id;
    int number;
} delete_baton;

/* Why version number of a repository whose latest is latest may not go. */
static const char *kept_because(const ckpt_dbres *use, int number, int latest)
{
    if (number == 0) {
        return "Version 0 cannot be deleted.";
    }
    if (number == latest) {
        return "The latest version cannot be deleted.";
    }
    if (ckpt_dbres_bool(use, 0, "published")) {
        return "A publication needs this version; delete the publication first.";
    }
    if (ckpt_dbres_bool(use, 0, "distributed")) {
        return "A distribution serves this version.";
    }
    return NULL;
}

static ckpt_rc delete_txn(ckpt_db *db, apr_pool_t *p, void *baton, ckpt_err *err)
{
    delete_baton *b = baton;
    const char *number = apr_itoa(p, b->number), *why;
    ckpt_dbres *repo, *use, *res;

    if (ckpt_db_query(db, p, &repo, err, "api_repo_lock", 1, b->repo_id) != CKPT_OK
        || ckpt_db_query(db, p, &use, err, "api_ver_usage", 2, b->repo_id, number) != CKPT_OK) {
        return err->rc;
    }
    if (!repo->nrows || !use->nrows) {
        return ckpt_err_set(err, CKPT_NOTFOUND, NULL, NULL);
    }
    why = kept_because(use, b->number, (int)ckpt_dbres_int(repo, 0, "latest_number", 0));
    if (why) {
        return ckpt_err_set(err, CKPT_CONFLICT, NULL, why);
    }
    return ckpt_db_query(db, p, &res, err, "api_ver_delete", 1, ckpt_dbres_get(use, 0, "id"));
}

ckpt_rc ckpt_version_delete(ckpt_db *db, apr_pool_t *p, const char *repo_id, int number,
                            ckpt_err *err)
{
    delete_baton b = {repo_id, number};
    return ckpt_db_txn(db, p, delete_txn, &b, err);
}
