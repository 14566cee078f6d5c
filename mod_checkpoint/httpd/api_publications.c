/* publications/file/file/: a repository version made servable, optionally
 * as a checkpoint.  PULP_MANIFEST is written to storage first (an orphan
 * artifact file is harmless); the publication row then appears in one
 * transaction, so it is never seen half-built. */
#include <apr_strings.h>
#include <http_protocol.h>

#include "api.h"
#include "storage.h"

static ckpt_json *pub_json(ckpt_api_req *a, const ckpt_dbres *res, int row, int col)
{
    ckpt_json *o = ckpt_json_object();
    const char *repo = CKPT_DBVAL(res, row, col + 1);

    ckpt_json_set_str(o, "pulp_href",
                      ckpt_href(a, CKPT_HREF_PUBLICATION, CKPT_DBVAL(res, row, col), NULL));
    ckpt_json_set_str(o, "pulp_created", CKPT_DBVAL(res, row, col + 5));
    ckpt_json_set_str(o, "repository", ckpt_href(a, CKPT_HREF_REPOSITORY, repo, NULL));
    ckpt_json_set_str(o, "repository_version",
                      ckpt_href(a, CKPT_HREF_VERSION, repo, CKPT_DBVAL(res, row, col + 2)));
    ckpt_json_set_bool(o, "checkpoint", !strcmp(CKPT_DBVAL(res, row, col + 3), "t"));
    ckpt_json_set_str(o, "manifest", CKPT_DBVAL(res, row, col + 4));
    ckpt_json_set(o, "distributions",
                  ckpt_api_href_list(a, CKPT_HREF_DISTRIBUTION, CKPT_DBVAL(res, row, col + 6)));
    return o;
}

static const ckpt_field pub_fields[] = {{"repository", CKPT_F_STRING, 1},
                                        {"repository_version", CKPT_F_STRING, 1},
                                        {"checkpoint", CKPT_F_BOOL, 0},
                                        {"manifest", CKPT_F_STRING, 0},
                                        {NULL, CKPT_F_STRING, 0}};

static int is_true(ckpt_json *body, const char *key)
{
    ckpt_json *v = ckpt_json_get(body, key);
    return v && ckpt_json_typeof(v) == CKPT_JSON_TRUE;
}

/* The publication in one transaction; *retry set when the repository moved
 * on or a checkpoint second was taken meanwhile (the caller starts over). */
static ckpt_rc pub_txn(ckpt_api_req *a, const char *repo_id, const char *number, int by_repo,
                       int checkpoint, const char *manifest, const char *msha,
                       const char *msize, ckpt_dbres **out, int *retry, const char **field)
{
    apr_pool_t *p = a->r->pool;
    ckpt_dbres *res, *ignored;
    ckpt_rc rc;

    *retry = 0;
    if ((rc = ckpt_db_begin(a->db)) != CKPT_OK) {
        return rc;
    }
    /* Checkpoints of one repository are made one at a time. */
    if ((rc = ckpt_db_exec(a->db, p, &res, "api_repo_lock", 1, repo_id)) != CKPT_OK) {
        return rc;
    }
    if (!res->nrows) {
        *field = by_repo ? "repository" : "repository_version";
        return CKPT_INVALID;
    }
    if (by_repo && strcmp(CKPT_DBVAL(res, 0, 5), number)) {
        *retry = 1;
        return CKPT_RETRY;
    }
    if ((rc = ckpt_db_exec(a->db, p, &ignored, "api_artifact_insert", 2, msha, msize))
        != CKPT_OK) {
        return rc;
    }
    /* Two checkpoints never share a second: wait for the next one. */
    if (checkpoint
        && (rc = ckpt_db_exec(a->db, p, &ignored, "api_pub_checkpoint_wait", 1, repo_id))
               != CKPT_OK) {
        return rc;
    }
    rc = ckpt_db_exec(a->db, p, &res, "api_pub_insert", 5, repo_id, number,
                      checkpoint ? "t" : "f", manifest, msha);
    if (rc == CKPT_CONFLICT
        && !strcmp(ckpt_db_constraint(a->db), "publication_checkpoint_second_idx")) {
        *retry = 1;
        return CKPT_RETRY;
    }
    if (rc != CKPT_OK) {
        return rc;
    }
    if (!res->nrows) {
        *field = by_repo ? "repository" : "repository_version";
        return CKPT_INVALID;
    }
    {
        const char *id = CKPT_DBVAL(res, 0, 0);
        if (checkpoint
            && (rc = ckpt_db_exec(a->db, p, &ignored, "api_retain_checkpoints", 1, repo_id))
                   != CKPT_OK) {
            return rc;
        }
        if ((rc = ckpt_db_exec(a->db, p, out, "api_pub_get", 1, id)) != CKPT_OK) {
            return rc;
        }
    }
    return ckpt_db_commit(a->db);
}

