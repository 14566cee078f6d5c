/* content/file/files/: uploads and content units.  An upload is streamed
 * to a temporary file while hashing (memory stays flat whatever its size),
 * fsynced and renamed into storage; only then do its rows appear, in one
 * transaction.  Anything that goes wrong before leaves nothing: the
 * temporary file is removed by its pool cleanup. */
#include <apr_strings.h>
#include <http_protocol.h>
#include <http_request.h>
#include <util_filter.h>

#include "api.h"
#include "storage.h"

#define READ_CHUNK (64 * 1024)

static ckpt_json *content_json(ckpt_api_req *a, const ckpt_dbres *res, int row, int col)
{
    ckpt_json *o = ckpt_json_object();

    ckpt_json_set_str(o, "pulp_href",
                      ckpt_href(a, CKPT_HREF_CONTENT, CKPT_DBVAL(res, row, col), NULL));
    ckpt_json_set_str(o, "pulp_created", CKPT_DBVAL(res, row, col + 4));
    ckpt_json_set_str(o, "relative_path", CKPT_DBVAL(res, row, col + 1));
    ckpt_json_set_str(o, "sha256", CKPT_DBVAL(res, row, col + 2));
    ckpt_json_set_int(o, "size", atoll(CKPT_DBVAL(res, row, col + 3)));
    return o;
}

/* Reads the whole body into u, counting against limit (0: none).
 * Answers OK, or the HTTP status of what went wrong. */
static int stream_body(ckpt_api_req *a, ckpt_upload *u, apr_off_t limit)
{
    request_rec *r = a->r;
    apr_bucket_brigade *bb = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    apr_off_t total = 0;
    int eos = 0;

    while (!eos) {
        apr_bucket *b;
        apr_status_t rv = ap_get_brigade(r->input_filters, bb, AP_MODE_READBYTES,
                                         APR_BLOCK_READ, READ_CHUNK);
        if (rv != APR_SUCCESS) {
            apr_brigade_cleanup(bb);
            ap_log_rerror(APLOG_MARK, APLOG_INFO, rv, r,
                          CKPTLOGNO(300) "upload: reading the body failed after %" APR_OFF_T_FMT
                                         " bytes; nothing kept",
                          total);
            return HTTP_BAD_REQUEST;
        }
        for (b = APR_BRIGADE_FIRST(bb); b != APR_BRIGADE_SENTINEL(bb); b = APR_BUCKET_NEXT(b)) {
            const char *data;
            apr_size_t len;
            if (APR_BUCKET_IS_EOS(b)) {
                eos = 1;
                break;
            }
            if (APR_BUCKET_IS_METADATA(b)) {
                continue;
            }
            rv = apr_bucket_read(b, &data, &len, APR_BLOCK_READ);
            if (rv != APR_SUCCESS) {
                apr_brigade_cleanup(bb);
                return HTTP_BAD_REQUEST;
            }
            total += (apr_off_t)len;
            if (limit && total > limit) {
                apr_brigade_cleanup(bb);
                return HTTP_REQUEST_ENTITY_TOO_LARGE;
            }
            if (ckpt_upload_write(u, data, len) != APR_SUCCESS) {
                apr_brigade_cleanup(bb);
                return HTTP_INTERNAL_SERVER_ERROR;
            }
        }
        apr_brigade_cleanup(bb);
    }
    return OK;
}

