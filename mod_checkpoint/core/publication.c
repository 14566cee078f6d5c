/* Publications (see publication.h). */
#include <string.h>

#include <apr_strings.h>

#include "artifact.h"
#include "filter.h"
#include "list.h"
#include "path.h"
#include "publication.h"
#include "retention.h"

#define NO_OBJECT "Invalid hyperlink - Object does not exist."

static ckpt_pub *read_pub(apr_pool_t *p, const ckpt_dbres *res, int row)
{
    ckpt_pub *pub = apr_pcalloc(p, sizeof(*pub));
    const char *ids = ckpt_dbres_get(res, row, "distribution_ids");
    char *s, *tok, *last = NULL;

    pub->id = ckpt_dbres_get(res, row, "id");
    pub->repository_id = ckpt_dbres_get(res, row, "repository_id");
    pub->version_number = (int)ckpt_dbres_int(res, row, "version_number", 0);
    pub->checkpoint = ckpt_dbres_bool(res, row, "checkpoint");
    pub->manifest = ckpt_dbres_get(res, row, "manifest");
    pub->pulp_created = ckpt_dbres_get(res, row, "pulp_created");
    pub->distribution_ids = apr_array_make(p, 2, sizeof(const char *));
    s = apr_pstrdup(p, ids ? ids : "");
    for (tok = apr_strtok(s, ",", &last); tok; tok = apr_strtok(NULL, ",", &last)) {
        APR_ARRAY_PUSH(pub->distribution_ids, const char *) = tok;
    }
    return pub;
}

static void *read_pub_row(apr_pool_t *p, const ckpt_dbres *res, int row)
{
    return read_pub(p, res, row);
}

typedef struct {
    const char *root;
    const ckpt_pub_req *req;
    ckpt_pub *out;
} create_baton;

/* Locks the repository (its checkpoints are made one at a time) and finds
 * the version to publish: *number. */
static ckpt_rc find_version(ckpt_db *db, apr_pool_t *p, const ckpt_pub_req *req, int *number,
                            ckpt_err *err)
{
    const char *field = req->version_number < 0 ? "repository" : "repository_version";
    ckpt_dbres *res;

    if (ckpt_db_query(db, p, &res, err, "api_repo_lock", 1, req->repository_id) != CKPT_OK) {
        return err->rc;
    }
    if (res->nrows == 0) {
        return ckpt_err_invalid(err, field, NO_OBJECT);
    }
    *number = req->version_number < 0 ? (int)ckpt_dbres_int(res, 0, "latest_number", 0)
                                      : req->version_number;
    if (ckpt_db_query(db, p, &res, err, "api_ver_id", 2, req->repository_id,
                      apr_itoa(p, *number)) != CKPT_OK) {
        return err->rc;
    }
    return res->nrows ? CKPT_OK : ckpt_err_invalid(err, field, NO_OBJECT);
}

/* PULP_MANIFEST of version number, into storage under its digest's lock. */
static ckpt_rc store_manifest(ckpt_db *db, apr_pool_t *p, const char *root, const char *repo_id,
                              const char *number, const char **sha256, ckpt_err *err)
{
    ckpt_dbres *res;
    ckpt_upload *u;
    const char *text;

    if (ckpt_db_query(db, p, &res, err, "api_pub_manifest", 2, repo_id, number) != CKPT_OK) {
        return err->rc;
    }
    text = ckpt_dbres_get(res, 0, "manifest");
    if (ckpt_storage_stage(p, root, text, strlen(text), &u, err) != CKPT_OK
        || ckpt_artifact_keep(db, p, u, err) != CKPT_OK) {
        return err->rc;
    }
    *sha256 = ckpt_upload_sha256(u);
    return CKPT_OK;
}

