/* Any object of the management API by what its href names: a kind and a
 * key (a repository version: its repository's id and its number).  The
 * one dispatch from kinds to the transactions of repository.c,
 * version.c, content.c, publication.c and distribution.c, so that the API
 * (and a command line) reads and deletes every kind the same way. */
#ifndef CKPT_OBJECT_H
#define CKPT_OBJECT_H

#include "db.h"
#include "href.h"
#include "model.h"

/* *out is a ckpt_repo, ckpt_repo_version, ckpt_unit, ckpt_pub or ckpt_dist. */
ckpt_rc ckpt_object_get(ckpt_db *db, apr_pool_t *p, ckpt_href_kind kind, const char *id,
                        int number, void **out, ckpt_err *err);
/* Content units are not deleted one by one (orphan cleanup removes them):
 * CKPT_INVALID for that kind. */
ckpt_rc ckpt_object_delete(ckpt_db *db, apr_pool_t *p, ckpt_href_kind kind, const char *id,
                           int number, ckpt_err *err);

#endif
