/* Objects by kind (see object.h). */
#include "chunked.h"
#include "content.h"
#include "distribution.h"
#include "object.h"
#include "publication.h"
#include "remote.h"
#include "task.h"
#include "repository.h"
#include "version.h"

ckpt_rc ckpt_object_get(ckpt_db *db, apr_pool_t *p, ckpt_href_kind kind, const char *id,
                        int number, void **out, ckpt_err *err)
{
    switch (kind) {
    case CKPT_HREF_REPOSITORY:
        return ckpt_repo_get(db, p, id, (ckpt_repo **)out, err);
    case CKPT_HREF_VERSION:
        return ckpt_version_get(db, p, id, number, (ckpt_repo_version **)out, err);
    case CKPT_HREF_CONTENT:
        return ckpt_unit_get(db, p, id, (ckpt_unit **)out, err);
    case CKPT_HREF_PUBLICATION:
        return ckpt_pub_get(db, p, id, (ckpt_pub **)out, err);
    case CKPT_HREF_REMOTE:
        return ckpt_remote_get(db, p, id, (ckpt_remote **)out, err);
    case CKPT_HREF_TASK:
        return ckpt_task_get(db, p, id, (ckpt_task **)out, err);
    case CKPT_HREF_UPLOAD:
        return ckpt_chunked_get(db, p, id, (ckpt_chunked **)out, err);
    case CKPT_HREF_DISTRIBUTION:
    default:
        return ckpt_dist_get(db, p, id, (ckpt_dist **)out, err);
    }
}

ckpt_rc ckpt_object_delete(ckpt_db *db, apr_pool_t *p, ckpt_href_kind kind, const char *id,
                           int number, ckpt_err *err)
{
    switch (kind) {
    case CKPT_HREF_REPOSITORY:
        return ckpt_repo_delete(db, p, id, err);
    case CKPT_HREF_VERSION:
        return ckpt_version_delete(db, p, id, number, err);
    case CKPT_HREF_PUBLICATION:
        return ckpt_pub_delete(db, p, id, err);
    case CKPT_HREF_DISTRIBUTION:
        return ckpt_dist_delete(db, p, id, err);
    case CKPT_HREF_REMOTE:
        return ckpt_remote_delete(db, p, id, err);
    case CKPT_HREF_TASK:
        return ckpt_task_delete(db, p, id, err);
    case CKPT_HREF_UPLOAD: /* with its files: ckpt_chunked_delete */
    case CKPT_HREF_CONTENT:
    default:
        return ckpt_err_set(err, CKPT_INVALID, NULL, "Content units are not deleted one by one.");
    }
}
