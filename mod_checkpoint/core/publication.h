/* Publications (SPEC §1, §3): a repository version made servable, with its
 * PULP_MANIFEST, optionally as a checkpoint.  Made in one transaction, so
 * it is never seen half-built; two checkpoints of one repository never
 * share a second. */
#ifndef CKPT_PUBLICATION_H
#define CKPT_PUBLICATION_H

#include "db.h"
#include "model.h"

typedef struct {
    const char *repository_id;
    int version_number;   /* -1: the repository's latest version */
    int checkpoint;
    const char *manifest; /* NULL: PULP_MANIFEST */
} ckpt_pub_req;

/* The manifest goes into storage (root) under its digest's lock.
 * CKPT_INVALID naming repository or repository_version when they do not
 * exist, manifest when it is no valid relative path, checkpoint when it is
 * asked of a version. */
ckpt_rc ckpt_pub_create(ckpt_db *db, apr_pool_t *p, const char *root, const ckpt_pub_req *req,
                        ckpt_pub **out, ckpt_err *err);
ckpt_rc ckpt_pub_get(ckpt_db *db, apr_pool_t *p, const char *id, ckpt_pub **out, ckpt_err *err);
/* repo_id NULL: any; checkpoint -1: any, 0 or 1: only those. */
ckpt_rc ckpt_pub_list(ckpt_db *db, apr_pool_t *p, const char *repo_id, int checkpoint,
                      const ckpt_page *pg, ckpt_list *out, ckpt_err *err);
ckpt_rc ckpt_pub_delete(ckpt_db *db, apr_pool_t *p, const char *id, ckpt_err *err);

#endif