static int upload(ckpt_api_req *a)
{
    request_rec *r = a->r;
    apr_table_t *q = ckpt_api_query(a);
    const char *ct = apr_table_get(r->headers_in, "Content-Type");
    const char *path = apr_table_get(q, "relative_path");
    const char *want = ckpt_lower(r->pool, apr_table_get(q, "sha256"));
    const char *repo_href = apr_table_get(q, "repository");
    const char *repo_id = NULL, *why, *sha256, *field = NULL, *reason = NULL;
    apr_off_t limit = a->sconf->upload_limit, size;
    const apr_array_header_t *args = apr_table_elts(q);
    ckpt_upload *u;
    ckpt_dbres *res, *ignored, *version = NULL;
    apr_status_t srv;
    ckpt_rc rc;
    int status, created, i;

    if (!ct || strncasecmp(ct, "application/octet-stream", 24)
        || (ct[24] && ct[24] != ';' && ct[24] != ' ')) {
        return ckpt_api_detail(a, HTTP_UNSUPPORTED_MEDIA_TYPE,
                               apr_psprintf(r->pool, "Unsupported media type \"%s\" in request.",
                                            ct ? ct : ""));
    }
    for (i = 0; i < args->nelts; i++) {
        const char *k = APR_ARRAY_IDX(args, i, apr_table_entry_t).key;
        if (strcmp(k, "relative_path") && strcmp(k, "sha256") && strcmp(k, "repository")) {
            return ckpt_api_field_error(a, k, "Unexpected field.");
        }
    }
    if (!path) {
        return ckpt_api_field_error(a, "relative_path", "This field is required.");
    }
    if ((why = ckpt_api_check_relative_path(path)) != NULL) {
        return ckpt_api_field_error(a, "relative_path", why);
    }
    if (want && !ckpt_storage_valid_sha256(want)) {
        return ckpt_api_field_error(a, "sha256", "Must be 64 hexadecimal digits.");
    }
    if (repo_href && !ckpt_href_parse(a, CKPT_HREF_REPOSITORY, repo_href, &repo_id, NULL)) {
        return ckpt_api_field_error(a, "repository", "Not a repository href.");
    }
    if (!a->sconf->storage) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      CKPTLOGNO(304) "upload: CheckpointStorage is not set");
        return ckpt_api_detail(a, HTTP_INTERNAL_SERVER_ERROR, "No storage is configured.");
    }
    if ((rc = ckpt_api_db(a)) != CKPT_OK) {
        return ckpt_api_fail(a, rc, "upload");
    }
    if (repo_id) {
        if ((rc = ckpt_db_exec(a->db, r->pool, &res, "api_repo_get", 1, repo_id)) != CKPT_OK) {
            return ckpt_api_fail(a, rc, "upload");
        }
        if (!res->nrows) {
            return ckpt_api_field_error(a, "repository",
                                        "Invalid hyperlink - Object does not exist.");
        }
    }
    if ((status = ap_setup_client_block(r, REQUEST_CHUNKED_DECHUNK)) != OK) {
        return status;
    }
    /* Refused before a byte is read, so the client need not send it. */
    if (limit && r->remaining > limit) {
        r->connection->keepalive = AP_CONN_CLOSE;
        return ckpt_api_fail(a, CKPT_TOOLARGE, NULL);
    }
    if ((srv = ckpt_upload_open(r->pool, a->sconf->storage, &u)) != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, srv, r, CKPTLOGNO(301) "upload: temporary file");
        return ckpt_api_fail(a, CKPT_IOERROR, "upload");
    }
    status = stream_body(a, u, limit);
    if (status != OK) {
        ckpt_upload_discard(u);
        r->connection->keepalive = AP_CONN_CLOSE;
        if (status == HTTP_REQUEST_ENTITY_TOO_LARGE) {
            return ckpt_api_fail(a, CKPT_TOOLARGE, NULL);
        }
        if (status == HTTP_BAD_REQUEST) {
            return ckpt_api_detail(a, HTTP_BAD_REQUEST, "Could not read the request body.");
        }
        return ckpt_api_fail(a, CKPT_IOERROR, "upload");
    }
    if ((srv = ckpt_upload_finish(u, &sha256, &size)) != APR_SUCCESS) {
        ckpt_upload_discard(u);
        ap_log_rerror(APLOG_MARK, APLOG_ERR, srv, r, CKPTLOGNO(302) "upload: sync");
        return ckpt_api_fail(a, CKPT_IOERROR, "upload");
    }
    if (want && strcmp(want, sha256)) {
        ckpt_upload_discard(u);
        return ckpt_api_field_error(
            a, "sha256",
            apr_psprintf(r->pool, "The digest of the body is %s, not the one given.", sha256));
    }
    if ((srv = ckpt_upload_commit(u)) != APR_SUCCESS) {
        ckpt_upload_discard(u);
        ap_log_rerror(APLOG_MARK, APLOG_ERR, srv, r, CKPTLOGNO(303) "upload: rename");
        return ckpt_api_fail(a, CKPT_IOERROR, "upload");
    }
    /* The file is safely in storage: now the rows, in one transaction. */
    if ((rc = ckpt_db_begin(a->db)) != CKPT_OK
        || (rc = ckpt_db_exec(a->db, r->pool, &ignored, "api_artifact_insert", 2, sha256,
                              apr_off_t_toa(r->pool, size)))
               != CKPT_OK
        || (rc = ckpt_db_exec(a->db, r->pool, &ignored, "api_content_insert", 2, path, sha256))
               != CKPT_OK) {
        ckpt_db_rollback(a->db);
        return ckpt_api_fail(a, rc, "upload");
    }
    created = ignored->affected > 0;
    if ((rc = ckpt_db_exec(a->db, r->pool, &res, "api_content_find", 2, path, sha256))
        != CKPT_OK) {
        ckpt_db_rollback(a->db);
        return ckpt_api_fail(a, rc, "upload");
    }
    if (!res->nrows) {
        ckpt_db_rollback(a->db);
        return ckpt_api_fail(a, CKPT_DBERROR, "upload: content vanished");
    }
    if (repo_id) {
        rc = ckpt_api_modify_txn(
            a, repo_id, NULL, apr_pstrcat(r->pool, "{", CKPT_DBVAL(res, 0, 0), "}", NULL), "{}",
            &version, &field, &reason);
        if (rc != CKPT_OK) {
            ckpt_db_rollback(a->db);
            if (rc == CKPT_NOTFOUND) {
                return ckpt_api_field_error(a, "repository",
                                            "Invalid hyperlink - Object does not exist.");
            }
            if (rc == CKPT_INVALID && field) {
                return ckpt_api_field_error(a, field, reason);
            }
            return ckpt_api_fail(a, rc, "upload");
        }
    }
    if ((rc = ckpt_db_commit(a->db)) != CKPT_OK) {
        return ckpt_api_fail(a, rc, "upload");
    }
    {
        ckpt_json *o = ckpt_json_own(r->pool, content_json(a, res, 0, 0));
        if (version) {
            ckpt_json_set_str(o, "repository_version",
                              ckpt_href(a, CKPT_HREF_VERSION, CKPT_DBVAL(version, 0, 0),
                                        CKPT_DBVAL(version, 0, 1)));
        }
        apr_table_setn(r->headers_out, "Location",
                       ckpt_href(a, CKPT_HREF_CONTENT, CKPT_DBVAL(res, 0, 0), NULL));
        return ckpt_api_send(a, created ? HTTP_CREATED : HTTP_OK, o);
    }
}

