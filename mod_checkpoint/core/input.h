/* JSON request bodies of the management API into the plain requests of
 * the core's transactions: unknown fields, wrong JSON types and hrefs of
 * the wrong kind are refused here, each naming its field (SPEC §3).  The
 * rules on the values themselves are the transactions' own. */
#ifndef CKPT_INPUT_H
#define CKPT_INPUT_H

#include <apr_tables.h>

#include "content.h"
#include "distribution.h"
#include "json.h"
#include "publication.h"
#include "remote.h"
#include "repository.h"
#include "version.h"

/* root is the API root under which hrefs are read ("/pulp/api/v3/"). */
ckpt_rc ckpt_input_repo(apr_pool_t *p, const char *root, const ckpt_json *body, int creating,
                        ckpt_repo_fields *out, ckpt_err *err);
ckpt_rc ckpt_input_modify(apr_pool_t *p, const char *root, const char *repo_id,
                          const ckpt_json *body, ckpt_modify_req *out, ckpt_err *err);
ckpt_rc ckpt_input_pub(apr_pool_t *p, const char *root, const ckpt_json *body, ckpt_pub_req *out,
                       ckpt_err *err);
ckpt_rc ckpt_input_dist(apr_pool_t *p, const char *root, const ckpt_json *body,
                        ckpt_dist_fields *out, ckpt_err *err);
/* A remote's fields (remote.h's list), each given one set. */
ckpt_rc ckpt_input_remote(apr_pool_t *p, const ckpt_json *body, ckpt_remote_req *out,
                          ckpt_err *err);
/* sync/: {"remote": href, "mirror": bool}; without remote (*remote_id
 * NULL) the repository's own remote is used; mirror defaults to false,
 * as in Pulp. */
ckpt_rc ckpt_input_sync(apr_pool_t *p, const char *root, const ckpt_json *body,
                        const char **remote_id, int *mirror, ckpt_err *err);
/* tasks/<id>/ PATCH: {"state": "canceled"}, nothing else. */
ckpt_rc ckpt_input_cancel(apr_pool_t *p, const ckpt_json *body, ckpt_err *err);
/* orphans/cleanup/: {"orphan_protection_time": minutes}, absent or null
 * meaning CKPT_ORPHAN_PROTECTION_DEFAULT. */
ckpt_rc ckpt_input_orphans(apr_pool_t *p, const ckpt_json *body, apr_int64_t *minutes,
                           ckpt_err *err);

/* content/file/files/ as JSON (an upload= create): its string fields
 * into fields. */
ckpt_rc ckpt_input_content(apr_pool_t *p, const ckpt_json *body, apr_table_t *fields,
                           ckpt_err *err);
/* uploads/: {"size": bytes}, at most limit (0: no limit). */
ckpt_rc ckpt_input_upload(apr_pool_t *p, const ckpt_json *body, apr_off_t limit,
                          apr_off_t *size, ckpt_err *err);
/* uploads/<id>/commit/: {"sha256": hex}, lower-cased and checked. */
ckpt_rc ckpt_input_commit(apr_pool_t *p, const ckpt_json *body, const char **sha256,
                          ckpt_err *err);

#endif
