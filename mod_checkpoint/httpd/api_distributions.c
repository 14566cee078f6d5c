/* distributions/file/file/: what is served under a base_path.  The overlap
 * of base paths is checked in SQL under a table lock, so two concurrent
 * writes cannot both pass it. */
#include <apr_strings.h>
#include <http_core.h>
#include <http_protocol.h>

#include "api.h"

static ckpt_json *dist_json(ckpt_api_req *a, const ckpt_dbres *res, int row, int col)
{
    ckpt_json *o = ckpt_json_object();
    const char *prefix = a->sconf->content_prefix ? a->sconf->content_prefix : "/pulp/content";
    const char *base_path = CKPT_DBVAL(res, row, col + 2);

    ckpt_json_set_str(o, "pulp_href",
                      ckpt_href(a, CKPT_HREF_DISTRIBUTION, CKPT_DBVAL(res, row, col), NULL));
    ckpt_json_set_str(o, "pulp_created", CKPT_DBVAL(res, row, col + 8));
    ckpt_json_set_str(o, "name", CKPT_DBVAL(res, row, col + 1));
    ckpt_json_set_str(o, "base_path", base_path);
    ckpt_json_set_str(o, "base_url",
                      ap_construct_url(a->r->pool,
                                       apr_pstrcat(a->r->pool, prefix, "/", base_path, "/", NULL),
                                       a->r));
    ckpt_json_set_str(o, "publication",
                      ckpt_href(a, CKPT_HREF_PUBLICATION, CKPT_DBVAL(res, row, col + 3), NULL));
    ckpt_json_set_str(o, "repository",
                      ckpt_href(a, CKPT_HREF_REPOSITORY, CKPT_DBVAL(res, row, col + 4), NULL));
    ckpt_json_set_str(o, "repository_version",
                      ckpt_href(a, CKPT_HREF_VERSION, CKPT_DBVAL(res, row, col + 5),
                                CKPT_DBVAL(res, row, col + 6)));
    ckpt_json_set_bool(o, "checkpoint", !strcmp(CKPT_DBVAL(res, row, col + 7), "t"));
    return o;
}

static const ckpt_field dist_fields[] = {{"name", CKPT_F_STRING, 0},
                                         {"base_path", CKPT_F_STRING, 0},
                                         {"publication", CKPT_F_STRING, 1},
                                         {"repository", CKPT_F_STRING, 1},
                                         {"repository_version", CKPT_F_STRING, 1},
                                         {"checkpoint", CKPT_F_BOOL, 0},
                                         {NULL, CKPT_F_STRING, 0}};

/* A distribution as it would be written. */
typedef struct {
    const char *id; /* NULL when new */
    const char *name;
    const char *base_path;
    const char *publication_id;
    const char *repository_id;
    const char *version_id;
    int checkpoint;
} dist_row;

/* Resolves the href fields present in body into d; 0 with an answer sent
 * when one is not of its kind or does not exist. */
