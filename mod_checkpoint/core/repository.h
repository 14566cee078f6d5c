/* Repositories (SPEC §1, §3): create (with version 0), read, list, change,
 * delete.  Each write is one transaction (ckpt_db_txn); every function
 * takes plain values and answers a ckpt_rc with err filled on failure. */
#ifndef CKPT_REPOSITORY_H
#define CKPT_REPOSITORY_H

#include "db.h"
#include "model.h"

/* What a create sets, or a change sets where its set_ flag says so. */
typedef struct {
    const char *name;
    const char *description;  /* NULL: none */
    int retain_repo_versions; /* 0: none (keep all) */
    int retain_checkpoints;   /* 0: none (keep all) */
    const char *remote_id;    /* NULL: none */
    int set_name, set_description, set_retain_repo_versions, set_retain_checkpoints, set_remote;
} ckpt_repo_fields;

/* CKPT_INVALID naming name (blank, too long, taken), a retain_* field or
 * a remote that is not there. */
ckpt_rc ckpt_repo_create(ckpt_db *db, apr_pool_t *p, const ckpt_repo_fields *in, ckpt_repo **out,
                         ckpt_err *err);
ckpt_rc ckpt_repo_get(ckpt_db *db, apr_pool_t *p, const char *id, ckpt_repo **out,
                      ckpt_err *err);
/* name: only that repository (NULL: all). */
ckpt_rc ckpt_repo_list(ckpt_db *db, apr_pool_t *p, const char *name, const ckpt_page *pg,
                       ckpt_list *out, ckpt_err *err);
/* A changed retain_checkpoints applies at once. */
ckpt_rc ckpt_repo_update(ckpt_db *db, apr_pool_t *p, const char *id, const ckpt_repo_fields *in,
                         ckpt_repo **out, ckpt_err *err);
/* Its versions and publications go with it.  A distribution that served it
 * stays and serves nothing (its repository becomes null, as in Pulp); a
 * checkpoint distribution keeps checkpoint: true and serves the
 * checkpoints of whatever repository it is given next. */
ckpt_rc ckpt_repo_delete(ckpt_db *db, apr_pool_t *p, const char *id, ckpt_err *err);

/* Reads a repository row (statements_api.c's REPO_COLS). */
ckpt_repo *ckpt_repo_read(apr_pool_t *p, const ckpt_dbres *res, int row);

#endif
