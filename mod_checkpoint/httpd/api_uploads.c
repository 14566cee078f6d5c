/* uploads/: Pulp's chunked uploads (chunked.c does the work).  A chunk is
 * a multipart/form-data body with the part "file" and, optionally, the
 * field "sha256" of the chunk, placed by its Content-Range header; like
 * every upload it is streamed to a temporary file with no database
 * connection held. */
#include <apr_strings.h>
#include <httpd.h>
#include <http_protocol.h>

#include "api.h"
#include "chunked.h"
#include "input.h"
#include "multipart.h"
#include "openapi.h"
#include "task.h"

static ckpt_rc upload_parse(ckpt_api_req *a, const ckpt_api_key *k, const ckpt_json *body,
                            void **req, ckpt_err *err)
{
    apr_off_t *size = apr_palloc(a->r->pool, sizeof(*size));

    *req = size;
    return ckpt_input_upload(a->r->pool, body, a->sconf->upload_limit, size, err);
}

static ckpt_rc upload_write(ckpt_api_req *a, const ckpt_api_key *k, void *req, void **obj,
                            const char **id, ckpt_err *err)
{
    ckpt_chunked *up = NULL;
    ckpt_rc rc = ckpt_chunked_create(a->db, a->r->pool, *(apr_off_t *)req, &up, err);

    *obj = up;
    *id = up ? up->id : NULL;
    return rc;
}

static const ckpt_api_resource uploads = {
    "upload", CKPT_HREF_UPLOAD, ckpt_shape_upload, &ckpt_filters_uploads, NULL, 0, upload_parse,
    upload_write, 1, 0, NULL};

static const char *const chunk_fields[] = {"sha256", NULL};

/* The chunk's bytes into *u and its expected digest, if given. */
static ckpt_rc chunk_body(ckpt_api_req *a, ckpt_upload **u, const char **sha256, ckpt_err *err)
{
    const char *ct = apr_table_get(a->r->headers_in, "Content-Type"), *boundary, *got;
    apr_table_t *fields;
    apr_off_t size;
    char *s;
    int got_file = 0;

    if (ckpt_api_query(a, ckpt_openapi_query("uploads_update"), &fields, err) != CKPT_OK
        || ckpt_multipart_boundary(a->r->pool, ct, &boundary, err) != CKPT_OK
        || ckpt_upload_open(a->r->pool, a->sconf->storage, u, err) != CKPT_OK
        || ckpt_api_read_form(a, boundary, chunk_fields, fields, *u, &got_file, err)
               != CKPT_OK) {
        return err->rc;
    }
    if (!got_file) {
        return ckpt_err_invalid(err, "file", "This field is required.");
    }
    s = (char *)apr_table_get(fields, "sha256");
    if (s && *s) {
        ap_str_tolower(s);
        if (ckpt_content_check_digest(s, err) != CKPT_OK) {
            return err->rc;
        }
    }
    *sha256 = s && *s ? s : NULL;
    return ckpt_upload_finish(*u, &got, &size, err);
}

static int put_chunk(ckpt_api_req *a, const char *id)
{
    ckpt_err err = {0};
    apr_off_t start, end, total;
    ckpt_upload *u = NULL;
    ckpt_chunked *up = NULL;
    const char *sha256 = NULL;

    if (!ckpt_content_range_parse(apr_table_get(a->r->headers_in, "Content-Range"), &start,
                                  &end, &total)) {
        ckpt_err_invalid(&err, "Content-Range", "Invalid or missing content range header.");
    }
    else if (chunk_body(a, &u, &sha256, &err) == CKPT_OK && ckpt_api_db(a, &err) == CKPT_OK) {
        ckpt_chunked_put(a->db, a->r->pool, id, u, start, end, total, sha256, &up, &err);
    }
    if (err.rc != CKPT_OK) {
        if (u) {
            ckpt_upload_discard(u);
        }
        ckpt_err_context(&err, apr_pstrcat(a->r->pool, "chunk of upload ", id, NULL));
        return ckpt_api_error(a, &err);
    }
    return ckpt_api_send(a, HTTP_OK, ckpt_shape_upload(&a->shape, up));
}

static int delete_upload(ckpt_api_req *a, const char *id)
{
    ckpt_err err = {0};

    if (ckpt_api_db(a, &err) != CKPT_OK
        || ckpt_chunked_delete(a->db, a->r->pool, a->sconf->storage, id, &err) != CKPT_OK) {
        ckpt_err_context(&err, apr_pstrcat(a->r->pool, "deleting upload ", id, NULL));
        return ckpt_api_error(a, &err);
    }
    return ckpt_api_no_content(a);
}

/* Pulp answers 202 with the task that commits; the commit is done here
 * before the answer, so there is no task to name (AsyncOperationResponse's
 * task is null). */
static int commit(ckpt_api_req *a, const char *id)
{
    ckpt_err err = {0};
    ckpt_json *body;
    const char *sha256;
    ckpt_task *t;

    if (a->r->method_number != M_POST) {
        return ckpt_api_method_not_allowed(a, "POST");
    }
    if (ckpt_api_read_json(a, &body, &err) != CKPT_OK
        || ckpt_input_commit(a->r->pool, body, &sha256, &err) != CKPT_OK
        || ckpt_api_db(a, &err) != CKPT_OK
        || ckpt_chunked_commit(a->db, a->r->pool, a->sconf->storage, id, sha256, &err)
               != CKPT_OK
        || ckpt_task_done(a->db, a->r->pool, CKPT_TASK_COMMIT,
                          ckpt_href(a->r->pool, "", CKPT_HREF_UPLOAD, id, 0), &t, &err)
               != CKPT_OK) {
        ckpt_err_context(&err, apr_pstrcat(a->r->pool, "commit of upload ", id, NULL));
        return ckpt_api_error(a, &err);
    }
    /* Done before the answer; its task completed, for clients that follow it. */
    return ckpt_api_send(a, HTTP_ACCEPTED, ckpt_shape_task_ref(&a->shape, t));
}

int ckpt_api_uploads(ckpt_api_req *a, const char *rest)
{
    ckpt_api_key k = {NULL, 0};
    const char *sub;

    if (!*rest) {
        return ckpt_api_route(a, &uploads, rest);
    }
    sub = ckpt_href_take_uuid(a->r->pool, rest, &k.id);
    if (!sub) {
        return ckpt_api_not_found(a);
    }
    if (!strcmp(sub, "commit/")) {
        return commit(a, k.id);
    }
    if (*sub) {
        return ckpt_api_not_found(a);
    }
    switch (a->r->method_number) {
    case M_GET:
        return ckpt_api_get(a, &uploads, &k);
    case M_PUT:
        return put_chunk(a, k.id);
    case M_DELETE:
        return delete_upload(a, k.id);
    default:
        return ckpt_api_method_not_allowed(a, "GET, HEAD, PUT, DELETE");
    }
}
