/* Content units (SPEC §1, §3): files at relative paths, stored once per
 * digest.  An upload's bytes are streamed into a ckpt_upload (storage.h)
 * by whoever reads them, with no database connection held; then
 * ckpt_content_add makes them visible in one transaction. */
#ifndef CKPT_CONTENT_H
#define CKPT_CONTENT_H

#include "db.h"
#include "model.h"
#include "storage.h"

ckpt_rc ckpt_unit_get(ckpt_db *db, apr_pool_t *p, const char *id, ckpt_unit **out,
                      ckpt_err *err);
/* Lists: ckpt_filters_content (filter.h). */

/* What can be checked before a byte is read: a relative_path that can be
 * stored and an expected digest of 64 lower-case hex digits (NULL: none).
 * CKPT_INVALID naming relative_path or sha256. */
ckpt_rc ckpt_content_check(const char *relative_path, const char *sha256, ckpt_err *err);
/* The digest rule alone (a filter's). */
ckpt_rc ckpt_content_check_digest(const char *sha256, ckpt_err *err);

typedef struct {
    ckpt_unit *unit;
    int created;                 /* 0: the same bytes and path were there already */
    ckpt_repo_version *version;  /* the new version, when a repository was given */
} ckpt_content_result;

/* The finished upload u as the unit at relative_path and, when repo_id is
 * given, in a new version of that repository, in one transaction.  Refused
 * (and u discarded) when expected_sha256 is given and differs: CKPT_INVALID
 * naming sha256; an unknown repository is CKPT_INVALID naming repository. */
ckpt_rc ckpt_content_add(ckpt_db *db, apr_pool_t *p, ckpt_upload *u, const char *relative_path,
                         const char *expected_sha256, const char *repo_id,
                         ckpt_content_result *out, ckpt_err *err);

ckpt_unit *ckpt_unit_read(apr_pool_t *p, const ckpt_dbres *res, int row);

#endif