static int pub_create(ckpt_api_req *a)
{
    request_rec *r = a->r;
    int status, checkpoint, attempt;
    ckpt_json *body = ckpt_api_read_object(a, &status);
    const char *repo_href, *ver_href, *manifest, *repo_id = NULL, *number = NULL, *why;
    const char *field = NULL;
    ckpt_dbres *res = NULL;
    ckpt_rc rc = CKPT_OK;

    if (!body) {
        return status;
    }
    if (!ckpt_api_check_fields(a, body, pub_fields, &status)) {
        return status;
    }
    repo_href = ckpt_api_str(body, "repository");
    ver_href = ckpt_api_str(body, "repository_version");
    checkpoint = is_true(body, "checkpoint");
    manifest = ckpt_api_str(body, "manifest");
    if (!repo_href == !ver_href) {
        return ckpt_api_field_error(
            a, "non_field_errors",
            "Either the 'repository' or 'repository_version' need to be specified but not both.");
    }
    if (checkpoint && ver_href) {
        return ckpt_api_field_error(a, "checkpoint", "checkpoint may only be used with repository");
    }
    if (!manifest) {
        manifest = "PULP_MANIFEST";
    }
    else if ((why = ckpt_api_check_relative_path(manifest)) != NULL) {
        return ckpt_api_field_error(a, "manifest", why);
    }
    if (repo_href && !ckpt_href_parse(a, CKPT_HREF_REPOSITORY, repo_href, &repo_id, NULL)) {
        return ckpt_api_field_error(a, "repository", "Not a repository href.");
    }
    if (ver_href && !ckpt_href_parse(a, CKPT_HREF_VERSION, ver_href, &repo_id, &number)) {
        return ckpt_api_field_error(a, "repository_version", "Not a repository version href.");
    }
    if (!a->sconf->storage) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      CKPTLOGNO(311) "publication: CheckpointStorage is not set");
        return ckpt_api_detail(a, HTTP_INTERNAL_SERVER_ERROR, "No storage is configured.");
    }
    if ((rc = ckpt_api_db(a)) != CKPT_OK) {
        return ckpt_api_fail(a, rc, "publication create");
    }
    for (attempt = 0; attempt < 5; attempt++) {
        const char *text, *msha;
        int retry = 0;
        apr_status_t srv;

        if (repo_href) {
            if ((rc = ckpt_db_exec(a->db, r->pool, &res, "api_repo_get", 1, repo_id)) != CKPT_OK) {
                return ckpt_api_fail(a, rc, "publication create");
            }
            if (!res->nrows) {
                return ckpt_api_field_error(a, "repository",
                                            "Invalid hyperlink - Object does not exist.");
            }
            number = CKPT_DBVAL(res, 0, 5);
        }
        else {
            if ((rc = ckpt_db_exec(a->db, r->pool, &res, "api_ver_id", 2, repo_id, number))
                != CKPT_OK) {
                return ckpt_api_fail(a, rc, "publication create");
            }
            if (!res->nrows) {
                return ckpt_api_field_error(a, "repository_version",
                                            "Invalid hyperlink - Object does not exist.");
            }
        }
        /* The manifest first, outside the transaction. */
        if ((rc = ckpt_db_exec(a->db, r->pool, &res, "api_pub_manifest", 2, repo_id, number))
            != CKPT_OK) {
            return ckpt_api_fail(a, rc, "publication manifest");
        }
        text = CKPT_DBVAL(res, 0, 0);
        srv = ckpt_storage_put(r->pool, a->sconf->storage, text, strlen(text), &msha);
        if (srv != APR_SUCCESS) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, srv, r, CKPTLOGNO(310) "publication: manifest");
            return ckpt_api_fail(a, CKPT_IOERROR, "publication manifest");
        }
        rc = pub_txn(a, repo_id, number, repo_href != NULL, checkpoint, manifest, msha,
                     apr_psprintf(r->pool, "%" APR_SIZE_T_FMT, strlen(text)), &res, &retry,
                     &field);
        if (rc == CKPT_OK) {
            break;
        }
        ckpt_db_rollback(a->db);
        if (rc == CKPT_INVALID && field) {
            return ckpt_api_field_error(a, field, "Invalid hyperlink - Object does not exist.");
        }
        if (!retry && rc != CKPT_RETRY) {
            return ckpt_api_fail(a, rc, "publication create");
        }
    }
    if (rc != CKPT_OK) {
        return ckpt_api_fail(a, rc, "publication create");
    }
    apr_table_setn(r->headers_out, "Location",
                   ckpt_href(a, CKPT_HREF_PUBLICATION, CKPT_DBVAL(res, 0, 0), NULL));
    return ckpt_api_send(a, HTTP_CREATED, ckpt_json_own(r->pool, pub_json(a, res, 0, 0)));
}