/* A repository_version* filter: the version's repository and number. */
static int version_filter(ckpt_api_req *a, apr_table_t *q, const char *key, const char **repo,
                          const char **number, int *status)
{
    const char *v = apr_table_get(q, key);

    *repo = *number = NULL;
    if (v && !ckpt_href_parse(a, CKPT_HREF_VERSION, v, repo, number)) {
        *status = ckpt_api_field_error(a, key, "Not a repository version href.");
        return 0;
    }
    return 1;
}

static int content_list(ckpt_api_req *a)
{
    apr_table_t *q = ckpt_api_query(a);
    const char *sha = ckpt_lower(a->r->pool, apr_table_get(q, "sha256"));
    const char *r1, *n1, *r2, *n2, *r3, *n3;
    ckpt_page pg;
    ckpt_dbres *res;
    ckpt_json *results;
    ckpt_rc rc;
    int status, i;
    const char *params[10];

    if (!ckpt_api_page(a, q, &pg, &status)
        || !version_filter(a, q, "repository_version", &r1, &n1, &status)
        || !version_filter(a, q, "repository_version_added", &r2, &n2, &status)
        || !version_filter(a, q, "repository_version_removed", &r3, &n3, &status)) {
        return status;
    }
    if (sha && !ckpt_storage_valid_sha256(sha)) {
        return ckpt_api_field_error(a, "sha256", "Must be 64 hexadecimal digits.");
    }
    params[0] = apr_table_get(q, "relative_path");
    params[1] = sha;
    params[2] = r1;
    params[3] = n1;
    params[4] = r2;
    params[5] = n2;
    params[6] = r3;
    params[7] = n3;
    params[8] = ckpt_lltoa(a->r->pool, pg.limit);
    params[9] = ckpt_lltoa(a->r->pool, pg.offset);
    if ((rc = ckpt_api_db(a)) != CKPT_OK
        || (rc = ckpt_db_execv(a->db, a->r->pool, &res, "api_content_list", 10, params))
               != CKPT_OK) {
        return ckpt_api_fail(a, rc, "content list");
    }
    results = ckpt_json_array(); /* owned by the list answer */
    for (i = 0; i < res->nrows; i++) {
        if (CKPT_DBVAL(res, i, 1)) {
            ckpt_json_append(results, content_json(a, res, i, 1));
        }
    }
    return ckpt_api_send_list(a, &pg, res->nrows ? atoll(CKPT_DBVAL(res, 0, 0)) : 0, results);
}

static int content_get(ckpt_api_req *a, const char *id)
{
    ckpt_dbres *res;
    ckpt_rc rc;

    if ((rc = ckpt_api_db(a)) != CKPT_OK
        || (rc = ckpt_db_exec(a->db, a->r->pool, &res, "api_content_get", 1, id)) != CKPT_OK) {
        return ckpt_api_fail(a, rc, "content get");
    }
    if (!res->nrows) {
        return ckpt_api_fail(a, CKPT_NOTFOUND, NULL);
    }
    return ckpt_api_send(a, HTTP_OK, ckpt_json_own(a->r->pool, content_json(a, res, 0, 0)));
}

int ckpt_api_content(ckpt_api_req *a, const char *rest)
{
    int m = a->r->method_number;
    const char *id, *sub;

    if (!*rest) {
        if (m == M_GET) {
            return content_list(a);
        }
        if (m == M_POST) {
            return upload(a);
        }
        return ckpt_api_method_not_allowed(a, "GET, HEAD, POST");
    }
    sub = ckpt_api_take_uuid(a->r->pool, rest, &id);
    if (!sub || *sub) {
        return ckpt_api_fail(a, CKPT_NOTFOUND, NULL);
    }
    return m == M_GET ? content_get(a, id) : ckpt_api_method_not_allowed(a, "GET, HEAD");
}
