/* modify: the next repository version (see version.h).  Membership is kept
 * as version ranges (sql/001_schema.sql): a new version closes the ranges
 * of what leaves and opens ranges for what comes, each one set-based
 * statement whatever the number of units. */
#include <apr_strings.h>

#include "list.h"
#include "retention.h"
#include "storage.h"
#include "version.h"

#define NO_OBJECT "Invalid hyperlink - Object does not exist."

/* The ids as a uuid[] parameter (an empty list for NULL). */
static const char *id_array(apr_pool_t *p, const apr_array_header_t *ids)
{
    return ids ? ckpt_db_array(p, ids) : "{}";
}

/* Every unit given exists; added ones have distinct relative paths. */
static ckpt_rc check_units(ckpt_db *db, apr_pool_t *p, const char *ids, const char *field,
                           int adding, ckpt_err *err)
{
    ckpt_dbres *res;
    apr_int64_t found;

    if (ckpt_db_query(db, p, &res, err, "api_units_check", 1, ids) != CKPT_OK) {
        return err->rc;
    }
    found = ckpt_dbres_int(res, 0, "found", 0);
    if (found < ckpt_dbres_int(res, 0, "given", 0)) {
        return ckpt_err_invalid(err, field, NO_OBJECT);
    }
    if (adding && ckpt_dbres_int(res, 0, "paths", 0) < found) {
        return ckpt_err_invalid(err, field,
                                "Two units with the same relative_path cannot be added to one "
                                "version.");
    }
    return CKPT_OK;
}

ckpt_rc ckpt_modify_lock(ckpt_db *db, apr_pool_t *p, const char *repo, int *latest,
                         ckpt_err *err)
{
    ckpt_dbres *res;

    if (ckpt_db_query(db, p, &res, err, "api_repo_lock", 1, repo) != CKPT_OK) {
        return err->rc;
    }
    if (res->nrows == 0) {
        return ckpt_err_set(err, CKPT_NOTFOUND, NULL, NULL);
    }
    *latest = (int)ckpt_dbres_int(res, 0, "latest_number", 0);
    return CKPT_OK;
}

/* The added units that no version holds have their file in storage: a
 * unit an import made while hashing has none until its placing, nor ever
 * if that run failed (until orphan cleanup takes it), and a version must
 * never name bytes that are not there.  One stat per digest of such
 * units; units a version holds already have theirs. */
static ckpt_rc check_files(ckpt_db *db, apr_pool_t *p, const char *storage, const char *ids,
                           ckpt_err *err)
{
    ckpt_dbres *res;
    int i;

    if (ckpt_db_query(db, p, &res, err, "api_units_unheld", 1, ids) != CKPT_OK) {
        return err->rc;
    }
    for (i = 0; i < res->nrows; i++) {
        if (!ckpt_storage_has(p, storage, ckpt_dbres_get(res, i, "sha256"),
                              (apr_off_t)ckpt_dbres_int(res, i, "size", -1))) {
            return ckpt_err_invalid(
                err, "add_content_units",
                apr_psprintf(p, "Content unit %s has no file in storage yet (an import or "
                                "sync that is storing it has not finished, or it failed).",
                             ckpt_dbres_get(res, i, "id")));
        }
    }
    return CKPT_OK;
}

/* The repository locked, and what the request names checked. */
static ckpt_rc check_request(ckpt_db *db, apr_pool_t *p, const ckpt_modify_req *req,
                             const char *add, const char *remove, int *latest, ckpt_err *err)
{
    ckpt_dbres *res;

    if (ckpt_modify_lock(db, p, req->repository_id, latest, err) != CKPT_OK) {
        return err->rc;
    }
    if (req->base_version >= 0) {
        if (ckpt_db_query(db, p, &res, err, "api_ver_id", 2, req->repository_id,
                          apr_itoa(p, req->base_version)) != CKPT_OK) {
            return err->rc;
        }
        if (res->nrows == 0) {
            return ckpt_err_invalid(err, "base_version", NO_OBJECT);
        }
    }
    if (check_units(db, p, add, "add_content_units", 1, err) != CKPT_OK
        || check_units(db, p, remove, "remove_content_units", 0, err) != CKPT_OK
        || (req->storage && req->add && req->add->nelts
            && check_files(db, p, req->storage, add, err) != CKPT_OK)) {
        return err->rc;
    }
    return CKPT_OK;
}

