/* Repository versions (SPEC §1, §3): read, list, delete, and modify: the
 * next version is a base version minus what is removed plus what is added. */
#ifndef CKPT_VERSION_H
#define CKPT_VERSION_H

#include "db.h"
#include "model.h"

ckpt_rc ckpt_version_get(ckpt_db *db, apr_pool_t *p, const char *repo_id, int number,
                         ckpt_repo_version **out, ckpt_err *err);
/* CKPT_NOTFOUND when the repository does not exist; number -1: all. */
ckpt_rc ckpt_version_list(ckpt_db *db, apr_pool_t *p, const char *repo_id, int number,
                          const ckpt_page *pg, ckpt_list *out, ckpt_err *err);
/* CKPT_CONFLICT (with a reason) for version 0, the latest, and versions a
 * publication or a distribution needs. */
ckpt_rc ckpt_version_delete(ckpt_db *db, apr_pool_t *p, const char *repo_id, int number,
                            ckpt_err *err);

typedef struct {
    const char *repository_id;
    int base_version;                /* -1: the latest */
    const apr_array_header_t *add;   /* content ids (const char *) */
    const apr_array_header_t *remove;
    /* Storage's root: the units added that no version holds yet must have
     * their file there (an import makes its units before it places their
     * bytes); NULL: not checked (the caller placed them itself). */
    const char *storage;
} ckpt_modify_req;

/* Makes the next version in its own transaction, then applies
 * retain_repo_versions.  CKPT_NOTFOUND for an unknown repository;
 * CKPT_INVALID naming base_version, add_content_units or
 * remove_content_units. */
ckpt_rc ckpt_modify(ckpt_db *db, apr_pool_t *p, const ckpt_modify_req *req,
                    ckpt_repo_version **out, ckpt_err *err);
/* The same inside the caller's transaction (an upload into a repository). */
ckpt_rc ckpt_modify_in_txn(ckpt_db *db, apr_pool_t *p, const ckpt_modify_req *req,
                           ckpt_repo_version **out, ckpt_err *err);

/* The two ends of a modify, for a caller that changes the membership
 * rows itself (ingest.c): the repository locked (concurrent modifies of
 * one serialize here; CKPT_NOTFOUND when it is gone) and its latest
 * number; then version latest + 1 recorded with what was added and
 * removed, made the latest, and retain_repo_versions applied. */
ckpt_rc ckpt_modify_lock(ckpt_db *db, apr_pool_t *p, const char *repo, int *latest,
                         ckpt_err *err);
ckpt_rc ckpt_modify_finish(ckpt_db *db, apr_pool_t *p, const char *repo, int latest,
                           int base_version, apr_int64_t added, apr_int64_t removed,
                           ckpt_repo_version **out, ckpt_err *err);

ckpt_repo_version *ckpt_version_read(apr_pool_t *p, const ckpt_dbres *res, int row);

#endif