static int resolve_refs(ckpt_api_req *a, ckpt_json *body, dist_row *d, int *status)
{
    apr_pool_t *p = a->r->pool;
    const char *h, *id, *number;
    ckpt_dbres *res;
    ckpt_rc rc;

    if (ckpt_api_has(body, "publication")) {
        d->publication_id = NULL;
        if ((h = ckpt_api_str(body, "publication")) != NULL) {
            if (!ckpt_href_parse(a, CKPT_HREF_PUBLICATION, h, &id, NULL)) {
                *status = ckpt_api_field_error(a, "publication", "Not a publication href.");
                return 0;
            }
            if ((rc = ckpt_db_exec(a->db, p, &res, "api_pub_exists", 1, id)) != CKPT_OK) {
                *status = ckpt_api_fail(a, rc, "distribution");
                return 0;
            }
            if (!res->nrows) {
                *status = ckpt_api_field_error(a, "publication",
                                               "Invalid hyperlink - Object does not exist.");
                return 0;
            }
            d->publication_id = id;
        }
    }
    if (ckpt_api_has(body, "repository")) {
        d->repository_id = NULL;
        if ((h = ckpt_api_str(body, "repository")) != NULL) {
            if (!ckpt_href_parse(a, CKPT_HREF_REPOSITORY, h, &id, NULL)) {
                *status = ckpt_api_field_error(a, "repository", "Not a repository href.");
                return 0;
            }
            if ((rc = ckpt_db_exec(a->db, p, &res, "api_repo_get", 1, id)) != CKPT_OK) {
                *status = ckpt_api_fail(a, rc, "distribution");
                return 0;
            }
            if (!res->nrows) {
                *status = ckpt_api_field_error(a, "repository",
                                               "Invalid hyperlink - Object does not exist.");
                return 0;
            }
            d->repository_id = id;
        }
    }
    if (ckpt_api_has(body, "repository_version")) {
        d->version_id = NULL;
        if ((h = ckpt_api_str(body, "repository_version")) != NULL) {
            if (!ckpt_href_parse(a, CKPT_HREF_VERSION, h, &id, &number)) {
                *status = ckpt_api_field_error(a, "repository_version",
                                               "Not a repository version href.");
                return 0;
            }
            if ((rc = ckpt_db_exec(a->db, p, &res, "api_ver_id", 2, id, number)) != CKPT_OK) {
                *status = ckpt_api_fail(a, rc, "distribution");
                return 0;
            }
            if (!res->nrows) {
                *status = ckpt_api_field_error(a, "repository_version",
                                               "Invalid hyperlink - Object does not exist.");
                return 0;
            }
            d->version_id = CKPT_DBVAL(res, 0, 0);
        }
    }
    return 1;
}

/* The rules on the merged result, before the database is written. */
static int validate(ckpt_api_req *a, const dist_row *d, int *status)
{
    const char *why;

    if (!d->name) {
        *status = ckpt_api_field_error(a, "name", "This field is required.");
        return 0;
    }
    if (!*d->name) {
        *status = ckpt_api_field_error(a, "name", "This field may not be blank.");
        return 0;
    }
    if (!d->base_path) {
        *status = ckpt_api_field_error(a, "base_path", "This field is required.");
        return 0;
    }
    if ((why = ckpt_api_check_base_path(d->base_path)) != NULL) {
        *status = ckpt_api_field_error(a, "base_path", why);
        return 0;
    }
    if ((d->publication_id != NULL) + (d->repository_id != NULL) + (d->version_id != NULL) > 1) {
        *status = ckpt_api_field_error(a, "non_field_errors",
                                       "Only one of the attributes 'publication', 'repository', "
                                       "'repository_version' may be used simultaneously.");
        return 0;
    }
    if (d->checkpoint && !d->repository_id) {
        *status = ckpt_api_field_error(a, "checkpoint",
                                       "checkpoint may only be used with repository");
        return 0;
    }
    return 1;
}