/* Closes and opens membership ranges for version next; counts them.  From
 * the latest version only what changes is touched; from an older base the
 * whole base is compared with the latest. */
static ckpt_rc apply(ckpt_db *db, apr_pool_t *p, const ckpt_modify_req *req, int latest,
                     const char *add, const char *remove, int *added, int *removed,
                     ckpt_err *err)
{
    const char *repo = req->repository_id, *next = apr_itoa(p, latest + 1);
    const char *base = apr_itoa(p, req->base_version);
    int older = req->base_version >= 0 && req->base_version != latest;
    ckpt_dbres *res;

    if ((older ? ckpt_db_query(db, p, &res, err, "api_mod_close", 5, repo, base, next, add,
                               remove)
               : ckpt_db_query(db, p, &res, err, "api_mod_close_latest", 4, repo, next, add,
                               remove)) != CKPT_OK) {
        return err->rc;
    }
    *removed = res->affected;
    if ((older ? ckpt_db_query(db, p, &res, err, "api_mod_open", 5, repo, base, next, add,
                               remove)
               : ckpt_db_query(db, p, &res, err, "api_mod_open_latest", 3, repo, next, add))
        != CKPT_OK) {
        return err->rc;
    }
    *added = res->affected;
    return CKPT_OK;
}

ckpt_rc ckpt_modify_finish(ckpt_db *db, apr_pool_t *p, const char *repo, int latest,
                           int base_version, apr_int64_t added, apr_int64_t removed,
                           ckpt_repo_version **out, ckpt_err *err)
{
    const char *next = apr_itoa(p, latest + 1);
    ckpt_dbres *res, *ignored;

    if (ckpt_db_query(db, p, &res, err, "api_mod_version", 5, repo, next,
                      base_version >= 0 ? apr_itoa(p, base_version) : NULL,
                      ckpt_i64toa(p, added), ckpt_i64toa(p, removed)) != CKPT_OK
        || ckpt_db_query(db, p, &ignored, err, "api_repo_set_latest", 2, repo, next) != CKPT_OK
        || ckpt_retain_versions(db, p, repo, err) != CKPT_OK) {
        return err->rc;
    }
    *out = ckpt_version_read(p, res, 0);
    return CKPT_OK;
}

ckpt_rc ckpt_modify_in_txn(ckpt_db *db, apr_pool_t *p, const ckpt_modify_req *req,
                           ckpt_repo_version **out, ckpt_err *err)
{
    const char *add = id_array(p, req->add), *remove = id_array(p, req->remove);
    int latest = 0, added = 0, removed = 0;

    if (check_request(db, p, req, add, remove, &latest, err) != CKPT_OK
        || apply(db, p, req, latest, add, remove, &added, &removed, err) != CKPT_OK) {
        return err->rc;
    }
    return ckpt_modify_finish(db, p, req->repository_id, latest, req->base_version, added,
                              removed, out, err);
}

typedef struct {
    const ckpt_modify_req *req;
    ckpt_repo_version *out;
} modify_baton;

static ckpt_rc modify_txn(ckpt_db *db, apr_pool_t *p, void *baton, ckpt_err *err)
{
    modify_baton *b = baton;
    return ckpt_modify_in_txn(db, p, b->req, &b->out, err);
}

ckpt_rc ckpt_modify(ckpt_db *db, apr_pool_t *p, const ckpt_modify_req *req,
                    ckpt_repo_version **out, ckpt_err *err)
{
    modify_baton b = {req, NULL};

    if (ckpt_db_txn(db, p, modify_txn, &b, err) != CKPT_OK) {
        return err->rc;
    }
    *out = b.out;
    return CKPT_OK;
}
