/* Distributions (SPEC §1, §3): what is served under a base_path: one
 * publication, the newest publication of a repository or of a repository
 * version, or every checkpoint of a repository.  Base paths never overlap:
 * the check runs under a lock that every distribution write takes. */
#ifndef CKPT_DISTRIBUTION_H
#define CKPT_DISTRIBUTION_H

#include "db.h"
#include "model.h"

/* What a create sets, or what a change sets where its set_ flag says so.
 * References are ids; a version is its repository's id and its number. */
typedef struct {
    const char *name;
    const char *base_path;
    const char *publication_id;
    const char *repository_id;
    const char *version_repository_id;
    int version_number;
    int checkpoint;
    int set_name, set_base_path, set_publication, set_repository, set_repository_version,
        set_checkpoint;
} ckpt_dist_fields;

/* CKPT_INVALID naming the field: name or base_path missing, invalid, taken
 * or overlapping; an unknown publication, repository or
 * repository_version; more than one of them ("non_field_errors");
 * checkpoint without a repository. */
ckpt_rc ckpt_dist_create(ckpt_db *db, apr_pool_t *p, const ckpt_dist_fields *in, ckpt_dist **out,
                         ckpt_err *err);
/* The same rules on the result of the change.  A change that leaves what
 * is served alone is not refused for it: a checkpoint distribution whose
 * repository was deleted can still be renamed. */
ckpt_rc ckpt_dist_update(ckpt_db *db, apr_pool_t *p, const char *id, const ckpt_dist_fields *in,
                         ckpt_dist **out, ckpt_err *err);
ckpt_rc ckpt_dist_get(ckpt_db *db, apr_pool_t *p, const char *id, ckpt_dist **out,
                      ckpt_err *err);
/* Lists: ckpt_filters_distributions (filter.h). */
ckpt_rc ckpt_dist_delete(ckpt_db *db, apr_pool_t *p, const char *id, ckpt_err *err);

#endif