static ckpt_rc create_txn(ckpt_db *db, apr_pool_t *p, void *baton, ckpt_err *err)
{
    create_baton *b = baton;
    const ckpt_pub_req *req = b->req;
    const char *repo = req->repository_id, *number, *msha = NULL;
    const char *cp = req->checkpoint ? "t" : "f";
    ckpt_dbres *res;
    int n = 0;

    if (find_version(db, p, req, &n, err) != CKPT_OK) {
        return err->rc;
    }
    number = apr_itoa(p, n);
    if (store_manifest(db, p, b->root, repo, number, &msha, err) != CKPT_OK) {
        return err->rc;
    }
    /* Two checkpoints never share a second: wait for the next one. */
    if (req->checkpoint
        && ckpt_db_query(db, p, &res, err, "api_pub_checkpoint_wait", 1, repo) != CKPT_OK) {
        return err->rc;
    }
    if (ckpt_db_query(db, p, &res, err, "api_pub_insert", 5, repo, number, cp,
                      req->manifest ? req->manifest : "PULP_MANIFEST", msha) != CKPT_OK) {
        /* Another checkpoint took the second meanwhile: start over. */
        return err->rc == CKPT_CONFLICT
                       && !strcmp(ckpt_db_constraint(db), "publication_checkpoint_second_idx")
                   ? ckpt_err_set(err, CKPT_RETRY, NULL, err->reason)
                   : err->rc;
    }
    if (req->checkpoint && ckpt_retain_checkpoints(db, p, repo, err) != CKPT_OK) {
        return err->rc;
    }
    return ckpt_pub_get(db, p, ckpt_dbres_get(res, 0, "id"), &b->out, err);
}

ckpt_rc ckpt_pub_create(ckpt_db *db, apr_pool_t *p, const char *root, const ckpt_pub_req *req,
                        ckpt_pub **out, ckpt_err *err)
{
    create_baton b = {root, req, NULL};
    int rc;

    if (req->checkpoint && req->version_number >= 0) {
        return ckpt_err_invalid(err, "checkpoint", "checkpoint may only be used with repository");
    }
    if (req->manifest && (rc = ckpt_path_check_relative(req->manifest)) != CKPT_PATH_OK) {
        return ckpt_path_refuse(err, "manifest", rc);
    }
    if (ckpt_db_txn(db, p, create_txn, &b, err) != CKPT_OK) {
        return err->rc;
    }
    *out = b.out;
    return CKPT_OK;
}

ckpt_rc ckpt_pub_get(ckpt_db *db, apr_pool_t *p, const char *id, ckpt_pub **out, ckpt_err *err)
{
    return ckpt_list_one(db, p, "api_pub_get", 1, &id, read_pub_row, (void **)out, err);
}

static const ckpt_filter pub_filters[] = {
    {"repository", CKPT_FT_REPO, 0, "Repository referenced by HREF"},
    {"checkpoint", CKPT_FT_BOOL, 1, "Filter results where checkpoint matches value"},
    {"repository_version", CKPT_FT_VERSION, 2, "Repository Version referenced by HREF"},
    CKPT_ORDERING_FILTER(4),
    {NULL, 0, 0, NULL}};
static const char *const pub_orderings[] = {"pulp_created", NULL};
const ckpt_filter_set ckpt_filters_publications = {"api_pub_list", 5, pub_filters,
                                                   pub_orderings, "id", read_pub_row};

ckpt_rc ckpt_pub_list(ckpt_db *db, apr_pool_t *p, const char *repo_id, int checkpoint,
                      const ckpt_page *pg, ckpt_list *out, ckpt_err *err)
{
    const char *params[5] = {repo_id, NULL, NULL, NULL, NULL};

    params[1] = checkpoint < 0 ? NULL : checkpoint ? "t" : "f";
    return ckpt_filter_list(db, p, &ckpt_filters_publications, params, pg, out, err);
}

ckpt_rc ckpt_pub_delete(ckpt_db *db, apr_pool_t *p, const char *id, ckpt_err *err)
{
    return ckpt_list_delete(db, p, "api_pub_delete", id, err);
}
