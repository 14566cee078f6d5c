/* content/file/files/: uploads and content units.  An upload is checked,
 * then streamed to a temporary file while hashing with no database
 * connection held (a slow client must not hold one of the pool's), and
 * only then made visible by content.c in one transaction. */
#include <apr_strings.h>
#include <httpd.h>
#include <http_protocol.h>

#include "api.h"
#include "content.h"
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

/* The fields of an upload, from the query or the form: valid paths,
 * digest and repository. */
static ckpt_rc upload_fields(ckpt_api_req *a, apr_table_t *q, upload_req *u, ckpt_err *err)
{
    const char *repo = apr_table_get(q, "repository");

    u->path = apr_table_get(q, "relative_path");
    u->sha256 = lowered(q, "sha256");
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

/* A multipart/form-data upload as pulp-glue sends it: the fields as
 * parts, and the bytes as the part named "file", streamed to the
 * temporary file as they come.  A field may also come in the query, but
 * not both ways. */
#define FIELD_MAX 4096

typedef struct {
    ckpt_api_req *a;
    ckpt_multipart *mp;
    ckpt_upload *u;
    apr_table_t *fields;    /* the query's, then the form's */
    const char *name;       /* the current part's */
    apr_size_t vlen;
    char value[FIELD_MAX];
    int in_file, got_file;
} upload_form;

static ckpt_rc form_start(void *baton, const char *name, const char *filename, ckpt_err *err)
{
    upload_form *f = baton;
    const char *const *known = ckpt_openapi_query("content_file_files_create");

    f->name = apr_pstrdup(f->a->r->pool, name);
    f->vlen = 0;
    f->in_file = !strcmp(name, "file");
    for (; *known && strcmp(*known, name); known++) {
    }
    if (!f->in_file && !*known) {
        return ckpt_err_invalid(err, f->name, "Unexpected field.");
    }
    if ((f->in_file && f->got_file++) || apr_table_get(f->fields, name)) {
        return ckpt_err_invalid(err, f->name, "This field is given twice.");
    }
    return CKPT_OK;
}

static ckpt_rc form_data(void *baton, const char *buf, apr_size_t len, ckpt_err *err)
{
    upload_form *f = baton;

    if (f->in_file) {
        return ckpt_upload_write(f->u, buf, len, err);
    }
    if (len > FIELD_MAX - f->vlen) {
        return ckpt_err_invalid(err, f->name, "Ensure this field has no more than 4096 bytes.");
    }
    memcpy(f->value + f->vlen, buf, len);
    f->vlen += len;
    return CKPT_OK;
}

static ckpt_rc form_end(void *baton, ckpt_err *err)
{
    upload_form *f = baton;
    const char *v = apr_pstrmemdup(f->a->r->pool, f->value, f->vlen);

    if (f->in_file) {
        return CKPT_OK;
    }
    if (strlen(v) != f->vlen || ckpt_path_check_request(v) != CKPT_PATH_OK) {
        return ckpt_err_invalid(err, f->name, "This value cannot be decoded as UTF-8 text.");
    }
    apr_table_setn(f->fields, f->name, v);
    return CKPT_OK;
}

static const ckpt_multipart_cb form_cb = {form_start, form_data, form_end};

static ckpt_rc form_sink(void *baton, const char *buf, apr_size_t len, ckpt_err *err)
{
    return ckpt_multipart_feed(((upload_form *)baton)->mp, buf, len, err);
}

/* Reads the body into u; the fields are checked before (octet-stream:
 * nothing to read them from but the query) or after it (a form). */
static ckpt_rc upload_body(ckpt_api_req *a, ckpt_upload **u, upload_req *req, ckpt_err *err)
{
    const char *ct = apr_table_get(a->r->headers_in, "Content-Type"), *boundary;
    upload_form f;

    memset(&f, 0, sizeof(f));
    if (ckpt_api_query(a, ckpt_openapi_query("content_file_files_create"), &f.fields, err)
        != CKPT_OK) {
        return err->rc;
    }
    if (ckpt_multipart_boundary(a->r->pool, ct, &boundary, err) == CKPT_UNSUPPORTED) {
        return ckpt_api_content_type(a, "application/octet-stream", err) != CKPT_OK
                       || upload_fields(a, f.fields, req, err) != CKPT_OK
                       || ckpt_upload_open(a->r->pool, a->sconf->storage, u, err) != CKPT_OK
                   ? err->rc
                   : ckpt_api_read_body(a, a->sconf->upload_limit, upload_sink, *u, err);
    }
    if (err->rc != CKPT_OK
        || ckpt_upload_open(a->r->pool, a->sconf->storage, u, err) != CKPT_OK) {
        return err->rc;
    }
    f.a = a;
    f.u = *u;
    f.mp = ckpt_multipart_create(a->r->pool, boundary, &form_cb, &f);
    if (ckpt_api_read_body(a, a->sconf->upload_limit, form_sink, &f, err) != CKPT_OK
        || ckpt_multipart_finish(f.mp, err) != CKPT_OK) {
        return err->rc;
    }
    if (!f.got_file) {
        return ckpt_err_invalid(err, "file", "This field is required.");
    }
    return upload_fields(a, f.fields, req, err);
}

static int upload(ckpt_api_req *a)
{
    request_rec *r = a->r;
    ckpt_err err = {0};
    ckpt_content_result res;
    ckpt_upload *u = NULL;
    upload_req req = {NULL, NULL, NULL};
    const char *sha;
    apr_off_t size;

    if (upload_body(a, &u, &req, &err) != CKPT_OK
        || ckpt_upload_finish(u, &sha, &size, &err) != CKPT_OK
        || ckpt_api_db(a, &err) != CKPT_OK
        || ckpt_content_add(a->db, r->pool, u, req.path, req.sha256, req.repo_id, &res, &err)
               != CKPT_OK) {
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
    "content", CKPT_HREF_CONTENT, ckpt_shape_unit, "content_file_files_list", unit_list, 0, NULL, NULL, 0, 0,
    upload};

int ckpt_api_content(ckpt_api_req *a, const char *rest)
{
    return ckpt_api_route(a, &units, rest);
}