/* Locks, checks the overlap, writes, answers the row (DIST_COLS). */
static int write_dist(ckpt_api_req *a, const dist_row *d, int created)
{
    apr_pool_t *p = a->r->pool;
    ckpt_dbres *res;
    const char *id = d->id;
    ckpt_rc rc;

    if ((rc = ckpt_db_exec(a->db, p, &res, "api_dist_lock", 0)) != CKPT_OK
        || (rc = ckpt_db_exec(a->db, p, &res, "api_dist_overlap", 2, d->base_path, d->id))
               != CKPT_OK) {
        ckpt_db_rollback(a->db);
        return ckpt_api_fail(a, rc, "distribution");
    }
    if (res->nrows) {
        ckpt_db_rollback(a->db);
        return ckpt_api_field_error(
            a, "base_path",
            apr_psprintf(p, "Overlaps with existing distribution's base_path \"%s\".",
                         CKPT_DBVAL(res, 0, 0)));
    }
    if (created) {
        rc = ckpt_db_exec(a->db, p, &res, "api_dist_insert", 6, d->name, d->base_path,
                          d->publication_id, d->repository_id, d->version_id,
                          d->checkpoint ? "t" : "f");
        if (rc == CKPT_OK) {
            id = CKPT_DBVAL(res, 0, 0);
        }
    }
    else {
        rc = ckpt_db_exec(a->db, p, &res, "api_dist_update", 7, d->id, d->name, d->base_path,
                          d->publication_id, d->repository_id, d->version_id,
                          d->checkpoint ? "t" : "f");
    }
    if (rc == CKPT_OK) {
        rc = ckpt_db_exec(a->db, p, &res, "api_dist_get", 1, id);
    }
    if (rc == CKPT_OK) {
        rc = ckpt_db_commit(a->db);
    }
    if (rc != CKPT_OK) {
        const char *c = apr_pstrdup(p, ckpt_db_constraint(a->db));
        ckpt_db_rollback(a->db);
        if (rc == CKPT_CONFLICT && !strcmp(c, "distribution_name_key")) {
            return ckpt_api_field_error(a, "name", "This field must be unique.");
        }
        if (rc == CKPT_CONFLICT && !strcmp(c, "distribution_base_path_key")) {
            return ckpt_api_field_error(a, "base_path", "This field must be unique.");
        }
        if (rc == CKPT_CONFLICT && !strncmp(c, "distribution_", 13)) {
            /* a referenced object was deleted meanwhile */
            return ckpt_api_detail(a, HTTP_BAD_REQUEST, "A referenced object does not exist.");
        }
        return ckpt_api_fail(a, rc, "distribution");
    }
    if (created) {
        apr_table_setn(a->r->headers_out, "Location",
                       ckpt_href(a, CKPT_HREF_DISTRIBUTION, id, NULL));
    }
    return ckpt_api_send(a, created ? HTTP_CREATED : HTTP_OK,
                         ckpt_json_own(p, dist_json(a, res, 0, 0)));
}

static int dist_create(ckpt_api_req *a)
{
    int status;
    ckpt_json *body = ckpt_api_read_object(a, &status);
    dist_row d;
    ckpt_rc rc;

    if (!body) {
        return status;
    }
    if (!ckpt_api_check_fields(a, body, dist_fields, &status)) {
        return status;
    }
    memset(&d, 0, sizeof(d));
    d.name = ckpt_api_str(body, "name");
    d.base_path = ckpt_api_str(body, "base_path");
    d.checkpoint = ckpt_json_get(body, "checkpoint")
                   && ckpt_json_typeof(ckpt_json_get(body, "checkpoint")) == CKPT_JSON_TRUE;
    /* The shape first: it needs no database. */
    d.publication_id = ckpt_api_str(body, "publication");
    d.repository_id = ckpt_api_str(body, "repository");
    d.version_id = ckpt_api_str(body, "repository_version");
    if (!validate(a, &d, &status)) {
        return status;
    }
    if ((rc = ckpt_api_db(a)) != CKPT_OK) {
        return ckpt_api_fail(a, rc, "distribution create");
    }
    if (!resolve_refs(a, body, &d, &status)) {
        return status;
    }
    if ((rc = ckpt_db_begin(a->db)) != CKPT_OK) {
        return ckpt_api_fail(a, rc, "distribution create");
    }
    return write_dist(a, &d, 1);
}

static int dist_patch(ckpt_api_req *a, const char *id)
{
    int status;
    ckpt_json *body = ckpt_api_read_object(a, &status);
    ckpt_json *cp;
    ckpt_dbres *res;
    dist_row d;
    ckpt_rc rc;

    if (!body) {
        return status;
    }
    if (!ckpt_api_check_fields(a, body, dist_fields, &status)) {
        return status;
    }
    if ((rc = ckpt_api_db(a)) != CKPT_OK || (rc = ckpt_db_begin(a->db)) != CKPT_OK
        || (rc = ckpt_db_exec(a->db, a->r->pool, &res, "api_dist_lock", 0)) != CKPT_OK
        || (rc = ckpt_db_exec(a->db, a->r->pool, &res, "api_dist_get", 1, id)) != CKPT_OK) {
        ckpt_db_rollback(a->db);
        return ckpt_api_fail(a, rc, "distribution update");
    }
    if (!res->nrows) {
        ckpt_db_rollback(a->db);
        return ckpt_api_fail(a, CKPT_NOTFOUND, NULL);
    }
    d.id = id;
    d.name = ckpt_api_has(body, "name") ? ckpt_api_str(body, "name") : CKPT_DBVAL(res, 0, 1);
    d.base_path = ckpt_api_has(body, "base_path") ? ckpt_api_str(body, "base_path")
                                                  : CKPT_DBVAL(res, 0, 2);
    d.publication_id = CKPT_DBVAL(res, 0, 3);
    d.repository_id = CKPT_DBVAL(res, 0, 4);
    d.version_id = CKPT_DBVAL(res, 0, 9);
    cp = ckpt_json_get(body, "checkpoint");
    d.checkpoint = cp ? ckpt_json_typeof(cp) == CKPT_JSON_TRUE
                      : !strcmp(CKPT_DBVAL(res, 0, 7), "t");
    if (!resolve_refs(a, body, &d, &status)) {
        ckpt_db_rollback(a->db);
        return status;
    }
    if (!validate(a, &d, &status)) {
        ckpt_db_rollback(a->db);
        return status;
    }
    return write_dist(a, &d, 0);
}

