/* Artifacts: a digest's row and its file, made visible together.  Uploads
 * and publications (their manifest) keep bytes through here, and orphan
 * cleanup removes them under the same per-digest lock, so a cleanup never
 * removes a file that a transaction is about to name. */
#ifndef CKPT_ARTIFACT_H
#define CKPT_ARTIFACT_H

#include "db.h"
#include "storage.h"

/* Inside a transaction: takes the lock of u's digest, makes its artifact
 * row (or marks an existing one of interest again, which spares it from
 * orphan cleanup), and puts the finished upload u in storage.  The lock
 * is held until the transaction ends. */
ckpt_rc ckpt_artifact_keep(ckpt_db *db, apr_pool_t *p, ckpt_upload *u, ckpt_err *err);

/* The same lock, for orphan cleanup: the digests of shas (const char *),
 * taken in a fixed order. */
ckpt_rc ckpt_artifact_lock_all(ckpt_db *db, apr_pool_t *p, const apr_array_header_t *shas,
                               ckpt_err *err);

#endif