static int pub_list(ckpt_api_req *a)
{
    apr_table_t *q = ckpt_api_query(a);
    const char *repo = apr_table_get(q, "repository"), *cp = apr_table_get(q, "checkpoint");
    const char *repo_id = NULL, *flag = NULL;
    ckpt_page pg;
    ckpt_dbres *res;
    ckpt_json *results;
    ckpt_rc rc;
    int status, i;

    if (!ckpt_api_page(a, q, &pg, &status)) {
        return status;
    }
    if (repo && !ckpt_href_parse(a, CKPT_HREF_REPOSITORY, repo, &repo_id, NULL)) {
        return ckpt_api_field_error(a, "repository", "Not a repository href.");
    }
    if (cp) {
        if (!strcasecmp(cp, "true") || !strcmp(cp, "1")) {
            flag = "t";
        }
        else if (!strcasecmp(cp, "false") || !strcmp(cp, "0")) {
            flag = "f";
        }
        else {
            return ckpt_api_field_error(a, "checkpoint", "Must be a valid boolean.");
        }
    }
    if ((rc = ckpt_api_db(a)) != CKPT_OK
        || (rc = ckpt_db_exec(a->db, a->r->pool, &res, "api_pub_list", 4, repo_id, flag,
                              ckpt_lltoa(a->r->pool, pg.limit),
                              ckpt_lltoa(a->r->pool, pg.offset)))
               != CKPT_OK) {
        return ckpt_api_fail(a, rc, "publication list");
    }
    results = ckpt_json_array(); /* owned by the list answer */
    for (i = 0; i < res->nrows; i++) {
        if (CKPT_DBVAL(res, i, 1)) {
            ckpt_json_append(results, pub_json(a, res, i, 1));
        }
    }
    return ckpt_api_send_list(a, &pg, res->nrows ? atoll(CKPT_DBVAL(res, 0, 0)) : 0, results);
}

static int pub_get(ckpt_api_req *a, const char *id)
{
    ckpt_dbres *res;
    ckpt_rc rc;

    if ((rc = ckpt_api_db(a)) != CKPT_OK
        || (rc = ckpt_db_exec(a->db, a->r->pool, &res, "api_pub_get", 1, id)) != CKPT_OK) {
        return ckpt_api_fail(a, rc, "publication get");
    }
    if (!res->nrows) {
        return ckpt_api_fail(a, CKPT_NOTFOUND, NULL);
    }
    return ckpt_api_send(a, HTTP_OK, ckpt_json_own(a->r->pool, pub_json(a, res, 0, 0)));
}

static int pub_delete(ckpt_api_req *a, const char *id)
{
    ckpt_dbres *res;
    ckpt_rc rc;

    if ((rc = ckpt_api_db(a)) != CKPT_OK
        || (rc = ckpt_db_exec(a->db, a->r->pool, &res, "api_pub_delete", 1, id)) != CKPT_OK) {
        return ckpt_api_fail(a, rc, "publication delete");
    }
    if (!res->affected) {
        return ckpt_api_fail(a, CKPT_NOTFOUND, NULL);
    }
    return ckpt_api_no_content(a);
}

int ckpt_api_publications(ckpt_api_req *a, const char *rest)
{
    int m = a->r->method_number;
    const char *id, *sub;

    if (!*rest) {
        if (m == M_GET) {
            return pub_list(a);
        }
        if (m == M_POST) {
            return pub_create(a);
        }
        return ckpt_api_method_not_allowed(a, "GET, HEAD, POST");
    }
    sub = ckpt_api_take_uuid(a->r->pool, rest, &id);
    if (!sub || *sub) {
        return ckpt_api_fail(a, CKPT_NOTFOUND, NULL);
    }
    switch (m) {
    case M_GET: return pub_get(a, id);
    case M_DELETE: return pub_delete(a, id);
    default: return ckpt_api_method_not_allowed(a, "GET, HEAD, DELETE");
    }
}