static int dist_list(ckpt_api_req *a)
{
    apr_table_t *q = ckpt_api_query(a);
    ckpt_page pg;
    ckpt_dbres *res;
    ckpt_json *results;
    ckpt_rc rc;
    int status, i;

    if (!ckpt_api_page(a, q, &pg, &status)) {
        return status;
    }
    if ((rc = ckpt_api_db(a)) != CKPT_OK
        || (rc = ckpt_db_exec(a->db, a->r->pool, &res, "api_dist_list", 4,
                              apr_table_get(q, "name"), apr_table_get(q, "base_path"),
                              ckpt_lltoa(a->r->pool, pg.limit),
                              ckpt_lltoa(a->r->pool, pg.offset)))
               != CKPT_OK) {
        return ckpt_api_fail(a, rc, "distribution list");
    }
    results = ckpt_json_array(); /* owned by the list answer */
    for (i = 0; i < res->nrows; i++) {
        if (CKPT_DBVAL(res, i, 1)) {
            ckpt_json_append(results, dist_json(a, res, i, 1));
        }
    }
    return ckpt_api_send_list(a, &pg, res->nrows ? atoll(CKPT_DBVAL(res, 0, 0)) : 0, results);
}

static int dist_get(ckpt_api_req *a, const char *id)
{
    ckpt_dbres *res;
    ckpt_rc rc;

    if ((rc = ckpt_api_db(a)) != CKPT_OK
        || (rc = ckpt_db_exec(a->db, a->r->pool, &res, "api_dist_get", 1, id)) != CKPT_OK) {
        return ckpt_api_fail(a, rc, "distribution get");
    }
    if (!res->nrows) {
        return ckpt_api_fail(a, CKPT_NOTFOUND, NULL);
    }
    return ckpt_api_send(a, HTTP_OK, ckpt_json_own(a->r->pool, dist_json(a, res, 0, 0)));
}

static int dist_delete(ckpt_api_req *a, const char *id)
{
    ckpt_dbres *res;
    ckpt_rc rc;

    if ((rc = ckpt_api_db(a)) != CKPT_OK
        || (rc = ckpt_db_exec(a->db, a->r->pool, &res, "api_dist_delete", 1, id)) != CKPT_OK) {
        return ckpt_api_fail(a, rc, "distribution delete");
    }
    if (!res->affected) {
        return ckpt_api_fail(a, CKPT_NOTFOUND, NULL);
    }
    return ckpt_api_no_content(a);
}

int ckpt_api_distributions(ckpt_api_req *a, const char *rest)
{
    int m = a->r->method_number;
    const char *id, *sub;

    if (!*rest) {
        if (m == M_GET) {
            return dist_list(a);
        }
        if (m == M_POST) {
            return dist_create(a);
        }
        return ckpt_api_method_not_allowed(a, "GET, HEAD, POST");
    }
    sub = ckpt_api_take_uuid(a->r->pool, rest, &id);
    if (!sub || *sub) {
        return ckpt_api_fail(a, CKPT_NOTFOUND, NULL);
    }
    switch (m) {
    case M_GET: return dist_get(a, id);
    case M_PATCH: return dist_patch(a, id);
    case M_DELETE: return dist_delete(a, id);
    default: return ckpt_api_method_not_allowed(a, "GET, HEAD, PATCH, DELETE");
    }
}
