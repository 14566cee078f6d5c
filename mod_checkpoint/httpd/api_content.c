/* content/file/files/: uploads and content units.  An upload is checked,
 * then streamed to a temporary file while hashing with no database
 * connection held (a slow client must not hold one of the pool's), and
 * only then made visible by content.c in one transaction. */
#include <apr_strings.h>
#include <httpd.h>
#include <http_protocol.h>

#include "api.h"
#include "content.h"
#include "openapi.h"
#include "storage.h"

/* A query value in lower case (hex digests come in either). */
static const char *lowered(apr_table_t *q, const char *key)
{
    char *v = (char *)apr_table_get(q, key);

    if (v) {
        ap_str_tolower(v);
    }
    return v;
}

static ckpt_rc unit_list(ckpt_api_req *a, apr_table_t *q, const ckpt_page *pg, ckpt_list *out,
                         ckpt_err *err)
{
    ckpt_unit_filter f;

    memset(&f, 0, sizeof(f));
    f.relative_path = apr_table_get(q, "relative_path");
    f.sha256 = lowered(q, "sha256");
    if (ckpt_api_version_filter(a, q, "repository_version", &f.present_repo, &f.present_number,
                                err) != CKPT_OK
        || ckpt_api_version_filter(a, q, "repository_version_added", &f.added_repo,
                                   &f.added_number, err) != CKPT_OK
        || ckpt_api_version_filter(a, q, "repository_version_removed", &f.removed_repo,
                                   &f.removed_number, err) != CKPT_OK
        || ckpt_content_check_digest(f.sha256, err) != CKPT_OK) {
        return err->rc;
    }
    return ckpt_unit_list(a->db, a->r->pool, &f, pg, out, err);
}

static ckpt_rc upload_sink(void *baton, const char *buf, apr_size_t len, ckpt_err *err)
{
    return ckpt_upload_write(baton, buf, len, err);
}

typedef struct {
    const char *path;
    const char *sha256; /* expected, or NULL */
    const char *repo_id;
} upload_req;

/* Everything that can be refused before a byte of the body is read. */
static ckpt_rc upload_checks(ckpt_api_req *a, upload_req *u, ckpt_err *err)
{
    apr_table_t *q;
    const char *repo;

    if (ckpt_api_content_type(a, "application/octet-stream", err) != CKPT_OK
        || ckpt_api_query(a, ckpt_openapi_query("content_file_files_create"), &q, err) != CKPT_OK) {
        return err->rc;
    }
    u->path = apr_table_get(q, "relative_path");
    u->sha256 = lowered(q, "sha256");
    repo = apr_table_get(q, "repository");
    u->repo_id = NULL;
    if (ckpt_content_check(u->path, u->sha256, err) != CKPT_OK) {
        return err->rc;
    }
    if (repo && !ckpt_href_parse(a->r->pool, a->root, CKPT_HREF_REPOSITORY, repo, &u->repo_id,
                                 NULL)) {
        return ckpt_err_invalid(err, "repository", "Not a repository href.");
    }
    return CKPT_OK;
}

static int upload(ckpt_api_req *a)
{
    request_rec *r = a->r;
    ckpt_err err = {0};
    ckpt_content_result res;
    ckpt_upload *u;
    upload_req req = {NULL, NULL, NULL};
    const char *sha;
    apr_off_t size;

    if (upload_checks(a, &req, &err) != CKPT_OK
        || ckpt_upload_open(r->pool, a->sconf->storage, &u, &err) != CKPT_OK
        || ckpt_api_read_body(a, a->sconf->upload_limit, upload_sink, u, &err) != CKPT_OK
        || ckpt_upload_finish(u, &sha, &size, &err) != CKPT_OK
        || ckpt_api_db(a, &err) != CKPT_OK
        || ckpt_content_add(a->db, r->pool, u, req.path, req.sha256, req.repo_id, &res, &err)
               != CKPT_OK) {
        ckpt_err_context(&err, apr_pstrcat(r->pool, "upload of ", req.path, NULL));
        return ckpt_api_error(a, &err);
    }
    apr_table_setn(r->headers_out, "Location",
                   ckpt_href(r->pool, a->root, CKPT_HREF_CONTENT, res.unit->id, 0));
    return ckpt_api_send(a, res.created ? HTTP_CREATED : HTTP_OK,
                         ckpt_shape_content_result(&a->shape, &res));
}


static const ckpt_api_resource units = {
    "content", CKPT_HREF_CONTENT, ckpt_shape_unit, "content_file_files_list", unit_list, 0, NULL, NULL, 0, 0,
    upload};

int ckpt_api_content(ckpt_api_req *a, const char *rest)
{
    return ckpt_api_route(a, &units, rest);
}
