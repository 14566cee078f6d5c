/* Retention (SPEC §3), each one statement over a repository, inside the
 * caller's transaction. */
#ifndef CKPT_RETENTION_H
#define CKPT_RETENTION_H

#include "db.h"

/* Only the retain_checkpoints newest checkpoints keep checkpoint: true. */
ckpt_rc ckpt_retain_checkpoints(ckpt_db *db, apr_pool_t *p, const char *repo_id, ckpt_err *err);
/* Versions beyond the retain_repo_versions newest go, with their
 * publications, except those a distribution still needs. */
ckpt_rc ckpt_retain_versions(ckpt_db *db, apr_pool_t *p, const char *repo_id, ckpt_err *err);

#endif
