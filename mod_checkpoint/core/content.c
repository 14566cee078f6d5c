/* Content units and uploads (see content.h). */
#include <string.h>

#include <apr_strings.h>

#include "artifact.h"
#include "content.h"
#include "filter.h"
#include "list.h"
#include "path.h"
#include "version.h"

#define NO_OBJECT "Invalid hyperlink - Object does not exist."

ckpt_unit *ckpt_unit_read(apr_pool_t *p, const ckpt_dbres *res, int row)
{
    ckpt_unit *u = apr_pcalloc(p, sizeof(*u));

    u->id = ckpt_dbres_get(res, row, "id");
    u->relative_path = ckpt_dbres_get(res, row, "relative_path");
    u->sha256 = ckpt_dbres_get(res, row, "sha256");
    u->size = (apr_off_t)ckpt_dbres_int(res, row, "size", 0);
    u->pulp_created = ckpt_dbres_get(res, row, "pulp_created");
    return u;
}

static void *read_unit(apr_pool_t *p, const ckpt_dbres *res, int row)
{
    return ckpt_unit_read(p, res, row);
}

ckpt_rc ckpt_unit_get(ckpt_db *db, apr_pool_t *p, const char *id, ckpt_unit **out,
                      ckpt_err *err)
{
    return ckpt_list_one(db, p, "api_content_get", 1, &id, read_unit, (void **)out, err);
}

static const ckpt_filter unit_filters[] = {
    {"relative_path", CKPT_FT_TEXT, 0, "Filter results where relative_path matches value"},
    {"sha256", CKPT_FT_DIGEST, 1, "Filter results where sha256 matches value"},
    {"repository_version", CKPT_FT_VERSION, 2, "Repository Version referenced by HREF"},
    {"repository_version_added", CKPT_FT_VERSION, 4, "Repository Version referenced by HREF"},
    {"repository_version_removed", CKPT_FT_VERSION, 6, "Repository Version referenced by HREF"},
    CKPT_ORDERING_FILTER(8),
    {NULL, 0, 0, NULL}};
static const char *const unit_orderings[] = {"relative_path", "sha256", "pulp_created", NULL};
const ckpt_filter_set ckpt_filters_content = {"api_content_list", 9, unit_filters,
                                              unit_orderings, "id", read_unit};

ckpt_rc ckpt_content_check_digest(const char *sha256, ckpt_err *err)
{
    if (sha256 && !ckpt_storage_valid_sha256(sha256)) {
        return ckpt_err_invalid(err, "sha256", "Must be 64 lower-case hexadecimal digits.");
    }
    return CKPT_OK;
}

ckpt_rc ckpt_content_check(const char *relative_path, const char *sha256, ckpt_err *err)
{
    int rc = ckpt_path_check_relative(relative_path);

    if (rc != CKPT_PATH_OK) {
        return ckpt_path_refuse(err, "relative_path", rc);
    }
    return ckpt_content_check_digest(sha256, err);
}

typedef struct {
    ckpt_upload *u;
    const char *relative_path;
    const char *repo_id;
    ckpt_content_result *out;
} add_baton;

/* The artifact and its file, the unit, and the version, in one transaction. */
static ckpt_rc add_txn(ckpt_db *db, apr_pool_t *p, void *baton, ckpt_err *err)
{
    add_baton *b = baton;
    ckpt_dbres *res;
    ckpt_modify_req req;
    ckpt_rc rc;

    /* A repository that is not there costs no stored file. */
    if (b->repo_id) {
        if (ckpt_db_query(db, p, &res, err, "api_repo_get", 1, b->repo_id) != CKPT_OK) {
            return err->rc;
        }
        if (res->nrows == 0) {
            return ckpt_err_invalid(err, "repository", NO_OBJECT);
        }
    }
    if (ckpt_artifact_keep(db, p, b->u, err) != CKPT_OK
        || ckpt_db_query(db, p, &res, err, "api_content_insert", 2, b->relative_path,
                         ckpt_upload_sha256(b->u)) != CKPT_OK) {
        return err->rc;
    }
    b->out->created = ckpt_dbres_bool(res, 0, "created");
    if (ckpt_unit_get(db, p, ckpt_dbres_get(res, 0, "id"), &b->out->unit, err) != CKPT_OK) {
        return err->rc;
    }
    if (!b->repo_id) {
        return CKPT_OK;
    }
    memset(&req, 0, sizeof(req));
    req.repository_id = b->repo_id;
    req.base_version = -1;
    req.storage = NULL; /* its bytes were kept above, in this transaction */
    req.add = apr_array_make(p, 1, sizeof(const char *));
    APR_ARRAY_PUSH((apr_array_header_t *)req.add, const char *) = b->out->unit->id;
    rc = ckpt_modify_in_txn(db, p, &req, &b->out->version, err);
    if (rc == CKPT_NOTFOUND) {
        return ckpt_err_invalid(err, "repository", NO_OBJECT);
    }
    return rc;
}

ckpt_rc ckpt_content_add(ckpt_db *db, apr_pool_t *p, ckpt_upload *u, const char *relative_path,
                         const char *expected_sha256, const char *repo_id,
                         ckpt_content_result *out, ckpt_err *err)
{
    add_baton b;
    const char *got = ckpt_upload_sha256(u);

    memset(out, 0, sizeof(*out));
    if (expected_sha256 && strcmp(expected_sha256, got) != 0) {
        ckpt_upload_discard(u);
        return ckpt_err_invalid(
            err, "sha256", apr_psprintf(p, "The digest of the body is %s, not the one given.", got));
    }
    b.u = u;
    b.relative_path = relative_path;
    b.repo_id = repo_id;
    b.out = out;
    return ckpt_db_txn(db, p, add_txn, &b, err);
}
