/* Artifacts (see artifact.h). */
#include <apr_strings.h>

#include "artifact.h"

ckpt_rc ckpt_artifact_keep(ckpt_db *db, apr_pool_t *p, ckpt_upload *u, ckpt_err *err)
{
    const char *sha256 = ckpt_upload_sha256(u);
    ckpt_dbres *res;

    if (ckpt_db_query(db, p, &res, err, "api_artifact_lock", 1, sha256) != CKPT_OK
        || ckpt_db_query(db, p, &res, err, "api_artifact_insert", 2, sha256,
                         apr_off_t_toa(p, ckpt_upload_size(u))) != CKPT_OK) {
        return err->rc;
    }
    return ckpt_upload_commit(u, err);
}

ckpt_rc ckpt_artifact_lock_all(ckpt_db *db, apr_pool_t *p, const apr_array_header_t *shas,
                               ckpt_err *err)
{
    ckpt_dbres *res;

    return ckpt_db_query(db, p, &res, err, "orphan_artifacts_lock", 1, ckpt_db_array(p, shas));
}
