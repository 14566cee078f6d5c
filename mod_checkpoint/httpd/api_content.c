/* content/file/files/: uploads and content units.  An upload is checked,
 * then streamed to a temporary file while hashing with no database
 * connection held (a slow client must not hold one of the pool's), and
 * only then made visible by content.c in one transaction. */
#include <apr_strings.h>
#include <httpd.h>
#include <http_protocol.h>

#include "api.h"
#include "chunked.h"
#include "content.h"
#include "input.h"
#include "multipart.h"
#include "path.h"
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

static ckpt_rc upload_sink(void *baton, const char *buf, apr_size_t len, ckpt_err *err)
{
    return ckpt_upload_write(baton, buf, len, err);
}

typedef struct {
    const char *path;
    const char *sha256;    /* expected, or NULL */
    const char *repo_id;
    const char *upload_id; /* upload=: the file is an uncommitted upload's */
} upload_req;

/* The fields of an upload, from the query, the form or JSON: valid paths,
 * digest, repository, and a file or an upload (has_file: the body held
 * one). */
static ckpt_rc upload_fields(ckpt_api_req *a, apr_table_t *q, int has_file, upload_req *u,
                             ckpt_err *err)
{
    const char *repo = apr_table_get(q, "repository"), *up = apr_table_get(q, "upload");

    u->path = apr_table_get(q, "relative_path");
    u->sha256 = lowered(q, "sha256");
    u->repo_id = NULL;
    u->upload_id = NULL;
    if (up && has_file) {
        return ckpt_err_invalid(err, "upload", "Give either a file or an upload, not both.");
    }
    if (!up && !has_file) {
        return ckpt_err_invalid(err, "file", "This field is required.");
    }
    if (up && !ckpt_href_parse(a->r->pool, a->root, CKPT_HREF_UPLOAD, up, &u->upload_id, NULL)) {
        return ckpt_err_invalid(err, "upload", "Not an upload href.");
    }
    if (ckpt_content_check(u->path, u->sha256, err) != CKPT_OK) {
        return err->rc;
    }
    if (repo && !ckpt_href_parse(a->r->pool, a->root, CKPT_HREF_REPOSITORY, repo, &u->repo_id,
                                 NULL)) {
        return ckpt_err_invalid(err, "repository", "Not a repository href.");
    }
    return CKPT_OK;
}

/* A JSON body names an upload (there is no file in JSON). */
static ckpt_rc upload_json(ckpt_api_req *a, apr_table_t *fields, upload_req *req,
                           ckpt_err *err)
{
    const apr_array_header_t *given = apr_table_elts(fields);
    ckpt_json *body;

    if (given->nelts) {
        return ckpt_err_invalid(err, APR_ARRAY_IDX(given, 0, apr_table_entry_t).key,
                                "With a JSON body, give the fields in the body.");
    }
    if (ckpt_api_read_json(a, &body, err) != CKPT_OK
        || ckpt_input_content(a->r->pool, body, fields, err) != CKPT_OK) {
        return err->rc;
    }
    return upload_fields(a, fields, 0, req, err);
}

/* Reads the body into u (a multipart form may name an upload instead:
 * u is then discarded); the fields are checked before (octet-stream:
 * nothing to read them from but the query) or after it (a form). */
static ckpt_rc upload_body(ckpt_api_req *a, ckpt_upload **u, upload_req *req, ckpt_err *err)
{
    const char *ct = apr_table_get(a->r->headers_in, "Content-Type"), *boundary;
    const char *const *known = ckpt_openapi_query("content_file_files_create");
    apr_table_t *fields;
    ckpt_err not_json = {0};
    int got_file = 0;

    if (ckpt_api_query(a, known, &fields, err) != CKPT_OK) {
        return err->rc;
    }
    if (ckpt_api_content_type(a, "application/json", &not_json) == CKPT_OK) {
        return upload_json(a, fields, req, err);
    }
    if (ckpt_multipart_boundary(a->r->pool, ct, &boundary, err) == CKPT_UNSUPPORTED) {
        return ckpt_api_content_type(a, "application/octet-stream", err) != CKPT_OK
                       || upload_fields(a, fields, 1, req, err) != CKPT_OK
                       || ckpt_upload_open(a->r->pool, a->sconf->storage, u, err) != CKPT_OK
                   ? err->rc
                   : ckpt_api_read_body(a, a->sconf->upload_limit, upload_sink, *u, err);
    }
    if (err->rc != CKPT_OK
        || ckpt_upload_open(a->r->pool, a->sconf->storage, u, err) != CKPT_OK
        || ckpt_api_read_form(a, boundary, known, fields, *u, &got_file, err) != CKPT_OK) {
        return err->rc;
    }
    return upload_fields(a, fields, got_file, req, err);
}

/* The file: the body's, or the named upload's chunks put together. */
static ckpt_rc upload_file(ckpt_api_req *a, const upload_req *req, ckpt_upload **u,
                           ckpt_err *err)
{
    const char *sha;
    apr_off_t size;

    if (!req->upload_id) {
        return ckpt_upload_finish(*u, &sha, &size, err);
    }
    if (*u) {
        ckpt_upload_discard(*u);
    }
    *u = NULL;
    if (ckpt_api_db(a, err) != CKPT_OK) {
        return err->rc;
    }
    if (ckpt_chunked_assemble(a->db, a->r->pool, a->sconf->storage, req->upload_id, u, err)
        == CKPT_NOTFOUND) {
        return ckpt_err_invalid(err, "upload", "Invalid hyperlink - Object does not exist.");
    }
    return err->rc;
}

static int upload(ckpt_api_req *a)
{
    request_rec *r = a->r;
    ckpt_err err = {0};
    ckpt_content_result res;
    ckpt_upload *u = NULL;
    upload_req req = {NULL, NULL, NULL, NULL};

    if (upload_body(a, &u, &req, &err) != CKPT_OK || upload_file(a, &req, &u, &err) != CKPT_OK
        || ckpt_api_db(a, &err) != CKPT_OK
        || ckpt_content_add(a->db, r->pool, u, req.path, req.sha256, req.repo_id, &res, &err)
               != CKPT_OK
        || (req.upload_id && ckpt_chunked_delete(a->db, r->pool, a->sconf->storage,
                                                 req.upload_id, &err) != CKPT_OK)) {
        ckpt_err_context(&err, apr_pstrcat(r->pool, "upload of ", req.path, NULL));
        if (u) { /* now, not when the pool goes: the client may look */
            ckpt_upload_discard(u);
        }
        return ckpt_api_error(a, &err);
    }
    apr_table_setn(r->headers_out, "Location",
                   ckpt_href(r->pool, a->root, CKPT_HREF_CONTENT, res.unit->id, 0));
    return ckpt_api_send(a, res.created ? HTTP_CREATED : HTTP_OK,
                         ckpt_shape_content_result(&a->shape, &res));
}


static const ckpt_api_resource units = {
    "content", CKPT_HREF_CONTENT, ckpt_shape_unit, &ckpt_filters_content, NULL, 0, NULL, NULL, 0, 0,
    upload};

int ckpt_api_content(ckpt_api_req *a, const char *rest)
{
    return ckpt_api_route(a, &units, rest);
}
