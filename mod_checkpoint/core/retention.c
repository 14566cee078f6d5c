/* Retention (see retention.h). */
#include "retention.h"

ckpt_rc ckpt_retain_checkpoints(ckpt_db *db, apr_pool_t *p, const char *repo_id, ckpt_err *err)
{
    ckpt_dbres *res;
    return ckpt_db_query(db, p, &res, err, "api_retain_checkpoints", 1, repo_id);
}

ckpt_rc ckpt_retain_versions(ckpt_db *db, apr_pool_t *p, const char *repo_id, ckpt_err *err)
{
    ckpt_dbres *res;
    return ckpt_db_query(db, p, &res, err, "api_retain_versions", 1, repo_id);
}
